//! 0x0200 location report: the 28-byte basic block (alarm, status, raw 1e-6 degree
//! coordinates, altitude, speed, direction, BCD time) and the typed extra items after it.
//! The same block is reused by 0x0201, 0x0500, 0x0704 and 0x0801.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::text::{device_time_to_utc, time_to_bcd};

/// Status bit 1: position fixed.
pub const STATUS_FIXED: u32 = 1 << 1;
/// Status bit 2: southern latitude.
pub const STATUS_SOUTH: u32 = 1 << 2;
/// Status bit 3: western longitude.
pub const STATUS_WEST: u32 = 1 << 3;
/// Status bit 0: ACC (ignition) on.
pub const STATUS_ACC_ON: u32 = 1;

/// A position as reported by a terminal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Alarm flag bits.
    pub alarm: u32,
    /// Status bits.
    pub status: u32,
    /// Latitude, unsigned, in 1e-6 degree; the hemisphere is status bit 2.
    pub lat: u32,
    /// Longitude, unsigned, in 1e-6 degree; the hemisphere is status bit 3.
    pub lon: u32,
    /// Altitude in metres.
    pub altitude: u16,
    /// Speed in 0.1 km/h.
    pub speed: u16,
    /// Heading 0-359, 0 = north, clockwise.
    pub direction: u16,
    /// Device local time (UTC+8); `None` when the device sent all zeros (no fix yet).
    pub time: Option<NaiveDateTime>,
    /// Extra items, in wire order.
    pub extras: Vec<Extra>,
    /// Bytes after the last well-formed extra item whose declared length overran the
    /// body, as some devices send; empty normally.
    pub malformed_tail: Vec<u8>,
}

/// One extra item of a location report.
///
/// Typed variants are used only when the item has its standard length; anything else
/// (other ids, vendor items such as ADAS/DSM 0x64/0x65, or odd lengths) stays [`Extra::Raw`],
/// so every item re-encodes to the bytes it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Extra {
    /// 0x01 odometer, 0.1 km.
    Mileage(u32),
    /// 0x02 fuel, 0.1 L.
    Fuel(u16),
    /// 0x03 speed from the driving recorder, 0.1 km/h.
    RecorderSpeed(u16),
    /// 0x04 id of an alarm event that needs manual confirmation.
    AlarmEventId(u16),
    /// 0x05 tyre pressures, 30 bytes.
    TirePressure([u8; 30]),
    /// 0x06 carriage temperature, sign-magnitude (see [`Extra::carriage_celsius`]).
    CarriageTemperature(u16),
    /// 0x11 overspeed alarm detail: location type, and the area/route id unless the
    /// type is 0 (1-byte form).
    Overspeed {
        /// 0 none, 1 circle, 2 rectangle, 3 polygon, 4 route.
        location_type: u8,
        /// Area or route id (absent in the 1-byte form).
        area_id: Option<u32>,
    },
    /// 0x12 area/route entry or exit.
    AreaInOut {
        /// 1 circle, 2 rectangle, 3 polygon, 4 route.
        location_type: u8,
        /// Area or route id.
        area_id: u32,
        /// 0 in, 1 out.
        direction: u8,
    },
    /// 0x13 route segment driving time too short/long.
    RouteTime {
        /// Segment id.
        segment_id: u32,
        /// Driving time in seconds.
        drive_time: u16,
        /// 0 too short, 1 too long.
        result: u8,
    },
    /// 0x25 extended vehicle signal bits.
    VehicleSignal(u32),
    /// 0x2A IO status bits.
    IoStatus(u16),
    /// 0x2B analog values (AD0 low 16 bits, AD1 high 16 bits).
    Analog(u32),
    /// 0x30 wireless signal strength.
    SignalStrength(u8),
    /// 0x31 GNSS satellites in use.
    Satellites(u8),
    /// Any other item, kept as sent.
    Raw {
        /// Item id.
        id: u8,
        /// Item value.
        data: Vec<u8>,
    },
}

impl Extra {
    /// The item id.
    pub fn id(&self) -> u8 {
        match self {
            Extra::Mileage(_) => 0x01,
            Extra::Fuel(_) => 0x02,
            Extra::RecorderSpeed(_) => 0x03,
            Extra::AlarmEventId(_) => 0x04,
            Extra::TirePressure(_) => 0x05,
            Extra::CarriageTemperature(_) => 0x06,
            Extra::Overspeed { .. } => 0x11,
            Extra::AreaInOut { .. } => 0x12,
            Extra::RouteTime { .. } => 0x13,
            Extra::VehicleSignal(_) => 0x25,
            Extra::IoStatus(_) => 0x2A,
            Extra::Analog(_) => 0x2B,
            Extra::SignalStrength(_) => 0x30,
            Extra::Satellites(_) => 0x31,
            Extra::Raw { id, .. } => *id,
        }
    }

