//! What a course checkout is: a Cargo workspace with `exercises/exercise-N`
//! crates. Found from the current folder upwards, as cargo finds a workspace.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// A message for the person at the terminal; `main` prints it after "error: ".
#[derive(Debug)]
pub struct Error(String);

impl Error {
    pub fn new(message: String) -> Error {
        Error(message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Course {
    /// The folder with the workspace `Cargo.toml`.
    pub root: PathBuf,
    /// In number order; never empty (else it is not the course).
    pub exercises: Vec<Exercise>,
    /// The `todo!()` count of each exercise's stub, from [`STUBS`] (none in
    /// a course without that file: then any `todo!()` left means a stub).
    pub stubs: Vec<(String, usize)>,
}

/// The record of the stubs as handed out, relative to the course root.
pub const STUBS: &str = "exercises/course/stubs.txt";

pub struct Exercise {
    pub number: u32,
    /// The package name, `exercise-N`: the same word as the folder.
    pub name: String,
    pub dir: PathBuf,
}

/// Where a `todo!()` is left in an exercise's sources.
#[derive(Debug, PartialEq)]
pub struct Todo {
    /// Relative to the course root, with `/` separators.
    pub file: String,
    pub line: usize,
}

impl Course {
    /// The course whose folder is `start` or one of its parents.
    pub fn find(start: &Path) -> Result<Course, Error> {
        for dir in start.ancestors() {
            if let Some(course) = Course::at(dir)? {
                return Ok(course);
            }
        }
        Err(Error::new(format!(
            "{} is not inside the course: no folder from here up has a workspace Cargo.toml \
             next to exercises/exercise-1, exercises/exercise-2, ... \
             (run the tool from the course's folder, or give verify `--dir PATH`)",
            start.display()
        )))
    }

    /// `Some` if `dir` itself is a course root.
    fn at(dir: &Path) -> Result<Option<Course>, Error> {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = fs::read_to_string(&manifest) else {
            return Ok(None);
        };
        if !text.lines().any(|line| line.trim() == "[workspace]") {
            return Ok(None);
        }
        let Ok(entries) = fs::read_dir(dir.join("exercises")) else {
            return Ok(None);
        };
        let mut exercises = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error("read", &dir.join("exercises"), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .strip_prefix("exercise-")
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let path = entry.path();
            if path.join("Cargo.toml").is_file() {
                exercises.push(Exercise {
                    number,
                    name,
                    dir: path,
                });
            }
        }
        if exercises.is_empty() {
            return Ok(None);
        }
        exercises.sort_by_key(|e| e.number);
        let stubs = fs::read_to_string(dir.join(STUBS))
            .map(|text| parse_stubs(&text))
            .unwrap_or_default();
        Ok(Some(Course {
            root: dir.to_path_buf(),
            exercises,
            stubs,
        }))
    }

    pub fn exercise(&self, number: u32) -> Result<&Exercise, Error> {
        self.exercises
            .iter()
            .find(|e| e.number == number)
            .ok_or_else(|| {
                Error::new(format!(
                    "there is no exercise {number}: this course has {}",
                    self.list()
                ))
            })
    }

    /// Whether `exercise`, with `todos` left, is still its stub as far as
    /// its sources tell: every `todo!()` of the stub is there. Without a
    /// record of the stub, any `todo!()` left counts. (`verify` also asks
    /// the tests: see `report::Row`.)
    pub fn untouched(&self, exercise: &Exercise, todos: &[Todo]) -> bool {
        match self.stubs.iter().find(|(name, _)| *name == exercise.name) {
            Some((_, stub)) => todos.len() == *stub,
            None => !todos.is_empty(),
        }
    }

    /// "exercises 1, 2, 3 and 4".
    fn list(&self) -> String {
        let numbers: Vec<String> = self
            .exercises
            .iter()
            .map(|e| e.number.to_string())
            .collect();
        match numbers.split_last() {
            Some((last, [])) => format!("exercise {last} only"),
            Some((last, rest)) => format!("exercises {} and {last}", rest.join(", ")),
            None => "no exercises".to_string(),
        }
    }
}

impl Exercise {
    /// Every `todo!(` left in `src/`. The stubs have one per body a learner
    /// writes, so while any is left the exercise cannot pass.
    pub fn todos(&self) -> Result<Vec<Todo>, Error> {
        self.scan(todo_lines)
    }

    /// The `#[test]`s in `src/`: the exercise's own program's tests, which
    /// pass on the stub (the learner's are in `tests/`).
    pub fn tests_in_src(&self) -> Result<usize, Error> {
        Ok(self.scan(test_lines)?.len())
    }

    /// The places in `src/` that `lines` finds in each file.
    fn scan(&self, lines: fn(&str) -> Vec<usize>) -> Result<Vec<Todo>, Error> {
        let root = self
            .dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(&self.dir);
        let mut found = Vec::new();
        for file in rust_files(&self.dir.join("src"))? {
            let text = fs::read_to_string(&file).map_err(|e| io_error("read", &file, e))?;
            let relative = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            found.extend(lines(&text).into_iter().map(|line| Todo {
                file: relative.clone(),
                line,
            }));
        }
        Ok(found)
    }
}

/// Line numbers (from 1) of `todo!(` outside `//` comments.
pub fn todo_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            code.contains("todo!(")
        })
        .map(|(index, _)| index + 1)
        .collect()
}

