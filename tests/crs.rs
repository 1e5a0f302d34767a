//! Layers as GIS tools write them: a layer in another reference system is one clear error per
//! layer naming the system and the fix (checked on files GDAL's own `ogr2ogr` reprojected,
//! where GDAL is installed), and numbers written as text are read with one warning.

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
