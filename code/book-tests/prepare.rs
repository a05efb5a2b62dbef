//! How a page of the book becomes a page that skeptic compiles: what
//! mdBook does to a page (includes), what rustdoc does to a block (a `main`
//! around it), a watchdog around `main`, and the compile context that a page
//! keeps out of sight in a `compiled with` comment.
//!
//! Used by `build.rs` (which generates the tests) and by `tests/pages.rs`
//! (which checks the pages and this module). Each uses a part of it.
//!
//! ## A block's compile context, out of the page: `<!-- compiled with: -->`
//!
//! Lines hidden with `# ` (and the rest of a file shown with
//! `{{#rustdoc_include}}`) are on the page, behind the eye button, and in
//! mdBook's search index: a search for a word then lands on hidden code. An
//! HTML comment right before a Rust block holds what only the compiler needs;
//! mdBook neither shows nor indexes comments, and this module compiles the
//! block inside it:
//!
//! ````text
//! <!-- compiled with:
//! mod trace { pub use code::trace::emit; }
//! mod net {
//! {{block with whole files}}
//! }
//! fn main() {
//!     // a check that runs the code above
//! }
//! -->
//! ```rust
//! {{#include ../code/src/net.rs:poll_read}}
//! ```
//! ````
//!
//! - The comment starts with the line `<!-- compiled with:` and ends with
//!   the line `-->`; the next line that is not blank opens the Rust block.
//! - One line of it is `{{block}}` (the block as the reader sees it) or
//!   `{{block with whole files}}` (each `{{#include file:anchor}}` of the
//!   block compiled with the rest of its file around it, as
//!   `{{#rustdoc_include}}` would, but without putting the file on the page).
//! - `{{include path}}`, `{{include path:anchor}}`, `{{include path:a:b}}`
//!   (no `#`: mdBook would expand it, even in a comment) put a file or a
//!   part of one in the program.
//! - Nothing else in it may contain `{{#` or `-->`.
//!
//! ## Code another crate's tests run: `<!-- tested by: cargo test -p NAME -->`
//!
//! skeptic links the blocks against `code` alone, so code that needs other
//! libraries (hyper, tokio-util) cannot be a book test. Such code lives in
//! a workspace crate whose own tests compile and run it, and a page shows
//! it with includes, after a one-line comment that names that crate:
//!
//! ````text
//! <!-- tested by: cargo test -p real-libs -->
//! ```rust
//! {{#include ../../code/real-libs/src/hyper_io.rs:adapter}}
//! ```
//! ````
//!
//! The block may hold nothing but `{{#include file:anchor}}` lines, each of
//! a file inside the named crate (so the page cannot show code the crate
//! does not have); skeptic then leaves the block out. `tests/pages.rs`
//! checks that the crate is a workspace member whose tests CI runs.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// How long one book snippet may run.
pub const SNIPPET_LIMIT_SECS: u64 = 30;

/// The first line of a compile-context comment.
const CONTEXT_OPEN: &str = "<!-- compiled with:";
const CONTEXT_CLOSE: &str = "-->";
const BLOCK: &str = "{{block}}";
const BLOCK_WITH_FILES: &str = "{{block with whole files}}";

/// Every Markdown file under `dir`.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The page as skeptic compiles it: each `compiled with` comment merged into
/// the block after it, includes expanded, each Rust block given a guarded
/// `main`. `deps` gets every file the page includes.
pub fn page_for_skeptic(text: &str, dir: &Path, page: &Path, deps: &mut Vec<PathBuf>) -> String {
    let text = set_aside_tested_elsewhere(text, dir, page);
    let merged = merge_compile_contexts(&text, page);
    let expanded = expand_includes(&merged, dir, page, deps);
    prepare_blocks(&expanded, page)
}

