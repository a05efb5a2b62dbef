//! What `status` and `verify` print: a list for the learner, a grade table
//! (or JSON) for the instructor.

use std::fmt::Write as _;
use std::path::Path;

use crate::cargo::{Outcome, Run};
use crate::course::{Exercise, Todo};

/// One exercise's line.
pub struct Row {
    pub number: u32,
    pub name: String,
    /// `None` when the tests were not run (`status` skips stubs).
    pub run: Option<Run>,
    pub todos: Vec<Todo>,
    pub outcome: Outcome,
    /// Still the stub as handed out: every `todo!()` of it is there and no
    /// test passes but those that pass on the stub. "not started".
    pub stub: bool,
}

impl Row {
    pub fn not_started(exercise: &Exercise, todos: Vec<Todo>) -> Row {
        Row {
            number: exercise.number,
            name: exercise.name.clone(),
            run: None,
            todos,
            // Not run: with a todo!() left it cannot pass.
            outcome: Outcome::Failing {
                passed: 0,
                failed: Vec::new(),
            },
            stub: true,
        }
    }

    pub fn tested(exercise: &Exercise, run: Run) -> Row {
        Row {
            number: exercise.number,
            name: exercise.name.clone(),
            outcome: run.outcome.clone(),
            run: Some(run),
            todos: Vec::new(),
            stub: false,
        }
    }

    /// A tested row, with `todos` left: still the stub if `untouched` (its
    /// sources have every `todo!()` of the stub) and no more tests pass
    /// than the `tests_in_src` that pass on the stub. Half-done work, with
    /// some `todo!()` gone or some test of the learner's passing, is "in
    /// progress", never "not started".
    pub fn graded(
        exercise: &Exercise,
        run: Run,
        todos: Vec<Todo>,
        untouched: bool,
        tests_in_src: usize,
    ) -> Row {
        let passed = match &run.outcome {
            Outcome::Failing { passed, .. } => Some(*passed),
            _ => None,
        };
        let stub = untouched && passed.is_some_and(|passed| passed <= tests_in_src);
        Row {
            todos,
            stub,
            ..Row::tested(exercise, run)
        }
    }

    /// The word for the result column and the JSON `result` field.
    pub fn result(&self) -> &'static str {
        if self.stub || self.run.is_none() {
            return "not started";
        }
        match self.outcome {
            Outcome::Passed { .. } => "passed",
            Outcome::Failing { .. } if !self.todos.is_empty() => "in progress",
            Outcome::Failing { .. } => "failing",
            Outcome::CompileError { .. } => "compile error",
            Outcome::TimedOut { .. } => "timed out",
            Outcome::NoTests => "no tests",
            Outcome::CargoError { .. } => "cargo error",
        }
    }

    /// "passed/total" when the tests ran.
    fn tests(&self) -> Option<(usize, usize)> {
        self.run.as_ref()?;
        match &self.outcome {
            Outcome::Passed { tests } => Some((*tests, *tests)),
            Outcome::Failing { passed, failed } => Some((*passed, passed + failed.len())),
            _ => None,
        }
    }

    fn note(&self) -> String {
        match &self.outcome {
            _ if self.result() == "not started" => todos_left(&self.todos),
            Outcome::Passed { .. } => String::new(),
            Outcome::Failing { failed, .. } if !self.todos.is_empty() => {
                format!("{}; failed: {}", todos_left(&self.todos), failed.join(", "))
            }
            Outcome::NoTests => "no test ran: the exercise's tests are missing".to_string(),
            Outcome::Failing { failed, .. } => format!("failed: {}", failed.join(", ")),
            Outcome::CompileError { message } | Outcome::CargoError { message } => message.clone(),
            Outcome::TimedOut { limit } => {
                format!(
                    "still running after {} s: something waits forever",
                    limit.as_secs()
                )
            }
        }
    }
}

/// "5 todo!() left, the first at exercises/exercise-1/src/lib.rs:191".
fn todos_left(todos: &[Todo]) -> String {
    match todos.first() {
        Some(todo) => format!(
            "{} todo!() left, the first at {}:{}",
            todos.len(),
            todo.file,
            todo.line
        ),
        None => String::new(),
    }
}

