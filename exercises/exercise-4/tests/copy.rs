//! The tests of exercise 4 (solution-4 runs this same file).
//!
//! They check that `copy` is correct: every byte, in order, the count, the
//! end of the stream, errors. How fast it is, `cargo run --release -p
//! exercise-4` measures; a timed test would only measure the machine.
//!
//! Part 2 of the exercise, `copy_bidirectional`, is tested in
//! `proxy/mod.rs`, a module of this file: one test binary, so that
//! `cargo test -p exercise-4` runs and reports both parts together.
//!
//! Mutation testing (`cargo mutants -p solution-4`, see the README) catches
//! every mutant of solution-4's `copy` and `copy_bidirectional`. In the
//! measuring program (`src/main.rs`, which solution-4 runs too, tested by
//! its own unit tests) it leaves these alive, and no test can tell them
//! from the program:
//! - `blocking_proxy`'s `buffer == STD_BUFFER` inverted: both branches copy
//!   every byte with a buffer of the size given (`std::io::copy` at 8 KiB,
//!   its loop at other sizes); only their speed could differ, and no test
//!   times anything;
//! - `blocking_copy`'s guard `e.kind() == Interrupted` replaced by `true`
//!   or `false`, or its `==` by `!=`: no signal interrupts a read in the
//!   tests;
//! - `wait_for_the_sink`'s `since.elapsed() > return_limit` or
//!   `> stall_limit` as `>=`: the same but for one instant. (Its `>` as
//!   `==` never gives up on a stalled copy: the program's unit test of a
//!   stall then runs out of time, which cargo-mutants reports as a timeout.)

/// The tests of part 2: `copy_bidirectional` between a client and a server.
#[path = "proxy/mod.rs"]
mod proxy;

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_4::copy;

#[path = "../../mocks.rs"]
mod mocks;
use mocks::{
    Failing, FullWriter, Gate, GatedReader, GatedWriter, TrickleReader, TrickleWriter, Untouchable,
    watched,
};

/// Checks of how a task waits, shared by the exercises' tests.
#[path = "../../behaviour.rs"]
mod behaviour;
use behaviour::{WAIT, assert_parked, record, within};

/// Bytes shown as text in the messages.
#[path = "../../bytes.rs"]
mod bytes;
use bytes::assert_bytes;

/// The chapter the messages send a learner back to.
const CHAPTER: &str = "copy and throughput";

const LIMIT: Duration = Duration::from_secs(5);

/// How long a step over loopback may take before the tests call it "never":
/// microseconds are usual, and a loaded machine stays far below this.
const PATIENCE: Duration = Duration::from_secs(2);

/// Bytes that show where a lost or repeated chunk happened.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Explains how `copied` differs from `expected`, or `None` if it does not.
fn difference(copied: &[u8], expected: &[u8]) -> Option<String> {
    if copied.len() < expected.len() && expected.starts_with(copied) {
        // Nothing lost on the way: the copy stopped.
        return Some(format!(
            "only the first {} of {} bytes arrived, in order, and then the copy ended: copy \
             returned before the end of the stream. A read that returns fewer bytes than the \
             buffer holds is not the end of the stream (a socket returns what has arrived so \
             far); only Ok(0) is, so read again until a read returns Ok(0)",
            copied.len(),
            expected.len()
        ));
    }
    let at = copied
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .or((copied.len() != expected.len()).then(|| copied.len().min(expected.len())))?;
    Some(format!(
        "{} bytes arrived instead of {}, wrong from byte {at} on: write all of what each \
         read returned (a write may take only part of it) before reading again",
        copied.len(),
        expected.len()
    ))
}

#[test]
fn copies_every_byte_and_returns_the_count() {
    const LEN: usize = 256 * 1024;
    let (count, written, asked) = within(
        LIMIT,
        "copy did not finish with a reader that gives 3000 bytes at a time and a writer that \
         takes 1000, both sometimes not ready (Pending)",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(pattern(LEN), 3000);
                let mut writer = TrickleWriter::new(1000);
                let count = copy(&mut reader, &mut writer)
                    .await
                    .unwrap_or_else(|e| panic!("copy failed: {e}"));
                (count, writer.written, reader.largest_request)
            })
        },
    );
    if let Some(problem) = difference(&written, &pattern(LEN)) {
        panic!("with a reader that gives 3000 bytes per read, {problem}");
    }
    assert_eq!(
        count, LEN as u64,
        "copy should return the number of bytes it copied"
    );
    assert!(
        asked >= 8 * 1024,
        "copy asked the reader for at most {asked} bytes at a time: read into a buffer of \
         8 KiB, the size std::io::copy uses. Each read of a socket is a system call, so a \
         smaller buffer makes more of them, and the measurement would compare buffers, not \
         runtimes (chapter \"{CHAPTER}\")"
    );
}

