//! Indicator reports as the workbook bureaus exchange (one sheet per level: 全市, 区县, 企业,
//! 车辆; Chinese headers; numerator, denominator and rate of every indicator; a totals row;
//! below-target cells highlighted) and as CSV.

use rust_xlsxwriter::{Color, Format, Workbook, Worksheet, XlsxError};
use tongtu_registry::dict::plate_color_zh;
use tongtu_rules::indicators::{GroupIndicators, Grouping, Ratio, Reference, TargetCheck, Targets};

use super::day_label;
use super::report::{GroupName, IndicatorReport};
use crate::error::{AlarmError, Result};

/// One cell of the table.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    /// A count or an amount, with its decimals.
    Num(f64, usize),
    /// A rate (`percent`) or an average; `None` when undefined (0 denominator).
    Rate {
        value: Option<f64>,
        percent: bool,
        below: bool,
    },
    Empty,
}

/// One indicator as three columns: numerator, denominator, rate.
struct RatioCols {
    num: &'static str,
    den: &'static str,
    rate: &'static str,
    get: fn(&GroupIndicators) -> Ratio,
    meets: fn(&TargetCheck) -> Option<bool>,
    /// The target of a total (rows carry their own check in `meets`).
    limit: fn(&Targets, &Reference) -> Limit,
    percent: bool,
    /// Numerator and value are shown multiplied by this (seconds → hours).
    scale: f64,
    decimals: usize,
}

const HOUR: f64 = 1.0 / 3600.0;

fn no_target(_: &TargetCheck) -> Option<bool> {
    None
}

fn no_limit(_: &Targets, _: &Reference) -> Limit {
    Limit::None
}

/// A target as a bound on the shown value.
enum Limit {
    AtLeast(f64),
    AtMost(Option<f64>),
    None,
}

const RATIOS: [RatioCols; 9] = [
    RatioCols {
        num: "入网车辆数",
        den: "在册车辆数",
        rate: "车辆入网率",
        get: |g| g.access_rate,
        meets: |t| t.access_rate,
        limit: |t, _| Limit::AtLeast(t.access_rate),
        percent: true,
        scale: 1.0,
        decimals: 0,
    },
    RatioCols {
        num: "上线车辆数",
        den: "入网车辆数",
        rate: "车辆上线率",
        get: |g| g.online_rate,
        meets: |t| t.online_rate,
        limit: |t, _| Limit::AtLeast(t.online_rate),
        percent: true,
        scale: 1.0,
        decimals: 0,
    },
    RatioCols {
        num: "完整轨迹里程（公里）",
        den: "轨迹总里程（公里）",
        rate: "轨迹完整率",
        get: |g| g.track_complete_rate,
        meets: |t| t.track_complete_rate,
        limit: |t, _| Limit::AtLeast(t.track_complete_rate),
        percent: true,
        scale: 1.0,
        decimals: 3,
    },
    RatioCols {
        num: "合格数据条数",
        den: "数据总条数",
        rate: "数据合格率",
        get: |g| g.data_qualified_rate,
        meets: |t| t.data_qualified_rate,
        limit: |t, _| Limit::AtLeast(t.data_qualified_rate),
        percent: true,
        scale: 1.0,
        decimals: 0,
    },
    RatioCols {
        num: "漂移车辆数",
        den: "在线车辆数",
        rate: "卫星定位漂移车辆率",
        get: |g| g.drift_vehicle_rate,
        meets: |t| t.drift_vehicle_rate,
        limit: |t, _| Limit::AtMost(Some(t.drift_vehicle_rate_max)),
        percent: true,
        scale: 1.0,
        decimals: 0,
    },
    RatioCols {
        num: "超速次数",
        den: "在线车辆数",
        rate: "平均车辆超速次数",
        get: |g| g.avg_speeding_events,
        meets: |t| t.avg_speeding,
        limit: |_, r| Limit::AtMost(r.speeding_avg),
        percent: false,
        scale: 1.0,
        decimals: 0,
    },
    RatioCols {
        num: "疲劳驾驶时长（小时）",
        den: "在线车辆数",
        rate: "平均疲劳驾驶时长（小时）",
        get: |g| g.avg_fatigue_secs,
        meets: |t| t.avg_fatigue,
        limit: |_, r| Limit::AtMost(r.fatigue_avg_secs.map(|a| a * HOUR)),
        percent: false,
        scale: HOUR,
        decimals: 2,
    },
    RatioCols {
        num: "在线时长（小时）",
        den: "在线车辆数",
        rate: "平均在线时长（小时）",
        get: |g| g.avg_online_secs,
        meets: no_target,
        limit: no_limit,
        percent: false,
        scale: HOUR,
        decimals: 2,
    },
    RatioCols {
        num: "行驶里程（公里）",
        den: "车辆有数据天数",
        rate: "日均行驶里程（公里）",
        get: |g| g.avg_daily_mileage_km,
        meets: no_target,
        limit: no_limit,
        percent: false,
        scale: 1.0,
        decimals: 3,
    },
];

