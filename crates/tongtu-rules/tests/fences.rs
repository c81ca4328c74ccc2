//! Geofence and 7-day driving scenarios: hand-built tracks with exact alarm bounds, each with
//! a compliant twin; geometry properties; live == replay with fences.

use proptest::prelude::*;
use tongtu_rules::{
    collect, replay, rule_from_code, Alarm, ClassRules, Engine, Event, FenceKind, Geofence, Rule,
    RuleConfig, Severity, Shape,
};
use tongtu_track::{day_start_ms, flags, Position};

const V: u32 = 7;
const LAT0: f64 = 22.0;
const LON0: f64 = 113.0;
/// Metres per degree of latitude (mean Earth radius, as the engine).
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// Beijing local time on a fixed day, as UTC ms.
fn at(h: i64, m: i64, s: i64) -> i64 {
    day_start_ms(20_600) + ((h * 60 + m) * 60 + s) * 1000
}

/// `[lat, lon]` of a point `north` / `east` metres from (22°N, 113°E).
fn ll(north: f64, east: f64) -> [f64; 2] {
    [
        LAT0 + north / M_PER_DEG,
        LON0 + east / (M_PER_DEG * LAT0.to_radians().cos()),
    ]
}

fn ring(pts: &[(f64, f64)]) -> Vec<[f64; 2]> {
    pts.iter().map(|&(n, e)| ll(n, e)).collect()
}

/// Square: north 1050..2050 m, east -500..500 m.
fn square() -> Shape {
    Shape::Polygon {
        points: ring(&[
            (1050.0, -500.0),
            (2050.0, -500.0),
            (2050.0, 500.0),
            (1050.0, 500.0),
        ]),
    }
}

/// The square with a notch open to the south: east -100..100 m, north up to 1850 m.
fn u_shape() -> Shape {
    Shape::Polygon {
        points: ring(&[
            (1050.0, -500.0),
            (2050.0, -500.0),
            (2050.0, 500.0),
            (1050.0, 500.0),
            (1050.0, 100.0),
            (1850.0, 100.0),
            (1850.0, -100.0),
            (1050.0, -100.0),
        ]),
    }
}

/// A route along the meridian through the origin, symmetric about it, 100 m either side.
fn route() -> Shape {
    Shape::Corridor {
        points: vec![ll(-20_000.0, 0.0), ll(20_000.0, 0.0)],
        half_width_m: 100.0,
    }
}

fn fence(id: u32, shape: Shape, kind: FenceKind) -> Geofence {
    Geofence {
        id,
        name: format!("fence {id}"),
        shape,
        kind,
        vehicle_ids: vec![],
        classes: vec![],
        active_from_min: None,
        active_to_min: None,
    }
}

fn config(fences: Vec<Geofence>) -> RuleConfig {
    RuleConfig {
        geofences: fences,
        ..RuleConfig::default()
    }
}

/// Builds a track fix by fix, driving north along a fixed east offset.
struct Track {
    fixes: Vec<Position>,
    vehicle: u32,
    t: i64,
    north: f64,
    east: f64,
}

impl Track {
    fn new(t: i64, north: f64, east: f64) -> Track {
        Track {
            fixes: Vec::new(),
            vehicle: V,
            t,
            north,
            east,
        }
    }

    fn fix(&mut self, kmh: f64, acc: bool) -> &mut Position {
        let [lat, lon] = ll(self.north, self.east);
        self.fixes.push(Position {
            vehicle_id: self.vehicle,
            device_time_ms: self.t,
            receive_time_ms: self.t + 500,
            lat: (lat * 1e6).round() as i32,
            lon: (lon * 1e6).round() as i32,
            speed: (kmh * 10.0).round() as u16,
            status: u32::from(acc) | 0b10,
            flags: flags::GNSS_VALID,
            ..Default::default()
        });
        self.fixes.last_mut().expect("just pushed")
    }

    /// Drives for `secs` at `kmh`, a fix every `every` seconds (first fix now).
    fn drive(&mut self, secs: i64, every: i64, kmh: f64) -> &mut Track {
        let mut e = 0;
        while e < secs {
            self.fix(kmh, true);
            self.t += every * 1000;
            self.north += kmh / 3.6 * every as f64;
            e += every;
        }
        self
    }

    /// Parks (ACC off) for `secs`, a fix every `every` seconds.
    fn park(&mut self, secs: i64, every: i64) -> &mut Track {
        let mut e = 0;
        while e < secs {
            self.fix(0.0, false);
            self.t += every * 1000;
            e += every;
        }
        self
    }

    /// Drives east (west when `kmh` is negative) for `secs`, a fix every `every` seconds.
    fn drive_east(&mut self, secs: i64, every: i64, kmh: f64) -> &mut Track {
        let mut e = 0;
        while e < secs {
            self.fix(kmh.abs(), true);
            self.t += every * 1000;
            self.east += kmh / 3.6 * every as f64;
            e += every;
        }
        self
    }
}

fn alarms(cfg: &RuleConfig, class: &str, fixes: &[Position], rule: Rule) -> Vec<Alarm> {
    replay(cfg, class, fixes)
        .into_iter()
        .filter(|a| a.rule == rule)
        .collect()
}

/// Every fence alarm of a replay.
fn fence_alarms(cfg: &RuleConfig, class: &str, fixes: &[Position]) -> Vec<Alarm> {
    replay(cfg, class, fixes)
        .into_iter()
        .filter(|a| a.rule.fence_id().is_some())
        .collect()
}

/// 36 km/h = 100 m per 10 s fix: fix k is at north 100·k m, time t0 + 10·k s.
const T0: (i64, i64, i64) = (10, 0, 0);
fn t0() -> i64 {
    at(T0.0, T0.1, T0.2)
}

