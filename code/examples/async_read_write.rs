//! `AsyncRead` and `AsyncWrite` implemented for types of our own: an
//! in-memory pipe (the readiness pattern without a socket), a throttled
//! writer, and the bridges to futures-io. Chapter "AsyncRead and AsyncWrite".
//!
//! `cargo run -p code --example async_read_write`

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use code::io::{AsyncRead, AsyncWrite, copy, read_exact, write_all};

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
/// Dropping the writer is the pipe's end of stream (TCP's FIN): the reader
/// reads what is left, then `Ok(0)`.
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
        // A writer that takes 0 bytes of a non-empty buffer would make
        // write_all fail with WriteZero.
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

// ANCHOR: interop
/// The pipe's reader for code written against futures-io.
impl futures_io::AsyncRead for PipeReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // A `PipeReader` is `Unpin` (it is an `Rc`, which may move at any
        // time), so the pin gives up its `&mut` without `unsafe`.
        AsyncRead::poll_read(self.get_mut(), cx, buf)
    }
}

/// Any futures-io reader, for the course's helpers. `R: Unpin` lets us pin
/// a plain `&mut R` for one call; a reader that is not `Unpin` can come in
/// as `Pin<Box<R>>`, which is.
pub struct FromFutures<R>(pub R);

impl<R: futures_io::AsyncRead + Unpin> AsyncRead for FromFutures<R> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}
// ANCHOR_END: interop

// ANCHOR: extension
/// Helpers as methods of every `AsyncRead` at once: the shape of the
/// `AsyncReadExt` traits of futures and tokio. The core trait stays one
/// method long (and usable as `dyn AsyncRead`); the helpers are written
/// once, here, for all readers.
pub trait AsyncReadExt: AsyncRead {
    /// Reads exactly `buf.len()` bytes: `code::io::read_exact` as a method.
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        read_exact(self, buf)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
// ANCHOR_END: extension

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
        out += &parking().await?;
        out += &ends().await?;
        out += &throttled_copy().await?;
        out += &any_reader().await?;
        Ok::<_, io::Error>(out)
    })
    .expect("the pipe example failed")
}

/// A reader and a writer take turns through a pipe that holds 4 bytes.
async fn parking() -> io::Result<String> {
    let log = Log::default();
    let (tx, rx) = pipe(4);
    let mut reader = Traced::new("read", rx, &log);
    let mut writer = Traced::new("write", tx, &log);
    // The reader starts first and finds the pipe empty.
    let reading = code::spawn(async move {
        let mut buf = [0; 11];
        read_exact(&mut reader, &mut buf).await.map(|()| buf)
    });
    let writing = code::spawn(async move { write_all(&mut writer, b"hello, pipe").await });
    writing.await?;
    let got = reading.await?;
    let mut out = "1. A pipe of 4 bytes: the reader parks when it is empty, the writer \
                   when it is full\n"
        .to_string();
    for line in log.borrow().iter() {
        out += &format!("{line}\n");
    }
    out += &format!("  the reader got {:?}\n", String::from_utf8_lossy(&got));
    Ok(out)
}

/// Dropping one end: end of stream for the reader, `BrokenPipe` for the
/// writer.
async fn ends() -> io::Result<String> {
    let mut out = "2. The ends of a pipe\n".to_string();
    let (mut tx, mut rx) = pipe(16);
    write_all(&mut tx, b"bye").await?;
    drop(tx);
    let mut buf = [0; 8];
    out += &format!(
        "  writer dropped after 3 bytes, read_exact of 8:\n    {}\n",
        show(read_exact(&mut rx, &mut buf).await)
    );
    let more = std::future::poll_fn(|cx| rx.poll_read(cx, &mut buf)).await;
    out += &format!("  one more read: {more:?}\n");

    let (mut tx, rx) = pipe(16);
    drop(rx);
    out += &format!(
        "  reader dropped, write_all: {}\n",
        show(write_all(&mut tx, b"anyone?").await)
    );
    Ok(out)
}

/// `copy` from one pipe into another through a writer that takes at most 3
/// bytes per call.
async fn throttled_copy() -> io::Result<String> {
    let log = Log::default();
    let (mut tx_a, mut rx_a) = pipe(64);
    let (tx_b, mut rx_b) = pipe(64);
    write_all(&mut tx_a, b"hello, throttle").await?;
    drop(tx_a);
    let mut throttled = Traced::new("throttle", Throttled::new(tx_b, 3), &log);
    let copied = copy(&mut rx_a, &mut throttled).await?;
    drop(throttled); // end of stream for pipe b
    let mut got = [0; 15];
    read_exact(&mut rx_b, &mut got).await?;

    let mut out = "3. copy through Throttled (3 bytes per call)\n".to_string();
    for line in log.borrow().iter() {
        out += &format!("{line}\n");
    }
    out += &format!(
        "  copy returned {copied}; the other pipe holds {:?}\n",
        String::from_utf8_lossy(&got)
    );
    Ok(out)
}

/// One extension method for readers of different types, behind `dyn`.
async fn any_reader() -> io::Result<String> {
    let (mut tx_a, rx_a) = pipe(16);
    let (mut tx_b, rx_b) = pipe(16);
    write_all(&mut tx_a, b"plain").await?;
    write_all(&mut tx_b, b"round trip").await?;
    // (what it is, how many bytes to read, the reader)
    let readers: Vec<(&str, usize, Box<dyn AsyncRead>)> = vec![
        ("a PipeReader", 5, Box::new(rx_a)),
        (
            "a PipeReader, as futures-io reader and back",
            10,
            Box::new(FromFutures(rx_b)),
        ),
    ];
    let mut out = "4. One helper for any reader, through Box<dyn AsyncRead>\n".to_string();
    for (what, len, mut reader) in readers {
        let mut buf = vec![0; len];
        reader.read_exact(&mut buf).await?;
        out += &format!("  {what}: {:?}\n", String::from_utf8_lossy(&buf));
    }
    Ok(out)
}
// ANCHOR_END: run

fn show(result: io::Result<()>) -> String {
    match result {
        Ok(()) => "Ok(())".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}
