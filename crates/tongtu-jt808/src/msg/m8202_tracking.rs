//! 0x8202 temporary location tracking control: reporting interval and tracking validity
//! (an interval of 0 stops tracking and usually carries no validity field).

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x8202.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TrackingControl {
    /// Reporting interval in seconds; 0 stops tracking.
    pub interval: u16,
    /// Tracking validity in seconds (absent when the body stops after the interval).
    pub validity: Option<u32>,
}

impl TrackingControl {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let interval = r.u16("interval")?;
        let validity = if r.is_empty() {
            None
        } else {
            Some(r.u32("validity")?)
        };
        Ok(TrackingControl { interval, validity })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.interval);
        if let Some(v) = self.validity {
            out.put_u32(v);
        }
    }
}
