//! An echo server on the `code` runtime: one listener, one task per
//! connection, everything on one thread.
//!
//! ```text
//! cargo run -p code --example echo_server          # listens on 127.0.0.1:7878
//! cargo run -p code --example echo_server -- 9000  # another port (0: any free one)
//! nc 127.0.0.1 7878                                # in other terminals, as many as you like
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use code::io::copy;
use code::net::{AsyncTcpListener, AsyncTcpStream};

/// The port used when none is given.
pub const DEFAULT_PORT: u16 = 7878;

fn main() {
    let port = match parse_port(std::env::args().skip(1)) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("echo_server: {message}");
            eprintln!("usage: cargo run -p code --example echo_server [-- PORT]");
            std::process::exit(2);
        }
    };
    let result = code::block_on(async {
        let listener = AsyncTcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        println!("echo server listening on {}", listener.local_addr()?);
        serve(listener).await
    });
    if let Err(e) = result {
        eprintln!("echo_server: {e}");
        std::process::exit(1);
    }
}

/// The port from the command line: none (the default), or one number.
pub fn parse_port(mut args: impl Iterator<Item = String>) -> Result<u16, String> {
    let port = match args.next() {
        None => return Ok(DEFAULT_PORT),
        Some(arg) => arg
            .parse::<u16>()
            .map_err(|_| format!("`{arg}` is not a port number (0 to 65535)"))?,
    };
    match args.next() {
        None => Ok(port),
        Some(extra) => Err(format!(
            "unexpected argument `{extra}`: give at most one port"
        )),
    }
}

// ANCHOR: serve
/// Accepts connections forever, echoing each one in a task of its own.
pub async fn serve(listener: AsyncTcpListener) -> io::Result<()> {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                println!("{peer}: connected");
                // A task per connection: a slow or idle client only ever
                // blocks its own task, never the accept loop.
                code::spawn(async move {
                    match echo(stream).await {
                        Ok(bytes) => println!("{peer}: closed after {bytes} bytes"),
                        Err(e) => println!("{peer}: {e}"),
                    }
                });
            }
            // Out of file descriptors (EMFILE), the usual cause, lasts until
            // a connection closes: trying again at once would fail again at
            // once, a busy loop, so pause before the next try. (An error
            // about one connection that is already gone, ECONNABORTED, would
            // not need the pause: pausing for every error is a simplification.)
            Err(e) => {
                eprintln!("accept failed: {e}; retrying in 100 ms");
                code::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Sends back everything the client sends, until it closes its side.
pub async fn echo(stream: AsyncTcpStream) -> io::Result<u64> {
    // Read and write through two shared references to one stream: the
    // reactor keeps separate waker slots for the two directions.
    let (mut reader, mut writer) = (&stream, &stream);
    // `copy` uses one fixed 8 KiB buffer, so memory per connection is bounded.
    copy(&mut reader, &mut writer).await
}
// ANCHOR_END: serve
