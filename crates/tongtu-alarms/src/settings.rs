//! Rule parameters as the bureau edits them: stored in one row as JSON, defaults from the
//! regulations until the first save, validated field by field, audited.

use sqlx::SqlitePool;
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{FieldError, Permission, Principal, RegistryError};
use tongtu_rules::{ClassRules, RuleConfig};

use crate::error::{AlarmError, Result};

/// The stored parameters (without geofences, which have their own table), or the defaults.
pub async fn load(db: &SqlitePool) -> Result<RuleConfig> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT config_json FROM rule_settings WHERE id = 1")
            .fetch_optional(db)
            .await?;
    match json {
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| AlarmError::Internal(format!("stored rule settings are unreadable: {e}"))),
        None => Ok(RuleConfig::default()),
    }
}

fn check_class(errors: &mut Vec<FieldError>, prefix: &str, c: &ClassRules) {
    let secs = |v: i64| v as f64;
    // (field, value, min, max, unit): bounds wide enough for any regulation, narrow enough
    // to catch a unit mistake (minutes typed as seconds).
    let checks = [
        ("speed_limit_kmh", c.speed_limit_kmh, 10.0, 160.0, "km/h"),
        ("night_speed_factor", c.night_speed_factor, 0.3, 1.0, ""),
        (
            "speeding_min_secs",
            secs(c.speeding_min_secs),
            0.0,
            600.0,
            "s",
        ),
        (
            "speeding_merge_secs",
            secs(c.speeding_merge_secs),
            0.0,
            3600.0,
            "s",
        ),
        ("moving_kmh", c.moving_kmh, 0.0, 30.0, "km/h"),
        (
            "fatigue_day_secs",
            secs(c.fatigue_day_secs),
            600.0,
            86_400.0,
            "s",
        ),
        (
            "fatigue_night_secs",
            secs(c.fatigue_night_secs),
            600.0,
            86_400.0,
            "s",
        ),
        ("min_rest_secs", secs(c.min_rest_secs), 60.0, 14_400.0, "s"),
        (
            "daily_driving_secs",
            secs(c.daily_driving_secs),
            3600.0,
            86_400.0,
            "s",
        ),
        (
            "weekly_driving_secs",
            secs(c.weekly_driving_secs),
            28_800.0,
            604_800.0,
            "s",
        ),
        (
            "max_driving_step_secs",
            secs(c.max_driving_step_secs),
            10.0,
            3600.0,
            "s",
        ),
        ("offline_secs", secs(c.offline_secs), 60.0, 86_400.0, "s"),
        (
            "shielding_gap_secs",
            secs(c.shielding_gap_secs),
            30.0,
            86_400.0,
            "s",
        ),
        ("drift_kmh", c.drift_kmh, 60.0, 1000.0, "km/h"),
        ("drift_jump_m", c.drift_jump_m, 100.0, 1_000_000.0, "m"),
        (
            "drift_jump_window_secs",
            secs(c.drift_jump_window_secs),
            1.0,
            3600.0,
            "s",
        ),
        (
            "tamper_ahead_secs",
            secs(c.tamper_ahead_secs),
            10.0,
            86_400.0,
            "s",
        ),
        (
            "tamper_behind_secs",
            secs(c.tamper_behind_secs),
            10.0,
            2_592_000.0,
            "s",
        ),
        (
            "frozen_repeats",
            f64::from(c.frozen_repeats),
            2.0,
            1000.0,
            "",
        ),
        ("route_tolerance_m", c.route_tolerance_m, 0.0, 5000.0, "m"),
        (
            "route_tolerance_secs",
            secs(c.route_tolerance_secs),
            0.0,
            3600.0,
            "s",
        ),
        (
            "drift_merge_secs",
            secs(c.drift_merge_secs),
            0.0,
            3600.0,
            "s",
        ),
        // Below ~50 m, GNSS noise between two fixes a second apart would read as tampering.
        ("duplicate_time_m", c.duplicate_time_m, 50.0, 100_000.0, "m"),
    ];
    for (name, v, min, max, unit) in checks {
        if !v.is_finite() || v < min || v > max {
            errors.push(FieldError {
                field: format!("{prefix}.{name}"),
                message: format!("must be between {min} and {max} {unit}")
                    .trim_end()
                    .to_string(),
            });
        }
    }
    let f = |name: &str| format!("{prefix}.{name}");
    if c.fatigue_night_secs > c.fatigue_day_secs {
        errors.push(FieldError {
            field: f("fatigue_night_secs"),
            message: "the night limit cannot exceed the day limit".into(),
        });
    }
    if c.daily_driving_secs < c.fatigue_day_secs {
        errors.push(FieldError {
            field: f("daily_driving_secs"),
            message: "the daily limit cannot be below the continuous driving limit".into(),
        });
    }
}

