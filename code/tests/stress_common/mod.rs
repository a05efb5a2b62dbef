//! Helpers shared by the stress tests (`stress_*.rs`): a byte pattern that
//! shows lost or reordered data, a small deterministic PRNG, socket set-up,
//! a stream wrapper that records when a task parks, and child processes.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use code::io::{AsyncRead, AsyncWrite, read_exact, write_all};
use code::net::AsyncTcpStream;
use code::reactor::Direction;

// ---------------------------------------------------------------------------
// Data that shows loss and reordering

/// splitmix64: one well-mixed word per (seed, index).
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills `buf` with the bytes at positions `offset..` of the stream named by
/// `seed`. Every position has its own pseudo-random byte, so a lost,
/// duplicated or reordered chunk shows up as a mismatch.
pub fn fill(seed: u64, offset: u64, buf: &mut [u8]) {
    // Byte `pos` is byte `pos % 8` of word `pos / 8`. Bytes up to the next
    // multiple of 8 one by one, then whole words (fast even unoptimized).
    let head = ((8 - offset % 8) % 8).min(buf.len() as u64) as usize;
    let (head_bytes, rest) = buf.split_at_mut(head);
    for (pos, byte) in (offset..).zip(head_bytes) {
        *byte = mix(seed, pos / 8).to_le_bytes()[(pos % 8) as usize];
    }
    let first_word = (offset + head as u64) / 8;
    let whole_words = (rest.len() / 8) as u64;
    let mut words = rest.chunks_exact_mut(8);
    for (index, chunk) in (first_word..).zip(&mut words) {
        chunk.copy_from_slice(&mix(seed, index).to_le_bytes());
    }
    let tail = words.into_remainder();
    let tail_word = mix(seed, first_word + whole_words).to_le_bytes();
    tail.copy_from_slice(&tail_word[..tail.len()]);
}

/// Checks that `buf` holds the bytes at `offset..` of stream `seed`; on a
/// mismatch, says where.
pub fn check(seed: u64, offset: u64, buf: &[u8]) -> Result<(), String> {
    let mut expected = vec![0; buf.len()];
    fill(seed, offset, &mut expected);
    match buf.iter().zip(&expected).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(i) => Err(format!(
            "byte {} of the stream is wrong: data was lost, duplicated or reordered",
            offset + i as u64
        )),
    }
}

/// A small deterministic PRNG (splitmix64), so every run draws the same
/// sizes and a failure can be reproduced.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(0x5EED, self.0)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

// ---------------------------------------------------------------------------
// Sockets

/// A connected pair: our async end, and a blocking std end for the peer.
pub fn pair() -> (AsyncTcpStream, std::net::TcpStream) {
    let (ours, peer) = std_pair();
    (AsyncTcpStream::from_std(ours).unwrap(), peer)
}

/// Two connected std streams over loopback.
pub fn std_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Makes `close` send a reset (RST) instead of a normal close (FIN):
/// `SO_LINGER` on with a timeout of 0.
pub fn reset_on_close(stream: &std::net::TcpStream) {
    socket2::SockRef::from(stream)
        .set_linger(Some(Duration::ZERO))
        .expect("setsockopt(SO_LINGER)");
}

/// Makes sure this process may open `needed` files: raises the soft limit
/// (to at most 8192, for the tests running alongside). Raising it never
/// hurts the other tests. Panics, saying so, if the hard limit is too low.
///
/// Windows has no such per-process limit on sockets: nothing to do there.
#[cfg(not(unix))]
pub fn raise_fd_limit(_needed: u64) {}

