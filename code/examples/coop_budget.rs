//! The cooperative budget, before and after: a task reads a socket that
//! always has data, while another task is ready to run. Without a budget the
//! reader never returns `Pending` (its reads never say `WouldBlock`), so the
//! other task waits until the reader is done. With it, the reader yields
//! after 128 ready reads.
//!
//! `cargo run -p code --example coop_budget`

use std::cell::Cell;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

use code::net::AsyncTcpStream;

/// What is in the reader's socket before it starts.
pub const LEN: usize = 32 * 1024;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let mut out = format!(
        "A task reads {LEN} bytes that are already in its socket, 1 byte per read;\n\
         another task is ready to run at the same time.\n"
    );
    for (title, budget) in [
        ("unconstrained (no budget)", false),
        ("with the budget (128 ready operations per poll)", true),
    ] {
        let starved = starve(budget).expect("the loopback reads failed");
        out += &format!("{title}:\n");
        out += &format!(
            "  the other task ran after {} reads\n",
            starved.reads_before_other
        );
        out += &format!(
            "  polls of the reading task: {}, budget used up: {} times\n",
            starved.reader_polls, starved.budget_yields
        );
    }
    out
}

/// What [`starve`] saw.
pub struct Starved {
    /// How many reads the greedy task had made when the other task ran.
    pub reads_before_other: usize,
    /// How many times the greedy task was polled.
    pub reader_polls: usize,
    /// How many times a task used up its budget.
    pub budget_yields: usize,
}

// ANCHOR: starve
/// A greedy reader (1 byte per read, [`LEN`] bytes already in its socket)
/// and another task, spawned right after it. `budget: false` runs the
/// reader inside `code::executor::unconstrained`, as before the budget.
pub fn starve(budget: bool) -> io::Result<Starved> {
    let (ours, mut peer) = connected_pair()?;
    peer.write_all(&[b'x'; LEN])?;
    // So that the greedy reader never finds its socket empty.
    code::testing::all_arrived(&ours, LEN)?;
    let (result, trace) = code::trace::record(|| {
        code::block_on(async {
            let stream = AsyncTcpStream::from_std(ours)?;
            let reads = Rc::new(Cell::new(0));
            let read_all = {
                let reads = Rc::clone(&reads);
                async move {
                    let mut byte = [0; 1];
                    for _ in 0..LEN {
                        stream.read(&mut byte).await?;
                        reads.set(reads.get() + 1);
                    }
                    Ok::<_, io::Error>(())
                }
            };
            let reader = if budget {
                code::spawn(read_all)
            } else {
                code::spawn(code::executor::unconstrained(read_all))
            };
            let other = code::spawn(async move { reads.get() });
            let id = reader.id();
            reader.await?;
            Ok::<_, io::Error>((id, other.await))
        })
    });
    let (reader, reads_before_other) = result?;
    Ok(Starved {
        reads_before_other,
        reader_polls: trace.polls(reader),
        budget_yields: trace.budget_yields(),
    })
}
// ANCHOR_END: starve

/// Two ends of one loopback TCP connection.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    Ok((a, b))
}
