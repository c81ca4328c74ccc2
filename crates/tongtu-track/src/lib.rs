//! Tongtu track store.
//!
//! Positions enter through [`PositionSink::append`], which resolves only once the batch is
//! durable in the write-ahead log (one fsync covers every batch that arrived meanwhile).
//! Closed WAL files are compacted into per-day columnar segment files sorted by
//! (vehicle, device time); queries merge segments with the not-yet-compacted tail.

pub mod check;
pub mod columns;
mod error;
pub mod export;
mod position;
pub mod segment;
mod store;
pub mod wal;

pub use error::{Result, TrackError};
pub use position::{
    date_day, day_date, day_of, day_start_ms, distance_m, flags, Position, BEIJING_OFFSET_MS,
    DAY_MS,
};

pub use store::{mileage_of, DailyMileage, RecoveryReport, TrackConfig, TrackStore};

use std::future::Future;
use std::pin::Pin;

/// Future returned by [`PositionSink::append`].
pub type AppendFuture = Pin<Box<dyn Future<Output = Result<()>> + Send + 'static>>;

/// Where the gateway puts positions. Resolving `Ok` means every position of the batch is
/// durable (survives `kill -9` and power loss), so the terminal may be acknowledged.
///
/// A trait so that the scale-out wiring (gateway → NATS JetStream → track writers) is a
/// change of implementation, not of the gateway.
pub trait PositionSink: Send + Sync + 'static {
    /// Appends a batch. Waiting on the future applies backpressure when storage lags.
    fn append(&self, batch: Vec<Position>) -> AppendFuture;
}
