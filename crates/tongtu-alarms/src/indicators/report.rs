//! Indicator reports for any period and grouping, scoped to the caller; rankings, the
//! monthly notice (通报) and the drill-down of one vehicle-day.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use tongtu_registry::Principal;
use tongtu_rules::indicators::{
    aggregate, drill_down, rank, summarize_span, AggregateInput, AlarmFigures, DrillDown,
    GroupIndicators, GroupKey, Grouping, Indicator, IndicatorConfig, Period, RankRow, Ratio,
    Reference, RegisteredVehicle, Report, Tally, Targets, VehicleDay,
};
use tongtu_track::{date_day, day_of, day_start_ms, TrackStore, DAY_MS};

use super::compute::{carries_before, first_qualified_days, stored_days, today};
use super::{blocking, day_fingerprint, day_label, indicator_err, track_err};
use crate::error::{AlarmError, Result};

/// Most offending items of each kind a drill-down lists.
pub const MAX_DRILL_ITEMS: usize = 1000;
/// Longest period of a report (a year and a bit: annual assessments).
const MAX_REPORT_DAYS: i32 = 400;

/// What to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// First Beijing day (day number, see `tongtu_track::day_of`).
    pub from_day: i32,
    /// Last day, inclusive; may be today (computed live).
    pub to_day: i32,
    /// City, region, enterprise or vehicle rows.
    pub grouping: Grouping,
    /// Only this enterprise's vehicles (drill-down from an enterprise row).
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    /// Only this region code (drill-down from a region row).
    #[serde(default)]
    pub region: Option<String>,
}

/// The display name of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupName {
    /// The group.
    pub key: GroupKey,
    /// 全市, the region's, the enterprise's name, or the plate.
    pub name: String,
    /// The enterprise (vehicle rows).
    pub enterprise_name: Option<String>,
    /// The region (enterprise and vehicle rows).
    pub region_name: Option<String>,
    /// Plate colour code (vehicle rows).
    pub plate_color: Option<i64>,
}

/// A report with what the console and the exports show around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorReport {
    /// The figures (`report.groups`, in key order).
    pub report: Report,
    /// The name of each group, in the order of `report.groups`.
    pub names: Vec<GroupName>,
    /// The targets the rows were checked against (speeding and fatigue: `report.reference`).
    pub targets: Targets,
    /// The scope: 全市, or the enterprise or region the rows are limited to.
    pub scope: String,
    /// Today, when the period includes it: its figures are live, not stored.
    pub live_day: Option<i32>,
    /// Closed days of the period not computed yet (run `catch_up`): left out of the figures.
    pub missing_days: Vec<i32>,
    /// Days computed under other parameters than the current ones (recompute to refresh).
    pub stale_days: Vec<i32>,
}

impl IndicatorReport {
    /// The rows with their names.
    pub fn rows(&self) -> impl Iterator<Item = (&GroupName, &GroupIndicators)> {
        self.names.iter().zip(&self.report.groups)
    }

    /// The name of a group.
    pub fn name_of(&self, key: &GroupKey) -> Option<&GroupName> {
        self.names.iter().find(|n| &n.key == key)
    }
}

/// One vehicle of the register with its names.
#[derive(Debug, Clone)]
struct RegEntry {
    v: RegisteredVehicle,
    plate: String,
    plate_color: i64,
    enterprise_name: String,
    region_name: String,
}

/// Everything the aggregation reads for a period, city-wide.
struct Loaded {
    register: Vec<RegEntry>,
    days: Vec<VehicleDay>,
    first_qualified: HashMap<u32, i32>,
    alarms: HashMap<u32, AlarmFigures>,
    live_day: Option<i32>,
    missing_days: Vec<i32>,
    stale_days: Vec<i32>,
}

/// Which vehicles the rows cover.
#[derive(Debug, Clone, Default)]
struct Scope {
    enterprise: Option<u32>,
    region: Option<String>,
}

impl Scope {
    fn unrestricted(&self) -> bool {
        self.enterprise.is_none() && self.region.is_none()
    }

