//! The solution of exercise 2: `read_exact` and `write_all`.
//!
//! It passes the tests in `exercises/exercise-2/tests`. `code::io` has the
//! same two functions.

use std::future::poll_fn;
use std::io;

use code::io::{AsyncRead, AsyncWrite};

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
