//! The tests of exercise 3 (solution-3 runs this same file).
//!
//! The server and its clients run as tasks on one `code` runtime; every
//! exchange has its own deadline, so a server that serves one client at a
//! time fails with a message naming the client that waited in vain.
//!
//! Part 2 of the exercise, the chat server, is tested in `chat/mod.rs`, a
//! module of this file: one test binary, so that `cargo test -p exercise-3`
//! runs and reports both parts together.

/// The tests of part 2: the chat server and its outbox.
#[path = "chat/mod.rs"]
mod chat;

/// Checks of how a task waits, shared by the exercises' tests.
#[path = "../../behaviour.rs"]
mod behaviour;

/// Bytes shown as text in the messages.
#[path = "../../bytes.rs"]
mod bytes;
use bytes::assert_bytes;

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use code::JoinHandle;
use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_3::{echo, serve};

use behaviour::{WAIT, assert_parked, between, mark, polls_of_tasks, record, within};

/// The whole test, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(10);

/// One round trip on loopback takes microseconds; a second is "never".
const PATIENCE: Duration = Duration::from_secs(1);

/// Starts `serve` on a listener at 127.0.0.1 with a free port.
fn start_server() -> (SocketAddr, JoinHandle<()>) {
    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, code::spawn(serve(listener)))
}

/// Fails the test if `serve` has returned, or panicked: it should accept
/// forever.
fn assert_still_serving(server: &JoinHandle<()>) {
    // A panic ends serve's task too: say so, and why, rather than "returned".
    if let Some(message) = server.panic_message() {
        panic!("serve panicked: {message}");
    }
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
    assert_bytes(
        &reply,
        message,
        &format!("{who} got back other bytes than it sent"),
    );
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
/// most about this much unsent data, so writes are cut short sooner. How
/// much sooner is up to the system (Linux doubles the number, Windows may
/// take a whole write anyway), so the test only relies on a correct echo
/// passing whatever the writes do.
fn set_send_buffer(stream: &std::net::TcpStream, bytes: usize) {
    socket2::SockRef::from(stream)
        .set_send_buffer_size(bytes)
        .unwrap_or_else(|e| panic!("could not set SO_SNDBUF: {e}"));
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

#[test]
fn an_idle_client_costs_the_server_nothing() {
    // A server's tasks wait for their clients: while a client says nothing,
    // its connection's task must be parked in the reactor (polled 0 times),
    // the accept loop too, and the executor asleep. A server that polls a
    // socket again and again (or on a timer) burns a core per quiet client.
    let (_, trace) = within(
        LIMIT,
        "the test with a client that paused for 200 ms did not finish",
        || {
            record(|| {
                code::block_on(async {
                    let (addr, server) = start_server();
                    let mut client = connect(addr).await;
                    round_trip(&mut client, b"hello", "the client").await;
                    mark("idle begins");
                    code::time::sleep(WAIT).await;
                    mark("idle ends");
                    round_trip(
                        &mut client,
                        b"still there?",
                        "the client, after 200 ms of silence",
                    )
                    .await;
                    assert_still_serving(&server);
                })
            })
        },
    );
    let idle = between(&trace, "idle begins", "idle ends");
    assert_parked(
        &idle,
        polls_of_tasks(&idle),
        WAIT,
        "the echo server's tasks while their one client said nothing for 200 ms",
        "A connection's task must wait for its client with stream.read(&mut buf).await (and \
         the accept loop with listener.accept().await), which park the task until the \
         reactor wakes it: never check a socket again and again, nor on a timer, nor in a \
         loop with yield_now.",
        "An async echo server",
    );
}

/// The largest `echo` future the test below accepts. Everything `echo`
/// keeps across an `.await` is stored in its future (and in the task that
/// runs it): the stream, a few counters, the futures it awaits: about 200
/// bytes with the buffer on the heap (measured), more than 8 KiB with an
/// 8 KiB array. The bound leaves room for other ways of writing it, and none
/// for a buffer of 4 KiB or more.
const MOST_FUTURE_BYTES: usize = 4096;

#[test]
fn echo_keeps_its_buffer_out_of_its_future() {
    let size = within(LIMIT, "echo did not finish", || {
        code::block_on(async {
            let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let mut client = connect(listener.local_addr().unwrap()).await;
            let (stream, _) = listener.accept().await.unwrap();
            let future = echo(stream);
            let size = std::mem::size_of_val(&future);
            let echo = code::spawn(future);
            round_trip(&mut client, b"hello", "the client").await;
            client.shutdown(Shutdown::Write).unwrap();
            patiently(
                "echo did not return after the client closed its side: a read of 0 bytes \
                 means end of stream",
                echo,
            )
            .await;
            size
        })
    });
    assert!(
        size <= MOST_FUTURE_BYTES,
        "echo's future takes {size} bytes: every local variable that lives across an \
         .await is stored in the future, and so in every connection's task, for as long as \
         the connection lasts. An 8 KiB array (let mut buf = [0; 8192]) makes each idle \
         connection cost 8 KiB more: 80 MB for 10,000 of them. Put the buffer on the heap \
         (vec![0; 8192]): the future then holds a pointer to it (chapter \"An async echo \
         server\")"
    );
}

/// The program that runs a learner's server by hand (`cargo run -p
/// exercise-3 -- echo`): this file is exercise-3's tests and solution-3's,
/// and cargo names the program after the crate.
fn program() -> &'static str {
    option_env!("CARGO_BIN_EXE_exercise-3")
        .or(option_env!("CARGO_BIN_EXE_solution-3"))
        .expect("the crate's program (src/main.rs) was not built")
}

#[test]
fn the_program_runs_the_echo_server_on_the_port_it_names() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    /// Kills the program however the test ends.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    // Port 0: any free port; the program says which.
    let mut running = Running(
        Command::new(program())
            .args(["echo", "0"])
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("could not start the program"),
    );
    let mut said = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut said)
        .expect("could not read what the program printed");
    let addr: Option<SocketAddr> = said
        .split_once("listening on ")
        .and_then(|(_, rest)| rest.split(';').next())
        .and_then(|addr| addr.trim().parse().ok());
    let echoed = addr
        .ok_or_else(|| "it did not say where it listens".to_string())
        .and_then(|addr| {
            let mut client = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
            client
                .set_read_timeout(Some(Duration::from_secs(3)))
                .unwrap();
            client.write_all(b"hello").map_err(|e| e.to_string())?;
            let mut reply = [0; 5];
            client.read_exact(&mut reply).map_err(|e| e.to_string())?;
            Ok(reply)
        });
    if let Err(problem) = echoed {
        // What the program said on stderr (a panic, for one) explains it.
        let _ = running.0.kill();
        let mut errors = String::new();
        let _ = running.0.stderr.take().unwrap().read_to_string(&mut errors);
        panic!(
            "`cargo run -p exercise-3 -- echo 0` did not echo ({problem}). It printed:\n  | {}\n  \
             | {}",
            said.trim_end(),
            errors.trim_end().replace('\n', "\n  | ")
        );
    }
    assert_bytes(&echoed.unwrap(), b"hello", "the program echoed other bytes");
}

