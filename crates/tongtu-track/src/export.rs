//! Streaming exports of tracks: GPX 1.1, KML 2.2 (gx:Track, so Google Earth gets a time
//! slider), GeoJSON (one LineString feature per vehicle), CSV and Parquet.
//!
//! An export is fed one vehicle's track at a time and writes as it goes; the Parquet
//! writer buffers at most one row group (64 Ki rows). Times are RFC 3339 in Beijing time
//! (+08:00) except GPX, whose convention is UTC.

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::error::{Result, TrackError};
use crate::position::{flags, Position, BEIJING_OFFSET_MS};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GPS Exchange Format 1.1.
    Gpx,
    /// KML 2.2 with gx:Track.
    Kml,
    /// GeoJSON FeatureCollection.
    GeoJson,
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet (zstd), readable by DuckDB, pandas, Spark.
    Parquet,
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Gpx => "gpx",
            Format::Kml => "kml",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Gpx => "application/gpx+xml",
            Format::Kml => "application/vnd.google-earth.kml+xml",
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }
}

impl FromStr for Format {
    type Err = TrackError;
    fn from_str(s: &str) -> Result<Format> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "gpx" => Format::Gpx,
            "kml" => Format::Kml,
            "geojson" | "json" => Format::GeoJson,
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            other => {
                return Err(TrackError::Export(format!(
                    "unknown format {other:?}; use gpx, kml, geojson, csv or parquet"
                )))
            }
        })
    }
}

fn err(e: impl std::fmt::Display) -> TrackError {
    TrackError::Export(e.to_string())
}

fn beijing(ms: i64) -> String {
    match (
        FixedOffset::east_opt((BEIJING_OFFSET_MS / 1000) as i32),
        DateTime::from_timestamp_millis(ms),
    ) {
        (Some(tz), Some(t)) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Millis, false),
        _ => String::new(),
    }
}

fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const ROW_GROUP: usize = 65_536;

const PARQUET_SCHEMA: &str = "message position {
    required int64 vehicle_id;
    required binary plate (STRING);
    required int64 device_time (TIMESTAMP(MILLIS,true));
    required int64 receive_time (TIMESTAMP(MILLIS,true));
    required int32 lat_e6;
    required int32 lon_e6;
    required double lat;
    required double lon;
    required int32 altitude_m;
    required int32 speed_01kmh;
    required int32 direction;
    required int64 status;
    required int64 alarm;
    optional int64 mileage_01km;
    optional int32 fuel_01l;
    optional int32 recorder_speed_01kmh;
    optional int64 vehicle_signal;
    optional int32 signal;
    optional int32 satellites;
    required boolean gnss_valid;
    required boolean supplementary;
    required int32 flags;
}";

#[derive(Default)]
struct Columns {
    vehicle_id: Vec<i64>,
    plate: Vec<ByteArray>,
    device_time: Vec<i64>,
    receive_time: Vec<i64>,
    lat_e6: Vec<i32>,
    lon_e6: Vec<i32>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    altitude: Vec<i32>,
    speed: Vec<i32>,
    direction: Vec<i32>,
    status: Vec<i64>,
    alarm: Vec<i64>,
    mileage: (Vec<i64>, Vec<i16>),
    fuel: (Vec<i32>, Vec<i16>),
    recorder_speed: (Vec<i32>, Vec<i16>),
    vehicle_signal: (Vec<i64>, Vec<i16>),
    signal: (Vec<i32>, Vec<i16>),
    satellites: (Vec<i32>, Vec<i16>),
    gnss_valid: Vec<bool>,
    supplementary: Vec<bool>,
    flags: Vec<i32>,
}

fn opt<T>(col: &mut (Vec<T>, Vec<i16>), present: bool, v: T) {
    if present {
        col.0.push(v);
        col.1.push(1);
    } else {
        col.1.push(0);
    }
}

