//! The report's charts against a real SQLite database: their numbers, well-formed SVG with
//! one mark per value, no chart without data, and (with Chromium) PNG for DOCX.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;
use tongtu_report::charts::{self, ChartData, Style, PNG_SIGNATURE};
use tongtu_report::doc::{Block, Document, Inline};
use tongtu_report::docx::{self, DocxOptions};
use tongtu_report::period::Period;
use tongtu_report::report;

async fn db() -> (sqlx::SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = tongtu_registry::db::open(&dir.path().join("t.db"))
        .await
        .expect("db");
    tongtu_records::migrate(&pool).await.expect("migrate");
    // Only the columns the report reads; the real table belongs to tongtu-alarms.
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS alarms (id INTEGER PRIMARY KEY, rule TEXT NOT NULL, \
         start_ms INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'new')",
    )
    .execute(&pool)
    .await
    .expect("alarms table");
    (pool, dir)
}

async fn exec(db: &sqlx::SqlitePool, sql: &str) {
    sqlx::query(sql)
        .execute(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

const NOW: &str = "'2025-07-01T00:00:00Z', '2025-07-01T00:00:00Z'";

async fn seed(db: &sqlx::SqlitePool) {
    for (id, kind) in [
        (1, "railway"),
        (2, "expressway"),
        (3, "expressway"),
        (4, "channel"),
    ] {
        exec(db, &format!(
            "INSERT INTO rec_projects (id, code, name, kind, created_at, updated_at) VALUES ({id}, 'P{id}', '项目{id}', '{kind}', {NOW})"
        ))
        .await;
    }
    // Plans 2025 (万元): railway 200000, expressway 100000 + 50000; channel has no plan.
    for (p, year, v) in [
        (1, 2025, 200000.0),
        (2, 2025, 100000.0),
        (3, 2025, 50000.0),
        (1, 2024, 999999.0),
    ] {
        exec(db, &format!(
            "INSERT INTO rec_project_plans (project_id, year, planned_investment, created_at, updated_at) VALUES ({p}, {year}, {v}, {NOW})"
        ))
        .await;
    }
    // Completed Jan–Jun 2025: railway 30000 + 50000, expressway 20000, channel 5000.
    // July 2025 and December 2024 are outside 1—6月.
    for (p, month, v) in [
        (1, "2025-01", 30000.0),
        (1, "2025-06", 50000.0),
        (2, "2025-03", 20000.0),
        (4, "2025-02", 5000.0),
        (1, "2025-07", 77777.0),
        (1, "2024-12", 88888.0),
    ] {
        exec(db, &format!(
            "INSERT INTO rec_project_investments (project_id, month, completed, created_at, updated_at) VALUES ({p}, '{month}', {v}, {NOW})"
        ))
        .await;
    }
    // Road: two rows (counties) in January 2025, one in February 2025, one in January 2024;
    // waterway is not counted.
    for (month, mode, pv, fv) in [
        ("2025-01", "road", 100.0, 500.0),
        ("2025-01", "road", 20.5, 50.0),
        ("2025-02", "road", 90.0, 480.0),
        ("2024-01", "road", 110.0, 530.0),
        ("2025-01", "waterway", 9999.0, 9999.0),
    ] {
        exec(db, &format!(
            "INSERT INTO rec_transport_stats (month, mode, passenger_volume, freight_volume, created_at, updated_at) VALUES ('{month}', '{mode}', {pv}, {fv}, {NOW})"
        ))
        .await;
    }
    // 2025-03-01T00:00Z; one alarm in July (H2) is outside the period.
    let march = 1_740_787_200_000i64;
    let july = 1_751_328_000_000i64;
    for (rule, ms, state) in [
        ("speeding", march, "new"),
        ("speeding", march + 1, "handled"),
        ("speeding", march + 2, "closed"),
        ("fatigue", march, "overdue"),
        ("zone_speeding_4", march, "escalated"),
        ("speeding", july, "handled"),
    ] {
        exec(
            db,
            &format!(
                "INSERT INTO alarms (rule, start_ms, state) VALUES ('{rule}', {ms}, '{state}')"
            ),
        )
        .await;
    }
}

fn h1() -> Period {
    Period::new(2025, 1).expect("period")
}

/// Parses the SVG (fails on malformed XML) and returns every element's name and attributes,
/// and all text content.
/// An element's name and attributes.
type Element = (String, Vec<(String, String)>);

fn parse_svg(svg: &str) -> (Vec<Element>, String) {
    let mut r = Reader::from_str(svg);
    let mut elements = Vec::new();
    let mut text = String::new();
    let mut open = 0i32;
    loop {
        let event = r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG: {e}"));
        let start = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                open += i32::from(start);
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            a.decode_and_unescape_value(r.decoder())
                                .expect("value")
                                .into_owned(),
                        )
                    })
                    .collect();
                elements.push((
                    String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    attrs,
                ));
            }
            Event::End(_) => open -= 1,
            Event::Text(t) => text.push_str(&t.xml10_content().expect("text")),
            Event::GeneralRef(g) => {
                let name = g.decode().expect("entity");
                text.push_str(
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("unknown entity {name}")),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(open, 0, "unbalanced SVG");
    assert_eq!(elements.first().map(|e| e.0.as_str()), Some("svg"));
    (elements, text)
}

