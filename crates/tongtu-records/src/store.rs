//! Rows of a register in SQL: access rules, listing with filters and sorting, create,
//! update, delete, reference pickers, and the all-or-nothing import of sheet rows that
//! Excel imports and the demo seeding share. SQL text is assembled from the static
//! declarations only; every value is a bound parameter.

use std::collections::HashMap;

use chrono::Utc;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row as _, Sqlite, SqliteConnection, SqlitePool};
use tongtu_registry::audit::{self, AuditEntry};
use tongtu_registry::{CellError, FieldError, Principal};

use crate::decl::{Access, Field, Kind, Register, Rule};
use crate::value::{self, Cell, Labels, Raw};
use crate::{RecordError, Result};

/// Largest page of a list.
pub const MAX_LIMIT: u32 = 500;
/// Largest number of rows one import may carry.
pub const MAX_IMPORT_ROWS: usize = 50_000;

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

fn bind<'q>(q: Query<'q>, c: &Cell) -> Query<'q> {
    match c {
        Cell::Null => q.bind(None::<String>),
        Cell::Int(i) => q.bind(*i),
        Cell::Num(n) => q.bind(*n),
        Cell::Text(s) => q.bind(s.clone()),
        Cell::Bool(b) => q.bind(*b),
    }
}

// ---- access ----

/// Whether `p` may read the register at all.
pub fn check_read(p: &Principal, r: &Register) -> Result<()> {
    if r.access == Access::Bureau && p.enterprise_scope().is_some() {
        return Err(RecordError::Forbidden(format!(
            "企业用户不能查看「{}」",
            r.zh
        )));
    }
    Ok(())
}

/// Whether `p` may change rows of the register (row scope is checked per row).
pub fn check_write(p: &Principal, r: &Register) -> Result<()> {
    check_read(p, r)?;
    if p.enterprise_scope().is_some() && !matches!(r.access, Access::Enterprise(_)) {
        return Err(RecordError::Forbidden(format!(
            "企业用户不能修改「{}」",
            r.zh
        )));
    }
    Ok(())
}

/// Whether the register is writable by `p` (for the schema endpoint).
pub fn writable(p: &Principal, r: &Register) -> bool {
    p.has(tongtu_registry::Permission::RegistryWrite) && check_write(p, r).is_ok()
}

/// The enterprise a scoped caller's rows must belong to, for enterprise-owned registers.
fn row_scope(p: &Principal, r: &Register) -> Option<(&'static str, i64)> {
    match (r.access, p.enterprise_scope()) {
        (Access::Enterprise(field), Some(e)) => Some((field, e)),
        _ => None,
    }
}

// ---- labels ----

/// Loads the labels the register's fields need (regions, enterprises, vehicles, rows of
/// referenced registers), limited to what `p` may see.
pub async fn labels(db: &SqlitePool, p: &Principal, r: &Register) -> Result<Labels> {
    let mut l = Labels::default();
    let scope = p.enterprise_scope();
    let kinds: Vec<Kind> = r.fields.iter().map(|f| f.kind).collect();
    if kinds.iter().any(|k| matches!(k, Kind::Region)) {
        l.regions = sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM regions")
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    }
    if kinds.iter().any(|k| matches!(k, Kind::Enterprise)) {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, uscc FROM enterprises WHERE ($1 IS NULL OR id = $1)")
                .bind(scope)
                .fetch_all(db)
                .await?;
        l.enterprises = rows.into_iter().map(|(id, n, u)| (id, (n, u))).collect();
    }
    if kinds.iter().any(|k| matches!(k, Kind::Vehicle)) {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, plate, enterprise_id FROM vehicles WHERE ($1 IS NULL OR enterprise_id = $1)",
        )
        .bind(scope)
        .fetch_all(db)
        .await?;
        l.vehicles = rows.into_iter().map(|(id, pl, e)| (id, (pl, e))).collect();
    }
    for f in r.fields {
        if let Kind::Ref(target) = f.kind {
            if l.refs.contains_key(target) {
                continue;
            }
            let t = crate::registers::get(target)
                .ok_or_else(|| RecordError::Internal(format!("unknown register {target}")))?;
            let sql = format!("SELECT id, {} FROM {}", t.title, t.table());
            let rows: Vec<(i64, String)> = sqlx::query_as(&sql).fetch_all(db).await?;
            l.refs.insert(target, rows.into_iter().collect());
        }
    }
    l.index();
    Ok(l)
}

