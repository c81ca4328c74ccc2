//! The report's period: a half year (H1 = January–June, H2 = July–December) of a year, and
//! the values figure queries are parameterised with.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub year: i32,
    /// 1 or 2.
    pub half: u8,
    /// The year recovery is measured against (the same half of it).
    pub base_year: i32,
}

/// The last year before the epidemic: "recovery" in the bureau's reports means against it.
pub const DEFAULT_BASE_YEAR: i32 = 2019;

impl Period {
    pub fn new(year: i32, half: u8) -> Result<Period, String> {
        if !(2000..=2100).contains(&year) {
            return Err(format!("year: {year} is not a plausible year"));
        }
        if half != 1 && half != 2 {
            return Err(format!("half: must be 1 or 2, got {half}"));
        }
        Ok(Period {
            year,
            half,
            base_year: DEFAULT_BASE_YEAR.min(year - 1),
        })
    }

    /// The same period measuring recovery against another year.
    pub fn with_base_year(self, base_year: i32) -> Result<Period, String> {
        if !(2000..self.year).contains(&base_year) {
            return Err(format!(
                "base_year: must be between 2000 and {}, got {base_year}",
                self.year - 1
            ));
        }
        Ok(Period { base_year, ..self })
    }

    pub fn first_month(&self) -> u32 {
        if self.half == 1 {
            1
        } else {
            7
        }
    }

    pub fn last_month(&self) -> u32 {
        self.first_month() + 5
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn last_day(y: i32, m: u32) -> NaiveDate {
        let next = if m == 12 {
            Self::date(y + 1, 1, 1)
        } else {
            Self::date(y, m + 1, 1)
        };
        next.pred_opt().unwrap_or(next)
    }

    /// The label used in the report: `2026年上半年`.
    pub fn label(&self) -> String {
        format!(
            "{}年{}",
            self.year,
            if self.half == 1 {
                "上半年"
            } else {
                "下半年"
            }
        )
    }

    /// The value of a named query parameter (see [`crate::figures`]).
    pub fn param(&self, name: &str) -> Option<ParamValue> {
        let (y, f, l) = (self.year, self.first_month(), self.last_month());
        let month = |y: i32, m: u32| ParamValue::Text(format!("{y:04}-{m:02}"));
        let day = |d: NaiveDate| ParamValue::Text(d.format("%Y-%m-%d").to_string());
        let ms = |d: NaiveDate| {
            // Beijing midnight of the day, in UTC milliseconds.
            let dt = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            ParamValue::Int(Utc.from_utc_datetime(&dt).timestamp_millis() - 8 * 3_600_000)
        };
        Some(match name {
            "year" => ParamValue::Int(y as i64),
            "from_month" => month(y, f),
            "to_month" => month(y, l),
            "prev_from_month" => month(y - 1, f),
            "prev_to_month" => month(y - 1, l),
            "base_from_month" => month(self.base_year, f),
            "base_to_month" => month(self.base_year, l),
            "year_first_month" => month(y, 1),
            "from_date" => day(Self::date(y, f, 1)),
            "to_date" => day(Self::last_day(y, l)),
            "prev_from_date" => day(Self::date(y - 1, f, 1)),
            "prev_to_date" => day(Self::last_day(y - 1, l)),
            "year_start" => day(Self::date(y, 1, 1)),
            "year_end" => day(Self::date(y, 12, 31)),
            "from_ms" => ms(Self::date(y, f, 1)),
            "to_ms" => ms(Self::last_day(y, l).succ_opt().unwrap_or(NaiveDate::MAX)),
            _ => return None,
        })
    }

    /// The half year a date falls in.
    pub fn of(date: NaiveDate) -> Period {
        let year = date.year();
        Period {
            year,
            half: if date.month() <= 6 { 1 } else { 2 },
            base_year: DEFAULT_BASE_YEAR.min(year - 1),
        }
    }
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Text(String),
}
