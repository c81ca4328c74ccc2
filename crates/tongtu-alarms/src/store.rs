//! Alarm rows: persisting the engine's events (idempotently, so that a replay after a restart
//! adds nothing twice) and the queries of the console: list, detail, evidence, statistics,
//! notifications. Enterprise officers are limited to their enterprise inside every query.

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tongtu_registry::Principal;
use tongtu_rules::{Alarm, Event};
use tongtu_track::{Position, BEIJING_OFFSET_MS};

use crate::error::{AlarmError, Result};
use crate::model::*;

pub const MAX_LIMIT: u32 = 500;

/// The engine's severity as stored.
fn severity_code(a: &Alarm) -> &'static str {
    match a.severity {
        tongtu_rules::Severity::Info => "info",
        tongtu_rules::Severity::Warning => "warning",
        tongtu_rules::Severity::Serious => "serious",
    }
}

fn fix_json(p: &Position) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "{}".into())
}

/// What [`persist`] changed: ids of alarms created or updated.
#[derive(Debug, Default)]
pub struct Persisted {
    pub opened: Vec<i64>,
    pub closed: Vec<i64>,
    /// Events of vehicles missing from the registry (deleted meanwhile).
    pub skipped: usize,
}

/// Stores engine events in one transaction. An opened alarm that exists already (same
/// vehicle, rule and start) is left alone; a closed one updates its end and extreme.
pub async fn persist(db: &SqlitePool, events: &[Event], now_ms: i64) -> Result<Persisted> {
    let mut out = Persisted::default();
    if events.is_empty() {
        return Ok(out);
    }
    // IMMEDIATE: take the write lock up front. A deferred transaction that reads first fails
    // with SQLITE_BUSY_SNAPSHOT when another writer commits meanwhile (busy_timeout can't help).
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    for ev in events {
        let (a, closed) = match ev {
            Event::Opened(a) => (a, false),
            Event::Closed(a) => (a, true),
        };
        let Some(enterprise_id) =
            sqlx::query_scalar::<_, i64>("SELECT enterprise_id FROM vehicles WHERE id = $1")
                .bind(i64::from(a.vehicle_id))
                .fetch_optional(&mut *tx)
                .await?
        else {
            out.skipped += 1;
            continue;
        };
        let rule = a.rule.code();
        let end_fix = a.end_fix.as_ref().map(fix_json);
        let row = if closed {
            sqlx::query(
                "INSERT INTO alarms (vehicle_id, enterprise_id, rule, severity, start_ms, end_ms, peak, \
                 limit_value, detail, start_lat, start_lon, start_speed, start_fix_json, end_fix_json, \
                 created_ms, updated_ms) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15) \
                 ON CONFLICT (vehicle_id, rule, start_ms) DO UPDATE SET \
                 end_ms = excluded.end_ms, peak = excluded.peak, detail = excluded.detail, \
                 end_fix_json = excluded.end_fix_json, updated_ms = excluded.updated_ms \
                 WHERE alarms.end_ms IS NULL OR alarms.end_ms <> excluded.end_ms \
                 RETURNING id, created_ms",
            )
        } else {
            sqlx::query(
                "INSERT INTO alarms (vehicle_id, enterprise_id, rule, severity, start_ms, end_ms, peak, \
                 limit_value, detail, start_lat, start_lon, start_speed, start_fix_json, end_fix_json, \
                 created_ms, updated_ms) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15) \
                 ON CONFLICT (vehicle_id, rule, start_ms) DO NOTHING RETURNING id, created_ms",
            )
        }
        .bind(i64::from(a.vehicle_id))
        .bind(enterprise_id)
        .bind(&rule)
        .bind(severity_code(a))
        .bind(a.start_ms)
        .bind(a.end_ms)
        .bind(a.peak)
        .bind(a.limit)
        .bind(&a.detail)
        .bind(a.start_fix.lat)
        .bind(a.start_fix.lon)
        .bind(i64::from(a.start_fix.speed))
        .bind(fix_json(&a.start_fix))
        .bind(end_fix)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let id: i64 = row.try_get(0)?;
            let created_ms: i64 = row.try_get(1)?;
            // An episode first seen already ended (instantaneous, replayed, late data) still
            // shows its opening in the history.
            let first_seen = created_ms == now_ms && !out.opened.contains(&id);
            let mut steps = Vec::with_capacity(2);
            if !closed || first_seen {
                steps.push(("opened", a.start_ms));
            }
            if closed {
                steps.push(("closed", a.end_ms.unwrap_or(now_ms)));
            }
            for (action, at) in steps {
                sqlx::query(
                    "INSERT INTO alarm_actions (alarm_id, at_ms, actor_name, action, note) \
                     VALUES ($1, $2, '系统', $3, $4)",
                )
                .bind(id)
                .bind(at)
                .bind(action)
                .bind(&a.detail)
                .execute(&mut *tx)
                .await?;
            }
            if closed {
                out.closed.push(id);
            } else {
                out.opened.push(id);
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Filters of the alarm list.
#[derive(Debug, Clone, Default)]
pub struct AlarmQuery {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    /// A rule code, or a family prefix (`terminal`, `fence`, `forbidden`, ...).
    pub rule: Option<String>,
    pub state: Option<AlarmState>,
    pub severity: Option<String>,
    pub overdue: bool,
    pub open: bool,
    pub cursor: Option<i64>,
    pub limit: u32,
}

const SELECT_ITEM: &str = "SELECT a.id, a.vehicle_id, v.plate, v.plate_color, a.enterprise_id, \
     e.name AS enterprise_name, v.vehicle_class, a.rule, a.severity, a.start_ms, a.end_ms, a.peak, \
     a.limit_value, a.detail, a.state, a.deadline_ms, a.case_id, a.start_lat, a.start_lon, \
     a.start_speed, a.handled_ms, a.measure \
     FROM alarms a JOIN vehicles v ON v.id = a.vehicle_id JOIN enterprises e ON e.id = a.enterprise_id \
     WHERE 1 = 1";

fn item(row: &sqlx::sqlite::SqliteRow, now_ms: i64) -> Result<AlarmItem> {
    let state: String = row.try_get("state")?;
    let state = AlarmState::parse(&state)
        .ok_or_else(|| AlarmError::Internal(format!("unknown alarm state {state:?}")))?;
    let deadline_ms: Option<i64> = row.try_get("deadline_ms")?;
    let end_ms: Option<i64> = row.try_get("end_ms")?;
    let handled_ms: Option<i64> = row.try_get("handled_ms")?;
    let lat: i64 = row.try_get("start_lat")?;
    let lon: i64 = row.try_get("start_lon")?;
    let speed: i64 = row.try_get("start_speed")?;
    Ok(AlarmItem {
        id: row.try_get("id")?,
        vehicle_id: row.try_get("vehicle_id")?,
        plate: row.try_get("plate")?,
        plate_color: row.try_get("plate_color")?,
        enterprise_id: row.try_get("enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        vehicle_type: row.try_get("vehicle_class")?,
        rule: row.try_get("rule")?,
        severity: row.try_get("severity")?,
        start_at: ts(row.try_get("start_ms")?),
        end_at: end_ms.map(ts),
        open: end_ms.is_none(),
        peak: row.try_get("peak")?,
        limit: row.try_get("limit_value")?,
        detail: row.try_get("detail")?,
        state,
        deadline: deadline_ms.map(ts),
        overdue: state == AlarmState::Escalated && deadline_ms.is_some_and(|d| d < now_ms),
        case_id: row.try_get("case_id")?,
        lat: lat as f64 / 1e6,
        lon: lon as f64 / 1e6,
        speed_kmh: speed as f64 / 10.0,
        handled_at: handled_ms.map(ts),
        measure: row.try_get("measure")?,
    })
}

fn push_scope(qb: &mut QueryBuilder<'_, Sqlite>, p: &Principal) {
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND a.enterprise_id = ").push_bind(e);
    }
}

fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, p: &Principal, q: &AlarmQuery, now_ms: i64) {
    push_scope(qb, p);
    if let Some(f) = q.from_ms {
        qb.push(" AND a.start_ms >= ").push_bind(f);
    }
    if let Some(t) = q.to_ms {
        qb.push(" AND a.start_ms < ").push_bind(t);
    }
    if let Some(e) = q.enterprise_id {
        qb.push(" AND a.enterprise_id = ").push_bind(e);
    }
    if let Some(v) = q.vehicle_id {
        qb.push(" AND a.vehicle_id = ").push_bind(v);
    }
    if let Some(plate) = q.plate.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND instr(v.plate, ")
            .push_bind(plate.to_string())
            .push(") > 0");
    }
    if let Some(rule) = q.rule.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND (a.rule = ")
            .push_bind(rule.to_string())
            .push(" OR substr(a.rule, 1, ")
            .push_bind(rule.len() as i64 + 1)
            .push(") = ")
            .push_bind(format!("{rule}_"))
            .push(")");
    }
    if let Some(s) = q.state {
        qb.push(" AND a.state = ").push_bind(s.code());
    }
    if let Some(s) = q.severity.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND a.severity = ").push_bind(s.to_string());
    }
    if q.overdue {
        qb.push(" AND a.state = 'escalated' AND a.deadline_ms < ")
            .push_bind(now_ms);
    }
    if q.open {
        qb.push(" AND a.end_ms IS NULL");
    }
}

/// A page of alarms, newest first.
pub async fn list(
    db: &SqlitePool,
    p: &Principal,
    q: &AlarmQuery,
    now_ms: i64,
) -> Result<Page<AlarmItem>> {
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let mut qb = QueryBuilder::<Sqlite>::new(SELECT_ITEM);
    push_filters(&mut qb, p, q, now_ms);
    if let Some(c) = q.cursor {
        qb.push(" AND a.id < ").push_bind(c);
    }
    qb.push(" ORDER BY a.id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let rows = qb.build().fetch_all(db).await?;
    let mut items = rows
        .iter()
        .map(|r| item(r, now_ms))
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|a| a.id)
    } else {
        None
    };
    let mut cq = QueryBuilder::<Sqlite>::new(
        "SELECT COUNT(*) FROM alarms a JOIN vehicles v ON v.id = a.vehicle_id WHERE 1 = 1",
    );
    push_filters(&mut cq, p, q, now_ms);
    let total: i64 = cq.build_query_scalar().fetch_one(db).await?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// One alarm visible to the caller.
pub async fn get(db: &SqlitePool, p: &Principal, id: i64, now_ms: i64) -> Result<AlarmItem> {
    let mut qb = QueryBuilder::<Sqlite>::new(SELECT_ITEM);
    qb.push(" AND a.id = ").push_bind(id);
    push_scope(&mut qb, p);
    let row = qb
        .build()
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AlarmError::NotFound(format!("alarm {id}")))?;
    item(&row, now_ms)
}

