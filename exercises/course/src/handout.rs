//! `handout DIR`: the course as students get it — book, `code`, exercises
//! and this tool, without `solutions/` and without the crates that check
//! solutions. The workspace `Cargo.toml` is rewritten to leave them out, so
//! `cargo test -p exercise-N` builds the same crates with the same tests.
//!
//! A handout is a course to *do*: its root `cargo test` runs the runtime's
//! tests, the course tool's unit tests and the exercises, so it fails on
//! the exercises not done yet and passes once all are. The book's blocks
//! (`code/book-tests`, minutes to build) and this tool's own integration
//! tests (they write handouts and grade fake courses: the instructor's
//! work) are not part of it, and its README says only what it contains.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::cargo::Cargo;
use crate::course::{Course, Error, io_error};

/// Never copied: version control, CI (it checks solutions), build output,
/// installed npm packages, the solutions themselves.
const SKIPPED_NAMES: &[&str] = &[
    ".git",
    ".ci",
    ".github",
    "target",
    "node_modules",
    "solutions",
];

/// The book's walkthrough pages: they explain the solutions line by line and
/// include their code from `solutions/`, so they leave with the solutions.
const WALKTHROUGHS: &str = "book/walkthroughs";

/// The course tool's integration tests: they hand out this course, grade
/// fake ones and run the solutions, an instructor's checks that take
/// minutes; a student's `cargo test` is about the student's work.
const TOOL_TESTS: &str = "exercises/course/tests";

/// Default members of the instructor's workspace that a student's root
/// `cargo test` leaves out: every block of the book, built and run.
const NOT_DEFAULT_FOR_STUDENTS: &[&str] = &["code/book-tests"];

/// The student's root `cargo test` runs the exercises.
const EXERCISES: &str = "exercises/exercise-*";

pub fn write(course: &Course, cargo: &Cargo, dir: &Path) -> Result<String, Error> {
    check_destination(&course.root, dir)?;
    let mut excluded = crates_that_need_solutions(&course.root)?;

    let manifest = course.root.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).map_err(|e| io_error("read", &manifest, e))?;
    let keep = |member: &str| {
        let member = member.trim_end_matches('/');
        !member.starts_with("solutions") && !excluded.iter().any(|crate_dir| crate_dir == member)
    };
    let workspace = defaults_for_students(&filter_members(&text, keep));
    excluded.push(WALKTHROUGHS.to_string());
    excluded.push(TOOL_TESTS.to_string());

    fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    let mut files = 0;
    for entry in read_dir(&course.root)? {
        let name = entry
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // Top-level dotfiles are tooling (.git, .ci); .gitignore is for students too.
        let hidden = name.starts_with('.') && name != ".gitignore";
        if hidden || SKIPPED_NAMES.contains(&name.as_str()) || name == "Cargo.toml" {
            continue;
        }
        files += copy(&course.root, &entry, dir, &excluded)?;
    }
    let target = dir.join("Cargo.toml");
    fs::write(&target, workspace).map_err(|e| io_error("write", &target, e))?;
    files += 1;
    without_walkthroughs_in_summary(dir)?;
    without_tool_test_targets(dir)?;
    note_in_readme(dir)?;

    // Resolve the new workspace: it proves every member is there, and drops
    // the solutions' entries from the copied Cargo.lock, so `--locked` works.
    resolve(cargo, dir)?;

    let mut left_out = vec!["solutions/".to_string(), ".ci/".to_string()];
    left_out.extend(excluded.iter().map(|c| {
        if c == WALKTHROUGHS {
            format!("{c}/ (they explain the solutions)")
        } else if c == TOOL_TESTS {
            format!("{c}/ (they hand out and grade courses)")
        } else {
            format!("{c}/ (it checks the solutions)")
        }
    }));
    Ok(format!(
        "Wrote the handout to {} ({files} files).\nLeft out: {}.\n\
         Students start with `cargo run -p course -- status` and `cargo test -p exercise-1`; \
         the root `cargo test` there passes once every exercise is done.\n",
        dir.display(),
        left_out.join(", ")
    ))
}

