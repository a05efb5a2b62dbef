//! The tests of exercise 1 (solution-1 runs this same file).
//!
//! Each test runs on its own thread under `code::testing::within`, so an
//! unfinished or wrong stream fails in seconds with a hint instead of hanging.
//!
//! Part 2 of the exercise, `AsyncUdpSocket`, is tested in
//! `async_udp_socket/mod.rs`, a module of this file: one test binary, so
//! that `cargo test -p exercise-1` runs and reports both parts together
//! (`cargo test -p exercise-1 async_udp_socket` runs part 2 alone).

/// The tests of part 2: `AsyncUdpSocket`.
#[path = "async_udp_socket/mod.rs"]
mod async_udp_socket;

/// Checks of how a task waits, shared by the exercises' tests.
#[path = "../../behaviour.rs"]
mod behaviour;

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::mio::Token;
use code::reactor::Direction;
use exercise_1::AsyncTcpStream;

use behaviour::{WAIT, assert_parked, capture, record, tail_of, within};

/// Bytes shown as text in the messages.
#[path = "../../bytes.rs"]
mod bytes;
use bytes::assert_bytes;

/// Enough for every test here, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(5);

/// A connected pair of blocking `std` streams: (client, server).
fn connected_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    (client, server)
}

/// `AsyncTcpStream::from_std`, failing the test with a readable message,
/// also if the stream was left in blocking mode.
fn wrap(stream: std::net::TcpStream) -> AsyncTcpStream {
    // A copy of the socket's handle, to look at its mode afterwards: on
    // Unix both handles share one open file, and so its non-blocking flag.
    #[cfg(unix)]
    let probe = stream.try_clone().expect("try_clone");
    let wrapped = AsyncTcpStream::from_std(stream)
        .unwrap_or_else(|e| panic!("AsyncTcpStream::from_std returned an error: {e}"));
    #[cfg(unix)]
    assert_non_blocking(probe);
    wrapped
}

/// Fails the test at once if `probe`'s socket is in blocking mode, rather
/// than let every test that uses it block a thread and time out, each with
/// a message about wakers.
///
/// Unix only: on Windows a socket's copied handle need not share its mode,
/// and a blocking socket there fails the tests by their time limits.
#[cfg(unix)]
fn assert_non_blocking(probe: std::net::TcpStream) {
    /// How long a peek may take on a non-blocking socket: it returns at
    /// once; a blocking one waits for data that may never come.
    const PEEK_LIMIT: Duration = Duration::from_secs(1);
    let (done, result) = std::sync::mpsc::channel();
    // The peek runs on a thread of its own: on a blocking socket it blocks
    // until data comes or the connection ends (the test's end closes it).
    std::thread::spawn(move || {
        let _ = done.send(probe.peek(&mut [0; 1]).map(|_| ()));
    });
    if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = result.recv_timeout(PEEK_LIMIT) {
        panic!(
            "your socket is in blocking mode: before this test's own check, a look at the \
             stream that from_std wrapped (a peek, with no data sent) waited instead of \
             returning WouldBlock. A blocking read or write stops the whole thread, and with it \
             every task and the reactor. In from_std, call stream.set_nonblocking(true)? \
             before wrapping it in mio::net::TcpStream::from_std (chapter \"AsyncTcpStream\")"
        );
    }
}

/// What a failed read or write most likely means.
fn explain(op: &str, e: io::Error) -> String {
    if e.kind() == io::ErrorKind::WouldBlock {
        format!(
            "{op} returned Err(WouldBlock). WouldBlock is not a failure, it means \"not ready \
             yet\": store cx.waker() with the reactor and return Poll::Pending"
        )
    } else {
        format!("{op} returned an unexpected error: {e}")
    }
}

async fn read_some(stream: &AsyncTcpStream, buf: &mut [u8]) -> usize {
    match stream.read(buf).await {
        Ok(n) => n,
        Err(e) => panic!("{}", explain("read()", e)),
    }
}

async fn write_some(stream: &AsyncTcpStream, buf: &[u8]) -> usize {
    match stream.write(buf).await {
        Ok(0) if !buf.is_empty() => panic!("write() wrote 0 bytes of a non-empty buffer"),
        Ok(n) => n,
        Err(e) => panic!("{}", explain("write()", e)),
    }
}

