//! Wire interop with another client, npm's `@nats-io/services` (on
//! `@nats-io/transport-node`): a node script in `tests/js/` talks to C
//! programs built against our library, on one nats-server. The packages
//! come from `.ci/ensure-nats-js` (pinned by `tests/js/package-lock.json`,
//! into `tests/js/node_modules`); when the npm registry cannot be reached,
//! or node and npm are not installed, the tests print a note and pass
//! without running.
//!
//! `NATS_RS_C_LIB_OVERRIDE` (as in `tests/c_programs.rs`) builds the C
//! programs against another nats.c instead, e.g. nats.c 3.14:
//! `-I/path/include/nats -L/path/lib -lnats -Wl,-rpath,/path/lib`.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{manifest_dir, our_lib, run_expect_ok, NatsServer};

/// The script is killed after this (it hangs); it normally takes seconds.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// `.ci/ensure-nats-js`'s exit status when node or npm is missing.
const NO_NODE: i32 = 3;

/// A node that can import the pinned packages.
#[derive(Clone, Debug)]
pub struct NodeEnv {
    pub node: PathBuf,
    pub node_modules: PathBuf,
}

/// Node with the pinned packages, or `None` (after a note) when they
/// cannot be installed for want of the registry or of node itself. Any
/// other failure of `.ci/ensure-nats-js` fails the test.
pub fn node_with_nats_js() -> Option<NodeEnv> {
    // Once per test binary: the tests must not run npm at the same time.
    static NODE: OnceLock<Option<NodeEnv>> = OnceLock::new();
    NODE.get_or_init(ensure_nats_js).clone()
}

fn ensure_nats_js() -> Option<NodeEnv> {
    let script = manifest_dir().join(".ci").join("ensure-nats-js");
    let out = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if let (true, Some(node), Some(mods)) = (out.status.success(), lines.next(), lines.next()) {
        let env = NodeEnv {
            node: PathBuf::from(node),
            node_modules: PathBuf::from(mods),
        };
        assert!(
            env.node_modules.join("@nats-io").join("services").is_dir(),
            ".ci/ensure-nats-js printed {} but @nats-io/services is not there",
            env.node_modules.display()
        );
        return Some(env);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(NO_NODE) {
        eprintln!("interop test skipped: {err}");
        return None;
    }
    let unreachable = [
        "ENOTFOUND",
        "EAI_AGAIN",
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "ENETUNREACH",
        "EHOSTUNREACH",
        "network request to",
        "ERR_SOCKET_TIMEOUT",
        "getaddrinfo",
        "tunneling socket",
    ];
    if unreachable.iter().any(|m| err.contains(m)) {
        eprintln!(
            "interop test skipped: the npm packages cannot be installed (registry \
             unreachable?). .ci/ensure-nats-js said:\n{err}"
        );
        return None;
    }
    panic!(".ci/ensure-nats-js failed ({}):\n{err}", out.status);
}

/// `NATS_RS_C_LIB_OVERRIDE`'s flags, when set.
pub fn lib_override() -> Option<Vec<String>> {
    std::env::var("NATS_RS_C_LIB_OVERRIDE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split_whitespace().map(str::to_string).collect())
}

/// Builds the C program `src` into `out` (as C99, or C++11 with `cxx`),
/// `-Wall -Wextra -Werror`, with `tests/c/check.h` on the include path,
/// against our header and `libnats_rs.so` (or the override's library),
/// linked with an `RPATH` so that it loads that library whatever
/// `LD_LIBRARY_PATH` says.
pub fn compile_c(src: &Path, out: &Path, cxx: bool) {
    let flags = lib_override().unwrap_or_else(|| {
        let dir = our_lib().parent().unwrap().to_path_buf();
        vec![
            format!("-I{}", manifest_dir().join("include").display()),
            format!("-L{}", dir.display()),
            "-lnats_rs".into(),
            format!("-Wl,-rpath,{}", dir.display()),
        ]
    });
    let (inc, libs): (Vec<&String>, Vec<&String>) = flags.iter().partition(|f| f.starts_with("-I"));
    let var = if cxx { "CXX" } else { "CC" };
    let default = if cxx { "c++" } else { "cc" };
    let compiler = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.into());
    let mut cmd = Command::new(compiler);
    if cxx {
        cmd.args(["-x", "c++", "-std=c++11"]);
    } else {
        cmd.arg("-std=c99");
    }
    cmd.args([
        "-D_POSIX_C_SOURCE=200809L",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-g",
    ])
    .arg(format!("-I{}", manifest_dir().join("tests/c").display()))
    .args(inc)
    .arg(src);
    if cxx {
        cmd.args(["-x", "none"]);
    }
    cmd.args(libs)
        .args(["-lpthread", "-Wl,--disable-new-dtags", "-o"])
        .arg(out);
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("run the compiler for {}: {e}", src.display()));
    assert!(
        o.status.success(),
        "compiling {} failed ({cmd:?}):\n{}{}",
        src.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs `node tests/js/<script> <args> <server url>` in `dir`; asserts it
/// exits 0 and prints a line `OK`. The programs it starts inherit its
/// environment, without cargo's `LD_LIBRARY_PATH`.
pub fn run_script(env: &NodeEnv, script: &str, args: &[&str], server: &NatsServer, dir: &Path) {
    let mut cmd = Command::new(&env.node);
    cmd.arg(manifest_dir().join("tests/js").join(script))
        .args(args)
        .arg(server.url())
        .current_dir(dir)
        .env_remove("LD_LIBRARY_PATH");
    let r = run_expect_ok(cmd, dir, RUN_TIMEOUT, server);
    eprint!("{}{}", r.stdout, r.stderr);
}