    fn contains(&self, e: &RegEntry) -> bool {
        self.enterprise.is_none_or(|id| e.v.enterprise_id == id)
            && self.region.as_ref().is_none_or(|r| &e.v.region == r)
    }
}

/// The register: every vehicle with its enterprise and region. Register day = the day the
/// row was created (`vehicles.created_at`); on the register = status `active`.
async fn load_register(db: &SqlitePool) -> Result<Vec<RegEntry>> {
    let rows = sqlx::query(
        "SELECT v.id, v.plate, v.plate_color, v.vehicle_class, v.enterprise_id, v.status, \
         v.created_at, e.name AS enterprise_name, r.code AS region_code, r.name AS region_name \
         FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id \
         JOIN regions r ON r.id = e.region_id ORDER BY v.id",
    )
    .fetch_all(db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let enterprise_id: i64 = row.try_get("enterprise_id")?;
        // Ids beyond u32 cannot have tracks (the gateway's vehicle ids are u32).
        let (Ok(vehicle_id), Ok(enterprise_id)) = (u32::try_from(id), u32::try_from(enterprise_id))
        else {
            tracing::warn!(
                vehicle = id,
                "vehicle or enterprise id out of range: left out"
            );
            continue;
        };
        let created: Option<DateTime<Utc>> = row.try_get("created_at").ok();
        if created.is_none() {
            tracing::warn!(vehicle = id, "unreadable created_at: counted from any day");
        }
        let status: String = row.try_get("status")?;
        out.push(RegEntry {
            v: RegisteredVehicle {
                vehicle_id,
                enterprise_id,
                region: row.try_get("region_code")?,
                class: row.try_get("vehicle_class")?,
                registered_day: created.map(|t| day_of(t.timestamp_millis())),
                active: status == "active",
            },
            plate: row.try_get("plate")?,
            plate_color: row.try_get("plate_color")?,
            enterprise_name: row.try_get("enterprise_name")?,
            region_name: row.try_get("region_name")?,
        });
    }
    Ok(out)
}

/// Alarm figures per registered vehicle for the period, from its registration day on:
/// speeding events = alarms `speeding` or `zone_speeding_<fence>` starting in the period;
/// fatigue = the time of `fatigue` alarms (which start when the continuous-driving limit is
/// exceeded) inside the period, an open one up to now. Terminal-reported alarms
/// (`terminal_1`, `terminal_2`) are left out: the platform judges by its own rules, and the
/// terminal's would count the same episode twice.
async fn alarm_figures(
    db: &SqlitePool,
    register: &[RegEntry],
    period: Period,
    now_ms: i64,
) -> Result<HashMap<u32, AlarmFigures>> {
    let from_ms = day_start_ms(period.first_day);
    let to_ms = day_start_ms(period.last_day + 1).min(now_ms);
    let mut out: HashMap<u32, AlarmFigures> = HashMap::new();
    if to_ms <= from_ms {
        return Ok(out);
    }
    let reg_day: HashMap<u32, Option<i32>> = register
        .iter()
        .map(|e| (e.v.vehicle_id, e.v.registered_day))
        .collect();
    // Counted per Beijing day (start + 8 h, whole days) so that days before a vehicle's
    // registration can be left out without fetching every alarm.
    let speeding = sqlx::query(
        "SELECT vehicle_id, (start_ms + 28800000) / 86400000 AS bday, COUNT(*) AS n FROM alarms \
         WHERE start_ms >= $1 AND start_ms < $2 \
         AND (rule = 'speeding' OR substr(rule, 1, 14) = 'zone_speeding_') \
         GROUP BY vehicle_id, bday",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db)
    .await?;
    for row in speeding {
        let id: i64 = row.try_get("vehicle_id")?;
        let day: i64 = row.try_get("bday")?;
        let n: i64 = row.try_get("n")?;
        let Some(reg) = u32::try_from(id)
            .ok()
            .and_then(|v| reg_day.get(&v).map(|r| (v, r)))
        else {
            continue;
        };
        if reg.1.is_some_and(|r| day < i64::from(r)) {
            continue;
        }
        out.entry(reg.0).or_default().speeding_events += u64::try_from(n).unwrap_or(0);
    }
    let fatigue = sqlx::query(
        "SELECT vehicle_id, start_ms, end_ms FROM alarms WHERE rule = 'fatigue' \
         AND start_ms < $1 AND (end_ms IS NULL OR end_ms > $2)",
    )
    .bind(to_ms)
    .bind(from_ms)
    .fetch_all(db)
    .await?;
    let mut fatigue_ms: HashMap<u32, i64> = HashMap::new();
    for row in fatigue {
        let id: i64 = row.try_get("vehicle_id")?;
        let start: i64 = row.try_get("start_ms")?;
        let end: Option<i64> = row.try_get("end_ms")?;
        let Some((v, reg)) = u32::try_from(id)
            .ok()
            .and_then(|v| reg_day.get(&v).map(|r| (v, r)))
        else {
            continue;
        };
        let lo = start.max(from_ms).max(reg.map_or(i64::MIN, day_start_ms));
        let hi = end.unwrap_or(now_ms).min(to_ms);
        if hi > lo {
            *fatigue_ms.entry(v).or_default() += hi - lo;
        }
    }
    for (v, ms) in fatigue_ms {
        out.entry(v).or_default().fatigue_secs = u64::try_from(ms / 1000).unwrap_or(0);
    }
    Ok(out)
}

