//! The solution of exercise 1: `AsyncTcpStream`.
//!
//! It passes the tests in `exercises/exercise-1/tests`. The same type, with
//! more methods, is `code::net::AsyncTcpStream`.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use code::mio::{self, Interest, Token};
use code::reactor::{Direction, Reactor};

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
        // mio expects a non-blocking socket; a blocking one would stall the
        // whole runtime thread on the first read with no data.
        stream.set_nonblocking(true)?;
        let mut inner = mio::net::TcpStream::from_std(stream);
        let reactor = code::reactor();
        // Both interests: with READABLE only, a writer that gets WouldBlock
        // would wait for an event that is never delivered.
        let token = reactor.register(&mut inner, Interest::READABLE | Interest::WRITABLE)?;
        Ok(AsyncTcpStream {
            inner,
            token,
            reactor,
        })
    }

    /// Reads into `buf`: `Ready(Ok(n))` with the bytes read (0 at end of
    /// stream), `Ready(Err(_))` on an error, or `Pending` once the task's
    /// waker is stored, to be polled again when data arrives.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        // Try first: `Read` is implemented for `&mio::net::TcpStream`, which
        // is what lets this method take `&self`.
        match (&self.inner).read(buf) {
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Only now wait: the WouldBlock proves the socket was not
                // ready, so the reactor will see the next readiness edge.
                self.reactor
                    .set_waker(self.token, Direction::Read, cx.waker());
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Writes some of `buf`: `Ready(Ok(n))` with the bytes the socket took,
    /// `Ready(Err(_))`, or `Pending` once the task's waker is stored, to be
    /// polled again when the socket has room.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match (&self.inner).write(buf) {
            // `n` may be less than `buf.len()`: the caller writes the rest.
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // The write slot: a reader waiting on this stream keeps its own.
                self.reactor
                    .set_waker(self.token, Direction::Write, cx.waker());
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Reads into `buf`; `.await` it for the number of bytes read.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        ReadFuture { stream: self, buf }
    }

    /// Writes some of `buf`; `.await` it for the number of bytes written.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        WriteFuture { stream: self, buf }
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
        // The future holds only references, so it is `Unpin` and we may take
        // `&mut` out of the pin. Each poll is a fresh try: no state to keep.
        let this = self.get_mut();
        this.stream.poll_read(cx, this.buf)
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
        self.stream.poll_write(cx, self.buf)
    }
}
