//! 优良路率 and year-on-year transport figures against hand-computed values (real SQLite).

use serde_json::{json, Value};
use tongtu_records::agg::{pavement, stats};
use tongtu_records::{registers, store};
use tongtu_registry::Principal;

mod common;

async fn put(db: &sqlx::SqlitePool, key: &str, body: Value) {
    let r = registers::get(key).expect("declared");
    store::create(db, &Principal::system(), r, &body)
        .await
        .unwrap_or_else(|e| panic!("{key}: {e} ({body})"));
}

#[tokio::test]
async fn good_road_rate_per_class_and_county() {
    let d = common::db().await;
    let db = d.pool.clone();
    // 县道 in 江城区 (1): 10 km 优 + 5 km 良 + 5 km 中 → 75 %; in 阳东区 (2): 4 km 差 → 0 %.
    // 乡道: 3 km 良 + 1 km 次 → 75 %. A 2024 survey is not counted in 2025.
    let rows = [
        ("S1", "county", 1, 2025, 10.0, "excellent"),
        ("S2", "county", 1, 2025, 5.0, "good"),
        ("S3", "county", 1, 2025, 5.0, "fair"),
        ("S4", "county", 2, 2025, 4.0, "bad"),
        ("S5", "township", 1, 2025, 3.0, "good"),
        ("S6", "township", 2, 2025, 1.0, "poor"),
        ("S1", "county", 1, 2024, 10.0, "poor"),
    ];
    for (code, class, county, year, km, grade) in rows {
        put(&db, "pavement_surveys", json!({"section_code": code, "road_name": format!("路段{code}"),
            "road_class": class, "county_id": county, "year": year, "length_km": km, "grade": grade, "mqi": 85,
            "survey_date": format!("{year}-05-01")})).await;
    }
    let s = pavement::good_rate(&db, &Principal::system(), 2025)
        .await
        .expect("rate");
    let class = |c: &str| {
        s.by_class
            .iter()
            .find(|r| r.class.as_deref() == Some(c))
            .cloned()
    };
    let county = class("county").expect("县道");
    assert_eq!(
        (county.surveyed_km, county.good_km, county.rate),
        (24.0, 15.0, Some(62.5))
    );
    assert_eq!(class("township").and_then(|r| r.rate), Some(75.0));
    assert!(
        class("village").is_none(),
        "no 村道 surveyed: no rate rather than 0 %"
    );
    let cc: Vec<(Option<i64>, Option<String>, Option<f64>)> = s
        .by_county_class
        .iter()
        .filter(|r| r.class.as_deref() == Some("county"))
        .map(|r| (r.county_id, r.county.clone(), r.rate))
        .collect();
    assert_eq!(
        cc,
        [
            (Some(1), Some("江城区".into()), Some(75.0)),
            (Some(2), Some("阳东区".into()), Some(0.0))
        ]
    );
    assert_eq!(s.total.rate, Some(64.3)); // 18 / 28
}

#[tokio::test]
async fn cumulative_and_year_on_year_by_mode() {
    let d = common::db().await;
    let db = d.pool.clone();
    // Road, 江城区 and 阳东区, Jan–Mar of 2025 and 2026 (April 2026 beyond `through`).
    let put_stat = |m: &str, county: i64, mode: &str, pv: f64, fv: f64| {
        let body = json!({"month": m, "county_id": county, "mode": mode, "passenger_volume": pv,
            "passenger_km": pv * 50.0, "freight_volume": fv, "tonne_km": fv * 80.0});
        let db = db.clone();
        async move { put(&db, "transport_stats", body).await }
    };
    for (m, pv, fv) in [
        ("2025-01", 100.0, 50.0),
        ("2025-02", 120.0, 40.0),
        ("2025-03", 80.0, 60.0),
        ("2026-01", 90.0, 55.0),
        ("2026-02", 100.0, 45.0),
        ("2026-03", 70.0, 62.0),
        ("2026-04", 999.0, 999.0),
    ] {
        put_stat(m, 1, "road", pv, fv).await;
        put_stat(m, 2, "road", pv / 2.0, fv / 2.0).await;
    }
    put_stat("2026-02", 1, "waterway", 3.0, 10.0).await;
    put(
        &db,
        "port_throughput",
        json!({"month": "2025-02", "port_area": "shaba", "cargo": "coal", "tonnes": 100}),
    )
    .await;
    let s = stats::transport(&db, &Principal::system(), 2026, Some("2026-03"))
        .await
        .expect("summary");
    let road = s.modes.iter().find(|m| m.mode == "road").expect("road");
    let pv = &road.measures[0];
    // 2026: (90 + 100 + 70) × 1.5 = 390; 2025: (100 + 120 + 80) × 1.5 = 450 → −13.3 %.
    assert_eq!(
        (pv.cumulative, pv.previous, pv.yoy_pct, pv.month),
        (390.0, 450.0, Some(-13.3), 105.0)
    );
    let fv = &road.measures[2];
    // 2026: (55 + 45 + 62) × 1.5 = 243; 2025: 150 × 1.5 = 225 → +8.0 %.
    assert_eq!(
        (fv.cumulative, fv.previous, fv.yoy_pct),
        (243.0, 225.0, Some(8.0))
    );
    let water = s
        .modes
        .iter()
        .find(|m| m.mode == "waterway")
        .expect("waterway");
    assert!(water.reported);
    assert_eq!(
        water.measures[0].yoy_pct, None,
        "no 2025 waterway rows: no YoY, not +∞"
    );
    let rail = s
        .modes
        .iter()
        .find(|m| m.mode == "railway")
        .expect("railway");
    assert!(
        !rail.reported,
        "no railway data is reported as such, not as 0"
    );
    assert!(!s.port.reported && s.port.yoy_pct.is_none(), "{:?}", s.port);
    assert!(s.flags.is_empty(), "{:?}", s.flags);
}
