//! The tests of exercise 1, part 2: `AsyncUdpSocket`, a module of
//! `async_tcp_stream.rs` (solution-1 runs them too).
//!
//! Each test runs on its own thread under `code::testing::within`, so an
//! unfinished or wrong socket fails in seconds with a hint instead of
//! hanging. Only loopback addresses are used.
//!
//! Linux, macOS and Windows treat datagrams differently at the edges, so
//! these tests keep to what all three do:
//! - datagrams stay small (macOS refuses to send more than 9,216 bytes by
//!   default) and few are in flight at once (a receive buffer that is full
//!   drops datagrams without telling anyone);
//! - nothing is ever sent to a port without a socket behind it: Windows
//!   reports the refusal as `ConnectionReset` on the sender's next receive;
//! - a datagram longer than the buffer comes back cut short on Linux and
//!   macOS and as an error on Windows (mio passes on what the OS does):
//!   `a_datagram_longer_than_the_buffer_loses_the_rest` accepts both.
//!
//! A send that has to wait (`WouldBlock` from `send_to`) cannot be forced
//! portably on loopback: the kernel drops what a full receiver cannot take
//! rather than make the sender wait. So no test here waits in the write
//! slot; `bind_registers_for_reading_and_writing` checks that it could. The
//! read slot is checked as for a stream: `poll_recv_from` must park there
//! and nowhere else, and a receiver must sleep until its datagram comes.
//!
//! Mutation testing (`cargo mutants -p solution-1`, see the README) leaves
//! two mutants of solution-1 alive, both for the reasons above; no test on
//! loopback can tell them from the solution on Linux:
//! - `poll_send_to`'s guard `e.kind() == WouldBlock` replaced by `false`
//!   (a `WouldBlock` returned as an error): `send_to` never gets
//!   `WouldBlock` on loopback;
//! - `poll_recv_from`'s guard replaced by `true` (every error taken for
//!   `WouldBlock`): on Linux and macOS `recv_from` on a socket that is not
//!   connected fails with nothing but `WouldBlock` here. On Windows,
//!   `a_datagram_longer_than_the_buffer_loses_the_rest` kills it (the
//!   truncation error would be waited on).

use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use code::reactor::Direction;
use exercise_1::AsyncUdpSocket;

// The time limit, the explanation of a failed call and the checks of how a
// task waits are part 1's.
use super::behaviour::{WAIT, assert_parked, record, within};
use super::bytes::assert_bytes;
use super::{LIMIT, assert_parked_in, counting_waker, explain};

/// A socket on a port of the OS's choosing, failing the test with a
/// readable message.
fn bind() -> AsyncUdpSocket {
    AsyncUdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap_or_else(|e| panic!("AsyncUdpSocket::bind(127.0.0.1:0) returned an error: {e}"))
}

/// The address a socket is bound to.
fn address(socket: &AsyncUdpSocket) -> SocketAddr {
    socket.local_addr().expect("local_addr")
}

/// A plain blocking `std` socket, to send or receive without the code under
/// test.
fn std_socket() -> std::net::UdpSocket {
    std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a std UdpSocket on 127.0.0.1:0")
}

/// One datagram with the socket's own `recv_from()`: its bytes and sender.
async fn receive(socket: &AsyncUdpSocket, capacity: usize) -> (Vec<u8>, SocketAddr) {
    let mut buf = vec![0; capacity];
    match socket.recv_from(&mut buf).await {
        Ok((n, from)) => {
            assert!(
                n <= capacity,
                "recv_from() said it received {n} bytes into a buffer of {capacity}"
            );
            (buf[..n].to_vec(), from)
        }
        Err(e) => panic!("{}", explain("recv_from()", e)),
    }
}

/// One datagram with the socket's own `send_to()`.
async fn send(socket: &AsyncUdpSocket, datagram: &[u8], to: SocketAddr) {
    match socket.send_to(datagram, to).await {
        Ok(n) => assert_eq!(
            n,
            datagram.len(),
            "send_to() of a {}-byte datagram returned Ok({n}): a datagram is sent whole or \
             not at all, so return what the socket's send_to returned",
            datagram.len()
        ),
        Err(e) => panic!("{}", explain("send_to()", e)),
    }
}

