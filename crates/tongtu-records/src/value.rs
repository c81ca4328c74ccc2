//! Field values: parsed from the API's JSON (ids for references) or from a sheet cell
//! (labels for codes and references), checked against the field's declaration, bound into
//! SQL and written back as JSON or as a sheet cell.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::decl::{Field, Kind};

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Num(f64),
    Text(String),
    Bool(bool),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Num(n) => Some(*n),
            Cell::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value in the API's JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::from(*i),
            Cell::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Bool(b) => Value::Bool(*b),
        }
    }
}

/// A cell as read from a sheet (or a sheet-form JSON row) before it is typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Str(String),
    Num(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl Raw {
    /// A sheet-form JSON value.
    pub fn from_json(v: &Value) -> Raw {
        match v {
            Value::Null => Raw::Empty,
            Value::Bool(b) => Raw::Bool(*b),
            Value::Number(n) => n.as_f64().map_or(Raw::Empty, Raw::Num),
            Value::String(s) if s.trim().is_empty() => Raw::Empty,
            Value::String(s) => Raw::Str(s.trim().to_string()),
            other => Raw::Str(other.to_string()),
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Raw::Empty => None,
            Raw::Str(s) => Some(s.clone()),
            Raw::Num(n) => Some(fmt_num(*n)),
            Raw::Bool(b) => Some(if *b { "是" } else { "否" }.to_string()),
            Raw::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
        }
    }
}

/// A number without a trailing `.0` (sheet cells hold integers as floats).
pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Lookups from labels (sheet form) to ids, and back for display.
#[derive(Debug, Default, Clone)]
pub struct Labels {
    pub regions: HashMap<i64, String>,
    pub enterprises: HashMap<i64, (String, String)>,
    pub vehicles: HashMap<i64, (String, i64)>,
    /// Per referenced register key: id → title.
    pub refs: HashMap<&'static str, HashMap<i64, String>>,
    region_ids: HashMap<String, i64>,
    enterprise_ids: HashMap<String, i64>,
    vehicle_ids: HashMap<String, Vec<i64>>,
    ref_ids: HashMap<&'static str, HashMap<String, Vec<i64>>>,
}

impl Labels {
    /// Builds the reverse maps once the forward maps are filled.
    pub fn index(&mut self) {
        self.region_ids = self
            .regions
            .iter()
            .map(|(id, n)| (n.clone(), *id))
            .collect();
        self.enterprise_ids.clear();
        for (id, (name, uscc)) in &self.enterprises {
            self.enterprise_ids.insert(uscc.clone(), *id);
            self.enterprise_ids.entry(name.clone()).or_insert(*id);
        }
        self.vehicle_ids.clear();
        for (id, (plate, _)) in &self.vehicles {
            self.vehicle_ids.entry(plate.clone()).or_default().push(*id);
        }
        self.ref_ids.clear();
        for (reg, m) in &self.refs {
            let e = self.ref_ids.entry(reg).or_default();
            for (id, t) in m {
                e.entry(t.clone()).or_default().push(*id);
            }
        }
    }

    /// The label of a reference or code value (for `_display` and sheets).
    pub fn display(&self, field: &Field, cell: &Cell) -> Option<String> {
        match (field.kind, cell) {
            (Kind::Code(d), Cell::Text(c)) => {
                Some(d.find(c).map_or(c.clone(), |x| x.zh.to_string()))
            }
            (Kind::Region, Cell::Int(id)) => self.regions.get(id).cloned(),
            (Kind::Enterprise, Cell::Int(id)) => self.enterprises.get(id).map(|e| e.0.clone()),
            (Kind::Vehicle, Cell::Int(id)) => self.vehicles.get(id).map(|v| v.0.clone()),
            (Kind::Ref(r), Cell::Int(id)) => self.refs.get(r).and_then(|m| m.get(id)).cloned(),
            _ => None,
        }
    }

    /// The sheet text of a reference (enterprises by USCC, so that an export re-imports).
    pub fn sheet_text(&self, field: &Field, cell: &Cell) -> Option<String> {
        match (field.kind, cell) {
            (Kind::Enterprise, Cell::Int(id)) => self.enterprises.get(id).map(|e| e.1.clone()),
            _ => self.display(field, cell),
        }
    }
}

fn bounds_i(v: i64, min: Option<i64>, max: Option<i64>) -> Result<i64, String> {
    if let Some(m) = min.filter(|m| v < *m) {
        return Err(format!("不能小于 {m}"));
    }
    if let Some(m) = max.filter(|m| v > *m) {
        return Err(format!("不能大于 {m}"));
    }
    Ok(v)
}

fn bounds_f(v: f64, scale: u8, min: Option<f64>, max: Option<f64>) -> Result<f64, String> {
    if !v.is_finite() {
        return Err("不是有效数字".into());
    }
    let p = 10f64.powi(scale as i32);
    let v = (v * p).round() / p;
    if let Some(m) = min.filter(|m| v < *m) {
        return Err(format!("不能小于 {}", fmt_num(m)));
    }
    if let Some(m) = max.filter(|m| v > *m) {
        return Err(format!("不能大于 {}", fmt_num(m)));
    }
    Ok(v)
}

fn text(s: &str, max: u32) -> Result<Cell, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Cell::Null);
    }
    let n = s.chars().count();
    if n > max as usize {
        return Err(format!("最多 {max} 个字符（现为 {n} 个）"));
    }
    Ok(Cell::Text(s.to_string()))
}

