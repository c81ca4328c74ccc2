//! Registers whose state changes only through a workflow. The online annual review of
//! freight vehicles (营运货车年审网上办理): an enterprise submits an application with its
//! documents; the bureau accepts it for checking (受理), then approves it (审验合格, which
//! sets the vehicle's review validity date) or returns it with a reason (退回).
//!
//! The workflow's fields are locked against the generic routes: a new application starts
//! as submitted with the bureau's fields empty, and an edit may not change them. Bureau
//! imports may set them (loading applications handled before Tongtu).

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::SqlitePool;
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::Principal;

use crate::decl::Register;
use crate::value::Cell;
use crate::{registers, store, RecordError, Result};

/// The fields a workflow owns.
#[derive(Debug, Clone, Copy)]
pub struct Workflow {
    pub register: &'static str,
    /// The state field, and the state a new row starts in.
    pub state: &'static str,
    pub initial: &'static str,
    /// Fields only the workflow sets (the state included).
    pub locked: &'static [&'static str],
}

pub const WORKFLOWS: &[Workflow] = &[Workflow {
    register: "annual_reviews",
    state: "status",
    initial: "submitted",
    locked: &[
        "status",
        "checked_by",
        "decided_on",
        "reject_reason",
        "valid_until",
    ],
}];

pub fn of(register: &str) -> Option<&'static Workflow> {
    WORKFLOWS.iter().find(|w| w.register == register)
}

/// Checks (and completes) a row written through the generic routes: a new row gets the
/// initial state and no workflow fields; an edit keeps them as they were.
pub fn guard(
    r: &Register,
    cells: &mut [Cell],
    before: Option<&[Cell]>,
) -> Vec<(&'static str, String)> {
    let Some(w) = of(r.key) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for (i, f) in r.fields.iter().enumerate() {
        if !w.locked.contains(&f.key) {
            continue;
        }
        match before {
            None if f.key == w.state => {
                if cells[i].is_null() {
                    cells[i] = Cell::Text(w.initial.to_string());
                } else if cells[i].as_str() != Some(w.initial) {
                    errors.push((
                        f.key,
                        format!("新申请的{}只能是「已提交」，由审核流程改变", f.zh),
                    ));
                }
            }
            None if !cells[i].is_null() => {
                errors.push((f.key, format!("{}由交通运输局审核时填写", f.zh)));
            }
            Some(b) if b.get(i) != Some(&cells[i]) => {
                errors.push((
                    f.key,
                    format!("{}只能通过审核流程（受理、通过、退回）改变", f.zh),
                ));
            }
            _ => {}
        }
    }
    errors
}

/// What the bureau does with an application.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReviewAction {
    /// 受理: submitted → checking.
    Check,
    /// 审验合格: checking → approved; the vehicle's review is valid until the date.
    Approve { valid_until: String },
    /// 退回: submitted or checking → rejected, with the reason the enterprise sees.
    Reject { reason: String },
}

fn today_beijing() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

fn cell<'a>(r: &Register, cells: &'a [Cell], key: &str) -> &'a Cell {
    r.fields
        .iter()
        .position(|f| f.key == key)
        .and_then(|i| cells.get(i))
        .unwrap_or(&Cell::Null)
}

