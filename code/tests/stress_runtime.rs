//! Stress and fault tests of the runtime itself: a stream used by two tasks
//! at once, a slow reader, signals, stale events, wakes from other threads.
//! Every byte is checked against a pseudo-random pattern, so a lost,
//! duplicated or reordered chunk fails the test.

mod stress_common;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::Shutdown;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use code::net::AsyncTcpStream;
use code::testing::within;
use stress_common::{
    Rng, Watched, check, fill, pair, read_pattern, std_pair, until, write_pattern,
};

const LIMIT: Duration = Duration::from_secs(30);
const MIB: u64 = 1 << 20;

/// The pattern the other tests check data against: the same bytes however
/// the stream is cut into chunks, and different for different streams.
#[test]
fn the_pattern_is_the_same_however_the_stream_is_cut() {
    let mut whole = vec![0; 1000];
    fill(9, 0, &mut whole);
    let mut rng = Rng::new(9);
    let mut at = 0;
    while at < whole.len() {
        let len = (rng.below(20) as usize).min(whole.len() - at);
        let mut piece = vec![0; len];
        fill(9, at as u64, &mut piece);
        assert_eq!(
            piece,
            whole[at..at + len],
            "bytes {at}..{} differ",
            at + len
        );
        assert_eq!(check(9, at as u64, &piece), Ok(()));
        at += len;
    }
    assert!(
        check(9, 1, &whole[..100]).is_err(),
        "a shifted stream must not match"
    );
    let mut other = vec![0; 1000];
    fill(10, 0, &mut other);
    assert_ne!(whole, other, "two streams must differ");
}

/// One task reads and another writes the same stream, 16 MiB each way. Both
/// are parked before the peer starts (the reader has nothing to read, the
/// writer has filled the socket buffers), so both must be woken by the
/// reactor, each from its own slot.
#[test]
fn duplex_16_mib_each_way_with_both_tasks_parked_first() {
    const LEN: u64 = 16 * MIB;
    let (sent, received) = within(
        LIMIT,
        "a reader task and a writer task on one stream did not both finish: is one of them \
         never woken (one waker slot shared by both directions, or no WRITABLE interest)?",
        || {
            let (stream, peer) = pair();
            let (go_read, read_go) = mpsc::channel::<()>();
            let (go_write, write_go) = mpsc::channel::<()>();
            let peer_reader = {
                let mut peer = peer.try_clone().unwrap();
                thread::spawn(move || {
                    read_go.recv().unwrap();
                    let mut buf = vec![0; 64 << 10];
                    let mut got = 0;
                    loop {
                        let n = peer.read(&mut buf).unwrap();
                        if n == 0 {
                            return got;
                        }
                        check(1, got, &buf[..n]).unwrap();
                        got += n as u64;
                    }
                })
            };
            let peer_writer = thread::spawn(move || {
                let mut peer = peer;
                write_go.recv().unwrap();
                let mut chunk = vec![0; 64 << 10];
                let mut sent = 0;
                while sent < LEN {
                    fill(2, sent, &mut chunk);
                    peer.write_all(&chunk).unwrap();
                    sent += chunk.len() as u64;
                }
                peer.shutdown(Shutdown::Write).unwrap();
            });
            let (sent, received) = code::block_on(async {
                let watched = Watched::new(stream);
                let reader = code::spawn({
                    let mut watched = watched.clone();
                    async move { read_pattern(&mut watched, 2, 0).await.unwrap() }
                });
                let writer = code::spawn({
                    let mut watched = watched.clone();
                    async move {
                        write_pattern(&mut watched, 1, 0, LEN).await.unwrap();
                        watched.stream.shutdown(Shutdown::Write).unwrap();
                        LEN
                    }
                });
                let parks = Rc::clone(&watched.parks);
                until(|| parks.reading.get() && parks.writing.get()).await;
                go_read.send(()).unwrap();
                go_write.send(()).unwrap();
                (writer.await, reader.await)
            });
            peer_writer.join().unwrap();
            assert_eq!(
                peer_reader.join().unwrap(),
                LEN,
                "the peer lost bytes we wrote"
            );
            (sent, received)
        },
    );
    assert_eq!(sent, LEN);
    assert_eq!(received, LEN, "we lost bytes the peer wrote");
}

