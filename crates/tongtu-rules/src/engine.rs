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
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};
use tongtu_track::{distance_m, Position, BEIJING_OFFSET_MS, DAY_MS};

use crate::config::{ClassRules, RuleConfig};
use crate::fences::{self, FenceSet, FixContext, VehicleFences};

/// What an alarm is about.
///
/// JSON: `{"rule": "speeding"}`, `{"rule": "terminal", "arg": 2}` (alarm bit),
/// `{"rule": "forbidden", "arg": 7}` (fence id). Storage uses [`Rule::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "arg")]
pub enum Rule {
    /// A JT/T 808 alarm bit set by the terminal (bit number).
    Terminal(u8),
    /// Speeding against the class limit (outside speed-limit zones).
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
    /// Accumulated driving in 7 days beyond the limit (passenger vehicles).
    WeeklyDriving,
    /// Entered a geofence (fence id).
    FenceEnter(u32),
    /// Left a geofence (fence id).
    FenceLeave(u32),
    /// Inside a forbidden zone (fence id).
    Forbidden(u32),
    /// Off the permitted route network (id of the route fence nearest to where the
    /// vehicle left it).
    RouteDeviation(u32),
    /// Speeding where a zone's posted limit is in force (id of the zone in force at the
    /// episode's start).
    ZoneSpeeding(u32),
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
            Rule::WeeklyDriving => "weekly_driving".into(),
            Rule::FenceEnter(id) => format!("fence_enter_{id}"),
            Rule::FenceLeave(id) => format!("fence_leave_{id}"),
            Rule::Forbidden(id) => format!("forbidden_{id}"),
            Rule::RouteDeviation(id) => format!("route_deviation_{id}"),
            Rule::ZoneSpeeding(id) => format!("zone_speeding_{id}"),
        }
    }

    /// The geofence of a fence rule.
    pub fn fence_id(&self) -> Option<u32> {
        match *self {
            Rule::FenceEnter(id)
            | Rule::FenceLeave(id)
            | Rule::Forbidden(id)
            | Rule::RouteDeviation(id)
            | Rule::ZoneSpeeding(id) => Some(id),
            _ => None,
        }
    }
}

