//! The C API from other languages: a Zig program (`examples-c/zig/pubsub.zig`)
//! and a Python ctypes script (`tests/python/ctypes_pubsub.py`), each run
//! against a fresh nats-server and expected to print `OK` and exit 0.
//!
//! Zig comes from `.ci/ensure-zig` (`$ZIG`, PATH or `.venv`, else PyPI's
//! `ziglang` is installed into `.venv`); when it cannot be had the test fails
//! saying so. Python is `python3` from PATH (only the standard library).
//! Both use the `libnats_rs.so` of this build: run `cargo build` first.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{manifest_dir, our_lib, run_expect_ok, unique_temp_dir, NatsServer};

/// A program that runs longer than this is killed (it hangs).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A directory in `tmp` where the library answers to both `libnats_rs.so`
/// (what `-lnats_rs` looks for) and its SONAME `libnats_rs.so.0` (what the
/// loader looks for), whichever name the build gave it.
fn lib_links(tmp: &Path) -> PathBuf {
    let dir = tmp.join("lib");
    fs::create_dir_all(&dir).expect("create lib dir");
    let lib = our_lib();
    for name in ["libnats_rs.so", "libnats_rs.so.0"] {
        std::os::unix::fs::symlink(&lib, dir.join(name))
            .unwrap_or_else(|e| panic!("symlink {name} -> {}: {e}", lib.display()));
    }
    dir
}

/// Runs `cmd` to completion (for tools: zig, ensure-zig) and returns its
/// stdout, failing the test with everything it printed when it fails.
fn run_tool(mut cmd: Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {cmd:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a test program, killing it after [`RUN_TIMEOUT`]; asserts it exits
/// 0 and prints the line `OK`.
fn run_program(cmd: Command, dir: &Path, server: &NatsServer) {
    run_expect_ok(cmd, dir, RUN_TIMEOUT, server);
}

/// The zig command, from `.ci/ensure-zig` (which may install it).
fn zig() -> PathBuf {
    let mut cmd = Command::new("bash");
    cmd.arg(manifest_dir().join(".ci").join("ensure-zig"));
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run .ci/ensure-zig: {e}"));
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !path.is_empty(),
        "no Zig compiler: .ci/ensure-zig failed ({}). It installs PyPI's ziglang \
         into .venv, which needs the package index; set ZIG to a zig of the \
         version it pins to use another one. Its output:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(path)
}

#[test]
fn zig_pubsub() {
    let zig = zig();
    let tmp = unique_temp_dir("zig");
    let libs = lib_links(&tmp);
    let root = manifest_dir();

    // Zig 0.17 has no @cImport: translate the header into a module once.
    let mut cmd = Command::new(&zig);
    cmd.arg("translate-c")
        .arg(format!("-I{}", root.join("include").display()))
        .arg("-lc")
        .arg(root.join("include").join("nats.h"));
    let nats_zig = tmp.join("nats.zig");
    fs::write(&nats_zig, run_tool(cmd, "zig translate-c")).expect("write nats.zig");

    // The program is its root module and imports the header as "nats". The
    // local cache goes to the temp dir so nothing is written into the tree.
    let exe = tmp.join("pubsub");
    let mut cmd = Command::new(&zig);
    cmd.current_dir(&tmp)
        .arg("build-exe")
        .args(["-lc", "-lnats_rs"])
        .arg(format!("-L{}", libs.display()))
        .arg("-rpath")
        .arg(&libs)
        .args(["--dep", "nats"])
        .arg(format!(
            "-Mroot={}",
            root.join("examples-c/zig/pubsub.zig").display()
        ))
        .arg(format!("-Mnats={}", nats_zig.display()))
        .arg("--cache-dir")
        .arg(tmp.join("zig-cache"))
        .arg(format!("-femit-bin={}", exe.display()));
    run_tool(cmd, "zig build-exe");

    let server = NatsServer::start();
    let mut cmd = Command::new(&exe);
    cmd.arg(server.url());
    run_program(cmd, &tmp, &server);
    let _ = fs::remove_dir_all(&tmp);
}

#[test]
fn python_ctypes_pubsub() {
    let tmp = unique_temp_dir("python");
    let script = manifest_dir().join("tests/python/ctypes_pubsub.py");
    let server = NatsServer::start();
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(our_lib()).arg(server.url());
    run_program(cmd, &tmp, &server);
    let _ = fs::remove_dir_all(&tmp);
}