#[test]
fn enter_and_leave_at_the_first_fix_inside_and_outside() {
    let cfg = config(vec![
        fence(1, square(), FenceKind::Enter),
        fence(2, square(), FenceKind::Leave),
    ]);
    let mut t = Track::new(t0(), 0.0, 0.0);
    t.drive(310, 10, 36.0);
    let a = fence_alarms(&cfg, "heavy_truck", &t.fixes);
    assert_eq!(a.len(), 2, "{a:?}");
    // First fix inside: north 1100 m (fix 11); first outside again: 2100 m (fix 21).
    assert_eq!(a[0].rule, Rule::FenceEnter(1));
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (t0() + 110_000, Some(t0() + 110_000))
    );
    assert_eq!(a[0].severity, Severity::Info);
    assert_eq!(a[0].detail, "fence 1");
    assert_eq!(a[1].rule, Rule::FenceLeave(2));
    assert_eq!(
        (a[1].start_ms, a[1].end_ms),
        (t0() + 210_000, Some(t0() + 210_000))
    );
    assert_eq!(a[1].start_fix, t.fixes[21]);

    // A track that starts inside did not enter (its past is unknown); it does leave.
    let mut t = Track::new(t0(), 1500.0, 0.0);
    t.drive(100, 10, 36.0);
    let a = fence_alarms(&cfg, "heavy_truck", &t.fixes);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].rule, Rule::FenceLeave(2));
    assert_eq!(a[0].start_ms, t0() + 60_000);

    // Twin passing beside the square: nothing.
    let mut t = Track::new(t0(), 0.0, 520.0);
    t.drive(310, 10, 36.0);
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());
}

#[test]
fn forbidden_zone_is_open_while_inside() {
    let cfg = config(vec![fence(3, u_shape(), FenceKind::Forbidden)]);
    // Through the solid east arm.
    let mut t = Track::new(t0(), 0.0, 300.0);
    t.drive(310, 10, 36.0);
    let a = alarms(&cfg, "heavy_truck", &t.fixes, Rule::Forbidden(3));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, t0() + 110_000, "first fix inside");
    assert_eq!(a[0].end_ms, Some(t0() + 210_000), "first fix outside");
    assert_eq!(a[0].severity, Severity::Serious);
    assert_eq!(a[0].peak, 100.0, "seconds inside");
    assert_eq!(a[0].end_fix, Some(t.fixes[21]));

    // Still inside at the end of the track: open.
    let a = alarms(&cfg, "heavy_truck", &t.fixes[..15], Rule::Forbidden(3));
    assert_eq!((a.len(), a[0].end_ms), (1, None));

    // Compliant twins: up the notch (inside the bounding box, outside the polygon) and
    // back, and along the east edge 10 m outside.
    let mut t = Track::new(t0(), 0.0, 0.0);
    t.drive(170, 10, 36.0).drive(170, 10, -36.0);
    assert!(t
        .fixes
        .iter()
        .any(|p| p.lat > (ll(1700.0, 0.0)[0] * 1e6) as i32 - 10));
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());
    let mut t = Track::new(t0(), 0.0, 510.0);
    t.drive(310, 10, 36.0);
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());
}

#[test]
fn drift_and_invalid_fixes_inside_a_forbidden_zone_are_ignored() {
    let cfg = config(vec![fence(3, u_shape(), FenceKind::Forbidden)]);
    let mut t = Track::new(t0(), 0.0, -3000.0);
    t.drive(150, 10, 36.0);
    // One fix 3.3 km east in 10 s (≈ 1200 km/h): drift, inside the zone.
    t.east = 300.0;
    t.drive(10, 10, 36.0);
    t.east = -3000.0;
    t.drive(50, 10, 36.0);
    // One GNSS-invalid fix inside.
    t.east = 300.0;
    t.fix(36.0, true).flags = 0;
    t.t += 10_000;
    t.east = -3000.0;
    t.drive(100, 10, 36.0);
    let all = replay(&cfg, "heavy_truck", &t.fixes);
    assert_eq!(
        all.iter().filter(|a| a.rule == Rule::Drift).count(),
        1,
        "{all:?}"
    );
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());

    // Control: the same fix at a plausible distance does open it.
    let mut t = Track::new(t0(), 1500.0, 250.0);
    t.drive(20, 10, 36.0);
    t.east = 300.0;
    t.drive(20, 10, 36.0);
    assert_eq!(
        alarms(&cfg, "heavy_truck", &t.fixes, Rule::Forbidden(3)).len(),
        1
    );
}

/// Drives on the route, then `off_secs` at `east` metres from its centre line, then back.
fn deviation_track(east: f64, off_secs: i64, class_acc: bool) -> Track {
    let mut t = Track::new(t0(), -1000.0, 0.0);
    t.drive(60, 10, 36.0);
    t.east = east;
    if class_acc {
        t.drive(off_secs, 10, 36.0);
    } else {
        t.park(off_secs, 10);
    }
    t.east = 0.0;
    t.drive(60, 10, 36.0);
    t
}

#[test]
fn route_deviation_beyond_the_tolerance_for_a_minute() {
    let mut f = fence(5, route(), FenceKind::RouteDeviation);
    f.classes = vec!["hazmat".into()];
    let cfg = config(vec![f]);
    let hazmat = cfg.class("hazmat");
    assert_eq!(
        (hazmat.route_tolerance_m, hazmat.route_tolerance_secs),
        (50.0, 60)
    );

    // 100 m half width + 50 m tolerance: 151 m from the centre line is 1 m too far.
    let t = deviation_track(151.0, 130, true);
    let a = alarms(&cfg, "hazmat", &t.fixes, Rule::RouteDeviation(5));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, t0() + 60_000, "the first fix off the route");
    assert_eq!(
        a[0].end_ms,
        Some(t0() + 190_000),
        "the first fix back on it"
    );
    assert_eq!(a[0].severity, Severity::Serious);
    assert_eq!(a[0].limit, 50.0);
    assert!(
        (a[0].peak - 51.0).abs() < 0.2,
        "metres beyond the fence: {}",
        a[0].peak
    );
    // Opened live once a minute off the route had passed.
    let mut e = Engine::new(cfg.clone());
    e.set_vehicle(V, "hazmat");
    let mut ev = Vec::new();
    for p in &t.fixes {
        e.push(p, &mut ev);
        if p.device_time_ms == t0() + 110_000 {
            assert!(e.open_alarms().is_empty());
        }
        if p.device_time_ms == t0() + 120_000 {
            assert_eq!(e.open_alarms().len(), 1);
        }
    }

    // Twins: 1 m within the tolerance; off for only 50 s; another class; parked with the
    // ignition off beside the route (a depot is not a deviation).
    let t = deviation_track(149.0, 130, true);
    assert!(fence_alarms(&cfg, "hazmat", &t.fixes).is_empty());
    let t = deviation_track(151.0, 60, true);
    assert!(fence_alarms(&cfg, "hazmat", &t.fixes).is_empty());
    let t = deviation_track(151.0, 130, true);
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());
    let t = deviation_track(500.0, 600, false);
    assert!(fence_alarms(&cfg, "hazmat", &t.fixes).is_empty());
}

