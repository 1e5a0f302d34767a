//! A route's departures by the clock: the `departures` property of a ferry route.
//!
//! Clock times are minutes after the service day's midnight. As in GTFS, a time may pass
//! 24:00 (`"25:10"` is ten past one the next night, still on the same service day).

use super::read::Props;
use geojson::JsonValue;

/// Latest clock time a departure may have (GTFS allows times past midnight; two days bound
/// them).
pub const MAX_CLOCK_MINUTES: f64 = 48.0 * 60.0;

/// Departure times of a route in each direction, ascending, in minutes after midnight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timetable {
    /// From the route's first end (its `from`, or its line's first point) to its last.
    pub forward: Vec<f64>,
    /// From the last end back to the first.
    pub back: Vec<f64>,
}

impl Timetable {
    /// The first departure at or after clock time `t` in one direction.
    pub fn next_departure(&self, forward: bool, t: f64) -> Option<f64> {
        let times = if forward { &self.forward } else { &self.back };
        let i = times.partition_point(|&d| d < t);
        times.get(i).copied()
    }

    /// Departures per day in each direction, on average: the headway model's figure.
    pub fn per_day(&self) -> f64 {
        (self.forward.len() + self.back.len()) as f64 / 2.0
    }

    pub fn is_empty(&self) -> bool {
        self.forward.is_empty() && self.back.is_empty()
    }
}

/// Weekday names as data and scenarios write them, Monday first (bit `i` of a day mask).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// A day mask with every day set.
pub const EVERY_DAY: u8 = 0x7f;

/// The index (Monday 0) of a weekday name.
pub fn weekday_index(name: &str) -> Option<usize> {
    WEEKDAYS.iter().position(|d| *d == name)
}

/// `"HH:MM"` or `"HH:MM:SS"` as minutes after midnight; hours may pass 24 (GTFS), up to 47.
pub fn parse_clock(text: &str) -> Result<f64, String> {
    let bad = || format!("`{text}` is not a clock time HH:MM or HH:MM:SS (hours 0-47)");
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut nums = [0u32; 3];
    for (slot, part) in nums.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        *slot = part.parse().map_err(|_| bad())?;
    }
    let [h, m, s] = nums;
    if m > 59 || s > 59 {
        return Err(bad());
    }
    let minutes = f64::from(h) * 60.0 + f64::from(m) + f64::from(s) / 60.0;
    if minutes >= MAX_CLOCK_MINUTES {
        return Err(bad());
    }
    Ok(minutes)
}

/// The `departures` property: a list of clock times (the same both ways) or an object
/// `{"forward": [...], "back": [...]}`. `None` when absent; errors are reported on the
/// feature and give `None` too.
pub(super) fn parse(p: &mut Props) -> Option<Timetable> {
    let value = p.props.get("departures").filter(|v| !v.is_null())?.clone();
    let list = |v: Option<&JsonValue>, what: &str, p: &mut Props| -> Option<Vec<f64>> {
        let Some(JsonValue::Array(items)) = v else {
            p.error(
                "bad-departures",
                Some("departures"),
                format!("{what} must be a list of clock times such as [\"07:10\", \"13:30\"]"),
            );
            return None;
        };
        let mut times = Vec::with_capacity(items.len());
        for item in items {
            match item.as_str().map(parse_clock) {
                Some(Ok(t)) => times.push(t),
                Some(Err(e)) => {
                    p.error("bad-departures", Some("departures"), format!("{what}: {e}"));
                    return None;
                }
                None => {
                    p.error(
                        "bad-departures",
                        Some("departures"),
                        format!("{what}: `{item}` is not a clock time string"),
                    );
                    return None;
                }
            }
        }
        times.sort_by(f64::total_cmp);
        times.dedup();
        Some(times)
    };
    let table = match &value {
        JsonValue::Array(_) => {
            let both = list(Some(&value), "`departures`", p)?;
            Timetable {
                forward: both.clone(),
                back: both,
            }
        }
        JsonValue::Object(o) => {
            if let Some(k) = o.keys().find(|k| *k != "forward" && *k != "back") {
                p.error(
                    "bad-departures",
                    Some("departures"),
                    format!("unknown key `{k}`: the directions are `forward` and `back`"),
                );
                return None;
            }
            let forward = list(o.get("forward"), "`departures.forward`", p);
            let back = list(o.get("back"), "`departures.back`", p);
            Timetable {
                forward: forward?,
                back: back?,
            }
        }
        _ => {
            list(None, "`departures`", p);
            return None;
        }
    };
    if table.is_empty() {
        p.error(
            "bad-departures",
            Some("departures"),
            "`departures` lists no departure (leave it out, or give `departures_per_day`)",
        );
        return None;
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_parse_as_gtfs_allows() {
        assert_eq!(parse_clock("07:10"), Ok(430.0));
        assert_eq!(parse_clock("7:10"), Ok(430.0));
        assert_eq!(parse_clock("25:10:30"), Ok(25.0 * 60.0 + 10.5));
        for bad in [
            "",
            "7",
            "07:60",
            "07:10:60",
            "48:00",
            "a:10",
            "07:10:00:00",
            "-1:00",
        ] {
            assert!(parse_clock(bad).is_err(), "{bad}");
        }
    }

    /// A uniform timetable (a departure every `h` minutes over `H` service minutes) waits on
    /// average what the headway model says, half the headway: sampled every `step` minutes
    /// over one service period, the mean wait is exactly (h - step) / 2, which tends to h / 2.
    #[test]
    fn a_uniform_timetable_waits_half_the_headway_on_average() {
        let (start, h, n) = (360.0, 30.0, 24); // 06:00, every 30 minutes, 12 hours
        let times: Vec<f64> = (0..n).map(|k| start + h * k as f64).collect();
        let t = Timetable {
            forward: times.clone(),
            back: times,
        };
        let step = 0.25;
        let samples = ((h * (n - 1) as f64) / step) as usize;
        let mean = (0..samples)
            .map(|i| {
                let at = start + step * i as f64;
                t.next_departure(true, at).expect("a later departure") - at
            })
            .sum::<f64>()
            / samples as f64;
        assert!((mean - (h - step) / 2.0).abs() < 1e-9, "{mean}");
        // The headway model with the same departures a day over the same service hours.
        let hours = h * n as f64 / 60.0;
        let model = hours * 60.0 / t.per_day() / 2.0;
        assert!((model - h / 2.0).abs() < 1e-9, "{model}");
    }
}
