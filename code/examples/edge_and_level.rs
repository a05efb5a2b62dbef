//! Edge-triggered events and the try-first rule, measured. Chapter
//! "Edge- vs level-triggered".
//!
//! `cargo run -p code --example edge_and_level`
//!
//! The peer sends 100 bytes at once. We read them one byte per read and let
//! the reactor look for events between reads: the reactor gets one event for
//! the data, yet every read finds a byte, because we never wait before a read
//! has said `WouldBlock`. Then one more read finds the socket empty, and only
//! that one waits.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

/// Marks where the second part of the trace starts.
pub const PART_2: &str = "example: part 2";

/// The run the chapter shows: 100 bytes.
pub fn run() -> String {
    report(100)
}

/// Runs [`one_byte_per_read_of`] for `bytes` bytes and reports what the
/// trace counted in part 1, and part 2 line by line.
pub fn report(bytes: usize) -> String {
    let (result, lines) = code::trace::capture(|| one_byte_per_read_of(bytes));
    assert_eq!(result.expect("the example's reads failed"), b"!");

    let split = lines
        .iter()
        .position(|l| l == PART_2)
        .expect("part 2 marker");
    let (part_1, part_2) = (&lines[..split], &lines[split + 1..]);
    let count = |lines: &[String], what: &str| lines.iter().filter(|l| l.contains(what)).count();

    let mut out = String::new();
    out += &format!(
        "Part 1: the peer's {bytes} bytes are already there; read them 1 byte at a time.\n"
    );
    out += &format!(
        "  reads that returned a byte:        {}\n",
        count(part_1, "read -> Ok(1)")
    );
    out += &format!(
        "  reads that returned WouldBlock:    {}\n",
        count(part_1, "read -> WouldBlock")
    );
    out += &format!(
        "  wakers stored (times we waited):   {}\n",
        count(part_1, "stored Read waker")
    );
    out += &format!(
        "  events the reactor got for us:     {}\n",
        count(part_1, "reactor: event for token")
    );
    out += "Part 2: one more read, with the socket empty (the trace):\n";
    for line in part_2 {
        out += &format!("  {line}\n");
    }
    out
}

/// The run the chapter's trace player replays: 100 bytes.
pub fn one_byte_per_read() -> io::Result<Vec<u8>> {
    one_byte_per_read_of(100)
}

/// The peer sends `count` bytes before we start; we read them one byte per
/// read, then read once more with the socket empty. Returns what that read
/// got.
pub fn one_byte_per_read_of(count: usize) -> io::Result<Vec<u8>> {
    let (ours, mut peer) = connected_pair()?;
    peer.write_all(&vec![b'x'; count])?;
    // So that every read in part 1 finds its byte, on any system.
    code::testing::all_arrived(&ours, count)?;
    code::trace::emit(|| format!("kernel: {count} bytes arrive at token 0"));
    code::block_on(async {
        // ANCHOR: reads
        let stream = AsyncTcpStream::from_std(ours)?;
        let mut byte = [0; 1];
        for _ in 0..count {
            let n = stream.read(&mut byte).await?;
            assert_eq!(n, 1, "the peer's bytes are all there");
            // Give the reactor a look at the kernel's events before the
            // next read, as a busy program would.
            code::executor::yield_now().await;
        }

        code::trace::emit(|| PART_2.to_string());
        // The peer sends one more byte, but only after our next read has
        // found the socket empty: the spawned task runs once this task
        // returns Pending.
        code::spawn(async move {
            peer.write_all(b"!")?;
            code::trace::emit(|| "kernel: 1 byte arrives at token 0".to_string());
            Ok::<_, io::Error>(())
        });
        let n = stream.read(&mut byte).await?;
        // ANCHOR_END: reads
        Ok(byte[..n].to_vec())
    })
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
