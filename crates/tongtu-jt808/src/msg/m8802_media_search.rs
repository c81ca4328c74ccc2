//! 0x8802 stored multimedia search: media type, channel, event and a time window.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;
use crate::text::BcdTime;

/// Body of 0x8802.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaSearch {
    /// 0 image, 1 audio, 2 video.
    pub media_type: u8,
    /// Channel id, 0 for all.
    pub channel: u8,
    /// Event code.
    pub event: u8,
    /// Window start (all zeros: no lower bound).
    pub start: BcdTime,
    /// Window end (all zeros: no upper bound).
    pub end: BcdTime,
}

impl MediaSearch {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MediaSearch {
            media_type: r.u8("media type")?,
            channel: r.u8("channel")?,
            event: r.u8("event")?,
            start: BcdTime::decode(r, "start time")?,
            end: BcdTime::decode(r, "end time")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.media_type);
        out.put_u8(self.channel);
        out.put_u8(self.event);
        out.extend_from_slice(&self.start.0);
        out.extend_from_slice(&self.end.0);
    }
}