/// The alarm's history, oldest first.
pub async fn actions(db: &SqlitePool, alarm_id: i64) -> Result<Vec<AlarmAction>> {
    let rows = sqlx::query(
        "SELECT id, at_ms, actor_name, action, measure, note, text, terminal_result, deadline_ms \
         FROM alarm_actions WHERE alarm_id = $1 ORDER BY at_ms, id",
    )
    .bind(alarm_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AlarmAction {
                id: r.try_get("id")?,
                at: ts(r.try_get("at_ms")?),
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                measure: r.try_get("measure")?,
                note: r.try_get("note")?,
                text: r.try_get("text")?,
                terminal_result: r.try_get("terminal_result")?,
                deadline: r.try_get::<Option<i64>, _>("deadline_ms")?.map(ts),
            })
        })
        .collect()
}

/// Geofence id of a fence rule code (`forbidden_7` → 7).
pub fn fence_id(rule: &str) -> Option<i64> {
    let (prefix, id) = rule.rsplit_once('_')?;
    matches!(
        prefix,
        "fence_enter" | "fence_leave" | "forbidden" | "route_deviation" | "zone_speeding"
    )
    .then(|| id.parse().ok())
    .flatten()
}

/// An alarm with its history.
pub async fn detail(db: &SqlitePool, p: &Principal, id: i64, now_ms: i64) -> Result<AlarmDetail> {
    let alarm = get(db, p, id, now_ms).await?;
    let actions = actions(db, id).await?;
    let fence_name = match fence_id(&alarm.rule) {
        Some(f) => {
            sqlx::query_scalar("SELECT name FROM geofences WHERE id = $1")
                .bind(f)
                .fetch_optional(db)
                .await?
        }
        None => None,
    };
    Ok(AlarmDetail {
        alarm,
        actions,
        fence_name,
    })
}

