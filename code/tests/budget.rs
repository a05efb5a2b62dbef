//! The cooperative budget: a task whose socket is always ready yields after
//! 128 ready operations in one poll, so another ready task runs within one
//! budget; `unconstrained` turns the budget off; a `WouldBlock` is not
//! progress and spends nothing.

#[path = "../examples/coop_budget.rs"]
#[allow(dead_code)] // its `main` and `run` are not used here
mod coop_budget;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use code::net::AsyncTcpStream;
use code::reactor::BUDGET;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_ready_task_runs_within_one_budget_of_a_greedy_reader() {
    let starved = within(LIMIT, "the greedy reader never finished", || {
        coop_budget::starve(true).unwrap()
    });
    assert_eq!(
        starved.reads_before_other, BUDGET as usize,
        "a task that was ready waited for {} reads of a task whose socket was always \
         ready: it should run after at most one budget ({BUDGET}) of them",
        starved.reads_before_other
    );
    let polls = coop_budget::LEN / BUDGET as usize;
    assert_eq!(starved.reader_polls, polls, "one poll per budget");
    assert_eq!(starved.budget_yields, polls - 1);
}

#[test]
fn unconstrained_lets_a_greedy_reader_keep_the_others_waiting() {
    let starved = within(LIMIT, "the greedy reader never finished", || {
        coop_budget::starve(false).unwrap()
    });
    assert_eq!(
        starved.reads_before_other,
        coop_budget::LEN,
        "without the budget the other task should wait for every read"
    );
    assert_eq!(starved.reader_polls, 1);
    assert_eq!(starved.budget_yields, 0);
}

/// Two ends of one loopback connection: ours (async) and the peer's.
fn pair() -> (AsyncTcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (AsyncTcpStream::from_std(ours).unwrap(), peer)
}

#[test]
fn a_greedy_writer_yields_too() {
    const WRITES: usize = 4 * BUDGET as usize;
    let (before_other, peer_got) = within(LIMIT, "the greedy writer never finished", || {
        code::block_on(async {
            let (stream, mut peer) = pair();
            let writes = Rc::new(Cell::new(0));
            let writer = code::spawn({
                let writes = Rc::clone(&writes);
                async move {
                    for _ in 0..WRITES {
                        assert_eq!(stream.write(b"x").await.unwrap(), 1);
                        writes.set(writes.get() + 1);
                    }
                }
            });
            let other = code::spawn(async move { writes.get() });
            writer.await;
            let mut got = vec![0; WRITES];
            peer.read_exact(&mut got).unwrap();
            (other.await, got.len())
        })
    });
    assert_eq!(peer_got, WRITES);
    assert_eq!(
        before_other, BUDGET as usize,
        "the other task waited for {before_other} writes"
    );
}

/// A task that gets `WouldBlock` many times in one poll (here the same
/// stream, polled 300 times) made no progress: it parks, and its next poll,
/// when data comes, reads at once.
#[test]
fn would_block_spends_no_budget() {
    let (polls, yields, got) = within(LIMIT, "the reader never got its data", || {
        let ((id, got), trace) = code::trace::record(|| {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let reader = code::spawn(async move {
                    let mut buf = [0; 8];
                    std::future::poll_fn(|cx| {
                        for _ in 0..300 {
                            match stream.poll_read(cx, &mut buf) {
                                Poll::Pending => {}
                                ready => return ready,
                            }
                        }
                        Poll::Pending
                    })
                    .await
                    .unwrap()
                });
                let id = reader.id();
                code::executor::yield_now().await; // the reader parks
                peer.write_all(b"data").unwrap();
                (id, reader.await)
            })
        });
        (trace.polls(id), trace.budget_yields(), got)
    });
    assert_eq!(got, 4);
    assert_eq!(yields, 0, "a WouldBlock used up the budget");
    assert_eq!(polls, 2, "the reader did not park after its WouldBlocks");
}
