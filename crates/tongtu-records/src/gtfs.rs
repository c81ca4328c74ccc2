//! GTFS (<https://gtfs.org/schedule/reference/>) for the transit registers: the operating
//! bus routes exported as a frequency-based feed, and a feed (ours or another tool's) read
//! back into `bus_stops`, `bus_routes` and `route_stops`.
//!
//! The import checks the feed's structure first and reports every problem as a cell error
//! (`file.txt:column`, CSV line); only a clean feed is written, through
//! [`store::import_rows`] so that register validation, natural-key upserts and the audit
//! log are the same as for a sheet.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read, Write};

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{Row as _, SqlitePool};
use tongtu_registry::{CellError, Principal};
use zip::write::SimpleFileOptions;

use crate::decl::{Field, Register};
use crate::registers::transit::ROUTE_TYPES;
use crate::store::{self, AuditMode, Imported, RowQuery, SheetRow, StoredRow};
use crate::value::{self, fmt_num, Cell, Labels, Raw};
use crate::{RecordError, Result};

/// Largest member file read from a feed: guards against zip bombs.
const MAX_FILE_BYTES: u64 = 64 << 20;

fn reg(key: &str) -> Result<&'static Register> {
    crate::registers::get(key)
        .ok_or_else(|| RecordError::Internal(format!("register {key} is not declared")))
}

/// What the export needs beyond the registers.
#[derive(Debug, Clone)]
pub struct GtfsOptions {
    /// `agency_url` of every agency (GTFS requires one; the register has no operator URLs).
    pub agency_url: String,
    /// The agency of routes without an operator.
    pub default_agency: String,
    /// Validity of the `daily` service.
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

/// What an import did, per register.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GtfsImported {
    pub stops: Imported,
    pub routes: Imported,
    pub route_stops: Imported,
    /// Route stops of imported routes that the feed no longer has (a shorter trip, a
    /// direction dropped), deleted so that the route matches the feed.
    pub route_stops_removed: u64,
    /// Routes that are not buses (rail, ferry...), left out.
    pub routes_skipped: u64,
}

// ---- times ----

/// A GTFS time `H:MM:SS` (hours may pass 24) as seconds from the service day's start.
fn parse_time(s: &str) -> Option<u32> {
    let mut it = s.split(':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next()?);
    let digits = |x: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit())
    };
    if it.next().is_some() || !digits(h, 1..=3) || !digits(m, 2..=2) || !digits(sec, 2..=2) {
        return None;
    }
    let (h, m, sec): (u32, u32, u32) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    (m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

fn fmt_time(secs: u32) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A register clock `H:MM` / `HH:MM` as minutes after midnight.
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let ok =
        |x: &str, n: usize| (1..=n).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
    if !ok(h, 2) || m.len() != 2 || !ok(m, 2) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Seconds as the register's `HH:MM` clock (a time past midnight wraps: `24:30` → `00:30`).
fn fmt_clock(secs: u32) -> String {
    let m = secs / 60;
    format!("{:02}:{:02}", m / 60 % 24, m % 60)
}

// ---- CSV ----

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV file being written: UTF-8 without BOM, `\n` line ends (as GTFS asks).
struct CsvOut(String);

impl CsvOut {
    fn new(header: &[&str]) -> Self {
        let mut c = CsvOut(String::new());
        c.row(header);
        c
    }

    fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        let cells: Vec<String> = cells.iter().map(|c| csv_field(c.as_ref())).collect();
        self.0.push_str(&cells.join(","));
        self.0.push('\n');
    }
}

/// One CSV record and the line it starts on (1 = the header).
struct Rec {
    line: u32,
    cells: Vec<String>,
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks; blank
/// lines are skipped. Errs with the line of an unclosed quote.
fn parse_csv(text: &str) -> std::result::Result<Vec<Rec>, u32> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut line, mut start) = (1u32, 1u32);
    let (mut field, mut cells) = (String::new(), Vec::new());
    let (mut quoted, mut any) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                any = true;
            }
            ',' => {
                cells.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    cells.push(std::mem::take(&mut field));
                    out.push(Rec {
                        line: start,
                        cells: std::mem::take(&mut cells),
                    });
                }
                any = false;
                line += 1;
                start = line;
            }
            c => {
                field.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err(start);
    }
    if any || !field.is_empty() {
        cells.push(field);
        out.push(Rec { line: start, cells });
    }
    Ok(out)
}

/// A feed file: columns by name (unknown ones are kept but never read) and its records.
struct Table {
    file: &'static str,
    cols: HashMap<String, usize>,
    rows: Vec<Rec>,
}

impl Table {
    fn has(&self, col: &str) -> bool {
        self.cols.contains_key(col)
    }

    /// A cell, trimmed; empty when the column or the cell is missing.
    fn get<'a>(&self, rec: &'a Rec, col: &str) -> &'a str {
        self.cols
            .get(col)
            .and_then(|i| rec.cells.get(*i))
            .map_or("", |s| s.trim())
    }
}

/// Problems found in a feed, located as `file.txt:column` at a CSV line.
#[derive(Default)]
struct Problems(Vec<CellError>);

impl Problems {
    fn at(&mut self, file: &str, line: u32, col: &str, reason: impl Into<String>) {
        self.0.push(CellError {
            row: line,
            column: if col.is_empty() {
                file.to_string()
            } else {
                format!("{file}:{col}")
            },
            header: col.to_string(),
            reason: reason.into(),
        });
    }
}

// ---- export ----

