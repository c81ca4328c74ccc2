//! Demo rows of the enforcement registers: about six campaigns a year, patrol logs on most
//! working days and ~800 cases a year of every type, a few dozen of them found through the
//! dynamic-monitoring platform.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{period, row, weighted, ymd, Batch, Ctx};
use crate::fleet::{DemoVehicle, REGIONS};

const SEED: u64 = 0x454e_464f_5243_4531;

/// A campaign theme repeated every year: name (after the year), start and end as (month,
/// day), lead unit, targets, and the violations its cases are counted under.
struct Theme {
    name: &'static str,
    start: (u32, u32),
    end: (u32, u32),
    lead: &'static str,
    targets: &'static str,
    violations: &'static [&'static str],
}

const THEMES: &[Theme] = &[
    Theme {
        name: "春运道路运输安全专项整治",
        start: (1, 10),
        end: (2, 28),
        lead: "市交通运输局",
        targets: "严查客运车辆超员、疲劳驾驶、站外揽客，保障春运旅客安全出行。",
        violations: &[
            "touting_outside_station",
            "fatigue",
            "night_ban",
            "illegal_operation",
        ],
    },
    Theme {
        name: "打击非法营运专项整治行动",
        start: (3, 1),
        end: (5, 31),
        lead: "市交通运输综合行政执法支队",
        targets: "联合公安交警打击“黑车”非法营运和无证经营行为。",
        violations: &["illegal_operation", "unlicensed", "taxi_refusal_bargaining"],
    },
    Theme {
        name: "货车超限超载治理专项行动",
        start: (4, 1),
        end: (12, 31),
        lead: "市治理超限超载工作领导小组办公室",
        targets: "源头监管与路面治超相结合，货车超限率控制在0.5%以内。",
        violations: &["overload"],
    },
    Theme {
        name: "道路运输车辆动态监控专项整治",
        start: (5, 1),
        end: (7, 31),
        lead: "市交通运输局",
        targets: "整治屏蔽卫星定位信号、篡改监控数据、超速和疲劳驾驶，车辆入网率、上线率达到100%。",
        violations: &[
            "signal_shielding",
            "data_tampering",
            "speeding",
            "fatigue",
            "night_ban",
        ],
    },
    Theme {
        name: "“两客一危”安全隐患专项整治",
        start: (6, 1),
        end: (8, 31),
        lead: "市交通运输局",
        targets: "排查整治客运、危险货物运输企业安全隐患，严查危险货物违规运输。",
        violations: &["hazmat_violation", "speeding", "fatigue"],
    },
    Theme {
        name: "国庆假期运输市场秩序整治",
        start: (9, 20),
        end: (10, 10),
        lead: "市交通运输综合行政执法支队",
        targets: "整治站外揽客、出租车拒载议价，维护节日运输市场秩序。",
        violations: &[
            "touting_outside_station",
            "taxi_refusal_bargaining",
            "illegal_operation",
        ],
    },
];

/// Enforcement units: name and the region (index into `REGIONS`) they patrol.
const UNITS: &[(&str, usize)] = &[
    ("直属一大队", 0),
    ("直属二大队", 1),
    ("阳春大队", 2),
    ("阳西大队", 3),
    ("海陵大队", 4),
    ("路政大队", 5),
];

const PLACES: &[&str] = &[
    "汽车客运站周边",
    "G325线治超站",
    "S113线路段",
    "沈海高速出口",
    "货运物流园",
    "高铁站广场",
    "旅游景区停车场",
    "危险货物运输企业",
    "机动车维修市场",
    "城区主干道",
];

const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "林", "梁", "冯", "关", "谭", "莫", "杨", "何", "邓", "钟",
];
const GIVEN: &[&str] = &[
    "伟", "强", "志明", "家豪", "俊杰", "永康", "文斌", "锦荣", "海波", "国华", "少玲",
];

