//! The pitfalls of a first, simple version of this runtime, each run for
//! real, next to what `code` does instead. Chapter "When the simple version
//! breaks".
//!
//! `cargo run -p code --example when_it_breaks`
//!
//! Every demonstration is bounded: where the first version would hang, a
//! timeout or an iteration cap ends it and the output says what happened.

use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use code::io::{AsyncWrite, write_all};
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::time::timeout;
use mio::Interest;

fn main() {
    // Two demonstrations panic on purpose and `run` prints their messages;
    // keep the default hook from printing them a second time.
    std::panic::set_hook(Box::new(|_| {}));
    print!("{}", run());
}

pub fn run() -> String {
    let mut out = String::new();
    out += "The read-only registration: a writer on a stream registered READABLE only:\n";
    out += &format!(
        "    {}\n",
        isolated(|| {
            writer_on_a_readable_only_stream();
            "returned (it should have panicked)".to_string()
        })
    );
    out += "The shared waker slot: a reader task and a writer task on one stream:\n";
    out += &format!(
        "    one waker slot:  {}\n",
        isolated(|| reader_and_writer(true))
    );
    out += &format!(
        "    two waker slots: {}\n",
        isolated(|| reader_and_writer(false))
    );
    out += "The lost wakeup: a wake between \"the queue is empty\" and \"sleep\":\n";
    out += &format!("    naive sleep: {}\n", isolated(lost_wakeup_naive));
    out += &format!("    sound sleep: {}\n", isolated(lost_wakeup_sound));
    out += "The Ok(0) loop: write_all on a writer that returns Ok(0):\n";
    out += &format!("    {}\n", isolated(write_all_on_a_stuck_writer));
    out += "The deadlock check: Pending without a stored waker:\n";
    out += &format!(
        "    {}\n",
        isolated(|| {
            pending_without_a_waker();
            "returned (it should have panicked)".to_string()
        })
    );
    out
}

/// Runs `demo` on a thread of its own (a fresh reactor, so tokens count
/// from 0) and returns its result, or "panic: <message>".
fn isolated(demo: impl FnOnce() -> String + Send + 'static) -> String {
    match thread::spawn(demo).join() {
        Ok(value) => value,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("panic: {message}")
        }
    }
}

// ANCHOR: readable_only
/// The read-only registration: a first version's `accept` registered new
/// streams for READABLE only. A writer fills the socket (the peer never
/// reads), gets `WouldBlock` and asks to be woken when the socket is
/// writable: an event that can never come.
fn writer_on_a_readable_only_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (_peer, _) = listener.accept().unwrap(); // it never reads
    ours.set_nonblocking(true).unwrap();
    let mut stream = mio::net::TcpStream::from_std(ours);
    code::block_on(async {
        let reactor = code::reactor();
        let token = reactor.register(&mut stream, Interest::READABLE).unwrap();
        let chunk = [0; 64 * 1024];
        poll_fn(|cx| {
            loop {
                match (&stream).write(&chunk) {
                    Ok(_) => continue, // the kernel took some; write more
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        // A reactor that does not check stores the waker
                        // here, and the writer hangs forever.
                        reactor.set_waker(token, Direction::Write, cx.waker());
                        return Poll::Pending;
                    }
                    Err(e) => return Poll::Ready(Err::<(), _>(e)),
                }
            }
        })
        .await
        .unwrap();
    });
}
// ANCHOR_END: readable_only

// ANCHOR: one_slot
/// A stream with the design of a reactor with one waker slot: one waker per
/// stream, owned by whichever task parked last.
struct OneSlot {
    stream: AsyncTcpStream,
    slot: Arc<Slot>,
}

/// The single slot. The real reactor wakes the slot; the slot wakes
/// whoever is in it now.
#[derive(Default)]
struct Slot(Mutex<Option<Waker>>);

impl Wake for Slot {
    fn wake(self: Arc<Self>) {
        if let Some(task) = self.0.lock().unwrap().take() {
            task.wake();
        }
    }
}

