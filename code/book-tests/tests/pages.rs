//! Checks on the pages themselves, beyond compiling their code.

use std::fs;
use std::path::{Path, PathBuf};

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book")
}

fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(pages(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found
}

/// The info string of every fenced Rust block that skeptic checks: (page,
/// line, info). Blocks another crate's tests run are left out (see
/// `blocks_tested_elsewhere_are_tested_in_ci`).
fn rust_fences() -> Vec<(PathBuf, usize, String)> {
    let mut fences = Vec::new();
    for page in pages(&book_dir()) {
        let text = fs::read_to_string(&page).unwrap();
        let elsewhere: Vec<usize> = prepare::tested_elsewhere(&text, page.parent().unwrap(), &page)
            .iter()
            .map(|block| block.line)
            .collect();
        let mut inside = false;
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                if !inside
                    && info.trim_start().starts_with("rust")
                    && !elsewhere.contains(&(number + 1))
                {
                    fences.push((page.clone(), number + 1, info.trim().to_string()));
                }
                inside = !inside;
            }
        }
    }
    fences
}

/// An ignored block is never compiled or run, so nothing stops it from
/// going stale. The one exception is a block that shows a compile error on
/// purpose (`compile_fail,ignore`: skeptic cannot check compile_fail).
#[test]
fn no_rust_block_is_ignored() {
    let ignored: Vec<String> = rust_fences()
        .into_iter()
        .filter(|(_, _, info)| {
            let attrs: Vec<&str> = info.split([',', ' ']).map(str::trim).collect();
            attrs.contains(&"ignore") && !attrs.contains(&"compile_fail")
        })
        .map(|(page, line, info)| format!("{}:{line}: ```{info}", page.display()))
        .collect();
    assert!(
        ignored.is_empty(),
        "these Rust blocks are marked `ignore`, so nothing checks them; make them \
         runnable:\n{}",
        ignored.join("\n")
    );
}

/// Checked Rust blocks outside the walkthroughs, and in them, when the depth
/// of the lesson path moved to the part after it (the book had 90 before
/// the move, 68 and 22): a move must not lose one. The walkthroughs are
/// counted apart because a learner's handout leaves them out.
const FEWEST_CHECKED_BLOCKS: usize = 81;
const FEWEST_CHECKED_WALKTHROUGH_BLOCKS: usize = 22;

/// Every block the pipeline turns into a test is counted here, so a page
/// whose blocks silently stopped being tests would show up as a drop.
#[test]
fn the_book_has_checked_rust_blocks() {
    let fences = rust_fences();
    let checked = fences
        .iter()
        .filter(|(_, _, info)| !info.contains("compile_fail"))
        .count();
    assert!(
        checked > 0,
        "no Rust block found under book/: is the path right?"
    );
    let in_walkthroughs = fences
        .iter()
        .filter(|(page, _, info)| {
            !info.contains("compile_fail")
                && page.components().any(|c| c.as_os_str() == "walkthroughs")
        })
        .count();
    let outside = checked - in_walkthroughs;
    assert!(
        outside >= FEWEST_CHECKED_BLOCKS,
        "the book has {outside} checked Rust blocks outside the walkthroughs, fewer than \
         {FEWEST_CHECKED_BLOCKS}: a block moved off a page must stay a checked block somewhere"
    );
    // A handout has no walkthroughs at all; where they are, none may go.
    assert!(
        in_walkthroughs == 0 || in_walkthroughs >= FEWEST_CHECKED_WALKTHROUGH_BLOCKS,
        "the walkthroughs have {in_walkthroughs} checked Rust blocks, fewer than \
         {FEWEST_CHECKED_WALKTHROUGH_BLOCKS}"
    );
    let generated = include_str!(concat!(env!("OUT_DIR"), "/skeptic-tests.rs"))
        .matches("#[test]")
        .count();
    assert_eq!(
        generated, checked,
        "the book has {checked} Rust blocks to check but skeptic generated {generated} tests"
    );
}

// ---- Hidden lines, and the `compiled with` comment that replaces them ----

// The Markdown preparation that build.rs uses (this file uses a part of it).
#[path = "../prepare.rs"]
#[allow(dead_code)]
mod prepare;

/// Most lines hidden behind the eye button in one block. Hidden lines are
/// in mdBook's search index, so a search for a word lands on code the page
/// does not show; a block's compile context belongs in a `compiled with`
/// comment (see prepare.rs), and hidden lines only where they help a reader.
const MOST_HIDDEN_LINES: usize = 12;

/// Pages with blocks over that budget, each to be converted to `compiled
/// with` comments and then taken off this list (the test says which pages
/// are within budget now). Empty: every page is within it, and a page not
/// listed here must stay within it.
const KNOWN_OVER_BUDGET: &[&str] = &[];

