//! The handling workflow: an enterprise officer handles an alarm (with a text to the driver
//! through the terminal when that is the measure), the bureau reviews, escalates (督办) with a
//! deadline, closes, or turns it into an enforcement case. Every step is an action on the
//! alarm and an audit entry, written in the same transaction as the state change; a state
//! change only applies if the alarm is still in the state it was read in.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{Permission, Principal};
use tongtu_track::BEIJING_OFFSET_MS;

use crate::error::{AlarmError, Result};
use crate::model::{ts, AlarmDetail, AlarmState, Case};
use crate::store;

/// The terminal's answer to a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextAnswer {
    /// 0x0001 result 0.
    Accepted,
    /// Any other result code (1 failed, 2 bad message, 3 unsupported).
    Refused(u8),
}

impl TextAnswer {
    pub fn code(self) -> String {
        match self {
            TextAnswer::Accepted => "accepted".into(),
            TextAnswer::Refused(1) => "failed".into(),
            TextAnswer::Refused(2) => "bad_message".into(),
            TextAnswer::Refused(3) => "unsupported".into(),
            TextAnswer::Refused(n) => format!("result_{n}"),
        }
    }
}

/// Why a text got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownlinkFailure {
    /// The vehicle has no active terminal in the registry.
    NoTerminal,
    /// The terminal is not connected.
    Offline,
    /// It did not answer in time.
    Timeout,
    /// Anything else (encoding, session closed).
    Other(String),
}

impl DownlinkFailure {
    pub fn code(&self) -> String {
        match self {
            DownlinkFailure::NoTerminal => "no_terminal".into(),
            DownlinkFailure::Offline => "offline".into(),
            DownlinkFailure::Timeout => "timeout".into(),
            DownlinkFailure::Other(m) => format!("error: {m}"),
        }
    }
}

pub type DownlinkFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<TextAnswer, DownlinkFailure>> + Send + 'a>>;

/// A boxed future answering a downlink command.
pub type CommandFuture<'a, T> =
    Pin<Box<dyn Future<Output = std::result::Result<T, DownlinkFailure>> + Send + 'a>>;

/// One terminal parameter as read back (id and value as text).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ParamEntry {
    pub id: u32,
    pub value: String,
}

/// Commands to a vehicle's terminal (implemented over the gateway by the binary; nothing
/// here knows the protocol): a text to the driver (0x8300), a position query (0x8201),
/// reading the parameters (0x8104).
pub trait Downlink: Send + Sync {
    fn send_text<'a>(
        &'a self,
        vehicle_id: i64,
        text: &'a str,
        requested_by: &'a str,
    ) -> DownlinkFuture<'a>;

    fn query_location<'a>(
        &'a self,
        vehicle_id: i64,
        requested_by: &'a str,
    ) -> CommandFuture<'a, tongtu_track::Position>;

    fn query_params<'a>(
        &'a self,
        vehicle_id: i64,
        requested_by: &'a str,
    ) -> CommandFuture<'a, Vec<ParamEntry>>;
}

/// The API error of a command that got no answer.
pub fn failure_error(f: &DownlinkFailure) -> AlarmError {
    match f {
        DownlinkFailure::Timeout => {
            AlarmError::TerminalTimeout("the terminal did not answer in time".into())
        }
        DownlinkFailure::NoTerminal => {
            AlarmError::TerminalUnavailable("the vehicle has no active terminal".into())
        }
        DownlinkFailure::Offline => {
            AlarmError::TerminalUnavailable("the terminal is not online".into())
        }
        DownlinkFailure::Other(m) => AlarmError::TerminalUnavailable(m.clone()),
    }
}

/// What the officer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 电话提醒.
    PhoneCall,
    /// 下发文本 (JT/T 808 0x8300).
    TextToDriver,
    /// 更换驾驶员.
    DriverReplaced,
    /// 误报 (reason required).
    FalseAlarm,
    /// 其他.
    Other,
}

