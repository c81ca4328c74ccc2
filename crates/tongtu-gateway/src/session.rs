//! One terminal connection: reads frames, walks the register → authenticate → online
//! lifecycle, turns location reports into positions for the batcher and acknowledges them
//! once durable, reassembles subpackages, runs downlink commands, and enforces the
//! per-connection limits (frame size, bad-frame rate, idle and auth timeouts, in-flight
//! acks). Small when idle: no read buffer of its own (reads go through a per-thread
//! scratch buffer), only the splitter's leftover of an unfinished frame.

use std::cell::RefCell;
use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus_client::metrics::gauge::Gauge;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tongtu_jt808::msg::{Auth, Location, Register, ResendRequest};
use tongtu_jt808::{
    DecodeError, ErrorKind, FrameErrorKind, FrameSplitter, Header, Message, Packet, Phone,
    ProtocolVersion, RegisterResult, ResponseResult,
};
use tongtu_track::{flags, Position};

use crate::batcher::{Durable, Submission};
use crate::convert::to_position;
use crate::directory::{normalize_phone, RegisterCheck, RegisterClaim};
use crate::downlink::{DownlinkError, DownlinkReply, Mailbox};
use crate::feed::{FeedEvent, VehicleRef};
use crate::metrics::GatewayMetrics;
use crate::reassembly::{Limits, Pushed, Reassembler};
use crate::server::Shared;

/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 4096;

thread_local! {
    // Shared by every session on this worker thread; never held across an await.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; READ_CHUNK]);
}

struct Authed {
    vehicle: Arc<VehicleRef>,
    mailbox: Arc<Mailbox>,
    phone: Phone,
    gauge: Gauge,
}

struct PendingAck {
    rx: oneshot::Receiver<Durable>,
    acks: Vec<Header>,
    received: Instant,
}

struct PendingDownlink {
    serial: u16,
    reply: oneshot::Sender<Result<DownlinkReply, DownlinkError>>,
}

enum Parsed {
    Packet(Packet),
    Bad {
        kind: &'static str,
        header: Option<Header>,
        error: String,
    },
}

enum Ev {
    Shutdown,
    Durable(Result<Durable, oneshot::error::RecvError>),
    Mail,
    Readable(std::io::Result<()>),
    Timer,
}

struct Session {
    shared: Arc<Shared>,
    id: u64,
    addr: SocketAddr,
    stream: TcpStream,
    splitter: FrameSplitter,
    out: Vec<u8>,
    serial: u16,
    version: ProtocolVersion,
    last_phone: Option<Phone>,
    authed: Option<Authed>,
    connected_at: Instant,
    last_frame: Instant,
    unauth: u32,
    bad: u32,
    bad_since: Instant,
    pending: VecDeque<PendingAck>,
    downlinks: Vec<PendingDownlink>,
    reasm: Reassembler,
    close: Option<&'static str>,
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    stream: TcpStream,
    addr: SocketAddr,
    id: u64,
    _alive: mpsc::Sender<()>,
) {
    let conn = shared.metrics.conn_state("connected");
    conn.inc();
    shared
        .open
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = Instant::now();
    let mut s = Session {
        splitter: FrameSplitter::with_max_frame_len(shared.cfg.max_frame_len),
        shared,
        id,
        addr,
        stream,
        out: Vec::new(),
        serial: 0,
        version: ProtocolVersion::V2013,
        last_phone: None,
        authed: None,
        connected_at: now,
        last_frame: now,
        unauth: 0,
        bad: 0,
        bad_since: now,
        pending: VecDeque::new(),
        downlinks: Vec::new(),
        reasm: Reassembler::default(),
        close: None,
    };
    let reason = s.serve().await;
    s.finish(reason).await;
    conn.dec();
    s.shared
        .open
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
}

fn frame_error_kind(k: &FrameErrorKind) -> &'static str {
    match k {
        FrameErrorKind::Garbage { .. } => "garbage",
        FrameErrorKind::TooLong { .. } => "too_long",
        FrameErrorKind::Unterminated { .. } => "unterminated",
        FrameErrorKind::Invalid(e) => decode_error_kind(e),
    }
}

