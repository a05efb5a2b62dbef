//! `watch [N]`: runs exercise N's tests, then again each time its files
//! change, and shows the first failure and what to run next. `q` and Enter
//! (or Ctrl-C) stop it.
//!
//! It looks at the exercise's files once a second (their sizes and times):
//! between looks it sleeps, so it never keeps a core busy. A file-watching
//! library (inotify, kqueue, ReadDirectoryChangesW) would notice a save
//! sooner, but would cost this tool its promise of building from std alone
//! in about a second, and the learner waits for `cargo test` far longer
//! than for the next look. A save is run once it has settled (no change
//! between two looks), so an editor that writes a file in steps starts one
//! run, not several.

use std::collections::BTreeMap;
use std::fs;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, SystemTime};

use crate::cargo::{Cargo, Finished, Outcome, classify, run_with_limit, test_results};
use crate::course::{Course, Error, Exercise, io_error};
use crate::trace::failure_messages;

/// How often the files are looked at.
pub const LOOK_EVERY: Duration = Duration::from_secs(1);

/// One run of the tests may take this long (a first build included).
const LIMIT: Duration = Duration::from_secs(300);

/// At most this many lines of a failure message are shown.
const MESSAGE_LINES: usize = 30;

/// What the exercise's files look like: size and modification time of each.
type Snapshot = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// The exercise `watch` follows when none is named: the first with a
/// `todo!()` left, else the last one.
pub fn default_exercise(course: &Course) -> Result<&Exercise, Error> {
    for exercise in &course.exercises {
        if !exercise.todos()?.is_empty() {
            return Ok(exercise);
        }
    }
    Ok(course.exercises.last().expect("a course has exercises"))
}

/// Runs until `q` is typed (or stdin says so), or forever.
pub fn run(course: &Course, cargo: &Cargo, exercise: &Exercise) -> Result<(), Error> {
    let quit = quit_on_q();
    let mut runs = 0;
    loop {
        let before = snapshot(&exercise.dir)?;
        runs += 1;
        report(course, cargo, exercise, runs);
        println!(
            "\nWatching {} for changes (q and Enter to stop) ...",
            relative(&course.root, &exercise.dir)
        );
        // Until a change has settled: two looks in a row that see the same
        // files, different from the run's.
        let mut last = before.clone();
        loop {
            match quit.recv_timeout(LOOK_EVERY) {
                Ok(()) => return Ok(()),
                Err(RecvTimeoutError::Timeout) => {}
                // No stdin to read (closed): only Ctrl-C stops the tool.
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(LOOK_EVERY),
            }
            let now = snapshot(&exercise.dir)?;
            let settled = now == last;
            last = now;
            if settled && last != before {
                break;
            }
        }
    }
}

/// One run of the tests, and what it says.
fn report(course: &Course, cargo: &Cargo, exercise: &Exercise, runs: usize) {
    let name = &exercise.name;
    let n = exercise.number;
    println!("\n== run {runs}: cargo test -p {name}");
    let mut command = cargo.command();
    command
        .args(["test", "-p", name, "--no-fail-fast", "--color", "never"])
        .current_dir(&course.root)
        .stdin(Stdio::null());
    let (outcome, stdout) = match run_with_limit(command, LIMIT) {
        Ok(Finished::Exited {
            success,
            stdout,
            stderr,
        }) => (classify(success, &stdout, &stderr), stdout),
        Ok(Finished::TimedOut) => (Outcome::TimedOut { limit: LIMIT }, String::new()),
        Err(e) => {
            println!("could not start cargo: {e}");
            return;
        }
    };
    let hint = format!("cargo run -p course -- hint {n}");
    match outcome {
        Outcome::Passed { tests } => {
            println!("{name}: all {tests} tests pass.");
            let next = course.exercises.iter().find(|e| e.number > n);
            match next {
                Some(next) => println!(
                    "Next: {} — `cargo run -p course -- watch {}`",
                    next.name, next.number
                ),
                None => println!("That was the last exercise: `cargo run -p course -- status`."),
            }
        }
        Outcome::Failing { passed, failed } => {
            println!("{name}: {passed} of {} tests pass.", passed + failed.len());
            let results = test_results(&stdout);
            let messages = failure_messages(&stdout);
            // The first failing test in the order the tests ran.
            let first = results
                .iter()
                .find(|(_, ok)| !ok)
                .and_then(|(test, _)| messages.iter().find(|(t, _)| t == test))
                .or(messages.first());
            match first {
                Some((test, message)) => print!("{}", failure(name, test, message, &hint)),
                None => println!("Stuck? `{hint}`."),
            }
        }
        Outcome::CompileError { message } => {
            println!("{name} does not compile: {message}");
            println!("`cargo build -p {name}` shows the whole message.");
        }
        Outcome::TimedOut { limit } => println!(
            "{name}'s tests were still running after {} s: something waits forever. \
             `cargo test -p {name}` shows which test; stuck? `{hint}`.",
            limit.as_secs()
        ),
        Outcome::NoTests => println!("{name}: no test ran (are its tests missing?)."),
        Outcome::CargoError { message } => println!("cargo failed: {message}"),
    }
}

