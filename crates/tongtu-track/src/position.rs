//! The platform's fix: one position of one vehicle, as stored and as the rules see it.

use serde::{Deserialize, Serialize};

/// Milliseconds in a Beijing day; day boundaries are local (UTC+8) because every bureau
/// figure (vehicle-day, daily mileage, night ban) is counted by the local calendar day.
pub const DAY_MS: i64 = 86_400_000;
/// UTC+8 offset in milliseconds.
pub const BEIJING_OFFSET_MS: i64 = 8 * 3_600_000;

/// Flag bits of [`Position::flags`].
pub mod flags {
    /// The fix is valid (JT/T 808 status bit 1, "positioned").
    pub const GNSS_VALID: u16 = 1 << 0;
    /// Blind-area supplementary data (0x0704 type 1): recorded earlier, uploaded late.
    pub const SUPPLEMENTARY: u16 = 1 << 1;
    /// Came from a 0x0704 batch (normal or supplementary).
    pub const FROM_BATCH: u16 = 1 << 2;
    /// Came from a 0x0201 reply to a platform position query.
    pub const FROM_QUERY: u16 = 1 << 3;
    /// The device sent no usable time (all zeros or invalid BCD); `device_time_ms` is the
    /// receive time then.
    pub const NO_DEVICE_TIME: u16 = 1 << 4;
    /// `mileage` is present (extra item 0x01).
    pub const HAS_MILEAGE: u16 = 1 << 5;
    /// `fuel` is present (extra item 0x02).
    pub const HAS_FUEL: u16 = 1 << 6;
    /// `recorder_speed` is present (extra item 0x03).
    pub const HAS_RECORDER_SPEED: u16 = 1 << 7;
    /// `signal` is present (extra item 0x30).
    pub const HAS_SIGNAL: u16 = 1 << 8;
    /// `satellites` is present (extra item 0x31).
    pub const HAS_SATELLITES: u16 = 1 << 9;
    /// `vehicle_signal` is present (extra item 0x25).
    pub const HAS_VEHICLE_SIGNAL: u16 = 1 << 10;
    /// Mask of every defined bit.
    pub const ALL: u16 = (1 << 11) - 1;
}

/// One stored position. 56 bytes in memory; a few bytes on disk once compacted.
///
/// Coordinates are WGS-84 in 1e-6 degree, signed (south and west negative), exactly as the
/// terminal sent them; conversion to GCJ-02 happens only for drawing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// Registry vehicle id.
    pub vehicle_id: u32,
    /// Device time, UTC milliseconds (from the terminal's UTC+8 BCD time).
    pub device_time_ms: i64,
    /// Platform receive time, UTC milliseconds.
    pub receive_time_ms: i64,
    /// Latitude, 1e-6 degree.
    pub lat: i32,
    /// Longitude, 1e-6 degree.
    pub lon: i32,
    /// Altitude, metres.
    pub altitude: i16,
    /// GNSS speed, 0.1 km/h.
    pub speed: u16,
    /// Heading 0–359, 0 = north.
    pub direction: u16,
    /// JT/T 808 status bits.
    pub status: u32,
    /// JT/T 808 alarm bits.
    pub alarm: u32,
    /// Odometer, 0.1 km (valid when [`flags::HAS_MILEAGE`]).
    pub mileage: u32,
    /// Fuel, 0.1 L (valid when [`flags::HAS_FUEL`]).
    pub fuel: u16,
    /// Driving-recorder speed, 0.1 km/h (valid when [`flags::HAS_RECORDER_SPEED`]).
    pub recorder_speed: u16,
    /// Extended vehicle signal bits, extra item 0x25 (valid when [`flags::HAS_VEHICLE_SIGNAL`]).
    pub vehicle_signal: u32,
    /// Wireless signal strength 0–31 (valid when [`flags::HAS_SIGNAL`]).
    pub signal: u8,
    /// GNSS satellites in view (valid when [`flags::HAS_SATELLITES`]).
    pub satellites: u8,
    /// See [`flags`].
    pub flags: u16,
}

impl Position {
    /// Local (Beijing) day number of the device time: days since 1970-01-01 in UTC+8.
    pub fn day(&self) -> i32 {
        day_of(self.device_time_ms)
    }

    /// Whether the fix is valid.
    pub fn gnss_valid(&self) -> bool {
        self.flags & flags::GNSS_VALID != 0
    }

    /// Whether this is blind-area supplementary data.
    pub fn supplementary(&self) -> bool {
        self.flags & flags::SUPPLEMENTARY != 0
    }

    /// Latitude in degrees.
    pub fn lat_deg(&self) -> f64 {
        f64::from(self.lat) / 1e6
    }

    /// Longitude in degrees.
    pub fn lon_deg(&self) -> f64 {
        f64::from(self.lon) / 1e6
    }

    /// Speed in km/h.
    pub fn speed_kmh(&self) -> f64 {
        f64::from(self.speed) / 10.0
    }

    /// Odometer in km, when the terminal reports it.
    pub fn mileage_km(&self) -> Option<f64> {
        (self.flags & flags::HAS_MILEAGE != 0).then(|| f64::from(self.mileage) / 10.0)
    }
}

/// Beijing day number (days since 1970-01-01, UTC+8) of a UTC millisecond instant.
pub fn day_of(utc_ms: i64) -> i32 {
    // Saturating: a garbage device time far outside i32 days still maps to a day.
    let d = utc_ms.saturating_add(BEIJING_OFFSET_MS).div_euclid(DAY_MS);
    d.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// UTC millisecond at which a Beijing day starts.
pub fn day_start_ms(day: i32) -> i64 {
    i64::from(day) * DAY_MS - BEIJING_OFFSET_MS
}

/// The Beijing calendar date of a day number.
pub fn day_date(day: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(i64::from(day))))
        .unwrap_or(chrono::NaiveDate::MIN)
}

/// Day number of a Beijing calendar date.
pub fn date_day(date: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(chrono::NaiveDate::MIN);
    (date - epoch).num_days() as i32
}

/// Great-circle distance in metres between two fixes (haversine, mean Earth radius).
pub fn distance_m(a: &Position, b: &Position) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, lo1) = (a.lat_deg().to_radians(), a.lon_deg().to_radians());
    let (la2, lo2) = (b.lat_deg().to_radians(), b.lon_deg().to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_days() {
        // 2026-11-25 00:00 Beijing = 2026-11-24 16:00 UTC.
        let day = date_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        let start = day_start_ms(day);
        assert_eq!(day_of(start), day);
        assert_eq!(day_of(start - 1), day - 1);
        // Open-ended ranges (0..i64::MAX) must not overflow.
        assert!(day_of(i64::MAX) > day && day_of(i64::MIN) < day);
        assert_eq!(day_date(day).to_string(), "2026-11-25");
        assert_eq!(
            chrono::DateTime::from_timestamp_millis(start)
                .unwrap()
                .to_rfc3339(),
            "2026-11-24T16:00:00+00:00"
        );
    }

    #[test]
    fn distance_one_millidegree_of_latitude() {
        let a = Position {
            lat: 21_800_000,
            lon: 111_900_000,
            ..Default::default()
        };
        let b = Position {
            lat: 21_801_000,
            ..a
        };
        let d = distance_m(&a, &b);
        assert!((d - 111.19).abs() < 0.1, "{d}");
    }
}