/// Writes all of `data` with the stream's own `write()`.
async fn send_all(stream: &AsyncTcpStream, mut data: &[u8]) {
    while !data.is_empty() {
        let n = write_some(stream, data).await;
        data = &data[n..];
    }
}

/// Reads exactly `len` bytes with the stream's own `read()`.
async fn receive(stream: &AsyncTcpStream, len: usize) -> Vec<u8> {
    let mut received = vec![0; len];
    let mut filled = 0;
    while filled < len {
        let n = read_some(stream, &mut received[filled..]).await;
        assert!(
            n > 0,
            "read() returned 0 (end of stream) after {filled} of {len} bytes, but the peer \
             had not closed the connection"
        );
        filled += n;
    }
    received
}

/// Bytes that show where a lost or repeated chunk happened.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn from_std_registers_for_reading_and_writing() {
    let ((before, open, after), lines) = within(LIMIT, "from_std did not return", || {
        capture(|| {
            let reactor = code::reactor();
            let before = reactor.registered();
            let (client, _server) = connected_pair();
            let stream = wrap(client);
            let open = reactor.registered();
            drop(stream);
            (before, open, reactor.registered())
        })
    });
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("reactor: registered token")
                && l.ends_with("READABLE | WRITABLE")),
        "from_std must register the socket with code::reactor() for \
         Interest::READABLE | Interest::WRITABLE (a stream registered for reading only can \
         never wake a writer).{}",
        tail_of(&lines)
    );
    assert_eq!(
        open,
        before + 1,
        "from_std must register the socket with code::reactor() once"
    );
    assert_eq!(
        after, before,
        "dropping the stream left its socket registered with the reactor: the stream's Drop \
         (given in the stub) must deregister it, or every closed connection leaves its slots \
         behind"
    );
}

#[test]
fn echo_round_trip() {
    let echoed = within(
        LIMIT,
        "the echo round trip did not finish: a task that got WouldBlock was never woken \
         (is cx.waker() stored with reactor().set_waker(token, direction, waker)?)",
        || {
            code::block_on(async {
                let (client, server) = connected_pair();
                let (client, server) = (wrap(client), wrap(server));
                // The echo server: a task that sends back whatever arrives.
                code::spawn(async move {
                    let mut buf = [0; 1024];
                    loop {
                        let n = read_some(&server, &mut buf).await;
                        if n == 0 {
                            break;
                        }
                        send_all(&server, &buf[..n]).await;
                    }
                });
                let message = b"hello, echo";
                send_all(&client, message).await;
                receive(&client, message.len()).await
            })
        },
    );
    assert_bytes(&echoed, b"hello, echo", "the echo came back different");
}

#[test]
fn read_waits_until_data_arrives() {
    let received = within(
        LIMIT,
        "the reader was never woken after the data arrived: when the read returns \
         WouldBlock, poll_read must store cx.waker() with \
         reactor().set_waker(token, Direction::Read, waker)",
        || {
            code::block_on(async {
                let (client, server) = connected_pair();
                let server = wrap(server);
                // The read starts first and must wait: nothing was sent yet.
                let reader = code::spawn(async move {
                    let mut buf = [0; 64];
                    let n = read_some(&server, &mut buf).await;
                    buf[..n].to_vec()
                });
                code::time::sleep(Duration::from_millis(50)).await;
                use std::io::Write;
                (&client).write_all(b"late data").unwrap();
                reader.await
            })
        },
    );
    assert_bytes(
        &received,
        b"late data",
        "the reader got other bytes than were sent",
    );
}

