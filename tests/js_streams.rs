//! Stream management against a real `nats-server -js`: every config field
//! round-trips, updates, purges, paged listings and subject state, API
//! errors, and a replicated stream on a 3-node cluster.
mod support;

use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::*;
use support::{wait_until, Cluster, NatsServer};

fn connect_url(url: String) -> Connection {
    let opts = Options {
        url: Some(url),
        ..Options::default()
    };
    Connection::connect(opts).expect("connect")
}

fn js(server: &NatsServer) -> JetStream {
    JetStream::new(connect_url(server.url()), JsOptions::default()).unwrap()
}

/// Publishes through the stream and waits for its ack (a request: the
/// stream answers with a PubAck).
fn store(js: &JetStream, subject: &str, data: &[u8]) {
    let ack = js
        .connection()
        .request(subject, None, data, Duration::from_secs(5))
        .expect("publish ack");
    assert!(
        !String::from_utf8_lossy(ack.data()).contains("\"error\""),
        "{}",
        String::from_utf8_lossy(ack.data())
    );
}

/// The config as the user set it, without what the server adds on its own
/// (`_nats.*` metadata since 2.11), metadata in key order (the server keeps
/// it in a map).
fn user_view(mut cfg: StreamConfig) -> StreamConfig {
    cfg.metadata.retain(|(k, _)| !k.starts_with("_nats."));
    cfg.metadata.sort();
    cfg
}

const MS: i64 = 1_000_000;
const SEC: i64 = 1_000 * MS;

/// A config with the server's defaults written out, so that what comes
/// back equals what went: no per-subject limit (-1) and a two-minute
/// duplicate window.
fn spelled_out(name: &str, subjects: &[&str]) -> StreamConfig {
    StreamConfig {
        max_msgs_per_subject: -1,
        duplicates: 120 * SEC,
        ..StreamConfig::new(name, subjects)
    }
}

#[test]
fn every_stream_config_field_round_trips() {
    let server = NatsServer::builder()
        .jetstream()
        .config("server_tags: [\"zone:a\", \"ssd\"]")
        .start();
    let js = js(&server);
    store_origin(&js);

    let full = StreamConfig {
        name: "FULL".into(),
        description: "every field".into(),
        subjects: vec!["full.>".into(), "other.*".into()],
        retention: RetentionPolicy::Limits,
        max_consumers: 10,
        max_msgs: 1000,
        max_bytes: 1 << 20,
        max_age: 3600 * SEC,
        max_msgs_per_subject: 5,
        max_msg_size: 4096,
        // Scheduling cannot discard new messages; the counter stream does.
        discard: DiscardPolicy::Old,
        storage: StorageType::File,
        replicas: 1,
        no_ack: true,
        // Stream templates are gone from current servers.
        template: String::new(),
        duplicates: 30 * SEC,
        placement: Some(Placement {
            cluster: String::new(),
            tags: vec!["zone:a".into(), "ssd".into()],
        }),
        mirror: None,
        sources: vec![StreamSource {
            name: "ORIGIN".into(),
            opt_start_seq: 2,
            opt_start_time: 0,
            filter_subject: "origin.a".into(),
            external: Some(ExternalStream {
                // Another domain (the stream sources nothing here; only its
                // config is under test).
                api_prefix: "$JS.elsewhere.API".into(),
                deliver_prefix: "dlv.full".into(),
            }),
            domain: String::new(),
        }],
        sealed: false,
        deny_delete: true,
        // Roll-ups need purging allowed; the sealed stream below denies it.
        deny_purge: false,
        allow_rollup: true,
        republish: Some(RePublish {
            source: "full.>".into(),
            destination: "repub.>".into(),
            headers_only: true,
        }),
        allow_direct: true,
        mirror_direct: false,
        discard_new_per_subject: false,
        metadata: vec![("owner".into(), "tests".into()), ("a".into(), "1".into())],
        compression: StorageCompression::S2,
        first_seq: 100,
        subject_transform: SubjectTransformConfig {
            source: "other.*".into(),
            destination: "full.from.{{wildcard(1)}}".into(),
        },
        consumer_limits: StreamConsumerLimits {
            inactive_threshold: 60 * SEC,
            max_ack_pending: 500,
        },
        allow_msg_ttl: true,
        subject_delete_marker_ttl: 5 * SEC,
        persist_mode: PersistMode::Default,
        allow_atomic: true,
        allow_msg_counter: false,
        // A stream with sources cannot schedule; see SCHED below.
        allow_msg_schedules: false,
        allow_batched: true,
    };
    let created = js.add_stream(&full).expect("create the full stream");
    assert_eq!(user_view(created.config.clone()), user_view(full.clone()));
    let info = js
        .stream_info("FULL", &StreamInfoOptions::default())
        .unwrap();
    assert_eq!(user_view(info.config), user_view(full));
    assert!(info.created > 0);
    assert_eq!(info.state.first_seq, 100);

    // What one stream cannot hold at once: a mirror with direct reads,
    // counters with async persistence, schedules, a sealed work queue.
    let mirror = StreamConfig {
        name: "MIRROR".into(),
        retention: RetentionPolicy::Interest,
        mirror: Some(StreamSource {
            name: "ORIGIN".into(),
            opt_start_seq: 0,
            opt_start_time: 1_600_000_000 * SEC + 123_456_789,
            filter_subject: String::new(),
            external: None,
            domain: String::new(),
        }),
        mirror_direct: true,
        allow_direct: true,
        storage: StorageType::Memory,
        // The server writes "no limit" as -1 (0 is read as that too).
        max_msgs_per_subject: -1,
        ..StreamConfig::default()
    };
    let got = js.add_stream(&mirror).expect("create the mirror");
    assert_eq!(user_view(got.config), mirror);

    let counter = StreamConfig {
        allow_msg_counter: true,
        persist_mode: PersistMode::Async,
        ..spelled_out("COUNTER", &["count.>"])
    };
    let got = js.add_stream(&counter).expect("create the counter stream");
    assert_eq!(user_view(got.config), counter);

    let sched = StreamConfig {
        allow_msg_ttl: true,
        allow_msg_schedules: true,
        // Schedules roll up; the server turns this on for them.
        allow_rollup: true,
        ..spelled_out("SCHED", &["sched.>"])
    };
    let got = js.add_stream(&sched).expect("create the scheduling stream");
    assert_eq!(user_view(got.config), sched);

    // Discarding new messages per subject, and sealing (only an update can).
    let mut sealed = StreamConfig {
        retention: RetentionPolicy::WorkQueue,
        discard: DiscardPolicy::New,
        discard_new_per_subject: true,
        max_msgs_per_subject: 10,
        deny_delete: true,
        deny_purge: true,
        ..spelled_out("SEALED", &["sealed.>"])
    };
    let got = js.add_stream(&sealed).unwrap();
    assert_eq!(user_view(got.config), sealed);
    sealed.sealed = true;
    let got = js.update_stream(&sealed).expect("seal");
    assert_eq!(user_view(got.config), sealed);
}