fn check_period(from_day: i32, to_day: i32) -> Result<Period> {
    let period = Period::new(from_day, to_day).map_err(indicator_err)?;
    if to_day - from_day >= MAX_REPORT_DAYS {
        return Err(AlarmError::invalid(
            "from_day",
            format!("at most {MAX_REPORT_DAYS} days at once"),
        ));
    }
    Ok(period)
}

async fn load(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    period: Period,
    now_ms: i64,
) -> Result<Loaded> {
    cfg.validate().map_err(indicator_err)?;
    let today_day = day_of(now_ms);
    let register = load_register(db).await?;
    let stored = stored_days(db, period.first_day, period.last_day.min(today_day - 1)).await?;
    let fingerprint = day_fingerprint(cfg);
    let mut missing_days = Vec::new();
    let mut stale_days = Vec::new();
    // Days before the first stored track have nothing to compute: not "missing".
    let first_track_day = tracks.day_bytes().iter().map(|(d, _)| *d).min();
    for day in period.first_day..=period.last_day.min(today_day - 1) {
        match stored.computed.get(&day) {
            None if first_track_day.is_some_and(|f| day >= f) => missing_days.push(day),
            None => {}
            Some(f) if *f != fingerprint => stale_days.push(day),
            Some(_) => {}
        }
    }
    let mut days = stored.days;
    let live_day = period.contains(today_day).then_some(today_day);
    if live_day.is_some() {
        days.extend(today(db, tracks, cfg, now_ms).await?);
    }
    let first_qualified = first_qualified_days(db).await?;
    let alarms = alarm_figures(db, &register, period, now_ms).await?;
    Ok(Loaded {
        register,
        days,
        first_qualified,
        alarms,
        live_day,
        missing_days,
        stale_days,
    })
}

/// The caller's scope plus the query's filters. A foreign or unknown enterprise is not found.
fn scope_of(
    p: &Principal,
    q_enterprise: Option<i64>,
    region: Option<String>,
    l: &Loaded,
) -> Result<Scope> {
    let own = p.enterprise_scope();
    let wanted = match (own, q_enterprise) {
        (Some(o), Some(e)) if o != e => {
            return Err(AlarmError::NotFound(format!("enterprise {e}")));
        }
        (Some(o), _) => Some(o),
        (None, e) => e,
    };
    let enterprise = match wanted {
        None => None,
        Some(e) => {
            let id = u32::try_from(e).ok();
            // An officer's own enterprise may have no vehicles yet: empty rows, not 404.
            if own.is_none() && !l.register.iter().any(|r| Some(r.v.enterprise_id) == id) {
                return Err(AlarmError::NotFound(format!("enterprise {e}")));
            }
            Some(id.unwrap_or(u32::MAX))
        }
    };
    Ok(Scope {
        enterprise,
        region: region.filter(|r| !r.is_empty()),
    })
}