    /// Carriage temperature in °C for 0x06 (top bit is the sign).
    pub fn carriage_celsius(&self) -> Option<i32> {
        match *self {
            Extra::CarriageTemperature(v) => {
                let m = i32::from(v & 0x7FFF);
                Some(if v & 0x8000 != 0 { -m } else { m })
            }
            _ => None,
        }
    }

    /// The item value as it goes on the wire (without id and length).
    pub fn value_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8);
        match self {
            Extra::Raw { data, .. } => out.extend_from_slice(data),
            other => {
                // Typed items are never longer than 30 bytes, so encoding cannot fail.
                if other.encode(&mut out).is_ok() {
                    out.drain(..2);
                }
            }
        }
        out
    }

    #[inline]
    fn decode(id: u8, v: &[u8]) -> Extra {
        #[inline]
        fn be16(v: &[u8]) -> u16 {
            u16::from_be_bytes([v[0], v[1]])
        }
        #[inline]
        fn be32(v: &[u8]) -> u32 {
            u32::from_be_bytes([v[0], v[1], v[2], v[3]])
        }
        match (id, v.len()) {
            (0x01, 4) => Extra::Mileage(be32(v)),
            (0x02, 2) => Extra::Fuel(be16(v)),
            (0x03, 2) => Extra::RecorderSpeed(be16(v)),
            (0x04, 2) => Extra::AlarmEventId(be16(v)),
            (0x05, 30) => {
                let mut a = [0u8; 30];
                a.copy_from_slice(v);
                Extra::TirePressure(a)
            }
            (0x06, 2) => Extra::CarriageTemperature(be16(v)),
            (0x11, 1) => Extra::Overspeed {
                location_type: v[0],
                area_id: None,
            },
            (0x11, 5) => Extra::Overspeed {
                location_type: v[0],
                area_id: Some(be32(&v[1..])),
            },
            (0x12, 6) => Extra::AreaInOut {
                location_type: v[0],
                area_id: be32(&v[1..]),
                direction: v[5],
            },
            (0x13, 7) => Extra::RouteTime {
                segment_id: be32(v),
                drive_time: be16(&v[4..]),
                result: v[6],
            },
            (0x25, 4) => Extra::VehicleSignal(be32(v)),
            (0x2A, 2) => Extra::IoStatus(be16(v)),
            (0x2B, 4) => Extra::Analog(be32(v)),
            (0x30, 1) => Extra::SignalStrength(v[0]),
            (0x31, 1) => Extra::Satellites(v[0]),
            _ => Extra::Raw {
                id,
                data: v.to_vec(),
            },
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(self.id());
        match self {
            Extra::Mileage(x) | Extra::VehicleSignal(x) | Extra::Analog(x) => {
                out.push(4);
                out.put_u32(*x);
            }
            Extra::Fuel(x)
            | Extra::RecorderSpeed(x)
            | Extra::AlarmEventId(x)
            | Extra::CarriageTemperature(x)
            | Extra::IoStatus(x) => {
                out.push(2);
                out.put_u16(*x);
            }
            Extra::TirePressure(a) => {
                out.push(30);
                out.extend_from_slice(a);
            }
            Extra::Overspeed {
                location_type,
                area_id,
            } => match area_id {
                Some(id) => {
                    out.push(5);
                    out.push(*location_type);
                    out.put_u32(*id);
                }
                None => {
                    out.push(1);
                    out.push(*location_type);
                }
            },
            Extra::AreaInOut {
                location_type,
                area_id,
                direction,
            } => {
                out.push(6);
                out.push(*location_type);
                out.put_u32(*area_id);
                out.push(*direction);
            }
            Extra::RouteTime {
                segment_id,
                drive_time,
                result,
            } => {
                out.push(7);
                out.put_u32(*segment_id);
                out.put_u16(*drive_time);
                out.push(*result);
            }
            Extra::SignalStrength(x) | Extra::Satellites(x) => {
                out.push(1);
                out.push(*x);
            }
            Extra::Raw { data, .. } => {
                let n = crate::cursor::count::<u8>(data.len(), "extra item")?;
                out.push(n);
                out.extend_from_slice(data);
            }
        }
        Ok(())
    }
}

/// Length of the basic block.
pub(crate) const BASIC_LEN: usize = 28;

impl Location {
    /// Signed latitude in 1e-6 degree (negative in the southern hemisphere).
    pub fn latitude_e6(&self) -> i64 {
        let v = i64::from(self.lat);
        if self.status & STATUS_SOUTH != 0 {
            -v
        } else {
            v
        }
    }

