//! `tongtu demo`: a fresh data directory with the demo city, its fleet and users, then serve.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use tongtu_alarms::fences::{self, FenceRecord};
use tongtu_registry::auth::{self, UserInput};
use tongtu_registry::entities::{DriverInput, TerminalInput, VehicleInput};
use tongtu_registry::{record, regions, Driver, Enterprise, Principal, Terminal, Vehicle};
use tongtu_rules::geofence::{FenceKind, Geofence, Shape};
use tongtu_sim::fleet;

use crate::config::Config;

/// File that marks a directory as a demo directory, which `demo` may wipe and recreate.
const MARKER: &str = ".tongtu-demo";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Demo data directory; recreated on every start (only if it is a demo directory or empty).
    #[arg(long, default_value = "./tongtu-demo")]
    dir: PathBuf,
    /// HTTP address to serve on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: String,
    /// Number of key operating vehicles in the demo fleet.
    #[arg(long, default_value_t = 3000)]
    vehicles: usize,
    /// Seed of the generated fleet.
    #[arg(long, default_value_t = 20260101)]
    seed: u64,
    /// Password of the demo users (default: random, printed at start).
    #[arg(long, env = "TONGTU_DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Seed the directory and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// JT/T 808 gateway address (port 0 picks a free port).
    #[arg(long, env = "TONGTU_JT808_LISTEN", default_value = "127.0.0.1:7808")]
    jt808: String,
    /// Do not drive the fleet as simulated terminals (serve the registry only).
    #[arg(long)]
    no_fleet: bool,
    /// Do not seed the bureau's registers (projects, statistics, enforcement...).
    #[arg(long)]
    no_records: bool,
    /// Share of vehicle-days with a deliberate violation (speeding, fatigue, night driving,
    /// shielding, drift, tampering, offline, hazmat route deviation).
    #[arg(long, default_value_t = 0.1)]
    scenario_rate: f64,
}

fn prepare_dir(dir: &PathBuf) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "{} exists and is not a Tongtu demo directory: refusing to wipe it (choose another --dir)",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(MARKER),
        "This directory is recreated by `tongtu demo`.\n",
    )?;
    Ok(())
}

/// Seeds regions, enterprises, vehicles, terminals and drivers; returns the first enterprise id
/// of a passenger company (for the demo enterprise officer).
async fn seed(pool: &sqlx::SqlitePool, vehicles: usize, seed: u64) -> Result<i64> {
    let system = Principal::system();
    let world = fleet::generate(seed, vehicles);
    let mut region_ids = Vec::new();
    for (code, name, kind) in fleet::REGIONS {
        region_ids.push(regions::upsert(pool, code, name, kind).await?);
    }
    let ent_inputs: Vec<_> = world
        .enterprises
        .iter()
        .map(|e| {
            let mut i = e.input.clone();
            i.region_id = region_ids[e.region];
            i
        })
        .collect();
    let ent_ids = record::create_many::<Enterprise>(pool, &system, &ent_inputs).await?;
    let veh_inputs: Vec<VehicleInput> = world
        .vehicles
        .iter()
        .map(|v| VehicleInput {
            enterprise_id: ent_ids[v.enterprise],
            ..v.vehicle.clone()
        })
        .collect();
    let veh_ids = record::create_many::<Vehicle>(pool, &system, &veh_inputs).await?;
    let by_index: HashMap<usize, i64> = veh_ids.iter().copied().enumerate().collect();
    let term_inputs: Vec<TerminalInput> = world
        .vehicles
        .iter()
        .enumerate()
        .map(|(i, v)| TerminalInput {
            enterprise_id: ent_ids[v.enterprise],
            vehicle_id: by_index.get(&i).copied(),
            ..v.terminal.clone()
        })
        .collect();
    record::create_many::<Terminal>(pool, &system, &term_inputs).await?;
    let drv_inputs: Vec<DriverInput> = world
        .vehicles
        .iter()
        .enumerate()
        .map(|(i, v)| DriverInput {
            enterprise_id: ent_ids[v.enterprise],
            vehicle_id: by_index.get(&i).copied(),
            ..v.driver.clone()
        })
        .collect();
    record::create_many::<Driver>(pool, &system, &drv_inputs).await?;
    Ok(ent_ids.first().copied().unwrap_or(1))
}

