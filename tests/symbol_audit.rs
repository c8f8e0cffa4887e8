//! Every symbol `libnats_rs.so` exports belongs to nats.c's API (3.14) or
//! to a documented extension, is declared in our header, and nothing of
//! Rust's internals leaks out. Prints the coverage of nats.c's API per area.
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::process::Command;

/// Exported functions that are not in nats.c's API, each documented in the
/// header and the README. None so far.
const EXTENSIONS: &[&str] = &[];

/// nats.c API entries that nats.h provides as macros rather than functions.
const MACROS: &[&str] = &["nats_CheckCompatibility", "microError_Ignore"];

/// Exported variables of nats.c's API (the services API's static errors),
/// declared `extern` in the header.
const DATA: &[&str] = &["micro_ErrorOutOfMemory", "micro_ErrorInvalidArg"];

/// (area, function) pairs of nats.c 3.14's `nats.h` (a copy of the
/// project's API list).
fn api() -> Vec<(String, String)> {
    let path = support::manifest_dir().join("tests/data/nats-c-3.14-functions.tsv");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_string(), f.next()?.trim().to_string()))
        })
        .collect()
}

/// Dynamic symbols `libnats_rs.so` defines, with their nm type letter.
fn exports() -> Vec<(char, String)> {
    let lib = support::cdylib_dir().join("libnats_rs.so");
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .unwrap_or_else(|e| panic!("run nm on {}: {e} (binutils)", lib.display()));
    assert!(out.status.success(), "nm failed on {}", lib.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().rev();
            let name = f.next()?.to_string();
            let kind = f.next()?.chars().next()?;
            Some((kind, name))
        })
        .collect()
}

#[test]
fn exports_are_nats_c_api_and_declared() {
    let api = api();
    let known: BTreeSet<&str> = api
        .iter()
        .map(|(_, n)| n.as_str())
        .chain(EXTENSIONS.iter().copied())
        .collect();
    let header = fs::read_to_string(support::manifest_dir().join("include/nats_rs.h"))
        .expect("read include/nats_rs.h");
    let exported = exports();
    assert!(!exported.is_empty(), "no exported symbols found");

    let mut strays = Vec::new();
    let mut undeclared = Vec::new();
    for (kind, name) in &exported {
        if DATA.contains(&name.as_str()) {
            if !header.contains(&format!("*{name};")) {
                undeclared.push(name.clone());
            }
        } else if !known.contains(name.as_str()) {
            strays.push(format!("{kind} {name}"));
        } else if !header.contains(&format!("{name}(")) {
            undeclared.push(name.clone());
        }
    }
    assert!(
        strays.is_empty(),
        "exported but neither nats.c API nor a documented extension \
         (Rust internals leaking, or a new extension to document): {strays:?}"
    );
    assert!(
        undeclared.is_empty(),
        "exported but not in the header: {undeclared:?}"
    );
    for m in MACROS {
        assert!(
            header.contains(&format!("#define {m}(")),
            "{m} should be a macro in the header"
        );
    }
}

#[test]
fn coverage_per_area() {
    let have: BTreeSet<String> = exports()
        .into_iter()
        .map(|(_, n)| n)
        .chain(MACROS.iter().map(|m| m.to_string()))
        .collect();
    let mut areas: BTreeMap<String, (usize, usize, Vec<String>)> = BTreeMap::new();
    for (area, name) in api() {
        let e = areas.entry(area).or_default();
        e.1 += 1;
        if have.contains(&name) {
            e.0 += 1;
        } else {
            e.2.push(name);
        }
    }
    println!("nats.c 3.14 API implemented by libnats_rs:");
    println!("{:<24} {:>5} {:>5} {:>6}", "area", "have", "total", "share");
    for (area, (n, total, _)) in &areas {
        println!(
            "{area:<24} {n:>5} {total:>5} {:>5.0}%",
            100.0 * *n as f64 / *total as f64
        );
    }
    // Core is complete and must stay so.
    let (_, _, missing) = &areas["core"];
    assert!(missing.is_empty(), "core functions missing: {missing:?}");
}