/// The measuring program (`cargo run --release -p exercise-4`): this file
/// is exercise-4's tests and solution-4's, and cargo names the program
/// after the crate.
fn program() -> &'static str {
    option_env!("CARGO_BIN_EXE_exercise-4")
        .or(option_env!("CARGO_BIN_EXE_solution-4"))
        .expect("the crate's program (src/main.rs) was not built")
}

#[test]
fn the_program_measures_your_copy() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // 1 MiB per run: well under a second in a debug build. The program's
    // own tests check what it measures; this one that it runs.
    const PROGRAM_LIMIT: Duration = Duration::from_secs(30);
    let mut child = Command::new(program())
        .arg("1")
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start the program");
    // Read on threads of their own, so that a full pipe cannot stall it.
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let report = read_all(Box::new(child.stdout.take().unwrap()));
    let errors = read_all(Box::new(child.stderr.take().unwrap()));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("could not wait for the program") {
            break Some(status);
        }
        if start.elapsed() > PROGRAM_LIMIT {
            // Never left running: a copy that never ends would copy on.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (report, errors) = (report.join().unwrap(), errors.join().unwrap());
    let measured = status.is_some_and(|s| s.success())
        && report.contains("copying 1 MiB per run")
        && report.contains("async copy (exercise_4::copy on code)")
        && report.contains("ratio async / blocking");
    assert!(
        measured,
        "`cargo run -p exercise-4 -- 1` did not report a measurement of 1 MiB per run ({}). \
         It printed:\n  | {}\n  | {}",
        match status {
            Some(status) => status.to_string(),
            None => format!(
                "it did not finish within {PROGRAM_LIMIT:?} and was stopped: does copy return \
                 at the end of the stream?"
            ),
        },
        report.trim_end().replace('\n', "\n  | "),
        errors.trim_end().replace('\n', "\n  | ")
    );
}

#[test]
fn copies_a_stream_over_tcp_through_a_proxy() {
    // sender -> proxy (copy) -> sink, more than the socket buffers hold, so
    // the proxy's reads and writes both have to wait now and then.
    const LEN: usize = 8 << 20;
    let (count, received) = within(
        LIMIT,
        "copying 8 MiB over TCP did not finish: after a read or write returns Pending, copy \
         must go on when woken",
        || {
            code::block_on(async {
                let front = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                let back = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                let mut sender = AsyncTcpStream::connect(front.local_addr().unwrap())
                    .await
                    .unwrap();
                let mut proxy_out = AsyncTcpStream::connect(back.local_addr().unwrap())
                    .await
                    .unwrap();
                let (mut proxy_in, _) = front.accept().await.unwrap();
                let (sink, _) = back.accept().await.unwrap();
                let proxy = code::spawn(async move {
                    let count = copy(&mut proxy_in, &mut proxy_out).await;
                    // Closing the proxy's outbound side ends the sink's stream.
                    drop(proxy_out);
                    count
                });
                code::spawn(async move {
                    code::io::write_all(&mut sender, &pattern(LEN))
                        .await
                        .unwrap();
                    sender.shutdown(Shutdown::Write).unwrap();
                });
                let mut received = Vec::with_capacity(LEN);
                let mut buf = vec![0; 64 * 1024];
                loop {
                    // The end of the sink's stream comes when copy returns.
                    let read = code::time::timeout(PATIENCE, sink.read(&mut buf)).await;
                    match read {
                        Ok(Ok(0)) => break,
                        Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
                        Ok(Err(e)) => panic!("the sink's read failed: {e}"),
                        Err(_) if received.len() == LEN => panic!(
                            "all {LEN} bytes went through the proxy and the sender closed its \
                             side, but copy did not return (nothing happened for \
                             {PATIENCE:?}): a read that returns Ok(0) is the end of the \
                             stream, so return the count then, instead of reading again"
                        ),
                        Err(_) => panic!(
                            "copying 8 MiB over TCP stopped after {} bytes (nothing happened \
                             for {PATIENCE:?}): after a read or write returns Pending, copy \
                             must go on when woken",
                            received.len()
                        ),
                    }
                }
                let count = proxy.await.unwrap_or_else(|e| panic!("copy failed: {e}"));
                (count, received)
            })
        },
    );
    if let Some(problem) = difference(&received, &pattern(LEN)) {
        panic!("through the proxy, {problem}");
    }
    assert_eq!(
        count, LEN as u64,
        "copy should return the number of bytes it copied"
    );
}

