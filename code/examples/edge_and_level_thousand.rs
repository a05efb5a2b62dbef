//! The example `edge_and_level` with 1,000 bytes instead of 100, read one
//! byte per read in the same way: the count of events does not grow with
//! the bytes left unread (chapter "Edge- vs level-triggered").
//!
//! `cargo run -p code --example edge_and_level_thousand`

#[path = "edge_and_level.rs"]
#[allow(dead_code)]
mod edge_and_level;

/// Ten times what the chapter's run reads.
const BYTES: usize = 1000;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    edge_and_level::report(BYTES)
}