/// Line numbers (from 1) of `#[test]` outside `//` comments.
fn test_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.split("//").next().unwrap_or("").trim() == "#[test]")
        .map(|(index, _)| index + 1)
        .collect()
}

/// `exercise-N COUNT` lines; `#` starts a comment.
fn parse_stubs(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let (name, count) = line.trim().split_once(' ')?;
            Some((name.to_string(), count.trim().parse().ok()?))
        })
        .collect()
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(files);
    };
    for entry in entries {
        let path = entry.map_err(|e| io_error("read", dir, e))?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

pub fn io_error(verb: &str, path: &Path, error: std::io::Error) -> Error {
    Error::new(format!("could not {verb} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_todos_but_not_in_comments() {
        let text =
            "fn a() {\n    todo!(\"exercise-1\")\n}\n// todo!() in a comment\nfn b() { todo!() }\n";
        assert_eq!(todo_lines(text), vec![2, 5]);
        assert!(todo_lines("fn a() -> u8 { 1 }").is_empty());
    }

    /// The record of the stubs is this repository's stubs: each has as many
    /// `todo!()` as it says (and is called "not started"). In a handout
    /// (no `solutions/`) the exercises are a student's work in progress,
    /// so there the record is only checked to name every exercise.
    #[test]
    fn the_record_of_the_stubs_is_the_stubs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let course = Course::find(&root).unwrap();
        assert!(!course.stubs.is_empty(), "{STUBS} is missing or empty");
        if !root.join("solutions").is_dir() {
            for exercise in &course.exercises {
                assert!(
                    course
                        .stubs
                        .iter()
                        .any(|(name, count)| *name == exercise.name && *count > 0),
                    "{STUBS} has no count for {}",
                    exercise.name
                );
            }
            return;
        }
        for exercise in &course.exercises {
            let todos = exercise.todos().unwrap();
            let recorded = course.stubs.iter().find(|(name, _)| *name == exercise.name);
            assert_eq!(
                recorded.map(|(_, count)| *count),
                Some(todos.len()),
                "{STUBS}: {} has {} todo!() in its src/; write that number there",
                exercise.name,
                todos.len()
            );
            assert!(course.untouched(exercise, &todos));
            assert!(
                !course.untouched(exercise, &todos[1..]),
                "{}",
                exercise.name
            );
        }
    }

    #[test]
    fn reads_the_record_and_counts_tests() {
        assert_eq!(
            parse_stubs("# a comment\nexercise-1 12\n\nexercise-2 6  # two parts\n"),
            vec![
                ("exercise-1".to_string(), 12),
                ("exercise-2".to_string(), 6)
            ]
        );
        let code = "#[test]\nfn a() {}\n// #[test]\n    #[test]\nfn b() {}\n";
        assert_eq!(test_lines(code), vec![1, 4]);
    }

    #[test]
    fn lists_exercise_numbers_in_words() {
        let course = |numbers: &[u32]| Course {
            root: PathBuf::new(),
            stubs: Vec::new(),
            exercises: numbers
                .iter()
                .map(|&number| Exercise {
                    number,
                    name: format!("exercise-{number}"),
                    dir: PathBuf::new(),
                })
                .collect(),
        };
        assert_eq!(course(&[1, 2, 3, 4]).list(), "exercises 1, 2, 3 and 4");
        assert_eq!(course(&[1]).list(), "exercise 1 only");
        let error = course(&[1, 2]).exercise(9).err().unwrap().to_string();
        assert_eq!(
            error,
            "there is no exercise 9: this course has exercises 1 and 2"
        );
    }
}
