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
use crate::lists::{self, ListValue};
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
    /// When a record behind the figure was last edited, if that is what changed.
    pub edited_at: Option<String>,
}

/// What a run keeps of each figure, to tell the next run what changed.
#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    value: Option<f64>,
    records: i64,
    inputs_updated_at: Option<String>,
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
    pub lists: Vec<ListValue>,
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
    let lists = lists::compute_all(db, &period).await;
    let document = template::render(
        opts.template,
        &template::Inputs {
            values: &values,
            lists: &lists,
            period: &period,
            org: opts.org,
            generated_on: &generated_on,
            charts: &charts,
        },
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
        // Runs before the input stamps were kept stored (value, records) pairs: nothing to
        // compare them with.
        let before: HashMap<String, Snapshot> = serde_json::from_str(json).unwrap_or_default();
        for v in &values {
            if let Some(b) = before.get(v.id) {
                if b.value != v.value
                    || b.records != v.records
                    || b.inputs_updated_at != v.inputs_updated_at
                {
                    changed.push(Changed {
                        id: v.id,
                        label: v.label,
                        before: b.value,
                        after: v.value,
                        records_before: b.records,
                        records_after: v.records,
                        edited_at: (b.inputs_updated_at != v.inputs_updated_at)
                            .then(|| v.inputs_updated_at.clone())
                            .flatten(),
                    });
                }
            }
        }
    }
    let snapshot: HashMap<&str, Snapshot> = values
        .iter()
        .map(|v| {
            (
                v.id,
                Snapshot {
                    value: v.value,
                    records: v.records,
                    inputs_updated_at: v.inputs_updated_at.clone(),
                },
            )
        })
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
        lists,
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
        Format::Html => Ok(crate::html::write(&g.document, &g.figures, &g.lists).into_bytes()),
        Format::Docx => crate::docx::write(
            &crate::charts::with_png(&g.document),
            &crate::docx::DocxOptions::default(),
        )
        .map_err(|e| ReportError::Docx(e.to_string())),
        Format::Pdf => pdf(&crate::html::write(&g.document, &g.figures, &g.lists)),
    }
}

/// The Chromium binary used for PDF: `$TONGTU_CHROMIUM`, else `chromium` or
/// `chromium-browser` or `google-chrome` on the PATH.
pub fn chromium() -> Option<PathBuf> {
    find_binary(
        "TONGTU_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    )
}

/// The LibreOffice binary: `$TONGTU_SOFFICE`, else `soffice` or `libreoffice` on the PATH.
pub fn libreoffice() -> Option<PathBuf> {
    find_binary("TONGTU_SOFFICE", &["soffice", "libreoffice"])
}

fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env)
        .map(PathBuf::from)
        .filter(|p| p.exists())
    {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A scratch directory for one external conversion, removed by [`convert`].
pub(crate) fn scratch(prefix: &str) -> Result<PathBuf, ReportError> {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs an external converter (Chromium, LibreOffice) that writes `output`, and reads that
/// back when it starts with `magic`; else `error` gets the converter's exit status and last
/// line of stderr. The scratch directory `dir` is removed either way.
pub(crate) fn convert(
    cmd: &mut Command,
    dir: &Path,
    output: &Path,
    magic: &[u8],
    error: fn(String) -> ReportError,
) -> Result<Vec<u8>, ReportError> {
    let out = cmd.output();
    let result = match (out, std::fs::read(output)) {
        (_, Ok(bytes)) if bytes.starts_with(magic) => Ok(bytes),
        (Ok(out), _) => Err(error(format!(
            "{} did not write {} (exit {}): {}",
            cmd.get_program().to_string_lossy(),
            output
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))),
        (Err(e), _) => Err(ReportError::Io(e)),
    };
    let _ = std::fs::remove_dir_all(dir);
    result
}

/// Renders a DOCX to PDF with headless LibreOffice: what Word users will see, page by page
/// (the bureau prints the DOCX). A clear error when LibreOffice is not installed.
pub fn docx_to_pdf(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
    let bin = libreoffice().ok_or_else(|| {
        ReportError::Pdf(
            "rendering DOCX needs LibreOffice: install the Debian package `libreoffice-writer-nogui` (or set TONGTU_SOFFICE)".into(),
        )
    })?;
    let dir = scratch("tongtu-soffice")?;
    let input = dir.join("report.docx");
    std::fs::write(&input, docx)?;
    // A profile of its own: a user's running LibreOffice or a parallel run must not share it.
    convert(
        Command::new(&bin)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.join("profile").display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(&dir)
            .arg(&input),
        &dir,
        &dir.join("report.pdf"),
        b"%PDF",
        ReportError::Pdf,
    )
}

/// Prints the HTML to PDF with headless Chromium (A4, the page's own margins).
pub fn pdf(html: &str) -> Result<Vec<u8>, ReportError> {
    let bin = chromium().ok_or_else(|| {
        ReportError::Pdf(
            "PDF needs Chromium: install the Debian package `chromium` (or set TONGTU_CHROMIUM to its path); DOCX and HTML work without it".into(),
        )
    })?;
    let dir = scratch("tongtu-pdf")?;
    let input = dir.join("report.html");
    let output = dir.join("report.pdf");
    std::fs::write(&input, html)?;
    convert(
        Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", output.display()))
            .arg(format!("file://{}", input.display())),
        &dir,
        &output,
        b"%PDF",
        ReportError::Pdf,
    )
}
