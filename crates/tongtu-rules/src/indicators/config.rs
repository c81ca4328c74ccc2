//! Parameters of the assessment indicators, with the defaults of shared/DOMAIN.md.
//!
//! The drift parameters default to those of the rule engine ([`ClassRules::default`]) so
//! that a fix the indicators call drift is one the `drift` alarm also calls drift.

use serde::{Deserialize, Serialize};

use crate::config::ClassRules;

use super::IndicatorError;

/// All indicator parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndicatorConfig {
    /// A segment between consecutive track fixes is incomplete when its time gap exceeds
    /// this AND its distance exceeds `gap_m`, seconds (300).
    pub gap_secs: i64,
    /// Distance condition of the gap rule, metres (2 000).
    pub gap_m: f64,
    /// A fix whose implied speed from the last good fix exceeds this is drift, km/h (160,
    /// the engine's `drift_kmh`).
    pub drift_kmh: f64,
    /// A jump farther than this within `drift_jump_window_secs` is drift too, metres
    /// (20 000, the engine's `drift_jump_m`); `None` disables the jump rule.
    pub drift_jump_m: Option<f64>,
    /// Window of the jump rule, seconds (60).
    pub drift_jump_window_secs: i64,
    /// A vehicle with at least this many drift fixes in the period is a drift vehicle (1).
    pub drift_vehicle_min_fixes: u64,
    /// Plausibility ranges of a qualified record.
    pub record: RecordRanges,
    /// A gap between consecutive received (non-supplementary) records up to this long
    /// counts as online time, seconds (600).
    pub online_gap_secs: i64,
    /// Targets: whether a group meets each indicator (rankings flag those below).
    pub targets: Targets,
    /// Where rate indicators score zero and the drift slope; shared by both scores.
    pub floors: ScoreFloors,
    /// The enterprise 100-point score.
    pub enterprise_score: Weights,
    /// The bureau platform score.
    pub platform_score: Weights,
}

impl Default for IndicatorConfig {
    fn default() -> Self {
        let rules = ClassRules::default();
        IndicatorConfig {
            gap_secs: 300,
            gap_m: 2_000.0,
            drift_kmh: rules.drift_kmh,
            drift_jump_m: Some(rules.drift_jump_m),
            drift_jump_window_secs: rules.drift_jump_window_secs,
            drift_vehicle_min_fixes: 1,
            record: RecordRanges::default(),
            online_gap_secs: 600,
            targets: Targets::default(),
            floors: ScoreFloors::default(),
            enterprise_score: Weights::enterprise(),
            platform_score: Weights::platform(),
        }
    }
}

/// Plausibility ranges of a qualified record (DOMAIN.md "Qualified record").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordRanges {
    /// Westernmost longitude, 1e-6 degree (73°33′E = 73 550 000).
    pub lon_min: i32,
    /// Easternmost longitude, 1e-6 degree (135°05′E = 135 083 333).
    pub lon_max: i32,
    /// Southernmost latitude, 1e-6 degree (3°51′N = 3 850 000).
    pub lat_min: i32,
    /// Northernmost latitude, 1e-6 degree (53°33′N = 53 550 000).
    pub lat_max: i32,
    /// Highest plausible speed, km/h (160; the lower bound 0 is the type's).
    pub speed_max_kmh: f64,
    /// Lowest altitude, metres (−200).
    pub altitude_min_m: i32,
    /// Highest altitude, metres (6 500).
    pub altitude_max_m: i32,
    /// Highest direction, degrees (359).
    pub direction_max: u16,
    /// Device time may be ahead of receive time by this much before the record is "in the
    /// future", seconds (600, the engine's `tamper_ahead_secs`).
    pub future_tolerance_secs: i64,
}

impl Default for RecordRanges {
    fn default() -> Self {
        RecordRanges {
            lon_min: 73_550_000,
            lon_max: 135_083_333,
            lat_min: 3_850_000,
            lat_max: 53_550_000,
            speed_max_kmh: 160.0,
            altitude_min_m: -200,
            altitude_max_m: 6_500,
            direction_max: 359,
            future_tolerance_secs: ClassRules::default().tamper_ahead_secs,
        }
    }
}

/// Targets per indicator; rates are fractions (0.95 = 95 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Targets {
    /// 车辆入网率 at least (0.90).
    pub access_rate: f64,
    /// 车辆上线率 at least (0.95).
    pub online_rate: f64,
    /// 轨迹完整率 at least (0.70).
    pub track_complete_rate: f64,
    /// 数据合格率 at least (0.80).
    pub data_qualified_rate: f64,
    /// 卫星定位漂移车辆率 at most (0.05).
    pub drift_vehicle_rate_max: f64,
    /// 平台查岗响应率 at least (0.90).
    pub check_response_rate: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            access_rate: 0.90,
            online_rate: 0.95,
            track_complete_rate: 0.70,
            data_qualified_rate: 0.80,
            drift_vehicle_rate_max: 0.05,
            check_response_rate: 0.90,
        }
    }
}

