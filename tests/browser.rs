//! The HTML report opened in a real browser: headless Chromium (Debian's package, installed
//! by `.ci/run`) loads the file from disk with a fresh profile and no background networking,
//! runs its script, and we read back the rendered DOM, the console and Chromium's network log.
//! Skips, saying why, only where no Chromium is installed.

mod common;
use common::*;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(PathBuf::from)
}

/// What the browser showed.
struct Opened {
    dom: String,
    /// Console messages the page produced (errors, warnings, logs, blocked requests).
    console: Vec<String>,
    /// URLs Chromium's network stack touched.
    urls: Vec<String>,
}

fn open(browser: &Path, page: &Path, scratch: &Path) -> Opened {
    let profile = scratch.join("profile");
    let netlog = scratch.join("netlog.json");
    let url = format!("file://{}", page.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            // A report must read on a 1,400 px wide screen.
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(&url)
        // Files, not pipes: a DOM bigger than a pipe buffer would block the browser.
        .stdout(std::fs::File::create(scratch.join("dom.html")).expect("dom file"))
        .stderr(std::fs::File::create(scratch.join("chromium.log")).expect("log file"))
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let stderr = std::fs::read_to_string(scratch.join("chromium.log")).unwrap_or_default();
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") && l.contains(&url))
        .map(str::to_string)
        .collect();
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    let mut urls: Vec<String> = log
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    urls.sort();
    urls.dedup();
    Opened {
        dom: std::fs::read_to_string(scratch.join("dom.html")).unwrap_or_default(),
        console,
        urls,
    }
}

/// Chromium's own service hosts (it pings them even when told not to); any other URL would be
/// the page reaching out.
fn is_browser_service(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', ':', '?']).next())
        .unwrap_or("");
    [
        "google.com",
        "googleapis.com",
        "gstatic.com",
        "gvt1.com",
        "chromium.org",
    ]
    .iter()
    .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

fn page_requests(o: &Opened, page: &Path) -> Vec<String> {
    let own = format!("file://{}", page.display());
    o.urls
        .iter()
        .filter(|u| **u != own && !is_browser_service(u))
        .cloned()
        .collect()
}

fn body_attr(dom: &str, name: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let key = format!("{name}=\"");
    let at = body.find(&key)? + key.len();
    Some(body[at..].split('"').next()?.to_string())
}

#[test]
fn plan_report_renders_in_chromium_offline_without_errors() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium installed (Debian package `chromium`; .ci/run installs it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan");
    ok(run(&[
        "plan",
        "--check",
        "data/daishan",
        "--scenario",
        "data/daishan/scenario-2024.toml",
        "-o",
        plan.to_str().expect("utf8"),
    ]));
    let page = dir.path().join("report.html");
    ok(run(&[
        "report",
        plan.to_str().expect("utf8"),
        "-o",
        page.to_str().expect("utf8"),
    ]));
    let o = open(&browser, &page, dir.path());
    assert_eq!(
        body_attr(&o.dom, "data-ready").as_deref(),
        Some("1"),
        "the page's script ran"
    );
    let facilities: geojson::FeatureCollection =
        std::fs::read_to_string(plan.join("facilities.geojson"))
            .expect("facilities")
            .parse()
            .expect("geojson");
    assert_eq!(
        body_attr(&o.dom, "data-facilities"),
        Some(facilities.features.len().to_string()),
        "every facility is drawn"
    );
    let right: f64 = body_attr(&o.dom, "data-right")
        .and_then(|r| r.parse().ok())
        .expect("data-right");
    assert!(
        right > 600.0 && right <= 1400.0,
        "the map and tables end at {right} px"
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("summary.json")).expect("s"))
            .expect("json");
    assert_eq!(
        body_attr(&o.dom, "data-targets"),
        Some(
            summary["targets"]
                .as_array()
                .expect("targets")
                .len()
                .to_string()
        ),
        "one row per target"
    );
    assert_eq!(
        body_attr(&o.dom, "data-errors").as_deref(),
        Some(""),
        "no script error"
    );
    assert!(o.console.is_empty(), "console: {:?}", o.console);
    assert!(
        page_requests(&o, &page).is_empty(),
        "requests: {:?}",
        page_requests(&o, &page)
    );
}

#[test]
fn sweep_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium installed (Debian package `chromium`; .ci/run installs it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sweep");
    ok(run(&[
        "sweep",
        "--check",
        "data/daishan",
        "--sweep",
        "data/daishan/sweep-relocation.toml",
        "-o",
        out.to_str().expect("utf8"),
        "--quiet",
    ]));
    let page = dir.path().join("sweep.html");
    ok(run(&[
        "report",
        out.to_str().expect("utf8"),
        "-o",
        page.to_str().expect("utf8"),
    ]));
    let o = open(&browser, &page, dir.path());
    assert_eq!(body_attr(&o.dom, "data-ready").as_deref(), Some("1"));
    assert_eq!(body_attr(&o.dom, "data-scenarios").as_deref(), Some("22"));
    // Every table and picture ends within the 1,400 px window.
    let right: f64 = body_attr(&o.dom, "data-right")
        .and_then(|r| r.parse().ok())
        .expect("data-right");
    assert!(
        right > 600.0 && right <= 1400.0,
        "widest table ends at {right} px"
    );
    assert!(o.console.is_empty(), "console: {:?}", o.console);
    assert!(page_requests(&o, &page).is_empty());
}

/// The checks above can fail: a page that logs, throws and reaches for the network is caught.
#[test]
fn the_browser_checks_catch_a_misbehaving_page() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium installed (Debian package `chromium`; .ci/run installs it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>console.error('boom'); undefinedFunction();\
         </script><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .expect("write");
    let o = open(&browser, &page, dir.path());
    assert!(
        o.console.iter().any(|l| l.contains("boom")),
        "{:?}",
        o.console
    );
    assert!(o.console.iter().any(|l| l.contains("undefinedFunction")));
    assert!(
        page_requests(&o, &page)
            .iter()
            .any(|u| u.contains("127.0.0.1")),
        "{:?}",
        o.urls
    );
}
