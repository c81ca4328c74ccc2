//! `tongtu bench gateway`: an in-process gateway with a real track store in a temporary
//! directory, loaded over loopback by a separate load-generator process (this binary, hidden
//! `bench gateway-load` subcommand) so that the server's resident memory and file
//! descriptors are measured apart from the client's.
//!
//! Method: the server process raises RLIMIT_NOFILE to its hard limit, starts the gateway
//! (in-memory terminal directory with pre-issued auth codes) and spawns the load
//! generator, which opens `--connections` terminals from 127.0.0.1–127.0.0.50 (so ephemeral
//! ports never run out), authenticates each, reports, and then has every terminal send
//! `0x0704` batches of `--batch` positions stop-and-wait (the next batch after the ack) for
//! `--duration` seconds. Reported: connections established, server VmRSS before listening,
//! with every connection idle and authenticated, and peak under load (the latter includes
//! the track store's in-memory tail of not-yet-compacted positions), positions/s
//! acknowledged (every ack follows the durable write), and client-side ack latency
//! percentiles (send to 0x8001, log buckets of 5 %).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use tongtu_gateway::{Gateway, GatewayConfig, GatewayMetrics, MemoryDirectory, TerminalInfo};
use tongtu_sim::terminal::{location, SplitOptions, Terminal, TerminalConfig};
use tongtu_track::{AppendFuture, Position, PositionSink, TrackConfig, TrackStore};

#[derive(clap::Args, Debug)]
pub struct BenchGatewayArgs {
    /// Concurrent authenticated terminal connections.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Seconds of position load after every terminal is online.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Positions per 0x0704 batch frame.
    #[arg(long, default_value_t = 50)]
    pub batch: usize,
}

#[derive(clap::Args, Debug)]
pub struct BenchGatewayLoadArgs {
    #[arg(long)]
    pub addr: SocketAddr,
    #[arg(long)]
    pub connections: usize,
    #[arg(long)]
    pub duration: u64,
    #[arg(long)]
    pub batch: usize,
}

fn phone(i: usize) -> String {
    format!("0199{i:08}")
}

/// Raises the soft open-file limit to the hard limit; returns the new soft limit.
pub fn raise_nofile() -> u64 {
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 0;
        }
        r.rlim_cur = r.rlim_max;
        let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        r.rlim_cur
    }
}

fn rss_kib(pid: Option<u32>) -> u64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".to_string(),
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Counts positions the store made durable.
struct CountingSink {
    inner: Arc<TrackStore>,
    durable: Arc<AtomicU64>,
}

impl PositionSink for CountingSink {
    fn append(&self, batch: Vec<Position>) -> AppendFuture {
        let n = batch.len() as u64;
        let fut = self.inner.append(batch);
        let durable = self.durable.clone();
        Box::pin(async move {
            fut.await?;
            durable.fetch_add(n, Ordering::Relaxed);
            Ok(())
        })
    }
}

