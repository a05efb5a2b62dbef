//! The solution of exercise 4: `copy`, then `copy_bidirectional` for a
//! proxy.
//!
//! It passes the tests in `exercises/exercise-4/tests`. `copy` is the same
//! function as `code::io::copy`. The book's walkthrough of exercise 4
//! explains it line by line.

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
use std::pin::pin;
use std::task::Poll;

use code::io::{AsyncRead, AsyncWrite, write_all};
use code::net::AsyncTcpStream;

// ANCHOR: copy
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
    // On the heap, not in the future: a local that lives across an `.await`
    // is stored in the future, so an array here would make every copy's
    // future, and every task that runs one, 8 KiB bigger.
    let mut buf = vec![0; BUFFER_SIZE];
    // u64, not usize: a long-lived copy can pass 4 GiB on a 32-bit target.
    let mut copied = 0u64;
    loop {
        // One read, of whatever has arrived: never `read_exact`, which
        // would wait for a full buffer that the peer may never send.
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
// ANCHOR_END: copy

// ANCHOR: copy_bidirectional
/// Copies `a` to `b` and `b` to `a`, both at once, as a proxy between two
/// connections does, until both directions have reached the end of their
/// stream. Returns how many bytes went each way: `(a to b, b to a)`.
///
/// When one direction's source ends, the write half of its destination is
/// shut down (`shutdown(Shutdown::Write)`), so that the peer there sees the
/// end of the stream too, while the other direction goes on. An error in
/// either direction ends the whole copy with that error at once.
pub async fn copy_bidirectional(a: &AsyncTcpStream, b: &AsyncTcpStream) -> io::Result<(u64, u64)> {
    let mut a_to_b = pin!(one_way(a, b));
    let mut b_to_a = pin!(one_way(b, a));
    let (mut a_to_b_done, mut b_to_a_done) = (None, None);
    // Two futures in one task: each poll of this task polls every direction
    // that is not done yet. Both leave this task's waker with the reactor
    // (in different slots: a's read and b's write for one direction, b's
    // read and a's write for the other), so a wake from either polls both;
    // the direction that was not ready tries, gets WouldBlock and stores
    // the waker again, which is harmless.
    // Which direction is polled first takes turns, poll by poll. A poll of
    // the task has one cooperative budget: a direction whose sockets are
    // always ready can spend all of it, and the one polled after it then
    // gets only `Pending`, poll after poll, if it always came second.
    let mut a_to_b_first = true;
    poll_fn(|cx| {
        for a_to_b_turn in [a_to_b_first, !a_to_b_first] {
            // A finished future must not be polled again, hence the checks.
            if a_to_b_turn && a_to_b_done.is_none() {
                if let Poll::Ready(result) = a_to_b.as_mut().poll(cx) {
                    // `?`: an error ends both directions at once.
                    a_to_b_done = Some(result?);
                }
            }
            if !a_to_b_turn && b_to_a_done.is_none() {
                if let Poll::Ready(result) = b_to_a.as_mut().poll(cx) {
                    b_to_a_done = Some(result?);
                }
            }
        }
        a_to_b_first = !a_to_b_first;
        match (a_to_b_done, b_to_a_done) {
            (Some(sent), Some(received)) => Poll::Ready(Ok((sent, received))),
            _ => Poll::Pending,
        }
    })
    .await
}

/// One direction: copies `from` to `to` until `from` ends, then shuts down
/// `to` for writing, so the peer on that side reads the end of the stream.
async fn one_way(from: &AsyncTcpStream, to: &AsyncTcpStream) -> io::Result<u64> {
    let (mut reader, mut writer) = (from, to);
    let copied = copy(&mut reader, &mut writer).await?;
    to.shutdown(Shutdown::Write)?;
    Ok(copied)
}
// ANCHOR_END: copy_bidirectional
