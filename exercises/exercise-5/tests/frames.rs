//! The tests of exercise 5 (solution-5 runs this same file).
//!
//! The frame reader is fed by stand-in readers that cut the stream where a
//! test chooses (3 bytes at a time, everything at once, a header alone),
//! end it cleanly or in the middle of a frame, or are not ready for a
//! while; the frame writer writes into stand-ins that record each write,
//! take 7 bytes at a time, or take nothing. Then the same code carries
//! frames over an in-memory pipe and over a TCP connection. Each test runs
//! under a time limit (`within`, from behaviour.rs), so a loop that never
//! ends fails in seconds.

/// An in-memory pipe between two tasks.
#[path = "pipe/mod.rs"]
mod pipe;

/// The sizes of allocations, for the test of an oversized length.
#[path = "allocations/mod.rs"]
mod allocations;

use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::process::Command;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use code::io::{AsyncRead, AsyncWrite};
use code::net::{AsyncTcpListener, AsyncTcpStream};
use exercise_5::{FrameReader, FrameWriter, READ_SIZE, WRITE_BUFFER_CAPACITY};

#[path = "../../mocks.rs"]
mod mocks;
use mocks::{Failing, FullWriter, Gate, GatedReader, GatedWriter, TrickleReader, TrickleWriter};

/// Checks of how a task waits, shared by the exercises' tests.
#[path = "../../behaviour.rs"]
mod behaviour;
use behaviour::{WAIT, assert_parked, record, within};

use mocks::watched;
use pipe::pipe;

/// The chapter the messages send a learner back to.
const CHAPTER: &str = "Framing";

const LIMIT: Duration = Duration::from_secs(5);

/// The bytes of these payloads as frames on the wire, built here without
/// the code under test: each a 4-byte big-endian length, then the payload.
fn encode(payloads: &[&[u8]]) -> Vec<u8> {
    let mut wire = Vec::new();
    for payload in payloads {
        wire.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        wire.extend_from_slice(payload);
    }
    wire
}

/// `len` bytes that differ from frame to frame (`which`), so a lost or
/// repeated piece shows.
fn payload(which: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + which * 7) % 251) as u8).collect()
}

/// A frame for messages: its length and first bytes.
fn show(frame: &Option<Vec<u8>>) -> String {
    match frame {
        None => "None (the end of the stream)".to_string(),
        Some(bytes) => format!(
            "a frame of {} bytes starting {:?}",
            bytes.len(),
            &bytes[..bytes.len().min(8)]
        ),
    }
}

/// A result of `read_frame` that is not an error, for messages.
fn show_ok(frame: &Option<Vec<u8>>) -> String {
    match frame {
        None => "Ok(None)".to_string(),
        Some(_) => format!("Ok(Some(..)), {}", show(frame)),
    }
}

/// Reads frames until `Ok(None)` or an error, at most `most` of them.
async fn read_all<R: AsyncRead>(
    reader: &mut FrameReader<R>,
    most: usize,
) -> (Vec<Vec<u8>>, io::Result<()>) {
    let mut frames = Vec::new();
    while frames.len() < most {
        match reader.read_frame().await {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => return (frames, Ok(())),
            Err(e) => return (frames, Err(e)),
        }
    }
    (frames, Ok(()))
}

/// Checks that `got` are the `expected` frames, in order, and then the end.
#[track_caller]
fn assert_frames(got: &[Vec<u8>], end: &io::Result<()>, expected: &[Vec<u8>], setting: &str) {
    for (i, want) in expected.iter().enumerate() {
        match got.get(i) {
            Some(frame) if frame == want => {}
            Some(frame) => panic!(
                "{setting}: frame {i} came back wrong: {} instead of {}. Take a frame out \
                 only when the buffer holds its whole header and body, and keep the bytes \
                 after it in the buffer for the next call (chapter \"{CHAPTER}\")",
                show(&Some(frame.clone())),
                show(&Some(want.clone()))
            ),
            None => panic!(
                "{setting}: read_frame returned {} frames, then {:?}, but {} were sent: \
                 frame {i} ({} bytes) is missing. Bytes that came in the same read as an \
                 earlier frame must stay in the buffer (chapter \"{CHAPTER}\")",
                got.len(),
                end.as_ref().map(|()| "Ok(None)"),
                expected.len(),
                want.len()
            ),
        }
    }
    assert!(
        got.len() == expected.len(),
        "{setting}: read_frame returned {} frames but only {} were sent",
        got.len(),
        expected.len()
    );
    if let Err(e) = end {
        panic!(
            "{setting}: after the {} frames, the stream ended cleanly, but read_frame failed \
             with `{e}` ({:?}) instead of returning Ok(None): an end of stream with nothing \
             buffered is a clean end",
            expected.len(),
            e.kind()
        );
    }
}

/// A writer that takes every write whole, at once, and keeps each write.
#[derive(Default)]
struct RecordingWriter {
    writes: Vec<Vec<u8>>,
}

