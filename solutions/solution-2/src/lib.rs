//! The solution of exercise 2: `read_exact` and `write_all`, then a
//! `BufReader` with `read_until` and `read_line`.
//!
//! It passes the tests in `exercises/exercise-2/tests`. The book's
//! walkthrough of exercise 2 explains it line by line (`// ANCHOR:` marks
//! the parts it shows). `code::io` has the same `read_exact` and
//! `write_all`.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use code::io::{AsyncRead, AsyncWrite};

// ANCHOR: read_exact
/// Reads exactly `buf.len()` bytes from `reader`.
///
/// As `std::io::Read::read_exact`: an empty `buf` does no I/O; a read that
/// fails with `Interrupted` is tried again; if the stream ends before `buf`
/// is full, the result is an error of kind `UnexpectedEof`.
pub async fn read_exact<R>(reader: &mut R, buf: &mut [u8]) -> io::Result<()>
where
    R: AsyncRead + ?Sized,
{
    let mut filled = 0;
    // The loop condition is also the empty-buffer rule: no bytes wanted, no read.
    while filled < buf.len() {
        // `poll_fn` turns one `poll_read` into a future: it returns Pending
        // (with the waker stored by the reader) until the reader is ready.
        match poll_fn(|cx| reader.poll_read(cx, &mut buf[filled..])).await {
            // A read of 0 into a non-empty buffer is the end of the stream;
            // reading again would return 0 forever.
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("stream ended after {filled} of {} bytes", buf.len()),
                ));
            }
            // A read may return fewer bytes than asked for: keep filling.
            Ok(n) => filled += n,
            // A signal cut the read short; nothing was read, try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: read_exact

// ANCHOR: write_all
/// Writes all of `buf` to `writer`, however many writes it takes.
///
/// As `std::io::Write::write_all`: an empty `buf` does no I/O; a write that
/// fails with `Interrupted` is tried again; a write that accepts 0 bytes is
/// an error of kind `WriteZero`.
pub async fn write_all<W>(writer: &mut W, mut buf: &[u8]) -> io::Result<()>
where
    W: AsyncWrite + ?Sized,
{
    while !buf.is_empty() {
        match poll_fn(|cx| writer.poll_write(cx, buf)).await {
            // Looping on a writer that takes nothing would never end.
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!("writer accepted 0 bytes with {} left to write", buf.len()),
                ));
            }
            // A partial write: the first `n` bytes are gone, send the rest.
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: write_all

/// The buffer size of [`BufReader::new`]: 8 KiB, as `std::io::BufReader`.
pub const DEFAULT_CAPACITY: usize = 8 * 1024;

// ANCHOR: buf_reader
/// A reader with a buffer in front, for reading a stream a line (or up to
/// any byte) at a time.
///
/// It reads from `inner` as much as the buffer holds, however little the
/// caller asked for, and hands it out from the buffer. Bytes that came in
/// the same read as a line stay in the buffer for the next call, whichever
/// method that is, including `poll_read`.
#[derive(Debug)]
pub struct BufReader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// The bytes read from `inner` and not handed out yet are
    /// `buf[pos..filled]`; `pos == filled` means the buffer is empty.
    pos: usize,
    filled: usize,
}

impl<R: AsyncRead> BufReader<R> {
    /// A `BufReader` with a buffer of [`DEFAULT_CAPACITY`] bytes.
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A `BufReader` with a buffer of `capacity` bytes.
    ///
    /// # Panics
    /// If `capacity` is 0: a read into an empty buffer returns `Ok(0)`,
    /// which would look like the end of the stream.
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        assert!(capacity > 0, "a BufReader needs room for at least one byte");
        BufReader {
            inner,
            buf: vec![0; capacity].into_boxed_slice(),
            pos: 0,
            filled: 0,
        }
    }

    /// The bytes read from the inner reader and not handed out yet.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// Marks the first `amount` bytes of [`buffer`](Self::buffer) as handed
    /// out.
    pub fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }

    /// The inner reader. Bytes still in the buffer are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }
    // ANCHOR_END: buf_reader

    // ANCHOR: fill_buf
    /// The buffered bytes; if there are none, first reads from the inner
    /// reader as much as the buffer holds. Empty only at the end of the
    /// stream. `Interrupted` is tried again.
    pub async fn fill_buf(&mut self) -> io::Result<&[u8]> {
        // Read only when everything read before was handed out: reading
        // over bytes not yet handed out would lose them.
        if self.pos == self.filled {
            let n = loop {
                // The whole buffer, however little the caller wants: one
                // read of a socket may bring many lines.
                match poll_fn(|cx| self.inner.poll_read(cx, &mut self.buf)).await {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    result => break result?,
                }
            };
            self.pos = 0;
            self.filled = n;
        }
        Ok(self.buffer())
    }
    // ANCHOR_END: fill_buf

    // ANCHOR: read_until
    /// Reads up to and including the next `byte`, or to the end of the
    /// stream, and appends what it read to `out`.
    ///
    /// Returns how many bytes it appended: 0 only at the end of the stream.
    /// On an error, the bytes read before it are in `out`.
    pub async fn read_until(&mut self, byte: u8, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut appended = 0;
        loop {
            let available = self.fill_buf().await?;
            if available.is_empty() {
                // The end of the stream: a last line without `byte` is
                // still a line, and 0 means nothing was left at all.
                return Ok(appended);
            }
            // Up to and including `byte` if it is here; else all of it,
            // and look further in the next read.
            let (found, used) = match available.iter().position(|&b| b == byte) {
                Some(at) => (true, at + 1),
                None => (false, available.len()),
            };
            out.extend_from_slice(&available[..used]);
            self.consume(used);
            appended += used;
            if found {
                return Ok(appended);
            }
        }
    }
    // ANCHOR_END: read_until

    // ANCHOR: read_line
    /// Reads up to and including the next `\n`, or to the end of the
    /// stream, and appends it to `out`. Returns how many bytes it appended:
    /// 0 only at the end of the stream.
    ///
    /// A line that is not valid UTF-8 is an error of kind `InvalidData`; it
    /// is consumed all the same, so the next call reads the next line. On
    /// any error `out` is left as it was.
    pub async fn read_line(&mut self, out: &mut String) -> io::Result<usize> {
        // The whole line first, then check it: a character may be split
        // between two reads, so a piece alone may not be valid UTF-8.
        let mut line = Vec::new();
        let n = self.read_until(b'\n', &mut line).await?;
        match String::from_utf8(line) {
            Ok(line) => {
                out.push_str(&line);
                Ok(n)
            }
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }
    // ANCHOR_END: read_line
}

// ANCHOR: poll_read
impl<R: AsyncRead> AsyncRead for BufReader<R> {
    /// Hands out buffered bytes first, so nothing read ahead is lost; with
    /// the buffer empty, reads from the inner reader directly.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let buffered = self.buffer();
        if buffered.is_empty() {
            // Nothing of ours to give: no need to copy through the buffer.
            return self.inner.poll_read(cx, buf);
        }
        let n = buffered.len().min(buf.len());
        buf[..n].copy_from_slice(&buffered[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}
// ANCHOR_END: poll_read
