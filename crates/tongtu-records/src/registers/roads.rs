//! 农村公路与桥梁路面: the 四好农村路 programme (projects, villages connected by hardened
//! road, unpaved road left per county), bridges with their technical condition class and the
//! reinforcement of dangerous (四、五类) bridges, and the yearly pavement condition surveys.
//! Figures: rural-road investment and km, unpaved km cleared, villages above the population
//! threshold connected, dangerous bridges under reinforcement (total, done, in progress),
//! 优良路率 of county and township roads.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;
use crate::registers::projects::PROJECT_STATUSES;

#[rustfmt::skip]
pub static RURAL_ROAD_KINDS: Dict = Dict {
    key: "rural_road_kind",
    codes: &[
        Code { code: "upgrade", zh: "提档升级", en: "Upgrade" },
        Code { code: "widening", zh: "窄路面拓宽", en: "Narrow-road widening" },
        Code { code: "hardening", zh: "自然村通硬化路", en: "Hardened road to villages" },
        Code { code: "safety", zh: "安全生命防护工程", en: "Safety protection works" },
        Code { code: "bridge", zh: "危旧桥梁改造", en: "Dangerous bridge rebuilding" },
    ],
};

#[rustfmt::skip]
pub static BRIDGE_CLASSES: Dict = Dict {
    key: "bridge_condition_class",
    codes: &[
        Code { code: "class1", zh: "一类", en: "Class 1" },
        Code { code: "class2", zh: "二类", en: "Class 2" },
        Code { code: "class3", zh: "三类", en: "Class 3" },
        Code { code: "class4", zh: "四类", en: "Class 4" },
        Code { code: "class5", zh: "五类", en: "Class 5" },
    ],
};

#[rustfmt::skip]
pub static REINFORCEMENT_STATUSES: Dict = Dict {
    key: "reinforcement_status",
    codes: &[
        Code { code: "planned", zh: "未开工", en: "Planned" },
        Code { code: "in_progress", zh: "在建", en: "In progress" },
        Code { code: "done", zh: "已完工", en: "Done" },
    ],
};

#[rustfmt::skip]
pub static ROAD_CLASSES: Dict = Dict {
    key: "rural_road_class",
    codes: &[
        Code { code: "county", zh: "县道", en: "County road" },
        Code { code: "township", zh: "乡道", en: "Township road" },
        Code { code: "village", zh: "村道", en: "Village road" },
    ],
};

#[rustfmt::skip]
pub static CONDITION_GRADES: Dict = Dict {
    key: "pavement_grade",
    codes: &[
        Code { code: "excellent", zh: "优", en: "Excellent" },
        Code { code: "good", zh: "良", en: "Good" },
        Code { code: "fair", zh: "中", en: "Fair" },
        Code { code: "poor", zh: "次", en: "Poor" },
        Code { code: "bad", zh: "差", en: "Bad" },
    ],
};

/// A year of construction (`YEAR` starts at 1990, too late for old bridges).
const BUILT_YEAR: Kind = Kind::Int {
    min: Some(1900),
    max: Some(2100),
};

/// A condition index 0–100 with one decimal (MQI, PQI).
const SCORE: Kind = Kind::Num {
    scale: 1,
    min: Some(0.0),
    max: Some(100.0),
};

#[rustfmt::skip]
const RURAL_ROAD_PROJECT: Register = Register {
    key: "rural_road_projects",
    zh: "四好农村路建设项目",
    en: "Rural road projects",
    group: "roads",
    about: "四好农村路提档升级、窄路面拓宽、自然村通硬化路、安全生命防护工程等年度建设项目的计划与完成里程、投资。",
    fields: &[
        f("code", "项目编号", "Code", TEXT).req().list(),
        f("name", "项目名称", "Name", TEXT).req().list(),
        f("kind", "建设类别", "Kind", Kind::Code(&RURAL_ROAD_KINDS)).req().list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).req().list().filter(),
        f("year", "计划年度", "Year", YEAR).req().list().filter(),
        f("planned_km", "计划里程", "Planned length", AMOUNT).unit("km").req().list(),
        f("completed_km", "完成里程", "Completed length", AMOUNT).unit("km").list(),
        f("planned_investment", "计划投资", "Planned investment", AMOUNT).unit("万元").req().list(),
        f("completed_investment", "完成投资", "Completed investment", AMOUNT).unit("万元").list(),
        f("status", "建设状态", "Status", Kind::Code(&PROJECT_STATUSES)).req().list().filter(),
        f("start_date", "开工日期", "Start", Kind::Date).filter(),
        f("completion_date", "完工日期", "Completion", Kind::Date).filter(),
    ],
    title: "name",
    unique: &[&["code"], &["name"]],
    access: Access::Bureau,
    order: ("year", true),
    rules: &[Rule::NotBefore { from: "start_date", to: "completion_date" }],
};

