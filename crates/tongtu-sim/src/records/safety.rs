//! Demo rows of the safety registers: ~18 transport accidents a year (a handful fatal),
//! ~100 hidden hazards a year (some overdue) and ~40 training courses a year.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{period, row, weighted, ymd, Batch, Ctx};
use crate::fleet::REGIONS;

const SEED: u64 = 0x5341_4645_5459_0001;

/// Roads of the demo city for accident places.
const ROADS: &[&str] = &[
    "G325线",
    "S113线",
    "S277线",
    "S369线",
    "沈海高速",
    "阳茂高速",
    "汕湛高速",
    "X621线",
];

/// Accident causes by transport kind.
const CAUSES: &[&str] = &[
    "驾驶人未按规定车道行驶，操作不当",
    "驾驶人疲劳驾驶，未保持安全车距",
    "雨天路滑，车辆超速行驶导致失控",
    "车辆制动系统故障，企业未落实车辆技术管理",
    "驾驶人转弯未让直行车辆",
    "夜间行车观察不周",
];

const HAZARDS: &[(&str, &str, &str)] = &[
    (
        "营运客车",
        "部分车辆安全锤缺失、应急门开启装置失效",
        "补齐安全锤，维修应急门开启装置",
    ),
    (
        "动态监控平台",
        "监控人员配备不足，超速报警处置不及时",
        "增配监控人员，建立报警处置台账",
    ),
    (
        "危险货物运输车辆",
        "罐体紧急切断阀检验过期",
        "送检紧急切断阀，检验合格前停止运营",
    ),
    (
        "停车场",
        "消防器材过期，消防通道被占用",
        "更换消防器材，清理消防通道",
    ),
    (
        "驾驶员管理",
        "驾驶员安全教育培训记录不全",
        "补开安全教育培训并完善记录",
    ),
    ("维修车间", "电气线路私拉乱接", "重新规范敷设电气线路"),
    (
        "客运站安检",
        "行包安检仪故障，未落实“三不进站”",
        "维修安检仪，落实人工开包检查",
    ),
    ("货运车辆", "车辆未按期进行二级维护", "限期完成二级维护"),
    (
        "码头作业区",
        "护栏缺损，临水作业无防护",
        "修复护栏，配备救生设备",
    ),
];

