//! Daily plans: for each vehicle and local day, a deterministic timeline of parking, idling
//! and driving along routed roads, by vehicle class (scheduled coach lines, charter tours and
//! commuter shuttles, hazardous-goods runs port → plant on the permitted network, freight
//! trips), with the scenario of the day (if any) built in.
//!
//! Law-abiding plans keep every limit of `shared/DOMAIN.md` with a margin: speeds below the
//! limit (80 % of it for passenger vehicles at night), a stop of at least 20 min before 3.5 h
//! of continuous driving (1.75 h at night), at most 6.5 h of driving a day, and passenger
//! vehicles do not run between 22:00 and 06:00.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::fleet::{DemoFleet, REGIONS};
use crate::scenario::{Effect, Violation, ViolationKind};
use crate::world::{LonLat, Place, PlaceKind, RoadClass, Route, RouteOptions, World, WorldError};

/// Beijing time offset (s): plans, night windows and day boundaries are local.
pub const LOCAL_OFFSET_S: i64 = 8 * 3600;
/// A stop this long resets continuous driving (DOMAIN: ≥ 20 min).
pub const REST_RESETS_S: f64 = 20.0 * 60.0;
/// Continuous-driving ceiling law-abiding plans keep by day (DOMAIN limit: 4 h).
const COMPLIANT_CONTINUOUS_DAY_S: f64 = 3.5 * 3600.0;
/// … and at night (DOMAIN limit: 2 h).
const COMPLIANT_CONTINUOUS_NIGHT_S: f64 = 1.75 * 3600.0;
/// Daily driving ceiling of law-abiding plans. DOMAIN limits 8 h in any 24 h: with 6.5 h a
/// day and every day between 06:00 and 21:00, a window across midnight stays below 8 h too.
const COMPLIANT_DAILY_S: f64 = 6.5 * 3600.0;
/// Latest local hour a law-abiding day ends driving.
const COMPLIANT_LAST_HOUR: u32 = 21;

/// Splitmix64 over several words: seeds per (fleet seed, vehicle, day, purpose) so that
/// every random choice is reproducible and independent of the others.
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        h ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

/// A deterministic number in `0..1` from `parts`.
pub fn unit(parts: &[u64]) -> f64 {
    (mix(parts) >> 11) as f64 / (1u64 << 53) as f64
}

/// Vehicle classes of the demo fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleClass {
    Coach,
    CharterBus,
    Hazmat,
    HeavyTruck,
    Tractor,
}

impl VehicleClass {
    pub fn parse(s: &str) -> Option<VehicleClass> {
        Some(match s {
            "coach" => VehicleClass::Coach,
            "charter_bus" => VehicleClass::CharterBus,
            "hazmat" => VehicleClass::Hazmat,
            "heavy_truck" => VehicleClass::HeavyTruck,
            "tractor" => VehicleClass::Tractor,
            _ => return None,
        })
    }

    pub fn is_passenger(self) -> bool {
        matches!(self, VehicleClass::Coach | VehicleClass::CharterBus)
    }

    /// Freight limits apply (hazardous goods included).
    pub fn is_truck(self) -> bool {
        !self.is_passenger()
    }

    /// Report interval while moving: 10 s for 两客一危 by local rule, 30 s otherwise.
    pub fn moving_interval_s(self) -> u32 {
        match self {
            VehicleClass::HeavyTruck | VehicleClass::Tractor => 30,
            _ => 10,
        }
    }

    fn tank_l(self) -> f64 {
        match self {
            VehicleClass::Coach => 300.0,
            VehicleClass::CharterBus => 250.0,
            VehicleClass::Hazmat | VehicleClass::HeavyTruck => 400.0,
            VehicleClass::Tractor => 500.0,
        }
    }

    /// Consumption, litres per 100 km.
    fn consumption_l100(self) -> f64 {
        match self {
            VehicleClass::Coach => 24.0,
            VehicleClass::CharterBus => 20.0,
            VehicleClass::Hazmat => 32.0,
            VehicleClass::HeavyTruck => 30.0,
            VehicleClass::Tractor => 38.0,
        }
    }
}

/// What the simulator needs to know about one vehicle of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct VehicleProfile {
    /// Index in the generated fleet.
    pub index: usize,
    pub plate: String,
    pub plate_color: u8,
    pub vin: String,
    /// Terminal phone (SIM number) as registered.
    pub phone: String,
    /// "2011", "2013" or "2019".
    pub protocol_version: String,
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub class: VehicleClass,
    pub enterprise: usize,
    pub enterprise_name: String,
    pub region_code: String,
    /// One-way line length of a coach (km).
    pub line_km: Option<i64>,
    /// Suspended vehicles stay parked.
    pub active: bool,
}

