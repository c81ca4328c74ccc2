//! Excel import and export of registry records, laid out from the record declaration:
//! one sheet, Chinese headers in row 1, one record per row. Import is all-or-nothing and
//! reports every bad cell by row, column letter, header and reason.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{Map, Value};
use sqlx::SqlitePool;

use crate::audit::{self, AuditEntry};
use crate::auth::Principal;
use crate::dict;
use crate::error::{CellError, RegistryError, Result};
use crate::record::{self, Col, ColKind, ListQuery, Record};

/// Largest sheet accepted by an import.
pub const MAX_IMPORT_ROWS: usize = 50_000;

/// Excel column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut idx: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Lookup tables between ids and the human keys used in sheets.
struct Refs {
    enterprise_by_uscc: HashMap<String, i64>,
    uscc_by_enterprise: HashMap<i64, String>,
    region_by_name: HashMap<String, i64>,
    name_by_region: HashMap<i64, String>,
    vehicles_by_plate: HashMap<String, Vec<i64>>,
    plate_by_vehicle: HashMap<i64, String>,
}

impl Refs {
    async fn load(db: &SqlitePool, p: &Principal) -> Result<Refs> {
        let scope = p.enterprise_scope();
        let ents: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, uscc FROM enterprises WHERE ($1 IS NULL OR id = $1)")
                .bind(scope)
                .fetch_all(db)
                .await?;
        let regions: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM regions")
            .fetch_all(db)
            .await?;
        let vehicles: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, plate FROM vehicles WHERE ($1 IS NULL OR enterprise_id = $1)",
        )
        .bind(scope)
        .fetch_all(db)
        .await?;
        let mut vehicles_by_plate: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, plate) in &vehicles {
            vehicles_by_plate
                .entry(plate.clone())
                .or_default()
                .push(*id);
        }
        Ok(Refs {
            enterprise_by_uscc: ents.iter().map(|(i, u)| (u.clone(), *i)).collect(),
            uscc_by_enterprise: ents.into_iter().collect(),
            region_by_name: regions.iter().map(|(i, n)| (n.clone(), *i)).collect(),
            name_by_region: regions.into_iter().collect(),
            vehicles_by_plate,
            plate_by_vehicle: vehicles.into_iter().collect(),
        })
    }
}

