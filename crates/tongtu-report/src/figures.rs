//! Every figure of the half-year report (DOMAIN.md "Figures of the half-year report"),
//! defined once: id, label, unit, precision, period semantics, the records it is computed
//! from, and its query. A query is `SELECT <value> FROM <from>`; the same `<from>` counted
//! gives the number of records behind the figure, so every number in the report can show
//! where it comes from. Parameters are written `:name` (see [`crate::period::Period::param`])
//! and bound positionally, so the SQL runs on SQLite and PostgreSQL alike.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sqlx::{Row, SqlitePool};

use crate::period::{ParamValue, Period};

/// What period a figure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Semantics {
    /// The half year.
    Half,
    /// January to the end of the half year.
    YearToDate,
    /// The state at the end of the half year.
    OnDate,
    /// Change against the same half of the previous year, %.
    YoY,
    /// The whole year (plans and targets).
    Year,
}

impl Semantics {
    pub fn zh(&self) -> &'static str {
        match self {
            Semantics::Half => "本期",
            Semantics::YearToDate => "年初至期末",
            Semantics::OnDate => "截至期末",
            Semantics::YoY => "同比",
            Semantics::Year => "全年",
        }
    }
}

/// The report's sections, in order.
pub const SECTIONS: &[(&str, &str)] = &[
    ("epidemic", "疫情防控和复工复产"),
    ("planning", "规划编制和资金争取"),
    ("projects", "重点项目建设"),
    ("livelihood", "民生实事和出行服务"),
    ("economy", "交通运输经济运行"),
    ("safety", "安全生产和行业治理"),
    ("problems", "存在问题"),
    ("targets", "下半年工作安排"),
];

/// One figure.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub id: &'static str,
    pub section: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub precision: u8,
    pub semantics: Semantics,
    /// The register (`records` key) or table the records come from, for links.
    pub source: &'static str,
    /// Which records, in words.
    pub filter: &'static str,
    /// `FROM … WHERE …` of the records behind the figure.
    pub from: &'static str,
    /// The value over those records.
    pub value: &'static str,
    /// Whether zero records is a true zero (events that did not happen) rather than
    /// missing data (a register nobody filled in for the period).
    pub zero_when_empty: bool,
    /// The value is a date (the query returns `YYYY-MM-DD`); it is kept as the number
    /// `YYYYMMDD` and printed `3月18日`.
    pub date: bool,
    /// Why a NULL value over existing records is missing, when "cannot be computed" is not
    /// the reason (a date that has not come yet).
    pub null_means: Option<&'static str>,
}

// One positional argument per column of the figure table below: the table reads as a
// table, which a builder would not.
#[allow(clippy::too_many_arguments)]
const fn fig(
    id: &'static str,
    section: &'static str,
    label: &'static str,
    unit: &'static str,
    precision: u8,
    semantics: Semantics,
    source: &'static str,
    filter: &'static str,
    from: &'static str,
    value: &'static str,
) -> Figure {
    Figure {
        id,
        section,
        label,
        unit,
        precision,
        semantics,
        source,
        filter,
        from,
        value,
        zero_when_empty: false,
        date: false,
        null_means: None,
    }
}

impl Figure {
    /// Zero records is zero events, not missing data.
    const fn events(mut self) -> Figure {
        self.zero_when_empty = true;
        self
    }

    /// A date figure; `null_means` says why it may have no value.
    const fn date(mut self, null_means: &'static str) -> Figure {
        self.date = true;
        self.null_means = Some(null_means);
        self
    }
}

use Semantics::*;

/// Rows of `rec_transport_stats` for a mode over this half and the same half last year.
macro_rules! yoy {
    ($col:literal) => {
        concat!(
            "(SUM(CASE WHEN month >= :from_month THEN ",
            $col,
            " END) - SUM(CASE WHEN month <= :prev_to_month THEN ",
            $col,
            " END)) ",
            "* 100.0 / NULLIF(SUM(CASE WHEN month <= :prev_to_month THEN ",
            $col,
            " END), 0)"
        )
    };
}