impl AsyncWrite for RecordingWriter {
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writes.push(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }
}

/// `write_frame`, which must succeed here: a frame within the maximum.
async fn queue<W: AsyncWrite>(writer: &mut FrameWriter<W>, frame: &[u8]) {
    writer.write_frame(frame).await.unwrap_or_else(|e| {
        panic!(
            "write_frame of a frame of {} bytes failed with `{e}`: a frame within the maximum \
             goes into the buffer, and only a full buffer is written out before flush",
            frame.len()
        )
    });
}

/// `flush`, which must succeed here.
async fn flushed<W: AsyncWrite>(writer: &mut FrameWriter<W>) {
    writer
        .flush()
        .await
        .unwrap_or_else(|e| panic!("flush failed with `{e}`"));
}

/// Polls `future` once, in the task that awaits this.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *future).poll(cx))).await
}

// ---------------------------------------------------------------------------
// FrameReader: parse a frame, or read more.

#[test]
fn a_frame_split_across_many_reads_is_put_together() {
    let first = payload(1, 1000);
    let second = b"second".to_vec();
    let wire = encode(&[&first, &second]);
    let (frames, end) = within(
        LIMIT,
        "read_frame did not finish with a reader that gives 3 bytes at a time and is \
         sometimes not ready (Pending): after Pending, return Pending; the reader wakes the \
         task",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 3));
                read_all(&mut reader, 10).await
            })
        },
    );
    assert_frames(
        &frames,
        &end,
        &[first, second],
        "two frames (1000 and 6 bytes) arriving 3 bytes per read",
    );
}

#[test]
fn several_frames_in_one_read_are_all_returned() {
    let sent: Vec<Vec<u8>> = (0..5).map(|i| payload(i, 10 + i * 20)).collect();
    let refs: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
    let wire = encode(&refs);
    let (frames, end) = within(
        LIMIT,
        "read_frame did not finish with 5 frames that all arrive in one read",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 64 * 1024));
                read_all(&mut reader, 10).await
            })
        },
    );
    assert_frames(&frames, &end, &sent, "five frames arriving in one read");
}

#[test]
fn many_small_frames_take_few_reads() {
    let sent: Vec<Vec<u8>> = (0..1000).map(|i| payload(i, 10)).collect();
    let refs: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
    let wire = encode(&refs);
    let len = wire.len();
    let ((frames, end), reads) = within(
        LIMIT,
        "read_frame did not finish reading 1000 small frames",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 64 * 1024));
                let result = read_all(&mut reader, 2000).await;
                (result, reader.into_inner().reads)
            })
        },
    );
    assert_frames(&frames, &end, &sent, "1000 frames of 10 bytes");
    let most = len / READ_SIZE + 2;
    assert!(
        reads <= most,
        "read_frame read 1000 frames of 10 bytes ({len} bytes in all) in {reads} reads, from a \
         reader that hands out up to 64 KiB per read; {most} are enough. Each read of a socket \
         is a system call: read into room of at least READ_SIZE ({READ_SIZE}) bytes after \
         what is buffered, and take every whole frame out of the buffer before reading again \
         (not a read for the header and another for the body) (chapter \"{CHAPTER}\")"
    );
}

#[test]
fn an_empty_frame_is_a_frame_not_the_end() {
    let wire = encode(&[b"", b"x", b""]);
    let (frames, end) = within(
        LIMIT,
        "read_frame did not finish with frames of 0 and 1 bytes",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 64));
                read_all(&mut reader, 10).await
            })
        },
    );
    assert_frames(
        &frames,
        &end,
        &[vec![], b"x".to_vec(), vec![]],
        "frames of 0, 1 and 0 bytes (an empty frame is Some(vec![]), a frame like any other; \
         only the end of the stream is None)",
    );
}

#[test]
fn a_clean_end_between_frames_is_none() {
    let wire = encode(&[b"one", b"two"]);
    let (first, second, end, polls_after_eof, nothing) = within(
        LIMIT,
        "read_frame did not return at the end of the stream: a read that returns Ok(0) \
         means no more bytes will come; do not read again",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 4));
                let first = reader.read_frame().await;
                let second = reader.read_frame().await;
                let end = reader.read_frame().await;
                let polls_after_eof = reader.get_ref().polls_after_eof;
                let mut empty = FrameReader::new(TrickleReader::new(Vec::new(), 4));
                let nothing = empty.read_frame().await;
                (first, second, end, polls_after_eof, nothing)
            })
        },
    );
    let shown = |r: &io::Result<Option<Vec<u8>>>| match r {
        Ok(frame) => show(frame),
        Err(e) => format!("the error `{e}` ({:?})", e.kind()),
    };
    assert!(
        matches!(&first, Ok(Some(f)) if f == b"one")
            && matches!(&second, Ok(Some(f)) if f == b"two"),
        "the two frames before the end came back as {} and {}",
        shown(&first),
        shown(&second)
    );
    assert!(
        matches!(end, Ok(None)),
        "the stream ended cleanly after two frames (nothing buffered), but read_frame returned \
         {} instead of Ok(None): an end of stream between frames is the normal end (chapter \
         \"{CHAPTER}\")",
        shown(&end)
    );
    assert_eq!(
        polls_after_eof, 0,
        "read_frame read again after the reader returned Ok(0) (the end of the stream)"
    );
    assert!(
        matches!(nothing, Ok(None)),
        "an empty stream should give Ok(None) at once, got {}",
        shown(&nothing)
    );
}

