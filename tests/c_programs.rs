//! Compiles and runs the C test programs in `tests/c/` against the library.
//!
//! For every program `tests/c/NAME.c` there is a module `NAME` with:
//! - `c`: built as C99 with `-Wall -Wextra -Werror` against `include/`,
//!   linked with `libnats_rs.so`, run against a fresh nats-server;
//! - `cxx`: the same source built as C++11;
//! - `valgrind`: the C build under valgrind's leak check (only when
//!   `NATS_RS_VALGRIND=1`, which `make test` sets when valgrind exists);
//! - `source`: built against Debian's nats.c 3.4.1 header instead of ours,
//!   linked with `libnats_rs.so` (a nats.c program recompiled on us);
//! - `natsc`: built and run on Debian's real nats.c 3.4.1 (header and
//!   `-lnats`), which shows the program's expectations are nats.c's own
//!   behaviour, not just ours;
//! - `dropin`: built against Debian's nats.c header and linked with its
//!   `-lnats`, then run with our library loaded in place of `libnats.so.3.4`
//!   (only when `/usr/include/nats/nats.h` exists).
//!
//! A first line `// server-config: <text>` in a program adds `<text>` to its
//! server's configuration. A line `// fixture: <name>` gives the program
//! credentials made for the run (see [`Fixture`]), passed in `NATS_RS_*`
//! environment variables, and configures its server to match.
//!
//! Under valgrind a program sees `NATS_RS_UNDER_VALGRIND=1`, so that a bulk
//! scenario (100,000 messages) may run smaller there: the leak check needs
//! the paths, not the volume.
//!
//! A line `// modes: c cxx valgrind` limits a program to the modes it names:
//! a program using structs that grew after nats.c 3.4.1 (the JetStream
//! configs, for instance) cannot be built against Debian's header, so its
//! `source`, `natsc` and `dropin` runs say they are skipped.
//!
//! Each run gets a fresh server and tells the program about it, so that
//! `check.h`'s `test_server_stop()`/`test_server_start()` can kill and restart
//! it for reconnect scenarios: `NATS_RS_SERVER_BIN` (nats-server),
//! `NATS_RS_SERVER_PORT`, `NATS_RS_SERVER_CONF` (the config file written for
//! it), `NATS_RS_SERVER_PID` and `NATS_RS_SERVER_LOG` (where a restarted
//! server appends its output, shown when the program fails).
//!
//! Environment knobs (mostly for validating the programs themselves):
//! - `NATS_RS_C_LIB_OVERRIDE="-I/usr/include/nats -lnats"`: compile and link
//!   with these flags instead of our `include/` and `libnats_rs.so`;
//! - `NATS_RS_DROPIN_LIB=/path/lib.so`: the library put in libnats's place by
//!   the drop-in check (default: our `libnats_rs.so`; with an override set
//!   and no drop-in library given, the drop-in check is skipped);
//! - `CC`, `CXX`: the compilers (default `cc`, `c++`).
//!
//! Each program must load exactly the library it was built for: cargo runs
//! the tests with an `LD_LIBRARY_PATH` holding our `target/` directories,
//! which beats a linked-in `RUNPATH`, so programs run without it (the
//! drop-in check sets its own), are linked with `--disable-new-dtags` (an
//! `-rpath` becomes an `RPATH`), and `ldd` with the program's environment
//! must show the expected library before it runs.

mod support;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{manifest_dir, our_lib, run_guarded, unique_temp_dir, NatsServer, RunResult};

/// A program that runs longer than this is killed (it hangs).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// Valgrind makes everything many times slower.
const VALGRIND_TIMEOUT: Duration = Duration::from_secs(300);

/// `-std=c99` hides POSIX (kill, fork, sockets), which check.h's server
/// helpers need; programs include <nats.h> (and so libc headers) before
/// check.h, so the feature macro must come from the command line.
const C_FLAGS: &[&str] = &[
    "-std=c99",
    "-D_POSIX_C_SOURCE=200809L",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
];
const CXX_FLAGS: &[&str] = &[
    "-x",
    "c++",
    "-std=c++11",
    "-D_POSIX_C_SOURCE=200809L",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
];

