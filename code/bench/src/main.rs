//! The benchmarks of the chapter "copy and throughput": the `code` runtime
//! side by side with blocking `std` and tokio's current_thread runtime.
//!
//! ```text
//! cargo run --release -p bench                    # all four, full size
//! cargo run --release -p bench -- --quick         # smaller, for a first look
//! cargo run --release -p bench -- --book          # also rewrite the book's results page
//! cargo run --release -p bench -- --help          # every option
//! ```
//!
//! 1. copy: a sender → a proxy that copies → a sink; only the proxy differs.
//! 2. echo: C clients, each doing M request/response round trips.
//! 3. scale: 10,000 connections held by one server in a child process.
//! 4. http: the same hyper service on `code` and on tokio, server CPU per request.
//!
//! Everything runs over 127.0.0.1 and is bounded in count and time. Each
//! case runs once to warm up, then several times; the tables show medians,
//! and ratios between cases of the same run, so that a busy machine slows
//! every case alike and the ratios stay meaningful.

mod book;
mod chart;
mod copy;
mod echo;
mod http;
mod report;
mod scale;
mod util;

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: cargo run --release -p bench -- [OPTIONS]

Runs the copy, echo, scale and http benchmarks and prints medians and ratios.

options:
  --quick          smaller sizes and 3 repetitions (a first look, not for the book)
  --only NAME      run one benchmark: copy, echo, scale or http
  --reps N         measured repetitions per case, 1 to 50 (default 12; 3 with --quick);
                   a multiple of 6 runs every order of the compared cases equally often
  --book           also write the book's results page and chart from this run
                   (book/copy-results.md, book/images/copy-throughput.svg,
                   book/copy-results-rounds.csv)
  -h, --help       print this help";

/// The sizes of one run of the benchmarks.
#[derive(Debug, Clone)]
pub struct Config {
    /// Measured repetitions of each case, after one warm-up run.
    pub reps: usize,
    /// Bytes the copy benchmark pushes through the proxy in one run.
    pub copy_bytes: u64,
    /// The echo cases: (clients, round trips per client).
    pub echo_cases: Vec<(usize, usize)>,
    /// Connections the scale benchmark opens to one server.
    pub scale_connections: usize,
    /// How many of them exchange messages while all are open.
    pub scale_active: usize,
    /// Round trips each active connection makes.
    pub scale_round_trips: usize,
    /// Child processes (fresh servers) per scale case.
    pub scale_reps: usize,
    /// The http case: (clients, requests per client on its connection).
    pub http_case: (usize, usize),
    /// The whole run must finish within this, or it stops with an error.
    pub time_limit: Duration,
}

impl Config {
    fn full() -> Config {
        Config {
            reps: 12,
            copy_bytes: 256 << 20,
            echo_cases: vec![(100, 1_000), (1_000, 100)],
            scale_connections: 10_000,
            scale_active: 1_000,
            scale_round_trips: 100,
            scale_reps: 3,
            http_case: (20, 1_000),
            time_limit: Duration::from_secs(20 * 60),
        }
    }

