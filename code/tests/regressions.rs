//! One test for each pitfall of a first, simple runtime (the chapter "When
//! the simple version breaks" names them; the lost wakeup is tested in
//! `stress_runtime.rs`). Each fails, within seconds and with a message, if
//! the corresponding fix in `code` is undone.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use code::io::{AsyncWrite, read_exact, write_all};
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

/// A connected pair: our async end, and a blocking std end for the peer.
fn pair() -> (AsyncTcpStream, std::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (AsyncTcpStream::from_std(client).unwrap(), server)
}

/// The read-only registration: a writer that fills the socket buffer gets
/// `WouldBlock` and must be woken when the peer drains it. Registered for
/// READABLE only, it never is.
#[test]
fn writer_is_woken_when_the_peer_drains() {
    const TOTAL: usize = 8 << 20; // more than the socket buffers hold
    let written = within(
        LIMIT,
        "a writer that got WouldBlock was never woken: is the stream registered for WRITABLE interest?",
        || {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let token = stream.token();
                // The peer starts reading only once the writer has parked.
                let (parked, writer_parked) = mpsc::channel::<()>();
                let reader = thread::spawn(move || {
                    writer_parked.recv().unwrap();
                    let mut sink = Vec::new();
                    peer.read_to_end(&mut sink).unwrap();
                    sink.len()
                });
                let writer = code::spawn(async move {
                    write_all(&mut &stream, &vec![7; TOTAL]).await.unwrap();
                    stream.shutdown(Shutdown::Write).unwrap();
                });
                while !code::reactor().has_waker(token, Direction::Write) {
                    code::executor::yield_now().await;
                }
                parked.send(()).unwrap();
                writer.await;
                reader.join().unwrap()
            })
        },
    );
    assert_eq!(written, TOTAL, "the peer did not receive every byte");
}

/// The shared waker slot: a reader task and a writer task on one stream
/// each keep their own waker. With one shared slot the writer's waker replaces the reader's, and
/// the reader is either never woken or woken over and over for nothing.
#[test]
fn reader_and_writer_tasks_keep_separate_wakers() {
    let reader_polls = within(
        LIMIT,
        "the reader task was never woken while a writer task used the same stream: \
         do reads and writes share one waker slot?",
        || {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let stream = Rc::new(stream);
                let polls = Rc::new(Cell::new(0));
                // The reader waits for a reply that comes only after the
                // writer's 8 MiB have all arrived.
                let reader = code::spawn({
                    let (stream, polls) = (Rc::clone(&stream), Rc::clone(&polls));
                    async move {
                        let mut reply = [0; 4];
                        let read = std::future::poll_fn(|cx| {
                            polls.set(polls.get() + 1);
                            stream.poll_read(cx, &mut reply)
                        });
                        let n = read.await.unwrap();
                        (n, reply)
                    }
                });
                let writer = code::spawn({
                    let stream = Rc::clone(&stream);
                    async move { write_all(&mut &*stream, &vec![1; 8 << 20]).await.unwrap() }
                });
                let peer_thread = thread::spawn(move || {
                    let mut buf = vec![0; 8 << 20];
                    peer.read_exact(&mut buf).unwrap();
                    peer.write_all(b"done").unwrap();
                });
                writer.await;
                let (n, reply) = reader.await;
                peer_thread.join().unwrap();
                assert_eq!(&reply[..n], b"done");
                polls.get()
            })
        },
    );
    // The reader is polled once (WouldBlock), then once more when the reply
    // arrives (maybe a few times if the reply comes in pieces).
    assert!(
        reader_polls <= 5,
        "the reader task was polled {reader_polls} times while only the writer had work: \
         the writer keeps waking it (do reads and writes share one waker slot?)"
    );
}

// The lost wakeup: a wake from another thread that lands while the executor
// decides to sleep must not be lost: `stress_runtime.rs`,
// `a_wake_from_another_thread_at_any_moment_is_never_lost`, sweeps the wake
// across that moment (the single-threaded half is argued at
// `Reactor::set_waker`: events are only taken in `wait`).

/// The stranded bytes: only wait after `WouldBlock`. A reader that takes one byte per read
/// from a socket holding many must get them all, although mio reports the
/// data's arrival (an edge) only once.
#[test]
fn reading_less_than_is_available_never_strands_the_rest() {
    let got = within(
        LIMIT,
        "a reader that took fewer bytes than were available waited for an event that \
         never came: poll_read must try the read before waiting",
        || {
            code::block_on(async {
                let (stream, mut peer) = pair();
                peer.write_all(&[42; 100]).unwrap(); // the connection stays open
                let mut got = Vec::new();
                let mut byte = [0; 1];
                while got.len() < 100 {
                    let n = stream.read(&mut byte).await.unwrap();
                    got.extend_from_slice(&byte[..n]);
                }
                drop(peer);
                got
            })
        },
    );
    assert_eq!(got, vec![42; 100]);
}

