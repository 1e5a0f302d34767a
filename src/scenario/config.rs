//! The scenario file (TOML): services, standards, targets, tiers and costs of a plan.
//!
//! The commented template (`archiplan scenario init`) is also the default scenario, so the
//! documentation and the defaults cannot drift apart. Unknown keys are errors (a typo must not
//! silently fall back to a default).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// The commented scenario template; parsing it gives the default scenario.
pub const TEMPLATE: &str = include_str!("template.toml");

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "default_name")]
    pub name: String,
    /// Cap on the plan's total annual cost (CNY/year).
    #[serde(default)]
    pub budget: Option<f64>,
    /// Years over which one-off closing costs are spread.
    #[serde(default = "default_closing_years")]
    pub closing_years: f64,
    /// The weekday travel by the clock is judged on (`mon` ... `sun`; Monday when absent):
    /// timetabled routes whose `days` leave it out do not sail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<String>,
    #[serde(default)]
    pub objective: Objective,
    #[serde(default)]
    pub hierarchy: Hierarchy,
    /// Further named hierarchies (`[hierarchies.health]`), for services whose system has a
    /// structure of its own (health's "1+2+3+N" beside "1+4+N"); a service names the one it
    /// uses with `hierarchy = "health"`, the others follow `[hierarchy]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hierarchies: BTreeMap<String, Hierarchy>,
    /// Services planned; when the file defines none, the template's apply.
    #[serde(default, rename = "service")]
    pub services: Vec<Service>,
    /// Targets checked and enforced; when the file defines no services and no targets, the
    /// template's apply.
    #[serde(default, rename = "target")]
    pub targets: Vec<Target>,
    /// Decisions already taken, imposed on the plan.
    #[serde(default)]
    pub decisions: Decisions,
}

/// Site decisions the plan must respect (facility ids from facilities.geojson).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    /// Existing facilities that close (e.g. schools already merged). The open-before-close
    /// rule does not apply to them: the planner has decided.
    #[serde(default)]
    pub close: Vec<String>,
    /// Existing facilities that stay open.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Candidate facilities that open.
    #[serde(default)]
    pub open: Vec<String>,
    /// Existing capacitated facilities expanded by at least this much capacity (seats), e.g.
    /// `{ sch_gaoting_central = 200 }`: a decision, not an option; the site stays open and the
    /// plan may add more, up to the level's `expand_max`.
    #[serde(default)]
    pub expand: BTreeMap<String, f64>,
    /// Existing facilities converted to a site of another service or level, e.g. a small elder
    /// home into a meal point: `{ eh_yushan = { service = "meal", level = 1 } }`. The facility
    /// closes (a decided closure, paying its closing cost) and a site of that service and
    /// level opens in its building, at the level's running and opening costs, named
    /// `convert-{service}-{level}-{facility}` (a new site of that service).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub convert: BTreeMap<String, Conversion>,
    /// Candidates and new sites (by plan id) an earlier phase built: they stand, so closing one
    /// pays its level's closing cost as an existing site's would (written by phased plans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub built: Vec<String>,
}

/// What a converted facility becomes (see [`Decisions::convert`]).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    pub service: String,
    pub level: u32,
}

impl Decisions {
    /// The id of the site a converted facility becomes.
    pub fn converted_id(facility: &str, to: &Conversion) -> String {
        format!("convert-{}-{}-{facility}", to.service, to.level)
    }
}

fn default_name() -> String {
    "scenario".to_string()
}
fn default_closing_years() -> f64 {
    10.0
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    /// CNY/year per demand unit per minute of travel (tie-break).
    #[serde(default = "default_travel_weight")]
    pub travel_weight: f64,
}

fn default_travel_weight() -> f64 {
    0.01
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            travel_weight: default_travel_weight(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hierarchy {
    /// Hub island id; default: the data set's hub.
    #[serde(default)]
    pub hub: Option<String>,
    #[serde(default = "default_leader_minutes")]
    pub leader_minutes: f64,
    #[serde(default = "default_min_leader_population")]
    pub min_leader_population: u64,
    /// Islands that may lead (become sub-centres); default: every planned inhabited island
    /// with at least `min_leader_population` residents.
    #[serde(default)]
    pub eligible: Option<Vec<String>>,
    #[serde(default = "default_tiers")]
    pub tiers: Vec<TierSpec>,
    /// Island id -> tier name, fixed by the scenario.
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
    /// When fewer islands are eligible than the tiers have seats (say, after people moved
    /// away), lead with the eligible ones instead of declaring the plan infeasible.
    #[serde(default)]
    pub allow_fewer_leaders: bool,
    /// Islands that form one community, e.g. `[["xiao_changtu", "da_changtu"]]` (one town,
    /// 250 m apart): the first island of a group may lead, the others never do and belong to
    /// the first island's community (its own when it leads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub together: Vec<Vec<String>>,
}

fn default_leader_minutes() -> f64 {
    480.0
}
fn default_min_leader_population() -> u64 {
    1000
}
fn default_tiers() -> Vec<TierSpec> {
    vec![
        TierSpec {
            name: "hub".into(),
            count: Some(TierCount::Fixed(1)),
        },
        TierSpec {
            name: "subcenter".into(),
            count: Some(TierCount::Fixed(4)),
        },
        TierSpec {
            name: "small".into(),
            count: None,
        },
    ]
}

impl Default for Hierarchy {
    fn default() -> Self {
        Hierarchy {
            hub: None,
            leader_minutes: default_leader_minutes(),
            min_leader_population: default_min_leader_population(),
            eligible: None,
            tiers: default_tiers(),
            fixed: BTreeMap::new(),
            allow_fewer_leaders: false,
            together: Vec::new(),
        }
    }
}

/// One island tier; the first is the hub (count 1), the last takes every other island.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    pub name: String,
    #[serde(default)]
    pub count: Option<TierCount>,
}

/// How many islands a leader tier holds: a number, or `"auto"`: the fewest that (with the
/// other leaders) put every inhabited island within `leader_minutes` of a leader, found as a
/// set cover over the eligible islands and proven minimal. At most one tier is `"auto"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierCount {
    Fixed(usize),
    Auto,
}

