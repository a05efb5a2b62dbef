//! The drive-through of `drive_through_nonblocking` and `drive_through_async`
//! again, with a kitchen that needs 10 errands instead of 3: the polling car
//! makes a call per errand, the async car still two (chapter "The
//! drive-through").
//!
//! `cargo run -p code --example drive_through_ten_errands`

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;
use code::trace;

/// How many errands the kitchen needs now (3 in the chapter's examples).
const COOKING_ERRANDS: usize = 10;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let polling = nonblocking_reads().expect("the non-blocking car failed");
    let waiting = async_reads().expect("the async car failed");
    format!(
        "The kitchen needs {COOKING_ERRANDS} errands now.\n\
         non-blocking car: {polling} read calls, {COOKING_ERRANDS} errands while waiting\n\
         async car: {waiting} read calls, {COOKING_ERRANDS} errands while waiting\n"
    )
}

/// The non-blocking car's loop: one `read` per errand, and one that gets
/// the burger. Returns how many `read` calls it made.
fn nonblocking_reads() -> io::Result<usize> {
    let (mut car, mut window) = connected_pair()?;
    car.set_nonblocking(true)?;
    let mut burger = [0; 16];
    let (mut reads, mut errands) = (0, 0);
    loop {
        reads += 1;
        match car.read(&mut burger) {
            Ok(_) => return Ok(reads),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                errands += 1;
                if errands == COOKING_ERRANDS {
                    window.write_all(b"burger")?;
                    // So that the next read finds the bytes on every system.
                    code::testing::all_arrived(&car, 6)?;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The async car: its task reads once, parks, and is woken when the burger
/// comes, while the main task runs the errands. Returns how many `read`
/// calls the car's socket saw (counted in the runtime's trace).
fn async_reads() -> io::Result<usize> {
    let (car, window) = connected_pair()?;
    let (result, trace) = trace::record(|| {
        code::block_on(async {
            let car = AsyncTcpStream::from_std(car)?;
            let window = AsyncTcpStream::from_std(window)?;
            let token = car.token();
            let pickup = code::spawn(async move {
                let mut burger = [0; 16];
                car.read(&mut burger).await
            });
            code::executor::yield_now().await; // the car reaches the window first
            for _ in 0..COOKING_ERRANDS {
                code::executor::yield_now().await;
            }
            window.write(b"burger").await?;
            pickup.await?;
            Ok::<_, io::Error>(token)
        })
    });
    let token = result?;
    Ok(trace.socket_calls(token, trace::Op::Read))
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let car = TcpStream::connect(listener.local_addr()?)?;
    let (window, _) = listener.accept()?;
    Ok((car, window))
}
