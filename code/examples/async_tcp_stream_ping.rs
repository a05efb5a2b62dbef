//! `AsyncTcpStream` on both ends of a connection: `read` and `write`
//! futures, `.await`ed by two tasks on one thread. Chapter "AsyncTcpStream".
//!
//! `cargo run -p code --example async_tcp_stream_ping`

use std::io;
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
pub fn run() -> String {
    let (a, b) = connected_pair().expect("loopback connection");
    let log = code::block_on(async {
        let client = AsyncTcpStream::from_std(a)?;
        let server = AsyncTcpStream::from_std(b)?;

        // The server task answers every "ping" with a "pong".
        let answering = code::spawn(async move {
            let mut buf = [0; 4];
            let mut answered = 0;
            // read() -> Ok(0) means the client closed the connection.
            while server.read(&mut buf).await? > 0 {
                server.write(b"pong").await?;
                answered += 1;
            }
            Ok::<_, io::Error>(answered)
        });

        let mut log = Vec::new();
        for round in 1..=3 {
            let sent = client.write(b"ping").await?;
            let mut buf = [0; 4];
            let got = client.read(&mut buf).await?;
            log.push(format!(
                "round {round}: wrote {sent} bytes, read {got}: {:?}",
                String::from_utf8_lossy(&buf[..got])
            ));
        }
        drop(client); // EOF for the server
        log.push(format!("server answered {} pings", answering.await?));
        Ok::<_, io::Error>(log)
    });
    log.expect("ping-pong failed").join("\n") + "\n"
}
// ANCHOR_END: run

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
