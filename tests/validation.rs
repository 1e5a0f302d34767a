//! Every validation rule, each triggered by its own crafted bad file.
//!
//! Each test copies the valid micro archipelago in `tests/fixtures/micro`, replaces one layer
//! file with a crafted bad version, and checks the reported problem names the rule, file,
//! feature, id and field.

use archiplan::layers::{DataSet, Diagnostic, Severity, Validation};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const MICRO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/micro");

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for entry in std::fs::read_dir(MICRO).expect("fixture") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        Case { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn layer(&self, file: &str) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join(file)).expect("read");
        serde_json::from_str(&text).expect("json")
    }

    fn write_raw(&self, file: &str, text: &str) -> &Self {
        std::fs::write(self.dir.path().join(file), text).expect("write");
        self
    }

    /// Rewrites a layer through `edit`.
    fn edit(&self, file: &str, edit: impl FnOnce(&mut Value)) -> &Self {
        let mut v = self.layer(file);
        edit(&mut v);
        self.write_raw(file, &serde_json::to_string_pretty(&v).expect("ser"))
    }

    /// Sets one property of feature `i` of a layer.
    fn set(&self, file: &str, i: usize, key: &str, value: Value) -> &Self {
        self.edit(file, |v| {
            v["features"][i]["properties"][key] = value;
        })
    }

    fn validate(&self) -> Validation {
        DataSet::validate(self.dir.path())
    }
}

fn find<'a>(v: &'a Validation, code: &str) -> Vec<&'a Diagnostic> {
    v.diagnostics
        .all()
        .iter()
        .filter(|d| d.code == code)
        .collect()
}

