//! The per-vehicle, per-day cache: closed Beijing days computed from the track store and
//! stored in `indicator_days`; today computed on demand.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use tongtu_rules::indicators::{Carry, IndicatorConfig, Tally, VehicleDay};
use tongtu_track::{day_of, day_start_ms, TrackStore, DAY_MS};

use super::{blocking, day_fingerprint, day_label, indicator_err, json_err, track_err};
use crate::error::{AlarmError, Result};

/// Most days one run computes (catch-up from the first track day, a recomputed period). The
/// track store keeps 180 days by default; this bounds a first catch-up on old data.
pub const MAX_RANGE_DAYS: i32 = 400;
/// Without any compacted track day (a fresh store, data still in memory) catch-up looks this
/// many days back.
const FRESH_LOOKBACK_DAYS: i32 = 7;
/// Vehicle ids per `IN (...)` list, well under SQLite's bind limit.
const IN_CHUNK: usize = 500;
/// Rows per multi-row INSERT (7 binds each).
const INSERT_CHUNK: usize = 500;

/// What a run stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Days computed and stored whole, oldest first.
    pub days: Vec<i32>,
    /// Later stored days where some vehicles were recomputed because the carry they start
    /// from changed.
    pub propagated: Vec<i32>,
    /// Vehicle-day rows written.
    pub vehicle_days: u64,
    /// Days before a recompute's range that were not stored yet and were computed first,
    /// because the range's carries start from them (empty for `catch_up` itself, whose
    /// days are all in `days`).
    pub caught_up: Vec<i32>,
}

impl RunSummary {
    fn absorb(&mut self, o: RunSummary) {
        self.days.extend(o.days);
        self.propagated.extend(o.propagated);
        self.vehicle_days += o.vehicle_days;
        self.caught_up.extend(o.caught_up);
    }
}

/// Computes and stores one closed day (`day < today`), every earlier day not yet stored
/// first (see the chaining rule in the module docs). Overwrites the day if it was stored.
pub async fn compute_day(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    day: i32,
    now_ms: i64,
) -> Result<RunSummary> {
    recompute(db, tracks, cfg, day, day, now_ms).await
}

/// Computes every closed day up to `up_to_day` (clamped to yesterday) not stored yet, from
/// the first day the track store holds (at most [`MAX_RANGE_DAYS`] back): run it after
/// midnight and at start-up, and yesterday is computed once. A day missing between stored
/// days is computed with every stored day after it, whose carries depend on it.
pub async fn catch_up(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    up_to_day: i32,
    now_ms: i64,
) -> Result<RunSummary> {
    let last = up_to_day.min(day_of(now_ms) - 1);
    let floor = last - MAX_RANGE_DAYS + 1;
    let first_track_day = tracks.day_bytes().iter().map(|(d, _)| *d).min();
    let start = match first_track_day {
        Some(d) => d.max(floor),
        None => last - FRESH_LOOKBACK_DAYS + 1,
    };
    if start > last {
        return Ok(RunSummary::default());
    }
    let computed: HashSet<i32> =
        sqlx::query_scalar("SELECT day FROM indicator_computed_days WHERE day >= $1 AND day <= $2")
            .bind(start)
            .bind(last)
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    let Some(first_missing) = (start..=last).find(|d| !computed.contains(d)) else {
        return Ok(RunSummary::default());
    };
    run(db, tracks, cfg, first_missing, last, now_ms).await
}

/// The nightly job (run it shortly after midnight, and at start-up): [`catch_up`] to
/// yesterday, then the day before yesterday once more if it was computed before the end of
/// the following day, so that blind-area data uploaded late (terminals resend what they
/// stored out of coverage) is counted; a changed carry follows into yesterday. Each day is
/// thus computed once when it closes and settled once a day later; later changes need
/// [`recompute`].
pub async fn nightly(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    now_ms: i64,
) -> Result<RunSummary> {
    let today = day_of(now_ms);
    let mut summary = catch_up(db, tracks, cfg, today - 1, now_ms).await?;
    let settle = today - 2;
    let computed_ms: Option<i64> =
        sqlx::query_scalar("SELECT computed_ms FROM indicator_computed_days WHERE day = $1")
            .bind(settle)
            .fetch_optional(db)
            .await?;
    if computed_ms.is_some_and(|ms| ms < day_start_ms(settle + 2)) {
        summary.absorb(recompute(db, tracks, cfg, settle, settle, now_ms).await?);
    }
    Ok(summary)
}

