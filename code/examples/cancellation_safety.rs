//! What a timeout does to a read in progress. Chapter "Cancellation safety".
//!
//! `cargo run -p code --example cancellation_safety`
//!
//! `code::time::timeout` drops the future it runs when time is up. Dropping
//! a `read` future loses nothing; dropping a `read_exact` future after it
//! has read part of its buffer loses that part.

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

use code::io::{read_exact, write_all};
use code::net::AsyncTcpStream;
use code::time::{sleep, timeout};
use code::trace;

fn main() {
    print!("{}", run());
}

/// How long a reader waits before giving up on one attempt.
const PATIENCE: Duration = Duration::from_millis(50);
/// How long the peer pauses: longer than `PATIENCE`, so the timeout fires.
const PAUSE: Duration = Duration::from_millis(200);

pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        out += &read_exact_cancelled().await?;
        out += &read_cancelled().await?;
        out += &progress_kept_outside().await?;
        Ok::<_, io::Error>(out)
    })
    .expect("the example's I/O failed")
}

/// The run the chapter shows and its trace player replays: the peer sends
/// bytes 0 to 49 first.
pub async fn read_exact_cancelled() -> io::Result<String> {
    read_exact_cancelled_after(50).await
}

// ANCHOR: read_exact_cancelled
/// The peer sends bytes 0..first, pauses, then sends first..100 and closes.
pub async fn read_exact_cancelled_after(first: u8) -> io::Result<String> {
    let (ours, peer) = pair()?;
    code::spawn(send_in_two_parts(peer, first));

    let mut buf = [0; 100];
    let attempt = timeout(PATIENCE, read_exact(&mut &ours, &mut buf)).await;
    // The timeout dropped read_exact after it had read the first part into
    // `buf`; how many bytes it had read died with it.
    let retry = read_exact(&mut &ours, &mut buf).await;

    let mut report = format!(
        "read_exact, 100 bytes, {PATIENCE:?} timeout: {}\n",
        describe(&attempt)
    );
    match retry {
        Ok(()) => report += "  retry: done\n",
        Err(e) => report += &format!("  retry: {e}\n"),
    }
    report += &format!(
        "  the buffer now starts with byte {}: bytes 0 to {} are gone\n",
        buf[0],
        first - 1
    );
    Ok(report)
}
// ANCHOR_END: read_exact_cancelled

// ANCHOR: read_cancelled
/// The peer pauses first, then sends all 100 bytes and closes.
async fn read_cancelled() -> io::Result<String> {
    let (ours, peer) = pair()?;
    code::spawn(async move {
        sleep(PAUSE).await;
        write_all(&mut &peer, &numbers(0..100)).await?;
        // Closes the peer's sending half: our reads get `Ok(0)` after the bytes.
        peer.shutdown(Shutdown::Write)
    });

    let mut buf = [0; 100];
    let first = timeout(PATIENCE, ours.read(&mut buf)).await;
    // A read takes bytes only in the poll that returns them: nothing was
    // taken from the socket by the read we dropped. (`read_to_end`, further
    // down this file, reads until `Ok(0)`, the end of the stream.)
    let all = read_to_end(&ours).await?;

    let mut report = format!("read, {PATIENCE:?} timeout: {}\n", describe(&first));
    report += &format!("  then reading to the end got {} bytes, ", all.len());
    report += &format!("{} to {}\n", all[0], all[all.len() - 1]);
    Ok(report)
}
// ANCHOR_END: read_cancelled

// ANCHOR: progress_kept_outside
/// `read_exact` made cancellation safe by its caller: the count of bytes
/// read lives outside the future that the timeout may drop.
async fn progress_kept_outside() -> io::Result<String> {
    let (ours, peer) = pair()?;
    code::spawn(async move {
        sleep(PAUSE).await; // so that the very first attempt times out
        send_in_two_parts(peer, 50).await
    });

    let mut buf = [0; 100];
    let mut filled = 0;
    let mut timeouts = 0;
    while filled < buf.len() {
        match timeout(PATIENCE, ours.read(&mut buf[filled..])).await {
            Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(Ok(n)) => filled += n,
            Ok(Err(e)) => return Err(e),
            // Give up on this attempt only: `filled` still counts what we have.
            Err(_elapsed) => timeouts += 1,
        }
    }
    let mut report = format!("read into buf[filled..], {PATIENCE:?} timeout per read:");
    report += &format!("\n  {filled} bytes, {} to {}, ", buf[0], buf[99]);
    report += match timeouts {
        0 => "and no read timed out\n",
        _ => "although reads timed out on the way\n",
    };
    Ok(report)
}
// ANCHOR_END: progress_kept_outside

/// Sends bytes 0..first, pauses longer than the reader's patience, sends
/// first..100, and closes its sending side.
async fn send_in_two_parts(peer: AsyncTcpStream, first: u8) -> io::Result<()> {
    write_all(&mut &peer, &numbers(0..first)).await?;
    sleep(PAUSE).await;
    write_all(&mut &peer, &numbers(first..100)).await?;
    peer.shutdown(Shutdown::Write)?;
    let from = peer.token().0;
    trace::emit(|| format!("kernel: end of stream from token {from} arrives at the other end"));
    Ok(())
}

fn numbers(range: std::ops::Range<u8>) -> Vec<u8> {
    range.collect()
}

/// Reads until the end of the stream (`Ok(0)`) and returns every byte read.
async fn read_to_end(stream: &AsyncTcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0; 64];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

fn describe<T>(result: &Result<T, code::time::Elapsed>) -> String {
    match result {
        Ok(_) => "finished".to_string(),
        Err(elapsed) => format!("timed out ({elapsed})"),
    }
}

/// Two ends of one loopback connection, both on this runtime.
fn pair() -> io::Result<(AsyncTcpStream, AsyncTcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let ours = TcpStream::connect(listener.local_addr()?)?;
    let (peer, _) = listener.accept()?;
    Ok((
        AsyncTcpStream::from_std(ours)?,
        AsyncTcpStream::from_std(peer)?,
    ))
}
