//! Per-vehicle summaries of positions: the [`Tally`] of a span, the [`VehicleDay`] cached
//! per Beijing day, the [`Carry`] that links a day to the next, and the drill-down that
//! lists the offending items behind the counts.
//!
//! One pass ([`scan`]) does all of it; the summary and the drill-down only differ in the
//! observer they give it, so they cannot disagree.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use tongtu_track::{day_of, distance_m, flags, Position};

use super::{IndicatorConfig, IndicatorError};

/// Why a record is not qualified (DOMAIN.md "Qualified record"). A record may fail several
/// checks; each failure is counted under its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unqualified {
    /// The terminal sent no usable time ([`flags::NO_DEVICE_TIME`]).
    TimeInvalid,
    /// Device time ahead of receive time beyond the tolerance ("time ≤ now").
    TimeInFuture,
    /// Longitude outside 73°33′E–135°05′E.
    LongitudeOutOfRange,
    /// Latitude outside 3°51′N–53°33′N.
    LatitudeOutOfRange,
    /// Speed above 160 km/h.
    SpeedOutOfRange,
    /// Altitude outside −200–6 500 m.
    AltitudeOutOfRange,
    /// Direction above 359.
    DirectionOutOfRange,
}

impl Unqualified {
    /// Every reason, in report order.
    pub const ALL: [Unqualified; 7] = [
        Unqualified::TimeInvalid,
        Unqualified::TimeInFuture,
        Unqualified::LongitudeOutOfRange,
        Unqualified::LatitudeOutOfRange,
        Unqualified::SpeedOutOfRange,
        Unqualified::AltitudeOutOfRange,
        Unqualified::DirectionOutOfRange,
    ];

    /// The Chinese label used in bureau reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Unqualified::TimeInvalid => "时间无效",
            Unqualified::TimeInFuture => "时间超前",
            Unqualified::LongitudeOutOfRange => "经度超出范围",
            Unqualified::LatitudeOutOfRange => "纬度超出范围",
            Unqualified::SpeedOutOfRange => "速度超出范围",
            Unqualified::AltitudeOutOfRange => "高程超出范围",
            Unqualified::DirectionOutOfRange => "方向超出范围",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Reasons that make the fix's place or time unusable: such a fix is kept off the
    /// track (no mileage, no drift judgement). Speed, altitude and direction do not move
    /// the fix, so it stays on the track.
    const OFF_TRACK: u8 = (1 << Unqualified::TimeInvalid as u8)
        | (1 << Unqualified::TimeInFuture as u8)
        | (1 << Unqualified::LongitudeOutOfRange as u8)
        | (1 << Unqualified::LatitudeOutOfRange as u8);
}

/// Unqualified-record counts per reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnqualifiedCounts {
    /// [`Unqualified::TimeInvalid`].
    pub time_invalid: u64,
    /// [`Unqualified::TimeInFuture`].
    pub time_in_future: u64,
    /// [`Unqualified::LongitudeOutOfRange`].
    pub longitude_out_of_range: u64,
    /// [`Unqualified::LatitudeOutOfRange`].
    pub latitude_out_of_range: u64,
    /// [`Unqualified::SpeedOutOfRange`].
    pub speed_out_of_range: u64,
    /// [`Unqualified::AltitudeOutOfRange`].
    pub altitude_out_of_range: u64,
    /// [`Unqualified::DirectionOutOfRange`].
    pub direction_out_of_range: u64,
}

impl UnqualifiedCounts {
    /// The count of one reason.
    pub fn get(&self, r: Unqualified) -> u64 {
        match r {
            Unqualified::TimeInvalid => self.time_invalid,
            Unqualified::TimeInFuture => self.time_in_future,
            Unqualified::LongitudeOutOfRange => self.longitude_out_of_range,
            Unqualified::LatitudeOutOfRange => self.latitude_out_of_range,
            Unqualified::SpeedOutOfRange => self.speed_out_of_range,
            Unqualified::AltitudeOutOfRange => self.altitude_out_of_range,
            Unqualified::DirectionOutOfRange => self.direction_out_of_range,
        }
    }