impl VehicleProfile {
    /// Tank size (L).
    pub fn tank_l(&self) -> f64 {
        self.class.tank_l()
    }

    /// Consumption (L/100 km).
    pub fn consumption_l100(&self) -> f64 {
        self.class.consumption_l100()
    }
}

/// Profiles of every vehicle of a generated fleet, in fleet order.
pub fn profiles(fleet: &DemoFleet) -> Vec<VehicleProfile> {
    fleet
        .vehicles
        .iter()
        .enumerate()
        .filter_map(|(index, v)| {
            let class = VehicleClass::parse(&v.vehicle.vehicle_class)?;
            let e = fleet.enterprises.get(v.enterprise)?;
            Some(VehicleProfile {
                index,
                plate: v.vehicle.plate.clone(),
                plate_color: u8::try_from(v.vehicle.plate_color).unwrap_or(9),
                vin: v.vehicle.vin.clone(),
                phone: v.terminal.phone.clone(),
                protocol_version: v.terminal.protocol_version.clone(),
                terminal_id: v.terminal.terminal_id.clone(),
                manufacturer: v.terminal.manufacturer.clone(),
                model: v.terminal.model.clone(),
                class,
                enterprise: v.enterprise,
                enterprise_name: e.input.name.clone(),
                region_code: REGIONS
                    .get(e.region)
                    .map(|r| r.0.to_string())
                    .unwrap_or_default(),
                line_km: v.vehicle.line_km,
                active: v.vehicle.status == "active",
            })
        })
        .collect()
}

/// One straight piece of a drive, with its timing.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedSegment {
    pub from: LonLat,
    pub to: LonLat,
    pub length_m: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Planned speed (km/h).
    pub speed_kmh: f64,
    /// The limit for this vehicle on this road (km/h), before any night reduction.
    pub limit_kmh: f64,
    pub road: Option<usize>,
    pub class: RoadClass,
    pub hazmat: bool,
    /// Distance driven this plan before this segment (m).
    pub dist_before_m: f64,
}

impl TimedSegment {
    /// Position, heading and day distance at `t` (clamped to the segment).
    pub fn at(&self, t: DateTime<Utc>) -> (LonLat, f64) {
        let total = (self.end - self.start).num_milliseconds().max(1) as f64;
        let f = ((t - self.start).num_milliseconds() as f64 / total).clamp(0.0, 1.0);
        (
            self.from.lerp(self.to, f),
            self.dist_before_m + self.length_m * f,
        )
    }

    pub fn heading(&self) -> f64 {
        self.from.bearing_deg(self.to)
    }
}

/// What the vehicle does during a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Activity {
    /// Ignition off.
    Parked,
    /// Ignition on, standing (boarding, loading with the engine running, short stops).
    Idle,
    /// Moving along the segments (contiguous in time and space).
    Drive(Vec<TimedSegment>),
}

/// A stretch of the plan. Steps are contiguous: each starts where the previous ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Where the step starts (the whole step for parking and idling).
    pub at: LonLat,
    pub activity: Activity,
}

/// One vehicle's local day.
#[derive(Debug, Clone)]
pub struct DayPlan {
    pub day: NaiveDate,
    pub start: DateTime<Utc>,
    /// At or after local midnight; later when the last trip ran past it.
    pub end: DateTime<Utc>,
    pub depot: Place,
    pub steps: Vec<Step>,
    pub distance_m: f64,
    pub scenario: Option<ViolationKind>,
    pub violations: Vec<Violation>,
    pub effects: Vec<Effect>,
}

impl DayPlan {
    /// The step running at `t` (the last one for times past the end).
    pub fn step_at(&self, t: DateTime<Utc>) -> Option<&Step> {
        let i = self.steps.partition_point(|s| s.start <= t);
        self.steps.get(i.saturating_sub(1))
    }

    /// Total driving time (s).
    pub fn driving_s(&self) -> f64 {
        self.steps
            .iter()
            .filter(|s| matches!(s.activity, Activity::Drive(_)))
            .map(|s| (s.end - s.start).num_milliseconds() as f64 / 1000.0)
            .sum()
    }

