//! The sizes the README and the introduction state for the runtime are true.
//!
//! A reader decides from them whether to read the runtime and in what order:
//! "the runtime proper is five files, about 1,200 lines of code". The runtime
//! grows, the sentences do not, unless a test holds them to the files. Each
//! stated size must be within [`TOLERANCE`] of a count made here, the same
//! way every time: lines of code are the lines that are neither blank nor
//! only a comment (`//`, `///`, `//!`); lines "with them" are all lines.

use std::fs;
use std::path::{Path, PathBuf};

/// "About N" may be off by this share of the true count.
const TOLERANCE: f64 = 0.05;

/// The runtime proper, in the order the README tells a reader to read it.
const RUNTIME: [&str; 5] = ["reactor.rs", "executor.rs", "net.rs", "io.rs", "time.rs"];
/// What the runtime reports at each step, for its trace.
const EVENTS: &str = "events.rs";
/// The instruments that watch the runtime (`src/instruments/`).
const INSTRUMENTS: [&str; 2] = ["instruments/trace.rs", "instruments/testing.rs"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (lines of code, all lines) of `files` under `code/src`.
fn count(files: &[&str]) -> (usize, usize) {
    files.iter().fold((0, 0), |(code, all), file| {
        let path = repo().join("code/src").join(file);
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let lines: Vec<&str> = text.lines().collect();
        let code_lines = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .count();
        (code + code_lines, all + lines.len())
    })
}

/// `doc` with every run of whitespace made one space, so that a sentence
/// can be found however its lines are wrapped.
fn read_flat(doc: &str) -> String {
    let path = repo().join(doc);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number N in "about N{after}" in `doc`; fails if the phrase is missing.
fn stated(doc: &str, flat: &str, after: &str) -> usize {
    let at = flat
        .find(after)
        .unwrap_or_else(|| panic!("{doc} no longer says \"about N{after}\": update this test"));
    let before = &flat[..at];
    let number: String = {
        let tail: Vec<char> = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        tail.into_iter().rev().collect()
    };
    assert!(
        before.ends_with(&format!("about {number}")),
        "{doc}: expected \"about N\" right before {after:?}"
    );
    number
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{doc}: no number before {after:?}"))
}

fn check(doc: &str, claims: &[(&str, usize, &str)]) {
    let flat = read_flat(doc);
    for (after, actual, what) in claims {
        let said = stated(doc, &flat, after);
        let off = (said as f64 - *actual as f64).abs() / *actual as f64;
        assert!(
            off <= TOLERANCE,
            "{doc} says about {said} for {what}, but it is {actual} (off by {:.0} %): \
             update the sentence",
            off * 100.0
        );
    }
}

#[test]
fn the_readme_states_the_runtimes_true_size() {
    let (runtime_code, runtime_all) = count(&RUNTIME);
    let (events_code, _) = count(&[EVENTS]);
    let (instruments_code, _) = count(&INSTRUMENTS);
    check(
        "README.md",
        &[
            (
                " lines of code besides comments and blank lines",
                runtime_code,
                "the runtime proper's lines of code",
            ),
            (" with them)", runtime_all, "the runtime proper's lines"),
            (
                "), what it reports",
                events_code,
                "events.rs's lines of code",
            ),
            (" more.", instruments_code, "the instruments' lines of code"),
        ],
    );
}

#[test]
fn the_introduction_states_the_runtimes_true_size() {
    let (runtime_code, runtime_all) = count(&RUNTIME);
    let (events_code, _) = count(&[EVENTS]);
    check(
        "book/introduction.md",
        &[
            (
                " lines of code besides comments and blank lines",
                runtime_code,
                "the runtime proper's lines of code",
            ),
            (" with them)", runtime_all, "the runtime proper's lines"),
            (
                " more) lists what the runtime reports",
                events_code,
                "events.rs's lines of code",
            ),
        ],
    );
}

#[test]
fn the_runtime_proper_is_every_file_but_the_instruments() {
    // A new file in code/src must be placed: in the runtime proper (and so
    // in the README's count and reading order) or among the instruments.
    let src = repo().join("code/src");
    let mut files: Vec<String> = fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".rs"))
        .collect();
    files.sort();
    let mut expected: Vec<String> = RUNTIME
        .iter()
        .chain([&EVENTS, &"lib.rs", &"interop.rs"])
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "code/src has files this test (and the README's reading order) does not place"
    );
}
