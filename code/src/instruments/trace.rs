//! A trace of what the runtime does, event by event: for seeing the
//! readiness pattern happen, and for tests that check *how* code waits, not
//! only what bytes come out.
//!
//! Off by default; then each trace point costs one atomic load.
//! [`record`] runs a closure with tracing on (for this thread) and returns a
//! [`Trace`]: the typed [`Event`]s, counters over them, the text lines the
//! book prints, and JSON. [`capture`] is `record` that returns the lines.
//!
//! ```
//! use std::io::Write;
//! use code::net::AsyncTcpStream;
//! use code::reactor::Direction;
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
//! let (mut peer, _) = listener.accept().unwrap();
//!
//! let ((n, reader, token), trace) = code::trace::record(|| {
//!     code::block_on(async {
//!         let stream = AsyncTcpStream::from_std(ours).unwrap();
//!         let token = stream.token();
//!         // Task 1 reads; nothing has been sent yet.
//!         let read = code::spawn(async move {
//!             let mut buf = [0; 8];
//!             stream.read(&mut buf).await.unwrap()
//!         });
//!         let reader = read.id();
//!         code::executor::yield_now().await; // task 1 tries first, and parks
//!         peer.write_all(b"hi").unwrap();
//!         (read.await, reader, token)
//!     })
//! });
//! assert_eq!(n, 2);
//! // Polled twice: the try that got WouldBlock, and the one after the wake.
//! assert_eq!(trace.polls(reader), 2);
//! assert_eq!(trace.stores(token, Direction::Read), 1);
//! assert_eq!(trace.wakes(token, Direction::Read), 1);
//! assert_eq!(trace.stores(token, Direction::Write), 0);
//! // In between, the thread waited in the reactor (it did not spin): once on
//! // Linux and macOS; on Windows an event that wakes nobody may end a wait
//! // first, and the executor waits again.
//! assert!(trace.waits() >= 1);
//! assert!(trace.lines().contains(&"reactor: waking reader of token 0".to_string()));
//! ```
//!
//! # Events and their lines
//!
//! Each [`Event`] says who acted (the *actor*) and renders to at most one
//! line ([`Event::line`]); the book's traces are these lines. Events with no
//! line (a task queued, a wait begun or ended) are there for counters and
//! tools, and keep the printed traces short.
//!
//! | event | actor | line |
//! |---|---|---|
//! | [`Spawned`](Event::Spawned) | executor | `executor: spawned task 1` |
//! | [`Queued`](Event::Queued) | executor | — |
//! | [`LateWake`](Event::LateWake) | executor | — |
//! | [`Polled`](Event::Polled) | executor | `executor: polling task 1` (`the main future` for task 0) |
//! | [`Returned`](Event::Returned) | executor | `executor: task 1 returned Pending` / `executor: task 1 finished` |
//! | [`Idle`](Event::Idle) | executor | `executor: nothing to run, waiting for events` |
//! | [`Registered`](Event::Registered) | reactor | `reactor: registered token 0 for READABLE \| WRITABLE` |
//! | [`Deregistered`](Event::Deregistered) | reactor | `reactor: deregistered token 0` |
//! | [`Stored`](Event::Stored) | reactor | `reactor: stored Read waker for token 0` |
//! | [`Displaced`](Event::Displaced) | reactor | `reactor: replaced task 2's Read waker for token 0 and woke it` |
//! | [`WaitBegun`](Event::WaitBegun) | reactor | — |
//! | [`WaitEnded`](Event::WaitEnded) | reactor | `reactor: wait interrupted by a signal` if it was, else — |
//! | [`Readiness`](Event::Readiness) | kernel | `reactor: event for token 0 readable writable` |
//! | [`Woke`](Event::Woke) | reactor | `reactor: waking reader of token 0` / `... writer ...` |
//! | [`TimerFired`](Event::TimerFired) | reactor | `reactor: timer fired, waking task 1` |
//! | [`WokenFromAnotherThread`](Event::WokenFromAnotherThread) | reactor | `reactor: woken from another thread` |
//! | [`BudgetUsedUp`](Event::BudgetUsedUp) | reactor | `reactor: task 1 used up its budget on token 0: it yields` |
//! | [`Io`](Event::Io) | task | `net: token 0 read -> Ok(5)`, `net: token 0 write -> WouldBlock`, `net: token 0 read -> Err(ConnectionReset)`, `net: listener token 2 accepted a connection`, `net: token 3 connect -> WouldBlock`, `net: token 3 connected` |
//! | [`Note`](Event::Note) | note | the note's text |
//!
//! # JSON
//!
//! [`Trace::to_json`] writes the events as one JSON array, one object per
//! event, in the order they happened, with keys in this order:
//!
//! - `"kind"`: `"spawned"`, `"queued"`, `"late_wake"`, `"polled"`,
//!   `"returned"`, `"idle"`, `"registered"`, `"deregistered"`, `"stored"`,
//!   `"displaced"`, `"wait_begun"`, `"wait_ended"`, `"readiness"`, `"woke"`,
//!   `"timer_fired"`, `"woken_from_another_thread"`, `"budget_used_up"`,
//!   `"io"` or `"note"`;
//! - `"actor"`: `"executor"`, `"reactor"`, `"kernel"`, `"task"` or `"note"`
//!   (the table above);
//! - `"task"` (a number; absent if none): the task the event names (the
//!   task spawned, queued or polled, whose waker was stored or woken); for
//!   other events the task being polled when it happened. Task 0 is the
//!   future given to `block_on`;
//! - `"token"` (a number; absent if none): the token the event concerns;
//! - `"direction"` (`"read"` or `"write"`; only for `stored`, `displaced`,
//!   `woke`): which of the token's two waker slots;
//! - `"line"`: the rendered line ([`Event::line`]) or `null`;
//! - then the fields of the kind:
//!   - `queued`: `"remote"` (bool: the wake came from another thread);
//!   - `returned`: `"result"`: `"ready"` or `"pending"`;
//!   - `registered`: `"interest"`: `["read"]`, `["write"]` or `["read", "write"]`;
//!   - `wait_begun`: `"timeout_us"`: microseconds, or `null` for no limit;
//!   - `wait_ended`: `"slept_us"`, `"events"` (how many mio reported),
//!     `"interrupted"` (bool: a signal ended the wait);
//!   - `readiness`: `"readable"`, `"writable"`, `"read_closed"`,
//!     `"write_closed"`, `"error"` (bools: mio's bits, exactly);
//!   - `io`: `"op"` (`"read"`, `"write"`, `"accept"`, `"connect"`),
//!     `"result"` (`"ok"`, `"would_block"`, `"error"`), and `"n"` (bytes
//!     read or written; 1 for an accepted connection, 0 for a finished
//!     connect) if `ok`, or `"error"` (the `io::ErrorKind`, as Rust prints
//!     it) if `error`.
//!
//! Durations vary from run to run; everything else is the same for the same
//! program. The state of the runtime at each step can be rebuilt from the
//! events alone:
//! - **run queue**: `queued` puts the task at the back; `polled` and
//!   `late_wake` take it out. A `returned` event of task 0 with result
//!   `ready` ends a `block_on`: the queue is emptied and the unfinished tasks
//!   are dropped;
//! - **waker slots** (per token, one for `read`, one for `write`): `stored`
//!   puts its task in the slot; `woke` empties it (`displaced` leaves the
//!   task of the `stored` just before it); `deregistered` empties both and
//!   forgets the token;
//! - **who acted**: `actor`, and `task`.