/// Each Rust block of `text` as mdBook shows it (includes expanded, comments
/// left alone): (its number on the page, from 1; hidden lines in it).
fn hidden_lines_per_block(text: &str, dir: &Path, page: &Path) -> Vec<(usize, usize)> {
    let shown = prepare::expand_includes(text, dir, page, &mut Vec::new());
    let mut blocks = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for line in shown.lines() {
        match current.as_mut() {
            None if prepare::is_rust_fence(line) => current = Some((blocks.len() + 1, 0)),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, hidden)) => *hidden += usize::from(prepare::unhide(line) != line),
        }
    }
    blocks
}

#[test]
fn hidden_lines_stay_few() {
    let book = book_dir().canonicalize().unwrap();
    let mut over = Vec::new();
    let mut within = Vec::new();
    for page in prepare::markdown_files(&book) {
        // `/` on every system, as in KNOWN_OVER_BUDGET.
        let name = page
            .strip_prefix(&book)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(&page).unwrap();
        let blocks = hidden_lines_per_block(&text, page.parent().unwrap(), &page);
        let worst: Vec<String> = blocks
            .iter()
            .filter(|(_, hidden)| *hidden > MOST_HIDDEN_LINES)
            .map(|(block, hidden)| format!("Rust block {block}: {hidden} hidden lines"))
            .collect();
        if worst.is_empty() {
            within.push(name);
        } else if !KNOWN_OVER_BUDGET.contains(&name.as_str()) {
            over.push(format!("{name}: {}", worst.join(", ")));
        }
    }
    let fixed: Vec<&&str> = KNOWN_OVER_BUDGET
        .iter()
        .filter(|p| within.iter().any(|w| w == *p))
        .collect();
    if !fixed.is_empty() {
        eprintln!("within the hidden-line budget now, take off KNOWN_OVER_BUDGET: {fixed:?}");
    }
    assert!(
        over.is_empty(),
        "blocks with more than {MOST_HIDDEN_LINES} hidden lines (they fill the search index \
         with code the page does not show): move their compile context into a \
         `<!-- compiled with:` comment (code/book-tests/prepare.rs)\n{}",
        over.join("\n")
    );
}

