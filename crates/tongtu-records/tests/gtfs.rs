//! GTFS export and import of the transit registers against a real SQLite file: the feed's
//! structure (files, columns, references, times), a round trip into a fresh database, a
//! broken feed rejected cell by cell with nothing written, names with commas and quotes,
//! a feed written by another tool (no frequencies, CRLF, BOM, extra files and columns), and
//! a re-import that keeps what GTFS does not carry.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read, Write};

use chrono::NaiveDate;
use serde_json::json;
use sqlx::Row as _;
use tongtu_records::gtfs::{self, GtfsOptions};
use tongtu_records::RecordError;

mod common;

use common::{admin, create, db, officer, Db};

fn opts() -> GtfsOptions {
    GtfsOptions {
        agency_url: "https://jtj.example.gov.cn".into(),
        default_agency: "市公交".into(),
        start_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        end_date: NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
    }
}

const TRICKY_STOP: &str = "人民广场（东）, \"北\"口";
const TRICKY_ROUTE: &str = "江城—阳东, \"快线\"";
const TRICKY_OPERATOR: &str = "阳江公交, 有限公司";

/// Two operating routes (one past midnight, one with an untimed stop), one suspended route
/// whose only stop must not be exported.
async fn fixture(d: &Db) {
    let mut stop = HashMap::new();
    for (code, name, lat, lon) in [
        ("S1", "江城汽车站", 21.857, 111.982),
        ("S2", TRICKY_STOP, 21.86, 111.99),
        ("S3", "阳东区政府", 21.868123, 112.011),
        ("S4", "火车站", 21.85, 111.95),
        ("S5", "海陵大堤", 21.7, 111.8),
        ("S6", "停运站", 21.6, 111.7),
    ] {
        let id = create(
            d,
            "bus_stops",
            json!({"code": code, "name": name, "lat": lat, "lon": lon, "county_id": 1}),
        )
        .await;
        stop.insert(code, id);
    }
    let r1 = create(
        d,
        "bus_routes",
        json!({"route_no": "1", "name": TRICKY_ROUTE,
        "route_type": "special", "operator": TRICKY_OPERATOR, "first_departure": "06:30",
        "last_departure": "21:00", "headway_min": 10, "fare": 2, "status": "operating"}),
    )
    .await;
    let r2 = create(
        d,
        "bus_routes",
        json!({"route_no": "2", "name": "火车站—海陵大堤",
        "route_type": "regular", "operator": "城巴", "first_departure": "06:00",
        "last_departure": "00:30", "headway_min": 15, "status": "operating"}),
    )
    .await;
    let r3 = create(
        d,
        "bus_routes",
        json!({"route_no": "3", "name": "停运线", "route_type": "village", "status": "suspended"}),
    )
    .await;
    for (route, dir, seq, s, offset) in [
        (r1, "0", 1, "S1", Some(0)),
        (r1, "0", 2, "S2", Some(5)),
        (r1, "0", 3, "S3", Some(12)),
        (r1, "1", 1, "S3", Some(0)),
        (r1, "1", 2, "S2", Some(7)),
        (r1, "1", 3, "S1", Some(13)),
        (r2, "0", 1, "S4", Some(0)),
        (r2, "0", 2, "S2", None),
        (r2, "0", 3, "S5", Some(20)),
        (r3, "0", 1, "S6", Some(0)),
    ] {
        create(
            d,
            "route_stops",
            json!({"route_id": route, "direction": dir,
            "sequence": seq, "stop_id": stop[s], "offset_min": offset}),
        )
        .await;
    }
}

// ---- reading a feed in the tests ----

fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("member");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("utf-8");
        out.insert(f.name().to_string(), s);
    }
    out
}

fn zip_of(files: &BTreeMap<String, String>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        z.write_all(text.as_bytes()).expect("write");
    }
    z.finish().expect("finish").into_inner()
}

/// A small RFC 4180 reader, independent of the one under test.
fn csv(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut recs: Vec<Vec<String>> = Vec::new();
    let (mut rec, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match (quoted, c) {
            (true, '"') if it.peek() == Some(&'"') => {
                it.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => rec.push(std::mem::take(&mut field)),
            (false, '\n') => {
                rec.push(std::mem::take(&mut field));
                recs.push(std::mem::take(&mut rec));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && rec.is_empty(),
        "ends with \\n"
    );
    let header = recs.remove(0);
    let rows = recs
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "row width: {r:?}");
            header.iter().cloned().zip(r).collect()
        })
        .collect();
    (header, rows)
}

