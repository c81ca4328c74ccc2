//! DOCX writer: the package is complete and well-formed, and the layout, styles, figures and
//! text come out as specified.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;
use quick_xml::Reader;
use tongtu_report::doc::{Block, Document, Inline};
use tongtu_report::docx::{self, DocxOptions};

/// A valid 1×1 greyscale PNG (signature, IHDR, IDAT, IEND with correct CRCs).
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x01, 0x48, 0xAF, 0xA4, 0x71, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

const REQUIRED_PARTS: [&str; 10] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "word/document.xml",
    "word/styles.xml",
    "word/settings.xml",
    "word/fontTable.xml",
    "word/_rels/document.xml.rels",
    "word/footer1.xml",
    "docProps/core.xml",
    "docProps/app.xml",
];

// ---------------------------------------------------------------------------------------
// A small DOM over quick-xml, enough to check structure; parsing fails on malformed XML.

#[derive(Debug, Default)]
struct El {
    /// Qualified name as written (`w:p`); the writer's prefixes are fixed.
    name: String,
    attrs: HashMap<String, String>,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    El(El),
    Text(String),
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.children.iter().filter_map(|n| match n {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.elements().find(|e| e.name == name)
    }

    /// All descendants (self excluded) in document order.
    fn descendants(&self) -> Vec<&El> {
        let mut out = Vec::new();
        for e in self.elements() {
            out.push(e);
            out.extend(e.descendants());
        }
        out
    }

    fn find_all(&self, name: &str) -> Vec<&El> {
        self.descendants()
            .into_iter()
            .filter(|e| e.name == name)
            .collect()
    }

    fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => s.push_str(t),
                Node::El(e) => s.push_str(&e.text()),
            }
        }
        s
    }
}

fn parse(part: &str, xml: &[u8]) -> El {
    let mut reader = Reader::from_reader(xml);
    let mut stack = vec![El::default()];
    let mut buf = Vec::new();
    let decoder = reader.decoder();
    let open = |e: &quick_xml::events::BytesStart| El {
        name: String::from_utf8(e.name().as_ref().to_vec()).expect("utf-8 name"),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap_or_else(|err| panic!("{part}: bad attribute: {err}"));
                (
                    String::from_utf8(a.key.as_ref().to_vec()).expect("utf-8 key"),
                    a.decode_and_unescape_value(decoder)
                        .unwrap_or_else(|err| panic!("{part}: bad attribute value: {err}"))
                        .into_owned(),
                )
            })
            .collect(),
        children: Vec::new(),
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .unwrap_or_else(|e| panic!("{part}: malformed XML: {e}"));
        match event {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().expect("root").children.push(Node::El(el));
            }
            Event::End(_) => {
                let el = stack.pop().expect("open element");
                stack
                    .last_mut()
                    .unwrap_or_else(|| panic!("{part}: unbalanced end tag"))
                    .children
                    .push(Node::El(el));
            }
            Event::Text(t) => {
                let s = t.xml10_content().expect("text").into_owned();
                stack.last_mut().expect("root").children.push(Node::Text(s));
            }
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().expect("entity name");
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("{part}: unknown entity {name}"))
                            .to_owned()
                    }
                };
                stack.last_mut().expect("root").children.push(Node::Text(s));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!(stack.len(), 1, "{part}: unclosed elements");
    let doc = stack.pop().expect("document node");
    let mut roots = doc.children.into_iter().filter_map(|n| match n {
        Node::El(e) => Some(e),
        Node::Text(t) => {
            assert!(t.trim().is_empty(), "{part}: text outside the root");
            None
        }
    });
    let root = roots
        .next()
        .unwrap_or_else(|| panic!("{part}: no root element"));
    assert!(roots.next().is_none(), "{part}: more than one root element");
    root
}

// ---------------------------------------------------------------------------------------

