//! The echo_server example: its arguments, and several clients at once.

#[allow(dead_code)] // its `main` is not called here
#[path = "../examples/echo_server.rs"]
mod echo_server;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use code::net::AsyncTcpListener;
use code::testing::within;

fn args(list: &[&str]) -> impl Iterator<Item = String> {
    list.iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .into_iter()
}

#[test]
fn the_port_argument_is_checked() {
    assert_eq!(
        echo_server::parse_port(args(&[])),
        Ok(echo_server::DEFAULT_PORT)
    );
    assert_eq!(echo_server::parse_port(args(&["9000"])), Ok(9000));
    assert_eq!(echo_server::parse_port(args(&["0"])), Ok(0));
    let err = echo_server::parse_port(args(&["70000"])).unwrap_err();
    assert!(err.contains("`70000` is not a port number"), "{err}");
    let err = echo_server::parse_port(args(&["http"])).unwrap_err();
    assert!(err.contains("`http` is not a port number"), "{err}");
    let err = echo_server::parse_port(args(&["1", "2"])).unwrap_err();
    assert!(err.contains("unexpected argument `2`"), "{err}");
}

#[test]
fn serves_several_clients_at_once_while_one_stays_idle() {
    within(
        Duration::from_secs(20),
        "the echo server did not answer every client: does one client block the others?",
        || {
            let (addr_tx, addr_rx) = mpsc::channel();
            // The server runs on its own thread, for as long as the test does.
            thread::spawn(move || {
                code::block_on(async {
                    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                    addr_tx.send(listener.local_addr().unwrap()).unwrap();
                    echo_server::serve(listener).await
                })
            });
            let addr = addr_rx.recv().unwrap();
            let _idle = TcpStream::connect(addr).unwrap(); // connects, never sends
            let clients: Vec<_> = (0..8u8)
                .map(|i| {
                    thread::spawn(move || {
                        let mut stream = TcpStream::connect(addr).unwrap();
                        // One client sends 1 MiB, the others a few bytes.
                        let size = if i == 0 { 1 << 20 } else { 100 };
                        let message: Vec<u8> =
                            (0..size).map(|j| (j as u8).wrapping_add(i)).collect();
                        let writer = {
                            let mut stream = stream.try_clone().unwrap();
                            let message = message.clone();
                            thread::spawn(move || {
                                stream.write_all(&message).unwrap();
                                stream.shutdown(std::net::Shutdown::Write).unwrap();
                            })
                        };
                        let mut echoed = Vec::new();
                        stream.read_to_end(&mut echoed).unwrap();
                        writer.join().unwrap();
                        assert!(echoed == message, "client {i} got back different bytes");
                    })
                })
                .collect();
            for client in clients {
                client.join().unwrap();
            }
        },
    );
}
