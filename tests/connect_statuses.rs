//! The statuses a program gets from a server that misbehaves while we
//! connect, announces a `max_payload` of 0 or less, or refuses us after the
//! connect without closing the socket.
//!
//! Each case runs `tests/c_fake/statuses.c` against a scripted fake server
//! (`support::hostile`), built on our library and, when
//! `/usr/include/nats/nats.h` exists, on Debian's nats.c 3.4.1 too: the
//! expected statuses are nats.c's own. The Rust tests at the end check the
//! same through the safe client.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options, Status};
use support::hostile::{Hostile, HostileBuilder, Step};
use support::{manifest_dir, our_lib, run_guarded, unique_temp_dir};

/// Guards against hangs only.
const RUN_LIMIT: Duration = Duration::from_secs(30);
const WAIT: Duration = Duration::from_secs(10);

// nats.c's status numbers (status.h), as the C program prints them.
const NATS_OK: i32 = 0;
const NATS_ERR: i32 = 1;
const NATS_PROTOCOL_ERROR: i32 = 2;
const NATS_CONNECTION_CLOSED: i32 = 5;
const NATS_NO_SERVER: i32 = 6;
const NATS_CONNECTION_AUTH_FAILED: i32 = 11;
const NATS_NOT_FOUND: i32 = 13;
const NATS_MAX_PAYLOAD: i32 = 21;
const NATS_TIMEOUT: i32 = 26;
const NATS_SSL_ERROR: i32 = 29;
const CONN_STATUS_CONNECTED: i32 = 2;
const CONN_STATUS_CLOSED: i32 = 3;

// ---- the fake server ------------------------------------------------------

/// How a fake server (`support::hostile`) treats its first client.
type Script = fn() -> HostileBuilder;

/// Says nothing and waits for the client to hang up.
fn silent() -> HostileBuilder {
    Hostile::builder().no_info()
}

fn close_at_once() -> HostileBuilder {
    Hostile::builder().no_info().step(Step::Close)
}

/// Closes once the client's CONNECT and PING have arrived.
fn close_after_info() -> HostileBuilder {
    Hostile::builder().no_reply().step(Step::Close)
}

fn garbage_for_info() -> HostileBuilder {
    Hostile::builder().info(b"HELLO there\r\n").info_only()
}

/// Answers the handshake's PING with `err` and nothing else after it.
fn err_reply(err: &[u8]) -> HostileBuilder {
    Hostile::builder().reply(err).no_auto_pong()
}

fn err_instead_of_pong() -> HostileBuilder {
    err_reply(b"-ERR 'Unknown Protocol Operation'\r\n")
}

fn auth_timeout_instead_of_pong() -> HostileBuilder {
    err_reply(b"-ERR 'Authentication Timeout'\r\n")
}

fn auth_violation_instead_of_pong() -> HostileBuilder {
    err_reply(b"-ERR 'Authorization Violation'\r\n")
}

/// Requires TLS, then answers the client's hello with plain text.
fn tls_required_then_garbage() -> HostileBuilder {
    Hostile::builder()
        .info_extra("\"tls_required\":true")
        .info_only()
        .steps([
            Step::WaitBytes(1),
            Step::Send(b"this is not TLS\r\n".repeat(20)),
        ])
}

/// Asks for credentials with a nonce, then waits for the client to give up.
fn auth_required() -> HostileBuilder {
    Hostile::builder()
        .info_extra("\"auth_required\":true,\"nonce\":\"bm9uY2U\"")
        .info_only()
}

/// Plays the handshake announcing `max_payload`, then answers PINGs.
fn max_payload_zero() -> HostileBuilder {
    Hostile::builder().max_payload(0)
}

fn max_payload_negative() -> HostileBuilder {
    Hostile::builder().max_payload(-1)
}

/// The handshake's PONG is followed at once (before any later PONG) by
/// `errs`; PINGs are answered after that.
fn pong_then(errs: &[u8]) -> HostileBuilder {
    Hostile::builder().reply(&[&b"PONG\r\n"[..], errs].concat())
}

fn one_auth_error_kept_open() -> HostileBuilder {
    pong_then(b"-ERR 'Authorization Violation'\r\n")
}

fn two_auth_errors_kept_open() -> HostileBuilder {
    pong_then(b"-ERR 'Authorization Violation'\r\n-ERR 'Authorization Violation'\r\n")
}

