//! `make install` / `make uninstall`, checked the way a user consumes them.
//!
//! Installs into a temporary prefix (the Makefile builds the release library
//! first), checks the tree and the SONAME, then builds `examples-c/publisher.c`
//! and a program that includes `<nats/nats.h>`:
//! - with `pkg-config` (`nats_rs`, and nats.c's name `libnats`), shared and
//!   static (`Libs.private`);
//! - with CMake, `find_package(cnats 3.0 REQUIRED)` and the imported targets
//!   `cnats::nats` and `cnats::nats_static`, as a project written for nats.c
//!   does;
//!
//! and runs every program against a real nats-server. A second install is
//! staged with `DESTDIR` and used from there (the CMake files are
//! relocatable); `make uninstall` must then leave no file behind.
//!
//! Needs `make`, a C compiler, `objdump` (binutils), `pkg-config` and CMake
//! (`.ci/ensure-cmake` installs one into `.venv` from PyPI). A missing tool
//! fails the test with a message instead of skipping it.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{manifest_dir, target_dir, unique_temp_dir, NatsServer};

/// A built program that runs longer than this is killed (it hangs).
const RUN_TIMEOUT: Duration = Duration::from_secs(30);
const VERSION: &str = env!("CARGO_PKG_VERSION");
const SONAME: &str = "libnats_rs.so.0";
/// Includes both spellings of nats.c's header, then connects and publishes.
const NATS_NATS_H_PROGRAM: &str = r#"#include <nats/nats.h>
#include <nats.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsStatus      s;

    s = natsConnection_ConnectTo(&nc, (argc > 1) ? argv[1] : NATS_DEFAULT_URL);
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, "install.check", "nats/nats.h");
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    natsConnection_Destroy(nc);
    nats_Close();
    if (s != NATS_OK) {
        fprintf(stderr, "nats_nats_h: %s\n", natsStatus_GetText(s));
        return 1;
    }
    printf("nats/nats.h: ok\n");
    return 0;
}
"#;

/// The CMake project of a nats.c user. `find_package` asks for 3.0 so only a
/// package with a version file (ours) can answer.
const CMAKE_LISTS: &str = r#"cmake_minimum_required(VERSION 3.16)
project(nats_rs_install_check C)
find_package(cnats 3.0 REQUIRED)
message(STATUS "install-check: cnats ${cnats_VERSION} from ${cnats_DIR}")
add_executable(pub publisher.c)
target_link_libraries(pub cnats::nats)
add_executable(pub_static publisher.c)
target_link_libraries(pub_static cnats::nats_static)
add_executable(nats_nats_h nats_nats_h.c)
target_link_libraries(nats_nats_h cnats::nats)
"#;

/// Every file and link `make install` puts under the prefix.
fn expected_files() -> Vec<String> {
    let mut v: Vec<String> = [
        "include/nats_rs/nats.h",
        "include/nats_rs/nats/nats.h",
        "include/nats_rs/nats_rs.h",
        "lib/cmake/cnats/cnats-config-version.cmake",
        "lib/cmake/cnats/cnats-config.cmake",
        "lib/libnats_rs.a",
        "lib/libnats_rs.so",
        "lib/libnats_rs.so.0",
        "lib/pkgconfig/libnats.pc",
        "lib/pkgconfig/nats_rs.pc",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("lib/libnats_rs.so.{VERSION}"));
    v.sort();
    v
}

