//! The report's charts: their data computed from the registers and alarms for a period, and
//! each drawn as a self-contained SVG (1200×600 viewBox). The HTML writer inlines the SVG;
//! the DOCX writer needs a PNG, rasterised with headless Chromium ([`rasterise`]).

use std::collections::HashMap;
use std::fmt::Write;
use std::process::Command;

use sqlx::SqlitePool;
use tongtu_alarms::export::rule_name_zh;
use tongtu_records::registers::projects::PROJECT_KINDS;

use crate::doc::{Block, Inline};
use crate::figures::format_number;
use crate::period::{ParamValue, Period};
use crate::report::{chromium, ReportError};

/// The ids `@chart <id>` may use, in the order of the report.
pub const IDS: [&str; 3] = ["investment", "volumes", "alarms"];

/// Width and height of the SVG viewBox and of the rasterised PNG, in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 600;

/// The size of a chart in the document (2:1, the width of the official text block).
const WIDTH_MM: f64 = 156.0;
const HEIGHT_MM: f64 = 78.0;

const FONT: &str = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, sans-serif";
const COLOURS: [&str; 4] = ["#1f5fbf", "#e07b39", "#3a9a5b", "#8e5ac8"];

/// How the series of a chart are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Grouped bars, one group per category.
    Bars,
    /// One line per series across the categories.
    Lines,
}

/// One series: its legend label and a value per category (`None`: no data, not drawn).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// One plot area with its own value axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Shown above the value axis (the quantity and its unit).
    pub title: String,
    /// Decimals of the value labels.
    pub precision: u8,
    pub series: Vec<Series>,
}

/// The data of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub id: &'static str,
    pub title: String,
    pub style: Style,
    pub categories: Vec<String>,
    /// Side by side; every panel shares the categories and the legend of the first.
    pub panels: Vec<Panel>,
}

impl ChartData {
    /// Number of drawn values (bars or points).
    pub fn items(&self) -> usize {
        self.panels
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| &s.values)
            .filter(|v| v.is_some())
            .count()
    }
}

/// The title of a chart id (for the missing-chart note).
pub fn title(id: &str) -> &'static str {
    match id {
        "investment" => "重点项目投资完成情况（亿元）",
        "volumes" => "公路客货运量月度变化",
        "alarms" => "动态监控报警（起）",
        _ => "图表",
    }
}

/// Computes a chart's data; `None` when there is nothing to draw.
pub async fn compute(
    db: &SqlitePool,
    id: &str,
    period: &Period,
) -> Result<Option<ChartData>, ReportError> {
    match id {
        "investment" => investment(db, period).await,
        "volumes" => volumes(db, period).await,
        "alarms" => alarms(db, period).await,
        other => Err(ReportError::Invalid(format!("unknown chart {other:?}"))),
    }
}

