//! Async TCP: [`AsyncTcpStream`] and [`AsyncTcpListener`].
//!
//! Both wrap a non-blocking mio socket and a reactor token, and every
//! operation follows the readiness pattern:
//!
//! 1. **try** the operation on the non-blocking socket;
//! 2. it finished (data, EOF, a real error): return `Poll::Ready`;
//! 3. it returned `WouldBlock`: **store** the task's waker in the token's
//!    slot for that direction;
//! 4. return `Poll::Pending`. The reactor wakes the task when the socket is
//!    ready, the executor polls it again, and we are back at step 1.
//!
//! Before the try, `poll_read`, `poll_write` and `poll_accept` check the
//! task's cooperative budget ([`Reactor::poll_budget`]): after 128 ready
//! operations in one poll they return `Pending` (having woken the task), so
//! that a socket that is always ready cannot keep the other tasks waiting.
//! Every `Ready` spends a unit, an error or an empty buffer as much as data:
//! a loop that retries a failing operation must give way too.
//!
//! The futures (`read`, `write`, `accept`, `connect`) panic if polled outside
//! `block_on`, where nothing would ever wake them. The `poll_*` methods do
//! not: the book drives them by hand, with [`Reactor::wait`].
//!
//! Methods take `&self`, like `std::net::TcpStream`'s `Read for &TcpStream`:
//! one task may read while another writes the same stream (share it with an
//! `Rc`). The reactor keeps one waker slot per direction, so the two never
//! disturb each other. What is supported is one reader and one writer at a
//! time. Two tasks reading the same stream at once do not take turns: the
//! read slot holds one waker, each task's `WouldBlock` replaces the other's
//! waker and wakes it (so that it is not lost), and the two wake each other
//! in a loop that burns a core until data comes.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use mio::{Interest, Token};

use crate::events;
use crate::reactor::{Direction, Reactor, try_reactor};

// ANCHOR: stream_struct
/// A TCP connection whose reads and writes are futures.
#[derive(Debug)]
pub struct AsyncTcpStream {
    /// The socket, in non-blocking mode: mio's own constructors make it so,
    /// `from_std` does it here, and a caller of `from_mio` must.
    inner: mio::net::TcpStream,
    /// How the reactor knows this socket: events for it carry this token.
    token: Token,
    /// The reactor the socket is registered with. Holding it (rather than
    /// looking it up) lets `Drop` deregister, and keeps the stream on the
    /// thread that owns that reactor (`Rc` is not `Send`).
    reactor: Rc<Reactor>,
}
// ANCHOR_END: stream_struct

impl AsyncTcpStream {
    // ANCHOR: from_mio
    /// Registers a connected (or connecting) mio stream with this thread's
    /// reactor, for reading **and** writing: a stream registered for reading
    /// only never wakes a writer that got `WouldBlock`. The stream must be
    /// in non-blocking mode (mio's `from_std` leaves that to its caller).
    pub fn from_mio(mut inner: mio::net::TcpStream) -> io::Result<AsyncTcpStream> {
        let reactor = try_reactor()?; // out of descriptors: the error
        let token = reactor.register(&mut inner, Interest::READABLE | Interest::WRITABLE)?;
        Ok(AsyncTcpStream {
            inner,
            token,
            reactor,
        })
    }
    // ANCHOR_END: from_mio

