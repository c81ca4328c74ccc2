//! What the register tests share: a migrated SQLite file with two districts, the principals
//! that write to it, and creating a row.

use tongtu_registry::{Principal, Role};

pub struct Db {
    pub pool: sqlx::SqlitePool,
    _dir: tempfile::TempDir,
}

/// A fresh database file with the records migrated and the districts 江城区 and 阳东区.
pub async fn db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = tongtu_registry::db::open(&dir.path().join("t.db"))
        .await
        .expect("db");
    tongtu_records::migrate(&pool).await.expect("migrate");
    for (code, name) in [("441702", "江城区"), ("441704", "阳东区")] {
        tongtu_registry::regions::upsert(&pool, code, name, "district")
            .await
            .expect("region");
    }
    Db { pool, _dir: dir }
}

/// Creates a row as the bureau; its id.
#[allow(dead_code)] // not every test file creates rows one by one
pub async fn create(d: &Db, key: &str, body: serde_json::Value) -> i64 {
    let r = tongtu_records::registers::get(key).expect("declared");
    let v = tongtu_records::store::create(&d.pool, &admin(), r, &body)
        .await
        .unwrap_or_else(|e| panic!("create {key}: {e}"));
    v["id"].as_i64().expect("id")
}

pub fn admin() -> Principal {
    Principal::system()
}

/// The safety officer of enterprise 1.
#[allow(dead_code)] // not every test file writes as an enterprise
pub fn officer() -> Principal {
    Principal {
        user_id: Some(9),
        username: "officer".into(),
        display_name: "安全员".into(),
        role: Role::EnterpriseOfficer,
        enterprise_id: Some(1),
        enterprise_name: None,
        permissions: Role::EnterpriseOfficer.permissions().to_vec(),
    }
}
