//! Exercise 2: `read_exact` and `write_all`, then a `BufReader` with
//! `read_until` and `read_line`.
//!
//! Part 1 writes the two helpers every protocol needs, for any reader and
//! writer of the `code` runtime. Part 2 applies the same loops to something
//! the book does not show: reading a stream a line at a time. Read the
//! chapter "Partial reads and writes" first; the task is in this crate's
//! README.md.
//!
//! Replace every `todo!()`, and the `let _ = …;` line above it (it only
//! keeps the unfinished stub free of unused-variable warnings). Check your
//! work with `cargo test -p exercise-2` (both parts), or part 2 alone with
//! `cargo test -p exercise-2 buf_reader` (a filter on the test names).

use std::io;
use std::task::{Context, Poll};

use code::io::{AsyncRead, AsyncWrite};

// Part 1: read_exact and write_all.

/// Reads exactly `buf.len()` bytes from `reader`.
///
/// As `std::io::Read::read_exact`: an empty `buf` does no I/O; a read that
/// fails with `Interrupted` is tried again; if the stream ends before `buf`
/// is full, the result is an error of kind `UnexpectedEof`.
pub async fn read_exact<R>(reader: &mut R, buf: &mut [u8]) -> io::Result<()>
where
    R: AsyncRead + ?Sized,
{
    let _ = (reader, buf);
    todo!("exercise-2: read until buf is full (chapter \"Partial reads and writes\", read_exact)")
}

/// Writes all of `buf` to `writer`, however many writes it takes.
///
/// As `std::io::Write::write_all`: an empty `buf` does no I/O; a write that
/// fails with `Interrupted` is tried again; a write that accepts 0 bytes is
/// an error of kind `WriteZero`.
pub async fn write_all<W>(writer: &mut W, buf: &[u8]) -> io::Result<()>
where
    W: AsyncWrite + ?Sized,
{
    let _ = (writer, buf);
    todo!(
        "exercise-2: write until buf is empty (chapter \"Partial reads and writes\", section \
         \"Your turn: write_all\")"
    )
}

// Part 2: BufReader, read_until and read_line.

/// The buffer size of [`BufReader::new`]: 8 KiB, as `std::io::BufReader`.
pub const DEFAULT_CAPACITY: usize = 8 * 1024;

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

    /// The buffered bytes; if there are none, first reads from the inner
    /// reader as much as the buffer holds. Empty only at the end of the
    /// stream. `Interrupted` is tried again.
    pub async fn fill_buf(&mut self) -> io::Result<&[u8]> {
        todo!(
            "exercise-2: fill_buf, one read into the whole buffer when it is empty (README, part 2)"
        )
    }

    /// Reads up to and including the next `byte`, or to the end of the
    /// stream, and appends what it read to `out`.
    ///
    /// Returns how many bytes it appended: 0 only at the end of the stream.
    /// On an error, the bytes read before it are in `out`.
    pub async fn read_until(&mut self, byte: u8, out: &mut Vec<u8>) -> io::Result<usize> {
        let _ = (byte, out);
        todo!("exercise-2: read_until, taking bytes out of fill_buf (README, part 2)")
    }

    /// Reads up to and including the next `\n`, or to the end of the
    /// stream, and appends it to `out`. Returns how many bytes it appended:
    /// 0 only at the end of the stream.
    ///
    /// A line that is not valid UTF-8 is an error of kind `InvalidData`; it
    /// is consumed all the same, so the next call reads the next line. On
    /// any error `out` is left as it was.
    pub async fn read_line(&mut self, out: &mut String) -> io::Result<usize> {
        let _ = out;
        todo!("exercise-2: read_line, read_until(b'\\n') and a check for UTF-8 (README, part 2)")
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    /// Hands out buffered bytes first, so nothing read ahead is lost; with
    /// the buffer empty, reads from the inner reader.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let _ = (cx, buf);
        todo!("exercise-2: BufReader's poll_read, buffered bytes first (README, part 2)")
    }
}
