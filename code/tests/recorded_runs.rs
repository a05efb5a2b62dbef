//! The book's trace player replays recorded runs of five examples; the
//! recordings are committed (`code/examples/output/NAME.player.json`) and
//! included in the pages. Each test records the run again and compares: if
//! the runtime now does something else (another event, another order, a
//! waker in another slot), the test fails and the player cannot show a run
//! that no longer happens.
//!
//! After an intended change, regenerate the file the failure names with
//! `cargo run -p code --example player_data -- NAME > code/examples/output/NAME.player.json`
//! and step through the chapter's player again.

use std::time::Duration;

use code::testing::within;

// Records the five runs; its `main` is unused here.
#[path = "../examples/player_data.rs"]
#[allow(dead_code)]
mod player_data;

/// Records the run again (bounded in time) and compares it with the file.
// Every recording is compared on Linux only (see the tests).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn check(name: &str) {
    let (_, record) = *player_data::RECORDINGS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a recording of that name");
    let hint = format!("example {name} hangs while recorded: a task that is never woken?");
    let now = within(Duration::from_secs(20), &hint, record);
    let path = format!(
        "{}/examples/output/{name}.player.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if now == committed {
        return;
    }
    // The first step that differs says what changed.
    let first_difference = now
        .lines()
        .zip(committed.lines())
        .position(|(a, b)| a != b)
        .map_or("one is longer than the other".to_string(), |i| {
            format!(
                "line {}:\n  committed: {}\n  now:       {}",
                i + 1,
                committed.lines().nth(i).unwrap_or(""),
                now.lines().nth(i).unwrap_or("")
            )
        });
    panic!(
        "the recorded run of example {name} is not what the book's player replays ({path}); \
         first difference at {first_difference}\n\
         If the change is intended: cargo run -p code --example player_data -- {name} > \
         code/examples/output/{name}.player.json"
    );
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn one_read_is_replayed_as_it_runs() {
    check("trace_read");
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn the_async_drive_through_is_replayed_as_it_runs() {
    check("drive_through_async");
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn edge_and_level_is_replayed_as_it_runs() {
    check("edge_and_level");
}

/// Linux only: the committed output is Linux's. It prints the reactor's
/// events, and an event with both bits, `readable writable`, is epoll's way
/// of reporting (kqueue on macOS reports the two directions as separate
/// events; on Windows mio reports writability again only after a
/// `WouldBlock`), or it relies on Linux's loopback delivering bytes before
/// `write` returns. The example's own assertions still run everywhere
/// through the book's tests.
#[cfg(target_os = "linux")]
#[test]
fn the_cancelled_read_exact_is_replayed_as_it_runs() {
    check("cancellation_safety");
}

/// Linux only: the run starts with the kernel's send buffer full, and which
/// event a full buffer reports once it drains (and with which other bits)
/// is the kernel's business; this sequence is Linux's.
#[cfg(target_os = "linux")]
#[test]
fn the_shared_waker_slot_is_replayed_as_it_runs() {
    check("when_it_breaks");
}

/// Every recording is valid JSON for the player: the steps the script reads,
/// each with a line, a meaning, and a state.
#[test]
fn every_recording_has_the_shape_the_player_reads() {
    let dir = format!("{}/examples/output", env!("CARGO_MANIFEST_DIR"));
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".player.json") {
            continue;
        }
        found += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for key in ["\"title\"", "\"slots\"", "\"bytes\"", "\"steps\""] {
            assert!(text.contains(key), "{name}: no {key}");
        }
        let steps = text.matches("{\"line\": ").count();
        assert!(steps >= 10, "{name}: only {steps} steps");
        for key in [
            "\"meaning\": ",
            "\"running\": ",
            "\"queue\": ",
            "\"tasks\": ",
            "\"tokens\": ",
            "\"asleep\": ",
        ] {
            assert_eq!(
                text.matches(key).count(),
                steps,
                "{name}: not every step has {key}"
            );
        }
        assert!(
            !text.contains('<'),
            "{name}: a `<` would let the text end the page's <script>"
        );
    }
    assert_eq!(
        found,
        player_data::RECORDINGS.len(),
        "one file per recording in {dir}"
    );
}
