//! API behaviour of the real server: authentication, throttling, CSRF, permissions,
//! enterprise scoping, validation, audit and all-or-nothing Excel import.

mod common;

use common::{client, get_json, login, start, vin_for, PASSWORD};
use serde_json::{json, Value};

#[tokio::test]
async fn login_rejects_wrong_password_and_throttles_repeated_failures() {
    let s = start(20);
    let c = client();
    let url = format!("{}/api/v1/auth/login", s.base);
    let r = c
        .post(&url)
        .json(&json!({"username": "admin", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
    // An unknown user gets the same answer as a wrong password.
    let r = c
        .post(&url)
        .json(&json!({"username": "nobody", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for _ in 0..4 {
        let r = c
            .post(&url)
            .json(&json!({"username": "admin", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // Fifth failure reached: even the right password is refused until the window passes.
    let r = c
        .post(&url)
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "retry-after {retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    // Another account is not locked by admin's failures.
    login(&s, "supervisor").await;
    let metrics = reqwest::get(format!("{}/metrics", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("tongtu_logins_total{outcome=\"failed\"} 6"),
        "{metrics}"
    );
    assert!(metrics.contains("tongtu_logins_total{outcome=\"throttled\"} 1"));
}

#[tokio::test]
async fn every_documented_route_requires_authentication() {
    let s = start(5);
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", s.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "only {} paths documented", paths.len());
    let c = reqwest::Client::new();
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if path == "/api/v1/auth/login" {
                continue;
            }
            let url = format!("{}{}", s.base, path.replace("{id}", "1"));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = c
                .request(m, &url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                401,
                "{method} {path} answered {} without credentials",
                r.status()
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "checked {checked}");
    let r = c
        .get(format!("{}/api/v1/vehicles", s.base))
        .bearer_auth("tt_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_header_and_tokens_work_until_revoked() {
    let s = start(5);
    let c = login(&s, "admin").await;
    // Same cookie jar, but a client that does not send X-Requested-With.
    let body = json!({"name": "ci"});
    let r = c
        .post(format!("{}/api/v1/tokens", s.base))
        .header("x-requested-with", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "csrf_header_missing");
    let r = c
        .post(format!("{}/api/v1/tokens", s.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let tok: Value = r.json().await.unwrap();
    let secret = tok["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("tt_"));
    let bare = reqwest::Client::new();
    let r = bare
        .get(format!("{}/api/v1/vehicles?limit=1", s.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Bearer writes need no CSRF header (no ambient credential to abuse).
    let r = bare
        .post(format!("{}/api/v1/tokens", s.base))
        .bearer_auth(&secret)
        .json(&json!({"name": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .delete(format!("{}/api/v1/tokens/{}", s.base, tok["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = bare
        .get(format!("{}/api/v1/vehicles?limit=1", s.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

fn vehicle_body(plate: &str, vin: &str, enterprise_id: i64) -> Value {
    json!({
        "plate": plate, "plate_color": 2, "vin": vin, "vehicle_class": "coach", "seats": 45,
        "transport_cert_no": "441702999001", "enterprise_id": enterprise_id, "status": "active", "line_km": 300
    })
}

#[tokio::test]
async fn enterprise_officer_sees_and_changes_only_their_own_fleet() {
    let s = start(150);
    let admin = login(&s, "admin").await;
    let me = get_json(
        &login(&s, "officer").await,
        &format!("{}/api/v1/auth/me", s.base),
    )
    .await
    .1;
    let own = me["user"]["enterprise_id"]
        .as_i64()
        .expect("officer has an enterprise");
    let officer = login(&s, "officer").await;

    let (_, all) = get_json(&admin, &format!("{}/api/v1/vehicles?limit=500", s.base)).await;
    let all_items = all["items"].as_array().unwrap();
    let own_count = all_items
        .iter()
        .filter(|v| v["enterprise_id"] == own)
        .count() as i64;
    let foreign = all_items
        .iter()
        .find(|v| v["enterprise_id"] != own)
        .expect("another enterprise's vehicle");
    let foreign_id = foreign["id"].as_i64().unwrap();
    assert!(own_count > 0);

    let (st, mine) = get_json(&officer, &format!("{}/api/v1/vehicles?limit=500", s.base)).await;
    assert_eq!(st, 200);
    assert_eq!(
        mine["total"], own_count,
        "count must not leak other enterprises' vehicles"
    );
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["enterprise_id"] == own));
    // Filtering by another enterprise does not widen the scope.
    let (_, other) = get_json(
        &officer,
        &format!(
            "{}/api/v1/vehicles?enterprise_id={}",
            s.base, foreign["enterprise_id"]
        ),
    )
    .await;
    assert_eq!(other["total"], 0);
    assert_eq!(other["items"].as_array().unwrap().len(), 0);

    let url = format!("{}/api/v1/vehicles/{foreign_id}", s.base);
    assert_eq!(officer.get(&url).send().await.unwrap().status(), 404);
    let body = vehicle_body("粤QZ9Z97", &vin_for(1), own);
    assert_eq!(
        officer.put(&url).json(&body).send().await.unwrap().status(),
        404
    );
    assert_eq!(officer.delete(&url).send().await.unwrap().status(), 404);
    assert_eq!(
        admin.get(&url).send().await.unwrap().status(),
        200,
        "still there"
    );
    // Creating a vehicle for another enterprise is refused; for their own it works.
    let foreign_ent = foreign["enterprise_id"].as_i64().unwrap();
    let r = officer
        .post(format!("{}/api/v1/vehicles", s.base))
        .json(&vehicle_body("粤QZ9Z96", &vin_for(2), foreign_ent))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = officer
        .post(format!("{}/api/v1/vehicles", s.base))
        .json(&vehicle_body("粤QZ9Z95", &vin_for(3), own))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    let (_, ents) = get_json(&officer, &format!("{}/api/v1/enterprises", s.base)).await;
    assert_eq!(ents["total"], 1);
    let (_, drivers) = get_json(&officer, &format!("{}/api/v1/drivers?limit=5", s.base)).await;
    let id_number = drivers["items"][0]["id_number"].as_str().unwrap();
    assert!(
        id_number.contains("********"),
        "officer sees a masked ID number, got {id_number}"
    );
    let (_, drivers) = get_json(&admin, &format!("{}/api/v1/drivers?limit=1", s.base)).await;
    assert!(!drivers["items"][0]["id_number"]
        .as_str()
        .unwrap()
        .contains('*'));
    // No audit or user administration for officers.
    assert_eq!(
        officer
            .get(format!("{}/api/v1/audit", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        officer
            .get(format!("{}/api/v1/users", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // Exports are scoped too.
    let bytes = officer
        .get(format!("{}/api/v1/vehicles/export", s.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = xlsx_rows(&bytes);
    assert_eq!(rows.len() as i64 - 1, own_count + 1);
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn validation_errors_name_the_field_and_changes_are_audited() {
    let s = start(10);
    let admin = login(&s, "admin").await;
    let mut bad = vehicle_body("粤O12345", "LSVAM4187C2184840", 1);
    bad["seats"] = Value::Null;
    let r = admin
        .post(format!("{}/api/v1/vehicles", s.base))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    let fields: Vec<&str> = e["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["plate", "vin", "seats"], "{e}");

    let r = admin
        .post(format!("{}/api/v1/vehicles", s.base))
        .json(&vehicle_body("粤QZ9Z94", &vin_for(7), 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    // Same plate and colour again: a duplicate identity.
    let r = admin
        .post(format!("{}/api/v1/vehicles", s.base))
        .json(&vehicle_body("粤QZ9Z94", &vin_for(8), 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("重复"),
        "{e}"
    );
    let mut changed = vehicle_body("粤QZ9Z94", &vin_for(7), 1);
    changed["seats"] = json!(49);
    let r = admin
        .put(format!("{}/api/v1/vehicles/{id}", s.base))
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = admin
        .delete(format!("{}/api/v1/vehicles/{id}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    let (_, audit) = get_json(
        &admin,
        &format!("{}/api/v1/audit?entity=vehicle&entity_id={id}", s.base),
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create"]);
    assert!(items.iter().all(|i| i["actor_name"] == "admin"));
    assert_eq!(items[1]["before"]["seats"], 45);
    assert_eq!(items[1]["after"]["seats"], 49);
    assert_eq!(items[2]["before"], Value::Null);
    assert_eq!(items[2]["after"]["plate"], "粤QZ9Z94");
    assert_eq!(items[0]["after"], Value::Null);
}

fn sheet(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(c: &reqwest::Client, base: &str, bytes: Vec<u8>) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("v.xlsx");
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = c
        .post(format!("{base}/api/v1/vehicles/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn excel_import_is_all_or_nothing_with_exact_cell_positions() {
    let s = start(10);
    let admin = login(&s, "admin").await;
    let (_, ent) = get_json(&admin, &format!("{}/api/v1/enterprises/1", s.base)).await;
    let uscc = ent["uscc"].as_str().unwrap().to_string();
    let (_, before) = get_json(&admin, &format!("{}/api/v1/vehicles?limit=1", s.base)).await;
    let header = vec![
        "车牌号",
        "车牌颜色",
        "车辆识别代号",
        "车辆类型",
        "核定座位",
        "核定载质量(kg)",
        "道路运输证号",
        "所属企业（统一社会信用代码）",
        "营运状态",
        "班线里程(km)",
    ];
    let (v1, v2, v3) = (vin_for(11), vin_for(12), vin_for(13));
    let good1 = vec![
        "粤QY0001",
        "黄",
        v1.as_str(),
        "班线客车",
        "45",
        "",
        "441702000901",
        uscc.as_str(),
        "营运",
        "200",
    ];
    let good2 = vec![
        "粤QY0002",
        "黄",
        v2.as_str(),
        "重型载货汽车",
        "",
        "18000",
        "441702000902",
        uscc.as_str(),
        "营运",
        "",
    ];
    let bad_vin = vec![
        "粤QY0003",
        "黄",
        "LSVAM4187C2184840",
        "班线客车",
        "45",
        "",
        "441702000903",
        uscc.as_str(),
        "营运",
        "",
    ];
    let bad_cells = vec![
        "粤QY0004",
        "紫",
        v3.as_str(),
        "飞机",
        "很多",
        "",
        "441702000904",
        "91350100M000100Y43",
        "营运",
        "",
    ];
    let dup = vec![
        "粤QY0001",
        "黄",
        vin_for(14).leak() as &str,
        "班线客车",
        "45",
        "",
        "441702000905",
        uscc.as_str(),
        "营运",
        "",
    ];

    let (st, body) = import(
        &admin,
        &s.base,
        sheet(&[
            header.clone(),
            good1.clone(),
            bad_vin,
            good2.clone(),
            bad_cells,
            dup,
        ]),
    )
    .await;
    assert_eq!(st, 422, "{body}");
    assert_eq!(body["error"]["code"], "import_invalid");
    let got: Vec<(u64, String, String)> = body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["header"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, String, String)> = [
        (3, "C", "车辆识别代号"),
        (5, "B", "车牌颜色"),
        (5, "D", "车辆类型"),
        (5, "E", "核定座位"),
        (5, "H", "所属企业（统一社会信用代码）"),
        (6, "A", "车牌号"),
    ]
    .iter()
    .map(|(r, c, h)| (*r, c.to_string(), h.to_string()))
    .collect();
    assert_eq!(got, want, "{body}");
    let (_, after) = get_json(&admin, &format!("{}/api/v1/vehicles?limit=1", s.base)).await;
    assert_eq!(
        after["total"], before["total"],
        "nothing imported from a bad sheet"
    );

    let (st, body) = import(&admin, &s.base, sheet(&[header.clone(), good1, good2])).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["imported"], 2);
    let (_, after) = get_json(&admin, &format!("{}/api/v1/vehicles?q=粤QY000", s.base)).await;
    assert_eq!(after["total"], 2);
    // Importing the same sheet again: every row collides with the stored vehicles.
    let (_, body) = import(
        &admin,
        &s.base,
        sheet(&[
            header,
            vec![
                "粤QY0001",
                "黄",
                v1.as_str(),
                "班线客车",
                "45",
                "",
                "441702000901",
                uscc.as_str(),
                "营运",
                "",
            ],
        ]),
    )
    .await;
    let errs = body["error"]["details"]["errors"].as_array().unwrap();
    let cols: Vec<&str> = errs.iter().map(|e| e["column"].as_str().unwrap()).collect();
    assert_eq!(
        cols,
        ["A", "C"],
        "plate+colour and VIN both collide: {body}"
    );
    assert!(
        errs.iter()
            .all(|e| e["row"] == 2 && e["reason"].as_str().unwrap().contains("重复")),
        "{body}"
    );
    // Garbage instead of a workbook is a clear 400.
    let (st, body) = import(&admin, &s.base, b"not a workbook".to_vec()).await;
    assert_eq!(st, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("xlsx"));
    let metrics = reqwest::get(format!("{}/metrics", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains("tongtu_import_bad_cells_total{entity=\"vehicle\",outcome=\"rejected\"} 8"),
        "{metrics}"
    );
}

#[tokio::test]
async fn export_and_template_are_real_workbooks_with_chinese_headers() {
    let s = start(30);
    let admin = login(&s, "admin").await;
    let bytes = admin
        .get(format!(
            "{}/api/v1/vehicles/export?vehicle_class=hazmat",
            s.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = xlsx_rows(&bytes);
    assert_eq!(rows[0][0], "车牌号*");
    let (_, hazmat) = get_json(
        &admin,
        &format!("{}/api/v1/vehicles?vehicle_class=hazmat", s.base),
    )
    .await;
    assert_eq!(rows.len() as i64 - 1, hazmat["total"].as_i64().unwrap());
    assert!(rows[1..].iter().all(|r| r[3] == "危险货物运输车"));
    let t = admin
        .get(format!("{}/api/v1/drivers/template", s.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = xlsx_rows(&t);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], "身份证号*");
    let r = admin
        .get(format!("{}/api/v1/vehicles?bogus=1", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
