//! Limits and timeouts of the gateway. Every value has a default that suits a municipal
//! platform on a small box; the binary maps its `[jt808]` configuration section onto this.

use std::time::Duration;

/// Gateway settings (the listen address is passed to [`crate::Gateway::start`] separately).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Interval terminals are told to heartbeat at; the idle timeout derives from it.
    pub heartbeat_interval: Duration,
    /// A session with no complete valid frame for this long is closed (default 3 × heartbeat).
    /// Counting frames rather than bytes is what defeats slowloris senders.
    pub idle_timeout: Duration,
    /// A connection must authenticate within this time.
    pub auth_timeout: Duration,
    /// Longest escaped frame accepted (delimiters included); longer ones are dropped.
    pub max_frame_len: usize,
    /// Bad frames (garbage, checksum, escape, undecodable) tolerated per minute before the
    /// connection is closed.
    pub max_bad_frames_per_minute: u32,
    /// Messages other than register/authenticate sent before authentication that are
    /// answered with a failure before the connection is closed.
    pub max_unauthenticated_messages: u32,
    /// Open connections beyond this are refused at accept.
    pub max_connections: usize,
    /// Position frames of one session waiting for their durable write; reading from that
    /// socket pauses beyond it.
    pub max_inflight_per_session: usize,
    /// Concurrent subpackage reassemblies per session.
    pub max_reassemblies_per_session: usize,
    /// Bytes held by the reassemblies of one session.
    pub max_reassembly_bytes_per_session: usize,
    /// Fragments a subpackaged message may declare.
    pub max_fragments: u16,
    /// A reassembly without progress for this long asks for the missing fragments (0x8003);
    /// after three such requests it is dropped.
    pub reassembly_timeout: Duration,
    /// Group commit: the batcher waits at most this long for more positions...
    pub batch_linger: Duration,
    /// ...or until this many positions are collected, then appends them in one call.
    pub batch_max_positions: usize,
    /// Appends in flight at once (the store group-commits them); beyond it the batcher
    /// stops taking submissions, which stops the sessions reading: backpressure.
    pub max_inflight_appends: usize,
    /// Submissions queued for the batcher.
    pub batch_queue: usize,
    /// Default time a downlink command waits for the terminal's answer.
    pub downlink_timeout: Duration,
    /// Writes to a terminal that cannot complete within this time close the connection.
    pub write_timeout: Duration,
    /// Live-feed events buffered per subscriber; a subscriber further behind loses the
    /// oldest events (counted), ingestion never waits for it.
    pub feed_capacity: usize,
    /// On shutdown, how long sessions wait for their last durable acks.
    pub shutdown_grace: Duration,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        let heartbeat = Duration::from_secs(60);
        GatewayConfig {
            heartbeat_interval: heartbeat,
            idle_timeout: heartbeat * 3,
            auth_timeout: Duration::from_secs(60),
            max_frame_len: tongtu_jt808::DEFAULT_MAX_FRAME_LEN,
            max_bad_frames_per_minute: 30,
            max_unauthenticated_messages: 5,
            max_connections: 200_000,
            max_inflight_per_session: 16,
            max_reassemblies_per_session: 4,
            max_reassembly_bytes_per_session: 256 * 1024,
            max_fragments: 512,
            reassembly_timeout: Duration::from_secs(10),
            batch_linger: Duration::from_millis(2),
            batch_max_positions: 8192,
            max_inflight_appends: 4,
            batch_queue: 65_536,
            downlink_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(20),
            feed_capacity: 4096,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
