//! "Nothing lost, nothing outside": archiplan deletes and overwrites only what it wrote
//! itself, never an input, and merges only complete shards of one sweep. Each test is one
//! reproduction of the issue, run on copies of the bundled data; every plan made here is
//! audited (`--check`).

mod common;
use common::{BIN, ROOT, ok, run, small_sweep};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A copy of a folder tree (regular files and folders).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("list") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// Every file under `dir` with its bytes, sorted: a snapshot to compare before and after.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).expect("prefix").to_path_buf();
                out.push((rel, std::fs::read(e.path()).expect("read")));
            }
        }
    }
    out.sort();
    out
}

fn daishan_copy(root: &Path) -> PathBuf {
    let data = root.join("data");
    copy_tree(&Path::new(ROOT).join("data/daishan"), &data);
    data
}

/// Exit 2 with a message naming `what`.
fn refused(o: &Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "expected exit 2: {err}");
    assert!(err.contains(what), "the message names `{what}`: {err}");
}

/// `archiplan plan` of the 2024 scenario of `data` into `out` (not yet run).
fn plan_cmd(data: &Path, out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("plan")
        .arg(data)
        .arg("--scenario")
        .arg(data.join("scenario-2024.toml"))
        .arg("-o")
        .arg(out)
        .arg("--quiet")
        .current_dir(ROOT);
    c
}

/// Plans and audits (`--check`).
fn plan(data: &Path, out: &Path) -> Output {
    plan_cmd(data, out).arg("--check").output().expect("run")
}

#[test]
fn plan_never_replaces_a_folder_it_did_not_write() {
    // Reproduction 1: a folder that merely holds a `summary.json`.
    let root = tempfile::tempdir().expect("tempdir");
    let data = daishan_copy(root.path());
    let proj = root.path().join("proj");
    std::fs::create_dir(&proj).expect("mkdir");
    std::fs::write(proj.join("summary.json"), "{}").expect("write");
    std::fs::write(proj.join("thesis.tex"), "thesis").expect("write");
    let before = snapshot(&proj);
    refused(&plan(&data, &proj), "thesis.tex");
    assert_eq!(snapshot(&proj), before, "the user's folder is untouched");

    // A plan folder archiplan wrote is replaced; one the user added a file to is not.
    let out = root.path().join("out");
    ok(plan(&data, &out));
    ok(plan(&data, &out));
    std::fs::write(out.join("notes.md"), "mine").expect("write");
    let before = snapshot(&out);
    refused(&plan(&data, &out), "notes.md");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn plan_never_writes_over_or_around_its_inputs() {
    // Reproduction 2: the output is a parent of the data, or the data folder itself.
    let root = tempfile::tempdir().expect("tempdir");
    let t = root.path().join("t");
    let data = daishan_copy(&t);
    std::fs::write(t.join("summary.json"), "{}").expect("write");
    let before = snapshot(&t);
    refused(&plan(&data, &t), "contains the input");
    assert_eq!(snapshot(&t), before, "the data folder is untouched");

    std::fs::write(data.join("summary.json"), "{}").expect("write");
    let before = snapshot(&t);
    refused(&plan(&data, &data), "is the input");
    // Through `..` and a symbolic link too.
    refused(&plan(&data, &data.join("../data")), "input");
    #[cfg(unix)]
    {
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&t, &link).expect("symlink");
        refused(&plan(&data, &link), "input");
    }
    assert_eq!(snapshot(&t), before);
}