    /// Takes over a connected `std` stream (it is switched to non-blocking).
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<AsyncTcpStream> {
        stream.set_nonblocking(true)?;
        AsyncTcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Opens a connection to `addr`.
    ///
    /// The connect starts at the first poll (this is an `async fn`; unlike
    /// `sleep`, nothing happens at the call) and finishes in the background;
    /// the future completes when the socket is connected (it becomes
    /// writable) or the attempt failed.
    pub async fn connect(addr: SocketAddr) -> io::Result<AsyncTcpStream> {
        let stream = AsyncTcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        std::future::poll_fn(|cx| {
            stream.reactor.expect_block_on("AsyncTcpStream::connect");
            stream.poll_connected(cx)
        })
        .await?;
        Ok(stream)
    }

    /// The readiness pattern for a connect in progress: try (is it
    /// connected?), and wait for writability if it is not yet.
    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let token = self.token;
        ready!(self.reactor.poll_budget(token, cx)); // as `poll_read`
        let connected = match self.inner.take_error() {
            Ok(None) => self.inner.peer_addr().map(drop),
            Ok(Some(err)) | Err(err) => Err(err),
        };
        match connected {
            // Still connecting: the connect's `WouldBlock`.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                events::emit!(io(token, Op::Connect, Outcome::WouldBlock));
                self.reactor.set_waker(token, Direction::Write, cx.waker());
                return Poll::Pending;
            }
            Ok(()) => events::emit!(io(token, Op::Connect, Outcome::Ok(0))),
            Err(ref e) => events::emit!(io(token, Op::Connect, Outcome::Err(e.kind()))),
        }
        self.reactor.spend_budget(); // connected or failed: ready
        Poll::Ready(connected)
    }

    // ANCHOR: poll_read
    /// Reads into `buf`: `Ready(Ok(n))` with `n > 0` bytes read, `Ready(Ok(0))`
    /// at end of stream (or if `buf` is empty), `Ready(Err(_))` on an error,
    /// or `Pending` after storing the waker, to be polled again when data
    /// arrives.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let token = self.token;
        // Budget used up (128 ready operations in this poll)? Then yield.
        // Every `Ready` below spends a unit of it.
        ready!(self.reactor.poll_budget(token, cx));
        if buf.is_empty() {
            // Nothing to read into. The kernel may answer `WouldBlock` to an
            // empty read, and waiting for data we could not take would be odd.
            self.reactor.spend_budget();
            return Poll::Ready(Ok(0));
        }
        // 1. Try. The socket is non-blocking, so this returns at once.
        match (&self.inner).read(buf) {
            // 2. Data (or EOF, n == 0): done.
            Ok(n) => {
                events::emit!(io(token, Op::Read, Outcome::Ok(n)));
                self.reactor.spend_budget();
                Poll::Ready(Ok(n))
            }
            // 3. Not ready: leave our waker with the reactor...
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                events::emit!(io(token, Op::Read, Outcome::WouldBlock));
                self.reactor.set_waker(token, Direction::Read, cx.waker());
                // 4. ...and let the executor run something else.
                Poll::Pending
            }
            // A real error (including `Interrupted`, a call cut short by a
            // signal, which the caller retries).
            Err(e) => {
                events::emit!(io(token, Op::Read, Outcome::Err(e.kind())));
                self.reactor.spend_budget();
                Poll::Ready(Err(e))
            }
        }
    }
    // ANCHOR_END: poll_read

    // ANCHOR: poll_write
    /// Writes some of `buf`: `Ready(Ok(n))` with the number of bytes the
    /// kernel accepted (often fewer than `buf.len()`), `Ready(Err(_))`, or
    /// `Pending` after storing the waker, to be polled again when the socket
    /// has room.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let token = self.token;
        ready!(self.reactor.poll_budget(token, cx)); // as `poll_read`
        if buf.is_empty() {
            self.reactor.spend_budget();
            return Poll::Ready(Ok(0)); // as `poll_read`: no I/O for nothing
        }
        match (&self.inner).write(buf) {
            Ok(n) => {
                events::emit!(io(token, Op::Write, Outcome::Ok(n)));
                self.reactor.spend_budget();
                Poll::Ready(Ok(n))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                events::emit!(io(token, Op::Write, Outcome::WouldBlock));
                // The write slot, not the read slot: a reader parked on this
                // stream keeps its own waker.
                self.reactor.set_waker(token, Direction::Write, cx.waker());
                Poll::Pending
            }
            Err(e) => {
                events::emit!(io(token, Op::Write, Outcome::Err(e.kind())));
                self.reactor.spend_budget();
                Poll::Ready(Err(e))
            }
        }
    }
    // ANCHOR_END: poll_write

    // ANCHOR: read_method
    /// Reads into `buf`; `.await` it for the number of bytes read (0 at EOF).
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a> {
        ReadFuture { stream: self, buf }
    }
    // ANCHOR_END: read_method

    // ANCHOR: write_method
    /// Writes some of `buf`; `.await` it for the number of bytes written.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> WriteFuture<'a> {
        WriteFuture { stream: self, buf }
    }
    // ANCHOR_END: write_method

    /// Shuts down the read half, the write half, or both. Shutting down
    /// `Write` sends EOF to the peer once the data already written is sent.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// The address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Disables (or enables) Nagle's algorithm.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_nodelay(nodelay)
    }

    /// The reactor token, for tracing and for tests.
    pub fn token(&self) -> Token {
        self.token
    }

    /// The reactor the stream is registered with.
    pub fn reactor(&self) -> &Reactor {
        &self.reactor
    }
}

impl Drop for AsyncTcpStream {
    fn drop(&mut self) {
        // Forget the token's wakers and stop events for it. The socket itself
        // is closed when `inner` drops, right after this.
        let _ = self.reactor.deregister(&mut self.inner, self.token);
    }
}

