//! A variant of `echo_session` that chapter "An async echo server" does not
//! show: one client resets its connection (`SO_LINGER` 0, then close) while
//! another stays connected. The reset client's echo task ends with the
//! error, and the other client is still served.
//!
//! `cargo run -p code --example echo_session_reset`

#[allow(dead_code)] // only `exchange` and the echo server's `echo` are used here
#[path = "echo_session.rs"]
mod echo_session;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use echo_session::{echo_server, exchange};

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
    let client_2 = resetting_client(addr)?;
    out += &exchange("client 2", &client_2, "bye").await?;
    let mut connections = server.await?;

    // Closing with SO_LINGER 0 sends a reset instead of a FIN.
    drop(client_2);
    let result = match (&mut connections[1]).await {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({:?})", e.kind()),
    };
    out += &format!("client 2: resets its connection -> its echo task returned {result}\n");

    out += &exchange("client 1", &client_1, "again").await?;
    client_1.shutdown(Shutdown::Write)?;
    let echoed = (&mut connections[0]).await?;
    out += &format!("client 1: closes its side -> the server echoed {echoed} bytes\n");
    Ok(out)
}

/// A client whose close will be a reset: `SO_LINGER` on, with 0 seconds.
fn resetting_client(addr: SocketAddr) -> io::Result<AsyncTcpStream> {
    let stream = TcpStream::connect(addr)?;
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    AsyncTcpStream::from_std(stream)
}
