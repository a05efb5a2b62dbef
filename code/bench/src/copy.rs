//! The copy benchmark: a sender → a proxy that copies → a sink.
//!
//! The sender and the sink are plain blocking threads, the same in every
//! case; only the proxy in the middle changes. It is one thread that reads
//! from one TCP connection and writes to another, with one of:
//! - `code::io::copy` (8 KiB) or `copy_with_buffer` (64 KiB) on `code::block_on`;
//! - blocking `std::io::copy` (8 KiB, std's own buffer), or `std::io::copy`
//!   from a `BufReader` of 64 KiB (std then reads and writes through that buffer);
//! - tokio's `io::copy` (8 KiB) or `io::copy_buf` from a 64 KiB `BufReader`,
//!   on a current_thread runtime.
//!
//! The clock starts when all three are connected and ready, and stops when
//! the sink has seen end of stream, so it measures the bytes' whole trip.

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use code::net::AsyncTcpStream;
use code::trace::{Event, Op, Outcome, Trace};

use crate::Config;
use crate::util::{LOOPBACK, join_within, measure_rounds, spawn_named, thread_cpu_seconds};

/// The sender's writes and the sink's reads: large, so that the two ends cost
/// little and the proxy is what we measure.
pub const END_BUFFER: usize = 64 * 1024;

/// The proxy's buffer sizes: std's and tokio's default, and a large one.
pub const BUFFERS: [usize; 2] = [8 * 1024, 64 * 1024];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    Code,
    Std,
    Tokio,
}

impl Proxy {
    pub const ALL: [Proxy; 3] = [Proxy::Code, Proxy::Std, Proxy::Tokio];

    pub fn name(self) -> &'static str {
        match self {
            Proxy::Code => "code",
            Proxy::Std => "std threads",
            Proxy::Tokio => "tokio current_thread",
        }
    }

    /// A short name, for thread names and the CSV of runs.
    pub fn short(self) -> &'static str {
        match self {
            Proxy::Code => "code",
            Proxy::Std => "std",
            Proxy::Tokio => "tokio",
        }
    }

    /// How the proxy copies, for the table.
    pub fn how(self, buffer: usize) -> &'static str {
        match (self, buffer == BUFFERS[0]) {
            (Proxy::Code, true) => "code::io::copy",
            (Proxy::Code, false) => "code::io::copy_with_buffer",
            (Proxy::Std, true) => "std::io::copy",
            (Proxy::Std, false) => "std::io::copy from BufReader",
            (Proxy::Tokio, true) => "tokio::io::copy",
            (Proxy::Tokio, false) => "tokio::io::copy_buf from BufReader",
        }
    }
}

/// The measurements of one case.
#[derive(Debug, Clone)]
pub struct CopyResult {
    pub proxy: Proxy,
    pub buffer: usize,
    /// Seconds per run.
    pub seconds: Vec<f64>,
    /// CPU seconds the proxy thread used, per run.
    pub cpu: Vec<f64>,
    pub bytes: u64,
}

impl CopyResult {
    /// Throughput of every run, in bytes per second.
    pub fn rates(&self) -> Vec<f64> {
        self.seconds.iter().map(|s| self.bytes as f64 / s).collect()
    }
}

/// Runs every case: one warm-up run each, then `config.reps` rounds that
/// take the cases in turn, so slow phases of a busy machine hit them all.
pub fn run(config: &Config) -> io::Result<Vec<CopyResult>> {
    let mut results: Vec<CopyResult> = BUFFERS
        .iter()
        .flat_map(|&buffer| {
            Proxy::ALL.iter().map(move |&proxy| CopyResult {
                proxy,
                buffer,
                seconds: Vec::new(),
                cpu: Vec::new(),
                bytes: config.copy_bytes,
            })
        })
        .collect();
    measure_rounds(
        "copy",
        &mut results,
        Proxy::ALL.len(),
        config.reps,
        |result| run_once(result.proxy, result.buffer, config.copy_bytes),
        |result, elapsed, cpu| {
            result.seconds.push(elapsed.as_secs_f64());
            result.cpu.push(cpu);
        },
    )?;
    Ok(results)
}