impl Columns {
    fn push(&mut self, plate: &ByteArray, p: &Position) {
        self.vehicle_id.push(i64::from(p.vehicle_id));
        self.plate.push(plate.clone());
        self.device_time.push(p.device_time_ms);
        self.receive_time.push(p.receive_time_ms);
        self.lat_e6.push(p.lat);
        self.lon_e6.push(p.lon);
        self.lat.push(p.lat_deg());
        self.lon.push(p.lon_deg());
        self.altitude.push(i32::from(p.altitude));
        self.speed.push(i32::from(p.speed));
        self.direction.push(i32::from(p.direction));
        self.status.push(i64::from(p.status));
        self.alarm.push(i64::from(p.alarm));
        let has = |f: u16| p.flags & f != 0;
        opt(
            &mut self.mileage,
            has(flags::HAS_MILEAGE),
            i64::from(p.mileage),
        );
        opt(&mut self.fuel, has(flags::HAS_FUEL), i32::from(p.fuel));
        opt(
            &mut self.recorder_speed,
            has(flags::HAS_RECORDER_SPEED),
            i32::from(p.recorder_speed),
        );
        opt(
            &mut self.vehicle_signal,
            has(flags::HAS_VEHICLE_SIGNAL),
            i64::from(p.vehicle_signal),
        );
        opt(
            &mut self.signal,
            has(flags::HAS_SIGNAL),
            i32::from(p.signal),
        );
        opt(
            &mut self.satellites,
            has(flags::HAS_SATELLITES),
            i32::from(p.satellites),
        );
        self.gnss_valid.push(p.gnss_valid());
        self.supplementary.push(p.supplementary());
        self.flags.push(i32::from(p.flags));
    }

    fn len(&self) -> usize {
        self.vehicle_id.len()
    }
}

enum Sink<W: Write + Send> {
    Text {
        w: W,
        first: bool,
    },
    Parquet {
        w: Option<SerializedFileWriter<W>>,
        cols: Box<Columns>,
    },
}

/// A streaming export; feed it tracks with [`Exporter::vehicle`], then [`Exporter::finish`].
pub struct Exporter<W: Write + Send> {
    format: Format,
    sink: Sink<W>,
    rows: u64,
}

impl<W: Write + Send> Exporter<W> {
    /// Starts an export into `w`; `title` names the document (GPX/KML).
    pub fn new(format: Format, mut w: W, title: &str) -> Result<Exporter<W>> {
        let sink = match format {
            Format::Parquet => {
                let schema = Arc::new(parse_message_type(PARQUET_SCHEMA).map_err(err)?);
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(err)?))
                    .set_created_by("tongtu".into())
                    .build();
                let fw = SerializedFileWriter::new(w, schema, Arc::new(props)).map_err(err)?;
                Sink::Parquet {
                    w: Some(fw),
                    cols: Box::default(),
                }
            }
            _ => {
                let head = match format {
                    Format::Gpx => format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"tongtu\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n<metadata><name>{}</name></metadata>\n",
                        xml_escape(title)
                    ),
                    Format::Kml => format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\" xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n<Document><name>{}</name>\n",
                        xml_escape(title)
                    ),
                    Format::GeoJson => "{\"type\":\"FeatureCollection\",\"features\":[\n".to_string(),
                    Format::Csv => "vehicle_id,plate,device_time,receive_time,lat,lon,altitude_m,speed_kmh,direction,status,alarm,mileage_km,fuel_l,signal,satellites,gnss_valid,supplementary\n".to_string(),
                    Format::Parquet => String::new(),
                };
                w.write_all(head.as_bytes()).map_err(err)?;
                Sink::Text { w, first: true }
            }
        };
        Ok(Exporter {
            format,
            sink,
            rows: 0,
        })
    }

    /// Rows (positions) written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one vehicle's track (sorted by time).
    pub fn vehicle(&mut self, plate: &str, track: &[Position]) -> Result<()> {
        if track.is_empty() {
            return Ok(());
        }
        self.rows += track.len() as u64;
        let format = self.format;
        match &mut self.sink {
            Sink::Parquet { w, cols } => {
                let pb = ByteArray::from(plate);
                for p in track {
                    cols.push(&pb, p);
                    if cols.len() >= ROW_GROUP {
                        let full = std::mem::take(&mut **cols);
                        if let Some(w) = w.as_mut() {
                            write_row_group(w, &full)?;
                        }
                    }
                }
                Ok(())
            }
            Sink::Text { w, first } => {
                let r = write_text(format, w, *first, plate, track);
                *first = false;
                r.map_err(err)
            }
        }
    }

    /// Writes the trailer and returns the writer.
    pub fn finish(self) -> Result<W> {
        match self.sink {
            Sink::Parquet { w, cols } => {
                let mut w = w.ok_or_else(|| err("parquet writer already closed"))?;
                if cols.len() > 0 {
                    write_row_group(&mut w, &cols)?;
                }
                w.into_inner().map_err(err)
            }
            Sink::Text { mut w, .. } => {
                let tail = match self.format {
                    Format::Gpx => "</gpx>\n",
                    Format::Kml => "</Document>\n</kml>\n",
                    Format::GeoJson => "\n]}\n",
                    _ => "",
                };
                w.write_all(tail.as_bytes()).map_err(err)?;
                w.flush().map_err(err)?;
                Ok(w)
            }
        }
    }
}