/// The writer fills the socket buffer and parks; the reader (another task,
/// on the other end) drains slowly, and each drain must wake the writer.
#[test]
fn a_slow_reader_parks_the_writer_and_its_reads_wake_it() {
    const LEN: u64 = 8 * MIB;
    let (received, writer_parks) = within(
        LIMIT,
        "a writer parked on a full socket buffer was not woken when the reader drained it",
        || {
            code::block_on(async {
                let (ours, theirs) = std_pair();
                let writer_end = Watched::new(AsyncTcpStream::from_std(ours).unwrap());
                let reader_end = AsyncTcpStream::from_std(theirs).unwrap();
                let writer = code::spawn({
                    let mut end = writer_end.clone();
                    async move {
                        write_pattern(&mut end, 3, 0, LEN).await.unwrap();
                        end.stream.shutdown(Shutdown::Write).unwrap();
                    }
                });
                // Start reading only once the writer is parked.
                until(|| writer_end.parks.writing.get()).await;
                let mut buf = vec![0; 64 << 10];
                let mut got = 0;
                loop {
                    let n = reader_end.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    check(3, got, &buf[..n]).unwrap();
                    got += n as u64;
                    // Slow: a pause after every read.
                    code::time::sleep(Duration::from_millis(1)).await;
                }
                writer.await;
                (got, writer_end.parks.writes.get())
            })
        },
    );
    assert_eq!(
        received, LEN,
        "bytes were lost between the writer and the slow reader"
    );
    assert!(
        writer_parks >= 2,
        "the writer parked only {writer_parks} times: the socket buffer never filled, so \
         this test did not exercise a parked writer"
    );
}

/// Signals that interrupt the reactor's wait (`EINTR`). Linux only: the
/// test signals one thread (`tgkill` with a kernel thread id from `gettid`)
/// and watches it sleep in `/proc`, which macOS and Windows do not have
/// (and Windows has no signals that interrupt a wait). The single-signal
/// case runs on every Unix in `regressions.rs`.
#[cfg(target_os = "linux")]
mod signals {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// How many signals reached the handler below (which does nothing else).
    static SIGNALS: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn count_signal(_: libc::c_int) {
        SIGNALS.fetch_add(1, Ordering::Relaxed);
    }

    /// The kernel's id of the calling thread.
    fn thread_id() -> libc::pid_t {
        unsafe { libc::gettid() }
    }

    /// Sends SIGUSR1 to thread `tid` of this process. `tgkill` (what
    /// `pthread_kill` calls) rather than `pthread_kill`: if the thread has
    /// ended, it fails with `ESRCH` instead of touching a freed thread handle.
    fn signal(tid: libc::pid_t) {
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
    }

