//! Simulated time: real time by default, or accelerated (`speedup` simulated seconds per
//! wall second) from a chosen start. Device times are simulated times.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

/// Maps wall-clock time to simulated time.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    sim_start: DateTime<Utc>,
    wall_start: Instant,
    speedup: f64,
}

impl SimClock {
    /// Simulated time = `sim_start` + elapsed wall time × `speedup`.
    pub fn new(sim_start: DateTime<Utc>, speedup: f64) -> SimClock {
        SimClock {
            sim_start,
            wall_start: Instant::now(),
            // A zero or negative speed-up would freeze or reverse time.
            speedup: if speedup.is_finite() && speedup > 0.0 {
                speedup
            } else {
                1.0
            },
        }
    }

    /// Real time.
    pub fn real_time() -> SimClock {
        SimClock::new(Utc::now(), 1.0)
    }

    pub fn speedup(&self) -> f64 {
        self.speedup
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.sim_start
    }

    /// The current simulated time.
    pub fn now(&self) -> DateTime<Utc> {
        self.at(Instant::now())
    }

    /// Simulated time at wall instant `i`.
    pub fn at(&self, i: Instant) -> DateTime<Utc> {
        let wall = i.saturating_duration_since(self.wall_start).as_secs_f64();
        self.sim_start + TimeDelta::milliseconds((wall * self.speedup * 1000.0) as i64)
    }

    /// Wall time until simulated time `t` (zero if it has passed).
    pub fn wall_until(&self, t: DateTime<Utc>) -> Duration {
        let sim = (t - self.now()).num_milliseconds().max(0) as f64 / 1000.0;
        Duration::from_secs_f64(sim / self.speedup)
    }

    /// Wall duration that covers `sim` simulated time.
    pub fn wall_for(&self, sim: Duration) -> Duration {
        Duration::from_secs_f64(sim.as_secs_f64() / self.speedup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn accelerated_clock_runs_faster() {
        let start = DateTime::parse_from_rfc3339("2026-03-10T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let c = SimClock::new(start, 60.0);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(c.now(), start + TimeDelta::minutes(10));
        assert_eq!(
            c.wall_until(start + TimeDelta::minutes(11)),
            Duration::from_secs(1)
        );
        assert_eq!(c.wall_until(start), Duration::ZERO);
        assert_eq!(SimClock::new(start, 0.0).speedup(), 1.0);
    }
}
