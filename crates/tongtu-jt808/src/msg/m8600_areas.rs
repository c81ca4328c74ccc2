//! Areas and routes: 0x8600/0x8601 circles, 0x8602/0x8603 rectangles, 0x8604/0x8605
//! polygons, 0x8606/0x8607 routes (set and delete). Optional fields follow the attribute
//! bits (bit 0 time window, bit 1 speed limit); 2019 adds a night speed limit and a name.

use crate::cursor::{count, Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;
use crate::text::BcdTime;

const BIT_WINDOW: u16 = 1 << 0;
const BIT_SPEED: u16 = 1 << 1;

/// Active time window of an area or route (attribute bit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimeWindow {
    /// Start (a `00` year repeats daily).
    pub start: BcdTime,
    /// End.
    pub end: BcdTime,
}

/// Speed limit of an area or route segment (attribute bit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SpeedLimit {
    /// Maximum speed, km/h.
    pub max_speed: u16,
    /// Seconds over the limit before an alarm.
    pub duration: u8,
    /// 2019 night maximum speed, km/h (`None` before 2019; encoded as 0 when missing in 2019).
    pub night_max_speed: Option<u16>,
}

fn decode_window(r: &mut Reader<'_>, attr: u16) -> Result<Option<TimeWindow>, DecodeError> {
    if attr & BIT_WINDOW == 0 {
        return Ok(None);
    }
    Ok(Some(TimeWindow {
        start: BcdTime::decode(r, "start time")?,
        end: BcdTime::decode(r, "end time")?,
    }))
}

fn decode_speed(
    r: &mut Reader<'_>,
    on: bool,
    v: ProtocolVersion,
) -> Result<Option<SpeedLimit>, DecodeError> {
    if !on {
        return Ok(None);
    }
    Ok(Some(SpeedLimit {
        max_speed: r.u16("maximum speed")?,
        duration: r.u8("overspeed duration")?,
        night_max_speed: if v.is_2019() {
            Some(r.u16("night maximum speed")?)
        } else {
            None
        },
    }))
}

fn encode_window(w: &Option<TimeWindow>, out: &mut Vec<u8>) {
    if let Some(w) = w {
        out.extend_from_slice(&w.start.0);
        out.extend_from_slice(&w.end.0);
    }
}

fn encode_speed(s: &Option<SpeedLimit>, v: ProtocolVersion, out: &mut Vec<u8>) {
    if let Some(s) = s {
        out.put_u16(s.max_speed);
        out.put_u8(s.duration);
        if v.is_2019() {
            out.put_u16(s.night_max_speed.unwrap_or(0));
        }
    }
}

/// Attribute word with bits 0 and 1 following the optional fields.
fn attr_bits(attr: u16, w: &Option<TimeWindow>, s: &Option<SpeedLimit>) -> u16 {
    let mut a = attr & !(BIT_WINDOW | BIT_SPEED);
    if w.is_some() {
        a |= BIT_WINDOW;
    }
    if s.is_some() {
        a |= BIT_SPEED;
    }
    a
}

fn decode_name(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<String, DecodeError> {
    if v.is_2019() {
        r.gbk_u16("area name")
    } else {
        Ok(String::new())
    }
}

fn encode_name(name: &str, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if v.is_2019() {
        out.put_gbk_u16(name, "area name")?;
    }
    Ok(())
}

/// A circular area.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CircleArea {
    /// Area id.
    pub id: u32,
    /// Attribute bits (bits 0 and 1 are set from `window` and `speed_limit` on encode).
    pub attributes: u16,
    /// Centre latitude, 1e-6 degree.
    pub center_lat: u32,
    /// Centre longitude, 1e-6 degree.
    pub center_lon: u32,
    /// Radius, m.
    pub radius: u32,
    /// Time window.
    pub window: Option<TimeWindow>,
    /// Speed limit.
    pub speed_limit: Option<SpeedLimit>,
    /// Name (2019 only).
    pub name: String,
}

/// A rectangular area.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RectangleArea {
    /// Area id.
    pub id: u32,
    /// Attribute bits (bits 0 and 1 are set from `window` and `speed_limit` on encode).
    pub attributes: u16,
    /// Top-left latitude, 1e-6 degree.
    pub top_lat: u32,
    /// Top-left longitude, 1e-6 degree.
    pub left_lon: u32,
    /// Bottom-right latitude, 1e-6 degree.
    pub bottom_lat: u32,
    /// Bottom-right longitude, 1e-6 degree.
    pub right_lon: u32,
    /// Time window.
    pub window: Option<TimeWindow>,
    /// Speed limit.
    pub speed_limit: Option<SpeedLimit>,
    /// Name (2019 only).
    pub name: String,
}

