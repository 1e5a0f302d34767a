//! Ferry timetables from a GTFS feed (a zip file or a folder of its `.txt` tables), read with
//! the `gtfs-structures` crate and laid onto a data set's ferry routes.
//!
//! Each stop is matched to a port of the data set (same id, else the nearest port within
//! [`SNAP_TOLERANCE_KM`]); each trip's consecutive stops make legs (departure at one port,
//! arrival at the next). Legs between two ports go onto the data set's ferry route joining
//! them: the one whose id is the feed's `route_id`, else the only ferry between them; where
//! none joins them a new ferry route is added. A route gets `departures` per direction (its
//! `forward` runs from its first end), `departures_per_day` from their count and `minutes`,
//! the median of the feed's sailing times. Trips run on the chosen weekday (calendar.txt;
//! services only in calendar_dates.txt count on every day). Times past 24:00 stay on the
//! service day, as GTFS means them.

use crate::error::{Error, Result};
use crate::geometry::km_between;
use crate::layers::{DataSet, Endpoint, FERRIES_FILE, LAYER_FILES, RouteMode, SNAP_TOLERANCE_KM};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The day of the week whose trips are imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl std::str::FromStr for Weekday {
    type Err = String;

    /// `mon` .. `sun` (or the full English names), any case.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let days = [
            ("mon", Weekday::Mon),
            ("tue", Weekday::Tue),
            ("wed", Weekday::Wed),
            ("thu", Weekday::Thu),
            ("fri", Weekday::Fri),
            ("sat", Weekday::Sat),
            ("sun", Weekday::Sun),
        ];
        let l = s.trim().to_lowercase();
        days.iter()
            .find(|(short, _)| l.len() >= 3 && l.starts_with(short))
            .map(|&(_, d)| d)
            .ok_or_else(|| format!("`{s}` is not a weekday (mon, tue, wed, thu, fri, sat, sun)"))
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub feed: String,
    pub stops: usize,
    pub trips: usize,
    /// Data-set routes given a timetable.
    pub routes_timetabled: Vec<String>,
    /// Routes the feed added (no ferry of the data set joined their ports).
    pub routes_added: Vec<String>,
    pub departures: usize,
    /// Leg pairs skipped because a stop time gave no time (GTFS lets intermediate stops
    /// leave them to interpolation).
    pub legs_without_times: usize,
}

/// One sailing between two ports: departure clock minutes and sailing minutes.
type Legs = BTreeMap<(usize, usize), Vec<(String, f64, f64)>>;

/// Reads `feed`, lays its timetables onto `ds` (read from `data`) and writes the data set with
/// the new ferries.geojson into the new folder `out` (the other layers copied as they are).
pub fn import(
    feed: &Path,
    data: &Path,
    ds: &DataSet,
    out: &Path,
    day: Weekday,
) -> Result<ImportSummary> {
    if !data.is_dir() {
        return Err(Error::Usage(format!(
            "{}: a timetable is laid onto a data-set folder of GeoJSON layers; convert a \
             GeoPackage first, e.g. `ogr2ogr -f GeoJSON DIR/ferries.geojson {} ferries` for \
             each layer",
            data.display(),
            data.display()
        )));
    }
    check_feed_files(feed)?;
    let gtfs = gtfs_structures::Gtfs::from_path(feed).map_err(|e| feed_error(feed, &e))?;
    let port_of = match_stops(feed, ds, &gtfs)?;
    let (legs, trips, legs_without_times) = legs(feed, &gtfs, &port_of, day)?;
    let text = crate::limits::read_text(&data.join(FERRIES_FILE), crate::limits::MAX_LAYER_BYTES)?;
    let mut ferries: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{}: {e}", data.join(FERRIES_FILE).display())))?;
    let mut summary = ImportSummary {
        feed: feed.display().to_string(),
        stops: gtfs.stops.len(),
        trips,
        routes_timetabled: Vec::new(),
        routes_added: Vec::new(),
        departures: legs.values().map(Vec::len).sum(),
        legs_without_times,
    };
    lay_legs(ds, &legs, &mut ferries, &mut summary)?;
    crate::io::write_dir_atomic(out, |tmp| {
        for file in LAYER_FILES {
            // The layer's own file, GeoJSON or a CSV table, under its own name.
            let from = crate::layers::source::Source::of(data, file)
                .path()
                .to_path_buf();
            let to = tmp.join(from.file_name().unwrap_or(file.as_ref()));
            if file == FERRIES_FILE {
                let bytes = serde_json::to_vec(&ferries)
                    .map_err(|e| Error::Internal(format!("ferries.geojson: {e}")))?;
                std::fs::write(&to, bytes).map_err(|e| Error::io(&to, e))?;
            } else if from.is_file() {
                std::fs::copy(&from, &to).map_err(|e| Error::io(&to, e))?;
            }
        }
        // What is written must be a valid data set, or nothing is.
        crate::layers::DataSet::load(tmp)?;
        Ok(())
    })?;
    Ok(summary)
}

