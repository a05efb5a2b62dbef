//! The first scene of `partial_reads_and_writes` with other words: what
//! the quiz of chapter "Partial reads and writes" asks the reader to
//! predict, and the page does not show.
//!
//! `cargo run -p code --example partial_reads_and_writes_variants`

#[path = "partial_reads_and_writes.rs"]
#[allow(dead_code)]
mod partial_reads_and_writes;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        for word in [&b"cheeseburger"[..], b"fries"] {
            out += &partial_reads_and_writes::to_trickle(word).await;
        }
        out
    })
}
