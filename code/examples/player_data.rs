//! The data of the book's trace player: five runs of the chapters' examples,
//! recorded and turned into steps.
//!
//! `cargo run -p code --example player_data -- NAME > code/examples/output/NAME.player.json`
//!
//! where NAME is one of the examples in [`RECORDINGS`]. The chapters include
//! these files, and `code/tests/recorded_runs.rs` checks that each is still
//! what a new recording gives: if the runtime does something else, it fails.
//!
//! A recording is a [`Trace`] (`code::trace::record`), turned into *steps*:
//! one per line of the trace (the lines the book prints), each with one
//! sentence saying what the line means and the state of the runtime once it
//! happened. The player in the book (`theme/trace-player.js`) only
//! draws them; every rule about what a line does to the state is here.
//!
//! The state is rebuilt from the events alone, as the module docs of
//! `code::trace` describe: the run queue (`queued` puts a task at the back,
//! `polled` takes it out), the tasks (running, queued, waiting, finished),
//! each registered token's read and write slots (`stored` puts the task in,
//! `woke` takes it out), and the bytes waiting in each socket. Events without
//! a line (a task queued, a wait begun or ended) change the state of the step
//! whose line comes before them, so that a wake's line shows its task queued;
//! a task that wakes itself is shown queued from the next line on.
//!
//! Bytes in a socket come from two places: a write of a `code::net` stream
//! whose other end is a token too ([`Player::connected`]), and a note the
//! example adds (`code::trace::emit`) where the kernel does something the
//! runtime does not trace:
//! - `kernel: N bytes arrive at token T` (or `1 byte arrives`): `N` more
//!   unread bytes, from a peer outside the runtime (a `std` stream);
//! - `kernel: end of stream arrives at token T`, or `kernel: end of stream
//!   from token T arrives at the other end` (a `shutdown(Write)`, which
//!   `code::net` does not trace): a read that finds no byte returns `Ok(0)`.
//!
//! A read that returns `Ok(n)` takes `n` of them, and a dropped stream (its
//! token deregistered) sends its other end the end of the stream.
//!
//! # JSON
//!
//! One object, keys in this order: `"title"`; `"slots"`: `"two"` (a read and
//! a write slot per token, as the reactor has) or `"one"` (one slot per token,
//! for a stream built as "a reactor with one waker slot"); `"bytes"` (bool:
//! the player shows unread bytes); `"steps"`: an array of objects with
//! - `"line"`: the trace line; `"actor"`: who acted, `"task"`, `"executor"`,
//!   `"reactor"`, `"kernel"` or `null`; `"task"`: the task that acted or that
//!   the line names, or `null`;
//! - `"meaning"`: one sentence (`` `code` `` spans in backquotes);
//! - `"running"`: the task being polled, or `null`; `"queue"`: the run queue,
//!   front first; `"asleep"`: the thread sleeps in the reactor's wait;
//! - `"tasks"`: `[{"id", "state"}]`, state `"running"`, `"queued"`,
//!   `"waiting"`, `"finished"` or `"dropped"` (unfinished when `block_on`
//!   returned);
//! - `"tokens"`: `[{"token", "read", "write", "unread", "eof"}]`: `read` and
//!   `write` hold the task whose waker is in the slot, or `null` (with one
//!   slot, `read` is that slot and `write` is `null`); `unread` the bytes
//!   waiting; `eof` the end of the stream has arrived.
//!
//! The task 0 is the main future, the one given to `block_on`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use code::executor::TaskId;
use code::trace::{Event, Op, Outcome, Trace, record};

// The examples whose runs the player replays; their `main`s are unused here.
#[path = "cancellation_safety.rs"]
#[allow(dead_code)]
mod cancellation_safety;
#[path = "drive_through_async.rs"]
#[allow(dead_code)]
mod drive_through_async;
#[path = "edge_and_level.rs"]
#[allow(dead_code)]
mod edge_and_level;
#[path = "trace_read.rs"]
#[allow(dead_code)]
mod trace_read;
#[path = "when_it_breaks.rs"]
#[allow(dead_code)]
mod when_it_breaks;

/// Records a run and returns the player's data for it.
pub type Record = fn() -> String;

