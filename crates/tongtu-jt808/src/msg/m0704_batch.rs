//! 0x0704 batch location upload: item count, batch type (normal or blind-area
//! back-fill) and length-prefixed location reports.

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::msg::m0200_location::BASIC_LEN;
use crate::msg::Location;

/// Body of 0x0704.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LocationBatch {
    /// 0 normal batch, 1 blind-area back-fill.
    pub batch_type: u8,
    /// The positions, in wire order.
    pub items: Vec<Location>,
}

impl LocationBatch {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u16("item count")? as usize;
        let batch_type = r.u8("batch type")?;
        r.check_count(n, 2 + BASIC_LEN, "location items")?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u16("item length")? as usize;
            let off = r.offset();
            let body = r.bytes(len, "location item")?;
            let mut sub = Reader::with_base(body, off);
            items.push(Location::decode(&mut sub)?);
        }
        Ok(LocationBatch { batch_type, items })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(count(self.items.len(), "location items")?);
        out.put_u8(self.batch_type);
        for loc in &self.items {
            let at = out.len();
            out.put_u16(0);
            loc.encode(out)?;
            let len: u16 = count(out.len() - at - 2, "location item")?;
            out[at..at + 2].copy_from_slice(&len.to_be_bytes());
        }
        Ok(())
    }
}
