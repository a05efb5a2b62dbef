//! hyper on `code`, driven byte by byte from std sockets: what a client
//! that stops in the middle of a body, closes its side early, sends no
//! HTTP at all or stays idle between requests gets from the server.

mod support;

use std::io::Write;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use real_libs::http::Options;
use support::{connect, eventually, no_errors, read_until_closed, start_http};

/// A body that stops halfway holds the connection only as long as the body
/// read timeout: the header timeout ended with the head.
#[test]
fn a_body_that_stops_halfway_is_closed_by_the_body_timeout() {
    let limit = Duration::from_millis(500);
    let (addr, stats) = start_http(Options {
        body_read_timeout: limit,
        ..Options::default()
    });
    let mut client = connect(addr);
    let started = Instant::now();
    client
        .write_all(b"POST /stalled HTTP/1.1\r\nhost: test\r\ncontent-length: 100\r\n\r\nabc")
        .unwrap();
    let received = read_until_closed(&mut client);
    let waited = started.elapsed();
    assert_eq!(
        String::from_utf8_lossy(&received),
        "",
        "the server answered a request whose body never came"
    );
    assert!(
        waited >= limit - Duration::from_millis(10),
        "closed after {waited:?}, before the body timeout"
    );
    eventually("the server counts one timed-out connection", || {
        stats.timed_out() == 1
    });
    assert_eq!(stats.ended(), 1);
    no_errors(&stats);
}

/// A client may shut its side down once its request is sent, and still
/// read the whole response.
#[test]
fn a_client_that_closes_its_side_still_gets_its_response() {
    let (addr, stats) = start_http(Options::default());
    let mut client = connect(addr);
    client
        .write_all(b"GET /half-closed HTTP/1.1\r\nhost: test\r\n\r\n")
        .unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let received = String::from_utf8(read_until_closed(&mut client)).unwrap();
    assert!(
        received.starts_with("HTTP/1.1 200 OK\r\n") && received.ends_with("\r\n\r\n/half-closed"),
        "no whole response: {received:?}"
    );
    eventually("the connection ends", || stats.ended() == 1);
    assert_eq!(stats.requests(), 1);
    no_errors(&stats);
}

/// Bytes that are not HTTP get a 400 and a closed connection, and count
/// as the client's fault, not as an error of the server's.
#[test]
fn a_request_that_is_not_http_is_the_clients_fault() {
    let (addr, stats) = start_http(Options::default());
    let mut client = connect(addr);
    client.write_all(b"HELLO THERE\r\n\r\n").unwrap();
    let received = String::from_utf8(read_until_closed(&mut client)).unwrap();
    assert!(
        received.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "not a 400: {received:?}"
    );
    eventually("the server counts one bad request", || {
        stats.bad_requests() == 1
    });
    assert_eq!(stats.requests(), 0);
    no_errors(&stats);
}

/// hyper waits for the next request's head as soon as a response is out,
/// with the header timeout running: a kept-alive connection left idle is
/// closed by it, and counted as timed out.
#[test]
fn an_idle_kept_alive_connection_is_closed_by_the_header_timeout() {
    let limit = Duration::from_millis(500);
    let (addr, stats) = start_http(Options {
        header_read_timeout: limit,
        ..Options::default()
    });
    let mut client = connect(addr);
    client
        .write_all(b"GET /idle HTTP/1.1\r\nhost: test\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let received = String::from_utf8(read_until_closed(&mut client)).unwrap();
    let waited = started.elapsed();
    assert!(
        received.starts_with("HTTP/1.1 200 OK\r\n") && received.ends_with("\r\n\r\n/idle"),
        "no whole response: {received:?}"
    );
    assert!(
        waited >= limit - Duration::from_millis(10),
        "closed after {waited:?}, before the header timeout"
    );
    eventually("the server counts one timed-out connection", || {
        stats.timed_out() == 1
    });
    no_errors(&stats);
}
