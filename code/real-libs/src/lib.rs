//! Other people's libraries on the course's runtime, each run by
//! `code::block_on` and `code::spawn` over `code::net`'s streams:
//!
//! - [`hyper_io`]: the adapter from the ecosystem's I/O traits to hyper's;
//! - [`timer`]: hyper's timer (`header_read_timeout`) built on `code::time`;
//! - [`http`]: an HTTP/1.1 server with hyper;
//! - [`lines`]: a line-framed server with tokio-util's `Framed` and
//!   `LinesCodec`, through `tokio_util::compat`.
//!
//! The tests drive these servers with clients that are not ours: `curl`
//! and Python's standard library. The book's chapter "Real libraries on
//! your runtime" shows the adapter and the timer from these files.
//!
//! What does not work: a library that requires `Send` futures cannot run a
//! future that holds one of `code`'s streams across an `.await`, as every
//! handler that does I/O on `code` would. The stream holds an `Rc` of its
//! thread's reactor, so such a future is not `Send`, and this is refused:
//!
//! ```compile_fail
//! fn needs_send<F: std::future::Future + Send>(_: F) {}
//! needs_send(async {
//!     let stream = code::net::AsyncTcpStream::connect("127.0.0.1:9".parse().unwrap()).await;
//!     let _ = stream.map(|s| s.peer_addr());
//! });
//! ```
//!
//! while the same future is accepted where `Send` is not asked for:
//!
//! ```
//! fn runs_on_one_thread<F: std::future::Future>(_: F) {}
//! runs_on_one_thread(async {
//!     let stream = code::net::AsyncTcpStream::connect("127.0.0.1:9".parse().unwrap()).await;
//!     let _ = stream.map(|s| s.peer_addr());
//! });
//! ```

pub mod http;
pub mod hyper_io;
pub mod lines;
pub mod timer;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a server saw, for its tests: they run the server on a thread of
/// its own and read these from theirs.
#[derive(Debug, Default)]
pub struct Stats {
    connections: AtomicUsize,
    ended: AtomicUsize,
    requests: AtomicUsize,
    timed_out: AtomicUsize,
    clients_left: AtomicUsize,
    bad_requests: AtomicUsize,
    errors: Mutex<Vec<String>>,
}

/// How one connection ended, as a server reports it.
#[derive(Debug)]
pub enum Ending<E> {
    /// The client finished and closed the connection.
    Done,
    /// The client took too long: to send a request's head (hyper's
    /// `header_read_timeout`, which also runs while a kept-alive connection
    /// waits for its next request) or its body.
    TimedOut,
    /// The client went away mid-way (a reset, a request cut short): the
    /// client's business, not an error of the server's.
    ClientLeft,
    /// The client broke the protocol: a request hyper could not parse, a
    /// head too large, a line longer than the line server's limit. The
    /// client's fault, not the server's.
    BadRequest,
    /// Anything else: logged, and counted as an error.
    Error(E),
}

impl Stats {
    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    /// Connections that ended, however they did.
    pub fn ended(&self) -> usize {
        self.ended.load(Ordering::SeqCst)
    }
    /// Requests (or lines) answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    /// Connections closed by a timeout (a request's head or body too slow).
    pub fn timed_out(&self) -> usize {
        self.timed_out.load(Ordering::SeqCst)
    }
    /// Connections whose client reset them or left mid-request.
    pub fn clients_left(&self) -> usize {
        self.clients_left.load(Ordering::SeqCst)
    }
    /// Connections closed because the client broke the protocol.
    pub fn bad_requests(&self) -> usize {
        self.bad_requests.load(Ordering::SeqCst)
    }
    /// Every error logged, in order.
    pub fn errors(&self) -> Vec<String> {
        self.errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn accepted(&self) {
        self.connections.fetch_add(1, Ordering::SeqCst);
    }

    fn answered(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts how a connection ended; an error is also printed to stderr,
    /// the server's log.
    fn end<E: std::fmt::Display>(&self, ending: Ending<E>) {
        self.ended.fetch_add(1, Ordering::SeqCst);
        match ending {
            Ending::Done => {}
            Ending::TimedOut => {
                self.timed_out.fetch_add(1, Ordering::SeqCst);
            }
            Ending::ClientLeft => {
                self.clients_left.fetch_add(1, Ordering::SeqCst);
            }
            Ending::BadRequest => {
                self.bad_requests.fetch_add(1, Ordering::SeqCst);
            }
            Ending::Error(e) => {
                eprintln!("server: connection error: {e}");
                self.errors
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(e.to_string());
            }
        }
    }
}

/// Whether `error`, or an error it was caused by, is an I/O error that
/// means the client went away: reset, aborted, or gone before we wrote.
fn client_went_away(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        cause = e.source();
    }
    false
}
