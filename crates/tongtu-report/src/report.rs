//! One generation of the half-year report: compute every figure, render the template, check
//! the figures (missing ones, ones whose inputs changed since the last generation of the
//! same period), record the run, and write the requested format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tongtu_registry::Principal;

use crate::doc::Document;
use crate::figures::{self, Value};
use crate::period::Period;
use crate::template::{self, TemplateError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("template {0}")]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Invalid(String),
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("DOCX: {0}")]
    Docx(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Docx,
    Html,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, ReportError> {
        match s {
            "docx" => Ok(Format::Docx),
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            other => Err(ReportError::Invalid(format!(
                "format: unknown {other:?}; known: docx, html, pdf"
            ))),
        }
    }

    pub fn extension(&self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }
}

/// A figure whose value or number of records differs from the last generation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    pub id: &'static str,
    pub label: &'static str,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub records_before: i64,
    pub records_after: i64,
}

/// The checks of a generation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checks {
    /// Figures that could not be computed, with the reason.
    pub missing: Vec<(String, String, String)>,
    /// Figures whose inputs changed since the last generation of the period.
    pub changed: Vec<Changed>,
    /// When the period was last generated, if ever.
    pub previous_run: Option<String>,
}

/// A generated report.
#[derive(Debug, Clone)]
pub struct Generated {
    pub period: Period,
    pub document: Document,
    pub figures: Vec<Value>,
    pub checks: Checks,
}

/// Applies this crate's migration (the run history).
pub async fn migrate(db: &SqlitePool) -> Result<(), ReportError> {
    let mut m = sqlx::migrate!("./migrations");
    m.set_ignore_missing(true);
    m.run(db)
        .await
        .map_err(|e| ReportError::Invalid(format!("report migration: {e}")))
}

/// The template in the data directory, written from our default the first time.
pub fn template_path(data_dir: &Path) -> PathBuf {
    data_dir.join("report").join(template::NAME)
}

pub fn load_template(data_dir: &Path) -> Result<String, ReportError> {
    let path = template_path(data_dir);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, template::DEFAULT)?;
    }
    Ok(std::fs::read_to_string(&path)?)
}

/// Options of a generation.
pub struct Options<'a> {
    pub org: &'a str,
    pub template: &'a str,
    /// Called after each figure with (done, total), for progress bars.
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

/// Computes, renders and checks the report of a period; records the run as `format`.
pub async fn generate(
    db: &SqlitePool,
    p: &Principal,
    period: Period,
    format: Format,
    opts: &Options<'_>,
) -> Result<Generated, ReportError> {
    // The report cites bureau-internal registers.
    if p.enterprise_scope().is_some() {
        return Err(ReportError::Invalid("企业用户不能生成工作总结".into()));
    }
    template::check(opts.template)?;
    let total = figures::FIGURES.len();
    let mut values = Vec::with_capacity(total);
    for (i, f) in figures::FIGURES.iter().enumerate() {
        values.push(figures::compute(db, f, &period).await);
        (opts.progress)(i + 1, total);
    }
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let generated_on = today.format("%Y年%-m月%-d日").to_string();
    // Charts as SVG; the PNG that DOCX needs is made in `write`, only for DOCX.
    let charts = crate::charts::blocks(db, &period).await;
    let document = template::render(
        opts.template,
        &values,
        &period,
        opts.org,
        &generated_on,
        &charts,
    )?;
    let previous: Option<(String, String)> = sqlx::query_as(
        "SELECT generated_at, figures_json FROM report_runs WHERE year = $1 AND half = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(period.year)
    .bind(period.half as i64)
    .fetch_optional(db)
    .await?;
    let mut changed = Vec::new();
    if let Some((_, json)) = &previous {
        let before: HashMap<String, (Option<f64>, i64)> =
            serde_json::from_str(json).unwrap_or_default();
        for v in &values {
            if let Some((b, n)) = before.get(v.id) {
                if *b != v.value || *n != v.records {
                    changed.push(Changed {
                        id: v.id,
                        label: v.label,
                        before: *b,
                        after: v.value,
                        records_before: *n,
                        records_after: v.records,
                    });
                }
            }
        }
    }
    let snapshot: HashMap<&str, (Option<f64>, i64)> = values
        .iter()
        .map(|v| (v.id, (v.value, v.records)))
        .collect();
    sqlx::query(
        "INSERT INTO report_runs (year, half, generated_at, generated_by, format, figures_json) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(period.year)
    .bind(period.half as i64)
    .bind(Utc::now().to_rfc3339())
    .bind(&p.username)
    .bind(format.extension())
    .bind(serde_json::to_string(&snapshot).unwrap_or_default())
    .execute(db)
    .await?;
    let missing = values
        .iter()
        .filter_map(|v| {
            v.missing
                .as_ref()
                .map(|m| (v.id.to_string(), v.label.to_string(), m.clone()))
        })
        .collect();
    Ok(Generated {
        period,
        document,
        figures: values,
        checks: Checks {
            missing,
            changed,
            previous_run: previous.map(|p| p.0),
        },
    })
}

/// Writes a generated report in a format.
pub fn write(g: &Generated, format: Format) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Html => Ok(crate::html::write(&g.document, &g.figures).into_bytes()),
        Format::Docx => crate::docx::write(
            &crate::charts::with_png(&g.document),
            &crate::docx::DocxOptions::default(),
        )
        .map_err(|e| ReportError::Docx(e.to_string())),
        Format::Pdf => pdf(&crate::html::write(&g.document, &g.figures)),
    }
}

/// The Chromium binary used for PDF: `$TONGTU_CHROMIUM`, else `chromium` or
/// `chromium-browser` or `google-chrome` on the PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TONGTU_CHROMIUM")
        .map(PathBuf::from)
        .filter(|p| p.exists())
    {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Prints the HTML to PDF with headless Chromium (A4, the page's own margins).
pub fn pdf(html: &str) -> Result<Vec<u8>, ReportError> {
    let bin = chromium().ok_or_else(|| {
        ReportError::Pdf(
            "PDF needs Chromium: install the Debian package `chromium` (or set TONGTU_CHROMIUM to its path); DOCX and HTML work without it".into(),
        )
    })?;
    let dir = std::env::temp_dir().join(format!(
        "tongtu-pdf-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("report.html");
    let output = dir.join("report.pdf");
    std::fs::write(&input, html)?;
    let out = Command::new(&bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", output.display()))
        .arg(format!("file://{}", input.display()))
        .output()?;
    let result = match std::fs::read(&output) {
        Ok(bytes) if bytes.starts_with(b"%PDF") => Ok(bytes),
        _ => Err(ReportError::Pdf(format!(
            "{} did not write a PDF (exit {}): {}",
            bin.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}
