//! Tongtu JT/T 808 gateway: terminals connect over TCP, register and authenticate against
//! a [`TerminalDirectory`], and send positions that become [`tongtu_track::Position`]s.
//! A position frame is acknowledged (0x8001) only once the batch holding it is durable in
//! the [`tongtu_track::PositionSink`]; a central batcher shares one append (and fsync)
//! between many sessions. Downlink commands go through [`GatewayHandle`]; accepted
//! positions and session events are broadcast on the live feed ([`FeedReceiver`]).
//!
//! The gateway knows nothing of HTTP or SQL: the binary supplies the directory (over the
//! registry database) and the sink (the track store), and registers [`GatewayMetrics`].
//!
//! ```no_run
//! # async fn example(sink: std::sync::Arc<dyn tongtu_track::PositionSink>) -> std::io::Result<()> {
//! use tongtu_gateway::{Gateway, GatewayConfig, GatewayMetrics, MemoryDirectory};
//! let gw = Gateway::bind("0.0.0.0:7808", GatewayConfig::default(), MemoryDirectory::new(), sink,
//!                        GatewayMetrics::new()).await?;
//! let handle = gw.handle();
//! let mut feed = handle.subscribe();
//! tokio::spawn(async move { while let Some(_event) = feed.recv().await {} });
//! gw.shutdown().await; // stop accepting, ack what is durable, flush
//! # Ok(()) }
//! ```

mod batcher;
mod config;
mod convert;
mod directory;
mod downlink;
mod feed;
mod metrics;
mod reassembly;
mod server;
mod session;

pub use config::GatewayConfig;
pub use directory::{
    normalize_phone, DirFuture, DirectoryError, MemoryDirectory, RegisterCheck, RegisterClaim,
    TerminalDirectory, TerminalInfo,
};
pub use downlink::{DownlinkError, DownlinkReply, GatewayHandle};
pub use feed::{FeedEvent, FeedReceiver, VehicleRef};
pub use metrics::{msg_label, FrameLabels, GatewayMetrics, KindLabel};
pub use server::Gateway;
