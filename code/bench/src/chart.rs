//! Draws the results as one SVG for the book's results page: three panels
//! (copy throughput, echo round trips per second, memory per connection),
//! one under the other, each bar labelled with its contender and its number.
//! Plain SVG text, no dependencies.
//!
//! Made to be read in every theme of the book and on a phone:
//! - text and axes are drawn in `currentColor` on a transparent background
//!   (black in an `<img>`; the book's stylesheet inverts the image in its
//!   dark themes, and an inlined copy would take the page's text colour);
//! - 400 units wide with 14-unit text, so a phone's column (about 350 px)
//!   shows the smallest text at 12 px or more;
//! - the chart shows the numbers as the page's tables print them, so that it
//!   can be drawn again from the page alone (`Chart::from_page`, in the
//!   tests): after a change to the drawing,
//!   `REDRAW_CHART=1 cargo test -p bench chart` redraws
//!   `book/images/copy-throughput.svg` without running the benchmark.

use std::fmt::Write;

use crate::Config;
use crate::copy::{self, CopyResult, Proxy};
use crate::echo::{self, EchoResult, Server as EchoServer};
use crate::report::{GIB, copy_case, echo_case, kib_per_connection, scale_case};
use crate::scale::{ScaleResult, Server as ScaleServer};
use crate::util::{bytes, median, thousands};

/// The three contenders: their names on the chart and their colours (a
/// palette that stays distinguishable for colour-blind readers; each bar is
/// labelled too, so colour is never the only clue).
const SERIES: [(&str, &str); 3] = [
    ("code", "#1b9e77"),
    ("std (threads)", "#7570b3"),
    ("tokio (1 thread)", "#d95f02"),
];

/// What the chart shows: every number, as the page prints it.
#[derive(Debug, PartialEq)]
pub struct Chart {
    reps: usize,
    panels: Vec<Panel>,
}

/// One panel: a title, the unit of its bars, groups of bars.
#[derive(Debug, PartialEq)]
struct Panel {
    title: String,
    unit: &'static str,
    groups: Vec<Group>,
}

#[derive(Debug, PartialEq)]
struct Group {
    label: String,
    bars: Vec<Bar>,
}

/// One bar: which series, its length in the panel's unit, its label.
#[derive(Debug, PartialEq)]
struct Bar {
    series: usize,
    value: f64,
    label: String,
}

impl Bar {
    fn new(series: usize, value: f64, label: String) -> Bar {
        Bar {
            series,
            value,
            label,
        }
    }
}

// The numbers as the page's tables print them (report.rs): copy in GiB/s
// with two decimals, echo in whole round trips per second, memory in KiB
// with two decimals. A chart drawn from a run and one drawn from its page
// are then the same.
fn copy_bar(series: usize, gib_per_s: f64) -> Bar {
    let value = round(gib_per_s, 2);
    Bar::new(series, value, format!("{value:.2}"))
}

fn echo_bar(series: usize, per_s: f64) -> Bar {
    let value = per_s.trunc();
    Bar::new(series, value, format!("{:.0}k", value / 1000.0))
}

