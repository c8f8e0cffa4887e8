//! Consumer management against a real `nats-server -js`: create through
//! each API subject, update, info, listings, delete, pause, reset, unpin,
//! and the errors for a missing stream or consumer.
mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::*;
use support::NatsServer;

const SEC: i64 = 1_000_000_000;

fn js(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

fn store(js: &JetStream, subject: &str, data: &[u8]) {
    js.connection()
        .request(subject, None, data, Duration::from_secs(5))
        .expect("publish ack");
}

fn with_stream(server: &NatsServer) -> JetStream {
    let js = js(server);
    js.add_stream(&StreamConfig::new("S", &["s.>"])).unwrap();
    for subject in ["s.a", "s.b", "s.a", "s.c"] {
        store(&js, subject, b"x");
    }
    js
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// The config as the user set it: without the `_nats.*` metadata the server
/// adds (2.11+), metadata in key order (the server keeps a map).
fn user_view(ci: &ConsumerInfo) -> ConsumerConfig {
    let mut cfg = ci.config.clone();
    cfg.metadata.retain(|(k, _)| !k.starts_with("_nats."));
    cfg.metadata.sort();
    cfg
}

#[test]
fn every_consumer_config_field_round_trips() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);
    let pull = ConsumerConfig {
        name: "PULL".into(),
        durable: "PULL".into(),
        description: "a pull consumer".into(),
        deliver_policy: DeliverPolicy::ByStartSequence,
        opt_start_seq: 2,
        ack_policy: AckPolicy::Explicit,
        // With a backoff the server takes its first step as the ack wait.
        ack_wait: SEC,
        max_deliver: 5,
        back_off: vec![SEC, 2 * SEC, 4 * SEC],
        filter_subject: String::new(),
        replay_policy: ReplayPolicy::Instant,
        max_waiting: 64,
        max_ack_pending: 100,
        headers_only: true,
        max_request_batch: 50,
        max_request_expires: 30 * SEC,
        max_request_max_bytes: 1 << 16,
        inactive_threshold: 3600 * SEC,
        replicas: 1,
        memory_storage: true,
        filter_subjects: vec!["s.a".into(), "s.b".into()],
        metadata: vec![("a".into(), "1".into()), ("team".into(), "tests".into())],
        pause_until: 0,
        priority_policy: priority_policy::PINNED_CLIENT.into(),
        pinned_ttl: 90 * SEC,
        priority_groups: vec!["jobs".into()],
        ..ConsumerConfig::default()
    };
    let ci = js
        .add_consumer("S", &pull)
        .expect("create the pull consumer");
    assert_eq!(user_view(&ci), pull);
    assert_eq!((ci.stream.as_str(), ci.name.as_str()), ("S", "PULL"));
    assert!(ci.created > 0);
    // s.a and s.b from sequence 2 on: s.b, s.a.
    assert_eq!(ci.num_pending, 2);

    // Push-only fields, a start time and original replay on another one.
    let push = ConsumerConfig {
        name: "PUSH".into(),
        durable: "PUSH".into(),
        deliver_policy: DeliverPolicy::ByStartTime,
        opt_start_time: 1_600_000_000 * SEC + 5,
        ack_policy: AckPolicy::All,
        ack_wait: 30 * SEC,
        max_deliver: -1,
        filter_subject: "s.c".into(),
        replay_policy: ReplayPolicy::Original,
        rate_limit: 1_000_000,
        sample_frequency: "50%".into(),
        max_ack_pending: 10,
        flow_control: true,
        heartbeat: 5 * SEC,
        deliver_subject: "push.deliver".into(),
        deliver_group: "workers".into(),
        pause_until: now_nanos() + 3600 * SEC,
        ..ConsumerConfig::default()
    };
    let ci = js
        .add_consumer("S", &push)
        .expect("create the push consumer");
    assert_eq!(user_view(&ci), push);
    let ci = js.consumer_info("S", "PUSH").unwrap();
    assert_eq!(user_view(&ci), push);
    assert!(ci.paused);
    assert!(ci.pause_remaining > 0);
}

#[test]
fn create_through_each_api_and_update() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);

    // Named with one filter: CONSUMER.CREATE.S.NAMED.s.a
    let named = ConsumerConfig {
        name: "NAMED".into(),
        filter_subject: "s.a".into(),
        ..ConsumerConfig::default()
    };
    let ci = js.add_consumer("S", &named).unwrap();
    assert_eq!((ci.name.as_str(), ci.num_pending), ("NAMED", 2));

    // Durable only: the legacy durable API.
    let durable = ConsumerConfig {
        durable: "DUR".into(),
        ack_policy: AckPolicy::None,
        ..ConsumerConfig::default()
    };
    let ci = js.add_consumer("S", &durable).unwrap();
    assert_eq!(ci.config.durable, "DUR");
    assert_eq!(ci.num_pending, 4);

    // Neither: an ephemeral consumer with a server-made name.
    let ci = js.add_consumer("S", &ConsumerConfig::default()).unwrap();
    assert!(!ci.name.is_empty());
    assert!(ci.config.durable.is_empty());

    // Update: a durable changes what may change.
    let mut upd = durable.clone();
    upd.description = "changed".into();
    upd.max_deliver = 3;
    let ci = js.update_consumer("S", &upd).unwrap();
    assert_eq!(ci.config.description, "changed");
    assert_eq!(ci.config.max_deliver, 3);
    let ci = js.consumer_info("S", "DUR").unwrap();
    assert_eq!(ci.config.description, "changed");

    // What may not change is the server's error.
    upd.ack_policy = AckPolicy::Explicit;
    let e = js.update_consumer("S", &upd).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert_ne!(e.code, 0);

    let e = js.update_consumer("S", &named).unwrap_err();
    assert_eq!(
        (e.kind, e.text.as_str()),
        (ErrorKind::InvalidArg, "durable name is required")
    );
}

