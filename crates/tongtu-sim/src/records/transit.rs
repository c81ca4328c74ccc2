//! Demo rows of the transit registers: ~400 bus stops, 60 routes of the four types with
//! their stops in both directions, 12 passenger stations (8 of them reporting daily figures
//! for the last 18 months) and five through-ticket products.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{row, ymd, Batch, Ctx};
use crate::fleet::REGIONS;

const SEED: u64 = 0x5452_414e_5349_5401;

/// Approximate centre (lat, lon) of each region of `REGIONS`.
const CENTRES: &[(f64, f64)] = &[
    (21.858, 111.982),
    (21.868, 112.016),
    (22.170, 111.788),
    (21.752, 111.617),
    (21.630, 111.830),
    (21.905, 111.930),
];

const STEMS: &[&str] = &[
    "人民",
    "东风",
    "新江",
    "漠阳",
    "金山",
    "南恩",
    "西平",
    "北环",
    "石湾",
    "鸳鸯湖",
    "江城",
    "岗列",
    "城西",
    "白沙",
    "埠场",
    "平冈",
    "麻汕",
    "程村",
    "塘坪",
    "那龙",
    "合山",
    "春湾",
    "马水",
    "八甲",
    "潭水",
    "织篢",
    "儒洞",
    "沙扒",
    "上洋",
    "溪头",
    "闸坡",
    "平章",
    "丹载",
    "北惯",
    "大沟",
    "雅韶",
];
const SUFFIXES: &[&str] = &[
    "路口",
    "市场",
    "小学",
    "中学",
    "医院",
    "公园",
    "广场",
    "村委会",
    "大桥",
    "牌坊",
    "新村",
    "镇政府",
    "汽车站",
    "商业城",
];

/// Route types with how many routes, fare range (元) and kilometres per stop.
const ROUTE_KINDS: &[(&str, usize, (u32, u32), f64)] = &[
    ("regular", 30, (2, 2), 0.7),
    ("special", 8, (3, 5), 1.2),
    ("village", 16, (2, 8), 2.2),
    ("custom", 6, (5, 15), 1.5),
];

const OPERATORS: &[&str] = &[
    "阳江市公共交通有限公司",
    "阳春市公共汽车有限公司",
    "阳西县城乡公交有限公司",
    "阳江市海陵公交有限公司",
];

