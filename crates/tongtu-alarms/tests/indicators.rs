//! The indicator service end to end: a real SQLite file (registry and alarm migrations), a
//! real track store, a hand-built fleet over October 2026 with known answers.

use std::collections::HashMap;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, TimeZone, Utc};
use sqlx::{Row, SqlitePool};
use tempfile::TempDir;
use tongtu_alarms::indicators::{self as ind, ReportQuery};
use tongtu_registry::{Principal, Role};
use tongtu_rules::indicators::{
    GroupIndicators, GroupKey, Grouping, Indicator, IndicatorConfig, Unqualified,
};
use tongtu_track::{
    date_day, day_start_ms, distance_m, flags, Position, PositionSink, TrackConfig, TrackStore,
};

const LAT: i32 = 21_850_000;
const LON: i32 = 111_950_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

fn oct(d: u32) -> i32 {
    date_day(NaiveDate::from_ymd_opt(2026, 10, d).expect("date"))
}

/// Beijing wall time of a day, as UTC ms.
fn at(day: i32, h: i64, m: i64) -> i64 {
    day_start_ms(day) + h * HOUR + m * MIN
}

/// "Now" well after October: every October day is closed.
fn november_20() -> i64 {
    at(oct(1) + 50, 12, 0)
}

fn fix(v: u32, t: i64, lat: i32) -> Position {
    Position {
        vehicle_id: v,
        device_time_ms: t,
        receive_time_ms: t + 1000,
        lat,
        lon: LON,
        altitude: 10,
        speed: 330,
        direction: 0,
        flags: flags::GNSS_VALID,
        ..Position::default()
    }
}

/// A fix a minute from `h:m` for `minutes` minutes (minutes + 1 fixes), 5 000 µ° (≈ 556 m)
/// north each minute, from `lat0`.
fn drive(v: u32, day: i32, h: i64, m: i64, minutes: i64, lat0: i32) -> Vec<Position> {
    (0..=minutes)
        .map(|k| fix(v, at(day, h, m + k), lat0 + 5_000 * k as i32))
        .collect()
}

struct Fleet {
    _dir: TempDir,
    db: SqlitePool,
    tracks: Arc<TrackStore>,
    e1: i64,
    e2: i64,
    /// Registry ids of V1, V2, V3, V4, V5 (suspended), V6 (registered 2 October).
    v: [i64; 6],
    /// Every position appended, per vehicle.
    positions: HashMap<u32, Vec<Position>>,
}

