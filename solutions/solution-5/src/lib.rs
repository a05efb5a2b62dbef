//! The solution of exercise 5: a length-prefixed frame reader and writer
//! over any `AsyncRead` / `AsyncWrite`.
//!
//! It passes the tests in `exercises/exercise-5/tests`. The book's
//! walkthrough of exercise 5 explains it (`// ANCHOR:` marks the parts it
//! shows).
//!
//! A frame on the wire is a 4-byte length, big-endian, then that many bytes
//! of payload.

use std::future::poll_fn;
use std::io;
use std::task::Poll;

use code::io::{AsyncRead, AsyncWrite};

/// The length header before every payload: a `u32`, big-endian.
pub const HEADER_LEN: usize = 4;

/// The longest payload a reader or writer accepts unless told otherwise:
/// 8 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 8 * 1024 * 1024;

/// The least room a [`FrameReader`] offers each read: 8 KiB, so that one
/// read can bring many small frames.
pub const READ_SIZE: usize = 8 * 1024;

/// A [`FrameWriter`] writes its buffer out as soon as this many bytes wait
/// in it: 8 KiB.
pub const WRITE_BUFFER_CAPACITY: usize = 8 * 1024;

// ANCHOR: reader_struct
/// Reads length-prefixed frames from `inner`.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    /// Bytes read from `inner` and not returned in a frame yet: part of the
    /// next frame, or several frames. It lives here, not in `read_frame`'s
    /// future, so a cancelled `read_frame` loses nothing.
    buf: Vec<u8>,
    max_frame_len: usize,
}
// ANCHOR_END: reader_struct

impl<R: AsyncRead> FrameReader<R> {
    /// A reader of frames up to [`DEFAULT_MAX_FRAME_LEN`] bytes long.
    pub fn new(inner: R) -> FrameReader<R> {
        FrameReader::with_max_frame_len(DEFAULT_MAX_FRAME_LEN, inner)
    }

    /// A reader that refuses a frame whose header says more than
    /// `max_frame_len` bytes.
    ///
    /// # Panics
    /// If `max_frame_len` is more than a 4-byte header can say.
    pub fn with_max_frame_len(max_frame_len: usize, inner: R) -> FrameReader<R> {
        assert!(
            u32::try_from(max_frame_len).is_ok(),
            "a 4-byte length header cannot say more than {} bytes",
            u32::MAX
        );
        FrameReader {
            inner,
            buf: Vec::new(),
            max_frame_len,
        }
    }

