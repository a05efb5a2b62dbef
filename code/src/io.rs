//! `AsyncRead` and `AsyncWrite`, and the helpers built on them:
//! [`read_exact`], [`write_all`] and [`copy`].
//!
//! The helpers have the semantics of their `std::io` namesakes: empty
//! buffers do no I/O, `Interrupted` is retried, an early end of stream is
//! `UnexpectedEof`, a writer that accepts nothing is `WriteZero`.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::net::AsyncTcpStream;

// ANCHOR: traits
/// Something that can be read from without blocking the thread.
///
/// `poll_read` follows the readiness pattern: it returns `Ready` with a
/// result, or stores `cx.waker()` where the thing it waits for will wake it,
/// and returns `Pending`.
pub trait AsyncRead {
    /// Reads into `buf`: `Ok(0)` means end of stream (or an empty `buf`).
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// Something that can be written to without blocking the thread.
pub trait AsyncWrite {
    /// Writes some of `buf` and says how many bytes were taken.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
}
// ANCHOR_END: traits

// The trait methods refuse another executor, as the stream's own `read` and
// `write` futures do: `read_exact`, `write_all` and `copy` would otherwise
// wait for ever under one. (The stream's inherent `poll_read` and
// `poll_write` do not check: examples drive them by hand.)
impl AsyncRead for AsyncTcpStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.reactor()
            .expect_block_on("code::io::AsyncRead::poll_read");
        AsyncTcpStream::poll_read(self, cx, buf)
    }
}

/// A shared stream reads too: one task reads through `&stream` while
/// another writes through its own `&stream`.
impl AsyncRead for &AsyncTcpStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.reactor()
            .expect_block_on("code::io::AsyncRead::poll_read");
        AsyncTcpStream::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for AsyncTcpStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.reactor()
            .expect_block_on("code::io::AsyncWrite::poll_write");
        AsyncTcpStream::poll_write(self, cx, buf)
    }
}

impl AsyncWrite for &AsyncTcpStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.reactor()
            .expect_block_on("code::io::AsyncWrite::poll_write");
        AsyncTcpStream::poll_write(self, cx, buf)
    }
}

impl<R: AsyncRead + ?Sized> AsyncRead for &mut R {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWrite for &mut W {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }
}

// ANCHOR: read_exact
/// Reads exactly `buf.len()` bytes.
///
/// Fails with `UnexpectedEof` if the stream ends first; the bytes read until
/// then are in `buf` but the count is lost. Not cancellation safe (see the
/// chapter "Cancellation safety"): dropping the future after a partial read
/// loses those bytes.
pub async fn read_exact<R>(reader: &mut R, buf: &mut [u8]) -> io::Result<()>
where
    R: AsyncRead + ?Sized,
{
    let mut filled = 0;
    while filled < buf.len() {
        match poll_fn(|cx| reader.poll_read(cx, &mut buf[filled..])).await {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("stream ended after {filled} of {} bytes", buf.len()),
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: read_exact

// ANCHOR: write_all
/// Writes all of `buf`, however many partial writes it takes.
///
/// Fails with `WriteZero` if the writer accepts no bytes: looping on `Ok(0)`
/// would never end.
pub async fn write_all<W>(writer: &mut W, mut buf: &[u8]) -> io::Result<()>
where
    W: AsyncWrite + ?Sized,
{
    while !buf.is_empty() {
        match poll_fn(|cx| writer.poll_write(cx, buf)).await {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!("writer accepted 0 bytes with {} left to write", buf.len()),
                ));
            }
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: write_all

/// The buffer size [`copy`] uses: 8 KiB, as `std::io::copy` and tokio do.
pub const COPY_BUFFER_SIZE: usize = 8 * 1024;

// ANCHOR: copy
/// Copies everything from `reader` to `writer` until end of stream and
/// returns how many bytes were copied. Uses an 8 KiB buffer.
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    // The buffer goes on the heap, not in the future. A future stores every
    // local that lives across an `.await`, so an array here would make this
    // future, and every future that awaits it, 8 KiB bigger, and an `async`
    // block that captures such a future and awaits it holds it twice. On the
    // heap the buffer is held once, and the futures stay small to move.
    copy_with_buffer(reader, writer, &mut vec![0; COPY_BUFFER_SIZE]).await
}

/// [`copy`] through a caller-provided buffer (its size is the most one read
/// or write moves). An empty buffer is an `InvalidInput` error: every read
/// into it would return `Ok(0)`, which looks like the end of the stream.
pub async fn copy_with_buffer<R, W>(
    reader: &mut R,
    writer: &mut W,
    buf: &mut [u8],
) -> io::Result<u64>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    if buf.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "copy_with_buffer needs a buffer of at least one byte",
        ));
    }
    let mut copied = 0u64;
    loop {
        let n = match poll_fn(|cx| reader.poll_read(cx, buf)).await {
            Ok(0) => return Ok(copied),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        write_all(writer, &buf[..n]).await?;
        copied += n as u64;
    }
}
// ANCHOR_END: copy
