//! `code::testing::within`, which every test of the course runs its runtime
//! in: a test that runs out of time is reported where the test called
//! `within` (not inside `within`), and its runtime thread is stopped, or the
//! message says that it could not be. Also `all_arrived`, the other wait the
//! examples use: bounded too.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use code::net::AsyncTcpStream;
use code::testing::within;

/// Where the panics of each thread were raised: (thread name, file, line).
static PANICS: Mutex<Vec<(String, String, u32)>> = Mutex::new(Vec::new());

/// Records where each panic is raised, then reports it as usual.
fn record_panic_locations() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if let Some(location) = info.location() {
                let thread = thread::current().name().unwrap_or("").to_string();
                PANICS.lock().unwrap_or_else(|e| e.into_inner()).push((
                    thread,
                    location.file().to_string(),
                    location.line(),
                ));
            }
            default(info);
        }));
    });
}

/// The message of a panic payload.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Sets `flag` when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A reader that waits for data that never comes: its waker is stored, so
/// this is not a deadlock the executor could report, just a test that would
/// hang. The time runs out; the report must name this file, and the runtime
/// thread must be stopped: its future dropped, its socket closed.
#[test]
fn a_test_out_of_time_is_reported_at_the_caller_and_its_runtime_is_stopped() {
    record_panic_locations();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));

    let call_line = line!() + 2; // the line of the `within(` call below
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        within(
            Duration::from_millis(200),
            "the read waits forever",
            move || {
                code::block_on(async move {
                    let _guard = guard;
                    let stream = AsyncTcpStream::from_std(ours).unwrap();
                    let mut buf = [0; 4];
                    stream.read(&mut buf).await
                })
            },
        )
    }));

    let message = message(outcome.expect_err("within returned although the read never ended"));
    assert!(
        message.contains("did not finish within 200ms: the read waits forever"),
        "{message}"
    );
    assert!(
        message.contains("was stopped"),
        "the message does not say the thread was stopped: {message}"
    );
    let me = thread::current().name().unwrap_or("").to_string();
    let reported = PANICS
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, ..)| *thread == me)
        .map(|(_, file, line)| (file.clone(), *line))
        .collect::<Vec<_>>();
    assert!(
        reported
            .iter()
            .any(|(file, line)| file.ends_with("within.rs") && *line == call_line),
        "the timeout was reported at {reported:?}, not at the test's call of within \
         (tests/within.rs:{call_line})"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "the stuck runtime was not stopped: its future was never dropped"
    );
    // Its socket was closed too: the peer reads the end of the stream.
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(
        peer.read(&mut [0; 4]).unwrap(),
        0,
        "the socket is still open"
    );
}

/// A poll that never returns cannot be stopped: the message says the thread
/// is left running. (It spins for a bounded 1.5 s, then ends by itself.)
#[test]
fn a_thread_that_never_returns_to_the_executor_is_said_to_be_left_running() {
    let outcome = panic::catch_unwind(|| {
        within(Duration::from_millis(100), "a poll that spins", || {
            code::block_on(async {
                let start = Instant::now();
                while start.elapsed() < Duration::from_millis(1500) {
                    std::hint::spin_loop();
                }
            })
        })
    });
    let message = message(outcome.expect_err("within returned although the poll spun"));
    assert!(message.contains("did not finish within 100ms"), "{message}");
    assert!(
        message.contains("left running"),
        "the message does not say the thread is left running: {message}"
    );
}

#[test]
fn a_result_or_a_panic_of_the_closure_comes_back_as_it_was() {
    assert_eq!(within(Duration::from_secs(10), "", || 7), 7);
    let outcome = panic::catch_unwind(|| {
        within(Duration::from_secs(10), "", || -> () {
            panic!("the test's own panic")
        })
    });
    assert_eq!(message(outcome.unwrap_err()), "the test's own panic");
}

/// `all_arrived` waits at most about a second, also on a blocking stream,
/// where a peek with nothing to read would wait for ever, and puts the
/// stream's own read timeout back.
#[test]
fn all_arrived_gives_up_on_a_blocking_stream_that_gets_nothing() {
    let (ours, _peer) = code::testing::connected_pair().unwrap();
    let started = std::time::Instant::now();
    let result = code::testing::within(
        Duration::from_secs(10),
        "all_arrived blocked on a stream that gets nothing",
        move || {
            let result = code::testing::all_arrived(&ours, 4);
            (
                result.map_err(|e| e.to_string()),
                ours.read_timeout().unwrap(),
            )
        },
    );
    let (result, timeout_after) = result;
    assert_eq!(
        result,
        Err("the peer's 4 bytes did not all arrive within a second".to_string())
    );
    assert_eq!(
        timeout_after, None,
        "the stream's read timeout was not put back"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn all_arrived_sees_bytes_that_are_there() {
    use std::io::Write;
    let (ours, mut peer) = code::testing::connected_pair().unwrap();
    peer.write_all(b"ping").unwrap();
    code::testing::all_arrived(&ours, 4).unwrap();
}
