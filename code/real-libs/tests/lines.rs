//! tokio-util's `Framed` with `LinesCodec`, run by `code`, driven by
//! Python's standard library.

mod support;

use std::time::Duration;

use support::{eventually, no_errors, python, start_lines};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_thousand_lines_in_one_write_are_each_answered() {
    let (addr, stats) = start_lines();
    let out = python("misbehaving.py", addr, &["lines"], LIMIT);
    assert_eq!(out.trim(), "ok 1000 lines");
    eventually("the server answered 1000 lines", || {
        stats.requests() == 1000
    });
    no_errors(&stats);
}

#[test]
fn twenty_clients_in_parallel() {
    let (addr, stats) = start_lines();
    let clients: Vec<_> = (0..20)
        .map(|_| std::thread::spawn(move || python("misbehaving.py", addr, &["lines"], LIMIT)))
        .collect();
    for client in clients {
        assert_eq!(
            client.join().expect("a client failed (see above)").trim(),
            "ok 1000 lines"
        );
    }
    eventually("the server answered 20,000 lines", || {
        stats.requests() == 20_000
    });
    assert_eq!(stats.connections(), 20);
    no_errors(&stats);
}

#[test]
fn a_client_that_resets_is_no_error() {
    let (addr, stats) = start_lines();
    // A request cut short, then a reset.
    python("misbehaving.py", addr, &["reset-mid"], LIMIT);
    eventually("the server saw the connection end", || stats.ended() == 1);
    no_errors(&stats);
    let out = python("misbehaving.py", addr, &["lines"], LIMIT);
    assert_eq!(out.trim(), "ok 1000 lines", "the server goes on serving");
}
