//! Hints come from the exercise's HINTS.md, a file of their own so that no
//! hint stands below the task for a learner who did not ask (an exercise
//! without one keeps them in its README.md): each `<details>` block whose
//! `<summary>` says "Hint" is one hint, in the order of the file (the order
//! of how much they give away). The same blocks are a click each at the end
//! of the exercise's book page.
//!
//! How many hints a learner has seen is kept in `target/course/hints.txt`
//! (one `exercise-N K` line each), so `cargo clean` starts them over too.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use crate::course::{Course, Error, Exercise, io_error};

#[derive(Debug, PartialEq)]
pub struct Hint {
    pub title: String,
    pub body: String,
}

/// The text to print for `hint N` (or `hint N --reset`), and the state saved.
pub fn next(course: &Course, exercise: &Exercise, reset: bool) -> Result<String, Error> {
    let state_file = state_path(course);
    let mut seen = load(&state_file);
    if reset {
        seen.remove(&exercise.name);
        save(&state_file, &seen)?;
        return Ok(format!(
            "Hints for {} start over: `hint {}` shows the first one again.\n",
            exercise.name, exercise.number
        ));
    }
    let file = hints_file(&exercise.dir);
    let text = fs::read_to_string(&file).map_err(|e| io_error("read", &file, e))?;
    let hints = parse(&text);
    if hints.is_empty() {
        return Err(Error::new(format!(
            "{} has no hints: expected <details><summary>Hint 1 ...</summary> blocks",
            file.display()
        )));
    }
    let already = seen.get(&exercise.name).copied().unwrap_or(0);
    let index = already.min(hints.len() - 1);
    seen.insert(exercise.name.clone(), index + 1);
    save(&state_file, &seen)?;
    Ok(show(exercise, &hints, index))
}

/// HINTS.md in the exercise's folder, or its README.md if it has none.
fn hints_file(dir: &std::path::Path) -> PathBuf {
    let hints = dir.join("HINTS.md");
    if hints.is_file() {
        hints
    } else {
        dir.join("README.md")
    }
}

fn show(exercise: &Exercise, hints: &[Hint], index: usize) -> String {
    let hint = &hints[index];
    let mut text = format!("{} — hint {} of {}", exercise.name, index + 1, hints.len());
    // "Hint 2: the waker" adds "the waker"; a bare "Hint 2" adds nothing.
    let topic = strip_hint_number(&hint.title);
    if !topic.is_empty() {
        text += &format!(": {topic}");
    }
    text += &format!("\n\n{}\n\n", hint.body);
    if index + 1 < hints.len() {
        text += &format!(
            "Still stuck? `hint {}` again shows the next one.\n",
            exercise.number
        );
    } else {
        text += &format!(
            "That is the last hint. The book's chapter and `cargo test -p {}` say the rest; \
             `hint {} --reset` starts over.\n",
            exercise.name, exercise.number
        );
    }
    text
}

/// Every `<details>` block whose summary contains "hint" (any case).
pub fn parse(markdown: &str) -> Vec<Hint> {
    let mut hints = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("<details>") {
        let after = &rest[start + "<details>".len()..];
        let Some(end) = after.find("</details>") else {
            break;
        };
        let block = &after[..end];
        rest = &after[end + "</details>".len()..];
        let (title, body) = match (block.find("<summary>"), block.find("</summary>")) {
            (Some(open), Some(close)) if open < close => (
                block[open + "<summary>".len()..close].trim(),
                block[close + "</summary>".len()..].trim(),
            ),
            _ => continue,
        };
        if title.to_lowercase().contains("hint") {
            hints.push(Hint {
                title: strip_tags(title),
                body: body.to_string(),
            });
        }
    }
    hints
}

/// `Hint 2: the waker` → `the waker`; other titles as they are.
fn strip_hint_number(title: &str) -> &str {
    let Some(rest) = title
        .strip_prefix("Hint")
        .or_else(|| title.strip_prefix("hint"))
    else {
        return title;
    };
    rest.trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches([':', ' ', '.', '—', '-'])
}