/// Each recording, by the name of its example.
pub const RECORDINGS: [(&str, Record); 5] = [
    ("trace_read", one_read),
    ("drive_through_async", drive_through),
    ("edge_and_level", edge_and_level),
    ("cancellation_safety", read_exact_cancelled),
    ("when_it_breaks", shared_waker_slot),
];

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    match RECORDINGS.iter().find(|(n, _)| *n == name) {
        Some((_, record)) => print!("{}", record()),
        None => {
            let names: Vec<&str> = RECORDINGS.iter().map(|(n, _)| *n).collect();
            eprintln!(
                "usage: cargo run -p code --example player_data -- NAME > \
                 code/examples/output/NAME.player.json\nwhere NAME is one of: {}",
                names.join(", ")
            );
            std::process::exit(2);
        }
    }
}

/// One read (chapter "Following the data").
fn one_read() -> String {
    let (result, trace) = record(trace_read::one_read);
    assert_eq!(result.expect("the traced read failed"), "hello");
    Player::new("One read").connected(0, 1).to_json(&trace)
}

/// The async drive-through (chapter "The drive-through").
fn drive_through() -> String {
    let (result, trace) = record(drive_through_async::drive_through);
    result.expect("the drive-through failed");
    Player::new("The async drive-through")
        .without_pattern_steps()
        .connected(0, 1)
        .explain(
            "car: one burger",
            "Task 1, the car, starts: it orders, and its next step is to read the burger from \
             token 0.",
        )
        .explain(
            "errand ",
            "The main task runs an errand and yields: the thread is free for other work while \
             the car waits.",
        )
        .explain(
            "kitchen: burger ready",
            "The burger is ready: the main task is about to write it into token 1, the \
             kitchen's end of the connection.",
        )
        .explain(
            "car: got",
            "The car's `read(...).await` returned 6: task 1 has its burger, after two read calls.",
        )
        .to_json(&trace)
}

/// Edge-triggered events (chapter "Edge- vs level-triggered"): the first two
/// reads, the last one, and part 2.
fn edge_and_level() -> String {
    let (result, trace) = record(edge_and_level::one_byte_per_read);
    assert_eq!(result.expect("the example's reads failed"), b"!");
    Player::new("Edge-triggered: 100 reads, one event")
        .explain(
            "kernel: 100 bytes",
            "The peer has sent 100 bytes before the runtime starts: they wait in the socket's \
             receive buffer.",
        )
        .explain_nth(
            "reactor: event for token 0",
            1,
            "The kernel reports token 0 readable and writable: the readiness the socket already \
             had when it was registered, queued by the registration, with 99 bytes still unread. No task waits, so it wakes nobody, and it is the only \
             event until part 2.",
        )
        .explain_nth(
            "net: token 0 read -> Ok(1)",
            2,
            "The main future's second read finds the next byte at once: no event came, and none \
             was needed, because the read tries first.",
        )
        .skip(
            ("executor: polling the main future", 3),
            ("executor: the main future returned Pending", 100),
            "(reads 3 to 100: the same, 98 more times)",
            "Reads 3 to 100 go like read 2: the main future is polled, its read finds a byte, \
             it yields; the reactor looks for events between two reads and finds none. Not one \
             read waited.",
        )
        .explain(
            edge_and_level::PART_2,
            "Part 2 starts: the socket is empty now, and the next read will find nothing.",
        )
        .to_json(&trace)
}

/// A timeout cancels `read_exact` (chapter "Cancellation safety").
fn read_exact_cancelled() -> String {
    let (report, trace) = record(|| code::block_on(cancellation_safety::read_exact_cancelled()));
    report.expect("the example's I/O failed");
    let would_block = "net: token 0 read -> WouldBlock";
    let got_50 = "net: token 0 read -> Ok(50)";
    Player::new("A timeout cancels read_exact")
        .connected(0, 1)
        .explain_nth(
            would_block,
            1,
            "`read_exact`, under a 50 ms timeout, tries its first read: nothing yet, because the \
             peer's task has not run.",
        )
        .explain_nth(
            got_50,
            1,
            "`read_exact` reads bytes 0 to 49 into `buf[0..50]`: they leave the socket, and its \
             local `filled` becomes 50.",
        )
        .explain_nth(
            would_block,
            2,
            "`read_exact` loops for the other 50 bytes: `WouldBlock`, since the peer pauses.",
        )
        .explain_nth(
            "reactor: timer fired, waking the main future",
            1,
            "The 50 ms are up: the timeout's timer wakes the main future.",
        )
        .explain_nth(
            would_block,
            3,
            "`timeout` polls `read_exact` once more before it looks at the time: still nothing.",
        )
        .explain_nth(
            would_block,
            4,
            "Time is up, so `timeout` returned `Err(Elapsed)` and dropped `read_exact`, and \
             `filled` with it. The retry is a new `read_exact`, which starts at `buf[0]`.",
        )
        .explain_nth(
            "reactor: timer fired, waking task 1",
            1,
            "The peer's 200 ms pause is over: its timer wakes task 1, which sends the rest.",
        )
        .explain_nth(
            got_50,
            2,
            "The retry reads bytes 50 to 99 into `buf[0..50]`, over the first half, and counts 50 \
             of 100.",
        )
        .explain(
            "net: token 0 read -> Ok(0)",
            "The end of the stream, with 50 of the 100 bytes: the retry fails with \
             `UnexpectedEof`, and bytes 0 to 49 are gone.",
        )
        .to_json(&trace)
}