    /// Every timed segment of the day, in order.
    pub fn segments(&self) -> impl Iterator<Item = &TimedSegment> {
        self.steps.iter().flat_map(|s| match &s.activity {
            Activity::Drive(segs) => segs.as_slice(),
            _ => &[],
        })
    }
}

/// UTC instant of local midnight starting `day`.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .checked_sub_signed(TimeDelta::seconds(LOCAL_OFFSET_S))
        .unwrap_or_default()
}

/// Local calendar day of `t`.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    (t + TimeDelta::seconds(LOCAL_OFFSET_S)).date_naive()
}

/// Local hour (0–23) of `t`.
pub fn local_hour(t: DateTime<Utc>) -> u32 {
    (t + TimeDelta::seconds(LOCAL_OFFSET_S)).hour()
}

/// Local time-of-day of `t` in hours (fractional).
pub fn local_hours(t: DateTime<Utc>) -> f64 {
    let l = t + TimeDelta::seconds(LOCAL_OFFSET_S);
    f64::from(l.hour()) + f64::from(l.minute()) / 60.0 + f64::from(l.second()) / 3600.0
}

/// Night for the passenger speed and fatigue rules: 22:00–06:00 local.
pub fn is_night(t: DateTime<Utc>) -> bool {
    let h = local_hour(t);
    !(6..22).contains(&h)
}

fn secs(s: f64) -> TimeDelta {
    TimeDelta::milliseconds((s * 1000.0).round() as i64)
}

fn dur_s(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

/// Builds a plan step by step, keeping the driving-time counters.
struct Builder<'a> {
    world: &'a World,
    profile: &'a VehicleProfile,
    rng: StdRng,
    opts: RouteOptions,
    t: DateTime<Utc>,
    day_start: DateTime<Utc>,
    here: Place,
    pos: LonLat,
    steps: Vec<Step>,
    dist_m: f64,
    /// Continuous driving since the last stop of ≥ 20 min (s).
    cont_s: f64,
    /// The current continuous block touched the night window.
    cont_night: bool,
    cont_start: Option<DateTime<Utc>>,
    /// When the block passed 4 h (for the fatigue log).
    four_hours_at: Option<DateTime<Utc>>,
    daily_s: f64,
    /// Insert rests to keep the continuous-driving rule (off for the fatigue scenario).
    rests: bool,
    /// Overspeed one stretch of the next eligible drive (speeding scenario).
    speeding: bool,
    violations: Vec<Violation>,
}

impl<'a> Builder<'a> {
    fn local(&self, hours: f64) -> DateTime<Utc> {
        self.day_start + secs(hours * 3600.0)
    }

    fn local_now(&self) -> f64 {
        dur_s(self.day_start, self.t) / 3600.0
    }

    fn push(&mut self, end: DateTime<Utc>, activity: Activity) {
        if end <= self.t {
            return;
        }
        // Merge consecutive stops of the same kind so that rest lengths are visible.
        if let Some(last) = self.steps.last_mut() {
            if last.end == self.t && last.at == self.pos && last.activity == activity {
                last.end = end;
                self.t = end;
                return;
            }
        }
        self.steps.push(Step {
            start: self.t,
            end,
            at: self.pos,
            activity,
        });
        self.t = end;
    }

    /// Stands still for `s` seconds (engine running when `acc_on`).
    fn dwell(&mut self, s: f64, acc_on: bool) {
        let end = self.t + secs(s);
        self.push(
            end,
            if acc_on {
                Activity::Idle
            } else {
                Activity::Parked
            },
        );
        if s >= REST_RESETS_S {
            self.cont_s = 0.0;
            self.cont_night = false;
            self.cont_start = None;
            self.four_hours_at = None;
        }
    }

    fn dwell_until(&mut self, until: DateTime<Utc>, acc_on: bool) {
        let s = dur_s(self.t, until);
        if s > 0.0 {
            self.dwell(s, acc_on);
        }
    }

    fn dwell_minutes(&mut self, lo: f64, hi: f64, acc_on: bool) {
        let m = self.rng.random_range(lo..hi);
        self.dwell(m * 60.0, acc_on);
    }

    /// Estimated driving time of a route at typical speeds (s).
    fn estimate(&self, to: &Place) -> f64 {
        self.world
            .route(&self.here, to, self.opts)
            .map(|r| r.time_at_limits_s() / 0.8)
            .unwrap_or(f64::INFINITY)
    }

