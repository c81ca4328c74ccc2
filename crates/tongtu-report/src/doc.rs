//! The report as a document model, independent of the output format: headings, paragraphs
//! of text runs and figures, tables and chart images. The template produces it; the DOCX
//! and HTML writers render it.

use serde::Serialize;

/// A whole document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The title (方正小标宋, centred).
    pub title: String,
    /// Lines under the title (issuing body, date), centred in 楷体.
    pub subtitle: Vec<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 (一、 黑体), 2 ((一) 楷体), 3 (1. 仿宋 bold); the number is part of the text.
    Heading { level: u8, inlines: Vec<Inline> },
    /// A body paragraph (仿宋 16 pt, first line indented two characters).
    Paragraph { inlines: Vec<Inline> },
    /// A table with a caption above it; cells are inline runs.
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A chart with a caption below it, at the given size: the SVG (inlined in HTML) and its
    /// PNG rendering (embedded in DOCX; empty until rasterised, see `charts::with_png`).
    Chart {
        caption: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        svg: String,
        png: Vec<u8>,
        width_mm: f64,
        height_mm: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: String,
    },
    /// A computed figure: its id (for links to its sources) and its formatted value; a
    /// figure that could not be computed is `missing` and its text says so.
    Figure {
        id: String,
        text: String,
        missing: bool,
    },
    /// A cell of an itemised list ([`crate::lists`]): the record it came from, for links.
    Item {
        list: String,
        record: i64,
        key: String,
        text: String,
    },
}

impl Inline {
    pub fn text(s: impl Into<String>) -> Inline {
        Inline::Text { text: s.into() }
    }

    /// The visible text of the run.
    pub fn as_str(&self) -> &str {
        match self {
            Inline::Text { text } | Inline::Figure { text, .. } | Inline::Item { text, .. } => text,
        }
    }
}

/// The plain text of a list of runs.
pub fn plain(inlines: &[Inline]) -> String {
    inlines.iter().map(Inline::as_str).collect()
}