    fn slot(&mut self, r: Unqualified) -> &mut u64 {
        match r {
            Unqualified::TimeInvalid => &mut self.time_invalid,
            Unqualified::TimeInFuture => &mut self.time_in_future,
            Unqualified::LongitudeOutOfRange => &mut self.longitude_out_of_range,
            Unqualified::LatitudeOutOfRange => &mut self.latitude_out_of_range,
            Unqualified::SpeedOutOfRange => &mut self.speed_out_of_range,
            Unqualified::AltitudeOutOfRange => &mut self.altitude_out_of_range,
            Unqualified::DirectionOutOfRange => &mut self.direction_out_of_range,
        }
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, o: &UnqualifiedCounts) {
        for r in Unqualified::ALL {
            *self.slot(r) += o.get(r);
        }
    }
}

/// Mergeable counters of one vehicle over a span (a day, a month). Distances are integer
/// millimetres and durations integer milliseconds so that merging daily tallies gives
/// exactly the tally of the whole span (floating sums would depend on grouping).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tally {
    /// Distinct records (exact duplicates removed).
    pub records: u64,
    /// Exact duplicates dropped: same device time and same content, re-sent.
    pub duplicates: u64,
    /// Records passing every check.
    pub qualified: u64,
    /// Failed checks per reason (a record may fail several).
    pub unqualified: UnqualifiedCounts,
    /// GNSS-invalid records (not unqualified, but kept off the track).
    pub gnss_invalid: u64,
    /// Fixes accepted on the track (mileage measured between them).
    pub track_fixes: u64,
    /// Drift fixes (excluded from mileage).
    pub drift_fixes: u64,
    /// Track mileage, millimetres.
    pub distance_mm: u64,
    /// Mileage of incomplete segments (included in `distance_mm`), millimetres.
    pub incomplete_mm: u64,
    /// Incomplete segments.
    pub incomplete_segments: u64,
    /// Online time, milliseconds.
    pub online_ms: u64,
    /// Beijing days with at least one record.
    pub active_days: u64,
    /// Device time of the first record with a usable time, UTC ms.
    pub first_fix_ms: Option<i64>,
    /// Device time of the last record with a usable time, UTC ms.
    pub last_fix_ms: Option<i64>,
}

impl Tally {
    /// Adds the tally of another span of the same vehicle.
    pub fn merge(&mut self, o: &Tally) {
        self.records += o.records;
        self.duplicates += o.duplicates;
        self.qualified += o.qualified;
        self.unqualified.merge(&o.unqualified);
        self.gnss_invalid += o.gnss_invalid;
        self.track_fixes += o.track_fixes;
        self.drift_fixes += o.drift_fixes;
        self.distance_mm += o.distance_mm;
        self.incomplete_mm += o.incomplete_mm;
        self.incomplete_segments += o.incomplete_segments;
        self.online_ms += o.online_ms;
        self.active_days += o.active_days;
        self.first_fix_ms = min_opt(self.first_fix_ms, o.first_fix_ms);
        self.last_fix_ms = self.last_fix_ms.max(o.last_fix_ms);
    }

    /// Records failing at least one check.
    pub fn unqualified_records(&self) -> u64 {
        // Saturating: a tally read back from a hand-edited cache must not panic.
        self.records.saturating_sub(self.qualified)
    }

    /// Mileage of complete segments, millimetres.
    pub fn complete_mm(&self) -> u64 {
        self.distance_mm.saturating_sub(self.incomplete_mm)
    }

    /// Track mileage, km.
    pub fn mileage_km(&self) -> f64 {
        self.distance_mm as f64 / 1e6
    }

    /// Incomplete mileage, km.
    pub fn incomplete_km(&self) -> f64 {
        self.incomplete_mm as f64 / 1e6
    }

    /// Online time, seconds.
    pub fn online_secs(&self) -> f64 {
        self.online_ms as f64 / 1000.0
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// A point of the track: device time and coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// Device time, UTC ms.
    pub time_ms: i64,
    /// Latitude, 1e-6 degree.
    pub lat: i32,
    /// Longitude, 1e-6 degree.
    pub lon: i32,
}

impl Fix {
    fn of(p: &Position) -> Fix {
        Fix {
            time_ms: p.device_time_ms,
            lat: p.lat,
            lon: p.lon,
        }
    }