/// Stations: name, grade, region, online ticketing, reports real-time data, base daily
/// passengers.
const STATIONS: &[(&str, &str, usize, bool, bool, u32)] = &[
    ("阳江汽车总站", "grade1", 0, true, true, 6500),
    ("阳江城东汽车客运站", "grade2", 0, true, true, 2600),
    ("阳东汽车客运站", "grade2", 1, true, true, 2100),
    ("阳春汽车客运站", "grade1", 2, true, true, 4200),
    ("阳西汽车客运站", "grade2", 3, true, true, 2400),
    ("闸坡汽车客运站", "grade3", 4, true, true, 1500),
    ("春湾汽车客运站", "grade3", 2, true, true, 700),
    ("织篢汽车客运站", "grade3", 3, true, true, 650),
    ("合山汽车客运站", "grade4", 1, false, false, 260),
    ("沙扒汽车客运站", "grade4", 3, false, false, 320),
    ("程村汽车客运站", "grade5", 5, false, false, 150),
    ("溪头简易站", "simple", 4, false, false, 80),
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

type Product = (&'static str, &'static str, &'static str, (i32, u32, u32));

/// Through-ticket products: name, modes, partner, launch date (y, m, d).
const PRODUCTS: &[Product] = &[
    (
        "阳江汽车总站—阳江站 公铁联程",
        "公路+铁路",
        "广铁集团阳江站",
        (2021, 6, 18),
    ),
    (
        "阳春—阳江站 汽车+高铁联程",
        "公路+铁路",
        "广铁集团阳江站",
        (2022, 1, 10),
    ),
    (
        "阳江—湛江吴川机场 空巴联程",
        "公路+民航",
        "湛江吴川国际机场",
        (2023, 3, 1),
    ),
    (
        "阳江站—闸坡 旅游联程",
        "铁路+公路",
        "阳江市海陵岛旅游集团",
        (2023, 7, 1),
    ),
    (
        "阳江港—海陵岛 水陆联程",
        "公路+水路",
        "阳江港客运码头",
        (2024, 5, 1),
    ),
];

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ SEED);
    let last = ctx.today.pred_opt().unwrap_or(ctx.today);

    // Stop names are unique: every stem–suffix pair at most once.
    let mut names: Vec<String> = STEMS
        .iter()
        .flat_map(|s| SUFFIXES.iter().map(move |x| format!("{s}{x}")))
        .collect();
    names.shuffle(&mut rng);
    names.truncate(400);
    let mut stops = Vec::new();
    let mut by_region: Vec<Vec<String>> = vec![Vec::new(); REGIONS.len()];
    for (i, name) in names.iter().enumerate() {
        let region = i % REGIONS.len();
        let (lat, lon) = CENTRES.get(region).copied().unwrap_or(CENTRES[0]);
        let lat = round6(lat + rng.random_range(-0.06..0.06));
        let lon = round6(lon + rng.random_range(-0.06..0.06));
        stops.push(row([
            ("code", json!(format!("{}{:04}", REGIONS[region].0, i + 1))),
            ("name", json!(name)),
            ("lat", json!(lat)),
            ("lon", json!(lon)),
            ("county_id", json!(REGIONS[region].1)),
        ]));
        by_region[region].push(name.clone());
    }

    let mut routes = Vec::new();
    let mut route_stops = Vec::new();
    for &(kind, count, (fare_lo, fare_hi), km_per_stop) in ROUTE_KINDS {
        for n in 1..=count {
            let route_no = match kind {
                "regular" => format!("{n}路"),
                "special" => format!("专线{n}"),
                "village" => format!("镇村{n:02}路"),
                _ => format!("定制{n}线"),
            };
            // Urban routes run in the districts, village routes in the counties.
            let region = match kind {
                "regular" | "custom" => [0, 1, 5][n % 3],
                "village" => [2, 3, 1, 4][n % 4],
                _ => n % REGIONS.len(),
            };
            let pool = &by_region[region];
            let len = rng.random_range(8..=30usize).min(pool.len());
            let chosen: Vec<&String> = pool.choose_multiple(&mut rng, len).collect();
            let (Some(from), Some(to)) = (chosen.first(), chosen.last()) else {
                continue;
            };
            let minutes_per_stop = if kind == "village" { 2..=6 } else { 1..=4 };
            let mut offsets = vec![0u32];
            for _ in 1..chosen.len() {
                let prev = offsets.last().copied().unwrap_or(0);
                offsets.push(prev + rng.random_range(minutes_per_stop.clone()));
            }
            let total = offsets.last().copied().unwrap_or(0);
            for (direction, order) in [("0", false), ("1", true)] {
                for seq in 0..chosen.len() {
                    let (stop, offset) = if order {
                        (
                            chosen[chosen.len() - 1 - seq],
                            total - offsets[chosen.len() - 1 - seq],
                        )
                    } else {
                        (chosen[seq], offsets[seq])
                    };
                    route_stops.push(row([
                        ("route_id", json!(route_no)),
                        ("direction", json!(direction)),
                        ("sequence", json!(seq + 1)),
                        ("stop_id", json!(stop)),
                        ("offset_min", json!(offset)),
                    ]));
                }
            }
            let length =
                (len as f64 * km_per_stop * rng.random_range(0.8..1.3) * 10.0).round() / 10.0;
            let (first_dep, last_dep, headway) = match kind {
                "village" => (
                    format!("06:{:02}", rng.random_range(3..6) * 10),
                    format!("{}:00", rng.random_range(17..=19)),
                    rng.random_range(3..=9) * 10,
                ),
                "custom" => (
                    "07:00".to_string(),
                    "18:00".to_string(),
                    rng.random_range(2..=6) * 15,
                ),
                _ => (
                    format!("06:{:02}", rng.random_range(0..4) * 10),
                    format!(
                        "{}:{:02}",
                        rng.random_range(20..=22),
                        rng.random_range(0..2) * 30
                    ),
                    rng.random_range(8..=20),
                ),
            };
            let opened_year = match kind {
                "regular" => rng.random_range(2008..=2020),
                _ => rng.random_range(2018..=last.year()),
            };
            let opened = NaiveDate::from_ymd_opt(
                opened_year,
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
            .map(|d| d.min(last));
            routes.push(row([
                ("route_no", json!(route_no)),
                ("name", json!(format!("{from}—{to}"))),
                ("route_type", json!(kind)),
                ("operator", json!(OPERATORS[region_operator(region)])),
                ("county_id", json!(REGIONS[region].1)),
                ("length_km", json!(length)),
                ("fare", json!(rng.random_range(fare_lo..=fare_hi))),
                ("first_departure", json!(first_dep)),
                ("last_departure", json!(last_dep)),
                ("headway_min", json!(headway)),
                ("vehicles", json!(rng.random_range(2..=16))),
                ("opened_on", opened.map_or(Value::Null, ymd)),
                (
                    "status",
                    json!(if rng.random_bool(0.95) {
                        "operating"
                    } else {
                        "suspended"
                    }),
                ),
            ]));
        }
    }

    let stations = STATIONS
        .iter()
        .map(|&(name, grade, region, online, realtime, _)| {
            let street = ["漠阳", "东风", "春城", "人民", "新江"]
                .choose(&mut rng)
                .copied()
                .unwrap_or("人民");
            let address = format!(
                "阳江市{}{street}路{}号",
                REGIONS[region].1,
                rng.random_range(1..300)
            );
            let opened =
                NaiveDate::from_ymd_opt(rng.random_range(1990..=2015), rng.random_range(1..=12), 1);
            row([
                ("name", json!(name)),
                ("grade", json!(grade)),
                ("county_id", json!(REGIONS[region].1)),
                ("address", json!(address)),
                ("online_ticketing", json!(online)),
                ("realtime_data", json!(realtime)),
                ("opened_on", opened.map_or(Value::Null, ymd)),
            ])
        })
        .collect();

    // Only stations on the cloud platform report daily, for the last 18 months.
    let mut daily = Vec::new();
    let first_day = last - Duration::days(549);
    for &(name, _, _, online, realtime, base) in STATIONS {
        if !realtime {
            continue;
        }
        for day in first_day.iter_days().take_while(|d| *d <= last) {
            let mut factor = festival_factor(day) * rng.random_range(0.9..1.1);
            if matches!(day.weekday(), chrono::Weekday::Fri | chrono::Weekday::Sun) {
                factor *= 1.15;
            }
            let passengers = (f64::from(base) * factor).round() as u32;
            let departures = (passengers / 22).max(1);
            // The online share grows as ticketing apps spread.
            let share = 0.45 + 0.2 * (day - first_day).num_days() as f64 / 550.0;
            let online_tickets = online.then(|| (f64::from(passengers) * share).round() as u32);
            daily.push(row([
                ("station_id", json!(name)),
                ("date", ymd(day)),
                ("departures", json!(departures)),
                ("passengers", json!(passengers)),
                (
                    "online_tickets",
                    online_tickets.map_or(Value::Null, |n| json!(n)),
                ),
            ]));
        }
    }

    let tickets = PRODUCTS
        .iter()
        .map(|&(name, modes, partner, (y, m, d))| {
            let launched = NaiveDate::from_ymd_opt(y, m, d).map(|d| d.min(last));
            let days = launched.map_or(0, |l| (last - l).num_days().max(0));
            let sold = days * rng.random_range(20..=120);
            row([
                ("name", json!(name)),
                ("modes", json!(modes)),
                ("partner", json!(partner)),
                ("launched_on", launched.map_or(Value::Null, ymd)),
                ("tickets_sold", json!(sold)),
            ])
        })
        .collect();

    vec![
        Batch {
            register: "bus_stops",
            rows: stops,
        },
        Batch {
            register: "bus_routes",
            rows: routes,
        },
        Batch {
            register: "route_stops",
            rows: route_stops,
        },
        Batch {
            register: "stations",
            rows: stations,
        },
        Batch {
            register: "station_daily",
            rows: daily,
        },
        Batch {
            register: "through_tickets",
            rows: tickets,
        },
    ]
}

fn region_operator(region: usize) -> usize {
    match region {
        2 => 1,
        3 => 2,
        4 => 3,
        _ => 0,
    }
}

/// Passenger volume relative to an ordinary day: the Spring Festival rush (two weeks before
/// to three weeks after new year's day), a dip on the eve, the May Day and National Day
/// holidays.
fn festival_factor(day: NaiveDate) -> f64 {
    let festival = SPRING_FESTIVAL
        .iter()
        .find(|(y, _, _)| *y == day.year())
        .and_then(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    if let Some(f) = festival {
        let k = (day - f).num_days();
        match k {
            -1..=0 => return 0.5,
            -15..=-2 => return 1.5,
            1..=21 => return 1.6,
            _ => {}
        }
    }
    match (day.month(), day.day()) {
        (5, 1..=5) | (10, 1..=7) => 1.4,
        _ => 1.0,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::fleet;
    use crate::records::test_util::{ctx, deterministic, rows, text};

    #[test]
    fn same_seed_same_rows() {
        deterministic(generate, 100, "route_stops");
    }

    #[test]
    fn routes_stops_and_stations_are_consistent() {
        let f = fleet::generate(3, 100);
        let out = generate(&ctx(&f, 1));
        let stops: HashSet<&str> = rows(&out, "bus_stops")
            .iter()
            .map(|r| text(r, "name"))
            .collect();
        assert_eq!(stops.len(), 400, "stop names are unique");
        let routes = rows(&out, "bus_routes");
        assert_eq!(routes.len(), 60);
        for kind in ["regular", "special", "village", "custom"] {
            assert!(routes.iter().any(|r| text(r, "route_type") == kind));
        }
        let mut per_route: HashMap<(&str, &str), usize> = HashMap::new();
        for r in rows(&out, "route_stops") {
            assert!(stops.contains(text(r, "stop_id")));
            *per_route
                .entry((text(r, "route_id"), text(r, "direction")))
                .or_default() += 1;
        }
        assert_eq!(per_route.len(), 120, "every route in both directions");
        assert!(per_route.values().all(|n| (8..=30).contains(n)));

        let daily = rows(&out, "station_daily");
        let reporting: HashSet<&str> = daily.iter().map(|r| text(r, "station_id")).collect();
        assert_eq!(reporting.len(), 8);
        assert!(daily.len() <= 8 * 550);
        let mut dates: Vec<&str> = daily.iter().map(|r| text(r, "date")).collect();
        dates.sort_unstable();
        assert_eq!(dates.first().copied(), Some("2025-05-25"));
        assert_eq!(dates.last().copied(), Some("2026-11-25"));
    }
}
