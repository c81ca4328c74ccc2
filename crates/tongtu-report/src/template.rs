//! The report template: minijinja over a small line syntax (see the default template,
//! `templates/half-year.md.j2`), turned into a [`Document`]. The bureau edits a copy in the
//! data directory; an error names the line and column of the template.

use std::collections::HashMap;
use std::sync::Arc;

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error as JError, ErrorKind};
use serde::Serialize;

use crate::doc::{Block, Document, Inline};
use crate::figures::Value;
use crate::lists::ListValue;
use crate::period::Period;

/// Our default template, the starting point of the bureau's copy.
pub const DEFAULT: &str = include_str!("../templates/half-year.md.j2");
/// The template's name in error messages and in the data directory.
pub const NAME: &str = "half-year.md.j2";

// Figure markers in the rendered text: private-use characters nobody types.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A template problem, with its position in the template.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("{name}:{line}:{column}: {message}")]
pub struct TemplateError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn position(source: &str, e: &JError) -> (usize, usize) {
    if let Some(range) = e.range() {
        let before = &source[..range.start.min(source.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return (line, column);
    }
    (e.line().unwrap_or(0), 1)
}

fn template_error(source: &str, e: &JError) -> TemplateError {
    let (line, column) = position(source, e);
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    TemplateError {
        name: e.name().unwrap_or(NAME).to_string(),
        line,
        column,
        message: format!("{}{detail}", e.kind()),
    }
}

/// Checks a template's syntax without data (for the editor and before saving a copy).
pub fn check(source: &str) -> Result<(), TemplateError> {
    let mut env = Environment::new();
    env.add_template(NAME, source)
        .map_err(|e| template_error(source, &e))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
struct PeriodCtx {
    year: i32,
    half: u8,
    label: String,
    last_month: u32,
    base_year: i32,
}

/// What a template is rendered with besides its source.
pub struct Inputs<'a> {
    pub values: &'a [Value],
    pub lists: &'a [ListValue],
    pub period: &'a Period,
    pub org: &'a str,
    pub generated_on: &'a str,
    /// `@chart <id>` → its block (unknown ids are a template error).
    pub charts: &'a HashMap<String, Block>,
}

/// The figures and lists a rendered text's markers refer to.
struct Known {
    values: HashMap<String, Value>,
    lists: HashMap<String, ListValue>,
}

/// A list's rows for the template: each cell as a marker (printed and linked to its record)
/// under its key, and its plain value under `raw.<key>` for conditions.
fn template_rows(l: &ListValue) -> JValue {
    let rows: Vec<JValue> = l
        .items
        .iter()
        .map(|item| {
            let mut row: std::collections::BTreeMap<String, JValue> = item
                .cells
                .iter()
                .map(|c| {
                    (
                        c.key.to_string(),
                        JValue::from(format!(
                            "{OPEN}list:{}:{}:{}|plain{CLOSE}",
                            l.id, item.record, c.key
                        )),
                    )
                })
                .collect();
            let raw: std::collections::BTreeMap<String, JValue> = item
                .cells
                .iter()
                .map(|c| {
                    let v = match c.value {
                        Some(x) => JValue::from(x),
                        None if c.text == "—" => JValue::from(()),
                        None => JValue::from(c.text.clone()),
                    };
                    (c.key.to_string(), v)
                })
                .collect();
            row.insert("raw".into(), JValue::from_serialize(&raw));
            row.insert("record".into(), JValue::from(item.record));
            JValue::from_serialize(&row)
        })
        .collect();
    JValue::from(rows)
}

/// Renders the template into a document.
pub fn render(source: &str, inputs: &Inputs<'_>) -> Result<Document, TemplateError> {
    let Inputs {
        values,
        lists,
        period,
        org,
        generated_on,
        charts,
    } = *inputs;
    let by_id: Arc<HashMap<String, Value>> = Arc::new(
        values
            .iter()
            .map(|v| (v.id.to_string(), v.clone()))
            .collect(),
    );
    let lists_by_id: Arc<HashMap<String, ListValue>> = Arc::new(
        lists
            .iter()
            .map(|l| (l.id.to_string(), l.clone()))
            .collect(),
    );
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let unknown = |id: &str| {
        JError::new(
            ErrorKind::InvalidOperation,
            format!("unknown figure {id:?}"),
        )
    };
    let m = by_id.clone();
    env.add_function("f", move |id: String| -> Result<String, JError> {
        m.get(&id).ok_or_else(|| unknown(&id))?;
        Ok(format!("{OPEN}{id}|plain{CLOSE}"))
    });
    let m = by_id.clone();
    env.add_function("change", move |id: String| -> Result<String, JError> {
        m.get(&id).ok_or_else(|| unknown(&id))?;
        Ok(format!("{OPEN}{id}|change{CLOSE}"))
    });
    let m = by_id.clone();
    env.add_function("v", move |id: String| -> Result<JValue, JError> {
        let v = m.get(&id).ok_or_else(|| unknown(&id))?;
        Ok(v.value.map_or(JValue::from(()), JValue::from))
    });
    let l = lists_by_id.clone();
    env.add_function("rows", move |id: String| -> Result<JValue, JError> {
        let list = l.get(&id).ok_or_else(|| {
            JError::new(ErrorKind::InvalidOperation, format!("unknown list {id:?}"))
        })?;
        Ok(template_rows(list))
    });
    env.add_template(NAME, source)
        .map_err(|e| template_error(source, &e))?;
    let t = env
        .get_template(NAME)
        .map_err(|e| template_error(source, &e))?;
    let ctx = minijinja::context! {
        org => org,
        generated_on => generated_on,
        period => PeriodCtx {
            year: period.year,
            half: period.half,
            label: period.label(),
            last_month: period.last_month(),
            base_year: period.base_year,
        },
    };
    let text = t.render(ctx).map_err(|e| template_error(source, &e))?;
    // The environment's functions hold the other references to the maps: without them the
    // maps move into `known` instead of being copied.
    drop(t);
    drop(env);
    let known = Known {
        values: Arc::unwrap_or_clone(by_id),
        lists: Arc::unwrap_or_clone(lists_by_id),
    };
    parse(&text, &known, charts).map_err(|(line, message)| TemplateError {
        name: NAME.to_string(),
        line,
        column: 1,
        message,
    })
}

/// The visible text of a figure in the report.
fn figure_inline(v: &Value, style: &str) -> Inline {
    if let Some(why) = &v.missing {
        return Inline::Figure {
            id: v.id.to_string(),
            text: format!("【缺数据：{}（{why}）】", v.label),
            missing: true,
        };
    }
    let text = match (style, v.value) {
        ("change", Some(x)) if x.abs() < 0.05 => "持平".to_string(),
        ("change", Some(x)) if x > 0.0 => format!("增长{}%", crate::figures::format_number(x, 1)),
        ("change", Some(x)) => format!("下降{}%", crate::figures::format_number(-x, 1)),
        _ => v.text.clone(),
    };
    Inline::Figure {
        id: v.id.to_string(),
        text,
        missing: false,
    }
}

/// A list cell's marker (`list:<list>:<record>:<key>`) as an inline.
fn item_inline(marker: &str, known: &Known) -> Result<Inline, String> {
    let mut parts = marker.splitn(4, ':').skip(1);
    let (Some(list), Some(record), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("bad list marker {marker:?}"));
    };
    let l = known
        .lists
        .get(list)
        .ok_or_else(|| format!("unknown list {list:?}"))?;
    let record: i64 = record
        .parse()
        .map_err(|_| format!("bad record in {marker:?}"))?;
    let text = l
        .items
        .iter()
        .find(|i| i.record == record)
        .and_then(|i| i.cell(key))
        .map(|c| c.text.clone())
        .ok_or_else(|| format!("no {key:?} of record {record} in list {list:?}"))?;
    Ok(Inline::Item {
        list: list.to_string(),
        record,
        key: key.to_string(),
        text,
    })
}

/// A list as a table: a header of its columns (with units), one row per item; an empty or
/// failed list is a flagged paragraph, never an empty table.
fn list_table(l: &ListValue) -> Block {
    if l.items.is_empty() {
        let why = l
            .error
            .clone()
            .unwrap_or_else(|| format!("「{}」中没有{}的记录", l.source, l.filter));
        return Block::Paragraph {
            inlines: vec![Inline::Figure {
                id: l.id.to_string(),
                text: format!("【无数据：{}（{why}）】", l.label),
                missing: true,
            }],
        };
    }
    let header = l
        .columns
        .iter()
        .map(|(_, h, unit)| {
            if unit.is_empty() {
                h.to_string()
            } else {
                format!("{h}（{unit}）")
            }
        })
        .collect();
    let rows = l
        .items
        .iter()
        .map(|item| {
            item.cells
                .iter()
                .map(|c| {
                    vec![Inline::Item {
                        list: l.id.to_string(),
                        record: item.record,
                        key: c.key.to_string(),
                        text: c.text.clone(),
                    }]
                })
                .collect()
        })
        .collect();
    let more = if l.left_out > 0 {
        format!("（另有{}项未列出）", l.left_out)
    } else {
        String::new()
    };
    Block::Table {
        caption: format!("{}{more}", l.label),
        header,
        rows,
    }
}

fn inlines(line: &str, known: &Known) -> Result<Vec<Inline>, String> {
    let values = &known.values;
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Inline::text(&rest[..start]));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE).ok_or("unterminated figure marker")?;
        let (id, style) = after[..end]
            .split_once('|')
            .unwrap_or((&after[..end], "plain"));
        if id.starts_with("list:") {
            out.push(item_inline(id, known)?);
            rest = &after[end + CLOSE.len_utf8()..];
            continue;
        }
        let v = values
            .get(id)
            .ok_or_else(|| format!("unknown figure {id:?}"))?;
        out.push(figure_inline(v, style));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Inline::text(rest));
    }
    Ok(out)
}

