//! Platform-to-terminal commands. [`GatewayHandle`] finds the terminal's session, hands it
//! the command through a small mailbox, and waits for the answer the session matches by
//! serial (0x0001, 0x0201 or 0x0104), or for a timeout. Every outcome is logged on the
//! `audit` tracing target.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tongtu_jt808::msg::{Param, QueryParams, SetParams, TerminalControl, TextMessage};
use tongtu_jt808::Message;
use tongtu_track::Position;

use crate::directory::normalize_phone;
use crate::feed::{FeedReceiver, VehicleRef};
use crate::metrics::GatewayMetrics;
use crate::server::Shared;

/// The terminal's answer to a downlink command.
#[derive(Debug, Clone, PartialEq)]
pub enum DownlinkReply {
    /// 0x0001 general response: 0 success, 1 failure, 2 message error, 3 unsupported.
    Ack {
        /// Result code.
        result: u8,
    },
    /// 0x0201 answer to a position query (also stored, flagged FROM_QUERY).
    Location(Position),
    /// 0x0104 answer to a parameter query.
    Params(Vec<Param>),
}

/// Why a downlink command got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownlinkError {
    /// No authenticated session for this phone number.
    #[error("terminal {0} is not online")]
    Offline(String),
    /// The terminal did not answer in time.
    #[error("terminal did not answer within {0:?}")]
    Timeout(Duration),
    /// The session ended before the answer.
    #[error("the terminal's session ended before it answered")]
    SessionClosed,
    /// The command could not be encoded (text not representable in GBK, body too long).
    #[error("cannot encode the command: {0}")]
    Encode(String),
}

pub(crate) struct Command {
    pub message: Message,
    pub reply: oneshot::Sender<Result<DownlinkReply, DownlinkError>>,
}

/// Per-session inbox. A mutex-guarded deque and a `Notify` cost a few dozen bytes per idle
/// session, unlike a channel that preallocates a block of slots.
#[derive(Default)]
pub(crate) struct Mailbox {
    queue: Mutex<VecDeque<Command>>,
    pub notify: Notify,
    kicked: AtomicBool,
}

impl Mailbox {
    fn push(&self, c: Command) {
        lock(&self.queue).push_back(c);
        self.notify.notify_one();
    }

    pub(crate) fn take(&self) -> VecDeque<Command> {
        std::mem::take(&mut *lock(&self.queue))
    }