/// Recomputes closed days `from_day..=to_day`, overwriting what was stored (late blind-area
/// data, changed parameters). Days before the range not stored yet are caught up first;
/// when a vehicle's carry at the end of the range changed, its following stored days are
/// recomputed until it agrees again. Refuses days whose track data the store no longer keeps
/// while figures are stored for them (they would be wiped).
pub async fn recompute(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    from_day: i32,
    to_day: i32,
    now_ms: i64,
) -> Result<RunSummary> {
    check_range(cfg, from_day, to_day, now_ms)?;
    let before = catch_up(db, tracks, cfg, from_day - 1, now_ms).await?;
    let mut summary = run(db, tracks, cfg, from_day, to_day, now_ms).await?;
    summary.vehicle_days += before.vehicle_days;
    summary.caught_up = before.days;
    summary.caught_up.extend(before.caught_up);
    // Days `catch_up` settled inside the range are this run's days too.
    summary.propagated.extend(before.propagated);
    Ok(summary)
}

/// Today's vehicle-days computed live from the track store (never stored), each continuing
/// from the vehicle's latest stored day (yesterday once [`catch_up`] has run).
pub async fn today(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    now_ms: i64,
) -> Result<Vec<VehicleDay>> {
    cfg.validate().map_err(indicator_err)?;
    let day = day_of(now_ms);
    let mut carries = carries_before(db, day, None).await?;
    let (tracks, cfg) = (tracks.clone(), cfg.clone());
    blocking(move || compute_whole_day(&tracks, &cfg, day, &mut carries)).await
}

fn check_range(cfg: &IndicatorConfig, from_day: i32, to_day: i32, now_ms: i64) -> Result<()> {
    cfg.validate().map_err(indicator_err)?;
    let today = day_of(now_ms);
    if to_day >= today {
        return Err(AlarmError::invalid(
            "to_day",
            format!(
                "only closed days are stored; {} is not over (today is computed live)",
                day_label(to_day)
            ),
        ));
    }
    if to_day < from_day {
        return Err(AlarmError::invalid(
            "to_day",
            "the last day is before the first day",
        ));
    }
    if to_day - from_day >= MAX_RANGE_DAYS {
        return Err(AlarmError::invalid(
            "from_day",
            format!("at most {MAX_RANGE_DAYS} days at once"),
        ));
    }
    Ok(())
}

/// Computes and stores `from..=to` whole, then follows changed carries into later days.
async fn run(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    cfg: &IndicatorConfig,
    from: i32,
    to: i32,
    now_ms: i64,
) -> Result<RunSummary> {
    check_range(cfg, from, to, now_ms)?;
    refuse_lost_days(db, tracks, from, to).await?;
    let fingerprint = day_fingerprint(cfg);
    let last_stored: Option<i32> =
        sqlx::query_scalar("SELECT MAX(day) FROM indicator_computed_days")
            .fetch_one(db)
            .await?;
    // The carries at the end of the range as the later stored days were computed with them.
    let later = last_stored.filter(|l| *l > to);
    let old_end = match later {
        Some(_) => Some(carries_before(db, to + 1, None).await?),
        None => None,
    };

    let mut summary = RunSummary::default();
    let mut carries = carries_before(db, from, None).await?;
    for day in from..=to {
        let (tracks2, cfg2) = (tracks.clone(), cfg.clone());
        let (rows, c) = blocking(move || {
            let rows = compute_whole_day(&tracks2, &cfg2, day, &mut carries)?;
            Ok((rows, carries))
        })
        .await?;
        carries = c;
        store_day(db, day, &rows, &fingerprint, now_ms).await?;
        summary.days.push(day);
        summary.vehicle_days += rows.len() as u64;
    }

    if let (Some(last), Some(old)) = (later, old_end) {
        let mut dirty: BTreeSet<u32> = old
            .keys()
            .chain(carries.keys())
            .filter(|v| old.get(v) != carries.get(v))
            .copied()
            .collect();
        let mut day = to + 1;
        while !dirty.is_empty() && day <= last {
            let ids: Vec<u32> = dirty.iter().copied().collect();
            let stored = carries_on(db, day, &ids).await?;
            let (tracks2, cfg2) = (tracks.clone(), cfg.clone());
            let (rows, c) = blocking(move || {
                let rows = compute_vehicles(&tracks2, &cfg2, day, &ids, &mut carries)?;
                Ok((rows, carries))
            })
            .await?;
            carries = c;
            let computed: HashSet<u32> = rows.iter().map(|r| r.vehicle_id).collect();
            for r in &rows {
                if stored.get(&r.vehicle_id) == Some(&r.carry) {
                    dirty.remove(&r.vehicle_id);
                }
            }
            for (v, c) in &stored {
                if !computed.contains(v) {
                    // A stored day whose positions are gone: keep its figures, continue from
                    // its carry as the days after it did.
                    carries.insert(*v, *c);
                    dirty.remove(v);
                }
            }
            if !rows.is_empty() {
                let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
                upsert_rows(&mut tx, &rows, now_ms).await?;
                tx.commit().await?;
                summary.propagated.push(day);
                summary.vehicle_days += rows.len() as u64;
            }
            day += 1;
        }
    }
    Ok(summary)
}

