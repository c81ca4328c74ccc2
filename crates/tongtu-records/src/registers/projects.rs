//! 重点项目与资金: key projects with their annual plans, monthly completed investment,
//! funding sources, approvals and milestones, and the subsidies won from the ministry and
//! the province. Figures: completed this year, % of the annual plan, cumulative, secured
//! funding, funding gap and gap ratio (see `crate::agg::projects`).

use crate::decl::*;

pub static PROJECT_KINDS: Dict = Dict {
    key: "project_kind",
    codes: &[
        Code {
            code: "railway",
            zh: "铁路",
            en: "Railway",
        },
        Code {
            code: "expressway",
            zh: "高速公路",
            en: "Expressway",
        },
        Code {
            code: "trunk_road",
            zh: "国省干线公路",
            en: "National/provincial trunk road",
        },
        Code {
            code: "rural_road",
            zh: "农村公路",
            en: "Rural road programme",
        },
        Code {
            code: "port_berth",
            zh: "港口码头",
            en: "Port berth",
        },
        Code {
            code: "channel",
            zh: "航道",
            en: "Channel",
        },
        Code {
            code: "station",
            zh: "客货运站场",
            en: "Passenger/freight station",
        },
    ],
};

pub static PROJECT_STATUSES: Dict = Dict {
    key: "project_status",
    codes: &[
        Code {
            code: "preparing",
            zh: "前期",
            en: "Preparation",
        },
        Code {
            code: "building",
            zh: "在建",
            en: "Under construction",
        },
        Code {
            code: "completed",
            zh: "完工",
            en: "Completed",
        },
        Code {
            code: "suspended",
            zh: "暂停",
            en: "Suspended",
        },
    ],
};

pub static FUNDING_SOURCES: Dict = Dict {
    key: "funding_source",
    codes: &[
        Code {
            code: "ministry",
            zh: "部补助",
            en: "Ministry subsidy",
        },
        Code {
            code: "province",
            zh: "省补助",
            en: "Provincial subsidy",
        },
        Code {
            code: "city",
            zh: "市财政",
            en: "City budget",
        },
        Code {
            code: "county",
            zh: "县区财政",
            en: "County budget",
        },
        Code {
            code: "special_bond",
            zh: "专项债",
            en: "Special bond",
        },
        Code {
            code: "bank_loan",
            zh: "银行贷款",
            en: "Bank loan",
        },
        Code {
            code: "enterprise",
            zh: "企业自筹",
            en: "Enterprise funds",
        },
    ],
};

pub static APPROVAL_KINDS: Dict = Dict {
    key: "approval_kind",
    codes: &[
        Code {
            code: "feasibility",
            zh: "工可批复",
            en: "Feasibility approval",
        },
        Code {
            code: "preliminary_design",
            zh: "初步设计批复",
            en: "Preliminary design approval",
        },
        Code {
            code: "construction_design",
            zh: "施工图设计批复",
            en: "Construction design approval",
        },
        Code {
            code: "land",
            zh: "用地批复",
            en: "Land approval",
        },
    ],
};

pub static SUBSIDY_LEVELS: Dict = Dict {
    key: "subsidy_level",
    codes: &[
        Code {
            code: "ministry",
            zh: "交通运输部",
            en: "Ministry",
        },
        Code {
            code: "province",
            zh: "省交通运输厅",
            en: "Province",
        },
    ],
};

const PROJECT: Register = Register {
    key: "projects",
    zh: "重点项目",
    en: "Key projects",
    group: "projects",
    about: "铁路、高速公路、国省道、农村公路、港口码头和航道等重点建设项目的基本信息与总投资。",
    fields: &[
        f("code", "项目编号", "Code", TEXT).req().list(),
        f("name", "项目名称", "Name", TEXT).req().list(),
        f("kind", "项目类别", "Kind", Kind::Code(&PROJECT_KINDS))
            .req()
            .list()
            .filter(),
        f("section", "建设路段/地点", "Section", TEXT),
        f("county_id", "所在县区", "County", Kind::Region).filter(),
        f("owner", "建设单位", "Owner", TEXT),
        f("scale", "建设规模", "Scale", LONG),
        f("total_investment", "总投资", "Total investment", AMOUNT)
            .unit("万元")
            .req()
            .list(),
        f("start_date", "开工日期", "Start", Kind::Date)
            .list()
            .filter(),
        f(
            "planned_end_date",
            "计划完工日期",
            "Planned completion",
            Kind::Date,
        ),
        f(
            "status",
            "建设状态",
            "Status",
            Kind::Code(&PROJECT_STATUSES),
        )
        .req()
        .list()
        .filter(),
        f("progress_note", "形象进度", "Progress", LONG),
    ],
    title: "name",
    unique: &[&["code"], &["name"]],
    access: Access::Bureau,
    order: ("start_date", true),
    rules: &[],
};

