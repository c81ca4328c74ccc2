//! Assessment indicators: hand-built tracks with known answers for every indicator, and
//! the property that a period summed from cached days equals the period in one go.

use std::collections::HashMap;

use proptest::prelude::*;
use tongtu_rules::indicators::*;
use tongtu_rules::{replay, Rule, RuleConfig};
use tongtu_track::{day_start_ms, flags, Position};

const V: u32 = 7;
const D: i32 = 20_600;
const LAT0: i32 = 22_000_000;
const LON0: i32 = 112_000_000;
/// Metres per 1e-6 degree along a meridian (the haversine radius of `distance_m`).
const M_PER_UDEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0 / 1e6;

/// Beijing local time on day `D + day`, as UTC ms.
fn at(day: i32, h: i64, m: i64, s: i64) -> i64 {
    day_start_ms(D + day) + ((h * 60 + m) * 60 + s) * 1000
}

fn udeg(m: f64) -> i32 {
    (m / M_PER_UDEG).round() as i32
}

/// A good fix at `lat`, received half a second later.
fn fix(t: i64, lat: i32) -> Position {
    Position {
        vehicle_id: V,
        device_time_ms: t,
        receive_time_ms: t + 500,
        lat,
        lon: LON0,
        altitude: 50,
        speed: 300,
        direction: 0,
        status: 0b11,
        flags: flags::GNSS_VALID,
        ..Position::default()
    }
}

/// Builds a track northwards along a meridian.
struct Track {
    fixes: Vec<Position>,
    t: i64,
    lat: i32,
}

impl Track {
    fn new(t: i64) -> Track {
        Track {
            fixes: vec![fix(t, LAT0)],
            t,
            lat: LAT0,
        }
    }

    /// A fix `secs` after the last one and `metres` north of it.
    fn go(&mut self, secs: i64, metres: f64) -> &mut Position {
        self.t += secs * 1000;
        self.lat += udeg(metres);
        self.fixes.push(fix(self.t, self.lat));
        self.fixes.last_mut().expect("just pushed")
    }
}

fn cfg() -> IndicatorConfig {
    IndicatorConfig::default()
}

fn tally(ps: &[Position]) -> Tally {
    summarize_span(&cfg(), ps, None).0
}

fn km(mm: u64) -> f64 {
    mm as f64 / 1e6
}

// ---------------------------------------------------------------- complete track

fn gap(secs: i64, metres: f64) -> Tally {
    let mut t = Track::new(at(0, 10, 0, 0));
    t.go(secs, metres);
    tally(&t.fixes)
}

#[test]
fn a_gap_is_incomplete_only_when_both_time_and_distance_exceed_the_limits() {
    let over = gap(301, 2_001.0);
    assert_eq!(over.incomplete_segments, 1);
    assert_eq!(over.incomplete_mm, over.distance_mm);
    assert!((km(over.incomplete_mm) - 2.001).abs() < 1e-3);
    // Exactly 300 s is not "more than 5 minutes".
    assert_eq!(gap(300, 2_500.0).incomplete_segments, 0);
    assert_eq!(gap(299, 2_500.0).incomplete_segments, 0);
    // Distance just below 2 km.
    assert_eq!(gap(301, 1_999.0).incomplete_segments, 0);
    assert_eq!(gap(3_600, 1_999.0).incomplete_segments, 0);
    assert_eq!(gap(3_600, 2_001.0).incomplete_segments, 1);
    // Mileage counts either way.
    assert!((km(gap(301, 1_999.0).distance_mm) - 1.999).abs() < 1e-3);
}

#[test]
fn the_gap_rule_is_configurable() {
    let mut c = cfg();
    c.gap_secs = 600;
    c.gap_m = 1_000.0;
    let mut t = Track::new(at(0, 10, 0, 0));
    t.go(601, 1_500.0);
    t.go(599, 1_500.0);
    let (tl, _) = summarize_span(&c, &t.fixes, None);
    assert_eq!(tl.incomplete_segments, 1);
}

#[test]
fn track_completeness_known_answer_and_drill_down() {
    // 9 segments of 500 m every 30 s, then 5 km after a 10 min silence.
    let mut t = Track::new(at(0, 8, 0, 0));
    for _ in 0..9 {
        t.go(30, 500.0);
    }
    t.go(600, 5_000.0);
    let tl = tally(&t.fixes);
    assert_eq!(tl.track_fixes, 11);
    assert!((tl.mileage_km() - 9.5).abs() < 1e-3, "{}", tl.mileage_km());
    assert!((tl.incomplete_km() - 5.0).abs() < 1e-3);
    let dd = drill_down(&cfg(), &t.fixes, None, 10);
    assert_eq!(dd.incomplete.total(), 1);
    let seg = dd.incomplete.items[0];
    assert_eq!(seg.gap_secs, 600.0);
    assert!((seg.distance_m - 5_000.0).abs() < 0.1);
    assert_eq!(seg.from.time_ms, at(0, 8, 4, 30));
    assert_eq!(seg.to.time_ms, at(0, 8, 14, 30));
    assert_eq!(seg.to.lat - seg.from.lat, udeg(5_000.0));
}