#[rustfmt::skip]
pub const FIGURES: &[Figure] = &[
    // 1. Epidemic and resumption work
    fig("checkpoints_total", "epidemic", "联防联控检查点", "个", 0, Half, "checkpoints", "本期内设立或在岗的检查点",
        "rec_checkpoints WHERE start_date <= :to_date AND (end_date IS NULL OR end_date >= :from_date)", "COUNT(*)").events(),
    fig("checkpoints_expressway", "epidemic", "高速公路出口及服务区检查点", "个", 0, Half, "checkpoints", "类型为高速公路出口、服务区",
        "rec_checkpoints WHERE site_type IN ('expressway_exit', 'service_area') AND start_date <= :to_date AND (end_date IS NULL OR end_date >= :from_date)", "COUNT(*)").events(),
    fig("checkpoints_trunk", "epidemic", "国省干线检查点", "个", 0, Half, "checkpoints", "类型为国省干线检查点",
        "rec_checkpoints WHERE site_type = 'trunk_checkpoint' AND start_date <= :to_date AND (end_date IS NULL OR end_date >= :from_date)", "COUNT(*)").events(),
    fig("checkpoints_stations_port", "epidemic", "客运站和港口码头检查点", "个", 0, Half, "checkpoints", "类型为汽车客运站、港口码头",
        "rec_checkpoints WHERE site_type IN ('station', 'port') AND start_date <= :to_date AND (end_date IS NULL OR end_date >= :from_date)", "COUNT(*)").events(),
    fig("checkpoints_hours", "epidemic", "检查点累计值守", "小时", 0, Half, "checkpoints", "本期内在岗检查点的值守时长",
        "rec_checkpoints WHERE start_date <= :to_date AND (end_date IS NULL OR end_date >= :from_date)", "SUM(staffed_hours)"),
    fig("checkpoints_kept", "epidemic", "常态化保留检查点", "个", 0, OnDate, "checkpoints", "标记为常态化保留",
        "rec_checkpoints WHERE kept = 1 AND start_date <= :to_date", "COUNT(*)").events(),
    fig("charter_trips", "epidemic", "“点对点”包车", "车次", 0, Half, "charter_trips", "本期出车",
        "rec_charter_trips WHERE date >= :from_date AND date <= :to_date", "SUM(vehicles)"),
    fig("charter_passengers", "epidemic", "“点对点”运送务工人员", "人次", 0, Half, "charter_trips", "本期出车",
        "rec_charter_trips WHERE date >= :from_date AND date <= :to_date", "SUM(passengers)"),
    fig("measures_issued", "epidemic", "出台防控和复工复产措施文件", "份", 0, Half, "work_log", "大事记中标签含防疫或复工复产的发文",
        "rec_work_log WHERE kind = 'document' AND (tags LIKE '%防疫%' OR tags LIKE '%复工%') AND date >= :from_date AND date <= :to_date", "COUNT(*)").events(),
    fig("pilotage_key_jobs", "epidemic", "为重点企业引航", "艘次", 0, Half, "pilotage_jobs", "重点企业的引航作业",
        "rec_pilotage_jobs WHERE key_enterprise = 1 AND date >= :from_date AND date <= :to_date", "COUNT(*)").events(),
    fig("pilotage_key_tonnes", "epidemic", "重点企业引航船舶总吨", "万总吨", 2, Half, "pilotage_jobs", "重点企业的引航作业",
        "rec_pilotage_jobs WHERE key_enterprise = 1 AND date >= :from_date AND date <= :to_date", "SUM(gross_tonnage) / 10000.0"),
    fig("resumption_rate", "epidemic", "复工复产率", "%", 1, OnDate, "resumption_progress", "本年各行业截至期末最近一次填报，已复工 / 应复工",
        "rec_resumption_progress r WHERE r.report_date >= :year_start AND r.report_date = (SELECT MAX(x.report_date) FROM rec_resumption_progress x WHERE x.sector = r.sector AND x.report_date >= :year_start AND x.report_date <= :to_date)",
        "SUM(r.resumed) * 100.0 / NULLIF(SUM(r.total), 0)"),
    // The first report date on which every sector that had reported by then was fully back.
    fig("resumption_full_date", "epidemic", "复工复产率达到100%的日期", "", 0, OnDate, "resumption_progress", "本年填报中各行业均已全部复工的最早填报日",
        "rec_resumption_progress r WHERE r.report_date >= :year_start AND r.report_date <= :to_date",
        "MIN(CASE WHEN NOT EXISTS (SELECT 1 FROM rec_resumption_progress l WHERE l.resumed < l.total AND l.report_date = (SELECT MAX(m.report_date) FROM rec_resumption_progress m WHERE m.sector = l.sector AND m.report_date >= :year_start AND m.report_date <= r.report_date)) THEN r.report_date END)")
        .date("截至期末复工复产率尚未达到100%"),
    // 2. Planning and funding
    fig("planning_milestones", "planning", "规划编制节点", "项", 0, Half, "work_log", "大事记中的规划编制节点",
        "rec_work_log WHERE kind = 'planning' AND date >= :from_date AND date <= :to_date", "COUNT(*)").events(),
    fig("subsidies_total", "planning", "争取部、省补助资金", "万元", 0, Year, "subsidies", "本年度下达的部、省补助",
        "rec_subsidies WHERE year = :year", "SUM(amount)"),
    fig("subsidies_ministry", "planning", "其中交通运输部补助", "万元", 0, Year, "subsidies", "本年度交通运输部下达",
        "rec_subsidies WHERE year = :year AND level = 'ministry'", "SUM(amount)"),
    // 3. Key projects
    fig("investment_completed", "projects", "重点项目完成投资", "亿元", 2, YearToDate, "project_investments", "1月至期末各项目月度完成投资",
        "rec_project_investments WHERE month >= :year_first_month AND month <= :to_month", "SUM(completed) / 10000.0"),
    fig("investment_plan", "projects", "重点项目年度计划投资", "亿元", 2, Year, "project_plans", "本年度各项目计划投资",
        "rec_project_plans WHERE year = :year", "SUM(planned_investment) / 10000.0"),
    fig("investment_plan_pct", "projects", "完成年度计划", "%", 1, YearToDate, "project_investments", "1月至期末完成投资 / 年度计划",
        "rec_project_investments WHERE month >= :year_first_month AND month <= :to_month",
        "SUM(completed) * 100.0 / NULLIF((SELECT SUM(planned_investment) FROM rec_project_plans WHERE year = :year), 0)"),
    fig("investment_railway", "projects", "铁路项目完成投资", "亿元", 2, YearToDate, "project_investments", "铁路项目",
        "rec_project_investments i JOIN rec_projects p ON p.id = i.project_id WHERE p.kind = 'railway' AND i.month >= :year_first_month AND i.month <= :to_month", "SUM(i.completed) / 10000.0"),
    fig("investment_expressway", "projects", "高速公路项目完成投资", "亿元", 2, YearToDate, "project_investments", "高速公路项目",
        "rec_project_investments i JOIN rec_projects p ON p.id = i.project_id WHERE p.kind = 'expressway' AND i.month >= :year_first_month AND i.month <= :to_month", "SUM(i.completed) / 10000.0"),
    fig("investment_trunk", "projects", "国省干线公路项目完成投资", "亿元", 2, YearToDate, "project_investments", "国省干线公路项目",
        "rec_project_investments i JOIN rec_projects p ON p.id = i.project_id WHERE p.kind = 'trunk_road' AND i.month >= :year_first_month AND i.month <= :to_month", "SUM(i.completed) / 10000.0"),
    fig("investment_port", "projects", "港口航道项目完成投资", "亿元", 2, YearToDate, "project_investments", "港口码头和航道项目",
        "rec_project_investments i JOIN rec_projects p ON p.id = i.project_id WHERE p.kind IN ('port_berth', 'channel') AND i.month >= :year_first_month AND i.month <= :to_month", "SUM(i.completed) / 10000.0"),
    fig("approvals_projects", "projects", "取得工可或设计批复的项目", "个", 0, Half, "project_approvals", "本期批复",
        "rec_project_approvals WHERE approved_on >= :from_date AND approved_on <= :to_date", "COUNT(DISTINCT project_id)").events(),
    fig("rural_investment", "projects", "农村公路建设完成投资", "万元", 0, Half, "rural_road_projects", "本年度农村公路项目",
        "rec_rural_road_projects WHERE year = :year", "SUM(completed_investment)"),
    fig("rural_km_completed", "projects", "农村公路建设完成里程", "公里", 1, Half, "rural_road_projects", "本年度农村公路项目",
        "rec_rural_road_projects WHERE year = :year", "SUM(completed_km)"),
    fig("villages_connected", "projects", "新增通硬化路自然村（100人以上）", "个", 0, Half, "village_roads", "本期通硬化路、人口100人以上",
        "rec_village_roads WHERE population >= 100 AND connected_on >= :from_date AND connected_on <= :to_date", "COUNT(*)").events(),
    fig("unpaved_km_remaining", "projects", "未硬化道路剩余里程", "公里", 1, OnDate, "unpaved_roads", "各县区最近一次填报（期末前）",
        "rec_unpaved_roads u WHERE as_of = (SELECT MAX(as_of) FROM rec_unpaved_roads x WHERE x.county_id = u.county_id AND x.as_of <= :to_date)", "SUM(remaining_km)"),
    fig("berths_building", "projects", "在建码头泊位", "个", 0, OnDate, "berths", "期末在建",
        "rec_berths WHERE status = 'building' AND (start_date IS NULL OR start_date <= :to_date)", "COUNT(*)").events(),
    fig("port_investment", "projects", "港口建设完成投资", "亿元", 2, Half, "project_investments", "港口码头项目本期完成投资",
        "rec_project_investments i JOIN rec_projects p ON p.id = i.project_id WHERE p.kind = 'port_berth' AND i.month >= :from_month AND i.month <= :to_month", "SUM(i.completed) / 10000.0"),
    // 4. Livelihood and services
    fig("dangerous_bridges", "livelihood", "四、五类危桥", "座", 0, OnDate, "bridges", "技术状况四类、五类或列入加固改造",
        "rec_bridges b WHERE condition_class IN ('class4', 'class5') OR EXISTS (SELECT 1 FROM rec_bridge_reinforcements r WHERE r.bridge_id = b.id AND r.start_date <= :to_date)", "COUNT(*)").events(),
    fig("bridges_reinforced", "livelihood", "危桥加固改造已完工", "座", 0, OnDate, "bridge_reinforcements", "期末前完工",
        "rec_bridge_reinforcements WHERE status = 'done' AND completion_date <= :to_date", "COUNT(DISTINCT bridge_id)").events(),
    fig("bridges_in_progress", "livelihood", "危桥加固改造在建", "座", 0, OnDate, "bridge_reinforcements", "期末已开工、未完工（含期末后完工的）",
        "rec_bridge_reinforcements WHERE start_date <= :to_date AND (status = 'in_progress' OR (status = 'done' AND completion_date > :to_date))", "COUNT(DISTINCT bridge_id)").events(),
    fig("good_rate_county", "livelihood", "县道优良路率", "%", 1, Year, "pavement_surveys", "本年度县道检测",
        "rec_pavement_surveys WHERE road_class = 'county' AND year = :year", "SUM(CASE WHEN grade IN ('excellent', 'good') THEN length_km ELSE 0 END) * 100.0 / NULLIF(SUM(length_km), 0)"),
    fig("good_rate_township", "livelihood", "乡道优良路率", "%", 1, Year, "pavement_surveys", "本年度乡道检测",
        "rec_pavement_surveys WHERE road_class = 'township' AND year = :year", "SUM(CASE WHEN grade IN ('excellent', 'good') THEN length_km ELSE 0 END) * 100.0 / NULLIF(SUM(length_km), 0)"),
    fig("bus_routes_total", "livelihood", "运营公交线路", "条", 0, OnDate, "bus_routes", "期末运营",
        "rec_bus_routes WHERE status = 'operating' AND (opened_on IS NULL OR opened_on <= :to_date)", "COUNT(*)").events(),
    fig("bus_routes_regular", "livelihood", "常规公交线路", "条", 0, OnDate, "bus_routes", "常规公交",
        "rec_bus_routes WHERE route_type = 'regular' AND status = 'operating' AND (opened_on IS NULL OR opened_on <= :to_date)", "COUNT(*)").events(),
    fig("bus_routes_special", "livelihood", "专线公交线路", "条", 0, OnDate, "bus_routes", "专线公交",
        "rec_bus_routes WHERE route_type = 'special' AND status = 'operating' AND (opened_on IS NULL OR opened_on <= :to_date)", "COUNT(*)").events(),
    fig("bus_routes_village", "livelihood", "建制村通客车公交化线路", "条", 0, OnDate, "bus_routes", "建制村通客车公交化",
        "rec_bus_routes WHERE route_type = 'village' AND status = 'operating' AND (opened_on IS NULL OR opened_on <= :to_date)", "COUNT(*)").events(),
    fig("bus_routes_custom", "livelihood", "定制公交线路", "条", 0, OnDate, "bus_routes", "定制公交",
        "rec_bus_routes WHERE route_type = 'custom' AND status = 'operating' AND (opened_on IS NULL OR opened_on <= :to_date)", "COUNT(*)").events(),
    fig("stations_online_ticketing", "livelihood", "实现联网售票的客运站", "个", 0, OnDate, "stations", "联网售票",
        "rec_stations WHERE online_ticketing = 1", "COUNT(*)").events(),
    fig("online_tickets", "livelihood", "客运站联网售票", "张", 0, Half, "station_daily", "本期客运站日报",
        "rec_station_daily WHERE date >= :from_date AND date <= :to_date", "SUM(online_tickets)"),
    fig("through_tickets_sold", "livelihood", "一票式联程产品售票", "张", 0, OnDate, "through_tickets", "已推出的联程产品",
        "rec_through_tickets WHERE launched_on IS NULL OR launched_on <= :to_date", "SUM(tickets_sold)"),
    fig("stations_cloud", "livelihood", "接入客运站云平台（实时客流）的客运站", "个", 0, OnDate, "stations", "接入实时客流",
        "rec_stations WHERE realtime_data = 1", "COUNT(*)").events(),
    // 5. Transport economy
    fig("road_passengers", "economy", "公路客运量", "万人次", 1, Half, "transport_stats", "公路，本期各月",
        "rec_transport_stats WHERE mode = 'road' AND month >= :from_month AND month <= :to_month", "SUM(passenger_volume)"),
    fig("road_passengers_yoy", "economy", "公路客运量同比", "%", 1, YoY, "transport_stats", "公路，本期与上年同期",
        "rec_transport_stats WHERE mode = 'road' AND ((month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month))", yoy!("passenger_volume")),
    fig("road_passenger_km", "economy", "公路旅客周转量", "万人公里", 1, Half, "transport_stats", "公路，本期各月",
        "rec_transport_stats WHERE mode = 'road' AND month >= :from_month AND month <= :to_month", "SUM(passenger_km)"),
    fig("road_freight", "economy", "公路货运量", "万吨", 1, Half, "transport_stats", "公路，本期各月",
        "rec_transport_stats WHERE mode = 'road' AND month >= :from_month AND month <= :to_month", "SUM(freight_volume)"),
    fig("road_freight_yoy", "economy", "公路货运量同比", "%", 1, YoY, "transport_stats", "公路，本期与上年同期",
        "rec_transport_stats WHERE mode = 'road' AND ((month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month))", yoy!("freight_volume")),
    fig("road_freight_recovery", "problems", "公路货运量恢复至基准年同期", "%", 1, Half, "transport_stats", "公路，本期与基准年（疫情前，默认2019年）同期",
        "rec_transport_stats WHERE mode = 'road' AND ((month >= :from_month AND month <= :to_month) OR (month >= :base_from_month AND month <= :base_to_month))",
        "SUM(CASE WHEN month >= :from_month THEN freight_volume END) * 100.0 / NULLIF(SUM(CASE WHEN month <= :base_to_month THEN freight_volume END), 0)"),
    fig("road_passengers_recovery", "problems", "公路客运量恢复至基准年同期", "%", 1, Half, "transport_stats", "公路，本期与基准年（疫情前，默认2019年）同期",
        "rec_transport_stats WHERE mode = 'road' AND ((month >= :from_month AND month <= :to_month) OR (month >= :base_from_month AND month <= :base_to_month))",
        "SUM(CASE WHEN month >= :from_month THEN passenger_volume END) * 100.0 / NULLIF(SUM(CASE WHEN month <= :base_to_month THEN passenger_volume END), 0)"),
    fig("road_tonne_km", "economy", "公路货物周转量", "万吨公里", 1, Half, "transport_stats", "公路，本期各月",
        "rec_transport_stats WHERE mode = 'road' AND month >= :from_month AND month <= :to_month", "SUM(tonne_km)"),
    fig("water_passengers", "economy", "水路客运量", "万人次", 1, Half, "transport_stats", "水路，本期各月",
        "rec_transport_stats WHERE mode = 'waterway' AND month >= :from_month AND month <= :to_month", "SUM(passenger_volume)"),
    fig("water_passengers_yoy", "economy", "水路客运量同比", "%", 1, YoY, "transport_stats", "水路，本期与上年同期",
        "rec_transport_stats WHERE mode = 'waterway' AND ((month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month))", yoy!("passenger_volume")),
    fig("water_passenger_km", "economy", "水路旅客周转量", "万人公里", 1, Half, "transport_stats", "水路，本期各月",
        "rec_transport_stats WHERE mode = 'waterway' AND month >= :from_month AND month <= :to_month", "SUM(passenger_km)"),
    fig("water_freight", "economy", "水路货运量", "万吨", 1, Half, "transport_stats", "水路，本期各月",
        "rec_transport_stats WHERE mode = 'waterway' AND month >= :from_month AND month <= :to_month", "SUM(freight_volume)"),
    fig("water_freight_yoy", "economy", "水路货运量同比", "%", 1, YoY, "transport_stats", "水路，本期与上年同期",
        "rec_transport_stats WHERE mode = 'waterway' AND ((month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month))", yoy!("freight_volume")),
    fig("water_tonne_km", "economy", "水路货物周转量", "万吨公里", 1, Half, "transport_stats", "水路，本期各月",
        "rec_transport_stats WHERE mode = 'waterway' AND month >= :from_month AND month <= :to_month", "SUM(tonne_km)"),
    fig("water_tonne_km_yoy", "economy", "水路货物周转量同比", "%", 1, YoY, "transport_stats", "水路，本期与上年同期",
        "rec_transport_stats WHERE mode = 'waterway' AND ((month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month))", yoy!("tonne_km")),
    fig("rail_freight", "economy", "铁路货运量", "万吨", 1, Half, "transport_stats", "铁路，本期各月",
        "rec_transport_stats WHERE mode = 'railway' AND month >= :from_month AND month <= :to_month", "SUM(freight_volume)"),
    fig("rail_tonne_km", "economy", "铁路货物周转量", "万吨公里", 1, Half, "transport_stats", "铁路，本期各月",
        "rec_transport_stats WHERE mode = 'railway' AND month >= :from_month AND month <= :to_month", "SUM(tonne_km)"),
    fig("port_throughput", "economy", "港口货物吞吐量", "万吨", 1, Half, "port_throughput", "本期各月、各港区、各货类",
        "rec_port_throughput WHERE month >= :from_month AND month <= :to_month", "SUM(tonnes)"),
    fig("port_throughput_yoy", "economy", "港口货物吞吐量同比", "%", 1, YoY, "port_throughput", "本期与上年同期",
        "rec_port_throughput WHERE (month >= :from_month AND month <= :to_month) OR (month >= :prev_from_month AND month <= :prev_to_month)", yoy!("tonnes")),
    // 6. Safety and enforcement (vehicle supervision from the registry and alarms)
    fig("key_vehicles", "safety", "重点营运车辆", "辆", 0, OnDate, "vehicles", "营运状态的两客一危和重型货车",
        "vehicles WHERE status = 'active'", "COUNT(*)").events(),
    fig("key_vehicles_passenger", "safety", "其中客运车辆", "辆", 0, OnDate, "vehicles", "班线客车、旅游包车",
        "vehicles WHERE status = 'active' AND vehicle_class IN ('coach', 'charter_bus')", "COUNT(*)").events(),
    fig("key_vehicles_freight", "safety", "其中货运车辆", "辆", 0, OnDate, "vehicles", "危险货物运输车、重型货车、半挂牵引车",
        "vehicles WHERE status = 'active' AND vehicle_class IN ('hazmat', 'heavy_truck', 'tractor')", "COUNT(*)").events(),
    fig("key_vehicles_gps", "safety", "安装卫星定位装置并接入平台的车辆", "辆", 0, OnDate, "vehicles", "绑定在用终端",
        "vehicles v WHERE v.status = 'active' AND EXISTS (SELECT 1 FROM terminals t WHERE t.vehicle_id = v.id AND t.active = 1)", "COUNT(*)").events(),
    fig("alarms_total", "safety", "动态监控报警", "起", 0, Half, "alarms", "本期产生的报警",
        "alarms WHERE start_ms >= :from_ms AND start_ms < :to_ms", "COUNT(*)").events(),
    fig("alarms_handled", "safety", "已处置报警", "起", 0, Half, "alarms", "本期报警中已处置或已结案",
        "alarms WHERE start_ms >= :from_ms AND start_ms < :to_ms AND state NOT IN ('new', 'overdue')", "COUNT(*)").events(),
    fig("trainings", "safety", "举办培训", "期", 0, Half, "trainings", "本期开班",
        "rec_trainings WHERE start_date >= :from_date AND start_date <= :to_date", "COUNT(*)").events(),
    fig("trainees", "safety", "培训人员", "人次", 0, Half, "trainings", "本期开班",
        "rec_trainings WHERE start_date >= :from_date AND start_date <= :to_date", "SUM(attendees)"),
    fig("fatal_accidents", "safety", "道路运输较大以上及亡人事故", "起", 0, Half, "accidents", "本期死亡人数大于0的道路运输事故",
        "rec_accidents WHERE deaths > 0 AND transport_kind <> 'waterway' AND occurred_on >= :from_date AND occurred_on <= :to_date", "COUNT(*)").events(),
    fig("accident_deaths", "safety", "道路运输事故死亡", "人", 0, Half, "accidents", "本期道路运输事故",
        "rec_accidents WHERE transport_kind <> 'waterway' AND occurred_on >= :from_date AND occurred_on <= :to_date", "SUM(deaths)").events(),
    fig("fatal_passenger", "safety", "其中道路旅客运输亡人事故", "起", 0, Half, "accidents", "本期道路旅客运输、公交、出租汽车亡人事故",
        "rec_accidents WHERE deaths > 0 AND transport_kind IN ('road_passenger', 'bus', 'taxi') AND occurred_on >= :from_date AND occurred_on <= :to_date", "COUNT(*)").events(),
    fig("fatal_freight", "safety", "其中道路货物运输亡人事故", "起", 0, Half, "accidents", "本期道路普通货物运输亡人事故",
        "rec_accidents WHERE deaths > 0 AND transport_kind = 'road_freight' AND occurred_on >= :from_date AND occurred_on <= :to_date", "COUNT(*)").events(),
    fig("fatal_hazmat", "safety", "其中危险货物运输亡人事故", "起", 0, Half, "accidents", "本期道路危险货物运输亡人事故",
        "rec_accidents WHERE deaths > 0 AND transport_kind = 'hazmat' AND occurred_on >= :from_date AND occurred_on <= :to_date", "COUNT(*)").events(),
    fig("enforcement_personnel", "safety", "出动执法人员", "人次", 0, Half, "patrol_logs", "本期巡查日志",
        "rec_patrol_logs WHERE date >= :from_date AND date <= :to_date", "SUM(personnel_times)"),
    fig("enforcement_vehicles", "safety", "出动执法车辆", "台次", 0, Half, "patrol_logs", "本期巡查日志",
        "rec_patrol_logs WHERE date >= :from_date AND date <= :to_date", "SUM(vehicle_times)"),
    fig("vehicles_inspected", "safety", "检查车辆", "辆次", 0, Half, "patrol_logs", "本期巡查日志",
        "rec_patrol_logs WHERE date >= :from_date AND date <= :to_date", "SUM(vehicles_inspected)"),
    fig("cases_total", "safety", "查处案件", "宗", 0, Half, "enforcement_cases", "本期立案",
        "rec_enforcement_cases WHERE filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    fig("cases_road_transport", "safety", "其中道路运政案件", "宗", 0, Half, "enforcement_cases", "道路运政",
        "rec_enforcement_cases WHERE case_type = 'road_transport' AND filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    fig("cases_highway", "safety", "其中公路路政案件", "宗", 0, Half, "enforcement_cases", "公路路政",
        "rec_enforcement_cases WHERE case_type = 'highway_admin' AND filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    fig("cases_dynamic", "safety", "通过动态监控查处违法违规", "宗", 0, Half, "enforcement_cases", "来源为动态监控发现",
        "rec_enforcement_cases WHERE source = 'dynamic_monitoring' AND filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    fig("cases_dynamic_shielding", "safety", "屏蔽信号、篡改数据", "宗", 0, Half, "enforcement_cases", "动态监控发现的屏蔽信号或篡改数据",
        "rec_enforcement_cases WHERE source = 'dynamic_monitoring' AND violation IN ('signal_shielding', 'data_tampering') AND filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    fig("cases_dynamic_speeding", "safety", "超速、疲劳驾驶和夜间违规行驶", "宗", 0, Half, "enforcement_cases", "动态监控发现的超速、疲劳、夜间禁行",
        "rec_enforcement_cases WHERE source = 'dynamic_monitoring' AND violation IN ('speeding', 'fatigue', 'night_ban') AND filed_on >= :from_date AND filed_on <= :to_date", "COUNT(*)").events(),
    // 7. Problems
    fig("trunk_total_investment", "problems", "国省道项目总投资", "亿元", 2, OnDate, "projects", "国省干线公路项目",
        "rec_projects WHERE kind = 'trunk_road'", "SUM(total_investment) / 10000.0"),
    fig("trunk_funding_gap", "problems", "国省道项目资金缺口", "亿元", 2, OnDate, "project_funding", "总投资 − 已落实资金",
        "rec_projects p WHERE p.kind = 'trunk_road'",
        "SUM(MAX(p.total_investment - COALESCE((SELECT SUM(f.secured) FROM rec_project_funding f WHERE f.project_id = p.id), 0), 0)) / 10000.0"),
    fig("trunk_gap_ratio", "problems", "国省道项目资金缺口率", "%", 1, OnDate, "project_funding", "资金缺口 / 总投资",
        "rec_projects p WHERE p.kind = 'trunk_road'",
        "SUM(MAX(p.total_investment - COALESCE((SELECT SUM(f.secured) FROM rec_project_funding f WHERE f.project_id = p.id), 0), 0)) * 100.0 / NULLIF(SUM(p.total_investment), 0)"),
    fig("rural_cost_per_km", "problems", "农村公路建设每公里投资", "万元/公里", 1, Year, "rural_road_projects", "本年度完成投资 / 完成里程",
        "rec_rural_road_projects WHERE year = :year", "SUM(completed_investment) / NULLIF(SUM(completed_km), 0)"),
    // 8. Second-half targets
    fig("target_investment", "targets", "全年固定资产投资目标", "亿元", 2, Year, "project_plans", "本年度各项目计划投资",
        "rec_project_plans WHERE year = :year", "SUM(planned_investment) / 10000.0"),
    fig("target_rural_km", "targets", "下半年待完成农村公路改造", "公里", 1, Year, "rural_road_projects", "本年度计划里程 − 已完成里程",
        "rec_rural_road_projects WHERE year = :year", "SUM(MAX(planned_km - COALESCE(completed_km, 0), 0))"),
    fig("target_berths", "targets", "年内计划建成泊位", "个", 0, Year, "berths", "在建且计划年内完工",
        "rec_berths WHERE status = 'building' AND completion_date >= :from_date AND completion_date <= :year_end", "COUNT(*)").events(),
    fig("target_capacity", "targets", "新增港口通过能力", "万吨", 0, Year, "berths", "年内计划建成泊位的设计通过能力",
        "rec_berths WHERE status = 'building' AND completion_date >= :from_date AND completion_date <= :year_end", "SUM(design_capacity)"),
    fig("target_capacity_pct", "targets", "港口通过能力增长", "%", 1, Year, "berths", "新增能力 / 已投产泊位能力",
        "rec_berths WHERE status = 'building' AND completion_date >= :from_date AND completion_date <= :year_end",
        "SUM(design_capacity) * 100.0 / NULLIF((SELECT SUM(design_capacity) FROM rec_berths WHERE status = 'operating'), 0)"),
];