/// The feed (a zip file, or each `.txt` table of a folder) must be a regular file of at most
/// [`crate::limits::MAX_LAYER_BYTES`]: a FIFO would block the reader, a device never end.
fn check_feed_files(feed: &Path) -> Result<()> {
    let regular = |path: &Path| -> Result<()> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            return Err(Error::Usage(format!(
                "GTFS feed: {} is not a regular file",
                path.display()
            )));
        }
        if meta.len() > crate::limits::MAX_LAYER_BYTES {
            return Err(Error::Usage(format!(
                "GTFS feed: {} is larger than the {} MiB a feed file may have",
                path.display(),
                crate::limits::MAX_LAYER_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    };
    let meta = std::fs::metadata(feed).map_err(|e| Error::io(feed, e))?;
    if !meta.is_dir() {
        return regular(feed);
    }
    let entries = std::fs::read_dir(feed).map_err(|e| Error::io(feed, e))?;
    for e in entries {
        let path = e.map_err(|e| Error::io(feed, e))?.path();
        if path.extension().is_some_and(|x| x == "txt") {
            regular(&path)?;
        }
    }
    Ok(())
}

/// A feed that cannot be read: exit 2 with the reader's reason and the file and line it names.
fn feed_error(feed: &Path, e: &gtfs_structures::Error) -> Error {
    use std::error::Error as _;
    let mut msg = match e {
        gtfs_structures::Error::ReferenceError(id) => format!(
            "GTFS feed {}: `{id}` is named (in stop_times.txt or trips.txt) but the feed does \
             not define it (no such stop in stops.txt, trip in trips.txt or route in routes.txt)",
            feed.display()
        ),
        _ => format!("GTFS feed {}: {e}", feed.display()),
    };
    if let gtfs_structures::Error::CSVError {
        source,
        line_in_error,
        ..
    } = e
    {
        if let Some(p) = source.position() {
            msg.push_str(&format!(" (line {})", p.line()));
        }
        if let Some(l) = line_in_error {
            msg.push_str(&format!(
                ": {} = {}",
                l.headers.join(","),
                l.values.join(",")
            ));
        }
    }
    let mut cause = e.source();
    while let Some(c) = cause {
        msg.push_str(&format!(": {c}"));
        cause = c.source();
    }
    Error::Usage(msg)
}

/// Each stop's port: the port with the stop's id, else the nearest within the snap tolerance.
/// Stops that match none are refused, all named at once.
fn match_stops(
    feed: &Path,
    ds: &DataSet,
    gtfs: &gtfs_structures::Gtfs,
) -> Result<BTreeMap<String, usize>> {
    let mut out = BTreeMap::new();
    let mut unmatched = Vec::new();
    let mut ids: Vec<&String> = gtfs.stops.keys().collect();
    ids.sort();
    for id in ids {
        let stop = &gtfs.stops[id];
        let by_id = ds.ports.iter().position(|p| &p.id == id);
        let nearest = || {
            let (lon, lat) = (stop.longitude?, stop.latitude?);
            let at = geo::Point::new(lon, lat);
            ds.ports
                .iter()
                .enumerate()
                .map(|(k, p)| (k, km_between(at, p.location)))
                .filter(|&(_, km)| km <= SNAP_TOLERANCE_KM)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(k, _)| k)
        };
        match by_id.or_else(nearest) {
            Some(k) => {
                out.insert(id.clone(), k);
            }
            None => unmatched.push(format!(
                "`{id}` ({}, at {:?}, {:?})",
                stop.name.as_deref().unwrap_or("no name"),
                stop.longitude,
                stop.latitude
            )),
        }
    }
    if !unmatched.is_empty() {
        return Err(Error::Usage(format!(
            "GTFS feed {}: stops.txt: {} stop(s) match no port of the data set (by id, or \
             within {SNAP_TOLERANCE_KM} km): {}; add the port to ports.geojson or give the stop \
             the port's id",
            feed.display(),
            unmatched.len(),
            unmatched.join(", ")
        )));
    }
    Ok(out)
}

/// Whether a service runs on `day`: by calendar.txt; a service only in calendar_dates.txt
/// counts on every day.
fn runs_on(gtfs: &gtfs_structures::Gtfs, service: &str, day: Weekday) -> bool {
    let Some(c) = gtfs.calendar.get(service) else {
        return true;
    };
    match day {
        Weekday::Mon => c.monday,
        Weekday::Tue => c.tuesday,
        Weekday::Wed => c.wednesday,
        Weekday::Thu => c.thursday,
        Weekday::Fri => c.friday,
        Weekday::Sat => c.saturday,
        Weekday::Sun => c.sunday,
    }
}

/// The legs of the day's trips by port pair (ordered: from, to), each with the feed's route
/// id, the departure and the sailing minutes; trips counted; leg pairs without times counted.
/// Consecutive stops at one port are no crossing and are passed over; a leg that arrives
/// before it leaves is refused, naming the trip.
fn legs(
    feed: &Path,
    gtfs: &gtfs_structures::Gtfs,
    port_of: &BTreeMap<String, usize>,
    day: Weekday,
) -> Result<(Legs, usize, usize)> {
    let mut legs: Legs = BTreeMap::new();
    let (mut trips, mut untimed) = (0, 0);
    let mut ids: Vec<&String> = gtfs.trips.keys().collect();
    ids.sort();
    for id in ids {
        let trip = &gtfs.trips[id];
        if !runs_on(gtfs, &trip.service_id, day) {
            continue;
        }
        trips += 1;
        let mut stops: Vec<&gtfs_structures::StopTime> = trip.stop_times.iter().collect();
        stops.sort_by_key(|s| s.stop_sequence);
        for pair in stops.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let dep = a.departure_time.or(a.arrival_time);
            let arr = b.arrival_time.or(b.departure_time);
            let (Some(dep), Some(arr)) = (dep, arr) else {
                untimed += 1;
                continue;
            };
            let (Some(&pa), Some(&pb)) = (port_of.get(&a.stop.id), port_of.get(&b.stop.id)) else {
                continue;
            };
            if arr < dep {
                return Err(Error::Usage(format!(
                    "GTFS feed {}: stop_times.txt: trip `{id}` arrives at stop `{}` ({}) \
                     before it leaves stop `{}` ({})",
                    feed.display(),
                    b.stop.id,
                    clock(f64::from(arr) / 60.0),
                    a.stop.id,
                    clock(f64::from(dep) / 60.0)
                )));
            }
            if pa == pb {
                continue;
            }
            let (dep, arr) = (f64::from(dep) / 60.0, f64::from(arr) / 60.0);
            legs.entry((pa, pb))
                .or_default()
                .push((trip.route_id.clone(), dep, arr - dep));
        }
    }
    Ok((legs, trips, untimed))
}

