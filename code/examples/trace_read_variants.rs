//! The read of `trace_read` with the two changes that chapter "Following
//! the data" suggests trying: no `yield_now` before the write, and the
//! word written in two pieces. Its quiz asks the reader to predict these
//! traces; the page does not show them.
//!
//! `cargo run -p code --example trace_read_variants`

use std::io;

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let mut out = String::new();
    out += "1. No yield_now: the main future writes before task 1 first runs\n";
    out += &traced(false, &[b"hello"]);
    out += "2. `he`, then yield_now, then `llo`\n";
    out += &traced(true, &[b"he", b"llo"]);
    out
}

/// Task 1 reads once from token 0; the main future writes `pieces` from
/// token 1, with a `yield_now` before each piece if `yield_first`. Returns
/// the numbered trace and what the read returned. Each run has a thread of
/// its own, so that its tokens and tasks are numbered from 0 and 1 again.
fn traced(yield_first: bool, pieces: &'static [&'static [u8]]) -> String {
    std::thread::spawn(move || traced_here(yield_first, pieces))
        .join()
        .expect("the traced run panicked")
}

fn traced_here(yield_first: bool, pieces: &'static [&'static [u8]]) -> String {
    let (a, b) = code::testing::connected_pair().expect("loopback connection");
    let (result, lines) = code::trace::capture(|| {
        code::block_on(async move {
            let reader = AsyncTcpStream::from_std(a)?; // token 0
            let writer = AsyncTcpStream::from_std(b)?; // token 1
            let read = code::spawn(async move {
                let mut buf = [0; 16];
                let n = reader.read(&mut buf).await?;
                Ok::<_, io::Error>(String::from_utf8_lossy(&buf[..n]).into_owned())
            });
            for piece in pieces {
                if yield_first {
                    code::executor::yield_now().await;
                }
                // Small writes to loopback are taken whole.
                assert_eq!(writer.write(piece).await?, piece.len());
            }
            read.await
        })
    });
    let got = result.expect("the traced read failed");
    let mut out = String::new();
    for (number, line) in lines.iter().enumerate() {
        out += &format!("{:>2}  {line}\n", number + 1);
    }
    out + &format!("    task 1 read {got:?}\n")
}