fn month(y: i32, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

/// Plan of the year vs completed from January to the end of the period, per project kind.
pub async fn investment(
    db: &SqlitePool,
    period: &Period,
) -> Result<Option<ChartData>, ReportError> {
    let plans: Vec<(String, f64)> = sqlx::query_as(
        "SELECT p.kind, COALESCE(SUM(pl.planned_investment), 0) FROM rec_project_plans pl \
         JOIN rec_projects p ON p.id = pl.project_id WHERE pl.year = $1 GROUP BY p.kind",
    )
    .bind(period.year)
    .fetch_all(db)
    .await?;
    let done: Vec<(String, f64)> = sqlx::query_as(
        "SELECT p.kind, COALESCE(SUM(i.completed), 0) FROM rec_project_investments i \
         JOIN rec_projects p ON p.id = i.project_id WHERE i.month >= $1 AND i.month <= $2 \
         GROUP BY p.kind",
    )
    .bind(month(period.year, 1))
    .bind(month(period.year, period.last_month()))
    .fetch_all(db)
    .await?;
    let plans: HashMap<String, f64> = plans.into_iter().collect();
    let done: HashMap<String, f64> = done.into_iter().collect();
    let mut categories = Vec::new();
    let (mut plan_v, mut done_v) = (Vec::new(), Vec::new());
    // The declared order of kinds; unknown codes (not in the dictionary) follow, by code.
    let mut kinds: Vec<(String, String)> = PROJECT_KINDS
        .codes
        .iter()
        .map(|c| (c.code.to_string(), c.zh.to_string()))
        .collect();
    let mut extra: Vec<&String> = plans
        .keys()
        .chain(done.keys())
        .filter(|k| PROJECT_KINDS.find(k).is_none())
        .collect();
    extra.sort();
    extra.dedup();
    kinds.extend(extra.into_iter().map(|k| (k.clone(), k.clone())));
    for (code, zh) in kinds {
        let (p, d) = (plans.get(&code).copied(), done.get(&code).copied());
        if p.unwrap_or(0.0) == 0.0 && d.unwrap_or(0.0) == 0.0 {
            continue;
        }
        categories.push(zh);
        // 万元 in the registers, 亿元 on the chart.
        plan_v.push(Some(p.unwrap_or(0.0) / 10_000.0));
        done_v.push(Some(d.unwrap_or(0.0) / 10_000.0));
    }
    if categories.is_empty() {
        return Ok(None);
    }
    Ok(Some(ChartData {
        id: "investment",
        title: title("investment").into(),
        style: Style::Bars,
        categories,
        panels: vec![Panel {
            title: "亿元".into(),
            precision: 2,
            series: vec![
                Series {
                    label: format!("{}年计划", period.year),
                    values: plan_v,
                },
                Series {
                    label: format!("1—{}月完成", period.last_month()),
                    values: done_v,
                },
            ],
        }],
    }))
}

/// Road passenger and freight volume per month of the period, this year vs last year.
pub async fn volumes(db: &SqlitePool, period: &Period) -> Result<Option<ChartData>, ReportError> {
    let (f, l) = (period.first_month(), period.last_month());
    let rows: Vec<(String, Option<f64>, Option<f64>)> = sqlx::query_as(
        "SELECT month, SUM(passenger_volume), SUM(freight_volume) FROM rec_transport_stats \
         WHERE mode = 'road' AND ((month >= $1 AND month <= $2) OR (month >= $3 AND month <= $4)) \
         GROUP BY month",
    )
    .bind(month(period.year, f))
    .bind(month(period.year, l))
    .bind(month(period.year - 1, f))
    .bind(month(period.year - 1, l))
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let by_month: HashMap<String, (Option<f64>, Option<f64>)> =
        rows.into_iter().map(|(m, p, fr)| (m, (p, fr))).collect();
    let series = |year: i32, freight: bool| Series {
        label: format!("{year}年"),
        values: (f..=l)
            .map(|m| {
                by_month
                    .get(&month(year, m))
                    .and_then(|(p, fr)| if freight { *fr } else { *p })
            })
            .collect(),
    };
    let panel = |title: &str, freight: bool| Panel {
        title: title.into(),
        precision: 1,
        series: vec![
            series(period.year, freight),
            series(period.year - 1, freight),
        ],
    };
    let data = ChartData {
        id: "volumes",
        title: title("volumes").into(),
        style: Style::Lines,
        categories: (f..=l).map(|m| format!("{m}月")).collect(),
        panels: vec![
            panel("客运量（万人次）", false),
            panel("货运量（万吨）", true),
        ],
    };
    // Months present but with both volumes empty: nothing to draw either.
    Ok((data.items() > 0).then_some(data))
}

/// Alarms by rule in the period (the 8 most frequent rules), with how many were handled.
pub async fn alarms(db: &SqlitePool, period: &Period) -> Result<Option<ChartData>, ReportError> {
    let ms = |name: &str| match period.param(name) {
        Some(ParamValue::Int(v)) => v,
        _ => 0,
    };
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT rule, COUNT(*) AS n, SUM(CASE WHEN state NOT IN ('new', 'overdue') THEN 1 ELSE 0 END) \
         FROM alarms WHERE start_ms >= $1 AND start_ms < $2 GROUP BY rule ORDER BY n DESC, rule LIMIT 8",
    )
    .bind(ms("from_ms"))
    .bind(ms("to_ms"))
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(ChartData {
        id: "alarms",
        title: title("alarms").into(),
        style: Style::Bars,
        categories: rows.iter().map(|r| rule_name_zh(&r.0)).collect(),
        panels: vec![Panel {
            title: "起".into(),
            precision: 0,
            series: vec![
                Series {
                    label: "报警".into(),
                    values: rows.iter().map(|r| Some(r.1 as f64)).collect(),
                },
                Series {
                    label: "已处置".into(),
                    values: rows.iter().map(|r| Some(r.2 as f64)).collect(),
                },
            ],
        }],
    }))
}