/// The sheet name and the name columns of a level.
fn level(grouping: Grouping) -> (&'static str, &'static [&'static str]) {
    match grouping {
        Grouping::City => ("全市", &["范围"]),
        Grouping::Region => ("区县", &["区县"]),
        Grouping::Enterprise => ("企业", &["企业名称", "所属区县"]),
        Grouping::Vehicle => ("车辆", &["车牌号", "车牌颜色", "所属企业", "所属区县"]),
    }
}

fn name_cells(grouping: Grouping, n: &GroupName) -> Vec<Cell> {
    let t = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    match grouping {
        Grouping::City | Grouping::Region => vec![Cell::Text(n.name.clone())],
        Grouping::Enterprise => vec![Cell::Text(n.name.clone()), t(&n.region_name)],
        Grouping::Vehicle => vec![
            Cell::Text(n.name.clone()),
            Cell::Text(
                n.plate_color
                    .map(|c| plate_color_zh(c).to_string())
                    .unwrap_or_default(),
            ),
            t(&n.enterprise_name),
            t(&n.region_name),
        ],
    }
}

/// The score shown on a level: the platform score for the city and regions, the enterprise
/// score for enterprises and vehicles.
fn score_header(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::City | Grouping::Region => "平台考核得分",
        Grouping::Enterprise | Grouping::Vehicle => "企业考核得分",
    }
}

fn score_of(grouping: Grouping, g: &GroupIndicators) -> f64 {
    match grouping {
        Grouping::City | Grouping::Region => g.platform_score.total,
        Grouping::Enterprise | Grouping::Vehicle => g.enterprise_score.total,
    }
}

struct Table {
    sheet: &'static str,
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    totals: Vec<Cell>,
}

fn ratio_cells(c: &RatioCols, r: Ratio, below: bool) -> [Cell; 3] {
    [
        Cell::Num(r.numerator * c.scale, c.decimals),
        Cell::Num(r.denominator, if c.scale == 1.0 { c.decimals } else { 0 }),
        Cell::Rate {
            value: r.value.map(|v| v * c.scale),
            percent: c.percent,
            below,
        },
    ]
}

fn table(r: &IndicatorReport) -> Table {
    let grouping = r.report.grouping;
    let (sheet, name_headers) = level(grouping);
    let mut headers: Vec<String> = name_headers.iter().map(|h| h.to_string()).collect();
    for c in &RATIOS {
        headers.extend([c.num, c.den, c.rate].map(String::from));
    }
    headers.push(score_header(grouping).to_string());
    let rows = r
        .rows()
        .map(|(n, g)| {
            let mut row = name_cells(grouping, n);
            for c in &RATIOS {
                let below = (c.meets)(&g.targets) == Some(false);
                row.extend(ratio_cells(c, (c.get)(g), below));
            }
            row.push(Cell::Num(score_of(grouping, g), 2));
            row
        })
        .collect();

    // Groups of one level partition the vehicles, so summed numerators and denominators are
    // exactly the figures of the whole (city or scope).
    let mut totals = vec![Cell::Text("合计".into())];
    totals.extend((1..name_headers.len()).map(|_| Cell::Empty));
    for c in &RATIOS {
        let (num, den) = r.report.groups.iter().fold((0.0, 0.0), |(n, d), g| {
            let x = (c.get)(g);
            (n + x.numerator, d + x.denominator)
        });
        let ratio = Ratio::new(num, den);
        let below = total_below(r, c, ratio.value);
        totals.extend(ratio_cells(c, ratio, below));
    }
    totals.push(Cell::Empty);

    let p = &r.report.period;
    let mut title = format!(
        "重点营运车辆联网联控考核指标（{}，{} 至 {}，{}）",
        sheet,
        day_label(p.first_day),
        day_label(p.last_day),
        r.scope
    );
    if r.live_day.is_some() {
        title.push_str("；含当日实时数据");
    }
    if !r.missing_days.is_empty() {
        title.push_str(&format!("；{} 天尚未统计", r.missing_days.len()));
    }
    Table {
        sheet,
        title,
        headers,
        rows,
        totals,
    }
}

/// Whether a total misses its target (the same rules as the rows: undefined never does; a
/// maximum without a reference average is met only by zero).
fn total_below(r: &IndicatorReport, c: &RatioCols, value: Option<f64>) -> bool {
    let Some(v) = value else { return false };
    match (c.limit)(&r.targets, &r.report.reference) {
        Limit::AtLeast(min) => v < min,
        Limit::AtMost(Some(max)) => v > max,
        Limit::AtMost(None) => v != 0.0,
        Limit::None => false,
    }
}

fn xlsx(e: XlsxError) -> AlarmError {
    AlarmError::Internal(format!("writing the workbook: {e}"))
}

struct Formats {
    bold: Format,
    header: Format,
    percent: Format,
    percent_below: Format,
    number: [Format; 4],
    number_below: [Format; 4],
    total: Format,
}

