//! What-if transforms on a data set and its scenario: move people between islands, change the
//! ferry network, change targets, budgets or tiers. Each is checked against the data first
//! (unknown ids, shares outside 0..1) so a sweep fails before it solves anything.

use super::Scenario;
use crate::error::{Error, Result};
use crate::layers::{DataSet, Endpoint, Route, RouteMode, Tier};
use geo::{LineString, Point};
use serde::{Deserialize, Serialize};

/// One change to apply. In a sweep file: `{ kind = "relocate", from = "xiushan", ... }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Move `share` of the people (residents, children and elderly alike) of the `from` islands
    /// or settlements to `to`: an island (spread over its settlements in proportion to their
    /// population) or one settlement.
    Relocate {
        from: Vec<String>,
        to: String,
        share: f64,
    },
    /// Cancel a ferry route or bridge.
    RemoveRoute { id: String },
    /// A storm: cancel, all at once, every ferry that does not sail in a wind of Beaufort force
    /// `wind` (each route's `max_wind`); bridges and sheltered routes stay.
    Weather { wind: u8 },
    /// Change a route's timetable: set values, or scale the departures.
    RetimeRoute {
        id: String,
        #[serde(default)]
        minutes: Option<f64>,
        #[serde(default)]
        departures_per_day: Option<f64>,
        #[serde(default)]
        departures_factor: Option<f64>,
        #[serde(default)]
        service_hours: Option<f64>,
    },
    /// A new ferry route between two ports.
    AddRoute {
        id: String,
        from: String,
        to: String,
        #[serde(default = "default_mode")]
        mode: String,
        minutes: f64,
        departures_per_day: f64,
        #[serde(default = "default_hours")]
        service_hours: f64,
    },
    /// A new bridge or causeway between two ports or settlements (ids).
    AddBridge {
        id: String,
        from: String,
        to: String,
        minutes: f64,
    },
    /// Change a target's required share.
    Target { name: String, share: f64 },
    /// Set (or remove, with a negative value) the annual budget.
    Budget { value: f64 },
    /// Fix an island's tier (a tier name of the scenario).
    Tier { island: String, tier: String },
    /// Replace the scenario by another file (relative paths resolve against the sweep file).
    UseScenario { path: String },
}

fn default_mode() -> String {
    "ferry".to_string()
}
fn default_hours() -> f64 {
    crate::layers::DEFAULT_SERVICE_HOURS
}

fn share_ok(what: &str, share: f64) -> Result<()> {
    if (0.0..=1.0).contains(&share) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{what}: share {share} must be between 0 and 1"
        )))
    }
}

fn positive(what: &str, x: f64) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{what}: {x} must be a positive number"
        )))
    }
}

/// Crossing minutes: positive and at most a week.
fn minutes(what: &str, x: f64) -> Result<()> {
    crate::limits::minutes(what, x).map(|_| ())
}

/// Departures a day: positive and at most one a minute.
fn departures(what: &str, x: f64) -> Result<()> {
    let max = crate::limits::MAX_DEPARTURES_PER_DAY;
    if x.is_finite() && x > 0.0 && x <= max {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{what} = {x}: must be a number of departures above 0 and at most {max}"
        )))
    }
}

/// Service hours of a timetable: in (0, 24].
fn hours(what: &str, h: f64) -> Result<()> {
    if h > 0.0 && h <= 24.0 {
        Ok(())
    } else {
        Err(Error::Usage(format!("{what} = {h}: must be in (0, 24]")))
    }
}

/// Where a route or bridge end is: a port, or a settlement's location.
fn endpoint(ds: &DataSet, id: &str, what: &str) -> Result<(Endpoint, Point<f64>)> {
    if let Some(p) = ds.ports.iter().position(|p| p.id == id) {
        return Ok((Endpoint::Port(p), ds.ports[p].location));
    }
    if let Some(s) = ds.settlements.iter().find(|s| s.id == id) {
        return Ok((
            Endpoint::Landing {
                island: s.island,
                location: s.location,
            },
            s.location,
        ));
    }
    Err(Error::Usage(format!(
        "{what}: `{id}` is neither a port nor a settlement of the data set"
    )))
}