/// Aggregates the scope. Speeding and fatigue are always scored against the city-wide
/// averages, also for an enterprise officer (whose own average would always meet itself).
fn aggregate_scope(
    cfg: &IndicatorConfig,
    l: &Loaded,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
) -> Result<Report> {
    let all: Vec<RegisteredVehicle> = l.register.iter().map(|e| e.v.clone()).collect();
    let no_checks = HashMap::new();
    let city = AggregateInput {
        register: &all,
        days: &l.days,
        alarms: &l.alarms,
        first_qualified_day: &l.first_qualified,
        check_responses: &no_checks,
        reference: None,
    };
    if scope.unrestricted() {
        return aggregate(cfg, &city, period, grouping).map_err(indicator_err);
    }
    let reference = aggregate(cfg, &city, period, Grouping::City)
        .map_err(indicator_err)?
        .reference;
    let register: Vec<RegisteredVehicle> = l
        .register
        .iter()
        .filter(|e| scope.contains(e))
        .map(|e| e.v.clone())
        .collect();
    let ids: std::collections::HashSet<u32> = register.iter().map(|v| v.vehicle_id).collect();
    // Other vehicles' days would show up as "unregistered" in `ignored`: leave them out.
    let days: Vec<VehicleDay> = l
        .days
        .iter()
        .filter(|d| ids.contains(&d.vehicle_id))
        .copied()
        .collect();
    let input = AggregateInput {
        register: &register,
        days: &days,
        reference: Some(reference),
        ..city
    };
    aggregate(cfg, &input, period, grouping).map_err(indicator_err)
}

fn names(l: &Loaded, report: &Report, scope_label: &str) -> Vec<GroupName> {
    let by_vehicle: HashMap<u32, &RegEntry> =
        l.register.iter().map(|e| (e.v.vehicle_id, e)).collect();
    let name = |key: &GroupKey| -> GroupName {
        let blank = GroupName {
            key: key.clone(),
            name: String::new(),
            enterprise_name: None,
            region_name: None,
            plate_color: None,
        };
        match key {
            GroupKey::City => GroupName {
                name: scope_label.to_string(),
                ..blank
            },
            GroupKey::Region(code) => GroupName {
                name: l
                    .register
                    .iter()
                    .find(|e| &e.v.region == code)
                    .map_or_else(|| code.clone(), |e| e.region_name.clone()),
                ..blank
            },
            GroupKey::Enterprise(id) => {
                let e = l.register.iter().find(|e| e.v.enterprise_id == *id);
                GroupName {
                    name: e.map_or_else(|| id.to_string(), |e| e.enterprise_name.clone()),
                    region_name: e.map(|e| e.region_name.clone()),
                    ..blank
                }
            }
            GroupKey::Vehicle(id) => {
                let e = by_vehicle.get(id);
                GroupName {
                    name: e.map_or_else(|| id.to_string(), |e| e.plate.clone()),
                    enterprise_name: e.map(|e| e.enterprise_name.clone()),
                    region_name: e.map(|e| e.region_name.clone()),
                    plate_color: e.map(|e| e.plate_color),
                    ..blank
                }
            }
        }
    };
    report.groups.iter().map(|g| name(&g.key)).collect()
}

fn scope_label(l: &Loaded, scope: &Scope) -> String {
    if let Some(id) = scope.enterprise {
        if let Some(e) = l.register.iter().find(|e| e.v.enterprise_id == id) {
            return e.enterprise_name.clone();
        }
    }
    if let Some(code) = &scope.region {
        if let Some(e) = l.register.iter().find(|e| &e.v.region == code) {
            return e.region_name.clone();
        }
        return code.clone();
    }
    "全市".to_string()
}