/// The stream the sources and mirrors of the round-trip test read from.
fn store_origin(js: &JetStream) {
    // Direct reads on the origin let its mirror serve them too.
    let origin = StreamConfig {
        allow_direct: true,
        ..StreamConfig::new("ORIGIN", &["origin.>"])
    };
    js.add_stream(&origin).unwrap();
    store(js, "origin.a", b"1");
    store(js, "origin.b", b"2");
}

#[test]
fn update_changes_the_config() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let mut cfg = spelled_out("UPD", &["upd.a"]);
    js.add_stream(&cfg).unwrap();
    cfg.subjects.push("upd.b".into());
    cfg.description = "now two subjects".into();
    cfg.max_msgs = 5;
    cfg.metadata = vec![("k".into(), "v".into())];
    let got = js.update_stream(&cfg).expect("update");
    assert_eq!(user_view(got.config), cfg);
    let info = js
        .stream_info("UPD", &StreamInfoOptions::default())
        .unwrap();
    assert_eq!(info.config.subjects, ["upd.a", "upd.b"]);
    assert_eq!(info.config.max_msgs, 5);

    // What the server refuses is its error, with its code.
    cfg.storage = StorageType::Memory;
    let e = js.update_stream(&cfg).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert_ne!(e.code, 0);
    assert!(!e.text.is_empty());
}

