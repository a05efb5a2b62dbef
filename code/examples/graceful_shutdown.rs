//! A server that shuts down gracefully: on a signal it stops accepting,
//! lets each connection finish the request it is working on, and gives up
//! on the stragglers at a deadline. Deeper page "Shutting a server down
//! gracefully"; every outcome the page describes is checked here.
//!
//! `cargo run -p code --example graceful_shutdown`

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use code::JoinHandle;
use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};

// ANCHOR: signal
/// A shutdown signal: triggered once, from any thread; awaited by any
/// number of tasks. Clones share it.
#[derive(Clone, Default)]
pub struct Signal(Arc<Mutex<SignalState>>);

#[derive(Default)]
struct SignalState {
    triggered: bool,
    /// The waker of each `Triggered` future that is waiting, by its id.
    waiters: HashMap<u64, Waker>,
    next_id: u64,
}

impl Signal {
    /// Triggers the signal and wakes every task that awaits it.
    pub fn trigger(&self) {
        let waiters = {
            let mut state = self.0.lock().unwrap();
            state.triggered = true;
            std::mem::take(&mut state.waiters)
        };
        // Woken after the lock is let go: a wake may run other code.
        for waker in waiters.into_values() {
            waker.wake();
        }
    }

    /// A future that completes once the signal is triggered.
    pub fn triggered(&self) -> Triggered {
        Triggered {
            signal: self.clone(),
            id: None,
        }
    }
}

/// The future of [`Signal::triggered`].
pub struct Triggered {
    signal: Signal,
    /// Its place among the waiters, once it has waited.
    id: Option<u64>,
}

impl Future for Triggered {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let signal = self.signal.clone();
        let mut state = signal.0.lock().unwrap();
        if state.triggered {
            return Poll::Ready(());
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                state.next_id += 1;
                state.next_id
            }
        };
        self.id = Some(id);
        // One place per future, its waker replaced at each poll.
        state.waiters.insert(id, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Triggered {
    /// A future that stops waiting takes its waker out, so the list holds
    /// only tasks that still wait, however many connections come and go.
    fn drop(&mut self) {
        if let Some(id) = self.id {
            let waker = self.signal.0.lock().unwrap().waiters.remove(&id);
            drop(waker); // after the lock is let go
        }
    }
}
// ANCHOR_END: signal

/// One unit of a request's work.
const UNIT: Duration = Duration::from_millis(100);

// ANCHOR: handle
/// One connection. A request is one byte, `n`: the server answers `+` at
/// once (it has started), works for `n` units, then sends `n` back. It
/// closes the connection when the client leaves, or at the signal, but
/// only between two requests.
async fn handle(stream: AsyncTcpStream, signal: Signal) -> io::Result<()> {
    let mut stop = signal.triggered();
    loop {
        let mut request = [0; 1];
        // The next request, or the signal, whichever comes first. The read
        // is tried first: a request that has arrived is served.
        let read = poll_fn(|cx| match stream.poll_read(cx, &mut request) {
            Poll::Ready(result) => Poll::Ready(Some(result)),
            Poll::Pending => Pin::new(&mut stop).poll(cx).map(|()| None),
        })
        .await;
        match read {
            None | Some(Ok(0)) => return Ok(()), // shut down, or the client left
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
        }
        // A request under way is finished, signal or not.
        write_all(&mut &stream, b"+").await?;
        code::time::sleep(UNIT * u32::from(request[0])).await;
        write_all(&mut &stream, &request).await?;
    }
}
// ANCHOR_END: handle

/// How a shutdown went.
#[derive(Debug, PartialEq)]
pub struct Report {
    /// Connections that ended within the grace period.
    pub finished: usize,
    /// Connections still open at the deadline.
    pub cut: usize,
}

// ANCHOR: serve
/// Serves until `signal` is triggered, then gives the open connections up
/// to `grace` to finish.
async fn serve(listener: AsyncTcpListener, signal: Signal, grace: Duration) -> io::Result<Report> {
    let mut stop = signal.triggered();
    let mut connections: Vec<JoinHandle<io::Result<()>>> = Vec::new();
    loop {
        // The next connection, or the signal.
        let accepted = poll_fn(|cx| match Pin::new(&mut stop).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => listener.poll_accept(cx).map(Some),
        })
        .await;
        let Some(accepted) = accepted else { break };
        let (stream, _) = accepted?;
        // Handles of connections that are over are let go as we go.
        connections.retain(|c| !c.is_finished());
        connections.push(code::spawn(handle(stream, signal.clone())));
    }
    // 1. Stop accepting: with the listening socket closed, the system
    //    refuses new connections.
    drop(listener);
    // 2. Let the connections finish, each closing itself (see `handle`).
    //    The count lives outside the future that the timeout may drop.
    let mut awaited = 0;
    let all_done = async {
        for connection in connections.iter_mut() {
            // One connection's error is its own: the others go on.
            let _ = connection.await;
            awaited += 1;
        }
    };
    // 3. For no longer than `grace`.
    let _ = code::time::timeout(grace, all_done).await;
    let finished = awaited
        + connections[awaited..]
            .iter()
            .filter(|c| c.is_finished())
            .count();
    Ok(Report {
        finished,
        cut: connections.len() - finished,
    })
}
// ANCHOR_END: serve

