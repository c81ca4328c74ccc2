//! The bureau's registers through the real binary: `tongtu demo` seeds 18+ months of every
//! register through the import path; the schema endpoint per role; create, 422 and 403 over
//! HTTP; Excel template, export → import round trip and a bad sheet over HTTP; the
//! key-project figures against the same figures computed here from the API's rows; the
//! OpenAPI document; then the generic console page in headless Chromium.

mod common;

use std::collections::HashMap;

use common::{get_json, login, start_with};
use serde_json::{json, Value};

async fn all_rows(c: &reqwest::Client, base: &str, key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (st, page) = get_json(
            c,
            &format!("{base}/api/v1/records/{key}?limit=500&cursor={cursor}"),
        )
        .await;
        assert_eq!(st, 200, "{key}: {page}");
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(n) => cursor = n.to_string(),
            None => return out,
        }
    }
}

fn multipart(bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("sheet.xlsx"),
    )
}

#[tokio::test]
async fn registers_seeded_served_exported_and_imported() {
    let s = start_with(30, &["--no-fleet"]);
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let admin = login(&s, "admin").await;
    let officer = login(&s, "officer").await;

    // The schema: every register for the bureau; enterprise users see no bureau register.
    let (st, schema) = get_json(&admin, &api("/records/schema")).await;
    assert_eq!(st, 200, "{schema}");
    let checkpoints = schema["registers"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["key"] == "checkpoints"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        checkpoints["rules"],
        serde_json::json!([{"kind": "not_before", "from": "start_date", "to": "end_date"}]),
        "{checkpoints}"
    );
    let keys = |v: &Value| -> Vec<String> {
        v["registers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["key"].as_str().map(String::from))
            .collect()
    };
    let all = keys(&schema);
    assert!(all.len() >= 25, "{all:?}");
    let (_, mine) = get_json(&officer, &api("/records/schema")).await;
    let mine = keys(&mine);
    assert!(!mine.contains(&"projects".to_string()), "{mine:?}");
    assert!(
        mine.contains(&"bus_routes".to_string()),
        "public registers are readable: {mine:?}"
    );
    assert_eq!(get_json(&officer, &api("/records/projects")).await.0, 403);
    assert_eq!(
        get_json(&officer, &api("/records/projects/template"))
            .await
            .0,
        403
    );
    assert_eq!(get_json(&admin, &api("/records/nonsense")).await.0, 404);

    // Demo data: every register has rows; monthly registers span at least 18 months.
    for key in &all {
        let (st, page) = get_json(&admin, &api(&format!("/records/{key}?limit=1"))).await;
        assert_eq!(st, 200, "{key}: {page}");
        assert!(
            page["total"].as_i64().unwrap_or(0) > 0,
            "{key} has no demo rows"
        );
    }
    let months: std::collections::BTreeSet<String> =
        all_rows(&admin, &s.base, "project_investments")
            .await
            .iter()
            .filter_map(|r| r["month"].as_str().map(String::from))
            .collect();
    assert!(months.len() >= 18, "{months:?}");

    // Create over HTTP: 422 names the fields, 201 returns the row with labels; audited.
    let r = admin
        .post(api("/records/subsidies"))
        .json(&json!({"year": 2026, "level": "moon"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.expect("json");
    let fields: Vec<&str> = e["error"]["details"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"level") && fields.contains(&"name") && fields.contains(&"amount"),
        "{e}"
    );
    let r = admin
        .post(api("/records/subsidies"))
        .json(
            &json!({"year": 2026, "level": "ministry", "name": "集成测试补助", "amount": 123.456}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let row: Value = r.json().await.expect("row");
    assert_eq!(row["amount"], json!(123.46));
    assert_eq!(row["_display"]["level"], "交通运输部");
    let r = officer
        .post(api("/records/subsidies"))
        .json(&row)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let (_, audit) = get_json(&admin, &api("/audit?limit=5")).await;
    assert!(audit.to_string().contains("集成测试补助"), "{audit}");

    // Export → import into the same server: every row matches its natural key.
    let xlsx = admin
        .get(api("/records/project_investments/export"))
        .send()
        .await
        .expect("export");
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.expect("bytes").to_vec();
    let r = admin
        .post(api("/records/project_investments/import"))
        .multipart(multipart(bytes))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    let n: Value = r.json().await.expect("json");
    assert_eq!(n["inserted"], 0, "{n}");
    assert_eq!(
        n["updated"].as_u64(),
        Some(months_rows(&admin, &s.base).await),
        "{n}"
    );

    // A bad sheet: the template with two bad rows → 422 with the cells, nothing written.
    let t = admin
        .get(api("/records/subsidies/template"))
        .send()
        .await
        .expect("template");
    assert_eq!(t.status(), 200);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["年度*", "下达单位*", "资金名称*", "金额（万元）*"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).expect("h");
    }
    for (c, v) in ["2026", "交通运输部", "好的一行", "10"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).expect("c");
    }
    for (c, v) in ["1800", "月球", "坏的一行", "abc"].iter().enumerate() {
        ws.write_string(2, c as u16, *v).expect("c");
    }
    let before = all_rows(&admin, &s.base, "subsidies").await.len();
    let r = admin
        .post(api("/records/subsidies/import"))
        .multipart(multipart(wb.save_to_buffer().expect("xlsx")))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.expect("json");
    let cells: Vec<(u64, String)> = e["error"]["details"]["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["row"].as_u64().unwrap_or(0),
                c["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [(3, "A".into()), (3, "B".into()), (3, "D".into())],
        "{e}"
    );
    assert_eq!(
        all_rows(&admin, &s.base, "subsidies").await.len(),
        before,
        "nothing imported"
    );
    let (_, metrics) = (
        0,
        admin
            .get(format!("{}/metrics", s.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .unwrap_or_default(),
    );
    assert!(
        metrics.contains("record.subsidies"),
        "import counted in metrics"
    );

    // Figures: the key-project summary equals the same sums over the API's rows.
    let year = months
        .iter()
        .next_back()
        .and_then(|m| m.get(..4))
        .and_then(|y| y.parse::<i32>().ok())
        .expect("year");
    let (st, fig) = get_json(&admin, &api(&format!("/figures/projects?year={year}"))).await;
    assert_eq!(st, 200, "{fig}");
    let inv = all_rows(&admin, &s.base, "project_investments").await;
    let plans = all_rows(&admin, &s.base, "project_plans").await;
    let funding = all_rows(&admin, &s.base, "project_funding").await;
    let projects = all_rows(&admin, &s.base, "projects").await;
    let mut done: HashMap<i64, f64> = HashMap::new();
    for r in &inv {
        if r["month"]
            .as_str()
            .is_some_and(|m| m.starts_with(&format!("{year}-")))
        {
            *done
                .entry(r["project_id"].as_i64().unwrap_or(0))
                .or_default() += r["completed"].as_f64().unwrap_or(0.0);
        }
    }
    let total_done: f64 = done.values().sum();
    let total_plan: f64 = plans
        .iter()
        .filter(|p| p["year"] == year)
        .filter_map(|p| p["planned_investment"].as_f64())
        .sum();
    let mut secured: HashMap<i64, f64> = HashMap::new();
    for f in &funding {
        *secured
            .entry(f["project_id"].as_i64().unwrap_or(0))
            .or_default() += f["secured"].as_f64().unwrap_or(0.0);
    }
    let gap: f64 = projects
        .iter()
        .map(|p| {
            let id = p["id"].as_i64().unwrap_or(0);
            (p["total_investment"].as_f64().unwrap_or(0.0)
                - secured.get(&id).copied().unwrap_or(0.0))
            .max(0.0)
        })
        .sum();
    let close = |a: f64, b: f64| (a - b).abs() < 0.011;
    assert!(
        close(
            fig["total"]["completed_year"].as_f64().unwrap_or(-1.0),
            total_done
        ),
        "{} vs {total_done}",
        fig["total"]
    );
    assert!(
        close(
            fig["total"]["plan_year"].as_f64().unwrap_or(-1.0),
            total_plan
        ),
        "{}",
        fig["total"]
    );
    assert!(
        close(fig["total"]["gap"].as_f64().unwrap_or(-1.0), gap),
        "{} vs {gap}",
        fig["total"]
    );
    assert!(gap > 0.0, "the demo leaves some projects short of funding");
    assert_eq!(
        get_json(&admin, &api("/figures/projects?through=2020-13"))
            .await
            .0,
        400
    );
    assert_eq!(get_json(&officer, &api("/figures/projects")).await.0, 403);

    // Transport statistics: road passenger volume Jan–Jun and its YoY, from the rows.
    let stats = all_rows(&admin, &s.base, "transport_stats").await;
    let sum = |y: i32| -> f64 {
        stats
            .iter()
            .filter(|r| r["mode"] == "road")
            .filter(|r| {
                r["month"].as_str().is_some_and(|m| {
                    m >= format!("{y}-01").as_str() && m <= format!("{y}-06").as_str()
                })
            })
            .filter_map(|r| r["passenger_volume"].as_f64())
            .sum()
    };
    let (st, tr) = get_json(
        &admin,
        &api(&format!("/figures/transport?year={year}&through={year}-06")),
    )
    .await;
    assert_eq!(st, 200, "{tr}");
    let road = tr["modes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["mode"] == "road")
        .expect("road");
    let pv = &road["measures"][0];
    assert!(
        close(pv["cumulative"].as_f64().unwrap_or(-1.0), sum(year)),
        "{pv} vs {}",
        sum(year)
    );
    let expect_yoy = (sum(year) - sum(year - 1)) / sum(year - 1) * 100.0;
    assert!(
        (pv["yoy_pct"].as_f64().unwrap_or(f64::NAN) - expect_yoy).abs() < 0.051,
        "{pv} vs {expect_yoy}"
    );
    // 优良路率 of 县道 in the latest survey year, from the rows.
    let surveys = all_rows(&admin, &s.base, "pavement_surveys").await;
    let py = surveys
        .iter()
        .filter_map(|r| r["year"].as_i64())
        .max()
        .expect("survey year");
    let county: Vec<&Value> = surveys
        .iter()
        .filter(|r| r["year"] == py && r["road_class"] == "county")
        .collect();
    let km: f64 = county.iter().filter_map(|r| r["length_km"].as_f64()).sum();
    let good: f64 = county
        .iter()
        .filter(|r| r["grade"] == "excellent" || r["grade"] == "good")
        .filter_map(|r| r["length_km"].as_f64())
        .sum();
    let (st, pav) = get_json(&admin, &api(&format!("/figures/pavement?year={py}"))).await;
    assert_eq!(st, 200, "{pav}");
    let c = pav["by_class"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["class"] == "county")
        .expect("县道");
    assert!(
        (c["rate"].as_f64().unwrap_or(-1.0) - good / km * 100.0).abs() < 0.051,
        "{c} vs {}",
        good / km * 100.0
    );

    // The online annual review: the enterprise submits, the bureau checks and approves,
    // and the vehicle's review date follows; the workflow's fields are not editable.
    let (_, me) = get_json(&officer, &api("/auth/me")).await;
    let own = me["user"]["enterprise_id"]
        .as_i64()
        .expect("officer enterprise");
    let (_, vs) = get_json(&officer, &api("/vehicles?limit=5")).await;
    let car = &vs["items"][0];
    assert!(
        car["id"].is_i64(),
        "the officer's enterprise has a vehicle: {vs}"
    );
    let reviews = all_rows(&officer, &s.base, "annual_reviews").await;
    assert!(
        reviews.iter().all(|r| r["enterprise_id"] == own),
        "officers see their own applications only"
    );
    let mut app = json!({"application_no": "NS-IT-0001", "enterprise_id": own, "vehicle_id": car["id"],
        "plate": car["plate"], "submitted_on": "2026-01-05", "documents": "行驶证、道路运输证", "status": "approved"});
    let r = officer
        .post(api("/records/annual_reviews"))
        .json(&app)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422, "an enterprise cannot approve itself");
    app["status"] = Value::Null;
    let r = officer
        .post(api("/records/annual_reviews"))
        .json(&app)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let (_, row) = get_json(&officer, &api("/records/annual_reviews?q=NS-IT-0001")).await;
    let row = row["items"][0].clone();
    assert_eq!(row["status"], "submitted");
    let id = row["id"].as_i64().expect("id");
    let mut edit = row.clone();
    edit["valid_until"] = json!("2030-01-01");
    let r = officer
        .put(api(&format!("/records/annual_reviews/{id}")))
        .json(&edit)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 422);
    let review = |c: &reqwest::Client, body: Value| {
        let c = c.clone();
        let url = api(&format!("/annual-reviews/{id}/review"));
        async move { c.post(url).json(&body).send().await.expect("review") }
    };
    assert_eq!(
        review(&officer, json!({"action": "check"})).await.status(),
        403
    );
    let far = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        review(&admin, json!({"action": "approve", "valid_until": far}))
            .await
            .status(),
        409,
        "check first"
    );
    assert_eq!(
        review(&admin, json!({"action": "check"})).await.status(),
        200
    );
    assert_eq!(
        review(
            &admin,
            json!({"action": "approve", "valid_until": "2020-01-01"})
        )
        .await
        .status(),
        422
    );
    assert_eq!(review(&admin, json!({"action": "fly"})).await.status(), 400);
    let r = review(&admin, json!({"action": "approve", "valid_until": far})).await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.expect("row");
    assert_eq!(
        (done["status"].as_str(), done["valid_until"].as_str()),
        (Some("approved"), Some(far.as_str()))
    );
    let (_, v) = get_json(&officer, &api(&format!("/vehicles/{}", car["id"]))).await;
    assert_eq!(v["review_valid_until"], json!(far), "{v}");
    assert_eq!(
        review(&admin, json!({"action": "reject", "reason": "x"}))
            .await
            .status(),
        409
    );

    // GTFS: the operating routes as a feed, which imports back unchanged.
    let feed = admin.get(api("/transit/gtfs")).send().await.expect("gtfs");
    assert_eq!(feed.status(), 200);
    let feed = feed.bytes().await.expect("zip").to_vec();
    assert!(feed.starts_with(b"PK"), "a zip");
    let feed_path = s.dir.join("feed.zip");
    std::fs::write(&feed_path, &feed).expect("feed");
    let r = admin
        .post(api("/transit/gtfs"))
        .multipart(multipart(feed))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let r = officer
        .post(api("/transit/gtfs"))
        .multipart(multipart(b"not a zip".to_vec()))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 403, "the bureau imports timetables");

    // OpenAPI: every register's routes and schema, derived from the declaration.
    let (_, doc) = get_json(&admin, &api("/openapi.json")).await;
    assert!(
        doc["paths"]["/api/v1/records/projects"]["get"].is_object(),
        "paths"
    );
    let props = &doc["components"]["schemas"]["Record_projects"]["properties"];
    assert_eq!(
        props["kind"]["enum"].as_array().map(Vec::len),
        Some(7),
        "{props}"
    );

    // The generic page in a real browser.
    if let Some(chromium) = common::chromium_or_skip() {
        let mut bad = rust_xlsxwriter::Workbook::new();
        let ws = bad.add_worksheet();
        for (c, h) in [
            "项目编号*",
            "项目名称*",
            "项目类别*",
            "总投资（万元）*",
            "建设状态*",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).expect("h");
        }
        for (c, v) in ["E2E-BAD", "坏行", "太空港", "-1", "在建"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, c as u16, *v).expect("c");
        }
        let bad_path = s.dir.join("bad.xlsx");
        std::fs::write(&bad_path, bad.save_to_buffer().expect("xlsx")).expect("write");
        let envs = vec![
            ("BASE_URL", s.base.clone()),
            ("USERNAME", "admin".to_string()),
            ("PASSWORD", common::PASSWORD.to_string()),
            ("REGISTER_GROUP", "projects".to_string()),
            ("REGISTER_KEY", "projects".to_string()),
            ("BAD_XLSX", bad_path.to_string_lossy().to_string()),
            ("GTFS_ZIP", feed_path.to_string_lossy().to_string()),
            ("RULE_CHECK", "1".to_string()),
            ("CHROMIUM", chromium.to_string_lossy().to_string()),
        ];
        let figure_envs = vec![
            ("BASE_URL", s.base.clone()),
            ("USERNAME", "admin".to_string()),
            ("PASSWORD", common::PASSWORD.to_string()),
            ("YEAR", year.to_string()),
            ("THROUGH", format!("{year}-06")),
            ("CHROMIUM", chromium.to_string_lossy().to_string()),
        ];
        let out = tokio::task::spawn_blocking(move || common::node_script("records.mjs", &envs))
            .await
            .expect("browser task");
        assert!(
            out.contains("OK records")
                && out.contains("gtfs: ")
                && out.contains("import: ")
                && out.contains("rule: "),
            "{out}"
        );
        // The 统计分析 page shows what the figures API computes.
        let out =
            tokio::task::spawn_blocking(move || common::node_script("figures.mjs", &figure_envs))
                .await
                .expect("browser task");
        assert!(out.contains("OK figures"), "{out}");
    }
}

async fn months_rows(c: &reqwest::Client, base: &str) -> u64 {
    all_rows(c, base, "project_investments").await.len() as u64
}
