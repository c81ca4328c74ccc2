//! Starts the real `tongtu` binary (`demo` on a loopback port with a fresh directory) for
//! integration tests, and offers small HTTP helpers.
#![allow(dead_code)] // each test binary uses a different subset of these helpers

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "demo-pass-2026";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    /// Address of the JT/T 808 gateway (a free loopback port).
    pub jt808: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Starts `tongtu demo` with `vehicles` vehicles on a free loopback port, without its
/// simulated fleet (tests drive terminals themselves).
pub fn start(vehicles: usize) -> Server {
    // The bureau's registers are seeded only for the tests about them (start_with).
    start_with(vehicles, &["--no-fleet", "--no-records"])
}

/// Starts `tongtu demo` with extra arguments.
pub fn start_with(vehicles: usize, extra: &[&str]) -> Server {
    let dir = std::env::temp_dir().join(format!(
        "tongtu-it-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tongtu"))
        .args([
            "demo",
            "--http",
            "127.0.0.1:0",
            "--vehicles",
            &vehicles.to_string(),
            "--password",
            PASSWORD,
            "--dir",
        ])
        .arg(&dir)
        .args(extra)
        .env("RUST_LOG", "warn")
        // Parallel tests each need their own gateway port.
        .env("TONGTU_JT808_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tongtu");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut jt808 = String::new();
    let base = loop {
        assert!(
            Instant::now() < deadline,
            "tongtu demo did not print its URL in time"
        );
        let line = lines
            .next()
            .expect("tongtu exited before serving")
            .expect("read stdout");
        if let Some(rest) = line.strip_prefix("JT/T 808 gateway listening on ") {
            jt808 = rest.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("Tongtu demo is running at ") {
            break rest.trim().trim_end_matches('/').to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        dir,
        jt808,
    }
}

/// A client with a cookie jar that sends the CSRF header, logged in as `user`.
pub async fn login(s: &Server, user: &str) -> reqwest::Client {
    let c = client();
    let r = c
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({ "username": user, "password": PASSWORD }))
        .send()
        .await
        .expect("login request");
    assert_eq!(
        r.status(),
        200,
        "login as {user}: {}",
        r.text().await.unwrap_or_default()
    );
    c
}

pub fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-requested-with",
        reqwest::header::HeaderValue::from_static("XMLHttpRequest"),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .expect("client")
}

pub async fn get_json(c: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = c.get(url).send().await.expect("GET");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// A VIN with a correct check digit built from a serial number.
pub fn vin_for(serial: u32) -> String {
    let mut v = format!("LTT{:05}0P{:07}", serial % 100_000, serial);
    v.truncate(17);
    let c = tongtu_registry::validate::vin_check_digit(&v).expect("vin");
    v.replace_range(8..9, &c.to_string());
    v
}

/// A registered terminal bound to a vehicle, as the registry API lists it.
pub struct Car {
    pub phone: String,
    pub terminal_id: String,
    pub version: String,
    pub plate: String,
    pub plate_color: u8,
    pub vehicle_id: i64,
    pub enterprise_id: i64,
}

/// Active terminals bound to vehicles that `c` may see (officers: their enterprise only).
pub async fn cars(s: &Server, c: &reqwest::Client) -> Vec<Car> {
    let (st, page) = get_json(c, &format!("{}/api/v1/terminals?limit=200", s.base)).await;
    assert_eq!(st, 200, "{page}");
    let mut out = Vec::new();
    for t in page["items"].as_array().expect("terminal items") {
        let (Some(vid), true) = (t["vehicle_id"].as_i64(), t["active"] == true) else {
            continue;
        };
        let (st, v) = get_json(c, &format!("{}/api/v1/vehicles/{vid}", s.base)).await;
        assert_eq!(st, 200, "{v}");
        out.push(Car {
            phone: t["phone"].as_str().expect("phone").to_string(),
            terminal_id: t["terminal_id"].as_str().unwrap_or_default().to_string(),
            version: t["protocol_version"].as_str().unwrap_or("2013").to_string(),
            plate: v["plate"].as_str().expect("plate").to_string(),
            plate_color: v["plate_color"].as_u64().expect("plate colour") as u8,
            vehicle_id: vid,
            enterprise_id: t["enterprise_id"].as_i64().expect("enterprise"),
        });
    }
    out
}

/// A real JT/T 808 terminal (the simulator's client) for `c`, registered and authenticated.
pub async fn connect(addr: std::net::SocketAddr, c: &Car) -> tongtu_sim::terminal::Terminal {
    let mut cfg = tongtu_sim::terminal::TerminalConfig::new(&c.phone).with_version_name(&c.version);
    cfg.terminal_id = c.terminal_id.clone();
    cfg.plate = c.plate.clone();
    cfg.plate_color = c.plate_color;
    cfg.timeout = Duration::from_secs(10);
    let mut t = tongtu_sim::terminal::Terminal::connect(addr, cfg)
        .await
        .expect("connect to the gateway");
    t.login(None).await.expect("register and authenticate");
    t
}

/// The console's WebSocket feed (`/api/v1/feed`) as `user` sees it.
pub async fn feed(
    s: &Server,
    user: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({ "username": user, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string();
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("{}/api/v1/feed", s.base.replacen("http", "ws", 1)),
    )
    .expect("ws request");
    req.headers_mut()
        .insert("cookie", cookie.parse().expect("cookie header"));
    tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket feed")
        .0
}

/// Chromium for the browser tests: `$CHROMIUM` or Debian's `/usr/bin/chromium`; `None` when the
/// browser tests are skipped (TONGTU_SKIP_BROWSER_TESTS=1, machines without Chromium).
pub fn chromium_or_skip() -> Option<std::path::PathBuf> {
    if std::env::var("TONGTU_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("browser test skipped by TONGTU_SKIP_BROWSER_TESTS=1");
        return None;
    }
    let p = std::path::PathBuf::from(
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    assert!(
        p.exists(),
        "Chromium not found at {} (apt-get install chromium), or set CHROMIUM",
        p.display()
    );
    assert!(
        tongtu_server::web::console_built(),
        "the binary was built without the console (TONGTU_SKIP_WEB_BUILD=1)"
    );
    Some(p)
}

/// Runs `node web/e2e/<script>` with `envs` (blocking); panics with its output on failure and
/// returns its stdout.
pub fn node_script(script: &str, envs: &[(&str, String)]) -> String {
    let web = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let out = Command::new("node")
        .arg(format!("e2e/{script}"))
        .current_dir(&web)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
