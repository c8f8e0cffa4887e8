//! Micro services (ADR-32) wire interop with another client, npm's
//! `@nats-io/services`: `tests/js/micro_interop.mjs` drives two C programs
//! built against our library, on one nats-server:
//!
//! - `tests/micro_interop/service.c`: two services of ours, discovered,
//!   measured and called by the JS services client;
//! - `tests/micro_interop/client.c`: `microClient_DoRequest` calling a
//!   service written with `@nats-io/services`.
//!
//! The packages come from `.ci/ensure-nats-js` (pinned); without the npm
//! registry, or without node, the tests print a note and pass without
//! running. `NATS_RS_C_LIB_OVERRIDE` builds the programs against another
//! nats.c instead (see tests/support/nats_js.rs): on nats.c 3.14, scenarios
//! b and c pass and a fails exactly on what nats.c leaves out of ADR-32
//! (metadata in PING and STATS, `processing_time` in STATS; issue 18).

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;

use support::nats_js::{compile_c, node_with_nats_js, run_script};
use support::{manifest_dir, unique_temp_dir, NatsServer};

const SCRIPT: &str = "micro_interop.mjs";

/// The two programs, built once per test binary (kept for the whole run:
/// the tests share them).
fn programs() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = unique_temp_dir("micro-interop-bin");
        let build = |name: &str| {
            let exe = dir.join(name);
            compile_c(&source(name), &exe, false);
            exe
        };
        (build("service"), build("client"))
    })
}

fn source(name: &str) -> PathBuf {
    manifest_dir()
        .join("tests/micro_interop")
        .join(format!("{name}.c"))
}

fn run(scenarios: &str) {
    let Some(node) = node_with_nats_js() else {
        return;
    };
    let (service, client) = programs();
    let server = NatsServer::start();
    let dir = unique_temp_dir("micro-interop");
    run_script(
        &node,
        SCRIPT,
        &[
            "--scenarios",
            scenarios,
            "--service",
            service.to_str().expect("UTF-8 path"),
            "--client",
            client.to_str().expect("UTF-8 path"),
        ],
        &server,
        &dir,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// (a) The JS services client finds our two services with PING, INFO and
/// STATS (unfiltered, by name, by name and id; a name with another
/// service's id finds none) and every ADR-32 field is as configured: the
/// `io.nats.micro.v1.*_response` types, name, id (microService_GetInfo's),
/// version, metadata (in PING and STATS too), description, the endpoints'
/// subject, queue group and metadata, STATS counting the script's calls
/// and errors with the last error's text, processing time in ns with its
/// average, and `started` an RFC 3339 time of the last two minutes.
#[test]
fn js_client_discovers_our_services() {
    run("a");
}

/// (b) The JS client calls our endpoints: the reply is the bytes our
/// handler sent (a zero byte, bytes above 0x7f, an empty request), and
/// the endpoint whose handler returns micro_ErrorfCode(400, ...) answers
/// with `Nats-Service-Error: bad input: ...`, `Nats-Service-Error-Code:
/// 400` and no body.
#[test]
fn js_client_calls_our_endpoints_and_gets_service_errors() {
    run("b");
}

/// (c) A service written with @nats-io/services answers our
/// microClient_DoRequest: the echo's bytes exactly, and for its
/// respondError(503, ...) a microError with microError_Code 503, the text
/// in microError_String and no library status.
#[test]
fn our_client_calls_a_js_service() {
    run("c");
}

/// The programs are also valid C++ (as tests/c's are).
#[test]
fn programs_build_as_cxx() {
    let dir = unique_temp_dir("micro-interop-cxx");
    for name in ["service", "client"] {
        compile_c(&source(name), &dir.join(name), true);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
