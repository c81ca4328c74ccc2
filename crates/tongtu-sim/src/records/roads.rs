//! Demo rows of the roads group: ~20 四好农村路 projects a year, ~60 villages connected by
//! hardened road, the unpaved road left per county each half-year, ~120 bridges (some 四、五类)
//! with their reinforcement projects, and yearly pavement surveys of ~200 sections.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

use super::projects::{date_in, date_value, first_month, last_month, num, region};
use super::{row, Batch, Ctx};
use crate::fleet::REGIONS;

/// Towns (镇、街道) per county, indexed like [`REGIONS`].
const TOWNS: [&[&str]; 6] = [
    &["埠场镇", "双捷镇", "白沙街道", "岗列街道"],
    &[
        "大沟镇",
        "东平镇",
        "雅韶镇",
        "塘坪镇",
        "合山镇",
        "红丰镇",
        "大八镇",
        "新洲镇",
        "那龙镇",
    ],
    &[
        "春湾镇",
        "合水镇",
        "陂面镇",
        "圭岗镇",
        "永宁镇",
        "马水镇",
        "八甲镇",
        "双滘镇",
        "潭水镇",
        "三甲镇",
        "松柏镇",
        "河口镇",
    ],
    &[
        "沙扒镇",
        "儒洞镇",
        "新墟镇",
        "溪头镇",
        "上洋镇",
        "程村镇",
        "塘口镇",
        "织篢镇",
    ],
    &["闸坡镇", "海陵镇"],
    &["平冈镇"],
];

/// How much rural road each county has (阳春 is large and hilly, the zones are small).
const COUNTY_WEIGHTS: [u32; 6] = [2, 4, 7, 4, 1, 1];

const STEMS: &[&str] = &[
    "大塘", "石岗", "新屋", "上村", "下洋", "莲塘", "水口", "高岭", "山口", "坡尾", "竹园", "老屋",
    "合水", "龙湾", "黄泥", "松山", "白石", "大坑", "沙塘", "旺村", "长岭", "石桥", "东岸", "西坑",
    "北山", "南丰", "榕树", "木棉", "马岭", "牛岗", "凤凰", "鹤洞", "茶山", "平地", "丰垌", "横坑",
];

/// Trunk roads crossing each county: (route number, road name).
const TRUNK_ROUTES: [&[(&str, &str)]; 6] = [
    &[("G228", "国道G228线"), ("S383", "省道S383线")],
    &[
        ("G228", "国道G228线"),
        ("G325", "国道G325线"),
        ("S277", "省道S277线"),
    ],
    &[
        ("G325", "国道G325线"),
        ("S369", "省道S369线"),
        ("S113", "省道S113线"),
    ],
    &[("G228", "国道G228线"), ("S280", "省道S280线")],
    &[("S383", "省道S383线")],
    &[("S383", "省道S383线")],
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An item drawn with probability proportional to its weight.
fn weighted<'a, T>(rng: &mut StdRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut x = rng.random_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if x < w {
            return item;
        }
        x -= w;
    }
    &items[0]
}

fn pick_county(rng: &mut StdRng) -> usize {
    let indexed: Vec<usize> = (0..COUNTY_WEIGHTS.len()).collect();
    *weighted(rng, &indexed, |i| COUNTY_WEIGHTS[*i])
}

fn village_name(rng: &mut StdRng) -> String {
    format!(
        "{}{}",
        pick(rng, STEMS),
        pick(rng, &["村", "垌", "坑", "寨"])
    )
}

/// The first candidate not taken yet (numbered variants when every one is).
fn unique(taken: &mut HashSet<String>, candidates: &[String]) -> String {
    let name = candidates
        .iter()
        .find(|c| !taken.contains(*c))
        .cloned()
        .unwrap_or_else(|| {
            let base = candidates.first().cloned().unwrap_or_default();
            (2..)
                .map(|n| format!("{base}（{n}）"))
                .find(|c| !taken.contains(c))
                .unwrap_or(base)
        });
    taken.insert(name.clone());
    name
}