async fn insert_vehicle(
    db: &SqlitePool,
    n: usize,
    enterprise: i64,
    status: &str,
    created_ms: i64,
) -> i64 {
    let created = Utc.timestamp_millis_opt(created_ms).single().expect("time");
    sqlx::query(
        "INSERT INTO vehicles (plate, plate_color, vin, vehicle_class, seats, transport_cert_no, \
         enterprise_id, status, created_at, updated_at) \
         VALUES ($1, 2, $2, 'coach', 45, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(format!("粤Q1000{n}"))
    .bind(format!("LVIN0000000000{n:03}"))
    .bind(format!("CERT{n}"))
    .bind(enterprise)
    .bind(status)
    .bind(created)
    .fetch_one(db)
    .await
    .expect("vehicle")
    .get(0)
}

async fn insert_alarm(
    db: &SqlitePool,
    vehicle: i64,
    rule: &str,
    start_ms: i64,
    end_ms: Option<i64>,
) {
    sqlx::query(
        "INSERT INTO alarms (vehicle_id, enterprise_id, rule, severity, start_ms, end_ms, peak, \
         limit_value, detail, start_lat, start_lon, start_speed, start_fix_json, created_ms, \
         updated_ms) SELECT id, enterprise_id, $2, 'warning', $3, $4, 0, 0, '', 0, 0, 0, '{}', $3, $3 \
         FROM vehicles WHERE id = $1",
    )
    .bind(vehicle)
    .bind(rule)
    .bind(start_ms)
    .bind(end_ms)
    .execute(db)
    .await
    .expect("alarm");
}

/// The fleet (see the module docs of the expected figures in each test):
/// - E1 (region 441702 江城区): V1 drives 08:00–09:00 on 1–3 Oct, all good; V2 on 1 Oct has
///   an 11-minute, 3 km gap (incomplete) and two unqualified records (altitude 7 000 m, speed
///   170 km/h), on 2 Oct one drift fix; V6 is registered on 2 Oct, with an installation test
///   on 1 Oct and a good drive on 2 Oct.
/// - E2 (region 441721 阳西县): V3 drives ten minutes on 1 Oct with three records at 170
///   km/h; V4 never reports; V5 is suspended (reports on 1 Oct, off the register).
/// - Vehicle 9 999 reports but is not on the register.
async fn fleet() -> Fleet {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = tongtu_registry::db::open(&dir.path().join("tongtu.db"))
        .await
        .expect("db");
    tongtu_alarms::migrate(&db).await.expect("migrate");
    let tracks =
        TrackStore::open(dir.path().join("tracks"), TrackConfig::default()).expect("tracks");
    let now = Utc::now();
    let mut region = Vec::new();
    for (code, name) in [("441702", "江城区"), ("441721", "阳西县")] {
        let id: i64 = sqlx::query(
            "INSERT INTO regions (code, name, kind) VALUES ($1, $2, 'district') RETURNING id",
        )
        .bind(code)
        .bind(name)
        .fetch_one(&db)
        .await
        .expect("region")
        .get(0);
        region.push(id);
    }
    let mut ent = Vec::new();
    for (i, name) in ["江城客运公司", "阳西运输公司"].iter().enumerate() {
        let id: i64 = sqlx::query(
            "INSERT INTO enterprises (name, uscc, business_types, licence_no, region_id, \
             contact_name, contact_phone, created_at, updated_at) \
             VALUES ($1, $2, 'scheduled_passenger', 'L1', $3, '张三', '13800000000', $4, $4) \
             RETURNING id",
        )
        .bind(*name)
        .bind(format!("9144170000000000{i}X"))
        .bind(region[i])
        .bind(now)
        .fetch_one(&db)
        .await
        .expect("enterprise")
        .get(0);
        ent.push(id);
    }
    let (e1, e2) = (ent[0], ent[1]);
    let september = at(oct(1) - 30, 10, 0);
    let v = [
        insert_vehicle(&db, 1, e1, "active", september).await,
        insert_vehicle(&db, 2, e1, "active", september).await,
        insert_vehicle(&db, 3, e2, "active", september).await,
        insert_vehicle(&db, 4, e2, "active", september).await,
        insert_vehicle(&db, 5, e2, "suspended", september).await,
        insert_vehicle(&db, 6, e1, "active", at(oct(2), 1, 0)).await,
    ];
    let id = |i: usize| v[i] as u32;

    let mut batch: Vec<Position> = Vec::new();
    // V1: three good days, parked overnight where it stopped.
    for (k, d) in [1, 2, 3].into_iter().enumerate() {
        batch.extend(drive(id(0), oct(d), 8, 0, 60, LAT + 300_000 * k as i32));
    }
    // V2, 1 Oct: 08:00–08:30, nothing until 08:41 and 27 000 µ° (≈ 3 km) further, then on.
    let mut v2 = drive(id(1), oct(1), 8, 0, 30, LAT);
    v2.extend(drive(id(1), oct(1), 8, 41, 19, LAT + 177_000));
    for p in &mut v2 {
        if p.device_time_ms == at(oct(1), 8, 10) {
            p.altitude = 7_000;
        }
        if p.device_time_ms == at(oct(1), 8, 50) {
            p.speed = 1_700;
        }
    }
    batch.extend(v2);
    // V2, 2 Oct: from where it stopped; the 08:30 fix jumps 500 000 µ° (≈ 55 km): drift.
    let mut v2 = drive(id(1), oct(2), 8, 0, 60, LAT + 272_000);
    for p in &mut v2 {
        if p.device_time_ms == at(oct(2), 8, 30) {
            p.lat += 500_000;
        }
    }
    batch.extend(v2);
    // V3: ten records, three at 170 km/h.
    let mut v3 = drive(id(2), oct(1), 10, 0, 9, LAT);
    for k in [2, 4, 6] {
        v3[k].speed = 1_700;
    }
    batch.extend(v3);
    // V5 (suspended) and vehicle 9999 (not registered).
    batch.extend(drive(id(4), oct(1), 10, 0, 9, LAT));
    batch.extend(drive(9_999, oct(1), 10, 0, 4, LAT));
    // V6: an installation test the day before its registration, then a drive.
    batch.extend(drive(id(5), oct(1), 12, 0, 4, LAT));
    batch.extend(drive(id(5), oct(2), 8, 0, 60, LAT + 20_000));

    let mut positions: HashMap<u32, Vec<Position>> = HashMap::new();
    for p in &batch {
        positions.entry(p.vehicle_id).or_default().push(*p);
    }
    tracks.append(batch).await.expect("append");
    tracks.compact().await.expect("compact");

    // Alarms: counted V1 speeding (1 Oct) and zone speeding (2 Oct); not counted: V1 in
    // September, V3 terminal-reported, V6 before its registration.
    insert_alarm(
        &db,
        v[0],
        "speeding",
        at(oct(1), 9, 10),
        Some(at(oct(1), 9, 11)),
    )
    .await;
    insert_alarm(
        &db,
        v[0],
        "zone_speeding_3",
        at(oct(2), 9, 10),
        Some(at(oct(2), 9, 12)),
    )
    .await;
    insert_alarm(
        &db,
        v[0],
        "speeding",
        at(oct(1) - 1, 9, 10),
        Some(at(oct(1) - 1, 9, 11)),
    )
    .await;
    insert_alarm(
        &db,
        v[2],
        "terminal_1",
        at(oct(1), 10, 5),
        Some(at(oct(1), 10, 6)),
    )
    .await;
    insert_alarm(
        &db,
        v[5],
        "speeding",
        at(oct(1), 12, 2),
        Some(at(oct(1), 12, 3)),
    )
    .await;
    // Fatigue: V2 30 min; V1 from 23:50 on 30 Sep to 00:10 (10 min in October); V3 open
    // from 23:30 on 31 Oct (30 min in October).
    insert_alarm(
        &db,
        v[1],
        "fatigue",
        at(oct(2), 8, 0),
        Some(at(oct(2), 8, 30)),
    )
    .await;
    insert_alarm(
        &db,
        v[0],
        "fatigue",
        at(oct(1) - 1, 23, 50),
        Some(at(oct(1), 0, 10)),
    )
    .await;
    insert_alarm(&db, v[2], "fatigue", at(oct(31), 23, 30), None).await;

    Fleet {
        _dir: dir,
        db,
        tracks,
        e1,
        e2,
        v,
        positions,
    }
}

fn officer(enterprise: i64) -> Principal {
    Principal {
        user_id: Some(9),
        username: "officer".into(),
        display_name: "安全员".into(),
        role: Role::EnterpriseOfficer,
        enterprise_id: Some(enterprise),
        enterprise_name: None,
        permissions: Role::EnterpriseOfficer.permissions().to_vec(),
    }
}

fn october(grouping: Grouping) -> ReportQuery {
    ReportQuery {
        from_day: oct(1),
        to_day: oct(31),
        grouping,
        enterprise_id: None,
        region: None,
    }
}

/// An oracle for mileage: consecutive good fixes (drift excluded by the caller), rounded
/// to mm per segment; a segment is incomplete when over 300 s and 2 km.
fn mileage_mm(fixes: &[Position]) -> (u64, u64) {
    let (mut total, mut incomplete) = (0, 0);
    for w in fixes.windows(2) {
        let mm = (distance_m(&w[0], &w[1]) * 1000.0).round() as u64;
        total += mm;
        if w[1].device_time_ms - w[0].device_time_ms > 300_000 && mm > 2_000_000 {
            incomplete += mm;
        }
    }
    (total, incomplete)
}

fn row<'a>(r: &'a ind::IndicatorReport, key: &GroupKey) -> &'a GroupIndicators {
    r.report
        .groups
        .iter()
        .find(|g| &g.key == key)
        .unwrap_or_else(|| panic!("no row {key:?}"))
}

