//! Exercise 1: `AsyncTcpStream`, then `AsyncUdpSocket`.
//!
//! Part 1 builds a TCP stream whose reads and writes are futures, on the
//! `code` runtime's reactor and executor. Part 2 applies the same pattern to
//! something the book does not show: a UDP socket. Read the chapters "The
//! readiness pattern" and "AsyncTcpStream" first; the task is in this
//! crate's README.md.
//!
//! Replace every `todo!()`, and the `let _ = …;` line above it (it only
//! keeps the unfinished stub free of unused-variable warnings). Check your
//! work with `cargo test -p exercise-1` (both parts), or part 2 alone with
//! `cargo test -p exercise-1 async_udp_socket::` (a filter on the test names).

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use code::mio::{self, Token};
use code::reactor::Reactor;

// Part 1: AsyncTcpStream.

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
        todo!(
            "exercise-1: switch the stream to non-blocking, wrap it in mio and register it with \
             code::reactor() (chapter \"AsyncTcpStream\", section \"Registering the stream\")"
        )
    }

    /// Reads into `buf`: `Ready(Ok(n))` with the bytes read (0 at end of
    /// stream, or at once if `buf` is empty), `Ready(Err(_))` on an error, or
    /// `Pending` once the task's waker is stored, to be polled again when
    /// data arrives.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let _ = (cx, buf);
        todo!(
            "exercise-1: poll_read, the four steps of the readiness pattern with the read slot \
             (chapter \"AsyncTcpStream\", section \"poll_read\")"
        )
    }

    /// Writes some of `buf`: `Ready(Ok(n))` with the bytes the socket took
    /// (0 at once if `buf` is empty), `Ready(Err(_))`, or `Pending` once the
    /// task's waker is stored, to be polled again when the socket has room.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let _ = (cx, buf);
        todo!(
            "exercise-1: poll_write, the same four steps with the write slot (chapter \
             \"AsyncTcpStream\", section \"Your turn: writing\")"
        )
    }

    /// Reads into `buf`; `.await` it for the number of bytes read.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        let _ = buf;
        todo!(
            "exercise-1: return a ReadFuture (chapter \"AsyncTcpStream\", section \"The read future\")"
        )
    }

    /// Writes some of `buf`; `.await` it for the number of bytes written.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        let _ = buf;
        todo!(
            "exercise-1: return a WriteFuture (chapter \"AsyncTcpStream\", section \"Your turn: writing\")"
        )
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
        todo!(
            "exercise-1: poll the stream's poll_read (chapter \"AsyncTcpStream\", section \"The read future\")"
        )
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
        todo!(
            "exercise-1: poll the stream's poll_write (chapter \"AsyncTcpStream\", section \"Your turn: writing\")"
        )
    }
}

// Part 2: AsyncUdpSocket, the same pattern for datagrams.

/// A UDP socket whose sends and receives are futures, on the same reactor
/// as [`AsyncTcpStream`].
///
/// Each receive returns one whole datagram and who sent it; each send sends
/// one datagram. Methods take `&self`, so one task can receive while another
/// sends on the same socket.
#[derive(Debug)]
pub struct AsyncUdpSocket {
    /// The socket, in non-blocking mode (mio's sockets always are).
    inner: mio::net::UdpSocket,
    /// How the reactor knows this socket.
    token: Token,
    /// The reactor the socket is registered with (kept for `Drop`).
    reactor: Rc<Reactor>,
}

impl AsyncUdpSocket {
    /// Binds a UDP socket to `addr` (use `127.0.0.1:0` to let the OS pick a
    /// port) and registers it with this thread's reactor for reading and
    /// writing.
    pub fn bind(addr: SocketAddr) -> io::Result<AsyncUdpSocket> {
        let _ = addr;
        todo!(
            "exercise-1: bind a mio::net::UdpSocket and register it with code::reactor() \
             (README, part 2; registering is shown in chapter \"AsyncTcpStream\")"
        )
    }

    /// Receives one datagram into `buf`: `Ready(Ok((n, from)))`, or
    /// `Ready(Err(_))`, or `Pending` once the task's waker is stored.
    ///
    /// A datagram longer than `buf` loses its end: Linux and macOS return
    /// the first `buf.len()` bytes, Windows returns an error. Either way
    /// the rest is gone, so pass a buffer as large as the largest datagram
    /// you expect.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let _ = (cx, buf);
        todo!("exercise-1: poll_recv_from, the readiness pattern for one datagram (README, part 2)")
    }

    /// Sends `buf` as one datagram to `target`: `Ready(Ok(n))` with
    /// `n == buf.len()` (a datagram is sent whole or not at all),
    /// `Ready(Err(_))`, or `Pending` once the task's waker is stored.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        let _ = (cx, buf, target);
        todo!("exercise-1: poll_send_to, the readiness pattern for one datagram (README, part 2)")
    }

    /// Receives one datagram; `.await` it for its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let _ = buf;
        todo!("exercise-1: await poll_recv_from (README, part 2)")
    }

    /// Sends one datagram to `target`; `.await` it for the bytes sent.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let _ = (buf, target);
        todo!("exercise-1: await poll_send_to (README, part 2)")
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The reactor token of this socket.
    pub fn token(&self) -> Token {
        self.token
    }
}

impl Drop for AsyncUdpSocket {
    fn drop(&mut self) {
        // Given: as for `AsyncTcpStream`.
        let _ = self.reactor.deregister(&mut self.inner, self.token);
    }
}
