//! The course tool run as a learner or an instructor runs it: on small fake
//! courses made here (each exercise in a known state), and on a handout of
//! this repository.
//!
//! Every cargo the tool starts builds into one shared folder under
//! CARGO_TARGET_TMPDIR: a second target dir keeps the outer `cargo test`'s
//! lock free, and sharing it keeps the dependencies built once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// This repository's root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A new empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "course-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("course-tests-target")
}

/// The tool, run in `dir`.
fn course(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("the course binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

/// A course of tiny exercises without dependencies, one per state.
fn fake_course(name: &str, exercises: &[(&str, &str)]) -> PathBuf {
    let root = scratch(name);
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/exercise-*\"]\n",
    );
    for (index, (lib, test)) in exercises.iter().enumerate() {
        let dir = root.join(format!("exercises/exercise-{}", index + 1));
        write(
            &dir.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"exercise-{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                index + 1
            ),
        );
        write(&dir.join("src/lib.rs"), lib);
        write(&dir.join("tests/check.rs"), test);
    }
    root
}

const PASSES: (&str, &str) = (
    "pub fn two() -> u32 { 2 }\n",
    "#[test]\nfn two_is_two() { assert_eq!(exercise_1::two(), 2); }\n",
);
const FAILS_ONE: (&str, &str) = (
    "pub fn three() -> u32 { 4 }\n",
    "#[test]\nfn three_is_three() { assert_eq!(exercise_2::three(), 3); }\n\
     #[test]\nfn three_is_not_zero() { assert_ne!(exercise_2::three(), 0); }\n",
);
const DOES_NOT_COMPILE: (&str, &str) = (
    "pub fn four() -> u32 { \"four\" }\n",
    "#[test]\nfn four_is_four() { assert_eq!(exercise_3::four(), 4); }\n",
);
const STUB: (&str, &str) = (
    "pub fn five() -> u32 {\n    todo!(\"exercise-4: return five\")\n}\n",
    "#[test]\nfn five_is_five() { assert_eq!(exercise_4::five(), 5); }\n",
);

#[test]
fn verify_grades_each_state_and_a_compile_error_is_not_a_crash() {
    let root = fake_course("verify", &[PASSES, FAILS_ONE, DOES_NOT_COMPILE, STUB]);
    let output = course(&root, &["verify", "--json"]);
    let json = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "not everything passes: {}",
        text(&output)
    );
    assert!(json.contains("\"passed\": 1, \"total\": 4"), "{json}");
    for expected in [
        "\"exercise\": \"exercise-1\", \"number\": 1, \"result\": \"passed\", \"passed\": 1, \"failed\": 0",
        "\"exercise\": \"exercise-2\", \"number\": 2, \"result\": \"failing\", \"passed\": 1, \"failed\": 1, \"failed_tests\": [\"three_is_three\"]",
        "\"exercise\": \"exercise-3\", \"number\": 3, \"result\": \"compile error\"",
        "\"exercise\": \"exercise-4\", \"number\": 4, \"result\": \"not started\", \"passed\": 0, \"failed\": 1",
    ] {
        assert!(json.contains(expected), "missing {expected} in\n{json}");
    }
    assert!(
        json.contains("mismatched types at exercises/exercise-3/src/lib.rs:1"),
        "{json}"
    );

    // The same grades as a table, from another folder with --dir.
    let elsewhere = scratch("verify-elsewhere");
    let output = course(&elsewhere, &["verify", "--dir", root.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("exercise-1  passed         1/1"), "{table}");
    assert!(table.contains("exercise-2  failing        1/2"), "{table}");
    assert!(table.contains("exercise-3  compile error  -"), "{table}");
    assert!(table.contains("exercise-4  not started    0/1"), "{table}");
    assert!(table.contains("1 of 4 exercises pass."), "{table}");
}