/// Replaces each `compiled with` comment and the Rust block after it by one
/// block that holds the whole program (the comment's lines around the
/// block's), in the directives that [`expand_includes`] understands.
pub fn merge_compile_contexts(text: &str, page: &Path) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != CONTEXT_OPEN {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        }
        let at = |n: usize| format!("{}:{}", page.display(), n + 1);
        let opened = i;
        let close = (i + 1..lines.len())
            .find(|&n| lines[n].contains(CONTEXT_CLOSE))
            .unwrap_or_else(|| panic!("{}: a `compiled with` comment is never closed", at(opened)));
        if lines[close].trim() != CONTEXT_CLOSE {
            panic!(
                "{}: `-->` ends the `compiled with` comment here (as it would for mdBook): \
                 put it on a line of its own, and keep it out of the code",
                at(close)
            );
        }
        let context = &lines[opened + 1..close];
        let markers: Vec<usize> = (0..context.len())
            .filter(|&n| matches!(context[n].trim(), BLOCK | BLOCK_WITH_FILES))
            .collect();
        let [marker] = markers[..] else {
            panic!(
                "{}: a `compiled with` comment needs exactly one `{BLOCK}` or \
                 `{BLOCK_WITH_FILES}` line (found {})",
                at(opened),
                markers.len()
            );
        };
        if let Some(n) = context.iter().position(|l| l.contains("{{#")) {
            panic!(
                "{}: `{{{{#` in a `compiled with` comment: mdBook would expand it on the \
                 page; write `{{{{include ...}}}}` without the `#`",
                at(opened + 1 + n)
            );
        }
        let whole_files = context[marker].trim() == BLOCK_WITH_FILES;
        // The block: the next line that is not blank opens it.
        let fence = (close + 1..lines.len())
            .find(|&n| !lines[n].trim().is_empty())
            .filter(|&n| is_rust_fence(lines[n]))
            .unwrap_or_else(|| {
                panic!(
                    "{}: a `compiled with` comment must be followed by a ```rust block",
                    at(opened)
                )
            });
        let end = (fence + 1..lines.len())
            .find(|&n| lines[n].trim_start().starts_with("```"))
            .unwrap_or_else(|| panic!("{}: the block is never closed", at(fence)));
        let hidden = |line: &str| line.replace("{{include ", "{{#include ");
        out.push_str(lines[fence]);
        out.push('\n');
        for line in &context[..marker] {
            out.push_str(&hidden(line));
            out.push('\n');
        }
        for line in &lines[fence + 1..end] {
            if whole_files {
                out.push_str(&line.replace("{{#include ", "{{#rustdoc_include "));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        for line in &context[marker + 1..] {
            out.push_str(&hidden(line));
            out.push('\n');
        }
        out.push_str(lines[end]);
        out.push('\n');
        i = end + 1;
    }
    out
}

/// The start of the comment that puts the Rust block after it in another
/// crate's care.
const TESTED_BY: &str = "<!-- tested by: cargo test -p ";

/// A Rust block whose code another crate's tests run.
#[derive(Debug)]
#[allow(dead_code)] // build.rs needs only where the block is; tests/pages.rs reads the rest
pub struct TestedElsewhere {
    /// The line of its fence on the page, from 1.
    pub line: usize,
    /// The crate whose tests run it.
    pub crate_name: String,
    /// That crate's folder.
    pub crate_dir: PathBuf,
}

/// Every block after a `tested by` comment in `text`, checked: the comment
/// is well formed, a ```rust block follows it, the block holds only
/// includes, and every included file lies in the named crate. Panics with
/// the page and line otherwise.
pub fn tested_elsewhere(text: &str, dir: &Path, page: &Path) -> Vec<TestedElsewhere> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix(TESTED_BY) else {
            continue;
        };
        let at = |n: usize| format!("{}:{}", page.display(), n + 1);
        let crate_name = rest
            .strip_suffix("-->")
            .map(str::trim)
            .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
            .unwrap_or_else(|| {
                panic!(
                    "{}: write the comment as `{TESTED_BY}NAME -->` on one line",
                    at(n)
                )
            });
        let fence = n + 1;
        if !lines.get(fence).is_some_and(|l| is_rust_fence(l)) {
            panic!(
                "{}: a `tested by` comment must be followed by a ```rust block",
                at(n)
            );
        }
        let end = (fence + 1..lines.len())
            .find(|&e| lines[e].trim_start().starts_with("```"))
            .unwrap_or_else(|| panic!("{}: the block is never closed", at(fence)));
        let mut crate_dir = None;
        for (i, inner) in lines[fence + 1..end].iter().enumerate() {
            let file = inner
                .trim()
                .strip_prefix("{{#include ")
                .and_then(|rest| rest.strip_suffix("}}"))
                .and_then(|arg| arg.split_once(':'))
                .map(|(file, _anchor)| dir.join(file.trim()))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: a block tested by another crate holds only                          `{{{{#include file:anchor}}}}` lines, so that its code is the crate's",
                        at(fence + 1 + i)
                    )
                });
            let home = crate_of(&file).unwrap_or_else(|| {
                panic!("{}: {} is in no crate", at(fence + 1 + i), file.display())
            });
            if package_name(&home).as_deref() != Some(crate_name) {
                panic!(
                    "{}: {} is not in the crate `{crate_name}` that the comment names",
                    at(fence + 1 + i),
                    file.display()
                );
            }
            crate_dir = Some(home);
        }
        let crate_dir =
            crate_dir.unwrap_or_else(|| panic!("{}: the block includes nothing", at(fence)));
        found.push(TestedElsewhere {
            line: fence + 1,
            crate_name: crate_name.to_string(),
            crate_dir,
        });
    }
    found
}

