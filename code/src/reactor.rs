//! The reactor: it turns "the OS says this socket is ready" into "wake the task
//! that was waiting for it".
//!
//! An I/O type registers its socket once and gets a [`Token`]. When an
//! operation returns `WouldBlock`, the type stores the task's waker in the
//! token's slot for that [`Direction`] and returns `Poll::Pending`. The
//! executor calls [`Reactor::wait`] when it has nothing to run; each event
//! mio reports wakes the waker stored for that token and direction.
//!
//! Three rules keep it correct; each is written where it is kept:
//! - one waker slot per direction, so a reader and a writer on the same
//!   socket never overwrite each other ([`Slots`]);
//! - tokens are never reused, so an event for a socket that was already
//!   deregistered finds nothing and is dropped ([`Reactor::register`]);
//! - a task only waits after it has seen `WouldBlock` (the try-first rule of
//!   the readiness pattern), which is what makes mio's edge-triggered events
//!   enough ([`Reactor::set_waker`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::rc::Rc;
use std::task::Waker;
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Events, Interest, Poll, Registry, Token};

use crate::trace;

/// Which half of a socket a task is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Waiting until a read can make progress (data, EOF or an error).
    Read,
    /// Waiting until a write can make progress (buffer space or an error).
    Write,
}

/// The token of the [`mio::Waker`] that other threads use to interrupt
/// [`Reactor::wait`]. Sources get tokens counting up from 0, so they never
/// reach it.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

// ANCHOR: slots
/// What the reactor keeps for one registered source.
#[derive(Debug)]
struct Slots {
    /// The interest the source was registered with. A waker stored for a
    /// direction outside it could never be woken, so `set_waker` refuses it.
    interest: Interest,
    /// The task waiting to read, if any. Separate from `writer`: with a single
    /// slot, a writer parking after a reader would silently replace the
    /// reader's waker and the reader would never be woken.
    reader: Option<Waker>,
    /// The task waiting to write, if any.
    writer: Option<Waker>,
}
// ANCHOR_END: slots

/// A pending timer: when it fires and whom it wakes.
type TimerKey = (Instant, u64);

/// The reactor of one runtime thread. Get it with [`reactor()`].
pub struct Reactor {
    /// The mio poller. Only [`Reactor::wait`] borrows it, and only the runtime
    /// thread calls that.
    poll: RefCell<Poll>,
    /// A handle for (de)registering sources while `poll` may be borrowed.
    registry: Registry,
    /// Event buffer reused by every `wait`, so waiting does not allocate.
    events: RefCell<Events>,
    /// Waker slots of every registered source, by token.
    sources: RefCell<HashMap<Token, Slots>>,
    /// The next token to hand out. Counting up and never reusing a token is
    /// what keeps stale events away from new sources.
    next_token: Cell<usize>,
    /// Pending timers in deadline order; the `u64` breaks ties.
    timers: RefCell<BTreeMap<TimerKey, Waker>>,
    /// The next timer id.
    next_timer: Cell<u64>,
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
    static REACTOR: Rc<Reactor> = Rc::new(Reactor::new().expect("could not create the mio poller"));
}

/// The reactor of the current thread (the thread that runs `block_on`).
pub fn reactor() -> Rc<Reactor> {
    REACTOR.with(Rc::clone)
}

