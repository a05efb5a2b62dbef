//! The structured trace (`code::trace`) and the reactor's inspection API:
//! the events of a parked read, the counters, the JSON format, and where a
//! waker is stored.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::mio::{Interest, Token};
use code::net::AsyncTcpStream;
use code::reactor::Direction;
use code::testing::within;
use code::trace::{self, Event, Op, Outcome, Trace};

const LIMIT: Duration = Duration::from_secs(10);

/// Two ends of one loopback connection: ours (async) and the peer's.
fn pair() -> (AsyncTcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (AsyncTcpStream::from_std(ours).unwrap(), peer)
}

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A task reads a stream that has no data; once it has parked, the main
/// future sends. Returns the trace, the reader's id and the token.
fn parked_read() -> (Trace, u64, Token) {
    within(LIMIT, "the traced read never finished", || {
        let ((id, token), trace) = trace::record(|| {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let token = stream.token();
                let reader = code::spawn(async move {
                    let mut buf = [0; 8];
                    stream.read(&mut buf).await.unwrap()
                });
                let id = reader.id();
                // Wait until the reader's waker is in the read slot.
                while !code::reactor().has_waker(token, Direction::Read) {
                    code::executor::yield_now().await;
                }
                peer.write_all(b"hi").unwrap();
                assert_eq!(reader.await, 2);
                (id, token)
            })
        });
        (trace, id, token)
    })
}

#[test]
fn a_parked_read_is_recorded_event_by_event() {
    let (trace, id, token) = parked_read();
    let task = Some(id);
    let in_order = [
        Event::Spawned { task: id },
        Event::Queued {
            task: id,
            remote: false,
        },
        Event::Polled { task: id },
        Event::Io {
            token,
            op: Op::Read,
            outcome: Outcome::WouldBlock,
        },
        Event::Stored {
            token,
            interest: Interest::READABLE,
            task,
        },
        Event::Returned {
            task: id,
            ready: false,
        },
        Event::Idle,
        Event::Woke {
            token,
            interest: Interest::READABLE,
            task,
        },
        Event::Queued {
            task: id,
            remote: false,
        },
        Event::Polled { task: id },
        Event::Io {
            token,
            op: Op::Read,
            outcome: Outcome::Ok(2),
        },
        Event::Returned {
            task: id,
            ready: true,
        },
    ];
    let mut at = 0;
    for expected in &in_order {
        match trace.events()[at..].iter().position(|e| e == expected) {
            Some(i) => at += i + 1,
            None => panic!(
                "event {expected:?} missing (in order) from:\n{:#?}",
                trace.events()
            ),
        }
    }
    assert_eq!(trace.polls(id), 2, "the reader is polled twice");
    assert_eq!(trace.stores(token, Direction::Read), 1);
    assert_eq!(trace.wakes(token, Direction::Read), 1);
    assert_eq!(trace.stores(token, Direction::Write), 0);
    assert_eq!(trace.wakes(token, Direction::Write), 0);
    assert_eq!(trace.socket_calls(token, Op::Read), 2);
    assert_eq!(trace.would_blocks(token, Op::Read), 1);
    assert_eq!(trace.waits(), 1, "the executor waits once, for the data");
    assert_eq!(trace.budget_yields(), 0);
}

#[test]
fn waits_and_time_asleep_count_the_blocking_waits() {
    let trace = within(LIMIT, "a sleep never ended", || {
        trace::record(|| {
            code::block_on(async {
                code::executor::yield_now().await; // a zero-timeout look, not a wait
                code::time::sleep(Duration::from_millis(50)).await;
            })
        })
        .1
    });
    assert_eq!(trace.waits(), 1, "{:#?}", trace.events());
    // Generous: the wait ends at the timer, never before it.
    assert!(
        trace.time_asleep() >= Duration::from_millis(40),
        "asleep for {:?} only",
        trace.time_asleep()
    );
    assert!(
        trace
            .lines()
            .contains(&"reactor: timer fired, waking the main future".to_string()),
        "{:?}",
        trace.lines()
    );
}

#[test]
fn a_busy_loop_is_never_asleep() {
    // 50 ms of a task that wakes itself at every poll: the executor only
    // takes zero-timeout looks at the events, which are not sleep.
    let trace = within(LIMIT, "the busy loop did not end", || {
        trace::record(|| {
            code::block_on(async {
                let start = std::time::Instant::now();
                while start.elapsed() < Duration::from_millis(50) {
                    code::executor::yield_now().await;
                }
            })
        })
        .1
    });
    assert_eq!(trace.waits(), 0);
    assert_eq!(trace.time_asleep(), Duration::ZERO, "{:?}", trace.lines());
}