async fn stored_rows(db: &SqlitePool) -> Vec<(i64, i32, i64, i64, String, String)> {
    sqlx::query(
        "SELECT vehicle_id, day, records, qualified, tally_json, carry_json FROM indicator_days \
         ORDER BY vehicle_id, day",
    )
    .fetch_all(db)
    .await
    .expect("rows")
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
    .collect()
}

#[tokio::test]
async fn known_answers_for_every_indicator() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let now = november_20();
    let run = ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("catch up");
    assert_eq!(run.days.first(), Some(&oct(1)));
    assert_eq!(run.days.last(), Some(&(oct(1) + 49)));
    // 1 Oct: V1, V2, V3, V5, V6, 9999; 2 Oct: V1, V2, V6; 3 Oct: V1.
    assert_eq!(run.vehicle_days, 6 + 3 + 1);
    // Computed once: a second catch-up has nothing to do.
    let again = ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("again");
    assert!(again.days.is_empty(), "{again:?}");

    let admin = Principal::system();
    let city = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::City),
        now,
    )
    .await
    .expect("city");
    assert!(city.missing_days.is_empty() && city.stale_days.is_empty());
    assert_eq!(city.live_day, None);
    let c = row(&city, &GroupKey::City);
    // 入网: V1, V2, V3, V6 of V1–V4, V6 (V5 suspended).
    assert_eq!(
        (c.access_rate.numerator, c.access_rate.denominator),
        (4.0, 5.0)
    );
    assert_eq!(c.targets.access_rate, Some(false));
    assert_eq!(
        (c.online_rate.numerator, c.online_rate.denominator),
        (4.0, 4.0)
    );
    // Records: V1 3 × 61, V2 51 + 61, V3 10, V6 61 (its 1 Oct test ignored); unqualified:
    // V2 two, V3 three.
    assert_eq!(
        (
            c.data_qualified_rate.numerator,
            c.data_qualified_rate.denominator
        ),
        (361.0, 366.0)
    );
    assert_eq!(c.tally.unqualified.get(Unqualified::SpeedOutOfRange), 4);
    assert_eq!(c.tally.unqualified.get(Unqualified::AltitudeOutOfRange), 1);
    assert_eq!(
        (
            c.drift_vehicle_rate.numerator,
            c.drift_vehicle_rate.denominator
        ),
        (1.0, 4.0)
    );
    // Speeding: V1's two in October; fatigue 30 + 10 + 30 minutes.
    assert_eq!(c.speeding_events, 2);
    assert_eq!(c.avg_speeding_events.value, Some(0.5));
    assert_eq!(c.fatigue_secs, 4_200);
    assert_eq!(c.avg_fatigue_secs.value, Some(1_050.0));
    // Online: V1 3 × 3 600 s, V2 2 940 + 3 600, V3 540, V6 3 600.
    assert_eq!(c.online_secs, 21_480.0);
    assert_eq!(c.avg_online_secs.value, Some(5_370.0));
    assert_eq!(city.report.ignored.inactive_vehicles, 1);
    assert_eq!(city.report.ignored.unregistered_vehicles, 1);
    assert_eq!(city.report.ignored.days_before_registration, 1);

    // Mileage against the oracle: V2's 2 Oct drift fix left out, V6's 1 Oct test left out.
    let p = |i: usize| f.positions[&(f.v[i] as u32)].clone();
    let drift_t = at(oct(2), 8, 30);
    let v2: Vec<Position> = p(1)
        .into_iter()
        .filter(|q| q.device_time_ms != drift_t)
        .collect();
    let v6: Vec<Position> = p(5)
        .into_iter()
        .filter(|q| q.device_time_ms >= day_start_ms(oct(2)))
        .collect();
    let parts = [mileage_mm(&p(0)), mileage_mm(&v2), mileage_mm(&p(2))];
    // V6's first 2 Oct segment continues from its 1 Oct test at the same place: 0 m.
    let v6m = mileage_mm(&v6);
    let total: u64 = parts.iter().map(|x| x.0).sum::<u64>() + v6m.0;
    let incomplete: u64 = parts.iter().map(|x| x.1).sum::<u64>() + v6m.1;
    assert_eq!(c.tally.distance_mm, total);
    assert_eq!(c.tally.incomplete_mm, incomplete);
    assert_eq!(c.tally.incomplete_segments, 1);
    // By hand: 358 minutes at ≈ 556 m and one ≈ 3 002 m gap.
    assert!((c.mileage_km - 202.04).abs() < 0.05, "{}", c.mileage_km);
    assert!(
        (c.incomplete_km - 3.002).abs() < 0.001,
        "{}",
        c.incomplete_km
    );
    let rate = c.track_complete_rate.value.expect("defined");
    assert!((rate - (total - incomplete) as f64 / total as f64).abs() < 1e-12);
    // Daily mileage: per vehicle-day with records (V1 3, V2 2, V3 1, V6 1).
    assert_eq!(c.avg_daily_mileage_km.denominator, 7.0);

    // Enterprises and regions.
    let ents = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::Enterprise),
        now,
    )
    .await
    .expect("enterprises");
    let e1 = row(&ents, &GroupKey::Enterprise(f.e1 as u32));
    let e2 = row(&ents, &GroupKey::Enterprise(f.e2 as u32));
    assert_eq!(ents.name_of(&e1.key).expect("name").name, "江城客运公司");
    assert_eq!(
        (e1.access_rate.numerator, e1.access_rate.denominator),
        (3.0, 3.0)
    );
    assert_eq!(
        (
            e1.drift_vehicle_rate.numerator,
            e1.drift_vehicle_rate.denominator
        ),
        (1.0, 3.0)
    );
    assert_eq!(
        (
            e1.data_qualified_rate.numerator,
            e1.data_qualified_rate.denominator
        ),
        (354.0, 356.0)
    );
    assert_eq!(e1.fatigue_secs, 2_400);
    assert_eq!(
        (e2.access_rate.numerator, e2.access_rate.denominator),
        (1.0, 2.0)
    );
    assert_eq!(
        (e2.online_rate.numerator, e2.online_rate.denominator),
        (1.0, 1.0)
    );
    assert_eq!(
        (
            e2.data_qualified_rate.numerator,
            e2.data_qualified_rate.denominator
        ),
        (7.0, 10.0)
    );
    assert_eq!(e2.avg_fatigue_secs.value, Some(1_800.0));
    assert_eq!(
        e2.targets.avg_fatigue,
        Some(false),
        "against the city's 1 050 s"
    );
    let regions = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::Region),
        now,
    )
    .await
    .expect("regions");
    let r2 = row(&regions, &GroupKey::Region("441721".into()));
    assert_eq!(regions.name_of(&r2.key).expect("name").name, "阳西县");
    assert_eq!(r2.data_qualified_rate, e2.data_qualified_rate);

    // Ranking and the notice.
    let ranked = ind::ranking(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        oct(1),
        oct(31),
        Indicator::DataQualifiedRate,
        now,
    )
    .await
    .expect("ranking");
    assert_eq!(ranked.len(), 2);
    assert_eq!(
        (ranked[0].name.as_str(), ranked[0].row.rank),
        ("江城客运公司", Some(1))
    );
    assert!(ranked[1].row.below_target);
    let notice = ind::notice(&f.db, &f.tracks, &cfg, &admin, 2026, 10, now)
        .await
        .expect("notice");
    assert_eq!(notice.title, "2026年10月重点营运车辆联网联控考核通报");
    let listed: Vec<(&str, Vec<Indicator>)> = notice
        .rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.failures.iter().map(|i| i.indicator).collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "阳西运输公司",
                vec![
                    Indicator::AccessRate,
                    Indicator::DataQualifiedRate,
                    Indicator::AvgFatigue
                ]
            ),
            (
                "江城客运公司",
                vec![Indicator::DriftVehicleRate, Indicator::AvgSpeeding]
            ),
        ]
    );
    let access = &notice.rows[0].failures[0];
    assert_eq!(
        (
            access.ratio.numerator,
            access.ratio.denominator,
            access.target
        ),
        (1.0, 2.0, Some(0.9))
    );
    assert_eq!(notice.rows[0].failures[2].target, Some(1_050.0));
}