impl Serialize for TierCount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            TierCount::Fixed(n) => s.serialize_u64(*n as u64),
            TierCount::Auto => s.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for TierCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TierCount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number of islands or \"auto\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<TierCount, E> {
                usize::try_from(v)
                    .map(TierCount::Fixed)
                    .map_err(|_| E::custom(format!("count {v} is too large")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<TierCount, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("count {v} is negative")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<TierCount, E> {
                if v == "auto" {
                    Ok(TierCount::Auto)
                } else {
                    Err(E::custom(format!(
                        "count \"{v}\": expected a whole number of islands or \"auto\""
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// What a site of a service serves, and so what its capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Demand {
    Population,
    Children,
    Elderly,
    /// One per settlement.
    Villages,
    Households,
    /// Children of preschool age (3-5), the settlements' `preschool`.
    Preschool,
    /// Children of primary-school age (6-11), the settlements' `primary`.
    Primary,
    /// Children of junior-secondary age (12-14), the settlements' `junior`.
    Junior,
    /// Elders needing residential care, the settlements' `care`.
    Care,
    /// School-age children (6-14): `primary` + `junior`.
    Pupils,
}

impl Demand {
    /// The settlements' properties an optional demand group adds up (none for population,
    /// villages, and the groups every settlement has or defaults).
    pub fn group_fields(self) -> &'static [&'static str] {
        match self {
            Demand::Preschool => &["preschool"],
            Demand::Primary => &["primary"],
            Demand::Junior => &["junior"],
            Demand::Care => &["care"],
            Demand::Pupils => &["primary", "junior"],
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Assign {
    /// A settlement is covered when an open site is within the standard.
    Coverage,
    /// Every demand unit gets a seat at an open site within `assign_minutes`; capacities bind.
    Capacity,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default = "default_demand")]
    pub demand: Demand,
    /// The named hierarchy (`[hierarchies.NAME]`) the service's tiers, communities and roving
    /// bases follow; default: `[hierarchy]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<String>,
    pub standard_minutes: f64,
    #[serde(default = "default_assign")]
    pub assign: Assign,
    /// Capacity services: the longest trip a demand unit may be assigned.
    #[serde(default)]
    pub assign_minutes: Option<f64>,
    /// Capacity services: a settlement's demand may be seated at its this many nearest sites
    /// within the standard...
    #[serde(default = "default_nearest_sites")]
    pub nearest_sites: usize,
    /// ...or board at this many nearest sites of its community centre.
    #[serde(default = "default_boarding_sites")]
    pub boarding_sites: usize,
    /// Open before close: an existing site may close only if the settlements it serves today
    /// (those whose nearest existing site it is, within the standard) keep a site with room
    /// within the standard.
    #[serde(default)]
    pub open_before_close: bool,
    #[serde(rename = "level")]
    pub levels: Vec<Level>,
    #[serde(default)]
    pub mobile: Option<Mobile>,
    #[serde(default)]
    pub supply: Option<Supply>,
    /// Travel judged by the timetables where the data has them (`[service.clock]`); the
    /// expected-wait model otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Clock>,
}

/// `[service.clock]`: a service whose standard is judged on real sailings, leaving at a time
/// or within a window (`depart = "07:00-09:00"`: the shortest trip leaving then), or arriving
/// by a time (`arrive_by = "08:30"`: minutes from the latest departure that still does).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrive_by: Option<String>,
}

/// What a `[service.clock]` asks, in clock minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockSpec {
    Depart(f64, f64),
    ArriveBy(f64),
}

impl Clock {
    /// The rule, or why the table is wrong.
    pub fn spec(&self) -> std::result::Result<ClockSpec, String> {
        use crate::layers::timetable::parse_clock;
        match (&self.depart, &self.arrive_by) {
            (Some(d), None) => {
                let (a, b) = d.split_once('-').unwrap_or((d, d));
                let (a, b) = (parse_clock(a.trim())?, parse_clock(b.trim())?);
                if b < a {
                    return Err(format!(
                        "depart = \"{d}\": the window ends before it starts"
                    ));
                }
                Ok(ClockSpec::Depart(a, b))
            }
            (None, Some(t)) => Ok(ClockSpec::ArriveBy(parse_clock(t.trim())?)),
            _ => Err("give either `depart` (\"HH:MM\" or \"HH:MM-HH:MM\") or `arrive_by`".into()),
        }
    }
}

fn default_nearest_sites() -> usize {
    10
}
fn default_boarding_sites() -> usize {
    5
}
fn default_demand() -> Demand {
    Demand::Population
}
fn default_assign() -> Assign {
    Assign::Coverage
}

impl Service {
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    pub fn level(&self, level: u32) -> Option<&Level> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// The longest assignment trip of a capacity service (the standard for coverage ones).
    pub fn assign_limit(&self) -> f64 {
        match self.assign {
            Assign::Coverage => self.standard_minutes,
            Assign::Capacity => self.assign_minutes.unwrap_or(self.standard_minutes),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub level: u32,
    #[serde(default)]
    pub name: Option<String>,
    /// Tier names that may host this level; default: every tier.
    #[serde(default)]
    pub tiers: Option<Vec<String>>,
    /// Every community leader (of an allowed tier) hosts at least one.
    #[serde(default)]
    pub per_leader: bool,
    /// With `per_leader`: only the leaders of these tiers must host one (default: of every
    /// allowed tier), e.g. a central health centre on the hub and the two "island" leaders of
    /// a "1+2+3+N" health system, while the three "township" leaders may keep theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_leader_tiers: Option<Vec<String>>,
    /// New sites may open at settlements of allowed tiers.
    #[serde(default)]
    pub new_sites: bool,
    /// Running cost (CNY/year) of a site whose data gives none, and of new sites. Required
    /// wherever it is used (a level with new sites, or facilities that give none): a
    /// forgotten cost must not plan as free. Write 0 for costs outside the plan.
    #[serde(default)]
    pub annual_cost: Option<f64>,
    /// Annualised opening cost of a new site (CNY/year).
    #[serde(default)]
    pub open_cost: f64,
    /// One-off closing cost of an existing site whose data gives none.
    #[serde(default)]
    pub close_cost: f64,
    /// CNY/year per demand unit served (e.g. per-pupil funding).
    #[serde(default)]
    pub cost_per_unit: f64,
    /// Capacity of sites whose data gives none, and of new sites; none = unlimited.
    #[serde(default)]
    pub capacity: Option<f64>,
    /// Extra capacity an existing site may add.
    #[serde(default)]
    pub expand_max: f64,
    /// Annualised cost per unit of added capacity.
    #[serde(default)]
    pub expand_cost_per_unit: f64,
}

impl Level {
    /// The level's running cost; 0 when unset (plans check it is set wherever it is used).
    pub fn running_cost(&self) -> f64 {
        self.annual_cost.unwrap_or(0.0)
    }

    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("level {}", self.level))
    }
}

/// A roving team based at the community leader, visiting a small island.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mobile {
    pub max_island_population: u64,
    pub visits_per_year: f64,
    pub cost_per_visit: f64,
    #[serde(default)]
    pub cost_per_minute: f64,
    pub day_minutes: f64,
    #[serde(default)]
    pub onsite_minutes: f64,
    /// CNY per visit for a chartered boat: where no scheduled sailing makes the day trip, a team
    /// may charter one that sails when the team reaches the pier (no wait), when the trip then
    /// fits the working day. Absent: no charters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charter_cost_per_trip: Option<f64>,
}

impl Mobile {
    /// When a roving team's working day starts (clock minutes after midnight: 07:00); it
    /// lasts `day_minutes`.
    pub const DAY_START: f64 = 7.0 * 60.0;

    /// The working day as clock minutes (start, end).
    pub fn working_day(&self) -> (f64, f64) {
        (Self::DAY_START, Self::DAY_START + self.day_minutes)
    }

    /// Annual cost of serving an island `one_way` minutes from its leader.
    pub fn annual_cost(&self, one_way: f64) -> f64 {
        self.visits_per_year * (self.cost_per_visit + self.cost_per_minute * one_way)
    }

    /// Annual cost of a chartered team `one_way` minutes (without waits) from its leader: the
    /// team's own cost plus a charter per visit; `None` where charters are not allowed.
    pub fn charter_annual_cost(&self, one_way: f64) -> Option<f64> {
        self.charter_cost_per_trip
            .map(|c| self.annual_cost(one_way) + self.visits_per_year * c)
    }

    /// Whether a day's round trip plus time on site fits in the working day.
    pub fn reachable(&self, one_way: f64) -> bool {
        2.0 * one_way + self.onsite_minutes <= self.day_minutes
    }
}

/// Hub and spoke: a `to_level` site needs an open `from_level` site within `minutes`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Supply {
    pub from_level: u32,
    pub to_level: u32,
    pub minutes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Share of settlements covered.
    Villages,
    /// Share of the service's demand covered.
    Demand,
    /// Share of residents covered.
    Population,
    /// Share of inhabited islands with cover (a fixed site on the island or a mobile service).
    Islands,
    /// A count target: the service's sites (of a level, in a status, on the islands of a unit
    /// set) counted against `at_least`, `at_most` or `exactly`.
    Sites,
    /// Share of townships (the settlements' `town`; those with residents) with an open site of
    /// the service in them: "one per township" is `share = 1.0`.
    Towns,
}

impl Measure {
    /// What a share of this measure is a share of, for people: "villages", "residents"...
    pub fn share_of(self) -> &'static str {
        match self {
            Measure::Villages => "villages",
            Measure::Demand => "the service's demand",
            Measure::Population => "residents",
            Measure::Islands => "inhabited islands",
            Measure::Sites => "sites",
            Measure::Towns => "townships",
        }
    }
}

/// Which sites a count target counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteCount {
    /// Open in the plan (kept, new or candidate).
    #[default]
    Open,
    /// Opened by the plan (new sites and candidates).
    New,
    /// Existing sites the plan keeps open.
    Kept,
    /// Existing sites the plan closes.
    Closed,
    /// Existing sites the plan keeps open and adds at least one seat to (capacity services).
    Expanded,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    pub service: String,
    pub measure: Measure,
    /// Share to reach (every measure but `sites`); see [`Target::share`].
    #[serde(default)]
    pub share: Option<f64>,
    /// Travel-time standard of the target; default: the service's.
    #[serde(default)]
    pub minutes: Option<f64>,
    /// The settlements (or islands) the target counts; default: all of them.
    #[serde(default)]
    pub units: Option<Units>,
    /// Count targets: the level counted (default: every level).
    #[serde(default)]
    pub level: Option<u32>,
    /// Count targets: which sites count (default: open ones).
    #[serde(default)]
    pub sites: Option<SiteCount>,
    /// Count targets: bounds on the count (`exactly` sets both).
    #[serde(default)]
    pub at_least: Option<u32>,
    #[serde(default)]
    pub at_most: Option<u32>,
    #[serde(default)]
    pub exactly: Option<u32>,
}