use std::fmt::Write as _;
use std::time::Duration;

use mio::{Interest, Token};

#[doc(inline)]
pub use crate::events::{Event, Op, Outcome, emit};
use crate::executor::TaskId;
use crate::reactor::Direction;

/// `task 1`, or `the main future` for task 0.
fn task_name(task: TaskId) -> String {
    if task == 0 {
        "the main future".to_string()
    } else {
        format!("task {task}")
    }
}

/// `Read` for the read slot (`READABLE`), `Write` for the write slot.
fn direction_of(interest: Interest) -> Direction {
    if interest.is_readable() {
        Direction::Read
    } else {
        Direction::Write
    }
}

impl Event {
    /// The line this event renders to in the book's traces, if any.
    pub fn line(&self) -> Option<String> {
        Some(match self {
            Event::Spawned { task } => format!("executor: spawned task {task}"),
            Event::Queued { .. } | Event::LateWake { .. } => return None,
            Event::Polled { task } => format!("executor: polling {}", task_name(*task)),
            Event::Returned { task, ready } => {
                let what = if *ready {
                    "finished"
                } else {
                    "returned Pending"
                };
                format!("executor: {} {what}", task_name(*task))
            }
            Event::Idle => "executor: nothing to run, waiting for events".to_string(),
            Event::Registered { token, interest } => {
                format!("reactor: registered token {} for {interest:?}", token.0)
            }
            Event::Deregistered { token } => format!("reactor: deregistered token {}", token.0),
            Event::Stored {
                token, interest, ..
            } => format!(
                "reactor: stored {:?} waker for token {}",
                direction_of(*interest),
                token.0
            ),
            Event::Displaced {
                token,
                interest,
                task,
            } => format!(
                "reactor: replaced {}{:?} waker for token {} and woke it",
                match task {
                    Some(task) => format!("{}'s ", task_name(*task)),
                    None => "a ".to_string(),
                },
                direction_of(*interest),
                token.0
            ),
            Event::WaitBegun { .. } => return None,
            Event::WaitEnded { interrupted, .. } => {
                if !interrupted {
                    return None;
                }
                "reactor: wait interrupted by a signal".to_string()
            }
            Event::Readiness {
                token,
                readable,
                writable,
                read_closed,
                write_closed,
                error,
            } => format!(
                "reactor: event for token {}{}{}{}",
                token.0,
                if *readable || *read_closed {
                    " readable"
                } else {
                    ""
                },
                if *writable || *write_closed {
                    " writable"
                } else {
                    ""
                },
                if *error { " error" } else { "" },
            ),
            Event::Woke {
                token, interest, ..
            } => format!(
                "reactor: waking {} of token {}",
                if interest.is_readable() {
                    "reader"
                } else {
                    "writer"
                },
                token.0
            ),
            Event::TimerFired { task } => match task {
                Some(task) => format!("reactor: timer fired, waking {}", task_name(*task)),
                None => "reactor: timer fired".to_string(),
            },
            Event::WokenFromAnotherThread => "reactor: woken from another thread".to_string(),
            Event::BudgetUsedUp { token, task } => format!(
                "reactor: {} used up its budget on token {}: it yields",
                task.map_or("the task".to_string(), task_name),
                token.0
            ),
            Event::Io { token, op, outcome } => {
                let t = token.0;
                match (op, outcome) {
                    (Op::Accept, Outcome::Ok(_)) => {
                        format!("net: listener token {t} accepted a connection")
                    }
                    (Op::Accept, outcome) => {
                        format!("net: listener token {t} accept -> {}", show(outcome))
                    }
                    (Op::Connect, Outcome::Ok(_)) => format!("net: token {t} connected"),
                    (op, outcome) => {
                        format!("net: token {t} {} -> {}", op_name(*op), show(outcome))
                    }
                }
            }
            Event::Note(text) => text.clone(),
        })
    }

