//! `tongtu bench console`: how the live map keeps up with a fleet, measured in a real browser.
//!
//! Method: starts `tongtu demo --no-fleet` (this binary, its own temporary directory and
//! loopback ports) with `--vehicles` registered vehicles, connects that many real JT/T 808
//! terminals (the simulator's client; registered and authenticated like the demo fleet) and
//! has each report a 0x0200 every `--interval` seconds, spread evenly over the interval and
//! drifting around a 0.06° × 0.036° box (so that at zoom 13 every marker is in view, none
//! clustered). Headless Chromium then runs `web/e2e/perf-live.mjs` as admin: initial page
//! load bytes, terminal-to-marker latency (draw time − gateway receive time of every position
//! on the feed, p50/p99 over `--seconds`), and the frame rate while panning with every marker
//! drawn. Needs Node.js, the console's `node_modules` (the web build installs them) and
//! Chromium, like the browser tests.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::Utc;
use tongtu_sim::plan::unit;
use tongtu_sim::terminal::{location, Terminal, TerminalConfig};

#[derive(clap::Args, Debug)]
pub struct BenchConsoleArgs {
    /// Vehicles, each a connected terminal reporting.
    #[arg(long, default_value_t = 3000)]
    pub vehicles: usize,
    /// Seconds between two reports of a terminal.
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// Seconds of latency sampling (after the warm-up).
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Seconds between the page's first vehicles and sampling.
    #[arg(long, default_value_t = 15)]
    pub warmup: u64,
    /// Seed of the demo fleet.
    #[arg(long, default_value_t = 20260101)]
    pub seed: u64,
    /// Chromium executable.
    #[arg(long, env = "CHROMIUM", default_value = "/usr/bin/chromium")]
    pub chromium: PathBuf,
}

const PASSWORD: &str = "bench-console-2026";
/// Centre and half-size of the box the bench fleet drives in (the demo city).
const CENTER: (f64, f64) = (111.98, 21.86);
const HALF: (f64, f64) = (0.03, 0.018);

struct Demo {
    child: std::process::Child,
    dir: PathBuf,
}

