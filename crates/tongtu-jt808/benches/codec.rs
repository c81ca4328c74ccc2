//! Criterion benchmarks: 0x0200 decode (4 extras), 0x0704 decode (20 items), splitting
//! a 1 MiB stream of mixed real frames, and encoding a 0x8001 reply.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tongtu_jt808::msg::LocationBatch;
use tongtu_jt808::{
    Extra, FrameSplitter, Header, Location, Message, Packet, Phone, ProtocolVersion, ResponseResult,
};

fn location(i: u32) -> Location {
    Location {
        alarm: 0,
        status: 0x0000_0003,
        lat: 31_230_416 + i,
        lon: 121_473_701 + i,
        altitude: 12,
        speed: 523,
        direction: 90,
        time: NaiveDate::from_ymd_opt(2024, 5, 17).and_then(|d| d.and_hms_opt(10, 30, 0)),
        extras: vec![
            Extra::Mileage(123_456 + i),
            Extra::Fuel(405),
            Extra::SignalStrength(25),
            Extra::Satellites(12),
        ],
        malformed_tail: Vec::new(),
    }
}

fn content(msg: Message) -> Vec<u8> {
    let phone = Phone::from_digits("13912345678").expect("phone");
    let p = Packet::new(
        Header::new(msg.msg_id(), ProtocolVersion::V2013, phone, 7),
        msg,
    );
    p.encode_content().expect("encodes")
}

fn mixed_stream() -> Vec<u8> {
    let frames: Vec<Vec<u8>> = include_str!("../tests/data/vectors.jsonl")
        .lines()
        .filter(|l| l.contains("\"valid\": true"))
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            hex::decode(v["hex"].as_str()?).ok()
        })
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    let mut i = 0;
    while out.len() < 1 << 20 {
        out.extend_from_slice(&frames[i % frames.len()]);
        i += 1;
    }
    out
}

fn benches(c: &mut Criterion) {
    let loc = content(Message::Location(location(0)));
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("0x0200_4_extras", |b| {
        b.iter(|| Packet::decode(black_box(&loc)).expect("decodes"))
    });
    let batch = content(Message::LocationBatch(LocationBatch {
        batch_type: 1,
        items: (0..20).map(location).collect(),
    }));
    g.bench_function("0x0704_20_items", |b| {
        b.iter(|| Packet::decode(black_box(&batch)).expect("decodes"))
    });
    g.finish();

    let stream = mixed_stream();
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("1MiB_mixed_frames", |b| {
        b.iter(|| {
            let mut s = FrameSplitter::new();
            let n = s.feed(black_box(&stream)).filter(|f| f.is_ok()).count();
            black_box(n)
        })
    });
    g.bench_function("1MiB_mixed_frames_in_4KiB_reads", |b| {
        b.iter(|| {
            let mut s = FrameSplitter::new();
            let mut n = 0;
            for chunk in black_box(&stream).chunks(4096) {
                n += s.feed(chunk).filter(|f| f.is_ok()).count();
            }
            black_box(n)
        })
    });
    g.bench_function("1MiB_mixed_frames_split_and_decode", |b| {
        b.iter(|| {
            let mut s = FrameSplitter::new();
            let n = s
                .feed(black_box(&stream))
                .filter_map(|f| f.ok())
                .filter(|f| f.decode().is_ok())
                .count();
            black_box(n)
        })
    });
    g.finish();

    let phone = Phone::from_digits("13912345678").expect("phone");
    let to = Header::new(0x0200, ProtocolVersion::V2013, phone, 4242);
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("0x8001", |b| {
        b.iter(|| {
            Packet::general_response(black_box(&to), 17, ResponseResult::Success)
                .encode()
                .expect("encodes")
        })
    });
    g.finish();
}

criterion_group! {
    name = codec;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(codec);