fn cell<'a>(r: &Register, row: &'a StoredRow, key: &str) -> &'a Cell {
    r.fields
        .iter()
        .position(|f| f.key == key)
        .and_then(|i| row.cells.get(i))
        .unwrap_or(&Cell::Null)
}

fn text<'a>(r: &Register, row: &'a StoredRow, key: &str) -> &'a str {
    cell(r, row, key).as_str().unwrap_or("")
}

/// A stop of a route in one direction, as the register holds it.
struct Stopping {
    seq: i64,
    stop: i64,
    offset: Option<i64>,
}

fn zip_err(e: impl std::fmt::Display) -> RecordError {
    RecordError::Internal(format!("zip: {e}"))
}

/// The operating bus routes as a GTFS zip: one `daily` service, one trip per route and
/// direction with times relative to 00:00:00, run by `frequencies.txt` from the route's
/// first to last departure at its headway. Only stops some exported trip serves are listed.
pub async fn export(db: &SqlitePool, p: &Principal, opts: &GtfsOptions) -> Result<Vec<u8>> {
    if opts.end_date < opts.start_date {
        return Err(RecordError::BadRequest(
            "服务结束日期不能早于开始日期".into(),
        ));
    }
    let (stops_r, routes_r, rs_r) = (reg("bus_stops")?, reg("bus_routes")?, reg("route_stops")?);
    for r in [stops_r, routes_r, rs_r] {
        store::check_read(p, r)?;
    }
    let mut operating = RowQuery::default();
    operating
        .filters
        .insert("status".into(), "operating".into());
    let (routes, _) = store::list_all(db, p, routes_r, &operating).await?;
    let (stops, _) = store::list_all(db, p, stops_r, &RowQuery::default()).await?;
    let (route_stops, _) = store::list_all(db, p, rs_r, &RowQuery::default()).await?;
    let stop_by_id: HashMap<i64, &StoredRow> = stops.iter().map(|s| (s.id, s)).collect();

    // (route id, direction) → its stops, sorted by sequence below.
    let mut trips: BTreeMap<(i64, String), Vec<Stopping>> = BTreeMap::new();
    for rs in &route_stops {
        let (Some(route), Some(stop), Some(seq)) = (
            cell(rs_r, rs, "route_id").as_i64(),
            cell(rs_r, rs, "stop_id").as_i64(),
            cell(rs_r, rs, "sequence").as_i64(),
        ) else {
            continue;
        };
        let dir = text(rs_r, rs, "direction").to_string();
        let offset = cell(rs_r, rs, "offset_min").as_i64();
        trips
            .entry((route, dir))
            .or_default()
            .push(Stopping { seq, stop, offset });
    }

    let mut agencies: BTreeMap<String, String> = BTreeMap::new();
    for r in &routes {
        let op = text(routes_r, r, "operator");
        let name = if op.is_empty() {
            opts.default_agency.as_str()
        } else {
            op
        };
        let next = (agencies.len() + 1).to_string();
        agencies.entry(name.to_string()).or_insert(next);
    }
    let mut agency = CsvOut::new(&[
        "agency_id",
        "agency_name",
        "agency_url",
        "agency_timezone",
        "agency_lang",
    ]);
    for (name, id) in &agencies {
        agency.row(&[id.as_str(), name, &opts.agency_url, "Asia/Shanghai", "zh"]);
    }

    let mut routes_csv = CsvOut::new(&[
        "route_id",
        "agency_id",
        "route_short_name",
        "route_long_name",
        "route_desc",
        "route_type",
    ]);
    let mut trips_csv = CsvOut::new(&[
        "route_id",
        "service_id",
        "trip_id",
        "trip_headsign",
        "direction_id",
    ]);
    let mut times_csv = CsvOut::new(&[
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "stop_sequence",
        "timepoint",
    ]);
    let mut freq_csv = CsvOut::new(&[
        "trip_id",
        "start_time",
        "end_time",
        "headway_secs",
        "exact_times",
    ]);
    let mut used_stops: HashSet<i64> = HashSet::new();
    for r in &routes {
        let route_no = text(routes_r, r, "route_no");
        let op = text(routes_r, r, "operator");
        let agency_name = if op.is_empty() {
            opts.default_agency.as_str()
        } else {
            op
        };
        let agency_id = agencies.get(agency_name).map_or("", String::as_str);
        let desc = ROUTE_TYPES
            .find(text(routes_r, r, "route_type"))
            .map_or("", |c| c.zh);
        routes_csv.row(&[
            route_no,
            agency_id,
            route_no,
            text(routes_r, r, "name"),
            desc,
            "3",
        ]);
        // A trip runs by frequency only when the timetable is complete; a last departure
        // before the first one is after midnight (GTFS writes it as 24:xx).
        let first = parse_clock(text(routes_r, r, "first_departure"));
        let last = parse_clock(text(routes_r, r, "last_departure"));
        let headway = cell(routes_r, r, "headway_min").as_i64().filter(|h| *h > 0);
        let window = match (first, last, headway) {
            (Some(f), Some(l), Some(h)) => {
                let l = if l < f { l + 24 * 60 } else { l };
                Some((f * 60, l * 60, h * 60))
            }
            _ => None,
        };
        for dir in ["0", "1"] {
            let Some(seq) = trips.get_mut(&(r.id, dir.to_string())) else {
                continue;
            };
            seq.sort_by_key(|s| s.seq);
            let trip_id = format!("{route_no}-{dir}");
            let headsign = seq
                .last()
                .and_then(|s| stop_by_id.get(&s.stop))
                .map_or("", |s| text(stops_r, s, "name"));
            trips_csv.row(&[route_no, "daily", &trip_id, headsign, dir]);
            let n = seq.len();
            let mut latest = 0i64;
            for (i, Stopping { stop, offset, .. }) in seq.iter().enumerate() {
                let Some(s) = stop_by_id.get(stop) else {
                    continue;
                };
                used_stops.insert(*stop);
                // GTFS needs times at the first and last stop; others may be left for
                // consumers to interpolate.
                let minutes = match offset {
                    Some(m) => Some(*m),
                    None if i == 0 => Some(0),
                    None if i + 1 == n => Some(latest),
                    None => None,
                };
                let (t, timepoint) = match minutes {
                    Some(m) => {
                        latest = latest.max(m);
                        (
                            fmt_time(u32::try_from(m.max(0) * 60).unwrap_or(0)),
                            if offset.is_some() { "1" } else { "0" },
                        )
                    }
                    None => (String::new(), "0"),
                };
                times_csv.row(&[
                    trip_id.as_str(),
                    &t,
                    &t,
                    text(stops_r, s, "code"),
                    &(i + 1).to_string(),
                    timepoint,
                ]);
            }
            if let Some((f, l, h)) = window {
                freq_csv.row(&[
                    trip_id.as_str(),
                    &fmt_time(f),
                    &fmt_time(l),
                    &h.to_string(),
                    "0",
                ]);
            }
        }
    }

    let mut stops_csv = CsvOut::new(&["stop_id", "stop_name", "stop_lat", "stop_lon"]);
    for s in stops.iter().filter(|s| used_stops.contains(&s.id)) {
        let coord = |k: &str| {
            cell(stops_r, s, k)
                .as_f64()
                .map(fmt_num)
                .unwrap_or_default()
        };
        stops_csv.row(&[
            text(stops_r, s, "code").to_string(),
            text(stops_r, s, "name").to_string(),
            coord("lat"),
            coord("lon"),
        ]);
    }

    let mut calendar = CsvOut::new(&[
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ]);
    let (start, end) = (
        opts.start_date.format("%Y%m%d").to_string(),
        opts.end_date.format("%Y%m%d").to_string(),
    );
    calendar.row(&["daily", "1", "1", "1", "1", "1", "1", "1", &start, &end]);

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let zopts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, csv) in [
        ("agency.txt", agency),
        ("stops.txt", stops_csv),
        ("routes.txt", routes_csv),
        ("calendar.txt", calendar),
        ("trips.txt", trips_csv),
        ("stop_times.txt", times_csv),
        ("frequencies.txt", freq_csv),
    ] {
        zip.start_file(name, zopts).map_err(zip_err)?;
        zip.write_all(csv.0.as_bytes()).map_err(zip_err)?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

// ---- import: reading and checking the feed ----

/// The files read, with the columns GTFS requires of them for what is stored.
const FILES: &[(&str, &[&str])] = &[
    (
        "agency.txt",
        &["agency_name", "agency_url", "agency_timezone"],
    ),
    (
        "stops.txt",
        &["stop_id", "stop_name", "stop_lat", "stop_lon"],
    ),
    ("routes.txt", &["route_id", "route_type"]),
    ("trips.txt", &["route_id", "service_id", "trip_id"]),
    ("stop_times.txt", &["trip_id", "stop_id", "stop_sequence"]),
    ("calendar.txt", &["service_id"]),
    ("calendar_dates.txt", &["service_id"]),
    (
        "frequencies.txt",
        &["trip_id", "start_time", "end_time", "headway_secs"],
    ),
];

const REQUIRED_FILES: &[&str] = &[
    "agency.txt",
    "stops.txt",
    "routes.txt",
    "trips.txt",
    "stop_times.txt",
];

/// Reads the feed's known files; other members are ignored. A file that is missing or
/// unreadable is absent from the map, with a problem recorded when it matters.
fn read_feed(bytes: &[u8], pr: &mut Problems) -> Result<HashMap<&'static str, Table>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| RecordError::BadRequest(format!("不是有效的 GTFS zip 文件：{e}")))?;
    let mut out = HashMap::new();
    for (file, required) in FILES {
        let mut buf = Vec::new();
        match zip.by_name(file) {
            Ok(f) => {
                f.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| RecordError::BadRequest(format!("无法解压 {file}：{e}")))?;
            }
            Err(zip::result::ZipError::FileNotFound) => continue,
            Err(e) => return Err(RecordError::BadRequest(format!("无法读取 {file}：{e}"))),
        }
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(RecordError::BadRequest(format!(
                "{file} 超过 {} MiB",
                MAX_FILE_BYTES >> 20
            )));
        }
        let Ok(text) = String::from_utf8(buf) else {
            pr.at(file, 0, "", "文件不是 UTF-8 编码");
            continue;
        };
        let mut recs = match parse_csv(&text) {
            Ok(r) => r,
            Err(line) => {
                pr.at(file, line, "", "引号未闭合");
                continue;
            }
        };
        if recs.is_empty() {
            pr.at(file, 1, "", "文件为空：第 1 行应为表头");
            continue;
        }
        let header = recs.remove(0);
        let cols: HashMap<String, usize> = header
            .cells
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        for c in *required {
            if !cols.contains_key(*c) {
                pr.at(file, header.line, c, format!("缺少必需的列 {c}"));
            }
        }
        out.insert(
            *file,
            Table {
                file,
                cols,
                rows: recs,
            },
        );
    }
    for f in REQUIRED_FILES {
        if !out.contains_key(f) && !pr.0.iter().any(|e| e.column.starts_with(f)) {
            pr.at(f, 0, "", format!("缺少必需的文件 {f}"));
        }
    }
    if !out.contains_key("calendar.txt") && !out.contains_key("calendar_dates.txt") {
        pr.at(
            "calendar.txt",
            0,
            "",
            "缺少 calendar.txt 或 calendar_dates.txt",
        );
    }
    Ok(out)
}

