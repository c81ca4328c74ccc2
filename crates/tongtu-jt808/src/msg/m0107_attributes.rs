//! 0x0107 terminal attributes (answer to 0x8107): type, maker, model and id (wider in
//! 2019), ICCID, hardware/firmware versions and GNSS/communication module flags.

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;
use crate::text::bcd_digits;

/// Body of 0x0107.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Terminal type bit flags.
    pub terminal_type: u16,
    /// Manufacturer id (5 bytes, 11 in 2019).
    pub manufacturer_id: String,
    /// Model (20 bytes, 30 in 2019).
    pub terminal_model: String,
    /// Terminal id (7 bytes, 30 in 2019).
    pub terminal_id: String,
    /// SIM ICCID, BCD[10] as sent.
    pub iccid: [u8; 10],
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version.
    pub firmware_version: String,
    /// GNSS module attribute flags.
    pub gnss: u8,
    /// Communication module attribute flags.
    pub comm: u8,
}

impl Attributes {
    /// ICCID digits.
    pub fn iccid_digits(&self) -> String {
        bcd_digits(&self.iccid)
    }

    fn widths(v: ProtocolVersion) -> (usize, usize, usize) {
        if v.is_2019() {
            (11, 30, 30)
        } else {
            (5, 20, 7)
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let (m, t, i) = Self::widths(v);
        Ok(Attributes {
            terminal_type: r.u16("terminal type")?,
            manufacturer_id: r.gbk_fixed(m, "manufacturer id")?,
            terminal_model: r.gbk_fixed(t, "terminal model")?,
            terminal_id: r.gbk_fixed(i, "terminal id")?,
            iccid: r.array::<10>("ICCID")?,
            hardware_version: r.gbk_u8("hardware version")?,
            firmware_version: r.gbk_u8("firmware version")?,
            gnss: r.u8("GNSS attributes")?,
            comm: r.u8("communication attributes")?,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (m, t, i) = Self::widths(v);
        out.put_u16(self.terminal_type);
        out.put_gbk_fixed(&self.manufacturer_id, m, "manufacturer id")?;
        out.put_gbk_fixed(&self.terminal_model, t, "terminal model")?;
        out.put_gbk_fixed(&self.terminal_id, i, "terminal id")?;
        out.extend_from_slice(&self.iccid);
        out.put_gbk_u8(&self.hardware_version, "hardware version")?;
        out.put_gbk_u8(&self.firmware_version, "firmware version")?;
        out.put_u8(self.gnss);
        out.put_u8(self.comm);
        Ok(())
    }
}