impl OneSlot {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.park(cx, |slot_cx| self.stream.poll_read(slot_cx, buf))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.park(cx, |slot_cx| self.stream.poll_write(slot_cx, buf))
    }

    /// Tries `op`; if it must wait, this task takes the slot, replacing
    /// whoever was waiting before.
    fn park<T>(&self, cx: &mut Context<'_>, op: impl FnOnce(&mut Context) -> Poll<T>) -> Poll<T> {
        let slot_waker = Waker::from(Arc::clone(&self.slot));
        let poll = op(&mut Context::from_waker(&slot_waker));
        if poll.is_pending() {
            *self.slot.0.lock().unwrap() = Some(cx.waker().clone());
        }
        poll
    }
}

/// A reader task waits for the peer's "done", which comes once the writer
/// task's 16 MiB have all arrived. With `one_slot`, the writer's waker
/// replaces the reader's.
fn reader_and_writer(one_slot: bool) -> String {
    const TOTAL: usize = 16 << 20; // more than the socket buffers hold
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let (writer_waits, peer_may_read) = mpsc::channel::<()>();
    let (sent_done, peer_sent_done) = mpsc::channel::<()>();
    let (finished, peer_may_close) = mpsc::channel::<()>();
    let peer_thread = thread::spawn(move || {
        // Start reading only once the writer has filled the buffers and had
        // to wait: by then it surely took the slot from the reader.
        peer_may_read.recv().unwrap();
        let mut sink = vec![0; TOTAL];
        peer.read_exact(&mut sink).unwrap();
        peer.write_all(b"done").unwrap();
        sent_done.send(()).unwrap();
        let _ = peer_may_close.recv(); // closing would be an event too
    });
    let stream = Rc::new(OneSlot {
        stream: AsyncTcpStream::from_std(ours).unwrap(),
        slot: Arc::default(),
    });
    let report = code::block_on(async {
        let reader = code::spawn({
            let stream = Rc::clone(&stream);
            async move {
                let (mut polls, mut reply) = (0, [0; 4]);
                let n = poll_fn(|cx| {
                    polls += 1;
                    if one_slot {
                        stream.poll_read(cx, &mut reply)
                    } else {
                        stream.stream.poll_read(cx, &mut reply)
                    }
                })
                .await
                .unwrap();
                format!(
                    "{polls} polls, got {:?}",
                    String::from_utf8_lossy(&reply[..n])
                )
            }
        });
        let writer = code::spawn({
            let stream = Rc::clone(&stream);
            async move {
                let data = vec![1; TOTAL];
                let mut written = 0;
                while written < TOTAL {
                    written += poll_fn(|cx| {
                        let poll = if one_slot {
                            stream.poll_write(cx, &data[written..])
                        } else {
                            stream.stream.poll_write(cx, &data[written..])
                        };
                        if poll.is_pending() {
                            let _ = writer_waits.send(());
                        }
                        poll
                    })
                    .await
                    .unwrap();
                }
            }
        });
        writer.await;
        // "done" is in our socket once the peer says so; from then on a
        // reader that is still waiting had an event and must be woken.
        while peer_sent_done.try_recv().is_err() {
            code::time::sleep(Duration::from_millis(5)).await;
        }
        match timeout(Duration::from_millis(100), reader).await {
            Ok(got) => format!("the reader was woken: {got}"),
            Err(_) => {
                // "done" is there: a read that tries first gets it at once.
                let mut reply = [0; 4];
                let n = stream.stream.read(&mut reply).await.unwrap();
                format!(
                    "the reader was never woken, while {:?} sat in its socket",
                    String::from_utf8_lossy(&reply[..n])
                )
            }
        }
    });
    finished.send(()).unwrap();
    peer_thread.join().unwrap();
    report
}
// ANCHOR_END: one_slot

