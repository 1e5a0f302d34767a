//! Plain-text reports for the terminal.

use super::ValidationReport;
use crate::network::NetworkSummary;
use std::fmt::Write;

/// 207982 -> "207,982".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn validation(r: &ValidationReport) -> String {
    let mut out = String::new();
    for d in r.errors.iter().chain(&r.warnings) {
        let _ = writeln!(out, "{d}");
    }
    let c = &r.counts;
    let _ = writeln!(
        out,
        "{}: {} — {} islands, {} settlements, {} ports, {} routes, {} facilities; population {}; {} error(s), {} warning(s)",
        r.dataset,
        if r.ok { "valid" } else { "INVALID" },
        c.islands,
        c.settlements,
        c.ports,
        c.routes,
        c.facilities,
        thousands(r.population),
        r.errors.len(),
        r.warnings.len()
    );
    out
}

fn minutes(m: Option<f64>) -> String {
    m.map(|m| format!("{m:.1}")).unwrap_or_else(|| "-".into())
}

pub fn network(s: &NetworkSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "network: {} nodes, {} edges, {} connected component(s)",
        s.nodes, s.edges, s.components
    );
    let _ = writeln!(
        out,
        "hub: island {}, {} {} ({})",
        s.hub.island, s.hub.kind, s.hub.id, s.hub.name
    );
    let _ = writeln!(
        out,
        "travel-time matrix: {} settlements x {} targets, {} pairs within {} min ({:.1} MB)",
        s.matrix.sources,
        s.matrix.targets,
        s.matrix.pairs,
        s.matrix.cutoff_minutes,
        s.matrix.bytes as f64 / 1e6
    );
    if s.unreachable_settlements.is_empty() {
        let _ = writeln!(out, "every settlement reaches the hub");
    } else {
        let _ = writeln!(
            out,
            "{} settlement(s) cannot reach the hub: {}",
            s.unreachable_settlements.len(),
            s.unreachable_settlements.join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:<24} {:>9} {:>11} {:>12} {:>11}",
        "island", "name", "tier", "population", "to hub mean", "to hub max"
    );
    let mut rows: Vec<_> = s
        .islands
        .iter()
        .filter(|i| i.settlements > 0 || !i.external)
        .collect();
    rows.sort_by(|a, b| b.population.cmp(&a.population).then(a.id.cmp(&b.id)));
    for i in rows {
        let tier = match (i.external, i.tier) {
            (true, _) => "external".to_string(),
            (false, Some(t)) => format!("{t:?}").to_lowercase(),
            (false, None) => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<14} {:<24} {:>9} {:>11} {:>12} {:>11}",
            i.id,
            i.name.chars().take(24).collect::<String>(),
            tier,
            thousands(i.population),
            minutes(i.minutes_to_hub_mean),
            minutes(i.minutes_to_hub_max)
        );
    }
    out
}
