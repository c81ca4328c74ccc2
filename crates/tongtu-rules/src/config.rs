//! Rule parameters, per vehicle class, with defaults from shared/DOMAIN.md.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::geofence::Geofence;

/// Parameters of one vehicle class (a region may override them later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassRules {
    /// Day speed limit, km/h.
    pub speed_limit_kmh: f64,
    /// Passenger vehicles get `night_speed_factor` × the limit at night.
    pub passenger: bool,
    /// Night limit factor for passenger vehicles (80 %).
    pub night_speed_factor: f64,
    /// Speeding must last longer than this to be an event, seconds.
    pub speeding_min_secs: i64,
    /// Speeding reports closer than this belong to one event, seconds.
    pub speeding_merge_secs: i64,
    /// Moving threshold for "driving", km/h.
    pub moving_kmh: f64,
    /// Continuous driving limit by day / at night, seconds.
    pub fatigue_day_secs: i64,
    /// Night continuous driving limit, seconds.
    pub fatigue_night_secs: i64,
    /// A stop at least this long resets continuous driving, seconds.
    pub min_rest_secs: i64,
    /// Accumulated driving per Beijing day, seconds.
    pub daily_driving_secs: i64,
    /// Accumulated driving in any 7 Beijing days (today and the 6 before), seconds; checked
    /// for passenger vehicles only.
    pub weekly_driving_secs: i64,
    /// Gaps longer than this between driving fixes do not count as driving time, seconds.
    pub max_driving_step_secs: i64,
    /// Subject to the 02:00–05:00 ban (long-distance passenger lines).
    pub night_ban: bool,
    /// No data this long from a vehicle in operation is offline, seconds.
    pub offline_secs: i64,
    /// A gap this long while moving, closed by a plausible jump, is suspected shielding, s.
    pub shielding_gap_secs: i64,
    /// Implied speed above this from the last good fix is drift, km/h.
    pub drift_kmh: f64,
    /// A jump farther than this within `drift_jump_window_secs` is drift, metres.
    pub drift_jump_m: f64,
    /// Window of the jump rule, seconds.
    pub drift_jump_window_secs: i64,
    /// A drift jump within this long of the end of the previous drift episode extends it
    /// instead of opening a new one, seconds. Also the merge window of `tampering` episodes
    /// raised by duplicate device times. Bad GNSS and tampered blind-area data come in
    /// bursts; one alarm per burst, not per fix.
    pub drift_merge_secs: i64,
    /// Two fixes at the same device time (or at most 1 s apart) farther apart than this are
    /// evidence of a tampered clock (two journeys interleaved), metres: `tampering`, and
    /// the later fix is excluded like a drift fix.
    pub duplicate_time_m: f64,
    /// Device time ahead of receive time by more than this is tampering, seconds.
    pub tamper_ahead_secs: i64,
    /// Non-supplementary data whose device time lags receive time by more than this, s.
    pub tamper_behind_secs: i64,
    /// This many consecutive identical coordinates while reporting speed is tampering.
    pub frozen_repeats: u32,
    /// Route deviation: a fix counts as off the route only this far beyond the fence
    /// (GNSS error, the odd side street), metres.
    pub route_tolerance_m: f64,
    /// Route deviation: off the route for at least this long opens the alarm, seconds.
    pub route_tolerance_secs: i64,
}

impl Default for ClassRules {
    fn default() -> Self {
        ClassRules {
            speed_limit_kmh: 100.0,
            passenger: false,
            night_speed_factor: 0.8,
            speeding_min_secs: 30,
            speeding_merge_secs: 60,
            moving_kmh: 5.0,
            fatigue_day_secs: 4 * 3600,
            fatigue_night_secs: 2 * 3600,
            min_rest_secs: 20 * 60,
            daily_driving_secs: 8 * 3600,
            weekly_driving_secs: 44 * 3600,
            max_driving_step_secs: 300,
            night_ban: false,
            offline_secs: 20 * 60,
            shielding_gap_secs: 300,
            drift_kmh: 160.0,
            drift_jump_m: 20_000.0,
            drift_jump_window_secs: 60,
            drift_merge_secs: 300,
            duplicate_time_m: 200.0,
            tamper_ahead_secs: 600,
            tamper_behind_secs: 3600,
            frozen_repeats: 5,
            route_tolerance_m: 50.0,
            route_tolerance_secs: 60,
        }
    }
}

/// All rule parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleConfig {
    /// Night starts at this local minute of the day (22:00).
    pub night_start_min: u32,
    /// Night ends at this local minute (06:00).
    pub night_end_min: u32,
    /// Ban window start, local minute (02:00).
    pub ban_start_min: u32,
    /// Ban window end, local minute (05:00).
    pub ban_end_min: u32,
    /// Per vehicle class (registry `vehicle_type` code).
    pub classes: HashMap<String, ClassRules>,
    /// For classes not listed.
    pub default_class: ClassRules,
    /// Regional parameters: region (GB/T 2260 division code of the vehicle's enterprise) →
    /// class → parameters, replacing the class's city-wide ones there (e.g. a mountain county
    /// with lower limits). Omitted from JSON when empty.
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    pub regions: HashMap<String, HashMap<String, ClassRules>>,
    /// Geofences (the enabled ones); omitted from JSON when empty, so the settings without
    /// fences read as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub geofences: Vec<Geofence>,
}

