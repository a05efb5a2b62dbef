//! The program of a "what does it print?" question in the quiz of chapter
//! "AsyncRead and AsyncWrite". The quiz shows this file without this header;
//! code/tests/example_output_chapters.rs checks that it is the same
//! program and that the quiz's answer is what it prints. mdbook-quiz
//! compiles quiz programs with plain `rustc` (std only, edition 2015), so it
//! uses `std::io::copy`, whose loop `code::io::copy` shares.
//!
//! `cargo run -p code --example async_read_write_quiz`

// `std::io::copy`, with a reader and a writer of our own.
use std::io::{self, Read, Write};

/// Hands out one chunk per call, then end of stream.
struct Chunks(Vec<&'static [u8]>);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Ok(0);
        }
        let chunk = self.0.remove(0);
        buf[..chunk.len()].copy_from_slice(chunk);
        Ok(chunk.len())
    }
}

/// Takes at most 2 bytes per call, and notes what it took.
struct TwoAtATime(String);

impl Write for TwoAtATime {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(2);
        self.0 += &format!("[{}]", String::from_utf8_lossy(&buf[..n]));
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let mut reader = Chunks(vec![b"abc", b"de"]);
    let mut writer = TwoAtATime(String::new());
    let copied = io::copy(&mut reader, &mut writer).unwrap();
    format!("{} {}\n", writer.0, copied)
}
