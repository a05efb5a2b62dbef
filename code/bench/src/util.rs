//! Small helpers shared by the benchmarks: statistics, limits, memory.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Every server binds here: loopback only, any free port.
pub const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Runs every case once to warm up, then `reps` measured rounds, printing
/// `label` and a dot per round to stderr. `run` runs one case and says how
/// long it took and how much CPU time it used; measured rounds are recorded
/// with `record`.
///
/// The cases of a group (the `group` consecutive cases that are compared
/// with each other) run one after the other, in the order
/// [`round_order`] gives for the round.
pub fn measure_rounds<T>(
    label: &str,
    cases: &mut [T],
    group: usize,
    reps: usize,
    mut run: impl FnMut(&T) -> io::Result<(Duration, f64)>,
    mut record: impl FnMut(&mut T, Duration, f64),
) -> io::Result<()> {
    eprint!("{label}: ");
    for round in 0..=reps {
        for cases in cases.chunks_mut(group) {
            // Round 0 warms up; measured round 1 takes the first order.
            for i in round_order(cases.len(), round.saturating_sub(1)) {
                let case = &mut cases[i];
                let (elapsed, cpu) = run(case)?;
                if round > 0 {
                    record(case, elapsed, cpu);
                }
            }
        }
        eprint!("{}", if round == 0 { "warm-up " } else { "." });
    }
    eprintln!();
    Ok(())
}

/// The order in which the `group` cases of a group run in a round: every
/// permutation in turn (for three cases, a cycle of six rounds). Over each
/// full cycle, every case runs first equally often, and right after each
/// other case equally often. Whatever one case leaves behind (sockets in
/// TIME_WAIT, cold caches, the clock speed of the core) then falls on each
/// of the others alike. Rotating a fixed order would not do that: rotations
/// of (a, b, c) always run b right after a, and never a right after b.
pub fn round_order(group: usize, round: usize) -> Vec<usize> {
    let factorial = |n: usize| (1..=n).product::<usize>();
    // The round-th permutation in lexicographic order, digit by digit in
    // the factorial number system.
    let mut left: Vec<usize> = (0..group).collect();
    let mut index = round % factorial(group);
    let mut order = Vec::with_capacity(group);
    for i in (0..group).rev() {
        order.push(left.remove(index / factorial(i)));
        index %= factorial(i);
    }
    order
}

/// The median of some measurements (the mean of the middle two for an even
/// count). A median ignores the one run that a busy neighbour slowed down.
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "median of no measurements");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// How many times faster `a` was than `b`: the median of the ratios of runs
/// made in the same round (run i of `a` next to run i of `b`). A slow phase
/// of a busy machine that hits both runs of a round cancels out.
pub fn paired_ratio(a: &[f64], b: &[f64]) -> f64 {
    median(&round_ratios(a, b))
}

/// The ratio of `a` to `b` in each round.
pub fn round_ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    assert_eq!(a.len(), b.len(), "paired runs");
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// A confidence interval of at least 95 % for the median of the
/// distribution that `values` were drawn from, assuming nothing about its
/// shape, only that the values are independent: the k-th smallest and the
/// k-th largest value. The median lies below the k-th smallest of n values
/// exactly when fewer than k of them fall below it, which has the
/// probability P(B < k) for B ~ Binomial(n, ½); the same holds above. So k is
/// the largest rank with 2 · P(B < k) ≤ 5 % (n = 9 gives ranks 2 and 8, with
/// 96 % coverage; n = 50 gives 18 and 33, with 97 %).
///
/// `None` for fewer than 6 values: then even the smallest and the largest
/// miss the median more than 5 % of the time.
pub fn median_interval(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    // 2^-n underflows to zero past n = 1074; `--reps` stops at 50.
    assert!(n <= 1000, "median_interval: {n} values, at most 1000");
    let mut k = 0; // the rank found so far
    let mut below = 0.0; // P(B < k + 1), built up term by term
    let mut term = 0.5f64.powi(n as i32); // P(B = k) = C(n, k) / 2^n
    // The ranks would cross at n / 2. The tail stops the loop long before
    // that; the bound is for n = 0 and 1, which have no interval at all.
    while k < n / 2 {
        below += term;
        if 2.0 * below > 0.05 {
            break;
        }
        term *= (n - k) as f64 / (k + 1) as f64;
        k += 1;
    }
    if k == 0 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some((sorted[k - 1], sorted[n - k]))
}

