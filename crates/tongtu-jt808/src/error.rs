//! Error types: what went wrong while decoding or encoding, with byte offsets and
//! expected/found values, plus a coarse [`ErrorKind`] for callers that only branch.

use thiserror::Error;

/// Coarse class of a [`DecodeError`], stable for matching and metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// XOR checksum did not match.
    Checksum,
    /// Bad 0x7D escape, or an unescaped 0x7E inside a frame.
    Escape,
    /// Missing delimiter, too few bytes, or a length field that disagrees with the data.
    Truncated,
    /// A BCD field held a nibble above 9, or a BCD date/time that is not a real date.
    Bcd,
    /// A text field was not valid GBK.
    Text,
    /// The body is encrypted (RSA or an unknown scheme), which this codec does not decrypt.
    Encryption,
    /// A field held a value the message layout does not allow.
    Value,
}

/// Why a frame or message body could not be decoded.
///
/// Offsets of header, checksum and body errors count bytes of the unescaped frame
/// content (0 = first byte of the message id); offsets of delimiter and escape errors
/// count bytes of the escaped wire frame (0 = the opening 0x7E). Errors from
/// [`crate::Message::decode`] count from the start of the body it was given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame does not start and end with 0x7E.
    #[error("missing 0x7E delimiter at byte {offset}")]
    MissingDelimiter {
        /// Where the delimiter was expected.
        offset: usize,
    },
    /// 0x7D followed by something other than 0x01 or 0x02 (`None`: 0x7D was the last byte).
    #[error("bad escape at byte {offset}: expected 0x7D 0x01 or 0x7D 0x02, found 0x7D {}", fmt_opt(*found))]
    BadEscape {
        /// Offset of the 0x7D.
        offset: usize,
        /// The byte after 0x7D, if any.
        found: Option<u8>,
    },
    /// A raw 0x7E inside the frame content.
    #[error("unescaped 0x7E inside the frame at byte {offset}")]
    UnescapedDelimiter {
        /// Offset of the 0x7E.
        offset: usize,
    },
    /// The XOR of the header and body does not match the checksum byte.
    #[error("bad checksum at byte {offset}: expected 0x{expected:02X}, found 0x{found:02X}")]
    Checksum {
        /// Offset of the checksum byte.
        offset: usize,
        /// XOR computed over the header and body.
        expected: u8,
        /// Checksum byte present in the frame.
        found: u8,
    },
    /// Fewer bytes than the field being read needs.
    #[error("truncated {what} at byte {offset}: needed {needed} bytes, {available} available")]
    Truncated {
        /// Which field or structure was being read.
        what: &'static str,
        /// Where the field starts.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A length or count field disagrees with the bytes present.
    #[error("length mismatch in {what} at byte {offset}: declared {declared}, found {found}")]
    LengthMismatch {
        /// Which length was checked.
        what: &'static str,
        /// Where the counted data starts.
        offset: usize,
        /// Length (or count) declared by the field.
        declared: usize,
        /// Length (or count) actually present.
        found: usize,
    },
    /// A BCD byte with a nibble above 9.
    #[error("invalid BCD in {what} at byte {offset}: found 0x{found:02X}")]
    InvalidBcd {
        /// Which field.
        what: &'static str,
        /// Offset of the bad byte.
        offset: usize,
        /// The bad byte.
        found: u8,
    },
    /// A BCD date/time whose digits are valid but do not form a real date or time.
    #[error("invalid date/time in {what} at byte {offset}: {found}")]
    InvalidTime {
        /// Which field.
        what: &'static str,
        /// Where the field starts.
        offset: usize,
        /// The digits found (`YYMMDDhhmmss`).
        found: String,
    },
    /// A text field that is not valid GBK.
    #[error("invalid GBK text in {what} at byte {offset} ({len} bytes)")]
    InvalidText {
        /// Which field.
        what: &'static str,
        /// Where the field starts.
        offset: usize,
        /// Field length in bytes.
        len: usize,
    },
    /// The body is encrypted (bits 10-12 of the body attributes).
    #[error("unsupported body encryption 0b{flags:03b} ({})", if *flags == 1 { "RSA" } else { "unknown scheme" })]
    UnsupportedEncryption {
        /// The three encryption bits.
        flags: u8,
    },
    /// A field value the layout does not allow.
    #[error("invalid {what} at byte {offset}: found {found}")]
    InvalidValue {
        /// Which field.
        what: &'static str,
        /// Where the field starts.
        offset: usize,
        /// The value found.
        found: u32,
    },
}

