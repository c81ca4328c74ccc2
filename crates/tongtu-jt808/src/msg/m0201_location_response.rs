//! 0x0201 location query response and 0x0500 vehicle control response: the serial of
//! the platform request followed by a full location report.

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::msg::Location;

/// Body of 0x0201 and 0x0500.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LocationResponse {
    /// Serial of the 0x8201 / 0x8500 being answered.
    pub reply_serial: u16,
    /// The position.
    pub location: Location,
}

impl LocationResponse {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(LocationResponse {
            reply_serial: r.u16("reply serial")?,
            location: Location::decode(r)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.reply_serial);
        self.location.encode(out)
    }
}