/// `YYYY-MM-DD`, also `YYYY/MM/DD` and `YYYY年M月D日` in sheets.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y年%m月%d日"))
        .ok()
}

/// `YYYY-MM`, also `YYYY/MM` and `YYYY年M月`; normalised to `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('月');
    let (y, m) = s
        .split_once('-')
        .or_else(|| s.split_once('/'))
        .or_else(|| s.split_once('年'))?;
    let (y, m): (i32, u32) = (y.trim().parse().ok()?, m.trim().parse().ok()?);
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    Some(format!("{y:04}-{m:02}"))
}

/// Checks a typed value against its field (bounds, length, dictionary, formats).
fn check(field: &Field, c: Cell) -> Result<Cell, String> {
    match (field.kind, c) {
        (_, Cell::Null) => Ok(Cell::Null),
        (Kind::Text { max }, Cell::Text(s)) => text(&s, max),
        (Kind::Int { min, max }, Cell::Int(i)) => bounds_i(i, min, max).map(Cell::Int),
        (Kind::Num { scale, min, max }, Cell::Num(n)) => {
            bounds_f(n, scale, min, max).map(Cell::Num)
        }
        (Kind::Num { scale, min, max }, Cell::Int(i)) => {
            bounds_f(i as f64, scale, min, max).map(Cell::Num)
        }
        (Kind::Date, Cell::Text(s)) => parse_date(&s)
            .filter(|_| s.len() == 10)
            .map(|d| Cell::Text(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| format!("日期格式应为 YYYY-MM-DD：{s:?}")),
        (Kind::Month, Cell::Text(s)) => parse_month(&s)
            .filter(|m| *m == s)
            .map(Cell::Text)
            .ok_or_else(|| format!("月份格式应为 YYYY-MM：{s:?}")),
        (Kind::Bool, Cell::Bool(b)) => Ok(Cell::Bool(b)),
        (Kind::Code(d), Cell::Text(s)) => match d.find(&s) {
            Some(_) => Ok(Cell::Text(s)),
            None => Err(format!(
                "{s:?} 不是有效代码，可选：{}",
                d.codes
                    .iter()
                    .map(|c| c.code)
                    .collect::<Vec<_>>()
                    .join("、")
            )),
        },
        (Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_), Cell::Int(i)) => {
            if i > 0 {
                Ok(Cell::Int(i))
            } else {
                Err(format!("不是有效的编号：{i}"))
            }
        }
        (k, c) => Err(format!("应为{}，收到 {}", kind_zh(&k), c.to_json())),
    }
}

