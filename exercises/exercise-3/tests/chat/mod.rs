//! The tests of the chat server and its outbox, part 2 of exercise 3: a
//! module of `../echo_server.rs` (which solution-3 runs unchanged).
//!
//! The server and its clients run as tasks on one `code` runtime; every step
//! has a deadline, so a server that waits for the wrong thing fails with a
//! message naming the client that waited in vain.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::JoinHandle;
use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_3::{Full, OUTBOX_LINES, Outbox, WELCOME, chat};

use super::behaviour::{WAIT, assert_parked, between, mark, polls_of_tasks, record, within};

/// The whole test, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(10);

/// The whole of a test that floods the chat with 16 MiB: more room, since a
/// debug build on a loaded machine takes seconds for it. A chat that stops
/// passing lines on still fails within a second of stopping (each read has
/// its own deadline, `PATIENCE`).
const FLOOD_LIMIT: Duration = Duration::from_secs(25);

/// One step on loopback takes microseconds; a second is "never".
const PATIENCE: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------
// The outbox on its own, polled by hand with a waker that counts its wakes.

/// A waker that counts how often it was woken.
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

fn wakes(count: &CountingWaker) -> usize {
    count.0.load(Ordering::SeqCst)
}

fn line(text: &str) -> Rc<[u8]> {
    Rc::from(text.as_bytes())
}

/// One `poll_pop`, with `waker`.
fn poll_pop(outbox: &Outbox, waker: &Waker) -> Poll<Option<String>> {
    outbox
        .poll_pop(&mut Context::from_waker(waker))
        .map(|line| line.map(|l| String::from_utf8_lossy(&l).into_owned()))
}

#[test]
fn an_outbox_hands_out_lines_oldest_first() {
    within(LIMIT, "the outbox test did not finish", || {
        let outbox = Outbox::new();
        let (waker, _) = counting_waker();
        for text in ["one\n", "two\n", "three\n"] {
            assert_eq!(
                outbox.push(line(text)),
                Ok(()),
                "push refused a line to an outbox with room"
            );
        }
        for text in ["one\n", "two\n", "three\n"] {
            assert_eq!(
                poll_pop(&outbox, &waker),
                Poll::Ready(Some(text.to_string())),
                "poll_pop should hand out the waiting lines oldest first"
            );
        }
    });
}

#[test]
fn pop_waits_for_a_line_and_push_wakes_it() {
    within(LIMIT, "the outbox test did not finish", || {
        let outbox = Outbox::new();
        let (first, first_wakes) = counting_waker();
        assert_eq!(
            poll_pop(&outbox, &first),
            Poll::Pending,
            "poll_pop on an empty, open outbox should return Pending: there is no line yet"
        );
        assert_eq!(
            wakes(&first_wakes),
            0,
            "poll_pop woke its own waker before returning Pending: that is busy polling (the \
             task is polled again at once, finds nothing again, and so on). Store the waker \
             and let push wake it when a line arrives"
        );
        // Polled again by a task whose waker changed: the new one counts.
        let (second, second_wakes) = counting_waker();
        assert_eq!(poll_pop(&outbox, &second), Poll::Pending);
        outbox.push(line("hello\n")).unwrap();
        assert_eq!(
            wakes(&second_wakes),
            1,
            "{}",
            if wakes(&first_wakes) > 0 {
                "push woke the waker of an earlier poll_pop, not the latest one: each Pending \
                 must store the waker it was given this time (cx.waker()), replacing the old"
            } else {
                "push did not wake the writer waiting in pop: poll_pop must store cx.waker() \
                 before returning Pending, and push must take that waker and wake it"
            }
        );
        assert_eq!(
            poll_pop(&outbox, &second),
            Poll::Ready(Some("hello\n".to_string())),
            "after push woke it, poll_pop should return the line"
        );
    });
}

