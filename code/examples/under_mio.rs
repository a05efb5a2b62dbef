//! One async read, small enough to follow system call by system call under
//! `strace` (page "Under mio"): the read finds nothing, the task waits in
//! `epoll_wait`, the peer's bytes arrive, and the second read gets them.
//!
//! `cargo run -p code --example under_mio`
//! `strace -e trace=ioctl,eventfd2,epoll_create1,epoll_ctl,epoll_wait,recvfrom,sendto target/debug/examples/under_mio`

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (got, trace) = code::trace::capture(one_read);
    let got = got.expect("the read failed");
    let mut out = String::from("The runtime's trace:\n");
    for line in trace {
        out += &format!("  {line}\n");
    }
    out += &format!(
        "read {} bytes: {:?}\n",
        got.len(),
        String::from_utf8_lossy(&got)
    );
    out
}

// ANCHOR: one_read
/// Connects a pair on loopback and reads once from our end, before the peer
/// has written: the read waits for its event. Returns what it read.
fn one_read() -> io::Result<Vec<u8>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let ours = TcpStream::connect(listener.local_addr()?)?;
    let (mut peer, _) = listener.accept()?;
    code::block_on(async {
        let stream = AsyncTcpStream::from_std(ours)?;
        // Spawned first, polled second: the peer writes only once the read
        // below has found the socket empty. The task hands the peer back, so
        // that it stays open (a close would add a hang-up to the event).
        let writer = code::spawn(async move { peer.write_all(b"hello").map(|()| peer) });
        let mut buf = [0; 16];
        let n = stream.read(&mut buf).await?;
        let _peer = writer.await?;
        Ok(buf[..n].to_vec())
    })
}
// ANCHOR_END: one_read
