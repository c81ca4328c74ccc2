//! Demo rows of the work log: ~120 entries over the period (meetings, documents issued,
//! planning milestones, party building, training, inspections), with the epidemic and
//! resumption measures early in last year and the planning milestones in sequence.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{row, Batch, Ctx};

const SEED: u64 = 0x574f_524b_4c4f_4731;

/// An entry template: kind, title (`{y}` = year), tags, department, whether it is a
/// document with a number, summary.
type Template = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);

/// Entries of every year at a fixed month: (month, template).
const YEARLY: &[(u32, Template)] = &[
    (
        1,
        (
            "meeting",
            "召开{y}年全市交通运输工作会议",
            "年度工作",
            "办公室",
            false,
            "总结上年工作，部署本年度交通运输重点任务。",
        ),
    ),
    (
        1,
        (
            "document",
            "印发《{y}年全市交通运输工作要点》",
            "年度工作",
            "办公室",
            true,
            "明确全年重点项目、运输服务和安全生产目标任务。",
        ),
    ),
    (
        1,
        (
            "meeting",
            "召开{y}年春运工作部署会",
            "春运,安全生产",
            "运输科",
            false,
            "部署春运运力保障和安全生产工作。",
        ),
    ),
    (
        2,
        (
            "inspection",
            "督导检查{y}年春运安全工作",
            "春运,安全生产",
            "安全监督科",
            false,
            "检查客运站“三不进站、六不出站”落实情况。",
        ),
    ),
    (
        3,
        (
            "document",
            "印发《{y}年安全生产工作要点》",
            "安全生产",
            "安全监督科",
            true,
            "部署隐患排查治理和“两客一危”监管工作。",
        ),
    ),
    (
        4,
        (
            "inspection",
            "开展{y}年汛前公路安全检查",
            "防汛,公路",
            "公路科",
            false,
            "检查危桥、边坡和涉水路段防汛准备。",
        ),
    ),
    (
        6,
        (
            "meeting",
            "召开{y}年上半年工作总结会",
            "年度工作",
            "办公室",
            false,
            "总结上半年工作，研究下半年目标任务。",
        ),
    ),
    (
        7,
        (
            "party_building",
            "召开庆祝建党节暨{y}年“七一”表彰大会",
            "党建",
            "机关党委",
            false,
            "表彰优秀共产党员和先进基层党组织。",
        ),
    ),
    (
        9,
        (
            "meeting",
            "召开{y}年国庆假期运输保障部署会",
            "安全生产,运输保障",
            "运输科",
            false,
            "部署国庆假期运力保障和市场秩序整治。",
        ),
    ),
    (
        11,
        (
            "document",
            "印发《{y}年冬季道路运输安全生产工作方案》",
            "安全生产",
            "安全监督科",
            true,
            "部署冬季恶劣天气防范和隐患排查。",
        ),
    ),
];

/// Epidemic and resumption measures, in the first months of last year: (month, day, template).
const EPIDEMIC: &[(u32, u32, Template)] = &[
    (
        1,
        20,
        (
            "document",
            "印发《交通运输行业疫情防控工作指引》",
            "防疫",
            "运输科",
            true,
            "明确客运站、公交和出租车消毒通风、扫码登记要求。",
        ),
    ),
    (
        1,
        24,
        (
            "meeting",
            "召开交通运输疫情防控工作调度会",
            "防疫",
            "办公室",
            false,
            "部署高速出口、客运站防疫检查点设置。",
        ),
    ),
    (
        2,
        10,
        (
            "document",
            "印发《关于支持交通运输企业复工复产的若干措施》",
            "防疫,复工复产",
            "运输科",
            true,
            "出台运力保障、减免费用等措施支持企业复工。",
        ),
    ),
    (
        2,
        18,
        (
            "document",
            "印发《务工人员“点对点”包车返岗运输工作方案》",
            "防疫,复工复产,包车",
            "运输科",
            true,
            "组织包车接送务工人员返岗。",
        ),
    ),
    (
        3,
        5,
        (
            "meeting",
            "召开重点项目复工复产推进会",
            "复工复产,重点项目",
            "建设科",
            false,
            "协调解决在建项目用工、原材料问题。",
        ),
    ),
    (
        4,
        15,
        (
            "document",
            "印发《疫情防控常态化下交通运输工作方案》",
            "防疫,常态化",
            "办公室",
            true,
            "保留必要检查点，转入常态化防控。",
        ),
    ),
];

