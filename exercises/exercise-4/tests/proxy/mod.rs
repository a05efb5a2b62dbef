//! The tests of `copy_bidirectional`, part 2 of exercise 4: a module of
//! `../copy.rs` (which solution-4 runs unchanged).
//!
//! Each test puts a proxy between a client and a server, all on loopback and
//! all tasks on one `code` runtime:
//!
//! ```text
//! client ──TCP──► a  copy_bidirectional(a, b)  b ──TCP──► server
//! ```
//!
//! Every step has a deadline, so a proxy that waits for the wrong thing
//! fails with a message saying which side waited in vain.

use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use code::JoinHandle;
use code::io::{read_exact, write_all};
use code::mio::Token;
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::trace::{Event, Op};
use exercise_4::copy_bidirectional;

use super::CHAPTER;
use super::behaviour::{WAIT, assert_parked, between, fail_with_trace, mark, record, within};
use super::bytes::assert_bytes;

/// The whole test, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(10);

/// One step on loopback takes microseconds, but one direction may wait for
/// the other: a task that copies both ways polls them in turn, and while
/// the first always has data and room, it spends the task's budget of
/// operations before the second gets its turn. On a loaded machine (tests
/// run in parallel) that wait can pass a second before the first byte of
/// the second direction arrives; 3 s is "never" with room to spare.
const PATIENCE: Duration = Duration::from_secs(3);

/// Runs `step`, or fails the test with `problem` if it takes longer than
/// `PATIENCE`.
async fn patiently<T>(problem: &str, step: impl Future<Output = io::Result<T>>) -> T {
    match code::time::timeout(PATIENCE, step).await {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => panic!("{problem}: {e}"),
        Err(_) => panic!("{problem} (nothing happened for {PATIENCE:?})"),
    }
}

/// A client and a server with `copy_bidirectional` between them.
struct Proxied {
    client: AsyncTcpStream,
    server: AsyncTcpStream,
    proxy: JoinHandle<io::Result<(u64, u64)>>,
    /// The token of the proxy's side towards the server.
    b: Token,
}

/// Which side's connection resets (SO_LINGER 0) when it is dropped, as a
/// crashed peer's system does, instead of closing in order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Resets {
    Neither,
    Client,
    Server,
}

/// Connects client → proxy → server.
async fn proxied(resets: Resets) -> Proxied {
    let ProxiedStd {
        client,
        server,
        proxy,
        tokens: [_, b],
    } = proxied_std(resets);
    let [client, server] = [client, server].map(|s| AsyncTcpStream::from_std(s).unwrap());
    Proxied {
        client,
        server,
        proxy,
        b,
    }
}

/// [`Proxied`] with the client's and the server's ends as blocking `std`
/// streams.
struct ProxiedStd {
    client: std::net::TcpStream,
    server: std::net::TcpStream,
    proxy: JoinHandle<io::Result<(u64, u64)>>,
    /// The tokens of the proxy's `a` and `b`.
    tokens: [Token; 2],
}

/// Connects client → proxy → server, leaving the client's and the server's
/// ends blocking `std` streams.
fn proxied_std(resets: Resets) -> ProxiedStd {
    let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let back = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // Blocking connects and accepts, on loopback: each returns at once.
    let client = std::net::TcpStream::connect(front.local_addr().unwrap()).unwrap();
    let (a, _) = front.accept().unwrap();
    let b = std::net::TcpStream::connect(back.local_addr().unwrap()).unwrap();
    let (server, _) = back.accept().unwrap();
    let reset = |stream: &std::net::TcpStream| {
        socket2::SockRef::from(stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap()
    };
    match resets {
        Resets::Neither => {}
        Resets::Client => reset(&client),
        Resets::Server => reset(&server),
    }
    let [a, b] = [a, b].map(|s| AsyncTcpStream::from_std(s).unwrap());
    let tokens = [a.token(), b.token()];
    // The proxy's task owns a and b: they close when it returns.
    let proxy = code::spawn(async move { copy_bidirectional(&a, &b).await });
    ProxiedStd {
        client,
        server,
        proxy,
        tokens,
    }
}

/// What `patiently` says when the proxy does not return at the end.
const NO_RETURN: &str = "copy_bidirectional did not return after both directions ended (does \
                         copy return when a read returns Ok(0), the end of the stream, and \
                         does copy_bidirectional return once both directions have?)";

/// Reads until the end of the stream, each read bounded by `PATIENCE`.
async fn read_to_end(stream: &AsyncTcpStream, problem: &str) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let read = code::time::timeout(PATIENCE, stream.read(&mut buf)).await;
        match read {
            Ok(Ok(0)) => return all,
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => panic!("{problem}: {e} after {} bytes", all.len()),
            Err(_) => panic!(
                "{problem} (after {} bytes, nothing happened for {PATIENCE:?})",
                all.len()
            ),
        }
    }
}

