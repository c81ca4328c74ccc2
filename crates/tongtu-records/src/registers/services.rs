//! 政务服务与防疫: online annual reviews of freight vehicles (filed by the enterprises
//! themselves), epidemic checkpoints set up with other departments, point-to-point charter
//! trips for migrant workers, QR-code ride registrations and the sectors' resumption of work.
//! Figures: checkpoints by kind of site, hours staffed, checkpoints kept after
//! normalisation, charter vehicle-trips and workers carried, the resumption rate and the
//! date it reached 100 %.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static REVIEW_STATUSES: Dict = Dict {
    key: "review_status",
    codes: &[
        Code { code: "submitted", zh: "已提交", en: "Submitted" },
        Code { code: "checking", zh: "审核中", en: "Checking" },
        Code { code: "approved", zh: "审验合格", en: "Approved" },
        Code { code: "rejected", zh: "退回", en: "Rejected" },
    ],
};

#[rustfmt::skip]
pub static CHECKPOINT_SITES: Dict = Dict {
    key: "checkpoint_site",
    codes: &[
        Code { code: "expressway_exit", zh: "高速公路出口", en: "Expressway exit" },
        Code { code: "service_area", zh: "高速公路服务区", en: "Service area" },
        Code { code: "trunk_checkpoint", zh: "国省干线检查点", en: "Trunk-road checkpoint" },
        Code { code: "station", zh: "汽车客运站", en: "Passenger station" },
        Code { code: "port", zh: "港口码头", en: "Port" },
    ],
};

#[rustfmt::skip]
pub static RESUMPTION_SECTORS: Dict = Dict {
    key: "resumption_sector",
    codes: &[
        Code { code: "road_passenger", zh: "道路客运企业", en: "Road passenger carriers" },
        Code { code: "road_freight", zh: "道路货运企业", en: "Road freight carriers" },
        Code { code: "bus", zh: "城市公交", en: "Urban bus" },
        Code { code: "waterway", zh: "水路运输企业", en: "Waterway carriers" },
        Code { code: "port", zh: "港口企业", en: "Port operators" },
        Code { code: "station", zh: "汽车客运站", en: "Passenger stations" },
        Code { code: "maintenance", zh: "机动车维修企业", en: "Vehicle repair shops" },
        Code { code: "projects", zh: "在建交通项目", en: "Transport projects under construction" },
    ],
};

#[rustfmt::skip]
const ANNUAL_REVIEW: Register = Register {
    key: "annual_reviews",
    zh: "营运货车年审网上申请",
    en: "Freight vehicle annual reviews",
    group: "services",
    about: "货运企业网上提交的营运车辆年度审验申请、审核结果和审验有效期。",
    fields: &[
        f("application_no", "申请编号", "Application no.", TEXT).req().list(),
        f("enterprise_id", "申请企业", "Enterprise", Kind::Enterprise).req().list().filter(),
        f("vehicle_id", "车辆", "Vehicle", Kind::Vehicle).req().list().filter(),
        f("plate", "车牌号", "Plate", TEXT).list(),
        f("submitted_on", "提交日期", "Submitted on", Kind::Date).req().list().filter(),
        f("documents", "提交材料", "Documents", LONG).help("材料名称，以顿号分隔"),
        f("status", "办理状态", "Status", Kind::Code(&REVIEW_STATUSES)).req().list().filter(),
        f("checked_by", "审核人", "Checked by", TEXT),
        f("decided_on", "办结日期", "Decided on", Kind::Date).list().filter(),
        f("reject_reason", "退回原因", "Reason for rejection", Kind::Text { max: 500 }),
        f("valid_until", "审验有效期至", "Valid until", Kind::Date).list().filter(),
    ],
    title: "application_no",
    unique: &[&["application_no"]],
    access: Access::Enterprise("enterprise_id"),
    order: ("submitted_on", true),
    rules: &[
        Rule::NotBefore { from: "submitted_on", to: "decided_on" },
        Rule::NotBefore { from: "decided_on", to: "valid_until" },
    ],
};

