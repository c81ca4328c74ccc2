//! Scenario tests: hand-built tracks with exact alarm bounds, each with a compliant twin.

use proptest::prelude::*;
use tongtu_rules::{
    collect, replay, Alarm, Engine, Event, FenceKind, Geofence, Rule, RuleConfig, Shape,
};
use tongtu_track::{day_start_ms, flags, Position};

const V: u32 = 7;

/// Beijing local time on a fixed day, as UTC ms.
fn at(h: i64, m: i64, s: i64) -> i64 {
    day_start_ms(20_600) + ((h * 60 + m) * 60 + s) * 1000
}

/// Builds tracks fix by fix, moving along a meridian at the given speed.
struct Track {
    fixes: Vec<Position>,
    t: i64,
    lat: f64,
}

impl Track {
    fn new(t: i64) -> Track {
        Track {
            fixes: Vec::new(),
            t,
            lat: 21.8,
        }
    }

    fn fix(&mut self, kmh: f64, acc: bool) -> &mut Position {
        self.fixes.push(Position {
            vehicle_id: V,
            device_time_ms: self.t,
            receive_time_ms: self.t + 500,
            lat: (self.lat * 1e6).round() as i32,
            lon: 111_900_000,
            speed: (kmh * 10.0).round() as u16,
            status: u32::from(acc) | 0b10,
            flags: flags::GNSS_VALID,
            ..Default::default()
        });
        self.fixes.last_mut().unwrap()
    }

    /// Drives for `secs` at `kmh` with a fix every `every` seconds (first fix now).
    fn drive(&mut self, secs: i64, every: i64, kmh: f64) -> &mut Track {
        let mut e = 0;
        while e < secs {
            self.fix(kmh, true);
            self.advance(every, kmh);
            e += every;
        }
        self
    }

    /// Parks (ACC off) for `secs` with a fix every `every` seconds.
    fn park(&mut self, secs: i64, every: i64) -> &mut Track {
        let mut e = 0;
        while e < secs {
            self.fix(0.0, false);
            self.t += every * 1000;
            e += every;
        }
        self
    }

    fn advance(&mut self, secs: i64, kmh: f64) {
        self.t += secs * 1000;
        self.lat += kmh * secs as f64 / 3600.0 / 111.195;
    }
}

fn alarms(class: &str, t: &Track, rule: Rule) -> Vec<Alarm> {
    replay(&RuleConfig::default(), class, &t.fixes)
        .into_iter()
        .filter(|a| a.rule == rule)
        .collect()
}

#[test]
fn speeding_needs_more_than_30_seconds() {
    // 110 km/h against the coach's 100: 40 s over (fixes at 0, 10, ..., 40) is an event.
    let mut t = Track::new(at(10, 0, 0));
    t.drive(120, 10, 80.0)
        .drive(50, 10, 110.0)
        .drive(600, 10, 80.0);
    let a = alarms("coach", &t, Rule::Speeding);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(10, 2, 0));
    assert_eq!(
        a[0].end_ms,
        Some(at(10, 2, 40)),
        "ends at the last fix over the limit"
    );
    assert_eq!(a[0].peak, 110.0);
    assert_eq!(a[0].limit, 100.0);

    // Twin: exactly 30 s over (fixes at 0..=30) is not an event.
    let mut t = Track::new(at(10, 0, 0));
    t.drive(120, 10, 80.0)
        .drive(40, 10, 110.0)
        .drive(600, 10, 80.0);
    assert!(alarms("coach", &t, Rule::Speeding).is_empty());
}

#[test]
fn speeding_reports_within_a_minute_are_one_event() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 110.0)
        .drive(50, 10, 90.0)
        .drive(60, 10, 120.0)
        .drive(600, 10, 80.0);
    let a = alarms("coach", &t, Rule::Speeding);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].peak, 120.0);
    // A gap of more than a minute makes two.
    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 110.0)
        .drive(90, 10, 90.0)
        .drive(60, 10, 120.0)
        .drive(600, 10, 80.0);
    assert_eq!(alarms("coach", &t, Rule::Speeding).len(), 2);
}

