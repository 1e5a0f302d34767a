//! Layers as GIS tools write them: a layer in another reference system is one clear error per
//! layer naming the system and the fix (checked on files GDAL's own `ogr2ogr` reprojected,
//! where GDAL is installed), and numbers written as text are read with one warning. Layers
//! also come from a CSV table (settlements, ports, facilities) or a GeoPackage (written by
//! GDAL's `ogr2ogr`); each plans as the bundled GeoJSON does, audited.

mod common;
use common::{ROOT, json_of, plan_checked, run};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

fn copy_daishan(to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(Path::new(ROOT).join("data/daishan")).expect("list") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// A copy of the Daishan data whose settlements layer `edit` changed, feature by feature.
fn daishan_with_settlements(to: &Path, edit: impl Fn(&mut Value)) {
    copy_daishan(to);
    let path = to.join("settlements.geojson");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("j");
    for f in v["features"].as_array_mut().expect("features") {
        edit(f);
    }
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
}

/// `validate --json` of `dir`: exit 2 and exactly one `wrong-crs` error per layer, naming the
/// system and `ogr2ogr`, and no per-feature error.
fn assert_one_crs_error_per_layer(dir: &Path, layers: usize) {
    let o = run(&["validate", s(dir), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json_of(&o);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), layers, "{v}");
    for e in errors {
        assert_eq!(e["code"], "wrong-crs", "{e}");
        let m = e["message"].as_str().expect("message");
        assert!(m.contains("EPSG:32651") && m.contains("ogr2ogr"), "{m}");
    }
    // The text form starts with one summary line per layer.
    let text = run(&["validate", s(dir)]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.contains("wrong-crs x1")),
        "{out}"
    );
}

#[test]
fn a_legacy_crs_member_of_another_system_is_one_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    copy_daishan(&data);
    let path = data.join("settlements.geojson");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("j");
    v["crs"] =
        serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32651"}});
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    assert_one_crs_error_per_layer(&data, 1);
    // CRS84, as GDAL writes for EPSG:4326, is what archiplan reads.
    v["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}});
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    assert_eq!(run(&["validate", s(&data)]).status.code(), Some(0));
}

#[test]
fn a_data_set_reprojected_by_ogr2ogr_is_refused_and_its_reprojection_back_plans() {
    if Command::new("ogr2ogr").arg("--version").output().is_err() {
        eprintln!("SKIP: ogr2ogr (Debian's gdal-bin) is not installed; .ci/run installs it");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (utm, back) = (dir.path().join("utm"), dir.path().join("back"));
    std::fs::create_dir_all(&utm).expect("mkdir");
    std::fs::create_dir_all(&back).expect("mkdir");
    let layers = ["islands", "settlements", "ports", "ferries", "facilities"];
    for layer in layers {
        let name = format!("{layer}.geojson");
        let src = Path::new(ROOT).join("data/daishan").join(&name);
        let ok = Command::new("ogr2ogr")
            .args(["-f", "GeoJSON", "-t_srs", "EPSG:32651"])
            .arg(utm.join(&name))
            .arg(&src)
            .status()
            .expect("ogr2ogr");
        assert!(ok.success());
        let ok = Command::new("ogr2ogr")
            .args(["-f", "GeoJSON", "-t_srs", "EPSG:4326"])
            .arg(back.join(&name))
            .arg(utm.join(&name))
            .status()
            .expect("ogr2ogr");
        assert!(ok.success());
    }
    assert_one_crs_error_per_layer(&utm, layers.len());
    std::fs::copy(
        Path::new(ROOT).join("data/daishan/scenario-2024.toml"),
        dir.path().join("scenario-2024.toml"),
    )
    .expect("copy");
    let out = dir.path().join("plan");
    plan_checked(&back, &dir.path().join("scenario-2024.toml"), &out, &[]);
}

/// A layer written [latitude, longitude]: one line for the layer before the per-feature list,
/// each error with the hint, and a summary that says the layer was not read (not "0
/// settlements").
#[test]
fn swapped_coordinates_are_one_layer_line_and_a_layer_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    daishan_with_settlements(&data, |f| {
        let c = f["geometry"]["coordinates"].as_array_mut().expect("point");
        c.swap(0, 1);
    });
    let o = run(&["validate", s(&data)]);
    assert_eq!(o.status.code(), Some(2));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let first = text.lines().next().expect("a line");
    assert!(
        first.starts_with("settlements.geojson: 87 error(s) (bad-coordinates x87)"),
        "{first}"
    );
    assert_eq!(
        text.matches("looks like [latitude, longitude] swapped")
            .count(),
        87
    );
    let last = text.lines().last().expect("summary");
    assert!(
        last.contains("settlements not read") && !last.contains("0 settlements"),
        "{last}"
    );
    assert!(last.contains("14 islands"), "{last}");
}