/// Body of 0x8600.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SetCircleAreas {
    /// 0 replace all, 1 append, 2 modify.
    pub action: u8,
    /// Areas.
    pub areas: Vec<CircleArea>,
}

/// Body of 0x8602.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SetRectangleAreas {
    /// 0 replace all, 1 append, 2 modify.
    pub action: u8,
    /// Areas.
    pub areas: Vec<RectangleArea>,
}

/// Body of 0x8604 (one polygon per message).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PolygonArea {
    /// Area id.
    pub id: u32,
    /// Attribute bits (bits 0 and 1 are set from `window` and `speed_limit` on encode).
    pub attributes: u16,
    /// Time window.
    pub window: Option<TimeWindow>,
    /// Speed limit.
    pub speed_limit: Option<SpeedLimit>,
    /// Vertices as (latitude, longitude), 1e-6 degree.
    pub vertices: Vec<(u32, u32)>,
    /// Name (2019 only).
    pub name: String,
}

/// Body of 0x8606.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Route {
    /// Route id.
    pub id: u32,
    /// Attribute bits (bit 0 is set from `window` on encode).
    pub attributes: u16,
    /// Time window.
    pub window: Option<TimeWindow>,
    /// Inflection points.
    pub points: Vec<RoutePoint>,
    /// Name (2019 only).
    pub name: String,
}

/// One inflection point of a route, starting a segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RoutePoint {
    /// Inflection point id.
    pub point_id: u32,
    /// Segment id.
    pub segment_id: u32,
    /// Latitude, 1e-6 degree.
    pub lat: u32,
    /// Longitude, 1e-6 degree.
    pub lon: u32,
    /// Segment width, m.
    pub width: u8,
    /// Segment attribute bits (bits 0 and 1 are set from the options on encode).
    pub attributes: u8,
    /// Driving time limits (too long, too short), s (attribute bit 0).
    pub drive_time: Option<(u16, u16)>,
    /// Speed limit (attribute bit 1).
    pub speed_limit: Option<SpeedLimit>,
}

/// Body of 0x8601, 0x8603, 0x8605 and 0x8607.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DeleteAreas {
    /// Ids to delete; empty deletes all.
    pub ids: Vec<u32>,
}

impl SetCircleAreas {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let action = r.u8("set action")?;
        let n = r.u8("area count")? as usize;
        r.check_count(n, 18, "circle areas")?;
        let mut areas = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.u32("area id")?;
            let attributes = r.u16("area attributes")?;
            let center_lat = r.u32("centre latitude")?;
            let center_lon = r.u32("centre longitude")?;
            let radius = r.u32("radius")?;
            let window = decode_window(r, attributes)?;
            let speed_limit = decode_speed(r, attributes & BIT_SPEED != 0, v)?;
            let name = decode_name(r, v)?;
            areas.push(CircleArea {
                id,
                attributes,
                center_lat,
                center_lon,
                radius,
                window,
                speed_limit,
                name,
            });
        }
        Ok(SetCircleAreas { action, areas })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(self.action);
        out.put_u8(count(self.areas.len(), "circle areas")?);
        for a in &self.areas {
            out.put_u32(a.id);
            out.put_u16(attr_bits(a.attributes, &a.window, &a.speed_limit));
            out.put_u32(a.center_lat);
            out.put_u32(a.center_lon);
            out.put_u32(a.radius);
            encode_window(&a.window, out);
            encode_speed(&a.speed_limit, v, out);
            encode_name(&a.name, v, out)?;
        }
        Ok(())
    }
}

