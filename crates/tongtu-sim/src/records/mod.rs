//! Deterministic demo rows for the bureau's registers (at least the last 18 months, so that
//! year-on-year figures exist). Rows are JSON objects in **sheet form**, as a person would type
//! them into the register's Excel template: codes as their code, regions by name
//! ([`crate::fleet::REGIONS`]), enterprises by USCC, vehicles by plate, rows of another
//! register by that register's title field, dates `YYYY-MM-DD`, months `YYYY-MM`. The demo
//! imports them through the same path as an Excel sheet (`tongtu_records::store::import_rows`),
//! so every declared check applies to them.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use crate::fleet::DemoFleet;

pub mod enforcement;
pub mod port;
pub mod projects;
pub mod roads;
pub mod safety;
pub mod services;
pub mod stats;
pub mod transit;
pub mod worklog;

/// The rows of one register, in import order.
#[derive(Debug, Clone)]
pub struct Batch {
    pub register: &'static str,
    pub rows: Vec<Map<String, Value>>,
}

/// What the generators know about the demo world.
pub struct Ctx<'a> {
    pub seed: u64,
    /// The demo's "today" (Beijing date); data runs up to the month before it, at least 18
    /// months back.
    pub today: NaiveDate,
    pub fleet: &'a DemoFleet,
}

/// Every register's demo rows, parents before the registers that refer to them (the order
/// of `tongtu_records::registers::all()`).
pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut out = Vec::new();
    out.extend(projects::generate(ctx));
    out.extend(roads::generate(ctx));
    out.extend(port::generate(ctx));
    out.extend(stats::generate(ctx));
    out.extend(enforcement::generate(ctx));
    out.extend(safety::generate(ctx));
    out.extend(transit::generate(ctx));
    out.extend(services::generate(ctx));
    out.extend(worklog::generate(ctx));
    out
}

/// The generated period: 1 January of last year to yesterday.
pub(crate) fn period(ctx: &Ctx) -> (NaiveDate, NaiveDate) {
    let last = ctx.today.pred_opt().unwrap_or(ctx.today);
    let first = NaiveDate::from_ymd_opt(ctx.today.year() - 1, 1, 1).unwrap_or(last);
    (first, last)
}

/// A date in sheet form.
pub(crate) fn ymd(d: NaiveDate) -> Value {
    serde_json::json!(d.format("%Y-%m-%d").to_string())
}

/// One of `items`, chosen with the given weights (a non-empty static table).
pub(crate) fn weighted(
    rng: &mut rand::rngs::StdRng,
    items: &[(&'static str, u32)],
) -> &'static str {
    use rand::seq::IndexedRandom;
    items
        .choose_weighted(rng, |(_, w)| *w)
        .map_or(items[0].0, |(v, _)| v)
}

/// A row from `(key, value)` pairs; `Value::Null` entries are left out.
pub fn row<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// Helpers of the generators' unit tests.
#[cfg(test)]
pub(crate) mod test_util {
    use chrono::NaiveDate;
    use serde_json::Value;

    use super::{Batch, Ctx};
    use crate::fleet::DemoFleet;

    pub(crate) fn ctx(fleet: &DemoFleet, seed: u64) -> Ctx<'_> {
        Ctx {
            seed,
            today: NaiveDate::from_ymd_opt(2026, 11, 26).expect("valid date"),
            fleet,
        }
    }

    pub(crate) fn rows<'a>(
        batches: &'a [Batch],
        register: &str,
    ) -> &'a [serde_json::Map<String, Value>] {
        batches
            .iter()
            .find(|b| b.register == register)
            .map_or(&[], |b| b.rows.as_slice())
    }

    /// A row's text value, empty when absent.
    pub(crate) fn text<'a>(r: &'a serde_json::Map<String, Value>, key: &str) -> &'a str {
        r.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    /// Same fleet and seed, same batches; another seed, other rows of `register`.
    pub(crate) fn deterministic(generate: fn(&Ctx) -> Vec<Batch>, vehicles: usize, register: &str) {
        let f = crate::fleet::generate(3, vehicles);
        let a = generate(&ctx(&f, 9));
        let b = generate(&ctx(&f, 9));
        let c = generate(&ctx(&f, 10));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.register, y.register);
            assert_eq!(x.rows, y.rows, "{}", x.register);
        }
        assert_ne!(rows(&a, register), rows(&c, register), "{register}");
    }

    pub(crate) fn dates(rows: &[serde_json::Map<String, Value>], key: &str) -> Vec<String> {
        let mut d: Vec<String> = rows
            .iter()
            .filter_map(|r| r.get(key).and_then(Value::as_str).map(str::to_string))
            .collect();
        d.sort();
        d
    }
}
