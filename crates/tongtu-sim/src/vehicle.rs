//! One simulated vehicle as a pure, seedable state machine: [`VehicleSim::step`] yields the
//! fixes its terminal would record, in time order, at the reporting intervals of its state
//! (10–30 s moving, 30 s idling, 5 min parked), with ignition, fix validity, odometer, fuel,
//! signal strength and satellites, and with the day's scenario applied. No I/O: tests run a
//! day of it in milliseconds, the runner sends what it yields.

use std::sync::Arc;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::Serialize;
use tongtu_jt808::msg::{STATUS_ACC_ON, STATUS_FIXED};
use tongtu_jt808::{utc_to_device_time, Extra, Location};

use crate::plan::{local_day, mix, plan_day, unit, Activity, DayPlan, PlanInput, VehicleProfile};
use crate::scenario::{pick, Effect, Violation, ViolationKind};
use crate::world::{LonLat, World, WorldError};

/// Simulation settings shared by every vehicle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Share of vehicle-days with a deliberate violation (0..=1).
    pub scenario_rate: f64,
    /// Every eligible vehicle-day gets this violation (tests, demos).
    pub force_scenario: Option<ViolationKind>,
    /// Overrides the class's moving interval (s), e.g. coarser for a month of backfill.
    pub moving_interval_s: Option<u32>,
    /// Interval while standing with the ignition on (s).
    pub idle_interval_s: u32,
    /// Interval while parked with the ignition off (s).
    pub parked_interval_s: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 20260101,
            scenario_rate: 0.0,
            force_scenario: None,
            moving_interval_s: None,
            idle_interval_s: 30,
            parked_interval_s: 300,
        }
    }
}

/// One recorded position, before encoding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// True (simulated) time of the fix.
    pub time: DateTime<Utc>,
    /// What the device clock says (differs under time tampering).
    pub device_time: DateTime<Utc>,
    pub lon: f64,
    pub lat: f64,
    pub altitude_m: u16,
    /// GNSS speed (km/h).
    pub speed_kmh: f64,
    /// The limit for this vehicle on the current road (km/h), 0 when standing.
    pub limit_kmh: f64,
    pub direction: u16,
    pub acc_on: bool,
    pub gnss_valid: bool,
    /// Odometer, 0.1 km.
    pub mileage: u32,
    /// Fuel, 0.1 L.
    pub fuel: u16,
    /// Driving-recorder speed (km/h), sent while the GNSS fix is lost.
    pub recorder_speed_kmh: Option<f64>,
    pub signal: u8,
    pub satellites: u8,
    pub alarm: u32,
    /// Recorded without mobile coverage: to be uploaded later as a 0x0704 blind-area batch.
    pub buffered: bool,
}

impl Fix {
    pub fn moving(&self) -> bool {
        self.speed_kmh > 0.0 || self.recorder_speed_kmh.is_some_and(|s| s > 0.0)
    }

    /// The 0x0200 body of this fix.
    pub fn to_location(&self) -> Location {
        let mut status = 0;
        if self.acc_on {
            status |= STATUS_ACC_ON;
        }
        if self.gnss_valid {
            status |= STATUS_FIXED;
        }
        let mut extras = vec![Extra::Mileage(self.mileage), Extra::Fuel(self.fuel)];
        if let Some(s) = self.recorder_speed_kmh {
            extras.push(Extra::RecorderSpeed(
                (s * 10.0).round().clamp(0.0, 65535.0) as u16
            ));
        }
        extras.push(Extra::SignalStrength(self.signal));
        extras.push(Extra::Satellites(self.satellites));
        Location {
            alarm: self.alarm,
            status,
            // The demo city is north and east: both hemisphere bits stay clear.
            lat: (self.lat.abs() * 1e6).round() as u32,
            lon: (self.lon.abs() * 1e6).round() as u32,
            altitude: self.altitude_m,
            speed: (self.speed_kmh * 10.0).round().clamp(0.0, 65535.0) as u16,
            direction: self.direction % 360,
            time: Some(utc_to_device_time(self.device_time)),
            extras,
            malformed_tail: Vec::new(),
        }
    }
}