/// Bytes that show where a lost or repeated chunk happened.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ salt).collect()
}

/// Checks what the proxy returned after both sides sent their share.
fn assert_counts(result: io::Result<(u64, u64)>, client_sent: usize, server_sent: usize) {
    let counts = result.unwrap_or_else(|e| panic!("copy_bidirectional failed: {e}"));
    let expected = (client_sent as u64, server_sent as u64);
    if expected.0 != expected.1 && counts == (expected.1, expected.0) {
        panic!(
            "copy_bidirectional returned {counts:?}, the counts the wrong way round: the \
             first is what went from a to b (from the client to the server here), the \
             second what went from b to a"
        );
    }
    assert_eq!(
        counts, expected,
        "copy_bidirectional should return (bytes from a to b, bytes from b to a)"
    );
}

#[test]
fn copy_bidirectional_carries_a_conversation() {
    within(
        LIMIT,
        "the conversation through the proxy did not finish",
        || {
            code::block_on(async {
                let Proxied {
                    client,
                    server,
                    proxy,
                    ..
                } = proxied(Resets::Neither).await;
                let (mut client_sent, mut server_sent) = (0, 0);
                for round in 1..=3 {
                    let ping = format!("ping {round}\n");
                    patiently(
                        "the client could not send through the proxy",
                        write_all(&mut &client, ping.as_bytes()),
                    )
                    .await;
                    client_sent += ping.len();
                    let mut got = vec![0; ping.len()];
                    patiently(
                        &format!(
                            "the server did not get the client's message {round} through the proxy"
                        ),
                        read_exact(&mut &server, &mut got),
                    )
                    .await;
                    assert_bytes(
                        &got,
                        ping.as_bytes(),
                        "the server got other bytes than were sent",
                    );
                    let pong = format!("pong {round}, a longer answer\n");
                    patiently(
                        "the server could not answer through the proxy",
                        write_all(&mut &server, pong.as_bytes()),
                    )
                    .await;
                    server_sent += pong.len();
                    let mut got = vec![0; pong.len()];
                    patiently(
                        &format!(
                            "the client got no answer {round} through the proxy while it was \
                         still connected: copy_bidirectional must copy both ways at once \
                         (poll both directions in one task), not one direction until its \
                         end and then the other"
                        ),
                        read_exact(&mut &client, &mut got),
                    )
                    .await;
                    assert_bytes(
                        &got,
                        pong.as_bytes(),
                        "the client got other bytes than were sent",
                    );
                }
                // The client closes its side: the server must see it.
                client.shutdown(Shutdown::Write).unwrap();
                let rest = read_to_end(
                    &server,
                    "the client closed its side, but the server never saw the end of the stream: \
                 when one direction's source ends, shut down the write half of its \
                 destination (shutdown(Shutdown::Write))",
                )
                .await;
                assert!(rest.is_empty(), "the server got bytes nobody sent");
                server.shutdown(Shutdown::Write).unwrap();
                let rest = read_to_end(
                    &client,
                    "the server closed its side, but the client never saw the end of the stream: \
                 when one direction's source ends, shut down the write half of its \
                 destination (shutdown(Shutdown::Write))",
                )
                .await;
                assert!(rest.is_empty(), "the client got bytes nobody sent");
                let result = patiently(NO_RETURN, async { Ok(proxy.await) }).await;
                assert_counts(result, client_sent, server_sent);
            })
        },
    );
}

