//! Live monitoring: which vehicles are online, where every vehicle is now and in what state,
//! and the stream of position and session changes for the console's map.
//!
//! The gateway's wiring feeds a [`LiveHub`] (sessions and durable positions); the API reads
//! a snapshot ([`live_vehicles`]) and subscribes to changes. Nothing here knows JT/T 808.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tokio::sync::broadcast;
use tongtu_registry::Principal;
use tongtu_track::{day_of, day_start_ms, mileage_of, Position, TrackStore};

use crate::error::{AlarmError, Result};
use crate::model::ts;
use crate::roads::{Location, RoadIndex};

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

/// Minutes of position counts the hub keeps (a day and a bit, for "today" in Beijing time).
pub const RATE_MINUTES: usize = 26 * 60;

/// Positions of one minute: reported live, and uploaded late as blind-area data (补传).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MinuteCount {
    pub realtime: u32,
    pub backfill: u32,
}

impl MinuteCount {
    fn add(&mut self, o: MinuteCount) {
        self.realtime += o.realtime;
        self.backfill += o.backfill;
    }
}

/// Positions made durable per receive minute, per enterprise: the dashboard's curve.
#[derive(Default)]
struct Rate {
    /// (minute since the epoch, positions per enterprise), oldest first.
    minutes: VecDeque<(i64, HashMap<i64, MinuteCount>)>,
}

impl Rate {
    fn add(&mut self, enterprise_id: i64, minute: i64, n: MinuteCount) {
        // Positions arrive in receive order, so the minute is the last or a new one; a late
        // one (clock step back) is folded into the newest bucket rather than reordering.
        match self.minutes.back_mut() {
            Some((m, counts)) if *m >= minute => counts.entry(enterprise_id).or_default().add(n),
            _ => {
                self.minutes
                    .push_back((minute, HashMap::from([(enterprise_id, n)])));
                while self.minutes.len() > RATE_MINUTES {
                    self.minutes.pop_front();
                }
            }
        }
    }
}

/// Online vehicles, the change stream and the position rate.
pub struct LiveHub {
    online: RwLock<HashSet<u32>>,
    tx: broadcast::Sender<LiveEvent>,
    rate: Mutex<Rate>,
    /// When counting started (UTC ms): the rate curve is empty before it.
    since_ms: i64,
}

impl Default for LiveHub {
    fn default() -> Self {
        // Sized for a few seconds of a large fleet; a slow client skips, never blocks.
        let (tx, _) = broadcast::channel(16_384);
        LiveHub {
            online: RwLock::new(HashSet::new()),
            tx,
            rate: Mutex::new(Rate::default()),
            since_ms: chrono::Utc::now().timestamp_millis(),
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
        if !positions.is_empty() {
            let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
            let mut run: Option<(i64, MinuteCount)> = None;
            for p in positions {
                let m = p.receive_time_ms.div_euclid(60_000);
                let one = if p.supplementary() {
                    MinuteCount {
                        realtime: 0,
                        backfill: 1,
                    }
                } else {
                    MinuteCount {
                        realtime: 1,
                        backfill: 0,
                    }
                };
                match &mut run {
                    Some((rm, n)) if *rm == m => n.add(one),
                    _ => {
                        if let Some((rm, n)) = run {
                            rate.add(enterprise_id, rm, n);
                        }
                        run = Some((m, one));
                    }
                }
            }
            if let Some((rm, n)) = run {
                rate.add(enterprise_id, rm, n);
            }
        }
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

    /// Positions per minute from `from_ms` (inclusive) to `to_ms` (exclusive), one entry per
    /// minute, for one enterprise or all; minutes before the hub started are `None`.
    pub fn positions_per_minute(
        &self,
        enterprise: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Vec<Option<MinuteCount>> {
        let first = from_ms.div_euclid(60_000);
        let last = to_ms.div_euclid(60_000);
        let started = self.since_ms.div_euclid(60_000);
        let mut out: Vec<Option<MinuteCount>> = (first..last)
            .map(|m| (m >= started).then_some(MinuteCount::default()))
            .collect();
        let rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
        for (m, counts) in &rate.minutes {
            let Some(i) = m.checked_sub(first).and_then(|i| usize::try_from(i).ok()) else {
                continue;
            };
            let Some(slot) = out.get_mut(i) else { continue };
            let mut n = slot.unwrap_or_default();
            match enterprise {
                Some(e) => n.add(counts.get(&e).copied().unwrap_or_default()),
                None => counts.values().for_each(|c| n.add(*c)),
            }
            *slot = Some(n);
        }
        out
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

impl LiveCounts {
    /// Counts one vehicle in its state (and as alarming when it has an alarm going on).
    pub fn add(&mut self, v: &LiveVehicle) {
        self.total += 1;
        match v.state {
            LiveState::Moving => self.moving += 1,
            LiveState::Stopped => self.stopped += 1,
            LiveState::Offline => self.offline += 1,
            LiveState::Never => self.never += 1,
        }
        if v.open_alarms > 0 {
            self.alarming += 1;
        }
    }
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
    let items = live_rows(db, p, tracks, hub, None).await?;
    let mut counts = LiveCounts::default();
    for v in &items {
        counts.add(v);
    }
    Ok(LiveSnapshot {
        at: ts(now_ms),
        counts,
        items,
    })
}

/// The live rows of the vehicles visible to `p` (all, or `only` one).
pub(crate) async fn live_rows(
    db: &SqlitePool,
    p: &Principal,
    tracks: Option<&TrackStore>,
    hub: Option<&LiveHub>,
    only: Option<i64>,
) -> Result<Vec<LiveVehicle>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT v.id, v.plate, v.plate_color, v.vehicle_class, v.enterprise_id, e.name, e.region_id \
         FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id WHERE 1 = 1",
    );
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND v.enterprise_id = ").push_bind(e);
    }
    if let Some(id) = only {
        qb.push(" AND v.id = ").push_bind(id);
    }
    qb.push(" ORDER BY v.id");
    let rows = qb.build().fetch_all(db).await?;
    let mut open = QueryBuilder::<Sqlite>::new(
        "SELECT vehicle_id, COUNT(*) FROM alarms a WHERE a.end_ms IS NULL",
    );
    if let Some(e) = p.enterprise_scope() {
        open.push(" AND a.enterprise_id = ").push_bind(e);
    }
    if let Some(id) = only {
        open.push(" AND a.vehicle_id = ").push_bind(id);
    }
    open.push(" GROUP BY vehicle_id");
    let open: HashMap<i64, i64> = open
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let vid = u32::try_from(id).ok();
        let latest = vid.and_then(|v| tracks.and_then(|t| t.latest(v)));
        let online = vid.is_some_and(|v| hub.is_some_and(|h| h.is_online(v)));
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
            state: state_of(online, latest.as_ref()),
            online,
            open_alarms: open.get(&id).copied().unwrap_or(0),
        });
    }
    Ok(items)
}