    /// Who acted: `"executor"`, `"reactor"`, `"kernel"`, `"task"` or `"note"`.
    pub fn actor(&self) -> &'static str {
        match self {
            Event::Spawned { .. }
            | Event::Queued { .. }
            | Event::LateWake { .. }
            | Event::Polled { .. }
            | Event::Returned { .. }
            | Event::Idle => "executor",
            Event::Readiness { .. } => "kernel",
            Event::Io { .. } => "task",
            Event::Note(_) => "note",
            _ => "reactor",
        }
    }

    /// The waker slot the event concerns, for `Stored`, `Displaced` and `Woke`.
    pub fn direction(&self) -> Option<Direction> {
        match self {
            Event::Stored { interest, .. }
            | Event::Displaced { interest, .. }
            | Event::Woke { interest, .. } => Some(direction_of(*interest)),
            _ => None,
        }
    }

    /// The token the event concerns, if any.
    pub fn token(&self) -> Option<Token> {
        match self {
            Event::Registered { token, .. }
            | Event::Deregistered { token }
            | Event::Stored { token, .. }
            | Event::Displaced { token, .. }
            | Event::Readiness { token, .. }
            | Event::Woke { token, .. }
            | Event::BudgetUsedUp { token, .. }
            | Event::Io { token, .. } => Some(*token),
            _ => None,
        }
    }

    /// The task the event names itself, for the kinds that name one (the
    /// outer `None` means this kind names none).
    fn named_task(&self) -> Option<Option<TaskId>> {
        match self {
            Event::Spawned { task }
            | Event::Queued { task, .. }
            | Event::LateWake { task }
            | Event::Polled { task }
            | Event::Returned { task, .. } => Some(Some(*task)),
            Event::Stored { task, .. }
            | Event::Displaced { task, .. }
            | Event::Woke { task, .. }
            | Event::TimerFired { task }
            | Event::BudgetUsedUp { task, .. } => Some(*task),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Event::Spawned { .. } => "spawned",
            Event::Queued { .. } => "queued",
            Event::LateWake { .. } => "late_wake",
            Event::Polled { .. } => "polled",
            Event::Returned { .. } => "returned",
            Event::Idle => "idle",
            Event::Registered { .. } => "registered",
            Event::Deregistered { .. } => "deregistered",
            Event::Stored { .. } => "stored",
            Event::Displaced { .. } => "displaced",
            Event::WaitBegun { .. } => "wait_begun",
            Event::WaitEnded { .. } => "wait_ended",
            Event::Readiness { .. } => "readiness",
            Event::Woke { .. } => "woke",
            Event::TimerFired { .. } => "timer_fired",
            Event::WokenFromAnotherThread => "woken_from_another_thread",
            Event::BudgetUsedUp { .. } => "budget_used_up",
            Event::Io { .. } => "io",
            Event::Note(_) => "note",
        }
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Read => "read",
        Op::Write => "write",
        Op::Accept => "accept",
        Op::Connect => "connect",
    }
}

