//! Part 1 of `edge_and_level`, with the peer's 100 bytes in two batches of
//! 50: the second comes after we have read 10 bytes of the first, while 40
//! are still unread. Does the reactor get a new event for it? (The quiz of
//! chapter "Edge- vs level-triggered" asks; this is its answer.)
//!
//! Linux only, for its output: the count of events is epoll's (macOS
//! reports each direction in an event of its own).
//!
//! `cargo run -p code --example edge_and_level_two_batches`

use std::io::{self, Write};

use code::net::AsyncTcpStream;

/// The size of each batch.
const BATCH: usize = 50;
/// How many bytes we read before the second batch comes.
const READ_BEFORE_SECOND: usize = 10;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (result, lines) = code::trace::capture(two_batches);
    result.expect("the example's reads failed");
    let count = |what: &str| lines.iter().filter(|l| l.contains(what)).count();
    let mut out = format!(
        "The peer's {} bytes come in two batches of {BATCH}: the second after we have read \
         {READ_BEFORE_SECOND}.\n",
        2 * BATCH
    );
    out += &format!(
        "  reads that returned a byte:        {}\n",
        count("read -> Ok(1)")
    );
    out += &format!(
        "  reads that returned WouldBlock:    {}\n",
        count("read -> WouldBlock")
    );
    out += &format!(
        "  wakers stored (times we waited):   {}\n",
        count("stored Read waker")
    );
    out += &format!(
        "  events the reactor got for us:     {}\n",
        count("reactor: event for token")
    );
    out
}

/// Reads `2 * BATCH` bytes one byte per read, yielding after each read so
/// that the reactor looks for events in between, as `edge_and_level` does.
fn two_batches() -> io::Result<()> {
    let (ours, mut peer) = code::testing::connected_pair()?;
    peer.write_all(&[b'x'; BATCH])?;
    // Wait until loopback has delivered the first batch (and, below, the
    // second), so that every read finds its byte on any system.
    code::testing::all_arrived(&ours, BATCH)?;
    let probe = ours.try_clone()?;
    code::block_on(async {
        let stream = AsyncTcpStream::from_std(ours)?;
        let mut byte = [0; 1];
        for read in 0..2 * BATCH {
            if read == READ_BEFORE_SECOND {
                // The second batch, with 40 bytes of the first still unread.
                peer.write_all(&[b'y'; BATCH])?;
                code::testing::all_arrived(&probe, 2 * BATCH - READ_BEFORE_SECOND)?;
            }
            let n = stream.read(&mut byte).await?;
            assert_eq!(n, 1, "the peer's bytes are all there");
            code::executor::yield_now().await;
        }
        Ok(())
    })
}