/// The kind in words, for messages.
pub fn kind_zh(k: &Kind) -> &'static str {
    match k {
        Kind::Text { .. } => "文本",
        Kind::Int { .. } => "整数",
        Kind::Num { .. } => "数字",
        Kind::Date => "日期（YYYY-MM-DD）",
        Kind::Month => "月份（YYYY-MM）",
        Kind::Bool => "是/否",
        Kind::Code(_) => "代码",
        Kind::Region => "县区",
        Kind::Enterprise => "企业",
        Kind::Vehicle => "车辆",
        Kind::Ref(_) => "关联记录",
    }
}

/// A value of the API's JSON (references by id).
pub fn from_api(field: &Field, v: &Value) -> Result<Cell, String> {
    let c = match (field.kind, v) {
        (_, Value::Null) => Cell::Null,
        (Kind::Text { .. } | Kind::Date | Kind::Month | Kind::Code(_), Value::String(s)) => {
            if s.trim().is_empty() {
                Cell::Null
            } else {
                Cell::Text(s.trim().to_string())
            }
        }
        (
            Kind::Int { .. } | Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_),
            Value::Number(n),
        ) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => return Err(format!("应为整数，收到 {n}")),
        },
        (Kind::Num { .. }, Value::Number(n)) => Cell::Num(n.as_f64().unwrap_or(f64::NAN)),
        (Kind::Bool, Value::Bool(b)) => Cell::Bool(*b),
        (k, v) => return Err(format!("应为{}，收到 {v}", kind_zh(&k))),
    };
    check(field, c)
}