fn show(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ok(n) => format!("Ok({n})"),
        Outcome::WouldBlock => "WouldBlock".to_string(),
        Outcome::Err(kind) => format!("Err({kind:?})"),
    }
}

/// The events of one [`record`]ed run, and counters over them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<Event>,
}

/// A trace made of given events: for tools, and for testing them.
impl From<Vec<Event>> for Trace {
    fn from(events: Vec<Event>) -> Trace {
        Trace { events }
    }
}

impl Trace {
    /// Every event, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The lines the events render to (events without a line are left out):
    /// the trace the book prints.
    pub fn lines(&self) -> Vec<String> {
        self.events.iter().filter_map(Event::line).collect()
    }

    /// How many times `task` was polled (0: the main future).
    pub fn polls(&self, task: TaskId) -> usize {
        self.count(|e| *e == Event::Polled { task })
    }

    /// How many wakers were stored in `token`'s slot for `direction`
    /// (each time a task got `WouldBlock` and parked there).
    pub fn stores(&self, token: Token, direction: Direction) -> usize {
        self.count(|e| {
            matches!(e, Event::Stored { .. })
                && e.token() == Some(token)
                && e.direction() == Some(direction)
        })
    }

    /// How many times a waker was woken from `token`'s slot for `direction`:
    /// by a readiness event, or because another task's waker replaced it.
    pub fn wakes(&self, token: Token, direction: Direction) -> usize {
        self.count(|e| {
            matches!(e, Event::Woke { .. } | Event::Displaced { .. })
                && e.token() == Some(token)
                && e.direction() == Some(direction)
        })
    }

    /// How many times the thread waited in [`Reactor::wait`](crate::reactor::Reactor::wait)
    /// with a timeout other than zero: the executor had nothing to run (a
    /// zero-timeout look at the events between rounds is not counted).
    pub fn waits(&self) -> usize {
        self.count(
            |e| matches!(e, Event::WaitBegun { timeout } if *timeout != Some(Duration::ZERO)),
        )
    }

    /// How long the thread slept in the waits that [`waits`](Self::waits)
    /// counts: those with nothing to run. (The zero-timeout looks between
    /// rounds are left out: a busy loop makes thousands of them, and their
    /// time is spent collecting events, not sleeping.)
    pub fn time_asleep(&self) -> Duration {
        let mut idle = false;
        let mut asleep = Duration::ZERO;
        for event in &self.events {
            match event {
                Event::WaitBegun { timeout } => idle = *timeout != Some(Duration::ZERO),
                Event::WaitEnded { slept, .. } if idle => asleep += *slept,
                _ => {}
            }
        }
        asleep
    }

    /// How many `op` calls `code::net` made on `token`'s socket.
    pub fn socket_calls(&self, token: Token, op: Op) -> usize {
        self.count(|e| matches!(e, Event::Io { token: t, op: o, .. } if *t == token && *o == op))
    }

    /// How many of those returned `WouldBlock`.
    pub fn would_blocks(&self, token: Token, op: Op) -> usize {
        self.count(|e| {
            *e == Event::Io {
                token,
                op,
                outcome: Outcome::WouldBlock,
            }
        })
    }

    /// How many times a task used up its cooperative budget and yielded.
    pub fn budget_yields(&self) -> usize {
        self.count(|e| matches!(e, Event::BudgetUsedUp { .. }))
    }

    fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|e| pred(e)).count()
    }

    /// The events as a JSON array; the format is in the [module docs](self).
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        // The task being polled, for events that do not name one.
        let mut polling = None;
        for (i, event) in self.events.iter().enumerate() {
            match event {
                Event::Polled { task } => polling = Some(*task),
                Event::Returned { .. } => polling = None,
                _ => {}
            }
            out += if i == 0 { "\n  {" } else { ",\n  {" };
            let _ = write!(
                out,
                "\"kind\": \"{}\", \"actor\": \"{}\"",
                event.kind(),
                event.actor()
            );
            if let Some(task) = event.named_task().unwrap_or(polling) {
                let _ = write!(out, ", \"task\": {task}");
            }
            if let Some(token) = event.token() {
                let _ = write!(out, ", \"token\": {}", token.0);
            }
            if let Some(direction) = event.direction() {
                let name = match direction {
                    Direction::Read => "read",
                    Direction::Write => "write",
                };
                let _ = write!(out, ", \"direction\": \"{name}\"");
            }
            out += ", \"line\": ";
            match event.line() {
                Some(line) => json_string(&mut out, &line),
                None => out += "null",
            }
            json_fields(&mut out, event);
            out += "}";
        }
        out += if self.events.is_empty() { "]" } else { "\n]" };
        out
    }
}

/// The kind-specific fields of `event`.
fn json_fields(out: &mut String, event: &Event) {
    let _ = match event {
        Event::Queued { remote, .. } => write!(out, ", \"remote\": {remote}"),
        Event::Returned { ready, .. } => write!(
            out,
            ", \"result\": \"{}\"",
            if *ready { "ready" } else { "pending" }
        ),
        Event::Registered { interest, .. } => write!(
            out,
            ", \"interest\": [{}]",
            match (interest.is_readable(), interest.is_writable()) {
                (true, true) => "\"read\", \"write\"",
                (true, false) => "\"read\"",
                (false, true) => "\"write\"",
                (false, false) => "",
            }
        ),
        Event::WaitBegun { timeout } => match timeout {
            Some(t) => write!(out, ", \"timeout_us\": {}", t.as_micros()),
            None => write!(out, ", \"timeout_us\": null"),
        },
        Event::WaitEnded {
            slept,
            events,
            interrupted,
        } => write!(
            out,
            ", \"slept_us\": {}, \"events\": {events}, \"interrupted\": {interrupted}",
            slept.as_micros()
        ),
        Event::Readiness {
            readable,
            writable,
            read_closed,
            write_closed,
            error,
            ..
        } => write!(
            out,
            ", \"readable\": {readable}, \"writable\": {writable}, \"read_closed\": \
             {read_closed}, \"write_closed\": {write_closed}, \"error\": {error}"
        ),
        Event::Io { op, outcome, .. } => {
            let _ = write!(out, ", \"op\": \"{}\"", op_name(*op));
            match outcome {
                Outcome::Ok(n) => write!(out, ", \"result\": \"ok\", \"n\": {n}"),
                Outcome::WouldBlock => write!(out, ", \"result\": \"would_block\""),
                Outcome::Err(kind) => {
                    let _ = write!(out, ", \"result\": \"error\", \"error\": ");
                    json_string(out, &format!("{kind:?}"));
                    Ok(())
                }
            }
        }
        _ => Ok(()),
    };
}

/// Appends `text` to `out` as a JSON string literal. `<` is written as
/// `\u003c`, so that the JSON can sit inside an HTML `<script>` element
/// (a `</script>` in the text would otherwise end it early); the book's
/// trace player embeds its data that way.
pub fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Runs `f` with tracing on for this thread and returns its result with the
/// [`Trace`] of what the runtime did meanwhile. A `record` inside `f` takes
/// the events of its own run; the outer one does not see them.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Trace) {
    let (result, mut events) = crate::events::recording(f);
    name_the_woken_tasks(&mut events);
    (result, Trace { events })
}

/// Fills in the task of each `Woke` and `Displaced` event: the task of the
/// last `Stored` in the same slot (for `Displaced`, the one before the
/// `Stored` that displaced it).
fn name_the_woken_tasks(events: &mut [Event]) {
    let mut slots = std::collections::BTreeMap::new();
    let mut replaced = None; // the task the last `Stored` replaced
    for event in events {
        match event {
            Event::Stored {
                token,
                interest,
                task,
            } => replaced = slots.insert((*token, *interest), *task).flatten(),
            Event::Displaced { task, .. } => *task = replaced,
            Event::Woke {
                token,
                interest,
                task,
            } => *task = slots.remove(&(*token, *interest)).flatten(),
            Event::Deregistered { token } => slots.retain(|(t, _), _| t != token),
            _ => {}
        }
    }
}

/// [`record`], returning the trace's lines ([`Trace::lines`]).
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (result, trace) = record(f);
    (result, trace.lines())
}
