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
    // Every figure names its records; a filtered link shows exactly those records.
    let mut filtered = 0;
    for f in rep["figures"].as_array().into_iter().flatten() {
        assert!(f["source"].is_string() && f["records"].is_i64(), "{f}");
        let link = f["link"].as_str().unwrap_or_default();
        if f["link_filtered"] != true || !link.contains("?r=") {
            continue;
        }
        let query = link.split_once("?r=").map_or("", |x| x.1);
        let (key, filters) = query.split_once('&').unwrap_or((query, ""));
        let (st, page) = get_json(&admin, &api(&format!("/records/{key}?limit=1&{filters}"))).await;
        assert_eq!(st, 200, "{link}: {page}");
        assert_eq!(page["total"], f["records"], "{}: {link}", f["id"]);
        filtered += 1;
    }
    assert!(filtered >= 20, "{filtered} figures with filtered links");

    // The date the resumption rate reached 100 %: the first report date of the year on
    // which every sector's latest report had all back.
    let reports = rows(&admin, &s.base, "resumption_progress").await;
    let mut dates: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["report_date"].as_str())
        // January to the end of the half.
        .filter(|d| d.starts_with(&year.to_string()) && d[5..7].parse::<u32>().unwrap_or(13) <= m1)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let full = dates.iter().find(|d| {
        let mut latest: std::collections::HashMap<&str, (&str, i64, i64)> = Default::default();
        for r in &reports {
            let (Some(rd), Some(sector)) = (r["report_date"].as_str(), r["sector"].as_str()) else {
                continue;
            };
            if rd.starts_with(&year.to_string()) && rd <= **d {
                let e = latest.entry(sector).or_insert((rd, 0, 0));
                if rd >= e.0 {
                    *e = (
                        rd,
                        r["resumed"].as_i64().unwrap_or(0),
                        r["total"].as_i64().unwrap_or(0),
                    );
                }
            }
        }
        latest.values().all(|(_, resumed, total)| resumed >= total)
    });
    let f = figure(&rep, "resumption_full_date");
    match full {
        Some(d) => {
            let n: f64 = d.replace('-', "").parse().unwrap_or(0.0);
            assert_eq!(f["value"].as_f64(), Some(n), "{f}");
            let (m, day) = (
                d[5..7].trim_start_matches('0'),
                d[8..10].trim_start_matches('0'),
            );
            assert_eq!(f["text"], format!("{m}月{day}日"), "{f}");
        }
        None => assert!(f["value"].is_null(), "{f}"),
    }

    // Road freight recovery against the base year's same half.
    let base = rep["period"]["base_year"].as_i64().unwrap_or(0) as i32;
    let freight_of = |y: i32| -> f64 {
        stats
            .iter()
            .filter(|r| r["mode"] == "road")
            .filter(|r| {
                r["month"].as_str().is_some_and(|m| {
                    m[..4] == y.to_string()
                        && (m0..=m1).contains(&m[5..7].parse::<u32>().unwrap_or(0))
                })
            })
            .filter_map(|r| r["freight_volume"].as_f64())
            .sum()
    };
    let recovery = freight_of(year) * 100.0 / freight_of(base);
    let f = figure(&rep, "road_freight_recovery");
    assert!(
        (f["value"].as_f64().unwrap_or(-1.0) - recovery).abs() < 0.051,
        "{f} vs {recovery}"
    );

    // Named bridge repairs: each item is its record, with the record's progress.
    let repairs = rep["lists"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == "bridge_repairs"))
        .expect("bridge_repairs list");
    let items = repairs["items"].as_array().cloned().unwrap_or_default();
    assert!(!items.is_empty(), "{repairs}");
    for item in &items {
        let (st, rec) = get_json(
            &admin,
            &api(&format!(
                "/records/bridge_reinforcements/{}",
                item["record"]
            )),
        )
        .await;
        assert_eq!(st, 200, "{rec}");
        let progress = item["cells"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["key"] == "progress"))
            .map(|c| c["value"].clone())
            .unwrap_or_default();
        // Printed to whole percent; unknown at the period's end for a project finished after it.
        let to_date = format!("{year}-{m1:02}-{}", if m1 == 6 { 30 } else { 31 });
        if progress.is_null() {
            assert!(
                rec["status"] == "done"
                    && rec["completion_date"]
                        .as_str()
                        .is_some_and(|d| d > to_date.as_str()),
                "{item} vs {rec}"
            );
        } else {
            assert_eq!(
                progress.as_f64(),
                rec["progress"].as_f64().map(f64::round),
                "{item} vs {rec}"
            );
        }
    }

    // The DOCX: a package whose text carries every figure's printed text.
    let docx = admin
        .get(api(&format!("/report/half-year?{q}&format=docx")))
        .send()
        .await
        .expect("docx");
    assert_eq!(docx.status(), 200);
    let docx_h1 = docx.bytes().await.expect("bytes").to_vec();
    let paragraphs = tongtu_report::docx::text_of(&docx_h1).expect("a readable DOCX");
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
    // The bridge repairs table: every item's project name is in the DOCX.
    for item in &items {
        let project = item["cells"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["key"] == "project"))
            .and_then(|c| c["text"].as_str())
            .unwrap_or_default()
            .to_string();
        assert!(text.contains(&project), "DOCX lacks {project}");
    }
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
        html.contains(&format!(
            "/#/records/stats?r=transport_stats&amp;mode=road&amp;month_from={year}-{m0:02}&amp;month_to={year}-{m1:02}"
        )),
        "filtered source link"
    );
    let first = &items[0]["record"];
    assert!(html.contains(&format!("<tr id=\"src-list-bridge_repairs-{first}\"")));
    assert!(html.contains(&format!(
        "/#/records/roads?r=bridge_reinforcements&amp;id={first}"
    )));

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
    let new_case = serde_json::json!({"case_no": "IT-REPORT-1", "filed_on": day, "case_type": "road_transport",
        "violation": "illegal_operation", "source": "patrol", "status": "filed", "party": "测试"});
    let r = admin
        .post(api("/records/enforcement_cases"))
        .json(&new_case)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let case: Value = r.json().await.expect("the new case");
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
    // An edit that leaves every count alike is still a changed input.
    let mut edited = new_case.clone();
    edited["party"] = Value::from("测试（更正）");
    let r = admin
        .put(api(&format!("/records/enforcement_cases/{}", case["id"])))
        .json(&edited)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let (_, third) = get_json(&admin, &api(&format!("/report/half-year?{q}"))).await;
    let total = third["checks"]["changed"]
        .as_array()
        .and_then(|c| c.iter().find(|x| x["id"] == "cases_total"))
        .cloned()
        .unwrap_or_default();
    assert!(
        total["before"] == total["after"] && total["edited_at"].is_string(),
        "{}",
        third["checks"]
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
        let pages = pdf_pages(&pdf);
        assert!(pages >= 3, "{pages} pages");
    }

    // The DOCX opens in LibreOffice (what a Word user gets) and renders to A4 pages. CI
    // installs LibreOffice and sets TONGTU_REQUIRE_LIBREOFFICE=1, so there this cannot skip.
    match tongtu_report::report::libreoffice() {
        None if std::env::var("TONGTU_REQUIRE_LIBREOFFICE").is_ok_and(|v| v == "1") => {
            panic!("TONGTU_REQUIRE_LIBREOFFICE=1 but soffice is not installed")
        }
        None => eprintln!("DOCX rendering skipped: LibreOffice (soffice) is not installed"),
        Some(_) => {
            let pdf =
                tokio::task::spawn_blocking(move || tongtu_report::report::docx_to_pdf(&docx_h1))
                    .await
                    .expect("task")
                    .expect("LibreOffice renders the DOCX");
            // Kept for a look when an assertion fails.
            let kept = std::env::temp_dir().join("tongtu-report-libreoffice.pdf");
            let _ = std::fs::write(&kept, &pdf);
            let pages = pdf_pages(&pdf);
            // About seven pages of text, tables and three charts.
            assert!(
                (4..=20).contains(&pages),
                "{pages} pages ({})",
                kept.display()
            );
            let text = String::from_utf8_lossy(&pdf);
            assert!(
                // 210 × 297 mm in points.
                text.contains("MediaBox[0 0 595.3") && text.contains(" 841.8"),
                "A4 pages ({})",
                kept.display()
            );
        }
    }
}

/// Pages of a PDF: its `/Type /Page` objects (with or without the space), not `/Pages`.
fn pdf_pages(pdf: &[u8]) -> usize {
    [&b"/Type /Page"[..], &b"/Type/Page"[..]]
        .iter()
        .map(|pat| {
            pdf.windows(pat.len() + 1)
                .filter(|w| w.starts_with(pat) && w[pat.len()] != b's')
                .count()
        })
        .sum()
}
