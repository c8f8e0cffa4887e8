//! The key-value store's bucket and key operations against a real
//! `nats-server -js`: the bucket's stream is ADR-8's, history keeps the
//! newest revisions, create and update are compare-and-set on the
//! revision, deletes and purges leave markers that hide the key, per-key
//! TTLs expire keys and leave the markers LimitMarkerTTL asks for, bad keys
//! and bucket names are refused, and the status reports the stream.
mod support;

use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::kv::{KvConfig, KvPurgeOptions, KvStore, Operation};
use nats_rs::jetstream::*;
use support::{wait_until, NatsServer};

const SEC: i64 = 1_000_000_000;
const LONG: Duration = Duration::from_secs(20);

fn js(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

fn bucket(js: &JetStream, name: &str, history: u8) -> KvStore {
    js.create_key_value(&KvConfig {
        bucket: name.into(),
        history,
        storage: StorageType::Memory,
        ..KvConfig::default()
    })
    .expect("create bucket")
}

fn value(kv: &KvStore, key: &str) -> Vec<u8> {
    kv.get(key).expect("get").value().to_vec()
}

#[test]
fn the_buckets_stream_is_adr8s() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "cfg".into(),
            description: "a bucket".into(),
            history: 3,
            ttl: 60 * SEC,
            max_bytes: 1 << 20,
            max_value_size: 1024,
            ..KvConfig::default()
        })
        .unwrap();
    assert_eq!(kv.bucket(), "cfg");
    assert_eq!(kv.stream_name(), "KV_cfg");
    assert!(kv.uses_direct_get());
    let si = js
        .stream_info("KV_cfg", &StreamInfoOptions::default())
        .unwrap();
    let c = si.config;
    assert_eq!(c.subjects, ["$KV.cfg.>"]);
    assert_eq!(c.description, "a bucket");
    assert_eq!(c.max_msgs_per_subject, 3);
    assert_eq!(c.max_age, 60 * SEC);
    assert_eq!((c.max_bytes, c.max_msg_size), (1 << 20, 1024));
    assert_eq!(c.storage, StorageType::File);
    assert_eq!(c.discard, DiscardPolicy::New);
    assert!(c.allow_rollup && c.deny_delete && c.allow_direct);
    assert!(!c.allow_msg_ttl);

    // Creating it again with the same config binds to it.
    let again = js
        .create_key_value(&KvConfig {
            bucket: "cfg".into(),
            description: "a bucket".into(),
            history: 3,
            ttl: 60 * SEC,
            max_bytes: 1 << 20,
            max_value_size: 1024,
            ..KvConfig::default()
        })
        .unwrap();
    again.put("k", b"v").unwrap();
    assert_eq!(value(&kv, "k"), b"v");
    // A value over the size limit is the server's refusal.
    let e = kv.put("big", &[b'x'; 2048]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
}

#[test]
fn opening_and_deleting_buckets() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let e = js.key_value("nope").err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
    bucket(&js, "b", 1).put("a", b"1").unwrap();
    let kv = js.key_value("b").unwrap();
    assert!(kv.uses_direct_get());
    assert_eq!(value(&kv, "a"), b"1");

    // A stream without a per-subject limit is not a bucket.
    js.add_stream(&StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new("KV_plain", &["plain.>"])
    })
    .unwrap();
    let e = js.key_value("plain").err().unwrap();
    assert_eq!(e, JsError::invalid_arg("bucket not valid key-value store"));

    js.delete_key_value("b").unwrap();
    assert_eq!(js.key_value("b").err().unwrap().kind, ErrorKind::NotFound);
    assert_eq!(
        js.delete_key_value("b").unwrap_err().kind,
        ErrorKind::NotFound
    );
    let e = js.delete_key_value("a.b").unwrap_err();
    assert_eq!(e, JsError::invalid_arg("bucket not valid key-value store"));
}

#[test]
fn history_of_five_keeps_the_last_five_of_seven_puts() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = bucket(&js, "hist", 5);
    let revs: Vec<u64> = (1..=7)
        .map(|i| kv.put("k", format!("v{i}").as_bytes()).unwrap())
        .collect();
    assert_eq!(revs, [1, 2, 3, 4, 5, 6, 7]);
    for (i, &rev) in revs.iter().enumerate() {
        let got = kv.get_revision("k", rev);
        if i < 2 {
            assert_eq!(got.err().unwrap().kind, ErrorKind::NotFound, "rev {rev}");
        } else {
            let e = got.unwrap();
            assert_eq!(e.value(), format!("v{}", i + 1).as_bytes());
            assert_eq!(e.revision(), rev);
        }
    }
    assert_eq!(kv.status().unwrap().values(), 5);
    let last = kv.get("k").unwrap();
    assert_eq!(
        (last.key(), last.value(), last.revision()),
        ("k", &b"v7"[..], 7)
    );
    assert_eq!(last.bucket(), "hist");
    assert_eq!(last.operation(), Operation::Put);
    assert_eq!(last.delta(), 0);
    assert!(last.created() > 0);
    // A revision of another key is not this key's.
    kv.put("other", b"o").unwrap();
    assert_eq!(
        kv.get_revision("k", 8).err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        kv.get_revision("k", 0).err().unwrap(),
        JsError::invalid_arg("invalid revision")
    );
}