// ---------------------------------------------------------------- qualified records

#[test]
fn every_unqualified_reason_is_counted_with_its_value() {
    use Unqualified::*;
    type Edit = fn(&mut Position);
    let cases: Vec<(Edit, Option<Unqualified>, f64)> = vec![
        (|_| {}, None, 0.0),
        (|p| p.flags |= flags::NO_DEVICE_TIME, Some(TimeInvalid), 0.0),
        (
            |p| p.receive_time_ms = p.device_time_ms - 601_000,
            Some(TimeInFuture),
            601.0,
        ),
        (
            |p| p.receive_time_ms = p.device_time_ms - 600_000,
            None,
            0.0,
        ),
        (|p| p.lon = 73_549_999, Some(LongitudeOutOfRange), 73.549999),
        (|p| p.lon = 73_550_000, None, 0.0),
        (
            |p| p.lon = 135_083_334,
            Some(LongitudeOutOfRange),
            135.083334,
        ),
        (|p| p.lat = 53_550_001, Some(LatitudeOutOfRange), 53.550001),
        (|p| p.lat = 3_849_999, Some(LatitudeOutOfRange), 3.849999),
        (|p| p.speed = 1_601, Some(SpeedOutOfRange), 160.1),
        (|p| p.speed = 1_600, None, 0.0),
        (|p| p.altitude = -201, Some(AltitudeOutOfRange), -201.0),
        (|p| p.altitude = -200, None, 0.0),
        (|p| p.altitude = 6_501, Some(AltitudeOutOfRange), 6_501.0),
        (|p| p.direction = 360, Some(DirectionOutOfRange), 360.0),
        (|p| p.direction = 359, None, 0.0),
    ];
    let ps: Vec<Position> = cases
        .iter()
        .enumerate()
        .map(|(i, (edit, _, _))| {
            let mut p = fix(at(0, 9, i as i64, 0), LAT0);
            edit(&mut p);
            p
        })
        .collect();
    let tl = tally(&ps);
    assert_eq!(tl.records, 16);
    assert_eq!(tl.qualified, 6);
    assert_eq!(tl.unqualified_records(), 10);
    let u = tl.unqualified;
    assert_eq!(
        [
            u.time_invalid,
            u.time_in_future,
            u.longitude_out_of_range,
            u.latitude_out_of_range,
            u.speed_out_of_range,
            u.altitude_out_of_range,
            u.direction_out_of_range
        ],
        [1, 1, 2, 2, 1, 2, 1]
    );
    // Bad coordinates and times stay off the track (6 records), bad speed, altitude and
    // direction stay on it. The qualified fix at exactly 73°33′E is 3 900 km west of the
    // others, a minute apart: drift, the one drift fix; no mileage.
    assert_eq!(tl.drift_fixes, 1);
    assert_eq!(tl.track_fixes, 16 - 6 - 1);
    assert_eq!(tl.distance_mm, 0);
    let dd = drill_down(&cfg(), &ps, None, 100);
    let expected: Vec<(Unqualified, f64)> = cases
        .iter()
        .filter_map(|(_, r, v)| r.map(|r| (r, *v)))
        .collect();
    let got: Vec<(Unqualified, f64)> = dd
        .unqualified
        .items
        .iter()
        .map(|i| (i.reason, i.value))
        .collect();
    assert_eq!(got.len(), expected.len());
    for ((gr, gv), (er, ev)) in got.iter().zip(&expected) {
        assert_eq!(gr, er);
        assert!((gv - ev).abs() < 1e-9, "{gr:?}: {gv} vs {ev}");
    }
    assert_eq!(TimeInFuture.label_zh(), "时间超前");
}

#[test]
fn a_record_failing_two_checks_is_one_unqualified_record_with_two_reasons() {
    let mut p = fix(at(0, 9, 0, 0), LAT0);
    p.speed = 2_000;
    p.direction = 400;
    let tl = tally(&[p]);
    assert_eq!((tl.records, tl.qualified), (1, 0));
    assert_eq!(tl.unqualified.speed_out_of_range, 1);
    assert_eq!(tl.unqualified.direction_out_of_range, 1);
    let dd = drill_down(&cfg(), &[p], None, 1);
    assert_eq!(dd.unqualified.items.len(), 1);
    assert_eq!(dd.unqualified.more, 1);
}

