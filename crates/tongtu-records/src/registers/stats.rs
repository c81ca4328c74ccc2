//! 运输统计: monthly passenger and freight volume and turnover by county and mode (road,
//! waterway, railway). Figures: road and waterway passenger volume, passenger-km, freight
//! volume and tonne-km with YoY %, railway freight volume and tonne-km. Port throughput is
//! in the port group (`port_throughput`).
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static TRANSPORT_MODES: Dict = Dict {
    key: "transport_mode",
    codes: &[
        Code { code: "road", zh: "公路", en: "Road" },
        Code { code: "waterway", zh: "水路", en: "Waterway" },
        Code { code: "railway", zh: "铁路", en: "Railway" },
    ],
};

#[rustfmt::skip]
const TRANSPORT_STATS: Register = Register {
    key: "transport_stats",
    zh: "运输量统计",
    en: "Transport statistics",
    group: "stats",
    about: "各县区按运输方式的月度客运量、旅客周转量、货运量、货物周转量（当月数），累计和同比由此汇总。",
    fields: &[
        f("month", "月份", "Month", Kind::Month).req().list().filter(),
        f("county_id", "县区", "County", Kind::Region).req().list().filter(),
        f("mode", "运输方式", "Mode", Kind::Code(&TRANSPORT_MODES)).req().list().filter(),
        f("passenger_volume", "客运量", "Passenger volume", AMOUNT).unit("万人次").list(),
        f("passenger_km", "旅客周转量", "Passenger-km", AMOUNT).unit("万人公里").list(),
        f("freight_volume", "货运量", "Freight volume", AMOUNT).unit("万吨").list(),
        f("tonne_km", "货物周转量", "Tonne-km", AMOUNT).unit("万吨公里").list(),
    ],
    title: "month",
    unique: &[&["month", "county_id", "mode"]],
    access: Access::Bureau,
    order: ("month", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[TRANSPORT_STATS];