/// What the vehicle is doing at an instant.
struct Kinematics {
    pos: LonLat,
    speed_kmh: f64,
    limit_kmh: f64,
    heading: Option<f64>,
    acc_on: bool,
    moving: bool,
    /// Distance driven this plan so far (m).
    dist_m: f64,
}

/// A simulated vehicle.
pub struct VehicleSim {
    world: Arc<World>,
    profile: Arc<VehicleProfile>,
    cfg: SimConfig,
    /// Violations that ended before this instant are not reported.
    started: DateTime<Utc>,
    plan: DayPlan,
    /// Odometer (m) and fuel (L) when the current plan started.
    base_odometer_m: f64,
    base_fuel_l: f64,
    next_due: DateTime<Utc>,
    last_heading: f64,
    drift_done: bool,
    pending: Vec<Violation>,
}

impl VehicleSim {
    /// A vehicle whose first fix is due shortly after `start` (phases are spread so that a
    /// fleet does not report in lock-step).
    pub fn new(
        world: Arc<World>,
        profile: Arc<VehicleProfile>,
        cfg: SimConfig,
        start: DateTime<Utc>,
    ) -> Result<VehicleSim, WorldError> {
        let plan = Self::plan(&world, &profile, &cfg, start, None)?;
        let h = mix(&[cfg.seed, profile.index as u64, 0x0D0]);
        let base_odometer_m = (30_000.0 + (h % 500_000) as f64) * 1000.0;
        let base_fuel_l = profile.tank_l() * (0.5 + unit(&[h, 1]) * 0.45);
        let phase = (h % 10_000) as f64 / 10_000.0 * 10.0;
        let mut sim = VehicleSim {
            world,
            profile,
            cfg,
            started: start,
            pending: Vec::new(),
            plan,
            base_odometer_m,
            base_fuel_l,
            next_due: start + TimeDelta::milliseconds((phase * 1000.0) as i64),
            last_heading: (h % 360) as f64,
            drift_done: false,
        };
        sim.take_plan_violations();
        Ok(sim)
    }

    fn plan(
        world: &World,
        profile: &VehicleProfile,
        cfg: &SimConfig,
        at: DateTime<Utc>,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<DayPlan, WorldError> {
        let day = local_day(at);
        let scenario = pick(
            cfg.seed,
            profile,
            i64::from(day.num_days_from_ce()),
            cfg.scenario_rate,
            cfg.force_scenario,
        );
        plan_day(
            world,
            PlanInput {
                profile,
                seed: cfg.seed,
                day,
                not_before,
                scenario,
            },
        )
    }

    fn take_plan_violations(&mut self) {
        let started = self.started;
        self.pending.extend(
            self.plan
                .violations
                .iter()
                // A violation already running at the start still shapes what is sent
                // (an offline window keeps the terminal away), so it is logged too.
                .filter(|v| v.end > started)
                .cloned(),
        );
    }

    pub fn profile(&self) -> &VehicleProfile {
        &self.profile
    }

    /// The plan of the current day.
    pub fn current_plan(&self) -> &DayPlan {
        &self.plan
    }

    /// When the next fix is due.
    pub fn next_due(&self) -> DateTime<Utc> {
        self.next_due
    }

    /// Makes a fix due at `now` (a terminal reports its position right after logging in).
    pub fn report_now(&mut self, now: DateTime<Utc>) {
        self.next_due = self.next_due.min(now);
    }

    /// False while the scenario keeps the terminal disconnected.
    pub fn online_wanted(&self, now: DateTime<Utc>) -> bool {
        !self.plan.effects.iter().any(|e| match e {
            Effect::Offline { start, end } => *start <= now && now < *end,
            _ => false,
        })
    }

    /// Violations that are over by `now` (each returned once).
    pub fn take_finished(&mut self, now: DateTime<Utc>) -> Vec<Violation> {
        let (done, rest): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|v| v.end <= now);
        self.pending = rest;
        done
    }

    /// Violations that started by `now` but are not over (at shutdown).
    pub fn take_started(&mut self, now: DateTime<Utc>) -> Vec<Violation> {
        let (started, rest): (Vec<_>, Vec<_>) =
            self.pending.drain(..).partition(|v| v.start <= now);
        self.pending = rest;
        started
    }

