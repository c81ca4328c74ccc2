//! The live feed: accepted (durable) positions and session events, broadcast to the rules
//! engine and WebSocket clients. Bounded per subscriber; a subscriber that falls behind
//! loses the oldest events and the loss is counted, ingestion never waits.

use std::net::SocketAddr;
use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use tokio::sync::broadcast;
use tongtu_track::Position;

/// Who a feed event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRef {
    /// Registry vehicle id (the `Position::vehicle_id`).
    pub vehicle_id: u32,
    /// Terminal phone (SIM) number, normalised to the registry form.
    pub phone: Arc<str>,
    /// Plate number.
    pub plate: Arc<str>,
    /// Plate colour (JT/T 697.7).
    pub plate_color: u8,
    /// Owning enterprise (lets the WebSocket filter per enterprise).
    pub enterprise_id: i64,
}

/// One event of the live feed.
#[derive(Debug, Clone)]
pub enum FeedEvent {
    /// Positions of one frame, published once they are durable.
    Positions {
        /// The vehicle.
        vehicle: Arc<VehicleRef>,
        /// The positions, in frame order.
        positions: Arc<[Position]>,
    },
    /// A terminal authenticated.
    Online {
        /// The vehicle.
        vehicle: Arc<VehicleRef>,
        /// Peer address.
        addr: SocketAddr,
    },
    /// An authenticated session ended.
    Offline {
        /// The vehicle.
        vehicle: Arc<VehicleRef>,
        /// Why (`logout`, `idle`, `closed`, `replaced`, `shutdown`, ...).
        reason: &'static str,
    },
}

/// Publishing side, shared by the sessions and the batcher.
#[derive(Clone)]
pub struct LiveFeed {
    tx: broadcast::Sender<FeedEvent>,
    lagged: Counter,
}

impl LiveFeed {
    pub(crate) fn new(capacity: usize, lagged: Counter) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(16));
        LiveFeed { tx, lagged }
    }

    pub(crate) fn publish(&self, event: FeedEvent) {
        // No subscriber is not an error: the feed is best effort by design.
        let _ = self.tx.send(event);
    }

    /// A new subscriber, seeing events from now on.
    pub fn subscribe(&self) -> FeedReceiver {
        FeedReceiver {
            rx: self.tx.subscribe(),
            lagged: self.lagged.clone(),
            missed: 0,
        }
    }
}

/// Receiving side of the live feed.
pub struct FeedReceiver {
    rx: broadcast::Receiver<FeedEvent>,
    lagged: Counter,
    missed: u64,
}

impl FeedReceiver {
    /// The next event; `None` once the gateway is gone. Events lost because this receiver
    /// fell behind are skipped, counted in [`FeedReceiver::missed`] and in the
    /// `jt808_feed_lagged_events` metric.
    pub async fn recv(&mut self) -> Option<FeedEvent> {
        loop {
            match self.rx.recv().await {
                Ok(e) => return Some(e),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.missed += n;
                    self.lagged.inc_by(n);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Events this receiver missed because it was too slow.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}
