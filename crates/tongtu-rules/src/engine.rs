//! Per-vehicle rule state machines.
//!
//! Positions are pushed in device-time order. A fix older than the vehicle's last one
//! (late data) does not re-run the rules: it can only close an open offline alarm and be
//! judged for non-monotonic time. Replaying a stored (sorted) track through the same code
//! gives the same alarms as the live stream did, because every alarm's start and end are
//! derived from position times only — never from the wall clock, except the offline alarm,
//! whose live opening by [`Engine::tick`] is closed by the next data with the same bounds a
//! replay computes. One exception by nature: a non-supplementary fix whose device time goes
//! backwards is seen only live (a stored track is sorted).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tongtu_track::{distance_m, Position, BEIJING_OFFSET_MS, DAY_MS};

use crate::config::{ClassRules, RuleConfig};

/// What an alarm is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "bit")]
pub enum Rule {
    /// A JT/T 808 alarm bit set by the terminal (bit number).
    Terminal(u8),
    /// Platform speeding.
    Speeding,
    /// Continuous driving beyond the limit.
    Fatigue,
    /// Accumulated driving in a day beyond the limit.
    DailyDriving,
    /// Driving during the 02:00–05:00 ban.
    NightBan,
    /// No data from a vehicle in operation.
    Offline,
    /// Suspected signal shielding.
    SignalShielding,
    /// Position drift.
    Drift,
    /// Suspected data tampering.
    Tampering,
}

impl Rule {
    /// Stable code for storage and the API.
    pub fn code(&self) -> String {
        match self {
            Rule::Terminal(b) => format!("terminal_{b}"),
            Rule::Speeding => "speeding".into(),
            Rule::Fatigue => "fatigue".into(),
            Rule::DailyDriving => "daily_driving".into(),
            Rule::NightBan => "night_ban".into(),
            Rule::Offline => "offline".into(),
            Rule::SignalShielding => "signal_shielding".into(),
            Rule::Drift => "drift".into(),
            Rule::Tampering => "tampering".into(),
        }
    }
}

/// How serious an alarm is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For the record.
    Info,
    /// Needs handling.
    Warning,
    /// Needs handling now; counts in assessments.
    Serious,
}

/// One alarm episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Vehicle.
    pub vehicle_id: u32,
    /// Rule.
    pub rule: Rule,
    /// Severity.
    pub severity: Severity,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End, UTC ms; `None` while open.
    pub end_ms: Option<i64>,
    /// The episode's extreme: max km/h (speeding, drift), seconds beyond the limit
    /// (fatigue, daily driving), seconds (offline, shielding), seconds of skew (tampering).
    pub peak: f64,
    /// The threshold that applied.
    pub limit: f64,
    /// Evidence: the fix that opened the alarm.
    pub start_fix: Position,
    /// Evidence: the fix that closed it.
    pub end_fix: Option<Position>,
    /// Human-readable specifics (English; the console translates by rule).
    pub detail: String,
}

impl Alarm {
    /// Identity of the episode (vehicle, rule, start).
    pub fn key(&self) -> (u32, Rule, i64) {
        (self.vehicle_id, self.rule, self.start_ms)
    }
}

/// An alarm opened or closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "alarm", rename_all = "snake_case")]
pub enum Event {
    /// A new open alarm.
    Opened(Alarm),
    /// An alarm ended (an instantaneous one is reported closed directly).
    Closed(Alarm),
}

/// Local (Beijing) minute of the day of a UTC instant.
pub fn local_minute(utc_ms: i64) -> u32 {
    ((utc_ms + BEIJING_OFFSET_MS).rem_euclid(DAY_MS) / 60_000) as u32
}

fn local_day(utc_ms: i64) -> i64 {
    (utc_ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS)
}

fn kmh(p: &Position) -> f64 {
    p.speed_kmh()
}

fn acc_on(p: &Position) -> bool {
    p.status & 1 != 0
}

#[derive(Default)]
struct VehicleState {
    last: Option<Position>,
    last_good: Option<Position>,
    /// Highest receive time seen.
    max_receive: i64,
    terminal: Vec<(u8, Alarm)>,
    over_start: Option<Position>,
    last_over: i64,
    speeding: Option<Alarm>,
    drive_start: Option<i64>,
    stop_start: Option<i64>,
    fatigue: Option<Alarm>,
    day: i64,
    day_driving: i64,
    last_driving_fix: Option<i64>,
    daily: Option<Alarm>,
    night_ban: Option<Alarm>,
    offline: Option<Alarm>,
    drift: Option<Alarm>,
    drift_run: u32,
    shielding: Option<Alarm>,
    tamper: Option<Alarm>,
    frozen: u32,
}

