//! The outputs of the examples that the quizzes of "The readiness pattern"
//! and "AsyncTcpStream" ask about without showing them (another wait, order
//! or buffer size), and of the example of the
//! Deeper page "What cannot be registered", are what the examples print
//! now. The quizzes quote these files (see
//! `code/book-tests/tests/quizzes.rs`), so a quiz cannot go stale either.
//!
//! After an intended change, regenerate the file a failure names with the
//! command in its message, then reread the quiz or page that uses it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_tcp_stream_small_buffer.rs"]
#[allow(dead_code)]
mod async_tcp_stream_small_buffer;
#[path = "../examples/epoll_refuses_files.rs"]
#[allow(dead_code)]
mod epoll_refuses_files;
#[path = "../examples/readiness_wait_first.rs"]
#[allow(dead_code)]
mod readiness_wait_first;

/// Generous: each example runs in well under a second, but the machine may
/// be busy.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file.
// Some checks below are Linux only; elsewhere this may go unused.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
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
