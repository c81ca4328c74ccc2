//! 0x0001 terminal general response and 0x8001 platform general response: the same
//! five bytes (reply serial, reply message id, result) in both directions.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x0001 and 0x8001.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneralResponse {
    /// Serial of the packet being answered.
    pub reply_serial: u16,
    /// Message id of the packet being answered.
    pub reply_msg_id: u16,
    /// Result code (see [`ResponseResult`]).
    pub result: u8,
}

/// Result codes of the general responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ResponseResult {
    /// 0: success / confirmed.
    Success = 0,
    /// 1: failure.
    Failure = 1,
    /// 2: message error.
    BadMessage = 2,
    /// 3: not supported.
    Unsupported = 3,
    /// 4: alarm handling confirmed (0x8001 only).
    AlarmConfirmed = 4,
}

impl GeneralResponse {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GeneralResponse {
            reply_serial: r.u16("reply serial")?,
            reply_msg_id: r.u16("reply message id")?,
            result: r.u8("result")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.reply_serial);
        out.put_u16(self.reply_msg_id);
        out.put_u8(self.result);
    }
}
