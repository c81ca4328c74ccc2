//! Benchmark: every indicator of a synthetic fleet month (3 000 vehicles × 30 days by
//! default), from positions to rankings. Called by `tongtu bench indicators` and by the
//! crate's `indicators_bench` example.
//!
//! Positions are generated one vehicle-day at a time (a month of the fleet would not fit
//! in memory) and summarised at once, chaining each day's carry into the next, as the
//! platform does; only the summarising and the aggregation are timed.

use std::collections::HashMap;
use std::time::Instant;

use tongtu_track::{day_start_ms, flags, Position, DAY_MS};

use super::{
    aggregate, rank, AggregateInput, AlarmFigures, Grouping, Indicator, IndicatorConfig, Period,
    RegisteredVehicle, VehicleDay,
};

/// Benchmark parameters.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Vehicles in the fleet.
    pub vehicles: u32,
    /// Days.
    pub days: u32,
    /// Worker threads (vehicles are split between them).
    pub threads: usize,
    /// Random seed.
    pub seed: u64,
    /// First Beijing day number.
    pub first_day: i32,
}

impl BenchOptions {
    /// `vehicles × days` on every available core, fixed seed.
    pub fn new(vehicles: u32, days: u32) -> BenchOptions {
        BenchOptions {
            vehicles,
            days,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed: 808,
            first_day: 20_600,
        }
    }
}

/// What the benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Vehicles.
    pub vehicles: u32,
    /// Days.
    pub days: u32,
    /// Worker threads.
    pub threads: usize,
    /// Positions summarised.
    pub positions: u64,
    /// Vehicle-days computed.
    pub vehicle_days: u64,
    /// Time spent summarising positions, summed over threads (one-core seconds).
    pub summarize_cpu_secs: f64,
    /// Aggregation of the period for all four groupings plus a ranking, seconds.
    pub aggregate_secs: f64,
    /// Wall time of everything, generation included, seconds.
    pub wall_secs: f64,
    /// City-wide 上线率, 轨迹完整率, 数据合格率, 漂移车辆率 (a sanity check of the data).
    pub city_rates: [Option<f64>; 4],
}

impl BenchReport {
    /// Positions summarised per second on one core.
    pub fn positions_per_sec_per_core(&self) -> f64 {
        self.positions as f64 / self.summarize_cpu_secs.max(1e-9)
    }

    /// Seconds to compute every indicator with `threads` cores: summarising (spread over
    /// the threads) plus aggregation. Generation excluded.
    pub fn compute_secs(&self) -> f64 {
        self.summarize_cpu_secs / self.threads.max(1) as f64 + self.aggregate_secs
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{:.2} %", v * 100.0));
        write!(
            f,
            "indicators: {} vehicles x {} days = {} vehicle-days, {} positions; summarising \
             {:.2} M positions/s per core ({:.2} core-s), aggregation {:.3} s; all indicators \
             in {:.2} s on {} threads (wall with generation {:.2} s); city 上线率 {}, \
             轨迹完整率 {}, 数据合格率 {}, 漂移车辆率 {}",
            self.vehicles,
            self.days,
            self.vehicle_days,
            self.positions,
            self.positions_per_sec_per_core() / 1e6,
            self.summarize_cpu_secs,
            self.aggregate_secs,
            self.compute_secs(),
            self.threads,
            self.wall_secs,
            pct(self.city_rates[0]),
            pct(self.city_rates[1]),
            pct(self.city_rates[2]),
            pct(self.city_rates[3]),
        )
    }
}

/// Runs the benchmark for `vehicles × days` on every core (3 000 × 30 is the reference).
pub fn run(vehicles: u32, days: u32) -> BenchReport {
    run_with(&BenchOptions::new(vehicles, days))
}

