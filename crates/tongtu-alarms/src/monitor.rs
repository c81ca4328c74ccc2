//! Live monitoring: which vehicles are online, where every vehicle is now and in what state,
//! and the stream of position and session changes for the console's map.
//!
//! The gateway's wiring feeds a [`LiveHub`] (sessions and durable positions); the API reads
//! a snapshot ([`live_vehicles`]) and subscribes to changes. Nothing here knows JT/T 808.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tokio::sync::broadcast;
use tongtu_registry::Principal;
use tongtu_track::{Position, TrackStore};

use crate::error::Result;
use crate::model::ts;

/// Speed above which a vehicle counts as moving (km/h), as the rules' default.
pub const MOVING_KMH: f64 = 5.0;

/// A change pushed to the map.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    Position {
        enterprise_id: i64,
        position: Position,
    },
    Online {
        enterprise_id: i64,
        vehicle_id: u32,
    },
    Offline {
        enterprise_id: i64,
        vehicle_id: u32,
    },
}

impl LiveEvent {
    pub fn enterprise_id(&self) -> i64 {
        match self {
            LiveEvent::Position { enterprise_id, .. }
            | LiveEvent::Online { enterprise_id, .. }
            | LiveEvent::Offline { enterprise_id, .. } => *enterprise_id,
        }
    }
}

/// Online vehicles and the change stream.
pub struct LiveHub {
    online: RwLock<HashSet<u32>>,
    tx: broadcast::Sender<LiveEvent>,
}

impl Default for LiveHub {
    fn default() -> Self {
        // Sized for a few seconds of a large fleet; a slow client skips, never blocks.
        let (tx, _) = broadcast::channel(16_384);
        LiveHub {
            online: RwLock::new(HashSet::new()),
            tx,
        }
    }
}

impl LiveHub {
    pub fn new() -> Arc<LiveHub> {
        Arc::new(LiveHub::default())
    }

    pub fn set_online(&self, enterprise_id: i64, vehicle_id: u32) {
        self.online
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(vehicle_id);
        let _ = self.tx.send(LiveEvent::Online {
            enterprise_id,
            vehicle_id,
        });
    }

    pub fn set_offline(&self, enterprise_id: i64, vehicle_id: u32) {
        self.online
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&vehicle_id);
        let _ = self.tx.send(LiveEvent::Offline {
            enterprise_id,
            vehicle_id,
        });
    }

    pub fn publish(&self, enterprise_id: i64, positions: &[Position]) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        for p in positions {
            let _ = self.tx.send(LiveEvent::Position {
                enterprise_id,
                position: *p,
            });
        }
    }

    pub fn is_online(&self, vehicle_id: u32) -> bool {
        self.online
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&vehicle_id)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
}

/// What the map shows of a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    Moving,
    Stopped,
    Offline,
    /// Never reported.
    Never,
}

/// The state of a vehicle from its connection and latest fix.
pub fn state_of(online: bool, latest: Option<&Position>) -> LiveState {
    match (online, latest) {
        (_, None) => LiveState::Never,
        (false, Some(_)) => LiveState::Offline,
        (true, Some(p)) if p.speed_kmh() > MOVING_KMH => LiveState::Moving,
        (true, Some(_)) => LiveState::Stopped,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LiveVehicle {
    pub vehicle_id: i64,
    pub plate: String,
    pub plate_color: i64,
    pub vehicle_type: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub region_id: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub direction: Option<u16>,
    /// Device time of the latest fix.
    pub t: Option<DateTime<Utc>>,
    pub state: LiveState,
    pub online: bool,
    /// Alarms still going on.
    pub open_alarms: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LiveCounts {
    pub total: usize,
    pub moving: usize,
    pub stopped: usize,
    pub offline: usize,
    pub never: usize,
    /// Vehicles with an alarm going on (they are counted in their state too).
    pub alarming: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LiveSnapshot {
    pub at: DateTime<Utc>,
    pub counts: LiveCounts,
    pub items: Vec<LiveVehicle>,
}

/// Every vehicle visible to `p` with its latest fix and state.
pub async fn live_vehicles(
    db: &SqlitePool,
    p: &Principal,
    tracks: Option<&TrackStore>,
    hub: Option<&LiveHub>,
    now_ms: i64,
) -> Result<LiveSnapshot> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT v.id, v.plate, v.plate_color, v.vehicle_class, v.enterprise_id, e.name, e.region_id \
         FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id WHERE 1 = 1",
    );
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND v.enterprise_id = ").push_bind(e);
    }
    qb.push(" ORDER BY v.id");
    let rows = qb.build().fetch_all(db).await?;
    let mut open = QueryBuilder::<Sqlite>::new(
        "SELECT vehicle_id, COUNT(*) FROM alarms a WHERE a.end_ms IS NULL",
    );
    if let Some(e) = p.enterprise_scope() {
        open.push(" AND a.enterprise_id = ").push_bind(e);
    }
    open.push(" GROUP BY vehicle_id");
    let open: HashMap<i64, i64> = open
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut counts = LiveCounts::default();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let vid = u32::try_from(id).ok();
        let latest = vid.and_then(|v| tracks.and_then(|t| t.latest(v)));
        let online = vid.is_some_and(|v| hub.is_some_and(|h| h.is_online(v)));
        let state = state_of(online, latest.as_ref());
        let open_alarms = open.get(&id).copied().unwrap_or(0);
        counts.total += 1;
        match state {
            LiveState::Moving => counts.moving += 1,
            LiveState::Stopped => counts.stopped += 1,
            LiveState::Offline => counts.offline += 1,
            LiveState::Never => counts.never += 1,
        }
        if open_alarms > 0 {
            counts.alarming += 1;
        }
        items.push(LiveVehicle {
            vehicle_id: id,
            plate: r.try_get(1)?,
            plate_color: r.try_get(2)?,
            vehicle_type: r.try_get(3)?,
            enterprise_id: r.try_get(4)?,
            enterprise_name: r.try_get(5)?,
            region_id: r.try_get(6)?,
            lat: latest.map(|p| p.lat_deg()),
            lon: latest.map(|p| p.lon_deg()),
            speed_kmh: latest.map(|p| p.speed_kmh()),
            direction: latest.map(|p| p.direction),
            t: latest.map(|p| ts(p.device_time_ms)),
            state,
            online,
            open_alarms,
        });
    }
    Ok(LiveSnapshot {
        at: ts(now_ms),
        counts,
        items,
    })
}