#[test]
fn passenger_night_limit_is_80_percent_and_the_boundary_is_22_00() {
    let mut t = Track::new(at(21, 58, 0));
    t.drive(600, 10, 85.0);
    let a = alarms("coach", &t, Rule::Speeding);
    assert_eq!(a.len(), 1);
    assert_eq!(
        a[0].start_ms,
        at(22, 0, 0),
        "the first fix at night starts the episode"
    );
    assert_eq!(a[0].limit, 80.0);
    // A truck has no night factor.
    assert!(alarms("heavy_truck", &t, Rule::Speeding).is_empty());
}

#[test]
fn fatigue_after_four_hours_by_day() {
    let mut t = Track::new(at(8, 0, 0));
    t.drive(4 * 3600 + 600, 10, 60.0).park(3600, 60);
    let a = alarms("coach", &t, Rule::Fatigue);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(12, 0, 0));
    assert_eq!(
        a[0].end_ms,
        Some(at(12, 10, 0)),
        "ends when driving stopped, once the rest qualified"
    );
    assert_eq!(
        a[0].peak, 590.0,
        "seconds beyond the limit at the last driving fix"
    );
    // Twin: exactly four hours.
    let mut t = Track::new(at(8, 0, 0));
    t.drive(4 * 3600 + 10, 10, 60.0).park(3600, 60);
    assert!(alarms("coach", &t, Rule::Fatigue).is_empty());
}

#[test]
fn a_rest_one_second_too_short_does_not_reset_continuity() {
    let short = {
        let mut t = Track::new(at(8, 0, 0));
        t.drive(3 * 3600, 10, 60.0);
        t.fix(0.0, false);
        t.t += (20 * 60 - 1) * 1000;
        t.drive(3600 + 60, 10, 60.0).park(3600, 60);
        alarms("coach", &t, Rule::Fatigue)
    };
    assert_eq!(short.len(), 1, "19:59 of rest is not a rest");
    let full = {
        let mut t = Track::new(at(8, 0, 0));
        t.drive(3 * 3600, 10, 60.0);
        t.fix(0.0, false);
        t.t += 20 * 60 * 1000;
        t.drive(3600 + 60, 10, 60.0).park(3600, 60);
        alarms("coach", &t, Rule::Fatigue)
    };
    assert!(full.is_empty(), "{full:?}");
}

#[test]
fn fatigue_at_night_after_two_hours() {
    let mut t = Track::new(at(22, 30, 0));
    t.drive(2 * 3600 + 300, 10, 60.0).park(3600, 60);
    let a = alarms("coach", &t, Rule::Fatigue);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].start_ms, at(0, 30, 0) + 86_400_000);
}

#[test]
fn night_ban_for_coaches_only() {
    let mut t = Track::new(at(1, 50, 0));
    t.drive(1200, 10, 60.0).park(600, 60);
    let a = alarms("coach", &t, Rule::NightBan);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(2, 0, 0));
    assert_eq!(a[0].end_ms, Some(at(2, 10, 0)));
    assert!(alarms("heavy_truck", &t, Rule::NightBan).is_empty());
    // Parked through the window: nothing.
    let mut t = Track::new(at(1, 50, 0));
    t.park(4 * 3600, 300);
    assert!(alarms("coach", &t, Rule::NightBan).is_empty());
}

#[test]
fn drift_is_one_episode_and_excluded_from_speeding() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(300, 10, 60.0);
    // One fix 50 km away, then back on the road.
    let p = t.fix(60.0, true);
    p.lat += 450_000;
    t.t += 10_000;
    t.drive(300, 10, 60.0);
    let a = alarms("coach", &t, Rule::Drift);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(10, 5, 0));
    assert!(a[0].peak > 160.0);
    assert!(alarms("coach", &t, Rule::Speeding).is_empty());
    // Twin without the jump.
    let mut t = Track::new(at(10, 0, 0));
    t.drive(610, 10, 60.0);
    assert!(alarms("coach", &t, Rule::Drift).is_empty());
}

