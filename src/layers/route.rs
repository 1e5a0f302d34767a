//! Ferry routes, fast-ferry routes and bridges: the links between islands.

use super::read::{Props, RawFeature, positive};
use super::timetable::Timetable;
use super::{DEFAULT_SERVICE_HOURS, FERRIES_FILE, shape};
use crate::diagnostics::Diagnostics;
use geo::{LineString, Point};
use geojson::JsonObject;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMode {
    Ferry,
    FastFerry,
    /// A bridge or causeway: no wait, always runs.
    Bridge,
}

/// The Beaufort force up to which a fast ferry sails when its data says nothing: high-speed
/// passenger craft are the first to stop (a common rule of Chinese coastal operators).
pub const FAST_FERRY_MAX_WIND: u8 = 6;
/// The Beaufort force up to which a conventional ferry sails when its data says nothing.
pub const FERRY_MAX_WIND: u8 = 7;
/// The top of the Beaufort scale: a route that sails at this force is never stopped by wind.
pub const BEAUFORT_MAX: u8 = 12;

impl RouteMode {
    /// The Beaufort force up to which a route of this mode sails when its data says nothing.
    pub fn default_max_wind(self) -> u8 {
        match self {
            RouteMode::Ferry => FERRY_MAX_WIND,
            RouteMode::FastFerry => FAST_FERRY_MAX_WIND,
            RouteMode::Bridge => BEAUFORT_MAX,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RouteMode::Ferry => "ferry",
            RouteMode::FastFerry => "fast_ferry",
            RouteMode::Bridge => "bridge",
        }
    }
}

/// Where a route ends: a port, or a landing point on an island.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Endpoint {
    Port(usize),
    Landing { island: usize, location: Point<f64> },
}

#[derive(Debug, Clone)]
pub struct Route {
    pub id: String,
    pub name: Option<String>,
    pub mode: RouteMode,
    pub ends: [Endpoint; 2],
    /// Sailing (or driving) minutes of one crossing.
    pub minutes: f64,
    /// Departures per day in each direction (ignored for bridges).
    pub departures_per_day: f64,
    pub service_hours: f64,
    /// Share of days the route runs.
    pub reliability: f64,
    /// The highest Beaufort force at which it still sails (`max_wind`; 12 when `sheltered`;
    /// bridges always run).
    pub max_wind: u8,
    /// Departures by the clock, where known (`departures`); the expected-wait model above
    /// stays the fallback and the planner's default.
    pub timetable: Option<Timetable>,
    /// The weekdays its timetable runs (`days`; bit 0 Monday), every day by default.
    pub days: u8,
    pub geometry: LineString<f64>,
    pub properties: JsonObject,
}

impl Route {
    /// Expected wait at the pier: half the headway over the service hours; zero on a bridge.
    pub fn expected_wait(&self) -> f64 {
        match self.mode {
            RouteMode::Bridge => 0.0,
            _ => self.service_hours * 60.0 / self.departures_per_day / 2.0,
        }
    }

    /// Whether the route has a timetable that does not run on weekday `day` (Monday 0).
    pub fn idle_on(&self, day: usize) -> bool {
        self.timetable.is_some() && self.days & (1 << day) == 0
    }

    /// Whether the route runs in a wind of Beaufort force `force`: bridges always do, ferries up
    /// to their `max_wind`.
    pub fn sails_in(&self, force: u8) -> bool {
        self.mode == RouteMode::Bridge || force <= self.max_wind
    }

    /// Expected door-to-door minutes of the leg: wait plus crossing.
    pub fn leg_minutes(&self) -> f64 {
        self.expected_wait() + self.minutes
    }
}

pub(super) struct Parsed {
    pub index: usize,
    pub id: String,
    pub name: Option<String>,
    pub mode: RouteMode,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `None` for a bridge without explicit minutes: derived from its length.
    pub minutes: Option<f64>,
    pub departures_per_day: f64,
    pub service_hours: f64,
    pub reliability: f64,
    pub max_wind: u8,
    pub timetable: Option<Timetable>,
    pub days: u8,
    pub geometry: LineString<f64>,
    pub properties: JsonObject,
}

