//! 0x0800 multimedia event information: id, media type, format, trigger event, channel.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x0800 (also the first eight bytes of 0x0801).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaEvent {
    /// Multimedia data id.
    pub media_id: u32,
    /// 0 image, 1 audio, 2 video.
    pub media_type: u8,
    /// 0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV.
    pub media_format: u8,
    /// Trigger event code.
    pub event: u8,
    /// Channel id.
    pub channel: u8,
}

impl MediaEvent {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MediaEvent {
            media_id: r.u32("multimedia id")?,
            media_type: r.u8("media type")?,
            media_format: r.u8("media format")?,
            event: r.u8("event")?,
            channel: r.u8("channel")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u32(self.media_id);
        out.put_u8(self.media_type);
        out.put_u8(self.media_format);
        out.put_u8(self.event);
        out.put_u8(self.channel);
    }
}
