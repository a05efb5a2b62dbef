//! An HTTP/1.1 server with hyper, run by `code`: each connection is a task
//! (`code::spawn`) that hands an [`AsyncTcpStream`] to hyper through
//! [`HyperIo`], with [`CodeTimer`] for the header read timeout, and
//! `code::time::timeout` for the body's.

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

/// What a service may fail with: hyper takes any error.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long a client may take to send a request's head (the request
    /// line and the headers), from the moment the server starts reading it.
    /// hyper starts reading the next head as soon as a response is out, so
    /// this also limits how long a kept-alive connection may stay idle
    /// between requests.
    pub header_read_timeout: Duration,
    /// How long the service may take to read a request's body, from the
    /// moment hyper hands it the request. hyper has no timeout for a body
    /// (the header timeout covers the head only), so without this a client
    /// that stops halfway through its body holds the connection forever.
    pub body_read_timeout: Duration,
    /// Wrap each stream in a `BufWriter`, a writer that keeps what it is
    /// given until it is flushed: the tests use it to show that the
    /// adapter passes hyper's flush on.
    pub buffered_writes: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
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
        .header_read_timeout(options.header_read_timeout)
        // A client may close its side once its request is sent, and still
        // read the response: without this, hyper drops the request when it
        // reads that end of stream.
        .half_close(true);
    let counted = Arc::clone(&stats);
    let service = service_fn(move |request| {
        counted.answered();
        let answer = code::time::timeout(options.body_read_timeout, echo(request));
        async move {
            match answer.await {
                Ok(response) => response.map_err(BoxError::from),
                Err(code::time::Elapsed) => Err(BoxError::from(BodyTimedOut)),
            }
        }
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

/// The service's error when a request's body took longer than
/// [`Options::body_read_timeout`]: hyper then ends the connection with it.
#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request's body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

/// How hyper's result for a connection counts.
fn ending(result: Result<(), hyper::Error>) -> Ending<hyper::Error> {
    match result {
        Ok(()) => Ending::Done,
        Err(e) if e.is_timeout() => Ending::TimedOut,
        Err(e) if std::error::Error::source(&e).is_some_and(|s| s.is::<BodyTimedOut>()) => {
            Ending::TimedOut
        }
        Err(e) if e.is_incomplete_message() || client_went_away(&e) => Ending::ClientLeft,
        // A request hyper could not parse, or a head or URI too long:
        // hyper has answered 400, 431 or 414, and the fault is the
        // client's. (`is_parse` covers `is_parse_too_large`; both are named
        // so that a reader sees the second is meant.)
        Err(e) if e.is_parse() || e.is_parse_too_large() => Ending::BadRequest,
        Err(e) => Ending::Error(e),
    }
}
