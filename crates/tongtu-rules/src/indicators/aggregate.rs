//! Indicators of a period for a grouping of the register (city, region, enterprise,
//! vehicle) from cached [`VehicleDay`]s and the caller's alarm figures; scores, targets
//! and rankings.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::day::{Tally, VehicleDay};
use super::{IndicatorConfig, IndicatorError, Weights};

/// One vehicle of the register of key operating vehicles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredVehicle {
    /// Registry vehicle id.
    pub vehicle_id: u32,
    /// Its enterprise.
    pub enterprise_id: u32,
    /// Region code (GB/T 2260) of the enterprise.
    pub region: String,
    /// Vehicle class code.
    pub class: String,
    /// Beijing day it was put on the register (`None`: before any period of interest).
    /// It counts from that day: see [`aggregate`].
    pub registered_day: Option<i32>,
    /// Inactive vehicles (deregistered, suspended) are not on the register.
    pub active: bool,
}

/// Alarm figures of one vehicle for the period, from stored alarms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmFigures {
    /// Speeding events.
    pub speeding_events: u64,
    /// Fatigue duration (time beyond the limit), seconds.
    pub fatigue_secs: u64,
}

/// Platform checks (查岗, JT/T 809 0x9301→0x1301) of one enterprise in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResponses {
    /// Checks received.
    pub received: u64,
    /// Checks answered.
    pub answered: u64,
}

/// Beijing days `first_day..=last_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day (day number, see `tongtu_track::day_of`).
    pub first_day: i32,
    /// Last day, inclusive.
    pub last_day: i32,
}

impl Period {
    /// A period; errors when `last_day < first_day`.
    pub fn new(first_day: i32, last_day: i32) -> Result<Period, IndicatorError> {
        if last_day < first_day {
            return Err(IndicatorError::Period {
                first_day,
                last_day,
            });
        }
        Ok(Period {
            first_day,
            last_day,
        })
    }

    /// Whether a day is in the period.
    pub fn contains(&self, day: i32) -> bool {
        (self.first_day..=self.last_day).contains(&day)
    }
}

/// How vehicles are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One group: the whole register.
    City,
    /// Per region code.
    Region,
    /// Per enterprise.
    Enterprise,
    /// Per vehicle.
    Vehicle,
}

/// The group a row describes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum GroupKey {
    /// The whole register.
    City,
    /// A region code.
    Region(String),
    /// An enterprise id.
    Enterprise(u32),
    /// A vehicle id.
    Vehicle(u32),
}

/// A rate or average shown as "numerator / denominator"; `value` is `None` when the
/// denominator is 0 (undefined, never NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
    /// `numerator / denominator`, `None` when the denominator is 0.
    pub value: Option<f64>,
}

impl Ratio {
    /// A ratio; `value` is `None` for a zero denominator.
    pub fn new(numerator: f64, denominator: f64) -> Ratio {
        Ratio {
            numerator,
            denominator,
            value: (denominator != 0.0).then(|| numerator / denominator),
        }
    }
}

impl std::fmt::Display for Ratio {
    /// `"95 / 100 (95.00 %)"`, or `"0 / 0 (—)"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.value {
            Some(v) => write!(
                f,
                "{} / {} ({:.2} %)",
                self.numerator,
                self.denominator,
                v * 100.0
            ),
            None => write!(f, "{} / {} (—)", self.numerator, self.denominator),
        }
    }
}

/// The averages speeding and fatigue are scored against (DOMAIN.md "regional average").
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Speeding events per online vehicle.
    pub speeding_avg: Option<f64>,
    /// Fatigue seconds per online vehicle.
    pub fatigue_avg_secs: Option<f64>,
}

/// Everything [`aggregate`] reads besides the configuration.
#[derive(Debug, Clone, Copy)]
pub struct AggregateInput<'a> {
    /// The register (every vehicle, active or not).
    pub register: &'a [RegisteredVehicle],
    /// Cached days: those in the period, and optionally earlier ones (used only for 入网).
    pub days: &'a [VehicleDay],
    /// Alarm figures of the period per vehicle (absent = none).
    pub alarms: &'a HashMap<u32, AlarmFigures>,
    /// Per vehicle, the first day it ever sent a qualified record (from history; the
    /// platform keeps it as `min(day) where qualified > 0` over cached days). Days in
    /// `days` are considered too, so this may be empty when `days` reach back far enough.
    pub first_qualified_day: &'a HashMap<u32, i32>,
    /// Platform checks per enterprise (absent = not assessed).
    pub check_responses: &'a HashMap<u32, CheckResponses>,
    /// The averages to score speeding and fatigue against; `None`: the averages of the
    /// whole register given (the municipality). A province passes its own.
    pub reference: Option<Reference>,
}