pub async fn run(args: BenchGatewayArgs) -> Result<()> {
    let nofile = raise_nofile();
    let needed = args.connections as u64 + 200;
    if nofile < needed {
        bail!(
            "open-file limit is {nofile}, {needed} needed for {} connections: raise the hard limit \
             (ulimit -Hn / LimitNOFILE) or use fewer --connections",
            args.connections
        );
    }
    let dir = std::env::temp_dir().join(format!("tongtu-bench-gw-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rss_start = rss_kib(None);
    let store = TrackStore::open(dir.join("tracks"), TrackConfig::default())?;
    let directory = MemoryDirectory::new();
    for i in 0..args.connections {
        let id = i as i64 + 1;
        directory.insert(
            &phone(i),
            TerminalInfo {
                terminal_row_id: id,
                terminal_id: format!("B{i:06}"),
                vehicle_id: Some(id),
                plate: Some(format!("粤B{i:05}")),
                plate_color: Some(2),
                enterprise_id: 1,
                protocol_version: "2013".into(),
                active: true,
            },
        );
        directory.set_code(id, "bench");
    }
    let durable = Arc::new(AtomicU64::new(0));
    let sink = Arc::new(CountingSink {
        inner: store.clone(),
        durable: durable.clone(),
    });
    let cfg = GatewayConfig {
        max_connections: args.connections + 100,
        ..GatewayConfig::default()
    };
    let gw = Gateway::bind("127.0.0.1:0", cfg, directory, sink, GatewayMetrics::new()).await?;
    let rss_ready = rss_kib(None);
    let exe = std::env::current_exe().context("current exe")?;
    let mut child = tokio::process::Command::new(exe)
        .args(["bench", "gateway-load", "--addr"])
        .arg(gw.local_addr().to_string())
        .args(["--connections", &args.connections.to_string()])
        .args(["--duration", &args.duration.to_string()])
        .args(["--batch", &args.batch.to_string()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting the load generator")?;
    let child_pid = child.id();
    let stdout = child.stdout.take().context("child stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut rss_idle = 0;
    let mut client_rss_idle = 0;
    let mut rss_peak = 0;
    let mut load_start = None;
    let mut durable_at_start = 0;
    let mut result = None;
    let mut sample = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                if let Some(n) = line.strip_prefix("CONNECTED ") {
                    // Let the accept backlog and allocator settle before measuring.
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    rss_idle = rss_kib(None);
                    client_rss_idle = rss_kib(child_pid);
                    println!(
                        "connections: {n} authenticated (server sees {}, {} online)",
                        gw.connections(),
                        gw.handle().online_count()
                    );
                } else if line == "LOAD" {
                    load_start = Some(Instant::now());
                    durable_at_start = durable.load(Ordering::Relaxed);
                } else if let Some(r) = line.strip_prefix("RESULT ") {
                    result = Some(r.to_string());
                }
            }
            _ = sample.tick() => {
                if load_start.is_some() {
                    rss_peak = rss_peak.max(rss_kib(None));
                }
            }
        }
    }
    let load_secs = load_start.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0);
    let status = child.wait().await?;
    let positions = durable.load(Ordering::Relaxed) - durable_at_start;
    let established = gw.handle().online_count();
    gw.shutdown().await;
    store.close()?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("open-file limit: {nofile}");
    println!(
        "server RSS: {:.1} MiB at start, {:.1} MiB listening (store open), {:.1} MiB with every connection idle and authenticated, {:.1} MiB peak under load",
        rss_start as f64 / 1024.0,
        rss_ready as f64 / 1024.0,
        rss_idle as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    if args.connections > 0 {
        println!(
            "server memory per idle authenticated connection: {:.2} KiB",
            rss_idle.saturating_sub(rss_ready) as f64 / args.connections as f64
        );
    }
    println!(
        "load generator RSS with every connection open: {:.1} MiB",
        client_rss_idle as f64 / 1024.0
    );
    println!(
        "positions acknowledged after durable write: {positions} in {load_secs:.1} s = {:.0}/s (batch {} per frame)",
        positions as f64 / load_secs.max(1e-9),
        args.batch
    );
    if let Some(r) = result {
        println!("load generator: {r}");
    }
    println!("still online at the end: {established}");
    if !status.success() {
        bail!("load generator failed: {status}");
    }
    Ok(())
}

/// Largest body of one JT/T 808 frame.
fn tongtu_jt808_max_body() -> usize {
    1023
}

/// Log-bucketed latency histogram (5 % buckets from 1 µs).
struct Hist([AtomicU64; 512]);

impl Hist {
    fn new() -> Self {
        Hist(std::array::from_fn(|_| AtomicU64::new(0)))
    }
    fn bucket(us: f64) -> usize {
        ((us.max(1.0).ln() / 1.05f64.ln()) as usize).min(511)
    }
    fn record(&self, d: Duration) {
        self.0[Self::bucket(d.as_secs_f64() * 1e6)].fetch_add(1, Ordering::Relaxed);
    }
    fn quantile(&self, q: f64) -> Duration {
        let counts: Vec<u64> = self.0.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let target = (total as f64 * q).ceil() as u64;
        let mut acc = 0;
        for (i, c) in counts.iter().enumerate() {
            acc += c;
            if acc >= target && total > 0 {
                return Duration::from_secs_f64(1.05f64.powi(i as i32 + 1) / 1e6);
            }
        }
        Duration::ZERO
    }
}

/// The load generator (child process).
pub async fn run_load(args: BenchGatewayLoadArgs) -> Result<()> {
    raise_nofile();
    let connect_slots = Arc::new(tokio::sync::Semaphore::new(256));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<Result<(), String>>(1024);
    let go = Arc::new(tokio::sync::Notify::new());
    let go_flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hist = Arc::new(Hist::new());
    let acked = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let mut tasks = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let (slots, ready, go, go_flag, hist, acked, failures, deadline) = (
            connect_slots.clone(),
            ready_tx.clone(),
            go.clone(),
            go_flag.clone(),
            hist.clone(),
            acked.clone(),
            failures.clone(),
            deadline.clone(),
        );
        let addr = args.addr;
        let batch = args.batch.max(1);
        tasks.push(tokio::spawn(async move {
            let local = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % 50) as u8));
            let mut cfg = TerminalConfig::new(&phone(i));
            cfg.timeout = Duration::from_secs(60);
            let t = {
                let _slot = slots.acquire().await;
                match Terminal::connect_from(local, addr, cfg).await {
                    Ok(mut t) => match t.authenticate("bench").await {
                        Ok(()) => Ok(t),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                }
            };
            let mut t = match t {
                Ok(t) => {
                    let _ = ready.send(Ok(())).await;
                    t
                }
                Err(e) => {
                    let _ = ready.send(Err(e)).await;
                    return;
                }
            };
            drop(ready);
            if !go_flag.load(Ordering::Acquire) {
                go.notified().await;
            }
            let end = deadline
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(Instant::now);
            let base = chrono::Utc::now() - chrono::Duration::days(1);
            let mut k: i64 = 0;
            while Instant::now() < end {
                let items: Vec<_> = (0..batch)
                    .map(|_| {
                        k += 1;
                        location(
                            21.8 + (k % 1000) as f64 * 1e-5,
                            111.9,
                            50.0,
                            90,
                            base + chrono::Duration::seconds(k),
                        )
                    })
                    .collect();
                let t0 = Instant::now();
                // A body holds at most 1023 bytes (~26 of these positions): larger batches
                // go as subpackages, and the last fragment's ack follows the durable write.
                let sent = if batch * 39 + 3 > tongtu_jt808_max_body() {
                    let opts = SplitOptions {
                        fragment_body: 1000,
                        withhold: Vec::new(),
                    };
                    match t.send_batch_split(0, &items, &opts).await {
                        Ok(serials) => {
                            let (last, rest) = serials
                                .split_last()
                                .map(|(l, r)| (*l, r.to_vec()))
                                .unwrap_or_default();
                            for s in rest {
                                let _ = t.wait_ack(s).await;
                            }
                            Ok(last)
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    t.send_batch(0, &items).await
                };
                let Ok(s) = sent else {
                    failures.fetch_add(1, Ordering::Relaxed);
                    return;
                };
                match t.wait_ack(s).await {
                    Ok(0) => {
                        hist.record(t0.elapsed());
                        acked.fetch_add(batch as u64, Ordering::Relaxed);
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            }
            // Keep the connection open until the end is reported.
            go.notified().await;
        }));
    }
    drop(ready_tx);
    let mut ok = 0usize;
    let mut errors = Vec::new();
    let t0 = Instant::now();
    while let Some(r) = ready_rx.recv().await {
        match r {
            Ok(()) => ok += 1,
            Err(e) => errors.push(e),
        }
    }
    println!("CONNECTED {ok}");
    eprintln!(
        "load generator: {ok} terminals online in {:.1} s, {} failed{}",
        t0.elapsed().as_secs_f64(),
        errors.len(),
        errors
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    // Give the parent time to measure the idle connections.
    tokio::time::sleep(Duration::from_secs(3)).await;
    *deadline.lock().unwrap_or_else(|p| p.into_inner()) =
        Some(Instant::now() + Duration::from_secs(args.duration));
    println!("LOAD");
    go_flag.store(true, Ordering::Release);
    go.notify_waiters();
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    // Let in-flight batches finish.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let a = acked.load(Ordering::Relaxed);
    println!(
        "RESULT {a} positions acked in {}s ({:.0}/s client-side), ack latency p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, {} terminal failures",
        args.duration,
        a as f64 / args.duration as f64,
        hist.quantile(0.5).as_secs_f64() * 1e3,
        hist.quantile(0.99).as_secs_f64() * 1e3,
        hist.quantile(0.999).as_secs_f64() * 1e3,
        failures.load(Ordering::Relaxed)
    );
    go.notify_waiters();
    for t in tasks {
        t.abort();
    }
    Ok(())
}
