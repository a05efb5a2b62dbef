//! The outputs of the examples whose runs the book's quizzes ask the reader
//! to predict (another input, order, size or split than the chapters show),
//! and of a few examples of the Deeper pages, are what the examples print
//! now. A quiz may quote only lines of a committed output (see
//! `code/book-tests/tests/quizzes.rs`), so these keep its questions true.
//!
//! After an intended change, regenerate the file a failure names with the
//! command in its message, then reread the quiz or page that uses it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_read_write_variants.rs"]
#[allow(dead_code)]
mod async_read_write_variants;
#[path = "../examples/async_tcp_listener_small_reply.rs"]
#[allow(dead_code)]
mod async_tcp_listener_small_reply;
#[path = "../examples/async_tcp_stream_small_buffer.rs"]
#[allow(dead_code)]
mod async_tcp_stream_small_buffer;
#[path = "../examples/cancellation_safety_thirty.rs"]
#[allow(dead_code)]
mod cancellation_safety_thirty;
#[path = "../examples/copy_counts_other_sizes.rs"]
#[allow(dead_code)]
mod copy_counts_other_sizes;
#[path = "../examples/drive_through_two_halves.rs"]
#[allow(dead_code)]
mod drive_through_two_halves;
#[path = "../examples/echo_reset_before_read.rs"]
#[allow(dead_code)]
mod echo_reset_before_read;
#[path = "../examples/ecosystem_traits.rs"]
#[allow(dead_code)]
mod ecosystem_traits;
#[path = "../examples/edge_and_level_two_batches.rs"]
#[allow(dead_code)]
mod edge_and_level_two_batches;
#[path = "../examples/epoll_refuses_files.rs"]
#[allow(dead_code)]
mod epoll_refuses_files;
#[path = "../examples/one_slot_writer_first.rs"]
#[allow(dead_code)]
mod one_slot_writer_first;
#[path = "../examples/partial_reads_and_writes_variants.rs"]
#[allow(dead_code)]
mod partial_reads_and_writes_variants;
#[path = "../examples/readiness_wait_first.rs"]
#[allow(dead_code)]
mod readiness_wait_first;
#[path = "../examples/trace_counters_small_buffer.rs"]
#[allow(dead_code)]
mod trace_counters_small_buffer;
#[path = "../examples/trace_read_variants.rs"]
#[allow(dead_code)]
mod trace_read_variants;
#[path = "../examples/under_mio.rs"]
#[allow(dead_code)]
mod under_mio;

/// Generous: each example runs in well under a second, but the machine may
/// be busy.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file.
fn check(name: &str, run: fn() -> String) {
    let hint = format!("example {name} hangs: a task that is never woken?");
    let printed = within(LIMIT, &hint, run);
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        printed == expected,
        "example {name} now prints something else than {path}, which a quiz or page uses.\n\
         --- committed:\n{expected}--- now:\n{printed}\
         If the change is intended: cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

/// Linux only: the output prints the reactor's events, and an event with
/// both bits, `readable writable`, is epoll's way of reporting.
#[cfg(target_os = "linux")]
#[test]
fn readiness_wait_first_output() {
    check("readiness_wait_first", readiness_wait_first::run);
}

/// Linux only: which round reads what depends on the loopback delivering a
/// write's bytes before `write` returns, which Linux does.
#[cfg(target_os = "linux")]
#[test]
fn async_tcp_stream_small_buffer_output() {
    check(
        "async_tcp_stream_small_buffer",
        async_tcp_stream_small_buffer::run,
    );
}

/// Linux only: epoll and its error are Linux's.
#[cfg(target_os = "linux")]
#[test]
fn epoll_refuses_files_output() {
    check("epoll_refuses_files", epoll_refuses_files::run);
}

#[test]
fn async_read_write_variants_output() {
    check("async_read_write_variants", async_read_write_variants::run);
}

#[test]
fn ecosystem_traits_output() {
    check("ecosystem_traits", ecosystem_traits::run);
}

#[test]
fn partial_reads_and_writes_variants_output() {
    check(
        "partial_reads_and_writes_variants",
        partial_reads_and_writes_variants::run,
    );
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), and it relies on Linux's loopback delivering bytes before
/// `write` returns.
#[cfg(target_os = "linux")]
#[test]
fn trace_read_variants_output() {
    check("trace_read_variants", trace_read_variants::run);
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

#[test]
fn copy_counts_other_sizes_output() {
    check("copy_counts_other_sizes", copy_counts_other_sizes::run);
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