/// One indicator, for rankings and score parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 车辆入网率.
    AccessRate,
    /// 车辆上线率.
    OnlineRate,
    /// 轨迹完整率.
    TrackCompleteRate,
    /// 数据合格率.
    DataQualifiedRate,
    /// 卫星定位漂移车辆率.
    DriftVehicleRate,
    /// 平均车辆超速次数.
    AvgSpeeding,
    /// 平均疲劳驾驶时长.
    AvgFatigue,
    /// 平台查岗响应率.
    CheckResponseRate,
    /// The enterprise score.
    EnterpriseScore,
    /// The bureau platform score.
    PlatformScore,
}

impl Indicator {
    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Indicator::AccessRate => "车辆入网率",
            Indicator::OnlineRate => "车辆上线率",
            Indicator::TrackCompleteRate => "轨迹完整率",
            Indicator::DataQualifiedRate => "数据合格率",
            Indicator::DriftVehicleRate => "卫星定位漂移车辆率",
            Indicator::AvgSpeeding => "平均车辆超速次数",
            Indicator::AvgFatigue => "平均疲劳驾驶时长",
            Indicator::CheckResponseRate => "平台查岗响应率",
            Indicator::EnterpriseScore => "企业考核得分",
            Indicator::PlatformScore => "平台考核得分",
        }
    }

    /// Whether a higher value is better (rankings sort best first).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Indicator::DriftVehicleRate | Indicator::AvgSpeeding | Indicator::AvgFatigue
        )
    }

    /// The group's value of this indicator (`None`: undefined).
    pub fn value(self, g: &GroupIndicators) -> Option<f64> {
        match self {
            Indicator::AccessRate => g.access_rate.value,
            Indicator::OnlineRate => g.online_rate.value,
            Indicator::TrackCompleteRate => g.track_complete_rate.value,
            Indicator::DataQualifiedRate => g.data_qualified_rate.value,
            Indicator::DriftVehicleRate => g.drift_vehicle_rate.value,
            Indicator::AvgSpeeding => g.avg_speeding_events.value,
            Indicator::AvgFatigue => g.avg_fatigue_secs.value,
            Indicator::CheckResponseRate => g.check_response_rate.and_then(|r| r.value),
            Indicator::EnterpriseScore => Some(g.enterprise_score.total),
            Indicator::PlatformScore => Some(g.platform_score.total),
        }
    }

    /// Whether the group meets its target (`None`: undefined or no target).
    pub fn meets(self, g: &GroupIndicators) -> Option<bool> {
        let t = &g.targets;
        match self {
            Indicator::AccessRate => t.access_rate,
            Indicator::OnlineRate => t.online_rate,
            Indicator::TrackCompleteRate => t.track_complete_rate,
            Indicator::DataQualifiedRate => t.data_qualified_rate,
            Indicator::DriftVehicleRate => t.drift_vehicle_rate,
            Indicator::AvgSpeeding => t.avg_speeding,
            Indicator::AvgFatigue => t.avg_fatigue,
            Indicator::CheckResponseRate => t.check_response_rate,
            Indicator::EnterpriseScore | Indicator::PlatformScore => None,
        }
    }
}

/// Whether each indicator meets its target; `None` when the indicator is undefined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetCheck {
    /// 入网率 ≥ target.
    pub access_rate: Option<bool>,
    /// 上线率 ≥ target.
    pub online_rate: Option<bool>,
    /// 轨迹完整率 ≥ target.
    pub track_complete_rate: Option<bool>,
    /// 数据合格率 ≥ target.
    pub data_qualified_rate: Option<bool>,
    /// 漂移车辆率 ≤ target.
    pub drift_vehicle_rate: Option<bool>,
    /// Speeding average ≤ the reference average.
    pub avg_speeding: Option<bool>,
    /// Fatigue average ≤ the reference average.
    pub avg_fatigue: Option<bool>,
    /// 查岗响应率 ≥ target.
    pub check_response_rate: Option<bool>,
}

/// One part of a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScorePart {
    /// The indicator scored.
    pub indicator: Indicator,
    /// Its weight (the most it can score).
    pub weight: f64,
    /// Points scored (0 when undefined or beyond its floor).
    pub points: f64,
    /// False when its input was not supplied (查岗 without data): left out of `max`.
    pub assessed: bool,
}