/// Every problem of a configuration, by field path (`classes.coach.speed_limit_kmh`).
pub fn validate(cfg: &RuleConfig) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (name, v) in [
        ("night_start_min", cfg.night_start_min),
        ("night_end_min", cfg.night_end_min),
        ("ban_start_min", cfg.ban_start_min),
        ("ban_end_min", cfg.ban_end_min),
    ] {
        if v >= 24 * 60 {
            errors.push(FieldError {
                field: name.into(),
                message: "minute of the day must be 0..1439".into(),
            });
        }
    }
    check_class(&mut errors, "default_class", &cfg.default_class);
    let mut names: Vec<_> = cfg.classes.keys().collect();
    names.sort();
    for name in names {
        if name.is_empty()
            || name.len() > 40
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            errors.push(FieldError {
                field: format!("classes.{name}"),
                message: "class code must be 1-40 letters, digits or _".into(),
            });
        }
        check_class(&mut errors, &format!("classes.{name}"), &cfg.classes[name]);
    }
    let mut regions: Vec<_> = cfg.regions.keys().collect();
    regions.sort();
    for region in regions {
        if region.len() != 6 || !region.chars().all(|c| c.is_ascii_digit()) {
            errors.push(FieldError {
                field: format!("regions.{region}"),
                message: "region must be a 6-digit division code (GB/T 2260)".into(),
            });
        }
        let mut classes: Vec<_> = cfg.regions[region].keys().collect();
        classes.sort();
        for class in classes {
            check_class(
                &mut errors,
                &format!("regions.{region}.{class}"),
                &cfg.regions[region][class],
            );
        }
    }
    errors
}

/// Saves new parameters (bureau admin), audited with before and after.
pub async fn save(
    db: &SqlitePool,
    p: &Principal,
    cfg: &RuleConfig,
    now_ms: i64,
) -> Result<RuleConfig> {
    if !p.has(Permission::RulesManage) {
        return Err(AlarmError::Forbidden(format!(
            "role {} may not change rule settings",
            p.role.code()
        )));
    }
    let errors = validate(cfg);
    if !errors.is_empty() {
        return Err(AlarmError::Registry(RegistryError::Validation(errors)));
    }
    let before = load(db).await?;
    let json = serde_json::to_string(cfg).map_err(|e| AlarmError::Internal(e.to_string()))?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO rule_settings (id, config_json, updated_ms, updated_by) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, \
         updated_ms = excluded.updated_ms, updated_by = excluded.updated_by",
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
            action: "rules.update",
            entity: "rule_settings",
            entity_id: Some(1),
            summary: "修改监控规则参数".into(),
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
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn defaults_are_valid_and_every_bad_field_is_named() {
        assert!(validate(&RuleConfig::default()).is_empty());
        let mut cfg = RuleConfig::default();
        cfg.default_class.speed_limit_kmh = 5.0;
        cfg.default_class.duplicate_time_m = 0.0;
        cfg.night_end_min = 1440;
        let coach = ClassRules {
            fatigue_night_secs: 5 * 3600,
            ..cfg.class("coach").clone()
        };
        cfg.regions
            .insert("4417".into(), HashMap::from([("coach".to_string(), coach)]));
        let fields: Vec<String> = validate(&cfg).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "night_end_min",
                "default_class.speed_limit_kmh",
                "default_class.duplicate_time_m",
                "regions.4417",
                "regions.4417.coach.fatigue_night_secs",
            ]
        );
    }
}