    fn position(&self) -> Position {
        Position {
            device_time_ms: self.time_ms,
            lat: self.lat,
            lon: self.lon,
            ..Position::default()
        }
    }
}

/// What one span leaves to the next: the state of the track and of the online clock at
/// its end. Stored with each [`VehicleDay`]; give it to the next day's computation so the
/// segment and the online interval that cross midnight are counted, exactly once, on the
/// day they end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Carry {
    /// The last fix accepted as a track candidate (drift or not).
    pub prev: Option<Fix>,
    /// The last good fix: mileage and drift are measured from it.
    pub anchor: Option<Fix>,
    /// Consecutive drift fixes up to `prev` (three that agree re-anchor the track).
    pub drift_run: u32,
    /// Highest receive time of a non-supplementary record, UTC ms.
    pub last_receive_ms: Option<i64>,
    /// Beijing day of the last record.
    pub last_day: Option<i32>,
}

/// Receives the offending items of a scan (the drill-down); the summary ignores them.
pub(crate) trait Observer {
    fn unqualified(&mut self, _p: &Position, _r: Unqualified, _value: f64) {}
    fn drift(&mut self, _p: &Position, _from: &Fix, _implied_kmh: f64, _distance_m: f64) {}
    fn incomplete(&mut self, _from: &Fix, _to: &Position, _gap_secs: f64, _distance_m: f64) {}
}

/// The observer of plain summaries.
pub(crate) struct Quiet;
impl Observer for Quiet {}

/// Sort and duplicate key: device time first, then the content, receive time last so that
/// the first copy of a re-sent record is the one kept.
#[inline]
fn order_key(p: &Position) -> (i64, i32, i32, u16, u16, i16, u32, u32, i64) {
    (
        p.device_time_ms,
        p.lat,
        p.lon,
        p.speed,
        p.direction,
        p.altitude,
        p.status,
        p.alarm,
        p.receive_time_ms,
    )
}

#[inline]
fn same_record(a: &Position, b: &Position) -> bool {
    let (ka, kb) = (order_key(a), order_key(b));
    // Everything but the receive time.
    (ka.0, ka.1, ka.2, ka.3, ka.4, ka.5, ka.6, ka.7)
        == (kb.0, kb.1, kb.2, kb.3, kb.4, kb.5, kb.6, kb.7)
}

/// The input in scan order: as given when already ordered (the store's normal output),
/// else a sorted copy. Blind-area data and re-sent records may arrive in any order.
pub(crate) fn ordered(positions: &[Position]) -> Cow<'_, [Position]> {
    if positions
        .windows(2)
        .all(|w| order_key(&w[0]) <= order_key(&w[1]))
    {
        Cow::Borrowed(positions)
    } else {
        let mut v = positions.to_vec();
        v.sort_unstable_by_key(order_key);
        Cow::Owned(v)
    }
}

/// The checks a record fails, as a bit set of [`Unqualified`].
#[inline]
fn check(cfg: &IndicatorConfig, p: &Position) -> u8 {
    let r = &cfg.record;
    let mut bad = 0u8;
    if p.flags & flags::NO_DEVICE_TIME != 0 {
        bad |= Unqualified::TimeInvalid.bit();
    } else if p.device_time_ms.saturating_sub(p.receive_time_ms)
        > r.future_tolerance_secs.saturating_mul(1000)
    {
        bad |= Unqualified::TimeInFuture.bit();
    }
    if p.lon < r.lon_min || p.lon > r.lon_max {
        bad |= Unqualified::LongitudeOutOfRange.bit();
    }
    if p.lat < r.lat_min || p.lat > r.lat_max {
        bad |= Unqualified::LatitudeOutOfRange.bit();
    }
    if p.speed_kmh() > r.speed_max_kmh {
        bad |= Unqualified::SpeedOutOfRange.bit();
    }
    let alt = i32::from(p.altitude);
    if alt < r.altitude_min_m || alt > r.altitude_max_m {
        bad |= Unqualified::AltitudeOutOfRange.bit();
    }
    if p.direction > r.direction_max {
        bad |= Unqualified::DirectionOutOfRange.bit();
    }
    bad
}

