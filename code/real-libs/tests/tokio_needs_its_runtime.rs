//! tokio's own sockets, timers and `spawn` look for tokio's runtime when
//! they start, and panic with a message inside `code::block_on`, where
//! there is none; with a tokio runtime running on threads of its own, and
//! entered, they work there. (tokio-util's codecs need only tokio's
//! traits: see tests/lines.rs.)

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
    // The message the book quotes, whole.
    for (what, message) in cases {
        assert_eq!(
            message,
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime",
            "{what} panicked with another message"
        );
    }
}

/// With a tokio runtime on a thread of its own, entered on this thread,
/// the same three work inside `code::block_on`: tokio's thread does their
/// waiting and wakes `code`'s task from there.
#[test]
fn with_a_tokio_runtime_entered_they_work_inside_code() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let _entered = tokio.enter();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let ran = code::block_on(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let stream = tokio::net::TcpStream::connect(addr).await;
            let spawned = tokio::spawn(async { 42 }).await;
            (stream.map(|s| s.peer_addr().ok()), spawned.ok())
        });
        let _ = tx.send(format!("{ran:?}"));
    });
    let ran = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("code::block_on did not finish within 10 s (or panicked: see above)");
    assert!(ran.starts_with("(Ok(Some(127.0.0.1:"), "{ran}");
    assert!(ran.ends_with(", Some(42))"), "{ran}");
}
