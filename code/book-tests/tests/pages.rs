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

/// The info string of every fenced Rust block: (page, line, info).
fn rust_fences() -> Vec<(PathBuf, usize, String)> {
    let mut fences = Vec::new();
    for page in pages(&book_dir()) {
        let text = fs::read_to_string(&page).unwrap();
        let mut inside = false;
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                if !inside && info.trim_start().starts_with("rust") {
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
    let generated = include_str!(concat!(env!("OUT_DIR"), "/skeptic-tests.rs"))
        .matches("#[test]")
        .count();
    assert_eq!(
        generated, checked,
        "the book has {checked} Rust blocks to check but skeptic generated {generated} tests"
    );
}
