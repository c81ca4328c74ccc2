//! Runs simulated vehicles through whole days without any network and checks the fixes
//! against the thresholds of `shared/DOMAIN.md`: law-abiding vehicles break none of them,
//! and every scripted violation shows up in the fixes where the scenario log says it is.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tongtu_sim::fleet;
use tongtu_sim::plan::{is_night, local_hours, local_midnight, profiles, VehicleProfile};
use tongtu_sim::scenario::{Violation, ViolationKind};
use tongtu_sim::vehicle::{Fix, SimConfig, VehicleSim};
use tongtu_sim::world::{LonLat, World};

const SEED: u64 = 20260101;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("date")
}

fn fleet_profiles(n: usize) -> Vec<Arc<VehicleProfile>> {
    profiles(&fleet::generate(SEED, n))
        .into_iter()
        .map(Arc::new)
        .collect()
}

/// Every fix of one vehicle over the local day (from midnight to the next midnight), and
/// the violations that were completed in it.
fn run_day(p: &Arc<VehicleProfile>, cfg: SimConfig) -> (Vec<Fix>, Vec<Violation>) {
    let start = local_midnight(day());
    let end = start + TimeDelta::days(1);
    let mut sim = VehicleSim::new(World::demo(), p.clone(), cfg, start).expect("plan");
    let mut fixes = Vec::new();
    while let Some(f) = sim.step(end) {
        fixes.push(f);
    }
    let v = sim.take_finished(end);
    (fixes, v)
}

fn dist(a: &Fix, b: &Fix) -> f64 {
    LonLat::new(a.lon, a.lat).distance_m(LonLat::new(b.lon, b.lat))
}

