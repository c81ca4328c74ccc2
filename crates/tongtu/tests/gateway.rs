//! The JT/T 808 gateway inside the real `tongtu` binary: registration and authentication
//! against the registry database, and durability of acknowledged positions across
//! `kill -9`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Row;
use tongtu_sim::terminal::{location, Terminal, TerminalConfig};
use tongtu_track::{TrackConfig, TrackStore};

struct Fleet {
    phone: String,
    terminal_id: String,
    version: String,
    plate: String,
    plate_color: u8,
    vehicle_id: u32,
}

async fn fleet(dir: &std::path::Path, n: i64) -> Vec<Fleet> {
    let url = format!("sqlite://{}?mode=ro", dir.join("tongtu.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open registry");
    let rows = sqlx::query(
        "SELECT t.phone, t.terminal_id, t.protocol_version, v.plate, v.plate_color, v.id AS vid \
         FROM terminals t JOIN vehicles v ON v.id = t.vehicle_id \
         WHERE t.active = 1 ORDER BY t.id LIMIT $1",
    )
    .bind(n)
    .fetch_all(&pool)
    .await
    .expect("terminals");
    pool.close().await;
    rows.iter()
        .map(|r| Fleet {
            phone: r.get("phone"),
            terminal_id: r.get("terminal_id"),
            version: r.get("protocol_version"),
            plate: r.get("plate"),
            plate_color: r.get::<i64, _>("plate_color") as u8,
            vehicle_id: r.get::<i64, _>("vid") as u32,
        })
        .collect()
}

fn terminal_config(f: &Fleet) -> TerminalConfig {
    let mut c = TerminalConfig::new(&f.phone).with_version_name(&f.version);
    c.terminal_id = f.terminal_id.clone();
    c.plate = f.plate.clone();
    c.plate_color = f.plate_color;
    c.timeout = Duration::from_secs(5);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_terminals_register_and_authenticate_against_the_registry() {
    let server = common::start(20);
    let addr: SocketAddr = server.jt808.parse().expect("gateway address printed");
    let fleet = fleet(&server.dir, 3).await;
    assert_eq!(fleet.len(), 3);
    for f in &fleet {
        let mut t = Terminal::connect(addr, terminal_config(f))
            .await
            .expect("connect");
        let o = t.register().await.expect("register");
        assert_eq!(o.result, 0, "{} ({})", f.phone, f.version);
        t.authenticate(o.auth_code.as_deref().unwrap_or_default())
            .await
            .expect("authenticate");
        let s = t
            .send_location(&location(21.86, 111.98, 30.0, 0, chrono::Utc::now()))
            .await
            .expect("send");
        assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
    }
    // A plate that belongs to another vehicle: "vehicle already registered".
    let mut c = terminal_config(&fleet[0]);
    c.plate = fleet[1].plate.clone();
    c.plate_color = fleet[1].plate_color;
    let mut t = Terminal::connect(addr, c).await.expect("connect");
    assert_eq!(t.register().await.expect("register").result, 1);
    // Unknown SIM number.
    let mut t = Terminal::connect(addr, TerminalConfig::new("019999999999"))
        .await
        .expect("connect");
    assert_eq!(t.register().await.expect("register").result, 4);
    // The gateway's metrics are on the server's /metrics.
    let text = reqwest::get(format!("{}/metrics", server.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains("tongtu_jt808_positions_total{kind=\"location\"} 3"),
        "{text}"
    );
}

fn start_serve(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .arg("serve")
        .env("TONGTU_DATA_DIR", dir)
        .env("TONGTU_HTTP_LISTEN", "127.0.0.1:0")
        .env("TONGTU_JT808_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tongtu serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut jt808 = String::new();
    loop {
        let line = lines.next().expect("serve exited early").expect("read");
        if let Some(rest) = line.strip_prefix("JT/T 808 gateway listening on ") {
            jt808 = rest.trim().to_string();
        }
        if line.starts_with("Tongtu is serving") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, jt808)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_position_survives_kill_9_of_the_server() {
    let mut server = common::start(40);
    let addr: SocketAddr = server.jt808.parse().expect("gateway address printed");
    let fleet = fleet(&server.dir, 8).await;
    let acked: Arc<Mutex<Vec<(u32, i64)>>> = Arc::default();
    let codes: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    // Whole seconds: device times travel as BCD seconds.
    let base_s = chrono::Utc::now().timestamp() - 7200;
    let base = chrono::DateTime::from_timestamp(base_s, 0).expect("time");
    for (i, f) in fleet.iter().enumerate() {
        let cfg = terminal_config(f);
        let vid = f.vehicle_id;
        let (acked, codes) = (acked.clone(), codes.clone());
        tasks.push(tokio::spawn(async move {
            let mut t = Terminal::connect(addr, cfg).await.expect("connect");
            let code = t.login(None).await.expect("login");
            codes.lock().unwrap().push((i, code));
            let mut k = 0i64;
            loop {
                // Alternate single reports and 5-position batches, several frames in flight.
                let mut frames = Vec::new();
                for _ in 0..4 {
                    let n = if k % 2 == 0 { 1 } else { 5 };
                    let items: Vec<_> = (k + 1..=k + n)
                        .map(|j| {
                            location(21.8, 111.9, 40.0, 0, base + chrono::Duration::seconds(j))
                        })
                        .collect();
                    let times: Vec<i64> = (k + 1..=k + n).map(|j| (base_s + j) * 1000).collect();
                    k += n;
                    let sent = if items.len() == 1 {
                        t.send_location(&items[0]).await
                    } else {
                        t.send_batch(0, &items).await
                    };
                    match sent {
                        Ok(s) => frames.push((s, times)),
                        Err(_) => return,
                    }
                }
                for (s, times) in frames {
                    match t.wait_ack(s).await {
                        Ok(0) => acked
                            .lock()
                            .unwrap()
                            .extend(times.iter().map(|&t| (vid, t))),
                        _ => return,
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
    server.child.wait().expect("wait");
    for t in tasks {
        t.await.expect("terminal task");
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!("{} positions acknowledged before SIGKILL", acked.len());
    assert!(
        acked.len() > 200,
        "only {} positions acked before the kill",
        acked.len()
    );

    // Restart on the same data directory: the store replays its WAL; auth codes are in SQLite.
    let (mut child, jt808) = start_serve(&server.dir);
    let (i, code) = codes.lock().unwrap()[0].clone();
    let mut t = Terminal::connect(jt808.parse().expect("addr"), terminal_config(&fleet[i]))
        .await
        .expect("connect after restart");
    t.authenticate(&code)
        .await
        .expect("auth code survives the restart");
    drop(t);
    // Graceful stop (SIGTERM), then read the store directly (it takes an exclusive lock).
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "serve exited with {exit}");
    let store =
        TrackStore::open(server.dir.join("tracks"), TrackConfig::default()).expect("open store");
    let mut stored = std::collections::HashSet::new();
    for f in &fleet {
        for p in store
            .track(f.vehicle_id, 0, 4_102_444_800_000)
            .expect("query")
        {
            stored.insert((p.vehicle_id, p.device_time_ms));
        }
    }
    let missing: Vec<_> = acked.iter().filter(|a| !stored.contains(a)).collect();
    store.close().expect("close");
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged positions lost, e.g. {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
}
