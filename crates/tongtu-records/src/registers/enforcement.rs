//! 执法检查: special enforcement campaigns, daily patrol logs and enforcement cases. Figures:
//! personnel-times and vehicle-times dispatched, vehicles inspected, cases opened split into
//! 道路运政 / 公路路政, and violations found through dynamic monitoring (source
//! `dynamic_monitoring`: signal shielding, tampered data, speeding, fatigue, night ban).
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static CASE_TYPES: Dict = Dict {
    key: "case_type",
    codes: &[
        Code { code: "road_transport", zh: "道路运政", en: "Road transport" },
        Code { code: "highway_admin", zh: "公路路政", en: "Highway administration" },
        Code { code: "waterway", zh: "水路运政", en: "Waterway" },
    ],
};

#[rustfmt::skip]
pub static VIOLATIONS: Dict = Dict {
    key: "violation_category",
    codes: &[
        Code { code: "illegal_operation", zh: "非法营运", en: "Illegal operation" },
        Code { code: "overload", zh: "超限超载", en: "Overload" },
        Code { code: "signal_shielding", zh: "屏蔽卫星定位信号", en: "Signal shielding" },
        Code { code: "data_tampering", zh: "篡改动态监控数据", en: "Tampered monitoring data" },
        Code { code: "speeding", zh: "超速行驶", en: "Speeding" },
        Code { code: "fatigue", zh: "疲劳驾驶", en: "Fatigue driving" },
        Code { code: "night_ban", zh: "违反夜间禁行规定", en: "Night ban violation" },
        Code { code: "touting_outside_station", zh: "站外揽客", en: "Touting outside stations" },
        Code { code: "taxi_refusal_bargaining", zh: "出租车拒载议价", en: "Taxi refusal or bargaining" },
        Code { code: "unlicensed", zh: "无证经营", en: "Unlicensed business" },
        Code { code: "hazmat_violation", zh: "危险货物运输违规", en: "Dangerous goods violation" },
        Code { code: "other", zh: "其他", en: "Other" },
    ],
};

#[rustfmt::skip]
pub static CASE_SOURCES: Dict = Dict {
    key: "case_source",
    codes: &[
        Code { code: "patrol", zh: "路面巡查", en: "Patrol" },
        Code { code: "dynamic_monitoring", zh: "动态监控发现", en: "Dynamic monitoring" },
        Code { code: "complaint", zh: "投诉举报", en: "Complaint" },
        Code { code: "referral", zh: "部门移送", en: "Referral" },
    ],
};

#[rustfmt::skip]
pub static CASE_STATUSES: Dict = Dict {
    key: "case_status",
    codes: &[
        Code { code: "filed", zh: "已立案", en: "Filed" },
        Code { code: "investigating", zh: "调查取证", en: "Investigating" },
        Code { code: "decided", zh: "已作出处罚决定", en: "Decided" },
        Code { code: "closed", zh: "已结案", en: "Closed" },
    ],
};

#[rustfmt::skip]
const CAMPAIGN: Register = Register {
    key: "campaigns",
    zh: "专项整治",
    en: "Enforcement campaigns",
    group: "enforcement",
    about: "打击非法营运、治超、动态监控等专项整治行动的时间、牵头单位、目标和成效。",
    fields: &[
        f("name", "整治名称", "Name", TEXT).req().list(),
        f("start_date", "开始日期", "Start", Kind::Date).req().list().filter(),
        f("end_date", "结束日期", "End", Kind::Date).list().filter(),
        f("lead_unit", "牵头单位", "Lead unit", TEXT).list(),
        f("targets", "整治目标", "Targets", LONG),
        f("results", "整治成效", "Results", LONG),
    ],
    title: "name",
    unique: &[&["name"]],
    access: Access::Bureau,
    order: ("start_date", true),
    rules: &[Rule::NotBefore { from: "start_date", to: "end_date" }],
};

#[rustfmt::skip]
const PATROL_LOG: Register = Register {
    key: "patrol_logs",
    zh: "执法巡查日志",
    en: "Patrol logs",
    group: "enforcement",
    about: "各执法大队（中队）每日路面巡查和源头检查的出动人次、车次和检查情况。",
    fields: &[
        f("date", "巡查日期", "Date", Kind::Date).req().list().filter(),
        f("unit", "执法单位", "Unit", TEXT).req().list().help("执法大队或中队名称"),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
        f("location", "检查地点", "Location", TEXT).list(),
        f("campaign_id", "所属专项整治", "Campaign", Kind::Ref("campaigns")).filter(),
        f("personnel_times", "出动执法人员", "Personnel dispatched", COUNT).unit("人次").req().list(),
        f("vehicle_times", "出动执法车辆", "Vehicles dispatched", COUNT).unit("台次").req().list(),
        f("vehicles_inspected", "检查车辆", "Vehicles inspected", COUNT).unit("辆").req().list(),
        f("sites_inspected", "检查企业（场站）", "Sites inspected", COUNT).unit("家"),
        f("problems_found", "发现问题", "Problems found", COUNT).unit("个").list(),
        f("note", "备注", "Note", TEXT),
    ],
    title: "unit",
    unique: &[&["date", "unit"]],
    access: Access::Bureau,
    order: ("date", true),
    rules: &[],
};

#[rustfmt::skip]
const CASE: Register = Register {
    key: "enforcement_cases",
    zh: "执法案件",
    en: "Enforcement cases",
    group: "enforcement",
    about: "道路运政、公路路政和水路运政行政处罚案件，含违法行为类别、案件来源、罚款和办理状态。",
    fields: &[
        f("case_no", "案件编号", "Case no.", TEXT).req().list(),
        f("filed_on", "立案日期", "Filed on", Kind::Date).req().list().filter(),
        f("case_type", "案件类别", "Case type", Kind::Code(&CASE_TYPES)).req().list().filter(),
        f("violation", "违法行为类别", "Violation", Kind::Code(&VIOLATIONS)).req().list().filter(),
        f("source", "案件来源", "Source", Kind::Code(&CASE_SOURCES)).req().list().filter().help("经动态监控平台发现的违法行为选“动态监控发现”"),
        f("county_id", "案发县区", "County", Kind::Region).filter(),
        f("party", "当事人", "Party", TEXT).req().list(),
        f("enterprise_id", "涉案企业", "Enterprise", Kind::Enterprise).filter(),
        f("vehicle_id", "涉案车辆", "Vehicle", Kind::Vehicle).filter(),
        f("plate", "车牌号（船名）", "Plate or ship", TEXT).list(),
        f("fine", "罚款金额", "Fine", AMOUNT).unit("元").list(),
        f("status", "办理状态", "Status", Kind::Code(&CASE_STATUSES)).req().list().filter(),
        f("closed_on", "结案日期", "Closed on", Kind::Date).filter(),
        f("campaign_id", "所属专项整治", "Campaign", Kind::Ref("campaigns")).filter(),
    ],
    title: "case_no",
    unique: &[&["case_no"]],
    access: Access::Bureau,
    order: ("filed_on", true),
    rules: &[Rule::NotBefore { from: "filed_on", to: "closed_on" }],
};

pub const REGISTERS: &[Register] = &[CAMPAIGN, PATROL_LOG, CASE];
