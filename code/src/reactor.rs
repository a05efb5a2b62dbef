//! The reactor: it turns "the OS says this socket is ready" into "wake the task
//! that was waiting for it".
//!
//! An I/O type registers its socket once and gets a [`Token`]. When an
//! operation returns `WouldBlock`, the type stores the task's waker in the
//! token's slot for that [`Direction`] and returns `Poll::Pending`. The
//! executor calls [`Reactor::wait`] when it has nothing to run; each event
//! mio reports wakes the waker stored for that token and direction.
//!
//! These rules keep it correct; each is written where it is kept:
//! - one waker slot per direction, so a reader and a writer on the same
//!   socket never overwrite each other (`Slots`);
//! - a task only waits after it has seen `WouldBlock` (the try-first rule of
//!   the readiness pattern), which is what makes mio's edge-triggered events
//!   enough ([`Reactor::set_waker`]);
//! - tokens are never reused ([`Reactor::register`] says what that guards
//!   against, and what mio already guarantees);
//! - **no code of others runs while the reactor holds a borrow.** The
//!   reactor keeps its state in `RefCell`s, and a waker's `wake`, `clone` and
//!   `drop` run code of whoever made the waker, which may call the reactor
//!   again (store a waker, register or deregister a socket). Under a borrow
//!   that would panic with "already borrowed". So every method is done with
//!   its borrows before it runs such code: wakers to wake are collected under
//!   the borrow and woken after it (as tokio and async-io do), wakers it
//!   removes are dropped after it, and a waker it keeps is cloned before it.
//!   The executor keeps the same rule for its task table and join handles.
//!
//! The reactor also keeps two things for the executor, because the I/O types
//! that need them already hold the reactor: which task is being polled (the
//! trace names it when a waker is stored, and the runtime's futures refuse to
//! be polled outside `block_on`: [`Reactor::expect_block_on`]) and that
//! task's cooperative budget ([`Reactor::poll_budget`]).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Events, Interest, Registry, Token};

use crate::events;

/// Which half of a socket a task is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Waiting until a read can make progress (data, EOF or an error).
    Read,
    /// Waiting until a write can make progress (buffer space or an error).
    Write,
}

/// The token of the [`mio::Waker`] that other threads use to interrupt
/// [`Reactor::wait`]. Sources get tokens counting up from 0, and
/// [`Reactor::register`] refuses to hand this one out.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// The longest [`Reactor::wait`] hands to mio. macOS's `kevent` fails with
/// `EINVAL` for a timeout past 100,000,000 seconds (about 3.2 years), and mio
/// passes the timeout on as it is, so a wait for a timer that never fires
/// (`Duration::MAX`: 30 years) would fail, and `block_on` with it. Waking
/// early does no harm: timers are checked against `Instant::now()`, and the
/// executor waits again.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// How many ready operations (I/O, a timer that is due) a task may do in one
/// poll before the next one makes it yield: tokio's number.
pub const BUDGET: u32 = 128;

// ANCHOR: slots
/// What the reactor keeps for one registered source.
#[derive(Debug)]
struct Slots {
    /// The interest the source was registered with: which events (readable,
    /// writable or both) the OS reports for it. A waker stored for a
    /// direction outside it could never be woken, so `set_waker` refuses it.
    interest: Interest,
    /// The task waiting to read, if any. Separate from `writer`: in a reactor
    /// with one slot per socket that replaced a waker silently, a writer
    /// parking after a reader would take the reader's place, and the reader
    /// would never be woken.
    reader: Option<Waker>,
    /// The task waiting to write, if any.
    writer: Option<Waker>,
}
// ANCHOR_END: slots

/// A pending timer: when it fires, and a number that tells apart timers
/// with the same deadline.
pub(crate) type TimerKey = (Instant, u64);

/// A timer's waker, and the task that was being polled when it was set (for
/// the trace; a `Waker` cannot say whose it is).
#[derive(Debug)]
struct Timer {
    waker: Waker,
    task: Option<u64>,
}

