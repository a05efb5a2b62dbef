//! `course watch` as a learner uses it: on a small fake course, it runs the
//! tests, shows the first failure and the hint, runs them again after a
//! save, sleeps in between, and stops on `q`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{course_command, scratch, write};

/// A first build of the tiny crate and a run, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// The watch process, killed if the test ends before it does.
struct Watching(Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines of `rx` until one contains `wanted`, all of them returned; fails
/// with what came if it does not come in time.
fn until(rx: &mpsc::Receiver<String>, wanted: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(wanted);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(_) => panic!(
                "watch did not print {wanted:?} within {PATIENCE:?}; it printed:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[test]
fn watch_runs_again_on_a_save_shows_the_first_failure_and_stops_on_q() {
    let root = scratch("watch");
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/exercise-*\"]\n",
    );
    let dir = root.join("exercises/exercise-1");
    write(
        &dir.join("Cargo.toml"),
        "[package]\nname = \"exercise-1\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    let lib = dir.join("src/lib.rs");
    write(&lib, "pub fn three() -> u32 { 4 }\n");
    write(
        &dir.join("tests/check.rs"),
        "#[test]\nfn three_is_three() { assert_eq!(exercise_1::three(), 3, \"three is not 3\"); }\n\
         #[test]\nfn three_is_not_zero() { assert_ne!(exercise_1::three(), 0); }\n",
    );

    let child = course_command(&root, &["watch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("course watch starts");
    let mut watching = Watching(child);
    let stdout = watching.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();

    // The first run, with no exercise named: the one there is.
    until(&rx, "Watching exercises/exercise-1", &mut seen);
    let first = seen.join("\n");
    assert!(
        first.contains("== run 1: cargo test -p exercise-1"),
        "{first}"
    );
    assert!(first.contains("exercise-1: 1 of 2 tests pass."), "{first}");
    assert!(first.contains("First failure: three_is_three"), "{first}");
    assert!(first.contains("three is not 3"), "{first}");
    // The hint, and no trace command: this test records no trace, so
    // `trace` would have nothing to show.
    assert!(first.contains("`cargo run -p course -- hint 1`"), "{first}");
    assert!(!first.contains("course -- trace"), "{first}");

    // Waiting, it sleeps: it looks at the files once a second. (Linux
    // only: the CPU time of a process is read from /proc.)
    #[cfg(target_os = "linux")]
    {
        let cpu = |pid: u32| -> u64 {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            // After the command name in parentheses: utime and stime are
            // fields 14 and 15 of the line, 12 and 13 after the ')'.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
        };
        let pid = watching.0.id();
        let before = cpu(pid);
        std::thread::sleep(Duration::from_secs(3));
        let used = cpu(pid) - before;
        // In clock ticks (100 a second): a look a second costs next to
        // nothing; a busy loop uses up to 300, and some tens even on a
        // machine so loaded that it gets a tenth of a core.
        assert!(
            used < 10,
            "watch used {used} clock ticks of CPU in 3 s while nothing changed: it busy-waits"
        );
    }

    // A save (a different size, so that even a coarse clock sees it).
    write(&lib, "pub fn three() -> u32 {\n    3\n}\n");
    seen.clear();
    until(&rx, "Watching exercises/exercise-1", &mut seen);
    let second = seen.join("\n");
    assert!(
        second.contains("== run 2: cargo test -p exercise-1"),
        "{second}"
    );
    assert!(second.contains("exercise-1: all 2 tests pass."), "{second}");
    assert!(second.contains("That was the last exercise"), "{second}");

    // q and Enter: it stops.
    let mut stdin = watching.0.stdin.take().unwrap();
    stdin.write_all(b"q\n").unwrap();
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = watching.0.try_wait().unwrap() {
            assert!(status.success(), "watch ended with {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "watch did not stop on q within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