/// Every program in tests/c/ must be listed here (checked by `all_listed`).
macro_rules! c_programs {
    ($($name:ident),* $(,)?) => {
        const PROGRAMS: &[&str] = &[$(stringify!($name)),*];
        $(
            mod $name {
                #[test]
                fn c() {
                    super::run_mode(stringify!($name), super::Mode::C);
                }
                #[test]
                fn cxx() {
                    super::run_mode(stringify!($name), super::Mode::Cxx);
                }
                #[test]
                fn valgrind() {
                    super::run_mode(stringify!($name), super::Mode::Valgrind);
                }
                #[test]
                fn source() {
                    super::run_mode(stringify!($name), super::Mode::Source);
                }
                #[test]
                fn natsc() {
                    super::run_mode(stringify!($name), super::Mode::NatsC);
                }
                #[test]
                fn dropin() {
                    super::run_mode(stringify!($name), super::Mode::DropIn);
                }
            }
        )*
    };
}

c_programs!(
    auth_jwt,
    auth_nkey,
    auth_token,
    auto_unsub,
    closed,
    connect_info,
    drain,
    error_stack,
    flush_stats,
    forced_reconnect,
    headers,
    headers_large,
    invalid_args,
    js_acks,
    js_batch,
    js_compat,
    js_consumers,
    js_context,
    js_msgs,
    js_ordered,
    js_publish,
    js_publish_async,
    js_pull,
    js_pull_async,
    js_push,
    js_push_errors,
    js_push_multi,
    js_streams,
    kv_keys,
    kv_store,
    kv_watch,
    kv_watch_restart,
    max_reconnect,
    micro_queue,
    micro_reconnect,
    micro_service,
    micro_stats,
    micro_stop,
    no_responders,
    objstore_data,
    objstore_manage,
    pubsub_bytes,
    queue_group,
    reconnect_buffer_full,
    reconnect_restart,
    reply_bytes,
    request_reply,
    retry_connect,
    send_proxy_config,
    serial_callbacks,
    slow_consumer,
    stale_reconnect,
    sub_outlives_conn,
    timeouts,
    tls_client_cert,
    tls_connect,
);

#[test]
fn all_listed() {
    let mut missing = Vec::new();
    for entry in fs::read_dir(c_dir()).expect("read tests/c") {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("c") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !PROGRAMS.contains(&stem.as_str()) {
                missing.push(stem);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add these tests/c programs to c_programs!() in tests/c_programs.rs: {missing:?}"
    );
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    C,
    Cxx,
    Valgrind,
    Source,
    NatsC,
    DropIn,
}

fn c_dir() -> PathBuf {
    manifest_dir().join("tests").join("c")
}

fn env_flag(name: &str) -> bool {
    matches!(
        std::env::var(name).as_deref(),
        Ok("1") | Ok("true") | Ok("yes")
    )
}

fn lib_override() -> Option<Vec<String>> {
    std::env::var("NATS_RS_C_LIB_OVERRIDE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split_whitespace().map(str::to_string).collect())
}

/// Compiler and linker flags for building against our header and library.
fn our_flags() -> Vec<String> {
    if let Some(o) = lib_override() {
        return o;
    }
    let dir = our_lib().parent().unwrap().to_path_buf();
    vec![
        format!("-I{}", manifest_dir().join("include").display()),
        format!("-L{}", dir.display()),
        "-lnats_rs".into(),
        format!("-Wl,-rpath,{}", dir.display()),
    ]
}

/// Extra server configuration from the program's `// server-config:` lines.
fn server_config(src: &str) -> String {
    src.lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.strip_prefix("// server-config:"))
        .map(|l| l.trim().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the program's leading `// <key>: <text>` line, if any.
fn directive<'a>(src: &'a str, key: &str) -> Option<&'a str> {
    let prefix = format!("// {key}:");
    src.lines()
        .take_while(|l| l.starts_with("//"))
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::trim)
}

fn compiler(var: &str, default: &str) -> OsString {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.into())
}

