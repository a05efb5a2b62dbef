//! The runtime at its edges, where it used to freeze a thread, panic or hang
//! silently (issue 22):
//! - every ready operation spends the cooperative budget, not only one that
//!   moved bytes: a read or write with an empty buffer, a write that fails,
//!   an accept that fails, a `sleep` that is due, a `timeout` whose future is
//!   ready. A loop of any of them lets another ready task run within one
//!   budget;
//! - `Duration::MAX` (any deadline past what an `Instant` holds) means
//!   "never" for `sleep` and `timeout`;
//! - `timeout`'s clock starts when it is called, as `sleep`'s does;
//! - the runtime's futures polled outside `block_on` panic and say so;
//! - running out of descriptors while a thread's reactor is made is an
//!   `io::Error` where the API returns one, a panic that says so elsewhere;
//! - futures-io's `poll_close` counts `NotConnected` as closed, as tokio does.

use std::cell::Cell;
use std::future::{Future, pending, poll_fn, ready};
#[cfg(unix)] // only the Unix and Linux tests name io's types
use std::io;
use std::net::{TcpListener, TcpStream};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use code::net::AsyncTcpStream;
use code::reactor::BUDGET;
use code::testing::within;
use code::time::{Elapsed, sleep, timeout};

const LIMIT: Duration = Duration::from_secs(10);

/// More operations than any budget: a loop that has not let the other task
/// run after these never would.
const MANY: usize = 20 * BUDGET as usize;

/// Two ends of one loopback connection: ours (async) and the peer's.
fn pair() -> (AsyncTcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (AsyncTcpStream::from_std(ours).unwrap(), peer)
}

/// Spawns a task that is ready at once, then awaits `op()` up to [`MANY`]
/// times, and returns how many operations it took before that task ran.
async fn ops_before_another_task_ran<F, Fut>(mut op: F) -> usize
where
    F: FnMut() -> Fut,
    Fut: Future,
{
    let ran = Rc::new(Cell::new(false));
    let flag = Rc::clone(&ran);
    code::spawn(async move { flag.set(true) });
    for done in 0..MANY {
        if ran.get() {
            return done;
        }
        op().await;
    }
    MANY
}

/// Asserts that a loop of `what` let the other task run within one budget.
fn assert_within_one_budget(what: &str, ops: usize) {
    // 128 operations spend the budget; the 129th yields, the other task runs.
    assert!(
        ops <= BUDGET as usize + 1,
        "a loop of {what} kept another ready task waiting for {ops} operations \
         ({}): it should run within one budget ({BUDGET})",
        if ops == MANY {
            "it never ran"
        } else {
            "more than a budget"
        }
    );
}

#[test]
fn reads_into_an_empty_buffer_spend_the_budget() {
    let ops = within(LIMIT, "the loop of empty reads never ended", || {
        code::block_on(async {
            let (stream, _peer) = pair();
            ops_before_another_task_ran(|| async {
                assert_eq!(stream.read(&mut []).await.unwrap(), 0);
            })
            .await
        })
    });
    assert_within_one_budget("reads into an empty buffer", ops);
}

#[test]
fn writes_of_an_empty_buffer_spend_the_budget() {
    let ops = within(LIMIT, "the loop of empty writes never ended", || {
        code::block_on(async {
            let (stream, _peer) = pair();
            ops_before_another_task_ran(|| async {
                assert_eq!(stream.write(&[]).await.unwrap(), 0);
            })
            .await
        })
    });
    assert_within_one_budget("writes of an empty buffer", ops);
}

/// The peer resets the connection (`SO_LINGER` 0, then close): every write
/// after that fails at once, and a loop that retries never sees `WouldBlock`.
#[test]
fn failed_writes_spend_the_budget() {
    let ops = within(LIMIT, "the loop of failing writes never ended", || {
        code::block_on(async {
            let (stream, peer) = pair();
            socket2::SockRef::from(&peer)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(peer);
            // Until the reset has arrived, a write may still succeed.
            let deadline = Instant::now() + Duration::from_secs(5);
            while stream.write(b"x").await.is_ok() {
                assert!(Instant::now() < deadline, "the peer's reset never came");
                std::thread::sleep(Duration::from_millis(1));
            }
            ops_before_another_task_ran(|| async {
                assert!(stream.write(b"x").await.is_err(), "a write after a reset");
            })
            .await
        })
    });
    assert_within_one_budget("writes that fail", ops);
}

#[test]
fn a_sleep_that_is_due_spends_the_budget() {
    let ops = within(LIMIT, "the loop of sleep(ZERO) never ended", || {
        code::block_on(ops_before_another_task_ran(|| sleep(Duration::ZERO)))
    });
    assert_within_one_budget("sleep(Duration::ZERO)", ops);
}