#[test]
fn route_deviation_without_duration_tolerance_opens_at_the_first_fix() {
    let mut cfg = config(vec![fence(5, route(), FenceKind::RouteDeviation)]);
    cfg.default_class.route_tolerance_secs = 0;
    let t = deviation_track(151.0, 10, true);
    let a = alarms(&cfg, "other", &t.fixes, Rule::RouteDeviation(5));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (t0() + 60_000, Some(t0() + 70_000))
    );
}

#[test]
fn zone_speed_limit_over_30_seconds() {
    // 60 km/h zone of radius 3 km around north 5 km.
    let zone = Shape::Circle {
        lat: ll(5000.0, 0.0)[0],
        lon: LON0,
        radius_m: 3000.0,
    };
    let cfg = config(vec![fence(
        9,
        zone,
        FenceKind::SpeedLimit { limit_kmh: 60.0 },
    )]);
    let track = |north: f64, over_secs: i64| {
        let mut t = Track::new(t0(), north, 0.0);
        t.drive(60, 10, 50.0)
            .drive(over_secs + 1, 1, 70.0)
            .drive(180, 10, 50.0);
        t
    };
    // 70 km/h for 31 s (fixes at 0..=31 s) inside: one event.
    let t = track(4000.0, 31);
    let a = alarms(&cfg, "heavy_truck", &t.fixes, Rule::ZoneSpeeding(9));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, t0() + 60_000);
    assert_eq!(
        a[0].end_ms,
        Some(t0() + 91_000),
        "the last fix over the limit"
    );
    assert_eq!((a[0].peak, a[0].limit), (70.0, 60.0));
    assert_eq!(a[0].severity, Severity::Warning);
    // The truck's own limit (90) is not exceeded.
    assert!(alarms(&cfg, "heavy_truck", &t.fixes, Rule::Speeding).is_empty());
    // 29 s: none. The same 31 s outside the zone: none.
    let t = track(4000.0, 29);
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());
    let t = track(20_000.0, 31);
    assert!(fence_alarms(&cfg, "heavy_truck", &t.fixes).is_empty());

    // Passenger vehicles at night: 80 % of the zone's limit (48 km/h).
    let mut t = Track::new(at(23, 0, 0), 4000.0, 0.0);
    t.drive(120, 10, 55.0);
    let a = alarms(&cfg, "coach", &t.fixes, Rule::ZoneSpeeding(9));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].limit, 48.0);
    assert!(alarms(&cfg, "heavy_truck", &t.fixes, Rule::ZoneSpeeding(9)).is_empty());
}

/// A speed-limit corridor along the meridian, north `from`..`to` metres, 50 m either side.
fn limit_corridor(id: u32, from: f64, to: f64, limit_kmh: f64) -> Geofence {
    fence(
        id,
        Shape::Corridor {
            points: vec![ll(from, 0.0), ll(to, 0.0)],
            half_width_m: 50.0,
        },
        FenceKind::SpeedLimit { limit_kmh },
    )
}

/// Rules of a replay, in start order.
fn rules_of(a: &[Alarm]) -> Vec<Rule> {
    a.iter().map(|a| a.rule).collect()
}

#[test]
fn inside_a_speed_limit_zone_its_limit_supersedes_the_class_limit() {
    // A coach (class limit 100) at 108 km/h in an 80 km/h corridor: one zone alarm, no
    // platform speeding for the same episode.
    let cfg = config(vec![limit_corridor(20, 0.0, 20_000.0, 80.0)]);
    let track = |kmh: f64| {
        let mut t = Track::new(t0(), 1000.0, 0.0);
        t.drive(60, 10, 72.0)
            .drive(60, 10, kmh)
            .drive(180, 10, 72.0);
        t
    };
    let t = track(108.0);
    let a = replay(&cfg, "coach", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::ZoneSpeeding(20)], "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (t0() + 60_000, Some(t0() + 110_000)),
        "first to last fix over the zone's limit"
    );
    assert_eq!((a[0].peak, a[0].limit), (108.0, 80.0));
    assert_eq!(a[0].severity, Severity::Serious, "108 > 1.2 × 80");
    assert_eq!(a[0].detail, "fence 20");
    // Without the zone the same episode is platform speeding.
    let a = replay(&config(vec![]), "coach", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::Speeding], "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms, a[0].limit),
        (t0() + 60_000, Some(t0() + 110_000), 100.0)
    );
    // Twin: 76 km/h in the zone raises nothing.
    assert!(replay(&cfg, "coach", &track(76.0).fixes).is_empty());
}

