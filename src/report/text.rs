//! Plain-text reports for the terminal.

use super::ValidationReport;
use crate::network::NetworkSummary;
use std::fmt::Write;

pub use crate::numbers::{amount, thousands};

pub fn validation(r: &ValidationReport) -> String {
    let mut out = String::new();
    // One line per layer with errors first: 87 errors of one kind are one problem of the layer
    // (a wrong CRS, swapped coordinates), which the per-feature list would bury.
    let mut layers: Vec<(&str, Vec<(&str, usize)>)> = Vec::new();
    for d in &r.errors {
        let at = match layers.iter().position(|(f, _)| *f == d.file) {
            Some(k) => k,
            None => {
                layers.push((&d.file, Vec::new()));
                layers.len() - 1
            }
        };
        let codes = &mut layers[at].1;
        match codes.iter_mut().find(|(c, _)| *c == d.code) {
            Some((_, n)) => *n += 1,
            None => codes.push((d.code, 1)),
        }
    }
    for (file, codes) in &layers {
        let total: usize = codes.iter().map(|c| c.1).sum();
        let kinds: Vec<String> = codes.iter().map(|(c, n)| format!("{c} x{n}")).collect();
        let _ = writeln!(
            out,
            "{file}: {total} error(s) ({}); the layer is not read until they are fixed",
            kinds.join(", ")
        );
    }
    for d in r.errors.iter().chain(&r.warnings) {
        let _ = writeln!(out, "{d}");
    }
    let c = &r.counts;
    // A layer with errors is not read: say so, rather than "0 settlements".
    let count = |n: usize, what: &str, file: &str| {
        if layers.iter().any(|(f, _)| *f == file) {
            format!("{what} not read")
        } else {
            format!("{n} {what}")
        }
    };
    let unread = !layers.is_empty();
    let _ = writeln!(
        out,
        "{}: {} — {}, {}, {}, {}, {}; population {}{}; {} error(s), {} warning(s)",
        r.dataset,
        if r.ok { "valid" } else { "INVALID" },
        count(c.islands, "islands", "islands.geojson"),
        count(c.settlements, "settlements", "settlements.geojson"),
        count(c.ports, "ports", "ports.geojson"),
        count(c.routes, "routes", "ferries.geojson"),
        count(c.facilities, "facilities", "facilities.geojson"),
        thousands(r.population),
        if unread { " (of the layers read)" } else { "" },
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
    let clock = s.islands.iter().find_map(|i| i.by_clock.as_ref());
    let _ = write!(
        out,
        "{:<14} {:<24} {:>9} {:>11} {:>12} {:>11}",
        "island", "name", "tier", "population", "to hub mean", "to hub max"
    );
    if clock.is_some() {
        let _ = write!(out, "   {:>9} {:>7} {:>8}", "leave", "at hub", "minutes");
    }
    if let Some(t) = s.islands.iter().find_map(|i| i.day_trip.as_ref()) {
        let _ = write!(
            out,
            "   day trip from the hub ({} min on site)",
            t.onsite_minutes
        );
    }
    let _ = writeln!(out);
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
        let _ = write!(
            out,
            "{:<14} {:<24} {:>9} {:>11} {:>12} {:>11}",
            i.id,
            i.name.chars().take(24).collect::<String>(),
            tier,
            thousands(i.population),
            minutes(i.minutes_to_hub_mean),
            minutes(i.minutes_to_hub_max)
        );
        if let Some(c) = &i.by_clock {
            let _ = match (&c.depart, &c.arrive) {
                (Some(d), Some(at)) => write!(out, "   {d:>9} {at:>7} {:>8}", minutes(c.minutes)),
                _ => write!(out, "   {:>9} {:>7} {:>8}", "no trip", "-", "-"),
            };
        }
        if let Some(t) = &i.day_trip {
            let _ = match (&t.leave, &t.arrive, &t.depart_back, &t.back) {
                (Some(l), Some(a), Some(d), Some(b)) => {
                    write!(out, "   yes: leave {l}, on site {a}-{d}, back {b}")
                }
                _ => write!(out, "   no: {}", t.reason.as_deref().unwrap_or("-")),
            };
        }
        let _ = writeln!(out);
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub fn plan(s: &super::plan_out::PlanSummary) -> String {
    let mut out = String::new();
    let money = amount;
    let _ = writeln!(
        out,
        "plan \"{}\": annual cost {} CNY{}; status {}, gap {}",
        s.scenario,
        money(s.cost),
        s.budget
            .map(|b| format!(" (budget {} CNY)", money(b)))
            .unwrap_or_default(),
        s.status.as_str(),
        pct(s.gap)
    );
    let named = s.hierarchies.iter().map(|(name, h)| {
        let users: Vec<&str> = s
            .services
            .iter()
            .filter(|v| v.hierarchy.as_deref() == Some(name))
            .map(|v| v.service.as_str())
            .collect();
        (format!("hierarchy `{name}` (for {})", users.join(", ")), h)
    });
    for (title, h) in std::iter::once(("hierarchy".to_string(), &s.hierarchy)).chain(named) {
        let _ = writeln!(
            out,
            "{title}: {} leader island(s), population-weighted {:.1} min to the leader ({})",
            h.leaders.len(),
            h.mean_minutes_to_leader,
            h.method
        );
        for l in &h.leaders {
            let _ = writeln!(
                out,
                "  {:<10} {:<22} members: {}",
                l.tier,
                l.island,
                l.members.join(", ")
            );
        }
    }
    let _ = writeln!(out);
    // The service column fits the longest name (`craft_college`...), 10 at the least.
    let w = s
        .services
        .iter()
        .map(|v| v.service.chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let _ = writeln!(
        out,
        "{:<w$} {:>4} {:>5} {:>6} {:>4} {:>6} {:>15} {:>9} {:>8} {:>7} {:>10}",
        "service",
        "new",
        "kept",
        "closed",
        "exp",
        "mobile",
        "cost CNY/yr",
        "demand*",
        "mean min",
        "gap",
        "status"
    );
    for v in &s.services {
        let _ = writeln!(
            out,
            "{:<w$} {:>4} {:>5} {:>6} {:>4} {:>6} {:>15} {:>9} {:>8} {:>7} {:>10}",
            v.service,
            v.new,
            v.kept,
            v.closed,
            v.expanded,
            v.mobile,
            money(v.cost),
            pct(v.coverage),
            v.mean_minutes
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "-".into()),
            pct(v.gap),
            v.status.as_str()
        );
    }
    let _ = writeln!(
        out,
        "* share of the service's demand (people weighted by need) within its standard; a \
         target names its own measure"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "targets:");
    for t in &s.targets {
        let of = if t.is_count() {
            String::new()
        } else {
            format!(" of {}", t.measure.share_of())
        };
        let _ = writeln!(
            out,
            "  [{}] {} — required {}, achieved {}{of}",
            if t.met { "met" } else { "NOT MET" },
            t.name,
            t.required_text(),
            t.achieved_text()
        );
    }
    out
}

/// One line per sweep scenario.
pub fn sweep(rows: &[super::results::Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4} {:<44} {:>11} {:>16} {:>7} {:>8} {:>6}",
        "#", "scenario", "status", "cost CNY/yr", "gap", "targets", "pareto"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:>4} {:<44} {:>11} {:>16} {:>7} {:>8} {:>6}",
            r.index,
            r.scenario.chars().take(44).collect::<String>(),
            r.status,
            r.cost.map(amount).unwrap_or_else(|| "-".into()),
            r.gap.map(pct).unwrap_or_else(|| "-".into()),
            r.targets_met
                .map(|m| if m { "met" } else { "NOT met" })
                .unwrap_or("-"),
            if r.pareto { "*" } else { "" }
        );
    }
    out
}

