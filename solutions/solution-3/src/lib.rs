//! The solution of exercise 3: an async echo server, then a chat server.
//!
//! It passes the tests in `exercises/exercise-3/tests`. The book's
//! walkthrough of exercise 3 explains it line by line.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};

// ANCHOR: serve
/// Accepts connections on `listener` for as long as the runtime runs, and
/// serves each one with [`echo`] in a task of its own. It never returns.
///
/// A failed `accept` is reported on stderr and tried again after a pause of
/// 100 ms; a connection that fails ends its own task, never the server.
pub async fn serve(listener: AsyncTcpListener) {
    loop {
        let stream = accept(&listener).await;
        // A task per connection, and straight back to `accept`: awaiting
        // `echo` here instead would serve one client at a time, and an idle
        // client would block everybody else.
        code::spawn(async move {
            // The error ends this connection only. A reset by a client that
            // went away is normal for a server: not worth a panic.
            let _ = echo(stream).await;
        });
    }
}

/// How long [`accept`] waits before it tries again after a failure.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The next connection. A failed accept is reported and tried again after
/// [`ACCEPT_PAUSE`]. Its usual cause, no file descriptor left, lasts until a
/// connection closes, and trying again at once would only fail again at
/// once, a busy loop. An error about one connection already gone
/// (`ECONNABORTED`) needs no pause: one pause for every error keeps this
/// simple.
async fn accept(listener: &AsyncTcpListener) -> AsyncTcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => return stream,
            Err(e) => {
                eprintln!("accept failed: {e}; trying again in {ACCEPT_PAUSE:?}");
                code::time::sleep(ACCEPT_PAUSE).await;
            }
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: echo
/// Sends back everything the client sends, until the client closes its
/// side; then returns how many bytes were echoed. Dropping the stream when
/// it returns closes the connection.
pub async fn echo(stream: AsyncTcpStream) -> io::Result<u64> {
    // On the heap: an array here would live across the `.await`s below, so
    // it would be stored in this future, and every connection's task would
    // be 8 KiB bigger (twice that, once `spawn` has wrapped it).
    let mut buf = vec![0; 8 * 1024];
    let mut echoed = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            // End of stream: the client sent everything it will send.
            return Ok(echoed);
        }
        // The socket may take only part of what we read: write_all loops.
        write_all(&mut &stream, &buf[..n]).await?;
        echoed += n as u64;
    }
}
// ANCHOR_END: echo

/// The most lines that may wait in one client's [`Outbox`]. A client with
/// this many lines not yet written to it has fallen too far behind.
pub const OUTBOX_LINES: usize = 32;

/// The first line [`chat`] sends to each client. Once a client has read it,
/// it is in the room: it gets every line sent after that.
pub const WELCOME: &[u8] = b"welcome: a line you send goes to everyone else here\n";

// ANCHOR: outbox
/// The lines waiting to be written to one chat client, for that client's
/// writer task. At most [`OUTBOX_LINES`] lines wait; [`pop`](Self::pop)
/// waits for the next one, as a read waits for data.
pub struct Outbox {
    state: RefCell<OutboxState>,
}

struct OutboxState {
    /// Oldest first.
    lines: VecDeque<Rc<[u8]>>,
    closed: bool,
    /// The writer task's waker, stored by `poll_pop` when there was no line.
    writer: Option<Waker>,
}

/// [`Outbox::push`] found the outbox full: its client is too far behind.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl Outbox {
    /// An empty, open outbox.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Outbox {
        Outbox {
            state: RefCell::new(OutboxState {
                lines: VecDeque::with_capacity(OUTBOX_LINES),
                closed: false,
                writer: None,
            }),
        }
    }

    /// Queues `line` for the writer task and wakes it if it is waiting.
    ///
    /// `Err(Full)` if [`OUTBOX_LINES`] lines wait already (the line is not
    /// queued). A closed outbox takes the line and drops it: its client is
    /// gone.
    pub fn push(&self, line: Rc<[u8]>) -> Result<(), Full> {
        let mut state = self.state.borrow_mut();
        if state.closed {
            return Ok(());
        }
        if state.lines.len() >= OUTBOX_LINES {
            return Err(Full);
        }
        state.lines.push_back(line);
        let writer = state.writer.take();
        // Wake after the borrow ends: whatever a waker does, it cannot then
        // find the outbox borrowed.
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
        Ok(())
    }

    /// Closes the outbox: the lines still waiting are dropped, no more are
    /// taken, and the writer task gets `None` from `pop` (at once, or as soon
    /// as it asks), which tells it to stop.
    pub fn close(&self) {
        let mut state = self.state.borrow_mut();
        state.closed = true;
        state.lines.clear();
        let writer = state.writer.take();
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
    }

    /// The next line: `Ready(Some(line))`, oldest first; `Ready(None)` once
    /// the outbox is closed; or `Pending` after storing the waker, to be
    /// woken by the next `push` or `close`.
    pub fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<Rc<[u8]>>> {
        let mut state = self.state.borrow_mut();
        // 1. Try: is there a line?
        if let Some(line) = state.lines.pop_front() {
            // 2. Yes: done.
            return Poll::Ready(Some(line));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        // 3. Not yet: store the waker where `push` and `close` look for it...
        state.writer = Some(cx.waker().clone());
        // 4. ...and let the executor run something else.
        Poll::Pending
    }

    /// Waits for the next line; `None` once the outbox is closed.
    pub async fn pop(&self) -> Option<Rc<[u8]>> {
        poll_fn(|cx| self.poll_pop(cx)).await
    }
}
// ANCHOR_END: outbox

