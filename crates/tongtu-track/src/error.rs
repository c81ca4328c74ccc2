//! Errors of the track store.

use std::path::PathBuf;

/// Anything the track store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// An I/O error on a named file.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done ("open", "write", "fsync", ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file failed its checksum or structure check.
    #[error("corrupt {path} at byte {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset of the bad structure.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Another process holds the store's write lock.
    #[error("track store {0} is locked by another process (is `tongtu serve` running?)")]
    Locked(PathBuf),
    /// The store has been shut down, or its writer thread died after an I/O failure.
    #[error("track store is closed{}", .0.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed(Option<String>),
    /// An export failed.
    #[error("export: {0}")]
    Export(String),
}

impl TrackError {
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> TrackError {
        let path = path.into();
        move |source| TrackError::Io { op, path, source }
    }
}

/// Result alias.
pub type Result<T, E = TrackError> = std::result::Result<T, E>;
