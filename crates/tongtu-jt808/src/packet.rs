//! A whole packet (header + typed message): decoding from unescaped frame content,
//! encoding to an escaped wire frame, and constructors for platform replies and commands.

use crate::error::{DecodeError, EncodeError};
use crate::frame::{checksum, escape_into, unframe};
use crate::header::{Encryption, Header, ProtocolVersion};
use crate::msg::{
    GeneralResponse, Message, Register, RegisterResponse, RegisterResult, ResponseResult,
};

/// Header plus decoded message.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The header as decoded (or to be encoded).
    pub header: Header,
    /// The body. Fragments of subpackaged messages are [`Message::Raw`]; decode the
    /// reassembled body with [`Message::decode`].
    pub message: Message,
}

impl Packet {
    /// A packet from its parts.
    pub fn new(header: Header, message: Message) -> Packet {
        Packet { header, message }
    }

    /// Decodes unescaped frame content (header, body, checksum byte), as yielded by
    /// [`crate::Frame::content`]. Checks, in order: header length, checksum, body length,
    /// encryption; then decodes the body. Unknown message ids give [`Message::Raw`].
    pub fn decode(content: &[u8]) -> Result<Packet, DecodeError> {
        let (mut header, layout) = Header::decode_parts(content)?;
        let Some((&found, covered)) = content.split_last() else {
            return Err(DecodeError::Truncated {
                what: "frame",
                offset: 0,
                needed: 1,
                available: 0,
            });
        };
        let expected = checksum(covered);
        if expected != found {
            return Err(DecodeError::Checksum {
                offset: covered.len(),
                expected,
                found,
            });
        }
        let body = covered.get(layout.header_len..).unwrap_or_default();
        if body.len() != layout.body_len {
            return Err(DecodeError::LengthMismatch {
                what: "body length field",
                offset: layout.header_len,
                declared: layout.body_len,
                found: body.len(),
            });
        }
        match header.encryption {
            Encryption::None => {}
            Encryption::Rsa => return Err(DecodeError::UnsupportedEncryption { flags: 1 }),
            Encryption::Other(flags) => return Err(DecodeError::UnsupportedEncryption { flags }),
        }
        let message = if header.subpackage.is_some() {
            Message::Raw {
                msg_id: header.msg_id,
                body: body.to_vec(),
            }
        } else {
            if header.msg_id == crate::msg::id::REGISTER {
                header.version = Register::layout(header.version, body.len());
            }
            Message::decode(header.msg_id, header.version, body)
                .map_err(|e| e.shifted(layout.header_len))?
        };
        Ok(Packet { header, message })
    }

    /// Decodes one whole wire frame: delimiters, unescaping, then [`Packet::decode`].
    pub fn from_wire(wire: &[u8]) -> Result<Packet, DecodeError> {
        let content = unframe(wire)?;
        Packet::decode(&content)
    }

    /// Unescaped content: header, body, checksum byte.
    pub fn encode_content(&self) -> Result<Vec<u8>, EncodeError> {
        let mut body = Vec::with_capacity(64);
        self.message.encode_body(self.header.version, &mut body)?;
        let mut out = Vec::with_capacity(body.len() + self.header.encoded_len() + 1);
        self.header
            .encode(self.message.msg_id(), body.len(), &mut out)?;
        out.extend_from_slice(&body);
        out.push(checksum(&out));
        Ok(out)
    }

    /// The wire frame: 0x7E, escaped content, 0x7E.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the wire frame to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let content = self.encode_content()?;
        escape_into(&content, out);
        Ok(())
    }

    /// Platform general response (0x8001) to the packet whose header is `to`, sent with
    /// the platform's own `serial`; phone and protocol version are taken from `to`.
    pub fn general_response(to: &Header, serial: u16, result: ResponseResult) -> Packet {
        Packet::reply(
            to,
            serial,
            Message::PlatformResponse(GeneralResponse {
                reply_serial: to.serial,
                reply_msg_id: to.msg_id,
                result: result as u8,
            }),
        )
    }

    /// Register response (0x8100) to the registration whose header is `to`. The auth code
    /// is only sent when `result` is [`RegisterResult::Success`].
    pub fn register_response(
        to: &Header,
        serial: u16,
        result: RegisterResult,
        auth_code: &str,
    ) -> Packet {
        let auth_code = (result == RegisterResult::Success).then(|| auth_code.to_string());
        Packet::reply(
            to,
            serial,
            Message::RegisterResponse(RegisterResponse {
                reply_serial: to.serial,
                result: result as u8,
                auth_code,
            }),
        )
    }

    /// Any platform message to the terminal that sent `to` (same phone and version).
    pub fn reply(to: &Header, serial: u16, message: Message) -> Packet {
        let version = match to.version {
            ProtocolVersion::V2011 => ProtocolVersion::V2013,
            v => v,
        };
        Packet::downlink(version, to.phone, serial, message)
    }

    /// A platform message to a terminal.
    pub fn downlink(
        version: ProtocolVersion,
        phone: crate::header::Phone,
        serial: u16,
        message: Message,
    ) -> Packet {
        Packet {
            header: Header::new(message.msg_id(), version, phone, serial),
            message,
        }
    }
}
