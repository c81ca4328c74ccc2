//! 0x8500 vehicle control: one flag byte before 2019 (bit 0 locks the doors); in 2019 a
//! count of control items followed by their type ids and parameters, kept as sent.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;
use crate::header::ProtocolVersion;

/// Body of 0x8500.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VehicleControl {
    /// 2011/2013: control flag bits (bit 0: 1 lock doors, 0 unlock).
    Flags(u8),
    /// 2019: number of control items and the items (type id WORD + parameters) as sent.
    Commands {
        /// Item count.
        count: u16,
        /// The items.
        data: Vec<u8>,
    },
}

impl VehicleControl {
    /// 2019 door control (type 0x0001): `lock` true locks the doors.
    pub fn door_2019(lock: bool) -> Self {
        VehicleControl::Commands {
            count: 1,
            data: vec![0x00, 0x01, u8::from(!lock)],
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        if v.is_2019() {
            Ok(VehicleControl::Commands {
                count: r.u16("control item count")?,
                data: r.rest().to_vec(),
            })
        } else {
            Ok(VehicleControl::Flags(r.u8("control flag")?))
        }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            VehicleControl::Flags(f) => out.put_u8(*f),
            VehicleControl::Commands { count, data } => {
                out.put_u16(*count);
                out.extend_from_slice(data);
            }
        }
    }
}