pub(super) fn parse(features: &[RawFeature], diags: &mut Diagnostics) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let geometry = shape::line(f, FERRIES_FILE, diags);
        let mut p = Props::new(f, FERRIES_FILE, diags);
        let id = p.id();
        let name = p.opt_str("name");
        let mode = p
            .opt_enum(
                "mode",
                &[
                    ("ferry", RouteMode::Ferry),
                    ("fast_ferry", RouteMode::FastFerry),
                    ("bridge", RouteMode::Bridge),
                ],
            )
            .unwrap_or(RouteMode::Ferry);
        let from = p.opt_str("from");
        let to = p.opt_str("to");
        let has_minutes = p.props.get("minutes").is_some_and(|v| !v.is_null());
        let minutes = p.opt_number("minutes", super::read::minutes);
        let has_departures = p
            .props
            .get("departures_per_day")
            .is_some_and(|v| !v.is_null());
        let departures = p.opt_number("departures_per_day", |x| {
            positive(x).or_else(|| {
                (x > crate::limits::MAX_DEPARTURES_PER_DAY).then(|| {
                    format!(
                        "must be at most {} (one a minute)",
                        crate::limits::MAX_DEPARTURES_PER_DAY
                    )
                })
            })
        });
        let service_hours = p
            .opt_number("service_hours", |x| {
                (x <= 0.0 || x > 24.0).then(|| "must be in (0, 24] hours".to_string())
            })
            .unwrap_or(DEFAULT_SERVICE_HOURS);
        let reliability = p
            .opt_number("reliability", |x| {
                (x <= 0.0 || x > 1.0).then(|| "a share of days must be in (0, 1]".to_string())
            })
            .unwrap_or(1.0);
        let max_wind = wind_limit(&mut p, mode);
        let has_timetable = p.props.get("departures").is_some_and(|v| !v.is_null());
        let timetable = super::timetable::parse(&mut p);
        let days = days_of(&mut p, has_timetable);
        let is_ferry = mode != RouteMode::Bridge;
        if is_ferry && !has_minutes {
            p.error(
                "missing-property",
                Some("minutes"),
                "required property `minutes` (sailing time) is missing",
            );
        }
        if is_ferry && !has_departures && !has_timetable {
            p.error(
                "missing-property",
                Some("departures_per_day"),
                "required property `departures_per_day` (or a `departures` timetable) is \
                 missing for a ferry route",
            );
        }
        // Without `departures_per_day`, the timetable's count feeds the headway model.
        let departures = departures.or(timetable.as_ref().map(Timetable::per_day));
        let usable = !(is_ferry && (minutes.is_none() || departures.is_none()))
            && !(has_minutes && minutes.is_none())
            && !(has_timetable && timetable.is_none());
        if let (Some(id), Some(geometry), true) = (id, geometry, usable) {
            out.push(Parsed {
                index: f.index,
                id,
                name,
                mode,
                from,
                to,
                minutes,
                departures_per_day: departures.unwrap_or(0.0),
                service_hours,
                reliability,
                max_wind,
                timetable,
                days,
                geometry,
                properties: f.properties.clone(),
            });
        }
    }
    out
}

/// `max_wind` (a whole Beaufort force) or `sheltered: true` (never stopped by wind); the mode's
/// default otherwise. Both given: `sheltered` wins only when `max_wind` is absent, and a
/// sheltered route with a lower `max_wind` is a contradiction reported as such.
fn wind_limit(p: &mut Props, mode: RouteMode) -> u8 {
    let sheltered = p.opt_bool("sheltered").unwrap_or(false);
    let given = p.opt_number("max_wind", |x| {
        (x.fract() != 0.0 || !(0.0..=f64::from(BEAUFORT_MAX)).contains(&x))
            .then(|| format!("a Beaufort force must be a whole number from 0 to {BEAUFORT_MAX}"))
    });
    if sheltered && given.is_some_and(|x| x < f64::from(BEAUFORT_MAX)) {
        p.error(
            "contradiction",
            Some("max_wind"),
            "a `sheltered` route sails in any wind: drop `max_wind` or `sheltered`",
        );
    }
    match (given, sheltered) {
        (Some(x), _) => x as u8,
        (None, true) => BEAUFORT_MAX,
        (None, false) => mode.default_max_wind(),
    }
}

/// `days`: the weekdays a timetabled route runs, e.g. `["sat", "sun"]`; every day when absent.
fn days_of(p: &mut Props, has_timetable: bool) -> u8 {
    use super::timetable::{EVERY_DAY, WEEKDAYS, weekday_index};
    let Some(v) = p.props.get("days").filter(|v| !v.is_null()).cloned() else {
        return EVERY_DAY;
    };
    let names: Option<Vec<&str>> = v
        .as_array()
        .and_then(|a| a.iter().map(|x| x.as_str()).collect());
    let mut mask = 0u8;
    let mut bad = None;
    match names {
        Some(names) if !names.is_empty() => {
            for n in names {
                match weekday_index(n) {
                    Some(i) => mask |= 1 << i,
                    None => bad = Some(format!("`{n}` is not a weekday")),
                }
            }
        }
        _ => bad = Some(format!("must be a list of weekdays, found {v}")),
    }
    if let Some(why) = bad {
        p.error(
            "bad-days",
            Some("days"),
            format!("`days`: {why} (use {})", WEEKDAYS.join(", ")),
        );
        return EVERY_DAY;
    }
    if !has_timetable {
        p.error(
            "bad-days",
            Some("days"),
            "`days` says when a timetable runs: give the route its `departures`",
        );
    }
    mask
}