// ---------------------------------------------------------------- drift

fn two_fixes_a_minute_apart(kmh: f64) -> Vec<Position> {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(60, kmh / 3.6 * 60.0);
    t.fixes
}

#[test]
fn drift_just_above_the_limit_is_excluded_from_mileage() {
    let above = tally(&two_fixes_a_minute_apart(161.0));
    assert_eq!((above.drift_fixes, above.distance_mm), (1, 0));
    let below = tally(&two_fixes_a_minute_apart(159.0));
    assert_eq!(below.drift_fixes, 0);
    assert!((below.mileage_km() - 2.65).abs() < 1e-3);
    let dd = drill_down(&cfg(), &two_fixes_a_minute_apart(161.0), None, 5);
    assert_eq!(dd.drift.items.len(), 1);
    assert!((dd.drift.items[0].implied_kmh - 161.0).abs() < 0.01);
    assert_eq!(dd.drift.items[0].from.time_ms, at(0, 9, 0, 0));
}

#[test]
fn indicators_and_the_drift_alarm_agree() {
    for (kmh, drift) in [(161.0, true), (159.0, false)] {
        let mut t = Track::new(at(0, 9, 0, 0));
        t.go(60, kmh / 3.6 * 60.0);
        // Back near the start: plausible from the first fix, so the episode ends.
        t.go(60, -(kmh / 3.6 * 60.0) + 300.0);
        let alarms = replay(&RuleConfig::default(), "coach", &t.fixes);
        let alarmed = alarms.iter().any(|a| a.rule == Rule::Drift);
        assert_eq!(alarmed, drift, "{kmh} km/h");
        assert_eq!(tally(&t.fixes).drift_fixes, u64::from(drift), "{kmh} km/h");
    }
}

#[test]
fn after_a_drift_fix_mileage_is_measured_from_the_last_good_fix() {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(30, 10_000.0); // drift
    t.go(30, -10_000.0 + 300.0); // 300 m from the first fix in 60 s
    let tl = tally(&t.fixes);
    assert_eq!(tl.drift_fixes, 1);
    assert_eq!(tl.track_fixes, 2);
    assert!((tl.mileage_km() - 0.3).abs() < 1e-3);
}

#[test]
fn three_agreeing_fixes_re_anchor_the_track_like_the_engine() {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(30, 10_000.0);
    t.go(30, 200.0);
    t.go(30, 200.0); // third in a row agreeing with the previous: the new place
    t.go(30, 200.0);
    let tl = tally(&t.fixes);
    assert_eq!(tl.drift_fixes, 2);
    assert_eq!(tl.track_fixes, 3);
    assert!((tl.mileage_km() - 0.2).abs() < 1e-3);
}

#[test]
fn the_jump_rule_is_optional() {
    let mut c = cfg();
    c.drift_kmh = 5_000.0;
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(60, 20_100.0);
    assert_eq!(summarize_span(&c, &t.fixes, None).0.drift_fixes, 1);
    let mut late = Track::new(at(0, 9, 0, 0));
    late.go(61, 20_100.0);
    assert_eq!(summarize_span(&c, &late.fixes, None).0.drift_fixes, 0);
    c.drift_jump_m = None;
    assert_eq!(summarize_span(&c, &t.fixes, None).0.drift_fixes, 0);
}

#[test]
fn gnss_invalid_fixes_are_records_but_not_track() {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(30, 10_000.0).flags &= !flags::GNSS_VALID;
    t.go(30, -9_500.0);
    let tl = tally(&t.fixes);
    assert_eq!((tl.records, tl.qualified, tl.gnss_invalid), (3, 3, 1));
    assert_eq!(tl.drift_fixes, 0);
    assert!((tl.mileage_km() - 0.5).abs() < 1e-3);
}

// ---------------------------------------------------------------- online time

#[test]
fn online_time_counts_receive_gaps_up_to_the_limit_and_ignores_blind_area_data() {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(30, 0.0);
    t.go(600, 0.0); // counted: up to 600 s
    t.go(601, 0.0); // not counted
    t.go(30, 0.0);
    let mut ps = t.fixes.clone();
    // Recorded in a blind area, uploaded an hour later: not online time, and it must not
    // move the online clock either.
    let mut late = fix(at(0, 9, 5, 0), LAT0);
    late.receive_time_ms = at(0, 11, 0, 0);
    late.flags |= flags::SUPPLEMENTARY;
    ps.push(late);
    let tl = tally(&ps);
    assert_eq!(tl.online_ms, 660_000);
    assert_eq!(tl.first_fix_ms, Some(at(0, 9, 0, 0)));
    assert_eq!(tl.last_fix_ms, Some(at(0, 9, 21, 1)));
}

