//! hyper's timer, built on `code::time`.
//!
//! hyper measures its timeouts (`header_read_timeout`: how long a client
//! may take to send a request's head) with a `hyper::rt::Timer` the server
//! is given, whose sleeps must be `Send + Sync`: hyper keeps them in
//! connection state that it requires to be `Send` in its multi-threaded
//! uses, whatever the runtime. `code::time::Sleep` is neither: it holds an
//! `Rc` of this thread's reactor, which is how it registers its deadline.
//!
//! The bridge keeps the two apart. The `Rc` never leaves the runtime's
//! thread: a small task spawned there awaits `code::time::sleep`. hyper
//! gets a [`CodeSleep`], a handle that holds only an `Arc<Mutex<..>>` of
//! plain data (a flag and two wakers), which is `Send + Sync`. When the
//! deadline passes the task sets the flag and wakes whoever polled the
//! handle; when hyper drops the handle first (the head arrived in time:
//! the usual case), the handle wakes the task, which ends and takes its
//! timer out of the reactor at once, instead of holding it until the
//! deadline.
//!
//! A `CodeTimer` may only be used where `code::spawn` may: inside
//! `code::block_on`, which is where hyper calls it, from the connection's
//! `poll`.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
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

/// What the handle and the task share: plain data, so `Send + Sync`.
#[derive(Debug, Default)]
struct Shared {
    /// The deadline has passed.
    fired: bool,
    /// hyper dropped the handle: the task may end.
    dropped: bool,
    /// Whoever polled the handle last (hyper's connection task).
    waiter: Option<Waker>,
    /// The task that sleeps, to wake when the handle is dropped.
    sleeper: Option<Waker>,
}

/// The `Sleep` hyper holds: a handle to a task that does the sleeping.
#[derive(Debug)]
pub struct CodeSleep {
    shared: Arc<Mutex<Shared>>,
}

impl CodeSleep {
    fn new(duration: Duration) -> CodeSleep {
        let shared = Arc::new(Mutex::new(Shared::default()));
        // The deadline is taken now, as hyper expects, by `sleep` itself.
        let sleep = code::time::sleep(duration);
        // Detached: dropping a JoinHandle leaves its task running.
        drop(code::spawn(sleep_then_fire(sleep, Arc::clone(&shared))));
        CodeSleep { shared }
    }
}

/// The task: ends when the deadline passes (and then wakes the waiter) or
/// when the handle is dropped, whichever comes first.
async fn sleep_then_fire(sleep: code::time::Sleep, shared: Arc<Mutex<Shared>>) {
    let mut sleep = pin!(sleep);
    poll_fn(|cx| {
        let mut state = lock(&shared);
        if state.dropped {
            return Poll::Ready(());
        }
        if sleep.as_mut().poll(cx).is_ready() {
            state.fired = true;
            if let Some(waiter) = state.waiter.take() {
                waiter.wake();
            }
            return Poll::Ready(());
        }
        remember(&mut state.sleeper, cx.waker());
        Poll::Pending
    })
    .await
}

impl Future for CodeSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.shared);
        if state.fired {
            return Poll::Ready(());
        }
        remember(&mut state.waiter, cx.waker());
        Poll::Pending
    }
}

/// The marker hyper asks for; `Send + Sync` come from `Arc<Mutex<Shared>>`.
impl hyper::rt::Sleep for CodeSleep {}

impl Drop for CodeSleep {
    fn drop(&mut self) {
        let sleeper = {
            let mut state = lock(&self.shared);
            state.dropped = true;
            state.sleeper.take()
        };
        // Woken with the lock released: the task locks it when polled.
        if let Some(sleeper) = sleeper {
            sleeper.wake();
        }
    }
}
// ANCHOR_END: timer

/// The lock, even if a panic poisoned it: the data is two flags and two
/// wakers, never left half-updated.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps `waker` in `slot`, without a clone if it is already there.
fn remember(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(kept) if kept.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

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

    /// A dropped handle ends its task at once, taking its timer out of the
    /// reactor. Seen through `block_on`'s deadlock check: once the handle
    /// is dropped, a main future that waits for nothing must be reported at
    /// once, while a sleeper task that lived on would keep a timer an hour
    /// away (something that can still wake), and `block_on` would wait.
    #[test]
    fn a_dropped_handle_ends_its_task() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let run = std::panic::catch_unwind(|| {
                code::block_on(async {
                    let sleep = CodeTimer.sleep(Duration::from_secs(3600));
                    // Let the task run once and register its timer.
                    code::time::sleep(Duration::from_millis(10)).await;
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
            "block_on still waits 10 s after the handle was dropped: its task holds a timer",
        );
        assert!(
            message.contains("deadlock"),
            "block_on ended with: {message:?}"
        );
    }
}