/// The indicators of a period for a grouping, from stored days (+ today live), the register
/// and the alarms, limited to the caller's enterprise for enterprise officers (and to the
/// query's enterprise or region). Speeding and fatigue are scored against the city average.
pub async fn report(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    p: &Principal,
    q: &ReportQuery,
    now_ms: i64,
) -> Result<IndicatorReport> {
    let period = check_period(q.from_day, q.to_day)?;
    let l = load(db, tracks, cfg, period, now_ms).await?;
    let scope = scope_of(p, q.enterprise_id, q.region.clone(), &l)?;
    let report = aggregate_scope(cfg, &l, &scope, period, q.grouping)?;
    let label = scope_label(&l, &scope);
    Ok(IndicatorReport {
        names: names(&l, &report, &label),
        report,
        targets: cfg.targets.clone(),
        scope: label,
        live_day: l.live_day,
        missing_days: l.missing_days,
        stale_days: l.stale_days,
    })
}

/// One day of a trend: the scope's figures of that day alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendDay {
    pub day: i32,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Computed live (today).
    pub live: bool,
    pub group: GroupIndicators,
}

/// The city's (or the scope's) figures day by day over a period, for trend lines. Alarm
/// figures are loaded per period, not per day, so the days carry the track and record
/// indicators only: speeding and fatigue read 0 here (use [`report`] for them).
pub async fn trend(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    p: &Principal,
    q: &ReportQuery,
    now_ms: i64,
) -> Result<Vec<TrendDay>> {
    let period = check_period(q.from_day, q.to_day)?;
    let mut l = load(db, tracks, cfg, period, now_ms).await?;
    let scope = scope_of(p, q.enterprise_id, q.region.clone(), &l)?;
    l.alarms.clear();
    let mut out = Vec::new();
    for day in period.first_day..=period.last_day {
        let one = Period::new(day, day).map_err(indicator_err)?;
        let r = aggregate_scope(cfg, &l, &scope, one, Grouping::City)?;
        if let Some(group) = r.groups.into_iter().next() {
            out.push(TrendDay {
                day,
                date: day_label(day),
                live: l.live_day == Some(day),
                group,
            });
        }
    }
    Ok(out)
}

/// One row of an enterprise ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedRow {
    /// Rank, value and target check.
    #[serde(flatten)]
    pub row: RankRow,
    /// Enterprise name.
    pub name: String,
    /// Its region.
    pub region_name: Option<String>,
}

/// Enterprises ranked by one indicator, best first, below-target ones flagged. Ranks are
/// among all enterprises of the city; an enterprise officer gets only their own row (their
/// position, not the others' figures).
#[allow(clippy::too_many_arguments)]
pub async fn ranking(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    p: &Principal,
    from_day: i32,
    to_day: i32,
    by: Indicator,
    now_ms: i64,
) -> Result<Vec<RankedRow>> {
    let period = check_period(from_day, to_day)?;
    let l = load(db, tracks, cfg, period, now_ms).await?;
    let report = aggregate_scope(cfg, &l, &Scope::default(), period, Grouping::Enterprise)?;
    let names = names(&l, &report, "全市");
    let own = p
        .enterprise_scope()
        .map(|e| GroupKey::Enterprise(u32::try_from(e).unwrap_or(u32::MAX)));
    Ok(rank(&report.groups, by)
        .into_iter()
        .filter(|r| own.as_ref().is_none_or(|o| &r.key == o))
        .map(|row| {
            let n = names.iter().find(|n| n.key == row.key);
            RankedRow {
                name: n.map(|n| n.name.clone()).unwrap_or_default(),
                region_name: n.and_then(|n| n.region_name.clone()),
                row,
            }
        })
        .collect())
}

/// One missed target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeItem {
    /// The indicator.
    pub indicator: Indicator,
    /// Its Chinese name.
    pub label: String,
    /// Numerator, denominator and value.
    pub ratio: Ratio,
    /// The target (fraction, or the city average for speeding and fatigue).
    pub target: Option<f64>,
    /// True when the target is a maximum (drift, speeding, fatigue).
    pub at_most: bool,
}

