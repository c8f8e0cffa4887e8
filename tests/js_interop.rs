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

use support::nats_py::{run_on_natsc, run_on_ours};

const SCRIPT: &str = "js_interop.py";

fn ours(scenario: &str) {
    run_on_ours(SCRIPT, scenario);
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
    run_on_natsc(SCRIPT, "abc");
}
