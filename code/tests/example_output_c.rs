//! The outputs of the examples that the quizzes of chapters
//! "AsyncTcpListener", "Cancellation safety" and
//! "When the simple version breaks" quote (each a variant of its chapter's
//! example: another size, split or order), and of the example of the page
//! "Under mio", are what the examples print now. A quiz may quote only lines
//! of a committed output, so these keep its questions true.
//!
//! After an intended change, regenerate the file the failure names with
//! `cargo run -p code --example NAME > code/examples/output/NAME.txt`
//! and reread the question or page that quotes it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_tcp_listener_small_reply.rs"]
#[allow(dead_code)]
mod async_tcp_listener_small_reply;
#[path = "../examples/cancellation_safety_thirty.rs"]
#[allow(dead_code)]
mod cancellation_safety_thirty;
#[path = "../examples/one_slot_writer_first.rs"]
#[allow(dead_code)]
mod one_slot_writer_first;
#[path = "../examples/under_mio.rs"]
#[allow(dead_code)]
mod under_mio;

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file.
fn check(name: &str, run: fn() -> String) {
    let hint = format!("example {name} hangs: a task that is never woken?");
    let printed = within(Duration::from_secs(20), &hint, run);
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(
        printed, expected,
        "example {name} now prints something else than {path}, which a quiz or page quotes. \
         If the change is intended, regenerate the file: \
         cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

#[test]
fn async_tcp_listener_small_reply_output() {
    check(
        "async_tcp_listener_small_reply",
        async_tcp_listener_small_reply::run,
    );
}

#[test]
fn cancellation_safety_thirty_output() {
    check(
        "cancellation_safety_thirty",
        cancellation_safety_thirty::run,
    );
}

#[test]
fn one_slot_writer_first_output() {
    check("one_slot_writer_first", one_slot_writer_first::run);
}

/// Linux only: the committed trace has epoll's events (`readable writable`
/// in one event, and the registration's writable edge).
#[cfg(target_os = "linux")]
#[test]
fn under_mio_output() {
    check("under_mio", under_mio::run);
}
