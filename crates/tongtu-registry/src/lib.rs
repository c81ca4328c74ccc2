//! Tongtu fleet registry: the city's regions, transport enterprises, key operating vehicles,
//! drivers and JT/T 808 terminals, plus users, roles, sessions, API tokens and the audit log.
//!
//! Records are declared once ([`record::Record`]) and the generic code derives SQL, checks,
//! audit entries and Excel sheets from the declaration.

pub mod audit;
pub mod auth;
pub mod db;
pub mod dict;
pub mod entities;
pub mod error;
pub mod excel;
pub mod record;
pub mod regions;
pub mod validate;

pub use auth::{Permission, Principal, Role};
pub use entities::{Driver, Enterprise, Region, Terminal, Vehicle};
pub use error::{CellError, FieldError, RegistryError};
pub use record::{ListQuery, Page, Record};
