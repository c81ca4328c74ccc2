//! The Tongtu demo world: a Yangjiang-like city with its districts, transport enterprises and
//! key operating vehicles. Generation is deterministic for a given seed so that demos, tests
//! and benchmarks see the same fleet.

pub mod fleet;