// ---------------------------------------------------------------- input order

#[test]
fn duplicates_and_out_of_order_fixes_give_the_clean_answer() {
    let mut t = Track::new(at(0, 8, 0, 0));
    for i in 0..40 {
        let secs = if i == 20 { 700 } else { 20 };
        t.go(secs, if i == 20 { 6_000.0 } else { 300.0 });
    }
    t.go(20, 9_000.0); // drift
    t.go(20, -8_700.0);
    let clean = t.fixes.clone();
    let mut messy: Vec<Position> = clean.iter().rev().copied().collect();
    for i in [0, 5, 17, 30, 41] {
        let mut again = clean[i];
        again.receive_time_ms += 30_000;
        messy.insert(i * 2 % messy.len(), again);
    }
    let (a, b) = (tally(&clean), tally(&messy));
    assert_eq!(b.duplicates, 5);
    assert_eq!(Tally { duplicates: 0, ..b }, a);
    assert_eq!(a.incomplete_segments, 1);
    assert_eq!(a.drift_fixes, 1);
    assert_eq!(
        drill_down(&cfg(), &clean, None, 3),
        drill_down(&cfg(), &messy, None, 3)
    );
}

#[test]
fn a_second_fix_at_the_same_time_elsewhere_is_a_record_but_not_track() {
    let mut t = Track::new(at(0, 9, 0, 0));
    t.go(30, 300.0);
    let mut twin = t.fixes[1];
    twin.lat += udeg(5_000.0);
    t.fixes.push(twin);
    t.go(30, 300.0);
    let tl = tally(&t.fixes);
    assert_eq!((tl.records, tl.duplicates, tl.track_fixes), (4, 0, 3));
    assert_eq!(tl.drift_fixes, 0);
    assert!((tl.mileage_km() - 0.6).abs() < 1e-3);
}

// ---------------------------------------------------------------- days and midnight

#[test]
fn a_segment_crossing_midnight_belongs_to_the_day_it_ends() {
    let mut t = Track::new(at(0, 23, 50, 0));
    t.go(60, 1_000.0);
    t.go(60, 1_000.0); // 23:52
    t.go(13 * 60, 3_000.0); // 00:05 next day, 13 min and 3 km: incomplete
    t.go(60, 1_000.0);
    let days = compute_days(&cfg(), V, &t.fixes, None).expect("days");
    assert_eq!(days.iter().map(|d| d.day).collect::<Vec<_>>(), [D, D + 1]);
    assert!((days[0].mileage_km() - 2.0).abs() < 1e-3);
    assert!((days[1].mileage_km() - 4.0).abs() < 1e-3);
    assert!((days[1].tally.incomplete_km() - 3.0).abs() < 1e-3);
    assert_eq!(days[1].tally.online_ms, 60_000);
    // Without the carry the next day does not know where the vehicle was.
    let alone = VehicleDay::compute(&cfg(), V, D + 1, &t.fixes[3..], None).expect("day");
    assert!((alone.mileage_km() - 1.0).abs() < 1e-3);
    // The same with the carry given explicitly, through JSON as the cache stores it.
    let json = serde_json::to_string(&days[0]).expect("json");
    let cached: VehicleDay = serde_json::from_str(&json).expect("back");
    assert_eq!(cached, days[0]);
    let next =
        VehicleDay::compute(&cfg(), V, D + 1, &t.fixes[3..], Some(&cached.carry)).expect("day");
    assert_eq!(next, days[1]);
}

#[test]
fn wrong_input_is_an_error_not_a_wrong_figure() {
    let p = fix(at(1, 0, 0, 1), LAT0);
    let e = VehicleDay::compute(&cfg(), V, D, &[p], None).expect_err("other day");
    assert!(matches!(e, IndicatorError::ForeignPosition { found_day, .. } if found_day == D + 1));
    let e = VehicleDay::compute(&cfg(), V + 1, D + 1, &[p], None).expect_err("other vehicle");
    assert!(e.to_string().contains("found one of vehicle 7"), "{e}");
    let d = VehicleDay::compute(&cfg(), V, D + 1, &[p], None).expect("ok");
    let e = VehicleDay::compute(&cfg(), V, D + 1, &[], Some(&d.carry)).expect_err("carry");
    assert_eq!(
        e,
        IndicatorError::CarryNotBefore {
            day: D + 1,
            carry_day: D + 1
        }
    );
}

