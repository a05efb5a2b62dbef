//! How the buffer size bounds how many reads and writes a copy makes: at
//! least one read per buffer-full, more when a read returns less than the
//! buffer holds (a socket returns what has arrived so far).
//! Chapter "copy and throughput".
//!
//! `cargo run -p code --example copy_counts`
//!
//! A copy between two sockets costs at least two system calls per
//! buffer-full (a read and a write). Counting the calls on an in-memory reader and writer
//! shows the arithmetic without the noise of timing; a real copy over
//! loopback TCP checks that every byte arrives.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::task::{Context, Poll};
use std::thread;

use code::io::{AsyncRead, AsyncWrite, copy, copy_with_buffer};
use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

/// How much every copy in this example moves.
pub const TOTAL: usize = 1 << 20;

pub fn run() -> String {
    let mut out = format!(
        "copying {} MiB in memory with copy_with_buffer:\n",
        TOTAL >> 20
    );
    for kib in [1, 8, 64, 256] {
        out += &count_line(kib);
    }
    out += &tcp_copy().expect("the loopback copy failed");
    out
}

/// One line of the table: the calls a copy makes with a buffer of `kib` KiB.
pub fn count_line(kib: usize) -> String {
    let (reads, writes) = count_calls(kib * 1024);
    let note = if kib * 1024 == code::io::COPY_BUFFER_SIZE {
        "  (the size code::io::copy uses)"
    } else {
        ""
    };
    format!("  buffer {kib:>3} KiB: {reads:>4} reads, {writes:>4} writes{note}\n")
}

// ANCHOR: count_calls
/// Bytes from memory, counting the calls.
struct Source {
    data: Vec<u8>,
    position: usize,
    reads: usize,
}

impl AsyncRead for Source {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.reads += 1;
        let n = buf.len().min(self.data.len() - self.position);
        buf[..n].copy_from_slice(&self.data[self.position..self.position + n]);
        self.position += n;
        Poll::Ready(Ok(n))
    }
}

/// Takes every byte it is given, counting the calls.
struct Sink {
    received: usize,
    writes: usize,
}

impl AsyncWrite for Sink {
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writes += 1;
        self.received += buf.len();
        Poll::Ready(Ok(buf.len()))
    }
}

/// Copies `TOTAL` bytes through a buffer of `size` bytes.
fn count_calls(size: usize) -> (usize, usize) {
    let mut source = Source {
        data: vec![7; TOTAL],
        position: 0,
        reads: 0,
    };
    let mut sink = Sink {
        received: 0,
        writes: 0,
    };
    // `copy_with_buffer` is `copy` through the buffer it is given: here one
    // of `size` bytes, where `copy` always takes 8 KiB.
    let copied = code::block_on(copy_with_buffer(&mut source, &mut sink, &mut vec![0; size]));
    assert_eq!(copied.unwrap(), TOTAL as u64);
    assert_eq!(sink.received, TOTAL);
    (source.reads, sink.writes) // the last read is the one that returns 0
}
// ANCHOR_END: count_calls

/// A sender thread → our copy → a receiver thread, over loopback TCP.
fn tcp_copy() -> io::Result<String> {
    let (from_sender, mut sender) = connected_pair()?;
    let (to_receiver, mut receiver) = connected_pair()?;
    let sending = thread::spawn(move || {
        let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
        sender.write_all(&data)?;
        sender.shutdown(Shutdown::Write) // end of stream for our copy
    });
    let receiving = thread::spawn(move || {
        let mut data = Vec::new();
        receiver.read_to_end(&mut data).map(|_| data)
    });
    let copied = code::block_on(async {
        let mut from = AsyncTcpStream::from_std(from_sender)?;
        let mut to = AsyncTcpStream::from_std(to_receiver)?;
        let copied = copy(&mut from, &mut to).await?;
        to.shutdown(Shutdown::Write)?; // end of stream for the receiver
        Ok::<_, io::Error>(copied)
    })?;
    sending.join().expect("sender thread")?;
    let received = receiving.join().expect("receiver thread")?;
    let in_order = received
        .iter()
        .enumerate()
        .all(|(i, &b)| b == (i % 251) as u8);
    Ok(format!(
        "copying {} MiB over loopback TCP with code::io::copy:\n  {copied} bytes copied, \
         {} received, {}\n",
        TOTAL >> 20,
        received.len(),
        if in_order {
            "all in order"
        } else {
            "NOT in order"
        },
    ))
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
