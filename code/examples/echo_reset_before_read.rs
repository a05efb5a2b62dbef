//! The echo task of `echo_server`, for a client that sends `bye` and resets
//! its connection (`SO_LINGER` 0, then close) before the echo task has run
//! at all. What does the task's first read return? Chapter "An async echo
//! server" does not show this run; its quiz asks the reader to predict it.
//!
//! Linux only, for its output: on Linux (and BSD, macOS) a reset does not
//! take back bytes that have already arrived; Windows discards them.
//!
//! `cargo run -p code --example echo_reset_before_read`

#[allow(dead_code)] // only the echo task is used here
#[path = "echo_server.rs"]
mod echo_server;

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

use code::net::AsyncTcpStream;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let (mut client, server) = code::testing::connected_pair().expect("loopback connection");
    socket2::SockRef::from(&client)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER");
    client.write_all(b"bye").expect("the client's write");
    drop(client); // with SO_LINGER 0: a reset
    wait_for_reset(&server).expect("the reset arrives");

    let (result, lines) = code::trace::capture(|| {
        code::block_on(async {
            let stream = AsyncTcpStream::from_std(server)?;
            echo_server::echo(stream).await
        })
    });
    let mut out = "client: sends \"bye\", then resets its connection; \
                   the echo task has not run yet\n\
                   the echo task's socket calls:\n"
        .to_string();
    for line in lines.iter().filter(|l| l.starts_with("net: ")) {
        out += &format!("  {line}\n");
    }
    let result = match result {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({:?})", e.kind()),
    };
    out + &format!("the echo task returned {result}\n")
}

/// Waits until the reset has arrived (at most 5 s): poll(2) reports POLLHUP
/// once the connection is closed, even while unread bytes wait in it.
#[cfg(target_os = "linux")]
fn wait_for_reset(stream: &TcpStream) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // No events asked for: POLLHUP and POLLERR are always reported.
    let mut fd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: 0,
        revents: 0,
    };
    // SAFETY: a pointer to one valid `pollfd`, and that count.
    let rc = unsafe { libc::poll(&mut fd, 1, 5_000) };
    match rc {
        1 if fd.revents & libc::POLLHUP != 0 => Ok(()),
        -1 => Err(io::Error::last_os_error()),
        _ => Err(io::Error::other("no reset within 5 s")),
    }
}

/// Elsewhere the output is not checked: give the reset a moment.
#[cfg(not(target_os = "linux"))]
fn wait_for_reset(_: &TcpStream) -> io::Result<()> {
    std::thread::sleep(Duration::from_millis(100));
    Ok(())
}
