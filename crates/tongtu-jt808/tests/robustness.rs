//! Stable-toolchain fuzzing in the normal test run: random bytes and mutations of the
//! conformance frames go through the splitter and every decoder. Nothing may panic, and
//! whatever decodes and re-encodes must decode to the same packet again.

use tongtu_jt808::{checksum, unframe, FrameSplitter, Message, Packet, ProtocolVersion};

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn valid_frames() -> Vec<Vec<u8>> {
    include_str!("data/vectors.jsonl")
        .lines()
        .filter(|l| l.contains("\"valid\": true"))
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            hex::decode(v["hex"].as_str()?).ok()
        })
        .collect()
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.byte();
            }
            2 => {
                let i = rng.below(data.len() + 1);
                data.insert(i, rng.byte());
            }
            3 if !data.is_empty() => {
                let i = rng.below(data.len());
                data.remove(i);
            }
            4 => {
                let n = rng.below(data.len() + 1);
                data.truncate(n);
            }
            _ => {
                let i = rng.below(data.len() + 1);
                data.insert(i, [0x7E, 0x7D, 0x00, 0xFF][rng.below(4)]);
            }
        }
    }
}

/// Decoded → encoded → decoded must be stable whenever encoding succeeds.
fn check_stable(p: &Packet) {
    if let Ok(wire) = p.encode() {
        let again = Packet::from_wire(&wire).expect("re-encoded packet decodes");
        assert_eq!(&again, p);
    }
}

/// Mutates the unescaped content of real frames, then repairs the checksum and the
/// body length field so that the mutation reaches the body decoders.
#[test]
fn mutated_bodies_with_repaired_checksums_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let frames = valid_frames();
    let mut decoded = 0;
    for _ in 0..20_000 {
        let wire = &frames[rng.below(frames.len())];
        let Ok(content) = unframe(wire) else { continue };
        let mut c = content.into_owned();
        c.pop();
        let header_len = if c.len() > 3 && c[2] & 0x40 != 0 {
            17
        } else {
            12
        };
        let mut body = c.split_off(header_len.min(c.len()));
        mutate(&mut rng, &mut body);
        body.truncate(0x3FF);
        if c.len() >= 4 {
            let attr = u16::from_be_bytes([c[2], c[3]]) & !0x03FF & !0x2000 & !0x1C00;
            let attr = attr | body.len() as u16;
            c[2..4].copy_from_slice(&attr.to_be_bytes());
        }
        c.extend_from_slice(&body);
        c.push(checksum(&c));
        if let Ok(p) = Packet::decode(&c) {
            decoded += 1;
            check_stable(&p);
        }
    }
    assert!(decoded > 1_000, "only {decoded} mutated frames decoded");
}

#[test]
fn mutated_wire_frames_never_panic() {
    let mut rng = Rng(42);
    let frames = valid_frames();
    for _ in 0..20_000 {
        let mut w = frames[rng.below(frames.len())].clone();
        mutate(&mut rng, &mut w);
        if let Ok(p) = Packet::from_wire(&w) {
            check_stable(&p);
        }
    }
}

#[test]
fn random_bodies_for_every_message_id_never_panic() {
    let mut rng = Rng(7);
    let ids: Vec<u16> = vec![
        0x0001, 0x0002, 0x0003, 0x0100, 0x0102, 0x0104, 0x0107, 0x0108, 0x0200, 0x0201, 0x0500,
        0x0701, 0x0702, 0x0704, 0x0705, 0x0800, 0x0801, 0x0805, 0x0900, 0x8001, 0x8003, 0x8100,
        0x8103, 0x8104, 0x8105, 0x8106, 0x8201, 0x8202, 0x8300, 0x8500, 0x8600, 0x8601, 0x8602,
        0x8603, 0x8604, 0x8605, 0x8606, 0x8607, 0x8801, 0x8802, 0x1205,
    ];
    for _ in 0..30_000 {
        let id = ids[rng.below(ids.len())];
        let v = if rng.below(2) == 0 {
            ProtocolVersion::V2013
        } else {
            ProtocolVersion::V2019(1)
        };
        let len = rng.below(80);
        let body: Vec<u8> = (0..len)
            .map(|_| if rng.below(3) == 0 { 0 } else { rng.byte() })
            .collect();
        if let Ok(m) = Message::decode(id, v, &body) {
            let mut out = Vec::new();
            if m.encode_body(v, &mut out).is_ok() {
                assert_eq!(Message::decode(id, v, &out).as_ref(), Ok(&m), "id {id:04X}");
            }
        }
    }
}

#[test]
fn random_streams_through_the_splitter_never_panic_and_stay_bounded() {
    let mut rng = Rng(1234);
    let frames = valid_frames();
    for _ in 0..200 {
        let mut stream = Vec::new();
        for _ in 0..rng.below(40) {
            match rng.below(4) {
                0 => {
                    for _ in 0..rng.below(50) {
                        stream.push(rng.byte());
                    }
                }
                1 => {
                    let mut w = frames[rng.below(frames.len())].clone();
                    mutate(&mut rng, &mut w);
                    stream.extend_from_slice(&w);
                }
                _ => stream.extend_from_slice(&frames[rng.below(frames.len())]),
            }
        }
        let max = 64 + rng.below(3000);
        let mut s = FrameSplitter::with_max_frame_len(max);
        let mut pos = 0;
        while pos < stream.len() {
            let n = 1 + rng.below(700);
            let end = (pos + n).min(stream.len());
            for item in s.feed(&stream[pos..end]) {
                match item {
                    Ok(f) => {
                        assert!(f.offset() < stream.len() as u64);
                        if let Ok(p) = f.decode() {
                            check_stable(&p);
                        }
                    }
                    Err(e) => assert!(e.offset < stream.len() as u64),
                }
            }
            assert!(s.buffered() <= max + 1, "{} buffered > {max}", s.buffered());
            pos = end;
        }
        s.finish();
    }
}
