//! An HTTP/1.1 server with hyper, run by `code`: each connection is a task
//! (`code::spawn`) that hands an [`AsyncTcpStream`] to hyper through
//! [`HyperIo`], with [`CodeTimer`] for the header read timeout.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use code::net::{AsyncTcpListener, AsyncTcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

use crate::hyper_io::HyperIo;
use crate::timer::CodeTimer;
use crate::{Ending, Stats, client_went_away};

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long a client may take to send a request's head (the request
    /// line and the headers), from the moment the server starts reading it.
    pub header_read_timeout: Duration,
    /// Wrap each stream in a `BufWriter`, a writer that keeps what it is
    /// given until it is flushed: the tests use it to show that the
    /// adapter passes hyper's flush on.
    pub buffered_writes: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            header_read_timeout: Duration::from_secs(10),
            buffered_writes: false,
        }
    }
}

/// The service: answers every request with its body, or with its path when
/// the body is empty (so a `GET /a` gets `/a`, a POST gets its bytes back).
pub async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = Bytes::copy_from_slice(request.uri().path().as_bytes());
    let body = request.into_body().collect().await?.to_bytes();
    let reply = if body.is_empty() { path } else { body };
    Ok(Response::new(Full::new(reply)))
}

/// Accepts connections until the listener fails, each served by its own
/// task. Run it with `code::block_on`.
pub async fn serve(
    listener: AsyncTcpListener,
    options: Options,
    stats: Arc<Stats>,
) -> io::Result<()> {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // A client that gave up while queued: nothing to serve.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => return Err(e),
        };
        stats.accepted();
        code::spawn(serve_connection(stream, options, Arc::clone(&stats)));
    }
}

// ANCHOR: serve_connection
/// Serves one connection until the client is done with it.
pub async fn serve_connection(stream: AsyncTcpStream, options: Options, stats: Arc<Stats>) {
    let mut builder = http1::Builder::new();
    // Setting a timeout without a timer makes hyper panic when the
    // connection starts: the timer is what measures it.
    builder
        .timer(CodeTimer)
        .header_read_timeout(options.header_read_timeout);
    let counted = Arc::clone(&stats);
    let service = service_fn(move |request| {
        counted.answered();
        echo(request)
    });
    let result = if options.buffered_writes {
        let io = HyperIo(futures_util::io::BufWriter::new(stream));
        builder.serve_connection(io, service).await
    } else {
        builder.serve_connection(HyperIo(stream), service).await
    };
    stats.end(ending(result));
}
// ANCHOR_END: serve_connection

/// How hyper's result for a connection counts.
fn ending(result: Result<(), hyper::Error>) -> Ending<hyper::Error> {
    match result {
        Ok(()) => Ending::Done,
        Err(e) if e.is_timeout() => Ending::TimedOut,
        Err(e) if e.is_incomplete_message() || client_went_away(&e) => Ending::ClientLeft,
        Err(e) => Ending::Error(e),
    }
}
