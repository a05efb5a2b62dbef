//! The tests of exercise 2 (solution-2 runs this same file).
//!
//! Some tests use real sockets (`code::net::AsyncTcpStream`), others small
//! stand-in readers and writers that misbehave on purpose: a few bytes at a
//! time, "not ready yet", `Interrupted`, a writer that takes nothing. Each
//! test runs under `code::testing::within`, so a wrong loop fails in seconds.
//!
//! Part 2 of the exercise, `BufReader`, is tested in `buf_reader/mod.rs`, a
//! module of this file: one test binary, so that `cargo test -p exercise-2`
//! runs and reports both parts together (`cargo test -p exercise-2
//! buf_reader` runs part 2 alone).

/// The tests of part 2: `BufReader`, `read_until` and `read_line`.
#[path = "buf_reader/mod.rs"]
mod buf_reader;

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_2::{read_exact, write_all};

#[path = "../../mocks.rs"]
mod mocks;
use mocks::{
    Failing, FullWriter, Gate, GatedReader, GatedWriter, TrickleReader, TrickleWriter, Untouchable,
    watched,
};

/// Checks of how a task waits, shared by the exercises' tests.
#[path = "../../behaviour.rs"]
mod behaviour;
use behaviour::{WAIT, assert_parked, capture, record, within};

/// Bytes shown as text in the messages.
#[path = "../../bytes.rs"]
mod bytes;
use bytes::assert_bytes;

/// The chapter the messages send a learner back to.
const CHAPTER: &str = "Partial reads and writes";

const LIMIT: Duration = Duration::from_secs(5);

/// The message of the lesson's exercise: 10 KB.
const MESSAGE_LEN: usize = 10 * 1024;

/// Bytes that show where a lost or repeated chunk happened.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Where two byte strings first differ, for messages.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or(if a.len() == b.len() {
            None
        } else {
            Some(a.len().min(b.len()))
        })
}

/// A connected pair of `code` streams: (client, server).
async fn connected_pair() -> (AsyncTcpStream, AsyncTcpStream) {
    let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let client = AsyncTcpStream::connect(listener.local_addr().unwrap());
    let client = client.await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Reads until end of stream with plain `poll_read` calls (not the code
/// under test).
async fn read_to_end(stream: &AsyncTcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn read_exact_receives_10_kb_sent_in_small_chunks() {
    let received = within(
        LIMIT,
        "read_exact did not finish receiving 10 KB sent in 100-byte chunks",
        || {
            code::block_on(async {
                let (client, mut server) = connected_pair().await;
                client.set_nodelay(true).unwrap();
                // The sender: 100 bytes at a time, pausing now and then so
                // the receiver really sees the message arrive in pieces.
                code::spawn(async move {
                    for (i, chunk) in pattern(MESSAGE_LEN).chunks(100).enumerate() {
                        code::io::write_all(&mut &client, chunk).await.unwrap();
                        if i % 10 == 9 {
                            code::time::sleep(Duration::from_millis(2)).await;
                        }
                    }
                });
                let mut buf = vec![0; MESSAGE_LEN];
                read_exact(&mut server, &mut buf)
                    .await
                    .unwrap_or_else(|e| panic!("read_exact failed: {e}"));
                buf
            })
        },
    );
    if let Some(at) = first_difference(&received, &pattern(MESSAGE_LEN)) {
        panic!(
            "read_exact returned, but the buffer is wrong from byte {at} of {MESSAGE_LEN} on: \
             a read may return fewer bytes than asked for, so keep reading into the part of \
             the buffer that is not filled yet (buf[filled..])"
        );
    }
}

#[test]
fn read_exact_fills_the_buffer_from_a_reader_that_gives_7_bytes_at_a_time() {
    let (buf, reader) = within(
        LIMIT,
        "read_exact did not finish with a reader that gives 7 bytes at a time and is \
         sometimes not ready (Pending): after Pending, poll the reader again when woken",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(pattern(MESSAGE_LEN), 7);
                let mut buf = vec![0; MESSAGE_LEN];
                read_exact(&mut reader, &mut buf)
                    .await
                    .unwrap_or_else(|e| panic!("read_exact failed: {e}"));
                (buf, reader)
            })
        },
    );
    if let Some(at) = first_difference(&buf, &pattern(MESSAGE_LEN)) {
        panic!(
            "the buffer is wrong from byte {at} on (the reader gave 7 bytes per read): \
             read each time into buf[filled..] and add what the read returned to `filled`"
        );
    }
    assert_eq!(
        reader.at, MESSAGE_LEN,
        "read_exact did not take the bytes it returned from the reader"
    );
}