fn decode_error_kind(e: &DecodeError) -> &'static str {
    match e.kind() {
        ErrorKind::Checksum => "checksum",
        ErrorKind::Escape => "escape",
        ErrorKind::Truncated => "truncated",
        ErrorKind::Bcd => "bcd",
        ErrorKind::Text => "text",
        ErrorKind::Encryption => "encryption",
        ErrorKind::Value => "value",
    }
}

/// Decodes a checked frame. A 0x0200 whose only fault is an impossible BCD time (devices
/// without a fix send such values) is decoded with the time cleared, so the position is
/// kept and flagged NO_DEVICE_TIME instead of being lost.
fn parse(content: &[u8], metrics: &GatewayMetrics) -> Parsed {
    match Packet::decode(content) {
        Ok(p) => Parsed::Packet(p),
        Err(e) => {
            let header = Header::decode(content).ok();
            if let Some(h) = header {
                if h.msg_id == 0x0200 && e.kind() == ErrorKind::Bcd && h.subpackage.is_none() {
                    let hl = h.encoded_len();
                    if let Some(body) = content.get(hl..content.len().saturating_sub(1)) {
                        if body.len() >= 28 {
                            let mut fixed = body.to_vec();
                            fixed[22..28].fill(0);
                            if let Ok(m) = Message::decode(h.msg_id, h.version, &fixed) {
                                GatewayMetrics::count(&metrics.decode_errors, "bad_time_cleared");
                                return Parsed::Packet(Packet::new(h, m));
                            }
                        }
                    }
                }
            }
            Parsed::Bad {
                kind: decode_error_kind(&e),
                header,
                error: e.to_string(),
            }
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn new_auth_code(seed: u64) -> String {
    let h = RandomState::new().hash_one((seed, std::time::SystemTime::now()));
    format!("{h:016X}")
}

impl Session {
    fn phone_str(&self) -> String {
        match &self.authed {
            Some(a) => a.vehicle.phone.to_string(),
            None => self
                .last_phone
                .map(|p| normalize_phone(&p.digits()))
                .unwrap_or_default(),
        }
    }

    fn plate(&self) -> &str {
        self.authed.as_ref().map_or("", |a| &a.vehicle.plate)
    }

    fn next_serial(&mut self) -> u16 {
        let s = self.serial;
        self.serial = self.serial.wrapping_add(1);
        s
    }

    fn push_packet(&mut self, p: &Packet) {
        match p.encode_into(&mut self.out) {
            Ok(()) => self.shared.metrics.frame("out", p.header.msg_id),
            Err(e) => {
                tracing::error!(phone = %self.phone_str(), error = %e, msg_id = p.header.msg_id, "cannot encode reply")
            }
        }
    }

    fn respond(&mut self, to: &Header, result: ResponseResult) {
        let serial = self.next_serial();
        self.push_packet(&Packet::general_response(to, serial, result));
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let timeout = self.shared.cfg.write_timeout;
        let res = tokio::time::timeout(timeout, write_all(&self.stream, &self.out)).await;
        self.out.clear();
        if self.out.capacity() > READ_CHUNK {
            self.out = Vec::new();
        }
        match res {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "terminal does not read its socket",
            )),
        }
    }

    async fn serve(&mut self) -> &'static str {
        let mut shutdown = self.shared.shutdown.clone();
        if *shutdown.borrow() {
            return "shutdown";
        }
        let cfg = self.shared.cfg.clone();
        loop {
            if let Some(r) = self.close {
                return r;
            }
            let mut deadline = self.last_frame + cfg.idle_timeout;
            if self.authed.is_none() {
                deadline = deadline.min(self.connected_at + cfg.auth_timeout);
            }
            if let Some(d) = self.reasm.next_deadline(cfg.reassembly_timeout) {
                deadline = deadline.min(d);
            }
            let can_read = self.pending.len() < cfg.max_inflight_per_session;
            let mailbox = self.authed.as_ref().map(|a| a.mailbox.clone());
            let ev = {
                let pending = &mut self.pending;
                let stream = &self.stream;
                let has_pending = !pending.is_empty();
                tokio::select! {
                    biased;
                    _ = shutdown.changed() => Ev::Shutdown,
                    r = async {
                        match pending.front_mut() {
                            Some(p) => (&mut p.rx).await,
                            None => std::future::pending().await,
                        }
                    }, if has_pending => Ev::Durable(r),
                    _ = async {
                        match &mailbox {
                            Some(m) => m.notify.notified().await,
                            None => std::future::pending().await,
                        }
                    } => Ev::Mail,
                    r = stream.readable(), if can_read => Ev::Readable(r),
                    _ = tokio::time::sleep_until(deadline.into()) => Ev::Timer,
                }
            };
            match ev {
                Ev::Shutdown => return "shutdown",
                Ev::Durable(r) => {
                    self.on_durable(r);
                    self.drain_ready_acks();
                }
                Ev::Mail => self.on_mail(),
                Ev::Readable(Err(_)) => return "read_error",
                Ev::Readable(Ok(())) => {
                    if let Some(reason) = self.on_readable().await {
                        let _ = self.flush().await;
                        return reason;
                    }
                }
                Ev::Timer => self.on_timer(),
            }
            if self.flush().await.is_err() {
                return "write_error";
            }
        }
    }

    fn on_durable(&mut self, r: Result<Durable, oneshot::error::RecvError>) {
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        let ok = matches!(r, Ok(Ok(())));
        let result = if ok {
            ResponseResult::Success
        } else {
            ResponseResult::Failure
        };
        for h in &p.acks {
            self.respond(h, result);
        }
        if ok {
            self.shared
                .metrics
                .ack_latency
                .observe(p.received.elapsed().as_secs_f64());
        }
    }

    fn drain_ready_acks(&mut self) {
        while let Some(front) = self.pending.front_mut() {
            match front.rx.try_recv() {
                Ok(r) => self.on_durable(Ok(r)),
                Err(oneshot::error::TryRecvError::Empty) => break,
                Err(oneshot::error::TryRecvError::Closed) => {
                    self.on_durable(Ok(Err(Arc::from("batcher gone"))))
                }
            }
        }
    }

    /// Reads what the socket has; returns a close reason on end of stream or error.
    async fn on_readable(&mut self) -> Option<&'static str> {
        let metrics = self.shared.metrics.clone();
        let read = SCRATCH.with(|buf| {
            let mut buf = buf.borrow_mut();
            match self.stream.try_read(&mut buf[..]) {
                Ok(0) => Err("closed"),
                Ok(n) => {
                    let mut parsed = Vec::new();
                    for item in self.splitter.feed(&buf[..n]) {
                        parsed.push(match item {
                            Ok(frame) => parse(frame.content(), &metrics),
                            Err(e) => Parsed::Bad {
                                kind: frame_error_kind(&e.kind),
                                header: None,
                                error: e.to_string(),
                            },
                        });
                    }
                    Ok(parsed)
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(Vec::new()),
                Err(_) => Err("read_error"),
            }
        });
        let parsed = match read {
            Ok(p) => p,
            Err(reason) => {
                if let Some(e) = self.splitter.finish() {
                    GatewayMetrics::count(&metrics.decode_errors, frame_error_kind(&e.kind));
                }
                return Some(reason);
            }
        };
        let now = Instant::now();
        for p in parsed {
            match p {
                Parsed::Packet(p) => self.on_packet(p, now).await,
                Parsed::Bad {
                    kind,
                    header,
                    error,
                } => self.on_bad(kind, header, &error, now),
            }
            if self.close.is_some() {
                break;
            }
        }
        None
    }

    fn on_bad(&mut self, kind: &'static str, header: Option<Header>, error: &str, now: Instant) {
        let cfg = self.shared.cfg.clone();
        GatewayMetrics::count(&self.shared.metrics.decode_errors, kind);
        tracing::debug!(phone = %self.phone_str(), plate = self.plate(), peer = %self.addr, kind, error, "bad JT/T 808 input");
        if let Some(h) = header {
            // The header is readable: tell the terminal its message was wrong.
            self.respond(&h, ResponseResult::BadMessage);
        }
        if now.duration_since(self.bad_since) > Duration::from_secs(60) {
            self.bad_since = now;
            self.bad = 0;
        }
        self.bad += 1;
        if self.bad > cfg.max_bad_frames_per_minute {
            tracing::warn!(phone = %self.phone_str(), plate = self.plate(), peer = %self.addr, bad = self.bad, "too many bad frames; closing");
            self.close = Some("bad_frames");
        }
    }

    async fn on_packet(&mut self, p: Packet, now: Instant) {
        let h = p.header;
        self.shared.metrics.frame("in", h.msg_id);
        self.last_frame = now;
        self.version = h.version;
        self.last_phone = Some(h.phone);
        if let Some(a) = &self.authed {
            if a.phone != h.phone {
                self.on_bad(
                    "phone_mismatch",
                    Some(h),
                    "frame from another phone number",
                    now,
                );
                return;
            }
        }
        let Some(sub) = h.subpackage else {
            return self.on_message(h, p.message, vec![h]).await;
        };
        if self.authed.is_none() {
            return self.unauthenticated(&h);
        }
        let Message::Raw { body, .. } = p.message else {
            return;
        };
        let cfg = &self.shared.cfg;
        let limits = Limits {
            max_messages: cfg.max_reassemblies_per_session,
            max_bytes: cfg.max_reassembly_bytes_per_session,
            max_fragments: cfg.max_fragments,
        };
        let before = self.reasm.in_flight();
        let pushed = self.reasm.push(&h, sub, &body, now, &limits);
        self.update_reasm_gauge(before);
        let metrics = self.shared.metrics.clone();
        match pushed {
            Pushed::Incomplete { resend } => {
                // Fragments are acknowledged as they arrive (stop-and-wait terminals need
                // it); the fragment that completes a message is acknowledged with it.
                self.respond(&h, ResponseResult::Success);
                if let Some((first, ids)) = resend {
                    self.send_resend(first, ids);
                }
            }
            Pushed::Duplicate => self.respond(&h, ResponseResult::Success),
            Pushed::Rejected(reason) => {
                GatewayMetrics::count(&metrics.reassembly_outcomes, reason);
                tracing::warn!(phone = %self.phone_str(), plate = self.plate(), reason, "subpackage refused");
                self.respond(&h, ResponseResult::Failure);
            }
            Pushed::Complete { header, body, .. } => {
                GatewayMetrics::count(&metrics.reassembly_outcomes, "completed");
                match Message::decode(header.msg_id, header.version, &body) {
                    Ok(m) => self.on_message(header, m, vec![h]).await,
                    Err(e) => self.on_bad(decode_error_kind(&e), Some(h), &e.to_string(), now),
                }
            }
        }
    }

    fn update_reasm_gauge(&self, before: usize) {
        let after = self.reasm.in_flight();
        let g = &self.shared.metrics.reassemblies;
        if after > before {
            g.inc_by((after - before) as i64);
        } else if before > after {
            g.dec_by((before - after) as i64);
        }
    }

    fn send_resend(&mut self, first_serial: u16, ids: Vec<u16>) {
        let Some(phone) = self.last_phone else {
            return;
        };
        let serial = self.next_serial();
        let p = Packet::downlink(
            downlink_version(self.version),
            phone,
            serial,
            Message::ResendRequest(ResendRequest {
                original_serial: first_serial,
                ids,
            }),
        );
        self.push_packet(&p);
    }

    fn unauthenticated(&mut self, h: &Header) {
        self.unauth += 1;
        GatewayMetrics::count(&self.shared.metrics.logins, "unauthenticated_message");
        self.respond(h, ResponseResult::Failure);
        if self.unauth > self.shared.cfg.max_unauthenticated_messages {
            tracing::warn!(phone = %self.phone_str(), peer = %self.addr, "too many messages before authentication; closing");
            self.close = Some("unauthenticated");
        }
    }

    async fn on_message(&mut self, h: Header, m: Message, acks: Vec<Header>) {
        if let Message::Register(r) = m {
            return self.on_register(&h, r).await;
        }
        if let Message::Auth(a) = m {
            return self.on_auth(&h, a).await;
        }
        let Some(vehicle) = self.authed.as_ref().map(|a| a.vehicle.clone()) else {
            return self.unauthenticated(&h);
        };
        let vid = vehicle.vehicle_id;
        match m {
            Message::Heartbeat => self.ack_all(&acks, ResponseResult::Success),
            Message::Logout => {
                self.ack_all(&acks, ResponseResult::Success);
                self.close = Some("logout");
            }
            Message::Location(loc) => {
                let p = to_position(&loc, vid, now_ms(), 0);
                self.submit(vec![p], "location", acks, vehicle).await;
            }
            Message::LocationBatch(b) => {
                let (f, source) = if b.batch_type == 1 {
                    (flags::FROM_BATCH | flags::SUPPLEMENTARY, "supplementary")
                } else {
                    (flags::FROM_BATCH, "batch")
                };
                let t = now_ms();
                let ps: Vec<Position> = b.items.iter().map(|l| to_position(l, vid, t, f)).collect();
                if ps.is_empty() {
                    self.ack_all(&acks, ResponseResult::Success);
                } else {
                    self.submit(ps, source, acks, vehicle).await;
                }
            }
            Message::LocationResponse(r) | Message::VehicleControlResponse(r) => {
                let p = self.query_position(&r.location, vid);
                self.resolve(r.reply_serial, DownlinkReply::Location(p));
                self.submit(vec![p], "query", acks, vehicle).await;
            }
            Message::TerminalResponse(g) => {
                // An answer needs no answer.
                self.resolve(g.reply_serial, DownlinkReply::Ack { result: g.result });
            }
            Message::ParamsResponse(r) => {
                self.resolve(r.reply_serial, DownlinkReply::Params(r.params));
            }
            Message::Raw { .. } => self.ack_all(&acks, ResponseResult::Unsupported),
            _ => self.ack_all(&acks, ResponseResult::Success),
        }
    }

    fn query_position(&self, loc: &Location, vid: u32) -> Position {
        to_position(loc, vid, now_ms(), flags::FROM_QUERY)
    }

    fn ack_all(&mut self, acks: &[Header], r: ResponseResult) {
        for h in acks {
            self.respond(h, r);
        }
    }

    fn resolve(&mut self, serial: u16, reply: DownlinkReply) {
        if let Some(i) = self.downlinks.iter().position(|d| d.serial == serial) {
            let d = self.downlinks.swap_remove(i);
            let _ = d.reply.send(Ok(reply));
        }
    }

    async fn submit(
        &mut self,
        positions: Vec<Position>,
        source: &'static str,
        acks: Vec<Header>,
        vehicle: Arc<VehicleRef>,
    ) {
        let (tx, rx) = oneshot::channel();
        let sub = Submission {
            positions,
            vehicle,
            source,
            done: tx,
        };
        // A full queue makes this wait, and a waiting session does not read its socket:
        // storage backpressure reaches the terminals as TCP flow control.
        if self.shared.batch_tx.send(sub).await.is_err() {
            self.ack_all(&acks, ResponseResult::Failure);
            return;
        }
        self.pending.push_back(PendingAck {
            rx,
            acks,
            received: Instant::now(),
        });
    }

    async fn on_register(&mut self, h: &Header, r: Register) {
        let phone = normalize_phone(&h.phone.digits());
        let claim = RegisterClaim {
            phone: phone.clone(),
            terminal_id: r.terminal_id.trim().to_string(),
            plate_color: r.plate_color,
            plate: r.plate.trim().to_string(),
        };
        let dir = self.shared.directory.clone();
        let check = dir.check_register(&claim).await;
        let serial = self.next_serial();
        let (result, code, label) = match check {
            Err(e) => {
                tracing::error!(phone = %phone, error = %e, "registration lookup failed");
                self.respond(h, ResponseResult::Failure);
                return;
            }
            Ok(RegisterCheck::Accepted(info)) => {
                // A terminal that lost our 0x8100 registers again: give it the same code.
                let code = match dir.auth_code(info.terminal_row_id).await {
                    Ok(Some(c)) if !c.is_empty() => Ok(c),
                    Ok(_) => {
                        let c = new_auth_code(self.id);
                        dir.store_auth_code(info.terminal_row_id, &c)
                            .await
                            .map(|_| c)
                    }
                    Err(e) => Err(e),
                };
                match code {
                    Ok(c) => (RegisterResult::Success, c, "register_ok"),
                    Err(e) => {
                        tracing::error!(phone = %phone, error = %e, "storing the auth code failed");
                        self.respond(h, ResponseResult::Failure);
                        return;
                    }
                }
            }
            Ok(RegisterCheck::VehicleRegistered) => (
                RegisterResult::VehicleRegistered,
                String::new(),
                "register_vehicle_registered",
            ),
            Ok(RegisterCheck::NoSuchVehicle) => (
                RegisterResult::NoSuchVehicle,
                String::new(),
                "register_no_such_vehicle",
            ),
            Ok(RegisterCheck::TerminalRegistered) => (
                RegisterResult::TerminalRegistered,
                String::new(),
                "register_terminal_registered",
            ),
            Ok(RegisterCheck::NoSuchTerminal) => (
                RegisterResult::NoSuchTerminal,
                String::new(),
                "register_no_such_terminal",
            ),
        };
        GatewayMetrics::count(&self.shared.metrics.logins, label);
        tracing::info!(phone = %phone, plate = %claim.plate, terminal_id = %claim.terminal_id, result = label, peer = %self.addr, "JT/T 808 registration");
        self.push_packet(&Packet::register_response(h, serial, result, &code));
    }

    async fn on_auth(&mut self, h: &Header, a: Auth) {
        let phone = normalize_phone(&h.phone.digits());
        let dir = self.shared.directory.clone();
        let verdict: Result<VehicleRef, &'static str> = async {
            let info = dir
                .lookup(&phone)
                .await
                .map_err(|_| "directory_error")?
                .ok_or("unknown_terminal")?;
            if !info.active {
                return Err("inactive_terminal");
            }
            let vid = info.vehicle_id.ok_or("no_vehicle")?;
            let vehicle_id = u32::try_from(vid).map_err(|_| "vehicle_id_out_of_range")?;
            let code = dir
                .auth_code(info.terminal_row_id)
                .await
                .map_err(|_| "directory_error")?
                .ok_or("never_registered")?;
            if code.is_empty() || code != a.auth_code.trim() {
                return Err("wrong_code");
            }
            Ok(VehicleRef {
                vehicle_id,
                phone: Arc::from(phone.as_str()),
                plate: Arc::from(info.plate.unwrap_or_default().as_str()),
                plate_color: info.plate_color.unwrap_or(0),
                enterprise_id: info.enterprise_id,
            })
        }
        .await;
        match verdict {
            Ok(v) => {
                let v = Arc::new(v);
                if let Some(old) = self.authed.take() {
                    self.shared.table.remove(&old.vehicle.phone, self.id);
                    old.gauge.dec();
                }
                let mailbox = Arc::new(Mailbox::default());
                let replaced = self
                    .shared
                    .table
                    .insert(self.id, v.clone(), mailbox.clone());
                let gauge = self.shared.metrics.conn_state("authenticated");
                gauge.inc();
                self.authed = Some(Authed {
                    vehicle: v.clone(),
                    mailbox,
                    phone: h.phone,
                    gauge,
                });
                self.unauth = 0;
                GatewayMetrics::count(&self.shared.metrics.logins, "auth_ok");
                tracing::info!(phone = %v.phone, plate = %v.plate, peer = %self.addr, replaced, version = ?h.version, "terminal online");
                self.shared.feed.publish(FeedEvent::Online {
                    vehicle: v,
                    addr: self.addr,
                });
                self.respond(h, ResponseResult::Success);
            }
            Err(reason) => {
                GatewayMetrics::count(&self.shared.metrics.logins, "auth_failed");
                tracing::warn!(phone = %phone, reason, peer = %self.addr, "JT/T 808 authentication refused");
                self.respond(h, ResponseResult::Failure);
                self.unauth += 1;
                if self.unauth > self.shared.cfg.max_unauthenticated_messages {
                    self.close = Some("unauthenticated");
                }
            }
        }
    }

    fn on_mail(&mut self) {
        let Some(a) = &self.authed else {
            return;
        };
        if a.mailbox.kicked() {
            self.close = Some("replaced");
            return;
        }
        let phone = a.phone;
        let cmds = a.mailbox.take();
        for c in cmds {
            let serial = self.next_serial();
            let p = Packet::downlink(downlink_version(self.version), phone, serial, c.message);
            let before = self.out.len();
            match p.encode_into(&mut self.out) {
                Ok(()) => {
                    self.shared.metrics.frame("out", p.header.msg_id);
                    self.downlinks.push(PendingDownlink {
                        serial,
                        reply: c.reply,
                    });
                }
                Err(e) => {
                    self.out.truncate(before);
                    let _ = c.reply.send(Err(DownlinkError::Encode(e.to_string())));
                }
            }
        }
    }

    fn on_timer(&mut self) {
        let cfg = self.shared.cfg.clone();
        let now = Instant::now();
        if self.authed.is_none() && now >= self.connected_at + cfg.auth_timeout {
            self.close = Some("auth_timeout");
            return;
        }
        if now >= self.last_frame + cfg.idle_timeout {
            self.close = Some("idle");
            return;
        }
        let before = self.reasm.in_flight();
        let tick = self.reasm.tick(now, cfg.reassembly_timeout);
        self.update_reasm_gauge(before);
        for _ in 0..tick.dropped {
            GatewayMetrics::count(&self.shared.metrics.reassembly_outcomes, "timeout");
        }
        for (first, ids) in tick.resend {
            self.send_resend(first, ids);
        }
        self.downlinks.retain(|d| !d.reply.is_closed());
    }

    async fn finish(&mut self, reason: &'static str) {
        // On a graceful end, acknowledge what becomes durable before closing.
        if matches!(reason, "shutdown" | "logout" | "replaced") {
            let deadline = tokio::time::Instant::now() + self.shared.cfg.shutdown_grace;
            while let Some(front) = self.pending.front_mut() {
                match tokio::time::timeout_at(deadline, &mut front.rx).await {
                    Ok(r) => self.on_durable(r),
                    Err(_) => break,
                }
            }
            let _ = self.flush().await;
        }
        let before = self.reasm.in_flight();
        self.reasm = Reassembler::default();
        self.update_reasm_gauge(before);
        GatewayMetrics::count(&self.shared.metrics.disconnects, reason);
        if let Some(a) = self.authed.take() {
            self.shared.table.remove(&a.vehicle.phone, self.id);
            a.gauge.dec();
            tracing::info!(phone = %a.vehicle.phone, plate = %a.vehicle.plate, peer = %self.addr, reason, "terminal offline");
            self.shared.feed.publish(FeedEvent::Offline {
                vehicle: a.vehicle,
                reason,
            });
        } else {
            tracing::debug!(peer = %self.addr, reason, "unauthenticated connection closed");
        }
    }
}

/// 2011 terminals share the 2013 header, which is what we answer with.
fn downlink_version(v: ProtocolVersion) -> ProtocolVersion {
    match v {
        ProtocolVersion::V2011 => ProtocolVersion::V2013,
        v => v,
    }
}

async fn write_all(stream: &TcpStream, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        stream.writable().await?;
        match stream.try_write(buf) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