impl Target {
    /// The share to reach (0 for a count target).
    pub fn share(&self) -> f64 {
        self.share.unwrap_or(0.0)
    }

    /// A count target (`measure = "sites"`).
    pub fn is_count(&self) -> bool {
        self.measure == Measure::Sites
    }

    /// The count's lower and upper bounds (`exactly` is both; none: 0 and unbounded).
    pub fn count_bounds(&self) -> (f64, f64) {
        match self.exactly {
            Some(n) => (f64::from(n), f64::from(n)),
            None => (
                self.at_least.map_or(0.0, f64::from),
                self.at_most.map_or(f64::INFINITY, f64::from),
            ),
        }
    }
}

/// A unit set: which settlements (or, for an island target, which inhabited islands) a target
/// counts. Every field given must hold; a field left out does not restrict.
///
/// Settlements: `kind` (the data's `kind`, e.g. `village` for administrative villages, 村, vs
/// `community`, 社区), `towns` (the data's `town` property), `islands` (island ids), `remote`
/// (on a remote island, see below), `tiers` (on an island of those tiers of the service's
/// hierarchy, as the plan chooses them), `min_population` / `max_population` (the
/// settlement's). Islands: `islands`, `tiers`, `remote`, `min_population` / `max_population`
/// (the island's residents).
/// Sites (count targets): the island fields (of the site's island), `towns` (the site's
/// township: a new site's settlement's, else the facility's `town`, else the nearest
/// settlement's on its island) and `facilities` (facility ids).
///
/// An island is remote when no chain of bridges joins it to the hub island (a ferry is the only
/// way there); an island's `remote` property (true or false) in the data overrides that.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Units {
    #[serde(default)]
    pub kind: Option<Vec<String>>,
    #[serde(default)]
    pub towns: Option<Vec<String>>,
    #[serde(default)]
    pub islands: Option<Vec<String>>,
    #[serde(default)]
    pub remote: Option<bool>,
    #[serde(default)]
    pub min_population: Option<u64>,
    #[serde(default)]
    pub max_population: Option<u64>,
    /// Islands (of settlements, islands or sites) on these tiers of the target's service's
    /// hierarchy as the plan chooses it, e.g. `["small"]` for "every small island".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<String>>,
    /// Count targets only: the facility ids (of `facilities.geojson`) counted, e.g. the four
    /// schools a merge closes.
    #[serde(default)]
    pub facilities: Option<Vec<String>>,
}

