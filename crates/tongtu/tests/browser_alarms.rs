//! The alarm console in a real browser against the real binary: a real JT/T 808 terminal (the
//! simulator's client) of the enterprise officer's fleet presses its emergency button, the
//! live rules raise an alarm, and headless Chromium driven by `web/e2e/handle-alarm.mjs`
//! handles it with a text to the driver. The terminal answers the 0x8300; the API then shows
//! the alarm handled with the text and the terminal's answer recorded, and the officer still
//! cannot read another enterprise's alarm.
//! Set TONGTU_SKIP_BROWSER_TESTS=1 only on machines without Chromium; CI installs it.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use tongtu_sim::terminal::{location, Terminal};

use common::{cars, connect, get_json, login, start, PASSWORD};

fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    p.exists().then_some(p)
}

/// A fix `secs_ago` seconds old with the alarm bits `alarm`, acknowledged by the platform.
async fn report(t: &mut Terminal, lat: f64, lon: f64, kmh: f64, alarm: u32, secs_ago: i64) {
    let mut loc = location(
        lat,
        lon,
        kmh,
        90,
        Utc::now() - chrono::Duration::seconds(secs_ago),
    );
    loc.alarm = alarm;
    loc.status |= 1; // ignition on
    let serial = t.send_location(&loc).await.expect("send 0x0200");
    assert_eq!(t.wait_ack(serial).await.expect("0x8001"), 0);
}

/// The emergency button (JT/T 808 alarm bit 0) pressed for two fixes, then released.
async fn press_emergency(t: &mut Terminal, lat: f64, lon: f64) {
    report(t, lat, lon, 42.0, 0, 50).await;
    report(t, lat + 0.001, lon + 0.001, 45.0, 1, 40).await;
    report(t, lat + 0.002, lon + 0.002, 47.0, 1, 30).await;
    report(t, lat + 0.003, lon + 0.003, 44.0, 0, 20).await;
    report(t, lat + 0.004, lon + 0.004, 40.0, 0, 10).await;
}

