//! Checks of *how* the exercises' code waits, for the tests of all the
//! exercises: a task that waits must park (leave its waker where the thing
//! it waits for will wake it, and return `Pending`) and the executor must
//! sleep meanwhile. Comparing the bytes that come out cannot tell that from
//! busy polling, which gives the same bytes and keeps a core busy.
//!
//! The tests record a trace of the runtime (`code::trace::record`) around a
//! wait of a known length (`WAIT`) and count: how often the waiting task (or
//! the reader or writer it waits on) was polled, how often the executor
//! waited for events, and how long it slept. Every test file that needs
//! these includes this one file, so the verdicts read the same everywhere.
//!
//! When a check fails, its message ends with the last lines of the
//! learner's own run as the trace shows them, and the command that steps
//! through the whole run in the book's trace player (see [`within`],
//! [`record`] and [`tail`]).
//!
//! The margins are wide on purpose, because the tests run in parallel on
//! loaded machines: a task that parks is polled 1 to 3 times in a wait; the
//! tests allow fewer than [`MOST_POLLS`]. A busy-polling task is polled
//! thousands of times in the same wait. A parked executor sleeps for nearly
//! all of the wait; the tests ask for half of it.

// Each exercise's tests use some of these, not all.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use code::trace::{Event, Trace};

/// How long the tests make a task wait: long enough that a busy loop shows
/// (thousands of polls), short enough to keep the tests quick.
pub const WAIT: Duration = Duration::from_millis(200);

/// A parked task is polled once before the wait and once after it (2), a
/// third time at most for a spurious wake-up; busy polling makes thousands.
/// 20 leaves room for a loaded machine and no room for a busy loop.
pub const MOST_POLLS: usize = 20;

/// Marks a point in the trace being recorded (see [`between`]).
pub fn mark(label: &str) {
    let label = label.to_string();
    code::trace::emit(move || label);
}

/// The part of `trace` between the marks `from` and `to`.
pub fn between(trace: &Trace, from: &str, to: &str) -> Trace {
    let at = |label: &str| {
        trace
            .events()
            .iter()
            .position(|e| matches!(e, Event::Note(n) if n == label))
            .unwrap_or_else(|| panic!("the test's mark {label:?} is missing from the trace"))
    };
    Trace::from(trace.events()[at(from)..at(to)].to_vec())
}

/// Polls of every task but the main future (task 0) in `trace`.
pub fn polls_of_tasks(trace: &Trace) -> usize {
    trace
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Polled { task } if *task != 0))
        .count()
}

/// Fails the test, naming the mistake, unless the code under test parked
/// for the `waited` it was made to wait: `polls` (of the task, or of the
/// reader or writer it waited on) stayed below [`MOST_POLLS`], and the
/// executor waited for events (`trace.waits()`) and slept at least half of
/// `waited` (`trace.time_asleep()`).
///
/// `what` names what waited ("read() on a socket with no data yet"), `how`
/// says how to park in the learner's code, `chapter` what to reread. The
/// message ends with the tail of `trace` ([`tail`]).
#[track_caller]
pub fn assert_parked(
    trace: &Trace,
    polls: usize,
    waited: Duration,
    what: &str,
    how: &str,
    chapter: &str,
) {
    let (waits, asleep) = (trace.waits(), trace.time_asleep());
    let seen = format!(
        "(polled {polls} times in {waited:?}; the executor waited for events {waits} times \
         and slept {asleep:?})"
    );
    let why = if asleep >= waited / 2 {
        // Woken by a timer (or a wake of its own) to look again.
        "it was woken again and again only to find nothing each time: a wake-up on a timer \
         costs a poll and a turn of the executor for nothing, and with many such tasks that \
         adds up to a busy core"
    } else {
        "it found nothing each time and kept a core busy doing nothing useful, and the \
         executor never got to sleep"
    };
    assert!(
        polls < MOST_POLLS,
        "{what}: busy polling {seen}. A task that parks is polled about twice: once to find \
         nothing, once when it is woken. This one was polled again and again: {why}. {how} \
         (chapter \"{chapter}\"){}",
        tail(trace)
    );
    assert!(
        waits > 0 && asleep >= waited / 2,
        "{what}: the thread was blocked inside a poll {seen}. While a task waits, the executor \
         should have nothing to run and sleep in the reactor's wait; here the poll itself did \
         not return while it waited, so no other task could run. Never block in a poll \
         function (a socket must be in non-blocking mode, and no std::thread::sleep): return \
         Pending instead. {how} (chapter \"{chapter}\"){}",
        tail(trace)
    );
}