/// A random date between two dates (inclusive); `from` when the range is empty.
fn date_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days();
    if days <= 0 {
        from
    } else {
        from + Duration::days(rng.random_range(0..=days))
    }
}

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x726f_6164_735f_7275);
    let today = ctx.today;
    let (first, last) = (first_month(today), last_month(today));
    let first_day = date_in(first, 1);
    let last_day = date_in(last + 1, 1).pred_opt().unwrap_or(today);

    let rural = rural_projects(&mut rng, first_day, last_day, today.year());
    let villages = villages(&mut rng, first_day, last_day);
    let unpaved = unpaved(&mut rng, first_day, last_day);
    let (bridges, reinforcements) = bridges(&mut rng, first, last, last_day);
    let surveys = pavement_surveys(&mut rng, first_day, last_day, today.year());

    vec![
        Batch {
            register: "rural_road_projects",
            rows: rural,
        },
        Batch {
            register: "village_roads",
            rows: villages,
        },
        Batch {
            register: "unpaved_roads",
            rows: unpaved,
        },
        Batch {
            register: "bridges",
            rows: bridges,
        },
        Batch {
            register: "bridge_reinforcements",
            rows: reinforcements,
        },
        Batch {
            register: "pavement_surveys",
            rows: surveys,
        },
    ]
}

/// A kind of rural-road work: its share of projects, the length of a project and its cost.
struct RuralKind {
    code: &'static str,
    weight: u32,
    km: (f64, f64),
    /// 万元 per km.
    cost_per_km: (f64, f64),
    work: &'static str,
}

#[rustfmt::skip]
const RURAL_KINDS: &[RuralKind] = &[
    RuralKind { code: "upgrade", weight: 35, km: (8.0, 30.0), cost_per_km: (110.0, 160.0), work: "道路提档升级工程" },
    RuralKind { code: "widening", weight: 25, km: (5.0, 20.0), cost_per_km: (70.0, 100.0), work: "道路窄路面拓宽工程" },
    RuralKind { code: "hardening", weight: 20, km: (2.0, 10.0), cost_per_km: (45.0, 70.0), work: "自然村通硬化路工程" },
    RuralKind { code: "safety", weight: 15, km: (15.0, 50.0), cost_per_km: (12.0, 25.0), work: "公路安全生命防护工程" },
    RuralKind { code: "bridge", weight: 5, km: (0.1, 0.4), cost_per_km: (1500.0, 3000.0), work: "危旧桥梁改造工程" },
];

/// Rows of one register.
type Rows = Vec<Map<String, Value>>;

fn rural_projects(
    rng: &mut StdRng,
    first_day: NaiveDate,
    last_day: NaiveDate,
    this_year: i32,
) -> Rows {
    let mut taken = HashSet::new();
    let mut rows = Vec::new();
    for year in first_day.year()..=this_year {
        for n in 1..=20 {
            let kind = weighted(rng, RURAL_KINDS, |k| k.weight);
            let (work, (km_lo, km_hi), (c_lo, c_hi)) = (kind.work, kind.km, kind.cost_per_km);
            let county = pick_county(rng);
            let town = *pick(rng, TOWNS[county]);
            let (a, b) = (village_name(rng), village_name(rng));
            let base = format!("{year}年{}{town}{a}至{b}{work}", REGIONS[county].1);
            let name = unique(
                &mut taken,
                &[base.clone(), base.replace("工程", "（二期）工程")],
            );

            let planned_km = rng.random_range(km_lo..km_hi);
            let planned_investment = planned_km * rng.random_range(c_lo..c_hi);
            let start = date_in(year * 12 + rng.random_range(1..6), rng.random_range(1..=28));
            let finish = start + Duration::days(rng.random_range(150..300));
            // Most projects finish on time; a few drag on past their planned completion.
            let (status, share) = if start > last_day {
                ("preparing", 0.0)
            } else if finish <= last_day && rng.random_bool(0.85) {
                ("completed", 1.0)
            } else {
                let elapsed = (last_day - start).num_days() as f64;
                let planned = (finish - start).num_days().max(1) as f64;
                ("building", (elapsed / planned * 0.8).clamp(0.05, 0.95))
            };
            let cost_factor = rng.random_range(0.92..1.03);
            rows.push(row([
                ("code", Value::from(format!("NCGL-{year}-{n:03}"))),
                ("name", Value::from(name)),
                ("kind", Value::from(kind.code)),
                ("county_id", region(county)),
                ("year", Value::from(year)),
                ("planned_km", num(planned_km, 2)),
                ("completed_km", num(planned_km * share, 2)),
                ("planned_investment", num(planned_investment, 2)),
                (
                    "completed_investment",
                    num(planned_investment * share * cost_factor, 2),
                ),
                ("status", Value::from(status)),
                (
                    "start_date",
                    if status == "preparing" {
                        Value::Null
                    } else {
                        date_value(start)
                    },
                ),
                (
                    "completion_date",
                    if status == "completed" {
                        date_value(finish)
                    } else {
                        Value::Null
                    },
                ),
            ]));
        }
    }
    rows
}

