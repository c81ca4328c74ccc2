//! Errors of alarm storage and the handling workflow.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AlarmError {
    /// No such alarm, or not visible to the caller (the two are not told apart, so that an
    /// enterprise cannot probe another's alarm ids).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller lacks a permission.
    #[error("{0}")]
    Forbidden(String),
    /// A field of the request is invalid.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The operation does not fit the alarm's current state.
    #[error("{0}")]
    Conflict(String),
    /// The terminal is not connected.
    #[error("{0}")]
    TerminalUnavailable(String),
    /// The terminal did not answer in time.
    #[error("{0}")]
    TerminalTimeout(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Registry(#[from] tongtu_registry::RegistryError),
    #[error("{0}")]
    Internal(String),
}

impl AlarmError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AlarmError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = AlarmError> = std::result::Result<T, E>;