const PLAN: Register = Register {
    key: "project_plans",
    zh: "项目年度计划",
    en: "Annual investment plans",
    group: "projects",
    about: "各项目每年的计划投资，用于计算年度计划完成率。",
    fields: &[
        f("project_id", "项目", "Project", Kind::Ref("projects"))
            .req()
            .list()
            .filter(),
        f("year", "年度", "Year", YEAR).req().list().filter(),
        f(
            "planned_investment",
            "年度计划投资",
            "Planned investment",
            AMOUNT,
        )
        .unit("万元")
        .req()
        .list(),
        f("targets", "年度建设目标", "Targets", LONG),
    ],
    title: "project_id",
    unique: &[&["project_id", "year"]],
    access: Access::Bureau,
    order: ("year", true),
    rules: &[],
};

const INVESTMENT: Register = Register {
    key: "project_investments",
    zh: "项目月度完成投资",
    en: "Monthly completed investment",
    group: "projects",
    about: "各项目每月完成投资（当月数），年度完成、累计完成均由此汇总。",
    fields: &[
        f("project_id", "项目", "Project", Kind::Ref("projects"))
            .req()
            .list()
            .filter(),
        f("month", "月份", "Month", Kind::Month)
            .req()
            .list()
            .filter(),
        f(
            "completed",
            "当月完成投资",
            "Completed in the month",
            AMOUNT,
        )
        .unit("万元")
        .req()
        .list(),
        f("note", "备注", "Note", TEXT),
    ],
    title: "project_id",
    unique: &[&["project_id", "month"]],
    access: Access::Bureau,
    order: ("month", true),
    rules: &[],
};

const FUNDING: Register = Register {
    key: "project_funding",
    zh: "项目资金来源",
    en: "Funding sources",
    group: "projects",
    about: "各项目按来源的计划资金与已落实资金；资金缺口 = 总投资 − 已落实资金。",
    fields: &[
        f("project_id", "项目", "Project", Kind::Ref("projects"))
            .req()
            .list()
            .filter(),
        f("source", "资金来源", "Source", Kind::Code(&FUNDING_SOURCES))
            .req()
            .list()
            .filter(),
        f("planned", "计划筹措", "Planned", AMOUNT)
            .unit("万元")
            .list(),
        f("secured", "已落实", "Secured", AMOUNT)
            .unit("万元")
            .req()
            .list(),
        f("note", "备注", "Note", TEXT),
    ],
    title: "project_id",
    unique: &[&["project_id", "source"]],
    access: Access::Bureau,
    order: ("project_id", false),
    rules: &[],
};

const APPROVAL: Register = Register {
    key: "project_approvals",
    zh: "项目审批",
    en: "Approvals",
    group: "projects",
    about: "工可、初设、施工图和用地等批复，含批复日期和文号。",
    fields: &[
        f("project_id", "项目", "Project", Kind::Ref("projects"))
            .req()
            .list()
            .filter(),
        f("kind", "批复类型", "Kind", Kind::Code(&APPROVAL_KINDS))
            .req()
            .list()
            .filter(),
        f("approved_on", "批复日期", "Approved on", Kind::Date)
            .req()
            .list()
            .filter(),
        f("document_no", "批复文号", "Document no.", TEXT).list(),
        f("authority", "批复机关", "Authority", TEXT),
    ],
    title: "document_no",
    unique: &[&["project_id", "kind"]],
    access: Access::Bureau,
    order: ("approved_on", true),
    rules: &[],
};

const MILESTONE: Register = Register {
    key: "project_milestones",
    zh: "项目节点",
    en: "Milestones",
    group: "projects",
    about: "项目进度节点（开工、交工、通车等）的计划与实际日期。",
    fields: &[
        f("project_id", "项目", "Project", Kind::Ref("projects"))
            .req()
            .list()
            .filter(),
        f("name", "节点", "Milestone", TEXT).req().list(),
        f("planned_date", "计划日期", "Planned", Kind::Date)
            .list()
            .filter(),
        f("actual_date", "实际日期", "Actual", Kind::Date).list(),
        f("note", "备注", "Note", TEXT),
    ],
    title: "name",
    unique: &[&["project_id", "name"]],
    access: Access::Bureau,
    order: ("planned_date", false),
    rules: &[],
};

const SUBSIDY: Register = Register {
    key: "subsidies",
    zh: "上级补助资金",
    en: "Subsidies won",
    group: "projects",
    about: "每年争取到的部、省补助资金，可关联到项目。",
    fields: &[
        f("year", "年度", "Year", YEAR).req().list().filter(),
        f("level", "下达单位", "From", Kind::Code(&SUBSIDY_LEVELS))
            .req()
            .list()
            .filter(),
        f("name", "资金名称", "Name", TEXT).req().list(),
        f("project_id", "关联项目", "Project", Kind::Ref("projects")).filter(),
        f("amount", "金额", "Amount", AMOUNT)
            .unit("万元")
            .req()
            .list(),
        f("document_no", "下达文号", "Document no.", TEXT),
        f("received_on", "下达日期", "Received on", Kind::Date).list(),
    ],
    title: "name",
    unique: &[&["year", "level", "name"]],
    access: Access::Bureau,
    order: ("year", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[
    PROJECT, PLAN, INVESTMENT, FUNDING, APPROVAL, MILESTONE, SUBSIDY,
];