/// A score: the sum of its parts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Points.
    pub total: f64,
    /// The most the assessed parts could score (100 with every input supplied).
    pub max: f64,
    /// Per indicator (weights of 0 are left out).
    pub parts: Vec<ScorePart>,
}

/// The indicators of one group for the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupIndicators {
    /// The group.
    pub key: GroupKey,
    /// Vehicles on the register in the period.
    pub vehicles_registered: u64,
    /// Of those, 入网 by the end of the period.
    pub vehicles_entered: u64,
    /// Of those on the register, online (≥ 1 record) in the period.
    pub vehicles_online: u64,
    /// Online and 入网.
    pub vehicles_online_entered: u64,
    /// Online vehicles with drift.
    pub vehicles_with_drift: u64,
    /// 车辆入网率 = entered / registered.
    pub access_rate: Ratio,
    /// 车辆上线率 = online and entered / entered.
    pub online_rate: Ratio,
    /// 轨迹完整率 = complete km / track km.
    pub track_complete_rate: Ratio,
    /// 数据合格率 = qualified records / records.
    pub data_qualified_rate: Ratio,
    /// 卫星定位漂移车辆率 = vehicles with drift / vehicles online.
    pub drift_vehicle_rate: Ratio,
    /// 平均车辆超速次数 = speeding events / vehicles online.
    pub avg_speeding_events: Ratio,
    /// 平均疲劳驾驶时长 = fatigue seconds / vehicles online.
    pub avg_fatigue_secs: Ratio,
    /// Online seconds / vehicles online.
    pub avg_online_secs: Ratio,
    /// Track km / vehicle-days with records (average daily mileage).
    pub avg_daily_mileage_km: Ratio,
    /// 平台查岗响应率 = answered / received (`None`: no data for this group).
    pub check_response_rate: Option<Ratio>,
    /// Track mileage, km.
    pub mileage_km: f64,
    /// Incomplete mileage, km.
    pub incomplete_km: f64,
    /// Online time, seconds.
    pub online_secs: f64,
    /// Speeding events.
    pub speeding_events: u64,
    /// Fatigue duration, seconds.
    pub fatigue_secs: u64,
    /// The merged counters of the group's vehicles (unqualified reasons, drift fixes, …).
    pub tally: Tally,
    /// Target checks.
    pub targets: TargetCheck,
    /// The enterprise score of the group.
    pub enterprise_score: Score,
    /// The bureau platform score of the group.
    pub platform_score: Score,
}

/// Input left out of the figures, so that nothing disappears silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    /// Vehicles with days in the period but not on the register.
    pub unregistered_vehicles: u64,
    /// Inactive register entries.
    pub inactive_vehicles: u64,
    /// Register entries registered after the period.
    pub registered_after_period: u64,
    /// Days in the period before their vehicle's registration day.
    pub days_before_registration: u64,
}

/// The result of [`aggregate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The grouping.
    pub grouping: Grouping,
    /// The averages speeding and fatigue were scored against.
    pub reference: Reference,
    /// One row per group, in key order: groups with registered vehicles (and always the
    /// city row for [`Grouping::City`]).
    pub groups: Vec<GroupIndicators>,
    /// What was left out.
    pub ignored: Ignored,
}

/// Per-vehicle figures of the period.
#[derive(Default, Clone, Copy)]
struct Acc {
    registered: u64,
    entered: u64,
    online: u64,
    online_entered: u64,
    drift: u64,
    tally: Tally,
    speeding: u64,
    fatigue: u64,
}

impl Acc {
    fn add(&mut self, o: &Acc) {
        self.registered += o.registered;
        self.entered += o.entered;
        self.online += o.online;
        self.online_entered += o.online_entered;
        self.drift += o.drift;
        self.tally.merge(&o.tally);
        self.speeding += o.speeding;
        self.fatigue += o.fatigue;
    }
}

