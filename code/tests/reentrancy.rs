//! The reactor and the executor run no code of others (a waker's `wake` or
//! `drop`) while they hold a borrow of their state. A waker that calls back
//! into the reactor from `wake` or from `drop` (registers and deregisters a
//! socket, stores a waker, cancels a timer) must work wherever the runtime
//! wakes or drops it: an event, a timer, a timer's waker renewed by a
//! `sleep`, a waker replaced by `set_waker`, `deregister`, a finished task's
//! `JoinHandle`. Under a borrow it would panic with "already borrowed".
//!
//! The socket cases drive the reactor by hand (no executor); the timer cases
//! and the last one run in `block_on`, since a `sleep` is polled only there.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::mio::Interest;
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::testing::within;
use code::time::{Sleep, sleep};

const LIMIT: Duration = Duration::from_secs(10);
const HINT: &str = "the reactor hung while a waker called back into it";

thread_local! {
    /// A `sleep` whose timer is in the reactor, for [`call_the_reactor`] to
    /// cancel (see [`arm_a_sleep`]).
    static ARMED: Cell<Option<Sleep>> = const { Cell::new(None) };
}

/// A `sleep` of a minute, polled once so that its timer is in the reactor:
/// dropping it cancels the timer.
async fn armed_sleep() -> Sleep {
    let mut sleep = sleep(Duration::from_secs(60));
    poll_fn(|cx| {
        assert!(Pin::new(&mut sleep).poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    sleep
}

/// Leaves an armed `sleep` for [`call_the_reactor`], outside `block_on`.
fn arm_a_sleep() {
    ARMED.set(Some(code::block_on(armed_sleep())));
}

/// Calls the reactor the way a waker's code might: registers a socket,
/// stores a waker for it, deregisters it; cancels a timer (drops the armed
/// `sleep`). It does not start one: a `sleep` is polled only by a task, and
/// these wakers run between polls.
fn call_the_reactor() {
    let reactor = code::reactor();
    let mut listener = code::mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let token = reactor.register(&mut listener, Interest::READABLE).unwrap();
    reactor.set_waker(token, Direction::Read, Waker::noop());
    reactor.deregister(&mut listener, token).unwrap();
    let armed = ARMED
        .take()
        .expect("the test armed no sleep for the waker to cancel");
    drop(armed);
}

/// When a [`Reentrant`] waker calls the reactor.
#[derive(Clone, Copy, PartialEq)]
enum When {
    Woken,
    Dropped,
}

/// A waker that calls the reactor when it is woken or dropped, and counts
/// the times it did. Woken, it also wakes `then` (the task that waits for
/// it, in `block_on`).
struct Reentrant {
    when: When,
    calls: Arc<AtomicUsize>,
    then: Waker,
}

impl Wake for Reentrant {
    fn wake(self: Arc<Self>) {
        if self.when == When::Woken {
            call_the_reactor();
            self.calls.fetch_add(1, Ordering::SeqCst);
        }
        self.then.wake_by_ref();
    }
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        if self.when == When::Dropped {
            call_the_reactor();
            self.calls.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A `Reentrant` waker, and its count of calls. Dropping this `Waker` leaves
/// the copies the reactor keeps as the only ones.
fn reentrant(when: When, then: &Waker) -> (Waker, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let waker = Waker::from(Arc::new(Reentrant {
        when,
        calls: Arc::clone(&calls),
        then: then.clone(),
    }));
    (waker, calls)
}

/// A registered stream with nothing to read, and its peer.
fn pair() -> (AsyncTcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (AsyncTcpStream::from_std(ours).unwrap(), peer)
}

/// Parks `waker` in the read slot of a fresh stream, makes the stream
/// readable and lets the reactor dispatch the event.
fn woken_by_an_event(when: When) -> usize {
    within(LIMIT, HINT, move || {
        arm_a_sleep();
        let (stream, mut peer) = pair();
        let (waker, calls) = reentrant(when, Waker::noop());
        let mut buf = [0; 4];
        let poll = stream.poll_read(&mut Context::from_waker(&waker), &mut buf);
        assert!(poll.is_pending());
        drop(waker);
        peer.write_all(b"data").unwrap();
        while calls.load(Ordering::SeqCst) == 0 {
            code::reactor().wait(Some(Duration::from_secs(1))).unwrap();
        }
        calls.load(Ordering::SeqCst)
    })
}

#[test]
fn a_waker_woken_by_an_event_may_call_the_reactor_from_wake() {
    assert_eq!(woken_by_an_event(When::Woken), 1);
}

#[test]
fn a_waker_woken_by_an_event_may_call_the_reactor_from_drop() {
    assert_eq!(woken_by_an_event(When::Dropped), 1);
}

/// A 1 ms `sleep`, polled first with the task's waker, then with a
/// `Reentrant` one (the sleep renews its timer's waker: the task's is
/// dropped), and left to the reactor to fire. The task waits until the
/// waker has called the reactor, then drops the sleep without polling it
/// again: its timer has fired, so there is nothing to cancel.
fn woken_by_a_timer(when: When) -> usize {
    within(LIMIT, HINT, move || {
        code::block_on(async move {
            ARMED.set(Some(armed_sleep().await));
            let mut sleep = pin!(sleep(Duration::from_millis(1)));
            let mut calls = None;
            poll_fn(|cx| {
                let calls = calls.get_or_insert_with(|| {
                    assert!(sleep.as_mut().poll(cx).is_pending());
                    let (waker, calls) = reentrant(when, cx.waker());
                    let poll = sleep.as_mut().poll(&mut Context::from_waker(&waker));
                    assert!(poll.is_pending(), "a 1 ms sleep was due at once");
                    calls
                });
                if calls.load(Ordering::SeqCst) == 0 {
                    return Poll::Pending; // the timer keeps the waker that wakes us
                }
                Poll::Ready(calls.load(Ordering::SeqCst))
            })
            .await
        })
    })
}

#[test]
fn a_timer_waker_may_call_the_reactor_from_wake() {
    assert_eq!(woken_by_a_timer(When::Woken), 1);
}

#[test]
fn a_timer_waker_may_call_the_reactor_from_drop() {
    assert_eq!(woken_by_a_timer(When::Dropped), 1);
}

/// A timer's `Reentrant` waker that the `sleep` replaces with the task's
/// own when polled again: the reactor drops it (`When::Dropped` calls the
/// reactor then) in the middle of a poll.
#[test]
fn a_timer_waker_renewed_by_its_sleep_may_call_the_reactor_from_drop() {
    let calls = within(LIMIT, HINT, || {
        code::block_on(async {
            ARMED.set(Some(armed_sleep().await));
            let mut sleep = pin!(sleep(Duration::from_secs(60)));
            poll_fn(|cx| {
                let (waker, calls) = reentrant(When::Dropped, Waker::noop());
                let poll = sleep.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(poll.is_pending());
                drop(waker);
                assert!(sleep.as_mut().poll(cx).is_pending()); // the timer's waker is renewed
                Poll::Ready(calls.load(Ordering::SeqCst))
            })
            .await
        })
    });
    assert_eq!(calls, 1);
}

/// Stores `waker` in a read slot, then another task's waker in the same
/// slot: the first is replaced (and woken, then dropped).
fn replaced_by_set_waker(when: When) -> usize {
    within(LIMIT, HINT, move || {
        arm_a_sleep();
        let (stream, _peer) = pair();
        let reactor = code::reactor();
        let (waker, calls) = reentrant(when, Waker::noop());
        reactor.set_waker(stream.token(), Direction::Read, &waker);
        drop(waker);
        reactor.set_waker(stream.token(), Direction::Read, Waker::noop());
        calls.load(Ordering::SeqCst)
    })
}

#[test]
fn a_replaced_waker_may_call_the_reactor_from_wake() {
    assert_eq!(replaced_by_set_waker(When::Woken), 1);
}

#[test]
fn a_replaced_waker_may_call_the_reactor_from_drop() {
    assert_eq!(replaced_by_set_waker(When::Dropped), 1);
}

#[test]
fn a_waker_dropped_by_deregister_may_call_the_reactor() {
    let calls = within(LIMIT, HINT, || {
        arm_a_sleep();
        let (stream, _peer) = pair();
        let (waker, calls) = reentrant(When::Dropped, Waker::noop());
        code::reactor().set_waker(stream.token(), Direction::Write, &waker);
        drop(waker);
        drop(stream); // deregisters, and drops the stored waker
        calls.load(Ordering::SeqCst)
    });
    assert_eq!(calls, 1);
}

/// The executor: a task's `JoinHandle` is awaited with a waker whose `wake`
/// looks at the handle (`is_finished`). The task wakes it when it finishes;
/// its state must not be borrowed then.
#[test]
fn a_join_handle_waiter_may_look_at_the_handle_from_wake() {
    struct LookAtHandle {
        handle: Rc<RefCell<Option<code::JoinHandle<u32>>>>,
        saw_finished: Rc<RefCell<Option<bool>>>,
        then: Waker,
    }
    // Single-threaded on purpose (it holds `Rc`s): only wakes on this
    // thread, through a `RawWaker` built by hand below.
    fn vtable() -> &'static std::task::RawWakerVTable {
        use std::task::{RawWaker, RawWakerVTable};
        unsafe fn clone(p: *const ()) -> RawWaker {
            let rc = unsafe { Rc::from_raw(p as *const LookAtHandle) };
            let copy = Rc::clone(&rc);
            std::mem::forget(rc);
            RawWaker::new(Rc::into_raw(copy) as *const (), vtable())
        }
        unsafe fn wake(p: *const ()) {
            unsafe {
                wake_by_ref(p);
                drop_it(p);
            }
        }
        unsafe fn wake_by_ref(p: *const ()) {
            let this = unsafe { &*(p as *const LookAtHandle) };
            let finished = this.handle.borrow().as_ref().map(|h| h.is_finished());
            *this.saw_finished.borrow_mut() = finished;
            this.then.wake_by_ref();
        }
        unsafe fn drop_it(p: *const ()) {
            drop(unsafe { Rc::from_raw(p as *const LookAtHandle) });
        }
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_it);
        &VTABLE
    }
    let saw = within(LIMIT, HINT, || {
        code::block_on(async {
            let handle = Rc::new(RefCell::new(Some(code::spawn(async { 7 }))));
            let saw_finished = Rc::new(RefCell::new(None));
            let mut installed = false;
            std::future::poll_fn(|cx| {
                let mut slot = handle.borrow_mut();
                if installed && slot.as_ref().is_some_and(|h| h.is_finished()) {
                    return Poll::Ready(());
                }
                installed = true;
                let look = Rc::new(LookAtHandle {
                    handle: Rc::clone(&handle),
                    saw_finished: Rc::clone(&saw_finished),
                    then: cx.waker().clone(),
                });
                let raw = std::task::RawWaker::new(Rc::into_raw(look) as *const (), vtable());
                let waker = unsafe { Waker::from_raw(raw) };
                let poll = pin!(slot.as_mut().unwrap()).poll(&mut Context::from_waker(&waker));
                assert!(poll.is_pending(), "the task has not run yet");
                Poll::Pending
            })
            .await;
            let finished = handle.borrow_mut().take().unwrap();
            let output = finished.await;
            let saw = *saw_finished.borrow();
            (output, saw)
        })
    });
    assert_eq!(saw, (7, Some(true)));
}