// ---- the C program, on both libraries --------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Lib {
    Ours,
    NatsC,
}

fn natsc_available() -> bool {
    Path::new("/usr/include/nats/nats.h").exists()
}

/// Builds `tests/c_fake/statuses.c` once per library; `None` when nats.c
/// is not installed.
fn program(lib: Lib) -> Option<PathBuf> {
    static OURS: OnceLock<PathBuf> = OnceLock::new();
    static NATSC: OnceLock<PathBuf> = OnceLock::new();
    if lib == Lib::NatsC && !natsc_available() {
        return None;
    }
    let cell = if lib == Lib::Ours { &OURS } else { &NATSC };
    Some(cell.get_or_init(|| compile(lib, "statuses")).clone())
}

fn compile(lib: Lib, name: &str) -> PathBuf {
    // Kept for the whole test run (several tests share it).
    let dir = unique_temp_dir(&format!("{name}-{lib:?}"));
    let exe = dir.join(name);
    let src = manifest_dir()
        .join("tests")
        .join("c_fake")
        .join(format!("{name}.c"));
    let mut cmd = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()));
    cmd.args([
        "-std=c99",
        "-D_POSIX_C_SOURCE=200809L",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-g",
    ])
    .arg(format!(
        "-I{}",
        manifest_dir().join("tests").join("c").display()
    ));
    match lib {
        Lib::Ours => {
            let libdir = our_lib().parent().expect("library dir").to_path_buf();
            cmd.arg(format!("-I{}", manifest_dir().join("include").display()))
                .arg(&src)
                .arg(format!("-L{}", libdir.display()))
                .arg("-lnats_rs")
                .arg(format!("-Wl,-rpath,{}", libdir.display()));
        }
        Lib::NatsC => {
            cmd.arg("-I/usr/include/nats").arg(&src).arg("-lnats");
        }
    }
    cmd.arg("-lpthread").arg("-o").arg(&exe);
    let out = cmd.output().expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling {} for {lib:?} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs the program in `mode` against a fresh fake server playing `script`
/// and returns its `key=value` fields.
fn run_c(lib: Lib, script: Option<Script>, mode: &str) -> Option<Vec<(String, i64)>> {
    let exe = program(lib)?;
    let server = script.map(|s| s().start());
    let url = match &server {
        Some(s) => s.url(),
        // Nothing listening: a port that was free a moment ago.
        None => format!("nats://127.0.0.1:{}", support::free_port()),
    };
    let dir = unique_temp_dir("statuses-run");
    let mut cmd = Command::new(&exe);
    cmd.arg(&url).arg(mode);
    // cargo's LD_LIBRARY_PATH would beat the rpath: load the library the
    // program was linked with.
    cmd.env_remove("LD_LIBRARY_PATH");
    let r = run_guarded(cmd, &dir, RUN_LIMIT);
    let _ = std::fs::remove_dir_all(&dir);
    drop(server);
    assert!(
        r.success(),
        "{lib:?} {mode}: the program failed ({:?}):\n{}{}",
        r.status,
        r.stdout,
        r.stderr
    );
    let fields = r
        .stdout
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    Some(fields)
}

fn field(fields: &[(String, i64)], key: &str) -> i64 {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {key}= in the program's output: {fields:?}"))
}

/// `natsConnection_Connect` returns `want`, and `nats_GetLastError` reports
/// the same status with a text, on both libraries.
fn expect_connect(script: Option<Script>, want: i32, on_natsc: bool) {
    expect_connect_mode(script, "connect", want, on_natsc);
}

fn expect_connect_mode(script: Option<Script>, mode: &str, want: i32, on_natsc: bool) {
    for lib in [Lib::Ours, Lib::NatsC] {
        if lib == Lib::NatsC && !on_natsc {
            continue;
        }
        let Some(f) = run_c(lib, script, mode) else {
            eprintln!("nats.c comparison skipped: /usr/include/nats/nats.h missing");
            continue;
        };
        assert_eq!(
            (field(&f, "connect"), field(&f, "last"), field(&f, "text")),
            (i64::from(want), i64::from(want), 1),
            "{lib:?}: connect status, last error status, last error text present"
        );
    }
}

#[test]
fn nothing_listening_is_no_server() {
    expect_connect(None, NATS_NO_SERVER, true);
}

#[test]
fn no_info_is_a_timeout() {
    expect_connect(Some(silent), NATS_TIMEOUT, true);
}