#[test]
fn a_speeding_episode_crossing_a_zone_edge_is_one_alarm_keeping_its_rule() {
    // 80 km/h corridor along north 0..3000 m (inside up to 3050 m, the half width).
    let cfg = config(vec![limit_corridor(20, 0.0, 3000.0, 80.0)]);

    // In the zone at 108 km/h (300 m a fix), out of it at north 3100 m (fix 7) still at 108
    // (over the class limit), then 72 km/h outside: one zone episode to the last fix at 108.
    let mut t = Track::new(t0(), 1000.0, 0.0);
    t.drive(120, 10, 108.0).drive(180, 10, 72.0);
    let a = replay(&cfg, "coach", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::ZoneSpeeding(20)], "{a:?}");
    assert_eq!((a[0].start_ms, a[0].end_ms), (t0(), Some(t0() + 110_000)));
    assert_eq!(
        a[0].end_fix,
        Some(t.fixes[18]),
        "closed once the merge window passed"
    );
    assert_eq!((a[0].peak, a[0].limit), (108.0, 80.0));

    // Into the zone at 108 km/h from outside (inside from fix 7, north 0 m), then 90 km/h:
    // over the zone's 80 until it leaves at north 3250 m (fix 19), under the class's 100
    // after. One `speeding` episode (the rule in force at its start) to the last fix at 90
    // inside the zone.
    let mut t = Track::new(t0(), -2100.0, 0.0);
    t.drive(120, 10, 108.0)
        .drive(120, 10, 90.0)
        .drive(180, 10, 72.0);
    let a = replay(&cfg, "coach", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::Speeding], "{a:?}");
    assert_eq!((a[0].start_ms, a[0].end_ms), (t0(), Some(t0() + 180_000)));
    assert_eq!((a[0].peak, a[0].limit), (108.0, 100.0));

    // 90 km/h (250 m a fix) through two 80 km/h zones, under the class limit between them.
    // A gap of two fixes (north 3250, 3500 m) is within the 60 s merge window: one episode,
    // keeping the first zone's id. A gap of 11 fixes is not: two.
    let twin_zones = |second_from: f64| {
        config(vec![
            limit_corridor(20, 0.0, 3000.0, 80.0),
            limit_corridor(25, second_from, 20_000.0, 80.0),
        ])
    };
    let mut t = Track::new(t0(), 1000.0, 0.0);
    t.drive(200, 10, 90.0).drive(180, 10, 72.0);
    let a = replay(&twin_zones(3600.0), "coach", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::ZoneSpeeding(20)], "{a:?}");
    assert_eq!((a[0].start_ms, a[0].end_ms), (t0(), Some(t0() + 190_000)));
    let mut t = Track::new(t0(), 1000.0, 0.0);
    t.drive(300, 10, 90.0).drive(180, 10, 72.0);
    let a = replay(&twin_zones(6000.0), "coach", &t.fixes);
    assert_eq!(
        rules_of(&a),
        vec![Rule::ZoneSpeeding(20), Rule::ZoneSpeeding(25)],
        "{a:?}"
    );
    assert_eq!((a[0].start_ms, a[0].end_ms), (t0(), Some(t0() + 80_000)));
    assert_eq!(
        (a[1].start_ms, a[1].end_ms),
        (t0() + 200_000, Some(t0() + 290_000))
    );
}

#[test]
fn the_lowest_applicable_zone_limit_is_in_force() {
    // A 60 km/h circle (north 4000..6000 m) inside an 80 km/h corridor.
    let school = fence(
        22,
        Shape::Circle {
            lat: ll(5000.0, 0.0)[0],
            lon: LON0,
            radius_m: 1000.0,
        },
        FenceKind::SpeedLimit { limit_kmh: 60.0 },
    );
    let cfg = config(vec![limit_corridor(21, 0.0, 20_000.0, 80.0), school]);
    // 72 km/h = 200 m a fix from north 3100 m: inside the circle at fixes 5..=14.
    let track = |kmh: f64| {
        let mut t = Track::new(t0(), 3100.0, 0.0);
        t.drive(300, 10, kmh);
        t
    };
    let a = replay(&cfg, "heavy_truck", &track(72.0).fixes);
    assert_eq!(rules_of(&a), vec![Rule::ZoneSpeeding(22)], "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (t0() + 50_000, Some(t0() + 140_000))
    );
    assert_eq!((a[0].peak, a[0].limit), (72.0, 60.0));
    assert_eq!(a[0].severity, Severity::Warning);
    // Twin: 58 km/h.
    assert!(replay(&cfg, "heavy_truck", &track(58.0).fixes).is_empty());

    // Only zones that apply count: a corridor for hazmat only leaves a truck (class 90) at
    // 85 km/h alone, and a hazmat vehicle (class 80 too) gets the zone's alarm.
    let mut hazmat_only = limit_corridor(23, 0.0, 20_000.0, 80.0);
    hazmat_only.classes = vec!["hazmat".into()];
    let cfg = config(vec![hazmat_only]);
    let mut t = Track::new(t0(), 1000.0, 0.0);
    t.drive(120, 10, 85.0);
    assert!(replay(&cfg, "heavy_truck", &t.fixes).is_empty());
    assert_eq!(
        rules_of(&replay(&cfg, "hazmat", &t.fixes)),
        vec![Rule::ZoneSpeeding(23)]
    );

    // The posted limit supersedes the class limit upwards too: a coach (class 100) at 110
    // in a 120 zone is within the limit there.
    let cfg = config(vec![limit_corridor(24, 0.0, 20_000.0, 120.0)]);
    let mut t = Track::new(t0(), 1000.0, 0.0);
    t.drive(120, 10, 110.0);
    assert!(replay(&cfg, "coach", &t.fixes).is_empty());
    assert_eq!(
        rules_of(&replay(&config(vec![]), "coach", &t.fixes)),
        vec![Rule::Speeding]
    );
}

/// Road A along the meridian (id 11) and road B along the parallel through the origin
/// (id 12), 20 km each way, 100 m either side, permitted to hazmat vehicles.
fn crossing_roads() -> (Geofence, Geofence) {
    let mut a = fence(11, route(), FenceKind::RouteDeviation);
    let mut b = fence(
        12,
        Shape::Corridor {
            points: vec![ll(0.0, -20_000.0), ll(0.0, 20_000.0)],
            half_width_m: 100.0,
        },
        FenceKind::RouteDeviation,
    );
    a.classes = vec!["hazmat".into()];
    b.classes = vec!["hazmat".into()];
    (a, b)
}

