//! Message header: id, body attributes (length, encryption, subpackage, 2019 flag),
//! protocol version, BCD terminal phone (6 or 10 bytes), serial and subpackage fields.

use std::fmt;

use crate::error::{DecodeError, EncodeError};
use crate::text::bcd_digits;

/// Largest body one frame can carry (10-bit length field).
pub const MAX_BODY_LEN: usize = 0x03FF;

const ATTR_LEN_MASK: u16 = 0x03FF;
const ATTR_SUBPACKAGE: u16 = 1 << 13;
const ATTR_V2019: u16 = 1 << 14;

/// Protocol revision of a packet.
///
/// 2011 and 2013 share the header; 2011 is only told apart by the shorter 0x0100 body,
/// so decoding reports `V2011` for such registrations and `V2013` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// JT/T 808-2011.
    V2011,
    /// JT/T 808-2013.
    V2013,
    /// JT/T 808-2019 with its protocol-version byte (1 for the first 2019 revision).
    V2019(u8),
}

impl ProtocolVersion {
    /// True for 2019 frames (version flag set, 10-byte phone).
    #[inline]
    pub fn is_2019(self) -> bool {
        matches!(self, ProtocolVersion::V2019(_))
    }
}

/// Body encryption (attribute bits 10-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encryption {
    /// Plain body.
    None,
    /// RSA (bit 10): recognised, not decrypted by this codec.
    Rsa,
    /// Any other combination of the three bits.
    Other(u8),
}

impl Encryption {
    fn from_bits(bits: u8) -> Self {
        match bits {
            0 => Encryption::None,
            1 => Encryption::Rsa,
            b => Encryption::Other(b & 0x07),
        }
    }

    fn bits(self) -> u16 {
        match self {
            Encryption::None => 0,
            Encryption::Rsa => 1,
            Encryption::Other(b) => u16::from(b & 0x07),
        }
    }
}

/// Position of a fragment in a subpackaged message (`index` is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subpackage {
    /// Number of fragments.
    pub total: u16,
    /// This fragment, from 1.
    pub index: u16,
}

/// Terminal phone number as BCD: 6 bytes (12 digits) before 2019, 10 bytes (20 digits)
/// in 2019. The bytes are kept as sent, so non-decimal nibbles some devices use as
/// padding survive a round trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    /// Right-aligned BCD bytes; only the last `len` are significant.
    bcd: [u8; 10],
    len: u8,
}

impl Phone {
    /// From decimal digits: up to 12 digits give a 6-byte phone, 13-20 a 10-byte one.
    /// Shorter numbers are left-padded with zeros.
    pub fn from_digits(digits: &str) -> Result<Phone, EncodeError> {
        let d = digits.as_bytes();
        if d.is_empty() || d.len() > 20 || !d.iter().all(u8::is_ascii_digit) {
            return Err(EncodeError::Phone(format!(
                "expected 1 to 20 decimal digits, found {digits:?}"
            )));
        }
        let mut bcd = [0u8; 10];
        // Fill nibbles from the right.
        for (i, &c) in d.iter().rev().enumerate() {
            let byte = 9 - i / 2;
            let v = c - b'0';
            bcd[byte] |= if i % 2 == 0 { v } else { v << 4 };
        }
        Ok(Phone {
            bcd,
            len: if d.len() <= 12 { 6 } else { 10 },
        })
    }

    /// From raw BCD bytes as they appear in a header: 6 or 10 bytes.
    pub fn from_bcd(bytes: &[u8]) -> Option<Phone> {
        let len = bytes.len();
        if len != 6 && len != 10 {
            return None;
        }
        let mut bcd = [0u8; 10];
        bcd[10 - len..].copy_from_slice(bytes);
        Some(Phone {
            bcd,
            len: len as u8,
        })
    }

    /// The BCD bytes at their decoded width.
    pub fn as_bcd(&self) -> &[u8] {
        &self.bcd[10 - self.len as usize..]
    }

    /// All digits at full width (12 or 20), leading zeros kept.
    pub fn digits(&self) -> String {
        bcd_digits(self.as_bcd())
    }

    /// Digits without leading zeros (`"13800138000"` for `013800138000`).
    pub fn trimmed(&self) -> String {
        let d = self.digits();
        let t = d.trim_start_matches('0');
        if t.is_empty() {
            "0".to_string()
        } else {
            t.to_string()
        }
    }

    fn encode(&self, v2019: bool, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if v2019 {
            out.extend_from_slice(&self.bcd);
        } else if self.bcd[..4].iter().all(|&b| b == 0) {
            out.extend_from_slice(&self.bcd[4..]);
        } else {
            return Err(EncodeError::Phone(format!(
                "{} has more than 12 digits, which needs a 2019 header",
                self.digits()
            )));
        }
        Ok(())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.digits())
    }
}

