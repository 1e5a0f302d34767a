//! Everything users read: terminal text, JSON objects, GeoJSON maps, pictures and the HTML report.

pub mod compare;
/// Reading plan folders back (moved to [`crate::io::files`], the audit reads them too).
pub use crate::io::files;
pub mod html;
mod labels;
pub mod map;
pub mod pareto;
pub mod plan_out;
pub mod render;
pub mod resilience;
pub mod results;
pub mod roving;
pub mod text;

use crate::layers::{Diagnostic, Validation};
use serde::Serialize;

/// The `archiplan validate --json` object (a contract: keys are never renamed).
#[derive(Debug, Serialize)]
pub struct ValidationReport<'a> {
    pub dataset: String,
    pub ok: bool,
    pub errors: Vec<&'a Diagnostic>,
    pub warnings: Vec<&'a Diagnostic>,
    pub counts: crate::layers::Counts,
    pub population: u64,
}

impl<'a> ValidationReport<'a> {
    pub fn new(dataset: &str, v: &'a Validation) -> Self {
        ValidationReport {
            dataset: dataset.to_string(),
            ok: !v.diagnostics.has_errors(),
            errors: v.diagnostics.errors().collect(),
            warnings: v.diagnostics.warnings().collect(),
            counts: v.counts,
            population: v.population,
        }
    }
}

/// Pretty JSON of `value` with every negative zero written as `0.0`: `-0.0` (from a rounding
/// or a product with zero) means nothing to a reader and trips naive comparisons.
pub fn json_pretty<T: Serialize + ?Sized>(value: &T) -> crate::Result<Vec<u8>> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| crate::Error::Internal(format!("json: {e}")))?;
    Ok(without_negative_zero(bytes))
}

/// Rewrites the number tokens `-0.0` / `-0` (with any exponent) outside strings as `0.0` / `0`.
fn without_negative_zero(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if b == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1]);
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'-' {
            // The whole number token: digits, '.', exponent and its sign.
            let mut j = i + 1;
            while j < bytes.len() {
                let c = bytes[j];
                let exponent_sign = matches!(c, b'+' | b'-') && matches!(bytes[j - 1], b'e' | b'E');
                if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E') || exponent_sign {
                    j += 1;
                } else {
                    break;
                }
            }
            let token = &bytes[i + 1..j];
            let mantissa = token
                .split(|&c| c == b'e' || c == b'E')
                .next()
                .unwrap_or_default();
            if !mantissa.is_empty() && mantissa.iter().all(|&c| c == b'0' || c == b'.') {
                out.extend_from_slice(token);
            } else {
                out.extend_from_slice(&bytes[i..j]);
            }
            i = j;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// A CSV cell of text that came from user data (a name, an id, a message): a cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to spreadsheets, so it gets
/// a leading `'`. Numbers are never passed through this (`-0.5` stays a number).
/// A CSV table in memory: the header, then each row.
pub fn csv_table(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> crate::Result<Vec<u8>> {
    let to_err = |e: csv::Error| crate::Error::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(to_err)?;
    for row in rows {
        w.write_record(row).map_err(to_err)?;
    }
    w.into_inner()
        .map_err(|e| crate::Error::Internal(format!("csv: {e}")))
}

pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_is_written_as_zero_and_strings_are_untouched() {
        let v =
            serde_json::json!({"a": -0.0, "b": [-0.0, -0.5, 0.0, -1e-3], "c": "x -0.0", "d": -0});
        let s = String::from_utf8(json_pretty(&v).expect("json")).expect("utf8");
        assert!(!s.contains(": -0.0") && !s.contains(" -0.0,"), "{s}");
        assert!(
            s.contains("-0.5") && s.contains("-0.001") && s.contains("\"x -0.0\""),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back["a"].as_f64().map(f64::is_sign_negative), Some(false));
        assert_eq!(
            back["b"][0].as_f64().map(f64::is_sign_negative),
            Some(false)
        );
    }

    #[test]
    fn formula_cells_are_quoted_but_numbers_are_not_passed_here() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-x"), "'-x");
        assert_eq!(csv_text("@sum"), "'@sum");
        assert_eq!(csv_text("school"), "school");
    }
}
