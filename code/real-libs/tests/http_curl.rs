//! hyper on `code`, driven by curl processes: every response checked.

mod support;

use std::process::Command;
use std::time::Duration;

use real_libs::http::Options;
use support::{ScratchFile, need, no_errors, run, start_http};

/// A curl that gives up after 10 s (and stops at the first failure), and prints after each response its
/// status and whether it opened a new connection for it.
fn curl() -> Command {
    let mut command = Command::new(need("curl", "curl"));
    command.args([
        "--silent",
        "--show-error",
        "--fail",
        "--max-time",
        "10",
        "--fail-early",
    ]);
    command.args(["--write-out", "\n%{http_code} %{num_connects}\n"]);
    command
}

/// Checks curl's output for `paths` fetched in order on one connection:
/// each body is its path, each status 200, one connection opened in all.
fn check_keep_alive(output: &str, paths: &[String]) {
    let mut expected = String::new();
    for (i, path) in paths.iter().enumerate() {
        let opened = if i == 0 { 1 } else { 0 };
        expected.push_str(&format!("{path}\n200 {opened}\n"));
    }
    if output != expected {
        let first_difference = output
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b);
        panic!(
            "curl's output differs from the expected one (first differing line: {first_difference:?}; \
             a `1` after a 200 past the first means a new connection):\n{}",
            output.chars().take(1000).collect::<String>()
        );
    }
}

fn paths(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("/{prefix}/{i}")).collect()
}

fn urls(addr: std::net::SocketAddr, paths: &[String]) -> Vec<String> {
    paths.iter().map(|p| format!("http://{addr}{p}")).collect()
}

#[test]
fn two_hundred_requests_on_one_kept_alive_connection() {
    let (addr, stats) = start_http(Options::default());
    let paths = paths("keep", 200);
    let out = run(curl().args(urls(addr, &paths)), Duration::from_secs(30));
    check_keep_alive(&out.stdout, &paths);
    assert_eq!(stats.connections(), 1, "curl reuses its connection");
    assert_eq!(stats.requests(), 200);
    no_errors(&stats);
}

#[test]
fn twenty_curls_in_parallel_twenty_requests_each() {
    let (addr, stats) = start_http(Options::default());
    let clients: Vec<_> = (0..20)
        .map(|c| {
            let paths = paths(&format!("client{c}"), 20);
            let urls = urls(addr, &paths);
            std::thread::spawn(move || {
                let out = run(curl().args(urls), Duration::from_secs(30));
                check_keep_alive(&out.stdout, &paths);
            })
        })
        .collect();
    for client in clients {
        client
            .join()
            .expect("a curl client's responses were wrong (see above)");
    }
    assert_eq!(stats.connections(), 20);
    assert_eq!(stats.requests(), 400);
    no_errors(&stats);
}

/// A 3 MB body: curl asks `Expect: 100-continue` first, hyper answers it
/// when the service starts reading the body, and the body comes back whole.
#[test]
fn a_large_post_is_echoed() {
    let (addr, stats) = start_http(Options::default());
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sent = ScratchFile::new("post-body", &body);
    let received = ScratchFile::new("post-reply", b"");
    let data = format!("@{}", sent.0.display());
    run(
        curl()
            .args(["--data-binary", &data, "--output"])
            .arg(&received.0)
            .arg(format!("http://{addr}/upload")),
        Duration::from_secs(30),
    );
    let echoed = std::fs::read(&received.0).unwrap();
    assert!(
        echoed == body,
        "the echoed body differs ({} bytes of {})",
        echoed.len(),
        body.len()
    );
    assert_eq!(stats.requests(), 1);
    no_errors(&stats);
}

/// Served through a `BufWriter`, a writer that keeps the response until it
/// is flushed: the responses arrive only if the adapter passes hyper's
/// flush on (without it, curl waits and gives up after its 10 s).
#[test]
fn responses_arrive_through_a_buffering_writer() {
    let (addr, stats) = start_http(Options {
        buffered_writes: true,
        ..Options::default()
    });
    let paths = paths("buffered", 20);
    let out = run(curl().args(urls(addr, &paths)), Duration::from_secs(30));
    check_keep_alive(&out.stdout, &paths);
    no_errors(&stats);
}