/// The offending value reported by the drill-down for a reason.
fn offending_value(p: &Position, r: Unqualified) -> f64 {
    match r {
        Unqualified::TimeInvalid => 0.0,
        Unqualified::TimeInFuture => {
            p.device_time_ms.saturating_sub(p.receive_time_ms) as f64 / 1000.0
        }
        Unqualified::LongitudeOutOfRange => p.lon_deg(),
        Unqualified::LatitudeOutOfRange => p.lat_deg(),
        Unqualified::SpeedOutOfRange => p.speed_kmh(),
        Unqualified::AltitudeOutOfRange => f64::from(p.altitude),
        Unqualified::DirectionOutOfRange => f64::from(p.direction),
    }
}

fn mm(m: f64) -> u64 {
    // Distances are finite and non-negative (haversine of bounded coordinates).
    (m * 1000.0).round() as u64
}

/// Scans positions of one vehicle in order, continuing from `carry`. The heart of the
/// module: records and checks, duplicates, the track (drift as the engine judges it,
/// mileage, the gap rule) and the online clock.
pub(crate) fn scan<O: Observer>(
    cfg: &IndicatorConfig,
    positions: &[Position],
    carry: Option<&Carry>,
    obs: &mut O,
) -> (Tally, Carry) {
    let mut t = Tally::default();
    let mut c = carry.copied().unwrap_or_default();
    let online_gap_ms = cfg.online_gap_secs.saturating_mul(1000);
    let gap_ms = cfg.gap_secs.saturating_mul(1000);
    let jump_window_ms = cfg.drift_jump_window_secs.saturating_mul(1000);
    let ps = ordered(positions);
    let mut last_record: Option<&Position> = None;
    for p in ps.iter() {
        if last_record.is_some_and(|q| same_record(q, p)) {
            t.duplicates += 1;
            continue;
        }
        last_record = Some(p);
        t.records += 1;
        let day = day_of(p.device_time_ms);
        if c.last_day != Some(day) {
            t.active_days += 1;
            c.last_day = Some(day);
        }

        let bad = check(cfg, p);
        if bad == 0 {
            t.qualified += 1;
        } else {
            for r in Unqualified::ALL {
                if bad & r.bit() != 0 {
                    *t.unqualified.slot(r) += 1;
                    obs.unqualified(p, r, offending_value(p, r));
                }
            }
        }
        let time_ok = bad & (Unqualified::TimeInvalid.bit() | Unqualified::TimeInFuture.bit()) == 0;
        if time_ok {
            t.first_fix_ms = min_opt(t.first_fix_ms, Some(p.device_time_ms));
            t.last_fix_ms = t.last_fix_ms.max(Some(p.device_time_ms));
        }

        // Online: real-time records only (blind-area data was recorded while offline),
        // measured on receive times, which only move forward.
        if !p.supplementary() {
            if let Some(lr) = c.last_receive_ms {
                let d = p.receive_time_ms.saturating_sub(lr);
                if d > 0 && d <= online_gap_ms {
                    t.online_ms += d as u64;
                }
            }
            c.last_receive_ms = c.last_receive_ms.max(Some(p.receive_time_ms));
        }

        // The track.
        if !p.gnss_valid() {
            t.gnss_invalid += 1;
            continue;
        }
        if bad & Unqualified::OFF_TRACK != 0 {
            continue;
        }
        let prev = c.prev;
        // A second fix at the same device time adds no movement; the engine skips it too.
        if prev.is_some_and(|q| p.device_time_ms <= q.time_ms) {
            continue;
        }
        c.prev = Some(Fix::of(p));
        let Some(anchor) = c.anchor else {
            c.anchor = c.prev;
            t.track_fixes += 1;
            continue;
        };
        // Drift as `engine::evaluate` judges it: implied speed or jump from the last good
        // fix, with the same re-anchoring after three agreeing fixes.
        let dt_ms = p.device_time_ms - anchor.time_ms;
        if dt_ms <= 0 {
            // Only a hand-edited carry can put the anchor after `prev`; skip, not divide.
            continue;
        }
        let d = distance_m(&anchor.position(), p);
        let implied = d / (dt_ms as f64 / 1000.0) * 3.6;
        let drift = implied > cfg.drift_kmh
            || cfg
                .drift_jump_m
                .is_some_and(|j| dt_ms <= jump_window_ms && d > j);
        if drift {
            c.drift_run += 1;
            // Three consecutive fixes that agree with each other but not with the anchor:
            // the anchor was wrong; accept the new place (no mileage for the jump).
            let agrees = c.drift_run >= 3
                && prev.is_some_and(|q| {
                    let dt = (p.device_time_ms - q.time_ms) as f64 / 1000.0;
                    distance_m(&q.position(), p) / dt * 3.6 <= cfg.drift_kmh
                });
            if agrees {
                c.drift_run = 0;
                c.anchor = c.prev;
                t.track_fixes += 1;
            } else {
                t.drift_fixes += 1;
                obs.drift(p, &anchor, implied, d);
            }
            continue;
        }
        c.drift_run = 0;
        c.anchor = c.prev;
        t.track_fixes += 1;
        let seg = mm(d);
        t.distance_mm += seg;
        if dt_ms > gap_ms && d > cfg.gap_m {
            t.incomplete_mm += seg;
            t.incomplete_segments += 1;
            obs.incomplete(&anchor, p, dt_ms as f64 / 1000.0, d);
        }
    }
    (t, c)
}