fn villages(rng: &mut StdRng, first_day: NaiveDate, last_day: NaiveDate) -> Rows {
    let mut taken = HashSet::new();
    let mut rows = Vec::new();
    for _ in 0..60 {
        let county = pick_county(rng);
        let town = *pick(rng, TOWNS[county]);
        let candidates: Vec<String> = (0..6).map(|_| village_name(rng)).collect();
        let village = unique(&mut taken, &candidates);
        // Most natural villages are small; a few exceed a thousand people.
        let population = 60 + (rng.random::<f64>().powi(2) * 1400.0) as i64;
        let roll = rng.random::<f64>();
        let connected = if roll < 0.72 {
            Some(date_between(rng, first_day, last_day))
        } else if roll < 0.85 {
            Some(date_between(
                rng,
                first_day - Duration::days(700),
                first_day - Duration::days(1),
            ))
        } else {
            None
        };
        rows.push(row([
            ("village", Value::from(village)),
            ("town", Value::from(town)),
            ("county_id", region(county)),
            ("population", Value::from(population)),
            ("connected_on", connected.map_or(Value::Null, date_value)),
            (
                "road_km",
                if connected.is_some() {
                    num(rng.random_range(0.3..4.0), 2)
                } else {
                    Value::Null
                },
            ),
        ]));
    }
    rows
}

/// Unpaved km per county at the end of each half-year, from the one before the data window
/// (the baseline) to the last one that has ended.
fn unpaved(rng: &mut StdRng, first_day: NaiveDate, last_day: NaiveDate) -> Rows {
    const BASELINE_KM: [f64; 6] = [12.0, 45.0, 160.0, 60.0, 5.0, 3.0];
    let mut ends = Vec::new();
    for year in first_day.year() - 1..=last_day.year() {
        for month in [6, 12] {
            let end = date_in(year * 12 + month, 1).pred_opt().unwrap_or(last_day);
            let baseline = end < first_day && end + Duration::days(190) >= first_day;
            if baseline || (end >= first_day && end <= last_day) {
                ends.push(end);
            }
        }
    }
    let mut rows = Vec::new();
    for (county, km) in BASELINE_KM.iter().enumerate() {
        let mut remaining = km * rng.random_range(0.9..1.1);
        for (i, end) in ends.iter().enumerate() {
            if i > 0 {
                remaining *= 1.0 - rng.random_range(0.12..0.3);
            }
            rows.push(row([
                ("county_id", region(county)),
                ("as_of", date_value(*end)),
                ("remaining_km", num(remaining, 2)),
                (
                    "note",
                    if i == 0 {
                        Value::from("基数")
                    } else {
                        Value::Null
                    },
                ),
            ]));
        }
    }
    rows
}

