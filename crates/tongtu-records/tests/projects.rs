//! The generic machinery on the key-project registers, against a real SQLite file:
//! declaration → migration, create/update/delete with validation, references and unique
//! keys, access by role, Excel export → import round trip, a bad sheet reported cell by cell
//! and imported not at all, and the funding figures against hand-computed values.

use std::collections::HashMap;

use serde_json::{json, Value};
use tongtu_records::agg::projects;
use tongtu_records::ddl::{self, Dialect};
use tongtu_records::decl::{f, Access, Register, AMOUNT, TEXT};
use tongtu_records::store::{self, RowQuery};
use tongtu_records::{excel, registers, RecordError};
use tongtu_registry::Permission;

mod common;

use common::{admin, create, db, officer, Db};

fn reg(key: &str) -> &'static Register {
    registers::get(key).expect("declared")
}

/// Two projects with plans, monthly investment and funding; answers computed by hand.
async fn projects_fixture(d: &Db) -> (i64, i64) {
    let a = create(d, "projects", json!({"code": "XM-1", "name": "国道改建", "kind": "trunk_road",
        "total_investment": 50000, "status": "building", "county_id": 1, "start_date": "2024-03-01"})).await;
    let b = create(
        d,
        "projects",
        json!({"code": "XM-2", "name": "港口码头", "kind": "port_berth",
        "total_investment": 20000, "status": "building"}),
    )
    .await;
    create(
        d,
        "project_plans",
        json!({"project_id": a, "year": 2025, "planned_investment": 12000}),
    )
    .await;
    create(
        d,
        "project_plans",
        json!({"project_id": b, "year": 2025, "planned_investment": 8000}),
    )
    .await;
    for (p, m, v) in [
        (a, "2024-11", 3000.0),
        (a, "2025-01", 1000.0),
        (a, "2025-05", 2000.5),
        (a, "2025-07", 4000.0),
        (b, "2025-02", 6000.0),
        (b, "2025-06", 1000.0),
    ] {
        create(
            d,
            "project_investments",
            json!({"project_id": p, "month": m, "completed": v}),
        )
        .await;
    }
    create(
        d,
        "project_funding",
        json!({"project_id": a, "source": "province", "secured": 20000}),
    )
    .await;
    create(
        d,
        "project_funding",
        json!({"project_id": a, "source": "city", "secured": 10000}),
    )
    .await;
    create(
        d,
        "project_funding",
        json!({"project_id": b, "source": "enterprise", "secured": 25000}),
    )
    .await;
    create(
        d,
        "project_approvals",
        json!({"project_id": a, "kind": "feasibility", "approved_on": "2025-02-10"}),
    )
    .await;
    create(
        d,
        "project_approvals",
        json!({"project_id": b, "kind": "feasibility", "approved_on": "2024-12-10"}),
    )
    .await;
    create(
        d,
        "project_approvals",
        json!({"project_id": b, "kind": "preliminary_design", "approved_on": "2025-04-01"}),
    )
    .await;
    create(
        d,
        "project_milestones",
        json!({"project_id": a, "name": "路基完成", "planned_date": "2025-09-30"}),
    )
    .await;
    create(
        d,
        "subsidies",
        json!({"year": 2025, "level": "ministry", "name": "车购税", "amount": 3000}),
    )
    .await;
    create(
        d,
        "subsidies",
        json!({"year": 2025, "level": "province", "name": "省补", "amount": 1200.5}),
    )
    .await;
    create(
        d,
        "subsidies",
        json!({"year": 2024, "level": "province", "name": "省补", "amount": 999}),
    )
    .await;
    (a, b)
}

#[test]
fn ddl_is_derived_from_the_declaration() {
    let s = ddl::create_statements(reg("projects"), Dialect::Sqlite);
    assert!(
        s[0].contains("total_investment DOUBLE PRECISION"),
        "{}",
        s[0]
    );
    assert!(
        s[0].contains("county_id BIGINT REFERENCES regions(id)"),
        "{}",
        s[0]
    );
    assert!(s
        .iter()
        .any(|x| x.contains("UNIQUE INDEX IF NOT EXISTS rec_projects_u0 ON rec_projects (code)")));
}

