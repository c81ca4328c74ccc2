//! Fuzz target: arbitrary bytes, fed in chunks whose sizes come from the input, through
//! the frame splitter; every frame it yields is decoded and, if it re-encodes, must
//! decode to the same packet. The splitter's buffer must stay within its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tongtu_jt808::{FrameSplitter, Packet};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let max = 32 + usize::from(seed) * 8;
    let mut s = FrameSplitter::with_max_frame_len(max);
    let chunk = 1 + usize::from(seed % 17);
    for part in rest.chunks(chunk) {
        for item in s.feed(part) {
            if let Ok(frame) = item {
                if let Ok(p) = frame.decode() {
                    if let Ok(wire) = p.encode() {
                        assert_eq!(Packet::from_wire(&wire).as_ref(), Ok(&p));
                    }
                }
            }
        }
        assert!(s.buffered() <= max);
    }
    let _ = s.finish();
});