fn secs(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

/// DOMAIN: above the limit for more than 30 s (passenger limit at night: 80 %).
fn speeding_events(p: &VehicleProfile, fixes: &[Fix]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut since: Option<DateTime<Utc>> = None;
    for f in fixes {
        let mut limit = f.limit_kmh;
        if p.class.is_passenger() && is_night(f.time) {
            limit *= 0.8;
        }
        let over = f.gnss_valid && f.limit_kmh > 0.0 && f.speed_kmh > limit;
        match (over, since) {
            (true, None) => since = Some(f.time),
            (false, Some(s)) => {
                if secs(s, f.time) > 30.0 {
                    out.push((s, f.time));
                }
                since = None;
            }
            _ => {}
        }
    }
    out
}

/// Longest continuous driving (s) without a stop of ≥ 20 min, split by whether the block
/// touched the night window. "Driving" = moving above 5 km/h with ignition on.
fn continuous_blocks(fixes: &[Fix]) -> Vec<(DateTime<Utc>, f64, bool)> {
    let mut out = Vec::new();
    let mut block: Option<(DateTime<Utc>, f64, bool)> = None;
    let mut stopped_since: Option<DateTime<Utc>> = None;
    let mut prev: Option<&Fix> = None;
    for f in fixes {
        let speed = f.recorder_speed_kmh.unwrap_or(f.speed_kmh);
        let driving = f.acc_on && speed > 5.0;
        if driving {
            if let Some(s) = stopped_since.take() {
                if secs(s, f.time) >= 20.0 * 60.0 {
                    if let Some(b) = block.take() {
                        out.push(b);
                    }
                }
            }
            let dt = prev.map_or(0.0, |p| secs(p.time, f.time));
            let b = block.get_or_insert((f.time, 0.0, false));
            b.1 += dt.min(60.0);
            b.2 |= is_night(f.time);
        } else if stopped_since.is_none() {
            stopped_since = Some(f.time);
        }
        prev = Some(f);
    }
    out.extend(block);
    out
}

fn fatigued(fixes: &[Fix]) -> bool {
    continuous_blocks(fixes)
        .iter()
        .any(|&(_, s, night)| s > if night { 2.0 } else { 4.0 } * 3600.0)
}

fn night_ban_fixes(fixes: &[Fix]) -> usize {
    fixes
        .iter()
        .filter(|f| f.moving() && (2.0..5.0).contains(&local_hours(f.time)))
        .count()
}

/// Consecutive valid fixes whose implied speed exceeds 160 km/h.
fn drift_jumps(fixes: &[Fix]) -> Vec<DateTime<Utc>> {
    let valid: Vec<&Fix> = fixes.iter().filter(|f| f.gnss_valid).collect();
    valid
        .windows(2)
        .filter(|w| {
            let dt = secs(w[0].time, w[1].time).max(1.0);
            dist(w[0], w[1]) / dt * 3.6 > 160.0 && dist(w[0], w[1]) > 1_000.0
        })
        .map(|w| w[1].time)
        .collect()
}

/// Gaps longer than 20 min after a report with the ignition on (offline / silence).
fn silent_gaps(fixes: &[Fix]) -> Vec<(DateTime<Utc>, DateTime<Utc>, f64)> {
    fixes
        .windows(2)
        .filter(|w| w[0].acc_on && secs(w[0].time, w[1].time) > 20.0 * 60.0)
        .map(|w| (w[0].time, w[1].time, dist(&w[0], &w[1])))
        .collect()
}

/// Incomplete-track gaps (DOMAIN default: > 5 min and > 2 km).
fn track_gaps(fixes: &[Fix]) -> usize {
    fixes
        .windows(2)
        .filter(|w| secs(w[0].time, w[1].time) > 300.0 && dist(&w[0], &w[1]) > 2_000.0)
        .count()
}

fn tampered(fixes: &[Fix]) -> usize {
    fixes
        .iter()
        .filter(|f| secs(f.time, f.device_time).abs() > 3600.0)
        .count()
}

fn off_hazmat_network(w: &World, fixes: &[Fix]) -> usize {
    fixes
        .iter()
        .filter(|f| w.distance_to_hazmat_network_m(LonLat::new(f.lon, f.lat)) > 500.0)
        .count()
}

#[test]
fn law_abiding_vehicles_break_no_rule() {
    let w = World::demo();
    let cfg = SimConfig {
        seed: SEED,
        ..SimConfig::default()
    };
    let mut moving_total = 0;
    for p in fleet_profiles(300).iter().step_by(3) {
        let (fixes, violations) = run_day(p, cfg);
        assert!(violations.is_empty());
        assert!(!fixes.is_empty(), "{} sent nothing", p.plate);
        let label = format!("{} {:?}", p.plate, p.class);
        assert!(speeding_events(p, &fixes).is_empty(), "{label} speeds");
        assert!(
            !fatigued(&fixes),
            "{label} fatigued: {:?}",
            continuous_blocks(&fixes)
        );
        let daily: f64 = continuous_blocks(&fixes).iter().map(|b| b.1).sum();
        assert!(daily <= 8.0 * 3600.0, "{label} drove {daily} s");
        if p.class.is_passenger() {
            assert_eq!(night_ban_fixes(&fixes), 0, "{label} runs at night");
        }
        assert!(drift_jumps(&fixes).is_empty(), "{label} drifts");
        assert!(silent_gaps(&fixes).is_empty(), "{label} goes silent");
        assert_eq!(track_gaps(&fixes), 0, "{label} has track gaps");
        assert_eq!(tampered(&fixes), 0);
        if p.class == tongtu_sim::plan::VehicleClass::Hazmat {
            assert_eq!(
                off_hazmat_network(&w, &fixes),
                0,
                "{label} left the network"
            );
        }
        // Fixes are in order, valid, and the odometer never runs backwards.
        for f in fixes.windows(2) {
            assert!(f[0].time < f[1].time);
            assert!(f[0].mileage <= f[1].mileage);
        }
        for f in &fixes {
            assert!(f.gnss_valid && f.speed_kmh < 160.0);
            assert!(
                (111.3..112.35).contains(&f.lon)
                    || !p.class.is_passenger()
                    || p.line_km > Some(100)
            );
        }
        moving_total += fixes.iter().filter(|f| f.moving()).count();
    }
    assert!(
        moving_total > 10_000,
        "the fleet hardly moved: {moving_total}"
    );
}

#[test]
fn fixes_are_deterministic_per_seed() {
    let ps = fleet_profiles(40);
    let cfg = |seed| SimConfig {
        seed,
        scenario_rate: 0.3,
        ..SimConfig::default()
    };
    for p in ps.iter().take(10) {
        assert_eq!(run_day(p, cfg(1)), run_day(p, cfg(1)));
    }
    let differs = ps
        .iter()
        .take(10)
        .filter(|p| run_day(p, cfg(1)).0 != run_day(p, cfg(2)).0)
        .count();
    assert!(differs >= 8);
}

/// Runs every eligible vehicle among the first `n` with `kind` forced; returns (profile,
/// fixes, logged violations) for those whose day produced a logged violation.
fn forced(kind: ViolationKind, n: usize) -> Vec<(Arc<VehicleProfile>, Vec<Fix>, Vec<Violation>)> {
    let cfg = SimConfig {
        seed: SEED,
        force_scenario: Some(kind),
        ..SimConfig::default()
    };
    let out: Vec<_> = fleet_profiles(n)
        .into_iter()
        .filter(|p| p.active && kind.applies_to(p))
        .take(12)
        .map(|p| {
            let (f, v) = run_day(&p, cfg);
            (p, f, v)
        })
        .collect();
    let logged = out.iter().filter(|(_, _, v)| !v.is_empty()).count();
    assert!(
        logged * 4 >= out.len() * 3 && logged > 0,
        "{kind:?}: only {logged} of {} vehicle-days logged it",
        out.len()
    );
    out.into_iter().filter(|(_, _, v)| !v.is_empty()).collect()
}

fn in_window(t: DateTime<Utc>, v: &Violation, slack_s: i64) -> bool {
    t >= v.start - TimeDelta::seconds(slack_s) && t <= v.end + TimeDelta::seconds(slack_s)
}

#[test]
fn speeding_scenario_speeds_where_logged() {
    for (p, fixes, vs) in forced(ViolationKind::Speeding, 300) {
        let v = &vs[0];
        assert_eq!(v.kind, ViolationKind::Speeding);
        let events = speeding_events(&p, &fixes);
        assert!(!events.is_empty(), "{}", p.plate);
        assert!(events
            .iter()
            .all(|(s, e)| in_window(*s, v, 30) && in_window(*e, v, 60)));
        let max = fixes
            .iter()
            .map(|f| f.speed_kmh / f.limit_kmh.max(1.0))
            .fold(0.0, f64::max);
        assert!((1.1..=1.5).contains(&max), "{max}");
    }
}

#[test]
fn fatigue_scenario_drives_over_four_hours() {
    for (p, fixes, vs) in forced(ViolationKind::Fatigue, 300) {
        assert!(p.class.is_passenger());
        assert!(fatigued(&fixes), "{}", p.plate);
        let v = &vs[0];
        assert!(secs(v.start, v.end) > 0.0);
        assert!(v.details["continuous_driving_min"].as_f64() > Some(240.0));
        assert!(speeding_events(&p, &fixes).is_empty());
    }
}

#[test]
fn night_ban_scenario_runs_between_two_and_five() {
    for (p, fixes, vs) in forced(ViolationKind::NightBan, 600) {
        assert!(p.line_km > Some(200));
        assert!(night_ban_fixes(&fixes) > 100, "{}", p.plate);
        // Nothing else: the night fatigue and speed rules are kept.
        assert!(!fatigued(&fixes), "{:?}", continuous_blocks(&fixes));
        assert!(speeding_events(&p, &fixes).is_empty());
        let v = &vs[0];
        assert!((2.0..=5.0).contains(&local_hours(v.start)));
    }
}

#[test]
fn shielding_scenario_goes_dark_while_moving() {
    for (p, fixes, vs) in forced(ViolationKind::SignalShielding, 300) {
        let v = &vs[0];
        let gaps = fixes
            .windows(2)
            .filter(|w| secs(w[0].time, w[1].time) > 300.0 && dist(&w[0], &w[1]) > 2_000.0)
            .count();
        let invalid_moving = fixes
            .iter()
            .filter(|f| !f.gnss_valid && f.recorder_speed_kmh > Some(5.0))
            .count();
        match v.details["mode"].as_str() {
            Some("silence") => assert!(gaps >= 1, "{}", p.plate),
            _ => assert!(invalid_moving > 10, "{}", p.plate),
        }
    }
}

#[test]
fn drift_scenario_jumps_once() {
    for (p, fixes, vs) in forced(ViolationKind::Drift, 300) {
        let v = &vs[0];
        let jumps = drift_jumps(&fixes);
        // The jump out and the jump back.
        assert_eq!(jumps.len(), 2, "{} {jumps:?}", p.plate);
        assert_eq!(jumps[0], v.start);
    }
}

#[test]
fn time_tampering_scenario_shifts_device_time() {
    for (p, fixes, vs) in forced(ViolationKind::TimeTampering, 300) {
        let v = &vs[0];
        let bad: Vec<_> = fixes
            .iter()
            .filter(|f| secs(f.time, f.device_time).abs() > 3600.0)
            .collect();
        assert!(bad.len() > 5, "{}", p.plate);
        assert!(bad.iter().all(|f| in_window(f.time, v, 0)));
    }
}

#[test]
fn offline_scenario_is_silent_over_twenty_minutes() {
    for (p, fixes, vs) in forced(ViolationKind::Offline, 300) {
        let v = &vs[0];
        let gaps = silent_gaps(&fixes);
        assert_eq!(gaps.len(), 1, "{}", p.plate);
        assert!(in_window(gaps[0].0, v, 30) && in_window(gaps[0].1, v, 30));
    }
}

#[test]
fn hazmat_deviation_leaves_the_permitted_network() {
    let w = World::demo();
    for (p, fixes, vs) in forced(ViolationKind::HazmatDeviation, 1000) {
        let v = &vs[0];
        let off: Vec<_> = fixes
            .iter()
            .filter(|f| w.distance_to_hazmat_network_m(LonLat::new(f.lon, f.lat)) > 500.0)
            .collect();
        assert!(off.len() > 10, "{}", p.plate);
        assert!(off.iter().all(|f| in_window(f.time, v, 15)));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn fleet() -> &'static [Arc<VehicleProfile>] {
        static F: OnceLock<Vec<Arc<VehicleProfile>>> = OnceLock::new();
        F.get_or_init(|| fleet_profiles(300))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Any vehicle on any day under any seed: a contiguous plan that ends at the depot,
        /// and fixes that keep every limit when no scenario is scripted.
        #[test]
        fn any_law_abiding_day_keeps_the_rules(seed in 0u64..10_000, idx in 0usize..300, offset in 0i64..400) {
            let p = &fleet()[idx];
            let start = local_midnight(day()) + TimeDelta::days(offset);
            let cfg = SimConfig { seed, ..SimConfig::default() };
            let mut sim = VehicleSim::new(World::demo(), p.clone(), cfg, start).expect("plan");
            let plan = sim.current_plan().clone();
            for w in plan.steps.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
            prop_assert!(plan.driving_s() <= 8.0 * 3600.0);
            let mut fixes = Vec::new();
            while let Some(f) = sim.step(plan.end) {
                fixes.push(f);
            }
            prop_assert!(speeding_events(p, &fixes).is_empty());
            prop_assert!(!fatigued(&fixes));
            prop_assert!(drift_jumps(&fixes).is_empty());
            prop_assert!(silent_gaps(&fixes).is_empty());
            if let Some(last) = fixes.last() {
                prop_assert!(LonLat::new(last.lon, last.lat).distance_m(plan.depot.at) < 1.0);
                prop_assert!(!last.acc_on);
            }
        }
    }
}

/// DOMAIN: accumulated driving > 8 h in 24 h is fatigue too; a sliding 24 h window over two
/// law-abiding days stays below it.
#[test]
fn law_abiding_driving_stays_under_eight_hours_in_any_24_hours() {
    let cfg = SimConfig {
        seed: SEED,
        ..SimConfig::default()
    };
    for p in fleet_profiles(300).iter().step_by(7) {
        let start = local_midnight(day());
        let end = start + TimeDelta::days(3);
        let mut sim = VehicleSim::new(World::demo(), p.clone(), cfg, start).expect("plan");
        let mut driving: Vec<(DateTime<Utc>, f64)> = Vec::new();
        let mut prev: Option<Fix> = None;
        while let Some(f) = sim.step(end) {
            if let Some(p) = &prev {
                if p.acc_on && p.speed_kmh > 5.0 {
                    driving.push((p.time, secs(p.time, f.time).min(60.0)));
                }
            }
            prev = Some(f);
        }
        let mut sum = 0.0;
        let mut lo = 0;
        for hi in 0..driving.len() {
            sum += driving[hi].1;
            while driving[hi].0 - driving[lo].0 >= TimeDelta::hours(24) {
                sum -= driving[lo].1;
                lo += 1;
            }
            assert!(
                sum <= 8.0 * 3600.0,
                "{} drove {:.2} h in 24 h",
                p.plate,
                sum / 3600.0
            );
        }
    }
}