/// A required, non-empty cell (only checked when the column exists: a missing column is
/// reported once, not on every line).
fn required<'a>(t: &Table, rec: &'a Rec, col: &str, pr: &mut Problems) -> Option<&'a str> {
    let v = t.get(rec, col);
    if v.is_empty() {
        if t.has(col) {
            pr.at(t.file, rec.line, col, format!("{col} 不能为空"));
        }
        return None;
    }
    Some(v)
}

/// Checks that a file's ids are present and unique.
fn unique_ids(t: &Table, col: &str, pr: &mut Problems) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for rec in &t.rows {
        let Some(id) = required(t, rec, col, pr) else {
            continue;
        };
        if let Some(first) = seen.get(id) {
            pr.at(
                t.file,
                rec.line,
                col,
                format!("{col} {id:?} 与第 {first} 行重复"),
            );
        } else {
            seen.insert(id, rec.line);
        }
    }
}

/// A required integer cell that `ok` accepts; else the problem says it should be `expected`.
fn integer<T: std::str::FromStr>(
    t: &Table,
    rec: &Rec,
    col: &str,
    ok: impl Fn(&T) -> bool,
    expected: &str,
    pr: &mut Problems,
) -> Option<T> {
    let v = required(t, rec, col, pr)?;
    match v.parse::<T>() {
        Ok(x) if ok(&x) => Some(x),
        _ => {
            pr.at(
                t.file,
                rec.line,
                col,
                format!("{col} 应为{expected}：{v:?}"),
            );
            None
        }
    }
}

