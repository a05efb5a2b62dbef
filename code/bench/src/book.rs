//! Writes the book's results page (book/copy-results.md, the appendix that
//! the chapter "copy and throughput" links to) and its chart from one run,
//! so the page can never show numbers that no run produced.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::Config;
use crate::chart;
use crate::copy::{self, CodeCalls, CopyResult, Proxy};
use crate::echo::{EchoResult, Server as EchoServer};
use crate::http::{HttpResult, Server as HttpServer};
use crate::report::{self, GIB, copy_case, cpu_ms_per_gib, echo_case, kib_per_connection};
use crate::scale::{ScaleResult, Server as ScaleServer};
use crate::util::{bytes, cores, cpu_model, median, paired_ratio, round_order, thousands};

/// The page's prose, with `@NAME@` where the numbers of a run go.
const TEMPLATE: &str = include_str!("../copy-results.template.md");

/// The book's source folder, found from this crate's place in the workspace.
pub fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book")
}

/// Writes the page, the chart and the per-round numbers behind them;
/// returns the paths written. `command` is the command that made the run,
/// `commit` the code it ran ([`crate::util::commit`]).
#[allow(clippy::too_many_arguments)] // one argument per benchmark's results
pub fn write(
    command: &str,
    commit: &str,
    config: &Config,
    copy: &[CopyResult],
    calls: &[CodeCalls],
    echo: &[EchoResult],
    scale: &[ScaleResult],
    http: &[HttpResult],
) -> Result<Vec<PathBuf>, String> {
    let dir = book_dir();
    // Print `/work/book`, not `/work/code/bench/../../book`.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let page = dir.join("copy-results.md");
    let svg = dir.join("images").join("copy-throughput.svg");
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir.join("images"))
        .map_err(|e| format!("could not create {}/images: {e}", dir.display()))?;
    let csv = dir.join(ROUNDS_CSV);
    // The page first: if it cannot be made, nothing is written, and the old
    // page, chart and runs stay together.
    let text = page_text(command, commit, config, copy, calls, echo, scale, http)?;
    write(&svg, chart::svg(config, copy, echo, scale))?;
    write(&csv, rounds_csv(copy, echo, http))?;
    write(&page, text)?;
    Ok(vec![page, svg, csv])
}

/// The file, next to the page, that holds every measured run.
const ROUNDS_CSV: &str = "copy-results-rounds.csv";

/// Every measured run of the copy, echo and http cases, one per line, so
/// that a reader can work out any median, ratio or interval of their tables
/// again. `work` is what one run moved (bytes, round trips or requests of
/// all clients); `position` is the case's place in its round (1: it ran
/// first).
fn rounds_csv(copy: &[CopyResult], echo: &[EchoResult], http: &[HttpResult]) -> String {
    // (benchmark, case, size, work, place in its group, group size, runs)
    let mut cases = Vec::new();
    for r in copy {
        let index = Proxy::ALL.iter().position(|&p| p == r.proxy);
        let size = format!("{} bytes", r.buffer);
        let group = Proxy::ALL.len();
        cases.push((
            "copy",
            r.proxy.short(),
            size,
            r.bytes,
            index,
            group,
            &r.seconds,
            &r.cpu,
        ));
    }
    for r in echo {
        let index = EchoServer::ALL.iter().position(|&s| s == r.server);
        let size = format!("{} clients", r.clients);
        let work = (r.clients * r.round_trips) as u64;
        let group = EchoServer::ALL.len();
        cases.push((
            "echo",
            r.server.short(),
            size,
            work,
            index,
            group,
            &r.seconds,
            &r.cpu,
        ));
    }
    for r in http {
        let index = HttpServer::ALL.iter().position(|&s| s == r.server);
        let size = format!("{} clients", r.clients);
        let work = (r.clients * r.requests) as u64;
        let group = HttpServer::ALL.len();
        cases.push((
            "http",
            r.server.short(),
            size,
            work,
            index,
            group,
            &r.seconds,
            &r.cpu,
        ));
    }
    let mut out = String::from("benchmark,case,size,work,round,position,seconds,cpu_seconds\n");
    for (benchmark, name, size, work, index, group, seconds, cpu) in cases {
        let index = index.expect("every case is one of its group's");
        for (round, (s, c)) in seconds.iter().zip(cpu).enumerate() {
            // The order `measure_rounds` ran this round in.
            let order = round_order(group, round);
            let position = 1 + order
                .iter()
                .position(|&i| i == index)
                .expect("in every order");
            let _ = writeln!(
                out,
                "{benchmark},{name},{size},{work},{},{position},{s:.9},{c:.9}",
                round + 1
            );
        }
    }
    out
}

