//! Two tasks reading one stream, with no data coming: they share the token's
//! read slot, and `set_waker` wakes the waker it displaces, so each one's
//! `WouldBlock` wakes the other. The two wake each other forever and the
//! thread never rests. Bounded: we watch for 100 ms and count the polls.
//! Chapter "When the simple version breaks".
//!
//! `cargo run -p code --example two_readers`

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use code::net::AsyncTcpStream;

/// How long we watch the readers.
const WATCH: Duration = Duration::from_millis(100);

fn main() {
    print!("{}", run());
}

// ANCHOR: run
pub fn run() -> String {
    let alone = polls_while_watching(1);
    let two = polls_while_watching(2);
    format!(
        "one reader, no data, {ms} ms: polled {}\n\
         two readers, no data, {ms} ms: polled {}\n",
        order_of_magnitude(alone),
        order_of_magnitude(two),
        ms = WATCH.as_millis(),
    )
}

/// Spawns `readers` tasks that all read one stream whose peer sends nothing,
/// lets them run for `WATCH`, and returns how often they were polled in all.
fn polls_while_watching(readers: usize) -> u64 {
    let (ours, _peer) = connected_pair().expect("loopback connection");
    let polls = Rc::new(Cell::new(0u64));
    code::block_on(async {
        let stream = Rc::new(AsyncTcpStream::from_std(ours)?);
        for _ in 0..readers {
            let (stream, polls) = (Rc::clone(&stream), Rc::clone(&polls));
            code::spawn(async move {
                let mut buf = [0; 16];
                poll_fn(|cx| {
                    polls.set(polls.get() + 1);
                    stream.poll_read(cx, &mut buf)
                })
                .await
            });
        }
        // The main task sleeps; the readers are dropped when it returns.
        code::time::sleep(WATCH).await;
        Ok::<_, io::Error>(())
    })
    .expect("the readers failed");
    polls.get()
}
// ANCHOR_END: run

/// The count varies from run to run and machine to machine; its order of
/// magnitude does not. (1,000 polls in 100 ms is a low bar, so that a loaded
/// machine passes too; an idle one makes many times more.)
fn order_of_magnitude(polls: u64) -> String {
    match polls {
        1 => "once".to_string(),
        1_001.. => "more than 1,000 times".to_string(),
        n => format!("{n} times"),
    }
}

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let ours = TcpStream::connect(listener.local_addr()?)?;
    let (peer, _) = listener.accept()?;
    Ok((ours, peer))
}
