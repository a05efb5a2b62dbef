//! The first run of the example `cancellation_safety` with another split:
//! the peer sends bytes 0 to 29 before its pause instead of 0 to 49. Its
//! output answers a question in the quiz of chapter "Cancellation safety".
//!
//! `cargo run -p code --example cancellation_safety_thirty`

#[path = "cancellation_safety.rs"]
#[allow(dead_code)]
mod cancellation_safety;

/// How many bytes the peer sends before it pauses.
const FIRST: u8 = 30;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(cancellation_safety::read_exact_cancelled_after(FIRST))
        .expect("the example's I/O failed")
}