/// Every value of a column of a file (empty when the file is missing), for references.
fn column_values<'a>(files: &'a HashMap<&str, Table>, file: &str, col: &str) -> HashSet<&'a str> {
    files
        .get(file)
        .map(|t| t.rows.iter().map(|r| t.get(r, col)).collect())
        .unwrap_or_default()
}

fn coordinate(t: &Table, rec: &Rec, col: &str, limit: f64, pr: &mut Problems) -> Option<f64> {
    let v = required(t, rec, col, pr)?;
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() <= limit => Some(x),
        _ => {
            pr.at(
                t.file,
                rec.line,
                col,
                format!("{col} 应为 -{limit} 到 {limit} 之间的数：{v:?}"),
            );
            None
        }
    }
}

fn time_cell(t: &Table, rec: &Rec, col: &str, pr: &mut Problems) -> Option<u32> {
    let v = t.get(rec, col);
    if v.is_empty() {
        return None;
    }
    let parsed = parse_time(v);
    if parsed.is_none() {
        pr.at(
            t.file,
            rec.line,
            col,
            format!("{col} 应为 HH:MM:SS（可超过 24 时）：{v:?}"),
        );
    }
    parsed
}

/// Route types stored as bus routes: bus, trolleybus and the extended bus types.
fn is_bus(route_type: i64) -> bool {
    matches!(route_type, 3 | 11 | 700..=799 | 800)
}

struct StopTime<'a> {
    line: u32,
    seq: i64,
    stop: &'a str,
    time: Option<u32>,
}

struct Trip<'a> {
    line: u32,
    route: &'a str,
    dir: &'static str,
    times: Vec<StopTime<'a>>,
}

#[derive(Clone, Copy)]
struct FeedStop<'a> {
    line: u32,
    id: &'a str,
    name: &'a str,
    lat: f64,
    lon: f64,
}

struct FeedRoute<'a> {
    line: u32,
    id: &'a str,
    route_type: i64,
    short: &'a str,
    long: &'a str,
    desc: &'a str,
    /// The agency's name.
    agency: &'a str,
}

/// A feed checked for structure: what the registers are built from.
struct Feed<'a> {
    agencies: HashMap<&'a str, &'a str>,
    /// Bus stops (location_type 0) by stop_id.
    stops: HashMap<&'a str, FeedStop<'a>>,
    /// Routes in file order.
    routes: Vec<FeedRoute<'a>>,
    trips: HashMap<&'a str, Trip<'a>>,
    /// Trip id → (start, end, headway secs).
    freqs: HashMap<&'a str, Vec<(u32, u32, u32)>>,
}