/// The shared waker slot, recorded for the book's trace player: the reader
/// and writer tasks of `reader_and_writer` on a `OneSlot` stream, with the
/// peer's part done one step at a time by the main task, so that every run
/// is the same. Our send buffer is full from the start, so the writer's first
/// write waits.
pub fn one_slot_steps() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    // The peer's reads block this thread: bounded, in case the bytes never come.
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    ours.set_nonblocking(true).unwrap();
    let mut sent = 0;
    loop {
        match (&ours).write(&[1; 64 * 1024]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the send buffer: {e}"),
        }
    }
    let stream = Rc::new(OneSlot {
        stream: AsyncTcpStream::from_std(ours).unwrap(),
        slot: Arc::default(),
    });
    code::block_on(async {
        let reader = code::spawn({
            let stream = Rc::clone(&stream);
            async move {
                let mut reply = [0; 4];
                poll_fn(|cx| stream.poll_read(cx, &mut reply))
                    .await
                    .unwrap()
            }
        });
        let writer = code::spawn({
            let stream = Rc::clone(&stream);
            async move { poll_fn(|cx| stream.poll_write(cx, b"last")).await.unwrap() }
        });
        code::executor::yield_now().await; // both tasks try, and park
        peer.read_exact(&mut vec![0; sent]).unwrap();
        code::trace::emit(|| {
            "kernel: the peer has read all we sent: token 0 has room to write again".to_string()
        });
        writer.await;
        peer.read_exact(&mut [0; 4]).unwrap();
        peer.write_all(b"done").unwrap();
        code::trace::emit(|| "kernel: 4 bytes arrive at token 0".to_string());
        match timeout(Duration::from_millis(100), reader).await {
            Ok(_) => "the reader was woken".to_string(),
            Err(_) => {
                let mut reply = [0; 4];
                let n = stream.stream.read(&mut reply).await.unwrap();
                format!("the reader was never woken, while {n} bytes sat in its socket")
            }
        }
    })
}

/// The shared waker slot the other way round, for a question in the
/// chapter's quiz: the writer parks first and the reader second. Printed by
/// the example `one_slot_writer_first`.
pub fn writer_first_report() -> String {
    let mut out = String::new();
    out += "The shared waker slot, the other way round: the writer parks first, then the reader:\n";
    out += &format!(
        "    one waker slot:  {}\n",
        isolated(|| writer_then_reader(true))
    );
    out += &format!(
        "    two waker slots: {}\n",
        isolated(|| writer_then_reader(false))
    );
    out
}

/// A writer task parks on a full send buffer, then a reader task parks for
/// data that never comes. The peer then reads everything we sent: our socket
/// has room again. With `one_slot`, the reader's waker replaced the writer's.
fn writer_then_reader(one_slot: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    // The peer's reads block this thread: bounded, in case the bytes never come.
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Fill our send buffer before the runtime starts, so that the writer's
    // first write waits, on every run.
    ours.set_nonblocking(true).unwrap();
    let mut sent = 0;
    loop {
        match (&ours).write(&[1; 64 * 1024]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the send buffer: {e}"),
        }
    }
    let stream = Rc::new(OneSlot {
        stream: AsyncTcpStream::from_std(ours).unwrap(),
        slot: Arc::default(),
    });
    code::block_on(async {
        let writer = code::spawn({
            let stream = Rc::clone(&stream);
            async move {
                poll_fn(|cx| {
                    if one_slot {
                        stream.poll_write(cx, b"last")
                    } else {
                        stream.stream.poll_write(cx, b"last")
                    }
                })
                .await
                .unwrap()
            }
        });
        let _reader = code::spawn({
            let stream = Rc::clone(&stream);
            async move {
                let mut reply = [0; 4];
                poll_fn(|cx| {
                    if one_slot {
                        stream.poll_read(cx, &mut reply)
                    } else {
                        stream.stream.poll_read(cx, &mut reply)
                    }
                })
                .await
                .unwrap()
            }
        });
        code::executor::yield_now().await; // the writer parks, then the reader
        peer.read_exact(&mut vec![0; sent]).unwrap();
        match timeout(Duration::from_millis(100), writer).await {
            Ok(n) => format!("the writer was woken and wrote its {n} bytes"),
            Err(_) => {
                // A write that tries first finds the room at once.
                let n = stream.stream.write(b"last").await.unwrap();
                format!("the writer was never woken, while its socket had room for {n} bytes")
            }
        }
    })
}