fn bridges(rng: &mut StdRng, first: i32, last: i32, last_day: NaiveDate) -> (Rows, Rows) {
    // Technical condition classes of 120 bridges: mostly 一、二类, 12 dangerous ones.
    let mut classes: Vec<u8> = [(1u8, 42), (2, 48), (3, 18), (4, 8), (5, 4)]
        .iter()
        .flat_map(|&(c, n)| std::iter::repeat_n(c, n))
        .collect();
    classes.shuffle(rng);
    let extra_class3: HashSet<usize> = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == 3)
        .map(|(i, _)| i)
        .take(4)
        .collect();

    let mut names = HashSet::new();
    let mut codes = HashSet::new();
    let mut bridges = Vec::new();
    let mut reinforcements = Vec::new();
    for (i, class) in classes.into_iter().enumerate() {
        let county = pick_county(rng);
        let (region_code, county_name) = (REGIONS[county].0, REGIONS[county].1);
        let town = *pick(rng, TOWNS[county]);
        let level = rng.random_range(0..10);
        let (route_no, road_name, length): (String, String, f64) = if level < 3 {
            let &(no, name) = pick(rng, TRUNK_ROUTES[county]);
            (
                no.to_string(),
                name.to_string(),
                rng.random_range(30.0..600.0),
            )
        } else if level < 7 {
            let no = format!("X{}", 500 + county * 20 + rng.random_range(0..12));
            let to = pick(rng, TOWNS[county]);
            (
                no,
                format!("{town}至{to}公路"),
                rng.random_range(15.0..200.0),
            )
        } else {
            let no = format!("Y{}", 100 + county * 30 + rng.random_range(0..25));
            (
                no,
                format!("{town}至{}公路", village_name(rng)),
                rng.random_range(8.0..80.0),
            )
        };
        let stake = rng.random_range(1..400) * 10;
        let code_base = format!("{route_no}{region_code}L{stake:04}");
        let code = unique(&mut codes, &[code_base.clone(), format!("{code_base}1")]);
        let stem = pick(rng, STEMS);
        let suffix = if length > 100.0 { "大桥" } else { "桥" };
        let short_town = town.trim_end_matches(['镇', '街', '道']);
        let name = unique(
            &mut names,
            &[
                format!("{stem}{suffix}"),
                format!("{short_town}{stem}{suffix}"),
                format!("{stem}二{suffix}"),
                format!("{county_name}{short_town}{stem}{suffix}"),
            ],
        );
        // Dangerous bridges are the old ones.
        let built_year = if class >= 4 {
            rng.random_range(1968..1996)
        } else {
            rng.random_range(1978..=last_day.year() - 2)
        };
        let spans = ((length / rng.random_range(8.0..30.0)).round() as i64).max(1);
        let mut condition = class;
        let mut inspected = date_between(rng, last_day - Duration::days(500), last_day);

        if class >= 4 || extra_class3.contains(&i) {
            let roll = rng.random::<f64>();
            let investment = 30.0 + length * rng.random_range(0.8..2.5);
            let work = if class == 5 {
                "危桥拆除重建工程"
            } else {
                "危桥加固改造工程"
            };
            let (status, start, planned_end, progress, done_on) = if roll < 0.4 {
                let start = date_in(
                    rng.random_range(first..=(last - 6).max(first)),
                    rng.random_range(1..=28),
                );
                let planned_end = start + Duration::days(rng.random_range(90..240));
                let done_on =
                    (planned_end + Duration::days(rng.random_range(-20..40))).min(last_day);
                ("done", Some(start), planned_end, 100.0, Some(done_on))
            } else if roll < 0.8 {
                let start = date_in(
                    rng.random_range(last - 8..=last - 1),
                    rng.random_range(1..=28),
                );
                let planned_end = start + Duration::days(rng.random_range(150..330));
                let elapsed = (last_day - start).num_days() as f64;
                let total = (planned_end - start).num_days().max(1) as f64;
                let progress = (elapsed / total * 100.0).clamp(10.0, 95.0);
                ("in_progress", Some(start), planned_end, progress, None)
            } else {
                let start = date_in(last + rng.random_range(2..7), 1);
                (
                    "planned",
                    None,
                    start + Duration::days(rng.random_range(150..300)),
                    0.0,
                    None,
                )
            };
            // A repaired bridge is re-rated at its next inspection.
            if let Some(done) = done_on {
                condition = 2;
                inspected = (done + Duration::days(rng.random_range(20..60))).min(last_day);
            }
            reinforcements.push(row([
                ("bridge_id", Value::from(name.clone())),
                ("project_name", Value::from(format!("{name}{work}"))),
                ("investment", num(investment, 2)),
                ("start_date", start.map_or(Value::Null, date_value)),
                ("planned_end_date", date_value(planned_end)),
                ("status", Value::from(status)),
                ("progress", num(progress, 1)),
                ("completion_date", done_on.map_or(Value::Null, date_value)),
            ]));
        }

        bridges.push(row([
            ("code", Value::from(code)),
            ("name", Value::from(name)),
            ("road_name", Value::from(road_name)),
            ("route_no", Value::from(route_no)),
            ("county_id", region(county)),
            ("length_m", num(length, 2)),
            ("spans", Value::from(spans)),
            ("built_year", Value::from(built_year)),
            ("condition_class", Value::from(format!("class{condition}"))),
            ("last_inspection", date_value(inspected)),
        ]));
    }
    (bridges, reinforcements)
}

fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "excellent",
        s if s >= 80.0 => "good",
        s if s >= 70.0 => "fair",
        s if s >= 60.0 => "poor",
        _ => "bad",
    }
}

