//! `include/nats_rs.h` (through `nats.h`) compiles cleanly as C99 and C11
//! with gcc and clang under `-Wall -Wextra -Wpedantic -Werror`, and as
//! C++11 and C++17; a C++17 program using it runs against a real server.
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
    (void) cfg; (void) list; (void) cs;
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
