//! Stand-in readers and writers for the tests of exercises 2, 4 and 5: they
//! misbehave on purpose, the way sockets do now and then (a few bytes at a
//! time, "not ready yet", `Interrupted`, a writer that takes nothing), and
//! count how they were used. Every test file that needs them includes this
//! one file, so they cannot drift apart.

// Each exercise's tests use some of these, not all.
#![allow(dead_code)]

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use code::io::{AsyncRead, AsyncWrite};

/// How many calls a mock takes after it has answered for good (the end of
/// the stream, an error, a write of nothing) before it fails the test.
/// Code that calls again and again after such an answer would otherwise loop
/// without end, inside one poll where no time limit can stop it, and keep a
/// core busy for the rest of the test run; a few calls more are allowed (a
/// reader may be asked again after the end of its stream).
pub const MOST_CALLS_AFTER_THE_END: usize = 1000;

/// A reader that hands out `data` a few bytes at a time and is "not ready
/// yet" before every chunk, like a socket that receives a trickle.
pub struct TrickleReader {
    pub data: Vec<u8>,
    pub at: usize,
    pub chunk: usize,
    pub ready: bool,
    /// Return `Interrupted` this many times first.
    pub interruptions: usize,
    /// Polls after the end of the stream was reported.
    pub polls_after_eof: usize,
    pub eof_reported: bool,
    /// Reads that returned data (`Ready(Ok(n))` with `n > 0`).
    pub reads: usize,
    /// The longest `buf` any read asked to fill.
    pub largest_request: usize,
}

impl TrickleReader {
    pub fn new(data: Vec<u8>, chunk: usize) -> TrickleReader {
        TrickleReader {
            data,
            at: 0,
            chunk,
            ready: false,
            interruptions: 0,
            polls_after_eof: 0,
            eof_reported: false,
            reads: 0,
            largest_request: 0,
        }
    }
}

impl AsyncRead for TrickleReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.eof_reported {
            self.polls_after_eof += 1;
            read_after_the_end(self.polls_after_eof);
        }
        self.largest_request = self.largest_request.max(buf.len());
        if self.interruptions > 0 {
            self.interruptions -= 1;
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        if !self.ready {
            // Not ready: ask to be polled again soon, as a reactor would.
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let n = self.chunk.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        if n == 0 {
            self.eof_reported = true;
        } else {
            self.reads += 1;
        }
        Poll::Ready(Ok(n))
    }
}

/// A writer that takes at most `chunk` bytes per write and is "not ready
/// yet" before every write, like a socket with a full buffer.
pub struct TrickleWriter {
    pub written: Vec<u8>,
    pub chunk: usize,
    pub ready: bool,
    pub interruptions: usize,
}

impl TrickleWriter {
    pub fn new(chunk: usize) -> TrickleWriter {
        TrickleWriter {
            written: Vec::new(),
            chunk,
            ready: false,
            interruptions: 0,
        }
    }
}

impl AsyncWrite for TrickleWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.interruptions > 0 {
            self.interruptions -= 1;
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let n = self.chunk.min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
}

/// Fails the test once a reader has been asked again and again after it
/// returned `Ok(0)`: `calls` is how many reads came after that.
fn read_after_the_end(calls: usize) {
    assert!(
        calls < MOST_CALLS_AFTER_THE_END,
        "poll_read was called {calls} times after it returned Ok(0), the end of the stream: \
         Ok(0) means that no more bytes will ever come, so stop reading and return. (Only \
         Ok(0) is the end: a read that returns fewer bytes than the buffer holds is not.)"
    );
}

/// A reader or writer that fails every call with `kind`.
pub struct Failing {
    pub kind: io::ErrorKind,
    pub calls: usize,
}

impl Failing {
    fn fail(&mut self, who: &str) -> Poll<io::Result<usize>> {
        self.calls += 1;
        assert!(
            self.calls < MOST_CALLS_AFTER_THE_END,
            "{who} was called {} times although it failed every time with {:?}: only \
             Interrupted is tried again; return any other error at once",
            self.calls,
            self.kind
        );
        Poll::Ready(Err(self.kind.into()))
    }
}

impl AsyncRead for Failing {
    fn poll_read(&mut self, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
        self.fail("poll_read")
    }
}

impl AsyncWrite for Failing {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.fail("poll_write")
    }
}

/// A writer that accepts nothing: every write returns `Ok(0)`.
pub struct FullWriter;

thread_local! {
    /// Calls of [`FullWriter::poll_write`] on this thread (each test has its
    /// own thread).
    static FULL_WRITER_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl AsyncWrite for FullWriter {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        let calls = FULL_WRITER_CALLS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        assert!(
            calls < MOST_CALLS_AFTER_THE_END,
            "poll_write returned Ok(0) {calls} times and was called again: a writer that takes \
             nothing will never take the bytes, so trying again loops for ever. Fail with an \
             error of kind WriteZero instead"
        );
        Poll::Ready(Ok(0))
    }
}

