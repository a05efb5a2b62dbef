//! What a framing layer is up against, each fact checked by an assertion:
//! TCP keeps no message boundaries, a read returns what has arrived, a
//! `Vec` grows as a read buffer, a length header is the peer's word, and
//! bytes in a user-space buffer have not been sent. Deeper page "Framing".
//!
//! `cargo run -p code --example framing`

use std::future::poll_fn;
use std::io::{self, Write};
use std::task::{Context, Poll};
use std::time::Duration;

use code::io::{AsyncRead, AsyncWrite, write_all};
use code::net::AsyncTcpStream;
use code::testing::{all_arrived, connected_pair};

fn main() -> io::Result<()> {
    boundaries_are_not_kept()?;
    a_read_returns_what_has_arrived()?;
    a_vec_grows_as_a_read_buffer()?;
    a_header_is_the_peers_word();
    many_small_writes_or_one()?;
    buffered_bytes_are_not_sent()?;
    println!("every check of the framing example passed");
    Ok(())
}

// ANCHOR: boundaries
/// Two writes on one side, one read on the other: the two messages arrive
/// as one run of bytes, with nothing to say where the first ended.
fn boundaries_are_not_kept() -> io::Result<()> {
    let (mut ours, theirs) = connected_pair()?;
    ours.write_all(b"hello")?;
    ours.write_all(b"world")?;
    all_arrived(&theirs, 10)?; // both are in the receive buffer now
    let theirs = AsyncTcpStream::from_std(theirs)?;
    let mut buf = [0; 64];
    let n = code::block_on(theirs.read(&mut buf))?;
    assert_eq!(&buf[..n], b"helloworld");
    Ok(())
}
// ANCHOR_END: boundaries

// ANCHOR: partial
/// One message, sent in two parts with a pause between them: a read does
/// not wait for the rest, it returns the part that is there.
fn a_read_returns_what_has_arrived() -> io::Result<()> {
    let (mut ours, theirs) = connected_pair()?;
    ours.write_all(b"hel")?;
    all_arrived(&theirs, 3)?;
    let theirs = AsyncTcpStream::from_std(theirs)?;
    let mut buf = [0; 64];
    let n = code::block_on(theirs.read(&mut buf))?;
    assert_eq!(
        &buf[..n],
        b"hel",
        "3 of the 5 bytes, although there was room for 64"
    );
    Ok(())
}
// ANCHOR_END: partial

// ANCHOR: read_into_vec
/// One read appended to `buf`: the vector grows by `room` zeroed bytes, the
/// read fills some of them, and the vector shrinks back to what the read
/// brought. All three happen within one poll, so between polls `buf` holds
/// only bytes that were read.
async fn read_into_vec<R: AsyncRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    room: usize,
) -> io::Result<usize> {
    poll_fn(|cx| {
        let start = buf.len();
        buf.resize(start + room, 0);
        let poll = reader.poll_read(cx, &mut buf[start..]);
        let added = match poll {
            Poll::Ready(Ok(n)) => n,
            _ => 0,
        };
        buf.truncate(start + added);
        poll
    })
    .await
}
// ANCHOR_END: read_into_vec

/// Bytes in memory, handed out at most `chunk` at a time.
struct Chunks {
    data: &'static [u8],
    chunk: usize,
}

impl AsyncRead for Chunks {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let n = self.data.len().min(buf.len()).min(self.chunk);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(n))
    }
}

// ANCHOR: grow
fn a_vec_grows_as_a_read_buffer() -> io::Result<()> {
    let mut reader = Chunks {
        data: b"a stream cut in pieces",
        chunk: 5,
    };
    let mut buf = Vec::new();
    code::block_on(async {
        // Each read adds what it brought, after what is already there.
        while read_into_vec(&mut reader, &mut buf, 4096).await? > 0 {}
        Ok::<_, io::Error>(())
    })?;
    assert_eq!(buf, b"a stream cut in pieces");
    Ok(())
}
// ANCHOR_END: grow

// ANCHOR: header
fn a_header_is_the_peers_word() {
    // A 4-byte big-endian length: the most significant byte first.
    assert_eq!(u32::from_be_bytes([0, 0, 1, 44]), 300);
    assert_eq!(300u32.to_be_bytes(), [0, 0, 1, 44]);
    // Four bytes can say 4 GiB. A reader that believed them would reserve
    // that much for one frame, which is why it checks a maximum first.
    let said = u32::from_be_bytes([0xff; 4]) as u64;
    assert_eq!(said, 4 * 1024 * 1024 * 1024 - 1);
}
// ANCHOR_END: header

/// A writer that takes everything and counts its writes, as a socket
/// would count system calls.
#[derive(Default)]
struct Counting {
    writes: usize,
    bytes: Vec<u8>,
}

impl AsyncWrite for Counting {
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
}

// ANCHOR: buffered
fn many_small_writes_or_one() -> io::Result<()> {
    let messages: Vec<String> = (0..100).map(|i| format!("message {i}")).collect();
    code::block_on(async {
        // Straight to the writer: a write for each header and each payload.
        let mut direct = Counting::default();
        for message in &messages {
            write_all(&mut direct, &(message.len() as u32).to_be_bytes()).await?;
            write_all(&mut direct, message.as_bytes()).await?;
        }
        // Into a buffer first, then the buffer in one go.
        let mut buffer = Vec::new();
        for message in &messages {
            buffer.extend_from_slice(&(message.len() as u32).to_be_bytes());
            buffer.extend_from_slice(message.as_bytes());
        }
        let mut buffered = Counting::default();
        write_all(&mut buffered, &buffer).await?;

        assert_eq!(direct.bytes, buffered.bytes, "the same bytes...");
        assert_eq!(
            (direct.writes, buffered.writes),
            (200, 1),
            "...in 200 writes or in 1"
        );
        Ok(())
    })
}
// ANCHOR_END: buffered

// ANCHOR: flush
fn buffered_bytes_are_not_sent() -> io::Result<()> {
    let (ours, theirs) = connected_pair()?;
    let (ours, theirs) = (
        AsyncTcpStream::from_std(ours)?,
        AsyncTcpStream::from_std(theirs)?,
    );
    code::block_on(async {
        let mut pending = Vec::new();
        pending.extend_from_slice(&5u32.to_be_bytes());
        pending.extend_from_slice(b"hello");
        // The frame is written, as far as our buffer is concerned, but
        // nothing has left the program: the peer waits in vain.
        let mut buf = [0; 64];
        let waited = code::time::timeout(Duration::from_millis(50), theirs.read(&mut buf)).await;
        assert!(
            waited.is_err(),
            "nothing arrives while the bytes sit in our Vec"
        );
        // Flushing is handing them to the socket.
        write_all(&mut &ours, &pending).await?;
        pending.clear();
        let n = theirs.read(&mut buf).await?;
        assert_eq!(&buf[..n], b"\0\0\0\x05hello");
        Ok(())
    })
}
// ANCHOR_END: flush
