//! Two clients talk to the echo server's `echo` at the same time, in a fixed
//! order, so the transcript is the same on every run. Chapter "An async echo
//! server".
//!
//! `cargo run -p code --example echo_session`

#[allow(dead_code)] // only `echo` is used here
#[path = "echo_server.rs"]
pub mod echo_server;

use std::io;
use std::net::Shutdown;

use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(session()).expect("the echo session failed")
}

async fn session() -> io::Result<String> {
    let mut out = String::new();
    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    let addr = listener.local_addr()?;
    out += "server: listening on 127.0.0.1 (the OS picked the port)\n";

    // The server side: accept two connections, one echo task each.
    let server = code::spawn(async move {
        let mut connections = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().await?;
            connections.push(code::spawn(echo_server::echo(stream)));
        }
        Ok::<_, io::Error>(connections)
    });

    let client_1 = AsyncTcpStream::connect(addr).await?;
    out += &exchange("client 1", &client_1, "hello").await?;
    let client_2 = AsyncTcpStream::connect(addr).await?;
    out += &exchange("client 2", &client_2, "world").await?;
    out += "          (client 1 is connected and idle: it holds up nobody)\n";
    out += &exchange("client 1", &client_1, "again").await?;

    let mut connections = server.await?;
    for (name, client, task) in [("client 2", &client_2, 1), ("client 1", &client_1, 0)] {
        // EOF for the server's read: its `copy` ends, and the echo task with it.
        client.shutdown(Shutdown::Write)?;
        let echoed = (&mut connections[task]).await?;
        let mut rest = [0; 1];
        let after = client.read(&mut rest).await?;
        out += &format!(
            "{name}: closes its side -> the server echoed {echoed} bytes and closed too (read -> {after})\n"
        );
    }
    Ok(out)
}

/// Sends `message` and reads back as many bytes.
pub async fn exchange(name: &str, client: &AsyncTcpStream, message: &str) -> io::Result<String> {
    write_all(&mut &*client, message.as_bytes()).await?;
    let mut reply = vec![0; message.len()];
    read_exact(&mut &*client, &mut reply).await?;
    Ok(format!(
        "{name}: sends {message:?} -> gets back {:?}\n",
        String::from_utf8_lossy(&reply)
    ))
}
