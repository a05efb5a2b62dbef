//! The output the book shows for the examples of chapters 3-8 is what the
//! examples print now. Each example's `run()` is deterministic (no ports, no
//! timings), so a change in the runtime's behaviour or its trace format
//! fails here, and the page that includes the output cannot go stale.
//!
//! After an intended change, regenerate the file the failure names with
//! `cargo run -p code --example NAME > code/examples/output/NAME.txt`
//! and reread the page that shows it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_tcp_listener_accept.rs"]
#[allow(dead_code)]
mod async_tcp_listener_accept;
#[path = "../examples/async_tcp_stream_ping.rs"]
#[allow(dead_code)]
mod async_tcp_stream_ping;
#[path = "../examples/drive_through_async.rs"]
#[allow(dead_code)]
mod drive_through_async;
#[path = "../examples/drive_through_blocking.rs"]
#[allow(dead_code)]
mod drive_through_blocking;
#[path = "../examples/drive_through_nonblocking.rs"]
#[allow(dead_code)]
mod drive_through_nonblocking;
#[path = "../examples/partial_reads_and_writes.rs"]
#[allow(dead_code)]
mod partial_reads_and_writes;
#[path = "../examples/readiness_pattern_by_hand.rs"]
#[allow(dead_code)]
mod readiness_pattern_by_hand;
#[path = "../examples/trace_counters.rs"]
#[allow(dead_code)]
mod trace_counters;
#[path = "../examples/trace_read.rs"]
#[allow(dead_code)]
mod trace_read;

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file.
fn check(name: &str, run: fn() -> String) {
    let hint = format!("example {name} hangs: a task that is never woken?");
    let printed = within(Duration::from_secs(20), &hint, run);
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(
        printed, expected,
        "example {name} now prints something else than {path}, which the book shows. \
         If the change is intended, regenerate the file: \
         cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

#[test]
fn drive_through_blocking_output() {
    check("drive_through_blocking", drive_through_blocking::run);
}

/// The example waits until the kitchen's bytes have arrived, so its output
/// is the same on every system.
#[test]
fn drive_through_nonblocking_output() {
    check("drive_through_nonblocking", drive_through_nonblocking::run);
}

#[test]
fn drive_through_async_output() {
    check("drive_through_async", drive_through_async::run);
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn readiness_pattern_by_hand_output() {
    check("readiness_pattern_by_hand", readiness_pattern_by_hand::run);
}

#[test]
fn async_tcp_stream_ping_output() {
    check("async_tcp_stream_ping", async_tcp_stream_ping::run);
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn trace_read_output() {
    check("trace_read", trace_read::run);
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn trace_counters_output() {
    check("trace_counters", trace_counters::run);
}

#[test]
fn partial_reads_and_writes_output() {
    check("partial_reads_and_writes", partial_reads_and_writes::run);
}

#[test]
fn async_tcp_listener_accept_output() {
    check("async_tcp_listener_accept", async_tcp_listener_accept::run);
}
