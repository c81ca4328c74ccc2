//! Demo rows of the projects group: 16 key projects of all kinds with their annual plans,
//! monthly completed investment (some projects behind plan), funding sources (some trunk
//! roads with a gap), approvals, milestones and the ministry/province subsidies per year.
//!
//! The calendar helpers (data window, dates, rounding) are shared with the roads, port and
//! stats generators.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

use super::{row, Batch, Ctx};
use crate::fleet::REGIONS;

/// Project names other generators refer to (berths belong to these projects).
pub(super) const JISHU_BERTHS: &str = "阳江港海陵湾港区吉树作业区5#、6#泊位工程";
pub(super) const LNG_TERMINAL: &str = "阳江LNG接收站码头工程";
pub(super) const WIND_POWER_WHARF: &str = "阳江港沙扒港区风电装备码头工程";

/// A month as a running index (`year * 12 + month0`), which makes month arithmetic trivial.
pub(super) fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The date `day` of the month `index`; the day is clamped to the month's length.
pub(super) fn date_in(index: i32, day: u32) -> NaiveDate {
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    (1..=day.clamp(1, 31))
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(y, m, d))
        .unwrap_or_default()
}

/// The last month with data: the month before `today`.
pub(super) fn last_month(today: NaiveDate) -> i32 {
    month_index(today) - 1
}

/// The first month with data: January of last year, or earlier so that at least 18 months
/// exist (a `today` early in the year would otherwise leave too few for year-on-year).
pub(super) fn first_month(today: NaiveDate) -> i32 {
    let jan_last_year = (today.year() - 1) * 12;
    jan_last_year.min(last_month(today) - 17)
}

/// Every month with data, oldest first.
pub(super) fn months(today: NaiveDate) -> std::ops::RangeInclusive<i32> {
    first_month(today)..=last_month(today)
}

pub(super) fn year_of(index: i32) -> i32 {
    index.div_euclid(12)
}

/// Calendar month 1–12 of a month index.
pub(super) fn month_of(index: i32) -> u32 {
    index.rem_euclid(12) as u32 + 1
}

/// `YYYY-MM` of a month index.
pub(super) fn month_value(index: i32) -> Value {
    Value::from(format!("{:04}-{:02}", year_of(index), month_of(index)))
}

pub(super) fn date_value(d: NaiveDate) -> Value {
    Value::from(d.format("%Y-%m-%d").to_string())
}

/// A number rounded to `scale` decimals, as the register stores it.
pub(super) fn num(x: f64, scale: i32) -> Value {
    let f = 10f64.powi(scale);
    Value::from((x * f).round() / f)
}

/// A region by its name, as typed in a sheet.
pub(super) fn region(i: usize) -> Value {
    REGIONS.get(i).map_or(Value::Null, |r| Value::from(r.1))
}

/// The month of the Spring Festival travel peak: January when the festival falls in late
/// January or the first days of February, else February (lunar dates of the years the demo
/// can plausibly run in).
pub(super) fn spring_festival_month(year: i32) -> u32 {
    match year {
        2020 | 2022 | 2023 | 2025 | 2028 | 2031 => 1,
        _ => 2,
    }
}

/// How much construction work a month sees relative to an average month: the Spring
/// Festival stop, the typhoon and rain season, the year-end push to meet the annual plan.
fn construction_season(index: i32) -> f64 {
    let m = month_of(index);
    if m == spring_festival_month(year_of(index)) {
        0.55
    } else if m == 12 {
        1.3
    } else if (6..=9).contains(&m) {
        0.9
    } else {
        1.05
    }
}

struct Spec {
    no: u32,
    name: &'static str,
    kind: &'static str,
    section: &'static str,
    county: Option<usize>,
    owner: &'static str,
    scale: &'static str,
    /// 万元
    total: f64,
    /// Start as (years relative to today's year, month 1–12).
    start: (i32, i32),
    /// Planned duration in months.
    months: i32,
    /// Share of the planned monthly pace actually achieved (< 0.9 is behind plan).
    pace: f64,
    /// Share of the total investment whose funding is secured (< 1 leaves a gap).
    secured: f64,
}

