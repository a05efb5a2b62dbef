//! Turns the book's pages into tests: every ```rust block under `book/` is
//! compiled and run by skeptic, linked against the `code` crate.
//!
//! skeptic reads Markdown as it is, so the pages are first copied into
//! OUT_DIR with what mdBook would do to them done here too:
//! - `{{#include file}}` and `{{#include file:anchor}}` are expanded, so the
//!   code the reader sees (often the crate's own source) is what is compiled;
//! - a block without `fn main` is wrapped in one, as rustdoc does;
//! - `main` is wrapped once more by a watchdog, so a snippet that hangs fails
//!   after a time limit instead of hanging `cargo test`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// How long one book snippet may run.
const SNIPPET_LIMIT_SECS: u64 = 30;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let book = manifest
        .join("../../book")
        .canonicalize()
        .expect("book/ not found");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("book");
    println!("cargo:rerun-if-changed={}", book.display());

    let mut pages = Vec::new();
    for page in markdown_files(&book) {
        let relative = page.strip_prefix(&book).unwrap();
        let target = out.join(relative);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = fs::read_to_string(&page).unwrap();
        if page.to_string_lossy().ends_with(".skt.md") {
            // Templates are used by skeptic as they are.
            fs::write(&target, text).unwrap();
            continue;
        }
        let expanded = expand_includes(&text, page.parent().unwrap(), &page);
        fs::write(&target, prepare_blocks(&expanded, relative)).unwrap();
        pages.push(target);
    }
    pages.sort();
    skeptic::generate_doc_tests(&pages);
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found
}

/// Expands `{{#include path}}`, `{{#include path:anchor}}` and
/// `{{#include path:start:end}}`, paths relative to the page, as mdBook does.
/// `{{#rustdoc_include path:anchor}}` is the same, except that the rest of the
/// file is kept as hidden `# ` lines: the reader sees the anchor, the
/// compiler sees the whole file.
fn expand_includes(text: &str, dir: &Path, page: &Path) -> String {
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
            result.push_str(&include(arg.trim(), dir, page, kind == "rustdoc_include"));
        } else {
            // Not ours (e.g. {{#quiz}}): keep it.
            result.push_str(&rest[start..start + len + 2]);
        }
        rest = &rest[start + len + 2..];
    }
    result.push_str(rest);
    result
}

fn include(arg: &str, dir: &Path, page: &Path, hide_rest: bool) -> String {
    let mut parts = arg.splitn(2, ':');
    let file = dir.join(parts.next().unwrap());
    println!("cargo:rerun-if-changed={}", file.display());
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
fn prepare_blocks(text: &str, page: &Path) -> String {
    let mut out = String::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        let fence = trimmed.starts_with("```") && trimmed[3..].trim_start().starts_with("rust");
        if !fence {
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
fn unhide(line: &str) -> &str {
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