/// The rule of a stored code: the inverse of [`Rule::code`]. Only canonical codes parse
/// (`terminal_05` or `forbidden_+7` do not), so that `code(rule_from_code(c)) == c`.
pub fn rule_from_code(code: &str) -> Option<Rule> {
    let unit = match code {
        "speeding" => Some(Rule::Speeding),
        "fatigue" => Some(Rule::Fatigue),
        "daily_driving" => Some(Rule::DailyDriving),
        "weekly_driving" => Some(Rule::WeeklyDriving),
        "night_ban" => Some(Rule::NightBan),
        "offline" => Some(Rule::Offline),
        "signal_shielding" => Some(Rule::SignalShielding),
        "drift" => Some(Rule::Drift),
        "tampering" => Some(Rule::Tampering),
        _ => None,
    };
    if unit.is_some() {
        return unit;
    }
    let (family, n) = code.rsplit_once('_')?;
    let canonical =
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    if !canonical {
        return None;
    }
    match family {
        "terminal" => n.parse().ok().map(Rule::Terminal),
        "fence_enter" => n.parse().ok().map(Rule::FenceEnter),
        "fence_leave" => n.parse().ok().map(Rule::FenceLeave),
        "forbidden" => n.parse().ok().map(Rule::Forbidden),
        "route_deviation" => n.parse().ok().map(Rule::RouteDeviation),
        "zone_speeding" => n.parse().ok().map(Rule::ZoneSpeeding),
        _ => None,
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
    /// The episode's extreme: max km/h (speeding, zone speeding, drift), seconds beyond
    /// the limit (fatigue, daily and weekly driving), seconds (offline, shielding, inside a
    /// forbidden zone), seconds of skew (tampering), metres off the route (deviation).
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
    /// The current run over the limit in force (not yet, or already, an episode).
    over: Option<OverRun>,
    last_over: i64,
    /// The open `speeding` or `zone_speeding` episode: one at a time, whatever limits the
    /// vehicle passes through.
    speeding: Option<Alarm>,
    drive_start: Option<i64>,
    stop_start: Option<i64>,
    fatigue: Option<Alarm>,
    day: i64,
    day_driving: i64,
    last_driving_fix: Option<i64>,
    daily: Option<Alarm>,
    /// Driving ms of past days, `(day, ms)` at slot `day mod 7`; a slot whose day is not
    /// among the last 6 is stale.
    week: [(i64, i64); 7],
    /// Driving ms of the 6 days before `day` (the ring summed at the day change).
    week_prior: i64,
    weekly: Option<Alarm>,
    fences: VehicleFences,
    night_ban: Option<Alarm>,
    offline: Option<Alarm>,
    drift: Held,
    drift_run: u32,
    shielding: Option<Alarm>,
    tamper: Held,
    frozen: u32,
}

/// A run of fixes over the speed limit in force, from its first fix. The run, and the
/// episode it becomes, keep the rule and limit in force at that first fix (the episode's
/// start and evidence) until they end, so that an episode crossing a zone's edge is one
/// alarm, not two overlapping ones.
#[derive(Clone, Copy)]
struct OverRun {
    start: Position,
    /// `Speeding`, or `ZoneSpeeding` of the zone whose limit was in force.
    rule: Rule,
    /// The limit in force at `start`, night factor applied, km/h.
    limit: f64,
}

/// An alarm slot whose episode may be held open past its evidence. Evidence that comes in
/// bursts (drift jumps of bad GNSS, the interleaved journeys of a tampered clock) would
/// otherwise open an alarm per burst — hundreds a morning. A held episode ends at the first
/// fix clear of evidence after its last piece (`back`), but is closed only once a fix comes
/// more than the merge window after that: evidence within the window extends it. Like the
/// speeding merge, the close therefore waits for later data, and the end comes from
/// position times only (live == replay).
#[derive(Default)]
struct Held {
    alarm: Option<Alarm>,
    /// The merge window applies to the open episode; otherwise it ends at the first fix
    /// clear of evidence.
    held: bool,
    /// The first fix clear of evidence since the last piece, while held: the episode's
    /// end unless evidence follows within the window.
    back: Option<Position>,
}

impl Held {
    /// Evidence at `p`: extends the open episode (raising its peak), or opens one after
    /// closing an episode whose window has passed.
    fn evidence(
        &mut self,
        p: &Position,
        merge_ms: i64,
        hold: bool,
        peak: f64,
        out: &mut Vec<Event>,
        open: impl FnOnce() -> Alarm,
    ) {
        self.expire(p.device_time_ms, merge_ms, out);
        self.back = None;
        self.held = hold || (self.held && self.alarm.is_some());
        keep_open(&mut self.alarm, out, peak, open);
    }

    /// A fix without evidence: ends an episode that is not held; starts (or runs) the
    /// merge window of a held one. Inlined check: nearly every fix of nearly every vehicle
    /// comes here with nothing open.
    #[inline]
    fn clear(&mut self, p: &Position, merge_ms: i64, out: &mut Vec<Event>) {
        if self.alarm.is_some() {
            self.clear_open(p, merge_ms, out);
        }
    }

    #[inline(never)]
    fn clear_open(&mut self, p: &Position, merge_ms: i64, out: &mut Vec<Event>) {
        if self.held {
            self.back.get_or_insert(*p);
            self.expire(p.device_time_ms, merge_ms, out);
        } else {
            end(&mut self.alarm, out, p, p.device_time_ms);
        }
    }

    /// Closes a held episode, at its `back` fix, once time `t` is beyond its window.
    #[inline]
    fn expire(&mut self, t: i64, merge_ms: i64, out: &mut Vec<Event>) {
        if let Some(b) = self.back.filter(|b| t - b.device_time_ms > merge_ms) {
            self.back = None;
            end(&mut self.alarm, out, &b, b.device_time_ms);
        }
    }
}

/// Fixes at most this far apart in device time are "at the same time" for the duplicate
/// time check: terminals report whole seconds, so one second absorbs the rounding.
const SAME_TIME_MS: i64 = 1000;

/// Two good fixes at (about) the same device time but more than `duplicate_time_m` apart
/// are two places at once: a tampered clock interleaving two journeys. Returns the
/// distance, metres.
#[inline]
fn same_time_elsewhere(prev: &Position, p: &Position, r: &ClassRules) -> Option<f64> {
    // The time first: it rules out nearly every pair.
    if (p.device_time_ms - prev.device_time_ms).abs() > SAME_TIME_MS
        || !(p.gnss_valid() && prev.gnss_valid())
    {
        return None;
    }
    let d = distance_m(prev, p);
    (d > r.duplicate_time_m).then_some(d)
}

/// Tampering evidence from a duplicate device time, held with the drift merge window.
fn duplicate_time_evidence(
    s: &mut VehicleState,
    p: &Position,
    r: &ClassRules,
    d: f64,
    out: &mut Vec<Event>,
) {
    s.tamper
        .evidence(p, r.drift_merge_secs * 1000, true, d, out, || {
            alarm(
                p,
                Rule::Tampering,
                Severity::Serious,
                p.device_time_ms,
                r.duplicate_time_m,
                "same device time at two places",
            )
        });
}

/// Hasher for the per-fix vehicle-id lookups. Ids are registry ids, not chosen by an
/// attacker, so SipHash's flooding resistance buys nothing while costing most of a push; a
/// multiply with a 64-bit finaliser (MurmurHash3's fmix64) spreads sequential ids and
/// multiples of a power of two alike.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
}