/// Asserts an error with this code at this file/feature/field, and returns it.
fn assert_error(
    v: &Validation,
    code: &str,
    file: &str,
    feature: Option<usize>,
    field: Option<&str>,
) -> Diagnostic {
    let hits = find(v, code);
    let d = hits
        .iter()
        .find(|d| {
            d.severity == Severity::Error
                && d.file == file
                && d.feature == feature
                && d.field.as_deref() == field
        })
        .unwrap_or_else(|| {
            panic!(
                "expected error {code} in {file} feature {feature:?} field {field:?}; got:\n{}",
                v.diagnostics
                    .all()
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert!(v.dataset.is_none(), "an invalid data set must not load");
    (*d).clone()
}

fn assert_warning(v: &Validation, code: &str, file: &str, feature: usize) -> Diagnostic {
    find(v, code)
        .into_iter()
        .find(|d| d.severity == Severity::Warning && d.file == file && d.feature == Some(feature))
        .cloned()
        .unwrap_or_else(|| panic!("expected warning {code} in {file} feature {feature}"))
}

const S: &str = "settlements.geojson";
const I: &str = "islands.geojson";
const F: &str = "ferries.geojson";
const P: &str = "ports.geojson";
const FAC: &str = "facilities.geojson";

#[test]
fn the_micro_fixture_is_valid() {
    let v = Case::new().validate();
    assert!(!v.diagnostics.has_errors(), "{:?}", v.diagnostics.all());
    assert_eq!(v.diagnostics.all().len(), 0, "no warnings either");
    assert_eq!(v.counts.settlements, 5);
    assert_eq!(v.population, 11_000);
    let ds = v.dataset.expect("loads");
    assert_eq!(ds.islands[ds.hub].id, "alpha");
}

#[test]
fn missing_folder_and_missing_required_file() {
    let v = DataSet::validate(Path::new("/nonexistent/archiplan/data"));
    assert!(find(&v, "folder-missing").len() == 1);

    let c = Case::new();
    std::fs::remove_file(c.path().join(S)).expect("rm");
    let v = c.validate();
    assert_error(&v, "file-missing", S, None, None);
}

#[test]
fn optional_layers_may_be_absent() {
    let c = Case::new();
    std::fs::remove_file(c.path().join(FAC)).expect("rm");
    let v = c.validate();
    assert!(!v.diagnostics.has_errors());
    assert_eq!(v.counts.facilities, 0);
}

#[test]
fn unreadable_non_json_file() {
    let c = Case::new();
    c.write_raw(S, "this is not { json");
    let d = assert_error(&c.validate(), "not-json", S, None, None);
    assert!(d.message.contains("line 1"), "{}", d.message);
    // Invalid UTF-8 is reported the same way, without a panic.
    std::fs::write(c.path().join(S), [0xff, 0xfe, 0x00, 0x7b]).expect("write");
    assert_error(&c.validate(), "not-json", S, None, None);
}

#[test]
fn json_that_is_not_geojson() {
    let c = Case::new();
    c.write_raw(I, "[1, 2, 3]");
    assert_error(&c.validate(), "not-geojson", I, None, None);
    c.write_raw(
        I,
        r#"{"type": "Feature", "geometry": null, "properties": {}}"#,
    );
    assert_error(
        &c.validate(),
        "not-feature-collection",
        I,
        None,
        Some("type"),
    );
    c.write_raw(I, r#"{"type": "FeatureCollection"}"#);
    assert_error(&c.validate(), "not-geojson", I, None, Some("features"));
}

#[test]
fn a_feature_that_is_not_a_feature() {
    let c = Case::new();
    c.edit(S, |v| v["features"][2]["type"] = json!("Featur"));
    assert_error(&c.validate(), "feature-invalid", S, Some(2), None);
}

#[test]
fn wrong_geometry_type() {
    let c = Case::new();
    c.edit(
        S,
        |v| {
            v["features"][1]["geometry"] =
                json!({"type": "LineString", "coordinates": [[122.0, 30.0], [122.01, 30.01]]})
        },
    );
    let d = assert_error(
        &c.validate(),
        "wrong-geometry",
        S,
        Some(1),
        Some("geometry"),
    );
    assert!(d.message.contains("LineString") && d.message.contains("Point"));
    assert_eq!(d.id.as_deref(), Some("a2"));
}

#[test]
fn missing_geometry() {
    let c = Case::new();
    c.edit(FAC, |v| v["features"][0]["geometry"] = Value::Null);
    assert_error(
        &c.validate(),
        "missing-geometry",
        FAC,
        Some(0),
        Some("geometry"),
    );
}

#[test]
fn unclosed_ring() {
    let c = Case::new();
    c.edit(I, |v| {
        let ring = v["features"][1]["geometry"]["coordinates"][0]
            .as_array_mut()
            .expect("ring");
        ring.pop();
    });
    let d = assert_error(&c.validate(), "unclosed-ring", I, Some(1), Some("geometry"));
    assert_eq!(d.id.as_deref(), Some("beta"));
}

#[test]
fn self_intersecting_polygon() {
    let c = Case::new();
    // A bow tie: the ring crosses itself.
    c.edit(I, |v| {
        v["features"][3]["geometry"]["coordinates"] = json!([[
            [122.20, 30.10],
            [122.21, 30.11],
            [122.21, 30.10],
            [122.20, 30.11],
            [122.20, 30.10]
        ]])
    });
    let d = assert_error(
        &c.validate(),
        "invalid-polygon",
        I,
        Some(3),
        Some("geometry"),
    );
    assert!(
        d.message.contains("self-intersect") || d.message.contains("intersect"),
        "{}",
        d.message
    );
}

#[test]
fn ring_with_too_few_positions() {
    let c = Case::new();
    c.edit(I, |v| {
        v["features"][3]["geometry"]["coordinates"] =
            json!([[[122.20, 30.10], [122.21, 30.11], [122.20, 30.10]]])
    });
    assert_error(
        &c.validate(),
        "invalid-polygon",
        I,
        Some(3),
        Some("geometry"),
    );
}

#[test]
fn clockwise_exterior_ring_is_a_warning() {
    let c = Case::new();
    c.edit(I, |v| {
        let ring = v["features"][3]["geometry"]["coordinates"][0]
            .as_array_mut()
            .expect("ring");
        ring.reverse();
    });
    let v = c.validate();
    assert!(!v.diagnostics.has_errors());
    assert_warning(&v, "ring-orientation", I, 3);
}

#[test]
fn coordinates_out_of_range() {
    let c = Case::new();
    c.edit(S, |v| {
        v["features"][0]["geometry"]["coordinates"] = json!([222.0, 30.0])
    });
    let d = assert_error(
        &c.validate(),
        "bad-coordinates",
        S,
        Some(0),
        Some("geometry"),
    );
    assert!(d.message.contains("longitude"));
}

#[test]
fn coordinates_swapped_out_of_range() {
    let c = Case::new();
    c.edit(S, |v| {
        v["features"][0]["geometry"]["coordinates"] = json!([30.02, 122.02])
    });
    let d = assert_error(
        &c.validate(),
        "bad-coordinates",
        S,
        Some(0),
        Some("geometry"),
    );
    assert!(d.message.contains("swapped"), "{}", d.message);
}

#[test]
fn coordinates_swapped_within_range() {
    // Near (lon 40, lat 20) a swapped point is still a valid lon/lat; the loader notices that
    // the swapped point falls on an island.
    let c = Case::new();
    c.edit(I, |v| {
        v["features"][1]["geometry"]["coordinates"] = json!([[
            [20.0, 40.0],
            [20.1, 40.0],
            [20.1, 40.1],
            [20.0, 40.1],
            [20.0, 40.0]
        ]])
    });
    c.edit(S, |v| {
        v["features"][3]["geometry"]["coordinates"] = json!([40.05, 20.05])
    });
    let d = assert_error(
        &c.validate(),
        "coordinates-swapped",
        S,
        Some(3),
        Some("geometry"),
    );
    assert!(d.message.contains("beta"), "{}", d.message);
}

#[test]
fn duplicate_ids() {
    let c = Case::new();
    c.set(S, 4, "id", json!("a1"));
    let d = assert_error(&c.validate(), "duplicate-id", S, Some(4), Some("id"));
    assert!(d.message.contains("feature 0"));
}

#[test]
fn missing_required_properties() {
    let c = Case::new();
    c.edit(S, |v| {
        v["features"][1]["properties"]
            .as_object_mut()
            .expect("props")
            .remove("population");
    });
    c.edit(I, |v| {
        v["features"][2]["properties"]
            .as_object_mut()
            .expect("props")
            .remove("name");
    });
    c.edit(F, |v| {
        v["features"][0]["properties"]
            .as_object_mut()
            .expect("props")
            .remove("id");
    });
    let v = c.validate();
    assert_error(&v, "missing-property", S, Some(1), Some("population"));
    assert_error(&v, "missing-property", I, Some(2), Some("name"));
    assert_error(&v, "missing-property", F, Some(0), Some("id"));
}

#[test]
fn integer_ids_are_read_as_text() {
    let c = Case::new();
    c.set(S, 0, "id", json!(330921100001u64));
    let v = c.validate();
    assert!(!v.diagnostics.has_errors());
    let ds = v.dataset.expect("loads");
    assert_eq!(ds.settlements[0].id, "330921100001");
}

#[test]
fn negative_population() {
    let c = Case::new();
    c.set(S, 2, "population", json!(-5));
    assert_error(
        &c.validate(),
        "negative-count",
        S,
        Some(2),
        Some("population"),
    );
}

#[test]
fn fractional_population() {
    let c = Case::new();
    c.set(S, 2, "population", json!(1200.5));
    assert_error(
        &c.validate(),
        "fractional-count",
        S,
        Some(2),
        Some("population"),
    );
}

#[test]
fn non_numeric_population() {
    let c = Case::new();
    c.set(S, 2, "population", json!("about 1200"));
    assert_error(
        &c.validate(),
        "not-a-number",
        S,
        Some(2),
        Some("population"),
    );
    c.set(S, 2, "population", json!([1200]));
    assert_error(
        &c.validate(),
        "not-a-number",
        S,
        Some(2),
        Some("population"),
    );
}

#[test]
fn children_and_elderly_exceed_population() {
    let c = Case::new();
    c.set(S, 3, "children", json!(300));
    let d = assert_error(
        &c.validate(),
        "groups-exceed-population",
        S,
        Some(3),
        Some("children"),
    );
    assert!(
        d.message.contains("480") && d.message.contains("400"),
        "{}",
        d.message
    );
}

#[test]
fn settlement_slightly_off_shore_is_a_warning() {
    let c = Case::new();
    // ~0.5 km south of Beta's southern coast (30.00).
    c.edit(S, |v| {
        v["features"][3]["geometry"]["coordinates"] = json!([122.165, 29.9955])
    });
    let v = c.validate();
    assert!(!v.diagnostics.has_errors(), "{:?}", v.diagnostics.all());
    let w = assert_warning(&v, "outside-island", S, 3);
    assert!(w.message.contains("beta"));
    let ds = v.dataset.expect("loads");
    assert_eq!(ds.islands[ds.settlements[3].island].id, "beta");
}

#[test]
fn settlement_far_from_every_island_is_an_error() {
    let c = Case::new();
    c.edit(S, |v| {
        v["features"][4]["geometry"]["coordinates"] = json!([122.30, 30.30]);
        v["features"][4]["properties"]
            .as_object_mut()
            .expect("props")
            .remove("island");
    });
    let d = assert_error(
        &c.validate(),
        "outside-island",
        S,
        Some(4),
        Some("geometry"),
    );
    assert!(d.message.contains("nearest island"), "{}", d.message);
}

#[test]
fn settlement_far_from_its_declared_island() {
    let c = Case::new();
    c.set(S, 0, "island", json!("beta"));
    let d = assert_error(
        &c.validate(),
        "outside-island",
        S,
        Some(0),
        Some("geometry"),
    );
    assert!(d.message.contains("km outside its island `beta`"));
}

#[test]
fn unknown_island_reference() {
    let c = Case::new();
    c.set(S, 0, "island", json!("atlantis"));
    assert_error(&c.validate(), "unknown-island", S, Some(0), Some("island"));
}

#[test]
fn route_endpoint_not_near_any_island_or_port() {
    let c = Case::new();
    c.edit(F, |v| {
        v["features"][1]["geometry"]["coordinates"] = json!([[122.015, 30.001], [122.5, 29.5]])
    });
    let d = assert_error(
        &c.validate(),
        "route-endpoint-unanchored",
        F,
        Some(1),
        Some("to"),
    );
    assert_eq!(d.id.as_deref(), Some("ad-bridge"));
}

#[test]
fn route_with_unknown_port() {
    let c = Case::new();
    c.set(F, 0, "to", json!("nowhere-pier"));
    assert_error(&c.validate(), "unknown-port", F, Some(0), Some("to"));
}

#[test]
fn non_positive_minutes() {
    let c = Case::new();
    c.set(F, 0, "minutes", json!(0));
    assert_error(&c.validate(), "out-of-range", F, Some(0), Some("minutes"));
    c.set(F, 0, "minutes", json!(-10));
    assert_error(&c.validate(), "out-of-range", F, Some(0), Some("minutes"));
}

#[test]
fn non_positive_departures() {
    let c = Case::new();
    c.set(F, 0, "departures_per_day", json!(0));
    assert_error(
        &c.validate(),
        "out-of-range",
        F,
        Some(0),
        Some("departures_per_day"),
    );
}

#[test]
fn ferry_without_timetable() {
    let c = Case::new();
    c.edit(F, |v| {
        v["features"][0]["properties"]
            .as_object_mut()
            .expect("props")
            .remove("departures_per_day");
    });
    assert_error(
        &c.validate(),
        "missing-property",
        F,
        Some(0),
        Some("departures_per_day"),
    );
}

#[test]
fn bad_route_mode_hours_and_reliability() {
    let c = Case::new();
    c.set(F, 0, "mode", json!("hovercraft"));
    let v = c.validate();
    let d = assert_error(&v, "bad-value", F, Some(0), Some("mode"));
    assert!(d.message.contains("ferry, fast_ferry, bridge"));
    let c = Case::new();
    c.set(F, 0, "service_hours", json!(25));
    c.set(F, 1, "reliability", json!(1.5));
    let v = c.validate();
    assert_error(&v, "out-of-range", F, Some(0), Some("service_hours"));
    assert_error(&v, "out-of-range", F, Some(1), Some("reliability"));
}

#[test]
fn inhabited_island_without_route_or_bridge() {
    let c = Case::new();
    c.edit(F, |v| {
        v["features"].as_array_mut().expect("features").remove(0);
    });
    let d = assert_error(&c.validate(), "island-unreachable", I, Some(1), None);
    assert_eq!(d.id.as_deref(), Some("beta"));
    assert!(d.message.contains("400 residents"), "{}", d.message);
}

#[test]
fn every_unreachable_island_is_listed() {
    let c = Case::new();
    c.write_raw(F, r#"{"type": "FeatureCollection", "features": []}"#);
    let v = c.validate();
    let hits = find(&v, "island-unreachable");
    let ids: Vec<_> = hits.iter().filter_map(|d| d.id.as_deref()).collect();
    assert_eq!(ids, ["beta", "delta"]);
    assert!(hits[0].message.contains("`beta`, `delta`"));
}

#[test]
fn uninhabited_island_may_be_unreachable() {
    // Gamma has nobody and no route: fine.
    let v = Case::new().validate();
    assert!(find(&v, "island-unreachable").is_empty());
}

#[test]
fn more_than_one_hub() {
    let c = Case::new();
    c.set(I, 1, "tier", json!("hub"));
    assert_error(&c.validate(), "multiple-hubs", I, Some(1), Some("tier"));
}

#[test]
fn bad_tier_and_main_port() {
    let c = Case::new();
    c.set(I, 1, "tier", json!("capital"));
    c.set(I, 2, "main_port", json!("beta-pier"));
    let v = c.validate();
    assert_error(&v, "bad-value", I, Some(1), Some("tier"));
    assert_error(&v, "main-port-elsewhere", I, Some(2), Some("main_port"));
}

#[test]
fn facility_fields_are_checked() {
    let c = Case::new();
    c.set(FAC, 0, "capacity", json!(-1));
    c.set(FAC, 1, "status", json!("planned"));
    c.set(FAC, 2, "must_stay", json!(true));
    let v = c.validate();
    assert_error(&v, "out-of-range", FAC, Some(0), Some("capacity"));
    assert_error(&v, "bad-value", FAC, Some(1), Some("status"));
    assert_error(&v, "bad-value", FAC, Some(2), Some("must_stay"));
}

#[test]
fn port_in_the_open_sea() {
    let c = Case::new();
    c.edit(P, |v| {
        v["features"][0]["geometry"]["coordinates"] = json!([122.125, 30.2])
    });
    let v = c.validate();
    assert_error(&v, "outside-island", P, Some(0), Some("geometry"));
}

#[test]
fn all_problems_are_collected_not_only_the_first() {
    let c = Case::new();
    c.set(S, 0, "population", json!(-1));
    c.set(S, 1, "population", json!(2.5));
    c.set(S, 4, "id", json!("a1"));
    c.set(F, 0, "minutes", json!(0));
    c.edit(I, |v| {
        v["features"][3]["geometry"]["coordinates"][0]
            .as_array_mut()
            .expect("ring")
            .pop();
    });
    let v = c.validate();
    let errors: Vec<_> = v.diagnostics.errors().map(|d| d.code).collect();
    for code in [
        "negative-count",
        "fractional-count",
        "duplicate-id",
        "out-of-range",
        "unclosed-ring",
    ] {
        assert!(errors.contains(&code), "{code} missing from {errors:?}");
    }
}

#[test]
fn diagnostics_serialise_with_the_contract_keys() {
    let c = Case::new();
    c.set(S, 2, "population", json!(-5));
    let v = c.validate();
    let d = v.diagnostics.errors().next().expect("an error");
    let j = serde_json::to_value(d).expect("json");
    for key in ["file", "feature", "id", "field", "message"] {
        assert!(j.get(key).is_some(), "{key} missing in {j}");
    }
}
