//! The tests of exercise 3 (solution-3 runs this same file).
//!
//! The server and its clients run as tasks on one `code` runtime; every
//! exchange has its own deadline, so a server that serves one client at a
//! time fails with a message naming the client that waited in vain.

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use code::JoinHandle;
use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};
use code::testing::within;
use exercise_3::{echo, serve};

/// The whole test, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(10);

/// One round trip on loopback takes microseconds; a second is "never".
const PATIENCE: Duration = Duration::from_secs(1);

/// Starts `serve` on a listener at 127.0.0.1 with a free port.
fn start_server() -> (SocketAddr, JoinHandle<io::Result<()>>) {
    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, code::spawn(serve(listener)))
}

/// Fails the test if `serve` has returned: it should accept forever.
fn assert_still_serving(server: &JoinHandle<io::Result<()>>) {
    assert!(
        !server.is_finished(),
        "serve returned while clients were still being served: it should loop on accept \
         for as long as it runs"
    );
}

/// Runs `step`, or fails the test with `problem` if it takes longer than
/// `PATIENCE`.
async fn patiently<T>(problem: &str, step: impl Future<Output = io::Result<T>>) -> T {
    match code::time::timeout(PATIENCE, step).await {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => panic!("{problem}: {e}"),
        Err(_) => panic!("{problem} (nothing happened for {PATIENCE:?})"),
    }
}

async fn connect(addr: SocketAddr) -> AsyncTcpStream {
    patiently(
        "could not connect to the server",
        AsyncTcpStream::connect(addr),
    )
    .await
}

/// Sends `message` and waits for the same bytes to come back.
async fn round_trip(client: &mut AsyncTcpStream, message: &[u8], who: &str) {
    patiently(
        &format!("{who} could not send its message"),
        write_all(client, message),
    )
    .await;
    let mut reply = vec![0; message.len()];
    patiently(
        &format!(
            "{who} sent {} bytes and got no echo: serve must spawn a task per connection \
             (code::spawn) and go straight back to accept, and echo must write back what it \
             reads as soon as it reads it",
            message.len()
        ),
        read_exact(client, &mut reply),
    )
    .await;
    assert_eq!(reply, message, "{who} got back other bytes than it sent");
}

/// Bytes that show where a lost or repeated chunk happened.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn echoes_what_one_client_sends() {
    within(
        LIMIT,
        "the echo test with one client did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_server();
                let mut client = connect(addr).await;
                round_trip(&mut client, b"hello", "the client").await;
                round_trip(&mut client, b"and again", "the client").await;
                // Closing our side ends the echo; the server closes its side.
                client.shutdown(Shutdown::Write).unwrap();
                let mut rest = [0; 16];
                let n = patiently(
                    "the client closed its side but the server kept the connection open: when a \
                 read returns 0 (end of stream), echo should return and drop the stream",
                    client.read(&mut rest),
                )
                .await;
                assert_eq!(n, 0, "the server sent bytes nobody had sent it");
                assert_still_serving(&server);
            })
        },
    );
}

#[test]
fn echo_returns_the_number_of_bytes_echoed() {
    let echoed = within(LIMIT, "echo did not finish", || {
        code::block_on(async {
            let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let mut client = connect(listener.local_addr().unwrap()).await;
            let (stream, _) = listener.accept().await.unwrap();
            let echo = code::spawn(echo(stream));
            round_trip(&mut client, &pattern(600), "the client").await;
            round_trip(&mut client, &pattern(400), "the client").await;
            client.shutdown(Shutdown::Write).unwrap();
            patiently(
                "echo did not return after the client closed its side: a read of 0 bytes \
                 means end of stream",
                echo,
            )
            .await
        })
    });
    assert_eq!(
        echoed, 1000,
        "echo should return the number of bytes it echoed (1000)"
    );
}

#[test]
fn echo_finishes_writes_that_the_socket_cuts_short() {
    // The server's socket gets a tiny send buffer and the client starts
    // reading late, so echo's writes are cut short (Ok(n) with n smaller
    // than asked) and the rest must be written after.
    const LEN: usize = 1 << 20;
    let (echoed, count) = within(
        LIMIT,
        "the echo through a tiny send buffer did not finish",
        || {
            code::block_on(async {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (server, _) = listener.accept().unwrap();
                set_send_buffer(&server, 4096);
                let client = std::rc::Rc::new(AsyncTcpStream::from_std(client).unwrap());
                let echo = code::spawn(echo(AsyncTcpStream::from_std(server).unwrap()));
                let writer = {
                    let client = std::rc::Rc::clone(&client);
                    code::spawn(async move {
                        // If the server breaks the connection, the check of
                        // what came back says how.
                        if write_all(&mut &*client, &pattern(LEN)).await.is_ok() {
                            let _ = client.shutdown(Shutdown::Write);
                        }
                    })
                };
                code::time::sleep(Duration::from_millis(100)).await;
                let echoed = read_to_end(&client).await;
                writer.await;
                let count =
                    patiently("echo did not return after the end of the stream", echo).await;
                (echoed, count)
            })
        },
    );
    if echoed != pattern(LEN) {
        panic!(
            "through a small socket buffer, {} of {LEN} bytes came back, wrong from byte {} on: \
             every byte read must be written back, and a write may take only part of the \
             buffer (it returns how much it took): write the rest too, e.g. with \
             code::io::write_all",
            echoed.len(),
            first_difference(&echoed, &pattern(LEN))
        );
    }
    assert_eq!(
        count, LEN as u64,
        "echo should return the number of bytes it echoed"
    );
}