#[test]
fn an_empty_day_is_all_zero_and_passes_its_carry_on() {
    let d = VehicleDay::compute(&cfg(), V, D, &[], None).expect("empty");
    assert_eq!(d.tally, Tally::default());
    let mut t = Track::new(at(0, 12, 0, 0));
    t.go(30, 100.0);
    let d0 = VehicleDay::compute(&cfg(), V, D, &t.fixes, None).expect("d0");
    let d1 = VehicleDay::compute(&cfg(), V, D + 1, &[], Some(&d0.carry)).expect("d1");
    assert_eq!(d1.tally, Tally::default());
    assert_eq!(d1.carry, d0.carry);
}

// ---------------------------------------------------------------- aggregation

fn reg(
    v: u32,
    e: u32,
    region: &str,
    registered_day: Option<i32>,
    active: bool,
) -> RegisteredVehicle {
    RegisteredVehicle {
        vehicle_id: v,
        enterprise_id: e,
        region: region.into(),
        class: "coach".into(),
        registered_day,
        active,
    }
}

fn day_of_track(v: u32, day: i32, ps: &[Position]) -> VehicleDay {
    let ps: Vec<Position> = ps
        .iter()
        .map(|p| Position {
            vehicle_id: v,
            ..*p
        })
        .collect();
    VehicleDay::compute(&cfg(), v, D + day, &ps, None).expect("day")
}

struct Fleet {
    register: Vec<RegisteredVehicle>,
    days: Vec<VehicleDay>,
    alarms: HashMap<u32, AlarmFigures>,
    first: HashMap<u32, i32>,
    checks: HashMap<u32, CheckResponses>,
    /// v1's records, all qualified.
    v1_records: u64,
}

/// v1: online, drift on day 1, 9.5 km with 5 km incomplete on day 0 and 1 km on day 1.
/// v2: 入网 long ago, silent in the period. v3: registered on day 5, data on days 2 (not
/// counted) and 6. v4: online with unqualified records only (never 入网). v5: inactive.
/// v6: not on the register. v8: registered after the period.
fn fleet() -> Fleet {
    let mut t0 = Track::new(at(0, 8, 0, 0));
    for _ in 0..9 {
        t0.go(30, 500.0);
    }
    t0.go(600, 5_000.0);
    let mut t1 = Track::new(at(1, 8, 0, 0));
    t1.go(30, 9_000.0); // drift
    t1.go(30, -8_000.0); // 1 km from the start
    let v3a = Track::new(at(2, 8, 0, 0)).fixes;
    let v3b = Track::new(at(6, 8, 0, 0)).fixes;
    let mut v4 = Track::new(at(3, 8, 0, 0));
    v4.go(30, 100.0);
    for p in &mut v4.fixes {
        p.lon = 10_000_000;
    }
    let days = vec![
        day_of_track(1, 0, &t0.fixes),
        day_of_track(1, 1, &t1.fixes),
        day_of_track(3, 2, &v3a),
        day_of_track(3, 6, &v3b),
        day_of_track(4, 3, &v4.fixes),
        day_of_track(
            5,
            3,
            &v3a.iter()
                .map(|p| Position {
                    device_time_ms: p.device_time_ms + 86_400_000,
                    receive_time_ms: p.receive_time_ms + 86_400_000,
                    ..*p
                })
                .collect::<Vec<_>>(),
        ),
        day_of_track(6, 4, &Track::new(at(4, 8, 0, 0)).fixes),
    ];
    let v1_records = (t0.fixes.len() + t1.fixes.len()) as u64;
    Fleet {
        register: vec![
            reg(1, 10, "A", None, true),
            reg(2, 10, "A", Some(D - 200), true),
            reg(3, 10, "B", Some(D + 5), true),
            reg(4, 20, "A", None, true),
            reg(5, 20, "B", None, false),
            reg(8, 20, "B", Some(D + 20), true),
        ],
        days,
        alarms: HashMap::from([
            (
                1,
                AlarmFigures {
                    speeding_events: 4,
                    fatigue_secs: 1_200,
                },
            ),
            (
                4,
                AlarmFigures {
                    speeding_events: 2,
                    fatigue_secs: 0,
                },
            ),
            (
                5,
                AlarmFigures {
                    speeding_events: 50,
                    fatigue_secs: 9_000,
                },
            ),
        ]),
        first: HashMap::from([(2, D - 100)]),
        checks: HashMap::from([(
            10,
            CheckResponses {
                received: 10,
                answered: 9,
            },
        )]),
        v1_records,
    }
}

fn report(f: &Fleet, g: Grouping) -> Report {
    let input = AggregateInput {
        register: &f.register,
        days: &f.days,
        alarms: &f.alarms,
        first_qualified_day: &f.first,
        check_responses: &f.checks,
        reference: None,
    };
    aggregate(&cfg(), &input, Period::new(D, D + 9).expect("period"), g).expect("report")
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-4)
}