fn pavement_surveys(
    rng: &mut StdRng,
    first_day: NaiveDate,
    last_day: NaiveDate,
    this_year: i32,
) -> Rows {
    // (class, share of sections in %, route prefix, mean MQI)
    const CLASSES: &[(&str, u32, &str, f64)] = &[
        ("county", 25, "X", 86.0),
        ("township", 35, "Y", 82.0),
        ("village", 40, "C", 77.0),
    ];
    struct Section {
        code: String,
        road: String,
        class: &'static str,
        county: usize,
        km: f64,
        mean: f64,
    }
    let mut codes = HashSet::new();
    let mut sections = Vec::new();
    while sections.len() < 200 {
        let county = pick_county(rng);
        let &(class, _, prefix, mean) = weighted(rng, CLASSES, |c| c.1);
        let route = format!(
            "{prefix}{:03}{}",
            rng.random_range(1..600),
            REGIONS[county].0
        );
        let town = *pick(rng, TOWNS[county]);
        let road = format!("{town}至{}公路", village_name(rng));
        for seg in 1..=rng.random_range(1..=3) {
            let code = format!("{route}-{seg:02}");
            if !codes.insert(code.clone()) {
                continue;
            }
            let km = if class == "village" {
                rng.random_range(0.8..5.0)
            } else {
                rng.random_range(1.5..12.0)
            };
            // Sections differ durably (a sum of uniforms is roughly normal, sd ≈ 6).
            let offset: f64 = (0..3).map(|_| rng.random_range(-6.0..6.0)).sum();
            sections.push(Section {
                code,
                road: road.clone(),
                class,
                county,
                km,
                mean: mean + offset,
            });
        }
    }

    let mut rows = Vec::new();
    for year in first_day.year()..=this_year {
        for s in &sections {
            let surveyed = date_in(year * 12 + 3, 1) + Duration::days(rng.random_range(0..90));
            // Maintenance lifts the network a little every year.
            let trend = f64::from(year - first_day.year());
            let score = (s.mean + trend + rng.random_range(-2.5..2.5)).clamp(40.0, 99.5);
            if surveyed > last_day {
                continue;
            }
            rows.push(row([
                ("section_code", Value::from(s.code.clone())),
                ("road_name", Value::from(s.road.clone())),
                ("road_class", Value::from(s.class)),
                ("county_id", region(s.county)),
                ("year", Value::from(year)),
                ("length_km", num(s.km, 2)),
                ("mqi", num(score, 1)),
                ("grade", Value::from(grade((score * 10.0).round() / 10.0))),
                ("survey_date", date_value(surveyed)),
            ]));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::projects::{check, first_month, month_index, year_of};

    #[test]
    fn same_seed_same_rows() {
        check::deterministic(super::generate);
    }

    #[test]
    fn covers_the_window_with_sane_numbers() {
        for ymd in check::TODAYS {
            let today = check::day(ymd);
            let batches = check::run(super::generate, 1, today);
            check::numbers_ok(
                &batches,
                &[
                    (
                        "rural_road_projects",
                        &[
                            "code",
                            "name",
                            "kind",
                            "county_id",
                            "year",
                            "planned_km",
                            "status",
                        ],
                    ),
                    (
                        "village_roads",
                        &["village", "town", "county_id", "population"],
                    ),
                    ("unpaved_roads", &["county_id", "as_of", "remaining_km"]),
                    ("bridges", &["code", "name", "county_id", "condition_class"]),
                    (
                        "bridge_reinforcements",
                        &["bridge_id", "project_name", "status"],
                    ),
                    (
                        "pavement_surveys",
                        &[
                            "section_code",
                            "road_class",
                            "county_id",
                            "year",
                            "length_km",
                            "mqi",
                            "grade",
                        ],
                    ),
                ],
            );
            // Half-year snapshots from before the window to its last ended half-year.
            let as_of: BTreeSet<&str> = check::batch(&batches, "unpaved_roads")
                .rows
                .iter()
                .filter_map(|r| r["as_of"].as_str())
                .collect();
            let first = first_month(today);
            assert!(as_of
                .first()
                .is_some_and(|d| *d < &*format!("{}-01", year_of(first))));
            assert!(as_of.len() >= 4, "{as_of:?}");
            // Rural projects and pavement surveys exist for every year of the window.
            for register in ["rural_road_projects", "pavement_surveys"] {
                let years: BTreeSet<i64> = check::batch(&batches, register)
                    .rows
                    .iter()
                    .filter_map(|r| r["year"].as_i64())
                    .collect();
                let last_year = i64::from(year_of(month_index(today) - 1));
                let want: BTreeSet<i64> = (i64::from(year_of(first))..last_year).collect();
                assert!(want.is_subset(&years), "{register}: {years:?}");
            }
            // Dangerous bridges remain and are being repaired; references resolve.
            let bridges = &check::batch(&batches, "bridges").rows;
            let names: BTreeSet<&str> = bridges.iter().filter_map(|r| r["name"].as_str()).collect();
            assert_eq!(names.len(), bridges.len());
            assert!(bridges.iter().any(|r| r["condition_class"] == "class4"));
            for r in &check::batch(&batches, "bridge_reinforcements").rows {
                assert!(r["bridge_id"].as_str().is_some_and(|b| names.contains(b)));
            }
        }
    }
}
