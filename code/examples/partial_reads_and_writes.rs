//! `write_all` and `read_exact` against readers and writers that misbehave
//! in the ways real ones do: short writes, `Pending`, `Interrupted`, an early
//! end of stream, a writer that takes nothing. Chapter "Partial reads and
//! writes".
//!
//! `cargo run -p code --example partial_reads_and_writes`

use std::io;
use std::task::{Context, Poll};

use code::io::{AsyncRead, AsyncWrite, read_exact, write_all};

fn main() {
    print!("{}", run());
}

// ANCHOR: trickle
/// A writer that takes at most 3 bytes per call, and says `Pending` every
/// other call, like a socket whose buffer keeps filling up.
struct Trickle {
    taken: Vec<u8>,
    calls: usize,
    log: Vec<String>,
}

impl AsyncWrite for Trickle {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.calls += 1;
        if self.calls % 2 == 0 {
            self.log.push(format!("call {}: Pending", self.calls));
            // A real socket's waker is woken by the reactor later; here we
            // wake it at once, so the task is polled again on the next turn.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = buf.len().min(3);
        self.taken.extend_from_slice(&buf[..n]);
        self.log
            .push(format!("call {}: took {n} of {}", self.calls, buf.len()));
        Poll::Ready(Ok(n))
    }
}
// ANCHOR_END: trickle

// ANCHOR: script
/// A reader (or writer) that plays a script: each call returns the next entry.
pub struct Script(pub Vec<io::Result<&'static [u8]>>);

impl Script {
    fn next(&mut self) -> io::Result<&'static [u8]> {
        if self.0.is_empty() {
            Ok(b"")
        } else {
            self.0.remove(0)
        }
    }
}

impl AsyncRead for Script {
    fn poll_read(&mut self, _cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(self.next().map(|bytes| {
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            n
        }))
    }
}

impl AsyncWrite for Script {
    fn poll_write(&mut self, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(self.next().map(|bytes| bytes.len().min(buf.len())))
    }
}
// ANCHOR_END: script

// ANCHOR: run
pub fn run() -> String {
    let mut out = String::new();
    code::block_on(async {
        // 1. Short writes and Pending: write_all keeps going until all is taken.
        out += &to_trickle(b"burger!").await;

        // 2. Interrupted is not a failure: read_exact tries again.
        let interrupted = io::Error::from(io::ErrorKind::Interrupted);
        let mut reader = Script(vec![Ok(b"bur"), Err(interrupted), Ok(b"ger")]);
        let mut buf = [0; 6];
        let result = read_exact(&mut reader, &mut buf).await;
        out += &format!(
            "read_exact over an Interrupted -> {result:?}, buf {:?}\n",
            String::from_utf8_lossy(&buf)
        );

        // 3. The stream ends before the buffer is full.
        let mut reader = Script(vec![Ok(b"bur")]); // then Ok(0): end of stream
        let result = read_exact(&mut reader, &mut [0; 6]).await;
        out += &format!("read_exact, stream ends early -> {}\n", show(result));

        // 4. A writer that accepts nothing.
        let mut writer = Script(vec![Ok(b"")]); // Ok(0)
        let result = write_all(&mut writer, b"burger").await;
        out += &format!("write_all, writer takes 0 bytes ->\n  {}\n", show(result));
    });
    out
}

/// `write_all` of `data` to a fresh `Trickle`, and what each call did.
pub async fn to_trickle(data: &[u8]) -> String {
    let mut trickle = Trickle {
        taken: Vec::new(),
        calls: 0,
        log: Vec::new(),
    };
    let result = write_all(&mut trickle, data).await;
    let mut out = format!("write_all to Trickle -> {result:?}\n");
    for line in &trickle.log {
        out += &format!("  {line}\n");
    }
    out + &format!(
        "  the writer has {:?}\n",
        String::from_utf8_lossy(&trickle.taken)
    )
}
// ANCHOR_END: run

pub fn show(result: io::Result<()>) -> String {
    match result {
        Ok(()) => "Ok(())".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}
