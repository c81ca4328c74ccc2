//! The alarm list as an Excel workbook in the layout bureaus exchange: Chinese headers, one
//! row per alarm, the filters that produced it noted above the table.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::{AlarmError, Result};
use crate::model::{AlarmItem, AlarmState};

/// Most rows one export holds (an Excel sheet takes about a million; a bureau's month of
/// alarms is tens of thousands).
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// Chinese name of a rule code.
pub fn rule_name_zh(rule: &str) -> String {
    let named = match rule {
        "terminal_0" => "紧急报警",
        "terminal_1" => "超速报警（终端）",
        "terminal_2" => "疲劳驾驶（终端）",
        "terminal_5" => "GNSS天线未接或被剪断",
        "terminal_6" => "GNSS天线短路",
        "terminal_8" => "终端主电源掉电",
        "terminal_14" => "疲劳驾驶预警",
        "terminal_18" => "当天累计驾驶超时（终端）",
        "terminal_19" => "超时停车",
        "speeding" => "超速",
        "fatigue" => "疲劳驾驶",
        "daily_driving" => "当日累计驾驶超时",
        "weekly_driving" => "7日累计驾驶超时",
        "night_ban" => "夜间禁行（2-5时）",
        "offline" => "离线",
        "signal_shielding" => "疑似屏蔽信号",
        "drift" => "卫星定位漂移",
        "tampering" => "疑似篡改数据",
        _ => "",
    };
    if !named.is_empty() {
        return named.to_string();
    }
    let Some((family, n)) = rule.rsplit_once('_') else {
        return rule.to_string();
    };
    match family {
        "terminal" => format!("终端报警（位{n}）"),
        "fence_enter" => format!("进区域（围栏{n}）"),
        "fence_leave" => format!("出区域（围栏{n}）"),
        "forbidden" => format!("禁行区（围栏{n}）"),
        "route_deviation" => format!("危货路线偏离（围栏{n}）"),
        "zone_speeding" => format!("路段超速（围栏{n}）"),
        _ => rule.to_string(),
    }
}

fn state_zh(s: AlarmState) -> &'static str {
    match s {
        AlarmState::New => "待处理",
        AlarmState::Handled => "已处理",
        AlarmState::Escalated => "督办中",
        AlarmState::Closed => "已办结",
    }
}

fn severity_zh(s: &str) -> &str {
    match s {
        "info" => "提示",
        "warning" => "一般",
        "serious" => "严重",
        other => other,
    }
}

fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn xlsx(e: XlsxError) -> AlarmError {
    AlarmError::Internal(format!("writing the workbook: {e}"))
}

/// The workbook: a title row naming the filters, the header row, the alarms.
pub fn workbook(items: &[AlarmItem], filters: &str) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("告警明细").map_err(xlsx)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, format!("动态监控告警明细（{filters}）"), &bold)
        .map_err(xlsx)?;
    let headers = [
        "告警编号",
        "车牌号",
        "企业",
        "车辆类型",
        "告警类型",
        "级别",
        "开始时间",
        "结束时间",
        "持续（秒）",
        "峰值",
        "阈值",
        "处置状态",
        "督办期限",
        "已逾期",
        "处置措施",
        "执法案件",
        "纬度",
        "经度",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    for (i, a) in items.iter().enumerate() {
        let r = i as u32 + 2;
        let duration = a
            .end_at
            .map(|e| (e - a.start_at).num_seconds().to_string())
            .unwrap_or_else(|| "持续中".into());
        let cells: [String; 18] = [
            a.id.to_string(),
            a.plate.clone(),
            a.enterprise_name.clone(),
            a.vehicle_type.clone(),
            rule_name_zh(&a.rule),
            severity_zh(&a.severity).to_string(),
            beijing(a.start_at),
            a.end_at.map(beijing).unwrap_or_default(),
            duration,
            format!("{:.1}", a.peak),
            format!("{:.1}", a.limit),
            state_zh(a.state).to_string(),
            a.deadline.map(beijing).unwrap_or_default(),
            if a.overdue { "是" } else { "" }.to_string(),
            a.measure.clone().unwrap_or_default(),
            a.case_id.map(|c| c.to_string()).unwrap_or_default(),
            format!("{:.6}", a.lat),
            format!("{:.6}", a.lon),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v).map_err(xlsx)?;
        }
    }
    ws.autofit();
    wb.save_to_buffer().map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_cover_every_family() {
        assert_eq!(rule_name_zh("speeding"), "超速");
        assert_eq!(rule_name_zh("terminal_0"), "紧急报警");
        assert_eq!(rule_name_zh("terminal_22"), "终端报警（位22）");
        assert_eq!(rule_name_zh("zone_speeding_4"), "路段超速（围栏4）");
        assert_eq!(rule_name_zh("route_deviation_12"), "危货路线偏离（围栏12）");
        assert_eq!(rule_name_zh("mystery"), "mystery");
    }
}