#[test]
fn purge_by_subject_keep_and_sequence() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    js.add_stream(&StreamConfig::new("P", &["p.*"])).unwrap();
    let fill = || {
        for i in 0..4 {
            store(&js, "p.a", format!("a{i}").as_bytes());
            store(&js, "p.b", format!("b{i}").as_bytes());
        }
    };
    let msgs = || {
        js.stream_info("P", &StreamInfoOptions::default())
            .unwrap()
            .state
            .msgs
    };
    fill();
    assert_eq!(msgs(), 8);

    let only_a = PurgeOptions {
        subject: "p.a".into(),
        ..PurgeOptions::default()
    };
    assert_eq!(js.purge_stream("P", &only_a).unwrap(), 4);
    assert_eq!(msgs(), 4);

    let keep = PurgeOptions {
        keep: 1,
        ..PurgeOptions::default()
    };
    assert_eq!(js.purge_stream("P", &keep).unwrap(), 3);
    assert_eq!(msgs(), 1);

    // Sequences 1..=9 are gone; p.a and p.b got 9..=16 now.
    js.purge_stream("P", &PurgeOptions::default()).unwrap();
    fill();
    let last = js
        .stream_info("P", &StreamInfoOptions::default())
        .unwrap()
        .state
        .last_seq;
    assert_eq!(last, 16);
    let below = PurgeOptions {
        sequence: 13,
        ..PurgeOptions::default()
    };
    assert_eq!(js.purge_stream("P", &below).unwrap(), 4);
    let info = js.stream_info("P", &StreamInfoOptions::default()).unwrap();
    assert_eq!((info.state.msgs, info.state.first_seq), (4, 13));

    // Filter and keep together: of p.b (13..=16 holds two) keep one.
    let filtered_keep = PurgeOptions {
        subject: "p.b".into(),
        keep: 1,
        ..PurgeOptions::default()
    };
    assert_eq!(js.purge_stream("P", &filtered_keep).unwrap(), 1);
    assert_eq!(msgs(), 3);

    let both = PurgeOptions {
        sequence: 1,
        keep: 1,
        ..PurgeOptions::default()
    };
    assert_eq!(
        js.purge_stream("P", &both).unwrap_err().kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn deleted_details_and_delete() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    js.add_stream(&StreamConfig::new("D", &["d"])).unwrap();
    for _ in 0..5 {
        store(&js, "d", b"x");
    }
    js.delete_msg("D", 2).unwrap();
    js.erase_msg("D", 4).unwrap();
    let plain = js.stream_info("D", &StreamInfoOptions::default()).unwrap();
    assert_eq!(plain.state.num_deleted, 2);
    assert!(plain.state.deleted.is_empty());
    let detailed = StreamInfoOptions {
        deleted_details: true,
        ..StreamInfoOptions::default()
    };
    let info = js.stream_info("D", &detailed).unwrap();
    assert_eq!(info.state.deleted, [2, 4]);

    js.delete_stream("D").unwrap();
    let e = js.stream_info("D", &detailed).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::STREAM_NOT_FOUND)
    );
}

#[test]
fn api_errors_for_a_missing_stream() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let none = StreamInfoOptions::default();
    let not_found = |e: JsError| {
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, codes::STREAM_NOT_FOUND),
            "{e}"
        );
        assert!(!e.text.is_empty());
    };
    not_found(js.stream_info("NOPE", &none).unwrap_err());
    not_found(js.delete_stream("NOPE").unwrap_err());
    not_found(
        js.purge_stream("NOPE", &PurgeOptions::default())
            .unwrap_err(),
    );
    not_found(
        js.update_stream(&StreamConfig::new("NOPE", &["x"]))
            .unwrap_err(),
    );
    // No stream at all: the listings are NotFound too (nats.c).
    assert_eq!(js.stream_names("").unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(js.streams("").unwrap_err().kind, ErrorKind::NotFound);

    // Bad names never reach the server.
    for (name, text) in [
        ("", "stream name is required"),
        ("a.b", "invalid stream name 'a.b' (cannot contain '.')"),
    ] {
        let e = js.stream_info(name, &none).unwrap_err();
        assert_eq!(
            (e.kind, e.text.as_str(), e.code),
            (ErrorKind::InvalidArg, text, 0)
        );
        let e = js.add_stream(&StreamConfig::new(name, &[])).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
    }
    let info = js.account_info().unwrap();
    assert_eq!(info.streams, 0);
}

/// More streams than one page of names (1024) or infos (256) holds.
#[test]
fn listings_span_pages() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    const N: usize = 1100;
    for i in 0..N {
        let cfg = StreamConfig {
            storage: StorageType::Memory,
            ..StreamConfig::new(&format!("L{i:04}"), &[&format!("list.{i}")])
        };
        js.add_stream(&cfg).unwrap();
    }
    // One page of either holds fewer: the test spans pages.
    for (api, key) in [("STREAM.NAMES", "streams"), ("STREAM.LIST", "streams")] {
        let page = js.api_request_raw(api, br#"{"offset":0}"#).unwrap();
        let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
        let n = page[key].as_array().unwrap().len();
        assert!(n < N, "{api}: one page held all {n}");
    }
    let mut names = js.stream_names("").expect("names");
    assert_eq!(names.len(), N);
    names.sort();
    let want: Vec<String> = (0..N).map(|i| format!("L{i:04}")).collect();
    assert_eq!(names, want);

    let infos = js.streams("").expect("infos");
    assert_eq!(infos.len(), N);
    let mut seen: Vec<String> = infos.into_iter().map(|si| si.config.name).collect();
    seen.sort();
    assert_eq!(seen, want);

    // A subject filter selects the streams that listen on it.
    assert_eq!(js.stream_names("list.7").unwrap(), ["L0007"]);
    let infos = js.streams("list.1000").unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].config.subjects, ["list.1000"]);
    assert_eq!(
        js.stream_names("nothing.here").unwrap_err().kind,
        ErrorKind::NotFound
    );
}

