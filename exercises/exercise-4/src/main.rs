//! How fast is your `copy`? This program pipes the same amount of data over
//! loopback twice, through a proxy in the middle:
//!
//! ```text
//! sender ──TCP──► proxy ──TCP──► sink
//! ```
//!
//! once with `exercise_4::copy` on the `code` runtime as the proxy, once with
//! a thread running blocking `std::io::copy`. The sender and the sink are the
//! same blocking threads both times, so only the proxy differs. It prints
//! MB/s (10^6 bytes per second) for both and their ratio.
//!
//! Both copy through buffers of the same size, so the ratio compares the
//! runtimes, not the buffers: the program watches the reads of your `copy`
//! during the warm-up, and the blocking proxy then copies with a buffer of
//! the largest size your `copy` read with (`std::io::copy` itself when that
//! is 8 KiB, its size; the same loop with your size otherwise).
//!
//! ```text
//! cargo run --release -p exercise-4            # 256 MiB per run
//! cargo run --release -p exercise-4 -- 1024    # 1024 MiB per run
//! ```
//!
//! It is given, not part of the exercise: it runs once your `copy` works.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use code::io::AsyncRead;
use code::net::{AsyncTcpListener, AsyncTcpStream};

/// MiB per run unless the command line says otherwise. Less measures the
/// set-up more than the copying: 1 MiB crosses loopback in about a millisecond.
const DEFAULT_MIB: u64 = 256;

/// The most the command line may ask for, so a typo cannot run for an hour.
const MAX_MIB: u64 = 16 * 1024;

/// Runs per proxy, as the chapter advises (at least five); the median is
/// reported, so one slow run does not count.
const RUNS: usize = 5;

/// The buffer `std::io::copy` reads into.
const STD_BUFFER: usize = 8 * 1024;

/// How long the program waits for `copy` to return once the sink has
/// received every byte: the end of the stream is on its way by then, and
/// `copy` returns within microseconds of reading it.
const RETURN_LIMIT: Duration = Duration::from_secs(2);

/// How long the program waits for the sink to get another byte before it
/// calls the copy stuck: loopback moves a MiB in about a millisecond.
const STALL_LIMIT: Duration = Duration::from_secs(5);

const USAGE: &str = "usage: cargo run --release -p exercise-4 [-- MIB]";