/// Sets SO_SNDBUF (std has no setter for it): the kernel then accepts at
/// most about this much unsent data, so writes are cut short sooner.
fn set_send_buffer(stream: &std::net::TcpStream, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid socket, and a pointer to a c_int with its size, as
    // setsockopt(2) asks for SO_SNDBUF.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "setsockopt(SO_SNDBUF) failed: {}",
        io::Error::last_os_error()
    );
}

/// Reads until end of stream, each read bounded by `PATIENCE`.
async fn read_to_end(stream: &AsyncTcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = patiently("reading the echo stalled or failed", stream.read(&mut buf)).await;
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
    }
}

/// Where two byte strings first differ.
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[test]
fn serves_several_clients_at_once() {
    within(
        LIMIT,
        "the test with several clients did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_server();
                // All connected at once, then taking turns: a server that serves
                // one connection until it closes never answers client 2.
                let mut clients = Vec::new();
                for _ in 0..8 {
                    clients.push(connect(addr).await);
                }
                for round in 1..=3 {
                    for (i, client) in clients.iter_mut().enumerate() {
                        let message = format!("round {round} from client {}", i + 1);
                        let who = format!("client {} (of 8, all connected)", i + 1);
                        round_trip(client, message.as_bytes(), &who).await;
                    }
                }
                assert_still_serving(&server);
            })
        },
    );
}

#[test]
fn an_idle_client_does_not_block_the_others() {
    within(LIMIT, "the test with an idle client did not finish", || {
        code::block_on(async {
            let (addr, server) = start_server();
            // Connects first and says nothing for now.
            let mut idle = connect(addr).await;
            let mut busy = connect(addr).await;
            round_trip(
                &mut busy,
                b"is anybody there?",
                "a client that connected after an idle one",
            )
            .await;
            // The idle client is still served once it speaks.
            round_trip(&mut idle, b"I was idle", "the idle client").await;
            assert_still_serving(&server);
        })
    });
}

#[test]
fn echoes_a_large_message() {
    // Larger than the socket buffers: the server has to read and write in
    // turns, and its writes are partial.
    const LEN: usize = 4 << 20;
    let echoed = within(
        LIMIT,
        "a 4 MiB echo did not finish: does echo keep reading after a write had to wait?",
        || {
            code::block_on(async {
                let (addr, server) = start_server();
                let client = std::rc::Rc::new(connect(addr).await);
                // Write and read at the same time, as the echo comes back
                // while we are still sending.
                let writer = {
                    let client = std::rc::Rc::clone(&client);
                    code::spawn(async move {
                        // If the server breaks the connection, the check of
                        // what came back says how.
                        if write_all(&mut &*client, &pattern(LEN)).await.is_ok() {
                            let _ = client.shutdown(Shutdown::Write);
                        }
                    })
                };
                // A slow start: the server's socket buffer fills up, so its
                // writes are cut short and it must write the rest.
                code::time::sleep(Duration::from_millis(100)).await;
                let mut echoed = Vec::with_capacity(LEN);
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let n = patiently(
                        "reading the echo of a 4 MiB message stalled or failed",
                        client.read(&mut buf),
                    )
                    .await;
                    if n == 0 {
                        break;
                    }
                    echoed.extend_from_slice(&buf[..n]);
                }
                writer.await;
                assert_still_serving(&server);
                echoed
            })
        },
    );
    if echoed != pattern(LEN) {
        let at = echoed
            .iter()
            .zip(pattern(LEN))
            .position(|(a, b)| *a != b)
            .unwrap_or(echoed.len().min(LEN));
        panic!(
            "the echo of a 4 MiB message came back with {} bytes, wrong from byte {at} on: a \
             write may take only part of the buffer (use write_all), and every byte read must \
             be written back",
            echoed.len()
        );
    }
}

#[test]
fn a_client_that_vanishes_does_not_stop_the_server() {
    within(
        LIMIT,
        "the test with a vanishing client did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_server();
                // Sends a lot and leaves without reading the echo: the server's
                // writes to it fail (connection reset or broken pipe).
                let rude = connect(addr).await;
                patiently(
                    "the server stopped reading from a client (256 KiB sent)",
                    write_all(&mut &rude, &pattern(256 << 10)),
                )
                .await;
                drop(rude);
                code::time::sleep(Duration::from_millis(50)).await;
                let mut polite = patiently(
                    "after a client vanished, the server no longer accepts connections: \
                     an error on one connection (reset, broken pipe) must end only that \
                     connection's task, not serve (log it, do not return it with `?`)",
                    AsyncTcpStream::connect(addr),
                )
                .await;
                round_trip(
                    &mut polite,
                    b"still there?",
                    "a client that came after one that left without reading",
                )
                .await;
                assert_still_serving(&server);
            })
        },
    );
}
