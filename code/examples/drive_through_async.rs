//! The drive-through, async: "call me when it's ready". The car's task tries
//! to read, gets `WouldBlock`, leaves its waker with the reactor and returns
//! `Pending`; the thread runs errands meanwhile; the reactor wakes the task
//! when the burger arrives. Chapter "The drive-through".
//!
//! `cargo run -p code --example drive_through_async`

use std::io;
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;
use code::trace;

/// How many errands the kitchen needs to cook a burger.
const COOKING_ERRANDS: usize = 3;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
/// The car's task reads from token 0; the main task runs errands, then the
/// kitchen writes the burger from token 1, the other end.
pub fn drive_through() -> io::Result<()> {
    // Two connected ends of one TCP connection over loopback (127.0.0.1);
    // `connected_pair` is at the end of this file.
    let (car, window) = connected_pair()?;
    code::block_on(async {
        let car = AsyncTcpStream::from_std(car)?;
        let window = AsyncTcpStream::from_std(window)?;

        // The car's task: wait at the window without blocking the thread.
        let pickup = code::spawn(async move {
            trace::emit(|| "car: one burger, please; call me when it's ready".to_string());
            let mut burger = [0; 16];
            let n = car.read(&mut burger).await?;
            trace::emit(|| format!("car: got {:?}", String::from_utf8_lossy(&burger[..n])));
            Ok::<_, io::Error>(())
        });

        // Let the car take its turn first: it goes to the window.
        code::executor::yield_now().await;
        // Meanwhile the same thread runs errands, one per turn.
        for errand in 1..=COOKING_ERRANDS {
            trace::emit(|| format!("errand {errand}"));
            code::executor::yield_now().await;
        }
        trace::emit(|| "kitchen: burger ready".to_string());
        window.write(b"burger").await?; // 6 bytes fit: one write takes them all
        pickup.await
    })
}

pub fn run() -> String {
    let (result, lines) = trace::capture(drive_through);
    result.expect("the drive-through failed");

    // The story and the car's side of the runtime's trace (the full trace is
    // in the chapter "Following the data").
    let mut out = String::new();
    for line in lines.iter().filter(|l| shown(l)) {
        out += &format!("{line}\n");
    }
    // Counted in the trace: the car's read calls, and the errands that ran
    // between its `WouldBlock` and its burger.
    let reads = lines.iter().filter(|l| l.contains(" read -> ")).count();
    let would_block = lines
        .iter()
        .filter(|l| l.contains(" read -> WouldBlock"))
        .count();
    let waiting_from = lines.iter().position(|l| l.contains(" read -> WouldBlock"));
    let waiting_to = lines.iter().position(|l| l.starts_with("car: got"));
    let errands = match (waiting_from, waiting_to) {
        (Some(from), Some(to)) => lines[from..to]
            .iter()
            .filter(|l| l.starts_with("errand "))
            .count(),
        _ => 0,
    };
    out += &format!(
        "read calls: {reads} ({would_block} WouldBlock), errands done while waiting: {errands}\n"
    );
    out
}
// ANCHOR_END: run

/// Lines of the story, the socket calls, and the reactor storing and waking
/// the car's waker.
fn shown(line: &str) -> bool {
    !line.starts_with("executor:") && !line.starts_with("reactor:")
        || line.contains("stored")
        || line.contains("waking")
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let car = TcpStream::connect(listener.local_addr()?)?;
    let (window, _) = listener.accept()?;
    Ok((car, window))
}
