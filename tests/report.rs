//! GeoJSON for real tools (RFC 7946 rings, simplestyle), pictures and the offline HTML report.

mod common;
use common::*;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `archiplan render|report FROM -o TO [extra...]`, asserting success.
fn draw(command: &str, from: &Path, to: &Path, extra: &[&str]) {
    let mut args = vec![
        command,
        from.to_str().expect("utf8"),
        "-o",
        to.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    ok(run(&args));
}

fn plan_into(dir: &Path) -> PathBuf {
    let out = dir.join("plan");
    ok(run(&[
        "plan",
        "--check",
        "data/daishan",
        "--scenario",
        "data/daishan/scenario-2024.toml",
        "-o",
        out.to_str().expect("utf8"),
    ]));
    out
}

/// Twice the signed area of a ring (positive: counter-clockwise in lon/lat).
fn signed_area2(ring: &[geojson::Position]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

/// Parses a GeoJSON file and checks RFC 7946 geometry: lon/lat ranges, closed rings with the
/// right-hand rule (exteriors counter-clockwise, holes clockwise), and the simplestyle keys
/// each kind of feature must carry.
fn check_geojson(path: &Path, style_keys: &[&str]) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fc: geojson::FeatureCollection = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: not GeoJSON: {e}", path.display()));
    for (i, f) in fc.features.iter().enumerate() {
        let g = f
            .geometry
            .as_ref()
            .unwrap_or_else(|| panic!("{}: feature {i} has no geometry", path.display()));
        let mut positions: Vec<&geojson::Position> = Vec::new();
        let polygons: Vec<&Vec<Vec<geojson::Position>>> = match &g.value {
            geojson::GeometryValue::Point { coordinates } => {
                positions.push(coordinates);
                vec![]
            }
            geojson::GeometryValue::LineString { coordinates } => {
                positions.extend(coordinates);
                vec![]
            }
            geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
            geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
            other => panic!(
                "{}: unexpected geometry {}",
                path.display(),
                other.type_name()
            ),
        };
        for poly in polygons {
            for (k, ring) in poly.iter().enumerate() {
                assert_eq!(
                    ring.first(),
                    ring.last(),
                    "{}: ring not closed",
                    path.display()
                );
                let a = signed_area2(ring);
                if k == 0 {
                    assert!(
                        a > 0.0,
                        "{} feature {i}: exterior ring must be counter-clockwise",
                        path.display()
                    );
                } else {
                    assert!(
                        a < 0.0,
                        "{} feature {i}: holes must be clockwise",
                        path.display()
                    );
                }
                positions.extend(ring);
            }
        }
        for p in positions {
            assert!(p.len() == 2, "{}: [lon, lat] only", path.display());
            assert!((-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]));
            for x in p.as_slice() {
                let s = format!("{x}");
                let decimals = s.split('.').nth(1).map_or(0, str::len);
                assert!(
                    decimals <= 6,
                    "{}: {s} has more than 6 decimals",
                    path.display()
                );
            }
        }
        for key in style_keys {
            assert!(
                f.properties.as_ref().is_some_and(|p| p.contains_key(*key)),
                "{} feature {i}: simplestyle `{key}` missing",
                path.display()
            );
        }
    }
    fc.features.len()
}