/// The smallest and largest measurement, to show how noisy a case was.
pub fn spread(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `8192` → `8 KiB`, `268435456` → `256 MiB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// A tokio runtime of the kind we compare with: one thread, like `code`.
pub fn tokio_runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Starts a thread with a name (profilers and `top -H` show it: "proxy code",
/// "echo tokio", ...).
pub fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<JoinHandle<T>> {
    thread::Builder::new().name(name.to_string()).spawn(f)
}

/// Joins `handle`, but gives up after `limit` so that a stuck case ends the
/// benchmark with an error instead of hanging it.
pub fn join_within<T>(
    handle: JoinHandle<io::Result<T>>,
    limit: Duration,
    what: &str,
) -> io::Result<T> {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what} did not finish within {limit:?}"),
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
    match handle.join() {
        Ok(result) => result,
        Err(_) => Err(io::Error::other(format!("{what} panicked"))),
    }
}

/// Ends the whole process if the benchmarks run longer than `limit`: they
/// are bounded in count, and this bounds them in time too.
pub fn start_watchdog(limit: Duration) {
    thread::spawn(move || {
        thread::sleep(limit);
        eprintln!(
            "bench: still running after {limit:?}, so something is stuck (a server that stopped \
             answering?); stopping. Child processes end when their stdin closes."
        );
        std::process::exit(3);
    });
}

/// The benchmarks measure with Unix calls (open-file limits, per-thread CPU
/// time) and read memory from Linux's `/proc`. Elsewhere they stop at once,
/// saying so (they still compile, so that the workspace does).
#[cfg(not(unix))]
pub fn raise_fd_limit(_needed: u64) -> Result<String, String> {
    Err(
        "the benchmarks measure CPU time and open-file limits with Unix calls and memory \
         from /proc: run them on Linux (or, without the scale benchmark, macOS)"
            .to_string(),
    )
}

/// Raises the soft limit on open files to at least `needed` (up to the hard
/// limit) and says what it did. Child processes inherit the raised limit.
#[cfg(unix)]
pub fn raise_fd_limit(needed: u64) -> Result<String, String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and keeps no pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!(
            "getrlimit(RLIMIT_NOFILE) failed: {}",
            io::Error::last_os_error()
        ));
    }
    let before = limit.rlim_cur;
    if before >= needed {
        return Ok(format!(
            "open-file limit (RLIMIT_NOFILE) is {before}, enough for {needed}; left as it is"
        ));
    }
    if limit.rlim_max < needed {
        return Err(format!(
            "the scale benchmark needs {needed} open files per process, but the hard limit \
             (RLIMIT_NOFILE) is {}. Raise it (e.g. `ulimit -Hn {needed}` as root, or \
             /etc/security/limits.conf), or run a smaller size with --quick",
            limit.rlim_max
        ));
    }
    limit.rlim_cur = needed;
    // SAFETY: setrlimit only reads the struct we pass.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(format!(
            "setrlimit(RLIMIT_NOFILE, {needed}) failed: {}",
            io::Error::last_os_error()
        ));
    }
    Ok(format!(
        "raised the open-file limit (soft RLIMIT_NOFILE) from {before} to {needed} for this \
         process and its children"
    ))
}

/// Resident memory of process `pid`, in bytes (VmRSS in /proc/PID/status;
/// Linux only).
pub fn resident_bytes(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| {
        io::Error::other(format!(
            "cannot read /proc/{pid}/status ({e}): the scale benchmark measures memory \
             the Linux way"
        ))
    })?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or_else(|| io::Error::other(format!("no VmRSS in /proc/{pid}/status")))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| io::Error::other(format!("cannot read `{line}`")))?;
    Ok(kib * 1024)
}

/// CPU time this thread has used so far, in seconds. Unlike the wall clock
/// it does not count the time other programs had the core, so it stays
/// comparable on a busy machine.
#[cfg(unix)]
pub fn thread_cpu_seconds() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the struct we pass and keeps no pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    time.tv_sec as f64 + time.tv_nsec as f64 * 1e-9
}

/// Not measured outside Unix (`raise_fd_limit` stops the run first there).
#[cfg(not(unix))]
pub fn thread_cpu_seconds() -> f64 {
    f64::NAN
}

/// The commit the benchmark was built from, as `git describe --always
/// --dirty` gives it ("-dirty": with changes not committed), or a note
/// that git could not tell.
pub fn commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown (git could not tell)".to_string())
}