#[test]
fn city_indicators_known_answers() {
    let f = fleet();
    let r = report(&f, Grouping::City);
    assert_eq!(
        r.ignored,
        Ignored {
            unregistered_vehicles: 1,
            inactive_vehicles: 1,
            registered_after_period: 1,
            days_before_registration: 1,
        }
    );
    let c = &r.groups[0];
    assert_eq!(c.key, GroupKey::City);
    // 入网: v1, v2 (history), v3; not v4. On the register: v1–v4.
    assert_eq!(c.access_rate.to_string(), "3 / 4 (75.00 %)");
    // Online: v1, v3, v4; online and 入网: v1, v3.
    assert_eq!((c.vehicles_online, c.vehicles_online_entered), (3, 2));
    assert!(close(c.online_rate.value, 2.0 / 3.0));
    assert_eq!(c.drift_vehicle_rate.numerator, 1.0);
    assert_eq!(c.drift_vehicle_rate.denominator, 3.0);
    assert!((c.track_complete_rate.numerator - 5.5).abs() < 1e-3);
    assert!((c.track_complete_rate.denominator - 10.5).abs() < 1e-3);
    let records = f.v1_records + 1 + 2;
    assert_eq!(c.data_qualified_rate.denominator, records as f64);
    assert_eq!(c.data_qualified_rate.numerator, (records - 2) as f64);
    // Speeding 4 + 2 (v5 is inactive) over 3 online; fatigue 1 200 / 3.
    assert_eq!(c.avg_speeding_events.value, Some(2.0));
    assert_eq!(c.avg_fatigue_secs.value, Some(400.0));
    assert_eq!(r.reference.speeding_avg, Some(2.0));
    assert_eq!(c.targets.access_rate, Some(false));
    assert_eq!(c.targets.avg_speeding, Some(true));
    assert!((c.mileage_km - 10.5).abs() < 1e-3);
    assert!((c.incomplete_km - 5.0).abs() < 1e-3);
    // Platform score: 入网 75 % < 90 % → 0; 上线 2/3 × 10; drift 1/3 > 5 % → 0;
    // completeness 52 % < 70 % → 0; qualified × 30.
    let q = (records - 2) as f64 / records as f64;
    let expected = 10.0 * 2.0 / 3.0 + if q >= 0.8 { 30.0 * q } else { 0.0 };
    assert!((c.platform_score.total - expected).abs() < 1e-9);
    assert_eq!(c.platform_score.max, 100.0);
}

#[test]
fn enterprise_scores_known_answers_and_ranking() {
    let f = fleet();
    let r = report(&f, Grouping::Enterprise);
    assert_eq!(r.groups.len(), 2);
    let e10 = &r.groups[0];
    assert_eq!(e10.key, GroupKey::Enterprise(10));
    assert_eq!(e10.access_rate.value, Some(1.0));
    assert!(close(e10.online_rate.value, 2.0 / 3.0));
    assert_eq!(e10.drift_vehicle_rate.value, Some(0.5));
    assert_eq!(e10.avg_speeding_events.value, Some(2.0));
    assert_eq!(e10.avg_fatigue_secs.value, Some(600.0));
    assert_eq!(e10.check_response_rate.and_then(|c| c.value), Some(0.9));
    // 5 + 2/3×5 + 0 (completeness < 70 %) + 15 + 0 (drift > 5 %) + 10 (c = r) +
    // 5 (c = 1.5 r) + 9.
    let expected = 5.0 + 5.0 * 2.0 / 3.0 + 15.0 + 10.0 + 5.0 + 9.0;
    assert!(
        (e10.enterprise_score.total - expected).abs() < 1e-9,
        "{:?}",
        e10.enterprise_score
    );
    assert_eq!(e10.enterprise_score.max, 100.0);
    let e20 = &r.groups[1];
    assert_eq!(e20.access_rate.to_string(), "0 / 1 (0.00 %)");
    assert_eq!(e20.online_rate.value, None);
    assert_eq!(e20.track_complete_rate.value, None);
    assert_eq!(e20.data_qualified_rate.value, Some(0.0));
    assert_eq!(e20.drift_vehicle_rate.value, Some(0.0));
    // Drift 10 + speeding 10 (c = r) + fatigue 20 (c = 0); no 查岗 data: out of the max.
    assert_eq!(e20.enterprise_score.total, 40.0);
    assert_eq!(e20.enterprise_score.max, 90.0);

    let by_score = rank(&r.groups, Indicator::EnterpriseScore);
    assert_eq!(by_score[0].key, GroupKey::Enterprise(10));
    assert_eq!(by_score[1].rank, Some(2));
    let by_online = rank(&r.groups, Indicator::OnlineRate);
    assert_eq!(by_online[0].key, GroupKey::Enterprise(10));
    assert!(by_online[0].below_target);
    assert_eq!(by_online[1].rank, None);
    assert!(!by_online[1].below_target);
    let by_drift = rank(&r.groups, Indicator::DriftVehicleRate);
    assert_eq!(by_drift[0].key, GroupKey::Enterprise(20));
    assert!(by_drift[1].below_target);
}

