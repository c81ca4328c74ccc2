//! Transport statistics: passenger and freight volumes and turnover (周转量) by mode, county
//! and month, cumulative from January to a month with the year-on-year change against the
//! same months of the previous year; port throughput likewise; and a plausibility check that
//! flags monthly values that jump against both the previous month and the same month a year
//! before (a typo of an order of magnitude, a missing month).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::SqlitePool;
use tongtu_registry::Principal;

use super::{round, yoy};
use crate::registers::stats::TRANSPORT_MODES;
use crate::{registers, store, RecordError, Result};

/// The four measures of a statistics row.
pub const MEASURES: [(&str, &str, &str); 4] = [
    ("passenger_volume", "客运量", "万人次"),
    ("passenger_km", "旅客周转量", "万人公里"),
    ("freight_volume", "货运量", "万吨"),
    ("tonne_km", "货物周转量", "万吨公里"),
];

/// A jump beyond this share against both references is flagged.
pub const JUMP: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub key: &'static str,
    pub zh: &'static str,
    pub unit: &'static str,
    /// January to `through` of the year.
    pub cumulative: f64,
    /// The same months of the previous year.
    pub previous: f64,
    /// Year-on-year change, %; `None` without a previous value.
    pub yoy_pct: Option<f64>,
    /// The month `through` alone.
    pub month: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeFigures {
    pub mode: String,
    pub mode_zh: String,
    /// Whether any row of the year exists (a mode without data is not "0").
    pub reported: bool,
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    pub month: String,
    pub mode: String,
    pub values: [f64; 4],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub month: String,
    pub county_id: i64,
    pub county: Option<String>,
    pub mode: String,
    pub measure: &'static str,
    pub value: f64,
    pub previous_month: Option<f64>,
    pub last_year: Option<f64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortFigures {
    pub cumulative: f64,
    pub previous: f64,
    pub yoy_pct: Option<f64>,
    pub reported: bool,
    /// (cargo code, cumulative 万吨)
    pub by_cargo: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransportSummary {
    pub year: i32,
    pub through: String,
    pub modes: Vec<ModeFigures>,
    /// Per county and mode: (county id, county, figures).
    pub counties: Vec<(i64, Option<String>, ModeFigures)>,
    /// Month by month for this year and the previous one (charts).
    pub series: Vec<MonthPoint>,
    pub port: PortFigures,
    pub flags: Vec<Flag>,
    pub sources: Vec<&'static str>,
}

type Key = (String, i64, String); // month, county, mode
/// A statistics row: month, county, mode and the four measures.
type StatRow = (
    String,
    i64,
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

fn figures(
    mode: &str,
    rows: &HashMap<Key, [f64; 4]>,
    county: Option<i64>,
    year: i32,
    through_m: u32,
) -> ModeFigures {
    let mut cur = [0.0; 4];
    let mut prev = [0.0; 4];
    let mut month = [0.0; 4];
    let mut reported = false;
    let mut had_prev = false;
    for ((m, c, md), v) in rows {
        if md != mode || county.is_some_and(|x| x != *c) {
            continue;
        }
        let (y, mm) = (
            m[..4].parse::<i32>().unwrap_or(0),
            m[5..].parse::<u32>().unwrap_or(0),
        );
        if mm > through_m {
            continue;
        }
        let target = if y == year {
            reported = true;
            &mut cur
        } else if y == year - 1 {
            had_prev = true;
            &mut prev
        } else {
            continue;
        };
        for i in 0..4 {
            target[i] += v[i];
        }
        if y == year && mm == through_m {
            for i in 0..4 {
                month[i] += v[i];
            }
        }
    }
    let measures = MEASURES
        .iter()
        .enumerate()
        .map(|(i, (key, zh, unit))| Measure {
            key,
            zh,
            unit,
            cumulative: round(cur[i], 2),
            previous: round(prev[i], 2),
            yoy_pct: if had_prev && reported {
                yoy(cur[i], prev[i]).map(|v| round(v, 1))
            } else {
                None
            },
            month: round(month[i], 2),
        })
        .collect();
    ModeFigures {
        mode: mode.to_string(),
        mode_zh: TRANSPORT_MODES
            .find(mode)
            .map_or(mode.to_string(), |c| c.zh.to_string()),
        reported,
        measures,
    }
}

fn prev_month(m: &str) -> String {
    let (y, mm) = (
        m[..4].parse::<i32>().unwrap_or(0),
        m[5..].parse::<u32>().unwrap_or(1),
    );
    if mm == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", mm - 1)
    }
}

fn last_year(m: &str) -> String {
    let y = m[..4].parse::<i32>().unwrap_or(0);
    format!("{:04}{}", y - 1, &m[4..])
}

/// Flags values that differ by more than [`JUMP`] from both the previous month and the
/// same month a year before (where those exist), and zeros where both were positive.
pub fn plausibility(rows: &HashMap<Key, [f64; 4]>, names: &HashMap<i64, String>) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut keys: Vec<&Key> = rows.keys().collect();
    keys.sort();
    for k in keys {
        let (m, c, md) = k;
        let v = rows[k];
        let pm = rows.get(&(prev_month(m), *c, md.clone()));
        let ly = rows.get(&(last_year(m), *c, md.clone()));
        for (i, (key, zh, _)) in MEASURES.iter().enumerate() {
            let (a, b) = (pm.map(|x| x[i]), ly.map(|x| x[i]));
            let jump = |r: Option<f64>| r.is_some_and(|r| r > 0.0 && ((v[i] - r) / r).abs() > JUMP);
            let reason = if v[i] == 0.0 && a.is_some_and(|x| x > 0.0) && b.is_some_and(|x| x > 0.0)
            {
                Some(format!("{zh}为 0，上月和去年同月均有数据"))
            } else if (a.is_some() || b.is_some())
                && (a.is_none() || jump(a))
                && (b.is_none() || jump(b))
                && v[i] > 0.0
            {
                Some(format!(
                    "{zh}较上月和去年同月变化均超过 {:.0}%",
                    JUMP * 100.0
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                out.push(Flag {
                    month: m.clone(),
                    county_id: *c,
                    county: names.get(c).cloned(),
                    mode: md.clone(),
                    measure: key,
                    value: v[i],
                    previous_month: a,
                    last_year: b,
                    reason,
                });
            }
        }
    }
    out
}

/// The summary of `year` from January to `through` (`YYYY-MM`, default December).
pub async fn transport(
    db: &SqlitePool,
    p: &Principal,
    year: i32,
    through: Option<&str>,
) -> Result<TransportSummary> {
    let reg = registers::get("transport_stats")
        .ok_or_else(|| RecordError::Internal("transport_stats".into()))?;
    store::check_read(p, reg)?;
    let through = match through {
        Some(m) => super::month(m)?,
        None => format!("{year:04}-12"),
    };
    if !through.starts_with(&format!("{year:04}-")) {
        return Err(RecordError::BadRequest(format!(
            "through: {through} is not in {year}"
        )));
    }
    let through_m: u32 = through[5..].parse().unwrap_or(12);
    let raw: Vec<StatRow> = sqlx::query_as(
        "SELECT month, county_id, mode, passenger_volume, passenger_km, freight_volume, tonne_km \
         FROM rec_transport_stats WHERE month >= $1 AND month <= $2",
    )
    .bind(format!("{:04}-01", year - 1))
    .bind(format!("{year:04}-12"))
    .fetch_all(db)
    .await?;
    let names: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM regions")
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    let mut rows: HashMap<Key, [f64; 4]> = HashMap::new();
    for (m, c, md, a, b, cc, d) in raw {
        let e = rows.entry((m, c, md)).or_default();
        for (i, v) in [a, b, cc, d].into_iter().enumerate() {
            e[i] += v.unwrap_or(0.0);
        }
    }
    let modes: Vec<ModeFigures> = TRANSPORT_MODES
        .codes
        .iter()
        .map(|m| figures(m.code, &rows, None, year, through_m))
        .collect();
    let mut counties = Vec::new();
    let mut county_ids: Vec<i64> = rows.keys().map(|k| k.1).collect();
    county_ids.sort();
    county_ids.dedup();
    for c in county_ids {
        for m in TRANSPORT_MODES.codes {
            let f = figures(m.code, &rows, Some(c), year, through_m);
            if f.reported {
                counties.push((c, names.get(&c).cloned(), f));
            }
        }
    }
    let mut series: BTreeMap<(String, String), [f64; 4]> = BTreeMap::new();
    for ((m, _, md), v) in &rows {
        let e = series.entry((m.clone(), md.clone())).or_default();
        for i in 0..4 {
            e[i] += v[i];
        }
    }
    let series = series
        .into_iter()
        .map(|((month, mode), v)| MonthPoint {
            month,
            mode,
            values: v.map(|x| round(x, 2)),
        })
        .collect();
    let port_rows: Vec<(String, String, f64)> = sqlx::query_as(
        "SELECT month, cargo, tonnes FROM rec_port_throughput WHERE month >= $1 AND month <= $2",
    )
    .bind(format!("{:04}-01", year - 1))
    .bind(format!("{year:04}-12"))
    .fetch_all(db)
    .await?;
    let (mut cur, mut prev, mut reported, mut had_prev) = (0.0, 0.0, false, false);
    let mut by_cargo: BTreeMap<String, f64> = BTreeMap::new();
    for (m, cargo, t) in port_rows {
        let (y, mm) = (
            m[..4].parse::<i32>().unwrap_or(0),
            m[5..].parse::<u32>().unwrap_or(0),
        );
        if mm > through_m {
            continue;
        }
        if y == year {
            cur += t;
            reported = true;
            *by_cargo.entry(cargo).or_default() += t;
        } else {
            prev += t;
            had_prev = true;
        }
    }
    let flags = plausibility(&rows, &names)
        .into_iter()
        .filter(|f| f.month.starts_with(&format!("{year:04}-")) && f.month <= through)
        .collect();
    Ok(TransportSummary {
        year,
        through,
        modes,
        counties,
        series,
        port: PortFigures {
            cumulative: round(cur, 2),
            previous: round(prev, 2),
            yoy_pct: if had_prev && reported {
                yoy(cur, prev).map(|v| round(v, 1))
            } else {
                None
            },
            reported,
            by_cargo: by_cargo
                .into_iter()
                .map(|(c, t)| (c, round(t, 2)))
                .collect(),
        },
        flags,
        sources: vec!["transport_stats", "port_throughput"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_against_both_references_are_flagged() {
        let mut rows = HashMap::new();
        let k = |m: &str| (m.to_string(), 1, "road".to_string());
        rows.insert(k("2025-03"), [100.0, 100.0, 100.0, 100.0]);
        rows.insert(k("2026-02"), [110.0, 100.0, 100.0, 100.0]);
        // Passenger volume ×10 (a typo), passenger-km up 40 % (plausible), freight 0.
        rows.insert(k("2026-03"), [1000.0, 140.0, 0.0, 100.0]);
        let flags = plausibility(&rows, &HashMap::new());
        let got: Vec<(&str, &str)> = flags
            .iter()
            .map(|f| (f.month.as_str(), f.measure))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-03", "passenger_volume"),
                ("2026-03", "freight_volume")
            ]
        );
    }
}
