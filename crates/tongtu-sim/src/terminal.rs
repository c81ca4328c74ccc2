//! A real JT/T 808 terminal over TCP, for tests, the simulator and the load generator:
//! register → auth code → authenticate → heartbeat / locations / batches (optionally split
//! into subpackages, resent on 0x8003) → acknowledgements awaited by serial. Downlinks
//! (text, position query, parameters, control) are answered automatically the way a real
//! device would, and kept for inspection.
//!
//! ```no_run
//! # async fn demo(addr: std::net::SocketAddr) -> Result<(), tongtu_sim::terminal::TerminalError> {
//! use tongtu_sim::terminal::{location, Terminal, TerminalConfig};
//! let mut t = Terminal::connect(addr, TerminalConfig::new("014400000001")).await?;
//! let code = t.register().await?.auth_code.expect("registered");
//! t.authenticate(&code).await?;
//! let serial = t.send_location(&location(21.86, 111.98, 42.0, 90, chrono::Utc::now())).await?;
//! assert_eq!(t.wait_ack(serial).await?, 0);
//! # Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tongtu_jt808::msg::{
    id, Auth, Extra, GeneralResponse, Location, LocationBatch, LocationResponse, Param,
    ParamsResponse, Register, STATUS_FIXED, STATUS_SOUTH, STATUS_WEST,
};
use tongtu_jt808::{FrameSplitter, Header, Message, Packet, Phone, ProtocolVersion, Subpackage};

/// What a terminal says about itself.
#[derive(Debug, Clone)]
pub struct TerminalConfig {
    /// SIM number as in the registry (12 digits; 2019 headers pad it to 20).
    pub phone: String,
    /// Protocol revision spoken.
    pub version: ProtocolVersion,
    /// Terminal id (0x0100).
    pub terminal_id: String,
    /// Manufacturer id.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Plate colour (0: none).
    pub plate_color: u8,
    /// Plate.
    pub plate: String,
    /// IMEI sent in 2019 authentication.
    pub imei: String,
    /// Time to wait for any single answer.
    pub timeout: Duration,
}

impl TerminalConfig {
    /// A 2013 terminal with this phone and placeholder identity.
    pub fn new(phone: &str) -> Self {
        TerminalConfig {
            phone: phone.to_string(),
            version: ProtocolVersion::V2013,
            terminal_id: String::new(),
            manufacturer: "TT".into(),
            model: "SIM-1".into(),
            plate_color: 0,
            plate: String::new(),
            imei: "860000000000000".into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Parses a registry protocol version ("2011", "2013", "2019").
    pub fn with_version_name(mut self, v: &str) -> Self {
        self.version = match v {
            "2019" => ProtocolVersion::V2019(1),
            "2011" => ProtocolVersion::V2011,
            _ => ProtocolVersion::V2013,
        };
        self
    }
}

/// Why a terminal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// Socket error.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The platform closed the connection.
    #[error("connection closed by the platform")]
    Closed,
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// A message could not be encoded.
    #[error("encode: {0}")]
    Encode(#[from] tongtu_jt808::EncodeError),
    /// The platform refused (register result or general-response result code).
    #[error("refused with result {0}")]
    Refused(u8),
}

/// Answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterOutcome {
    /// 0x8100 result code (0 success, 1–4 refusals).
    pub result: u8,
    /// Auth code when `result` is 0.
    pub auth_code: Option<String>,
}

/// How [`Terminal::send_batch_split`] splits a message.
#[derive(Debug, Clone, Default)]
pub struct SplitOptions {
    /// Body bytes per fragment (at most 1023).
    pub fragment_body: usize,
    /// Fragment indexes (1-based) held back at first, as if lost: the platform's 0x8003
    /// asks for them and they are then resent.
    pub withhold: Vec<u16>,
}

/// A connected terminal.
pub struct Terminal {
    cfg: TerminalConfig,
    phone: Phone,
    stream: TcpStream,
    splitter: FrameSplitter,
    serial: u16,
    acks: HashMap<u16, (u16, u8)>,
    register_answers: HashMap<u16, RegisterOutcome>,
    downlinks: VecDeque<Packet>,
    sent_fragments: HashMap<u16, Vec<Vec<u8>>>,
    last_location: Location,
    params: Vec<Param>,
    resend_requests: u32,
    auto_answer: bool,
}

impl Terminal {
    /// Connects to the gateway.
    pub async fn connect(addr: SocketAddr, cfg: TerminalConfig) -> Result<Terminal, TerminalError> {
        let stream = TcpStream::connect(addr).await?;
        Self::from_stream(stream, cfg)
    }