#[test]
fn half_close_lets_the_other_direction_finish() {
    const REPLY: usize = 1 << 20;
    within(
        LIMIT,
        "the half-close through the proxy did not finish",
        || {
            code::block_on(async {
                let Proxied {
                    client,
                    server,
                    proxy,
                    ..
                } = proxied(Resets::Neither).await;
                // A request, then the client's end of stream at once, as
                // `printf 'request\n' | nc -N` does.
                write_all(&mut &client, b"request\n").await.unwrap();
                client.shutdown(Shutdown::Write).unwrap();
                let request = read_to_end(
                    &server,
                    "the client sent a request and closed its side, but the server never saw the \
                 end of the stream: when one direction's source ends, shut down the write \
                 half of its destination (shutdown(Shutdown::Write))",
                )
                .await;
                assert_bytes(&request, b"request\n", "the server got another request");
                // Only now does the server answer: more than the socket buffers
                // hold, so the proxy must keep copying for a while.
                let server = Rc::new(server);
                let answering = {
                    let server = Rc::clone(&server);
                    code::spawn(async move {
                        // If the proxy breaks the connection, the client's check
                        // of the reply says how.
                        if write_all(&mut &*server, &pattern(REPLY, 7)).await.is_ok() {
                            let _ = server.shutdown(Shutdown::Write);
                        }
                    })
                };
                let reply = read_to_end(
                    &client,
                    "the client closed its side and waits for the reply, which did not come \
                 through: one direction's end must not end the other; keep copying from b to \
                 a until b ends, and shut down only the write half",
                )
                .await;
                if reply != pattern(REPLY, 7) {
                    panic!(
                        "the client got {} of {REPLY} bytes of the reply{}: after one direction \
                     ended, keep copying the other until its own source ends; shut down only \
                     the write half of the first direction's destination",
                        reply.len(),
                        if pattern(REPLY, 7).starts_with(&reply) {
                            ", then the end of the stream"
                        } else {
                            ", not the bytes the server sent"
                        }
                    );
                }
                answering.await;
                let result = patiently(NO_RETURN, async { Ok(proxy.await) }).await;
                assert_counts(result, b"request\n".len(), REPLY);
            })
        },
    );
}

#[test]
fn copy_bidirectional_moves_much_both_ways_at_once() {
    // More than the socket buffers hold, both ways at the same time: every
    // read and write of the proxy has to wait now and then.
    const LEN: usize = 2 << 20;
    within(
        LIMIT,
        "2 MiB each way through the proxy did not finish",
        || {
            code::block_on(async {
                let Proxied {
                    client,
                    server,
                    proxy,
                    ..
                } = proxied(Resets::Neither).await;
                let (client, server) = (Rc::new(client), Rc::new(server));
                for (side, salt) in [(&client, 1), (&server, 2)] {
                    let side = Rc::clone(side);
                    code::spawn(async move {
                        if write_all(&mut &*side, &pattern(LEN, salt)).await.is_ok() {
                            let _ = side.shutdown(Shutdown::Write);
                        }
                    });
                }
                let at_server = code::spawn({
                    let server = Rc::clone(&server);
                    async move {
                        read_to_end(
                            &server,
                            "the server stopped receiving the client's 2 MiB: both directions \
                         must go on at once, each waking the task when it can go on",
                        )
                        .await
                    }
                });
                let at_client = read_to_end(
                    &client,
                    "the client stopped receiving the server's 2 MiB: both directions must go \
                 on at once, each waking the task when it can go on",
                )
                .await;
                let at_server = at_server.await;
                for (what, got, salt) in [
                    ("the client to the server", at_server, 1),
                    ("the server to the client", at_client, 2),
                ] {
                    assert!(
                        got == pattern(LEN, salt),
                        "from {what}, {} of {LEN} bytes arrived, or other bytes than were sent: \
                     write all of what each read returned before reading again",
                        got.len()
                    );
                }
                let result = patiently(NO_RETURN, async { Ok(proxy.await) }).await;
                assert_counts(result, LEN, LEN);
            })
        },
    );
}