#[tokio::test]
async fn officers_see_only_their_enterprise() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let now = november_20();
    ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("catch up");
    let admin = Principal::system();
    let all = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::Enterprise),
        now,
    )
    .await
    .expect("admin");
    let o = officer(f.e1);
    let own = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &o,
        &october(Grouping::Enterprise),
        now,
    )
    .await
    .expect("officer");
    assert_eq!(own.report.groups.len(), 1);
    // Same figures, targets and scores: speeding and fatigue held against the city average.
    assert_eq!(
        &own.report.groups[0],
        row(&all, &GroupKey::Enterprise(f.e1 as u32))
    );
    assert_eq!(own.report.reference, all.report.reference);
    assert_eq!(own.report.ignored.unregistered_vehicles, 0);
    let vehicles = ind::report(&f.db, &f.tracks, &cfg, &o, &october(Grouping::Vehicle), now)
        .await
        .expect("vehicles");
    let keys: Vec<GroupKey> = vehicles
        .report
        .groups
        .iter()
        .map(|g| g.key.clone())
        .collect();
    assert_eq!(
        keys,
        [0, 1, 5].map(|i| GroupKey::Vehicle(f.v[i] as u32)).to_vec()
    );
    let city = ind::report(&f.db, &f.tracks, &cfg, &o, &october(Grouping::City), now)
        .await
        .expect("own city row");
    assert_eq!(city.scope, "江城客运公司");
    assert_eq!(city.report.groups[0].vehicles_registered, 3);

    let foreign = ReportQuery {
        enterprise_id: Some(f.e2),
        ..october(Grouping::Vehicle)
    };
    let e = ind::report(&f.db, &f.tracks, &cfg, &o, &foreign, now)
        .await
        .expect_err("foreign");
    assert!(matches!(e, tongtu_alarms::AlarmError::NotFound(_)), "{e:?}");
    let e = ind::vehicle_drilldown(&f.db, &f.tracks, &cfg, &o, f.v[2], oct(1), 10, now)
        .await
        .expect_err("foreign vehicle");
    assert!(matches!(e, tongtu_alarms::AlarmError::NotFound(_)), "{e:?}");
    ind::vehicle_drilldown(&f.db, &f.tracks, &cfg, &o, f.v[1], oct(1), 10, now)
        .await
        .expect("own vehicle");
    let ranked = ind::ranking(
        &f.db,
        &f.tracks,
        &cfg,
        &o,
        oct(1),
        oct(31),
        Indicator::AccessRate,
        now,
    )
    .await
    .expect("ranking");
    assert_eq!(ranked.len(), 1);
    assert_eq!(ranked[0].row.key, GroupKey::Enterprise(f.e1 as u32));
    let notice = ind::notice(&f.db, &f.tracks, &cfg, &officer(f.e2), 2026, 10, now)
        .await
        .expect("notice");
    assert_eq!(notice.rows.len(), 1);
    assert_eq!(notice.rows[0].enterprise_id, f.e2 as u32);
}

