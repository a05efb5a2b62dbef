//! The honesty check of the exercises, in the way rustlings' `dev check`
//! keeps its exercises honest. For every N:
//!
//! - `exercise-N` compiles, and **every** test in its `tests/` fails, each
//!   with the `todo!("exercise-N: …")` of the stub (so no test passes
//!   without the learner's work, and none fails for another reason);
//! - `solution-N` passes all of them: the same test names, from the same
//!   source file;
//! - any other test target (e.g. exercise-4's own program) passes in both.
//!
//! Fast enough for CI: one `cargo test --no-run` builds all ten crates in
//! one target directory (so `code` is compiled once), then the test binaries
//! run directly.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

/// The exercises, by number.
const EXERCISES: [u32; 5] = [1, 2, 3, 4, 5];

/// One test binary that cargo built.
#[derive(Debug)]
struct TestBinary {
    /// The crate's directory name: `exercise-1`, `solution-1`, …
    package: String,
    /// `test` for a file in `tests/`, `lib` or `bin` for unit tests.
    kind: String,
    /// The target's name, for messages.
    name: String,
    path: PathBuf,
}

/// What running one test binary showed.
#[derive(Debug, Default)]
struct Outcome {
    passed: BTreeSet<String>,
    failed: BTreeSet<String>,
    /// The binary's whole output, for the failure sections.
    output: String,
    seconds: f64,
    /// It ran longer than `BINARY_LIMIT` and was stopped.
    timed_out: bool,
}

#[test]
fn every_exercise_fails_and_every_solution_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let binaries = build_all(&root);
    let mut problems = Vec::new();
    let mut summary = Vec::new();

    for n in EXERCISES {
        let exercise = format!("exercise-{n}");
        let solution = format!("solution-{n}");
        let stub_message = format!("not yet implemented: exercise-{n}");
        let mut exercise_tests = BTreeSet::new();
        let mut solution_tests = BTreeSet::new();

        for binary in binaries.iter().filter(|b| b.package == exercise) {
            let outcome = run(binary);
            report_timeout(binary, &outcome, &mut problems);
            if binary.kind != "test" {
                // Not the learner's work (e.g. the throughput program's own
                // tests): it must pass before and after.
                require_all_passed(binary, &outcome, &mut problems);
                continue;
            }
            if outcome.passed.is_empty() && outcome.failed.is_empty() {
                problems.push(format!("{exercise}: `{}` ran no tests", binary.name));
            }
            for test in &outcome.passed {
                problems.push(format!(
                    "{exercise}: test `{test}` passes on the unfinished stub, so it cannot tell \
                     a finished exercise from an unfinished one"
                ));
            }
            for test in &outcome.failed {
                if !failure_section(&outcome.output, test).contains(&stub_message) {
                    problems.push(format!(
                        "{exercise}: test `{test}` fails on the stub, but not with \
                         `{stub_message}…`: it fails for another reason (see below)\n{}",
                        failure_section(&outcome.output, test)
                    ));
                }
            }
            exercise_tests.extend(outcome.failed.iter().cloned());
            exercise_tests.extend(outcome.passed.iter().cloned());
            summary.push(format!(
                "{exercise:<12} {:<22} {:>2} of {:>2} tests fail on the stub  ({:.2} s)",
                binary.name,
                outcome.failed.len(),
                outcome.failed.len() + outcome.passed.len(),
                outcome.seconds
            ));
        }

        for binary in binaries.iter().filter(|b| b.package == solution) {
            let outcome = run(binary);
            report_timeout(binary, &outcome, &mut problems);
            require_all_passed(binary, &outcome, &mut problems);
            if binary.kind == "test" {
                // The solution runs the exercise's file as a module, so its
                // test names carry that module's name as a prefix.
                let prefix = format!("exercise_{n}_tests::");
                solution_tests.extend(
                    outcome
                        .passed
                        .iter()
                        .chain(&outcome.failed)
                        .map(|t| t.strip_prefix(&prefix).unwrap_or(t).to_string()),
                );
                summary.push(format!(
                    "{solution:<12} {:<22} {:>2} of {:>2} tests pass            ({:.2} s)",
                    binary.name,
                    outcome.passed.len(),
                    outcome.failed.len() + outcome.passed.len(),
                    outcome.seconds
                ));
            }
        }

        if exercise_tests.is_empty() {
            problems.push(format!("{exercise}: no tests found in its tests/ folder"));
        }
        if exercise_tests != solution_tests {
            problems.push(format!(
                "{solution} does not run the same tests as {exercise}: only in {exercise}: \
                 {:?}; only in {solution}: {:?}. Its tests/ file should be a `#[path]` \
                 module pointing at the exercise's test file.",
                exercise_tests
                    .difference(&solution_tests)
                    .collect::<Vec<_>>(),
                solution_tests
                    .difference(&exercise_tests)
                    .collect::<Vec<_>>()
            ));
        }
    }

    println!("{}", summary.join("\n"));
    assert!(
        problems.is_empty(),
        "the exercises and solutions are out of step:\n\n{}\n",
        problems.join("\n\n")
    );
}

