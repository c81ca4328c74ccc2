//! Errors of registry operations, shaped so the HTTP layer can map them to status codes.

use serde::Serialize;

/// One field that failed validation, with a message for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One bad cell of an imported sheet. `row` is the 1-based sheet row as Excel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CellError {
    pub row: u32,
    pub column: String,
    pub header: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("validation failed: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("import rejected: {} bad cells", .0.len())]
    Import(Vec<CellError>),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;
