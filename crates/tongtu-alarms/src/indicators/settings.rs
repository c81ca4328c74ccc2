//! Indicator parameters as the bureau edits them (targets such as 上线率 ≥ 95 %, the gap
//! rule, weights): one row of JSON, defaults until the first save, validated, audited.

use sqlx::SqlitePool;
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{FieldError, Permission, Principal, RegistryError};
use tongtu_rules::indicators::{IndicatorConfig, IndicatorError};

use super::json_err;
use crate::error::{AlarmError, Result};

/// The stored parameters, or the defaults.
pub async fn load_config(db: &SqlitePool) -> Result<IndicatorConfig> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT config_json FROM indicator_settings WHERE id = 1")
            .fetch_optional(db)
            .await?;
    match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| json_err("stored indicator settings", e)),
        None => Ok(IndicatorConfig::default()),
    }
}

/// Problems of a configuration by field path (`targets.online_rate`). The computation
/// stops at the first bad field, so at most one is listed.
pub fn validate_config(cfg: &IndicatorConfig) -> Vec<FieldError> {
    match cfg.validate() {
        Ok(()) => Vec::new(),
        Err(IndicatorError::Config {
            field,
            expected,
            found,
        }) => vec![FieldError::new(
            field,
            format!("expected {expected}, found {found}"),
        )],
        Err(other) => vec![FieldError::new("", other.to_string())],
    }
}

/// Saves new parameters (bureau admin, `rules.manage`), audited with before and after.
/// Stored days keep the figures of the parameters they were computed with: reports list
/// them as `stale_days` until recomputed.
pub async fn save_config(
    db: &SqlitePool,
    p: &Principal,
    cfg: &IndicatorConfig,
    now_ms: i64,
) -> Result<IndicatorConfig> {
    if !p.has(Permission::RulesManage) {
        return Err(AlarmError::Forbidden(format!(
            "role {} may not change indicator settings",
            p.role.code()
        )));
    }
    let errors = validate_config(cfg);
    if !errors.is_empty() {
        return Err(AlarmError::Registry(RegistryError::Validation(errors)));
    }
    let before = load_config(db).await?;
    let json = serde_json::to_string(cfg).map_err(|e| json_err("indicator settings", e))?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO indicator_settings (id, config_json, updated_ms, updated_by) \
         VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
         config_json = excluded.config_json, updated_ms = excluded.updated_ms, \
         updated_by = excluded.updated_by",
    )
    .bind(&json)
    .bind(now_ms)
    .bind(&p.username)
    .execute(&mut *tx)
    .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "indicators.update",
            entity: "indicator_settings",
            entity_id: Some(1),
            summary: "修改考核指标参数".into(),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(cfg).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(cfg.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        assert!(validate_config(&IndicatorConfig::default()).is_empty());
        let mut c = IndicatorConfig::default();
        c.targets.online_rate = 95.0;
        let e = validate_config(&c);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "targets.online_rate");
    }
}
