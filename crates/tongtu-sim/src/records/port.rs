//! Demo rows of the port group: 13 berths (operating, under construction incl. the LNG and
//! wind-power berths, one planned), monthly throughput per port area and cargo with growth
//! and seasonality, and ~300 pilotage jobs.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

use super::projects::{
    date_in, date_value, first_month, last_month, month_of, month_value, months, num,
    spring_festival_month, year_of, JISHU_BERTHS, LNG_TERMINAL, WIND_POWER_WHARF,
};
use super::{row, Batch, Ctx};

struct BerthSpec {
    area: &'static str,
    no: &'static str,
    name: &'static str,
    purpose: &'static str,
    dwt: i64,
    /// 万吨/年; none for passenger berths.
    capacity: Option<f64>,
    /// 万元
    investment: f64,
    /// Start as (years relative to today's year, month 1–12).
    start: (i32, i32),
    months: i32,
    project: Option<&'static str>,
}

#[rustfmt::skip]
const BERTHS: &[BerthSpec] = &[
    BerthSpec { area: "hailing_bay", no: "1#", name: "吉树作业区1#通用泊位", purpose: "general", dwt: 50_000, capacity: Some(260.0), investment: 68_000.0, start: (-9, 3), months: 30, project: None },
    BerthSpec { area: "hailing_bay", no: "2#", name: "吉树作业区2#散货泊位", purpose: "bulk", dwt: 70_000, capacity: Some(450.0), investment: 82_000.0, start: (-8, 6), months: 30, project: None },
    BerthSpec { area: "hailing_bay", no: "3#", name: "吉树作业区3#集装箱泊位", purpose: "container", dwt: 50_000, capacity: Some(300.0), investment: 75_000.0, start: (-7, 5), months: 30, project: None },
    BerthSpec { area: "hailing_bay", no: "5#", name: "吉树作业区5#通用泊位", purpose: "general", dwt: 100_000, capacity: Some(600.0), investment: 140_000.0, start: (-2, 8), months: 34, project: Some(JISHU_BERTHS) },
    BerthSpec { area: "hailing_bay", no: "6#", name: "吉树作业区6#散货泊位", purpose: "bulk", dwt: 100_000, capacity: Some(600.0), investment: 140_000.0, start: (-2, 8), months: 34, project: Some(JISHU_BERTHS) },
    BerthSpec { area: "hailing_bay", no: "LNG1#", name: "海陵湾港区LNG接卸泊位", purpose: "lng", dwt: 80_000, capacity: Some(300.0), investment: 150_000.0, start: (-1, 6), months: 28, project: Some(LNG_TERMINAL) },
    BerthSpec { area: "hailing_bay", no: "KY1#", name: "闸坡客运码头", purpose: "passenger", dwt: 1_000, capacity: None, investment: 8_000.0, start: (-6, 2), months: 18, project: None },
    BerthSpec { area: "shaba", no: "1#", name: "沙扒港区电厂煤炭泊位", purpose: "bulk", dwt: 100_000, capacity: Some(1_000.0), investment: 120_000.0, start: (-12, 4), months: 36, project: None },
    BerthSpec { area: "shaba", no: "3#", name: "沙扒港区风电运维泊位", purpose: "wind_power", dwt: 5_000, capacity: Some(60.0), investment: 32_000.0, start: (-2, 3), months: 18, project: Some(WIND_POWER_WHARF) },
    BerthSpec { area: "shaba", no: "4#", name: "沙扒港区风电装备泊位", purpose: "wind_power", dwt: 10_000, capacity: Some(120.0), investment: 58_000.0, start: (-2, 4), months: 32, project: Some(WIND_POWER_WHARF) },
    BerthSpec { area: "fengtou", no: "1#", name: "丰头港区1#通用泊位", purpose: "general", dwt: 5_000, capacity: Some(80.0), investment: 12_000.0, start: (-10, 1), months: 20, project: None },
    BerthSpec { area: "xitou", no: "1#", name: "溪头港区成品油泊位", purpose: "oil", dwt: 5_000, capacity: Some(100.0), investment: 15_000.0, start: (-11, 5), months: 24, project: None },
    BerthSpec { area: "dongping", no: "2#", name: "东平港区2#通用泊位", purpose: "general", dwt: 10_000, capacity: Some(150.0), investment: 26_000.0, start: (1, 3), months: 24, project: None },
];