struct Campaign {
    name: String,
    start: NaiveDate,
    end: NaiveDate,
    theme: &'static Theme,
    cases: u32,
    personnel: u32,
}

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ SEED);
    let (first, last) = period(ctx);

    let mut campaigns: Vec<Campaign> = Vec::new();
    for year in first.year()..=last.year() {
        for theme in THEMES {
            let (Some(start), Some(end)) = (
                NaiveDate::from_ymd_opt(year, theme.start.0, theme.start.1),
                NaiveDate::from_ymd_opt(year, theme.end.0, theme.end.1),
            ) else {
                continue;
            };
            if start <= last {
                campaigns.push(Campaign {
                    name: format!("{year}年{}", theme.name),
                    start,
                    end,
                    theme,
                    cases: 0,
                    personnel: 0,
                });
            }
        }
    }

    let mut logs = Vec::new();
    let mut cases = Vec::new();
    let mut case_seq: HashMap<i32, u32> = HashMap::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        let working = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let active: Vec<usize> = (0..campaigns.len())
            .filter(|&i| campaigns[i].start <= day && day <= campaigns[i].end)
            .collect();

        for (unit, region) in UNITS {
            // Units patrol on most working days; at weekends only during campaigns.
            let p = match (working, active.is_empty()) {
                (true, _) => 0.6,
                (false, false) => 0.2,
                (false, true) => 0.05,
            };
            if !rng.random_bool(p) {
                continue;
            }
            let campaign = active
                .choose(&mut rng)
                .copied()
                .filter(|_| rng.random_bool(0.6));
            let boost = if campaign.is_some() { 1.4 } else { 1.0 };
            let personnel = (f64::from(rng.random_range(6..=20u32)) * boost) as u32;
            let vehicles = (personnel / 4).max(1) + rng.random_range(0..=2);
            let inspected = (f64::from(rng.random_range(15..=110u32)) * boost) as u32;
            let mut campaign_name = Value::Null;
            if let Some(c) = campaign.and_then(|i| campaigns.get_mut(i)) {
                c.personnel += personnel;
                campaign_name = json!(c.name);
            }
            let place = PLACES.choose(&mut rng).copied().unwrap_or("城区主干道");
            logs.push(row([
                ("date", ymd(day)),
                ("unit", json!(format!("市交通运输综合行政执法支队{unit}"))),
                ("county_id", json!(REGIONS[*region].1)),
                ("location", json!(format!("{}{place}", REGIONS[*region].1))),
                ("campaign_id", campaign_name),
                ("personnel_times", json!(personnel)),
                ("vehicle_times", json!(vehicles)),
                ("vehicles_inspected", json!(inspected)),
                ("sites_inspected", json!(rng.random_range(0..=5))),
                ("problems_found", json!(rng.random_range(0..=4))),
                ("note", Value::Null),
            ]));
        }

        let n = if working {
            rng.random_range(0..=6)
        } else {
            rng.random_range(0..=2)
        };
        for _ in 0..n {
            let seq = case_seq.entry(day.year()).or_insert(0);
            *seq += 1;
            let case_no = format!("阳交执罚〔{}〕{:04}号", day.year(), *seq);
            let case = make_case(&mut rng, ctx, day, last);
            // Cases filed during a campaign on its subject are counted under it.
            let campaign = active
                .iter()
                .copied()
                .find(|&i| campaigns[i].theme.violations.contains(&case.violation))
                .filter(|_| rng.random_bool(0.7));
            let mut campaign_name = Value::Null;
            if let Some(c) = campaign.and_then(|i| campaigns.get_mut(i)) {
                c.cases += 1;
                campaign_name = json!(c.name);
            }
            cases.push(row([
                ("case_no", json!(case_no)),
                ("filed_on", ymd(day)),
                ("case_type", json!(case.case_type)),
                ("violation", json!(case.violation)),
                ("source", json!(case.source)),
                (
                    "county_id",
                    json!(REGIONS[rng.random_range(0..REGIONS.len())].1),
                ),
                ("party", json!(case.party)),
                (
                    "enterprise_id",
                    case.enterprise.map_or(Value::Null, |u| json!(u)),
                ),
                ("vehicle_id", case.vehicle.map_or(Value::Null, |p| json!(p))),
                ("plate", json!(case.plate)),
                ("fine", json!(case.fine)),
                ("status", json!(case.status)),
                ("closed_on", case.closed_on.map_or(Value::Null, ymd)),
                ("campaign_id", campaign_name),
            ]));
        }
    }

    let campaign_rows = campaigns
        .iter()
        .map(|c| {
            let results = if c.end < last {
                format!(
                    "累计出动执法人员{}人次，查处相关违法案件{}宗，专项整治按期完成。",
                    c.personnel, c.cases
                )
            } else {
                format!(
                    "整治进行中：已出动执法人员{}人次，查处相关违法案件{}宗。",
                    c.personnel, c.cases
                )
            };
            row([
                ("name", json!(c.name)),
                ("start_date", ymd(c.start)),
                ("end_date", ymd(c.end)),
                ("lead_unit", json!(c.theme.lead)),
                ("targets", json!(c.theme.targets)),
                ("results", json!(results)),
            ])
        })
        .collect();

    vec![
        Batch {
            register: "campaigns",
            rows: campaign_rows,
        },
        Batch {
            register: "patrol_logs",
            rows: logs,
        },
        Batch {
            register: "enforcement_cases",
            rows: cases,
        },
    ]
}