/// The figure with this id.
pub fn get(id: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.id == id)
}

/// `:name` parameters → positional `$n`, with the values in order.
pub fn bind_sql(sql: &str, period: &Period) -> Result<(String, Vec<ParamValue>), String> {
    let mut out = String::with_capacity(sql.len());
    let mut values = Vec::new();
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == ':' && chars.peek().is_some_and(|(_, n)| n.is_ascii_lowercase()) {
            let mut end = i + 1;
            while let Some((j, n)) = chars.peek().copied() {
                if n.is_ascii_lowercase() || n == '_' {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            let name = &sql[i + 1..end];
            let v = period
                .param(name)
                .ok_or_else(|| format!("unknown parameter :{name}"))?;
            values.push(v);
            out.push_str(&format!("${}", values.len()));
        } else {
            out.push(c);
        }
    }
    Ok((out, values))
}

/// A computed figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub id: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub section: &'static str,
    pub semantics: Semantics,
    /// Rounded to the figure's precision; `None` when it could not be computed.
    pub value: Option<f64>,
    /// The value as the report prints it (`12.35`, `—`).
    pub text: String,
    /// Why the value is missing.
    pub missing: Option<String>,
    /// The records behind the figure.
    pub source: &'static str,
    pub filter: &'static str,
    pub records: i64,
    /// The records in the console ([`crate::links::figure_link`]).
    pub link: String,
    /// Whether `link` shows exactly the records counted (else the whole register).
    pub link_filtered: bool,
    /// The latest `updated_at` of the register records behind the figure: an edit that
    /// leaves the value and the count alike still shows as a changed input.
    pub inputs_updated_at: Option<String>,
}

