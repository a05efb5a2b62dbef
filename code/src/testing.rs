//! Helpers for the course's tests: a broken implementation must fail within
//! seconds with a message, never hang the test suite.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on a new thread and returns its result, or panics with `hint` if
/// it has not finished after `limit`.
///
/// `f` usually calls `block_on`. A separate thread catches every way of not
/// finishing: a task that is never woken, and also a loop that never yields
/// (which a timer on the same thread could not interrupt). The stuck thread
/// is left behind; the test fails.
///
/// A panic in `f` is re-raised here with its message, so `#[should_panic]`
/// and the test report see it.
pub fn within<T, F>(limit: Duration, hint: &str, f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = mpsc::channel();
    let worker = thread::Builder::new()
        .name("within".into())
        .spawn(move || {
            let _ = done.send(f());
        })
        .expect("could not start a test thread");
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker ended without a result or a panic"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: {hint}")
        }
    }
}