#[rustfmt::skip]
const SPECS: &[Spec] = &[
    Spec { no: 1, name: "广湛高铁阳江段", kind: "railway", section: "阳东区—江城区—阳西县", county: Some(0), owner: "广湛铁路有限责任公司", scale: "正线长约78公里，设计时速350公里，设阳江北站、阳西站", total: 1_650_000.0, start: (-3, 4), months: 60, pace: 1.0, secured: 1.0 },
    Spec { no: 2, name: "阳江港疏港铁路", kind: "railway", section: "海陵湾港区吉树作业区—阳江站", county: Some(5), owner: "阳江港铁路有限公司", scale: "单线铁路专用线长约24公里，设计年运量800万吨", total: 285_000.0, start: (-1, 9), months: 40, pace: 0.6, secured: 0.85 },
    Spec { no: 3, name: "阳江至信宜高速公路阳春段", kind: "expressway", section: "阳春市春湾镇—圭岗镇", county: Some(2), owner: "广东阳信高速公路有限公司", scale: "双向四车道，全长约56公里，设计速度100公里/小时", total: 980_000.0, start: (-3, 10), months: 48, pace: 1.02, secured: 1.0 },
    Spec { no: 4, name: "沈海高速阳江段改扩建工程", kind: "expressway", section: "阳东区那龙镇—阳西县程村镇", county: Some(1), owner: "广东省高速公路有限公司", scale: "双向四车道扩建为双向八车道，全长约69公里", total: 2_100_000.0, start: (-2, 3), months: 54, pace: 0.92, secured: 0.95 },
    Spec { no: 5, name: "阳江港疏港高速公路", kind: "expressway", section: "江城区—海陵湾港区", county: Some(0), owner: "阳江市交通建设投资集团有限公司", scale: "双向六车道，全长约18公里", total: 420_000.0, start: (-3, 3), months: 33, pace: 1.0, secured: 1.0 },
    Spec { no: 6, name: "国道G228线阳西沙扒至溪头段改建工程", kind: "trunk_road", section: "阳西县沙扒镇—溪头镇", county: Some(3), owner: "阳西县公路事务中心", scale: "一级公路，全长约32公里", total: 168_000.0, start: (-2, 6), months: 36, pace: 0.85, secured: 0.62 },
    Spec { no: 7, name: "国道G325线阳春城区过境段改线工程", kind: "trunk_road", section: "阳春市春城街道—河口镇", county: Some(2), owner: "阳春市公路事务中心", scale: "一级公路，全长约21公里，含漠阳江特大桥1座", total: 236_000.0, start: (-1, 3), months: 42, pace: 0.7, secured: 0.55 },
    Spec { no: 8, name: "省道S277线阳东段改建工程", kind: "trunk_road", section: "阳东区合山镇—大八镇", county: Some(1), owner: "阳江市阳东区公路事务中心", scale: "二级公路改建为一级公路，全长约18公里", total: 98_000.0, start: (-2, 11), months: 30, pace: 0.6, secured: 0.68 },
    Spec { no: 9, name: "省道S383线江城至海陵岛段扩建工程", kind: "trunk_road", section: "江城区平冈镇—海陵岛", county: Some(4), owner: "阳江市公路事务中心", scale: "一级公路，全长约15公里，含跨海大桥扩建", total: 128_000.0, start: (0, 10), months: 36, pace: 0.9, secured: 0.4 },
    Spec { no: 10, name: "阳江市四好农村路提档升级工程", kind: "rural_road", section: "全市各县区", county: None, owner: "阳江市交通运输局", scale: "农村公路提档升级、窄路面拓宽和安全生命防护工程，三年约1200公里", total: 156_000.0, start: (-2, 3), months: 36, pace: 0.95, secured: 0.9 },
    Spec { no: 11, name: JISHU_BERTHS, kind: "port_berth", section: "海陵湾港区吉树作业区", county: Some(5), owner: "阳江港港务股份有限公司", scale: "新建10万吨级通用泊位2个，设计年通过能力1200万吨", total: 280_000.0, start: (-2, 7), months: 36, pace: 0.9, secured: 1.0 },
    Spec { no: 12, name: LNG_TERMINAL, kind: "port_berth", section: "海陵湾港区", county: Some(0), owner: "阳江滨海液化天然气有限公司", scale: "新建8万立方米级LNG船接卸泊位1个及工作船码头，设计年接卸能力300万吨", total: 185_000.0, start: (-1, 5), months: 30, pace: 0.95, secured: 1.0 },
    Spec { no: 13, name: WIND_POWER_WHARF, kind: "port_berth", section: "沙扒港区", county: Some(3), owner: "阳西县港口投资有限公司", scale: "新建5000吨级风电运维泊位1个、1万吨级风电装备泊位1个", total: 96_000.0, start: (-2, 2), months: 30, pace: 0.88, secured: 1.0 },
    Spec { no: 14, name: "阳江港海陵湾进港航道扩建工程", kind: "channel", section: "海陵湾口门—吉树作业区", county: Some(4), owner: "阳江港航道建设有限公司", scale: "航道由5万吨级扩建至10万吨级，全长约22公里", total: 152_000.0, start: (-1, 11), months: 30, pace: 1.0, secured: 1.0 },
    Spec { no: 15, name: "漠阳江航道整治工程", kind: "channel", section: "阳春市春城—江城区埠场", county: Some(2), owner: "阳江市港航事务中心", scale: "内河Ⅴ级航道整治约45公里", total: 62_000.0, start: (1, 3), months: 36, pace: 1.0, secured: 0.7 },
    Spec { no: 16, name: "阳江站综合交通枢纽工程", kind: "station", section: "江城区阳江站站前片区", county: Some(0), owner: "阳江市交通建设投资集团有限公司", scale: "建设长途客运站、公交首末站及社会停车场，建筑面积约4.5万平方米", total: 95_000.0, start: (-1, 6), months: 30, pace: 0.8, secured: 0.9 },
];

