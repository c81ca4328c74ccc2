//! Declared-once registry records: a record type lists its columns (with Chinese and English
//! labels), filters, unique keys and references, and the generic code here derives from that
//! declaration the SQL, the validation of references and duplicates, the audit trail and the
//! Excel layout. SQL text is assembled only from these static declarations; every value is a
//! bound parameter.

use std::collections::HashMap;

use chrono::Utc;
use serde::{de::DeserializeOwned, Serialize};
use sqlx::{sqlite::SqliteRow, SqliteConnection, SqlitePool};

use crate::audit::{self, AuditEntry};
use crate::auth::Principal;
use crate::error::{FieldError, RegistryError, Result};

/// How a column's value is typed on the wire, in SQL and in Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    Text,
    Int,
    Bool,
    /// Comma-separated codes in SQL, a JSON array in the API, `、`-separated in Excel.
    CodeList,
    /// An enterprise id in SQL and JSON, the enterprise's USCC in Excel.
    EnterpriseRef,
    /// A region id in SQL and JSON, the region's name in Excel.
    RegionRef,
    /// A plate colour code in SQL and JSON, its Chinese name in Excel.
    PlateColor,
    /// A vehicle id in SQL and JSON, the plate number in Excel.
    VehicleRef,
}

/// One writable column of a record.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: ColKind,
    pub required: bool,
    /// Dictionary of allowed codes (Text and CodeList columns).
    pub dict: Option<&'static [crate::dict::Code]>,
    /// An example value for the Excel template.
    pub example: &'static str,
}

/// A list filter: query parameter name = view column name.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub name: &'static str,
    pub kind: ColKind,
}

/// A value bound into SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
}

impl Val {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Val::Int(v) => *v,
            _ => None,
        }
    }
}

/// A registry record: the read model (a row of `VIEW`) plus its write model (`Input`).
pub trait Record:
    for<'r> sqlx::FromRow<'r, SqliteRow> + Serialize + Send + Sync + Unpin + 'static
{
    /// The body of create and update requests.
    type Input: DeserializeOwned + Serialize + Clone + Send + Sync + 'static;
    /// Entity name in the audit log (`vehicle`).
    const ENTITY: &'static str;
    /// Collection name in URLs and the table name (`vehicles`).
    const TABLE: &'static str;
    /// Read view, which has an `enterprise_id` column for scoping.
    const VIEW: &'static str;
    /// Chinese name for sheet titles and messages.
    const ZH: &'static str;
    /// Writable columns, in the order of [`Record::values`].
    const COLUMNS: &'static [Col];
    /// View columns searched by `q` (substring match).
    const SEARCH: &'static [&'static str];
    /// Equality filters on view columns.
    const FILTERS: &'static [Filter];
    /// Column sets that must be unique.
    const UNIQUE: &'static [&'static [&'static str]];
    /// Only users without an enterprise scope may create, change or delete.
    const BUREAU_ONLY_WRITE: bool = false;

    fn id(&self) -> i64;
    /// Values of [`Record::COLUMNS`], in order.
    fn values(input: &Self::Input) -> Vec<Val>;
    /// Checks of the input alone (formats, check digits, ranges).
    fn validate(input: &Self::Input) -> Vec<FieldError>;
    /// One line naming the record in the audit log (a plate, a name).
    fn label(input: &Self::Input) -> String;
    /// Hides personal data from callers without `pii.read`.
    fn redact(&mut self) {}
    /// Restores fields the caller saw only redacted and sent back unchanged.
    fn keep_hidden(_input: &mut Self::Input, _before: &Self) {}
}

/// Query of a list page.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub q: Option<String>,
    pub filters: HashMap<String, String>,
    pub cursor: Option<i64>,
    pub limit: u32,
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub total: i64,
}

pub const MAX_LIMIT: u32 = 500;

/// Binds every value in order; works for `query`, `query_as` and `query_scalar` alike.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Val::Int(i) => q.bind(i),
                Val::Text(s) => q.bind(s),
                Val::Bool(b) => q.bind(b),
            };
        }
        q
    }};
}