/// The learner's list and what to do next.
pub fn status(rows: &[Row]) -> String {
    let mut text = String::from("Exercises\n\n");
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for row in rows {
        let mark = match row.result() {
            "passed" => "[x]",
            "not started" => "[ ]",
            _ => "[!]",
        };
        let mut detail = row.result().to_string();
        if let Some((passed, total)) = row.tests() {
            if !row.outcome.passed() {
                let _ = write!(detail, ": {passed} of {total} tests pass");
                if !row.todos.is_empty() {
                    let _ = write!(detail, ", {} todo!() left", row.todos.len());
                }
            } else {
                let tests = if total == 1 { "test" } else { "tests" };
                let _ = write!(detail, " ({total} {tests})");
            }
        }
        let _ = writeln!(text, "  {mark} {:width$}  {detail}", row.name);
    }
    let passed = rows.iter().filter(|r| r.result() == "passed").count();
    let _ = writeln!(text, "\n{passed} of {} exercises pass.", rows.len());
    match rows.iter().find(|r| r.result() != "passed") {
        None => text += "All done. The book's part \"Deeper\" is next, if you want more.\n",
        Some(row) => {
            let _ = writeln!(text, "Next: {}", next_step(row));
        }
    }
    text
}

/// The chapter of the book's lesson path that prepares exercise N (the one
/// right before its page in book/SUMMARY.md; a test keeps them in step).
const PREPARED_BY: [&str; 5] = [
    "AsyncTcpStream",
    "Partial reads and writes",
    "An async echo server",
    "copy and throughput",
    "Framing",
];

fn next_step(row: &Row) -> String {
    let readme = format!("exercises/{}/README.md", row.name);
    let hint = format!("`cargo run -p course -- hint {}`", row.number);
    match &row.outcome {
        _ if row.result() == "not started" => {
            let place = row
                .todos
                .first()
                .map(|t| format!("{}:{}", t.file, t.line))
                .unwrap_or_else(|| format!("exercises/{}/src", row.name));
            let chapter = row
                .number
                .checked_sub(1)
                .and_then(|i| PREPARED_BY.get(i as usize))
                .map(|c| format!("read the book up to its chapter \"{c}\" and "))
                .unwrap_or_default();
            format!(
                "{} — {chapter}read {readme}, then replace the todo!() at {place}. \
                 Check with `cargo test -p {}`, or with `cargo run -p course -- watch {}`, \
                 which runs the tests again each time you save; stuck? {hint}.",
                row.name, row.name, row.number
            )
        }
        Outcome::CompileError { message } => format!(
            "{} does not compile: {message}. Run `cargo build -p {}` for the full message.",
            row.name, row.name
        ),
        Outcome::TimedOut { .. } => format!(
            "{} hangs: a future returns Pending without storing a waker, or waits for \
             something that never comes. Run `cargo test -p {}`; stuck? {hint}.",
            row.name, row.name
        ),
        _ if row.result() == "in progress" => format!(
            "{} — the next todo!() is at {}. Run `cargo test -p {}` (or \
             `cargo run -p course -- watch {}`, which runs the tests again each time you save) \
             and read what the failing tests say; stuck? {hint}.",
            row.name,
            row.todos
                .first()
                .map(|t| format!("{}:{}", t.file, t.line))
                .unwrap_or_default(),
            row.name,
            row.number
        ),
        _ => format!(
            "{} — run `cargo test -p {}` (or `cargo run -p course -- watch {}`, which runs \
             the tests again each time you save) and read what the failing tests say; \
             `cargo run -p course -- trace {}` steps through your run; stuck? {hint}.",
            row.name, row.name, row.number, row.number
        ),
    }
}

/// The instructor's grade table.
pub fn grades(rows: &[Row]) -> String {
    let header = ["exercise", "result", "tests", "time", "note"];
    let lines: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.name.clone(),
                row.result().to_string(),
                row.tests()
                    .map(|(passed, total)| format!("{passed}/{total}"))
                    .unwrap_or_else(|| "-".into()),
                row.run
                    .as_ref()
                    .map(|run| format!("{:.1}s", run.took.as_secs_f64()))
                    .unwrap_or_else(|| "-".into()),
                row.note(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut push = |cells: [&str; 5]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                line += cell;
            } else {
                let _ = write!(line, "{cell:w$}  ", w = widths[i]);
            }
        }
        text += line.trim_end();
        text.push('\n');
    };
    push(header);
    for line in &lines {
        push(line.each_ref().map(String::as_str));
    }
    let passed = rows.iter().filter(|r| r.outcome.passed()).count();
    let _ = writeln!(text, "\n{passed} of {} exercises pass.", rows.len());
    text
}