/// Formats a value with a fixed number of decimals and thousands separators in the
/// integer part (`12,345.6`).
pub fn format_number(v: f64, precision: u8) -> String {
    let s = format!("{:.*}", precision as usize, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

async fn scalar(db: &SqlitePool, sql: &str, period: &Period) -> Result<Option<f64>, String> {
    let (sql, values) = bind_sql(sql, period)?;
    let mut q = sqlx::query(&sql);
    for v in values {
        q = match v {
            ParamValue::Int(i) => q.bind(i),
            ParamValue::Text(t) => q.bind(t),
        };
    }
    let row = q.fetch_one(db).await.map_err(|e| e.to_string())?;
    // SUM over integers is an integer, over reals a real, over nothing NULL.
    if let Ok(v) = row.try_get::<Option<f64>, _>(0) {
        return Ok(v);
    }
    if let Ok(v) = row.try_get::<Option<i64>, _>(0) {
        return Ok(v.map(|i| i as f64));
    }
    // A date figure's `YYYY-MM-DD` → `YYYYMMDD`.
    let text: Option<String> = row.try_get(0).map_err(|e| e.to_string())?;
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map(|d| f64::from(d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32))
            .map_err(|_| format!("not a number or a date: {t:?}"))
    })
    .transpose()
}

/// A `YYYYMMDD` value as the report prints it: `3月18日` in the report's year, else with the
/// year.
fn date_text(v: f64, year: i32) -> String {
    let n = v as i64;
    let (y, m, d) = (n / 10_000, n / 100 % 100, n % 100);
    if y == i64::from(year) {
        format!("{m}月{d}日")
    } else {
        format!("{y}年{m}月{d}日")
    }
}