#[tokio::test]
async fn incremental_equals_recomputed_and_today_is_live() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let admin = Principal::system();
    let first3 = ReportQuery {
        from_day: oct(1),
        to_day: oct(3),
        grouping: Grouping::Vehicle,
        enterprise_id: None,
        region: None,
    };

    // Day by day, as the nightly job runs; on 3 Oct at noon that day is live.
    let mut live = None;
    for d in oct(1)..=oct(1) + 49 {
        let now = at(d + 1, 0, 30);
        let run = ind::catch_up(&f.db, &f.tracks, &cfg, d, now)
            .await
            .expect("nightly");
        assert_eq!(run.days, [d], "yesterday computed once");
        if d == oct(2) {
            let noon = at(oct(3), 12, 0);
            let r = ind::report(&f.db, &f.tracks, &cfg, &admin, &first3, noon)
                .await
                .expect("live");
            assert_eq!(r.live_day, Some(oct(3)));
            assert!(r.missing_days.is_empty());
            let stored: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM indicator_days WHERE day = $1")
                    .bind(oct(3))
                    .fetch_one(&f.db)
                    .await
                    .expect("count");
            assert_eq!(stored, 0, "today is never stored");
            live = Some(r);
        }
    }
    let now = november_20();
    let incremental_rows = stored_rows(&f.db).await;
    let incremental = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::Vehicle),
        now,
    )
    .await
    .expect("report");
    let closed3 = ind::report(&f.db, &f.tracks, &cfg, &admin, &first3, now)
        .await
        .expect("closed");
    assert_eq!(
        live.expect("live report").report.groups,
        closed3.report.groups
    );

    let run = ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(31), now)
        .await
        .expect("recompute");
    assert_eq!(run.days.len(), 31);
    assert!(run.propagated.is_empty(), "nothing changed: {run:?}");
    assert_eq!(stored_rows(&f.db).await, incremental_rows);
    let recomputed = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::Vehicle),
        now,
    )
    .await
    .expect("report");
    assert_eq!(recomputed.report, incremental.report);

    // compute_day on a fresh database computes the days before it first.
    let (db2, _d2) = {
        let d = tempfile::tempdir().expect("tempdir");
        let db = tongtu_registry::db::open(&d.path().join("b.db"))
            .await
            .expect("db");
        tongtu_alarms::migrate(&db).await.expect("migrate");
        (db, d)
    };
    let run = ind::compute_day(&db2, &f.tracks, &cfg, oct(3), now)
        .await
        .expect("day");
    assert_eq!(run.days, [oct(3)]);
    assert_eq!(
        run.caught_up,
        [oct(1), oct(2)],
        "reported apart from the range"
    );
    let rows2 = stored_rows(&db2).await;
    let rows1: Vec<_> = incremental_rows
        .iter()
        .filter(|r| r.1 <= oct(3))
        .cloned()
        .collect();
    assert_eq!(rows2, rows1);

    // Closed days only.
    let e = ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(1) + 50, now)
        .await
        .expect_err("today");
    assert!(
        matches!(e, tongtu_alarms::AlarmError::Invalid { .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn late_data_is_followed_into_the_next_day() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let now = november_20();
    ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("catch up");
    let before = stored_rows(&f.db).await;
    // A blind-area fix of V1 late on 1 Oct, 11 km north of where it parked.
    let v1 = f.v[0] as u32;
    let mut late = fix(v1, at(oct(1), 23, 0), LAT + 400_000);
    late.flags |= flags::SUPPLEMENTARY;
    late.receive_time_ms = at(oct(5), 9, 0);
    f.tracks.append(vec![late]).await.expect("append");
    let run = ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(1), now)
        .await
        .expect("recompute");
    assert_eq!(run.days, [oct(1)]);
    assert_eq!(
        run.propagated,
        [oct(2)],
        "V1's 2 Oct starts from the late fix"
    );
    let after = stored_rows(&f.db).await;
    let changed: Vec<(i64, i32)> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| (a.0, a.1))
        .collect();
    assert_eq!(changed, [(f.v[0], oct(1)), (f.v[0], oct(2))]);
    // And the result is what a full recomputation gives.
    ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(31), now)
        .await
        .expect("full");
    assert_eq!(stored_rows(&f.db).await, after);
}