/// The rule engine for a fleet.
pub struct Engine {
    cfg: RuleConfig,
    profiles: HashMap<u32, ClassRules>,
    state: HashMap<u32, VehicleState>,
}

impl Engine {
    /// An engine with these parameters.
    pub fn new(cfg: RuleConfig) -> Engine {
        Engine {
            cfg,
            profiles: HashMap::new(),
            state: HashMap::new(),
        }
    }

    /// Declares a vehicle's class (registry `vehicle_type`); unknown vehicles use the default.
    pub fn set_vehicle(&mut self, vehicle_id: u32, class: &str) {
        self.profiles
            .insert(vehicle_id, self.cfg.class(class).clone());
    }

    /// Overrides a vehicle's parameters (e.g. a short line exempt from the night ban).
    pub fn set_vehicle_rules(&mut self, vehicle_id: u32, rules: ClassRules) {
        self.profiles.insert(vehicle_id, rules);
    }

    /// Alarms currently open.
    pub fn open_alarms(&self) -> Vec<Alarm> {
        let mut v = Vec::new();
        for s in self.state.values() {
            v.extend(s.terminal.iter().map(|(_, a)| a.clone()));
            for a in [
                &s.speeding,
                &s.fatigue,
                &s.daily,
                &s.night_ban,
                &s.offline,
                &s.drift,
                &s.shielding,
                &s.tamper,
            ]
            .into_iter()
            .flatten()
            {
                v.push(a.clone());
            }
        }
        v.sort_by_key(|a| a.key());
        v
    }

    /// Opens offline alarms for vehicles in operation that have been silent too long.
    pub fn tick(&mut self, now_ms: i64, out: &mut Vec<Event>) {
        for (id, s) in self.state.iter_mut() {
            let rules = self.profiles.get(id).unwrap_or(&self.cfg.default_class);
            let Some(last) = s.last else { continue };
            if s.offline.is_none()
                && in_operation(&last, rules)
                && now_ms - s.max_receive > rules.offline_secs * 1000
            {
                let a = alarm(
                    &last,
                    Rule::Offline,
                    Severity::Warning,
                    s.max_receive,
                    rules.offline_secs as f64,
                    "no data",
                );
                out.push(Event::Opened(a.clone()));
                s.offline = Some(a);
            }
        }
    }

    /// Feeds one fix.
    pub fn push(&mut self, p: &Position, out: &mut Vec<Event>) {
        let rules = self
            .profiles
            .get(&p.vehicle_id)
            .unwrap_or(&self.cfg.default_class)
            .clone();
        let cfg = &self.cfg;
        let s = self.state.entry(p.vehicle_id).or_default();
        // Offline: data arriving after a silence (late data included) ends it.
        if p.receive_time_ms > s.max_receive {
            if let Some(last) = s.last {
                let gap = p.receive_time_ms - s.max_receive;
                if let Some(mut a) = s.offline.take() {
                    let secs = (p.receive_time_ms - a.start_ms) as f64 / 1000.0;
                    close(&mut a, p, p.receive_time_ms, secs);
                    a.detail = offline_detail(&last, p);
                    out.push(Event::Closed(a));
                } else if in_operation(&last, &rules) && gap > rules.offline_secs * 1000 {
                    let mut a = alarm(
                        &last,
                        Rule::Offline,
                        Severity::Warning,
                        s.max_receive,
                        rules.offline_secs as f64,
                        "",
                    );
                    close(&mut a, p, p.receive_time_ms, gap as f64 / 1000.0);
                    a.detail = offline_detail(&last, p);
                    out.push(Event::Closed(a));
                }
            }
            s.max_receive = p.receive_time_ms;
        }
        let Some(last) = s.last else {
            s.day = local_day(p.device_time_ms);
            evaluate(cfg, &rules, s, p, None, out);
            s.last = Some(*p);
            return;
        };
        if p.device_time_ms <= last.device_time_ms {
            // Late or repeated: rules already ran past this time. A non-supplementary fix
            // that goes back in time is suspicious.
            if !p.supplementary() && p.device_time_ms < last.device_time_ms {
                instant_tamper(p, &rules, out, "device time went backwards");
            }
            return;
        }
        evaluate(cfg, &rules, s, p, Some(last), out);
        s.last = Some(*p);
    }
}