/// The bureau's registers: 18+ months of generated rows, imported through the same checks
/// as an Excel sheet (one audit entry per register).
async fn seed_records(pool: &sqlx::SqlitePool, vehicles: usize, seed: u64) -> Result<()> {
    let started = Instant::now();
    let world = fleet::generate(seed, vehicles);
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let ctx = tongtu_sim::records::Ctx {
        seed,
        today,
        fleet: &world,
    };
    let system = Principal::system();
    let mut rows = 0usize;
    for batch in tongtu_sim::records::generate(&ctx) {
        let r = tongtu_records::registers::get(batch.register)
            .ok_or_else(|| anyhow::anyhow!("demo rows for unknown register {}", batch.register))?;
        let sheet = tongtu_records::store::json_rows(r, &batch.rows)
            .map_err(|e| anyhow::anyhow!("demo rows of {}: {e}", r.key))?;
        let locate = |f: &tongtu_records::Field| (f.key.to_string(), f.zh.to_string());
        tongtu_records::store::import_rows(
            pool,
            &system,
            r,
            &sheet,
            &locate,
            tongtu_records::store::AuditMode::Summary,
        )
        .await
        .map_err(|e| match e {
            tongtu_registry::RegistryError::Import(cells) => anyhow::anyhow!(
                "demo rows of {}: {} bad cells, first: {:?}",
                r.key,
                cells.len(),
                cells.first()
            ),
            e => anyhow::anyhow!("demo rows of {}: {e}", r.key),
        })?;
        rows += sheet.len();
    }
    tracing::info!(
        rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo registers seeded"
    );
    Ok(())
}

/// The demo city's geofences: posted limits as speed-limit corridors (路段限速) for the
/// vehicle classes whose own limit is higher (a coach at 95 km/h on an 80 km/h national road
/// is speeding; passenger and freight limits differ on some roads, so a road gets up to two
/// corridors), and the permitted hazardous-goods network.
async fn seed_fences(pool: &sqlx::SqlitePool) -> Result<()> {
    let system = Principal::system();
    let rules = tongtu_rules::RuleConfig::default();
    let world = tongtu_sim::world::World::demo();
    let now = chrono::Utc::now().timestamp_millis();
    let groups: [(&str, bool, &[&str]); 2] = [
        ("客车", false, &["coach", "charter_bus", "bus", "taxi"]),
        ("货车", true, &["hazmat", "heavy_truck", "tractor", "truck"]),
    ];
    let mut n = 0;
    for road in &world.roads {
        for (label, truck, classes) in groups {
            let limit = road.limit_for(truck);
            let applies: Vec<String> = classes
                .iter()
                .filter(|c| rules.class(c).speed_limit_kmh > limit)
                .map(|c| c.to_string())
                .collect();
            if applies.is_empty() || road.points.len() < 2 {
                continue;
            }
            let fence = Geofence {
                id: 0,
                name: format!("{}限速{limit:.0}（{label}）", road.name),
                shape: Shape::Corridor {
                    points: road.points.iter().map(|p| [p.lat, p.lon]).collect(),
                    // A carriageway and the GNSS error either side of it.
                    half_width_m: 40.0,
                },
                kind: FenceKind::SpeedLimit { limit_kmh: limit },
                vehicle_ids: Vec::new(),
                classes: applies,
                active_from_min: None,
                active_to_min: None,
            };
            let rec = FenceRecord {
                fence,
                enabled: true,
            };
            fences::save(pool, &system, None, rec, now)
                .await
                .map_err(|e| anyhow::anyhow!("seeding the limit of {}: {e}", road.name))?;
            n += 1;
        }
    }
    tracing::info!(fences = n, "demo road speed limits seeded");
    // The permitted hazardous-goods network (危险货物运输车辆通行路线): its roads and the access
    // roads of the places hazmat vehicles serve. Together they are one permitted network;
    // leaving all of them is a route deviation.
    let mut route = Vec::new();
    for road in world
        .roads
        .iter()
        .filter(|r| r.hazmat && r.points.len() >= 2)
    {
        route.push((
            format!("危货通行路线：{}", road.name),
            road.points
                .iter()
                .map(|p| [p.lat, p.lon])
                .collect::<Vec<_>>(),
        ));
    }
    for place in world.places.iter().filter(|p| p.hazmat) {
        if let Some(j) = world.node_at(place.node).filter(|j| *j != place.at) {
            route.push((
                format!("危货通行路线：{}进出道路", place.name),
                vec![[place.at.lat, place.at.lon], [j.lat, j.lon]],
            ));
        }
    }
    for (name, points) in route {
        let fence = Geofence {
            id: 0,
            name,
            shape: Shape::Corridor {
                points,
                half_width_m: 60.0,
            },
            kind: FenceKind::RouteDeviation,
            vehicle_ids: Vec::new(),
            classes: vec!["hazmat".into()],
            active_from_min: None,
            active_to_min: None,
        };
        let rec = FenceRecord {
            fence,
            enabled: true,
        };
        fences::save(pool, &system, None, rec, now)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the hazmat route: {e}"))?;
    }
    Ok(())
}