pub fn comparison(c: &super::compare::Comparison) -> String {
    let mut out = String::new();
    let money = amount;
    let _ = writeln!(out, "A: {}\nB: {}", c.a, c.b);
    let _ = writeln!(
        out,
        "annual cost: {} -> {} CNY ({}{})",
        money(c.cost_a),
        money(c.cost_b),
        if c.cost_change >= 0.0 { "+" } else { "" },
        money(c.cost_change)
    );
    for s in &c.services {
        let _ = writeln!(
            out,
            "\n{}: {} opened, {} closed, {} moved{}",
            s.service,
            s.opened.len(),
            s.closed.len(),
            s.moved.len(),
            match (s.cost_a, s.cost_b) {
                (Some(a), Some(b)) => format!(", cost {} -> {} CNY", money(a), money(b)),
                _ => String::new(),
            }
        );
        for x in &s.opened {
            let _ = writeln!(out, "  + {} ({}, {})", x.id, x.name, x.island);
        }
        for x in &s.closed {
            let _ = writeln!(out, "  - {} ({}, {})", x.id, x.name, x.island);
        }
        for m in &s.moved {
            let _ = writeln!(out, "  > {} -> {} ({:.1} km)", m.from.id, m.to.id, m.km);
        }
        for i in &s.roving_added {
            let _ = writeln!(out, "  + roving team to {i}");
        }
        for i in &s.roving_removed {
            let _ = writeln!(out, "  - roving team to {i}");
        }
    }
    if !c.islands.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<14} {:<10} {:>11} {:>11} {:>9} {:>9} {:>8} {:>8}",
            "island", "service", "pop A", "pop B", "cover A", "cover B", "min A", "min B"
        );
        for i in &c.islands {
            let m = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "{:<14} {:<10} {:>11} {:>11} {:>9} {:>9} {:>8} {:>8}",
                i.island,
                i.service,
                thousands(i.population_a),
                thousands(i.population_b),
                pct(i.coverage_a),
                pct(i.coverage_b),
                m(i.minutes_a),
                m(i.minutes_b)
            );
        }
    }
    out
}

