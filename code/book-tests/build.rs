//! Turns the book's pages into tests: every ```rust block under `book/` is
//! compiled and run by skeptic, linked against the `code` crate.
//!
//! skeptic reads Markdown as it is, so the pages are first copied into
//! OUT_DIR with what mdBook would do to them done here too (`prepare.rs`):
//! - `{{#include file}}` and `{{#include file:anchor}}` are expanded, so the
//!   code the reader sees (often the crate's own source) is what is compiled;
//! - a `<!-- compiled with: … -->` comment before a block (the code only the
//!   compiler needs, kept off the page and out of the search index) is
//!   merged into the block;
//! - a block without `fn main` is wrapped in one, as rustdoc does;
//! - `main` is wrapped once more by a watchdog, so a snippet that hangs fails
//!   after a time limit instead of hanging `cargo test`.

use std::fs;
use std::path::{Path, PathBuf};

mod prepare;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let book = manifest
        .join("../../book")
        .canonicalize()
        .expect("book/ not found");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("book");
    println!("cargo:rerun-if-changed={}", book.display());
    println!("cargo:rerun-if-changed=prepare.rs");

    let mut pages = Vec::new();
    let mut deps = Vec::new();
    for page in prepare::markdown_files(&book) {
        let relative = page.strip_prefix(&book).unwrap();
        let target = out.join(relative);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = fs::read_to_string(&page).unwrap();
        if page.to_string_lossy().ends_with(".skt.md") {
            // Templates are used by skeptic as they are.
            fs::write(&target, text).unwrap();
            continue;
        }
        let name = Path::new("book").join(relative);
        let prepared = prepare::page_for_skeptic(&text, page.parent().unwrap(), &name, &mut deps);
        fs::write(&target, prepared).unwrap();
        pages.push(target);
    }
    for file in deps {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    pages.sort();
    skeptic::generate_doc_tests(&pages);
}