// ---- reading ----

/// The explicit column list of a register (never `*`: a statement prepared before a
/// migration added a column would otherwise describe the old row).
fn columns(r: &Register) -> String {
    let mut c = vec!["id"];
    c.extend(r.fields.iter().map(|f| f.key));
    c.extend(["created_at", "updated_at"]);
    c.join(", ")
}

/// A stored row: id, field values in declaration order, times.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    pub id: i64,
    pub cells: Vec<Cell>,
    pub created_at: String,
    pub updated_at: String,
}

fn read(r: &Register, row: &SqliteRow) -> Result<StoredRow> {
    let mut cells = Vec::with_capacity(r.fields.len());
    for f in r.fields {
        let c = match f.kind {
            Kind::Text { .. } | Kind::Date | Kind::Month | Kind::Code(_) => row
                .try_get::<Option<String>, _>(f.key)?
                .map_or(Cell::Null, Cell::Text),
            Kind::Int { .. } | Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_) => {
                row.try_get::<Option<i64>, _>(f.key)?
                    .map_or(Cell::Null, Cell::Int)
            }
            Kind::Num { .. } => row
                .try_get::<Option<f64>, _>(f.key)?
                .map_or(Cell::Null, Cell::Num),
            Kind::Bool => row
                .try_get::<Option<bool>, _>(f.key)?
                .map_or(Cell::Null, Cell::Bool),
        };
        cells.push(c);
    }
    Ok(StoredRow {
        id: row.try_get("id")?,
        cells,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A row as the API's JSON: field values, `id`, times and `_display` labels.
pub fn to_json(r: &Register, row: &StoredRow, labels: &Labels) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(row.id));
    let mut display = Map::new();
    for (f, c) in r.fields.iter().zip(&row.cells) {
        m.insert(f.key.into(), c.to_json());
        if let Some(d) = labels.display(f, c) {
            display.insert(f.key.into(), Value::String(d));
        }
    }
    m.insert("_display".into(), Value::Object(display));
    m.insert("created_at".into(), Value::String(row.created_at.clone()));
    m.insert("updated_at".into(), Value::String(row.updated_at.clone()));
    Value::Object(m)
}

/// The query of a list page or an export.
#[derive(Debug, Default, Clone)]
pub struct RowQuery {
    pub q: Option<String>,
    /// `field=value`, `field_from=`, `field_to=`.
    pub filters: HashMap<String, String>,
    /// `field` or `-field`.
    pub sort: Option<String>,
    /// Opaque: the offset of the page.
    pub cursor: Option<String>,
    pub limit: u32,
}

/// One page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
    pub total: i64,
}

fn filter_value(f: &Field, param: &str, raw: &str) -> Result<Cell> {
    let bad = |why: String| RecordError::BadRequest(format!("{param}: {why}"));
    let v = match f.kind {
        Kind::Int { .. } | Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_) => {
            Value::from(
                raw.parse::<i64>()
                    .map_err(|_| bad(format!("not an integer: {raw:?}")))?,
            )
        }
        Kind::Num { .. } => Value::from(
            raw.parse::<f64>()
                .map_err(|_| bad(format!("not a number: {raw:?}")))?,
        ),
        Kind::Bool => match raw {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(bad(format!("not true/false: {raw:?}"))),
        },
        _ => Value::String(raw.to_string()),
    };
    // Filters are not bounded like stored values, only typed.
    let unbounded = Field {
        kind: match f.kind {
            Kind::Int { .. } => Kind::Int {
                min: None,
                max: None,
            },
            Kind::Num { scale, .. } => Kind::Num {
                scale,
                min: None,
                max: None,
            },
            k => k,
        },
        ..*f
    };
    value::from_api(&unbounded, &v).map_err(bad)
}