/// Drops the `[[test]]` tables from the copied course tool's manifest: they
/// name files in [`TOOL_TESTS`], which stay behind, and cargo refuses to
/// build any package of a workspace with a target whose file is missing.
fn without_tool_test_targets(dir: &Path) -> Result<(), Error> {
    let manifest = dir.join(TOOL_TESTS).with_file_name("Cargo.toml");
    let Ok(text) = fs::read_to_string(&manifest) else {
        return Ok(());
    };
    fs::write(&manifest, drop_test_targets(&text)).map_err(|e| io_error("write", &manifest, e))
}

fn drop_test_targets(manifest: &str) -> String {
    let mut kept = String::new();
    let mut in_test = false;
    for line in manifest.lines() {
        if line.trim_start().starts_with('[') {
            in_test = line.trim() == "[[test]]";
        }
        if !in_test {
            kept += line;
            kept.push('\n');
        }
    }
    // No blank lines left at the end where a table was.
    let end = kept.trim_end().len();
    kept.truncate(end);
    kept.push('\n');
    kept
}

/// Drops the walkthroughs' part (a `# Walkthroughs…` title and its entries,
/// up to the next part title) from the copied `book/SUMMARY.md`: its pages
/// are not in the handout, and mdBook fails on a missing page.
fn without_walkthroughs_in_summary(dir: &Path) -> Result<(), Error> {
    let summary = dir.join("book/SUMMARY.md");
    let Ok(text) = fs::read_to_string(&summary) else {
        return Ok(());
    };
    fs::write(&summary, drop_walkthroughs_part(&text)).map_err(|e| io_error("write", &summary, e))
}

fn drop_walkthroughs_part(summary: &str) -> String {
    let mut kept = String::new();
    let mut in_walkthroughs = false;
    for line in summary.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            in_walkthroughs = title.starts_with("Walkthroughs");
        }
        if !in_walkthroughs {
            kept += line;
            kept.push('\n');
        }
    }
    kept
}

/// The README as a student's: the instructors' and maintainers' sections
/// and the rows of what the handout lacks go, the paragraph on `cargo test`
/// says what it runs here, and a last section says what this copy is.
fn note_in_readme(dir: &Path) -> Result<(), Error> {
    let readme = dir.join("README.md");
    let Ok(text) = fs::read_to_string(&readme) else {
        return Ok(());
    };
    fs::write(&readme, readme_for_students(&text)).map_err(|e| io_error("write", &readme, e))
}

/// Sections of the README that are for instructors and maintainers only.
const INSTRUCTORS_SECTIONS: &[&str] = &["## For instructors", "## For maintainers"];

/// What the root `cargo test` runs in a handout.
const CARGO_TEST_HERE: &str = "Run all tests (the runtime, the course tool, and your exercises: \
    each exercise's tests fail until you complete it, so this passes once every exercise is \
    done; `--no-fail-fast` goes on to the next exercise when one fails, where a plain `cargo \
    test` stops at the first, and while they fail it takes minutes: `cargo run -p course -- \
    status` shows all five at a glance):";

/// The README's command under [`CARGO_TEST_HERE`], in a handout.
const CARGO_TEST_COMMAND: &str = "cargo test --no-fail-fast";

pub fn readme_for_students(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    // After the paragraph on `cargo test`, until its command.
    let mut command_next = false;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("## ") {
            skipping = INSTRUCTORS_SECTIONS.contains(&line.trim());
        }
        if skipping {
            continue;
        }
        if line.starts_with("Run all tests") {
            // The paragraph, up to its blank line.
            while lines.next_if(|l| !l.trim().is_empty()).is_some() {}
            out += CARGO_TEST_HERE;
            out.push('\n');
            command_next = true;
            continue;
        }
        if command_next && line.trim() == "cargo test" {
            out += CARGO_TEST_COMMAND;
            out.push('\n');
            command_next = false;
            continue;
        }
        if !line.trim().is_empty() && !line.starts_with("```") {
            command_next = false;
        }
        let row_of_what_is_not_here = line.starts_with("| `")
            && ["solutions/", ".ci/"]
                .iter()
                .any(|gone| line.contains(gone));
        if row_of_what_is_not_here {
            continue;
        }
        out += line;
        out.push('\n');
    }
    out += "\n## This copy\n\n\
            A handout for students, written by `cargo run -p course -- handout`: the book, \
            the runtime, the exercises and the course tool. The solutions are not included, \
            nor the book's walkthrough pages that explain them: where the book mentions \
            `solutions/solution-N` or a walkthrough, that is the instructor's copy. \
            `cargo run -p course -- status` shows where you are.\n\n\
            Read the book through mdBook (the first command above), not as the Markdown \
            files in `book/`: where a page shows code, its file has an `{{#include …}}` line \
            that mdBook replaces with the code, and some of those point into files that an \
            exercise asks you not to open yet.\n";
    out
}

