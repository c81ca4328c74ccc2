//! Commands an operator sends to a vehicle's terminal from the console (vehicle detail): a
//! text to the driver, a position query, reading the parameters. Scoped like every read (an
//! officer commands only their enterprise's vehicles), allowed to those who handle or
//! supervise alarms, and audited.

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{record, Permission, Principal, Vehicle};

use crate::error::{AlarmError, Result};
use crate::monitor::{track_points, TrackPoint};
use crate::workflow::{
    failure_error, CommandFuture, Downlink, ParamEntry, TextAnswer, MAX_TEXT_CHARS,
};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandResult {
    /// `accepted`, or the terminal's refusal (`failed`, `unsupported`, ...).
    pub terminal_result: String,
    /// The fix a position query returned (also stored with the track).
    pub position: Option<TrackPoint>,
    /// Parameters read back.
    pub params: Option<Vec<ParamEntry>>,
}

fn may_command(p: &Principal) -> Result<()> {
    if p.has(Permission::AlarmHandle) || p.has(Permission::AlarmSupervise) {
        Ok(())
    } else {
        Err(AlarmError::Forbidden(format!(
            "role {} may not send commands to terminals",
            p.role.code()
        )))
    }
}

async fn audit_command(
    db: &SqlitePool,
    p: &Principal,
    vehicle: &Vehicle,
    action: &str,
    summary: String,
    after: serde_json::Value,
) -> Result<()> {
    let mut conn = db.acquire().await?;
    audit::write(
        &mut conn,
        &AuditEntry {
            actor: p,
            action,
            entity: "vehicle",
            entity_id: Some(vehicle.id),
            summary,
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Sends a text to the driver (read out and displayed).
pub async fn text(
    db: &SqlitePool,
    dl: &dyn Downlink,
    p: &Principal,
    vehicle_id: i64,
    input: &TextInput,
) -> Result<CommandResult> {
    may_command(p)?;
    let vehicle = record::get::<Vehicle>(db, p, vehicle_id).await?;
    let t = input.text.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT_CHARS {
        return Err(AlarmError::invalid(
            "text",
            format!("1 to {MAX_TEXT_CHARS} characters"),
        ));
    }
    let outcome = dl.send_text(vehicle_id, t, &p.username).await;
    let result = match &outcome {
        Ok(a) => a.code(),
        Err(f) => f.code(),
    };
    audit_command(
        db,
        p,
        &vehicle,
        "terminal.text",
        format!("向 {} 下发文本", vehicle.plate),
        serde_json::json!({ "text": t, "terminal_result": result }),
    )
    .await?;
    match outcome {
        Ok(TextAnswer::Accepted) => Ok(CommandResult {
            terminal_result: result,
            position: None,
            params: None,
        }),
        Ok(refused) => Err(AlarmError::TerminalUnavailable(format!(
            "the terminal refused the text ({})",
            refused.code()
        ))),
        Err(f) => Err(failure_error(&f)),
    }
}

/// The steps the query commands share: permission, visibility (404 for another enterprise's
/// vehicle), the question to the terminal, and an audit entry with its answer, whatever it
/// was. Returns the answer code and the answer.
async fn query<'a, T>(
    db: &SqlitePool,
    p: &Principal,
    vehicle_id: i64,
    action: &str,
    summary: impl FnOnce(&str) -> String,
    ask: impl FnOnce() -> CommandFuture<'a, T>,
) -> Result<(String, T)> {
    may_command(p)?;
    let vehicle = record::get::<Vehicle>(db, p, vehicle_id).await?;
    let outcome = ask().await;
    let result = outcome
        .as_ref()
        .map_or_else(|f| f.code(), |_| "accepted".into());
    audit_command(
        db,
        p,
        &vehicle,
        action,
        summary(&vehicle.plate),
        serde_json::json!({ "terminal_result": result }),
    )
    .await?;
    let answer = outcome.map_err(|f| failure_error(&f))?;
    Ok((result, answer))
}

/// Asks the terminal where it is now.
pub async fn locate(
    db: &SqlitePool,
    dl: &dyn Downlink,
    p: &Principal,
    vehicle_id: i64,
) -> Result<CommandResult> {
    let (result, fix) = query(
        db,
        p,
        vehicle_id,
        "terminal.locate",
        |plate| format!("查询 {plate} 位置"),
        || dl.query_location(vehicle_id, &p.username),
    )
    .await?;
    Ok(CommandResult {
        terminal_result: result,
        position: track_points(&[fix]).0.into_iter().next(),
        params: None,
    })
}

/// Reads the terminal's parameters.
pub async fn read_params(
    db: &SqlitePool,
    dl: &dyn Downlink,
    p: &Principal,
    vehicle_id: i64,
) -> Result<CommandResult> {
    let (result, params) = query(
        db,
        p,
        vehicle_id,
        "terminal.params",
        |plate| format!("读取 {plate} 终端参数"),
        || dl.query_params(vehicle_id, &p.username),
    )
    .await?;
    Ok(CommandResult {
        terminal_result: result,
        position: None,
        params: Some(params),
    })
}