/// The shared waker slot (chapter "When the simple version breaks"): the run
/// of `one_slot_steps`, drawn with one slot per token.
fn shared_waker_slot() -> String {
    let (report, trace) = record(when_it_breaks::one_slot_steps);
    assert_eq!(
        report,
        "the reader was never woken, while 4 bytes sat in its socket"
    );
    Player::new("A reactor with one waker slot")
        .one_slot()
        .explain(
            "kernel: the peer has read",
            "The peer (played by the main task) reads everything sent so far: token 0's send \
             buffer empties, so the kernel will report it writable.",
        )
        .explain(
            "reactor: timer fired",
            "After 100 ms the main task's timeout gives up on the reader: although its 4 bytes \
             have been there all along, task 1 was never polled again.",
        )
        .explain(
            "net: token 0 read -> Ok(4)",
            "The main task reads the reply itself, at once: the data was there, only the wake \
             was lost.",
        )
        .to_json(&trace)
}

/// How a player's steps are made from a trace.
pub struct Player {
    title: String,
    one_slot: bool,
    /// Meanings say which of the readiness pattern's steps a line is (not
    /// before the chapter that numbers them), in words.
    pattern_steps: bool,
    connections: Vec<(usize, usize)>,
    explanations: Vec<Explanation>,
    skips: Vec<Skip>,
}

/// A meaning the example gives to some lines instead of the generic one.
struct Explanation {
    /// The line starts with this.
    prefix: String,
    /// Only its `nth` match (from 1), or every match.
    nth: Option<usize>,
    meaning: String,
}

/// Steps shown as one (a long stretch where the same thing repeats).
struct Skip {
    /// The first and the last step left out: (line prefix, occurrence from 1).
    first: (String, usize),
    last: (String, usize),
    line: String,
    meaning: String,
}

/// One step: a line of the trace, what it means, and the state after it.
#[derive(Clone)]
struct Step {
    line: String,
    actor: Option<&'static str>,
    task: Option<TaskId>,
    meaning: String,
    state: State,
}

/// The runtime at one step, as the player draws it.
#[derive(Clone, Default)]
struct State {
    running: Option<TaskId>,
    queue: Vec<TaskId>,
    /// Every task seen so far, and how it ended (if it did).
    tasks: BTreeMap<TaskId, Option<End>>,
    tokens: BTreeMap<usize, Slots>,
    asleep: bool,
}

/// How a task ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// It returned `Ready`.
    Finished,
    /// `block_on` returned before it finished.
    Dropped,
}

/// One registered token.
#[derive(Clone, Default)]
struct Slots {
    /// The read slot (or the one slot).
    read: Option<TaskId>,
    write: Option<TaskId>,
    unread: usize,
    eof: bool,
    /// Registered, and neither reported nor changed from outside since: an
    /// event now is the readiness the socket had when it was registered,
    /// which registering queued.
    registration_queued: bool,
}

impl Player {
    pub fn new(title: &str) -> Player {
        Player {
            title: title.to_string(),
            one_slot: false,
            pattern_steps: true,
            connections: Vec::new(),
            explanations: Vec::new(),
            skips: Vec::new(),
        }
    }

    /// Each token has one waker slot, which whoever parks last takes (the
    /// design of "a reactor with one waker slot").
    pub fn one_slot(mut self) -> Player {
        self.one_slot = true;
        self
    }

