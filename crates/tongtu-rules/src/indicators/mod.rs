//! The national assessment indicators (联网联控考核指标), computed from positions alone:
//! no sockets, no HTTP, no SQL. The platform caches one [`VehicleDay`] per vehicle and
//! Beijing day, then [`aggregate`]s any period for any grouping with the alarm figures it
//! keeps. Definitions and choices: the crate README, section "Assessment indicators".
//!
//! ```
//! use std::collections::HashMap;
//! use tongtu_rules::indicators::*;
//!
//! let cfg = IndicatorConfig::default();
//! let day = VehicleDay::compute(&cfg, 1, 20_600, &[], None)?;
//! let register = [RegisteredVehicle {
//!     vehicle_id: 1,
//!     enterprise_id: 9,
//!     region: "441702".into(),
//!     class: "coach".into(),
//!     registered_day: None,
//!     active: true,
//! }];
//! let input = AggregateInput {
//!     register: &register,
//!     days: &[day],
//!     alarms: &HashMap::new(),
//!     first_qualified_day: &HashMap::new(),
//!     check_responses: &HashMap::new(),
//!     reference: None,
//! };
//! let report = aggregate(&cfg, &input, Period::new(20_600, 20_600)?, Grouping::City)?;
//! assert_eq!(report.groups[0].access_rate.to_string(), "0 / 1 (0.00 %)");
//! assert_eq!(report.groups[0].online_rate.value, None); // 0 / 0: undefined
//! # Ok::<(), IndicatorError>(())
//! ```

mod aggregate;
pub mod bench;
mod config;
mod day;

pub use aggregate::{
    aggregate, band_points, drift_points, rank, AggregateInput, AlarmFigures, CheckResponses,
    GroupIndicators, GroupKey, Grouping, Ignored, Indicator, Period, RankRow, Ratio, Reference,
    RegisteredVehicle, Report, Score, ScorePart, TargetCheck,
};
pub use config::{IndicatorConfig, RecordRanges, ScoreFloors, Targets, Weights};
pub use day::{
    compute_days, drill_down, summarize_span, Capped, Carry, DriftFix, DrillDown, Fix,
    IncompleteSegment, Tally, Unqualified, UnqualifiedCounts, UnqualifiedRecord, VehicleDay,
};

/// What can go wrong computing indicators.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    /// A configuration field is out of range.
    #[error("indicator config: {field}: expected {expected}, found {found}")]
    Config {
        /// Dotted path of the field.
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A period ending before it starts.
    #[error("period: last day {last_day} is before first day {first_day}")]
    Period {
        /// First day.
        first_day: i32,
        /// Last day.
        last_day: i32,
    },
    /// A position of another vehicle or day in a day's input.
    #[error(
        "positions of vehicle {vehicle_id} day {day}: found one of vehicle {found_vehicle} \
         day {found_day} (device time {device_time_ms} ms)"
    )]
    ForeignPosition {
        /// The vehicle computed.
        vehicle_id: u32,
        /// The day computed.
        day: i32,
        /// The position's vehicle.
        found_vehicle: u32,
        /// The position's Beijing day.
        found_day: i32,
        /// Its device time.
        device_time_ms: i64,
    },
    /// A carry from the day computed or a later one.
    #[error("carry of day {carry_day} given to day {day}: it must come from an earlier day")]
    CarryNotBefore {
        /// The day computed.
        day: i32,
        /// The carry's last day.
        carry_day: i32,
    },
    /// A vehicle listed twice on the register.
    #[error("register: vehicle {0} is listed twice")]
    DuplicateVehicle(u32),
    /// A vehicle-day given twice.
    #[error("days: vehicle {vehicle_id} day {day} is given twice")]
    DuplicateDay {
        /// The vehicle.
        vehicle_id: u32,
        /// The day.
        day: i32,
    },
}