impl Reactor {
    fn new() -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        Ok(Reactor {
            poll: RefCell::new(poll),
            registry,
            events: RefCell::new(Events::with_capacity(1024)),
            sources: RefCell::new(HashMap::new()),
            next_token: Cell::new(0),
            timers: RefCell::new(BTreeMap::new()),
            next_timer: Cell::new(0),
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
        // Never reused: an event still in flight for an old token finds no
        // slots after `deregister` and is dropped instead of waking a stranger.
        self.next_token.set(token.0 + 1);
        self.registry.register(source, token, interest)?;
        self.sources.borrow_mut().insert(
            token,
            Slots {
                interest,
                reader: None,
                writer: None,
            },
        );
        trace::emit(|| format!("reactor: registered token {} for {interest:?}", token.0));
        Ok(token)
    }

    /// Removes `source` from the poller and forgets its wakers.
    pub fn deregister<S: Source + ?Sized>(&self, source: &mut S, token: Token) -> io::Result<()> {
        self.sources.borrow_mut().remove(&token);
        trace::emit(|| format!("reactor: deregistered token {}", token.0));
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
    /// # Panics
    /// If `token` is unknown, or was registered without the interest that
    /// `direction` needs: such a task could never be woken, and a panic that
    /// says so beats a silent hang.
    pub fn set_waker(&self, token: Token, direction: Direction, waker: &Waker) {
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
        match slot {
            // The same task parking again: keep the waker it already left.
            Some(old) if old.will_wake(waker) => {}
            _ => {
                // A different task took the slot (two readers on one socket).
                // Wake the one we displace so it polls again instead of
                // sleeping forever; the rule is one reader and one writer.
                if let Some(old) = slot.replace(waker.clone()) {
                    old.wake();
                }
            }
        }
        trace::emit(|| format!("reactor: stored {direction:?} waker for token {}", token.0));
    }

    /// How many sources are registered now (for tests and diagnostics: a
    /// dropped socket must not leave its registration behind).
    pub fn registered(&self) -> usize {
        self.sources.borrow().len()
    }

    /// Schedules `waker` to be woken at `deadline`; returns the timer's key.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: &Waker) -> TimerKey {
        let id = self.next_timer.get();
        self.next_timer.set(id + 1);
        self.timers
            .borrow_mut()
            .insert((deadline, id), waker.clone());
        (deadline, id)
    }

    /// Replaces the waker of a pending timer; false if it already fired.
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        match self.timers.borrow_mut().get_mut(&key) {
            Some(slot) => {
                if !slot.will_wake(waker) {
                    *slot = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    /// Cancels a timer (a dropped `sleep`).
    pub(crate) fn remove_timer(&self, key: TimerKey) {
        self.timers.borrow_mut().remove(&key);
    }

    /// Waits for I/O events or the next timer, at most `timeout` (`None`:
    /// no limit), and wakes every task they concern.
    ///
    /// Called by the executor when its run queue is empty, and with a zero
    /// timeout between rounds so busy tasks cannot starve I/O.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = match (timeout, self.next_deadline()) {
            (t, None) => t,
            (None, Some(d)) => Some(d.saturating_duration_since(Instant::now())),
            (Some(t), Some(d)) => Some(t.min(d.saturating_duration_since(Instant::now()))),
        };
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => {}
            // A signal interrupted epoll_wait. Nothing went wrong: return as
            // if no event came, and the caller waits again. (Retrying here
            // with the same timeout would never end if signals keep coming
            // faster than the timeout.)
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                trace::emit(|| "reactor: wait interrupted by a signal".to_string());
                events.clear();
            }
            Err(e) => return Err(e),
        }
        // ANCHOR: dispatch
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            if event.token() == WAKE_TOKEN {
                trace::emit(|| "reactor: woken from another thread".to_string());
                continue;
            }
            let Some(slots) = sources.get_mut(&event.token()) else {
                // The source was deregistered after this event was queued.
                continue;
            };
            trace::emit(|| {
                format!(
                    "reactor: event for token {}{}{}",
                    event.token().0,
                    if event.is_readable() || event.is_read_closed() {
                        " readable"
                    } else {
                        ""
                    },
                    if event.is_writable() || event.is_write_closed() {
                        " writable"
                    } else {
                        ""
                    },
                )
            });
            // Errors and hang-ups wake both sides: the next try will see them.
            // A waker is taken out when it is woken: the task is no longer
            // waiting, and if its next try gets `WouldBlock` it stores a waker
            // again. (An empty slot also tells the executor's deadlock check
            // that nobody is left holding this task's waker.)
            let err = event.is_error();
            if event.is_readable() || event.is_read_closed() || err {
                if let Some(w) = slots.reader.take() {
                    trace::emit(|| format!("reactor: waking reader of token {}", event.token().0));
                    w.wake();
                }
            }
            if event.is_writable() || event.is_write_closed() || err {
                if let Some(w) = slots.writer.take() {
                    trace::emit(|| format!("reactor: waking writer of token {}", event.token().0));
                    w.wake();
                }
            }
        }
        drop(sources);
        // ANCHOR_END: dispatch
        self.fire_timers();
        Ok(())
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow().keys().next().map(|(d, _)| *d)
    }

    fn fire_timers(&self) {
        let now = Instant::now();
        let mut timers = self.timers.borrow_mut();
        while let Some(entry) = timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().wake();
        }
    }

    /// The registry, for the executor's cross-thread [`mio::Waker`].
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }
}

/// `Interest` has no `contains`; this is it.
fn has(interest: Interest, needed: Interest) -> bool {
    (needed == Interest::READABLE && interest.is_readable())
        || (needed == Interest::WRITABLE && interest.is_writable())
}
