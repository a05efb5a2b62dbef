//! The solution of exercise 1: `AsyncTcpStream`, then `AsyncUdpSocket`.
//!
//! It passes the tests in `exercises/exercise-1/tests`. The book's
//! walkthrough of exercise 1 explains it line by line (`// ANCHOR:` marks
//! the parts it shows). `code::net::AsyncTcpStream` is the same stream with
//! more methods; it also writes trace lines and takes part in the runtime's
//! cooperative budget, which this exercise leaves out.

use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
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
    // ANCHOR: from_std
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
    // ANCHOR_END: from_std

    // ANCHOR: poll_read
    /// Reads into `buf`: `Ready(Ok(n))` with the bytes read (0 at end of
    /// stream, or if `buf` is empty), `Ready(Err(_))` on an error, or
    /// `Pending` once the task's waker is stored, to be polled again when
    /// data arrives.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            // No room, so nothing to wait for. Trying would park the task
            // on a quiet socket (an empty read answers WouldBlock there)
            // until unrelated data arrives, if ever.
            return Poll::Ready(Ok(0));
        }
        // 1. Try: `Read` is implemented for `&mio::net::TcpStream`, which is
        //    what lets this method take `&self`.
        match (&self.inner).read(buf) {
            // 2. Data, or end of stream (n == 0): done.
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // 3. Store the waker in the read slot. The WouldBlock proves
                //    the socket was not ready, so the reactor will see the
                //    next readiness edge.
                self.reactor
                    .set_waker(self.token, Direction::Read, cx.waker());
                // 4. Pending: the executor runs other tasks meanwhile.
                Poll::Pending
            }
            // 2. A real error is an answer too.
            Err(e) => Poll::Ready(Err(e)),
        }
    }
    // ANCHOR_END: poll_read

    // ANCHOR: poll_write
    /// Writes some of `buf`: `Ready(Ok(n))` with the bytes the socket took
    /// (0 only if `buf` is empty), `Ready(Err(_))`, or `Pending` once the
    /// task's waker is stored, to be polled again when the socket has room.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            // Nothing to write: no I/O at all, as in `poll_read`.
            return Poll::Ready(Ok(0));
        }
        // 1. Try.
        match (&self.inner).write(buf) {
            // 2. `n` may be less than `buf.len()`: the caller writes the rest.
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // 3. The write slot: a reader waiting on this stream keeps
                //    its own waker in the read slot.
                self.reactor
                    .set_waker(self.token, Direction::Write, cx.waker());
                // 4. Pending, until the socket has room again.
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
    // ANCHOR_END: poll_write

    // ANCHOR: read_write
    /// Reads into `buf`; `.await` it for the number of bytes read.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        ReadFuture { stream: self, buf }
    }

    /// Writes some of `buf`; `.await` it for the number of bytes written.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        WriteFuture { stream: self, buf }
    }
    // ANCHOR_END: read_write

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

// ANCHOR: read_future
/// The future returned by [`AsyncTcpStream::read`].
#[derive(Debug)]
pub struct ReadFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a mut [u8],
}

impl Future for ReadFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Passing `buf` on reborrows a `&mut [u8]`. The future holds only
        // references, so it is `Unpin` and `get_mut` may take a plain
        // `&mut Self` out of the pin, whose fields borrow separately
        // (`DerefMut` through the pin would borrow all of it for each field).
        // Each poll is a fresh try: no state.
        let this = self.get_mut();
        this.stream.poll_read(cx, this.buf)
    }
}
// ANCHOR_END: read_future

// ANCHOR: write_future
/// The future returned by [`AsyncTcpStream::write`].
#[derive(Debug)]
pub struct WriteFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a [u8],
}

impl Future for WriteFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A shared `&[u8]` is `Copy`: it can be read through the pin as it
        // is, so no `get_mut` is needed here.
        self.stream.poll_write(cx, self.buf)
    }
}
// ANCHOR_END: write_future

// ANCHOR: udp_struct
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
// ANCHOR_END: udp_struct

impl AsyncUdpSocket {
    // ANCHOR: udp_bind
    /// Binds a UDP socket to `addr` (use `127.0.0.1:0` to let the OS pick a
    /// port) and registers it with this thread's reactor for reading and
    /// writing.
    pub fn bind(addr: SocketAddr) -> io::Result<AsyncUdpSocket> {
        // mio's `bind` makes the socket non-blocking itself.
        let mut inner = mio::net::UdpSocket::bind(addr)?;
        let reactor = code::reactor();
        // Both interests, as for a TCP stream: a `send_to` that gets
        // WouldBlock (a full send buffer) waits in the write slot.
        let token = reactor.register(&mut inner, Interest::READABLE | Interest::WRITABLE)?;
        Ok(AsyncUdpSocket {
            inner,
            token,
            reactor,
        })
    }
    // ANCHOR_END: udp_bind

    // ANCHOR: poll_recv_from
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
        // No empty-buffer rule here: `n == 0` is not the end of anything,
        // it is an empty datagram, and an empty `buf` still takes (and
        // cuts) a datagram, as the OS does.
        // 1. Try: one datagram, and who sent it.
        match self.inner.recv_from(buf) {
            // 2. A datagram (perhaps an empty one), or a real error: done.
            Ok((n, from)) => Poll::Ready(Ok((n, from))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // 3. The read slot, as for a stream...
                self.reactor
                    .set_waker(self.token, Direction::Read, cx.waker());
                // 4. ...and Pending until a datagram arrives.
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
    // ANCHOR_END: poll_recv_from

    // ANCHOR: poll_send_to
    /// Sends `buf` as one datagram to `target`: `Ready(Ok(n))` with
    /// `n == buf.len()` (a datagram is sent whole or not at all),
    /// `Ready(Err(_))`, or `Pending` once the task's waker is stored.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        // An empty `buf` is sent too: an empty datagram is a message.
        // 1. Try.
        match self.inner.send_to(buf, target) {
            // 2. Sent, whole; or a real error, such as a datagram too long.
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // 3. The send buffer is full: the write slot...
                self.reactor
                    .set_waker(self.token, Direction::Write, cx.waker());
                // 4. ...and Pending until it has room.
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
    // ANCHOR_END: poll_send_to

    // ANCHOR: udp_async
    /// Receives one datagram; `.await` it for its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        // `poll_fn` makes a future of a closure: the closure is the future's
        // `poll`, called again each time the task is woken.
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// Sends one datagram to `target`; `.await` it for the bytes sent.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }
    // ANCHOR_END: udp_async

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
