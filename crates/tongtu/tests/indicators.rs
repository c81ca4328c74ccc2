//! Assessment indicators through the real binary: two real terminals (one of the enterprise
//! officer's fleet, one of another enterprise) report today, one record out of range; the
//! live figures for today are checked city-wide and for the officer (own enterprise only),
//! with the drill-down to the unqualified record, the Excel workbook read back, and the
//! recompute/settings permissions; then the 考核指标 page in headless Chromium as the officer.

mod common;

use std::net::SocketAddr;

use calamine::Reader;
use chrono::Utc;
use serde_json::{json, Value};
use tongtu_sim::terminal::{location, Terminal};

use common::{cars, connect, get_json, login, start};

async fn report(t: &mut Terminal, lat: f64, secs_ago: i64, altitude: u16) {
    let mut loc = location(
        lat,
        111.95,
        30.0,
        0,
        Utc::now() - chrono::Duration::seconds(secs_ago),
    );
    loc.status |= 1;
    loc.altitude = altitude;
    let s = t.send_location(&loc).await.expect("send");
    assert_eq!(t.wait_ack(s).await.expect("ack"), 0);
}

fn ratio(v: &Value) -> (f64, f64) {
    (
        v["numerator"].as_f64().expect("numerator"),
        v["denominator"].as_f64().expect("denominator"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_of_today_scoped_drilled_and_exported() {
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

    // A: six fixes a minute apart, the fourth at 7,000 m (outside −200–6,500 m); B: three.
    let mut ta = connect(addr, a).await;
    for i in 0..6 {
        let alt = if i == 3 { 7000 } else { 12 };
        report(&mut ta, 21.80 + 0.001 * i as f64, 360 - 60 * i, alt).await;
    }
    let mut tb = connect(addr, b).await;
    for i in 0..3 {
        report(&mut tb, 21.70 + 0.001 * i as f64, 200 - 60 * i, 12).await;
    }

    // City-wide today (computed live): 9 records, 8 qualified; both vehicles online.
    let (st, city) = get_json(&admin, &api("/indicators?group=city")).await;
    assert_eq!(st, 200, "{city}");
    let c = &city["report"]["groups"][0];
    assert_eq!(ratio(&c["data_qualified_rate"]), (8.0, 9.0), "{c}");
    assert_eq!(c["vehicles_online"], 2, "{c}");
    // The register: active vehicles (the demo suspends a few).
    let (_, vehicles) = get_json(&admin, &api("/vehicles?limit=200")).await;
    let active = vehicles["items"]
        .as_array()
        .expect("vehicles")
        .iter()
        .filter(|v| v["status"] == "active")
        .count();
    assert!(active < 30 && active > 20, "{active}");
    assert_eq!(c["vehicles_registered"], active, "{c}");
    assert_eq!(ratio(&c["online_rate"]), (2.0, 2.0), "{c}");
    assert!(city["live_day"].is_number(), "{city}");

    // The trend of this month: one entry per day up to today, today's live and as above.
    let (st, tr) = get_json(&admin, &api("/indicators/trend")).await;
    assert_eq!(st, 200, "{tr}");
    let days = tr["items"].as_array().expect("trend items");
    let last = days.last().expect("today");
    assert_eq!(last["live"], true, "{last}");
    assert_eq!(
        ratio(&last["group"]["data_qualified_rate"]),
        (8.0, 9.0),
        "{last}"
    );
    assert!(days[..days.len() - 1]
        .iter()
        .all(|d| d["group"]["data_qualified_rate"]["denominator"] == 0.0));

    // The officer: their enterprise only, whatever they ask for.
    let (st, mine) = get_json(&officer, &api("/indicators?group=enterprise")).await;
    assert_eq!(st, 200, "{mine}");
    let groups = mine["report"]["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{mine}");
    assert_eq!(groups[0]["key"], json!({"kind": "enterprise", "id": own}));
    assert_eq!(ratio(&groups[0]["data_qualified_rate"]), (5.0, 6.0));
    let (st, _) = get_json(
        &officer,
        &api(&format!(
            "/indicators?group=vehicle&enterprise_id={}",
            b.enterprise_id
        )),
    )
    .await;
    assert_eq!(st, 404, "another enterprise's figures");

    // Drill-down to the record: the altitude, for the officer's own vehicle only.
    let (st, d) = get_json(
        &officer,
        &api(&format!("/indicators/vehicles/{}/drilldown", a.vehicle_id)),
    )
    .await;
    assert_eq!(st, 200, "{d}");
    let bad = d["items"]["unqualified"]["items"]
        .as_array()
        .expect("unqualified");
    assert_eq!(bad.len(), 1, "{d}");
    assert!(bad[0].to_string().contains("7000"), "{d}");
    assert_eq!(
        get_json(
            &officer,
            &api(&format!("/indicators/vehicles/{}/drilldown", b.vehicle_id))
        )
        .await
        .0,
        404
    );

    // Bad requests name the parameter.
    let (st, e) = get_json(&admin, &api("/indicators?group=county")).await;
    assert_eq!(st, 400, "{e}");
    assert!(e.to_string().contains("group"), "{e}");
    let (st, _) = get_json(&admin, &api("/indicators?from=2026-13-01")).await;
    assert_eq!(st, 400);
    let (st, r) = get_json(
        &admin,
        &api("/indicators/ranking?indicator=data_qualified_rate"),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert!(r["items"].as_array().is_some_and(|i| !i.is_empty()), "{r}");
    let (st, n) = get_json(&admin, &api("/indicators/notice")).await;
    assert_eq!(st, 200, "{n}");

    // The workbook: four levels, the city's qualified records as counted above.
    let resp = admin
        .get(api("/indicators/export"))
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("xlsx");
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("a workbook");
    let names = wb.sheet_names();
    assert_eq!(names, ["全市", "区县", "企业", "车辆"], "{names:?}");
    let sheet = wb.worksheet_range("全市").expect("全市");
    let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(text.iter().any(|t| t.contains("数据合格率")), "{text:?}");
    // Filtered like the page: one enterprise's workbook lists its vehicles only.
    let resp = admin
        .get(api(&format!("/indicators/export?enterprise_id={own}")))
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("xlsx");
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("a workbook");
    let sheet = wb.worksheet_range("车辆").expect("车辆");
    let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(text.contains(&a.plate), "{text:?}");
    assert!(!text.contains(&b.plate), "{text:?}");
    let (st, e) = get_json(&admin, &api("/indicators/export?enterprise_id=x")).await;
    assert_eq!(st, 400);
    assert!(e.to_string().contains("enterprise_id"), "{e}");
    let csv = admin
        .get(api("/indicators/export?format=csv&group=enterprise"))
        .send()
        .await
        .expect("csv");
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/csv"));

    // Recompute: bureau administrators, closed days only; audited.
    let yesterday = (Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let body = json!({"from": yesterday, "to": yesterday});
    let r = officer
        .post(api("/indicators/recompute"))
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let today = (Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let r = admin
        .post(api("/indicators/recompute"))
        .json(&json!({"from": yesterday, "to": today}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let r = admin
        .post(api("/indicators/recompute"))
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let run: Value = r.json().await.expect("run summary");
    assert_eq!(run["days"].as_array().map(Vec::len), Some(1), "{run}");
    let (_, audit) = get_json(&admin, &api("/audit?limit=20")).await;
    assert!(
        audit.to_string().contains("indicators.recompute"),
        "{audit}"
    );

    // Parameters: a bad target names its field; officers may not change them.
    let (_, mut cfg) = get_json(&admin, &api("/indicators/settings")).await;
    cfg["targets"]["online_rate"] = json!(95);
    let r = admin
        .put(api("/indicators/settings"))
        .json(&cfg)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap_or_default()
        .contains("targets.online_rate"));
    let r = officer
        .put(api("/indicators/settings"))
        .json(&cfg)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 403);

    // The console page as the officer: their enterprise's row with the same figure, its
    // vehicles, and the vehicle-day's drill-down naming the out-of-range altitude.
    if let Some(chromium) = common::chromium_or_skip() {
        let envs = vec![
            ("BASE_URL", s.base.clone()),
            ("USERNAME", "officer".to_string()),
            ("PASSWORD", common::PASSWORD.to_string()),
            ("ENTERPRISE_ID", own.to_string()),
            ("VEHICLE_ID", a.vehicle_id.to_string()),
            ("EXPECT_QUALIFIED", "5 / 6".to_string()),
            ("EXPECT_TEXT", "高程超出范围".to_string()),
            ("ONLY_OWN", "1".to_string()),
            ("CHROMIUM", chromium.to_string_lossy().to_string()),
        ];
        let out = tokio::task::spawn_blocking(move || common::node_script("indicators.mjs", &envs))
            .await
            .expect("browser task");
        assert!(out.contains("OK indicators"), "{out}");
        // The administrator sets the 上线率 target to 96 % in the parameters dialog.
        let envs = vec![
            ("BASE_URL", s.base.clone()),
            ("USERNAME", "admin".to_string()),
            ("PASSWORD", common::PASSWORD.to_string()),
            ("ENTERPRISE_ID", own.to_string()),
            ("VEHICLE_ID", a.vehicle_id.to_string()),
            ("EXPECT_QUALIFIED", "5 / 6".to_string()),
            ("EXPECT_TEXT", "高程超出范围".to_string()),
            ("SETTINGS_ONLINE", "96".to_string()),
            ("CHROMIUM", chromium.to_string_lossy().to_string()),
        ];
        let out = tokio::task::spawn_blocking(move || common::node_script("indicators.mjs", &envs))
            .await
            .expect("browser task");
        assert!(out.contains("OK indicators"), "{out}");
        let (_, cfg) = get_json(&admin, &api("/indicators/settings")).await;
        assert!(
            (cfg["targets"]["online_rate"].as_f64().expect("target") - 0.96).abs() < 1e-9,
            "{cfg}"
        );
        assert_eq!(cfg["enterprise_score"]["speeding"], 25.0, "{cfg}");
        assert_eq!(
            cfg["record"]["lat_min"], 18_500_000,
            "degrees stored in 1e-6"
        );
        assert!(
            cfg["drift_jump_m"].is_null(),
            "cleared turns the rule off: {cfg}"
        );
        // What the dialog did not show is kept as it was.
        assert_eq!(cfg["record"]["lat_max"], 53_550_000, "{cfg}");
    }
    drop((ta, tb));
}
