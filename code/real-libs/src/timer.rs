//! hyper's timer, built on `code::time`.
//!
//! hyper measures its timeouts (`header_read_timeout`: how long a client
//! may take to send a request's head) with a `hyper::rt::Timer` the server
//! is given, whose sleeps must be `Send + Sync`: hyper's bounds are written
//! for every runtime, including those that move a connection between
//! threads. `code::time::Sleep` is neither: it holds an `Rc` of this
//! thread's reactor, which is how it registers its deadline.
//!
//! The bridge keeps the two apart. Each `code::time::Sleep` stays in a table
//! of the runtime's thread (a thread-local), under a number. hyper gets a
//! [`CodeSleep`], which holds only that number, and so is `Send + Sync`.
//! Polling the handle polls the `Sleep` it names in the table, with hyper's
//! waker, so the reactor wakes hyper's task directly when the deadline
//! passes; dropping the handle takes the `Sleep` out of the table, and its
//! timer out of the reactor.
//!
//! A `CodeTimer` may only be used where `code::time::sleep` may: inside
//! `code::block_on`, which is where hyper calls it, from the connection's
//! `poll`. A handle polled on another thread panics and says so.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

// ANCHOR: timer
/// hyper's `Timer` for servers run by `code::block_on`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodeTimer;

impl hyper::rt::Timer for CodeTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(CodeSleep::new(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(CodeSleep::new(
            deadline.saturating_duration_since(Instant::now()),
        ))
    }
}

thread_local! {
    /// The sleeps of this thread's handles, by number: their `Rc`s never
    /// leave the thread.
    static SLEEPS: RefCell<HashMap<u64, code::time::Sleep>> = RefCell::new(HashMap::new());
}

/// Numbers unique across threads, so that a handle can never name another
/// thread's sleep.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The `Sleep` hyper holds: the number of a `code::time::Sleep` in its
/// thread's table. A number is `Send + Sync`.
#[derive(Debug)]
pub struct CodeSleep {
    id: u64,
}

impl CodeSleep {
    fn new(duration: Duration) -> CodeSleep {
        // The deadline is taken now, as hyper expects, by `sleep` itself.
        let sleep = code::time::sleep(duration);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        SLEEPS.with(|sleeps| sleeps.borrow_mut().insert(id, sleep));
        CodeSleep { id }
    }
}

impl Future for CodeSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        SLEEPS.with(|sleeps| {
            let mut sleeps = sleeps.borrow_mut();
            let sleep = sleeps.get_mut(&self.id).expect(
                "a CodeSleep was polled on a thread other than the one that made it: \
                 its timer lives on that thread's runtime",
            );
            // `code::time::Sleep` is `Unpin`: it can be polled in place.
            Pin::new(sleep).poll(cx)
        })
    }
}

/// The marker hyper asks for; `Send + Sync` come from the plain number.
impl hyper::rt::Sleep for CodeSleep {}

impl Drop for CodeSleep {
    fn drop(&mut self) {
        // Taken out under the borrow, dropped after it: dropping the sleep
        // takes its timer out of the reactor. (`try_with`: nothing to do if
        // the thread is already tearing its table down. On another thread
        // the number is not there: the entry then stays in its own thread's
        // table, and its timer in that reactor, until the thread ends.)
        let sleep = SLEEPS
            .try_with(|sleeps| sleeps.borrow_mut().remove(&self.id))
            .ok()
            .flatten();
        drop(sleep);
    }
}
// ANCHOR_END: timer

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    /// The handle fires once the deadline passes, and not before.
    #[test]
    fn fires_after_its_deadline() {
        let waited = code::block_on(async {
            let start = Instant::now();
            CodeTimer.sleep(Duration::from_millis(50)).await;
            start.elapsed()
        });
        assert!(
            waited >= Duration::from_millis(50),
            "fired after {waited:?}"
        );
    }

    /// A dropped handle takes its timer out of the reactor at once. Seen
    /// through `block_on`'s deadlock check: once the handle is dropped, a
    /// main future that waits for nothing must be reported at once, while a
    /// timer left in the reactor, an hour away, is something that can still
    /// wake, and `block_on` would wait for it.
    #[test]
    fn a_dropped_handle_takes_its_timer_out_of_the_reactor() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let run = std::panic::catch_unwind(|| {
                code::block_on(async {
                    let mut sleep = CodeTimer.sleep(Duration::from_secs(3600));
                    // Polled once, as hyper does: the timer is registered.
                    let first = std::future::poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx)));
                    assert!(first.await.is_pending());
                    drop(sleep);
                    std::future::pending::<()>().await;
                })
            });
            let message = match run {
                Ok(()) => String::new(),
                Err(panic) => panic.downcast_ref::<String>().cloned().unwrap_or_default(),
            };
            tx.send(message).unwrap();
        });
        let message = rx.recv_timeout(Duration::from_secs(10)).expect(
            "block_on still waits 10 s after the handle was dropped: its timer is still there",
        );
        assert!(
            message.contains("deadlock"),
            "block_on ended with: {message:?}"
        );
    }

    /// A handle is `Send`, but its sleep stays on the runtime's thread:
    /// polled elsewhere, it panics and says why (the number names nothing
    /// in that thread's table).
    #[test]
    fn a_handle_polled_on_another_thread_says_so() {
        // Made inside `block_on` (in an Option: a bare sleep would be awaited).
        let sleep = code::block_on(async { Some(CodeTimer.sleep(Duration::from_secs(3600))) });
        let mut sleep = sleep.unwrap();
        let elsewhere = std::thread::spawn(move || {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let _ = sleep.as_mut().poll(&mut cx);
        });
        let panic = elsewhere
            .join()
            .expect_err("polled on another thread, it must panic");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(
            message.contains("other than the one that made it"),
            "{message:?}"
        );
    }
}