/// Summarises any span of one vehicle's positions (a day so far, a month in one go),
/// continuing from the carry of the span before it. Input order does not matter. Expects
/// a validated configuration ([`IndicatorConfig::validate`]); a NaN limit would silently
/// disable its rule.
pub fn summarize_span(
    cfg: &IndicatorConfig,
    positions: &[Position],
    carry: Option<&Carry>,
) -> (Tally, Carry) {
    scan(cfg, positions, carry, &mut Quiet)
}

/// One vehicle's Beijing day: the unit cached by the platform (yesterday is computed once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleDay {
    /// Registry vehicle id.
    pub vehicle_id: u32,
    /// Beijing day number (see `tongtu_track::day_of`).
    pub day: i32,
    /// The day's counters.
    #[serde(flatten)]
    pub tally: Tally,
    /// State at the end of the day, for the next day's computation.
    pub carry: Carry,
}

impl VehicleDay {
    /// Computes a day from the vehicle's positions of that day (by device time) and the
    /// carry of its latest earlier computed day (`None`: nothing before, or unknown; the
    /// first segment and online interval of the day are then not counted).
    ///
    /// Errors when the configuration is invalid, a position belongs to another vehicle or
    /// day, or the carry comes from this day or a later one.
    pub fn compute(
        cfg: &IndicatorConfig,
        vehicle_id: u32,
        day: i32,
        positions: &[Position],
        carry: Option<&Carry>,
    ) -> Result<VehicleDay, IndicatorError> {
        cfg.validate()?;
        check_input(vehicle_id, day, positions, carry)?;
        let (tally, carry) = summarize_span(cfg, positions, carry);
        Ok(VehicleDay {
            vehicle_id,
            day,
            tally,
            carry,
        })
    }

    /// The day's track mileage, km (daily mileage).
    pub fn mileage_km(&self) -> f64 {
        self.tally.mileage_km()
    }
}

fn check_input(
    vehicle_id: u32,
    day: i32,
    positions: &[Position],
    carry: Option<&Carry>,
) -> Result<(), IndicatorError> {
    if let Some(p) = positions
        .iter()
        .find(|p| p.vehicle_id != vehicle_id || p.day() != day)
    {
        return Err(IndicatorError::ForeignPosition {
            vehicle_id,
            day,
            found_vehicle: p.vehicle_id,
            found_day: p.day(),
            device_time_ms: p.device_time_ms,
        });
    }
    if let Some(last) = carry.and_then(|c| c.last_day).filter(|d| *d >= day) {
        return Err(IndicatorError::CarryNotBefore {
            day,
            carry_day: last,
        });
    }
    Ok(())
}