#[test]
fn notes_are_recorded_only_while_recording_and_lines_skip_silent_events() {
    trace::emit(|| "not recorded".to_string());
    let ((), trace) = trace::record(|| {
        trace::emit(|| "kernel: 5 bytes arrive for token 0".to_string());
    });
    assert_eq!(
        trace.events(),
        [Event::Note("kernel: 5 bytes arrive for token 0".into())]
    );
    let silent = Trace::from(vec![
        Event::Queued {
            task: 1,
            remote: false,
        },
        Event::Idle,
        Event::WaitBegun { timeout: None },
    ]);
    assert_eq!(
        silent.lines(),
        ["executor: nothing to run, waiting for events"]
    );
}

#[test]
fn a_record_that_panics_gives_the_events_back_to_the_outer_one() {
    let ((), outer) = trace::record(|| {
        let inner = std::panic::catch_unwind(|| {
            trace::record(|| {
                trace::emit(|| "inner".to_string());
                panic!("on purpose");
            })
        });
        assert!(inner.is_err());
        trace::emit(|| "after".to_string());
    });
    assert_eq!(
        outer.lines(),
        ["after"],
        "after a record panicked, the events did not go to the record around it"
    );
}

#[test]
fn capture_returns_the_lines_of_record() {
    let (n, lines) = trace::capture(|| {
        trace::emit(|| "one".to_string());
        7
    });
    assert_eq!((n, lines), (7, vec!["one".to_string()]));
}

#[test]
fn json_has_the_documented_shape() {
    let token = Token(3);
    let trace = Trace::from(vec![
        Event::Queued {
            task: 1,
            remote: true,
        },
        Event::Polled { task: 1 },
        Event::Registered {
            token,
            interest: Interest::READABLE | Interest::WRITABLE,
        },
        Event::Io {
            token,
            op: Op::Read,
            outcome: Outcome::WouldBlock,
        },
        Event::Stored {
            token,
            interest: Interest::READABLE,
            task: Some(1),
        },
        Event::Returned {
            task: 1,
            ready: false,
        },
        Event::WaitBegun {
            timeout: Some(Duration::from_millis(2)),
        },
        Event::WaitEnded {
            slept: Duration::from_micros(1500),
            events: 1,
            interrupted: false,
        },
        Event::Readiness {
            token,
            readable: true,
            writable: false,
            read_closed: false,
            write_closed: false,
            error: false,
        },
        Event::Woke {
            token,
            interest: Interest::READABLE,
            task: Some(1),
        },
        Event::Io {
            token,
            op: Op::Write,
            outcome: Outcome::Err(std::io::ErrorKind::BrokenPipe),
        },
        Event::Note("say \"hi\"\n".into()),
    ]);
    let expected = r#"[
  {"kind": "queued", "actor": "executor", "task": 1, "line": null, "remote": true},
  {"kind": "polled", "actor": "executor", "task": 1, "line": "executor: polling task 1"},
  {"kind": "registered", "actor": "reactor", "task": 1, "token": 3, "line": "reactor: registered token 3 for READABLE | WRITABLE", "interest": ["read", "write"]},
  {"kind": "io", "actor": "task", "task": 1, "token": 3, "line": "net: token 3 read -> WouldBlock", "op": "read", "result": "would_block"},
  {"kind": "stored", "actor": "reactor", "task": 1, "token": 3, "direction": "read", "line": "reactor: stored Read waker for token 3"},
  {"kind": "returned", "actor": "executor", "task": 1, "line": "executor: task 1 returned Pending", "result": "pending"},
  {"kind": "wait_begun", "actor": "reactor", "line": null, "timeout_us": 2000},
  {"kind": "wait_ended", "actor": "reactor", "line": null, "slept_us": 1500, "events": 1, "interrupted": false},
  {"kind": "readiness", "actor": "kernel", "token": 3, "line": "reactor: event for token 3 readable", "readable": true, "writable": false, "read_closed": false, "write_closed": false, "error": false},
  {"kind": "woke", "actor": "reactor", "task": 1, "token": 3, "direction": "read", "line": "reactor: waking reader of token 3"},
  {"kind": "io", "actor": "task", "token": 3, "line": "net: token 3 write -> Err(BrokenPipe)", "op": "write", "result": "error", "error": "BrokenPipe"},
  {"kind": "note", "actor": "note", "line": "say \"hi\"\n"}
]"#;
    assert_eq!(trace.to_json(), expected);
    assert_eq!(Trace::default().to_json(), "[]");
}

#[test]
fn json_of_a_real_run_is_valid_with_one_object_per_event() {
    let (trace, _, _) = parked_read();
    let json = trace.to_json();
    let objects = json::check(&json).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{json}"));
    assert_eq!(objects, trace.events().len());
}