/// The WHERE clause and its values for a query (scope, search, filters).
fn where_clause(p: &Principal, r: &Register, q: &RowQuery) -> Result<(String, Vec<Cell>)> {
    let mut conds = vec!["1 = 1".to_string()];
    let mut vals = Vec::new();
    if let Some((field, e)) = row_scope(p, r) {
        vals.push(Cell::Int(e));
        conds.push(format!("{field} = ${}", vals.len()));
    }
    if let Some(s) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        vals.push(Cell::Text(format!("%{escaped}%")));
        let n = vals.len();
        let texts: Vec<String> = r
            .fields
            .iter()
            .filter(|f| matches!(f.kind, Kind::Text { .. }))
            .map(|f| format!("{} LIKE ${n} ESCAPE '\\'", f.key))
            .collect();
        if !texts.is_empty() {
            conds.push(format!("({})", texts.join(" OR ")));
        }
    }
    let mut params: Vec<(&String, &String)> = q.filters.iter().collect();
    params.sort();
    for (param, raw) in params {
        if raw.is_empty() {
            continue;
        }
        // `x_from` / `x_to` bound a range unless a field is literally named so.
        let (key, op) = match (param.strip_suffix("_from"), param.strip_suffix("_to")) {
            _ if r.field(param).is_some() => (param.as_str(), "="),
            (Some(k), _) => (k, ">="),
            (_, Some(k)) => (k, "<="),
            _ => (param.as_str(), "="),
        };
        let f = r.field(key).filter(|f| f.filter).ok_or_else(|| {
            RecordError::BadRequest(format!(
                "{param}: not a filter of {} (filters: {})",
                r.key,
                r.fields
                    .iter()
                    .filter(|f| f.filter)
                    .map(|f| f.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if op != "="
            && !matches!(
                f.kind,
                Kind::Date | Kind::Month | Kind::Int { .. } | Kind::Num { .. }
            )
        {
            return Err(RecordError::BadRequest(format!(
                "{param}: {} is not a date, month or number",
                f.key
            )));
        }
        vals.push(filter_value(f, param, raw)?);
        conds.push(format!("{} {op} ${}", f.key, vals.len()));
    }
    Ok((conds.join(" AND "), vals))
}

fn order_by(r: &Register, sort: Option<&str>) -> Result<String> {
    let (key, desc) = match sort.map(str::trim).filter(|s| !s.is_empty()) {
        None => r.order,
        Some(s) => match s.strip_prefix('-') {
            Some(k) => (k, true),
            None => (s, false),
        },
    };
    let f = r.field(key).ok_or_else(|| {
        RecordError::BadRequest(format!("sort: {key:?} is not a field of {}", r.key))
    })?;
    let dir = if desc { "DESC" } else { "ASC" };
    Ok(format!("{} {dir}, id {dir}", f.key))
}

/// A page of rows visible to `p`.
pub async fn list(db: &SqlitePool, p: &Principal, r: &Register, q: &RowQuery) -> Result<Page> {
    check_read(p, r)?;
    let (cond, vals) = where_clause(p, r, q)?;
    let order = order_by(r, q.sort.as_deref())?;
    let offset: i64 = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => c
            .parse()
            .ok()
            .filter(|o: &i64| *o >= 0)
            .ok_or_else(|| RecordError::BadRequest(format!("cursor: not a cursor: {c:?}")))?,
        None => 0,
    };
    let limit = q.limit.clamp(1, MAX_LIMIT) as i64;
    let t = r.table();
    let count_sql = format!("SELECT COUNT(*) AS n FROM {t} WHERE {cond}");
    let mut cq = sqlx::query(&count_sql);
    for v in &vals {
        cq = bind(cq, v);
    }
    let total: i64 = cq.fetch_one(db).await?.try_get("n")?;
    let n = vals.len();
    let sql = format!(
        "SELECT {} FROM {t} WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}",
        columns(r),
        n + 1,
        n + 2
    );
    let mut lq = sqlx::query(&sql);
    for v in &vals {
        lq = bind(lq, v);
    }
    let rows = lq.bind(limit).bind(offset).fetch_all(db).await?;
    let labels = labels(db, p, r).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(to_json(r, &read(r, row)?, &labels));
    }
    let next = offset + rows.len() as i64;
    Ok(Page {
        items,
        next_cursor: (next < total).then(|| next.to_string()),
        total,
    })
}

/// Every row matching the query (exports), with the labels to show them.
pub async fn list_all(
    db: &SqlitePool,
    p: &Principal,
    r: &Register,
    q: &RowQuery,
) -> Result<(Vec<StoredRow>, Labels)> {
    check_read(p, r)?;
    let (cond, vals) = where_clause(p, r, q)?;
    let order = order_by(r, q.sort.as_deref())?;
    let sql = format!(
        "SELECT {} FROM {} WHERE {cond} ORDER BY {order}",
        columns(r),
        r.table()
    );
    let mut lq = sqlx::query(&sql);
    for v in &vals {
        lq = bind(lq, v);
    }
    let rows = lq.fetch_all(db).await?;
    let out = rows
        .iter()
        .map(|row| read(r, row))
        .collect::<Result<Vec<_>>>()?;
    Ok((out, labels(db, p, r).await?))
}

async fn fetch(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    id: i64,
) -> Result<StoredRow> {
    let mut sql = format!("SELECT {} FROM {} WHERE id = $1", columns(r), r.table());
    let scope = row_scope(p, r);
    if let Some((field, _)) = scope {
        sql.push_str(&format!(" AND {field} = $2"));
    }
    let mut q = sqlx::query(&sql).bind(id);
    if let Some((_, e)) = scope {
        q = q.bind(e);
    }
    match q.fetch_optional(&mut *conn).await? {
        Some(row) => read(r, &row),
        None => Err(RecordError::NotFound {
            entity: "record",
            id,
        }),
    }
}

/// One stored row visible to `p`, inside a transaction (workflows).
pub async fn fetch_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    id: i64,
) -> Result<StoredRow> {
    fetch(conn, p, r, id).await
}

/// One row visible to `p`.
pub async fn get(db: &SqlitePool, p: &Principal, r: &Register, id: i64) -> Result<Value> {
    check_read(p, r)?;
    let mut conn = db.acquire().await?;
    let row = fetch(&mut conn, p, r, id).await?;
    Ok(to_json(r, &row, &labels(db, p, r).await?))
}

/// Rows for a reference picker: id and title, matching `q`.
pub async fn options(db: &SqlitePool, p: &Principal, r: &Register, q: &str) -> Result<Value> {
    check_read(p, r)?;
    let title = r.title_field();
    if !matches!(title.kind, Kind::Text { .. }) {
        return Err(RecordError::BadRequest(format!(
            "{} has no text title to pick by",
            r.key
        )));
    }
    let escaped = q
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut sql = format!(
        "SELECT id, {t} AS label FROM {tb} WHERE {t} LIKE $1 ESCAPE '\\'",
        t = title.key,
        tb = r.table()
    );
    let scope = row_scope(p, r);
    if let Some((field, _)) = scope {
        sql.push_str(&format!(" AND {field} = $2"));
    }
    sql.push_str(&format!(" ORDER BY {} LIMIT 50", title.key));
    let mut query = sqlx::query(&sql).bind(format!("%{escaped}%"));
    if let Some((_, e)) = scope {
        query = query.bind(e);
    }
    let rows = query.fetch_all(db).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|row| {
            Ok(serde_json::json!({
                "id": row.try_get::<i64, _>("id")?,
                "label": row.try_get::<Option<String>, _>("label")?,
            }))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(serde_json::json!({ "items": items }))
}

// ---- writing ----

/// Parses an API body (references by id) into cells; unknown keys and bad values are
/// field errors.
pub fn parse_api(r: &Register, body: &Value) -> Result<Vec<Cell>> {
    let obj = body
        .as_object()
        .ok_or_else(|| RecordError::Validation(vec![FieldError::new("body", "应为 JSON 对象")]))?;
    let mut errors = Vec::new();
    for k in obj.keys() {
        let meta = ["id", "_display", "created_at", "updated_at"];
        if r.field(k).is_none() && !meta.contains(&k.as_str()) {
            errors.push(FieldError::new(
                k.clone(),
                format!("「{}」没有这个字段", r.zh),
            ));
        }
    }
    let mut cells = Vec::with_capacity(r.fields.len());
    for f in r.fields {
        match value::from_api(f, obj.get(f.key).unwrap_or(&Value::Null)) {
            // Reported with the other fields' errors, not after them are fixed.
            // A workflow's state is set by the workflow (workflow::guard), not required here.
            Ok(Cell::Null)
                if f.required && crate::workflow::of(r.key).is_none_or(|w| w.state != f.key) =>
            {
                errors.push(FieldError::new(f.key, format!("{}为必填项", f.zh)));
                cells.push(Cell::Null);
            }
            Ok(c) => cells.push(c),
            Err(e) => {
                errors.push(FieldError::new(f.key, format!("{}：{e}", f.zh)));
                cells.push(Cell::Null);
            }
        }
    }
    if errors.is_empty() {
        Ok(cells)
    } else {
        Err(RecordError::Validation(errors))
    }
}

/// Checks of a whole row that need the labels or the database: required fields,
/// references that exist and are visible, a vehicle of the row's enterprise, the caller's
/// enterprise, unique keys. Returns (field, message) pairs.
/// The register's rules broken by a row, each on the field to correct: the end that is
/// before its start, the part that exceeds its whole.
pub fn rule_errors(r: &Register, cells: &[Cell]) -> Vec<(&'static str, String)> {
    let cell = |key: &str| {
        r.fields
            .iter()
            .position(|f| f.key == key)
            .and_then(|i| cells.get(i))
            .filter(|c| !c.is_null())
    };
    let zh = |key: &'static str| r.field(key).map_or(key, |f| f.zh);
    let mut errors = Vec::new();
    for rule in r.rules {
        match *rule {
            Rule::NotBefore { from, to } => {
                if let (Some(a), Some(b)) = (
                    cell(from).and_then(Cell::as_str),
                    cell(to).and_then(Cell::as_str),
                ) {
                    // ISO dates and months compare as text.
                    if b < a {
                        errors.push((to, format!("{}（{b}）不能早于{}（{a}）", zh(to), zh(from))));
                    }
                }
            }
            Rule::AtMost { part, whole } => {
                if let (Some(a), Some(b)) = (
                    cell(part).and_then(Cell::as_f64),
                    cell(whole).and_then(Cell::as_f64),
                ) {
                    if a > b {
                        errors.push((
                            part,
                            format!("{}（{a}）不能大于{}（{b}）", zh(part), zh(whole)),
                        ));
                    }
                }
            }
        }
    }
    errors
}

async fn check_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    cells: &[Cell],
    labels: &Labels,
    self_id: Option<i64>,
) -> Result<Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    for (f, c) in r.fields.iter().zip(cells) {
        if f.required && c.is_null() {
            errors.push((f.key, format!("{}为必填项", f.zh)));
            continue;
        }
        let Some(id) = c.as_i64() else { continue };
        let known = match f.kind {
            Kind::Region => labels.regions.contains_key(&id),
            Kind::Enterprise => labels.enterprises.contains_key(&id),
            Kind::Vehicle => labels.vehicles.contains_key(&id),
            Kind::Ref(t) => labels.refs.get(t).is_some_and(|m| m.contains_key(&id)),
            _ => true,
        };
        if !known {
            errors.push((f.key, format!("{} {id} 不存在", f.zh)));
        }
    }
    // A vehicle must belong to the row's enterprise when the row names both.
    let ent = r
        .fields
        .iter()
        .zip(cells)
        .find(|(f, _)| matches!(f.kind, Kind::Enterprise))
        .and_then(|(_, c)| c.as_i64());
    if let Some(e) = ent {
        for (f, c) in r.fields.iter().zip(cells) {
            if let (Kind::Vehicle, Some(v)) = (f.kind, c.as_i64()) {
                if labels
                    .vehicles
                    .get(&v)
                    .is_some_and(|(_, owner)| *owner != e)
                {
                    errors.push((
                        f.key,
                        format!("车辆 {} 不属于所选企业", labels.vehicles[&v].0),
                    ));
                }
            }
        }
    }
    errors.extend(rule_errors(r, cells));
    if let Some((field, scope)) = row_scope(p, r) {
        let own = r
            .fields
            .iter()
            .zip(cells)
            .find(|(f, _)| f.key == field)
            .and_then(|(_, c)| c.as_i64());
        if own != Some(scope) {
            errors.push((field, "企业用户只能登记本企业的记录".to_string()));
        }
    }
    for key in r.unique {
        let mut sql = format!("SELECT id FROM {} WHERE id <> $1", r.table());
        let mut binds = Vec::new();
        for (i, k) in key.iter().enumerate() {
            sql.push_str(&format!(" AND {k} = ${}", i + 2));
            let idx = r.fields.iter().position(|f| f.key == *k);
            binds.push(
                idx.and_then(|i| cells.get(i))
                    .cloned()
                    .unwrap_or(Cell::Null),
            );
        }
        if binds.iter().any(Cell::is_null) {
            continue; // NULLs never clash
        }
        let mut q = sqlx::query(&sql).bind(self_id.unwrap_or(-1));
        for b in &binds {
            q = bind(q, b);
        }
        if let Some(row) = q.fetch_optional(&mut *conn).await? {
            let other: i64 = row.try_get("id")?;
            let names: Vec<&str> = key
                .iter()
                .filter_map(|k| r.field(k).map(|f| f.zh))
                .collect();
            errors.push((
                key[0],
                format!("{} 与已有记录（id {other}）重复", names.join(" + ")),
            ));
        }
    }
    Ok(errors)
}

