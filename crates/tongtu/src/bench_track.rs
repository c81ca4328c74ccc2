//! `tongtu bench track`: a simulated month of a 3,000-vehicle fleet through the track store,
//! with SQLite (same rows, same run) as the peer.
//!
//! Measured: WAL ingest rate with group commit (1,000-position batches from several
//! producer threads), compaction throughput, bytes per position on disk, warm vehicle-day
//! query latency, Parquet export rate; and for SQLite, bytes per row and query latency of a
//! `(vehicle_id, device_time)` primary-key table holding one day of the same data.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tongtu_track::export::{Exporter, Format};
use tongtu_track::{day_of, day_start_ms, flags, Position, TrackConfig, TrackStore, DAY_MS};

#[derive(clap::Args, Debug)]
pub struct BenchTrackArgs {
    /// Vehicles in the fleet.
    #[arg(long, default_value_t = 3000)]
    pub vehicles: u32,
    /// Days simulated (ending yesterday).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Producer threads appending batches concurrently (each waits for its batch to be
    /// durable, as a gateway's sessions do; one fsync covers all of them).
    #[arg(long, default_value_t = 16)]
    pub producers: usize,
    /// Positions per append batch.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Vehicle-day queries timed.
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    /// Skip the SQLite peer measurement.
    #[arg(long)]
    pub no_sqlite: bool,
    /// Work directory (default: a temporary directory, removed afterwards).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Random seed.
    #[arg(long, default_value_t = 808)]
    pub seed: u64,
}