#[test]
fn an_end_inside_a_frame_is_unexpected_eof() {
    let whole = encode(&[b"whole"]);
    // A header that promises 10 bytes, and 4 of them; a header cut after 2.
    let mut in_body = whole.clone();
    in_body.extend_from_slice(&10u32.to_be_bytes());
    in_body.extend_from_slice(b"four");
    let mut in_header = whole.clone();
    in_header.extend_from_slice(&[0, 0]);
    for (wire, place) in [
        (in_body, "4 bytes into the body of a 10-byte frame"),
        (in_header, "2 bytes into a frame's 4-byte header"),
    ] {
        let (first, end) = within(
            LIMIT,
            "read_frame did not return when the stream ended in the middle of a frame: a \
             read that returns Ok(0) means no more bytes will come",
            move || {
                code::block_on(async {
                    let mut reader = FrameReader::new(TrickleReader::new(wire, 3));
                    (reader.read_frame().await, reader.read_frame().await)
                })
            },
        );
        assert!(
            matches!(&first, Ok(Some(f)) if f == b"whole"),
            "the whole frame before the cut came back wrong: {first:?}"
        );
        match end {
            Err(e) => assert_eq!(
                e.kind(),
                io::ErrorKind::UnexpectedEof,
                "the stream ended {place}; read_frame failed with `{e}` but the kind should \
                 be io::ErrorKind::UnexpectedEof"
            ),
            Ok(frame) => panic!(
                "the stream ended {place}, and read_frame returned {}: a frame cut short \
                 is not a clean end. At the end of the stream, Ok(None) only if nothing is \
                 buffered; else an error of kind UnexpectedEof (chapter \"{CHAPTER}\")",
                show_ok(&frame)
            ),
        }
    }
}

/// Set in the process that [`an_oversized_length_is_refused_before_reading_or_allocating`]
/// starts to run it.
const CHILD: &str = "EXERCISE_5_OVERSIZED_CHILD";

/// The maximum that test sets, and what its header says (4 GiB less one).
const SMALL_MAX: usize = 64 * 1024;
const HUGE: u32 = u32::MAX;

#[test]
fn an_oversized_length_is_refused_before_reading_or_allocating() {
    if std::env::var_os(CHILD).is_some() {
        return oversized_length_checked_here();
    }
    // A mistake here allocates 4 GiB; the allocator of this test program
    // refuses that, and the process stops (see allocations/mod.rs). So the
    // check runs in a process of its own, this test program again, asked to
    // run this one test.
    let name = match module_path!().split_once("::") {
        Some((_, module)) => format!(
            "{module}::{}",
            "an_oversized_length_is_refused_before_reading_or_allocating"
        ),
        None => "an_oversized_length_is_refused_before_reading_or_allocating".to_string(),
    };
    // Its report goes to files, so a long one cannot fill a pipe and stall it.
    let dir = std::env::temp_dir();
    let stem = format!("exercise-5-oversized-{}", std::process::id());
    let (out_path, err_path) = (
        dir.join(format!("{stem}.out")),
        dir.join(format!("{stem}.err")),
    );
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            name.as_str(),
            "--exact",
            "--test-threads=1",
            "--color",
            "never",
        ])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "0")
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("could not start the test program again");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the check of an oversized length did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = (
        std::fs::remove_file(&out_path),
        std::fs::remove_file(&err_path),
    );
    if status.success() {
        return;
    }
    if let Some(line) = stderr.lines().find(|l| l.contains("memory allocation of")) {
        panic!(
            "a frame header said {HUGE} bytes (4 GiB) with a maximum of {SMALL_MAX}, and \
             read_frame asked for the memory of that frame: `{line}` (this test's allocator \
             refuses any request of {} bytes or more, so the test program stopped there). The \
             length in a header is the peer's word: compare it with the maximum as soon as \
             the header is whole, and return an InvalidData error before you reserve room or \
             allocate anything for the frame (chapter \"{CHAPTER}\")",
            allocations::REFUSED_FROM
        );
    }
    // The child's failure as libtest reported it (from its `---- NAME
    // stdout ----` line to its list of failures), indented: its lines must
    // not read as lines of this test's own report.
    let report: String = stdout
        .lines()
        .skip_while(|line| !line.starts_with("---- "))
        .skip(1)
        .take_while(|line| *line != "failures:")
        .chain(stderr.lines())
        .filter(|line| !line.trim().is_empty())
        .map(|line| format!("\n  | {line}"))
        .collect();
    panic!("the check ran in a process of its own, which reported:{report}");
}