impl Transform {
    /// A short label for tables.
    pub fn describe(&self) -> String {
        match self {
            Transform::Relocate { from, to, share } => {
                format!(
                    "relocate {:.0}% of {} to {to}",
                    share * 100.0,
                    from.join("+")
                )
            }
            Transform::RemoveRoute { id } => format!("remove route {id}"),
            Transform::Weather { wind } => format!("wind force {wind}"),
            Transform::RetimeRoute { id, .. } => format!("retime route {id}"),
            Transform::AddRoute { id, .. } => format!("add route {id}"),
            Transform::AddBridge { id, .. } => format!("add bridge {id}"),
            Transform::Target { name, share } => format!("target \"{name}\" = {share}"),
            Transform::Budget { value } => format!("budget {value}"),
            Transform::Tier { island, tier } => format!("{island} is {tier}"),
            Transform::UseScenario { path } => format!("scenario {path}"),
        }
    }

    /// Applies the transform; `base_dir` resolves scenario paths.
    pub fn apply(
        &self,
        ds: &mut DataSet,
        sc: &mut Scenario,
        base_dir: &std::path::Path,
    ) -> Result<()> {
        match self {
            Transform::Relocate { from, to, share } => relocate(ds, from, to, *share),
            Transform::RemoveRoute { id } => {
                let before = ds.routes.len();
                ds.routes.retain(|r| &r.id != id);
                if ds.routes.len() == before {
                    return Err(Error::Usage(format!("remove_route: no route `{id}`")));
                }
                Ok(())
            }
            Transform::Weather { wind } => {
                if *wind > crate::layers::BEAUFORT_MAX {
                    return Err(Error::Usage(format!(
                        "weather: wind force {wind} is beyond the Beaufort scale (0 to {})",
                        crate::layers::BEAUFORT_MAX
                    )));
                }
                ds.routes.retain(|r| r.sails_in(*wind));
                Ok(())
            }
            Transform::RetimeRoute {
                id,
                minutes,
                departures_per_day,
                departures_factor,
                service_hours,
            } => retime_route(
                ds,
                id,
                *minutes,
                *departures_per_day,
                *departures_factor,
                *service_hours,
            ),
            Transform::AddRoute {
                id,
                from,
                to,
                mode,
                minutes,
                departures_per_day,
                service_hours,
            } => {
                let mode = match mode.as_str() {
                    "ferry" => RouteMode::Ferry,
                    "fast_ferry" => RouteMode::FastFerry,
                    other => {
                        return Err(Error::Usage(format!(
                            "add_route `{id}`: mode `{other}` is not ferry or fast_ferry (use add_bridge for bridges)"
                        )));
                    }
                };
                self::minutes("add_route minutes", *minutes)?;
                departures("add_route departures_per_day", *departures_per_day)?;
                hours("add_route service_hours", *service_hours)?;
                add_route(
                    ds,
                    id,
                    from,
                    to,
                    mode,
                    *minutes,
                    *departures_per_day,
                    *service_hours,
                )
            }
            Transform::AddBridge {
                id,
                from,
                to,
                minutes,
            } => {
                self::minutes("add_bridge minutes", *minutes)?;
                add_route(ds, id, from, to, RouteMode::Bridge, *minutes, 0.0, 24.0)
            }
            Transform::Target { name, share } => {
                share_ok(&format!("target \"{name}\""), *share)?;
                let t = sc
                    .targets
                    .iter_mut()
                    .find(|t| &t.name == name)
                    .ok_or_else(|| Error::Usage(format!("target: no target named \"{name}\"")))?;
                if t.is_count() {
                    return Err(Error::Usage(format!(
                        "target: \"{name}\" is a count target (measure = \"sites\"), not a share"
                    )));
                }
                t.share = Some(*share);
                Ok(())
            }
            Transform::Budget { value } => {
                let max = crate::limits::MAX_MONEY;
                if !(value.is_finite() && *value <= max) {
                    return Err(Error::Usage(format!(
                        "budget value = {value}: must be a number of CNY up to {max:e} (negative: no budget)"
                    )));
                }
                sc.budget = (*value >= 0.0).then_some(*value);
                Ok(())
            }
            Transform::Tier { island, tier } => fix_tier(ds, sc, island, tier),
            Transform::UseScenario { path } => {
                let p = base_dir.join(path);
                *sc = Scenario::load_indirect(&p)?;
                Ok(())
            }
        }
    }
}

