//! Problems found while reading a data set, each pointing at the file, feature and field.
//!
//! Loading never stops at the first problem: planners fix data in batches, so every check runs
//! and reports into one [`Diagnostics`] list.

use serde::Serialize;
use std::fmt;

/// How bad a problem is: errors make a data set unusable, warnings are worth a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    #[serde(skip)]
    pub severity: Severity,
    /// Stable rule name (e.g. `population-fractional`), for scripts and tests.
    pub code: &'static str,
    /// File name within the data-set folder, e.g. `settlements.geojson`.
    pub file: String,
    /// Zero-based index of the feature in the file's `features` array.
    pub feature: Option<usize>,
    /// The feature's `id`, when it has a readable one.
    pub id: Option<String>,
    /// The property (or `geometry`) at fault.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.file)?;
        if let Some(i) = self.feature {
            write!(f, " feature {i}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field `{field}`")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// Where a problem sits; built once per feature and reused for each of its fields.
#[derive(Debug, Clone, Default)]
pub struct Location {
    pub file: String,
    pub feature: Option<usize>,
    pub id: Option<String>,
}

impl Location {
    pub fn file(file: &str) -> Self {
        Location {
            file: file.to_string(),
            ..Default::default()
        }
    }

    pub fn feature(file: &str, feature: usize, id: Option<&str>) -> Self {
        Location {
            file: file.to_string(),
            feature: Some(feature),
            id: id.map(str::to_string),
        }
    }
}

/// The collected problems of one load.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// (code, file, field) of the warnings given once.
    once: std::collections::HashSet<(&'static str, String, Option<String>)>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Location,
        field: Option<&str>,
        message: String,
    ) {
        self.items.push(Diagnostic {
            severity,
            code,
            file: at.file.clone(),
            feature: at.feature,
            id: at.id.clone(),
            field: field.map(str::to_string),
            message,
        });
    }

    pub fn error(
        &mut self,
        code: &'static str,
        at: &Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Error, code, at, field, message.into());
    }

    pub fn warning(
        &mut self,
        code: &'static str,
        at: &Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, code, at, field, message.into());
    }

    /// A warning given once per file, code and field (the first feature that shows it).
    pub fn warning_once(
        &mut self,
        code: &'static str,
        at: &Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        let key = (code, at.file.clone(), field.map(str::to_string));
        if self.once.insert(key) {
            self.push(Severity::Warning, code, at, field, message.into());
        }
    }

    /// Names `to` the file every finding about `from` names (a layer read from another
    /// source than its GeoJSON file).
    pub fn rename_file(&mut self, from: &str, to: &str) {
        for d in self.items.iter_mut().filter(|d| d.file == from) {
            d.file = to.to_string();
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    pub fn all(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Stable order for output: by file, then feature, then insertion order.
    pub fn sort(&mut self) {
        self.items
            .sort_by(|a, b| (&a.file, a.feature).cmp(&(&b.file, b.feature)));
    }
}

/// Why a data set could not be loaded: the complete list of problems (warnings included).
#[derive(Debug, Clone)]
pub struct InvalidData {
    pub source: std::path::PathBuf,
    pub diagnostics: Diagnostics,
}

impl std::fmt::Display for InvalidData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.diagnostics.errors().count();
        writeln!(f, "data set {} has {n} error(s):", self.source.display())?;
        for d in self.diagnostics.errors() {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidData {}