    /// Whether a trip of `drive_s` driving then `extra_s` more (return legs, stops) still
    /// fits a law-abiding day.
    fn fits(&self, drive_s: f64, extra_s: f64) -> bool {
        self.daily_s + drive_s <= COMPLIANT_DAILY_S
            && self.local_now() + (drive_s + extra_s) / 3600.0 <= f64::from(COMPLIANT_LAST_HOUR)
    }

    fn drive(&mut self, to: &Place) -> Result<(), WorldError> {
        let route = self.world.route(&self.here, to, self.opts)?;
        self.drive_route(route, to);
        Ok(())
    }

    /// Typical speed factor (share of the limit) on a class of road.
    fn factor(&mut self, class: RoadClass) -> f64 {
        let (lo, hi) = match class {
            RoadClass::Urban | RoadClass::Access | RoadClass::Port => (0.6, 0.85),
            _ if self.profile.class.is_truck() => (0.8, 0.92),
            _ => (0.82, 0.93),
        };
        self.rng.random_range(lo..hi)
    }

    /// Drives `route` to `to`, inserting rests when the law requires one.
    fn drive_route(&mut self, route: Route, to: &Place) {
        let mut overspeed: Option<usize> = None;
        if self.speeding && !is_night(self.t) {
            // The fastest long stretch: at least 2 km, so the excess lasts well over 30 s.
            overspeed = route
                .segments
                .iter()
                .enumerate()
                .filter(|(_, s)| s.length_m >= 2_000.0 && s.limit_kmh >= 40.0)
                .max_by(|a, b| {
                    (a.1.limit_kmh, a.1.length_m)
                        .partial_cmp(&(b.1.limit_kmh, b.1.length_m))
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .map(|(i, _)| i);
        }
        let mut segs: Vec<TimedSegment> = Vec::with_capacity(route.segments.len());
        for (i, s) in route.segments.into_iter().enumerate() {
            let mut speed = s.limit_kmh * self.factor(s.class);
            if self.profile.class.is_passenger() && is_night(self.t) {
                // DOMAIN: passenger limit at night is 80 % of the day limit.
                speed *= 0.8;
            }
            let mut violation = None;
            if overspeed == Some(i) {
                let f = self.rng.random_range(1.15..1.45);
                speed = (s.limit_kmh * f).min(155.0);
                violation = Some(speed);
            }
            speed = speed.max(5.0);
            let d = s.length_m / (speed / 3.6);
            let night = self.cont_night || is_night(self.t) || is_night(self.t + secs(d));
            let ceiling = if night {
                COMPLIANT_CONTINUOUS_NIGHT_S
            } else {
                COMPLIANT_CONTINUOUS_DAY_S
            };
            if self.rests && self.cont_s + d > ceiling && self.cont_s > 0.0 {
                // Pull over (service area, lay-by) for a proper rest.
                self.flush_drive(&mut segs);
                let m = self.rng.random_range(25.0..35.0);
                self.dwell(m * 60.0, false);
            }
            if self.cont_start.is_none() {
                self.cont_start = Some(self.t);
            }
            if is_night(self.t) {
                self.cont_night = true;
            }
            let start = self.t;
            let end = start + secs(d);
            if self.four_hours_at.is_none() && self.cont_s + d > 4.0 * 3600.0 {
                self.four_hours_at = Some(start + secs(4.0 * 3600.0 - self.cont_s));
            }
            if let Some(v) = violation {
                self.speeding = false;
                let road = s
                    .road
                    .and_then(|r| self.world.roads.get(r))
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                self.violations.push(Violation {
                    kind: ViolationKind::Speeding,
                    start,
                    end,
                    details: serde_json::json!({
                        "road": road,
                        "limit_kmh": s.limit_kmh,
                        "speed_kmh": (v * 10.0).round() / 10.0,
                        "over_pct": ((v / s.limit_kmh - 1.0) * 1000.0).round() / 10.0,
                    }),
                });
            }
            segs.push(TimedSegment {
                from: s.from,
                to: s.to,
                length_m: s.length_m,
                start,
                end,
                speed_kmh: speed,
                limit_kmh: s.limit_kmh,
                road: s.road,
                class: s.class,
                hazmat: s.hazmat,
                dist_before_m: self.dist_m,
            });
            self.t = end;
            self.pos = s.to;
            self.dist_m += s.length_m;
            self.cont_s += d;
            self.daily_s += d;
        }
        self.flush_drive(&mut segs);
        self.here = to.clone();
        self.pos = to.at;
    }

    /// Closes the drive step made of `segs` (whose timing already advanced `self.t`).
    fn flush_drive(&mut self, segs: &mut Vec<TimedSegment>) {
        let Some(first) = segs.first() else { return };
        let step = Step {
            start: first.start,
            end: self.t,
            at: first.from,
            activity: Activity::Drive(std::mem::take(segs)),
        };
        self.steps.push(step);
    }
}

/// Everything a plan depends on besides the world.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub profile: &'a VehicleProfile,
    pub seed: u64,
    pub day: NaiveDate,
    /// When the previous plan ended (the plan starts at the later of this and midnight).
    pub not_before: Option<DateTime<Utc>>,
    pub scenario: Option<ViolationKind>,
}

/// Plans one local day of one vehicle.
pub fn plan_day(world: &World, input: PlanInput<'_>) -> Result<DayPlan, WorldError> {
    let p = input.profile;
    let midnight = local_midnight(input.day);
    let start = input.not_before.map_or(midnight, |t| t.max(midnight));
    let day_no = i64::from(input.day.num_days_from_ce());
    let rng = StdRng::seed_from_u64(mix(&[input.seed, p.index as u64, day_no as u64]));
    let opts = RouteOptions {
        truck: p.class.is_truck(),
        hazmat_only: p.class == VehicleClass::Hazmat,
    };
    let depot = world.depot(
        p.enterprise,
        &p.region_code,
        &p.enterprise_name,
        opts.hazmat_only,
    );
    let mut b = Builder {
        world,
        profile: p,
        rng,
        opts,
        t: start,
        day_start: midnight,
        pos: depot.at,
        here: depot.clone(),
        steps: Vec::new(),
        dist_m: 0.0,
        cont_s: 0.0,
        cont_night: false,
        cont_start: None,
        four_hours_at: None,
        daily_s: 0.0,
        rests: true,
        speeding: input.scenario == Some(ViolationKind::Speeding),
        violations: Vec::new(),
    };
    if p.active {
        match (p.class, input.scenario) {
            (_, Some(ViolationKind::Fatigue)) => fatigue_day(&mut b)?,
            (VehicleClass::Coach, Some(ViolationKind::NightBan)) => night_ban_day(&mut b)?,
            (VehicleClass::Coach, _) => coach_day(&mut b)?,
            (VehicleClass::CharterBus, _) => charter_day(&mut b)?,
            (VehicleClass::Hazmat, s) => {
                hazmat_day(&mut b, s == Some(ViolationKind::HazmatDeviation))?
            }
            (VehicleClass::HeavyTruck | VehicleClass::Tractor, _) => freight_day(&mut b)?,
        }
        if b.here.id != depot.id {
            b.drive(&depot)?;
        }
    }
    let day_end = local_midnight(input.day.succ_opt().unwrap_or(input.day));
    let end = day_end.max(b.t + secs(60.0));
    b.dwell_until(end, false);
    let mut plan = DayPlan {
        day: input.day,
        start,
        end,
        depot,
        distance_m: b.dist_m,
        steps: b.steps,
        scenario: input.scenario,
        violations: b.violations,
        effects: Vec::new(),
    };
    if let Some(k) = input.scenario {
        let mut rng = StdRng::seed_from_u64(mix(&[input.seed, p.index as u64, day_no as u64, 7]));
        add_reporting_effects(&mut plan, k, &mut rng);
    }
    plan.violations.sort_by_key(|v| v.start);
    Ok(plan)
}

/// The station a coach or charter works from: the one nearest its depot.
fn home_station<'w>(world: &'w World, depot: &Place) -> Option<&'w Place> {
    world
        .places_of(PlaceKind::Station)
        .into_iter()
        .min_by(|a, b| {
            a.at.distance_m(depot.at)
                .total_cmp(&b.at.distance_m(depot.at))
        })
}

