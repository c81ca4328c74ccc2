//! The audit log: who changed what, when, with the record before and after.
//! Entries are written in the same transaction as the change they describe.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};

use crate::auth::Principal;
use crate::error::Result;

pub struct AuditEntry<'a> {
    pub actor: &'a Principal,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn write(conn: &mut SqliteConnection, e: &AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, summary, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(Utc::now())
    .bind(e.actor.user_id)
    .bind(&e.actor.username)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(&e.summary)
    .bind(e.before.as_ref().map(|v| v.to_string()))
    .bind(e.after.as_ref().map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    summary: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries with an id below this one (newest first).
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// Lists audit entries newest first; returns the page and the cursor of the next one.
pub async fn list(db: &SqlitePool, q: &AuditQuery) -> Result<(Vec<AuditItem>, Option<i64>, i64)> {
    const WHERE: &str = "($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) \
        AND ($3 IS NULL OR actor_name = $3) AND ($4 IS NULL OR action = $4) \
        AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6)";
    let limit = q.limit.clamp(1, 500) as i64;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE {WHERE}"))
        .bind(&q.entity)
        .bind(q.entity_id)
        .bind(&q.actor)
        .bind(&q.action)
        .bind(q.from)
        .bind(q.to)
        .fetch_one(db)
        .await?;
    let rows: Vec<AuditRow> = sqlx::query_as(&format!(
        "SELECT id, at, actor_id, actor_name, action, entity, entity_id, summary, before_json, after_json \
         FROM audit_log WHERE {WHERE} AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $8"
    ))
    .bind(&q.entity)
    .bind(q.entity_id)
    .bind(&q.actor)
    .bind(&q.action)
    .bind(q.from)
    .bind(q.to)
    .bind(q.before_id)
    .bind(limit + 1)
    .fetch_all(db)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| AuditItem {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            before: r.before_json.and_then(|s| serde_json::from_str(&s).ok()),
            after: r.after_json.and_then(|s| serde_json::from_str(&s).ok()),
        })
        .collect();
    let next = if more {
        items.last().map(|i| i.id)
    } else {
        None
    };
    Ok((items, next, total))
}
