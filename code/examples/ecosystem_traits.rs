//! A reader of the course's `AsyncRead` crossing over to the ecosystem's
//! traits (futures-io) and back, and one helper offered as a method of
//! every reader through an extension trait. Deeper page "The ecosystem's
//! traits".
//!
//! `cargo run -p code --example ecosystem_traits`

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use code::io::{AsyncRead, read_exact};

fn main() {
    print!("{}", run());
}

// ANCHOR: interop
/// A reader of bytes in memory, for the course's `AsyncRead`: each read
/// takes what is left, up to `buf.len()`.
pub struct Bytes(pub &'static [u8]);

impl AsyncRead for Bytes {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

/// The same reader for code written against futures-io.
impl futures_io::AsyncRead for Bytes {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // `Bytes` is `Unpin` (it holds nothing that points into itself),
        // so the pin gives up its `&mut` without `unsafe`.
        AsyncRead::poll_read(self.get_mut(), cx, buf)
    }
}

/// Any futures-io reader, for the course's helpers. `R: Unpin` lets us pin
/// a plain `&mut R` for one call; a reader that is not `Unpin` can come in
/// as `Pin<Box<R>>`, which is.
pub struct FromFutures<R>(pub R);

impl<R: futures_io::AsyncRead + Unpin> AsyncRead for FromFutures<R> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}
// ANCHOR_END: interop

// ANCHOR: extension
/// Helpers as methods of every `AsyncRead` at once: the shape of the
/// `AsyncReadExt` traits of futures and tokio. The core trait stays one
/// method long (and usable as `dyn AsyncRead`); the helpers are written
/// once, here, for all readers.
pub trait AsyncReadExt: AsyncRead {
    /// Reads exactly `buf.len()` bytes: `code::io::read_exact` as a method.
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        read_exact(self, buf)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
// ANCHOR_END: extension

// ANCHOR: run
/// One extension method for readers of different types, behind `dyn`.
pub fn run() -> String {
    code::block_on(async {
        // (what it is, how many bytes to read, the reader)
        let readers: Vec<(&str, usize, Box<dyn AsyncRead>)> = vec![
            ("Bytes", 5, Box::new(Bytes(b"plain"))),
            (
                "Bytes, as futures-io reader and back",
                10,
                Box::new(FromFutures(Bytes(b"round trip"))),
            ),
        ];
        let mut out = "One helper for any reader, through Box<dyn AsyncRead>\n".to_string();
        for (what, len, mut reader) in readers {
            let mut buf = vec![0; len];
            reader.read_exact(&mut buf).await?;
            out += &format!("  {what}: {:?}\n", String::from_utf8_lossy(&buf));
        }
        Ok::<_, io::Error>(out)
    })
    .expect("the ecosystem example failed")
}
// ANCHOR_END: run