    /// Whether thread `tid` is asleep (state `S` in `/proc`). The runtime
    /// thread can only be asleep in the reactor's wait.
    fn asleep(tid: libc::pid_t) -> bool {
        std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).is_ok_and(|stat| {
            stat.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('S'))
        })
    }

    /// Signals the thread that started it every 300 µs, until it is dropped.
    struct Signaller {
        stop: Option<mpsc::Sender<()>>,
        thread: Option<thread::JoinHandle<()>>,
    }

    impl Signaller {
        fn start() -> Signaller {
            let target = thread_id();
            let (stop, stopped) = mpsc::channel::<()>();
            let thread = thread::spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Duration::from_micros(300))
                {
                    signal(target);
                }
            });
            Signaller {
                stop: Some(stop),
                thread: Some(thread),
            }
        }
    }

    impl Drop for Signaller {
        fn drop(&mut self) {
            drop(self.stop.take()); // disconnects: the loop ends
            let _ = self.thread.take().unwrap().join();
        }
    }

    /// One 1 MiB echo through a slow peer while signals arrive; returns the
    /// bytes that came back and how many times the reactor's wait was
    /// interrupted.
    fn transfer_under_signals() -> (u64, usize) {
        const LEN: u64 = MIB;
        let (stream, mut peer) = pair();
        let runtime = thread_id();
        // The peer echoes 16 KiB at a time, and before each piece it waits
        // until the runtime thread is blocked in the reactor's wait, signals
        // it, and pauses: so the wait is surely interrupted, however busy the
        // machine is.
        let echo = thread::spawn(move || {
            let mut buf = vec![0; 16 << 10];
            loop {
                let n = peer.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                for _ in 0..1000 {
                    if asleep(runtime) {
                        break;
                    }
                    thread::sleep(Duration::from_micros(100));
                }
                signal(runtime);
                thread::sleep(Duration::from_millis(1));
                peer.write_all(&buf[..n]).unwrap();
            }
            peer.shutdown(Shutdown::Write).unwrap();
        });
        // More signals, at any moment of the transfer.
        let signaller = Signaller::start();
        let (received, trace) = code::trace::capture(|| {
            code::block_on(async {
                let watched = Watched::new(stream);
                let writer = code::spawn({
                    let mut end = watched.clone();
                    async move {
                        write_pattern(&mut end, 4, 0, LEN).await.unwrap();
                        end.stream.shutdown(Shutdown::Write).unwrap();
                    }
                });
                let got = read_pattern(&mut watched.clone(), 4, 0).await.unwrap();
                writer.await;
                got
            })
        });
        drop(signaller);
        echo.join().unwrap();
        let interrupted = trace.iter().filter(|l| l.contains("interrupted")).count();
        (received, interrupted)
    }

    /// Signals (EINTR in `epoll_wait`) arriving over and over during a long
    /// transfer do not break the reactor's wait: the transfer completes intact.
    ///
    /// The handler is installed without `SA_RESTART`, so a signal makes the
    /// blocked `epoll_wait` return `EINTR`. Signals go to the runtime thread
    /// only, so other tests are not disturbed.
    #[test]
    fn signals_during_a_long_transfer_do_not_break_the_wait() {
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = count_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            assert_eq!(
                libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
                0
            );
        }
        let (received, interrupted) = within(
            LIMIT,
            "a transfer did not finish while signals interrupted the reactor's wait: is EINTR \
             from epoll_wait retried?",
            transfer_under_signals,
        );
        assert_eq!(received, MIB, "bytes were lost while signals arrived");
        assert!(
            interrupted > 0,
            "{} signals arrived but none interrupted the reactor's wait (no trace line mentions \
             'interrupted'): the test did not exercise EINTR",
            SIGNALS.load(Ordering::Relaxed)
        );
    }
}