#[test]
fn create_fails_on_a_key_with_a_value_and_succeeds_over_markers() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = bucket(&js, "create", 5);
    let r1 = kv.create("k", b"first", None).unwrap();
    let e = kv.create("k", b"second", None).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Err, codes::WRONG_LAST_SEQUENCE)
    );
    assert_eq!(value(&kv, "k"), b"first");

    kv.delete("k").unwrap();
    assert_eq!(kv.get("k").err().unwrap().kind, ErrorKind::NotFound);
    let marker = kv.entry("k", 0).unwrap();
    assert_eq!(marker.operation(), Operation::Delete);
    // A delete keeps the earlier revisions.
    assert_eq!(kv.get_revision("k", r1).unwrap().value(), b"first");
    let r2 = kv.create("k", b"again", None).unwrap();
    assert_eq!(r2, marker.revision() + 1);
    assert_eq!(value(&kv, "k"), b"again");

    kv.purge("k", &KvPurgeOptions::default()).unwrap();
    assert_eq!(kv.get("k").err().unwrap().kind, ErrorKind::NotFound);
    assert_eq!(kv.entry("k", 0).unwrap().operation(), Operation::Purge);
    // A purge removes the earlier revisions.
    assert_eq!(
        kv.get_revision("k", r2).err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(kv.status().unwrap().values(), 1);
    kv.create("k", b"third", None).unwrap();
    assert_eq!(value(&kv, "k"), b"third");
}

#[test]
fn update_is_compare_and_set_on_the_revision() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = bucket(&js, "upd", 3);
    let e = kv.update("k", b"x", 1, None).unwrap_err();
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE);
    let r1 = kv.update("k", b"v1", 0, None).unwrap();
    let e = kv.update("k", b"v1b", 0, None).unwrap_err();
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE);
    let r2 = kv.update("k", b"v2", r1, None).unwrap();
    let e = kv.update("k", b"stale", r1, None).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Err, codes::WRONG_LAST_SEQUENCE)
    );
    assert!(e.text.contains("wrong last sequence"), "{}", e.text);
    assert_eq!(value(&kv, "k"), b"v2");
    // Another key's puts do not move this key's revision.
    kv.put("other", b"o").unwrap();
    kv.update("k", b"v3", r2, None).unwrap();
    assert_eq!(value(&kv, "k"), b"v3");
}

#[test]
fn per_key_ttl_expires_the_key_and_leaves_a_marker() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "ttl".into(),
            history: 2,
            limit_marker_ttl: 2 * SEC,
            storage: StorageType::Memory,
            ..KvConfig::default()
        })
        .unwrap();
    let c = js
        .stream_info("KV_ttl", &StreamInfoOptions::default())
        .unwrap()
        .config;
    assert!(c.allow_msg_ttl);
    assert_eq!(c.subject_delete_marker_ttl, 2 * SEC);

    let one_sec = Some(Duration::from_secs(1));
    kv.create("short", b"gone soon", one_sec).unwrap();
    kv.put("long", b"stays").unwrap();
    assert_eq!(value(&kv, "short"), b"gone soon");
    assert!(
        wait_until(LONG, || kv.get("short").is_err()),
        "the key expires"
    );
    assert_eq!(kv.get("short").err().unwrap().kind, ErrorKind::NotFound);
    // The server left a marker saying why (Nats-Marker-Reason: MaxAge).
    let marker = kv.entry("short", 0).unwrap();
    assert_eq!(marker.operation(), Operation::Purge);
    // Creating over that marker works, with a TTL again.
    kv.create("short", b"back", one_sec).unwrap();
    assert_eq!(value(&kv, "short"), b"back");
    // The marker goes after the LimitMarkerTTL.
    assert!(
        wait_until(LONG, || kv
            .entry("short", 0)
            .is_err_and(|e| e.kind == ErrorKind::NotFound)),
        "the marker expires"
    );
    assert_eq!(value(&kv, "long"), b"stays");

    // Update may set a TTL in the same compare-and-set; when that revision
    // expires, the one before it (history 2) is the key's value again.
    let r = kv.put("u", b"1").unwrap();
    kv.update("u", b"2", r, one_sec).unwrap();
    assert_eq!(value(&kv, "u"), b"2");
    assert!(
        wait_until(LONG, || kv.get("u").is_ok_and(|e| e.value() == b"1")),
        "the updated revision expires"
    );

    // A purge marker with its own TTL goes by itself.
    kv.put("p", b"x").unwrap();
    kv.purge(
        "p",
        &KvPurgeOptions {
            ttl: one_sec,
            ..KvPurgeOptions::default()
        },
    )
    .unwrap();
    assert_eq!(kv.entry("p", 0).unwrap().operation(), Operation::Purge);
    assert!(
        wait_until(LONG, || kv
            .entry("p", 0)
            .is_err_and(|e| e.kind == ErrorKind::NotFound)),
        "the purge marker expires"
    );

    // A bucket without LimitMarkerTTL refuses per-key TTLs.
    let plain = bucket(&js, "nottl", 1);
    let e = plain.create("k", b"v", one_sec).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert_ne!(e.code, 0);
}