/// The table (or its alias) of the register records a figure's `from` reads first; `None`
/// for tables that are not registers (vehicles, alarms).
fn main_table(from: &str) -> Option<&str> {
    let mut words = from.split_whitespace();
    let table = words.next().filter(|t| t.starts_with("rec_"))?;
    match words.next() {
        Some(w) if !matches!(w, "WHERE" | "JOIN" | "LEFT" | "INNER") => Some(w),
        _ => Some(table),
    }
}

async fn inputs_updated_at(db: &SqlitePool, f: &Figure, period: &Period) -> Option<String> {
    let t = main_table(f.from)?;
    let (sql, values) = bind_sql(
        &format!("SELECT MAX({t}.updated_at) FROM {}", f.from),
        period,
    )
    .ok()?;
    let mut q = sqlx::query_scalar::<_, Option<String>>(&sql);
    for v in values {
        q = match v {
            ParamValue::Int(i) => q.bind(i),
            ParamValue::Text(t) => q.bind(t),
        };
    }
    q.fetch_one(db).await.ok().flatten()
}

/// Computes one figure for the period.
pub async fn compute(db: &SqlitePool, f: &Figure, period: &Period) -> Value {
    let records = scalar(db, &format!("SELECT COUNT(*) FROM {}", f.from), period).await;
    let value = scalar(db, &format!("SELECT {} FROM {}", f.value, f.from), period).await;
    let (value, missing, records) = match (records, value) {
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(figure = f.id, error = %e, "figure query failed");
            (None, Some(format!("计算出错：{e}")), 0)
        }
        (Ok(n), Ok(v)) => {
            let n = n.unwrap_or(0.0) as i64;
            if n == 0 && !f.zero_when_empty {
                (
                    None,
                    Some(format!("「{}」中没有{}的记录", f.source, f.filter)),
                    0,
                )
            } else {
                match v {
                    Some(v) if v.is_finite() => (Some(v), None, n),
                    _ if f.zero_when_empty && n == 0 => (Some(0.0), None, 0),
                    _ => (
                        None,
                        Some(
                            f.null_means
                                .unwrap_or("无法计算（分母为零或缺少数据）")
                                .to_string(),
                        ),
                        n,
                    ),
                }
            }
        }
    };
    let p = 10f64.powi(f.precision as i32);
    let value = value.map(|v| (v * p).round() / p);
    let (link, link_filtered) = crate::links::figure_link(f, period);
    Value {
        link,
        link_filtered,
        inputs_updated_at: inputs_updated_at(db, f, period).await,
        id: f.id,
        label: f.label,
        unit: f.unit,
        section: f.section,
        semantics: f.semantics,
        text: match value {
            None => "—".to_string(),
            Some(v) if f.date => date_text(v, period.year),
            Some(v) => format_number(v, f.precision),
        },
        value,
        missing,
        source: f.source,
        filter: f.filter,
        records,
    }
}