/// `default-members` for a student: the exercises in, the book's blocks out.
fn defaults_for_students(manifest: &str) -> String {
    let mut out = String::new();
    for line in manifest.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        if key == "default-members" && line.contains(']') {
            let mut entries: Vec<String> = quoted_strings(line.split_once('=').unwrap().1)
                .into_iter()
                .filter(|entry| !NOT_DEFAULT_FOR_STUDENTS.contains(&entry.as_str()))
                .collect();
            if !entries.iter().any(|e| e == EXERCISES) {
                entries.push(EXERCISES.to_string());
            }
            let quoted: Vec<String> = entries.iter().map(|e| format!("\"{e}\"")).collect();
            out += "# A student's `cargo test`: the runtime, the course tool and the exercises,\n\
                    # so it passes once every exercise is done. The book's blocks:\n\
                    # `cargo test -p book-tests`.\n";
            out += &format!("default-members = [{}]\n", quoted.join(", "));
        } else {
            out += line;
            out.push('\n');
        }
    }
    out
}

/// A new or empty folder, outside the course (else the course would copy
/// into itself or the handout would land in the course's workspace).
fn check_destination(root: &Path, dir: &Path) -> Result<(), Error> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::new(format!(
                "{} exists and is not a folder: give handout a new or empty folder",
                dir.display()
            )));
        }
        if fs::read_dir(dir)
            .map_err(|e| io_error("read", dir, e))?
            .next()
            .is_some()
        {
            return Err(Error::new(format!(
                "{} is not empty: handout writes only into a new or empty folder, so nothing \
                 there is overwritten",
                dir.display()
            )));
        }
    }
    let root = root.canonicalize().map_err(|e| io_error("find", root, e))?;
    let absolute = absolute(dir);
    if absolute.starts_with(&root) && !absolute.starts_with(root.join("target")) {
        return Err(Error::new(format!(
            "{} is inside the course at {}: write the handout somewhere else",
            dir.display(),
            root.display()
        )));
    }
    Ok(())
}

/// `dir` with its nearest existing ancestor canonicalized (it may not exist yet).
fn absolute(dir: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut existing = dir;
    loop {
        if let Ok(real) = existing.canonicalize() {
            return missing
                .iter()
                .rev()
                .fold(real, |path, part| path.join(part));
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return dir.to_path_buf(),
        }
    }
}

