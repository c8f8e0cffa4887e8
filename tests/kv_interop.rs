//! Key-value store (ADR-8) wire interop with another client, PyPI's
//! nats-py: `tests/python/kv_interop.py` drives the kvStore C API through
//! ctypes and nats-py's KeyValue against one JetStream server, each reading
//! what the other wrote.
//!
//! The script runs against this build's `libnats_rs.so`, and against
//! Debian's nats.c (`libnats.so` from libnats-dev) when installed, which
//! shows the script's expectations are nats.c's own. nats-py comes from
//! `.ci/ensure-nats-py` (pinned, into `.venv`); when the package index
//! cannot be reached the tests print a note and pass without running.

mod support;

use support::nats_py::{run_on_natsc, run_on_ours};

const SCRIPT: &str = "kv_interop.py";

fn ours(scenario: &str) {
    run_on_ours(SCRIPT, scenario);
}

/// (a) nats-py creates and fills a bucket (history, binary values, a
/// delete, a purge); we read it with Get/GetRevision/History/Keys/Status
/// exactly as nats-py sees it, watch it (initial values, the NULL marker,
/// nats-py's later put and delete), and update it (compare-and-set with
/// the right and a stale revision, Create on a live and a deleted key);
/// nats-py then sees our writes with our revisions.
#[test]
fn we_read_watch_and_update_a_nats_py_bucket() {
    ours("a");
}

/// (b) we create a bucket from a kvConfig (history 4, TTL, limits, memory
/// storage, LimitMarkerTTL) and fill it with puts, a create, an update, a
/// delete and a purge; nats-py reads the same keys, values, revisions,
/// history and markers, and sees ADR-8's stream config; we read nats-py's
/// update of our bucket.
#[test]
fn nats_py_reads_our_bucket() {
    ours("b");
}

/// Both scenarios on nats.c 3.4.1: its kvConfig head has the layout of
/// 3.14's, and the script sets LimitMarkerTTL (3.14 only) by version.
#[test]
fn debian_nats_c_both_scenarios() {
    run_on_natsc(SCRIPT, "ab");
}