#[test]
fn a_timeout_whose_future_is_ready_spends_the_budget() {
    let ops = within(LIMIT, "the loop of ready timeouts never ended", || {
        code::block_on(ops_before_another_task_ran(|| {
            timeout(Duration::from_secs(1), ready(()))
        }))
    });
    assert_within_one_budget("timeout(1 s, ready)", ops);
}

/// A timeout around a future that did I/O spends no extra unit: the I/O
/// spent it. 200 one-byte reads of data that is there yield after 128, not
/// after 64.
#[test]
fn a_timeout_around_io_spends_no_more_than_the_io() {
    let ops = within(LIMIT, "the loop of reads never ended", || {
        code::block_on(async {
            let (stream, mut peer) = pair();
            std::io::Write::write_all(&mut peer, &[b'x'; MANY]).unwrap();
            ops_before_another_task_ran(|| async {
                let mut byte = [0; 1];
                let read = timeout(Duration::from_secs(5), stream.read(&mut byte));
                assert_eq!(read.await.unwrap().unwrap(), 1);
            })
            .await
        })
    });
    assert_eq!(
        ops,
        BUDGET as usize + 1,
        "one unit per read, none for the timeout"
    );
}

/// The timeout's deadline still fires when the future inside uses up the
/// budget in every poll (it yields, and is polled again, for far longer than
/// the timeout).
#[test]
fn a_timeout_fires_around_a_future_that_uses_up_the_budget() {
    let result = within(LIMIT, "the timeout never fired", || {
        code::block_on(async {
            let (stream, _peer) = pair();
            let greedy = async {
                for _ in 0..50_000_000 {
                    stream.write(&[]).await.unwrap();
                }
            };
            timeout(Duration::from_millis(50), greedy).await
        })
    });
    assert_eq!(result, Err(Elapsed));
}

#[test]
fn duration_max_means_never_for_sleep_and_timeout() {
    let (no_timeout, never_slept) = within(LIMIT, "a timeout did not end", || {
        code::block_on(async {
            let no_timeout = timeout(Duration::MAX, ready(5)).await;
            let long = Duration::from_secs(u64::MAX); // overflows an Instant too
            let never_slept = timeout(Duration::from_millis(20), sleep(long)).await;
            (no_timeout, never_slept)
        })
    });
    assert_eq!(no_timeout, Ok(5));
    assert_eq!(never_slept, Err(Elapsed));
}

/// The longest wait that kqueue on macOS accepts: `kevent` fails with
/// `EINVAL` for a timeout past 100,000,000 seconds (about 3.2 years).
const DARWIN_LONGEST_WAIT: Duration = Duration::from_secs(100_000_000);

/// A `timeout(Duration::MAX, ..)` around a read with no data yet leaves the
/// reactor one timer, 30 years away. The reactor must not hand mio a wait
/// that long: on macOS the wait fails and `block_on` panics ("reactor wait
/// failed"). Checked through the trace, so that it is checked on Linux too,
/// where a long wait works. The data, sent once the read has parked, ends
/// the wait.
#[test]
fn a_wait_for_a_never_timer_is_capped() {
    let (n, waits) = within(LIMIT, "the read under timeout(Duration::MAX) hung", || {
        let (n, trace) = code::trace::record(|| {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let reader = code::spawn(async move {
                    let mut buf = [0; 4];
                    timeout(Duration::MAX, stream.read(&mut buf)).await
                });
                code::executor::yield_now().await; // the reader tries, and parks
                std::io::Write::write_all(&mut peer, b"data").unwrap();
                reader.await.unwrap().unwrap()
            })
        });
        let waits: Vec<_> = trace
            .events()
            .iter()
            .filter_map(|e| match e {
                code::trace::Event::WaitBegun { timeout } => Some(*timeout),
                _ => None,
            })
            .collect();
        (n, waits)
    });
    assert_eq!(n, 4);
    assert!(
        waits.iter().any(|t| t != &Some(Duration::ZERO)),
        "the executor never waited for the read: {waits:?}"
    );
    for timeout in waits {
        assert!(
            timeout.is_none_or(|t| t < DARWIN_LONGEST_WAIT), // `None`: no timer, no limit
            "the reactor waited with a timeout of {timeout:?} for a timer that never fires: \
             kqueue on macOS refuses a wait longer than {DARWIN_LONGEST_WAIT:?}"
        );
    }
}

