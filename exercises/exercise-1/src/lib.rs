//! Exercise 1: `AsyncTcpStream`.
//!
//! Build a TCP stream whose reads and writes are futures, on the `code`
//! runtime's reactor and executor. Read the chapters "The readiness pattern"
//! and "AsyncTcpStream" first; the task is in this crate's README.md.
//!
//! Replace every `todo!()`, and the `let _ = …;` line above it (it only
//! keeps the unfinished stub free of unused-variable warnings). Check your
//! work with `cargo test -p exercise-1`.

use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use code::mio::{self, Token};
use code::reactor::Reactor;

/// A TCP connection whose reads and writes are futures.
///
/// Methods take `&self`, so a reader task and a writer task can share one
/// stream through an `Rc`.
#[derive(Debug)]
pub struct AsyncTcpStream {
    /// The socket, in non-blocking mode.
    inner: mio::net::TcpStream,
    /// How the reactor knows this socket.
    token: Token,
    /// The reactor the socket is registered with (kept for `Drop`).
    reactor: Rc<Reactor>,
}

impl AsyncTcpStream {
    /// Takes over a connected `std` stream: switch it to non-blocking mode,
    /// wrap it in a `mio::net::TcpStream`, and register it with this
    /// thread's reactor (`code::reactor()`) so that both a reader and a
    /// writer can be woken.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<AsyncTcpStream> {
        let _ = stream;
        todo!("exercise-1: register the stream with code::reactor() (chapter \"AsyncTcpStream\")")
    }

    /// Reads into `buf`: `Ready(Ok(n))` with the bytes read (0 at end of
    /// stream), `Ready(Err(_))` on an error, or `Pending` once the task's
    /// waker is stored, to be polled again when data arrives.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let _ = (cx, buf);
        todo!(
            "exercise-1: try the read; on WouldBlock store the waker (chapter \"The readiness pattern\")"
        )
    }

    /// Writes some of `buf`: `Ready(Ok(n))` with the bytes the socket took,
    /// `Ready(Err(_))`, or `Pending` once the task's waker is stored, to be
    /// polled again when the socket has room.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let _ = (cx, buf);
        todo!(
            "exercise-1: try the write; on WouldBlock store the waker (chapter \"AsyncTcpStream\")"
        )
    }

    /// Reads into `buf`; `.await` it for the number of bytes read.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        let _ = buf;
        todo!("exercise-1: return a ReadFuture (chapter \"AsyncTcpStream\")")
    }

    /// Writes some of `buf`; `.await` it for the number of bytes written.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        let _ = buf;
        todo!("exercise-1: return a WriteFuture (chapter \"AsyncTcpStream\")")
    }

    /// Shuts down the read half, the write half, or both. Shutting down
    /// `Write` sends EOF to the peer.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// The reactor token of this stream.
    pub fn token(&self) -> Token {
        self.token
    }
}

impl Drop for AsyncTcpStream {
    fn drop(&mut self) {
        // Given: stop events for the token and forget its wakers, so no
        // event for this socket wakes anybody after it is gone.
        let _ = self.reactor.deregister(&mut self.inner, self.token);
    }
}

/// The future returned by [`AsyncTcpStream::read`].
#[derive(Debug)]
pub struct ReadFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a mut [u8],
}

impl Future for ReadFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = (self.stream, &self.buf, cx);
        todo!("exercise-1: poll the stream's read (chapter \"AsyncTcpStream\")")
    }
}

/// The future returned by [`AsyncTcpStream::write`].
#[derive(Debug)]
pub struct WriteFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a [u8],
}

impl Future for WriteFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = (self.stream, self.buf, cx);
        todo!("exercise-1: poll the stream's write (chapter \"AsyncTcpStream\")")
    }
}
