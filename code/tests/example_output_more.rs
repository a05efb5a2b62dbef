//! The output the book shows for the examples of chapters 9 to 16 is what
//! the examples print now. If the runtime's behaviour or its trace changes,
//! these fail: regenerate the file with the command in the message, then
//! reread the chapter that shows it.

use std::time::Duration;

use code::testing::within;

#[path = "../examples/edge_and_level.rs"]
#[allow(dead_code)]
mod edge_and_level;

#[path = "../examples/cancellation_safety.rs"]
#[allow(dead_code)]
mod cancellation_safety;

#[path = "../examples/coop_budget.rs"]
#[allow(dead_code)]
mod coop_budget;

#[path = "../examples/copy_counts.rs"]
#[allow(dead_code)]
mod copy_counts;

#[path = "../examples/echo_session.rs"]
#[allow(dead_code)]
mod echo_session;

#[path = "../examples/futures_io_interop.rs"]
#[allow(dead_code)]
mod futures_io_interop;

#[path = "../examples/when_it_breaks.rs"]
#[allow(dead_code)]
mod when_it_breaks;

/// Compares an example's output with the committed copy the book includes.
fn check(name: &str, actual: String) {
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        actual == expected,
        "the output of example `{name}` is not what the book shows ({path}).\n\
         --- book:\n{expected}--- now:\n{actual}\
         If the change is intended: cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

const LIMIT: Duration = Duration::from_secs(20);

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn edge_and_level_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example edge_and_level did not finish: did a read wait for an event that never came?",
        edge_and_level::run,
    );
    check("edge_and_level", out);
}

#[test]
fn when_it_breaks_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example when_it_breaks did not finish: a demonstration that should be bounded hung",
        when_it_breaks::run,
    );
    check("when_it_breaks", out);
}

#[test]
fn cancellation_safety_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example cancellation_safety did not finish: a read that should time out kept waiting",
        cancellation_safety::run,
    );
    check("cancellation_safety", out);
}

#[test]
fn echo_session_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example echo_session did not finish: is a client or an echo task never woken?",
        echo_session::run,
    );
    check("echo_session", out);
}

#[test]
fn copy_counts_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example copy_counts did not finish: does the loopback copy wait for an event that never comes?",
        copy_counts::run,
    );
    check("copy_counts", out);
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
fn futures_io_interop_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example futures_io_interop did not finish: does poll_close (shutdown) reach the server?",
        futures_io_interop::run,
    );
    check("futures_io_interop", out);
}

#[path = "../examples/two_readers.rs"]
#[allow(dead_code)]
mod two_readers;

/// Two readers on one stream wake each other without end; the example counts
/// their polls in 100 ms against more than 1,000 (an idle machine makes many
/// times more, so a loaded one passes too).
#[test]
fn two_readers_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example two_readers did not finish: did the main task's sleep never fire?",
        two_readers::run,
    );
    check("two_readers", out);
}

#[test]
fn coop_budget_output_matches_the_book() {
    let out = within(
        LIMIT,
        "example coop_budget did not finish: does a reader whose socket is always ready get \
         polled again after it yields?",
        coop_budget::run,
    );
    check("coop_budget", out);
}
