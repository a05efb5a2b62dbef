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

/// Runs per proxy; the median is reported, so one slow run does not count.
const RUNS: usize = 3;

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
    if let Err(e) = run(mib) {
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

fn run(mib: u64) -> io::Result<()> {
    if cfg!(debug_assertions) {
        println!("note: a debug build is many times slower; add --release for real numbers");
    }
    if mib < DEFAULT_MIB {
        println!("note: below {DEFAULT_MIB} MiB a run is too short to measure well");
    }
    let bytes = mib << 20;
    println!(
        "copying {mib} MiB per run over loopback (sender -> proxy -> sink), median of {RUNS} runs"
    );
    // A short warm-up of each, so neither pays for cold caches.
    measure(bytes / 16 + 1, async_proxy)?;
    measure(bytes / 16 + 1, blocking_proxy)?;
    let mut async_rates = Vec::new();
    let mut blocking_rates = Vec::new();
    for _ in 0..RUNS {
        // Interleaved, so a change in the machine's load hits both.
        async_rates.push(rate(bytes, measure(bytes, async_proxy)?));
        blocking_rates.push(rate(bytes, measure(bytes, blocking_proxy)?));
    }
    let (async_rate, blocking_rate) = (median(async_rates), median(blocking_rates));
    println!("  async copy (exercise_4::copy on code)  {async_rate:>10.1} MB/s");
    println!("  blocking std::io::copy (a thread)      {blocking_rate:>10.1} MB/s");
    println!(
        "  ratio async / blocking                 {:>10.2}",
        async_rate / blocking_rate
    );
    Ok(())
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
    let sent = send(sender, bytes);
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

/// Writes `bytes` bytes to `sender`, then closes it so the proxy sees EOF.
fn send(mut sender: TcpStream, bytes: u64) -> io::Result<()> {
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
    code::block_on(async {
        let listener = AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap())?;
        let _ = ready.send(listener.local_addr()?);
        let (mut inbound, _) = listener.accept().await?;
        let mut outbound = AsyncTcpStream::connect(sink).await?;
        // Dropping `outbound` when this returns sends the sink its EOF.
        exercise_4::copy(&mut inbound, &mut outbound).await
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
}