#[test]
fn network_geojson_never_replaces_an_input_or_a_foreign_file() {
    // Reproduction 3.
    let root = tempfile::tempdir().expect("tempdir");
    let t = daishan_copy(root.path());
    let before = snapshot(&t);
    for (file, named) in [
        ("ferries.geojson", "layer"),
        ("islands.geojson", "layer"),
        ("scenario-2024.toml", "--force"),
        ("README.md", "--force"),
    ] {
        let o = run(&["network", s(&t), "--geojson", s(&t.join(file))]);
        refused(&o, named);
        // --force never reaches an input layer.
        if named == "layer" {
            let o = run(&["network", s(&t), "--geojson", s(&t.join(file)), "--force"]);
            refused(&o, "layer");
        }
    }
    assert_eq!(snapshot(&t), before, "every input is byte-identical");
    ok(run(&["validate", s(&t)]));

    // Its own earlier output is replaced; a foreign file only with --force.
    let net = root.path().join("network.geojson");
    ok(run(&["network", s(&t), "--geojson", s(&net)]));
    ok(run(&["network", s(&t), "--geojson", s(&net)]));
    let mine = root.path().join("mine.geojson");
    std::fs::write(&mine, "{}").expect("write");
    refused(
        &run(&["network", s(&t), "--geojson", s(&mine)]),
        "mine.geojson",
    );
    assert_eq!(std::fs::read(&mine).expect("read"), b"{}");
    ok(run(&["network", s(&t), "--geojson", s(&mine), "--force"]));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&mine).expect("read")).expect("GeoJSON");
    assert_eq!(written["type"], "FeatureCollection");
}

#[test]
fn report_and_render_never_write_into_a_plan_or_over_an_input() {
    // Reproduction 4.
    let root = tempfile::tempdir().expect("tempdir");
    let data = daishan_copy(root.path());
    let out = root.path().join("plan");
    ok(plan(&data, &out));
    let plan_before = snapshot(&out);
    let data_before = snapshot(&data);
    for target in [out.join("summary.json"), out.join("facilities.geojson")] {
        refused(
            &run(&["report", s(&out), "-o", s(&target), "--force"]),
            "belongs to",
        );
    }
    refused(
        &run(&[
            "report",
            s(&out),
            "-o",
            s(&data.join("settlements.geojson")),
        ]),
        "layer",
    );
    refused(
        &run(&["report", s(&out), "-o", s(&data.join("scenario-2024.toml"))]),
        "scenario-2024.toml",
    );
    refused(&run(&["report", s(&out), "-o", s(&out)]), "input");
    // render writes only pictures, under the same rule.
    let pic = root.path().join("holiday.png");
    std::fs::write(&pic, b"\x89PNG not ours").expect("write");
    refused(&run(&["render", s(&out), "-o", s(&pic)]), "holiday.png");
    assert_eq!(std::fs::read(&pic).expect("read"), b"\x89PNG not ours");
    assert_eq!(snapshot(&out), plan_before, "the plan folder is untouched");
    assert_eq!(snapshot(&data), data_before, "the inputs are untouched");
    ok(run(&[
        "check",
        s(&data),
        s(&out),
        "--scenario",
        s(&data.join("scenario-2024.toml")),
    ]));

    // Their own outputs are replaced on a second run (they carry archiplan's marker).
    for name in ["map.png", "map.svg", "report.html"] {
        let target = root.path().join(name);
        let cmd = if name.ends_with("html") {
            "report"
        } else {
            "render"
        };
        ok(run(&[cmd, s(&out), "-o", s(&target)]));
        ok(run(&[cmd, s(&out), "-o", s(&target)]));
    }
    // A picture is still a valid PNG with the marker in a text chunk.
    let png = std::fs::read(root.path().join("map.png")).expect("png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.windows(4).any(|w| w == b"tEXt"));
    // scenario init replaces nothing without --force.
    let sc = root.path().join("mine.toml");
    std::fs::write(&sc, "# my scenario").expect("write");
    refused(&run(&["scenario", "init", "-o", s(&sc)]), "--force");
    assert_eq!(std::fs::read(&sc).expect("read"), b"# my scenario");
    refused(
        &run(&[
            "scenario",
            "init",
            "-o",
            s(&data.join("islands.geojson")),
            "--force",
        ]),
        "layer",
    );
}

fn sweep(data: &Path, sweep: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--check",
        s(data),
        "--sweep",
        s(sweep),
        "-o",
        s(out),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn merge(dirs: &[&Path], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| s(d)));
    args.extend(["-o", s(out)]);
    run(&args)
}