impl Formats {
    fn new() -> Formats {
        let below = |f: Format| {
            f.set_background_color(Color::RGB(0xFFC7CE))
                .set_font_color(Color::RGB(0x9C0006))
        };
        let num = |d: usize| match d {
            0 => Format::new().set_num_format("0"),
            1 => Format::new().set_num_format("0.0"),
            2 => Format::new().set_num_format("0.00"),
            _ => Format::new().set_num_format("0.000"),
        };
        Formats {
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xDDEBF7)),
            percent: Format::new().set_num_format("0.00%"),
            percent_below: below(Format::new().set_num_format("0.00%")),
            number: [num(0), num(1), num(2), num(3)],
            number_below: [below(num(0)), below(num(1)), below(num(2)), below(num(3))],
            total: Format::new().set_bold(),
        }
    }
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
    bold: bool,
) -> Result<()> {
    match cell {
        Cell::Text(s) if bold => ws.write_string_with_format(row, col, s, &f.total),
        Cell::Text(s) => ws.write_string(row, col, s),
        Cell::Num(v, d) => ws.write_number_with_format(row, col, *v, &f.number[(*d).min(3)]),
        Cell::Rate { value: None, .. } => ws.write_string(row, col, "—"),
        Cell::Rate {
            value: Some(v),
            percent,
            below,
        } => {
            let fmt = match (percent, below) {
                (true, false) => &f.percent,
                (true, true) => &f.percent_below,
                (false, false) => &f.number[2],
                (false, true) => &f.number_below[2],
            };
            ws.write_number_with_format(row, col, *v, fmt)
        }
        Cell::Empty => return Ok(()),
    }
    .map_err(xlsx)?;
    Ok(())
}

fn write_sheet(wb: &mut Workbook, f: &Formats, t: &Table) -> Result<()> {
    let ws = wb.add_worksheet().set_name(t.sheet).map_err(xlsx)?;
    ws.write_string_with_format(0, 0, &t.title, &f.bold)
        .map_err(xlsx)?;
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(1, col(c)?, h, &f.header)
            .map_err(xlsx)?;
    }
    let mut r = 2u32;
    for row in &t.rows {
        for (c, cell) in row.iter().enumerate() {
            write_cell(ws, f, r, col(c)?, cell, false)?;
        }
        r += 1;
    }
    for (c, cell) in t.totals.iter().enumerate() {
        write_cell(ws, f, r, col(c)?, cell, true)?;
    }
    ws.set_freeze_panes(2, 1).map_err(xlsx)?;
    ws.autofit();
    Ok(())
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|_| AlarmError::Internal("too many columns".into()))
}

/// The workbook: sheets 全市, 区县, 企业, 车辆 (from reports grouped by city, region,
/// enterprise and vehicle over the same period), each with a title row, Chinese headers, one
/// row per group, a totals row (合计), and below-target rates highlighted.
pub fn indicators_workbook(
    city: &IndicatorReport,
    regions: &IndicatorReport,
    enterprises: &IndicatorReport,
    vehicles: &IndicatorReport,
) -> Result<Vec<u8>> {
    let expected = [
        (city, Grouping::City),
        (regions, Grouping::Region),
        (enterprises, Grouping::Enterprise),
        (vehicles, Grouping::Vehicle),
    ];
    for (r, g) in &expected {
        if r.report.grouping != *g || r.report.period != city.report.period {
            return Err(AlarmError::invalid(
                "grouping",
                "the four reports must be city, region, enterprise and vehicle over one period",
            ));
        }
    }
    let f = Formats::new();
    let mut wb = Workbook::new();
    for (r, _) in expected {
        write_sheet(&mut wb, &f, &table(r))?;
    }
    wb.save_to_buffer().map_err(xlsx)
}

fn csv_field(s: &str) -> String {
    // A name starting like a formula would run as one when the file is opened in Excel.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_cell(c: &Cell) -> String {
    match c {
        Cell::Text(s) => csv_field(s),
        Cell::Num(v, d) => format!("{v:.d$}", d = *d),
        Cell::Rate { value: None, .. } | Cell::Empty => String::new(),
        Cell::Rate {
            value: Some(v),
            percent: true,
            ..
        } => format!("{:.2}%", v * 100.0),
        Cell::Rate {
            value: Some(v),
            percent: false,
            ..
        } => format!("{v:.2}"),
    }
}

/// One level as CSV (UTF-8 with a byte-order mark so that Excel reads the Chinese headers):
/// the header row, one row per group, the totals row. Undefined rates are empty.
pub fn indicators_csv(r: &IndicatorReport) -> String {
    let t = table(r);
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(t.headers.iter().map(|h| csv_field(h)).collect()));
    for row in t.rows.iter().chain(std::iter::once(&t.totals)) {
        out.push_str(&line(row.iter().map(csv_cell).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("江城客运"), "江城客运");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
