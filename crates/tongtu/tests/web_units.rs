//! Unit tests of the console's pure TypeScript modules (`web/e2e/units.mjs`: datum shift and
//! the like), run with Node like the browser tests. They need `web/node_modules`, which the
//! console build installs; with TONGTU_SKIP_WEB_BUILD=1 and no node_modules they are skipped.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn console_typescript_units() {
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    if !web.join("node_modules/esbuild").exists() {
        assert!(
            std::env::var("TONGTU_SKIP_WEB_BUILD").is_ok_and(|v| v == "1"),
            "web/node_modules is missing: build the console (cargo build) first"
        );
        eprintln!("skipped: no web/node_modules (TONGTU_SKIP_WEB_BUILD=1)");
        return;
    }
    let out = Command::new("node")
        .arg("e2e/units.mjs")
        .current_dir(&web)
        .output()
        .expect("run node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("OK "), "{stdout}");
}
