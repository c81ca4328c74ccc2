//! The half-year report from the demo's data through the real binary: every figure of the
//! DOCX and the HTML equals the JSON's, and key figures equal the same sums computed here
//! from the registers' API; a period without records flags its figures as missing rather
//! than printing zero; a broken template is reported with its line and column; the DOCX is
//! a well-formed package; the PDF (when Chromium is installed) has pages.

mod common;

use chrono::Datelike;
use common::{get_json, login, start_with};
use serde_json::Value;

async fn rows(c: &reqwest::Client, base: &str, key: &str) -> Vec<Value> {
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

fn figure<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["figures"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["id"] == id))
        .unwrap_or_else(|| panic!("figure {id}"))
}

#[tokio::test]
async fn half_year_report_figures_are_traceable_and_equal_the_data() {
    let s = start_with(30, &["--no-fleet"]);
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let admin = login(&s, "admin").await;
    let officer = login(&s, "officer").await;
    // The last closed half year.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let (year, half) = if today.month() > 6 {
        (today.year(), 1)
    } else {
        (today.year() - 1, 2)
    };
    let (m0, m1) = if half == 1 { (1, 6) } else { (7, 12) };
    let q = format!("year={year}&half={half}");

    let (st, rep) = get_json(&admin, &api(&format!("/report/half-year?{q}&format=json"))).await;
    assert_eq!(st, 200, "{rep}");
    assert_eq!(
        get_json(&officer, &api(&format!("/report/half-year?{q}")))
            .await
            .0,
        403
    );
    assert_eq!(
        get_json(&admin, &api("/report/half-year?half=3")).await.0,
        400
    );

    // Independently: road passenger volume of the half, cases opened, subsidies of the year.
    let in_half = |m: &str| {
        let (y, mm) = (
            m[..4].parse::<i32>().unwrap_or(0),
            m[5..7].parse::<u32>().unwrap_or(0),
        );
        y == year && (m0..=m1).contains(&mm)
    };
    let stats = rows(&admin, &s.base, "transport_stats").await;
    let road: f64 = stats
        .iter()
        .filter(|r| r["mode"] == "road" && r["month"].as_str().is_some_and(in_half))
        .filter_map(|r| r["passenger_volume"].as_f64())
        .sum();
    let f = figure(&rep, "road_passengers");
    assert!(
        (f["value"].as_f64().unwrap_or(-1.0) - road).abs() < 0.051,
        "{f} vs {road}"
    );
    let cases = rows(&admin, &s.base, "enforcement_cases").await;
    let n = cases
        .iter()
        .filter(|c| c["filed_on"].as_str().is_some_and(|d| in_half(&d[..7])))
        .count();
    assert_eq!(
        figure(&rep, "cases_total")["value"].as_f64(),
        Some(n as f64)
    );
    let subsidies: f64 = rows(&admin, &s.base, "subsidies")
        .await
        .iter()
        .filter(|r| r["year"] == year)
        .filter_map(|r| r["amount"].as_f64())
        .sum();
    assert!(
        (figure(&rep, "subsidies_total")["value"]
            .as_f64()
            .unwrap_or(-1.0)
            - subsidies)
            .abs()
            < 0.51
    );
    let (_, vehicles) = get_json(&admin, &api("/vehicles?limit=500")).await;
    let active = vehicles["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["status"] == "active")
        .count();
    assert_eq!(
        figure(&rep, "key_vehicles")["value"].as_f64(),
        Some(active as f64)
    );
    // Every figure names its records.
    for f in rep["figures"].as_array().into_iter().flatten() {
        assert!(f["source"].is_string() && f["records"].is_i64(), "{f}");
    }

    // The DOCX: a package whose text carries every figure's printed text.
    let docx = admin
        .get(api(&format!("/report/half-year?{q}&format=docx")))
        .send()
        .await
        .expect("docx");
    assert_eq!(docx.status(), 200);
    let bytes = docx.bytes().await.expect("bytes").to_vec();
    let paragraphs = tongtu_report::docx::text_of(&bytes).expect("a readable DOCX");
    let text = paragraphs.join("\n");
    assert!(paragraphs[0].contains("工作总结"), "{:?}", &paragraphs[..3]);
    let doc = &rep["document"];
    let mut checked = 0;
    for b in doc["blocks"].as_array().into_iter().flatten() {
        for i in b["inlines"].as_array().into_iter().flatten() {
            if i["type"] == "figure" {
                let t = i["text"].as_str().unwrap_or("");
                assert!(text.contains(t), "DOCX lacks figure {} = {t}", i["id"]);
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "{checked} figures in the text");
    let road_text = figure(&rep, "road_passengers")["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        text.contains(&format!("公路完成客运量{road_text}万人次")),
        "{road_text}"
    );

    // The HTML: each figure linked to its source row, with the value.
    let html = admin
        .get(api(&format!("/report/half-year?{q}&format=html")))
        .send()
        .await
        .expect("html");
    assert_eq!(html.status(), 200);
    let html = html.text().await.expect("text");
    assert!(html.contains("id=\"use-road_passengers\" href=\"#src-road_passengers\""));
    assert!(html.contains(&format!(
        "<tr id=\"src-road_passengers\" data-figure=\"road_passengers\" data-value=\"{}\"",
        figure(&rep, "road_passengers")["value"]
    )));
    assert!(
        html.contains("/#/records/stats?r=transport_stats"),
        "source link"
    );

    // A period without records: figures flagged as missing, never printed as 0.
    let (_, empty) = get_json(&admin, &api("/report/half-year?year=2011&half=1")).await;
    let f = figure(&empty, "road_passengers");
    assert!(f["value"].is_null() && f["missing"].is_string(), "{f}");
    let missing = empty["checks"]["missing"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(missing > 30, "{missing}");
    let docx = admin
        .get(api("/report/half-year?year=2011&half=1&format=docx"))
        .send()
        .await
        .expect("docx");
    let text = tongtu_report::docx::text_of(&docx.bytes().await.expect("b"))
        .expect("docx")
        .join("\n");
    assert!(
        text.contains("【缺数据：公路客运量"),
        "missing flagged in the DOCX"
    );

    // Generated twice: the second run lists what changed since (a new case was filed).
    let (_, first) = get_json(&admin, &api(&format!("/report/half-year?{q}"))).await;
    assert!(
        first["checks"]["changed"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{}",
        first["checks"]
    );
    let day = format!("{year}-{m0:02}-15");
    let r = admin
        .post(api("/records/enforcement_cases"))
        .json(&serde_json::json!({"case_no": "IT-REPORT-1", "filed_on": day, "case_type": "road_transport",
            "violation": "illegal_operation", "source": "patrol", "status": "filed", "party": "测试"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let (_, second) = get_json(&admin, &api(&format!("/report/half-year?{q}"))).await;
    let changed: Vec<&str> = second["checks"]["changed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        changed.contains(&"cases_total") && changed.contains(&"cases_road_transport"),
        "{changed:?}"
    );

    // A broken template in the data directory: 422 with line and column.
    let path = s.dir.join("report").join("half-year.md.j2");
    let good = std::fs::read_to_string(&path).expect("the template was written on first use");
    std::fs::write(&path, format!("{good}\n{{% if %}}\n")).expect("write");
    let (st, e) = get_json(&admin, &api(&format!("/report/half-year?{q}&format=docx"))).await;
    assert_eq!(st, 422, "{e}");
    let lines = good.lines().count() as u64;
    assert_eq!(
        e["error"]["details"]["line"].as_u64(),
        Some(lines + 2),
        "{e}"
    );
    assert!(
        e["error"]["details"]["column"]
            .as_u64()
            .is_some_and(|c| c >= 1),
        "{e}"
    );
    std::fs::write(&path, good).expect("restore");

    // The 工作总结 page in a real browser: the preview's figures, a figure's sources, a download.
    if let Some(chromium) = common::chromium_or_skip() {
        let envs = vec![
            ("BASE_URL", s.base.clone()),
            ("USERNAME", "admin".to_string()),
            ("PASSWORD", common::PASSWORD.to_string()),
            ("YEAR", year.to_string()),
            ("HALF", half.to_string()),
            ("CHROMIUM", chromium.to_string_lossy().to_string()),
        ];
        let out = tokio::task::spawn_blocking(move || common::node_script("report.mjs", &envs))
            .await
            .expect("browser task");
        assert!(out.contains("OK report"), "{out}");
    }

    // PDF through Chromium when it is installed.
    let skip = std::env::var("TONGTU_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if skip || tongtu_report::report::chromium().is_none() {
        eprintln!("PDF check skipped: no Chromium (or TONGTU_SKIP_BROWSER_TESTS=1)");
    } else {
        let pdf = admin
            .get(api(&format!("/report/half-year?{q}&format=pdf")))
            .send()
            .await
            .expect("pdf");
        assert_eq!(pdf.status(), 200);
        let pdf = pdf.bytes().await.expect("pdf");
        assert!(pdf.starts_with(b"%PDF"));
        let pages = pdf
            .windows(b"/Type /Page\n".len())
            .filter(|w| w.starts_with(b"/Type /Page") && !w.starts_with(b"/Type /Pages"))
            .count();
        assert!(pages >= 3, "{pages} pages");
    }
}