fn parse_filter(f: &Filter, raw: &str) -> Result<Val> {
    let bad = || RegistryError::BadRequest(format!("filter {}: cannot parse {raw:?}", f.name));
    Ok(match f.kind {
        ColKind::Int
        | ColKind::EnterpriseRef
        | ColKind::VehicleRef
        | ColKind::RegionRef
        | ColKind::PlateColor => Val::Int(Some(raw.parse().map_err(|_| bad())?)),
        ColKind::Bool => Val::Bool(match raw {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(bad()),
        }),
        ColKind::Text => Val::Text(Some(raw.to_string())),
        // A code inside a comma list: matched with LIKE against ",a,b," below.
        ColKind::CodeList => Val::Text(Some(format!("%,{raw},%"))),
    })
}

/// Builds the WHERE clause shared by list, count and export; returns it with its bound values.
/// Parameter $1 is the enterprise scope, $2 the search pattern.
fn where_clause<R: Record>(p: &Principal, q: &ListQuery) -> Result<(String, Vec<Val>)> {
    let mut sql = String::from("($1 IS NULL OR enterprise_id = $1) AND ($2 IS NULL OR (");
    let search: Vec<String> = R::SEARCH.iter().map(|c| format!("{c} LIKE $2")).collect();
    sql.push_str(&search.join(" OR "));
    sql.push_str("))");
    let pattern =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let escaped = s
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            });
    if pattern.is_some() {
        sql = sql.replace("LIKE $2", "LIKE $2 ESCAPE '\\'");
    }
    let mut vals = vec![Val::Int(p.enterprise_scope()), Val::Text(pattern)];
    for f in R::FILTERS {
        let Some(raw) = q.filters.get(f.name).filter(|s| !s.is_empty()) else {
            continue;
        };
        vals.push(parse_filter(f, raw)?);
        let n = vals.len();
        if f.kind == ColKind::CodeList {
            sql.push_str(&format!(" AND (',' || {} || ',') LIKE ${n}", f.name));
        } else {
            sql.push_str(&format!(" AND {} = ${n}", f.name));
        }
    }
    Ok((sql, vals))
}

/// Lists records visible to `p`, filtered, by ascending id after the cursor.
pub async fn list<R: Record>(db: &SqlitePool, p: &Principal, q: &ListQuery) -> Result<Page<R>> {
    let (cond, vals) = where_clause::<R>(p, q)?;
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {cond}", R::VIEW);
    let total = bind_all!(
        sqlx::query_scalar::<_, i64>(&count_sql),
        vals.iter().cloned()
    )
    .fetch_one(db)
    .await?;
    let n = vals.len();
    let sql = format!(
        "SELECT * FROM {} WHERE {cond} AND id > ${} ORDER BY id LIMIT ${}",
        R::VIEW,
        n + 1,
        n + 2
    );
    let query = bind_all!(sqlx::query_as::<_, R>(&sql), vals);
    let mut items = query
        .bind(q.cursor.unwrap_or(0))
        .bind(limit as i64 + 1)
        .fetch_all(db)
        .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|r| r.id().to_string())
    } else {
        None
    };
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// Every record matching the query (no paging), for exports.
pub async fn list_all<R: Record>(db: &SqlitePool, p: &Principal, q: &ListQuery) -> Result<Vec<R>> {
    let (cond, vals) = where_clause::<R>(p, q)?;
    let sql = format!("SELECT * FROM {} WHERE {cond} ORDER BY id", R::VIEW);
    let query = bind_all!(sqlx::query_as::<_, R>(&sql), vals);
    Ok(query.fetch_all(db).await?)
}

async fn fetch_scoped<R: Record>(conn: &mut SqliteConnection, p: &Principal, id: i64) -> Result<R> {
    let sql = format!(
        "SELECT * FROM {} WHERE id = $1 AND ($2 IS NULL OR enterprise_id = $2)",
        R::VIEW
    );
    sqlx::query_as::<_, R>(&sql)
        .bind(id)
        .bind(p.enterprise_scope())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(RegistryError::NotFound {
            entity: R::ENTITY,
            id,
        })
}

/// One record, if `p` may see it (another enterprise's record is "not found").
pub async fn get<R: Record>(db: &SqlitePool, p: &Principal, id: i64) -> Result<R> {
    let mut conn = db.acquire().await?;
    fetch_scoped::<R>(&mut conn, p, id).await
}