/// The line of an exercise's failure message that gives the `trace`
/// command (`exercises/behaviour.rs` ends a message with it when the test
/// recorded a trace with lines, and only then: else `trace` has nothing to
/// show).
const TRACE_LINE: &str = "To step through the whole run: ";

/// The first failure, its message cut to [`MESSAGE_LINES`], and what to run
/// next: the trace command only if the message gives one (shown once, and
/// also when the cut left it out), the hint always.
fn failure(name: &str, test: &str, message: &str, hint: &str) -> String {
    let mut text = format!("\nFirst failure: {test}\n\n");
    let lines: Vec<&str> = message.lines().collect();
    for line in lines.iter().take(MESSAGE_LINES) {
        text += &format!("  {line}\n");
    }
    if lines.len() > MESSAGE_LINES {
        text += &format!(
            "  … ({} more lines: `cargo test -p {name} {test}`)\n",
            lines.len() - MESSAGE_LINES
        );
        if let Some(trace) = lines[MESSAGE_LINES..]
            .iter()
            .find(|line| line.starts_with(TRACE_LINE))
        {
            text += &format!("\n{trace}\n");
        }
    }
    text += &format!("\nStuck? `{hint}`.\n");
    text
}

/// A channel that gets `()` when a line `q` (or `quit`) is typed.
fn quit_on_q() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if matches!(line.trim(), "q" | "quit") {
                let _ = tx.send(());
                break;
            }
        }
    });
    rx
}

/// Every file under `dir` but build output, with its size and time.
fn snapshot(dir: &Path) -> Result<Snapshot, Error> {
    let mut files = Snapshot::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(|e| io_error("read", &dir, e))?;
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if entry.file_name() != "target" {
                    todo.push(path);
                }
            } else {
                files.insert(path, (meta.len(), meta.modified().ok()));
            }
        }
    }
    Ok(files)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINT: &str = "cargo run -p course -- hint 1";

    #[test]
    fn a_failure_without_a_trace_suggests_no_trace_command() {
        let message = "not yet implemented: exercise-1: poll_recv_from (README, part 2)";
        let text = failure("exercise-1", "async_udp_socket::echo", message, HINT);
        assert!(!text.contains("course -- trace"), "{text}");
        assert!(
            text.contains("Stuck? `cargo run -p course -- hint 1`."),
            "{text}"
        );
    }

    #[test]
    fn the_trace_command_of_a_message_is_shown_once() {
        let command = "cargo run -p course -- trace 1 poll_read_parks";
        let message =
            format!("poll_read was polled 4000 times\n\nYour run:\n  x\n{TRACE_LINE}{command}");
        let text = failure("exercise-1", "poll_read_parks", &message, HINT);
        assert_eq!(text.matches(command).count(), 1, "{text}");

        // Cut off with the end of a long message: shown after the cut.
        let long = format!(
            "{}{TRACE_LINE}{command}",
            "a line\n".repeat(MESSAGE_LINES + 5)
        );
        let text = failure("exercise-1", "poll_read_parks", &long, HINT);
        assert!(text.contains("more lines"), "{text}");
        assert_eq!(text.matches(command).count(), 1, "{text}");
    }
}
