//! 0x0705 CAN bus data upload: item count, receive time of the first item
//! (BCD hhmmss + milliseconds) and 12-byte items (CAN id word + 8 data bytes).

use chrono::{NaiveTime, Timelike};

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::text::{bcd2, bcd_digits, to_bcd2};

/// Body of 0x0705.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CanData {
    /// Receive time of the first item (device local time of day, millisecond precision).
    pub receive_time: NaiveTime,
    /// The CAN frames.
    pub items: Vec<CanItem>,
}

/// One CAN frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CanItem {
    /// bit 31 channel, bit 30 frame type (1 extended), bit 29 collection mode (1 average),
    /// bits 0-28 CAN bus id.
    pub id_word: u32,
    /// Data bytes.
    pub data: [u8; 8],
}

impl CanItem {
    /// CAN bus id (bits 0-28).
    pub fn can_id(&self) -> u32 {
        self.id_word & 0x1FFF_FFFF
    }

    /// CAN channel, 0 or 1 (bit 31).
    pub fn channel(&self) -> u8 {
        (self.id_word >> 31) as u8
    }

    /// Extended frame (bit 30).
    pub fn is_extended(&self) -> bool {
        self.id_word & (1 << 30) != 0
    }
}

impl CanData {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u16("CAN item count")? as usize;
        let off = r.offset();
        let t = r.array::<5>("CAN receive time")?;
        let bad = || DecodeError::InvalidTime {
            what: "CAN receive time",
            offset: off,
            found: bcd_digits(&t),
        };
        let mut v = [0u32; 5];
        for (i, (&b, o)) in t.iter().zip(v.iter_mut()).enumerate() {
            *o = u32::from(bcd2(b).ok_or(DecodeError::InvalidBcd {
                what: "CAN receive time",
                offset: off + i,
                found: b,
            })?);
        }
        let receive_time =
            NaiveTime::from_hms_milli_opt(v[0], v[1], v[2], v[3] * 100 + v[4]).ok_or_else(bad)?;
        if v[3] * 100 + v[4] > 999 {
            return Err(bad());
        }
        r.check_count(n, 12, "CAN items")?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(CanItem {
                id_word: r.u32("CAN id")?,
                data: r.array::<8>("CAN data")?,
            });
        }
        Ok(CanData {
            receive_time,
            items,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(count(self.items.len(), "CAN items")?);
        let t = &self.receive_time;
        let ms = (t.nanosecond() / 1_000_000).min(999);
        out.extend_from_slice(&[
            to_bcd2(t.hour() as u8),
            to_bcd2(t.minute() as u8),
            to_bcd2(t.second() as u8),
            to_bcd2((ms / 100) as u8),
            to_bcd2((ms % 100) as u8),
        ]);
        for it in &self.items {
            out.put_u32(it.id_word);
            out.extend_from_slice(&it.data);
        }
        Ok(())
    }
}