/// Whether the reactor accepts a waker for `direction` of `socket`'s token.
/// It refuses (panics) for a direction the token was not registered for,
/// since such a waker could never be woken.
fn can_wait_for(socket: &AsyncUdpSocket, direction: Direction) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        code::reactor().set_waker(socket.token(), direction, Waker::noop())
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn bind_registers_for_reading_and_writing() {
    within(LIMIT, "AsyncUdpSocket::bind did not return", || {
        let reactor = code::reactor();
        let before = reactor.registered();
        let socket = bind();
        assert_eq!(
            reactor.registered(),
            before + 1,
            "bind must register the socket with code::reactor() once"
        );
        for direction in [Direction::Read, Direction::Write] {
            if let Err(refusal) = can_wait_for(&socket, direction) {
                panic!(
                    "bind must register the socket with code::reactor() for \
                     Interest::READABLE | Interest::WRITABLE (a socket registered for one \
                     direction can never wake a task waiting for the other). The reactor \
                     refused a waker for {direction:?}: {refusal}"
                );
            }
        }
        drop(socket);
        assert_eq!(
            reactor.registered(),
            before,
            "dropping the socket left it registered with the reactor: its Drop (given in the \
             stub) must deregister it"
        );
    });
}

#[test]
fn a_datagram_reaches_the_address_given_and_says_where_it_came_from() {
    let (ping, pong) = within(
        LIMIT,
        "a ping and a pong between two sockets did not finish: recv_from must return as soon \
         as one datagram has arrived, and a receiver that got WouldBlock must be woken",
        || {
            code::block_on(async {
                let (a, b) = (bind(), bind());
                send(&a, b"ping", address(&b)).await;
                let (ping, from) = receive(&b, 64).await;
                assert_eq!(
                    from,
                    address(&a),
                    "recv_from() returned {from} as the sender, but the datagram came from {}: \
                     return the address that mio's recv_from reported with the datagram",
                    address(&a)
                );
                // Answer whoever sent it, as a server would.
                send(&b, b"pong", from).await;
                let (pong, from) = receive(&a, 64).await;
                assert_eq!(from, address(&b), "recv_from() returned the wrong sender");
                (ping, pong)
            })
        },
    );
    assert_bytes(&ping, b"ping", "the first datagram arrived changed");
    assert_bytes(&pong, b"pong", "the answer arrived changed");
}

#[test]
fn recv_from_waits_until_a_datagram_arrives() {
    let received = within(
        LIMIT,
        "the receiver was never woken after the datagram arrived: when recv_from returns \
         WouldBlock, poll_recv_from must store cx.waker() with \
         reactor().set_waker(token, Direction::Read, waker) and return Pending",
        || {
            code::block_on(async {
                let socket = bind();
                let to = address(&socket);
                // The receive starts first and must wait: nothing was sent yet.
                let receiver = code::spawn(async move { receive(&socket, 64).await.0 });
                code::time::sleep(Duration::from_millis(50)).await;
                std_socket().send_to(b"late datagram", to).unwrap();
                receiver.await
            })
        },
    );
    assert_bytes(
        &received,
        b"late datagram",
        "the receiver got another datagram",
    );
}

#[test]
fn each_recv_from_returns_one_datagram() {
    let datagrams = within(
        LIMIT,
        "three recv_from() calls did not return the three datagrams that were already \
         waiting: each call returns one datagram as it came, so do not keep reading to fill \
         the buffer (that is read_exact's job on a TCP stream, not a datagram socket's)",
        || {
            code::block_on(async {
                let socket = bind();
                let sender = std_socket();
                for datagram in [&b"one"[..], b"two", b"three"] {
                    sender.send_to(datagram, address(&socket)).unwrap();
                }
                let mut datagrams = Vec::new();
                for _ in 0..3 {
                    datagrams.push(receive(&socket, 64).await.0);
                }
                datagrams
            })
        },
    );
    assert_bytes(
        &datagrams.join(&b'|'),
        b"one|two|three",
        "each recv_from() must return exactly one datagram, whole, in the order sent (shown \
         here joined with '|')",
    );
}

#[test]
fn an_empty_datagram_is_a_datagram() {
    let (empty, next) = within(
        LIMIT,
        "an empty datagram was sent but never arrived: for UDP a datagram with no bytes is \
         still a message, so send_to must send it (a TCP stream's rule that an empty write \
         does no I/O does not carry over)",
        || {
            code::block_on(async {
                let (a, b) = (bind(), bind());
                send(&a, b"", address(&b)).await;
                send(&a, b"next", address(&b)).await;
                let empty = receive(&b, 16).await;
                let next = receive(&b, 16).await;
                (empty, next)
            })
        },
    );
    assert_bytes(
        &empty.0,
        b"",
        "the first datagram received should be the empty one; recv_from returns (0, sender) \
         for it, which is not the end of anything",
    );
    assert_bytes(
        &next.0,
        b"next",
        "the datagram after the empty one got lost",
    );
}