    /// Signed longitude in 1e-6 degree (negative in the western hemisphere).
    pub fn longitude_e6(&self) -> i64 {
        let v = i64::from(self.lon);
        if self.status & STATUS_WEST != 0 {
            -v
        } else {
            v
        }
    }

    /// Latitude in degrees, signed by status bit 2.
    pub fn latitude(&self) -> f64 {
        self.latitude_e6() as f64 / 1e6
    }

    /// Longitude in degrees, signed by status bit 3.
    pub fn longitude(&self) -> f64 {
        self.longitude_e6() as f64 / 1e6
    }

    /// Speed in km/h.
    pub fn speed_kmh(&self) -> f64 {
        f64::from(self.speed) / 10.0
    }

    /// True when status bit 1 (position fixed) is set.
    pub fn is_fixed(&self) -> bool {
        self.status & STATUS_FIXED != 0
    }

    /// True when status bit 0 (ACC on) is set.
    pub fn acc_on(&self) -> bool {
        self.status & STATUS_ACC_ON != 0
    }

    /// The device time converted to UTC.
    pub fn time_utc(&self) -> Option<DateTime<Utc>> {
        self.time.map(device_time_to_utc)
    }

    /// Odometer from extra 0x01, in km.
    pub fn mileage_km(&self) -> Option<f64> {
        self.extras.iter().find_map(|e| match e {
            Extra::Mileage(v) => Some(f64::from(*v) / 10.0),
            _ => None,
        })
    }

    /// Fuel from extra 0x02, in litres.
    pub fn fuel_litres(&self) -> Option<f64> {
        self.extras.iter().find_map(|e| match e {
            Extra::Fuel(v) => Some(f64::from(*v) / 10.0),
            _ => None,
        })
    }

    /// The first extra with id `id`.
    pub fn extra(&self, id: u8) -> Option<&Extra> {
        self.extras.iter().find(|e| e.id() == id)
    }

    /// Decodes the basic block only (28 bytes).
    pub(crate) fn decode_basic(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let off = r.offset();
        let b: &[u8; BASIC_LEN] = r.array_ref::<BASIC_LEN>("location")?;
        let w = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let h = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let (_, t) = b.split_last_chunk::<6>().ok_or(DecodeError::Truncated {
            what: "location time",
            offset: off + 22,
            needed: 6,
            available: 0,
        })?;
        Ok(Location {
            alarm: w(0),
            status: w(4),
            lat: w(8),
            lon: w(12),
            altitude: h(16),
            speed: h(18),
            direction: h(20),
            time: crate::text::bcd_to_time(t, "location time", off + 22)?,
            extras: Vec::new(),
            malformed_tail: Vec::new(),
        })
    }

    /// Decodes the basic block and every extra item up to the end of the reader.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut loc = Self::decode_basic(r)?;
        let rest = r.rest();
        // First pass: count the well-formed items, so the list is allocated once.
        let mut n = 0;
        let mut p = 0;
        while let Some(&len) = rest.get(p + 1) {
            let next = p + 2 + len as usize;
            if next > rest.len() {
                break;
            }
            n += 1;
            p = next;
        }
        let end = p;
        loc.extras.reserve_exact(n);
        let mut p = 0;
        while p < end {
            let len = rest[p + 1] as usize;
            loc.extras
                .push(Extra::decode(rest[p], &rest[p + 2..p + 2 + len]));
            p += 2 + len;
        }
        if end < rest.len() {
            loc.malformed_tail = rest[end..].to_vec();
        }
        Ok(loc)
    }

    /// Appends the basic block.
    pub(crate) fn encode_basic(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let t = match &self.time {
            Some(t) => time_to_bcd(t, "location time")?,
            None => [0; 6],
        };
        let mut b = [0u8; BASIC_LEN];
        b[0..4].copy_from_slice(&self.alarm.to_be_bytes());
        b[4..8].copy_from_slice(&self.status.to_be_bytes());
        b[8..12].copy_from_slice(&self.lat.to_be_bytes());
        b[12..16].copy_from_slice(&self.lon.to_be_bytes());
        b[16..18].copy_from_slice(&self.altitude.to_be_bytes());
        b[18..20].copy_from_slice(&self.speed.to_be_bytes());
        b[20..22].copy_from_slice(&self.direction.to_be_bytes());
        b[22..28].copy_from_slice(&t);
        out.extend_from_slice(&b);
        Ok(())
    }

    /// Appends the basic block, the extras and the malformed tail.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_basic(out)?;
        for e in &self.extras {
            e.encode(out)?;
        }
        out.extend_from_slice(&self.malformed_tail);
        Ok(())
    }
}