#[test]
fn a_full_outbox_refuses_the_line() {
    within(LIMIT, "the outbox test did not finish", || {
        let outbox = Outbox::new();
        for i in 0..OUTBOX_LINES {
            assert_eq!(
                outbox.push(line(&format!("line {i}\n"))),
                Ok(()),
                "push refused line {i}, but an outbox holds OUTBOX_LINES ({OUTBOX_LINES}) lines"
            );
        }
        assert_eq!(
            outbox.push(line("one too many\n")),
            Err(Full),
            "push took a line while OUTBOX_LINES ({OUTBOX_LINES}) lines were waiting: a full \
             outbox must refuse it (Err(Full)), so that a client that stopped reading cannot \
             make the server's memory grow without bound"
        );
        let (waker, _) = counting_waker();
        assert_eq!(
            poll_pop(&outbox, &waker),
            Poll::Ready(Some("line 0\n".to_string())),
            "the refused line must not be queued, nor replace the oldest"
        );
        assert_eq!(
            outbox.push(line("room again\n")),
            Ok(()),
            "once a line was taken out, push should have room again"
        );
    });
}

#[test]
fn close_stops_the_writer() {
    within(LIMIT, "the outbox test did not finish", || {
        // A writer waiting in pop is woken, and told to stop.
        let outbox = Outbox::new();
        let (waker, count) = counting_waker();
        assert_eq!(poll_pop(&outbox, &waker), Poll::Pending);
        outbox.close();
        assert_eq!(
            wakes(&count),
            1,
            "close did not wake the writer waiting in pop: it would wait forever, and its \
             client would never be let go. Wake the stored waker in close too"
        );
        assert_eq!(
            poll_pop(&outbox, &waker),
            Poll::Ready(None),
            "after close, poll_pop should return Ready(None): that tells the writer to stop"
        );

        // Lines still waiting are dropped; later ones are taken and dropped.
        let outbox = Outbox::new();
        outbox.push(line("never sent\n")).unwrap();
        outbox.close();
        assert_eq!(
            outbox.push(line("too late\n")),
            Ok(()),
            "a closed outbox should take a line and drop it (its client is gone), not \
             report it as full"
        );
        assert_eq!(
            poll_pop(&outbox, &waker),
            Poll::Ready(None),
            "close should drop the lines still waiting: the writer gets None at once"
        );
    });
}

#[test]
fn a_writer_waiting_in_pop_sleeps_until_a_line_is_pushed() {
    // A chat client's writer task waits in pop for most of its life: it
    // must park there (its waker stored in the outbox, for push to wake),
    // and the executor sleep, until a line comes.
    let ((got, writer), trace) = within(
        LIMIT,
        "a task waiting in pop was never woken by a push 200 ms later: poll_pop must store \
         cx.waker() before it returns Pending, and push must wake it",
        || {
            record(|| {
                code::block_on(async {
                    let outbox = Rc::new(Outbox::new());
                    let writer = {
                        let outbox = Rc::clone(&outbox);
                        code::spawn(async move { outbox.pop().await })
                    };
                    let id = writer.id();
                    code::time::sleep(WAIT).await;
                    outbox.push(line("at last\n")).unwrap();
                    let got = writer.await;
                    (got.map(|l| String::from_utf8_lossy(&l).into_owned()), id)
                })
            })
        },
    );
    assert_eq!(
        got.as_deref(),
        Some("at last\n"),
        "pop should return the line that was pushed"
    );
    assert_parked(
        &trace,
        trace.polls(writer),
        WAIT,
        "a task waiting in pop for a line pushed 200 ms later",
        "With no line waiting, poll_pop must store cx.waker() in the outbox and return \
         Pending; push wakes that waker. Do not wake the task in poll_pop.",
        "An async echo server",
    );
}

// ---------------------------------------------------------------------------
// The chat server, with clients on loopback.

