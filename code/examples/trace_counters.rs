//! The read of `trace_read` again, recorded as events and asked questions
//! with the trace's counters instead of read line by line. Chapter
//! "Following the data".
//!
//! `cargo run -p code --example trace_counters`

use std::io;
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::trace::Op;

fn main() {
    print!("{}", run());
}

// ANCHOR: run
pub fn run() -> String {
    let (a, b) = connected_pair().expect("loopback connection");
    let (result, trace) = code::trace::record(|| {
        code::block_on(async {
            let reader = AsyncTcpStream::from_std(a)?;
            let writer = AsyncTcpStream::from_std(b)?;
            let token = reader.token();

            let read = code::spawn(async move {
                let mut buf = [0; 16];
                reader.read(&mut buf).await
            });
            let task = read.id(); // the id the trace knows it by
            code::executor::yield_now().await; // task 1 tries first
            writer.write(b"hello").await?;
            let n = read.await?;
            Ok::<_, io::Error>((task, token, n))
        })
    });
    let (task, token, n) = result.expect("the recorded read failed");
    assert_eq!(n, 5);

    let t = token.0;
    let mut out = String::new();
    out += &format!("task {task} was polled {} times\n", trace.polls(task));
    out += &format!(
        "read calls on token {t}: {} ({} WouldBlock)\n",
        trace.socket_calls(token, Op::Read),
        trace.would_blocks(token, Op::Read)
    );
    out += &format!(
        "wakers stored in token {t}'s read slot: {}, in its write slot: {}\n",
        trace.stores(token, Direction::Read),
        trace.stores(token, Direction::Write)
    );
    out += &format!(
        "wakes from token {t}'s read slot: {}\n",
        trace.wakes(token, Direction::Read)
    );
    out += &format!("times the executor waited for events: {}\n", trace.waits());
    out += &format!(
        "events recorded: {}, of which {} print a line\n",
        trace.events().len(),
        trace.lines().len()
    );
    out
}
// ANCHOR_END: run

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
