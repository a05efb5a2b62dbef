//! The shared waker slot of chapter "When the simple version breaks", the
//! other way round: the writer task parks first, then the reader task. Its
//! output answers a question in that chapter's quiz.
//!
//! `cargo run -p code --example one_slot_writer_first`

#[path = "when_it_breaks.rs"]
#[allow(dead_code)]
mod when_it_breaks;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    when_it_breaks::writer_first_report()
}