#[test]
fn status_lists_every_exercise_and_says_what_is_next() {
    let root = fake_course("status", &[PASSES, FAILS_ONE, STUB]);
    let output = course(&root.join("exercises/exercise-2/src"), &["status"]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", text(&output));
    assert!(out.contains("[x] exercise-1  passed (1 test)"), "{out}");
    assert!(
        out.contains("[!] exercise-2  failing: 1 of 2 tests pass"),
        "{out}"
    );
    assert!(out.contains("[ ] exercise-3  not started"), "{out}");
    assert!(
        out.contains("Next: exercise-2 — run `cargo test -p exercise-2`"),
        "{out}"
    );
}

/// A stub of two parts, the first done: one todo!() of two gone, one test
/// of two passing.
const HALF_DONE: (&str, &str) = (
    "pub fn one() -> u32 {\n    1\n}\npub fn two() -> u32 {\n    todo!(\"exercise-1: part 2\")\n}\n",
    "#[test]\nfn one_is_one() { assert_eq!(exercise_1::one(), 1); }\n\
     #[test]\nfn two_is_two() { assert_eq!(exercise_1::two(), 2); }\n",
);

#[test]
fn half_done_work_is_in_progress_never_not_started() {
    let untouched = (
        "pub fn six() -> u32 {\n    todo!(\"exercise-2: return six\")\n}\n",
        "#[test]\nfn six_is_six() { assert_eq!(exercise_2::six(), 6); }\n",
    );
    let root = fake_course("half-done", &[HALF_DONE, untouched]);
    // The record of the stubs as handed out: two todo!() in exercise-1's.
    write(
        &root.join("exercises/course/stubs.txt"),
        "# the stubs\nexercise-1 2\nexercise-2 1\n",
    );

    // Its own target folder: the other fake courses build other crates of
    // the same names into the shared one at the same time.
    let own = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_course"))
            .args(args)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .output()
            .expect("the course binary runs")
    };
    let output = own(&["status"]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        out.contains("[!] exercise-1  in progress: 1 of 2 tests pass, 1 todo!() left"),
        "{out}"
    );
    assert!(out.contains("[ ] exercise-2  not started"), "{out}");
    assert!(
        out.contains("Next: exercise-1 — the next todo!() is at exercises/exercise-1/src/lib.rs:5"),
        "{out}"
    );

    let output = own(&["verify"]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{table}");
    assert!(
        table.contains("exercise-1  in progress  1/2    "),
        "{table}"
    );
    assert!(
        table.contains(
            "1 todo!() left, the first at exercises/exercise-1/src/lib.rs:5; failed: two_is_two"
        ),
        "{table}"
    );
    assert!(table.contains("exercise-2  not started  0/1"), "{table}");
}

#[test]
fn a_hanging_exercise_is_stopped_and_reported() {
    let hangs = (
        "pub fn wait() { loop { std::thread::park(); } }\n",
        "#[test]\nfn returns() { exercise_1::wait(); }\n",
    );
    let root = fake_course("hang", &[hangs]);
    let start = std::time::Instant::now();
    let output = course(&root, &["verify", "--time-limit", "10"]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("exercise-1  timed out"), "{}", text(&output));
    assert!(out.contains("still running after 10 s"), "{out}");
    assert!(
        start.elapsed().as_secs() < 60,
        "the time limit did not stop the run"
    );
}

#[test]
fn hints_one_more_each_time_and_reset_starts_over() {
    let root = fake_course("hint", &[PASSES]);
    write(
        &root.join("exercises/exercise-1/README.md"),
        "# Two\n\n<details>\n<summary>Hint 1: look</summary>\n\nLook at the number.\n</details>\n\n\
         <details>\n<summary>Hint 2: the answer</summary>\n\nReturn 2.\n</details>\n",
    );
    let hint = |args: &[&str]| text(&course(&root, args));
    let first = hint(&["hint", "1"]);
    assert!(first.contains("exercise-1 — hint 1 of 2: look"), "{first}");
    assert!(first.contains("Look at the number."), "{first}");
    let second = hint(&["hint", "exercise-1"]);
    assert!(
        second.contains("hint 2 of 2") && second.contains("Return 2."),
        "{second}"
    );
    assert!(second.contains("That is the last hint"), "{second}");
    assert!(
        hint(&["hint", "1"]).contains("hint 2 of 2"),
        "past the last hint stays on it"
    );
    assert!(hint(&["hint", "1", "--reset"]).contains("start over"));
    assert!(hint(&["hint", "1"]).contains("hint 1 of 2"));
}

#[test]
fn clear_errors_for_unknown_exercise_no_toolchain_and_not_the_course() {
    let root = fake_course("errors", &[PASSES, PASSES]);

    let output = course(&root, &["hint", "7"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("error: there is no exercise 7: this course has exercises 1 and 2"),
        "{}",
        text(&output)
    );

    let output = Command::new(env!("CARGO_BIN_EXE_course"))
        .arg("status")
        .current_dir(&root)
        .env("CARGO", root.join("no-such-cargo"))
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("error: cargo not found"),
        "{}",
        text(&output)
    );

    // Outside every course: CARGO_TARGET_TMPDIR may be inside this one.
    let elsewhere = std::env::temp_dir().join(format!("not-a-course-{}", std::process::id()));
    fs::create_dir_all(&elsewhere).unwrap();
    let output = course(&elsewhere, &["status"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("is not inside the course"),
        "{}",
        text(&output)
    );
    let output = course(&root, &["verify", "--dir", elsewhere.to_str().unwrap()]);
    let _ = fs::remove_dir_all(&elsewhere);
    assert!(
        text(&output).contains("is not inside the course"),
        "{}",
        text(&output)
    );
}

/// `test NAME ... ok|FAILED` lines, sorted: what a learner sees of a run.
fn test_lines(output: &Output) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("test ") && line.contains(" ... "))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

fn cargo_test_exercise_1(dir: &Path) -> Output {
    Command::new(env!("CARGO"))
        .args([
            "test",
            "-p",
            "exercise-1",
            "--no-fail-fast",
            "--color",
            "never",
        ])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .unwrap()
}

#[test]
fn handout_has_no_solutions_and_exercise_1_fails_as_here() {
    let out = scratch("handout").join("lesson-11");
    let output = course(&repo(), &["handout", out.to_str().unwrap()]);
    assert!(output.status.success(), "handout failed: {}", text(&output));

    assert!(
        !out.join("solutions").exists(),
        "the handout has the solutions"
    );
    assert!(
        !out.join("book/walkthroughs").exists(),
        "the handout has the walkthrough pages, which explain the solutions"
    );
    let summary = fs::read_to_string(out.join("book/SUMMARY.md")).unwrap();
    assert!(
        !summary.contains("walkthroughs/"),
        "the handout's SUMMARY.md still lists walkthrough pages:\n{summary}"
    );
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("solutions"), "{manifest}");
    let lock = fs::read_to_string(out.join("Cargo.lock")).unwrap();
    assert!(
        lock.contains("name = \"exercise-1\""),
        "Cargo.lock lost the exercises"
    );
    assert!(
        !lock.contains("name = \"solution-"),
        "Cargo.lock still lists the solutions, so `cargo test --locked` would fail"
    );
    for kept in [
        "book/SUMMARY.md",
        "book.toml",
        "code/src/lib.rs",
        "exercises/exercise-1/src/lib.rs",
    ] {
        assert!(
            out.join(kept).is_file(),
            "{kept} is missing from the handout"
        );
    }

    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("## This copy"),
        "the handout's README does not say what it is"
    );

    // A non-empty folder is refused and left as it was.
    let again = course(&repo(), &["handout", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("is not empty"), "{}", text(&again));

    // Cargo builds there: every target of every package has its file (the
    // course tool is std only, so this takes seconds).
    let build = Command::new(env!("CARGO"))
        .args(["build", "-p", "course", "--offline"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "cargo cannot build in the handout: {}",
        text(&build)
    );

    // The learner's first steps work there.
    let status = course(&out, &["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("[ ] exercise-1  not started"),
        "{}",
        text(&status)
    );

    // Every exercise has hints there (from its README).
    for n in ["1", "2", "3", "4", "5"] {
        let hint = course(&out, &["hint", n]);
        assert!(
            String::from_utf8_lossy(&hint.stdout).contains(&format!("exercise-{n} — hint 1 of ")),
            "{}",
            text(&hint)
        );
    }

    // An instructor grades it: five stubs, five times "not started", no crash.
    let grades = course(
        &repo(),
        &["verify", "--json", "--dir", out.to_str().unwrap()],
    );
    let json = String::from_utf8_lossy(&grades.stdout);
    assert_eq!(grades.status.code(), Some(1), "{}", text(&grades));
    assert!(json.contains("\"passed\": 0, \"total\": 5"), "{json}");
    assert_eq!(
        json.matches("\"result\": \"not started\"").count(),
        5,
        "{json}"
    );

    // `cargo test -p exercise-1` fails with the same tests as in this repository.
    let here = cargo_test_exercise_1(&repo());
    let there = cargo_test_exercise_1(&out);
    assert!(!there.status.success(), "the stub passes in the handout");
    assert!(!here.status.success(), "the stub passes in the repository");
    assert!(
        !test_lines(&there).is_empty(),
        "no tests ran: {}",
        text(&there)
    );
    assert_eq!(test_lines(&here), test_lines(&there));
}
