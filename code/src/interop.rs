//! The ecosystem's traits: `futures-io`'s `AsyncRead` and `AsyncWrite`, so
//! an [`AsyncTcpStream`] works with code written for them (the `futures`
//! crate's `AsyncReadExt`, codecs, ...). See the chapter "Going further".
//!
//! They take `Pin<&mut Self>` because some readers are self-referential
//! futures; ours is `Unpin`, so the pin is only passed through.
//!
//! Both traits are implemented for `&AsyncTcpStream` too, as `std` does for
//! `&TcpStream`: one task can read through its `&stream` while another
//! writes through its own, also with code written for these traits.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::net::AsyncTcpStream;

impl futures_io::AsyncRead for AsyncTcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        AsyncTcpStream::poll_read(&self, cx, buf)
    }
}

impl futures_io::AsyncWrite for AsyncTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncTcpStream::poll_write(&self, cx, buf)
    }

    /// A TCP socket has no user-space buffer: written bytes are already the
    /// kernel's.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closing the write half sends EOF to the peer.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(std::net::Shutdown::Write))
    }
}

impl futures_io::AsyncRead for &AsyncTcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        AsyncTcpStream::poll_read(&self, cx, buf)
    }
}

impl futures_io::AsyncWrite for &AsyncTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncTcpStream::poll_write(&self, cx, buf)
    }

    /// As for `AsyncTcpStream`: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// As for `AsyncTcpStream`: sends EOF to the peer.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(std::net::Shutdown::Write))
    }
}
