//! `archiplan import gtfs FEED --data DATA -o OUT` (issue #13 item 1): a GTFS feed's ferry
//! timetables laid onto a data set's routes, then travel by the clock over them.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A small feed written by hand on the Daishan ports: Gaoting (by id) and Dajiao (stop `DJ`,
/// matched by its coordinates, 50 m from the port), route `gaoting_dajiao`: the islanders' boat
/// leaves Dajiao at 07:00 (15 minutes to Gaoting) and returns from Gaoting at 14:00 (16
/// minutes) and at 24:30 (a night boat past midnight, still the same service day as GTFS
/// means it; 14 minutes). A Sunday-only trip at 10:00 is not imported for a Monday.
const STOPS: &str = "stop_id,stop_name,stop_lat,stop_lon\n\
                     gaoting,Gaoting,30.242197,122.205902\n\
                     DJ,Dajiao pier,30.2200,122.2503\n";
const TRIPS: &str = "route_id,service_id,trip_id\n\
                     gaoting_dajiao,daily,out1\n\
                     gaoting_dajiao,daily,back1\n\
                     gaoting_dajiao,daily,back2\n\
                     gaoting_dajiao,sunday,sun1\n";
const STOP_TIMES: &str = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n\
                          out1,07:00:00,07:00:00,DJ,1\n\
                          out1,07:15:00,07:15:00,gaoting,2\n\
                          back1,14:00:00,14:00:00,gaoting,1\n\
                          back1,14:16:00,14:16:00,DJ,2\n\
                          back2,24:30:00,24:30:00,gaoting,1\n\
                          back2,24:44:00,24:44:00,DJ,2\n\
                          sun1,10:00:00,10:00:00,DJ,1\n\
                          sun1,10:15:00,10:15:00,gaoting,2\n";

fn write_feed(dir: &Path, edit: impl Fn(&str, &str) -> String) -> PathBuf {
    let feed = dir.join("feed");
    std::fs::create_dir_all(&feed).expect("mkdir");
    let files = [
        (
            "agency.txt",
            "agency_id,agency_name,agency_url,agency_timezone\na,Test,https://example.invalid,Asia/Shanghai\n",
        ),
        (
            "routes.txt",
            "route_id,agency_id,route_short_name,route_type\ngaoting_dajiao,a,GD,4\n",
        ),
        (
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n\
             daily,1,1,1,1,1,1,1,20240101,20251231\nsunday,0,0,0,0,0,0,1,20240101,20251231\n",
        ),
        ("stops.txt", STOPS),
        ("trips.txt", TRIPS),
        ("stop_times.txt", STOP_TIMES),
    ];
    for (name, text) in files {
        std::fs::write(feed.join(name), edit(name, text)).expect("write");
    }
    feed
}

