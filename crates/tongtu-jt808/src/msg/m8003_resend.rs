//! 0x8003 request to resend missing subpackages: serial of the first fragment and the
//! fragment ids to resend (count is a BYTE before 2019, a WORD in 2019).

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;

/// Body of 0x8003.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResendRequest {
    /// Serial of the first fragment of the original message.
    pub original_serial: u16,
    /// Fragment ids (1-based indexes) to resend.
    pub ids: Vec<u16>,
}

impl ResendRequest {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let original_serial = r.u16("original serial")?;
        let n = if v.is_2019() {
            r.u16("fragment count")? as usize
        } else {
            r.u8("fragment count")? as usize
        };
        r.check_count(n, 2, "fragment ids")?;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            ids.push(r.u16("fragment id")?);
        }
        Ok(ResendRequest {
            original_serial,
            ids,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.original_serial);
        if v.is_2019() {
            out.put_u16(count(self.ids.len(), "fragment ids")?);
        } else {
            out.put_u8(count(self.ids.len(), "fragment ids")?);
        }
        for id in &self.ids {
            out.put_u16(*id);
        }
        Ok(())
    }
}
