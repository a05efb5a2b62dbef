//! The program of a "what does it print?" question in the quiz of chapter
//! "AsyncRead and AsyncWrite". The quiz shows this file from its first `use`
//! on; code/tests/example_output_chapters.rs checks that it is the same
//! program and that the quiz's answer is what it prints.
//!
//! `cargo run -p code --example async_read_write_quiz`

use std::io;
use std::task::{Context, Poll};

use code::io::{AsyncRead, AsyncWrite, copy};

/// Hands out one chunk per call, then end of stream.
struct Chunks(Vec<&'static [u8]>);

impl AsyncRead for Chunks {
    fn poll_read(&mut self, _cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.0.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let chunk = self.0.remove(0);
        buf[..chunk.len()].copy_from_slice(chunk);
        Poll::Ready(Ok(chunk.len()))
    }
}

/// Takes at most 2 bytes per call, and notes what it took.
struct TwoAtATime(String);

impl AsyncWrite for TwoAtATime {
    fn poll_write(&mut self, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = buf.len().min(2);
        self.0 += &format!("[{}]", String::from_utf8_lossy(&buf[..n]));
        Poll::Ready(Ok(n))
    }
}

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let mut reader = Chunks(vec![b"abc", b"de"]);
    let mut writer = TwoAtATime(String::new());
    let copied = code::block_on(copy(&mut reader, &mut writer)).unwrap();
    format!("{} {copied}\n", writer.0)
}