fn all(t: &Track) -> Vec<Alarm> {
    replay(&RuleConfig::default(), "coach", &t.fixes)
}

/// One fix `km` kilometres north of the road (a drift jump), then back on it.
fn jump(t: &mut Track, km: f64) {
    let p = t.fix(60.0, true);
    p.lat += (km / 111.195 * 1e6).round() as i32;
    t.advance(10, 60.0);
}

#[test]
fn a_drift_jump_is_one_episode_closed_once_the_merge_window_has_passed() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(300, 10, 60.0);
    jump(&mut t, 50.0);
    t.drive(600, 10, 60.0);
    let a = all(&t);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].rule, Rule::Drift);
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 5, 0), Some(at(10, 5, 10))),
        "from the jump to the first good fix after it"
    );
    assert_eq!(a[0].end_fix, Some(t.fixes[31]));
    // Live, the episode stays open through the window: it closes at the first fix more than
    // 300 s after its end (10:10:20), with the same bounds.
    let mut e = Engine::new(RuleConfig::default());
    e.set_vehicle(V, "coach");
    let mut ev = Vec::new();
    for p in &t.fixes {
        e.push(p, &mut ev);
        let open = !e.open_alarms().is_empty();
        let t = p.device_time_ms;
        assert_eq!(open, (at(10, 5, 0)..at(10, 10, 20)).contains(&t), "at {t}");
    }
    assert_eq!(collect(ev, e.open_alarms()), a);
}

#[test]
fn drift_jumps_within_the_merge_window_extend_the_episode() {
    // Jumps at 10:05:00 and 10:07:00 (2 min apart): one episode, the larger jump's peak,
    // ending at the first good fix after the second jump.
    let two = |gap_secs: i64| {
        let mut t = Track::new(at(10, 0, 0));
        t.drive(300, 10, 60.0);
        jump(&mut t, 30.0);
        t.drive(gap_secs - 10, 10, 60.0);
        jump(&mut t, 60.0);
        t.drive(900, 10, 60.0);
        t
    };
    let a = all(&two(120));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].rule, Rule::Drift);
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 5, 0), Some(at(10, 7, 10)))
    );
    let second_alone = {
        let mut t = Track::new(at(10, 0, 0));
        t.drive(420, 10, 60.0);
        jump(&mut t, 60.0);
        t.drive(600, 10, 60.0);
        all(&t)
    };
    assert_eq!(a[0].peak, second_alone[0].peak, "the larger of the two");

    // 10 minutes apart: two episodes.
    let a = all(&two(600));
    assert_eq!(a.len(), 2, "{a:?}");
    assert!(a.iter().all(|a| a.rule == Rule::Drift));
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 5, 0), Some(at(10, 5, 10)))
    );
    assert_eq!(
        (a[1].start_ms, a[1].end_ms),
        (at(10, 15, 0), Some(at(10, 15, 10)))
    );
}

/// A journey along the road at 60 km/h, with a second one `km` north of it interleaved for
/// five minutes from 08:02:00 (its fixes `offset_ms` after the road's, at 120 km/h), as a
/// time-sorted blind-area batch stores a tampered terminal's data.
fn interleaved(km: f64, offset_ms: i64) -> Track {
    let mut t = Track::new(at(8, 0, 0));
    t.drive(120, 10, 60.0);
    for _ in 0..30 {
        let mut other = *t.fix(60.0, true);
        other.lat += (km / 111.195 * 1e6).round() as i32;
        other.speed = 1200;
        other.device_time_ms += offset_ms;
        other.receive_time_ms += offset_ms;
        t.fixes.push(other);
        t.advance(10, 60.0);
    }
    t.drive(900, 10, 60.0);
    t
}

