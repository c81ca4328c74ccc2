//! `tongtu report half-year --year 2026 --half 1 --format docx --out FILE`: generates the
//! report from the configured data directory, with a progress bar on stderr, and lists the
//! figures that could not be computed and those that changed since the last generation.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tongtu_registry::Principal;
use tongtu_report::period::Period;
use tongtu_report::report::{self, Format};

use crate::config::Config;

#[derive(Args, Debug)]
pub struct HalfYearArgs {
    /// The report's year.
    #[arg(long)]
    year: i32,
    /// 1 (January–June) or 2 (July–December).
    #[arg(long, default_value_t = 1)]
    half: u8,
    /// docx, html or pdf.
    #[arg(long, default_value = "docx")]
    format: String,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    /// The bureau's name on the title page.
    #[arg(long, default_value = "市交通运输局")]
    org: String,
    /// The year recovery is measured against (default 2019, the last year before the
    /// epidemic).
    #[arg(long)]
    base_year: Option<i32>,
    /// A template file instead of the data directory's report/half-year.md.j2.
    #[arg(long)]
    template: Option<PathBuf>,
}

fn bar(done: usize, total: usize) {
    let width = 30;
    let filled = done * width / total.max(1);
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r计算指标 [{}{}] {done}/{total}",
        "#".repeat(filled),
        "-".repeat(width - filled)
    );
    if done == total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

pub async fn run(cfg: &Config, args: HalfYearArgs) -> Result<()> {
    let mut period = Period::new(args.year, args.half).map_err(|e| anyhow::anyhow!(e))?;
    if let Some(b) = args.base_year {
        period = period.with_base_year(b).map_err(|e| anyhow::anyhow!(e))?;
    }
    let format = Format::parse(&args.format).map_err(|e| anyhow::anyhow!("{e}"))?;
    let pool = crate::open_db(cfg).await?;
    let template = match &args.template {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => report::load_template(&cfg.data_dir)?,
    };
    let opts = report::Options {
        org: &args.org,
        template: &template,
        progress: &bar,
    };
    let g = report::generate(&pool, &Principal::system(), period, format, &opts)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = report::write(&g, format).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{} written to {} ({} figures, {} bytes)",
        period.label(),
        args.out.display(),
        g.figures.len(),
        bytes.len()
    );
    if !g.checks.missing.is_empty() {
        println!(
            "figures that could not be computed ({}):",
            g.checks.missing.len()
        );
        for (id, label, why) in &g.checks.missing {
            println!("  {id} {label}: {why}");
        }
    }
    if let Some(prev) = &g.checks.previous_run {
        println!(
            "figures changed since the last generation ({prev}): {}",
            g.checks.changed.len()
        );
        for c in &g.checks.changed {
            println!(
                "  {} {}: {:?} → {:?} ({} → {} records)",
                c.id, c.label, c.before, c.after, c.records_before, c.records_after
            );
        }
    }
    Ok(())
}
