//! `AsyncRead` and `AsyncWrite` implemented for types of our own: an
//! in-memory pipe (the readiness pattern without a socket) and a throttled
//! writer, driven one poll at a time. Chapter "AsyncRead and AsyncWrite"
//! (the Deeper page "The ecosystem's traits" uses the pipe too).
//!
//! `cargo run -p code --example async_read_write`

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use code::io::{AsyncRead, AsyncWrite};

fn main() {
    print!("{}", run());
}

// ANCHOR: pipe
/// One direction of an in-memory byte stream: what the `PipeWriter` writes,
/// the `PipeReader` reads, through a buffer that holds `capacity` bytes.
pub fn pipe(capacity: usize) -> (PipeWriter, PipeReader) {
    assert!(
        capacity > 0,
        "a pipe that holds nothing could never be written"
    );
    let pipe = Rc::new(RefCell::new(Pipe {
        bytes: VecDeque::with_capacity(capacity),
        capacity,
        writer_gone: false,
        reader_gone: false,
        reader_waker: None,
        writer_waker: None,
    }));
    (PipeWriter(Rc::clone(&pipe)), PipeReader(pipe))
}

/// What the two ends share. The pipe is its own reactor: each end stores
/// its waker here when it cannot go on, and the other end wakes it when it
/// changes what the waiting end is waiting for.
struct Pipe {
    /// Written and not yet read; never more than `capacity`.
    bytes: VecDeque<u8>,
    capacity: usize,
    /// The writer was dropped: once `bytes` is empty, reads return `Ok(0)`.
    writer_gone: bool,
    /// The reader was dropped: writes fail with `BrokenPipe`.
    reader_gone: bool,
    /// Stored by a read that found `bytes` empty.
    reader_waker: Option<Waker>,
    /// Stored by a write that found `bytes` full.
    writer_waker: Option<Waker>,
}

/// The reading end of a [`pipe`].
pub struct PipeReader(Rc<RefCell<Pipe>>);

/// The writing end of a [`pipe`].
pub struct PipeWriter(Rc<RefCell<Pipe>>);

/// Wakes the waker taken out of a slot, if there was one. Called after the
/// `RefCell` borrow ends: an executor may run code on `wake` (ours only
/// queues the task), and that code may use the pipe.
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}
// ANCHOR_END: pipe

// ANCHOR: pipe_read
impl AsyncRead for PipeReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut pipe = self.0.borrow_mut();
        // 1. Try: take what is there, at most `buf.len()` bytes.
        if !pipe.bytes.is_empty() {
            let n = pipe.bytes.len().min(buf.len());
            for (slot, byte) in buf.iter_mut().zip(pipe.bytes.drain(..n)) {
                *slot = byte;
            }
            // 2. Done. There is room now: wake a writer that waits for it.
            let writer = pipe.writer_waker.take();
            drop(pipe);
            wake(writer);
            return Poll::Ready(Ok(n));
        }
        if pipe.writer_gone {
            // 2. Empty for good: end of stream.
            return Poll::Ready(Ok(0));
        }
        // 3. Empty for now: store our waker where the writer will look...
        pipe.reader_waker = Some(cx.waker().clone());
        // 4. ...and let the executor run something else.
        Poll::Pending
    }
}
// ANCHOR_END: pipe_read

// ANCHOR: pipe_write
impl AsyncWrite for PipeWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut pipe = self.0.borrow_mut();
        if pipe.reader_gone {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the pipe's reader is gone",
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // 1. Try: take as much as there is room for.
        let room = pipe.capacity - pipe.bytes.len();
        if room > 0 {
            let n = room.min(buf.len());
            pipe.bytes.extend(&buf[..n]);
            // 2. Done, maybe partly. Wake a reader that waits for bytes.
            let reader = pipe.reader_waker.take();
            drop(pipe);
            wake(reader);
            return Poll::Ready(Ok(n));
        }
        // 3. Full: store our waker where the reader will look...
        pipe.writer_waker = Some(cx.waker().clone());
        // 4. ...and wait.
        Poll::Pending
    }
}
// ANCHOR_END: pipe_write

// ANCHOR: pipe_drop
/// Dropping the writer is the pipe's end of stream (as when a TCP peer
/// closes its sending half): the reader reads what is left, then `Ok(0)`.
impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut pipe = self.0.borrow_mut();
        pipe.writer_gone = true;
        let reader = pipe.reader_waker.take();
        drop(pipe);
        wake(reader); // a waiting reader must learn that nothing more comes
    }
}

/// Dropping the reader makes every later write fail, as a write to a
/// closed socket does.
impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut pipe = self.0.borrow_mut();
        pipe.reader_gone = true;
        let writer = pipe.writer_waker.take();
        drop(pipe);
        wake(writer);
    }
}
// ANCHOR_END: pipe_drop

// ANCHOR: throttled
/// Passes at most `max` bytes per call on to the writer it wraps, the way a
/// socket with a small send buffer takes them.
pub struct Throttled<W> {
    inner: W,
    max: usize,
}

impl<W: AsyncWrite> Throttled<W> {
    pub fn new(inner: W, max: usize) -> Throttled<W> {
        // A writer that takes 0 bytes of a non-empty buffer looks like one
        // that will never take more: a loop that writes everything gives up.
        assert!(max > 0, "a throttle must let something through");
        Throttled { inner, max }
    }
}

