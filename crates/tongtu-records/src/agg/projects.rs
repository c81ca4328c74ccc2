//! Key projects: investment completed in a year against the annual plan, cumulative
//! investment, secured funding, funding gap and gap ratio, per project and by kind; approvals
//! and subsidies won in the year.
//!
//! Definitions (amounts in 万元):
//! - completed in the year = Σ monthly completed investment from January to `through`;
//! - % of plan = completed in the year / the year's planned investment (no plan → none);
//! - cumulative = Σ monthly completed investment up to `through`;
//! - secured = Σ secured amounts of the funding sources;
//! - funding gap = max(0, total investment − secured); gap ratio = gap / total investment.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::SqlitePool;
use tongtu_registry::Principal;

use super::{pct, round};
use crate::registers::projects::{PROJECT_KINDS, PROJECT_STATUSES};
use crate::{registers, store, RecordError, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectFigures {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_zh: String,
    pub status: String,
    pub status_zh: String,
    pub total_investment: f64,
    pub plan_year: Option<f64>,
    pub completed_year: f64,
    pub plan_pct: Option<f64>,
    pub cumulative: f64,
    pub secured: f64,
    pub gap: f64,
    pub gap_ratio: Option<f64>,
}

/// Sums over a set of projects (a kind, or all).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub kind: Option<String>,
    pub kind_zh: Option<String>,
    pub projects: u32,
    pub total_investment: f64,
    pub plan_year: f64,
    pub completed_year: f64,
    pub plan_pct: Option<f64>,
    pub cumulative: f64,
    pub secured: f64,
    pub gap: f64,
    pub gap_ratio: Option<f64>,
}

impl Totals {
    fn add(&mut self, p: &ProjectFigures) {
        self.projects += 1;
        self.total_investment += p.total_investment;
        self.plan_year += p.plan_year.unwrap_or(0.0);
        self.completed_year += p.completed_year;
        self.cumulative += p.cumulative;
        self.secured += p.secured;
        self.gap += p.gap;
    }