    /// Connects from a given local address (the load generator spreads connections over
    /// 127.0.0.x so that 100k connections do not exhaust one address's ephemeral ports).
    pub async fn connect_from(
        local: IpAddr,
        addr: SocketAddr,
        cfg: TerminalConfig,
    ) -> Result<Terminal, TerminalError> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.bind(SocketAddr::new(local, 0))?;
        let stream = socket.connect(addr).await?;
        Self::from_stream(stream, cfg)
    }

    fn from_stream(stream: TcpStream, cfg: TerminalConfig) -> Result<Terminal, TerminalError> {
        let _ = stream.set_nodelay(true);
        let phone = Phone::from_digits(&cfg.phone)?;
        Ok(Terminal {
            phone,
            cfg,
            stream,
            splitter: FrameSplitter::new(),
            serial: 0,
            acks: HashMap::new(),
            register_answers: HashMap::new(),
            downlinks: VecDeque::new(),
            sent_fragments: HashMap::new(),
            last_location: Location::default(),
            params: Vec::new(),
            resend_requests: 0,
            auto_answer: true,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TerminalConfig {
        &self.cfg
    }

    /// Turns automatic answers to downlinks on or off (on by default).
    pub fn set_auto_answer(&mut self, on: bool) {
        self.auto_answer = on;
    }

    /// 0x8003 requests received so far.
    pub fn resend_requests(&self) -> u32 {
        self.resend_requests
    }

    /// Downlink packets received (text, queries, parameters, control, 0x8003), oldest first.
    pub fn take_downlinks(&mut self) -> Vec<Packet> {
        self.downlinks.drain(..).collect()
    }

    fn next_serial(&mut self) -> u16 {
        let s = self.serial;
        self.serial = self.serial.wrapping_add(1);
        s
    }

    fn packet(&mut self, message: Message) -> Packet {
        let serial = self.next_serial();
        Packet::new(
            Header::new(message.msg_id(), self.cfg.version, self.phone, serial),
            message,
        )
    }

    /// Sends one message; returns its serial.
    pub async fn send(&mut self, message: Message) -> Result<u16, TerminalError> {
        let p = self.packet(message);
        let wire = p.encode()?;
        self.stream.write_all(&wire).await?;
        Ok(p.header.serial)
    }

    /// Writes raw bytes (tests: garbage, broken frames, half frames).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), TerminalError> {
        self.stream.write_all(bytes).await?;
        Ok(())
    }

    /// Encodes a message with this terminal's header without sending it (tests corrupt it).
    pub fn encode(&mut self, message: Message) -> Result<(u16, Vec<u8>), TerminalError> {
        let p = self.packet(message);
        Ok((p.header.serial, p.encode()?))
    }

    /// 0x0100 registration; waits for 0x8100.
    pub async fn register(&mut self) -> Result<RegisterOutcome, TerminalError> {
        let reg = Register {
            province_id: 44,
            city_id: 1700,
            manufacturer_id: self.cfg.manufacturer.clone(),
            terminal_model: self.cfg.model.clone(),
            terminal_id: self.cfg.terminal_id.clone(),
            plate_color: self.cfg.plate_color,
            plate: self.cfg.plate.clone(),
        };
        let serial = self.send(Message::Register(reg)).await?;
        let deadline = tokio::time::Instant::now() + self.cfg.timeout;
        loop {
            if let Some(o) = self.register_answers.remove(&serial) {
                return Ok(o);
            }
            self.read_some(deadline).await?;
        }
    }

    /// 0x0102 authentication; `Ok` when the platform answers success.
    pub async fn authenticate(&mut self, code: &str) -> Result<(), TerminalError> {
        let auth = Auth {
            auth_code: code.to_string(),
            imei: self.cfg.imei.clone(),
            software_version: "1.0".into(),
        };
        let serial = self.send(Message::Auth(auth)).await?;
        match self.wait_ack(serial).await? {
            0 => Ok(()),
            r => Err(TerminalError::Refused(r)),
        }
    }

    /// Register if needed and authenticate; returns the auth code used.
    pub async fn login(&mut self, known_code: Option<&str>) -> Result<String, TerminalError> {
        let code = match known_code {
            Some(c) => c.to_string(),
            None => {
                let o = self.register().await?;
                match o.auth_code {
                    Some(c) if o.result == 0 => c,
                    _ => return Err(TerminalError::Refused(o.result)),
                }
            }
        };
        self.authenticate(&code).await?;
        Ok(code)
    }

    /// 0x0002 heartbeat; returns the result code.
    pub async fn heartbeat(&mut self) -> Result<u8, TerminalError> {
        let s = self.send(Message::Heartbeat).await?;
        self.wait_ack(s).await
    }

    /// 0x0003 logout; returns the result code.
    pub async fn logout(&mut self) -> Result<u8, TerminalError> {
        let s = self.send(Message::Logout).await?;
        self.wait_ack(s).await
    }

    /// Sends a 0x0200 without waiting; returns its serial (see [`Terminal::wait_ack`]).
    pub async fn send_location(&mut self, loc: &Location) -> Result<u16, TerminalError> {
        self.last_location = loc.clone();
        self.send(Message::Location(loc.clone())).await
    }

    /// Sends a 0x0704 (type 0 normal, 1 blind-area supplementary) without waiting.
    pub async fn send_batch(
        &mut self,
        batch_type: u8,
        items: &[Location],
    ) -> Result<u16, TerminalError> {
        if let Some(l) = items.last() {
            self.last_location = l.clone();
        }
        self.send(Message::LocationBatch(LocationBatch {
            batch_type,
            items: items.to_vec(),
        }))
        .await
    }

    /// Sends a 0x0704 split into subpackages; returns the fragment serials (the first one
    /// keys the reassembly; the last one is acknowledged once the batch is durable).
    /// Withheld fragments are sent when the platform asks for them with 0x8003.
    pub async fn send_batch_split(
        &mut self,
        batch_type: u8,
        items: &[Location],
        opts: &SplitOptions,
    ) -> Result<Vec<u16>, TerminalError> {
        let msg = Message::LocationBatch(LocationBatch {
            batch_type,
            items: items.to_vec(),
        });
        let mut body = Vec::new();
        msg.encode_body(self.cfg.version, &mut body)?;
        let chunk = opts.fragment_body.clamp(1, tongtu_jt808::MAX_BODY_LEN);
        let parts: Vec<&[u8]> = body.chunks(chunk).collect();
        let total = parts.len() as u16;
        let mut serials = Vec::new();
        let mut wires = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let serial = self.next_serial();
            let mut h = Header::new(id::LOCATION_BATCH, self.cfg.version, self.phone, serial);
            h.subpackage = Some(Subpackage {
                total,
                index: i as u16 + 1,
            });
            let p = Packet::new(
                h,
                Message::Raw {
                    msg_id: id::LOCATION_BATCH,
                    body: part.to_vec(),
                },
            );
            wires.push(p.encode()?);
            serials.push(serial);
        }
        for (i, w) in wires.iter().enumerate() {
            if !opts.withhold.contains(&(i as u16 + 1)) {
                self.stream.write_all(w).await?;
            }
        }
        if let Some(&first) = serials.first() {
            self.sent_fragments.insert(first, wires);
        }
        Ok(serials)
    }

    /// Waits for the 0x8001 answering `serial`; returns its result code.
    pub async fn wait_ack(&mut self, serial: u16) -> Result<u8, TerminalError> {
        let deadline = tokio::time::Instant::now() + self.cfg.timeout;
        loop {
            if let Some((_, r)) = self.acks.remove(&serial) {
                return Ok(r);
            }
            self.read_some(deadline).await?;
        }
    }

    /// The ack for `serial` if it already arrived (non-blocking; see [`Terminal::poll`]).
    pub fn take_ack(&mut self, serial: u16) -> Option<u8> {
        self.acks.remove(&serial).map(|(_, r)| r)
    }

    /// Reads and handles whatever arrives within `wait` (answers downlinks, records acks).
    /// Returns `Err(Closed)` when the platform closed the connection.
    pub async fn poll(&mut self, wait: Duration) -> Result<(), TerminalError> {
        let deadline = tokio::time::Instant::now() + wait;
        match self.read_some(deadline).await {
            Err(TerminalError::Timeout(_)) => Ok(()),
            r => r,
        }
    }

    /// Waits for the next downlink packet (other than acks).
    pub async fn next_downlink(&mut self) -> Result<Packet, TerminalError> {
        let deadline = tokio::time::Instant::now() + self.cfg.timeout;
        loop {
            if let Some(p) = self.downlinks.pop_front() {
                return Ok(p);
            }
            self.read_some(deadline).await?;
        }
    }

    /// Reads once (until `deadline`) and handles every complete frame.
    async fn read_some(&mut self, deadline: tokio::time::Instant) -> Result<(), TerminalError> {
        let mut buf = [0u8; 4096];
        let n = match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
            Err(_) => return Err(TerminalError::Timeout(self.cfg.timeout)),
            Ok(r) => r?,
        };
        if n == 0 {
            return Err(TerminalError::Closed);
        }
        let packets: Vec<Packet> = self
            .splitter
            .feed(&buf[..n])
            .filter_map(|f| f.ok().and_then(|f| f.decode().ok()))
            .collect();
        for p in packets {
            self.handle(p).await?;
        }
        Ok(())
    }

