//! The city's districts and counties.

use sqlx::SqlitePool;

use crate::entities::Region;
use crate::error::Result;

pub async fn list(db: &SqlitePool) -> Result<Vec<Region>> {
    Ok(
        sqlx::query_as("SELECT id, code, name, kind FROM regions ORDER BY code")
            .fetch_all(db)
            .await?,
    )
}

/// Inserts or renames a region by its division code.
pub async fn upsert(db: &SqlitePool, code: &str, name: &str, kind: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO regions (code, name, kind) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(kind)
    .fetch_one(db)
    .await?)
}