#[tokio::test]
async fn drill_down_lists_the_exact_positions() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let now = november_20();
    ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("catch up");
    let admin = Principal::system();
    let d1 = ind::vehicle_drilldown(&f.db, &f.tracks, &cfg, &admin, f.v[1], oct(1), 100, now)
        .await
        .expect("drill 1 Oct");
    assert_eq!(d1.date, "2026-10-01");
    assert_eq!(d1.plate, "粤Q10002");
    let gaps = &d1.items.incomplete.items;
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (
            gaps[0].from.time_ms,
            gaps[0].from.lat,
            gaps[0].to.time_ms,
            gaps[0].to.lat
        ),
        (
            at(oct(1), 8, 30),
            LAT + 150_000,
            at(oct(1), 8, 41),
            LAT + 177_000
        )
    );
    assert_eq!(gaps[0].gap_secs, 660.0);
    let bad: Vec<(i64, Unqualified, f64)> = d1
        .items
        .unqualified
        .items
        .iter()
        .map(|u| (u.device_time_ms, u.reason, u.value))
        .collect();
    assert_eq!(
        bad,
        [
            (at(oct(1), 8, 10), Unqualified::AltitudeOutOfRange, 7_000.0),
            (at(oct(1), 8, 50), Unqualified::SpeedOutOfRange, 170.0),
        ]
    );
    assert!(d1.items.drift.items.is_empty());
    let d2 = ind::vehicle_drilldown(&f.db, &f.tracks, &cfg, &admin, f.v[1], oct(2), 100, now)
        .await
        .expect("drill 2 Oct");
    let drift = &d2.items.drift.items;
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].fix.time_ms, at(oct(2), 8, 30));
    assert_eq!(drift[0].from.time_ms, at(oct(2), 8, 29));
    assert!(drift[0].implied_kmh > 3_000.0);
    // The drill-down's counts are the stored day's.
    let stored: String = sqlx::query_scalar(
        "SELECT tally_json FROM indicator_days WHERE vehicle_id = $1 AND day = $2",
    )
    .bind(f.v[1])
    .bind(oct(2))
    .fetch_one(&f.db)
    .await
    .expect("stored");
    assert_eq!(serde_json::to_string(&d2.tally).expect("json"), stored);
    // Capped lists say how many more.
    let capped = ind::vehicle_drilldown(&f.db, &f.tracks, &cfg, &admin, f.v[1], oct(1), 1, now)
        .await
        .expect("capped");
    assert_eq!(
        (
            capped.items.unqualified.items.len(),
            capped.items.unqualified.more
        ),
        (1, 1)
    );
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[tokio::test]
async fn excel_and_csv_read_back() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let now = november_20();
    ind::catch_up(&f.db, &f.tracks, &cfg, oct(1) + 49, now)
        .await
        .expect("catch up");
    let admin = Principal::system();
    let mut reports = Vec::new();
    for g in [
        Grouping::City,
        Grouping::Region,
        Grouping::Enterprise,
        Grouping::Vehicle,
    ] {
        reports.push(
            ind::report(&f.db, &f.tracks, &cfg, &admin, &october(g), now)
                .await
                .expect("report"),
        );
    }
    let bytes = ind::indicators_workbook(&reports[0], &reports[1], &reports[2], &reports[3])
        .expect("workbook");
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    assert_eq!(wb.sheet_names(), ["全市", "区县", "企业", "车辆"]);

    let sheet = wb.worksheet_range("企业").expect("企业");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert!(
        text(&rows[0][0]).contains("2026-10-01 至 2026-10-31"),
        "{:?}",
        rows[0][0]
    );
    let headers: Vec<String> = rows[1].iter().map(text).collect();
    let colx = |h: &str| {
        headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h}"))
    };
    for h in [
        "企业名称",
        "所属区县",
        "入网车辆数",
        "在册车辆数",
        "车辆入网率",
        "数据合格率",
        "卫星定位漂移车辆率",
        "平均疲劳驾驶时长（小时）",
        "企业考核得分",
    ] {
        colx(h);
    }
    // Two enterprises, then the totals row.
    assert_eq!(rows.len(), 2 + 2 + 1);
    let e2 = rows
        .iter()
        .find(|r| text(&r[0]) == "阳西运输公司")
        .expect("E2 row");
    assert_eq!(text(&e2[1]), "阳西县");
    assert_eq!(num(&e2[colx("车辆入网率")]), 0.5);
    assert_eq!(num(&e2[colx("合格数据条数")]), 7.0);
    assert_eq!(num(&e2[colx("平均疲劳驾驶时长（小时）")]), 0.5);
    let totals = rows.last().expect("totals");
    assert_eq!(text(&totals[0]), "合计");
    assert_eq!(num(&totals[colx("入网车辆数")]), 4.0);
    assert_eq!(num(&totals[colx("在册车辆数")]), 5.0);
    assert_eq!(num(&totals[colx("车辆入网率")]), 0.8);
    assert_eq!(num(&totals[colx("数据总条数")]), 366.0);

    // The totals of every level equal the city row.
    let city_sheet = wb.worksheet_range("全市").expect("全市");
    let city_rows: Vec<Vec<Data>> = city_sheet.rows().map(|r| r.to_vec()).collect();
    let city_headers: Vec<String> = city_rows[1].iter().map(text).collect();
    let q = city_headers
        .iter()
        .position(|h| h == "数据合格率")
        .expect("col");
    assert_eq!(num(&city_rows[2][q]), 361.0 / 366.0);
    assert_eq!(num(&city_rows[3][q]), 361.0 / 366.0);
    let vehicles = wb.worksheet_range("车辆").expect("车辆");
    let vrows: Vec<Vec<Data>> = vehicles.rows().map(|r| r.to_vec()).collect();
    assert_eq!(vrows.len(), 2 + 5 + 1, "V1–V4 and V6");
    assert_eq!(text(&vrows[2][0]), "粤Q10001");
    assert_eq!(text(&vrows[2][1]), "黄");
    assert_eq!(text(&vrows[2][2]), "江城客运公司");

    let csv = ind::indicators_csv(&reports[2]);
    assert!(
        csv.starts_with("\u{feff}企业名称,所属区县,入网车辆数,在册车辆数,车辆入网率"),
        "{csv}"
    );
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("合计,,4,5,80.00%"), "{}", lines[3]);
}

