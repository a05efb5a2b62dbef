//! Stand-in readers and writers for the tests of exercises 2 and 4: they
//! misbehave on purpose, the way sockets do now and then (a few bytes at a
//! time, "not ready yet", `Interrupted`, a writer that takes nothing), and
//! count how they were used. Every test file that needs them includes this
//! one file, so they cannot drift apart.

// Each exercise's tests use some of these, not all.
#![allow(dead_code)]

use std::io;
use std::task::{Context, Poll};

use code::io::{AsyncRead, AsyncWrite};

/// A reader that hands out `data` a few bytes at a time and is "not ready
/// yet" before every chunk, like a socket that receives a trickle.
pub struct TrickleReader {
    pub data: Vec<u8>,
    pub at: usize,
    pub chunk: usize,
    pub ready: bool,
    /// Return `Interrupted` this many times first.
    pub interruptions: usize,
    /// Polls after the end of the stream was reported.
    pub polls_after_eof: usize,
    pub eof_reported: bool,
    /// Reads that returned data (`Ready(Ok(n))` with `n > 0`).
    pub reads: usize,
    /// The longest `buf` any read asked to fill.
    pub largest_request: usize,
}

impl TrickleReader {
    pub fn new(data: Vec<u8>, chunk: usize) -> TrickleReader {
        TrickleReader {
            data,
            at: 0,
            chunk,
            ready: false,
            interruptions: 0,
            polls_after_eof: 0,
            eof_reported: false,
            reads: 0,
            largest_request: 0,
        }
    }
}

impl AsyncRead for TrickleReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.eof_reported {
            self.polls_after_eof += 1;
        }
        self.largest_request = self.largest_request.max(buf.len());
        if self.interruptions > 0 {
            self.interruptions -= 1;
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        if !self.ready {
            // Not ready: ask to be polled again soon, as a reactor would.
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let n = self.chunk.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        if n == 0 {
            self.eof_reported = true;
        } else {
            self.reads += 1;
        }
        Poll::Ready(Ok(n))
    }
}

/// A writer that takes at most `chunk` bytes per write and is "not ready
/// yet" before every write, like a socket with a full buffer.
pub struct TrickleWriter {
    pub written: Vec<u8>,
    pub chunk: usize,
    pub ready: bool,
    pub interruptions: usize,
}

impl TrickleWriter {
    pub fn new(chunk: usize) -> TrickleWriter {
        TrickleWriter {
            written: Vec::new(),
            chunk,
            ready: false,
            interruptions: 0,
        }
    }
}

impl AsyncWrite for TrickleWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.interruptions > 0 {
            self.interruptions -= 1;
            return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
        }
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let n = self.chunk.min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
}

/// A reader or writer that fails every call with `kind`.
pub struct Failing {
    pub kind: io::ErrorKind,
    pub calls: usize,
}

impl AsyncRead for Failing {
    fn poll_read(&mut self, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
        self.calls += 1;
        Poll::Ready(Err(self.kind.into()))
    }
}

impl AsyncWrite for Failing {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.calls += 1;
        Poll::Ready(Err(self.kind.into()))
    }
}

/// A writer that accepts nothing: every write returns `Ok(0)`.
pub struct FullWriter;

impl AsyncWrite for FullWriter {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(0))
    }
}

/// A reader and writer that must not be used at all.
pub struct Untouchable;

impl AsyncRead for Untouchable {
    fn poll_read(&mut self, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
        panic!("poll_read was called for an empty buffer: with nothing to read, do no I/O at all")
    }
}

impl AsyncWrite for Untouchable {
    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        panic!(
            "poll_write was called (for an empty buffer, or by a copy of an empty stream): with nothing to write, do no I/O at all"
        )
    }
}