fn compile(cxx: bool, src: &Path, out: &Path, flags: &[String]) {
    let mut cmd = if cxx {
        Command::new(compiler("CXX", "c++"))
    } else {
        Command::new(compiler("CC", "cc"))
    };
    cmd.args(if cxx { CXX_FLAGS } else { C_FLAGS })
        .arg(format!("-I{}", c_dir().display()))
        .arg(src)
        .arg("-o")
        .arg(out);
    // Header paths come before the source, libraries after it.
    let (inc, libs): (Vec<&String>, Vec<&String>) = flags.iter().partition(|f| f.starts_with("-I"));
    let mut full = Vec::new();
    for i in inc {
        full.push(i.clone());
    }
    cmd.args(&full);
    // -x c++ applies to following inputs; libraries must not be read as C++.
    if cxx {
        cmd.args(["-x", "none"]);
    }
    // An -rpath becomes RPATH, which LD_LIBRARY_PATH does not override.
    cmd.args(libs)
        .arg("-lpthread")
        .arg("-Wl,--disable-new-dtags");
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("run compiler for {}: {e}", src.display()));
    assert!(
        output.status.success(),
        "compiling {} failed ({:?}):\n{}{}",
        src.display(),
        cmd,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn report(name: &str, mode: Mode, server: &NatsServer, r: &RunResult, limit: Duration) -> String {
    let how = if r.timed_out() {
        format!("hung: killed after the {limit:?} guard")
    } else {
        format!("exit status {:?}", r.status)
    };
    let log = server.log();
    let tail: Vec<&str> = log.lines().rev().take(20).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!(
        "C test program {name} ({mode:?}) failed: {how}\n\
         --- stdout ---\n{}\n--- stderr ---\n{}\n--- server log (tail) ---\n{}",
        r.stdout,
        r.stderr,
        tail.join("\n")
    )
}

/// Runs `exe` (or `ldd`, valgrind...) as test programs are run: with
/// `LD_LIBRARY_PATH` set to `ld_path` only, never cargo's.
fn program_env(cmd: &mut Command, ld_path: Option<&Path>) {
    match ld_path {
        Some(p) => cmd.env("LD_LIBRARY_PATH", p),
        None => cmd.env_remove("LD_LIBRARY_PATH"),
    };
}

/// The libnats* file the loader picks for `exe` run with `ld_path`, as
/// `ldd` reports it (`None` when no such library is linked).
fn loaded_nats_lib(exe: &Path, ld_path: Option<&Path>) -> Option<PathBuf> {
    let mut cmd = Command::new("ldd");
    cmd.arg(exe);
    program_env(&mut cmd, ld_path);
    let out = cmd.output().expect("run ldd");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("libnats"))?;
    let path = line.split("=>").nth(1)?.split_whitespace().next()?;
    Some(fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path)))
}

