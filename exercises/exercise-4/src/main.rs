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
//! ```text
//! cargo run --release -p exercise-4            # 256 MiB per run
//! cargo run --release -p exercise-4 -- 1024    # 1024 MiB per run
//! ```
//!
//! It is given, not part of the exercise: it runs once your `copy` works.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use code::net::{AsyncTcpListener, AsyncTcpStream};

/// MiB per run unless the command line says otherwise. Less measures the
/// set-up more than the copying: 1 MiB crosses loopback in about a millisecond.
const DEFAULT_MIB: u64 = 256;

/// The most the command line may ask for, so a typo cannot run for an hour.
const MAX_MIB: u64 = 16 * 1024;

/// Runs per proxy, as the chapter advises (at least five); the median is
/// reported, so one slow run does not count.
const RUNS: usize = 5;

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
    // A short warm-up of each, so neither pays for cold caches.
    measure(warm_up(bytes), proxy)?;
    measure(warm_up(bytes), blocking_proxy)?;
    let mut async_rates = Vec::new();
    let mut blocking_rates = Vec::new();
    for _ in 0..RUNS {
        // Interleaved, so a change in the machine's load hits both.
        async_rates.push(rate(bytes, measure(bytes, proxy)?));
        blocking_rates.push(rate(bytes, measure(bytes, blocking_proxy)?));
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
/// program's own tests copy less than a MiB).
fn size(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
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

/// A proxy: started on its own thread, it reports the address it listens
/// on, takes one connection, copies it to `sink`, and returns the count.
type Proxy = fn(SocketAddr, mpsc::Sender<SocketAddr>) -> io::Result<u64>;

/// Sends `bytes` through `proxy` to a sink; returns the time from the first
/// byte sent to the last byte received, after checking the counts.
fn measure(bytes: u64, proxy: Proxy) -> io::Result<Duration> {
    let sink = TcpListener::bind("127.0.0.1:0")?;
    let sink_addr = sink.local_addr()?;
    let sink = thread::spawn(move || -> io::Result<u64> {
        let (conn, _) = sink.accept()?;
        io::copy(&mut &conn, &mut io::sink())
    });
    let (addr_tx, addr_rx) = mpsc::channel();
    let proxy = thread::spawn(move || proxy(sink_addr, addr_tx));
    let proxy_addr = addr_rx
        .recv()
        .map_err(|_| io::Error::other("the proxy ended before it listened"))?;

    let sender = TcpStream::connect(proxy_addr)?;
    let start = Instant::now();
    let sent = send(&sender, bytes);
    let received = join(sink);
    let took = start.elapsed();
    // The proxy's result first: if `copy` failed (or panicked: it is
    // re-raised here), that is the news, not the broken pipe it left behind.
    let copied = join(proxy)?;
    sent?;
    let received = received?;
    if copied != bytes || received != bytes {
        return Err(io::Error::other(format!(
            "sent {bytes} bytes, but copy returned {copied} and the sink received {received}"
        )));
    }
    Ok(took)
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

/// The proxy under test: `exercise_4::copy` on the `code` runtime.
fn async_proxy(sink: SocketAddr, ready: mpsc::Sender<SocketAddr>) -> io::Result<u64> {
    proxy_on_code(sink, ready, exercise_4::copy)
}

/// A proxy on the `code` runtime that copies with `copy`.
fn proxy_on_code(
    sink: SocketAddr,
    ready: mpsc::Sender<SocketAddr>,
    copy: impl AsyncFnOnce(&mut AsyncTcpStream, &mut AsyncTcpStream) -> io::Result<u64>,
) -> io::Result<u64> {
    code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let _ = ready.send(listener.local_addr()?);
        let (mut inbound, _) = listener.accept().await?;
        let mut outbound = AsyncTcpStream::connect(sink).await?;
        // Dropping `outbound` when this returns sends the sink its EOF.
        copy(&mut inbound, &mut outbound).await
    })
}

/// The baseline: one thread with blocking `std::io::copy`.
fn blocking_proxy(sink: SocketAddr, ready: mpsc::Sender<SocketAddr>) -> io::Result<u64> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let _ = ready.send(listener.local_addr()?);
    let (mut inbound, _) = listener.accept()?;
    let mut outbound = TcpStream::connect(sink)?;
    io::copy(&mut inbound, &mut outbound)
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
    fn reference_proxy(sink: SocketAddr, ready: mpsc::Sender<SocketAddr>) -> io::Result<u64> {
        proxy_on_code(sink, ready, code::io::copy)
    }

    /// Copies every byte but says it copied one more.
    fn miscounting_proxy(sink: SocketAddr, ready: mpsc::Sender<SocketAddr>) -> io::Result<u64> {
        reference_proxy(sink, ready).map(|n| n + 1)
    }

    /// Throws the first 1000 bytes away, but counts them as copied.
    fn lossy_proxy(sink: SocketAddr, ready: mpsc::Sender<SocketAddr>) -> io::Result<u64> {
        proxy_on_code(sink, ready, async |from, to| {
            let mut lost = [0; 1000];
            code::io::read_exact(from, &mut lost).await?;
            Ok(code::io::copy(from, to).await? + lost.len() as u64)
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
    }

    #[test]
    fn measure_times_a_copy_through_either_proxy() {
        for proxy in [reference_proxy as Proxy, blocking_proxy] {
            let took = code::testing::within(
                LIMIT,
                "measure did not finish: does the sender shut down its side when it is done?",
                move || measure(SMALL, proxy),
            );
            let took = took.unwrap_or_else(|e| panic!("measure failed: {e}"));
            assert!(took > Duration::ZERO, "measure took no time at all");
        }
    }

    #[test]
    fn measure_refuses_a_proxy_that_miscounts_or_loses_bytes() {
        for (proxy, says) in [
            (miscounting_proxy as Proxy, "copy returned 262145"),
            (lossy_proxy, "the sink received 261144"),
        ] {
            let result = code::testing::within(LIMIT, "measure did not finish", move || {
                measure(SMALL, proxy)
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
