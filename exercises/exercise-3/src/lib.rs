//! Exercise 3: an async echo server.
//!
//! Accept connections with `code::net::AsyncTcpListener` and serve each one
//! in its own task, so that many clients are served at once on one thread.
//! Read the chapters "AsyncTcpListener" and "An async echo server" first; the
//! task is in this crate's README.md.
//!
//! Replace every `todo!()`, and the `let _ = …;` line above it (it only
//! keeps the unfinished stub free of unused-variable warnings). Check your
//! work with `cargo test -p exercise-3`.

use std::io;

use code::net::{AsyncTcpListener, AsyncTcpStream};

/// Accepts connections on `listener` for as long as it runs, and serves
/// each one with [`echo`] in a task of its own.
///
/// Returns only if accepting fails. A connection that fails is that
/// connection's problem: it must not stop the server.
pub async fn serve(listener: AsyncTcpListener) -> io::Result<()> {
    let _ = listener;
    todo!(
        "exercise-3: accept in a loop and spawn a task per connection (chapter \"An async echo server\")"
    )
}

/// Sends back everything the client sends, until the client closes its
/// side; then returns how many bytes were echoed. Dropping the stream when
/// it returns closes the connection.
pub async fn echo(stream: AsyncTcpStream) -> io::Result<u64> {
    let _ = stream;
    todo!(
        "exercise-3: read, write back all of it, repeat until end of stream (chapter \"An async echo server\")"
    )
}