#[test]
fn closed_before_info_is_connection_closed() {
    expect_connect(Some(close_at_once), NATS_CONNECTION_CLOSED, true);
}

/// nats.c 3.4.1 says NATS_PROTOCOL_ERROR ("Expected 'PONG', got ''") here;
/// since 3.8 (nats.c #707) reading the reply fails with the socket's status,
/// NATS_CONNECTION_CLOSED, which is what nats.c 3.14 returns and we follow.
#[test]
fn closed_after_info_is_connection_closed() {
    expect_connect(Some(close_after_info), NATS_CONNECTION_CLOSED, false);
}

#[test]
fn garbage_instead_of_info_is_a_protocol_error() {
    expect_connect(Some(garbage_for_info), NATS_PROTOCOL_ERROR, true);
}

#[test]
fn err_during_connect_is_nats_err() {
    expect_connect(Some(err_instead_of_pong), NATS_ERR, true);
}

/// Only "Authorization Violation" and "User Authentication Expired" are
/// auth failures for nats.c; other texts mentioning authentication are not.
#[test]
fn auth_timeout_during_connect_is_nats_err() {
    expect_connect(Some(auth_timeout_instead_of_pong), NATS_ERR, true);
}

#[test]
fn auth_violation_during_connect_is_auth_failed() {
    expect_connect(
        Some(auth_violation_instead_of_pong),
        NATS_CONNECTION_AUTH_FAILED,
        true,
    );
}

#[test]
fn failed_tls_handshake_is_ssl_error() {
    expect_connect(Some(tls_required_then_garbage), NATS_SSL_ERROR, true);
}

/// Credentials that cannot be had at connect time fail the connect with a
/// last error: a missing `.creds` file is NATS_ERR, a failing JWT callback
/// its own status (here NATS_NOT_FOUND).
#[test]
fn credentials_failing_at_connect_leave_a_last_error() {
    expect_connect_mode(Some(auth_required), "creds-missing", NATS_ERR, true);
    expect_connect_mode(
        Some(auth_required),
        "jwt-callback-fails",
        NATS_NOT_FOUND,
        true,
    );
}

/// Every failing TLS and authentication option call (`tests/c_fake/
/// last_errors.c`) returns nats.c's status and leaves it, with a text, in
/// `nats_GetLastError`.
#[test]
fn failing_option_calls_leave_status_and_text() {
    const INVALID_ARG: i64 = 16;
    const ILLEGAL_STATE: i64 = 19;
    const SSL: i64 = NATS_SSL_ERROR as i64;
    let want: &[(&str, i64)] = &[
        ("SetSecure-null-opts", INVALID_ARG),
        ("LoadCATrustedCertificates-missing", SSL),
        ("LoadCATrustedCertificates-null", INVALID_ARG),
        ("SetCATrustedCertificates-garbage", SSL),
        ("LoadCertificatesChain-missing", SSL),
        ("LoadCertificatesChain-mismatch", SSL),
        ("LoadCertificatesChain-null", INVALID_ARG),
        ("SetCertificatesChain-garbage", SSL),
        ("SetCiphers-unknown", SSL),
        ("SetCipherSuites-unknown", SSL),
        ("SetExpectedHostname-null-opts", INVALID_ARG),
        ("SkipServerVerification-null-opts", INVALID_ARG),
        ("LoadCATrustedCertificatesPath-missing", SSL),
        ("LoadCertificatesChainDynamic-null", INVALID_ARG),
        ("TLSHandshakeFirst-null-opts", INVALID_ARG),
        ("SetTokenHandler-with-token", ILLEGAL_STATE),
        ("SetUserCredentialsCallbacks-one", INVALID_ARG),
        ("SetUserCredentialsCallbacks-other", INVALID_ARG),
        ("SetUserCredentialsFromFiles-null-opts", INVALID_ARG),
        ("SetNKey-no-callback", INVALID_ARG),
        ("SetNKeyFromSeed-no-file", INVALID_ARG),
        ("Sign-null-connection", INVALID_ARG),
        ("nats_Sign-null-seed", INVALID_ARG),
        ("nats_Sign-bad-seed", i64::from(NATS_ERR)),
    ];
    // Calls nats.c 3.4.1 does not have.
    let newer = [
        "LoadCATrustedCertificatesPath-missing",
        "LoadCertificatesChainDynamic-null",
        "TLSHandshakeFirst-null-opts",
    ];
    let pki = support::certs::TestPki::new();
    for lib in [Lib::Ours, Lib::NatsC] {
        if lib == Lib::NatsC && !natsc_available() {
            eprintln!("nats.c comparison skipped: /usr/include/nats/nats.h missing");
            continue;
        }
        let exe = compile(lib, "last_errors");
        let dir = unique_temp_dir("last-errors-run");
        let mut cmd = Command::new(&exe);
        // The server's key is not the client certificate's.
        cmd.args([&pki.client_cert, &pki.client_key, &pki.server_key])
            .env_remove("LD_LIBRARY_PATH");
        let r = run_guarded(cmd, &dir, RUN_LIMIT);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            r.success(),
            "{lib:?}: {:?}\n{}{}",
            r.status,
            r.stdout,
            r.stderr
        );
        let mut lines = r.stdout.lines();
        for (name, status) in want {
            if lib == Lib::NatsC && newer.contains(name) {
                continue;
            }
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("{lib:?}: no line for {name}:\n{}", r.stdout));
            assert_eq!(
                line,
                format!("{name} status={status} last={status} text=1"),
                "{lib:?}"
            );
        }
        assert_eq!(lines.next(), None, "{lib:?}: more lines than expected");
    }
}