/// Where a rate scores zero, and the drift formula `weight × (1 − rate × drift_scale)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreFloors {
    /// 入网率 below this scores 0 (0.90).
    pub access_rate: f64,
    /// 上线率 below this scores 0 (0: no floor in DOMAIN.md).
    pub online_rate: f64,
    /// 轨迹完整率 below this scores 0 (0.70).
    pub track_complete_rate: f64,
    /// 数据合格率 below this scores 0 (0.80).
    pub data_qualified_rate: f64,
    /// 漂移车辆率 above this scores 0 (0.05).
    pub drift_rate_max: f64,
    /// Drift slope: the drift part is `weight × max(0, 1 − rate × drift_scale)`. 1 reads
    /// the table literally ("10 − rate×10" for 10 points); 20 falls linearly to 0 at 5 %.
    pub drift_scale: f64,
}

impl Default for ScoreFloors {
    fn default() -> Self {
        ScoreFloors {
            access_rate: 0.90,
            online_rate: 0.0,
            track_complete_rate: 0.70,
            data_qualified_rate: 0.80,
            drift_rate_max: 0.05,
            drift_scale: 1.0,
        }
    }
}

/// Points per indicator; a weight of 0 leaves the indicator out of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Weights {
    /// 入网率 × weight.
    pub access: f64,
    /// 上线率 × weight.
    pub online: f64,
    /// 轨迹完整率 × weight.
    pub track_complete: f64,
    /// 数据合格率 × weight.
    pub data_qualified: f64,
    /// Drift: see [`ScoreFloors::drift_scale`].
    pub drift: f64,
    /// Speeding, three bands against the reference average (see `score`).
    pub speeding: f64,
    /// Fatigue, three bands against the reference average.
    pub fatigue: f64,
    /// 查岗响应率 × weight.
    pub check_response: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights::enterprise()
    }
}

impl Weights {
    /// The enterprise 100-point score: 5, 5, 15, 15, 10, 20, 20, 10.
    pub fn enterprise() -> Weights {
        Weights {
            access: 5.0,
            online: 5.0,
            track_complete: 15.0,
            data_qualified: 15.0,
            drift: 10.0,
            speeding: 20.0,
            fatigue: 20.0,
            check_response: 10.0,
        }
    }

    /// The bureau platform score: 入网 5, 上线 10, 漂移 15, 轨迹完整 40, 数据合格 30.
    pub fn platform() -> Weights {
        Weights {
            access: 5.0,
            online: 10.0,
            track_complete: 40.0,
            data_qualified: 30.0,
            drift: 15.0,
            speeding: 0.0,
            fatigue: 0.0,
            check_response: 0.0,
        }
    }

    fn fields(&self) -> [(&'static str, f64); 8] {
        [
            ("access", self.access),
            ("online", self.online),
            ("track_complete", self.track_complete),
            ("data_qualified", self.data_qualified),
            ("drift", self.drift),
            ("speeding", self.speeding),
            ("fatigue", self.fatigue),
            ("check_response", self.check_response),
        ]
    }
}

fn invalid(field: impl Into<String>, expected: &str, found: impl ToString) -> IndicatorError {
    IndicatorError::Config {
        field: field.into(),
        expected: expected.into(),
        found: found.to_string(),
    }
}

fn fraction(field: &str, v: f64) -> Result<(), IndicatorError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(field, "a fraction in 0..=1", v))
    }
}

fn non_negative(field: &str, v: f64) -> Result<(), IndicatorError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(field, "a finite number ≥ 0", v))
    }
}

impl IndicatorConfig {
    /// Takes the drift parameters of a rule class, so that indicators and the `drift`
    /// alarm of that class agree on what drift is.
    pub fn with_drift_of(mut self, rules: &ClassRules) -> IndicatorConfig {
        self.drift_kmh = rules.drift_kmh;
        self.drift_jump_m = Some(rules.drift_jump_m);
        self.drift_jump_window_secs = rules.drift_jump_window_secs;
        self
    }