#[rustfmt::skip]
const VILLAGE_ROAD: Register = Register {
    key: "village_roads",
    zh: "自然村通硬化路",
    en: "Villages connected by hardened road",
    group: "roads",
    about: "自然村（组）通硬化路情况：人口、通硬化路日期和里程；较大人口规模自然村的通达率由此统计。",
    fields: &[
        f("village", "自然村名称", "Village", TEXT).req().list(),
        f("town", "所属镇（街道）", "Town", TEXT).req().list(),
        f("county_id", "所在县区", "County", Kind::Region).req().list().filter(),
        f("population", "人口", "Population", COUNT).unit("人").req().list(),
        f("connected_on", "通硬化路日期", "Connected on", Kind::Date).list().filter().help("未通硬化路的留空"),
        f("road_km", "硬化路里程", "Road length", AMOUNT).unit("km").list(),
    ],
    title: "village",
    unique: &[&["county_id", "town", "village"]],
    access: Access::Bureau,
    order: ("connected_on", true),
    rules: &[],
};

#[rustfmt::skip]
const UNPAVED: Register = Register {
    key: "unpaved_roads",
    zh: "未硬化路里程",
    en: "Unpaved road remaining",
    group: "roads",
    about: "各县区截至统计日期尚未硬化的农村公路里程，用于统计期内的清零进度。",
    fields: &[
        f("county_id", "所在县区", "County", Kind::Region).req().list().filter(),
        f("as_of", "统计截止日期", "As of", Kind::Date).req().list().filter(),
        f("remaining_km", "未硬化里程", "Unpaved remaining", AMOUNT).unit("km").req().list(),
        f("note", "备注", "Note", TEXT),
    ],
    title: "county_id",
    unique: &[&["county_id", "as_of"]],
    access: Access::Bureau,
    order: ("as_of", true),
    rules: &[],
};

#[rustfmt::skip]
const BRIDGE: Register = Register {
    key: "bridges",
    zh: "桥梁",
    en: "Bridges",
    group: "roads",
    about: "公路桥梁基本信息与技术状况评定等级；四、五类为危桥。",
    fields: &[
        f("code", "桥梁编码", "Code", TEXT).req().list(),
        f("name", "桥梁名称", "Name", TEXT).req().list(),
        f("road_name", "路线名称", "Road", TEXT).list(),
        f("route_no", "路线编号", "Route no.", TEXT).list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).req().list().filter(),
        f("length_m", "桥梁全长", "Length", AMOUNT).unit("m").list(),
        f("spans", "孔数", "Spans", COUNT),
        f("built_year", "建成年份", "Built", BUILT_YEAR),
        f("condition_class", "技术状况等级", "Condition class", Kind::Code(&BRIDGE_CLASSES)).req().list().filter(),
        f("last_inspection", "最近定期检查日期", "Last inspection", Kind::Date).list().filter(),
    ],
    title: "name",
    unique: &[&["code"], &["name"]],
    access: Access::Bureau,
    order: ("code", false),
    rules: &[],
};

#[rustfmt::skip]
const REINFORCEMENT: Register = Register {
    key: "bridge_reinforcements",
    zh: "危桥加固改造",
    en: "Bridge reinforcement",
    group: "roads",
    about: "危桥（四、五类桥梁）加固改造项目的投资、工期、进度；危桥改造总数、已完工、在建由此统计。",
    fields: &[
        f("bridge_id", "桥梁", "Bridge", Kind::Ref("bridges")).req().list().filter(),
        f("project_name", "项目名称", "Project", TEXT).req().list(),
        f("investment", "投资", "Investment", AMOUNT).unit("万元").list(),
        f("start_date", "开工日期", "Start", Kind::Date).list().filter(),
        f("planned_end_date", "计划完工日期", "Planned completion", Kind::Date),
        f("status", "实施状态", "Status", Kind::Code(&REINFORCEMENT_STATUSES)).req().list().filter(),
        f("progress", "形象进度", "Progress", PERCENT).unit("%").list(),
        f("completion_date", "完工日期", "Completion", Kind::Date).filter(),
    ],
    title: "project_name",
    unique: &[&["project_name"]],
    access: Access::Bureau,
    order: ("start_date", true),
    rules: &[
        Rule::NotBefore { from: "start_date", to: "planned_end_date" },
        Rule::NotBefore { from: "start_date", to: "completion_date" },
    ],
};

#[rustfmt::skip]
const PAVEMENT: Register = Register {
    key: "pavement_surveys",
    zh: "路面技术状况检测",
    en: "Pavement condition surveys",
    group: "roads",
    about: "县道、乡道、村道逐路段的年度技术状况检测评定；优良路率 = 评定为优、良的里程 ÷ 检测里程。",
    fields: &[
        f("section_code", "路段编码", "Section", TEXT).req().list(),
        f("road_name", "路线名称", "Road", TEXT).list(),
        f("road_class", "行政等级", "Road class", Kind::Code(&ROAD_CLASSES)).req().list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).req().list().filter(),
        f("year", "检测年度", "Year", YEAR).req().list().filter(),
        f("length_km", "路段里程", "Length", AMOUNT).unit("km").req().list(),
        f("mqi", "技术状况指数", "Condition index (MQI/PQI)", SCORE).req().list().help("公路技术状况指数MQI；仅检测路面时填路面使用性能指数PQI"),
        f("grade", "评定等级", "Grade", Kind::Code(&CONDITION_GRADES)).req().list().filter(),
        f("survey_date", "检测日期", "Surveyed on", Kind::Date).filter(),
    ],
    title: "section_code",
    unique: &[&["section_code", "year"]],
    access: Access::Bureau,
    order: ("year", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[
    RURAL_ROAD_PROJECT,
    VILLAGE_ROAD,
    UNPAVED,
    BRIDGE,
    REINFORCEMENT,
    PAVEMENT,
];