    fn advance_plan(&mut self) -> Result<(), WorldError> {
        let end = self.plan.end;
        let km = self.plan.distance_m / 1000.0;
        let tank = self.profile.tank_l();
        let mut fuel = (self.base_fuel_l - km * self.profile.consumption_l100() / 100.0).max(0.0);
        if fuel < tank * 0.45 {
            // Filled up at the depot before the next day.
            fuel = tank * 0.95;
        }
        self.base_odometer_m += self.plan.distance_m;
        self.base_fuel_l = fuel;
        self.plan = Self::plan(&self.world, &self.profile, &self.cfg, end, Some(end))?;
        self.drift_done = false;
        self.take_plan_violations();
        Ok(())
    }

    fn kinematics(&self, t: DateTime<Utc>) -> Kinematics {
        let Some(step) = self.plan.step_at(t) else {
            return Kinematics {
                pos: self.plan.depot.at,
                speed_kmh: 0.0,
                limit_kmh: 0.0,
                heading: None,
                acc_on: false,
                moving: false,
                dist_m: self.plan.distance_m,
            };
        };
        let dist_before = |step_start: DateTime<Utc>| {
            // Distance at a standing step: everything driven before it.
            self.plan
                .segments()
                .take_while(|s| s.end <= step_start)
                .last()
                .map_or(0.0, |s| s.dist_before_m + s.length_m)
        };
        match &step.activity {
            Activity::Drive(segs) => {
                let i = segs.partition_point(|s| s.start <= t).saturating_sub(1);
                match segs.get(i) {
                    Some(s) => {
                        let (pos, dist_m) = s.at(t);
                        // Small, deterministic speed noise, never above the planned
                        // ceiling for law-abiding segments.
                        let n = unit(&[
                            self.cfg.seed,
                            self.profile.index as u64,
                            t.timestamp() as u64,
                        ]);
                        let mut v = s.speed_kmh * (0.97 + 0.05 * n);
                        if s.speed_kmh <= s.limit_kmh {
                            v = v.min(s.limit_kmh * 0.97);
                        }
                        Kinematics {
                            pos,
                            speed_kmh: v,
                            limit_kmh: s.limit_kmh,
                            heading: Some(s.heading()),
                            acc_on: true,
                            moving: true,
                            dist_m,
                        }
                    }
                    None => Kinematics {
                        pos: step.at,
                        speed_kmh: 0.0,
                        limit_kmh: 0.0,
                        heading: None,
                        acc_on: true,
                        moving: false,
                        dist_m: dist_before(step.start),
                    },
                }
            }
            a => Kinematics {
                pos: step.at,
                speed_kmh: 0.0,
                limit_kmh: 0.0,
                heading: None,
                acc_on: matches!(a, Activity::Idle),
                moving: false,
                dist_m: dist_before(step.start),
            },
        }
    }

    fn interval(&self, k: &Kinematics) -> TimeDelta {
        let s = if k.moving {
            self.cfg
                .moving_interval_s
                .unwrap_or(self.profile.class.moving_interval_s())
        } else if k.acc_on {
            self.cfg.idle_interval_s
        } else {
            self.cfg.parked_interval_s
        };
        TimeDelta::seconds(i64::from(s.max(1)))
    }

    /// The next fix due at or before `now`, or `None` when nothing is due yet. Call it in a
    /// loop to catch up after a pause; fixes come in time order.
    pub fn step(&mut self, now: DateTime<Utc>) -> Option<Fix> {
        loop {
            let t = self.next_due;
            if t > now {
                return None;
            }
            if t >= self.plan.end {
                if let Err(e) = self.advance_plan() {
                    tracing::warn!(vehicle = %self.profile.plate, error = %e, "planning failed; parking");
                    // Without a plan the vehicle keeps reporting parked at the depot.
                    self.plan.end = t + TimeDelta::days(1);
                }
                continue;
            }
            let k = self.kinematics(t);
            let mut next = t + self.interval(&k);
            // Do not sleep through the start of a drive.
            if !k.moving {
                if let Some(s) = self
                    .plan
                    .steps
                    .iter()
                    .find(|s| s.start > t && matches!(s.activity, Activity::Drive(_)))
                {
                    next = next.min(s.start);
                }
            }
            // A terminal coming back from silence reports at once, not at its next slot.
            if let Some(end) = self.silent_until(t) {
                next = next.min(end);
            }
            self.next_due = next;
            if let Some(fix) = self.fix_at(t, &k) {
                return Some(fix);
            }
        }
    }