    /// Meanings do not name the readiness pattern's steps: the player
    /// comes before the chapter that numbers them.
    pub fn without_pattern_steps(mut self) -> Player {
        self.pattern_steps = false;
        self
    }

    /// Tokens `a` and `b` are the two ends of one connection: what one
    /// writes arrives at the other.
    pub fn connected(mut self, a: usize, b: usize) -> Player {
        self.connections.push((a, b));
        self
    }

    /// Every line that starts with `prefix` means `meaning`.
    pub fn explain(mut self, prefix: &str, meaning: &str) -> Player {
        self.explanations.push(Explanation {
            prefix: prefix.to_string(),
            nth: None,
            meaning: meaning.to_string(),
        });
        self
    }

    /// The `nth` line (from 1) that starts with `prefix` means `meaning`.
    pub fn explain_nth(mut self, prefix: &str, nth: usize, meaning: &str) -> Player {
        self.explanations.push(Explanation {
            prefix: prefix.to_string(),
            nth: Some(nth),
            meaning: meaning.to_string(),
        });
        self
    }

    /// Shows the steps from the `first.1`-th line starting with `first.0` to
    /// the `last.1`-th line starting with `last.0` as one step, `line`, with
    /// the state after the last of them. Applied after the explanations, so
    /// occurrences count every line.
    pub fn skip(
        mut self,
        first: (&str, usize),
        last: (&str, usize),
        line: &str,
        meaning: &str,
    ) -> Player {
        self.skips.push(Skip {
            first: (first.0.to_string(), first.1),
            last: (last.0.to_string(), last.1),
            line: line.to_string(),
            meaning: meaning.to_string(),
        });
        self
    }