/// The grades as JSON, written by hand (one flat shape; no dependency).
pub fn json(root: &Path, rows: &[Row]) -> String {
    let mut exercises = Vec::new();
    for row in rows {
        let (passed, failed_tests) = match &row.outcome {
            Outcome::Passed { tests } => (*tests, Vec::new()),
            Outcome::Failing { passed, failed } => (*passed, failed.clone()),
            _ => (0, Vec::new()),
        };
        let message = match &row.outcome {
            Outcome::CompileError { message } | Outcome::CargoError { message } => string(message),
            Outcome::TimedOut { .. } | Outcome::NoTests => string(&row.note()),
            _ => "null".to_string(),
        };
        let seconds = row
            .run
            .as_ref()
            .map(|run| format!("{:.1}", run.took.as_secs_f64()))
            .unwrap_or_else(|| "null".into());
        let failed_list: Vec<String> = failed_tests.iter().map(|name| string(name)).collect();
        exercises.push(format!(
            "{{\"exercise\": {}, \"number\": {}, \"result\": {}, \"passed\": {passed}, \
             \"failed\": {}, \"failed_tests\": [{}], \"seconds\": {seconds}, \
             \"message\": {message}, \"todos_left\": {}}}",
            string(&row.name),
            row.number,
            string(row.result()),
            failed_tests.len(),
            failed_list.join(", "),
            row.todos.len(),
        ));
    }
    let passed = rows.iter().filter(|r| r.outcome.passed()).count();
    format!(
        "{{\"course\": {}, \"passed\": {passed}, \"total\": {}, \"exercises\": [\n  {}\n]}}",
        string(&root.display().to_string()),
        rows.len(),
        exercises.join(",\n  ")
    )
}