#[tokio::test]
async fn migration_adds_tables_and_columns_and_refuses_type_changes() {
    let d = db().await;
    let again = tongtu_records::migrate(&d.pool).await.expect("idempotent");
    assert!(
        again.tables_created.is_empty() && again.columns_added.is_empty(),
        "{again:?}"
    );
    // A later version of a register declares one more field: the column is added.
    const V1: Register = Register {
        key: "probe",
        zh: "探针",
        en: "Probe",
        group: "worklog",
        about: "",
        fields: &[f("name", "名称", "Name", TEXT).req()],
        title: "name",
        unique: &[&["name"]],
        access: Access::Bureau,
        order: ("name", false),
        rules: &[],
    };
    const V2_FIELDS: &[tongtu_records::Field] = &[
        f("name", "名称", "Name", TEXT).req(),
        f("amount", "金额", "Amount", AMOUNT),
    ];
    let v2 = Register {
        fields: V2_FIELDS,
        ..V1
    };
    let m = ddl::migrate(&d.pool, &[V1]).await.expect("v1");
    assert_eq!(m.tables_created, ["rec_probe"]);
    store::create(&d.pool, &admin(), &V1, &json!({"name": "a"}))
        .await
        .expect("row");
    let m = ddl::migrate(&d.pool, &[v2]).await.expect("v2");
    assert_eq!(m.columns_added, ["rec_probe.amount"]);
    let page = store::list(
        &d.pool,
        &admin(),
        &v2,
        &RowQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(
        page.items[0]["amount"],
        Value::Null,
        "old rows keep their data, new column empty"
    );
    const V3_FIELDS: &[tongtu_records::Field] = &[
        f("name", "名称", "Name", TEXT).req(),
        f("amount", "金额", "Amount", TEXT),
    ];
    let v3 = Register {
        fields: V3_FIELDS,
        ..V1
    };
    let e = ddl::migrate(&d.pool, &[v3]).await.expect_err("type change");
    assert!(e.to_string().contains("amount"), "{e}");
}

#[tokio::test]
async fn rows_are_validated_referenced_and_audited() {
    let d = db().await;
    let r = reg("projects");
    // Missing required fields, a bad code, an unknown key: each named.
    let e = store::create(
        &d.pool,
        &admin(),
        r,
        &json!({"code": "X", "kind": "spaceport", "colour": 1}),
    )
    .await
    .expect_err("invalid");
    let RecordError::Validation(fields) = e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert!(
        names.contains(&"kind") && names.contains(&"colour"),
        "{fields:?}"
    );
    let e = store::create(
        &d.pool,
        &admin(),
        r,
        &json!({"code": "X", "kind": "railway", "status": "building"}),
    )
    .await
    .expect_err("required");
    let RecordError::Validation(fields) = e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "total_investment"], "{fields:?}");
    let (a, _) = projects_fixture(&d).await;
    // Unique natural key.
    let e = store::create(
        &d.pool,
        &admin(),
        r,
        &json!({"code": "XM-1", "name": "另一个", "kind": "railway",
        "total_investment": 1, "status": "building"}),
    )
    .await
    .expect_err("dup");
    assert!(
        matches!(&e, RecordError::Validation(f) if f[0].field == "code"),
        "{e:?}"
    );
    // A reference to nothing.
    let e = store::create(
        &d.pool,
        &admin(),
        reg("project_plans"),
        &json!({"project_id": 999, "year": 2025, "planned_investment": 1}),
    )
    .await
    .expect_err("dangling");
    assert!(e.to_string().contains("999"), "{e}");
    // Deleting a project that plans refer to is a conflict; its plans go first.
    let e = store::delete(&d.pool, &admin(), r, a)
        .await
        .expect_err("referenced");
    assert!(matches!(e, RecordError::Conflict(_)), "{e:?}");
    // Update: full replacement, audited with before and after.
    let mut row = store::get(&d.pool, &admin(), r, a).await.expect("get");
    row["total_investment"] = json!(52000.456);
    let after = store::update(&d.pool, &admin(), r, a, &row)
        .await
        .expect("update");
    assert_eq!(
        after["total_investment"],
        json!(52000.46),
        "rounded to the declared scale"
    );
    assert_eq!(after["_display"]["kind"], "国省干线公路");
    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, summary FROM audit_log WHERE entity = 'record.projects' ORDER BY id",
    )
    .fetch_all(&d.pool)
    .await
    .expect("audit");
    assert!(
        audit
            .iter()
            .any(|(a, s)| a == "update" && s.contains("国道改建")),
        "{audit:?}"
    );
    // Filters and sort; an unknown filter names itself.
    let q = RowQuery {
        filters: HashMap::from([("kind".to_string(), "port_berth".to_string())]),
        limit: 10,
        ..Default::default()
    };
    let page = store::list(&d.pool, &admin(), r, &q)
        .await
        .expect("filtered");
    assert_eq!(page.total, 1);
    let q = RowQuery {
        filters: HashMap::from([
            ("month_from".to_string(), "2025-02".to_string()),
            ("month_to".to_string(), "2025-06".to_string()),
        ]),
        sort: Some("-completed".into()),
        limit: 10,
        ..Default::default()
    };
    let page = store::list(&d.pool, &admin(), reg("project_investments"), &q)
        .await
        .expect("range");
    let got: Vec<f64> = page
        .items
        .iter()
        .filter_map(|i| i["completed"].as_f64())
        .collect();
    assert_eq!(got, [6000.0, 2000.5, 1000.0]);
    let q = RowQuery {
        filters: HashMap::from([("owner".to_string(), "x".to_string())]),
        limit: 10,
        ..Default::default()
    };
    let e = store::list(&d.pool, &admin(), r, &q)
        .await
        .expect_err("not a filter");
    assert!(e.to_string().contains("owner"), "{e}");
}

