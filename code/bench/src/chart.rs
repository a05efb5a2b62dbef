//! Draws the results as one SVG with three bar-chart panels (copy
//! throughput, echo round trips per second, memory per connection), for the
//! book's chapter "copy and throughput". Plain SVG text, no dependencies.

use std::fmt::Write;

use crate::Config;
use crate::copy::{self, CopyResult, Proxy};
use crate::echo::{EchoResult, Server as EchoServer};
use crate::report::{copy_case, echo_case, now_utc};
use crate::scale::{ScaleResult, Server as ScaleServer};
use crate::util::{bytes, cores, median, thousands};

/// The three contenders and their colours (a palette that stays
/// distinguishable for colour-blind readers).
const SERIES: [(&str, &str); 3] = [
    ("code", "#1b9e77"),
    ("blocking std (threads)", "#7570b3"),
    ("tokio current_thread", "#d95f02"),
];

/// One bar: which series, its height in the panel's unit, its label.
struct Bar {
    series: usize,
    value: f64,
    label: String,
}

/// One panel: a title, the unit of its axis, groups of bars.
struct Panel {
    title: String,
    unit: &'static str,
    groups: Vec<(String, Vec<Bar>)>,
}

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
const PANEL_TOP: f64 = 110.0;
const PANEL_BOTTOM: f64 = 360.0;

pub fn svg(
    config: &Config,
    copy: &[CopyResult],
    echo: &[EchoResult],
    scale: &[ScaleResult],
) -> String {
    let gib = (1u64 << 30) as f64;
    let copy_panel = Panel {
        title: format!("copy {} through a proxy", bytes(config.copy_bytes)),
        unit: "GiB/s (higher is better)",
        groups: copy::BUFFERS
            .iter()
            .map(|&buffer| {
                let bars = [Proxy::Code, Proxy::Std, Proxy::Tokio]
                    .iter()
                    .enumerate()
                    .map(|(series, &proxy)| {
                        let value = median(&copy_case(copy, proxy, buffer).rates()) / gib;
                        Bar {
                            series,
                            value,
                            label: format!("{value:.2}"),
                        }
                    })
                    .collect();
                (format!("{} buffer", bytes(buffer as u64)), bars)
            })
            .collect(),
    };
    let mut clients: Vec<usize> = echo.iter().map(|r| r.clients).collect();
    clients.dedup();
    let echo_panel = Panel {
        title: "echo round trips (64 B)".into(),
        unit: "thousand round trips/s (higher is better)",
        groups: clients
            .iter()
            .map(|&c| {
                let bars = [EchoServer::Code, EchoServer::StdThreads, EchoServer::Tokio]
                    .iter()
                    .enumerate()
                    .map(|(series, &server)| {
                        let value = median(&echo_case(echo, server, c).rates()) / 1000.0;
                        Bar {
                            series,
                            value,
                            label: format!("{value:.0}k"),
                        }
                    })
                    .collect();
                (format!("C = {}", thousands(c as u64)), bars)
            })
            .collect(),
    };
    let scale_bars = scale
        .iter()
        .map(|r| {
            let value = median(&r.bytes_per_connection()) / 1024.0;
            Bar {
                series: if r.server == ScaleServer::Code { 0 } else { 2 },
                value,
                label: format!("{value:.1}"),
            }
        })
        .collect();
    let scale_panel = Panel {
        title: format!(
            "memory per connection, {} open",
            thousands(config.scale_connections as u64)
        ),
        unit: "KiB resident (lower is better)",
        groups: vec![("server process".into(), scale_bars)],
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="28" text-anchor="middle" font-size="17" font-weight="bold">code vs blocking std vs tokio: medians of {} runs, loopback</text>"#,
        WIDTH / 2.0,
        config.reps
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="48" text-anchor="middle" fill="#555555">{} UTC, {} cores; cargo run --release -p bench -- --book</text>"##,
        WIDTH / 2.0,
        now_utc(),
        cores()
    );
    // The legend.
    for (i, (name, colour)) in SERIES.iter().enumerate() {
        let x = 250.0 + 170.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="62" width="14" height="14" fill="{colour}"/><text x="{}" y="74">{}</text>"#,
            x + 20.0,
            escape(name)
        );
    }
    let panel_width = WIDTH / 3.0;
    for (i, panel) in [copy_panel, echo_panel, scale_panel].iter().enumerate() {
        draw_panel(&mut out, panel, panel_width * i as f64, panel_width);
    }
    out.push_str("</svg>\n");
    out
}

fn draw_panel(out: &mut String, panel: &Panel, left: f64, width: f64) {
    let max = panel
        .groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|b| b.value))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let plot_left = left + 30.0;
    let plot_width = width - 50.0;
    let plot_height = PANEL_BOTTOM - PANEL_TOP - 30.0;
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
        left + width / 2.0,
        PANEL_TOP - 8.0,
        escape(&panel.title)
    );
    let _ = writeln!(
        out,
        r##"<line x1="{plot_left}" y1="{PANEL_BOTTOM}" x2="{}" y2="{PANEL_BOTTOM}" stroke="#333333"/>"##,
        plot_left + plot_width
    );
    let group_width = plot_width / panel.groups.len() as f64;
    for (g, (label, bars)) in panel.groups.iter().enumerate() {
        let group_left = plot_left + group_width * g as f64;
        let bar_width = (group_width - 20.0) / 3.0;
        let bars_left = group_left + (group_width - bar_width * bars.len() as f64) / 2.0;
        for (b, bar) in bars.iter().enumerate() {
            let height = bar.value / max * plot_height;
            let x = bars_left + bar_width * b as f64;
            let y = PANEL_BOTTOM - height;
            let _ = writeln!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{height:.1}" fill="{}"/>"#,
                bar_width - 4.0,
                SERIES[bar.series].1
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">{}</text>"#,
                x + (bar_width - 4.0) / 2.0,
                y - 5.0,
                escape(&bar.label)
            );
        }
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            group_left + group_width / 2.0,
            PANEL_BOTTOM + 18.0,
            escape(label)
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#555555" font-size="12">{}</text>"##,
        left + width / 2.0,
        PANEL_BOTTOM + 42.0,
        escape(panel.unit)
    );
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
