//! Running `cargo test -p exercise-N` with a time limit, and reading what it
//! printed: test names and results, or the compile error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::course::Error;

pub struct Cargo {
    program: PathBuf,
}

/// How one exercise's tests went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed {
        tests: usize,
    },
    /// It built; some tests failed.
    Failing {
        passed: usize,
        failed: Vec<String>,
    },
    /// The learner's code does not compile: the first error, as rustc said it.
    CompileError {
        message: String,
    },
    /// It built and ran, but no test ran: nothing was checked.
    NoTests,
    /// Still running when the time limit came: probably a hang.
    TimedOut {
        limit: Duration,
    },
    /// cargo failed before building (a broken Cargo.toml, no network for a
    /// missing dependency, ...).
    CargoError {
        message: String,
    },
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed { .. })
    }
}

/// An outcome and how long it took (build included).
#[derive(Debug, Clone)]
pub struct Run {
    pub outcome: Outcome,
    pub took: Duration,
}

impl Cargo {
    /// The `cargo` that runs us (`cargo run` sets `$CARGO`), else the one on
    /// the PATH. Checked by running `cargo --version`, so a missing
    /// toolchain is one clear error instead of one per exercise.
    pub fn find() -> Result<Cargo, Error> {
        let program = std::env::var_os("CARGO")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("cargo"));
        let works = Command::new(&program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !works {
            return Err(Error::new(format!(
                "cargo not found (tried `{}`): install the Rust toolchain with rustup, \
                 open a new terminal, and check that `cargo --version` works",
                program.display()
            )));
        }
        Ok(Cargo { program })
    }

    pub fn command(&self) -> Command {
        Command::new(&self.program)
    }

    /// `cargo test -p PACKAGE --no-fail-fast` in `root`, stopped after `limit`.
    pub fn test(&self, root: &Path, package: &str, limit: Duration) -> Run {
        let start = Instant::now();
        let mut command = self.command();
        command
            .args(["test", "-p", package, "--no-fail-fast", "--color", "never"])
            .current_dir(root)
            .stdin(Stdio::null());
        let outcome = match run_with_limit(command, limit) {
            Ok(Finished::Exited {
                success,
                stdout,
                stderr,
            }) => classify(success, &stdout, &stderr),
            Ok(Finished::TimedOut) => Outcome::TimedOut { limit },
            Err(error) => Outcome::CargoError {
                message: format!("could not start cargo: {error}"),
            },
        };
        Run {
            outcome,
            took: start.elapsed(),
        }
    }
}

pub enum Finished {
    Exited {
        success: bool,
        stdout: String,
        stderr: String,
    },
    TimedOut,
}

pub fn run_with_limit(mut command: Command, limit: Duration) -> std::io::Result<Finished> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    // Its own process group, so a timeout stops the test binary that cargo
    // started too, not only cargo.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn()?;
    // Read both pipes while waiting: a child that fills a pipe nobody reads
    // would block forever.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Finished::Exited {
                success: status.success(),
                stdout: stdout.join().unwrap_or_default(),
                stderr: stderr.join().unwrap_or_default(),
            });
        }
        if Instant::now() >= deadline {
            kill_group(&mut child);
            let _ = child.wait();
            return Ok(Finished::TimedOut);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if killed {
            return;
        }
    }
    let _ = child.kill();
}

/// What cargo's output says happened.
pub fn classify(success: bool, stdout: &str, stderr: &str) -> Outcome {
    let results = test_results(stdout);
    let passed = results.iter().filter(|(_, ok)| *ok).count();
    let failed: Vec<String> = results
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| name.clone())
        .collect();
    if stderr.contains("error: could not compile") {
        return Outcome::CompileError {
            message: first_error(stderr),
        };
    }
    if success && passed == 0 {
        return Outcome::NoTests;
    }
    if success {
        return Outcome::Passed { tests: passed };
    }
    if results.is_empty() {
        return Outcome::CargoError {
            message: first_error(stderr),
        };
    }
    Outcome::Failing { passed, failed }
}

/// `(name, passed)` for every `test NAME ... ok|FAILED` line libtest printed.
/// Ignored tests count as neither.
pub fn test_results(stdout: &str) -> Vec<(String, bool)> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, result) = rest.rsplit_once(" ... ")?;
            match result.trim() {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

/// The first `error...` line of cargo's output and the ` --> file:line`
/// under it, which is what a person needs to find the mistake.
fn first_error(stderr: &str) -> String {
    let mut lines = stderr.lines().skip_while(|line| !line.starts_with("error"));
    let Some(first) = lines.next() else {
        return stderr
            .lines()
            .last()
            .unwrap_or("cargo failed")
            .trim()
            .to_string();
    };
    let location = lines
        .take(3)
        .find_map(|line| line.trim_start().strip_prefix("--> "));
    match location {
        Some(location) => format!("{first} at {location}"),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILING: &str = "\
running 3 tests
test echo_round_trip ... FAILED
test read_after_would_block_wakes ... ok
test slow::big ... ignored
test write_zero ... FAILED

test result: FAILED. 1 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out
";

    #[test]
    fn reads_test_lines() {
        assert_eq!(
            test_results(FAILING),
            vec![
                ("echo_round_trip".to_string(), false),
                ("read_after_would_block_wakes".to_string(), true),
                ("write_zero".to_string(), false),
            ]
        );
        assert_eq!(
            classify(false, FAILING, "error: 1 target failed"),
            Outcome::Failing {
                passed: 1,
                failed: vec!["echo_round_trip".into(), "write_zero".into()]
            }
        );
    }

    #[test]
    fn all_ok_is_passed() {
        let out = "test a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed; 0 failed\n";
        assert_eq!(classify(true, out, ""), Outcome::Passed { tests: 2 });
    }

    #[test]
    fn no_tests_is_not_a_pass() {
        let out = "running 0 tests\n\ntest result: ok. 0 passed; 0 failed\n";
        assert_eq!(classify(true, out, ""), Outcome::NoTests);
    }

    #[test]
    fn compile_error_names_the_place() {
        let stderr = "\
   Compiling exercise-1 v0.1.0 (/c/exercises/exercise-1)
error[E0308]: mismatched types
  --> exercises/exercise-1/src/lib.rs:12:9
   |
error: could not compile `exercise-1` (lib) due to 1 previous error
";
        assert_eq!(
            classify(false, "", stderr),
            Outcome::CompileError {
                message: "error[E0308]: mismatched types at exercises/exercise-1/src/lib.rs:12:9"
                    .into()
            }
        );
    }

    #[test]
    fn cargo_failing_early_is_not_a_test_failure() {
        let stderr = "error: failed to parse manifest at `/c/Cargo.toml`\n";
        assert_eq!(
            classify(false, "", stderr),
            Outcome::CargoError {
                message: "error: failed to parse manifest at `/c/Cargo.toml`".into()
            }
        );
    }

    #[test]
    fn a_hang_is_stopped_at_the_limit() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let start = Instant::now();
        let finished = run_with_limit(command, Duration::from_millis(300)).unwrap();
        assert!(matches!(finished, Finished::TimedOut));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the child was not stopped at the limit"
        );
    }
}
