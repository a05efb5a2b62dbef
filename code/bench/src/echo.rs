//! The echo benchmark: C clients, each doing M request/response round trips
//! (a 64-byte message out, the same 64 bytes back) against an echo server.
//!
//! The servers differ; the clients are the same for all of them: one tokio
//! current_thread runtime on the main thread, one task per client. Each
//! server handles exactly C connections, echoing each with its own copy
//! (`code::io::copy`, `tokio::io::copy`, `std::io::copy`), and ends when
//! the clients have closed them all.
//!
//! The clock starts after all C clients are connected (and each has made one
//! round trip, to check it) and stops when the last one has received its last
//! reply.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use code::net::{AsyncTcpListener, AsyncTcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Config;
use crate::util::{
    LOOPBACK, join_within, measure_rounds, spawn_named, thread_cpu_seconds, tokio_runtime,
};

/// Bytes in one request (and in its reply).
pub const MESSAGE: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Code,
    Tokio,
    StdThreads,
}

impl Server {
    pub const ALL: [Server; 3] = [Server::Code, Server::Tokio, Server::StdThreads];

    pub fn name(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio current_thread",
            Server::StdThreads => "std thread per connection",
        }
    }

    /// A short name, for thread names and the CSV of runs.
    pub fn short(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio",
            Server::StdThreads => "std",
        }
    }
}

/// The measurements of one case.
#[derive(Debug, Clone)]
pub struct EchoResult {
    pub server: Server,
    pub clients: usize,
    pub round_trips: usize,
    /// Seconds per run.
    pub seconds: Vec<f64>,
    /// CPU seconds the server used (all its threads), per run.
    pub cpu: Vec<f64>,
}

impl EchoResult {
    /// Round trips per second of every run.
    pub fn rates(&self) -> Vec<f64> {
        let total = (self.clients * self.round_trips) as f64;
        self.seconds.iter().map(|s| total / s).collect()
    }
}

/// Runs every case: a warm-up run each, then `config.reps` rounds.
pub fn run(config: &Config) -> io::Result<Vec<EchoResult>> {
    let mut results: Vec<EchoResult> = config
        .echo_cases
        .iter()
        .flat_map(|&(clients, round_trips)| {
            Server::ALL.iter().map(move |&server| EchoResult {
                server,
                clients,
                round_trips,
                seconds: Vec::new(),
                cpu: Vec::new(),
            })
        })
        .collect();
    measure_rounds(
        "echo",
        &mut results,
        Server::ALL.len(),
        config.reps,
        |result| run_once(result.server, result.clients, result.round_trips),
        |result, elapsed, cpu| {
            result.seconds.push(elapsed.as_secs_f64());
            result.cpu.push(cpu);
        },
    )?;
    Ok(results)
}

/// Runs one case; returns the clients' time and the server's CPU time.
fn run_once(server: Server, clients: usize, round_trips: usize) -> io::Result<(Duration, f64)> {
    let (ready, addr) = mpsc::channel();
    let server_thread = spawn_named(&format!("echo {}", server.short()), move || match server {
        Server::Code => serve_code(clients, ready),
        Server::Tokio => serve_tokio(clients, ready),
        Server::StdThreads => serve_std(clients, ready),
    })?;
    let addr = addr.recv_timeout(Duration::from_secs(10)).map_err(|_| {
        io::Error::other(format!("the {} echo server did not start", server.name()))
    })??;
    let elapsed = drive_clients(addr, clients, round_trips);
    // If the clients failed, their sockets are closed by now, so the server
    // sees every connection end and stops; `join_within` bounds the wait.
    let served = join_within(server_thread, Duration::from_secs(60), "the echo server");
    let elapsed = elapsed?;
    Ok((elapsed, served?))
}

/// Connects `clients` clients, then runs their round trips and times them.
fn drive_clients(addr: SocketAddr, clients: usize, round_trips: usize) -> io::Result<Duration> {
    let runtime = tokio_runtime()?;
    runtime.block_on(async {
        let limit = Duration::from_secs(120);
        tokio::time::timeout(limit, async {
            let (streams, errors) = connect_checked(addr, clients).await?;
            if let Some(error) = errors.first() {
                return Err(io::Error::other(format!(
                    "{} of {clients} clients could not connect; the first: {error}",
                    errors.len()
                )));
            }
            let started = Instant::now();
            let tasks: Vec<_> = streams
                .into_iter()
                .enumerate()
                .map(|(i, mut stream)| {
                    tokio::spawn(async move { client(&mut stream, i, round_trips).await })
                })
                .collect();
            for task in tasks {
                task.await.map_err(io::Error::other)??;
            }
            Ok(started.elapsed())
        })
        .await
        .map_err(|_| io::Error::other(format!("echo clients did not finish within {limit:?}")))?
    })
}

/// Connections opened before the client waits for the server to answer
/// them all; well below the listen backlog (see `connect_checked`).
const CONNECT_BATCH: usize = 64;

