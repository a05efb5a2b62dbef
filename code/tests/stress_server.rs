//! Stress and fault tests of servers on the runtime: half-close, peer
//! resets, a thousand concurrent clients, the echo server example's memory
//! under load, and running out of file descriptors.
//!
//! Two tests run the echo server in a child process (this test binary,
//! started again with `CODE_STRESS_CHILD` set and a filter naming the test):
//! one to measure the server's memory alone, one to lower its descriptor
//! limit without affecting the other tests. Those two are Linux only: they
//! read the child's memory and CPU time from `/proc`, and lower its limit
//! with `setrlimit`.

#[allow(dead_code)] // its `main` is not called here
#[path = "../examples/echo_server.rs"]
mod echo_server;
mod stress_common;

use std::cell::RefCell;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use code::io::{copy, read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};
use code::testing::within;
use stress_common::{
    Gate, Parks, Rng, Stop, Watched, echo_client, raise_fd_limit, read_pattern, reset_on_close,
    until, write_pattern,
};

const LIMIT: Duration = Duration::from_secs(30);
const MIB: u64 = 1 << 20;

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The client shuts down its write side after sending; the server sees EOF,
/// finishes echoing what it already read, and closes; the client gets every
/// byte and then EOF.
#[test]
fn half_close_the_server_finishes_sending_then_closes() {
    // More than the socket buffers hold: the server is still echoing when
    // the EOF arrives.
    const LEN: u64 = 4 * MIB;
    let (echoed, received) = within(
        LIMIT,
        "after the client shut down its write side, the echo did not finish: does the server \
         see EOF, and does the client's reader get the rest and then EOF?",
        || {
            code::block_on(async {
                let listener = AsyncTcpListener::bind(localhost()).unwrap();
                let addr = listener.local_addr().unwrap();
                let server = code::spawn(async move {
                    let (stream, _) = listener.accept().await.unwrap();
                    echo_server::echo(stream).await.unwrap()
                    // The stream drops here: the client reads EOF.
                });
                let client = Rc::new(AsyncTcpStream::connect(addr).await.unwrap());
                let writer = code::spawn({
                    let client = Rc::clone(&client);
                    async move {
                        write_pattern(&mut &*client, 5, 0, LEN).await.unwrap();
                        client.shutdown(Shutdown::Write).unwrap();
                    }
                });
                let received = read_pattern(&mut &*client, 5, 0).await.unwrap();
                writer.await;
                (server.await, received)
            })
        },
    );
    assert_eq!(echoed, LEN, "the server did not echo everything before EOF");
    assert_eq!(
        received, LEN,
        "the client did not get everything back before EOF"
    );
}

/// A server connection as the recording server sees it.
struct Conn {
    peer: SocketAddr,
    parks: Rc<Parks>,
    result: Rc<RefCell<Option<io::Result<u64>>>>,
}

/// An echo server like the example's (`copy` from a stream to itself), that
/// records where each connection's task is parked and how it ended.
async fn recording_server(listener: AsyncTcpListener, conns: Rc<RefCell<Vec<Conn>>>) {
    loop {
        let (stream, peer) = listener.accept().await.unwrap();
        let watched = Watched::new(stream);
        let result = Rc::new(RefCell::new(None));
        conns.borrow_mut().push(Conn {
            peer,
            parks: Rc::clone(&watched.parks),
            result: Rc::clone(&result),
        });
        code::spawn(async move {
            let echoed = copy(&mut watched.clone(), &mut watched.clone()).await;
            *result.borrow_mut() = Some(echoed);
        });
    }
}

/// Waits until the server has accepted the connection from `client`.
async fn conn_of(
    conns: &Rc<RefCell<Vec<Conn>>>,
    client: SocketAddr,
) -> (Rc<Parks>, Rc<RefCell<Option<io::Result<u64>>>>) {
    until(|| conns.borrow().iter().any(|c| c.peer == client)).await;
    let conns = conns.borrow();
    let conn = conns.iter().find(|c| c.peer == client).unwrap();
    (Rc::clone(&conn.parks), Rc::clone(&conn.result))
}