/// Removes the work directory however the test ends.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A command that does not inherit the jobserver of an outer `make test`.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL");
    c
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion; panics with its output unless it succeeds.
fn run_ok(cmd: &mut Command) -> Output {
    let what = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{what}`: {e}"));
    if !out.status.success() {
        panic!(
            "`{what}` failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run_ok(cmd).stdout)
        .trim()
        .to_string()
}

fn make(args: &[String]) -> Output {
    let mut c = command("make");
    c.arg("--no-print-directory")
        .arg("-C")
        .arg(manifest_dir())
        // Where cargo really puts the release build (CARGO_TARGET_DIR).
        .arg(format!(
            "RELEASE_DIR={}",
            target_dir().join("release").display()
        ))
        .args(args);
    run_ok(&mut c)
}

/// Files and symlinks (not directories) under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.expect("read_dir entry");
            let p = e.path();
            let ft = e.file_type().expect("file type");
            if ft.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut v = Vec::new();
    walk(root, root, &mut v);
    v.sort();
    v
}

/// `objdump -p` lines with `key` (`SONAME`, `NEEDED`), their values.
fn dynamic_entries(file: &Path, key: &str) -> Vec<String> {
    let dump = stdout_of(command("objdump").arg("-p").arg(file));
    dump.lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .map(|v| v.trim().to_string())
        .collect()
}

/// The cmake to use: `.ci/ensure-cmake` finds one or installs it from PyPI.
fn cmake() -> PathBuf {
    let script = manifest_dir().join(".ci").join("ensure-cmake");
    let out = command(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !path.is_empty(),
        "no CMake: {} failed (needs python3 -m venv and PyPI's cmake)",
        script.display()
    );
    PathBuf::from(path)
}

fn require_tool(name: &str, hint: &str) {
    let ok = command(name)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "`{name}` is needed by the install test: {hint}");
}

fn cc() -> String {
    std::env::var("CC")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cc".to_string())
}

/// Runs a built program as `prog <url> <subject> <message> <count>` with a
/// time limit; panics unless it exits 0.
fn run_program(exe: &Path, url: &str, ld_path: Option<&Path>) {
    let mut cmd = command(exe);
    cmd.args([url, "install.check", "hello", "3"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = ld_path {
        cmd.env("LD_LIBRARY_PATH", p);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait for program");
    assert!(
        out.status.success(),
        "{} against {url}: {}\n--- stdout\n{}\n--- stderr\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_links_shared(exe: &Path) {
    let needed = dynamic_entries(exe, "NEEDED");
    assert!(
        needed.iter().any(|n| n == SONAME),
        "{} should need {SONAME}; NEEDED: {needed:?}",
        exe.display()
    );
    assert!(
        !needed.iter().any(|n| n.starts_with("libnats.")),
        "{} needs nats.c's libnats: {needed:?}",
        exe.display()
    );
}

fn assert_links_static(exe: &Path) {
    let needed = dynamic_entries(exe, "NEEDED");
    assert!(
        !needed.iter().any(|n| n.starts_with("libnats")),
        "{} should not need a shared libnats*: {needed:?}",
        exe.display()
    );
}

/// The installed tree: files, links, SONAME, pkg-config and CMake files.
fn check_tree(prefix: &Path, recorded_prefix: &str) {
    assert_eq!(
        tree(prefix),
        expected_files(),
        "files under {}",
        prefix.display()
    );
    let lib = prefix.join("lib");
    let real = format!("libnats_rs.so.{VERSION}");
    let link = |name: &str| {
        fs::read_link(lib.join(name))
            .unwrap_or_else(|e| panic!("{name} should be a symlink: {e}"))
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(link("libnats_rs.so.0"), real);
    assert_eq!(link("libnats_rs.so"), "libnats_rs.so.0");
    assert!(fs::symlink_metadata(lib.join(&real))
        .expect("real library")
        .file_type()
        .is_file());
    assert_eq!(
        dynamic_entries(&lib.join(&real), "SONAME"),
        vec![SONAME.to_string()],
        "SONAME of the installed library"
    );
    for (pc, name) in [("nats_rs.pc", "nats_rs"), ("libnats.pc", "libnats")] {
        let text = fs::read_to_string(lib.join("pkgconfig").join(pc)).expect("read .pc");
        for want in [
            format!("prefix={recorded_prefix}\n"),
            format!("Name: {name}\n"),
            "Libs: -L${libdir} -lnats_rs\n".to_string(),
            "Cflags: -I${includedir}/nats_rs\n".to_string(),
        ] {
            assert!(text.contains(&want), "{pc} lacks {want:?}:\n{text}");
        }
        assert!(
            !text.contains('@'),
            "{pc} has an unfilled template:\n{text}"
        );
    }
    for f in ["cnats-config.cmake", "cnats-config-version.cmake"] {
        let text = fs::read_to_string(lib.join("cmake").join("cnats").join(f)).expect("read");
        assert!(!text.contains("@"), "{f} has an unfilled template:\n{text}");
    }
}

/// Builds `examples-c/publisher.c` and the `<nats/nats.h>` program with
/// pkg-config's flags (shared, both module names) and publisher.c statically;
/// returns the programs.
fn build_with_pkg_config(prefix: &Path, work: &Path) -> Vec<PathBuf> {
    let pc_path = prefix.join("lib").join("pkgconfig");
    let pkg_config = |args: &[&str]| {
        let out = stdout_of(
            command("pkg-config")
                .env("PKG_CONFIG_PATH", &pc_path)
                .args(args),
        );
        out.split_whitespace().map(String::from).collect::<Vec<_>>()
    };
    let publisher = manifest_dir().join("examples-c").join("publisher.c");
    let nats_nats_h = work.join("nats_nats_h.c");
    let c_flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1"];
    let mut built = Vec::new();
    for module in ["nats_rs", "libnats"] {
        let flags = pkg_config(&["--cflags", "--libs", module]);
        // Ours, not an installed nats.c's libnats.pc.
        let inc = format!("-I{}/include/nats_rs", prefix.display());
        assert!(
            flags.contains(&inc),
            "pkg-config {module} flags {flags:?} lack {inc}"
        );
        for (src, name) in [(&publisher, "pub"), (&nats_nats_h, "nats_nats_h")] {
            let exe = work.join(format!("{name}_pc_{module}"));
            run_ok(
                command(cc())
                    .args(c_flags)
                    .arg(src)
                    .arg("-o")
                    .arg(&exe)
                    .args(&flags),
            );
            assert_links_shared(&exe);
            built.push(exe);
        }
    }
    // Static: the archive plus Libs.private must be enough.
    let cflags = pkg_config(&["--cflags", "nats_rs"]);
    let libs: Vec<String> = pkg_config(&["--static", "--libs", "nats_rs"])
        .into_iter()
        .map(|f| {
            if f == "-lnats_rs" {
                "-l:libnats_rs.a".to_string()
            } else {
                f
            }
        })
        .collect();
    let exe = work.join("pub_pc_static");
    run_ok(
        command(cc())
            .args(c_flags)
            .args(&cflags)
            .arg(&publisher)
            .arg("-o")
            .arg(&exe)
            .args(&libs),
    );
    assert_links_static(&exe);
    built.push(exe);
    built
}

/// Configures and builds [`CMAKE_LISTS`] against `prefix`; returns the
/// shared, static and `<nats/nats.h>` programs.
fn build_with_cmake(cmake: &Path, prefix: &Path, src: &Path, build: &Path) -> [PathBuf; 3] {
    let out = run_ok(
        command(cmake)
            .arg("-S")
            .arg(src)
            .arg("-B")
            .arg(build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg("-DCMAKE_BUILD_TYPE=Release")
            .env("CC", cc()),
    );
    let log = String::from_utf8_lossy(&out.stdout);
    let want = format!("from {}", prefix.join("lib/cmake/cnats").display());
    assert!(
        log.contains("install-check: cnats 3.14.0 ") && log.contains(&want),
        "find_package(cnats) did not pick ours ({want}):\n{log}"
    );
    run_ok(command(cmake).arg("--build").arg(build).arg("-j2"));
    let [pub_shared, pub_static, nats_h] =
        ["pub", "pub_static", "nats_nats_h"].map(|n| build.join(n));
    assert_links_shared(&pub_shared);
    assert_links_shared(&nats_h);
    assert_links_static(&pub_static);
    [pub_shared, pub_static, nats_h]
}

#[test]
fn install_pkg_config_cmake_and_uninstall() {
    let started = Instant::now();
    require_tool(
        "pkg-config",
        "apt-get install pkg-config (.ci/install-deps installs it)",
    );
    require_tool("objdump", "apt-get install binutils");
    require_tool("make", "apt-get install make");
    let cmake = cmake();

    let work = WorkDir(unique_temp_dir("install"));
    let work = &work.0;
    let prefix = work.join("prefix");
    let prefix_str = prefix.to_string_lossy().into_owned();

    // 1. make install PREFIX=...
    make(&["install".to_string(), format!("PREFIX={prefix_str}")]);
    eprintln!("install: make install took {:?}", started.elapsed());
    check_tree(&prefix, &prefix_str);

    // 2. pkg-config builds, 3. CMake builds.
    fs::write(work.join("nats_nats_h.c"), NATS_NATS_H_PROGRAM).expect("write C");
    let pc_programs = build_with_pkg_config(&prefix, work);

    let cmake_src = work.join("cmake-src");
    fs::create_dir_all(&cmake_src).expect("mkdir");
    fs::copy(
        manifest_dir().join("examples-c").join("publisher.c"),
        cmake_src.join("publisher.c"),
    )
    .expect("copy publisher.c");
    fs::write(cmake_src.join("nats_nats_h.c"), NATS_NATS_H_PROGRAM).expect("write C");
    fs::write(cmake_src.join("CMakeLists.txt"), CMAKE_LISTS).expect("write CMakeLists");
    let cmake_programs = build_with_cmake(&cmake, &prefix, &cmake_src, &work.join("cmake-build"));

    // 4. A staged install (DESTDIR), used where it was staged: the CMake
    // package finds its files relative to itself.
    let stage = work.join("stage");
    let staged_prefix = stage.join("opt/nats_rs");
    make(&[
        "install".to_string(),
        "PREFIX=/opt/nats_rs".to_string(),
        format!("DESTDIR={}", stage.display()),
    ]);
    check_tree(&staged_prefix, "/opt/nats_rs");
    let staged_programs = build_with_cmake(
        &cmake,
        &staged_prefix,
        &cmake_src,
        &work.join("cmake-build-staged"),
    );

    // 5. Every program publishes to a real server.
    let server = NatsServer::start();
    let url = server.url();
    let lib = prefix.join("lib");
    for exe in &pc_programs {
        // pkg-config gives no rpath: found like any library in a non-system prefix.
        run_program(exe, &url, Some(&lib));
    }
    // CMake records the imported library's directory as the build RPATH.
    for exe in cmake_programs.iter().chain(staged_programs.iter()) {
        run_program(exe, &url, None);
    }
    drop(server);

    // 6. make uninstall leaves no file behind.
    make(&["uninstall".to_string(), format!("PREFIX={prefix_str}")]);
    assert_eq!(
        tree(&prefix),
        Vec::<String>::new(),
        "left by make uninstall"
    );
    make(&[
        "uninstall".to_string(),
        "PREFIX=/opt/nats_rs".to_string(),
        format!("DESTDIR={}", stage.display()),
    ]);
    assert_eq!(
        tree(&stage),
        Vec::<String>::new(),
        "left by make uninstall DESTDIR=..."
    );
    eprintln!("install: whole test took {:?}", started.elapsed());
}
