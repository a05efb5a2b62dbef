//! tokio-util's `Framed` with `LinesCodec`, run by `code`, driven by
//! Python's standard library.

mod support;

use std::time::Duration;

use real_libs::lines::MAX_LINE;
use support::{connect, eventually, no_errors, python, read_until_closed, start_lines};

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

/// A line of `MAX_LINE` bytes is answered; one byte more, with no newline
/// in sight, closes the connection, and counts as the client's fault.
#[test]
fn a_line_longer_than_the_limit_closes_the_connection() {
    use std::io::{BufRead, BufReader, Write};
    let (addr, stats) = start_lines();
    let mut client = connect(addr);
    let mut line = vec![b'a'; MAX_LINE];
    line.push(b'\n');
    client.write_all(&line).unwrap();
    let mut reply = String::new();
    BufReader::new(&client).read_line(&mut reply).unwrap();
    assert!(
        reply.len() == MAX_LINE + 1 && reply.trim_end() == "A".repeat(MAX_LINE),
        "a line of {MAX_LINE} bytes got a reply of {} bytes",
        reply.len()
    );
    let mut client = connect(addr);
    client.write_all(&vec![b'a'; MAX_LINE + 1]).unwrap();
    let received = read_until_closed(&mut client);
    assert!(received.is_empty(), "{} bytes answered", received.len());
    eventually("the server counts one bad request", || {
        stats.bad_requests() == 1
    });
    assert_eq!(stats.requests(), 1);
    no_errors(&stats);
}