const TRAININGS: &[(&str, &str, &str)] = &[
    (
        "safety",
        "道路运输企业主要负责人和安全管理人员安全培训",
        "市交通运输局",
    ),
    ("safety", "“两客一危”驾驶员安全警示教育", "市道路运输协会"),
    (
        "law",
        "交通运输行政执法人员法律知识培训",
        "市交通运输局法制科",
    ),
    ("law", "《安全生产法》宣贯培训", "市交通运输局安全监督科"),
    (
        "skills",
        "道路运输车辆动态监控平台操作培训",
        "市交通运输局运输科",
    ),
    (
        "skills",
        "执法文书制作与案卷评查培训",
        "市交通运输综合行政执法支队",
    ),
    (
        "emergency",
        "危险货物运输泄漏事故应急处置演练",
        "市交通运输局",
    ),
    ("emergency", "防汛防台风应急抢险培训", "市公路事务中心"),
    ("party", "党史学习教育专题培训", "局机关党委"),
    ("party", "党风廉政建设专题学习", "局机关党委"),
];

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ SEED);
    let (first, last) = period(ctx);
    let months = months(first, last);

    let mut accidents = Vec::new();
    let mut places = HashSet::new();
    for &(y, m) in &months {
        for _ in 0..rng.random_range(0..=3) {
            let Some(day) = day_in(&mut rng, y, m, last) else {
                continue;
            };
            let kind = weighted(
                &mut rng,
                &[
                    ("road_freight", 40),
                    ("road_passenger", 20),
                    ("hazmat", 8),
                    ("bus", 12),
                    ("taxi", 12),
                    ("waterway", 8),
                ],
            );
            let accident_type = match kind {
                "waterway" => "waterway",
                "hazmat" => weighted(
                    &mut rng,
                    &[("collision", 50), ("rollover", 25), ("hazmat_leak", 25)],
                ),
                _ => weighted(
                    &mut rng,
                    &[
                        ("collision", 60),
                        ("rollover", 12),
                        ("fire", 6),
                        ("pedestrian", 18),
                        ("other", 4),
                    ],
                ),
            };
            let classes: &[&str] = match kind {
                "road_passenger" => &["coach", "charter_bus"],
                "road_freight" => &["heavy_truck", "tractor"],
                "hazmat" => &["hazmat"],
                _ => &[],
            };
            let candidates: Vec<_> = ctx
                .fleet
                .vehicles
                .iter()
                .filter(|v| classes.contains(&v.vehicle.vehicle_class.as_str()))
                .collect();
            let vehicle = candidates.choose(&mut rng).copied();
            let enterprise = vehicle.and_then(|v| ctx.fleet.enterprises.get(v.enterprise));
            let plate = match (vehicle, kind) {
                (Some(v), _) => v.vehicle.plate.clone(),
                (None, "waterway") => format!("粤阳江渔{:04}", rng.random_range(100..10000)),
                (None, "taxi") => format!("粤QT{:04}", rng.random_range(0..10000)),
                (None, _) => format!("粤Q{:05}", rng.random_range(0..100000)),
            };
            // About one accident in seven is fatal; most deaths come one at a time.
            let deaths = if rng.random_bool(0.15) {
                weighted_n(&mut rng, &[(1, 70), (2, 20), (3, 10)])
            } else {
                0
            };
            let injuries = rng.random_range(0..=6);
            let place = if kind == "waterway" {
                format!(
                    "{}水域",
                    ["闸坡港", "阳江港", "海陵湾", "漠阳江"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("阳江港")
                )
            } else {
                let road = ROADS.choose(&mut rng).copied().unwrap_or("G325线");
                format!(
                    "{road}K{}+{:03}",
                    rng.random_range(1..200),
                    rng.random_range(0..10) * 100
                )
            };
            if !places.insert((day, place.clone())) {
                continue;
            }
            let region = REGIONS[rng.random_range(0..REGIONS.len())].1;
            let loss = f64::from(rng.random_range(2..200u32)) / 2.0;
            let liable = enterprise.is_some() && rng.random_bool(0.5);
            accidents.push(row([
                ("occurred_on", ymd(day)),
                ("place", json!(place)),
                ("county_id", json!(region)),
                (
                    "vehicle_id",
                    vehicle.map_or(Value::Null, |v| json!(v.vehicle.plate)),
                ),
                ("plate", json!(plate)),
                ("accident_type", json!(accident_type)),
                ("transport_kind", json!(kind)),
                ("deaths", json!(deaths)),
                ("injuries", json!(injuries)),
                ("direct_loss", json!(loss)),
                (
                    "cause",
                    json!(CAUSES.choose(&mut rng).copied().unwrap_or("其他")),
                ),
                (
                    "enterprise_id",
                    enterprise.map_or(Value::Null, |e| json!(e.input.uscc)),
                ),
                ("is_liability", json!(liable)),
            ]));
        }
    }

    let mut hazards = Vec::new();
    let mut seq = 0;
    for &(y, m) in &months {
        for _ in 0..rng.random_range(6..=11) {
            let Some(found) = day_in(&mut rng, y, m, last) else {
                continue;
            };
            seq += 1;
            let (object, description, measures) = *HAZARDS.choose(&mut rng).unwrap_or(&HAZARDS[0]);
            let major = rng.random_bool(0.05);
            let deadline = found
                + Duration::days(if major {
                    rng.random_range(60..=120)
                } else {
                    rng.random_range(7..=45)
                });
            let took = Duration::days(rng.random_range(3..=70));
            let (status, rectified) = if found + took <= last && rng.random_bool(0.92) {
                ("rectified", Some(found + took))
            } else if deadline < last {
                ("overdue", None)
            } else if rng.random_bool(0.6) {
                ("rectifying", None)
            } else {
                ("open", None)
            };
            let enterprise = ctx.fleet.enterprises.choose(&mut rng);
            let region = enterprise.map_or(0, |e| e.region);
            hazards.push(row([
                ("hazard_no", json!(format!("YH{y}-{seq:04}"))),
                ("found_on", ymd(found)),
                (
                    "enterprise_id",
                    enterprise.map_or(Value::Null, |e| json!(e.input.uscc)),
                ),
                (
                    "county_id",
                    json!(REGIONS.get(region).map_or(REGIONS[0].1, |r| r.1)),
                ),
                ("place", json!(object)),
                ("level", json!(if major { "major" } else { "general" })),
                ("description", json!(description)),
                ("measures", json!(measures)),
                ("deadline", ymd(deadline)),
                ("rectified_on", rectified.map_or(Value::Null, ymd)),
                ("status", json!(status)),
            ]));
        }
    }

    let mut trainings = Vec::new();
    let mut seen = HashSet::new();
    for &(y, m) in &months {
        for _ in 0..rng.random_range(2..=5) {
            let Some(start) = day_in(&mut rng, y, m, last) else {
                continue;
            };
            let (kind, topic, organiser) = *TRAININGS.choose(&mut rng).unwrap_or(&TRAININGS[0]);
            let topic = format!("{y}年{topic}");
            if !seen.insert((topic.clone(), start)) {
                continue;
            }
            let days = rng.random_range(0..=2);
            let end = (start + Duration::days(days)).min(last);
            trainings.push(row([
                ("topic", json!(topic)),
                ("kind", json!(kind)),
                ("start_date", ymd(start)),
                ("end_date", ymd(end)),
                ("organiser", json!(organiser)),
                ("attendees", json!(rng.random_range(3..=30) * 10)),
                ("hours", json!(4 + 8 * days)),
            ]));
        }
    }

    vec![
        Batch {
            register: "accidents",
            rows: accidents,
        },
        Batch {
            register: "hazard_inspections",
            rows: hazards,
        },
        Batch {
            register: "trainings",
            rows: trainings,
        },
    ]
}