/// A reader and writer that must not be used at all.
pub struct Untouchable;

impl AsyncRead for Untouchable {
    fn poll_read(&mut self, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
        panic!("poll_read was called for an empty buffer: with nothing to read, do no I/O at all")
    }
}

impl AsyncWrite for Untouchable {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        panic!(
            "poll_write was called (for an empty buffer, or by a copy of an empty stream): with nothing to write, do no I/O at all"
        )
    }
}

// ---------------------------------------------------------------------------
// A reader and a writer that are not ready until another thread says so, as
// a socket is not until data or room arrives: they keep the waker they were
// polled with, as the reactor does, and that thread wakes it. They count
// their polls, so a test can tell a task that parked (polled twice: once to
// find them not ready, once when woken) from one that busy-polls them.

thread_local! {
    /// The waker of the task polling a [`watched`] future, this poll.
    static TASK_WAKER: RefCell<Option<Waker>> = const { RefCell::new(None) };
}

/// Runs `future`, telling the gated readers and writers it polls which
/// waker its task was polled with: they refuse (panic at) any other.
pub async fn watched<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        TASK_WAKER.with(|w| *w.borrow_mut() = Some(cx.waker().clone()));
        let poll = future.as_mut().poll(cx);
        TASK_WAKER.with(|w| *w.borrow_mut() = None);
        poll
    })
    .await
}

/// Closed until another thread opens it; the waker of whoever waits for it.
pub struct Gate {
    /// `true` once opened; with the waker under one lock, so that an opening
    /// between a poll's look and its storing the waker cannot be lost.
    state: Mutex<(bool, Option<Waker>)>,
    /// The chapter a learner should reread, for the messages.
    chapter: &'static str,
}

impl Gate {
    pub fn new(chapter: &'static str) -> Arc<Gate> {
        Arc::new(Gate {
            state: Mutex::new((false, None)),
            chapter,
        })
    }

    /// Opens the gate after `delay`, on a thread of its own.
    pub fn open_after(self: &Arc<Gate>, delay: Duration) -> thread::JoinHandle<()> {
        let gate = Arc::clone(self);
        thread::spawn(move || {
            thread::sleep(delay);
            gate.open();
        })
    }

    /// Opens the gate and wakes the waker that waits for it.
    pub fn open(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `Ready` if the gate is open; else keeps `cx.waker()` and returns
    /// `Pending`. `who` names the caller's method, for the messages.
    fn poll_open(&self, cx: &mut Context<'_>, who: &str) -> Poll<()> {
        let foreign = TASK_WAKER.with(|w| {
            w.borrow()
                .as_ref()
                .is_some_and(|task| !task.will_wake(cx.waker()))
        });
        assert!(
            !foreign,
            "{who} was called with a waker that is not the waker of the task being polled. \
             A reader or writer that is not ready keeps the waker it is given and wakes it \
             when it is ready, so that must be the task's own: pass on the cx the task was \
             polled with (poll_fn(|cx| reader.poll_read(cx, buf)) does), never a waker of \
             your own making such as Waker::noop() (chapter \"{}\")",
            self.chapter
        );
        let mut state = self.state.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A reader of `data` that is not ready until its gate opens; then it gives
/// all it can, then the end of the stream.
pub struct GatedReader {
    pub data: Vec<u8>,
    pub at: usize,
    pub gate: Arc<Gate>,
    /// Every call of `poll_read`.
    pub polls: usize,
    /// Reads that returned `Ok(0)`, the end of the stream, for a buffer
    /// with room.
    pub ends: usize,
}

impl GatedReader {
    pub fn new(data: &[u8], gate: &Arc<Gate>) -> GatedReader {
        GatedReader {
            data: data.to_vec(),
            at: 0,
            gate: Arc::clone(gate),
            polls: 0,
            ends: 0,
        }
    }
}

impl AsyncRead for GatedReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.polls += 1;
        if self.gate.poll_open(cx, "poll_read").is_pending() {
            return Poll::Pending;
        }
        let n = buf.len().min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        if n == 0 && !buf.is_empty() {
            self.ends += 1;
            // The first `Ok(0)` is the end itself; the ones after it are
            // reads after the end.
            read_after_the_end(self.ends - 1);
        }
        Poll::Ready(Ok(n))
    }
}

/// A writer that is not ready until its gate opens; then it takes all.
pub struct GatedWriter {
    pub written: Vec<u8>,
    pub gate: Arc<Gate>,
    /// Every call of `poll_write`.
    pub polls: usize,
}

impl GatedWriter {
    pub fn new(gate: &Arc<Gate>) -> GatedWriter {
        GatedWriter {
            written: Vec::new(),
            gate: Arc::clone(gate),
            polls: 0,
        }
    }
}

impl AsyncWrite for GatedWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.polls += 1;
        if self.gate.poll_open(cx, "poll_write").is_pending() {
            return Poll::Pending;
        }
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
}
