//! 0x0805 camera shoot-now response: serial of the 0x8801, result, and the ids of the
//! media taken (the list is left out by some terminals when the result is not 0).

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};

/// Body of 0x0805.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ShootResponse {
    /// Serial of the 0x8801 being answered.
    pub reply_serial: u16,
    /// 0 success, 1 failure, 2 channel not supported.
    pub result: u8,
    /// Media ids (`None` when the body stops after the result).
    pub media_ids: Option<Vec<u32>>,
}

impl ShootResponse {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let reply_serial = r.u16("reply serial")?;
        let result = r.u8("result")?;
        let media_ids = if r.is_empty() {
            None
        } else {
            let n = r.u16("media count")? as usize;
            r.check_count(n, 4, "media ids")?;
            let mut ids = Vec::with_capacity(n);
            for _ in 0..n {
                ids.push(r.u32("media id")?);
            }
            Some(ids)
        };
        Ok(ShootResponse {
            reply_serial,
            result,
            media_ids,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.reply_serial);
        out.put_u8(self.result);
        if let Some(ids) = &self.media_ids {
            out.put_u16(count(ids.len(), "media ids")?);
            for id in ids {
                out.put_u32(*id);
            }
        }
        Ok(())
    }
}