fn sample() -> Document {
    let fig = |id: &str, text: &str, missing: bool| Inline::Figure {
        id: id.into(),
        text: text.into(),
        missing,
    };
    Document {
        title: "关于2025年上半年工作总结及下半年工作计划的报告".into(),
        subtitle: vec!["市交通运输局".into(), "2025年7月10日".into()],
        blocks: vec![
            Block::Heading {
                level: 1,
                inlines: vec![Inline::text("一、上半年工作情况")],
            },
            Block::Heading {
                level: 2,
                inlines: vec![Inline::text("（一）运输保障")],
            },
            Block::Heading {
                level: 3,
                inlines: vec![Inline::text("1. 公交运营")],
            },
            Block::Paragraph {
                inlines: vec![
                    Inline::text("全市公交车辆"),
                    fig("vehicles.bus.total", "3,215", false),
                    Inline::text("辆，报警处置率"),
                    fig("alarms.rate", "（数据缺失）", true),
                    Inline::text("。"),
                ],
            },
            Block::Paragraph {
                inlines: vec![Inline::text(
                    "Escaping: a < b && c > \"d\" 'e'\u{0}\u{1b}  two  spaces",
                )],
            },
            Block::Table {
                caption: "表1 车辆情况".into(),
                header: vec!["类型".into(), "数量".into()],
                rows: vec![
                    vec![
                        vec![Inline::text("公交")],
                        vec![fig("vehicles.bus.total", "3,215", false)],
                    ],
                    // A short row: padded to the grid.
                    vec![vec![Inline::text("出租")]],
                ],
            },
            Block::Chart {
                caption: "图1 月度客运量".into(),
                svg: String::new(),
                png: PNG_1X1.to_vec(),
                width_mm: 150.0,
                height_mm: 80.0,
            },
            Block::Paragraph {
                inlines: vec![Inline::text("以上报告。")],
            },
        ],
    }
}

struct Unpacked {
    parts: HashMap<String, Vec<u8>>,
}

impl Unpacked {
    fn new(bytes: &[u8]) -> Unpacked {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut parts = HashMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read entry");
            parts.insert(f.name().to_owned(), data);
        }
        Unpacked { parts }
    }

    fn xml(&self, name: &str) -> El {
        parse(
            name,
            self.parts
                .get(name)
                .unwrap_or_else(|| panic!("missing {name}")),
        )
    }
}

fn write_sample() -> Unpacked {
    let bytes = docx::write(&sample(), &DocxOptions::default()).expect("write");
    Unpacked::new(&bytes)
}

fn style_of(p: &El) -> Option<&str> {
    p.child("w:pPr")?.child("w:pStyle")?.attr("w:val")
}

fn style<'a>(styles: &'a El, id: &str) -> &'a El {
    styles
        .find_all("w:style")
        .into_iter()
        .find(|s| s.attr("w:styleId") == Some(id))
        .unwrap_or_else(|| panic!("style {id} not defined"))
}

/// (eastAsia font, ascii font, w:sz, bold) of a style's run properties.
fn run_props(style: &El) -> (String, String, String, bool) {
    let rpr = style.child("w:rPr").expect("w:rPr");
    let fonts = rpr.child("w:rFonts").expect("w:rFonts");
    (
        fonts.attr("w:eastAsia").unwrap_or_default().to_owned(),
        fonts.attr("w:ascii").unwrap_or_default().to_owned(),
        rpr.child("w:sz")
            .and_then(|s| s.attr("w:val"))
            .unwrap_or_default()
            .to_owned(),
        rpr.child("w:b").is_some(),
    )
}

fn jc(style: &El) -> Option<&str> {
    style.child("w:pPr")?.child("w:jc")?.attr("w:val")
}