    /// The steps of `trace`.
    fn steps(&self, trace: &Trace) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        let mut state = State::default();
        for event in trace.events() {
            let before = state.clone();
            state.apply(event, self);
            let Some(line) = event.line() else {
                // A change without a line belongs to the step before it (a
                // wake's line shows its task queued), except a task waking
                // itself, which the line after it shows (it returns `Pending`).
                let woke_itself =
                    matches!(event, Event::Queued { task, .. } if before.running == Some(*task));
                if let (Some(step), false) = (steps.last_mut(), woke_itself) {
                    step.state.apply(event, self);
                }
                continue;
            };
            state.asleep = matches!(event, Event::Idle);
            let (actor, mut task) = actor(event, &line, &before);
            if let (true, Event::Woke { token, .. }) = (self.one_slot, event) {
                // Whose waker the one slot held, whoever the reactor's slot was for.
                task = before.tokens.get(&token.0).and_then(|s| s.read);
            }
            steps.push(Step {
                meaning: self.meaning(event, &before, &state),
                line,
                actor,
                task,
                state: state.clone(),
            });
        }
        for explanation in &self.explanations {
            let mut seen = 0;
            for step in steps.iter_mut() {
                if step.line.starts_with(&explanation.prefix) {
                    seen += 1;
                    if explanation.nth.is_none_or(|nth| nth == seen) {
                        step.meaning = explanation.meaning.clone();
                    }
                }
            }
            assert!(
                seen >= explanation.nth.unwrap_or(1),
                "player: no line {:?} (occurrence {:?}) to explain",
                explanation.prefix,
                explanation.nth
            );
        }
        for skip in &self.skips {
            let first = find(&steps, &skip.first);
            let last = find(&steps, &skip.last);
            assert!(first <= last, "player: a skip ends before it starts");
            let state = steps[last].state.clone();
            steps.splice(
                first..=last,
                [Step {
                    line: skip.line.clone(),
                    actor: None,
                    task: None,
                    meaning: skip.meaning.clone(),
                    state,
                }],
            );
        }
        steps
    }

    /// The player's data for `trace`, as JSON (the format is in the module docs).
    pub fn to_json(&self, trace: &Trace) -> String {
        let steps = self.steps(trace);
        let bytes = !self.connections.is_empty()
            || steps
                .iter()
                .any(|s| s.state.tokens.values().any(|t| t.unread > 0 || t.eof));
        let mut out = String::from("{\n  \"title\": ");
        code::trace::json_string(&mut out, &self.title);
        let _ = write!(
            out,
            ",\n  \"slots\": \"{}\",\n  \"bytes\": {bytes},\n  \"steps\": [",
            if self.one_slot { "one" } else { "two" }
        );
        for (i, step) in steps.iter().enumerate() {
            out += if i == 0 { "\n    {" } else { ",\n    {" };
            out += "\"line\": ";
            code::trace::json_string(&mut out, &step.line);
            out += ", \"actor\": ";
            match step.actor {
                Some(actor) => code::trace::json_string(&mut out, actor),
                None => out += "null",
            }
            let _ = write!(out, ", \"task\": {}", number(step.task));
            out += ",\n     \"meaning\": ";
            code::trace::json_string(&mut out, &step.meaning);
            let state = &step.state;
            let _ = write!(
                out,
                ",\n     \"running\": {}, \"queue\": {:?}, \"asleep\": {},\n     \"tasks\": [",
                number(state.running),
                state.queue,
                state.asleep
            );
            for (j, (id, end)) in state.tasks.iter().enumerate() {
                let what = match end {
                    Some(End::Finished) => "finished",
                    Some(End::Dropped) => "dropped",
                    None if state.running == Some(*id) => "running",
                    None if state.queue.contains(id) => "queued",
                    None => "waiting",
                };
                let comma = if j == 0 { "" } else { ", " };
                let _ = write!(out, "{comma}{{\"id\": {id}, \"state\": \"{what}\"}}");
            }
            out += "],\n     \"tokens\": [";
            for (j, (token, slots)) in state.tokens.iter().enumerate() {
                let comma = if j == 0 { "" } else { ", " };
                let _ = write!(
                    out,
                    "{comma}{{\"token\": {token}, \"read\": {}, \"write\": {}, \"unread\": {}, \
                     \"eof\": {}}}",
                    number(slots.read),
                    number(slots.write),
                    slots.unread,
                    slots.eof
                );
            }
            out += "]}";
        }
        out += "\n  ]\n}\n";
        out
    }

    /// The token at the other end of `token`'s connection, if it is one.
    fn other_end(&self, token: usize) -> Option<usize> {
        self.connections.iter().find_map(|&(a, b)| match token {
            t if t == a => Some(b),
            t if t == b => Some(a),
            _ => None,
        })
    }

    /// One sentence: what the line of `event` means. `before` and `after`
    /// are the state around it.
    fn meaning(&self, event: &Event, before: &State, after: &State) -> String {
        let one = self.one_slot;
        // The readiness pattern's step, in words: " (the readiness pattern's
        // try)", or nothing before the chapter that numbers the steps. Not
        // by its number, which would read like the player's own "Step 10 of 25".
        let step = |n: u8| match (self.pattern_steps, n) {
            (false, _) => "",
            (true, 1) => " (the readiness pattern's try)",
            (true, 2) => " (the pattern's finish)",
            (true, _) => " (as the readiness pattern says)",
        };
        let slot_name = |readable: bool| if readable { "read" } else { "write" };
        match event {
            Event::Spawned { task } => format!(
                "`spawn` creates {} and puts it at the back of the run queue: it runs once the \
                 executor gets to it.",
                name(*task)
            ),
            Event::Polled { task: 0 } => "The executor polls the main future (the one given to \
                 `block_on`): it runs until it must wait, or to its end."
                .to_string(),
            Event::Polled { task } => format!(
                "The executor takes {} from the run queue and polls it: the task runs until it \
                 returns `Pending` or finishes.",
                name(*task)
            ),
            Event::Returned { task, ready: false } if after.queue.contains(task) => format!(
                "{} returned `Pending` after waking itself (as `yield_now` does): it is at the \
                 back of the run queue, and runs again in the next round.",
                capital(&name(*task))
            ),
            Event::Returned { task, ready: false } => format!(
                "{} returned `Pending`: it waits, and runs again only once something wakes it.",
                capital(&name(*task))
            ),
            Event::Returned { task: 0, .. } => "The main future finished: `block_on` returns \
                 its output, and drops any task still unfinished."
                .to_string(),
            Event::Returned { task, .. } => format!(
                "{} finished: the executor drops it, and whoever awaits its `JoinHandle` is woken.",
                capital(&name(*task))
            ),
            Event::LateWake { task } => format!(
                "{} had finished already: its late wake runs nothing.",
                capital(&name(*task))
            ),
            Event::Idle => "Nothing is left to run: the executor waits in `reactor.wait`, and \
                 the thread sleeps in the kernel until an event (or a timer) comes."
                .to_string(),
            Event::Registered { token, .. } => format!(
                "The socket is registered with the reactor as token {}, for readable and \
                 writable events; {}.",
                token.0,
                if one {
                    "its one waker slot starts empty"
                } else {
                    "its read slot and write slot start empty"
                }
            ),
            Event::Deregistered { token } => format!(
                "The stream was dropped: its socket is deregistered, and token {}'s slots are gone.",
                token.0
            ),
            Event::Stored {
                token,
                interest,
                task,
            } => {
                let who = task.map_or("the task".to_string(), name);
                let t = token.0;
                let step_3 = step(3);
                match before.tokens.get(&t).and_then(|s| s.read) {
                    Some(old) if one && Some(old) != *task => format!(
                        "`WouldBlock`, so {who} leaves its waker in token {t}'s one slot, which \
                         held {}'s: that waker is dropped, and nothing will wake {} now.",
                        name(old),
                        name(old)
                    ),
                    _ if one => format!(
                        "`WouldBlock`, so {who} leaves its waker in token {t}'s one slot{}.",
                        step_3
                    ),
                    _ => format!(
                        "`WouldBlock`, so {who} leaves its waker in token {t}'s {} slot{}; next \
                         it returns `Pending`.",
                        slot_name(interest.is_readable()),
                        step_3
                    ),
                }
            }
            Event::Displaced { token, task, .. } => format!(
                "The slot of token {} held {}'s waker: the reactor wakes it, so that it is not lost.",
                token.0,
                task.map_or("another task".to_string(), name)
            ),
            Event::Readiness {
                token,
                readable,
                writable,
                read_closed,
                write_closed,
                error,
            } => {
                let slots = before.tokens.get(&token.0).cloned().unwrap_or_default();
                let read = *readable || *read_closed || *error;
                let write = *writable || *write_closed || *error;
                let what = match (read, write) {
                    (true, true) => "readable and writable",
                    (true, false) => "readable",
                    (false, true) => "writable",
                    (false, false) => "changed",
                };
                let mut waiting = Vec::new();
                if one {
                    waiting.extend(
                        slots
                            .read
                            .map(|t| format!("{} waits in the one slot", name(t))),
                    );
                } else {
                    if read {
                        waiting.extend(
                            slots
                                .read
                                .map(|t| format!("{} waits in its read slot", name(t))),
                        );
                    }
                    if write {
                        waiting.extend(
                            slots
                                .write
                                .map(|t| format!("{} waits in its write slot", name(t))),
                        );
                    }
                }
                let rest = if !waiting.is_empty() {
                    format!("{}, and the reactor wakes it", waiting.join(" and "))
                } else if one {
                    "its one slot is empty, so it wakes nobody".to_string()
                } else {
                    "no task waits in the slot it concerns, so it wakes nobody".to_string()
                };
                let why = if slots.registration_queued {
                    "readiness the socket already had when it was registered, queued by the \
                     registration"
                } else {
                    "something changed since the last report"
                };
                format!(
                    "The kernel reports token {} {what} ({why}): {rest}.",
                    token.0
                )
            }
            Event::Woke {
                token,
                interest,
                task,
            } => {
                let t = token.0;
                match before.tokens.get(&t).and_then(|s| s.read) {
                    Some(holder) if one => format!(
                        "The reactor wakes token {t}'s one slot: it holds {}'s waker, so {} goes \
                         to the back of the run queue.",
                        name(holder),
                        name(holder)
                    ),
                    None if one => format!(
                        "The reactor wakes token {t}'s one slot, but it is empty: nobody is \
                         woken, although the event was for a task that waits."
                    ),
                    _ => {
                        let who = task.map_or("the task".to_string(), name);
                        format!(
                            "The reactor takes {who}'s waker out of token {t}'s {} slot and \
                             wakes it: {who} goes to the back of the run queue.",
                            slot_name(interest.is_readable())
                        )
                    }
                }
            }
            Event::TimerFired { task } => format!(
                "A timer is due: the reactor wakes {}, which set it.",
                task.map_or("the task".to_string(), name)
            ),
            Event::WokenFromAnotherThread => {
                "Another thread woke a task, which ends the wait.".to_string()
            }
            Event::BudgetUsedUp { task, .. } => format!(
                "{} has done 128 ready operations in this poll: it wakes itself and returns \
                 `Pending`, so that the other tasks get a turn.",
                capital(&task.map_or("the task".to_string(), name))
            ),
            Event::Io { token, op, outcome } => {
                let who = capital(&before.running.map_or("the task".to_string(), name));
                let t = token.0;
                match (op, outcome) {
                    (Op::Read, Outcome::Ok(0)) => format!(
                        "{who} tries to read token {t}{}, and gets `Ok(0)`: the end of the \
                         stream; the peer will send nothing more.",
                        step(1)
                    ),
                    (Op::Read, Outcome::Ok(n)) => format!(
                        "{who} tries to read token {t}{}, and gets {n} {}: {} the socket, and \
                         the read is `Ready`{}.",
                        step(1),
                        bytes(*n),
                        if *n == 1 { "it leaves" } else { "they leave" },
                        step(2)
                    ),
                    (Op::Read, Outcome::WouldBlock) => format!(
                        "{who} tries to read token {t}{}: no byte is there yet, so the \
                         non-blocking socket answers `WouldBlock`.",
                        step(1)
                    ),
                    (Op::Write, Outcome::Ok(n)) => {
                        let to = match self.other_end(t) {
                            Some(other) => format!(" and passes them to token {other}"),
                            None => String::new(),
                        };
                        format!(
                            "{who} writes {n} {} into token {t}: the kernel takes them at \
                             once{to}.",
                            bytes(*n)
                        )
                    }
                    (Op::Write, Outcome::WouldBlock) => format!(
                        "{who} tries to write into token {t}{}: its send buffer is full, so the \
                         socket answers `WouldBlock`.",
                        step(1)
                    ),
                    (_, Outcome::Err(kind)) => format!(
                        "{who}'s call on token {t} fails with `{kind:?}`: a real error, which \
                         the task gets as `Ready(Err(..))`."
                    ),
                    _ => format!("{who} calls the socket of token {t}."),
                }
            }
            Event::Note(text) => {
                if let Some((n, token)) = arrival(text) {
                    format!(
                        "{n} {} from the peer {} in token {token}'s receive buffer; the reactor \
                         hears of it at its next look at the kernel's events.",
                        bytes(n),
                        if n == 1 { "arrives" } else { "arrive" }
                    )
                } else if let Some(token) = end_of_stream(text, self) {
                    format!(
                        "The peer closed its sending side: once the bytes before it are read, a \
                         read of token {token} returns `Ok(0)`."
                    )
                } else {
                    "A line the example adds to the trace (`trace::emit`).".to_string()
                }
            }
            other => other.line().unwrap_or_default(),
        }
    }
}

