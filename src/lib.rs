//! archiplan: where should an archipelago put its public services?
//!
//! Data flows one way: [`layers`] (GeoJSON in, validated) → [`network`] (ferry-route graph,
//! sparse travel times) → models and solvers → reports. [`synth`] generates archipelagos of
//! any size for tests and benchmarks.

/// Writes a line to stderr, ignoring failures: a closed or broken stderr (a log pipe whose
/// reader is gone) must never turn progress or a warning into a panic (`eprintln!` would).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod audit;
pub mod bench;
pub mod check;
pub mod diagnostics;
pub mod error;
pub mod geometry;
pub mod import;
pub mod instances;
pub mod io;
pub mod layers;
pub mod limits;
pub mod model;
pub mod network;
pub mod numbers;
pub mod phase;
pub mod plan;
pub mod planner;
pub mod report;
pub mod scenario;
pub mod solve;
pub mod sweep;
pub mod synth;

pub use error::{Error, Result};
pub use instances::orlib;
pub use layers::DataSet;