/// Starts `chat` on a listener at 127.0.0.1 with a free port.
fn start_chat() -> (SocketAddr, JoinHandle<()>) {
    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, code::spawn(chat(listener)))
}

/// Fails the test if `chat` has returned, or panicked: it should accept
/// forever.
fn assert_still_chatting(server: &JoinHandle<()>) {
    // A panic ends chat's task too: say so, and why, rather than "returned".
    if let Some(message) = server.panic_message() {
        panic!("chat panicked: {message}");
    }
    assert!(
        !server.is_finished(),
        "chat returned while clients were still talking: it should loop on accept for as \
         long as it runs"
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

/// One client of the chat, reading line by line.
struct Client {
    name: &'static str,
    stream: AsyncTcpStream,
    /// Bytes read after the last whole line.
    unread: Vec<u8>,
}

impl Client {
    /// Connects and reads the welcome: from then on the client is in the room.
    async fn join(addr: SocketAddr, name: &'static str) -> Client {
        let stream = patiently(
            &format!("{name} could not connect to the chat server"),
            AsyncTcpStream::connect(addr),
        )
        .await;
        Client::welcomed(stream, name).await
    }

    async fn welcomed(stream: AsyncTcpStream, name: &'static str) -> Client {
        let mut client = Client {
            name,
            stream,
            unread: Vec::new(),
        };
        let welcome = client
            .next_line(
                "got no welcome: chat should send WELCOME to each client as soon as it has \
                 accepted it (push it into the new client's outbox first)",
            )
            .await;
        assert_eq!(
            welcome,
            String::from_utf8_lossy(WELCOME),
            "{name}'s first line should be WELCOME"
        );
        client
    }

    /// Sends `text` (whole lines, or a piece of one).
    async fn say(&self, text: &str) {
        patiently(
            &format!("{} could not send {text:?}", self.name),
            write_all(&mut &self.stream, text.as_bytes()),
        )
        .await;
    }

    /// The next line, `\n` included; fails the test with `problem` if none
    /// comes within `PATIENCE`.
    async fn next_line(&mut self, problem: &str) -> String {
        let mut buf = [0; 4096];
        loop {
            if let Some(end) = self.unread.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.unread.drain(..=end).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            let n = patiently(
                &format!("{} {problem}", self.name),
                self.stream.read(&mut buf),
            )
            .await;
            assert!(
                n > 0,
                "{} was disconnected: {problem} (the server closed the connection)",
                self.name
            );
            self.unread.extend_from_slice(&buf[..n]);
        }
    }

    /// Expects `text` as the next line.
    async fn hears(&mut self, text: &str, from: &str) {
        let got = self
            .next_line(&format!(
                "did not get the line {text:?} that {from} sent: each line must reach every \
                 other client"
            ))
            .await;
        if got != text {
            panic!(
                "{} got {got:?} where it expected {text:?} from {from}{}",
                self.name,
                if got.len() < text.len() && text.starts_with(got.trim_end_matches('\n')) {
                    ": a line was cut in two. Send only whole lines: keep the bytes after \
                     the last '\\n' until the rest of their line arrives"
                } else {
                    ""
                }
            );
        }
    }
}

#[test]
fn chat_sends_each_line_to_every_other_client() {
    within(
        LIMIT,
        "the chat test with three clients did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let mut ada = Client::join(addr, "ada").await;
                let mut bob = Client::join(addr, "bob").await;
                let mut cy = Client::join(addr, "cy").await;
                ada.say("hello from ada\n").await;
                bob.hears("hello from ada\n", "ada").await;
                cy.hears("hello from ada\n", "ada").await;
                bob.say("hi from bob\n").await;
                cy.hears("hi from bob\n", "bob").await;
                let next = ada
                    .next_line("did not get the line \"hi from bob\\n\" that bob sent")
                    .await;
                assert_ne!(
                    next, "hello from ada\n",
                    "ada got her own line back: a line goes to every client but its sender"
                );
                assert_eq!(next, "hi from bob\n", "ada got the wrong line");
                assert_still_chatting(&server);
            })
        },
    );
}