/// An enterprise below at least one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeRow {
    /// Enterprise id.
    pub enterprise_id: u32,
    /// Its name.
    pub name: String,
    /// Its region.
    pub region_name: Option<String>,
    /// The enterprise score (of `max`).
    pub score: f64,
    /// Most points its assessed parts could score.
    pub score_max: f64,
    /// The targets missed, in indicator order.
    pub failures: Vec<NoticeItem>,
}

/// The monthly notice (通报): enterprises below any target in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// Title, e.g. `2026年10月重点营运车辆联网联控考核通报`.
    pub title: String,
    /// The month.
    pub period: Period,
    /// The averages speeding and fatigue were held against.
    pub reference: Reference,
    /// Enterprises below target: most failures first, then lowest score.
    pub rows: Vec<NoticeRow>,
    /// Enterprises assessed (on the register in the month).
    pub enterprises_assessed: usize,
    /// Today, when the month is the current one (figures not final).
    pub live_day: Option<i32>,
    /// Closed days not computed yet.
    pub missing_days: Vec<i32>,
}

const NOTICE_INDICATORS: [Indicator; 8] = [
    Indicator::AccessRate,
    Indicator::OnlineRate,
    Indicator::TrackCompleteRate,
    Indicator::DataQualifiedRate,
    Indicator::DriftVehicleRate,
    Indicator::AvgSpeeding,
    Indicator::AvgFatigue,
    Indicator::CheckResponseRate,
];

fn ratio_of(i: Indicator, g: &GroupIndicators) -> Option<Ratio> {
    Some(match i {
        Indicator::AccessRate => g.access_rate,
        Indicator::OnlineRate => g.online_rate,
        Indicator::TrackCompleteRate => g.track_complete_rate,
        Indicator::DataQualifiedRate => g.data_qualified_rate,
        Indicator::DriftVehicleRate => g.drift_vehicle_rate,
        Indicator::AvgSpeeding => g.avg_speeding_events,
        Indicator::AvgFatigue => g.avg_fatigue_secs,
        Indicator::CheckResponseRate => g.check_response_rate?,
        Indicator::EnterpriseScore | Indicator::PlatformScore => return None,
    })
}

fn target_of(i: Indicator, t: &Targets, r: &Reference) -> Option<f64> {
    match i {
        Indicator::AccessRate => Some(t.access_rate),
        Indicator::OnlineRate => Some(t.online_rate),
        Indicator::TrackCompleteRate => Some(t.track_complete_rate),
        Indicator::DataQualifiedRate => Some(t.data_qualified_rate),
        Indicator::DriftVehicleRate => Some(t.drift_vehicle_rate_max),
        Indicator::AvgSpeeding => r.speeding_avg,
        Indicator::AvgFatigue => r.fatigue_avg_secs,
        Indicator::CheckResponseRate => Some(t.check_response_rate),
        Indicator::EnterpriseScore | Indicator::PlatformScore => None,
    }
}

