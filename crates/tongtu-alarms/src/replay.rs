//! The rules over stored tracks for any period, with the parameters, geofences and per-vehicle
//! exemptions the live service uses, so that a replay gives the alarms the live stream gave.

use std::sync::Arc;

use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tongtu_registry::Principal;
use tongtu_rules::{collect, Alarm, Engine};
use tongtu_track::TrackStore;

use crate::error::{AlarmError, Result};
use crate::live::{engine_config, vehicle_rules};

/// An alarm found by a replay (not stored).
#[derive(Debug, Clone, Serialize)]
pub struct ReplayedAlarm {
    #[serde(flatten)]
    pub alarm: Alarm,
    pub plate: String,
    pub rule_code: String,
}

/// A vehicle as a replay needs it.
pub struct ReplayVehicle {
    pub id: i64,
    pub plate: String,
    pub class: String,
    pub region: Option<String>,
    pub line_km: Option<i64>,
}

/// Vehicles of the registry visible to `p`.
pub async fn vehicles(
    db: &SqlitePool,
    p: &Principal,
    plate: Option<&str>,
) -> Result<Vec<ReplayVehicle>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT v.id, v.plate, v.vehicle_class, r.code, v.line_km FROM vehicles v \
         JOIN enterprises e ON e.id = v.enterprise_id JOIN regions r ON r.id = e.region_id \
         WHERE 1 = 1",
    );
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND v.enterprise_id = ").push_bind(e);
    }
    if let Some(pl) = plate.map(str::trim).filter(|s| !s.is_empty()) {
        qb.push(" AND v.plate = ").push_bind(pl.to_string());
    }
    qb.push(" ORDER BY v.id");
    let rows = qb.build().fetch_all(db).await?;
    let out = rows
        .iter()
        .map(|r| {
            Ok(ReplayVehicle {
                id: r.try_get(0)?,
                plate: r.try_get(1)?,
                class: r.try_get(2)?,
                region: r.try_get(3)?,
                line_km: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    if let (Some(pl), true) = (plate, out.is_empty()) {
        return Err(AlarmError::NotFound(format!("vehicle with plate {pl:?}")));
    }
    Ok(out)
}

/// Alarms of the vehicles visible to `p` (optionally one plate) between `from_ms` and
/// `to_ms`, ordered by vehicle and start.
pub async fn replay(
    db: &SqlitePool,
    tracks: Arc<TrackStore>,
    p: &Principal,
    from_ms: i64,
    to_ms: i64,
    plate: Option<&str>,
) -> Result<Vec<ReplayedAlarm>> {
    if to_ms <= from_ms {
        return Err(AlarmError::invalid("to", "must be after from"));
    }
    let cfg = engine_config(db).await?;
    let rows = vehicles(db, p, plate).await?;
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for ReplayVehicle {
            id,
            plate,
            class,
            region,
            line_km,
        } in rows
        {
            let Ok(vid) = u32::try_from(id) else { continue };
            let track = tracks
                .track(vid, from_ms, to_ms)
                .map_err(|e| AlarmError::Internal(format!("reading the track of {plate}: {e}")))?;
            if track.is_empty() {
                continue;
            }
            let mut engine = Engine::new(cfg.clone());
            engine.set_vehicle(vid, &class);
            if let Some(rules) = vehicle_rules(&cfg, &class, region.as_deref(), line_km) {
                engine.set_vehicle_rules(vid, rules);
            }
            let mut events = Vec::new();
            for pos in &track {
                engine.push(pos, &mut events);
            }
            for a in collect(events, engine.open_alarms()) {
                out.push(ReplayedAlarm {
                    rule_code: a.rule.code(),
                    plate: plate.clone(),
                    alarm: a,
                });
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| AlarmError::Internal(format!("replay task: {e}")))?
}
