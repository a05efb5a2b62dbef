//! A TCP connection's life on loopback, step by step: connect and accept, a
//! half-close (FIN), end of stream, the two ways a connection ends in a
//! reset (RST), and what a reset leaves of bytes that had already arrived.
//! Chapter "A TCP connection's life".
//!
//! `cargo run -p code --example tcp_life_cycle`
//!
//! The printed error kinds are Linux's; the chapter says where macOS and
//! Windows differ, and the asserts below hold on all three.

use std::io::{self, ErrorKind};
use std::net::{Shutdown, SocketAddr, TcpStream};

use code::executor::yield_now;
use code::io::write_all;
use code::net::{AsyncTcpListener, AsyncTcpStream};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        out += &half_close().await?;
        out += &abortive_close().await?;
        out += &unread_data().await?;
        out += &reset_after_data().await?;
        out += &write_after_close().await?;
        Ok::<_, io::Error>(out)
    })
    .expect("the TCP life-cycle example failed")
}

// ANCHOR: connect
/// A connection on loopback, both ends registered with the reactor.
async fn connect() -> io::Result<(AsyncTcpStream, AsyncTcpStream)> {
    let listener = AsyncTcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    // The kernel completes the handshake on its own, and queues the new
    // connection for `accept`: connecting first, then accepting, is fine.
    let client = AsyncTcpStream::connect(listener.local_addr()?).await?;
    let (server, peer) = listener.accept().await?;
    assert_eq!(
        peer,
        client.local_addr()?,
        "accept returns the client's address"
    );
    Ok((client, server))
}
// ANCHOR_END: connect

// ANCHOR: half_close
/// The client says all it has to say and closes its sending half; the
/// server reads to the end, and still answers.
async fn half_close() -> io::Result<String> {
    let mut out = "1. Half-close: end of stream one way, the other way stays open\n".to_string();
    let (client, server) = connect().await?;
    let mut buf = [0; 16];

    write_all(&mut &client, b"request").await?;
    client.shutdown(Shutdown::Write)?; // FIN: "I will send no more"
    out += "  client: wrote \"request\", then shutdown(Write)\n";

    let n = server.read(&mut buf).await?;
    out += &format!("  server: read -> Ok({n}) {:?}\n", text(&buf[..n]));
    let n = server.read(&mut buf).await?;
    assert_eq!(n, 0, "after the FIN, reads return end of stream");
    out += &format!("  server: read -> Ok({n}): end of stream\n");

    // The client's FIN closed one direction only.
    write_all(&mut &server, b"reply").await?;
    out += "  server: wrote \"reply\"\n";
    let n = client.read(&mut buf).await?;
    out += &format!("  client: read -> Ok({n}) {:?}\n", text(&buf[..n]));

    server.shutdown(Shutdown::Write)?;
    out += "  server: shutdown(Write)\n";
    let n = client.read(&mut buf).await?;
    let again = client.read(&mut buf).await?;
    assert_eq!((n, again), (0, 0), "end of stream, and it stays");
    out += &format!("  client: read -> Ok({n}), and again Ok({again}): end of stream stays\n");

    // Writing after our own shutdown(Write) is an error at once.
    let late = client.write(b"late").await.unwrap_err();
    #[cfg(unix)]
    assert_eq!(late.kind(), ErrorKind::BrokenPipe, "EPIPE after shutdown");
    out += &format!(
        "  client: write after its shutdown(Write) -> Err({:?})\n",
        late.kind()
    );
    Ok(out)
}
// ANCHOR_END: half_close

// ANCHOR: abortive_close
/// SO_LINGER with a timeout of 0 turns close into a reset.
async fn abortive_close() -> io::Result<String> {
    let mut out = "2. Abortive close: SO_LINGER 0, then drop, sends RST\n".to_string();
    let (client, server) = std_pair()?;
    set_linger_zero(&client)?; // any time before the close
    let (client, server) = (
        AsyncTcpStream::from_std(client)?,
        AsyncTcpStream::from_std(server)?,
    );
    let reading = code::spawn(async move {
        let mut buf = [0; 16];
        let result = server.read(&mut buf).await;
        (server, result)
    });
    yield_now().await; // the server's task runs, finds nothing to read, parks
    assert!(!reading.is_finished(), "the server waits for data");
    out += "  server: read -> Pending (its waker is in the read slot)\n";

    drop(client);
    out += "  client: (SO_LINGER = 0 s) dropped\n";

    let (server, result) = reading.await;
    let kind = result.expect_err("a reset is an error").kind();
    assert_eq!(kind, ErrorKind::ConnectionReset);
    out += &format!("  server: (woken) read -> Err({kind:?})\n");

    let kind = server.write(b"hello?").await.unwrap_err().kind();
    // Linux and macOS say EPIPE once the reset has been reported; Windows
    // has no EPIPE for sockets and says WSAECONNRESET or WSAECONNABORTED.
    assert!(
        matches!(
            kind,
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        ),
        "a write to a reset connection failed with {kind:?}"
    );
    out += &format!("  server: write -> Err({kind:?})\n");
    Ok(out)
}
// ANCHOR_END: abortive_close