/// One point of a track as the playback page draws it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackPoint {
    pub t: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: f64,
    pub direction: u16,
    pub valid: bool,
    pub alarm_bits: u32,
}

/// Largest number of points one track answer holds.
pub const MAX_TRACK_POINTS: usize = 20_000;

/// The points of a track, evenly thinned to [`MAX_TRACK_POINTS`] (first and last kept).
pub fn track_points(track: &[Position]) -> (Vec<TrackPoint>, bool) {
    let n = track.len();
    let step = n.div_ceil(MAX_TRACK_POINTS).max(1);
    let point = |p: &Position| TrackPoint {
        t: ts(p.device_time_ms),
        lat: p.lat_deg(),
        lon: p.lon_deg(),
        speed_kmh: p.speed_kmh(),
        direction: p.direction,
        valid: p.gnss_valid(),
        alarm_bits: p.alarm,
    };
    let mut out: Vec<TrackPoint> = track.iter().step_by(step).map(point).collect();
    if step > 1 && !(n - 1).is_multiple_of(step) {
        if let Some(last) = track.last() {
            out.push(point(last));
        }
    }
    (out, step > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(t: i64, speed: u16) -> Position {
        Position {
            vehicle_id: 1,
            device_time_ms: t,
            receive_time_ms: t,
            speed,
            ..Position::default()
        }
    }

    #[test]
    fn states_follow_connection_and_speed() {
        assert_eq!(state_of(true, None), LiveState::Never);
        assert_eq!(state_of(false, Some(&fix(0, 600))), LiveState::Offline);
        assert_eq!(state_of(true, Some(&fix(0, 600))), LiveState::Moving);
        assert_eq!(state_of(true, Some(&fix(0, 50))), LiveState::Stopped);
    }

    #[test]
    fn long_tracks_are_thinned_keeping_both_ends() {
        let track: Vec<_> = (0..50_001).map(|i| fix(i * 1000, 0)).collect();
        let (pts, truncated) = track_points(&track);
        assert!(
            truncated && pts.len() <= MAX_TRACK_POINTS + 1,
            "{}",
            pts.len()
        );
        assert_eq!(pts.first().map(|p| p.t), Some(ts(0)));
        assert_eq!(pts.last().map(|p| p.t), Some(ts(50_000_000)));
        let (pts, truncated) = track_points(&track[..100]);
        assert_eq!((pts.len(), truncated), (100, false));
    }

    #[test]
    fn the_hub_tracks_sessions() {
        let hub = LiveHub::new();
        let mut rx = hub.subscribe();
        hub.set_online(3, 7);
        assert!(hub.is_online(7));
        hub.publish(3, &[fix(1, 0)]);
        hub.set_offline(3, 7);
        assert!(!hub.is_online(7));
        assert!(matches!(
            rx.try_recv(),
            Ok(LiveEvent::Online { vehicle_id: 7, .. })
        ));
        assert!(matches!(rx.try_recv(), Ok(LiveEvent::Position { .. })));
        assert!(matches!(
            rx.try_recv(),
            Ok(LiveEvent::Offline { vehicle_id: 7, .. })
        ));
    }
}