/// `archiplan network DATA ARGS --json`, the island `id`'s object.
fn island(data: &Path, args: &[&str], id: &str) -> serde_json::Value {
    let mut all = vec!["network", data.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    all.push("--json");
    let v = json_of(&ok(run(&all)));
    v["islands"]
        .as_array()
        .expect("islands")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no island {id}"))
        .clone()
}

fn import(feed: &Path, out: &Path) -> std::process::Output {
    run(&[
        "import",
        "gtfs",
        feed.to_str().expect("utf-8"),
        "--data",
        "data/daishan",
        "-o",
        out.to_str().expect("utf-8"),
        "--json",
    ])
}

#[test]
fn a_hand_written_feed_times_its_route_and_the_clock_follows_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write_feed(dir.path(), |_, t| t.to_string());
    let out = dir.path().join("data");
    let v = json_of(&ok(import(&feed, &out)));
    assert_eq!(v["trips"], 3, "{v}");
    assert_eq!(
        v["routes_timetabled"],
        serde_json::json!(["gaoting_dajiao"])
    );
    assert_eq!(v["routes_added"], serde_json::json!([]));
    let ferries: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("ferries.geojson")).expect("ferries"),
    )
    .expect("json");
    let route = ferries["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["properties"]["id"] == "gaoting_dajiao")
        .expect("route");
    let p = &route["properties"];
    // The data's route runs from gaoting to dajiao: forward is Gaoting -> Dajiao.
    assert_eq!(
        p["departures"]["forward"],
        serde_json::json!(["14:00", "24:30"])
    );
    assert_eq!(p["departures"]["back"], serde_json::json!(["07:00"]));
    assert_eq!(p["minutes"], 15.0, "median of 15, 16 and 14");
    assert_eq!(p["departures_per_day"], 1.5);
    // The other layers are copied byte for byte, and the inputs are untouched.
    for layer in ["islands.geojson", "settlements.geojson", "ports.geojson"] {
        assert_eq!(
            std::fs::read(out.join(layer)).expect("out"),
            std::fs::read(Path::new(ROOT).join("data/daishan").join(layer)).expect("in"),
            "{layer}"
        );
    }
    // By the clock: leaving Dajiao's largest village at 06:30, the 07:00 boat reaches the
    // Gaoting pier at 07:15; the headway model (1.5 departures over 12 hours) says over four.
    let dajiao = island(&out, &["--depart", "06:30"], "dajiao");
    let trip = &dajiao["by_clock"];
    let minutes = trip["minutes"].as_f64().expect("minutes");
    assert!(minutes < 60.0, "{trip}");
    assert!(dajiao["minutes_to_hub_max"].as_f64().expect("max") > 250.0);
    assert!(
        trip["arrive"].as_str().expect("arrive") >= "07:15",
        "{trip}"
    );
    // Leaving at 07:01 the boat is gone: no trip that day (the next leaves Gaoting at 14:00).
    let late = island(&out, &["--depart", "07:01"], "dajiao");
    assert!(late["by_clock"]["arrive"].is_null(), "{}", late["by_clock"]);
    // To be at the hub by 08:30, leave Dajiao's village in time for the 07:00 boat.
    let by = &island(&out, &["--arrive-by", "08:30"], "dajiao")["by_clock"];
    let leave = by["depart"].as_str().expect("depart");
    assert!(("06:30".."07:01").contains(&leave), "{by}");
    assert!(by["arrive"].as_str().expect("arrive") <= "08:30", "{by}");
    // The imported data set plans, and the plan passes the audit.
    let plan = dir.path().join("plan");
    plan_checked(
        &out,
        &Path::new(ROOT).join("data/daishan/scenario-2024.toml"),
        &plan,
        &[],
    );
}

/// Bad feeds are refused with exit 2 and a reason naming what is wrong; nothing is written.
#[test]
fn bad_feeds_are_refused_naming_the_problem() {
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "stop_times.txt",
            "out1,07:15:00,07:15:00,gaoting,2",
            "out1,07:15:00,07:15:00,nowhere,2",
            "nowhere",
        ),
        (
            "stop_times.txt",
            "out1,07:00:00,07:00:00,DJ,1",
            "out1,7:xx:00,07:00:00,DJ,1",
            "7:xx:00",
        ),
        (
            "stops.txt",
            "DJ,Dajiao pier,30.2200,122.2503",
            "DJ,Dajiao pier,30.5,122.9",
            "`DJ`",
        ),
        (
            "stop_times.txt",
            "back1,14:16:00,14:16:00,DJ,2",
            "ghost,14:16:00,14:16:00,DJ,2",
            "ghost",
        ),
        (
            "stop_times.txt",
            "back1,14:16:00,14:16:00,DJ,2",
            "back1,13:16:00,13:16:00,DJ,2",
            "trip `back1` arrives at stop `DJ` (13:16) before it leaves stop `gaoting` (14:00)",
        ),
        (
            "stops.txt",
            "stop_id,stop_name",
            "stop_name,stop_idx",
            "stops.txt",
        ),
    ];
    for (file, from, to, says) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let feed = write_feed(dir.path(), |name, t| {
            if name == file {
                t.replace(from, to)
            } else {
                t.to_string()
            }
        });
        let out = dir.path().join("data");
        let o = import(&feed, &out);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {to}: {err}");
        assert!(err.contains(says), "{file}: {to}: no {says:?} in {err}");
        assert!(!out.exists(), "nothing written for {to}");
    }
    // A missing table.
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write_feed(dir.path(), |_, t| t.to_string());
    std::fs::remove_file(feed.join("stop_times.txt")).expect("rm");
    let o = import(&feed, &dir.path().join("data"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("stop_times.txt"));
    // An output folder that is not empty is never written into.
    let feed = write_feed(dir.path(), |_, t| t.to_string());
    let busy = dir.path().join("busy");
    std::fs::create_dir_all(&busy).expect("mkdir");
    std::fs::write(busy.join("mine.txt"), "keep").expect("write");
    let o = import(&feed, &busy);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(busy.join("mine.txt")).expect("kept"),
        "keep"
    );
}