#[test]
fn an_error_in_one_direction_ends_the_copy() {
    within(LIMIT, "the proxy test with a reset did not finish", || {
        code::block_on(async {
            // Each side in turn vanishes with a reset while the other stays
            // connected and silent, so the other direction has nothing to
            // end it.
            for (resets, who, other) in [
                (Resets::Server, "the server", "the client"),
                (Resets::Client, "the client", "the server"),
            ] {
                let Proxied {
                    client,
                    server,
                    proxy,
                    ..
                } = proxied(resets).await;
                let (vanishing, staying) = match resets {
                    Resets::Client => (client, server),
                    _ => (server, client),
                };
                drop(vanishing);
                let result = match code::time::timeout(PATIENCE, proxy).await {
                    Ok(result) => result,
                    Err(_) => panic!(
                        "copy_bidirectional did not return after {who} reset its connection \
                         ({other} is still connected, and silent): an error in either \
                         direction must end the whole copy at once, with that error"
                    ),
                };
                match result {
                    Err(e) => assert!(
                        matches!(
                            e.kind(),
                            io::ErrorKind::ConnectionReset
                                | io::ErrorKind::ConnectionAborted
                                | io::ErrorKind::BrokenPipe
                        ),
                        "copy_bidirectional should return the error the reset caused, got {e:?}"
                    ),
                    Ok(counts) => panic!(
                        "copy_bidirectional returned Ok({counts:?}) after {who} reset its \
                         connection: an error in either direction is the result of the whole \
                         copy (return it, as copy does)"
                    ),
                }
                drop(staying);
            }
        })
    });
}

/// A failed `shutdown` is an error of its direction like a failed read or
/// write: it ends the copy with that error.
///
/// Linux only: the test makes the proxy's shutdown of `b` fail by having
/// the server reset its connection after it half-closed, and only Linux
/// says so the same way every time (`NotConnected`, the socket being gone);
/// macOS and Windows may accept the shutdown of a reset connection.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_shutdown_ends_the_copy_with_its_error() {
    within(
        LIMIT,
        "the proxy test with a failed shutdown did not finish",
        || {
            code::block_on(async {
                let Proxied {
                    client,
                    server,
                    proxy,
                    ..
                } = proxied(Resets::Server).await;
                // The server answers and closes its side; the proxy passes both on.
                write_all(&mut &server, b"answer\n").await.unwrap();
                server.shutdown(Shutdown::Write).unwrap();
                let answer = read_to_end(
                    &client,
                    "the server answered and closed its side, but the client did not get the \
                 answer and the end of the stream",
                )
                .await;
                assert_bytes(&answer, b"answer\n", "the client got another answer");
                // Then the server vanishes with a reset. Its connection with the
                // proxy is gone: a shutdown of b can only fail now.
                drop(server);
                code::time::sleep(Duration::from_millis(50)).await;
                // The client's end of stream: the proxy shuts down b for writing.
                client.shutdown(Shutdown::Write).unwrap();
                let result = match code::time::timeout(PATIENCE, proxy).await {
                    Ok(result) => result,
                    Err(_) => panic!("{NO_RETURN} (nothing happened for {PATIENCE:?})"),
                };
                match result {
                    Err(e) => assert_eq!(
                        e.kind(),
                        io::ErrorKind::NotConnected,
                        "copy_bidirectional should return the error of its failed shutdown of b \
                     (NotConnected: the server had reset the connection), got {e:?}"
                    ),
                    Ok(counts) => panic!(
                        "copy_bidirectional returned Ok({counts:?}), but its shutdown(Write) of b \
                     failed (NotConnected: the server had reset the connection, so the server \
                     never saw the end of the client's stream): an error in either direction, \
                     of a read, a write or a shutdown, ends the copy with that error. Return \
                     it with ?, do not drop it"
                    ),
                }
            })
        },
    );
}

/// While one direction always has data and room, the other still gets its
/// turn. One side has sent as much as the sockets hold, and the other has
/// answered, before the proxy starts: then the busy direction can spend the
/// task's whole budget of operations in poll after poll, and the trace
/// shows whether the other direction was tried in each. Both ways round.
#[test]
fn a_busy_direction_does_not_starve_the_other() {
    for (busy, quiet, sender) in [
        ("a to b", "b to a", "client"),
        ("b to a", "a to b", "server"),
    ] {
        let ((proxy, quiet_source), trace) = within(
            LIMIT,
            &format!(
                "the proxy test with a backlog of several MiB from the {sender} did not finish"
            ),
            move || record(|| code::block_on(busy_and_answered(sender == "client"))),
        );
        let window = between(&trace, "the proxy starts", "the answer came");
        let longest = longest_starvation(&window, proxy, quiet_source);
        if longest >= 2 {
            fail_with_trace(
                &window,
                &format!(
                    "copy_bidirectional let the direction from {busy} use up the task's whole \
                     budget of operations in {longest} polls in a row, and the direction from \
                     {quiet} was not even tried in them, while an answer waited there: the \
                     direction polled first spends all of the budget when its sockets are \
                     always ready, and the one polled after it gets only Pending. Take turns: \
                     the direction polled second in one poll of the task goes first in the \
                     next (chapter \"{CHAPTER}\")"
                ),
            );
        }
    }
}

