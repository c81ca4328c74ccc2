//! 港口航运: berths (planned, under construction, operating) with their design capacity,
//! monthly cargo throughput by port area and cargo, and pilotage jobs. Figures: berths under
//! construction and port construction investment, port cargo throughput with YoY %, pilotage
//! jobs for key enterprises (ship-trips, tonnage), added port capacity.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static PORT_AREAS: Dict = Dict {
    key: "port_area",
    codes: &[
        Code { code: "hailing_bay", zh: "海陵湾港区", en: "Hailing Bay" },
        Code { code: "shaba", zh: "沙扒港区", en: "Shaba" },
        Code { code: "fengtou", zh: "丰头港区", en: "Fengtou" },
        Code { code: "xitou", zh: "溪头港区", en: "Xitou" },
        Code { code: "dongping", zh: "东平港区", en: "Dongping" },
    ],
};

#[rustfmt::skip]
pub static BERTH_PURPOSES: Dict = Dict {
    key: "berth_purpose",
    codes: &[
        Code { code: "general", zh: "通用", en: "General cargo" },
        Code { code: "container", zh: "集装箱", en: "Container" },
        Code { code: "bulk", zh: "散货", en: "Bulk" },
        Code { code: "lng", zh: "LNG", en: "LNG" },
        Code { code: "wind_power", zh: "风电装备", en: "Wind power equipment" },
        Code { code: "oil", zh: "油品", en: "Oil" },
        Code { code: "passenger", zh: "客运", en: "Passenger" },
    ],
};

#[rustfmt::skip]
pub static BERTH_STATUSES: Dict = Dict {
    key: "berth_status",
    codes: &[
        Code { code: "planned", zh: "规划", en: "Planned" },
        Code { code: "building", zh: "在建", en: "Under construction" },
        Code { code: "operating", zh: "已投产", en: "Operating" },
    ],
};

#[rustfmt::skip]
pub static CARGO_TYPES: Dict = Dict {
    key: "cargo_type",
    codes: &[
        Code { code: "coal", zh: "煤炭及制品", en: "Coal" },
        Code { code: "metal_ore", zh: "金属矿石", en: "Metal ore" },
        Code { code: "oil", zh: "石油、天然气及制品", en: "Oil and products" },
        Code { code: "lng", zh: "液化天然气", en: "LNG" },
        Code { code: "containers", zh: "集装箱（折吨）", en: "Containers (tonnes)" },
        Code { code: "wind_power_equipment", zh: "风电设备", en: "Wind power equipment" },
        Code { code: "grain", zh: "粮食", en: "Grain" },
        Code { code: "other", zh: "其他", en: "Other" },
    ],
};

#[rustfmt::skip]
pub static PILOTAGE_DIRECTIONS: Dict = Dict {
    key: "pilotage_direction",
    codes: &[
        Code { code: "inbound", zh: "进港", en: "Inbound" },
        Code { code: "outbound", zh: "出港", en: "Outbound" },
        Code { code: "shifting", zh: "移泊", en: "Shifting" },
    ],
};

#[rustfmt::skip]
const BERTH: Register = Register {
    key: "berths",
    zh: "码头泊位",
    en: "Berths",
    group: "port",
    about: "各港区码头泊位的用途、靠泊能力、设计通过能力、建设状态和投资，可关联重点项目。",
    fields: &[
        f("port_area", "港区", "Port area", Kind::Code(&PORT_AREAS)).req().list().filter(),
        f("berth_no", "泊位编号", "Berth no.", TEXT).req().list(),
        f("name", "泊位名称", "Name", TEXT).req().list(),
        f("purpose", "泊位用途", "Purpose", Kind::Code(&BERTH_PURPOSES)).req().list().filter(),
        f("dwt_class", "靠泊能力", "DWT class", COUNT).unit("吨").list().help("设计靠泊船舶吨级，如5万吨级填50000"),
        f("status", "建设状态", "Status", Kind::Code(&BERTH_STATUSES)).req().list().filter(),
        f("design_capacity", "设计通过能力", "Design capacity", AMOUNT).unit("万吨/年").list(),
        f("investment", "投资", "Investment", AMOUNT).unit("万元"),
        f("start_date", "开工日期", "Start", Kind::Date).filter(),
        f("completion_date", "建成日期", "Completion", Kind::Date).filter(),
        f("project_id", "所属项目", "Project", Kind::Ref("projects")).filter(),
    ],
    title: "name",
    unique: &[&["port_area", "berth_no"], &["name"]],
    access: Access::Bureau,
    order: ("port_area", false),
    rules: &[Rule::NotBefore { from: "start_date", to: "completion_date" }],
};

#[rustfmt::skip]
const THROUGHPUT: Register = Register {
    key: "port_throughput",
    zh: "港口货物吞吐量",
    en: "Port cargo throughput",
    group: "port",
    about: "各港区按货类的月度货物吞吐量（当月数），年度累计和同比由此汇总。",
    fields: &[
        f("month", "月份", "Month", Kind::Month).req().list().filter(),
        f("port_area", "港区", "Port area", Kind::Code(&PORT_AREAS)).req().list().filter(),
        f("cargo", "货类", "Cargo", Kind::Code(&CARGO_TYPES)).req().list().filter(),
        f("tonnes", "吞吐量", "Throughput", AMOUNT).unit("万吨").req().list(),
    ],
    title: "month",
    unique: &[&["month", "port_area", "cargo"]],
    access: Access::Bureau,
    order: ("month", true),
    rules: &[],
};

#[rustfmt::skip]
const PILOTAGE: Register = Register {
    key: "pilotage_jobs",
    zh: "引航作业",
    en: "Pilotage jobs",
    group: "port",
    about: "引航作业记录：船舶、吨位、服务企业（是否重点企业）、泊位和引航员；重点企业引航艘次和吨位由此统计。",
    fields: &[
        f("job_no", "作业单号", "Job no.", TEXT).req().list(),
        f("date", "作业日期", "Date", Kind::Date).req().list().filter(),
        f("ship_name", "船名", "Ship", TEXT).req().list(),
        f("direction", "作业类型", "Direction", Kind::Code(&PILOTAGE_DIRECTIONS)).list().filter(),
        f("gross_tonnage", "总吨", "Gross tonnage", COUNT).unit("GT").req().list(),
        f("length_m", "船长", "Length", AMOUNT).unit("m").list(),
        f("enterprise", "服务企业", "Enterprise served", TEXT).list(),
        f("key_enterprise", "重点企业", "Key enterprise", Kind::Bool).list().filter(),
        f("berth", "泊位", "Berth", TEXT),
        f("pilot", "引航员", "Pilot", TEXT),
    ],
    title: "job_no",
    unique: &[&["job_no"]],
    access: Access::Bureau,
    order: ("date", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[BERTH, THROUGHPUT, PILOTAGE];