// ---------------------------------------------------------------------------
// The learner's own run in the failure.
//
// A message says what went wrong; the trace of the run shows it: a busy
// loop is the same three lines thousands of times, a wrong slot is "stored
// Read waker" after a write. So every failure of a traced run ends with the
// last lines of its trace (repeats folded, so a busy loop is one block and
// not a flood) and the command that shows the whole run, step by step, in
// the book's trace player (`cargo run -p course -- trace N TEST`).
//
// The tests use `within`, `record` and `capture` from here instead of
// `code::testing::within` and `code::trace::record`/`capture`: the same
// signatures, plus the trace in the failure. `tail`, `tail_of` and
// `fail_with_trace` add it to a test's own checks.

/// At most this many lines of a trace go into a failure message (a fold of
/// a busy loop may add a few: it is the mistake).
pub const TAIL_LINES: usize = 12;

/// Folded runs: up to this many lines repeating as one block.
const LONGEST_CYCLE: usize = 8;

/// Where `course trace` wants the traces of the runs (one JSON file per
/// `record`): set by `cargo run -p course -- trace N`, unset otherwise.
pub const TRACE_DIR_VAR: &str = "COURSE_TRACE_DIR";

thread_local! {
    /// On a thread that [`within`] started: the test it runs for, and where
    /// [`record`] leaves each trace for `within` to show on a failure.
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
    /// Panics on this thread are reported by [`within`], once, with the
    /// trace: the panic hook does not print them.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// What a test thread and the thread `within` started for it share.
#[derive(Clone)]
struct Run {
    test: Option<String>,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    /// The trace of the last `record` on the thread (also if it panicked).
    trace: Option<Trace>,
    /// Each panic on the thread, where and what, in order: the one that
    /// ends the test, and those the executor caught in a task (a task's
    /// `todo!()`, say), which the message must not lose.
    panics: Vec<(String, String)>,
}

/// `code::testing::within` (runs `f` on a new thread, fails the test with
/// `hint` if it takes longer than `limit`), and if it fails, for a timeout or
/// a panic, the message ends with the tail of the trace that [`record`] took
/// meanwhile, if it took one.
#[track_caller]
pub fn within<T, F>(limit: Duration, hint: &str, f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    quiet_panics();
    let run = Run {
        test: test_name(),
        seen: Arc::default(),
    };
    let theirs = run.clone();
    let result = {
        let _quiet = Quiet::on();
        panic::catch_unwind(AssertUnwindSafe(|| {
            code::testing::within(limit, hint, move || {
                QUIET.with(|q| q.set(true));
                RUN.with(|r| *r.borrow_mut() = Some(theirs));
                f()
            })
        }))
    };
    let seen = std::mem::take(&mut *run.seen.lock().unwrap_or_else(|e| e.into_inner()));
    let payload = match result {
        Ok(value) => {
            // Panics that did not fail the test (a task's, caught by the
            // executor): shown as the panic hook would have shown them.
            for (location, message) in &seen.panics {
                eprintln!("thread 'within' panicked at {location}:\n{message}");
            }
            return value;
        }
        Err(payload) => payload,
    };
    let message = panic_message(&*payload);
    let mut notes = String::new();
    for (location, panicked) in &seen.panics {
        if *panicked == message {
            let _ = write!(notes, "\n(it panicked at {location})");
        } else {
            let _ = write!(notes, "\n(before that, at {location}: {panicked})");
        }
    }
    match seen.trace {
        Some(trace) => panic!(
            "{message}{notes}{}",
            tail_with(&trace.lines(), run.test.as_deref())
        ),
        None => panic!("{message}{notes}"),
    }
}

/// `code::trace::record`: runs `f` with the trace on and returns the trace.
/// Also if `f` panics, [`within`] gets the trace to show; and under `course
/// trace`, the trace is saved for its player page.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Trace) {
    let (result, trace) = code::trace::record(|| panic::catch_unwind(AssertUnwindSafe(f)));
    save(&trace);
    RUN.with(|run| {
        if let Some(run) = &*run.borrow() {
            run.seen.lock().unwrap_or_else(|e| e.into_inner()).trace = Some(trace.clone());
        }
    });
    match result {
        Ok(value) => (value, trace),
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// `code::trace::capture`: [`record`], returning the trace's lines.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (value, trace) = record(f);
    (value, trace.lines())
}

/// Fails the test with `message` and the tail of `trace`.
#[track_caller]
pub fn fail_with_trace(trace: &Trace, message: &str) -> ! {
    panic!("{message}{}", tail(trace))
}

/// The end of a failure message: the last lines of `trace`, repeats folded
/// ("net: token 0 read -> WouldBlock  ×4000"), and the command that shows
/// the whole run; for a trace without a line, what it covered and no
/// command (`course trace` would have nothing to show).
pub fn tail(trace: &Trace) -> String {
    tail_of(&trace.lines())
}

/// [`tail`] for the lines of a trace (as [`capture`] returns them).
pub fn tail_of(lines: &[String]) -> String {
    tail_with(lines, test_name().as_deref())
}

fn tail_with(lines: &[String], test: Option<&str>) -> String {
    if lines.is_empty() {
        // The trace covers only what the test recorded (say, one poll of a
        // stream built before it), so say so; and no trace command: its
        // page would have nothing to show.
        return "\n\nThe runtime's trace of this check (it covers the step the test recorded, \
                not the set-up before it) has no line: in that step nothing was registered, \
                polled or woken."
            .to_string();
    }
    let mut text = String::from("\n\nYour run, as the runtime traced it");
    let rows = fold(lines);
    let shown = last_rows(&rows);
    let hidden: usize = rows[..shown[0]]
        .iter()
        .map(|r| r.lines.len() * r.times)
        .sum();
    if hidden > 0 {
        let _ = write!(
            text,
            " (its last lines; {hidden} lines before them not shown)"
        );
    }
    text += ":";
    let mut previous = None;
    for &i in &shown {
        if previous.is_some_and(|p| p + 1 < i) {
            text += "\n      …";
        }
        previous = Some(i);
        text += &rows[i].render();
    }
    let _ = write!(
        text,
        "\nTo step through the whole run: {}",
        trace_command(test)
    );
    text
}

/// The command that writes the player page of this run.
fn trace_command(test: Option<&str>) -> String {
    let package = env!("CARGO_PKG_NAME");
    let number = package.rsplit('-').next().unwrap_or("1");
    let mut command = format!("cargo run -p course -- trace {number}");
    if let Some(test) = test {
        command += " ";
        command += test;
    }
    if !package.starts_with("exercise-") {
        command += " --package ";
        command += package;
    }
    command
}

/// Lines of a trace, or a block of them repeated `times` times in a row.
#[derive(Debug, PartialEq)]
struct Row<'a> {
    lines: &'a [String],
    times: usize,
}

