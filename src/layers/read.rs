//! Reading one GeoJSON layer file into raw features, and typed property access that reports
//! every problem instead of failing on the first.

use crate::diagnostics::{Diagnostics, Location};
use geojson::{Feature, GeometryValue, JsonObject, JsonValue};

/// One feature as read from a file, before its layer interprets it.
#[derive(Debug, Clone)]
pub struct RawFeature {
    pub index: usize,
    pub id: Option<String>,
    pub geometry: Option<GeometryValue>,
    pub properties: JsonObject,
}

impl RawFeature {
    pub fn location(&self, file: &str) -> Location {
        Location::feature(file, self.index, self.id.as_deref())
    }
}

/// Parses the bytes of a GeoJSON layer file (see [`super::source::read_layer`]).
pub fn parse_layer(bytes: &[u8], file: &str, diags: &mut Diagnostics) -> Option<Vec<RawFeature>> {
    let at = Location::file(file);
    // A UTF-8 byte-order mark (Windows tools, QGIS exports) is not part of the JSON.
    let value: JsonValue = match serde_json::from_slice(crate::limits::strip_bom(bytes)) {
        Ok(v) => v,
        Err(e) => {
            diags.error(
                "not-json",
                &at,
                None,
                format!("not valid JSON (GeoJSON expected): {e}"),
            );
            return None;
        }
    };
    let JsonValue::Object(mut top) = value else {
        diags.error(
            "not-geojson",
            &at,
            None,
            "expected a GeoJSON FeatureCollection object at the top level",
        );
        return None;
    };
    match top.get("type").and_then(JsonValue::as_str) {
        Some("FeatureCollection") => {}
        Some(other) => {
            diags.error(
                "not-feature-collection",
                &at,
                Some("type"),
                format!("expected \"type\": \"FeatureCollection\", found \"{other}\""),
            );
            return None;
        }
        None => {
            diags.error(
                "not-geojson",
                &at,
                Some("type"),
                "missing \"type\": \"FeatureCollection\"; this is not a GeoJSON file",
            );
            return None;
        }
    }
    // A legacy `crs` member (GeoJSON 2008; GDAL writes it for any projection): coordinates in
    // another reference system are all wrong together, so say so once and read no feature.
    if let Some(name) = foreign_crs(top.get("crs")) {
        diags.error(
            "wrong-crs",
            &at,
            Some("crs"),
            format!(
                "this layer is in {name}, but archiplan reads longitude/latitude in EPSG:4326 \
                 (WGS 84); reproject it, e.g. `ogr2ogr -f GeoJSON -t_srs EPSG:4326 \
                 wgs84-{file} {file}` (then put it in place of {file}), or export from QGIS \
                 with CRS EPSG:4326"
            ),
        );
        return None;
    }
    let Some(JsonValue::Array(features)) = top.remove("features") else {
        diags.error(
            "not-geojson",
            &at,
            Some("features"),
            "a FeatureCollection needs a \"features\" array",
        );
        return None;
    };
    let mut out = Vec::with_capacity(features.len());
    for (index, value) in features.into_iter().enumerate() {
        let id_hint = value
            .get("properties")
            .and_then(|p| p.get("id"))
            .and_then(id_string);
        let loc = Location::feature(file, index, id_hint.as_deref());
        let feature: Feature = match serde_json::from_value(value) {
            Ok(f) => f,
            Err(e) => {
                diags.error(
                    "feature-invalid",
                    &loc,
                    None,
                    format!("not a valid GeoJSON Feature: {e}"),
                );
                continue;
            }
        };
        let properties = feature.properties.unwrap_or_default();
        let id = properties.get("id").and_then(id_string).or_else(|| {
            feature.id.as_ref().map(|id| match id {
                geojson::feature::Id::String(s) => s.clone(),
                geojson::feature::Id::Number(n) => n.to_string(),
            })
        });
        out.push(RawFeature {
            index,
            id,
            geometry: feature.geometry.map(|g| g.value),
            properties,
        });
    }
    Some(out)
}

