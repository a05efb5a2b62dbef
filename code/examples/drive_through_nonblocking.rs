//! The drive-through, non-blocking: `read` returns `WouldBlock` at once when
//! there is nothing yet, and the car keeps coming back to ask. Chapter
//! "The drive-through".
//!
//! `cargo run -p code --example drive_through_nonblocking`

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// How many errands the kitchen needs to cook a burger.
const COOKING_ERRANDS: usize = 3;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
pub fn run() -> String {
    // Two connected ends of one TCP connection over loopback (127.0.0.1);
    // `connected_pair` is at the end of this file.
    let (mut car, mut window) = connected_pair().expect("loopback connection");
    car.set_nonblocking(true).unwrap();
    let mut out = String::from("car: one burger, please\n");

    let mut burger = [0; 16];
    let (mut reads, mut would_block, mut errands) = (0, 0, 0);
    let n = loop {
        reads += 1;
        match car.read(&mut burger) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                would_block += 1;
                out += &format!("car: read #{reads} -> WouldBlock, off on an errand\n");
                errands += 1;
                // The kitchen is part of this program so that every run
                // prints the same: it finishes after the third errand.
                if errands == COOKING_ERRANDS {
                    out += "kitchen: burger ready\n";
                    window.write_all(b"burger").unwrap();
                    // `all_arrived` waits until loopback has delivered the
                    // bytes: on Linux they are there by now, elsewhere they
                    // may take a moment.
                    code::testing::all_arrived(&car, 6).unwrap();
                }
            }
            Err(e) => panic!("read failed: {e}"),
        }
    };
    out += &format!(
        "car: read #{reads} -> got {:?}\n",
        String::from_utf8_lossy(&burger[..n])
    );
    out += &format!(
        "read calls: {reads} ({would_block} WouldBlock), errands done while waiting: {errands}\n"
    );
    out
}
// ANCHOR_END: run

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let car = TcpStream::connect(listener.local_addr()?)?;
    let (window, _) = listener.accept()?;
    Ok((car, window))
}
