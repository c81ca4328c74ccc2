//! Tongtu alarms: what the rules engine raises, stored and handled.
//!
//! - [`store`]: alarm rows (idempotent persistence of engine events) and the console's queries;
//! - [`workflow`]: handle (with a text to the driver), review, escalate (督办), close, case;
//! - [`settings`] and [`fences`]: rule parameters and geofences edited by the bureau;
//! - [`live`]: the service that runs the engine over the live position stream.
//!
//! Migrations 3000–3999 live here and share the registry's database.

pub mod commands;
pub mod dashboard;
pub mod error;
pub mod export;
pub mod fences;
pub mod indicators;
pub mod live;
pub mod model;
pub mod monitor;
pub mod replay;
pub mod roads;
pub mod settings;
pub mod store;
pub mod workflow;

pub use error::{AlarmError, Result};
pub use model::*;

/// Migrations of this crate (versions 3000–3999); other crates' versions are ignored.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate!("./migrations");
    m.set_ignore_missing(true);
    m
}

/// Applies this crate's migrations to the shared database.
pub async fn migrate(db: &sqlx::SqlitePool) -> Result<()> {
    migrator()
        .run(db)
        .await
        .map_err(|e| AlarmError::Internal(format!("migration: {e}")))
}