// ANCHOR: lost_wakeup
/// What a waker and a sleeping executor share: "was I woken?" and a bell.
#[derive(Default)]
struct Signal {
    woken: Mutex<bool>,
    bell: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.bell.notify_one();
    }
}

/// Looks, then sleeps: two steps, and a wake between them rings a bell
/// nobody listens to yet. Returns whether it slept until `limit`.
fn naive_sleep(signal: &Signal, limit: Duration, between: impl FnOnce()) -> bool {
    let woken = *signal.woken.lock().unwrap(); // 1. look
    between();
    if woken {
        return false;
    }
    let guard = signal.woken.lock().unwrap(); // 2. sleep
    signal
        .bell
        .wait_timeout(guard, limit)
        .unwrap()
        .1
        .timed_out()
}

/// Looks and sleeps under one lock: a waker must take the lock to set the
/// flag, so it either comes before the look or finds us asleep.
fn sound_sleep(signal: &Signal, limit: Duration) -> bool {
    let guard = signal.woken.lock().unwrap();
    let (_guard, result) = signal
        .bell
        .wait_timeout_while(guard, limit, |woken| !*woken)
        .unwrap();
    result.timed_out()
}

const LIMIT: Duration = Duration::from_millis(200);

fn lost_wakeup_naive() -> String {
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(Arc::clone(&signal));
    // The wake lands exactly between the look and the sleep: we force the
    // unlucky timing that a real program hits once in a while.
    let slept = naive_sleep(&signal, LIMIT, || waker.wake_by_ref());
    describe(slept)
}

fn lost_wakeup_sound() -> String {
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(Arc::clone(&signal));
    // Another thread wakes us while we look or sleep; whenever it lands,
    // the wake is seen.
    let other = thread::spawn(move || waker.wake());
    let slept = sound_sleep(&signal, LIMIT);
    other.join().unwrap();
    describe(slept)
}

fn describe(slept_until_the_limit: bool) -> String {
    if slept_until_the_limit {
        "slept the full 200 ms: the wake was lost (without the limit: forever)".to_string()
    } else {
        "saw the wake and did not sleep through it".to_string()
    }
}
// ANCHOR_END: lost_wakeup

// ANCHOR: write_zero
/// A writer that accepts nothing: a full fixed-size buffer, a bug.
struct Stuck {
    calls: usize,
}

impl AsyncWrite for Stuck {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.calls += 1;
        Poll::Ready(Ok(0))
    }
}

/// A first version's `write_all`, which takes `Ok(0)` as progress, with a
/// cap on its loop so that this ends.
async fn naive_write_all<W: AsyncWrite>(
    w: &mut W,
    mut buf: &[u8],
    cap: usize,
) -> Result<(), usize> {
    for _ in 0..cap {
        if buf.is_empty() {
            return Ok(());
        }
        let n = poll_fn(|cx| w.poll_write(cx, buf)).await.unwrap();
        buf = &buf[n..];
    }
    Err(buf.len()) // still not done
}

fn write_all_on_a_stuck_writer() -> String {
    code::block_on(async {
        let mut naive = Stuck { calls: 0 };
        let left = naive_write_all(&mut naive, b"hello", 10_000)
            .await
            .unwrap_err();
        let mut ours = Stuck { calls: 0 };
        let err = write_all(&mut ours, b"hello").await.unwrap_err();
        format!(
            "the naive loop: {left} bytes left after {} calls\n    \
             code::io::write_all: {:?} after {} call: {err}",
            naive.calls,
            err.kind(),
            ours.calls
        )
    })
}
// ANCHOR_END: write_zero

// ANCHOR: no_waker
/// Gets `WouldBlock` and returns `Pending`, but forgets to store the waker:
/// nothing will ever poll this future again.
fn pending_without_a_waker() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (_peer, _) = listener.accept().unwrap(); // it never sends
    ours.set_nonblocking(true).unwrap();
    code::block_on(poll_fn(|_cx| {
        let mut buf = [0; 16];
        match (&ours).read(&mut buf) {
            Ok(n) => Poll::Ready(n),
            // the bug
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            Err(e) => panic!("{e}"),
        }
    }));
}
// ANCHOR_END: no_waker
