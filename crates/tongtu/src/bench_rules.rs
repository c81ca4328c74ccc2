//! `tongtu bench rules`: positions evaluated per second by the rule engine, over the same
//! simulated fleet days as `bench track` (generated in memory, so only the rules are timed).

use std::time::Instant;

use anyhow::Result;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tongtu_rules::{Engine, Event, FenceKind, Geofence, RuleConfig, Shape};
use tongtu_track::day_of;

use crate::bench_track::vehicle_day;

#[derive(clap::Args, Debug)]
pub struct BenchRulesArgs {
    /// Vehicles in the fleet.
    #[arg(long, default_value_t = 3000)]
    pub vehicles: u32,
    /// Days replayed.
    #[arg(long, default_value_t = 3)]
    pub days: u32,
    /// Random seed.
    #[arg(long, default_value_t = 808)]
    pub seed: u64,
    /// Geofences (random circles and polygons over the simulated city, applying to every
    /// vehicle), to time the fence rules.
    #[arg(long, default_value_t = 0)]
    pub fences: u32,
    /// Replay a stored track store instead (e.g. the `--dir` of `tongtu bench track`, or a
    /// data directory's `tracks`): every vehicle's whole stored history, read and decoded
    /// from the segments, through the rules one vehicle at a time, as `rules replay` does.
    #[arg(long)]
    pub store: Option<std::path::PathBuf>,
}

/// Replays a stored track store: times reading plus rules, and the rules alone.
fn run_store(args: &BenchRulesArgs, dir: &std::path::Path, cfg: RuleConfig) -> Result<()> {
    let classes = ["coach", "charter_bus", "hazmat", "heavy_truck", "tractor"];
    // A data directory (or `bench track --dir`) holds the store in `tracks/`.
    let tracks = dir.join("tracks");
    let dir = if tracks.join("segments").is_dir() {
        tracks.as_path()
    } else {
        dir
    };
    let store = tongtu_track::TrackStore::open_read_only(dir)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", dir.display()))?;
    let (from, to) = (0, i64::MAX / 2);
    let (mut n, mut rules_secs, mut alarms, mut vehicles) = (0u64, 0.0f64, 0usize, 0u32);
    let t0 = Instant::now();
    store.for_each_track(from, to, None, |v, track| {
        let mut e = Engine::new(cfg.clone());
        e.set_vehicle(v, classes[v as usize % classes.len()]);
        let mut events: Vec<Event> = Vec::new();
        let t = Instant::now();
        for p in track {
            e.push(p, &mut events);
        }
        rules_secs += t.elapsed().as_secs_f64();
        n += track.len() as u64;
        alarms += events.len();
        vehicles += 1;
        Ok(())
    })?;
    let total = t0.elapsed().as_secs_f64();
    println!(
        "tongtu bench rules --store {}: {vehicles} vehicles, {n} stored positions, {} geofences: \
         replay {total:.1} s = {:.2} M positions/s (read + decode + rules, one thread); \
         rules alone {rules_secs:.1} s = {:.2} M positions/s ({alarms} alarm events)",
        dir.display(),
        args.fences,
        n as f64 / total / 1e6,
        n as f64 / rules_secs / 1e6
    );
    Ok(())
}

/// Circles and star-shaped polygons of 0.2–2 km over the simulated city (bench_track's
/// 21.7–22.4°N, 111.3–112.3°E), cycling through the area kinds.
fn random_fences(seed: u64, n: u32) -> Vec<Geofence> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xfe9c);
    (1..=n)
        .map(|id| {
            let (lat, lon) = (rng.random_range(21.7..22.4), rng.random_range(111.3..112.3));
            let shape = if id % 2 == 0 {
                Shape::Circle {
                    lat,
                    lon,
                    radius_m: rng.random_range(200.0..2000.0),
                }
            } else {
                let k = rng.random_range(3..9);
                let mut angles: Vec<f64> = (0..k)
                    .map(|_| rng.random_range(0.0..std::f64::consts::TAU))
                    .collect();
                angles.sort_by(f64::total_cmp);
                let points = angles
                    .iter()
                    .map(|a| {
                        let r = rng.random_range(300.0..2000.0) / 111_195.0;
                        [
                            lat + r * a.sin(),
                            lon + r * a.cos() / lat.to_radians().cos(),
                        ]
                    })
                    .collect();
                Shape::Polygon { points }
            };
            let kind = match id % 4 {
                0 => FenceKind::Forbidden,
                1 => FenceKind::SpeedLimit { limit_kmh: 60.0 },
                2 => FenceKind::Enter,
                _ => FenceKind::Leave,
            };
            Geofence {
                id,
                name: format!("bench {id}"),
                shape,
                kind,
                vehicle_ids: vec![],
                classes: vec![],
                active_from_min: None,
                active_to_min: None,
            }
        })
        .collect()
}

pub fn run(args: BenchRulesArgs) -> Result<()> {
    let classes = ["coach", "charter_bus", "hazmat", "heavy_truck", "tractor"];
    let first = day_of(chrono::Utc::now().timestamp_millis()) - args.days as i32;
    let cfg = RuleConfig {
        geofences: random_fences(args.seed, args.fences),
        ..RuleConfig::default()
    };
    if let Some(dir) = &args.store {
        return run_store(&args, dir, cfg);
    }
    let (mut n, mut secs, mut alarms) = (0u64, 0.0f64, 0usize);
    for d in 0..args.days as i32 {
        let mut fixes = Vec::new();
        for v in 1..=args.vehicles {
            vehicle_day(args.seed, v, first + d, &mut fixes);
        }
        // Device-time order across the fleet, as a live stream would deliver it.
        fixes.sort_by_key(|p| p.device_time_ms);
        let mut e = Engine::new(cfg.clone());
        for v in 1..=args.vehicles {
            e.set_vehicle(v, classes[v as usize % classes.len()]);
        }
        let mut events: Vec<Event> = Vec::new();
        let t = Instant::now();
        for p in &fixes {
            e.push(p, &mut events);
        }
        secs += t.elapsed().as_secs_f64();
        n += fixes.len() as u64;
        alarms += events.len();
    }
    println!(
        "tongtu bench rules: {} vehicles x {} days, {} geofences: {n} positions in {secs:.2} s = {:.2} M positions/s on one core ({alarms} alarm events)",
        args.vehicles,
        args.days,
        args.fences,
        n as f64 / secs / 1e6
    );
    Ok(())
}