/// Computes every day of one vehicle's positions spanning several days, each day carrying
/// into the next (days without positions produce no entry). Positions of other vehicles
/// are an error.
pub fn compute_days(
    cfg: &IndicatorConfig,
    vehicle_id: u32,
    positions: &[Position],
    carry: Option<&Carry>,
) -> Result<Vec<VehicleDay>, IndicatorError> {
    if let Some(p) = positions.iter().find(|p| p.vehicle_id != vehicle_id) {
        return Err(IndicatorError::ForeignPosition {
            vehicle_id,
            day: p.day(),
            found_vehicle: p.vehicle_id,
            found_day: p.day(),
            device_time_ms: p.device_time_ms,
        });
    }
    let ps = ordered(positions);
    let mut out: Vec<VehicleDay> = Vec::new();
    let mut c = carry.copied();
    for chunk in ps.chunk_by(|a, b| a.day() == b.day()) {
        let day = chunk[0].day();
        let d = VehicleDay::compute(cfg, vehicle_id, day, chunk, c.as_ref())?;
        c = Some(d.carry);
        out.push(d);
    }
    Ok(out)
}

/// Items listed by the drill-down, at most a cap of them, with the count left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capped<T> {
    /// The first items, in time order.
    pub items: Vec<T>,
    /// How many more there are.
    pub more: u64,
}

impl<T> Capped<T> {
    fn push(&mut self, cap: usize, item: impl FnOnce() -> T) {
        if self.items.len() < cap {
            self.items.push(item());
        } else {
            self.more += 1;
        }
    }

    /// All items, listed or not.
    pub fn total(&self) -> u64 {
        self.items.len() as u64 + self.more
    }
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped {
            items: Vec::new(),
            more: 0,
        }
    }
}

/// An incomplete segment: a gap over the time and distance limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IncompleteSegment {
    /// The last good fix before the gap.
    pub from: Fix,
    /// The fix after it.
    pub to: Fix,
    /// Time gap, seconds.
    pub gap_secs: f64,
    /// Distance (counted as incomplete mileage), metres.
    pub distance_m: f64,
}

/// One failed check of one record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnqualifiedRecord {
    /// Device time, UTC ms.
    pub device_time_ms: i64,
    /// Receive time, UTC ms.
    pub receive_time_ms: i64,
    /// The failed check.
    pub reason: Unqualified,
    /// The offending value: seconds ahead (time in future), degrees (lon/lat), km/h,
    /// metres, degrees (direction); 0 for a missing time.
    pub value: f64,
}

/// A drift fix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftFix {
    /// The drift fix.
    pub fix: Fix,
    /// The last good fix it was judged against.
    pub from: Fix,
    /// Implied speed from `from`, km/h.
    pub implied_kmh: f64,
    /// Distance from `from`, metres.
    pub distance_m: f64,
}

/// The offending items behind a span's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DrillDown {
    /// Incomplete segments.
    pub incomplete: Capped<IncompleteSegment>,
    /// Unqualified records, one item per failed check.
    pub unqualified: Capped<UnqualifiedRecord>,
    /// Drift fixes.
    pub drift: Capped<DriftFix>,
}

struct Collect {
    cap: usize,
    out: DrillDown,
}

impl Observer for Collect {
    fn unqualified(&mut self, p: &Position, reason: Unqualified, value: f64) {
        self.out.unqualified.push(self.cap, || UnqualifiedRecord {
            device_time_ms: p.device_time_ms,
            receive_time_ms: p.receive_time_ms,
            reason,
            value,
        });
    }

    fn drift(&mut self, p: &Position, from: &Fix, implied_kmh: f64, distance_m: f64) {
        self.out.drift.push(self.cap, || DriftFix {
            fix: Fix::of(p),
            from: *from,
            implied_kmh,
            distance_m,
        });
    }

    fn incomplete(&mut self, from: &Fix, to: &Position, gap_secs: f64, distance_m: f64) {
        self.out.incomplete.push(self.cap, || IncompleteSegment {
            from: *from,
            to: Fix::of(to),
            gap_secs,
            distance_m,
        });
    }
}

/// Lists the items behind the counts of [`summarize_span`] for the same input and carry:
/// at most `cap` of each kind, with how many more. Expects a validated configuration.
pub fn drill_down(
    cfg: &IndicatorConfig,
    positions: &[Position],
    carry: Option<&Carry>,
    cap: usize,
) -> DrillDown {
    let mut obs = Collect {
        cap,
        out: DrillDown::default(),
    };
    scan(cfg, positions, carry, &mut obs);
    obs.out
}
