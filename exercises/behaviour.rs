//! Checks of *how* the exercises' code waits, for the tests of all four
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
//! The margins are wide on purpose, because the tests run in parallel on
//! loaded machines: a task that parks is polled 1 to 3 times in a wait; the
//! tests allow fewer than [`MOST_POLLS`]. A busy-polling task is polled
//! thousands of times in the same wait. A parked executor sleeps for nearly
//! all of the wait; the tests ask for half of it.

// Each exercise's tests use some of these, not all.
#![allow(dead_code)]

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
/// says how to park in the learner's code, `chapter` what to reread.
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
         (chapter \"{chapter}\")"
    );
    assert!(
        waits > 0 && asleep >= waited / 2,
        "{what}: the thread was blocked inside a poll {seen}. While a task waits, the executor \
         should have nothing to run and sleep in the reactor's wait; here the poll itself did \
         not return while it waited, so no other task could run. Never block in a poll \
         function (a socket must be in non-blocking mode, and no std::thread::sleep): return \
         Pending instead. {how} (chapter \"{chapter}\")"
    );
}
