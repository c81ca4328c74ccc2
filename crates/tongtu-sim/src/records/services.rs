//! Demo rows of the services registers: ~300 online annual reviews of freight vehicles,
//! ~25 epidemic checkpoints (mostly early in the period), ~150 point-to-point charter trips
//! after the Spring Festivals, daily QR registrations per county for the first half of
//! last year and weekly resumption-of-work reports per sector after each Spring Festival.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{row, ymd, Batch, Ctx};
use crate::fleet::{DemoVehicle, REGIONS};

const SEED: u64 = 0x5345_5256_4943_4553;

const DOCUMENTS: &str =
    "道路运输证、机动车行驶证、车辆综合性能检测报告、卫星定位装置安装证明、承运人责任险保单";
const CHECKERS: &[&str] = &["梁志强", "陈海波", "林少玲", "黄文斌", "冯国华"];
const REJECT_REASONS: &[&str] = &[
    "车辆综合性能检测报告已过期，请重新检测后提交",
    "卫星定位装置未正常上线，请整改后重新申请",
    "上传材料不清晰，请重新上传道路运输证",
    "车辆存在未处理的违法记录，请处理后再申请",
];

/// Checkpoints: name, site type, region (index into `REGIONS`).
const CHECKPOINTS: &[(&str, &str, usize)] = &[
    ("沈海高速阳江出口", "expressway_exit", 0),
    ("沈海高速阳东出口", "expressway_exit", 1),
    ("沈海高速织篢出口", "expressway_exit", 3),
    ("沈海高速儒洞出口", "expressway_exit", 3),
    ("阳茂高速阳春出口", "expressway_exit", 2),
    ("阳茂高速春湾出口", "expressway_exit", 2),
    ("汕湛高速马水出口", "expressway_exit", 2),
    ("西部沿海高速海陵岛出口", "expressway_exit", 4),
    ("沈海高速阳江服务区", "service_area", 1),
    ("沈海高速织篢服务区", "service_area", 3),
    ("阳茂高速阳春服务区", "service_area", 2),
    ("G325线合山", "trunk_checkpoint", 1),
    ("G325线程村", "trunk_checkpoint", 3),
    ("S113线八甲", "trunk_checkpoint", 2),
    ("S277线埠场", "trunk_checkpoint", 5),
    ("G228线闸坡", "trunk_checkpoint", 4),
    ("S369线潭水", "trunk_checkpoint", 2),
    ("阳江汽车总站", "station", 0),
    ("阳春汽车客运站", "station", 2),
    ("阳西汽车客运站", "station", 3),
    ("阳东汽车客运站", "station", 1),
    ("阳江站（高铁）", "station", 0),
    ("阳江港吉树作业区", "port", 1),
    ("闸坡渔港客运码头", "port", 4),
    ("阳江港丰头港区", "port", 0),
];

const EMPLOYERS: &[(&str, &str)] = &[
    ("东莞市长安镇", "东莞华盛电子有限公司"),
    ("东莞市虎门镇", "东莞联兴服装有限公司"),
    ("佛山市顺德区", "佛山美达电器有限公司"),
    ("佛山市南海区", "佛山南海铝型材有限公司"),
    ("深圳市宝安区", "深圳宏达精密制造有限公司"),
    ("深圳市龙岗区", "深圳华联科技有限公司"),
    ("广州市番禺区", "广州汇丰五金制品有限公司"),
    ("中山市小榄镇", "中山小榄灯饰有限公司"),
    ("江门市蓬江区", "江门摩托车配件有限公司"),
    ("珠海市斗门区", "珠海格润电器有限公司"),
];

const TOWNS: &[&str] = &[
    "阳春市春湾镇",
    "阳春市马水镇",
    "阳春市八甲镇",
    "阳西县织篢镇",
    "阳西县程村镇",
    "阳东区合山镇",
    "阳东区塘坪镇",
    "江城区埠场镇",
];

/// Spring Festival (lunar new year's day) of the years the demo may cover.
const SPRING_FESTIVAL: &[(i32, u32, u32)] = &[
    (2023, 1, 22),
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 3),
];

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ SEED);
    let last = ctx.today.pred_opt().unwrap_or(ctx.today);
    let first = NaiveDate::from_ymd_opt(ctx.today.year() - 1, 1, 1).unwrap_or(last);

    vec![
        Batch {
            register: "annual_reviews",
            rows: annual_reviews(&mut rng, ctx, first, last),
        },
        Batch {
            register: "checkpoints",
            rows: checkpoints(&mut rng, first, last),
        },
        Batch {
            register: "charter_trips",
            rows: charter_trips(&mut rng, ctx, first, last),
        },
        Batch {
            register: "qr_registrations",
            rows: qr_registrations(&mut rng, first, last),
        },
        Batch {
            register: "resumption_progress",
            rows: resumption(&mut rng, first, last),
        },
    ]
}

