//! 安全生产: transport accidents, hidden-hazard inspections and training courses. Figures:
//! fatal road-transport accidents and deaths by kind, hazards found and rectified (overdue
//! ones), training courses run.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static ACCIDENT_TYPES: Dict = Dict {
    key: "accident_type",
    codes: &[
        Code { code: "collision", zh: "碰撞", en: "Collision" },
        Code { code: "rollover", zh: "侧翻（翻车）", en: "Rollover" },
        Code { code: "fire", zh: "车辆起火", en: "Fire" },
        Code { code: "hazmat_leak", zh: "危险货物泄漏", en: "Dangerous goods leak" },
        Code { code: "pedestrian", zh: "碾压刮撞行人", en: "Pedestrian struck" },
        Code { code: "waterway", zh: "水上交通事故", en: "Waterway accident" },
        Code { code: "other", zh: "其他", en: "Other" },
    ],
};

#[rustfmt::skip]
pub static TRANSPORT_KINDS: Dict = Dict {
    key: "transport_kind",
    codes: &[
        Code { code: "road_passenger", zh: "道路旅客运输", en: "Road passenger transport" },
        Code { code: "road_freight", zh: "道路普通货物运输", en: "Road freight transport" },
        Code { code: "hazmat", zh: "道路危险货物运输", en: "Dangerous goods transport" },
        Code { code: "bus", zh: "城市公共交通", en: "Urban bus" },
        Code { code: "taxi", zh: "出租汽车", en: "Taxi" },
        Code { code: "waterway", zh: "水路运输", en: "Waterway transport" },
    ],
};

#[rustfmt::skip]
pub static HAZARD_LEVELS: Dict = Dict {
    key: "hazard_level",
    codes: &[
        Code { code: "general", zh: "一般隐患", en: "General" },
        Code { code: "major", zh: "重大隐患", en: "Major" },
    ],
};

#[rustfmt::skip]
pub static HAZARD_STATUSES: Dict = Dict {
    key: "hazard_status",
    codes: &[
        Code { code: "open", zh: "未整改", en: "Open" },
        Code { code: "rectifying", zh: "整改中", en: "Being rectified" },
        Code { code: "rectified", zh: "已整改", en: "Rectified" },
        Code { code: "overdue", zh: "逾期未整改", en: "Overdue" },
    ],
};

#[rustfmt::skip]
pub static TRAINING_KINDS: Dict = Dict {
    key: "training_kind",
    codes: &[
        Code { code: "safety", zh: "安全生产", en: "Safety" },
        Code { code: "law", zh: "法律法规", en: "Law" },
        Code { code: "skills", zh: "业务技能", en: "Skills" },
        Code { code: "emergency", zh: "应急处置", en: "Emergency response" },
        Code { code: "party", zh: "党建学习", en: "Party building" },
    ],
};

#[rustfmt::skip]
const ACCIDENT: Register = Register {
    key: "accidents",
    zh: "运输安全事故",
    en: "Transport accidents",
    group: "safety",
    about: "道路运输、城市公交、出租汽车和水路运输行业的安全事故，含伤亡、直接经济损失和责任认定。",
    fields: &[
        f("occurred_on", "发生日期", "Date", Kind::Date).req().list().filter(),
        f("place", "发生地点", "Place", TEXT).req().list(),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
        f("vehicle_id", "事故车辆", "Vehicle", Kind::Vehicle).filter(),
        f("plate", "车牌号（船名）", "Plate or ship", TEXT).list(),
        f("accident_type", "事故形态", "Accident type", Kind::Code(&ACCIDENT_TYPES)).req().list().filter(),
        f("transport_kind", "运输类别", "Transport kind", Kind::Code(&TRANSPORT_KINDS)).req().list().filter(),
        f("deaths", "死亡人数", "Deaths", COUNT).unit("人").req().list(),
        f("injuries", "受伤人数", "Injuries", COUNT).unit("人").req().list(),
        f("direct_loss", "直接经济损失", "Direct loss", AMOUNT).unit("万元"),
        f("cause", "事故原因", "Cause", LONG),
        f("enterprise_id", "责任企业", "Responsible enterprise", Kind::Enterprise).filter(),
        f("is_liability", "运输企业负有责任", "Enterprise liable", Kind::Bool).list().filter(),
    ],
    title: "place",
    unique: &[&["occurred_on", "place"]],
    access: Access::Bureau,
    order: ("occurred_on", true),
    rules: &[],
};

#[rustfmt::skip]
const HAZARD: Register = Register {
    key: "hazard_inspections",
    zh: "隐患排查治理",
    en: "Hazard inspections",
    group: "safety",
    about: "安全生产隐患排查发现的隐患、整改措施、整改期限和整改情况。",
    fields: &[
        f("hazard_no", "隐患编号", "Hazard no.", TEXT).req().list(),
        f("found_on", "排查日期", "Found on", Kind::Date).req().list().filter(),
        f("enterprise_id", "企业", "Enterprise", Kind::Enterprise).list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).filter(),
        f("place", "隐患部位（对象）", "Place or object", TEXT).req().list(),
        f("level", "隐患等级", "Level", Kind::Code(&HAZARD_LEVELS)).req().list().filter(),
        f("description", "隐患描述", "Description", LONG).req(),
        f("measures", "整改措施", "Measures", LONG),
        f("deadline", "整改期限", "Deadline", Kind::Date).list().filter(),
        f("rectified_on", "整改完成日期", "Rectified on", Kind::Date).list().filter(),
        f("status", "整改状态", "Status", Kind::Code(&HAZARD_STATUSES)).req().list().filter(),
    ],
    title: "hazard_no",
    unique: &[&["hazard_no"]],
    access: Access::Bureau,
    order: ("found_on", true),
    rules: &[Rule::NotBefore { from: "found_on", to: "rectified_on" }],
};

#[rustfmt::skip]
const TRAINING: Register = Register {
    key: "trainings",
    zh: "教育培训",
    en: "Training courses",
    group: "safety",
    about: "面向执法人员、企业安全管理人员和驾驶员的安全生产、法律法规、业务技能和应急培训。",
    fields: &[
        f("topic", "培训主题", "Topic", TEXT).req().list(),
        f("kind", "培训类别", "Kind", Kind::Code(&TRAINING_KINDS)).req().list().filter(),
        f("start_date", "开始日期", "Start", Kind::Date).req().list().filter(),
        f("end_date", "结束日期", "End", Kind::Date),
        f("organiser", "主办单位", "Organiser", TEXT).list(),
        f("attendees", "参训人数", "Attendees", COUNT).unit("人").list(),
        f("hours", "培训学时", "Hours", Kind::Num { scale: 1, min: Some(0.0), max: Some(1000.0) }).unit("学时"),
    ],
    title: "topic",
    unique: &[&["topic", "start_date"]],
    access: Access::Bureau,
    order: ("start_date", true),
    rules: &[Rule::NotBefore { from: "start_date", to: "end_date" }],
};

pub const REGISTERS: &[Register] = &[ACCIDENT, HAZARD, TRAINING];
