//! Exercise 4: `copy`.
//!
//! Pipe every byte from a reader to a writer and count them; then measure
//! how fast it is next to blocking `std::io::copy` with
//! `cargo run --release -p exercise-4`. Read the chapter "copy and
//! throughput" first; the task is in this crate's README.md.
//!
//! Replace the `todo!()`, and the `let _ = …;` line above it (it only keeps
//! the unfinished stub free of unused-variable warnings). Check your work
//! with `cargo test -p exercise-4`.

use std::io;

use code::io::{AsyncRead, AsyncWrite};

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
