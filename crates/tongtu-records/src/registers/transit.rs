//! 公交与客运站: bus stops, routes and the stops each route serves (enough for a GTFS
//! export), passenger stations with their daily departures and passengers, and through-ticket
//! products. Figures: routes in operation by type, online ticketing and through-ticket
//! adoption, stations reporting real-time passenger data.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static ROUTE_TYPES: Dict = Dict {
    key: "route_type",
    codes: &[
        Code { code: "regular", zh: "常规公交", en: "Regular bus" },
        Code { code: "special", zh: "专线公交", en: "Special line" },
        Code { code: "village", zh: "建制村通客车公交化", en: "Village bus on transit terms" },
        Code { code: "custom", zh: "定制公交", en: "Customised bus" },
    ],
};

#[rustfmt::skip]
pub static ROUTE_STATUSES: Dict = Dict {
    key: "route_status",
    codes: &[
        Code { code: "operating", zh: "运营", en: "Operating" },
        Code { code: "suspended", zh: "停运", en: "Suspended" },
    ],
};

/// GTFS `direction_id`: 0 outbound, 1 inbound.
#[rustfmt::skip]
pub static DIRECTIONS: Dict = Dict {
    key: "direction",
    codes: &[
        Code { code: "0", zh: "上行", en: "Outbound" },
        Code { code: "1", zh: "下行", en: "Inbound" },
    ],
};

#[rustfmt::skip]
pub static STATION_GRADES: Dict = Dict {
    key: "station_grade",
    codes: &[
        Code { code: "grade1", zh: "一级站", en: "Grade 1" },
        Code { code: "grade2", zh: "二级站", en: "Grade 2" },
        Code { code: "grade3", zh: "三级站", en: "Grade 3" },
        Code { code: "grade4", zh: "四级站", en: "Grade 4" },
        Code { code: "grade5", zh: "五级站", en: "Grade 5" },
        Code { code: "simple", zh: "简易站", en: "Simple station" },
    ],
};

#[rustfmt::skip]
const LATITUDE: Kind = Kind::Num { scale: 6, min: Some(3.0), max: Some(54.0) };
#[rustfmt::skip]
const LONGITUDE: Kind = Kind::Num { scale: 6, min: Some(73.0), max: Some(136.0) };
/// A clock time typed as `HH:MM`.
#[rustfmt::skip]
const CLOCK: Kind = Kind::Text { max: 5 };

#[rustfmt::skip]
const STOP: Register = Register {
    key: "bus_stops",
    zh: "公交站点",
    en: "Bus stops",
    group: "transit",
    about: "公交站点的编码、名称和位置（WGS-84 经纬度）。",
    fields: &[
        f("code", "站点编码", "Code", TEXT).req().list(),
        f("name", "站点名称", "Name", TEXT).req().list().help("站点名称须唯一，同名站点加方位后缀，如“人民广场（东）”"),
        f("lat", "纬度", "Latitude", LATITUDE).req().list(),
        f("lon", "经度", "Longitude", LONGITUDE).req().list(),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
    ],
    title: "name",
    unique: &[&["code"], &["name"]],
    access: Access::Public,
    order: ("code", false),
    rules: &[],
};

#[rustfmt::skip]
const ROUTE: Register = Register {
    key: "bus_routes",
    zh: "公交线路",
    en: "Bus routes",
    group: "transit",
    about: "常规公交、专线、建制村通客车公交化线路和定制公交线路的基本信息与运营参数。",
    fields: &[
        f("route_no", "线路编号", "Route no.", TEXT).req().list(),
        f("name", "线路名称", "Name", TEXT).req().list().help("起点—终点"),
        f("route_type", "线路类型", "Type", Kind::Code(&ROUTE_TYPES)).req().list().filter(),
        f("operator", "运营企业", "Operator", TEXT).list(),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
        f("length_km", "线路长度", "Length", AMOUNT).unit("km").list(),
        f("fare", "票价", "Fare", AMOUNT).unit("元").list(),
        f("first_departure", "首班时间", "First departure", CLOCK).help("HH:MM，如 06:30"),
        f("last_departure", "末班时间", "Last departure", CLOCK).help("HH:MM，如 21:00"),
        f("headway_min", "发车间隔", "Headway", COUNT).unit("分钟"),
        f("vehicles", "配车数", "Vehicles", COUNT).unit("辆").list(),
        f("opened_on", "开通日期", "Opened on", Kind::Date).filter(),
        f("status", "运营状态", "Status", Kind::Code(&ROUTE_STATUSES)).req().list().filter(),
    ],
    title: "route_no",
    unique: &[&["route_no"]],
    access: Access::Public,
    order: ("route_no", false),
    rules: &[],
};

