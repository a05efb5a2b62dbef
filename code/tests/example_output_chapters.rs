//! The output that the chapters "AsyncRead and AsyncWrite" and "A TCP
//! connection's life" show is what their examples print now, and the
//! programs of their quizzes' "what does it print?" questions are the
//! examples, with the answers the examples really print.
//!
//! After an intended change, regenerate the file a failure names with
//! `cargo run -p code --example NAME > code/examples/output/NAME.txt`
//! (for a quiz program, paste the program and its output into the quiz),
//! and reread the page that shows it.

use std::time::Duration;

use code::testing::within;

// Each example's `main` is unused here.
#[path = "../examples/async_read_write.rs"]
#[allow(dead_code)]
mod async_read_write;
#[path = "../examples/async_read_write_quiz.rs"]
#[allow(dead_code)]
mod async_read_write_quiz;
#[path = "../examples/tcp_life_cycle.rs"]
#[allow(dead_code)]
mod tcp_life_cycle;
#[path = "../examples/tcp_life_cycle_quiz.rs"]
#[allow(dead_code)]
mod tcp_life_cycle_quiz;

/// Generous: each example runs in milliseconds, but the machine may be busy.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `run` (bounded in time) and compares what it returns with the
/// committed output file the book includes.
fn check(name: &str, run: fn() -> String) {
    let hint = format!("example {name} hangs: a task that is never woken?");
    let printed = within(LIMIT, &hint, run);
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        printed == expected,
        "example {name} now prints something else than {path}, which the book shows.\n\
         --- book:\n{expected}--- now:\n{printed}\
         If the change is intended: cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

#[test]
fn async_read_write_output() {
    check("async_read_write", async_read_write::run);
}

/// Linux only: the example prints the error kinds Linux reports (macOS and
/// Windows name some of them differently, as the chapter says). The
/// example's own asserts, which hold on all three, run everywhere with the
/// book's tests.
#[cfg(target_os = "linux")]
#[test]
fn tcp_life_cycle_output() {
    check("tcp_life_cycle", tcp_life_cycle::run);
}

/// The quiz's Tracing question about `example` shows the example's program
/// and expects what the program prints.
fn check_quiz(quiz: &str, example: &str, run: fn() -> String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let quiz_path = format!("{root}/../book/quizzes/{quiz}.toml");
    let quiz_text =
        std::fs::read_to_string(&quiz_path).unwrap_or_else(|e| panic!("{quiz_path}: {e}"));
    let example_path = format!("{root}/examples/{example}.rs");
    let source =
        std::fs::read_to_string(&example_path).unwrap_or_else(|e| panic!("{example_path}: {e}"));
    // The program is the file without its `//!` header.
    let program: String = source
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();

    let question = quiz_text
        .split("[[questions]]")
        .find(|q| q.contains("type = \"Tracing\"") && q.contains("fn run() -> String"))
        .unwrap_or_else(|| {
            panic!("{quiz_path} has no Tracing question with the program of {example_path}")
        });
    let shown = literal(question, "prompt.program").unwrap_or_else(|| {
        panic!("{quiz_path}: the Tracing question needs prompt.program = '''...'''")
    });
    assert!(
        shown == program,
        "the program in {quiz_path} is not {example_path} (without its `//!` header): \
         paste the example into the quiz"
    );
    let expected = literal(question, "answer.stdout").unwrap_or_else(|| {
        panic!("{quiz_path}: the Tracing question needs answer.stdout = '''...'''")
    });
    let printed = within(LIMIT, &format!("example {example} hangs"), run);
    assert_eq!(
        expected.trim_end(),
        printed.trim_end(),
        "the answer in {quiz_path} is not what {example_path} prints \
         (cargo run -p code --example {example})"
    );
}

/// The value of `key = '''...'''` (a TOML multi-line literal string, whose
/// first newline is not part of it).
fn literal<'a>(toml: &'a str, key: &str) -> Option<&'a str> {
    let start = toml.find(&format!("{key} = '''\n"))? + key.len() + " = '''\n".len();
    let len = toml[start..].find("'''")?;
    Some(&toml[start..start + len])
}

#[test]
fn async_read_write_quiz_program_prints_the_answer() {
    check_quiz(
        "async-read-write",
        "async_read_write_quiz",
        async_read_write_quiz::run,
    );
}

#[test]
fn tcp_life_cycle_quiz_program_prints_the_answer() {
    check_quiz(
        "tcp-life-cycle",
        "tcp_life_cycle_quiz",
        tcp_life_cycle_quiz::run,
    );
}