/// The data set's ferry routes (index) joining ports `a` and `b`, either way.
fn ferries_between(ds: &DataSet, a: usize, b: usize) -> Vec<usize> {
    (0..ds.routes.len())
        .filter(|&r| {
            let route = &ds.routes[r];
            let ends = route.ends.map(|e| match e {
                Endpoint::Port(p) => Some(p),
                Endpoint::Landing { .. } => None,
            });
            route.mode != RouteMode::Bridge
                && (ends == [Some(a), Some(b)] || ends == [Some(b), Some(a)])
        })
        .collect()
}

/// Lays the legs onto the ferries' GeoJSON: timetables on matched routes, new routes where no
/// ferry joins the ports. Ambiguous pairs (several ferries, none named by the feed) are refused.
fn lay_legs(
    ds: &DataSet,
    legs: &Legs,
    ferries: &mut Value,
    summary: &mut ImportSummary,
) -> Result<()> {
    // Per target route (data index, or a new route keyed by its ports): both directions.
    let mut onto: BTreeMap<Target, [Vec<f64>; 2]> = BTreeMap::new();
    let mut sailing: BTreeMap<Target, Vec<f64>> = BTreeMap::new();
    for (&(a, b), list) in legs {
        for (route_id, dep, minutes) in list {
            let target = target_of(ds, a, b, route_id)?;
            let forward = match target {
                Target::Data(r) => ds.routes[r].ends[0] == Endpoint::Port(a),
                Target::New(first, _) => first == a,
            };
            onto.entry(target.clone()).or_default()[usize::from(!forward)].push(*dep);
            sailing.entry(target).or_default().push(*minutes);
        }
    }
    let features = ferries["features"]
        .as_array_mut()
        .ok_or_else(|| Error::Usage("ferries.geojson: no `features` list".into()))?;
    for (target, [mut fwd, mut back]) in onto {
        for list in [&mut fwd, &mut back] {
            list.sort_by(f64::total_cmp);
            list.dedup();
        }
        let minutes = median(sailing.remove(&target).unwrap_or_default());
        let per_day = (fwd.len() + back.len()) as f64 / 2.0;
        let departures = json!({
            "forward": fwd.iter().map(|&t| clock(t)).collect::<Vec<_>>(),
            "back": back.iter().map(|&t| clock(t)).collect::<Vec<_>>(),
        });
        match target {
            Target::Data(r) => {
                let id = &ds.routes[r].id;
                let f = features
                    .iter_mut()
                    .find(|f| f["properties"]["id"].as_str() == Some(id))
                    .ok_or_else(|| {
                        Error::Internal(format!("route `{id}` not in ferries.geojson"))
                    })?;
                let p = &mut f["properties"];
                p["departures"] = departures;
                p["departures_per_day"] = json!(per_day);
                p["minutes"] = json!(minutes);
                p["timetable_source"] = json!(summary.feed);
                summary.routes_timetabled.push(id.clone());
            }
            Target::New(a, b) => {
                let (pa, pb) = (&ds.ports[a], &ds.ports[b]);
                let id = format!("gtfs_{}_{}", pa.id, pb.id);
                features.push(json!({
                    "type": "Feature",
                    "properties": {
                        "id": id, "mode": "ferry", "from": pa.id, "to": pb.id,
                        "minutes": minutes, "departures_per_day": per_day,
                        "departures": departures, "timetable_source": summary.feed,
                    },
                    "geometry": {"type": "LineString", "coordinates": [
                        [pa.location.x(), pa.location.y()], [pb.location.x(), pb.location.y()]
                    ]},
                }));
                summary.routes_added.push(id);
            }
        }
    }
    Ok(())
}

/// Where a leg goes: a data-set route, or a new route between two ports (first, second by
/// port index).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Data(usize),
    New(usize, usize),
}

fn target_of(ds: &DataSet, a: usize, b: usize, route_id: &str) -> Result<Target> {
    let between = ferries_between(ds, a, b);
    if let Some(&r) = between.iter().find(|&&r| ds.routes[r].id == route_id) {
        return Ok(Target::Data(r));
    }
    match between.as_slice() {
        [] => Ok(Target::New(a.min(b), a.max(b))),
        [r] => Ok(Target::Data(*r)),
        many => Err(Error::Usage(format!(
            "GTFS route `{route_id}` sails between ports `{}` and `{}`, which {} ferry routes of \
             the data set join ({}); give the feed's route the id of the one it is",
            ds.ports[a].id,
            ds.ports[b].id,
            many.len(),
            many.iter()
                .map(|&r| format!("`{}`", ds.routes[r].id))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Clock minutes as GTFS writes them: HH:MM, or HH:MM:SS when there are seconds.
fn clock(minutes: f64) -> String {
    let s = (minutes * 60.0).round() as i64;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}