fn offline_detail(last: &Position, p: &Position) -> String {
    let d = distance_m(last, p);
    if d > 2_000.0 {
        format!("reappeared {:.1} km away", d / 1000.0)
    } else {
        String::new()
    }
}

fn in_operation(p: &Position, rules: &ClassRules) -> bool {
    acc_on(p) || kmh(p) > rules.moving_kmh
}

fn alarm(
    p: &Position,
    rule: Rule,
    severity: Severity,
    start_ms: i64,
    limit: f64,
    detail: &str,
) -> Alarm {
    Alarm {
        vehicle_id: p.vehicle_id,
        rule,
        severity,
        start_ms,
        end_ms: None,
        peak: 0.0,
        limit,
        start_fix: *p,
        end_fix: None,
        detail: detail.to_string(),
    }
}

fn close(a: &mut Alarm, p: &Position, end_ms: i64, peak: f64) {
    a.end_ms = Some(end_ms);
    a.end_fix = Some(*p);
    if peak > a.peak {
        a.peak = peak;
    }
}

fn instant_tamper(p: &Position, rules: &ClassRules, out: &mut Vec<Event>, why: &str) {
    let mut a = alarm(
        p,
        Rule::Tampering,
        Severity::Serious,
        p.device_time_ms,
        rules.tamper_ahead_secs as f64,
        why,
    );
    close(&mut a, p, p.device_time_ms, 0.0);
    out.push(Event::Closed(a));
}

/// Opens `slot` if needed, or raises its peak.
fn keep_open(
    slot: &mut Option<Alarm>,
    out: &mut Vec<Event>,
    peak: f64,
    open: impl FnOnce() -> Alarm,
) {
    match slot {
        Some(a) => {
            if peak > a.peak {
                a.peak = peak;
            }
        }
        None => {
            let mut a = open();
            a.peak = peak;
            out.push(Event::Opened(a.clone()));
            *slot = Some(a);
        }
    }
}

fn end(slot: &mut Option<Alarm>, out: &mut Vec<Event>, p: &Position, end_ms: i64) {
    if let Some(mut a) = slot.take() {
        close(&mut a, p, end_ms, 0.0);
        out.push(Event::Closed(a));
    }
}