    /// Tells the session a newer session of the same terminal replaced it.
    fn kick(&self) {
        self.kicked.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    pub(crate) fn kicked(&self) -> bool {
        self.kicked.load(Ordering::Acquire)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Critical sections are single map/deque operations; a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Entry {
    session_id: u64,
    vehicle: Arc<VehicleRef>,
    mailbox: Arc<Mailbox>,
}

const SHARDS: usize = 32;

/// Authenticated sessions by normalised phone, sharded so that mass reconnects do not
/// serialise on one lock.
pub(crate) struct SessionTable {
    shards: Vec<Mutex<HashMap<Arc<str>, Entry>>>,
}

impl SessionTable {
    pub(crate) fn new() -> Self {
        SessionTable {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, phone: &str) -> &Mutex<HashMap<Arc<str>, Entry>> {
        let mut h = DefaultHasher::new();
        phone.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// Registers a session; a previous session of the same terminal is kicked. Returns
    /// whether one was replaced.
    pub(crate) fn insert(
        &self,
        session_id: u64,
        vehicle: Arc<VehicleRef>,
        mailbox: Arc<Mailbox>,
    ) -> bool {
        let key = vehicle.phone.clone();
        let old = lock(self.shard(&key)).insert(
            key,
            Entry {
                session_id,
                vehicle,
                mailbox,
            },
        );
        match old {
            Some(old) if old.session_id != session_id => {
                old.mailbox.kick();
                true
            }
            _ => false,
        }
    }

    /// Removes the session if it is still the registered one.
    pub(crate) fn remove(&self, phone: &str, session_id: u64) {
        let mut shard = lock(self.shard(phone));
        if shard.get(phone).is_some_and(|e| e.session_id == session_id) {
            shard.remove(phone);
        }
    }

    fn get(&self, phone: &str) -> Option<(Arc<VehicleRef>, Arc<Mailbox>)> {
        lock(self.shard(phone))
            .get(phone)
            .map(|e| (e.vehicle.clone(), e.mailbox.clone()))
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }
}

/// Cheap, cloneable access to a running gateway for the API and the rules engine.
#[derive(Clone)]
pub struct GatewayHandle {
    pub(crate) shared: Arc<Shared>,
}

impl GatewayHandle {
    /// 0x8300 text to the driver (`flag`: JT/T 808 bits, e.g. 0x08 TTS | 0x04 display).
    pub async fn send_text(
        &self,
        phone: &str,
        text: &str,
        flag: u8,
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        let m = Message::Text(TextMessage {
            flag,
            text_type: None,
            text: text.to_string(),
        });
        self.command(phone, m, None, requested_by).await
    }

    /// 0x8201 position query; the answer is stored too.
    pub async fn query_location(
        &self,
        phone: &str,
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        self.command(phone, Message::QueryLocation, None, requested_by)
            .await
    }

    /// 0x8104 (all parameters, `ids` empty) or 0x8106 (the given ids).
    pub async fn query_params(
        &self,
        phone: &str,
        ids: &[u32],
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        let m = if ids.is_empty() {
            Message::QueryAllParams
        } else {
            Message::QueryParams(QueryParams { ids: ids.to_vec() })
        };
        self.command(phone, m, None, requested_by).await
    }

    /// 0x8103 set parameters.
    pub async fn set_params(
        &self,
        phone: &str,
        params: Vec<Param>,
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        self.command(
            phone,
            Message::SetParams(SetParams { params }),
            None,
            requested_by,
        )
        .await
    }

    /// 0x8105 terminal control (`command` 1–7, `params` `;`-separated).
    pub async fn control(
        &self,
        phone: &str,
        command: u8,
        params: &str,
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        let m = Message::TerminalControl(TerminalControl {
            command,
            params: params.to_string(),
        });
        self.command(phone, m, None, requested_by).await
    }

    /// Any platform message; waits for the answer matched by serial, up to `timeout`
    /// (default: the configured downlink timeout).
    pub async fn command(
        &self,
        phone: &str,
        message: Message,
        timeout: Option<Duration>,
        requested_by: &str,
    ) -> Result<DownlinkReply, DownlinkError> {
        let phone = normalize_phone(phone);
        let msg_id = message.msg_id();
        let timeout = timeout.unwrap_or(self.shared.cfg.downlink_timeout);
        let (plate, result) = match self.shared.table.get(&phone) {
            None => (None, Err(DownlinkError::Offline(phone.clone()))),
            Some((vehicle, mailbox)) => {
                let (tx, rx) = oneshot::channel();
                mailbox.push(Command { message, reply: tx });
                let r = match tokio::time::timeout(timeout, rx).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(_)) => Err(DownlinkError::SessionClosed),
                    Err(_) => Err(DownlinkError::Timeout(timeout)),
                };
                (Some(vehicle.plate.clone()), r)
            }
        };
        let outcome = match &result {
            Ok(DownlinkReply::Ack { result: 0 })
            | Ok(DownlinkReply::Location(_))
            | Ok(DownlinkReply::Params(_)) => "answered",
            Ok(DownlinkReply::Ack { .. }) => "refused",
            Err(DownlinkError::Offline(_)) => "offline",
            Err(DownlinkError::Timeout(_)) => "timeout",
            Err(DownlinkError::SessionClosed) => "closed",
            Err(DownlinkError::Encode(_)) => "encode_error",
        };
        GatewayMetrics::count(&self.shared.metrics.downlinks, outcome);
        tracing::info!(
            target: "audit",
            phone = %phone,
            plate = plate.as_deref().unwrap_or(""),
            msg_id = format_args!("0x{msg_id:04X}"),
            requested_by,
            outcome,
            reply = ?result,
            "jt808 downlink"
        );
        result
    }

    /// A live-feed subscriber (positions once durable, online/offline events).
    pub fn subscribe(&self) -> FeedReceiver {
        self.shared.feed.subscribe()
    }

    /// Authenticated sessions.
    pub fn online_count(&self) -> usize {
        self.shared.table.len()
    }

    /// Whether the terminal with this phone number is online.
    pub fn is_online(&self, phone: &str) -> bool {
        self.shared.table.get(&normalize_phone(phone)).is_some()
    }
}