/// The check itself, in the child process.
fn oversized_length_checked_here() {
    let mut wire = HUGE.to_be_bytes().to_vec();
    wire.extend_from_slice(&[7; 100]); // the start of a body that must not be read
    let (result, reads, largest) = within(
        LIMIT,
        "read_frame did not return after a header that says 4 GiB, with a maximum of 64 KiB",
        move || {
            code::block_on(async {
                allocations::reset();
                // 4 bytes per read: the first read brings the header alone.
                let mut reader =
                    FrameReader::with_max_frame_len(SMALL_MAX, TrickleReader::new(wire, 4));
                let result = reader.read_frame().await;
                (result, reader.into_inner().reads, allocations::largest())
            })
        },
    );
    match result {
        Err(e) => assert_eq!(
            e.kind(),
            io::ErrorKind::InvalidData,
            "a header said {HUGE} bytes with a maximum of {SMALL_MAX}: read_frame failed with \
             `{e}`, but the kind should be io::ErrorKind::InvalidData"
        ),
        Ok(frame) => panic!(
            "a header said {HUGE} bytes with a maximum of {SMALL_MAX}, and read_frame returned \
             {} instead of an InvalidData error (chapter \"{CHAPTER}\")",
            show_ok(&frame)
        ),
    }
    assert_eq!(
        reads, 1,
        "a header said {HUGE} bytes with a maximum of {SMALL_MAX}; read_frame read {reads} \
         times, but the first read brought the whole header: refuse the frame then, without \
         reading its body"
    );
    assert!(
        largest < 1 << 20,
        "a header said {HUGE} bytes with a maximum of {SMALL_MAX}, and read_frame allocated \
         {largest} bytes before refusing it: check the length against the maximum before you \
         reserve or allocate room for the frame (chapter \"{CHAPTER}\")"
    );
}

#[test]
fn the_maximum_is_allowed_and_one_byte_more_is_not() {
    let at_most = payload(3, 100);
    let too_long = payload(4, 101);
    let wire = encode(&[&at_most, &too_long]);
    let (first, second) = within(
        LIMIT,
        "read_frame did not finish with frames of 100 and 101 bytes",
        move || {
            code::block_on(async {
                let mut reader =
                    FrameReader::with_max_frame_len(100, TrickleReader::new(wire, 1000));
                (reader.read_frame().await, reader.read_frame().await)
            })
        },
    );
    match first {
        Ok(Some(frame)) => assert!(
            frame == at_most,
            "the frame of exactly the maximum (100 bytes) came back wrong"
        ),
        other => panic!(
            "a frame of exactly the maximum (100 bytes) must be accepted; read_frame returned \
             {other:?}"
        ),
    }
    match second {
        Err(e) => assert_eq!(
            e.kind(),
            io::ErrorKind::InvalidData,
            "a frame of 101 bytes with a maximum of 100: the error `{e}` should be of kind \
             InvalidData"
        ),
        Ok(frame) => panic!(
            "a frame of 101 bytes with a maximum of 100 must be refused (InvalidData), but \
             read_frame returned {}",
            show_ok(&frame)
        ),
    }
}

#[test]
fn interrupted_reads_are_tried_again() {
    let wire = encode(&[b"interrupted"]);
    let result = within(
        LIMIT,
        "read_frame did not finish after an Interrupted error",
        move || {
            code::block_on(async {
                let mut inner = TrickleReader::new(wire, 5);
                inner.interruptions = 2;
                FrameReader::new(inner).read_frame().await
            })
        },
    );
    match result {
        Ok(Some(frame)) => assert_eq!(frame, b"interrupted", "read_frame got the wrong bytes"),
        other => panic!(
            "read_frame returned {other:?}: an Interrupted error means a signal cut the read \
             short and nothing happened; try again"
        ),
    }
}

#[test]
fn other_read_errors_are_returned() {
    let (result, calls) = within(
        LIMIT,
        "read_frame kept retrying a failing reader: only Interrupted is retried",
        || {
            code::block_on(async {
                let mut reader = FrameReader::new(Failing {
                    kind: io::ErrorKind::ConnectionReset,
                    calls: 0,
                });
                let result = reader.read_frame().await;
                (result, reader.into_inner().calls)
            })
        },
    );
    assert_eq!(
        result.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::ConnectionReset),
        "read_frame should return the reader's ConnectionReset error, got {result:?}"
    );
    assert_eq!(calls, 1, "read_frame should stop at the first real error");
}