/// A project placed on the calendar of this demo run.
struct Project {
    spec: &'static Spec,
    code: String,
    start: i32,
    end: i32,
    status: &'static str,
}

impl Project {
    fn place(spec: &'static Spec, today: NaiveDate) -> Project {
        let start = (today.year() + spec.start.0) * 12 + spec.start.1 - 1;
        let end = start + spec.months - 1;
        let last = last_month(today);
        let status = if start > last {
            "preparing"
        } else if end <= last && spec.pace >= 0.95 {
            "completed"
        } else {
            "building"
        };
        Project {
            spec,
            code: format!("XM-{}-{:03}", year_of(start), spec.no),
            start,
            end,
            status,
        }
    }

    /// The planned investment of a month (a flat spread of the total over the duration).
    fn planned_in(&self, index: i32) -> f64 {
        if (self.start..=self.end).contains(&index) {
            self.spec.total / f64::from(self.spec.months)
        } else {
            0.0
        }
    }

    /// The last month works go on: behind-plan projects overrun their planned end.
    fn works_end(&self) -> i32 {
        if self.spec.pace >= 0.95 {
            self.end
        } else {
            self.end + 8
        }
    }
}

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ 0x7072_6f6a_6563_7473);
    let today = ctx.today;
    let (first, last) = (first_month(today), last_month(today));
    let last_day = date_in(last + 1, 1).pred_opt().unwrap_or(today);
    let projects: Vec<Project> = SPECS.iter().map(|s| Project::place(s, today)).collect();

    let mut investments = Vec::new();
    let mut cumulative = Vec::with_capacity(projects.len());
    for p in &projects {
        let mut cum = 0.0;
        // Simulated from the start so the cumulative figure includes the months before the
        // data window; only the window's months become rows.
        for index in p.start..=p.works_end().min(last) {
            let base = p.spec.total / f64::from(p.spec.months);
            let noise = rng.random_range(0.75..1.25);
            let amount = (base * p.spec.pace * noise * construction_season(index))
                .min(p.spec.total - cum)
                .max(0.0);
            let amount = (amount * 100.0).round() / 100.0;
            cum += amount;
            if index >= first {
                let note = if month_of(index) == spring_festival_month(year_of(index)) {
                    Value::from("春节停工")
                } else {
                    Value::Null
                };
                investments.push(row([
                    ("project_id", Value::from(p.spec.name)),
                    ("month", month_value(index)),
                    ("completed", num(amount, 2)),
                    ("note", note),
                ]));
            }
        }
        cumulative.push(cum);
    }

    let project_rows = projects
        .iter()
        .zip(&cumulative)
        .map(|(p, cum)| {
            let note = match p.status {
                "preparing" => "开展前期工作".to_string(),
                _ => format!(
                    "截至{}年{}月累计完成投资{:.2}亿元，占总投资{:.0}%",
                    year_of(last),
                    month_of(last),
                    cum / 10_000.0,
                    cum / p.spec.total * 100.0
                ),
            };
            row([
                ("code", Value::from(p.code.clone())),
                ("name", Value::from(p.spec.name)),
                ("kind", Value::from(p.spec.kind)),
                ("section", Value::from(p.spec.section)),
                ("county_id", p.spec.county.map_or(Value::Null, region)),
                ("owner", Value::from(p.spec.owner)),
                ("scale", Value::from(p.spec.scale)),
                ("total_investment", num(p.spec.total, 2)),
                ("start_date", date_value(date_in(p.start, 15))),
                ("planned_end_date", date_value(date_in(p.end, 28))),
                ("status", Value::from(p.status)),
                ("progress_note", Value::from(note)),
            ])
        })
        .collect();

    let mut plans = Vec::new();
    for year in year_of(first)..=today.year() {
        for p in &projects {
            let planned: f64 = (year * 12..year * 12 + 12).map(|i| p.planned_in(i)).sum();
            // Annual plans are set in whole millions.
            let planned = (planned / 100.0).round() * 100.0;
            if planned > 0.0 {
                plans.push(row([
                    ("project_id", Value::from(p.spec.name)),
                    ("year", Value::from(year)),
                    ("planned_investment", num(planned, 2)),
                    (
                        "targets",
                        Value::from(format!("完成年度投资{:.2}亿元", planned / 10_000.0)),
                    ),
                ]));
            }
        }
    }

    let funding = projects.iter().flat_map(|p| funding_rows(p.spec)).collect();

    let mut approvals = Vec::new();
    let mut milestones = Vec::new();
    for p in &projects {
        approvals.extend(approval_rows(p, last_day, &mut rng));
        milestones.extend(milestone_rows(p, last, &mut rng));
    }

    let subsidies = subsidy_rows(&projects, year_of(first), last_day, &mut rng);

    vec![
        Batch {
            register: "projects",
            rows: project_rows,
        },
        Batch {
            register: "project_plans",
            rows: plans,
        },
        Batch {
            register: "project_investments",
            rows: investments,
        },
        Batch {
            register: "project_funding",
            rows: funding,
        },
        Batch {
            register: "project_approvals",
            rows: approvals,
        },
        Batch {
            register: "project_milestones",
            rows: milestones,
        },
        Batch {
            register: "subsidies",
            rows: subsidies,
        },
    ]
}