/// Stored figures are never replaced by nothing: a day in the range with stored rows but no
/// track data left (past the store's retention) stops the run.
async fn refuse_lost_days(
    db: &SqlitePool,
    tracks: &Arc<TrackStore>,
    from: i32,
    to: i32,
) -> Result<()> {
    let stored: Vec<i32> = sqlx::query_scalar(
        "SELECT DISTINCT day FROM indicator_days WHERE day >= $1 AND day <= $2 ORDER BY day",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    if stored.is_empty() {
        return Ok(());
    }
    let kept: HashSet<i32> = tracks.day_bytes().into_iter().map(|(d, _)| d).collect();
    for day in stored {
        let start = day_start_ms(day);
        if !kept.contains(&day) && tracks.vehicles_between(start, start + DAY_MS).is_empty() {
            return Err(AlarmError::Conflict(format!(
                "the track store no longer holds {}; its stored indicator figures are kept",
                day_label(day)
            )));
        }
    }
    Ok(())
}

/// Every vehicle with positions that day.
fn compute_whole_day(
    tracks: &TrackStore,
    cfg: &IndicatorConfig,
    day: i32,
    carries: &mut HashMap<u32, Carry>,
) -> Result<Vec<VehicleDay>> {
    let from = day_start_ms(day);
    let ids = tracks.vehicles_between(from, from + DAY_MS);
    compute_vehicles(tracks, cfg, day, &ids, carries)
}

/// The given vehicles' day (those without positions produce none), advancing `carries`.
fn compute_vehicles(
    tracks: &TrackStore,
    cfg: &IndicatorConfig,
    day: i32,
    ids: &[u32],
    carries: &mut HashMap<u32, Carry>,
) -> Result<Vec<VehicleDay>> {
    let from = day_start_ms(day);
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let track = tracks.track(id, from, from + DAY_MS).map_err(track_err)?;
        if track.is_empty() {
            continue;
        }
        let d =
            VehicleDay::compute(cfg, id, day, &track, carries.get(&id)).map_err(indicator_err)?;
        carries.insert(id, d.carry);
        out.push(d);
    }
    Ok(out)
}

/// Replaces a day's rows and marks it computed, in one transaction.
async fn store_day(
    db: &SqlitePool,
    day: i32,
    rows: &[VehicleDay],
    fingerprint: &str,
    now_ms: i64,
) -> Result<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM indicator_days WHERE day = $1")
        .bind(day)
        .execute(&mut *tx)
        .await?;
    upsert_rows(&mut tx, rows, now_ms).await?;
    sqlx::query(
        "INSERT INTO indicator_computed_days (day, vehicles, config_json, computed_ms) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (day) DO UPDATE SET \
         vehicles = excluded.vehicles, config_json = excluded.config_json, \
         computed_ms = excluded.computed_ms",
    )
    .bind(day)
    .bind(rows.len() as i64)
    .bind(fingerprint)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

fn db_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn upsert_rows(tx: &mut SqliteConnection, rows: &[VehicleDay], now_ms: i64) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut encoded = Vec::with_capacity(chunk.len());
        for r in chunk {
            encoded.push((
                r,
                serde_json::to_string(&r.tally).map_err(|e| json_err("tally", e))?,
                serde_json::to_string(&r.carry).map_err(|e| json_err("carry", e))?,
            ));
        }
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO indicator_days \
             (vehicle_id, day, records, qualified, tally_json, carry_json, computed_ms) ",
        );
        qb.push_values(encoded, |mut b, (r, tally, carry)| {
            b.push_bind(i64::from(r.vehicle_id))
                .push_bind(r.day)
                .push_bind(db_count(r.tally.records))
                .push_bind(db_count(r.tally.qualified))
                .push_bind(tally)
                .push_bind(carry)
                .push_bind(now_ms);
        });
        qb.push(
            " ON CONFLICT (vehicle_id, day) DO UPDATE SET records = excluded.records, \
             qualified = excluded.qualified, tally_json = excluded.tally_json, \
             carry_json = excluded.carry_json, computed_ms = excluded.computed_ms",
        );
        qb.build().execute(&mut *tx).await?;
    }
    Ok(())
}

