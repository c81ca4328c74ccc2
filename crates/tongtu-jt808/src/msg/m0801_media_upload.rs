//! 0x0801 multimedia data upload: event header, the 28-byte basic location at capture
//! time, then the media bytes (usually split over subpackages and reassembled first).

use crate::cursor::Reader;
use crate::error::{DecodeError, EncodeError};
use crate::msg::{Location, MediaEvent};

/// Body of 0x0801.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MediaUpload {
    /// Id, type, format, event and channel.
    pub event: MediaEvent,
    /// Basic location block (no extra items).
    pub location: Location,
    /// The media bytes.
    pub data: Vec<u8>,
}

impl MediaUpload {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MediaUpload {
            event: MediaEvent::decode(r)?,
            location: Location::decode_basic(r)?,
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.event.encode(out);
        self.location.encode_basic(out)?;
        out.extend_from_slice(&self.data);
        Ok(())
    }
}