#[test]
fn writer_is_woken_when_the_socket_has_room_again() {
    // More than any socket buffer on loopback holds, so the writer must get
    // WouldBlock, wait, and be woken once the reader has made room.
    const LEN: usize = 16 << 20;
    // 16 MiB with the trace on, in a debug build: give a loaded machine
    // more time than the other tests (a stuck writer still fails in seconds
    // on an idle one, and never hangs).
    let (received, lines) = within(
        Duration::from_secs(20),
        "the writer was never woken after WouldBlock: is the stream registered with \
         Interest::WRITABLE, and does poll_write store the waker with Direction::Write?",
        || {
            capture(|| {
                code::block_on(async {
                    let (client, server) = connected_pair();
                    let client = wrap(client);
                    // The reader is a plain blocking socket on a thread of
                    // its own, so only the writer is your code. A slow
                    // start: the writer fills the socket buffers first.
                    let reader = std::thread::spawn(move || {
                        use std::io::Read;
                        std::thread::sleep(Duration::from_millis(50));
                        let mut received = vec![0; LEN];
                        (&server).read_exact(&mut received).map(|()| received)
                    });
                    send_all(&client, &pattern(LEN)).await;
                    reader.join().unwrap().expect("the reader's read failed")
                })
            })
        },
    );
    assert!(
        received == pattern(LEN),
        "the reader got {} bytes that differ from what was written",
        received.len()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("reactor: stored Write waker")),
        "the writer filled the socket but never left a waker for Direction::Write with the \
         reactor: on WouldBlock, poll_write must call \
         reactor().set_waker(token, Direction::Write, cx.waker()) and return Pending \
         (waking itself at once instead keeps the thread busy){}",
        tail_of(&lines)
    );
}

#[test]
fn a_reader_and_a_writer_share_one_stream() {
    // One task reads while another writes the same stream, through an `Rc`:
    // each must be woken for its own direction.
    const LEN: usize = 4 << 20;
    let echoed = within(
        LIMIT,
        "a task reading and a task writing the same stream did not finish: each must store \
         its waker for its own direction (Direction::Read in poll_read, Direction::Write in \
         poll_write)",
        || {
            code::block_on(async {
                let (client, server) = connected_pair();
                let client = Rc::new(wrap(client));
                let server = wrap(server);
                code::spawn(async move {
                    let mut buf = vec![0; 64 * 1024];
                    loop {
                        let n = read_some(&server, &mut buf).await;
                        if n == 0 {
                            break;
                        }
                        send_all(&server, &buf[..n]).await;
                    }
                });
                let writer = {
                    let client = Rc::clone(&client);
                    code::spawn(async move { send_all(&client, &pattern(LEN)).await })
                };
                let echoed = receive(&client, LEN).await;
                writer.await;
                echoed
            })
        },
    );
    assert!(
        echoed == pattern(LEN),
        "the echoed bytes differ from the bytes written"
    );
}

#[test]
fn read_returns_zero_at_end_of_stream() {
    let reads = within(
        LIMIT,
        "read() did not return after the peer closed the connection: a read of 0 bytes means \
         end of stream and must be returned as Ready(Ok(0)), not waited on",
        || {
            code::block_on(async {
                let (client, server) = connected_pair();
                let server = wrap(server);
                use std::io::Write;
                (&client).write_all(b"bye").unwrap();
                client.shutdown(Shutdown::Write).unwrap();
                let mut reads = Vec::new();
                let mut buf = [0; 16];
                loop {
                    let n = read_some(&server, &mut buf).await;
                    reads.push(buf[..n].to_vec());
                    if n == 0 {
                        return reads;
                    }
                }
            })
        },
    );
    assert_bytes(
        &reads.concat(),
        b"bye",
        "the bytes before the end of stream got lost",
    );
}

#[test]
fn a_write_error_is_returned() {
    let result = within(
        LIMIT,
        "write() did not return after the stream's write half was shut down: a real error \
         (not WouldBlock) must be returned as Ready(Err(e)), not waited on",
        || {
            code::block_on(async {
                let (client, _server) = connected_pair();
                let client = wrap(client);
                client.shutdown(Shutdown::Write).unwrap();
                client.write(b"too late").await
            })
        },
    );
    let error = result.expect_err(
        "write() after shutdown(Write) returned Ok: it must pass on the socket's error",
    );
    assert_ne!(
        error.kind(),
        io::ErrorKind::WouldBlock,
        "{}",
        explain("write()", error)
    );
}