/// Planned funding by source; the secured share is short on local sources first (county
/// budget, bonds), which is how trunk-road gaps arise.
fn funding_rows(spec: &Spec) -> Vec<Map<String, Value>> {
    let shares: &[(&str, f64)] = match spec.kind {
        "railway" => &[
            ("province", 0.3),
            ("city", 0.15),
            ("bank_loan", 0.4),
            ("enterprise", 0.15),
        ],
        "expressway" => &[("province", 0.1), ("bank_loan", 0.55), ("enterprise", 0.35)],
        "trunk_road" => &[
            ("ministry", 0.3),
            ("province", 0.25),
            ("city", 0.15),
            ("county", 0.15),
            ("special_bond", 0.15),
        ],
        "rural_road" => &[
            ("ministry", 0.15),
            ("province", 0.35),
            ("city", 0.2),
            ("county", 0.3),
        ],
        "port_berth" => &[("bank_loan", 0.6), ("enterprise", 0.4)],
        "channel" => &[("ministry", 0.5), ("province", 0.3), ("city", 0.2)],
        _ => &[("city", 0.4), ("special_bond", 0.4), ("enterprise", 0.2)],
    };
    let upper = |s: &str| matches!(s, "ministry" | "province");
    let upper_ratio = (spec.secured + 0.25).min(1.0);
    let upper_planned: f64 = shares
        .iter()
        .filter(|(s, _)| upper(s))
        .map(|(_, x)| x)
        .sum();
    let rest_planned = 1.0 - upper_planned;
    let rest_ratio = if rest_planned > 0.0 {
        ((spec.secured - upper_planned * upper_ratio) / rest_planned).clamp(0.0, 1.0)
    } else {
        1.0
    };
    shares
        .iter()
        .map(|&(source, share)| {
            let planned = spec.total * share;
            let ratio = if upper(source) {
                upper_ratio
            } else {
                rest_ratio
            };
            let note = if ratio < 0.999 {
                Value::from("资金尚未全部落实")
            } else {
                Value::Null
            };
            row([
                ("project_id", Value::from(spec.name)),
                ("source", Value::from(source)),
                ("planned", num(planned, 2)),
                ("secured", num(planned * ratio, 2)),
                ("note", note),
            ])
        })
        .collect()
}

