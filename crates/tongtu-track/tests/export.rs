//! Exports read back equal to their source; `check_store` pinpoints damage.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, RowAccessor};
use proptest::prelude::*;
use tongtu_track::export::{Exporter, Format};
use tongtu_track::{check::check_store, flags, Position, TrackConfig, TrackStore};

fn arb_track(vehicle_id: u32) -> impl Strategy<Value = Vec<Position>> {
    prop::collection::vec(
        (
            1i64..60,
            -90_000_000i32..90_000_000,
            -180_000_000i32..180_000_000,
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            0u16..flags::ALL + 1,
            any::<u32>(),
            any::<u8>(),
        ),
        1..300,
    )
    .prop_map(move |rows| {
        let mut t = 1_764_000_000_000i64;
        rows.into_iter()
            .map(|(dt, lat, lon, speed, status, alarm, fl, mileage, sig)| {
                t += dt * 1000;
                let has = |f: u16| fl & f != 0;
                Position {
                    vehicle_id,
                    device_time_ms: t,
                    receive_time_ms: t + 1234,
                    lat,
                    lon,
                    altitude: (sig as i16) - 100,
                    speed,
                    direction: speed % 360,
                    status,
                    alarm,
                    // Absent items export as null and read back as 0.
                    mileage: if has(flags::HAS_MILEAGE) { mileage } else { 0 },
                    fuel: if has(flags::HAS_FUEL) { speed / 3 } else { 0 },
                    recorder_speed: if has(flags::HAS_RECORDER_SPEED) {
                        speed / 2
                    } else {
                        0
                    },
                    vehicle_signal: if has(flags::HAS_VEHICLE_SIGNAL) {
                        alarm ^ status
                    } else {
                        0
                    },
                    signal: if has(flags::HAS_SIGNAL) { sig % 32 } else { 0 },
                    satellites: if has(flags::HAS_SATELLITES) {
                        sig / 8
                    } else {
                        0
                    },
                    flags: fl,
                }
            })
            .collect()
    })
}

fn read_parquet(bytes: Vec<u8>) -> Vec<(String, Position)> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
    let opt_i64 =
        |r: &parquet::record::Row, i: usize| match r.get_column_iter().nth(i).map(|(_, f)| f) {
            Some(Field::Long(v)) => *v,
            Some(Field::Int(v)) => i64::from(*v),
            _ => 0,
        };
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            let p = Position {
                vehicle_id: r.get_long(0).unwrap() as u32,
                device_time_ms: r.get_timestamp_millis(2).unwrap(),
                receive_time_ms: r.get_timestamp_millis(3).unwrap(),
                lat: r.get_int(4).unwrap(),
                lon: r.get_int(5).unwrap(),
                altitude: r.get_int(8).unwrap() as i16,
                speed: r.get_int(9).unwrap() as u16,
                direction: r.get_int(10).unwrap() as u16,
                status: r.get_long(11).unwrap() as u32,
                alarm: r.get_long(12).unwrap() as u32,
                mileage: opt_i64(&r, 13) as u32,
                fuel: opt_i64(&r, 14) as u16,
                recorder_speed: opt_i64(&r, 15) as u16,
                vehicle_signal: opt_i64(&r, 16) as u32,
                signal: opt_i64(&r, 17) as u8,
                satellites: opt_i64(&r, 18) as u8,
                flags: r.get_int(21).unwrap() as u16,
            };
            assert!((r.get_double(6).unwrap() - p.lat_deg()).abs() < 1e-9);
            assert_eq!(r.get_bool(19).unwrap(), p.gnss_valid());
            (r.get_string(1).unwrap().clone(), p)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn parquet_reads_back_equal(a in arb_track(3), b in arb_track(11)) {
        let mut ex = Exporter::new(Format::Parquet, Vec::new(), "t").unwrap();
        ex.vehicle("粤Q12345", &a).unwrap();
        ex.vehicle("粤Q6789挂", &b).unwrap();
        prop_assert_eq!(ex.rows() as usize, a.len() + b.len());
        let rows = read_parquet(ex.finish().unwrap());
        let want: Vec<(String, Position)> = a.iter().map(|p| ("粤Q12345".to_string(), *p))
            .chain(b.iter().map(|p| ("粤Q6789挂".to_string(), *p))).collect();
        prop_assert_eq!(rows, want);
    }
}