/// A coach's far terminal, by its line length.
fn line_destination<'w>(world: &'w World, p: &VehicleProfile, home: &Place) -> Option<&'w Place> {
    let km = p.line_km.unwrap_or(45);
    let id = if km > 200 {
        "EX_GUANGZHOU"
    } else if km > 100 {
        "EX_MAOMING"
    } else {
        let stations = world.places_of(PlaceKind::Station);
        let others: Vec<_> = stations.into_iter().filter(|s| s.id != home.id).collect();
        return others.get(p.index % others.len().max(1)).copied();
    };
    world.place(id).ok()
}

fn depart(b: &mut Builder<'_>, from_h: f64, to_h: f64) {
    let h = b.rng.random_range(from_h..to_h);
    let at = b.local(h);
    b.dwell_until(at, false);
}

fn coach_day(b: &mut Builder<'_>) -> Result<(), WorldError> {
    let Some(home) = home_station(b.world, &b.here).cloned() else {
        return Ok(());
    };
    let Some(dest) = line_destination(b.world, b.profile, &home).cloned() else {
        return Ok(());
    };
    depart(b, 6.0, 7.5);
    b.drive(&home)?;
    b.dwell_minutes(20.0, 30.0, true);
    for _ in 0..3 {
        let leg = b.estimate(&dest);
        if !b.fits(2.0 * leg, 2.0 * 3600.0) {
            break;
        }
        b.drive(&dest)?;
        b.dwell_minutes(40.0, 75.0, false);
        b.drive(&home)?;
        b.dwell_minutes(30.0, 50.0, false);
    }
    Ok(())
}