    /// The bytes read and not returned in a frame yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// The longest payload this reader accepts.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The reader inside.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The reader inside. Bytes still buffered are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    // ANCHOR: read_frame
    /// The next frame's payload; `Ok(None)` if the stream ended cleanly,
    /// between two frames.
    ///
    /// Errors: `UnexpectedEof` if the stream ended inside a frame (or its
    /// header); `InvalidData` if a header says more than the maximum, before
    /// anything is read or allocated for that frame. `Interrupted` is tried
    /// again. Cancellation safe: bytes read stay in the reader.
    pub async fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            // Parse first: the buffer may hold a whole frame already.
            if let Some(frame) = self.parse_frame()? {
                return Ok(Some(frame));
            }
            // Not a whole frame: read more, then try again.
            if self.read_more().await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the stream ended inside a frame, {} bytes into it",
                            self.buf.len()
                        ),
                    ))
                };
            }
        }
    }
    // ANCHOR_END: read_frame

    // ANCHOR: parse_frame
    /// A whole frame from the buffer, if there is one; no I/O.
    fn parse_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        let Some(header) = self.buf.first_chunk::<HEADER_LEN>() else {
            return Ok(None); // not even the header yet
        };
        let len = u32::from_be_bytes(*header) as usize;
        // Checked before anything is reserved or read for this frame: the
        // header is the peer's word, and it may say 4 GiB.
        if len > self.max_frame_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a frame of {len} bytes is longer than the maximum of {}",
                    self.max_frame_len
                ),
            ));
        }
        let end = HEADER_LEN + len;
        if self.buf.len() < end {
            return Ok(None); // the body is not all here yet
        }
        let frame = self.buf[HEADER_LEN..end].to_vec();
        // What follows (the next frames, or the start of one) moves to the
        // front, for the next call.
        self.buf.drain(..end);
        Ok(Some(frame))
    }
    // ANCHOR_END: parse_frame

    // ANCHOR: read_more
    /// One read into room after the buffered bytes; returns how many it
    /// added (0: the end of the stream).
    async fn read_more(&mut self) -> io::Result<usize> {
        // Room for what the frame in progress still lacks (its length was
        // checked by `parse_frame`), and never less than READ_SIZE.
        let missing = match self.buf.first_chunk::<HEADER_LEN>() {
            Some(header) => {
                (HEADER_LEN + u32::from_be_bytes(*header) as usize).saturating_sub(self.buf.len())
            }
            None => 0,
        };
        let room = missing.max(READ_SIZE);
        loop {
            let result = poll_fn(|cx| {
                // The vector grows by `room` zeroed bytes for this read and
                // shrinks back to what the read returned, within one poll:
                // between polls it holds only bytes read, so a future
                // dropped while Pending leaves no zeroes behind.
                let start = self.buf.len();
                self.buf.resize(start + room, 0);
                let poll = self.inner.poll_read(cx, &mut self.buf[start..]);
                let added = match poll {
                    Poll::Ready(Ok(n)) => n,
                    _ => 0,
                };
                self.buf.truncate(start + added);
                poll
            })
            .await;
            match result {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
    // ANCHOR_END: read_more
}

// ANCHOR: writer_struct
/// Writes length-prefixed frames to `inner`, through a buffer.
#[derive(Debug)]
pub struct FrameWriter<W> {
    inner: W,
    /// Frames written and not yet handed to `inner`: what a `flush` writes.
    buf: Vec<u8>,
    max_frame_len: usize,
}
// ANCHOR_END: writer_struct

impl<W: AsyncWrite> FrameWriter<W> {
    /// A writer of frames up to [`DEFAULT_MAX_FRAME_LEN`] bytes long.
    pub fn new(inner: W) -> FrameWriter<W> {
        FrameWriter::with_max_frame_len(DEFAULT_MAX_FRAME_LEN, inner)
    }

    /// A writer that refuses a payload longer than `max_frame_len`.
    ///
    /// # Panics
    /// If `max_frame_len` is more than a 4-byte header can say.
    pub fn with_max_frame_len(max_frame_len: usize, inner: W) -> FrameWriter<W> {
        assert!(
            u32::try_from(max_frame_len).is_ok(),
            "a 4-byte length header cannot say more than {} bytes",
            u32::MAX
        );
        FrameWriter {
            inner,
            buf: Vec::new(),
            max_frame_len,
        }
    }

    /// The bytes written and not flushed yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// The longest payload this writer accepts.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The writer inside.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The writer inside. Bytes not flushed are lost: flush first.
    pub fn into_inner(self) -> W {
        self.inner
    }

    // ANCHOR: write_frame
    /// Puts one frame (header and payload) in the buffer. If the buffer then
    /// holds [`WRITE_BUFFER_CAPACITY`] bytes or more, writes it out, so it
    /// never grows without bound; otherwise no I/O: call
    /// [`flush`](Self::flush) to send what is buffered.
    ///
    /// A payload longer than the maximum is an `InvalidInput` error, and
    /// nothing is buffered. Once polled, the frame is queued whole: a
    /// cancelled `write_frame` does not take it back.
    pub async fn write_frame(&mut self, payload: &[u8]) -> io::Result<()> {
        if payload.len() > self.max_frame_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a frame of {} bytes is longer than the maximum of {}",
                    payload.len(),
                    self.max_frame_len
                ),
            ));
        }
        // The length fits in a u32: the constructor capped the maximum.
        let header = (payload.len() as u32).to_be_bytes();
        self.buf.extend_from_slice(&header);
        self.buf.extend_from_slice(payload);
        if self.buf.len() >= WRITE_BUFFER_CAPACITY {
            self.flush().await?;
        }
        Ok(())
    }
    // ANCHOR_END: write_frame

    // ANCHOR: flush
    /// Writes everything buffered, however many writes it takes.
    ///
    /// A writer that takes nothing is a `WriteZero` error; `Interrupted` is
    /// tried again. Cancellation safe: each write's bytes leave the buffer
    /// as it returns, so a flush called again goes on where the dropped one
    /// stopped, and sends nothing twice.
    pub async fn flush(&mut self) -> io::Result<()> {
        while !self.buf.is_empty() {
            match poll_fn(|cx| self.inner.poll_write(cx, &self.buf)).await {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        format!(
                            "the writer took 0 bytes with {} left to flush",
                            self.buf.len()
                        ),
                    ));
                }
                Ok(n) => {
                    self.buf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    // ANCHOR_END: flush
}
