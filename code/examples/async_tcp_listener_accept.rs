//! `AsyncTcpListener`: accept connections and serve each in its own task.
//! Each connection is sent more than the socket buffers hold, so the
//! server's writes hit `WouldBlock` and wait for write readiness, which only
//! works because accepted streams are registered for reading AND writing.
//! The output checks that in the trace, for the accepted streams' own tokens.
//! Chapter "AsyncTcpListener".
//!
//! `cargo run -p code --example async_tcp_listener_accept`

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};

/// More than loopback socket buffers hold, so writes must wait.
const REPLY_BYTES: usize = 8 * 1024 * 1024;
const CLIENTS: usize = 2;

fn main() {
    print!("{}", run());
}

/// The run the chapter shows: replies far larger than the socket buffers.
pub fn run() -> String {
    accept_and_send(REPLY_BYTES)
}

// ANCHOR: accept_and_send
/// Accepts `CLIENTS` connections and sends each client `reply_bytes` bytes,
/// then reports whether each accepted stream's writer had to wait.
pub fn accept_and_send(reply_bytes: usize) -> String {
    let accepted = Rc::new(RefCell::new(Vec::new()));
    let (result, trace) = code::trace::capture(|| {
        code::block_on(async {
            let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
            let addr = listener.local_addr()?;

            // The server: one task per accepted connection. It notes the
            // accepted streams' tokens, so that the trace can be searched for
            // their wakers (a client's `connect` may park a writer too).
            let server_tokens = Rc::clone(&accepted);
            code::spawn(async move {
                for _ in 0..CLIENTS {
                    let (conn, _peer) = listener.accept().await?;
                    server_tokens.borrow_mut().push(conn.token().0);
                    code::spawn(async move {
                        let reply = vec![b'x'; reply_bytes];
                        write_all(&mut &conn, &reply).await
                    });
                }
                Ok::<_, io::Error>(())
            });

            // The clients, each in its own task, reading the whole reply.
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                clients.push(code::spawn(async move {
                    let stream = AsyncTcpStream::connect(addr).await?;
                    let mut reply = vec![0; reply_bytes];
                    read_exact(&mut &stream, &mut reply).await?;
                    Ok::<_, io::Error>(reply.len())
                }));
            }
            let mut lengths = Vec::new();
            for client in clients {
                lengths.push(client.await?);
            }
            Ok::<_, io::Error>(lengths)
        })
    });
    let lengths = result.expect("the server or a client failed");

    // Trace lines that end with `what` ("... token 1" is not "... token 10").
    let count = |what: &str| trace.iter().filter(|l| l.ends_with(what)).count();
    let mut out = String::new();
    out += &format!("connections accepted: {}\n", count("accepted a connection"));
    for (i, len) in lengths.iter().enumerate() {
        out += &format!("client {}: read {len} bytes\n", i + 1);
    }
    // For each accepted stream (by its own token, not a client's): did its
    // writer park in the reactor's Write slot, and did the reactor wake it?
    for (i, token) in accepted.borrow().iter().enumerate() {
        let stored = count(&format!("stored Write waker for token {token}"));
        let woken = count(&format!("waking writer of token {token}"));
        out += &format!(
            "accepted stream {}: writer parked for write readiness: {}, woken by the reactor: {}\n",
            i + 1,
            yes(stored > 0),
            yes(woken > 0)
        );
    }
    out
}
// ANCHOR_END: accept_and_send

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