/// The 通报 list of a calendar month (`month` 1–12): every enterprise below any target,
/// with the indicators missed and their x / y values. An enterprise officer sees only their
/// own row, if any.
pub async fn notice(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    p: &Principal,
    year: i32,
    month: u32,
    now_ms: i64,
) -> Result<Notice> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| AlarmError::invalid("month", "a month 1-12 of a valid year"))?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .ok_or_else(|| AlarmError::invalid("month", "a month 1-12 of a valid year"))?;
    let period = check_period(date_day(first), date_day(next) - 1)?;
    if period.first_day > day_of(now_ms) {
        return Err(AlarmError::invalid("month", "the month has not begun"));
    }
    let l = load(db, tracks, cfg, period, now_ms).await?;
    let report = aggregate_scope(cfg, &l, &Scope::default(), period, Grouping::Enterprise)?;
    let names = names(&l, &report, "全市");
    let own = p.enterprise_scope();
    let mut rows: Vec<NoticeRow> = report
        .groups
        .iter()
        .zip(&names)
        .filter_map(|(g, n)| {
            let GroupKey::Enterprise(id) = g.key else {
                return None;
            };
            if own.is_some_and(|o| o != i64::from(id)) {
                return None;
            }
            let failures: Vec<NoticeItem> = NOTICE_INDICATORS
                .iter()
                .filter(|i| i.meets(g) == Some(false))
                .filter_map(|i| {
                    Some(NoticeItem {
                        indicator: *i,
                        label: i.label_zh().to_string(),
                        ratio: ratio_of(*i, g)?,
                        target: target_of(*i, &cfg.targets, &report.reference),
                        at_most: !i.higher_is_better(),
                    })
                })
                .collect();
            (!failures.is_empty()).then(|| NoticeRow {
                enterprise_id: id,
                name: n.name.clone(),
                region_name: n.region_name.clone(),
                score: g.enterprise_score.total,
                score_max: g.enterprise_score.max,
                failures,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.failures
            .len()
            .cmp(&a.failures.len())
            .then(a.score.total_cmp(&b.score))
            .then(a.enterprise_id.cmp(&b.enterprise_id))
    });
    Ok(Notice {
        title: format!(
            "{}年{}月重点营运车辆联网联控考核通报",
            first.year(),
            first.month()
        ),
        period,
        reference: report.reference,
        rows,
        enterprises_assessed: report.groups.len(),
        live_day: l.live_day,
        missing_days: l.missing_days,
    })
}

/// A vehicle-day with the positions behind its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VehicleDrillDown {
    /// Vehicle id.
    pub vehicle_id: i64,
    /// Plate.
    pub plate: String,
    /// Enterprise name.
    pub enterprise_name: String,
    /// The Beijing day.
    pub day: i32,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Today: the figures are live.
    pub live: bool,
    /// The day's counters (as stored for a closed day, barring late data).
    pub tally: Tally,
    /// Incomplete segments, unqualified records and drift fixes, capped.
    pub items: DrillDown,
}

/// The exact positions that made a vehicle's day incomplete, unqualified or drifting
/// (`cap` items of each kind, at most [`MAX_DRILL_ITEMS`]), continuing from its stored
/// previous day as the stored figures do. A vehicle outside the caller's enterprise is not
/// found.
#[allow(clippy::too_many_arguments)]
pub async fn vehicle_drilldown(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    p: &Principal,
    vehicle_id: i64,
    day: i32,
    cap: usize,
    now_ms: i64,
) -> Result<VehicleDrillDown> {
    cfg.validate().map_err(indicator_err)?;
    let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT v.plate, e.name FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id \
         WHERE v.id = ",
    );
    qb.push_bind(vehicle_id);
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND v.enterprise_id = ").push_bind(e);
    }
    let not_found = || AlarmError::NotFound(format!("vehicle {vehicle_id}"));
    let row = qb.build().fetch_optional(db).await?.ok_or_else(not_found)?;
    let plate: String = row.try_get(0)?;
    let enterprise_name: String = row.try_get(1)?;
    let vid = u32::try_from(vehicle_id).map_err(|_| not_found())?;
    let today_day = day_of(now_ms);
    if day > today_day {
        return Err(AlarmError::invalid("day", "the day has not begun"));
    }
    let carry = carries_before(db, day, Some(&[vid])).await?.remove(&vid);
    let (tracks, cfg) = (tracks.clone(), cfg.clone());
    let cap = cap.clamp(1, MAX_DRILL_ITEMS);
    let (tally, items) = blocking(move || {
        let from = day_start_ms(day);
        let positions = tracks.track(vid, from, from + DAY_MS).map_err(track_err)?;
        let (tally, _) = summarize_span(&cfg, &positions, carry.as_ref());
        Ok((tally, drill_down(&cfg, &positions, carry.as_ref(), cap)))
    })
    .await?;
    Ok(VehicleDrillDown {
        vehicle_id,
        plate,
        enterprise_name,
        day,
        date: day_label(day),
        live: day == today_day,
        tally,
        items,
    })
}
