//! The architecture, checked from the source: no module imports one that imports it back,
//! between top-level modules (layers, network, model, solve, plan, report, ...) and between
//! files. Imports are read from `use` items and inline `crate::`/`super::` paths of every file
//! under `src/` (the binary's `main.rs` aside); a module's own children do not count as
//! importing it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/plan/service.rs` -> ["plan", "service"]; `src/plan/mod.rs` -> ["plan"].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

/// Source text without comments and string literals (so doc text never counts as an import)
/// and without the unit-test module at the end of a file (tests may use anything).
fn code_only(text: &str) -> String {
    blank(text.split("#[cfg(test)]").next().unwrap_or(text))
}

/// Every path the code names from `crate` or `super`, as absolute segment lists. `use` items
/// with braces are expanded one level at a time.
fn paths(code: &str, me: &[String], is_mod_file: bool) -> Vec<Vec<String>> {
    // The module `super` means from this file: a mod.rs's parent is one level further up.
    let parent: Vec<String> = if is_mod_file || me.is_empty() {
        me[..me.len().saturating_sub(1)].to_vec()
    } else {
        me[..me.len() - 1].to_vec()
    };
    let mut found = Vec::new();
    let expand = |prefix: Vec<String>, tail: &str, found: &mut Vec<Vec<String>>| {
        let mut stack = vec![(prefix, tail.to_string())];
        while let Some((pre, rest)) = stack.pop() {
            let rest = rest.trim();
            if let Some(open) = rest.find('{') {
                let head: Vec<String> = rest[..open]
                    .split("::")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let close = rest.rfind('}').unwrap_or(rest.len());
                let inner = &rest[open + 1..close];
                let mut depth = 0;
                let mut start = 0;
                let mut items = Vec::new();
                for (k, ch) in inner.char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(&inner[start..k]);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                items.push(&inner[start..]);
                for item in items {
                    let mut p = pre.clone();
                    p.extend(head.iter().cloned());
                    stack.push((p, item.to_string()));
                }
            } else {
                let mut p = pre.clone();
                p.extend(
                    rest.split(" as ")
                        .next()
                        .unwrap_or("")
                        .split("::")
                        .map(str::trim)
                        .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
                        .map(str::to_string),
                );
                found.push(p);
            }
        }
    };
    // `use` items.
    for stmt in code.split(';') {
        let s = stmt.trim_start();
        let s = s.strip_prefix("pub(crate) ").unwrap_or(s);
        let s = s.strip_prefix("pub ").unwrap_or(s);
        let Some(body) = s.strip_prefix("use ") else {
            continue;
        };
        if let Some(rest) = body.strip_prefix("crate::") {
            expand(Vec::new(), rest, &mut found);
        } else if let Some(rest) = body.strip_prefix("super::") {
            expand(parent.clone(), rest, &mut found);
        } else if body.starts_with('{') {
            // use {crate::a, super::b}: rare, not used here.
        }
    }
    // Inline paths: crate::a::b... and super::a...
    for (key, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
        let mut at = 0;
        while let Some(k) = code[at..].find(key) {
            let start = at + k;
            let before = code[..start].chars().last();
            at = start + key.len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut p = base.clone();
            p.extend(
                tail.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            found.push(p);
        }
    }
    found
}

struct Graph {
    /// Module (as "a::b") -> modules it imports.
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph(depth: Option<usize>) -> Graph {
    let src = Path::new(ROOT).join("src");
    let mut list = Vec::new();
    files(&src, &mut list);
    // The binary (main.rs and its private cli/ modules) is a crate of its own.
    list.retain(|f| !f.ends_with("main.rs") && !f.components().any(|c| c.as_os_str() == "cli"));
    let modules: BTreeSet<Vec<String>> = list.iter().map(|f| module_of(&src, f)).collect();
    let cut = |m: &[String]| -> Vec<String> {
        match depth {
            Some(d) => m[..m.len().min(d)].to_vec(),
            None => m.to_vec(),
        }
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &list {
        let me = module_of(&src, f);
        let text = std::fs::read_to_string(f).expect("read");
        let code = code_only(&text);
        let is_mod = f.ends_with("mod.rs") || f.ends_with("lib.rs");
        for p in paths(&code, &me, is_mod) {
            // The longest known module the path starts with.
            let target = (0..=p.len())
                .rev()
                .map(|n| p[..n].to_vec())
                .find(|m| modules.contains(m));
            let Some(target) = target else { continue };
            let (a, b) = (cut(&me), cut(&target));
            // Self, the crate root, and a module's own descendants are not imports.
            if a == b || b.is_empty() || b.starts_with(&a) {
                continue;
            }
            edges.entry(a.join("::")).or_default().insert(b.join("::"));
        }
    }
    Graph { edges }
}

/// Every cycle's members (strongly connected components of more than one module).
fn circles(g: &Graph) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = g
        .edges
        .iter()
        .flat_map(|(a, bs)| std::iter::once(a).chain(bs))
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in g.edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reaches[n].contains(*n) {
            continue;
        }
        let comp: Vec<String> = nodes
            .iter()
            .filter(|m| reaches[n].contains(**m) && reaches[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        done.extend(comp.iter().cloned());
        out.push(comp);
    }
    out
}

fn explain(g: &Graph, comps: &[Vec<String>]) -> String {
    let mut s = String::new();
    for c in comps {
        s.push_str(&format!("\ncircle: {}", c.join(", ")));
        for a in c {
            for b in g.edges.get(a).into_iter().flatten() {
                if c.contains(b) {
                    s.push_str(&format!("\n  {a} -> {b}"));
                }
            }
        }
    }
    s
}

#[test]
fn top_level_modules_import_each_other_one_way_only() {
    let g = graph(Some(1));
    let c = circles(&g);
    assert!(c.is_empty(), "{}", explain(&g, &c));
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let g = graph(None);
    let c = circles(&g);
    assert!(c.is_empty(), "{}", explain(&g, &c));
}

/// Comments and string literals blanked, line breaks kept (so line numbers stay true).
fn blank(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if b[i..].starts_with(b"r#\"") {
            // A raw string: to its `"#`, line breaks kept.
            i += 3;
            while i < b.len() && !b[i..].starts_with(b"\"#") {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if b.get(i) == Some(&b'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal such as '{' (lifetimes have no closing quote two bytes on).
            i += 3;
            out.push_str("' '");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Functions (and their first lines) longer than `max` lines, body braces included.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let code = blank(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(k) = t.find("fn ") else { continue };
        let head = &t[..k];
        if !(head.is_empty()
            || head.ends_with(' ')
                && head.split_whitespace().all(|w| {
                    w.starts_with("pub") || ["const", "async", "unsafe", "extern"].contains(&w)
                }))
        {
            continue;
        }
        let name: String = t[k + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0i64;
        let mut opened = false;
        let mut end = None;
        'scan: for (j, l) in lines.iter().enumerate().skip(start) {
            for ch in l.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break 'scan,
                    _ => {}
                }
                if opened && depth == 0 {
                    end = Some(j);
                    break 'scan;
                }
            }
        }
        if let Some(end) = end
            && end - start + 1 > max
        {
            out.push((name, start + 1, end - start + 1));
        }
    }
    out
}

/// Long functions are split along their own seams (issue "One engine"): none over 120 lines,
/// the binary's included.
#[test]
fn no_function_in_src_runs_over_120_lines() {
    let src = Path::new(ROOT).join("src");
    let mut list = Vec::new();
    files(&src, &mut list);
    let mut long = Vec::new();
    for f in &list {
        let text = std::fs::read_to_string(f).expect("read");
        for (name, line, n) in long_functions(&text, 120) {
            long.push(format!("{}:{line} {name}: {n} lines", f.display()));
        }
    }
    assert!(
        long.is_empty(),
        "functions over 120 lines:\n{}",
        long.join("\n")
    );
    // The counter itself counts: a 130-line function is found, a 100-line one is not.
    let body = |n: usize| format!("fn f() {{\n{}}}\n", "    let x = \"{{\";\n".repeat(n - 2));
    assert_eq!(long_functions(&body(130), 120).len(), 1);
    assert!(long_functions(&body(100), 120).is_empty());
}

/// `main.rs` is dispatch only: under 250 lines.
#[test]
fn main_rs_is_thin() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("src/main.rs")).expect("main.rs");
    let n = text.lines().count();
    assert!(n < 250, "src/main.rs has {n} lines");
}

/// The checker itself: it sees this crate's known one-way imports, so a circle could not
/// hide behind a parser that finds nothing.
#[test]
fn the_checker_sees_the_imports() {
    let g = graph(Some(1));
    let plan = g.edges.get("plan").expect("plan imports something");
    for m in ["network", "scenario", "layers"] {
        assert!(plan.contains(m), "plan -> {m} not seen: {plan:?}");
    }
    let audit = g.edges.get("audit").expect("audit imports something");
    assert!(
        !audit.contains("plan"),
        "the audit shares no planning code: {audit:?}"
    );
}