#[test]
fn numbers_written_as_text_are_read_with_one_warning_per_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    daishan_with_settlements(&data, |f| {
        let p = &mut f["properties"]["population"];
        *p = Value::from(p.to_string());
    });
    let o = run(&["validate", s(&data), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let r = json_of(&o);
    let warnings: Vec<&Value> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["code"] == "number-as-text")
        .collect();
    assert_eq!(warnings.len(), 1, "{r}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .expect("m")
            .contains("AUTODETECT_TYPE")
    );
    assert_eq!(r["population"], 207_982);
}

#[test]
fn the_input_names_and_codes_are_kept_in_every_output_layer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    plan_checked(
        Path::new("data/daishan"),
        Path::new("data/daishan/scenario-2024.toml"),
        &out,
        &[],
    );
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(out.join(name)).expect("read")).expect("json")
    };
    let input: Value = serde_json::from_slice(
        &std::fs::read(Path::new(ROOT).join("data/daishan/settlements.geojson")).expect("read"),
    )
    .expect("json");
    let zh = |v: &Value, id: &str| -> Option<String> {
        v["features"]
            .as_array()?
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .and_then(|f| f["properties"]["name_zh"].as_str().map(str::to_string))
    };
    let planned = read("settlements.geojson");
    for f in input["features"].as_array().expect("features") {
        let id = f["properties"]["id"].as_str().expect("id");
        let name = f["properties"]["name_zh"].as_str().expect("name_zh");
        assert_eq!(zh(&planned, id).as_deref(), Some(name), "{id}");
    }
    let islands = read("islands.geojson");
    assert_eq!(zh(&islands, "daishan").as_deref(), Some("岱山岛"));
    // An input property the output also has, with another meaning, is kept beside it.
    let fac = read("facilities.geojson");
    let kept = fac["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["properties"]["status"] == "kept")
        .expect("a kept site");
    assert_eq!(kept["properties"]["input_status"], "existing");
    // GDAL reads the Chinese names as a field of the layer.
    if let Ok(o) = Command::new("ogrinfo")
        .args(["-so", "-al"])
        .arg(out.join("settlements.geojson"))
        .output()
    {
        assert!(String::from_utf8_lossy(&o.stdout).contains("name_zh: String"));
    } else {
        eprintln!("SKIP (GDAL part): ogrinfo is not installed; .ci/run installs gdal-bin");
    }
}