#[test]
fn interleaved_journeys_of_a_tampered_clock_are_one_tampering_episode() {
    for offset_ms in [0, 1000] {
        let t = interleaved(20.0, offset_ms);
        let a = all(&t);
        // Nothing else: no drift, and the second journey's 120 km/h is no speeding.
        assert_eq!(a.len(), 1, "offset {offset_ms}: {a:?}");
        assert_eq!(a[0].rule, Rule::Tampering);
        assert_eq!(a[0].detail, "same device time at two places");
        assert_eq!(
            (a[0].start_ms, a[0].end_ms),
            (at(8, 2, 0) + offset_ms, Some(at(8, 7, 0))),
            "from the first duplicate to the first fix after the last one"
        );
        assert_eq!(a[0].start_fix, t.fixes[13]);
        assert_eq!(a[0].limit, 200.0);
        assert!(
            (a[0].peak - 20_000.0).abs() < 100.0,
            "metres: {}",
            a[0].peak
        );
    }
    // Twins: the road alone; a second fix at the same time only 150 m away.
    let mut t = Track::new(at(8, 0, 0));
    t.drive(1320, 10, 60.0);
    assert!(all(&t).is_empty());
    assert!(all(&interleaved(0.15, 0)).is_empty());
    // Five seconds apart is not the same time: the second journey is drift, one episode
    // for the whole interleaving.
    let a = all(&interleaved(20.0, 5000));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].rule, Rule::Drift);
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(8, 2, 5), Some(at(8, 7, 0)))
    );
}

#[test]
fn tampered_clock_and_frozen_position() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 60.0);
    for _ in 0..3 {
        let p = t.fix(60.0, true);
        p.receive_time_ms -= 20 * 60 * 1000; // device clock 20 min ahead
        t.advance(10, 60.0);
    }
    t.drive(60, 10, 60.0);
    let a = alarms("coach", &t, Rule::Tampering);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 1, 0), Some(at(10, 1, 30)))
    );

    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 60.0);
    for _ in 0..6 {
        t.fix(60.0, true);
        t.t += 10_000; // speed says 60 km/h, position never changes
    }
    t.drive(60, 10, 60.0);
    let a = alarms("coach", &t, Rule::Tampering);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(a[0].detail.contains("frozen"));
}

#[test]
fn shielding_by_invalid_fixes_and_by_silent_gaps() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 60.0);
    for _ in 0..5 {
        let p = t.fix(0.0, true);
        p.flags = flags::HAS_RECORDER_SPEED; // GNSS invalid, recorder says 60 km/h
        p.recorder_speed = 600;
        t.advance(10, 60.0);
    }
    t.drive(60, 10, 60.0);
    let a = alarms("coach", &t, Rule::SignalShielding);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 1, 0), Some(at(10, 1, 50)))
    );

    let mut t = Track::new(at(10, 0, 0));
    t.drive(60, 10, 60.0);
    t.advance(600, 60.0); // silent for 10 minutes while driving 10 km
    t.drive(60, 10, 60.0);
    let a = alarms("coach", &t, Rule::SignalShielding);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].start_ms, at(10, 0, 50));
    // Twin: parked during the gap, reappears where it was.
    let mut t = Track::new(at(10, 0, 0));
    t.park(60, 10);
    t.t += 600_000;
    t.park(60, 10);
    assert!(alarms("coach", &t, Rule::SignalShielding).is_empty());
}

#[test]
fn terminal_alarm_bits_open_and_close() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(30, 10, 50.0);
    for _ in 0..3 {
        t.fix(50.0, true).alarm = 1; // emergency
        t.advance(10, 50.0);
    }
    t.drive(30, 10, 50.0);
    let a = alarms("coach", &t, Rule::Terminal(0));
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].start_ms, a[0].end_ms),
        (at(10, 0, 30), Some(at(10, 1, 0)))
    );
}