/// Computes the indicators of `period` for each group of `grouping`.
///
/// Definitions (see the crate README for the reasoning):
/// - On the register in the period: active, and registered on or before the last day.
///   A vehicle registered mid-period counts as one vehicle in every denominator, and only
///   its days from the registration day on count (earlier data, e.g. installation tests,
///   is ignored); the caller should likewise give alarm figures from that day.
/// - 入网: the vehicle has sent at least one qualified record at any time up to the end
///   of the period (`first_qualified_day`, or a qualified day in `days`).
/// - 上线 (online): at least one record in the period. 上线率 = online 入网 vehicles /
///   入网 vehicles; drift, speeding and fatigue are per online vehicle.
/// - Zero denominators give `Ratio::value == None`.
///
/// Errors: invalid configuration, a vehicle twice on the register, a vehicle-day twice.
pub fn aggregate(
    cfg: &IndicatorConfig,
    input: &AggregateInput<'_>,
    period: Period,
    grouping: Grouping,
) -> Result<Report, IndicatorError> {
    cfg.validate()?;
    Period::new(period.first_day, period.last_day)?;
    let mut ignored = Ignored::default();
    let mut reg: HashMap<u32, &RegisteredVehicle> = HashMap::with_capacity(input.register.len());
    let mut seen = HashSet::with_capacity(input.register.len());
    for v in input.register {
        if !seen.insert(v.vehicle_id) {
            return Err(IndicatorError::DuplicateVehicle(v.vehicle_id));
        }
        if !v.active {
            ignored.inactive_vehicles += 1;
        } else if v.registered_day.is_some_and(|d| d > period.last_day) {
            ignored.registered_after_period += 1;
        } else {
            reg.insert(v.vehicle_id, v);
        }
    }

    let mut acc: HashMap<u32, Acc> = reg.keys().map(|id| (*id, Acc::default())).collect();
    let mut entered: HashSet<u32> = input
        .first_qualified_day
        .iter()
        .filter(|(_, d)| **d <= period.last_day)
        .map(|(v, _)| *v)
        .collect();
    let mut days_seen = HashSet::with_capacity(input.days.len());
    let mut unregistered = HashSet::new();
    for d in input.days {
        if !days_seen.insert((d.vehicle_id, d.day)) {
            return Err(IndicatorError::DuplicateDay {
                vehicle_id: d.vehicle_id,
                day: d.day,
            });
        }
        if d.day > period.last_day {
            continue;
        }
        if d.tally.qualified > 0 {
            entered.insert(d.vehicle_id);
        }
        if !period.contains(d.day) {
            continue;
        }
        let Some(v) = reg.get(&d.vehicle_id) else {
            // Inactive or later entries are counted as such, not as unregistered.
            if !seen.contains(&d.vehicle_id) {
                unregistered.insert(d.vehicle_id);
            }
            continue;
        };
        if v.registered_day.is_some_and(|r| d.day < r) {
            ignored.days_before_registration += 1;
            continue;
        }
        if let Some(a) = acc.get_mut(&d.vehicle_id) {
            a.tally.merge(&d.tally);
        }
    }
    ignored.unregistered_vehicles = unregistered.len() as u64;

    for (id, a) in acc.iter_mut() {
        a.registered = 1;
        let e = entered.contains(id);
        let on = a.tally.records > 0;
        a.entered = u64::from(e);
        a.online = u64::from(on);
        a.online_entered = u64::from(on && e);
        a.drift = u64::from(on && a.tally.drift_fixes >= cfg.drift_vehicle_min_fixes);
        if let Some(f) = input.alarms.get(id) {
            a.speeding = f.speeding_events;
            a.fatigue = f.fatigue_secs;
        }
    }

    let reference = input.reference.unwrap_or_else(|| {
        let mut all = Acc::default();
        for a in acc.values() {
            all.add(a);
        }
        let online = all.online as f64;
        Reference {
            speeding_avg: Ratio::new(all.speeding as f64, online).value,
            fatigue_avg_secs: Ratio::new(all.fatigue as f64, online).value,
        }
    });

    let mut groups: BTreeMap<GroupKey, Acc> = BTreeMap::new();
    // Enterprises per group, for the 查岗 figures.
    let mut enterprises: BTreeMap<GroupKey, HashSet<u32>> = BTreeMap::new();
    for (id, a) in &acc {
        let Some(v) = reg.get(id) else { continue };
        let key = match grouping {
            Grouping::City => GroupKey::City,
            Grouping::Region => GroupKey::Region(v.region.clone()),
            Grouping::Enterprise => GroupKey::Enterprise(v.enterprise_id),
            Grouping::Vehicle => GroupKey::Vehicle(*id),
        };
        if grouping != Grouping::Vehicle {
            enterprises
                .entry(key.clone())
                .or_default()
                .insert(v.enterprise_id);
        }
        groups.entry(key).or_default().add(a);
    }
    if grouping == Grouping::City {
        // The city row exists even with an empty register: every rate undefined.
        groups.entry(GroupKey::City).or_default();
    }

    let groups = groups
        .into_iter()
        .map(|(key, a)| {
            let checks = enterprises.get(&key).and_then(|es| {
                let mut sum: Option<CheckResponses> = None;
                for e in es {
                    if let Some(c) = input.check_responses.get(e) {
                        let s = sum.get_or_insert_with(CheckResponses::default);
                        s.received += c.received;
                        s.answered += c.answered;
                    }
                }
                sum
            });
            finish(cfg, key, &a, checks, &reference)
        })
        .collect();
    Ok(Report {
        period,
        grouping,
        reference,
        groups,
        ignored,
    })
}

