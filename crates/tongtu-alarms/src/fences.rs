//! Geofences as the bureau defines them in the console: the engine's [`Geofence`] stored as
//! JSON with a name and an enabled flag, validated, audited.

use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{Permission, Principal};
use tongtu_rules::geofence::{FenceKind, Geofence, Shape};

use crate::error::{AlarmError, Result};

/// A geofence with its switch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FenceRecord {
    #[serde(flatten)]
    pub fence: Geofence,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A geofence as the console sends it: the id comes from the URL or is assigned.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FenceInput {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub shape: Shape,
    pub kind: FenceKind,
    #[serde(default)]
    pub vehicle_ids: Vec<u32>,
    #[serde(default)]
    pub classes: Vec<String>,
    #[serde(default)]
    pub active_from_min: Option<u32>,
    #[serde(default)]
    pub active_to_min: Option<u32>,
    /// Ignored (echoed back by clients that send the record they read).
    #[serde(default)]
    pub id: Option<u32>,
}

impl From<FenceInput> for FenceRecord {
    fn from(i: FenceInput) -> Self {
        FenceRecord {
            fence: Geofence {
                id: 0,
                name: i.name,
                shape: i.shape,
                kind: i.kind,
                vehicle_ids: i.vehicle_ids,
                classes: i.classes,
                active_from_min: i.active_from_min,
                active_to_min: i.active_to_min,
            },
            enabled: i.enabled,
        }
    }
}

fn require(p: &Principal) -> Result<()> {
    if p.has(Permission::RulesManage) {
        Ok(())
    } else {
        Err(AlarmError::Forbidden(format!(
            "role {} may not change geofences",
            p.role.code()
        )))
    }
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<FenceRecord> {
    let id: i64 = r.try_get("id")?;
    let json: String = r.try_get("definition_json")?;
    let mut fence: Geofence = serde_json::from_str(&json)
        .map_err(|e| AlarmError::Internal(format!("geofence {id} is unreadable: {e}")))?;
    fence.id = u32::try_from(id).map_err(|_| AlarmError::Internal(format!("geofence id {id}")))?;
    fence.name = r.try_get("name")?;
    Ok(FenceRecord {
        fence,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
    })
}

pub async fn list(db: &SqlitePool) -> Result<Vec<FenceRecord>> {
    sqlx::query("SELECT id, name, enabled, definition_json FROM geofences ORDER BY id")
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The fences the engine applies.
pub async fn enabled(db: &SqlitePool) -> Result<Vec<Geofence>> {
    Ok(list(db)
        .await?
        .into_iter()
        .filter(|f| f.enabled)
        .map(|f| f.fence)
        .collect())
}

pub async fn get(db: &SqlitePool, id: i64) -> Result<FenceRecord> {
    let row = sqlx::query("SELECT id, name, enabled, definition_json FROM geofences WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AlarmError::NotFound(format!("geofence {id}")))?;
    from_row(&row)
}

fn check(rec: &FenceRecord) -> Result<()> {
    let name = rec.fence.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AlarmError::invalid("name", "1 to 100 characters"));
    }
    rec.fence
        .validate()
        .map_err(|m| AlarmError::invalid("shape", m))
}

/// Creates (`id` = None) or replaces a geofence.
pub async fn save(
    db: &SqlitePool,
    p: &Principal,
    id: Option<i64>,
    mut rec: FenceRecord,
    now_ms: i64,
) -> Result<FenceRecord> {
    require(p)?;
    rec.fence.name = rec.fence.name.trim().to_string();
    check(&rec)?;
    let before = match id {
        Some(id) => Some(get(db, id).await?),
        None => None,
    };
    let json =
        serde_json::to_string(&rec.fence).map_err(|e| AlarmError::Internal(e.to_string()))?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let id: i64 = match id {
        Some(id) => {
            sqlx::query(
                "UPDATE geofences SET name = $1, enabled = $2, definition_json = $3, updated_ms = $4 WHERE id = $5",
            )
            .bind(&rec.fence.name)
            .bind(rec.enabled)
            .bind(&json)
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO geofences (name, enabled, definition_json, updated_ms) VALUES ($1,$2,$3,$4) RETURNING id",
            )
            .bind(&rec.fence.name)
            .bind(rec.enabled)
            .bind(&json)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    rec.fence.id =
        u32::try_from(id).map_err(|_| AlarmError::Internal(format!("geofence id {id}")))?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: if before.is_some() {
                "geofence.update"
            } else {
                "geofence.create"
            },
            entity: "geofence",
            entity_id: Some(id),
            summary: format!("电子围栏 {}", rec.fence.name),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&rec).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn delete(db: &SqlitePool, p: &Principal, id: i64) -> Result<()> {
    require(p)?;
    let before = get(db, id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM geofences WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "geofence.delete",
            entity: "geofence",
            entity_id: Some(id),
            summary: format!("删除电子围栏 {}", before.fence.name),
            before: serde_json::to_value(&before).ok(),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