fn check_write_scope<R: Record>(p: &Principal, input_values: &[Val]) -> Result<()> {
    let Some(scope) = p.enterprise_scope() else {
        return Ok(());
    };
    if R::BUREAU_ONLY_WRITE {
        return Err(RegistryError::Forbidden(format!(
            "企业用户不能修改{}档案",
            R::ZH
        )));
    }
    let owner = R::COLUMNS
        .iter()
        .position(|c| c.name == "enterprise_id")
        .and_then(|i| input_values.get(i))
        .and_then(Val::as_i64);
    if owner != Some(scope) {
        return Err(RegistryError::Forbidden(
            "企业用户只能管理本企业的记录".into(),
        ));
    }
    Ok(())
}

/// Checks references (enterprise exists, vehicle exists and belongs to the same enterprise)
/// and unique keys against the database. `self_id` excludes the record being updated.
pub(crate) async fn check_against_db<R: Record>(
    conn: &mut SqliteConnection,
    values: &[Val],
    self_id: Option<i64>,
) -> Result<Vec<FieldError>> {
    let mut errors = Vec::new();
    let owner = R::COLUMNS
        .iter()
        .position(|c| c.name == "enterprise_id")
        .and_then(|i| values.get(i))
        .and_then(Val::as_i64);
    for (col, val) in R::COLUMNS.iter().zip(values) {
        let Some(id) = val.as_i64() else { continue };
        match col.kind {
            ColKind::EnterpriseRef => {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM enterprises WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?;
                if found.is_none() {
                    errors.push(FieldError::new(col.name, format!("{} {id} 不存在", col.zh)));
                }
            }
            ColKind::RegionRef => {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if found.is_none() {
                    errors.push(FieldError::new(col.name, format!("{} {id} 不存在", col.zh)));
                }
            }
            ColKind::VehicleRef => {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT enterprise_id FROM vehicles WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?;
                match found {
                    None => {
                        errors.push(FieldError::new(col.name, format!("{} {id} 不存在", col.zh)))
                    }
                    Some(e) if owner.is_some() && Some(e) != owner => errors.push(FieldError::new(
                        col.name,
                        format!("车辆 {id} 不属于所选企业"),
                    )),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for key in R::UNIQUE {
        let mut sql = format!("SELECT id FROM {} WHERE id <> $1", R::TABLE);
        let mut binds = Vec::new();
        for (i, name) in key.iter().enumerate() {
            sql.push_str(&format!(" AND {name} = ${}", i + 2));
            let idx = R::COLUMNS.iter().position(|c| c.name == *name);
            binds.push(
                idx.and_then(|i| values.get(i).cloned())
                    .unwrap_or(Val::Text(None)),
            );
        }
        let q = bind_all!(
            sqlx::query_scalar::<_, i64>(&sql).bind(self_id.unwrap_or(-1)),
            binds
        );
        if let Some(other) = q.fetch_optional(&mut *conn).await? {
            let labels: Vec<&str> = key
                .iter()
                .filter_map(|n| R::COLUMNS.iter().find(|c| c.name == *n).map(|c| c.zh))
                .collect();
            errors.push(FieldError::new(
                key[0],
                format!("{} 与已有{}（id {other}）重复", labels.join(" + "), R::ZH),
            ));
        }
    }
    Ok(errors)
}

/// Validates and inserts one record inside an open transaction, with its audit entry.
pub(crate) async fn insert_in<R: Record>(
    conn: &mut SqliteConnection,
    p: &Principal,
    input: &R::Input,
    action: &str,
) -> Result<R> {
    let values = R::values(input);
    check_write_scope::<R>(p, &values)?;
    let mut errors = R::validate(input);
    errors.extend(check_against_db::<R>(conn, &values, None).await?);
    if !errors.is_empty() {
        return Err(RegistryError::Validation(errors));
    }
    let n = R::COLUMNS.len();
    let cols: Vec<&str> = R::COLUMNS.iter().map(|c| c.name).collect();
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}, created_at, updated_at) VALUES ({}, ${}, ${}) RETURNING id",
        R::TABLE,
        cols.join(", "),
        params.join(", "),
        n + 1,
        n + 1
    );
    let q = bind_all!(sqlx::query_scalar::<_, i64>(&sql), values);
    let id = q
        .bind(Utc::now())
        .fetch_one(&mut *conn)
        .await
        .map_err(map_db_error)?;
    let created = fetch_scoped::<R>(conn, &Principal::system(), id).await?;
    audit::write(
        conn,
        &AuditEntry {
            actor: p,
            action,
            entity: R::ENTITY,
            entity_id: Some(id),
            summary: format!("新增{} {}", R::ZH, R::label(input)),
            before: None,
            after: Some(serde_json::to_value(&created).unwrap_or_default()),
        },
    )
    .await?;
    Ok(created)
}

/// Creates a record.
pub async fn create<R: Record>(db: &SqlitePool, p: &Principal, input: &R::Input) -> Result<R> {
    let mut tx = db.begin().await?;
    let created = insert_in::<R>(&mut tx, p, input, "create").await?;
    tx.commit().await?;
    Ok(created)
}

/// Replaces a record's writable fields.
pub async fn update<R: Record>(
    db: &SqlitePool,
    p: &Principal,
    id: i64,
    input: &R::Input,
) -> Result<R> {
    let mut tx = db.begin().await?;
    let before = fetch_scoped::<R>(&mut tx, p, id).await?;
    let mut input = input.clone();
    R::keep_hidden(&mut input, &before);
    let input = &input;
    let values = R::values(input);
    check_write_scope::<R>(p, &values)?;
    let mut errors = R::validate(input);
    errors.extend(check_against_db::<R>(&mut tx, &values, Some(id)).await?);
    if !errors.is_empty() {
        return Err(RegistryError::Validation(errors));
    }
    let n = R::COLUMNS.len();
    let sets: Vec<String> = R::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", c.name, i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {}, updated_at = ${} WHERE id = ${}",
        R::TABLE,
        sets.join(", "),
        n + 1,
        n + 2
    );
    let q = bind_all!(sqlx::query(&sql), values);
    q.bind(Utc::now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_db_error)?;
    let after = fetch_scoped::<R>(&mut tx, &Principal::system(), id).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "update",
            entity: R::ENTITY,
            entity_id: Some(id),
            summary: format!("修改{} {}", R::ZH, R::label(input)),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a record that nothing references any more.
pub async fn delete<R: Record>(db: &SqlitePool, p: &Principal, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let before = fetch_scoped::<R>(&mut tx, p, id).await?;
    if p.enterprise_scope().is_some() && R::BUREAU_ONLY_WRITE {
        return Err(RegistryError::Forbidden(format!(
            "企业用户不能删除{}档案",
            R::ZH
        )));
    }
    let sql = format!("DELETE FROM {} WHERE id = $1", R::TABLE);
    sqlx::query(&sql)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_db_error)?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "delete",
            entity: R::ENTITY,
            entity_id: Some(id),
            summary: format!("删除{} id {id}", R::ZH),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns constraint violations into conflicts an operator can act on.
fn map_db_error(e: sqlx::Error) -> RegistryError {
    if let sqlx::Error::Database(d) = &e {
        let msg = d.message();
        if msg.contains("FOREIGN KEY") {
            return RegistryError::Conflict(
                "该记录仍被其他档案引用（车辆、终端或驾驶员），请先解除关联".into(),
            );
        }
        if msg.contains("terminals.vehicle_id") {
            return RegistryError::Conflict(
                "该车辆已绑定一个启用的终端：一辆车只能有一个启用终端".into(),
            );
        }
        if msg.contains("UNIQUE") {
            return RegistryError::Conflict(format!("记录重复：{msg}"));
        }
    }
    RegistryError::Db(e)
}

/// Creates many records in one transaction (seeding, bulk loads): all or nothing.
pub async fn create_many<R: Record>(
    db: &SqlitePool,
    p: &Principal,
    inputs: &[R::Input],
) -> Result<Vec<i64>> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(inputs.len());
    for input in inputs {
        ids.push(insert_in::<R>(&mut tx, p, input, "create").await?.id());
    }
    tx.commit().await?;
    Ok(ids)
}