/// Streams are dropped while an event for them is queued in the kernel, and
/// their file descriptors are reused at once by new streams. The event must
/// not wake the new stream's reader (it was for the old token), and the
/// dropped stream's parked task must never be polled again.
#[test]
fn dropped_streams_with_events_in_flight_never_wake_a_new_stream() {
    const ROUNDS: usize = 200;
    let (fd_reuses, stray_polls) = within(
        LIMIT,
        "a reader on a new stream was never woken (or woken by a stale event and then lost)",
        || {
            code::block_on(async {
                let mut fd_reuses = 0;
                let mut stray_polls = Vec::new();
                let mut last_token = None;
                for round in 0..ROUNDS {
                    let (doomed_std, mut doomed_peer) = std_pair();
                    let doomed_handle = handle_number(&doomed_std);
                    let doomed = Rc::new(RefCell::new(Some(
                        AsyncTcpStream::from_std(doomed_std).unwrap(),
                    )));
                    // A task parks reading the doomed stream.
                    let doomed_polls = Rc::new(Cell::new(0));
                    let _orphan = code::spawn({
                        let (doomed, polls) = (Rc::clone(&doomed), Rc::clone(&doomed_polls));
                        async move {
                            let mut buf = [0; 16];
                            std::future::poll_fn(|cx| {
                                polls.set(polls.get() + 1);
                                match doomed.borrow().as_ref() {
                                    Some(s) => s.poll_read(cx, &mut buf).map(|_| ()),
                                    None => Poll::Ready(()),
                                }
                            })
                            .await
                        }
                    });
                    until(|| doomed_polls.get() == 1).await;
                    // An event for it is now queued; drop it before the
                    // reactor looks (no await in between).
                    doomed_peer.write_all(b"stale").unwrap();
                    let token = doomed.borrow().as_ref().unwrap().token();
                    *doomed.borrow_mut() = None;
                    // The new stream most likely gets the same descriptor.
                    let (fresh_std, mut fresh_peer) = std_pair();
                    if handle_number(&fresh_std) == doomed_handle {
                        fd_reuses += 1;
                    }
                    let fresh = AsyncTcpStream::from_std(fresh_std).unwrap();
                    assert_ne!(fresh.token(), token, "round {round}: a token was reused");
                    if let Some(last) = last_token {
                        assert!(fresh.token() > last, "tokens must count up");
                    }
                    last_token = Some(fresh.token());
                    let fresh_polls = Rc::new(Cell::new(0));
                    let reader = code::spawn({
                        let polls = Rc::clone(&fresh_polls);
                        async move {
                            let mut buf = [0; 5];
                            let n = std::future::poll_fn(|cx| {
                                polls.set(polls.get() + 1);
                                fresh.poll_read(cx, &mut buf)
                            })
                            .await
                            .unwrap();
                            assert_eq!(&buf[..n], b"fresh");
                        }
                    });
                    // Let the reactor collect (and drop) the stale event
                    // while the fresh reader is parked.
                    until(|| fresh_polls.get() == 1).await;
                    code::time::sleep(Duration::from_millis(1)).await;
                    fresh_peer.write_all(b"fresh").unwrap();
                    reader.await;
                    // Polled once (WouldBlock) and once for "fresh"; more
                    // means something else woke it.
                    if fresh_polls.get() != 2 || doomed_polls.get() != 1 {
                        stray_polls.push((round, fresh_polls.get(), doomed_polls.get()));
                    }
                }
                (fd_reuses, stray_polls)
            })
        },
    );
    assert!(
        stray_polls.is_empty(),
        "in {} of {ROUNDS} rounds a stale event woke a task (round, polls of the new \
         stream's reader (want 2), polls of the dropped stream's reader (want 1)), first: \
         {:?}",
        stray_polls.len(),
        &stray_polls[..stray_polls.len().min(5)]
    );
    // Unix gives a new socket the lowest free descriptor, the dropped
    // stream's: the case this test is about. Windows does not reuse socket
    // handles that way, so there it checks the tokens and the polls only.
    if cfg!(unix) {
        assert!(
            fd_reuses > ROUNDS / 2,
            "file descriptors were reused in only {fd_reuses} of {ROUNDS} rounds: the test \
             did not exercise the case it is about"
        );
    }
}

/// The number the OS knows a socket by (a file descriptor on Unix, a
/// `SOCKET` handle on Windows).
fn handle_number(stream: &std::net::TcpStream) -> u64 {
    #[cfg(unix)]
    return std::os::fd::AsRawFd::as_raw_fd(stream) as u64;
    #[cfg(windows)]
    return std::os::windows::io::AsRawSocket::as_raw_socket(stream);
}

/// One task, woken from another thread, over and over, at moments that
/// sweep across the executor's decision to block: the helper thread spins
/// instead of sleeping, so it wakes the task within a fraction of a
/// microsecond, plus a delay that grows by steps. A wake that lands between
/// "the run queue is empty" and "the executor is blocked" must not be lost.
/// Only one wake is outstanding at a time, so a lost wake is never rescued
/// by another one: the test hangs (and fails) instead.
#[test]
fn a_wake_from_another_thread_at_any_moment_is_never_lost() {
    const ROUNDS: usize = 20_000;
    within(
        Duration::from_secs(20),
        "a wake sent from another thread was lost: the executor went to sleep with the \
         task in its run queue (is the queue checked again, under the lock, before parking?)",
        || {
            let (to_helper, wakers) = mpsc::channel::<Waker>();
            let helper = thread::spawn(move || {
                let mut delay = 0;
                loop {
                    let waker = match wakers.try_recv() {
                        Ok(waker) => waker,
                        Err(mpsc::TryRecvError::Empty) => {
                            std::hint::spin_loop();
                            continue;
                        }
                        Err(mpsc::TryRecvError::Disconnected) => return,
                    };
                    delay = (delay + 7) % 400;
                    (0..delay).for_each(|_| std::hint::spin_loop());
                    waker.wake();
                }
            });
            code::block_on(async {
                for _ in 0..ROUNDS {
                    let mut sent = false;
                    std::future::poll_fn(|cx| {
                        if sent {
                            return Poll::Ready(());
                        }
                        sent = true;
                        to_helper.send(cx.waker().clone()).unwrap();
                        Poll::Pending
                    })
                    .await;
                }
            });
            drop(to_helper);
            helper.join().unwrap();
        },
    );
}

