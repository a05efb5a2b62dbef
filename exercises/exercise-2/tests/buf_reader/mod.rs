//! The tests of exercise 2, part 2: `BufReader`, `read_until` and
//! `read_line`, a module of `read_exact_write_all.rs` (solution-2 runs them
//! too).
//!
//! Most tests read from `TrickleReader` (in `exercises/mocks.rs`), which
//! hands out its data a few bytes per read and says "not ready yet"
//! (`Pending`) before every read, the way a socket receiving a trickle does;
//! it also counts its reads. One test reads lines from a real socket. Each
//! test runs under `code::testing::within`, so a wrong loop fails in seconds.

use std::io;
use std::time::Duration;

use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_2::BufReader;

use super::LIMIT;
use super::behaviour::{WAIT, assert_parked, record, within};
use super::bytes::assert_bytes;
use super::mocks::{Failing, Gate, GatedReader, TrickleReader, watched};

/// A reader of `data` that gives at most `chunk` bytes per read.
fn trickle(data: &[u8], chunk: usize) -> BufReader<TrickleReader> {
    BufReader::new(TrickleReader::new(data.to_vec(), chunk))
}

/// Calls `read_line` until the end of the stream and returns the lines. If
/// a call fails, the test fails with `hint`: what the test's input makes
/// likely.
async fn all_lines<R: code::io::AsyncRead>(reader: &mut BufReader<R>, hint: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) => {
                assert!(
                    line.is_empty(),
                    "read_line returned Ok(0) but appended {line:?}: it must return how many \
                     bytes it appended"
                );
                return lines;
            }
            Ok(n) => {
                assert_eq!(
                    n,
                    line.len(),
                    "read_line appended {line:?} ({} bytes) but returned Ok({n}): it must \
                     return how many bytes it appended",
                    line.len()
                );
                lines.push(line);
            }
            Err(e) => panic!(
                "read_line failed with `{e}` after {} lines: {hint}",
                lines.len()
            ),
        }
        assert!(
            lines.len() <= 1000,
            "read_line returned more than 1000 lines: does it return Ok(0) at the end of the \
             stream?"
        );
    }
}

#[test]
fn read_line_joins_a_line_split_across_many_reads() {
    let lines = within(
        LIMIT,
        "read_line did not finish a line that arrived 3 bytes per read, with Pending before \
         each read: keep reading until the line's '\\n' (or the end of the stream) has come",
        || {
            code::block_on(async {
                let mut reader = trickle(b"a line that comes three bytes at a time\nsecond\n", 3);
                all_lines(
                    &mut reader,
                    "the lines are fine, they only arrive 3 bytes per read",
                )
                .await
            })
        },
    );
    assert_eq!(
        lines,
        ["a line that comes three bytes at a time\n", "second\n"],
        "a line that arrived in pieces must come back whole, with its '\\n'"
    );
}

#[test]
fn lines_that_arrive_in_one_read_are_all_returned() {
    let lines = within(
        LIMIT,
        "read_line did not return the three lines that arrived in one read",
        || {
            code::block_on(async {
                let data = b"one\ntwo\nthree\n";
                let mut reader = trickle(data, data.len());
                all_lines(
                    &mut reader,
                    "the three lines are fine, and came in one read",
                )
                .await
            })
        },
    );
    assert_eq!(
        lines,
        ["one\n", "two\n", "three\n"],
        "three lines came in one read; the bytes after the first line must stay in the \
         BufReader's buffer for the next call, not be dropped or read over"
    );
}

#[test]
fn the_last_line_may_end_without_a_newline() {
    let lines = within(
        LIMIT,
        "read_line did not return at the end of the stream (the reader returned Ok(0)): return \
         what was read so far, or Ok(0) if nothing was",
        || {
            code::block_on(async {
                let mut reader = trickle(b"first\nlast, with no newline", 5);
                all_lines(
                    &mut reader,
                    "the stream ended after a last line without '\\n': that is not an error, \
                     return the line (and Ok(0) on the next call)",
                )
                .await
            })
        },
    );
    assert_eq!(
        lines,
        ["first\n", "last, with no newline"],
        "at the end of the stream, a last line without '\\n' is still a line (and after it, \
         read_line returns Ok(0))"
    );
}