/// Largest number of evidence points returned.
pub const MAX_EVIDENCE_POINTS: usize = 5000;
/// Context shown before and after the alarm.
pub const EVIDENCE_MARGIN_MS: i64 = 5 * 60_000;

/// The evidence track of an alarm from `track` (the positions of the vehicle between
/// `from_ms` and `to_ms`), thinned evenly to at most [`MAX_EVIDENCE_POINTS`] while every
/// point inside the alarm span is kept as long as they fit.
pub fn evidence(alarm: &AlarmItem, from_ms: i64, to_ms: i64, track: &[Position]) -> Evidence {
    let start = alarm.start_at.timestamp_millis();
    let end = alarm
        .end_at
        .map(|t| t.timestamp_millis())
        .unwrap_or(i64::MAX);
    let inside = |p: &Position| p.device_time_ms >= start && p.device_time_ms <= end;
    let n = track.len();
    let truncated = n > MAX_EVIDENCE_POINTS;
    let n_inside = track.iter().filter(|p| inside(p)).count();
    let keep_all_inside = n_inside <= MAX_EVIDENCE_POINTS / 2;
    let step = if truncated {
        n.div_ceil(MAX_EVIDENCE_POINTS / if keep_all_inside { 2 } else { 1 })
    } else {
        1
    };
    let points = track
        .iter()
        .enumerate()
        .filter(|(i, p)| i % step == 0 || (keep_all_inside && inside(p)))
        .map(|(_, p)| EvidencePoint {
            t: ts(p.device_time_ms),
            lat: p.lat_deg(),
            lon: p.lon_deg(),
            speed_kmh: p.speed_kmh(),
            direction: p.direction,
            valid: p.gnss_valid(),
            in_alarm: inside(p),
        })
        .collect();
    Evidence {
        from: ts(from_ms),
        to: ts(to_ms),
        points,
        truncated,
    }
}

