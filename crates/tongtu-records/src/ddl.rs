//! SQL derived from the declarations: the `CREATE TABLE` of each register and the migration
//! that brings a database up to the declarations (new registers get their table, new fields
//! their column). A changed column type is refused with a clear message rather than
//! guessed at; a field removed from the declaration keeps its column (data is never
//! dropped by a deploy). Identifiers come from the static declarations only.

use std::collections::HashMap;

use chrono::Utc;
use sqlx::SqlitePool;

use crate::decl::{Field, Kind, Register};
use crate::{RecordError, Result};

/// The SQL dialect of a statement: SQLite now, PostgreSQL for the scale-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The column type of a field (the same names work in both dialects except the key).
pub fn sql_type(f: &Field) -> &'static str {
    match f.kind {
        Kind::Text { .. } | Kind::Date | Kind::Month | Kind::Code(_) => "TEXT",
        Kind::Int { .. } | Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_) => {
            "BIGINT"
        }
        Kind::Num { .. } => "DOUBLE PRECISION",
        Kind::Bool => "BOOLEAN",
    }
}

fn column(f: &Field) -> String {
    let target = match f.kind {
        Kind::Region => Some("regions".to_string()),
        Kind::Enterprise => Some("enterprises".to_string()),
        Kind::Vehicle => Some("vehicles".to_string()),
        Kind::Ref(r) => Some(format!("rec_{r}")),
        _ => None,
    };
    match target {
        Some(t) => format!("{} {} REFERENCES {t}(id)", f.key, sql_type(f)),
        None => format!("{} {}", f.key, sql_type(f)),
    }
}

fn indexes(r: &Register) -> Vec<String> {
    let t = r.table();
    let mut out = Vec::new();
    for (i, key) in r.unique.iter().enumerate() {
        out.push(format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {t}_u{i} ON {t} ({})",
            key.join(", ")
        ));
    }
    for f in r.fields {
        if f.filter || f.kind.is_reference() {
            out.push(format!(
                "CREATE INDEX IF NOT EXISTS {t}_{k} ON {t} ({k})",
                k = f.key
            ));
        }
    }
    out
}

/// The statements creating a register's table and indexes.
pub fn create_statements(r: &Register, dialect: Dialect) -> Vec<String> {
    let key = match dialect {
        Dialect::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "id BIGSERIAL PRIMARY KEY",
    };
    let mut cols = vec![key.to_string()];
    cols.extend(r.fields.iter().map(column));
    cols.extend(
        [
            "created_at TEXT NOT NULL",
            "updated_at TEXT NOT NULL",
            "created_by TEXT",
            "updated_by TEXT",
        ]
        .map(String::from),
    );
    let mut out = vec![format!(
        "CREATE TABLE {} (\n    {}\n)",
        r.table(),
        cols.join(",\n    ")
    )];
    out.extend(indexes(r));
    out
}

/// What a migration did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub tables_created: Vec<String>,
    pub columns_added: Vec<String>,
}

/// Applies the crate's fixed migration, then creates missing register tables and columns,
/// all in one transaction.
pub async fn migrate(db: &SqlitePool, registers: &[Register]) -> Result<Migrated> {
    let mut m = sqlx::migrate!("./migrations");
    m.set_ignore_missing(true);
    m.run(db)
        .await
        .map_err(|e| RecordError::Internal(format!("records migration: {e}")))?;
    let problems = crate::decl::check(registers);
    if !problems.is_empty() {
        return Err(RecordError::Internal(format!(
            "register declarations: {}",
            problems.join("; ")
        )));
    }
    let known: Vec<(String, String, String)> =
        sqlx::query_as("SELECT register, field, sql_type FROM records_columns")
            .fetch_all(db)
            .await?;
    let mut by_reg: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (r, f, t) in known {
        by_reg.entry(r).or_default().insert(f, t);
    }
    let now = Utc::now().to_rfc3339();
    let mut out = Migrated::default();
    let mut tx = db.begin().await?;
    for r in registers {
        let cols = by_reg.get(r.key);
        let new_fields: Vec<&Field> = match cols {
            None => {
                for s in create_statements(r, Dialect::Sqlite) {
                    sqlx::query(&s).execute(&mut *tx).await?;
                }
                out.tables_created.push(r.table());
                r.fields.iter().collect()
            }
            Some(cols) => {
                let mut new = Vec::new();
                for f in r.fields {
                    match cols.get(f.key) {
                        Some(t) if t == sql_type(f) => {}
                        Some(t) => {
                            return Err(RecordError::Internal(format!(
                                "register {}: field {} was {t} and is now declared {}; \
                                 migrate the data by hand (a new field name, then a copy)",
                                r.key,
                                f.key,
                                sql_type(f)
                            )))
                        }
                        None => {
                            let s = format!("ALTER TABLE {} ADD COLUMN {}", r.table(), column(f));
                            sqlx::query(&s).execute(&mut *tx).await?;
                            out.columns_added.push(format!("{}.{}", r.table(), f.key));
                            new.push(f);
                        }
                    }
                }
                for s in indexes(r) {
                    sqlx::query(&s).execute(&mut *tx).await?;
                }
                new
            }
        };
        for f in new_fields {
            sqlx::query(
                "INSERT INTO records_columns (register, field, sql_type, added_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(r.key)
            .bind(f.key)
            .bind(sql_type(f))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    if !out.tables_created.is_empty() || !out.columns_added.is_empty() {
        tracing::info!(
            tables = out.tables_created.len(),
            columns = out.columns_added.len(),
            "register tables migrated from their declarations"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_of_a_register() {
        let r = crate::registers::get("project_plans").expect("declared");
        let s = create_statements(r, Dialect::Postgres);
        assert!(s[0].starts_with("CREATE TABLE rec_project_plans (\n    id BIGSERIAL PRIMARY KEY"));
        assert!(
            s[0].contains("project_id BIGINT REFERENCES rec_projects(id)"),
            "{}",
            s[0]
        );
        assert!(
            s[0].contains("planned_investment DOUBLE PRECISION"),
            "{}",
            s[0]
        );
        assert!(s.iter().any(|x| x
            == "CREATE UNIQUE INDEX IF NOT EXISTS rec_project_plans_u0 ON rec_project_plans (project_id, year)"));
        let s = create_statements(r, Dialect::Sqlite);
        assert!(s[0].contains("id INTEGER PRIMARY KEY AUTOINCREMENT"));
    }
}
