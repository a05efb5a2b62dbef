//! How the exercises' tests show bytes in a failure: as text, the way they
//! were sent (`"late data\n"`), not as a list of numbers
//! (`[108, 97, 116, …]`). Every test file that needs it includes this one
//! file.

// Each exercise's tests use some of these, not all.
#![allow(dead_code)]

/// `bytes` as a quoted string: printable ASCII as it is, everything else
/// escaped (`\n`, `\xff`). Long runs are cut in the middle, so a failure
/// about 8 MiB stays readable.
pub fn text(bytes: &[u8]) -> String {
    /// Bytes shown from each end of a long run.
    const SHOWN: usize = 64;
    if bytes.len() <= 2 * SHOWN {
        return format!("\"{}\"", bytes.escape_ascii());
    }
    format!(
        "\"{}\" … ({} bytes in all) … \"{}\"",
        bytes[..SHOWN].escape_ascii(),
        bytes.len(),
        bytes[bytes.len() - SHOWN..].escape_ascii()
    )
}

/// Fails the test with `what`, showing both as text, unless `got` is
/// `expected`.
#[track_caller]
pub fn assert_bytes(got: &[u8], expected: &[u8], what: &str) {
    assert!(
        got == expected,
        "{what}\n  got:      {}\n  expected: {}",
        text(got),
        text(expected)
    );
}