/// Per-subject counts come in pages of at most 100,000 subjects; all of
/// them are collected.
#[test]
fn subject_state_spans_pages() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let cfg = StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new("SUBJ", &["subj.>"])
    };
    js.add_stream(&cfg).unwrap();
    const N: u64 = 100_050;
    let conn = js.connection();
    for i in 0..N {
        conn.publish(&format!("subj.{i}"), b"").unwrap();
    }
    // Two more on one subject, so that one count is not 1.
    store(&js, "subj.7", b"");
    store(&js, "subj.7", b"");
    let none = StreamInfoOptions::default();
    assert!(
        wait_until(Duration::from_secs(30), || js
            .stream_info("SUBJ", &none)
            .unwrap()
            .state
            .msgs
            == N + 2),
        "not all messages stored"
    );
    let all = StreamInfoOptions {
        subjects_filter: ">".into(),
        ..StreamInfoOptions::default()
    };
    // The server's first page alone holds fewer: the test spans pages.
    let first = js
        .api_request_raw("STREAM.INFO.SUBJ", br#"{"subjects_filter":">"}"#)
        .unwrap();
    let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let on_first = first["state"]["subjects"].as_object().unwrap().len() as u64;
    assert!(on_first < N, "one page held all {on_first} subjects");
    assert_eq!(first["total"], N);

    let info = js.stream_info("SUBJ", &all).expect("info with subjects");
    assert_eq!(info.state.subjects.len() as u64, N);
    assert_eq!(info.state.num_subjects as u64, N);
    let mut seen = std::collections::HashSet::new();
    for s in &info.state.subjects {
        assert!(seen.insert(s.subject.clone()), "{} twice", s.subject);
        let want = if s.subject == "subj.7" { 3 } else { 1 };
        assert_eq!(s.msgs, want, "{}", s.subject);
    }

    let some = StreamInfoOptions {
        subjects_filter: "subj.1000*".into(),
        ..StreamInfoOptions::default()
    };
    // `*` is a whole token: "subj.1000*" is a literal subject nobody used.
    assert!(js
        .stream_info("SUBJ", &some)
        .unwrap()
        .state
        .subjects
        .is_empty());
    let one = StreamInfoOptions {
        subjects_filter: "subj.42".into(),
        ..StreamInfoOptions::default()
    };
    let got = js.stream_info("SUBJ", &one).unwrap().state.subjects;
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].subject.as_str(), got[0].msgs), ("subj.42", 1));
}

#[test]
fn a_replicated_stream_reports_its_cluster() {
    let cluster = Cluster::builder(3).jetstream().start();
    let js = JetStream::new(connect_url(cluster.url_list()), JsOptions::default()).unwrap();
    let cfg = StreamConfig {
        replicas: 3,
        ..StreamConfig::new("R3", &["r3.>"])
    };
    // Right after start the meta leader may still be being elected.
    let mut created = None;
    assert!(
        wait_until(Duration::from_secs(20), || {
            created = js.add_stream(&cfg).ok();
            created.is_some()
        }),
        "no JetStream meta leader"
    );
    let none = StreamInfoOptions::default();
    let mut info = created.unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || {
            info = js.stream_info("R3", &none).unwrap();
            info.cluster
                .as_ref()
                .is_some_and(|c| !c.leader.is_empty() && c.replicas.len() == 2)
        }),
        "no stream leader with two replicas: {:?}",
        info.cluster
    );
    let ci = info.cluster.unwrap();
    assert_eq!(ci.name, "test");
    assert!(ci.leader_since > 0);
    let mut peers: Vec<String> = ci.replicas.iter().map(|p| p.name.clone()).collect();
    peers.push(ci.leader.clone());
    peers.sort();
    assert_eq!(peers, ["n0", "n1", "n2"]);
    assert!(!ci.raft_group.is_empty());
    assert_eq!(info.config.replicas, 3);
}