/// Applies a bureau action to an annual review application; returns the row.
pub async fn review(
    db: &SqlitePool,
    p: &Principal,
    id: i64,
    action: &ReviewAction,
) -> Result<Value> {
    let r = registers::get("annual_reviews")
        .ok_or_else(|| RecordError::Internal("annual_reviews".into()))?;
    if p.enterprise_scope().is_some() {
        return Err(RecordError::Forbidden("年审申请由交通运输局审核".into()));
    }
    store::check_write(p, r)?;
    let labels = store::labels(db, p, r).await?;
    let mut tx = db.begin().await?;
    let before = store::fetch_row(&mut tx, p, r, id).await?;
    let state = cell(r, &before.cells, "status")
        .as_str()
        .unwrap_or("")
        .to_string();
    let state_zh = crate::registers::services::REVIEW_STATUSES
        .find(&state)
        .map_or(state.clone(), |c| c.zh.to_string());
    let mut cells = before.cells.clone();
    let set = |cells: &mut Vec<Cell>, key: &str, v: Cell| {
        if let Some(i) = r.fields.iter().position(|f| f.key == key) {
            cells[i] = v;
        }
    };
    let today = today_beijing();
    let conflict =
        |what: &str| RecordError::Conflict(format!("申请当前为「{state_zh}」，不能{what}"));
    let mut valid_until_date = None;
    let verb = match action {
        ReviewAction::Check => {
            if state != "submitted" {
                return Err(conflict("受理"));
            }
            set(&mut cells, "status", Cell::Text("checking".into()));
            set(&mut cells, "checked_by", Cell::Text(p.display_name.clone()));
            "受理"
        }
        ReviewAction::Approve { valid_until } => {
            if state != "checking" {
                return Err(conflict("审验通过（请先受理）"));
            }
            let d = crate::value::parse_date(valid_until)
                .filter(|_| valid_until.len() == 10)
                .ok_or_else(|| {
                    RecordError::Validation(vec![tongtu_registry::FieldError::new(
                        "valid_until",
                        format!("有效期应为 YYYY-MM-DD：{valid_until:?}"),
                    )])
                })?;
            if d <= today {
                return Err(RecordError::Validation(vec![
                    tongtu_registry::FieldError::new("valid_until", "有效期应晚于今天"),
                ]));
            }
            let v = d.format("%Y-%m-%d").to_string();
            set(&mut cells, "status", Cell::Text("approved".into()));
            set(&mut cells, "valid_until", Cell::Text(v.clone()));
            set(
                &mut cells,
                "decided_on",
                Cell::Text(today.format("%Y-%m-%d").to_string()),
            );
            set(&mut cells, "reject_reason", Cell::Null);
            valid_until_date = Some(v);
            "审验通过"
        }
        ReviewAction::Reject { reason } => {
            if state != "submitted" && state != "checking" {
                return Err(conflict("退回"));
            }
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(RecordError::Validation(vec![
                    tongtu_registry::FieldError::new("reason", "请填写退回原因（500 字以内）"),
                ]));
            }
            set(&mut cells, "status", Cell::Text("rejected".into()));
            set(&mut cells, "reject_reason", Cell::Text(reason.to_string()));
            set(
                &mut cells,
                "decided_on",
                Cell::Text(today.format("%Y-%m-%d").to_string()),
            );
            "退回"
        }
    };
    store::write_row(&mut tx, p, r, id, &cells).await?;
    let after = store::fetch_row(&mut tx, p, r, id).await?;
    let plate = cell(r, &cells, "plate").as_str().unwrap_or("").to_string();
    let app_no = cell(r, &cells, "application_no")
        .as_str()
        .unwrap_or("")
        .to_string();
    let entity = format!("record.{}", r.key);
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "review",
            entity: &entity,
            entity_id: Some(id),
            summary: format!("年审申请 {app_no}（{plate}）{verb}"),
            before: Some(store::to_json(r, &before, &labels)),
            after: Some(store::to_json(r, &after, &labels)),
        },
    )
    .await?;
    if let (Some(v), Some(vehicle)) = (valid_until_date, cell(r, &cells, "vehicle_id").as_i64()) {
        let old: Option<Option<String>> =
            sqlx::query_scalar("SELECT review_valid_until FROM vehicles WHERE id = $1")
                .bind(vehicle)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query("UPDATE vehicles SET review_valid_until = $1, updated_at = $2 WHERE id = $3")
            .bind(&v)
            .bind(Utc::now())
            .bind(vehicle)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            &AuditEntry {
                actor: p,
                action: "update",
                entity: "vehicle",
                entity_id: Some(vehicle),
                summary: format!("年审申请 {app_no} 通过：{plate} 年审有效期至 {v}"),
                before: Some(serde_json::json!({ "review_valid_until": old.flatten() })),
                after: Some(serde_json::json!({ "review_valid_until": v })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(store::to_json(r, &after, &labels))
}
