//! What cannot be registered with the reactor: a regular file. The same
//! `epoll_ctl(EPOLL_CTL_ADD)` that mio makes for every socket it registers
//! is made here for a TCP listener and for a regular file, and the kernel
//! answers. Chapter "What cannot be registered" (in the Deeper part).
//!
//! Linux only: epoll is Linux's, and the error is epoll's. (mio is built
//! without its `os-ext` feature here, so it offers no way to register a
//! file at all; the call is made through `libc`, as mio makes it.)
//!
//! `cargo run -p code --example epoll_refuses_files`

fn main() {
    print!("{}", run());
}

#[cfg(target_os = "linux")]
pub use linux::run;

/// On other systems there is no epoll to ask.
#[cfg(not(target_os = "linux"))]
pub fn run() -> String {
    "epoll is Linux's: this example has nothing to show here\n".to_string()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs::File;
    use std::io;
    use std::net::TcpListener;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    // ANCHOR: run
    /// Asks epoll to watch a TCP listener and a regular file for reading,
    /// edge-triggered (as mio does), and reports what the kernel said.
    pub fn run() -> String {
        let epoll = epoll_instance().expect("epoll_create1 failed");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
        // A regular file that surely exists: this program's own.
        let file = File::open(std::env::current_exe().unwrap()).expect("open the program");

        let mut out = String::new();
        for (what, fd) in [
            ("a TCP listener", listener.as_raw_fd()),
            ("a regular file", file.as_raw_fd()),
        ] {
            let answer = match add(&epoll, fd) {
                Ok(()) => "Ok".to_string(),
                Err(e) => format!("Err({:?}: {e})", e.kind()),
            };
            out += &format!("epoll_ctl(ADD, {what}): {answer}\n");
        }
        out
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` for reading, edge-triggered.
    fn add(epoll: &OwnedFd, fd: i32) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: 0,
        };
        // SAFETY: both descriptors are open for the whole call, and `event`
        // is a valid epoll_event that the kernel only reads.
        let rc = unsafe { libc::epoll_ctl(epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    // ANCHOR_END: run

    fn epoll_instance() -> io::Result<OwnedFd> {
        // SAFETY: epoll_create1 takes no pointers; a descriptor it returns
        // is new and ours to own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned to us and nothing else owns it.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}
