//! Live monitoring through the real binary: the fleet snapshot with states, the WebSocket
//! feed's positions (at most one per vehicle per second, own enterprise only) and session
//! changes, a vehicle's track as JSON and as a GPX download, and the offline basemap.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tongtu_sim::terminal::{location, Terminal};

use common::{cars, connect, get_json, login, start};

async fn report(t: &mut Terminal, lat: f64, kmh: f64, secs_ago: i64) {
    let mut loc = location(
        lat,
        111.95,
        kmh,
        0,
        Utc::now() - chrono::Duration::seconds(secs_ago),
    );
    loc.status |= 1;
    let s = t.send_location(&loc).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
}

fn item(snap: &Value, vehicle_id: i64) -> Value {
    snap["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["vehicle_id"] == vehicle_id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_map_sees_positions_states_and_tracks_of_its_own_fleet() {
    let s = start(30);
    let addr: SocketAddr = s.jt808.parse().expect("gateway address");
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let admin = login(&s, "admin").await;
    let officer = login(&s, "officer").await;
    let (_, me) = get_json(&officer, &api("/auth/me")).await;
    let own = me["user"]["enterprise_id"]
        .as_i64()
        .expect("officer enterprise");
    let all = cars(&s, &admin).await;
    let a = all
        .iter()
        .find(|c| c.enterprise_id == own)
        .expect("own car");
    let b = all
        .iter()
        .find(|c| c.enterprise_id != own)
        .expect("other car");

    // Before anything reports: every vehicle is "never".
    let (st, snap) = get_json(&admin, &api("/live/vehicles")).await;
    assert_eq!(st, 200, "{snap}");
    assert_eq!(snap["counts"]["total"], 30);
    assert_eq!(snap["counts"]["never"], 30, "{}", snap["counts"]);
    let (_, mine) = get_json(&officer, &api("/live/vehicles")).await;
    let items = mine["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.iter().all(|v| v["enterprise_id"] == own));

    // The officer's feed.
    let mut ws = common::feed(&s, "officer").await;

    let mut ta = connect(addr, a).await;
    let mut tb = connect(addr, b).await;
    // Ten fixes of A within about a second (more on a loaded machine), and B's.
    let sending = Instant::now();
    for i in 0..10 {
        report(&mut ta, 21.80 + 0.0002 * i as f64, 30.0, 20 - i).await;
        report(&mut tb, 21.70, 30.0, 20 - i).await;
    }
    let sent_in = sending.elapsed();
    let started = Instant::now();
    let (mut online_a, mut positions_a, mut last_lat) = (false, 0, 0.0);
    while started.elapsed() < Duration::from_millis(2500) {
        let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_millis(300), ws.next()).await
        else {
            continue;
        };
        let Ok(text) = msg.to_text() else { continue };
        let v: Value = serde_json::from_str(text).expect("JSON");
        assert_ne!(
            v["vehicle_id"], b.vehicle_id,
            "another enterprise's vehicle on the feed: {v}"
        );
        if v["vehicle_id"] == a.vehicle_id {
            match v["type"].as_str() {
                Some("online") => online_a = true,
                Some("position") => {
                    positions_a += 1;
                    last_lat = v["lat"].as_f64().expect("lat");
                    assert_eq!(v["state"], "moving", "{v}");
                }
                _ => {}
            }
        }
    }
    assert!(online_a, "no online message for A");
    // 10 fixes sent; at most one per second reaches the browser, the newest: one flush per
    // second of sending plus the last one.
    let most = sent_in.as_secs() as usize + 2;
    assert!(
        (1..=most).contains(&positions_a) && positions_a < 10,
        "{positions_a} position messages for 10 fixes sent in {sent_in:?}"
    );
    assert!(
        (last_lat - (21.80 + 0.0018)).abs() < 1e-6,
        "not the newest fix: {last_lat}"
    );

    let (_, snap) = get_json(&admin, &api("/live/vehicles")).await;
    let va = item(&snap, a.vehicle_id);
    assert_eq!(
        (va["state"].as_str(), va["online"].as_bool()),
        (Some("moving"), Some(true)),
        "{va}"
    );
    assert!(
        (va["lat"].as_f64().expect("lat") - 21.8018).abs() < 1e-6,
        "{va}"
    );
    assert_eq!(snap["counts"]["never"], 28, "{}", snap["counts"]);

    // The track, as JSON and as a file; another enterprise's is not the officer's to read.
    let (st, tr) = get_json(&officer, &api(&format!("/vehicles/{}/track", a.vehicle_id))).await;
    assert_eq!(st, 200, "{tr}");
    let pts = tr["points"].as_array().expect("points");
    assert_eq!(pts.len(), 10, "{tr}");
    assert!(pts
        .windows(2)
        .all(|w| w[0]["t"].as_str() <= w[1]["t"].as_str()));
    let r = officer
        .get(api(&format!("/vehicles/{}/track?format=gpx", a.vehicle_id)))
        .send()
        .await
        .expect("gpx");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains(".gpx"));
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<gpx") && body.matches("<trkpt").count() == 10,
        "{body}"
    );
    assert_eq!(
        get_json(&officer, &api(&format!("/vehicles/{}/track", b.vehicle_id)))
            .await
            .0,
        404
    );
    assert_eq!(
        get_json(
            &officer,
            &api(&format!("/vehicles/{}/track?format=shp", a.vehicle_id))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get_json(
            &officer,
            &api(&format!(
                "/vehicles/{}/track?from=2026-01-01&to=2026-02-01",
                a.vehicle_id
            ))
        )
        .await
        .0,
        400
    );

    // The demo's basemap: the city's roads and places.
    let (st, map) = get_json(&officer, &api("/map/basemap")).await;
    assert_eq!(st, 200);
    let features = map["features"].as_array().expect("features");
    assert!(
        features
            .iter()
            .filter(|f| f["properties"]["kind"] == "road")
            .count()
            >= 10,
        "{map}"
    );

    // Commands from the vehicle detail: the terminal answers while the API waits.
    let answering = tokio::spawn(async move {
        let until = Instant::now() + Duration::from_secs(8);
        while Instant::now() < until {
            ta.poll(Duration::from_millis(100))
                .await
                .expect("terminal connection");
        }
        ta
    });
    let viewer = login(&s, "viewer").await;
    let text_url = api(&format!("/vehicles/{}/text", a.vehicle_id));
    assert_eq!(
        viewer
            .post(&text_url)
            .json(&json!({"text": "x"}))
            .send()
            .await
            .expect("post")
            .status(),
        403
    );
    let r = officer
        .post(api(&format!("/vehicles/{}/text", b.vehicle_id)))
        .json(&json!({"text": "请减速"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404, "another enterprise's vehicle");
    let r = officer
        .post(&text_url)
        .json(&json!({"text": ""}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let r = officer
        .post(&text_url)
        .json(&json!({"text": "前方拥堵，请注意安全"}))
        .send()
        .await
        .expect("post");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["terminal_result"], "accepted", "{v}");
    let r = officer
        .post(api(&format!("/vehicles/{}/locate", a.vehicle_id)))
        .send()
        .await
        .expect("post");
    let v: Value = r.json().await.expect("json");
    assert!(
        (v["position"]["lat"].as_f64().expect("lat") - 21.8018).abs() < 1e-6,
        "{v}"
    );
    let r = officer
        .post(api(&format!("/vehicles/{}/params", a.vehicle_id)))
        .send()
        .await
        .expect("post");
    let v: Value = r.json().await.expect("json");
    assert!(v["params"].is_array(), "{v}");
    let ta = answering.await.expect("terminal task");
    let (_, audit) = get_json(&admin, &api("/audit?limit=50")).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|x| x["action"].as_str())
        .collect();
    for want in ["terminal.text", "terminal.locate", "terminal.params"] {
        assert!(actions.contains(&want), "audit lacks {want}: {actions:?}");
    }

    // The vehicle card: registry, terminal, latest fix, today's mileage (9 steps of 0.0002°
    // of latitude = 200.1 m; the position query's answer is the same place).
    let card_url = api(&format!("/live/vehicles/{}", a.vehicle_id));
    let (st, card) = get_json(&officer, &card_url).await;
    assert_eq!(st, 200, "{card}");
    assert_eq!(card["vehicle"]["plate"], a.plate.as_str());
    assert!(
        card["terminal"]["phone"]
            .as_str()
            .is_some_and(|p| !p.is_empty()),
        "{card}"
    );
    assert!(
        (card["fix"]["lat"].as_f64().expect("lat") - 21.8018).abs() < 1e-6,
        "{card}"
    );
    let today = &card["today"];
    assert!(
        today["positions"]
            .as_u64()
            .is_some_and(|n| (10..=11).contains(&n)),
        "{today}"
    );
    // The simulated odometer stands still, so the fixes give the mileage.
    assert_eq!(today["odometer_km"], 0.0, "{today}");
    assert_eq!(today["mileage_source"], "gnss", "{today}");
    let km = today["mileage_km"].as_f64().expect("mileage");
    assert!((km - 0.2001).abs() < 0.002, "{today}");
    assert_eq!(
        get_json(&officer, &api(&format!("/live/vehicles/{}", b.vehicle_id)))
            .await
            .0,
        404
    );
    // On a road of the basemap: the card names it.
    let road = features
        .iter()
        .find(|f| f["properties"]["kind"] == "road")
        .expect("a road");
    let c = road["geometry"]["coordinates"]
        .as_array()
        .expect("coordinates");
    let at = |i: usize, k: usize| c[i][k].as_f64().expect("coordinate");
    let (lon, lat) = ((at(0, 0) + at(1, 0)) / 2.0, (at(0, 1) + at(1, 1)) / 2.0);
    let mut loc = location(lat, lon, 40.0, 0, Utc::now());
    loc.status |= 1;
    let mut ta = ta;
    let sq = ta.send_location(&loc).await.expect("send");
    assert_eq!(ta.wait_ack(sq).await.expect("ack"), 0);
    let (_, card) = get_json(&officer, &card_url).await;
    assert_eq!(
        card["location"]["road"], road["properties"]["name"],
        "{card}"
    );
    assert!(
        card["location"]["road_distance_m"]
            .as_f64()
            .expect("distance")
            < 5.0
    );

    // Today's overview: the officer's is their enterprise's part of the bureau's.
    let (st, dash) = get_json(&admin, &api("/dashboard/today")).await;
    assert_eq!(st, 200, "{dash}");
    assert_eq!(dash["counts"]["total"], 30, "{dash}");
    let by_class = dash["by_class"].as_array().expect("by_class");
    let sum: u64 = by_class
        .iter()
        .map(|c| c["total"].as_u64().expect("total"))
        .sum();
    assert_eq!(sum, 30, "{dash}");
    assert!(dash["online"].as_u64().expect("online") >= 2, "{dash}");
    let (_, mine) = get_json(&officer, &api("/dashboard/today")).await;
    let all_total = dash["positions_per_minute"]["total"]
        .as_u64()
        .expect("total");
    let own_total = mine["positions_per_minute"]["total"]
        .as_u64()
        .expect("total");
    // A's 10 fixes, its position answer and the road fix; B's 10 are not the officer's.
    assert!(
        (11..=12).contains(&own_total),
        "{}",
        mine["positions_per_minute"]
    );
    assert!(all_total >= own_total + 10, "{all_total} vs {own_total}");
    assert!(mine["counts"]["total"].as_u64().expect("total") < 30);
    assert!(mine["top_enterprises"]
        .as_array()
        .expect("top")
        .iter()
        .all(|e| e["enterprise_id"] == own));

    // Compressed answers for browsers that accept gzip: the fleet snapshot, and the
    // console's assets from their build-time copies.
    let gunzip = |b: &[u8]| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(b), &mut out)
            .expect("valid gzip");
        out
    };
    let r = admin
        .get(api("/live/vehicles"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let body = r.bytes().await.expect("body");
    let snap: Value = serde_json::from_slice(&gunzip(&body)).expect("JSON inside the gzip");
    assert_eq!(snap["counts"]["total"], 30);
    if tongtu_server::web::console_built() {
        let index = admin
            .get(&s.base)
            .send()
            .await
            .expect("GET /")
            .text()
            .await
            .expect("html");
        let js = index
            .split('"')
            .find(|p| p.starts_with("/assets/") && p.ends_with(".js"))
            .expect("a script in index.html");
        let plain = admin
            .get(format!("{}{js}", s.base))
            .send()
            .await
            .expect("GET");
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.expect("body");
        let gz = admin
            .get(format!("{}{js}", s.base))
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .expect("GET");
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        let gz = gz.bytes().await.expect("body");
        assert!(
            gz.len() * 2 < plain.len(),
            "{} vs {}",
            gz.len(),
            plain.len()
        );
        assert_eq!(gunzip(&gz), plain.to_vec());
        let r = admin
            .get(format!("{}{js}.gz", s.base))
            .send()
            .await
            .expect("GET");
        assert_eq!(
            r.status(),
            404,
            "the .gz copies are not resources of their own"
        );
    }

    // A goes away: offline on the map and on the feed.
    drop(ta);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, snap) = get_json(&admin, &api("/live/vehicles")).await;
        if item(&snap, a.vehicle_id)["state"] == "offline" {
            break;
        }
        assert!(Instant::now() < deadline, "A never went offline");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(tb);
}