fn check_feed<'a>(files: &'a HashMap<&'static str, Table>, pr: &mut Problems) -> Feed<'a> {
    let mut feed = Feed {
        agencies: HashMap::new(),
        stops: HashMap::new(),
        routes: Vec::new(),
        trips: HashMap::new(),
        freqs: HashMap::new(),
    };
    if let Some(t) = files.get("agency.txt") {
        for rec in &t.rows {
            let name = required(t, rec, "agency_name", pr).unwrap_or("");
            let id = t.get(rec, "agency_id");
            if feed.agencies.insert(id, name).is_some() {
                pr.at(
                    t.file,
                    rec.line,
                    "agency_id",
                    format!("agency_id {id:?} 重复"),
                );
            }
        }
    }
    if let Some(t) = files.get("stops.txt") {
        unique_ids(t, "stop_id", pr);
        for rec in &t.rows {
            let id = t.get(rec, "stop_id");
            // Stations, entrances and nodes (location_type 1–4) are not bus stops; only
            // stops and stations must carry a position.
            let lt = t.get(rec, "location_type");
            let kind = match lt {
                "" => 0,
                x => match x.parse::<u8>() {
                    Ok(k) if k <= 4 => k,
                    _ => {
                        pr.at(
                            t.file,
                            rec.line,
                            "location_type",
                            format!("location_type 应为 0–4：{x:?}"),
                        );
                        continue;
                    }
                },
            };
            if kind > 2 {
                continue;
            }
            let name = required(t, rec, "stop_name", pr);
            let lat = coordinate(t, rec, "stop_lat", 90.0, pr);
            let lon = coordinate(t, rec, "stop_lon", 180.0, pr);
            if let (0, Some(name), Some(lat), Some(lon)) = (kind, name, lat, lon) {
                if !id.is_empty() {
                    feed.stops.insert(
                        id,
                        FeedStop {
                            line: rec.line,
                            id,
                            name,
                            lat,
                            lon,
                        },
                    );
                }
            }
        }
    }
    let all_stops = column_values(files, "stops.txt", "stop_id");
    if let Some(t) = files.get("routes.txt") {
        unique_ids(t, "route_id", pr);
        for rec in &t.rows {
            let id = t.get(rec, "route_id");
            let rt = integer::<i64>(t, rec, "route_type", |_| true, "整数", pr);
            let (short, long) = (
                t.get(rec, "route_short_name"),
                t.get(rec, "route_long_name"),
            );
            if short.is_empty() && long.is_empty() {
                pr.at(
                    t.file,
                    rec.line,
                    "route_short_name",
                    "route_short_name 与 route_long_name 不能都为空",
                );
            }
            let agency_id = t.get(rec, "agency_id");
            let agency = match feed.agencies.get(agency_id) {
                Some(a) => *a,
                // GTFS lets a single-agency feed leave agency_id out.
                None if agency_id.is_empty() && feed.agencies.len() == 1 => {
                    feed.agencies.values().next().copied().unwrap_or("")
                }
                None if agency_id.is_empty() => {
                    pr.at(
                        t.file,
                        rec.line,
                        "agency_id",
                        "有多个运营机构时 agency_id 不能为空",
                    );
                    ""
                }
                None => {
                    pr.at(
                        t.file,
                        rec.line,
                        "agency_id",
                        format!("agency.txt 中没有 agency_id {agency_id:?}"),
                    );
                    ""
                }
            };
            if let Some(rt) = rt.filter(|_| !id.is_empty()) {
                feed.routes.push(FeedRoute {
                    line: rec.line,
                    id,
                    route_type: rt,
                    short,
                    long,
                    desc: t.get(rec, "route_desc"),
                    agency,
                });
            }
        }
    }
    let route_ids: HashSet<&str> = feed.routes.iter().map(|r| r.id).collect();
    let all_routes = column_values(files, "routes.txt", "route_id");
    if let Some(t) = files.get("trips.txt") {
        unique_ids(t, "trip_id", pr);
        for rec in &t.rows {
            let id = t.get(rec, "trip_id");
            let _ = required(t, rec, "service_id", pr);
            let route = required(t, rec, "route_id", pr);
            if let Some(r) = route.filter(|r| !all_routes.contains(r)) {
                pr.at(
                    t.file,
                    rec.line,
                    "route_id",
                    format!("routes.txt 中没有 route_id {r:?}"),
                );
            }
            let dir = match t.get(rec, "direction_id") {
                "" | "0" => "0",
                "1" => "1",
                x => {
                    pr.at(
                        t.file,
                        rec.line,
                        "direction_id",
                        format!("direction_id 应为 0 或 1：{x:?}"),
                    );
                    "0"
                }
            };
            if let Some(route) = route.filter(|r| route_ids.contains(r) && !id.is_empty()) {
                feed.trips.entry(id).or_insert(Trip {
                    line: rec.line,
                    route,
                    dir,
                    times: Vec::new(),
                });
            }
        }
    }
    let all_trips = column_values(files, "trips.txt", "trip_id");
    if let Some(t) = files.get("stop_times.txt") {
        if !t.has("arrival_time") && !t.has("departure_time") {
            pr.at(
                t.file,
                1,
                "departure_time",
                "缺少 arrival_time 或 departure_time 列",
            );
        }
        for rec in &t.rows {
            let trip = required(t, rec, "trip_id", pr);
            if let Some(x) = trip.filter(|x| !all_trips.contains(x)) {
                pr.at(
                    t.file,
                    rec.line,
                    "trip_id",
                    format!("trips.txt 中没有 trip_id {x:?}"),
                );
            }
            let stop = required(t, rec, "stop_id", pr);
            if let Some(x) = stop.filter(|x| !all_stops.contains(x)) {
                pr.at(
                    t.file,
                    rec.line,
                    "stop_id",
                    format!("stops.txt 中没有 stop_id {x:?}"),
                );
            }
            let seq = integer::<i64>(t, rec, "stop_sequence", |x| *x >= 0, "非负整数", pr);
            let arr = time_cell(t, rec, "arrival_time", pr);
            let dep = time_cell(t, rec, "departure_time", pr);
            if let (Some(trip), Some(stop), Some(seq)) = (trip, stop, seq) {
                if let Some(tr) = feed.trips.get_mut(trip) {
                    tr.times.push(StopTime {
                        line: rec.line,
                        seq,
                        stop,
                        time: dep.or(arr),
                    });
                }
            }
        }
        for tr in feed.trips.values_mut() {
            tr.times.sort_by_key(|s| s.seq);
            for w in tr.times.windows(2) {
                if w[0].seq == w[1].seq {
                    pr.at(
                        t.file,
                        w[1].line,
                        "stop_sequence",
                        format!("同一班次的 stop_sequence {} 重复", w[1].seq),
                    );
                }
            }
            // GTFS: the first and last stop of a trip must have times.
            for st in [tr.times.first(), tr.times.last()].into_iter().flatten() {
                if st.time.is_none() && (t.has("arrival_time") || t.has("departure_time")) {
                    pr.at(
                        t.file,
                        st.line,
                        "departure_time",
                        "班次的首站和末站必须有时间",
                    );
                }
            }
        }
    }
    if let Some(t) = files.get("frequencies.txt") {
        for rec in &t.rows {
            let trip = required(t, rec, "trip_id", pr);
            if let Some(x) = trip.filter(|x| !all_trips.contains(x)) {
                pr.at(
                    t.file,
                    rec.line,
                    "trip_id",
                    format!("trips.txt 中没有 trip_id {x:?}"),
                );
            }
            let start = time_cell(t, rec, "start_time", pr);
            let end = time_cell(t, rec, "end_time", pr);
            let headway = integer::<u32>(t, rec, "headway_secs", |h| *h > 0, "正整数", pr);
            if let (Some(trip), Some(s), Some(e), Some(h)) = (trip, start, end, headway) {
                if e < s {
                    pr.at(t.file, rec.line, "end_time", "end_time 不能早于 start_time");
                } else {
                    feed.freqs.entry(trip).or_default().push((s, e, h));
                }
            }
        }
    }
    feed
}