#[test]
fn chat_keeps_lines_whole_when_clients_interleave() {
    within(
        LIMIT,
        "the chat test with interleaved lines did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let mut ada = Client::join(addr, "ada").await;
                let bob = Client::join(addr, "bob").await;
                let mut cy = Client::join(addr, "cy").await;
                // Half of ada's line, then all of bob's, then the rest of ada's.
                ada.say("hel").await;
                code::time::sleep(Duration::from_millis(50)).await;
                bob.say("bye\n").await;
                cy.hears("bye\n", "bob").await;
                ada.say("lo\ntwo lines\nin one write\n").await;
                cy.hears("hello\n", "ada").await;
                cy.hears("two lines\n", "ada").await;
                cy.hears("in one write\n", "ada").await;
                ada.hears("bye\n", "bob").await;
                assert_still_chatting(&server);
            })
        },
    );
}

/// How much the flood tests send while one client reads nothing: far more
/// than the kernel buffers of one loopback connection hold on any of the
/// systems the course runs on (a few MiB at most), so that the server must
/// keep the rest itself, or let the client go.
const FLOOD_BYTES: usize = 16 << 20;

/// The length of one line of the flood, `\n` included.
const FLOOD_LINE: usize = 1024;

/// The flood: numbered lines, so a lost or repeated one shows.
fn flood_text() -> Vec<u8> {
    let mut text = Vec::with_capacity(FLOOD_BYTES);
    for i in 0..FLOOD_BYTES / FLOOD_LINE {
        let start = text.len();
        text.extend_from_slice(format!("line {i:06} ").as_bytes());
        text.resize(start + FLOOD_LINE - 1, b'.');
        text.push(b'\n');
    }
    text
}

/// A client that joins and then reads nothing more: its socket gets a small
/// receive buffer, so that what the server sends it piles up soon.
async fn join_and_stall(addr: SocketAddr) -> Client {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let stream = AsyncTcpStream::from_std(socket.into()).unwrap();
    Client::welcomed(stream, "stalled").await
}

/// `sender` sends the flood while `reader` reads all of it; `stalled` reads
/// nothing meanwhile. Returns the flood.
async fn flood(sender: Client, reader: &mut Client) -> Vec<u8> {
    let text = Rc::new(flood_text());
    let sending = {
        let text = Rc::clone(&text);
        code::spawn(async move {
            // If the server stops reading, the reader's check says so.
            let _ = write_all(&mut &sender.stream, &text).await;
            sender
        })
    };
    let mut received = Vec::with_capacity(FLOOD_BYTES);
    let mut buf = vec![0; 64 * 1024];
    while received.len() < text.len() {
        let n = patiently(
            &format!(
                "{} got nothing more after {} of {} bytes while a client ('stalled') read \
                 nothing: a client that does not read must not hold up the others. Give \
                 each client its own outbox and writer task, and never wait for one \
                 client's socket while passing a line on",
                reader.name,
                received.len(),
                text.len()
            ),
            reader.stream.read(&mut buf),
        )
        .await;
        assert!(
            n > 0,
            "{} reads everything, but was disconnected after {} of {} bytes, as if it had \
             fallen behind: its writer task did not get a turn while lines were passed on. \
             All tasks share one thread: after passing on a line, let the writers run \
             (code::executor::yield_now().await)",
            reader.name,
            received.len(),
            text.len()
        );
        received.extend_from_slice(&buf[..n]);
    }
    if received != *text {
        let at = first_difference(&received, &text);
        panic!(
            "{} got other bytes than were sent, from byte {at} on (line {}): every line \
             must reach every other client, whole and in order",
            reader.name,
            at / FLOOD_LINE
        );
    }
    drop(sending.await);
    Rc::try_unwrap(text).unwrap()
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[test]
fn a_stalled_client_does_not_hold_up_the_others() {
    within(
        FLOOD_LIMIT,
        "the chat test with a stalled client did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let _stalled = join_and_stall(addr).await;
                let sender = Client::join(addr, "sender").await;
                let mut reader = Client::join(addr, "reader").await;
                flood(sender, &mut reader).await;
                assert_still_chatting(&server);
            })
        },
    );
}

