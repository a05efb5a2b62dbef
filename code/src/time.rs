//! Timers: [`sleep`] and [`timeout`], kept by the reactor.
//!
//! The reactor holds each pending timer's waker and bounds its wait by the
//! nearest deadline, so a sleeping task is woken like a task waiting for I/O.
//!
//! Both take their deadline when they are called, not when first polled. A
//! deadline too far away for an `Instant` (`Duration::MAX`, the usual "no
//! timeout") means never. A timer that is due spends a unit of the task's
//! cooperative budget, as a ready I/O operation does, so a loop of them
//! still lets the other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::reactor::{Reactor, reactor};

/// Completes once `duration` has passed, counted from this call.
///
/// # Panics
/// When polled outside `code::block_on`, where nothing would wake it.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: deadline_in(duration),
        timer: None,
        reactor: reactor(),
    }
}

/// As good as never: 30 years, tokio's "far future".
const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

/// The instant `duration` from now. One that an `Instant` cannot hold is
/// never: it becomes [`NEVER`] from now, a timer the reactor keeps (so the
/// task counts as waiting, as it is) but that does not fire.
fn deadline_in(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration).unwrap_or(now + NEVER)
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
        self.reactor.expect_block_on("code::time::sleep");
        // Budget used up? Then yield, as the I/O operations do.
        std::task::ready!(self.reactor.poll_budget_untraced(cx));
        let poll = self.poll_deadline(cx);
        if poll.is_ready() {
            self.reactor.spend_budget();
        }
        poll
    }
}

impl Sleep {
    /// Ready once the deadline has passed; otherwise leaves the waker with
    /// the reactor's timer. No budget: [`timeout`] polls its deadline with
    /// this, so that a future that uses up the budget cannot hold it off.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
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

/// Runs `future` for at most `duration`, counted from this call. If time
/// runs out first, the future is dropped (cancelled) and the result is
/// `Err(Elapsed)`.
///
/// # Panics
/// When polled outside `code::block_on`, where nothing would wake it.
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    // The deadline is taken here, not at the first poll (which an `async fn`
    // would wait for).
    let mut deadline = sleep(duration);
    async move {
        let reactor = Rc::clone(&deadline.reactor);
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            reactor.expect_block_on("code::time::timeout");
            std::task::ready!(reactor.poll_budget_untraced(cx));
            let before = reactor.budget();
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                // A future that did I/O has spent its units; a future that was
                // just ready spends one here, so a loop of timeouts yields too.
                if reactor.budget() == before {
                    reactor.spend_budget();
                }
                return Poll::Ready(Ok(output));
            }
            // Polled whatever the budget: the future may have used it up, and
            // then it must still lose the race against its deadline.
            let elapsed = deadline.poll_deadline(cx);
            if elapsed.is_ready() {
                reactor.spend_budget();
            }
            elapsed.map(|()| Err(Elapsed))
        })
        .await
    }
}
