//! 0x0701 electronic waybill report: a DWORD length and the waybill bytes.

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};

/// Body of 0x0701.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Waybill {
    /// Waybill content, as sent.
    pub data: Vec<u8>,
}

impl Waybill {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u32("waybill length")? as usize;
        Ok(Waybill {
            data: r.bytes(n, "waybill")?.to_vec(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u32(count(self.data.len(), "waybill")?);
        out.extend_from_slice(&self.data);
        Ok(())
    }
}