#[test]
fn read_until_appends_and_counts_only_what_it_read() {
    let (counts, out) = within(LIMIT, "read_until did not finish", || {
        code::block_on(async {
            let mut reader = trickle(b"a;bc;", 2);
            let mut out = b"kept:".to_vec();
            let mut counts = Vec::new();
            for _ in 0..3 {
                counts.push(
                    reader
                        .read_until(b';', &mut out)
                        .await
                        .unwrap_or_else(|e| panic!("read_until failed: {e}")),
                );
            }
            (counts, out)
        })
    });
    assert_eq!(
        String::from_utf8_lossy(&out),
        "kept:a;bc;",
        "read_until must append to `out` (keeping what was there) up to and including the \
         byte it looks for, here ';'"
    );
    assert_eq!(
        counts,
        [2, 3, 0],
        "read_until must return how many bytes it appended this call (not out.len()), and \
         Ok(0) at the end of the stream"
    );
}

#[test]
fn read_line_keeps_a_character_split_across_reads() {
    let lines = within(LIMIT, "read_line did not finish", || {
        code::block_on(async {
            // 'é', 'ö' and '✓' take 2, 2 and 3 bytes: read one byte at a
            // time, each arrives in pieces that are not UTF-8 on their own.
            let mut reader = trickle("héllo, wörld ✓\n".as_bytes(), 1);
            all_lines(
                &mut reader,
                "the line is valid UTF-8, but its characters of 2 and 3 bytes arrived one byte \
                 per read: check the line for UTF-8 once it is complete, not each piece",
            )
            .await
        })
    });
    assert_eq!(
        lines,
        ["héllo, wörld ✓\n"],
        "a character whose bytes came in different reads must come back whole: check the \
         line for UTF-8 once it is complete, not each piece"
    );
}

#[test]
fn read_line_refuses_invalid_utf8_and_goes_on_with_the_next_line() {
    let (first, bad, next) = within(LIMIT, "read_line did not finish", || {
        code::block_on(async {
            let mut data = b"ok\n".to_vec();
            data.extend_from_slice(&[b'b', 0xff, b'd', b'\n']);
            data.extend_from_slice(b"next\n");
            let mut reader = trickle(&data, 4);
            let mut first = String::new();
            let first = reader.read_line(&mut first).await.map(|_| first);
            let mut out = String::from("kept");
            let bad = reader.read_line(&mut out).await.map_err(|e| (e, out));
            let mut next = String::new();
            let next = reader.read_line(&mut next).await.map(|_| next);
            (first, bad, next)
        })
    });
    assert_eq!(first.expect("the first line is valid UTF-8"), "ok\n");
    match bad {
        Ok(n) => panic!(
            "read_line returned Ok({n}) for a line that is not UTF-8 (it has the byte 0xff): \
             it must fail with io::ErrorKind::InvalidData"
        ),
        Err((e, out)) => {
            assert_eq!(
                e.kind(),
                io::ErrorKind::InvalidData,
                "read_line failed for a line that is not UTF-8, but with `{e}`: the kind should \
                 be io::ErrorKind::InvalidData"
            );
            assert_eq!(
                out, "kept",
                "after a line that is not UTF-8, read_line must leave `out` as it was"
            );
        }
    }
    assert_eq!(
        next.unwrap_or_else(|e| panic!("the line after the bad one failed: {e}")),
        "next\n",
        "the line that is not UTF-8 must be consumed all the same, so the next read_line \
         returns the next line"
    );
}

