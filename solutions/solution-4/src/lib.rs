//! The solution of exercise 4: `copy`.
//!
//! It passes the tests in `exercises/exercise-4/tests`. `code::io::copy` is
//! the same function.

use std::future::poll_fn;
use std::io;

use code::io::{AsyncRead, AsyncWrite, write_all};

/// The buffer size: 8 KiB, as `std::io::copy` uses, so the throughput
/// measurement compares the runtimes and not the buffers.
const BUFFER_SIZE: usize = 8 * 1024;

/// Copies everything from `reader` to `writer` until the end of the stream
/// and returns how many bytes were copied.
///
/// As `std::io::copy`: a read or write that fails with `Interrupted` is
/// tried again; any other error is returned; a writer that accepts 0 bytes
/// is an error of kind `WriteZero`.
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    let mut buf = [0; BUFFER_SIZE];
    // u64, not usize: a long-lived copy can pass 4 GiB on a 32-bit target.
    let mut copied = 0u64;
    loop {
        let n = match poll_fn(|cx| reader.poll_read(cx, &mut buf)).await {
            // End of stream: everything was copied.
            Ok(0) => return Ok(copied),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // The writer may take only part of it at a time; write_all loops,
        // retries Interrupted and turns a write of 0 bytes into WriteZero.
        write_all(writer, &buf[..n]).await?;
        copied += n as u64;
    }
}