#[test]
fn an_empty_stream_copies_nothing() {
    let result = within(LIMIT, "copy of an empty stream did not return", || {
        code::block_on(async {
            let mut reader = TrickleReader::new(Vec::new(), 100);
            copy(&mut reader, &mut Untouchable).await
        })
    });
    let count = result.unwrap_or_else(|e| panic!("copy of an empty stream failed: {e}"));
    assert_eq!(count, 0, "copy of an empty stream should return 0");
}

#[test]
fn copy_stops_at_the_end_of_the_stream() {
    let (count, reader, written) = within(
        LIMIT,
        "copy did not return after the reader reported the end of the stream: a read that \
         returns Ok(0) means no more bytes will ever come, so return the count",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(b"the end".to_vec(), 3);
                let mut writer = TrickleWriter::new(100);
                let count = copy(&mut reader, &mut writer)
                    .await
                    .unwrap_or_else(|e| panic!("copy failed: {e}"));
                (count, reader, writer.written)
            })
        },
    );
    assert_bytes(&written, b"the end", "copy wrote the wrong bytes");
    assert_eq!(count, 7, "copy should return the number of bytes it copied");
    assert_eq!(
        reader.polls_after_eof, 0,
        "copy read again after the reader returned Ok(0) (end of stream)"
    );
}

#[test]
fn interrupted_reads_and_writes_are_tried_again() {
    let (result, written) = within(
        LIMIT,
        "copy did not finish after an Interrupted error",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(b"interrupted".to_vec(), 4);
                reader.interruptions = 2;
                let mut writer = TrickleWriter::new(4);
                writer.interruptions = 2;
                let result = copy(&mut reader, &mut writer).await;
                (result, writer.written)
            })
        },
    );
    let count = result.unwrap_or_else(|e| {
        panic!(
            "copy gave up with `{e}`: an Interrupted error means a signal cut the call short \
             and nothing happened; try again, as std::io::copy does"
        )
    });
    assert_bytes(&written, b"interrupted", "copy wrote the wrong bytes");
    assert_eq!(
        count, 11,
        "copy should return the number of bytes it copied"
    );
}

#[test]
fn a_read_error_is_returned() {
    let (result, calls) = within(
        LIMIT,
        "copy kept retrying a reader that fails: only Interrupted is retried; return any \
         other error",
        || {
            code::block_on(async {
                let mut reader = Failing {
                    kind: io::ErrorKind::ConnectionReset,
                    calls: 0,
                };
                let result = copy(&mut reader, &mut Untouchable).await;
                (result, reader.calls)
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::ConnectionReset),
        "copy should return the reader's ConnectionReset error, got {result:?}"
    );
    assert_eq!(calls, 1, "copy should stop at the first real error");
}

#[test]
fn a_write_error_is_returned() {
    let (result, calls) = within(
        LIMIT,
        "copy kept retrying a writer that fails: only Interrupted is retried; return any \
         other error",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(b"data".to_vec(), 100);
                let mut writer = Failing {
                    kind: io::ErrorKind::BrokenPipe,
                    calls: 0,
                };
                let result = copy(&mut reader, &mut writer).await;
                (result, writer.calls)
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::BrokenPipe),
        "copy should return the writer's BrokenPipe error, got {result:?}"
    );
    assert_eq!(calls, 1, "copy should stop at the first real error");
}

#[test]
fn a_writer_that_takes_nothing_is_an_error() {
    let result = within(
        LIMIT,
        "copy kept calling a writer that returns Ok(0): it will never take the bytes; \
         return an error of kind WriteZero (code::io::write_all does)",
        || {
            code::block_on(async {
                let mut reader = TrickleReader::new(b"data".to_vec(), 100);
                copy(&mut reader, &mut FullWriter).await
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::WriteZero),
        "copy to a writer that takes nothing should fail with WriteZero, got {result:?}"
    );
}

// ---------------------------------------------------------------------------
// How copy waits. A reader with nothing to give yet, or a writer with no
// room, returns Pending and keeps the task's waker (a socket leaves it with
// the reactor); copy must return Pending too and be polled again only when
// woken. The mocks here become ready 200 ms later, from another thread, and
// count their polls; a proxy whose peer is silent waits like this for most
// of its life.

#[test]
fn copy_sleeps_while_the_reader_is_not_ready() {
    let ((count, written, polls), trace) = within(
        LIMIT,
        "copy did not finish with a reader that became ready after 200 ms: when poll_read \
         returns Pending, return Pending too; the reader wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new(CHAPTER);
                    let mut reader = GatedReader::new(b"late data", &gate);
                    let mut writer = TrickleWriter::new(100);
                    let opener = gate.open_after(WAIT);
                    let count = watched(copy(&mut reader, &mut writer))
                        .await
                        .unwrap_or_else(|e| panic!("copy failed: {e}"));
                    opener.join().unwrap();
                    (count, writer.written, reader.polls)
                })
            })
        },
    );
    assert_bytes(&written, b"late data", "copy wrote the wrong bytes");
    assert_eq!(count, 9, "copy should return the number of bytes it copied");
    assert_parked(
        &trace,
        polls,
        WAIT,
        "copy waiting for a reader that had nothing for 200 ms",
        "When poll_read returns Pending, return Pending too (poll_fn(|cx| \
         reader.poll_read(cx, &mut buf)).await does): the reader has kept the task's waker \
         and wakes it when data comes. Do not wake the task yourself, and do not call \
         poll_read again in a loop.",
        CHAPTER,
    );
}