/// Map keyed by vehicle id.
type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

/// The rule engine for a fleet.
pub struct Engine {
    cfg: RuleConfig,
    fences: FenceSet,
    profiles: IdMap<ClassRules>,
    /// Class codes, for the geofences' class filters.
    classes: IdMap<String>,
    state: IdMap<VehicleState>,
    /// Fences to evaluate, or orphaned fence alarms to close: when false the fence step is
    /// skipped without touching the vehicles' fence state.
    fence_work: bool,
    /// Reused buffer of candidate fences (no allocation per fix).
    scratch: Vec<u32>,
}

impl Engine {
    /// An engine with these parameters. Invalid geofences are skipped (see
    /// [`RuleConfig::validate_geofences`]).
    pub fn new(cfg: RuleConfig) -> Engine {
        Engine {
            fences: FenceSet::new(&cfg.geofences),
            fence_work: !cfg.geofences.is_empty(),
            cfg,
            profiles: IdMap::default(),
            classes: IdMap::default(),
            state: IdMap::default(),
            scratch: Vec::new(),
        }
    }

    /// Declares a vehicle's class (registry `vehicle_type`); unknown vehicles use the default.
    /// Geofences filtered by class follow a change from the vehicle's next fix on.
    pub fn set_vehicle(&mut self, vehicle_id: u32, class: &str) {
        self.profiles
            .insert(vehicle_id, self.cfg.class(class).clone());
        self.classes.insert(vehicle_id, class.to_string());
        if let Some(s) = self.state.get_mut(&vehicle_id) {
            s.fences.change_class(&self.fences, vehicle_id, class);
        }
    }

