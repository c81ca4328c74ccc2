//! 实时监控 and 轨迹回放 in a real browser against the real binary. Three real JT/T 808
//! terminals (the simulator's client) of the enterprise officer's fleet and one of another
//! enterprise report positions; headless Chromium driven by `web/e2e/live-map.mjs` opens the
//! live map as the officer and checks the online count against `/live/vehicles`, that the
//! other enterprise's plate cannot be found, and that a vehicle moves on the map when its
//! terminal sends a new 0x0200 (~500 m away); then it plays that vehicle's track back. Every
//! request to another origin fails the script (the console must work offline).
//! Set TONGTU_SKIP_BROWSER_TESTS=1 only on machines without Chromium; CI installs it.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use tongtu_sim::terminal::{location, Terminal};

use common::{cars, connect, get_json, login, PASSWORD};

fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    p.exists().then_some(p)
}

/// A fix `secs_ago` seconds old, acknowledged by the platform.
async fn report(t: &mut Terminal, lat: f64, lon: f64, kmh: f64, secs_ago: i64) {
    let mut loc = location(
        lat,
        lon,
        kmh,
        0,
        Utc::now() - chrono::Duration::seconds(secs_ago),
    );
    loc.status |= 1; // ignition on
    let serial = t.send_location(&loc).await.expect("send 0x0200");
    assert_eq!(t.wait_ack(serial).await.expect("0x8001"), 0);
}

/// A short drive northwards ending at (lat, lon) now: a track to play back.
async fn drive(t: &mut Terminal, lat: f64, lon: f64) {
    for k in (1..=6).rev() {
        report(t, lat - 0.0008 * k as f64, lon, 30.0, 60 * k).await;
    }
    report(t, lat, lon, 30.0, 1).await;
}

/// A 1×1 PNG: what the stand-in tile service answers to every tile.
const TILE_PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xb8, 0xfb, 0xe4, 0xcd,
    0x7f, 0x00, 0x08, 0xfc, 0x03, 0xad, 0x21, 0x65, 0x0c, 0x34, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A stand-in for an online tile service (another origin than the console): answers every
