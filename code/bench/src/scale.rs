//! The scale benchmark: 10,000 connections held open at once by one echo
//! server, a tenth of them active; how much memory does each one cost?
//!
//! The server runs in a child process (this program, started again with
//! `--scale-server code|tokio`), so its resident memory (VmRSS) counts the
//! server alone, not the clients. The clients live here, on a tokio
//! current_thread runtime, the same for both servers:
//! 1. read the server's resident memory once it is listening;
//! 2. connect all the connections, and check each with one round trip;
//! 3. let `scale_active` of them make `scale_round_trips` round trips each,
//!    all at once, and time that;
//! 4. read the server's resident memory again, with every connection open.
//!
//! Memory per connection = (step 4 − step 1) / connections held. The kernel's
//! socket buffers are not in it: they are the same for both servers and are
//! not part of the process's resident memory.

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use code::net::AsyncTcpListener;

use crate::Config;
use crate::echo::{client, connect_checked, echo_code, echo_tokio};
use crate::util::{LOOPBACK, resident_bytes, thousands, tokio_runtime};

/// A child server that is never told to stop ends itself after this.
const CHILD_LIMIT: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Code,
    Tokio,
}

impl Server {
    pub const ALL: [Server; 2] = [Server::Code, Server::Tokio];

    pub fn from_name(name: &str) -> Option<Server> {
        match name {
            "code" => Some(Server::Code),
            "tokio" => Some(Server::Tokio),
            _ => None,
        }
    }

    /// The name on the child's command line.
    fn arg(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio current_thread",
        }
    }
}

/// One child server's numbers.
#[derive(Debug, Clone)]
pub struct ScaleRun {
    /// Connections that were open and answered a round trip.
    pub held: usize,
    /// Connections that failed to connect or to answer, and the first error.
    pub errors: usize,
    pub first_error: Option<String>,
    /// The server's resident memory when listening, and with every connection open.
    pub rss_before: u64,
    pub rss_loaded: u64,
    /// Seconds the active connections took for their round trips.
    pub active_seconds: f64,
}

impl ScaleRun {
    pub fn bytes_per_connection(&self) -> f64 {
        self.rss_loaded.saturating_sub(self.rss_before) as f64 / self.held.max(1) as f64
    }
}

/// The runs of one server.
#[derive(Debug, Clone)]
pub struct ScaleResult {
    pub server: Server,
    pub connections: usize,
    pub active: usize,
    pub round_trips: usize,
    pub runs: Vec<ScaleRun>,
}

impl ScaleResult {
    pub fn bytes_per_connection(&self) -> Vec<f64> {
        self.runs
            .iter()
            .map(ScaleRun::bytes_per_connection)
            .collect()
    }

    /// Round trips per second of the active connections, per run.
    pub fn rates(&self) -> Vec<f64> {
        let total = (self.active * self.round_trips) as f64;
        self.runs.iter().map(|r| total / r.active_seconds).collect()
    }

    pub fn errors(&self) -> usize {
        self.runs.iter().map(|r| r.errors).sum()
    }
}

/// Runs `config.scale_reps` fresh child servers of each kind, in turn.
pub fn run(config: &Config) -> io::Result<Vec<ScaleResult>> {
    let mut results: Vec<ScaleResult> = Server::ALL
        .iter()
        .map(|&server| ScaleResult {
            server,
            connections: config.scale_connections,
            active: config.scale_active,
            round_trips: config.scale_round_trips,
            runs: Vec::new(),
        })
        .collect();
    eprint!("scale: ");
    for _ in 0..config.scale_reps {
        for result in &mut results {
            result.runs.push(measure(result.server, config)?);
            eprint!(".");
        }
    }
    eprintln!();
    Ok(results)
}