#[tokio::test]
async fn settings_are_validated_and_audited() {
    let f = fleet().await;
    let admin = Principal::system();
    assert_eq!(
        ind::load_config(&f.db).await.expect("load"),
        IndicatorConfig::default()
    );
    let mut cfg = IndicatorConfig::default();
    cfg.targets.online_rate = 95.0;
    let e = ind::save_config(&f.db, &admin, &cfg, 1)
        .await
        .expect_err("percent");
    assert!(e.to_string().contains("targets.online_rate"), "{e}");
    let e = ind::save_config(&f.db, &officer(f.e1), &IndicatorConfig::default(), 1)
        .await
        .expect_err("officer");
    assert!(matches!(e, tongtu_alarms::AlarmError::Forbidden(_)));
    cfg.targets.online_rate = 0.99;
    cfg.gap_secs = 600;
    ind::save_config(&f.db, &admin, &cfg, 1)
        .await
        .expect("save");
    assert_eq!(ind::load_config(&f.db).await.expect("load"), cfg);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'indicators.update'")
            .fetch_one(&f.db)
            .await
            .expect("audit");
    assert_eq!(audited, 1);

    // Days computed under the old gap rule are reported stale.
    let now = november_20();
    ind::catch_up(
        &f.db,
        &f.tracks,
        &IndicatorConfig::default(),
        oct(1) + 49,
        now,
    )
    .await
    .expect("catch up");
    let r = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::City),
        now,
    )
    .await
    .expect("report");
    assert_eq!(r.stale_days.len(), 31);
    ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(31), now)
        .await
        .expect("recompute");
    let r = ind::report(
        &f.db,
        &f.tracks,
        &cfg,
        &admin,
        &october(Grouping::City),
        now,
    )
    .await
    .expect("report");
    assert!(r.stale_days.is_empty());
}