fn charter_day(b: &mut Builder<'_>) -> Result<(), WorldError> {
    let Some(pickup) = home_station(b.world, &b.here).cloned() else {
        return Ok(());
    };
    // A third of the charter fleet runs commuter shuttles on urban routes, every day.
    if b.profile.index.is_multiple_of(3) {
        let centre = b.world.place("ST_JIANGCHENG")?.clone();
        let park = b.world.place("FR_LOGISTICS")?.clone();
        for (from_h, to_h) in [(6.5, 7.2), (17.0, 17.6)] {
            depart(b, from_h, to_h);
            b.drive(&centre)?;
            b.dwell_minutes(8.0, 15.0, true);
            b.drive(&park)?;
            b.dwell_minutes(8.0, 15.0, true);
            b.drive(&centre)?;
            b.dwell_minutes(5.0, 10.0, true);
            let depot = b.world.depot(
                b.profile.enterprise,
                &b.profile.region_code,
                &b.profile.enterprise_name,
                false,
            );
            b.drive(&depot)?;
        }
        return Ok(());
    }
    let scenic = b.world.places_of(PlaceKind::Scenic);
    let Some(spot) = scenic
        .get(b.rng.random_range(0..scenic.len().max(1)))
        .copied()
    else {
        return Ok(());
    };
    let spot = spot.clone();
    depart(b, 7.0, 8.5);
    b.drive(&pickup)?;
    b.dwell_minutes(15.0, 25.0, true);
    b.drive(&spot)?;
    b.dwell_minutes(120.0, 240.0, false);
    b.drive(&pickup)?;
    b.dwell_minutes(10.0, 15.0, true);
    Ok(())
}

fn hazmat_day(b: &mut Builder<'_>, deviate: bool) -> Result<(), WorldError> {
    let berths: Vec<Place> = ["PORT_B1", "PORT_B2"]
        .iter()
        .filter_map(|id| b.world.place(id).ok().cloned())
        .collect();
    let plants: Vec<Place> = b
        .world
        .places_of(PlaceKind::HazmatPlant)
        .into_iter()
        .cloned()
        .collect();
    if berths.is_empty() || plants.is_empty() {
        return Ok(());
    }
    depart(b, 6.0, 8.0);
    for run in 0..3 {
        let berth = berths[b.rng.random_range(0..berths.len())].clone();
        let plant = plants[b.rng.random_range(0..plants.len())].clone();
        let there = b.estimate(&berth);
        let back = b.world.route(&berth, &plant, b.opts)?.time_at_limits_s() / 0.8;
        if !b.fits(there + 2.0 * back, 3.0 * 3600.0) {
            break;
        }
        b.drive(&berth)?;
        b.dwell_minutes(40.0, 70.0, false);
        if deviate && run == 0 {
            deviation_run(b, &plant)?;
        } else {
            b.drive(&plant)?;
        }
        b.dwell_minutes(40.0, 60.0, false);
    }
    Ok(())
}