#[test]
fn the_slot_inspection_finds_the_waker_in_its_slot() {
    let woken = within(LIMIT, "inspection", || {
        let (stream, _peer) = pair();
        let token = stream.token();
        let reactor = code::reactor();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let other = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut buf = [0; 4];
        // By hand, outside the executor.
        let poll = stream.poll_read(&mut Context::from_waker(&waker), &mut buf);
        assert!(poll.is_pending());
        assert!(reactor.holds_waker(token, Direction::Read, &waker));
        assert!(!reactor.holds_waker(token, Direction::Read, &other));
        assert!(!reactor.holds_waker(token, Direction::Write, &waker));
        assert!(reactor.has_waker(token, Direction::Read));
        assert!(!reactor.has_waker(token, Direction::Write));
        // A task's own waker, seen from inside its poll.
        code::block_on(async move {
            let reader = code::spawn(async move {
                let mut buf = [0; 4];
                std::future::poll_fn(|cx| {
                    let poll = stream.poll_read(cx, &mut buf);
                    if poll.is_pending() {
                        let reactor = code::reactor();
                        assert!(reactor.holds_waker(stream.token(), Direction::Read, cx.waker()));
                        assert!(!reactor.holds_waker(stream.token(), Direction::Write, cx.waker()));
                    }
                    poll
                })
                .await
            });
            code::executor::yield_now().await; // the reader parks
            drop(reader); // detached; dropped when block_on returns
        });
        count.0.load(Ordering::SeqCst)
    });
    assert_eq!(
        woken, 1,
        "the waker stored by hand was replaced by the task's, and woken"
    );
}

/// Two tasks read one stream: each `WouldBlock` replaces the other's waker
/// and wakes it. The trace names the task each time (the reactor itself
/// keeps no task ids).
#[test]
fn a_displaced_waker_is_traced_to_its_task() {
    let (first, second, trace) = within(LIMIT, "two readers", || {
        let ((first, second), trace) = trace::record(|| {
            code::block_on(async {
                let (stream, mut peer) = pair();
                let stream = std::rc::Rc::new(stream);
                let read = |stream: std::rc::Rc<AsyncTcpStream>| async move {
                    let mut buf = [0; 1];
                    stream.read(&mut buf).await.unwrap()
                };
                let first = code::spawn(read(std::rc::Rc::clone(&stream)));
                let second = code::spawn(read(std::rc::Rc::clone(&stream)));
                let ids = (first.id(), second.id());
                code::executor::yield_now().await; // both park, in turn
                peer.write_all(b"ab").unwrap();
                first.await;
                second.await;
                ids
            })
        });
        (first, second, trace)
    });
    let displaced: Vec<_> = trace
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Displaced { task, .. } => Some(*task),
            _ => None,
        })
        .collect();
    assert_eq!(
        displaced.first(),
        Some(&Some(first)),
        "the second reader ({second}) displaced the first ({first}): {:#?}",
        trace.events()
    );
}

#[test]
fn current_task_and_join_handle_ids_agree() {
    let (inside, id, outside) = within(LIMIT, "ids", || {
        code::block_on(async {
            let handle = code::spawn(async { code::executor::current_task() });
            let id = handle.id();
            (handle.await, id, code::executor::current_task())
        })
    });
    assert_eq!(inside, Some(id));
    assert_eq!(outside, Some(0), "the main future is task 0");
    assert_eq!(code::executor::current_task(), None);
}