impl Default for Scenario {
    fn default() -> Self {
        // The template is compiled in and covered by a test; parsing cannot fail at run time.
        Scenario::parse(TEMPLATE, "template").unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Where a TOML error is, as `line L, column C`, without the text of the file.
pub(crate) fn toml_position(text: &str, e: &toml::de::Error) -> String {
    let hint = "(plan with that scenario file directly for the details)";
    match e.span() {
        Some(span) => {
            let mut k = span.start.min(text.len());
            while !text.is_char_boundary(k) {
                k -= 1;
            }
            let before = &text[..k];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("not a valid scenario file at line {line}, column {column} {hint}")
        }
        None => format!("not a valid scenario file {hint}"),
    }
}

impl Scenario {
    /// Reads and checks a scenario file the user named: syntax errors quote its line.
    pub fn load(path: &Path) -> Result<Scenario> {
        Self::load_quoting(path, true)
    }

    /// Reads and checks a scenario file named inside another file (a sweep's `scenario` or a
    /// `use_scenario` transform): errors give its path, line and column but never its text, so
    /// that pointing at a file that is no scenario (say `/etc/passwd`) prints none of it.
    pub fn load_indirect(path: &Path) -> Result<Scenario> {
        Self::load_quoting(path, false)
    }

    fn load_quoting(path: &Path, quote: bool) -> Result<Scenario> {
        let text = crate::limits::read_text(path, crate::limits::MAX_TOML_BYTES).map_err(|e| {
            Error::Usage(format!("cannot read scenario file {}: {e}", path.display()))
        })?;
        let origin = path.display().to_string();
        if quote {
            return Scenario::parse(&text, &origin);
        }
        let s: Scenario = toml::from_str(&text).map_err(|e| {
            Error::Usage(format!("scenario {origin}: {}", toml_position(&text, &e)))
        })?;
        s.complete(&origin)
    }

    /// Parses and checks scenario text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let s: Scenario =
            toml::from_str(text).map_err(|e| Error::Usage(format!("scenario {origin}: {e}")))?;
        s.complete(origin)
    }

    /// Fills in the template's services (and targets) when the file has none, then checks.
    fn complete(self, origin: &str) -> Result<Scenario> {
        let mut s = self;
        if s.services.is_empty() {
            let defaults: Scenario = toml::from_str(TEMPLATE)
                .map_err(|e| Error::Internal(format!("built-in template: {e}")))?;
            s.services = defaults.services;
            if s.targets.is_empty() {
                s.targets = defaults.targets;
            }
        }
        s.check()
            .map_err(|msg| Error::Usage(format!("scenario {origin}: {msg}")))?;
        Ok(s)
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The targets of service `name`, in scenario order.
    pub fn targets_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Target> + 's {
        self.targets.iter().filter(move |t| t.service == name)
    }

    pub fn tier_names(&self) -> Vec<&str> {
        self.hierarchy
            .tiers
            .iter()
            .map(|t| t.name.as_str())
            .collect()
    }

    /// The hierarchy a service follows: its named one, else `[hierarchy]` (a name the checks
    /// have not seen falls back to `[hierarchy]`).
    pub fn hierarchy_of(&self, service: &Service) -> &Hierarchy {
        service
            .hierarchy
            .as_ref()
            .and_then(|n| self.hierarchies.get(n))
            .unwrap_or(&self.hierarchy)
    }

    /// The named hierarchies some service uses, in name order.
    pub fn used_hierarchies(&self) -> Vec<&str> {
        self.hierarchies
            .keys()
            .map(String::as_str)
            .filter(|n| {
                self.services
                    .iter()
                    .any(|s| s.hierarchy.as_deref() == Some(n))
            })
            .collect()
    }

    /// The scenario as the services of named hierarchy `name` see it: `[hierarchy]` replaced by
    /// `[hierarchies.NAME]` (everything else as is). `None` when there is no such hierarchy.
    pub fn view(&self, name: &str) -> Option<Scenario> {
        let h = self.hierarchies.get(name)?;
        let mut v = self.clone();
        v.hierarchy = h.clone();
        Some(v)
    }

    /// Semantic checks; the message names the offending path.
    fn check(&self) -> std::result::Result<(), String> {
        self.check_totals()?;
        let names = Self::check_hierarchy("hierarchy", &self.hierarchy)?;
        let mut named = BTreeMap::new();
        for (n, h) in &self.hierarchies {
            if n.trim().is_empty() || n.contains(|c: char| !(c.is_alphanumeric() || c == '_')) {
                return Err(format!(
                    "hierarchies.{n}: a hierarchy name is letters, digits and `_` (it names \
                     output columns such as tier_{n})"
                ));
            }
            named.insert(
                n.as_str(),
                Self::check_hierarchy(&format!("hierarchies.{n}"), h)?,
            );
        }
        let mut service_names = HashSet::new();
        for (si, s) in self.services.iter().enumerate() {
            let at = format!("service[{si}] (`{}`)", s.name);
            if s.name.trim().is_empty() {
                return Err(format!("service[{si}].name must not be empty"));
            }
            if !service_names.insert(s.name.as_str()) {
                return Err(format!("{at}: service name repeats"));
            }
            let names = match &s.hierarchy {
                None => &names,
                Some(n) => named.get(n.as_str()).ok_or_else(|| {
                    format!(
                        "{at}.hierarchy: unknown hierarchy `{n}` (declared: {})",
                        if self.hierarchies.is_empty() {
                            "none; add a [hierarchies.NAME] table".to_string()
                        } else {
                            self.hierarchies
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )
                })?,
            };
            self.check_service(&at, s, names)?;
        }
        self.check_decisions()?;
        self.check_targets()
    }

    /// The clock's weekday (Monday 0).
    pub fn weekday_index(&self) -> usize {
        self.weekday
            .as_deref()
            .and_then(crate::layers::timetable::weekday_index)
            .unwrap_or(0)
    }

    /// Budget, closing years, travel weight.
    fn check_totals(&self) -> std::result::Result<(), String> {
        if let Some(w) = &self.weekday
            && crate::layers::timetable::weekday_index(w).is_none()
        {
            return Err(format!(
                "weekday = \"{w}\": use one of {}",
                crate::layers::timetable::WEEKDAYS.join(", ")
            ));
        }
        if let Some(b) = self.budget {
            positive("budget".into(), b)?;
            money("budget".into(), b)?;
        }
        positive("closing_years".into(), self.closing_years)?;
        if self.closing_years > 1000.0 {
            return Err(format!(
                "closing_years = {}: more than 1000 years",
                self.closing_years
            ));
        }
        money(
            "objective.travel_weight".into(),
            self.objective.travel_weight,
        )?;

        Ok(())
    }

    /// Tiers and fixed islands; the tier names.
    fn check_hierarchy<'h>(
        at: &str,
        h: &'h Hierarchy,
    ) -> std::result::Result<HashSet<&'h str>, String> {
        let tier_list = || {
            h.tiers
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        minutes(format!("{at}.leader_minutes"), h.leader_minutes)?;
        if h.tiers.len() < 2 {
            return Err(format!(
                "{at}.tiers: at least two tiers are needed (a hub and the rest)"
            ));
        }
        let mut names = HashSet::new();
        for (k, t) in h.tiers.iter().enumerate() {
            if !names.insert(t.name.as_str()) {
                return Err(format!("{at}.tiers[{k}]: tier name `{}` repeats", t.name));
            }
            let last = k + 1 == h.tiers.len();
            match (k, last, t.count) {
                (0, _, Some(TierCount::Fixed(1))) => {}
                (0, _, _) => {
                    return Err(format!(
                        "{at}.tiers[0] (`{}`): the first tier is the hub: count = 1",
                        t.name
                    ));
                }
                (_, true, Some(_)) => {
                    return Err(format!(
                        "{at}.tiers[{k}] (`{}`): the last tier takes every remaining island; remove its count",
                        t.name
                    ));
                }
                (_, false, None) => {
                    return Err(format!(
                        "{at}.tiers[{k}] (`{}`): a leader tier needs a count",
                        t.name
                    ));
                }
                _ => {}
            }
        }
        if h.tiers
            .iter()
            .filter(|t| t.count == Some(TierCount::Auto))
            .count()
            > 1
        {
            return Err(format!(
                "{at}.tiers: at most one tier may have count = \"auto\" (the fewest leaders \
                 that reach every island decide one number)"
            ));
        }
        for (island, tier) in &h.fixed {
            if !names.contains(tier.as_str()) {
                return Err(format!(
                    "{at}.fixed.{island}: unknown tier `{tier}` (tiers: {})",
                    tier_list()
                ));
            }
        }
        let mut grouped = HashSet::new();
        for (g, group) in h.together.iter().enumerate() {
            if group.len() < 2 {
                return Err(format!(
                    "{at}.together[{g}]: a group needs at least two islands"
                ));
            }
            if let Some(island) = group.iter().find(|i| !grouped.insert(i.as_str())) {
                return Err(format!(
                    "{at}.together[{g}]: island `{island}` is in more than one group"
                ));
            }
        }

        Ok(names)
    }

    /// One service: minutes, levels, roving teams, supply.
    fn check_service(
        &self,
        at: &str,
        s: &Service,
        names: &HashSet<&str>,
    ) -> std::result::Result<(), String> {
        minutes(format!("{at}.standard_minutes"), s.standard_minutes)?;
        if let Some(a) = s.assign_minutes {
            minutes(format!("{at}.assign_minutes"), a)?;
            if a < s.standard_minutes {
                return Err(format!(
                    "{at}.assign_minutes = {a} is shorter than standard_minutes = {}",
                    s.standard_minutes
                ));
            }
        }
        if s.levels.is_empty() {
            return Err(format!("{at}: needs at least one [[service.level]]"));
        }
        if let Some(c) = &s.clock {
            c.spec().map_err(|e| format!("{at}.clock: {e}"))?;
        }
        if s.nearest_sites == 0 {
            return Err(format!("{at}.nearest_sites must be at least 1"));
        }
        let mut levels = HashSet::new();
        for (li, l) in s.levels.iter().enumerate() {
            let at = format!("{at}.level[{li}]");
            if l.level == 0 || l.level > 9 {
                return Err(format!("{at}.level = {}: levels run from 1 to 9", l.level));
            }
            if !levels.insert(l.level) {
                return Err(format!("{at}: level {} repeats", l.level));
            }
            if l.per_leader_tiers.is_some() && !l.per_leader {
                return Err(format!("{at}.per_leader_tiers needs per_leader = true"));
            }
            for t in l.per_leader_tiers.iter().flatten() {
                if l.tiers.as_ref().is_some_and(|ts| !ts.contains(t)) {
                    return Err(format!(
                        "{at}.per_leader_tiers: tier `{t}` is not among the level's tiers"
                    ));
                }
            }
            for t in l
                .tiers
                .iter()
                .flatten()
                .chain(l.per_leader_tiers.iter().flatten())
            {
                if !names.contains(t.as_str()) {
                    return Err(format!(
                        "{at}.tiers: unknown tier `{t}` ({})",
                        self.tiers_of(s)
                    ));
                }
            }
            for (what, x) in [
                ("annual_cost", l.annual_cost.unwrap_or(0.0)),
                ("open_cost", l.open_cost),
                ("close_cost", l.close_cost),
                ("cost_per_unit", l.cost_per_unit),
                ("expand_cost_per_unit", l.expand_cost_per_unit),
            ] {
                money(format!("{at}.{what}"), x)?;
            }
            amount(format!("{at}.expand_max"), l.expand_max)?;
            if let Some(c) = l.capacity {
                amount(format!("{at}.capacity"), c)?;
            }
        }
        if let Some(m) = &s.mobile {
            let at = format!("{at}.mobile");
            positive(format!("{at}.visits_per_year"), m.visits_per_year)?;
            amount(format!("{at}.visits_per_year"), m.visits_per_year)?;
            money(format!("{at}.cost_per_visit"), m.cost_per_visit)?;
            money(format!("{at}.cost_per_minute"), m.cost_per_minute)?;
            minutes(format!("{at}.day_minutes"), m.day_minutes)?;
            non_negative(format!("{at}.onsite_minutes"), m.onsite_minutes)?;
            if let Some(c) = m.charter_cost_per_trip {
                money(format!("{at}.charter_cost_per_trip"), c)?;
            }
            let max_minutes = crate::limits::MAX_MINUTES;
            if m.onsite_minutes > max_minutes {
                return Err(format!(
                    "{at}.onsite_minutes = {}: more than {max_minutes} minutes (one week)",
                    m.onsite_minutes
                ));
            }
        }
        if let Some(sup) = &s.supply {
            let at = format!("{at}.supply");
            minutes(format!("{at}.minutes"), sup.minutes)?;
            for (what, l) in [("from_level", sup.from_level), ("to_level", sup.to_level)] {
                if s.level(l).is_none() {
                    return Err(format!("{at}.{what} = {l}: the service has no such level"));
                }
            }
            if sup.from_level == sup.to_level {
                return Err(format!("{at}: from_level and to_level must differ"));
            }
        }
        Ok(())
    }

    /// No site both closed and kept, none listed twice.
    fn check_decisions(&self) -> std::result::Result<(), String> {
        let d = &self.decisions;
        for (what, list) in [("close", &d.close), ("keep", &d.keep), ("open", &d.open)] {
            let mut seen = HashSet::new();
            for id in list {
                if !seen.insert(id) {
                    return Err(format!("decisions.{what}: `{id}` is listed twice"));
                }
            }
        }
        if let Some(id) = d
            .close
            .iter()
            .find(|id| d.keep.contains(id) || d.open.contains(id))
        {
            return Err(format!("decisions: `{id}` cannot both close and stay open"));
        }
        for (id, to) in &d.convert {
            let at = format!("decisions.convert.{id}");
            if d.close.contains(id)
                || d.keep.contains(id)
                || d.open.contains(id)
                || d.expand.contains_key(id)
            {
                return Err(format!(
                    "{at}: `{id}` is also in decisions.close, keep, open or expand; a converted \
                     facility closes and its building serves `{}`",
                    to.service
                ));
            }
            let Some(service) = self.service(&to.service) else {
                return Err(self.unknown_service(&at, &to.service));
            };
            if service.level(to.level).is_none() {
                return Err(format!(
                    "{at}.level: service `{}` has no level {}",
                    to.service, to.level
                ));
            }
        }
        Ok(())
    }

    /// Target names, services, shares, minutes.
    fn check_targets(&self) -> std::result::Result<(), String> {
        let mut target_names = HashSet::new();
        for (ti, t) in self.targets.iter().enumerate() {
            let at = format!("target[{ti}] (`{}`)", t.name);
            if !target_names.insert(t.name.as_str()) {
                return Err(format!("{at}: target name repeats"));
            }
            if self.service(&t.service).is_none() {
                return Err(self.unknown_service(&at, &t.service));
            }
            if t.is_count() {
                self.check_count(&at, t)?;
            } else {
                let Some(share) = t.share else {
                    return Err(format!(
                        "{at}.share: missing (the share of the measure to reach, 0 to 1)"
                    ));
                };
                if !(0.0..=1.0).contains(&share) {
                    return Err(format!("{at}.share = {share}: a share is between 0 and 1"));
                }
                let given = [
                    ("level", t.level.is_some()),
                    ("sites", t.sites.is_some()),
                    ("at_least", t.at_least.is_some()),
                    ("at_most", t.at_most.is_some()),
                    ("exactly", t.exactly.is_some()),
                ];
                if let Some((field, _)) = given.iter().find(|g| g.1) {
                    return Err(format!(
                        "{at}.{field}: only a count target (measure = \"sites\") takes `{field}`"
                    ));
                }
            }
            if let Some(m) = t.minutes {
                minutes(format!("{at}.minutes"), m)?;
            }
            if let Some(u) = &t.units {
                check_units(&at, t.measure, u)?;
                self.check_unit_tiers(&at, t, u)?;
            }
        }
        Ok(())
    }
}

impl Scenario {
    /// "`at`.service: unknown service ..." listing the services.
    fn unknown_service(&self, at: &str, name: &str) -> String {
        let names: Vec<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
        format!(
            "{at}.service: unknown service `{name}` (services: {})",
            names.join(", ")
        )
    }

