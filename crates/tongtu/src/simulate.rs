//! `tongtu simulate`: drives the demo fleet as real JT/T 808 terminals against a gateway,
//! with an optionally accelerated clock and a share of deliberate violations; or, with
//! `--backfill-from/--backfill-to`, writes a historical period as blind-area batches.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::Args;
use tongtu_sim::clock::SimClock;
use tongtu_sim::plan::{profiles, VehicleProfile};
use tongtu_sim::runner::{self, RunnerConfig};
use tongtu_sim::scenario::{ScenarioLog, ViolationKind};
use tongtu_sim::vehicle::SimConfig;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The gateway's JT/T 808 address.
    #[arg(long, default_value = "127.0.0.1:7808")]
    server: String,
    /// How many vehicles to simulate: the first N of the fleet (default: all of it).
    #[arg(long)]
    vehicles: Option<usize>,
    /// Size of the registry's fleet, as seeded by `tongtu demo --vehicles` (the simulator
    /// regenerates the same fleet from the same seed and size).
    #[arg(long, default_value_t = 3000)]
    fleet_size: usize,
    /// Seed of the fleet (as `tongtu demo --seed`) and of the simulated days.
    #[arg(long, default_value_t = 20260101)]
    seed: u64,
    /// Simulated seconds per wall second (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// Share of vehicle-days with a deliberate violation (0–1).
    #[arg(long, default_value_t = 0.05)]
    scenario_rate: f64,
    /// Give every eligible vehicle-day this violation: speeding, fatigue, night_ban,
    /// signal_shielding, drift, time_tampering, offline, hazmat_deviation.
    #[arg(long)]
    scenario: Option<String>,
    /// Simulated start time (RFC 3339). Default: now, or for an accelerated run with
    /// --duration, so long ago that the run ends now.
    #[arg(long)]
    start: Option<String>,
    /// Stop after this many wall seconds (default: run until Ctrl-C).
    #[arg(long)]
    duration: Option<f64>,
    /// Scenario log: one JSON line per deliberate violation.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Report interval while moving, seconds (default: 10 for 两客一危, 30 for trucks).
    #[arg(long)]
    moving_interval: Option<u32>,
    /// Backfill: write the period from this time (RFC 3339) as 0x0704 blind-area batches.
    #[arg(long, requires = "backfill_to")]
    backfill_from: Option<String>,
    /// End of the backfill period (RFC 3339).
    #[arg(long, requires = "backfill_from")]
    backfill_to: Option<String>,
    /// Vehicles backfilled at a time.
    #[arg(long, default_value_t = 32)]
    parallel: usize,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)
        .with_context(|| format!("{s:?} is not an RFC 3339 time"))?
        .with_timezone(&Utc))
}

async fn resolve(server: &str) -> Result<SocketAddr> {
    tokio::net::lookup_host(server)
        .await
        .with_context(|| format!("resolving {server}"))?
        .next()
        .with_context(|| format!("{server} resolves to no address"))
}

/// The first `n` vehicles of the demo fleet of `fleet_size` generated from `seed`.
pub fn fleet_profiles(seed: u64, fleet_size: usize, n: Option<usize>) -> Vec<Arc<VehicleProfile>> {
    let fleet = tongtu_sim::fleet::generate(seed, fleet_size);
    profiles(&fleet)
        .into_iter()
        .take(n.unwrap_or(usize::MAX))
        .map(Arc::new)
        .collect()
}

fn scenario_log(path: Option<&PathBuf>) -> Result<Arc<ScenarioLog>> {
    Ok(Arc::new(match path {
        Some(p) => ScenarioLog::to_file(p).with_context(|| format!("opening {}", p.display()))?,
        None => ScenarioLog::in_memory(),
    }))
}

