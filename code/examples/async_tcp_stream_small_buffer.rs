//! `async_tcp_stream_ping` with a client whose read buffer holds 2 bytes
//! instead of 4: what does each round read now? (The quiz of the chapter
//! "AsyncTcpStream" asks; this is its answer.)
//!
//! `cargo run -p code --example async_tcp_stream_small_buffer`

use std::io;
use std::net::Shutdown;

use code::net::AsyncTcpStream;

/// The client's read buffer (4 in `async_tcp_stream_ping`).
const CLIENT_BUFFER: usize = 2;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (a, b) = code::testing::connected_pair().expect("loopback connection");
    let log = code::block_on(async {
        let client = AsyncTcpStream::from_std(a)?;
        let server = AsyncTcpStream::from_std(b)?;

        // The server task answers every "ping" with a "pong", as before.
        let answering = code::spawn(async move {
            let mut buf = [0; 4];
            let mut answered = 0;
            while server.read(&mut buf).await? > 0 {
                server.write(b"pong").await?;
                answered += 1;
            }
            Ok::<_, io::Error>(answered)
        });

        let mut log = Vec::new();
        for round in 1..=3 {
            let sent = client.write(b"ping").await?;
            let mut buf = [0; CLIENT_BUFFER];
            let got = client.read(&mut buf).await?;
            log.push(format!(
                "round {round}: wrote {sent} bytes, read {got}: {:?}",
                String::from_utf8_lossy(&buf[..got])
            ));
        }
        // EOF for the server. Not `drop`: the client has not read all of
        // the last "pong", and closing a socket with unread data sends a
        // reset, which could reach the server before its last write.
        client.shutdown(Shutdown::Write)?;
        log.push(format!("server answered {} pings", answering.await?));
        Ok::<_, io::Error>(log)
    });
    log.expect("ping-pong failed").join("\n") + "\n"
}