/// The directories the library may come from: the override's `-L`s, or
/// ours (`None`: the override names none, the system's is fine).
fn expected_lib_dirs() -> Option<Vec<PathBuf>> {
    let dirs: Vec<PathBuf> = match lib_override() {
        Some(flags) => flags
            .iter()
            .filter_map(|f| f.strip_prefix("-L"))
            .map(PathBuf::from)
            .collect(),
        None => vec![our_lib().parent().unwrap().to_path_buf()],
    };
    (!dirs.is_empty()).then(|| {
        dirs.iter()
            .map(|d| fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
            .collect()
    })
}

/// Fails unless `exe`, run as the programs are, loads its libnats from
/// one of `dirs`.
fn assert_loads_from(name: &str, exe: &Path, dirs: &[PathBuf]) {
    let got = loaded_nats_lib(exe, None);
    assert!(
        got.as_ref()
            .is_some_and(|g| dirs.iter().any(|d| g.parent() == Some(d.as_path()))),
        "{name}: the program would load {got:?}, not the library from {dirs:?}"
    );
}

/// SONAME of Debian's libnats (e.g. `libnats.so.3.4`) and the real file.
fn debian_libnats_soname() -> Option<String> {
    let out = Command::new(compiler("CC", "cc"))
        .arg("-print-file-name=libnats.so")
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !path.is_absolute() || !path.exists() {
        return None;
    }
    let dump = Command::new("objdump").arg("-p").arg(&path).output().ok()?;
    String::from_utf8_lossy(&dump.stdout).lines().find_map(|l| {
        let l = l.trim();
        l.strip_prefix("SONAME").map(|s| s.trim().to_string())
    })
}

fn run_mode(name: &str, mode: Mode) {
    let src_path = c_dir().join(format!("{name}.c"));
    let src = fs::read_to_string(&src_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", src_path.display()));

    let valgrind = mode == Mode::Valgrind;
    if valgrind && !env_flag("NATS_RS_VALGRIND") {
        eprintln!("{name}: valgrind check skipped (set NATS_RS_VALGRIND=1)");
        return;
    }

    if let Some(modes) = directive(&src, "modes") {
        let wanted = format!("{mode:?}").to_lowercase();
        if !modes.split_whitespace().any(|m| m == wanted) {
            eprintln!("{name}: {wanted} skipped (the program runs only in: {modes})");
            return;
        }
    }

    let work = WorkDir(unique_temp_dir(&format!("c-{name}-{mode:?}")));
    let work = &work.0;
    let exe = work.join(name);
    let mut ld_path: Option<PathBuf> = None;

    match mode {
        Mode::C | Mode::Valgrind | Mode::Cxx => {
            compile(mode == Mode::Cxx, &src_path, &exe, &our_flags());
            if let Some(dirs) = expected_lib_dirs() {
                assert_loads_from(name, &exe, &dirs);
            }
        }
        Mode::NatsC => {
            if !Path::new("/usr/include/nats/nats.h").exists() || lib_override().is_some() {
                eprintln!(
                    "{name}: nats.c check skipped (no /usr/include/nats/nats.h, or an override)"
                );
                return;
            }
            let flags = vec!["-I/usr/include/nats".to_string(), "-lnats".to_string()];
            compile(false, &src_path, &exe, &flags);
            let got = loaded_nats_lib(&exe, None);
            assert!(
                got.as_ref()
                    .is_some_and(|g| !g.to_string_lossy().contains("nats_rs")),
                "{name}: the nats.c build would load {got:?}, not nats.c"
            );
        }
        Mode::Source => {
            if !Path::new("/usr/include/nats/nats.h").exists() || lib_override().is_some() {
                eprintln!(
                    "{name}: source check skipped (no /usr/include/nats/nats.h, or an override)"
                );
                return;
            }
            let mut flags = our_flags();
            flags[0] = "-I/usr/include/nats".to_string();
            compile(false, &src_path, &exe, &flags);
            assert_loads_from(name, &exe, &expected_lib_dirs().unwrap_or_default());
        }
        Mode::DropIn => {
            if !Path::new("/usr/include/nats/nats.h").exists() {
                eprintln!("{name}: drop-in check skipped (no /usr/include/nats/nats.h; apt-get install libnats-dev)");
                return;
            }
            let replacement = match std::env::var_os("NATS_RS_DROPIN_LIB") {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ if lib_override().is_some() => {
                    eprintln!("{name}: drop-in check skipped (NATS_RS_C_LIB_OVERRIDE set, no NATS_RS_DROPIN_LIB)");
                    return;
                }
                _ => our_lib(),
            };
            let soname = debian_libnats_soname()
                .expect("SONAME of Debian's libnats.so (is libnats-dev installed? objdump?)");
            let flags = vec!["-I/usr/include/nats".to_string(), "-lnats".to_string()];
            compile(false, &src_path, &exe, &flags);
            let libs = work.join("lib");
            fs::create_dir_all(&libs).expect("create lib dir");
            std::os::unix::fs::symlink(&replacement, libs.join(&soname))
                .expect("symlink library under libnats's SONAME");
            // Show which library the loader picks.
            let mut ldd = Command::new("ldd");
            ldd.arg(&exe);
            program_env(&mut ldd, Some(&libs));
            if let Ok(out) = ldd.output() {
                let text = String::from_utf8_lossy(&out.stdout);
                let line = text
                    .lines()
                    .find(|l| l.contains("libnats"))
                    .unwrap_or("(libnats not in ldd output)");
                eprintln!(
                    "{name}: drop-in: {} -> {}",
                    line.trim(),
                    replacement.display()
                );
                assert!(
                    line.contains(libs.to_string_lossy().as_ref()),
                    "drop-in: the loader does not pick the replacement library: {line}"
                );
            }
            ld_path = Some(libs);
        }
    }

    let fixture = Fixture::for_program(&src, work);
    let config = format!("{}\n{}", server_config(&src), fixture.server_config);
    let server = NatsServer::with_config(&config);
    let mut cmd = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "-q",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=99",
        ])
        .arg(format!(
            "--suppressions={}",
            c_dir().join("valgrind.supp").display()
        ))
        .arg(&exe)
        // Lets a program scale its bulk scenario down under valgrind.
        .env("NATS_RS_UNDER_VALGRIND", "1");
        c
    } else {
        Command::new(&exe)
    };
    cmd.arg(server.url())
        .env("NATS_RS_SERVER_BIN", server.bin())
        .env("NATS_RS_SERVER_PORT", server.port().to_string())
        .env("NATS_RS_SERVER_CONF", server.conf_path())
        .env("NATS_RS_SERVER_LOG", server.log_path())
        .env(
            "NATS_RS_SERVER_PID",
            server.pid().expect("server running").to_string(),
        );
    program_env(&mut cmd, ld_path.as_deref());
    cmd.envs(fixture.env.iter().map(|(k, v)| (k, v)));
    let limit = if valgrind {
        VALGRIND_TIMEOUT
    } else {
        RUN_TIMEOUT
    };
    let r = run_guarded(cmd, work, limit);
    let ok = r.success();
    if !ok {
        let msg = report(name, mode, &server, &r, limit);
        drop(server);
        panic!("{msg}");
    }
}

