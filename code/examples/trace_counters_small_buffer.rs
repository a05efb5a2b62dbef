//! The read of `trace_counters` with a 2-byte buffer: task 1 reads until it
//! has all of `hello`. Chapter "Following the data" does not show this run;
//! its quiz asks the reader to predict how often the task is polled.
//!
//! `cargo run -p code --example trace_counters_small_buffer`

use std::io;

use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::trace::Op;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (a, b) = code::testing::connected_pair().expect("loopback connection");
    let (result, trace) = code::trace::record(|| {
        code::block_on(async {
            let reader = AsyncTcpStream::from_std(a)?;
            let writer = AsyncTcpStream::from_std(b)?;
            let token = reader.token();

            // Task 1 reads 2 bytes at a time until it has all 5.
            let read = code::spawn(async move {
                let (mut got, mut buf) = (Vec::new(), [0; 2]);
                while got.len() < 5 {
                    let n = reader.read(&mut buf).await?;
                    got.extend_from_slice(&buf[..n]);
                }
                Ok::<_, io::Error>(got)
            });
            let task = read.id();
            code::executor::yield_now().await; // task 1 tries first
            writer.write(b"hello").await?;
            let got = read.await?;
            Ok::<_, io::Error>((task, token, got))
        })
    });
    let (task, token, got) = result.expect("the recorded read failed");
    assert_eq!(got, b"hello");

    let t = token.0;
    let mut out = format!("task {task} reads \"hello\" 2 bytes at a time, until it has all 5:\n");
    out += &format!("task {task} was polled {} times\n", trace.polls(task));
    out += &format!(
        "read calls on token {t}: {} ({} WouldBlock)\n",
        trace.socket_calls(token, Op::Read),
        trace.would_blocks(token, Op::Read)
    );
    out += &format!(
        "wakers stored in token {t}'s read slot: {}\n",
        trace.stores(token, Direction::Read)
    );
    out += &format!("times the executor waited for events: {}\n", trace.waits());
    out
}
