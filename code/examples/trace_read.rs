//! One read, traced: the runtime prints each step of the readiness pattern
//! as it happens. Chapter "Following the data".
//!
//! `cargo run -p code --example trace_read`

use std::io;
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
/// Task 1 reads from token 0; the main future lets it try first, then
/// writes `hello` from token 1, the other end of the connection.
pub fn one_read() -> io::Result<String> {
    let (a, b) = connected_pair()?;
    code::block_on(async {
        let reader = AsyncTcpStream::from_std(a)?; // token 0
        let writer = AsyncTcpStream::from_std(b)?; // token 1

        // Task 1 reads; nothing has been sent yet.
        let read = code::spawn(async move {
            let mut buf = [0; 16];
            let n = reader.read(&mut buf).await?;
            Ok::<_, io::Error>(String::from_utf8_lossy(&buf[..n]).into_owned())
        });
        // Let task 1 try first, then send it something.
        code::executor::yield_now().await;
        writer.write(b"hello").await?;
        read.await
    })
}

pub fn run() -> String {
    let (result, lines) = code::trace::capture(one_read);
    assert_eq!(result.expect("the traced read failed"), "hello");

    let mut out = String::new();
    for (number, line) in lines.iter().enumerate() {
        out += &format!("{:>2}  {line}\n", number + 1);
    }
    out
}
// ANCHOR_END: run

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