/// A loaded run from the port to `plant` through the city centre, off the permitted network.
fn deviation_run(b: &mut Builder<'_>, plant: &Place) -> Result<(), WorldError> {
    let waypoint = b.world.junction("J_U3")?;
    let free = RouteOptions {
        truck: true,
        hazmat_only: false,
    };
    let route = b.world.route_via(&[&b.here, &waypoint, plant], free)?;
    let first = b.steps.len();
    b.drive_route(route, plant);
    // The window where the vehicle is clearly off the network (beyond a 500 m corridor),
    // sampled along the timed segments.
    let mut off: Vec<(DateTime<Utc>, LonLat)> = Vec::new();
    let mut roads = Vec::new();
    for step in &b.steps[first..] {
        let Activity::Drive(segs) = &step.activity else {
            continue;
        };
        for s in segs {
            for k in 0..=10 {
                let t = s.start + (s.end - s.start) * k / 10;
                let (p, _) = s.at(t);
                if b.world.distance_to_hazmat_network_m(p) > 500.0 {
                    off.push((t, p));
                    if let Some(r) = s.road.and_then(|r| b.world.roads.get(r)) {
                        if !roads.contains(&r.name) {
                            roads.push(r.name.clone());
                        }
                    }
                }
            }
        }
    }
    if let (Some(a), Some(z)) = (off.first(), off.last()) {
        b.violations.push(Violation {
            kind: ViolationKind::HazmatDeviation,
            start: a.0,
            end: z.0,
            details: serde_json::json!({
                "roads": roads,
                "waypoint": waypoint.id,
                "to": plant.id,
                "corridor_m": 500,
            }),
        });
    }
    Ok(())
}

fn freight_day(b: &mut Builder<'_>) -> Result<(), WorldError> {
    let mut sites: Vec<Place> = b
        .world
        .places
        .iter()
        .filter(|p| p.kind == PlaceKind::Freight || matches!(p.id.as_str(), "PORT_B3" | "PORT_B4"))
        .cloned()
        .collect();
    if b.profile.class == VehicleClass::Tractor {
        sites.extend(
            b.world
                .places_of(PlaceKind::ExternalStation)
                .into_iter()
                .filter(|p| p.id == "EX_MAOMING")
                .cloned(),
        );
    }
    if sites.is_empty() {
        return Ok(());
    }
    depart(b, 5.5, 8.0);
    for _ in 0..4 {
        let mut next = sites[b.rng.random_range(0..sites.len())].clone();
        if next.id == b.here.id {
            next = sites[(b.profile.index + 1) % sites.len()].clone();
        }
        let leg = b.estimate(&next);
        if !b.fits(2.0 * leg, 2.5 * 3600.0) {
            break;
        }
        b.drive(&next)?;
        b.dwell_minutes(30.0, 60.0, false);
    }
    Ok(())
}

/// Round trips with only short stops until continuous driving is well past 4 h.
fn fatigue_day(b: &mut Builder<'_>) -> Result<(), WorldError> {
    let Some(home) = home_station(b.world, &b.here).cloned() else {
        return Ok(());
    };
    let dest = match b.profile.class {
        VehicleClass::Coach => line_destination(b.world, b.profile, &home).cloned(),
        _ => b.world.place("SC_LINGXIAO").ok().cloned(),
    };
    let Some(dest) = dest else { return Ok(()) };
    depart(b, 6.5, 7.0);
    b.drive(&home)?;
    b.dwell_minutes(20.0, 25.0, true);
    b.rests = false;
    let target = b.rng.random_range(4.4..5.0) * 3600.0;
    let mut out = true;
    while b.cont_s < target {
        let to = if out { dest.clone() } else { home.clone() };
        b.drive(&to)?;
        out = !out;
        if b.cont_s < target {
            // Too short to count as rest.
            b.dwell_minutes(5.0, 10.0, true);
        }
    }
    let block_start = b.cont_start;
    let over_from = b.four_hours_at;
    let continuous = b.cont_s;
    let end = b.t;
    b.dwell_minutes(30.0, 45.0, false);
    b.rests = true;
    if let (Some(start), Some(over)) = (block_start, over_from) {
        b.violations.push(Violation {
            kind: ViolationKind::Fatigue,
            start: over,
            end,
            details: serde_json::json!({
                "continuous_start": start,
                "continuous_driving_min": (continuous / 60.0).round(),
                "limit_min": 240,
            }),
        });
    }
    if !out {
        b.drive(&home)?;
    }
    Ok(())
}