fn write_text<W: Write>(
    format: Format,
    w: &mut W,
    first: bool,
    plate: &str,
    t: &[Position],
) -> std::io::Result<()> {
    match format {
        Format::Gpx => {
            writeln!(w, "<trk><name>{}</name><trkseg>", xml_escape(plate))?;
            for p in t {
                writeln!(
                    w,
                    "<trkpt lat=\"{:.6}\" lon=\"{:.6}\"><ele>{}</ele><time>{}</time><course>{}</course><speed>{:.2}</speed></trkpt>",
                    p.lat_deg(),
                    p.lon_deg(),
                    p.altitude,
                    utc(p.device_time_ms),
                    p.direction,
                    p.speed_kmh() / 3.6
                )?;
            }
            writeln!(w, "</trkseg></trk>")
        }
        Format::Kml => {
            writeln!(w, "<Placemark><name>{}</name><gx:Track>", xml_escape(plate))?;
            for p in t {
                writeln!(w, "<when>{}</when>", beijing(p.device_time_ms))?;
            }
            for p in t {
                writeln!(
                    w,
                    "<gx:coord>{:.6} {:.6} {}</gx:coord>",
                    p.lon_deg(),
                    p.lat_deg(),
                    p.altitude
                )?;
            }
            writeln!(w, "</gx:Track></Placemark>")
        }
        Format::GeoJson => {
            if !first {
                w.write_all(b",\n")?;
            }
            let plate_json = serde_json::to_string(plate).unwrap_or_else(|_| "\"\"".into());
            write!(
                w,
                "{{\"type\":\"Feature\",\"properties\":{{\"vehicle_id\":{},\"plate\":{},\"times\":[",
                t[0].vehicle_id, plate_json
            )?;
            for (i, p) in t.iter().enumerate() {
                write!(
                    w,
                    "{}\"{}\"",
                    if i > 0 { "," } else { "" },
                    beijing(p.device_time_ms)
                )?;
            }
            w.write_all(b"],\"speeds_kmh\":[")?;
            for (i, p) in t.iter().enumerate() {
                write!(w, "{}{:.1}", if i > 0 { "," } else { "" }, p.speed_kmh())?;
            }
            w.write_all(b"]},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[")?;
            for (i, p) in t.iter().enumerate() {
                write!(
                    w,
                    "{}[{:.6},{:.6}]",
                    if i > 0 { "," } else { "" },
                    p.lon_deg(),
                    p.lat_deg()
                )?;
            }
            w.write_all(b"]}}")
        }
        Format::Csv => {
            let plate = csv_field(plate);
            for p in t {
                let opt = |has: bool, v: f64| {
                    if has {
                        format!("{v:.1}")
                    } else {
                        String::new()
                    }
                };
                writeln!(
                    w,
                    "{},{},{},{},{:.6},{:.6},{},{:.1},{},{},{},{},{},{},{},{},{}",
                    p.vehicle_id,
                    plate,
                    beijing(p.device_time_ms),
                    beijing(p.receive_time_ms),
                    p.lat_deg(),
                    p.lon_deg(),
                    p.altitude,
                    p.speed_kmh(),
                    p.direction,
                    p.status,
                    p.alarm,
                    opt(
                        p.flags & flags::HAS_MILEAGE != 0,
                        f64::from(p.mileage) / 10.0
                    ),
                    opt(p.flags & flags::HAS_FUEL != 0, f64::from(p.fuel) / 10.0),
                    if p.flags & flags::HAS_SIGNAL != 0 {
                        p.signal.to_string()
                    } else {
                        String::new()
                    },
                    if p.flags & flags::HAS_SATELLITES != 0 {
                        p.satellites.to_string()
                    } else {
                        String::new()
                    },
                    u8::from(p.gnss_valid()),
                    u8::from(p.supplementary()),
                )?;
            }
            Ok(())
        }
        Format::Parquet => Ok(()),
    }
}

