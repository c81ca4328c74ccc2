//! The Tongtu demo world: a Yangjiang-like city with its districts, roads, transport
//! enterprises and key operating vehicles, and a simulator that drives that fleet as real
//! JT/T 808 terminals. Generation is deterministic for a given seed so that demos, tests
//! and benchmarks see the same fleet, the same days and the same violations.

pub mod clock;
pub mod fleet;
pub mod plan;
pub mod records;
pub mod runner;
pub mod scenario;
pub mod terminal;
pub mod vehicle;
pub mod world;