impl Row<'_> {
    fn render(&self) -> String {
        match (self.lines, self.times) {
            ([line], 1) => format!("\n      {line}"),
            ([line], times) => format!("\n      {line}  ×{times}"),
            (lines, times) => {
                let mut text = format!("\n  {times} times {{");
                for line in lines {
                    text += "\n      ";
                    text += line;
                }
                text + "\n  }"
            }
        }
    }

    fn height(&self) -> usize {
        if self.lines.len() == 1 {
            1
        } else {
            self.lines.len() + 2
        }
    }
}

/// `lines` with each run of a block repeated in a row folded into one row:
/// at each place, the block (of up to [`LONGEST_CYCLE`] lines) whose repeats
/// cover most lines, the shortest one if several do.
fn fold(lines: &[String]) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (mut len, mut times) = (1, 1);
        for k in 1..=LONGEST_CYCLE.min((lines.len() - i) / 2) {
            let block = &lines[i..i + k];
            let mut n = 1;
            while i + (n + 1) * k <= lines.len() && lines[i + n * k..i + (n + 1) * k] == *block {
                n += 1;
            }
            if n >= 2 && n * k > len * times {
                (len, times) = (k, n);
            }
        }
        rows.push(Row {
            lines: &lines[i..i + len],
            times,
        });
        i += len * times;
    }
    rows
}