/// A client resets its connection (`SO_LINGER` 0) while the server's task
/// is parked reading, another while the server's task is parked writing.
/// Each of those tasks gets an error; nothing panics; a client that stays
/// busy meanwhile, and a client that comes after, are served in full.
#[test]
fn a_peer_reset_mid_read_or_mid_write_fails_only_that_connection() {
    let (mid_read, mid_write) = within(
        LIMIT,
        "after peer resets the server stopped serving: is a reset reported to the parked \
         task (errors wake both the reader and the writer slot)?",
        || {
            code::block_on(async {
                let listener = AsyncTcpListener::bind(localhost()).unwrap();
                let addr = listener.local_addr().unwrap();
                let conns = Rc::new(RefCell::new(Vec::new()));
                let _server = code::spawn(recording_server(listener, Rc::clone(&conns)));
                // A client that keeps the server busy throughout.
                let steady = code::spawn(echo_client(addr, 6, 4 * MIB, Gate::new(1)));

                // Reset while the server's task is parked reading.
                let a = TcpStream::connect(addr).unwrap();
                reset_on_close(&a);
                let a = AsyncTcpStream::from_std(a).unwrap();
                let (parks, result) = conn_of(&conns, a.local_addr().unwrap()).await;
                write_all(&mut &a, b"ping").await.unwrap();
                let mut pong = [0; 4];
                read_exact(&mut &a, &mut pong).await.unwrap();
                until(|| parks.reading.get()).await;
                drop(a);
                until(|| result.borrow().is_some()).await;
                let mid_read = result.borrow_mut().take().unwrap();

                // Reset while the server's task is parked writing: we send
                // and never read, until the server can write no more.
                let b = TcpStream::connect(addr).unwrap();
                reset_on_close(&b);
                b.set_nonblocking(true).unwrap();
                let (parks, result) = conn_of(&conns, b.local_addr().unwrap()).await;
                let chunk = vec![0; 64 << 10];
                loop {
                    match (&b).write(&chunk) {
                        Ok(_) => code::executor::yield_now().await,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if parks.writing.get() {
                                break;
                            }
                            code::time::sleep(Duration::from_millis(1)).await;
                        }
                        Err(e) => panic!("client write failed: {e}"),
                    }
                }
                drop(b);
                until(|| result.borrow().is_some()).await;
                let mid_write = result.borrow_mut().take().unwrap();

                // The others are still served.
                steady
                    .await
                    .expect("the steady client was not served in full");
                echo_client(addr, 7, MIB, Gate::new(1))
                    .await
                    .expect("a client after the resets was not served in full");
                (mid_read, mid_write)
            })
        },
    );
    let kind = mid_read
        .expect_err("a reset while reading must be an error")
        .kind();
    assert_eq!(
        kind,
        io::ErrorKind::ConnectionReset,
        "reset while the server was reading"
    );
    let kind = mid_write
        .expect_err("a reset while writing must be an error")
        .kind();
    assert!(
        matches!(
            kind,
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
        ),
        "reset while the server was writing gave {kind:?}"
    );
}

/// The echo server's address, on a thread of its own, until `stop` is raised.
fn echo_server_thread(stop: Stop) -> (SocketAddr, thread::JoinHandle<()>) {
    let (addr_tx, addr_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        code::block_on(async {
            let listener = AsyncTcpListener::bind(localhost()).unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            code::spawn(echo_server::serve(listener));
            stop.wait().await;
        })
    });
    (addr_rx.recv().unwrap(), server)
}

/// Runs `sizes.len()` echo clients at once on this thread's runtime and
/// returns the failures. They connect in waves of 64 (each wave accepted
/// before the next starts, see `echo_client`), and all are connected
/// before any of them sends.
fn run_clients(addr: SocketAddr, sizes: &[u64]) -> Vec<(usize, io::Error)> {
    code::block_on(async {
        let gate = Gate::new(sizes.len());
        let mut clients = Vec::new();
        for (i, &len) in sizes.iter().enumerate() {
            if i % 64 == 0 {
                until(|| gate.arrived() == i).await;
            }
            clients.push(code::spawn(echo_client(
                addr,
                1000 + i as u64,
                len,
                gate.clone(),
            )));
        }
        let mut failures = Vec::new();
        for (i, client) in clients.into_iter().enumerate() {
            if let Err(e) = client.await {
                failures.push((i, e));
            }
        }
        failures
    })
}

