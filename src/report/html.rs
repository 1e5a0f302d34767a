//! `archiplan report`: one self-contained HTML file that works offline (no CDN, no request: a
//! Content-Security-Policy forbids them): the map inline with hover details, the targets, a
//! table per service and the tiers; for a sweep, the comparison table and the Pareto chart.

use super::plan_out::PlanSummary;
use super::render::{is_sweep, picture};
use super::results::{Row, columns, read_results};
use crate::error::Result;
use crate::io::files::{number, plan_dir, read_fc, text};
use std::fmt::Write;
use std::path::Path;

/// The page and what it shows (tests compare these with what a browser renders).
pub struct Page {
    pub html: String,
    /// Facility markers on the map (plans).
    pub facilities: usize,
    /// Target rows (plans) or scenario rows (sweeps).
    pub rows: usize,
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn cny(x: f64) -> String {
    crate::report::text::amount(x)
}

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #222; max-width: 1352px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f2f2f2; } td.num { text-align: right; }
th.wrap { max-width: 11em; white-space: normal; font-weight: normal; vertical-align: bottom; }
.met { color: #1a7f37; font-weight: bold; } .unmet { color: #b2182b; font-weight: bold; }
.mapbox { display: flex; gap: 16px; align-items: flex-start; }
.mapbox svg { border: 1px solid #ccc; max-width: 100%; height: auto; }
#details { min-width: 260px; max-width: 320px; padding: 10px; border: 1px solid #ccc; background: #fafafa;
  font-size: 13px; position: sticky; top: 10px; }
.island:hover, .settlement:hover, .facility:hover, .route:hover { stroke: #000; stroke-width: 2.5; }
tr.pareto td { background: #fff3e0; }
"#;

/// Counts what the page shows, and records script errors, on the body's data attributes:
/// what an automated browser check reads back.
const SCRIPT: &str = r#"
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message));
    document.body.setAttribute('data-errors', errors.join(' | '));
  });
  function ready() {
    var body = document.body;
    body.setAttribute('data-facilities', document.querySelectorAll('svg .facility').length);
    body.setAttribute('data-targets', document.querySelectorAll('tr.target').length);
    body.setAttribute('data-scenarios', document.querySelectorAll('tr.scenario').length);
    var right = 0;
    document.querySelectorAll('table, svg').forEach(function (el) {
      right = Math.max(right, Math.ceil(el.getBoundingClientRect().right));
    });
    body.setAttribute('data-right', right);
    body.setAttribute('data-errors', errors.join(' | '));
    var panel = document.getElementById('details');
    document.querySelectorAll('[data-info]').forEach(function (el) {
      el.addEventListener('mouseenter', function () {
        if (panel) { panel.textContent = el.getAttribute('data-info'); }
      });
    });
    body.setAttribute('data-ready', '1');
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
"#;

/// Standard base64 with padding (RFC 4648), as CSP hashes are written.
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's Content-Security-Policy: no request at all, inline styles, and only the page's
/// own script (by its hash): a `<script>` that reached the page through a tampered input file
/// would not run even if it escaped the escaping.
pub fn policy() -> String {
    use sha2::{Digest, Sha256};
    let hash = base64(&Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:"
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"archiplan:generated\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        policy(),
        esc(title)
    )
}

/// Builds the report of a plan folder or a sweep folder.
pub fn report(dir: &Path, service: Option<&str>) -> Result<Page> {
    if is_sweep(dir) {
        sweep_report(dir)
    } else {
        plan_report(dir, service)
    }
}

fn plan_report(dir: &Path, service: Option<&str>) -> Result<Page> {
    let plan = plan_dir(dir)?;
    let summary = super::plan_out::PlanSummary::read(&plan)?;
    let facilities = read_fc(&plan.join("facilities.geojson"))?;
    let opts = super::map::MapOptions {
        service: service.map(str::to_string),
        ..Default::default()
    };
    let (svg, info) = picture(dir, &opts)?;
    let scenario = summary.scenario.as_str();
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}</h1>", esc(scenario));
    let _ = writeln!(
        b,
        "<p class=\"sub\">annual cost <b>{} CNY</b>{}; status <b>{}</b>, gap {}; {}</p>",
        cny(summary.cost),
        summary
            .budget
            .map(|x| format!(" (budget {} CNY)", cny(x)))
            .unwrap_or_default(),
        esc(summary.status.as_str()),
        pct(summary.gap),
        esc(&summary.hierarchy.method)
    );

    let _ = writeln!(
        b,
        "<h2>Map</h2>\n<p class=\"sub\">settlements coloured by minutes to their {} site; hover for details</p>",
        esc(info.service.as_deref().unwrap_or(""))
    );
    let _ = writeln!(
        b,
        "<div class=\"mapbox\">{svg}<div id=\"details\">Hover over an island, route, village or facility.</div></div>"
    );

    targets_section(&mut b, &summary);
    services_section(&mut b, &summary, &facilities);
    tiers_section(&mut b, &summary);
    Ok(Page {
        html: page(scenario, &b),
        facilities: info.facilities.unwrap_or(0),
        rows: summary.targets.len(),
    })
}

