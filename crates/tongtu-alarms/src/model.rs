//! What the API returns: alarms with the names operators search by, their actions, cases.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// UTC milliseconds to a timestamp (out-of-range values clamp to the epoch rather than fail:
/// they come from our own rows).
pub fn ts(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The handling state of an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// 待处理: waiting for the enterprise.
    New,
    /// 已处理: handled, waiting for the bureau's review.
    Handled,
    /// 督办中: escalated by the bureau with a deadline.
    Escalated,
    /// 已办结: done.
    Closed,
}

impl AlarmState {
    pub const ALL: [AlarmState; 4] = [
        AlarmState::New,
        AlarmState::Handled,
        AlarmState::Escalated,
        AlarmState::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlarmState::New => "new",
            AlarmState::Handled => "handled",
            AlarmState::Escalated => "escalated",
            AlarmState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<AlarmState> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// One alarm as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlarmItem {
    pub id: i64,
    pub vehicle_id: i64,
    pub plate: String,
    pub plate_color: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub vehicle_type: String,
    /// Rule code (`speeding`, `terminal_0`, `forbidden_3`, ...).
    pub rule: String,
    pub severity: String,
    pub start_at: DateTime<Utc>,
    pub end_at: Option<DateTime<Utc>>,
    /// Still going on (no end yet).
    pub open: bool,
    /// The episode's extreme (km/h for speeding and drift, seconds for durations).
    pub peak: f64,
    /// The threshold that applied.
    pub limit: f64,
    pub detail: String,
    pub state: AlarmState,
    /// Deadline of an escalation (督办).
    pub deadline: Option<DateTime<Utc>>,
    /// Escalated and past its deadline.
    pub overdue: bool,
    pub case_id: Option<i64>,
    /// Where it started (WGS-84 degrees).
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: f64,
    pub handled_at: Option<DateTime<Utc>>,
    /// The measure of the latest handling.
    pub measure: Option<String>,
}

/// One step of an alarm's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlarmAction {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    /// `opened`, `closed`, `handle`, `text_sent`, `text_failed`, `review_approve`,
    /// `review_reject`, `escalate`, `close`, `case`.
    pub action: String,
    pub measure: Option<String>,
    pub note: Option<String>,
    pub text: Option<String>,
    /// The terminal's answer to a text (`accepted`, `failed`, `bad_message`, `unsupported`)
    /// or why there was none.
    pub terminal_result: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
}

/// An alarm with its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlarmDetail {
    #[serde(flatten)]
    pub alarm: AlarmItem,
    pub actions: Vec<AlarmAction>,
    /// Name of the geofence of a fence rule.
    pub fence_name: Option<String>,
}

/// A minimal enforcement case (the case register extends it).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: i64,
    pub case_no: String,
    /// 道路运政.
    pub case_type: String,
    /// 屏蔽信号, 篡改数据, 超速, 疲劳, 夜间违规, 其他.
    pub violation: String,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub alarm_id: Option<i64>,
    pub opened_at: DateTime<Utc>,
    pub status: String,
    pub summary: String,
    pub created_by: String,
}

/// A page of results with a cursor (the last id) for the next one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<i64>,
    pub total: i64,
}

/// One point of an alarm's evidence track.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidencePoint {
    pub t: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub speed_kmh: f64,
    pub direction: u16,
    /// GNSS fix valid.
    pub valid: bool,
    /// Inside the alarm's time span.
    pub in_alarm: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub points: Vec<EvidencePoint>,
    /// More positions existed than returned (evenly thinned, alarm span kept).
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleCount {
    pub rule: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    pub state: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseCount {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub count: i64,
    /// Not yet closed.
    pub open: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    pub day: String,
    pub count: i64,
}

/// Alarm statistics of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub total: i64,
    pub by_rule: Vec<RuleCount>,
    pub by_state: Vec<StateCount>,
    pub by_enterprise: Vec<EnterpriseCount>,
    /// By Beijing hour of the start, 0..24.
    pub by_hour: Vec<i64>,
    pub by_day: Vec<DayCount>,
}

/// What waits for the caller.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notifications {
    /// New or escalated alarms (to handle).
    pub to_handle: i64,
    /// Handled alarms waiting for review.
    pub to_review: i64,
    pub escalated: i64,
    pub overdue: i64,
    pub latest: Vec<AlarmItem>,
}
