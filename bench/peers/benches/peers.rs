//! Same 0x0200 frame through tongtu-jt808 and the crates.io peers, in one run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jt808_peers_bench::{frame, jt808_crate, jt808_rs_unwrap, tongtu};

fn peers(c: &mut Criterion) {
    let w = frame();
    // Both decoders must read the same position before anything is timed.
    assert_eq!(tongtu(&w).map(|x| x ^ 4), Some(31230416));
    assert_eq!(jt808_crate(&w), Some(31230416));
    assert!(jt808_rs_unwrap(&w) > 0);
    let mut g = c.benchmark_group("0x0200_from_wire");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tongtu-jt808", |b| b.iter(|| tongtu(black_box(&w))));
    g.bench_function("jt808 0.1.1", |b| b.iter(|| jt808_crate(black_box(&w))));
    g.bench_function("jt808-rs 0.1.1 (unescape only)", |b| {
        b.iter(|| jt808_rs_unwrap(black_box(&w)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = peers
}
criterion_main!(benches);