fn well_formed_time(t: &str) -> bool {
    let p: Vec<&str> = t.split(':').collect();
    p.len() == 3
        && p[0].len() == 2
        && p[1].len() == 2
        && p[2].len() == 2
        && p.iter().all(|x| x.bytes().all(|b| b.is_ascii_digit()))
        && p[1] < "60"
        && p[2] < "60"
}

/// Routes, stops and route stops by natural keys, with the values GTFS carries.
type Snapshot = (
    BTreeMap<String, Vec<String>>,
    BTreeMap<String, (String, f64, f64)>,
    BTreeMap<(String, String, i64), (String, Option<i64>)>,
);

async fn snapshot(pool: &sqlx::SqlitePool) -> Snapshot {
    // Every value as text ('' for NULL), in the order of the SELECT.
    let routes = sqlx::query(
        "SELECT route_no, name, route_type, COALESCE(operator, ''), \
         COALESCE(first_departure, ''), COALESCE(last_departure, ''), \
         COALESCE(CAST(headway_min AS TEXT), ''), status \
         FROM rec_bus_routes WHERE status = 'operating'",
    )
    .fetch_all(pool)
    .await
    .expect("routes")
    .iter()
    .map(|row| {
        let mut v: Vec<String> = (0..8).map(|i| row.get::<String, _>(i)).collect();
        (v.remove(0), v)
    })
    .collect();
    let rs: Vec<(String, String, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT r.route_no, s.direction, s.sequence, st.code, s.offset_min \
         FROM rec_route_stops s JOIN rec_bus_routes r ON r.id = s.route_id \
         JOIN rec_bus_stops st ON st.id = s.stop_id WHERE r.status = 'operating'",
    )
    .fetch_all(pool)
    .await
    .expect("route stops");
    let served: HashSet<String> = rs.iter().map(|r| r.3.clone()).collect();
    let stops: Vec<(String, String, f64, f64)> =
        sqlx::query_as("SELECT code, name, lat, lon FROM rec_bus_stops")
            .fetch_all(pool)
            .await
            .expect("stops");
    let stops = stops
        .into_iter()
        .filter(|s| served.contains(&s.0))
        .map(|s| (s.0, (s.1, s.2, s.3)))
        .collect();
    let rs = rs
        .into_iter()
        .map(|r| ((r.0, r.1, r.2), (r.3, r.4)))
        .collect();
    (routes, stops, rs)
}

async fn count(pool: &sqlx::SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .expect("count")
}

// ---- tests ----