/// A sheet cell (or sheet-form JSON): codes by code or label, references by their labels.
pub fn from_sheet(field: &Field, raw: &Raw, labels: &Labels) -> Result<Cell, String> {
    let c = match (field.kind, raw) {
        (_, Raw::Empty) => Cell::Null,
        (Kind::Text { .. }, r) => Cell::Text(r.text().unwrap_or_default()),
        (Kind::Int { .. }, Raw::Num(n)) if n.fract() == 0.0 => Cell::Int(*n as i64),
        (Kind::Int { .. }, Raw::Str(s)) => match s.replace([',', '，'], "").parse::<i64>() {
            Ok(i) => Cell::Int(i),
            Err(_) => return Err(format!("应为整数：{s:?}")),
        },
        (Kind::Num { .. }, Raw::Num(n)) => Cell::Num(*n),
        (Kind::Num { .. }, Raw::Str(s)) => match s.replace([',', '，'], "").parse::<f64>() {
            Ok(n) => Cell::Num(n),
            Err(_) => return Err(format!("应为数字：{s:?}")),
        },
        (Kind::Date, Raw::Date(d)) => Cell::Text(d.format("%Y-%m-%d").to_string()),
        (Kind::Date, Raw::Str(s)) => match parse_date(s) {
            Some(d) => Cell::Text(d.format("%Y-%m-%d").to_string()),
            None => return Err(format!("日期格式应为 YYYY-MM-DD：{s:?}")),
        },
        (Kind::Month, Raw::Date(d)) => Cell::Text(format!("{:04}-{:02}", d.year(), d.month())),
        (Kind::Month, Raw::Str(s)) => match parse_month(s) {
            Some(m) => Cell::Text(m),
            None => return Err(format!("月份格式应为 YYYY-MM：{s:?}")),
        },
        (Kind::Bool, Raw::Bool(b)) => Cell::Bool(*b),
        (Kind::Bool, Raw::Num(n)) if *n == 0.0 || *n == 1.0 => Cell::Bool(*n == 1.0),
        (Kind::Bool, Raw::Str(s)) => match s.to_lowercase().as_str() {
            "是" | "y" | "yes" | "true" | "1" => Cell::Bool(true),
            "否" | "n" | "no" | "false" | "0" => Cell::Bool(false),
            _ => return Err(format!("应为 是/否：{s:?}")),
        },
        (Kind::Code(d), r) => {
            let t = r.text().unwrap_or_default();
            match d.lookup(&t) {
                Some(c) => Cell::Text(c.code.to_string()),
                None => {
                    return Err(format!(
                        "{t:?} 不在可选值中：{}",
                        d.codes.iter().map(|c| c.zh).collect::<Vec<_>>().join("、")
                    ))
                }
            }
        }
        (Kind::Region, r) => {
            let t = r.text().unwrap_or_default();
            match labels.region_ids.get(&t) {
                Some(id) => Cell::Int(*id),
                None => return Err(format!("没有名为 {t:?} 的县区")),
            }
        }
        (Kind::Enterprise, r) => {
            let t = r.text().unwrap_or_default();
            match labels.enterprise_ids.get(&t) {
                Some(id) => Cell::Int(*id),
                None => return Err(format!("没有统一社会信用代码或名称为 {t:?} 的企业")),
            }
        }
        (Kind::Vehicle, r) => {
            let t = r.text().unwrap_or_default();
            match labels.vehicle_ids.get(&t).map(Vec::as_slice) {
                Some([id]) => Cell::Int(*id),
                Some([_, ..]) => return Err(format!("车牌 {t:?} 对应多辆车，请在系统中逐条录入")),
                _ => return Err(format!("没有车牌为 {t:?} 的车辆")),
            }
        }
        (Kind::Ref(target), r) => {
            let t = r.text().unwrap_or_default();
            match labels
                .ref_ids
                .get(target)
                .and_then(|m| m.get(&t))
                .map(Vec::as_slice)
            {
                Some([id]) => Cell::Int(*id),
                Some([_, ..]) => return Err(format!("{t:?} 对应多条记录")),
                _ => return Err(format!("没有名为 {t:?} 的关联记录")),
            }
        }
        (k, r) => {
            return Err(format!(
                "应为{}：{}",
                kind_zh(&k),
                r.text().unwrap_or_default()
            ))
        }
    };
    check(field, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::{f, AMOUNT, TEXT};

    #[test]
    fn api_values_are_typed_and_bounded() {
        let amount = f("a", "金额", "Amount", AMOUNT);
        assert_eq!(
            from_api(&amount, &serde_json::json!(1.005)),
            Ok(Cell::Num(1.0))
        );
        assert!(from_api(&amount, &serde_json::json!(-1)).is_err());
        assert!(from_api(&amount, &serde_json::json!("1")).is_err());
        let date = f("d", "日期", "Date", Kind::Date);
        assert!(from_api(&date, &serde_json::json!("2026-02-30")).is_err());
        assert!(from_api(&date, &serde_json::json!("2026-2-3")).is_err());
        let month = f("m", "月份", "Month", Kind::Month);
        assert_eq!(
            from_api(&month, &serde_json::json!("2026-02")),
            Ok(Cell::Text("2026-02".into()))
        );
        assert!(from_api(&month, &serde_json::json!("2026-13")).is_err());
        let t = f("t", "名称", "Name", TEXT);
        assert_eq!(from_api(&t, &serde_json::json!("  ")), Ok(Cell::Null));
        assert!(from_api(&t, &serde_json::json!("x".repeat(101))).is_err());
    }

    #[test]
    fn sheet_values_accept_what_people_type() {
        let labels = Labels::default();
        let month = f("m", "月份", "Month", Kind::Month);
        let date = NaiveDate::from_ymd_opt(2026, 3, 1)
            .map(Raw::Date)
            .unwrap_or(Raw::Empty);
        assert_eq!(
            from_sheet(&month, &date, &labels),
            Ok(Cell::Text("2026-03".into()))
        );
        assert_eq!(
            from_sheet(&month, &Raw::Str("2026年3月".into()), &labels),
            Ok(Cell::Text("2026-03".into()))
        );
        let n = f("n", "数", "N", COUNT_FIELD);
        assert_eq!(
            from_sheet(&n, &Raw::Str("1,200".into()), &labels),
            Ok(Cell::Int(1200))
        );
        assert!(from_sheet(&n, &Raw::Num(1.5), &labels).is_err());
        let b = f("b", "是否", "Flag", Kind::Bool);
        assert_eq!(
            from_sheet(&b, &Raw::Str("是".into()), &labels),
            Ok(Cell::Bool(true))
        );
        let r = f("r", "县区", "County", Kind::Region);
        let e = from_sheet(&r, &Raw::Str("火星区".into()), &labels).expect_err("unknown");
        assert!(e.contains("火星区"), "{e}");
    }

    const COUNT_FIELD: Kind = crate::decl::COUNT;
}
