//! Exercise 2: `read_exact` and `write_all`.
//!
//! Write the two helpers every protocol needs, for any reader and writer of
//! the `code` runtime. Read the chapter "Partial reads and writes" first; the
//! task is in this crate's README.md.
//!
//! Replace every `todo!()`, and the `let _ = …;` line above it (it only
//! keeps the unfinished stub free of unused-variable warnings). Check your
//! work with `cargo test -p exercise-2`.

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
    let _ = (reader, buf);
    todo!("exercise-2: read until buf is full (chapter \"Partial reads and writes\")")
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
    todo!("exercise-2: write until buf is empty (chapter \"Partial reads and writes\")")
}