/// The ids of a sweep folder's scenario folders.
fn ids(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("scenarios"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn merge_trusts_no_id_it_reads_and_leaves_no_partial_output() {
    // Reproduction 5.
    let root = tempfile::tempdir().expect("tempdir");
    let sw = small_sweep(root.path());
    let data = Path::new(ROOT).join("data/daishan");
    let a = root.path().join("a");
    let (s1, s2) = (a.join("S1"), a.join("S2"));
    ok(sweep(&data, &sw, &s1, &["--shard", "1/2"]));
    ok(sweep(&data, &sw, &s2, &["--shard", "2/2"]));
    let id = ids(&s2)[0].clone();
    let row_path = s2.join("scenarios").join(&id).join("row.json");
    let row = std::fs::read_to_string(&row_path).expect("row");
    let tampered = row.replacen(
        &format!("\"id\": \"{id}\""),
        "\"id\": \"../../../payload\"",
        1,
    );
    assert_ne!(row, tampered, "the id was replaced");
    std::fs::write(&row_path, tampered).expect("write");
    let payload = root.path().join("payload");
    std::fs::create_dir(&payload).expect("mkdir");
    std::fs::write(root.path().join("beside.txt"), "x").expect("write");
    let outside = snapshot(root.path().join("payload").as_path());
    let m = root.path().join("M");
    refused(&merge(&[&s1, &s2], &m), "payload");
    assert!(!m.exists(), "no output folder is left");
    assert_eq!(snapshot(&payload), outside, "nothing was written outside");
    assert!(
        std::fs::read_dir(root.path())
            .expect("list")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with(".M")),
        "no temporary folder is left"
    );
    std::fs::write(&row_path, row).expect("restore");

    // A missing source: exit 2, no partial output.
    refused(&merge(&[&s1, &root.path().join("nowhere")], &m), "nowhere");
    assert!(!m.exists());

    // An id in the manifest that is not a plain name is refused too.
    let s3 = root.path().join("S3");
    copy_tree(&s2, &s3);
    let man = std::fs::read_to_string(s3.join("sweep.json")).expect("manifest");
    std::fs::write(
        s3.join("sweep.json"),
        man.replacen(&format!("\"id\": \"{id}\""), "\"id\": \"../evil\"", 1),
    )
    .expect("write");
    refused(&merge(&[&s1, &s3], &m), "evil");
    assert!(!m.exists());

    // The intact shards merge.
    ok(merge(&[&s1, &s2], &m));
    assert_eq!(ids(&m).len(), 6);
    ok(run(&["check", s(&data), s(&m)]));
}

#[test]
fn merge_refuses_shards_of_other_inputs_missing_or_given_twice() {
    // Reproduction 6.
    let root = tempfile::tempdir().expect("tempdir");
    let sw = small_sweep(root.path());
    let data = daishan_copy(root.path());
    let (s1, s2) = (root.path().join("S1"), root.path().join("S2"));
    ok(sweep(&data, &sw, &s1, &["--shard", "1/2"]));
    ok(sweep(&data, &sw, &s2, &["--shard", "2/2"]));
    let m = root.path().join("M");

    // One shard of two.
    refused(&merge(&[&s1], &m), "shard 2/2 missing");
    assert!(!m.exists());
    // The same shard twice (two copies of it).
    let s1b = root.path().join("S1b");
    copy_tree(&s1, &s1b);
    refused(&merge(&[&s1, &s1b, &s2], &m), "in both");
    assert!(!m.exists());

    // A shard made from other data: one population changed.
    let other = root.path().join("other");
    copy_tree(&data, &other);
    let text = std::fs::read_to_string(other.join("settlements.geojson")).expect("layer");
    let pos = text.find("\"population\":").expect("population") + "\"population\":".len();
    let changed = format!("{}1{}", &text[..pos], &text[pos..].trim_start());
    std::fs::write(other.join("settlements.geojson"), changed).expect("write");
    let s2o = root.path().join("S2o");
    ok(sweep(&other, &sw, &s2o, &["--shard", "2/2"]));
    refused(&merge(&[&s1, &s2o], &m), "settlements.geojson");
    assert!(!m.exists());

    // A shard made from another base scenario (a school costs more).
    let sw2dir = root.path().join("sw2");
    std::fs::create_dir(&sw2dir).expect("mkdir");
    let sw2 = small_sweep(&sw2dir);
    let sc = std::fs::read_to_string(sw2dir.join("scenario-2024.toml")).expect("scenario");
    let edited = sc.replacen("annual_cost = 800_000", "annual_cost = 900_000", 1);
    assert!(sc != edited, "the school cost is in the scenario");
    std::fs::write(sw2dir.join("scenario-2024.toml"), edited).expect("write");
    let s2s = root.path().join("S2s");
    ok(sweep(&data, &sw2, &s2s, &["--shard", "2/2"]));
    refused(&merge(&[&s1, &s2s], &m), "scenario-2024.toml");
    assert!(!m.exists());

    // An unfinished shard: one of its scenario folders removed.
    let s2u = root.path().join("S2u");
    copy_tree(&s2, &s2u);
    std::fs::remove_dir_all(s2u.join("scenarios").join(&ids(&s2u)[0])).expect("rm");
    refused(&merge(&[&s1, &s2u], &m), "unfinished");
    assert!(!m.exists());

    ok(merge(&[&s1, &s2], &m));
}

#[test]
fn the_bundled_relocation_sweep_in_two_shards_merges_to_the_unsharded_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = Path::new(ROOT).join("data/daishan");
    let sw = data.join("sweep-relocation.toml");
    let whole = root.path().join("whole");
    let (s1, s2) = (root.path().join("S1"), root.path().join("S2"));
    ok(sweep(&data, &sw, &whole, &[]));
    ok(sweep(&data, &sw, &s1, &["--shard", "1/2"]));
    ok(sweep(&data, &sw, &s2, &["--shard", "2/2"]));
    let m = root.path().join("M");
    ok(merge(&[&s1, &s2], &m));
    for f in ["results.csv", "results.json"] {
        assert_eq!(
            std::fs::read(whole.join(f)).expect("whole"),
            std::fs::read(m.join(f)).expect("merged"),
            "{f}"
        );
    }
    let strip = |v: Vec<(PathBuf, Vec<u8>)>| -> Vec<(PathBuf, Vec<u8>)> {
        v.into_iter()
            .filter(|(p, _)| {
                !p.ends_with("timing.json")
                    && !p.ends_with("timings.csv")
                    && !p.ends_with("sweep.json")
            })
            .collect()
    };
    assert_eq!(
        strip(snapshot(&whole)),
        strip(snapshot(&m)),
        "every scenario file"
    );
    // Merging into the first shard replaces it whole with the merged sweep.
    ok(run(&["merge", s(&s1), s(&s2)]));
    assert_eq!(strip(snapshot(&s1)), strip(snapshot(&m)));
    ok(run(&["check", s(&data), s(&m)]));
}