/// Planning milestones in sequence: (months after the start of the period, template).
const PLANNING: &[(u32, Template)] = &[
    (
        2,
        (
            "planning",
            "《阳江市综合交通运输“十五五”规划》启动编制",
            "规划,十五五",
            "规划科",
            false,
            "完成招标，成立编制工作专班。",
        ),
    ),
    (
        6,
        (
            "planning",
            "《阳江市综合交通运输“十五五”规划》完成基础研究",
            "规划,十五五",
            "规划科",
            false,
            "完成现状评估和需求预测专题。",
        ),
    ),
    (
        10,
        (
            "planning",
            "《阳江市综合交通运输“十五五”规划》形成征求意见稿",
            "规划,十五五",
            "规划科",
            false,
            "征求各县区和市直部门意见。",
        ),
    ),
    (
        14,
        (
            "planning",
            "《阳江市综合交通运输“十五五”规划》通过专家评审",
            "规划,十五五",
            "规划科",
            false,
            "专家组同意通过评审，按意见修改完善。",
        ),
    ),
    (
        18,
        (
            "planning",
            "《阳江市综合交通运输“十五五”规划》报市政府审定",
            "规划,十五五",
            "规划科",
            true,
            "提请市政府常务会议审议。",
        ),
    ),
    (
        5,
        (
            "planning",
            "《阳江港总体规划（修订）》征求意见",
            "规划,港口",
            "港航科",
            false,
            "征求省交通运输厅及沿海县区意见。",
        ),
    ),
    (
        9,
        (
            "planning",
            "《阳江市农村公路网规划》通过评审",
            "规划,农村公路",
            "公路科",
            false,
            "规划新改建农村公路和建制村通双车道公路。",
        ),
    ),
];

/// Recurring entries picked at random.
const GENERAL: &[Template] = &[
    (
        "meeting",
        "召开全市交通运输安全生产工作会议",
        "安全生产",
        "安全监督科",
        false,
        "通报事故情况，部署隐患排查治理。",
    ),
    (
        "meeting",
        "召开重点项目建设推进会",
        "重点项目",
        "建设科",
        false,
        "调度重点项目年度投资完成情况。",
    ),
    (
        "meeting",
        "召开治超工作联席会议",
        "治超,执法",
        "执法支队",
        false,
        "协调公安交警联合治超。",
    ),
    (
        "meeting",
        "召开局党组会议",
        "党建",
        "办公室",
        false,
        "研究“三重一大”事项。",
    ),
    (
        "document",
        "印发《农村公路“路长制”实施方案》",
        "农村公路",
        "公路科",
        true,
        "建立县乡村三级路长体系。",
    ),
    (
        "document",
        "印发《道路运输车辆动态监控专项整治方案》",
        "执法,动态监控",
        "运输科",
        true,
        "整治屏蔽信号、篡改数据等违法行为。",
    ),
    (
        "document",
        "转发《关于做好交通运输行业防汛防台风工作的通知》",
        "防汛,安全生产",
        "安全监督科",
        true,
        "落实防汛值班和应急抢险准备。",
    ),
    (
        "party_building",
        "开展主题党日活动",
        "党建",
        "机关党委",
        false,
        "组织党员开展志愿服务。",
    ),
    (
        "party_building",
        "开展党风廉政建设专题学习",
        "党建,廉政",
        "机关党委",
        false,
        "学习违纪违法典型案例。",
    ),
    (
        "training",
        "举办交通运输执法人员业务培训班",
        "培训,执法",
        "执法支队",
        false,
        "培训执法程序和文书规范。",
    ),
    (
        "training",
        "举办“两客一危”企业安全管理人员培训",
        "培训,安全生产",
        "安全监督科",
        false,
        "培训动态监控和隐患排查要求。",
    ),
    (
        "inspection",
        "督导检查重点项目建设进度",
        "重点项目",
        "建设科",
        false,
        "实地检查重点项目形象进度。",
    ),
    (
        "inspection",
        "开展危险货物运输企业安全检查",
        "安全生产,危险货物",
        "安全监督科",
        false,
        "检查企业安全制度和车辆技术状况。",
    ),
    (
        "other",
        "接待省交通运输厅调研组",
        "调研",
        "办公室",
        false,
        "汇报综合交通运输发展情况。",
    ),
];