/// Which rows a message shows: the last ones, up to [`TAIL_LINES`] lines,
/// and the longest fold before them if it repeats 10 times or more (a busy
/// loop that ended a while before the run did).
fn last_rows(rows: &[Row]) -> Vec<usize> {
    let mut shown = Vec::new();
    let mut height = 0;
    for (i, row) in rows.iter().enumerate().rev() {
        if height + row.height() > TAIL_LINES && !shown.is_empty() {
            break;
        }
        height += row.height();
        shown.push(i);
    }
    shown.reverse();
    let loop_before = rows[..shown[0]]
        .iter()
        .enumerate()
        .filter(|(_, r)| r.times >= 10)
        .max_by_key(|(_, r)| r.times * r.lines.len());
    if let Some((i, _)) = loop_before {
        shown.insert(0, i);
    }
    shown
}

/// The test this thread runs for: libtest names each test's thread after
/// the test (not when it runs tests on the main thread, one at a time).
fn test_name() -> Option<String> {
    if let Some(test) = RUN.with(|run| run.borrow().as_ref().map(|r| r.test.clone())) {
        return test;
    }
    let thread = std::thread::current();
    let name = thread.name()?;
    (name != "main" && name != "within").then(|| name.to_string())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the test panicked (with a value that is not a message)".to_string()
    }
}

/// Sets [`QUIET`] on this thread until dropped.
struct Quiet(bool);

impl Quiet {
    fn on() -> Quiet {
        Quiet(QUIET.with(|q| q.replace(true)))
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(self.0));
    }
}

/// Installs, once, a panic hook that leaves the panics of quiet threads to
/// [`within`] (noting where they happened) and prints all others as before.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                return previous(info);
            }
            RUN.with(|run| {
                if let Some(run) = &*run.borrow() {
                    let location = info
                        .location()
                        .map_or_else(|| "an unknown place".to_string(), |l| l.to_string());
                    let message = panic_message(info.payload());
                    let mut seen = run.seen.lock().unwrap_or_else(|e| e.into_inner());
                    seen.panics.push((location, message));
                }
            });
        }));
    });
}

/// Under `course trace` ([`TRACE_DIR_VAR`] set): writes `trace`, long
/// repeats cut (see [`for_the_player`]), as JSON (`Trace::to_json`) to a
/// file named after the test.
fn save(trace: &Trace) {
    let Some(dir) = std::env::var_os(TRACE_DIR_VAR) else {
        return;
    };
    static SAVED: AtomicUsize = AtomicUsize::new(0);
    let test = test_name().unwrap_or_else(|| "a test".to_string());
    let file = std::path::Path::new(&dir).join(format!(
        "{}.{}.{}.json",
        test.replace("::", "."),
        std::process::id(),
        SAVED.fetch_add(1, Ordering::Relaxed)
    ));
    if let Err(e) = std::fs::write(&file, for_the_player(trace).to_json()) {
        eprintln!("could not save the trace to {}: {e}", file.display());
    }
}

/// `trace` with each block of lines repeated more than 3 times in a row kept
/// twice at the start and once at the end, and a note in place of the rest:
/// a busy loop's hundred thousand steps help nobody in the player.
pub fn for_the_player(trace: &Trace) -> Trace {
    let events = trace.events();
    // The index of the event of each line.
    let at: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].line().is_some())
        .collect();
    let lines = trace.lines();
    let mut kept = Vec::with_capacity(events.len());
    let (mut line, mut event) = (0, 0);
    for row in fold(&lines) {
        let (len, times) = (row.lines.len(), row.times);
        if times > 3 {
            // Up to the third repeat, and from the last repeat on.
            let cut_from = at[line + 2 * len];
            let cut_to = at[line + (times - 1) * len];
            kept.extend_from_slice(&events[event..cut_from]);
            kept.push(Event::Note(format!(
                "(the {} above, {} more times: left out here)",
                if len == 1 {
                    "line".to_string()
                } else {
                    format!("{len} lines")
                },
                times - 3
            )));
            event = cut_to;
        }
        line += len * times;
    }
    kept.extend_from_slice(&events[event..]);
    Trace::from(kept)
}
