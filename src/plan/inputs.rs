//! Checks of a scenario against the data it plans, before anything is solved: a decision that
//! names no facility, a cost nobody set, a facility no service plans. Each would otherwise
//! change the plan silently.

use crate::error::{Error, Result};
use crate::layers::{DataSet, FacilityStatus};
use crate::scenario::Scenario;

/// What is wrong with `decisions.expand.ID = seats`, if anything: the facility must exist, be
/// an existing capacitated site of a service assigned by capacity, and its level must allow
/// that much expansion.
fn expand_error(ds: &DataSet, scenario: &Scenario, id: &str, seats: f64) -> Option<String> {
    use crate::scenario::Assign;
    let at = format!("decisions.expand.{id}");
    if !(seats.is_finite() && seats > 0.0) {
        return Some(format!("{at}: {seats} must be a number of seats > 0"));
    }
    let Some(f) = ds.facilities.iter().find(|f| f.id == id) else {
        return Some(format!(
            "{at}: `{id}` names no facility of the data set{}",
            near_matches(id, ds.facilities.iter().map(|f| f.id.as_str()))
        ));
    };
    if f.status != FacilityStatus::Existing {
        return Some(format!("{at}: only an existing facility can be expanded"));
    }
    if scenario.decisions.close.iter().any(|c| c == id) {
        return Some(format!("{at}: `{id}` is also in decisions.close"));
    }
    let Some((service, level)) = scenario
        .service(&f.service)
        .and_then(|s| Some((s, s.level(f.level)?)))
    else {
        return Some(format!(
            "{at}: the scenario does not plan service `{}` level {}, so nothing is expanded",
            f.service, f.level
        ));
    };
    if service.assign != Assign::Capacity || f.capacity.or(level.capacity).is_none() {
        return Some(format!(
            "{at}: service `{}` does not seat its demand by capacity (assign = \"capacity\" and \
             a capacity), so there is nothing to expand",
            service.name
        ));
    }
    if seats > level.expand_max {
        return Some(format!(
            "{at}: {seats} seats, more than level {} allows (expand_max = {})",
            f.level, level.expand_max
        ));
    }
    None
}

/// The (service, level, settlement) of a new-site id `new-{service}-{level}-{settlement}`, when
/// it names one the scenario may open: a level with `new_sites` and an inhabited settlement
/// inside the plan. An earlier phase's plan opens such sites; a later one decides on them by id.
fn new_site(ds: &DataSet, scenario: &Scenario, id: &str) -> Option<(String, u32, usize)> {
    let rest = id.strip_prefix("new-")?;
    scenario.services.iter().find_map(|s| {
        let rest = rest.strip_prefix(s.name.as_str())?.strip_prefix('-')?;
        s.levels.iter().filter(|l| l.new_sites).find_map(|l| {
            let settlement = rest.strip_prefix(&format!("{}-", l.level))?;
            let i = ds.settlements.iter().position(|x| x.id == settlement)?;
            let x = &ds.settlements[i];
            (x.population > 0 && !ds.islands[x.island].external)
                .then(|| (s.name.clone(), l.level, i))
        })
    })
}