#[test]
fn read_frame_sleeps_while_the_reader_is_not_ready() {
    let ((frame, polls), trace) = within(
        LIMIT,
        "read_frame did not finish with a reader that became ready after 200 ms: when \
         poll_read returns Pending, return Pending too; the reader wakes the task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new(CHAPTER);
                    let mut reader =
                        FrameReader::new(GatedReader::new(&encode(&[b"ten bytes!"]), &gate));
                    let opener = gate.open_after(WAIT);
                    let frame = watched(reader.read_frame()).await;
                    opener.join().unwrap();
                    (frame, reader.get_ref().polls)
                })
            })
        },
    );
    assert!(
        matches!(&frame, Ok(Some(f)) if f == b"ten bytes!"),
        "read_frame got {frame:?} instead of the frame `ten bytes!`"
    );
    assert_parked(
        &trace,
        polls,
        WAIT,
        "read_frame waiting for a reader that was not ready for 200 ms",
        "When poll_read returns Pending, return Pending too (poll_fn(|cx| \
         self.inner.poll_read(cx, ...)).await does): the reader has kept the task's waker and \
         wakes it when bytes arrive. Do not wake the task yourself, and do not call poll_read \
         again in a loop.",
        CHAPTER,
    );
}

#[test]
fn read_frame_parks_on_an_empty_pipe() {
    let ((frame, polls), trace) = within(
        LIMIT,
        "read_frame did not finish on a pipe whose writer sent a frame after 200 ms",
        || {
            record(|| {
                code::block_on(async {
                    let (mut writer, reader) = pipe(1024, 1024);
                    code::spawn(async move {
                        code::time::sleep(WAIT).await;
                        code::io::write_all(&mut writer, &encode(&[b"late"])).await
                    });
                    let mut reader = FrameReader::new(reader);
                    let frame = reader.read_frame().await;
                    (frame, reader.get_ref().polls)
                })
            })
        },
    );
    assert!(
        matches!(&frame, Ok(Some(f)) if f == b"late"),
        "read_frame got {frame:?} instead of the frame `late`"
    );
    assert_parked(
        &trace,
        polls,
        WAIT,
        "read_frame waiting on an in-memory pipe with no data for 200 ms",
        "When poll_read returns Pending, return Pending too: the pipe has kept the task's \
         waker and wakes it when its writer writes.",
        CHAPTER,
    );
}

#[test]
fn a_cancelled_read_frame_loses_nothing() {
    let long = payload(5, 100);
    let wire = encode(&[&long, b"next"]);
    let (taken, first, second) = within(
        LIMIT,
        "read_frame did not finish after an earlier read_frame was cancelled",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 3));
                {
                    // Eight polls, then the future is dropped halfway through
                    // the frame, as a timeout or a shutdown signal would.
                    let mut cancelled = pin!(reader.read_frame());
                    for i in 1..=8 {
                        if let Poll::Ready(result) = poll_once(&mut cancelled).await {
                            panic!(
                                "read_frame returned {result:?} after {i} polls, from a reader \
                                 that gives 3 bytes per read and is not ready before each: a \
                                 104-byte frame cannot have arrived yet"
                            );
                        }
                    }
                }
                let taken = reader.get_ref().at;
                (taken, reader.read_frame().await, reader.read_frame().await)
            })
        },
    );
    assert!(
        taken > 0,
        "the cancelled read_frame read nothing: the test did not test"
    );
    match first {
        Ok(Some(frame)) if frame == long => {}
        other => panic!(
            "a read_frame was dropped after it had read {taken} bytes of a 104-byte frame; the \
             next read_frame returned {} instead of that frame. Keep what a read brings in the \
             FrameReader's buffer (a field), never in a local of read_frame: a dropped future \
             loses its locals, and those bytes are gone from the stream (chapter \
             \"Cancellation safety\")",
            match &other {
                Ok(frame) => show(frame),
                Err(e) => format!("the error `{e}`"),
            }
        ),
    }
    assert!(
        matches!(&second, Ok(Some(f)) if f == b"next"),
        "after the frame read across a cancellation, the next frame came back as {second:?}"
    );
}

#[test]
fn a_read_frame_cancelled_inside_a_header_loses_nothing() {
    let wire = encode(&[b"sixsix"]);
    let (taken, got) = within(
        LIMIT,
        "read_frame did not finish after an earlier read_frame was cancelled",
        move || {
            code::block_on(async {
                let mut reader = FrameReader::new(TrickleReader::new(wire, 3));
                {
                    // Two polls: "not ready", then 3 bytes of the 4-byte
                    // header. The future is dropped inside the header.
                    let mut cancelled = pin!(reader.read_frame());
                    for i in 1..=2 {
                        if let Poll::Ready(result) = poll_once(&mut cancelled).await {
                            panic!(
                                "read_frame returned {result:?} after {i} polls, from a reader \
                                 that gives 3 bytes per read and is not ready before each: the \
                                 10-byte frame cannot have arrived yet"
                            );
                        }
                    }
                }
                let taken = reader.get_ref().at;
                (taken, reader.read_frame().await)
            })
        },
    );
    assert_eq!(
        taken, 3,
        "the cancelled read_frame should have read 3 bytes of the header in two polls: the \
         test did not test"
    );
    match got {
        Ok(Some(frame)) if frame == b"sixsix" => {}
        other => panic!(
            "a read_frame was dropped after it had read 3 bytes of a 4-byte header \
             ([0, 0, 0, 6] then b\"sixsix\"); the next read_frame returned {} instead of \
             b\"sixsix\". A header in progress is bytes read too: keep it in the \
             FrameReader's buffer (a field), never in a local of read_frame (chapter \
             \"Cancellation safety\")",
            match &other {
                Ok(frame) => show(frame),
                Err(e) => format!("the error `{e}`"),
            }
        ),
    }
}

