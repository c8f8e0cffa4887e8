//! JetStream wire interop with another client, PyPI's nats-py:
//! `tests/python/js_interop.py` drives the C API through ctypes and nats-py
//! against one JetStream server, each reading what the other wrote (pull
//! consumer, publishes with dedup ids, a bound push consumer).
//!
//! The script runs against this build's `libnats_rs.so`, and against
//! Debian's nats.c (`libnats.so` from libnats-dev) when installed, which
//! shows the script's expectations are nats.c's own. nats-py comes from
//! `.ci/ensure-nats-py` (pinned, into `.venv`); when the package index
//! cannot be reached the tests print a note and pass without running.

mod support;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use support::{manifest_dir, our_lib, run_guarded, unique_temp_dir, NatsServer};

/// The script is killed after this (it hangs); it normally takes seconds.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// A python with nats-py, or `None` (after a note) when it cannot be
/// installed for want of the package index. Any other failure of
/// `.ci/ensure-nats-py` fails the test.
fn python_with_nats_py() -> Option<PathBuf> {
    // Once per test binary: the two tests must not run pip at the same time.
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
            "js_interop skipped: nats-py cannot be installed (package index unreachable?). \
             .ci/ensure-nats-py said:\n{err}"
        );
        return None;
    }
    panic!(".ci/ensure-nats-py failed ({}):\n{err}", out.status);
}

/// Runs the script with `lib` and `scenarios` against a fresh JetStream
/// server; asserts it exits 0 and prints `OK`.
fn run_script(python: &PathBuf, lib: &str, scenarios: &str) {
    let tmp = unique_temp_dir("js_interop");
    let server = NatsServer::builder().jetstream().start();
    let mut cmd = Command::new(python);
    cmd.arg(manifest_dir().join("tests/python/js_interop.py"))
        .args(["--lib", lib, "--scenarios", scenarios])
        .arg(server.url());
    let shown = format!("{cmd:?}");
    let r = run_guarded(cmd, &tmp, RUN_TIMEOUT);
    let ok = r.success() && r.stdout.lines().any(|l| l == "OK");
    assert!(
        ok,
        "{shown}: {}\n--- stdout\n{}--- stderr\n{}--- server log\n{}",
        match r.status {
            Some(s) => format!("exited with {s}, expected 0 and a line OK"),
            None => format!("hung: killed after {RUN_TIMEOUT:?}"),
        },
        r.stdout,
        r.stderr,
        server.log()
    );
    eprint!("{}", r.stdout);
    let _ = fs::remove_dir_all(&tmp);
}

/// Debian's nats.c shared library, when libnats-dev is installed.
fn debian_libnats() -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(cc)
        .arg("-print-file-name=libnats.so")
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (path.is_absolute() && path.exists()).then_some(path)
}

fn ours(scenario: &str) {
    let Some(python) = python_with_nats_py() else {
        return;
    };
    let lib = our_lib();
    run_script(
        &python,
        lib.to_str().expect("library path is UTF-8"),
        scenario,
    );
}

/// (a) nats-py publishes; our durable pull consumer fetches, checks bytes,
/// headers and metadata, and acks; nats-py sees all acknowledged.
#[test]
fn our_pull_consumer_reads_nats_py() {
    ours("a");
}

/// (b) we publish (js_Publish, js_PublishMsg, a deduplicated id); nats-py
/// sees 20 stored messages and reads them back intact.
#[test]
fn nats_py_reads_our_publishes() {
    ours("b");
}

/// (c) nats-py's durable push consumer; our js_SubscribeSync binds to it,
/// reads and acks; nats-py sees all acknowledged.
#[test]
fn our_push_subscription_binds_to_nats_py_consumer() {
    ours("c");
}

/// The same scenarios on nats.c 3.4.1: the script reads jsSubOptions only
/// at the offsets both versions share, so (c) runs here too.
#[test]
fn debian_nats_c_all_scenarios() {
    let Some(lib) = debian_libnats() else {
        eprintln!("nats.c run skipped: no libnats.so (apt-get install libnats-dev)");
        return;
    };
    let Some(python) = python_with_nats_py() else {
        return;
    };
    run_script(&python, lib.to_str().expect("library path is UTF-8"), "abc");
}
