//! The drive-through, blocking: `read` stops the whole thread until the
//! kitchen answers. Chapter "The drive-through".
//!
//! `cargo run -p code --example drive_through_blocking`

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
pub fn run() -> String {
    // Two connected ends of one TCP connection over loopback (127.0.0.1);
    // `connected_pair` is at the end of this file.
    let (mut car, mut window) = connected_pair().expect("loopback connection");
    let log = Arc::new(Mutex::new(Vec::new()));
    let say =
        |log: &Arc<Mutex<Vec<String>>>, line: &str| log.lock().unwrap().push(line.to_string());

    // The kitchen: a second thread, because this one will be stuck at the window.
    let kitchen_log = Arc::clone(&log);
    let kitchen = thread::spawn(move || {
        let mut order = [0; 6];
        window.read_exact(&mut order).unwrap();
        say(&kitchen_log, "kitchen: cooking");
        say(&kitchen_log, "kitchen: burger ready");
        window.write_all(b"burger").unwrap();
    });

    say(&log, "car: one burger, please");
    car.write_all(b"burger").unwrap();
    let mut burger = [0; 16];
    // The same loop as the non-blocking car's. But this socket is blocking:
    // `read` sleeps inside the kernel until the burger is there, so it never
    // returns `WouldBlock` and the errand branch never runs.
    let (mut reads, mut would_block, mut errands) = (0, 0, 0);
    let n = loop {
        reads += 1;
        match car.read(&mut burger) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                would_block += 1;
                errands += 1;
            }
            Err(e) => panic!("read failed: {e}"),
        }
    };
    say(
        &log,
        &format!(
            "car: read #{reads} -> got {:?}",
            String::from_utf8_lossy(&burger[..n])
        ),
    );
    kitchen.join().unwrap();

    let mut out = log.lock().unwrap().join("\n");
    out += &format!(
        "\nread calls: {reads} ({would_block} WouldBlock), errands done while waiting: {errands}\n"
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