/// Just enough of a JSON parser to say whether the text is valid JSON and
/// how many objects the top-level array holds.
mod json {
    pub fn check(text: &str) -> Result<usize, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        p.ws();
        p.expect(b'[')?;
        let mut objects = 0;
        p.ws();
        if p.peek() == Some(b']') {
            p.i += 1;
        } else {
            loop {
                p.ws();
                if p.peek() != Some(b'{') {
                    return Err(format!("an object expected at {}", p.i));
                }
                p.value()?;
                objects += 1;
                p.ws();
                match p.next() {
                    Some(b',') => {}
                    Some(b']') => break,
                    _ => return Err(format!("`,` or `]` expected at {}", p.i)),
                }
            }
        }
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing text at {}", p.i));
        }
        Ok(objects)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }
        fn next(&mut self) -> Option<u8> {
            let c = self.peek();
            self.i += 1;
            c
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
                self.i += 1;
            }
        }
        fn expect(&mut self, c: u8) -> Result<(), String> {
            match self.next() {
                Some(got) if got == c => Ok(()),
                _ => Err(format!("`{}` expected at {}", c as char, self.i - 1)),
            }
        }
        fn value(&mut self) -> Result<(), String> {
            self.ws();
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(());
                    }
                    loop {
                        self.ws();
                        self.string()?;
                        self.ws();
                        self.expect(b':')?;
                        self.value()?;
                        self.ws();
                        match self.next() {
                            Some(b',') => {}
                            Some(b'}') => return Ok(()),
                            _ => return Err(format!("`,` or `}}` expected at {}", self.i - 1)),
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(());
                    }
                    loop {
                        self.value()?;
                        self.ws();
                        match self.next() {
                            Some(b',') => {}
                            Some(b']') => return Ok(()),
                            _ => return Err(format!("`,` or `]` expected at {}", self.i - 1)),
                        }
                    }
                }
                Some(b'"') => self.string(),
                Some(b't') => self.word("true"),
                Some(b'f') => self.word("false"),
                Some(b'n') => self.word("null"),
                Some(b'-' | b'0'..=b'9') => {
                    self.i += 1;
                    while matches!(
                        self.peek(),
                        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                    ) {
                        self.i += 1;
                    }
                    Ok(())
                }
                _ => Err(format!("a value expected at {}", self.i)),
            }
        }
        fn word(&mut self, word: &str) -> Result<(), String> {
            if self.s[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                Ok(())
            } else {
                Err(format!("`{word}` expected at {}", self.i))
            }
        }
        fn string(&mut self) -> Result<(), String> {
            self.expect(b'"')?;
            loop {
                match self.next() {
                    Some(b'"') => return Ok(()),
                    Some(b'\\') => match self.next() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => self.i += 4,
                        _ => return Err(format!("bad escape at {}", self.i - 1)),
                    },
                    Some(c) if c < 0x20 => {
                        return Err(format!("control character in a string at {}", self.i - 1));
                    }
                    Some(_) => {}
                    None => return Err("unterminated string".into()),
                }
            }
        }
    }
}

#[test]
fn the_json_checker_rejects_broken_json() {
    assert_eq!(json::check("[]"), Ok(0));
    assert_eq!(json::check(r#"[{"a": [1, "x"]}, {}]"#), Ok(2));
    for bad in [
        "[",
        "[{]",
        r#"[{"a": 1,}]"#,
        r#"[{"a": "x
"}]"#,
        "[{}] x",
        r#"[{"a" 1}]"#,
    ] {
        assert!(json::check(bad).is_err(), "accepted {bad:?}");
    }
}

/// The lines of the events no other test here produces.
#[test]
fn budget_and_displacement_lines() {
    let trace = Trace::from(vec![
        Event::BudgetUsedUp {
            token: Token(0),
            task: Some(2),
        },
        Event::Displaced {
            token: Token(1),
            interest: Interest::READABLE,
            task: Some(3),
        },
        Event::Io {
            token: Token(4),
            op: Op::Accept,
            outcome: Outcome::Ok(1),
        },
        Event::Io {
            token: Token(4),
            op: Op::Connect,
            outcome: Outcome::Ok(0),
        },
    ]);
    assert_eq!(
        trace.lines(),
        [
            "reactor: task 2 used up its budget on token 0: it yields",
            "reactor: replaced task 3's Read waker for token 1 and woke it",
            "net: listener token 4 accepted a connection",
            "net: token 4 connected",
        ]
    );
    assert_eq!(trace.budget_yields(), 1);
    assert_eq!(trace.wakes(Token(1), Direction::Read), 1);
}

/// What the counters show for the mistake the lesson warns about: a read
/// that answers `WouldBlock` by waking its own task ("come back and ask")
/// instead of storing its waker. The bytes are the same; the counters are
/// not: many polls, and the executor never waits.
#[test]
fn a_busy_polling_read_shows_many_polls_and_no_wait() {
    let (polls, waits) = within(LIMIT, "the busy read never finished", || {
        let (id, trace) = trace::record(|| {
            code::block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (mut peer, _) = listener.accept().unwrap();
                ours.set_nonblocking(true).unwrap();
                let reader = code::spawn(async move {
                    let mut buf = [0; 8];
                    std::future::poll_fn(|cx| match (&ours).read(&mut buf) {
                        Ok(n) => Poll::Ready(n),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            cx.waker().wake_by_ref(); // the mistake
                            Poll::Pending
                        }
                        Err(e) => panic!("{e}"),
                    })
                    .await
                });
                let id = reader.id();
                code::time::sleep(Duration::from_millis(100)).await;
                peer.write_all(b"hi").unwrap();
                assert_eq!(reader.await, 2);
                id
            })
        });
        (trace.polls(id), trace.waits())
    });
    // Generous: a loaded machine polls it fewer times in 100 ms, but far
    // more than the 2 polls of a task that parks.
    assert!(polls > 20, "polled {polls} times only");
    assert_eq!(waits, 0, "the executor never waits while a task spins");
}