#[test]
fn package_has_all_parts_well_formed() {
    let u = write_sample();
    for part in REQUIRED_PARTS {
        assert!(u.parts.contains_key(part), "missing part {part}");
        u.xml(part);
    }
    assert!(u.parts.contains_key("word/media/image1.png"));
    assert_eq!(u.parts["word/media/image1.png"], PNG_1X1);

    let ct = u.xml("[Content_Types].xml");
    let defaults: HashMap<&str, &str> = ct
        .find_all("Default")
        .into_iter()
        .filter_map(|d| Some((d.attr("Extension")?, d.attr("ContentType")?)))
        .collect();
    assert_eq!(defaults.get("png"), Some(&"image/png"));
    assert_eq!(defaults.get("xml"), Some(&"application/xml"));
    assert_eq!(
        defaults.get("rels"),
        Some(&"application/vnd.openxmlformats-package.relationships+xml")
    );
    let overrides: Vec<&str> = ct
        .find_all("Override")
        .into_iter()
        .filter_map(|o| o.attr("PartName"))
        .collect();
    for part in [
        "/word/document.xml",
        "/word/styles.xml",
        "/word/footer1.xml",
    ] {
        assert!(overrides.contains(&part), "no override for {part}");
    }
    // Every override names an existing part.
    for part in &overrides {
        assert!(
            u.parts.contains_key(&part[1..]),
            "override for absent {part}"
        );
    }

    let rels = u.xml("_rels/.rels");
    assert!(rels
        .find_all("Relationship")
        .iter()
        .any(|r| r.attr("Target") == Some("word/document.xml")));

    let core = u.xml("docProps/core.xml");
    assert_eq!(
        core.child("dc:title").map(El::text).as_deref(),
        Some(sample().title.as_str())
    );
    assert_eq!(
        core.child("dc:creator").map(El::text).as_deref(),
        Some("Tongtu")
    );
}

#[test]
fn page_setup_is_a4_with_official_margins_and_footer() {
    let u = write_sample();
    let doc = u.xml("word/document.xml");
    let sect = doc
        .child("w:body")
        .and_then(|b| b.child("w:sectPr"))
        .expect("sectPr");
    let sz = sect.child("w:pgSz").expect("pgSz");
    assert_eq!(sz.attr("w:w"), Some("11906"));
    assert_eq!(sz.attr("w:h"), Some("16838"));
    let mar = sect.child("w:pgMar").expect("pgMar");
    // 37, 35, 28, 26 mm at 56.7 twips/mm.
    assert_eq!(mar.attr("w:top"), Some("2098"));
    assert_eq!(mar.attr("w:bottom"), Some("1985"));
    assert_eq!(mar.attr("w:left"), Some("1588"));
    assert_eq!(mar.attr("w:right"), Some("1474"));
    let footer_dist: u32 = mar
        .attr("w:footer")
        .and_then(|v| v.parse().ok())
        .expect("footer");
    assert!(
        (1000..1985).contains(&footer_dist),
        "footer at {footer_dist}"
    );

    let fref = sect.child("w:footerReference").expect("footerReference");
    let rid = fref.attr("r:id").expect("r:id");
    let rels = u.xml("word/_rels/document.xml.rels");
    let target = rels
        .find_all("Relationship")
        .into_iter()
        .find(|r| r.attr("Id") == Some(rid))
        .and_then(|r| r.attr("Target"))
        .expect("footer relationship");
    assert_eq!(target, "footer1.xml");

    let footer = u.xml("word/footer1.xml");
    let instr: String = footer
        .find_all("w:instrText")
        .iter()
        .map(|e| e.text())
        .collect();
    assert_eq!(instr.trim(), "PAGE");
    let shown: String = footer.find_all("w:t").iter().map(|e| e.text()).collect();
    assert_eq!(shown, "— 1 —");
    let styles = u.xml("word/styles.xml");
    let fp = footer.find_all("w:p")[0];
    let (ea, _, sz, _) = run_props(style(&styles, style_of(fp).expect("footer style")));
    assert_eq!((ea.as_str(), sz.as_str()), ("宋体", "28"));
}