#[test]
fn parquet_spans_row_groups() {
    let t: Vec<Position> = (0..150_000i64)
        .map(|i| Position {
            vehicle_id: 1,
            device_time_ms: i * 1000,
            flags: flags::GNSS_VALID,
            ..Default::default()
        })
        .collect();
    let mut ex = Exporter::new(Format::Parquet, Vec::new(), "t").unwrap();
    ex.vehicle("A", &t).unwrap();
    let bytes = ex.finish().unwrap();
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 3);
    assert_eq!(reader.metadata().file_metadata().num_rows(), 150_000);
}

fn sample() -> Vec<Position> {
    (0..5i64)
        .map(|i| Position {
            vehicle_id: 8,
            device_time_ms: 1_764_000_000_000 + i * 10_000,
            receive_time_ms: 1_764_000_000_500 + i * 10_000,
            lat: 21_850_000 + i as i32 * 100,
            lon: 111_950_000,
            speed: 600,
            mileage: 1000 + i as u32,
            flags: flags::GNSS_VALID | flags::HAS_MILEAGE,
            ..Default::default()
        })
        .collect()
}

#[test]
fn text_formats_are_well_formed() {
    let t = sample();
    let run = |f: Format| {
        let mut ex = Exporter::new(f, Vec::new(), "粤Q & <test>").unwrap();
        ex.vehicle("粤Q1\"2", &t).unwrap();
        ex.vehicle("粤Q3", &t).unwrap();
        String::from_utf8(ex.finish().unwrap()).unwrap()
    };
    let gj: serde_json::Value = serde_json::from_str(&run(Format::GeoJson)).unwrap();
    assert_eq!(gj["features"].as_array().unwrap().len(), 2);
    assert_eq!(gj["features"][0]["properties"]["plate"], "粤Q1\"2");
    assert_eq!(
        gj["features"][1]["geometry"]["coordinates"][4][1]
            .as_f64()
            .unwrap(),
        21.8504
    );
    assert_eq!(
        gj["features"][0]["properties"]["times"][0],
        "2025-11-25T00:00:00.000+08:00"
    );

    let gpx = run(Format::Gpx);
    assert_eq!(gpx.matches("<trkpt ").count(), 10);
    assert!(gpx.contains("<name>粤Q &amp; &lt;test&gt;</name>"));
    assert!(gpx.contains("<time>2025-11-24T16:00:00.000Z</time>"));
    assert!(gpx.trim_end().ends_with("</gpx>"));

    let kml = run(Format::Kml);
    assert_eq!(kml.matches("<when>").count(), 10);
    assert_eq!(kml.matches("<gx:coord>").count(), 10);

    let csv = run(Format::Csv);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(
        lines[1].starts_with("8,\"粤Q1\"\"2\",2025-11-25T00:00:00.000+08:00,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",100.0,"), "{}", lines[1]); // mileage km
}

#[test]
fn unknown_format_is_a_clear_error() {
    let e = "shp".parse::<Format>().unwrap_err().to_string();
    assert!(e.contains("unknown format \"shp\""), "{e}");
}

#[test]
fn check_store_pinpoints_a_damaged_block() {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    {
        let store = TrackStore::open(dir.path(), TrackConfig::default()).unwrap();
        let batch = (0..300i64)
            .map(|i| Position {
                vehicle_id: 1 + (i % 3) as u32,
                device_time_ms: now - 3_600_000 + i * 1000,
                ..Default::default()
            })
            .collect();
        store.append_blocking(batch).unwrap();
        store.compact_now().unwrap();
        store.close().unwrap();
    }
    let clean = check_store(dir.path());
    assert!(clean.ok(), "{:?}", clean.problems);
    assert_eq!((clean.segments, clean.blocks, clean.positions), (1, 3, 300));

    let seg = std::fs::read_dir(dir.path().join("segments"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let seg = std::fs::read_dir(seg)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[12] ^= 0x55;
    std::fs::write(&seg, &bytes).unwrap();
    let bad = check_store(dir.path());
    assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
    assert!(
        bad.problems[0].contains("at byte 8")
            && bad.problems[0].contains("vehicle 1 block CRC mismatch"),
        "{}",
        bad.problems[0]
    );

    // A truncated file loses its footer: reported, not a panic.
    std::fs::write(&seg, &bytes[..bytes.len() - 5]).unwrap();
    let bad = check_store(dir.path());
    assert!(
        bad.problems[0].contains("bad footer magic"),
        "{:?}",
        bad.problems
    );
}