#[test]
fn listings_names_and_delete() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);
    assert_eq!(
        js.consumer_names("S").unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(js.consumers("S").unwrap_err().kind, ErrorKind::NotFound);

    // More than one page of infos (256).
    const N: usize = 300;
    for i in 0..N {
        let cfg = ConsumerConfig {
            name: format!("C{i:03}"),
            memory_storage: true,
            ..ConsumerConfig::default()
        };
        js.add_consumer("S", &cfg).unwrap();
    }
    let page = js
        .api_request_raw("CONSUMER.LIST.S", br#"{"offset":0}"#)
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
    assert!(page["consumers"].as_array().unwrap().len() < N);

    let want: Vec<String> = (0..N).map(|i| format!("C{i:03}")).collect();
    let mut names = js.consumer_names("S").unwrap();
    names.sort();
    assert_eq!(names, want);
    let infos = js.consumers("S").unwrap();
    let mut seen: Vec<String> = infos.iter().map(|ci| ci.name.clone()).collect();
    seen.sort();
    assert_eq!(seen, want);
    assert!(infos.iter().all(|ci| ci.stream == "S"));

    js.delete_consumer("S", "C007").unwrap();
    let e = js.consumer_info("S", "C007").unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::CONSUMER_NOT_FOUND)
    );
    assert_eq!(js.consumer_names("S").unwrap().len(), N - 1);
}

#[test]
fn api_errors_for_missing_streams_and_consumers() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);
    let consumer_missing = |e: JsError| {
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, codes::CONSUMER_NOT_FOUND),
            "{e}"
        );
    };
    consumer_missing(js.consumer_info("S", "NOPE").unwrap_err());
    consumer_missing(js.delete_consumer("S", "NOPE").unwrap_err());
    consumer_missing(js.pause_consumer("S", "NOPE", 0).unwrap_err());
    consumer_missing(js.unpin_consumer("S", "NOPE", "g").unwrap_err());

    // A missing stream: NotFound where nats.c says so, its code always.
    let e = js.consumer_info("NOSTREAM", "C").unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Err, codes::STREAM_NOT_FOUND));
    assert!(!e.text.is_empty());
    let e = js
        .add_consumer("NOSTREAM", &ConsumerConfig::default())
        .unwrap_err();
    assert_eq!(e.code, codes::STREAM_NOT_FOUND);
    let e = js.delete_consumer("NOSTREAM", "C").unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::STREAM_NOT_FOUND)
    );
    let e = js.consumer_names("NOSTREAM").unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::STREAM_NOT_FOUND)
    );
    let e = js.consumers("NOSTREAM").unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::STREAM_NOT_FOUND)
    );

    // Bad names never reach the server.
    let bad = ConsumerConfig {
        durable: "a.b".into(),
        ..ConsumerConfig::default()
    };
    let e = js.add_consumer("S", &bad).unwrap_err();
    assert_eq!(
        (e.kind, e.text.as_str()),
        (
            ErrorKind::InvalidArg,
            "invalid durable name 'a.b' (cannot contain '.')"
        )
    );
    let e = js.consumer_info("S", "").unwrap_err();
    assert_eq!(e.text, "consumer name is required");
    let e = js.consumer_info("", "C").unwrap_err();
    assert_eq!(e.text, "stream name is required");
    let e = js.unpin_consumer("S", "C", "not a group").unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArg);
}

#[test]
fn pause_and_resume() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);
    let cfg = ConsumerConfig {
        durable: "P".into(),
        ..ConsumerConfig::default()
    };
    js.add_consumer("S", &cfg).unwrap();
    let until = now_nanos() + 600 * SEC;
    let r = js.pause_consumer("S", "P", until).unwrap();
    assert!(r.paused);
    assert_eq!(r.pause_until, until);
    assert!(r.pause_remaining > 0 && r.pause_remaining <= 600 * SEC);
    let ci = js.consumer_info("S", "P").unwrap();
    assert!(ci.paused);
    assert_eq!(ci.config.pause_until, until);

    let r = js.pause_consumer("S", "P", 0).unwrap();
    assert!(!r.paused);
    assert!(!js.consumer_info("S", "P").unwrap().paused);
}

#[test]
fn reset_and_unpin() {
    let server = NatsServer::builder().jetstream().start();
    let js = with_stream(&server);
    let cfg = ConsumerConfig {
        durable: "R".into(),
        priority_policy: priority_policy::PINNED_CLIENT.into(),
        priority_groups: vec!["g1".into()],
        ..ConsumerConfig::default()
    };
    js.add_consumer("S", &cfg).unwrap();

    // Unpinning a group nobody is pinned to is fine; an unknown group is
    // the server's error.
    js.unpin_consumer("S", "R", "g1").expect("unpin");
    let e = js.unpin_consumer("S", "R", "other").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert_ne!(e.code, 0);

    match js.reset_consumer("S", "R", 3) {
        Ok(r) => {
            assert_eq!(r.reset_seq, 3);
            assert_eq!(r.consumer.name, "R");
            assert_eq!(r.consumer.num_pending, 2);
        }
        // A server without the reset API says so with an error of its own.
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Err, "{e}");
            assert_ne!(e.code, 0, "{e}");
        }
    }
}