/// What the `code` proxy did in one run, counted from its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCalls {
    pub buffer: usize,
    /// Reads the copy made, and how many of them returned `WouldBlock`.
    pub reads: usize,
    pub read_would_blocks: usize,
    /// Writes, and how many returned `WouldBlock`.
    pub writes: usize,
    pub write_would_blocks: usize,
    /// Times the executor had nothing to run and waited for events.
    pub waits: usize,
    /// Times the task used up its cooperative budget and yielded.
    pub budget_yields: usize,
}

impl CodeCalls {
    fn count(buffer: usize, trace: &Trace) -> CodeCalls {
        let calls = |op: Op| {
            let all = trace.events().iter().filter_map(|e| match e {
                Event::Io { op: o, outcome, .. } if *o == op => Some(outcome),
                _ => None,
            });
            let (mut n, mut would_block) = (0, 0);
            for outcome in all {
                n += 1;
                would_block += usize::from(*outcome == Outcome::WouldBlock);
            }
            (n, would_block)
        };
        let (reads, read_would_blocks) = calls(Op::Read);
        let (writes, write_would_blocks) = calls(Op::Write);
        CodeCalls {
            buffer,
            reads,
            read_would_blocks,
            writes,
            write_would_blocks,
            waits: trace.waits(),
            budget_yields: trace.budget_yields(),
        }
    }
}

/// One more run of the `code` proxy per buffer size, with its trace on:
/// not timed (recording costs a little), only counted.
pub fn count_code_calls(config: &Config) -> io::Result<Vec<CodeCalls>> {
    BUFFERS
        .iter()
        .map(|&buffer| {
            let (_, _, trace) = run_once_with(Proxy::Code, buffer, config.copy_bytes, true)?;
            let trace = trace.expect("a traced run returns its trace");
            Ok(CodeCalls::count(buffer, &trace))
        })
        .collect()
}

/// Pushes `bytes` through one proxy and returns how long it took, and the
/// CPU time the proxy thread used.
fn run_once(proxy: Proxy, buffer: usize, bytes: u64) -> io::Result<(Duration, f64)> {
    let (elapsed, cpu, _) = run_once_with(proxy, buffer, bytes, false)?;
    Ok((elapsed, cpu))
}

/// [`run_once`], and if `traced`, the trace of the proxy's thread (only
/// `code` records events in it: for the others it is empty).
fn run_once_with(
    proxy: Proxy,
    buffer: usize,
    bytes: u64,
    traced: bool,
) -> io::Result<(Duration, f64, Option<Trace>)> {
    // Connect everything first: sender → proxy_in, proxy_out → sink.
    let proxy_listener = TcpListener::bind(LOOPBACK)?;
    let sink_listener = TcpListener::bind(LOOPBACK)?;
    let sender = TcpStream::connect(proxy_listener.local_addr()?)?;
    let (proxy_in, _) = proxy_listener.accept()?;
    let proxy_out = TcpStream::connect(sink_listener.local_addr()?)?;
    let (sink, _) = sink_listener.accept()?;

    // The proxy and the sender wait here until everything is set up; the
    // clock starts when the main thread passes it too.
    let start = Arc::new(Barrier::new(3));
    let proxy_thread = {
        let start = Arc::clone(&start);
        spawn_named(
            &format!("proxy {} {}k", proxy.short(), buffer / 1024),
            move || {
                let run = || run_proxy(proxy, buffer, proxy_in, proxy_out, &start);
                // The trace is this thread's, and `code::block_on` runs the
                // proxy on this thread: it sees every call of the copy.
                let (copied, trace) = if traced {
                    let (copied, trace) = code::trace::record(run);
                    (copied?, Some(trace))
                } else {
                    (run()?, None)
                };
                Ok((copied, thread_cpu_seconds(), trace))
            },
        )?
    };
    let sink_thread = spawn_named("sink", move || drain(sink))?;
    let sender_thread = {
        let start = Arc::clone(&start);
        spawn_named("sender", move || send(sender, bytes, &start))?
    };
    start.wait();
    let started = Instant::now();
    let limit = Duration::from_secs(120);
    let received = join_within(sink_thread, limit, "the copy sink")?;
    let elapsed = started.elapsed();
    join_within(sender_thread, limit, "the copy sender")?;
    let (copied, cpu, trace) = join_within(proxy_thread, limit, "the copy proxy")?;
    if received != bytes || copied != bytes {
        return Err(io::Error::other(format!(
            "{} proxy: sent {bytes} bytes, proxy copied {copied}, sink received {received}",
            proxy.name()
        )));
    }
    Ok((elapsed, cpu, trace))
}