/// A `max_payload` of 0 lets only empty messages through, a negative one
/// nothing at all (nats.c compares the size with the announced value).
#[test]
fn max_payload_zero_or_negative_refuses_publishes() {
    for (script, max, pub0) in [
        (max_payload_zero as Script, 0, NATS_OK),
        (max_payload_negative as Script, -1, NATS_MAX_PAYLOAD),
    ] {
        for lib in [Lib::Ours, Lib::NatsC] {
            let Some(f) = run_c(lib, Some(script), "publish") else {
                continue;
            };
            assert_eq!(
                (field(&f, "pub1"), field(&f, "pub0"), field(&f, "max")),
                (i64::from(NATS_MAX_PAYLOAD), i64::from(pub0), max),
                "{lib:?}: publish of 1 byte, of 0 bytes, GetMaxPayload with max_payload {max}"
            );
        }
    }
}

/// One refusal after the connect is reported (error handler, last error)
/// and, as in nats.c, leaves the connection up until the server acts.
#[test]
fn one_auth_error_after_connect_is_reported_and_keeps_the_connection() {
    for lib in [Lib::Ours, Lib::NatsC] {
        let Some(f) = run_c(lib, Some(one_auth_error_kept_open), "autherr") else {
            continue;
        };
        let mut got =
            ["errors", "err", "flush", "closed", "status", "last", "text"].map(|k| field(&f, k));
        if lib == Lib::NatsC && got[2] == i64::from(NATS_TIMEOUT) {
            // nats.c 3.4.1 sometimes misses the PONG that arrives with the
            // -ERR (seen under load); what is checked of it is the rest.
            got[2] = NATS_OK.into();
        }
        let want = [
            1,
            NATS_CONNECTION_AUTH_FAILED.into(),
            NATS_OK.into(),
            0,
            CONN_STATUS_CONNECTED.into(),
            NATS_CONNECTION_AUTH_FAILED.into(),
            1,
        ];
        assert_eq!(got, want, "{lib:?}: {f:?}");
    }
}

/// A second refusal from a server that still keeps the socket open closes
/// the connection (nats.c: "the same auth error twice from this server").
#[test]
fn second_auth_error_after_connect_closes_the_connection() {
    for lib in [Lib::Ours, Lib::NatsC] {
        let Some(f) = run_c(lib, Some(two_auth_errors_kept_open), "autherr") else {
            continue;
        };
        assert_eq!(
            field(&f, "closed"),
            1,
            "{lib:?}: closed callback ran: {f:?}"
        );
        assert_eq!(
            field(&f, "status"),
            i64::from(CONN_STATUS_CLOSED),
            "{lib:?}: {f:?}"
        );
        assert_eq!(
            (field(&f, "last"), field(&f, "text")),
            (i64::from(NATS_CONNECTION_AUTH_FAILED), 1),
            "{lib:?}: the connection's last error: {f:?}"
        );
        assert_ne!(field(&f, "flush"), i64::from(NATS_OK), "{lib:?}: {f:?}");
    }
}

// ---- the same through the Rust client ----------------------------------------

