//! Builds the web console (`web/`, Vue + Vite) into `$OUT_DIR/web` so that it is embedded in
//! the binary. npm runs only when the web sources changed. Set `TONGTU_SKIP_WEB_BUILD=1` to
//! embed a placeholder page instead (fast Rust-only iterations; the console will not work).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("web");
    println!("cargo:rerun-if-env-changed=TONGTU_SKIP_WEB_BUILD");
    for p in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    if std::env::var("TONGTU_SKIP_WEB_BUILD").is_ok_and(|v| v == "1") {
        placeholder(&out);
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm)
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        panic!(
            "\n\nTongtu embeds its web console, which needs Node.js (>= 20) and npm to build.\n\
             Install them (Debian: `apt-get install nodejs npm`) and build again, or set\n\
             TONGTU_SKIP_WEB_BUILD=1 to build without the console.\n\n"
        );
    }
    let stamp = web.join("node_modules/.package-lock.json");
    if !stamp.exists() || newer(&web.join("package-lock.json"), &stamp) {
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&web),
            "npm ci",
        );
    }
    run(
        Command::new(npm)
            .args(["run", "build", "--", "--outDir"])
            .arg(&out)
            .arg("--emptyOutDir")
            .current_dir(&web),
        "npm run build",
    );
    precompress(&out);
}

/// Writes `<file>.gz` (best compression) next to every text asset worth it, so the server
/// answers browsers that accept gzip with the smaller copy without compressing per request.
fn precompress(dir: &Path) {
    use std::io::Write;
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            precompress(&path);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "js" | "mjs" | "css" | "html" | "svg" | "json" | "map") {
            continue;
        }
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if data.len() < 1024 {
            continue;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&data).expect("gzip in memory");
        let gz = gz.finish().expect("gzip in memory");
        if gz.len() < data.len() * 9 / 10 {
            let mut name = path.clone().into_os_string();
            name.push(".gz");
            std::fs::write(&name, gz).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
    }
}

fn newer(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((m(a), m(b)), (Some(x), Some(y)) if x > y)
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    if !status.success() {
        panic!("{what} failed with {status}: see the output above (web console build)");
    }
}

fn placeholder(out: &Path) {
    // A console built earlier into the same OUT_DIR must not survive beside the placeholder:
    // its assets would make `console_built()` true for a binary that serves no console.
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).expect("create web out dir");
    std::fs::write(
        out.join("index.html"),
        "<!doctype html><meta charset=utf-8><title>Tongtu</title>\
         <p>This build of Tongtu was made with TONGTU_SKIP_WEB_BUILD=1: the web console is not included. \
         The API is at <a href=/api/docs>/api/docs</a>.</p>",
    )
    .expect("write placeholder");
}