fn approval_rows(p: &Project, last_day: NaiveDate, rng: &mut StdRng) -> Vec<Map<String, Value>> {
    let kind = p.spec.kind;
    let road_or_rail = matches!(kind, "railway" | "expressway" | "trunk_road");
    let steps: [(&str, i32, bool); 4] = [
        ("feasibility", -14, true),
        ("preliminary_design", -8, true),
        ("construction_design", -3, kind != "rural_road"),
        ("land", -2, road_or_rail),
    ];
    let mut rows = Vec::new();
    for (approval, offset, applies) in steps {
        let on = date_in(p.start + offset, rng.random_range(5..=26));
        if !applies || on > last_day {
            continue;
        }
        let year = on.year();
        let n = rng.random_range(12..480);
        let (authority, document_no) = match (approval, kind) {
            ("feasibility", "railway" | "expressway") => (
                "广东省发展和改革委员会",
                format!("粤发改基础〔{year}〕{n}号"),
            ),
            ("feasibility", _) => ("阳江市发展和改革局", format!("阳发改审批〔{year}〕{n}号")),
            ("preliminary_design", "railway") => {
                ("中国国家铁路集团有限公司", format!("铁鉴函〔{year}〕{n}号"))
            }
            ("preliminary_design", "port_berth" | "channel") => {
                ("广东省交通运输厅", format!("粤交港函〔{year}〕{n}号"))
            }
            ("preliminary_design", "expressway" | "trunk_road") => {
                ("广东省交通运输厅", format!("粤交基函〔{year}〕{n}号"))
            }
            ("land", _) => ("广东省自然资源厅", format!("粤自然资预审〔{year}〕{n}号")),
            _ => ("阳江市交通运输局", format!("阳交建〔{year}〕{n}号")),
        };
        rows.push(row([
            ("project_id", Value::from(p.spec.name)),
            ("kind", Value::from(approval)),
            ("approved_on", date_value(on)),
            ("document_no", Value::from(document_no)),
            ("authority", Value::from(authority)),
        ]));
    }
    rows
}

fn milestone_rows(p: &Project, last: i32, rng: &mut StdRng) -> Vec<Map<String, Value>> {
    let (middle, finish) = match p.spec.kind {
        "railway" => ("铺轨完成", "开通运营"),
        "expressway" => ("主体工程完工", "建成通车"),
        "trunk_road" => ("路基工程完工", "交工验收"),
        "rural_road" => ("年度建设任务完成", "竣工验收"),
        "port_berth" => ("码头主体结构完工", "投产试运营"),
        "channel" => ("疏浚工程完工", "交工验收"),
        _ => ("主体结构封顶", "投入使用"),
    };
    let on_time = p.spec.pace >= 0.9;
    let points = [
        ("开工", p.start, true),
        (middle, p.end - 6, on_time),
        (finish, p.end, p.status == "completed"),
    ];
    points
        .into_iter()
        .map(|(name, planned, reached)| {
            let planned_date = date_in(planned, 28);
            let actual = date_in(planned, rng.random_range(3..=28));
            let done = reached && planned <= last;
            let note = if !done && planned <= last {
                Value::from("进度滞后")
            } else {
                Value::Null
            };
            row([
                ("project_id", Value::from(p.spec.name)),
                ("name", Value::from(name)),
                ("planned_date", date_value(planned_date)),
                (
                    "actual_date",
                    if done {
                        date_value(actual)
                    } else {
                        Value::Null
                    },
                ),
                ("note", note),
            ])
        })
        .collect()
}

