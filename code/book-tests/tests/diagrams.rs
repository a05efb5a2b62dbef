//! The book's diagrams are drawn beforehand: each source, book/diagrams/NAME.mmd,
//! becomes book/diagrams/NAME.svg (`bash code/book-tests/browser/diagrams`), and a
//! page puts the SVG inline. These checks keep the two in step: every source has
//! its SVG, drawn from this very source (the SVG records the source's SHA-256),
//! no SVG is left without a source, and every SVG is on a page, as an image with
//! a text alternative.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const REDRAW: &str = "bash code/book-tests/browser/diagrams";

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book")
}

fn diagrams_dir() -> PathBuf {
    book_dir().join("diagrams")
}

/// The names (file stems) of the files in book/diagrams/ with this extension.
fn names(extension: &str) -> BTreeSet<String> {
    fs::read_dir(diagrams_dir())
        .expect("book/diagrams/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
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
    found.sort();
    found
}

/// The value of `name="…"` in the SVG's root element, if it has one.
fn root_attribute<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
    let root = &svg[..svg.find('>')?];
    let start = root.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = root[start..].find('"')?;
    Some(&root[start..start + len])
}

/// The text of the first `<tag …>…</tag>` in the SVG.
fn element_text<'a>(svg: &'a str, tag: &str) -> Option<&'a str> {
    let open = svg.find(&format!("<{tag}"))?;
    let start = open + svg[open..].find('>')? + 1;
    let len = svg[start..].find(&format!("</{tag}>"))?;
    Some(svg[start..start + len].trim())
}

#[test]
fn every_diagram_source_has_its_svg_drawn_from_it() {
    let sources = names("mmd");
    assert!(!sources.is_empty(), "no diagram sources in book/diagrams/");
    let mut stale = Vec::new();
    for name in &sources {
        let source = fs::read(diagrams_dir().join(format!("{name}.mmd"))).unwrap();
        let wanted = hex(&sha256(&source));
        match fs::read_to_string(diagrams_dir().join(format!("{name}.svg"))) {
            Err(_) => stale.push(format!("{name}.mmd has no {name}.svg")),
            Ok(svg) => match root_attribute(&svg, "data-source-sha256") {
                Some(recorded) if recorded == wanted => {}
                Some(_) => stale.push(format!(
                    "{name}.svg was drawn from another version of {name}.mmd"
                )),
                None => stale.push(format!("{name}.svg does not record its source's SHA-256")),
            },
        }
    }
    assert!(
        stale.is_empty(),
        "diagrams to draw again (`{REDRAW} NAME`, then commit the SVG):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn every_diagram_svg_has_its_source() {
    let sources = names("mmd");
    let orphans: Vec<_> = names("svg").difference(&sources).cloned().collect();
    assert!(
        orphans.is_empty(),
        "SVGs in book/diagrams/ without a source (NAME.mmd): {orphans:?}; remove them or add the source"
    );
}

#[test]
fn every_diagram_is_on_a_page_as_an_image_with_a_text_alternative() {
    let mut shown = BTreeSet::new();
    let mut problems = Vec::new();
    for page in pages(&book_dir()) {
        let text = fs::read_to_string(&page).unwrap();
        let where_ = page.strip_prefix(book_dir()).unwrap().display().to_string();
        if text.contains("```mermaid") {
            problems.push(format!("{where_}: a ```mermaid block (no page draws diagrams at run time: move it to book/diagrams/)"));
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.trim().strip_prefix("{{#include ") else {
                continue;
            };
            let Some(path) = rest.strip_suffix("}}") else {
                continue;
            };
            let Some(name) = path
                .strip_prefix("../")
                .unwrap_or(path)
                .strip_prefix("diagrams/")
            else {
                continue;
            };
            let name = name.strip_suffix(".svg").unwrap_or(name).to_string();
            // Its own figure, one HTML block: the figure's lines, with no blank line.
            let framed = i > 0
                && lines[i - 1].trim() == r#"<figure class="diagram">"#
                && lines.get(i + 1).is_some_and(|l| l.trim() == "</figure>");
            if !framed {
                problems.push(format!(
                    "{where_}:{}: {name}.svg is not alone in a <figure class=\"diagram\">",
                    i + 1
                ));
            }
            if !shown.insert(name.clone()) {
                problems.push(format!("{where_}: {name}.svg is shown twice in the book"));
            }
        }
    }
    for name in names("svg") {
        let svg = fs::read_to_string(diagrams_dir().join(format!("{name}.svg"))).unwrap();
        if !shown.contains(&name) {
            problems.push(format!("{name}.svg is on no page"));
        }
        // One line: a blank line inside would end the page's HTML block.
        if svg.trim_end().contains('\n') {
            problems.push(format!("{name}.svg is more than one line"));
        }
        if root_attribute(&svg, "role") != Some("img") {
            problems.push(format!("{name}.svg: the root has no role=\"img\""));
        }
        for (attribute, tag) in [("aria-labelledby", "title"), ("aria-describedby", "desc")] {
            let id = root_attribute(&svg, attribute).unwrap_or_default();
            let text = element_text(&svg, tag).unwrap_or_default();
            if id.is_empty() || !svg.contains(&format!("<{tag} id=\"{id}\"")) || text.len() < 10 {
                problems.push(format!("{name}.svg: no <{tag}> named by {attribute} (accTitle / accDescr in {name}.mmd)"));
            }
        }
        if root_attribute(&svg, "id") != Some(&format!("diagram-{name}")) {
            problems.push(format!("{name}.svg: its id is not diagram-{name}"));
        }
    }
    assert!(
        problems.is_empty(),
        "diagrams:\n  {}",
        problems.join("\n  ")
    );
}

// SHA-256 (FIPS 180-4), written out here so that this check needs no crate.

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // The message, a 1 bit, zeros up to 56 bytes mod 64, and its length in bits.
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choice = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(choice)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_mut(4).zip(h) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The published test vectors, and one that spans two blocks with its length.
#[test]
fn sha256_matches_the_standard_vectors() {
    assert_eq!(
        hex(&sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(&sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}
