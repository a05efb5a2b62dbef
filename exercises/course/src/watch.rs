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
            if let Some((test, message)) = first {
                println!("\nFirst failure: {test}\n");
                let lines: Vec<&str> = message.lines().collect();
                for line in lines.iter().take(MESSAGE_LINES) {
                    println!("  {line}");
                }
                if lines.len() > MESSAGE_LINES {
                    println!(
                        "  … ({} more lines: `cargo test -p {name} {test}`)",
                        lines.len() - MESSAGE_LINES
                    );
                }
                println!(
                    "\nStuck? `{hint}`. Your run, step by step: `cargo run -p course -- trace {n} {test}`."
                );
            } else {
                println!("Stuck? `{hint}`.");
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