    /// "tiers of [hierarchy]: hub, subcenter, small" for the hierarchy `service` follows.
    fn tiers_of(&self, service: &Service) -> String {
        let names: Vec<&str> = self
            .hierarchy_of(service)
            .tiers
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let which = service
            .hierarchy
            .as_ref()
            .map_or("[hierarchy]".to_string(), |n| format!("hierarchy `{n}`"));
        format!("tiers of {which}: {}", names.join(", "))
    }

    /// A unit set's tiers are tiers of the hierarchy its service follows.
    fn check_unit_tiers(&self, at: &str, t: &Target, u: &Units) -> std::result::Result<(), String> {
        let Some(service) = self.service(&t.service) else {
            return Ok(());
        };
        let h = self.hierarchy_of(service);
        if let Some(bad) = u
            .tiers
            .iter()
            .flatten()
            .find(|x| !h.tiers.iter().any(|y| &y.name == *x))
        {
            return Err(format!(
                "{at}.units.tiers: unknown tier `{bad}` ({})",
                self.tiers_of(service)
            ));
        }
        Ok(())
    }

    /// A count target: bounds given and in order, no share or minutes, a level the service
    /// has, island fields only in its unit set.
    fn check_count(&self, at: &str, t: &Target) -> std::result::Result<(), String> {
        if t.share.is_some() || t.minutes.is_some() {
            return Err(format!(
                "{at}: a count target (measure = \"sites\") counts sites; give at_least, at_most \
                 or exactly instead of share and minutes"
            ));
        }
        if t.exactly.is_some() && (t.at_least.is_some() || t.at_most.is_some()) {
            return Err(format!(
                "{at}.exactly: give exactly alone, or at_least and/or at_most"
            ));
        }
        if t.exactly.is_none() && t.at_least.is_none() && t.at_most.is_none() {
            return Err(format!(
                "{at}: a count target needs at_least, at_most or exactly"
            ));
        }
        let (lo, hi) = t.count_bounds();
        if lo > hi {
            return Err(format!("{at}: at_least = {lo} is above at_most = {hi}"));
        }
        if let (Some(level), Some(service)) = (t.level, self.service(&t.service))
            && !service.levels.iter().any(|l| l.level == level)
        {
            return Err(format!(
                "{at}.level = {level}: service `{}` has no level {level}",
                t.service
            ));
        }
        if t.units.as_ref().is_some_and(|u| u.kind.is_some()) {
            return Err(format!(
                "{at}.units.kind: a count target counts sites (by islands, remote, \
                 min_population, max_population, towns or facilities); `kind` selects settlements"
            ));
        }
        if t.sites == Some(SiteCount::Expanded)
            && self
                .service(&t.service)
                .is_some_and(|s| s.assign != Assign::Capacity)
        {
            return Err(format!(
                "{at}.sites = \"expanded\": service `{}` assigns no seats (assign = \"coverage\"), \
                 so nothing is expanded",
                t.service
            ));
        }
        Ok(())
    }
}

/// A unit set's fields fit its target: lists not empty, population band in order, no
/// settlement fields on an island target.
fn check_units(at: &str, measure: Measure, u: &Units) -> std::result::Result<(), String> {
    for (field, list) in [
        ("kind", &u.kind),
        ("towns", &u.towns),
        ("islands", &u.islands),
        ("tiers", &u.tiers),
        ("facilities", &u.facilities),
    ] {
        if list.as_ref().is_some_and(Vec::is_empty) {
            return Err(format!(
                "{at}.units.{field}: an empty list selects nothing; leave the field out to count every unit"
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (u.min_population, u.max_population)
        && lo > hi
    {
        return Err(format!(
            "{at}.units: min_population = {lo} is above max_population = {hi}"
        ));
    }
    if measure == Measure::Towns {
        let others = [
            ("kind", u.kind.is_some()),
            ("islands", u.islands.is_some()),
            ("tiers", u.tiers.is_some()),
            ("remote", u.remote.is_some()),
            ("min_population", u.min_population.is_some()),
            ("max_population", u.max_population.is_some()),
        ];
        if let Some((field, _)) = others.iter().find(|f| f.1) {
            return Err(format!(
                "{at}.units.{field}: a township target selects townships by `towns` only"
            ));
        }
    }
    if measure != Measure::Sites && u.facilities.is_some() {
        return Err(format!(
            "{at}.units.facilities: only a count target (measure = \"sites\") counts facilities"
        ));
    }
    if measure == Measure::Islands {
        for (field, given) in [("kind", u.kind.is_some()), ("towns", u.towns.is_some())] {
            if given {
                return Err(format!(
                    "{at}.units.{field}: `{field}` selects settlements, and an island target counts \
                     islands (use islands, remote, min_population, max_population)"
                ));
            }
        }
    }
    Ok(())
}

fn positive(what: String, x: f64) -> std::result::Result<(), String> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(format!("{what} = {x}: must be a positive number"))
    }
}

fn non_negative(what: String, x: f64) -> std::result::Result<(), String> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(format!("{what} = {x}: must be a number >= 0"))
    }
}

// Bounded above too: a cost of 1e308 overflows every sum it enters (the plan's cost becomes
// infinite and its gap NaN), and minutes beyond a week make the travel-time matrix hold every
// pair there is.
fn money(what: String, x: f64) -> std::result::Result<(), String> {
    let max_money = crate::limits::MAX_MONEY;
    non_negative(what.clone(), x)?;
    if x > max_money {
        return Err(format!("{what} = {x}: more than {max_money:e} CNY"));
    }
    Ok(())
}

fn minutes(what: String, x: f64) -> std::result::Result<(), String> {
    let max_minutes = crate::limits::MAX_MINUTES;
    positive(what.clone(), x)?;
    if x > max_minutes {
        return Err(format!(
            "{what} = {x}: more than {max_minutes} minutes (one week)"
        ));
    }
    Ok(())
}

fn amount(what: String, x: f64) -> std::result::Result<(), String> {
    let max_capacity = crate::limits::MAX_CAPACITY;
    non_negative(what.clone(), x)?;
    if x > max_capacity {
        return Err(format!("{what} = {x}: more than {max_capacity:e}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_the_default_scenario() {
        let s = Scenario::parse(TEMPLATE, "template").expect("template parses");
        assert_eq!(s.services.len(), 4);
        assert_eq!(s.targets.len(), 4);
        // Field defaults in code agree with the values written in the template.
        let minimal = Scenario::parse("", "empty").expect("empty file");
        assert_eq!(minimal.hierarchy, s.hierarchy);
        assert_eq!(minimal.objective, s.objective);
        assert_eq!(minimal.closing_years, s.closing_years);
        assert_eq!(minimal.services, s.services);
    }

    #[test]
    fn unknown_keys_are_errors_with_their_location() {
        let e = Scenario::parse("budgett = 5\n", "x.toml").expect_err("typo");
        let msg = e.to_string();
        assert!(msg.contains("x.toml") && msg.contains("budgett"), "{msg}");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn semantic_errors_name_the_path() {
        let text = TEMPLATE.replace(
            "tiers = [\"hub\", \"subcenter\", \"small\"]",
            "tiers = [\"hub\", \"subcentre\"]",
        );
        let msg = Scenario::parse(&text, "t")
            .expect_err("bad tier")
            .to_string();
        assert!(
            msg.contains("service[0] (`school`).level[0].tiers") && msg.contains("subcentre"),
            "{msg}"
        );
        let text = format!(
            "{TEMPLATE}\n[[target]]\nname = \"x\"\nservice = \"ferry\"\nmeasure = \"villages\"\nshare = 0.5\n"
        );
        let msg = Scenario::parse(&text, "t")
            .expect_err("bad service")
            .to_string();
        assert!(msg.contains("unknown service `ferry`"), "{msg}");
        let msg = Scenario::parse("budget = -1", "t")
            .expect_err("budget")
            .to_string();
        assert!(msg.contains("budget"), "{msg}");
        let text = TEMPLATE.replace("share = 0.8", "share = 80");
        let msg = Scenario::parse(&text, "t").expect_err("share").to_string();
        assert!(msg.contains("share = 80"), "{msg}");
    }
}
