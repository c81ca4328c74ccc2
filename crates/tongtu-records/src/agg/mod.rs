//! Figures computed from the registers (the hand-written part): key-project investment
//! against plan and funding gaps, pavement condition (优良路率), transport statistics with
//! year-on-year changes and a plausibility check. Each figure states its inputs so that the
//! report can show where a number comes from.

pub mod pavement;
pub mod projects;
pub mod stats;

/// `part / whole × 100`, `None` when the whole is zero (never a silent 0 %).
pub fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole != 0.0).then(|| part / whole * 100.0)
}

/// Year-on-year change in percent: `(now − before) / before × 100`, `None` without a base.
pub fn yoy(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before * 100.0)
}

/// Rounds to `scale` decimals (amounts are kept at the registers' precision).
pub fn round(v: f64, scale: i32) -> f64 {
    let p = 10f64.powi(scale);
    (v * p).round() / p
}

/// A `YYYY-MM` month, checked.
pub fn month(s: &str) -> crate::Result<String> {
    crate::value::parse_month(s)
        .filter(|m| m == s)
        .ok_or_else(|| {
            crate::RecordError::BadRequest(format!("month: expected YYYY-MM, got {s:?}"))
        })
}