#[test]
fn write_all_sends_10_kb_through_a_writer_that_takes_7_bytes_at_a_time() {
    let written = within(
        LIMIT,
        "write_all did not finish with a writer that takes 7 bytes at a time and is \
         sometimes not ready (Pending)",
        || {
            code::block_on(async {
                let mut writer = TrickleWriter::new(7);
                write_all(&mut writer, &pattern(MESSAGE_LEN))
                    .await
                    .unwrap_or_else(|e| panic!("write_all failed: {e}"));
                writer.written
            })
        },
    );
    if let Some(at) = first_difference(&written, &pattern(MESSAGE_LEN)) {
        panic!(
            "the writer received {} bytes, wrong from byte {at} on (it takes at most 7 bytes \
             per write): a write may take only part of the buffer, so go on with the rest, \
             buf[n..], until nothing is left",
            written.len()
        );
    }
}

#[test]
fn write_all_finishes_the_job_when_a_slow_peer_makes_writes_partial() {
    // Far more than the socket buffers hold while the peer is not reading,
    // so the socket takes part of the buffer, then says WouldBlock.
    const LEN: usize = 8 << 20;
    let (received, lines) = within(
        LIMIT,
        "write_all did not finish sending 8 MiB to a peer that reads slowly: after a partial \
         write or Pending, continue with the rest of the buffer",
        || {
            capture(|| {
                code::block_on(async {
                    let (mut client, server) = connected_pair().await;
                    let writer = code::spawn(async move {
                        let result = write_all(&mut client, &pattern(LEN)).await;
                        // Closing tells the reader that nothing more will come.
                        client.shutdown(Shutdown::Write).unwrap();
                        result
                    });
                    // The slow reader: it starts late, after the buffers filled.
                    code::time::sleep(Duration::from_millis(30)).await;
                    let received = read_to_end(&server).await;
                    writer
                        .await
                        .unwrap_or_else(|e| panic!("write_all failed: {e}"));
                    received
                })
            })
        },
    );
    if let Some(at) = first_difference(&received, &pattern(LEN)) {
        panic!(
            "write_all returned Ok, but the peer received {} of {LEN} bytes, wrong from byte \
             {at} on: a socket often takes only part of a big buffer (write returns Ok(n) with \
             n smaller than the length); write the rest, buf[n..], until nothing is left",
            received.len()
        );
    }
    // Makes sure the test did what it says: the socket did refuse bytes.
    assert!(
        lines.iter().any(|l| l.ends_with("write -> WouldBlock")),
        "the test meant to fill the socket buffer but the socket never said WouldBlock"
    );
}

#[test]
fn read_exact_fails_with_unexpected_eof_when_the_stream_ends_early() {
    let result = within(
        LIMIT,
        "read_exact did not return when the stream ended early: a read that returns Ok(0) \
         means the peer closed the connection and no more bytes will come; return an error \
         of kind UnexpectedEof instead of reading again",
        || {
            code::block_on(async {
                let (mut client, mut server) = connected_pair().await;
                code::io::write_all(&mut client, b"only ten b")
                    .await
                    .unwrap();
                drop(client);
                let mut buf = [0; 20];
                read_exact(&mut server, &mut buf).await
            })
        },
    );
    match result {
        Err(e) => assert_eq!(
            e.kind(),
            io::ErrorKind::UnexpectedEof,
            "read_exact returned the wrong error ({e}) when the stream ended after 10 of 20 \
             bytes: it should be io::ErrorKind::UnexpectedEof"
        ),
        Ok(()) => panic!(
            "read_exact returned Ok(()) but only 10 of the 20 bytes ever arrived: when a read \
             returns Ok(0) before the buffer is full, return an UnexpectedEof error"
        ),
    }
}

