//! Itemised figures: lists of named records the report cites one by one ("the X bridge
//! reinforcement is 80 % complete"). Like a figure, a list is declared once with the records
//! behind it; every row keeps the id of its record, so each cell the report prints links to
//! the record it came from. The template iterates a list with `rows("id")` or prints it as a
//! table with `@table id`.

use serde::Serialize;
use sqlx::{Row, SqlitePool};
use tongtu_records::decl::Dict;

use crate::figures::{bind_sql, format_number};
use crate::period::{ParamValue, Period};

/// At most this many rows of a list go into a report: a report cites items, it is not an
/// export (the register page has them all).
pub const MAX_ROWS: usize = 100;

/// How a column's value is shown.
#[derive(Debug, Clone, Copy)]
pub enum Col {
    Text,
    /// A number with this many decimals.
    Number(u8),
    /// A code of a dictionary, shown by its Chinese label.
    Code(&'static Dict),
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The key the template uses (`b.progress`).
    pub key: &'static str,
    pub header: &'static str,
    pub unit: &'static str,
    /// SQL expression over the list's `from`.
    pub expr: &'static str,
    pub kind: Col,
}

const fn col(
    key: &'static str,
    header: &'static str,
    unit: &'static str,
    expr: &'static str,
    kind: Col,
) -> Column {
    Column {
        key,
        header,
        unit,
        expr,
        kind,
    }
}

/// One list.
#[derive(Debug, Clone, Copy)]
pub struct List {
    pub id: &'static str,
    pub section: &'static str,
    pub label: &'static str,
    /// The register whose records the rows are.
    pub source: &'static str,
    /// Which records, in words.
    pub filter: &'static str,
    /// `FROM … WHERE …`, parameters as in [`crate::figures`].
    pub from: &'static str,
    /// The id of the source record of a row.
    pub record: &'static str,
    pub order: &'static str,
    pub columns: &'static [Column],
}

#[rustfmt::skip]
pub const LISTS: &[List] = &[
    List {
        id: "bridge_repairs",
        section: "livelihood",
        label: "危桥加固改造项目进度",
        source: "bridge_reinforcements",
        filter: "本期完工或期末在建的加固改造项目（状态为期末状态；期末后才完工的项目，期末进度未记录）",
        from: "rec_bridge_reinforcements r JOIN rec_bridges b ON b.id = r.bridge_id WHERE r.start_date <= :to_date AND (r.status <> 'done' OR r.completion_date >= :from_date)",
        record: "r.id",
        order: "r.status = 'done' AND r.completion_date <= :to_date DESC, r.progress DESC, b.name",
        columns: &[
            col("bridge", "桥梁", "", "b.name", Col::Text),
            col("project", "项目名称", "", "r.project_name", Col::Text),
            // The state at the end of the period, not today's.
            col("status", "期末状态", "", "CASE WHEN r.status = 'done' AND r.completion_date <= :to_date THEN 'done' ELSE 'in_progress' END", Col::Code(&tongtu_records::registers::roads::REINFORCEMENT_STATUSES)),
            col("progress", "形象进度", "%", "CASE WHEN r.status = 'done' AND r.completion_date > :to_date THEN NULL ELSE r.progress END", Col::Number(0)),
            col("investment", "投资", "万元", "r.investment", Col::Number(0)),
        ],
    },
];

pub fn get(id: &str) -> Option<&'static List> {
    LISTS.iter().find(|l| l.id == id)
}

/// One cell: its printed text and, for numbers, the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub key: &'static str,
    pub text: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The id of the record in the list's source register.
    pub record: i64,
    pub cells: Vec<Cell>,
}

impl Item {
    pub fn cell(&self, key: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.key == key)
    }
}

/// A computed list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListValue {
    pub id: &'static str,
    pub label: &'static str,
    pub section: &'static str,
    pub source: &'static str,
    pub filter: &'static str,
    /// (key, header, unit) of each column.
    pub columns: Vec<(&'static str, &'static str, &'static str)>,
    pub items: Vec<Item>,
    /// Rows beyond [`MAX_ROWS`] that were left out.
    pub left_out: usize,
    /// Why the list could not be read (a query error), never silently empty.
    pub error: Option<String>,
}