fn send(mut stream: TcpStream, bytes: u64, start: &Barrier) -> io::Result<()> {
    let chunk = vec![0xA5u8; END_BUFFER];
    start.wait();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(END_BUFFER as u64) as usize;
        stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    stream.shutdown(Shutdown::Write)
}

fn drain(mut stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; END_BUFFER];
    let mut received = 0u64;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(received),
            Ok(n) => received += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Copies everything from `input` to `output`, then closes `output` so the
/// sink sees end of stream.
fn run_proxy(
    proxy: Proxy,
    buffer: usize,
    input: TcpStream,
    output: TcpStream,
    start: &Barrier,
) -> io::Result<u64> {
    match proxy {
        Proxy::Code => code::block_on(async {
            let input = AsyncTcpStream::from_std(input)?;
            let output = AsyncTcpStream::from_std(output)?;
            start.wait();
            if buffer == code::io::COPY_BUFFER_SIZE {
                code::io::copy(&mut &input, &mut &output).await
            } else {
                code::io::copy_with_buffer(&mut &input, &mut &output, &mut vec![0; buffer]).await
            }
        }),
        Proxy::Std => {
            let mut output = output;
            start.wait();
            if buffer == BUFFERS[0] {
                io::copy(&mut &input, &mut output)
            } else {
                io::copy(&mut BufReader::with_capacity(buffer, input), &mut output)
            }
        }
        Proxy::Tokio => {
            let runtime = crate::util::tokio_runtime()?;
            runtime.block_on(async {
                input.set_nonblocking(true)?;
                output.set_nonblocking(true)?;
                let mut input = tokio::net::TcpStream::from_std(input)?;
                let mut output = tokio::net::TcpStream::from_std(output)?;
                start.wait();
                if buffer == BUFFERS[0] {
                    tokio::io::copy(&mut input, &mut output).await
                } else {
                    let mut input = tokio::io::BufReader::with_capacity(buffer, input);
                    tokio::io::copy_buf(&mut input, &mut output).await
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use code::mio::{Interest, Token};

    #[test]
    fn calls_are_counted_from_the_trace() {
        let io = |op, outcome| Event::io(Token(3), op, outcome);
        let trace = Trace::from(vec![
            io(Op::Read, Outcome::Ok(10)),
            io(Op::Read, Outcome::WouldBlock),
            Event::stored(Token(3), Interest::READABLE, None),
            Event::wait_begun(None),
            Event::wait_begun(Some(Duration::ZERO)), // a look, not a wait
            io(Op::Read, Outcome::Ok(5)),
            io(Op::Write, Outcome::Ok(15)),
            io(Op::Write, Outcome::Err(io::ErrorKind::BrokenPipe)),
            Event::budget_used_up(Token(3), None),
        ]);
        assert_eq!(
            CodeCalls::count(8192, &trace),
            CodeCalls {
                buffer: 8192,
                reads: 3,
                read_would_blocks: 1,
                writes: 2,
                write_would_blocks: 0,
                waits: 1,
                budget_yields: 1,
            }
        );
    }
}