#[test]
fn route_deviation_fences_form_one_permitted_network() {
    let (road_a, road_b) = crossing_roads();
    let cfg = config(vec![road_a.clone(), road_b.clone()]);
    // 36 km/h = 100 m a fix. North on A to the crossing, east on B to 3000 m.
    let turn = || {
        let mut t = Track::new(t0(), -1000.0, 0.0);
        t.drive(100, 10, 36.0);
        t.drive_east(300, 10, 36.0);
        t
    };
    // Turning from one permitted road onto the other raises nothing.
    let t = turn();
    assert!(fence_alarms(&cfg, "hazmat", &t.fixes).is_empty());

    // Leaving both: north off B at east 3000 m (A is 2.9 km away) up to 1100 m and back.
    // Off from north 200 m (100 m beyond B, 50 m tolerance), back on at north 100 m.
    let mut t = turn();
    let off_from = t.t + 20_000;
    t.drive(120, 10, 36.0).drive(120, 10, -36.0);
    let back = t.t - 10_000;
    t.drive_east(120, 10, 36.0);
    let a = fence_alarms(&cfg, "hazmat", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::RouteDeviation(12)], "{a:?}");
    assert_eq!((a[0].start_ms, a[0].end_ms), (off_from, Some(back)));
    assert_eq!(a[0].detail, "fence 12", "the road it left");
    assert!(
        (a[0].peak - 1100.0).abs() < 1.0,
        "metres beyond: {}",
        a[0].peak
    );
    assert_eq!(a[0].limit, 50.0);

    // Leaving A past the crossing (B is 900 m away): the alarm names A.
    let mut t = Track::new(t0(), -1000.0, 0.0);
    t.drive(200, 10, 36.0); // north -1000..900 m, then east at north 1000 m
    let off_from = t.t + 20_000;
    t.drive_east(120, 10, 36.0).drive_east(120, 10, -36.0);
    let back = t.t - 10_000;
    t.drive(60, 10, 36.0);
    let a = fence_alarms(&cfg, "hazmat", &t.fixes);
    assert_eq!(rules_of(&a), vec![Rule::RouteDeviation(11)], "{a:?}");
    assert_eq!((a[0].start_ms, a[0].end_ms), (off_from, Some(back)));

    // The network is the fences that apply: with B for coaches only, or B permitted only at
    // night, turning onto B at 10:00 leaves A's network (off from east 200 m, still open).
    let mut coach_b = road_b.clone();
    coach_b.classes = vec!["coach".into()];
    let mut night_b = road_b;
    night_b.active_from_min = Some(22 * 60);
    night_b.active_to_min = Some(6 * 60);
    for b in [coach_b, night_b] {
        let cfg = config(vec![road_a.clone(), b]);
        let t = turn();
        let a = fence_alarms(&cfg, "hazmat", &t.fixes);
        assert_eq!(rules_of(&a), vec![Rule::RouteDeviation(11)], "{a:?}");
        assert_eq!((a[0].start_ms, a[0].end_ms), (t0() + 120_000, None));
    }
}

#[test]
fn an_open_deviation_is_judged_against_the_reloaded_network() {
    let (road_a, road_b) = crossing_roads();
    let mut e = Engine::new(config(vec![road_a, road_b]));
    e.set_vehicle(V, "hazmat");
    // East of A at 300 m, north of B at 1000 m: off both from the first fix.
    let mut t = Track::new(t0(), 1000.0, 300.0);
    t.drive(200, 10, 36.0);
    let mut ev = Vec::new();
    for p in &t.fixes[..8] {
        e.push(p, &mut ev);
    }
    assert_eq!(rules_of(&e.open_alarms()), vec![Rule::RouteDeviation(11)]);
    // B renamed, A dropped: the episode carries on (the vehicle is still off the network).
    let mut renamed = crossing_roads().1;
    renamed.name = "road B".into();
    e.set_config(config(vec![renamed]));
    e.push(&t.fixes[8], &mut ev);
    let open = e.open_alarms();
    assert_eq!(rules_of(&open), vec![Rule::RouteDeviation(11)]);
    assert_eq!(open[0].start_ms, t0());
    // No network left: closed at the next fix.
    e.set_config(config(vec![]));
    e.push(&t.fixes[9], &mut ev);
    assert!(e.open_alarms().is_empty());
    let a = collect(ev, vec![]);
    assert_eq!(rules_of(&a), vec![Rule::RouteDeviation(11)]);
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (t0(), Some(t.fixes[9].device_time_ms))
    );
}

#[test]
fn fences_apply_only_to_their_classes_and_vehicles() {
    let mut by_class = fence(3, u_shape(), FenceKind::Forbidden);
    by_class.classes = vec!["hazmat".into()];
    let mut by_vehicle = fence(4, u_shape(), FenceKind::Forbidden);
    by_vehicle.vehicle_ids = vec![8, 9];
    let cfg = config(vec![by_class, by_vehicle]);
    let mut t = Track::new(t0(), 0.0, 300.0);
    t.drive(310, 10, 36.0);
    let rules = |class: &str, fixes: &[Position]| -> Vec<Rule> {
        fence_alarms(&cfg, class, fixes)
            .iter()
            .map(|a| a.rule)
            .collect()
    };
    assert_eq!(rules("hazmat", &t.fixes), vec![Rule::Forbidden(3)]);
    assert!(rules("heavy_truck", &t.fixes).is_empty());
    t.fixes.iter_mut().for_each(|p| p.vehicle_id = 8);
    assert_eq!(rules("heavy_truck", &t.fixes), vec![Rule::Forbidden(4)]);
    assert_eq!(
        rules("hazmat", &t.fixes),
        vec![Rule::Forbidden(3), Rule::Forbidden(4)]
    );
}

#[test]
fn a_class_change_closes_what_no_longer_applies() {
    let mut f = fence(3, u_shape(), FenceKind::Forbidden);
    f.classes = vec!["hazmat".into()];
    let mut e = Engine::new(config(vec![f]));
    e.set_vehicle(V, "hazmat");
    let mut t = Track::new(t0(), 1500.0, 300.0);
    t.park(120, 60);
    let mut ev = Vec::new();
    e.push(&t.fixes[0], &mut ev);
    assert_eq!(e.open_alarms().len(), 1);
    e.set_vehicle(V, "heavy_truck");
    e.push(&t.fixes[1], &mut ev);
    assert!(e.open_alarms().is_empty());
    let a = collect(ev, e.open_alarms());
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].end_ms, Some(t.fixes[1].device_time_ms));

    // A fence that starts applying while the vehicle is inside: it did not enter.
    let mut f = fence(1, square(), FenceKind::Enter);
    f.classes = vec!["hazmat".into()];
    let mut e = Engine::new(config(vec![f]));
    e.set_vehicle(V, "heavy_truck");
    let mut t = Track::new(t0(), 1500.0, 0.0);
    t.drive(100, 10, 36.0); // leaves at north 2100 m (fix 6)
    t.drive(100, 10, -36.0); // from 2500 m back south: in at 2000 m (fix 15)
    let mut ev = Vec::new();
    for (i, p) in t.fixes.iter().enumerate() {
        if i == 2 {
            e.set_vehicle(V, "hazmat");
        }
        e.push(p, &mut ev);
    }
    let a = collect(ev, vec![]);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].rule, Rule::FenceEnter(1));
    assert_eq!(a[0].start_fix, t.fixes[15]);
}