/// Every figure for the period, in declaration order.
pub async fn compute_all(db: &SqlitePool, period: &Period) -> Vec<Value> {
    let mut out = Vec::with_capacity(FIGURES.len());
    for f in FIGURES {
        out.push(compute(db, f, period).await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_positional() {
        let p = Period::new(2026, 1).expect("period");
        let (sql, v) = bind_sql(
            "a >= :from_month AND b <= :to_month AND c = :from_month",
            &p,
        )
        .expect("bind");
        assert_eq!(sql, "a >= $1 AND b <= $2 AND c = $3");
        assert_eq!(v[0], ParamValue::Text("2026-01".into()));
        assert_eq!(v[1], ParamValue::Text("2026-06".into()));
        assert!(bind_sql("x = :nope", &p).is_err());
        // Times like 12:30 inside strings are not parameters (digits after the colon).
        assert_eq!(
            bind_sql("'12:30'", &p).map(|x| x.0),
            Ok("'12:30'".to_string())
        );
    }

    #[test]
    fn the_main_table_of_a_figure() {
        assert_eq!(main_table("rec_x WHERE a = 1"), Some("rec_x"));
        assert_eq!(main_table("rec_x i JOIN rec_y p ON p.id = i.y"), Some("i"));
        assert_eq!(main_table("vehicles WHERE status = 'active'"), None);
    }

    #[test]
    fn dates_print_without_the_report_year() {
        assert_eq!(date_text(20260318.0, 2026), "3月18日");
        assert_eq!(date_text(20251231.0, 2026), "2025年12月31日");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-13.04, 1), "-13.0");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(-0.01, 1), "0.0");
    }

    #[test]
    fn every_figure_is_declared_once_with_known_parameters() {
        let p = Period::new(2026, 1).expect("period");
        let mut ids = std::collections::HashSet::new();
        for f in FIGURES {
            assert!(ids.insert(f.id), "{} twice", f.id);
            assert!(
                SECTIONS.iter().any(|(k, _)| *k == f.section),
                "{}: section",
                f.id
            );
            bind_sql(f.from, &p).unwrap_or_else(|e| panic!("{}: {e}", f.id));
            bind_sql(f.value, &p).unwrap_or_else(|e| panic!("{}: {e}", f.id));
        }
    }
}
