//! Opening the registry database (SQLite in WAL mode) and applying the compiled-in migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::error::Result;

/// Migrations of this crate. Versions 1000–1999 belong to the registry; other crates use
/// their own ranges in the same database, so missing foreign versions are ignored.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate!("./migrations");
    m.set_ignore_missing(true);
    m
}

/// Opens (creating if needed) the database file and migrates it.
pub async fn open(path: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a change acknowledged to a user survives power loss, not only kill -9.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    migrator()
        .run(&pool)
        .await
        .map_err(|e| crate::error::RegistryError::Internal(format!("migration: {e}")))?;
    Ok(pool)
}