/// The processor's name, from /proc/cpuinfo ("unknown processor" if absent).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown processor".to_string())
}

/// The number of cores this process may run on.
pub fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
    }

    #[test]
    fn paired_ratio_is_the_median_of_per_round_ratios() {
        // Round 2 was slow for both: the pair still says 2x.
        assert_eq!(paired_ratio(&[4.0, 1.0, 4.0], &[2.0, 0.5, 1.0]), 2.0);
    }

    #[test]
    fn measure_rounds_runs_each_round_in_the_order_round_order_gives() {
        // The CSV of runs recomputes each run's place from `round_order`:
        // this is what makes that right.
        let mut cases = [0, 1, 2, 10, 11, 12]; // two groups of three
        let mut ran = Vec::new();
        let mut recorded = Vec::new();
        measure_rounds(
            "test",
            &mut cases,
            3,
            7,
            |&case| {
                ran.push(case);
                Ok((Duration::ZERO, 0.0))
            },
            |&mut case, _, _| recorded.push(case),
        )
        .unwrap();
        let mut expected = Vec::new();
        for round in 0..=7 {
            // Round 0 warms up in the first order; measured round r takes
            // the order of index r - 1.
            for base in [0, 10] {
                let order = round_order(3, round.max(1) - 1);
                expected.extend(order.iter().map(|i| base + i));
            }
        }
        assert_eq!(ran, expected);
        assert_eq!(recorded, expected[6..]);
    }

    #[test]
    fn every_case_runs_first_and_after_each_other_case_equally_often() {
        let cycle: Vec<Vec<usize>> = (0..6).map(|round| round_order(3, round)).collect();
        let mut distinct = cycle.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 6, "six different orders: {cycle:?}");
        for a in 0..3 {
            let first = cycle.iter().filter(|order| order[0] == a).count();
            assert_eq!(first, 2, "case {a} first: {cycle:?}");
            for b in (0..3).filter(|&b| b != a) {
                let after = cycle
                    .iter()
                    .filter(|order| order.windows(2).any(|w| w == [a, b]))
                    .count();
                assert_eq!(after, 2, "case {b} right after {a}: {cycle:?}");
            }
        }
        assert_eq!(round_order(3, 6), round_order(3, 0), "the cycle repeats");
        assert_eq!(round_order(2, 1), vec![1, 0]);
        assert_eq!(round_order(1, 5), vec![0]);
    }

    #[test]
    fn median_interval_uses_the_binomial_ranks() {
        let ranks = |n: usize| {
            let values: Vec<f64> = (1..=n).rev().map(|i| i as f64).collect();
            median_interval(&values)
        };
        // The ranks of the published tables for a 95 % interval.
        assert_eq!(ranks(5), None);
        assert_eq!(ranks(6), Some((1.0, 6.0)));
        assert_eq!(ranks(9), Some((2.0, 8.0)));
        assert_eq!(ranks(12), Some((3.0, 10.0))); // the default --reps
        assert_eq!(ranks(20), Some((6.0, 15.0)));
        assert_eq!(ranks(48), Some((17.0, 32.0))); // the book's run
        assert_eq!(ranks(50), Some((18.0, 33.0)));
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(8 * 1024), "8 KiB");
        assert_eq!(bytes(256 << 20), "256 MiB");
        assert_eq!(bytes(64), "64 B");
    }

    #[test]
    fn resident_memory_of_this_process_is_plausible() {
        let rss = resident_bytes(std::process::id()).unwrap();
        assert!(rss > 100 * 1024 && rss < 1 << 34, "VmRSS {rss}");
    }
}