#[test]
fn a_read_error_is_returned() {
    let result = within(
        LIMIT,
        "read() did not return after the peer reset the connection: a real error (not \
         WouldBlock) must be returned as Ready(Err(e)), not waited on (only WouldBlock means \
         \"not ready yet\")",
        || {
            code::block_on(async {
                let (client, server) = connected_pair();
                let client = wrap(client);
                // SO_LINGER with a time of 0: closing the peer is then an
                // abortive close, which resets the connection (RST) instead of
                // ending it in order, on Linux, macOS and Windows alike.
                socket2::SockRef::from(&server)
                    .set_linger(Some(Duration::ZERO))
                    .expect("setsockopt(SO_LINGER)");
                drop(server);
                let mut buf = [0; 16];
                client.read(&mut buf).await
            })
        },
    );
    match result {
        Err(e) if e.kind() != io::ErrorKind::WouldBlock => {}
        Err(e) => panic!("{}", explain("read() after a reset", e)),
        Ok(n) => panic!(
            "read() returned Ok({n}) on a connection the peer had reset: pass on the socket's \
             error (Ready(Err(e))), so that the caller knows the connection failed"
        ),
    }
}

#[test]
fn a_read_into_an_empty_buffer_returns_0_at_once() {
    let n = within(
        LIMIT,
        "read() into an empty buffer waited: with no room for data there is nothing to wait \
         for, so poll_read must return Ready(Ok(0)) before trying (on Linux an empty read on a \
         quiet socket answers WouldBlock: the task would park until some unrelated data \
         arrives, maybe never, and then read Ok(0), which looks like the end of the stream)",
        || {
            code::block_on(async {
                let (_client, server) = connected_pair();
                let server = wrap(server);
                // Nothing was sent, so a try would say WouldBlock.
                server.read(&mut []).await
            })
        },
    );
    match n {
        Ok(0) => {}
        Ok(n) => panic!("read() into an empty buffer returned Ok({n})"),
        Err(e) => panic!("{}", explain("read() into an empty buffer", e)),
    }
}

#[test]
fn a_write_of_an_empty_buffer_does_no_io() {
    let result = within(LIMIT, "write() of an empty buffer did not return", || {
        code::block_on(async {
            let (client, _server) = connected_pair();
            let client = wrap(client);
            // A write that touched the socket now would fail (BrokenPipe).
            client.shutdown(Shutdown::Write).unwrap();
            client.write(&[]).await
        })
    });
    match result {
        Ok(0) => {}
        Ok(n) => panic!("write() of an empty buffer returned Ok({n})"),
        Err(e) => panic!(
            "write() of an empty buffer returned `{e}`: with nothing to write, poll_write must \
             return Ready(Ok(0)) without touching the socket (this socket's write half was \
             shut down, so the try failed)"
        ),
    }
}

// ---------------------------------------------------------------------------
// How the stream waits: the right slot, and asleep.
//
// The tests above compare bytes. These check that a task that must wait
// parks: its waker goes into the slot of the direction it waits for (the
// reactor wakes the read slot when data arrives, the write slot when there
// is room), and the executor sleeps until then. None of them relies on how
// one system reports readiness: epoll (Linux) reports a socket that became
// readable as writable too, so a reader parked in the write slot is woken
// there by luck; kqueue (macOS) reports the two directions as separate
// events, so the same reader waits forever; and on Windows mio reports
// writability again after every WouldBlock, so it is woken over and over
// for nothing, a busy loop.

/// A waker that counts how often it was woken, for polling by hand.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker, and the counter of its wakes.
fn counting_waker() -> (Waker, Arc<CountingWaker>) {
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    (Waker::from(Arc::clone(&count)), count)
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Read => "Direction::Read",
        Direction::Write => "Direction::Write",
    }
}