#[test]
fn paragraphs_come_in_order_with_their_styles() {
    let u = write_sample();
    let doc = u.xml("word/document.xml");
    let body = doc.child("w:body").expect("body");
    // Top-level paragraphs (table cells excluded), with the table marked in place.
    let seq: Vec<(String, String)> = body
        .elements()
        .filter_map(|e| match e.name.as_str() {
            "w:p" => Some((style_of(e).unwrap_or("").to_owned(), e.text())),
            "w:tbl" => Some(("<table>".to_owned(), String::new())),
            _ => None,
        })
        .collect();
    let expected = [
        ("Title", "关于2025年上半年工作总结及下半年工作计划的报告"),
        ("Subtitle", "市交通运输局"),
        ("Subtitle", "2025年7月10日"),
        ("Heading1", "一、上半年工作情况"),
        ("Heading2", "（一）运输保障"),
        ("Heading3", "1. 公交运营"),
        ("BodyText", "全市公交车辆3,215辆，报警处置率（数据缺失）。"),
        ("BodyText", "Escaping: a < b && c > \"d\" 'e'  two  spaces"),
        ("Caption", "表1 车辆情况"),
        ("<table>", ""),
        ("Figure", ""),
        ("Caption", "图1 月度客运量"),
        ("BodyText", "以上报告。"),
    ];
    let got: Vec<(&str, &str)> = seq.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();
    assert_eq!(got, expected);

    // Spaces are kept.
    for t in doc.find_all("w:t") {
        assert_eq!(t.attr("xml:space"), Some("preserve"));
    }

    // The table: repeated bold header row, every row padded to two cells.
    let tbl = body.child("w:tbl").expect("table");
    let rows = tbl.find_all("w:tr");
    assert_eq!(rows.len(), 3);
    assert!(rows[0]
        .child("w:trPr")
        .and_then(|p| p.child("w:tblHeader"))
        .is_some());
    assert_eq!(style_of(rows[0].find_all("w:p")[0]), Some("TableHeading"));
    assert_eq!(style_of(rows[1].find_all("w:p")[0]), Some("TableText"));
    for r in &rows {
        assert_eq!(r.find_all("w:tc").len(), 2);
    }
    assert_eq!(
        tbl.child("w:tblPr")
            .and_then(|p| p.child("w:tblStyle"))
            .and_then(|s| s.attr("w:val")),
        Some("TableGrid")
    );
}

#[test]
fn figures_are_bookmarked_and_missing_ones_red() {
    let u = write_sample();
    let doc = u.xml("word/document.xml");
    let body = doc.child("w:body").expect("body");
    let para = body
        .elements()
        .find(|p| p.text().starts_with("全市公交车辆"))
        .expect("figure paragraph");

    // The bookmark start, the figure's run, the bookmark end: adjacent siblings.
    let kids: Vec<&El> = para.elements().collect();
    let start = kids
        .iter()
        .position(|e| {
            e.name == "w:bookmarkStart" && e.attr("w:name") == Some("fig_vehicles_bus_total")
        })
        .expect("bookmark fig_vehicles_bus_total");
    let id = kids[start].attr("w:id").expect("bookmark id");
    assert_eq!(kids[start + 1].name, "w:r");
    assert_eq!(kids[start + 1].text(), "3,215");
    assert!(kids[start + 1].child("w:rPr").is_none(), "plain figure run");
    assert_eq!(kids[start + 2].name, "w:bookmarkEnd");
    assert_eq!(kids[start + 2].attr("w:id"), Some(id));

    let missing = kids
        .iter()
        .position(|e| e.name == "w:bookmarkStart" && e.attr("w:name") == Some("fig_alarms_rate"))
        .expect("bookmark fig_alarms_rate");
    let run = kids[missing + 1];
    assert_eq!(run.text(), "（数据缺失）");
    let rpr = run.child("w:rPr").expect("missing figure formatting");
    assert_eq!(
        rpr.child("w:color").and_then(|c| c.attr("w:val")),
        Some("C00000")
    );
    assert_eq!(
        rpr.child("w:highlight").and_then(|c| c.attr("w:val")),
        Some("yellow")
    );

    // The same figure again in the table: a distinct, still recognisable bookmark.
    let names: Vec<&str> = doc
        .find_all("w:bookmarkStart")
        .iter()
        .filter_map(|b| b.attr("w:name"))
        .collect();
    assert_eq!(
        names,
        [
            "fig_vehicles_bus_total",
            "fig_alarms_rate",
            "fig_vehicles_bus_total_2"
        ]
    );
    let ids: Vec<&str> = doc
        .find_all("w:bookmarkStart")
        .iter()
        .filter_map(|b| b.attr("w:id"))
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "bookmark ids unique");
}