#[test]
fn lines_are_read_in_large_reads_not_byte_by_byte() {
    // 100 lines of 8 bytes: 800 bytes, which the reader would give in one read.
    let data: Vec<u8> = (0..100)
        .flat_map(|i| format!("line {i:02}\n").into_bytes())
        .collect();
    let (lines, reader) = within(LIMIT, "read_line did not finish 100 lines", move || {
        code::block_on(async move {
            let mut reader = BufReader::new(TrickleReader::new(data, usize::MAX));
            let mut lines = 0;
            for _ in 0..100 {
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                assert_eq!(line.len(), 8, "line {lines} came back as {line:?}");
                lines += 1;
            }
            (lines, reader.into_inner())
        })
    });
    assert_eq!(lines, 100);
    assert!(
        reader.largest_request >= exercise_2::DEFAULT_CAPACITY.max(8 * 1024),
        "read_line asked the reader for at most {} bytes at a time, through a BufReader::new \
         whose buffer holds 8 KiB: fill_buf must read into the whole buffer, however little \
         the caller wants, so that one read of a socket brings as many lines as it can",
        reader.largest_request
    );
    // Generous: a read of at least 200 bytes at a time passes.
    assert!(
        reader.reads <= 4,
        "read_line called the reader's poll_read {} times, asking for at most {} bytes, to \
         read 100 lines that it could have had in one read: each read of a socket is a system \
         call, so read as much as the BufReader's buffer holds and take lines out of the \
         buffer",
        reader.reads,
        reader.largest_request
    );
}

#[test]
fn bytes_after_a_line_are_kept_for_the_next_read() {
    let (header, body) = within(
        LIMIT,
        "reading a line and then a body of 10 bytes through the same BufReader did not finish",
        || {
            code::block_on(async {
                // A header line and a body, in one read.
                let mut reader = trickle(b"LENGTH 10\nhelloworld", 100);
                let mut header = String::new();
                reader.read_line(&mut header).await.unwrap();
                let mut body = [0; 10];
                code::io::read_exact(&mut reader, &mut body)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "after read_line, read_exact through the BufReader failed with \
                             `{e}`: the 10 bytes after the line came in the same read and are \
                             in the BufReader's buffer; its poll_read must hand those out \
                             first"
                        )
                    });
                (header, body)
            })
        },
    );
    assert_eq!(header, "LENGTH 10\n");
    assert_bytes(
        &body,
        b"helloworld",
        "after read_line, a read through the BufReader must return the bytes that followed \
         the line (they are in its buffer) before reading from the inner reader",
    );
}

#[test]
fn bytes_after_a_line_are_handed_out_once() {
    // Small reads, so that a poll_read that hands out buffered bytes without
    // consuming them shows: it would hand out the same ones again and again.
    let (header, body) = within(
        LIMIT,
        "reading a line, then the bytes after it 3 at a time, did not finish",
        || {
            code::block_on(async {
                let mut reader = trickle(b"LENGTH 10\nhelloworld", 100);
                let mut header = String::new();
                reader.read_line(&mut header).await.unwrap();
                let mut body = Vec::new();
                // 10 bytes in reads of 3 take 4 reads, and one more for the
                // end of the stream; a few more are allowed.
                for _ in 0..20 {
                    let mut small = [0; 3];
                    let n = std::future::poll_fn(|cx| {
                        code::io::AsyncRead::poll_read(&mut reader, cx, &mut small)
                    })
                    .await
                    .unwrap_or_else(|e| panic!("a read through the BufReader failed: {e}"));
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&small[..n]);
                }
                (header, body)
            })
        },
    );
    assert_eq!(header, "LENGTH 10\n");
    assert_bytes(
        &body,
        b"helloworld",
        "after read_line, reads of 3 bytes through the BufReader must return the 10 bytes \
         that followed the line, each once, then Ok(0): poll_read must consume what it hands \
         out of the buffer (self.consume(n)), or the next read hands out the same bytes again",
    );
}

#[test]
fn a_line_longer_than_the_buffer_is_read_whole() {
    let lines = within(LIMIT, "read_line did not finish", || {
        code::block_on(async {
            let line = "a line of fifty bytes, far more than the buffer..\n";
            let data = format!("{line}short\n");
            let mut reader = BufReader::with_capacity(4, TrickleReader::new(data.into(), 7));
            all_lines(
                &mut reader,
                "the lines are fine, one is longer than the buffer",
            )
            .await
        })
    });
    assert_eq!(
        lines,
        [
            "a line of fifty bytes, far more than the buffer..\n",
            "short\n"
        ],
        "a line longer than the BufReader's buffer (4 bytes here) must be read whole: take \
         what is buffered, read again, and go on until the '\\n'"
    );
}

