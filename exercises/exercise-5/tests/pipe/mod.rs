//! An in-memory pipe for the tests: what one end writes, the other reads,
//! on one thread, through the runtime's wakers, like a socket pair without
//! the kernel. It holds at most `capacity` bytes (a writer finds it full and
//! waits, as with a socket whose buffer is full) and hands a read at most
//! `max_read` bytes, so a test chooses where the stream is cut.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use code::io::{AsyncRead, AsyncWrite};

struct Shared {
    bytes: VecDeque<u8>,
    capacity: usize,
    /// The writing end was dropped: after the bytes, the end of the stream.
    writer_gone: bool,
    /// The reading end was dropped: a write is `BrokenPipe`.
    reader_gone: bool,
    /// The waker of the task waiting to read, or to write.
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// The writing end.
pub struct PipeWriter(Rc<RefCell<Shared>>);

/// The reading end.
pub struct PipeReader {
    shared: Rc<RefCell<Shared>>,
    max_read: usize,
    /// Every call of `poll_read`.
    pub polls: usize,
}

/// A pipe that holds up to `capacity` bytes and gives at most `max_read`
/// bytes per read.
pub fn pipe(capacity: usize, max_read: usize) -> (PipeWriter, PipeReader) {
    assert!(capacity > 0 && max_read > 0);
    let shared = Rc::new(RefCell::new(Shared {
        bytes: VecDeque::new(),
        capacity,
        writer_gone: false,
        reader_gone: false,
        reader: None,
        writer: None,
    }));
    (
        PipeWriter(Rc::clone(&shared)),
        PipeReader {
            shared,
            max_read,
            polls: 0,
        },
    )
}

impl AsyncWrite for PipeWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut shared = self.0.borrow_mut();
        if shared.reader_gone {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let room = shared.capacity - shared.bytes.len();
        if room == 0 && !buf.is_empty() {
            shared.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        shared.bytes.extend(&buf[..n]);
        let reader = shared.reader.take();
        drop(shared);
        if let Some(reader) = reader {
            reader.wake();
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncRead for PipeReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.polls += 1;
        let mut shared = self.shared.borrow_mut();
        if shared.bytes.is_empty() {
            if shared.writer_gone || buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            shared.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(self.max_read).min(shared.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(shared.bytes.drain(..n)) {
            *slot = byte;
        }
        let writer = shared.writer.take();
        drop(shared);
        if let Some(writer) = writer {
            writer.wake();
        }
        Poll::Ready(Ok(n))
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let reader = {
            let mut shared = self.0.borrow_mut();
            shared.writer_gone = true;
            shared.reader.take()
        };
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let writer = {
            let mut shared = self.shared.borrow_mut();
            shared.reader_gone = true;
            shared.writer.take()
        };
        if let Some(writer) = writer {
            writer.wake();
        }
    }
}