impl State {
    /// The state after `event`.
    fn apply(&mut self, event: &Event, player: &Player) {
        match event {
            Event::Spawned { task } => {
                self.tasks.insert(*task, None);
            }
            Event::Queued { task, .. } => {
                self.tasks.entry(*task).or_insert(None);
                if !self.queue.contains(task) {
                    self.queue.push(*task);
                }
            }
            Event::Polled { task } => {
                self.queue.retain(|t| t != task);
                self.tasks.entry(*task).or_insert(None);
                self.running = Some(*task);
            }
            Event::LateWake { task } => self.queue.retain(|t| t != task),
            Event::Returned { task, ready } => {
                self.running = None;
                if *ready {
                    self.tasks.insert(*task, Some(End::Finished));
                    if *task == 0 {
                        // block_on returns: whatever is left is dropped.
                        self.queue.clear();
                        for end in self.tasks.values_mut() {
                            end.get_or_insert(End::Dropped);
                        }
                    }
                }
            }
            Event::Registered { token, .. } => {
                // Bytes may have arrived before (a note names the token).
                let slots = self.tokens.entry(token.0).or_default();
                (slots.read, slots.write) = (None, None);
                slots.registration_queued = true;
            }
            Event::Deregistered { token } => {
                self.tokens.remove(&token.0);
                // The stream was dropped, which closes its socket: the other
                // end reads the end of the stream.
                if let Some(slots) = player
                    .other_end(token.0)
                    .and_then(|other| self.tokens.get_mut(&other))
                {
                    slots.eof = true;
                }
            }
            Event::Stored {
                token,
                interest,
                task,
            } => {
                let slots = self.tokens.entry(token.0).or_default();
                if player.one_slot || interest.is_readable() {
                    slots.read = *task;
                } else {
                    slots.write = *task;
                }
            }
            Event::Woke {
                token, interest, ..
            } => {
                if let Some(slots) = self.tokens.get_mut(&token.0) {
                    if player.one_slot || interest.is_readable() {
                        slots.read = None;
                    } else {
                        slots.write = None;
                    }
                }
            }
            Event::Io {
                token,
                op: Op::Read,
                outcome: Outcome::Ok(n),
            } => {
                if let Some(slots) = self.tokens.get_mut(&token.0) {
                    slots.unread = slots.unread.saturating_sub(*n);
                }
            }
            Event::Io {
                token,
                op: Op::Write,
                outcome: Outcome::Ok(n),
            } => {
                if let Some(slots) = player
                    .other_end(token.0)
                    .and_then(|other| self.tokens.get_mut(&other))
                {
                    slots.unread += n;
                    slots.registration_queued = false;
                }
            }
            Event::Readiness { token, .. } => {
                if let Some(slots) = self.tokens.get_mut(&token.0) {
                    slots.registration_queued = false;
                }
            }
            Event::Note(text) => {
                if let Some((n, token)) = arrival(text) {
                    let slots = self.tokens.entry(token).or_default();
                    slots.unread += n;
                    slots.registration_queued = false;
                } else if let Some(token) = end_of_stream(text, player) {
                    let slots = self.tokens.entry(token).or_default();
                    slots.eof = true;
                    slots.registration_queued = false;
                } else if text.starts_with("kernel:") {
                    // Something else the kernel did, to a socket the note
                    // names in words: the next event of any token may be it.
                    for slots in self.tokens.values_mut() {
                        slots.registration_queued = false;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Who acted, and which task, for the line of `event`.
fn actor(event: &Event, line: &str, before: &State) -> (Option<&'static str>, Option<TaskId>) {
    match event {
        Event::Io { .. } => (Some("task"), before.running),
        Event::Note(_) if line.starts_with("kernel:") => (Some("kernel"), None),
        Event::Note(_) => (before.running.map(|_| "task"), before.running),
        Event::Spawned { task }
        | Event::Polled { task }
        | Event::Returned { task, .. }
        | Event::LateWake { task } => (Some("executor"), Some(*task)),
        Event::Stored { task, .. }
        | Event::Displaced { task, .. }
        | Event::Woke { task, .. }
        | Event::TimerFired { task }
        | Event::BudgetUsedUp { task, .. } => (Some("reactor"), *task),
        other => (Some(other.actor()), None),
    }
}

/// `kernel: N bytes arrive at token T` -> (N, T).
fn arrival(note: &str) -> Option<(usize, usize)> {
    let rest = note.strip_prefix("kernel: ")?;
    let (n, rest) = rest.split_once(' ')?;
    let token = rest
        .strip_prefix("bytes arrive at token ")
        .or_else(|| rest.strip_prefix("byte arrives at token "))?;
    Some((n.parse().ok()?, token.parse().ok()?))
}

/// `kernel: end of stream arrives at token T` -> T; `kernel: end of stream
/// from token T arrives at the other end` -> the other end of T.
fn end_of_stream(note: &str, player: &Player) -> Option<usize> {
    let rest = note.strip_prefix("kernel: end of stream ")?;
    if let Some(token) = rest.strip_prefix("arrives at token ") {
        return token.parse().ok();
    }
    let from = rest
        .strip_prefix("from token ")?
        .strip_suffix(" arrives at the other end")?;
    player.other_end(from.parse().ok()?)
}

/// The index of the `nth` step (from 1) whose line starts with `prefix`.
fn find(steps: &[Step], (prefix, nth): &(String, usize)) -> usize {
    steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.line.starts_with(prefix.as_str()))
        .nth(nth - 1)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("player: no line {prefix:?} (occurrence {nth}) to skip"))
}

fn name(task: TaskId) -> String {
    match task {
        0 => "the main future".to_string(),
        n => format!("task {n}"),
    }
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn bytes(n: usize) -> &'static str {
    if n == 1 { "byte" } else { "bytes" }
}

fn number(value: Option<u64>) -> String {
    value.map_or("null".to_string(), |n| n.to_string())
}
