//! Fuzz target: arbitrary bytes as (a) a whole wire frame, (b) unescaped frame content,
//! and (c) the body of every modelled message id in both header versions. Nothing may
//! panic; whatever decodes and re-encodes must decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tongtu_jt808::{checksum, Message, Packet, ProtocolVersion};

const IDS: &[u16] = &[
    0x0001, 0x0002, 0x0003, 0x0100, 0x0102, 0x0104, 0x0107, 0x0108, 0x0200, 0x0201, 0x0500, 0x0701,
    0x0702, 0x0704, 0x0705, 0x0800, 0x0801, 0x0805, 0x0900, 0x8001, 0x8003, 0x8100, 0x8103, 0x8104,
    0x8105, 0x8106, 0x8201, 0x8202, 0x8300, 0x8500, 0x8600, 0x8601, 0x8602, 0x8603, 0x8604, 0x8605,
    0x8606, 0x8607, 0x8801, 0x8802,
];

fn stable(p: &Packet) {
    if let Ok(wire) = p.encode() {
        assert_eq!(Packet::from_wire(&wire).as_ref(), Ok(p));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::from_wire(data) {
        stable(&p);
    }
    // Content with a repaired checksum, so the body decoders are reached.
    let mut c = data.to_vec();
    if !c.is_empty() {
        let n = c.len() - 1;
        c[n] = checksum(&c[..n]);
        if let Ok(p) = Packet::decode(&c) {
            stable(&p);
        }
    }
    if let Some((&sel, body)) = data.split_first() {
        let id = IDS[usize::from(sel) % IDS.len()];
        let v = if sel & 0x80 != 0 {
            ProtocolVersion::V2019(1)
        } else {
            ProtocolVersion::V2013
        };
        if let Ok(m) = Message::decode(id, v, body) {
            let mut out = Vec::new();
            if m.encode_body(v, &mut out).is_ok() {
                assert_eq!(Message::decode(id, v, &out).as_ref(), Ok(&m));
            }
        }
    }
});