fn finish(
    cfg: &IndicatorConfig,
    key: GroupKey,
    a: &Acc,
    checks: Option<CheckResponses>,
    reference: &Reference,
) -> GroupIndicators {
    let t = &a.tally;
    let online = a.online as f64;
    let complete_mm = t.complete_mm();
    let mut g = GroupIndicators {
        key,
        vehicles_registered: a.registered,
        vehicles_entered: a.entered,
        vehicles_online: a.online,
        vehicles_online_entered: a.online_entered,
        vehicles_with_drift: a.drift,
        access_rate: Ratio::new(a.entered as f64, a.registered as f64),
        online_rate: Ratio::new(a.online_entered as f64, a.entered as f64),
        track_complete_rate: Ratio::new(complete_mm as f64 / 1e6, t.distance_mm as f64 / 1e6),
        data_qualified_rate: Ratio::new(t.qualified as f64, t.records as f64),
        drift_vehicle_rate: Ratio::new(a.drift as f64, online),
        avg_speeding_events: Ratio::new(a.speeding as f64, online),
        avg_fatigue_secs: Ratio::new(a.fatigue as f64, online),
        avg_online_secs: Ratio::new(t.online_secs(), online),
        avg_daily_mileage_km: Ratio::new(t.mileage_km(), t.active_days as f64),
        check_response_rate: checks.map(|c| Ratio::new(c.answered as f64, c.received as f64)),
        mileage_km: t.mileage_km(),
        incomplete_km: t.incomplete_km(),
        online_secs: t.online_secs(),
        speeding_events: a.speeding,
        fatigue_secs: a.fatigue,
        tally: *t,
        targets: TargetCheck::default(),
        enterprise_score: Score::default(),
        platform_score: Score::default(),
    };
    let tg = &cfg.targets;
    let at_least = |r: &Ratio, min: f64| r.value.map(|v| v >= min);
    let at_most = |v: Option<f64>, max: Option<f64>| match (v, max) {
        (Some(v), Some(m)) => Some(v <= m),
        // No reference (nobody online anywhere): only zero is certainly within it.
        (Some(v), None) => Some(v == 0.0),
        (None, _) => None,
    };
    g.targets = TargetCheck {
        access_rate: at_least(&g.access_rate, tg.access_rate),
        online_rate: at_least(&g.online_rate, tg.online_rate),
        track_complete_rate: at_least(&g.track_complete_rate, tg.track_complete_rate),
        data_qualified_rate: at_least(&g.data_qualified_rate, tg.data_qualified_rate),
        drift_vehicle_rate: at_most(g.drift_vehicle_rate.value, Some(tg.drift_vehicle_rate_max)),
        avg_speeding: at_most(g.avg_speeding_events.value, reference.speeding_avg),
        avg_fatigue: at_most(g.avg_fatigue_secs.value, reference.fatigue_avg_secs),
        check_response_rate: g
            .check_response_rate
            .and_then(|r| at_least(&r, tg.check_response_rate)),
    };
    g.enterprise_score = score(cfg, &cfg.enterprise_score, &g, reference);
    g.platform_score = score(cfg, &cfg.platform_score, &g, reference);
    g
}

/// A rate times its weight, 0 below the floor or when undefined.
fn rate_points(weight: f64, value: Option<f64>, floor: f64) -> f64 {
    match value {
        Some(v) if v >= floor => weight * v,
        _ => 0.0,
    }
}

