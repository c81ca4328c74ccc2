//! Excel and CSV of a register, laid out from its declaration: one sheet named by the
//! register, headers `label（unit）*` in row 1, one row per record, codes and references as
//! their labels (enterprises by USCC) so that an export imports again unchanged. The
//! template adds drop-down lists for codes and a `填写说明` sheet. Imports are all-or-nothing
//! (see [`crate::store::import_rows`]).

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{DataValidation, Format, Workbook, Worksheet};
use tongtu_registry::excel::column_letter;
use tongtu_registry::{CellError, Principal};

use crate::decl::{Field, Kind, Register};
use crate::store::{self, AuditMode, Imported, RowQuery, SheetRow};
use crate::value::{fmt_num, Cell, Labels, Raw};
use crate::{RecordError, Result};

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> RecordError {
    RecordError::Internal(format!("xlsx: {e}"))
}

/// Sheet names may not exceed 31 characters nor contain `[]:*?/\`.
fn sheet_name(r: &Register) -> String {
    r.zh.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

fn write_headers(ws: &mut Worksheet, r: &Register) -> Result<()> {
    let bold = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    for (c, f) in r.fields.iter().enumerate() {
        let h = f.header();
        ws.write_string_with_format(0, c as u16, &h, &bold)
            .map_err(xlsx_err)?;
        let width = (h.chars().count() as f64 * 2.2).clamp(10.0, 40.0);
        ws.set_column_width(c as u16, width).map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: &Field,
    c: &Cell,
    labels: &Labels,
) -> Result<()> {
    match (f.kind, c) {
        (_, Cell::Null) => Ok(()),
        (Kind::Int { .. }, Cell::Int(i)) => ws.write_number(row, col, *i as f64).map(|_| ()),
        (Kind::Num { .. }, Cell::Num(n)) => ws.write_number(row, col, *n).map(|_| ()),
        (Kind::Bool, Cell::Bool(b)) => ws
            .write_string(row, col, if *b { "是" } else { "否" })
            .map(|_| ()),
        // Dates and months as text, so that Excel keeps `2026-03` a month rather than a date.
        (_, c) => {
            let text = labels.sheet_text(f, c).unwrap_or_else(|| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(i) => i.to_string(),
                Cell::Num(n) => fmt_num(*n),
                Cell::Bool(b) => b.to_string(),
                Cell::Null => String::new(),
            });
            ws.write_string(row, col, &text).map(|_| ())
        }
    }
    .map_err(xlsx_err)
}

/// The rows matching the query as a workbook in the template's layout.
pub async fn export_xlsx(
    db: &sqlx::SqlitePool,
    p: &Principal,
    r: &Register,
    q: &RowQuery,
) -> Result<Vec<u8>> {
    let (rows, labels) = store::list_all(db, p, r, q).await?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(r)).map_err(xlsx_err)?;
    write_headers(ws, r)?;
    for (i, row) in rows.iter().enumerate() {
        for (c, (f, cell)) in r.fields.iter().zip(&row.cells).enumerate() {
            write_cell(ws, i as u32 + 1, c as u16, f, cell, &labels)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows matching the query as CSV (UTF-8 with BOM, so that Excel reads Chinese).
pub async fn export_csv(
    db: &sqlx::SqlitePool,
    p: &Principal,
    r: &Register,
    q: &RowQuery,
) -> Result<String> {
    let (rows, labels) = store::list_all(db, p, r, q).await?;
    let mut out = String::from("\u{feff}");
    let headers: Vec<String> = r.fields.iter().map(|f| csv_field(&f.header())).collect();
    out.push_str(&headers.join(","));
    out.push_str("\r\n");
    for row in &rows {
        let cells: Vec<String> = r
            .fields
            .iter()
            .zip(&row.cells)
            .map(|(f, c)| {
                let t = labels.sheet_text(f, c).unwrap_or_else(|| match c {
                    Cell::Null => String::new(),
                    Cell::Text(s) => s.clone(),
                    Cell::Int(i) => i.to_string(),
                    Cell::Num(n) => fmt_num(*n),
                    Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
                });
                csv_field(&t)
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

fn describe(f: &Field) -> (String, String) {
    let kind = crate::value::kind_zh(&f.kind).to_string();
    let rule = match f.kind {
        Kind::Text { max } => format!("最多 {max} 字"),
        Kind::Int { min, max } => range_text(min.map(|v| v as f64), max.map(|v| v as f64), 0),
        Kind::Num { scale, min, max } => range_text(min, max, scale),
        Kind::Code(d) => format!(
            "可选：{}",
            d.codes.iter().map(|c| c.zh).collect::<Vec<_>>().join("、")
        ),
        Kind::Region => "填写县区名称".into(),
        Kind::Enterprise => "填写企业统一社会信用代码或名称".into(),
        Kind::Vehicle => "填写车牌号".into(),
        Kind::Ref(t) => match crate::registers::get(t) {
            Some(tr) => format!("填写「{}」中的{}", tr.zh, tr.title_field().zh),
            None => String::new(),
        },
        Kind::Bool => "填写 是 或 否".into(),
        Kind::Date => "如 2026-03-01".into(),
        Kind::Month => "如 2026-03".into(),
    };
    (kind, rule)
}

fn range_text(min: Option<f64>, max: Option<f64>, scale: u8) -> String {
    let mut s = match (min, max) {
        (Some(a), Some(b)) => format!("{}–{}", fmt_num(a), fmt_num(b)),
        (Some(a), None) => format!("≥ {}", fmt_num(a)),
        (None, Some(b)) => format!("≤ {}", fmt_num(b)),
        (None, None) => String::new(),
    };
    if scale > 0 {
        if !s.is_empty() {
            s.push('，');
        }
        s.push_str(&format!("保留 {scale} 位小数"));
    }
    s
}

/// The empty template: headers, drop-down lists for codes, and the instructions sheet.
pub fn template(r: &Register) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(r)).map_err(xlsx_err)?;
    write_headers(ws, r)?;
    for (c, f) in r.fields.iter().enumerate() {
        let list: Option<Vec<&str>> = match f.kind {
            Kind::Code(d) => Some(d.codes.iter().map(|c| c.zh).collect()),
            Kind::Bool => Some(vec!["是", "否"]),
            _ => None,
        };
        // Excel limits an inline list to 255 characters.
        if let Some(list) = list.filter(|l| l.iter().map(|s| s.len() + 1).sum::<usize>() < 250) {
            let v = DataValidation::new()
                .allow_list_strings(&list)
                .map_err(xlsx_err)?
                .set_error_title("无效值")
                .map_err(xlsx_err)?;
            ws.add_data_validation(1, c as u16, 10_000, c as u16, &v)
                .map_err(xlsx_err)?;
        }
    }
    let help = wb.add_worksheet();
    help.set_name("填写说明").map_err(xlsx_err)?;
    let bold = Format::new().set_bold();
    for (c, h) in ["列", "表头", "字段", "类型", "单位", "必填", "规则", "说明"]
        .iter()
        .enumerate()
    {
        help.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx_err)?;
    }
    for (i, f) in r.fields.iter().enumerate() {
        let (kind, rule) = describe(f);
        let row = i as u32 + 1;
        let cells = [
            column_letter(i),
            f.header(),
            f.key.to_string(),
            kind,
            f.unit.unwrap_or("").to_string(),
            if f.required { "是" } else { "否" }.to_string(),
            rule,
            f.help.unwrap_or("").to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            help.write_string(row, c as u16, v).map_err(xlsx_err)?;
        }
    }
    let note_row = r.fields.len() as u32 + 2;
    help.write_string(note_row, 0, r.about).map_err(xlsx_err)?;
    if let Some(key) = r.natural_key() {
        let names: Vec<&str> = key
            .iter()
            .filter_map(|k| r.field(k).map(|f| f.zh))
            .collect();
        help.write_string(
            note_row + 1,
            0,
            format!(
                "导入时按「{}」匹配：已有记录更新，其余新增；任一单元格有误则整表不导入。",
                names.join(" + ")
            ),
        )
        .map_err(xlsx_err)?;
    }
    help.set_column_width(1, 24).map_err(xlsx_err)?;
    help.set_column_width(6, 48).map_err(xlsx_err)?;
    wb.save_to_buffer().map_err(xlsx_err)
}

fn raw_of(d: &Data) -> Raw {
    match d {
        Data::Empty => Raw::Empty,
        Data::String(s) if s.trim().is_empty() => Raw::Empty,
        Data::String(s) => Raw::Str(s.trim().to_string()),
        Data::Float(f) => Raw::Num(*f),
        Data::Int(i) => Raw::Num(*i as f64),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => excel_date(dt.as_f64()).map_or(Raw::Str(dt.to_string()), Raw::Date),
        Data::DateTimeIso(s) => {
            crate::value::parse_date(&s[..s.len().min(10)]).map_or(Raw::Str(s.clone()), Raw::Date)
        }
        Data::DurationIso(s) => Raw::Str(s.clone()),
        Data::Error(e) => Raw::Str(format!("#{e:?}")),
    }
}

/// An Excel date serial (days since 1899-12-30 in the 1900 system) as a date.
fn excel_date(serial: f64) -> Option<chrono::NaiveDate> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// Whether a sheet header names the field: its label with or without the unit (full- or
/// half-width brackets) and the `*` of required fields, its English label or its key.
/// Labels may contain brackets themselves (`所属镇（街道）`), so they are compared whole.
fn header_matches(f: &Field, header: &str) -> bool {
    let h: String = header
        .trim()
        .trim_end_matches('*')
        .split_whitespace()
        .collect();
    if h.is_empty() {
        return false;
    }
    let zh: String = f.zh.split_whitespace().collect();
    let mut forms = vec![zh.clone(), f.key.to_string()];
    if let Some(u) = f.unit {
        forms.push(format!("{zh}（{u}）"));
        forms.push(format!("{zh}({u})"));
    }
    forms.contains(&h)
        || f.en
            .split_whitespace()
            .collect::<String>()
            .eq_ignore_ascii_case(&h)
}

/// Imports the first sheet of a workbook into the register.
pub async fn import_xlsx(
    db: &sqlx::SqlitePool,
    p: &Principal,
    r: &Register,
    bytes: &[u8],
) -> Result<Imported> {
    store::check_write(p, r)?;
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| RecordError::BadRequest(format!("不是有效的 .xlsx 文件：{e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| RecordError::BadRequest("工作簿中没有工作表".into()))?
        .map_err(|e| RecordError::BadRequest(format!("无法读取第一个工作表：{e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| RecordError::BadRequest("工作表为空：第 1 行应为表头".into()))?
        .iter()
        .map(|d| match d {
            Data::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let excel_row = |i: usize| (row0 as usize + i + 1) as u32;
    let letter = |i: usize| column_letter(col0 as usize + i);
    let mut errors = Vec::new();
    let mut pos: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        match r.fields.iter().find(|f| header_matches(f, h)) {
            Some(f) if pos.contains_key(f.key) => errors.push(CellError {
                row: excel_row(0),
                column: letter(i),
                header: h.clone(),
                reason: format!("列「{}」重复", f.zh),
            }),
            Some(f) => {
                pos.insert(f.key, i);
            }
            None => errors.push(CellError {
                row: excel_row(0),
                column: letter(i),
                header: h.clone(),
                reason: format!("「{}」没有这一列；请使用模板的表头", r.zh),
            }),
        }
    }
    for f in r
        .fields
        .iter()
        .filter(|f| f.required && !pos.contains_key(f.key))
    {
        errors.push(CellError {
            row: excel_row(0),
            column: "-".into(),
            header: f.header(),
            reason: format!("缺少必填列「{}」", f.zh),
        });
    }
    if !errors.is_empty() {
        return Err(RecordError::Import(errors));
    }
    let mut sheet_rows = Vec::new();
    for (i, row) in rows.enumerate() {
        let raws: Vec<Raw> = row.iter().map(raw_of).collect();
        if raws.iter().all(|r| *r == Raw::Empty) {
            continue;
        }
        let values = pos
            .iter()
            .map(|(k, c)| (*k, raws.get(*c).cloned().unwrap_or(Raw::Empty)))
            .collect();
        sheet_rows.push(SheetRow {
            row: excel_row(i + 1),
            values,
        });
    }
    let locate = |f: &Field| match pos.get(f.key) {
        Some(c) => (
            letter(*c),
            header.get(*c).cloned().unwrap_or_else(|| f.header()),
        ),
        None => ("-".to_string(), f.header()),
    };
    store::import_rows(db, p, r, &sheet_rows, &locate, AuditMode::PerRow).await
}