type Rows = Vec<serde_json::Map<String, Value>>;

fn annual_reviews(rng: &mut StdRng, ctx: &Ctx, first: NaiveDate, last: NaiveDate) -> Rows {
    // Only freight vehicles go through the online review, each at most once a year.
    let freight: Vec<&DemoVehicle> = ctx
        .fleet
        .vehicles
        .iter()
        .filter(|v| {
            matches!(
                v.vehicle.vehicle_class.as_str(),
                "heavy_truck" | "tractor" | "hazmat"
            )
        })
        .collect();
    let days = (last - first).num_days() + 1;
    let mut out = Vec::new();
    let mut seq = 0;
    for year in first.year()..=last.year() {
        let year_first = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap_or(first)
            .max(first);
        let year_last = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(last)
            .min(last);
        let year_days = (year_last - year_first).num_days() + 1;
        if year_days <= 0 {
            continue;
        }
        let wanted = (300 * year_days / days) as usize;
        let mut submissions: Vec<(NaiveDate, &DemoVehicle)> = freight
            .choose_multiple(rng, wanted)
            .map(|v| {
                (
                    year_first + Duration::days(rng.random_range(0..year_days)),
                    *v,
                )
            })
            .collect();
        submissions.sort_by_key(|(d, _)| *d);
        for (submitted, v) in submissions {
            let Some(e) = ctx.fleet.enterprises.get(v.enterprise) else {
                continue;
            };
            seq += 1;
            let age = (last - submitted).num_days();
            let decided = submitted + Duration::days(rng.random_range(1..=10));
            let (status, decided_on) = if decided <= last {
                if rng.random_bool(0.88) {
                    ("approved", Some(decided))
                } else {
                    ("rejected", Some(decided))
                }
            } else if age >= 2 {
                ("checking", None)
            } else {
                ("submitted", None)
            };
            let checker = (status != "submitted")
                .then(|| CHECKERS.choose(rng).copied())
                .flatten();
            let reason = (status == "rejected")
                .then(|| REJECT_REASONS.choose(rng).copied())
                .flatten();
            let valid_until = decided_on
                .filter(|_| status == "approved")
                .and_then(|d| d.checked_add_signed(Duration::days(365)));
            out.push(row([
                (
                    "application_no",
                    json!(format!("NS{}{:05}", submitted.format("%Y%m%d"), seq)),
                ),
                ("enterprise_id", json!(e.input.uscc)),
                ("vehicle_id", json!(v.vehicle.plate)),
                ("plate", json!(v.vehicle.plate)),
                ("submitted_on", ymd(submitted)),
                ("documents", json!(DOCUMENTS)),
                ("status", json!(status)),
                ("checked_by", checker.map_or(Value::Null, |c| json!(c))),
                ("decided_on", decided_on.map_or(Value::Null, ymd)),
                ("reject_reason", reason.map_or(Value::Null, |r| json!(r))),
                ("valid_until", valid_until.map_or(Value::Null, ymd)),
            ]));
        }
    }
    out
}

fn checkpoints(rng: &mut StdRng, first: NaiveDate, last: NaiveDate) -> Rows {
    let mut out = Vec::new();
    for &(name, site, region) in CHECKPOINTS {
        // Set up at the start of the period, most closed within months; a few kept.
        let start = (first + Duration::days(rng.random_range(10..50))).min(last);
        let kept = matches!(site, "expressway_exit" | "port") && rng.random_bool(0.25);
        let end = (!kept).then(|| (start + Duration::days(rng.random_range(40..160))).min(last));
        let active_days = (end.unwrap_or(last) - start).num_days().max(1);
        let staff = rng.random_range(6..=20);
        let vehicles = active_days * rng.random_range(150..=900);
        out.push(row([
            ("name", json!(format!("{name}防疫检查点"))),
            ("site_type", json!(site)),
            ("county_id", json!(REGIONS[region].1)),
            ("start_date", ymd(start)),
            ("end_date", end.map_or(Value::Null, ymd)),
            ("kept", json!(kept)),
            ("staff", json!(staff)),
            ("staffed_hours", json!(active_days * 24)),
            ("vehicles_checked", json!(vehicles)),
            ("people_checked", json!(vehicles * rng.random_range(2..=3))),
            (
                "departments",
                json!("交通运输、公安交警、卫生健康、属地镇街"),
            ),
        ]));
    }
    out
}