fn cell(row: &sqlx::sqlite::SqliteRow, i: usize, c: &Column) -> Cell {
    let text_of = |row: &sqlx::sqlite::SqliteRow| -> Option<String> {
        if let Ok(Some(s)) = row.try_get::<Option<String>, _>(i) {
            return Some(s);
        }
        if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(i) {
            return Some(n.to_string());
        }
        row.try_get::<Option<f64>, _>(i)
            .ok()
            .flatten()
            .map(|x| x.to_string())
    };
    match c.kind {
        Col::Text => Cell {
            key: c.key,
            text: text_of(row).unwrap_or_default(),
            value: None,
        },
        Col::Code(dict) => {
            let code = text_of(row).unwrap_or_default();
            Cell {
                key: c.key,
                text: dict.find(&code).map_or(code, |x| x.zh.to_string()),
                value: None,
            }
        }
        Col::Number(precision) => {
            let v = match row.try_get::<Option<f64>, _>(i) {
                Ok(v) => v,
                Err(_) => row
                    .try_get::<Option<i64>, _>(i)
                    .ok()
                    .flatten()
                    .map(|n| n as f64),
            };
            let p = 10f64.powi(precision as i32);
            let v = v.filter(|x| x.is_finite()).map(|x| (x * p).round() / p);
            Cell {
                key: c.key,
                text: v.map_or_else(|| "—".to_string(), |x| format_number(x, precision)),
                value: v,
            }
        }
    }
}

async fn rows(db: &SqlitePool, l: &List, period: &Period) -> Result<(Vec<Item>, usize), String> {
    let exprs: Vec<&str> = l.columns.iter().map(|c| c.expr).collect();
    let sql = format!(
        "SELECT {}, {} FROM {} ORDER BY {}",
        l.record,
        exprs.join(", "),
        l.from,
        l.order
    );
    let (sql, values) = bind_sql(&sql, period)?;
    let mut q = sqlx::query(&sql);
    for v in values {
        q = match v {
            ParamValue::Int(i) => q.bind(i),
            ParamValue::Text(t) => q.bind(t),
        };
    }
    let all = q.fetch_all(db).await.map_err(|e| e.to_string())?;
    let left_out = all.len().saturating_sub(MAX_ROWS);
    let items = all
        .iter()
        .take(MAX_ROWS)
        .map(|row| Item {
            record: row.try_get::<i64, _>(0).unwrap_or(0),
            cells: l
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| cell(row, i + 1, c))
                .collect(),
        })
        .collect();
    Ok((items, left_out))
}

pub async fn compute(db: &SqlitePool, l: &List, period: &Period) -> ListValue {
    let (items, left_out, error) = match rows(db, l, period).await {
        Ok((items, left_out)) => (items, left_out, None),
        Err(e) => {
            tracing::error!(list = l.id, error = %e, "list query failed");
            (Vec::new(), 0, Some(format!("计算出错：{e}")))
        }
    };
    ListValue {
        id: l.id,
        label: l.label,
        section: l.section,
        source: l.source,
        filter: l.filter,
        columns: l
            .columns
            .iter()
            .map(|c| (c.key, c.header, c.unit))
            .collect(),
        items,
        left_out,
        error,
    }
}

pub async fn compute_all(db: &SqlitePool, period: &Period) -> Vec<ListValue> {
    let mut out = Vec::with_capacity(LISTS.len());
    for l in LISTS {
        out.push(compute(db, l, period).await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_declared_once_with_known_parameters() {
        let p = Period::new(2026, 1).expect("period");
        let mut ids = std::collections::HashSet::new();
        for l in LISTS {
            assert!(ids.insert(l.id), "{} twice", l.id);
            assert!(
                crate::figures::get(l.id).is_none(),
                "{}: also a figure",
                l.id
            );
            assert!(
                tongtu_records::registers::get(l.source).is_some(),
                "{}",
                l.id
            );
            bind_sql(l.from, &p).unwrap_or_else(|e| panic!("{}: {e}", l.id));
            let mut keys = std::collections::HashSet::new();
            for c in l.columns {
                assert!(keys.insert(c.key), "{}.{} twice", l.id, c.key);
            }
        }
    }
}
