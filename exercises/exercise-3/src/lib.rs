//! Exercise 3: an async echo server, then a chat server.
//!
//! Part 1, [`echo`] and [`serve`]: accept connections with
//! `code::net::AsyncTcpListener` and serve each one in a task of its own, so
//! that many clients are served at once on one thread.
//!
//! Part 2, [`Outbox`] and [`chat`]: a line from one client reaches every
//! other client, and a client that stops reading holds up nobody but itself.
//!
//! Read the chapters "AsyncTcpListener" and "An async echo server" first; the
//! task is in this crate's README.md. Replace every `todo!()`, and the
//! `let _ = …;` line above it (it only keeps the unfinished stub free of
//! unused-variable warnings). Check your work with `cargo test -p exercise-3`;
//! try your servers by hand with `cargo run -p exercise-3 -- echo` (or
//! `-- chat`) and `nc 127.0.0.1 7878` in other terminals.

use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use code::net::{AsyncTcpListener, AsyncTcpStream};

/// Accepts connections on `listener` for as long as the runtime runs, and
/// serves each one with [`echo`] in a task of its own. It never returns.
///
/// A failed `accept` is reported on stderr and tried again after a pause of
/// 100 ms; a connection that fails ends its own task, never the server.
pub async fn serve(listener: AsyncTcpListener) {
    let _ = listener;
    todo!(
        "exercise-3: accept in a loop and spawn a task per connection (chapter \"An async echo server\")"
    )
}

/// Sends back everything the client sends, until the client closes its
/// side; then returns how many bytes were echoed. Dropping the stream when
/// it returns closes the connection.
pub async fn echo(stream: AsyncTcpStream) -> io::Result<u64> {
    let _ = stream;
    todo!(
        "exercise-3: read, write back all of it, repeat until end of stream (chapter \"An async echo server\")"
    )
}

/// The most lines that may wait in one client's [`Outbox`]. A client with
/// this many lines not yet written to it has fallen too far behind.
pub const OUTBOX_LINES: usize = 32;

/// The first line [`chat`] sends to each client. Once a client has read it,
/// it is in the room: it gets every line sent after that.
pub const WELCOME: &[u8] = b"welcome: a line you send goes to everyone else here\n";

/// The lines waiting to be written to one chat client, for that client's
/// writer task. At most [`OUTBOX_LINES`] lines wait; [`pop`](Self::pop)
/// waits for the next one, as a read waits for data.
pub struct Outbox {
    // Your fields. The methods take `&self` (the room and the writer task
    // share the outbox), so put what changes in a `RefCell`.
}

/// [`Outbox::push`] found the outbox full: its client is too far behind.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl Outbox {
    /// An empty, open outbox.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Outbox {
        todo!("exercise-3: an empty outbox (chapter \"An async echo server\", section on the chat)")
    }

    /// Queues `line` for the writer task and wakes it if it is waiting.
    ///
    /// `Err(Full)` if [`OUTBOX_LINES`] lines wait already (the line is not
    /// queued). A closed outbox takes the line and drops it: its client is
    /// gone.
    pub fn push(&self, line: Rc<[u8]>) -> Result<(), Full> {
        let _ = line;
        todo!(
            "exercise-3: queue the line, or Err(Full), and wake the writer (chapter \"An async echo server\", section on the chat)"
        )
    }

    /// Closes the outbox: the lines still waiting are dropped, no more are
    /// taken, and the writer task gets `None` from `pop` (at once, or as soon
    /// as it asks), which tells it to stop.
    pub fn close(&self) {
        todo!(
            "exercise-3: drop the waiting lines, remember the outbox is closed, wake the writer (chapter \"An async echo server\", section on the chat)"
        )
    }

    /// The next line: `Ready(Some(line))`, oldest first; `Ready(None)` once
    /// the outbox is closed; or `Pending` after storing the waker, to be
    /// woken by the next `push` or `close`.
    pub fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<Rc<[u8]>>> {
        let _ = cx;
        todo!(
            "exercise-3: the readiness pattern, for a queue instead of a socket (chapter \"An async echo server\", section on the chat)"
        )
    }

    /// Waits for the next line; `None` once the outbox is closed.
    pub async fn pop(&self) -> Option<Rc<[u8]>> {
        poll_fn(|cx| self.poll_pop(cx)).await
    }
}

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
    let _ = listener;
    todo!(
        "exercise-3: accept, and give each client a reader task and a writer task (chapter \"An async echo server\", section on the chat)"
    )
}