// ---- import: building sheet rows ----

/// A stored value as the sheet text an import reads back (references by their labels).
fn to_raw(f: &Field, c: &Cell, labels: &Labels) -> Raw {
    if let Some(t) = labels.sheet_text(f, c) {
        return Raw::Str(t);
    }
    match c {
        Cell::Null => Raw::Empty,
        Cell::Int(i) => Raw::Num(*i as f64),
        Cell::Num(n) => Raw::Num(*n),
        Cell::Text(s) => Raw::Str(s.clone()),
        Cell::Bool(b) => Raw::Bool(*b),
    }
}

/// Existing rows by their (single-field) natural key, in sheet form: a feed carries only
/// some fields, and an upsert writes every field, so the others are kept from here.
async fn existing(
    db: &SqlitePool,
    p: &Principal,
    r: &Register,
    key: &str,
) -> Result<HashMap<String, HashMap<&'static str, Raw>>> {
    let (rows, labels) = store::list_all(db, p, r, &RowQuery::default()).await?;
    let mut out = HashMap::new();
    for row in &rows {
        let values: HashMap<&'static str, Raw> = r
            .fields
            .iter()
            .zip(&row.cells)
            .map(|(f, c)| (f.key, to_raw(f, c, &labels)))
            .collect();
        out.insert(text(r, row, key).to_string(), values);
    }
    Ok(out)
}

/// Checks the cells that do not refer to other rows before anything is written, so that a
/// bad value in a later register cannot leave an earlier one half-imported.
fn precheck(
    r: &Register,
    rows: &[SheetRow],
    locate: &dyn Fn(&Field) -> (String, String),
    pr: &mut Problems,
) {
    let labels = Labels::default();
    for sr in rows {
        for f in r.fields.iter().filter(|f| !f.kind.is_reference()) {
            let raw = sr.values.get(f.key).unwrap_or(&Raw::Empty);
            let res = value::from_sheet(f, raw, &labels).and_then(|c| {
                if f.required && c.is_null() {
                    Err(format!("「{}」为必填项", f.zh))
                } else {
                    Ok(c)
                }
            });
            if let Err(e) = res {
                let (column, header) = locate(f);
                pr.0.push(CellError {
                    row: sr.row,
                    column,
                    header,
                    reason: e,
                });
            }
        }
    }
}

fn located(file: &str, col: &str) -> (String, String) {
    (format!("{file}:{col}"), col.to_string())
}