/// Window of the evidence track of an alarm.
pub fn evidence_window(alarm: &AlarmItem, now_ms: i64) -> (i64, i64) {
    let start = alarm.start_at.timestamp_millis();
    let end = alarm
        .end_at
        .map(|t| t.timestamp_millis())
        .unwrap_or(now_ms)
        .max(start);
    (start - EVIDENCE_MARGIN_MS, end + EVIDENCE_MARGIN_MS)
}

/// Statistics of the alarms that started in the period.
pub async fn stats(db: &SqlitePool, p: &Principal, q: &AlarmQuery, now_ms: i64) -> Result<Stats> {
    async fn grouped(
        db: &SqlitePool,
        p: &Principal,
        q: &AlarmQuery,
        now_ms: i64,
        select: &str,
        group: &str,
    ) -> Result<Vec<sqlx::sqlite::SqliteRow>> {
        let mut qb = QueryBuilder::<Sqlite>::new(select);
        qb.push(
            " FROM alarms a JOIN vehicles v ON v.id = a.vehicle_id \
             JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1",
        );
        push_filters(&mut qb, p, q, now_ms);
        qb.push(group);
        Ok(qb.build().fetch_all(db).await?)
    }
    let by_rule = grouped(
        db,
        p,
        q,
        now_ms,
        "SELECT a.rule, COUNT(*) AS n",
        " GROUP BY a.rule ORDER BY n DESC, a.rule",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(RuleCount {
            rule: r.try_get(0)?,
            count: r.try_get(1)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let by_state = grouped(
        db,
        p,
        q,
        now_ms,
        "SELECT a.state, COUNT(*) AS n",
        " GROUP BY a.state ORDER BY a.state",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(StateCount {
            state: r.try_get(0)?,
            count: r.try_get(1)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let by_enterprise = grouped(
        db,
        p,
        q,
        now_ms,
        "SELECT a.enterprise_id, e.name, COUNT(*) AS n, \
         SUM(CASE WHEN a.state <> 'closed' THEN 1 ELSE 0 END) AS open",
        " GROUP BY a.enterprise_id, e.name ORDER BY n DESC, a.enterprise_id LIMIT 50",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(EnterpriseCount {
            enterprise_id: r.try_get(0)?,
            enterprise_name: r.try_get(1)?,
            count: r.try_get(2)?,
            open: r.try_get(3)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    // Beijing hour and day of the start, computed in SQL from UTC milliseconds.
    let local = format!("(a.start_ms + {BEIJING_OFFSET_MS})");
    let hours = grouped(
        db,
        p,
        q,
        now_ms,
        &format!("SELECT ({local} / 3600000) % 24 AS h, COUNT(*)"),
        " GROUP BY h",
    )
    .await?;
    let mut by_hour = vec![0i64; 24];
    for r in &hours {
        let h: i64 = r.try_get(0)?;
        if let Some(slot) = usize::try_from(h).ok().and_then(|h| by_hour.get_mut(h)) {
            *slot += r.try_get::<i64, _>(1)?;
        }
    }
    let by_day = grouped(
        db,
        p,
        q,
        now_ms,
        &format!("SELECT date({local} / 1000, 'unixepoch') AS d, COUNT(*)"),
        " GROUP BY d ORDER BY d",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(DayCount {
            day: r.try_get(0)?,
            count: r.try_get(1)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Stats {
        total: by_rule.iter().map(|r| r.count).sum(),
        by_rule,
        by_state,
        by_enterprise,
        by_hour,
        by_day,
    })
}

/// Counts of what waits for the caller, and the newest items needing their action.
pub async fn notifications(
    db: &SqlitePool,
    p: &Principal,
    can_handle: bool,
    can_supervise: bool,
    now_ms: i64,
) -> Result<Notifications> {
    let count = |state: Option<AlarmState>, overdue: bool| {
        let q = AlarmQuery {
            state,
            overdue,
            limit: 1,
            ..AlarmQuery::default()
        };
        async move {
            let mut cq = QueryBuilder::<Sqlite>::new(
                "SELECT COUNT(*) FROM alarms a JOIN vehicles v ON v.id = a.vehicle_id WHERE 1 = 1",
            );
            push_filters(&mut cq, p, &q, now_ms);
            let n: i64 = cq.build_query_scalar().fetch_one(db).await?;
            Ok::<i64, AlarmError>(n)
        }
    };
    let new = count(Some(AlarmState::New), false).await?;
    let escalated = count(Some(AlarmState::Escalated), false).await?;
    let to_review = count(Some(AlarmState::Handled), false).await?;
    let overdue = count(None, true).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(SELECT_ITEM);
    push_scope(&mut qb, p);
    let mut states = Vec::new();
    if can_handle {
        states.extend(["new", "escalated"]);
    }
    if can_supervise {
        states.push("handled");
    }
    if states.is_empty() {
        states.push("new");
    }
    qb.push(" AND a.state IN (");
    let mut sep = qb.separated(", ");
    for s in states {
        sep.push_bind(s);
    }
    qb.push(") ORDER BY a.id DESC LIMIT 10");
    let latest = qb
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| item(r, now_ms))
        .collect::<Result<Vec<_>>>()?;
    Ok(Notifications {
        to_handle: new + escalated,
        to_review,
        escalated,
        overdue,
        latest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(start_ms: i64, end_ms: Option<i64>) -> AlarmItem {
        AlarmItem {
            id: 1,
            vehicle_id: 1,
            plate: "粤Q00001".into(),
            plate_color: 2,
            enterprise_id: 1,
            enterprise_name: "e".into(),
            vehicle_type: "coach".into(),
            rule: "speeding".into(),
            severity: "warning".into(),
            start_at: ts(start_ms),
            end_at: end_ms.map(ts),
            open: end_ms.is_none(),
            peak: 0.0,
            limit: 0.0,
            detail: String::new(),
            state: AlarmState::New,
            deadline: None,
            overdue: false,
            case_id: None,
            lat: 0.0,
            lon: 0.0,
            speed_kmh: 0.0,
            handled_at: None,
            measure: None,
        }
    }

    fn track(n: i64) -> Vec<Position> {
        (0..n)
            .map(|i| Position {
                vehicle_id: 1,
                device_time_ms: i * 1000,
                receive_time_ms: i * 1000,
                ..Position::default()
            })
            .collect()
    }

    #[test]
    fn fence_ids_come_from_fence_rules_only() {
        assert_eq!(fence_id("forbidden_7"), Some(7));
        assert_eq!(fence_id("zone_speeding_12"), Some(12));
        assert_eq!(fence_id("fence_leave_3"), Some(3));
        assert_eq!(fence_id("terminal_7"), None);
        assert_eq!(fence_id("speeding"), None);
        assert_eq!(fence_id("forbidden_x"), None);
    }

    #[test]
    fn evidence_keeps_small_tracks_whole_and_marks_the_alarm_span() {
        let a = item(10_000, Some(20_000));
        let e = evidence(&a, 0, 60_000, &track(60));
        assert_eq!(e.points.len(), 60);
        assert!(!e.truncated);
        assert_eq!(e.points.iter().filter(|p| p.in_alarm).count(), 11);
    }

    #[test]
    fn evidence_thins_long_tracks_but_keeps_every_alarm_point() {
        let a = item(100_000_000, Some(100_500_000));
        let e = evidence(&a, 0, 200_000_000, &track(200_000));
        assert!(e.truncated);
        assert!(
            e.points.len() <= MAX_EVIDENCE_POINTS + 501,
            "{}",
            e.points.len()
        );
        assert_eq!(e.points.iter().filter(|p| p.in_alarm).count(), 501);
        let w = evidence_window(&item(1_000_000, None), 2_000_000);
        assert_eq!(
            w,
            (
                1_000_000 - EVIDENCE_MARGIN_MS,
                2_000_000 + EVIDENCE_MARGIN_MS
            )
        );
    }
}
