//! The quiz program of the chapter "The drive-through": a non-blocking read
//! before and after the kitchen writes, with `std` only (the quiz runs it
//! with plain `rustc`). `book/quizzes/drive-through.toml` holds this program
//! below this header, and a test checks that both agree and that the quiz's
//! answer is what `run()` prints.
//!
//! `cargo run -p code --example drive_through_quiz`

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut car = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut window, _) = listener.accept().unwrap();
    car.set_nonblocking(true).unwrap();

    let mut out = String::new();
    let mut buf = [0; 16];
    for attempt in 1..4 {
        if attempt == 3 {
            // On Linux, loopback has delivered the bytes when this returns.
            window.write_all(b"burger").unwrap();
        }
        match car.read(&mut buf) {
            Ok(n) => out += &format!("read {}: Ok({})\n", attempt, n),
            Err(ref e) if e.kind() == ErrorKind::WouldBlock => {
                out += &format!("read {}: WouldBlock\n", attempt)
            }
            Err(e) => panic!("{}", e),
        }
    }
    out
}
