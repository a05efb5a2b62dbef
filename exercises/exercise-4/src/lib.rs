//! Exercise 4: `copy`, then `copy_bidirectional` for a proxy.
//!
//! Part 1: pipe every byte from a reader to a writer and count them; then
//! measure how fast it is next to blocking `std::io::copy` with
//! `cargo run --release -p exercise-4`. Part 2: copy both ways between two
//! connections at once, as a proxy does.
//!
//! Read the chapter "copy and throughput" first; the task is in this crate's
//! README.md. Replace every `todo!()`, and the `let _ = …;` line above it (it
//! only keeps the unfinished stub free of unused-variable warnings). Check
//! your work with `cargo test -p exercise-4`.

use std::io;

use code::io::{AsyncRead, AsyncWrite};
use code::net::AsyncTcpStream;

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
    let _ = (reader, writer);
    todo!(
        "exercise-4: read into a buffer, write all of it, repeat until end of stream (chapter \"copy and throughput\")"
    )
}

/// Copies `a` to `b` and `b` to `a`, both at once, as a proxy between two
/// connections does, until both directions have reached the end of their
/// stream. Returns how many bytes went each way: `(a to b, b to a)`.
///
/// When one direction's source ends, the write half of its destination is
/// shut down (`shutdown(Shutdown::Write)`), so that the peer there sees the
/// end of the stream too, while the other direction goes on. An error in
/// either direction ends the whole copy with that error at once.
pub async fn copy_bidirectional(a: &AsyncTcpStream, b: &AsyncTcpStream) -> io::Result<(u64, u64)> {
    let _ = (a, b);
    todo!(
        "exercise-4: both directions at once, each shutting down its destination when its source ends (chapter \"copy and throughput\", section on proxies)"
    )
}
