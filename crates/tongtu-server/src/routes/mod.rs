//! Route handlers, grouped by subject.

pub mod admin;
pub mod auth;
pub mod registry;