/// The reference system a legacy `crs` member names, when it is not longitude/latitude on
/// WGS 84 (`EPSG:4326`, `CRS84`), as `EPSG:32651` where it has an EPSG code.
fn foreign_crs(crs: Option<&JsonValue>) -> Option<String> {
    let crs = crs?;
    let name = crs
        .pointer("/properties/name")
        .and_then(JsonValue::as_str)
        .or_else(|| crs.pointer("/properties/href").and_then(JsonValue::as_str))?;
    let upper = name.to_ascii_uppercase();
    let wgs84 = upper.ends_with("CRS84")
        || upper.ends_with("CRS:84")
        || upper.ends_with("EPSG::4326")
        || upper.ends_with("EPSG:4326")
        || upper.ends_with("EPSG/0/4326");
    if wgs84 {
        return None;
    }
    // urn:ogc:def:crs:EPSG::32651, EPSG:32651, http://www.opengis.net/def/crs/EPSG/0/32651
    let code = upper
        .rsplit([':', '/'])
        .next()
        .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()));
    Some(match code {
        Some(c) if upper.contains("EPSG") => format!("EPSG:{c}"),
        _ => format!("the reference system `{name}`"),
    })
}

/// An id given as a string, or as an integer (read as its decimal text).
fn id_string(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
        JsonValue::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// Typed access to one feature's properties; every problem goes to the diagnostics.
pub struct Props<'a> {
    pub props: &'a JsonObject,
    pub at: Location,
    pub diags: &'a mut Diagnostics,
}

impl<'a> Props<'a> {
    pub fn new(feature: &'a RawFeature, file: &str, diags: &'a mut Diagnostics) -> Self {
        Props {
            props: &feature.properties,
            at: feature.location(file),
            diags,
        }
    }

    fn missing(&mut self, key: &str) {
        self.diags.error(
            "missing-property",
            &self.at,
            Some(key),
            format!("required property `{key}` is missing"),
        );
    }

