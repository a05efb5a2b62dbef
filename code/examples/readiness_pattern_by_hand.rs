//! The readiness pattern, one step at a time, with no executor: we call
//! `poll_read` ourselves with a waker that counts its wakes, and we call the
//! reactor's `wait` ourselves. Then the data comes before anyone waits: its
//! event finds no waker and is dropped, and trying first finds the data
//! anyway. Chapter "The readiness pattern".
//!
//! `cargo run -p code --example readiness_pattern_by_hand`

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

// ANCHOR: waker
/// A waker that only counts: it lets us see when the reactor wakes "the task".
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: waker

// ANCHOR: run
pub fn run() -> String {
    let mut out = waiting_reader();
    out += "--- the data comes before anyone waits\n";
    out += &data_first();
    out
}

/// The four steps: try, `WouldBlock`, store the waker, `Pending`; then the
/// reactor wakes us and the next try gets the data.
fn waiting_reader() -> String {
    // Two connected ends of one TCP connection over loopback (127.0.0.1);
    // `connected_pair` is at the end of this file.
    let (ours, mut peer) = connected_pair().expect("loopback connection");
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0; 16];
    // Our own lines go into the runtime's trace, so all is in order.
    let say = |line: String| code::trace::emit(|| line);

    let ((), trace) = code::trace::capture(|| {
        let stream = AsyncTcpStream::from_std(ours).unwrap();

        // Try: nothing has been sent, so the read would block.
        let first = stream.poll_read(&mut cx, &mut buf);
        say(format!("us: poll_read returned {}", show(&first)));

        // The peer sends; then we do what an idle executor does.
        say("peer: sends \"hi\"".to_string());
        peer.write_all(b"hi").unwrap();
        // An executor waits again after events that woke nobody (on macOS
        // and Windows, the writable half can come in an event of its own).
        for _ in 0..3 {
            code::reactor().wait(Some(Duration::from_secs(5))).unwrap();
            if counter.0.load(Ordering::SeqCst) > 0 {
                break;
            }
        }
        say(format!(
            "us: our waker was woken {} time(s)",
            counter.0.load(Ordering::SeqCst)
        ));

        // Woken: try again.
        let second = stream.poll_read(&mut cx, &mut buf);
        say(format!("us: poll_read returned {}", show(&second)));
    });
    trace.join("\n") + "\n"
}

/// The data comes before anyone waits: its event finds an empty slot and
/// wakes nobody. Trying first finds the data anyway.
fn data_first() -> String {
    let (ours, mut peer) = connected_pair().expect("loopback connection");
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0; 16];
    let say = |line: String| code::trace::emit(|| line);

    let ((), trace) = code::trace::capture(|| {
        say("peer: sends \"hi\" before we register".to_string());
        peer.write_all(b"hi").unwrap();
        // Wait until loopback has delivered the bytes (on Linux they are
        // there already).
        code::testing::all_arrived(&ours, 2).unwrap();
        let stream = AsyncTcpStream::from_std(ours).unwrap();

        // An idle executor waits: the registration reports the data, but no
        // task has stored a waker, so the event wakes nobody.
        code::reactor().wait(Some(Duration::from_secs(5))).unwrap();
        say(format!(
            "us: our waker was woken {} time(s)",
            counter.0.load(Ordering::SeqCst)
        ));

        // Try first: the data is there, no event needed.
        let first = stream.poll_read(&mut cx, &mut buf);
        say(format!("us: poll_read returned {}", show(&first)));
    });
    trace.join("\n") + "\n"
}
// ANCHOR_END: run

fn show(poll: &Poll<io::Result<usize>>) -> String {
    match poll {
        Poll::Ready(Ok(n)) => format!("Ready(Ok({n}))"),
        Poll::Ready(Err(e)) => format!("Ready(Err({e}))"),
        Poll::Pending => "Pending".to_string(),
    }
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let ours = TcpStream::connect(listener.local_addr()?)?;
    let (peer, _) = listener.accept()?;
    Ok((ours, peer))
}
