//! A line-framed server with tokio-util's `Framed` and `LinesCodec`, run by
//! `code`.
//!
//! tokio-util's codecs read and write through tokio's I/O traits
//! (`tokio::io::AsyncRead` with its `ReadBuf`), not futures-io's. Its
//! `compat` module converts between the two: `.compat()` on a futures-io
//! stream gives a stream with tokio's traits. Only the traits come from
//! tokio; no tokio runtime runs, and `code`'s reactor does the waiting.

use std::io;
use std::sync::Arc;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::compat::FuturesAsyncReadCompatExt;

use crate::{Ending, Stats, client_went_away};

/// The longest line a client may send, in bytes: a client that sends more
/// without a newline gets its connection closed, rather than growing the
/// server's buffer without bound.
pub const MAX_LINE: usize = 64 * 1024;

/// Accepts connections until the listener fails, each served by its own
/// task. Run it with `code::block_on`.
pub async fn serve(listener: AsyncTcpListener, stats: Arc<Stats>) -> io::Result<()> {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => return Err(e),
        };
        stats.accepted();
        let stats = Arc::clone(&stats);
        code::spawn(async move {
            let ending = match shout(stream, &stats).await {
                Ok(()) => Ending::Done,
                Err(LinesCodecError::Io(e)) if client_went_away(&e) => Ending::ClientLeft,
                Err(LinesCodecError::MaxLineLengthExceeded) => Ending::BadRequest,
                Err(e) => Ending::Error(e),
            };
            stats.end(ending);
        });
    }
}

// ANCHOR: shout
/// Answers each line with the same line in capitals, until the client
/// closes its side.
async fn shout(stream: AsyncTcpStream, stats: &Stats) -> Result<(), LinesCodecError> {
    let mut lines = Framed::new(stream.compat(), LinesCodec::new_with_max_length(MAX_LINE));
    while let Some(line) = lines.next().await {
        let line = line?;
        stats.answered();
        // `send` writes the line and its newline, then flushes.
        lines.send(line.to_uppercase()).await?;
    }
    Ok(())
}
// ANCHOR_END: shout