/// A wake that finds its task already queued does not queue it again: it
/// counts on the coming poll to see what the waking thread wrote first. The
/// helper thread here wakes the task (queuing it), then publishes the next
/// value with a `Relaxed` store and wakes it again, at moments that sweep
/// across the executor's clearing of the `scheduled` flag. The poll must see
/// the value, or the task waits for a wake that never comes and the test
/// times out. (On x86 a plain `store(false)` of the flag passes here too:
/// the executor clones the task's `Arc` between clearing the flag and
/// polling, a locked instruction that is a full fence on x86. The `AcqRel`
/// swap is what makes it hold on ARM, and by the language's rules.)
#[test]
fn a_wake_that_finds_its_task_queued_hands_over_what_was_written_before_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const ROUNDS: usize = 20_000;
    within(
        Duration::from_secs(20),
        "a wake that found its task already queued was lost: the poll did not see what the \
         waking thread wrote before waking (is `scheduled` cleared with an acquiring swap?)",
        || {
            let value = Arc::new(AtomicUsize::new(0));
            let (to_helper, wakers) = mpsc::channel::<Waker>();
            let published = Arc::clone(&value);
            let helper = thread::spawn(move || {
                let mut delay = 0;
                for (round, waker) in (1..).zip(wakers) {
                    waker.wake_by_ref();
                    delay = (delay + 7) % 300;
                    (0..delay).for_each(|_| std::hint::spin_loop());
                    published.store(round, Ordering::Relaxed);
                    waker.wake();
                }
            });
            code::block_on(async {
                for round in 1..=ROUNDS {
                    let mut sent = false;
                    std::future::poll_fn(|cx| {
                        if value.load(Ordering::Relaxed) >= round {
                            return Poll::Ready(());
                        }
                        if !sent {
                            sent = true;
                            to_helper.send(cx.waker().clone()).unwrap();
                        }
                        Poll::Pending
                    })
                    .await;
                }
            });
            drop(to_helper);
            helper.join().unwrap();
        },
    );
}

/// Many tasks are woken, many times, by several other threads, at random
/// moments: while the executor runs tasks, while it decides to wait, and
/// while it is blocked in the reactor. No wake may be lost (the test would
/// hang) and the deadlock check must not raise a false alarm (it would panic).
#[test]
fn many_wakes_from_other_threads_are_never_lost() {
    const TASKS: usize = 32;
    const ROUNDS: usize = 300;
    const THREADS: usize = 3;
    let finished = within(
        LIMIT,
        "a wake sent from another thread was lost: the executor slept through it",
        || {
            let mut senders = Vec::new();
            let mut threads = Vec::new();
            for t in 0..THREADS {
                let (tx, rx) = mpsc::channel::<Waker>();
                senders.push(tx);
                threads.push(thread::spawn(move || {
                    let mut rng = Rng::new(t as u64);
                    for waker in rx {
                        // Vary the moment of the wake: at once, after a spin,
                        // or after the executor has surely gone to sleep.
                        match rng.below(4) {
                            0 => {}
                            1 => thread::yield_now(),
                            2 => (0..rng.below(2000)).for_each(|_| std::hint::spin_loop()),
                            _ => thread::sleep(Duration::from_micros(rng.below(200))),
                        }
                        if rng.below(2) == 0 {
                            waker.wake();
                        } else {
                            waker.wake_by_ref();
                        }
                    }
                }));
            }
            let finished = code::block_on(async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|task| {
                        let senders = senders.clone();
                        code::spawn(async move {
                            for round in 0..ROUNDS {
                                let mut sent = false;
                                std::future::poll_fn(|cx| {
                                    if sent {
                                        return Poll::Ready(());
                                    }
                                    sent = true;
                                    senders[(task + round) % THREADS]
                                        .send(cx.waker().clone())
                                        .unwrap();
                                    Poll::Pending
                                })
                                .await;
                            }
                        })
                    })
                    .collect();
                let mut finished = 0;
                for handle in handles {
                    handle.await;
                    finished += 1;
                }
                finished
            });
            drop(senders);
            threads.into_iter().for_each(|t| t.join().unwrap());
            finished
        },
    );
    assert_eq!(finished, TASKS);
}