#[tokio::test]
async fn nightly_settles_the_day_before_yesterday() {
    let f = fleet().await;
    let cfg = IndicatorConfig::default();
    let run = ind::nightly(&f.db, &f.tracks, &cfg, at(oct(3), 0, 30))
        .await
        .expect("night of 2 Oct");
    assert_eq!(run.days, [oct(1), oct(2)]);
    // Blind-area data of 2 Oct arrives during 3 Oct.
    let v1 = f.v[0] as u32;
    let mut late = fix(v1, at(oct(2), 23, 0), LAT + 700_000);
    late.flags |= flags::SUPPLEMENTARY;
    late.receive_time_ms = at(oct(3), 9, 0);
    f.tracks.append(vec![late]).await.expect("append");
    let run = ind::nightly(&f.db, &f.tracks, &cfg, at(oct(4), 0, 30))
        .await
        .expect("night of 3 Oct");
    assert_eq!(run.days, [oct(3), oct(2)], "3 Oct closed, 2 Oct settled");
    assert_eq!(run.propagated, [oct(3)]);
    let again = ind::nightly(&f.db, &f.tracks, &cfg, at(oct(4), 0, 40))
        .await
        .expect("rerun");
    assert!(again.days.is_empty(), "{again:?}");
    let settled = stored_rows(&f.db).await;
    ind::recompute(&f.db, &f.tracks, &cfg, oct(1), oct(3), at(oct(4), 1, 0))
        .await
        .expect("recompute");
    assert_eq!(stored_rows(&f.db).await, settled);
}