#[test]
fn every_geojson_output_is_rfc7946_with_simplestyle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_into(dir.path());
    check_geojson(
        &plan.join("facilities.geojson"),
        &["marker-color", "marker-symbol", "marker-size"],
    );
    check_geojson(
        &plan.join("settlements.geojson"),
        &["marker-color", "marker-symbol"],
    );
    // Red exactly when a service with targets leaves the village uncovered (the emergency
    // service has no target and one site: it must not paint Daishan red).
    let settlements: geojson::FeatureCollection =
        std::fs::read_to_string(plan.join("settlements.geojson"))
            .expect("settlements")
            .parse()
            .expect("geojson");
    // Services with settlement cover targets (villages, residents or demand), judged at the
    // service's own standard; the clinic's island target, the craft colleges' island target
    // and every count target paint nothing.
    let targeted = [
        "school",
        "junior_school",
        "kindergarten",
        "meal",
        "courier",
        "elder_care",
    ];
    let mut red = 0;
    for f in &settlements.features {
        let p = f.properties.as_ref().expect("properties");
        let expected: Vec<&str> = targeted
            .iter()
            .copied()
            .filter(|s| p[&format!("{s}_covered")].as_f64().expect("covered") < 1.0 - 1e-9)
            .collect();
        assert_eq!(
            p["uncovered_services"],
            expected.join(", "),
            "{:?}",
            p["id"]
        );
        let colour = if expected.is_empty() {
            "#2ca02c"
        } else {
            "#d62728"
        };
        assert_eq!(p["marker-color"], colour);
        red += usize::from(!expected.is_empty());
    }
    assert!(
        red > 0 && red < settlements.features.len() / 4,
        "{red} red villages"
    );
    check_geojson(
        &plan.join("islands.geojson"),
        &["fill", "fill-opacity", "stroke"],
    );
    check_geojson(
        &plan.join("assignments.geojson"),
        &["stroke", "stroke-width"],
    );
    check_geojson(&plan.join("routes.geojson"), &["stroke", "stroke-width"]);
    let net = dir.path().join("network.geojson");
    ok(run(&[
        "network",
        "data/daishan",
        "--geojson",
        net.to_str().expect("utf8"),
    ]));
    check_geojson(&net, &[]);
    let generated = dir.path().join("gen");
    ok(run(&[
        "generate",
        "--islands",
        "20",
        "--settlements",
        "150",
        "-o",
        generated.to_str().expect("utf8"),
    ]));
    for f in ["islands", "settlements", "ports", "ferries", "facilities"] {
        check_geojson(&generated.join(format!("{f}.geojson")), &[]);
    }
    // The bundled data set itself follows the right-hand rule.
    for f in ["islands", "settlements", "ports", "ferries", "facilities"] {
        check_geojson(
            &Path::new(ROOT).join(format!("data/daishan/{f}.geojson")),
            &[],
        );
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn render_draws_the_plan_map_as_svg_and_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_into(dir.path());
    let svg = dir.path().join("map.svg");
    draw("render", &plan, &svg, &["--service", "meal"]);
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg"));
    let facilities: geojson::FeatureCollection =
        std::fs::read_to_string(plan.join("facilities.geojson"))
            .expect("f")
            .parse()
            .expect("gj");
    // --service draws that service's sites only.
    let meal = facilities
        .features
        .iter()
        .filter(|f| f.property("service").and_then(|v| v.as_str()) == Some("meal"))
        .count();
    assert!(meal > 0);
    assert_eq!(text.matches("class=\"facility\"").count(), meal);
    assert_eq!(text.matches("data-service=\"meal\"").count(), meal);
    let settlements = text.matches("class=\"settlement\"").count();
    assert_eq!(settlements, 87);
    for part in [
        "id=\"legend\"",
        "id=\"scale\"",
        "id=\"north\"",
        "Minutes to the meal site",
        "class=\"route\"",
        "class=\"island\"",
    ] {
        assert!(text.contains(part), "map lacks {part}");
    }
    let scale = &text[text.find("id=\"scale\"").expect("scale")..];
    assert!(
        scale[..scale.find("</g>").expect("end")].contains(" km"),
        "scale bar labelled in km"
    );
    let png = dir.path().join("map.png");
    draw("render", &plan, &png, &[]);
    let (w, h) = png_size(&std::fs::read(&png).expect("png"));
    assert!(w >= 1000 && h >= 400, "{w}x{h}");
    // Sized by width or resolution, the height in proportion.
    for (flag, value, width) in [("--width", "1600", 1600), ("--dpi", "192", 2 * w)] {
        let sized = dir.path().join(format!("map{value}.png"));
        draw("render", &plan, &sized, &[flag, value]);
        let (sw, sh) = png_size(&std::fs::read(&sized).expect("png"));
        assert_eq!(sw, width, "{flag}");
        assert!((f64::from(sh) / f64::from(sw) - f64::from(h) / f64::from(w)).abs() < 0.01);
    }
    // An SVG keeps its drawing (viewBox) and is sized on its root element.
    let wide = dir.path().join("wide.svg");
    draw("render", &plan, &wide, &["--width", "1600"]);
    let text = std::fs::read_to_string(&wide).expect("svg");
    let root = &text[..text.find('>').expect("root")];
    assert!(root.contains("width=\"1600\""), "{root}");
    assert!(root.contains(&format!("viewBox=\"0 0 {w} ")), "{root}");
    // Clear errors.
    let o = run(&[
        "render",
        plan.to_str().expect("utf8"),
        "-o",
        dir.path().join("map.gif").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "render",
        plan.to_str().expect("utf8"),
        "-o",
        svg.to_str().expect("utf8"),
        "--service",
        "ferry",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("meal"));
    let o = run(&["render", "/no/such/plan", "-o", svg.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    // A new folder for the picture is made; a path through a plain file is the user's to fix.
    let nested = dir.path().join("maps/2024/map.svg");
    draw("render", &plan, &nested, &[]);
    assert!(nested.is_file());
    let through_file = svg.join("map.svg");
    let o = run(&[
        "report",
        plan.to_str().expect("utf8"),
        "-o",
        through_file.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("map.svg"));
}

/// Every number of an SVG path's `d` (absolute M/L commands), as (x, y) pairs.
fn path_points(d: &str) -> Vec<(f64, f64)> {
    d.split(['M', 'L', 'Z'])
        .filter_map(|p| {
            let (x, y) = p.trim().split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

/// The value of attribute `name` in each element of `class` in an SVG text.
fn attrs(svg: &str, class: &str, name: &str) -> Vec<String> {
    svg.split('<')
        .filter(|e| e.contains(&format!("class=\"{class}\"")))
        .filter_map(|e| {
            let at = e.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(e[at..at + e[at..].find('"')?].to_string())
        })
        .collect()
}

#[test]
fn the_map_names_its_islands_and_frames_every_drawn_feature() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_into(dir.path());
    let svg = dir.path().join("map.svg");
    draw("render", &plan, &svg, &[]);
    let text = std::fs::read_to_string(&svg).expect("svg");
    // The map area is the sea rectangle: every island outline and route inside it.
    let head = &text[text.find("fill=\"#d4e6f1\"").expect("sea")..];
    let rect = &head[..head.find('>').expect("end")];
    let num = |key: &str| -> f64 {
        let at = rect.find(&format!("{key}=\"")).expect(key) + key.len() + 2;
        rect[at..at + rect[at..].find('"').expect("quote")]
            .parse()
            .expect("number")
    };
    let (w, h) = (num("width"), num("height"));
    let mut points = 0;
    for class in ["island", "route"] {
        for d in attrs(&text, class, "d") {
            for (x, y) in path_points(&d) {
                assert!(
                    (0.0..=w).contains(&x) && (0.0..=h).contains(&y),
                    "{class} at {x},{y}"
                );
                points += 1;
            }
        }
    }
    assert!(points > 200, "{points} vertices checked");
    // Every island of the data is named on the map (14: 12 planned, 2 external), each once.
    let islands: geojson::FeatureCollection =
        std::fs::read_to_string(Path::new(ROOT).join("data/daishan/islands.geojson"))
            .expect("islands")
            .parse()
            .expect("gj");
    let labels_of = |text: &str, class: &str| -> Vec<String> {
        text.split(&format!("class=\"{class}\""))
            .skip(1)
            .filter_map(|t| Some(t.split('>').nth(1)?.split('<').next()?.trim().to_string()))
            .collect()
    };
    let labels = labels_of(&text, "island-label");
    for f in &islands.features {
        let name = f.property("name").and_then(|v| v.as_str()).expect("name");
        assert_eq!(
            labels.iter().filter(|l| *l == name).count(),
            1,
            "{name}: {labels:?}"
        );
    }
    // Chinese names by --label-field; villages too when asked.
    let zh = dir.path().join("zh.svg");
    draw(
        "render",
        &plan,
        &zh,
        &["--label-field", "name_zh", "--village-labels"],
    );
    let text = std::fs::read_to_string(&zh).expect("svg");
    let zh_labels = labels_of(&text, "island-label");
    assert!(zh_labels.iter().any(|l| l == "岱山岛") && zh_labels.iter().any(|l| l == "衢山岛"));
    assert!(labels_of(&text, "village-label").len() >= 20);
    // Every village's Chinese name is on the map, in its tooltip at least.
    let settlements: geojson::FeatureCollection =
        std::fs::read_to_string(plan.join("settlements.geojson"))
            .expect("settlements")
            .parse()
            .expect("gj");
    for f in &settlements.features {
        let zh = f
            .property("name_zh")
            .and_then(|v| v.as_str())
            .expect("name_zh");
        assert!(text.contains(zh), "{zh} not on the map");
    }
}

/// The report is one file with no way to reach the network.
fn assert_offline(html: &str) {
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    let stripped = html.replace("http://www.w3.org/2000/svg", "");
    for bad in [
        "http://",
        "https://",
        "src=\"//",
        "@import",
        "fetch(",
        "XMLHttpRequest",
        "<link",
        "<img",
    ] {
        assert!(!stripped.contains(bad), "report contains {bad}");
    }
}

#[test]
fn report_is_one_offline_file_with_map_targets_and_services() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_into(dir.path());
    let html_path = dir.path().join("report.html");
    draw("report", &plan, &html_path, &[]);
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert_offline(&html);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("summary.json")).expect("summary"))
            .expect("json");
    let targets = summary["targets"].as_array().expect("targets").len();
    assert_eq!(html.matches("<tr class=\"target\">").count(), targets);
    assert!(html.contains("<svg") && html.contains("data-info="));
    for s in ["school", "clinic", "meal", "courier"] {
        assert!(html.contains(&format!("({s})")), "service table {s}");
    }
}

#[test]
fn sweeps_render_a_pareto_chart_and_a_comparison_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    for scenario in ["scenario-2024.toml", "scenario-2025.toml"] {
        std::fs::copy(
            Path::new(ROOT).join("data/daishan").join(scenario),
            dir.path().join(scenario),
        )
        .expect("copy");
    }
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        std::fs::read_to_string(Path::new(ROOT).join("data/daishan/sweep-relocation.toml"))
            .expect("sweep")
            .replace(
                "values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]",
                "values = [0.0, 1.0]",
            ),
    )
    .expect("write");
    let out = dir.path().join("sweep");
    ok(run(&[
        "sweep",
        "--check",
        "data/daishan",
        "--sweep",
        sweep.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--quiet",
    ]));
    let svg = dir.path().join("pareto.svg");
    draw("render", &out, &svg, &[]);
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.contains("mean coverage of the targets") && text.contains("Pareto-efficient"));
    // Two target sets (2024, 2025): each its own colour and legend entries; every scenario a
    // point (4 points + 2 legend marks per set).
    // The legend names each target set by its scenario labels' shared part, not a number.
    assert!(
        text.contains("targets=scenario-2024") && text.contains("targets=scenario-2025"),
        "legend names"
    );
    assert!(!text.contains("targets as in #"));
    assert_eq!(text.matches("<circle").count(), 4 + 2 * 2);
    let png = dir.path().join("pareto.png");
    draw("render", &out, &png, &[]);
    assert_eq!(png_size(&std::fs::read(&png).expect("png")), (900, 560));
    // A scenario that moved every small-island resident: its map carries the scenario's own
    // label, and the emptied villages are drawn as empty, not as uncovered.
    let moved = std::fs::read_dir(out.join("scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with("scenario-2025_moved_1"))
        .expect("moved=1 scenario");
    let map = dir.path().join("moved.svg");
    draw("render", &moved, &map, &[]);
    let text = std::fs::read_to_string(&map).expect("svg");
    assert!(
        text.contains("targets=scenario-2025,moved=1"),
        "scenario label"
    );
    let empty: geojson::FeatureCollection =
        std::fs::read_to_string(moved.join("plan/settlements.geojson"))
            .expect("settlements")
            .parse()
            .expect("gj");
    let emptied = empty
        .features
        .iter()
        .filter(|f| f.property("population").and_then(|v| v.as_f64()) == Some(0.0))
        .count();
    assert!(emptied > 0);
    assert_eq!(
        text.matches("class=\"settlement emptied\"").count(),
        emptied
    );
    assert!(text.contains("no residents (relocated)"));
    let html_path = dir.path().join("sweep.html");
    draw("report", &out, &html_path, &[]);
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert_offline(&html);
    assert_eq!(html.matches("<tr class=\"scenario").count(), 4);
    assert!(html.contains("Pareto chart"));
}

/// Each service keeps one colour, and no two services share one: the Daishan scenarios plan
/// ten services (the eight-colour palette of before gave the schools' blue to the craft
/// colleges and the clinics' purple to the pharmacies).
#[test]
fn every_service_has_a_colour_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_into(dir.path());
    let fc: geojson::FeatureCollection = std::fs::read_to_string(plan.join("facilities.geojson"))
        .expect("facilities")
        .parse()
        .expect("geojson");
    let mut colour_of: std::collections::BTreeMap<String, String> = Default::default();
    for f in &fc.features {
        let p = f.properties.as_ref().expect("properties");
        if p["status"] == "closed" {
            continue; // closed sites are grey, whatever their service
        }
        let service = p["service"].as_str().expect("service").to_string();
        let colour = p["marker-color"]
            .as_str()
            .expect("marker-color")
            .to_string();
        let known = colour_of.entry(service.clone()).or_insert(colour.clone());
        assert_eq!(*known, colour, "{service} drawn in two colours");
    }
    assert!(colour_of.len() >= 10, "{colour_of:?}");
    let distinct: std::collections::BTreeSet<&String> = colour_of.values().collect();
    assert_eq!(distinct.len(), colour_of.len(), "{colour_of:?}");
}
