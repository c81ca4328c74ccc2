//! Route handlers, grouped by subject.

pub mod admin;
pub mod alarms;
pub mod auth;
pub mod figures;
pub mod indicators;
pub mod live;
pub mod records;
pub mod registry;
pub mod report;