impl Measure {
    pub fn code(self) -> &'static str {
        match self {
            Measure::PhoneCall => "phone_call",
            Measure::TextToDriver => "text_to_driver",
            Measure::DriverReplaced => "driver_replaced",
            Measure::FalseAlarm => "false_alarm",
            Measure::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleInput {
    pub measure: Measure,
    #[serde(default)]
    pub note: String,
    /// The text for `text_to_driver` (≤ 200 characters).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateInput {
    pub deadline: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    pub summary: Option<String>,
}

pub const MAX_TEXT_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 500;

fn check_note(note: &str, required: bool) -> Result<String> {
    let note = note.trim();
    if required && note.is_empty() {
        return Err(AlarmError::invalid("note", "a reason is required"));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AlarmError::invalid(
            "note",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(note.to_string())
}

fn require(p: &Principal, perm: Permission) -> Result<()> {
    if p.has(perm) {
        Ok(())
    } else {
        Err(AlarmError::Forbidden(format!(
            "role {} may not do this",
            p.role.code()
        )))
    }
}

struct Step<'a> {
    alarm_id: i64,
    action: &'a str,
    measure: Option<&'a str>,
    note: &'a str,
    text: Option<&'a str>,
    terminal_result: Option<String>,
    deadline_ms: Option<i64>,
}

async fn record_step(
    conn: &mut sqlx::SqliteConnection,
    p: &Principal,
    s: &Step<'_>,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO alarm_actions (alarm_id, at_ms, actor_id, actor_name, action, measure, note, \
         text, terminal_result, deadline_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(s.alarm_id)
    .bind(now_ms)
    .bind(p.user_id)
    .bind(&p.display_name)
    .bind(s.action)
    .bind(s.measure)
    .bind((!s.note.is_empty()).then_some(s.note))
    .bind(s.text)
    .bind(s.terminal_result.as_deref())
    .bind(s.deadline_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies a state change if the alarm is still in one of `from`, with its action and audit
/// entry, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn transition(
    db: &SqlitePool,
    p: &Principal,
    alarm_id: i64,
    from: &[AlarmState],
    to: AlarmState,
    set_deadline: Option<Option<i64>>,
    handled: Option<&str>,
    step: Step<'_>,
    summary: String,
    now_ms: i64,
) -> Result<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let before: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, deadline_ms FROM alarms WHERE id = $1")
            .bind(alarm_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((before_state, before_deadline)) = before else {
        return Err(AlarmError::NotFound(format!("alarm {alarm_id}")));
    };
    if !from.iter().any(|s| s.code() == before_state) {
        return Err(AlarmError::Conflict(format!(
            "alarm {alarm_id} is {before_state}; this step needs it to be {}",
            from.iter()
                .map(|s| s.code())
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    let deadline = set_deadline.unwrap_or(before_deadline);
    sqlx::query(
        "UPDATE alarms SET state = $1, deadline_ms = $2, updated_ms = $3, \
         handled_ms = CASE WHEN $4 IS NULL THEN handled_ms ELSE $3 END, \
         measure = COALESCE($4, measure) WHERE id = $5",
    )
    .bind(to.code())
    .bind(deadline)
    .bind(now_ms)
    .bind(handled)
    .bind(alarm_id)
    .execute(&mut *tx)
    .await?;
    record_step(&mut tx, p, &step, now_ms).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: &format!("alarm.{}", step.action),
            entity: "alarm",
            entity_id: Some(alarm_id),
            summary,
            before: Some(
                serde_json::json!({ "state": before_state, "deadline_ms": before_deadline }),
            ),
            after: Some(serde_json::json!({
                "state": to.code(),
                "deadline_ms": deadline,
                "measure": step.measure,
                "note": step.note,
                "text": step.text,
                "terminal_result": step.terminal_result,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An officer handles an alarm of their enterprise.
pub async fn handle(
    db: &SqlitePool,
    downlink: Option<&dyn Downlink>,
    p: &Principal,
    alarm_id: i64,
    input: &HandleInput,
    now_ms: impl Fn() -> i64,
) -> Result<AlarmDetail> {
    require(p, Permission::AlarmHandle)?;
    let alarm = store::get(db, p, alarm_id, now_ms()).await?;
    if !matches!(alarm.state, AlarmState::New | AlarmState::Escalated) {
        return Err(AlarmError::Conflict(format!(
            "alarm {alarm_id} is {}; only new or escalated alarms are handled",
            alarm.state.code()
        )));
    }
    let note = check_note(&input.note, input.measure == Measure::FalseAlarm)?;
    let mut text = None;
    let mut terminal_result = None;
    if input.measure == Measure::TextToDriver {
        let t = input.text.as_deref().map(str::trim).unwrap_or("");
        if t.is_empty() {
            return Err(AlarmError::invalid(
                "text",
                "the text to send to the driver is required",
            ));
        }
        if t.chars().count() > MAX_TEXT_CHARS {
            return Err(AlarmError::invalid(
                "text",
                format!("at most {MAX_TEXT_CHARS} characters"),
            ));
        }
        let Some(dl) = downlink else {
            return Err(AlarmError::TerminalUnavailable(
                "the JT/T 808 gateway is not running".into(),
            ));
        };
        let outcome = dl.send_text(alarm.vehicle_id, t, &p.username).await;
        let failed = match &outcome {
            Ok(TextAnswer::Accepted) => None,
            Ok(a) => Some((
                a.code(),
                AlarmError::TerminalUnavailable(format!(
                    "the terminal refused the text ({})",
                    a.code()
                )),
            )),
            Err(f) => Some((f.code(), failure_error(f))),
        };
        if let Some((code, err)) = failed {
            // The attempt is part of the alarm's history even though the state stays.
            let mut conn = db.acquire().await?;
            record_step(
                &mut conn,
                p,
                &Step {
                    alarm_id,
                    action: "text_failed",
                    measure: Some(input.measure.code()),
                    note: &note,
                    text: Some(t),
                    terminal_result: Some(code),
                    deadline_ms: None,
                },
                now_ms(),
            )
            .await?;
            return Err(err);
        }
        text = Some(t.to_string());
        terminal_result = Some(TextAnswer::Accepted.code());
        let mut conn = db.acquire().await?;
        record_step(
            &mut conn,
            p,
            &Step {
                alarm_id,
                action: "text_sent",
                measure: Some(input.measure.code()),
                note: "",
                text: Some(t),
                terminal_result: terminal_result.clone(),
                deadline_ms: None,
            },
            now_ms(),
        )
        .await?;
    }
    transition(
        db,
        p,
        alarm_id,
        &[AlarmState::New, AlarmState::Escalated],
        AlarmState::Handled,
        None,
        Some(input.measure.code()),
        Step {
            alarm_id,
            action: "handle",
            measure: Some(input.measure.code()),
            note: &note,
            text: text.as_deref(),
            terminal_result,
            deadline_ms: None,
        },
        format!(
            "处置告警 {alarm_id}（{} {}）: {}",
            alarm.plate,
            alarm.rule,
            input.measure.code()
        ),
        now_ms(),
    )
    .await?;
    store::detail(db, p, alarm_id, now_ms()).await
}

/// The bureau approves (closes) or returns a handled alarm.
pub async fn review(
    db: &SqlitePool,
    p: &Principal,
    alarm_id: i64,
    input: &ReviewInput,
    now_ms: i64,
) -> Result<AlarmDetail> {
    require(p, Permission::AlarmSupervise)?;
    let alarm = store::get(db, p, alarm_id, now_ms).await?;
    let note = check_note(&input.note, !input.approve)?;
    // A returned alarm goes back to where it came from: escalated ones keep their deadline.
    let to = if input.approve {
        AlarmState::Closed
    } else if alarm.deadline.is_some() {
        AlarmState::Escalated
    } else {
        AlarmState::New
    };
    let action = if input.approve {
        "review_approve"
    } else {
        "review_reject"
    };
    transition(
        db,
        p,
        alarm_id,
        &[AlarmState::Handled],
        to,
        None,
        None,
        Step {
            alarm_id,
            action,
            measure: None,
            note: &note,
            text: None,
            terminal_result: None,
            deadline_ms: None,
        },
        format!(
            "{}告警 {alarm_id}（{}）",
            if input.approve {
                "审核通过"
            } else {
                "退回"
            },
            alarm.plate
        ),
        now_ms,
    )
    .await?;
    store::detail(db, p, alarm_id, now_ms).await
}

/// The bureau escalates (督办) an alarm with a deadline.
pub async fn escalate(
    db: &SqlitePool,
    p: &Principal,
    alarm_id: i64,
    input: &EscalateInput,
    now_ms: i64,
) -> Result<AlarmDetail> {
    require(p, Permission::AlarmSupervise)?;
    let alarm = store::get(db, p, alarm_id, now_ms).await?;
    let deadline = input.deadline.timestamp_millis();
    if deadline <= now_ms {
        return Err(AlarmError::invalid("deadline", "must be in the future"));
    }
    let note = check_note(&input.note, false)?;
    transition(
        db,
        p,
        alarm_id,
        &[AlarmState::New, AlarmState::Handled, AlarmState::Escalated],
        AlarmState::Escalated,
        Some(Some(deadline)),
        None,
        Step {
            alarm_id,
            action: "escalate",
            measure: None,
            note: &note,
            text: None,
            terminal_result: None,
            deadline_ms: Some(deadline),
        },
        format!(
            "督办告警 {alarm_id}（{}），期限 {}",
            alarm.plate,
            ts(deadline).to_rfc3339()
        ),
        now_ms,
    )
    .await?;
    store::detail(db, p, alarm_id, now_ms).await
}

/// The bureau closes an alarm directly (e.g. confirmed false alarm, information only).
pub async fn close(
    db: &SqlitePool,
    p: &Principal,
    alarm_id: i64,
    input: &CloseInput,
    now_ms: i64,
) -> Result<AlarmDetail> {
    require(p, Permission::AlarmSupervise)?;
    let alarm = store::get(db, p, alarm_id, now_ms).await?;
    let note = check_note(&input.note, false)?;
    transition(
        db,
        p,
        alarm_id,
        &[AlarmState::New, AlarmState::Handled, AlarmState::Escalated],
        AlarmState::Closed,
        None,
        None,
        Step {
            alarm_id,
            action: "close",
            measure: None,
            note: &note,
            text: None,
            terminal_result: None,
            deadline_ms: None,
        },
        format!("办结告警 {alarm_id}（{}）", alarm.plate),
        now_ms,
    )
    .await?;
    store::detail(db, p, alarm_id, now_ms).await
}

/// The violation category (执法案件违法类别) of a rule.
pub fn violation_of(rule: &str) -> &'static str {
    let family = rule.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    match (family, rule) {
        (_, "signal_shielding") | (_, "terminal_5") | (_, "terminal_6") => "屏蔽信号",
        (_, "tampering") => "篡改数据",
        (_, "speeding") | (_, "terminal_1") | ("zone_speeding", _) => "超速",
        (_, "fatigue")
        | (_, "daily_driving")
        | (_, "weekly_driving")
        | (_, "terminal_2")
        | (_, "terminal_18") => "疲劳",
        (_, "night_ban") => "夜间违规",
        ("forbidden", _) | ("route_deviation", _) => "违规行驶",
        _ => "其他",
    }
}

pub const CASE_TYPE_ROAD: &str = "道路运政";

/// Turns an alarm into an enforcement case (one case per alarm).
pub async fn to_case(
    db: &SqlitePool,
    p: &Principal,
    alarm_id: i64,
    input: &CaseInput,
    now_ms: i64,
) -> Result<Case> {
    require(p, Permission::AlarmSupervise)?;
    let alarm = store::get(db, p, alarm_id, now_ms).await?;
    if let Some(c) = alarm.case_id {
        return Err(AlarmError::Conflict(format!(
            "alarm {alarm_id} is already case {c}"
        )));
    }
    let summary = match input.summary.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => {
            if s.chars().count() > MAX_NOTE_CHARS {
                return Err(AlarmError::invalid(
                    "summary",
                    format!("at most {MAX_NOTE_CHARS} characters"),
                ));
            }
            s.to_string()
        }
        _ => format!(
            "{} 动态监控告警 {}（{}），峰值 {}，限值 {}",
            alarm.plate,
            alarm.rule,
            alarm.start_at.to_rfc3339(),
            alarm.peak,
            alarm.limit
        ),
    };
    let violation = violation_of(&alarm.rule);
    let year = (ts(now_ms + BEIJING_OFFSET_MS)).format("%Y").to_string();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let prefix = format!("YZ-{year}-");
    let seq: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE substr(case_no, 1, length($1)) = $1")
            .bind(&prefix)
            .fetch_one(&mut *tx)
            .await?;
    let case_no = format!("{prefix}{:05}", seq + 1);
    let case_id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (case_no, case_type, violation, vehicle_id, enterprise_id, alarm_id, \
         opened_ms, status, summary, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,'open',$8,$9) RETURNING id",
    )
    .bind(&case_no)
    .bind(CASE_TYPE_ROAD)
    .bind(violation)
    .bind(alarm.vehicle_id)
    .bind(alarm.enterprise_id)
    .bind(alarm_id)
    .bind(now_ms)
    .bind(&summary)
    .bind(&p.display_name)
    .fetch_one(&mut *tx)
    .await?;
    let updated = sqlx::query(
        "UPDATE alarms SET case_id = $1, updated_ms = $2 WHERE id = $3 AND case_id IS NULL",
    )
    .bind(case_id)
    .bind(now_ms)
    .bind(alarm_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AlarmError::Conflict(format!(
            "alarm {alarm_id} was turned into a case meanwhile"
        )));
    }
    record_step(
        &mut tx,
        p,
        &Step {
            alarm_id,
            action: "case",
            measure: None,
            note: &case_no,
            text: None,
            terminal_result: None,
            deadline_ms: None,
        },
        now_ms,
    )
    .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "case.create",
            entity: "case",
            entity_id: Some(case_id),
            summary: format!("告警 {alarm_id} 转立案 {case_no}（{violation}）"),
            before: None,
            after: Some(serde_json::json!({
                "case_no": case_no, "violation": violation, "alarm_id": alarm_id, "summary": summary
            })),
        },
    )
    .await?;
    tx.commit().await?;
    get_case(db, p, case_id).await
}

const SELECT_CASE: &str = "SELECT c.id, c.case_no, c.case_type, c.violation, c.vehicle_id, v.plate, \
     c.enterprise_id, e.name AS enterprise_name, c.alarm_id, c.opened_ms, c.status, c.summary, c.created_by \
     FROM cases c LEFT JOIN vehicles v ON v.id = c.vehicle_id LEFT JOIN enterprises e ON e.id = c.enterprise_id \
     WHERE 1 = 1";

fn case_row(r: &sqlx::sqlite::SqliteRow) -> Result<Case> {
    use sqlx::Row;
    Ok(Case {
        id: r.try_get("id")?,
        case_no: r.try_get("case_no")?,
        case_type: r.try_get("case_type")?,
        violation: r.try_get("violation")?,
        vehicle_id: r.try_get("vehicle_id")?,
        plate: r.try_get("plate")?,
        enterprise_id: r.try_get("enterprise_id")?,
        enterprise_name: r.try_get("enterprise_name")?,
        alarm_id: r.try_get("alarm_id")?,
        opened_at: ts(r.try_get("opened_ms")?),
        status: r.try_get("status")?,
        summary: r.try_get("summary")?,
        created_by: r.try_get("created_by")?,
    })
}

fn push_case_scope(qb: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>, p: &Principal) {
    if let Some(e) = p.enterprise_scope() {
        qb.push(" AND c.enterprise_id = ").push_bind(e);
    }
}

pub async fn get_case(db: &SqlitePool, p: &Principal, id: i64) -> Result<Case> {
    let mut qb = sqlx::QueryBuilder::new(SELECT_CASE);
    qb.push(" AND c.id = ").push_bind(id);
    push_case_scope(&mut qb, p);
    let row = qb
        .build()
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AlarmError::NotFound(format!("case {id}")))?;
    case_row(&row)
}

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub violation: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<i64>,
    pub limit: u32,
}

pub async fn list_cases(
    db: &SqlitePool,
    p: &Principal,
    q: &CaseQuery,
) -> Result<crate::model::Page<Case>> {
    let limit = q.limit.clamp(1, store::MAX_LIMIT);
    let filters = |qb: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>| {
        push_case_scope(qb, p);
        if let Some(v) = q.violation.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND c.violation = ").push_bind(v.to_string());
        }
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND c.status = ").push_bind(s.to_string());
        }
    };
    let mut qb = sqlx::QueryBuilder::new(SELECT_CASE);
    filters(&mut qb);
    if let Some(c) = q.cursor {
        qb.push(" AND c.id < ").push_bind(c);
    }
    qb.push(" ORDER BY c.id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let mut items = qb
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(case_row)
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|c| c.id)
    } else {
        None
    };
    let mut cq = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM cases c WHERE 1 = 1");
    filters(&mut cq);
    let total: i64 = cq.build_query_scalar().fetch_one(db).await?;
    Ok(crate::model::Page {
        items,
        next_cursor,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_categories_follow_the_rule() {
        assert_eq!(violation_of("signal_shielding"), "屏蔽信号");
        assert_eq!(violation_of("terminal_5"), "屏蔽信号");
        assert_eq!(violation_of("tampering"), "篡改数据");
        assert_eq!(violation_of("speeding"), "超速");
        assert_eq!(violation_of("zone_speeding_12"), "超速");
        assert_eq!(violation_of("terminal_1"), "超速");
        assert_eq!(violation_of("fatigue"), "疲劳");
        assert_eq!(violation_of("weekly_driving"), "疲劳");
        assert_eq!(violation_of("night_ban"), "夜间违规");
        assert_eq!(violation_of("forbidden_3"), "违规行驶");
        assert_eq!(violation_of("terminal_0"), "其他");
        assert_eq!(violation_of("offline"), "其他");
    }

    #[test]
    fn text_answers_have_stable_codes() {
        assert_eq!(TextAnswer::Accepted.code(), "accepted");
        assert_eq!(TextAnswer::Refused(3).code(), "unsupported");
        assert_eq!(TextAnswer::Refused(9).code(), "result_9");
    }
}
