//! Bad input never panics: random bytes and random mutations of valid layer files must give
//! either a loaded data set or a clean list of errors, and whatever loads must build a network.

use archiplan::layers::read::parse_layer;
use archiplan::layers::{DataSet, Diagnostics};
use archiplan::network::Network;
use proptest::prelude::*;
use serde_json::{Value, json};

const MICRO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/micro");
const FILES: [&str; 5] = [
    "islands.geojson",
    "settlements.geojson",
    "ferries.geojson",
    "ports.geojson",
    "facilities.geojson",
];

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(format!("{MICRO}/{file}")).expect("fixture")
}

/// Writes the micro fixture with `file` replaced by `bytes`, validates it, and builds the
/// network when it loads. Panics propagate and fail the property.
fn load_with(file: &str, bytes: &[u8]) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in FILES {
        let content = if f == file {
            bytes.to_vec()
        } else {
            fixture(f)
        };
        std::fs::write(dir.path().join(f), content).expect("write");
    }
    let v = DataSet::validate(dir.path());
    match v.dataset {
        Some(ds) => {
            assert!(!v.diagnostics.has_errors());
            let net = Network::build(&ds);
            let _ = archiplan::network::summarize(&ds, &net, 60.0);
            true
        }
        None => {
            assert!(v.diagnostics.has_errors(), "rejected without an error");
            assert!(v.diagnostics.errors().all(|d| !d.message.is_empty()));
            false
        }
    }
}

/// Any JSON value, biased towards the awkward ones.
fn awkward_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::from),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(0.5)),
        ".{0,12}".prop_map(Value::from),
        Just(json!([])),
        Just(json!([[]])),
        Just(json!([1.0])),
        Just(json!([[1.0, 2.0]])),
        Just(json!({})),
        Just(json!({"type": "Point", "coordinates": [181.0, 91.0]})),
        Just(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]})),
        Just(json!({"type": "GeometryCollection", "geometries": []})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut diags = Diagnostics::new();
        let parsed = parse_layer(&bytes, "random.geojson", &mut diags);
        prop_assert!(parsed.is_some() || diags.has_errors());
        load_with("settlements.geojson", &bytes);
    }

    #[test]
    fn byte_mutations_of_valid_files_never_panic(
        file in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let file = FILES[file];
        let mut bytes = fixture(file);
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        load_with(file, &bytes);
    }

    #[test]
    fn structural_mutations_of_valid_files_never_panic(
        file in 0usize..5,
        feature in any::<prop::sample::Index>(),
        key in prop_oneof![
            Just("id"), Just("name"), Just("population"), Just("children"), Just("elderly"),
            Just("island"), Just("tier"), Just("main_port"), Just("mode"), Just("from"),
            Just("to"), Just("minutes"), Just("departures_per_day"), Just("service_hours"),
            Just("reliability"), Just("service"), Just("level"), Just("status"),
            Just("capacity"), Just("road_speed_kmh"), Just("circuity"), Just("external"),
            Just("geometry"), Just("coordinates"), Just("properties"), Just("type"),
        ],
        value in awkward_value(),
    ) {
        let file = FILES[file];
        let mut doc: Value = serde_json::from_slice(&fixture(file)).expect("fixture json");
        let features = doc["features"].as_array_mut().expect("features");
        let n = features.len();
        let f = &mut features[feature.index(n)];
        match key {
            "geometry" | "properties" | "type" => f[key] = value,
            "coordinates" => f["geometry"]["coordinates"] = value,
            _ => f["properties"][key] = value,
        }
        load_with(file, &serde_json::to_vec(&doc).expect("json"));
    }
}