/// Both clocks start at the call: after 150 ms of work, a 100 ms `sleep` and
/// a 100 ms `timeout` are both due at their first poll.
#[test]
fn timeout_takes_its_deadline_when_it_is_called() {
    let waited = within(LIMIT, "the sleep or the timeout did not end", || {
        code::block_on(async {
            let slept = sleep(Duration::from_millis(100));
            let timed = timeout(Duration::from_millis(100), pending::<()>());
            std::thread::sleep(Duration::from_millis(150)); // work
            let start = Instant::now();
            slept.await;
            assert_eq!(timed.await, Err(Elapsed));
            start.elapsed()
        })
    });
    assert!(
        waited < Duration::from_millis(50),
        "the sleep and the timeout were due when awaited, but waiting took {waited:?}"
    );
}

/// The message of a panic payload.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Polls `make()`'s future once, with a waker nobody will ever wake, on a
/// fresh thread that never runs `block_on` (as another executor would), and
/// returns the panic's message.
fn panic_of_a_poll_outside_block_on<F, Fut>(make: F) -> String
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
{
    let outcome = std::thread::spawn(move || {
        let future = pin!(make());
        let _ = future.poll(&mut Context::from_waker(Waker::noop()));
    })
    .join();
    let panic = outcome.expect_err(
        "a future of the runtime polled outside block_on returned instead of panicking: \
         nothing would ever wake it",
    );
    message(panic)
}

fn assert_says_outside_block_on(what: &str, message: &str) {
    assert!(
        message.contains("outside") && message.contains("block_on"),
        "{what} polled outside block_on should panic saying so, not: {message:?}"
    );
}

#[test]
fn a_sleep_polled_outside_block_on_panics_and_says_so() {
    let message = panic_of_a_poll_outside_block_on(|| sleep(Duration::from_millis(10)));
    assert_says_outside_block_on("sleep", &message);
}

#[test]
fn a_timeout_polled_outside_block_on_panics_and_says_so() {
    let message =
        panic_of_a_poll_outside_block_on(|| timeout(Duration::from_millis(10), pending::<()>()));
    assert_says_outside_block_on("timeout", &message);
}

#[test]
fn a_read_polled_outside_block_on_panics_and_says_so() {
    let message = panic_of_a_poll_outside_block_on(|| async {
        let (stream, _peer) = pair();
        let mut buf = [0; 4];
        stream.read(&mut buf).await
    });
    assert_says_outside_block_on("a read", &message);
}

#[test]
fn a_futures_io_read_polled_outside_block_on_panics_and_says_so() {
    let message = panic_of_a_poll_outside_block_on(|| async {
        let (mut stream, _peer) = pair();
        let mut buf = [0; 4];
        poll_fn(|cx| futures_io::AsyncRead::poll_read(Pin::new(&mut stream), cx, &mut buf)).await
    });
    assert_says_outside_block_on("a futures-io read", &message);
}

/// `read_exact` goes through the `code::io::AsyncRead` trait, not the
/// stream's own `read`: the trait's methods must refuse another executor
/// too, or `read_exact`, `write_all` and `copy` wait for ever there.
#[test]
fn a_read_exact_polled_outside_block_on_panics_and_says_so() {
    let message = panic_of_a_poll_outside_block_on(|| async {
        let (mut stream, _peer) = pair();
        let mut buf = [0; 4];
        code::io::read_exact(&mut stream, &mut buf).await
    });
    assert_says_outside_block_on("read_exact", &message);
}

#[test]
fn a_write_all_polled_outside_block_on_panics_and_says_so() {
    let message = panic_of_a_poll_outside_block_on(|| async {
        let (stream, _peer) = pair();
        code::io::write_all(&mut &stream, b"hi").await
    });
    assert_says_outside_block_on("write_all", &message);
}

/// The peer resets the connection; then `shutdown(Write)` fails with
/// `NotConnected` (the kernel has already closed the socket). futures-io's
/// `poll_close` wants the write half closed, and it is: `Ok`, as tokio's
/// `poll_shutdown` says. (hyper logged "error shutting down connection" for
/// every client that reset after its last exchange.)
#[cfg(unix)] // the errno of a shutdown after a reset is Unix's
#[test]
fn poll_close_counts_not_connected_as_closed() {
    let (plain, closed) = within(LIMIT, "the reset never arrived", || {
        code::block_on(async {
            let (mut stream, peer) = pair();
            socket2::SockRef::from(&peer)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(peer);
            let mut buf = [0; 4];
            let read = stream.read(&mut buf).await;
            assert_eq!(
                read.map_err(|e| e.kind()),
                Err(io::ErrorKind::ConnectionReset),
                "the peer's reset"
            );
            let plain = stream.shutdown(std::net::Shutdown::Write);
            let closed =
                poll_fn(|cx| futures_io::AsyncWrite::poll_close(Pin::new(&mut stream), cx)).await;
            (plain.map_err(|e| e.kind()), closed.map_err(|e| e.kind()))
        })
    });
    assert_eq!(
        plain,
        Err(io::ErrorKind::NotConnected),
        "the setup: a plain shutdown after a reset"
    );
    assert_eq!(closed, Ok(()), "poll_close after a reset");
}