/// Set in the environment of the server process that
/// `serve_waits_and_tries_again_when_accept_fails` starts.
#[cfg(unix)]
pub(crate) const ACCEPT_CHILD: &str = "EXERCISE_3_ACCEPT_ERROR_SERVER";

/// `serve` must outlive a failed `accept`: report it, pause, try again.
///
/// Unix only, and in a process of its own: the test makes `accept` fail by
/// lowering the limit on open files (`RLIMIT_NOFILE`, which Windows does not
/// have), and that limit holds for a whole process, where it would make the
/// other tests fail to open sockets. So the test binary starts itself again
/// with only this test selected and `ACCEPT_CHILD` set; that process runs
/// `serve` with room for one more file descriptor, and this one plays the
/// clients: the first is served, the second waits in the listen backlog
/// while every `accept` fails with "too many open files", and is served as
/// soon as the first leaves and frees its descriptor.
#[cfg(unix)]
#[test]
fn serve_waits_and_tries_again_when_accept_fails() {
    if std::env::var_os(ACCEPT_CHILD).is_some() {
        accept_error_server(ServerKind::Echo);
    } else {
        accept_error_clients(ServerKind::Echo);
    }
}

/// The server that an accept-error test runs: `serve`, or the chat (whose
/// test, in `chat/mod.rs`, is this one for `chat`).
#[cfg(unix)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ServerKind {
    Echo,
    Chat,
}

#[cfg(unix)]
impl ServerKind {
    /// The function under test, for the messages.
    fn name(self) -> &'static str {
        match self {
            ServerKind::Echo => "serve",
            ServerKind::Chat => "chat",
        }
    }

    /// The test that runs this server in a process of its own.
    fn test(self) -> &'static str {
        match self {
            ServerKind::Echo => "serve_waits_and_tries_again_when_accept_fails",
            ServerKind::Chat => "chat_waits_and_tries_again_when_accept_fails",
        }
    }
}

/// The server process: `serve` or `chat` with room for one more
/// connection.
#[cfg(unix)]
pub(crate) fn accept_error_server(server: ServerKind) {
    code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        allow_one_more_file();
        match server {
            ServerKind::Echo => serve(listener).await,
            ServerKind::Chat => exercise_3::chat(listener).await,
        }
        println!("{} returned", server.name());
    });
}