#[tokio::test]
async fn export_is_a_well_formed_feed() {
    let d = db().await;
    fixture(&d).await;
    // Transit registers are public: an enterprise user may export them too.
    let bytes = gtfs::export(&d.pool, &officer(), &opts())
        .await
        .expect("export");
    let files = unzip(&bytes);
    let required: &[(&str, &[&str])] = &[
        (
            "agency.txt",
            &["agency_id", "agency_name", "agency_url", "agency_timezone"],
        ),
        (
            "stops.txt",
            &["stop_id", "stop_name", "stop_lat", "stop_lon"],
        ),
        (
            "routes.txt",
            &[
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
            ],
        ),
        (
            "trips.txt",
            &["route_id", "service_id", "trip_id", "direction_id"],
        ),
        (
            "stop_times.txt",
            &[
                "trip_id",
                "arrival_time",
                "departure_time",
                "stop_id",
                "stop_sequence",
            ],
        ),
        (
            "calendar.txt",
            &[
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
        ),
        (
            "frequencies.txt",
            &["trip_id", "start_time", "end_time", "headway_secs"],
        ),
    ];
    let mut t = HashMap::new();
    for (file, cols) in required {
        let text = files.get(*file).unwrap_or_else(|| panic!("{file} missing"));
        assert!(
            !text.starts_with('\u{feff}') && !text.contains('\r'),
            "{file}: no BOM, \\n ends"
        );
        let (header, rows) = csv(text);
        for c in *cols {
            assert!(header.iter().any(|h| h == c), "{file} lacks {c}");
        }
        t.insert(*file, rows);
    }
    let col =
        |file: &str, c: &str| -> Vec<String> { t[file].iter().map(|r| r[c].clone()).collect() };

    let agencies: HashSet<String> = col("agency.txt", "agency_id").into_iter().collect();
    assert_eq!(
        col("agency.txt", "agency_name").len(),
        2,
        "one agency per operator"
    );
    assert!(col("agency.txt", "agency_timezone")
        .iter()
        .all(|z| z == "Asia/Shanghai"));
    assert!(col("agency.txt", "agency_lang").iter().all(|z| z == "zh"));
    let routes: HashSet<String> = col("routes.txt", "route_id").into_iter().collect();
    assert_eq!(
        routes,
        HashSet::from(["1".to_string(), "2".to_string()]),
        "operating only"
    );
    for r in &t["routes.txt"] {
        assert!(agencies.contains(&r["agency_id"]));
        assert_eq!(r["route_type"], "3");
    }
    let r1 = t["routes.txt"]
        .iter()
        .find(|r| r["route_id"] == "1")
        .expect("route 1");
    assert_eq!(r1["route_long_name"], TRICKY_ROUTE);
    assert_eq!(r1["route_desc"], "专线公交");

    let stops: HashSet<String> = col("stops.txt", "stop_id").into_iter().collect();
    assert_eq!(
        stops.len(),
        5,
        "the suspended route's stop S6 is left out: {stops:?}"
    );
    for s in &t["stops.txt"] {
        let lat: f64 = s["stop_lat"].parse().expect("lat");
        let lon: f64 = s["stop_lon"].parse().expect("lon");
        assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
    }
    let trips: HashSet<String> = col("trips.txt", "trip_id").into_iter().collect();
    assert_eq!(trips.len(), 3);
    for tr in &t["trips.txt"] {
        assert!(routes.contains(&tr["route_id"]), "trip's route exists");
        assert_eq!(tr["service_id"], "daily");
        assert_eq!(
            tr["trip_id"],
            format!("{}-{}", tr["route_id"], tr["direction_id"])
        );
    }
    for st in &t["stop_times.txt"] {
        assert!(trips.contains(&st["trip_id"]), "stop_time's trip exists");
        assert!(stops.contains(&st["stop_id"]), "stop_time's stop exists");
        assert!(st["stop_sequence"].parse::<u32>().is_ok());
        for c in ["arrival_time", "departure_time"] {
            assert!(
                st[c].is_empty() || well_formed_time(&st[c]),
                "{c}: {:?}",
                st[c]
            );
        }
    }
    let times = |trip: &str| -> Vec<(String, String)> {
        t["stop_times.txt"]
            .iter()
            .filter(|s| s["trip_id"] == trip)
            .map(|s| (s["stop_id"].clone(), s["departure_time"].clone()))
            .collect()
    };
    assert_eq!(
        times("1-0"),
        [("S1", "00:00:00"), ("S2", "00:05:00"), ("S3", "00:12:00")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // The untimed middle stop is left for consumers to interpolate.
    assert_eq!(
        times("2-0"),
        [("S4", "00:00:00"), ("S2", ""), ("S5", "00:20:00")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for f in &t["frequencies.txt"] {
        assert!(trips.contains(&f["trip_id"]));
        assert!(well_formed_time(&f["start_time"]) && well_formed_time(&f["end_time"]));
        assert_eq!(f["exact_times"], "0");
    }
    let freq = |trip: &str| {
        let f = t["frequencies.txt"]
            .iter()
            .find(|f| f["trip_id"] == trip)
            .expect("frequency");
        (
            f["start_time"].clone(),
            f["end_time"].clone(),
            f["headway_secs"].clone(),
        )
    };
    assert_eq!(
        freq("1-1"),
        ("06:30:00".into(), "21:00:00".into(), "600".into())
    );
    assert_eq!(
        freq("2-0"),
        ("06:00:00".into(), "24:30:00".into(), "900".into()),
        "past midnight"
    );
    let cal = &t["calendar.txt"][0];
    assert_eq!(
        (
            cal["service_id"].as_str(),
            cal["start_date"].as_str(),
            cal["end_date"].as_str()
        ),
        ("daily", "20260101", "20261231")
    );
    assert!([
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday"
    ]
    .iter()
    .all(|d| cal[*d] == "1"));
    // Quoted as RFC 4180 asks.
    assert!(files["stops.txt"].contains("\"人民广场（东）, \"\"北\"\"口\""));
}

#[tokio::test]
async fn round_trip_into_a_fresh_database() {
    let d = db().await;
    fixture(&d).await;
    let bytes = gtfs::export(&d.pool, &admin(), &opts())
        .await
        .expect("export");

    let fresh = db().await;
    let got = gtfs::import(&fresh.pool, &admin(), &bytes)
        .await
        .expect("import");
    assert_eq!(got.stops.inserted, 5);
    assert_eq!(got.routes.inserted, 2);
    assert_eq!(got.route_stops.inserted, 9);
    assert_eq!(got.route_stops_removed, 0);

    let (want_routes, want_stops, want_rs) = snapshot(&d.pool).await;
    let (routes, stops, rs) = snapshot(&fresh.pool).await;
    assert_eq!(routes, want_routes);
    assert_eq!(stops, want_stops);
    assert_eq!(rs, want_rs);
    // Names with commas and quotes survive.
    assert_eq!(routes["1"][0], TRICKY_ROUTE);
    assert_eq!(routes["1"][2], TRICKY_OPERATOR);
    assert!(stops.values().any(|s| s.0 == TRICKY_STOP));
    // The suspended route's stop was never exported.
    assert!(!stops.contains_key("S6"));
    assert_eq!(count(&fresh.pool, "rec_bus_stops").await, 5);
}

#[tokio::test]
async fn reimport_updates_and_keeps_what_gtfs_does_not_carry() {
    let d = db().await;
    fixture(&d).await;
    let bytes = gtfs::export(&d.pool, &admin(), &opts())
        .await
        .expect("export");
    let before = snapshot(&d.pool).await;
    let got = gtfs::import(&d.pool, &admin(), &bytes)
        .await
        .expect("import");
    assert_eq!((got.stops.inserted, got.stops.updated), (0, 5));
    assert_eq!((got.routes.inserted, got.routes.updated), (0, 2));
    assert_eq!(got.route_stops.inserted, 0);
    assert_eq!(snapshot(&d.pool).await, before);
    let (fare, county): (Option<f64>, Option<i64>) = sqlx::query_as(
        "SELECT r.fare, s.county_id FROM rec_bus_routes r, rec_bus_stops s \
         WHERE r.route_no = '1' AND s.code = 'S1'",
    )
    .fetch_one(&d.pool)
    .await
    .expect("row");
    assert_eq!(
        (fare, county),
        (Some(2.0), Some(1)),
        "fields GTFS lacks are kept"
    );

    // A feed whose trip 1-0 lost its last stop: the stale route stop goes.
    let mut files = unzip(&bytes);
    let st = files.get_mut("stop_times.txt").expect("stop_times");
    *st = st
        .lines()
        .filter(|l| !l.starts_with("1-0,00:12:00"))
        .map(|l| format!("{l}\n"))
        .collect();
    let got = gtfs::import(&d.pool, &admin(), &zip_of(&files))
        .await
        .expect("import");
    assert_eq!(got.route_stops_removed, 1);
    let (_, _, rs) = snapshot(&d.pool).await;
    assert!(!rs.contains_key(&("1".into(), "0".into(), 3)));
    assert_eq!(rs.len(), 8);
}

#[tokio::test]
async fn a_broken_feed_is_reported_and_not_imported() {
    let d = db().await;
    fixture(&d).await;
    let bytes = gtfs::export(&d.pool, &admin(), &opts())
        .await
        .expect("export");
    let mut files = unzip(&bytes);
    // stops.txt without stop_lat.
    let stops = files.get_mut("stops.txt").expect("stops");
    *stops = stops
        .replace(
            "stop_id,stop_name,stop_lat,stop_lon",
            "stop_id,stop_name,stop_lon",
        )
        .replace(",21.857,", ",");
    // A trip naming an unknown route, and a stop time naming an unknown stop.
    let trips = files.get_mut("trips.txt").expect("trips");
    trips.push_str("99,daily,99-0,,0\n");
    let trip_line = trips.lines().count() as u32;
    let times = files.get_mut("stop_times.txt").expect("stop_times");
    times.push_str("1-0,00:20:00,00:20:00,NOPE,4,1\n");
    let time_line = times.lines().count() as u32;

    let fresh = db().await;
    let err = gtfs::import(&fresh.pool, &admin(), &zip_of(&files))
        .await
        .expect_err("rejected");
    let RecordError::Import(errors) = err else {
        panic!("expected cell errors, got {err}");
    };
    let has = |column: &str, row: u32| {
        errors
            .iter()
            .any(|e| e.column == column && e.row == row && !e.reason.is_empty())
    };
    assert!(has("stops.txt:stop_lat", 1), "{errors:?}");
    assert!(has("trips.txt:route_id", trip_line), "{errors:?}");
    assert!(has("stop_times.txt:stop_id", time_line), "{errors:?}");
    let e = errors
        .iter()
        .find(|e| e.column == "stop_times.txt:stop_id")
        .expect("stop error");
    assert_eq!(e.header, "stop_id");
    assert!(e.reason.contains("NOPE"), "{}", e.reason);
    for t in ["rec_bus_stops", "rec_bus_routes", "rec_route_stops"] {
        assert_eq!(count(&fresh.pool, t).await, 0, "{t}: nothing imported");
    }

    // A feed without the required files at all.
    let mut files = unzip(&bytes);
    files.remove("calendar.txt");
    files.remove("agency.txt");
    let Err(RecordError::Import(errors)) =
        gtfs::import(&fresh.pool, &admin(), &zip_of(&files)).await
    else {
        panic!("expected cell errors");
    };
    assert!(
        errors.iter().any(|e| e.column == "agency.txt"),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.column == "calendar.txt"),
        "{errors:?}"
    );
    assert!(matches!(
        gtfs::import(&fresh.pool, &admin(), b"not a zip").await,
        Err(RecordError::BadRequest(_))
    ));
    // Enterprise users read transit registers but do not write them.
    assert!(matches!(
        gtfs::import(&fresh.pool, &officer(), &bytes).await,
        Err(RecordError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_feed_from_another_tool_is_read() {
    // CRLF, a BOM, unknown files and columns, no frequencies, no route_desc or long name,
    // times past 24h, a rail route (skipped) and a shorter variant trip (not used).
    let mut files = BTreeMap::new();
    let put = |files: &mut BTreeMap<String, String>, name: &str, text: &str| {
        files.insert(name.to_string(), text.replace('\n', "\r\n"));
    };
    put(&mut files, "agency.txt", "\u{feff}agency_name,agency_url,agency_timezone,agency_phone\n城乡客运,http://x.example,Asia/Shanghai,123\n");
    put(&mut files, "stops.txt", "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type,parent_station\nST,,站房,21.1,111.1,1,\nA,a,甲村,21.0,111.0,0,ST\nB,b,\"乙村, 口\",21.01,111.01,,\nC,c,丙镇,21.02,111.02,0,\nR,,地铁站,21.03,111.03,0,\n");
    put(&mut files, "routes.txt", "route_id,route_short_name,route_long_name,route_type,route_color\nK1,K1,,3,FF0000\nM1,M1,地铁1号线,1,\n");
    put(
        &mut files,
        "calendar_dates.txt",
        "service_id,date,exception_type\nwk,20260105,1\n",
    );
    put(&mut files, "trips.txt", "route_id,service_id,trip_id,shape_id\nK1,wk,t1,\nK1,wk,t2,\nK1,wk,t3,\nK1,wk,short,\nM1,wk,m1,\n");
    put(
        &mut files,
        "stop_times.txt",
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type\n\
        t1,23:40:00,23:40:00,A,10,0\nt1,,,B,20,0\nt1,24:05:30,24:05:30,C,30,0\n\
        t2,23:00:00,23:00:00,A,1,\nt2,23:10:00,23:10:00,B,2,\nt2,23:25:00,23:25:00,C,3,\n\
        t3,23:20:00,23:20:00,A,1,\nt3,23:30:00,23:30:00,B,2,\nt3,23:45:00,23:45:00,C,3,\n\
        short,24:00:00,24:00:00,A,1,\nshort,24:05:00,24:05:00,B,2,\n\
        m1,08:00:00,08:00:00,R,1,\nm1,08:05:00,08:05:00,R,2,\n",
    );
    put(
        &mut files,
        "shapes.txt",
        "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n",
    );

    let d = db().await;
    let got = gtfs::import(&d.pool, &admin(), &zip_of(&files))
        .await
        .expect("import");
    assert_eq!(got.routes_skipped, 1, "the rail route");
    assert_eq!(got.routes.inserted, 1);
    assert_eq!(got.stops.inserted, 3, "only stops the bus trips serve");
    let (routes, stops, rs) = snapshot(&d.pool).await;
    assert_eq!(
        routes["K1"],
        [
            "甲村—丙镇",
            "regular",
            "城乡客运",
            "23:00",
            "00:00",
            "20",
            "operating"
        ]
        .map(String::from)
        .to_vec(),
        "name from the end stops, timetable from the trips' starts (24:00 wraps)"
    );
    assert_eq!(stops["B"].0, "乙村, 口");
    // The first trip with the most stops (t1): renumbered, minutes from the first stop.
    assert_eq!(
        rs.values().cloned().collect::<Vec<_>>(),
        vec![
            ("A".into(), Some(0)),
            ("B".into(), None),
            ("C".into(), Some(26))
        ]
    );
    assert!(rs.keys().all(|k| k.1 == "0"));
}