/// Runs the benchmark with explicit options.
pub fn run_with(o: &BenchOptions) -> BenchReport {
    let cfg = IndicatorConfig::default();
    let wall = Instant::now();
    let threads = o.threads.max(1);
    let ids: Vec<u32> = (1..=o.vehicles).collect();
    let per = ids.len().div_ceil(threads).max(1);
    let results: Vec<(Vec<VehicleDay>, u64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(per)
            .map(|chunk| {
                let cfg = &cfg;
                s.spawn(move || {
                    let mut out = Vec::with_capacity(chunk.len() * o.days as usize);
                    let (mut n, mut secs) = (0u64, 0.0f64);
                    let mut buf = Vec::with_capacity(4096);
                    for &v in chunk {
                        let mut sim = Sim::new(o.seed, v);
                        let mut carry = None;
                        for d in 0..o.days as i32 {
                            let day = o.first_day + d;
                            buf.clear();
                            sim.day(day, &mut buf);
                            let t = Instant::now();
                            // The generator only writes this vehicle and day.
                            if let Ok(vd) = VehicleDay::compute(cfg, v, day, &buf, carry.as_ref()) {
                                carry = Some(vd.carry);
                                out.push(vd);
                            }
                            secs += t.elapsed().as_secs_f64();
                            n += buf.len() as u64;
                        }
                    }
                    (out, n, secs)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut days = Vec::new();
    let (mut positions, mut cpu) = (0u64, 0.0f64);
    for (d, n, s) in results {
        days.extend(d);
        positions += n;
        cpu += s;
    }

    let register: Vec<RegisteredVehicle> = ids
        .iter()
        .map(|&v| RegisteredVehicle {
            vehicle_id: v,
            enterprise_id: v % 60 + 1,
            region: ["441702", "441704", "441721", "441781"][v as usize % 4].to_string(),
            class: ["coach", "charter_bus", "hazmat", "heavy_truck"][v as usize % 4].to_string(),
            registered_day: (v % 100 == 0).then_some(o.first_day + 10),
            active: v % 250 != 0,
        })
        .collect();
    let alarms: HashMap<u32, AlarmFigures> = ids
        .iter()
        .map(|&v| {
            let mut r = Rng(u64::from(v) ^ o.seed);
            (
                v,
                AlarmFigures {
                    speeding_events: r.below(6),
                    fatigue_secs: r.below(4) * r.below(1800),
                },
            )
        })
        .collect();
    let (empty_first, empty_checks) = (HashMap::new(), HashMap::new());
    let input = AggregateInput {
        register: &register,
        days: &days,
        alarms: &alarms,
        first_qualified_day: &empty_first,
        check_responses: &empty_checks,
        reference: None,
    };
    let period = Period {
        first_day: o.first_day,
        last_day: o.first_day + o.days.max(1) as i32 - 1,
    };
    let t = Instant::now();
    let mut city_rates = [None; 4];
    for g in [
        Grouping::City,
        Grouping::Region,
        Grouping::Enterprise,
        Grouping::Vehicle,
    ] {
        if let Ok(rep) = aggregate(&cfg, &input, period, g) {
            if g == Grouping::City {
                if let Some(c) = rep.groups.first() {
                    city_rates = [
                        c.online_rate.value,
                        c.track_complete_rate.value,
                        c.data_qualified_rate.value,
                        c.drift_vehicle_rate.value,
                    ];
                }
            }
            if g == Grouping::Enterprise {
                std::hint::black_box(rank(&rep.groups, Indicator::EnterpriseScore));
            }
        }
    }
    let aggregate_secs = t.elapsed().as_secs_f64();
    BenchReport {
        vehicles: o.vehicles,
        days: o.days,
        threads,
        positions,
        vehicle_days: days.len() as u64,
        summarize_cpu_secs: cpu,
        aggregate_secs,
        wall_secs: wall.elapsed().as_secs_f64(),
        city_rates,
    }
}

/// SplitMix64: small, fast, good enough for synthetic tracks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// One simulated vehicle, its state carried from day to day so that the track is
/// continuous across midnight.
struct Sim {
    rng: Rng,
    vehicle: u32,
    /// One vehicle in 60 has a bad antenna and drifts now and then.
    bad_gnss: bool,
    interval: i64,
    lat: f64,
    lon: f64,
    heading: f64,
    speed: f64,
    alt: f64,
}

impl Sim {
    fn new(seed: u64, vehicle: u32) -> Sim {
        let mut rng = Rng(seed ^ (u64::from(vehicle) << 20));
        Sim {
            interval: [10, 12, 15, 20, 30][rng.below(5) as usize],
            lat: rng.range(21.75, 22.35),
            lon: rng.range(111.35, 112.25),
            heading: rng.range(0.0, 360.0),
            speed: 0.0,
            alt: rng.range(20.0, 60.0),
            vehicle,
            bad_gnss: vehicle % 60 == 7,
            rng,
        }
    }

    /// Appends one day: parked (a fix every 5 min) outside an 8–12 h working window that
    /// starts 05:00–09:00, within it drive legs of 30–150 min (a fix every 10–30 s) and
    /// stops of 10–40 min. Rare anomalies exercise every indicator: re-sent duplicates,
    /// drift jumps, out-of-range values, GNSS-invalid fixes, signal gaps of 8 min while
    /// driving, blind-area supplements.
    fn day(&mut self, day: i32, out: &mut Vec<Position>) {
        let r = &mut self.rng;
        let start = day_start_ms(day);
        let mut t = start + r.below(300) as i64 * 1000;
        let dep = start + (5 * 3600 + r.below(4 * 3600) as i64) * 1000;
        let end = dep + (8 * 3600 + r.below(4 * 3600) as i64) * 1000;
        let (mut moving, mut leg_end, mut target) = (false, dep, 60.0);
        // Seconds since the previous fix: the movement this fix shows.
        let mut step = 300i64;
        while t < start + DAY_MS {
            let working = t >= dep && t < end;
            if working && t >= leg_end {
                moving = !moving;
                let mins = if moving {
                    target = r.range(30.0, 95.0);
                    30 + r.below(120)
                } else {
                    10 + r.below(30)
                };
                leg_end = t + mins as i64 * 60_000;
            }
            let driving = working && moving;
            if driving {
                self.speed = (self.speed + (target - self.speed) * 0.3 + r.range(-4.0, 4.0))
                    .clamp(0.0, 120.0);
                if r.unit() < 0.05 {
                    self.heading = (self.heading + r.range(-90.0, 90.0)).rem_euclid(360.0);
                }
                let km = self.speed * step as f64 / 3600.0;
                let (s, c) = self.heading.to_radians().sin_cos();
                self.lat += c * km / 111.2;
                self.lon += s * km / (111.2 * self.lat.to_radians().cos());
                if !(21.7..22.4).contains(&self.lat) || !(111.3..112.3).contains(&self.lon) {
                    self.heading = (self.heading + 180.0).rem_euclid(360.0);
                    self.lat = self.lat.clamp(21.7, 22.4);
                    self.lon = self.lon.clamp(111.3, 112.3);
                }
                self.alt = (self.alt + r.range(-1.5, 1.5)).clamp(0.0, 120.0);
            } else {
                self.speed = 0.0;
            }
            let supplementary = r.unit() < 0.01;
            let lag = if supplementary {
                (60 + r.below(7200) as i64) * 1000
            } else {
                150 + r.below(500) as i64
            };
            let mut p = Position {
                vehicle_id: self.vehicle,
                device_time_ms: t,
                receive_time_ms: t + lag,
                lat: (self.lat * 1e6).round() as i32,
                lon: (self.lon * 1e6).round() as i32,
                altitude: self.alt.round() as i16,
                speed: (self.speed * 10.0).round() as u16,
                direction: self.heading.round() as u16 % 360,
                status: u32::from(driving) | 0b10,
                flags: flags::GNSS_VALID
                    | if supplementary {
                        flags::SUPPLEMENTARY | flags::FROM_BATCH
                    } else {
                        0
                    },
                ..Position::default()
            };
            let a = r.unit();
            // Drift comes from a few terminals with bad antennas, not from everyone.
            if self.bad_gnss && a < 0.0005 {
                p.lat += 50_000; // 5.5 km away for one fix: drift
            } else if a < 0.001 {
                p.altitude = 7_000;
            } else if a < 0.0015 {
                p.direction = 360;
            } else if a < 0.0035 {
                p.flags &= !flags::GNSS_VALID;
            }
            out.push(p);
            if r.unit() < 0.002 {
                // Re-sent after a lost acknowledgement: same record, received later.
                out.push(Position {
                    receive_time_ms: p.receive_time_ms + 2_000,
                    ..p
                });
            }
            step = if driving { self.interval } else { 300 };
            if driving && r.unit() < 0.001 {
                step += 480;
            }
            t += step * 1000;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_computes_plausible_figures() {
        let r = run_with(&BenchOptions {
            threads: 2,
            ..BenchOptions::new(8, 3)
        });
        assert_eq!(r.vehicle_days, 24);
        assert!(r.positions > 24 * 1_000, "{}", r.positions);
        let [online, complete, qualified, _] = r.city_rates;
        assert_eq!(online, Some(1.0));
        assert!(
            complete.is_some_and(|v| v > 0.9 && v <= 1.0),
            "{complete:?}"
        );
        assert!(
            qualified.is_some_and(|v| v > 0.99 && v < 1.0),
            "{qualified:?}"
        );
    }
}
