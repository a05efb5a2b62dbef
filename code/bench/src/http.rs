//! The HTTP benchmark: the same hyper service on `code` and on tokio's
//! current_thread runtime, and the server's CPU time per request.
//!
//! Both servers are hyper 1.x's HTTP/1.1 server with the service
//! `real_libs::http::echo`, a header read timeout (so each request also
//! starts and stops a timer), and the same adapter (`real_libs::hyper_io::
//! HyperIo`): on tokio it reads through `tokio_util::compat`, so what
//! differs is the runtime (its reactor, executor and timer), not the glue.
//! Each server is one thread and serves exactly C connections, then ends.
//!
//! The clients are the same for both: C std threads, each with one
//! keep-alive connection that makes M requests (`GET /bench/<client>/<n>`)
//! one after the other, and checks each response (status 200, the path as
//! body). The clock starts once every client has connected and made one
//! checked request, so a run's rate counts the `M - 1` requests after it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::{Arc, Barrier, mpsc};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use code::net::{AsyncTcpListener, AsyncTcpStream};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use real_libs::http::echo;
use real_libs::hyper_io::HyperIo;
use real_libs::timer::CodeTimer;
use tokio_util::compat::TokioAsyncReadCompatExt;

use crate::Config;
use crate::util::{
    LOOPBACK, join_within, measure_rounds, spawn_named, thread_cpu_seconds, tokio_runtime,
};

/// The header read timeout both servers run with: long enough never to fire
/// here, but each request head still arms and drops a timer.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Code,
    Tokio,
}

impl Server {
    pub const ALL: [Server; 2] = [Server::Code, Server::Tokio];

    pub fn name(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio current_thread",
        }
    }

    /// A short name, for thread names and the CSV of runs.
    pub fn short(self) -> &'static str {
        match self {
            Server::Code => "code",
            Server::Tokio => "tokio",
        }
    }
}

/// The measurements of one case.
#[derive(Debug, Clone)]
pub struct HttpResult {
    pub server: Server,
    pub clients: usize,
    pub requests: usize,
    /// Seconds per run.
    pub seconds: Vec<f64>,
    /// CPU seconds the server's thread used, per run.
    pub cpu: Vec<f64>,
}

impl HttpResult {
    /// Requests per second of every run. The clock runs from the moment
    /// every client has had its first answer, so it times each client's
    /// requests after the first: `requests - 1` of them.
    pub fn rates(&self) -> Vec<f64> {
        let timed = (self.clients * self.requests.saturating_sub(1)) as f64;
        self.seconds.iter().map(|s| timed / s).collect()
    }

    /// Server CPU seconds per request, of every run. The server thread's
    /// CPU time covers the whole run, every client's first request and the
    /// accepts included, so it is divided by all the requests.
    pub fn cpu_per_request(&self) -> Vec<f64> {
        let total = (self.clients * self.requests) as f64;
        self.cpu.iter().map(|c| c / total).collect()
    }
}

/// Runs both cases: a warm-up run each, then `config.reps` rounds.
pub fn run(config: &Config) -> io::Result<Vec<HttpResult>> {
    let (clients, requests) = config.http_case;
    let mut results: Vec<HttpResult> = Server::ALL
        .iter()
        .map(|&server| HttpResult {
            server,
            clients,
            requests,
            seconds: Vec::new(),
            cpu: Vec::new(),
        })
        .collect();
    measure_rounds(
        "http",
        &mut results,
        Server::ALL.len(),
        config.reps,
        |result| run_once(result.server, result.clients, result.requests),
        |result, elapsed, cpu| {
            result.seconds.push(elapsed.as_secs_f64());
            result.cpu.push(cpu);
        },
    )?;
    Ok(results)
}

/// Runs one case; returns the clients' time and the server's CPU time.
fn run_once(server: Server, clients: usize, requests: usize) -> io::Result<(Duration, f64)> {
    let (ready, addr) = mpsc::channel();
    let server_thread = spawn_named(&format!("http {}", server.short()), move || match server {
        Server::Code => serve_code(clients, ready),
        Server::Tokio => serve_tokio(clients, ready),
    })?;
    let addr = addr.recv_timeout(Duration::from_secs(10)).map_err(|_| {
        io::Error::other(format!("the {} HTTP server did not start", server.name()))
    })??;
    let elapsed = drive_clients(addr, clients, requests);
    // Failed clients have closed their connections, so the server ends too.
    let served = join_within(server_thread, Duration::from_secs(60), "the HTTP server");
    let elapsed = elapsed?;
    Ok((elapsed, served?))
}