/// The page with each block that another crate's tests run turned into a
/// `text` block, which skeptic leaves alone (see [`tested_elsewhere`]).
pub fn set_aside_tested_elsewhere(text: &str, dir: &Path, page: &Path) -> String {
    let fences: Vec<usize> = tested_elsewhere(text, dir, page)
        .iter()
        .map(|block| block.line - 1)
        .collect();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        out.push_str(if fences.contains(&n) { "```text" } else { line });
        out.push('\n');
    }
    out
}

/// The folder of the crate `file` belongs to: the nearest one above it
/// with a Cargo.toml that has a `[package]`.
fn crate_of(file: &Path) -> Option<PathBuf> {
    let file = file.canonicalize().ok()?;
    file.ancestors()
        .skip(1)
        .find(|dir| package_name(dir).is_some())
        .map(Path::to_path_buf)
}

/// The package name in `dir`/Cargo.toml, if it has one.
pub fn package_name(dir: &Path) -> Option<String> {
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let package = manifest.split("[package]").nth(1)?;
    let section = package.split("\n[").next()?;
    section.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_string())
    })
}

/// Whether `line` opens a fenced Rust block (```` ```rust ````, with or without attributes).
pub fn is_rust_fence(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("```") && trimmed[3..].trim_start().starts_with("rust")
}

/// Expands `{{#include path}}`, `{{#include path:anchor}}` and
/// `{{#include path:start:end}}`, paths relative to the page, as mdBook does.
/// `{{#rustdoc_include path:anchor}}` is the same, except that the rest of the
/// file is kept as hidden `# ` lines: the reader sees the anchor, the
/// compiler sees the whole file.
pub fn expand_includes(text: &str, dir: &Path, page: &Path, deps: &mut Vec<PathBuf>) -> String {
    let mut result = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let directive = &rest[start + 3..start + len];
        let (kind, arg) = directive
            .split_once(char::is_whitespace)
            .unwrap_or((directive, ""));
        result.push_str(&rest[..start]);
        if kind == "include" || kind == "rustdoc_include" {
            result.push_str(&include(
                arg.trim(),
                dir,
                page,
                kind == "rustdoc_include",
                deps,
            ));
        } else {
            // Not ours (e.g. {{#quiz}}): keep it.
            result.push_str(&rest[start..start + len + 2]);
        }
        rest = &rest[start + len + 2..];
    }
    result.push_str(rest);
    result
}

fn include(arg: &str, dir: &Path, page: &Path, hide_rest: bool, deps: &mut Vec<PathBuf>) -> String {
    let mut parts = arg.splitn(2, ':');
    let file = dir.join(parts.next().unwrap());
    deps.push(file.clone());
    let content = fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: cannot include {}: {e}", page.display(), file.display()));
    let lines: Vec<&str> = content.lines().collect();
    // The part the reader sees, as a range of `lines`.
    let (from, to) = match parts.next() {
        None => (0, lines.len()),
        Some(range)
            if range
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == ':') =>
        {
            let (from, to) = range.split_once(':').unwrap_or((range, range));
            let from = from.parse::<usize>().map_or(0, |n| n.saturating_sub(1));
            let to = to.parse::<usize>().unwrap_or(lines.len()).min(lines.len());
            (from, to)
        }
        Some(anchor) => {
            let begin = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            let first = lines
                .iter()
                .position(|l| is_marker(l, &begin))
                .unwrap_or_else(|| {
                    panic!("{}: no `{begin}` in {}", page.display(), file.display())
                });
            let last = lines[first..]
                .iter()
                .position(|l| is_marker(l, &end))
                .map(|n| first + n)
                .unwrap_or_else(|| panic!("{}: no `{end}` in {}", page.display(), file.display()));
            (first + 1, last)
        }
    };
    let mut out = String::new();
    for (number, line) in lines.iter().enumerate() {
        if line.contains("ANCHOR:") || line.contains("ANCHOR_END:") {
            continue;
        }
        if (from..to).contains(&number) {
            out.push_str(line);
        } else if hide_rest {
            out.push_str("# ");
            out.push_str(line);
        } else {
            continue;
        }
        out.push('\n');
    }
    // The directive sits on its own line; its newline follows.
    out.pop();
    out
}