pub fn main() {
    let mib = match parse_mib(std::env::args().skip(1)) {
        Ok(Some(mib)) => mib,
        Ok(None) => {
            println!(
                "{USAGE}\n  MIB: how much to copy per run, 1 to {MAX_MIB} (default {DEFAULT_MIB})"
            );
            return;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(mib << 20, async_proxy, &mut io::stdout()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The MiB to copy per run from the command line: `Ok(None)` for `--help`.
fn parse_mib(mut args: impl Iterator<Item = String>) -> Result<Option<u64>, String> {
    let Some(arg) = args.next() else {
        return Ok(Some(DEFAULT_MIB));
    };
    if arg == "-h" || arg == "--help" {
        return Ok(None);
    }
    let mib = match arg.parse::<u64>() {
        Ok(mib) if (1..=MAX_MIB).contains(&mib) => mib,
        _ => {
            return Err(format!(
                "`{arg}` is not a size in MiB: give a whole number from 1 to {MAX_MIB}"
            ));
        }
    };
    if let Some(extra) = args.next() {
        return Err(format!(
            "unexpected argument `{extra}`: give at most one size in MiB"
        ));
    }
    Ok(Some(mib))
}

/// Measures `proxy` against the blocking proxy, `bytes` per run, and writes
/// the report to `out`.
fn run(bytes: u64, proxy: Proxy, out: &mut impl Write) -> io::Result<()> {
    if cfg!(debug_assertions) {
        writeln!(
            out,
            "note: a debug build is many times slower; add --release for real numbers"
        )?;
    }
    if too_short(bytes) {
        writeln!(
            out,
            "note: below {DEFAULT_MIB} MiB a run is too short to measure well"
        )?;
    }
    writeln!(
        out,
        "copying {} per run over loopback (sender -> proxy -> sink), median of {RUNS} runs",
        size(bytes)
    )?;
    // A short warm-up of each, so neither pays for cold caches. The first
    // shows the buffer size the async copy reads with; the blocking copy
    // then uses the same.
    let buffer = measure(warm_up(bytes), proxy, STD_BUFFER)?.buffer;
    measure(warm_up(bytes), blocking_proxy, buffer)?;
    writeln!(
        out,
        "buffers: exercise_4::copy reads up to {} at a time, and so does the blocking copy{}",
        size(buffer as u64),
        if buffer == STD_BUFFER {
            " (std::io::copy's own size)"
        } else {
            " (the same loop as std::io::copy, with this size)"
        }
    )?;
    let mut async_rates = Vec::new();
    let mut blocking_rates = Vec::new();
    for _ in 0..RUNS {
        // Interleaved, so a change in the machine's load hits both.
        async_rates.push(rate(bytes, measure(bytes, proxy, buffer)?.took));
        blocking_rates.push(rate(bytes, measure(bytes, blocking_proxy, buffer)?.took));
    }
    let (async_rate, blocking_rate) = (median(async_rates), median(blocking_rates));
    writeln!(
        out,
        "  async copy (exercise_4::copy on code)  {async_rate:>10.1} MB/s"
    )?;
    writeln!(
        out,
        "  blocking std::io::copy (a thread)      {blocking_rate:>10.1} MB/s"
    )?;
    writeln!(
        out,
        "  ratio async / blocking                 {:>10.2}",
        async_rate / blocking_rate
    )
}

/// Whether a run of `bytes` is too short to measure well: less than the
/// default size.
fn too_short(bytes: u64) -> bool {
    bytes < DEFAULT_MIB << 20
}

/// The size of the warm-up before runs of `bytes`: a sixteenth, and never
/// nothing.
fn warm_up(bytes: u64) -> u64 {
    bytes / 16 + 1
}

/// `bytes` in MiB, or in KiB if it is not a whole number of MiB (the
/// program's own tests copy less than a MiB, and buffers are smaller), or in
/// bytes if it is not a whole number of KiB either.
fn size(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// MB/s (10^6 bytes per second).
fn rate(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / took.as_secs_f64() / 1e6
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// What a proxy did: the count its copy returned, and the largest buffer it
/// read into.
struct Copied {
    bytes: u64,
    buffer: usize,
}

/// A proxy: started on its own thread, it reports the address it listens
/// on, takes one connection, copies it to `sink` and returns what it did.
/// The last argument is the buffer size for a proxy that can be given one
/// (the blocking proxy); the async proxy reads with its `copy`'s own.
type Proxy = fn(SocketAddr, mpsc::Sender<SocketAddr>, usize) -> io::Result<Copied>;

/// What one run measured.
struct Measured {
    /// From the first byte sent to the last byte received.
    took: Duration,
    /// The largest buffer the proxy read into.
    buffer: usize,
}

/// Sends `bytes` through `proxy` (given `buffer`) to a sink and times it,
/// after checking the counts.
fn measure(bytes: u64, proxy: Proxy, buffer: usize) -> io::Result<Measured> {
    let sink = TcpListener::bind("127.0.0.1:0")?;
    let sink_addr = sink.local_addr()?;
    // The sink counts as it goes, so that a copy that never returns can be
    // told from one still copying; it reports when its stream ends.
    let arrived = Arc::new(AtomicU64::new(0));
    let (sink_done, sink_result) = mpsc::channel();
    let sink = {
        let arrived = Arc::clone(&arrived);
        thread::spawn(move || {
            let _ = sink_done.send(sink.accept().and_then(|(conn, _)| drain(&conn, &arrived)));
        })
    };
    let (addr_tx, addr_rx) = mpsc::channel();
    let proxy = thread::spawn(move || proxy(sink_addr, addr_tx, buffer));
    let proxy_addr = addr_rx
        .recv()
        .map_err(|_| io::Error::other("the proxy ended before it listened"))?;

    let sender = TcpStream::connect(proxy_addr)?;
    let start = Instant::now();
    let sent = send(&sender, bytes);
    let received = wait_for_the_sink(&sink_result, &arrived, bytes, RETURN_LIMIT, STALL_LIMIT);
    let took = start.elapsed();
    let received = match received {
        Ok(received) => received,
        // The proxy thread is left running: the program ends with the error.
        Err(Stuck::AtTheEnd) => {
            return Err(io::Error::other(format!(
                "the sink received all {bytes} bytes and the sender had closed its side, but \
                 copy did not return within {RETURN_LIMIT:?}: a read that returns Ok(0) is \
                 the end of the stream, so return the count then, instead of reading again"
            )));
        }
        Err(Stuck::OnTheWay(arrived)) => {
            return Err(io::Error::other(format!(
                "the sink received {arrived} of {bytes} bytes and then nothing for \
                 {STALL_LIMIT:?}: copy stopped copying (does it go on when it is woken after \
                 a read or a write returned Pending?)"
            )));
        }
    };
    let _ = sink.join();
    // The proxy's result first: if `copy` failed (or panicked: it is
    // re-raised here), that is the news, not the broken pipe it left behind.
    let copied = join(proxy)?;
    sent?;
    let received = received?;
    if copied.bytes != bytes || received != bytes {
        // All that copy counted arrived, but not all that was sent (the sink
        // cannot get more than was sent): copy returned early.
        let stopped_early = if copied.bytes == received {
            " (did copy return before a read returned Ok(0)? A read that returns fewer \
             bytes than the buffer holds is not the end of the stream; only Ok(0) is)"
        } else {
            ""
        };
        return Err(io::Error::other(format!(
            "sent {bytes} bytes, but copy returned {} and the sink received {received}\
             {stopped_early}",
            copied.bytes
        )));
    }
    Ok(Measured {
        took,
        buffer: copied.buffer,
    })
}

/// Reads `conn` to its end, adding to `arrived` as bytes come.
fn drain(mut conn: &TcpStream, arrived: &AtomicU64) -> io::Result<u64> {
    io::copy(&mut conn, &mut Counter(arrived))
}

/// A sink that counts what it is given.
struct Counter<'a>(&'a AtomicU64);

impl Write for Counter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why [`wait_for_the_sink`] gave up on the copy.
#[derive(Debug)]
enum Stuck {
    /// Every byte arrived, but the end of the stream did not come within
    /// [`RETURN_LIMIT`]: the copy did not return.
    AtTheEnd,
    /// This many bytes arrived, then none for [`STALL_LIMIT`].
    OnTheWay(u64),
}

/// The sink's result, once its stream has ended, or why the copy seems
/// stuck: all `bytes` arrived and no end came for `return_limit`, or no
/// byte came for `stall_limit`. Returns as soon as the sink is done, so the
/// time measured is the copy's.
fn wait_for_the_sink(
    result: &mpsc::Receiver<io::Result<u64>>,
    arrived: &AtomicU64,
    bytes: u64,
    return_limit: Duration,
    stall_limit: Duration,
) -> Result<io::Result<u64>, Stuck> {
    let (mut last, mut since) = (0, Instant::now());
    loop {
        match result.recv_timeout(Duration::from_millis(100)) {
            Ok(result) => return Ok(result),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Ok(Err(io::Error::other("the sink ended without a result")));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let now = arrived.load(Ordering::Relaxed);
        if now != last {
            (last, since) = (now, Instant::now());
        } else if now >= bytes && since.elapsed() > return_limit {
            return Err(Stuck::AtTheEnd);
        } else if since.elapsed() > stall_limit {
            return Err(Stuck::OnTheWay(now));
        }
    }
}

/// Writes `bytes` bytes to `sender`, then shuts down its sending side: the
/// proxy's end of stream. (The stream itself stays open until `measure` has
/// seen the sink finish, so only this shutdown can end the copy.)
fn send(mut sender: &TcpStream, bytes: u64) -> io::Result<()> {
    let chunk = vec![0x5a; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        sender.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    sender.shutdown(Shutdown::Write)
}

fn join<T>(handle: thread::JoinHandle<io::Result<T>>) -> io::Result<T> {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The proxy under test: `exercise_4::copy` on the `code` runtime (it reads
/// with a buffer of its own size).
fn async_proxy(
    sink: SocketAddr,
    ready: mpsc::Sender<SocketAddr>,
    _buffer: usize,
) -> io::Result<Copied> {
    proxy_on_code(sink, ready, exercise_4::copy)
}

/// An inbound stream that notes the largest buffer it was asked to fill.
struct Watched {
    stream: AsyncTcpStream,
    largest_read: usize,
}

impl AsyncRead for Watched {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.largest_read = self.largest_read.max(buf.len());
        self.stream.poll_read(cx, buf)
    }
}

/// A proxy on the `code` runtime that copies with `copy`.
fn proxy_on_code(
    sink: SocketAddr,
    ready: mpsc::Sender<SocketAddr>,
    copy: impl AsyncFnOnce(&mut Watched, &mut AsyncTcpStream) -> io::Result<u64>,
) -> io::Result<Copied> {
    code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let _ = ready.send(listener.local_addr()?);
        let (stream, _) = listener.accept().await?;
        let mut inbound = Watched {
            stream,
            largest_read: 0,
        };
        let mut outbound = AsyncTcpStream::connect(sink).await?;
        // Dropping `outbound` when this returns sends the sink its EOF.
        let bytes = copy(&mut inbound, &mut outbound).await?;
        Ok(Copied {
            bytes,
            buffer: inbound.largest_read,
        })
    })
}

/// The baseline: one thread with blocking `std::io::copy`, or the same loop
/// with a buffer of `buffer` bytes if that is not std's size.
fn blocking_proxy(
    sink: SocketAddr,
    ready: mpsc::Sender<SocketAddr>,
    buffer: usize,
) -> io::Result<Copied> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let _ = ready.send(listener.local_addr()?);
    let (mut inbound, _) = listener.accept()?;
    let mut outbound = TcpStream::connect(sink)?;
    let bytes = if buffer == STD_BUFFER {
        io::copy(&mut inbound, &mut outbound)?
    } else {
        blocking_copy(&mut inbound, &mut outbound, buffer)?
    };
    Ok(Copied { bytes, buffer })
}

/// `std::io::copy`'s loop with a buffer of `buffer` bytes: read, write all
/// of it, until a read returns 0; `Interrupted` is tried again.
fn blocking_copy(from: &mut TcpStream, to: &mut TcpStream, buffer: usize) -> io::Result<u64> {
    let mut buf = vec![0; buffer.max(1)];
    let mut copied = 0;
    loop {
        match from.read(&mut buf) {
            Ok(0) => return Ok(copied),
            Ok(n) => {
                to.write_all(&buf[..n])?;
                copied += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<u64>, String> {
        parse_mib(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn no_argument_means_the_default_size() {
        assert_eq!(parse(&[]), Ok(Some(DEFAULT_MIB)));
    }

    #[test]
    fn a_size_in_mib_is_taken() {
        assert_eq!(parse(&["1024"]), Ok(Some(1024)));
        assert_eq!(parse(&["1"]), Ok(Some(1)), "the smallest size");
        assert_eq!(parse(&["16384"]), Ok(Some(16384)), "the largest size");
        assert!(parse(&["16385"]).is_err(), "more than 16 GiB is refused");
    }

    #[test]
    fn help_asks_for_the_usage() {
        assert_eq!(parse(&["--help"]), Ok(None));
    }

    #[test]
    fn a_bad_size_is_refused_with_the_allowed_range() {
        for bad in ["0", "-5", "lots", "1.5", "99999999"] {
            let error = parse(&[bad]).unwrap_err();
            assert!(
                error.contains(bad) && error.contains("from 1 to"),
                "unclear error for `{bad}`: {error}"
            );
        }
    }

    #[test]
    fn a_second_argument_is_refused() {
        let error = parse(&["256", "512"]).unwrap_err();
        assert!(error.contains("`512`"), "unclear error: {error}");
    }
    // The measurement itself, at small sizes. These tests must pass before
    // the exercise is done too (the program is given, not the learner's
    // work), so the proxy under test is `code::io::copy`, the finished
    // `copy`, and proxies that are wrong on purpose. They check that the
    // program measures what it says, not how fast anything is.

    /// Less than a MiB: the tests check what is measured, not the speed.
    const SMALL: u64 = 256 << 10;

    const LIMIT: Duration = Duration::from_secs(10);

    /// The finished `copy` on the `code` runtime, standing in for the
    /// learner's.
    fn reference_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        _buffer: usize,
    ) -> io::Result<Copied> {
        proxy_on_code(sink, ready, code::io::copy)
    }

    /// Copies every byte but says it copied one more.
    fn miscounting_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        buffer: usize,
    ) -> io::Result<Copied> {
        reference_proxy(sink, ready, buffer).map(|c| Copied {
            bytes: c.bytes + 1,
            ..c
        })
    }

    /// Throws the first 1000 bytes away, but counts them as copied.
    fn lossy_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        _buffer: usize,
    ) -> io::Result<Copied> {
        proxy_on_code(sink, ready, async |from, to| {
            let mut lost = [0; 1000];
            code::io::read_exact(from, &mut lost).await?;
            Ok(code::io::copy(from, to).await? + lost.len() as u64)
        })
    }

    /// Reads into a 64 KiB buffer: the blocking proxy must then do so too.
    fn big_buffer_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        _buffer: usize,
    ) -> io::Result<Copied> {
        proxy_on_code(sink, ready, async |from, to| {
            code::io::copy_with_buffer(from, to, &mut vec![0; 64 << 10]).await
        })
    }

    /// Copies every byte, then does not return for twice as long as
    /// `measure` waits (asleep: a copy that reads again after the end of the
    /// stream would keep a core busy for the rest of the tests).
    fn late_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        _buffer: usize,
    ) -> io::Result<Copied> {
        proxy_on_code(sink, ready, async |from, to| {
            let copied = code::io::copy(from, to).await?;
            code::time::sleep(2 * RETURN_LIMIT).await;
            Ok(copied)
        })
    }

    #[test]
    fn rate_is_megabytes_per_second() {
        assert_eq!(rate(6_000_000, Duration::from_secs(2)), 3.0);
        assert_eq!(rate(500_000, Duration::from_millis(250)), 2.0);
    }

    #[test]
    fn median_is_the_middle_of_the_sorted_rates() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![5.0, 1.0, 4.0, 2.0, 3.0]), 3.0);
    }

    #[test]
    fn runs_shorter_than_the_default_are_noted() {
        assert!(too_short(SMALL));
        assert!(too_short((DEFAULT_MIB << 20) - 1));
        assert!(
            !too_short(DEFAULT_MIB << 20),
            "the default size is long enough"
        );
        assert!(!too_short(1 << 30));
    }

    #[test]
    fn the_warm_up_is_a_sixteenth_and_never_empty() {
        assert_eq!(warm_up(256 << 20), (16 << 20) + 1);
        assert_eq!(warm_up(SMALL), (16 << 10) + 1);
        assert_eq!(warm_up(15), 1, "a warm-up of 0 bytes would measure nothing");
    }

    #[test]
    fn sizes_are_shown_in_mib_or_kib() {
        assert_eq!(size(256 << 20), "256 MiB");
        assert_eq!(size(SMALL), "256 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }

    #[test]
    fn measure_times_a_copy_through_either_proxy() {
        for proxy in [reference_proxy as Proxy, blocking_proxy] {
            let measured = code::testing::within(
                LIMIT,
                "measure did not finish: does the sender shut down its side when it is done?",
                move || measure(SMALL, proxy, STD_BUFFER),
            );
            let measured = measured.unwrap_or_else(|e| panic!("measure failed: {e}"));
            assert!(
                measured.took > Duration::ZERO,
                "measure took no time at all"
            );
            assert_eq!(measured.buffer, STD_BUFFER, "the buffer of code::io::copy");
        }
    }

    #[test]
    fn measure_sees_the_buffer_and_gives_it_to_the_blocking_copy() {
        let (seen, given) = code::testing::within(LIMIT, "measure did not finish", || {
            let seen = measure(SMALL, big_buffer_proxy, STD_BUFFER).map(|m| m.buffer);
            let given = measure(SMALL, blocking_proxy, 64 << 10).map(|m| m.buffer);
            (seen, given)
        });
        assert_eq!(
            seen.unwrap(),
            64 << 10,
            "the async copy's reads were not watched"
        );
        assert_eq!(given.unwrap(), 64 << 10, "the blocking copy's buffer");
    }

    #[test]
    fn blocking_copy_copies_with_any_buffer() {
        for buffer in [1, 1000, 64 << 10] {
            let (mut a, mut b) = code::testing::connected_pair().unwrap();
            let (mut c, mut d) = code::testing::connected_pair().unwrap();
            let data: Vec<u8> = (0..100_000).map(|i| (i % 251) as u8).collect();
            let sending = {
                let data = data.clone();
                thread::spawn(move || {
                    a.write_all(&data).unwrap();
                    a.shutdown(Shutdown::Write).unwrap();
                })
            };
            let copied = blocking_copy(&mut b, &mut c, buffer).unwrap();
            drop(c);
            let mut received = Vec::new();
            d.read_to_end(&mut received).unwrap();
            sending.join().unwrap();
            assert_eq!(
                copied,
                data.len() as u64,
                "the count with a buffer of {buffer}"
            );
            assert!(received == data, "other bytes with a buffer of {buffer}");
        }
    }

    #[test]
    fn the_sink_is_waited_for_until_it_ends_or_the_copy_is_stuck() {
        let short = Duration::from_millis(200);
        let (done, result) = mpsc::channel();
        let arrived = Arc::new(AtomicU64::new(10));
        let wait = |bytes| wait_for_the_sink(&result, &arrived, bytes, short, 2 * short);
        assert!(
            matches!(wait(10), Err(Stuck::AtTheEnd)),
            "all bytes there, no end"
        );
        assert!(
            matches!(wait(20), Err(Stuck::OnTheWay(10))),
            "half the bytes there, then nothing"
        );
        // Bytes that keep coming, for longer than the stall limit in all,
        // and the end a while after the last of them: waited for.
        let (long_return, long_stall) = (Duration::from_secs(1), Duration::from_secs(2));
        let feeding = thread::spawn({
            let (done, arrived) = (done.clone(), Arc::clone(&arrived));
            move || {
                for _ in 0..10 {
                    thread::sleep(long_stall / 8);
                    arrived.fetch_add(1, Ordering::Relaxed);
                }
                thread::sleep(long_return / 3);
                done.send(Ok(20)).unwrap();
            }
        });
        assert!(
            matches!(
                wait_for_the_sink(&result, &arrived, 20, long_return, long_stall),
                Ok(Ok(20))
            ),
            "a sink that is slow but goes on, and ends soon after the last byte, is waited for"
        );
        feeding.join().unwrap();
        done.send(Ok(20)).unwrap();
        assert!(matches!(wait(20), Ok(Ok(20))), "the sink's own result");
        drop(done);
        assert!(
            matches!(wait(20), Ok(Err(_))),
            "a sink that ended without a result"
        );
    }

    /// Copies the first half of what comes, reads the rest to its end
    /// (so the sender's writes succeed), and counts the half.
    fn halving_proxy(
        sink: SocketAddr,
        ready: mpsc::Sender<SocketAddr>,
        _buffer: usize,
    ) -> io::Result<Copied> {
        proxy_on_code(sink, ready, async |from, to| {
            let mut half = vec![0; SMALL as usize / 2];
            code::io::read_exact(from, &mut half).await?;
            code::io::write_all(to, &half).await?;
            let mut rest = vec![0; 8192];
            while std::future::poll_fn(|cx| from.poll_read(cx, &mut rest)).await? > 0 {}
            Ok(half.len() as u64)
        })
    }

    #[test]
    fn measure_says_when_copy_returned_early() {
        let hint = "did copy return before a read returned Ok(0)?";
        for (proxy, early) in [
            (halving_proxy as Proxy, true),
            (lossy_proxy, false),
            (miscounting_proxy, false),
        ] {
            let result = code::testing::within(LIMIT, "measure did not finish", move || {
                measure(SMALL, proxy, STD_BUFFER).map(|m| m.took)
            });
            let error = result.expect_err("measure accepted a wrong count of bytes");
            assert_eq!(
                error.to_string().contains(hint),
                early,
                "whether the error asks if copy returned early: {error}"
            );
        }
    }

    #[test]
    fn measure_stops_a_copy_that_does_not_return_at_the_end() {
        let result = code::testing::within(LIMIT, "measure did not finish", || {
            measure(SMALL, late_proxy, STD_BUFFER).map(|m| m.took)
        });
        let error = result.expect_err("measure accepted a copy that never returned");
        assert!(
            error.to_string().contains("did not return within"),
            "measure's error should say that copy did not return, got: {error}"
        );
    }

    #[test]
    fn measure_refuses_a_proxy_that_miscounts_or_loses_bytes() {
        for (proxy, says) in [
            (miscounting_proxy as Proxy, "copy returned 262145"),
            (lossy_proxy, "the sink received 261144"),
        ] {
            let result = code::testing::within(LIMIT, "measure did not finish", move || {
                measure(SMALL, proxy, STD_BUFFER).map(|m| m.took)
            });
            let error = result.expect_err("measure accepted a wrong count of bytes");
            assert!(
                error.to_string().contains(says),
                "measure's error should say what went wrong ({says}), got: {error}"
            );
        }
    }

    #[test]
    fn run_reports_both_rates_and_their_ratio() {
        let report = code::testing::within(LIMIT, "run did not finish", || {
            let mut out = Vec::new();
            run(SMALL, reference_proxy, &mut out).map(|()| String::from_utf8(out).unwrap())
        })
        .unwrap_or_else(|e| panic!("run failed: {e}"));
        assert!(
            report.contains("copying 256 KiB per run"),
            "the report does not say the size: {report}"
        );
        assert!(
            report.contains("too short to measure well"),
            "the report does not say that 256 KiB is too short a run: {report}"
        );
        assert!(
            report.contains("reads up to 8 KiB at a time, and so does the blocking copy"),
            "the report does not say the buffers: {report}"
        );
        // The last word of each line of results, as a number.
        let number = |label: &str| -> f64 {
            let line = report
                .lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap_or_else(|| panic!("no `{label}` line in the report: {report}"));
            let words: Vec<&str> = line.split_whitespace().collect();
            let number = if line.ends_with("MB/s") {
                words[words.len() - 2]
            } else {
                words[words.len() - 1]
            };
            number.parse().unwrap()
        };
        let (fast, slow, ratio) = (number("async copy"), number("blocking"), number("ratio"));
        assert!(fast > 0.0 && slow > 0.0, "a rate is not positive: {report}");
        // The printed rates are rounded to 0.1, the ratio to 0.01.
        let expected = fast / slow;
        assert!(
            (ratio - expected).abs() <= 0.01 + expected * 0.01,
            "the ratio {ratio} is not async / blocking ({expected:.3}): {report}"
        );
        let failed = code::testing::within(LIMIT, "run did not finish", || {
            run(SMALL, miscounting_proxy, &mut Vec::new())
        });
        assert!(
            failed.is_err(),
            "run reported a proxy that miscounts as fine"
        );
    }
}