/// The generated content of one case.
struct Case {
    case_type: &'static str,
    violation: &'static str,
    source: &'static str,
    party: String,
    enterprise: Option<String>,
    vehicle: Option<String>,
    plate: String,
    fine: u32,
    status: &'static str,
    closed_on: Option<NaiveDate>,
}

fn make_case(rng: &mut StdRng, ctx: &Ctx, filed: NaiveDate, last: NaiveDate) -> Case {
    let fleet = &ctx.fleet.vehicles;
    let passenger =
        |v: &&DemoVehicle| matches!(v.vehicle.vehicle_class.as_str(), "coach" | "charter_bus");
    let freight = |v: &&DemoVehicle| !passenger(v);
    let hazmat = |v: &&DemoVehicle| v.vehicle.vehicle_class == "hazmat";

    // About 5 % of cases come from the supervision platform: a fleet vehicle and its owner.
    let dynamic = rng.random_bool(0.05) && !fleet.is_empty();
    let (case_type, violation, source) = if dynamic {
        let v = weighted(
            rng,
            &[
                ("speeding", 35),
                ("fatigue", 25),
                ("night_ban", 15),
                ("signal_shielding", 15),
                ("data_tampering", 10),
            ],
        );
        ("road_transport", v, "dynamic_monitoring")
    } else {
        let case_type = weighted(
            rng,
            &[
                ("road_transport", 72),
                ("highway_admin", 24),
                ("waterway", 4),
            ],
        );
        let violation = match case_type {
            "road_transport" => weighted(
                rng,
                &[
                    ("illegal_operation", 35),
                    ("touting_outside_station", 10),
                    ("taxi_refusal_bargaining", 10),
                    ("unlicensed", 8),
                    ("hazmat_violation", 5),
                    ("speeding", 4),
                    ("fatigue", 3),
                    ("signal_shielding", 3),
                    ("other", 10),
                ],
            ),
            "highway_admin" => weighted(rng, &[("overload", 85), ("other", 15)]),
            _ => weighted(rng, &[("unlicensed", 30), ("other", 70)]),
        };
        let source = if violation == "taxi_refusal_bargaining" {
            weighted(rng, &[("complaint", 70), ("patrol", 30)])
        } else {
            weighted(rng, &[("patrol", 70), ("complaint", 18), ("referral", 12)])
        };
        (case_type, violation, source)
    };

    let fleet_vehicle = match violation {
        "night_ban" => fleet.iter().filter(passenger).collect::<Vec<_>>(),
        "hazmat_violation" => fleet.iter().filter(hazmat).collect(),
        "overload" => fleet.iter().filter(freight).collect(),
        "speeding" | "fatigue" | "signal_shielding" | "data_tampering" | "other" => {
            fleet.iter().collect()
        }
        _ => Vec::new(),
    };
    // Dynamic-monitoring cases always concern a fleet vehicle; others only sometimes.
    let vehicle = fleet_vehicle
        .choose(rng)
        .copied()
        .filter(|_| dynamic || (case_type != "waterway" && rng.random_bool(0.6)));
    let (party, enterprise, vehicle_plate, plate) = match vehicle {
        Some(v) => {
            let e = ctx.fleet.enterprises.get(v.enterprise);
            (
                e.map_or_else(|| person(rng), |e| e.input.name.clone()),
                e.map(|e| e.input.uscc.clone()),
                Some(v.vehicle.plate.clone()),
                v.vehicle.plate.clone(),
            )
        }
        None if case_type == "waterway" => (
            person(rng),
            None,
            None,
            format!("粤阳江货{:04}", rng.random_range(100..10000)),
        ),
        None => {
            let prefix = if violation == "overload" {
                ["粤Q", "粤J", "桂K", "粤G"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("粤Q")
            } else {
                "粤Q"
            };
            (
                person(rng),
                None,
                None,
                format!("{prefix}{}", plate_tail(rng)),
            )
        }
    };

    let (lo, hi) = match violation {
        "illegal_operation" => (50, 300),
        "overload" => (5, 300),
        "signal_shielding" | "data_tampering" => (8, 30),
        "speeding" | "fatigue" | "night_ban" => (10, 50),
        "touting_outside_station" => (10, 30),
        "taxi_refusal_bargaining" => (2, 10),
        "unlicensed" => (50, 200),
        "hazmat_violation" => (200, 1000),
        _ => (2, 50),
    };
    let fine = rng.random_range(lo..=hi) * 100;

    let age = (last - filed).num_days();
    let decided_after = rng.random_range(10..45);
    let closed_after = decided_after + rng.random_range(5..40);
    let (status, closed_on) = if age >= closed_after {
        ("closed", Some(filed + Duration::days(closed_after)))
    } else if age >= decided_after {
        ("decided", None)
    } else if age >= 5 {
        ("investigating", None)
    } else {
        ("filed", None)
    };

    Case {
        case_type,
        violation,
        source,
        party,
        enterprise,
        vehicle: vehicle_plate,
        plate,
        fine,
        status,
        closed_on,
    }
}

fn person(rng: &mut StdRng) -> String {
    let s = SURNAMES.choose(rng).copied().unwrap_or("陈");
    let g = GIVEN.choose(rng).copied().unwrap_or("伟");
    format!("{s}{g}")
}

/// Five plate characters, as on a private car.
fn plate_tail(rng: &mut StdRng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..5)
        .map(|_| CHARS.choose(rng).copied().map_or('0', char::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet;
    use crate::records::test_util::{ctx, dates, deterministic, rows};

    #[test]
    fn same_seed_same_rows() {
        deterministic(generate, 300, "enforcement_cases");
    }

    #[test]
    fn covers_the_period_with_realistic_volumes() {
        let f = fleet::generate(3, 300);
        let out = generate(&ctx(&f, 1));
        let regs: Vec<&str> = out.iter().map(|b| b.register).collect();
        assert_eq!(regs, ["campaigns", "patrol_logs", "enforcement_cases"]);
        for (reg, key) in [("patrol_logs", "date"), ("enforcement_cases", "filed_on")] {
            let d = dates(rows(&out, reg), key);
            assert!(
                d.first().is_some_and(|d| d.as_str() <= "2025-01-10"),
                "{reg}"
            );
            assert!(
                d.last()
                    .is_some_and(|d| d.as_str() >= "2026-11-15" && d.as_str() <= "2026-11-25"),
                "{reg}"
            );
        }
        let cases = rows(&out, "enforcement_cases");
        let in_2025 = cases
            .iter()
            .filter(|r| {
                r.get("filed_on")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.starts_with("2025"))
            })
            .count();
        assert!((650..=1000).contains(&in_2025), "{in_2025}");
        let dynamic = cases
            .iter()
            .filter(|r| r.get("source").and_then(Value::as_str) == Some("dynamic_monitoring"))
            .count();
        assert!((20..=120).contains(&dynamic), "{dynamic}");
        assert_eq!(rows(&out, "campaigns").len(), 12);
        // Every campaign a row refers to is declared.
        let names: Vec<&Value> = rows(&out, "campaigns")
            .iter()
            .filter_map(|r| r.get("name"))
            .collect();
        for r in rows(&out, "patrol_logs").iter().chain(cases) {
            if let Some(c) = r.get("campaign_id") {
                assert!(names.contains(&c));
            }
        }
    }

    #[test]
    fn case_vehicles_belong_to_their_enterprise() {
        let f = fleet::generate(3, 300);
        let out = generate(&ctx(&f, 1));
        for r in rows(&out, "enforcement_cases") {
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