#[test]
fn write_all_fails_with_write_zero_when_the_writer_takes_nothing() {
    let result = within(
        LIMIT,
        "write_all kept calling a writer that returns Ok(0): a write that takes 0 bytes of a \
         non-empty buffer will never make progress; return an error of kind WriteZero",
        || code::block_on(async { write_all(&mut FullWriter, b"anything").await }),
    );
    match result {
        Err(e) => assert_eq!(
            e.kind(),
            io::ErrorKind::WriteZero,
            "write_all returned the wrong error ({e}) for a writer that takes nothing: it \
             should be io::ErrorKind::WriteZero"
        ),
        Ok(()) => panic!("write_all returned Ok(()) but the writer took none of the bytes"),
    }
}

#[test]
fn empty_buffers_do_no_io() {
    within(
        LIMIT,
        "read_exact or write_all with an empty buffer did not return",
        || {
            code::block_on(async {
                read_exact(&mut Untouchable, &mut [])
                    .await
                    .unwrap_or_else(|e| panic!("read_exact into an empty buffer failed: {e}"));
                write_all(&mut Untouchable, &[])
                    .await
                    .unwrap_or_else(|e| panic!("write_all of an empty buffer failed: {e}"));
            })
        },
    );
}

#[test]
fn interrupted_reads_and_writes_are_tried_again() {
    let (buf, written) =
        within(
            LIMIT,
            "read_exact or write_all did not finish after an Interrupted error",
            || {
                code::block_on(async {
                    let mut reader = TrickleReader::new(b"interrupted".to_vec(), 4);
                    reader.interruptions = 2;
                    let mut buf = [0; 11];
                    read_exact(&mut reader, &mut buf).await.unwrap_or_else(|e| {
                    panic!(
                        "read_exact gave up with `{e}`: an Interrupted error means a signal cut \
                         the call short and nothing happened; try again, as std's read_exact does"
                    )
                });
                    let mut writer = TrickleWriter::new(4);
                    writer.interruptions = 2;
                    write_all(&mut writer, b"interrupted").await.unwrap_or_else(|e| {
                    panic!(
                        "write_all gave up with `{e}`: an Interrupted error means a signal cut \
                         the call short and nothing happened; try again, as std's write_all does"
                    )
                });
                    (buf, writer.written)
                })
            },
        );
    assert_bytes(&buf, b"interrupted", "read_exact got the wrong bytes");
    assert_bytes(&written, b"interrupted", "write_all wrote the wrong bytes");
}

#[test]
fn other_errors_are_returned_at_once() {
    let (read, write) = within(
        LIMIT,
        "read_exact or write_all kept retrying a failing reader or writer: only Interrupted \
         is retried; return any other error to the caller",
        || {
            code::block_on(async {
                let mut reader = Failing {
                    kind: io::ErrorKind::ConnectionReset,
                    calls: 0,
                };
                let read = read_exact(&mut reader, &mut [0; 8]).await;
                let mut writer = Failing {
                    kind: io::ErrorKind::BrokenPipe,
                    calls: 0,
                };
                let write = write_all(&mut writer, b"data").await;
                ((read, reader.calls), (write, writer.calls))
            })
        },
    );
    let kind = |r: &io::Result<()>| r.as_ref().err().map(io::Error::kind);
    assert_eq!(
        kind(&read.0),
        Some(io::ErrorKind::ConnectionReset),
        "read_exact should return the reader's ConnectionReset error, got {:?}",
        read.0
    );
    assert_eq!(read.1, 1, "read_exact should stop at the first real error");
    assert_eq!(
        kind(&write.0),
        Some(io::ErrorKind::BrokenPipe),
        "write_all should return the writer's BrokenPipe error, got {:?}",
        write.0
    );
    assert_eq!(write.1, 1, "write_all should stop at the first real error");
}

