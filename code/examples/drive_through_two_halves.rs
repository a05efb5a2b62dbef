//! The async car of `drive_through_async`, with a kitchen that hands out the
//! burger in two halves: `bur`, and `ger` three errands later. The car reads
//! until it has all 6 bytes. How many `read` calls does it make? (The quiz
//! of the chapter "The drive-through" asks; this is its answer.)
//!
//! `cargo run -p code --example drive_through_two_halves`

use std::io;

use code::net::AsyncTcpStream;
use code::trace;

/// Errands before the first half, and again before the second.
const ERRANDS_PER_HALF: usize = 3;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (car, window) = code::testing::connected_pair().expect("loopback connection");
    let (result, trace) = trace::record(|| {
        code::block_on(async {
            let car = AsyncTcpStream::from_std(car)?;
            let window = AsyncTcpStream::from_std(window)?;
            let token = car.token();
            // The car reads until it has the whole burger: after a read that
            // brought part of it, it reads again at once.
            let pickup = code::spawn(async move {
                let (mut burger, mut got) = ([0; 16], 0);
                while got < 6 {
                    got += car.read(&mut burger[got..]).await?;
                }
                Ok::<_, io::Error>(burger[..got].to_vec())
            });
            code::executor::yield_now().await; // the car reaches the window first
            for half in [&b"bur"[..], b"ger"] {
                for _ in 0..ERRANDS_PER_HALF {
                    code::executor::yield_now().await;
                }
                window.write(half).await?; // 3 bytes fit: one write takes them
            }
            let burger = pickup.await?;
            Ok::<_, io::Error>((token, burger))
        })
    });
    let (token, burger) = result.expect("the drive-through failed");
    format!(
        "The kitchen writes \"bur\", and \"ger\" {ERRANDS_PER_HALF} errands later.\n\
         async car: {} read calls ({} WouldBlock) for {:?}\n",
        trace.socket_calls(token, trace::Op::Read),
        trace.would_blocks(token, trace::Op::Read),
        String::from_utf8_lossy(&burger)
    )
}
