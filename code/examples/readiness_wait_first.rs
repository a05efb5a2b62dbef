//! The second scene of `readiness_pattern_by_hand` (the data comes before
//! anyone waits), played by a task that skips step 1: it stores its waker
//! and waits *before* it tries. This is the edit the "Try it" of chapter
//! "The readiness pattern" suggests. Then the same, but the peer sends more
//! while the task waits: new data is a change, and a change is reported
//! (the chapter's quiz asks the reader to predict this second scene).
//!
//! Linux only, for its output: the `reactor: event` line is epoll's way of
//! reporting (see the chapter).
//!
//! `cargo run -p code --example readiness_wait_first`

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::net::AsyncTcpStream;
use code::reactor::Direction;

/// How long the task waits for an event before it gives up and tries.
const PATIENCE: Duration = Duration::from_millis(200);

fn main() {
    print!("{}", run());
}

/// A waker that only counts its wakes.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn run() -> String {
    let mut out = scene(None);
    out += "--- the peer sends more while we wait\n";
    out += &scene(Some(b"!"));
    out
}

/// The peer sends "hi" before we register; we store our waker without
/// trying and wait. With `more`, the peer sends it after our waker is
/// stored and before we wait.
fn scene(more: Option<&'static [u8]>) -> String {
    let (ours, mut peer) = code::testing::connected_pair().expect("loopback connection");
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0; 16];
    let say = |line: String| code::trace::emit(|| line);

    let ((), trace) = code::trace::capture(|| {
        say("peer: sends \"hi\" before we register".to_string());
        peer.write_all(b"hi").unwrap();
        code::testing::all_arrived(&ours, 2).unwrap();
        // A second handle on the socket, only to check (with `peek`) that
        // the peer's later bytes have arrived.
        let probe = ours.try_clone().unwrap();
        let stream = AsyncTcpStream::from_std(ours).unwrap();
        // An idle executor waits: the registration reports the data, and the
        // event finds no waker.
        code::reactor().wait(Some(Duration::from_secs(5))).unwrap();

        // Step 1 skipped: store the waker, then wait for an event.
        code::reactor().set_waker(stream.token(), Direction::Read, &waker);
        if let Some(more) = more {
            say(format!(
                "peer: sends {:?} while we wait",
                String::from_utf8_lossy(more)
            ));
            peer.write_all(more).unwrap();
            code::testing::all_arrived(&probe, 2 + more.len()).unwrap();
        }
        code::reactor().wait(Some(PATIENCE)).unwrap();
        say(format!(
            "us: waited before trying; our waker was woken {} time(s) in {} ms",
            counter.0.load(Ordering::SeqCst),
            PATIENCE.as_millis()
        ));

        // The data was there all along.
        let poll = stream.poll_read(&mut cx, &mut buf);
        say(format!("us: then poll_read returned {}", show(&poll)));
    });
    trace.join("\n") + "\n"
}

fn show(poll: &Poll<io::Result<usize>>) -> String {
    match poll {
        Poll::Ready(Ok(n)) => format!("Ready(Ok({n}))"),
        Poll::Ready(Err(e)) => format!("Ready(Err({e}))"),
        Poll::Pending => "Pending".to_string(),
    }
}
