//! `tongtu bench rules`: positions evaluated per second by the rule engine, over the same
//! simulated fleet days as `bench track` (generated in memory, so only the rules are timed).

use std::time::Instant;

use anyhow::Result;
use tongtu_rules::{Engine, Event, RuleConfig};
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
}

pub fn run(args: BenchRulesArgs) -> Result<()> {
    let classes = ["coach", "charter_bus", "hazmat", "heavy_truck", "tractor"];
    let first = day_of(chrono::Utc::now().timestamp_millis()) - args.days as i32;
    let (mut n, mut secs, mut alarms) = (0u64, 0.0f64, 0usize);
    for d in 0..args.days as i32 {
        let mut fixes = Vec::new();
        for v in 1..=args.vehicles {
            vehicle_day(args.seed, v, first + d, &mut fixes);
        }
        // Device-time order across the fleet, as a live stream would deliver it.
        fixes.sort_by_key(|p| p.device_time_ms);
        let mut e = Engine::new(RuleConfig::default());
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
        "tongtu bench rules: {} vehicles x {} days: {n} positions in {secs:.2} s = {:.2} M positions/s on one core ({alarms} alarm events)",
        args.vehicles,
        args.days,
        n as f64 / secs / 1e6
    );
    Ok(())
}
