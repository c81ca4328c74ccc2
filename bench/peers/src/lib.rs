//! Shared inputs for the peer comparison: real 0x0200 frames from the conformance
//! vectors, and one decode function per implementation.

use bytes::BytesMut;
use tokio_util::codec::Decoder;

/// A 2013 0x0200 with four extra items (0x01 mileage, 0x02 fuel, 0x30 signal, 0x31
/// satellites). Its time, 15-08-18 07:21:21, is chosen so that `jt808` 0.1.1 can read
/// it: that crate reads the BCD time bytes as binary and panics on most real frames
/// (the traccar vector `0200-2013-traccar-2a-30-31` has 0x42 seconds, read as 66).
pub const FRAME_0200: &str = "7E0200002C0139123456780007000000000000000301DC89D0073D8AA5000C020B005A15081807212101040001E2400202019530011931010CF07E";

/// Wire bytes of [`FRAME_0200`] (checked to decode by every implementation in tests).
pub fn frame() -> Vec<u8> {
    hex::decode(FRAME_0200).unwrap_or_default()
}

/// tongtu-jt808: wire frame to typed packet.
pub fn tongtu(wire: &[u8]) -> Option<u32> {
    let p = tongtu_jt808::Packet::from_wire(wire).ok()?;
    match p.message {
        tongtu_jt808::Message::Location(l) => Some(l.lat ^ l.extras.len() as u32),
        _ => None,
    }
}

/// crates.io `jt808` 0.1.1: its tokio codec splits and unescapes, then `Jt0x0200` reads the body.
pub fn jt808_crate(wire: &[u8]) -> Option<u32> {
    use jt808::models::jt0x0200::Jt0x0200;
    use jt808::models::Jt808BodyTrans;
    let mut codec = jt808::codec::Jt808Codec::new();
    let mut buf = BytesMut::from(wire);
    let jt = codec.decode(&mut buf).ok()??;
    let body = jt.get_body();
    let mut rd = jt808::bytes::JtBytes::from(body);
    let m = Jt0x0200::fill_new(&mut rd, &jt);
    Some(m.gps.lat)
}

/// crates.io `jt808-rs` 0.1.1: it has no 0x0200 decoder (`LocationReport` has no
/// fields), so only its frame unescaping (`protocol::unwrap`) can be measured.
pub fn jt808_rs_unwrap(wire: &Vec<u8>) -> usize {
    let mut dst = Vec::with_capacity(wire.len());
    jt808_rs::protocol::unwrap(wire, &mut dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implementation_reads_the_same_latitude() {
        let w = frame();
        let ours = tongtu(&w).map(|x| x ^ 4);
        assert_eq!(ours, Some(31230416));
        assert_eq!(jt808_crate(&w), Some(31230416));
        assert!(jt808_rs_unwrap(&w) > 0);
    }
}