/// Reads a GTFS zip into the transit registers, all-or-nothing: structure first (every
/// problem as `file.txt:column` at its CSV line), then register validation, then upserts
/// of stops (by code), routes (by route no.) and route stops (by route, direction and
/// sequence). Only bus routes are read, each direction from its trip with the most stops.
pub async fn import(db: &SqlitePool, p: &Principal, zip_bytes: &[u8]) -> Result<GtfsImported> {
    let (stops_r, routes_r, rs_r) = (reg("bus_stops")?, reg("bus_routes")?, reg("route_stops")?);
    for r in [stops_r, routes_r, rs_r] {
        store::check_write(p, r)?;
    }
    let mut pr = Problems::default();
    let files = read_feed(zip_bytes, &mut pr)?;
    let feed = check_feed(&files, &mut pr);
    if !pr.0.is_empty() {
        return Err(RecordError::Import(pr.0));
    }

    // Per (route, direction): the trip with the most stops, the first in trips.txt on ties.
    let mut chosen: BTreeMap<(&str, &str), &Trip> = BTreeMap::new();
    for tr in feed.trips.values().filter(|t| !t.times.is_empty()) {
        let e = chosen.entry((tr.route, tr.dir)).or_insert(tr);
        if (tr.times.len(), std::cmp::Reverse(tr.line)) > (e.times.len(), std::cmp::Reverse(e.line))
        {
            *e = tr;
        }
    }
    let mut out = GtfsImported::default();
    let bus: Vec<_> = feed
        .routes
        .iter()
        .filter(|r| is_bus(r.route_type))
        .collect();
    out.routes_skipped = (feed.routes.len() - bus.len()) as u64;
    let bus_ids: HashSet<&str> = bus.iter().map(|r| r.id).collect();
    chosen.retain(|(route, _), _| bus_ids.contains(route));

    // Stops served by the chosen trips, in stops.txt order; names must be unique.
    let mut served: Vec<FeedStop> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for tr in chosen.values() {
        for st in &tr.times {
            if let Some(s) = feed.stops.get(st.stop) {
                if seen.insert(st.stop) {
                    served.push(*s);
                }
            } else {
                // A stop_time at a station or node rather than a stop.
                pr.at(
                    "stop_times.txt",
                    st.line,
                    "stop_id",
                    format!("{:?} 不是站点（location_type 0）", st.stop),
                );
            }
        }
    }
    served.sort_by_key(|s| s.line);
    let mut names: HashMap<&str, u32> = HashMap::new();
    for s in &served {
        if let Some(first) = names.insert(s.name, s.line) {
            pr.at(
                "stops.txt",
                s.line,
                "stop_name",
                format!("公交站点名称须唯一：{:?} 与第 {first} 行重复", s.name),
            );
        }
    }
    let stop_name: HashMap<&str, &str> = served.iter().map(|s| (s.id, s.name)).collect();

    let old_stops = existing(db, p, stops_r, "code").await?;
    let stop_rows: Vec<SheetRow> = served
        .iter()
        .map(|s| {
            let mut values = old_stops.get(s.id).cloned().unwrap_or_default();
            values.insert("code", Raw::Str(s.id.to_string()));
            values.insert("name", Raw::Str(s.name.to_string()));
            values.insert("lat", Raw::Num(s.lat));
            values.insert("lon", Raw::Num(s.lon));
            SheetRow {
                row: s.line,
                values,
            }
        })
        .collect();
    let stop_locate = |f: &Field| match f.key {
        "code" => located("stops.txt", "stop_id"),
        "name" => located("stops.txt", "stop_name"),
        "lat" => located("stops.txt", "stop_lat"),
        "lon" => located("stops.txt", "stop_lon"),
        _ => (format!("stops.txt:({})", f.key), f.header()),
    };
    precheck(stops_r, &stop_rows, &stop_locate, &mut pr);

    // Routes: timetable from frequencies, else from the trips' start times.
    let mut starts: HashMap<(&str, &str), Vec<u32>> = HashMap::new();
    let mut windows: HashMap<&str, Vec<(u32, u32, u32)>> = HashMap::new();
    for (id, tr) in &feed.trips {
        if let Some(f) = feed.freqs.get(id) {
            windows.entry(tr.route).or_default().extend(f);
        } else if let Some(t) = tr.times.first().and_then(|s| s.time) {
            starts.entry((tr.route, tr.dir)).or_default().push(t);
        }
    }
    let old_routes = existing(db, p, routes_r, "route_no").await?;
    let mut route_no_of: HashMap<&str, &str> = HashMap::new();
    let mut route_lines: HashMap<&str, u32> = HashMap::new();
    let mut route_rows = Vec::new();
    for r in &bus {
        let FeedRoute {
            line,
            id,
            short,
            long,
            desc,
            agency,
            ..
        } = **r;
        let no = if short.is_empty() { id } else { short };
        if let Some(first) = route_lines.insert(no, line) {
            pr.at(
                "routes.txt",
                line,
                "route_short_name",
                format!("线路编号 {no:?} 与第 {first} 行重复"),
            );
        }
        route_no_of.insert(id, no);
        let old = old_routes.get(no);
        let mut values = old.cloned().unwrap_or_default();
        values.insert("route_no", Raw::Str(no.to_string()));
        // 起点—终点 when the feed has no long name.
        let name = if long.is_empty() {
            chosen
                .get(&(id, "0"))
                .or_else(|| chosen.get(&(id, "1")))
                .and_then(|t| {
                    let a = stop_name.get(t.times.first()?.stop)?;
                    let b = stop_name.get(t.times.last()?.stop)?;
                    Some(format!("{a}—{b}"))
                })
                .unwrap_or_else(|| no.to_string())
        } else {
            long.to_string()
        };
        values.insert("name", Raw::Str(name));
        let route_type = match ROUTE_TYPES.lookup(desc) {
            Some(c) => Raw::Str(c.code.to_string()),
            None => old
                .and_then(|o| o.get("route_type").cloned())
                .unwrap_or_else(|| Raw::Str("regular".into())),
        };
        values.insert("route_type", route_type);
        values.insert("operator", Raw::Str(agency.to_string()));
        values.insert("status", Raw::Str("operating".into()));
        let (first, last, headway) = timetable(windows.get(id), &starts, id);
        for (k, v) in [
            ("first_departure", first.map(fmt_clock)),
            ("last_departure", last.map(fmt_clock)),
            ("headway_min", headway.map(|h| h.to_string())),
        ] {
            values.insert(k, v.map_or(Raw::Empty, Raw::Str));
        }
        route_rows.push(SheetRow { row: line, values });
    }
    let route_locate = |f: &Field| match f.key {
        "route_no" => located("routes.txt", "route_short_name"),
        "name" => located("routes.txt", "route_long_name"),
        "route_type" => located("routes.txt", "route_desc"),
        "operator" => located("routes.txt", "agency_id"),
        "first_departure" => located("frequencies.txt", "start_time"),
        "last_departure" => located("frequencies.txt", "end_time"),
        "headway_min" => located("frequencies.txt", "headway_secs"),
        _ => (format!("routes.txt:({})", f.key), f.header()),
    };
    precheck(routes_r, &route_rows, &route_locate, &mut pr);

    // Route stops: renumbered 1.. in stop_sequence order, minutes from the first stop.
    let mut rs_rows = Vec::new();
    let mut keep: HashMap<&str, HashSet<(&str, i64)>> = HashMap::new();
    for ((route, dir), tr) in &chosen {
        let Some(no) = route_no_of.get(route) else {
            continue;
        };
        let t0 = tr.times.first().and_then(|s| s.time);
        for (i, st) in tr.times.iter().enumerate() {
            let seq = i as i64 + 1;
            keep.entry(no).or_default().insert((dir, seq));
            let offset = match (t0, st.time) {
                (Some(a), Some(b)) => {
                    Raw::Num(((i64::from(b) - i64::from(a)) as f64 / 60.0).round())
                }
                _ => Raw::Empty,
            };
            let values = HashMap::from([
                ("route_id", Raw::Str(no.to_string())),
                ("direction", Raw::Str(dir.to_string())),
                ("sequence", Raw::Num(seq as f64)),
                (
                    "stop_id",
                    stop_name
                        .get(st.stop)
                        .map_or(Raw::Empty, |n| Raw::Str(n.to_string())),
                ),
                ("offset_min", offset),
            ]);
            rs_rows.push(SheetRow {
                row: st.line,
                values,
            });
        }
    }
    let rs_locate = |f: &Field| match f.key {
        "route_id" => located("stop_times.txt", "trip_id"),
        "direction" => located("trips.txt", "direction_id"),
        "sequence" => located("stop_times.txt", "stop_sequence"),
        "stop_id" => located("stop_times.txt", "stop_id"),
        "offset_min" => located("stop_times.txt", "departure_time"),
        _ => (format!("stop_times.txt:({})", f.key), f.header()),
    };
    precheck(rs_r, &rs_rows, &rs_locate, &mut pr);
    if !pr.0.is_empty() {
        return Err(RecordError::Import(pr.0));
    }

    out.stops =
        store::import_rows(db, p, stops_r, &stop_rows, &stop_locate, AuditMode::PerRow).await?;
    out.routes = store::import_rows(
        db,
        p,
        routes_r,
        &route_rows,
        &route_locate,
        AuditMode::PerRow,
    )
    .await?;
    out.route_stops =
        store::import_rows(db, p, rs_r, &rs_rows, &rs_locate, AuditMode::PerRow).await?;

    // Route stops the feed no longer has, for routes it gave stops for.
    for (no, kept) in &keep {
        let rows = sqlx::query(
            "SELECT s.id, s.direction, s.sequence FROM rec_route_stops s \
             JOIN rec_bus_routes r ON r.id = s.route_id WHERE r.route_no = $1",
        )
        .bind(*no)
        .fetch_all(db)
        .await?;
        for row in rows {
            let (id, dir, seq): (i64, String, i64) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            if !kept.contains(&(dir.as_str(), seq)) {
                store::delete(db, p, rs_r, id).await?;
                out.route_stops_removed += 1;
            }
        }
    }
    Ok(out)
}

