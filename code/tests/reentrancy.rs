//! The reactor and the executor run no code of others (a waker's `wake` or
//! `drop`) while they hold a borrow of their state. A waker that calls back
//! into the reactor from `wake` or from `drop` (registers and deregisters a
//! socket, stores a waker, starts a timer) must work wherever the runtime
//! wakes or drops it: an event, a timer, a waker replaced by `set_waker`,
//! `deregister`, a finished task's `JoinHandle`. Under a borrow it would
//! panic with "already borrowed".
//!
//! These tests drive the reactor by hand (no executor), except the last.

use std::cell::RefCell;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use code::mio::Interest;
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);
const HINT: &str = "the reactor hung while a waker called back into it";

/// Calls the reactor the way a waker's code might: registers a socket,
/// stores a waker for it, deregisters it; starts a timer and cancels it.
fn call_the_reactor() {
    let reactor = code::reactor();
    let mut listener = code::mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let token = reactor.register(&mut listener, Interest::READABLE).unwrap();
    reactor.set_waker(token, Direction::Read, Waker::noop());
    reactor.deregister(&mut listener, token).unwrap();
    // What `sleep` does, by hand: its futures panic outside `block_on`.
    let timer = reactor.add_timer(Instant::now() + Duration::from_secs(60), Waker::noop());
    reactor.remove_timer(timer);
}

/// When a [`Reentrant`] waker calls the reactor.
#[derive(Clone, Copy, PartialEq)]
enum When {
    Woken,
    Dropped,
}

/// A waker that calls the reactor when it is woken or dropped, and counts
/// the times it did.
struct Reentrant {
    when: When,
    calls: Arc<AtomicUsize>,
}

impl Wake for Reentrant {
    fn wake(self: Arc<Self>) {
        if self.when == When::Woken {
            call_the_reactor();
            self.calls.fetch_add(1, Ordering::SeqCst);
        }
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
fn reentrant(when: When) -> (Waker, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let waker = Waker::from(Arc::new(Reentrant {
        when,
        calls: Arc::clone(&calls),
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
        let (stream, mut peer) = pair();
        let (waker, calls) = reentrant(when);
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

/// Starts a 1 ms timer with `waker` and lets the reactor fire it.
fn woken_by_a_timer(when: When) -> usize {
    within(LIMIT, HINT, move || {
        let (waker, calls) = reentrant(when);
        let reactor = code::reactor();
        let timer = reactor.add_timer(Instant::now() + Duration::from_millis(1), &waker);
        drop(waker);
        while calls.load(Ordering::SeqCst) == 0 {
            reactor.wait(Some(Duration::from_secs(1))).unwrap();
        }
        reactor.remove_timer(timer); // it fired: nothing to cancel
        calls.load(Ordering::SeqCst)
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

/// Stores `waker` in a read slot, then another task's waker in the same
/// slot: the first is replaced (and woken, then dropped).
fn replaced_by_set_waker(when: When) -> usize {
    within(LIMIT, HINT, move || {
        let (stream, _peer) = pair();
        let reactor = code::reactor();
        let (waker, calls) = reentrant(when);
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
        let (stream, _peer) = pair();
        let (waker, calls) = reentrant(When::Dropped);
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