/// A scratch folder with `files` in it, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, files: &[(&str, &str)]) -> Scratch {
        let dir = std::env::temp_dir().join(format!("book-tests-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            fs::write(dir.join(file), text).unwrap();
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const LIB: &str = "\
pub struct Stream;
// ANCHOR: poll
impl Stream {
    pub fn poll(&self) -> u8 { helper() }
}
// ANCHOR_END: poll
fn helper() -> u8 { 7 }
";

const PAGE: &str = "\
Some prose.

<!-- compiled with:
mod net {
{{block with whole files}}
}
fn main() {
    assert_eq!(net::Stream.poll(), 7);
}
-->
```rust
{{#include lib.rs:poll}}
```

More prose.
";

/// mdBook shows the anchor and nothing else; skeptic compiles the whole
/// file inside the comment's program.
#[test]
fn a_compiled_with_comment_keeps_the_context_off_the_page() {
    let scratch = Scratch::new("context", &[("lib.rs", LIB), ("page.md", PAGE)]);
    let page = scratch.0.join("page.md");
    // What mdBook renders: the comment as it is (an HTML comment, neither
    // shown nor indexed) and a block of the anchor's three lines.
    let shown = prepare::expand_includes(PAGE, &scratch.0, &page, &mut Vec::new());
    assert!(
        shown.contains("```rust\nimpl Stream {\n    pub fn poll(&self) -> u8 { helper() }\n}\n```")
    );
    assert_eq!(hidden_lines_per_block(PAGE, &scratch.0, &page), [(1, 0)]);
    // What skeptic compiles: one program, the file around the anchor.
    let mut deps = Vec::new();
    let compiled = prepare::page_for_skeptic(PAGE, &scratch.0, &page, &mut deps);
    let block: Vec<&str> = compiled
        .lines()
        .skip_while(|l| !l.starts_with("```rust"))
        .collect();
    let expected_start = [
        "```rust",
        "mod net {",
        "pub struct Stream;",
        "impl Stream {",
        "    pub fn poll(&self) -> u8 { helper() }",
        "}",
        "fn helper() -> u8 { 7 }",
        "}",
        "fn __book_main() {",
        "    assert_eq!(net::Stream.poll(), 7);",
        "}",
        "fn main() {",
    ];
    assert_eq!(&block[..expected_start.len()], expected_start, "{compiled}");
    assert!(!compiled.contains("compiled with"), "{compiled}");
    assert!(compiled.contains("More prose."));
    assert_eq!(deps, [scratch.0.join("lib.rs")]);
}

/// `{{block}}` keeps the block as the reader sees it, and `{{include}}`
/// brings a file into the program only.
#[test]
fn a_compiled_with_comment_can_include_files() {
    let page_text = "\
<!-- compiled with:
mod net {
{{include lib.rs}}
}
{{block}}
-->
```rust
fn main() { assert_eq!(net::Stream.poll(), 7); }
```
";
    let scratch = Scratch::new("include", &[("lib.rs", LIB)]);
    let page = scratch.0.join("page.md");
    let compiled = prepare::page_for_skeptic(page_text, &scratch.0, &page, &mut Vec::new());
    assert!(
        compiled.contains("mod net {\npub struct Stream;\nimpl Stream {"),
        "{compiled}"
    );
    assert!(
        compiled.contains("fn __book_main() { assert_eq!"),
        "{compiled}"
    );
    let shown = prepare::expand_includes(page_text, &scratch.0, &page, &mut Vec::new());
    assert!(
        !shown.contains("pub struct Stream"),
        "mdBook would show the file:\n{shown}"
    );
}

/// A malformed comment fails the build with the page, the line and the fix.
#[test]
fn a_malformed_compiled_with_comment_says_what_is_wrong() {
    let fails = |text: &str| -> String {
        let text = text.to_string();
        let err = std::panic::catch_unwind(move || {
            prepare::merge_compile_contexts(&text, Path::new("book/page.md"))
        })
        .expect_err("accepted a malformed comment");
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    let no_marker = fails("<!-- compiled with:\nfn main() {}\n-->\n```rust\nlet x = 1;\n```\n");
    assert!(
        no_marker.contains("book/page.md:1") && no_marker.contains("{{block}}"),
        "{no_marker}"
    );
    let no_block = fails("<!-- compiled with:\n{{block}}\n-->\n\nprose\n");
    assert!(
        no_block.contains("followed by a ```rust block"),
        "{no_block}"
    );
    let directive = fails("<!-- compiled with:\n{{#include x.rs}}\n{{block}}\n-->\n```rust\n```\n");
    assert!(
        directive.contains("book/page.md:2") && directive.contains("without the `#`"),
        "{directive}"
    );
    let arrow = fails("<!-- compiled with:\n{{block}}\nlet a = b-->c;\n-->\n```rust\n```\n");
    assert!(arrow.contains("book/page.md:3"), "{arrow}");
    let open = fails("<!-- compiled with:\n{{block}}\n```rust\n```\n");
    assert!(open.contains("never closed"), "{open}");
}

// ---- Blocks whose code another crate's tests run ----

/// A block after `<!-- tested by: cargo test -p NAME -->` is not a book
/// test: it shows code of the crate NAME (prepare.rs checks that it holds
/// only includes of that crate's files). That crate's tests are what check
/// it, so they must run: the crate is a workspace member, and CI runs
/// `cargo test --locked -p NAME`. (A student's handout has no CI: there,
/// the crate must still be a member, so that `cargo test -p NAME` works.)
#[test]
fn blocks_tested_elsewhere_are_tested_in_ci() {
    let root = book_dir().join("..").canonicalize().unwrap();
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let ci = fs::read_to_string(root.join(".ci/run")).ok();
    let mut problems = Vec::new();
    for page in pages(&book_dir()) {
        let text = fs::read_to_string(&page).unwrap();
        for block in prepare::tested_elsewhere(&text, page.parent().unwrap(), &page) {
            let place = format!("{}:{}", page.display(), block.line);
            let member = block
                .crate_dir
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if !manifest.contains(&format!("\"{member}\"")) {
                problems.push(format!("{place}: {member} is not a workspace member"));
            }
            let command = format!("cargo test --locked -p {}\n", block.crate_name);
            if ci.as_ref().is_some_and(|ci| !ci.contains(&command)) {
                problems.push(format!("{place}: .ci/run never runs `{}`", command.trim()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_block_tested_elsewhere_may_only_include_that_crates_files() {
    const MANIFEST: &str = "[package]\nname = \"other\"\n\n[dependencies]\nname = 1\n";
    const LIB: &str = "// ANCHOR: part\nfn f() {}\n// ANCHOR_END: part\n";
    let scratch = Scratch::new("elsewhere", &[("Cargo.toml", MANIFEST), ("lib.rs", LIB)]);
    let page = scratch.0.join("page.md");
    let run = |text: &'static str| {
        let dir = scratch.0.clone();
        let page = page.clone();
        std::panic::catch_unwind(move || prepare::set_aside_tested_elsewhere(text, &dir, &page))
            .map_err(|panic| panic.downcast_ref::<String>().cloned().unwrap_or_default())
    };
    let good = "<!-- tested by: cargo test -p other -->\n```rust\n{{#include lib.rs:part}}\n```\n";
    assert_eq!(
        run(good).unwrap(),
        "<!-- tested by: cargo test -p other -->\n```text\n{{#include lib.rs:part}}\n```\n",
        "skeptic gets a text block"
    );
    let code = "<!-- tested by: cargo test -p other -->\n```rust\nfn g() {}\n```\n";
    assert!(run(code).unwrap_err().contains("holds only"));
    let wrong = "<!-- tested by: cargo test -p code -->\n```rust\n{{#include lib.rs:part}}\n```\n";
    assert!(
        run(wrong)
            .unwrap_err()
            .contains("is not in the crate `code`")
    );
    let apart =
        "<!-- tested by: cargo test -p other -->\n\n```rust\n{{#include lib.rs:part}}\n```\n";
    assert!(
        run(apart)
            .unwrap_err()
            .contains("must be followed by a ```rust block")
    );
}