#[tokio::test]
async fn enterprise_users_cannot_see_bureau_registers() {
    let d = db().await;
    projects_fixture(&d).await;
    let r = reg("projects");
    let q = RowQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(matches!(
        store::list(&d.pool, &officer(), r, &q).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        store::get(&d.pool, &officer(), r, 1).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        excel::export_xlsx(&d.pool, &officer(), r, &q).await,
        Err(RecordError::Forbidden(_))
    ));
    let schema = tongtu_records::schema::all(&officer(), registers::all());
    let keys: Vec<&str> = schema["registers"]
        .as_array()
        .expect("registers")
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert!(!keys.contains(&"projects"), "{keys:?}");
    assert!(officer().has(Permission::RegistryRead));
}

#[tokio::test]
async fn excel_export_imports_back_identically() {
    let d = db().await;
    projects_fixture(&d).await;
    let q = RowQuery {
        limit: 500,
        ..Default::default()
    };
    let fresh = db().await;
    for r in registers::all().iter().filter(|r| r.group == "projects") {
        let xlsx = excel::export_xlsx(&d.pool, &admin(), r, &q)
            .await
            .expect("export");
        // Into the same database: every row matches its natural key, nothing changes.
        let n = excel::import_xlsx(&d.pool, &admin(), r, &xlsx)
            .await
            .expect("re-import");
        assert_eq!(n.inserted, 0, "{}: {n:?}", r.key);
        // Into a fresh database: the same rows (compared as sheets, ids may differ).
        let n = excel::import_xlsx(&fresh.pool, &admin(), r, &xlsx)
            .await
            .expect("import");
        assert_eq!(n.updated, 0, "{}", r.key);
        let again = excel::export_csv(&fresh.pool, &admin(), r, &q)
            .await
            .expect("csv");
        let before = excel::export_csv(&d.pool, &admin(), r, &q)
            .await
            .expect("csv");
        let sorted = |s: &str| {
            let mut l: Vec<String> = s.lines().map(String::from).collect();
            l.sort();
            l
        };
        assert_eq!(sorted(&again), sorted(&before), "{}", r.key);
        assert!(before.lines().count() > 1, "{} exported rows", r.key);
    }
}

#[tokio::test]
async fn a_bad_sheet_names_every_bad_cell_and_imports_nothing() {
    let d = db().await;
    let r = reg("projects");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "项目编号*",
        "项目名称*",
        "项目类别*",
        "总投资（万元）*",
        "建设状态*",
        "所在县区",
        "开工日期",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    let rows: [[&str; 7]; 4] = [
        [
            "A-1",
            "好项目",
            "铁路",
            "100",
            "在建",
            "江城区",
            "2025-01-02",
        ],
        ["A-2", "坏类别", "太空港", "100", "在建", "", ""],
        [
            "A-3",
            "坏金额",
            "高速公路",
            "-5",
            "在建",
            "火星区",
            "2025-02-30",
        ],
        ["A-1", "重复编号", "铁路", "1", "在建", "", ""],
    ];
    for (i, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, *v).expect("cell");
        }
    }
    let bytes = wb.save_to_buffer().expect("xlsx");
    let e = excel::import_xlsx(&d.pool, &admin(), r, &bytes)
        .await
        .expect_err("bad sheet");
    let RecordError::Import(cells) = e else {
        panic!("{e:?}")
    };
    let at: Vec<(u32, &str)> = cells.iter().map(|c| (c.row, c.column.as_str())).collect();
    assert_eq!(
        at,
        [(3, "C"), (4, "D"), (4, "F"), (4, "G"), (5, "A")],
        "{cells:#?}"
    );
    assert!(cells[0].reason.contains("太空港"), "{:?}", cells[0]);
    assert!(cells[4].reason.contains("第 2 行"), "{:?}", cells[4]);
    assert_eq!(cells[1].header, "总投资（万元）*");
    let page = store::list(
        &d.pool,
        &admin(),
        r,
        &RowQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 0, "all or nothing");
    // An unknown column and a missing required one are reported on row 1.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "项目编号*").expect("h");
    ws.write_string(0, 1, "颜色").expect("h");
    let e = excel::import_xlsx(&d.pool, &admin(), r, &wb.save_to_buffer().expect("xlsx"))
        .await
        .expect_err("headers");
    let RecordError::Import(cells) = e else {
        panic!("{e:?}")
    };
    assert!(
        cells.iter().any(|c| c.row == 1 && c.column == "B"),
        "{cells:?}"
    );
    assert!(
        cells.iter().any(|c| c.reason.contains("项目名称")),
        "{cells:?}"
    );
}