/// A subsidy issued every year: who issues it, for which project, in which month, how much.
struct Subsidy {
    level: &'static str,
    name: &'static str,
    /// `Spec::no` of the project it is for.
    project: Option<u32>,
    month: i32,
    /// 万元
    amount: (f64, f64),
}

#[rustfmt::skip]
const SUBSIDIES: &[Subsidy] = &[
    Subsidy { level: "ministry", name: "车购税资金（普通国省干线公路）", project: Some(6), month: 4, amount: (8_000.0, 20_000.0) },
    Subsidy { level: "ministry", name: "车购税资金（农村公路）", project: Some(10), month: 5, amount: (5_000.0, 9_000.0) },
    Subsidy { level: "ministry", name: "港口建设费（沿海航道）", project: Some(14), month: 8, amount: (6_000.0, 12_000.0) },
    Subsidy { level: "province", name: "省级交通运输专项资金（四好农村路）", project: Some(10), month: 3, amount: (8_000.0, 15_000.0) },
    Subsidy { level: "province", name: "省级交通运输专项资金（普通国省道）", project: Some(8), month: 6, amount: (4_000.0, 9_000.0) },
    Subsidy { level: "province", name: "省级危桥改造补助资金", project: None, month: 7, amount: (1_500.0, 3_000.0) },
    Subsidy { level: "province", name: "省级港航建设补助资金", project: Some(11), month: 9, amount: (2_000.0, 5_000.0) },
    Subsidy { level: "province", name: "省级综合客运枢纽补助资金", project: Some(16), month: 10, amount: (1_000.0, 3_000.0) },
];

fn subsidy_rows(
    projects: &[Project],
    first_year: i32,
    last_day: NaiveDate,
    rng: &mut StdRng,
) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    for year in first_year..=last_day.year() {
        for &Subsidy {
            level,
            name,
            project,
            month,
            amount: (lo, hi),
        } in SUBSIDIES
        {
            let received = date_in(year * 12 + month - 1, rng.random_range(8..=26));
            let amount = (rng.random_range(lo..hi) / 10.0).round() * 10.0;
            let project = project.and_then(|no| projects.iter().find(|p| p.spec.no == no));
            // Only subsidies for projects already under way, and only those issued so far.
            if received > last_day || project.is_some_and(|p| p.start > month_index(received)) {
                continue;
            }
            let doc = match level {
                "ministry" => format!("财建〔{year}〕{}号", rng.random_range(100..900)),
                _ => format!("粤财建〔{year}〕{}号", rng.random_range(10..300)),
            };
            rows.push(row([
                ("year", Value::from(year)),
                ("level", Value::from(level)),
                ("name", Value::from(name)),
                (
                    "project_id",
                    project.map_or(Value::Null, |p| Value::from(p.spec.name)),
                ),
                ("amount", num(amount, 2)),
                ("document_no", Value::from(doc)),
                ("received_on", date_value(received)),
            ]));
        }
    }
    rows
}

/// Checks shared by the generators' tests.
#[cfg(test)]
pub(super) mod check {
    use std::collections::BTreeSet;

    use chrono::{Datelike, NaiveDate};
    use serde_json::Value;

    use super::super::{Batch, Ctx};
    use crate::fleet::DemoFleet;

    /// The dates the tests run the generators at: late in the year, in January (the
    /// window must still reach 18 months) and mid-year.
    pub const TODAYS: [(i32, u32, u32); 3] = [(2026, 11, 26), (2026, 1, 5), (2025, 7, 1)];