fn cell_text(value: &Value, col: &Col, refs: &Refs) -> Option<String> {
    let id = value.as_i64();
    Some(match col.kind {
        ColKind::Text => {
            let s = value.as_str()?;
            match col.dict.and_then(|d| dict::lookup(d, s)) {
                Some(code) => code.zh.to_string(),
                None => s.to_string(),
            }
        }
        ColKind::Int => id?.to_string(),
        ColKind::Bool => if value.as_bool()? { "是" } else { "否" }.to_string(),
        ColKind::CodeList => value
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(|c| {
                col.dict
                    .and_then(|d| dict::lookup(d, c))
                    .map(|x| x.zh)
                    .unwrap_or(c)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("、"),
        ColKind::EnterpriseRef => refs.uscc_by_enterprise.get(&id?)?.clone(),
        ColKind::RegionRef => refs.name_by_region.get(&id?)?.clone(),
        ColKind::VehicleRef => refs.plate_by_vehicle.get(&id?)?.clone(),
        ColKind::PlateColor => dict::plate_color_zh(id?).to_string(),
    })
}

fn header_format() -> Format {
    Format::new().set_bold().set_background_color(0xDDEBF7)
}

fn write_headers(ws: &mut rust_xlsxwriter::Worksheet, cols: &[Col]) -> Result<()> {
    let bold = header_format();
    for (c, col) in cols.iter().enumerate() {
        let title = if col.required {
            format!("{}*", col.zh)
        } else {
            col.zh.to_string()
        };
        ws.write_string_with_format(0, c as u16, title, &bold)
            .map_err(xlsx_err)?;
        ws.set_column_width(c as u16, (col.zh.chars().count() as f64 * 2.2).max(14.0))
            .map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> RegistryError {
    RegistryError::Internal(format!("xlsx: {e}"))
}

/// Writes every record matching `q` that `p` may see to an .xlsx workbook.
pub async fn export<R: Record>(db: &SqlitePool, p: &Principal, q: &ListQuery) -> Result<Vec<u8>> {
    let mut rows = record::list_all::<R>(db, p, q).await?;
    if !p.has(crate::auth::Permission::PiiRead) {
        rows.iter_mut().for_each(R::redact);
    }
    let refs = Refs::load(db, &Principal::system()).await?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name(R::ZH).map_err(xlsx_err)?;
    write_headers(ws, R::COLUMNS)?;
    for (r, rec) in rows.iter().enumerate() {
        let json = serde_json::to_value(rec).map_err(|e| RegistryError::Internal(e.to_string()))?;
        for (c, col) in R::COLUMNS.iter().enumerate() {
            let Some(v) = json.get(col.name) else {
                continue;
            };
            match (col.kind, v.as_i64()) {
                (ColKind::Int, Some(n)) => {
                    ws.write_number((r + 1) as u32, c as u16, n as f64)
                        .map_err(xlsx_err)?;
                }
                _ => {
                    if let Some(s) = cell_text(v, col, &refs) {
                        ws.write_string((r + 1) as u32, c as u16, s)
                            .map_err(xlsx_err)?;
                    }
                }
            }
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// An empty workbook with the headers and one example row.
pub fn template<R: Record>() -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name(R::ZH).map_err(xlsx_err)?;
    write_headers(ws, R::COLUMNS)?;
    let grey = Format::new().set_font_color(0x808080);
    for (c, col) in R::COLUMNS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, col.example, &grey)
            .map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        other => other.to_string(),
    }
}

/// Converts one cell to its JSON value, or a reason it cannot be.
fn cell_value(col: &Col, text: &str, refs: &Refs) -> std::result::Result<Value, String> {
    if text.is_empty() {
        return if col.required && col.kind != ColKind::Bool {
            Err(format!("{}不能为空", col.zh))
        } else if col.kind == ColKind::Bool {
            Ok(Value::Bool(true))
        } else if col.kind == ColKind::Text {
            Ok(Value::String(String::new()))
        } else {
            Ok(Value::Null)
        };
    }
    match col.kind {
        ColKind::Text => match col.dict {
            Some(d) => dict::lookup(d, text)
                .map(|c| Value::String(c.code.into()))
                .ok_or_else(|| {
                    let allowed: Vec<&str> = d.iter().map(|c| c.zh).collect();
                    format!(
                        "{text:?} 不是有效的{}，可选：{}",
                        col.zh,
                        allowed.join("、")
                    )
                }),
            None => Ok(Value::String(text.to_string())),
        },
        ColKind::Int => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{text:?} 不是整数")),
        ColKind::Bool => match text {
            "是" | "true" | "TRUE" | "1" | "Y" | "y" => Ok(Value::Bool(true)),
            "否" | "false" | "FALSE" | "0" | "N" | "n" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} 应为 是 或 否")),
        },
        ColKind::CodeList => {
            let d = col.dict.unwrap_or(&[]);
            let mut codes = Vec::new();
            for part in text
                .split(['、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                match dict::lookup(d, part) {
                    Some(c) => codes.push(Value::String(c.code.into())),
                    None => return Err(format!("{part:?} 不是有效的{}", col.zh)),
                }
            }
            Ok(Value::Array(codes))
        }
        ColKind::PlateColor => dict::plate_color_from(text)
            .map(Value::from)
            .ok_or_else(|| format!("{text:?} 不是有效的车牌颜色（蓝、黄、黑、白、绿、其他）")),
        ColKind::EnterpriseRef => refs
            .enterprise_by_uscc
            .get(text)
            .map(|i| Value::from(*i))
            .ok_or_else(|| format!("统一社会信用代码为 {text} 的企业不存在或不可见")),
        ColKind::RegionRef => refs
            .region_by_name
            .get(text)
            .map(|i| Value::from(*i))
            .ok_or_else(|| format!("辖区 {text:?} 不存在")),
        ColKind::VehicleRef => match refs.vehicles_by_plate.get(text).map(Vec::as_slice) {
            Some([one]) => Ok(Value::from(*one)),
            Some([_, _, ..]) => Err(format!(
                "车牌号 {text} 对应多辆车（不同车牌颜色），无法确定"
            )),
            _ => Err(format!("车牌号 {text} 的车辆不存在或不可见")),
        },
    }
}

/// Imports an .xlsx workbook: every row is validated (formats, references, duplicates
/// within the sheet and against the database); one bad cell and nothing is written.
pub async fn import<R: Record>(db: &SqlitePool, p: &Principal, bytes: &[u8]) -> Result<usize> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| RegistryError::BadRequest(format!("不是有效的 .xlsx 文件：{e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| RegistryError::BadRequest("工作簿中没有工作表".into()))?
        .map_err(|e| RegistryError::BadRequest(format!("无法读取第一个工作表：{e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| RegistryError::BadRequest("工作表为空：第 1 行应为表头".into()))?
        .iter()
        .map(|d| data_text(d).trim_end_matches('*').to_string())
        .collect();
    let excel_row = |i: usize| (row0 as usize + i + 1) as u32;
    let excel_col = |i: usize| column_letter(col0 as usize + i);

    let mut errors = Vec::new();
    let mut positions: Vec<Option<usize>> = Vec::new();
    for col in R::COLUMNS {
        let pos = header
            .iter()
            .position(|h| h == col.zh || h == col.en || h == col.name);
        if pos.is_none() && col.required {
            errors.push(CellError {
                row: excel_row(0),
                column: "-".into(),
                header: col.zh.into(),
                reason: format!("缺少必填列 {:?}", col.zh),
            });
        }
        positions.push(pos);
    }
    if !errors.is_empty() {
        return Err(RegistryError::Import(errors));
    }

    let refs = Refs::load(db, p).await?;
    let mut inputs: Vec<(u32, R::Input)> = Vec::new();
    let mut seen: Vec<HashMap<String, u32>> = vec![HashMap::new(); R::UNIQUE.len()];
    for (i, row) in rows.enumerate() {
        let sheet_row = excel_row(i + 1);
        if row.iter().all(|d| data_text(d).is_empty()) {
            continue;
        }
        if inputs.len() >= MAX_IMPORT_ROWS {
            return Err(RegistryError::BadRequest(format!(
                "一次最多导入 {MAX_IMPORT_ROWS} 行"
            )));
        }
        let mut obj = Map::new();
        let mut texts = HashMap::new();
        let mut row_ok = true;
        for (col, pos) in R::COLUMNS.iter().zip(&positions) {
            let text = pos
                .and_then(|p| row.get(p))
                .map(data_text)
                .unwrap_or_default();
            match cell_value(col, &text, &refs) {
                Ok(v) => {
                    obj.insert(col.name.into(), v);
                }
                Err(reason) => {
                    row_ok = false;
                    errors.push(CellError {
                        row: sheet_row,
                        column: pos.map(&excel_col).unwrap_or_else(|| "-".into()),
                        header: col.zh.into(),
                        reason,
                    });
                }
            }
            texts.insert(col.name, text);
        }
        for (k, key) in R::UNIQUE.iter().enumerate() {
            let joined: Vec<&str> = key
                .iter()
                .map(|n| texts.get(n).map(String::as_str).unwrap_or(""))
                .collect();
            let joined = joined.join("\u{1f}");
            if let Some(first) = seen[k].get(&joined) {
                let idx = R::COLUMNS
                    .iter()
                    .position(|c| c.name == key[0])
                    .unwrap_or(0);
                errors.push(CellError {
                    row: sheet_row,
                    column: positions[idx].map(&excel_col).unwrap_or_else(|| "-".into()),
                    header: R::COLUMNS[idx].zh.into(),
                    reason: format!("与本表第 {first} 行重复"),
                });
                row_ok = false;
            } else {
                seen[k].insert(joined, sheet_row);
            }
        }
        if !row_ok {
            continue;
        }
        match serde_json::from_value::<R::Input>(Value::Object(obj)) {
            Ok(input) => inputs.push((sheet_row, input)),
            Err(e) => errors.push(CellError {
                row: sheet_row,
                column: "-".into(),
                header: "-".into(),
                reason: e.to_string(),
            }),
        }
    }

    let mut tx = db.begin().await?;
    let mut imported = 0usize;
    for (sheet_row, input) in &inputs {
        match record::insert_in::<R>(&mut tx, p, input, "import").await {
            Ok(_) => imported += 1,
            Err(RegistryError::Validation(fields)) => {
                for f in fields {
                    let idx = R::COLUMNS.iter().position(|c| c.name == f.field);
                    errors.push(CellError {
                        row: *sheet_row,
                        column: idx
                            .and_then(|i| positions[i])
                            .map(&excel_col)
                            .unwrap_or_else(|| "-".into()),
                        header: idx.map(|i| R::COLUMNS[i].zh).unwrap_or("-").into(),
                        reason: f.message,
                    });
                }
            }
            Err(RegistryError::Forbidden(m) | RegistryError::Conflict(m)) => {
                errors.push(CellError {
                    row: *sheet_row,
                    column: "-".into(),
                    header: "-".into(),
                    reason: m,
                })
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        errors.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
        let mut uniq = HashSet::new();
        errors.retain(|e| uniq.insert((e.row, e.column.clone(), e.reason.clone())));
        return Err(RegistryError::Import(errors));
    }
    if imported == 0 {
        return Err(RegistryError::BadRequest("工作表中没有数据行".into()));
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "import",
            entity: R::ENTITY,
            entity_id: None,
            summary: format!("从 Excel 导入{} {imported} 条", R::ZH),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
