//! `tongtu demo` with its simulated fleet writes tracks; `tongtu export track` and
//! `tongtu admin check-tracks` read them while the server runs (read-only store access).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

fn tongtu(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .args(args)
        .env("TONGTU_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run tongtu")
}

#[tokio::test]
async fn demo_fleet_tracks_export_and_check() {
    let s = common::start_with(12, &[]);
    let admin = common::login(&s, "admin").await;
    let (_, list) = common::get_json(&admin, &format!("{}/api/v1/vehicles?limit=50", s.base)).await;
    let plates: Vec<String> = list["items"]
        .as_array()
        .expect("vehicles")
        .iter()
        .filter_map(|v| v["plate"].as_str().map(String::from))
        .collect();
    assert_eq!(plates.len(), 12);

    // Every simulated terminal logs in and sends a first fix at once; wait for them all.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = reqwest::get(format!("{}/metrics", s.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let n: f64 = m
            .lines()
            .find_map(|l| l.strip_prefix("tongtu_track_appended_positions_total "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        if n >= 12.0 {
            break;
        }
        assert!(Instant::now() < deadline, "only {n} positions stored:\n{m}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let from = (today - chrono::Duration::days(2)).to_string();
    let to = (today + chrono::Duration::days(1)).to_string();
    let mut found = 0;
    for plate in &plates {
        let out = tongtu(
            &s.dir,
            &[
                "export", "track", "--plate", plate, "--from", &from, "--to", &to, "--format",
                "geojson",
            ],
        );
        assert!(
            out.status.success(),
            "export {plate}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let gj: serde_json::Value = serde_json::from_slice(&out.stdout).expect("GeoJSON");
        let features = gj["features"].as_array().expect("features");
        if let Some(f) = features.first() {
            assert_eq!(f["properties"]["plate"], plate.as_str());
            let coords = f["geometry"]["coordinates"].as_array().unwrap();
            let (lon, lat) = (
                coords[0][0].as_f64().unwrap(),
                coords[0][1].as_f64().unwrap(),
            );
            // The demo world: the city, and the coach lines out to Maoming (110.92, 21.66)
            // and Guangzhou's station (113.255, 23.15), where a coach may be at any hour.
            assert!(
                (110.5..113.5).contains(&lon) && (21.0..23.5).contains(&lat),
                "{lon},{lat}"
            );
            found += 1;
        }
    }
    assert_eq!(found, plates.len(), "every vehicle has a track");

    // The whole fleet for the window, as Parquet, into a file.
    let pq = s.dir.join("fleet.parquet");
    let out = tongtu(
        &s.dir,
        &[
            "export",
            "track",
            "--from",
            &from,
            "--to",
            &to,
            "--format",
            "parquet",
            pq.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&pq).unwrap().starts_with(b"PAR1"));

    // Errors name what is wrong.
    let out = tongtu(
        &s.dir,
        &["export", "track", "--plate", "粤Z00000", "--from", &from],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no vehicle with plate \"粤Z00000\""));
    let out = tongtu(
        &s.dir,
        &[
            "export",
            "track",
            "--plate",
            &plates[0],
            "--from",
            "yesterday",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read \"yesterday\""));

    // The rules replay over the same window: every line is an alarm, the summary on stderr.
    let out = tongtu(&s.dir, &["rules", "replay", "--from", &from, "--to", &to]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let a: serde_json::Value = serde_json::from_str(line).expect("alarm JSON");
        assert!(plates.iter().any(|p| a["plate"] == p.as_str()), "{line}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("alarm(s)"));
    let out = tongtu(
        &s.dir,
        &["rules", "replay", "--from", &from, "--plate", "粤Z00000"],
    );
    assert!(!out.status.success());

    let out = tongtu(&s.dir, &["admin", "check-tracks"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("OK"), "{text}");
}