    fn quick() -> Config {
        Config {
            reps: 3,
            copy_bytes: 32 << 20,
            echo_cases: vec![(100, 200), (1_000, 20)],
            scale_connections: 2_000,
            scale_active: 200,
            scale_round_trips: 20,
            scale_reps: 1,
            http_case: (10, 300),
            time_limit: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Copy,
    Echo,
    Scale,
    Http,
}

#[derive(Debug)]
struct Options {
    config: Config,
    only: Option<Only>,
    book: bool,
    quick: bool,
}

enum Command {
    Run(Options),
    Help,
    /// Internal: serve the scale benchmark as a child process.
    ScaleServer(scale::Server),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut quick = false;
    let mut only = None;
    let mut reps = None;
    let mut book = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("`{name}` needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--quick" => quick = true,
            "--only" => {
                only = Some(match value("--only")?.as_str() {
                    "copy" => Only::Copy,
                    "echo" => Only::Echo,
                    "scale" => Only::Scale,
                    "http" => Only::Http,
                    other => {
                        return Err(format!(
                            "`--only {other}`: expected copy, echo, scale or http"
                        ));
                    }
                })
            }
            "--reps" => {
                let text = value("--reps")?;
                match text.parse::<usize>() {
                    Ok(n @ 1..=50) => reps = Some(n),
                    _ => return Err(format!("`--reps {text}`: expected a number from 1 to 50")),
                }
            }
            "--book" => book = true,
            "--scale-server" => {
                let name = value("--scale-server")?;
                return scale::Server::from_name(&name)
                    .map(Command::ScaleServer)
                    .ok_or_else(|| format!("`--scale-server {name}`: expected code or tokio"));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if book && (only.is_some() || quick) {
        return Err(
            "`--book` writes the book's page from a full run of all four benchmarks, \
             so it cannot go with `--only` or `--quick`"
                .into(),
        );
    }
    let mut config = if quick {
        Config::quick()
    } else {
        Config::full()
    };
    if let Some(reps) = reps {
        config.reps = reps;
        config.scale_reps = config.scale_reps.min(reps);
    }
    Ok(Command::Run(Options {
        config,
        only,
        book,
        quick,
    }))
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::ScaleServer(server)) => return scale::serve(server),
        Err(message) => {
            eprintln!("bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let config = &options.config;
    if cfg!(debug_assertions) {
        eprintln!(
            "bench: warning: this is a debug build; its numbers mean nothing. \
             Use `cargo run --release -p bench`."
        );
    }
    util::start_watchdog(config.time_limit);
    // Every process needs one descriptor per socket; the scale benchmark holds
    // 10,000 at once on each side (client here, server in a child process).
    let fd_note = util::raise_fd_limit(config.scale_connections as u64 + 100)?;

    let wants = |b: Only| options.only.is_none_or(|o| o == b);
    println!("# bench: code vs blocking std vs tokio current_thread\n");
    println!("{}", report::header(config, options.quick));
    println!("{fd_note}");

    let copy = if wants(Only::Copy) {
        let failed = |e| format!("copy benchmark failed: {e}");
        let results = copy::run(config).map_err(failed)?;
        let calls = copy::count_code_calls(config).map_err(failed)?;
        println!(
            "\n## {}\n\n{}\n{}",
            report::copy_title(config),
            report::copy_table(&results),
            report::code_calls(&calls)
        );
        Some((results, calls))
    } else {
        None
    };
    let echo = if wants(Only::Echo) {
        let results = echo::run(config).map_err(|e| format!("echo benchmark failed: {e}"))?;
        println!(
            "\n## {}\n\n{}",
            report::echo_title(config),
            report::echo_table(&results)
        );
        Some(results)
    } else {
        None
    };
    let scale = if wants(Only::Scale) {
        let results = scale::run(config).map_err(|e| format!("scale benchmark failed: {e}"))?;
        println!(
            "\n## {}\n\n{}",
            report::scale_title(config),
            report::scale_table(&results)
        );
        Some(results)
    } else {
        None
    };
    let http = if wants(Only::Http) {
        let results = http::run(config).map_err(|e| format!("http benchmark failed: {e}"))?;
        println!(
            "\n## {}\n\n{}",
            report::http_title(config),
            report::http_table(&results)
        );
        Some(results)
    } else {
        None
    };
    println!(
        "\n## targets\n\n{}",
        report::targets(
            copy.as_ref().map(|(results, _)| &results[..]),
            echo.as_deref(),
            scale.as_deref(),
            http.as_deref()
        )
    );

    if let (true, Some((copy, calls)), Some(echo), Some(scale), Some(http)) =
        (options.book, &copy, &echo, &scale, &http)
    {
        let command = format!(
            "cargo run --release -p bench -- --book --reps {}",
            config.reps
        );
        let commit = util::commit();
        for path in book::write(&command, &commit, config, copy, calls, echo, scale, http)? {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn bad_arguments_get_a_clear_error() {
        let err = |args: &[&str]| match parse(args) {
            Err(e) => e,
            Ok(_) => panic!("{args:?} was accepted"),
        };
        assert!(err(&["--reps", "0"]).contains("1 to 50"));
        assert!(err(&["--reps", "many"]).contains("1 to 50"));
        assert!(err(&["--reps"]).contains("needs a value"));
        assert!(err(&["--only", "disk"]).contains("copy, echo, scale or http"));
        assert!(err(&["--fast"]).contains("unknown argument `--fast`"));
        assert!(err(&["--only", "copy", "--book"]).contains("cannot go with"));
        assert!(err(&["--quick", "--book"]).contains("cannot go with"));
    }

    #[test]
    fn quick_and_reps_change_the_sizes() {
        let Ok(Command::Run(o)) = parse(&["--quick", "--reps", "2"]) else {
            panic!("valid arguments were refused");
        };
        assert!(o.quick);
        assert_eq!(o.config.reps, 2);
        assert!(o.config.copy_bytes < Config::full().copy_bytes);
        let Ok(Command::Run(o)) = parse(&[]) else {
            panic!("no arguments were refused");
        };
        assert_eq!(o.config.copy_bytes, 256 << 20);
        assert_eq!(o.config.scale_connections, 10_000);
    }
}