    /// Checks every field; the error names the field (dotted path), what was expected and
    /// what was found.
    pub fn validate(&self) -> Result<(), IndicatorError> {
        if self.gap_secs < 0 {
            return Err(invalid("gap_secs", "seconds ≥ 0", self.gap_secs));
        }
        non_negative("gap_m", self.gap_m)?;
        if !(self.drift_kmh.is_finite() && self.drift_kmh > 0.0) {
            return Err(invalid("drift_kmh", "a finite speed > 0", self.drift_kmh));
        }
        if let Some(j) = self.drift_jump_m {
            if !(j.is_finite() && j > 0.0) {
                return Err(invalid("drift_jump_m", "a finite distance > 0 or null", j));
            }
        }
        if self.drift_jump_window_secs < 0 {
            return Err(invalid(
                "drift_jump_window_secs",
                "seconds ≥ 0",
                self.drift_jump_window_secs,
            ));
        }
        if self.drift_vehicle_min_fixes == 0 {
            return Err(invalid("drift_vehicle_min_fixes", "at least 1", 0));
        }
        if self.online_gap_secs <= 0 {
            return Err(invalid(
                "online_gap_secs",
                "seconds > 0",
                self.online_gap_secs,
            ));
        }
        let r = &self.record;
        if !(-180_000_000..=180_000_000).contains(&r.lon_min) || r.lon_min > r.lon_max {
            return Err(invalid(
                "record.lon_min",
                "a longitude in 1e-6 degree ≤ record.lon_max",
                r.lon_min,
            ));
        }
        if r.lon_max > 180_000_000 {
            return Err(invalid(
                "record.lon_max",
                "a longitude ≤ 180 000 000",
                r.lon_max,
            ));
        }
        if !(-90_000_000..=90_000_000).contains(&r.lat_min) || r.lat_min > r.lat_max {
            return Err(invalid(
                "record.lat_min",
                "a latitude in 1e-6 degree ≤ record.lat_max",
                r.lat_min,
            ));
        }
        if r.lat_max > 90_000_000 {
            return Err(invalid(
                "record.lat_max",
                "a latitude ≤ 90 000 000",
                r.lat_max,
            ));
        }
        if !(r.speed_max_kmh.is_finite() && r.speed_max_kmh > 0.0) {
            return Err(invalid(
                "record.speed_max_kmh",
                "a finite speed > 0",
                r.speed_max_kmh,
            ));
        }
        if r.altitude_min_m > r.altitude_max_m {
            return Err(invalid(
                "record.altitude_min_m",
                "≤ record.altitude_max_m",
                r.altitude_min_m,
            ));
        }
        if r.direction_max > 359 {
            return Err(invalid("record.direction_max", "≤ 359", r.direction_max));
        }
        if r.future_tolerance_secs < 0 {
            return Err(invalid(
                "record.future_tolerance_secs",
                "seconds ≥ 0",
                r.future_tolerance_secs,
            ));
        }
        let t = &self.targets;
        fraction("targets.access_rate", t.access_rate)?;
        fraction("targets.online_rate", t.online_rate)?;
        fraction("targets.track_complete_rate", t.track_complete_rate)?;
        fraction("targets.data_qualified_rate", t.data_qualified_rate)?;
        fraction("targets.drift_vehicle_rate_max", t.drift_vehicle_rate_max)?;
        fraction("targets.check_response_rate", t.check_response_rate)?;
        let f = &self.floors;
        fraction("floors.access_rate", f.access_rate)?;
        fraction("floors.online_rate", f.online_rate)?;
        fraction("floors.track_complete_rate", f.track_complete_rate)?;
        fraction("floors.data_qualified_rate", f.data_qualified_rate)?;
        fraction("floors.drift_rate_max", f.drift_rate_max)?;
        non_negative("floors.drift_scale", f.drift_scale)?;
        for (name, w) in [
            ("enterprise_score", &self.enterprise_score),
            ("platform_score", &self.platform_score),
        ] {
            for (field, v) in w.fields() {
                non_negative(&format!("{name}.{field}"), v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_agree_with_the_engine() {
        let c = IndicatorConfig::default();
        c.validate().expect("defaults valid");
        let r = ClassRules::default();
        assert_eq!(c.drift_kmh, r.drift_kmh);
        assert_eq!(c.drift_jump_m, Some(r.drift_jump_m));
        let sum = |w: &Weights| w.fields().iter().map(|(_, v)| v).sum::<f64>();
        assert_eq!(sum(&c.enterprise_score), 100.0);
        assert_eq!(sum(&c.platform_score), 100.0);
    }

    #[test]
    fn errors_name_the_field() {
        let mut c = IndicatorConfig::default();
        c.targets.online_rate = 95.0;
        let e = c
            .validate()
            .expect_err("95 is a percentage, not a fraction");
        assert_eq!(
            e.to_string(),
            "indicator config: targets.online_rate: expected a fraction in 0..=1, found 95"
        );
        let mut c = IndicatorConfig::default();
        c.platform_score.drift = -1.0;
        let e = c.validate().expect_err("negative weight");
        assert!(e.to_string().contains("platform_score.drift"), "{e}");
        let mut c = IndicatorConfig::default();
        c.record.lat_min = 60_000_000;
        assert!(c.validate().is_err());
    }

    #[test]
    fn partial_json_takes_defaults() {
        let c: IndicatorConfig =
            serde_json::from_str(r#"{"gap_secs": 600, "record": {"altitude_max_m": 7000}}"#)
                .expect("parse");
        assert_eq!(c.gap_secs, 600);
        assert_eq!(c.record.altitude_max_m, 7000);
        assert_eq!(c.record.altitude_min_m, -200);
        assert_eq!(c.gap_m, 2_000.0);
    }
}