impl SetRectangleAreas {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let action = r.u8("set action")?;
        let n = r.u8("area count")? as usize;
        r.check_count(n, 22, "rectangle areas")?;
        let mut areas = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.u32("area id")?;
            let attributes = r.u16("area attributes")?;
            let top_lat = r.u32("top latitude")?;
            let left_lon = r.u32("left longitude")?;
            let bottom_lat = r.u32("bottom latitude")?;
            let right_lon = r.u32("right longitude")?;
            let window = decode_window(r, attributes)?;
            let speed_limit = decode_speed(r, attributes & BIT_SPEED != 0, v)?;
            let name = decode_name(r, v)?;
            areas.push(RectangleArea {
                id,
                attributes,
                top_lat,
                left_lon,
                bottom_lat,
                right_lon,
                window,
                speed_limit,
                name,
            });
        }
        Ok(SetRectangleAreas { action, areas })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(self.action);
        out.put_u8(count(self.areas.len(), "rectangle areas")?);
        for a in &self.areas {
            out.put_u32(a.id);
            out.put_u16(attr_bits(a.attributes, &a.window, &a.speed_limit));
            out.put_u32(a.top_lat);
            out.put_u32(a.left_lon);
            out.put_u32(a.bottom_lat);
            out.put_u32(a.right_lon);
            encode_window(&a.window, out);
            encode_speed(&a.speed_limit, v, out);
            encode_name(&a.name, v, out)?;
        }
        Ok(())
    }
}

impl PolygonArea {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let id = r.u32("area id")?;
        let attributes = r.u16("area attributes")?;
        let window = decode_window(r, attributes)?;
        let speed_limit = decode_speed(r, attributes & BIT_SPEED != 0, v)?;
        let n = r.u16("vertex count")? as usize;
        r.check_count(n, 8, "vertices")?;
        let mut vertices = Vec::with_capacity(n);
        for _ in 0..n {
            vertices.push((r.u32("vertex latitude")?, r.u32("vertex longitude")?));
        }
        let name = decode_name(r, v)?;
        Ok(PolygonArea {
            id,
            attributes,
            window,
            speed_limit,
            vertices,
            name,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u32(self.id);
        out.put_u16(attr_bits(self.attributes, &self.window, &self.speed_limit));
        encode_window(&self.window, out);
        encode_speed(&self.speed_limit, v, out);
        out.put_u16(count(self.vertices.len(), "vertices")?);
        for (lat, lon) in &self.vertices {
            out.put_u32(*lat);
            out.put_u32(*lon);
        }
        encode_name(&self.name, v, out)
    }
}

impl Route {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let id = r.u32("route id")?;
        let attributes = r.u16("route attributes")?;
        let window = decode_window(r, attributes)?;
        let n = r.u16("inflection point count")? as usize;
        r.check_count(n, 18, "inflection points")?;
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let point_id = r.u32("inflection point id")?;
            let segment_id = r.u32("segment id")?;
            let lat = r.u32("point latitude")?;
            let lon = r.u32("point longitude")?;
            let width = r.u8("segment width")?;
            let attributes = r.u8("segment attributes")?;
            let drive_time = if attributes & 1 != 0 {
                Some((r.u16("too-long threshold")?, r.u16("too-short threshold")?))
            } else {
                None
            };
            let speed_limit = decode_speed(r, attributes & 2 != 0, v)?;
            points.push(RoutePoint {
                point_id,
                segment_id,
                lat,
                lon,
                width,
                attributes,
                drive_time,
                speed_limit,
            });
        }
        let name = decode_name(r, v)?;
        Ok(Route {
            id,
            attributes,
            window,
            points,
            name,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u32(self.id);
        let mut attr = self.attributes & !BIT_WINDOW;
        if self.window.is_some() {
            attr |= BIT_WINDOW;
        }
        out.put_u16(attr);
        encode_window(&self.window, out);
        out.put_u16(count(self.points.len(), "inflection points")?);
        for p in &self.points {
            out.put_u32(p.point_id);
            out.put_u32(p.segment_id);
            out.put_u32(p.lat);
            out.put_u32(p.lon);
            out.put_u8(p.width);
            let mut a = p.attributes & !3;
            if p.drive_time.is_some() {
                a |= 1;
            }
            if p.speed_limit.is_some() {
                a |= 2;
            }
            out.put_u8(a);
            if let Some((long, short)) = p.drive_time {
                out.put_u16(long);
                out.put_u16(short);
            }
            encode_speed(&p.speed_limit, v, out);
        }
        encode_name(&self.name, v, out)
    }
}

impl DeleteAreas {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.u8("id count")? as usize;
        r.check_count(n, 4, "ids")?;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            ids.push(r.u32("id")?);
        }
        Ok(DeleteAreas { ids })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(count(self.ids.len(), "ids")?);
        for id in &self.ids {
            out.put_u32(*id);
        }
        Ok(())
    }
}