// The next tests run out of file descriptors. A process has one limit for
// all its threads, so each runs in a child process of its own: the test
// binary runs itself again with `CHILD` set to the test's name and only that
// test selected, and the child lowers its limit (`RLIMIT_NOFILE`) and fills
// it. Linux only: the limit and `EMFILE` are POSIX, but which calls of the
// runtime's setup take a descriptor (epoll, its `dup`, an eventfd) is
// Linux's, and the course's tests run on Linux.

/// The environment variable that tells a child which test it runs.
#[cfg(target_os = "linux")]
const CHILD: &str = "CODE_RUNTIME_EDGES_CHILD";

/// In the child, runs `body`; in the parent, runs the test `name` in a
/// child process and asserts that it passed, within [`LIMIT`].
#[cfg(target_os = "linux")]
fn in_child_process(name: &str, body: impl FnOnce()) {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        body();
        return;
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child process running {name} did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        status.success() && stdout.contains("1 passed"),
        "{name} failed in its child process ({status}):\n{stdout}\n{stderr}"
    );
}

/// Lowers this process's descriptor limit, then opens descriptors until
/// none is left; they are given back when the returned vector is dropped.
#[cfg(target_os = "linux")]
fn use_up_descriptors() -> Vec<std::fs::File> {
    let limit = libc::rlimit {
        rlim_cur: 64,
        rlim_max: 64,
    };
    // SAFETY: `setrlimit` only reads the struct it is given.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    let mut held = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => held.push(file),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => return held,
            Err(e) => panic!("opening /dev/null: {e}"),
        }
    }
}

/// An accept that fails (`EMFILE`: a connection waits, but there is no
/// descriptor to give it) fails again at once, and the listener stays
/// readable: a loop that retries at once must still let other tasks run.
#[cfg(target_os = "linux")]
#[test]
fn failed_accepts_spend_the_budget() {
    in_child_process("failed_accepts_spend_the_budget", || {
        let ops = code::block_on(async {
            let listener = code::net::AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
            let _client = TcpStream::connect(listener.local_addr()?)?;
            let held = use_up_descriptors();
            let ops = ops_before_another_task_ran(|| async {
                let accepted = listener.accept().await;
                let error = accepted.expect_err("an accept with no descriptor left");
                assert_eq!(error.raw_os_error(), Some(libc::EMFILE));
            })
            .await;
            drop(held);
            Ok::<_, io::Error>(ops)
        })
        .unwrap();
        assert_within_one_budget("accepts that fail", ops);
    });
}

/// A thread's reactor is made when the thread first needs it. With no
/// descriptor left, the calls that return `io::Result` return the error
/// (and the thread can try again later); the others panic, saying what
/// could not be made and why.
#[cfg(target_os = "linux")]
#[test]
fn descriptor_exhaustion_at_setup_is_an_io_error() {
    in_child_process("descriptor_exhaustion_at_setup_is_an_io_error", || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let first = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let second = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let held = use_up_descriptors();
        // A fresh thread: its reactor does not exist yet.
        let (refused, panics, retried) = std::thread::spawn(move || {
            let refused = AsyncTcpStream::from_std(first).err();
            let panics = [
                std::panic::catch_unwind(|| drop(sleep(Duration::from_millis(1)))).err(),
                std::panic::catch_unwind(|| code::block_on(async {})).err(),
            ]
            .map(|panic| panic.map(message));
            drop(held);
            let retried = AsyncTcpStream::from_std(second).map(drop);
            (refused, panics, retried)
        })
        .join()
        .unwrap();
        let refused = refused.expect("from_std with no descriptor left returned Ok");
        assert_eq!(refused.raw_os_error(), Some(libc::EMFILE), "{refused}");
        for panic in panics {
            let panic = panic.expect("sleep or block_on with no descriptor left did not panic");
            assert!(
                panic.contains("reactor") && panic.contains("Too many open files"),
                "the panic should say what could not be made and why: {panic:?}"
            );
        }
        retried.expect("once descriptors are free again, the thread can make its reactor");
    });
}