/// After `what` returned `Pending` to a poll with `waker`: fails the test,
/// naming the mistake, unless `waker` is in `token`'s slot for `direction`,
/// not in the other slot, and was not woken at once.
fn assert_parked_in(
    token: Token,
    direction: Direction,
    waker: &Waker,
    wakes: &CountingWaker,
    what: &str,
) {
    let other = match direction {
        Direction::Read => Direction::Write,
        Direction::Write => Direction::Read,
    };
    let reactor = code::reactor();
    let (ours, theirs) = (
        reactor.holds_waker(token, direction, waker),
        reactor.holds_waker(token, other, waker),
    );
    let (want, wrong) = (direction_name(direction), direction_name(other));
    assert!(
        wakes.0.load(Ordering::SeqCst) == 0,
        "{what} woke its own waker before returning Pending: that is busy polling. The \
         executor polls the task again at once, it finds nothing again, and so on: the task \
         keeps a core busy doing nothing useful, like a driver who keeps asking at the window \
         instead of waiting to be called. Store cx.waker() with \
         reactor().set_waker(token, {want}, cx.waker()) and let the reactor wake the task \
         (chapter \"The readiness pattern\")"
    );
    if theirs && !ours {
        panic!(
            "{what} stored the task's waker in the slot for {wrong}, but it waits for \
             {want}. The reactor wakes each slot for its own direction: on Linux this may seem \
             to work, because epoll reports a readable socket as writable too, but on macOS \
             the task is never woken, and on Windows it is woken over and over for nothing. \
             Use reactor().set_waker(token, {want}, cx.waker()) (chapter \"AsyncTcpStream\")"
        );
    }
    assert!(
        ours,
        "{what} returned Pending, but the slot for {want} of the socket's token does not hold \
         the waker it was polled with: nothing will wake the task. Before returning Pending, \
         store cx.waker() (this poll's, not one kept from before) with \
         reactor().set_waker(token, {want}, cx.waker()) (chapter \"The readiness pattern\")"
    );
    assert!(
        !theirs,
        "{what} stored the task's waker in both slots, {want} and {wrong}. It waits for one \
         direction only: a waker in the other slot is woken for nothing, and it pushes out \
         the waker of a task that waits for that direction on the same stream. Store it \
         only for {want} (chapter \"AsyncTcpStream\")"
    );
}

#[test]
fn poll_read_leaves_its_waker_in_the_read_slot() {
    within(
        LIMIT,
        "poll_read on a socket with no data did not return: is the socket in non-blocking \
         mode (set_nonblocking(true) in from_std)? A blocking read waits in the kernel for \
         data, and blocks the whole thread",
        || {
            let (client, _server) = connected_pair();
            let stream = wrap(client);
            let (waker, wakes) = counting_waker();
            let mut buf = [0; 64];
            // Nothing was sent: the try gets WouldBlock on every system.
            let mut cx = Context::from_waker(&waker);
            match record(|| stream.poll_read(&mut cx, &mut buf)).0 {
                Poll::Pending => {}
                Poll::Ready(Ok(n)) => {
                    panic!("poll_read returned Ready(Ok({n})) on a socket no data was sent to")
                }
                Poll::Ready(Err(e)) => panic!("{}", explain("poll_read", e)),
            }
            assert_parked_in(
                stream.token(),
                Direction::Read,
                &waker,
                &wakes,
                "poll_read on a socket with no data",
            );
        },
    );
}

#[test]
fn poll_write_leaves_its_waker_in_the_write_slot() {
    within(
        LIMIT,
        "poll_write on a socket whose peer reads nothing did not return: is the socket in \
         non-blocking mode (set_nonblocking(true) in from_std)? A blocking write waits in the \
         kernel for room, and blocks the whole thread",
        || {
            let (client, _server) = connected_pair();
            let stream = wrap(client);
            let (waker, wakes) = counting_waker();
            let mut cx = Context::from_waker(&waker);
            // The peer reads nothing, so the socket buffers fill up and a
            // write gets WouldBlock (after a few MiB on loopback).
            let chunk = vec![0; 64 * 1024];
            let mut written = 0;
            loop {
                match record(|| stream.poll_write(&mut cx, &chunk)).0 {
                    Poll::Pending => break,
                    Poll::Ready(Ok(n)) => written += n,
                    Poll::Ready(Err(e)) => panic!("{}", explain("poll_write", e)),
                }
                // Loopback buffers hold a few MiB at most.
                assert!(
                    written < 256 << 20,
                    "poll_write took 256 MiB for a peer that reads nothing and never returned \
                     Pending"
                );
            }
            assert_parked_in(
                stream.token(),
                Direction::Write,
                &waker,
                &wakes,
                "poll_write on a socket whose buffer is full",
            );
        },
    );
}

