//! Checks over every quiz (`book/quizzes/*.toml`, shown by mdbook-quiz at
//! the end of each chapter):
//! - every question is well formed and explains its answer (`context`);
//! - the right option cannot be guessed from its length: in at most a third
//!   of the multiple-choice questions it is the longest option, and in at
//!   most a third the shortest;
//! - no two questions ask the same thing (their prompts share few words);
//! - each chapter's quiz is the last thing in it, under `## Check yourself`;
//! - what a question shows or expects of a program is what the program
//!   prints. A `Tracing` question's program is an example in `code/examples`,
//!   run here, and its expected output is what it prints. A prompt that
//!   quotes output in a ```` ```text ```` block quotes it exactly from a
//!   committed output (`code/examples/output/`: the `.txt` files, which
//!   `code/tests/example_output*.rs` keep equal to what the examples print,
//!   and the trace player's recordings, which `code/tests/recorded_runs.rs`
//!   keeps equal to new runs); if the block has a blank `___`, the right
//!   answers fill it to give those lines and no wrong one does; if the prompt
//!   asks which line "comes next", the right answer is the line that follows
//!   in the output and no wrong one is.
//!
//! `cargo test -p book-tests --test quizzes -- --nocapture` prints the
//! questions counted by type.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

// The programs of the `Tracing` questions (std only: mdbook-quiz compiles
// them with plain `rustc`). Their `main`s are unused here.
#[path = "../../examples/async_read_write_quiz.rs"]
#[allow(dead_code)]
mod async_read_write_quiz;
#[path = "../../examples/drive_through_quiz.rs"]
#[allow(dead_code)]
mod drive_through_quiz;
#[path = "../../examples/tcp_life_cycle_quiz.rs"]
#[allow(dead_code)]
mod tcp_life_cycle_quiz;

/// Runs a quiz program and returns what it prints.
type Run = fn() -> String;

/// Each quiz program, by its file in `code/examples`, and what runs it.
const PROGRAMS: [(&str, Run); 3] = [
    ("async_read_write_quiz", async_read_write_quiz::run),
    ("drive_through_quiz", drive_through_quiz::run),
    ("tcp_life_cycle_quiz", tcp_life_cycle_quiz::run),
];

/// Chapters that show output but whose quiz need not ask about it, and why.
const NO_PREDICTION_NEEDED: [(&str, &str); 0] = [];

/// Two prompts that share this share of their words ask the same thing.
const SAME_QUESTION: f64 = 0.4;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One question, with where it is.
struct Question {
    quiz: String,
    number: usize,
    table: Table,
}

impl Question {
    fn name(&self) -> String {
        format!("book/quizzes/{}.toml, question {}", self.quiz, self.number)
    }

    fn kind(&self) -> &str {
        self.table["type"].as_str().unwrap_or("")
    }

    fn get(&self, path: &str) -> Option<&Value> {
        let mut value: Option<&Value> = None;
        for key in path.split('.') {
            value = match value {
                None => self.table.get(key),
                Some(v) => v.get(key),
            };
        }
        value
    }

    fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// The right answers (one, or several for a multi-answer question).
    fn answers(&self) -> Vec<String> {
        match self.get("answer.answer") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn distractors(&self) -> Vec<String> {
        match self.get("prompt.distractors") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn quizzes() -> Vec<(String, Vec<Question>)> {
    let dir = root().join("book/quizzes");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "only {} quizzes in {}",
        files.len(),
        dir.display()
    );
    files
        .iter()
        .map(|path| {
            let quiz = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(path).unwrap();
            let table: Table = text
                .parse()
                .unwrap_or_else(|e| panic!("{}: not valid TOML: {e}", path.display()));
            let questions = table["questions"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no [[questions]]", path.display()))
                .iter()
                .enumerate()
                .map(|(i, q)| Question {
                    quiz: quiz.clone(),
                    number: i + 1,
                    table: q.as_table().expect("a question is a table").clone(),
                })
                .collect();
            (quiz, questions)
        })
        .collect()
}

fn all_questions() -> Vec<Question> {
    quizzes().into_iter().flat_map(|(_, q)| q).collect()
}

#[test]
fn every_question_is_well_formed_and_explains_its_answer() {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut multi = 0;
    let questions = all_questions();
    for q in &questions {
        let name = q.name();
        *counts.entry(q.kind().to_string()).or_default() += 1;
        match q.text("context") {
            Some(c) if c.trim().len() >= 40 => {}
            _ => problems.push(format!("{name}: no explanation (`context`) of the answer")),
        }
        match q.text("id") {
            Some(id) if ids.insert(id.to_string()) => {}
            Some(id) => problems.push(format!("{name}: id {id} is used twice")),
            None => problems.push(format!("{name}: no id")),
        }
        match q.kind() {
            "MultipleChoice" => {
                let (answers, distractors) = (q.answers(), q.distractors());
                if answers.len() > 1 {
                    multi += 1;
                }
                if answers.is_empty() || distractors.is_empty() {
                    problems.push(format!("{name}: needs answers and distractors"));
                }
                let all: Vec<&String> = answers.iter().chain(&distractors).collect();
                let unique: HashSet<&String> = all.iter().copied().collect();
                if unique.len() != all.len() {
                    problems.push(format!("{name}: an option appears twice"));
                }
                if q.text("prompt.prompt").is_none_or(|p| p.trim().is_empty()) {
                    problems.push(format!("{name}: no prompt"));
                }
            }
            "ShortAnswer" => {
                if q.text("answer.answer").is_none_or(|a| a.trim().is_empty()) {
                    problems.push(format!("{name}: no answer"));
                }
            }
            "Tracing" => {
                if q.text("prompt.program").is_none() {
                    problems.push(format!("{name}: no program"));
                }
            }
            other => problems.push(format!("{name}: unknown type {other:?}")),
        }
    }
    eprintln!(
        "{} questions: {counts:?}, of which {multi} multiple-choice with several right answers",
        questions.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_right_option_cannot_be_guessed_from_its_length() {
    let mut longest = Vec::new();
    let mut shortest = Vec::new();
    let mut total = 0;
    for q in all_questions()
        .iter()
        .filter(|q| q.kind() == "MultipleChoice")
    {
        total += 1;
        let len = |s: &String| s.chars().count();
        let answers: Vec<usize> = q.answers().iter().map(len).collect();
        let distractors: Vec<usize> = q.distractors().iter().map(len).collect();
        let (a_max, d_max) = (answers.iter().max(), distractors.iter().max());
        let (a_min, d_min) = (answers.iter().min(), distractors.iter().min());
        if a_max > d_max {
            longest.push(q.name());
        }
        if a_min < d_min {
            shortest.push(q.name());
        }
    }
    eprintln!(
        "multiple choice: {total}; the right option is the longest in {}, the shortest in {}",
        longest.len(),
        shortest.len()
    );
    assert!(total >= 30, "only {total} multiple-choice questions");
    assert!(
        longest.len() * 3 <= total,
        "the right option is the longest one in {} of {total} multiple-choice questions \
         (at most a third may be): shorten it or lengthen a distractor in some of\n{}",
        longest.len(),
        longest.join("\n")
    );
    assert!(
        shortest.len() * 3 <= total,
        "the right option is the shortest one in {} of {total} multiple-choice questions \
         (at most a third may be):\n{}",
        shortest.len(),
        shortest.join("\n")
    );
}

/// The words of a prompt that say what it asks (no code, no small words).
fn words(text: &str) -> HashSet<String> {
    const SMALL: &[&str] = &[
        "the", "and", "that", "this", "what", "which", "why", "does", "with", "for", "from",
        "when", "how", "are", "was", "can", "their", "there", "its", "not", "but", "has", "have",
        "into", "one", "two", "then", "than", "pick", "every",
    ];
    let mut plain = String::new();
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            plain.push(c.to_ascii_lowercase());
        }
    }
    plain
        .split(|c: char| !(c.is_ascii_alphabetic() || c == '_' || c == '\''))
        .filter(|w| w.len() > 2 && !SMALL.contains(w))
        .map(String::from)
        .collect()
}

#[test]
fn no_two_questions_ask_the_same_thing() {
    let questions: Vec<(String, HashSet<String>)> = all_questions()
        .iter()
        .filter_map(|q| Some((q.name(), words(q.text("prompt.prompt")?))))
        .collect();
    let mut same = Vec::new();
    for (i, (a, wa)) in questions.iter().enumerate() {
        for (b, wb) in &questions[i + 1..] {
            let shared = wa.intersection(wb).count() as f64;
            let all = wa.union(wb).count().max(1) as f64;
            if shared / all >= SAME_QUESTION {
                same.push(format!(
                    "{a}\n  and {b} ({:.0}% of their words)",
                    100.0 * shared / all
                ));
            }
        }
    }
    assert!(
        same.is_empty(),
        "these questions ask nearly the same thing; merge them or ask something else:\n{}",
        same.join("\n")
    );
}

#[test]
fn each_chapter_ends_with_its_quiz_under_check_yourself() {
    let quizzes: Vec<String> = quizzes().into_iter().map(|(name, _)| name).collect();
    let mut problems = Vec::new();
    let mut used = HashSet::new();
    for entry in fs::read_dir(root().join("book")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let uses: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("{{#quiz"))
            .collect();
        if uses.is_empty() {
            continue;
        }
        let chapter = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = format!("## Check yourself\n\n{{{{#quiz quizzes/{chapter}.toml}}}}");
        // A chapter that prepares an exercise ends, after its quiz, by sending
        // the reader to it (tests/lesson_path.rs checks that section).
        let body = match text.rfind("\n## Now: exercise ") {
            Some(at) => &text[..at],
            None => &text[..],
        };
        if uses.len() != 1 || !body.trim_end().ends_with(&expected) {
            problems.push(format!(
                "{}: should end with\n{expected}\n(one quiz, the chapter's own, under that \
                 heading, and nothing after it but a `## Now: exercise N` section)",
                path.display()
            ));
        }
        used.insert(chapter);
    }
    for quiz in &quizzes {
        if !used.contains(quiz) {
            problems.push(format!("book/quizzes/{quiz}.toml: no chapter shows it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A committed output, as lines to look quoted lines up in.
struct Output {
    name: String,
    lines: Vec<String>,
}

/// A line as compared: the line number of a numbered trace, the indentation
/// and runs of spaces (column alignment) do not count.
fn normal(line: &str) -> String {
    let line = line.trim();
    let line = match line.split_once("  ") {
        Some((number, rest)) if number.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => line,
    };
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every committed output: the examples' `.txt` files, and the lines of the
/// trace player's recordings (`"line": "..."` in the `.player.json` files).
fn outputs() -> Vec<Output> {
    let dir = root().join("code/examples/output");
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let lines = if name.ends_with(".player.json") {
            text.lines()
                .filter_map(|l| l.trim_start().strip_prefix("{\"line\": \""))
                .filter_map(|l| l.split_once("\", \"actor\"").map(|(line, _)| line))
                .map(|l| normal(&l.replace("\\\"", "\"").replace("\\u003c", "<")))
                .collect()
        } else {
            text.lines().map(normal).collect()
        };
        found.push(Output { name, lines });
    }
    assert!(
        found.len() >= 15,
        "only {} outputs in {}",
        found.len(),
        dir.display()
    );
    found
}

/// Where `block` appears, line for line, in the outputs: (output, index of
/// the line after it).
fn find<'a>(outputs: &'a [Output], block: &[String]) -> Vec<(&'a Output, usize)> {
    let mut at = Vec::new();
    for output in outputs {
        for start in 0..output.lines.len() {
            if output.lines[start..].starts_with(block) {
                at.push((output, start + block.len()));
            }
        }
    }
    at
}

/// The ```text blocks of a prompt, as lines.
fn text_blocks(prompt: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in prompt.lines() {
        match (&mut current, line.trim()) {
            (None, "```text") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => block.push(line.to_string()),
            (None, _) => {}
        }
    }
    blocks
}

/// An option as the reader sees it, without the backquotes around code.
fn plain(option: &str) -> String {
    option.trim().trim_matches('`').trim().to_string()
}

#[test]
fn what_a_question_shows_or_expects_of_a_program_is_what_it_prints() {
    let outputs = outputs();
    let mut problems = Vec::new();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for q in all_questions() {
        let name = q.name();
        if q.kind() == "Tracing" {
            let program = q.text("prompt.program").unwrap_or("");
            let Some((example, run)) = PROGRAMS.iter().find(|(example, _)| {
                let path = root().join(format!("code/examples/{example}.rs"));
                let source = fs::read_to_string(path).unwrap();
                // The quiz shows the file without its `//!` header.
                let body: String = source
                    .lines()
                    .skip_while(|l| l.starts_with("//!") || l.is_empty())
                    .map(|l| format!("{l}\n"))
                    .collect();
                body == program
            }) else {
                problems.push(format!(
                    "{name}: its program is none of the quiz programs in code/examples \
                     ({}): put it there, without a `//!` header in the quiz",
                    PROGRAMS.map(|(e, _)| e).join(", ")
                ));
                continue;
            };
            let printed = run();
            let expected = q.text("answer.stdout").unwrap_or("");
            if printed.trim_end() != expected.trim_end() {
                problems.push(format!(
                    "{name}: answer.stdout is not what code/examples/{example}.rs prints:\n{printed}"
                ));
            }
            *checked.entry(q.quiz.clone()).or_default() += 1;
            continue;
        }
        let prompt = q.text("prompt.prompt").unwrap_or("");
        for block in text_blocks(prompt) {
            let (right, wrong): (Vec<String>, Vec<String>) = match q.kind() {
                "ShortAnswer" => (
                    vec![q.text("answer.answer").unwrap_or("").to_string()],
                    vec![],
                ),
                _ => (q.answers(), q.distractors()),
            };
            if block.iter().any(|l| l.contains("___")) {
                // Fill in the blank: only the right answers give real lines.
                let filled = |option: &str| -> Vec<String> {
                    block
                        .iter()
                        .map(|l| normal(&l.replace("___", &plain(option))))
                        .collect()
                };
                for option in &right {
                    if find(&outputs, &filled(option)).is_empty() {
                        problems.push(format!(
                            "{name}: with the answer {option:?} in the blank, these lines are \
                             in no output in code/examples/output:\n{}",
                            filled(option).join("\n")
                        ));
                    }
                }
                for option in &wrong {
                    if !find(&outputs, &filled(option)).is_empty() {
                        problems.push(format!(
                            "{name}: the wrong answer {option:?} fills the blank too"
                        ));
                    }
                }
            } else {
                let lines: Vec<String> = block.iter().map(|l| normal(l)).collect();
                let at = find(&outputs, &lines);
                if at.is_empty() {
                    problems.push(format!(
                        "{name}: the quoted lines are in no output in code/examples/output:\n{}",
                        block.join("\n")
                    ));
                    continue;
                }
                if prompt.contains("comes next") {
                    let next: HashSet<&str> = at
                        .iter()
                        .filter_map(|(o, i)| o.lines.get(*i).map(String::as_str))
                        .collect();
                    let expected: HashSet<String> =
                        right.iter().map(|r| normal(&plain(r))).collect();
                    if next.len() != 1 || !expected.contains(*next.iter().next().unwrap()) {
                        problems.push(format!(
                            "{name}: after these lines the outputs ({}) go on with {next:?}, \
                             not the answer {right:?}",
                            at.iter()
                                .map(|(o, _)| o.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    for option in &wrong {
                        if next.contains(normal(&plain(option)).as_str()) {
                            problems
                                .push(format!("{name}: the wrong answer {option:?} comes next"));
                        }
                    }
                }
            }
            *checked.entry(q.quiz.clone()).or_default() += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));

    // Every chapter that shows what a program prints asks the reader to
    // predict some of it.
    let mut missing = Vec::new();
    for (quiz, _) in quizzes() {
        let chapter = fs::read_to_string(root().join(format!("book/{quiz}.md"))).unwrap();
        let shows_output = chapter.contains("{{#include ../code/examples/output/");
        let exempt = NO_PREDICTION_NEEDED.iter().any(|(q, _)| *q == quiz);
        if shows_output && !exempt && !checked.contains_key(&quiz) {
            missing.push(quiz);
        }
    }
    eprintln!("questions checked against what the programs print, per quiz: {checked:?}");
    assert!(
        missing.is_empty(),
        "these chapters show a program's output, but their quiz asks nothing about it that \
         is checked here (a Tracing question, or output quoted in a ```text block): {missing:?}"
    );
}