/// The reactor of one runtime thread. Get it with [`reactor()`].
pub struct Reactor {
    /// The mio poller. Only [`Reactor::wait`] borrows it, and only the runtime
    /// thread calls that.
    poll: RefCell<mio::Poll>,
    /// A handle for (de)registering sources while `poll` may be borrowed.
    registry: Registry,
    /// Event buffer reused by every `wait`, so waiting does not allocate.
    events: RefCell<Events>,
    /// Waker slots of every registered source, by token.
    sources: RefCell<HashMap<Token, Slots>>,
    /// The next token to hand out (they count up and are never reused).
    next_token: Cell<usize>,
    /// Pending timers in deadline order; the `u64` breaks ties.
    timers: RefCell<BTreeMap<TimerKey, Timer>>,
    /// The next timer id.
    next_timer: Cell<u64>,
    /// The wakers one `wait` wakes once it has let go of its borrows. Kept
    /// between waits, empty, so that waiting does not allocate.
    to_wake: RefCell<Vec<Waker>>,
    /// The task the executor is polling now, if any.
    current_task: Cell<Option<u64>>,
    /// Ready operations the current task may still do in this poll (`None`:
    /// no limit).
    budget: Cell<Option<u32>>,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources.borrow().len())
            .field("timers", &self.timers.borrow().len())
            .finish()
    }
}

thread_local! {
    /// Each runtime thread has exactly one reactor, made the first time it is
    /// asked for. I/O types keep an `Rc` to it so they can deregister on drop.
    /// Not made in the thread-local's initialiser: making it takes
    /// descriptors, which may have run out, and [`try_reactor`] returns that
    /// error and leaves the cell empty, for a later call to try again.
    static REACTOR: OnceCell<Rc<Reactor>> = const { OnceCell::new() };
}

/// The reactor of the current thread (the thread that runs `block_on`).
///
/// # Panics
/// If it does not exist yet and cannot be made (the process is out of file
/// descriptors). Code that can return an `io::Error` calls [`try_reactor`].
pub fn reactor() -> Rc<Reactor> {
    try_reactor().unwrap_or_else(|e| {
        panic!(
            "could not create this thread's reactor (its mio::Poll): {e}. Every thread that \
             runs code::block_on needs a few file descriptors of its own."
        )
    })
}

/// The reactor of the current thread, made now if it does not exist yet; the
/// error if it cannot be made (out of file descriptors: `EMFILE`).
pub fn try_reactor() -> io::Result<Rc<Reactor>> {
    REACTOR.with(|cell| {
        if let Some(reactor) = cell.get() {
            return Ok(Rc::clone(reactor));
        }
        let reactor = Rc::new(Reactor::new()?);
        Ok(Rc::clone(cell.get_or_init(|| reactor)))
    })
}