#[test]
fn a_client_that_falls_too_far_behind_is_disconnected() {
    within(
        FLOOD_LIMIT,
        "the chat test with a stalled client did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let stalled = join_and_stall(addr).await;
                let sender = Client::join(addr, "sender").await;
                let mut reader = Client::join(addr, "reader").await;
                let text = flood(sender, &mut reader).await;

                // Now the stalled client reads: part of the flood, then the end.
                let mut received = Vec::new();
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let read = code::time::timeout(PATIENCE, stalled.stream.read(&mut buf)).await;
                    match read {
                        Ok(Ok(0)) => break,
                        Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
                        // A reset is a disconnection too.
                        Ok(Err(_)) => {
                            received.clear();
                            break;
                        }
                        Err(_) if received.len() >= text.len() => panic!(
                            "the stalled client read nothing for {} MiB and was never \
                         disconnected: the server kept every line for it, so its memory \
                         grows for as long as the client does not read. When a client's \
                         outbox is full (OUTBOX_LINES lines wait), disconnect it",
                            FLOOD_BYTES >> 20
                        ),
                        Err(_) => panic!(
                            "the stalled client got {} of {} bytes and then nothing, but its \
                         connection stayed open: disconnecting a client must also shut \
                         down its stream for writing (shutdown(Shutdown::Write)); its \
                         writer task may be stuck in a write that only the socket can end",
                            received.len(),
                            text.len()
                        ),
                    }
                }
                assert!(
                    received.len() < text.len(),
                    "the stalled client got all {} MiB of the flood: the server kept every line \
                 for a client that read nothing, so its memory grows for as long as the client \
                 does not read. When a client's outbox is full (OUTBOX_LINES lines wait), \
                 disconnect it",
                    FLOOD_BYTES >> 20
                );
                assert!(
                    text.starts_with(&received),
                    "the stalled client got lines with a gap (wrong from byte {} on): a client \
                 that falls behind is disconnected, not sent some lines and not others",
                    first_difference(&received, &text)
                );

                // The room goes on without it, and it has nothing more to
                // say there: a line it sends now reaches nobody.
                let mut newcomer = Client::join(addr, "newcomer").await;
                let ghost = "a line from the client that was disconnected\n";
                // Its connection may be closed already: then the line goes
                // nowhere anyway.
                let _ = write_all(&mut &stalled.stream, ghost.as_bytes()).await;
                code::time::sleep(Duration::from_millis(100)).await;
                reader.say("still here\n").await;
                let next = newcomer
                    .next_line("did not get the line \"still here\" that reader sent")
                    .await;
                assert!(
                    next != ghost,
                    "the client that was disconnected for falling behind sent a line, and the \
                     room got it: a disconnected client has left the room, so its reader must \
                     pass on nothing more (stop its reader, or check that its sender is still \
                     in the room before passing a line on)"
                );
                assert_eq!(next, "still here\n", "newcomer got another line");
                assert_still_chatting(&server);
            })
        },
    );
}