    fn present(&self, key: &str) -> Option<&'a JsonValue> {
        self.props.get(key).filter(|v| !v.is_null())
    }

    /// A required id (string or integer).
    pub fn id(&mut self) -> Option<String> {
        match self.present("id") {
            None => {
                self.missing("id");
                None
            }
            Some(v) => match id_string(v) {
                Some(s) => Some(s),
                None => {
                    self.diags.error(
                        "bad-id",
                        &self.at,
                        Some("id"),
                        format!("`id` must be a non-empty string or an integer, found {v}"),
                    );
                    None
                }
            },
        }
    }

    pub fn opt_str(&mut self, key: &str) -> Option<String> {
        match self.present(key) {
            None => None,
            Some(JsonValue::String(s)) => Some(s.clone()),
            Some(JsonValue::Number(n)) => Some(n.to_string()),
            Some(v) => {
                self.diags.error(
                    "bad-type",
                    &self.at,
                    Some(key),
                    format!("`{key}` must be a string, found {v}"),
                );
                None
            }
        }
    }

    pub fn req_str(&mut self, key: &str) -> Option<String> {
        if self.present(key).is_none() {
            self.missing(key);
            return None;
        }
        self.opt_str(key)
    }

    /// A JSON number, or a number written as text (`"199"`, as plain `ogr2ogr` writes every CSV
    /// column), which is read with one warning per layer and field.
    fn number(&mut self, key: &str, v: &JsonValue) -> Option<f64> {
        if let Some(x) = v.as_f64() {
            return Some(x);
        }
        let x = v
            .as_str()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())?;
        self.diags.warning_once(
            "number-as-text",
            &self.at,
            Some(key),
            format!(
                "`{key}` holds numbers written as text (e.g. {v}); they are read as numbers. \
                 From a CSV, `ogr2ogr -oo AUTODETECT_TYPE=YES` writes real numbers"
            ),
        );
        Some(x)
    }

    /// A number, with `check` returning a complaint for out-of-range values.
    pub fn opt_number(&mut self, key: &str, check: impl Fn(f64) -> Option<String>) -> Option<f64> {
        let v = self.present(key)?;
        let Some(x) = self.number(key, v) else {
            self.diags.error(
                "not-a-number",
                &self.at,
                Some(key),
                format!("`{key}` must be a number, found {v}"),
            );
            return None;
        };
        if let Some(complaint) = check(x) {
            self.diags.error(
                "out-of-range",
                &self.at,
                Some(key),
                format!("`{key}` = {x}: {complaint}"),
            );
            return None;
        }
        Some(x)
    }

    /// A count of people (or pupils, households): a non-negative whole number.
    pub fn opt_count(&mut self, key: &str) -> Option<u64> {
        let v = self.present(key)?;
        let Some(x) = self.number(key, v) else {
            self.diags.error(
                "not-a-number",
                &self.at,
                Some(key),
                format!("`{key}` must be a whole number of persons, found {v}"),
            );
            return None;
        };
        if x < 0.0 {
            self.diags.error(
                "negative-count",
                &self.at,
                Some(key),
                format!("`{key}` = {x} is negative"),
            );
            return None;
        }
        if x.fract() != 0.0 {
            self.diags.error(
                "fractional-count",
                &self.at,
                Some(key),
                format!("`{key}` = {x} is not a whole number of persons"),
            );
            return None;
        }
        if x > 1e12 {
            self.diags.error(
                "out-of-range",
                &self.at,
                Some(key),
                format!("`{key}` = {x} is implausibly large"),
            );
            return None;
        }
        Some(x as u64)
    }

    pub fn req_count(&mut self, key: &str) -> Option<u64> {
        if self.present(key).is_none() {
            self.missing(key);
            return None;
        }
        self.opt_count(key)
    }

    /// `true`/`false`; also 1/0 and the words `"true"`/`"false"`, with one warning per layer
    /// and field: shapefiles have no boolean type (GDAL writes 0/1 or text), and a pandas
    /// boolean column with a missing value becomes 1.0/0.0.
    pub fn opt_bool(&mut self, key: &str) -> Option<bool> {
        let v = self.present(key)?;
        let lenient = match v {
            JsonValue::Bool(b) => return Some(*b),
            JsonValue::Number(n) => match n.as_f64() {
                Some(1.0) => Some(true),
                Some(0.0) => Some(false),
                _ => None,
            },
            JsonValue::String(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        };
        match lenient {
            Some(b) => {
                let v = v.clone();
                self.diags.warning_once(
                    "bool-as-number",
                    &self.at,
                    Some(key),
                    format!(
                        "`{key}` holds true/false written as {v}; read as {b}. Write JSON \
                         true/false to silence this"
                    ),
                );
                Some(b)
            }
            None => {
                self.diags.error(
                    "bad-type",
                    &self.at,
                    Some(key),
                    format!("`{key}` must be true or false, found {v}"),
                );
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn opt_enum<T: Copy>(&mut self, key: &str, choices: &[(&str, T)]) -> Option<T> {
        let s = self.opt_str(key)?;
        match choices.iter().find(|(name, _)| *name == s) {
            Some((_, v)) => Some(*v),
            None => {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                self.diags.error(
                    "bad-value",
                    &self.at,
                    Some(key),
                    format!("`{key}` = \"{s}\" is not one of {}", names.join(", ")),
                );
                None
            }
        }
    }

    pub fn error(&mut self, code: &'static str, field: Option<&str>, message: impl Into<String>) {
        self.diags.error(code, &self.at, field, message);
    }

    pub fn warning(&mut self, code: &'static str, field: Option<&str>, message: impl Into<String>) {
        self.diags.warning(code, &self.at, field, message);
    }
}

/// A positive number check for [`Props::opt_number`].
pub fn positive(x: f64) -> Option<String> {
    (x <= 0.0).then(|| "must be greater than 0".to_string())
}

/// A non-negative number check for [`Props::opt_number`].
pub fn non_negative(x: f64) -> Option<String> {
    (x < 0.0).then(|| "must not be negative".to_string())
}

/// An amount of money (CNY) for [`Props::opt_number`]: not negative and at most
/// [`crate::limits::MAX_MONEY`] (larger sums lose whole yuan, or overflow to infinity).
pub fn money(x: f64) -> Option<String> {
    non_negative(x).or_else(|| {
        (x > crate::limits::MAX_MONEY)
            .then(|| format!("must be at most {:e} CNY", crate::limits::MAX_MONEY))
    })
}

/// A capacity for [`Props::opt_number`]: not negative and at most
/// [`crate::limits::MAX_CAPACITY`].
pub fn amount(x: f64) -> Option<String> {
    non_negative(x).or_else(|| {
        (x > crate::limits::MAX_CAPACITY)
            .then(|| format!("must be at most {:e}", crate::limits::MAX_CAPACITY))
    })
}

/// Minutes for [`Props::opt_number`]: above 0 and at most [`crate::limits::MAX_MINUTES`].
pub fn minutes(x: f64) -> Option<String> {
    positive(x).or_else(|| {
        (x > crate::limits::MAX_MINUTES).then(|| {
            format!(
                "must be at most {} minutes (one week)",
                crate::limits::MAX_MINUTES
            )
        })
    })
}
