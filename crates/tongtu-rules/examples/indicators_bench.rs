//! Times every assessment indicator over a synthetic fleet month:
//! `cargo run --release -p tongtu-rules --example indicators_bench [vehicles] [days] [threads]`.

use tongtu_rules::indicators::bench::{run_with, BenchOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut num =
        |default: u64| -> u64 { args.next().and_then(|a| a.parse().ok()).unwrap_or(default) };
    let vehicles = num(3000) as u32;
    let days = num(30) as u32;
    let mut o = BenchOptions::new(vehicles, days);
    o.threads = num(o.threads as u64) as usize;
    println!("{}", run_with(&o));
}
