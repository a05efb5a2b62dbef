//! `AsyncTcpStream` used through the ecosystem's traits, `futures_io::AsyncRead`
//! and `futures_io::AsyncWrite`, by code that has never heard of `code`.
//! The Deeper page "The ecosystem's traits".
//!
//! `cargo run -p code --example futures_io_interop`

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use futures_io::{AsyncRead, AsyncWrite};

fn main() {
    print!("{}", run());
}

// ANCHOR: generic
/// Writes every line, then closes the writing side. Works for any
/// `futures_io::AsyncWrite`: our stream, a file of another runtime, a pipe.
async fn send_lines<W: AsyncWrite + Unpin>(writer: &mut W, lines: &[&str]) -> io::Result<()> {
    for line in lines {
        let mut rest = format!("{line}\n").into_bytes();
        while !rest.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, &rest)).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            rest.drain(..n);
        }
    }
    poll_fn(|cx| Pin::new(&mut *writer).poll_close(cx)).await
}

/// Reads until end of stream and counts the lines. Works for any
/// `futures_io::AsyncRead`.
async fn count_lines<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<(usize, String)> {
    let mut text = Vec::new();
    let mut buf = [0; 1024];
    loop {
        match poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut buf)).await? {
            0 => break,
            n => text.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    Ok((text.lines().count(), text))
}
// ANCHOR_END: generic

// ANCHOR: run
pub fn run() -> String {
    code::block_on(async {
        let listener = AsyncTcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let server = code::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            // AsyncTcpStream as a futures_io::AsyncRead
            count_lines(&mut stream).await
        });
        let mut client = AsyncTcpStream::connect(addr).await?;
        // and as a futures_io::AsyncWrite
        send_lines(&mut client, &["edge", "level", "readiness"]).await?;
        let (lines, text) = server.await?;
        Ok::<_, io::Error>(format!(
            "the server counted {lines} lines: {:?}\n",
            text.lines().collect::<Vec<_>>()
        ))
    })
    .expect("the futures-io example failed")
}
// ANCHOR_END: run
