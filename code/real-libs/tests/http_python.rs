//! hyper on `code`, driven by Python's standard library: keep-alive and
//! parallel clients with every response checked, and clients that
//! misbehave (too slow, half a request, resets).

mod support;

use std::time::Duration;

use real_libs::http::Options;
use support::{eventually, no_errors, python, start_http};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn two_hundred_requests_kept_alive() {
    let (addr, stats) = start_http(Options::default());
    let out = python("http_client.py", addr, &["keep-alive", "200"], LIMIT);
    assert_eq!(out.trim(), "ok 200 1");
    assert_eq!(stats.connections(), 1);
    assert_eq!(stats.requests(), 200);
    no_errors(&stats);
}

#[test]
fn twenty_clients_in_parallel_twenty_requests_each() {
    let (addr, stats) = start_http(Options::default());
    let out = python("http_client.py", addr, &["parallel", "20", "20"], LIMIT);
    assert_eq!(out.trim(), "ok 400 20");
    assert_eq!(stats.connections(), 20);
    assert_eq!(stats.requests(), 400);
    no_errors(&stats);
}

/// The header read timeout of the tests that check it: short, so the tests
/// are quick; the server closes no sooner (a timer never fires early).
const HEADER_TIMEOUT: Duration = Duration::from_millis(500);

fn with_short_timeout() -> Options {
    Options {
        header_read_timeout: HEADER_TIMEOUT,
        ..Options::default()
    }
}

/// The seconds after which misbehaving.py saw the connection closed.
fn closed_after(out: &str) -> Duration {
    let seconds = out
        .strip_prefix("closed after ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("unexpected client output: {out:?}"));
    Duration::from_secs_f64(seconds)
}

#[test]
fn half_a_request_head_is_closed_by_the_header_timeout() {
    let (addr, stats) = start_http(with_short_timeout());
    let out = python("misbehaving.py", addr, &["half"], LIMIT);
    assert!(
        closed_after(&out) >= HEADER_TIMEOUT - Duration::from_millis(10),
        "closed before the timeout: {out}"
    );
    eventually("the server counts one timed-out connection", || {
        stats.timed_out() == 1
    });
    assert_eq!(stats.requests(), 0);
    no_errors(&stats);
}

/// A head sent one byte every 50 ms keeps the connection busy but never
/// ends: the timeout counts from the moment the server starts waiting for
/// the head, not from the last byte, so the server still closes it.
#[test]
fn a_head_that_trickles_in_is_closed_by_the_header_timeout() {
    let (addr, stats) = start_http(with_short_timeout());
    let out = python("misbehaving.py", addr, &["slow"], LIMIT);
    assert!(
        closed_after(&out) >= HEADER_TIMEOUT - Duration::from_millis(10),
        "closed before the timeout: {out}"
    );
    // Bytes kept coming until the end (one every 50 ms): it is the head's
    // deadline that closed the connection, not a pause between bytes.
    let trickled: usize = out
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected client output: {out:?}"));
    assert!(trickled >= 5, "only {trickled} bytes were trickled: {out}");
    eventually("the server counts one timed-out connection", || {
        stats.timed_out() == 1
    });
    no_errors(&stats);
}

/// Clients that reset their connection, after a response or in the middle
/// of a request, are no error: nothing is logged, and the server goes on
/// serving.
#[test]
fn a_client_that_resets_is_no_error() {
    let (addr, stats) = start_http(Options::default());
    let out = python("misbehaving.py", addr, &["reset-after"], LIMIT);
    assert_eq!(out.trim(), "reset after the response");
    let out = python("misbehaving.py", addr, &["reset-mid"], LIMIT);
    assert_eq!(out.trim(), "reset in the middle of a request");
    eventually("the server saw both connections end", || stats.ended() == 2);
    // The reset after a response may look like an end of stream to hyper
    // (nothing was pending); the one in the middle of a request cannot.
    assert!(
        stats.clients_left() >= 1,
        "the reset mid-request counts as a client that left"
    );
    let out = python("http_client.py", addr, &["keep-alive", "20"], LIMIT);
    assert_eq!(out.trim(), "ok 20 1", "the server goes on serving");
    no_errors(&stats);
}
