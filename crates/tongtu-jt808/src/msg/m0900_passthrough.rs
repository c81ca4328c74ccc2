//! 0x0900 uplink data pass-through: a type byte and opaque content.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x0900.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Passthrough {
    /// 0x00 GNSS detail, 0x0B IC card info, 0x41/0x42 serial ports, 0xF0-0xFF user defined.
    pub kind: u8,
    /// Content, as sent.
    pub data: Vec<u8>,
}

impl Passthrough {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Passthrough {
            kind: r.u8("pass-through type")?,
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.kind);
        out.extend_from_slice(&self.data);
    }
}