/// Stops the child server when dropped: closing its stdin tells it to exit;
/// if it has not after a few seconds, it is killed.
struct ChildServer(Child);

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        for _ in 0..500 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn measure(server: Server, config: &Config) -> io::Result<ScaleRun> {
    let mut child = ChildServer(
        Command::new(std::env::current_exe()?)
            .args(["--scale-server", server.arg()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    let pid = child.0.id();
    let mut line = String::new();
    let stdout = child.0.stdout.take().expect("stdout is piped");
    BufReader::new(stdout).read_line(&mut line)?;
    let addr: SocketAddr = line.trim().parse().map_err(|_| {
        io::Error::other(format!(
            "the {} scale server printed `{}` instead of its address",
            server.name(),
            line.trim()
        ))
    })?;
    // Let the child settle (its threads start) before the first reading.
    thread::sleep(Duration::from_millis(200));
    let rss_before = resident_bytes(pid)?;

    let runtime = tokio_runtime()?;
    let held = runtime.block_on(hold(addr, config))?;
    let rss_loaded = resident_bytes(pid)?;
    drop(held.streams);
    drop(child);
    Ok(ScaleRun {
        held: held.count,
        errors: held.errors,
        first_error: held.first_error,
        rss_before,
        rss_loaded,
        active_seconds: held.active_seconds,
    })
}

struct Held {
    streams: Vec<tokio::net::TcpStream>,
    count: usize,
    errors: usize,
    first_error: Option<String>,
    active_seconds: f64,
}

/// Opens the connections, checks each, runs the active ones, and returns
/// them all still open.
async fn hold(addr: SocketAddr, config: &Config) -> io::Result<Held> {
    let mut errors = 0;
    let mut first_error = None;
    let mut failed = |what: String| {
        errors += 1;
        first_error.get_or_insert(what);
    };
    let started = Instant::now();
    let (mut streams, connect_errors) = connect_checked(addr, config.scale_connections).await?;
    for error in connect_errors {
        failed(error);
    }
    let opened = started.elapsed();

    // The active fraction: all at once, while every other connection idles.
    let active = config.scale_active.min(streams.len());
    let round_trips = config.scale_round_trips;
    let idle = streams.split_off(active);
    let started = Instant::now();
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, mut stream)| {
            tokio::spawn(async move {
                let result = client(&mut stream, i, round_trips).await;
                (stream, result)
            })
        })
        .collect();
    let mut streams = Vec::with_capacity(config.scale_connections);
    for task in tasks {
        let (stream, result) = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .map_err(|_| io::Error::other("active connections took over 60 s"))?
            .map_err(io::Error::other)?;
        match result {
            Ok(()) => streams.push(stream),
            Err(e) => failed(format!("active connection: {e}")),
        }
    }
    let active_seconds = started.elapsed().as_secs_f64();
    eprint!(
        "[{} opened and checked in {:.1} s, active phase {:.1} s] ",
        thousands(streams.len() as u64 + idle.len() as u64),
        opened.as_secs_f64(),
        active_seconds
    );
    streams.extend(idle);
    Ok(Held {
        count: streams.len(),
        streams,
        errors,
        first_error,
        active_seconds,
    })
}

/// The child process: an echo server that runs until its stdin closes.
pub fn serve(server: Server) -> ExitCode {
    thread::spawn(|| {
        // The parent closes our stdin when it is done (or when it dies).
        let _ = io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    thread::spawn(|| {
        thread::sleep(CHILD_LIMIT);
        eprintln!("bench scale server: not stopped after {CHILD_LIMIT:?}; exiting");
        std::process::exit(3);
    });
    let result = match server {
        Server::Code => serve_code(),
        Server::Tokio => serve_tokio(),
    };
    if let Err(e) = result {
        eprintln!("bench scale server ({}): {e}", server.name());
    }
    ExitCode::FAILURE
}

fn serve_code() -> io::Result<()> {
    code::block_on(async {
        let listener = AsyncTcpListener::bind(LOOPBACK)?;
        println!("{}", listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    stream.set_nodelay(true)?;
                    code::spawn(echo_code(stream));
                }
                Err(e) => {
                    // Out of descriptors, most likely: say so, pause, go on.
                    eprintln!("bench scale server (code): accept failed: {e}");
                    code::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}

fn serve_tokio() -> io::Result<()> {
    tokio_runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(LOOPBACK).await?;
        println!("{}", listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    stream.set_nodelay(true)?;
                    tokio::spawn(echo_tokio(stream));
                }
                Err(e) => {
                    eprintln!("bench scale server (tokio): accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}
