//! From the terminal's location report to the platform's [`Position`]: signed coordinates
//! from the hemisphere bits, UTC device time, validity and extra items as flags.

use tongtu_jt808::msg::{Extra, Location, STATUS_FIXED};
use tongtu_track::{flags, Position};

/// Converts one location of `vehicle_id` received at `receive_time_ms` (UTC).
/// `source_flags` adds FROM_BATCH / SUPPLEMENTARY / FROM_QUERY.
pub(crate) fn to_position(
    loc: &Location,
    vehicle_id: u32,
    receive_time_ms: i64,
    source_flags: u16,
) -> Position {
    let mut f = source_flags;
    if loc.status & STATUS_FIXED != 0 {
        f |= flags::GNSS_VALID;
    }
    let device_time_ms = match loc.time {
        Some(t) => tongtu_jt808::device_time_to_utc(t).timestamp_millis(),
        None => {
            f |= flags::NO_DEVICE_TIME;
            receive_time_ms
        }
    };
    // Raw values are at most 180e6 / 90e6 for real fixes; saturate garbage rather than wrap.
    let clamp = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let mut p = Position {
        vehicle_id,
        device_time_ms,
        receive_time_ms,
        lat: clamp(loc.latitude_e6()),
        lon: clamp(loc.longitude_e6()),
        // Altitude is a WORD on the wire; devices below sea level send two's complement.
        altitude: loc.altitude as i16,
        speed: loc.speed,
        direction: loc.direction,
        status: loc.status,
        alarm: loc.alarm,
        ..Position::default()
    };
    for e in &loc.extras {
        match *e {
            Extra::Mileage(v) => {
                p.mileage = v;
                f |= flags::HAS_MILEAGE;
            }
            Extra::Fuel(v) => {
                p.fuel = v;
                f |= flags::HAS_FUEL;
            }
            Extra::RecorderSpeed(v) => {
                p.recorder_speed = v;
                f |= flags::HAS_RECORDER_SPEED;
            }
            Extra::SignalStrength(v) => {
                p.signal = v;
                f |= flags::HAS_SIGNAL;
            }
            Extra::Satellites(v) => {
                p.satellites = v;
                f |= flags::HAS_SATELLITES;
            }
            Extra::VehicleSignal(v) => {
                p.vehicle_signal = v;
                f |= flags::HAS_VEHICLE_SIGNAL;
            }
            _ => {}
        }
    }
    p.flags = f;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongtu_jt808::msg::{STATUS_SOUTH, STATUS_WEST};

    #[test]
    fn hemisphere_bits_sign_coordinates_and_extras_set_flags() {
        let loc = Location {
            status: STATUS_FIXED | STATUS_SOUTH | STATUS_WEST,
            lat: 33_868_820,
            lon: 151_209_290,
            altitude: 0xFFF6, // -10 m
            speed: 523,
            direction: 90,
            time: chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
                .and_then(|d| d.and_hms_opt(8, 0, 0)),
            extras: vec![
                Extra::Mileage(12345),
                Extra::Satellites(9),
                Extra::Fuel(400),
            ],
            ..Location::default()
        };
        let p = to_position(&loc, 7, 1, flags::FROM_BATCH);
        assert_eq!((p.lat, p.lon, p.altitude), (-33_868_820, -151_209_290, -10));
        // 08:00 Beijing = 00:00 UTC.
        assert_eq!(p.device_time_ms, 1_795_564_800_000);
        assert_eq!(
            p.flags,
            flags::FROM_BATCH
                | flags::GNSS_VALID
                | flags::HAS_MILEAGE
                | flags::HAS_SATELLITES
                | flags::HAS_FUEL
        );
        assert_eq!((p.mileage, p.satellites, p.fuel), (12345, 9, 400));
    }

    #[test]
    fn missing_device_time_uses_receive_time_and_is_flagged() {
        let p = to_position(&Location::default(), 1, 42, 0);
        assert_eq!(p.device_time_ms, 42);
        assert_eq!(p.flags, flags::NO_DEVICE_TIME);
    }
}