/// Throughput flows: (port area, cargo, 万吨 a month at the start of the window, yearly growth).
#[rustfmt::skip]
const FLOWS: &[(&str, &str, f64, f64)] = &[
    ("hailing_bay", "metal_ore", 45.0, 0.08),
    ("hailing_bay", "containers", 14.0, 0.10),
    ("hailing_bay", "grain", 9.0, -0.03),
    ("hailing_bay", "oil", 6.0, 0.02),
    ("hailing_bay", "wind_power_equipment", 2.5, 0.35),
    ("hailing_bay", "other", 22.0, 0.02),
    ("shaba", "coal", 120.0, 0.03),
    ("shaba", "wind_power_equipment", 4.0, 0.35),
    ("fengtou", "coal", 12.0, 0.0),
    ("fengtou", "other", 9.0, 0.02),
    ("xitou", "oil", 7.0, 0.02),
    ("xitou", "other", 3.0, 0.0),
    ("dongping", "grain", 2.0, 0.0),
    ("dongping", "other", 4.0, 0.02),
];

/// Ships calling often: (name, GT, served enterprise, key enterprise, berth).
#[rustfmt::skip]
const SHIPS: &[(&str, i64, &str, bool, &str)] = &[
    ("粤电远航16", 42_600, "阳西滨海电力有限公司", true, "沙扒港区电厂煤炭泊位"),
    ("华能海运8", 38_900, "阳西滨海电力有限公司", true, "沙扒港区电厂煤炭泊位"),
    ("中海兴旺", 51_200, "阳西滨海电力有限公司", true, "沙扒港区电厂煤炭泊位"),
    ("恒通海9", 40_300, "阳西滨海电力有限公司", true, "沙扒港区电厂煤炭泊位"),
    ("海川丰顺", 33_500, "阳江海川不锈钢有限公司", true, "吉树作业区2#散货泊位"),
    ("海川泰和", 36_800, "阳江海川不锈钢有限公司", true, "吉树作业区2#散货泊位"),
    ("安澜海", 29_700, "阳江海川不锈钢有限公司", true, "吉树作业区2#散货泊位"),
    ("明海风电1号", 15_600, "阳江明海风电装备有限公司", true, "吉树作业区1#通用泊位"),
    ("明海运维2号", 6_200, "阳江明海风电装备有限公司", true, "吉树作业区1#通用泊位"),
    ("阳港集海3", 9_800, "阳江港港务股份有限公司", false, "吉树作业区3#集装箱泊位"),
    ("阳港集海5", 12_400, "阳江港港务股份有限公司", false, "吉树作业区3#集装箱泊位"),
    ("顺达粮运", 21_500, "阳江市粮油储备有限公司", false, "吉树作业区1#通用泊位"),
    ("溪头油运7", 3_900, "阳西溪头石化仓储有限公司", false, "溪头港区成品油泊位"),
    ("福海星", 4_600, "阳江丰头港务有限公司", false, "丰头港区1#通用泊位"),
    ("信达88", 5_300, "阳江丰头港务有限公司", false, "丰头港区1#通用泊位"),
];