    pub fn run(generate: fn(&Ctx) -> Vec<Batch>, seed: u64, today: NaiveDate) -> Vec<Batch> {
        let fleet = DemoFleet {
            enterprises: Vec::new(),
            vehicles: Vec::new(),
        };
        generate(&Ctx {
            seed,
            today,
            fleet: &fleet,
        })
    }

    pub fn day(ymd: (i32, u32, u32)) -> NaiveDate {
        NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).expect("a valid test date")
    }

    /// Same seed, same rows; another seed, other rows.
    pub fn deterministic(generate: fn(&Ctx) -> Vec<Batch>) {
        let today = day(TODAYS[0]);
        let a = run(generate, 7, today);
        let b = run(generate, 7, today);
        let c = run(generate, 8, today);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.register, y.register);
            assert_eq!(x.rows, y.rows, "{}", x.register);
        }
        assert!(a.iter().zip(&c).any(|(x, y)| x.rows != y.rows));
    }

    pub fn batch<'a>(batches: &'a [Batch], register: &str) -> &'a Batch {
        batches
            .iter()
            .find(|b| b.register == register)
            .unwrap_or_else(|| panic!("no batch {register}"))
    }

    /// Every month from the window's first to the month before `today` has rows, none later.
    pub fn covers_months(batches: &[Batch], register: &str, today: NaiveDate) {
        let seen: BTreeSet<String> = batch(batches, register)
            .rows
            .iter()
            .map(|r| r["month"].as_str().expect("month is a string").to_string())
            .collect();
        let want: BTreeSet<String> = super::months(today)
            .map(|i| {
                super::month_value(i)
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert!(want.len() >= 18);
        assert!(super::first_month(today) <= (today.year() - 1) * 12);
        assert_eq!(seen, want, "{register}");
    }

    /// Every number is finite and ≥ 0, every row non-empty and carrying the `keys`.
    pub fn numbers_ok(batches: &[Batch], keys: &[(&str, &[&str])]) {
        for b in batches {
            assert!(!b.rows.is_empty(), "{} has no rows", b.register);
            for r in &b.rows {
                for (k, v) in r {
                    if let Value::Number(n) = v {
                        let x = n.as_f64().unwrap_or(f64::NAN);
                        assert!(x.is_finite() && x >= 0.0, "{}.{k} = {v}", b.register);
                    }
                }
            }
        }
        for (register, required) in keys {
            for r in &batch(batches, register).rows {
                for k in *required {
                    assert!(r.contains_key(*k), "{register} row without {k}: {r:?}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn same_seed_same_rows() {
        check::deterministic(super::generate);
    }

    #[test]
    fn covers_the_window_with_sane_numbers() {
        for ymd in check::TODAYS {
            let today = check::day(ymd);
            let batches = check::run(super::generate, 1, today);
            check::covers_months(&batches, "project_investments", today);
            check::numbers_ok(
                &batches,
                &[
                    (
                        "projects",
                        &["code", "name", "kind", "total_investment", "status"],
                    ),
                    (
                        "project_plans",
                        &["project_id", "year", "planned_investment"],
                    ),
                    ("project_investments", &["project_id", "month", "completed"]),
                    ("project_funding", &["project_id", "source", "secured"]),
                    ("project_approvals", &["project_id", "kind", "approved_on"]),
                    ("subsidies", &["year", "level", "name", "amount"]),
                ],
            );
        }
    }

    #[test]
    fn some_projects_behind_plan_and_some_trunk_roads_short_of_funds() {
        let today = check::day(check::TODAYS[0]);
        let batches = check::run(super::generate, 3, today);
        let funding = &check::batch(&batches, "project_funding").rows;
        let short = funding
            .iter()
            .filter(|r| r["secured"].as_f64() < r["planned"].as_f64())
            .filter_map(|r| r["project_id"].as_str())
            .collect::<std::collections::BTreeSet<_>>();
        assert!(
            short
                .iter()
                .filter(|n| n.contains("国道") || n.contains("省道"))
                .count()
                >= 2
        );
    }
}
