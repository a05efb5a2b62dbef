//! The program of a "what does it print?" question in the quiz of chapter
//! "A TCP connection's life". The quiz shows this file from its first `use`
//! on; code/tests/example_output_chapters.rs checks that it is the same
//! program and that the quiz's answer is what it prints.
//!
//! `cargo run -p code --example tcp_life_cycle_quiz`

use std::io;
use std::net::Shutdown;

use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let client = AsyncTcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        let mut out = String::new();
        let mut buf = [0; 16];

        write_all(&mut &client, b"ping").await?;
        client.shutdown(Shutdown::Write)?;
        loop {
            let n = server.read(&mut buf).await?;
            out += &format!("server read {n}\n");
            if n == 0 {
                break;
            }
        }
        write_all(&mut &server, b"pong").await?;
        let n = client.read(&mut buf).await?;
        out += &format!("client read {n}\n");
        drop(server);
        let n = client.read(&mut buf).await?;
        out += &format!("client read {n}\n");
        Ok::<_, io::Error>(out)
    })
    .unwrap()
}