#[test]
fn read_exact_stops_at_the_end_of_the_stream() {
    let (result, reader) = within(
        LIMIT,
        "read_exact did not return after a reader reported the end of the stream (Ok(0))",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(b"short".to_vec(), 3);
                let result = read_exact(&mut reader, &mut [0; 8]).await;
                (result, reader)
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::UnexpectedEof),
        "read_exact of 8 bytes from a reader with 5 should fail with UnexpectedEof, got {result:?}"
    );
    assert_eq!(
        reader.polls_after_eof, 0,
        "read_exact read again after the reader returned Ok(0) (end of stream)"
    );
}

// ---------------------------------------------------------------------------
// How read_exact and write_all wait. A reader or writer that is not ready
// returns Pending and keeps the task's waker, to wake it when it is ready (a
// socket leaves it with the reactor). The helper must then return Pending
// too, and be polled again only when woken: not wake the task itself, not
// poll again in a loop, and pass on the task's own waker. The mocks here
// become ready 200 ms later, from another thread, and count their polls.

#[test]
fn read_exact_sleeps_while_the_reader_is_not_ready() {
    let ((buf, polls), trace) = within(
        LIMIT,
        "read_exact did not finish with a reader that became ready after 200 ms: when \
         poll_read returns Pending, return Pending too; the reader wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new(CHAPTER);
                    let mut reader = GatedReader::new(b"ten bytes!", &gate);
                    let opener = gate.open_after(WAIT);
                    let mut buf = [0; 10];
                    watched(read_exact(&mut reader, &mut buf))
                        .await
                        .unwrap_or_else(|e| panic!("read_exact failed: {e}"));
                    opener.join().unwrap();
                    (buf, reader.polls)
                })
            })
        },
    );
    assert_bytes(&buf, b"ten bytes!", "read_exact got the wrong bytes");
    assert_parked(
        &trace,
        polls,
        WAIT,
        "read_exact waiting for a reader that was not ready for 200 ms",
        "When poll_read returns Pending, return Pending too (poll_fn(|cx| \
         reader.poll_read(cx, &mut buf[filled..])).await does): the reader has kept the \
         task's waker and wakes it when it is ready. Do not wake the task yourself, and do \
         not call poll_read again in a loop.",
        CHAPTER,
    );
}

#[test]
fn write_all_sleeps_while_the_writer_is_not_ready() {
    let ((written, polls), trace) = within(
        LIMIT,
        "write_all did not finish with a writer that became ready after 200 ms: when \
         poll_write returns Pending, return Pending too; the writer wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new(CHAPTER);
                    let mut writer = GatedWriter::new(&gate);
                    let opener = gate.open_after(WAIT);
                    watched(write_all(&mut writer, b"ten bytes!"))
                        .await
                        .unwrap_or_else(|e| panic!("write_all failed: {e}"));
                    opener.join().unwrap();
                    (writer.written, writer.polls)
                })
            })
        },
    );
    assert_bytes(&written, b"ten bytes!", "write_all wrote the wrong bytes");
    assert_parked(
        &trace,
        polls,
        WAIT,
        "write_all waiting for a writer that was not ready for 200 ms",
        "When poll_write returns Pending, return Pending too (poll_fn(|cx| \
         writer.poll_write(cx, buf)).await does): the writer has kept the task's waker and \
         wakes it when it is ready. Do not wake the task yourself, and do not call \
         poll_write again in a loop.",
        CHAPTER,
    );
}