/// Runs `clients` client threads; times their requests after the first.
fn drive_clients(addr: SocketAddr, clients: usize, requests: usize) -> io::Result<Duration> {
    // Every client, and this thread, meet here once connected and checked.
    let connected = Arc::new(Barrier::new(clients + 1));
    let threads = (0..clients)
        .map(|id| {
            let connected = Arc::clone(&connected);
            spawn_named("http client", move || {
                let setup = Client::connect(addr, id).and_then(|mut c| c.request(0).map(|()| c));
                connected.wait();
                let mut client = setup?;
                for n in 1..requests {
                    client.request(n)?;
                }
                Ok(())
            })
        })
        .collect::<io::Result<Vec<_>>>()?;
    connected.wait();
    let started = Instant::now();
    for thread in threads {
        join_within(thread, Duration::from_secs(120), "an HTTP client")?;
    }
    Ok(started.elapsed())
}

/// A minimal HTTP/1.1 client on one kept-alive connection: enough to send a
/// GET and read a response with a `content-length` body.
struct Client {
    id: usize,
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr, id: usize) -> io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        // A server that stops answering fails the run instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        Ok(Client {
            id,
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            line: String::new(),
            body: Vec::new(),
        })
    }

    /// Sends request `n` and checks its response.
    fn request(&mut self, n: usize) -> io::Result<()> {
        let path = format!("/bench/{}/{n}", self.id);
        write!(self.writer, "GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n")?;
        let fail = |what: String| io::Error::other(format!("{path}: {what}"));
        self.read_line()?;
        if self.line != "HTTP/1.1 200 OK\r\n" {
            return Err(fail(format!("status line {:?}", self.line)));
        }
        let mut length = None;
        loop {
            self.read_line()?;
            if self.line == "\r\n" {
                break;
            }
            if let Some((name, value)) = self.line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or_else(|| fail("no content-length".into()))?;
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body)?;
        if self.body != path.as_bytes() {
            return Err(fail(format!(
                "body {:?}",
                String::from_utf8_lossy(&self.body)
            )));
        }
        Ok(())
    }

    fn read_line(&mut self) -> io::Result<()> {
        self.line.clear();
        if self.reader.read_line(&mut self.line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

/// Serves `clients` connections on `code`; returns the CPU seconds it used.
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
            connections.push(code::spawn(serve_one_code(stream)));
        }
        for connection in connections {
            connection.await.map_err(io::Error::other)?;
        }
        Ok(thread_cpu_seconds())
    })
}

async fn serve_one_code(stream: AsyncTcpStream) -> Result<(), hyper::Error> {
    http1::Builder::new()
        .timer(CodeTimer)
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(HyperIo(stream), service_fn(echo))
        .await
}

/// Serves `clients` connections on tokio; returns the CPU seconds it used.
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
            connections.push(tokio::spawn(serve_one_tokio(stream)));
        }
        for connection in connections {
            connection
                .await
                .map_err(io::Error::other)?
                .map_err(io::Error::other)?;
        }
        Ok(thread_cpu_seconds())
    })
}

async fn serve_one_tokio(stream: tokio::net::TcpStream) -> Result<(), hyper::Error> {
    http1::Builder::new()
        .timer(TokioTimer)
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(HyperIo(stream.compat()), service_fn(echo))
        .await
}

/// hyper's timer on tokio's: `tokio::time::Sleep` is `Send + Sync` already,
/// so it needs no bridge, only a box (it is `!Unpin`).
#[derive(Debug, Clone, Copy)]
struct TokioTimer;

struct TokioSleep(Pin<Box<tokio::time::Sleep>>);

impl Future for TokioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for TokioSleep {}

impl hyper::rt::Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep(duration))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let deadline = tokio::time::Instant::from_std(deadline);
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep_until(deadline))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_only_the_timed_requests() {
        // 2 clients × 11 requests: the first of each is made before the
        // clock starts, so 20 requests in 2 s is 10 per second.
        let result = HttpResult {
            server: Server::Code,
            clients: 2,
            requests: 11,
            seconds: vec![2.0],
            cpu: vec![0.22],
        };
        assert_eq!(result.rates(), vec![10.0]);
        // The CPU time covers all 22 requests.
        assert_eq!(result.cpu_per_request(), vec![0.01]);
    }
}