#[test]
fn copy_sleeps_while_the_writer_is_not_ready() {
    let ((count, written, polls), trace) = within(
        LIMIT,
        "copy did not finish with a writer that became ready after 200 ms: when poll_write \
         returns Pending, return Pending too; the writer wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let open = Gate::new(CHAPTER);
                    open.open();
                    let mut reader = GatedReader::new(b"data for a full writer", &open);
                    let gate = Gate::new(CHAPTER);
                    let mut writer = GatedWriter::new(&gate);
                    let opener = gate.open_after(WAIT);
                    let count = watched(copy(&mut reader, &mut writer))
                        .await
                        .unwrap_or_else(|e| panic!("copy failed: {e}"));
                    opener.join().unwrap();
                    (count, writer.written, writer.polls)
                })
            })
        },
    );
    assert_bytes(
        &written,
        b"data for a full writer",
        "copy wrote the wrong bytes",
    );
    assert_eq!(
        count, 22,
        "copy should return the number of bytes it copied"
    );
    assert_parked(
        &trace,
        polls,
        WAIT,
        "copy waiting for a writer that had no room for 200 ms",
        "When poll_write returns Pending, return Pending too (write_all, or poll_fn(|cx| \
         writer.poll_write(cx, ..)).await, does): the writer has kept the task's waker and \
         wakes it when it has room. Do not wake the task yourself, and do not call \
         poll_write again in a loop.",
        CHAPTER,
    );
}

/// The largest `copy` future the test below accepts. Everything `copy`
/// keeps across an `.await` is stored in its future (and in the task that
/// runs it): the two references, the count, the futures it awaits: about
/// 160 bytes with the buffer on the heap (measured), more than 8 KiB with an
/// 8 KiB array. The bound leaves room for other ways of writing it, and none
/// for a buffer of 4 KiB or more.
const MOST_FUTURE_BYTES: usize = 4096;

#[test]
fn copy_keeps_its_buffer_out_of_its_future() {
    let (size, count) = within(LIMIT, "copy did not finish", || {
        code::block_on(async {
            let mut reader = TrickleReader::new(pattern(1000), 300);
            let mut writer = TrickleWriter::new(1000);
            let future = copy(&mut reader, &mut writer);
            let size = std::mem::size_of_val(&future);
            let count = future.await.unwrap_or_else(|e| panic!("copy failed: {e}"));
            (size, count)
        })
    });
    assert_eq!(
        count, 1000,
        "copy should return the number of bytes it copied"
    );
    assert!(
        size <= MOST_FUTURE_BYTES,
        "copy's future takes {size} bytes: every local variable that lives across an .await \
         is stored in the future, and so in every task that runs a copy, for as long as it \
         runs. An 8 KiB array (let mut buf = [0; 8192]) makes each proxied connection cost \
         8 KiB more (twice that once spawn has wrapped it): 80 MB for 10,000 idle ones. Put \
         the buffer on the heap (vec![0; 8192]): the future then holds a pointer to it \
         (chapter \"{CHAPTER}\")"
    );
}