#[test]
fn a_datagram_longer_than_the_buffer_loses_the_rest() {
    let (first, second) = within(
        LIMIT,
        "receiving a 10-byte datagram into a 4-byte buffer, then the next datagram, did not \
         finish",
        || {
            code::block_on(async {
                let socket = bind();
                let sender = std_socket();
                sender.send_to(b"0123456789", address(&socket)).unwrap();
                sender.send_to(b"next", address(&socket)).unwrap();
                let mut small = [0; 4];
                let first = socket
                    .recv_from(&mut small)
                    .await
                    .map(|(n, _)| small[..n].to_vec());
                (first, receive(&socket, 64).await.0)
            })
        },
    );
    match first {
        // Linux and macOS: the first bytes, the rest dropped.
        Ok(bytes) => assert_bytes(
            &bytes,
            b"0123",
            "a datagram longer than the buffer should fill it with its first bytes",
        ),
        // Windows: WSAEMSGSIZE; the datagram is dropped all the same.
        Err(e) => assert!(
            cfg!(windows) && e.kind() != io::ErrorKind::WouldBlock,
            "{}",
            explain("recv_from() into a buffer too small for the datagram", e)
        ),
    }
    assert_bytes(
        &second,
        b"next",
        "after a datagram that did not fit, the next recv_from() must return the next \
         datagram: the OS drops the end of one that did not fit, and so must you (do not keep \
         it for later)",
    );
}

#[test]
fn a_receive_into_an_empty_buffer_takes_a_datagram() {
    let (parked, first, second) = within(
        LIMIT,
        "recv_from() into an empty buffer, with a datagram sent, did not return: it takes \
         the next datagram like any other receive",
        || {
            code::block_on(async {
                let socket = bind();
                let sender = std_socket();
                // Nothing sent yet: an empty buffer waits for a datagram too.
                let (waker, wakes) = counting_waker();
                let parked = socket.poll_recv_from(&mut Context::from_waker(&waker), &mut []);
                let parked = match parked {
                    Poll::Pending => {
                        assert_parked_in(
                            socket.token(),
                            Direction::Read,
                            &waker,
                            &wakes,
                            "poll_recv_from into an empty buffer on a socket with no datagram",
                        );
                        Ok(())
                    }
                    Poll::Ready(result) => Err(format!("{result:?}")),
                };
                sender.send_to(b"cut", address(&socket)).unwrap();
                sender.send_to(b"next", address(&socket)).unwrap();
                let first = socket.recv_from(&mut []).await;
                (parked, first, receive(&socket, 64).await.0)
            })
        },
    );
    if let Err(returned) = parked {
        panic!(
            "poll_recv_from into an empty buffer returned {returned} on a socket nothing was \
             sent to: an empty buffer is not the stream's empty-buffer rule here. It receives \
             the next datagram as any receive does (cut to nothing, as a datagram longer than \
             the buffer is cut), so with none there it waits: try recv_from, and on WouldBlock \
             store the waker and return Pending"
        );
    }
    match first {
        // Linux and macOS: the datagram, cut to nothing.
        Ok((n, _)) => assert_eq!(n, 0, "recv_from() into an empty buffer returned Ok({n})"),
        // Windows: WSAEMSGSIZE, as for any datagram longer than the buffer.
        Err(e) => assert!(
            cfg!(windows) && e.kind() != io::ErrorKind::WouldBlock,
            "{}",
            explain("recv_from() into an empty buffer", e)
        ),
    }
    assert_bytes(
        &second,
        b"next",
        "after a receive into an empty buffer, the next recv_from() must return the datagram \
         after the one it took: a receive into an empty buffer takes a datagram and cuts it \
         to nothing, as the OS does (do not answer it without receiving)",
    );
}

#[test]
fn a_datagram_too_long_to_send_is_an_error() {
    // UDP over IPv4 carries at most 65,507 bytes in one datagram, on every OS.
    const TOO_LONG: usize = 70_000;
    let result = within(
        LIMIT,
        "send_to() of a datagram too long for UDP did not return: a real error (not \
         WouldBlock) must be returned as Ready(Err(e)), not waited on",
        || {
            code::block_on(async {
                let (a, b) = (bind(), bind());
                a.send_to(&vec![0; TOO_LONG], address(&b)).await
            })
        },
    );
    match result {
        Ok(n) => panic!(
            "send_to() of a {TOO_LONG}-byte datagram returned Ok({n}), but UDP cannot carry \
             it: pass on the socket's error"
        ),
        Err(e) => assert_ne!(
            e.kind(),
            io::ErrorKind::WouldBlock,
            "{}",
            explain("send_to() of a datagram too long for UDP", e)
        ),
    }
}

