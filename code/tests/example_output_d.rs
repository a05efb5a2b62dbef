//! The output that the quiz of chapter "copy and throughput" quotes is what
//! its example prints now. The
//! chapters do not show these outputs: their quizzes ask the reader to
//! predict them. If one fails, regenerate the file with the command in the
//! message, then reread the quiz question that quotes it.

use std::time::Duration;

use code::testing::within;

#[path = "../examples/copy_counts_other_sizes.rs"]
#[allow(dead_code)]
mod copy_counts_other_sizes;

/// Generous: each example runs in milliseconds, but the machine may be busy.
const LIMIT: Duration = Duration::from_secs(20);

/// Compares an example's output with its committed copy.
fn check(name: &str, actual: String) {
    let path = format!("{}/examples/output/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        actual == expected,
        "the output of example `{name}` is not what its quiz quotes ({path}).\n\
         --- committed:\n{expected}--- now:\n{actual}\
         If the change is intended: cargo run -p code --example {name} > code/examples/output/{name}.txt"
    );
}

#[test]
fn copy_counts_other_sizes_output_is_what_the_quiz_quotes() {
    let out = within(
        LIMIT,
        "example copy_counts_other_sizes did not finish: an in-memory copy should never wait",
        copy_counts_other_sizes::run,
    );
    check("copy_counts_other_sizes", out);
}