/// Lowers this process's limit on open files so that exactly one more can
/// be opened. New descriptors get the lowest free number, so the limit is
/// one above the number the next one would get.
#[cfg(unix)]
fn allow_one_more_file() {
    use std::os::fd::AsRawFd;
    let next = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .as_raw_fd();
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read or fill the one struct given.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = next as libc::rlim_t + 1;
        assert_eq!(
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit),
            0,
            "setrlimit failed: {}",
            io::Error::last_os_error()
        );
    }
}

/// The clients, in this process; the server is a child process.
#[cfg(unix)]
pub(crate) fn accept_error_clients(kind: ServerKind) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;

    /// Kills the server process however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut server = Server(
        Command::new(std::env::current_exe().unwrap())
            .args([kind.test(), "--nocapture", "--test-threads=1"])
            .env(ACCEPT_CHILD, "1")
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("could not start the server process"),
    );
    // Both outputs are read on threads of their own, line by line, so a
    // server that prints a lot cannot fill a pipe and stall.
    let (stdout_tx, stdout) = mpsc::channel::<String>();
    let out = server.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = stdout_tx.send(line);
        }
    });
    let err = server.0.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        BufReader::new(err)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let result = accept_error_scenario(&stdout, kind);
    // Stop the server and collect what it said, for the verdict.
    drop(server);
    let said: Vec<String> = stdout.try_iter().collect();
    let errors = stderr.join().unwrap();
    // Each line set off with "| ": the child is a test program too, and a
    // line of its own report ("---- name stdout ----") must not be taken for
    // a line of this test's report (the exercises' check reads the report).
    let printed = format!(
        "the server process printed:\n{}",
        said.iter()
            .chain(&errors)
            .map(|line| format!("  | {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    if let Err(problem) = result {
        let name = kind.name();
        let problem = if said.iter().any(|l| l.contains(&format!("{name} returned"))) {
            format!(
                "{name} returned after a failed accept: it must never give up on the listener. \
                 Report the error (eprintln!), pause (code::time::sleep(100 ms)) and accept \
                 again"
            )
        } else {
            problem
        };
        panic!("{problem}\n\n{printed}");
    }
    // The server lines that are not libtest's own are serve's reports.
    let reports = errors
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note:"))
        .count();
    assert!(
        reports > 0,
        "accept failed (too many open files) and {} went on, but said nothing: report a \
         failed accept on stderr (eprintln!), so that whoever runs the server can see why \
         clients wait\n\n{printed}",
        kind.name()
    );
    // Half a second of failures with a pause of 100 ms between tries: about
    // 5 reports. A loaded machine makes fewer, never more; a busy loop
    // makes thousands.
    assert!(
        reports <= 30,
        "{} tried accept {reports} times in about half a second: after a failed accept, \
         pause (code::time::sleep(Duration::from_millis(100))) before trying again; trying \
         again at once fails again at once, a busy loop that burns a core\n\n{}",
        kind.name(),
        errors
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    /// Serves one client, makes the second one's accept fail for half a
    /// second, then frees a descriptor and expects the second served.
    fn accept_error_scenario(
        stdout: &mpsc::Receiver<String>,
        kind: ServerKind,
    ) -> Result<(), String> {
        let addr: SocketAddr = loop {
            let line = stdout
                .recv_timeout(Duration::from_secs(10))
                .map_err(|_| "the server process did not start listening".to_string())?;
            // libtest may have printed the test's name on the same line.
            if let Some((_, addr)) = line.split_once("listening on ") {
                break addr.trim().parse().unwrap();
            }
        };
        // What a client waits for to know it was served: the echo of what
        // it sent, or the chat's welcome.
        let (message, answer): (&[u8], &[u8]) = match kind {
            ServerKind::Echo => (b"hello", b"hello"),
            ServerKind::Chat => (b"", exercise_3::WELCOME),
        };
        let served = |client: &mut std::net::TcpStream| -> io::Result<()> {
            client.set_read_timeout(Some(Duration::from_secs(3)))?;
            let mut reply = vec![0; answer.len()];
            client.read_exact(&mut reply)?;
            if reply != answer {
                return Err(io::Error::other(format!(
                    "it got {:?} where it expected {:?}",
                    String::from_utf8_lossy(&reply),
                    String::from_utf8_lossy(answer)
                )));
            }
            Ok(())
        };
        let mut first = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
        first.write_all(message).map_err(|e| e.to_string())?;
        served(&mut first).map_err(|e| format!("the first client was not served: {e}"))?;
        // The kernel completes the handshake and queues the connection; the
        // server's accept fails: no descriptor left for it.
        let mut second = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
        second.write_all(message).map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(500));
        // The first client leaves; its tasks end and free its descriptor.
        drop(first);
        served(&mut second).map_err(|e| {
            format!(
                "the client that waited while accept failed (too many open files) was not \
                 served after a descriptor was free again ({e}): {} must not give up on a \
                 failed accept: report it, pause 100 ms (code::time::sleep) and try again",
                kind.name()
            )
        })?;
        Ok(())
    }
}