    /// Replaces the parameters and geofences while running, keeping every vehicle's state
    /// and open alarms. Vehicles declared with [`set_vehicle`](Self::set_vehicle) get their
    /// class's new parameters (overrides by [`set_vehicle_rules`](Self::set_vehicle_rules)
    /// must be applied again). A geofence keeps its state across the change when its id and
    /// kind stay; the open alarm of a fence removed or changed in kind ends at the vehicle's
    /// next good fix. Zone speeding and route deviation are not tied to one fence's state:
    /// an open episode carries on and is judged against the new zones / network (ending by
    /// the usual rules). New values apply from each vehicle's next fix; a replay of the same
    /// track with only one of the configurations may therefore differ around the change.
    pub fn set_config(&mut self, cfg: RuleConfig) {
        let fences = FenceSet::new(&cfg.geofences);
        let mut orphans = false;
        for s in self.state.values_mut() {
            orphans |= s.fences.remap(&self.fences, &fences);
        }
        self.fence_work |= orphans || !fences.is_empty();
        for (id, class) in &self.classes {
            self.profiles.insert(*id, cfg.class(class).clone());
        }
        self.fences = fences;
        self.cfg = cfg;
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
                &s.weekly,
                &s.night_ban,
                &s.offline,
                &s.drift.alarm,
                &s.shielding,
                &s.tamper.alarm,
            ]
            .into_iter()
            .flatten()
            {
                v.push(a.clone());
            }
            v.extend(s.fences.open().cloned());
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
        // Borrowed, not cloned: the engine's fields are borrowed separately below.
        let rules = self
            .profiles
            .get(&p.vehicle_id)
            .unwrap_or(&self.cfg.default_class);
        let cfg = &self.cfg;
        let fences = self.fence_work.then_some(&self.fences);
        let scratch = &mut self.scratch;
        let s = self.state.entry(p.vehicle_id).or_default();
        if let Some(fences) = fences.filter(|_| !s.fences.ready()) {
            let class = self.classes.get(&p.vehicle_id).map_or("", String::as_str);
            s.fences.resolve_class(fences, class);
        }
        let ctx = Ctx {
            cfg,
            fences,
            r: rules,
        };
        // Offline: data arriving after a silence (late data included) ends it.
        if p.receive_time_ms > s.max_receive {
            if let Some(last) = s.last {
                let gap = p.receive_time_ms - s.max_receive;
                if let Some(mut a) = s.offline.take() {
                    let secs = (p.receive_time_ms - a.start_ms) as f64 / 1000.0;
                    close(&mut a, p, p.receive_time_ms, secs);
                    a.detail = offline_detail(&last, p);
                    out.push(Event::Closed(a));
                } else if in_operation(&last, rules) && gap > rules.offline_secs * 1000 {
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
            evaluate(&ctx, s, p, None, out, scratch);
            s.last = Some(*p);
            return;
        };
        if p.device_time_ms <= last.device_time_ms {
            // Late or repeated: rules already ran past this time. A non-supplementary fix
            // that goes back in time is suspicious; one at the same time somewhere else is
            // a tampered clock.
            if p.device_time_ms == last.device_time_ms {
                if let Some(d) = same_time_elsewhere(&last, p, rules) {
                    duplicate_time_evidence(s, p, rules, d, out);
                }
            } else if !p.supplementary() {
                instant_tamper(p, rules, out, "device time went backwards");
            }
            return;
        }
        evaluate(&ctx, s, p, Some(last), out, scratch);
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

/// Ignition on or moving.
pub(crate) fn in_operation(p: &Position, rules: &ClassRules) -> bool {
    acc_on(p) || kmh(p) > rules.moving_kmh
}

pub(crate) fn alarm(
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

pub(crate) fn close(a: &mut Alarm, p: &Position, end_ms: i64, peak: f64) {
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
pub(crate) fn keep_open(
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

pub(crate) fn end(slot: &mut Option<Alarm>, out: &mut Vec<Event>, p: &Position, end_ms: i64) {
    if let Some(mut a) = slot.take() {
        close(&mut a, p, end_ms, 0.0);
        out.push(Event::Closed(a));
    }
}

/// What `evaluate` needs besides the vehicle's state.
struct Ctx<'a> {
    cfg: &'a RuleConfig,
    /// `None` when there is no fence work (see [`Engine::fence_work`]).
    fences: Option<&'a FenceSet>,
    r: &'a ClassRules,
}

fn evaluate(
    ctx: &Ctx,
    s: &mut VehicleState,
    p: &Position,
    last: Option<Position>,
    out: &mut Vec<Event>,
    scratch: &mut Vec<u32>,
) {
    let (cfg, r) = (ctx.cfg, ctx.r);
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

    // A tampered clock: this fix and the previous one at the same time in two places.
    // Neither is judged as drift (the jump is not the GNSS's fault) and this one, like a
    // drift fix, is excluded from the other position-based rules.
    let duplicate = last.and_then(|l| same_time_elsewhere(&l, p, r));
    let merge_ms = r.drift_merge_secs * 1000;

    // Drift: judged against the last good fix; drift fixes are excluded from the other
    // position-based rules.
    let mut drift = false;
    if !p.gnss_valid() || duplicate.is_some() {
        // Not judged: an invalid fix says nothing about drift, a duplicate is tampering.
        s.drift.expire(t, merge_ms, out);
    } else if let Some(g) = s.last_good {
        let dt = (t - g.device_time_ms) as f64 / 1000.0;
        let d = distance_m(&g, p);
        let implied = if dt > 0.0 {
            d / dt * 3.6
        } else {
            f64::INFINITY
        };
        drift =
            implied > r.drift_kmh || (dt <= r.drift_jump_window_secs as f64 && d > r.drift_jump_m);
        if drift {
            s.drift_run += 1;
            s.drift
                .evidence(p, merge_ms, true, implied.min(99_999.0), out, || {
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
                        s.drift.clear(p, merge_ms, out);
                        drift = false;
                    }
                }
            }
        } else {
            s.drift_run = 0;
            s.drift.clear(p, merge_ms, out);
            s.last_good = Some(*p);
        }
    } else {
        s.last_good = Some(*p);
    }

    // Tampering: clocks, frozen positions, duplicate times.
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
    match (duplicate, tamper_why) {
        (Some(d), _) => duplicate_time_evidence(s, p, r, d, out),
        (None, Some((peak, why))) => s.tamper.evidence(p, merge_ms, false, peak, out, || {
            alarm(
                p,
                Rule::Tampering,
                Severity::Serious,
                t,
                r.tamper_ahead_secs as f64,
                why,
            )
        }),
        (None, None) => s.tamper.clear(p, merge_ms, out),
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

    if drift || duplicate.is_some() || !p.gnss_valid() {
        return;
    }

    // Geofences, before speeding: a speed-limit zone sets the limit in force.
    let zone = ctx.fences.and_then(|set| {
        fences::evaluate(
            set,
            &mut s.fences,
            p,
            &FixContext { rules: r, minute },
            scratch,
            out,
        )
    });

    // Speeding, against the limit in force: a zone's posted limit inside it (reported as
    // `zone_speeding`), the class limit elsewhere (`speeding`); one episode at a time.
    let (rule, posted) = match zone {
        Some(z) => (Rule::ZoneSpeeding(z.id), z.limit_kmh),
        None => (Rule::Speeding, r.speed_limit_kmh),
    };
    let limit = if r.passenger && night {
        posted * r.night_speed_factor
    } else {
        posted
    };
    let v = kmh(p);
    if s.speeding.is_some() && v <= limit && t - s.last_over > r.speeding_merge_secs * 1000 {
        let end_ms = s.last_over;
        end(&mut s.speeding, out, p, end_ms);
    }
    if v > limit {
        let run = *s.over.get_or_insert(OverRun {
            start: *p,
            rule,
            limit,
        });
        if let Some(a) = s.speeding.as_mut() {
            s.last_over = t;
            a.peak = a.peak.max(v);
        } else if t - run.start.device_time_ms > r.speeding_min_secs * 1000 {
            s.last_over = t;
            let sev = if v > run.limit * 1.2 {
                Severity::Serious
            } else {
                Severity::Warning
            };
            let detail = match (run.rule, ctx.fences) {
                (Rule::ZoneSpeeding(id), Some(set)) => set.name(id),
                _ => "",
            };
            keep_open(&mut s.speeding, out, v, || {
                alarm(
                    &run.start,
                    run.rule,
                    sev,
                    run.start.device_time_ms,
                    run.limit,
                    detail,
                )
            });
        }
    } else {
        s.over = None;
    }

    // Driving time: fatigue, daily accumulation, night ban.
    let driving = acc_on(p) && v > r.moving_kmh;
    let day = local_day(t);
    if day != s.day {
        if let Some(last_drive) = s.last_driving_fix {
            end(&mut s.daily, out, p, last_drive);
        }
        s.week[s.day.rem_euclid(7) as usize] = (s.day, s.day_driving);
        s.day = day;
        s.day_driving = 0;
        s.week_prior = s
            .week
            .iter()
            .filter(|(d, _)| (day - 6..day).contains(d))
            .map(|(_, ms)| ms)
            .sum();
        // The 7-day sum only falls at a day change: the episode ends once it is back within
        // the limit, at the last driving fix (as the daily episode does).
        if s.week_prior <= r.weekly_driving_secs * 1000 {
            if let Some(last_drive) = s.last_driving_fix {
                end(&mut s.weekly, out, p, last_drive);
            }
        }
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
        let weekly_limit = r.weekly_driving_secs * 1000;
        let week = s.week_prior + s.day_driving;
        if r.passenger && week > weekly_limit {
            keep_open(
                &mut s.weekly,
                out,
                ((week - weekly_limit) / 1000) as f64,
                || {
                    alarm(
                        p,
                        Rule::WeeklyDriving,
                        Severity::Warning,
                        t,
                        r.weekly_driving_secs as f64,
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