/// The terminal fitted to a vehicle.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TerminalInfo {
    /// SIM number in the JT/T 808 header.
    pub phone: String,
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub protocol_version: String,
}

/// A driver assigned to the vehicle.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriverInfo {
    pub name: String,
    pub phone: String,
}

/// The latest fix in full.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FixInfo {
    pub t: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub altitude_m: i16,
    pub speed_kmh: f64,
    pub direction: u16,
    pub gnss_valid: bool,
    pub satellites: Option<u8>,
    /// Odometer (0x01), km.
    pub odometer_km: Option<f64>,
    /// Terminal alarm bits.
    pub alarm_bits: u32,
    pub status_bits: u32,
}

/// Today (Beijing) for one vehicle.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct VehicleToday {
    /// Positions stored today.
    pub positions: u32,
    /// The odometer difference when the odometer moved today, else the GNSS distance, km.
    pub mileage_km: Option<f64>,
    /// `odometer` or `gnss`: where `mileage_km` comes from.
    pub mileage_source: Option<String>,
    /// Odometer (0x01) difference, when the terminal reports one, km.
    pub odometer_km: Option<f64>,
    /// Sum of distances between valid fixes, jumps over 160 km/h (drift) skipped, km.
    pub gnss_km: Option<f64>,
    /// Alarms that started today.
    pub alarms: i64,
    /// Of them, not closed yet.
    pub pending: i64,
    /// The latest few, newest first.
    pub recent: Vec<crate::model::AlarmItem>,
}

/// The vehicle card of the live map.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VehicleCard {
    pub vehicle: LiveVehicle,
    pub vin: String,
    pub transport_cert_no: String,
    pub seats: Option<i64>,
    pub tonnage_kg: Option<i64>,
    pub status: String,
    pub terminal: Option<TerminalInfo>,
    pub drivers: Vec<DriverInfo>,
    pub fix: Option<FixInfo>,
    /// Road and place of the latest fix (from the basemap), when known.
    pub location: Option<Location>,
    pub today: VehicleToday,
}

/// Alarms shown on the card.
const CARD_ALARMS: u32 = 5;