    async fn handle(&mut self, p: Packet) -> Result<(), TerminalError> {
        match &p.message {
            Message::PlatformResponse(g) => {
                self.acks.insert(g.reply_serial, (g.reply_msg_id, g.result));
                return Ok(());
            }
            Message::RegisterResponse(r) => {
                self.register_answers.insert(
                    r.reply_serial,
                    RegisterOutcome {
                        result: r.result,
                        auth_code: r.auth_code.clone(),
                    },
                );
                return Ok(());
            }
            Message::ResendRequest(r) => {
                self.resend_requests += 1;
                if let Some(wires) = self.sent_fragments.get(&r.original_serial) {
                    let resend: Vec<Vec<u8>> = r
                        .ids
                        .iter()
                        .filter_map(|i| wires.get(usize::from(*i).wrapping_sub(1)).cloned())
                        .collect();
                    for w in resend {
                        self.stream.write_all(&w).await?;
                    }
                }
            }
            _ => {}
        }
        if self.auto_answer {
            self.answer(&p).await?;
        }
        self.downlinks.push_back(p);
        Ok(())
    }

    /// Answers a downlink the way a device does.
    pub async fn answer(&mut self, p: &Packet) -> Result<(), TerminalError> {
        let reply = |result: u8| {
            Message::TerminalResponse(GeneralResponse {
                reply_serial: p.header.serial,
                reply_msg_id: p.header.msg_id,
                result,
            })
        };
        let m = match &p.message {
            Message::Text(_) | Message::TerminalControl(_) => reply(0),
            Message::SetParams(s) => {
                for n in &s.params {
                    self.params.retain(|o| o.id != n.id);
                    self.params.push(n.clone());
                }
                reply(0)
            }
            Message::QueryLocation => Message::LocationResponse(LocationResponse {
                reply_serial: p.header.serial,
                location: self.last_location.clone(),
            }),
            Message::QueryAllParams => Message::ParamsResponse(ParamsResponse {
                reply_serial: p.header.serial,
                params: self.params.clone(),
            }),
            Message::QueryParams(q) => Message::ParamsResponse(ParamsResponse {
                reply_serial: p.header.serial,
                params: self
                    .params
                    .iter()
                    .filter(|x| q.ids.contains(&x.id))
                    .cloned()
                    .collect(),
            }),
            Message::ResendRequest(_) => return Ok(()),
            _ => reply(3),
        };
        self.send(m).await?;
        Ok(())
    }
}

/// A fixed location at `time` (UTC), with odometer and satellite extras.
pub fn location(
    lat: f64,
    lon: f64,
    speed_kmh: f64,
    direction: u16,
    time: DateTime<Utc>,
) -> Location {
    let mut status = STATUS_FIXED;
    if lat < 0.0 {
        status |= STATUS_SOUTH;
    }
    if lon < 0.0 {
        status |= STATUS_WEST;
    }
    Location {
        alarm: 0,
        status,
        lat: (lat.abs() * 1e6).round() as u32,
        lon: (lon.abs() * 1e6).round() as u32,
        altitude: 12,
        speed: (speed_kmh * 10.0).round().clamp(0.0, 65535.0) as u16,
        direction,
        time: Some(tongtu_jt808::utc_to_device_time(time)),
        extras: vec![Extra::Mileage(123_456), Extra::Satellites(11)],
        malformed_tail: Vec::new(),
    }
}
