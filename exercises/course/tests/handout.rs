//! A handout as students get it, used as they use it: its README's `cargo
//! test` fails on the exercises not done yet and on nothing else, and
//! passes once they are done (here: filled with the solutions); a busy
//! loop in a student's `poll_read` fails with the student's own trace; and
//! `course trace` writes the player page of that run.
//!
//! The handout leaves this folder out (the tests need `solutions/`).

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{cargo, course, repo, scratch, text};

/// The `-p PACKAGE` of each target cargo lists after `error: N targets
/// failed:` (a `--no-fail-fast` run).
fn failed_packages(output: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .skip_while(|line| !(line.starts_with("error:") && line.contains("failed:")))
        .skip(1)
        .take_while(|line| line.starts_with("    "))
        .filter_map(|line| line.trim().trim_matches('`').strip_prefix("-p "))
        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

/// Each exercise `exercise-N` of the handout with a `solution-N`, given
/// that solution's sources.
fn fill_with_solutions(handout: &Path) -> Vec<String> {
    let mut filled = Vec::new();
    for entry in fs::read_dir(repo().join("solutions")).unwrap() {
        let solution = entry.unwrap().path();
        let name = solution.file_name().unwrap().to_string_lossy().into_owned();
        let Some(n) = name.strip_prefix("solution-") else {
            continue;
        };
        let exercise = handout.join(format!("exercises/exercise-{n}/src"));
        if !exercise.is_dir() {
            continue;
        }
        for file in fs::read_dir(solution.join("src")).unwrap() {
            let file = file.unwrap().path();
            // A solution's program runs the exercise's own (given) one
            // under the solution's name: that file is not the work.
            let source = fs::read_to_string(&file).unwrap();
            if !source.contains("extern crate solution_") {
                fs::copy(&file, exercise.join(file.file_name().unwrap())).unwrap();
            }
        }
        filled.push(format!("exercise-{n}"));
    }
    filled.sort();
    filled
}

#[test]
fn a_handout_fails_only_on_the_exercises_until_they_are_done() {
    let out = scratch("handed-out").join("lesson-11");
    let output = course(&repo(), &["handout", out.to_str().unwrap()]);
    assert!(output.status.success(), "handout failed: {}", text(&output));

    // Its README says what it has, and nothing of what it lacks.
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    for gone in [
        "exercise-check",
        "solutions/check",
        "## For instructors",
        "cargo mutants",
    ] {
        assert!(
            !readme.contains(gone),
            "the handout's README mentions {gone:?}, which the handout does not have"
        );
    }
    assert!(readme.contains("your exercises"), "{readme}");
    assert!(
        !out.join("exercises/course/tests").exists(),
        "the handout has the course tool's integration tests (an instructor's checks)"
    );

    // A fresh handout: `cargo test` fails, on the exercises only, each
    // failure a stub's todo!().
    let fresh = cargo(&out, &["test", "--no-fail-fast", "--color", "never"]);
    assert!(
        !fresh.status.success(),
        "a fresh handout's cargo test passes"
    );
    let failed = failed_packages(&fresh);
    assert!(
        !failed.is_empty(),
        "no failed target listed: {}",
        text(&fresh)
    );
    for package in &failed {
        assert!(
            package.starts_with("exercise-"),
            "a fresh handout's cargo test fails on {package}, not only on the exercises: {}",
            text(&fresh)
        );
    }
    let stdout = String::from_utf8_lossy(&fresh.stdout);
    let sections = stdout.split("\n---- ").skip(1).collect::<Vec<_>>();
    assert!(!sections.is_empty(), "no failure was reported: {stdout}");
    for section in sections {
        assert!(
            section.contains("not yet implemented: exercise-"),
            "a test of a fresh handout fails for another reason than an exercise's todo!():\n\
             ---- {section}"
        );
    }

    // Done: every exercise filled with its solution, and `cargo test` passes.
    let filled = fill_with_solutions(&out);
    assert!(!filled.is_empty(), "no exercise has a solution");
    let done = cargo(&out, &["test", "--no-fail-fast", "--color", "never"]);
    assert!(
        done.status.success(),
        "the handout's cargo test fails with {} done: {}",
        filled.join(", "),
        text(&done)
    );

    // A busy loop in poll_read: the failure shows the run, and names the
    // page that steps through it.
    let lib = out.join("exercises/exercise-1/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    let park = ".set_waker(self.token, Direction::Read, cx.waker());";
    assert!(
        source.contains(park),
        "solution-1's poll_read no longer parks with {park:?}: update this test's mutation"
    );
    // The first one is poll_read's: instead of parking, it wakes itself.
    let busy = source.replacen(
        park,
        ".holds_waker(self.token, Direction::Read, cx.waker());\n\
         cx.waker().wake_by_ref();",
        1,
    );
    fs::write(&lib, busy).unwrap();
    let test = "a_reader_sleeps_until_its_data_comes";
    let run = cargo(
        &out,
        &["test", "-p", "exercise-1", "--color", "never", "--", test],
    );
    let message = text(&run);
    assert!(!run.status.success(), "a busy poll_read passes: {message}");
    for expected in [
        "busy polling",
        "Your run, as the runtime traced it",
        " times {\n      executor: polling task 1\n      executor: task 1 returned Pending\n  }",
        &format!("To step through the whole run: cargo run -p course -- trace 1 {test}"),
    ] {
        assert!(
            message.contains(expected),
            "the failure of a busy poll_read does not show {expected:?}:\n{message}"
        );
    }

    // `course trace`, as the message says: a page over that run.
    let page = out.join("trace.html");
    let traced = course(&out, &["trace", "1", test, "--out", page.to_str().unwrap()]);
    assert!(
        traced.status.success(),
        "course trace failed: {}",
        text(&traced)
    );
    assert!(
        String::from_utf8_lossy(&traced.stdout).contains("file://"),
        "{}",
        text(&traced)
    );
    let html = fs::read_to_string(&page).unwrap();
    for expected in [
        "<div class=\"trace-player\" hidden>",
        "\"steps\": [",
        "Failed:",
        "busy polling",
        "more times: left out here",
        // The player's script, inlined.
        "function build(container)",
    ] {
        assert!(html.contains(expected), "the page lacks {expected:?}");
    }
    for outside in ["<script src", "<link ", "http://", "https://"] {
        assert!(
            !html.contains(outside),
            "the page loads something ({outside:?}): it must open from a file, offline"
        );
    }
}