#[test]
fn offline_live_equals_replay_and_late_data_closes_it() {
    let mut t = Track::new(at(10, 0, 0));
    t.drive(300, 10, 60.0);
    let before = t.fixes.len();
    t.t += 30 * 60 * 1000;
    t.drive(120, 10, 60.0);
    let cfg = RuleConfig::default();

    // Live: ticks every minute of wall clock (receive time).
    let mut e = Engine::new(cfg.clone());
    e.set_vehicle(V, "coach");
    let mut ev = Vec::new();
    for p in &t.fixes[..before] {
        e.push(p, &mut ev);
    }
    let silent_from = t.fixes[before - 1].receive_time_ms;
    let mut now = silent_from;
    while now < t.fixes[before].receive_time_ms {
        e.tick(now, &mut ev);
        now += 60_000;
    }
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Opened(a) if a.rule == Rule::Offline)),
        "opened live"
    );
    for p in &t.fixes[before..] {
        e.push(p, &mut ev);
    }
    let live: Vec<Alarm> = collect(ev, e.open_alarms())
        .into_iter()
        .filter(|a| a.rule == Rule::Offline)
        .collect();
    let replayed: Vec<Alarm> = alarms("coach", &t, Rule::Offline);
    assert_eq!(live, replayed);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].start_ms, silent_from);
    assert_eq!(live[0].end_ms, Some(t.fixes[before].receive_time_ms));

    // Late (blind-area) data uploaded when the terminal comes back closes the alarm.
    let mut e = Engine::new(cfg);
    e.set_vehicle(V, "coach");
    let mut ev = Vec::new();
    for p in &t.fixes[..before] {
        e.push(p, &mut ev);
    }
    e.tick(silent_from + 21 * 60_000, &mut ev);
    assert_eq!(e.open_alarms().len(), 1);
    let mut late = t.fixes[before - 1];
    late.device_time_ms -= 1_000; // recorded before the silence, uploaded now
    late.receive_time_ms = silent_from + 25 * 60_000;
    late.flags |= flags::SUPPLEMENTARY;
    e.push(&late, &mut ev);
    assert!(e.open_alarms().is_empty());
    let closed: Vec<&Alarm> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Closed(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].end_ms, Some(silent_from + 25 * 60_000));
}

proptest! {
    /// Live (fix by fix, with wall-clock ticks) and replay give the same alarms for any
    /// in-order track, geofences included.
    #[test]
    fn replay_equals_live(steps in prop::collection::vec((1i64..400, 0u16..1400, any::<bool>(), 0u8..20), 1..200)) {
        let mut t = Track::new(at(1, 0, 0));
        for (dt, speed, acc, kind) in steps {
            let kmh = f64::from(speed) / 10.0;
            let p = t.fix(kmh, acc);
            if kind == 0 { p.alarm = 1 << 2; }
            if kind == 1 { p.flags &= !flags::GNSS_VALID; }
            if kind == 2 { p.lat += 300_000; }
            // 4, 5: the next fix at the same time, or 1 s later (a duplicate time when it
            // jumps).
            let secs = match kind { 3 => dt * 10, 4 => 0, 5 => 1, _ => dt };
            t.advance(secs, kmh);
        }
        // Fences on the track's meridian: a forbidden zone and a 60 km/h zone.
        let zone = |id, lat: f64, kind| Geofence {
            id,
            name: format!("zone {id}"),
            shape: Shape::Circle { lat, lon: 111.9, radius_m: 5_000.0 },
            kind,
            vehicle_ids: vec![],
            classes: vec![],
            active_from_min: None,
            active_to_min: None,
        };
        let cfg = RuleConfig {
            geofences: vec![
                zone(1, 21.85, FenceKind::Forbidden),
                zone(2, 21.95, FenceKind::SpeedLimit { limit_kmh: 60.0 }),
            ],
            ..RuleConfig::default()
        };
        let mut e = Engine::new(cfg.clone());
        e.set_vehicle(V, "coach");
        let mut ev = Vec::new();
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
