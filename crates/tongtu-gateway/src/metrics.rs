//! Prometheus metrics of the gateway: connections by state, frames by message id and
//! direction, decode errors by kind, ack and append latency, reassemblies, live-feed lag.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Labels of `jt808_frames`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FrameLabels {
    /// `in` (terminal to platform) or `out`.
    pub direction: &'static str,
    /// `0x0200` style, or `other` for ids the gateway does not know (bounds cardinality).
    pub msg_id: &'static str,
}

/// A single `kind` / `state` / `reason` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The label value.
    pub kind: &'static str,
}

/// Every gateway metric; cloning shares the underlying values.
#[derive(Clone)]
pub struct GatewayMetrics {
    /// Open connections by state (`connected`, `authenticated`).
    pub connections: Family<KindLabel, Gauge>,
    /// Connections accepted / refused at accept.
    pub accepted: Family<KindLabel, Counter>,
    /// Closed sessions by reason.
    pub disconnects: Family<KindLabel, Counter>,
    /// Frames by direction and message id.
    pub frames: Family<FrameLabels, Counter>,
    /// Rejected input by kind (checksum, escape, garbage, too_long, ...).
    pub decode_errors: Family<KindLabel, Counter>,
    /// Positions accepted into storage, by source (location, batch, supplementary, query).
    pub positions: Family<KindLabel, Counter>,
    /// Receive-to-ack latency of position frames (includes the durable write).
    pub ack_latency: Histogram,
    /// Latency of one `PositionSink::append` (the WAL write and fsync it waits for).
    pub append_latency: Histogram,
    /// Positions per append call (group commit effectiveness).
    pub batch_size: Histogram,
    /// Appends that failed (frames answered with a failure result instead).
    pub append_failures: Counter,
    /// Subpackage reassemblies in progress.
    pub reassemblies: Gauge,
    /// Reassemblies completed / dropped (timeout, limits).
    pub reassembly_outcomes: Family<KindLabel, Counter>,
    /// Live-feed events a slow subscriber missed.
    pub feed_lagged: Counter,
    /// Downlink commands by outcome.
    pub downlinks: Family<KindLabel, Counter>,
    /// Registrations and authentications by result.
    pub logins: Family<KindLabel, Counter>,
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl GatewayMetrics {
    /// Fresh, unregistered metrics.
    pub fn new() -> Self {
        GatewayMetrics {
            connections: Family::default(),
            accepted: Family::default(),
            disconnects: Family::default(),
            frames: Family::default(),
            decode_errors: Family::default(),
            positions: Family::default(),
            ack_latency: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            append_latency: Histogram::new(exponential_buckets(0.0002, 2.0, 14)),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 16)),
            append_failures: Counter::default(),
            reassemblies: Gauge::default(),
            reassembly_outcomes: Family::default(),
            feed_lagged: Counter::default(),
            downlinks: Family::default(),
            logins: Family::default(),
        }
    }

    /// Registers every metric under `jt808_` in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("jt808");
        r.register(
            "connections",
            "Open JT/T 808 connections by state",
            self.connections.clone(),
        );
        r.register(
            "accepted",
            "Accepted or refused connections",
            self.accepted.clone(),
        );
        r.register(
            "disconnects",
            "Closed sessions by reason",
            self.disconnects.clone(),
        );
        r.register(
            "frames",
            "Frames by direction and message id",
            self.frames.clone(),
        );
        r.register(
            "decode_errors",
            "Rejected input by kind",
            self.decode_errors.clone(),
        );
        r.register(
            "positions",
            "Positions made durable, by source",
            self.positions.clone(),
        );
        r.register(
            "ack_latency_seconds",
            "Receive to 0x8001 latency of position frames (includes the durable write)",
            self.ack_latency.clone(),
        );
        r.register(
            "append_latency_seconds",
            "Latency of one group-commit append to the track store (WAL write + fsync)",
            self.append_latency.clone(),
        );
        r.register(
            "append_batch_positions",
            "Positions per append",
            self.batch_size.clone(),
        );
        r.register(
            "append_failures",
            "Failed appends",
            self.append_failures.clone(),
        );
        r.register(
            "reassemblies_in_flight",
            "Subpackage reassemblies in progress",
            self.reassemblies.clone(),
        );
        r.register(
            "reassemblies",
            "Reassemblies by outcome",
            self.reassembly_outcomes.clone(),
        );
        r.register(
            "feed_lagged_events",
            "Live-feed events lost by slow subscribers",
            self.feed_lagged.clone(),
        );
        r.register(
            "downlinks",
            "Downlink commands by outcome",
            self.downlinks.clone(),
        );
        r.register(
            "logins",
            "Registrations and authentications by result",
            self.logins.clone(),
        );
    }

    pub(crate) fn frame(&self, direction: &'static str, msg_id: u16) {
        self.frames
            .get_or_create(&FrameLabels {
                direction,
                msg_id: msg_label(msg_id),
            })
            .inc();
    }

    pub(crate) fn count(family: &Family<KindLabel, Counter>, kind: &'static str) {
        family.get_or_create(&KindLabel { kind }).inc();
    }

    pub(crate) fn conn_state(&self, kind: &'static str) -> Gauge {
        self.connections.get_or_create(&KindLabel { kind }).clone()
    }
}

/// Label of a message id; unknown ids share `other` so a hostile peer cannot grow the series.
pub fn msg_label(id: u16) -> &'static str {
    match id {
        0x0001 => "0x0001",
        0x0002 => "0x0002",
        0x0003 => "0x0003",
        0x0100 => "0x0100",
        0x0102 => "0x0102",
        0x0104 => "0x0104",
        0x0107 => "0x0107",
        0x0108 => "0x0108",
        0x0200 => "0x0200",
        0x0201 => "0x0201",
        0x0500 => "0x0500",
        0x0701 => "0x0701",
        0x0702 => "0x0702",
        0x0704 => "0x0704",
        0x0705 => "0x0705",
        0x0800 => "0x0800",
        0x0801 => "0x0801",
        0x0805 => "0x0805",
        0x0900 => "0x0900",
        0x8001 => "0x8001",
        0x8003 => "0x8003",
        0x8100 => "0x8100",
        0x8103 => "0x8103",
        0x8104 => "0x8104",
        0x8105 => "0x8105",
        0x8106 => "0x8106",
        0x8201 => "0x8201",
        0x8300 => "0x8300",
        _ => "other",
    }
}