#[test]
fn chart_is_an_inline_picture_with_an_existing_media_part() {
    let u = write_sample();
    let doc = u.xml("word/document.xml");
    let inline = doc.find_all("wp:inline");
    assert_eq!(inline.len(), 1);
    let extent = inline[0].child("wp:extent").expect("extent");
    // 150 × 80 mm at 36,000 EMU/mm.
    assert_eq!(extent.attr("cx"), Some("5400000"));
    assert_eq!(extent.attr("cy"), Some("2880000"));
    assert_eq!(doc.find_all("pic:pic").len(), 1);
    assert!(inline[0].child("a:graphic").is_some());
    let blip = doc.find_all("a:blip");
    let rid = blip[0].attr("r:embed").expect("r:embed");

    let rels = u.xml("word/_rels/document.xml.rels");
    let rel = rels
        .find_all("Relationship")
        .into_iter()
        .find(|r| r.attr("Id") == Some(rid))
        .expect("image relationship");
    assert!(rel.attr("Type").is_some_and(|t| t.ends_with("/image")));
    let target = rel.attr("Target").expect("target");
    assert!(u.parts.contains_key(&format!("word/{target}")), "{target}");

    // A chart wider than the text block is scaled to 156 mm, keeping its aspect ratio.
    let mut wide = sample();
    wide.blocks = vec![Block::Chart {
        caption: String::new(),
        svg: String::new(),
        png: PNG_1X1.to_vec(),
        width_mm: 312.0,
        height_mm: 100.0,
    }];
    let u = Unpacked::new(&docx::write(&wide, &DocxOptions::default()).expect("write"));
    let doc = u.xml("word/document.xml");
    let extent = doc.find_all("wp:extent")[0];
    assert_eq!(extent.attr("cx"), Some("5616000"));
    assert_eq!(extent.attr("cy"), Some("1800000"));
}

#[test]
fn invalid_charts_are_errors() {
    for (png, w, h) in [
        (b"GIF89a".to_vec(), 100.0, 50.0),
        (PNG_1X1.to_vec(), 0.0, 50.0),
        (PNG_1X1.to_vec(), 100.0, f64::NAN),
    ] {
        let doc = Document {
            title: "t".into(),
            subtitle: vec![],
            blocks: vec![Block::Chart {
                caption: "c".into(),
                svg: String::new(),
                png,
                width_mm: w,
                height_mm: h,
            }],
        };
        let err = docx::write(&doc, &DocxOptions::default()).expect_err("invalid chart");
        assert!(
            matches!(err, docx::DocxError::InvalidChart { index: 0, .. }),
            "{err}"
        );
    }
}

#[test]
fn styles_define_the_official_fonts_and_sizes() {
    let u = write_sample();
    let styles = u.xml("word/styles.xml");
    let check = |id: &str, ea: &str, sz: &str, bold: bool, centred: bool| {
        let s = style(&styles, id);
        let (got_ea, ascii, got_sz, got_bold) = run_props(s);
        assert_eq!(
            (got_ea.as_str(), got_sz.as_str(), got_bold),
            (ea, sz, bold),
            "style {id}"
        );
        assert_eq!(ascii, "Times New Roman", "style {id} ascii font");
        if centred {
            assert_eq!(jc(s), Some("center"), "style {id} alignment");
        }
    };
    check("Title", "方正小标宋简体", "44", false, true);
    check("Subtitle", "楷体_GB2312", "32", false, true);
    check("Heading1", "黑体", "32", false, false);
    check("Heading2", "楷体_GB2312", "32", false, false);
    check("Heading3", "仿宋_GB2312", "32", true, false);
    check("BodyText", "仿宋_GB2312", "32", false, false);
    check("TableText", "仿宋_GB2312", "24", false, false);
    check("TableHeading", "仿宋_GB2312", "24", true, false);
    check("Caption", "黑体", "28", false, true);

    let body = style(&styles, "BodyText");
    let ppr = body.child("w:pPr").expect("pPr");
    let spacing = ppr.child("w:spacing").expect("spacing");
    assert_eq!(spacing.attr("w:line"), Some("579"));
    assert_eq!(spacing.attr("w:lineRule"), Some("exact"));
    assert_eq!(
        ppr.child("w:ind").and_then(|i| i.attr("w:firstLineChars")),
        Some("200")
    );
    assert_eq!(jc(body), Some("both"));

    for level in 1..=3 {
        let h = style(&styles, &format!("Heading{level}"));
        let lvl = level - 1;
        assert_eq!(
            h.child("w:pPr")
                .and_then(|p| p.child("w:outlineLvl"))
                .and_then(|o| o.attr("w:val")),
            Some(lvl.to_string().as_str())
        );
    }

    // The table style draws single borders on every edge.
    let grid = style(&styles, "TableGrid");
    let borders = grid
        .child("w:tblPr")
        .and_then(|p| p.child("w:tblBorders"))
        .expect("borders");
    for side in [
        "w:top",
        "w:left",
        "w:bottom",
        "w:right",
        "w:insideH",
        "w:insideV",
    ] {
        assert_eq!(
            borders.child(side).and_then(|b| b.attr("w:val")),
            Some("single"),
            "{side}"
        );
    }

    // Every style the document uses is defined.
    let doc = u.xml("word/document.xml");
    for p in doc.find_all("w:pStyle") {
        style(&styles, p.attr("w:val").expect("w:val"));
    }

    let fonts = u.xml("word/fontTable.xml");
    let names: Vec<&str> = fonts
        .find_all("w:font")
        .iter()
        .filter_map(|f| f.attr("w:name"))
        .collect();
    for f in [
        "方正小标宋简体",
        "仿宋_GB2312",
        "楷体_GB2312",
        "黑体",
        "宋体",
        "Times New Roman",
    ] {
        assert!(names.contains(&f), "font {f} declared");
    }
}