/// Sectors and how many enterprises (stations, projects) each has to bring back to work.
const SECTORS: &[(&str, i64)] = &[
    ("road_passenger", 38),
    ("road_freight", 420),
    ("bus", 6),
    ("waterway", 25),
    ("port", 14),
    ("station", 19),
    ("maintenance", 260),
    ("projects", 46),
];

/// Weekly reports from a week after each Spring Festival until every sector is back: each
/// sector starts at 20-45 % and reaches 100 % after 4-9 weeks.
fn resumption(rng: &mut StdRng, first: NaiveDate, last: NaiveDate) -> Rows {
    let mut out = Vec::new();
    for &(y, m, d) in SPRING_FESTIVAL {
        let Some(festival) = NaiveDate::from_ymd_opt(y, m, d) else {
            continue;
        };
        let start = festival + Duration::days(7);
        if start < first || start > last {
            continue;
        }
        let plans: Vec<(&str, i64, f64, i64)> = SECTORS
            .iter()
            .map(|&(sector, total)| {
                (
                    sector,
                    total,
                    rng.random_range(0.20..0.45),
                    rng.random_range(4..=9),
                )
            })
            .collect();
        let weeks = plans.iter().map(|p| p.3).max().unwrap_or(4);
        for week in 0..=weeks {
            let date = start + Duration::days(7 * week);
            if date > last {
                break;
            }
            for &(sector, total, from, full_after) in &plans {
                let rate = (from + (1.0 - from) * week as f64 / full_after as f64).min(1.0);
                let resumed = ((total as f64) * rate).floor() as i64;
                out.push(row([
                    ("report_date", ymd(date)),
                    ("sector", json!(sector)),
                    ("total", json!(total)),
                    ("resumed", json!(resumed.min(total))),
                    ("workers_back", json!(resumed * rng.random_range(8..=30))),
                ]));
            }
        }
    }
    out
}

fn charter_trips(rng: &mut StdRng, ctx: &Ctx, first: NaiveDate, last: NaiveDate) -> Rows {
    let carriers: Vec<&str> = ctx
        .fleet
        .enterprises
        .iter()
        .filter(|e| e.input.business_types.iter().any(|b| b == "charter"))
        .map(|e| e.input.uscc.as_str())
        .collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for &(y, m, d) in SPRING_FESTIVAL {
        let Some(festival) = NaiveDate::from_ymd_opt(y, m, d) else {
            continue;
        };
        // Workers return in the five weeks after the festival, most in the first two.
        for _ in 0..75 {
            let offset = if rng.random_bool(0.7) {
                rng.random_range(4..=18)
            } else {
                rng.random_range(19..=40)
            };
            let date = festival + Duration::days(offset);
            if date < first || date > last {
                continue;
            }
            let (destination, employer) = *EMPLOYERS.choose(rng).unwrap_or(&EMPLOYERS[0]);
            let origin = TOWNS.choose(rng).copied().unwrap_or(TOWNS[0]);
            if !seen.insert((date, employer, origin)) {
                continue;
            }
            let vehicles = rng.random_range(1..=4);
            let passengers = vehicles * rng.random_range(25..=45);
            out.push((
                date,
                row([
                    ("date", ymd(date)),
                    ("employer", json!(employer)),
                    ("origin", json!(origin)),
                    ("destination", json!(destination)),
                    ("vehicles", json!(vehicles)),
                    ("passengers", json!(passengers)),
                    (
                        "enterprise_id",
                        carriers.choose(rng).map_or(Value::Null, |u| json!(u)),
                    ),
                ]),
            ));
        }
    }
    out.sort_by_key(|(date, _)| *date);
    out.into_iter().map(|(_, r)| r).collect()
}

