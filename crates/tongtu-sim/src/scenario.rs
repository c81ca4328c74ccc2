//! Deliberate violations: which vehicle-days get one, what the simulator changes to produce
//! it, and the scenario log (JSON lines) that tests compare with the platform's alarms.
//!
//! Thresholds follow `shared/DOMAIN.md`: speeding is above the road limit for more than 30 s,
//! fatigue is more than 4 h of continuous driving by day (2 h at night, 22:00–06:00) without a
//! stop of at least 20 min, the night ban covers 02:00–05:00 for passenger lines over 200 km,
//! offline is silence for more than 20 min while in operation, drift is an implied speed
//! above 160 km/h.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::plan::{mix, VehicleClass, VehicleProfile};

/// Kinds of deliberate violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// 10–45 % above the road limit on one stretch of at least a minute, by day.
    Speeding,
    /// Continuous driving well beyond 4 h by day (passenger vehicles).
    Fatigue,
    /// A long-distance coach running between 02:00 and 05:00.
    NightBan,
    /// Reports stop (or lose their fix) while moving and resume elsewhere.
    SignalShielding,
    /// One fix jumps 8–30 km away and back.
    Drift,
    /// Device time off by hours for a while.
    TimeTampering,
    /// The terminal disconnects for 30–90 min while in operation.
    Offline,
    /// A hazardous-goods run leaves the permitted network through the city centre.
    HazmatDeviation,
}

impl ViolationKind {
    pub const ALL: [ViolationKind; 8] = [
        ViolationKind::Speeding,
        ViolationKind::Fatigue,
        ViolationKind::NightBan,
        ViolationKind::SignalShielding,
        ViolationKind::Drift,
        ViolationKind::TimeTampering,
        ViolationKind::Offline,
        ViolationKind::HazmatDeviation,
    ];

    /// The snake_case name used in the log and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Speeding => "speeding",
            ViolationKind::Fatigue => "fatigue",
            ViolationKind::NightBan => "night_ban",
            ViolationKind::SignalShielding => "signal_shielding",
            ViolationKind::Drift => "drift",
            ViolationKind::TimeTampering => "time_tampering",
            ViolationKind::Offline => "offline",
            ViolationKind::HazmatDeviation => "hazmat_deviation",
        }
    }

    /// Parses [`ViolationKind::as_str`] names.
    pub fn parse(s: &str) -> Option<ViolationKind> {
        ViolationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether this kind can happen to `p` at all (fatigue and the night ban are passenger
    /// rules; the night ban exempts lines of 200 km or less; the route rule is for hazmat).
    pub fn applies_to(self, p: &VehicleProfile) -> bool {
        match self {
            ViolationKind::Fatigue => p.class.is_passenger(),
            ViolationKind::NightBan => {
                p.class == VehicleClass::Coach && p.line_km.is_some_and(|km| km > 200)
            }
            ViolationKind::HazmatDeviation => p.class == VehicleClass::Hazmat,
            _ => true,
        }
    }
}

/// Chooses the violation (if any) of vehicle `p` on local day number `day` (days since
/// 1970-01-01): a vehicle-day gets one with probability `rate`, deterministically from
/// `seed`. `force` makes every eligible vehicle-day use that kind (for tests and demos).
pub fn pick(
    seed: u64,
    p: &VehicleProfile,
    day: i64,
    rate: f64,
    force: Option<ViolationKind>,
) -> Option<ViolationKind> {
    if !p.active {
        return None;
    }
    if let Some(k) = force {
        return k.applies_to(p).then_some(k);
    }
    let mut rng = StdRng::seed_from_u64(mix(&[seed, p.index as u64, day as u64, 0x5CE7]));
    if !rng.random_bool(rate.clamp(0.0, 1.0)) {
        return None;
    }
    let eligible: Vec<_> = ViolationKind::ALL
        .into_iter()
        .filter(|k| k.applies_to(p))
        .collect();
    eligible.get(rng.random_range(0..eligible.len())).copied()
}

/// A planned violation of one vehicle: what, when (simulated UTC) and the figures that
/// describe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub details: serde_json::Value,
}