/// A long-distance coach that leaves around 01:00 and runs through 02:00–05:00, resting
/// as the night fatigue rule requires, so that the night ban is its only violation.
fn night_ban_day(b: &mut Builder<'_>) -> Result<(), WorldError> {
    let Some(home) = home_station(b.world, &b.here).cloned() else {
        return Ok(());
    };
    let Ok(dest) = b.world.place("EX_GUANGZHOU").cloned() else {
        return Ok(());
    };
    depart(b, 1.0, 1.5);
    b.drive(&home)?;
    b.dwell_minutes(10.0, 15.0, true);
    let from = b.steps.len();
    b.drive(&dest)?;
    let (ban_start, ban_end) = (b.local(2.0), b.local(5.0));
    let mut first = None;
    let mut last = None;
    for s in b.steps[from..].iter() {
        if let Activity::Drive(_) = s.activity {
            if s.end > ban_start && s.start < ban_end {
                first = first.or(Some(s.start.max(ban_start)));
                last = Some(s.end.min(ban_end));
            }
        }
    }
    if let (Some(start), Some(end)) = (first, last) {
        b.violations.push(Violation {
            kind: ViolationKind::NightBan,
            start,
            end,
            details: serde_json::json!({
                "line_km": b.profile.line_km,
                "to": dest.id,
                "window": "02:00-05:00",
            }),
        });
    }
    b.dwell_until(b.local(9.0).max(b.t + secs(3.0 * 3600.0)), false);
    b.drive(&home)?;
    b.dwell_minutes(20.0, 30.0, false);
    Ok(())
}

/// Scenarios that change what the terminal sends, not how the vehicle moves: placed on the
/// longest drive of the day.
fn add_reporting_effects(plan: &mut DayPlan, kind: ViolationKind, rng: &mut StdRng) {
    use ViolationKind as K;
    if !matches!(
        kind,
        K::SignalShielding | K::Drift | K::TimeTampering | K::Offline
    ) {
        return;
    }
    let Some(step) = plan
        .steps
        .iter()
        .filter(|s| matches!(s.activity, Activity::Drive(_)))
        .max_by_key(|s| s.end - s.start)
    else {
        return;
    };
    let len = dur_s(step.start, step.end);
    if len < 600.0 {
        return;
    }
    let dist_at = |t: DateTime<Utc>| -> (LonLat, f64) {
        match &step.activity {
            Activity::Drive(segs) => {
                let i = segs.partition_point(|s| s.start <= t).saturating_sub(1);
                segs.get(i).map_or((step.at, 0.0), |s| s.at(t))
            }
            _ => (step.at, 0.0),
        }
    };
    let (violation, effect) = match kind {
        K::SignalShielding => {
            let start = step.start + secs(len * 0.2);
            let minutes = rng.random_range(15.0..40.0_f64).min(len * 0.6 / 60.0);
            let end = start + secs(minutes * 60.0);
            let silent = rng.random_bool(0.5);
            let (a, da) = dist_at(start);
            let (z, dz) = dist_at(end);
            let effect = if silent {
                Effect::Silence { start, end }
            } else {
                Effect::GnssInvalid { start, end }
            };
            (
                Violation {
                    kind,
                    start,
                    end,
                    details: serde_json::json!({
                        "mode": if silent { "silence" } else { "gnss_invalid" },
                        "moved_km": ((dz - da) / 100.0).round() / 10.0,
                        "jump_km": (a.distance_m(z) / 100.0).round() / 10.0,
                    }),
                },
                effect,
            )
        }
        K::Drift => {
            let at = step.start + secs(len * 0.5);
            let distance_m: f64 = rng.random_range(8_000.0..30_000.0);
            let bearing_deg: f64 = rng.random_range(0.0..360.0);
            (
                Violation {
                    kind,
                    start: at,
                    end: at,
                    details: serde_json::json!({
                        "jump_km": (distance_m / 100.0_f64).round() / 10.0,
                        "bearing_deg": bearing_deg.round(),
                    }),
                },
                Effect::Drift {
                    at,
                    bearing_deg,
                    distance_m,
                },
            )
        }
        K::TimeTampering => {
            let start = step.start + secs(len * 0.1);
            let end = start + secs(rng.random_range(30.0..60.0) * 60.0);
            let hours = rng.random_range(2..=8) * if rng.random_bool(0.5) { 1 } else { -1 };
            (
                Violation {
                    kind,
                    start,
                    end,
                    details: serde_json::json!({ "offset_hours": hours }),
                },
                Effect::TimeShift {
                    start,
                    end,
                    offset_s: i64::from(hours) * 3600,
                },
            )
        }
        _ => {
            let start = step.start + secs(len * 0.1);
            let end = start + secs(rng.random_range(30.0..90.0) * 60.0);
            let (a, _) = dist_at(start);
            (
                Violation {
                    kind,
                    start,
                    end,
                    details: serde_json::json!({
                        "minutes": (dur_s(start, end) / 60.0).round(),
                        "last_lon": a.lon,
                        "last_lat": a.lat,
                    }),
                },
                Effect::Offline { start, end },
            )
        }
    };
    plan.violations.push(violation);
    plan.effects.push(effect);
}
