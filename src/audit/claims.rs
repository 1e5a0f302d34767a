//! The solver's claims: every `objective`, `bound`, `gap` and `status` of `summary.json` (the
//! plan and each service) and `summary.csv` must be consistent with one another. A bound above
//! its objective, a gap other than the one they imply, `optimal` with a gap, a plan status
//! better than its weakest service, or totals that are not the sums of their services are
//! disagreements. (Whether the bound is *true* needs a re-solve: `check --prove`.)

use super::Log;
use super::folder::PlanFolder;
use geojson::JsonValue;

const SUM: &str = "summary.json";
const CSV: &str = "summary.csv";

/// The statuses a plan may report, weakest last.
const STATUSES: [&str; 4] = ["optimal", "stalled", "node_limit", "time_limit"];

/// `optimal` means the objective equals the proven bound to this relative tolerance.
pub const OPTIMAL_GAP: f64 = 1e-9;

/// |objective - bound| / |objective|, 0 within [`OPTIMAL_GAP`] (the audit's own formula).
fn implied_gap(objective: f64, bound: f64) -> f64 {
    let diff = (objective - bound).abs();
    if diff <= OPTIMAL_GAP * objective.abs().max(1.0) {
        0.0
    } else {
        diff / objective.abs().max(1e-9)
    }
}

/// Money tolerance of sums of values written with two decimals.
fn sum_tolerance(x: f64, parts: usize) -> f64 {
    0.005 * (parts as f64 + 1.0) + 1e-9 * x.abs()
}

struct Claim {
    objective: Option<f64>,
    bound: Option<f64>,
    gap: Option<f64>,
    status: String,
}

fn claim(v: Option<&JsonValue>) -> Claim {
    let num = |k: &str| v.and_then(|v| v.get(k)).and_then(JsonValue::as_f64);
    Claim {
        objective: num("objective"),
        bound: num("bound"),
        gap: num("gap"),
        status: v
            .and_then(|v| v.get("status"))
            .and_then(JsonValue::as_str)
            .unwrap_or_default()
            .to_string(),
    }
}

/// One row's triple: bound ≤ objective, gap as implied, `optimal` only without a gap.
fn consistent(c: &Claim, feature: &str, log: &mut Log) {
    log.checked.values += 1;
    if !STATUSES.contains(&c.status.as_str()) {
        log.finding(
            SUM,
            feature,
            "status",
            format!("`{}`", c.status),
            format!("one of {}", STATUSES.join(", ")),
        );
    }
    let (Some(obj), Some(bound), Some(gap)) = (c.objective, c.bound, c.gap) else {
        log.finding(
            SUM,
            feature,
            "objective/bound/gap",
            "(missing)".into(),
            "three numbers".into(),
        );
        return;
    };
    // Values are written with two decimals: allow that rounding, nothing more.
    if bound > obj + 0.01 + OPTIMAL_GAP * obj.abs() {
        log.finding(
            SUM,
            feature,
            "bound",
            super::fmt_num(bound),
            format!(
                "at most the objective {} (a minimisation)",
                super::fmt_num(obj)
            ),
        );
    }
    let implied = implied_gap(obj, bound);
    let slack = 1e-6 + 0.01 / obj.abs().max(1.0);
    log.num(SUM, feature, "gap", Some(gap), Some(implied), slack);
    if c.status == "optimal" && gap > OPTIMAL_GAP {
        log.finding(
            SUM,
            feature,
            "status",
            "`optimal`".into(),
            format!(
                "not optimal: a gap of {} is no proof (optimal needs a gap of at most {OPTIMAL_GAP:e})",
                super::fmt_num(gap)
            ),
        );
    }
}

/// Audits every claim of the folder's summary against the others.
pub(crate) fn audit(folder: &PlanFolder, services: &[String], log: &mut Log) {
    let plan = claim(Some(&folder.summary));
    consistent(&plan, "plan", log);
    let mut rows = Vec::new();
    for name in services {
        let c = claim(folder.service_summary(name));
        consistent(&c, name, log);
        rows.push((name, c));
    }
    // The plan is the sum of its services, and only as proven as the weakest.
    let sum = |f: fn(&Claim) -> Option<f64>| -> Option<f64> {
        rows.iter().map(|(_, c)| f(c)).sum::<Option<f64>>()
    };
    for (field, total, reported) in [
        ("objective", sum(|c| c.objective), plan.objective),
        ("bound", sum(|c| c.bound), plan.bound),
    ] {
        let tol = sum_tolerance(total.unwrap_or(0.0), rows.len());
        log.num(SUM, "plan", field, reported, total, tol);
    }
    let rank = |s: &str| STATUSES.iter().position(|x| *x == s);
    let weakest = rows
        .iter()
        .filter_map(|(_, c)| rank(&c.status))
        .max()
        .unwrap_or(0);
    log.text(SUM, "plan", "status", &plan.status, STATUSES[weakest]);
    // summary.csv repeats each gap and status.
    let cell = |row: &str, col: &str| -> Option<String> {
        folder
            .summary_csv
            .iter()
            .find(|r| r.get("service").map(String::as_str) == Some(row))
            .and_then(|r| r.get(col).cloned())
    };
    for (row, c) in rows.iter().map(|(n, c)| (n.as_str(), c)) {
        log.text(
            CSV,
            row,
            "status",
            &cell(row, "status").unwrap_or_default(),
            &c.status,
        );
        let gap = cell(row, "gap").and_then(|g| g.parse::<f64>().ok());
        log.num(CSV, row, "gap", gap, c.gap, 5.1e-7);
    }
}