// ---------------------------------------------------------------------------
// FrameWriter: buffered writes, and flush.

#[test]
fn a_frame_is_its_length_big_endian_then_its_payload() {
    let long = payload(6, 300);
    let expected = encode(&[b"hello", &long]);
    let written = within(LIMIT, "write_frame and flush did not finish", move || {
        code::block_on(async {
            let mut writer = FrameWriter::new(RecordingWriter::default());
            queue(&mut writer, b"hello").await;
            queue(&mut writer, &long).await;
            flushed(&mut writer).await;
            writer.into_inner().writes.concat()
        })
    });
    assert!(
        written == expected,
        "frames of 5 and 300 bytes should go out as [0, 0, 0, 5] b\"hello\" [0, 0, 1, 44] and \
         the 300 bytes (the length as a u32, big-endian: u32::to_be_bytes); the writer got \
         {} bytes starting {:?}",
        written.len(),
        &written[..written.len().min(16)]
    );
}

#[test]
fn frames_wait_in_the_buffer_until_flush() {
    let expected = encode(&[b"one", b"two", b"three"]);
    let (before, buffered, after) = within(
        LIMIT,
        "write_frame or flush did not finish with a writer that is always ready",
        || {
            code::block_on(async {
                let mut writer = FrameWriter::new(RecordingWriter::default());
                for frame in [&b"one"[..], b"two", b"three"] {
                    queue(&mut writer, frame).await;
                }
                let before = writer.get_ref().writes.len();
                let buffered = writer.buffered().to_vec();
                flushed(&mut writer).await;
                (before, buffered, writer.into_inner().writes)
            })
        },
    );
    assert_eq!(
        before, 0,
        "write_frame wrote to the writer {before} times for three small frames: keep them in \
         the buffer and write them when flush is called (or once WRITE_BUFFER_CAPACITY bytes \
         wait). Each write is a system call, and on TCP perhaps a small segment of its own \
         (chapter \"{CHAPTER}\")"
    );
    assert!(
        buffered == expected,
        "before flush, buffered() should hold the three frames, header and payload each ({} \
         bytes); it held {} bytes",
        expected.len(),
        buffered.len()
    );
    assert!(
        after.concat() == expected,
        "flush should write out the three frames ({} bytes); the writer got {} bytes",
        expected.len(),
        after.concat().len()
    );
    assert_eq!(
        after.len(),
        1,
        "flush wrote the buffered frames in {} writes to a writer that takes everything at \
         once: hand it the whole buffer, not a frame at a time",
        after.len()
    );
}