#[rustfmt::skip]
const CHECKPOINT: Register = Register {
    key: "checkpoints",
    zh: "防疫检查点",
    en: "Epidemic checkpoints",
    group: "services",
    about:
        "联合卫健、公安等部门在高速出口、服务区、干线公路、客运站和港口设置的防疫检查点及值守情况。",
    fields: &[
        f("name", "检查点名称", "Name", TEXT).req().list(),
        f("site_type", "设置类型", "Site type", Kind::Code(&CHECKPOINT_SITES)).req().list().filter(),
        f("county_id", "所在县区", "County", Kind::Region).list().filter(),
        f("start_date", "设立日期", "Set up on", Kind::Date).req().list().filter(),
        f("end_date", "撤除日期", "Closed on", Kind::Date).list().filter(),
        f("kept", "常态化保留", "Kept after normalisation", Kind::Bool).list().filter(),
        f("staff", "值守人员", "Staff", COUNT).unit("人"),
        f("staffed_hours", "累计值守时长", "Hours staffed", COUNT).unit("小时").list(),
        f("vehicles_checked", "查验车辆", "Vehicles checked", COUNT).unit("辆次").list(),
        f("people_checked", "检测人员", "People checked", COUNT).unit("人次").list(),
        f("departments", "联合部门", "Joint departments", TEXT),
    ],
    title: "name",
    unique: &[&["name"]],
    access: Access::Bureau,
    order: ("start_date", true),
    rules: &[Rule::NotBefore { from: "start_date", to: "end_date" }],
};

#[rustfmt::skip]
const CHARTER_TRIP: Register = Register {
    key: "charter_trips",
    zh: "“点对点”包车运输",
    en: "Point-to-point charter trips",
    group: "services",
    about: "复工复产期间“点对点”包车接送务工人员返岗的车次和人数。",
    fields: &[
        f("date", "发车日期", "Date", Kind::Date).req().list().filter(),
        f("employer", "用工单位", "Employer", TEXT).req().list(),
        f("origin", "始发地", "Origin", TEXT).req().list(),
        f("destination", "目的地", "Destination", TEXT).req().list(),
        f("vehicles", "发车数", "Vehicle-trips", COUNT).unit("车次").req().list(),
        f("passengers", "运送务工人员", "Workers carried", COUNT).unit("人").req().list(),
        f("enterprise_id", "承运企业", "Carrier", Kind::Enterprise).filter(),
    ],
    title: "employer",
    unique: &[&["date", "employer", "origin"]],
    access: Access::Bureau,
    order: ("date", true),
    rules: &[],
};

#[rustfmt::skip]
const QR_REGISTRATION: Register = Register {
    key: "qr_registrations",
    zh: "扫码乘车登记",
    en: "QR ride registrations",
    group: "services",
    about: "各县区公交、客运车辆乘客扫码登记的每日人次和覆盖车辆数。",
    fields: &[
        f("date", "日期", "Date", Kind::Date).req().list().filter(),
        f("county_id", "县区", "County", Kind::Region).req().list().filter(),
        f("scans", "扫码登记", "Scans", COUNT).unit("人次").req().list(),
        f("vehicles", "覆盖车辆", "Vehicles covered", COUNT).unit("辆").list(),
    ],
    title: "date",
    unique: &[&["date", "county_id"]],
    access: Access::Bureau,
    order: ("date", true),
    rules: &[],
};

#[rustfmt::skip]
const RESUMPTION: Register = Register {
    key: "resumption_progress",
    zh: "复工复产进度",
    en: "Resumption of work",
    group: "services",
    about: "疫情期间各行业应复工和已复工的企业（项目）数，按填报日期逐行业填报；用于复工率和复工率达到100%的日期。",
    fields: &[
        f("report_date", "填报日期", "Reported on", Kind::Date).req().list().filter(),
        f("sector", "行业", "Sector", Kind::Code(&RESUMPTION_SECTORS)).req().list().filter(),
        f("total", "应复工", "Expected to resume", COUNT).unit("家").req().list().help("企业、站场或在建项目总数"),
        f("resumed", "已复工", "Resumed", COUNT).unit("家").req().list(),
        f("workers_back", "返岗人员", "Workers back", COUNT).unit("人").list(),
        f("note", "备注", "Note", Kind::Text { max: 500 }),
    ],
    title: "report_date",
    unique: &[&["report_date", "sector"]],
    access: Access::Bureau,
    order: ("report_date", true),
    rules: &[Rule::AtMost { part: "resumed", whole: "total" }],
};

pub const REGISTERS: &[Register] = &[
    ANNUAL_REVIEW,
    CHECKPOINT,
    CHARTER_TRIP,
    QR_REGISTRATION,
    RESUMPTION,
];
