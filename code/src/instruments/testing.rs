//! Helpers for the course's tests: a broken implementation must fail within
//! seconds with a message, never hang the test suite.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::executor::stop_handle;

/// How long `within` waits for a stopped test thread to end.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// Runs `f` on a new thread and returns its result, or panics with `hint` if
/// it has not finished after `limit`.
///
/// `f` usually calls `block_on`. A separate thread catches every way of not
/// finishing: a task that is never woken, and also a loop that never yields
/// (which a timer on the same thread could not interrupt).
///
/// When time runs out, the panic is reported at the caller (the test), not
/// here. The thread's `block_on` is then stopped: at its next turn it
/// unwinds, dropping its tasks and closing their sockets, and the thread
/// ends. A thread that never gets back to the executor (a poll that loops
/// without returning, or `f` blocking outside `block_on`) cannot be stopped
/// safely; the message says it is left running until the test program exits.
///
/// A panic in `f` is re-raised here with its message, so `#[should_panic]`
/// and the test report see it.
#[track_caller]
pub fn within<T, F>(limit: Duration, hint: &str, f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = mpsc::channel();
    let (stopper_tx, stopper) = mpsc::channel();
    let worker = thread::Builder::new()
        .name("within".into())
        .spawn(move || {
            let _ = stopper_tx.send(stop_handle());
            let _ = done.send(f());
        })
        .expect("could not start a test thread");
    let stopper = stopper.recv().ok();
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker ended without a result or a panic"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            if let Some(stopper) = &stopper {
                stopper.stop();
            }
            // `Ok`: it finished just now, late all the same.
            let ended = !matches!(
                result.recv_timeout(STOP_GRACE),
                Err(mpsc::RecvTimeoutError::Timeout)
            );
            let what_became_of_it = if ended {
                "the test's thread was stopped: its tasks were dropped and their sockets closed"
            } else {
                "the test's thread could not be stopped (it never got back to the executor: a \
                 poll that loops without returning, or a blocking call) and is left running \
                 until the test program exits"
            };
            panic!("did not finish within {limit:?}: {hint}\n({what_became_of_it})")
        }
    }
}

/// Waits, for up to a second, until `len` bytes sent by the peer are in
/// `stream`'s receive buffer, without reading them. `stream` may be blocking
/// or not: a blocking one is given a read timeout meanwhile (its own is put
/// back after).
///
/// On Linux a loopback `write` has delivered its bytes by the time it
/// returns, but neither POSIX nor mio promises that. An example whose output
/// depends on the bytes being there (no `WouldBlock` on the first read)
/// waits with this, so that it prints the same on every system.
pub fn all_arrived(stream: &std::net::TcpStream, len: usize) -> std::io::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    let previous = stream.read_timeout()?;
    let mut buf = vec![0; len];
    let arrived = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break Ok(false);
        }
        // A blocking peek waits for the first byte: at most until the deadline.
        stream.set_read_timeout(Some(left))?;
        match stream.peek(&mut buf) {
            Ok(n) if n == len => break Ok(true),
            Ok(_) => thread::sleep(Duration::from_millis(1)),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                thread::sleep(Duration::from_millis(1))
            }
            Err(e) => break Err(e),
        }
    };
    stream.set_read_timeout(previous)?;
    match arrived? {
        true => Ok(()),
        false => Err(std::io::Error::other(format!(
            "the peer's {len} bytes did not all arrive within a second"
        ))),
    }
}

/// Two ends of a TCP connection over loopback, both blocking std streams:
/// the set-up of most examples, which convert one or both to the runtime's
/// streams themselves.
pub fn connected_pair() -> std::io::Result<(std::net::TcpStream, std::net::TcpStream)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let a = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
