//! `trace N [TEST]`: the learner's own run in the book's trace player.
//!
//! Runs exercise N's tests (or those whose name contains TEST) with
//! `COURSE_TRACE_DIR` set: each test that checks how the code waits records
//! a trace of the runtime, and `exercises/behaviour.rs` saves it there as
//! JSON. `code`'s example `player_from_json` turns each into the player's
//! steps, and this writes one HTML page with a player per run, the failing
//! runs first with their failure messages, the player's script and style
//! inlined: it opens from the file, with no server and no network.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::cargo::{Cargo, Finished, run_with_limit, test_results};
use crate::course::{Course, Error, io_error};

/// The variable `exercises/behaviour.rs` reads (its `TRACE_DIR_VAR`).
pub const TRACE_DIR_VAR: &str = "COURSE_TRACE_DIR";

/// Building and running one exercise's tests, with room for a slow machine.
const LIMIT: Duration = Duration::from_secs(600);

pub struct Request<'a> {
    pub exercise: u32,
    pub test: Option<&'a str>,
    /// The package whose tests run: `exercise-N` unless told otherwise
    /// (an instructor's `--package solution-N` shows the finished run).
    pub package: String,
    pub out: Option<PathBuf>,
}

/// One recorded run.
struct Run {
    test: String,
    /// The test's failure message, if it failed.
    failure: Option<String>,
    /// The player's data (JSON).
    player: String,
}