/// Two ferries join Sanjiang and Wojingtan (car and fast): a feed route with another id
/// between them is ambiguous, refused naming both; named by the data's id, it is taken.
#[test]
fn an_ambiguous_route_is_refused_until_the_feed_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stops = "stop_id,stop_name,stop_lat,stop_lon\nsanjiang,S,30.101028,122.165346\n\
                 wojingtan,W,30.250316,122.282856\n";
    let trips = "route_id,service_id,trip_id\nX,daily,t1\n";
    let times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n\
                 t1,08:00:00,08:00:00,sanjiang,1\nt1,08:42:00,08:42:00,wojingtan,2\n";
    let feed = write_feed(dir.path(), |name, t| match name {
        "stops.txt" => stops.to_string(),
        "trips.txt" => trips.to_string(),
        "stop_times.txt" => times.to_string(),
        "routes.txt" => "route_id,agency_id,route_short_name,route_type\nX,a,X,4\n".to_string(),
        _ => t.to_string(),
    });
    let o = import(&feed, &dir.path().join("a"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for says in ["sanjiang_wojingtan_car", "sanjiang_wojingtan_fast", "`X`"] {
        assert!(err.contains(says), "{says}: {err}");
    }
    let named = write_feed(&dir.path().join("n"), |name, t| match name {
        "stops.txt" => stops.to_string(),
        "trips.txt" => trips.replace("X,", "sanjiang_wojingtan_fast,"),
        "stop_times.txt" => times.to_string(),
        "routes.txt" => {
            "route_id,agency_id,route_short_name,route_type\nsanjiang_wojingtan_fast,a,X,4\n"
                .to_string()
        }
        _ => t.to_string(),
    });
    let v = json_of(&ok(import(&named, &dir.path().join("b"))));
    assert_eq!(
        v["routes_timetabled"],
        serde_json::json!(["sanjiang_wojingtan_fast"])
    );
}

/// The bundled feed (data/daishan-gtfs: estimated times, see data/daishan/README.md): every
/// inhabited island has a trip to the hub by the clock leaving at 06:30.
#[test]
fn with_the_bundled_feed_every_island_reaches_the_hub_in_the_morning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("data");
    let v = json_of(&ok(import(
        &Path::new(ROOT).join("data/daishan-gtfs"),
        &out,
    )));
    assert_eq!(v["routes_added"], serde_json::json!([]));
    let v = json_of(&ok(run(&[
        "network",
        out.to_str().expect("utf-8"),
        "--depart",
        "06:30",
        "--json",
    ])));
    for i in v["islands"].as_array().expect("islands") {
        if i["population"].as_u64().unwrap_or(0) == 0 || i["external"] == true {
            continue;
        }
        let arrive = i["by_clock"]["arrive"].as_str();
        assert!(
            arrive.is_some_and(|a| a < "12:00"),
            "{}: {}",
            i["id"],
            i["by_clock"]
        );
    }
    // Within the morning window 06:00-09:00 the best trip leaves inside it and is never
    // longer than the one leaving at 06:30 (one of the window's departures).
    let w = json_of(&ok(run(&[
        "network",
        out.to_str().expect("utf-8"),
        "--depart",
        "06:00-09:00",
        "--json",
    ])));
    for (i, at) in w["islands"]
        .as_array()
        .expect("islands")
        .iter()
        .zip(v["islands"].as_array().expect("islands"))
    {
        if i["population"].as_u64().unwrap_or(0) == 0 || i["external"] == true {
            continue;
        }
        let c = &i["by_clock"];
        let depart = c["depart"].as_str().expect("a departure");
        assert!(("06:00"..="09:00").contains(&depart), "{}: {c}", i["id"]);
        let (best, fixed) = (c["minutes"].as_f64(), at["by_clock"]["minutes"].as_f64());
        assert!(
            best.expect("minutes") <= fixed.expect("minutes") + 1e-9,
            "{}: {c}",
            i["id"]
        );
    }
}