// ANCHOR: read_future
/// The future returned by [`AsyncTcpStream::read`].
///
/// It holds no state of its own besides the borrow: each poll is a fresh
/// try, so dropping it before it finishes loses no data.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them: nothing is read"]
pub struct ReadFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a mut [u8],
}

impl Future for ReadFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `ReadFuture` is `Unpin` (it holds only references), so we may
        // take `&mut` out of the pin.
        let this = self.get_mut();
        // Outside `block_on` nothing would wake us: it panics and says so.
        this.stream
            .reactor()
            .expect_block_on("AsyncTcpStream::read");
        this.stream.poll_read(cx, this.buf)
    }
}
// ANCHOR_END: read_future

// ANCHOR: write_future
/// The future returned by [`AsyncTcpStream::write`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them: nothing is written"]
pub struct WriteFuture<'a> {
    stream: &'a AsyncTcpStream,
    buf: &'a [u8],
}

impl Future for WriteFuture<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.stream
            .reactor()
            .expect_block_on("AsyncTcpStream::write"); // as a read
        self.stream.poll_write(cx, self.buf)
    }
}
// ANCHOR_END: write_future

/// A TCP listening socket whose `accept` is a future.
#[derive(Debug)]
pub struct AsyncTcpListener {
    inner: mio::net::TcpListener,
    token: Token,
    reactor: Rc<Reactor>,
}

impl AsyncTcpListener {
    // ANCHOR: bind
    /// Binds to `addr`. Use `127.0.0.1:0` to let the OS pick a free port,
    /// then [`local_addr`](Self::local_addr) to learn it.
    pub fn bind(addr: SocketAddr) -> io::Result<AsyncTcpListener> {
        let mut inner = mio::net::TcpListener::bind(addr)?;
        let reactor = try_reactor()?;
        // A listener only ever waits to read (a new connection is "readable").
        let token = reactor.register(&mut inner, Interest::READABLE)?;
        Ok(AsyncTcpListener {
            inner,
            token,
            reactor,
        })
    }
    // ANCHOR_END: bind

    // ANCHOR: poll_accept
    /// Accepts a connection, registered with the reactor for reading and
    /// writing, or stores the waker and returns `Pending` if none is waiting.
    pub fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(AsyncTcpStream, SocketAddr)>> {
        let token = self.token;
        ready!(self.reactor.poll_budget(token, cx)); // as `poll_read`
        match self.inner.accept() {
            Ok((stream, addr)) => {
                events::emit!(io(token, Op::Accept, Outcome::Ok(1)));
                self.reactor.spend_budget();
                // `from_mio` registers READABLE | WRITABLE.
                Poll::Ready(AsyncTcpStream::from_mio(stream).map(|s| (s, addr)))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                events::emit!(io(token, Op::Accept, Outcome::WouldBlock));
                self.reactor.set_waker(token, Direction::Read, cx.waker());
                Poll::Pending
            }
            Err(e) => {
                events::emit!(io(token, Op::Accept, Outcome::Err(e.kind())));
                self.reactor.spend_budget(); // an error is ready too
                Poll::Ready(Err(e))
            }
        }
    }
    // ANCHOR_END: poll_accept

    /// Accepts the next connection; `.await` it for the stream and the
    /// peer's address.
    pub async fn accept(&self) -> io::Result<(AsyncTcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| {
            self.reactor.expect_block_on("AsyncTcpListener::accept");
            self.poll_accept(cx)
        })
        .await
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The reactor token, for tracing and for tests.
    pub fn token(&self) -> Token {
        self.token
    }
}

impl Drop for AsyncTcpListener {
    fn drop(&mut self) {
        let _ = self.reactor.deregister(&mut self.inner, self.token);
    }
}

/// `#[must_use]` on [`ReadFuture`] and [`WriteFuture`] at work: a read or a
/// write that is never awaited does nothing, and the compiler says so (with
/// `deny`, it refuses to compile):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # fn f(stream: &code::net::AsyncTcpStream) {
/// let mut buf = [0; 4];
/// stream.read(&mut buf); // no `.await`
/// # }
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # fn f(stream: &code::net::AsyncTcpStream) {
/// stream.write(b"lost"); // no `.await`
/// # }
/// ```
///
/// Awaited, both compile:
///
/// ```
/// #![deny(unused_must_use)]
/// # async fn f(stream: &code::net::AsyncTcpStream) -> std::io::Result<()> {
/// let mut buf = [0; 4];
/// stream.write(b"sent").await?;
/// stream.read(&mut buf).await?;
/// # Ok(())
/// # }
/// ```
#[cfg(doctest)]
pub struct MustUse;