#[test]
fn invalid_keys_and_bucket_names_are_refused() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = bucket(&js, "keys", 1);
    let bad_key = JsError::invalid_arg("invalid key");
    for key in ["a..b", ".a", "a.", "*", "a.*", ">", "", "a b"] {
        assert_eq!(kv.put(key, b"v").unwrap_err(), bad_key, "put {key:?}");
        assert_eq!(kv.create(key, b"v", None).unwrap_err(), bad_key, "{key:?}");
        assert_eq!(kv.update(key, b"v", 1, None).unwrap_err(), bad_key);
        assert_eq!(kv.get(key).err().unwrap(), bad_key, "get {key:?}");
        assert_eq!(kv.get_revision(key, 1).err().unwrap(), bad_key);
        assert_eq!(kv.delete(key).unwrap_err(), bad_key);
        assert_eq!(
            kv.purge(key, &KvPurgeOptions::default()).unwrap_err(),
            bad_key
        );
    }
    // The characters ADR-8 allows.
    for key in ["a.b", "A-b_c/d\\e=f", "x.y.z"] {
        kv.put(key, b"ok").unwrap();
        assert_eq!(value(&kv, key), b"ok");
    }
    assert_eq!(kv.get("missing").err().unwrap().kind, ErrorKind::NotFound);

    let bad_bucket = JsError::invalid_arg("invalid bucket name");
    for name in ["", "a.b", "a b", "a*", "a>"] {
        let cfg = KvConfig {
            bucket: name.into(),
            ..KvConfig::default()
        };
        assert_eq!(js.create_key_value(&cfg).err().unwrap(), bad_bucket);
        assert_eq!(js.key_value(name).err().unwrap(), bad_bucket);
    }
    let cfg = KvConfig {
        bucket: "h".into(),
        history: 65,
        ..KvConfig::default()
    };
    assert_eq!(
        js.create_key_value(&cfg).err().unwrap(),
        JsError::invalid_arg("history limited to a max of 64")
    );
}

#[test]
fn status_reports_the_bucket_and_its_stream() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "st".into(),
            history: 4,
            ttl: 3600 * SEC,
            ..KvConfig::default()
        })
        .unwrap();
    let s = kv.status().unwrap();
    assert_eq!(s.bucket(), "st");
    assert_eq!((s.values(), s.bytes()), (0, 0));
    assert_eq!((s.history(), s.ttl(), s.replicas()), (4, 3600 * SEC, 1));
    kv.put("a", b"1").unwrap();
    kv.put("a", b"2").unwrap();
    kv.delete("a").unwrap();
    let s = kv.status().unwrap();
    assert_eq!(s.values(), 3);
    assert!(s.bytes() > 0);
    js.delete_key_value("st").unwrap();
    assert_eq!(kv.status().unwrap_err().kind, ErrorKind::NotFound);
}

#[test]
fn without_direct_gets_reads_go_through_the_stream_leader() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let kv = bucket(&js, "nodirect", 3);
    kv.put("k", b"1").unwrap();
    let mut cfg = js
        .stream_info("KV_nodirect", &StreamInfoOptions::default())
        .unwrap()
        .config;
    cfg.allow_direct = false;
    js.update_stream(&cfg).unwrap();
    let kv = js.key_value("nodirect").unwrap();
    assert!(!kv.uses_direct_get());
    let r2 = kv.put("k", b"2").unwrap();
    assert_eq!(value(&kv, "k"), b"2");
    assert_eq!(kv.get_revision("k", 1).unwrap().value(), b"1");
    assert_eq!(kv.get_revision("k", r2).unwrap().revision(), r2);
    kv.put("other", b"o").unwrap();
    assert_eq!(
        kv.get_revision("k", r2 + 1).err().unwrap().kind,
        ErrorKind::NotFound
    );
    kv.delete("k").unwrap();
    assert_eq!(kv.get("k").err().unwrap().kind, ErrorKind::NotFound);
    assert_eq!(kv.get("none").err().unwrap().kind, ErrorKind::NotFound);
}