/// Writes 100 frames of 1000 bytes through a `FrameWriter` over `writer`,
/// never flushing until the end: the most bytes that waited in the buffer
/// after a `write_frame`, the bytes written before the flush, and all the
/// bytes written (`written` reads them from the writer).
fn fill_then_flush<W>(writer: W, written: fn(&W) -> Vec<u8>, setting: &'static str)
where
    W: AsyncWrite + Send + 'static,
{
    let sent: Vec<Vec<u8>> = (0..100).map(|i| payload(i, 1000)).collect();
    let refs: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
    let expected = encode(&refs);
    let (most_buffered, before_flush, all) = within(
        LIMIT,
        "write_frame did not finish writing 100 frames of 1000 bytes",
        move || {
            code::block_on(async {
                let mut writer = FrameWriter::new(writer);
                let mut most_buffered = 0;
                for frame in &sent {
                    queue(&mut writer, frame).await;
                    most_buffered = most_buffered.max(writer.buffered().len());
                }
                let before_flush = written(writer.get_ref()).len();
                flushed(&mut writer).await;
                (most_buffered, before_flush, written(&writer.into_inner()))
            })
        },
    );
    assert!(
        most_buffered < WRITE_BUFFER_CAPACITY,
        "with {setting}, after a write_frame {most_buffered} bytes waited in the buffer: once \
         WRITE_BUFFER_CAPACITY ({WRITE_BUFFER_CAPACITY}) bytes or more wait, write_frame \
         writes them all out (as flush does, however many writes it takes), so the buffer of \
         a writer that is never flushed cannot grow without bound ({before_flush} of {} bytes \
         had been written before flush)",
        expected.len()
    );
    assert!(
        all == expected,
        "with {setting}, 100 frames of 1000 bytes, written and flushed: the writer got {} \
         bytes, not the {} expected (wrong from byte {:?})",
        all.len(),
        expected.len(),
        all.iter().zip(&expected).position(|(a, b)| a != b)
    );
}

#[test]
fn a_full_buffer_is_written_out_without_waiting_for_flush() {
    fill_then_flush(
        RecordingWriter::default(),
        |w| w.writes.concat(),
        "a writer that takes every write whole",
    );
    // A writer that takes only part of each write: one write is not enough
    // to empty a full buffer.
    fill_then_flush(
        TrickleWriter::new(7),
        |w| w.written.clone(),
        "a writer that takes 7 bytes per write and is not ready before each",
    );
}

#[test]
fn flush_goes_on_through_partial_writes() {
    let sent = [payload(7, 50), payload(8, 0), payload(9, 77)];
    let expected = encode(&[&sent[0], &sent[1], &sent[2]]);
    let written = within(
        LIMIT,
        "flush did not finish with a writer that takes 7 bytes at a time and is sometimes \
         not ready (Pending) or Interrupted",
        move || {
            code::block_on(async {
                let mut inner = TrickleWriter::new(7);
                inner.interruptions = 2;
                let mut writer = FrameWriter::new(inner);
                for frame in &sent {
                    queue(&mut writer, frame).await;
                }
                writer
                    .flush()
                    .await
                    .unwrap_or_else(|e| panic!("flush failed: `{e}`"));
                assert!(
                    writer.buffered().is_empty(),
                    "flush returned with bytes still in the buffer"
                );
                writer.into_inner().written
            })
        },
    );
    assert!(
        written == expected,
        "the writer takes at most 7 bytes per write; after flush it had {} of {} bytes: a \
         write may take only part of the buffer, so go on with the rest until nothing is \
         left (and try Interrupted again)",
        written.len(),
        expected.len()
    );
}

#[test]
fn flush_errors_are_returned() {
    let (zero, (failed, calls)) = within(
        LIMIT,
        "flush kept calling a writer that takes nothing (Ok(0)) or fails: a write of 0 bytes \
         is an error of kind WriteZero, and any error but Interrupted is returned",
        || {
            code::block_on(async {
                let mut full = FrameWriter::new(FullWriter);
                queue(&mut full, b"anything").await;
                let zero = full.flush().await;
                let mut failing = FrameWriter::new(Failing {
                    kind: io::ErrorKind::BrokenPipe,
                    calls: 0,
                });
                queue(&mut failing, b"anything").await;
                let failed = failing.flush().await;
                (zero, (failed, failing.into_inner().calls))
            })
        },
    );
    assert_eq!(
        zero.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::WriteZero),
        "flush to a writer that takes nothing should fail with WriteZero, got {zero:?}"
    );
    assert_eq!(
        failed.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::BrokenPipe),
        "flush should return the writer's BrokenPipe error, got {failed:?}"
    );
    assert_eq!(calls, 1, "flush should stop at the first real error");
}

#[test]
fn an_oversized_frame_is_refused_and_nothing_is_buffered() {
    let (refused, buffered, written) = within(LIMIT, "write_frame or flush did not finish", || {
        code::block_on(async {
            let mut writer = FrameWriter::with_max_frame_len(100, RecordingWriter::default());
            let refused = writer.write_frame(&[1; 101]).await;
            let buffered = writer.buffered().len();
            queue(&mut writer, &[2; 100]).await;
            flushed(&mut writer).await;
            (refused, buffered, writer.into_inner().writes.concat())
        })
    });
    assert_eq!(
        refused.as_ref().err().map(io::Error::kind),
        Some(io::ErrorKind::InvalidInput),
        "a payload of 101 bytes with a maximum of 100 should be refused with InvalidInput \
         (the reader at the other end would refuse it), got {refused:?}"
    );
    assert_eq!(
        buffered, 0,
        "the refused frame left {buffered} bytes in the buffer: refuse it before writing its \
         header, or the stream is no longer a sequence of frames"
    );
    assert!(
        written == encode(&[&[2; 100]]),
        "after a refused frame, a frame of 100 bytes should go out alone; the writer got {} \
         bytes",
        written.len()
    );
}

#[test]
fn flush_sleeps_while_the_writer_is_not_ready() {
    let ((written, polls), trace) = within(
        LIMIT,
        "write_frame or flush did not finish with a writer that became ready after 200 ms: \
         write_frame of a small frame only buffers it (it must not wait for the writer), and \
         when poll_write returns Pending in flush, return Pending too; the writer wakes the \
         task",
        || {
            record(|| {
                code::block_on(async {
                    let gate = Gate::new(CHAPTER);
                    let mut writer = FrameWriter::new(GatedWriter::new(&gate));
                    queue(&mut writer, b"ten bytes!").await;
                    let opener = gate.open_after(WAIT);
                    watched(writer.flush())
                        .await
                        .unwrap_or_else(|e| panic!("flush failed: {e}"));
                    opener.join().unwrap();
                    let polls = writer.get_ref().polls;
                    (writer.into_inner().written, polls)
                })
            })
        },
    );
    assert!(
        written == encode(&[b"ten bytes!"]),
        "flush wrote the wrong bytes"
    );
    assert_parked(
        &trace,
        polls,
        WAIT,
        "flush waiting for a writer that was not ready for 200 ms",
        "When poll_write returns Pending, return Pending too (poll_fn(|cx| \
         self.inner.poll_write(cx, ...)).await does): the writer has kept the task's waker and \
         wakes it when it has room. Do not wake the task yourself, and do not call poll_write \
         again in a loop.",
        CHAPTER,
    );
}