/// Whether `line` is the anchor marker `marker` (`ANCHOR: name`): at the end
/// of a code comment (`// ANCHOR: name`) or, in Markdown, inside an HTML
/// comment (`<!-- ANCHOR: name -->`), which hides it from readers of the file.
fn is_marker(line: &str, marker: &str) -> bool {
    let line = line.trim_end();
    let line = line.strip_suffix("-->").map_or(line, str::trim_end);
    line.ends_with(marker)
}

/// Rewrites each ```rust block so that it has a `main` guarded by a watchdog.
pub fn prepare_blocks(text: &str, page: &Path) -> String {
    let mut out = String::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        if !is_rust_fence(line) {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let info = trimmed[3..].trim();
        let mut body = Vec::new();
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            body.push(inner);
        }
        if info.contains("compile_fail") {
            // skeptic cannot check a compile error; such a block (it must be
            // `compile_fail,ignore`) is left out rather than shown as ignored.
            continue;
        }
        // skeptic would mark a `should_panic` block `#[should_panic]`, and a
        // block that does not even compile would then pass. Instead the
        // block runs as usual and its `main` checks that it panicked.
        let attrs: Vec<&str> = info.split([',', ' ']).map(str::trim).collect();
        let should_panic = attrs.contains(&"should_panic");
        let info: Vec<&str> = attrs.into_iter().filter(|a| *a != "should_panic").collect();
        writeln!(out, "```{}", info.join(",")).unwrap();
        out.push_str(&guarded(
            &body,
            &format!("{}:{}", page.display(), number + 1),
            should_panic,
        ));
        out.push_str("```\n");
    }
    out
}

/// The block's code with `main` renamed and called by a watchdog `main`
/// (which, for a `should_panic` block, fails unless the call panics).
fn guarded(body: &[&str], place: &str, should_panic: bool) -> String {
    // What the program is once the `# ` hiding marks are removed.
    let code: Vec<String> = body.iter().map(|l| unhide(l).to_string()).collect();
    let mut code = code.join("\n");
    let main_at = find_main(&code);
    let return_type = match main_at {
        Some(at) => {
            let signature_end = at + code[at..].find('{').expect("fn main without a body");
            let signature = code[at..signature_end].to_string();
            code.replace_range(at..at + "fn main".len(), "fn __book_main");
            signature
                .split_once("->")
                .map(|(_, t)| t.trim().to_string())
        }
        None => {
            code = format!("fn __book_main() {{\n{code}\n}}");
            None
        }
    };
    let (arrow, call) = if should_panic {
        (
            String::new(),
            format!(
                "if std::panic::catch_unwind(|| __book_main()).is_ok() {{\n\
                 \x20       eprintln!(\"{place}: this block is marked should_panic but did not panic\");\n\
                 \x20       std::process::exit(1);\n\
                 \x20   }}"
            ),
        )
    } else {
        (
            return_type.map(|t| format!(" -> {t}")).unwrap_or_default(),
            "__book_main()".to_string(),
        )
    };
    format!(
        "{code}\n\
         fn main(){arrow} {{\n\
         \x20   std::thread::spawn(|| {{\n\
         \x20       std::thread::sleep(std::time::Duration::from_secs({SNIPPET_LIMIT_SECS}));\n\
         \x20       eprintln!(\"{place}: this example was still running after {SNIPPET_LIMIT_SECS} s\");\n\
         \x20       std::process::exit(124);\n\
         \x20   }});\n\
         \x20   {call}\n\
         }}\n"
    )
}

/// A line as the compiler sees it: mdBook and skeptic hide `# ` lines from
/// the reader but keep them in the program.
pub fn unhide(line: &str) -> &str {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("# ") {
        rest
    } else if trimmed == "#" {
        ""
    } else {
        line
    }
}

/// Where `fn main(` starts, if the code has it.
fn find_main(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = code[from..].find("fn main") {
        let at = from + at;
        let after = code[at + "fn main".len()..].trim_start();
        if after.starts_with('(') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