/// The interrupted wait: a signal that interrupts the reactor's wait
/// (`EINTR`) is retried, not reported as an error.
///
/// Unix only: Windows has no signals that interrupt a wait (IOCP waits are
/// not interrupted that way), and `sigaction` is a Unix call.
#[cfg(unix)]
#[test]
fn signals_do_not_break_the_reactors_wait() {
    extern "C" fn ignore(_: libc::c_int) {}
    // A handler of our own (the default action would end the process). Whatever
    // SA_RESTART says, epoll_wait is never restarted after a handler ran
    // (signal(7)): it returns EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    within(
        LIMIT,
        "the runtime did not survive signals during its wait",
        || {
            let (tid_tx, tid_rx) = mpsc::channel();
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let signaller = thread::spawn(move || {
                let target: libc::pthread_t = tid_rx.recv().unwrap();
                // Signal until the runtime thread says it is done, or is
                // gone (`block_on` panicked: `done_tx` was dropped).
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    done_rx.recv_timeout(Duration::from_millis(5))
                {
                    unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
                }
            });
            tid_tx.send(unsafe { libc::pthread_self() }).unwrap();
            code::block_on(code::time::sleep(Duration::from_millis(300)));
            done_tx.send(()).unwrap();
            signaller.join().unwrap();
        },
    );
}

/// A writer that accepts nothing (`Ok(0)`).
struct StuckWriter {
    calls: usize,
}

impl AsyncWrite for StuckWriter {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.calls += 1;
        Poll::Ready(Ok(0))
    }
}

/// The `Ok(0)` loop: `write_all` on a writer that returns `Ok(0)` fails with `WriteZero`
/// instead of looping forever.
#[test]
fn write_all_fails_with_write_zero_instead_of_looping() {
    let (kind, calls) = within(
        LIMIT,
        "write_all kept looping on a writer that returns Ok(0): it must fail with WriteZero",
        || {
            code::block_on(async {
                let mut writer = StuckWriter { calls: 0 };
                let err = write_all(&mut writer, b"hello").await.unwrap_err();
                (err.kind(), writer.calls)
            })
        },
    );
    assert_eq!(kind, io::ErrorKind::WriteZero);
    assert_eq!(calls, 1, "write_all should give up at the first Ok(0)");
}

/// The stale event: a dropped stream deregisters, and its token is never
/// handed out again (see `Reactor::register` for what that guards against).
#[test]
fn dropped_streams_deregister_and_tokens_are_not_reused() {
    within(LIMIT, "token bookkeeping", || {
        code::block_on(async {
            let reactor = code::reactor();
            let before = reactor.registered();
            let (first, _peer1) = pair();
            let old = first.token();
            assert_eq!(reactor.registered(), before + 1);
            drop(first);
            assert_eq!(
                reactor.registered(),
                before,
                "a dropped stream is still registered with the reactor"
            );
            let (second, _peer2) = pair();
            assert_ne!(second.token(), old, "a token was reused");
        })
    });
}

/// The stale event itself: data arrives for a stream that is dropped
/// before the reactor looks; the next stream must not be woken by it.
#[test]
fn an_event_for_a_dropped_stream_wakes_nobody() {
    let polls = within(LIMIT, "a stream waited forever", || {
        code::block_on(async {
            let (doomed, mut doomed_peer) = pair();
            let (stream, mut peer) = pair();
            // An event for `doomed` is now queued in the kernel...
            doomed_peer.write_all(b"stale").unwrap();
            drop(doomed);
            // ...and the reader of `stream` must sleep through it.
            let polls = Rc::new(Cell::new(0));
            let reader = code::spawn({
                let polls = Rc::clone(&polls);
                async move {
                    let mut buf = [0; 5];
                    let mut reader = &stream;
                    let counting = std::future::poll_fn(|cx| {
                        polls.set(polls.get() + 1);
                        code::io::AsyncRead::poll_read(&mut reader, cx, &mut buf)
                    });
                    let n = counting.await.unwrap();
                    assert_eq!(&buf[..n], b"fresh");
                }
            });
            code::time::sleep(Duration::from_millis(50)).await;
            peer.write_all(b"fresh").unwrap();
            reader.await;
            polls.get()
        })
    });
    assert_eq!(
        polls, 2,
        "the reader was woken by an event meant for another stream"
    );
}

/// `read_exact` stops at an early end of stream with `UnexpectedEof`.
#[test]
fn read_exact_reports_an_early_end_of_stream() {
    let kind = within(LIMIT, "read_exact did not finish at EOF", || {
        code::block_on(async {
            let (mut stream, mut peer) = pair();
            peer.write_all(b"short").unwrap();
            peer.shutdown(Shutdown::Write).unwrap();
            let mut buf = [0; 10];
            read_exact(&mut stream, &mut buf).await.unwrap_err().kind()
        })
    });
    assert_eq!(kind, io::ErrorKind::UnexpectedEof);
}
