//! Timers: [`sleep`] and [`timeout`], kept by the reactor.
//!
//! The reactor holds each pending timer's waker and bounds its wait by the
//! nearest deadline, so a sleeping task is woken like a task waiting for I/O.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::reactor::{Reactor, reactor};

/// Completes once `duration` has passed.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        timer: None,
        reactor: reactor(),
    }
}

/// The future returned by [`sleep`]. `#[must_use]`: a `sleep` that is not
/// awaited waits for nothing.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// code::time::sleep(std::time::Duration::from_millis(10)); // no `.await`
/// ```
///
/// ```
/// #![deny(unused_must_use)]
/// code::block_on(code::time::sleep(std::time::Duration::from_millis(10)));
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them: nothing waits"]
pub struct Sleep {
    deadline: Instant,
    /// The key of our timer in the reactor, once registered.
    timer: Option<(Instant, u64)>,
    reactor: Rc<Reactor>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Try first, as with I/O: is it time?
        if Instant::now() >= self.deadline {
            if let Some(key) = self.timer.take() {
                self.reactor.remove_timer(key);
            }
            return Poll::Ready(());
        }
        match self.timer {
            Some(key) if self.reactor.update_timer(key, cx.waker()) => {}
            _ => {
                let key = self.reactor.add_timer(self.deadline, cx.waker());
                self.timer = Some(key);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            self.reactor.remove_timer(key);
        }
    }
}

/// The error of a [`timeout`] whose time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl std::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` for at most `duration`. If time runs out first, the future
/// is dropped (cancelled) and the result is `Err(Elapsed)`.
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    let mut future = std::pin::pin!(future);
    let mut sleep = std::pin::pin!(sleep(duration));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        sleep.as_mut().poll(cx).map(|()| Err(Elapsed))
    })
    .await
}