#[allow(clippy::too_many_arguments)] // one argument per benchmark's results
fn page_text(
    command: &str,
    commit: &str,
    config: &Config,
    copy: &[CopyResult],
    calls: &[CodeCalls],
    echo: &[EchoResult],
    scale: &[ScaleResult],
    http: &[HttpResult],
) -> Result<String, String> {
    let rate = |proxy, buffer| median(&copy_case(copy, proxy, buffer).rates());
    let [small, large] = copy::BUFFERS;
    let gain = Proxy::ALL
        .iter()
        .map(|&p| format!("{:.1}", rate(p, large) / rate(p, small)))
        .collect::<Vec<_>>();
    let cpu = |buffer| {
        let ms: Vec<f64> = Proxy::ALL
            .iter()
            .map(|&p| cpu_ms_per_gib(copy_case(copy, p, buffer)))
            .collect();
        (
            ms.iter().copied().fold(f64::INFINITY, f64::min),
            ms.iter().copied().fold(0.0, f64::max),
        )
    };
    let range = |(lo, hi): (f64, f64)| span(lo, hi, 0);
    let (cpu_large_lo, cpu_large_hi) = cpu(large);
    let code_memory = kib_per_connection(scale_case(scale, ScaleServer::Code));
    let tokio_memory = kib_per_connection(scale_case(scale, ScaleServer::Tokio));
    let noise = noise_note(copy);

    let values: Vec<(&str, String)> = vec![
        ("DATE", report::now_utc()),
        ("CORES", cores().to_string()),
        ("CPU", cpu_model()),
        ("REPS", config.reps.to_string()),
        ("COMMAND", command.to_string()),
        ("COMMIT", commit.to_string()),
        ("ROUNDS_CSV", ROUNDS_CSV.to_string()),
        ("CODE_CALLS", report::code_calls(calls)),
        ("ALT", alt_text(config, copy, echo, scale)),
        ("NOISE", noise),
        ("COPY_TITLE", report::copy_title(config)),
        ("COPY_SIZE", bytes(config.copy_bytes)),
        ("COPY_TABLE", report::copy_table(copy)),
        ("ECHO_TITLE", report::echo_title(config)),
        ("ECHO_TABLE", report::echo_table(echo)),
        ("SCALE_TITLE", report::scale_title(config)),
        ("SCALE_TABLE", report::scale_table(scale)),
        ("CONNECTIONS", thousands(config.scale_connections as u64)),
        ("HTTP_TITLE", report::http_title(config)),
        ("HTTP_TABLE", report::http_table(http)),
        (
            "TARGETS",
            report::targets(Some(copy), Some(echo), Some(scale), Some(http)),
        ),
        (
            "GAIN",
            format!(
                "{} (`code`), {} (`std`) and {} (tokio) times",
                gain[0], gain[1], gain[2]
            ),
        ),
        ("CPU_8K", range(cpu(small))),
        ("CPU_64K", range((cpu_large_lo, cpu_large_hi))),
        (
            "LIMIT_64K",
            span(1000.0 / cpu_large_hi, 1000.0 / cpu_large_lo, 1),
        ),
        ("ECHO_CPU", echo_cpu_ratios(echo)),
        ("KIB_CODE", format!("{code_memory:.1}")),
        ("KIB_TOKIO", format!("{tokio_memory:.1}")),
    ];
    fill(TEMPLATE, &values)
}

/// `lo–hi` with `decimals` decimals, or one number if both print the same.
fn span(lo: f64, hi: f64, decimals: usize) -> String {
    let (lo, hi) = (format!("{lo:.decimals$}"), format!("{hi:.decimals$}"));
    if lo == hi { lo } else { format!("{lo}–{hi}") }
}

/// `code`'s server CPU per round trip over tokio's, for each client count.
fn echo_cpu_ratios(echo: &[EchoResult]) -> String {
    let ratios: Vec<f64> = report::client_counts(echo)
        .iter()
        .map(|&c| {
            let cpu = |s| &echo_case(echo, s, c).cpu;
            paired_ratio(cpu(EchoServer::Code), cpu(EchoServer::Tokio))
        })
        .collect();
    let (lo, hi) = crate::util::spread(&ratios);
    span(lo, hi, 2)
}

/// Replaces each `@NAME@` of `template`; fails if one is left unfilled.
fn fill(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut text = template.to_string();
    for (name, value) in values {
        text = text.replace(&format!("@{name}@"), value.trim_end());
    }
    match unfilled(&text) {
        Some(name) => Err(format!("the results template has no value for `@{name}@`")),
        None => Ok(text),
    }
}