pub async fn run(args: SimulateArgs) -> Result<()> {
    let server = resolve(&args.server).await?;
    let force = match args.scenario.as_deref() {
        Some(s) => {
            Some(ViolationKind::parse(s).with_context(|| format!("unknown scenario {s:?}"))?)
        }
        None => None,
    };
    if !(0.0..=1.0).contains(&args.scenario_rate) {
        bail!("--scenario-rate must be between 0 and 1");
    }
    let sim = SimConfig {
        seed: args.seed,
        scenario_rate: args.scenario_rate,
        force_scenario: force,
        moving_interval_s: args.moving_interval,
        ..SimConfig::default()
    };
    let vehicles = fleet_profiles(args.seed, args.fleet_size, args.vehicles);
    let log = scenario_log(args.log.as_ref())?;
    let start = match (&args.start, args.duration) {
        (Some(s), _) => parse_time(s)?,
        // An accelerated run of known length ends at the present, so that no device time
        // lies in the future (the platform would count such records as unqualified).
        (None, Some(secs)) if args.speedup > 1.0 => {
            Utc::now() - chrono::TimeDelta::milliseconds((secs * args.speedup * 1000.0) as i64)
        }
        (None, _) => {
            if args.speedup > 1.0 {
                tracing::warn!("an accelerated run from now sends device times in the future; give --duration or --start");
            }
            Utc::now()
        }
    };
    let cfg = RunnerConfig::new(server, sim, SimClock::new(start, args.speedup), log.clone());

    if let (Some(from), Some(to)) = (&args.backfill_from, &args.backfill_to) {
        let (from, to) = (parse_time(from)?, parse_time(to)?);
        if to <= from {
            bail!("--backfill-to must be after --backfill-from");
        }
        println!(
            "backfilling {} vehicles from {from} to {to} through {server}",
            vehicles.len()
        );
        let n = runner::backfill(vehicles, cfg, from, to, args.parallel).await?;
        println!(
            "backfill done: {n} fixes, {} violations logged",
            log.records().len()
        );
        return Ok(());
    }

    println!(
        "simulating {} vehicles against {server} (speed-up {}×, scenario rate {}, simulated start {start})",
        vehicles.len(),
        cfg.clock.speedup(),
        args.scenario_rate
    );
    let fleet = runner::spawn(vehicles, cfg)?;
    let stats = fleet.stats.clone();
    let report = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        tick.tick().await;
        loop {
            tick.tick().await;
            let s = stats.snapshot();
            tracing::info!(
                connected = s.connected,
                fixes = s.fixes_sent,
                acks = s.acks,
                blind_batches = s.blind_batches_sent,
                violations = s.violations_logged,
                "simulation progress"
            );
        }
    });
    match args.duration {
        Some(secs) => {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0))) => {}
                _ = crate::shutdown_signal() => {}
            }
        }
        None => crate::shutdown_signal().await,
    }
    report.abort();
    let stats = fleet.stats.clone();
    fleet.stop().await;
    let s = stats.snapshot();
    println!(
        "{}",
        serde_json::to_string(&s).unwrap_or_else(|_| format!("{s:?}"))
    );
    Ok(())
}

/// Runs the demo fleet (the registry's vehicles, regenerated from `seed` and `fleet_size`)
/// in real time against the gateway at `server` until `shutdown` resolves; for `tongtu
/// demo`, which spawns it once the gateway listens.
// Called by `tongtu demo` once the lead wires the fleet in; unused until then.
#[allow(dead_code)]
pub async fn run_demo_fleet(
    server: SocketAddr,
    seed: u64,
    fleet_size: usize,
    scenario_rate: f64,
    log: Option<PathBuf>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let sim = SimConfig {
        seed,
        scenario_rate,
        ..SimConfig::default()
    };
    let cfg = RunnerConfig::new(
        server,
        sim,
        SimClock::real_time(),
        scenario_log(log.as_ref())?,
    );
    runner::run(fleet_profiles(seed, fleet_size, None), cfg, shutdown).await?;
    Ok(())
}