// ---------------------------------------------------------------------------------------
// Blocks

/// The chart blocks of a period, by id: a `Block::Chart` with the SVG (no PNG yet: the
/// DOCX writer's caller rasterises it), or a paragraph flagging the chart as missing.
pub async fn blocks(db: &SqlitePool, period: &Period) -> HashMap<String, Block> {
    let mut out = HashMap::new();
    for id in IDS {
        let block = match compute(db, id, period).await {
            Ok(Some(data)) => Block::Chart {
                caption: data.title.clone(),
                svg: svg(&data),
                png: Vec::new(),
                width_mm: WIDTH_MM,
                height_mm: HEIGHT_MM,
            },
            Ok(None) => missing(id, "本期无数据"),
            Err(e) => {
                tracing::warn!(chart = id, error = %e, "chart data");
                missing(id, &format!("查询失败：{e}"))
            }
        };
        out.insert(id.to_string(), block);
    }
    out
}

/// A paragraph standing in for a chart that cannot be shown.
pub fn missing(id: &str, reason: &str) -> Block {
    Block::Paragraph {
        inlines: vec![Inline::Figure {
            id: format!("chart_{id}"),
            text: format!("【缺数据：{}（{reason}）】", title(id)),
            missing: true,
        }],
    }
}

// ---------------------------------------------------------------------------------------
// SVG

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids would make the SVG unreadable.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A rounded axis maximum and its tick step (5 ticks or fewer; 1, 2, 2.5 or 5 × 10ⁿ).
pub fn nice_axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let top = (max / step).ceil() * step;
    (top, step)
}

fn decimals(step: f64) -> u8 {
    if step >= 1.0 {
        0
    } else if step >= 0.1 {
        // 0.25 needs two decimals.
        if (step * 10.0).fract().abs() > 1e-9 {
            2
        } else {
            1
        }
    } else {
        3
    }
}

/// Truncates a label to fit a width (CJK glyphs ≈ the font size, others about half).
fn fit(label: &str, width: f64, size: f64) -> String {
    let w = |c: char| if c.is_ascii() { size * 0.55 } else { size };
    let total: f64 = label.chars().map(w).sum();
    if total <= width {
        return label.to_string();
    }
    let mut out = String::new();
    let mut used = size; // room for the ellipsis
    for c in label.chars() {
        used += w(c);
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Draws a chart as an SVG document (no XML declaration, so it can be inlined in HTML).
pub fn svg(data: &ChartData) -> String {
    let (w, h) = (WIDTH as f64, HEIGHT as f64);
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" font-family=\"{FONT}\" role=\"img\" aria-label=\"{t}\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\
         <text class=\"title\" x=\"{cx}\" y=\"40\" text-anchor=\"middle\" font-size=\"26\" font-weight=\"bold\" fill=\"#111\">{t}</text>",
        t = esc(&data.title),
        cx = w / 2.0,
    );

    // Legend, centred under the title: the series of the first panel.
    let series0: Vec<&Series> = data
        .panels
        .first()
        .map(|p| p.series.iter().collect())
        .unwrap_or_default();
    let item_w = |s: &Series| {
        40.0 + s
            .label
            .chars()
            .map(|c| if c.is_ascii() { 9.0 } else { 16.0 })
            .sum::<f64>()
            + 24.0
    };
    let legend_w: f64 = series0.iter().map(|s| item_w(s)).sum();
    let mut x = (w - legend_w) / 2.0;
    out.push_str("<g class=\"legend\">");
    for (i, s) in series0.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        match data.style {
            Style::Bars => {
                let _ = write!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"64\" width=\"28\" height=\"14\" fill=\"{c}\"/>"
                );
            }
            Style::Lines => {
                let _ = write!(
                    out,
                    "<line x1=\"{x:.1}\" y1=\"71\" x2=\"{:.1}\" y2=\"71\" stroke=\"{c}\" stroke-width=\"3\"/><circle cx=\"{:.1}\" cy=\"71\" r=\"4\" fill=\"{c}\"/>",
                    x + 28.0,
                    x + 14.0
                );
            }
        }
        let _ = write!(
            out,
            "<text class=\"legend-label\" x=\"{:.1}\" y=\"77\" font-size=\"16\" fill=\"#333\">{}</text>",
            x + 36.0,
            esc(&s.label)
        );
        x += item_w(s);
    }
    out.push_str("</g>");

    // Panels side by side, with a gap between them.
    let n = data.panels.len().max(1) as f64;
    let (left, right, top, bottom) = (80.0, 30.0, 120.0, h - 60.0);
    let gap = 90.0;
    let pw = (w - left - right - gap * (n - 1.0)) / n;
    for (pi, panel) in data.panels.iter().enumerate() {
        let x0 = left + pi as f64 * (pw + gap);
        plot(&mut out, data, panel, x0, pw, top, bottom);
    }
    out.push_str("</svg>");
    out
}