/// GET with a tile and records the paths asked for.
async fn tile_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind tile server");
    let origin = format!(
        "http://{}",
        listener.local_addr().expect("tile server address")
    );
    let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = paths.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                while !buf[..got].windows(4).any(|w| w == b"\r\n\r\n") && got < buf.len() {
                    match sock.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..got]).to_string();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.lock().expect("paths").push(path);
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\
                     Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
                    TILE_PNG.len()
                )
                .into_bytes();
                resp.extend_from_slice(&TILE_PNG);
                let _ = sock.write_all(&resp).await;
            });
        }
    });
    (origin, paths)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_watches_the_live_map_and_plays_a_track_back() {
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
    // Enough vehicles that the officer's enterprise has three with terminals (the demo spreads
    // the fleet over many enterprises; --no-fleet: only our terminals report).
    // An online basemap drawn in GCJ-02, served from another origin.
    let (tiles, tile_paths) = tile_server().await;
    let config =
        std::env::temp_dir().join(format!("tongtu-browser-live-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!(
            "[[map.sources]]\nname = \"测试瓦片\"\nkind = \"xyz\"\nurl = \"{tiles}/{{z}}/{{x}}/{{y}}.png\"\ncrs = \"gcj02\"\n"
        ),
    )
    .expect("write config");
    let config_arg = config.to_string_lossy().to_string();
    let s = common::start_with(200, &["--no-fleet", "--config", &config_arg]);
    let addr: SocketAddr = s.jt808.parse().expect("gateway address");
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let officer = login(&s, "officer").await;
    let admin = login(&s, "admin").await;
    let (_, me) = get_json(&officer, &api("/auth/me")).await;
    let own = me["user"]["enterprise_id"]
        .as_i64()
        .or_else(|| me["enterprise_id"].as_i64())
        .expect("the officer has an enterprise");

    let mine = cars(&s, &officer).await;
    assert!(
        mine.len() >= 3,
        "the officer's enterprise has 3 terminals bound to vehicles"
    );
    assert!(mine.iter().all(|c| c.enterprise_id == own));
    let all = cars(&s, &admin).await;
    let other = all
        .iter()
        .find(|c| c.enterprise_id != own)
        .expect("a vehicle of another enterprise");

    // Three of the officer's vehicles and the other one drive and stay connected.
    let mut terms = Vec::new();
    for (k, c) in mine.iter().take(3).enumerate() {
        let mut t = connect(addr, c).await;
        drive(&mut t, 21.860 + 0.01 * k as f64, 111.980 + 0.01 * k as f64).await;
        terms.push(t);
    }
    let mut t_other = connect(addr, other).await;
    drive(&mut t_other, 21.800, 111.900).await;
    terms.push(t_other);
    let moved = &mine[0];

    // What the API reports for the officer once the three are online.
    let deadline = Instant::now() + Duration::from_secs(20);
    let expect_online = loop {
        let (st, v) = get_json(&officer, &api("/live/vehicles")).await;
        assert_eq!(st, 200, "{v}");
        let items = v["items"].as_array().expect("live items");
        assert!(
            items.iter().all(|i| i["plate"] != other.plate.as_str()),
            "the officer sees another enterprise's vehicle: {v}"
        );
        let online = items.iter().filter(|i| i["online"] == true).count();
        if online >= 3 {
            break online;
        }
        assert!(
            Instant::now() < deadline,
            "3 terminals not online in time: {v}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // The terminals: heartbeats, and on request a new fix ~500 m north of vehicle 0.
    let stop = Arc::new(AtomicBool::new(false));
    let (move_tx, mut move_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let terminals = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut last_beat = Instant::now();
            let mut sent = false;
            while !stop.load(Ordering::SeqCst) {
                for t in terms.iter_mut() {
                    t.poll(Duration::from_millis(50))
                        .await
                        .expect("terminal connection");
                    let _ = t.take_downlinks();
                }
                if !sent && move_rx.try_recv().is_ok() {
                    report(&mut terms[0], 21.860 + 0.0045, 111.980, 35.0, 0).await;
                    sent = true;
                }
                if last_beat.elapsed() > Duration::from_secs(20) {
                    for t in terms.iter_mut() {
                        t.heartbeat().await.expect("heartbeat");
                    }
                    last_beat = Instant::now();
                }
            }
            sent
        })
    };

    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let tmp = std::env::temp_dir();
    let shot_live = tmp.join(format!("tongtu-browser-live-{}.png", std::process::id()));
    let shot_pb = tmp.join(format!(
        "tongtu-browser-playback-{}.png",
        std::process::id()
    ));
    let shot_dash = tmp.join(format!(
        "tongtu-browser-dashboard-{}.png",
        std::process::id()
    ));
    let shot_card = tmp.join(format!("tongtu-browser-card-{}.png", std::process::id()));
    let run = {
        let tiles = tiles.clone();
        let (base, other_plate) = (s.base.clone(), other.plate.clone());
        let (shot_live, shot_pb) = (shot_live.clone(), shot_pb.clone());
        let (shot_dash, shot_card) = (shot_dash.clone(), shot_card.clone());
        let vehicle_id = moved.vehicle_id;
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new("node")
                .arg("e2e/live-map.mjs")
                .current_dir(&web)
                .env("BASE_URL", base)
                .env("USERNAME", "officer")
                .env("PASSWORD", PASSWORD)
                .env("EXPECT_ONLINE", expect_online.to_string())
                .env("OTHER_PLATE", other_plate)
                .env("MOVE_VEHICLE_ID", vehicle_id.to_string())
                .env("CHROMIUM", &chromium)
                .env("SCREENSHOT_LIVE", &shot_live)
                .env("SCREENSHOT_PLAYBACK", &shot_pb)
                .env("SCREENSHOT_DASHBOARD", &shot_dash)
                .env("SCREENSHOT_CARD", &shot_card)
                .env("TILE_ORIGIN", &tiles)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run node (is Node.js installed?)");
            let mut stderr = child.stderr.take().expect("stderr");
            let err_reader = std::thread::spawn(move || {
                let mut s = String::new();
                let _ = stderr.read_to_string(&mut s);
                s
            });
            let mut stdout = String::new();
            for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
                let line = line.unwrap_or_default();
                if line.starts_with("READY-TO-MOVE") {
                    let _ = move_tx.send(());
                }
                stdout.push_str(&line);
                stdout.push('\n');
            }
            let status = child.wait().expect("node exit");
            (status, stdout, err_reader.join().unwrap_or_default())
        })
    };
    let (status, stdout, stderr) = run.await.expect("node task");
    stop.store(true, Ordering::SeqCst);
    let sent = terminals.await.expect("terminal task");
    assert!(
        status.success(),
        "browser script failed ({status}), screenshots at {} / {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        shot_live.display(),
        shot_pb.display()
    );
    eprintln!("{stdout}");
    assert!(sent, "the script never asked to move the vehicle: {stdout}");
    assert!(
        stdout.contains(&format!(
            "OK live {expect_online} moved {}",
            moved.vehicle_id
        )),
        "{stdout}"
    );

    // The API agrees: the vehicle is where the terminal last said.
    let (_, v) = get_json(&officer, &api("/live/vehicles")).await;
    let it: &Value = v["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["vehicle_id"] == moved.vehicle_id))
        .expect("the moved vehicle is listed");
    let lat = it["lat"].as_f64().expect("lat");
    assert!((lat - 21.8645).abs() < 1e-4, "{it}");
    // The browser fetched tiles of the online basemap from its own origin.
    let asked = tile_paths.lock().expect("paths").clone();
    assert!(
        asked.iter().any(|p| {
            let parts: Vec<&str> = p
                .trim_start_matches('/')
                .trim_end_matches(".png")
                .split('/')
                .collect();
            parts.len() == 3 && parts.iter().all(|x| x.parse::<u32>().is_ok())
        }),
        "no z/x/y tile requested: {asked:?}"
    );
    let _ = std::fs::remove_file(&config);

    // The card's position query went to the terminal as the officer, and was audited.
    let (_, audit) = get_json(&admin, &api("/audit?limit=50")).await;
    assert!(
        audit["items"]
            .as_array()
            .expect("audit")
            .iter()
            .any(|x| x["action"] == "terminal.locate"),
        "{audit}"
    );
    for f in [&shot_live, &shot_pb, &shot_dash, &shot_card] {
        let _ = std::fs::remove_file(f);
    }
}