#[test]
fn text_of_reads_paragraphs_back() {
    let bytes = docx::write(&sample(), &DocxOptions::default()).expect("write");
    let texts = docx::text_of(&bytes).expect("text_of");
    let expected = [
        "关于2025年上半年工作总结及下半年工作计划的报告",
        "市交通运输局",
        "2025年7月10日",
        "一、上半年工作情况",
        "（一）运输保障",
        "1. 公交运营",
        "全市公交车辆3,215辆，报警处置率（数据缺失）。",
        "Escaping: a < b && c > \"d\" 'e'  two  spaces",
        "表1 车辆情况",
        "类型",
        "数量",
        "公交",
        "3,215",
        "出租",
        // The padded cell, then the paragraph holding the chart image.
        "",
        "",
        "图1 月度客运量",
        "以上报告。",
    ];
    assert_eq!(texts, expected);

    // Tabs and line breaks survive as w:tab / w:br.
    let doc = Document {
        title: String::new(),
        subtitle: vec![],
        blocks: vec![Block::Paragraph {
            inlines: vec![Inline::text("a\tb\nc\r\nd")],
        }],
    };
    let bytes = docx::write(&doc, &DocxOptions::default()).expect("write");
    assert_eq!(docx::text_of(&bytes).expect("text_of"), ["a\tb\nc\nd"]);

    assert!(docx::text_of(b"not a zip").is_err());
}

#[test]
fn footer_can_be_left_out() {
    let opts = DocxOptions {
        footer_page_numbers: false,
        creator: "测试 & <co>".into(),
    };
    let u = Unpacked::new(&docx::write(&sample(), &opts).expect("write"));
    assert!(!u.parts.contains_key("word/footer1.xml"));
    let doc = u.xml("word/document.xml");
    assert!(doc.find_all("w:footerReference").is_empty());
    let ct = u.xml("[Content_Types].xml");
    assert!(ct
        .find_all("Override")
        .iter()
        .all(|o| o.attr("PartName") != Some("/word/footer1.xml")));
    let core = u.xml("docProps/core.xml");
    assert_eq!(
        core.child("dc:creator").map(El::text).as_deref(),
        Some("测试 & <co>")
    );
}

#[test]
fn converts_to_pdf_with_libreoffice_when_installed() {
    let soffice = ["soffice", "libreoffice"].into_iter().find(|bin| {
        std::process::Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(soffice) = soffice else {
        println!("skipped: LibreOffice (soffice) is not installed");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("report.docx");
    let bytes = docx::write(&sample(), &DocxOptions::default()).expect("write");
    std::fs::write(&input, bytes).expect("write docx");
    // A private profile: a concurrent or stale user profile would block the conversion.
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    let status = std::process::Command::new(soffice)
        .arg(profile)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&input)
        .status()
        .expect("run soffice");
    assert!(status.success(), "soffice failed: {status}");
    let pdf = std::fs::read(dir.path().join("report.pdf")).expect("PDF written");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
}