#[test]
fn region_and_vehicle_groupings() {
    let f = fleet();
    let r = report(&f, Grouping::Region);
    let keys: Vec<_> = r.groups.iter().map(|g| g.key.clone()).collect();
    assert_eq!(
        keys,
        [GroupKey::Region("A".into()), GroupKey::Region("B".into())]
    );
    assert_eq!(r.groups[0].vehicles_registered, 3);
    assert_eq!(r.groups[1].vehicles_registered, 1);
    let v = report(&f, Grouping::Vehicle);
    assert_eq!(v.groups.len(), 4);
    let v2 = &v.groups[1];
    assert_eq!(v2.key, GroupKey::Vehicle(2));
    // 入网 long ago, silent now: online rate 0 / 1, per-online-vehicle figures undefined.
    assert_eq!(v2.online_rate.to_string(), "0 / 1 (0.00 %)");
    assert_eq!(v2.avg_speeding_events.value, None);
    assert_eq!(v2.targets.avg_speeding, None);
    // v3 registered on day 5: only day 6 counts.
    let v3 = &v.groups[2];
    assert_eq!(v3.tally.records, 1);
    assert_eq!(v3.tally.active_days, 1);
}

#[test]
fn ties_share_a_rank() {
    let f = fleet();
    let r = report(&f, Grouping::Vehicle);
    let rows = rank(&r.groups, Indicator::AccessRate);
    let ranks: Vec<_> = rows.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [Some(1), Some(1), Some(1), Some(4)]);
    assert_eq!(rows[3].key, GroupKey::Vehicle(4));
}

#[test]
fn empty_inputs_give_undefined_rates_not_nan() {
    let input = AggregateInput {
        register: &[],
        days: &[],
        alarms: &HashMap::new(),
        first_qualified_day: &HashMap::new(),
        check_responses: &HashMap::new(),
        reference: None,
    };
    let r = aggregate(
        &cfg(),
        &input,
        Period::new(D, D).expect("p"),
        Grouping::City,
    )
    .expect("r");
    let c = &r.groups[0];
    for ratio in [
        c.access_rate,
        c.online_rate,
        c.track_complete_rate,
        c.data_qualified_rate,
        c.drift_vehicle_rate,
        c.avg_speeding_events,
        c.avg_fatigue_secs,
        c.avg_online_secs,
        c.avg_daily_mileage_km,
    ] {
        assert_eq!(ratio.value, None);
    }
    assert_eq!(c.enterprise_score.total, 0.0);
    assert!(!serde_json::to_string(&r).expect("json").contains("NaN"));
    assert!(aggregate(
        &cfg(),
        &input,
        Period::new(D, D).expect("p"),
        Grouping::Enterprise
    )
    .expect("r")
    .groups
    .is_empty());
    assert!(Period::new(D, D - 1).is_err());
}

#[test]
fn duplicate_input_rows_are_errors() {
    let mut f = fleet();
    f.days.push(f.days[0]);
    let input = AggregateInput {
        register: &f.register,
        days: &f.days,
        alarms: &f.alarms,
        first_qualified_day: &f.first,
        check_responses: &f.checks,
        reference: None,
    };
    let e = aggregate(
        &cfg(),
        &input,
        Period::new(D, D + 9).expect("p"),
        Grouping::City,
    )
    .expect_err("twice");
    assert_eq!(
        e,
        IndicatorError::DuplicateDay {
            vehicle_id: 1,
            day: D
        }
    );
}

#[test]
fn score_formulas() {
    // Three bands for 20 points against r = 2.
    assert_eq!(band_points(20.0, Some(0.0), Some(2.0)), 20.0);
    assert_eq!(band_points(20.0, Some(1.0), Some(2.0)), 15.0);
    assert_eq!(band_points(20.0, Some(2.0), Some(2.0)), 10.0);
    assert_eq!(band_points(20.0, Some(3.0), Some(2.0)), 5.0);
    assert_eq!(band_points(20.0, Some(4.0), Some(2.0)), 0.0);
    assert_eq!(band_points(20.0, Some(0.0), Some(0.0)), 20.0);
    assert_eq!(band_points(20.0, Some(1.0), Some(0.0)), 0.0);
    assert_eq!(band_points(20.0, None, Some(2.0)), 0.0);
    let mut c = cfg();
    assert!((drift_points(&c, 10.0, Some(0.03)) - 9.7).abs() < 1e-12);
    assert_eq!(drift_points(&c, 10.0, Some(0.0501)), 0.0);
    assert_eq!(drift_points(&c, 10.0, None), 0.0);
    c.floors.drift_scale = 20.0;
    assert!((drift_points(&c, 10.0, Some(0.025)) - 5.0).abs() < 1e-12);
}