#[test]
fn booleans_written_as_numbers_or_words_are_read_with_one_warning_per_field() {
    // Shapefiles have no boolean type and a pandas boolean column with a gap becomes 1.0/0.0:
    // `external` as 1.0 on one island, "true" on another, 0 on the rest.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    copy_daishan(&data);
    let path = data.join("islands.geojson");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("j");
    let mut written = Vec::new();
    for f in v["features"].as_array_mut().expect("features") {
        let p = &mut f["properties"];
        let external = p["external"].as_bool().unwrap_or(false);
        p["external"] = match (external, written.iter().any(|w| *w)) {
            (true, false) => Value::from(1.0),
            (true, true) => Value::from("true"),
            (false, _) => Value::from(0),
        };
        written.push(external);
    }
    assert!(
        written.iter().filter(|w| **w).count() >= 2,
        "Daishan has two external islands"
    );
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let o = run(&["validate", s(&data), "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json_of(&o);
    let warnings: Vec<&Value> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["code"] == "bool-as-number")
        .collect();
    assert_eq!(warnings.len(), 1, "{r}");
    assert_eq!(warnings[0]["file"], "islands.geojson");
    assert_eq!(warnings[0]["field"], "external");
    // The external islands stay outside the planning area: the same residents are planned.
    assert_eq!(r["population"], 207_982);

    // Anything else is still an error naming the feature and field.
    v["features"][0]["properties"]["external"] = Value::from("yes");
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let o = run(&["validate", s(&data), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let r = json_of(&o);
    let e = &r["errors"][0];
    assert_eq!(
        (e["code"].as_str(), e["feature"].as_u64()),
        (Some("bad-type"), Some(0)),
        "{r}"
    );
    assert_eq!(e["field"], "external");
}

/// The bundled Daishan plan's cost, the reference the other readers must reproduce.
fn daishan_cost(dir: &Path) -> f64 {
    planned_cost(
        &Path::new(ROOT).join("data/daishan"),
        &dir.join("reference"),
    )
}

/// The cost of the 2024 plan of `data`, planned and audited (`plan --check`) into `out`.
fn planned_cost(data: &Path, out: &Path) -> f64 {
    plan_checked(
        data,
        &Path::new(ROOT).join("data/daishan/scenario-2024.toml"),
        out,
        &[],
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("read")).expect("j");
    v["cost"].as_f64().expect("cost")
}

/// Daishan's settlements as a spreadsheet would hold them: `lon,lat,` then every property.
fn settlements_csv(to: &Path) {
    let v: Value = serde_json::from_slice(
        &std::fs::read(Path::new(ROOT).join("data/daishan/settlements.geojson")).expect("read"),
    )
    .expect("json");
    let features = v["features"].as_array().expect("features");
    let mut keys: Vec<String> = Vec::new();
    for f in features {
        for k in f["properties"].as_object().expect("props").keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let mut w = csv::Writer::from_path(to).expect("csv");
    let mut header = vec!["lon".to_string(), "lat".to_string()];
    header.extend(keys.iter().cloned());
    w.write_record(&header).expect("header");
    for f in features {
        let c = &f["geometry"]["coordinates"];
        let mut row = vec![c[0].to_string(), c[1].to_string()];
        for k in &keys {
            row.push(match &f["properties"][k] {
                Value::Null => String::new(),
                Value::String(t) => t.clone(),
                other => other.to_string(),
            });
        }
        w.write_record(&row).expect("row");
    }
    w.flush().expect("flush");
}

#[test]
fn settlements_from_a_csv_table_plan_as_the_geojson_layer_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    copy_daishan(&data);
    std::fs::remove_file(data.join("settlements.geojson")).expect("rm");
    settlements_csv(&data.join("settlements.csv"));
    let r = json_of(&run(&["validate", s(&data), "--json"]));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        (
            r["counts"]["settlements"].as_u64(),
            r["population"].as_u64()
        ),
        (Some(87), Some(207_982))
    );
    // The same plan (audited by `plan --check`) as from the GeoJSON layer.
    let cost = planned_cost(&data, &dir.path().join("plan"));
    assert_eq!(cost, daishan_cost(dir.path()));
    let out = common::features(&dir.path().join("plan/settlements.geojson"));
    assert_eq!(out.len(), 87);
    assert_eq!(out[0]["properties"]["id"], "330921100001", "ids stay text");
}

#[test]
fn a_bad_csv_row_is_named_by_table_row_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    copy_daishan(&data);
    std::fs::remove_file(data.join("settlements.geojson")).expect("rm");
    let path = data.join("settlements.csv");
    settlements_csv(&path);
    let text = std::fs::read_to_string(&path).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 3 (line 5): a negative population; row 5 (line 7): a latitude that is no number.
    let header: Vec<&str> = lines[0].split(',').collect();
    let pop = header
        .iter()
        .position(|h| *h == "population")
        .expect("population column");
    let mut row3: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    row3[pop] = "-5".into();
    lines[4] = row3.join(",");
    let mut row5: Vec<String> = lines[6].split(',').map(str::to_string).collect();
    row5[1] = "north".into();
    lines[6] = row5.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    let o = run(&["validate", s(&data), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let r = json_of(&o);
    let errors = r["errors"].as_array().expect("errors");
    let find = |field: &str| {
        errors
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("no error on {field}: {r}"))
    };
    let e = find("population");
    assert_eq!(
        (e["file"].as_str(), e["feature"].as_u64()),
        (Some("settlements.csv"), Some(3))
    );
    let e = find("lat");
    assert_eq!(
        (e["file"].as_str(), e["feature"].as_u64()),
        (Some("settlements.csv"), Some(5))
    );
    assert!(e["message"].as_str().expect("m").contains("line 7"), "{e}");
    // Nothing is planned from it, and a plan folder is not created.
    let plan = run(&["plan", s(&data), "-o", s(&dir.path().join("p"))]);
    assert_eq!(plan.status.code(), Some(2));
    assert!(!dir.path().join("p").exists());

    // A table without coordinates, and a layer given twice, are one error each.
    std::fs::write(&path, "id,name,population\ns1,A,10\n").expect("write");
    let r = json_of(&run(&["validate", s(&data), "--json"]));
    assert_eq!(r["errors"][0]["code"], "csv-no-coordinates", "{r}");
    settlements_csv(&path);
    std::fs::copy(
        Path::new(ROOT).join("data/daishan/settlements.geojson"),
        data.join("settlements.geojson"),
    )
    .expect("copy");
    let r = json_of(&run(&["validate", s(&data), "--json"]));
    assert!(
        r["errors"]
            .as_array()
            .expect("e")
            .iter()
            .any(|e| e["code"] == "two-sources"),
        "{r}"
    );
}

/// `ogr2ogr` (GDAL, as QGIS writes GeoPackages) puts every Daishan layer into one GeoPackage,
/// reprojected to `srs`; `None` where GDAL is not installed.
fn daishan_geopackage(to: &Path, srs: &str) -> Option<()> {
    if Command::new("ogr2ogr").arg("--version").output().is_err() {
        eprintln!("SKIP: ogr2ogr (Debian's gdal-bin) is not installed; .ci/run installs it");
        return None;
    }
    for (i, layer) in ["islands", "settlements", "ferries", "ports", "facilities"]
        .iter()
        .enumerate()
    {
        let mut cmd = Command::new("ogr2ogr");
        cmd.args(["-f", "GPKG", "-t_srs", srs]);
        if i > 0 {
            cmd.arg("-update");
        }
        let ok = cmd
            .arg(to)
            .arg(Path::new(ROOT).join(format!("data/daishan/{layer}.geojson")))
            .args(["-nln", layer])
            .status()
            .expect("ogr2ogr");
        assert!(ok.success(), "ogr2ogr {layer}");
    }
    Some(())
}

#[test]
fn a_geopackage_written_by_gdal_plans_as_the_folder_does_and_is_audited_from_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("daishan.gpkg");
    if daishan_geopackage(&gpkg, "EPSG:4326").is_none() {
        return;
    }
    let r = json_of(&run(&["validate", s(&gpkg), "--json"]));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["population"], 207_982);
    assert_eq!(r["counts"]["routes"], 23);
    let cost = planned_cost(&gpkg, &dir.path().join("plan"));
    assert_eq!(cost, daishan_cost(dir.path()));
    let check = run(&[
        "check",
        s(&gpkg),
        s(&dir.path().join("plan")),
        "--scenario",
        &format!("{ROOT}/data/daishan/scenario-2024.toml"),
    ]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // A bad value is named by the GeoPackage's table, row and column.
    let ok = Command::new("ogrinfo")
        .arg(&gpkg)
        .args([
            "-sql",
            "UPDATE settlements SET population = -5 WHERE fid = 4",
        ])
        .output()
        .expect("ogrinfo");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let o = run(&["validate", s(&gpkg), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let e = &json_of(&o)["errors"][0];
    assert_eq!(e["file"], "daishan.gpkg:settlements", "{e}");
    assert_eq!(
        (e["feature"].as_u64(), e["field"].as_str()),
        (Some(3), Some("population")),
        "{e}"
    );
}

#[test]
fn a_geopackage_in_another_system_or_not_a_geopackage_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("utm.gpkg");
    if daishan_geopackage(&gpkg, "EPSG:32651").is_some() {
        let o = run(&["validate", s(&gpkg), "--json"]);
        assert_eq!(o.status.code(), Some(2));
        let v = json_of(&o);
        let errors = v["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 5, "one error per layer: {v}");
        for e in errors {
            assert_eq!(e["code"], "wrong-crs", "{e}");
            let m = e["message"].as_str().expect("m");
            assert!(
                m.contains("EPSG:32651") && m.contains("ogr2ogr -f GPKG"),
                "{m}"
            );
        }
    }
    // Not SQLite at all, and a GeoPackage-named folder path that does not exist.
    let fake = dir.path().join("fake.gpkg");
    std::fs::write(&fake, "this is not a database, just text\n".repeat(100)).expect("write");
    let o = run(&["validate", s(&fake), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json_of(&o);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .expect("m")
            .contains("not a GeoPackage"),
        "{v}"
    );
    let o = run(&["validate", s(&dir.path().join("missing.gpkg")), "--json"]);
    assert_eq!(o.status.code(), Some(2));
}
