//! Prints the results as Markdown tables (readable in a terminal, and ready
//! to paste into the book), then checks them against the targets of issue #5.

use crate::Config;
use crate::copy::{self, CopyResult, Proxy};
use crate::echo::{self, EchoResult, Server as EchoServer};
use crate::scale::{ScaleResult, Server as ScaleServer};
use crate::util::{bytes, cores, median, paired_ratio, spread, thousands};

const GIB: f64 = (1u64 << 30) as f64;

pub fn header(config: &Config, quick: bool, fd_note: &str) {
    println!("# bench: code vs blocking std vs tokio current_thread");
    println!();
    println!(
        "{} UTC, {} cores, {} build, loopback only{}",
        now_utc(),
        cores(),
        if cfg!(debug_assertions) {
            "DEBUG (numbers meaningless)"
        } else {
            "release"
        },
        if quick { ", --quick sizes" } else { "" }
    );
    println!(
        "each case: 1 warm-up run, then {} measured rounds that take the cases in turn; \
         tables show the median (min-max); a ratio is the median of the ratios within each round",
        config.reps
    );
    println!("{fd_note}");
}

pub fn copy(config: &Config, results: &[CopyResult]) {
    println!();
    println!(
        "## copy: sender -> proxy (copies) -> sink, {} per run; sender writes and sink reads {} at a time",
        bytes(config.copy_bytes),
        bytes(copy::END_BUFFER as u64)
    );
    println!();
    println!(
        "| proxy | copies with | buffer | GiB/s, median (min-max) | vs tokio, same buffer | vs std, same buffer | proxy CPU ms per GiB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in results {
        let rate = median(&r.rates());
        let (lo, hi) = spread(&r.rates());
        let gib = r.bytes as f64 / GIB;
        println!(
            "| {} | `{}` | {} | {:.2} ({:.2}-{:.2}) | {:.2}x | {:.2}x | {:.0} |",
            r.proxy.name(),
            r.proxy.how(r.buffer),
            bytes(r.buffer as u64),
            rate / GIB,
            lo / GIB,
            hi / GIB,
            paired_ratio(
                &r.rates(),
                &copy_case(results, Proxy::Tokio, r.buffer).rates()
            ),
            paired_ratio(
                &r.rates(),
                &copy_case(results, Proxy::Std, r.buffer).rates()
            ),
            median(&r.cpu) * 1e3 / gib,
        );
    }
}

pub fn echo(config: &Config, results: &[EchoResult]) {
    println!();
    println!(
        "## echo: C clients x M round trips of {} B each, {} measured runs; clients on one tokio current_thread runtime",
        echo::MESSAGE,
        config.reps
    );
    println!();
    println!(
        "| C clients | M round trips each | server | round trips/s, median (min-max) | vs tokio | server CPU us per round trip |"
    );
    println!("|---|---|---|---|---|---|");
    for r in results {
        let rate = median(&r.rates());
        let (lo, hi) = spread(&r.rates());
        println!(
            "| {} | {} | {} | {} ({}-{}) | {:.2}x | {:.1} |",
            thousands(r.clients as u64),
            thousands(r.round_trips as u64),
            r.server.name(),
            thousands(rate as u64),
            thousands(lo as u64),
            thousands(hi as u64),
            paired_ratio(
                &r.rates(),
                &echo_case(results, EchoServer::Tokio, r.clients).rates()
            ),
            median(&r.cpu) * 1e6 / (r.clients * r.round_trips) as f64,
        );
    }
}

pub fn scale(config: &Config, results: &[ScaleResult]) {
    println!();
    println!(
        "## scale: {} connections to one echo server in a child process, {} of them active ({} round trips each), {} server(s) of each kind",
        thousands(config.scale_connections as u64),
        thousands(config.scale_active as u64),
        config.scale_round_trips,
        config.scale_reps
    );
    println!();
    println!(
        "| server | connections held | errors | RSS listening | RSS with all open | per connection | vs tokio | active round trips/s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let tokio_memory = results
        .iter()
        .find(|r| r.server == ScaleServer::Tokio)
        .map(|r| median(&r.bytes_per_connection()));
    for r in results {
        let per_connection = median(&r.bytes_per_connection());
        let middle = &r.runs[r.runs.len() / 2];
        println!(
            "| {} | {} | {} | {:.1} MiB | {:.1} MiB | {:.2} KiB | {} | {} |",
            r.server.name(),
            thousands(r.runs.iter().map(|run| run.held).min().unwrap_or(0) as u64),
            r.errors(),
            middle.rss_before as f64 / (1 << 20) as f64,
            middle.rss_loaded as f64 / (1 << 20) as f64,
            per_connection / 1024.0,
            tokio_memory.map_or("-".into(), |t| format!("{:.2}x", per_connection / t)),
            thousands(median(&r.rates()) as u64),
        );
        if let Some(error) = r.runs.iter().find_map(|run| run.first_error.as_ref()) {
            println!("\n{} server, first error: {error}", r.server.name());
        }
    }
}

/// Prints each target of issue #5 with the measured ratio and whether it was met.
pub fn targets(
    copy: Option<&[CopyResult]>,
    echo: Option<&[EchoResult]>,
    scale: Option<&[ScaleResult]>,
) {
    println!();
    println!("## targets");
    println!();
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    if let Some(results) = copy {
        for buffer in copy::BUFFERS {
            let rates = |proxy| copy_case(results, proxy, buffer).rates();
            let vs_tokio = paired_ratio(&rates(Proxy::Code), &rates(Proxy::Tokio));
            let vs_std = paired_ratio(&rates(Proxy::Code), &rates(Proxy::Std));
            println!(
                "- copy, {}: code/tokio {vs_tokio:.2}x (target >= 1.0): {}; code/std {vs_std:.2}x (target >= 0.9): {}",
                bytes(buffer as u64),
                verdict(vs_tokio >= 1.0),
                verdict(vs_std >= 0.9)
            );
        }
    }
    if let Some(results) = echo {
        let mut clients: Vec<usize> = results.iter().map(|r| r.clients).collect();
        clients.dedup();
        for c in clients {
            let rates = |server| echo_case(results, server, c).rates();
            let ratio = paired_ratio(&rates(EchoServer::Code), &rates(EchoServer::Tokio));
            println!(
                "- echo, C = {}: code/tokio {ratio:.2}x (target >= 0.9): {}",
                thousands(c as u64),
                verdict(ratio >= 0.9)
            );
        }
    }
    if let Some(results) = scale {
        let of = |s| {
            results
                .iter()
                .find(|r| r.server == s)
                .expect("both servers ran")
        };
        let (code, tokio) = (of(ScaleServer::Code), of(ScaleServer::Tokio));
        let held = code.runs.iter().all(|r| r.held == code.connections) && code.errors() == 0;
        let memory = median(&code.bytes_per_connection()) / median(&tokio.bytes_per_connection());
        println!(
            "- scale: code held {} connections with {} errors: {}; memory per connection code/tokio {memory:.2}x (target <= 1.0): {}",
            thousands(code.connections as u64),
            code.errors(),
            verdict(held),
            verdict(memory <= 1.0)
        );
    }
}

/// One copy case.
pub fn copy_case(results: &[CopyResult], proxy: Proxy, buffer: usize) -> &CopyResult {
    results
        .iter()
        .find(|r| r.proxy == proxy && r.buffer == buffer)
        .expect("every proxy runs with every buffer")
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
    use super::civil_from_days;

    #[test]
    fn calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
    }
}