fn row_label(r: &Register, cells: &[Cell], labels: &Labels) -> String {
    let f = r.title_field();
    let idx = r.fields.iter().position(|x| x.key == f.key).unwrap_or(0);
    let c = cells.get(idx).cloned().unwrap_or(Cell::Null);
    labels
        .display(f, &c)
        .or_else(|| match &c {
            Cell::Text(s) => Some(s.clone()),
            Cell::Null => None,
            other => Some(other.to_json().to_string()),
        })
        .unwrap_or_default()
}

async fn insert_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    cells: &[Cell],
) -> Result<i64> {
    let cols: Vec<&str> = r.fields.iter().map(|f| f.key).collect();
    let n = cols.len();
    let ph: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}, created_at, updated_at, created_by, updated_by) \
         VALUES ({}, ${a}, ${a}, ${b}, ${b}) RETURNING id",
        r.table(),
        cols.join(", "),
        ph.join(", "),
        a = n + 1,
        b = n + 2
    );
    let mut q = sqlx::query(&sql);
    for c in cells {
        q = bind(q, c);
    }
    let row = q
        .bind(Utc::now().to_rfc3339())
        .bind(&p.username)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_db_error)?;
    Ok(row.try_get("id")?)
}

async fn update_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    id: i64,
    cells: &[Cell],
) -> Result<()> {
    let n = r.fields.len();
    let sets: Vec<String> = r
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} = ${}", f.key, i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {}, updated_at = ${}, updated_by = ${} WHERE id = ${}",
        r.table(),
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3
    );
    let mut q = sqlx::query(&sql);
    for c in cells {
        q = bind(q, c);
    }
    q.bind(Utc::now().to_rfc3339())
        .bind(&p.username)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(map_db_error)?;
    Ok(())
}