/// See the other `raise_fd_limit`.
#[cfg(unix)]
pub fn raise_fd_limit(needed: u64) {
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        assert!(
            limit.rlim_max >= needed as libc::rlim_t,
            "this test needs {needed} open files, but the hard limit is {} (`ulimit -Hn`)",
            limit.rlim_max
        );
        let wanted = (needed.max(8192) as libc::rlim_t).min(limit.rlim_max);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

// ---------------------------------------------------------------------------
// Watching a task park

/// Where the tasks using a [`Watched`] stream are parked right now, and how
/// often they parked.
#[derive(Debug, Default)]
pub struct Parks {
    pub reading: Cell<bool>,
    pub writing: Cell<bool>,
    pub reads: Cell<usize>,
    pub writes: Cell<usize>,
}

impl Parks {
    fn record(&self, direction: Direction, pending: bool) {
        let (now, count) = match direction {
            Direction::Read => (&self.reading, &self.reads),
            Direction::Write => (&self.writing, &self.writes),
        };
        now.set(pending);
        if pending {
            count.set(count.get() + 1);
        }
    }
}

/// A shared stream that records in [`Parks`] each time a read or a write
/// returns `Pending` (the task parked) and each time it returns `Ready`.
#[derive(Clone)]
pub struct Watched {
    pub stream: Rc<AsyncTcpStream>,
    pub parks: Rc<Parks>,
}

impl Watched {
    pub fn new(stream: AsyncTcpStream) -> Watched {
        Watched {
            stream: Rc::new(stream),
            parks: Rc::default(),
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = self.stream.poll_read(cx, buf);
        self.parks.record(Direction::Read, poll.is_pending());
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = self.stream.poll_write(cx, buf);
        self.parks.record(Direction::Write, poll.is_pending());
        poll
    }
}

// ---------------------------------------------------------------------------
// Small async tools

/// Waits (on the runtime) until `condition` holds, checking every
/// millisecond. For test set-up only: "until the server task is parked".
pub async fn until(condition: impl Fn() -> bool) {
    while !condition() {
        code::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Writes the bytes `from..to` of stream `seed` in chunks of at most 64 KiB.
pub async fn write_pattern<W: AsyncWrite>(
    writer: &mut W,
    seed: u64,
    from: u64,
    to: u64,
) -> io::Result<()> {
    let mut chunk = vec![0; 64 << 10];
    let mut sent = from;
    while sent < to {
        let n = (to - sent).min(chunk.len() as u64) as usize;
        fill(seed, sent, &mut chunk[..n]);
        write_all(writer, &chunk[..n]).await?;
        sent += n as u64;
    }
    Ok(())
}

/// Reads until end of stream, checking every byte against stream `seed`
/// from position `from` on; returns the position reached (`from` plus the
/// number of bytes read).
pub async fn read_pattern<R: AsyncRead>(reader: &mut R, seed: u64, from: u64) -> io::Result<u64> {
    let mut buf = vec![0; 64 << 10];
    let mut got = from;
    loop {
        let n = std::future::poll_fn(|cx| reader.poll_read(cx, &mut buf)).await?;
        if n == 0 {
            return Ok(got);
        }
        check(seed, got, &buf[..n]).map_err(io::Error::other)?;
        got += n as u64;
    }
}

/// One echo client: connects, waits at `gate` until every client is
/// connected, then sends `len` bytes of stream `seed` (from a task of its
/// own, so sending and receiving overlap), shuts down its write side, and
/// checks that exactly those bytes come back, in order, before EOF.
///
/// Before the gate it echoes the first byte alone: that proves the server
/// has accepted the connection, so the caller can start the next clients
/// without overflowing the listen backlog (128 in mio, as in std; a connect
/// beyond it is dropped and retried by TCP a second or more later).
pub async fn echo_client(addr: SocketAddr, seed: u64, len: u64, gate: Gate) -> io::Result<()> {
    let stream = Rc::new(AsyncTcpStream::connect(addr).await?);
    let first = len.min(1);
    if first == 1 {
        let mut byte = [0];
        fill(seed, 0, &mut byte);
        write_all(&mut &*stream, &byte).await?;
        read_exact(&mut &*stream, &mut byte).await?;
        check(seed, 0, &byte).map_err(io::Error::other)?;
    }
    gate.arrive_and_wait().await;
    let writer = code::spawn({
        let stream = Rc::clone(&stream);
        async move {
            write_pattern(&mut &*stream, seed, first, len).await?;
            stream.shutdown(std::net::Shutdown::Write)
        }
    });
    let got = read_pattern(&mut &*stream, seed, first).await?;
    writer.await?;
    if got != len {
        return Err(io::Error::other(format!(
            "sent {len} bytes, {got} came back"
        )));
    }
    Ok(())
}

/// A barrier for tasks on one runtime: `arrive_and_wait` returns once
/// `count` tasks have arrived (so all clients are connected at the same time).
#[derive(Clone)]
pub struct Gate(Rc<RefCell<GateState>>);

struct GateState {
    count: usize,
    missing: usize,
    waiting: Vec<Waker>,
}

impl Gate {
    pub fn new(count: usize) -> Gate {
        Gate(Rc::new(RefCell::new(GateState {
            count,
            missing: count,
            waiting: Vec::new(),
        })))
    }

    /// How many tasks have arrived so far.
    pub fn arrived(&self) -> usize {
        let state = self.0.borrow();
        state.count - state.missing
    }

    pub async fn arrive_and_wait(&self) {
        {
            let mut state = self.0.borrow_mut();
            state.missing = state.missing.saturating_sub(1);
            if state.missing == 0 {
                state.waiting.drain(..).for_each(Waker::wake);
            }
        }
        std::future::poll_fn(|cx| {
            let mut state = self.0.borrow_mut();
            if state.missing == 0 {
                Poll::Ready(())
            } else {
                state.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// A flag that another thread raises to end a runtime's `block_on`
/// (the `stop` future completes once it is raised).
#[derive(Clone, Default)]
pub struct Stop(Arc<Mutex<(bool, Option<Waker>)>>);

impl Stop {
    pub fn raise(&self) {
        let mut state = self.0.lock().unwrap();
        state.0 = true;
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }

    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Child processes

/// The environment variable that tells a test binary it runs as a child.
pub const CHILD_ROLE: &str = "CODE_STRESS_CHILD";

/// The role this process was started for, if it is a child.
pub fn child_role() -> Option<String> {
    std::env::var(CHILD_ROLE).ok()
}

/// In a child: exits when the parent closes our stdin (or dies), so a child
/// never outlives the test that started it.
pub fn exit_when_parent_leaves() {
    thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = io::Read::read_to_end(&mut io::stdin(), &mut sink);
        std::process::exit(0);
    });
}

/// A copy of this test binary running one test (`name`) as a child, in
/// `role`. Its stdout and stderr lines arrive on a channel. Dropping it
/// kills the child.
pub struct Child {
    pub process: std::process::Child,
    lines: mpsc::Receiver<String>,
    /// Every line seen so far, for error messages.
    pub seen: Vec<String>,
}

impl Child {
    pub fn start(name: &str, role: &str) -> Child {
        let mut process = Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads=1", "-q"])
            .env(CHILD_ROLE, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("could not start the test binary as a child");
        let (tx, lines) = mpsc::channel();
        // Drain both pipes all the time: a child that prints to a full pipe
        // would block its whole runtime thread.
        let stdout = process.stdout.take().unwrap();
        let stderr = process.stderr.take().unwrap();
        for (pipe, tag) in [
            (Box::new(stdout) as Box<dyn io::Read + Send>, "out"),
            (Box::new(stderr), "err"),
        ] {
            let tx = tx.clone();
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(format!("{tag}: {line}")).is_err() {
                        break;
                    }
                }
            });
        }
        Child {
            process,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits up to `limit` for a line containing `needle`; returns it.
    pub fn wait_for(&mut self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "the child never printed `{needle}` within {limit:?}; it printed:\n{}",
                    self.tail()
                ),
            }
        }
    }

    /// Every line that arrived since the last call, without waiting.
    pub fn drain(&mut self) -> Vec<String> {
        let new: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(new.iter().cloned());
        new
    }

    /// The last lines the child printed.
    pub fn tail(&self) -> String {
        let start = self.seen.len().saturating_sub(20);
        self.seen[start..].join("\n")
    }

    /// The child's address line `ADDR <addr>`.
    pub fn addr(&mut self) -> SocketAddr {
        let line = self.wait_for("ADDR ", Duration::from_secs(10));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    /// CPU time (user + system) the child has used so far. Linux only (it
    /// reads `/proc`).
    #[cfg(target_os = "linux")]
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.process.id())).unwrap();
        // Fields after the command name (which may contain spaces) are
        // space-separated; utime and stime are fields 14 and 15.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis(ticks * 1000 / per_second)
    }

    /// A `Vm...` value of the child's `/proc/PID/status`, in KiB. Linux only.
    #[cfg(target_os = "linux")]
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.process.id())).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
