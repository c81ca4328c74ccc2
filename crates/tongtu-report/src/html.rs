//! The report as one self-contained HTML page: the document's text, every figure linked to
//! the records behind it (the register page, filtered by the period where the register
//! allows it) with its definition in a tooltip, missing figures flagged, and an appendix
//! listing every figure with its source and record count.

use std::collections::HashMap;
use std::fmt::Write;

use crate::doc::{Block, Document, Inline};
use crate::figures::Value;
use crate::lists::ListValue;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn inlines(out: &mut String, runs: &[Inline], values: &HashMap<&str, &Value>) {
    for run in runs {
        match run {
            Inline::Text { text } => out.push_str(&esc(text)),
            Inline::Figure { id, text, missing } => {
                let v = values.get(id.as_str());
                let title = v.map_or(String::new(), |v| {
                    format!(
                        "{}（{}，{}）：{}，{} 条记录",
                        v.label,
                        v.unit,
                        v.semantics.zh(),
                        v.filter,
                        v.records
                    )
                });
                let class = if *missing { "fig missing" } else { "fig" };
                let _ = write!(
                    out,
                    "<a class=\"{class}\" id=\"use-{id}\" href=\"#src-{id}\" data-figure=\"{id}\" title=\"{}\">{}</a>",
                    esc(&title),
                    esc(text)
                );
            }
            Inline::Item {
                list,
                record,
                key,
                text,
            } => {
                let _ = write!(
                    out,
                    "<a class=\"fig item\" href=\"#src-list-{list}-{record}\" data-list=\"{list}\" data-record=\"{record}\" data-key=\"{}\">{}</a>",
                    esc(key),
                    esc(text)
                );
            }
        }
    }
}

