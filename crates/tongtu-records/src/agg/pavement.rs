//! Pavement condition: 优良路率 (share of surveyed length graded 优 or 良) per road class
//! (县道, 乡道, 村道) and county, for a survey year.
//!
//! 优良路率 = Σ length of sections graded excellent or good / Σ surveyed length, in %.
//! A class or county without surveys has no rate (`None`), never 0 %.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::SqlitePool;
use tongtu_registry::Principal;

use super::{pct, round};
use crate::registers::roads::ROAD_CLASSES;
use crate::{registers, store, RecordError, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GoodRate {
    pub class: Option<String>,
    pub class_zh: Option<String>,
    pub county_id: Option<i64>,
    pub county: Option<String>,
    pub sections: u32,
    pub surveyed_km: f64,
    pub good_km: f64,
    /// 优良路率, %.
    pub rate: Option<f64>,
}

impl GoodRate {
    fn add(&mut self, km: f64, good: bool) {
        self.sections += 1;
        self.surveyed_km += km;
        if good {
            self.good_km += km;
        }
    }

    fn finish(mut self) -> Self {
        self.surveyed_km = round(self.surveyed_km, 2);
        self.good_km = round(self.good_km, 2);
        self.rate = pct(self.good_km, self.surveyed_km).map(|v| round(v, 1));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PavementSummary {
    pub year: i32,
    pub by_class: Vec<GoodRate>,
    pub by_county_class: Vec<GoodRate>,
    pub total: GoodRate,
    pub sources: Vec<&'static str>,
}

pub async fn good_rate(db: &SqlitePool, p: &Principal, year: i32) -> Result<PavementSummary> {
    let reg = registers::get("pavement_surveys")
        .ok_or_else(|| RecordError::Internal("pavement_surveys".into()))?;
    store::check_read(p, reg)?;
    let rows: Vec<(String, i64, Option<String>, f64, String)> = sqlx::query_as(
        "SELECT s.road_class, s.county_id, r.name, s.length_km, s.grade \
         FROM rec_pavement_surveys s LEFT JOIN regions r ON r.id = s.county_id WHERE s.year = $1",
    )
    .bind(year)
    .fetch_all(db)
    .await?;
    let class_idx = |c: &str| {
        ROAD_CLASSES
            .codes
            .iter()
            .position(|x| x.code == c)
            .unwrap_or(usize::MAX)
    };
    let class_zh = |c: &str| {
        ROAD_CLASSES
            .find(c)
            .map_or(c.to_string(), |x| x.zh.to_string())
    };
    let mut by_class: BTreeMap<usize, GoodRate> = BTreeMap::new();
    let mut by_cc: BTreeMap<(i64, usize), GoodRate> = BTreeMap::new();
    let mut total = GoodRate::default();
    for (class, county_id, county, km, grade) in rows {
        let good = grade == "excellent" || grade == "good";
        let ci = class_idx(&class);
        by_class
            .entry(ci)
            .or_insert_with(|| GoodRate {
                class: Some(class.clone()),
                class_zh: Some(class_zh(&class)),
                ..GoodRate::default()
            })
            .add(km, good);
        by_cc
            .entry((county_id, ci))
            .or_insert_with(|| GoodRate {
                class: Some(class.clone()),
                class_zh: Some(class_zh(&class)),
                county_id: Some(county_id),
                county: county.clone(),
                ..GoodRate::default()
            })
            .add(km, good);
        total.add(km, good);
    }
    Ok(PavementSummary {
        year,
        by_class: by_class.into_values().map(GoodRate::finish).collect(),
        by_county_class: by_cc.into_values().map(GoodRate::finish).collect(),
        total: total.finish(),
        sources: vec!["pavement_surveys"],
    })
}
