//! `include/nats_rs.h` (through `nats.h`) compiles cleanly as C99 and C11
//! with gcc and clang under `-Wall -Wextra -Wpedantic -Werror`, and as
//! C++11 and C++17; a C++17 program using it runs against a real server;
//! and it is what cbindgen generates from the crate as it is now.
mod support;

use std::path::Path;
use std::process::Command;

use support::{cdylib_dir, manifest_dir, unique_temp_dir, NatsServer};

const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/// A translation unit touching the header's types, enums and macros.
const TU: &str = r#"#include <nats.h>
#include <nats_rs.h>
int main(void)
{
    natsStatus       s = NATS_OK;
    natsConnStatus   cs = NATS_CONN_STATUS_CONNECTED;
    natsClientConfig cfg;
    natsMsgList      list;
    jsOptions        jo;
    jsStreamConfig   sc;
    jsErrCode        jerr = JSStreamNotFoundErr;
    jo.PublishAsync.MaxPending = 1; jo.Stream.Purge.Keep = 1; sc.Retention = js_WorkQueuePolicy;
    (void) cfg; (void) list; (void) cs; (void) jo; (void) sc; (void) jerr;
    (void) NATS_VERSION_NUMBER; (void) NATS_DEFAULT_URL; (void) NATS_VERSION_STRING;
    return (int) s;
}
"#;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn require(tool: &str) {
    assert!(
        have(tool),
        "{tool} not found: `make deps` installs it (Debian package clang / g++)"
    );
}

/// Compiles `src` (syntax only) with `compiler` in `lang` at `std`.
fn syntax_check(compiler: &str, lang: &str, std: &str, src: &Path) {
    require(compiler);
    let out = Command::new(compiler)
        .args(["-x", lang, &format!("-std={std}"), "-fsyntax-only"])
        .args(WARNINGS)
        .arg(format!("-I{}", manifest_dir().join("include").display()))
        .arg(src)
        .output()
        .unwrap_or_else(|e| panic!("run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} -std={std} rejects the header:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The header build.rs would write for the crate as it is now (the same
/// generation as build.rs: cbindgen.toml over the whole crate).
fn fresh_header() -> Vec<u8> {
    let dir = manifest_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("read cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen: {e}"));
    let mut text = Vec::new();
    bindings.write(&mut text);
    text
}

/// A stale header is one build.rs did not regenerate (it did not rerun for
/// a change somewhere in src/) or one edited by hand; either way C programs
/// would compile against declarations the library does not have.
#[test]
fn header_matches_a_fresh_generation() {
    let path = manifest_dir().join("include").join("nats_rs.h");
    let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let fresh = fresh_header();
    if on_disk != fresh {
        let (old, new) = (
            String::from_utf8_lossy(&on_disk),
            String::from_utf8_lossy(&fresh),
        );
        let first = old
            .lines()
            .zip(new.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| old.lines().count().min(new.lines().count()));
        panic!(
            "include/nats_rs.h is stale: line {} is {:?}, cbindgen now generates {:?}",
            first + 1,
            old.lines().nth(first).unwrap_or("<end of file>"),
            new.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn c99_and_c11_with_gcc_and_clang() {
    let dir = unique_temp_dir("header-c");
    let src = dir.join("tu.c");
    std::fs::write(&src, TU).unwrap();
    for compiler in ["gcc", "clang"] {
        for std in ["c99", "c11"] {
            syntax_check(compiler, "c", std, &src);
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cxx11_and_cxx17_with_gxx_and_clangxx() {
    let dir = unique_temp_dir("header-cxx");
    let src = dir.join("tu.cpp");
    std::fs::write(&src, TU).unwrap();
    for compiler in ["g++", "clang++"] {
        for std in ["c++11", "c++17"] {
            syntax_check(compiler, "c++", std, &src);
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cxx_program_runs() {
    let server = NatsServer::start();
    let dir = unique_temp_dir("cxx-run");
    let lib = cdylib_dir();
    for (compiler, std) in [("g++", "c++17"), ("clang++", "c++11")] {
        require(compiler);
        let exe = dir.join(format!("pubsub-{compiler}"));
        let out = Command::new(compiler)
            .arg(format!("-std={std}"))
            .args(WARNINGS)
            .arg(format!("-I{}", manifest_dir().join("include").display()))
            .arg(manifest_dir().join("tests/cpp/pubsub.cpp"))
            .arg("-o")
            .arg(&exe)
            .arg(format!("-L{}", lib.display()))
            .arg("-lnats_rs")
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lpthread")
            .output()
            .unwrap_or_else(|e| panic!("run {compiler}: {e}"));
        assert!(
            out.status.success(),
            "{compiler} failed on tests/cpp/pubsub.cpp:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let run = Command::new(&exe)
            .arg(server.url())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
        assert!(
            run.status.success(),
            "C++ program ({compiler}) failed:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Each function declared in the header, with the doc block above it.
fn documented_functions(header: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut doc = String::new();
    let mut lines = header.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("/**") {
            doc.clear();
            let mut l = t;
            loop {
                doc.push_str(l);
                doc.push('\n');
                if l.contains("*/") {
                    break;
                }
                match lines.next() {
                    Some(next) => l = next.trim_start(),
                    None => break,
                }
            }
        } else if t.starts_with("NATS_EXTERN") {
            let mut proto = t.to_string();
            while !proto.contains(';') {
                match lines.next() {
                    Some(next) => proto.push_str(next.trim()),
                    None => break,
                }
            }
            let name = proto
                .split('(')
                .next()
                .and_then(|head| head.split_whitespace().last())
                .unwrap_or_default()
                .trim_start_matches('*')
                .to_string();
            out.push((name, proto, std::mem::take(&mut doc)));
        } else if !t.is_empty() {
            doc.clear();
        }
    }
    out
}

/// The header documents every function, and a function that hands out an
/// object or `malloc`ed memory through an out-parameter says how to free it.
#[test]
fn every_function_says_how_to_free_what_it_returns() {
    let header = std::fs::read_to_string(manifest_dir().join("include/nats_rs.h"))
        .expect("read include/nats_rs.h");
    let funcs = documented_functions(&header);
    assert!(funcs.len() > 100, "parsed only {} functions", funcs.len());
    let owned = [
        ("struct natsConnection **", "natsConnection_Destroy"),
        ("struct natsSubscription **", "natsSubscription_Destroy"),
        ("struct natsMsg **", "natsMsg_Destroy"),
        ("struct natsOptions **", "natsOptions_Destroy"),
        ("struct natsHeader **", "natsHeader_Destroy"),
        ("struct natsStatistics **", "natsStatistics_Destroy"),
        ("natsInbox **", "natsInbox_Destroy"),
    ];
    let mut problems = Vec::new();
    for (name, proto, doc) in &funcs {
        if doc.trim().is_empty() {
            problems.push(format!("{name}: no doc comment"));
            continue;
        }
        for (ty, destroy) in owned {
            if proto.contains(ty) && !doc.contains(destroy) {
                problems.push(format!(
                    "{name}: hands out `{ty}` but never names {destroy}"
                ));
            }
        }
        // A non-const `char **` (or deeper) out-parameter is malloc'ed memory.
        let mallocs = proto
            .split([',', '('])
            .any(|p| p.contains("char **") && !p.contains("const char **"))
            || proto.contains("char ***");
        if mallocs && !doc.contains("free()") {
            problems.push(format!(
                "{name}: returns malloc'ed memory but never says free()"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "header documentation gaps:\n{}",
        problems.join("\n")
    );
}