/// The demo city's roads and places as the console's offline basemap (GeoJSON, [lon, lat]).
fn write_basemap(path: &std::path::Path) -> Result<()> {
    let world = tongtu_sim::world::World::demo();
    let mut features = Vec::new();
    for road in &world.roads {
        features.push(serde_json::json!({
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": road.points.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>(),
            },
            "properties": {
                "kind": "road",
                "name": road.name,
                "class": road.class,
                "limit_kmh": road.limit_kmh,
            },
        }));
    }
    for place in &world.places {
        features.push(serde_json::json!({
            "type": "Feature",
            "geometry": { "type": "Point", "coordinates": [place.at.lon, place.at.lat] },
            "properties": { "kind": "place", "name": place.name, "place_kind": place.kind },
        }));
    }
    let doc = serde_json::json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(path, serde_json::to_vec(&doc)?)
        .with_context(|| format!("writing {}", path.display()))
}

pub async fn run(mut cfg: Config, args: DemoArgs) -> Result<()> {
    prepare_dir(&args.dir)?;
    cfg.data_dir = args.dir.clone();
    let pool = crate::open_db(&cfg)
        .await
        .context("opening demo database")?;
    let started = Instant::now();
    let officer_enterprise = seed(&pool, args.vehicles, args.seed).await?;
    seed_fences(&pool).await?;
    if !args.no_records {
        seed_records(&pool, args.vehicles, args.seed).await?;
    }
    write_basemap(&args.dir.join("basemap.geojson"))?;
    tracing::info!(
        vehicles = args.vehicles,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo registry seeded"
    );
    let password = args.password.clone().unwrap_or_else(crate::random_password);
    let system = Principal::system();
    let users = [
        ("admin", "系统管理员", "bureau_admin", None),
        ("supervisor", "运输科值班员", "bureau_supervisor", None),
        (
            "officer",
            "企业安全员",
            "enterprise_officer",
            Some(officer_enterprise),
        ),
        ("viewer", "只读用户", "viewer", None),
    ];
    for (username, display, role, enterprise_id) in users {
        let input = UserInput {
            username: username.into(),
            display_name: display.into(),
            role: role.into(),
            enterprise_id,
            password: Some(password.clone()),
            disabled: false,
        };
        auth::create_user(&pool, &system, &input)
            .await
            .map_err(|e| anyhow::anyhow!("creating {username}: {e}"))?;
    }
    if args.no_serve {
        println!("demo data written to {}", args.dir.display());
        return Ok(());
    }
    let http = args.http.clone();
    cfg.jt808.listen = args.jt808.clone();
    // The simulated fleet: every vehicle a real JT/T 808 terminal over TCP, started once the
    // gateway listens and stopped after the server has shut down.
    let (stop_fleet, fleet_stopped) = tokio::sync::watch::channel(false);
    let mut fleet_task = None;
    let (fleet_vehicles, fleet_seed, scenario_rate) =
        (args.vehicles, args.seed, args.scenario_rate);
    let scenario_log = args.dir.join("scenarios.jsonl");
    let no_fleet = args.no_fleet;
    crate::serve_http(&cfg, pool, &http, |addr, jt808| {
        if !no_fleet {
            let mut stopped = fleet_stopped.clone();
            fleet_task = Some(tokio::spawn(crate::simulate::run_demo_fleet(
                jt808,
                fleet_seed,
                fleet_vehicles,
                scenario_rate,
                Some(scenario_log.clone()),
                async move {
                    let _ = stopped.changed().await;
                },
            )));
            println!(
                "  {fleet_vehicles} simulated terminals connect to the JT/T 808 gateway at {jt808} (violations logged to {})",
                scenario_log.display()
            );
        }
        println!("Tongtu demo is running at http://{addr}/");
        println!("  log in as admin / {password}   (also: supervisor, officer (enterprise {officer_enterprise}), viewer; same password)");
        println!("  API docs: http://{addr}/api/docs   data: {}", args.dir.display());
        println!("  stop with Ctrl-C");
    })
    .await?;
    let _ = stop_fleet.send(true);
    if let Some(t) = fleet_task {
        match t.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "simulated fleet stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "simulated fleet task failed"),
            Ok(Ok(())) => {}
        }
    }
    Ok(())
}