/// The months (year, month) from `first` to `last`.
fn months(first: NaiveDate, last: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// A random day of the month, `None` when it would fall after `last`.
fn day_in(rng: &mut StdRng, y: i32, m: u32, last: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, rng.random_range(1..=28)).filter(|d| *d <= last)
}

fn weighted_n(rng: &mut StdRng, items: &[(u32, u32)]) -> u32 {
    items
        .choose_weighted(rng, |(_, w)| *w)
        .map_or(items[0].0, |(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet;
    use crate::records::test_util::{ctx, dates, deterministic, rows};

    #[test]
    fn same_seed_same_rows() {
        deterministic(generate, 300, "hazard_inspections");
    }

    #[test]
    fn covers_the_period_with_realistic_volumes() {
        let f = fleet::generate(3, 300);
        let out = generate(&ctx(&f, 1));
        for (reg, key) in [
            ("accidents", "occurred_on"),
            ("hazard_inspections", "found_on"),
            ("trainings", "start_date"),
        ] {
            let d = dates(rows(&out, reg), key);
            assert!(
                d.first().is_some_and(|d| d.as_str() < "2025-03-01"),
                "{reg}"
            );
            assert!(
                d.last()
                    .is_some_and(|d| d.as_str() >= "2026-09-01" && d.as_str() <= "2026-11-25"),
                "{reg}"
            );
        }
        let per_2025 = |reg: &str, key: &str| {
            rows(&out, reg)
                .iter()
                .filter(|r| {
                    r.get(key)
                        .and_then(Value::as_str)
                        .is_some_and(|d| d.starts_with("2025"))
                })
                .count()
        };
        assert!((10..=35).contains(&per_2025("accidents", "occurred_on")));
        assert!((80..=130).contains(&per_2025("hazard_inspections", "found_on")));
        assert!((25..=60).contains(&per_2025("trainings", "start_date")));
        let fatal = rows(&out, "accidents")
            .iter()
            .filter(|r| {
                r.get("deaths")
                    .and_then(Value::as_u64)
                    .is_some_and(|d| d > 0)
            })
            .count();
        assert!(fatal >= 1);
        assert!(rows(&out, "hazard_inspections")
            .iter()
            .any(|r| r.get("status").and_then(Value::as_str) == Some("overdue")));
    }

    #[test]
    fn accident_vehicles_belong_to_the_responsible_enterprise() {
        let f = fleet::generate(3, 300);
        let out = generate(&ctx(&f, 1));
        for r in rows(&out, "accidents") {
            if let Some(plate) = r.get("vehicle_id").and_then(Value::as_str) {
                let v = f
                    .vehicles
                    .iter()
                    .find(|v| v.vehicle.plate == plate)
                    .expect("fleet plate");
                let uscc = &f.enterprises[v.enterprise].input.uscc;
                assert_eq!(
                    r.get("enterprise_id").and_then(Value::as_str),
                    Some(uscc.as_str())
                );
            }
        }
    }
}
