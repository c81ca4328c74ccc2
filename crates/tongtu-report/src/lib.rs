//! Tongtu report: the half-year work report (上半年工作总结及下半年工作计划) generated from
//! the data. Figures are defined once ([`figures`]) with the query that computes them and the
//! records behind them; a template (minijinja) turns them into a [`doc::Document`], which is
//! written as DOCX in the official-document layout ([`docx`]), HTML with every figure linked
//! to its sources ([`html`]), or PDF.

pub mod charts;
pub mod doc;
pub mod docx;
pub mod figures;
pub mod html;
pub mod links;
pub mod lists;
pub mod period;
pub mod report;
pub mod template;