// ANCHOR: chat
/// A chat server: accepts connections on `listener` for as long as the
/// runtime runs, and never returns (accept errors as in [`serve`]).
///
/// Each client first gets [`WELCOME`]. Then every line a client sends (the
/// bytes up to and including a `\n`) is sent, whole and unchanged, to every
/// other client in the room. Each client has its own [`Outbox`] and its own
/// writer task, so a client that does not read holds up nobody else; when
/// its outbox is full, it is disconnected: it leaves the room, its outbox is
/// closed and its stream is shut down for writing, so it reads what was
/// already sent to it and then the end of the stream. A client that closes
/// its side or fails leaves the room; the others go on.
pub async fn chat(listener: AsyncTcpListener) {
    let room = Room::default();
    loop {
        let member = Rc::new(Member {
            stream: accept(&listener).await,
            outbox: Outbox::new(),
        });
        // An empty outbox has room for the welcome.
        let _ = member.outbox.push(Rc::from(WELCOME));
        room.borrow_mut().push(Rc::clone(&member));
        // Two tasks per client: the reader waits for the client's lines,
        // the writer for lines to send it. Neither ever waits for another
        // client's socket.
        code::spawn(write_lines(Rc::clone(&member)));
        code::spawn(read_lines(member, Rc::clone(&room)));
    }
}

/// Everyone connected, in the order they came.
type Room = Rc<RefCell<Vec<Rc<Member>>>>;

/// One client: its connection and the lines waiting for it. The room, its
/// reader task and its writer task share it; the connection closes when
/// the last of the three lets go.
struct Member {
    stream: AsyncTcpStream,
    outbox: Outbox,
}

/// The writer task: writes each line of the member's outbox to its socket,
/// until the outbox is closed or the client is gone.
async fn write_lines(member: Rc<Member>) {
    while let Some(line) = member.outbox.pop().await {
        if write_all(&mut &member.stream, &line).await.is_err() {
            // The client is gone. Its lines go nowhere from now on; the
            // reader task sees the end of the connection and leaves.
            member.outbox.close();
            return;
        }
    }
}

/// The reader task: splits what the client sends into lines and passes
/// each on to the others, until the client closes its side, fails, or is
/// disconnected.
async fn read_lines(member: Rc<Member>, room: Room) {
    let mut buf = vec![0; 8 * 1024];
    // The start of a line whose `\n` has not arrived yet.
    let mut unfinished = Vec::new();
    loop {
        let n = match member.stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut rest = &buf[..n];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            unfinished.extend_from_slice(&rest[..=end]);
            let line = Rc::from(std::mem::take(&mut unfinished));
            if !broadcast(&room, &member, line) {
                return; // disconnected for being too slow: say nothing more
            }
            // Let the writers run before the next line. All tasks share one
            // thread: without this turn, one read full of short lines would
            // fill every outbox before any writer could empty its own, and
            // clients that keep up would be disconnected as too slow.
            code::executor::yield_now().await;
            rest = &rest[end + 1..];
        }
        unfinished.extend_from_slice(rest);
    }
    leave(&room, &member);
}

/// Queues `line` for everyone in the room but `from`, and disconnects each
/// one whose outbox is full. False if `from` is no longer in the room.
fn broadcast(room: &Room, from: &Rc<Member>, line: Rc<[u8]>) -> bool {
    // A copy of the list, so that no borrow of the room is held while
    // outboxes wake their writers or members are disconnected.
    let members = room.borrow().clone();
    if !members.iter().any(|m| Rc::ptr_eq(m, from)) {
        return false;
    }
    for member in members.iter().filter(|m| !Rc::ptr_eq(m, from)) {
        // One allocation for the line, shared by every outbox.
        if member.outbox.push(Rc::clone(&line)) == Err(Full) {
            disconnect(room, member);
        }
    }
    true
}

/// Takes a client that fell too far behind out of the room. Its writer
/// task may be waiting to write to the full socket, where only the socket
/// can wake it, so the shutdown is done here: the client reads what was
/// already sent, then the end of the stream.
fn disconnect(room: &Room, member: &Rc<Member>) {
    leave(room, member);
    let _ = member.stream.shutdown(Shutdown::Write);
}

/// Takes `member` out of the room and stops its writer task.
fn leave(room: &Room, member: &Rc<Member>) {
    room.borrow_mut().retain(|m| !Rc::ptr_eq(m, member));
    member.outbox.close();
}
// ANCHOR_END: chat
