//! Exercise 5: a length-prefixed frame reader and writer over any
//! `AsyncRead` / `AsyncWrite`.
//!
//! A frame on the wire is a 4-byte length, big-endian, then that many bytes
//! of payload. `FrameReader` turns a stream of bytes, cut anywhere by the
//! network, back into the frames that were sent; `FrameWriter` buffers
//! frames and sends them in few writes. Read the Deeper chapter "Framing"
//! first; the task is in this crate's README.md.
//!
//! Replace every `todo!()` (in `write_frame`, also the `let _ = payload;`
//! line above it: it only keeps the unfinished stub free of an
//! unused-variable warning). You may add
//! private helpers and fields. Check your work with
//! `cargo test -p exercise-5`.

use std::io;

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

/// Reads length-prefixed frames from `inner`.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    /// Bytes read from `inner` and not returned in a frame yet: part of the
    /// next frame, or several frames.
    buf: Vec<u8>,
    max_frame_len: usize,
}

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

    /// The next frame's payload; `Ok(None)` if the stream ended cleanly,
    /// between two frames.
    ///
    /// Errors: `UnexpectedEof` if the stream ended inside a frame (or its
    /// header); `InvalidData` if a header says more than the maximum, before
    /// anything is read or allocated for that frame. `Interrupted` is tried
    /// again. Cancellation safe: bytes read stay in the reader.
    pub async fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        todo!(
            "exercise-5: read_frame, parse a whole frame from the buffer or read more \
             (README, FrameReader)"
        )
    }
}

/// Writes length-prefixed frames to `inner`, through a buffer.
#[derive(Debug)]
pub struct FrameWriter<W> {
    inner: W,
    /// Frames written and not yet handed to `inner`: what a `flush` writes.
    buf: Vec<u8>,
    max_frame_len: usize,
}

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

    /// Puts one frame (header and payload) in the buffer. If the buffer then
    /// holds [`WRITE_BUFFER_CAPACITY`] bytes or more, writes it out, so it
    /// never grows without bound; otherwise no I/O: call
    /// [`flush`](Self::flush) to send what is buffered.
    ///
    /// A payload longer than the maximum is an `InvalidInput` error, and
    /// nothing is buffered. Once polled, the frame is queued whole: a
    /// cancelled `write_frame` does not take it back.
    pub async fn write_frame(&mut self, payload: &[u8]) -> io::Result<()> {
        let _ = payload;
        todo!(
            "exercise-5: write_frame, a header and the payload into the buffer (README, FrameWriter)"
        )
    }

    /// Writes everything buffered, however many writes it takes.
    ///
    /// A writer that takes nothing is a `WriteZero` error; `Interrupted` is
    /// tried again. Cancellation safe: each write's bytes leave the buffer
    /// as it returns, so a flush called again goes on where the dropped one
    /// stopped, and sends nothing twice.
    pub async fn flush(&mut self) -> io::Result<()> {
        todo!("exercise-5: flush, write the buffer out until it is empty (README, FrameWriter)")
    }
}