#[test]
fn read_line_tries_interrupted_reads_again() {
    let line = within(
        LIMIT,
        "read_line did not finish after an Interrupted error",
        || {
            code::block_on(async {
                let mut inner = TrickleReader::new(b"interrupted\n".to_vec(), 5);
                inner.interruptions = 2;
                let mut reader = BufReader::new(inner);
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap_or_else(|e| {
                    panic!(
                        "read_line gave up with `{e}`: an Interrupted error means a signal cut \
                         the read short and nothing happened; try again, as std does"
                    )
                });
                line
            })
        },
    );
    assert_eq!(line, "interrupted\n");
}

#[test]
fn read_line_returns_other_errors_at_once() {
    let (result, calls) = within(
        LIMIT,
        "read_line kept retrying a reader that fails: only Interrupted is retried; return any \
         other error to the caller",
        || {
            code::block_on(async {
                let mut reader = BufReader::new(Failing {
                    kind: io::ErrorKind::ConnectionReset,
                    calls: 0,
                });
                let result = reader.read_line(&mut String::new()).await;
                (result, reader.into_inner().calls)
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::ConnectionReset),
        "read_line should return the reader's ConnectionReset error, got {result:?}"
    );
    assert_eq!(calls, 1, "read_line should stop at the first real error");
}

#[test]
fn lines_from_a_socket_arrive_as_sent() {
    // A request in the style of HTTP, sent in small pieces with pauses, so
    // the reader really waits (and is woken by the reactor) between them.
    const REQUEST: &[u8] = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    let lines = within(
        LIMIT,
        "read_line did not finish reading lines sent in pieces over a socket",
        || {
            code::block_on(async {
                let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                let client = AsyncTcpStream::connect(listener.local_addr().unwrap());
                let client = client.await.unwrap();
                let (server, _) = listener.accept().await.unwrap();
                client.set_nodelay(true).unwrap();
                code::spawn(async move {
                    for piece in REQUEST.chunks(5) {
                        code::io::write_all(&mut &client, piece).await.unwrap();
                        code::time::sleep(Duration::from_millis(2)).await;
                    }
                });
                let mut reader = BufReader::new(server);
                // Up to the empty line that ends the request.
                let mut lines = Vec::new();
                loop {
                    let mut line = String::new();
                    let n = reader
                        .read_line(&mut line)
                        .await
                        .unwrap_or_else(|e| panic!("read_line failed: {e}"));
                    assert!(n > 0, "read_line returned Ok(0) before the request ended");
                    let end = line == "\r\n";
                    lines.push(line);
                    if end {
                        return lines;
                    }
                }
            })
        },
    );
    assert_eq!(
        lines,
        ["GET / HTTP/1.0\r\n", "Host: localhost\r\n", "\r\n"],
        "the lines read from the socket differ from the lines sent"
    );
}

#[test]
fn read_line_sleeps_while_the_reader_is_not_ready() {
    // As read_exact must (see `read_exact_sleeps_while_the_reader_is_not_ready`):
    // a reader that is not ready keeps the task's waker and wakes it later.
    let ((line, polls), trace) = within(
        LIMIT,
        "read_line did not finish with a reader that became ready after 200 ms: when the \
         inner poll_read returns Pending, return Pending too; the reader wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new("Partial reads and writes");
                    let mut reader = BufReader::new(GatedReader::new(b"a late line\n", &gate));
                    let opener = gate.open_after(WAIT);
                    let mut line = String::new();
                    watched(reader.read_line(&mut line))
                        .await
                        .unwrap_or_else(|e| panic!("read_line failed: {e}"));
                    opener.join().unwrap();
                    (line, reader.into_inner().polls)
                })
            })
        },
    );
    assert_eq!(line, "a late line\n", "read_line returned the wrong line");
    assert_parked(
        &trace,
        polls,
        WAIT,
        "read_line waiting for a reader that was not ready for 200 ms",
        "When the inner reader's poll_read returns Pending, fill_buf must return Pending too \
         (poll_fn(|cx| self.inner.poll_read(cx, &mut self.buf)).await does): the reader has \
         kept the task's waker and wakes it when it is ready. Do not wake the task yourself, \
         and do not call poll_read again in a loop.",
        "Partial reads and writes",
    );
}