#[test]
fn mirrors_and_sources_name_buckets() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let origin = bucket(&js, "origin", 1);
    origin.put("k", b"from origin").unwrap();
    let mirror = js
        .create_key_value(&KvConfig {
            bucket: "mirror".into(),
            mirror: Some(StreamSource {
                name: "origin".into(),
                ..StreamSource::default()
            }),
            storage: StorageType::Memory,
            ..KvConfig::default()
        })
        .unwrap();
    let c = js
        .stream_info("KV_mirror", &StreamInfoOptions::default())
        .unwrap()
        .config;
    assert_eq!(c.mirror.unwrap().name, "KV_origin");
    assert!(c.mirror_direct);
    assert!(c.subjects.is_empty());
    // Puts through the mirror go to the origin bucket.
    assert_eq!(mirror.put_subject("k"), "$KV.origin.k");
    mirror.put("k", b"through the mirror").unwrap();
    assert_eq!(value(&origin, "k"), b"through the mirror");

    let sourced = js
        .create_key_value(&KvConfig {
            bucket: "sourced".into(),
            sources: vec![StreamSource {
                name: "origin".into(),
                ..StreamSource::default()
            }],
            storage: StorageType::Memory,
            ..KvConfig::default()
        })
        .unwrap();
    let c = js
        .stream_info("KV_sourced", &StreamInfoOptions::default())
        .unwrap()
        .config;
    let names: Vec<_> = c.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["KV_origin"]);
    assert_eq!(sourced.put_subject("k"), "$KV.sourced.k");
}

#[test]
fn a_bucket_of_another_account_through_an_api_prefix() {
    // Account I imports A's JetStream API under `fromA` and A's `$KV.>`
    // under `fromA.$KV.>` (nats.c's cross-account test setup).
    let server = NatsServer::builder()
        .jetstream()
        .config(
            "accounts: {
               A: {
                 users: [ {user: a, password: a} ]
                 jetstream: enabled
                 exports: [ {service: '$JS.API.>'}, {service: '$KV.>'}, {stream: 'accI.>'} ]
               }
               I: {
                 users: [ {user: i, password: i} ]
                 imports: [
                   {service: {account: A, subject: '$JS.API.>'}, to: 'fromA.>'}
                   {service: {account: A, subject: '$KV.>'}, to: 'fromA.$KV.>'}
                   {stream: {subject: 'accI.>', account: A}}
                 ]
               }
             }",
        )
        .start();
    let connect = |user: &str, inbox: &str, prefix: &str| {
        let mut opts = Options {
            url: Some(server.url()),
            user: Some(user.into()),
            password: Some(user.into()),
            ..Options::default()
        };
        if !inbox.is_empty() {
            opts.inbox_prefix = inbox.into();
        }
        let conn = Connection::connect(opts).expect("connect");
        let js_opts = JsOptions {
            prefix: prefix.into(),
            ..JsOptions::default()
        };
        JetStream::new(conn, js_opts).unwrap()
    };
    let js_a = connect("a", "", "");
    let js_i = connect("i", "accI", "fromA");
    let cfg = KvConfig {
        bucket: "Map".into(),
        ..KvConfig::default()
    };
    let kv_a = js_a.create_key_value(&cfg).unwrap();
    let kv_i = js_i.create_key_value(&cfg).unwrap();
    assert_eq!(kv_i.put_subject("map"), "fromA.$KV.Map.map");
    assert_eq!(kv_a.put_subject("map"), "$KV.Map.map");

    let r1 = kv_i.put("map", b"value").unwrap();
    assert_eq!(value(&kv_a, "map"), b"value");
    assert_eq!(value(&kv_i, "map"), b"value");
    kv_i.update("map", b"updated", r1, None).unwrap();
    assert_eq!(value(&kv_a, "map"), b"updated");
    kv_a.delete("map").unwrap();
    assert_eq!(kv_i.get("map").err().unwrap().kind, ErrorKind::NotFound);
    kv_i.create("map", b"again", None).unwrap();
    assert_eq!(value(&kv_a, "map"), b"again");
    kv_i.purge("map", &KvPurgeOptions::default()).unwrap();
    assert_eq!(kv_a.entry("map", 0).unwrap().operation(), Operation::Purge);
    let bound = js_i.key_value("Map").unwrap();
    assert_eq!(bound.status().unwrap().values(), 1);
}