fn scale_bar(series: usize, kib: f64) -> Bar {
    let value = round(kib, 2);
    Bar::new(series, value, format!("{value:.1} KiB"))
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn copy_panel(size: &str, groups: Vec<Group>) -> Panel {
    Panel {
        title: format!("copy {size} through a proxy"),
        unit: "GiB/s, higher is better",
        groups,
    }
}

fn echo_panel(message: &str, groups: Vec<Group>) -> Panel {
    Panel {
        title: format!("echo round trips of {message}"),
        unit: "round trips/s, higher is better",
        groups,
    }
}

fn scale_panel(connections: &str, bars: Vec<Bar>) -> Panel {
    Panel {
        title: format!("memory per connection, {connections} open"),
        unit: "resident memory, lower is better",
        groups: vec![Group {
            label: "server process".into(),
            bars,
        }],
    }
}

/// The chart of a run (what `--book` writes).
pub fn svg(
    config: &Config,
    copy: &[CopyResult],
    echo: &[EchoResult],
    scale: &[ScaleResult],
) -> String {
    Chart::from_results(config, copy, echo, scale).render()
}

impl Chart {
    fn from_results(
        config: &Config,
        copy: &[CopyResult],
        echo: &[EchoResult],
        scale: &[ScaleResult],
    ) -> Chart {
        let copy_groups = copy::BUFFERS
            .iter()
            .map(|&buffer| Group {
                label: format!("{} buffer", bytes(buffer as u64)),
                bars: [Proxy::Code, Proxy::Std, Proxy::Tokio]
                    .iter()
                    .enumerate()
                    .map(|(series, &proxy)| {
                        copy_bar(
                            series,
                            median(&copy_case(copy, proxy, buffer).rates()) / GIB,
                        )
                    })
                    .collect(),
            })
            .collect();
        let mut clients: Vec<usize> = echo.iter().map(|r| r.clients).collect();
        clients.dedup();
        let echo_groups = clients
            .iter()
            .map(|&c| Group {
                label: format!("{} clients", thousands(c as u64)),
                bars: [EchoServer::Code, EchoServer::StdThreads, EchoServer::Tokio]
                    .iter()
                    .enumerate()
                    .map(|(series, &server)| {
                        echo_bar(series, median(&echo_case(echo, server, c).rates()))
                    })
                    .collect(),
            })
            .collect();
        let scale_bars = [(0, ScaleServer::Code), (2, ScaleServer::Tokio)]
            .iter()
            .map(|&(series, server)| {
                scale_bar(series, kib_per_connection(scale_case(scale, server)))
            })
            .collect();
        Chart {
            reps: config.reps,
            panels: vec![
                copy_panel(&bytes(config.copy_bytes), copy_groups),
                echo_panel(&format!("{} B", echo::MESSAGE), echo_groups),
                scale_panel(&thousands(config.scale_connections as u64), scale_bars),
            ],
        }
    }

    pub fn render(&self) -> String {
        let mut body = String::new();
        let mut y = 0.0;
        y += 20.0;
        let _ = writeln!(
            body,
            r#"<text x="0" y="{y}" font-size="16" font-weight="bold">code vs blocking std vs tokio</text>"#
        );
        y += 20.0;
        let _ = writeln!(
            body,
            r#"<text x="0" y="{y}">medians of {} runs, over loopback</text>"#,
            self.reps
        );
        for panel in &self.panels {
            y = draw_panel(&mut body, panel, y + 14.0);
        }
        let height = y + 8.0;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="{FONT}" fill="currentColor">"#
        );
        let _ = writeln!(
            out,
            "<title>Benchmark results: code vs blocking std vs tokio</title>"
        );
        out.push_str(&body);
        out.push_str("</svg>\n");
        out
    }
}

const WIDTH: f64 = 400.0;
/// Text size: 14 units, 12 px or more on a phone (the chart is then about 350 px wide).
const FONT: f64 = 14.0;
const ROW: f64 = 24.0;
const BAR: f64 = 16.0;
/// Room for the contender's name left of the bars, and for the number right of them.
const NAME_WIDTH: f64 = 128.0;
const VALUE_WIDTH: f64 = 68.0;

/// Draws `panel` from `top` down; returns where it ends.
fn draw_panel(out: &mut String, panel: &Panel, top: f64) -> f64 {
    let max = panel
        .groups
        .iter()
        .flat_map(|g| g.bars.iter().map(|b| b.value))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let plot_width = WIDTH - NAME_WIDTH - VALUE_WIDTH;
    let mut y = top + 18.0;
    let _ = writeln!(
        out,
        r#"<text x="0" y="{y}" font-weight="bold">{}</text>"#,
        escape(&panel.title)
    );
    y += 18.0;
    let _ = writeln!(
        out,
        r#"<text x="0" y="{y}" font-style="italic">{}</text>"#,
        escape(panel.unit)
    );
    let bars_top = y + 8.0;
    for group in &panel.groups {
        y += ROW;
        let _ = writeln!(
            out,
            r#"<text x="{NAME_WIDTH}" y="{y}" font-weight="bold">{}</text>"#,
            escape(&group.label)
        );
        for bar in &group.bars {
            y += ROW;
            let length = bar.value / max * plot_width;
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{y}" text-anchor="end">{}</text>"#,
                NAME_WIDTH - 8.0,
                escape(SERIES[bar.series].0)
            );
            let _ = writeln!(
                out,
                r#"<rect x="{NAME_WIDTH}" y="{:.1}" width="{length:.1}" height="{BAR}" fill="{}"/>"#,
                y - BAR + 4.0,
                SERIES[bar.series].1
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{y}">{}</text>"#,
                NAME_WIDTH + length + 6.0,
                escape(&bar.label)
            );
        }
    }
    // The bars' common start.
    let _ = writeln!(
        out,
        r#"<line x1="{NAME_WIDTH}" y1="{bars_top}" x2="{NAME_WIDTH}" y2="{}" stroke="currentColor"/>"#,
        y + 6.0
    );
    y
}