#[test]
fn a_cancelled_flush_sends_nothing_twice() {
    let sent = [payload(10, 30), payload(11, 40)];
    let expected = encode(&[&sent[0], &sent[1]]);
    let (partial, written) = within(
        LIMIT,
        "flush did not finish after an earlier flush was cancelled",
        move || {
            code::block_on(async {
                let mut writer = FrameWriter::new(TrickleWriter::new(7));
                for frame in &sent {
                    queue(&mut writer, frame).await;
                }
                assert_eq!(
                    writer.buffered().len(),
                    78,
                    "after two small frames (30 and 40 bytes) were written, buffered() should \
                     hold both with their headers, 78 bytes, until flush"
                );
                {
                    // Six polls ("not ready", then five writes of 7 bytes: 35
                    // of 78), then the future is dropped halfway, as a
                    // timeout would.
                    let mut cancelled = pin!(writer.flush());
                    for i in 1..=6 {
                        if let Poll::Ready(result) = poll_once(&mut cancelled).await {
                            panic!(
                                "flush returned {result:?} after {i} polls, from a writer that \
                                 takes 7 bytes per write and is not ready before each: it \
                                 cannot have written the two frames (78 bytes) yet"
                            );
                        }
                    }
                }
                let partial = writer.get_ref().written.len();
                writer
                    .flush()
                    .await
                    .unwrap_or_else(|e| panic!("flush failed: {e}"));
                (partial, writer.into_inner().written)
            })
        },
    );
    assert!(
        partial > 0,
        "the cancelled flush wrote nothing: the test did not test"
    );
    assert!(
        written == expected,
        "a flush was dropped after it had written {partial} of {} bytes; after the next flush \
         the writer had {} bytes: {}. Take each write's bytes out of the buffer as the write \
         returns, so a flush called again goes on where the dropped one stopped (chapter \
         \"Cancellation safety\")",
        expected.len(),
        written.len(),
        if written.len() > expected.len() {
            "bytes were sent twice (the next flush started over from the start of the buffer)"
        } else {
            "bytes were lost"
        }
    );
}

// ---------------------------------------------------------------------------
// The same code over a pipe and over TCP.

/// The frames the two tests below send: sizes from 0 to nearly 6000 bytes.
fn many_frames() -> Vec<Vec<u8>> {
    (0..200).map(|i| payload(i, (i * 131) % 5999)).collect()
}

/// Sends [`many_frames`] through `writer` from a task of its own, flushing
/// now and then, and reads them back through `reader`: the same code for
/// every reader and writer.
async fn carry<R, W>(reader: R, writer: W) -> (Vec<Vec<u8>>, io::Result<()>)
where
    R: AsyncRead,
    W: AsyncWrite + 'static,
{
    let sender = code::spawn(async move {
        let mut writer = FrameWriter::new(writer);
        for (i, frame) in many_frames().iter().enumerate() {
            writer.write_frame(frame).await?;
            if i % 7 == 6 {
                writer.flush().await?;
            }
        }
        writer.flush().await
        // The writer is dropped here: the reader sees the end of the stream.
    });
    let mut reader = FrameReader::new(reader);
    let received = read_all(&mut reader, 1000).await;
    sender
        .await
        .unwrap_or_else(|e| panic!("writing the frames failed: `{e}`"));
    received
}

#[test]
fn frames_cross_an_in_memory_pipe() {
    let (frames, end) = within(
        LIMIT,
        "200 frames did not cross an in-memory pipe that holds 1000 bytes: a reader or writer \
         waits for the other end, which must be able to run (return Pending, do not block)",
        || {
            code::block_on(async {
                // It holds 1000 bytes and gives a read at most 333: frames
                // are cut anywhere, and the writer waits for room.
                let (writer, reader) = pipe(1000, 333);
                carry(reader, writer).await
            })
        },
    );
    assert_frames(
        &frames,
        &end,
        &many_frames(),
        "200 frames over an in-memory pipe",
    );
}

#[test]
fn frames_cross_a_tcp_connection() {
    let (frames, end) = within(
        LIMIT,
        "200 frames did not cross a TCP connection on loopback",
        || {
            code::block_on(async {
                let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                let client = AsyncTcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (server, _) = listener.accept().await.unwrap();
                carry(server, client).await
            })
        },
    );
    assert_frames(&frames, &end, &many_frames(), "200 frames over TCP");
}
