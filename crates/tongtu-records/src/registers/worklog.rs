//! 大事记: the bureau's work log (meetings, documents issued, planning milestones, party
//! building, training, inspections), tagged so the report can cite the measures issued for
//! epidemic control and resumption or the planning milestones of a period.
//!
//! Items carry `#[rustfmt::skip]` so the one-line-per-code/field layout of the declarations
//! (as in `projects.rs`) survives `rustfmt`.

use crate::decl::*;

#[rustfmt::skip]
pub static WORK_KINDS: Dict = Dict {
    key: "work_kind",
    codes: &[
        Code { code: "meeting", zh: "会议", en: "Meeting" },
        Code { code: "document", zh: "发文", en: "Document issued" },
        Code { code: "planning", zh: "规划编制", en: "Planning" },
        Code { code: "party_building", zh: "党建工作", en: "Party building" },
        Code { code: "training", zh: "教育培训", en: "Training" },
        Code { code: "inspection", zh: "督导检查", en: "Inspection" },
        Code { code: "other", zh: "其他", en: "Other" },
    ],
};

#[rustfmt::skip]
const WORK_LOG: Register = Register {
    key: "work_log",
    zh: "大事记",
    en: "Work log",
    group: "worklog",
    about: "局机关重要会议、发文、规划编制节点、党建、培训和督导检查等事项。",
    fields: &[
        f("date", "日期", "Date", Kind::Date).req().list().filter(),
        f("title", "事项", "Title", TEXT).req().list(),
        f("kind", "类别", "Kind", Kind::Code(&WORK_KINDS)).req().list().filter(),
        f("tags", "标签", "Tags", TEXT).list().help("以逗号分隔，如 防疫,复工复产,规划"),
        f("document_no", "文号", "Document no.", TEXT).list(),
        f("summary", "内容摘要", "Summary", LONG),
        f("department", "承办科室", "Department", TEXT).list(),
    ],
    title: "title",
    unique: &[&["date", "title"]],
    access: Access::Bureau,
    order: ("date", true),
    rules: &[],
};

pub const REGISTERS: &[Register] = &[WORK_LOG];