#[test]
fn a_client_that_leaves_is_let_go() {
    within(
        LIMIT,
        "the chat test with a client that leaves did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let mut ada = Client::join(addr, "ada").await;
                let bob = Client::join(addr, "bob").await;
                // Bob leaves: he closes his side and waits for the server
                // to close its side too.
                bob.stream.shutdown(std::net::Shutdown::Write).unwrap();
                let mut buf = [0; 64];
                let n = patiently(
                    "bob closed his side and left, but the server kept his connection open \
                     (nothing happened): once a client has left, let go of everything that \
                     holds its stream (take it out of the room and end its writer task by \
                     closing its outbox), or every client that ever came keeps a socket and a \
                     task for as long as the server runs",
                    bob.stream.read(&mut buf),
                )
                .await;
                assert_eq!(
                    n, 0,
                    "bob left, and then got bytes nobody had sent to the room"
                );
                // The others go on.
                let carol = Client::join(addr, "carol").await;
                carol.say("hi\n").await;
                ada.hears("hi\n", "carol").await;
                assert_still_chatting(&server);
            })
        },
    );
}

/// `chat` must outlive a failed `accept` as `serve` does: the same test as
/// `serve_waits_and_tries_again_when_accept_fails` (in `../echo_server.rs`,
/// which says why it is Unix only and runs in a process of its own), with
/// the chat's welcome as the sign that a client was served.
#[cfg(unix)]
#[test]
fn chat_waits_and_tries_again_when_accept_fails() {
    use super::ServerKind;
    if std::env::var_os(super::ACCEPT_CHILD).is_some() {
        super::accept_error_server(ServerKind::Chat);
    } else {
        super::accept_error_clients(ServerKind::Chat);
    }
}

#[test]
fn an_idle_chat_costs_nothing() {
    // While nobody says anything, every task of the chat waits: each
    // client's reader in a read, each writer in pop, the accept loop in
    // accept. None is polled, and the executor sleeps.
    let (_, trace) = within(
        LIMIT,
        "the chat test with a pause of 200 ms did not finish",
        || {
            record(|| {
                code::block_on(async {
                    let (addr, server) = start_chat();
                    let mut ada = Client::join(addr, "ada").await;
                    let mut bob = Client::join(addr, "bob").await;
                    ada.say("hello\n").await;
                    bob.hears("hello\n", "ada").await;
                    mark("idle begins");
                    code::time::sleep(WAIT).await;
                    mark("idle ends");
                    bob.say("still there?\n").await;
                    ada.hears("still there?\n", "bob").await;
                    assert_still_chatting(&server);
                })
            })
        },
    );
    let idle = between(&trace, "idle begins", "idle ends");
    assert_parked(
        &idle,
        polls_of_tasks(&idle),
        WAIT,
        "the chat server's tasks while its two clients said nothing for 200 ms",
        "Each task must wait where it parks until woken: a client's reader in \
         stream.read(..).await, its writer in outbox.pop().await (poll_pop stores the waker, \
         push wakes it), the accept loop in listener.accept().await. Never check again and \
         again, nor on a timer, nor in a loop with yield_now.",
        "An async echo server",
    );
}

#[test]
fn a_client_that_leaves_does_not_stop_the_chat() {
    within(
        LIMIT,
        "the chat test with leaving clients did not finish",
        || {
            code::block_on(async {
                let (addr, server) = start_chat();
                let ada = Client::join(addr, "ada").await;
                let mut bob = Client::join(addr, "bob").await;
                // One leaves politely, with half a line unsent; one leaves with a
                // reset (SO_LINGER 0), as a crashed client's system would do.
                let polite = Client::join(addr, "polite").await;
                polite.say("half a li").await;
                drop(polite);
                let rude = std::net::TcpStream::connect(addr).unwrap();
                socket2::SockRef::from(&rude)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
                let rude = Client::welcomed(AsyncTcpStream::from_std(rude).unwrap(), "rude").await;
                drop(rude);
                code::time::sleep(Duration::from_millis(50)).await;
                // More lines than an outbox holds: the server writes to the
                // sockets of the clients that left, and must not trip over them.
                for i in 0..OUTBOX_LINES + 8 {
                    let text = format!("line {i} from ada\n");
                    ada.say(&text).await;
                    bob.hears(&text, "ada").await;
                }
                assert_still_chatting(&server);
            })
        },
    );
}
