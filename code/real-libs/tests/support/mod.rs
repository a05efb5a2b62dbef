//! What the tests share: servers on threads of their own, and clients run
//! as child processes, each bounded in time.

#![allow(dead_code)] // each test file uses a part of it

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use code::net::AsyncTcpListener;
use real_libs::{Stats, http, lines};

/// Starts a server on a thread of its own, bound to 127.0.0.1:0. The
/// thread runs until the test process ends.
fn start<F, Fut>(serve: F) -> (SocketAddr, Arc<Stats>)
where
    F: FnOnce(AsyncTcpListener, Arc<Stats>) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>>,
{
    let stats = Arc::new(Stats::default());
    let server_stats = Arc::clone(&stats);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        code::block_on(async move {
            let listener =
                AsyncTcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("bind 127.0.0.1:0");
            tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener, server_stats).await
        })
        .expect("the server's accept failed");
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server did not start within 10 s");
    (addr, stats)
}

/// An HTTP server (hyper on `code`) with these options.
pub fn start_http(options: http::Options) -> (SocketAddr, Arc<Stats>) {
    start(move |listener, stats| http::serve(listener, options, stats))
}

/// The line server (tokio-util's `Framed` on `code`).
pub fn start_lines() -> (SocketAddr, Arc<Stats>) {
    start(lines::serve)
}

/// The path of `program`, or a panic that says how to install it.
pub fn need(program: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(format!("{program}{}", std::env::consts::EXE_SUFFIX)))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{program}` was not found on PATH: these tests drive the servers with it, a client \
             that is not ours. Install it (Debian/Ubuntu: `apt-get install {package}`, macOS: \
             `brew install {package}`)."
        )
    })
}

/// What a finished child process printed.
pub struct Finished {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` to the end, for at most `limit` (killed after that, and
/// the test fails), and fails the test if it exits with an error.
pub fn run(command: &mut Command, limit: Duration) -> Finished {
    let shown = format!("{command:?}");
    let shown: String = shown.chars().take(300).collect();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    // Read both pipes on threads, so a chatty child never blocks on a
    // full pipe while we wait for it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).map(|_| text)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{shown} still ran after {limit:?}: killed");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let finished = Finished {
        stdout: stdout.join().unwrap().expect("stdout is not UTF-8"),
        stderr: stderr.join().unwrap().expect("stderr is not UTF-8"),
    };
    assert!(
        status.success(),
        "{shown} failed ({status}):\nstdout: {}\nstderr: {}",
        finished.stdout.chars().take(2000).collect::<String>(),
        finished.stderr
    );
    finished
}

/// The file of a Python client under tests/clients.
pub fn client(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Runs a Python standard-library client against `addr`, bounded in time,
/// and returns what it printed.
pub fn python(script: &str, addr: SocketAddr, args: &[&str], limit: Duration) -> String {
    let python = need("python3", "python3");
    let mut command = Command::new(python);
    command.arg(client(script)).arg(addr.to_string()).args(args);
    run(&mut command, limit).stdout
}

/// Waits until `condition` holds, for at most 10 s, then fails with `what`.
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "after 10 s, still not: {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// No error was logged by the server.
pub fn no_errors(stats: &Stats) {
    let errors = stats.errors();
    assert!(errors.is_empty(), "the server logged errors: {errors:?}");
}

/// A scratch file with `bytes` in it, removed when dropped.
pub struct ScratchFile(pub PathBuf);

impl ScratchFile {
    pub fn new(name: &str, bytes: &[u8]) -> ScratchFile {
        let path = std::env::temp_dir().join(format!("real-libs-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        ScratchFile(path)
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A std client connection to `addr`: reads give up after 10 s, so a
/// server that never answers nor closes fails the test instead of hanging it.
pub fn connect(addr: SocketAddr) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection (an end of stream, or a
/// reset, which a close with unread bytes sends); returns what it read.
/// Fails the test if the server neither closes nor sends for 10 s.
pub fn read_until_closed(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return received,
            Err(e) => panic!(
                "the server neither closed the connection nor sent anything for 10 s ({e}); \
                 it had sent: {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}
