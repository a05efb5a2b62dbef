//! Nagle's algorithm meets delayed ACKs: a client that writes a request in
//! two small pieces and then waits for the answer, timed with Nagle on (the
//! default) and off (`set_nodelay(true)`). Deeper page "Small writes, Nagle
//! and delayed ACKs". The times depend on the system, so no output of this
//! example is committed: run it and look.
//!
//! `cargo run -p code --example nagle`

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};

fn main() {
    for nodelay in [false, true] {
        let times = rounds(nodelay, 20).expect("the exchange failed");
        let total: Duration = times.iter().sum();
        let slowest = times.iter().max().copied().unwrap_or_default();
        println!(
            "set_nodelay({nodelay}): {} rounds in {:.1} ms, the slowest {:.1} ms",
            times.len(),
            total.as_secs_f64() * 1000.0,
            slowest.as_secs_f64() * 1000.0
        );
    }
}

// ANCHOR: exchange
/// One request in two writes (a 10-byte header, then a 10-byte body), then
/// the 2-byte answer: write, write, read.
pub async fn exchange(client: &AsyncTcpStream) -> io::Result<()> {
    write_all(&mut &*client, b"HEADER....").await?;
    write_all(&mut &*client, b"BODY......").await?;
    let mut answer = [0; 2];
    read_exact(&mut &*client, &mut answer).await?;
    assert_eq!(&answer, b"ok");
    Ok(())
}

/// Answers `ok` once it has a whole request: it needs the body before it
/// can answer, as a real server needs the whole request.
pub async fn serve(server: AsyncTcpStream) -> io::Result<()> {
    let mut request = [0; 20];
    loop {
        match read_exact(&mut &server, &mut request).await {
            Ok(()) => write_all(&mut &server, b"ok").await?,
            // The client is done.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
// ANCHOR_END: exchange

/// `n` exchanges on one loopback connection; the time each took.
pub fn rounds(nodelay: bool, n: usize) -> io::Result<Vec<Duration>> {
    code::block_on(async {
        let listener = AsyncTcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let client = AsyncTcpStream::connect(addr).await?;
        let (server, _) = listener.accept().await?;
        client.set_nodelay(nodelay)?;
        let serving = code::spawn(serve(server));
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            exchange(&client).await?;
            times.push(start.elapsed());
        }
        drop(client); // end of stream: the server stops
        serving.await?;
        Ok(times)
    })
}
