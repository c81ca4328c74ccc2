//! Terminal parameters: 0x8103 set parameters, 0x8106 query given parameters and
//! 0x0104 query-parameters response. Known ids decode to typed values when their
//! length fits; every other parameter is kept as raw bytes.

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::text::{gbk_decode, gbk_encode};

/// Well-known parameter ids.
pub mod param_id {
    /// Heartbeat interval, s (DWORD).
    pub const HEARTBEAT_INTERVAL: u32 = 0x0001;
    /// TCP reply timeout, s (DWORD).
    pub const TCP_TIMEOUT: u32 = 0x0002;
    /// TCP retransmissions (DWORD).
    pub const TCP_RETRIES: u32 = 0x0003;
    /// Main server APN (STRING).
    pub const MAIN_APN: u32 = 0x0010;
    /// Main server address, IP or domain (STRING).
    pub const MAIN_SERVER: u32 = 0x0013;
    /// Server TCP port (DWORD, 2013).
    pub const SERVER_TCP_PORT: u32 = 0x0018;
    /// Position reporting strategy (DWORD).
    pub const REPORT_STRATEGY: u32 = 0x0020;
    /// Default reporting interval, s (DWORD).
    pub const DEFAULT_REPORT_INTERVAL: u32 = 0x0029;
    /// Maximum speed, km/h (DWORD).
    pub const MAX_SPEED: u32 = 0x0055;
    /// Overspeed duration, s (DWORD).
    pub const OVERSPEED_DURATION: u32 = 0x0056;
    /// Odometer reading, 0.1 km (DWORD).
    pub const ODOMETER: u32 = 0x0080;
    /// Province id (WORD).
    pub const PROVINCE_ID: u32 = 0x0081;
    /// City id (WORD).
    pub const CITY_ID: u32 = 0x0082;
    /// Plate number (STRING).
    pub const PLATE: u32 = 0x0083;
    /// Plate colour (BYTE).
    pub const PLATE_COLOR: u32 = 0x0084;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Byte,
    Word,
    Dword,
    Text,
    Unknown,
}

fn kind_of(id: u32) -> Kind {
    match id {
        0x0001..=0x0007
        | 0x0018
        | 0x0019
        | 0x001B
        | 0x001C
        | 0x0020..=0x0022
        | 0x0027..=0x0029
        | 0x002C..=0x0030
        | 0x0045..=0x0047
        | 0x0050..=0x005A
        | 0x0064
        | 0x0065
        | 0x0070..=0x0074
        | 0x0080
        | 0x0093
        | 0x0095
        | 0x0100
        | 0x0102 => Kind::Dword,
        0x0031 | 0x005B..=0x005E | 0x0081 | 0x0082 | 0x0101 | 0x0103 => Kind::Word,
        0x0084 | 0x0090..=0x0092 | 0x0094 => Kind::Byte,
        0x0010..=0x0017 | 0x001A | 0x001D | 0x0040..=0x0044 | 0x0048 | 0x0049 | 0x0083 => {
            Kind::Text
        }
        _ => Kind::Unknown,
    }
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamValue {
    /// BYTE.
    Byte(u8),
    /// WORD.
    Word(u16),
    /// DWORD.
    Dword(u32),
    /// STRING (GBK).
    Text(String),
    /// Anything else, or a known id with an unexpected length, as sent.
    Raw(Vec<u8>),
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// Parameter id (see [`param_id`]).
    pub id: u32,
    /// Value.
    pub value: ParamValue,
}

impl ParamValue {
    /// The value as it goes on the wire (without id and length).
    pub fn value_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(match self {
            ParamValue::Byte(b) => vec![*b],
            ParamValue::Word(w) => w.to_be_bytes().to_vec(),
            ParamValue::Dword(d) => d.to_be_bytes().to_vec(),
            ParamValue::Text(s) => gbk_encode(s, "parameter text")?.into_owned(),
            ParamValue::Raw(b) => b.clone(),
        })
    }
}

impl Param {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let id = r.u32("parameter id")?;
        let len = r.u8("parameter length")? as usize;
        let off = r.offset();
        let v = r.bytes(len, "parameter value")?;
        let value = match (kind_of(id), len) {
            (Kind::Byte, 1) => ParamValue::Byte(v[0]),
            (Kind::Word, 2) => ParamValue::Word(u16::from_be_bytes([v[0], v[1]])),
            (Kind::Dword, 4) => ParamValue::Dword(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            (Kind::Text, _) => match gbk_decode(v, "parameter", off) {
                // Only when it re-encodes to the same bytes (no NULs, GBK-only characters).
                Ok(s) if !s.contains('\0') && gbk_encode(&s, "").is_ok_and(|b| *b == *v) => {
                    ParamValue::Text(s)
                }
                _ => ParamValue::Raw(v.to_vec()),
            },
            _ => ParamValue::Raw(v.to_vec()),
        };
        Ok(Param { id, value })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u32(self.id);
        match &self.value {
            ParamValue::Byte(b) => {
                out.put_u8(1);
                out.put_u8(*b);
            }
            ParamValue::Word(w) => {
                out.put_u8(2);
                out.put_u16(*w);
            }
            ParamValue::Dword(d) => {
                out.put_u8(4);
                out.put_u32(*d);
            }
            ParamValue::Text(s) => out.put_gbk_u8(s, "parameter text")?,
            ParamValue::Raw(b) => {
                out.put_u8(count(b.len(), "parameter value")?);
                out.extend_from_slice(b);
            }
        }
        Ok(())
    }
}

fn decode_list(r: &mut Reader<'_>) -> Result<Vec<Param>, DecodeError> {
    let n = r.u8("parameter count")? as usize;
    r.check_count(n, 5, "parameters")?;
    let mut params = Vec::with_capacity(n);
    for _ in 0..n {
        params.push(Param::decode(r)?);
    }
    Ok(params)
}

fn encode_list(params: &[Param], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.put_u8(count(params.len(), "parameters")?);
    for p in params {
        p.encode(out)?;
    }
    Ok(())
}

/// Body of 0x8103.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SetParams {
    /// Parameters to set.
    pub params: Vec<Param>,
}

impl SetParams {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SetParams {
            params: decode_list(r)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_list(&self.params, out)
    }
}

/// Body of 0x0104.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParamsResponse {
    /// Serial of the 0x8104 / 0x8106 being answered.
    pub reply_serial: u16,
    /// Parameters reported.
    pub params: Vec<Param>,
}

impl ParamsResponse {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ParamsResponse {
            reply_serial: r.u16("reply serial")?,
            params: decode_list(r)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.reply_serial);
        encode_list(&self.params, out)
    }
}

/// Body of 0x8106.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QueryParams {
    /// Ids to query.
    pub ids: Vec<u32>,
}

impl QueryParams {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u8("parameter count")? as usize;
        r.check_count(n, 4, "parameter ids")?;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            ids.push(r.u32("parameter id")?);
        }
        Ok(QueryParams { ids })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(count(self.ids.len(), "parameter ids")?);
        for id in &self.ids {
            out.put_u32(*id);
        }
        Ok(())
    }
}
