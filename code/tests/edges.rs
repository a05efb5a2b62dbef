//! The edges of the runtime's API, where a small mistake used to end in a
//! misleading message, a silent hang or a wrong result: a task spawned while
//! `block_on` tears down, a `JoinHandle` polled after it returned, `spawn`
//! outside `block_on`, `copy_with_buffer` with an empty buffer, and the
//! futures-io traits for a shared `&AsyncTcpStream`.
//! (`#[must_use]` on the I/O futures and `Sleep` is checked by doc tests
//! that must not compile: in `net.rs`, on the doctest-only item `MustUse`,
//! and in `time.rs`, on `Sleep`.)

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use code::JoinHandle;
use code::executor::yield_now;
use code::io::{AsyncRead, AsyncWrite, copy_with_buffer};
use code::net::AsyncTcpStream;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

/// The message of a panic payload.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A task is dropped unfinished when `block_on` returns; its `Drop` spawns
/// another task. That task is dropped too, and awaiting its handle in a
/// later `block_on` says so (it used to stay in the task table, never to be
/// queued again, and the await hung).
#[test]
fn a_task_spawned_while_block_on_tears_down_is_dropped_and_its_handle_says_so() {
    struct SpawnOnDrop(Rc<RefCell<Option<JoinHandle<u32>>>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = Some(code::spawn(async { 7 }));
        }
    }
    let outcome = within(
        LIMIT,
        "awaiting the handle of a task spawned during block_on's teardown hung",
        || {
            let late = Rc::new(RefCell::new(None));
            let guard = SpawnOnDrop(Rc::clone(&late));
            code::block_on(async move {
                code::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
                yield_now().await; // the task starts, and never finishes
            });
            let handle = late.borrow_mut().take().expect("the task's Drop ran");
            std::panic::catch_unwind(AssertUnwindSafe(|| code::block_on(handle))).map_err(message)
        },
    );
    let message = outcome.expect_err("the task spawned during teardown ran after all?");
    assert!(
        message.contains("dropped before it finished"),
        "unexpected panic: {message}"
    );
}

#[test]
#[should_panic(expected = "JoinHandle polled after completion")]
fn a_join_handle_polled_after_it_returned_panics_saying_so() {
    within(LIMIT, "a JoinHandle polled twice hung", || {
        code::block_on(async {
            let mut handle = code::spawn(async { 1 });
            assert_eq!((&mut handle).await, 1);
            (&mut handle).await
        })
    });
}

#[test]
#[should_panic(expected = "must be called from the context of a runtime")]
fn spawn_outside_block_on_panics() {
    within(LIMIT, "spawn hung", || {
        drop(code::spawn(async {}));
    });
}

/// Bytes from memory.
struct Bytes(&'static [u8]);

impl AsyncRead for Bytes {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

/// Takes every byte.
struct Sink(Vec<u8>);

impl AsyncWrite for Sink {
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
}

#[test]
fn copy_with_an_empty_buffer_is_an_error_not_an_empty_stream() {
    let result = within(LIMIT, "copy_with_buffer hung", || {
        code::block_on(copy_with_buffer(
            &mut Bytes(b"hello"),
            &mut Sink(Vec::new()),
            &mut [],
        ))
    });
    let err = result.expect_err(
        "copy_with_buffer with an empty buffer returned Ok, as if the stream had ended",
    );
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

/// One task reads and another writes the same stream, each through its own
/// `&AsyncTcpStream`, with the futures-io traits.
#[test]
fn futures_io_traits_work_through_a_shared_reference() {
    let echoed = within(LIMIT, "a futures-io read or write never finished", || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (peer, _) = listener.accept().unwrap();
        // The peer echoes what it reads, until EOF.
        let echo = std::thread::spawn(move || {
            let (mut reader, mut writer) = (&peer, &peer);
            std::io::copy(&mut reader, &mut writer).unwrap();
        });
        let echoed = code::block_on(async move {
            let stream = Rc::new(AsyncTcpStream::from_std(ours).unwrap());
            let writer = code::spawn({
                let stream = Rc::clone(&stream);
                async move {
                    let mut to = &*stream;
                    let mut rest: &[u8] = b"shared";
                    while !rest.is_empty() {
                        let n = poll_fn(|cx| {
                            futures_io::AsyncWrite::poll_write(Pin::new(&mut to), cx, rest)
                        })
                        .await
                        .unwrap();
                        rest = &rest[n..];
                    }
                    poll_fn(|cx| futures_io::AsyncWrite::poll_close(Pin::new(&mut to), cx))
                        .await
                        .unwrap();
                }
            });
            let mut from = &*stream;
            let mut echoed = Vec::new();
            let mut buf = [0; 16];
            loop {
                let n = poll_fn(|cx| {
                    futures_io::AsyncRead::poll_read(Pin::new(&mut from), cx, &mut buf)
                })
                .await
                .unwrap();
                if n == 0 {
                    break;
                }
                echoed.extend_from_slice(&buf[..n]);
            }
            writer.await;
            echoed
        });
        echo.join().unwrap();
        echoed
    });
    assert_eq!(echoed, b"shared");
}
