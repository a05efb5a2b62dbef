//! The ecosystem's traits: `futures-io`'s `AsyncRead` and `AsyncWrite`, so
//! an [`AsyncTcpStream`] works with code written for them (the `futures`
//! crate's `AsyncReadExt`, codecs, ...). See the Deeper page "The ecosystem's traits".
//!
//! They take `Pin<&mut Self>` because some readers are self-referential
//! futures; ours is `Unpin`, so the pin is only passed through.
//!
//! Both traits are implemented for `&AsyncTcpStream` too, as `std` does for
//! `&TcpStream`: one task can read through its `&stream` while another
//! writes through its own, also with code written for these traits.
//!
//! One rule differs from ours: futures-io's poll methods may not return
//! `Interrupted` (an implementation retries or converts it), while
//! `code::io`'s pass it on and leave the retry to the helpers. The impls here
//! retry, through [`retrying`].
//!
//! Code written for these traits is polled by some executor, and only
//! `block_on` wakes what waits on our reactor: `poll_read` and `poll_write`
//! panic outside it, with a message, rather than wait forever.

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
        self.reactor().expect_block_on("futures-io poll_read");
        retrying(|| AsyncTcpStream::poll_read(&self, cx, buf))
    }
}

impl futures_io::AsyncWrite for AsyncTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.reactor().expect_block_on("futures-io poll_write");
        retrying(|| AsyncTcpStream::poll_write(&self, cx, buf))
    }

    /// A TCP socket has no user-space buffer: written bytes are already the
    /// kernel's.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closing the write half sends EOF to the peer.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(close(&self))
    }
}

impl futures_io::AsyncRead for &AsyncTcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.reactor().expect_block_on("futures-io poll_read");
        retrying(|| AsyncTcpStream::poll_read(&self, cx, buf))
    }
}

impl futures_io::AsyncWrite for &AsyncTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.reactor().expect_block_on("futures-io poll_write");
        retrying(|| AsyncTcpStream::poll_write(&self, cx, buf))
    }

    /// As for `AsyncTcpStream`: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// As for `AsyncTcpStream`: sends EOF to the peer.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(close(&self))
    }
}

/// Shuts down the write half. `NotConnected` counts as closed, as in tokio's
/// `poll_shutdown`: the connection is closed already (the peer reset it;
/// the socket is still open, its connection is not), so nothing more can be sent, which is what
/// closing asks for. A server would otherwise report an error for every
/// client that resets after its last exchange.
fn close(stream: &AsyncTcpStream) -> io::Result<()> {
    match stream.shutdown(std::net::Shutdown::Write) {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    }
}

/// Calls `op` again for as long as it fails with `Interrupted`. (A signal
/// that lands during a non-blocking `read` or `write` is rare, but a retry
/// costs nothing and is what futures-io asks for.)
fn retrying(mut op: impl FnMut() -> Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
    loop {
        match op() {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_is_retried_and_other_results_pass_through() {
        let mut calls = 0;
        let result = retrying(|| {
            calls += 1;
            if calls < 3 {
                Poll::Ready(Err(io::ErrorKind::Interrupted.into()))
            } else {
                Poll::Ready(Ok(7))
            }
        });
        assert!(matches!(result, Poll::Ready(Ok(7))));
        assert_eq!(calls, 3, "two Interrupted results, then the answer");

        assert!(retrying(|| Poll::Pending).is_pending());
        let err = retrying(|| Poll::Ready(Err(io::ErrorKind::ConnectionReset.into())));
        assert!(matches!(err, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset));
    }
}
