//! The outputs of the examples that chapters "AsyncRead and AsyncWrite",
//! "Following the data" and "Partial reads and writes" ask their quizzes
//! about without showing them (other sizes, orders and inputs), and of the
//! example of the Deeper page "The ecosystem's traits", are what the
//! examples print now. The quizzes quote these files (see
//! `code/book-tests/tests/quizzes.rs`), so a quiz cannot go stale either.
//!
//! After an intended change, regenerate the file a failure names with the
//! command in its message, then reread the quiz or page that uses it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_read_write_variants.rs"]
#[allow(dead_code)]
mod async_read_write_variants;
#[path = "../examples/ecosystem_traits.rs"]
#[allow(dead_code)]
mod ecosystem_traits;
#[path = "../examples/partial_reads_and_writes_variants.rs"]
#[allow(dead_code)]
mod partial_reads_and_writes_variants;
#[path = "../examples/trace_read_variants.rs"]
#[allow(dead_code)]
mod trace_read_variants;

/// Generous: each example runs in milliseconds, but the machine may be busy.
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