fn count_class(elements: &[Element], name: &str, class: &str) -> usize {
    elements
        .iter()
        .filter(|(n, a)| n == name && a.iter().any(|(k, v)| k == "class" && v == class))
        .count()
}

fn values(d: &ChartData, panel: usize, series: usize) -> Vec<Option<f64>> {
    d.panels[panel].series[series].values.clone()
}

#[tokio::test]
async fn investment_chart_per_kind() {
    let (db, _d) = db().await;
    seed(&db).await;
    let d = charts::investment(&db, &h1())
        .await
        .expect("query")
        .expect("data");
    assert_eq!(d.style, Style::Bars);
    // Declared order of kinds; kinds with neither plan nor completion are left out.
    assert_eq!(d.categories, ["铁路", "高速公路", "航道"]);
    assert_eq!(values(&d, 0, 0), [Some(20.0), Some(15.0), Some(0.0)]);
    assert_eq!(values(&d, 0, 1), [Some(8.0), Some(2.0), Some(0.5)]);
    let svg = charts::svg(&d);
    let (el, text) = parse_svg(&svg);
    assert!(text.contains("重点项目投资完成情况（亿元）"), "{text}");
    assert!(
        text.contains("2025年计划") && text.contains("1—6月完成"),
        "{text}"
    );
    assert_eq!(count_class(&el, "rect", "bar"), 6);
    assert!(
        text.contains("20.00") && text.contains("0.50"),
        "value labels: {text}"
    );
    // Axis rounded up: max 20 → 20 with step 5 (ticks 0..20).
    assert_eq!(charts::nice_axis(20.0), (20.0, 5.0));
    assert!(svg.contains("viewBox=\"0 0 1200 600\""));
    assert!(svg.contains("Noto Sans CJK SC"));
}

#[tokio::test]
async fn volumes_chart_this_year_vs_last_year() {
    let (db, _d) = db().await;
    seed(&db).await;
    let d = charts::volumes(&db, &h1())
        .await
        .expect("query")
        .expect("data");
    assert_eq!(d.style, Style::Lines);
    assert_eq!(d.categories, ["1月", "2月", "3月", "4月", "5月", "6月"]);
    let none4 = [None, None, None, None];
    let mut p25 = vec![Some(120.5), Some(90.0)];
    p25.extend(none4);
    let mut p24 = vec![Some(110.0), None];
    p24.extend(none4);
    assert_eq!(values(&d, 0, 0), p25);
    assert_eq!(values(&d, 0, 1), p24);
    let mut f25 = vec![Some(550.0), Some(480.0)];
    f25.extend(none4);
    assert_eq!(values(&d, 1, 0), f25);
    assert_eq!(d.panels[0].series[1].label, "2024年");
    let (el, text) = parse_svg(&charts::svg(&d));
    assert!(text.contains("公路客货运量月度变化"));
    assert!(text.contains("2025年") && text.contains("2024年"));
    assert!(text.contains("客运量（万人次）") && text.contains("货运量（万吨）"));
    // 3 passenger + 3 freight values.
    assert_eq!(count_class(&el, "circle", "point"), 6);
    assert!(text.contains("120.5"));
}

#[tokio::test]
async fn alarms_chart_by_rule_with_handled() {
    let (db, _d) = db().await;
    seed(&db).await;
    let d = charts::alarms(&db, &h1())
        .await
        .expect("query")
        .expect("data");
    assert_eq!(d.categories, ["超速", "疲劳驾驶", "路段超速（围栏4）"]);
    assert_eq!(values(&d, 0, 0), [Some(3.0), Some(1.0), Some(1.0)]);
    // new and overdue are not handled.
    assert_eq!(values(&d, 0, 1), [Some(2.0), Some(0.0), Some(1.0)]);
    let (el, text) = parse_svg(&charts::svg(&d));
    assert!(text.contains("动态监控报警（起）") && text.contains("已处置"));
    assert_eq!(count_class(&el, "rect", "bar"), 6);
}