    fn finish(mut self) -> Self {
        for v in [
            &mut self.total_investment,
            &mut self.plan_year,
            &mut self.completed_year,
            &mut self.cumulative,
            &mut self.secured,
            &mut self.gap,
        ] {
            *v = round(*v, 2);
        }
        self.plan_pct = pct(self.completed_year, self.plan_year).map(|v| round(v, 1));
        self.gap_ratio = pct(self.gap, self.total_investment).map(|v| round(v, 1));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectsSummary {
    pub year: i32,
    /// Last month counted, `YYYY-MM`.
    pub through: String,
    pub projects: Vec<ProjectFigures>,
    pub by_kind: Vec<Totals>,
    pub total: Totals,
    /// Projects with a feasibility approval dated in the year up to `through`.
    pub feasibility_approvals: u32,
    /// Projects with a preliminary or construction design approval dated in the period.
    pub design_approvals: u32,
    /// Subsidies received in the year: (level code, level, amount 万元).
    pub subsidies: Vec<(String, String, f64)>,
    pub subsidies_total: f64,
    /// The registers these figures are computed from.
    pub sources: Vec<&'static str>,
}

/// The summary of `year` through month `through` (`YYYY-MM`, default December).
pub async fn summary(
    db: &SqlitePool,
    p: &Principal,
    year: i32,
    through: Option<&str>,
) -> Result<ProjectsSummary> {
    let reg = registers::get("projects").ok_or_else(|| RecordError::Internal("projects".into()))?;
    store::check_read(p, reg)?;
    let through = match through {
        Some(m) => super::month(m)?,
        None => format!("{year:04}-12"),
    };
    if !through.starts_with(&format!("{year:04}-")) {
        return Err(RecordError::BadRequest(format!(
            "through: {through} is not in {year}"
        )));
    }
    let jan = format!("{year:04}-01");
    let projects: Vec<(i64, String, String, String, String, f64)> = sqlx::query_as(
        "SELECT id, code, name, kind, status, total_investment FROM rec_projects ORDER BY code",
    )
    .fetch_all(db)
    .await?;
    let plans: HashMap<i64, f64> = sqlx::query_as::<_, (i64, f64)>(
        "SELECT project_id, CAST(COALESCE(SUM(planned_investment), 0) AS DOUBLE PRECISION) FROM rec_project_plans WHERE year = $1 GROUP BY project_id",
    )
    .bind(year)
    .fetch_all(db)
    .await?
    .into_iter()
    .collect();
    let done: HashMap<i64, (f64, f64)> = sqlx::query_as::<_, (i64, f64, f64)>(
        "SELECT project_id, \
                CAST(COALESCE(SUM(CASE WHEN month >= $1 THEN completed ELSE 0.0 END), 0) AS DOUBLE PRECISION), \
                CAST(COALESCE(SUM(completed), 0) AS DOUBLE PRECISION) \
         FROM rec_project_investments WHERE month <= $2 GROUP BY project_id",
    )
    .bind(&jan)
    .bind(&through)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|(id, y, c)| (id, (y, c)))
    .collect();
    let secured: HashMap<i64, f64> = sqlx::query_as::<_, (i64, f64)>(
        "SELECT project_id, CAST(COALESCE(SUM(secured), 0) AS DOUBLE PRECISION) FROM rec_project_funding GROUP BY project_id",
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .collect();
    let mut out = Vec::with_capacity(projects.len());
    for (id, code, name, kind, status, total) in projects {
        let plan = plans.get(&id).copied();
        let (year_done, cumulative) = done.get(&id).copied().unwrap_or((0.0, 0.0));
        let sec = secured.get(&id).copied().unwrap_or(0.0);
        let gap = (total - sec).max(0.0);
        out.push(ProjectFigures {
            id,
            code,
            name,
            kind_zh: PROJECT_KINDS
                .find(&kind)
                .map_or(kind.clone(), |c| c.zh.to_string()),
            kind,
            status_zh: PROJECT_STATUSES
                .find(&status)
                .map_or(status.clone(), |c| c.zh.to_string()),
            status,
            total_investment: round(total, 2),
            plan_year: plan.map(|v| round(v, 2)),
            completed_year: round(year_done, 2),
            plan_pct: plan.and_then(|pl| pct(year_done, pl)).map(|v| round(v, 1)),
            cumulative: round(cumulative, 2),
            secured: round(sec, 2),
            gap: round(gap, 2),
            gap_ratio: pct(gap, total).map(|v| round(v, 1)),
        });
    }
    let mut kinds: BTreeMap<usize, Totals> = BTreeMap::new();
    let mut total = Totals::default();
    for p in &out {
        let idx = PROJECT_KINDS
            .codes
            .iter()
            .position(|c| c.code == p.kind)
            .unwrap_or(usize::MAX);
        let t = kinds.entry(idx).or_insert_with(|| Totals {
            kind: Some(p.kind.clone()),
            kind_zh: Some(p.kind_zh.clone()),
            ..Totals::default()
        });
        t.add(p);
        total.add(p);
    }
    let end = format!("{through}-31");
    let approvals: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, COUNT(DISTINCT project_id) FROM rec_project_approvals \
         WHERE approved_on >= $1 AND approved_on <= $2 GROUP BY kind",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(&end)
    .fetch_all(db)
    .await?;
    let count = |k: &[&str]| {
        approvals
            .iter()
            .filter(|(kind, _)| k.contains(&kind.as_str()))
            .map(|(_, n)| *n as u32)
            .sum::<u32>()
    };
    let design_projects: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT project_id) FROM rec_project_approvals \
         WHERE kind IN ('preliminary_design', 'construction_design') AND approved_on >= $1 AND approved_on <= $2",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(&end)
    .fetch_one(db)
    .await?;
    let subsidies: Vec<(String, f64)> = sqlx::query_as(
        "SELECT level, CAST(COALESCE(SUM(amount), 0) AS DOUBLE PRECISION) FROM rec_subsidies WHERE year = $1 GROUP BY level ORDER BY level",
    )
    .bind(year)
    .fetch_all(db)
    .await?;
    let subsidies: Vec<(String, String, f64)> = subsidies
        .into_iter()
        .map(|(l, a)| {
            let zh = crate::registers::projects::SUBSIDY_LEVELS
                .find(&l)
                .map_or(l.clone(), |c| c.zh.to_string());
            (l, zh, round(a, 2))
        })
        .collect();
    let subsidies_total = round(subsidies.iter().map(|s| s.2).sum(), 2);
    Ok(ProjectsSummary {
        year,
        through,
        projects: out,
        by_kind: kinds.into_values().map(Totals::finish).collect(),
        total: total.finish(),
        feasibility_approvals: count(&["feasibility"]),
        design_approvals: design_projects as u32,
        subsidies,
        subsidies_total,
        sources: vec![
            "projects",
            "project_plans",
            "project_investments",
            "project_funding",
            "project_approvals",
            "subsidies",
        ],
    })
}