/// Plans `out` with the fault hook armed at `steps`; the process is killed there.
fn plan_killed(data: &Path, out: &Path, steps: &str) -> Output {
    plan_cmd(data, out)
        .env("ARCHIPLAN_FAULT", steps)
        .output()
        .expect("run")
}

#[test]
fn a_killed_plan_leaves_the_old_or_the_new_folder_and_the_next_run_cleans_up() {
    // Reproduction 7: kill -9 at every step of the swap, both with the kernel's exchange and
    // with the two-rename fallback.
    let root = tempfile::tempdir().expect("tempdir");
    let data = daishan_copy(root.path());
    let out = root.path().join("X");
    ok(plan(&data, &out));
    let whole = snapshot(&out);
    let listing = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    for steps in [
        "writing",
        "filled",
        "before-swap",
        "after-swap",
        "cleanup",
        "no-exchange,old-moved",
        "no-exchange,after-swap",
        "no-exchange,cleanup",
    ] {
        let o = plan_killed(&data, &out, steps);
        assert_ne!(o.status.code(), Some(0), "{steps}: the hook kills the run");
        // The folder is the whole old plan or the whole new one (same inputs: same bytes),
        // or, where the old one was moved aside, absent until the next run restores it.
        if out.exists() {
            assert_eq!(snapshot(&out), whole, "{steps}: a whole plan");
        } else {
            assert!(steps.contains("old-moved"), "{steps}: the plan vanished");
        }
        // The next run cleans up every leftover of the killed one.
        ok(plan(&data, &out));
        assert_eq!(snapshot(&out), whole, "{steps}");
        assert_eq!(listing(), ["X", "data"], "{steps}: leftovers");
    }
}