/// `retime_route`: new sailing minutes, departures (or a factor on them), service hours;
/// every value checked before anything changes.
fn retime_route(
    ds: &mut DataSet,
    id: &str,
    minutes: Option<f64>,
    departures_per_day: Option<f64>,
    departures_factor: Option<f64>,
    service_hours: Option<f64>,
) -> Result<()> {
    let r = ds
        .routes
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::Usage(format!("retime_route: no route `{id}`")))?;
    if r.mode == RouteMode::Bridge {
        return Err(Error::Usage(format!(
            "retime_route: `{id}` is a bridge and has no timetable"
        )));
    }
    // Check every value before changing anything.
    if let Some(m) = minutes {
        self::minutes("retime_route minutes", m)?;
    }
    if let Some(d) = departures_per_day {
        departures("retime_route departures_per_day", d)?;
    }
    if let Some(f) = departures_factor {
        positive("retime_route departures_factor", f)?;
    }
    if let Some(h) = service_hours {
        hours("retime_route service_hours", h)?;
    }
    let d = departures_per_day.unwrap_or(r.departures_per_day) * departures_factor.unwrap_or(1.0);
    departures(
        &format!("retime_route `{id}`: departures a day after the factor"),
        d,
    )?;
    if let Some(m) = minutes {
        r.minutes = m;
    }
    r.departures_per_day = d;
    if let Some(h) = service_hours {
        r.service_hours = h;
    }
    // A new frequency or service span replaces the published departures it contradicts.
    if departures_per_day.is_some() || departures_factor.is_some() || service_hours.is_some() {
        r.timetable = None;
    }
    Ok(())
}

