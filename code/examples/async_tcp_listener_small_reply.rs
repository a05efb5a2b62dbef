//! The example `async_tcp_listener_accept` with a 1 KiB reply instead of
//! 8 MiB: small enough to fit in the socket's send buffer at once. Its output
//! answers a question in the quiz of chapter "AsyncTcpListener".
//!
//! `cargo run -p code --example async_tcp_listener_small_reply`

#[path = "async_tcp_listener_accept.rs"]
#[allow(dead_code)]
mod accept;

/// Far less than a loopback socket's send buffer holds.
const REPLY_BYTES: usize = 1024;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    accept::accept_and_send(REPLY_BYTES)
}
