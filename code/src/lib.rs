//! The runtime of Lesson 11: a small, single-threaded async runtime on mio,
//! with async TCP streams and the `AsyncRead`/`AsyncWrite` helpers.
//!
//! The runtime proper, in the order the book reads it:
//! - [`reactor`](mod@reactor) — registers sockets, stores wakers, waits for events;
//! - [`executor`] — runs tasks from a FIFO queue: [`block_on`], [`spawn`];
//! - [`net`] — [`AsyncTcpStream`](net::AsyncTcpStream) and
//!   [`AsyncTcpListener`](net::AsyncTcpListener);
//! - [`io`] — the `AsyncRead`/`AsyncWrite` traits, `read_exact`,
//!   `write_all`, `copy`;
//! - [`time`] — `sleep` and `timeout`;
//! - [`events`] — what the runtime reports at each step, for its trace.
//!
//! The instruments, which watch the runtime and are not part of it
//! (`src/instruments/`):
//! - [`trace`] — record a run: typed events, counters for tests (polls,
//!   wakes per slot, waits), the lines the book prints, JSON;
//! - [`testing`] — bounded runs and loopback pairs for tests.
//!
//! ```
//! use code::io::{read_exact, write_all};
//! use code::net::{AsyncTcpListener, AsyncTcpStream};
//!
//! let echoed = code::block_on(async {
//!     let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//!     let addr = listener.local_addr()?;
//!     code::spawn(async move {
//!         let (mut conn, _) = listener.accept().await?;
//!         let mut buf = [0; 5];
//!         read_exact(&mut conn, &mut buf).await?;
//!         write_all(&mut conn, &buf).await
//!     });
//!     let mut client = AsyncTcpStream::connect(addr).await?;
//!     write_all(&mut client, b"hello").await?;
//!     let mut reply = [0; 5];
//!     read_exact(&mut client, &mut reply).await?;
//!     Ok::<_, std::io::Error>(reply)
//! })
//! .unwrap();
//! assert_eq!(&echoed, b"hello");
//! ```

// The docs a learner builds (`cargo doc -p code`) link to no source pages:
// `net.rs` and `io.rs` are the answers to exercises 1, 2 and 4, and the
// exercises ask the learner to write them before reading them.
#![doc(html_no_source)]

// The runtime proper, in reading order (each `mod` line is its own group,
// so that rustfmt keeps this order).
pub mod reactor;
//
pub mod executor;
//
pub mod net;
//
pub mod io;
//
pub mod time;
// What the runtime reports at each step, for its trace.
pub mod events;
// The futures-io traits for `AsyncTcpStream`, so that other libraries'
// code runs on the runtime.
mod interop;

// The instruments: they use the runtime, the runtime does not use them.
#[path = "instruments/trace.rs"]
pub mod trace;
//
#[path = "instruments/testing.rs"]
pub mod testing;

pub use executor::{JoinHandle, block_on, spawn};
/// The mio the runtime is built on, so that code written against `code`'s
/// reactor (tokens, interests, mio sockets) needs no dependency of its own.
pub use mio;
pub use reactor::reactor;