/// `network --day-trip MIN`: can a team from the hub spend MIN minutes on an island within
/// the working day? With the hand-written feed the only boat back from Dajiao leaves at 07:00,
/// before any team can arrive (the first boat out is at 14:00): impossible, and the reason
/// says so. With a morning boat out (08:00, arriving 08:16) and an afternoon boat back
/// (16:00, back at 16:15) added, four hours on the island fit.
#[test]
fn day_trips_follow_the_timetable_and_say_why_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let day_trip = |data: &Path| island(data, &["--day-trip", "240"], "dajiao")["day_trip"].clone();
    let feed = write_feed(dir.path(), |_, t| t.to_string());
    let out = dir.path().join("data");
    ok(import(&feed, &out));
    let t = day_trip(&out);
    assert_eq!(t["possible"], false, "{t}");
    let reason = t["reason"].as_str().expect("reason");
    assert!(
        reason.contains("14:"),
        "the first arrival, off the 14:00 boat: {reason}"
    );
    assert!(reason.contains("no departure back"), "{reason}");

    let more = dir.path().join("more");
    let feed = write_feed(&more, |name, t| match name {
        "trips.txt" => format!("{t}gaoting_dajiao,daily,out8\ngaoting_dajiao,daily,back16\n"),
        "stop_times.txt" => format!(
            "{t}out8,08:00:00,08:00:00,gaoting,1\nout8,08:16:00,08:16:00,DJ,2\n\
             back16,16:00:00,16:00:00,DJ,1\nback16,16:15:00,16:15:00,gaoting,2\n"
        ),
        _ => t.to_string(),
    });
    let out = more.join("data");
    ok(import(&feed, &out));
    let t = day_trip(&out);
    assert_eq!(t["possible"], true, "{t}");
    let at = |k: &str| t[k].as_str().expect(k).to_string();
    assert!(
        at("arrive").as_str() >= "08:16" && at("arrive").as_str() < "09:00",
        "{t}"
    );
    assert!(at("depart_back").as_str() <= "16:00", "{t}");
    assert!(
        at("back").as_str() >= "16:15" && at("back").as_str() < "17:00",
        "{t}"
    );
    assert!(at("leave").as_str() <= "08:00", "{t}");
    // A working day that ends before it starts is refused.
    let o = run(&[
        "network",
        "data/daishan",
        "--day-trip",
        "60",
        "--working-day",
        "18:00-07:00",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// A feed table that is a FIFO (or a device) is refused before it is opened, so the import
/// neither blocks nor reads without end: exit 2 naming it, within seconds.
#[cfg(unix)]
#[test]
fn a_fifo_in_the_feed_is_refused_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write_feed(dir.path(), |_, t| t.to_string());
    std::fs::remove_file(feed.join("stops.txt")).expect("rm");
    let fifo = feed.join("stops.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let mut child = std::process::Command::new(BIN)
        .args(["import", "gtfs"])
        .arg(&feed)
        .args(["--data", "data/daishan", "-o"])
        .arg(dir.path().join("out"))
        .current_dir(ROOT)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("the import blocked on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(
        err.contains("stops.txt") && err.contains("not a regular file"),
        "{err}"
    );
}

/// `roving.csv` in the plan folder: each small island a roving team could visit, what serves it
/// and the day trip from its leader by the real timetable. With the hand-written feed the team
/// would land on Dajiao off the 14:00 boat and find no boat back in the working day (07:00 to
/// 17:00, `day_minutes = 600`): impossible, the row says why. With the morning and afternoon
/// boats added the trip fits: out at 08:00 (on Dajiao 08:16 or a little later), back on the
/// 16:00 boat, the times read off the feed written here.
#[test]
fn the_plan_prints_each_small_islands_day_trip_by_the_timetable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = Path::new(ROOT).join("data/daishan/scenario-2024.toml");
    let dajiao = |feed: &Path, name: &str| {
        let data = dir.path().join(format!("{name}-data"));
        ok(import(feed, &data));
        let plan = dir.path().join(format!("{name}-plan"));
        plan_checked(&data, &scenario, &plan, &[]);
        let mut r = csv::Reader::from_path(plan.join("roving.csv")).expect("roving.csv");
        let header: Vec<String> = r
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(header, archiplan::report::roving::HEADER);
        let rows: Vec<std::collections::HashMap<String, String>> =
            r.deserialize().collect::<Result<_, _>>().expect("rows");
        rows.into_iter()
            .find(|row| row["service"] == "clinic" && row["island"] == "dajiao")
            .expect("a clinic row for Dajiao")
    };
    // The bundled data has no timetable: the headway model's expected waits, as planned.
    let plan = dir.path().join("headway-plan");
    plan_checked(&Path::new(ROOT).join("data/daishan"), &scenario, &plan, &[]);
    let text = std::fs::read_to_string(plan.join("roving.csv")).expect("roving.csv");
    let line = text
        .lines()
        .find(|l| l.starts_with("clinic,dajiao,"))
        .expect("a clinic row for Dajiao");
    assert!(line.contains(",headway,false,"), "{line}");
    assert!(line.contains("working day"), "{line}");

    let feed = write_feed(&dir.path().join("one"), |_, t| t.to_string());
    let row = dajiao(&feed, "one");
    assert_eq!(row["timetable"], "clock", "{row:?}");
    assert_eq!(row["possible"], "false", "{row:?}");
    assert!(row["reason"].contains("arrives 14:"), "{row:?}");
    assert!(row["reason"].contains("no sailing back"), "{row:?}");
    assert_eq!(row["leave"], "", "{row:?}");

    let feed = write_feed(&dir.path().join("two"), |name, t| match name {
        "trips.txt" => format!("{t}gaoting_dajiao,daily,out8\ngaoting_dajiao,daily,back16\n"),
        "stop_times.txt" => format!(
            "{t}out8,08:00:00,08:00:00,gaoting,1\nout8,08:16:00,08:16:00,DJ,2\n\
             back16,16:00:00,16:00:00,DJ,1\nback16,16:15:00,16:15:00,gaoting,2\n"
        ),
        _ => t.to_string(),
    });
    let row = dajiao(&feed, "two");
    assert_eq!(row["possible"], "true", "{row:?}");
    assert_eq!(row["reason"], "", "{row:?}");
    let at = |k: &str| row[k].clone();
    assert!(
        at("leave").as_str() >= "07:00" && at("leave").as_str() <= "08:00",
        "{row:?}"
    );
    assert!(
        at("arrive").as_str() >= "08:16" && at("arrive").as_str() < "09:00",
        "{row:?}"
    );
    assert!(at("depart_back").as_str() <= "16:00", "{row:?}");
    assert!(
        at("back").as_str() >= "16:15" && at("back").as_str() <= "17:00",
        "{row:?}"
    );
    let onsite: f64 = row["onsite_minutes"].parse().expect("minutes");
    let needed: f64 = row["needed_onsite_minutes"].parse().expect("minutes");
    assert!(onsite >= needed && needed > 0.0, "{row:?}");
}

#[test]
fn a_timetable_keeps_a_csv_settlements_table_and_refuses_a_geopackage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    copy_fixture("../../data/daishan", &data);
    // Settlements as a table: id, name, lon, lat, island, population.
    let mut table = String::from("id,name,lon,lat,island,population,children,elderly\n");
    for f in features(&data.join("settlements.geojson")) {
        let (p, c) = (&f["properties"], &f["geometry"]["coordinates"]);
        table += &format!(
            "{},{},{},{},{},{},{},{}\n",
            p["id"].as_str().expect("id"),
            p["name"].as_str().expect("name").replace(',', " "),
            c[0],
            c[1],
            p["island"].as_str().expect("island"),
            p["population"],
            p["children"],
            p["elderly"]
        );
    }
    std::fs::write(data.join("settlements.csv"), table).expect("csv");
    std::fs::remove_file(data.join("settlements.geojson")).expect("rm");
    let out = dir.path().join("timed");
    let o = run(&[
        "import",
        "gtfs",
        &format!("{ROOT}/data/daishan-gtfs"),
        "--data",
        data.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("settlements.csv").is_file() && !out.join("settlements.geojson").exists());
    let v = json_of(&run(&["validate", out.to_str().expect("utf-8"), "--json"]));
    assert_eq!(
        (v["ok"].as_bool(), v["population"].as_u64()),
        (Some(true), Some(207_982)),
        "{v}"
    );

    // A GeoPackage is no folder to lay a timetable onto: refused (exit 2, nothing written).
    let gpkg = dir.path().join("d.gpkg");
    std::fs::write(&gpkg, b"not a database").expect("write");
    let o = run(&[
        "import",
        "gtfs",
        &format!("{ROOT}/data/daishan-gtfs"),
        "--data",
        gpkg.to_str().expect("utf-8"),
        "-o",
        dir.path().join("x").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("d.gpkg"), "{err}");
    assert!(!dir.path().join("x").exists());
}
