//! AsyncTcpStream and AsyncTcpListener against real loopback sockets.

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use code::io::{read_exact, write_all};
use code::net::{AsyncTcpListener, AsyncTcpStream};
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn connect_accept_and_talk_both_ways() {
    within(
        LIMIT,
        "a connect, accept, read or write never finished",
        || {
            code::block_on(async {
                let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
                let addr = listener.local_addr()?;
                let server = code::spawn(async move {
                    let (conn, peer) = listener.accept().await?;
                    assert_eq!(peer, conn.peer_addr()?);
                    let mut buf = [0; 4];
                    read_exact(&mut &conn, &mut buf).await?;
                    write_all(&mut &conn, b"pong").await?;
                    io::Result::Ok(buf)
                });
                let client = AsyncTcpStream::connect(addr).await?;
                assert_eq!(client.peer_addr()?, addr);
                write_all(&mut &client, b"ping").await?;
                let mut reply = [0; 4];
                read_exact(&mut &client, &mut reply).await?;
                assert_eq!(&reply, b"pong");
                assert_eq!(&server.await?, b"ping");
                io::Result::Ok(())
            })
            .unwrap()
        },
    );
}

#[test]
fn connecting_to_a_closed_port_fails() {
    let result = within(LIMIT, "a refused connect never completed", || {
        code::block_on(async {
            // A port that was free a moment ago and has no listener now.
            let addr = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            AsyncTcpStream::connect(addr).await.map(|_| ())
        })
    });
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn a_shutdown_write_half_reads_as_end_of_stream() {
    within(LIMIT, "EOF never arrived", || {
        code::block_on(async {
            let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let client = AsyncTcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (conn, _) = listener.accept().await.unwrap();
            write_all(&mut &client, b"bye").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut buf = [0; 8];
            let mut got = Vec::new();
            loop {
                let n = conn.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got, b"bye");
        })
    });
}

#[test]
fn an_empty_read_or_write_returns_zero_at_once() {
    within(LIMIT, "an empty read or write waited", || {
        code::block_on(async {
            let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let client = AsyncTcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            assert_eq!(client.read(&mut []).await.unwrap(), 0);
            assert_eq!(client.write(&[]).await.unwrap(), 0);
        })
    });
}