fn fmt_opt(b: Option<u8>) -> String {
    match b {
        Some(b) => format!("0x{b:02X}"),
        None => "end of frame".to_string(),
    }
}

impl DecodeError {
    /// The coarse class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DecodeError::MissingDelimiter { .. }
            | DecodeError::Truncated { .. }
            | DecodeError::LengthMismatch { .. } => ErrorKind::Truncated,
            DecodeError::BadEscape { .. } | DecodeError::UnescapedDelimiter { .. } => {
                ErrorKind::Escape
            }
            DecodeError::Checksum { .. } => ErrorKind::Checksum,
            DecodeError::InvalidBcd { .. } | DecodeError::InvalidTime { .. } => ErrorKind::Bcd,
            DecodeError::InvalidText { .. } => ErrorKind::Text,
            DecodeError::UnsupportedEncryption { .. } => ErrorKind::Encryption,
            DecodeError::InvalidValue { .. } => ErrorKind::Value,
        }
    }

    /// Shifts every offset by `by` (used when a nested structure was decoded from a sub-slice).
    pub(crate) fn shifted(mut self, by: usize) -> Self {
        match &mut self {
            DecodeError::MissingDelimiter { offset }
            | DecodeError::BadEscape { offset, .. }
            | DecodeError::UnescapedDelimiter { offset }
            | DecodeError::Checksum { offset, .. }
            | DecodeError::Truncated { offset, .. }
            | DecodeError::LengthMismatch { offset, .. }
            | DecodeError::InvalidBcd { offset, .. }
            | DecodeError::InvalidTime { offset, .. }
            | DecodeError::InvalidText { offset, .. }
            | DecodeError::InvalidValue { offset, .. } => *offset += by,
            DecodeError::UnsupportedEncryption { .. } => {}
        }
        self
    }
}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A field is longer than its wire width allows.
    #[error("{what} is too long: {len} bytes, at most {max} allowed")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Encoded length.
        len: usize,
        /// Maximum allowed.
        max: usize,
    },
    /// Text that GBK cannot represent.
    #[error("{what} contains a character GBK cannot encode")]
    Unencodable {
        /// Which field.
        what: &'static str,
    },
    /// A phone number that is not 1..=20 decimal digits, or too long for the header version.
    #[error("invalid phone number: {0}")]
    Phone(String),
    /// A field value the layout cannot carry.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// Which field.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// An error from the [`crate::FrameSplitter`]: where in the stream and what.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} (stream offset {offset})")]
pub struct FrameError {
    /// Byte offset in the stream (counting every byte ever fed) where the problem starts.
    pub offset: u64,
    /// What was wrong.
    pub kind: FrameErrorKind,
}

/// What the splitter rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameErrorKind {
    /// Bytes outside any frame were skipped.
    #[error("skipped {len} bytes of garbage between frames")]
    Garbage {
        /// Number of bytes skipped.
        len: usize,
    },
    /// A frame grew past the maximum length without a closing 0x7E; its bytes were dropped.
    #[error("frame longer than {max} bytes dropped")]
    TooLong {
        /// The configured maximum (escaped bytes, delimiters included).
        max: usize,
    },
    /// The stream ended inside a frame.
    #[error("stream ended inside a frame ({len} bytes buffered)")]
    Unterminated {
        /// Bytes buffered since the opening 0x7E.
        len: usize,
    },
    /// A delimited frame failed its escape, length or checksum check. The inner error's
    /// offset is relative to the frame's opening 0x7E (see [`DecodeError`]).
    #[error("invalid frame: {0}")]
    Invalid(DecodeError),
}