/// 1,000 clients connected at the same time, each sending a message of a
/// random size up to 1 MiB; every byte comes back, in order.
#[test]
fn a_thousand_concurrent_echo_clients_get_every_byte_back_in_order() {
    const CLIENTS: usize = 1000;
    // Sizes spread over every scale: a power of two drawn at random, then
    // a size below it. The draw is seeded, so fixed; its total is checked
    // below so the test stays quick. One message is exactly 1 MiB, one is
    // empty.
    let mut rng = Rng::new(6);
    let mut sizes: Vec<u64> = (0..CLIENTS)
        .map(|_| {
            let scale = 1 << rng.below(21);
            rng.below(scale) + 1
        })
        .collect();
    sizes[0] = MIB;
    sizes[1] = 0;
    let total: u64 = sizes.iter().sum();
    assert!(
        total < 80 * MIB,
        "the sizes drawn add up to {total} bytes: too slow a test"
    );
    // Two sockets per client in this process.
    raise_fd_limit(2 * CLIENTS as u64 + 100);
    let failures = within(
        Duration::from_secs(60),
        "1,000 echo clients were not all served: a connection whose task is never woken?",
        move || {
            let stop = Stop::default();
            let (addr, server) = echo_server_thread(stop.clone());
            let failures = run_clients(addr, &sizes);
            stop.raise();
            server.join().unwrap();
            failures
        },
    );
    assert!(
        failures.is_empty(),
        "{} of {CLIENTS} clients failed, the first: {:?}",
        failures.len(),
        failures.first()
    );
}

/// The tests that run the echo server in a child process (Linux only, see
/// the top of this file).
#[cfg(target_os = "linux")]
mod in_a_child_process {
    use std::io::Read;

    use super::*;
    use stress_common::{Child, child_role, exit_when_parent_leaves};

    const KIB: u64 = 1 << 10;

    /// The child's side: the echo server example, its address on stdout.
    fn child_echo_server(room: Option<usize>) -> ! {
        exit_when_parent_leaves();
        let result = code::block_on(async {
            let listener = AsyncTcpListener::bind(localhost())?;
            if let Some(room) = room {
                limit_descriptors_to_room_for(room);
            }
            println!("ADDR {}", listener.local_addr()?);
            echo_server::serve(listener).await
        });
        eprintln!("child: serve returned {result:?}");
        std::process::exit(1);
    }