/// Reading the chart back from the results page: for the tests, which
/// check that the committed chart shows the committed page's numbers, and
/// redraw it (`REDRAW_CHART=1 cargo test -p bench chart`).
#[cfg(test)]
mod page {
    use super::*;

    impl Chart {
        /// The chart of the results page `book/copy-results.md`, from its tables
        /// and the sizes its prose names.
        pub fn from_page(page: &str) -> Result<Chart, String> {
            let reps = between(page, "then ", " times")
                .and_then(|n| n.parse().ok())
                .ok_or("no \"then N times\" (the number of runs) on the page")?;
            let copy_size = between(page, "copy: sender → proxy → sink, ", " per run")
                .ok_or("no copy size (\"…, 256 MiB per run\") on the page")?;
            let message = between(section(page, "echo")?, "round trips of ", ",")
                .ok_or("no echo message size (\"round trips of 64 B,\") under `echo`")?;
            let connections = between(page, "scale: ", " connections open")
                .ok_or("no connection count (\"scale: 10,000 connections open\") on the page")?;

            let mut copy_groups: Vec<Group> = Vec::new();
            for row in table(page, "copy", "GiB/s, median")? {
                let label = format!("{} buffer", row.cell(2)?);
                let bar = copy_bar(row.series()?, row.number()?);
                push_bar(&mut copy_groups, label, bar);
            }
            let mut echo_groups: Vec<Group> = Vec::new();
            for row in table(page, "echo", "round trips/s, median")? {
                let label = format!("{} clients", row.cell(0)?);
                let bar = echo_bar(row.series()?, row.number()?);
                push_bar(&mut echo_groups, label, bar);
            }
            let mut scale_bars = Vec::new();
            for row in table(page, "scale", "per connection")? {
                scale_bars.push(scale_bar(row.series()?, row.number()?));
            }
            for group in &mut copy_groups {
                group.bars.sort_by_key(|b| b.series);
            }
            for group in &mut echo_groups {
                group.bars.sort_by_key(|b| b.series);
            }
            scale_bars.sort_by_key(|b| b.series);
            Ok(Chart {
                reps,
                panels: vec![
                    copy_panel(copy_size, copy_groups),
                    echo_panel(message, echo_groups),
                    scale_panel(connections, scale_bars),
                ],
            })
        }
    }

