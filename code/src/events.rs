//! What the runtime reports as it works: the [`Event`]s of its trace points,
//! and [`emit`], the hook they go through.
//!
//! This is the part of the trace the runtime itself needs. The reactor, the
//! executor and the sockets call `events::emit!(...)` at each step; while
//! nothing is recording, each call costs one atomic load and builds nothing.
//! Recording, the lines the book prints, the counters tests use and JSON
//! are instruments that watch the runtime from outside: [`crate::trace`].
//!
//! This module names nothing of the runtime (tasks are their ids, `u64`,
//! as [`TaskId`](crate::executor::TaskId); slots are the `Interest` that
//! stores them), so that the runtime's files import it and it imports none
//! of them.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mio::{Interest, Token};

/// One thing the runtime did. See [`crate::trace`] for the line each
/// renders to and its JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `spawn` created a task (its first wake, a [`Queued`](Event::Queued), follows).
    Spawned { task: u64 },
    /// A wake put the task at the back of the run queue. (A wake of a task
    /// that is already queued changes nothing and is not recorded.)
    Queued {
        task: u64,
        /// The wake came from another thread (it also interrupts the wait).
        remote: bool,
    },
    /// The executor took a task from the queue that had already finished
    /// (a late wake); nothing is polled.
    LateWake { task: u64 },
    /// The executor starts polling a task (0: the main future).
    Polled { task: u64 },
    /// The poll of a task returned: `ready` is true if the task finished.
    Returned { task: u64, ready: bool },
    /// The run queue is empty: the executor waits for events (no time limit
    /// but the next timer).
    Idle,
    /// A source was registered with the reactor.
    Registered { token: Token, interest: Interest },
    /// A source was deregistered; its slots are gone.
    Deregistered { token: Token },
    /// A waker was stored in a slot of `token`: the read slot if `interest`
    /// is `READABLE`, the write slot if `WRITABLE`. `task` is the task the
    /// executor was polling (`None` outside the executor).
    Stored {
        token: Token,
        interest: Interest,
        task: Option<u64>,
    },
    /// The [`Stored`](Event::Stored) just before replaced the waker of another
    /// task (`task`), which was woken so that it is not lost. `task` is
    /// known as for [`Woke`](Event::Woke).
    Displaced {
        token: Token,
        interest: Interest,
        task: Option<u64>,
    },
    /// The reactor starts waiting for events, at most `timeout` (`None`: no
    /// limit). A zero timeout only collects events that are already there.
    WaitBegun { timeout: Option<Duration> },
    /// The wait ended after `slept`, with `events` events from mio;
    /// `interrupted` if a signal ended it.
    WaitEnded {
        slept: Duration,
        events: usize,
        interrupted: bool,
    },
    /// mio reported `token` ready; the bits are mio's.
    Readiness {
        token: Token,
        readable: bool,
        writable: bool,
        read_closed: bool,
        write_closed: bool,
        error: bool,
    },
    /// A waker was taken out of a slot of `token` and woken (the read slot if
    /// `interest` is `READABLE`). `task` is whose waker it was: the task of
    /// the last [`Stored`](Event::Stored) in that slot, which [`record`]
    /// fills in (`None` if it came before the recording). The reactor keeps
    /// no task ids in its slots, where they would cost memory per socket.
    Woke {
        token: Token,
        interest: Interest,
        task: Option<u64>,
    },
    /// A timer fired; its waker (of `task`) was woken.
    TimerFired { task: Option<u64> },
    /// Another thread woke a task and interrupted the wait.
    WokenFromAnotherThread,
    /// The task used up its budget of ready operations for this poll; the
    /// operation on `token` woke the task and returned `Pending`.
    BudgetUsedUp { token: Token, task: Option<u64> },
    /// A socket call of `code::net` and its outcome.
    Io {
        token: Token,
        op: Op,
        outcome: Outcome,
    },
    /// A line of the program's own ([`emit`](fn@emit) with a `String`).
    Note(String),
}

/// The socket operation of an [`Event::Io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Accept,
    Connect,
}

/// The outcome of an [`Event::Io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done: bytes read or written, 1 for an accepted connection, 0 for a
    /// finished connect.
    Ok(usize),
    /// Not ready: the task waits (or, for a connect, is still connecting).
    WouldBlock,
    /// A real error.
    Err(io::ErrorKind),
}