#[tokio::test]
async fn charts_without_data_are_none_and_flagged() {
    let (db, _d) = db().await;
    let p = h1();
    assert!(charts::investment(&db, &p).await.expect("q").is_none());
    assert!(charts::volumes(&db, &p).await.expect("q").is_none());
    assert!(charts::alarms(&db, &p).await.expect("q").is_none());
    let blocks = charts::blocks(&db, &p).await;
    for id in charts::IDS {
        match &blocks[id] {
            Block::Paragraph { inlines } => match &inlines[..] {
                [Inline::Figure { text, missing, .. }] => {
                    assert!(*missing);
                    assert!(
                        text.starts_with("【缺数据：") && text.contains(charts::title(id)),
                        "{text}"
                    );
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{id}: {other:?}"),
        }
    }
}

#[test]
fn text_is_escaped_in_svg() {
    let d = ChartData {
        id: "alarms",
        title: "a<b>&\"c\"".into(),
        style: Style::Bars,
        categories: vec!["x&y".into()],
        panels: vec![charts::Panel {
            title: "起".into(),
            precision: 0,
            series: vec![charts::Series {
                label: "<s>".into(),
                values: vec![Some(3.0)],
            }],
        }],
    };
    let (el, text) = parse_svg(&charts::svg(&d));
    assert!(text.contains("a<b>&\"c\"") && text.contains("x&y") && text.contains("<s>"));
    assert_eq!(count_class(&el, "rect", "bar"), 1);
}

#[test]
fn nice_axis_rounds_up() {
    assert_eq!(charts::nice_axis(0.0), (1.0, 0.2));
    assert_eq!(charts::nice_axis(3.0), (3.0, 1.0));
    assert_eq!(charts::nice_axis(87.0), (100.0, 20.0));
    assert_eq!(charts::nice_axis(1234.0), (1250.0, 250.0));
}

#[tokio::test]
async fn docx_gets_png_or_a_flagged_note() {
    let (db, _d) = db().await;
    seed(&db).await;
    let blocks = charts::blocks(&db, &h1()).await;
    let chart = blocks["investment"].clone();
    let Block::Chart { svg, png, .. } = &chart else {
        panic!("{chart:?}");
    };
    assert!(png.is_empty() && svg.starts_with("<svg"));
    let doc = Document {
        title: "t".into(),
        subtitle: vec![],
        blocks: vec![chart.clone()],
    };
    // HTML inlines the SVG.
    let html = tongtu_report::html::write(&doc, &[], &[]);
    assert!(html.contains("<figure class=\"chart\"><svg"));

    if report::chromium().is_none() {
        // Without Chromium: a flagged note, no image.
        let bytes = docx::write(&charts::with_png(&doc), &DocxOptions::default()).expect("docx");
        let texts = docx::text_of(&bytes).expect("texts");
        assert!(
            texts.iter().any(|t| t.contains(charts::NEEDS_CHROMIUM)),
            "{texts:?}"
        );
        return;
    }
    let png = charts::rasterise(svg).expect("rasterise");
    assert!(png.starts_with(PNG_SIGNATURE));
    // IHDR: width and height, big-endian, at bytes 16..24.
    assert_eq!(&png[16..24], &[0, 0, 0x04, 0xb0, 0, 0, 0x02, 0x58]);
    let bytes = docx::write(&charts::with_png(&doc), &DocxOptions::default()).expect("docx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut media = Vec::new();
    zip.by_name("word/media/image1.png")
        .expect("image1.png")
        .read_to_end(&mut media)
        .expect("read");
    assert!(media.starts_with(PNG_SIGNATURE));
}

#[test]
fn docx_without_png_writes_a_note_not_an_image() {
    let doc = Document {
        title: "t".into(),
        subtitle: vec![],
        blocks: vec![Block::Chart {
            caption: "图".into(),
            svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".into(),
            png: Vec::new(),
            width_mm: 156.0,
            height_mm: 78.0,
        }],
    };
    let bytes = docx::write(&doc, &DocxOptions::default()).expect("docx");
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("zip");
    assert!(zip.file_names().all(|n| !n.starts_with("word/media/")));
    let texts = docx::text_of(&bytes).expect("texts");
    assert!(texts.iter().any(|t| t.contains(charts::NEEDS_CHROMIUM)));
}

#[test]
fn default_template_has_the_charts() {
    tongtu_report::template::check(tongtu_report::template::DEFAULT).expect("check");
    for id in charts::IDS {
        assert!(tongtu_report::template::DEFAULT.contains(&format!("\n@chart {id}\n")));
    }
}