/// Builds the tests of every exercise and solution in one cargo run and
/// returns the test binaries.
fn build_all(root: &Path) -> Vec<TestBinary> {
    // A target directory of its own: the outer `cargo test` holds the lock
    // of the usual one while this test runs.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exercise-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "--no-run", "--locked"])
        .args(["--message-format", "json-render-diagnostics"]);
    for n in EXERCISES {
        command.args([
            "-p",
            &format!("exercise-{n}"),
            "-p",
            &format!("solution-{n}"),
        ]);
    }
    let output = command.output().expect("could not run cargo");
    assert!(
        output.status.success(),
        "cargo could not build the tests of the exercises and solutions (a stub must compile \
         without errors):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("warning"),
        "the exercises and solutions must build without warnings (a learner's first \
         `cargo test` should show only their own):\n{stderr}"
    );

    let mut binaries = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(executable), Some(manifest)) = (
            message["executable"].as_str(),
            message["manifest_path"].as_str(),
        ) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        let package = Path::new(manifest)
            .parent()
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        binaries.push(TestBinary {
            package,
            kind: message["target"]["kind"][0]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            name: message["target"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            path: PathBuf::from(executable),
        });
    }
    binaries
}

/// The longest one test binary may run. Every test in it is bounded by
/// `code::testing::within` (a few seconds), so only a test that escapes
/// that bound gets here; then the check says so instead of hanging.
const BINARY_LIMIT: Duration = Duration::from_secs(120);

/// Runs one test binary and sorts its tests into passed and failed.
fn run(binary: &TestBinary) -> Outcome {
    // Output goes to files, so a chatty binary cannot fill a pipe and stall
    // while we wait for it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exercise-check-output");
    fs::create_dir_all(&dir).expect("could not create the output folder");
    let stdout_path = dir.join(format!("{}-{}.stdout", binary.package, binary.name));
    let stderr_path = dir.join(format!("{}-{}.stderr", binary.package, binary.name));
    let start = Instant::now();
    let mut child = Command::new(&binary.path)
        .args(["--color", "never"])
        .env("RUST_BACKTRACE", "0")
        .stdout(fs::File::create(&stdout_path).expect("could not create an output file"))
        .stderr(fs::File::create(&stderr_path).expect("could not create an output file"))
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", binary.path.display()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("could not wait for a test binary") {
            break Some(status);
        }
        if start.elapsed() > BINARY_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let mut outcome = Outcome {
        output: fs::read_to_string(&stdout_path).unwrap_or_default(),
        seconds: start.elapsed().as_secs_f64(),
        timed_out: status.is_none(),
        ..Outcome::default()
    };
    // libtest prints one line per test: `test NAME ... ok` or `... FAILED`.
    for line in outcome.output.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            outcome.passed.insert(name.to_string());
        } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
            outcome.failed.insert(name.to_string());
        }
    }
    if status.is_some_and(|s| !s.success()) && outcome.failed.is_empty() {
        // Crashed, or failed outside any test: count it as a failure.
        outcome
            .failed
            .insert(format!("({} did not finish normally)", binary.name));
        outcome
            .output
            .push_str(&fs::read_to_string(&stderr_path).unwrap_or_default());
    }
    outcome
}

fn report_timeout(binary: &TestBinary, outcome: &Outcome, problems: &mut Vec<String>) {
    if outcome.timed_out {
        problems.push(format!(
            "{}: `{}` was still running after {BINARY_LIMIT:?} and was stopped: some test in it \
             is not bounded by code::testing::within. Its output so far:\n{}",
            binary.package, binary.name, outcome.output
        ));
    }
}

fn require_all_passed(binary: &TestBinary, outcome: &Outcome, problems: &mut Vec<String>) {
    for test in &outcome.failed {
        problems.push(format!(
            "{}: test `{test}` (in `{}`) fails, but it must pass:\n{}",
            binary.package,
            binary.name,
            failure_section(&outcome.output, test)
        ));
    }
}

/// The part of libtest's output that shows why `test` failed.
fn failure_section<'a>(output: &'a str, test: &str) -> &'a str {
    let header = format!("---- {test} stdout ----");
    let Some(start) = output.find(&header) else {
        return output;
    };
    let rest = &output[start..];
    let body = &rest[header.len()..];
    let end = body
        .find("\n---- ")
        .or_else(|| body.find("\nfailures:\n"))
        .unwrap_or(body.len());
    &rest[..header.len() + end]
}