impl<W: AsyncWrite> AsyncWrite for Throttled<W> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.max);
        // `Pending` passes through as it is: the inner writer has stored the
        // waker. A wrapper that said `Pending` on its own account would have
        // to arrange the wake itself.
        self.inner.poll_write(cx, &buf[..n])
    }
}
// ANCHOR_END: throttled

/// Notes kept by [`Traced`] wrappers, in the order the polls happened.
type Log = Rc<RefCell<Vec<String>>>;

/// Wraps a reader or a writer and notes every poll and its result.
struct Traced<T> {
    name: &'static str,
    inner: T,
    log: Log,
}

impl<T> Traced<T> {
    fn new(name: &'static str, inner: T, log: &Log) -> Traced<T> {
        Traced {
            name,
            inner,
            log: Rc::clone(log),
        }
    }

    fn note(&self, what: String) {
        self.log
            .borrow_mut()
            .push(format!("  {:<10}{what}", format!("{}:", self.name)));
    }
}

impl<R: AsyncRead> AsyncRead for Traced<R> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = self.inner.poll_read(cx, buf);
        self.note(match &poll {
            Poll::Pending => "Pending".to_string(),
            Poll::Ready(Ok(n)) => format!("Ok({n}) {:?}", String::from_utf8_lossy(&buf[..*n])),
            Poll::Ready(Err(e)) => format!("Err({:?})", e.kind()),
        });
        poll
    }
}

impl<W: AsyncWrite> AsyncWrite for Traced<W> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = self.inner.poll_write(cx, buf);
        self.note(match &poll {
            Poll::Pending => "Pending".to_string(),
            Poll::Ready(Ok(n)) => format!(
                "Ok({n}) {:?} of {:?}",
                String::from_utf8_lossy(&buf[..*n]),
                String::from_utf8_lossy(buf)
            ),
            Poll::Ready(Err(e)) => format!("Err({:?})", e.kind()),
        });
        poll
    }
}

// ANCHOR: run
pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        out += &parking(4).await?;
        out += &reader_gone().await?;
        out += &throttled().await?;
        Ok::<_, io::Error>(out)
    })
    .expect("the pipe example failed")
}

/// A reader and a writer take turns through a pipe of `capacity` bytes.
pub async fn parking(capacity: usize) -> io::Result<String> {
    let log = Log::default();
    let (tx, rx) = pipe(capacity);
    let got = take_turns(rx, tx, &log).await?;
    let mut out = format!("1. A pipe of {capacity} bytes\n");
    out += &show_log(&log, &got);
    let count = |end: &str| log.borrow().iter().filter(|l| l.starts_with(end)).count();
    out += &format!(
        "  capacity {capacity}: {} polls of the reader, {} of the writer\n",
        count("  read"),
        count("  write")
    );
    Ok(out)
}

/// Dropping the reader: every later write fails.
async fn reader_gone() -> io::Result<String> {
    let (mut tx, rx) = pipe(16);
    drop(rx);
    let result = poll_fn(|cx| tx.poll_write(cx, b"anyone?")).await;
    Ok(format!(
        "2. The reader is gone\n  a write: {}\n",
        show(result)
    ))
}

/// The same turns, with `Throttled` (3 bytes per call) around the writer.
async fn throttled() -> io::Result<String> {
    let log = Log::default();
    let (tx, rx) = pipe(4);
    let got = take_turns(rx, Throttled::new(tx, 3), &log).await?;
    Ok(
        "3. A pipe of 4 bytes, written through Throttled (3 bytes per call)\n".to_string()
            + &show_log(&log, &got),
    )
}

/// Two tasks, each driving its end one poll at a time (`poll_fn` turns one
/// `poll_read` or `poll_write` into a future to await).
async fn take_turns<W>(reader: PipeReader, writer: W, log: &Log) -> io::Result<Vec<u8>>
where
    W: AsyncWrite + 'static,
{
    let mut reader = Traced::new("read", reader, log);
    let mut writer = Traced::new("write", writer, log);
    // The reader starts first and finds the pipe empty. It reads until the
    // end of the stream, `Ok(0)`.
    let reading = code::spawn(async move {
        let (mut got, mut buf) = (Vec::new(), [0; 8]);
        loop {
            match poll_fn(|cx| reader.poll_read(cx, &mut buf)).await? {
                0 => return Ok::<_, io::Error>(got),
                n => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    // A write takes what there is room for, so the writer goes on with the
    // rest. When the task ends, `writer` is dropped: the reader's end of
    // stream.
    let writing = code::spawn(async move {
        let mut rest: &[u8] = b"hello, pipe";
        while !rest.is_empty() {
            let n = poll_fn(|cx| writer.poll_write(cx, rest)).await?;
            rest = &rest[n..];
        }
        Ok::<_, io::Error>(())
    });
    writing.await?;
    reading.await
}
// ANCHOR_END: run

fn show_log(log: &Log, got: &[u8]) -> String {
    let mut out = String::new();
    for line in log.borrow().iter() {
        out += &format!("{line}\n");
    }
    out + &format!("  the reader got {:?}\n", String::from_utf8_lossy(got))
}

fn show(result: io::Result<usize>) -> String {
    match result {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}
