//! What the gateway needs to know about terminals, behind a trait so that the gateway stays
//! free of SQL: the binary implements it over the registry database, tests and the
//! benchmark use [`MemoryDirectory`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// Boxed future returned by [`TerminalDirectory`] methods.
pub type DirFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DirectoryError>> + Send + 'a>>;

/// A failure of the directory's backing store (not a negative answer).
#[derive(Debug, Clone, thiserror::Error)]
#[error("terminal directory: {0}")]
pub struct DirectoryError(pub String);

/// A terminal as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalInfo {
    /// Registry row id of the terminal.
    pub terminal_row_id: i64,
    /// Terminal id (as in 0x0100).
    pub terminal_id: String,
    /// Bound vehicle, if any.
    pub vehicle_id: Option<i64>,
    /// Plate of the bound vehicle.
    pub plate: Option<String>,
    /// Plate colour of the bound vehicle (JT/T 697.7).
    pub plate_color: Option<u8>,
    /// Owning enterprise.
    pub enterprise_id: i64,
    /// Declared protocol version: "2011", "2013" or "2019".
    pub protocol_version: String,
    /// Whether the terminal is in service.
    pub active: bool,
}

/// What a 0x0100 registration claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterClaim {
    /// Phone (SIM) number, normalised as in [`normalize_phone`].
    pub phone: String,
    /// Terminal id from the body.
    pub terminal_id: String,
    /// Plate colour from the body (0: none, `plate` is then the VIN).
    pub plate_color: u8,
    /// Plate (or VIN) from the body.
    pub plate: String,
}

/// The registry's verdict on a registration; the gateway maps it to the 0x8100 result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterCheck {
    /// The terminal exists, is active and bound to the claimed vehicle.
    Accepted(TerminalInfo),
    /// The claimed vehicle is bound to another terminal.
    VehicleRegistered,
    /// No vehicle is bound, or the claimed plate is not in the registry.
    NoSuchVehicle,
    /// The terminal id is registered under another phone number.
    TerminalRegistered,
    /// No active terminal with this phone number.
    NoSuchTerminal,
}

/// Terminal lookups, registration checks and auth codes.
pub trait TerminalDirectory: Send + Sync + 'static {
    /// The terminal with this (normalised) phone number.
    fn lookup<'a>(&'a self, phone: &'a str) -> DirFuture<'a, Option<TerminalInfo>>;
    /// Checks a registration against the registry.
    fn check_register<'a>(&'a self, claim: &'a RegisterClaim) -> DirFuture<'a, RegisterCheck>;
    /// The auth code issued to a terminal, if any.
    fn auth_code<'a>(&'a self, terminal_row_id: i64) -> DirFuture<'a, Option<String>>;
    /// Stores (replacing) the auth code issued to a terminal.
    fn store_auth_code<'a>(&'a self, terminal_row_id: i64, code: &'a str) -> DirFuture<'a, ()>;
}

/// The registry key of a header phone: 2019 headers carry 20 digits, the registry keeps
/// the 12-digit SIM number, so extra leading zeros are dropped.
pub fn normalize_phone(digits: &str) -> String {
    if digits.len() > 12 && digits[..digits.len() - 12].bytes().all(|b| b == b'0') {
        digits[digits.len() - 12..].to_string()
    } else {
        digits.to_string()
    }
}

/// An in-memory directory for tests and the benchmark.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    terminals: Mutex<HashMap<String, TerminalInfo>>,
    codes: Mutex<HashMap<i64, String>>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Adds a terminal under `phone` (normalised).
    pub fn insert(&self, phone: &str, info: TerminalInfo) {
        lock(&self.terminals).insert(normalize_phone(phone), info);
    }

    /// Pre-issues an auth code (lets a benchmark skip registration).
    pub fn set_code(&self, terminal_row_id: i64, code: &str) {
        lock(&self.codes).insert(terminal_row_id, code.to_string());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these maps cannot leave them inconsistent (single inserts).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TerminalDirectory for MemoryDirectory {
    fn lookup<'a>(&'a self, phone: &'a str) -> DirFuture<'a, Option<TerminalInfo>> {
        let r = lock(&self.terminals).get(phone).cloned();
        Box::pin(async move { Ok(r) })
    }

    fn check_register<'a>(&'a self, claim: &'a RegisterClaim) -> DirFuture<'a, RegisterCheck> {
        let terminals = lock(&self.terminals);
        let r = match terminals.get(&claim.phone) {
            None => {
                if terminals
                    .values()
                    .any(|t| t.terminal_id == claim.terminal_id)
                {
                    RegisterCheck::TerminalRegistered
                } else {
                    RegisterCheck::NoSuchTerminal
                }
            }
            Some(t) if !t.active => RegisterCheck::NoSuchTerminal,
            Some(t) if !claim.terminal_id.is_empty() && t.terminal_id != claim.terminal_id => {
                RegisterCheck::NoSuchTerminal
            }
            Some(t) if t.vehicle_id.is_none() => RegisterCheck::NoSuchVehicle,
            Some(t) => {
                let claimed_plate = claim.plate_color != 0 && !claim.plate.is_empty();
                if !claimed_plate || t.plate.as_deref() == Some(claim.plate.as_str()) {
                    RegisterCheck::Accepted(t.clone())
                } else if terminals
                    .values()
                    .any(|o| o.plate.as_deref() == Some(claim.plate.as_str()))
                {
                    RegisterCheck::VehicleRegistered
                } else {
                    RegisterCheck::NoSuchVehicle
                }
            }
        };
        Box::pin(async move { Ok(r) })
    }

    fn auth_code<'a>(&'a self, terminal_row_id: i64) -> DirFuture<'a, Option<String>> {
        let r = lock(&self.codes).get(&terminal_row_id).cloned();
        Box::pin(async move { Ok(r) })
    }

    fn store_auth_code<'a>(&'a self, terminal_row_id: i64, code: &'a str) -> DirFuture<'a, ()> {
        lock(&self.codes).insert(terminal_row_id, code.to_string());
        Box::pin(async move { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_of_2019_headers_map_to_12_digit_sim_numbers() {
        assert_eq!(normalize_phone("00000000014400000001"), "014400000001");
        assert_eq!(normalize_phone("014400000001"), "014400000001");
        assert_eq!(
            normalize_phone("12345678901234567890"),
            "12345678901234567890"
        );
    }
}