#[test]
fn a_receiver_and_a_sender_share_one_socket() {
    // One task waits to receive while another sends through the same
    // socket, shared with an `Rc`: the methods take `&self`.
    let echoed = within(
        LIMIT,
        "a task receiving and a task sending on the same socket did not finish: the receiver \
         must store its waker for Direction::Read, and sending must not disturb it",
        || {
            code::block_on(async {
                let socket = Rc::new(bind());
                let echo = bind();
                let echo_address = address(&echo);
                // The echo: sends back each datagram to its sender.
                code::spawn(async move {
                    loop {
                        let (datagram, from) = receive(&echo, 64).await;
                        send(&echo, &datagram, from).await;
                    }
                });
                let receiver = {
                    let socket = Rc::clone(&socket);
                    code::spawn(async move {
                        let mut echoed = Vec::new();
                        for _ in 0..3 {
                            echoed.push(receive(&socket, 64).await);
                        }
                        echoed
                    })
                };
                // Let the receiver park first.
                code::executor::yield_now().await;
                let sender = {
                    let socket = Rc::clone(&socket);
                    code::spawn(async move {
                        for datagram in [&b"a"[..], b"bb", b"ccc"] {
                            send(&socket, datagram, echo_address).await;
                            code::time::sleep(Duration::from_millis(5)).await;
                        }
                    })
                };
                sender.await;
                (receiver.await, echo_address)
            })
        },
    );
    let (echoed, echo_address) = echoed;
    for (datagram, from) in &echoed {
        assert_eq!(*from, echo_address, "recv_from() returned the wrong sender");
        assert!(!datagram.is_empty());
    }
    let datagrams: Vec<&[u8]> = echoed.iter().map(|(d, _)| d.as_slice()).collect();
    assert_bytes(
        &datagrams.join(&b'|'),
        b"a|bb|ccc",
        "the echoed datagrams, joined with '|'",
    );
}

#[test]
fn poll_recv_from_leaves_its_waker_in_the_read_slot() {
    within(
        LIMIT,
        "poll_recv_from on a socket with no datagram did not return",
        || {
            let socket = bind();
            let (waker, wakes) = counting_waker();
            let mut buf = [0; 64];
            // Nothing was sent: the try gets WouldBlock on every system.
            let mut cx = Context::from_waker(&waker);
            match record(|| socket.poll_recv_from(&mut cx, &mut buf)).0 {
                Poll::Pending => {}
                Poll::Ready(Ok((n, from))) => panic!(
                    "poll_recv_from returned a datagram of {n} bytes from {from} on a socket \
                     nothing was sent to"
                ),
                Poll::Ready(Err(e)) => panic!("{}", explain("poll_recv_from", e)),
            }
            assert_parked_in(
                socket.token(),
                Direction::Read,
                &waker,
                &wakes,
                "poll_recv_from on a socket with no datagram",
            );
        },
    );
}

#[test]
fn a_receiver_sleeps_until_its_datagram_comes() {
    let ((received, receiver), trace) = within(
        LIMIT,
        "the receiver was never woken after the datagram arrived (sent 200 ms after it \
         started waiting): poll_recv_from must store cx.waker() with \
         reactor().set_waker(token, Direction::Read, cx.waker()); in the slot for \
         Direction::Write it is woken on Linux by luck, never on macOS, and on Windows \
         over and over for nothing",
        || {
            record(|| {
                code::block_on(async {
                    let socket = bind();
                    let to = address(&socket);
                    let receiver = code::spawn(async move { receive(&socket, 64).await.0 });
                    let id = receiver.id();
                    // Another thread sends, later: meanwhile this thread has
                    // nothing to do but wait.
                    let sender = std::thread::spawn(move || {
                        std::thread::sleep(WAIT);
                        std_socket().send_to(b"late datagram", to).unwrap();
                    });
                    // The receiver tries first, finds nothing, and waits.
                    code::executor::yield_now().await;
                    let received = receiver.await;
                    sender.join().unwrap();
                    (received, id)
                })
            })
        },
    );
    assert_bytes(
        &received,
        b"late datagram",
        "the receiver got another datagram",
    );
    assert_parked(
        &trace,
        trace.polls(receiver),
        WAIT,
        "a task receiving on a socket whose datagram came 200 ms later",
        "On WouldBlock, poll_recv_from must store cx.waker() with reactor().set_waker(token, \
         Direction::Read, cx.waker()) and return Pending; the reactor wakes the task when a \
         datagram arrives.",
        "The readiness pattern",
    );
}
