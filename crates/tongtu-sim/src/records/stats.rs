//! Demo rows of the stats group: monthly passenger and freight volume and turnover per
//! county and mode. Road passengers peak at the Spring Festival and fall year on year (people
//! move to rail and private cars), freight grows a few percent; waterway only in the coastal
//! counties, railway only in 江城区 and 阳春市. The months of [`BASE_YEAR`], the last year
//! before the epidemic, are there too: the report measures recovery against them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::projects::{
    first_month, month_of, month_value, months, num, region, spring_festival_month, year_of,
};
use super::{row, Batch, Ctx};

/// One mode's city-wide level at the start of the window and how it moves.
struct Mode {
    code: &'static str,
    /// 万人次 a month, city-wide.
    passengers: f64,
    /// Average trip, km (passenger-km = passengers × trip).
    trip_km: f64,
    /// 万吨 a month, city-wide.
    freight: f64,
    /// Average haul, km (tonne-km = tonnes × haul).
    haul_km: f64,
    passenger_growth: f64,
    freight_growth: f64,
    /// [`BASE_YEAR`]'s level against the window's start: (passengers, freight).
    base_level: (f64, f64),
    /// Each county's share of passengers and of freight, indexed like `REGIONS`; `None` where
    /// the mode does not run.
    shares: [Option<(f64, f64)>; 6],
}

#[rustfmt::skip]
const MODES: &[Mode] = &[
    Mode {
        code: "road", passengers: 90.0, trip_km: 55.0, freight: 320.0, haul_km: 85.0,
        passenger_growth: -0.15, freight_growth: 0.04, base_level: (2.4, 1.22),
        shares: [Some((0.32, 0.22)), Some((0.16, 0.20)), Some((0.24, 0.25)), Some((0.14, 0.18)), Some((0.08, 0.03)), Some((0.06, 0.12))],
    },
    Mode {
        code: "waterway", passengers: 3.0, trip_km: 12.0, freight: 110.0, haul_km: 900.0,
        passenger_growth: 0.05, freight_growth: 0.06, base_level: (1.5, 1.08),
        shares: [Some((0.15, 0.30)), Some((0.10, 0.15)), None, Some((0.10, 0.25)), Some((0.60, 0.10)), Some((0.05, 0.20))],
    },
    Mode {
        code: "railway", passengers: 35.0, trip_km: 180.0, freight: 18.0, haul_km: 420.0,
        passenger_growth: 0.08, freight_growth: 0.05, base_level: (0.92, 0.9),
        shares: [Some((0.75, 0.40)), None, Some((0.25, 0.60)), None, None, None],
    },
];

/// Passenger seasonality: the Spring Festival rush (and the month it spills into), summer
/// holidays, the National Day week; island ferries and tour boats follow the beach season.
fn passenger_season(mode: &str, index: i32) -> f64 {
    let m = month_of(index);
    let festival = spring_festival_month(year_of(index));
    let rush = if m == festival {
        1.35
    } else if m + 1 == festival || m == festival + 1 {
        1.1
    } else {
        1.0
    };
    let holidays = match (mode, m) {
        ("waterway", 6..=8) => 1.6,
        ("waterway", 10) => 1.3,
        ("waterway", 1..=3 | 12) => 0.7,
        (_, 7 | 8) => 1.12,
        (_, 10) => 1.1,
        _ => 1.0,
    };
    rush * holidays
}

/// Freight stops over the Spring Festival and is pushed at the year's end.
fn freight_season(index: i32) -> f64 {
    let m = month_of(index);
    let festival = spring_festival_month(year_of(index));
    if m == festival {
        0.78
    } else if m == festival + 1 {
        0.95
    } else if m == 12 {
        1.05
    } else {
        1.0
    }
}

