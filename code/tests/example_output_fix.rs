//! The outputs of the examples whose runs the quizzes of the lesson path
//! ask the reader to predict (another input, order or size than the
//! chapters show) are what the examples print now. The quizzes quote these
//! files (see `code/book-tests/tests/quizzes.rs`), so a quiz cannot go
//! stale.
//!
//! After an intended change, regenerate the file a failure names with the
//! command in its message, then reread the quiz that quotes it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/drive_through_two_halves.rs"]
#[allow(dead_code)]
mod drive_through_two_halves;
#[path = "../examples/echo_reset_before_read.rs"]
#[allow(dead_code)]
mod echo_reset_before_read;
#[path = "../examples/edge_and_level_two_batches.rs"]
#[allow(dead_code)]
mod edge_and_level_two_batches;
#[path = "../examples/trace_counters_small_buffer.rs"]
#[allow(dead_code)]
mod trace_counters_small_buffer;

/// Generous: each example runs in well under a second, but the machine may
/// be busy.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn check(name: &str, run: fn() -> String) {
    let hint = format!("example {name} hangs: a task that is never woken?");
    let printed = within(LIMIT, &hint, run);
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        printed == expected,
        "example {name} now prints something else than {path}, which a quiz uses.\n\
         --- committed:\n{expected}--- now:\n{printed}\
         If the change is intended: cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

/// The example counts the car's reads in the runtime's trace; each half
/// arrives only after the car has found the socket empty, so the count is
/// the same on every system (barring a spurious event).
#[test]
fn drive_through_two_halves_output() {
    check("drive_through_two_halves", drive_through_two_halves::run);
}

/// Linux only: the count of polls assumes the 5 bytes have all arrived when
/// the reactor reports the first of them, as on Linux's loopback.
#[cfg(target_os = "linux")]
#[test]
fn trace_counters_small_buffer_output() {
    check(
        "trace_counters_small_buffer",
        trace_counters_small_buffer::run,
    );
}

/// Linux only: the count of events is epoll's (macOS reports each direction
/// in an event of its own).
#[cfg(target_os = "linux")]
#[test]
fn edge_and_level_two_batches_output() {
    check(
        "edge_and_level_two_batches",
        edge_and_level_two_batches::run,
    );
}

/// Linux only: what a reset leaves of bytes that had arrived differs by
/// system (Windows discards them), and so may the error's kind.
#[cfg(target_os = "linux")]
#[test]
fn echo_reset_before_read_output() {
    check("echo_reset_before_read", echo_reset_before_read::run);
}