/// The keys of a map, sorted and comma-separated, for "unknown … (known: …)" messages.
fn sorted_keys<V>(m: &HashMap<String, V>) -> String {
    let mut k: Vec<&str> = m.keys().map(String::as_str).collect();
    k.sort_unstable();
    k.join(", ")
}

fn parse(
    text: &str,
    known: &Known,
    charts: &HashMap<String, Block>,
) -> Result<Document, (usize, String)> {
    let mut doc = Document {
        title: String::new(),
        subtitle: Vec::new(),
        blocks: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let err = |m: String| (i + 1, m);
        let plain = |s: &str| -> Result<String, (usize, String)> {
            inlines(s, known)
                .map(|x| crate::doc::plain(&x))
                .map_err(err)
        };
        if let Some(t) = line.strip_prefix("@title ") {
            doc.title = plain(t)?;
        } else if let Some(t) = line.strip_prefix("@subtitle ") {
            doc.subtitle.push(plain(t)?);
        } else if let Some(id) = line.strip_prefix("@chart ") {
            let block = charts.get(id.trim()).ok_or_else(|| {
                err(format!(
                    "unknown chart {:?} (known: {})",
                    id.trim(),
                    sorted_keys(charts)
                ))
            })?;
            doc.blocks.push(block.clone());
        } else if let Some(id) = line.strip_prefix("@table ") {
            let l = known.lists.get(id.trim()).ok_or_else(|| {
                err(format!(
                    "unknown list {:?} (known: {})",
                    id.trim(),
                    sorted_keys(&known.lists)
                ))
            })?;
            doc.blocks.push(list_table(l));
        } else if let Some(t) = line.strip_prefix("### ") {
            doc.blocks.push(Block::Heading {
                level: 3,
                inlines: inlines(t, known).map_err(err)?,
            });
        } else if let Some(t) = line.strip_prefix("## ") {
            doc.blocks.push(Block::Heading {
                level: 2,
                inlines: inlines(t, known).map_err(err)?,
            });
        } else if let Some(t) = line.strip_prefix("# ") {
            doc.blocks.push(Block::Heading {
                level: 1,
                inlines: inlines(t, known).map_err(err)?,
            });
        } else if line.starts_with('@') {
            return Err(err(format!(
                "unknown directive {:?}",
                line.split_whitespace().next().unwrap_or(line)
            )));
        } else {
            doc.blocks.push(Block::Paragraph {
                inlines: inlines(line, known).map_err(err)?,
            });
        }
    }
    if doc.title.is_empty() {
        return Err((1, "the template has no @title line".into()));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Semantics;

    fn value(id: &'static str, v: Option<f64>) -> Value {
        Value {
            id,
            label: "测试",
            unit: "个",
            section: "economy",
            semantics: Semantics::Half,
            value: v,
            text: v.map_or("—".into(), |x| crate::figures::format_number(x, 1)),
            missing: v.is_none().then(|| "没有记录".to_string()),
            source: "transport_stats",
            filter: "",
            records: 3,
            link: String::new(),
            link_filtered: false,
            inputs_updated_at: None,
        }
    }

    const PERIOD: Period = Period {
        year: 2026,
        half: 1,
        base_year: 2019,
    };

    fn inputs<'a>(values: &'a [Value], lists: &'a [ListValue]) -> Inputs<'a> {
        static NO_CHARTS: std::sync::LazyLock<HashMap<String, Block>> =
            std::sync::LazyLock::new(HashMap::new);
        Inputs {
            values,
            lists,
            period: &PERIOD,
            org: "市交通运输局",
            generated_on: "2026年7月1日",
            charts: &NO_CHARTS,
        }
    }

    fn bridges(items: Vec<(i64, &str, Option<f64>)>) -> ListValue {
        ListValue {
            id: "bridge_repairs",
            label: "危桥加固改造项目进度",
            section: "livelihood",
            source: "bridge_reinforcements",
            filter: "在建",
            columns: vec![("bridge", "桥梁", ""), ("progress", "形象进度", "%")],
            items: items
                .into_iter()
                .map(|(record, name, progress)| crate::lists::Item {
                    record,
                    cells: vec![
                        crate::lists::Cell {
                            key: "bridge",
                            text: name.to_string(),
                            value: None,
                        },
                        crate::lists::Cell {
                            key: "progress",
                            text: progress.map_or("—".into(), |p| format!("{p:.0}")),
                            value: progress,
                        },
                    ],
                })
                .collect(),
            left_out: 0,
            error: None,
        }
    }

    #[test]
    fn lists_print_items_linked_to_their_records_and_as_tables() {
        let lists = [bridges(vec![
            (7, "漠阳江大桥", Some(80.0)),
            (9, "那龙桥", Some(100.0)),
            (11, "新洲桥", None),
        ])];
        let src = "@title 报告\n{% for b in rows(\"bridge_repairs\") %}{{ b.bridge }}{% if b.raw.progress is none %}进度未报{% elif b.raw.progress >= 100 %}已完工{% else %}完成{{ b.progress }}%{% endif %}{% if not loop.last %}，{% endif %}{% endfor %}。\n@table bridge_repairs";
        let doc = render(src, &inputs(&[], &lists)).expect("render");
        let Block::Paragraph { inlines } = &doc.blocks[0] else {
            panic!("{:?}", doc.blocks)
        };
        assert_eq!(
            crate::doc::plain(inlines),
            "漠阳江大桥完成80%，那龙桥已完工，新洲桥进度未报。"
        );
        assert!(inlines.iter().any(|i| matches!(i,
            Inline::Item { list, record: 7, key, text } if list == "bridge_repairs" && key == "progress" && text == "80")));
        let Block::Table { header, rows, .. } = &doc.blocks[1] else {
            panic!("{:?}", doc.blocks)
        };
        assert_eq!(
            header,
            &vec!["桥梁".to_string(), "形象进度（%）".to_string()]
        );
        assert_eq!(rows.len(), 3);
        assert!(matches!(&rows[1][0][0], Inline::Item { record: 9, text, .. } if text == "那龙桥"));

        // An empty list is flagged, not an empty table; an unknown one is a template error.
        let empty = [bridges(vec![])];
        let doc = render("@title x\n@table bridge_repairs", &inputs(&[], &empty)).expect("render");
        assert!(
            matches!(&doc.blocks[0], Block::Paragraph { inlines } if crate::doc::plain(inlines).starts_with("【无数据：危桥加固改造项目进度"))
        );
        let e = render("@title x\n\n@table roads", &inputs(&[], &empty)).expect_err("unknown");
        assert_eq!(e.line, 3, "{e}");
        let e =
            render("@title x\n{{ rows(\"roads\") }}", &inputs(&[], &empty)).expect_err("unknown");
        assert!(e.message.contains("roads"), "{e}");
    }

    #[test]
    fn figures_wording_and_missing_data() {
        let values = [
            value("a", Some(1234.5)),
            value("up", Some(3.46)),
            value("down", Some(-13.0)),
            value("gone", None),
        ];
        let src = "@title 报告\n# 一、情况\n数量{{ f(\"a\") }}个，同比{{ change(\"up\") }}，另一项{{ change(\"down\") }}，缺{{ f(\"gone\") }}。\n{% if v(\"gone\") is none %}无数据{% endif %}";
        let doc = render(src, &inputs(&values, &[])).expect("render");
        assert_eq!(doc.title, "报告");
        let Block::Paragraph { inlines } = &doc.blocks[1] else {
            panic!("{:?}", doc.blocks)
        };
        assert_eq!(
            crate::doc::plain(inlines),
            "数量1,234.5个，同比增长3.5%，另一项下降13.0%，缺【缺数据：测试（没有记录）】。"
        );
        assert!(inlines
            .iter()
            .any(|i| matches!(i, Inline::Figure { missing: true, .. })));
        assert!(
            matches!(&doc.blocks[2], Block::Paragraph { inlines } if crate::doc::plain(inlines) == "无数据")
        );
    }

    #[test]
    fn template_errors_name_line_and_column() {
        let src = "@title 报告\n# 一、情况\n数量{{ f(\"a\") }个\n";
        let e = check(src).expect_err("syntax");
        assert_eq!((e.line, e.name.as_str()), (3, NAME), "{e}");
        assert!(e.column > 1, "{e}");
        let e = render("@title x\n{{ f(\"nope\") }}", &inputs(&[], &[])).expect_err("unknown");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("nope"), "{e}");
        let e = render("@title x\n@chart pie", &inputs(&[], &[])).expect_err("chart");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn the_default_template_parses() {
        check(DEFAULT).expect("default template");
    }
}