const PILOTS: &[&str] = &[
    "陈建华",
    "林志强",
    "黄国平",
    "梁伟明",
    "吴海生",
    "冯永康",
    "关振宇",
    "谭家豪",
];

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x706f_7274_5f79_6a67);
    let today = ctx.today;
    let last = last_month(today);
    let last_day = date_in(last + 1, 1).pred_opt().unwrap_or(today);

    let berths = BERTHS
        .iter()
        .map(|b| {
            let start = (today.year() + b.start.0) * 12 + b.start.1 - 1;
            let end = start + b.months - 1;
            let status = if end <= last {
                "operating"
            } else if start <= last {
                "building"
            } else {
                "planned"
            };
            row([
                ("port_area", Value::from(b.area)),
                ("berth_no", Value::from(b.no)),
                ("name", Value::from(b.name)),
                ("purpose", Value::from(b.purpose)),
                ("dwt_class", Value::from(b.dwt)),
                ("status", Value::from(status)),
                (
                    "design_capacity",
                    b.capacity.map_or(Value::Null, |c| num(c, 2)),
                ),
                ("investment", num(b.investment, 2)),
                (
                    "start_date",
                    if status == "planned" {
                        Value::Null
                    } else {
                        date_value(date_in(start, 18))
                    },
                ),
                (
                    "completion_date",
                    if status == "operating" {
                        date_value(date_in(end, 26))
                    } else {
                        Value::Null
                    },
                ),
                ("project_id", b.project.map_or(Value::Null, Value::from)),
            ])
        })
        .collect();

    let first = first_month(today);
    let mut throughput = Vec::new();
    for index in months(today) {
        let m = month_of(index);
        let festival = m == spring_festival_month(year_of(index));
        for &(area, cargo, base, growth) in FLOWS {
            let trend = (1.0 + growth).powf(f64::from(index - first) / 12.0);
            let mut season = match m {
                _ if festival => 0.78,
                7..=9 => 0.93, // typhoon season closes the port for days
                12 => 1.05,
                _ => 1.0,
            };
            // Power plants burn most coal in the summer peak.
            if cargo == "coal" && (6..=8).contains(&m) {
                season *= 1.12;
            }
            let tonnes = base * trend * season * rng.random_range(0.92..1.08);
            throughput.push(row([
                ("month", month_value(index)),
                ("port_area", Value::from(area)),
                ("cargo", Value::from(cargo)),
                ("tonnes", num(tonnes, 2)),
            ]));
        }
    }

    let pilotage = pilotage_jobs(&mut rng, first, last, last_day);

    vec![
        Batch {
            register: "berths",
            rows: berths,
        },
        Batch {
            register: "port_throughput",
            rows: throughput,
        },
        Batch {
            register: "pilotage_jobs",
            rows: pilotage,
        },
    ]
}

/// About 300 jobs over the window, numbered per month in date order.
fn pilotage_jobs(
    rng: &mut StdRng,
    first: i32,
    last: i32,
    last_day: NaiveDate,
) -> Vec<Map<String, Value>> {
    let per_month = 300.0 / f64::from(last - first + 1);
    let mut rows = Vec::new();
    for index in first..=last {
        let count = (per_month * rng.random_range(0.75..1.25)).round() as u32;
        let mut days: Vec<u32> = (0..count).map(|_| rng.random_range(1..=28)).collect();
        days.sort_unstable();
        for (n, day) in days.into_iter().enumerate() {
            let date = date_in(index, day).min(last_day);
            let &(ship, gt, enterprise, key, berth) = &SHIPS[rng.random_range(0..SHIPS.len())];
            // Length follows tonnage (a Panamax of ~40,000 GT is ~225 m long).
            let length = 3.6 * (gt as f64).powf(0.39);
            let direction = match rng.random_range(0..20) {
                0 => "shifting",
                x if x % 2 == 0 => "inbound",
                _ => "outbound",
            };
            rows.push(row([
                (
                    "job_no",
                    Value::from(format!(
                        "YH{:04}{:02}{:03}",
                        year_of(index),
                        month_of(index),
                        n + 1
                    )),
                ),
                ("date", date_value(date)),
                ("ship_name", Value::from(ship)),
                ("direction", Value::from(direction)),
                ("gross_tonnage", Value::from(gt)),
                ("length_m", num(length, 2)),
                ("enterprise", Value::from(enterprise)),
                ("key_enterprise", Value::from(key)),
                ("berth", Value::from(berth)),
                (
                    "pilot",
                    Value::from(PILOTS[rng.random_range(0..PILOTS.len())]),
                ),
            ]));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::projects::check;

    #[test]
    fn same_seed_same_rows() {
        check::deterministic(super::generate);
    }

    #[test]
    fn covers_the_window_with_sane_numbers() {
        for ymd in check::TODAYS {
            let today = check::day(ymd);
            let batches = check::run(super::generate, 1, today);
            check::covers_months(&batches, "port_throughput", today);
            check::numbers_ok(
                &batches,
                &[
                    (
                        "berths",
                        &["port_area", "berth_no", "name", "purpose", "status"],
                    ),
                    (
                        "port_throughput",
                        &["month", "port_area", "cargo", "tonnes"],
                    ),
                    (
                        "pilotage_jobs",
                        &["job_no", "date", "ship_name", "gross_tonnage"],
                    ),
                ],
            );
            let jobs = check::batch(&batches, "pilotage_jobs").rows.len();
            assert!((200..=400).contains(&jobs), "{jobs} pilotage jobs");
            let berths = &check::batch(&batches, "berths").rows;
            assert!(berths
                .iter()
                .any(|r| r["status"] == "building" && r["purpose"] == "lng"));
        }
    }
}