// ANCHOR: unread_data
/// Closing a socket whose receive buffer still holds data sends RST: the
/// data was lost, and the peer should know (RFC 2525, section 2.17).
async fn unread_data() -> io::Result<String> {
    let mut out = "3. Dropping a socket: FIN if all was read, RST if data was left\n".to_string();
    let mut buf = [0; 32];

    // Polite: the server reads everything, then drops its socket.
    let (client, server) = std_pair()?;
    let client = AsyncTcpStream::from_std(client)?;
    write_all(&mut &client, b"hello").await?;
    let n = std::io::Read::read(&mut &server, &mut buf)?;
    drop(server);
    let n_client = client.read(&mut buf).await?;
    assert_eq!(n_client, 0, "everything was read: a normal close (FIN)");
    out += &format!("  server read all {n} bytes, dropped  -> client: read -> Ok({n_client})\n");

    // Rude: the server drops its socket with bytes it never read.
    let (client, server) = std_pair()?;
    let client = AsyncTcpStream::from_std(client)?;
    write_all(&mut &client, b"you never read this").await?;
    // Wait (blocking, without taking them) until the bytes have arrived.
    let waiting = server.peek(&mut buf)?;
    drop(server);
    if cfg!(any(target_os = "linux", target_os = "macos")) {
        let kind = client.read(&mut buf).await.unwrap_err().kind();
        assert_eq!(kind, ErrorKind::ConnectionReset);
        out +=
            &format!("  server dropped {waiting} unread bytes -> client: read -> Err({kind:?})\n");
    } else {
        out += "  (not shown on this platform: see the chapter)\n";
    }
    Ok(out)
}
// ANCHOR_END: unread_data

// ANCHOR: reset_after_data
/// A reset does not take back bytes that have already arrived: the reader
/// gets them first, then the reset, once, then end of stream.
async fn reset_after_data() -> io::Result<String> {
    let mut out = "4. A reset after the data arrived: the data first, then the error\n".to_string();
    if !cfg!(target_os = "linux") {
        out += "  (not shown on this platform: see the chapter)\n";
        return Ok(out);
    }
    let (client, server) = std_pair()?;
    std::io::Write::write_all(&mut &client, b"twelve bytes")?;
    let mut buf = [0; 5];
    server.peek(&mut buf)?; // (blocking) the bytes have arrived
    set_linger_zero(&client)?;
    drop(client); // RST
    wait_for_reset(&server)?;
    out += "  client: wrote 12 bytes, then (SO_LINGER = 0 s) dropped\n";

    let server = AsyncTcpStream::from_std(server)?;
    for _ in 0..8 {
        // Bounded: on Linux the fifth read already returns end of stream.
        match server.read(&mut buf).await {
            Ok(0) => {
                out += "  server: read -> Ok(0): end of stream\n";
                return Ok(out);
            }
            Ok(n) => out += &format!("  server: read -> Ok({n}) {:?}\n", text(&buf[..n])),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::ConnectionReset);
                out += &format!("  server: read -> Err({:?})\n", e.kind());
            }
        }
    }
    panic!("the reset connection never reached end of stream");
}
// ANCHOR_END: reset_after_data

// ANCHOR: write_after_close
/// A peer that has closed (FIN) and is gone: the first write still succeeds.
/// Only the peer's answer to it, a reset, says that nobody is there.
async fn write_after_close() -> io::Result<String> {
    let mut out = "5. Writing to a peer that has closed: the first write succeeds\n".to_string();
    if !cfg!(target_os = "linux") {
        out += "  (not shown on this platform: see the chapter)\n";
        return Ok(out);
    }
    let (client, server) = std_pair()?;
    let same_socket = client.try_clone()?; // to wait on, below
    drop(server); // it read everything there was (nothing): a FIN
    let client = AsyncTcpStream::from_std(client)?;
    let mut buf = [0; 8];
    let n = client.read(&mut buf).await?;
    assert_eq!(n, 0, "the FIN arrived");
    out += &format!("  server: dropped (FIN) -> client: read -> Ok({n})\n");

    let n = client.write(b"hello?").await?;
    out += &format!("  client: write -> Ok({n}): taken, sent, answered with RST\n");
    wait_for_reset(&same_socket)?;
    let kind = client.write(b"hello?").await.unwrap_err().kind();
    assert_eq!(kind, ErrorKind::BrokenPipe);
    out += &format!("  client: write again -> Err({kind:?})\n");
    Ok(out)
}
// ANCHOR_END: write_after_close

/// Waits until the reset has arrived (blocking, at most 5 s): poll(2)
/// reports POLLHUP once the connection is closed, even while unread bytes
/// wait in its buffer.
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

/// Never called elsewhere (the scene stops before it), but it must compile.
#[cfg(not(target_os = "linux"))]
fn wait_for_reset(_: &TcpStream) -> io::Result<()> {
    Ok(())
}

/// A connection on loopback as two plain, blocking `std` streams (client,
/// server), to set socket options on before the runtime takes one over.
fn std_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ANCHOR: linger
/// Sets SO_LINGER to "on, 0 seconds": closing the socket then discards
/// whatever it has not sent and sends RST instead of FIN. (std's
/// `TcpStream::set_linger` does this, but is not stable yet; the socket2
/// crate has it as `set_linger`, tokio as `set_zero_linger`.)
#[cfg(unix)]
fn set_linger_zero(stream: &TcpStream) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket, and a pointer to a `linger` with its size, as
    // setsockopt(2) asks for SO_LINGER.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
// ANCHOR_END: linger

/// The same as the Unix version, through Winsock.
#[cfg(windows)]
fn set_linger_zero(stream: &TcpStream) -> io::Result<()> {
    use std::os::windows::io::AsRawSocket;
    use windows_sys::Win32::Networking::WinSock::{LINGER, SO_LINGER, SOL_SOCKET, setsockopt};
    let linger = LINGER {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket, and a pointer to a `LINGER` with its size, as
    // setsockopt asks for SO_LINGER.
    let rc = unsafe {
        setsockopt(
            stream.as_raw_socket() as usize,
            SOL_SOCKET,
            SO_LINGER,
            (&raw const linger).cast(),
            size_of::<LINGER>() as i32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