/// A route's first and last departure (seconds) and headway (minutes): from its frequency
/// windows (headway weighted by each window's length), else from its trips' start times
/// (the average gap between successive starts in each direction).
fn timetable(
    windows: Option<&Vec<(u32, u32, u32)>>,
    starts: &HashMap<(&str, &str), Vec<u32>>,
    route: &str,
) -> (Option<u32>, Option<u32>, Option<u32>) {
    if let Some(w) = windows.filter(|w| !w.is_empty()) {
        let first = w.iter().map(|x| x.0).min();
        let last = w.iter().map(|x| x.1).max();
        let span: u64 = w.iter().map(|x| u64::from(x.1 - x.0)).sum();
        let headway = if span == 0 {
            w.iter().map(|x| x.2).min().map(|h| h as f64)
        } else {
            Some(
                w.iter()
                    .map(|x| f64::from(x.2) * f64::from(x.1 - x.0))
                    .sum::<f64>()
                    / span as f64,
            )
        };
        return (
            first,
            last,
            headway.map(|h| ((h / 60.0).round() as u32).max(1)),
        );
    }
    let (mut first, mut last) = (None::<u32>, None::<u32>);
    let mut gaps: Vec<u32> = Vec::new();
    for dir in ["0", "1"] {
        let Some(s) = starts.get(&(route, dir)) else {
            continue;
        };
        let mut s = s.clone();
        s.sort_unstable();
        s.dedup();
        if let (Some(a), Some(b)) = (s.first(), s.last()) {
            first = Some(first.map_or(*a, |f| f.min(*a)));
            last = Some(last.map_or(*b, |l| l.max(*b)));
        }
        gaps.extend(s.windows(2).map(|w| w[1] - w[0]));
    }
    let headway = (!gaps.is_empty()).then(|| {
        let avg = gaps.iter().map(|g| f64::from(*g)).sum::<f64>() / gaps.len() as f64;
        ((avg / 60.0).round() as u32).max(1)
    });
    (first, last, headway)
}