pub fn generate(ctx: &Ctx) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(ctx.seed ^ SEED);
    let last = ctx.today.pred_opt().unwrap_or(ctx.today);
    let first = NaiveDate::from_ymd_opt(ctx.today.year() - 1, 1, 1).unwrap_or(last);

    let mut entries: Vec<(NaiveDate, Template)> = Vec::new();
    for &(m, d, t) in EPIDEMIC {
        entries.extend(NaiveDate::from_ymd_opt(first.year(), m, d).map(|date| (date, t)));
    }
    for &(after, t) in PLANNING {
        let month0 = first.month0() + after;
        let date = NaiveDate::from_ymd_opt(
            first.year() + (month0 / 12) as i32,
            month0 % 12 + 1,
            rng.random_range(5..=25),
        );
        entries.extend(date.map(|date| (date, t)));
    }
    let mut month = Some(first);
    while let Some(m) = month.filter(|m| *m <= last) {
        for &(month_no, t) in YEARLY {
            if month_no == m.month() {
                entries.extend(m.with_day(rng.random_range(3..=20)).map(|d| (d, t)));
            }
        }
        for _ in 0..rng.random_range(3..=5) {
            if let Some(&t) = GENERAL.choose(&mut rng) {
                entries.extend(m.with_day(rng.random_range(1..=28)).map(|d| (d, t)));
            }
        }
        month = m.checked_add_months(chrono::Months::new(1));
    }
    entries.retain(|(d, _)| *d >= first && *d <= last);
    entries.sort_by_key(|(d, _)| *d);

    let mut seen = HashSet::new();
    let mut doc_seq: (i32, u32) = (0, 0);
    let mut rows = Vec::new();
    for (date, (kind, title, tags, department, numbered, summary)) in entries {
        let title = title.replace("{y}", &date.year().to_string());
        if !seen.insert((date, title.clone())) {
            continue;
        }
        let document_no = numbered.then(|| {
            if doc_seq.0 != date.year() {
                doc_seq = (date.year(), 0);
            }
            doc_seq.1 += rng.random_range(1..=6);
            format!("阳交〔{}〕{}号", date.year(), doc_seq.1)
        });
        rows.push(row([
            ("date", json!(date.format("%Y-%m-%d").to_string())),
            ("title", json!(title)),
            ("kind", json!(kind)),
            ("tags", json!(tags)),
            ("document_no", document_no.map_or(Value::Null, |n| json!(n))),
            ("summary", json!(summary)),
            ("department", json!(department)),
        ]));
    }
    vec![Batch {
        register: "work_log",
        rows,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet;
    use crate::records::test_util::{ctx, deterministic, text};

    #[test]
    fn same_seed_same_rows() {
        deterministic(generate, 50, "work_log");
    }

    #[test]
    fn covers_the_period_with_tagged_entries() {
        let f = fleet::generate(3, 50);
        let out = generate(&ctx(&f, 1));
        let rows = &out[0].rows;
        assert!((100..=160).contains(&rows.len()), "{}", rows.len());
        let dates: Vec<&str> = rows.iter().map(|r| text(r, "date")).collect();
        assert!(dates.first().is_some_and(|d| *d < "2025-01-31"));
        assert!(dates
            .last()
            .is_some_and(|d| *d >= "2026-11-01" && *d <= "2026-11-25"));
        assert!(rows
            .iter()
            .any(|r| text(r, "tags").contains("防疫") && text(r, "kind") == "document"));
        assert!(
            rows.iter()
                .filter(|r| text(r, "kind") == "planning")
                .count()
                >= 5
        );
        assert!(rows.iter().all(|r| !text(r, "tags").is_empty()));
        let mut numbers: Vec<&str> = rows
            .iter()
            .map(|r| text(r, "document_no"))
            .filter(|n| !n.is_empty())
            .collect();
        let n = numbers.len();
        numbers.dedup();
        assert_eq!(numbers.len(), n, "document numbers are unique");
    }
}
