//! The trace player's data for a run recorded elsewhere: reads a trace as
//! `code::trace::Trace::to_json` writes it (standard input) and prints the
//! player's data for it (the format of `player_data.rs`, whose `Player`
//! makes the steps).
//!
//! `cargo run -q -p code --example player_from_json -- TITLE < trace.json > player.json`
//!
//! `cargo run -p course -- trace N` uses it: the exercise's tests save the
//! trace of the learner's run, and this turns it into the page the course
//! tool writes. Notes in the trace are the tests' marks, and the lines
//! `(the … above, N more times: left out here)` that stand for the repeats
//! of a busy loop (`exercises/behaviour.rs` cuts them).

use std::io::{self, Read};
use std::time::Duration;

use code::mio::{Interest, Token};
use code::trace::{Event, Op, Outcome, Trace};

// The Player; the recordings of the book's examples are unused here.
#[path = "player_data.rs"]
#[allow(dead_code)]
mod player_data;

fn main() {
    let title = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Your run".to_string());
    let mut text = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut text) {
        fail(&format!(
            "could not read the trace from standard input: {e}"
        ));
    }
    let events = parse(&text).unwrap_or_else(|e| fail(&format!("not a trace's JSON: {e}")));
    let trace = Trace::from(events);
    let mut player = player_data::Player::new(&title);
    let mut explained = Vec::new();
    for line in trace.lines() {
        let note = trace
            .events()
            .iter()
            .any(|e| matches!(e, Event::Note(n) if *n == line));
        if !note || explained.contains(&line) {
            continue;
        }
        let meaning = if line.starts_with("(the ") {
            "The lines before this step repeated many more times in a row: the player leaves \
             the repeats out (they change nothing), and goes on where they ended."
        } else {
            "A mark the test puts in the trace, to find this point of the run."
        };
        player = player.explain(&line, meaning);
        explained.push(line);
    }
    print!("{}", player.to_json(&trace));
}

fn fail(message: &str) -> ! {
    eprintln!("player_from_json: {message}");
    std::process::exit(2)
}

/// A JSON value of the flat objects `Trace::to_json` writes.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Number(u64),
    Text(String),
    List(Vec<Value>),
}

type Object = Vec<(String, Value)>;

fn get<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn number(object: &Object, key: &str) -> Result<u64, String> {
    match get(object, key) {
        Some(Value::Number(n)) => Ok(*n),
        other => Err(format!("`{key}` is {other:?}, not a number")),
    }
}

fn flag(object: &Object, key: &str) -> Result<bool, String> {
    match get(object, key) {
        Some(Value::Bool(b)) => Ok(*b),
        other => Err(format!("`{key}` is {other:?}, not true or false")),
    }
}

fn text<'a>(object: &'a Object, key: &str) -> Result<&'a str, String> {
    match get(object, key) {
        Some(Value::Text(t)) => Ok(t),
        other => Err(format!("`{key}` is {other:?}, not a string")),
    }
}

/// `"task"` where the event names one; absent means none.
fn task(object: &Object) -> Option<u64> {
    match get(object, "task") {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    }
}

fn token(object: &Object) -> Result<Token, String> {
    Ok(Token(number(object, "token")? as usize))
}

fn slot(object: &Object) -> Result<Interest, String> {
    match text(object, "direction")? {
        "read" => Ok(Interest::READABLE),
        "write" => Ok(Interest::WRITABLE),
        other => Err(format!("unknown direction `{other}`")),
    }
}

fn micros(value: Option<&Value>) -> Option<Duration> {
    match value {
        Some(Value::Number(n)) => Some(Duration::from_micros(*n)),
        _ => None,
    }
}

/// The events of a trace's JSON.
fn parse(json: &str) -> Result<Vec<Event>, String> {
    let mut parser = Parser {
        text: json.as_bytes(),
        at: 0,
    };
    let Value::List(items) = parser.value()? else {
        return Err("the trace is not an array".to_string());
    };
    let mut objects = Vec::new();
    for item in items {
        let Value::List(fields) = item else {
            return Err("an event is not an object".to_string());
        };
        let mut object = Object::new();
        for field in fields {
            let Value::List(mut pair) = field else {
                unreachable!("objects parse to lists of pairs")
            };
            let value = pair.pop().unwrap_or(Value::Null);
            let Some(Value::Text(key)) = pair.pop() else {
                unreachable!("objects parse to lists of pairs")
            };
            object.push((key, value));
        }
        objects.push(object);
    }
    objects.iter().map(event).collect()
}

