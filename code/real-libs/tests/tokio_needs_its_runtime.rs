//! tokio's own sockets, timers and `spawn` look for tokio's runtime when
//! they start, and panic with a message inside `code::block_on`, where
//! there is none. (tokio-util's codecs need only tokio's traits: see
//! tests/lines.rs.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// The message of the panic `f` raises inside `code::block_on`.
fn panic_inside_code<F: Future>(f: impl FnOnce() -> F) -> String {
    let outcome = catch_unwind(AssertUnwindSafe(|| code::block_on(async { f().await })));
    match outcome {
        Ok(_) => panic!("it ran on `code` without tokio's runtime"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

#[test]
fn tokio_net_time_and_spawn_need_tokios_runtime() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let cases = [
        (
            "tokio::net::TcpStream::connect",
            panic_inside_code(|| async move {
                let _ = tokio::net::TcpStream::connect(addr).await;
            }),
        ),
        (
            "tokio::time::sleep",
            panic_inside_code(|| tokio::time::sleep(Duration::from_millis(1))),
        ),
        (
            "tokio::spawn",
            panic_inside_code(|| async {
                drop(tokio::spawn(async {}));
            }),
        ),
    ];
    for (what, message) in cases {
        assert!(
            message.contains("Tokio 1.x runtime"),
            "{what} panicked with {message:?}"
        );
    }
}