impl Drop for Demo {
    fn drop(&mut self) {
        // SIGTERM so the server shuts down cleanly, then make sure it is gone.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the demo server and returns it with its HTTP base URL and gateway address.
fn start_demo(args: &BenchConsoleArgs) -> Result<(Demo, String, SocketAddr)> {
    let dir = std::env::temp_dir().join(format!("tongtu-bench-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let exe = std::env::current_exe().context("locating this binary")?;
    let mut child = Command::new(exe)
        .args([
            "demo",
            "--http",
            "127.0.0.1:0",
            "--no-fleet",
            "--password",
            PASSWORD,
        ])
        .args(["--vehicles", &args.vehicles.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .arg("--dir")
        .arg(&dir)
        .env("TONGTU_JT808_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting tongtu demo")?;
    let stdout = child.stdout.take().context("demo stdout")?;
    let demo = Demo { child, dir };
    let mut lines = BufReader::new(stdout).lines();
    let mut jt808 = None;
    let base = loop {
        let line = lines
            .next()
            .context("tongtu demo exited before serving")?
            .context("reading the demo's output")?;
        if let Some(rest) = line.strip_prefix("JT/T 808 gateway listening on ") {
            jt808 = Some(rest.trim().parse::<SocketAddr>()?);
        }
        if let Some(rest) = line.strip_prefix("Tongtu demo is running at ") {
            break rest.trim().trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let jt808 = jt808.context("the demo did not print its gateway address")?;
    Ok((demo, base, jt808))
}

/// One terminal: connects, then reports every `interval` from `offset` until `stop`.
async fn drive(
    addr: SocketAddr,
    p: Arc<tongtu_sim::plan::VehicleProfile>,
    seed: u64,
    offset: Duration,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<u64> {
    let mut cfg = TerminalConfig::new(&p.phone).with_version_name(&p.protocol_version);
    cfg.terminal_id = p.terminal_id.clone();
    cfg.plate = p.plate.clone();
    cfg.plate_color = p.plate_color;
    cfg.timeout = Duration::from_secs(30);
    let mut t = Terminal::connect(addr, cfg)
        .await
        .with_context(|| format!("connecting {}", p.phone))?;
    t.login(None)
        .await
        .with_context(|| format!("authenticating {}", p.phone))?;
    let i = p.index as u64;
    let mut lon = CENTER.0 + HALF.0 * (2.0 * unit(&[seed, i, 1]) - 1.0);
    let mut lat = CENTER.1 + HALF.1 * (2.0 * unit(&[seed, i, 2]) - 1.0);
    let heading = (unit(&[seed, i, 3]) * 360.0) as u16;
    let mut next = tokio::time::Instant::now() + offset;
    let mut sent = 0u64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = stop.changed() => return Ok(sent),
        }
        // About 100 m per report, bouncing inside the box.
        let (s, c) = f64::from(heading).to_radians().sin_cos();
        lon += 0.001 * s * if sent % 20 < 10 { 1.0 } else { -1.0 };
        lat += 0.001 * c * if sent % 20 < 10 { 1.0 } else { -1.0 };
        let mut loc = location(lat, lon, 36.0, heading, Utc::now());
        loc.status |= 1;
        let serial = t.send_location(&loc).await?;
        t.wait_ack(serial).await?;
        sent += 1;
        next += interval;
    }
}

pub async fn run(args: BenchConsoleArgs) -> Result<()> {
    if args.vehicles == 0 || args.interval == 0 || args.seconds == 0 {
        bail!("--vehicles, --interval and --seconds must be positive");
    }
    if !args.chromium.exists() {
        bail!(
            "Chromium not found at {} (apt-get install chromium, or --chromium)",
            args.chromium.display()
        );
    }
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    if !web.join("node_modules/playwright-core").exists() {
        bail!(
            "{} has no node_modules: build the console first (cargo build, or npm ci in web/)",
            web.display()
        );
    }
    crate::bench_gateway::raise_nofile();
    let started = Instant::now();
    let (demo, base, jt808) = start_demo(&args)?;
    println!(
        "demo server at {base}, gateway {jt808} ({} vehicles seeded in {:.1} s)",
        args.vehicles,
        started.elapsed().as_secs_f64()
    );

    let profiles: Vec<_> = crate::simulate::fleet_profiles(args.seed, args.vehicles, None)
        .into_iter()
        .filter(|p| p.active)
        .collect();
    let n = profiles.len();
    let interval = Duration::from_secs(args.interval);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let connecting = Instant::now();
    for (k, p) in profiles.into_iter().enumerate() {
        // Reports spread evenly over the interval, as a real fleet's are.
        let offset = interval.mul_f64(k as f64 / n as f64);
        tasks.spawn(drive(
            jt808,
            p,
            args.seed,
            offset,
            interval,
            stop_rx.clone(),
        ));
        if k % 100 == 99 {
            // Do not open thousands of connections in one burst.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    println!(
        "{n} terminals (active vehicles) started in {:.1} s, each reporting every {} s",
        connecting.elapsed().as_secs_f64(),
        args.interval
    );

    let script = {
        let (base, chromium) = (base.clone(), args.chromium.clone());
        let (seconds, warmup) = (args.seconds, args.warmup);
        tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg("e2e/perf-live.mjs")
                .current_dir(&web)
                .env("BASE_URL", base)
                .env("USERNAME", "admin")
                .env("PASSWORD", PASSWORD)
                .env("PERF_SECONDS", seconds.to_string())
                .env("WARMUP", warmup.to_string())
                .env("CENTER", format!("{},{}", CENTER.0, CENTER.1))
                .env("CHROMIUM", chromium)
                .output()
        })
    };
    let output = script
        .await?
        .context("running node (is Node.js installed?)")?;
    let _ = stop_tx.send(true);
    let mut reports = 0u64;
    let mut failures = Vec::new();
    while let Some(r) = tasks.join_next().await {
        match r? {
            Ok(sent) => reports += sent,
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    drop(demo);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "the browser script failed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            stdout
        );
    }
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PERF "))
        .context("the browser script printed no PERF line")?;
    let v: serde_json::Value = serde_json::from_str(json)?;
    if !failures.is_empty() {
        println!(
            "{} terminals failed (first: {})",
            failures.len(),
            failures[0]
        );
    }
    let f = |p: &[&str]| {
        p.iter()
            .fold(&v, |v, k| &v[*k])
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    let kib = |x: f64| x / 1024.0;
    println!(
        "positions reported: {reports} ({:.0}/s)",
        reports as f64 / started.elapsed().as_secs_f64()
    );
    println!(
        "initial load of /#/live: {:.0} requests, {:.0} KiB transferred ({:.0} KiB bodies as sent, {:.0} KiB decoded); first vehicles after {:.0} ms; {:.0} vehicles on the map",
        f(&["load", "requests"]),
        kib(f(&["load", "transfer_bytes"])),
        kib(f(&["load", "encoded_bytes"])),
        kib(f(&["load", "decoded_bytes"])),
        f(&["first_vehicles_ms"]),
        f(&["vehicles_on_map"]),
    );
    for (kind, k) in v["load"]["by_kind"].as_object().into_iter().flatten() {
        println!(
            "  {kind:>8}: {:>3} requests, {:>7.0} KiB as sent, {:>7.0} KiB decoded",
            k["requests"].as_f64().unwrap_or(0.0),
            kib(k["encoded_bytes"].as_f64().unwrap_or(0.0)),
            kib(k["decoded_bytes"].as_f64().unwrap_or(0.0)),
        );
    }
    println!(
        "0x0200 → marker drawn: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({:.0} samples over {} s)",
        f(&["latency_ms", "p50"]),
        f(&["latency_ms", "p90"]),
        f(&["latency_ms", "p99"]),
        f(&["latency_ms", "max"]),
        f(&["latency_ms", "samples"]),
        args.seconds
    );
    println!(
        "panning at zoom {:.0} with {:.0} markers drawn ({:.0} clusters): {:.1} fps, {:.1} map renders/s, worst frame {:.0} ms",
        f(&["pan", "zoom"]),
        f(&["pan", "markers_drawn"]),
        f(&["pan", "clusters_drawn"]),
        f(&["pan", "fps"]),
        f(&["pan", "renders_per_s"]),
        f(&["pan", "worst_frame_ms"]),
    );
    println!("raw: {json}");
    Ok(())
}