pub fn resilience(outages: &[crate::plan::resilience::RouteOutage]) -> String {
    let mut out = String::new();
    let services: Vec<&str> = outages
        .first()
        .map(|o| o.losses.iter().map(|l| l.service.as_str()).collect())
        .unwrap_or_default();
    let _ = write!(
        out,
        "{:<28} {:<10} {:>12}",
        "route cancelled", "mode", "any service"
    );
    for s in &services {
        let _ = write!(out, " {:>12}", s);
    }
    let _ = writeln!(out);
    let mut sorted: Vec<&crate::plan::resilience::RouteOutage> = outages.iter().collect();
    sorted.sort_by(|a, b| {
        b.population_any
            .cmp(&a.population_any)
            .then(a.route.cmp(&b.route))
    });
    for o in sorted {
        let _ = write!(
            out,
            "{:<28} {:<10} {:>12}",
            o.route.chars().take(28).collect::<String>(),
            o.mode,
            thousands(o.population_any)
        );
        for l in &o.losses {
            let _ = write!(out, " {:>12}", loss_cell(l));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "(residents losing cover within the standard; +Nr: islands whose roving team can no longer make the day trip)"
    );
    out
}

/// The storm report: losses at each wind force, then expected days a year without cover.
pub fn weather(report: &crate::plan::weather::WeatherReport) -> String {
    let mut out = String::new();
    let services: Vec<&str> = report.days.iter().map(|d| d.service.as_str()).collect();
    let _ = write!(out, "{:<6} {:>7} {:>12}", "wind", "ferries", "any service");
    for s in &services {
        let _ = write!(out, " {:>12}", s);
    }
    let _ = writeln!(out);
    for w in &report.wind {
        let _ = write!(
            out,
            "{:<6} {:>7} {:>12}",
            format!("F{}", w.wind),
            w.routes_cancelled.len(),
            thousands(w.population_any)
        );
        for l in &w.losses {
            let _ = write!(out, " {:>12}", loss_cell(l));
        }
        let _ = writeln!(out);
    }
    if report.wind.is_empty() {
        let _ = writeln!(
            out,
            "(no ferry stops below force 12: every route is a bridge or sheltered)"
        );
    }
    let _ = writeln!(
        out,
        "(F = Beaufort force: every ferry whose max_wind is below it is cancelled at once; residents losing cover; +Nr: roving islands lost)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:>10} {:>10} {:>10} {:>10}",
        "service", "covered", "losing", "mean days", "max days"
    );
    for d in &report.days {
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>10} {:>10.1} {:>10.1}",
            d.service,
            thousands(d.residents_covered),
            thousands(d.residents_losing_cover),
            d.mean_days,
            d.max_days
        );
    }
    let _ = writeln!(
        out,
        "(expected days a year without cover, from the routes' reliability; bad days shared: the least reliable routes stop first)"
    );
    if report.reliability_levels == 0 {
        let _ = writeln!(
            out,
            "(no route has a `reliability` below 1 in the data, so no days are lost: give the ferries theirs)"
        );
    }
    out
}

/// Residents losing cover, and `+Nr` for islands losing their roving team.
fn loss_cell(l: &crate::plan::resilience::ServiceLoss) -> String {
    if l.roving_islands > 0 {
        format!("{}+{}r", thousands(l.population), l.roving_islands)
    } else {
        thousands(l.population)
    }
}