/// The last year before the epidemic, which the bureau measures recovery against.
pub const BASE_YEAR: i32 = 2019;

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x7374_6174_735f_6d6f);
    let first = first_month(ctx.today);
    let mut rows = Vec::new();
    let base = BASE_YEAR * 12..BASE_YEAR * 12 + 12;
    for index in base.clone().filter(|i| *i < first).chain(months(ctx.today)) {
        let years = f64::from(index - first) / 12.0;
        for (county, _) in crate::fleet::REGIONS.iter().enumerate() {
            for mode in MODES {
                let Some((p_share, f_share)) = mode.shares.get(county).copied().flatten() else {
                    continue;
                };
                let (p_trend, f_trend) = if base.contains(&index) {
                    mode.base_level
                } else {
                    (
                        (1.0 + mode.passenger_growth).powf(years),
                        (1.0 + mode.freight_growth).powf(years),
                    )
                };
                let passengers = mode.passengers
                    * p_share
                    * p_trend
                    * passenger_season(mode.code, index)
                    * rng.random_range(0.96..1.04);
                let freight = mode.freight
                    * f_share
                    * f_trend
                    * freight_season(index)
                    * rng.random_range(0.96..1.04);
                let trip = mode.trip_km * rng.random_range(0.97..1.03);
                let haul = mode.haul_km * rng.random_range(0.97..1.03);
                rows.push(row([
                    ("month", month_value(index)),
                    ("county_id", region(county)),
                    ("mode", Value::from(mode.code)),
                    ("passenger_volume", num(passengers, 2)),
                    ("passenger_km", num(passengers * trip, 2)),
                    ("freight_volume", num(freight, 2)),
                    ("tonne_km", num(freight * haul, 2)),
                ]));
            }
        }
    }
    vec![Batch {
        register: "transport_stats",
        rows,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::projects::{check, last_month, month_value};

    #[test]
    fn same_seed_same_rows() {
        check::deterministic(super::generate);
    }

    #[test]
    fn covers_the_window_with_sane_numbers() {
        for ymd in check::TODAYS {
            let today = check::day(ymd);
            let mut batches = check::run(super::generate, 1, today);
            // The base year's months apart, the window's months exactly.
            let base = format!("{}-", super::BASE_YEAR);
            let before = batches[0].rows.len();
            batches[0]
                .rows
                .retain(|r| !r["month"].as_str().is_some_and(|m| m.starts_with(&base)));
            assert_eq!(before - batches[0].rows.len(), 12 * 13, "base-year rows");
            check::covers_months(&batches, "transport_stats", today);
            check::numbers_ok(
                &batches,
                &[(
                    "transport_stats",
                    &[
                        "month",
                        "county_id",
                        "mode",
                        "passenger_volume",
                        "passenger_km",
                        "freight_volume",
                        "tonne_km",
                    ],
                )],
            );
        }
    }

    #[test]
    fn road_passengers_fall_and_freight_grows_year_on_year() {
        let today = check::day(check::TODAYS[0]);
        let batches = check::run(super::generate, 5, today);
        let rows = &check::batch(&batches, "transport_stats").rows;
        let last = last_month(today);
        // Sum of a road figure over the year to date and the same months a year earlier.
        let ytd = |key: &str, shift: i32| -> f64 {
            (last - 9..=last)
                .map(|i| month_value(i - shift))
                .flat_map(|m| {
                    rows.iter()
                        .filter(move |r| r["month"] == m && r["mode"] == "road")
                })
                .filter_map(|r| r[key].as_f64())
                .sum()
        };
        let passengers = ytd("passenger_volume", 0) / ytd("passenger_volume", 12);
        let freight = ytd("freight_volume", 0) / ytd("freight_volume", 12);
        assert!(
            (0.8..0.92).contains(&passengers),
            "road passengers YoY {passengers}"
        );
        assert!(
            (1.01..1.08).contains(&freight),
            "road freight YoY {freight}"
        );
        let railway_counties = rows
            .iter()
            .filter(|r| r["mode"] == "railway")
            .filter_map(|r| r["county_id"].as_str())
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(railway_counties.len(), 2);
    }
}