/// A JSON string literal.
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\r' => out += "\\r",
            '\t' => out += "\\t",
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn exercise(number: u32) -> Exercise {
        Exercise {
            number,
            name: format!("exercise-{number}"),
            dir: PathBuf::new(),
        }
    }

    fn rows() -> Vec<Row> {
        let run = |outcome| Run {
            outcome,
            took: Duration::from_millis(1500),
        };
        vec![
            Row::tested(&exercise(1), run(Outcome::Passed { tests: 4 })),
            Row::tested(
                &exercise(2),
                run(Outcome::Failing {
                    passed: 3,
                    failed: vec!["write_zero".into(), "early_eof".into()],
                }),
            ),
            Row::tested(
                &exercise(3),
                run(Outcome::CompileError {
                    message: "error[E0308]: mismatched \"types\"".into(),
                }),
            ),
            Row::not_started(
                &exercise(4),
                vec![Todo {
                    file: "exercises/exercise-4/src/lib.rs".into(),
                    line: 7,
                }],
            ),
        ]
    }

    /// A learner's checkout as the instructor chapter shows it.
    fn example_rows(run_stubs: bool) -> Vec<Row> {
        let run = |outcome, millis| Run {
            outcome,
            took: Duration::from_millis(millis),
        };
        let todo = Todo {
            file: "exercises/exercise-4/src/lib.rs".into(),
            line: 28,
        };
        let mut stub = Row::not_started(&exercise(4), vec![todo]);
        if run_stubs {
            let failed = (1..=8).map(|i| format!("test_{i}")).collect();
            stub.run = Some(run(Outcome::Failing { passed: 0, failed }, 2700));
            stub.outcome = stub.run.as_ref().unwrap().outcome.clone();
        }
        vec![
            Row::tested(&exercise(1), run(Outcome::Passed { tests: 7 }, 4200)),
            Row::tested(
                &exercise(2),
                run(
                    Outcome::Failing {
                        passed: 8,
                        failed: vec![
                            "read_exact_fails_with_unexpected_eof_when_the_stream_ends_early"
                                .into(),
                            "write_all_fails_with_write_zero_when_the_writer_takes_nothing".into(),
                        ],
                    },
                    3100,
                ),
            ),
            Row::tested(
                &exercise(3),
                run(
                    Outcome::CompileError {
                        message:
                            "error[E0308]: mismatched types at exercises/exercise-3/src/lib.rs:24:9"
                                .into(),
                    },
                    900,
                ),
            ),
            stub,
        ]
    }

    /// The book's chapter "For instructors" includes these files: what it
    /// shows is what the tool prints.
    /// After a deliberate change of format, `COURSE_BLESS=1 cargo test -p
    /// course` rewrites the files (then read the diff).
    #[test]
    fn the_books_examples_are_what_the_tool_prints() {
        let examples = [
            (
                "status.txt",
                status(&example_rows(false)),
                include_str!("../output/status.txt"),
            ),
            (
                "grades.txt",
                grades(&example_rows(true)),
                include_str!("../output/grades.txt"),
            ),
        ];
        for (file, printed, committed) in examples {
            if std::env::var_os("COURSE_BLESS").is_some() {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("output")
                    .join(file);
                std::fs::write(path, &printed).unwrap();
            } else {
                assert_eq!(
                    printed, committed,
                    "output/{file} is not what the tool prints"
                );
            }
        }
    }

    #[test]
    fn status_list_and_next_step() {
        let text = status(&rows());
        assert!(text.contains("[x] exercise-1  passed (4 tests)"), "{text}");
        assert!(
            text.contains("[!] exercise-2  failing: 3 of 5 tests pass"),
            "{text}"
        );
        assert!(text.contains("[!] exercise-3  compile error"), "{text}");
        assert!(text.contains("[ ] exercise-4  not started"), "{text}");
        assert!(text.contains("1 of 4 exercises pass."), "{text}");
        assert!(
            text.contains("Next: exercise-2 — run `cargo test -p exercise-2`"),
            "{text}"
        );
    }

    #[test]
    fn each_exercise_is_prepared_by_the_chapter_before_its_page() {
        let summary = include_str!("../../../book/SUMMARY.md");
        let lines: Vec<&str> = summary.lines().collect();
        for (i, chapter) in PREPARED_BY.iter().enumerate() {
            let page = format!("(exercises/exercise-{}.md)", i + 1);
            let at = lines
                .iter()
                .position(|l| l.contains(&page))
                .unwrap_or_else(|| panic!("SUMMARY.md has no {page}"));
            assert!(
                at > 0 && lines[at - 1].contains(&format!("[{chapter}]")),
                "SUMMARY.md: the chapter before exercise {} is not \"{chapter}\": {}",
                i + 1,
                lines[at.saturating_sub(1)]
            );
        }
    }

    #[test]
    fn next_step_of_a_stub_points_at_the_todo() {
        let rows = rows();
        let step = next_step(&rows[3]);
        assert!(
            step.contains("replace the todo!() at exercises/exercise-4/src/lib.rs:7"),
            "{step}"
        );
    }

    /// Half-done work is never "not started": not with a todo!() gone, not
    /// with more tests passing than pass on the stub.
    #[test]
    fn a_changed_stub_is_in_progress() {
        let run = |passed| Run {
            outcome: Outcome::Failing {
                passed,
                failed: vec!["part_2".into()],
            },
            took: Duration::from_millis(100),
        };
        let todos = || {
            vec![Todo {
                file: "exercises/exercise-1/src/lib.rs".into(),
                line: 191,
            }]
        };
        let untouched = Row::graded(&exercise(1), run(2), todos(), true, 2);
        assert_eq!(untouched.result(), "not started");
        let todo_gone = Row::graded(&exercise(1), run(0), todos(), false, 2);
        assert_eq!(todo_gone.result(), "in progress");
        let a_test_passes = Row::graded(&exercise(1), run(3), todos(), true, 2);
        assert_eq!(a_test_passes.result(), "in progress");
        assert_eq!(
            a_test_passes.note(),
            "1 todo!() left, the first at exercises/exercise-1/src/lib.rs:191; failed: part_2"
        );
        let text = status(&[a_test_passes]);
        assert!(
            text.contains("[!] exercise-1  in progress: 3 of 4 tests pass, 1 todo!() left"),
            "{text}"
        );
        let done = Row::graded(&exercise(1), run(3), Vec::new(), false, 2);
        assert_eq!(done.result(), "failing");
    }

    #[test]
    fn grade_table_columns() {
        let text = grades(&rows());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "exercise    result         tests  time  note");
        assert_eq!(lines[1], "exercise-1  passed         4/4    1.5s");
        assert_eq!(
            lines[2],
            "exercise-2  failing        3/5    1.5s  failed: write_zero, early_eof"
        );
        assert!(lines[3].starts_with("exercise-3  compile error  -      1.5s  error[E0308]"));
        assert!(lines[4].starts_with("exercise-4  not started    -      -     1 todo!() left"));
        assert!(text.ends_with("1 of 4 exercises pass.\n"));
    }

    #[test]
    fn json_escapes_and_shape() {
        let text = json(Path::new("/c"), &rows());
        assert!(text.starts_with("{\"course\": \"/c\", \"passed\": 1, \"total\": 4"));
        assert!(text.contains(
            "\"exercise\": \"exercise-2\", \"number\": 2, \"result\": \"failing\", \"passed\": 3, \
             \"failed\": 2, \"failed_tests\": [\"write_zero\", \"early_eof\"], \"seconds\": 1.5"
        ));
        assert!(text.contains("\"message\": \"error[E0308]: mismatched \\\"types\\\"\""));
        assert!(text.contains("\"result\": \"not started\""));
        assert_eq!(string("a\nb\u{1}"), "\"a\\nb\\u0001\"");
    }
}
