//! End to end: `tongtu demo` (server + gateway) and `tongtu simulate` as separate processes,
//! an accelerated morning of the demo fleet, then every simulated vehicle must have its
//! positions in the track store, the gateway's counters must match what the simulator sent,
//! and the scenario log must be well-formed.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::Row;
use tongtu_track::{TrackConfig, TrackStore};

const VEHICLES: usize = 30;

async fn vehicle_ids(dir: &std::path::Path) -> HashMap<String, u32> {
    let url = format!("sqlite://{}?mode=ro", dir.join("tongtu.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open registry");
    let rows = sqlx::query("SELECT plate, id FROM vehicles")
        .fetch_all(&pool)
        .await
        .expect("vehicles");
    pool.close().await;
    rows.iter()
        .map(|r| (r.get("plate"), r.get::<i64, _>("id") as u32))
        .collect()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_fleet_reaches_the_track_store() {
    let mut server = common::start(VEHICLES);
    // Yesterday 08:00 Beijing time: most of the fleet is on the road. Yesterday, so that the
    // simulated half hour is in the past whatever the time of the run (today's 08:00 Beijing
    // is in the future during the first half hour after UTC midnight, and future fixes are
    // not stored as track).
    let start = (Utc::now() - TimeDelta::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let log = server.dir.join("scenarios.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .args(["simulate", "--server", &server.jt808])
        .args(["--fleet-size", &VEHICLES.to_string()])
        .args(["--speedup", "120", "--duration", "15"])
        .args(["--scenario-rate", "0.3", "--start", &start.to_rfc3339()])
        .arg("--log")
        .arg(&log)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .expect("run tongtu simulate");
    assert!(out.status.success(), "simulate failed: {out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stats: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no stats line in {stdout}"));
    // Each line of the scenario log names a vehicle, a kind and a window.
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut offline = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        assert!(v["plate"].is_string() && v["kind"].is_string(), "{v}");
        assert!(v["start"].as_str() <= v["end"].as_str(), "{v}");
        if v["kind"] == "offline" {
            offline.push(v["plate"].as_str().unwrap_or_default().to_string());
        }
    }
    // A vehicle scripted to be offline may have spent the whole run disconnected.
    let acked = stats["vehicles_acked"].as_u64().unwrap_or_default() as usize;
    assert!(acked + offline.len() >= VEHICLES, "{stats} {offline:?}");
    assert_eq!(stats["connect_failures"], 0, "{stats}");
    let sent = stats["fixes_sent"].as_f64().unwrap_or_default();
    // 15 s at 120× is half an hour of a morning: hundreds of fixes.
    assert!(sent > 500.0, "{stats}");

    // The gateway counted every position the simulator sent (acked or still in flight).
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let received = metric(&metrics, "tongtu_jt808_positions_total");
    assert!(
        received >= stats["acks"].as_f64().unwrap_or(f64::MAX) && received <= sent,
        "{received} of {sent}"
    );

    // Stop the server, then read the track store: every vehicle has positions.
    let ids = vehicle_ids(&server.dir).await;
    server.child.kill().expect("kill server");
    let _ = server.child.wait();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let store =
        TrackStore::open(server.dir.join("tracks"), TrackConfig::default()).expect("open store");
    let fleet = tongtu_sim::fleet::generate(20260101, VEHICLES);
    let (from, to) = (
        (start - TimeDelta::hours(1)).timestamp_millis(),
        (start + TimeDelta::hours(3)).timestamp_millis(),
    );
    let mut missing = Vec::new();
    for v in &fleet.vehicles {
        let id = ids.get(&v.vehicle.plate).copied().expect("vehicle seeded");
        let track = store.track(id, from, to).expect("query track");
        if track.is_empty() && !offline.contains(&v.vehicle.plate) {
            missing.push(v.vehicle.plate.clone());
        }
    }
    assert!(missing.is_empty(), "no positions stored for {missing:?}");
}
