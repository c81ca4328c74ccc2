//! Alarms end to end through the real binary: real terminals raise alarms over JT/T 808, the
//! live rules service stores them, and the handling workflow runs over the HTTP API with its
//! permission checks — text to the driver answered by the terminal, review, escalation with
//! a deadline that runs out, a case, rule settings and a geofence applied live, the alarm
//! feed over WebSocket, and a replay that finds what the live engine found.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tongtu_jt808::msg::Message;
use tongtu_sim::terminal::{location, Terminal};

use common::{cars, connect, get_json, login, start};

/// Sends a fix `secs_ago` seconds old with `alarm` bits; waits for the platform's ack.
async fn report(t: &mut Terminal, lat: f64, lon: f64, kmh: f64, alarm: u32, secs_ago: i64) {
    let mut loc = location(
        lat,
        lon,
        kmh,
        90,
        Utc::now() - chrono::Duration::seconds(secs_ago),
    );
    loc.alarm = alarm;
    loc.status |= 1; // ignition on
    let s = t.send_location(&loc).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
}

async fn wait_alarms(c: &reqwest::Client, url: &str, want: usize) -> Value {
    wait_for(c, url, |v| {
        v["items"].as_array().map_or(0, Vec::len) >= want
    })
    .await
}

/// Polls `url` until `done` holds for the answer.
async fn wait_for(c: &reqwest::Client, url: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (st, v) = get_json(c, url).await;
        assert_eq!(st, 200, "{url}: {v}");
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "no alarm at {url} in time: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn post(c: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let r = c.post(url).json(&body).send().await.expect("POST");
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn put(c: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let r = c.put(url).json(&body).send().await.expect("PUT");
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_are_raised_live_and_handled_through_the_workflow() {
    let s = start(30);
    let addr: SocketAddr = s.jt808.parse().expect("gateway address");
    let admin = login(&s, "admin").await;
    let officer = login(&s, "officer").await;
    let supervisor = login(&s, "supervisor").await;
    let viewer = login(&s, "viewer").await;
    let (_, me) = get_json(&officer, &format!("{}/api/v1/auth/me", s.base)).await;
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
    let api = |p: &str| format!("{}/api/v1{p}", s.base);

    // The live feed, as the officer's console sees it.
    let mut ws = common::feed(&s, "officer").await;

    // A: the emergency button (bit 0) pressed, then released.
    let mut ta = connect(addr, a).await;
    report(&mut ta, 21.860, 111.980, 40.0, 0, 40).await;
    report(&mut ta, 21.861, 111.981, 40.0, 1, 30).await;
    report(&mut ta, 21.862, 111.982, 40.0, 0, 20).await;
    // B (another enterprise): 130 km/h for 60 s — speeding for any class.
    let mut tb = connect(addr, b).await;
    for i in 0..7 {
        let secs_ago = 80 - i * 10;
        report(
            &mut tb,
            21.80 + 0.0036 * i as f64,
            111.90,
            130.0,
            0,
            secs_ago,
        )
        .await;
    }
    report(&mut tb, 21.80 + 0.0036 * 7.0, 111.90, 50.0, 0, 10).await;

    // Opened and closed are stored as they happen: wait for the close.
    let la = wait_for(&admin, &api(&format!("/alarms?plate={}", a.plate)), |v| {
        v["items"][0]["open"] == false
    })
    .await;
    let alarm_a = &la["items"][0];
    assert_eq!(alarm_a["rule"], "terminal_0", "{la}");
    assert_eq!(alarm_a["state"], "new");
    assert_eq!(
        alarm_a["open"], false,
        "released button closes it: {alarm_a}"
    );
    let id_a = alarm_a["id"].as_i64().expect("id");
    let lb = wait_alarms(
        &admin,
        &api(&format!("/alarms?plate={}&rule=speeding", b.plate)),
        1,
    )
    .await;
    let alarm_b = &lb["items"][0];
    assert!(
        alarm_b["peak"].as_f64().expect("peak") >= 129.9,
        "{alarm_b}"
    );
    let id_b = alarm_b["id"].as_i64().expect("id");

    // The officer's feed carried A's alarm and never B's.
    let mut seen_a = false;
    let until = Instant::now() + Duration::from_secs(10);
    while !seen_a && Instant::now() < until {
        if let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
            if let Ok(text) = msg.to_text() {
                let v: Value = serde_json::from_str(text).expect("feed JSON");
                // The feed also carries the live map's positions and sessions.
                if v["type"] != "alarm" {
                    continue;
                }
                assert_eq!(
                    v["alarm"]["enterprise_id"], own,
                    "foreign alarm on the feed: {v}"
                );
                seen_a |= v["alarm"]["id"] == id_a;
            }
        }
    }
    assert!(seen_a, "alarm {id_a} never came over the feed");

    // Scope: the officer sees only their enterprise.
    let (_, mine) = get_json(&officer, &api("/alarms?limit=500")).await;
    assert!(mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|x| x["enterprise_id"] == own));
    assert_eq!(
        get_json(&officer, &api(&format!("/alarms/{id_b}"))).await.0,
        404
    );
    let (st, _) = post(
        &officer,
        &api(&format!("/alarms/{id_b}/handle")),
        json!({"measure":"phone_call","note":"x"}),
    )
    .await;
    assert_eq!(
        st, 404,
        "an officer cannot handle another enterprise's alarm"
    );
    // Roles.
    let handle_body = json!({ "measure": "phone_call", "note": "电话提醒驾驶员" });
    assert_eq!(
        post(
            &viewer,
            &api(&format!("/alarms/{id_a}/handle")),
            handle_body.clone()
        )
        .await
        .0,
        403
    );
    assert_eq!(
        post(
            &supervisor,
            &api(&format!("/alarms/{id_a}/handle")),
            handle_body.clone()
        )
        .await
        .0,
        403
    );
    assert_eq!(
        post(
            &officer,
            &api(&format!("/alarms/{id_a}/review")),
            json!({"approve":true})
        )
        .await
        .0,
        403
    );
    // Bad input.
    let (st, v) = post(
        &officer,
        &api(&format!("/alarms/{id_a}/handle")),
        json!({"measure":"false_alarm","note":"  "}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("note")),
        "{v}"
    );
    let (st, v) = post(
        &officer,
        &api(&format!("/alarms/{id_a}/handle")),
        json!({"measure":"text_to_driver","note":"","text":"长".repeat(201)}),
    )
    .await;
    assert_eq!(st, 422, "{v}");
    let (st, _) = post(
        &officer,
        &api(&format!("/alarms/{id_a}/handle")),
        json!({"measure":"nap"}),
    )
    .await;
    assert_eq!(st, 422);

    // Handling with a text: the terminal must receive it and answer while the API waits.
    let text = "请立即停车检查，注意安全";
    let answering = tokio::spawn(async move {
        let got = loop {
            ta.poll(Duration::from_millis(200))
                .await
                .expect("terminal connection");
            let d = ta.take_downlinks();
            if let Some(t) = d.iter().find_map(|p| match &p.message {
                Message::Text(t) => Some(t.text.clone()),
                _ => None,
            }) {
                break t;
            }
        };
        (ta, got)
    });
    let (st, d) = post(
        &officer,
        &api(&format!("/alarms/{id_a}/handle")),
        json!({ "measure": "text_to_driver", "note": "已提醒", "text": text }),
    )
    .await;
    assert_eq!(st, 200, "{d}");
    let (mut ta, received) = answering.await.expect("terminal task");
    assert_eq!(received, text);
    assert_eq!(d["state"], "handled");
    assert_eq!(d["measure"], "text_to_driver");
    let sent = d["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|x| x["action"] == "text_sent")
        .expect("text_sent")
        .clone();
    assert_eq!(
        (sent["text"].as_str(), sent["terminal_result"].as_str()),
        (Some(text), Some("accepted"))
    );
    // Handled alarms cannot be handled again.
    assert_eq!(
        post(
            &officer,
            &api(&format!("/alarms/{id_a}/handle")),
            handle_body.clone()
        )
        .await
        .0,
        409
    );

    // Supervisor returns it; the officer handles again by phone.
    let (st, d) = post(
        &supervisor,
        &api(&format!("/alarms/{id_a}/review")),
        json!({"approve":false,"note":"处置说明不充分"}),
    )
    .await;
    assert_eq!((st, d["state"].as_str()), (200, Some("new")), "{d}");
    assert_eq!(
        post(
            &officer,
            &api(&format!("/alarms/{id_a}/handle")),
            handle_body.clone()
        )
        .await
        .0,
        200
    );
    // Escalation (督办): a deadline in the past is refused; a short one runs out.
    let past = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    assert_eq!(
        post(
            &supervisor,
            &api(&format!("/alarms/{id_a}/escalate")),
            json!({"deadline": past, "note":"x"})
        )
        .await
        .0,
        422
    );
    let soon = (Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (st, d) = post(
        &supervisor,
        &api(&format!("/alarms/{id_a}/escalate")),
        json!({"deadline": soon, "note":"限期整改"}),
    )
    .await;
    assert_eq!(
        (st, d["state"].as_str(), d["overdue"].as_bool()),
        (200, Some("escalated"), Some(false)),
        "{d}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, od) = get_json(&officer, &api("/alarms?overdue=true")).await;
    assert!(
        od["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|x| x["id"] == id_a && x["overdue"] == true),
        "{od}"
    );
    let (_, n) = get_json(&officer, &api("/alarms/notifications")).await;
    assert!(
        n["overdue"].as_i64().expect("overdue") >= 1
            && n["to_handle"].as_i64().expect("to_handle") >= 1,
        "{n}"
    );
    assert_eq!(
        post(
            &officer,
            &api(&format!("/alarms/{id_a}/handle")),
            json!({"measure":"driver_replaced","note":"已换驾驶员"})
        )
        .await
        .0,
        200
    );
    let (st, d) = post(
        &supervisor,
        &api(&format!("/alarms/{id_a}/review")),
        json!({"approve":true,"note":"同意"}),
    )
    .await;
    assert_eq!((st, d["state"].as_str()), (200, Some("closed")), "{d}");
    let steps: Vec<&str> = d["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|x| x["action"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "opened",
            "closed",
            "text_sent",
            "handle",
            "review_reject",
            "handle",
            "escalate",
            "handle",
            "review_approve"
        ],
        "{d}"
    );

    // B's terminal goes away: a text fails clearly, is recorded, and changes nothing.
    drop(tb);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (st, v) = post(
        &admin,
        &api(&format!("/alarms/{id_b}/handle")),
        json!({"measure":"text_to_driver","text":"请减速"}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (409, Some("terminal_unavailable")),
        "{v}"
    );
    let (_, d) = get_json(&admin, &api(&format!("/alarms/{id_b}"))).await;
    assert_eq!(d["state"], "new");
    assert!(
        d["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .any(|x| x["action"] == "text_failed" && x["terminal_result"] == "offline"),
        "{d}"
    );

    // B becomes an enforcement case (超速); once only; not visible to the officer.
    let (st, c) = post(
        &supervisor,
        &api(&format!("/alarms/{id_b}/case")),
        json!({}),
    )
    .await;
    assert_eq!(
        (st, c["violation"].as_str(), c["case_type"].as_str()),
        (201, Some("超速"), Some("道路运政")),
        "{c}"
    );
    assert!(c["case_no"].as_str().expect("case no").starts_with("YZ-"));
    assert_eq!(
        post(
            &supervisor,
            &api(&format!("/alarms/{id_b}/case")),
            json!({})
        )
        .await
        .0,
        409
    );
    let (_, oc) = get_json(&officer, &api("/cases")).await;
    assert_eq!(oc["total"], 0, "{oc}");
    let (_, sc) = get_json(&supervisor, &api("/cases")).await;
    assert_eq!(sc["total"], 1, "{sc}");

    // Evidence track and statistics.
    let (st, ev) = get_json(&admin, &api(&format!("/alarms/{id_b}/evidence"))).await;
    assert_eq!(st, 200, "{ev}");
    let pts = ev["points"].as_array().expect("points");
    assert!(
        pts.len() >= 8 && pts.iter().any(|p| p["in_alarm"] == true),
        "{ev}"
    );
    let (_, stats) = get_json(&admin, &api("/alarms/stats")).await;
    assert!(stats["total"].as_i64().expect("total") >= 2, "{stats}");
    assert_eq!(stats["by_hour"].as_array().expect("hours").len(), 24);

    // The list as Excel: Chinese headers, the officer's rows only.
    let bytes = officer
        .get(api("/alarms/export"))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = calamine::Reader::worksheet_range(&mut wb, "告警明细").expect("sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[1][1], "车牌号");
    let (_, mine) = get_json(&officer, &api("/alarms?limit=500")).await;
    assert_eq!(
        rows.len() - 2,
        mine["total"].as_u64().expect("total") as usize
    );
    assert!(rows[2..].iter().all(|r| r[1] == a.plate), "{rows:?}");
    assert!(rows[2..].iter().any(|r| r[4] == "紧急报警"), "{rows:?}");

    // Replay over the stored tracks finds what the live engine stored.
    let day = (Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let (st, r) = post(&officer, &api("/rules/replay"), json!({"from": day, "to": (Utc::now() + chrono::Duration::days(1)).to_rfc3339(), "plate": a.plate})).await;
    assert_eq!(st, 200, "{r}");
    let start_a =
        chrono::DateTime::parse_from_rfc3339(alarm_a["start_at"].as_str().expect("start"))
            .expect("rfc3339")
            .timestamp_millis();
    assert!(
        r["alarms"]
            .as_array()
            .expect("alarms")
            .iter()
            .any(|x| x["rule_code"] == "terminal_0" && x["start_ms"] == start_a),
        "{r}"
    );
    assert_eq!(
        post(
            &officer,
            &api("/rules/replay"),
            json!({"from": day, "to": day, "plate": b.plate})
        )
        .await
        .0,
        400
    );

    // Rule settings: validated, admin only, audited.
    let (_, mut cfg) = get_json(&admin, &api("/rules/settings")).await;
    cfg["default_class"]["speed_limit_kmh"] = json!(5);
    let (st, v) = put(&admin, &api("/rules/settings"), cfg.clone()).await;
    assert_eq!(
        (st, v["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("default_class.speed_limit_kmh")),
        "{v}"
    );
    cfg["default_class"]["speed_limit_kmh"] = json!(95);
    assert_eq!(
        put(&officer, &api("/rules/settings"), cfg.clone()).await.0,
        403
    );
    let (st, v) = put(&admin, &api("/rules/settings"), cfg.clone()).await;
    assert_eq!(
        (st, v["default_class"]["speed_limit_kmh"].as_f64()),
        (200, Some(95.0)),
        "{v}"
    );

    // Regional parameters: 60 km/h for every class in one county, applied live to a vehicle
    // of an enterprise there; 70 km/h is speeding there and nowhere else.
    let c = all
        .iter()
        .find(|c| c.enterprise_id != own && c.enterprise_id != b.enterprise_id)
        .expect("a third enterprise");
    let (_, ent) = get_json(&admin, &api(&format!("/enterprises/{}", c.enterprise_id))).await;
    let (_, regions) = get_json(&admin, &api("/regions")).await;
    let code = regions["items"]
        .as_array()
        .expect("regions")
        .iter()
        .find(|r| r["id"] == ent["region_id"])
        .and_then(|r| r["code"].as_str())
        .expect("region code")
        .to_string();
    let mut bad = cfg.clone();
    bad["regions"] = json!({ "44": {} });
    let (st, v) = put(&admin, &api("/rules/settings"), bad).await;
    assert_eq!(
        (st, v["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("regions.44")),
        "{v}"
    );
    let mut slow = serde_json::Map::new();
    for (class, rules) in cfg["classes"].as_object().expect("classes") {
        let mut r = rules.clone();
        r["speed_limit_kmh"] = json!(60);
        slow.insert(class.clone(), r);
    }
    cfg["regions"] = json!({ code.clone(): slow });
    let (st, v) = put(&admin, &api("/rules/settings"), cfg.clone()).await;
    assert_eq!(st, 200, "{v}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tc = connect(addr, c).await;
    for i in 0..7 {
        report(
            &mut tc,
            21.80 + 0.0019 * i as f64,
            111.93,
            70.0,
            0,
            80 - i * 10,
        )
        .await;
    }
    report(&mut tc, 21.80 + 0.0019 * 7.0, 111.93, 30.0, 0, 10).await;
    let lc = wait_alarms(
        &admin,
        &api(&format!("/alarms?plate={}&rule=speeding", c.plate)),
        1,
    )
    .await;
    // 48 = 80 % of 60 for a passenger vehicle at night (22:00–06:00 Beijing).
    let limit = lc["items"][0]["limit"].as_f64().expect("limit");
    assert!(limit == 60.0 || limit == 48.0, "{lc}");
    drop(tc);

    // A forbidden zone drawn now applies to the next fixes at once.
    let zone = json!({
        "name": "城区禁行区", "enabled": true,
        "shape": {"type": "circle", "lat": 21.864, "lon": 111.984, "radius_m": 150.0},
        "kind": {"type": "forbidden"}
    });
    assert_eq!(
        post(&officer, &api("/geofences"), zone.clone()).await.0,
        403
    );
    let (st, f) = post(&admin, &api("/geofences"), zone).await;
    assert_eq!(st, 201, "{f}");
    let fence = f["id"].as_i64().expect("fence id");
    let bad = json!({"name": "坏", "shape": {"type": "circle", "lat": 21.95, "lon": 111.95, "radius_m": -1.0}, "kind": {"type": "forbidden"}});
    assert_eq!(post(&admin, &api("/geofences"), bad).await.0, 422);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A's last fix (21.862, 111.982) is 300 m outside; the next ones are inside.
    report(&mut ta, 21.8639, 111.9839, 20.0, 0, 5).await;
    report(&mut ta, 21.8640, 111.9840, 20.0, 0, 0).await;
    let rule = format!("forbidden_{fence}");
    let lf = wait_alarms(
        &admin,
        &api(&format!("/alarms?plate={}&rule={rule}", a.plate)),
        1,
    )
    .await;
    assert_eq!(lf["items"][0]["severity"], "serious", "{lf}");
    let (_, fd) = get_json(&admin, &api(&format!("/alarms/{}", lf["items"][0]["id"]))).await;
    assert_eq!(fd["fence_name"], "城区禁行区");

    // Every step is in the audit log.
    let (_, audit) = get_json(&admin, &api("/audit?limit=200")).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|x| x["action"].as_str())
        .collect();
    for want in [
        "alarm.handle",
        "alarm.review_reject",
        "alarm.escalate",
        "alarm.review_approve",
        "case.create",
        "rules.update",
        "geofence.create",
    ] {
        assert!(actions.contains(&want), "audit lacks {want}: {actions:?}");
    }
    // Metrics of the rules service.
    let text = reqwest::get(format!("{}/metrics", s.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    assert!(text.contains("tongtu_rules_alarms_opened_total"), "{text}");
}

/// `tongtu serve` on an existing data directory; returns the child, HTTP base and gateway.
fn serve(dir: &std::path::Path) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .arg("serve")
        .env("TONGTU_DATA_DIR", dir)
        .env("TONGTU_HTTP_LISTEN", "127.0.0.1:0")
        .env("TONGTU_JT808_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start tongtu serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut jt808 = String::new();
    let base = loop {
        let line = lines.next().expect("serve exited early").expect("read");
        if let Some(rest) = line.strip_prefix("JT/T 808 gateway listening on ") {
            jt808 = rest.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("Tongtu is serving ") {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base, jt808)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_survive_kill_9_and_the_warm_up_adds_no_duplicates() {
    let mut s = start(10);
    let addr: SocketAddr = s.jt808.parse().expect("gateway address");
    let admin = login(&s, "admin").await;
    let car = cars(&s, &admin).await.into_iter().next().expect("a car");
    let mut t = connect(addr, &car).await;
    for i in 0..7 {
        report(
            &mut t,
            21.80 + 0.0036 * i as f64,
            111.90,
            130.0,
            0,
            80 - i * 10,
        )
        .await;
    }
    report(&mut t, 21.80 + 0.0036 * 7.0, 111.90, 50.0, 0, 10).await;
    // Every position is acknowledged (durable); the alarm may or may not be stored yet.
    s.child.kill().expect("SIGKILL");
    let _ = s.child.wait();

    let (mut child, base, _) = serve(&s.dir);
    let c = common::client();
    let r = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": common::PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let url = format!("{base}/api/v1/alarms?plate={}&rule=speeding", car.plate);
    let v = wait_alarms(&c, &url, 1).await;
    assert!(
        v["items"][0]["peak"].as_f64().expect("peak") >= 129.9,
        "{v}"
    );
    // A second restart replays the same tracks again: still one alarm.
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let (mut child, base, _) = serve(&s.dir);
    let c = common::client();
    c.post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": common::PASSWORD }))
        .send()
        .await
        .expect("login");
    let url = format!("{base}/api/v1/alarms?plate={}&rule=speeding", car.plate);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, v) = get_json(&c, &url).await;
    assert_eq!(v["total"], 1, "{v}");
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    let replayed: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("tongtu_rules_warmup_positions_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("warm-up metric");
    assert!(replayed >= 8.0, "the warm-up replayed {replayed} positions");
    child.kill().expect("SIGKILL");
    let _ = child.wait();
}