#[test]
fn set_config_keeps_fence_state_by_id_and_closes_removed_fences() {
    let forbidden = fence(3, u_shape(), FenceKind::Forbidden);
    let mut e = Engine::new(config(vec![forbidden.clone()]));
    e.set_vehicle(V, "heavy_truck");
    let mut t = Track::new(t0(), 1500.0, 300.0);
    t.park(300, 60);
    let mut ev = Vec::new();
    e.push(&t.fixes[0], &mut ev);
    // Same id and kind, another shape and name: the episode goes on.
    let mut moved = forbidden.clone();
    moved.name = "renamed".into();
    moved.shape = square();
    e.set_config(config(vec![fence(1, square(), FenceKind::Enter), moved]));
    e.push(&t.fixes[1], &mut ev);
    let open = e.open_alarms();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].start_ms, t.fixes[0].device_time_ms);
    // Removed: closed at the next fix.
    let mut cfg = config(vec![]);
    cfg.classes.get_mut("heavy_truck").unwrap().speed_limit_kmh = 10.0;
    e.set_config(cfg);
    assert_eq!(
        e.open_alarms().len(),
        1,
        "closed by data, not by the reload"
    );
    e.push(&t.fixes[2], &mut ev);
    assert!(e.open_alarms().is_empty());
    let a = collect(ev, vec![]);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].end_ms, Some(t.fixes[2].device_time_ms));
    assert_eq!(a[0].peak, 120.0);
    // The class parameters follow the new configuration.
    let mut ev = Vec::new();
    let mut t = Track::new(t.t, 5000.0, 0.0);
    t.drive(60, 10, 36.0);
    t.fixes.iter().for_each(|p| e.push(p, &mut ev));
    assert!(e.open_alarms().iter().any(|a| a.rule == Rule::Speeding));
}

#[test]
fn daily_time_window_may_wrap_midnight() {
    let mut f = fence(3, u_shape(), FenceKind::Forbidden);
    f.active_from_min = Some(22 * 60);
    f.active_to_min = Some(6 * 60);
    let cfg = config(vec![f]);
    let through = |start: i64| {
        let mut t = Track::new(start, 0.0, 300.0);
        t.drive(310, 10, 36.0);
        fence_alarms(&cfg, "heavy_truck", &t.fixes)
    };
    assert!(through(at(10, 0, 0)).is_empty(), "by day: not active");
    let a = through(at(23, 0, 0));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].start_ms, at(23, 1, 50));
    // Parked inside as the window ends: closed at the first fix at 06:00.
    let mut t = Track::new(at(5, 50, 0), 1500.0, 300.0);
    t.park(20 * 60, 60);
    let a = fence_alarms(&cfg, "heavy_truck", &t.fixes);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(5, 50, 0), Some(at(6, 0, 0)))
    );
}

/// Six days of 7 h driving (08:00–15:00), then `last_day_secs` of driving on day 7 and a
/// parked fix on day 8.
fn week(last_day_secs: i64) -> Track {
    let mut t = Track::new(at(8, 0, 0), 0.0, 0.0);
    for day in 0..6 {
        t.t = at(8, 0, 0) + day * 86_400_000;
        t.drive(7 * 3600 + 10, 10, 60.0).park(600, 60);
    }
    t.t = at(8, 0, 0) + 6 * 86_400_000;
    let whole = last_day_secs / 10 * 10;
    t.drive(whole + 10, 10, 60.0);
    if last_day_secs > whole {
        // Back to `last_day_secs` after the last 10 s fix (time and place, so no drift).
        let back = 10 - (last_day_secs - whole);
        t.t -= back * 1000;
        t.north -= 60.0 / 3.6 * back as f64;
        t.fix(60.0, true);
        t.t += 10_000;
    }
    t.park(600, 60);
    t.t = at(8, 0, 0) + 7 * 86_400_000;
    t.park(60, 60);
    t
}

#[test]
fn weekly_driving_over_44_hours_in_7_days() {
    let cfg = RuleConfig::default();
    let t = week(2 * 3600 + 1);
    let a = alarms(&cfg, "coach", &t.fixes, Rule::WeeklyDriving);
    assert_eq!(a.len(), 1, "{a:?}");
    let over = at(10, 0, 1) + 6 * 86_400_000;
    assert_eq!(a[0].start_ms, over, "the fix at which the sum passed 44 h");
    assert_eq!(a[0].end_ms, Some(over), "the last driving fix of that day");
    assert_eq!((a[0].peak, a[0].limit), (1.0, 44.0 * 3600.0));
    assert_eq!(a[0].severity, Severity::Warning);
    assert!(alarms(&cfg, "coach", &t.fixes, Rule::DailyDriving).is_empty());
    // Not a passenger vehicle: not checked.
    assert!(alarms(&cfg, "heavy_truck", &t.fixes, Rule::WeeklyDriving).is_empty());
    // Twin: exactly 44 h.
    let t = week(2 * 3600);
    assert!(alarms(&cfg, "coach", &t.fixes, Rule::WeeklyDriving).is_empty());
}