/// The targets table: required, achieved, met.
fn targets_section(b: &mut String, summary: &PlanSummary) {
    let _ = writeln!(
        b,
        "<h2>Targets</h2>\n<table id=\"targets\"><tr><th>target</th><th>service</th><th>measure</th>\
         <th>within (min)</th><th>required</th><th>achieved</th><th></th></tr>"
    );
    for t in &summary.targets {
        let met = t.met;
        let _ = writeln!(
            b,
            "<tr class=\"target\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
            esc(&t.name),
            esc(&t.service),
            esc(&serde_json::to_value(t.measure)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()),
            if t.is_count() {
                String::new()
            } else {
                t.minutes.to_string()
            },
            t.required_text(),
            t.achieved_text(),
            if met { "met" } else { "unmet" },
            if met { "met" } else { "not met" }
        );
    }
    let _ = writeln!(b, "</table>");
}

/// Per service: its summary row and the table of its sites.
fn services_section(
    b: &mut String,
    summary: &PlanSummary,
    facilities: &geojson::FeatureCollection,
) {
    let _ = writeln!(b, "<h2>Services</h2>");
    for s in &summary.services {
        let name = s.service.as_str();
        let _ = writeln!(
            b,
            "<h3>{} <small>({})</small></h3>\n<table class=\"service\"><tr><th>new</th><th>kept</th>\
             <th>closed</th><th>expanded</th><th>roving</th><th>annual cost CNY</th><th>demand within the standard</th>\
             <th>mean minutes</th><th>gap</th><th>status</th></tr>\n<tr><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr></table>",
            esc(&s.label),
            esc(name),
            s.new,
            s.kept,
            s.closed,
            s.expanded,
            s.mobile,
            cny(s.cost),
            pct(s.coverage),
            s.mean_minutes
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "-".into()),
            pct(s.gap),
            esc(s.status.as_str())
        );
        let _ = writeln!(
            b,
            "<table class=\"sites\"><tr><th>site</th><th>name</th><th>level</th><th>status</th>\
             <th>island</th><th>load</th><th>capacity</th></tr>"
        );
        for f in facilities
            .features
            .iter()
            .filter(|f| text(f, "service") == name)
        {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&text(f, "id")),
                esc(&text(f, "name")),
                esc(&text(f, "level_name")),
                esc(&text(f, "status")),
                esc(&text(f, "island")),
                number(f, "load")
                    .map(|l| format!("{l:.0}"))
                    .unwrap_or_default(),
                number(f, "capacity")
                    .map(|c| format!("{c:.0}"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(b, "</table>");
    }
}

/// The leaders: tier, parent, members.
fn tiers_section(b: &mut String, summary: &PlanSummary) {
    let _ = writeln!(
        b,
        "<h2>Tiers and communities</h2>\n<table><tr><th>leader</th><th>tier</th><th>refers to</th><th>members</th></tr>"
    );
    for l in &summary.hierarchy.leaders {
        let members: Vec<String> = l.members.iter().map(|m| esc(m)).collect();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.name),
            esc(&l.tier),
            esc(l.parent.as_deref().unwrap_or("-")),
            members.join(", ")
        );
    }
    let _ = writeln!(b, "</table>");
}