/// DOMAIN.md's three bands for the company value `c` against the reference average `r`
/// (for 20 points: c ≤ r → 10 + (r−c)/r×10; r < c < 2r → (2r−c)/r×10; c ≥ 2r → 0). With
/// `r = 0` (nobody anywhere had any), only `c = 0` scores, fully.
pub fn band_points(weight: f64, c: Option<f64>, r: Option<f64>) -> f64 {
    let half = weight / 2.0;
    let Some(c) = c else { return 0.0 };
    match r {
        Some(r) if r > 0.0 => {
            if c <= r {
                half + (r - c) / r * half
            } else if c < 2.0 * r {
                (2.0 * r - c) / r * half
            } else {
                0.0
            }
        }
        _ if c == 0.0 => weight,
        _ => 0.0,
    }
}

/// The drift part: `weight × max(0, 1 − rate × drift_scale)`, 0 above the floor.
pub fn drift_points(cfg: &IndicatorConfig, weight: f64, rate: Option<f64>) -> f64 {
    match rate {
        Some(r) if r <= cfg.floors.drift_rate_max => {
            weight * (1.0 - r * cfg.floors.drift_scale).max(0.0)
        }
        _ => 0.0,
    }
}

fn score(cfg: &IndicatorConfig, w: &Weights, g: &GroupIndicators, r: &Reference) -> Score {
    let f = &cfg.floors;
    let check = g.check_response_rate.and_then(|c| c.value);
    let parts = [
        (
            Indicator::AccessRate,
            w.access,
            rate_points(w.access, g.access_rate.value, f.access_rate),
            true,
        ),
        (
            Indicator::OnlineRate,
            w.online,
            rate_points(w.online, g.online_rate.value, f.online_rate),
            true,
        ),
        (
            Indicator::TrackCompleteRate,
            w.track_complete,
            rate_points(
                w.track_complete,
                g.track_complete_rate.value,
                f.track_complete_rate,
            ),
            true,
        ),
        (
            Indicator::DataQualifiedRate,
            w.data_qualified,
            rate_points(
                w.data_qualified,
                g.data_qualified_rate.value,
                f.data_qualified_rate,
            ),
            true,
        ),
        (
            Indicator::DriftVehicleRate,
            w.drift,
            drift_points(cfg, w.drift, g.drift_vehicle_rate.value),
            true,
        ),
        (
            Indicator::AvgSpeeding,
            w.speeding,
            band_points(w.speeding, g.avg_speeding_events.value, r.speeding_avg),
            true,
        ),
        (
            Indicator::AvgFatigue,
            w.fatigue,
            band_points(w.fatigue, g.avg_fatigue_secs.value, r.fatigue_avg_secs),
            true,
        ),
        (
            Indicator::CheckResponseRate,
            w.check_response,
            rate_points(w.check_response, check, 0.0),
            check.is_some(),
        ),
    ];
    let parts: Vec<ScorePart> = parts
        .into_iter()
        .filter(|(_, weight, _, _)| *weight > 0.0)
        .map(|(indicator, weight, points, assessed)| ScorePart {
            indicator,
            weight,
            points,
            assessed,
        })
        .collect();
    Score {
        total: parts.iter().map(|p| p.points).sum(),
        max: parts.iter().filter(|p| p.assessed).map(|p| p.weight).sum(),
        parts,
    }
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    /// 1-based competition rank (ties share a rank: 1, 2, 2, 4); groups with an
    /// undefined value come last, unranked.
    pub rank: Option<usize>,
    /// The group.
    pub key: GroupKey,
    /// Its value.
    pub value: Option<f64>,
    /// Whether it meets the target (`None`: undefined or no target).
    pub meets_target: Option<bool>,
    /// True when the value is defined and misses the target.
    pub below_target: bool,
}

/// Ranks groups (normally enterprises) by one indicator, best first.
pub fn rank(groups: &[GroupIndicators], by: Indicator) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = groups
        .iter()
        .map(|g| {
            let meets = by.meets(g);
            RankRow {
                rank: None,
                key: g.key.clone(),
                value: by.value(g),
                meets_target: meets,
                below_target: meets == Some(false),
            }
        })
        .collect();
    let better = |a: f64, b: f64| {
        if by.higher_is_better() {
            b.total_cmp(&a)
        } else {
            a.total_cmp(&b)
        }
    };
    rows.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => better(x, y).then_with(|| a.key.cmp(&b.key)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.key.cmp(&b.key),
    });
    let mut prev: Option<(f64, usize)> = None;
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(v) = row.value else { break };
        let r = match prev {
            Some((pv, pr)) if pv == v => pr,
            _ => i + 1,
        };
        row.rank = Some(r);
        prev = Some((v, r));
    }
    rows
}