/// The appendix of a list: its rows, each linked to its record in the console.
fn list_sources(out: &mut String, l: &ListValue) {
    let _ = write!(
        out,
        "<table id=\"src-list-{id}\" data-list=\"{id}\"><caption>{}（{}，{} 项{}）</caption><thead><tr>",
        esc(l.label),
        esc(l.filter),
        l.items.len() + l.left_out,
        if l.left_out > 0 { format!("，列出前 {}", l.items.len()) } else { String::new() },
        id = l.id,
    );
    for (_, header, unit) in &l.columns {
        let h = if unit.is_empty() {
            header.to_string()
        } else {
            format!("{header}（{unit}）")
        };
        let _ = write!(out, "<th>{}</th>", esc(&h));
    }
    out.push_str("<th>来源</th></tr></thead><tbody>");
    if let Some(e) = &l.error {
        let _ = write!(
            out,
            "<tr><td colspan=\"{}\"><span class=\"missing\">{}</span></td></tr>",
            l.columns.len() + 1,
            esc(e)
        );
    }
    for item in &l.items {
        let _ = write!(
            out,
            "<tr id=\"src-list-{}-{}\" data-record=\"{}\">",
            l.id, item.record, item.record
        );
        for c in &item.cells {
            let _ = write!(out, "<td>{}</td>", esc(&c.text));
        }
        let _ = write!(
            out,
            "<td><a href=\"{}\">{} #{}</a></td></tr>",
            esc(&crate::links::record_link(l.source, item.record)),
            esc(l.source),
            item.record
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The whole page.
pub fn write(doc: &Document, values: &[Value], lists: &[ListValue]) -> String {
    let by_id: HashMap<&str, &Value> = values.iter().map(|v| (v.id, v)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{}</style></head><body>\n<article>\n<h1 class=\"title\">{}</h1>\n",
        esc(&doc.title),
        STYLE,
        esc(&doc.title)
    );
    for s in &doc.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", esc(s));
    }
    for b in &doc.blocks {
        match b {
            Block::Heading {
                level,
                inlines: runs,
            } => {
                let tag = format!("h{}", (*level).clamp(1, 3) + 1);
                let _ = write!(out, "<{tag}>");
                inlines(&mut out, runs, &by_id);
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Paragraph { inlines: runs } => {
                out.push_str("<p>");
                inlines(&mut out, runs, &by_id);
                out.push_str("</p>\n");
            }
            Block::Table {
                caption,
                header,
                rows,
            } => {
                let _ = write!(out, "<table><caption>{}</caption><thead><tr>", esc(caption));
                for h in header {
                    let _ = write!(out, "<th>{}</th>", esc(h));
                }
                out.push_str("</tr></thead><tbody>");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        out.push_str("<td>");
                        inlines(&mut out, cell, &by_id);
                        out.push_str("</td>");
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</tbody></table>\n");
            }
            // The SVG inline (it scales with the page and prints sharp); a PNG-only chart as
            // a data: image.
            Block::Chart { caption, svg, .. } if !svg.is_empty() => {
                let _ = writeln!(
                    out,
                    "<figure class=\"chart\">{svg}<figcaption>{}</figcaption></figure>",
                    esc(caption)
                );
            }
            Block::Chart { caption, png, .. } => {
                let _ = writeln!(
                    out,
                    "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{}</figcaption></figure>",
                    esc(caption),
                    base64(png),
                    esc(caption)
                );
            }
        }
    }
    out.push_str("</article>\n<section class=\"sources\"><h2>数据来源</h2><table><thead><tr><th>指标</th><th>数值</th><th>单位</th><th>口径</th><th>记录</th><th>来源</th></tr></thead><tbody>\n");
    for v in values {
        let link = &v.link;
        let value = match &v.missing {
            Some(why) => format!("<span class=\"missing\">缺数据：{}</span>", esc(why)),
            None => esc(&v.text),
        };
        let _ = writeln!(
            out,
            "<tr id=\"src-{id}\" data-figure=\"{id}\" data-value=\"{raw}\"><td>{}</td><td>{value}</td><td>{}</td><td>{}（{}）</td><td>{}</td><td><a href=\"{}\">{}</a>{}</td></tr>",
            esc(v.label),
            esc(v.unit),
            esc(v.filter),
            v.semantics.zh(),
            v.records,
            esc(link),
            esc(v.source),
            if v.link_filtered { "" } else { "（整表）" },
            id = v.id,
            raw = v.value.map_or(String::new(), |x| x.to_string()),
        );
    }
    out.push_str("</tbody></table>\n");
    for l in lists {
        list_sources(&mut out, l);
    }
    out.push_str("</section>\n</body></html>\n");
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const STYLE: &str = "body{background:#f4f4f4;margin:0;font-family:'FangSong','仿宋','仿宋_GB2312',serif;color:#111}\
article,section.sources{background:#fff;max-width:210mm;margin:16px auto;padding:37mm 26mm 35mm 28mm;box-sizing:border-box}\
section.sources{padding:16mm;font-family:sans-serif;font-size:13px}\
h1.title{font-family:'方正小标宋简体','FZXiaoBiaoSong-B05S','SimSun',serif;font-size:22pt;text-align:center;font-weight:normal;line-height:1.5}\
p.subtitle{font-family:'KaiTi','楷体_GB2312',serif;text-align:center;text-indent:0}\
h2{font-family:'SimHei','黑体',sans-serif;font-size:16pt;font-weight:normal;margin:0;line-height:28.95pt}\
h3{font-family:'KaiTi','楷体_GB2312',serif;font-size:16pt;font-weight:normal;margin:0;line-height:28.95pt}\
h4{font-size:16pt;margin:0;line-height:28.95pt}\
p{font-size:16pt;line-height:28.95pt;text-indent:2em;margin:0;text-align:justify}\
a.fig{color:inherit;text-decoration:none;border-bottom:1px dotted #1f5fbf}\
a.fig:hover{background:#e8f0ff}\
a.fig.missing,span.missing{color:#c00000;background:#fff3b0}\
figure{margin:12px 0;text-align:center}figure svg,figure img{width:100%;height:auto}\
figcaption{font-size:14pt;text-align:center}\
table{border-collapse:collapse;width:100%;margin-bottom:12px}caption{font-weight:bold;text-align:left;padding:4px 0}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}\
@media print{body{background:#fff}article{margin:0;padding:0;max-width:none}section.sources{page-break-before:always}a.fig{border:0}}\
@page{size:A4;margin:37mm 26mm 35mm 28mm}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_reference() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