// ANCHOR: run
const GRACE: Duration = Duration::from_secs(2);

fn main() -> io::Result<()> {
    let signal = Signal::default();
    let (report, clients) = code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        let trigger = signal.clone();
        let clients = thread::spawn(move || clients(addr, trigger));
        // A bound on the whole run: a mistake fails, it does not hang.
        let report = code::time::timeout(GRACE * 5, serve(listener, signal, GRACE))
            .await
            .map_err(|_| io::Error::other("serve did not return within the time limit"))??;
        Ok::<_, io::Error>((report, clients))
    })?;
    // block_on has returned: the connection still open was dropped with
    // its task, and its socket closed.
    assert_eq!(
        report,
        Report {
            finished: 2,
            cut: 1
        }
    );
    clients.join().unwrap()?;
    println!("{report:?}; every client saw what it should");
    Ok(())
}

/// Three clients, blocking std sockets on a thread of their own, and the
/// signal, triggered from that thread as a Ctrl-C handler would.
fn clients(addr: SocketAddr, signal: Signal) -> io::Result<()> {
    let mut idle = connect(addr)?;
    request(&mut idle, 0)?;
    assert_eq!(
        next_byte(&mut idle)?,
        Some(0),
        "a request of no work, answered"
    );
    let mut busy = connect(addr)?;
    request(&mut busy, 5)?; // five units of work, under way now
    let mut slow = connect(addr)?;
    request(&mut slow, 255)?; // far more work than the grace period allows

    // busy's answer is not there yet: its request is still under way.
    assert!(!has_data(&busy)?, "busy's request ended before the signal");
    signal.trigger();

    // Between requests: closed without waiting for the others.
    assert_eq!(next_byte(&mut idle)?, None);
    // Its request finished, then closed.
    assert_eq!(next_byte(&mut busy)?, Some(5));
    assert_eq!(next_byte(&mut busy)?, None);
    // Cut at the deadline: the end of the stream, or a reset, not the answer.
    assert!(!matches!(next_byte(&mut slow), Ok(Some(_))));
    // slow's socket closes only once serve has returned, so the listening
    // socket is surely gone by now: no new connections.
    assert!(TcpStream::connect(addr).is_err());
    Ok(())
}
// ANCHOR_END: run

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    // A bound on every read: a mistake fails, it does not hang.
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    Ok(stream)
}

/// Sends a request and waits until the server says it has started.
fn request(stream: &mut TcpStream, units: u8) -> io::Result<()> {
    stream.write_all(&[units])?;
    assert_eq!(
        next_byte(stream)?,
        Some(b'+'),
        "the server started the work"
    );
    Ok(())
}

/// Whether bytes (or the end of the stream) wait to be read, without
/// waiting for them.
fn has_data(stream: &TcpStream) -> io::Result<bool> {
    stream.set_nonblocking(true)?;
    let peeked = stream.peek(&mut [0; 1]);
    stream.set_nonblocking(false)?;
    match peeked {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// The next byte, or `None` at the end of the stream.
fn next_byte(stream: &mut TcpStream) -> io::Result<Option<u8>> {
    let mut byte = [0; 1];
    Ok((stream.read(&mut byte)? == 1).then_some(byte[0]))
}
