//! 0x8801 camera shoot-now command: channel, shot count or recording mode, interval,
//! save flag and image settings.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x8801.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ShootCommand {
    /// Channel id.
    pub channel: u8,
    /// 0 stop, 0xFFFF record video, otherwise the number of photos.
    pub command: u16,
    /// Interval between photos / recording time, seconds.
    pub interval: u16,
    /// 1 save locally, 0 upload in real time.
    pub save: u8,
    /// Resolution code.
    pub resolution: u8,
    /// Image quality 1-10 (1 best).
    pub quality: u8,
    /// Brightness 0-255.
    pub brightness: u8,
    /// Contrast 0-127.
    pub contrast: u8,
    /// Saturation 0-127.
    pub saturation: u8,
    /// Chroma 0-255.
    pub chroma: u8,
}

impl ShootCommand {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ShootCommand {
            channel: r.u8("channel")?,
            command: r.u16("shoot command")?,
            interval: r.u16("interval")?,
            save: r.u8("save flag")?,
            resolution: r.u8("resolution")?,
            quality: r.u8("quality")?,
            brightness: r.u8("brightness")?,
            contrast: r.u8("contrast")?,
            saturation: r.u8("saturation")?,
            chroma: r.u8("chroma")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.channel);
        out.put_u16(self.command);
        out.put_u16(self.interval);
        for b in [
            self.save,
            self.resolution,
            self.quality,
            self.brightness,
            self.contrast,
            self.saturation,
            self.chroma,
        ] {
            out.put_u8(b);
        }
    }
}