/// The scenario of `a_busy_direction_does_not_starve_the_other`: the client
/// (or the server) sends a backlog, the other side answers, then the proxy
/// runs until the answer has come through. Returns the proxy's task and the
/// token of the answer's source (`b` for the server's answer).
async fn busy_and_answered(client_is_busy: bool) -> (u64, Token) {
    use std::io::{Read, Write};
    use std::time::Instant;
    let ProxiedStd {
        client,
        server,
        proxy,
        tokens: [a, b],
    } = proxied_std(Resets::Neither);
    let (busy, answering, quiet_source) = if client_is_busy {
        (&client, &server, b)
    } else {
        (&server, &client, a)
    };
    // The proxy's task has not been polled yet: nothing here awaits. The
    // busy side sends until the sockets are full; the other side answers.
    busy.set_nonblocking(true).unwrap();
    let chunk = vec![0x2a; 64 * 1024];
    let mut backlog = 0;
    while backlog < 64 << 20 {
        match (&*busy).write(&chunk) {
            Ok(n) => backlog += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("the busy side could not send: {e}"),
        }
    }
    (&*answering).write_all(b"answer\n").unwrap();
    // On loopback the answer is there at once on Linux; give other systems
    // a moment (the proxy still waits).
    std::thread::sleep(Duration::from_millis(20));
    let id = proxy.id();
    mark("the proxy starts");
    // Each turn of this loop lets the proxy's task run once.
    let deadline = Instant::now() + PATIENCE;
    let mut answer = Vec::new();
    let mut buf = [0; 64];
    while !answer.ends_with(b"\n") {
        code::executor::yield_now().await;
        if proxy.is_finished() {
            // Awaiting it re-raises its panic, if it panicked.
            let result = proxy.await;
            panic!(
                "copy_bidirectional returned {result:?} while both sides were connected and \
                 an answer waited"
            );
        }
        match (&*busy).read(&mut buf) {
            Ok(0) => panic!("the connection ended before the answer came"),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("reading the answer failed: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "an answer waited, but it did not come through the proxy in {PATIENCE:?} while \
             the other direction was busy: both directions must make progress"
        );
    }
    assert_bytes(&answer, b"answer\n", "another answer came through");
    mark("the answer came");
    // The proxy's task is dropped with the runtime: the backlog can stay.
    (id, quiet_source)
}

/// The most polls in a row of the `proxy` task, in `trace`, that used up
/// the task's budget without trying to read `quiet_source`.
fn longest_starvation(trace: &code::trace::Trace, proxy: u64, quiet_source: Token) -> usize {
    let mut in_poll = false;
    let (mut used_up, mut tried) = (false, false);
    let (mut starved, mut longest) = (0, 0);
    for event in trace.events() {
        match event {
            Event::Polled { task } if *task == proxy => {
                in_poll = true;
                (used_up, tried) = (false, false);
            }
            Event::BudgetUsedUp { task, .. } if in_poll && *task == Some(proxy) => used_up = true,
            Event::Io {
                token,
                op: Op::Read,
                ..
            } if in_poll && *token == quiet_source => tried = true,
            Event::Returned { task, .. } if *task == proxy => {
                in_poll = false;
                starved = if used_up && !tried { starved + 1 } else { 0 };
                longest = longest.max(starved);
            }
            _ => {}
        }
    }
    longest
}

// How the proxy waits. Most of a proxy's life is waiting: for either side
// to say something, or for room to write. Its task must park meanwhile
// (both directions' wakers with the reactor, in their own slots) and the
// executor sleep.

/// The proxy's task's polls in `trace` between the marks.
fn proxy_polls(trace: &code::trace::Trace, proxy: u64) -> (code::trace::Trace, usize) {
    let idle = between(trace, "idle begins", "idle ends");
    let polls = idle.polls(proxy);
    (idle, polls)
}

#[test]
fn an_idle_proxy_costs_nothing() {
    let ((result, proxy), trace) = within(
        LIMIT,
        "the proxy test with a pause of 200 ms did not finish",
        || {
            record(|| {
                code::block_on(async {
                    let Proxied {
                        client,
                        server,
                        proxy,
                        ..
                    } = proxied(Resets::Neither).await;
                    let id = proxy.id();
                    let mut got = [0; 5];
                    write_all(&mut &client, b"ping\n").await.unwrap();
                    patiently(
                        "the server did not get the client's message through the proxy",
                        read_exact(&mut &server, &mut got),
                    )
                    .await;
                    // Both sides silent: the proxy has nothing to do.
                    mark("idle begins");
                    code::time::sleep(WAIT).await;
                    mark("idle ends");
                    write_all(&mut &server, b"pong\n").await.unwrap();
                    patiently(
                        "the client got no answer through the proxy after a pause",
                        read_exact(&mut &client, &mut got),
                    )
                    .await;
                    client.shutdown(Shutdown::Write).unwrap();
                    server.shutdown(Shutdown::Write).unwrap();
                    let result = patiently(NO_RETURN, async { Ok(proxy.await) }).await;
                    (result, id)
                })
            })
        },
    );
    assert_counts(result, 5, 5);
    let (idle, polls) = proxy_polls(&trace, proxy);
    assert_parked(
        &idle,
        polls,
        WAIT,
        "copy_bidirectional while neither side said anything for 200 ms",
        "When neither direction can go on, return Pending: each direction's read has left \
         the task's waker with the reactor, which wakes the task when either side sends. Do \
         not wake the task yourself to poll the other direction, and do not loop with \
         yield_now.",
        CHAPTER,
    );
}

#[test]
fn a_proxy_facing_a_full_writer_sleeps() {
    // The client sends more than the socket buffers hold while the server
    // reads nothing for a while: the proxy fills its side towards the
    // server and must wait for room there.
    const LEN: usize = 8 << 20;
    let ((received, result, proxy), trace) = within(
        LIMIT,
        "the proxy test with a server that starts reading late did not finish",
        || {
            record(|| {
                code::block_on(async {
                    let Proxied {
                        client,
                        server,
                        proxy,
                        b,
                    } = proxied(Resets::Neither).await;
                    let id = proxy.id();
                    let client = Rc::new(client);
                    let sending = {
                        let client = Rc::clone(&client);
                        code::spawn(async move {
                            if write_all(&mut &*client, &pattern(LEN, 3)).await.is_ok() {
                                let _ = client.shutdown(Shutdown::Write);
                            }
                        })
                    };
                    // Until the proxy waits for room towards the server: the
                    // buffers of one loopback connection take a few MiB at
                    // most. (At most 2 s; if it never waits there, the count
                    // below says how it spent the time.)
                    let reactor = code::reactor();
                    for _ in 0..200 {
                        if reactor.has_waker(b, Direction::Write) {
                            break;
                        }
                        code::time::sleep(Duration::from_millis(10)).await;
                    }
                    mark("idle begins");
                    code::time::sleep(WAIT).await;
                    mark("idle ends");
                    let received = read_to_end(
                        &server,
                        "the server stopped receiving the client's 8 MiB after it started \
                         reading late",
                    )
                    .await;
                    sending.await;
                    server.shutdown(Shutdown::Write).unwrap();
                    let result = patiently(NO_RETURN, async { Ok(proxy.await) }).await;
                    (received, result, id)
                })
            })
        },
    );
    assert!(
        received == pattern(LEN, 3),
        "the server got {} of {LEN} bytes, or other bytes than were sent",
        received.len()
    );
    assert_counts(result, LEN, 0);
    let (idle, polls) = proxy_polls(&trace, proxy);
    assert_parked(
        &idle,
        polls,
        WAIT,
        "copy_bidirectional while the server read nothing for 200 ms and its socket was full",
        "When neither direction can go on, return Pending: the write that got WouldBlock has \
         left the task's waker with the reactor, which wakes the task when there is room. Do \
         not wake the task yourself to poll the other direction, and do not loop with \
         yield_now.",
        CHAPTER,
    );
}