/// Runs the tests, writes the page, and returns what to print.
pub fn write(course: &Course, cargo: &Cargo, request: &Request) -> Result<String, Error> {
    let work = course
        .root
        .join("target")
        .join("course")
        .join(format!("traces-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| io_error("create", &work, e))?;
    let result = trace_in(course, cargo, request, &work);
    let _ = fs::remove_dir_all(&work);
    result
}

fn trace_in(
    course: &Course,
    cargo: &Cargo,
    request: &Request,
    work: &Path,
) -> Result<String, Error> {
    let package = &request.package;
    eprintln!(
        "running the tests of {package}{} with the trace on ...",
        request
            .test
            .map(|t| format!(" whose name contains `{t}`"))
            .unwrap_or_default()
    );
    let mut command = cargo.command();
    command
        .args(["test", "-p", package, "--no-fail-fast", "--color", "never"])
        .current_dir(&course.root)
        .env(TRACE_DIR_VAR, work)
        .stdin(Stdio::null());
    if let Some(test) = request.test {
        command.args(["--", test]);
    }
    let (stdout, stderr) = match run_with_limit(command, LIMIT) {
        Ok(Finished::Exited { stdout, stderr, .. }) => (stdout, stderr),
        Ok(Finished::TimedOut) => {
            return Err(Error::new(format!(
                "the tests of {package} were still running after {} s: something waits \
                 forever (`cargo test -p {package}` shows which test)",
                LIMIT.as_secs()
            )));
        }
        Err(e) => return Err(Error::new(format!("could not start cargo: {e}"))),
    };
    if stderr.contains("error: could not compile") || stderr.contains("error: package") {
        let first = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("cargo failed");
        return Err(Error::new(format!(
            "{package} does not build ({first}): run `cargo test -p {package}` for the whole \
             message"
        )));
    }
    let results = test_results(&stdout);
    let failures = failure_messages(&stdout);

    let mut saved: Vec<(String, usize, PathBuf)> = Vec::new();
    for entry in fs::read_dir(work).map_err(|e| io_error("read", work, e))? {
        let path = entry.map_err(|e| io_error("read", work, e))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // TEST.PID.N.json, the test's `::` written as `.`.
        let parts: Vec<&str> = name.trim_end_matches(".json").rsplitn(3, '.').collect();
        if let [n, _pid, test] = parts[..] {
            saved.push((test.replace('.', "::"), n.parse().unwrap_or(0), path));
        }
    }
    if saved.is_empty() {
        let ran = if results.is_empty() {
            "no test ran".to_string()
        } else {
            match results.len() {
                1 => "1 test ran, and it records no trace".to_string(),
                n => format!("{n} tests ran, none of them records a trace"),
            }
        };
        return Err(Error::new(format!(
            "nothing to show: {ran}. The tests that record a trace are those that check how \
             the code waits (asleep, parked, in the right slot); `cargo run -p course -- trace \
             {}` runs them all",
            request.exercise
        )));
    }
    // Failing tests first, then by name, each test's runs in order.
    saved.sort_by(|a, b| {
        let passed = |test: &str| !failures.iter().any(|(t, _)| t == test);
        (passed(&a.0), &a.0, a.1).cmp(&(passed(&b.0), &b.0, b.1))
    });
    let mut runs = Vec::new();
    for (i, (test, _, path)) in saved.iter().enumerate() {
        let repeat = saved[..i].iter().filter(|(t, _, _)| t == test).count();
        let title = if repeat == 0 {
            test.clone()
        } else {
            format!("{test} (run {})", repeat + 1)
        };
        let player = player_data(course, cargo, &title, path)?;
        if !player.contains("\"line\"") {
            // A check that polled by hand outside the executor, with
            // nothing the runtime traces: no step to show.
            continue;
        }
        let failure = failures
            .iter()
            .find(|(t, _)| t == test)
            .map(|(_, m)| m.clone());
        runs.push(Run {
            test: title,
            failure,
            player,
        });
    }
    if runs.is_empty() {
        return Err(Error::new(format!(
            "nothing to show: the traces of {package}'s runs have no line (the runtime traced \
             nothing: no task, no socket)"
        )));
    }

    let page = page(course, request, &runs)?;
    let out = match &request.out {
        Some(out) => out.clone(),
        None => {
            let name = match request.test {
                Some(test) => format!("trace-{package}-{}.html", file_safe(test)),
                None => format!("trace-{package}.html"),
            };
            course.root.join("target").join("course").join(name)
        }
    };
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    }
    fs::write(&out, page).map_err(|e| io_error("write", &out, e))?;
    let failed = runs.iter().filter(|r| r.failure.is_some()).count();
    let absolute = out.canonicalize().unwrap_or(out);
    Ok(format!(
        "Wrote the trace player over a new run of your code (its tests, run again with the \
         trace on: the counts may differ from those of an earlier failure): {} run{} \
         ({failed} of a failing test).\n\
         Open it in a browser (it needs no server):\n  {}\n",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        file_url(&absolute)
    ))
}

/// The player's data for the trace in `path`.
fn player_data(course: &Course, cargo: &Cargo, title: &str, path: &Path) -> Result<String, Error> {
    let input = fs::File::open(path).map_err(|e| io_error("read", path, e))?;
    let output = cargo
        .command()
        .args([
            "run",
            "-q",
            "-p",
            "code",
            "--example",
            "player_from_json",
            "--",
            title,
        ])
        .current_dir(&course.root)
        .stdin(input)
        .output()
        .map_err(|e| Error::new(format!("could not run cargo: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "could not turn the trace of {title} into the player's steps:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `(test, message)` for each `---- TEST stdout ----` section libtest
/// printed: the panic message, without the thread line and the notes.
pub fn failure_messages(stdout: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in stdout.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        let ends = header.is_some() || line == "failures:" || line.starts_with("test result:");
        if ends {
            if let Some((test, lines)) = current.take() {
                found.push((test, clean(&lines)));
            }
        }
        if let Some(test) = header {
            current = Some((test.to_string(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((test, lines)) = current {
        found.push((test, clean(&lines)));
    }
    found
}

/// The message of a failure section: no `thread '…' panicked at` line, no
/// backtrace or note after it.
fn clean(lines: &[&str]) -> String {
    let mut kept = Vec::new();
    for line in lines {
        if line.starts_with("thread '") && line.contains("panicked at") {
            continue;
        }
        if line.starts_with("note: run with `RUST_BACKTRACE")
            || line.starts_with("stack backtrace:")
            || line.starts_with("note: Some details are omitted")
        {
            break;
        }
        kept.push(*line);
    }
    kept.join("\n").trim().to_string()
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `file:///…` for an absolute path (spaces and the like escaped).
pub fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !text.starts_with('/') {
        // C:/… on Windows.
        url.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => {
                url.push(byte as char)
            }
            _ => {
                let _ = write!(url, "%{byte:02X}");
            }
        }
    }
    url
}

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: the player's script and style from the book's theme, inlined.
fn page(course: &Course, request: &Request, runs: &[Run]) -> Result<String, Error> {
    let theme = course.root.join("theme");
    let read = |name: &str| {
        let path = theme.join(name);
        fs::read_to_string(&path).map_err(|e| io_error("read", &path, e))
    };
    let (script, style) = (read("trace-player.js")?, read("trace-player.css")?);
    let package = &request.package;
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Your run: {package}</title>\n<style>\n{PAGE_STYLE}\n{}\n</style>\n</head>\n<body>\n<main>\n\
         <h1>Your run: {package}</h1>\n\
         <p>The runtime's trace of each test of {package} that checks how the code waits, \
         as <code>cargo run -p course -- trace {}{}</code> ran them. Step through a run with \
         the buttons or, once the player has focus, the arrow keys: each line says what \
         happened, and the panels show the tasks, the run queue and the waker slots at that \
         moment.</p>\n",
        style.replace("</style", "<\\/style"),
        request.exercise,
        request
            .test
            .map(|t| format!(" {}", escape(t)))
            .unwrap_or_default(),
    );
    html += "<nav aria-label=\"Runs\"><ul>\n";
    for (i, run) in runs.iter().enumerate() {
        let verdict = if run.failure.is_some() {
            "failed"
        } else {
            "passed"
        };
        let _ = writeln!(
            html,
            "<li><a href=\"#run-{i}\">{}</a> ({verdict})</li>",
            escape(&run.test)
        );
    }
    html += "</ul></nav>\n";
    for (i, run) in runs.iter().enumerate() {
        let _ = write!(
            html,
            "<section class=\"run\" id=\"run-{i}\" aria-labelledby=\"run-{i}-title\">\n\
             <h2 id=\"run-{i}-title\">{}</h2>\n",
            escape(&run.test)
        );
        match &run.failure {
            Some(message) => {
                let _ = write!(
                    html,
                    "<p class=\"verdict failed\">Failed:</p>\n<pre class=\"failure\" \
                     tabindex=\"0\">{}</pre>\n",
                    escape(message)
                );
            }
            None => html += "<p class=\"verdict passed\">Passed.</p>\n",
        }
        let _ = write!(
            html,
            "<div class=\"trace-player\" hidden>\n<script type=\"application/json\">\n{}\n\
             </script>\n</div>\n<noscript><p>The player needs JavaScript.</p></noscript>\n\
             </section>\n",
            run.player.trim_end()
        );
    }
    let _ = write!(
        html,
        "</main>\n<script>\n{}\n</script>\n</body>\n</html>\n",
        script.replace("</script", "<\\/script")
    );
    Ok(html)
}

/// The page around the players: the mdBook theme variables the player's
/// style uses (the book's light theme), and a readable column.
const PAGE_STYLE: &str = "\
:root {
  color-scheme: light;
  --bg: hsl(0, 0%, 100%);
  --fg: hsl(0, 0%, 0%);
  --links: #20609f;
  --icons: #747474;
  --quote-bg: hsl(197, 37%, 96%);
  --quote-border: hsl(197, 37%, 91%);
  --theme-hover: #e6e6e6;
}
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
}
main {
  max-width: 60em;
  margin: 0 auto;
  padding: 1em;
}
a {
  color: var(--links);
}
code, pre {
  font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
  font-size: 0.9em;
}
pre.failure {
  overflow-x: auto;
  padding: 0.75em;
  background: var(--quote-bg);
  border: 1px solid var(--quote-border);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
.verdict.failed {
  color: #a4161a;
  font-weight: bold;
}
section.run {
  margin-top: 2.5em;
}
h1, h2, nav, .tp-title {
  overflow-wrap: anywhere;
}";