/// One constructor per kind of event, with the fields in the order they
/// are declared: what the trace points write, `events::emit!(polled(id))`.
impl Event {
    pub fn spawned(task: u64) -> Event {
        Event::Spawned { task }
    }
    pub fn queued(task: u64, remote: bool) -> Event {
        Event::Queued { task, remote }
    }
    pub fn late_wake(task: u64) -> Event {
        Event::LateWake { task }
    }
    pub fn polled(task: u64) -> Event {
        Event::Polled { task }
    }
    pub fn returned(task: u64, ready: bool) -> Event {
        Event::Returned { task, ready }
    }
    pub fn idle() -> Event {
        Event::Idle
    }
    pub fn registered(token: Token, interest: Interest) -> Event {
        Event::Registered { token, interest }
    }
    pub fn deregistered(token: Token) -> Event {
        Event::Deregistered { token }
    }
    pub fn stored(token: Token, interest: Interest, task: Option<u64>) -> Event {
        Event::Stored {
            token,
            interest,
            task,
        }
    }
    /// `task` is filled in when the trace is recorded (see [`Event::Woke`]).
    pub fn displaced(token: Token, interest: Interest) -> Event {
        Event::Displaced {
            token,
            interest,
            task: None,
        }
    }
    pub fn wait_begun(timeout: Option<Duration>) -> Event {
        Event::WaitBegun { timeout }
    }
    pub fn wait_ended(slept: Duration, events: usize, interrupted: bool) -> Event {
        Event::WaitEnded {
            slept,
            events,
            interrupted,
        }
    }
    /// The readiness mio reported in `event`.
    pub fn readiness(event: &mio::event::Event) -> Event {
        Event::Readiness {
            token: event.token(),
            readable: event.is_readable(),
            writable: event.is_writable(),
            read_closed: event.is_read_closed(),
            write_closed: event.is_write_closed(),
            error: event.is_error(),
        }
    }
    /// `task` is filled in when the trace is recorded (see [`Event::Woke`]).
    pub fn woke(token: Token, interest: Interest) -> Event {
        Event::Woke {
            token,
            interest,
            task: None,
        }
    }
    pub fn timer_fired(task: Option<u64>) -> Event {
        Event::TimerFired { task }
    }
    pub fn woken_from_another_thread() -> Event {
        Event::WokenFromAnotherThread
    }
    pub fn budget_used_up(token: Token, task: Option<u64>) -> Event {
        Event::BudgetUsedUp { token, task }
    }
    pub fn io(token: Token, op: Op, outcome: Outcome) -> Event {
        Event::Io { token, op, outcome }
    }
}

impl From<String> for Event {
    fn from(note: String) -> Event {
        Event::Note(note)
    }
}

thread_local! {
    /// The events recorded so far, while a `record` is running.
    static EVENTS: RefCell<Option<Vec<Event>>> = const { RefCell::new(None) };
}

/// How many `record`s are running, on all threads: while none is, a trace
/// point returns after this one load, without looking at `EVENTS`.
static RECORDING: AtomicUsize = AtomicUsize::new(0);

/// Records an event if tracing is on for this thread. The closure builds
/// it, so a disabled trace does not even do that.
///
/// A `String` becomes a [`Event::Note`]: `emit(|| "kernel: 5 bytes arrive".to_string())`
/// annotates a run. The runtime's own trace points use the macro
/// [`emit!`](macro@emit), which builds an [`Event`].
pub fn emit<E: Into<Event>>(make: impl FnOnce() -> E) {
    if RECORDING.load(Ordering::Relaxed) == 0 {
        return;
    }
    let on = EVENTS
        .try_with(|events| events.borrow().is_some())
        .unwrap_or(false);
    if !on {
        return;
    }
    // Built outside the borrow: building it may run code that emits too.
    let event = make().into();
    let _ = EVENTS.try_with(|events| {
        if let Some(events) = events.borrow_mut().as_mut() {
            events.push(event);
        }
    });
}

/// `events::emit!(polled(id))` records `Event::polled(id)` (an
/// [`Event::Polled`]) if tracing is on; the arguments are only evaluated
/// then. `Op` and `Outcome` are in scope for them.
///
/// A macro rather than `emit(|| Event::polled(id))` so that the runtime's
/// modules name nothing of this one but `emit` (the book compiles copies of
/// them, which reach the trace through `emit` alone).
#[doc(hidden)]
#[macro_export]
macro_rules! __trace_event {
    ($constructor:ident ( $($args:tt)* )) => {
        $crate::events::emit(|| {
            #[allow(unused_imports)]
            use $crate::events::{Op, Outcome};
            $crate::events::Event::$constructor($($args)*)
        })
    };
}
#[doc(inline)]
pub use crate::__trace_event as emit;

/// Runs `f` with recording on for this thread and returns its result with
/// the events emitted meanwhile, in order. A recording inside `f` takes the
/// events of its own run; the outer one does not see them.
/// [`trace::record`](crate::trace::record) is this, with counters and lines.
pub(crate) fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Event>) {
    /// Puts the previous recording back, also if `f` panics.
    struct Restore(Option<Option<Vec<Event>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                let _ = EVENTS.try_with(|events| *events.borrow_mut() = previous);
            }
            RECORDING.fetch_sub(1, Ordering::Relaxed);
        }
    }
    let previous = EVENTS.with(|events| events.borrow_mut().replace(Vec::new()));
    RECORDING.fetch_add(1, Ordering::Relaxed);
    let mut restore = Restore(Some(previous));
    let result = f();
    let previous = restore.0.take().unwrap();
    let events = EVENTS
        .with(|events| std::mem::replace(&mut *events.borrow_mut(), previous))
        .unwrap_or_default();
    (result, events)
}