/// One simulated vehicle-day, deterministic in (seed, vehicle, day).
///
/// Moving: a fix every 10, 15, 20 or 30 s (fixed per terminal, as configured in the
/// field), speeds of 30–95 km/h along smoothly curving roads with junction turns, traffic
/// stops, ±2 m GNSS noise; parked with ACC off: a fix every 5 minutes at the parked spot
/// (terminals suppress static drift). Signal strength and satellites wander. 1 % of fixes
/// arrive late as blind-area supplements; otherwise receive time lags device time by a
/// network latency of 150 ms plus an exponential tail (mean 250 ms).
pub fn vehicle_day(seed: u64, vehicle: u32, day: i32, out: &mut Vec<Position>) {
    let mut rng = SmallRng::seed_from_u64(seed ^ (u64::from(vehicle) << 20) ^ (day as u64) << 45);
    let mut vrng = SmallRng::seed_from_u64(seed ^ u64::from(vehicle));
    let interval = [10i64, 15, 20, 30][vrng.random_range(0..4)];
    let home_lat = 21.75 + vrng.random::<f64>() * 0.6;
    let home_lon = 111.35 + vrng.random::<f64>() * 0.9;
    let (mut lat, mut lon) = (home_lat, home_lon);
    let mut odo = (vrng.random_range(10_000.0..900_000.0) + f64::from(day - 20_000) * 250.0) * 10.0;
    let mut fuel: f64 = vrng.random_range(800.0..3000.0);
    let mut alt = 20.0 + vrng.random::<f64>() * 40.0;
    let mut signal: i32 = vrng.random_range(15..32);
    let mut sats: i32 = vrng.random_range(6..20);
    let start = day_start_ms(day);
    let mut t = start + rng.random_range(0..300) * 1000;
    // Operating window: leaves between 05:00 and 09:00, works 8–12 h with trips and stops.
    let dep = start + rng.random_range(5 * 3600..9 * 3600) * 1000;
    let end = dep + rng.random_range(8 * 3600..12 * 3600) * 1000;
    let mut heading: f64 = rng.random_range(0.0..360.0);
    let mut speed: f64 = 0.0;
    let mut target: f64 = 60.0;
    let mut leg_end = dep;
    let mut moving = false;
    let mut turn_rate = 0.0;
    let mut next_junction = 0.0;
    while t < start + DAY_MS {
        let working = t >= dep && t < end;
        if working && t >= leg_end {
            moving = !moving;
            leg_end = t + if moving {
                target = rng.random_range(30.0..95.0);
                rng.random_range(30 * 60..150 * 60) * 1000
            } else {
                rng.random_range(10 * 60..40 * 60) * 1000
            };
        }
        let driving = working && moving;
        let dt = if driving { interval } else { 300 };
        if driving {
            // Speed follows its target with noise; short traffic stops now and then.
            if rng.random::<f64>() < 0.03 {
                speed = 0.0;
            } else {
                speed += (target - speed) * 0.3 + rng.random_range(-4.0..4.0);
                speed = speed.clamp(0.0, 120.0);
            }
            if rng.random::<f64>() < 0.05 {
                turn_rate = rng.random_range(-3.0..3.0);
            }
            next_junction -= speed * dt as f64 / 3600.0;
            if next_junction <= 0.0 {
                heading += [-90.0, 90.0, 0.0, 0.0][rng.random_range(0..4)];
                next_junction = rng.random_range(1.0..8.0);
            }
            heading = (heading + turn_rate * dt as f64 / 10.0).rem_euclid(360.0);
            let dist_km = speed * dt as f64 / 3600.0;
            let (s, c) = heading.to_radians().sin_cos();
            lat += c * dist_km / 111.2;
            lon += s * dist_km / (111.2 * lat.to_radians().cos());
            // Stay in the city: turn back at its edge.
            if !(21.7..22.4).contains(&lat) || !(111.3..112.3).contains(&lon) {
                heading = (heading + 180.0).rem_euclid(360.0);
                lat = lat.clamp(21.7, 22.4);
                lon = lon.clamp(111.3, 112.3);
            }
            odo += dist_km * 10.0;
            fuel = (fuel - dist_km * 0.3).max(50.0);
            alt = (alt + rng.random_range(-1.5..1.5)).clamp(0.0, 120.0);
        } else {
            speed = 0.0;
        }
        let noise = |rng: &mut SmallRng| {
            if driving {
                rng.random_range(-20..=20)
            } else {
                0
            }
        };
        let supplementary = rng.random::<f64>() < 0.01;
        let late = if supplementary {
            rng.random_range(60..7200) * 1000
        } else {
            150 + ((-(1.0 - rng.random::<f64>()).ln()) * 250.0).min(5000.0) as i64
        };
        if rng.random::<f64>() < 0.2 {
            signal = (signal + rng.random_range(-1..=1)).clamp(10, 31);
        }
        if rng.random::<f64>() < 0.2 {
            sats = (sats + rng.random_range(-1..=1)).clamp(5, 24);
        }
        let mut fl = flags::GNSS_VALID
            | flags::HAS_MILEAGE
            | flags::HAS_FUEL
            | flags::HAS_SIGNAL
            | flags::HAS_SATELLITES;
        if supplementary {
            fl |= flags::SUPPLEMENTARY | flags::FROM_BATCH;
        }
        out.push(Position {
            vehicle_id: vehicle,
            device_time_ms: t,
            receive_time_ms: t + late,
            lat: (lat * 1e6) as i32 + noise(&mut rng),
            lon: (lon * 1e6) as i32 + noise(&mut rng),
            altitude: alt as i16,
            speed: (speed * 10.0) as u16,
            direction: heading as u16 % 360,
            status: if working { 0b11 } else { 0b10 },
            alarm: 0,
            mileage: odo as u32,
            fuel: fuel as u16,
            recorder_speed: 0,
            vehicle_signal: 0,
            signal: signal as u8,
            satellites: sats as u8,
            flags: fl,
        });
        t += dt * 1000 + if rng.random::<f64>() < 0.05 { 1000 } else { 0 };
    }
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 Hz on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                dir_bytes(&path)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the benchmark; blocking (call it from `spawn_blocking`).
pub fn run(args: BenchTrackArgs, rt: tokio::runtime::Handle) -> Result<()> {
    let tmp;
    let root = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempdir()?;
            tmp.clone()
        }
    };
    let store_dir = root.join("tracks");
    let _ = std::fs::remove_dir_all(&store_dir);
    println!(
        "tongtu bench track: {} vehicles x {} days, batches of {}, {} producer threads, dir {}",
        args.vehicles,
        args.days,
        args.batch,
        args.producers,
        root.display()
    );
    println!(
        "machine: {} CPUs, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    // WAL files large enough that rotation happens only when we ask, and no automatic
    // closed-day rewrite: ingest, hot compaction and the rewrite are timed apart.
    let cfg = TrackConfig {
        wal_file_bytes: 4 << 30,
        wal_max_age: std::time::Duration::from_secs(86_400),
        cold_after_days: u32::MAX,
        ..Default::default()
    };
    let store = TrackStore::open(&store_dir, cfg)?;
    let today = day_of(chrono::Utc::now().timestamp_millis());
    let first_day = today - args.days as i32;
    let (mut total, mut ingest_s, mut ingest_cpu, mut compact_s) = (0u64, 0.0f64, 0.0f64, 0.0f64);
    let mut sample_day = Vec::new();
    for d in 0..args.days as i32 {
        let day = first_day + d;
        let mut all = Vec::new();
        for v in 1..=args.vehicles {
            vehicle_day(args.seed, v, day, &mut all);
        }
        // Arrival order: by receive time, as the gateway would hand them over.
        all.sort_by_key(|p| p.receive_time_ms);
        if d == 0 {
            sample_day = all.clone();
        }
        let n = all.len() as u64;
        let batches: Vec<Vec<Position>> =
            all.chunks(args.batch.max(1)).map(|c| c.to_vec()).collect();
        drop(all);
        let queue = Arc::new(Mutex::new(batches.into_iter()));
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..args.producers.max(1) {
                let queue = queue.clone();
                let store = store.clone();
                s.spawn(move || loop {
                    let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                    let Some(b) = next else { break };
                    if let Err(e) = store.append_blocking(b) {
                        eprintln!("append failed: {e}");
                        break;
                    }
                });
            }
        });
        ingest_s += t0.elapsed().as_secs_f64();
        ingest_cpu += cpu_seconds() - cpu0;
        let t1 = Instant::now();
        store.compact_now()?;
        compact_s += t1.elapsed().as_secs_f64();
        total += n;
        if d == 0 || (d + 1) % 10 == 0 || d + 1 == args.days as i32 {
            println!(
                "  day {:>2}/{}: {} positions; cumulative ingest {:.2} M/s, compaction {:.2} M/s",
                d + 1,
                args.days,
                n,
                total as f64 / ingest_s / 1e6,
                total as f64 / compact_s / 1e6
            );
        }
    }
    let hot_bytes = dir_bytes(&store_dir.join("segments"));
    let t2 = Instant::now();
    store.finalize_days_before(today)?;
    let cold_s = t2.elapsed().as_secs_f64();
    let seg_bytes = dir_bytes(&store_dir.join("segments"));
    let stored = store
        .daily_mileage(first_day)?
        .iter()
        .map(|m| u64::from(m.positions))
        .sum::<u64>();

    // Warm vehicle-day queries.
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let picks: Vec<(u32, i32)> = (0..args.queries)
        .map(|_| {
            (
                rng.random_range(1..=args.vehicles),
                first_day + rng.random_range(0..args.days as i32),
            )
        })
        .collect();
    for (v, d) in &picks {
        store.track(*v, day_start_ms(*d), day_start_ms(*d + 1))?;
    }
    let mut lat = Vec::with_capacity(picks.len());
    let mut qpos = 0usize;
    for (v, d) in &picks {
        let t = Instant::now();
        let r = store.track(*v, day_start_ms(*d), day_start_ms(*d + 1))?;
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        qpos += r.len();
    }
    lat.sort_by(f64::total_cmp);

    // Parquet export of one whole day.
    let pq_path = root.join("day.parquet");
    let t = Instant::now();
    let file = std::io::BufWriter::new(std::fs::File::create(&pq_path)?);
    let mut ex = Exporter::new(Format::Parquet, file, "bench")?;
    let (from, to) = (day_start_ms(first_day), day_start_ms(first_day + 1));
    store.for_each_track(from, to, None, |id, tr| {
        ex.vehicle(&format!("粤Q{id:05}"), tr)
    })?;
    let pq_rows = ex.rows();
    ex.finish()?;
    let pq_s = t.elapsed().as_secs_f64();
    let pq_bytes = std::fs::metadata(&pq_path).map(|m| m.len()).unwrap_or(0);
    let first_day_bytes = store
        .day_bytes()
        .iter()
        .find(|(d, _)| *d == first_day)
        .map(|(_, b)| *b)
        .unwrap_or(0);
    store.close()?;

    println!();
    println!("positions written           {total}");
    println!(
        "segment bytes (closed days) {seg_bytes} ({:.2} bytes/position)",
        seg_bytes as f64 / total as f64
    );
    println!(
        "WAL ingest                  {:.2} M positions/s wall, {:.2} M positions per CPU-second",
        total as f64 / ingest_s / 1e6,
        total as f64 / ingest_cpu.max(1e-9) / 1e6
    );
    println!(
        "compaction (hot, zstd 3)    {:.2} M positions/s, {:.2} bytes/position until the day closes",
        total as f64 / compact_s / 1e6,
        hot_bytes as f64 / total as f64
    );
    println!(
        "closed-day rewrite (zstd 15) {:.2} M positions/s",
        total as f64 / cold_s / 1e6
    );
    println!(
        "vehicle-day query (warm)    p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.0} positions per vehicle-day",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        qpos as f64 / picks.len().max(1) as f64
    );
    println!(
        "parquet export              {:.2} M rows/s ({} rows, {:.2} bytes/row)",
        pq_rows as f64 / pq_s / 1e6,
        pq_rows,
        pq_bytes as f64 / pq_rows.max(1) as f64
    );
    println!(
        "first day                   {stored} positions, {first_day_bytes} segment bytes ({:.2} bytes/position)",
        first_day_bytes as f64 / stored.max(1) as f64
    );

    if !args.no_sqlite {
        rt.block_on(sqlite_peer(&root, &sample_day, &picks, first_day))?;
    }
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    Ok(())
}

