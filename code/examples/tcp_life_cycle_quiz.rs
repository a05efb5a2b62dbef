//! The program of a "what does it print?" question in the quiz of chapter
//! "A TCP connection's life". The quiz shows this file without this header;
//! code/tests/example_output_chapters.rs checks that it is the same
//! program and that the quiz's answer is what it prints. mdbook-quiz
//! compiles quiz programs with plain `rustc` (std only, edition 2015), so it
//! uses `std`'s blocking streams: TCP's half-close is the same for them.
//!
//! `cargo run -p code --example tcp_life_cycle_quiz`

// std's blocking streams: TCP's rules are the same as for AsyncTcpStream.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    let mut out = String::new();
    let mut buf = [0; 16];

    client.write_all(b"ping").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    loop {
        let n = server.read(&mut buf).unwrap();
        out += &format!("server read {}\n", n);
        if n == 0 {
            break;
        }
    }
    server.write_all(b"pong").unwrap();
    let n = client.read(&mut buf).unwrap();
    out += &format!("client read {}\n", n);
    drop(server);
    let n = client.read(&mut buf).unwrap();
    out += &format!("client read {}\n", n);
    out
}
