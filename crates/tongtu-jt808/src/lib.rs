//! JT/T 808 (2011, 2013, 2019) wire codec for Tongtu: framing ([`FrameSplitter`],
//! escaping, checksum), headers ([`Header`]) and typed messages ([`Message`]).
//! Pure: no I/O, no async runtime; decoding never panics and never allocates more
//! than the input can back.
//!
//! ```
//! use tongtu_jt808::{FrameSplitter, Message, Packet, ResponseResult};
//!
//! // A heartbeat from terminal 012345678900, serial 1.
//! let wire = [0x7E, 0x00, 0x02, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0x00,
//!             0x00, 0x01, 0x8A, 0x7E];
//! let mut splitter = FrameSplitter::new();
//! for frame in splitter.feed(&wire) {
//!     let packet = frame.unwrap().decode().unwrap();
//!     assert_eq!(packet.message, Message::Heartbeat);
//!     let reply = Packet::general_response(&packet.header, 7, ResponseResult::Success);
//!     let bytes = reply.encode().unwrap();
//!     assert_eq!(bytes[1..3], [0x80, 0x01]);
//! }
//! ```

mod cursor;
mod error;
mod frame;
mod header;
pub mod msg;
mod packet;
mod text;

pub use error::{DecodeError, EncodeError, ErrorKind, FrameError, FrameErrorKind};
pub use frame::{
    checksum, escape_into, unescape, unframe, Frame, FrameSplitter, Frames, DEFAULT_MAX_FRAME_LEN,
};
pub use header::{Encryption, Header, Phone, ProtocolVersion, Subpackage, MAX_BODY_LEN};
pub use msg::{Extra, GeneralResponse, Location, Message, RegisterResult, ResponseResult};
pub use packet::Packet;
pub use text::{device_time_to_utc, utc_to_device_time, BcdTime};