/// One panel: grid and value axis, category labels, then the bars or lines with labels.
fn plot(
    out: &mut String,
    data: &ChartData,
    panel: &Panel,
    x0: f64,
    pw: f64,
    top: f64,
    bottom: f64,
) {
    let max = panel
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, v| a.max(*v));
    // 10 % headroom so the labels above the tallest value stay inside the plot.
    let (axis_max, step) = nice_axis(max * 1.1);
    let y_of = |v: f64| bottom - (v.max(0.0) / axis_max) * (bottom - top);
    let dec = decimals(step);
    let _ = write!(
        out,
        "<g class=\"panel\"><text class=\"axis-title\" x=\"{x0:.1}\" y=\"{:.1}\" font-size=\"15\" fill=\"#555\">{}</text>",
        top - 14.0,
        esc(&panel.title)
    );
    let ticks = (axis_max / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let y = y_of(v);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <line class=\"tick\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{x0:.1}\" y2=\"{y:.1}\" stroke=\"#666\"/>\
             <text class=\"tick-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"14\" fill=\"#555\">{}</text>",
            x0 + pw,
            x0 - 6.0,
            x0 - 9.0,
            y + 5.0,
            format_number(v, dec)
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{x0:.1}\" y1=\"{top:.1}\" x2=\"{x0:.1}\" y2=\"{bottom:.1}\" stroke=\"#666\"/>\
         <line class=\"axis\" x1=\"{x0:.1}\" y1=\"{bottom:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\" stroke=\"#666\"/>",
        x0 + pw
    );
    let nc = data.categories.len().max(1) as f64;
    let band = pw / nc;
    for (ci, c) in data.categories.iter().enumerate() {
        let _ = write!(
            out,
            "<text class=\"category\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"15\" fill=\"#333\">{}</text>",
            x0 + band * (ci as f64 + 0.5),
            bottom + 24.0,
            esc(&fit(c, band - 6.0, 15.0))
        );
    }
    let ns = panel.series.len().max(1) as f64;
    for (si, s) in panel.series.iter().enumerate() {
        let colour = COLOURS[si % COLOURS.len()];
        let _ = write!(
            out,
            "<g class=\"series\" data-series=\"{}\">",
            esc(&s.label)
        );
        match data.style {
            Style::Bars => {
                // The bars of a group take 70 % of the band.
                let bw = band * 0.7 / ns;
                for (ci, v) in s.values.iter().enumerate() {
                    let Some(v) = v else { continue };
                    let x = x0 + band * ci as f64 + band * 0.15 + bw * si as f64;
                    let y = y_of(*v);
                    let _ = write!(
                        out,
                        "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}</title></rect>\
                         <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#222\">{}</text>",
                        (bw - 2.0).max(1.0),
                        bottom - y,
                        esc(&format!("{} {}：{}", data.categories.get(ci).map_or("", String::as_str), s.label, format_number(*v, panel.precision))),
                        x + bw / 2.0 - 1.0,
                        y - 5.0,
                        format_number(*v, panel.precision)
                    );
                }
            }
            Style::Lines => {
                // Breaks the line at months without data.
                let mut d = String::new();
                let mut pen_down = false;
                for (ci, v) in s.values.iter().enumerate() {
                    match v {
                        Some(v) => {
                            let cmd = if pen_down { 'L' } else { 'M' };
                            let _ = write!(
                                d,
                                "{cmd}{:.1},{:.1} ",
                                x0 + band * (ci as f64 + 0.5),
                                y_of(*v)
                            );
                            pen_down = true;
                        }
                        None => pen_down = false,
                    }
                }
                if !d.is_empty() {
                    let _ = write!(
                        out,
                        "<path class=\"line\" d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"3\"/>",
                        d.trim_end()
                    );
                }
                for (ci, v) in s.values.iter().enumerate() {
                    let Some(v) = v else { continue };
                    let (x, y) = (x0 + band * (ci as f64 + 0.5), y_of(*v));
                    // Labels of the second series below the point, so two lines' labels do not collide.
                    let ly = if si == 0 { y - 9.0 } else { y + 20.0 };
                    let _ = write!(
                        out,
                        "<circle class=\"point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{colour}\"><title>{}</title></circle>\
                         <text class=\"value\" x=\"{x:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{colour}\">{}</text>",
                        esc(&format!("{} {}：{}", data.categories.get(ci).map_or("", String::as_str), s.label, format_number(*v, panel.precision))),
                        format_number(*v, panel.precision)
                    );
                }
            }
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

// ---------------------------------------------------------------------------------------
// PNG

/// PNG files start with these bytes.
pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Rasterises an SVG to a 1200×600 PNG with headless Chromium.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, ReportError> {
    let bin = chromium().ok_or_else(|| ReportError::Invalid("图表需要 Chromium".into()))?;
    let dir = crate::report::scratch("tongtu-chart")?;
    let input = dir.join("chart.html");
    let output = dir.join("chart.png");
    // The page is exactly the window: no margins or scrollbars around the picture.
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><style>html,body{{margin:0;padding:0;width:{WIDTH}px;height:{HEIGHT}px;overflow:hidden;background:#fff}}svg{{display:block}}</style></head><body>{svg}</body></html>"
    );
    std::fs::write(&input, page)?;
    crate::report::convert(
        Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .arg(format!("--window-size={WIDTH},{HEIGHT}"))
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--screenshot={}", output.display()))
            .arg(format!("file://{}", input.display())),
        &dir,
        &output,
        PNG_SIGNATURE,
        ReportError::Invalid,
    )
}

/// The document ready for DOCX: each SVG-only chart gets its PNG, or, without Chromium (or
/// when rasterising fails), a paragraph flagged missing in its place — never an empty image.
pub fn with_png(doc: &crate::doc::Document) -> crate::doc::Document {
    let mut doc = doc.clone();
    let can = chromium().is_some();
    for b in &mut doc.blocks {
        let Block::Chart {
            caption, svg, png, ..
        } = b
        else {
            continue;
        };
        if !png.is_empty() || svg.is_empty() {
            continue;
        }
        let reason = if can {
            match rasterise(svg) {
                Ok(bytes) => {
                    *png = bytes;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "chart PNG");
                    format!("【图表“{caption}”生成图片失败，请查看 HTML 版】")
                }
            }
        } else {
            format!("【{caption}：{NEEDS_CHROMIUM}】")
        };
        *b = Block::Paragraph {
            inlines: vec![Inline::Figure {
                id: "chart".into(),
                text: reason,
                missing: true,
            }],
        };
    }
    doc
}

/// The note standing in for a chart in a DOCX written without Chromium.
pub const NEEDS_CHROMIUM: &str = "图表需要 Chromium 才能嵌入 DOCX，请查看 HTML 版";