#[test]
fn weekly_driving_stays_open_while_the_7_day_sum_exceeds_the_limit() {
    // 9 h a day with an 11 h daily limit: 45 h after day 5 (open), 54 h after day 6.
    let mut cfg = RuleConfig::default();
    cfg.default_class.passenger = true;
    cfg.default_class.daily_driving_secs = 11 * 3600;
    let mut t = Track::new(at(6, 0, 0), 0.0, 0.0);
    for day in 0..6 {
        t.t = at(6, 0, 0) + day * 86_400_000;
        t.drive(9 * 3600 + 10, 10, 60.0).park(600, 60);
    }
    // Parked on days 7–13: day 8 still sees days 2–6 (45 h); day 9 sees 36 h.
    for day in 6..13 {
        t.t = at(12, 0, 0) + day * 86_400_000;
        t.park(60, 60);
    }
    let a = alarms(&cfg, "other", &t.fixes, Rule::WeeklyDriving);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(14, 0, 10) + 4 * 86_400_000);
    assert_eq!(a[0].end_ms, Some(at(15, 0, 0) + 5 * 86_400_000));
    assert_eq!(a[0].peak, 10.0 * 3600.0);
    assert_eq!(
        a[0].end_fix.map(|p| p.device_time_ms),
        Some(at(12, 0, 0) + 8 * 86_400_000),
        "closed by the first fix of the day the sum fell to 36 h"
    );
}

#[test]
fn validate_names_the_problem() {
    let ok = fence(1, square(), FenceKind::Forbidden);
    assert_eq!(ok.validate(), Ok(()));
    let with = |f: &dyn Fn(&mut Geofence)| {
        let mut g = ok.clone();
        f(&mut g);
        g.validate().unwrap_err()
    };
    assert_eq!(
        with(&|g| g.shape = Shape::Polygon {
            points: vec![[22.0, 113.0], [22.1, 113.0]]
        }),
        "polygon needs at least 3 points, got 2"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Polygon {
            points: vec![[22.0, 113.0], [22.1, 113.0], [22.2, 113.0]]
        }),
        "polygon has no area (its points are on one line)"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Polygon {
            points: vec![[22.0, 113.0], [f64::NAN, 113.0], [22.2, 113.1]]
        }),
        "polygon point 1: latitude NaN is not in -90..=90"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Circle {
            lat: 91.0,
            lon: 113.0,
            radius_m: 10.0
        }),
        "circle centre: latitude 91 is not in -90..=90"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Circle {
            lat: 22.0,
            lon: 181.0,
            radius_m: 10.0
        }),
        "circle centre: longitude 181 is not in -180..=180"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Circle {
            lat: 22.0,
            lon: 113.0,
            radius_m: 0.0
        }),
        "circle radius_m must be > 0, got 0"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Corridor {
            points: vec![[22.0, 113.0]],
            half_width_m: 10.0
        }),
        "corridor needs at least 2 points, got 1"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Corridor {
            points: vec![[22.0, 113.0], [22.1, 113.0]],
            half_width_m: f64::NAN
        }),
        "corridor half_width_m must be > 0, got NaN"
    );
    assert_eq!(
        with(&|g| g.shape = Shape::Corridor {
            points: vec![[22.0, 179.0], [22.1, -179.0]],
            half_width_m: 10.0
        }),
        "corridor spans 358.0° of longitude: shapes crossing the antimeridian are not supported"
    );
    assert_eq!(
        with(&|g| g.kind = FenceKind::SpeedLimit { limit_kmh: -5.0 }),
        "speed_limit limit_kmh must be in (0, 250], got -5"
    );
    assert_eq!(
        with(&|g| {
            g.active_from_min = Some(1440);
            g.active_to_min = Some(60);
        }),
        "active_from_min must be < 1440, got 1440"
    );
    assert_eq!(
        with(&|g| {
            g.active_from_min = Some(60);
            g.active_to_min = Some(60);
        }),
        "active_from_min equals active_to_min (60): the window is empty; leave both unset for always"
    );
    assert_eq!(
        with(&|g| g.active_to_min = Some(60)),
        "active_from_min and active_to_min must be both set or both unset"
    );
    assert_eq!(with(&|g| g.name = " ".into()), "name is empty");

    // The configuration check adds the fence and catches repeated ids.
    let mut cfg = config(vec![ok.clone(), ok.clone()]);
    assert_eq!(
        cfg.validate_geofences(),
        Err("geofence id 1 is used twice".into())
    );
    cfg.geofences[1].id = 2;
    cfg.geofences[1].shape = Shape::Circle {
        lat: 22.0,
        lon: 113.0,
        radius_m: -1.0,
    };
    assert_eq!(
        cfg.validate_geofences(),
        Err("geofence 2 (fence 1): circle radius_m must be > 0, got -1".into())
    );
    // The engine skips the invalid fence rather than failing.
    let mut t = Track::new(t0(), 0.0, 0.0);
    t.drive(60, 10, 36.0);
    assert!(fence_alarms(&cfg, "x", &t.fixes).is_empty());
}

#[test]
fn rule_codes_round_trip() {
    let rules = [
        Rule::Terminal(0),
        Rule::Terminal(31),
        Rule::Speeding,
        Rule::Fatigue,
        Rule::DailyDriving,
        Rule::WeeklyDriving,
        Rule::NightBan,
        Rule::Offline,
        Rule::SignalShielding,
        Rule::Drift,
        Rule::Tampering,
        Rule::FenceEnter(7),
        Rule::FenceLeave(7),
        Rule::Forbidden(7),
        Rule::RouteDeviation(7),
        Rule::ZoneSpeeding(4_000_000_000),
    ];
    for r in rules {
        assert_eq!(rule_from_code(&r.code()), Some(r), "{}", r.code());
    }
    assert_eq!(Rule::Forbidden(7).code(), "forbidden_7");
    assert_eq!(Rule::FenceEnter(7).code(), "fence_enter_7");
    assert_eq!(Rule::RouteDeviation(7).code(), "route_deviation_7");
    assert_eq!(Rule::ZoneSpeeding(7).code(), "zone_speeding_7");
    for bad in [
        "",
        "forbidden",
        "forbidden_",
        "forbidden_07",
        "forbidden_+7",
        "forbidden_-7",
        "terminal_256",
        "speeding_1",
        "fence_7",
        "Speeding",
    ] {
        assert_eq!(rule_from_code(bad), None, "{bad}");
    }
    assert_eq!(
        serde_json::to_string(&Rule::Forbidden(7)).unwrap(),
        r#"{"rule":"forbidden","arg":7}"#
    );
    assert_eq!(
        serde_json::to_string(&Rule::WeeklyDriving).unwrap(),
        r#"{"rule":"weekly_driving"}"#
    );
    // Settings without fences serialize as before.
    let v = serde_json::to_value(RuleConfig::default()).unwrap();
    assert!(v.get("geofences").is_none());
    let back: RuleConfig = serde_json::from_value(v).unwrap();
    assert_eq!(back, RuleConfig::default());
}