/// `<b>Hint 1</b>: x` → `Hint 1: x`.
fn strip_tags(text: &str) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.trim().to_string()
}

fn state_path(course: &Course) -> PathBuf {
    course.root.join("target").join("course").join("hints.txt")
}

/// A missing or garbled file means no hints seen yet: losing the count is
/// harmless, refusing to give a hint would not be.
fn load(path: &PathBuf) -> BTreeMap<String, usize> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let (name, count) = line.split_once(' ')?;
            Some((name.to_string(), count.trim().parse().ok()?))
        })
        .collect()
}

fn save(path: &PathBuf, seen: &BTreeMap<String, usize>) -> Result<(), Error> {
    let dir = path.parent().expect("the state file is in a folder");
    fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    let text: String = seen
        .iter()
        .map(|(name, count)| format!("{name} {count}\n"))
        .collect();
    fs::write(path, text).map_err(|e| io_error("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const README: &str = "\
# Exercise 1

Text.

<details>
<summary>Hint 1: where to look</summary>

Read `poll_read` in chapter 5.
</details>

<details><summary>Solution notes</summary>not a hint</details>

<details>
<summary><b>Hint 2</b>: the waker</summary>

Store it with `set_waker`.

```rust
reactor.set_waker(token, Direction::Read, cx.waker());
```
</details>
";

    #[test]
    fn hints_in_file_order_and_only_hints() {
        let hints = parse(README);
        assert_eq!(hints.len(), 2);
        assert_eq!(hints[0].title, "Hint 1: where to look");
        assert_eq!(hints[0].body, "Read `poll_read` in chapter 5.");
        assert_eq!(hints[1].title, "Hint 2: the waker");
        assert!(hints[1].body.contains("set_waker(token"));
    }

    #[test]
    fn no_details_no_hints() {
        assert!(parse("# Exercise\n<details> unclosed").is_empty());
    }

    #[test]
    fn titles_without_repeating_the_number() {
        assert_eq!(strip_hint_number("Hint 1"), "");
        assert_eq!(strip_hint_number("Hint 12: the waker"), "the waker");
        assert_eq!(strip_hint_number("Stuck?"), "Stuck?");
    }

    #[test]
    fn hints_come_from_their_own_file_if_there_is_one() {
        let dir = std::env::temp_dir().join(format!("course-hints-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(hints_file(&dir), dir.join("README.md"), "no HINTS.md");
        fs::write(dir.join("HINTS.md"), README).unwrap();
        let found = hints_file(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, dir.join("HINTS.md"));
    }

    #[test]
    fn every_exercise_with_a_hints_file_keeps_its_hints_there_only() {
        let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut checked = 0;
        for n in 1.. {
            let dir = exercises.join(format!("exercise-{n}"));
            if !dir.is_dir() {
                break;
            }
            let hints = dir.join("HINTS.md");
            if !hints.is_file() {
                continue;
            }
            checked += 1;
            let text = fs::read_to_string(&hints).unwrap();
            assert!(
                text.contains("Spoilers"),
                "{} must say at its top that it holds spoilers",
                hints.display()
            );
            assert!(!parse(&text).is_empty(), "{} has no hints", hints.display());
            let readme = fs::read_to_string(dir.join("README.md")).unwrap();
            assert!(
                parse(&readme).is_empty(),
                "exercise-{n}'s README.md still has hints below the task: they belong in \
                 HINTS.md only"
            );
        }
        assert!(checked > 0, "no exercise has a HINTS.md");
    }

    #[test]
    fn last_hint_says_so() {
        let exercise = Exercise {
            number: 1,
            name: "exercise-1".into(),
            dir: PathBuf::new(),
        };
        let hints = parse(README);
        assert!(show(&exercise, &hints, 0).contains("`hint 1` again shows the next one"));
        assert!(show(&exercise, &hints, 1).contains("That is the last hint"));
    }
}
