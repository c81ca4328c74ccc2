//! Tongtu records: the bureau's registers (key projects and funding, rural roads, bridges
//! and pavement, port, transport statistics, enforcement, safety, transit and stations,
//! services and epidemic work, the work log).
//!
//! A register is **declared once** ([`decl::Register`], in [`registers`]); the generic code
//! derives from the declaration the SQL table and its migration ([`ddl`]), the validation
//! and storage of rows ([`store`]), the Excel template, import and export ([`excel`]) and the
//! schema the API and the console are driven by ([`schema`]). Hand-written code exists only
//! where a register has real behaviour: the figures in [`agg`].

pub mod decl;
pub mod registers;

pub use decl::{Access, Field, Kind, Register, Rule};
pub use tongtu_registry::RegistryError as RecordError;

pub type Result<T, E = RecordError> = std::result::Result<T, E>;

pub mod agg;
pub mod ddl;
pub mod excel;
pub mod gtfs;
pub mod schema;
pub mod store;
pub mod value;
pub mod workflow;

/// Brings the database up to the declared registers (see [`ddl::migrate`]).
pub async fn migrate(db: &sqlx::SqlitePool) -> Result<ddl::Migrated> {
    ddl::migrate(db, registers::all()).await
}
