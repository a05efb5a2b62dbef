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

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

// ANCHOR: adapter
/// A stream with futures-io's traits, seen by hyper through its own.
#[derive(Debug)]
pub struct HyperIo<T>(pub T);

/// The most one read asks its reader for.
const SCRATCH: usize = 64 * 1024;

thread_local! {
    /// This thread's read buffer, zeroed once when it is made. Every read
    /// copies its bytes out before `poll_read` returns, so all the
    /// connections of a thread can share it.
    static SCRATCH_BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper lends the free part of its buffer uninitialised, as
        // `[MaybeUninit<u8>]`. futures-io's `poll_read` takes `&mut [u8]`,
        // which a reader may read as well as write, and reading a byte that
        // was never written is undefined behaviour. So the reader gets a
        // buffer of ours that is initialised, and what it reads is copied
        // into hyper's. (Taken out of the thread-local while the reader
        // runs: a reader that reads through another `HyperIo` gets a
        // buffer of its own.)
        let mut scratch = SCRATCH_BUFFER.take();
        if scratch.is_empty() {
            scratch = vec![0; SCRATCH];
        }
        let len = buf.remaining().min(scratch.len());
        let read = Pin::new(&mut self.0).poll_read(cx, &mut scratch[..len]);
        let outcome = match read {
            // `n` is the reader's word alone: a reader that claims more
            // than it was given is broken, and the connection ends here.
            Poll::Ready(Ok(n)) if n > len => Poll::Ready(Err(io::Error::other(format!(
                "the reader said it read {n} bytes into a buffer of {len}"
            )))),
            // `Ok(())` with nothing put in is how hyper hears end of stream.
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&scratch[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        };
        SCRATCH_BUFFER.set(scratch);
        outcome
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

    // hyper calls this once it has written out a response. A TCP stream
    // has nothing to flush (written bytes are the kernel's), but a writer
    // that buffers (a BufWriter, or a TLS stream, which encrypts what it is
    // given in records) holds the response back until told to send it:
    // returning `Ready(Ok(()))` here without passing the call on would
    // leave its client waiting for a response that never leaves.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    // hyper shuts the write half down whenever a connection ends cleanly:
    // after a response that no other follows (`Connection: close`, or an
    // HTTP/1.0 request without keep-alive), after the client closed its
    // side, or on a graceful shutdown. futures-io calls this close. The
    // peer then reads end of stream after the last response, before the
    // stream is even dropped. A connection that ends in an error (the
    // header read timeout among them) is not shut down: hyper returns the
    // error, and dropping the stream closes it.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }

    // `is_write_vectored` keeps its default, `false`: our streams write one
    // buffer at a time, so hyper copies a response's head and body into one
    // buffer and writes that, instead of handing over a list of slices that
    // would go out one `write` each.
}
// ANCHOR_END: adapter

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader with no `unsafe` in it that fills its buffer and says it
    /// read one byte more.
    struct Liar;

    impl AsyncRead for Liar {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            buf.fill(b'x');
            Poll::Ready(Ok(buf.len() + 1))
        }
    }

    /// A reader's count is used only once checked: the lie is an error
    /// that says what happened, and hyper's buffer gets no byte of it,
    /// where passing the count on would have hyper believe a byte past the
    /// end of its buffer.
    #[test]
    fn a_reader_that_claims_more_than_its_buffer_is_an_error() {
        let mut memory = [std::mem::MaybeUninit::uninit(); 16];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut memory);
        let mut io = HyperIo(Liar);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let read = hyper::rt::Read::poll_read(Pin::new(&mut io), &mut cx, buf.unfilled());
        let Poll::Ready(Err(error)) = read else {
            panic!("a lying reader's read must be an error, not {read:?}");
        };
        assert_eq!(
            error.to_string(),
            "the reader said it read 17 bytes into a buffer of 16"
        );
        assert_eq!(buf.filled(), b"", "nothing of the lie reaches hyper");
    }
}