/// The card of one vehicle visible to `p` (NotFound otherwise). Reads today's track to
/// measure the mileage: one vehicle-day, well under a millisecond from the store.
pub async fn vehicle_card(
    db: &SqlitePool,
    p: &Principal,
    tracks: Option<&TrackStore>,
    hub: Option<&LiveHub>,
    roads: Option<&RoadIndex>,
    vehicle_id: i64,
    now_ms: i64,
) -> Result<VehicleCard> {
    let vehicle = live_rows(db, p, tracks, hub, Some(vehicle_id))
        .await?
        .pop()
        .ok_or_else(|| AlarmError::NotFound(format!("vehicle {vehicle_id}")))?;
    let row = sqlx::query(
        "SELECT vin, transport_cert_no, seats, tonnage_kg, status FROM vehicles WHERE id = ?",
    )
    .bind(vehicle_id)
    .fetch_one(db)
    .await?;
    let terminal = sqlx::query(
        "SELECT phone, terminal_id, manufacturer, model, protocol_version FROM terminals \
         WHERE vehicle_id = ? AND active = 1",
    )
    .bind(vehicle_id)
    .fetch_optional(db)
    .await?
    .map(|r| -> Result<TerminalInfo> {
        Ok(TerminalInfo {
            phone: r.try_get(0)?,
            terminal_id: r.try_get(1)?,
            manufacturer: r.try_get(2)?,
            model: r.try_get(3)?,
            protocol_version: r.try_get(4)?,
        })
    })
    .transpose()?;
    let drivers = sqlx::query("SELECT name, phone FROM drivers WHERE vehicle_id = ? ORDER BY id")
        .bind(vehicle_id)
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(DriverInfo {
                name: r.try_get(0)?,
                phone: r.try_get(1)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let vid = u32::try_from(vehicle_id).ok();
    let latest = vid.and_then(|v| tracks.and_then(|t| t.latest(v)));
    let fix = latest.map(|l| FixInfo {
        t: ts(l.device_time_ms),
        received_at: ts(l.receive_time_ms),
        lat: l.lat_deg(),
        lon: l.lon_deg(),
        altitude_m: l.altitude,
        speed_kmh: l.speed_kmh(),
        direction: l.direction,
        gnss_valid: l.gnss_valid(),
        satellites: (l.flags & tongtu_track::flags::HAS_SATELLITES != 0).then_some(l.satellites),
        odometer_km: l.mileage_km(),
        alarm_bits: l.alarm,
        status_bits: l.status,
    });
    let location = match (latest, roads) {
        (Some(l), Some(r)) if !r.is_empty() => Some(r.locate(l.lat_deg(), l.lon_deg())),
        _ => None,
    };
    let day_start = day_start_ms(day_of(now_ms));
    let mut today = VehicleToday::default();
    if let (Some(v), Some(t)) = (vid, tracks) {
        let track = t
            .track(v, day_start, now_ms.max(day_start) + 1)
            .map_err(|e| AlarmError::Internal(format!("reading today's track: {e}")))?;
        let m = mileage_of(v, &track);
        today.positions = m.positions;
        today.odometer_km = m.odometer_km;
        today.gnss_km = (m.positions > 0).then_some(m.gnss_km);
        // A stuck or absent odometer falls back to the fixes.
        (today.mileage_km, today.mileage_source) = match m.odometer_km {
            Some(km) if km > 0.0 => (Some(km), Some("odometer".to_string())),
            _ if m.positions > 0 => (Some(m.gnss_km), Some("gnss".to_string())),
            _ => (None, None),
        };
    }
    let counts = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state <> 'closed' THEN 1 ELSE 0 END), 0) \
         FROM alarms WHERE vehicle_id = ? AND start_ms >= ?",
    )
    .bind(vehicle_id)
    .bind(day_start)
    .fetch_one(db)
    .await?;
    today.alarms = counts.try_get(0)?;
    today.pending = counts.try_get(1)?;
    let q = crate::store::AlarmQuery {
        vehicle_id: Some(vehicle_id),
        from_ms: Some(day_start),
        limit: CARD_ALARMS,
        ..Default::default()
    };
    today.recent = crate::store::list(db, p, &q, now_ms).await?.items;
    Ok(VehicleCard {
        vehicle,
        vin: row.try_get(0)?,
        transport_cert_no: row.try_get(1)?,
        seats: row.try_get(2)?,
        tonnage_kg: row.try_get(3)?,
        status: row.try_get(4)?,
        terminal,
        drivers,
        fix,
        location,
        today,
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
    fn positions_are_counted_per_minute_and_enterprise() {
        let hub = LiveHub::new();
        let m0 = (hub.since_ms.div_euclid(60_000) + 1) * 60_000;
        let at = |t: i64| Position {
            receive_time_ms: t,
            ..fix(t, 0)
        };
        hub.publish(1, &[at(m0), at(m0 + 59_999), at(m0 + 60_000)]);
        let late = |t: i64| Position {
            flags: tongtu_track::flags::SUPPLEMENTARY,
            ..at(t)
        };
        hub.publish(2, &[at(m0 + 61_000), late(m0 + 62_000), late(m0 + 63_000)]);
        hub.publish(1, &[at(m0 + 3 * 60_000)]);
        let live = |n: u32| {
            Some(MinuteCount {
                realtime: n,
                backfill: 0,
            })
        };
        // A minute before the hub started is unknown, not zero.
        let all = hub.positions_per_minute(None, m0 - 120_000, m0 + 4 * 60_000);
        let both = Some(MinuteCount {
            realtime: 2,
            backfill: 2,
        });
        assert_eq!(all, vec![None, live(0), live(2), both, live(0), live(1)]);
        let one = hub.positions_per_minute(Some(1), m0, m0 + 4 * 60_000);
        assert_eq!(one, vec![live(2), live(1), live(0), live(1)]);
        let two = hub.positions_per_minute(Some(2), m0, m0 + 2 * 60_000);
        let two_late = Some(MinuteCount {
            realtime: 1,
            backfill: 2,
        });
        assert_eq!(two, vec![live(0), two_late]);
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