fn vehicle_u32(id: i64) -> Result<u32> {
    u32::try_from(id).map_err(|_| AlarmError::Internal(format!("vehicle id {id} out of range")))
}

fn parse_carry(vehicle_id: i64, day: i32, json: &str) -> Result<Carry> {
    serde_json::from_str(json).map_err(|e| {
        json_err(
            &format!("stored carry of vehicle {vehicle_id} on {}", day_label(day)),
            e,
        )
    })
}

/// Per vehicle, the carry of its latest stored day before `day` (however old: the one-shot
/// computation links across silent days too). `vehicles = None`: all.
pub(crate) async fn carries_before(
    db: &SqlitePool,
    day: i32,
    vehicles: Option<&[u32]>,
) -> Result<HashMap<u32, Carry>> {
    let mut out = HashMap::new();
    let chunks: Vec<Option<&[u32]>> = match vehicles {
        None => vec![None],
        Some(v) => v.chunks(IN_CHUNK).map(Some).collect(),
    };
    for chunk in chunks {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT d.vehicle_id, d.day, d.carry_json FROM indicator_days d JOIN \
             (SELECT vehicle_id, MAX(day) AS day FROM indicator_days WHERE day < ",
        );
        qb.push_bind(day);
        if let Some(ids) = chunk {
            push_in(&mut qb, "vehicle_id", ids);
        }
        qb.push(" GROUP BY vehicle_id) m ON m.vehicle_id = d.vehicle_id AND m.day = d.day");
        for row in qb.build().fetch_all(db).await? {
            let id: i64 = row.try_get(0)?;
            let d: i32 = row.try_get(1)?;
            let json: String = row.try_get(2)?;
            out.insert(vehicle_u32(id)?, parse_carry(id, d, &json)?);
        }
    }
    Ok(out)
}

/// The stored carries of exactly `day` for the given vehicles.
async fn carries_on(db: &SqlitePool, day: i32, ids: &[u32]) -> Result<HashMap<u32, Carry>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT vehicle_id, carry_json FROM indicator_days WHERE day = ",
        );
        qb.push_bind(day);
        push_in(&mut qb, "vehicle_id", chunk);
        for row in qb.build().fetch_all(db).await? {
            let id: i64 = row.try_get(0)?;
            let json: String = row.try_get(1)?;
            out.insert(vehicle_u32(id)?, parse_carry(id, day, &json)?);
        }
    }
    Ok(out)
}

/// ` AND column IN ($n, ...)` (never empty: an empty list matches nothing).
fn push_in(qb: &mut QueryBuilder<'_, Sqlite>, column: &str, ids: &[u32]) {
    qb.push(" AND ").push(column).push(" IN (");
    if ids.is_empty() {
        qb.push("NULL");
    }
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(i64::from(*id));
    }
    qb.push(")");
}

/// A stored day, as the aggregation reads it (carry left default: it is not needed there).
pub(crate) struct StoredDays {
    pub days: Vec<VehicleDay>,
    /// Days marked computed, with the parameter fingerprint they were computed under.
    pub computed: HashMap<i32, String>,
}

/// Stored vehicle-days of `from..=to` and the computed-day markers.
pub(crate) async fn stored_days(db: &SqlitePool, from: i32, to: i32) -> Result<StoredDays> {
    let rows = sqlx::query(
        "SELECT vehicle_id, day, tally_json FROM indicator_days WHERE day >= $1 AND day <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let day: i32 = row.try_get(1)?;
        let json: String = row.try_get(2)?;
        let tally: Tally = serde_json::from_str(&json).map_err(|e| {
            json_err(
                &format!("stored tally of vehicle {id} on {}", day_label(day)),
                e,
            )
        })?;
        days.push(VehicleDay {
            vehicle_id: vehicle_u32(id)?,
            day,
            tally,
            carry: Carry::default(),
        });
    }
    let computed = sqlx::query(
        "SELECT day, config_json FROM indicator_computed_days WHERE day >= $1 AND day <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get::<i32, _>(0)?, r.try_get::<String, _>(1)?)))
    .collect::<Result<HashMap<_, _>>>()?;
    Ok(StoredDays { days, computed })
}

/// Per vehicle, the first stored day with a qualified record (入网 is a standing status).
pub(crate) async fn first_qualified_days(db: &SqlitePool) -> Result<HashMap<u32, i32>> {
    let rows = sqlx::query(
        "SELECT vehicle_id, MIN(day) FROM indicator_days WHERE qualified > 0 GROUP BY vehicle_id",
    )
    .fetch_all(db)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let day: i32 = row.try_get(1)?;
        out.insert(vehicle_u32(id)?, day);
    }
    Ok(out)
}