/// A decoded message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Message id (e.g. 0x0200). When encoding a [`crate::Packet`], the id of its message wins.
    pub msg_id: u16,
    /// Protocol revision (and the 2019 version byte).
    pub version: ProtocolVersion,
    /// Terminal phone number.
    pub phone: Phone,
    /// Message serial number.
    pub serial: u16,
    /// Body encryption.
    pub encryption: Encryption,
    /// Fragment position when the message is split.
    pub subpackage: Option<Subpackage>,
}

/// What [`Header::decode_parts`] found besides the header itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderLayout {
    pub(crate) header_len: usize,
    pub(crate) body_len: usize,
}

impl Header {
    /// A plain (unencrypted, unsplit) header.
    pub fn new(msg_id: u16, version: ProtocolVersion, phone: Phone, serial: u16) -> Header {
        Header {
            msg_id,
            version,
            phone,
            serial,
            encryption: Encryption::None,
            subpackage: None,
        }
    }

    /// Encoded header length in bytes (12, 16, 17 or 21).
    pub fn encoded_len(&self) -> usize {
        let base = if self.version.is_2019() { 17 } else { 12 };
        base + if self.subpackage.is_some() { 4 } else { 0 }
    }

    /// Decodes the header at the start of unescaped frame content. Useful on its own to
    /// answer a frame whose body could not be decoded (for example an encrypted one).
    pub fn decode(content: &[u8]) -> Result<Header, DecodeError> {
        Self::decode_parts(content).map(|(h, _)| h)
    }

    #[inline]
    pub(crate) fn decode_parts(data: &[u8]) -> Result<(Header, HeaderLayout), DecodeError> {
        let truncated = |needed: usize| DecodeError::Truncated {
            what: "header",
            offset: 0,
            needed,
            available: data.len(),
        };
        let Some(fixed) = data.first_chunk::<12>() else {
            return Err(truncated(12));
        };
        let msg_id = u16::from_be_bytes([fixed[0], fixed[1]]);
        let attr = u16::from_be_bytes([fixed[2], fixed[3]]);
        let body_len = usize::from(attr & ATTR_LEN_MASK);
        let encryption = Encryption::from_bits(((attr >> 10) & 0x07) as u8);
        let (version, phone, mut o) = if attr & ATTR_V2019 != 0 {
            let Some(h) = data.first_chunk::<17>() else {
                return Err(truncated(17));
            };
            let bcd = [
                h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
            ];
            (ProtocolVersion::V2019(h[4]), Phone { bcd, len: 10 }, 15)
        } else {
            let f = fixed;
            let bcd = [0, 0, 0, 0, f[4], f[5], f[6], f[7], f[8], f[9]];
            (ProtocolVersion::V2013, Phone { bcd, len: 6 }, 10)
        };
        let serial = match data.get(o..o + 2) {
            Some(s) => u16::from_be_bytes([s[0], s[1]]),
            None => return Err(truncated(o + 2)),
        };
        o += 2;
        let subpackage = if attr & ATTR_SUBPACKAGE != 0 {
            let Some(s) = data.get(o..o + 4) else {
                return Err(truncated(o + 4));
            };
            o += 4;
            Some(Subpackage {
                total: u16::from_be_bytes([s[0], s[1]]),
                index: u16::from_be_bytes([s[2], s[3]]),
            })
        } else {
            None
        };
        Ok((
            Header {
                msg_id,
                version,
                phone,
                serial,
                encryption,
                subpackage,
            },
            HeaderLayout {
                header_len: o,
                body_len,
            },
        ))
    }

    /// Appends the header for a body of `body_len` bytes and message `msg_id`.
    pub(crate) fn encode(
        &self,
        msg_id: u16,
        body_len: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if body_len > MAX_BODY_LEN {
            return Err(EncodeError::TooLong {
                what: "message body (split it into subpackages)",
                len: body_len,
                max: MAX_BODY_LEN,
            });
        }
        let mut attr = body_len as u16 | (self.encryption.bits() << 10);
        if self.subpackage.is_some() {
            attr |= ATTR_SUBPACKAGE;
        }
        if self.version.is_2019() {
            attr |= ATTR_V2019;
        }
        out.extend_from_slice(&msg_id.to_be_bytes());
        out.extend_from_slice(&attr.to_be_bytes());
        if let ProtocolVersion::V2019(v) = self.version {
            out.push(v);
        }
        self.phone.encode(self.version.is_2019(), out)?;
        out.extend_from_slice(&self.serial.to_be_bytes());
        if let Some(s) = self.subpackage {
            out.extend_from_slice(&s.total.to_be_bytes());
            out.extend_from_slice(&s.index.to_be_bytes());
        }
        Ok(())
    }
}
