//! Writes a [`Document`] as DOCX (WordprocessingML in a zip), laid out as a Chinese official
//! document after GB/T 9704-2012: A4, text block 156 × 225 mm, title in 方正小标宋简体 二号,
//! body in 仿宋_GB2312 三号 at a fixed 28.95 pt line (22 lines a page), headings in 黑体 /
//! 楷体_GB2312 / 仿宋_GB2312 bold, page numbers "— N —" in 宋体 四号.
//!
//! Every part is generated here as text; the styles are defined once in `styles.xml` and the
//! body only refers to them by id, so the layout can be adjusted in Word by editing styles.
//! Figures ([`Inline::Figure`]) are wrapped in bookmarks named by [`bookmark_name`] so they can
//! be found in the file, and [`text_of`] reads the paragraph texts back.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::doc::{Block, Document, Inline};

/// Errors writing or reading a DOCX.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A chart that cannot be embedded (not a PNG, or a size that is not a positive length).
    #[error("chart {index} ({caption:?}): {reason}")]
    InvalidChart {
        index: usize,
        caption: String,
        reason: String,
    },
    /// A part missing from a DOCX being read.
    #[error("missing part {0}")]
    MissingPart(String),
    #[error("xml in {part}: {message}")]
    Xml { part: String, message: String },
}

/// Options for [`write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocxOptions {
    /// Page numbers "— N —" centred in the footer.
    pub footer_page_numbers: bool,
    /// `dc:creator` / `cp:lastModifiedBy` in the document properties.
    pub creator: String,
}

