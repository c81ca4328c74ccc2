//! The duty officer's overview of today (Beijing day): vehicles online by class, positions per
//! minute, today's alarms by rule and state, and the enterprises with the most alarms waiting.
//! Everything is scoped like the rest of the API: an enterprise officer sees their enterprise.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tongtu_registry::Principal;
use tongtu_track::{day_date, day_of, day_start_ms, TrackStore};

use crate::error::Result;
use crate::model::{ts, RuleCount, StateCount};
use crate::monitor::{live_rows, LiveCounts, LiveHub, LiveState};
use crate::store::{self, AlarmQuery};

/// Vehicles of one class.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ClassCount {
    /// Vehicle class code (`coach`, `hazmat`, ...).
    pub vehicle_type: String,
    pub total: usize,
    pub online: usize,
    pub moving: usize,
    /// Reported at least once today (device time).
    pub reported_today: usize,
    /// With an alarm going on.
    pub alarming: usize,
}

/// An enterprise with alarms waiting (not closed, any day).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterprisePending {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub pending: i64,
    /// Of them, new (not handled at all).
    pub new: i64,
    /// Escalated past their deadline.
    pub overdue: i64,
}

/// Positions per minute since the Beijing midnight, by receive time.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MinuteSeries {
    /// The first minute.
    pub from: DateTime<Utc>,
    /// Positions reported live, one value per minute up to now; `null` before the server
    /// started counting.
    pub values: Vec<Option<u32>>,
    /// Blind-area positions (补传) uploaded in each minute, same shape.
    pub backfill: Vec<Option<u32>>,
    /// Sum of the known minutes, both kinds.
    pub total: u64,
    /// Of it, blind-area positions.
    pub total_backfill: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub at: DateTime<Utc>,
    /// The Beijing day shown, `YYYY-MM-DD`.
    pub day: String,
    pub counts: LiveCounts,
    pub online: usize,
    pub by_class: Vec<ClassCount>,
    pub positions_per_minute: MinuteSeries,
    /// Alarms that started today.
    pub alarms_today: i64,
    pub alarms_by_rule: Vec<RuleCount>,
    pub alarms_by_state: Vec<StateCount>,
    /// Enterprises by alarms waiting, most first (at most 10).
    pub top_enterprises: Vec<EnterprisePending>,
}

const TOP_ENTERPRISES: i64 = 10;

pub async fn today(
    db: &SqlitePool,
    p: &Principal,
    tracks: Option<&TrackStore>,
    hub: Option<&LiveHub>,
    now_ms: i64,
) -> Result<Dashboard> {
    let day = day_of(now_ms);
    let from = day_start_ms(day);
    let rows = live_rows(db, p, tracks, hub, None).await?;
    let mut counts = LiveCounts::default();
    let mut online = 0;
    let mut by_class: BTreeMap<String, ClassCount> = BTreeMap::new();
    for v in &rows {
        let c = by_class
            .entry(v.vehicle_type.clone())
            .or_insert_with(|| ClassCount {
                vehicle_type: v.vehicle_type.clone(),
                ..ClassCount::default()
            });
        c.total += 1;
        counts.add(v);
        if v.online {
            c.online += 1;
            online += 1;
        }
        if v.state == LiveState::Moving {
            c.moving += 1;
        }
        if v.t.is_some_and(|t| t.timestamp_millis() >= from) {
            c.reported_today += 1;
        }
        if v.open_alarms > 0 {
            c.alarming += 1;
        }
    }
    let mut by_class: Vec<ClassCount> = by_class.into_values().collect();
    by_class.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.vehicle_type.cmp(&b.vehicle_type))
    });

    // Up to the minute in progress, so the curve ends now.
    let minutes = hub
        .map(|h| h.positions_per_minute(p.enterprise_scope(), from, now_ms + 60_000))
        .unwrap_or_default();
    let values: Vec<Option<u32>> = minutes.iter().map(|m| m.map(|c| c.realtime)).collect();
    let backfill: Vec<Option<u32>> = minutes.iter().map(|m| m.map(|c| c.backfill)).collect();
    let total_backfill: u64 = backfill.iter().flatten().map(|&n| u64::from(n)).sum();
    let total = values.iter().flatten().map(|&n| u64::from(n)).sum::<u64>() + total_backfill;

    let q = AlarmQuery {
        from_ms: Some(from),
        ..AlarmQuery::default()
    };
    let stats = store::stats(db, p, &q, now_ms).await?;

    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT a.enterprise_id, e.name, COUNT(*) AS n, \
         SUM(CASE WHEN a.state = 'new' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN a.state = 'escalated' AND a.deadline_ms < ",
    );
    qb.push_bind(now_ms);
    qb.push(
        " THEN 1 ELSE 0 END) \
         FROM alarms a JOIN enterprises e ON e.id = a.enterprise_id WHERE a.state <> 'closed'",
    );
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND a.enterprise_id = ").push_bind(e);
    }
    qb.push(" GROUP BY a.enterprise_id, e.name ORDER BY n DESC, a.enterprise_id LIMIT ");
    qb.push_bind(TOP_ENTERPRISES);
    let top_enterprises = qb
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(EnterprisePending {
                enterprise_id: r.try_get(0)?,
                enterprise_name: r.try_get(1)?,
                pending: r.try_get(2)?,
                new: r.try_get(3)?,
                overdue: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Dashboard {
        at: ts(now_ms),
        day: day_date(day).format("%Y-%m-%d").to_string(),
        counts,
        online,
        by_class,
        positions_per_minute: MinuteSeries {
            from: ts(from),
            values,
            backfill,
            total,
            total_backfill,
        },
        alarms_today: stats.total,
        alarms_by_rule: stats.by_rule,
        alarms_by_state: stats.by_state,
        top_enterprises,
    })
}