impl Default for RuleConfig {
    fn default() -> Self {
        let passenger = ClassRules {
            passenger: true,
            ..ClassRules::default()
        };
        let mut classes = HashMap::new();
        classes.insert(
            "coach".into(),
            ClassRules {
                night_ban: true,
                ..passenger.clone()
            },
        );
        classes.insert(
            "charter_bus".into(),
            ClassRules {
                night_ban: true,
                ..passenger.clone()
            },
        );
        classes.insert(
            "bus".into(),
            ClassRules {
                speed_limit_kmh: 60.0,
                ..passenger.clone()
            },
        );
        classes.insert(
            "taxi".into(),
            ClassRules {
                speed_limit_kmh: 120.0,
                ..passenger
            },
        );
        // Hazardous goods: 80 km/h on expressways, the highest limit they may drive at.
        classes.insert(
            "hazmat".into(),
            ClassRules {
                speed_limit_kmh: 80.0,
                ..ClassRules::default()
            },
        );
        for c in ["heavy_truck", "tractor", "truck"] {
            classes.insert(
                c.into(),
                ClassRules {
                    speed_limit_kmh: 90.0,
                    ..ClassRules::default()
                },
            );
        }
        RuleConfig {
            night_start_min: 22 * 60,
            night_end_min: 6 * 60,
            ban_start_min: 2 * 60,
            ban_end_min: 5 * 60,
            classes,
            default_class: ClassRules::default(),
            regions: HashMap::new(),
            geofences: Vec::new(),
        }
    }
}

impl RuleConfig {
    /// Rules of a class.
    pub fn class(&self, code: &str) -> &ClassRules {
        self.classes.get(code).unwrap_or(&self.default_class)
    }

    /// Rules of a class in a region: the region's own parameters for the class if it has
    /// them, else the city-wide ones.
    pub fn class_in_region(&self, code: &str, region: Option<&str>) -> &ClassRules {
        region
            .and_then(|r| self.regions.get(r))
            .and_then(|classes| classes.get(code))
            .unwrap_or_else(|| self.class(code))
    }

    /// Whether a local minute of the day is at night (the window may wrap midnight).
    pub fn is_night(&self, minute: u32) -> bool {
        in_window(minute, self.night_start_min, self.night_end_min)
    }

    /// Whether a local minute is inside the 02:00–05:00 ban window.
    pub fn is_ban(&self, minute: u32) -> bool {
        in_window(minute, self.ban_start_min, self.ban_end_min)
    }

    /// Checks every geofence and that their ids are unique (alarms are keyed by fence id).
    /// The engine skips invalid fences, so callers should validate before saving.
    pub fn validate_geofences(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for f in &self.geofences {
            f.validate()
                .map_err(|e| format!("geofence {} ({}): {e}", f.id, f.name))?;
            if !ids.insert(f.id) {
                return Err(format!("geofence id {} is used twice", f.id));
            }
        }
        Ok(())
    }
}

/// Whether minute `m` is in `[start, end)`, the window wrapping midnight when `start > end`.
pub(crate) fn in_window(m: u32, start: u32, end: u32) -> bool {
    if start <= end {
        m >= start && m < end
    } else {
        m >= start || m < end
    }
}

#[cfg(test)]
mod region_tests {
    use super::*;

    #[test]
    fn a_region_overrides_only_the_classes_it_lists() {
        let mut cfg = RuleConfig::default();
        let slow = ClassRules {
            speed_limit_kmh: 60.0,
            ..cfg.class("coach").clone()
        };
        cfg.regions.insert(
            "441781".into(),
            HashMap::from([("coach".to_string(), slow)]),
        );
        assert_eq!(
            cfg.class_in_region("coach", Some("441781")).speed_limit_kmh,
            60.0
        );
        assert_eq!(
            cfg.class_in_region("coach", Some("441702")).speed_limit_kmh,
            100.0
        );
        assert_eq!(cfg.class_in_region("coach", None).speed_limit_kmh, 100.0);
        assert_eq!(
            cfg.class_in_region("hazmat", Some("441781"))
                .speed_limit_kmh,
            80.0
        );
        let json = serde_json::to_value(&cfg).expect("json");
        let back: RuleConfig = serde_json::from_value(json).expect("back");
        assert_eq!(back, cfg);
        assert!(serde_json::to_value(RuleConfig::default())
            .expect("json")
            .get("regions")
            .is_none());
    }
}