fn qr_registrations(rng: &mut StdRng, first: NaiveDate, last: NaiveDate) -> Rows {
    let end = NaiveDate::from_ymd_opt(first.year(), 6, 30)
        .unwrap_or(last)
        .min(last);
    let mut out = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= end) {
        // Registrations taper off as the epidemic eases over the half-year.
        let progress = (day - first).num_days() as f64 / 181.0;
        for (region, (_, name, _)) in REGIONS.iter().enumerate() {
            let base = [9000.0, 6000.0, 7000.0, 4500.0, 3000.0, 2500.0]
                .get(region)
                .copied()
                .unwrap_or(2500.0);
            let scans =
                (base * (1.0 - 0.6 * progress) * rng.random_range(0.85..1.15)).round() as u32;
            out.push(row([
                ("date", ymd(day)),
                ("county_id", json!(name)),
                ("scans", json!(scans)),
                ("vehicles", json!(scans / 40 + rng.random_range(10..30))),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet;
    use crate::records::test_util::{ctx, deterministic, rows, text};

    #[test]
    fn same_seed_same_rows() {
        deterministic(generate, 600, "annual_reviews");
    }

    #[test]
    fn covers_the_period() {
        let f = fleet::generate(3, 600);
        let out = generate(&ctx(&f, 1));
        let reviews = rows(&out, "annual_reviews");
        assert!((250..=320).contains(&reviews.len()), "{}", reviews.len());
        let mut d: Vec<&str> = reviews.iter().map(|r| text(r, "submitted_on")).collect();
        d.sort_unstable();
        assert!(d.first().is_some_and(|d| *d < "2025-02-01"));
        assert!(d
            .last()
            .is_some_and(|d| *d >= "2026-10-15" && *d <= "2026-11-25"));
        for status in ["approved", "rejected"] {
            assert!(
                reviews.iter().any(|r| text(r, "status") == status),
                "{status}"
            );
        }

        let checkpoints = rows(&out, "checkpoints");
        assert_eq!(checkpoints.len(), 25);
        assert!(checkpoints
            .iter()
            .all(|r| text(r, "start_date") < "2025-03-01"));

        let trips = rows(&out, "charter_trips");
        assert!((100..=170).contains(&trips.len()), "{}", trips.len());
        assert!(trips.iter().any(|r| text(r, "date").starts_with("2025-02")));
        assert!(trips.iter().any(|r| text(r, "date").starts_with("2026-03")));

        let qr = rows(&out, "qr_registrations");
        assert_eq!(qr.len(), 181 * REGIONS.len());
        assert_eq!(qr.first().map(|r| text(r, "date")), Some("2025-01-01"));
        assert_eq!(qr.last().map(|r| text(r, "date")), Some("2025-06-30"));
    }

    #[test]
    fn resumption_reaches_every_sector_after_each_spring_festival() {
        let f = fleet::generate(3, 600);
        let out = generate(&ctx(&f, 1));
        let reports = rows(&out, "resumption_progress");
        let num = |r: &serde_json::Map<String, Value>, k: &str| {
            r.get(k).and_then(Value::as_i64).unwrap_or(-1)
        };
        for year in ["2025", "2026"] {
            let of_year: Vec<_> = reports
                .iter()
                .filter(|r| text(r, "report_date").starts_with(year))
                .collect();
            assert!(!of_year.is_empty(), "{year}");
            assert!(of_year
                .iter()
                .all(|r| (0..=num(r, "total")).contains(&num(r, "resumed"))));
            // Every sector reports every week, and the last week has all of them back.
            let last = of_year
                .iter()
                .map(|r| text(r, "report_date"))
                .max()
                .unwrap_or_default();
            let final_week: Vec<_> = of_year
                .iter()
                .filter(|r| text(r, "report_date") == last)
                .collect();
            assert_eq!(final_week.len(), SECTORS.len());
            assert!(final_week
                .iter()
                .all(|r| num(r, "resumed") == num(r, "total")));
            let first = of_year
                .iter()
                .map(|r| text(r, "report_date"))
                .min()
                .unwrap_or_default();
            assert!(of_year
                .iter()
                .any(|r| text(r, "report_date") == first && num(r, "resumed") < num(r, "total")));
        }
    }

    #[test]
    fn review_vehicles_are_freight_and_belong_to_the_enterprise() {
        let f = fleet::generate(3, 600);
        let out = generate(&ctx(&f, 1));
        for r in rows(&out, "annual_reviews") {
            let plate = text(r, "vehicle_id");
            let v = f
                .vehicles
                .iter()
                .find(|v| v.vehicle.plate == plate)
                .expect("fleet plate");
            assert!(matches!(
                v.vehicle.vehicle_class.as_str(),
                "heavy_truck" | "tractor" | "hazmat"
            ));
            assert_eq!(
                text(r, "enterprise_id"),
                f.enterprises[v.enterprise].input.uscc
            );
            assert_eq!(text(r, "plate"), plate);
        }
    }
}
