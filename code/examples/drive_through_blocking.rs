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

    say(
        &log,
        "car: one burger, please (then read() blocks this thread)",
    );
    car.write_all(b"burger").unwrap();
    let mut burger = [0; 16];
    // One call, and the thread sleeps inside it until the burger arrives:
    // nothing else can run on this thread meanwhile, so no errands.
    let n = car.read(&mut burger).unwrap();
    say(
        &log,
        &format!("car: got {:?}", String::from_utf8_lossy(&burger[..n])),
    );
    kitchen.join().unwrap();

    let mut out = log.lock().unwrap().join("\n");
    out += "\nread calls: 1 (0 WouldBlock), errands done while waiting: 0\n";
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