/// Credentials a program asks for with `// fixture: <name>`:
/// - `tls`: the server presents a certificate of a test CA; the program gets
///   `NATS_RS_CA_FILE`, `NATS_RS_OTHER_CA_FILE` (an unrelated CA),
///   `NATS_RS_CLIENT_CERT` and `NATS_RS_CLIENT_KEY`;
/// - `tls-verify`: the same, and the server requires client certificates;
/// - `nkey`: the server has one nkey user: `NATS_RS_NKEY_PUB`,
///   `NATS_RS_NKEY_SEED` and `NATS_RS_NKEY_SEED_FILE`;
/// - `jwt`: an operator-mode server with one account: `NATS_RS_CREDS` (a
///   `.creds` file), `NATS_RS_USER_JWT_FILE` and `NATS_RS_USER_SEED_FILE`
///   (the same user, split), `NATS_RS_USER_PUB`, and `NATS_RS_BAD_CREDS`
///   (a user of another operator).
struct Fixture {
    server_config: String,
    env: Vec<(String, String)>,
    _pki: Option<support::certs::TestPki>,
}

impl Fixture {
    fn for_program(src: &str, work: &Path) -> Fixture {
        let names: Vec<&str> = src
            .lines()
            .take_while(|l| l.starts_with("//"))
            .filter_map(|l| l.strip_prefix("// fixture:"))
            .map(str::trim)
            .collect();
        let mut f = Fixture {
            server_config: String::new(),
            env: Vec::new(),
            _pki: None,
        };
        for name in names {
            match name {
                "tls" | "tls-verify" => f.tls(name == "tls-verify"),
                "nkey" => f.nkey(work),
                "jwt" => f.jwt(work),
                other => panic!("unknown fixture '{other}'"),
            }
        }
        f
    }

    fn set(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) {
        let v = value.as_ref().to_string_lossy().into_owned();
        self.env.push((key.to_string(), v));
    }

    fn tls(&mut self, verify: bool) {
        let pki = support::certs::TestPki::new();
        self.server_config
            .push_str(&pki.server_tls_block(verify, false));
        self.set("NATS_RS_CA_FILE", &pki.ca_pem);
        self.set("NATS_RS_OTHER_CA_FILE", &pki.other_ca_pem);
        self.set("NATS_RS_CLIENT_CERT", &pki.client_cert);
        self.set("NATS_RS_CLIENT_KEY", &pki.client_key);
        self._pki = Some(pki);
    }

    fn nkey(&mut self, work: &Path) {
        use nats_rs::auth::nkeys::{KeyPair, KeyType};
        let user = KeyPair::random(KeyType::User).expect("nkey");
        let seed_file = work.join("user.nk");
        fs::write(&seed_file, user.seed()).expect("write seed");
        self.server_config.push_str(&format!(
            "authorization {{ users: [ {{ nkey: \"{}\" }} ] }}",
            user.public_key()
        ));
        self.set("NATS_RS_NKEY_PUB", user.public_key());
        self.set("NATS_RS_NKEY_SEED", user.seed());
        self.set("NATS_RS_NKEY_SEED_FILE", &seed_file);
    }