/// How a violation changes what the terminal reports (the motion itself is planned).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// No reports at all: jammed GNSS and mobile network.
    Silence {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Reports continue without a fix: frozen position, GNSS speed 0, recorder speed and
    /// odometer still moving.
    GnssInvalid {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// The terminal drops its connection and sends nothing.
    Offline {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// The first fix at or after `at` is displaced.
    Drift {
        at: DateTime<Utc>,
        bearing_deg: f64,
        distance_m: f64,
    },
    /// Device time is shifted by `offset_s`.
    TimeShift {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        offset_s: i64,
    },
}

/// One line of the scenario log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioRecord {
    /// Index of the vehicle in the generated fleet (registry ids follow seeding order).
    pub vehicle_index: usize,
    pub plate: String,
    pub plate_color: u8,
    pub phone: String,
    pub vehicle_class: VehicleClass,
    pub kind: ViolationKind,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// False when the run stopped before the violation's planned end.
    pub complete: bool,
    pub details: serde_json::Value,
}

impl ScenarioRecord {
    pub fn new(p: &VehicleProfile, v: &Violation, complete: bool) -> ScenarioRecord {
        ScenarioRecord {
            vehicle_index: p.index,
            plate: p.plate.clone(),
            plate_color: p.plate_color,
            phone: p.phone.clone(),
            vehicle_class: p.class,
            kind: v.kind,
            start: v.start,
            end: v.end,
            complete,
            details: v.details.clone(),
        }
    }
}

/// Appends scenario records as JSON lines; shared by every vehicle task.
pub struct ScenarioLog {
    out: Mutex<Option<BufWriter<File>>>,
    records: Mutex<Vec<ScenarioRecord>>,
}

impl ScenarioLog {
    /// A log that only keeps records in memory.
    pub fn in_memory() -> ScenarioLog {
        ScenarioLog {
            out: Mutex::new(None),
            records: Mutex::new(Vec::new()),
        }
    }

    /// A log that also appends to `path`.
    pub fn to_file(path: &Path) -> std::io::Result<ScenarioLog> {
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(ScenarioLog {
            out: Mutex::new(Some(BufWriter::new(f))),
            records: Mutex::new(Vec::new()),
        })
    }

    /// Records one violation; the line is flushed at once so a crashed run still has it.
    pub fn append(&self, r: ScenarioRecord) {
        if let Ok(mut out) = self.out.lock() {
            if let Some(w) = out.as_mut() {
                let line = serde_json::to_string(&r).unwrap_or_default();
                if let Err(e) = writeln!(w, "{line}").and_then(|_| w.flush()) {
                    tracing::warn!(error = %e, "writing the scenario log failed");
                }
            }
        }
        if let Ok(mut rs) = self.records.lock() {
            rs.push(r);
        }
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<ScenarioRecord> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::profiles;

    #[test]
    fn rate_sets_the_share_of_vehicle_days_and_kinds_fit_the_vehicle() {
        let ps = profiles(&crate::fleet::generate(5, 3000));
        let active = ps.iter().filter(|p| p.active).count() as f64;
        for rate in [0.0, 0.1, 0.5] {
            let picked: Vec<_> = ps
                .iter()
                .filter_map(|p| pick(9, p, 740_000, rate, None).map(|k| (p, k)))
                .collect();
            let share = picked.len() as f64 / active;
            assert!((share - rate).abs() < 0.03, "rate {rate}: share {share}");
            assert!(picked.iter().all(|(p, k)| k.applies_to(p)));
        }
        // Deterministic per seed and day, different across days.
        let a: Vec<_> = ps.iter().map(|p| pick(9, p, 1, 0.3, None)).collect();
        assert_eq!(
            a,
            ps.iter()
                .map(|p| pick(9, p, 1, 0.3, None))
                .collect::<Vec<_>>()
        );
        assert_ne!(
            a,
            ps.iter()
                .map(|p| pick(9, p, 2, 0.3, None))
                .collect::<Vec<_>>()
        );
        // Forcing a kind only reaches the vehicles it applies to.
        let night: Vec<_> = ps
            .iter()
            .filter(|p| pick(9, p, 1, 0.0, Some(ViolationKind::NightBan)).is_some())
            .collect();
        assert!(!night.is_empty());
        assert!(night.iter().all(|p| p.line_km > Some(200)));
    }

    #[test]
    fn the_log_is_one_json_object_per_line() {
        let path =
            std::env::temp_dir().join(format!("tongtu-sim-log-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ps = profiles(&crate::fleet::generate(5, 10));
        let log = ScenarioLog::to_file(&path).expect("open log");
        let v = Violation {
            kind: ViolationKind::Drift,
            start: DateTime::<Utc>::UNIX_EPOCH,
            end: DateTime::<Utc>::UNIX_EPOCH,
            details: serde_json::json!({ "jump_km": 12.5 }),
        };
        log.append(ScenarioRecord::new(&ps[0], &v, true));
        log.append(ScenarioRecord::new(&ps[1], &v, false));
        let text = std::fs::read_to_string(&path).expect("read log");
        let _ = std::fs::remove_file(&path);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["kind"], "drift");
        assert_eq!(lines[0]["plate"], ps[0].plate.as_str());
        assert_eq!(lines[1]["complete"], false);
        assert_eq!(lines[0]["details"]["jump_km"], 12.5);
        assert_eq!(log.records().len(), 2);
        assert_eq!(
            ViolationKind::parse("night_ban"),
            Some(ViolationKind::NightBan)
        );
        assert_eq!(ViolationKind::parse("nope"), None);
    }
}