#[rustfmt::skip]
const ROUTE_STOP: Register = Register {
    key: "route_stops",
    zh: "线路站序",
    en: "Route stops",
    group: "transit",
    about: "每条线路上行、下行依次经停的站点及距始发站的行车时间（用于导出 GTFS）。",
    fields: &[
        f("route_id", "线路", "Route", Kind::Ref("bus_routes")).req().list().filter(),
        f("direction", "方向", "Direction", Kind::Code(&DIRECTIONS)).req().list().filter(),
        f("sequence", "站序", "Sequence", Kind::Int { min: Some(1), max: Some(200) }).req().list(),
        f("stop_id", "站点", "Stop", Kind::Ref("bus_stops")).req().list().filter(),
        f("offset_min", "距始发站时间", "Minutes from start", COUNT).unit("分钟").list(),
    ],
    title: "stop_id",
    unique: &[&["route_id", "direction", "sequence"]],
    access: Access::Public,
    order: ("route_id", false),
    rules: &[],
};

#[rustfmt::skip]
const STATION: Register = Register {
    key: "stations",
    zh: "汽车客运站",
    en: "Passenger stations",
    group: "transit",
    about: "汽车客运站的站级、位置、联网售票和接入客运站云平台（实时客流）情况。",
    fields: &[
        f("name", "站名", "Name", TEXT).req().list(),
        f("grade", "站级", "Grade", Kind::Code(&STATION_GRADES)).req().list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
        f("address", "地址", "Address", TEXT),
        f("online_ticketing", "联网售票", "Online ticketing", Kind::Bool).list().filter(),
        f("realtime_data", "接入客运站云平台（实时客流）", "Real-time passenger data", Kind::Bool).list().filter(),
        f("opened_on", "启用日期", "Opened on", Kind::Date),
    ],
    title: "name",
    unique: &[&["name"]],
    access: Access::Public,
    order: ("name", false),
    rules: &[],
};

#[rustfmt::skip]
const STATION_DAILY: Register = Register {
    key: "station_daily",
    zh: "客运站日报",
    en: "Station daily figures",
    group: "transit",
    about: "各客运站每日发班数、旅客发送量和联网售票数。",
    fields: &[
        f("station_id", "客运站", "Station", Kind::Ref("stations")).req().list().filter(),
        f("date", "日期", "Date", Kind::Date).req().list().filter(),
        f("departures", "发班数", "Departures", COUNT).unit("班次").req().list(),
        f("passengers", "旅客发送量", "Passengers", COUNT).unit("人次").req().list(),
        f("online_tickets", "联网售票数", "Tickets sold online", COUNT).unit("张").list(),
    ],
    title: "station_id",
    unique: &[&["station_id", "date"]],
    access: Access::Public,
    order: ("date", true),
    rules: &[],
};

#[rustfmt::skip]
const THROUGH_TICKET: Register = Register {
    key: "through_tickets",
    zh: "一票式联程产品",
    en: "Through-ticket products",
    group: "transit",
    about: "公路与铁路、水路、民航衔接的一票式联程客运产品及售票情况。",
    fields: &[
        f("name", "产品名称", "Name", TEXT).req().list(),
        f("modes", "联程方式", "Modes", TEXT).req().list().help("如 公路+铁路"),
        f("partner", "合作单位", "Partner", TEXT).list(),
        f("launched_on", "上线日期", "Launched on", Kind::Date).list().filter(),
        f("tickets_sold", "累计售票", "Tickets sold", COUNT).unit("张").list(),
    ],
    title: "name",
    unique: &[&["name"]],
    access: Access::Public,
    order: ("launched_on", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[
    STOP,
    ROUTE,
    ROUTE_STOP,
    STATION,
    STATION_DAILY,
    THROUGH_TICKET,
];
