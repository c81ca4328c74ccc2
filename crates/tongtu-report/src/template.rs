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
}

/// Renders the template with the figures into a document. `charts` maps `@chart <id>` to
/// a block (unknown ids are a template error).
pub fn render(
    source: &str,
    values: &[Value],
    period: &Period,
    org: &str,
    generated_on: &str,
    charts: &HashMap<String, Block>,
) -> Result<Document, TemplateError> {
    let by_id: Arc<HashMap<String, Value>> = Arc::new(
        values
            .iter()
            .map(|v| (v.id.to_string(), v.clone()))
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
        },
    };
    let text = t.render(ctx).map_err(|e| template_error(source, &e))?;
    parse(&text, &by_id, charts).map_err(|(line, message)| TemplateError {
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

fn inlines(line: &str, values: &HashMap<String, Value>) -> Result<Vec<Inline>, String> {
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

fn parse(
    text: &str,
    values: &HashMap<String, Value>,
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
            inlines(s, values)
                .map(|x| crate::doc::plain(&x))
                .map_err(err)
        };
        if let Some(t) = line.strip_prefix("@title ") {
            doc.title = plain(t)?;
        } else if let Some(t) = line.strip_prefix("@subtitle ") {
            doc.subtitle.push(plain(t)?);
        } else if let Some(id) = line.strip_prefix("@chart ") {
            let block = charts.get(id.trim()).ok_or_else(|| {
                err(format!("unknown chart {:?} (known: {})", id.trim(), {
                    let mut k: Vec<&str> = charts.keys().map(String::as_str).collect();
                    k.sort();
                    k.join(", ")
                }))
            })?;
            doc.blocks.push(block.clone());
        } else if let Some(t) = line.strip_prefix("### ") {
            doc.blocks.push(Block::Heading {
                level: 3,
                inlines: inlines(t, values).map_err(err)?,
            });
        } else if let Some(t) = line.strip_prefix("## ") {
            doc.blocks.push(Block::Heading {
                level: 2,
                inlines: inlines(t, values).map_err(err)?,
            });
        } else if let Some(t) = line.strip_prefix("# ") {
            doc.blocks.push(Block::Heading {
                level: 1,
                inlines: inlines(t, values).map_err(err)?,
            });
        } else if line.starts_with('@') {
            return Err(err(format!(
                "unknown directive {:?}",
                line.split_whitespace().next().unwrap_or(line)
            )));
        } else {
            doc.blocks.push(Block::Paragraph {
                inlines: inlines(line, values).map_err(err)?,
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
        }
    }

    fn period() -> Period {
        Period::new(2026, 1).expect("period")
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
        let doc = render(
            src,
            &values,
            &period(),
            "市交通运输局",
            "2026年7月1日",
            &HashMap::new(),
        )
        .expect("render");
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
        let e = render(
            "@title x\n{{ f(\"nope\") }}",
            &[],
            &period(),
            "",
            "",
            &HashMap::new(),
        )
        .expect_err("unknown");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("nope"), "{e}");
        let e = render(
            "@title x\n@chart pie",
            &[],
            &period(),
            "",
            "",
            &HashMap::new(),
        )
        .expect_err("chart");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn the_default_template_parses() {
        check(DEFAULT).expect("default template");
    }
}