proptest! {
    /// Ray casting agrees with the half-plane test on convex polygons.
    #[test]
    fn convex_polygon_contains_agrees_with_half_planes(
        mut angles in prop::collection::vec(0.0f64..std::f64::consts::TAU, 3..12),
        r in 0.001f64..0.2,
        clat in -60.0f64..60.0,
        clon in -170.0f64..170.0,
        (qx, qy) in (-1.5f64..1.5, -1.5f64..1.5),
    ) {
        angles.sort_by(f64::total_cmp);
        angles.dedup_by(|a, b| *a - *b < 1e-3);
        prop_assume!(angles.len() >= 3);
        // Counter-clockwise in (x = lon, y = lat).
        let pts: Vec<[f64; 2]> = angles
            .iter()
            .map(|a| [clat + r * a.sin(), clon + r * a.cos()])
            .collect();
        let (qlat, qlon) = (clat + qy * r, clon + qx * r);
        let n = pts.len();
        let mut inside = true;
        let mut min_dist = f64::INFINITY;
        for i in 0..n {
            let ([ay, ax], [by, bx]) = (pts[i], pts[(i + 1) % n]);
            let (ex, ey) = (bx - ax, by - ay);
            let cross = ex * (qlat - ay) - ey * (qlon - ax);
            min_dist = min_dist.min(cross.abs() / ex.hypot(ey));
            inside &= cross > 0.0;
        }
        // Points on (or within rounding of) an edge may go either way.
        prop_assume!(min_dist > r * 1e-9);
        let f = Geofence {
            id: 1,
            name: "p".into(),
            shape: Shape::Polygon { points: pts },
            kind: FenceKind::Forbidden,
            vehicle_ids: vec![],
            classes: vec![],
            active_from_min: None,
            active_to_min: None,
        };
        prop_assert_eq!(f.contains(qlat, qlon), inside);
        prop_assert_eq!(f.distance_outside_m(qlat, qlon) == 0.0, inside);
    }

    /// The corridor's `contains` and its distance agree, and the distance to a straight
    /// corridor along a meridian is the east-west offset minus the half width.
    #[test]
    fn corridor_distance_matches_the_offset(north in -15_000.0f64..15_000.0, east in -2_000.0f64..2_000.0) {
        let f = fence(1, route(), FenceKind::RouteDeviation);
        let [lat, lon] = ll(north, east);
        let d = f.distance_outside_m(lat, lon);
        prop_assert!((d - (east.abs() - 100.0).max(0.0)).abs() < 1e-6);
        prop_assert_eq!(f.contains(lat, lon), east.abs() <= 100.0);
    }

    /// Live (fix by fix, with wall-clock ticks) and replay give the same alarms with every
    /// kind of fence in the configuration.
    #[test]
    fn replay_equals_live_with_fences(
        steps in prop::collection::vec(
            (1i64..300, 0u16..900, any::<bool>(), 0u8..24, -3i8..=3),
            1..200,
        ),
        start_hour in 0i64..24,
    ) {
        let mut fences = vec![
            fence(1, square(), FenceKind::Enter),
            fence(2, square(), FenceKind::Leave),
            fence(3, u_shape(), FenceKind::Forbidden),
            fence(4, route(), FenceKind::RouteDeviation),
            fence(
                5,
                Shape::Circle { lat: ll(1500.0, 0.0)[0], lon: LON0, radius_m: 1200.0 },
                FenceKind::SpeedLimit { limit_kmh: 40.0 },
            ),
        ];
        let mut night = fence(6, square(), FenceKind::Forbidden);
        night.active_from_min = Some(22 * 60);
        night.active_to_min = Some(6 * 60);
        fences.push(night);
        // A second permitted road crossing the first, and a speed zone overlapping zone 5.
        fences.push(fence(
            7,
            Shape::Corridor { points: vec![ll(1000.0, -5000.0), ll(1000.0, 5000.0)], half_width_m: 100.0 },
            FenceKind::RouteDeviation,
        ));
        fences.push(fence(
            8,
            Shape::Circle { lat: LAT0, lon: LON0, radius_m: 2000.0 },
            FenceKind::SpeedLimit { limit_kmh: 60.0 },
        ));
        let mut cfg = config(fences);
        cfg.classes.insert(
            "coach".into(),
            ClassRules { route_tolerance_secs: 20, ..cfg.class("coach").clone() },
        );
        let mut t = Track::new(at(start_hour, 0, 0), 0.0, 0.0);
        for (dt, speed, acc, kind, lateral) in steps {
            let kmh = f64::from(speed) / 10.0;
            let p = t.fix(kmh, acc);
            match kind {
                0 => p.alarm = 1 << 2,
                1 => p.flags &= !flags::GNSS_VALID,
                2 => p.lon += 300_000,
                _ => {}
            }
            // 4: the next fix at the same time (a duplicate time when it is elsewhere).
            t.t += match kind { 3 => dt * 10, 4 => 0, _ => dt } * 1000;
            // Wander: north with the speed (at most ~1 km a step), east in 150 m steps.
            t.north += (kmh / 3.6 * dt as f64).min(1000.0);
            t.east += f64::from(lateral) * 150.0;
            if t.north > 3000.0 {
                t.north -= 4000.0;
            }
        }
        let mut e = Engine::new(cfg.clone());
        e.set_vehicle(V, "coach");
        let mut ev: Vec<Event> = Vec::new();
        let mut now = t.fixes[0].receive_time_ms;
        for p in &t.fixes {
            while now + 60_000 < p.receive_time_ms {
                now += 60_000;
                e.tick(now, &mut ev);
            }
            e.push(p, &mut ev);
        }
        let live = collect(ev, e.open_alarms());
        prop_assert_eq!(live, replay(&cfg, "coach", &t.fixes));
    }
}