    /// End of the offline or silence window covering `t`.
    fn silent_until(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.plan.effects.iter().find_map(|e| match *e {
            Effect::Offline { start, end } | Effect::Silence { start, end }
                if start <= t && t < end =>
            {
                Some(end)
            }
            _ => None,
        })
    }

    fn fix_at(&mut self, t: DateTime<Utc>, k: &Kinematics) -> Option<Fix> {
        let mut gnss_invalid_since = None;
        let mut offset_s = 0;
        for e in &self.plan.effects {
            match *e {
                Effect::Offline { start, end } | Effect::Silence { start, end }
                    if start <= t && t < end =>
                {
                    return None;
                }
                Effect::GnssInvalid { start, end } if start <= t && t < end => {
                    gnss_invalid_since = Some(start);
                }
                Effect::TimeShift {
                    start,
                    end,
                    offset_s: o,
                } if start <= t && t < end => offset_s = o,
                _ => {}
            }
        }
        let seed = mix(&[
            self.cfg.seed,
            self.profile.index as u64,
            t.timestamp() as u64,
        ]);
        let mut pos = k.pos;
        if !self.drift_done {
            let drift = self.plan.effects.iter().find_map(|e| match *e {
                Effect::Drift {
                    at,
                    bearing_deg,
                    distance_m,
                } if at <= t => Some((at, bearing_deg, distance_m)),
                _ => None,
            });
            if let Some((at, bearing, dist)) = drift {
                self.drift_done = true;
                pos = pos.offset_m(bearing, dist);
                // Log the fix that actually carries the jump.
                for v in self.pending.iter_mut() {
                    if v.kind == ViolationKind::Drift && v.start == at {
                        v.start = t;
                        v.end = t;
                    }
                }
            }
        }
        if let Some(h) = k.heading {
            self.last_heading = h;
        }
        let odometer_m = self.base_odometer_m + k.dist_m;
        let fuel_l = (self.base_fuel_l
            - k.dist_m / 1000.0 * self.profile.consumption_l100() / 100.0)
            .max(self.profile.tank_l() * 0.03);
        let buffered = self.world.blind_area_at(k.pos).is_some();
        let mut fix = Fix {
            time: t,
            device_time: t + TimeDelta::seconds(offset_s),
            lon: pos.lon,
            lat: pos.lat,
            altitude_m: altitude(pos, seed),
            speed_kmh: k.speed_kmh,
            limit_kmh: k.limit_kmh,
            direction: self.last_heading.round() as u16 % 360,
            acc_on: k.acc_on,
            gnss_valid: true,
            mileage: (odometer_m / 100.0) as u32,
            fuel: (fuel_l * 10.0).round().clamp(0.0, 65535.0) as u16,
            recorder_speed_kmh: None,
            signal: if buffered { 0 } else { 14 + (seed % 18) as u8 },
            satellites: 9 + ((seed >> 8) % 10) as u8,
            alarm: 0,
            buffered,
        };
        if let Some(since) = gnss_invalid_since {
            // The jammer hides the receiver: the device repeats its last fix, marks it
            // invalid, and the recorder speed and odometer give it away.
            let frozen = self.kinematics(since);
            fix.lon = frozen.pos.lon;
            fix.lat = frozen.pos.lat;
            fix.gnss_valid = false;
            fix.recorder_speed_kmh = Some(k.speed_kmh);
            fix.speed_kmh = 0.0;
            fix.satellites = (seed % 3) as u8;
        }
        Some(fix)
    }
}

/// Plausible terrain height: the coast is low, the north (阳春) hilly.
fn altitude(p: LonLat, seed: u64) -> u16 {
    let base = 6.0 + ((p.lat - 21.8).max(0.0) * 500.0);
    (base + (seed % 7) as f64).round().clamp(0.0, 2000.0) as u16
}