    /// Lowers this process's descriptor limit so that exactly `room` more can
    /// be opened. Call it once the runtime has made everything it needs (its
    /// poller, its waker, the listener).
    fn limit_descriptors_to_room_for(room: usize) {
        let highest = (0..4096)
            .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1)
            .max()
            .unwrap();
        // Fill the gaps below the highest open descriptor (new descriptors take
        // the lowest free number), so the room is exactly what is above it.
        loop {
            let fd = unsafe { libc::dup(0) };
            assert!(fd >= 0, "dup: {}", io::Error::last_os_error());
            if fd > highest {
                unsafe { libc::close(fd) };
                break;
            }
        }
        let limit = (highest as usize + 1 + room) as libc::rlim_t;
        let limit = libc::rlimit {
            rlim_cur: limit,
            rlim_max: limit,
        };
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    }

    /// Under load from 1,000 clients sending 64 KiB each (64 MiB in all), the
    /// echo server's memory grows by a bounded amount per connection: `copy`
    /// uses one fixed 8 KiB buffer, so the data never piles up in the server.
    /// Measured in a child process, so that only the server is counted.
    #[test]
    fn the_echo_server_keeps_memory_bounded_under_load() {
        const CLIENTS: usize = 1000;
        const LEN: u64 = 64 * KIB;
        // Per connection: the task (with its 8 KiB buffer), the stream, the
        // reactor's slots; far less than LEN. Plus a fixed allowance.
        const BOUND_KIB: u64 = CLIENTS as u64 * 16 + 8 * 1024;
        if child_role().as_deref() == Some("echo") {
            child_echo_server(None);
        }
        raise_fd_limit(CLIENTS as u64 + 100);
        let (before, peak) = within(
            LIMIT,
            "the echo server in the child process did not serve 1,000 clients",
            || {
                let mut child = Child::start(
                    "in_a_child_process::the_echo_server_keeps_memory_bounded_under_load",
                    "echo",
                );
                let addr = child.addr();
                let before = child.memory_kib("VmRSS:");
                let failures = run_clients(addr, &[LEN; CLIENTS]);
                assert!(
                    failures.is_empty(),
                    "{} clients failed, the first: {:?}",
                    failures.len(),
                    failures.first()
                );
                (before, child.memory_kib("VmHWM:"))
            },
        );
        let growth = peak.saturating_sub(before);
        assert!(
            growth < BOUND_KIB,
            "the echo server grew by {growth} KiB (from {before} KiB to a peak of {peak} KiB) \
             serving {CLIENTS} clients of {LEN} bytes each, more than {BOUND_KIB} KiB: does it \
             buffer whole messages, or copy through more than one small fixed buffer?"
        );
    }

    /// The echo server runs out of file descriptors (its limit is lowered in
    /// a child process): it reports the failed accept, does not spin on the CPU
    /// while the connection waits, and serves the waiting client as soon as a
    /// descriptor is free again.
    #[test]
    fn out_of_descriptors_on_accept_is_reported_without_spinning_and_recovers() {
        const ROOM: usize = 3;
        if child_role().as_deref() == Some("emfile") {
            child_echo_server(Some(ROOM));
        }
        let (cpu, reports) = within(
            LIMIT,
            "the echo server did not recover after running out of file descriptors",
            || {
                let name = "in_a_child_process::\
                            out_of_descriptors_on_accept_is_reported_without_spinning_and_recovers";
                let mut child = Child::start(name, "emfile");
                let addr = child.addr();
                let echo = |stream: &mut TcpStream, message: &[u8]| {
                    stream.write_all(message).unwrap();
                    let mut reply = vec![0; message.len()];
                    if let Err(e) = stream.read_exact(&mut reply) {
                        panic!(
                            "the server did not echo {message:?} ({e}): is its runtime thread stuck \
                             in an accept loop that retries without ever awaiting?"
                        );
                    }
                    assert_eq!(reply, message);
                };
                // Use up the room.
                let mut served: Vec<TcpStream> = (0..ROOM)
                    .map(|_| {
                        let mut stream = TcpStream::connect(addr).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        echo(&mut stream, b"x");
                        stream
                    })
                    .collect();
                // One more: the kernel completes the handshake, but the server
                // cannot accept it.
                let mut waiting = TcpStream::connect(addr).unwrap();
                waiting
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let report = child.wait_for("accept failed", Duration::from_secs(10));
                assert!(
                    report.contains("os error 24"),
                    "the report does not name the error (EMFILE): {report}"
                );
                // While it waits, the server must not spin.
                let start = child.cpu_time();
                thread::sleep(Duration::from_secs(1));
                let cpu = child.cpu_time() - start;
                let reports = child
                    .drain()
                    .iter()
                    .filter(|l| l.contains("accept failed"))
                    .count();
                // Free a descriptor: the server's task for that client ends.
                drop(served.remove(0));
                echo(&mut waiting, b"hello");
                (cpu, reports)
            },
        );
        // A server that waits between tries uses almost no CPU and tries about
        // ten times a second; a spinning one uses all the CPU it gets (less than
        // a whole core on a busy machine, hence the low bound) and tries
        // thousands of times.
        assert!(
            cpu < Duration::from_millis(100) && reports < 100,
            "the server used {cpu:?} of CPU and reported {reports} failed accepts in 1 s while \
             out of descriptors: it retries accept in a busy loop instead of backing off"
        );
    }
}