    /// Adds `bar` to the group named `label`, which is created after the others if new.
    fn push_bar(groups: &mut Vec<Group>, label: String, bar: Bar) {
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.bars.push(bar),
            None => groups.push(Group {
                label,
                bars: vec![bar],
            }),
        }
    }

    /// The text between the first `before` and the next `after`.
    fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
        let start = text.find(before)? + before.len();
        let len = text[start..].find(after)?;
        Some(&text[start..start + len])
    }

    /// One row of a results table, and the column that holds its number.
    struct Row<'a> {
        cells: Vec<&'a str>,
        column: usize,
    }

    impl Row<'_> {
        fn cell(&self, i: usize) -> Result<&str, String> {
            self.cells
                .get(i)
                .copied()
                .ok_or_else(|| format!("a row has no column {i}: {:?}", self.cells))
        }

        /// The contender: the first name-like cell (`code`, `std …`, `tokio …`).
        fn series(&self) -> Result<usize, String> {
            self.cells
                .iter()
                .find_map(|cell| match cell.split_whitespace().next() {
                    Some("code") => Some(0),
                    Some("std") => Some(1),
                    Some("tokio") => Some(2),
                    _ => None,
                })
                .ok_or_else(|| format!("a row names no contender: {:?}", self.cells))
        }

        /// The row's number: the first number of its column, without `,` and unit.
        fn number(&self) -> Result<f64, String> {
            let cell = self.cell(self.column)?;
            let first = cell.split_whitespace().next().unwrap_or("");
            first
                .replace(',', "")
                .parse()
                .map_err(|_| format!("not a number: {cell:?}"))
        }
    }

    /// The page from its heading `name` on (a Markdown heading of any level).
    fn section<'a>(page: &'a str, name: &str) -> Result<&'a str, String> {
        let mut at = 0;
        for line in page.split_inclusive('\n') {
            if line.starts_with('#') && line.trim_start_matches('#').trim() == name {
                return Ok(&page[at..]);
            }
            at += line.len();
        }
        Err(format!("no `{name}` section on the page"))
    }

    /// The rows of the first table in the section `heading`, with the column
    /// whose header starts with `column`.
    fn table<'a>(page: &'a str, heading: &str, column: &str) -> Result<Vec<Row<'a>>, String> {
        let mut lines = section(page, heading)?
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'));
        let split = |line: &'a str| -> Vec<&'a str> {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect()
        };
        let header = split(
            lines
                .next()
                .ok_or_else(|| format!("no table under `{heading}`"))?,
        );
        let column = header
            .iter()
            .position(|h| h.starts_with(column))
            .ok_or_else(|| format!("the table under `{heading}` has no column `{column}`"))?;
        let rows: Vec<Row> = lines
            .skip(1) // |---|---|
            .map(|line| Row {
                cells: split(line),
                column,
            })
            .collect();
        if rows.is_empty() {
            return Err(format!("the table under `{heading}` has no rows"));
        }
        Ok(rows)
    }
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::book_dir;
    use crate::book::tests::fake_run;
    use crate::report;

    /// The committed chart is the drawing of the numbers on the committed
    /// page. `REDRAW_CHART=1` writes it instead (after a change to the
    /// drawing: no need to run the benchmark again).
    #[test]
    fn the_books_chart_shows_the_numbers_of_its_page() {
        let page = std::fs::read_to_string(book_dir().join("copy-results.md")).unwrap();
        let path = book_dir().join("images/copy-throughput.svg");
        let drawn = Chart::from_page(&page).unwrap().render();
        if std::env::var_os("REDRAW_CHART").is_some_and(|v| v == "1") {
            std::fs::write(&path, &drawn).unwrap();
            eprintln!("wrote {}", path.display());
        }
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            committed == drawn,
            "{} is not the drawing of the numbers in book/copy-results.md: \
             redraw it with `REDRAW_CHART=1 cargo test -p bench chart`",
            path.display()
        );
    }

    /// A run's chart and the chart drawn from the tables the same run
    /// prints are the same: the page alone is enough to draw it again.
    #[test]
    fn a_run_and_its_tables_draw_the_same_chart() {
        let (config, copy, echo, scale) = fake_run();
        let page = format!(
            "then {} times\n\n## copy\n\n{}\n\n{}\n## echo\n\n{}\n\n{}\n## scale\n\n{}\n\n{}",
            config.reps,
            report::copy_title(&config),
            report::copy_table(&copy),
            report::echo_title(&config),
            report::echo_table(&echo),
            report::scale_title(&config),
            report::scale_table(&scale),
        );
        let from_run = Chart::from_results(&config, &copy, &echo, &scale);
        assert_eq!(Chart::from_page(&page).unwrap(), from_run, "{page}");
        let svg = from_run.render();
        assert!(svg.contains(">0.83<"), "{svg}"); // ¼ GiB in 0.3 s (the median run)
        assert!(svg.contains(">50k<"), "{svg}"); // 100 × 1,000 in 2.0 s
        assert!(svg.contains(">9.0 KiB<"), "{svg}");
    }

    #[test]
    fn the_chart_is_legible_in_every_theme() {
        let (config, copy, echo, scale) = fake_run();
        let svg = svg(&config, &copy, &echo, &scale);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // No background of its own, text in the colour of the page's text.
        assert!(!svg.contains("#fff"), "{svg}");
        assert!(svg.contains(r#"fill="currentColor""#), "{svg}");
        // No text smaller than 14 units in a drawing 400 units wide.
        for size in svg.split("font-size=\"").skip(1) {
            let size: f64 = size[..size.find('"').unwrap()].parse().unwrap();
            assert!(size >= FONT, "text of size {size} in\n{svg}");
        }
        assert!(svg.contains(r#"width="400""#), "{svg}");
    }

    #[test]
    fn a_page_without_its_tables_says_what_is_missing() {
        let prose = "then 9 times; copy: sender → proxy → sink, 1 MiB per run\n\
                     ## echo\nround trips of 64 B, and scale: 10 connections open";
        let err = Chart::from_page(prose).unwrap_err();
        assert!(err.contains("`copy` section"), "{err}");
        let err = Chart::from_page("no numbers here").unwrap_err();
        assert!(err.contains("then N times"), "{err}");
    }
}
