//! Each exercise's README lists its tests by name (under "Check your work"),
//! so a learner knows what each checks. A test missing from that list is a
//! test the learner meets first as a failure: this keeps the lists whole.

use std::fs;
use std::path::{Path, PathBuf};

const EXERCISES: u32 = 5;

fn exercise_dir(n: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../exercises/exercise-{n}"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The names of the `#[test]` functions in these sources (attributes such
/// as `#[cfg(…)]` may stand between the two).
fn test_names(sources: &[PathBuf]) -> Vec<String> {
    let mut names = Vec::new();
    for file in sources {
        let text = fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[test]" {
                continue;
            }
            let name = lines[i + 1..]
                .iter()
                .take(5)
                .find_map(|l| l.trim_start().strip_prefix("fn "))
                .and_then(|rest| rest.split('(').next());
            match name {
                Some(name) => names.push(name.trim().to_string()),
                None => panic!(
                    "{}:{}: a #[test] with no fn after it",
                    file.display(),
                    i + 1
                ),
            }
        }
    }
    names
}

#[test]
fn test_names_are_found_after_their_attributes() {
    let dir = std::env::temp_dir().join(format!("readme-lists-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.rs");
    fs::write(
        &file,
        "#[test]\nfn plain() {}\n#[test]\n#[cfg(unix)]\nfn gated() {}\nfn helper() {}\n",
    )
    .unwrap();
    let names = test_names(&[file]);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(names, ["plain", "gated"]);
}

#[test]
fn every_exercise_readme_lists_every_test() {
    let mut missing = Vec::new();
    for n in 1..=EXERCISES {
        let dir = exercise_dir(n);
        let readme = fs::read_to_string(dir.join("README.md")).unwrap();
        let names = test_names(&rust_files(&dir.join("tests")));
        assert!(!names.is_empty(), "exercise-{n} has no tests under tests/");
        for name in names {
            if !readme.contains(&format!("`{name}`")) {
                missing.push(format!("exercises/exercise-{n}/README.md: `{name}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these tests are not in their exercise's README list (under \"Check your work\"): \
         add each with a line on what it checks\n{}",
        missing.join("\n")
    );
}
