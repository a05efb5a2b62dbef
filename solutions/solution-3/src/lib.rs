//! The solution of exercise 3: an async echo server.
//!
//! It passes the tests in `exercises/exercise-3/tests`.

use std::io;

use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};

/// Accepts connections on `listener` for as long as it runs, and serves
/// each one with [`echo`] in a task of its own.
///
/// Returns only if accepting fails. A connection that fails is that
/// connection's problem: it must not stop the server.
pub async fn serve(listener: AsyncTcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        // A task per connection, and straight back to `accept`: awaiting
        // `echo` here instead would serve one client at a time, and an idle
        // client would block everybody else.
        code::spawn(async move {
            // The error ends this connection only; a reset by a client that
            // went away is normal for a server, so it is not worth a panic.
            let _ = echo(stream).await;
        });
    }
}

/// Sends back everything the client sends, until the client closes its
/// side; then returns how many bytes were echoed. Dropping the stream when
/// it returns closes the connection.
pub async fn echo(stream: AsyncTcpStream) -> io::Result<u64> {
    let mut buf = [0; 8 * 1024];
    let mut echoed = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            // End of stream: the client sent everything it will send.
            return Ok(echoed);
        }
        // The socket may take only part of what we read: write_all loops.
        write_all(&mut &stream, &buf[..n]).await?;
        echoed += n as u64;
    }
}