/// Errors (exit 2, all listed together) or the warnings to show.
pub fn check(ds: &DataSet, scenario: &Scenario) -> Result<Vec<String>> {
    let mut errors = Vec::new();
    let d = &scenario.decisions;
    for (list, ids, want) in [
        ("close", &d.close, None),
        ("keep", &d.keep, Some(FacilityStatus::Existing)),
        ("open", &d.open, Some(FacilityStatus::Candidate)),
        ("built", &d.built, Some(FacilityStatus::Candidate)),
    ] {
        for id in ids {
            match ds.facilities.iter().find(|f| &f.id == id) {
                None if list != "keep" && new_site(ds, scenario, id).is_some() => {}
                None => errors.push(format!(
                    "decisions.{list}: `{id}` names no facility of the data set{}",
                    near_matches(id, ds.facilities.iter().map(|f| f.id.as_str()))
                )),
                Some(f) if want.is_some_and(|w| w != f.status) => errors.push(format!(
                    "decisions.{list}: `{id}` is {} facility; {}",
                    if f.status == FacilityStatus::Existing {
                        "an existing"
                    } else {
                        "a candidate"
                    },
                    if list == "open" {
                        "existing facilities stay open through decisions.keep"
                    } else {
                        "candidates open through decisions.open"
                    }
                )),
                Some(_) => {}
            }
        }
    }
    for id in d.convert.keys() {
        match ds.facilities.iter().find(|f| &f.id == id) {
            None => errors.push(format!(
                "decisions.convert.{id}: `{id}` names no facility of the data set{}",
                near_matches(id, ds.facilities.iter().map(|f| f.id.as_str()))
            )),
            Some(f) if f.status != FacilityStatus::Existing => errors.push(format!(
                "decisions.convert.{id}: only an existing facility can be converted (`{id}` is \
                 a candidate)"
            )),
            Some(f) if ds.islands[f.island].external => errors.push(format!(
                "decisions.convert.{id}: `{id}` is on an external island, outside the plan"
            )),
            Some(_) => {}
        }
    }
    for (id, &seats) in &d.expand {
        if let Some(e) = expand_error(ds, scenario, id, seats) {
            errors.push(e);
        }
    }
    facility_list_errors(ds, scenario, &mut errors);
    demand_group_errors(ds, scenario, &mut errors);
    for s in &scenario.services {
        for l in s.levels.iter().filter(|l| l.annual_cost.is_none()) {
            let costless: Vec<&str> = ds
                .facilities
                .iter()
                .filter(|f| f.service == s.name && f.level == l.level && f.annual_cost.is_none())
                .filter(|f| !ds.islands[f.island].external)
                .map(|f| f.id.as_str())
                .collect();
            if l.new_sites || !costless.is_empty() {
                let users = if costless.is_empty() {
                    "its new sites".to_string()
                } else {
                    format!("facilities {}", list(&costless))
                };
                errors.push(format!(
                    "service `{}` level {} ({}): no annual_cost, and {users} give none; set \
                     `annual_cost` on the level (0 when the cost lies outside the plan) or on \
                     the facilities",
                    s.name,
                    l.level,
                    l.display_name()
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Usage(format!("scenario: {}", errors.join("; "))));
    }
    let mut unplanned: Vec<&str> = ds
        .facilities
        .iter()
        .filter(|f| scenario.service(&f.service).is_none())
        .map(|f| f.id.as_str())
        .collect();
    unplanned.sort_unstable();
    let mut warnings = Vec::new();
    if !unplanned.is_empty() {
        let mut services: Vec<&str> = ds
            .facilities
            .iter()
            .filter(|f| scenario.service(&f.service).is_none())
            .map(|f| f.service.as_str())
            .collect();
        services.sort_unstable();
        services.dedup();
        warnings.push(format!(
            "{} facilit{} of service(s) {} that the scenario does not plan are left out: {}",
            unplanned.len(),
            if unplanned.len() == 1 { "y" } else { "ies" },
            services
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            list(&unplanned)
        ));
    }
    Ok(warnings)
}

/// Count targets' `units.facilities`: each id a facility of the target's service.
fn facility_list_errors(ds: &DataSet, scenario: &Scenario, errors: &mut Vec<String>) {
    for (ti, t) in scenario.targets.iter().enumerate() {
        let ids = t.units.as_ref().and_then(|u| u.facilities.as_ref());
        for id in ids.into_iter().flatten() {
            let at = format!("target[{ti}] (`{}`).units.facilities", t.name);
            match ds.facilities.iter().find(|f| &f.id == id) {
                None => errors.push(format!(
                    "{at}: `{id}` names no facility of the data set{}",
                    near_matches(id, ds.facilities.iter().map(|f| f.id.as_str()))
                )),
                Some(f) if f.service != t.service => errors.push(format!(
                    "{at}: `{id}` is a `{}` facility, not one of service `{}`",
                    f.service, t.service
                )),
                Some(_) => {}
            }
        }
    }
}

/// Services whose demand is an optional group (`preschool`, `care`...): every settlement with
/// residents gives it.
fn demand_group_errors(ds: &DataSet, scenario: &Scenario, errors: &mut Vec<String>) {
    for s in &scenario.services {
        for &field in s.demand.group_fields() {
            missing_group(ds, s, field, errors);
        }
    }
}

/// Settlements with residents that do not give `field`, which service `s` plans on.
fn missing_group(
    ds: &DataSet,
    s: &crate::scenario::Service,
    field: &str,
    errors: &mut Vec<String>,
) {
    let missing: Vec<&str> = ds
        .settlements
        .iter()
        .filter(|x| x.population > 0 && x.groups.get(field).is_none())
        .map(|x| x.id.as_str())
        .collect();
    if !missing.is_empty() {
        // The demand's scenario name (`pupils` adds up `primary` and `junior`).
        let demand = format!("{:?}", s.demand).to_lowercase();
        errors.push(format!(
            "service `{}` (demand = \"{demand}\"): settlements.geojson gives no `{field}` for {} \
             settlement(s) with residents: {} (add the property to every settlement, 0 where \
             none)",
            s.name,
            missing.len(),
            list(&missing)
        ));
    }
}

fn list(ids: &[&str]) -> String {
    let shown: Vec<String> = ids.iter().take(8).map(|i| format!("`{i}`")).collect();
    if ids.len() > 8 {
        format!("{} and {} more", shown.join(", "), ids.len() - 8)
    } else {
        shown.join(", ")
    }
}

/// " (did you mean `a`, `b`?)" for the ids within a small edit distance, or "".
fn near_matches<'a>(id: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let limit = (id.chars().count() / 4).max(2);
    let mut near: Vec<(usize, &str)> = candidates
        .map(|c| (edit_distance(id, c), c))
        .filter(|&(d, _)| d <= limit)
        .collect();
    near.sort_unstable();
    near.dedup();
    if near.is_empty() {
        return String::new();
    }
    let names: Vec<String> = near.iter().take(3).map(|(_, c)| format!("`{c}`")).collect();
    format!(" (did you mean {}?)", names.join(", "))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn near_matches_suggest_the_closest_ids() {
        let ids = ["sch_daidong_primary", "sch_huaici_primary", "hosp_tcm"];
        let s = near_matches("sch_daidong_primry", ids.into_iter());
        assert!(s.contains("`sch_daidong_primary`"), "{s}");
        assert!(!s.contains("hosp_tcm"));
        assert_eq!(near_matches("zzzzzzzz", ids.into_iter()), "");
    }
}