impl Reactor {
    fn new() -> io::Result<Reactor> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        Ok(Reactor {
            poll: RefCell::new(poll),
            registry,
            events: RefCell::new(Events::with_capacity(1024)),
            sources: RefCell::new(HashMap::new()),
            next_token: Cell::new(0),
            timers: RefCell::new(BTreeMap::new()),
            next_timer: Cell::new(0),
            to_wake: RefCell::new(Vec::new()),
            current_task: Cell::new(None),
            budget: Cell::new(None),
        })
    }

    /// Registers `source` for `interest` and returns its token.
    ///
    /// Sockets should be registered for `READABLE | WRITABLE`: registering
    /// costs nothing extra, and a socket registered for reading only can
    /// never wake a writer.
    pub fn register<S: Source + ?Sized>(
        &self,
        source: &mut S,
        interest: Interest,
    ) -> io::Result<Token> {
        let token = Token(self.next_token.get());
        // Tokens count up and are never reused. What keeps a stale event
        // from reaching a new socket is mio: once `deregister` has returned,
        // no later poll reports the old token (the docs of
        // `Registry::deregister`, mio 1.2), and this reactor hands out each
        // batch of events before any code can register a socket again (the
        // wakes come after). Not reusing tokens insures against what that
        // does not cover: an I/O type that goes on using its token after it
        // deregistered (its `set_waker` then panics, instead of parking in
        // another socket's slot), and a change to the dispatch that let code
        // run, and register, in the middle of a batch.
        // On a 64-bit target the count cannot run out; on a 32-bit one, 2^32
        // registrations can (50 days at 1,000 connections a second). Then
        // refuse, rather than wrap around and reuse tokens, or hand out
        // `WAKE_TOKEN`, whose events mean "woken from another thread".
        let next = token.0.checked_add(1).filter(|&n| n != WAKE_TOKEN.0);
        let Some(next) = next else {
            return Err(io::Error::other(
                "reactor: every token has been handed out (tokens are never reused)",
            ));
        };
        self.next_token.set(next);
        self.registry.register(source, token, interest)?;
        self.sources.borrow_mut().insert(
            token,
            Slots {
                interest,
                reader: None,
                writer: None,
            },
        );
        events::emit!(registered(token, interest));
        Ok(token)
    }

    /// Removes `source` from the poller and forgets its wakers.
    pub fn deregister<S: Source + ?Sized>(&self, source: &mut S, token: Token) -> io::Result<()> {
        // Taken out under the borrow, dropped after it: dropping a waker runs
        // its maker's code (see the module docs).
        let slots = self.sources.borrow_mut().remove(&token);
        events::emit!(deregistered(token));
        drop(slots);
        self.registry.deregister(source)
    }

    /// Stores `waker` to be woken when `token` becomes ready for `direction`.
    ///
    /// Call it only after the operation returned `WouldBlock`. mio reports
    /// edges (became readable), not levels (is readable): the `WouldBlock`
    /// proves the socket was not ready, so the next change of state is a new
    /// edge and will be reported. Waiting without having seen `WouldBlock`
    /// could wait for an edge that already happened.
    ///
    /// No wakeup is lost between the `WouldBlock` and this call: events are
    /// only taken from the kernel in [`Reactor::wait`], which runs on this
    /// thread and never while a task is being polled. An edge that happens in
    /// between stays queued in the kernel until the next `wait`.
    ///
    /// One slot holds one waker. If it holds another task's waker, that
    /// waker is replaced and woken, so that its task is not left waiting
    /// forever. This is for a task that left a waker behind (a read future
    /// dropped before it finished); it does not make two tasks reading one
    /// stream at once work: each would replace and wake the other on every
    /// try, and the two would poll each other in a loop that burns a core.
    /// One reader and one writer per socket at a time is what is supported.
    ///
    /// # Panics
    /// If `token` is unknown, or was registered without the interest that
    /// `direction` needs: such a task could never be woken, and a panic that
    /// says so beats a silent hang.
    pub fn set_waker(&self, token: Token, direction: Direction, waker: &Waker) {
        // Cloned before the borrow: cloning a waker runs its maker's code.
        let new = waker.clone();
        let mut sources = self.sources.borrow_mut();
        let Some(slots) = sources.get_mut(&token) else {
            panic!(
                "reactor: set_waker for token {} which is not registered (was it deregistered, \
                 or registered with another thread's reactor?)",
                token.0
            );
        };
        let (slot, needed) = match direction {
            Direction::Read => (&mut slots.reader, Interest::READABLE),
            Direction::Write => (&mut slots.writer, Interest::WRITABLE),
        };
        if !has(slots.interest, needed) {
            panic!(
                "reactor: a task is waiting for token {} to become {}, but the token was \
                 registered with {:?} only, so that event can never arrive and the task would \
                 wait forever. Register sockets with Interest::READABLE | Interest::WRITABLE.",
                token.0,
                if direction == Direction::Read {
                    "readable"
                } else {
                    "writable"
                },
                slots.interest,
            );
        }
        let old = slot.replace(new);
        drop(sources);
        events::emit!(stored(token, needed, self.current_task.get()));
        // After the borrow: dropping or waking the old waker runs its code.
        if let Some(old) = old {
            // The same task parking again just renewed its waker.
            if !old.will_wake(waker) {
                events::emit!(displaced(token, needed));
                old.wake();
            }
        }
    }

    /// How many sources are registered now (for tests and diagnostics: a
    /// dropped socket must not leave its registration behind).
    pub fn registered(&self) -> usize {
        self.sources.borrow().len()
    }

    /// Whether `token`'s slot for `direction` holds `waker` (compared with
    /// [`Waker::will_wake`]): for tests that check where a task parked, with
    /// the `cx.waker()` it parked with.
    pub fn holds_waker(&self, token: Token, direction: Direction, waker: &Waker) -> bool {
        self.with_slot(token, direction, |slot| {
            slot.is_some_and(|w| w.will_wake(waker))
        })
    }

    /// Whether `token`'s slot for `direction` holds a waker at all. (Which
    /// task's it is, the trace says: see `events::Event::Stored`.)
    pub fn has_waker(&self, token: Token, direction: Direction) -> bool {
        self.with_slot(token, direction, |slot| slot.is_some())
    }

    fn with_slot<T>(
        &self,
        token: Token,
        direction: Direction,
        f: impl FnOnce(Option<&Waker>) -> T,
    ) -> T {
        let sources = self.sources.borrow();
        let slots = sources.get(&token);
        f(match direction {
            Direction::Read => slots.and_then(|s| s.reader.as_ref()),
            Direction::Write => slots.and_then(|s| s.writer.as_ref()),
        })
    }

    /// Schedules `waker` to be woken at `deadline`; returns the timer's key.
    /// Crate-private: `sleep` is how tasks and tests use it, so that its
    /// paths (a timer renewed, a `Sleep` dropped after it fired) are the
    /// ones tested.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: &Waker) -> TimerKey {
        let id = self.next_timer.get();
        self.next_timer.set(id + 1);
        let timer = Timer {
            waker: waker.clone(), // before the borrow
            task: self.current_task.get(),
        };
        self.timers.borrow_mut().insert((deadline, id), timer);
        (deadline, id)
    }

    /// Replaces the waker of a pending timer; false if it already fired.
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        let new = Timer {
            waker: waker.clone(), // before the borrow
            task: self.current_task.get(),
        };
        let mut timers = self.timers.borrow_mut();
        // The waker left over (the old one, or the new one if the timer is
        // gone) is dropped at the end, after the borrow.
        let left_over = match timers.get_mut(&key) {
            Some(slot) => Ok(std::mem::replace(slot, new)),
            None => Err(new),
        };
        drop(timers);
        left_over.is_ok()
    }

    /// Cancels a timer (a dropped `sleep`); nothing if it already fired.
    pub(crate) fn remove_timer(&self, key: TimerKey) {
        let removed = self.timers.borrow_mut().remove(&key);
        drop(removed); // after the borrow
    }

    /// Waits for I/O events or the next timer, at most `timeout` (`None`:
    /// no limit), and wakes every task they concern.
    ///
    /// Called by the executor when its run queue is empty, and with a zero
    /// timeout between rounds so that tasks which keep waking each other
    /// cannot keep I/O events waiting.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = match (timeout, self.next_deadline()) {
            (t, None) => t,
            (None, Some(d)) => Some(d.saturating_duration_since(Instant::now())),
            (Some(t), Some(d)) => Some(t.min(d.saturating_duration_since(Instant::now()))),
        };
        // Never longer than `LONGEST_WAIT`: a timer that never fires is 30
        // years away (`time::NEVER`), and kqueue on macOS refuses a wait that
        // long (see `LONGEST_WAIT`). `None`, no timer and no limit, stays.
        let timeout = timeout.map(|t| t.min(LONGEST_WAIT));
        events::emit!(wait_begun(timeout));
        let started = Instant::now();
        let mut events = self.events.borrow_mut();
        let interrupted = match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => false,
            // A signal interrupted epoll_wait. Nothing went wrong: return as
            // if no event came, and the caller waits again. (Retrying here
            // with the same timeout would never end if signals keep coming
            // faster than the timeout.)
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                events.clear();
                true
            }
            Err(e) => return Err(e),
        };
        events::emit!(wait_ended(
            started.elapsed(),
            events.iter().count(),
            interrupted
        ));
        // ANCHOR: dispatch
        // The wakers are collected while `sources` is borrowed and woken
        // after: a waker's `wake` may call the reactor (see the module docs).
        let mut to_wake = std::mem::take(&mut *self.to_wake.borrow_mut());
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            let token = event.token();
            if token == WAKE_TOKEN {
                // No socket's event: another thread woke a task, and this
                // ended the wait (the executor made the `mio::Waker` for it).
                events::emit!(woken_from_another_thread());
                continue;
            }
            let Some(slots) = sources.get_mut(&token) else {
                // The source was deregistered (given back, as a dropped
                // socket does) after this event was queued.
                continue;
            };
            events::emit!(readiness(event));
            // An error wakes both sides, and a hang-up the side it closes
            // (`is_read_closed`: the peer will send no more;
            // `is_write_closed`: nothing more can be sent): the next try
            // will see them.
            // A waker is taken out when it is woken: the task is no longer
            // waiting, and if its next try gets `WouldBlock` (the socket's
            // "not now") it stores a waker again. (An empty slot also tells the executor's deadlock check
            // that nobody is left holding this task's waker.)
            let err = event.is_error();
            if event.is_readable() || event.is_read_closed() || err {
                if let Some(reader) = slots.reader.take() {
                    events::emit!(woke(token, Interest::READABLE));
                    to_wake.push(reader);
                }
            }
            if event.is_writable() || event.is_write_closed() || err {
                if let Some(writer) = slots.writer.take() {
                    events::emit!(woke(token, Interest::WRITABLE));
                    to_wake.push(writer);
                }
            }
        }
        drop(sources);
        drop(events);
        self.expired_timers(&mut to_wake);
        // No borrow is held now: wake them all.
        for waker in to_wake.drain(..) {
            waker.wake();
        }
        // ANCHOR_END: dispatch
        *self.to_wake.borrow_mut() = to_wake;
        Ok(())
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow().keys().next().map(|(d, _)| *d)
    }

    /// Moves the wakers of the timers that are due into `to_wake`.
    fn expired_timers(&self, to_wake: &mut Vec<Waker>) {
        let now = Instant::now();
        let mut timers = self.timers.borrow_mut();
        while let Some(entry) = timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let timer = entry.remove();
            events::emit!(timer_fired(timer.task));
            to_wake.push(timer.waker);
        }
    }

    /// The registry, for the executor's cross-thread [`mio::Waker`].
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The executor says which task it polls (before the poll: `Some(id)`;
    /// after: `None`). Wakers stored meanwhile are traced to it, and it gets
    /// a fresh budget.
    pub(crate) fn set_current_task(&self, task: Option<u64>) {
        self.current_task.set(task);
        self.budget.set(task.map(|_| BUDGET));
    }

    /// The task the executor is polling now, if any.
    pub(crate) fn current_task(&self) -> Option<u64> {
        self.current_task.get()
    }

    /// Panics unless this thread's executor is polling a task: for the
    /// runtime's futures (a read, a write, an accept, a connect, `sleep`,
    /// `timeout`), which leave their waker with this reactor. Only
    /// `block_on` waits on it, so outside it (another executor, a poll by
    /// hand) the waker would never be woken, and the future would wait
    /// forever without a word. `what` names the future.
    ///
    /// The reactor itself, and the `poll_*` methods of the I/O types, can be
    /// driven by hand: whoever does it calls [`Reactor::wait`].
    pub fn expect_block_on(&self, what: &str) {
        if self.current_task.get().is_none() {
            panic!(
                "{what} was polled outside code::block_on: the waker it leaves with this \
                 thread's reactor is woken only while code::block_on runs, so it would wait \
                 forever. Await it inside code::block_on (or in a task spawned there), not \
                 with another executor."
            );
        }
    }

    /// What is left of the current poll's budget (`None`: no limit).
    pub fn budget(&self) -> Option<u32> {
        self.budget.get()
    }

    /// Sets what is left of the current poll's budget (`None`: no limit) and
    /// returns what it was.
    pub(crate) fn set_budget(&self, budget: Option<u32>) -> Option<u32> {
        self.budget.replace(budget)
    }

    // ANCHOR: budget
    /// The cooperative budget: called by an I/O type before it tries an
    /// operation on `token`. `Ready` if the task may go on; `Pending`, after
    /// waking the task, if it has already done [`BUDGET`] ready operations
    /// in this poll.
    ///
    /// A socket that is always ready (the peer sends faster than we read)
    /// never says `WouldBlock`, so a task reading it in a loop would never
    /// return `Pending` and the other tasks on this thread would not run
    /// until it stopped. Yielding every 128 operations puts it at the back of
    /// the run queue: it runs again, after the others had their turn.
    pub fn poll_budget(&self, token: Token, cx: &mut Context<'_>) -> Poll<()> {
        if self.budget.get() != Some(0) {
            return Poll::Ready(());
        }
        events::emit!(budget_used_up(token, self.current_task.get()));
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// [`poll_budget`](Self::poll_budget) for a future that has no token (a
    /// timer). The trace's budget line names a socket, so this one writes
    /// none.
    pub fn poll_budget_untraced(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.budget.get() != Some(0) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// An operation returned `Ready` (data, end of stream, an error, a timer
    /// that is due, a buffer with no room): one unit of the current poll's
    /// budget is spent. Only `WouldBlock` spends nothing.
    pub fn spend_budget(&self) {
        if let Some(left) = self.budget.get() {
            self.budget.set(Some(left.saturating_sub(1)));
        }
    }
    // ANCHOR_END: budget
}

/// `Interest` has no `contains`; this is it.
fn has(interest: Interest, needed: Interest) -> bool {
    (needed == Interest::READABLE && interest.is_readable())
        || (needed == Interest::WRITABLE && interest.is_writable())
}
