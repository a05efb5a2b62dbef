//! The lesson path as a learner walks it: the chapters under `# The lesson`
//! in `book/SUMMARY.md`, in order.
//!
//! - It is a budget. A learner should read it in about an hour, practice
//!   included, so its prose is counted and capped, and so is the prose before
//!   the first exercise (practice comes early, not after all the reading).
//!   Depth lives in the part after it (`# Deeper`), linked from the path.
//! - Practice is interleaved: every exercise page is on the path, and the
//!   chapter right before each one ends (after its quiz) with a section
//!   `## Now: exercise N` that sends the reader there with the command that
//!   starts it.
//!
//! `cargo test -p book-tests --test lesson_path -- --nocapture` prints the
//! count per chapter.

use std::fs;
use std::path::{Path, PathBuf};

/// At most this many prose words on the whole lesson path.
const PATH_WORDS: usize = 11_000;
/// At most this many prose words before the first exercise page.
const WORDS_BEFORE_FIRST_EXERCISE: usize = 5_000;
/// The part of SUMMARY.md that is the lesson path.
const LESSON_PART: &str = "# The lesson";
/// How many exercises the course has (`exercises/exercise-N`).
const EXERCISES: usize = 4;

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book")
}

/// The pages of one part of SUMMARY.md (from its `# ` heading to the next),
/// in order, as paths relative to `book/`.
fn part(summary: &str, heading: &str) -> Vec<String> {
    let mut inside = false;
    let mut found = Vec::new();
    for line in summary.lines() {
        if line.starts_with("# ") {
            inside = line.trim() == heading;
            continue;
        }
        if !inside {
            continue;
        }
        // `- [Title](path.md)`, indented or not.
        if let Some(start) = line.find("](") {
            let rest = &line[start + 2..];
            if let Some(end) = rest.find(')') {
                found.push(rest[..end].to_string());
            }
        }
    }
    found
}

/// The words a reader reads as prose: outside fenced blocks (code, output,
/// diagrams), outside HTML comments, and not on `{{#…}}` lines (includes
/// and quizzes, which are code, a task text or questions, not the chapter's
/// explanation).
fn prose_words(text: &str) -> usize {
    let mut without_comments = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        without_comments.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    without_comments.push_str(rest);

    let mut fenced = false;
    let mut words = 0;
    for line in without_comments.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced || trimmed.starts_with("{{#") {
            continue;
        }
        words += line.split_whitespace().count();
    }
    words
}

fn lesson_path() -> Vec<String> {
    let summary = fs::read_to_string(book_dir().join("SUMMARY.md")).unwrap();
    let path = part(&summary, LESSON_PART);
    assert!(
        !path.is_empty(),
        "SUMMARY.md has no `{LESSON_PART}` part with chapters in it"
    );
    path
}

fn exercise_page(n: usize) -> String {
    format!("exercises/exercise-{n}.md")
}

#[test]
fn prose_words_skips_code_comments_and_directives() {
    let page = "# Title here\n\nTwo words.\n\n```rust\nlet not = counted;\n```\n\
                <!-- not\ncounted -->\n{{#include not/counted.rs}}\nlast one\n";
    // "#", "Title", "here", "Two", "words.", "last", "one"
    assert_eq!(prose_words(page), 7);
}

#[test]
fn the_lesson_path_is_within_its_word_budget() {
    let mut total = 0;
    let mut before_first_exercise = None;
    let mut table = Vec::new();
    for page in lesson_path() {
        if page == exercise_page(1) {
            before_first_exercise = Some(total);
        }
        let text = fs::read_to_string(book_dir().join(&page))
            .unwrap_or_else(|e| panic!("SUMMARY.md lists {page}, which cannot be read: {e}"));
        let words = prose_words(&text);
        total += words;
        table.push(format!("{words:6} {total:7}  {page}"));
    }
    println!("words  total  page\n{}", table.join("\n"));
    let table = table.join("\n");
    assert!(
        total <= PATH_WORDS,
        "the lesson path has {total} prose words, over its budget of {PATH_WORDS}: \
         move depth to the `# Deeper` part and link to it\n{table}"
    );
    let before = before_first_exercise.expect("exercise 1 is not on the lesson path");
    assert!(
        before <= WORDS_BEFORE_FIRST_EXERCISE,
        "{before} prose words come before exercise 1, over {WORDS_BEFORE_FIRST_EXERCISE}: \
         the first practice comes too late\n{table}"
    );
}

#[test]
fn every_exercise_is_on_the_path_after_the_chapter_that_prepares_it() {
    let path = lesson_path();
    let mut problems = Vec::new();
    let mut last = 0;
    for n in 1..=EXERCISES {
        let page = exercise_page(n);
        let Some(at) = path.iter().position(|p| *p == page) else {
            problems.push(format!(
                "{page} is not in the `{LESSON_PART}` part of SUMMARY.md"
            ));
            continue;
        };
        if at < last {
            problems.push(format!("{page} comes before exercise {}", n - 1));
        }
        last = at;
        // The chapter right before it sends the reader there, with the command.
        let Some(before) = at.checked_sub(1).map(|i| &path[i]) else {
            problems.push(format!("{page} is the first page of the path"));
            continue;
        };
        let text = fs::read_to_string(book_dir().join(before)).unwrap();
        // The chapter's last section, after its quiz.
        let heading = format!("\n## Now: exercise {n}\n");
        if !text
            .rfind("\n## ")
            .is_some_and(|at| text[at..].starts_with(&heading))
        {
            problems.push(format!(
                "{before} does not end with a section `## Now: exercise {n}`, after its quiz"
            ));
        }
        let text = text.rsplit_once(&heading).map_or("", |(_, last)| last);
        let link = format!("exercises/exercise-{n}.md");
        let command = format!("cargo test -p exercise-{n}");
        if !text.contains(&link) {
            problems.push(format!(
                "{before} does not link to {link}, which follows it"
            ));
        }
        if !text.contains(&command) {
            problems.push(format!(
                "{before} does not give `{command}`, to start exercise {n}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The instructors' timing table walks the lesson path in the book's order:
/// each chapter of the path has a row, exercise N as `**Exercise N**`, and
/// the rows come in SUMMARY.md's order.
#[test]
fn the_instructors_timings_follow_the_path() {
    let summary = fs::read_to_string(book_dir().join("SUMMARY.md")).unwrap();
    let titles: Vec<String> = summary
        .lines()
        .skip_while(|l| l.trim() != LESSON_PART)
        .skip(1)
        .take_while(|l| !l.starts_with("# "))
        .filter_map(|l| {
            let title = l.split_once("- [")?.1.split_once("](")?.0;
            // "Exercise 1: AsyncTcpStream and …" is "**Exercise 1**" in the table.
            Some(match title.split_once(':') {
                Some((exercise, _)) if exercise.starts_with("Exercise ") => {
                    format!("**{exercise}**")
                }
                _ => title.to_string(),
            })
        })
        .collect();
    let instructors = fs::read_to_string(book_dir().join("instructors.md")).unwrap();
    let table = instructors
        .split_once("## Suggested timing")
        .expect("instructors.md has no `## Suggested timing`")
        .1;
    let rows: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1).map(str::trim))
        .collect();
    let on_the_path: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|row| titles.iter().any(|t| t == row))
        .collect();
    assert_eq!(
        on_the_path, titles,
        "instructors.md's timing table does not list the lesson path's chapters and \
         exercises in SUMMARY.md's order"
    );
}