fn tempdir() -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("tongtu-bench-track-{}", std::process::id()));
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    Ok(d)
}

async fn sqlite_peer(
    root: &Path,
    day: &[Position],
    picks: &[(u32, i32)],
    first_day: i32,
) -> Result<()> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{Connection, Row};
    let path = root.join("peer.sqlite");
    let _ = std::fs::remove_file(&path);
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    sqlx::query(
        "CREATE TABLE positions (vehicle_id INTEGER NOT NULL, device_time INTEGER NOT NULL, \
         receive_time INTEGER NOT NULL, lat INTEGER NOT NULL, lon INTEGER NOT NULL, altitude INTEGER NOT NULL, \
         speed INTEGER NOT NULL, direction INTEGER NOT NULL, status INTEGER NOT NULL, alarm INTEGER NOT NULL, \
         mileage INTEGER, fuel INTEGER, recorder_speed INTEGER, vehicle_signal INTEGER, signal INTEGER, \
         satellites INTEGER, flags INTEGER NOT NULL, PRIMARY KEY (vehicle_id, device_time)) WITHOUT ROWID",
    )
    .execute(&mut conn)
    .await?;
    let t = Instant::now();
    const ROWS: usize = 100; // 17 columns x 100 rows stays under SQLite's parameter limit
    let sql = format!(
        "INSERT OR IGNORE INTO positions VALUES {}",
        vec!["(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"; ROWS].join(",")
    );
    for chunk in day.chunks(10_000) {
        let mut tx = conn.begin().await?;
        for rows in chunk.chunks(ROWS) {
            let single;
            let q = if rows.len() == ROWS {
                &sql
            } else {
                single = format!(
                    "INSERT OR IGNORE INTO positions VALUES {}",
                    vec!["(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"; rows.len()].join(",")
                );
                &single
            };
            let mut query = sqlx::query(q);
            for p in rows {
                query = query
                    .bind(i64::from(p.vehicle_id))
                    .bind(p.device_time_ms)
                    .bind(p.receive_time_ms)
                    .bind(p.lat)
                    .bind(p.lon)
                    .bind(p.altitude)
                    .bind(p.speed)
                    .bind(p.direction)
                    .bind(p.status)
                    .bind(p.alarm)
                    .bind(p.mileage)
                    .bind(p.fuel)
                    .bind(p.recorder_speed)
                    .bind(p.vehicle_signal)
                    .bind(p.signal)
                    .bind(p.satellites)
                    .bind(p.flags);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    let ins_s = t.elapsed().as_secs_f64();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    let rows: i64 = sqlx::query("SELECT count(*) FROM positions")
        .fetch_one(&mut conn)
        .await?
        .get(0);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut lat = Vec::new();
    let picks: Vec<(u32, i32)> = picks.iter().map(|(v, _)| (*v, first_day)).collect();
    for (v, d) in picks.iter().chain(picks.iter()) {
        let t = Instant::now();
        let r = sqlx::query("SELECT * FROM positions WHERE vehicle_id = ? AND device_time >= ? AND device_time < ? ORDER BY device_time")
            .bind(i64::from(*v))
            .bind(day_start_ms(*d))
            .bind(day_start_ms(*d + 1))
            .fetch_all(&mut conn)
            .await?;
        lat.push((t.elapsed().as_secs_f64() * 1e3, r.len()));
    }
    // The first pass warmed the cache; time the second.
    let mut warm: Vec<f64> = lat[picks.len()..].iter().map(|(l, _)| *l).collect();
    warm.sort_by(f64::total_cmp);
    println!();
    println!(
        "SQLite peer (one day, same rows, WITHOUT ROWID primary key (vehicle_id, device_time)):"
    );
    println!("  rows                      {rows}");
    println!(
        "  file bytes                {bytes} ({:.2} bytes/position)",
        bytes as f64 / rows.max(1) as f64
    );
    println!(
        "  insert                    {:.2} M rows/s (100-row statements, 10k-row transactions)",
        rows as f64 / ins_s / 1e6
    );
    println!(
        "  vehicle-day query (warm)  p50 {:.3} ms, p99 {:.3} ms",
        percentile(&warm, 0.5),
        percentile(&warm, 0.99)
    );
    conn.close().await?;
    Ok(())
}