/// Crates outside `solutions/` whose Cargo.toml names a solution: the check
/// that every solution passes. Relative paths with `/`, e.g. `exercises/check`.
fn crates_that_need_solutions(root: &Path) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    for top in read_dir(root)? {
        let name = top
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('.') || SKIPPED_NAMES.contains(&name.as_str()) {
            continue;
        }
        for manifest in manifests(&top)? {
            let text = fs::read_to_string(&manifest).map_err(|e| io_error("read", &manifest, e))?;
            if needs_solutions(&text) {
                let crate_dir = manifest.parent().unwrap().strip_prefix(root).unwrap();
                found.push(crate_dir.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A path dependency into `solutions/`, or a dependency named `solution-N`.
/// (A description that merely mentions a solution does not count.)
fn needs_solutions(manifest: &str) -> bool {
    manifest.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("").trim_start();
        line.starts_with("solution-") || (line.contains("path") && line.contains("solutions/"))
    })
}

fn manifests(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    for path in read_dir(dir)? {
        let name = path.file_name().unwrap_or_default();
        if path.is_dir() && !SKIPPED_NAMES.iter().any(|s| name == *s) {
            found.extend(manifests(&path)?);
        } else if name == "Cargo.toml" {
            found.push(path);
        }
    }
    Ok(found)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut paths = fs::read_dir(dir)
        .map_err(|e| io_error("read", dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io_error("read", dir, e))?;
    paths.sort();
    Ok(paths)
}

/// Copies `path` (under `root`) to the same place under `dir`; returns the
/// number of files written.
fn copy(root: &Path, path: &Path, dir: &Path, excluded: &[String]) -> Result<usize, Error> {
    let relative = path.strip_prefix(root).unwrap();
    let relative_text = relative.to_string_lossy().replace('\\', "/");
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if SKIPPED_NAMES.contains(&name.as_ref()) || excluded.contains(&relative_text) {
        return Ok(0);
    }
    let target = dir.join(relative);
    if path.is_dir() {
        fs::create_dir_all(&target).map_err(|e| io_error("create", &target, e))?;
        let mut files = 0;
        for entry in read_dir(path)? {
            files += copy(root, &entry, dir, excluded)?;
        }
        Ok(files)
    } else {
        fs::copy(path, &target).map_err(|e| io_error("copy", path, e))?;
        Ok(1)
    }
}

fn resolve(cargo: &Cargo, dir: &Path) -> Result<(), Error> {
    let run = |args: &[&str]| {
        cargo
            .command()
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|e| Error::new(format!("could not run cargo: {e}")))
    };
    let failed = |what: &str, out: std::process::Output| {
        Error::new(format!(
            "the handout in {} is written, but {what}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    // Every member is there and every manifest parses (no dependency is
    // fetched for this).
    let out = run(&[
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--offline",
    ])?;
    if !out.status.success() {
        return Err(failed(
            "its workspace is broken (does a member still need a solution?)",
            out,
        ));
    }
    // Only the workspace's own entries change in Cargo.lock: every other
    // package keeps the version this course was tested with. Offline first,
    // since nothing new is needed; online if the local index lacks something.
    let update = ["update", "--workspace"];
    let out = run(&[&update[..], &["--offline"]].concat())?;
    if !out.status.success() {
        let out = run(&update)?;
        if !out.status.success() {
            return Err(failed("its Cargo.lock could not be updated", out));
        }
    }
    Ok(())
}

/// The workspace manifest with `members` and `default-members` entries that
/// `keep` refuses taken out. Everything else is left as written.
pub fn filter_members(manifest: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut lines = manifest.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with('#') {
            // A comment paragraph about the solutions is not true of the
            // handout: it goes whole.
            let mut paragraph = vec![line];
            while let Some(next) = lines.next_if(|l| l.trim_start().starts_with('#')) {
                paragraph.push(next);
            }
            if !paragraph
                .iter()
                .any(|l| l.to_lowercase().contains("solution"))
            {
                for comment in paragraph {
                    out += comment;
                    out.push('\n');
                }
            }
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        if !(line.contains('=') && (key == "members" || key == "default-members")) {
            out += line;
            out.push('\n');
            continue;
        }
        // Collect the whole array, which may span lines.
        let mut array = line.split_once('=').unwrap().1.to_string();
        while !array.contains(']') {
            match lines.next() {
                Some(next) => {
                    array.push('\n');
                    array += next;
                }
                None => break,
            }
        }
        let entries: Vec<String> = quoted_strings(&array)
            .into_iter()
            .filter(|entry| keep(entry))
            .collect();
        let quoted: Vec<String> = entries.iter().map(|e| format!("\"{e}\"")).collect();
        if array.contains('\n') {
            out += &format!("{key} = [\n");
            for entry in &quoted {
                out += &format!("    {entry},\n");
            }
            out += "]\n";
        } else {
            out += &format!("{key} = [{}]\n", quoted.join(", "));
        }
    }
    out
}

/// The `"..."` strings in a TOML array (comments after `#` skipped).
fn quoted_strings(array: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in array.lines() {
        let mut rest = line;
        loop {
            let quote = rest.find('"');
            let comment = rest.find('#');
            match (quote, comment) {
                (Some(q), Some(c)) if c < q => break,
                (Some(q), _) => {
                    let after = &rest[q + 1..];
                    let Some(end) = after.find('"') else { break };
                    found.push(after[..end].to_string());
                    rest = &after[end + 1..];
                }
                (None, _) => break,
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walkthroughs_part_leaves_the_summary() {
        let summary = "# Summary\n\n# Practice\n\n- [Exercises](exercises/README.md)\n\n\
                       # Walkthroughs (they contain the answers)\n\n\
                       - [Walkthrough: exercise 1](walkthroughs/exercise-1.md)\n\n\
                       # Beyond\n\n- [Going further](going-further.md)\n";
        let kept = drop_walkthroughs_part(summary);
        assert!(!kept.contains("alkthrough"), "{kept}");
        assert!(
            kept.contains("- [Exercises](exercises/README.md)"),
            "{kept}"
        );
        assert!(
            kept.contains("# Beyond\n\n- [Going further](going-further.md)\n"),
            "{kept}"
        );
    }

    #[test]
    fn members_without_solutions() {
        let manifest = "\
[workspace]
resolver = \"3\"
# solutions/* are the finished exercises,
# checked by exercises/check.
members = [
    \"code\",  # the runtime
    \"exercises/*\",
    \"solutions/*\",
    \"exercises/check\",
]
# The stubs fail on purpose.
default-members = [\"code\", \"exercises/course\", \"exercises/check\"]

[workspace.dependencies]
code = { path = \"code\" }
";
        let keep = |m: &str| !m.starts_with("solutions") && m != "exercises/check";
        assert_eq!(
            filter_members(manifest, keep),
            "\
[workspace]
resolver = \"3\"
members = [
    \"code\",
    \"exercises/*\",
]
# The stubs fail on purpose.
default-members = [\"code\", \"exercises/course\"]

[workspace.dependencies]
code = { path = \"code\" }
"
        );
    }

    #[test]
    fn which_crates_need_solutions() {
        assert!(needs_solutions(
            "[dependencies]\nsolution-1 = { path = \"../../solutions/solution-1\" }"
        ));
        assert!(needs_solutions(
            "[dev-dependencies]\nsolution-2.workspace = true"
        ));
        assert!(!needs_solutions(
            "description = \"solution-1 runs these tests\"\n[dependencies]\ncode.workspace = true"
        ));
    }

    #[test]
    fn a_students_defaults_run_the_exercises_and_not_the_books_blocks() {
        let manifest = "[workspace]\nmembers = [\"code\", \"exercises/exercise-*\"]\n\
                        default-members = [\"code\", \"code/book-tests\", \"exercises/course\"]\n";
        let students = defaults_for_students(manifest);
        assert!(
            students.contains(
                "default-members = [\"code\", \"exercises/course\", \"exercises/exercise-*\"]\n"
            ),
            "{students}"
        );
        assert!(students.contains("members = [\"code\", \"exercises/exercise-*\"]\n"));
    }

    #[test]
    fn a_students_readme_has_no_instructors_sections() {
        let readme = "# Course\n\n## Set up\n\nRun all tests (the runtime, and the check\n\
                      that every solution passes):\n\n```sh\ncargo test\n```\n\n\
                      ## For instructors\n\ncargo test -p exercise-check\n\n## Layout\n\n\
                      | path | what |\n| --- | --- |\n| `code/` | runtime |\n\
                      | `solutions/check/` | the check |\n| `.ci/run` | CI |\n";
        let students = readme_for_students(readme);
        assert!(!students.contains("exercise-check"), "{students}");
        assert!(!students.contains("solutions/check"), "{students}");
        assert!(!students.contains(".ci/run"), "{students}");
        assert!(!students.contains("solution passes"), "{students}");
        assert!(
            students.contains(&format!(
                "{CARGO_TEST_HERE}\n\n```sh\n{CARGO_TEST_COMMAND}\n```"
            )),
            "{students}"
        );
        assert!(students.contains("| `code/` | runtime |"), "{students}");
        assert!(students.contains("## This copy"), "{students}");
    }

    #[test]
    fn the_tool_tests_targets_stay_behind_with_their_files() {
        let manifest = "[package]\nname = \"course\"\n\n[features]\nend-to-end = []\n\n\
                        [[test]]\nname = \"handout\"\nrequired-features = [\"end-to-end\"]\n";
        assert_eq!(
            drop_test_targets(manifest),
            "[package]\nname = \"course\"\n\n[features]\nend-to-end = []\n"
        );
    }

    #[test]
    fn strings_in_arrays() {
        assert_eq!(
            quoted_strings("[\"a\", \"b/c\"] # \"not\""),
            vec!["a".to_string(), "b/c".to_string()]
        );
    }
}