#[test]
fn a_reader_sleeps_until_its_data_comes() {
    let ((received, reader), trace) = within(
        LIMIT,
        "the reader was never woken after the data arrived (sent 200 ms after it started \
         waiting): poll_read must store cx.waker() with reactor().set_waker(token, \
         Direction::Read, cx.waker()); in the slot for Direction::Write it is woken on Linux \
         by luck, never on macOS, and on Windows over and over for nothing",
        || {
            record(|| {
                code::block_on(async {
                    let (client, server) = connected_pair();
                    let server = wrap(server);
                    let reader = code::spawn(async move {
                        let mut buf = [0; 64];
                        let n = read_some(&server, &mut buf).await;
                        buf[..n].to_vec()
                    });
                    let id = reader.id();
                    // Another thread sends, later: meanwhile this thread has
                    // nothing to do but wait.
                    let sender = std::thread::spawn(move || {
                        std::thread::sleep(WAIT);
                        use std::io::Write;
                        (&client).write_all(b"late data").unwrap();
                        client
                    });
                    // The reader tries first, finds nothing, and waits.
                    code::executor::yield_now().await;
                    let received = reader.await;
                    drop(sender.join());
                    (received, id)
                })
            })
        },
    );
    assert_bytes(
        &received,
        b"late data",
        "the reader got other bytes than were sent",
    );
    assert_parked(
        &trace,
        trace.polls(reader),
        WAIT,
        "a task reading a socket whose data came 200 ms later",
        "On WouldBlock, poll_read must store cx.waker() with reactor().set_waker(token, \
         Direction::Read, cx.waker()) and return Pending; the reactor wakes the task when the \
         data arrives.",
        "The readiness pattern",
    );
}

#[test]
fn a_writer_sleeps_until_the_socket_has_room() {
    let ((written, read, writer), trace) = within(
        LIMIT,
        "the writer was never woken after the peer made room (it started reading 200 ms \
         after the socket was full): poll_write must store cx.waker() with \
         reactor().set_waker(token, Direction::Write, cx.waker())",
        || {
            record(|| {
                code::block_on(async {
                    let (client, server) = connected_pair();
                    let client = wrap(client);
                    // Writes until one write has to wait, then finishes that
                    // one and stops.
                    let writer = code::spawn(async move {
                        let chunk = vec![7; 64 * 1024];
                        let mut written = 0;
                        loop {
                            let mut waited = false;
                            let n = poll_fn(|cx| {
                                let poll = client.poll_write(cx, &chunk);
                                waited |= poll.is_pending();
                                poll
                            })
                            .await
                            .unwrap_or_else(|e| panic!("{}", explain("write()", e)));
                            written += n;
                            if waited {
                                return (client, written);
                            }
                            // Loopback buffers hold a few MiB at most.
                            assert!(
                                written < 256 << 20,
                                "write() took 256 MiB for a peer that read nothing for 200 ms, \
                                 and never returned Pending: is the socket in non-blocking \
                                 mode (set_nonblocking(true) in from_std)? A blocking write \
                                 waits in the kernel and blocks the whole thread"
                            );
                        }
                    });
                    let id = writer.id();
                    // The peer starts reading later, on another thread.
                    let peer = std::thread::spawn(move || {
                        std::thread::sleep(WAIT);
                        use std::io::Read;
                        let mut all = Vec::new();
                        (&server).read_to_end(&mut all).map(|_| all.len())
                    });
                    // The writer fills the socket and waits.
                    code::executor::yield_now().await;
                    let (client, written) = writer.await;
                    // The end of the stream for the peer's read_to_end.
                    drop(client);
                    let read = peer.join().unwrap().expect("the peer's read failed");
                    (written, read, id)
                })
            })
        },
    );
    assert_eq!(read, written, "the peer got other bytes than were written");
    assert_parked(
        &trace,
        trace.polls(writer),
        WAIT,
        "a task writing to a socket whose peer made room 200 ms later",
        "On WouldBlock, poll_write must store cx.waker() with reactor().set_waker(token, \
         Direction::Write, cx.waker()) and return Pending; the reactor wakes the task when \
         the socket has room again.",
        "The readiness pattern",
    );
}