/// Opens `count` connections to `addr`, each checked with one round trip, and
/// returns those that worked and what went wrong with the others.
///
/// It goes in batches: connect a batch, then check each of its connections.
/// A connect completes in the kernel before the server has accepted it, so a
/// client connecting nonstop runs ahead of the server, overflows its accept
/// queue (the listen backlog: 128 for the std, mio and tokio listeners here),
/// and a dropped connection attempt is retried only a second later. A batch
/// smaller than the backlog never gets that far ahead.
pub async fn connect_checked(
    addr: SocketAddr,
    count: usize,
) -> io::Result<(Vec<tokio::net::TcpStream>, Vec<String>)> {
    let limit = Duration::from_secs(5);
    let mut streams = Vec::with_capacity(count);
    let mut errors = Vec::new();
    let mut batch = Vec::with_capacity(CONNECT_BATCH);
    for i in 0..count {
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                stream.set_nodelay(true)?;
                batch.push((i, stream));
            }
            Ok(Err(e)) => errors.push(format!("connection {i}: connect failed: {e}")),
            Err(_) => errors.push(format!("connection {i}: connect took over {limit:?}")),
        }
        if batch.len() == CONNECT_BATCH || i + 1 == count {
            for (i, mut stream) in batch.drain(..) {
                match tokio::time::timeout(limit, client(&mut stream, i, 1)).await {
                    Ok(Ok(())) => streams.push(stream),
                    Ok(Err(e)) => errors.push(format!("connection {i}: round trip failed: {e}")),
                    Err(_) => errors.push(format!("connection {i}: no echo within {limit:?}")),
                }
            }
        }
    }
    Ok((streams, errors))
}

/// One client: `round_trips` times, send a message and read it back.
pub async fn client(
    stream: &mut tokio::net::TcpStream,
    id: usize,
    round_trips: usize,
) -> io::Result<()> {
    let mut request = [0u8; MESSAGE];
    let mut reply = [0u8; MESSAGE];
    for trip in 0..round_trips {
        // Different bytes each time, so a stale or mixed-up reply is caught.
        request[..8].copy_from_slice(&(id as u32).to_le_bytes().repeat(2));
        request[8..16].copy_from_slice(&(trip as u64).to_le_bytes());
        stream.write_all(&request).await?;
        stream.read_exact(&mut reply).await?;
        if reply != request {
            return Err(io::Error::other(format!(
                "client {id}, round trip {trip}: the reply differs from the request"
            )));
        }
    }
    Ok(())
}

/// Serves `clients` connections; returns the CPU seconds it used.
fn serve_code(clients: usize, ready: mpsc::Sender<io::Result<SocketAddr>>) -> io::Result<f64> {
    code::block_on(async move {
        let listener = match AsyncTcpListener::bind(LOOPBACK) {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready.send(Err(io::Error::new(e.kind(), e.to_string())));
                return Err(e);
            }
        };
        let _ = ready.send(listener.local_addr());
        let mut connections = Vec::with_capacity(clients);
        for _ in 0..clients {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            connections.push(code::spawn(echo_code(stream)));
        }
        for connection in connections {
            connection.await?;
        }
        Ok(thread_cpu_seconds())
    })
}

/// Echoes one connection on `code` until the client closes it.
pub async fn echo_code(stream: AsyncTcpStream) -> io::Result<u64> {
    code::io::copy(&mut &stream, &mut &stream).await
}

fn serve_tokio(clients: usize, ready: mpsc::Sender<io::Result<SocketAddr>>) -> io::Result<f64> {
    let runtime = tokio_runtime()?;
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(LOOPBACK).await {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready.send(Err(io::Error::new(e.kind(), e.to_string())));
                return Err(e);
            }
        };
        let _ = ready.send(listener.local_addr());
        let mut connections = Vec::with_capacity(clients);
        for _ in 0..clients {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            connections.push(tokio::spawn(echo_tokio(stream)));
        }
        for connection in connections {
            connection.await.map_err(io::Error::other)??;
        }
        Ok(thread_cpu_seconds())
    })
}

/// Echoes one connection on tokio until the client closes it.
pub async fn echo_tokio(mut stream: tokio::net::TcpStream) -> io::Result<u64> {
    let (mut reader, mut writer) = stream.split();
    tokio::io::copy(&mut reader, &mut writer).await
}

fn serve_std(clients: usize, ready: mpsc::Sender<io::Result<SocketAddr>>) -> io::Result<f64> {
    let listener = match TcpListener::bind(LOOPBACK) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = ready.send(Err(io::Error::new(e.kind(), e.to_string())));
            return Err(e);
        }
    };
    let _ = ready.send(listener.local_addr());
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        connections.push(spawn_named("echo std conn", move || {
            io::copy(&mut &stream, &mut &stream)?;
            Ok::<_, io::Error>(thread_cpu_seconds())
        })?);
    }
    let mut cpu = thread_cpu_seconds();
    for connection in connections {
        cpu += connection
            .join()
            .map_err(|_| io::Error::other("an echo thread panicked"))??;
    }
    Ok(cpu)
}