/// Overwrites a row's fields inside a transaction (workflows; the caller audits).
pub async fn write_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    id: i64,
    cells: &[Cell],
) -> Result<()> {
    update_row(conn, p, r, id, cells).await
}

fn map_db_error(e: sqlx::Error) -> RecordError {
    if let sqlx::Error::Database(d) = &e {
        let msg = d.message();
        if msg.contains("FOREIGN KEY") {
            return RecordError::Conflict(
                "该记录仍被其他台账引用，请先删除或修改引用它的记录".into(),
            );
        }
        if msg.contains("UNIQUE") {
            return RecordError::Conflict(format!("记录重复：{msg}"));
        }
    }
    RecordError::Db(e)
}

fn entity(r: &Register) -> String {
    format!("record.{}", r.key)
}

async fn audit_row(
    conn: &mut SqliteConnection,
    p: &Principal,
    r: &Register,
    action: &str,
    id: i64,
    summary: String,
    (before, after): (Option<Value>, Option<Value>),
) -> Result<()> {
    let entity = entity(r);
    audit::write(
        conn,
        &AuditEntry {
            actor: p,
            action,
            entity: &entity,
            entity_id: Some(id),
            summary,
            before,
            after,
        },
    )
    .await
}

fn validation(errors: Vec<(&'static str, String)>) -> RecordError {
    RecordError::Validation(
        errors
            .into_iter()
            .map(|(f, m)| FieldError::new(f, m))
            .collect(),
    )
}

/// Creates a row from an API body.
pub async fn create(db: &SqlitePool, p: &Principal, r: &Register, body: &Value) -> Result<Value> {
    check_write(p, r)?;
    let mut cells = parse_api(r, body)?;
    let labels = labels(db, p, r).await?;
    let mut tx = db.begin().await?;
    let mut errors = crate::workflow::guard(r, &mut cells, None);
    errors.extend(check_row(&mut tx, p, r, &cells, &labels, None).await?);
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let id = insert_row(&mut tx, p, r, &cells).await?;
    let row = fetch(&mut tx, &Principal::system(), r, id).await?;
    let after = to_json(r, &row, &labels);
    let summary = format!("新增{} {}", r.zh, row_label(r, &cells, &labels));
    audit_row(
        &mut tx,
        p,
        r,
        "create",
        id,
        summary,
        (None, Some(after.clone())),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Replaces a row's fields from an API body.
pub async fn update(
    db: &SqlitePool,
    p: &Principal,
    r: &Register,
    id: i64,
    body: &Value,
) -> Result<Value> {
    check_write(p, r)?;
    let mut cells = parse_api(r, body)?;
    let labels = labels(db, p, r).await?;
    let mut tx = db.begin().await?;
    let before_row = fetch(&mut tx, p, r, id).await?;
    let mut errors = crate::workflow::guard(r, &mut cells, Some(&before_row.cells));
    errors.extend(check_row(&mut tx, p, r, &cells, &labels, Some(id)).await?);
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    update_row(&mut tx, p, r, id, &cells).await?;
    let row = fetch(&mut tx, &Principal::system(), r, id).await?;
    let (before, after) = (to_json(r, &before_row, &labels), to_json(r, &row, &labels));
    let summary = format!("修改{} {}", r.zh, row_label(r, &cells, &labels));
    audit_row(
        &mut tx,
        p,
        r,
        "update",
        id,
        summary,
        (Some(before), Some(after.clone())),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a row nothing refers to.
pub async fn delete(db: &SqlitePool, p: &Principal, r: &Register, id: i64) -> Result<()> {
    check_write(p, r)?;
    let labels = labels(db, p, r).await?;
    let mut tx = db.begin().await?;
    let before = fetch(&mut tx, p, r, id).await?;
    sqlx::query(&format!("DELETE FROM {} WHERE id = $1", r.table()))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_db_error)?;
    let summary = format!("删除{} {}", r.zh, row_label(r, &before.cells, &labels));
    let before = to_json(r, &before, &labels);
    audit_row(&mut tx, p, r, "delete", id, summary, (Some(before), None)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- import ----

/// One row of a sheet: its sheet row number and raw cells by field key.
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub row: u32,
    pub values: HashMap<&'static str, Raw>,
}

/// Where a field sits in the sheet, for error messages: (column letter, header).
pub type Locate<'a> = &'a (dyn Fn(&Field) -> (String, String) + Sync);

/// How an import is recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditMode {
    /// One entry per row inserted or updated (imports by people).
    PerRow,
    /// One entry for the whole import (the demo's seeding).
    Summary,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub inserted: u64,
    pub updated: u64,
}

/// Imports sheet rows all-or-nothing: every bad cell is reported by row and column, and
/// nothing is written unless every row is good. A row whose natural key matches an existing
/// row (or an earlier row of the sheet) updates it; other rows are inserted.
pub async fn import_rows(
    db: &SqlitePool,
    p: &Principal,
    r: &Register,
    rows: &[SheetRow],
    locate: Locate<'_>,
    audit_mode: AuditMode,
) -> Result<Imported> {
    check_write(p, r)?;
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(RecordError::BadRequest(format!(
            "一次最多导入 {MAX_IMPORT_ROWS} 行（本表 {} 行）",
            rows.len()
        )));
    }
    let labels = labels(db, p, r).await?;
    let mut errors: Vec<CellError> = Vec::new();
    let cell_error = |row: u32, f: &Field, reason: String| {
        let (column, header) = locate(f);
        CellError {
            row,
            column,
            header,
            reason,
        }
    };
    let key_idx: Vec<usize> = r
        .natural_key()
        .unwrap_or(&[])
        .iter()
        .filter_map(|k| r.fields.iter().position(|f| f.key == *k))
        .collect();
    let mut seen: HashMap<Vec<String>, u32> = HashMap::new();
    let mut out = Imported::default();
    let mut tx = db.begin().await?;
    for sr in rows {
        let mut cells = Vec::with_capacity(r.fields.len());
        let mut bad = false;
        for f in r.fields {
            match value::from_sheet(f, sr.values.get(f.key).unwrap_or(&Raw::Empty), &labels) {
                Ok(c) => cells.push(c),
                Err(e) => {
                    errors.push(cell_error(sr.row, f, e));
                    cells.push(Cell::Null);
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        // The natural key: an earlier row of this sheet, or an existing row, is updated.
        let key: Vec<String> = key_idx
            .iter()
            .map(|i| cells[*i].to_json().to_string())
            .collect();
        let mut existing = None;
        if !key_idx.is_empty() && key_idx.iter().all(|i| !cells[*i].is_null()) {
            if let Some(first) = seen.get(&key) {
                let f = &r.fields[key_idx[0]];
                errors.push(cell_error(sr.row, f, format!("与第 {first} 行重复")));
                continue;
            }
            seen.insert(key, sr.row);
            let mut sql = format!("SELECT id FROM {} WHERE 1 = 1", r.table());
            for (n, i) in key_idx.iter().enumerate() {
                sql.push_str(&format!(" AND {} = ${}", r.fields[*i].key, n + 1));
            }
            if let Some((field, _)) = row_scope(p, r) {
                sql.push_str(&format!(" AND {field} = ${}", key_idx.len() + 1));
            }
            let mut q = sqlx::query(&sql);
            for i in &key_idx {
                q = bind(q, &cells[*i]);
            }
            if let Some((_, e)) = row_scope(p, r) {
                q = q.bind(e);
            }
            existing = match q.fetch_optional(&mut *tx).await? {
                Some(row) => Some(row.try_get::<i64, _>("id")?),
                None => None,
            };
        }
        // Enterprise users import like they edit: the workflow's fields are not theirs.
        let mut problems = Vec::new();
        if p.enterprise_scope().is_some() {
            let before = match existing {
                Some(id) => Some(fetch(&mut tx, p, r, id).await?.cells),
                None => None,
            };
            problems = crate::workflow::guard(r, &mut cells, before.as_deref());
        }
        problems.extend(check_row(&mut tx, p, r, &cells, &labels, existing).await?);
        if !problems.is_empty() {
            for (k, m) in problems {
                if let Some(f) = r.field(k) {
                    errors.push(cell_error(sr.row, f, m));
                }
            }
            continue;
        }
        if !errors.is_empty() {
            continue; // the import fails anyway: only check the remaining rows
        }
        match existing {
            Some(id) => {
                let before = fetch(&mut tx, &Principal::system(), r, id).await?;
                update_row(&mut tx, p, r, id, &cells).await?;
                out.updated += 1;
                if audit_mode == AuditMode::PerRow {
                    let after = fetch(&mut tx, &Principal::system(), r, id).await?;
                    let summary = format!("导入修改{} {}", r.zh, row_label(r, &cells, &labels));
                    let (b, a) = (to_json(r, &before, &labels), to_json(r, &after, &labels));
                    audit_row(&mut tx, p, r, "import", id, summary, (Some(b), Some(a))).await?;
                }
            }
            None => {
                let id = insert_row(&mut tx, p, r, &cells).await?;
                out.inserted += 1;
                if audit_mode == AuditMode::PerRow {
                    let after = fetch(&mut tx, &Principal::system(), r, id).await?;
                    let summary = format!("导入新增{} {}", r.zh, row_label(r, &cells, &labels));
                    let a = to_json(r, &after, &labels);
                    audit_row(&mut tx, p, r, "import", id, summary, (None, Some(a))).await?;
                }
            }
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        // In reading order: by row, then by column (A < B < … < Z < AA).
        errors.sort_by(|a, b| {
            (a.row, a.column.len(), &a.column).cmp(&(b.row, b.column.len(), &b.column))
        });
        return Err(RecordError::Import(errors));
    }
    if audit_mode == AuditMode::Summary {
        let entity = entity(r);
        audit::write(
            &mut tx,
            &AuditEntry {
                actor: p,
                action: "import",
                entity: &entity,
                entity_id: None,
                summary: format!(
                    "导入{}：新增 {} 条，修改 {} 条",
                    r.zh, out.inserted, out.updated
                ),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Sheet-form JSON rows (the demo's seeding, a JSON import) as sheet rows numbered from 1.
pub fn json_rows(r: &Register, rows: &[Map<String, Value>]) -> Result<Vec<SheetRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, m) in rows.iter().enumerate() {
        let mut values = HashMap::new();
        for (k, v) in m {
            let f = r.field(k).ok_or_else(|| {
                RecordError::BadRequest(format!("row {}: {} has no field {k:?}", i + 1, r.key))
            })?;
            values.insert(f.key, Raw::from_json(v));
        }
        out.push(SheetRow {
            row: i as u32 + 1,
            values,
        });
    }
    Ok(out)
}