/// Waits until `url` lists an alarm; returns the first one.
async fn first_alarm(c: &reqwest::Client, url: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (st, v) = get_json(c, url).await;
        assert_eq!(st, 200, "{url}: {v}");
        if let Some(a) = v["items"].as_array().and_then(|a| a.first()) {
            return a.clone();
        }
        assert!(Instant::now() < deadline, "no alarm at {url} in time: {v}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_handles_an_alarm_with_a_text_in_the_console() {
    if std::env::var("TONGTU_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("browser test skipped by TONGTU_SKIP_BROWSER_TESTS=1");
        return;
    }
    let chromium = chromium().expect(
        "Chromium not found at /usr/bin/chromium (apt-get install chromium), or set CHROMIUM",
    );
    assert!(
        tongtu_server::web::console_built(),
        "the binary was built without the console (TONGTU_SKIP_WEB_BUILD=1)"
    );
    let s = start(30);
    let addr: SocketAddr = s.jt808.parse().expect("gateway address");
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let officer = login(&s, "officer").await;
    let admin = login(&s, "admin").await;
    let (_, me) = get_json(&officer, &api("/auth/me")).await;
    let own = me["user"]["enterprise_id"]
        .as_i64()
        .or_else(|| me["enterprise_id"].as_i64())
        .expect("the officer has an enterprise");

    // A vehicle of the officer's enterprise (looked up as the officer: only theirs are
    // listed) and one of another enterprise.
    let mine = cars(&s, &officer).await;
    let car = mine
        .first()
        .expect("the officer's enterprise has a terminal bound to a vehicle");
    assert_eq!(car.enterprise_id, own);
    let others = cars(&s, &admin).await;
    let other = others
        .iter()
        .find(|c| c.enterprise_id != own)
        .expect("a vehicle of another enterprise");

    // Both press the emergency button; the live rules raise a terminal_0 alarm for each.
    let mut t = connect(addr, car).await;
    press_emergency(&mut t, 21.860, 111.980).await;
    let mut t_other = connect(addr, other).await;
    press_emergency(&mut t_other, 21.750, 111.900).await;
    let alarm = first_alarm(&officer, &api(&format!("/alarms?plate={}", car.plate))).await;
    assert_eq!(alarm["rule"], "terminal_0", "{alarm}");
    assert_eq!(alarm["state"], "new", "{alarm}");
    let id = alarm["id"].as_i64().expect("alarm id");
    let foreign = first_alarm(&admin, &api(&format!("/alarms?plate={}", other.plate))).await;
    let foreign_id = foreign["id"].as_i64().expect("alarm id");
    drop(t_other);

    // Keep the terminal online and answering downlinks (0x8300 → 0x0001 result 0, which the
    // simulator's client does by itself) while the browser works; collect the texts.
    let stop = Arc::new(AtomicBool::new(false));
    let terminal = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut texts = Vec::new();
            let mut last_beat = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                t.poll(Duration::from_millis(200))
                    .await
                    .expect("terminal connection");
                // 0x8300 text messages (the client has already answered them with 0x0001).
                for p in t.take_downlinks() {
                    if p.header.msg_id == 0x8300 {
                        texts.push(format!("{:?}", p.message));
                    }
                }
                if last_beat.elapsed() > Duration::from_secs(20) {
                    t.heartbeat().await.expect("heartbeat");
                    last_beat = Instant::now();
                }
            }
            (t, texts)
        })
    };

    let text = "请在前方服务区停车，联系车队调度（浏览器测试）";
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let screenshot =
        std::env::temp_dir().join(format!("tongtu-browser-alarm-{}.png", std::process::id()));
    let run = {
        let (base, plate, screenshot) = (s.base.clone(), car.plate.clone(), screenshot.clone());
        tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg("e2e/handle-alarm.mjs")
                .current_dir(&web)
                .env("BASE_URL", base)
                .env("USERNAME", "officer")
                .env("PASSWORD", PASSWORD)
                .env("ALARM_ID", id.to_string())
                .env("PLATE", plate)
                .env("TEXT", text)
                .env("CHROMIUM", &chromium)
                .env("SCREENSHOT", &screenshot)
                .output()
                .expect("run node (is Node.js installed?)")
        })
    };
    let out = run.await.expect("node task");
    stop.store(true, Ordering::SeqCst);
    let (_t, texts) = terminal.await.expect("terminal task");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser script failed ({}), screenshot at {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status,
        screenshot.display()
    );
    assert!(stdout.contains(&format!("OK {id} accepted")), "{stdout}");
    assert_eq!(texts.len(), 1, "the terminal received one text: {texts:?}");
    assert!(
        texts[0].contains(text),
        "the terminal received {texts:?}, not {text}"
    );

    // The API agrees with what the page showed.
    let (st, d) = get_json(&officer, &api(&format!("/alarms/{id}"))).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["state"], "handled", "{d}");
    assert_eq!(d["measure"], "text_to_driver", "{d}");
    let sent: Vec<&Value> = d["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["action"] == "text_sent")
        .collect();
    assert_eq!(sent.len(), 1, "{d}");
    assert_eq!(sent[0]["text"], text, "{d}");
    assert_eq!(sent[0]["terminal_result"], "accepted", "{d}");
    assert_eq!(
        sent[0]["actor_name"].as_str().map(str::is_empty),
        Some(false),
        "{d}"
    );

    // Scope: the officer cannot read, nor find, the other enterprise's alarm.
    let (st, v) = get_json(&officer, &api(&format!("/alarms/{foreign_id}"))).await;
    assert_eq!(st, 404, "officer read another enterprise's alarm: {v}");
    let (st, v) = get_json(&officer, &api(&format!("/alarms?plate={}", other.plate))).await;
    assert_eq!((st, v["total"].as_i64()), (200, Some(0)), "{v}");
    let _ = std::fs::remove_file(&screenshot);
}
