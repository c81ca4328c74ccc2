//! The simulator's deliberate violations against the alarms the platform raises: a day of the
//! demo fleet is uploaded as JT/T 808 blind-area batches (0x0704) through the real gateway,
//! the live rules service evaluates it, and every scripted violation must come back as an
//! alarm of the matching rule on that vehicle at that time — while vehicles driving cleanly
//! raise nothing.
//!
//! Not checked here, by nature of blind-area uploads: `offline` (the platform judges silence
//! by receive time, and a backfill arrives all at once) and `time_tampering` (a shifted
//! device clock is only recognisable against the receive time of live data; it is covered by
//! the rules crate's scenario tests).

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

const VEHICLES: usize = 120;

fn time(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.timestamp_millis())
        .unwrap_or(i64::MAX)
}

/// Rule codes an alarm of each scenario kind may carry.
fn rules_for(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "speeding" => &["speeding", "zone_speeding"],
        "fatigue" => &["fatigue", "daily_driving"],
        "night_ban" => &["night_ban"],
        "signal_shielding" => &["signal_shielding"],
        "drift" => &["drift"],
        "hazmat_deviation" => &["route_deviation", "forbidden"],
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_violations_come_back_as_alarms_and_clean_driving_raises_none() {
    let s = common::start(VEHICLES);
    // Yesterday from Beijing midnight, when the fleet is parked, to 14:00.
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let midnight = (today - chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        - chrono::Duration::hours(8);
    let to = midnight + chrono::Duration::hours(14);
    let log = s.dir.join("backfill-scenarios.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .args(["simulate", "--server", &s.jt808])
        .args(["--fleet-size", &VEHICLES.to_string()])
        .args(["--scenario-rate", "0.5"])
        .args(["--backfill-from", &midnight.to_rfc3339()])
        .args(["--backfill-to", &to.to_rfc3339()])
        .arg("--log")
        .arg(&log)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .expect("run tongtu simulate");
    assert!(out.status.success(), "backfill failed: {out:?}");

    // Wait until the rules service has evaluated everything and stored what it raised.
    let admin = common::login(&s, "admin").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = (-1.0, -1);
    let mut stable_since = Instant::now();
    loop {
        let text = reqwest::get(format!("{}/metrics", s.base))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        let metric = |name: &str| -> f64 {
            text.lines()
                .filter(|l| l.starts_with(name))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        let evaluated = metric("tongtu_rules_positions_total");
        let (_, page) =
            common::get_json(&admin, &format!("{}/api/v1/alarms?limit=1", s.base)).await;
        let total = page["total"].as_i64().unwrap_or(-1);
        if (evaluated, total) != last {
            last = (evaluated, total);
            stable_since = Instant::now();
        } else if evaluated >= metric("tongtu_jt808_positions_total")
            && stable_since.elapsed() > Duration::from_secs(3)
        {
            break;
        }
        assert!(Instant::now() < deadline, "rules did not settle: {last:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let mut alarms = Vec::new();
    let mut cursor = String::new();
    loop {
        let url = format!("{}/api/v1/alarms?limit=500&cursor={cursor}", s.base);
        let (st, page) = common::get_json(&admin, &url).await;
        assert_eq!(st, 200, "{page}");
        alarms.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_i64() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }

    let text = std::fs::read_to_string(&log).expect("scenario log");
    let scenarios: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("scenario JSON"))
        .collect();
    let mut scripted: HashSet<String> = HashSet::new();
    let mut missed = Vec::new();
    let mut checked: HashMap<String, usize> = HashMap::new();
    for sc in &scenarios {
        let plate = sc["plate"].as_str().unwrap_or_default().to_string();
        scripted.insert(plate.clone());
        let kind = sc["kind"].as_str().unwrap_or_default();
        let Some(rules) = rules_for(kind) else {
            continue;
        };
        *checked.entry(kind.to_string()).or_default() += 1;
        // The platform may see an episode start or end a little apart from the script
        // (report interval, the minimum duration of speeding, the rest before fatigue).
        let (from, to) = (time(&sc["start"]) - 600_000, time(&sc["end"]) + 600_000);
        let found = alarms.iter().any(|a| {
            a["plate"] == plate.as_str()
                && rules.iter().any(|r| {
                    a["rule"]
                        .as_str()
                        .is_some_and(|x| x == *r || x.starts_with(&format!("{r}_")))
                })
                && time(&a["start_at"]) <= to
                && (a["end_at"].is_null() || time(&a["end_at"]) >= from)
        });
        if !found {
            missed.push(sc.to_string());
        }
    }
    assert!(
        checked.values().sum::<usize>() >= 10,
        "too few checkable scenarios to mean anything: {checked:?}"
    );
    assert!(
        missed.is_empty(),
        "scripted violations without an alarm:\n{}",
        missed.join("\n")
    );

    // Precision: a vehicle with no scripted violation that day raised nothing.
    let false_alarms: Vec<String> = alarms
        .iter()
        .filter(|a| !scripted.contains(a["plate"].as_str().unwrap_or_default()))
        .map(|a| a.to_string())
        .collect();
    assert!(
        false_alarms.is_empty(),
        "{} alarm(s) on vehicles that drove cleanly:\n{}",
        false_alarms.len(),
        false_alarms.join("\n")
    );
}
