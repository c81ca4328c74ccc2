//! The console in a real browser: headless Chromium (Debian's `chromium`) driven by
//! `playwright-core` logs in, creates a vehicle through the UI, and the API confirms it.
//! Set TONGTU_SKIP_BROWSER_TESTS=1 only on machines without Chromium; CI installs it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{get_json, login, start, vin_for, PASSWORD};

fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    p.exists().then_some(p)
}

#[tokio::test]
async fn login_and_create_a_vehicle_in_the_console() {
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
    let s = start(40);
    let admin = login(&s, "admin").await;
    let (_, ents) = get_json(&admin, &format!("{}/api/v1/enterprises?limit=1", s.base)).await;
    let enterprise_id = ents["items"][0]["id"].as_i64().expect("an enterprise");
    let plate = "粤QZ8E21";
    let vin = vin_for(4242);
    let (_, existing) = get_json(&admin, &format!("{}/api/v1/vehicles?q={plate}", s.base)).await;
    assert_eq!(existing["total"], 0, "demo fleet already has {plate}");

    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let screenshot = std::env::temp_dir().join("tongtu-browser-failure.png");
    // Named .xlsx, not a workbook: the import dialog must show why the server refused it.
    let bad = s.dir.join("not-a-workbook.xlsx");
    std::fs::write(&bad, b"plate,vin\n").expect("bad file");
    let out = Command::new("node")
        .arg("e2e/create-vehicle.mjs")
        .current_dir(&web)
        .env("BASE_URL", &s.base)
        .env("USERNAME", "admin")
        .env("PASSWORD", PASSWORD)
        .env("PLATE", plate)
        .env("VIN", &vin)
        .env("ENTERPRISE_ID", enterprise_id.to_string())
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOT", &screenshot)
        .env("BAD_FILE", &bad)
        .output()
        .expect("run node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser script failed ({}), screenshot at {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status,
        screenshot.display()
    );
    assert!(stdout.contains(&format!("OK {plate}")), "{stdout}");
    assert!(stdout.contains("import refused: "), "{stdout}");

    let (_, found) = get_json(&admin, &format!("{}/api/v1/vehicles?q={plate}", s.base)).await;
    assert_eq!(found["total"], 1, "{found}");
    let v = &found["items"][0];
    assert_eq!(v["vin"], vin.as_str());
    assert_eq!(v["plate_color"], 2);
    assert_eq!(v["vehicle_class"], "coach");
    assert_eq!(v["enterprise_id"], enterprise_id);
    let (_, audit) = get_json(
        &admin,
        &format!(
            "{}/api/v1/audit?entity=vehicle&entity_id={}",
            s.base, v["id"]
        ),
    )
    .await;
    assert_eq!(audit["items"][0]["action"], "create");
    assert_eq!(audit["items"][0]["actor_name"], "admin");
}
