//! The adapter between the ecosystem's I/O traits and hyper's.
//!
//! hyper does not use `futures-io`'s traits nor tokio's: it has its own,
//! `hyper::rt::Read` and `hyper::rt::Write`, so that it depends on no
//! runtime. Anything that implements `futures_io::AsyncRead` and
//! `AsyncWrite` (as `code::net::AsyncTcpStream` does) becomes a hyper
//! connection once wrapped in [`HyperIo`].
//!
//! It starts from futures-io's traits rather than `code::io`'s because
//! hyper needs two operations the course's traits leave out: flush (write
//! out what a writer holds back) and close (end the write half). Each
//! method says what it passes on and why.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};

// ANCHOR: adapter
/// A stream with futures-io's traits, seen by hyper through its own.
#[derive(Debug)]
pub struct HyperIo<T>(pub T);

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper lends the free part of its buffer uninitialised (bytes it
        // has never written), as `[MaybeUninit<u8>]`. futures-io's
        // `poll_read` takes `&mut [u8]`, and a `&mut [u8]` over bytes never
        // written is undefined behaviour, even if the reader only writes
        // to it. So the bytes are zeroed first: a memset of the free space,
        // which tokio's own streams skip by reading into uninitialised
        // memory through an unsafe read of their own.
        // SAFETY: `as_mut` asks that no byte that may be initialised be made
        // uninitialised again; we only write zeros into them.
        let free: &mut [MaybeUninit<u8>] = unsafe { buf.as_mut() };
        free.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `free` was just initialised, and
        // `MaybeUninit<u8>` has the layout of `u8`.
        let free: &mut [u8] = unsafe { &mut *(free as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(Pin::new(&mut self.0).poll_read(cx, free))?;
        // SAFETY: the reader says it filled the first `n` bytes, and
        // futures-io promises `n <= free.len()`.
        unsafe { buf.advance(n) };
        // `Ok(())` with nothing advanced is how hyper hears end of stream.
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    // hyper calls this once it has written out a response. A TCP stream has nothing to flush
    // (written bytes are the kernel's), but a writer that buffers (a
    // BufWriter, a TLS stream) holds the response back until told to send
    // it: returning `Ready(Ok(()))` here without passing the call on would
    // leave its client waiting for a response that never leaves.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    // hyper shuts the write half down when it ends a connection
    // (`Connection: close`, or a graceful shutdown): futures-io calls this
    // close. The peer then reads end of stream after the last response,
    // before the stream is even dropped.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }

    // `is_write_vectored` keeps its default, `false`: our streams write one
    // buffer at a time, so hyper copies a response's head and body into one
    // buffer and writes that, instead of handing over a list of slices that
    // would go out one `write` each.
}
// ANCHOR_END: adapter