#[tokio::test]
async fn funding_gap_and_plan_completion_match_hand_computed_values() {
    let d = db().await;
    projects_fixture(&d).await;
    let s = projects::summary(&d.pool, &admin(), 2025, Some("2025-06"))
        .await
        .expect("summary");
    let a = &s.projects[0];
    assert_eq!(a.code, "XM-1");
    // Jan–Jun 2025: 1000 + 2000.5 (July excluded); cumulative adds Nov 2024.
    assert_eq!(a.completed_year, 3000.5);
    assert_eq!(a.cumulative, 6000.5);
    assert_eq!(a.plan_pct, Some(25.0)); // 3000.5 / 12000 = 25.004 %
    assert_eq!(a.secured, 30000.0);
    assert_eq!(a.gap, 20000.0);
    assert_eq!(a.gap_ratio, Some(40.0));
    let b = &s.projects[1];
    assert_eq!(
        (b.completed_year, b.gap, b.gap_ratio),
        (7000.0, 0.0, Some(0.0)),
        "over-secured: no gap"
    );
    assert_eq!(s.total.completed_year, 10000.5);
    assert_eq!(s.total.plan_pct, Some(50.0)); // 10000.5 / 20000
    assert_eq!(s.total.gap_ratio, Some(28.6)); // 20000 / 70000
    let trunk = s
        .by_kind
        .iter()
        .find(|k| k.kind.as_deref() == Some("trunk_road"))
        .expect("trunk");
    assert_eq!(
        (trunk.total_investment, trunk.gap, trunk.gap_ratio),
        (50000.0, 20000.0, Some(40.0))
    );
    assert_eq!(
        s.feasibility_approvals, 1,
        "B's feasibility approval is from 2024"
    );
    assert_eq!(s.design_approvals, 1);
    assert_eq!(s.subsidies_total, 4200.5);
    let e = projects::summary(&d.pool, &admin(), 2025, Some("2024-06"))
        .await
        .expect_err("other year");
    assert!(e.to_string().contains("through"), "{e}");
    assert!(matches!(
        projects::summary(&d.pool, &officer(), 2025, None).await,
        Err(RecordError::Forbidden(_))
    ));
}

#[tokio::test]
async fn rules_between_fields_are_checked_on_write_and_import() {
    let d = db().await;
    let checkpoint = |end: &str| json!({"name": "测试检查点", "site_type": "port", "start_date": "2026-03-10", "end_date": end});
    // An end before its start: the error is on the end, with both dates.
    let e = store::create(
        &d.pool,
        &admin(),
        reg("checkpoints"),
        &checkpoint("2026-03-01"),
    )
    .await
    .expect_err("end before start");
    let RecordError::Validation(fields) = e else {
        panic!("{e:?}")
    };
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "end_date");
    assert!(
        fields[0].message.contains("2026-03-01") && fields[0].message.contains("不能早于"),
        "{fields:?}"
    );
    // The same day is fine, and so is no end at all.
    store::create(
        &d.pool,
        &admin(),
        reg("checkpoints"),
        &checkpoint("2026-03-10"),
    )
    .await
    .expect("same day");

    // More resumed than expected: the error is on the part.
    let r = reg("resumption_progress");
    let e = store::create(
        &d.pool,
        &admin(),
        r,
        &json!({"report_date": "2026-03-02", "sector": "port", "total": 14, "resumed": 15}),
    )
    .await
    .expect_err("part above whole");
    assert!(
        matches!(&e, RecordError::Validation(f) if f[0].field == "resumed" && f[0].message.contains("不能大于")),
        "{e:?}"
    );

    // An import with one such row among good ones: nothing is written, the row is named.
    let rows = store::json_rows(
        r,
        &[
            json!({"report_date": "2026-03-02", "sector": "port", "total": 14, "resumed": 9}),
            json!({"report_date": "2026-03-02", "sector": "bus", "total": 6, "resumed": 7}),
        ]
        .iter()
        .filter_map(|v| v.as_object().cloned())
        .collect::<Vec<_>>(),
    )
    .expect("rows");
    let locate = |f: &tongtu_records::Field| (f.key.to_string(), f.zh.to_string());
    let e = store::import_rows(
        &d.pool,
        &admin(),
        r,
        &rows,
        &locate,
        store::AuditMode::Summary,
    )
    .await
    .expect_err("one bad row");
    let RecordError::Import(cells) = e else {
        panic!("{e:?}")
    };
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert_eq!(
        (cells[0].row, cells[0].column.as_str()),
        (rows[1].row, "resumed")
    );
    let page = store::list(
        &d.pool,
        &admin(),
        r,
        &RowQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 0, "all or nothing");
}