/// The first `@NAME@` left in `text` (NAME: capitals, digits, `_`).
fn unfilled(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        rest = &rest[at + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0 && rest[len..].starts_with('@') {
            return Some(&rest[..len]);
        }
    }
    None
}

/// A sentence on how noisy the copy runs were, from their spread.
fn noise_note(copy: &[CopyResult]) -> String {
    let widest = copy
        .iter()
        .map(|r| {
            let rates = r.rates();
            let (lo, hi) = crate::util::spread(&rates);
            (hi - lo) / median(&rates)
        })
        .fold(0.0, f64::max);
    if widest > 0.3 {
        format!(
            "In this run, runs of the same copy case differed by up to {:.0} % of their \
             median: read the ratios rather than the single numbers.",
            widest * 100.0
        )
    } else {
        "In this run, runs of the same copy case agreed to within 30 % of their median.".to_string()
    }
}

/// The chart's alternative text: every number the chart shows.
fn alt_text(
    config: &Config,
    copy: &[CopyResult],
    echo: &[EchoResult],
    scale: &[ScaleResult],
) -> String {
    let copy_part = copy::BUFFERS
        .iter()
        .map(|&buffer| {
            let r = |p| median(&copy_case(copy, p, buffer).rates()) / GIB;
            format!(
                "{} buffers: code {:.2}, std {:.2}, tokio {:.2}",
                bytes(buffer as u64),
                r(Proxy::Code),
                r(Proxy::Std),
                r(Proxy::Tokio)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let echo_part = report::client_counts(echo)
        .iter()
        .map(|&c| {
            let r = |s| median(&echo_case(echo, s, c).rates()) / 1000.0;
            format!(
                "{} clients: code {:.0}k, std {:.0}k, tokio {:.0}k",
                thousands(c as u64),
                r(EchoServer::Code),
                r(EchoServer::StdThreads),
                r(EchoServer::Tokio)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "Three bar charts. Copy of {} through a proxy, in GiB/s: {copy_part}. \
         Echo round trips per second: {echo_part}. Memory per connection with {} open: \
         code {:.1} KiB, tokio {:.1} KiB.",
        bytes(config.copy_bytes),
        thousands(config.scale_connections as u64),
        kib_per_connection(scale_case(scale, ScaleServer::Code)),
        kib_per_connection(scale_case(scale, ScaleServer::Tokio)),
    )
}

fn scale_case(results: &[ScaleResult], server: ScaleServer) -> &ScaleResult {
    report::scale_case(results, server)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scale::ScaleRun;

    /// Results shaped like a real run's, with made-up numbers (the chart's
    /// tests use them too).
    pub(crate) fn fake_run() -> (Config, Vec<CopyResult>, Vec<EchoResult>, Vec<ScaleResult>) {
        let config = Config::full();
        let copy = copy::BUFFERS
            .iter()
            .flat_map(|&buffer| {
                Proxy::ALL.iter().map(move |&proxy| CopyResult {
                    proxy,
                    buffer,
                    seconds: vec![0.3, 0.25, 0.35],
                    cpu: vec![0.2, 0.2, 0.21],
                    bytes: 256 << 20,
                })
            })
            .collect();
        let echo = [(100, 1_000), (1_000, 100)]
            .iter()
            .flat_map(|&(clients, round_trips)| {
                [EchoServer::Code, EchoServer::Tokio, EchoServer::StdThreads]
                    .into_iter()
                    .map(move |server| EchoResult {
                        server,
                        clients,
                        round_trips,
                        seconds: vec![2.0, 2.1, 1.9],
                        cpu: vec![0.6, 0.6, 0.6],
                    })
            })
            .collect();
        let scale = ScaleServer::ALL
            .iter()
            .map(|&server| ScaleResult {
                server,
                connections: 10_000,
                active: 1_000,
                round_trips: 100,
                runs: vec![ScaleRun {
                    held: 10_000,
                    errors: 0,
                    first_error: None,
                    rss_before: 2 << 20,
                    rss_loaded: (2 << 20) + 10_000 * 9 * 1024,
                    active_seconds: 2.0,
                }],
            })
            .collect();
        (config, copy, echo, scale)
    }

    /// http results shaped like a real run's, with made-up numbers.
    pub(crate) fn fake_http() -> Vec<HttpResult> {
        HttpServer::ALL
            .iter()
            .map(|&server| HttpResult {
                server,
                clients: 20,
                requests: 2_000,
                seconds: vec![1.0, 1.1, 0.9],
                cpu: vec![0.4, 0.4, 0.4],
            })
            .collect()
    }

    #[test]
    fn the_page_has_every_number_and_no_placeholder() {
        let (config, copy, echo, scale) = fake_run();
        let http = fake_http();
        let calls = copy::BUFFERS.map(|buffer| CodeCalls {
            buffer,
            reads: 32_790,
            read_would_blocks: 22,
            writes: 32_768,
            write_would_blocks: 3,
            waits: 25,
            budget_yields: 256,
        });
        let command = "cargo run --release -p bench -- --book --reps 9";
        let page = page_text(
            command, "abc1234", &config, &copy, &calls, &echo, &scale, &http,
        )
        .unwrap();
        assert!(page.contains("abc1234, on a Linux machine"), "{page}");
        assert!(page.contains(command), "{page}");
        assert!(
            page.contains("At 8 KiB, it made 32,790 reads (22 of them returned `WouldBlock`)"),
            "{page}"
        );
        assert!(
            page.contains("| code | `code::io::copy` | 8 KiB |"),
            "{page}"
        );
        assert!(
            page.contains("| 1,000 | 100 | std thread per connection |"),
            "{page}"
        );
        assert!(
            page.contains("| tokio current_thread | 10,000 | 0 |"),
            "{page}"
        );
        assert!(page.contains("9.0 KiB (`code`)"), "{page}");
        // 0.4 CPU seconds for 40,000 requests: 10 µs each; the clock
        // times 39,980 of them (each client's first is made before it).
        assert!(
            page.contains(
                "| tokio current_thread | 39,980 (36,345-44,422) | 1.00× | 10.00 (10.00-10.00) |"
            ),
            "{page}"
        );
        assert!(
            page.contains("- http: server CPU per request, tokio/code 1.00× (target ≥ 0.9×)"),
            "{page}"
        );
        assert!(page.contains("- copy, 64 KiB: code/tokio 1.00×"), "{page}");
        assert!(
            page.contains("![Three bar charts. Copy of 256 MiB"),
            "{page}"
        );
        assert_eq!(unfilled(&page), None);
        let svg = chart::svg(&config, &copy, &echo, &scale);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn the_committed_page_is_filled_from_this_template() {
        // The template's text between placeholders must be on the page, in
        // order, from its first character to its last: an edit to the
        // template that the page lacks means the page was not rewritten (or
        // was edited by hand). Lines are compared without their endings, so
        // a checkout with CRLF endings passes too.
        let path = book_dir().join("copy-results.md");
        let page = std::fs::read_to_string(&path).expect("book/copy-results.md");
        let page: String = page.lines().map(|l| format!("{l}\n")).collect();
        let template: String = TEMPLATE.lines().map(|l| format!("{l}\n")).collect();
        let mut rest = page.as_str();
        let pieces: Vec<&str> = template.split('@').collect();
        for (i, piece) in pieces.iter().enumerate() {
            if i % 2 == 1 {
                continue; // a placeholder's name: its value may be anything
            }
            let at = if i == 0 {
                rest.starts_with(piece).then_some(0)
            } else if i == pieces.len() - 1 {
                rest.ends_with(piece).then(|| rest.len() - piece.len())
            } else {
                rest.find(piece)
            };
            let Some(at) = at else {
                panic!(
                    "{} does not have this text of code/bench/copy-results.template.md \
                     (in this place):\n{piece}\nrerun `cargo run --release -p bench -- --book`",
                    path.display()
                );
            };
            rest = &rest[at + piece.len()..];
        }
    }

    #[test]
    fn the_csv_has_every_measured_run() {
        let (_, copy, echo, _) = fake_run();
        let http = fake_http();
        let csv = rounds_csv(&copy, &echo, &http);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "benchmark,case,size,work,round,position,seconds,cpu_seconds"
        );
        let runs: usize = copy.iter().map(|r| r.seconds.len()).sum::<usize>()
            + echo.iter().map(|r| r.seconds.len()).sum::<usize>()
            + http.iter().map(|r| r.seconds.len()).sum::<usize>();
        assert_eq!(lines.len(), 1 + runs);
        // Round 2 runs the second order (code, tokio, std); round 3 the
        // third (std, code, tokio) for copy, (tokio, code, std) for echo.
        let copy_line = "\ncopy,code,8192 bytes,268435456,2,1,0.250000000,0.200000000\n";
        assert!(csv.contains(copy_line), "{csv}");
        let echo_line = "\necho,std,1000 clients,100000,3,3,1.900000000,0.600000000\n";
        assert!(csv.contains(echo_line), "{csv}");
        // Two cases: round 2 runs (tokio, code).
        let http_line = "\nhttp,code,20 clients,40000,2,2,1.100000000,0.400000000\n";
        assert!(csv.contains(http_line), "{csv}");
    }

    /// The copy, echo and http results that a CSV of runs holds.
    fn results_from_csv(csv: &str) -> (Vec<CopyResult>, Vec<EchoResult>, Vec<HttpResult>) {
        // The runs of each case, by (benchmark, case, size), in CSV order.
        type Runs<'a> = ((&'a str, &'a str, &'a str), &'a str, Vec<f64>, Vec<f64>);
        let mut cases: Vec<Runs> = Vec::new();
        for line in csv.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let [benchmark, case, size, work, _round, _position, seconds, cpu] = f[..] else {
                panic!("a CSV line with {} fields: {line}", f.len());
            };
            let key = (benchmark, case, size);
            let at = match cases.iter().position(|(k, ..)| *k == key) {
                Some(at) => at,
                None => {
                    cases.push((key, work, Vec::new(), Vec::new()));
                    cases.len() - 1
                }
            };
            cases[at].2.push(seconds.parse().unwrap());
            cases[at].3.push(cpu.parse().unwrap());
        }
        let number = |text: &str| text.split(' ').next().unwrap().parse::<usize>().unwrap();
        let (mut copy, mut echo, mut http) = (Vec::new(), Vec::new(), Vec::new());
        for ((benchmark, case, size), work, seconds, cpu) in cases {
            if benchmark == "http" {
                http.push(HttpResult {
                    server: *HttpServer::ALL.iter().find(|s| s.short() == case).unwrap(),
                    clients: number(size),
                    requests: number(work) / number(size),
                    seconds,
                    cpu,
                });
            } else if benchmark == "copy" {
                copy.push(CopyResult {
                    proxy: *Proxy::ALL.iter().find(|p| p.short() == case).unwrap(),
                    buffer: number(size),
                    seconds,
                    cpu,
                    bytes: work.parse().unwrap(),
                });
            } else {
                echo.push(EchoResult {
                    server: *EchoServer::ALL.iter().find(|s| s.short() == case).unwrap(),
                    clients: number(size),
                    round_trips: number(work) / number(size),
                    seconds,
                    cpu,
                });
            }
        }
        (copy, echo, http)
    }

    #[test]
    fn the_pages_verdicts_are_what_its_runs_give() {
        // The committed CSV, read back, gives the page's target lines: the
        // numbers on the page were neither edited by hand nor left from
        // another run.
        let read = |name: &str| {
            let path = book_dir().join(name);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let (copy, echo, http) = results_from_csv(&read(ROUNDS_CSV));
        assert_eq!(copy.len(), 6, "every copy case in {ROUNDS_CSV}");
        assert_eq!(echo.len(), 6, "every echo case in {ROUNDS_CSV}");
        // Joined into one line: a sentence may be wrapped on the page.
        let page = read("copy-results.md").replace('\n', " ");
        // A page from before the http benchmark has no http runs.
        let http = (!http.is_empty()).then_some(&http[..]);
        let from_csv = [
            report::targets(Some(&copy), Some(&echo), None, http),
            http.map(report::http_table).unwrap_or_default(),
            report::copy_table(&copy),
            report::echo_table(&echo),
            noise_note(&copy),
            format!(
                "`code` used {} times tokio's CPU per round trip",
                echo_cpu_ratios(&echo)
            ),
        ];
        for line in from_csv.iter().flat_map(|text| text.lines()) {
            assert!(
                page.contains(line),
                "book/copy-results.md lacks this, which {ROUNDS_CSV} gives:\n{line}"
            );
        }
        // And the CSV of a run reads back as that run.
        let (_, copy, echo, _) = fake_run();
        let http = fake_http();
        let (copy_back, echo_back, http_back) = results_from_csv(&rounds_csv(&copy, &echo, &http));
        assert_eq!(format!("{copy_back:?}"), format!("{copy:?}"));
        assert_eq!(format!("{echo_back:?}"), format!("{echo:?}"));
        assert_eq!(format!("{http_back:?}"), format!("{http:?}"));
    }

    #[test]
    fn fill_replaces_every_placeholder_or_says_which_is_left() {
        let filled = fill("a @X@ b @Y_Z@", &[("X", "1".into()), ("Y_Z", "2\n".into())]);
        assert_eq!(filled.unwrap(), "a 1 b 2");
        let err = fill("a @X@ b @LEFT@", &[("X", "1".into())]).unwrap_err();
        assert!(err.contains("`@LEFT@`"), "{err}");
        // An @ in prose (an e-mail address) is not a placeholder.
        assert_eq!(
            fill("mail me@example.org", &[]).unwrap(),
            "mail me@example.org"
        );
    }
}
