//! Wire interop with another client, PyPI's nats-py: a script in
//! `tests/python/` drives our C API through ctypes and nats-py against one
//! JetStream server. nats-py comes from `.ci/ensure-nats-py` (pinned, into
//! `.venv`); when the package index cannot be reached the tests print a
//! note and pass without running. The same scripts run on Debian's nats.c
//! (`libnats.so` from libnats-dev) when installed, which shows their
//! expectations are nats.c's own.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{manifest_dir, our_lib, run_expect_ok, unique_temp_dir, NatsServer};

/// The script is killed after this (it hangs); it normally takes seconds.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// A python with nats-py, or `None` (after a note) when it cannot be
/// installed for want of the package index. Any other failure of
/// `.ci/ensure-nats-py` fails the test.
pub fn python_with_nats_py() -> Option<PathBuf> {
    // Once per test binary: the tests must not run pip at the same time.
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON.get_or_init(ensure_nats_py).clone()
}

fn ensure_nats_py() -> Option<PathBuf> {
    let script = manifest_dir().join(".ci").join("ensure-nats-py");
    let out = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !path.is_empty() {
        return Some(PathBuf::from(path));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let unreachable = [
        "Could not find a version",
        "No matching distribution",
        "Failed to establish a new connection",
        "Temporary failure in name resolution",
        "Network is unreachable",
        "Connection refused",
        "ConnectTimeoutError",
        "ProxyError",
    ];
    if unreachable.iter().any(|m| err.contains(m)) {
        eprintln!(
            "interop test skipped: nats-py cannot be installed (package index unreachable?). \
             .ci/ensure-nats-py said:\n{err}"
        );
        return None;
    }
    panic!(".ci/ensure-nats-py failed ({}):\n{err}", out.status);
}

/// Runs `tests/python/<script>` with `lib` and `scenarios` against a fresh
/// JetStream server; asserts it exits 0 and prints `OK`.
pub fn run_script(python: &Path, script: &str, lib: &str, scenarios: &str) {
    let tmp = unique_temp_dir("interop");
    let server = NatsServer::builder().jetstream().start();
    let mut cmd = Command::new(python);
    cmd.arg(manifest_dir().join("tests/python").join(script))
        .args(["--lib", lib, "--scenarios", scenarios])
        .arg(server.url());
    let r = run_expect_ok(cmd, &tmp, RUN_TIMEOUT, &server);
    eprint!("{}", r.stdout);
    let _ = fs::remove_dir_all(&tmp);
}

/// Debian's nats.c shared library, when libnats-dev is installed.
pub fn debian_libnats() -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(cc)
        .arg("-print-file-name=libnats.so")
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (path.is_absolute() && path.exists()).then_some(path)
}

/// Runs `script`'s `scenarios` on this build's library (nothing, after a
/// note, without the package index).
pub fn run_on_ours(script: &str, scenarios: &str) {
    let Some(python) = python_with_nats_py() else {
        return;
    };
    let lib = our_lib();
    let lib = lib.to_str().expect("library path is UTF-8");
    run_script(&python, script, lib, scenarios);
}

/// Runs `script`'s `scenarios` on Debian's nats.c, when installed.
pub fn run_on_natsc(script: &str, scenarios: &str) {
    let Some(lib) = debian_libnats() else {
        eprintln!("nats.c run skipped: no libnats.so (apt-get install libnats-dev)");
        return;
    };
    let Some(python) = python_with_nats_py() else {
        return;
    };
    run_script(
        &python,
        script,
        lib.to_str().expect("library path is UTF-8"),
        scenarios,
    );
}
