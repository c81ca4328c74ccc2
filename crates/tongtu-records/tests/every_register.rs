//! Every declared register, with the demo's generated rows (18+ months): declaration →
//! migration → import through the sheet path → Excel export → import into a fresh database
//! gives the same sheet; a re-import into the same database updates every row by its natural
//! key and inserts none; the template's headers are the declaration's.

use calamine::Reader;
use tongtu_records::store::{self, AuditMode, RowQuery};
use tongtu_records::{excel, registers};
use tongtu_registry::entities::{Enterprise, Vehicle, VehicleInput};
use tongtu_registry::{record, regions, Principal};
use tongtu_sim::fleet;

const SEED: u64 = 20260101;
const VEHICLES: usize = 60;

async fn world_db() -> (sqlx::SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = tongtu_registry::db::open(&dir.path().join("t.db"))
        .await
        .expect("db");
    tongtu_records::migrate(&db).await.expect("migrate");
    let world = fleet::generate(SEED, VEHICLES);
    let mut region_ids = Vec::new();
    for (code, name, kind) in fleet::REGIONS {
        region_ids.push(
            regions::upsert(&db, code, name, kind)
                .await
                .expect("region"),
        );
    }
    let ents: Vec<_> = world
        .enterprises
        .iter()
        .map(|e| {
            let mut i = e.input.clone();
            i.region_id = region_ids[e.region];
            i
        })
        .collect();
    let sys = Principal::system();
    let ent_ids = record::create_many::<Enterprise>(&db, &sys, &ents)
        .await
        .expect("enterprises");
    let vehicles: Vec<VehicleInput> = world
        .vehicles
        .iter()
        .map(|v| VehicleInput {
            enterprise_id: ent_ids[v.enterprise],
            ..v.vehicle.clone()
        })
        .collect();
    record::create_many::<Vehicle>(&db, &sys, &vehicles)
        .await
        .expect("vehicles");
    (db, dir)
}

#[tokio::test]
async fn every_register_round_trips_through_excel() {
    let (a, _da) = world_db().await;
    let (b, _db) = world_db().await;
    let sys = Principal::system();
    let world = fleet::generate(SEED, VEHICLES);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 15).expect("date");
    let ctx = tongtu_sim::records::Ctx {
        seed: SEED,
        today,
        fleet: &world,
    };
    let batches = tongtu_sim::records::generate(&ctx);
    let locate = |f: &tongtu_records::Field| (f.key.to_string(), f.zh.to_string());
    for batch in &batches {
        let r = registers::get(batch.register).expect("declared");
        let rows = store::json_rows(r, &batch.rows).expect("rows");
        store::import_rows(&a, &sys, r, &rows, &locate, AuditMode::Summary)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", r.key));
    }
    let all = RowQuery {
        limit: 500,
        ..Default::default()
    };
    let mut seen = 0;
    for r in registers::all() {
        assert!(
            r.natural_key().is_some(),
            "{}: a natural key keeps re-imports from duplicating",
            r.key
        );
        let xlsx = excel::export_xlsx(&a, &sys, r, &all).await.expect("export");
        // The sheet's headers are the declaration's.
        let mut wb =
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.clone())).expect("xlsx");
        let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
        let headers: Vec<String> = range
            .rows()
            .next()
            .map(|h| h.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let declared: Vec<String> = r.fields.iter().map(|f| f.header()).collect();
        assert_eq!(headers, declared, "{}", r.key);
        let n_rows = range.rows().count() - 1;
        assert!(n_rows > 0, "{}: demo rows", r.key);
        // Into a fresh database: the same rows.
        let n = excel::import_xlsx(&b, &sys, r, &xlsx)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", r.key));
        assert_eq!((n.inserted as usize, n.updated), (n_rows, 0), "{}", r.key);
        let sorted = |s: String| {
            let mut l: Vec<String> = s.lines().map(String::from).collect();
            l.sort();
            l
        };
        let before = sorted(excel::export_csv(&a, &sys, r, &all).await.expect("csv"));
        let after = sorted(excel::export_csv(&b, &sys, r, &all).await.expect("csv"));
        assert_eq!(before, after, "{}", r.key);
        // Into the same database: every row updated in place, none added.
        let n = excel::import_xlsx(&a, &sys, r, &xlsx)
            .await
            .expect("re-import");
        assert_eq!((n.inserted, n.updated as usize), (0, n_rows), "{}", r.key);
        // The template carries the same headers and imports as an empty sheet.
        let t = excel::template(r).expect("template");
        let n = excel::import_xlsx(&b, &sys, r, &t)
            .await
            .expect("empty template");
        assert_eq!((n.inserted, n.updated), (0, 0), "{}", r.key);
        seen += 1;
    }
    assert_eq!(seen, registers::all().len());
    assert!(seen >= 30, "{seen} registers");
}