/// `tier`: fixes an island's tier (the first tier makes it the hub).
fn fix_tier(ds: &mut DataSet, sc: &mut Scenario, island: &str, tier: &str) -> Result<()> {
    let k = ds
        .islands
        .iter()
        .position(|i| i.id == island)
        .ok_or_else(|| Error::Usage(format!("tier: no island `{island}`")))?;
    if !sc.hierarchy.tiers.iter().any(|t| t.name == tier) {
        return Err(Error::Usage(format!(
            "tier: `{tier}` is not a tier of the scenario ({})",
            sc.tier_names().join(", ")
        )));
    }
    // The data's own tier would otherwise fight the scenario's.
    ds.islands[k].tier = None;
    if sc.hierarchy.tiers.first().is_some_and(|t| t.name == tier) {
        ds.islands[k].tier = Some(Tier::Hub);
        sc.hierarchy.hub = Some(island.to_string());
    } else {
        sc.hierarchy
            .fixed
            .insert(island.to_string(), tier.to_string());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_route(
    ds: &mut DataSet,
    id: &str,
    from: &str,
    to: &str,
    mode: RouteMode,
    minutes: f64,
    departures: f64,
    hours: f64,
) -> Result<()> {
    if ds.routes.iter().any(|r| r.id == id) {
        return Err(Error::Usage(format!("route id `{id}` already exists")));
    }
    let (a, pa) = endpoint(ds, from, &format!("route `{id}` from"))?;
    let (b, pb) = endpoint(ds, to, &format!("route `{id}` to"))?;
    ds.routes.push(Route {
        id: id.to_string(),
        name: None,
        mode,
        ends: [a, b],
        minutes,
        departures_per_day: departures,
        service_hours: hours,
        reliability: 1.0,
        max_wind: mode.default_max_wind(),
        timetable: None,
        days: crate::layers::timetable::EVERY_DAY,
        geometry: LineString::from(vec![pa.0, pb.0]),
        properties: Default::default(),
    });
    Ok(())
}

/// Splits `total` into whole parts proportional to `weights` (largest remainder), so the
/// parts always add up to `total` exactly.
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if total == 0 || weights.is_empty() {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = if sum > 0.0 {
        weights.iter().map(|w| total as f64 * w / sum).collect()
    } else {
        vec![total as f64 / weights.len() as f64; weights.len()]
    };
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let given: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}

fn relocate(ds: &mut DataSet, from: &[String], to: &str, share: f64) -> Result<()> {
    share_ok("relocate", share)?;
    if from.is_empty() {
        return Err(Error::Usage(
            "relocate: `from` lists no island or settlement".into(),
        ));
    }
    let settlements_of = |id: &str| -> Option<Vec<usize>> {
        if let Some(k) = ds.islands.iter().position(|i| i.id == id) {
            return Some(
                (0..ds.settlements.len())
                    .filter(|&s| ds.settlements[s].island == k)
                    .collect(),
            );
        }
        ds.settlements
            .iter()
            .position(|s| s.id == id)
            .map(|s| vec![s])
    };
    let mut sources = Vec::new();
    for id in from {
        let list = settlements_of(id).ok_or_else(|| {
            Error::Usage(format!(
                "relocate: `{id}` is neither an island nor a settlement of the data set"
            ))
        })?;
        sources.extend(list);
    }
    sources.sort_unstable();
    sources.dedup();
    let targets = settlements_of(to).ok_or_else(|| {
        Error::Usage(format!(
            "relocate: destination `{to}` is neither an island nor a settlement"
        ))
    })?;
    if targets.is_empty() {
        return Err(Error::Usage(format!(
            "relocate: destination `{to}` has no settlement to receive people"
        )));
    }
    if let Some(&s) = sources.iter().find(|s| targets.contains(s)) {
        return Err(Error::Usage(format!(
            "relocate: settlement `{}` is both a source and the destination",
            ds.settlements[s].id
        )));
    }
    let weights: Vec<f64> = targets
        .iter()
        .map(|&t| ds.settlements[t].population as f64)
        .collect();
    let (mut pop, mut kids, mut old) = (0u64, 0u64, 0u64);
    for &s in &sources {
        let st = &mut ds.settlements[s];
        let take = |x: u64| (x as f64 * share).round() as u64;
        let (p, c, e) = (take(st.population), take(st.children), take(st.elderly));
        // Keep the groups within the population left behind.
        let c = c.min(st.children);
        let e = e.min(st.elderly);
        st.population -= p;
        st.children -= c;
        st.elderly -= e;
        let excess = (st.children + st.elderly).saturating_sub(st.population);
        let trim = excess.min(st.elderly);
        st.elderly -= trim;
        pop += p;
        kids += c;
        old += e + trim;
    }
    for (part, field) in [(pop, 0), (kids, 1), (old, 2)] {
        for (&t, n) in targets.iter().zip(apportion(part, &weights)) {
            let st = &mut ds.settlements[t];
            match field {
                0 => st.population += n,
                1 => st.children += n,
                _ => st.elderly += n,
            }
        }
    }
    // The optional groups (age bands, care needs) move in the same share, each on its own.
    for field in crate::layers::Groups::FIELDS {
        let mut moved = 0u64;
        for &s in &sources {
            if let Some(Some(x)) = ds.settlements[s].groups.get_mut(field) {
                let take = ((*x as f64 * share).round() as u64).min(*x);
                *x -= take;
                moved += take;
            }
        }
        for (&t, n) in targets.iter().zip(apportion(moved, &weights)) {
            if let Some(slot) = ds.settlements[t].groups.get_mut(field) {
                *slot = Some(slot.unwrap_or(0) + n);
            }
        }
    }
    // Independent rounding can leave a small receiver with more children and elderly than
    // residents; such excess goes to the most populous receiver, which has room.
    let biggest = *targets
        .iter()
        .max_by_key(|&&t| (ds.settlements[t].population, std::cmp::Reverse(t)))
        .unwrap_or(&targets[0]);
    for &t in &targets {
        let st = &ds.settlements[t];
        let excess = (st.children + st.elderly).saturating_sub(st.population);
        if excess > 0 && t != biggest {
            ds.settlements[t].elderly -= excess.min(ds.settlements[t].elderly);
            ds.settlements[biggest].elderly += excess;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::apportion;

    #[test]
    fn apportion_keeps_totals_exact() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 0.0]), vec![4, 3]);
        assert_eq!(apportion(0, &[5.0]), vec![0]);
        let p = apportion(1000, &[3.3, 1.1, 7.7]);
        assert_eq!(p.iter().sum::<u64>(), 1000);
    }
}