impl Default for DocxOptions {
    fn default() -> Self {
        DocxOptions {
            footer_page_numbers: true,
            creator: "Tongtu".to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Page geometry. The brief's conversion is 1 mm = 56.7 twips; integer arithmetic keeps the
// rounding exact (35 mm is 1984.5 twips, which f64 might round down).

/// Millimetres to twips (1/20 pt), rounded half up.
const fn mm_to_twips(mm: u32) -> u32 {
    (mm * 567 + 5) / 10
}

const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_TOP: u32 = mm_to_twips(37);
const MARGIN_BOTTOM: u32 = mm_to_twips(35);
const MARGIN_LEFT: u32 = mm_to_twips(28);
const MARGIN_RIGHT: u32 = mm_to_twips(26);
/// Footer bottom 22 mm above the page edge: a 四号 line then sits about 7 mm below the text
/// block, where GB/T 9704 puts the page number.
const FOOTER_DIST: u32 = mm_to_twips(22);
const HEADER_DIST: u32 = mm_to_twips(15);
/// Text block width (156 mm).
const TEXT_W: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

/// The text block in millimetres; charts are scaled down to fit it.
const TEXT_W_MM: f64 = 156.0;
const TEXT_H_MM: f64 = 225.0;
const EMU_PER_MM: f64 = 36_000.0;

/// Fixed line pitch of the body: 28.95 pt in twips (22 lines in the 225 mm block).
const LINE_EXACT: u32 = 579;

// Fonts. Latin text and digits go to Times New Roman, CJK text to the official fonts.
const FONT_LATIN: &str = "Times New Roman";
const FONT_TITLE: &str = "方正小标宋简体";
const FONT_FANGSONG: &str = "仿宋_GB2312";
const FONT_KAITI: &str = "楷体_GB2312";
const FONT_HEITI: &str = "黑体";
const FONT_SONGTI: &str = "宋体";

// Style ids used in document.xml; defined in styles.xml.
pub const STYLE_TITLE: &str = "Title";
pub const STYLE_SUBTITLE: &str = "Subtitle";
pub const STYLE_HEADING: [&str; 3] = ["Heading1", "Heading2", "Heading3"];
pub const STYLE_BODY: &str = "BodyText";
pub const STYLE_CAPTION: &str = "Caption";
pub const STYLE_TABLE_TEXT: &str = "TableText";
pub const STYLE_TABLE_HEADING: &str = "TableHeading";
pub const STYLE_FIGURE: &str = "Figure";
const STYLE_TABLE: &str = "TableGrid";
const STYLE_FOOTER: &str = "Footer";

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const NS_PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const NS_PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL_BASE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

// ---------------------------------------------------------------------------------------
// Public API

/// Writes `doc` as a DOCX file and returns its bytes.
pub fn write(doc: &Document, opts: &DocxOptions) -> Result<Vec<u8>, DocxError> {
    let body = Body::render(doc, opts)?;

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    // PNG data is already compressed; deflating it again only costs time.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);

    let mut put = |name: &str, data: &[u8], options| -> Result<(), DocxError> {
        zip.start_file(name, options)?;
        zip.write_all(data)?;
        Ok(())
    };
    put(
        "[Content_Types].xml",
        content_types(opts).as_bytes(),
        deflated,
    )?;
    put("_rels/.rels", root_rels().as_bytes(), deflated)?;
    put(
        "docProps/core.xml",
        core_props(doc, opts).as_bytes(),
        deflated,
    )?;
    put("docProps/app.xml", APP_PROPS.as_bytes(), deflated)?;
    put("word/document.xml", body.xml.as_bytes(), deflated)?;
    put(
        "word/_rels/document.xml.rels",
        document_rels(body.images.len(), opts).as_bytes(),
        deflated,
    )?;
    put("word/styles.xml", styles().as_bytes(), deflated)?;
    put("word/settings.xml", SETTINGS.as_bytes(), deflated)?;
    put("word/fontTable.xml", font_table().as_bytes(), deflated)?;
    if opts.footer_page_numbers {
        put("word/footer1.xml", footer().as_bytes(), deflated)?;
    }
    for (i, png) in body.images.iter().enumerate() {
        put(&format!("word/media/image{}.png", i + 1), png, stored)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The bookmark name of a figure: `fig_` and the id with everything but ASCII letters,
/// digits and `_` replaced by `_`. Word limits names to 40 characters, so a longer one is cut
/// and ends in a hash of the full id to stay distinct. When the same figure occurs several
/// times, later occurrences get `_2`, `_3`, … appended (bookmark names must be unique).
pub fn bookmark_name(id: &str) -> String {
    const MAX: usize = 40;
    let mut name: String = "fig_".to_owned();
    name.extend(id.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    if name.len() > MAX {
        // All ASCII now, so byte truncation is on a char boundary.
        name.truncate(MAX - 9);
        let _ = write!(name, "_{:08x}", fnv1a(id.as_bytes()));
    }
    name
}

/// The texts of the document's paragraphs in document order, table cells included (each
/// cell paragraph is one entry; the paragraph holding a chart image is an empty string).
/// Tabs and line breaks come back as `\t` and `\n`.
pub fn text_of(docx: &[u8]) -> Result<Vec<String>, DocxError> {
    const PART: &str = "word/document.xml";
    let mut archive = ZipArchive::new(Cursor::new(docx))?;
    let mut xml = Vec::new();
    match archive.by_name(PART) {
        Ok(mut f) => {
            f.read_to_end(&mut xml)?;
        }
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(DocxError::MissingPart(PART.to_owned()))
        }
        Err(e) => return Err(e.into()),
    }
    paragraph_texts(&xml).map_err(|message| DocxError::Xml {
        part: PART.to_owned(),
        message,
    })
}

// ---------------------------------------------------------------------------------------
// Reading

fn paragraph_texts(xml: &[u8]) -> Result<Vec<String>, String> {
    let mut reader = NsReader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    // Text of the open paragraph; nested paragraphs (text boxes) are appended to their
    // enclosing paragraph rather than split, which keeps the order readable.
    let mut depth = 0usize;
    let mut current = String::new();
    let mut in_text = false;
    loop {
        let pos = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event_into(&mut buf)
            .map_err(|e| format!("after byte {pos}: {e}"))?;
        let is_w = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == NS_W.as_bytes());
        match event {
            Event::Start(e) if is_w => match e.local_name().as_ref() {
                b"p" => depth += 1,
                b"t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) if is_w && depth > 0 => match e.local_name().as_ref() {
                b"tab" => current.push('\t'),
                b"br" | b"cr" => current.push('\n'),
                _ => {}
            },
            Event::End(e) if is_w => match e.local_name().as_ref() {
                b"p" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.push(std::mem::take(&mut current));
                    }
                }
                b"t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                current.push_str(&t.xml10_content().map_err(|e| e.to_string())?);
            }
            Event::CData(t) if in_text => {
                current.push_str(&t.decode().map_err(|e| e.to_string())?);
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    current.push(c);
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    let value = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name};"))?;
                    current.push_str(value);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// document.xml

struct Body {
    xml: String,
    /// PNG data of the charts, in order: image1.png, image2.png, …
    images: Vec<Vec<u8>>,
}

/// Builds document.xml; keeps the counters that must be unique across the document.
struct BodyWriter {
    out: String,
    images: Vec<Vec<u8>>,
    bookmark_id: u32,
    bookmark_names: HashSet<String>,
}

impl Body {
    fn render(doc: &Document, opts: &DocxOptions) -> Result<Body, DocxError> {
        let mut w = BodyWriter {
            out: String::with_capacity(16 * 1024),
            images: Vec::new(),
            bookmark_id: 0,
            bookmark_names: HashSet::new(),
        };
        w.out.push_str(XML_DECL);
        let _ = write!(
            w.out,
            "<w:document xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\" xmlns:wp=\"{NS_WP}\" \
             xmlns:a=\"{NS_A}\" xmlns:pic=\"{NS_PIC}\"><w:body>"
        );

        // Title and subtitle lines, then one blank line's space before the body (GB/T 9704
        // puts an empty line between the title block and the text).
        let has_title = !doc.title.is_empty();
        let n_sub = doc.subtitle.len();
        if has_title {
            let after = if n_sub == 0 { Some(LINE_EXACT) } else { None };
            w.paragraph(STYLE_TITLE, after, |w| w.text_run(&doc.title, None));
        }
        for (i, line) in doc.subtitle.iter().enumerate() {
            let after = if i + 1 == n_sub {
                Some(LINE_EXACT)
            } else {
                None
            };
            w.paragraph(STYLE_SUBTITLE, after, |w| w.text_run(line, None));
        }

        let mut last_was_table = false;
        for (index, block) in doc.blocks.iter().enumerate() {
            last_was_table = false;
            match block {
                Block::Heading { level, inlines } => {
                    // Levels beyond the three official ones fall back to the nearest one.
                    let style = STYLE_HEADING[usize::from(*level).clamp(1, 3) - 1];
                    w.paragraph(style, None, |w| w.inlines(inlines));
                }
                Block::Paragraph { inlines } => {
                    w.paragraph(STYLE_BODY, None, |w| w.inlines(inlines));
                }
                Block::Table {
                    caption,
                    header,
                    rows,
                } => {
                    last_was_table = w.table(caption, header, rows);
                }
                // A chart not rasterised (no Chromium): a flagged note, never an empty image.
                Block::Chart {
                    caption, svg, png, ..
                } if png.is_empty() && !svg.is_empty() => {
                    let note = format!("【{caption}：{}】", crate::charts::NEEDS_CHROMIUM);
                    w.paragraph(STYLE_BODY, None, |w| w.figure("chart", &note, true));
                }
                Block::Chart {
                    caption,
                    png,
                    width_mm,
                    height_mm,
                    ..
                } => w.chart(index, caption, png, *width_mm, *height_mm)?,
            }
        }
        // Word needs a paragraph between a table and the section properties.
        if last_was_table {
            w.out.push_str("<w:p/>");
        }

        w.out.push_str("<w:sectPr>");
        if opts.footer_page_numbers {
            w.out
                .push_str("<w:footerReference w:type=\"default\" r:id=\"rIdFooter1\"/>");
        }
        let _ = write!(
            w.out,
            "<w:pgSz w:w=\"{PAGE_W}\" w:h=\"{PAGE_H}\"/>\
             <w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_RIGHT}\" \
             w:bottom=\"{MARGIN_BOTTOM}\" w:left=\"{MARGIN_LEFT}\" w:header=\"{HEADER_DIST}\" \
             w:footer=\"{FOOTER_DIST}\" w:gutter=\"0\"/>\
             <w:pgNumType w:fmt=\"decimal\" w:start=\"1\"/>\
             <w:cols w:space=\"425\"/><w:docGrid w:linePitch=\"{LINE_EXACT}\"/>\
             </w:sectPr></w:body></w:document>"
        );
        Ok(Body {
            xml: w.out,
            images: w.images,
        })
    }
}

impl BodyWriter {
    /// One paragraph of `style`; `space_after` (twips) overrides the style's spacing.
    fn paragraph(&mut self, style: &str, space_after: Option<u32>, runs: impl FnOnce(&mut Self)) {
        let _ = write!(self.out, "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/>");
        if let Some(after) = space_after {
            let _ = write!(self.out, "<w:spacing w:after=\"{after}\"/>");
        }
        self.out.push_str("</w:pPr>");
        runs(self);
        self.out.push_str("</w:p>");
    }

    fn inlines(&mut self, inlines: &[Inline]) {
        for inline in inlines {
            match inline {
                Inline::Text { text } | Inline::Item { text, .. } => self.text_run(text, None),
                Inline::Figure { id, text, missing } => self.figure(id, text, *missing),
            }
        }
    }

    /// A figure: an ordinary run inside a bookmark, red on yellow when missing.
    fn figure(&mut self, id: &str, text: &str, missing: bool) {
        let name = self.unique_bookmark(id);
        let bid = self.bookmark_id;
        self.bookmark_id += 1;
        let _ = write!(
            self.out,
            "<w:bookmarkStart w:id=\"{bid}\" w:name=\"{}\"/>",
            escape(&name)
        );
        let rpr = missing
            .then_some("<w:rPr><w:color w:val=\"C00000\"/><w:highlight w:val=\"yellow\"/></w:rPr>");
        self.text_run(text, rpr);
        let _ = write!(self.out, "<w:bookmarkEnd w:id=\"{bid}\"/>");
    }

    fn unique_bookmark(&mut self, id: &str) -> String {
        let base = bookmark_name(id);
        let mut name = base.clone();
        let mut n = 2u32;
        while self.bookmark_names.contains(&name) {
            let suffix = format!("_{n}");
            let mut b = base.clone();
            // Keep within Word's 40 characters; the name is ASCII so any cut is valid.
            b.truncate(40usize.saturating_sub(suffix.len()));
            name = b + &suffix;
            n += 1;
        }
        self.bookmark_names.insert(name.clone());
        name
    }

    /// A run of text; tabs and newlines become `w:tab` and `w:br` (Word shows a newline
    /// inside `w:t` as a space).
    fn text_run(&mut self, text: &str, rpr: Option<&str>) {
        if text.is_empty() {
            return;
        }
        self.out.push_str("<w:r>");
        if let Some(rpr) = rpr {
            self.out.push_str(rpr);
        }
        let mut chunk = String::new();
        let flush = |out: &mut String, chunk: &mut String| {
            if !chunk.is_empty() {
                let _ = write!(out, "<w:t xml:space=\"preserve\">{}</w:t>", escape(chunk));
                chunk.clear();
            }
        };
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\t' => {
                    flush(&mut self.out, &mut chunk);
                    self.out.push_str("<w:tab/>");
                }
                '\r' | '\n' => {
                    // CR LF is one break.
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    flush(&mut self.out, &mut chunk);
                    self.out.push_str("<w:br/>");
                }
                _ => chunk.push(c),
            }
        }
        flush(&mut self.out, &mut chunk);
        self.out.push_str("</w:r>");
    }

    /// A table with its caption above; returns whether a table element was written (an
    /// empty table has no columns and is left out, Word rejects `w:tbl` without rows).
    fn table(&mut self, caption: &str, header: &[String], rows: &[Vec<Vec<Inline>>]) -> bool {
        let cols = rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(header.len()))
            .max()
            .unwrap_or(0);
        let has_rows = !header.is_empty() || !rows.is_empty();
        if !caption.is_empty() {
            // Keep the caption on the page of the table.
            let _ = write!(
                self.out,
                "<w:p><w:pPr><w:pStyle w:val=\"{STYLE_CAPTION}\"/><w:keepNext/></w:pPr>"
            );
            self.text_run(caption, None);
            self.out.push_str("</w:p>");
        }
        if cols == 0 || !has_rows {
            return false;
        }
        // Equal columns across the text block; Word's autofit refines them on opening.
        let col_w = TEXT_W / u32::try_from(cols).unwrap_or(u32::MAX).max(1);
        let _ = write!(
            self.out,
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"{STYLE_TABLE}\"/>\
             <w:tblW w:w=\"5000\" w:type=\"pct\"/><w:jc w:val=\"center\"/>\
             <w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" \
             w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>"
        );
        for _ in 0..cols {
            let _ = write!(self.out, "<w:gridCol w:w=\"{col_w}\"/>");
        }
        self.out.push_str("</w:tblGrid>");

        if !header.is_empty() {
            // Repeated at the top of each page the table runs onto.
            self.out
                .push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
            for i in 0..cols {
                let text = header.get(i).map(String::as_str).unwrap_or("");
                self.cell(col_w, STYLE_TABLE_HEADING, |w| w.text_run(text, None));
            }
            self.out.push_str("</w:tr>");
        }
        for row in rows {
            self.out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            for i in 0..cols {
                // Short rows are padded so every row spans the grid.
                let inlines = row.get(i).map(Vec::as_slice).unwrap_or(&[]);
                self.cell(col_w, STYLE_TABLE_TEXT, |w| w.inlines(inlines));
            }
            self.out.push_str("</w:tr>");
        }
        self.out.push_str("</w:tbl>");
        true
    }

    fn cell(&mut self, width: u32, style: &str, runs: impl FnOnce(&mut Self)) {
        let _ = write!(
            self.out,
            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/>\
             </w:tcPr>"
        );
        // A cell must contain a paragraph even when empty.
        self.paragraph(style, None, runs);
        self.out.push_str("</w:tc>");
    }

    /// A chart: the image in its own paragraph, the caption below.
    fn chart(
        &mut self,
        index: usize,
        caption: &str,
        png: &[u8],
        width_mm: f64,
        height_mm: f64,
    ) -> Result<(), DocxError> {
        let invalid = |reason: &str| DocxError::InvalidChart {
            index,
            caption: caption.to_owned(),
            reason: reason.to_owned(),
        };
        if !png.starts_with(PNG_SIGNATURE) {
            return Err(invalid("not PNG data"));
        }
        if !(width_mm.is_finite() && height_mm.is_finite() && width_mm > 0.0 && height_mm > 0.0) {
            return Err(invalid("width and height must be positive"));
        }
        // Larger than the text block: scale down, keeping the aspect ratio.
        let scale = (TEXT_W_MM / width_mm).min(TEXT_H_MM / height_mm).min(1.0);
        // Bounded by the text block, so the casts cannot overflow.
        let cx = (width_mm * scale * EMU_PER_MM).round() as u64;
        let cy = (height_mm * scale * EMU_PER_MM).round() as u64;

        self.images.push(png.to_vec());
        let n = self.images.len();
        let descr = escape(caption);
        let _ = write!(
            self.out,
            "<w:p><w:pPr><w:pStyle w:val=\"{STYLE_FIGURE}\"/><w:keepNext/></w:pPr><w:r>\
             <w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
             <wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>\
             <wp:docPr id=\"{n}\" name=\"Chart {n}\" descr=\"{descr}\"/>\
             <wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/>\
             </wp:cNvGraphicFramePr>\
             <a:graphic><a:graphicData uri=\"{NS_PIC}\"><pic:pic>\
             <pic:nvPicPr><pic:cNvPr id=\"{n}\" name=\"image{n}.png\" descr=\"{descr}\"/>\
             <pic:cNvPicPr><a:picLocks noChangeAspect=\"1\" noChangeArrowheads=\"1\"/>\
             </pic:cNvPicPr></pic:nvPicPr>\
             <pic:blipFill><a:blip r:embed=\"rIdImage{n}\"/><a:stretch><a:fillRect/></a:stretch>\
             </pic:blipFill>\
             <pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm>\
             <a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr>\
             </pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
        );
        if !caption.is_empty() {
            self.paragraph(STYLE_CAPTION, None, |w| w.text_run(caption, None));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Escaping

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 does not
/// allow (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF; Rust strings hold no surrogates).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Escaped so attribute values keep them (a parser turns them into spaces).
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// 32-bit FNV-1a, to shorten long bookmark names without collisions in practice.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

// ---------------------------------------------------------------------------------------
// Package parts

fn content_types(opts: &DocxOptions) -> String {
    let ct = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let mut s = String::from(XML_DECL);
    let _ = write!(
        s,
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Default Extension=\"png\" ContentType=\"image/png\"/>\
         <Override PartName=\"/word/document.xml\" ContentType=\"{ct}.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" ContentType=\"{ct}.styles+xml\"/>\
         <Override PartName=\"/word/settings.xml\" ContentType=\"{ct}.settings+xml\"/>\
         <Override PartName=\"/word/fontTable.xml\" ContentType=\"{ct}.fontTable+xml\"/>"
    );
    if opts.footer_page_numbers {
        let _ = write!(
            s,
            "<Override PartName=\"/word/footer1.xml\" ContentType=\"{ct}.footer+xml\"/>"
        );
    }
    s.push_str(
        "<Override PartName=\"/docProps/core.xml\" \
         ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/docProps/app.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
         </Types>",
    );
    s
}

fn root_rels() -> String {
    format!(
        "{XML_DECL}<Relationships xmlns=\"{NS_PKG_REL}\">\
         <Relationship Id=\"rId1\" Type=\"{REL_BASE}/officeDocument\" Target=\"word/document.xml\"/>\
         <Relationship Id=\"rId2\" \
         Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" \
         Target=\"docProps/core.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL_BASE}/extended-properties\" Target=\"docProps/app.xml\"/>\
         </Relationships>"
    )
}

fn document_rels(images: usize, opts: &DocxOptions) -> String {
    let mut s = format!(
        "{XML_DECL}<Relationships xmlns=\"{NS_PKG_REL}\">\
         <Relationship Id=\"rIdStyles\" Type=\"{REL_BASE}/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rIdSettings\" Type=\"{REL_BASE}/settings\" Target=\"settings.xml\"/>\
         <Relationship Id=\"rIdFontTable\" Type=\"{REL_BASE}/fontTable\" Target=\"fontTable.xml\"/>"
    );
    if opts.footer_page_numbers {
        let _ = write!(
            s,
            "<Relationship Id=\"rIdFooter1\" Type=\"{REL_BASE}/footer\" Target=\"footer1.xml\"/>"
        );
    }
    for n in 1..=images {
        let _ = write!(
            s,
            "<Relationship Id=\"rIdImage{n}\" Type=\"{REL_BASE}/image\" Target=\"media/image{n}.png\"/>"
        );
    }
    s.push_str("</Relationships>");
    s
}

fn core_props(doc: &Document, opts: &DocxOptions) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let title = escape(&doc.title);
    let creator = escape(&opts.creator);
    format!(
        "{XML_DECL}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator>\
         <cp:lastModifiedBy>{creator}</cp:lastModifiedBy><dc:language>zh-CN</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{now}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{now}</dcterms:modified>\
         </cp:coreProperties>"
    )
}

const APP_PROPS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
<Application>Tongtu</Application><DocSecurity>0</DocSecurity></Properties>";

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:zoom w:percent=\"100\"/><w:bordersDoNotSurroundHeader/><w:bordersDoNotSurroundFooter/>\
<w:defaultTabStop w:val=\"420\"/><w:characterSpacingControl w:val=\"compressPunctuation\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" \
w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
<w:themeFontLang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:settings>";

/// `w:rFonts` with the Latin font for ASCII/hAnsi and `east_asia` for CJK.
fn rfonts(latin: &str, east_asia: &str) -> String {
    format!(
        "<w:rFonts w:ascii=\"{latin}\" w:hAnsi=\"{latin}\" w:eastAsia=\"{east_asia}\" \
         w:cs=\"{latin}\" w:hint=\"eastAsia\"/>"
    )
}

/// Run properties: fonts and size in points (`w:sz` is in half-points).
fn rpr(east_asia: &str, pt: u32, bold: bool) -> String {
    let half = pt * 2;
    format!(
        "<w:rPr>{}{}<w:sz w:val=\"{half}\"/><w:szCs w:val=\"{half}\"/></w:rPr>",
        rfonts(FONT_LATIN, east_asia),
        if bold { "<w:b/><w:bCs/>" } else { "" }
    )
}

/// Style names Word has built in (its latent styles); the rest are custom styles.
const BUILT_IN_STYLES: [&str; 8] = [
    "Title",
    "Subtitle",
    "heading 1",
    "heading 2",
    "heading 3",
    "Body Text",
    "caption",
    "footer",
];

fn styles() -> String {
    let exact = format!(
        "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"{LINE_EXACT}\" w:lineRule=\"exact\"/>"
    );
    // Two characters of the paragraph's own font; `firstLine` (twips, for 16 pt) is the
    // fallback for readers that ignore the character-based value.
    let indent = "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>";
    let no_indent = "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>";
    let single = "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>";

    // A paragraph style based on Normal unless `extra` says otherwise. Styles whose names
    // Word knows (heading 1, caption, …) must not be marked custom, or Word duplicates them.
    let para = |id: &str, name: &str, ppr: &str, rpr: &str, extra: &str| {
        let custom = if BUILT_IN_STYLES.contains(&name) {
            ""
        } else {
            " w:customStyle=\"1\""
        };
        let based_on = if extra.contains("<w:basedOn") {
            ""
        } else {
            "<w:basedOn w:val=\"Normal\"/>"
        };
        format!(
            "<w:style w:type=\"paragraph\"{custom} w:styleId=\"{id}\">\
             <w:name w:val=\"{name}\"/>{based_on}{extra}<w:qFormat/>\
             <w:pPr>{ppr}</w:pPr>{rpr}</w:style>"
        )
    };
    let heading = |level: u32, east_asia: &str, bold: bool| {
        para(
            &format!("Heading{level}"),
            &format!("heading {level}"),
            &format!(
                "<w:keepNext/>{exact}{indent}<w:outlineLvl w:val=\"{}\"/>",
                level - 1
            ),
            &rpr(east_asia, 16, bold),
            &format!("<w:next w:val=\"{STYLE_BODY}\"/><w:uiPriority w:val=\"9\"/>"),
        )
    };

    let mut s = String::from(XML_DECL);
    let _ = write!(
        s,
        "<w:styles xmlns:w=\"{NS_W}\">\
         <w:docDefaults><w:rPrDefault><w:rPr>{fonts}<w:kern w:val=\"2\"/>\
         <w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/>\
         <w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr>{exact}<w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>\
         <w:qFormat/><w:pPr><w:widowControl w:val=\"0\"/>{exact}<w:jc w:val=\"both\"/></w:pPr>\
         {normal_rpr}</w:style>\
         <w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">\
         <w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/>\
         <w:unhideWhenUsed/></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">\
         <w:name w:val=\"Normal Table\"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr>\
         <w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>\
         <w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/>\
         <w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>",
        fonts = rfonts(FONT_LATIN, FONT_FANGSONG),
        normal_rpr = rpr(FONT_FANGSONG, 16, false),
    );
    s.push_str(&para(
        STYLE_TITLE,
        "Title",
        // Two-line titles need more than the body pitch for 22 pt characters.
        &format!(
            "<w:keepNext/><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"700\" \
             w:lineRule=\"exact\"/>{no_indent}<w:jc w:val=\"center\"/><w:outlineLvl w:val=\"9\"/>"
        ),
        &rpr(FONT_TITLE, 22, false),
        &format!("<w:next w:val=\"{STYLE_SUBTITLE}\"/>"),
    ));
    s.push_str(&para(
        STYLE_SUBTITLE,
        "Subtitle",
        &format!("<w:keepNext/>{exact}{no_indent}<w:jc w:val=\"center\"/>"),
        &rpr(FONT_KAITI, 16, false),
        &format!("<w:next w:val=\"{STYLE_BODY}\"/>"),
    ));
    s.push_str(&heading(1, FONT_HEITI, false));
    s.push_str(&heading(2, FONT_KAITI, false));
    s.push_str(&heading(3, FONT_FANGSONG, true));
    s.push_str(&para(
        STYLE_BODY,
        "Body Text",
        &format!("{exact}{indent}<w:jc w:val=\"both\"/>"),
        &rpr(FONT_FANGSONG, 16, false),
        "",
    ));
    s.push_str(&para(
        STYLE_CAPTION,
        "caption",
        &format!("{exact}{no_indent}<w:jc w:val=\"center\"/>"),
        &rpr(FONT_HEITI, 14, false),
        "",
    ));
    s.push_str(&para(
        STYLE_TABLE_TEXT,
        "Table Text",
        &format!("<w:snapToGrid w:val=\"0\"/>{single}{no_indent}<w:jc w:val=\"center\"/>"),
        &rpr(FONT_FANGSONG, 12, false),
        "",
    ));
    s.push_str(&para(
        STYLE_TABLE_HEADING,
        "Table Heading",
        &format!("<w:snapToGrid w:val=\"0\"/>{single}{no_indent}<w:jc w:val=\"center\"/>"),
        &rpr(FONT_FANGSONG, 12, true),
        &format!("<w:basedOn w:val=\"{STYLE_TABLE_TEXT}\"/>"),
    ));
    s.push_str(&para(
        STYLE_FIGURE,
        "Figure",
        // Auto spacing: a fixed line height would clip the image to one line.
        &format!("<w:snapToGrid w:val=\"0\"/>{single}{no_indent}<w:jc w:val=\"center\"/>"),
        "",
        "",
    ));
    s.push_str(&para(
        STYLE_FOOTER,
        "footer",
        &format!("{single}{no_indent}<w:jc w:val=\"center\"/>"),
        &format!(
            "<w:rPr>{}<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr>",
            rfonts(FONT_SONGTI, FONT_SONGTI)
        ),
        "",
    ));
    let border = |side: &str| {
        format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>")
    };
    let _ = write!(
        s,
        "<w:style w:type=\"table\" w:styleId=\"{STYLE_TABLE}\"><w:name w:val=\"Table Grid\"/>\
         <w:basedOn w:val=\"TableNormal\"/><w:pPr>{single}{no_indent}</w:pPr>{table_rpr}\
         <w:tblPr><w:tblBorders>{}{}{}{}{}{}</w:tblBorders>\
         <w:tblCellMar><w:top w:w=\"57\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar>\
         </w:tblPr></w:style></w:styles>",
        border("top"),
        border("left"),
        border("bottom"),
        border("right"),
        border("insideH"),
        border("insideV"),
        table_rpr = rpr(FONT_FANGSONG, 12, false),
    );
    s
}

fn font_table() -> String {
    // (name, alternative name, charset, family, pitch)
    let fonts: [(&str, Option<&str>, &str, &str, &str); 6] = [
        (FONT_LATIN, None, "00", "roman", "variable"),
        (FONT_SONGTI, Some("SimSun"), "86", "auto", "variable"),
        (FONT_HEITI, Some("SimHei"), "86", "modern", "fixed"),
        (FONT_FANGSONG, Some("仿宋"), "86", "modern", "fixed"),
        (FONT_KAITI, Some("楷体"), "86", "modern", "fixed"),
        (
            FONT_TITLE,
            Some("方正小标宋_GBK"),
            "86",
            "script",
            "variable",
        ),
    ];
    let mut s = format!("{XML_DECL}<w:fonts xmlns:w=\"{NS_W}\">");
    for (name, alt, charset, family, pitch) in fonts {
        let _ = write!(s, "<w:font w:name=\"{name}\">");
        if let Some(alt) = alt {
            let _ = write!(s, "<w:altName w:val=\"{alt}\"/>");
        }
        let _ = write!(
            s,
            "<w:charset w:val=\"{charset}\"/><w:family w:val=\"{family}\"/>\
             <w:pitch w:val=\"{pitch}\"/></w:font>"
        );
    }
    s.push_str("</w:fonts>");
    s
}

/// The footer: "— PAGE —" centred, the number a PAGE field.
fn footer() -> String {
    let run = |inner: &str| format!("<w:r>{inner}</w:r>");
    format!(
        "{XML_DECL}<w:ftr xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\"><w:p><w:pPr>\
         <w:pStyle w:val=\"{STYLE_FOOTER}\"/></w:pPr>{}{}{}{}{}{}{}</w:p></w:ftr>",
        run("<w:t xml:space=\"preserve\">— </w:t>"),
        run("<w:fldChar w:fldCharType=\"begin\"/>"),
        run("<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"),
        run("<w:fldChar w:fldCharType=\"separate\"/>"),
        run("<w:t>1</w:t>"),
        run("<w:fldChar w:fldCharType=\"end\"/>"),
        run("<w:t xml:space=\"preserve\"> —</w:t>"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_convert_at_56_7_twips_per_mm() {
        assert_eq!(
            (MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT),
            (2098, 1985, 1588, 1474)
        );
        // The GB/T 9704 text block: 156 mm wide.
        assert_eq!(TEXT_W, 8844);
    }

    #[test]
    fn escape_handles_markup_and_strips_invalid_chars() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{0}\u{1}\u{b}y\u{FFFE}z"), "xyz");
        assert_eq!(escape("中文 😀"), "中文 😀");
    }

    #[test]
    fn bookmark_names_are_word_safe() {
        assert_eq!(bookmark_name("bus.count-2025"), "fig_bus_count_2025");
        assert_eq!(bookmark_name("公交"), "fig___");
        let long = bookmark_name(&"x".repeat(100));
        assert_eq!(long.len(), 40);
        assert_ne!(long, bookmark_name(&"x".repeat(101)));
    }
}