    fn jwt(&mut self, work: &Path) {
        use support::jwt::{server_config, Operator};
        let op = Operator::new("CTestOp");
        let acc = op.account("CTestAcc");
        let user = acc.user("ctest");
        let stranger = Operator::new("Other").account("Other").user("stranger");
        self.server_config.push_str(&server_config(&op, &[&acc]));
        let files = [
            ("NATS_RS_CREDS", "user.creds", user.creds()),
            ("NATS_RS_USER_JWT_FILE", "user.jwt", user.jwt.clone()),
            ("NATS_RS_USER_SEED_FILE", "user.nk", user.key.seed()),
            ("NATS_RS_BAD_CREDS", "stranger.creds", stranger.creds()),
        ];
        for (var, file, text) in files {
            let p = work.join(file);
            fs::write(&p, text).expect("write credentials");
            self.set(var, &p);
        }
        self.set("NATS_RS_USER_PUB", user.key.public_key());
    }
}

/// A scratch directory removed on drop, also when a check panics.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `examples-c/secure.c`, as a user would run it: TLS with the test CA and
/// a `.creds` file, against an operator-mode server that requires TLS.
#[test]
fn example_secure() {
    use support::jwt::{server_config, Operator};
    let work = WorkDir(unique_temp_dir("example-secure"));
    let exe = work.0.join("secure");
    compile(
        false,
        &manifest_dir().join("examples-c").join("secure.c"),
        &exe,
        &our_flags(),
    );
    assert_loads_from("secure", &exe, &expected_lib_dirs().unwrap_or_default());
    let pki = support::certs::TestPki::new();
    let op = Operator::new("ExampleOp");
    let acc = op.account("ExampleAcc");
    let creds = work.0.join("user.creds");
    fs::write(&creds, acc.user("example").creds()).expect("write creds");
    let stranger = work.0.join("stranger.creds");
    let other = Operator::new("Other").account("Other").user("stranger");
    fs::write(&stranger, other.creds()).expect("write creds");
    let server = NatsServer::with_config(&format!(
        "{}\n{}",
        pki.server_tls_block(false, false),
        server_config(&op, &[&acc])
    ));
    let url = format!("tls://localhost:{}", server.port());
    let run = |creds: &Path| {
        let mut cmd = Command::new(&exe);
        program_env(&mut cmd, None);
        cmd.arg(&url).arg(&pki.ca_pem).arg(creds);
        run_guarded(cmd, &work.0, RUN_TIMEOUT)
    };
    let ok = run(&creds);
    assert!(
        ok.status.is_some_and(|s| s.success()) && ok.stdout.contains("received: hello over TLS"),
        "secure example failed:\n{}{}",
        ok.stdout,
        ok.stderr
    );
    let refused = run(&stranger);
    assert!(
        refused.status.is_some_and(|s| s.code() == Some(1))
            && refused.stderr.contains("Authentication Violation"),
        "a stranger's credentials should be refused:\n{}{}",
        refused.stdout,
        refused.stderr
    );
}

/// A program built against another copy of the library (what
/// `NATS_RS_C_LIB_OVERRIDE` is for) loads that copy, not the one in cargo's
/// `LD_LIBRARY_PATH`: the copy is linked with a plain `-rpath`, as a user's
/// override would be.
#[test]
fn a_program_loads_the_library_it_was_linked_with() {
    let work = WorkDir(unique_temp_dir("c-which-lib"));
    let alt = work.0.join("alt");
    fs::create_dir_all(&alt).expect("create dir");
    fs::copy(our_lib(), alt.join("libnats_rs.so")).expect("copy library");
    std::os::unix::fs::symlink("libnats_rs.so", alt.join("libnats_rs.so.0")).expect("soname link");
    let src = work.0.join("which.c");
    fs::write(
        &src,
        "#include <nats.h>\nint main(void) { return nats_Open(-1) == NATS_OK ? 0 : 1; }\n",
    )
    .expect("write program");
    let exe = work.0.join("which");
    let flags = vec![
        format!("-I{}", manifest_dir().join("include").display()),
        format!("-L{}", alt.display()),
        "-lnats_rs".into(),
        format!("-Wl,-rpath,{}", alt.display()),
    ];
    compile(false, &src, &exe, &flags);
    let alt = fs::canonicalize(&alt).expect("canonical dir");
    assert_loads_from("which", &exe, std::slice::from_ref(&alt));
    // And it runs, as the programs are run.
    let mut cmd = Command::new(&exe);
    program_env(&mut cmd, None);
    let r = run_guarded(cmd, &work.0, RUN_TIMEOUT);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
}