/// One table of the sweep: a row per scenario, a column per name (its header wraps).
fn sweep_table(
    b: &mut String,
    (id, heading): (&str, &str),
    rows: &[Row],
    names: &[String],
    cell: impl Fn(&Row, &String) -> Option<String>,
) {
    let _ = write!(b, "<h2>{heading}</h2>\n<table id=\"{id}\"><tr><th>#</th>");
    for n in names {
        let _ = write!(b, "<th class=\"wrap\">{}</th>", esc(n));
    }
    let _ = writeln!(b, "</tr>");
    for r in rows {
        let _ = write!(b, "<tr><td class=\"num\">{}</td>", r.index);
        for n in names {
            let _ = write!(
                b,
                "<td class=\"num\">{}</td>",
                esc(&cell(r, n).unwrap_or_else(|| "-".into()))
            );
        }
        let _ = writeln!(b, "</tr>");
    }
    let _ = writeln!(b, "</table>");
}

fn sweep_report(dir: &Path) -> Result<Page> {
    let rows: Vec<Row> = read_results(dir)?;
    let svg = super::pareto::chart(&rows, super::pareto::TITLE)?;
    let (services, targets) = columns(&rows);
    let mut b = String::new();
    let title = format!("Sweep: {} scenarios", rows.len());
    let _ = writeln!(b, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        b,
        "<p class=\"sub\">{} planned, {} Pareto-efficient (cost, coverage, travel time)</p>",
        rows.iter().filter(|r| r.cost.is_some()).count(),
        rows.iter().filter(|r| r.pareto).count()
    );
    let _ = writeln!(
        b,
        "<h2>Pareto chart</h2>\n<div class=\"mapbox\">{svg}</div>"
    );
    // Three narrow tables rather than one wide one: the page fits 1,400 px however many
    // targets and services the sweep has (each target's name wraps in its header).
    let _ = writeln!(
        b,
        "<h2>Scenarios</h2>\n<table id=\"scenarios\"><tr><th>#</th><th>scenario</th><th>status</th>\
         <th>annual cost CNY</th><th>gap</th><th>targets</th><th>small-island residents</th>\
         <th>Pareto</th></tr>"
    );
    for r in &rows {
        let _ = writeln!(
            b,
            "<tr class=\"scenario{}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if r.pareto { " pareto" } else { "" },
            r.index,
            esc(&r.scenario),
            esc(&r.status),
            r.cost.map(cny).unwrap_or_else(|| "-".into()),
            r.gap.map(pct).unwrap_or_else(|| "-".into()),
            match r.targets_met {
                Some(true) => "<span class=\"met\">met</span>".to_string(),
                Some(false) => "<span class=\"unmet\">not met</span>".to_string(),
                None => esc(r.message.as_deref().unwrap_or("-")),
            },
            r.small_island_population
                .map(crate::report::text::thousands)
                .unwrap_or_else(|| "-".into()),
            if r.pareto { "yes" } else { "" }
        );
    }
    let _ = writeln!(b, "</table>");
    sweep_table(
        &mut b,
        ("coverage", "Coverage of each target"),
        &rows,
        &targets,
        |r, t| r.coverage.iter().find(|(n, _)| n == t).map(|c| pct(c.1)),
    );
    sweep_table(
        &mut b,
        ("services", "Sites and mean minutes per service"),
        &rows,
        &services,
        |r, s| {
            let n = r.facilities.iter().find(|(n, _)| n == s).map(|x| x.1);
            let m = r.travel.iter().find(|t| &t.service == s).map(|t| t.mean);
            match (n, m) {
                (None, None) => None,
                (n, m) => Some(format!(
                    "{} · {}",
                    n.map_or("-".into(), |n| n.to_string()),
                    m.map_or("-".into(), |m| format!("{m:.1} min"))
                )),
            }
        },
    );
    Ok(Page {
        html: page(&title, &b),
        facilities: 0,
        rows: rows.len(),
    })
}