fn event(o: &Object) -> Result<Event, String> {
    let kind = text(o, "kind")?;
    let needs_task = || task(o).ok_or_else(|| format!("a `{kind}` event without a task"));
    Ok(match kind {
        "spawned" => Event::Spawned {
            task: needs_task()?,
        },
        "queued" => Event::Queued {
            task: needs_task()?,
            remote: flag(o, "remote")?,
        },
        "late_wake" => Event::LateWake {
            task: needs_task()?,
        },
        "polled" => Event::Polled {
            task: needs_task()?,
        },
        "returned" => Event::Returned {
            task: needs_task()?,
            ready: text(o, "result")? == "ready",
        },
        "idle" => Event::Idle,
        "registered" => {
            let names = match get(o, "interest") {
                Some(Value::List(names)) => names.clone(),
                _ => Vec::new(),
            };
            let read = names.contains(&Value::Text("read".into()));
            let write = names.contains(&Value::Text("write".into()));
            Event::Registered {
                token: token(o)?,
                interest: match (read, write) {
                    (true, true) => Interest::READABLE | Interest::WRITABLE,
                    (false, true) => Interest::WRITABLE,
                    _ => Interest::READABLE,
                },
            }
        }
        "deregistered" => Event::Deregistered { token: token(o)? },
        "stored" => Event::Stored {
            token: token(o)?,
            interest: slot(o)?,
            task: task(o),
        },
        "displaced" => Event::Displaced {
            token: token(o)?,
            interest: slot(o)?,
            task: task(o),
        },
        "woke" => Event::Woke {
            token: token(o)?,
            interest: slot(o)?,
            task: task(o),
        },
        "wait_begun" => Event::WaitBegun {
            timeout: micros(get(o, "timeout_us")),
        },
        "wait_ended" => Event::WaitEnded {
            slept: micros(get(o, "slept_us")).unwrap_or_default(),
            events: number(o, "events")? as usize,
            interrupted: flag(o, "interrupted")?,
        },
        "readiness" => Event::Readiness {
            token: token(o)?,
            readable: flag(o, "readable")?,
            writable: flag(o, "writable")?,
            read_closed: flag(o, "read_closed")?,
            write_closed: flag(o, "write_closed")?,
            error: flag(o, "error")?,
        },
        "timer_fired" => Event::TimerFired { task: task(o) },
        "woken_from_another_thread" => Event::WokenFromAnotherThread,
        "budget_used_up" => Event::BudgetUsedUp {
            token: token(o)?,
            task: task(o),
        },
        "io" => Event::Io {
            token: token(o)?,
            op: match text(o, "op")? {
                "read" => Op::Read,
                "write" => Op::Write,
                "accept" => Op::Accept,
                "connect" => Op::Connect,
                other => return Err(format!("unknown operation `{other}`")),
            },
            outcome: match text(o, "result")? {
                "ok" => Outcome::Ok(number(o, "n")? as usize),
                "would_block" => Outcome::WouldBlock,
                _ => Outcome::Err(error_kind(text(o, "error")?)),
            },
        },
        "note" => Event::Note(text(o, "line")?.to_string()),
        other => return Err(format!("unknown kind of event `{other}`")),
    })
}

/// The `io::ErrorKind` that Rust prints as `name` (the ones sockets give;
/// any other is `Other`).
fn error_kind(name: &str) -> io::ErrorKind {
    use io::ErrorKind::*;
    [
        NotFound,
        PermissionDenied,
        ConnectionRefused,
        ConnectionReset,
        ConnectionAborted,
        NotConnected,
        AddrInUse,
        AddrNotAvailable,
        BrokenPipe,
        AlreadyExists,
        WouldBlock,
        InvalidInput,
        InvalidData,
        TimedOut,
        WriteZero,
        Interrupted,
        Unsupported,
        UnexpectedEof,
        OutOfMemory,
    ]
    .into_iter()
    .find(|kind| format!("{kind:?}") == name)
    .unwrap_or(Other)
}

/// A JSON reader for what `to_json` writes: objects become lists of
/// `[key, value]` pairs, numbers are whole and not negative.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.text.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.at))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        let rest = &self.text[self.at..];
        let word = |w: &str| rest.starts_with(w.as_bytes());
        match rest.first() {
            Some(b'[') => self.list(b']', Self::value),
            Some(b'{') => self.list(b'}', |p| {
                let key = p.string()?;
                p.expect(b':')?;
                Ok(Value::List(vec![Value::Text(key), p.value()?]))
            }),
            Some(b'"') => Ok(Value::Text(self.string()?)),
            _ if word("null") => {
                self.at += 4;
                Ok(Value::Null)
            }
            _ if word("true") => {
                self.at += 4;
                Ok(Value::Bool(true))
            }
            _ if word("false") => {
                self.at += 5;
                Ok(Value::Bool(false))
            }
            Some(b'0'..=b'9') => {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                self.at += digits;
                let text = std::str::from_utf8(&rest[..digits]).unwrap_or_default();
                text.parse()
                    .map(Value::Number)
                    .map_err(|e| format!("{text}: {e}"))
            }
            _ => Err(format!("unexpected input at byte {}", self.at)),
        }
    }

    /// `[a, b]` or `{a, b}` (opened at the current byte), items by `item`.
    fn list(
        &mut self,
        close: u8,
        item: impl Fn(&mut Self) -> Result<Value, String>,
    ) -> Result<Value, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.text.get(self.at) == Some(&close) {
            self.at += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(item(self)?);
            self.skip_space();
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(&b) if b == close => {
                    self.at += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(format!("expected `,` or the end at byte {}", self.at)),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.text.get(self.at) else {
                return Err("a string that does not end".to_string());
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let escaped = self.text.get(self.at).copied();
                    self.at += 1;
                    match escaped {
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            let hex = self
                                .text
                                .get(self.at..self.at + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .and_then(char::from_u32)
                                .ok_or("a bad \\u escape")?;
                            self.at += 4;
                            let mut buf = [0; 4];
                            out.extend_from_slice(hex.encode_utf8(&mut buf).as_bytes());
                        }
                        Some(other) => out.push(other),
                        None => return Err("a string that does not end".to_string()),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}