// ---------------------------------------------------------------- property

/// Pseudo-random permutation (Fisher–Yates over SplitMix64).
fn shuffle(v: &mut [Position], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^= z >> 27;
        v.swap(i, (z % (i as u64 + 1)) as usize);
    }
}

/// A random track over a few days starting in the evening: steps of 1 s–20 min, moves up
/// to 6 km (so gaps, drift and re-anchoring all happen), with anomalies.
fn track_strategy() -> impl Strategy<Value = Vec<Position>> {
    prop::collection::vec((1i64..1_200, -6_000i32..6_000, 0u8..24), 0..250).prop_map(|steps| {
        let mut out = Vec::new();
        let (mut t, mut lat) = (at(0, 21, 0, 0), LAT0);
        for (secs, m, kind) in steps {
            t += secs * 1000;
            lat += udeg(f64::from(m));
            let mut p = fix(t, lat);
            match kind {
                0 => p.lat += udeg(40_000.0),
                1 => p.flags &= !flags::GNSS_VALID,
                2 => p.lon = 0,
                3 => {
                    p.flags |= flags::SUPPLEMENTARY;
                    p.receive_time_ms += 3_600_000;
                }
                4 => out.push(Position {
                    receive_time_ms: p.receive_time_ms + 1_000,
                    ..p
                }),
                5 => p.receive_time_ms -= 3_600_000,
                6 => p.speed = 2_000,
                7 => {
                    // Same time, elsewhere.
                    out.push(Position {
                        lat: p.lat + 3_000,
                        ..p
                    });
                }
                _ => {}
            }
            out.push(p);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn daily_summaries_add_up_to_the_period_in_one_go(
        track in track_strategy(),
        seed in any::<u64>(),
    ) {
        let c = cfg();
        let mut messy = track.clone();
        shuffle(&mut messy, seed);
        let (whole, end) = summarize_span(&c, &messy, None);

        // Day by day, each day from the cache (JSON) of the day before.
        let mut by_day: std::collections::BTreeMap<i32, Vec<Position>> = Default::default();
        for p in &messy {
            by_day.entry(p.day()).or_default().push(*p);
        }
        let mut carry: Option<Carry> = None;
        let mut merged = Tally::default();
        let mut days = Vec::new();
        for (day, ps) in &by_day {
            let d = VehicleDay::compute(&c, V, *day, ps, carry.as_ref()).expect("day");
            let cached: VehicleDay =
                serde_json::from_str(&serde_json::to_string(&d).expect("json")).expect("back");
            prop_assert_eq!(cached, d);
            merged.merge(&cached.tally);
            carry = Some(cached.carry);
            days.push(cached);
        }
        prop_assert_eq!(merged, whole);
        if let Some(cy) = carry {
            prop_assert_eq!(cy, end);
        }
        prop_assert_eq!(&compute_days(&c, V, &messy, None).expect("days"), &days);

        // The drill-down lists exactly what the counts count.
        let dd = drill_down(&c, &messy, None, 10);
        prop_assert_eq!(dd.incomplete.total(), whole.incomplete_segments);
        prop_assert_eq!(dd.drift.total(), whole.drift_fixes);
        let reasons: u64 = Unqualified::ALL.iter().map(|r| whole.unqualified.get(*r)).sum();
        prop_assert_eq!(dd.unqualified.total(), reasons);

        // Aggregating the cached days equals aggregating the period's one-shot tally.
        let register = [reg(V, 1, "A", None, true)];
        let alarms = HashMap::from([(V, AlarmFigures { speeding_events: 3, fatigue_secs: 60 })]);
        let (first, checks) = (HashMap::new(), HashMap::new());
        let one = [VehicleDay { vehicle_id: V, day: D, tally: whole, carry: end }];
        let period = Period::new(D - 1, D + 30).expect("period");
        let mut reports = Vec::new();
        for ds in [&days[..], &one[..]] {
            let input = AggregateInput {
                register: &register,
                days: ds,
                alarms: &alarms,
                first_qualified_day: &first,
                check_responses: &checks,
                reference: None,
            };
            reports.push(aggregate(&c, &input, period, Grouping::Enterprise).expect("report"));
        }
        prop_assert_eq!(&reports[0], &reports[1]);
    }
}