fn rust_opts(url: String) -> Options {
    Options {
        url: Some(url),
        timeout: Duration::from_millis(500),
        allow_reconnect: false,
        ..Options::default()
    }
}

#[test]
fn rust_connect_failures_keep_their_kind() {
    let cases: [(Script, ErrorKind); 5] = [
        (silent, ErrorKind::Timeout),
        (close_at_once, ErrorKind::ConnectionClosed),
        (close_after_info, ErrorKind::ConnectionClosed),
        (garbage_for_info, ErrorKind::ProtocolError),
        (tls_required_then_garbage, ErrorKind::SslError),
    ];
    for (script, kind) in cases {
        let server = script().start();
        let e = Connection::connect(rust_opts(server.url())).unwrap_err();
        assert_eq!(e.kind, kind, "{e}");
        assert!(!e.text.is_empty());
    }
}

#[test]
fn rust_max_payload_zero_refuses_non_empty_messages() {
    let server = max_payload_zero().start();
    let nc = Connection::connect(rust_opts(server.url())).unwrap();
    assert_eq!(nc.max_payload(), 0);
    assert_eq!(
        nc.publish("foo", b"x").unwrap_err().kind,
        ErrorKind::MaxPayload
    );
    nc.publish("foo", b"").unwrap();
    nc.close();
}

#[test]
fn rust_second_auth_error_closes_with_auth_failed() {
    let server = two_auth_errors_kept_open().start();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let seen = errors.clone();
    let mut opts = rust_opts(server.url());
    opts.callbacks.error_cb = Some(Arc::new(move |_, _, e| {
        seen.lock().unwrap().push(e.kind);
    }));
    let nc = Connection::connect(opts).unwrap();
    assert!(support::wait_until(WAIT, || nc.status() == Status::Closed));
    assert_eq!(nc.last_error().unwrap().kind, ErrorKind::AuthFailed);
    assert!(support::wait_until(WAIT, || errors.lock().unwrap().len() == 2));
    assert_eq!(
        *errors.lock().unwrap(),
        vec![ErrorKind::AuthFailed, ErrorKind::AuthFailed]
    );
}

#[test]
fn rust_second_auth_error_with_ignore_auth_error_abort_keeps_the_connection() {
    let server = two_auth_errors_kept_open().start();
    let errors = Arc::new(Mutex::new(0));
    let seen = errors.clone();
    let mut opts = rust_opts(server.url());
    opts.ignore_auth_error_abort = true;
    opts.callbacks.error_cb = Some(Arc::new(move |_, _, _| {
        *seen.lock().unwrap() += 1;
    }));
    let nc = Connection::connect(opts).unwrap();
    assert!(support::wait_until(WAIT, || *errors.lock().unwrap() == 2));
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(nc.status(), Status::Connected);
    nc.close();
}

/// Answers PINGs, and objects to any PUB with a `-ERR` (which closes the
/// client's connection) and answers nothing after it.
fn no_pub_expected() -> Hostile {
    Hostile::builder().no_auto_pong().serve(|p| {
        if !p.handshake() {
            return;
        }
        while let Some(line) = p.next_line() {
            let op = line.split_ascii_whitespace().next().unwrap_or("");
            if op.eq_ignore_ascii_case("PUB") || op.eq_ignore_ascii_case("HPUB") {
                p.send(b"-ERR 'Unexpected PUB'\r\n");
                p.drain();
                return;
            }
            if line == "PING" && !p.send(b"PONG\r\n") {
                return;
            }
        }
    })
}

/// The README's known difference: whitespace in a publish or reply subject
/// is refused and nothing is sent (nats.c sends it, and the server reads
/// `PUB foo bar 2` as subject `foo` with reply `bar`).
#[test]
fn rust_whitespace_in_publish_subjects_is_refused_and_nothing_sent() {
    let server = no_pub_expected();
    let nc = Connection::connect(rust_opts(server.url())).unwrap();
    for subj in ["foo bar", "foo\tbar", "foo\r\nbar"] {
        assert_eq!(
            nc.publish(subj, b"hi").unwrap_err().kind,
            ErrorKind::InvalidSubject,
            "{subj:?}"
        );
    }
    assert_eq!(
        nc.publish_raw("foo", Some("a b"), None, b"hi")
            .unwrap_err()
            .kind,
        ErrorKind::InvalidArg
    );
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(nc.status(), Status::Connected);
    nc.close();
}