fn write_row_group<W: Write + Send>(w: &mut SerializedFileWriter<W>, c: &Columns) -> Result<()> {
    let mut rg = w.next_row_group().map_err(err)?;
    let mut i = 0;
    while let Some(mut col) = rg.next_column().map_err(err)? {
        let r = match i {
            0 => col
                .typed::<Int64Type>()
                .write_batch(&c.vehicle_id, None, None),
            1 => col
                .typed::<ByteArrayType>()
                .write_batch(&c.plate, None, None),
            2 => col
                .typed::<Int64Type>()
                .write_batch(&c.device_time, None, None),
            3 => col
                .typed::<Int64Type>()
                .write_batch(&c.receive_time, None, None),
            4 => col.typed::<Int32Type>().write_batch(&c.lat_e6, None, None),
            5 => col.typed::<Int32Type>().write_batch(&c.lon_e6, None, None),
            6 => col.typed::<DoubleType>().write_batch(&c.lat, None, None),
            7 => col.typed::<DoubleType>().write_batch(&c.lon, None, None),
            8 => col
                .typed::<Int32Type>()
                .write_batch(&c.altitude, None, None),
            9 => col.typed::<Int32Type>().write_batch(&c.speed, None, None),
            10 => col
                .typed::<Int32Type>()
                .write_batch(&c.direction, None, None),
            11 => col.typed::<Int64Type>().write_batch(&c.status, None, None),
            12 => col.typed::<Int64Type>().write_batch(&c.alarm, None, None),
            13 => col
                .typed::<Int64Type>()
                .write_batch(&c.mileage.0, Some(&c.mileage.1), None),
            14 => col
                .typed::<Int32Type>()
                .write_batch(&c.fuel.0, Some(&c.fuel.1), None),
            15 => col.typed::<Int32Type>().write_batch(
                &c.recorder_speed.0,
                Some(&c.recorder_speed.1),
                None,
            ),
            16 => col.typed::<Int64Type>().write_batch(
                &c.vehicle_signal.0,
                Some(&c.vehicle_signal.1),
                None,
            ),
            17 => col
                .typed::<Int32Type>()
                .write_batch(&c.signal.0, Some(&c.signal.1), None),
            18 => {
                col.typed::<Int32Type>()
                    .write_batch(&c.satellites.0, Some(&c.satellites.1), None)
            }
            19 => col
                .typed::<BoolType>()
                .write_batch(&c.gnss_valid, None, None),
            20 => col
                .typed::<BoolType>()
                .write_batch(&c.supplementary, None, None),
            21 => col.typed::<Int32Type>().write_batch(&c.flags, None, None),
            _ => return Err(err("parquet schema has more columns than the writer")),
        };
        r.map_err(err)?;
        col.close().map_err(err)?;
        i += 1;
    }
    rg.close().map_err(err)?;
    Ok(())
}
