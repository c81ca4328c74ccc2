//! 0x8300 text message: flag bits, then (2019 only) a text type byte, then GBK text.

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;

/// Body of 0x8300.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TextMessage {
    /// Flag bits (emergency, display, TTS, ...).
    pub flag: u8,
    /// 2019 text type: 1 notice, 2 service. `None` before 2019; encoded as 1 when a
    /// 2019 packet has none.
    pub text_type: Option<u8>,
    /// The text.
    pub text: String,
}

impl TextMessage {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let flag = r.u8("text flag")?;
        let text_type = if v.is_2019() {
            Some(r.u8("text type")?)
        } else {
            None
        };
        Ok(TextMessage {
            flag,
            text_type,
            text: r.gbk_rest("text")?,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(self.flag);
        if v.is_2019() {
            out.put_u8(self.text_type.unwrap_or(1));
        }
        out.put_gbk(&self.text, "text")
    }
}