fn evaluate(
    cfg: &RuleConfig,
    r: &ClassRules,
    s: &mut VehicleState,
    p: &Position,
    last: Option<Position>,
    out: &mut Vec<Event>,
) {
    let t = p.device_time_ms;
    let minute = local_minute(t);
    let night = cfg.is_night(minute);

    // Terminal alarm bits: open when set, close when cleared.
    let bits = if p.alarm != 0 || !s.terminal.is_empty() {
        32u8
    } else {
        0
    };
    for bit in 0..bits {
        let set = p.alarm & (1 << bit) != 0;
        let pos = s.terminal.iter().position(|(b, _)| *b == bit);
        match (set, pos) {
            (true, None) => {
                let sev = if matches!(bit, 0 | 5 | 8) {
                    Severity::Serious
                } else {
                    Severity::Warning
                };
                let a = alarm(p, Rule::Terminal(bit), sev, t, 0.0, "");
                out.push(Event::Opened(a.clone()));
                s.terminal.push((bit, a));
            }
            (false, Some(i)) => {
                let (_, mut a) = s.terminal.swap_remove(i);
                close(&mut a, p, t, 0.0);
                out.push(Event::Closed(a));
            }
            _ => {}
        }
    }

    // Drift: judged against the last good fix; drift fixes are excluded from the other
    // position-based rules.
    let mut drift = false;
    if p.gnss_valid() {
        if let Some(g) = s.last_good {
            let dt = (t - g.device_time_ms) as f64 / 1000.0;
            let d = distance_m(&g, p);
            let implied = if dt > 0.0 {
                d / dt * 3.6
            } else {
                f64::INFINITY
            };
            drift = implied > r.drift_kmh
                || (dt <= r.drift_jump_window_secs as f64 && d > r.drift_jump_m);
            if drift {
                s.drift_run += 1;
                keep_open(&mut s.drift, out, implied.min(99_999.0), || {
                    alarm(p, Rule::Drift, Severity::Info, t, r.drift_kmh, "")
                });
                // Three consecutive fixes that agree with each other but not with the last
                // good one: the last good one was wrong; accept the new place.
                if s.drift_run >= 3 {
                    if let Some(l) = last.filter(|l| l.gnss_valid()) {
                        let dt = (t - l.device_time_ms) as f64 / 1000.0;
                        if dt > 0.0 && distance_m(&l, p) / dt * 3.6 <= r.drift_kmh {
                            s.last_good = Some(*p);
                            s.drift_run = 0;
                            end(&mut s.drift, out, p, t);
                            drift = false;
                        }
                    }
                }
            } else {
                s.drift_run = 0;
                end(&mut s.drift, out, p, t);
                s.last_good = Some(*p);
            }
        } else {
            s.last_good = Some(*p);
        }
    }

    // Tampering: clocks and frozen positions.
    let ahead = (t - p.receive_time_ms) / 1000;
    let behind = (p.receive_time_ms - t) / 1000;
    if let Some(l) = last {
        if l.lat == p.lat && l.lon == p.lon && kmh(p) > r.moving_kmh && p.gnss_valid() {
            s.frozen += 1;
        } else {
            s.frozen = 0;
        }
    }
    let tamper_why = if ahead > r.tamper_ahead_secs {
        Some((ahead as f64, "device time ahead of receive time"))
    } else if !p.supplementary() && behind > r.tamper_behind_secs {
        Some((behind as f64, "device time far behind receive time"))
    } else if s.frozen + 1 >= r.frozen_repeats.max(2) {
        Some((
            f64::from(s.frozen + 1),
            "position frozen while reporting speed",
        ))
    } else {
        None
    };
    match tamper_why {
        Some((peak, why)) => keep_open(&mut s.tamper, out, peak, || {
            alarm(
                p,
                Rule::Tampering,
                Severity::Serious,
                t,
                r.tamper_ahead_secs as f64,
                why,
            )
        }),
        None => end(&mut s.tamper, out, p, t),
    }

    // Signal shielding: invalid fixes while the vehicle (by its recorder/CAN speed) moves;
    // or a silence while moving, closed by a jump consistent with driving.
    let sensor_speed = if p.flags & tongtu_track::flags::HAS_RECORDER_SPEED != 0 {
        f64::from(p.recorder_speed) / 10.0
    } else {
        kmh(p)
    };
    if !p.gnss_valid() && acc_on(p) && sensor_speed > r.moving_kmh {
        keep_open(&mut s.shielding, out, 0.0, || {
            alarm(
                p,
                Rule::SignalShielding,
                Severity::Serious,
                t,
                0.0,
                "GNSS invalid while moving",
            )
        });
    } else if p.gnss_valid() {
        if let Some(mut a) = s.shielding.take() {
            let secs = (t - a.start_ms) as f64 / 1000.0;
            close(&mut a, p, t, secs);
            out.push(Event::Closed(a));
        }
        if let Some(l) = last.filter(|l| l.gnss_valid() && in_operation(l, r)) {
            let gap = (t - l.device_time_ms) / 1000;
            if gap > r.shielding_gap_secs && !drift {
                let d = distance_m(&l, p);
                let implied = d / gap as f64 * 3.6;
                if d > 1_000.0 && (20.0..=r.drift_kmh).contains(&implied) {
                    let mut a = alarm(
                        &l,
                        Rule::SignalShielding,
                        Severity::Serious,
                        l.device_time_ms,
                        r.shielding_gap_secs as f64,
                        "",
                    );
                    a.detail = format!("silent {gap} s, reappeared {:.1} km away", d / 1000.0);
                    close(&mut a, p, t, gap as f64);
                    out.push(Event::Closed(a));
                }
            }
        }
    }

    if drift || !p.gnss_valid() {
        return;
    }

    // Speeding.
    let limit = if r.passenger && night {
        r.speed_limit_kmh * r.night_speed_factor
    } else {
        r.speed_limit_kmh
    };
    let v = kmh(p);
    if s.speeding.is_some() && v <= limit && t - s.last_over > r.speeding_merge_secs * 1000 {
        let end_ms = s.last_over;
        end(&mut s.speeding, out, p, end_ms);
    }
    if v > limit {
        let start = *s.over_start.get_or_insert(*p);
        if s.speeding.is_some() {
            s.last_over = t;
            if let Some(a) = s.speeding.as_mut() {
                a.peak = a.peak.max(v);
            }
        } else if t - start.device_time_ms > r.speeding_min_secs * 1000 {
            s.last_over = t;
            let sev = if v > limit * 1.2 {
                Severity::Serious
            } else {
                Severity::Warning
            };
            keep_open(&mut s.speeding, out, v, || {
                alarm(&start, Rule::Speeding, sev, start.device_time_ms, limit, "")
            });
        }
    } else {
        s.over_start = None;
    }

    // Driving time: fatigue, daily accumulation, night ban.
    let driving = acc_on(p) && v > r.moving_kmh;
    let day = local_day(t);
    if day != s.day {
        if let Some(last_drive) = s.last_driving_fix {
            end(&mut s.daily, out, p, last_drive);
        }
        s.day = day;
        s.day_driving = 0;
    }
    if driving {
        if let Some(prev) = s.last_driving_fix {
            let step = t - prev;
            if step <= r.max_driving_step_secs * 1000 && local_day(prev) == day {
                s.day_driving += step;
            }
        }
        s.last_driving_fix = Some(t);
        if let Some(stop) = s.stop_start.take() {
            if t - stop >= r.min_rest_secs * 1000 {
                end(&mut s.fatigue, out, p, stop);
                s.drive_start = None;
            }
        }
        let start = *s.drive_start.get_or_insert(t);
        let limit_ms = if night {
            r.fatigue_night_secs
        } else {
            r.fatigue_day_secs
        } * 1000;
        let cont = t - start;
        if cont > limit_ms {
            keep_open(
                &mut s.fatigue,
                out,
                ((cont - limit_ms) / 1000) as f64,
                || {
                    alarm(
                        p,
                        Rule::Fatigue,
                        Severity::Serious,
                        start + limit_ms,
                        (limit_ms / 1000) as f64,
                        "",
                    )
                },
            );
        }
        let daily_limit = r.daily_driving_secs * 1000;
        if s.day_driving > daily_limit {
            keep_open(
                &mut s.daily,
                out,
                ((s.day_driving - daily_limit) / 1000) as f64,
                || {
                    alarm(
                        p,
                        Rule::DailyDriving,
                        Severity::Warning,
                        t,
                        r.daily_driving_secs as f64,
                        "",
                    )
                },
            );
        }
        if r.night_ban && cfg.is_ban(minute) {
            keep_open(&mut s.night_ban, out, 0.0, || {
                alarm(p, Rule::NightBan, Severity::Serious, t, 0.0, "")
            });
        } else {
            end(&mut s.night_ban, out, p, t);
        }
    } else {
        if s.drive_start.is_some() && s.stop_start.is_none() {
            s.stop_start = Some(t);
        }
        if let Some(stop) = s.stop_start {
            if t - stop >= r.min_rest_secs * 1000 {
                end(&mut s.fatigue, out, p, stop);
                s.drive_start = None;
                s.stop_start = None;
            }
        }
        end(&mut s.night_ban, out, p, t);
    }
}

/// Runs the rules over one vehicle's sorted track (replay), returning every alarm, the
/// ones still open at the end included (with `end_ms: None`).
pub fn replay(cfg: &RuleConfig, class: &str, track: &[Position]) -> Vec<Alarm> {
    let mut e = Engine::new(cfg.clone());
    let mut events = Vec::new();
    if let Some(p) = track.first() {
        e.set_vehicle(p.vehicle_id, class);
    }
    for p in track {
        e.push(p, &mut events);
    }
    collect(events, e.open_alarms())
}

/// Folds events into final alarms (closed ones, plus those still open).
pub fn collect(events: Vec<Event>, open: Vec<Alarm>) -> Vec<Alarm> {
    let mut map: std::collections::BTreeMap<(u32, Rule, i64), Alarm> =
        std::collections::BTreeMap::new();
    for e in events {
        match e {
            Event::Opened(a) => {
                map.entry(a.key()).or_insert(a);
            }
            Event::Closed(a) => {
                map.insert(a.key(), a);
            }
        }
    }
    for a in open {
        map.insert(a.key(), a);
    }
    map.into_values().collect()
}
