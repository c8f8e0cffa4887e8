//! Key-value watchers against a real `nats-server -js`: the initial values,
//! the marker and the updates; each watch option; a callback watcher; 1,000
//! puts from another thread seen in order; WatchMulti; a watcher surviving
//! a deleted consumer and a server restart; Keys, History and
//! PurgeDeletes, including an empty bucket and a missing key.
mod support;

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::consume::push::consumer_info;
use nats_rs::jetstream::kv::{
    KvConfig, KvEntry, KvPurgeOptions, KvStore, Operation, WatchOptions, Watcher,
};
use nats_rs::jetstream::*;
use support::{wait_until, NatsServer};

const LONG: Duration = Duration::from_secs(20);
const SHORT: Duration = Duration::from_millis(300);
const MS: i64 = 1_000_000;

/// Buckets and their keys through the store's calls.
mod bucket {
    use super::*;

    pub fn create(js: &JetStream, name: &str, history: u8, file: bool) -> KvStore {
        let cfg = KvConfig {
            bucket: name.to_string(),
            history,
            storage: if file {
                StorageType::File
            } else {
                StorageType::Memory
            },
            ..KvConfig::default()
        };
        js.create_key_value(&cfg).expect("create the bucket")
    }

    /// A put; its revision.
    pub fn put(kv: &KvStore, key: &str, value: &str) -> u64 {
        kv.put(key, value.as_bytes()).expect("put")
    }

    /// The revision of the bucket's last change (one writer: the test).
    fn last_revision(kv: &KvStore) -> u64 {
        kv.context()
            .stream_info(kv.stream_name(), &Default::default())
            .expect("stream info")
            .state
            .last_seq
    }

    /// A delete; the revision of its marker.
    pub fn delete(kv: &KvStore, key: &str) -> u64 {
        kv.delete(key).expect("delete");
        last_revision(kv)
    }

    /// A purge; the revision of its marker.
    pub fn purge(kv: &KvStore, key: &str) -> u64 {
        kv.purge(key, &KvPurgeOptions::default()).expect("purge");
        last_revision(kv)
    }
}

fn connect(server: &NatsServer) -> (Connection, JetStream) {
    let opts = Options {
        url: Some(server.url()),
        reconnect_wait: Duration::from_millis(50),
        max_reconnect: None,
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    let js = JetStream::new(conn.clone(), JsOptions::default()).unwrap();
    (conn, js)
}

fn start() -> (NatsServer, Connection, JetStream) {
    let server = NatsServer::builder().jetstream().start();
    let (conn, js) = connect(&server);
    (server, conn, js)
}

/// What a test compares: key, value, revision, operation.
fn view(e: &KvEntry) -> (String, String, u64, Operation) {
    (
        e.key().to_string(),
        String::from_utf8_lossy(e.value()).into_owned(),
        e.revision(),
        e.operation(),
    )
}

fn v(key: &str, value: &str, rev: u64, op: Operation) -> (String, String, u64, Operation) {
    (key.to_string(), value.to_string(), rev, op)
}

fn next(w: &Watcher) -> KvEntry {
    w.next(LONG)
        .expect("next")
        .expect("an entry, not the marker")
}

fn marker(w: &Watcher) {
    assert!(w.next(LONG).expect("next").is_none(), "the marker");
}

fn nothing_more(w: &Watcher) {
    let e = w.next(SHORT).map(|e| e.map(|e| view(&e)));
    assert_eq!(e.unwrap_err().kind, ErrorKind::Timeout, "nothing more");
}

#[test]
fn the_initial_values_then_the_marker_then_the_updates() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "init", 5, false);
    let r1 = bucket::put(&kv, "a", "1");
    let r2 = bucket::put(&kv, "b", "2");
    let r3 = bucket::put(&kv, "a", "3");
    let r4 = bucket::delete(&kv, "c");
    let w = kv.watch_all(&WatchOptions::default()).unwrap();
    // The last revision of each key, in stream order.
    let got: Vec<_> = (0..3).map(|_| next(&w)).collect();
    let views: Vec<_> = got.iter().map(view).collect();
    assert_eq!(
        views,
        [
            v("b", "2", r2, Operation::Put),
            v("a", "3", r3, Operation::Put),
            v("c", "", r4, Operation::Delete),
        ]
    );
    assert_eq!(
        got.iter().map(KvEntry::delta).collect::<Vec<_>>(),
        [2, 1, 0],
        "what was left after each"
    );
    assert!(got.iter().all(|e| e.bucket() == "init" && e.created() > 0));
    assert!(r1 < r2);
    marker(&w);
    nothing_more(&w);
    let r5 = bucket::put(&kv, "b", "5");
    let r6 = bucket::purge(&kv, "a");
    assert_eq!(view(&next(&w)), v("b", "5", r5, Operation::Put));
    assert_eq!(view(&next(&w)), v("a", "", r6, Operation::Purge));
    nothing_more(&w);
    w.stop().unwrap();
}

#[test]
fn an_empty_bucket_gives_the_marker_first() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "empty", 1, false);
    let w = kv.watch_all(&WatchOptions::default()).unwrap();
    marker(&w);
    nothing_more(&w);
    let r = bucket::put(&kv, "k", "v");
    assert_eq!(view(&next(&w)), v("k", "v", r, Operation::Put));
    // A watch on a key nobody wrote, in a bucket that has others.
    let w2 = kv.watch("other", &WatchOptions::default()).unwrap();
    marker(&w2);
    nothing_more(&w2);
}

#[test]
fn include_history_gives_every_revision_kept() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "hist", 5, false);
    let revs: Vec<u64> = (1..=7)
        .map(|i| bucket::put(&kv, "k", &i.to_string()))
        .collect();
    let w = kv
        .watch(
            "k",
            &WatchOptions {
                include_history: true,
                ..WatchOptions::default()
            },
        )
        .unwrap();
    for i in 3..=7 {
        assert_eq!(
            view(&next(&w)),
            v("k", &i.to_string(), revs[i - 1], Operation::Put)
        );
    }
    marker(&w);
}

#[test]
fn ignore_deletes_skips_markers_but_still_ends_the_initial_values() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "ign", 5, false);
    let r = bucket::put(&kv, "a", "1");
    bucket::put(&kv, "b", "2");
    bucket::delete(&kv, "b");
    let opts = WatchOptions {
        ignore_deletes: true,
        ..WatchOptions::default()
    };
    let w = kv.watch_all(&opts).unwrap();
    assert_eq!(view(&next(&w)), v("a", "1", r, Operation::Put));
    // The delete of b was the last initial value: the marker comes.
    marker(&w);
    bucket::delete(&kv, "a");
    bucket::purge(&kv, "a");
    let r2 = bucket::put(&kv, "c", "3");
    assert_eq!(view(&next(&w)), v("c", "3", r2, Operation::Put));
}

#[test]
fn meta_only_leaves_the_values_out() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "meta", 1, false);
    let r = bucket::put(&kv, "k", "a value");
    let opts = WatchOptions {
        meta_only: true,
        ..WatchOptions::default()
    };
    let w = kv.watch_all(&opts).unwrap();
    assert_eq!(view(&next(&w)), v("k", "", r, Operation::Put));
    marker(&w);
    let name = consumer_info(w.subscription().unwrap(), None).unwrap();
    assert!(name.config.headers_only);
}

#[test]
fn updates_only_has_no_initial_values_and_no_marker() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "upd", 1, false);
    bucket::put(&kv, "k", "old");
    let opts = WatchOptions {
        updates_only: true,
        include_history: true,
        ..WatchOptions::default()
    };
    let w = kv.watch_all(&opts).unwrap();
    nothing_more(&w);
    let r = bucket::put(&kv, "k", "new");
    assert_eq!(view(&next(&w)), v("k", "new", r, Operation::Put));
    nothing_more(&w);
}

#[test]
fn resume_from_revision_starts_there_whatever_else_is_asked() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "resume", 10, false);
    let revs: Vec<u64> = (1..=5)
        .map(|i| bucket::put(&kv, "k", &i.to_string()))
        .collect();
    let opts = WatchOptions {
        resume_from_revision: revs[2],
        updates_only: true,
        ..WatchOptions::default()
    };
    let w = kv.watch_all(&opts).unwrap();
    for i in 3..=5 {
        assert_eq!(
            view(&next(&w)),
            v("k", &i.to_string(), revs[i - 1], Operation::Put)
        );
    }
    marker(&w);
}

#[test]
fn the_heartbeat_reaches_the_consumer() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "hb", 1, false);
    let w = kv
        .watch_all(&WatchOptions {
            heartbeat: 700 * MS,
            ..WatchOptions::default()
        })
        .unwrap();
    let info = consumer_info(w.subscription().unwrap(), None).unwrap();
    assert_eq!(info.config.heartbeat, 700 * MS);
    assert!(info.config.flow_control, "an ordered consumer");
    assert_eq!(info.config.deliver_policy, DeliverPolicy::LastPerSubject);
    assert_eq!(info.config.filter_subject, "$KV.hb.>");
    let plain = kv.watch_all(&WatchOptions::default()).unwrap();
    let info = consumer_info(plain.subscription().unwrap(), None).unwrap();
    assert_eq!(info.config.heartbeat, 5_000 * MS, "the ordered default");
}

type Seen = Arc<Mutex<Vec<Option<(String, String, u64, Operation)>>>>;

fn callback_opts(seen: &Seen, threads: &Arc<Mutex<Vec<String>>>) -> WatchOptions {
    let (seen, threads) = (seen.clone(), threads.clone());
    WatchOptions {
        callback: Some(Arc::new(move |_w: &Watcher, e| {
            let e = e.expect("a readable entry");
            seen.lock().unwrap().push(e.as_ref().map(view));
            let t = std::thread::current().name().unwrap_or("").to_string();
            threads.lock().unwrap().push(t);
        })),
        ..WatchOptions::default()
    }
}

#[test]
fn a_callback_gets_the_entries_and_the_marker_on_a_library_thread() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "cb", 1, false);
    let r1 = bucket::put(&kv, "a", "1");
    let r2 = bucket::put(&kv, "b", "2");
    let seen: Seen = Arc::default();
    let threads = Arc::new(Mutex::new(Vec::new()));
    let w = kv.watch_all(&callback_opts(&seen, &threads)).unwrap();
    assert!(wait_until(LONG, || seen.lock().unwrap().len() == 3));
    let r3 = bucket::put(&kv, "a", "3");
    assert!(wait_until(LONG, || seen.lock().unwrap().len() == 4));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Some(v("a", "1", r1, Operation::Put)),
            Some(v("b", "2", r2, Operation::Put)),
            None,
            Some(v("a", "3", r3, Operation::Put)),
        ]
    );
    let me = std::thread::current().name().unwrap_or("").to_string();
    assert!(threads.lock().unwrap().iter().all(|t| *t != me));
    let err = w.next(SHORT).map(|_| ()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::IllegalState);
    // Stopped: nothing more reaches the callback.
    w.stop().unwrap();
    bucket::put(&kv, "a", "4");
    std::thread::sleep(SHORT);
    assert_eq!(seen.lock().unwrap().len(), 4);

    // On an empty bucket the marker comes first, then the updates.
    let kv2 = bucket::create(&js, "cbempty", 1, false);
    let seen: Seen = Arc::default();
    let _w = kv2.watch_all(&callback_opts(&seen, &threads)).unwrap();
    let r = bucket::put(&kv2, "x", "y");
    assert!(wait_until(LONG, || seen.lock().unwrap().len() == 2));
    assert_eq!(
        *seen.lock().unwrap(),
        [None, Some(v("x", "y", r, Operation::Put))]
    );
}

#[test]
fn stop_ends_waiting_and_later_calls_and_deletes_the_consumer() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "stop", 1, false);
    let w = kv.watch_all(&WatchOptions::default()).unwrap();
    marker(&w);
    let name = consumer_info(w.subscription().unwrap(), None).unwrap().name;
    let w2 = w.clone();
    let waiting = std::thread::spawn(move || w2.next(LONG).map(|e| e.is_some()));
    // The waiting call may not have started yet: either way it fails.
    std::thread::sleep(Duration::from_millis(100));
    w.stop().unwrap();
    w.stop().unwrap();
    let err = waiting.join().unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::IllegalState);
    assert_eq!(
        w.next(SHORT).map(|_| ()).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    assert_eq!(
        js.consumer_info("KV_stop", &name).unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        w.next(Duration::ZERO).map(|_| ()).unwrap_err().kind,
        ErrorKind::InvalidArg
    );
    let none: [&str; 0] = [];
    assert_eq!(
        kv.watch_multi(&none, &WatchOptions::default())
            .map(|_| ())
            .unwrap_err()
            .kind,
        ErrorKind::InvalidArg
    );
    assert_eq!(
        kv.watch_multi(&["a", ""], &WatchOptions::default())
            .map(|_| ())
            .unwrap_err()
            .kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn a_thousand_puts_from_another_thread_arrive_all_and_in_order() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "many", 1, false);
    let w = kv.watch_all(&WatchOptions::default()).unwrap();
    marker(&w);
    // The same through a callback.
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let cb = WatchOptions {
        callback: Some(Arc::new(move |_w: &Watcher, e| {
            let _ = tx.lock().unwrap().send(e.map(|e| e.map(|e| view(&e))));
        })),
        ..WatchOptions::default()
    };
    let _wcb = kv.watch("k.*", &cb).unwrap();
    assert!(rx.recv_timeout(LONG).unwrap().unwrap().is_none(), "marker");
    let kv2 = kv.clone();
    let putter = std::thread::spawn(move || {
        (0..1000)
            .map(|i| bucket::put(&kv2, &format!("k.{}", i % 7), &i.to_string()))
            .collect::<Vec<u64>>()
    });
    let mut got = Vec::new();
    let mut by_cb = Vec::new();
    for _ in 0..1000 {
        got.push(view(&next(&w)));
        by_cb.push(rx.recv_timeout(LONG).unwrap().unwrap().unwrap());
    }
    let revs = putter.join().unwrap();
    let want: Vec<_> = revs
        .iter()
        .enumerate()
        .map(|(i, r)| v(&format!("k.{}", i % 7), &i.to_string(), *r, Operation::Put))
        .collect();
    assert_eq!(got, want);
    assert_eq!(by_cb, want);
    nothing_more(&w);
}

#[test]
fn watch_multi_sees_the_keys_of_both_patterns_only() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "multi", 1, false);
    let a = bucket::put(&kv, "a.1", "x");
    bucket::put(&kv, "c.1", "no");
    let b = bucket::put(&kv, "b.z.2", "y");
    let w = kv
        .watch_multi(&["a.*", "b.>"], &WatchOptions::default())
        .unwrap();
    assert_eq!(view(&next(&w)), v("a.1", "x", a, Operation::Put));
    assert_eq!(view(&next(&w)), v("b.z.2", "y", b, Operation::Put));
    marker(&w);
    bucket::put(&kv, "c.2", "no");
    let b2 = bucket::put(&kv, "b.3", "z");
    let a2 = bucket::delete(&kv, "a.1");
    assert_eq!(view(&next(&w)), v("b.3", "z", b2, Operation::Put));
    assert_eq!(view(&next(&w)), v("a.1", "", a2, Operation::Delete));
    nothing_more(&w);
}

#[test]
fn a_watcher_survives_a_deleted_consumer_and_a_server_restart() {
    let mut server = NatsServer::builder().jetstream().start();
    let (conn, js) = connect(&server);
    // History enough for every put: nothing is lost while no consumer runs.
    let kv = bucket::create(&js, "restart", 64, true); // on disk
    let w = kv
        .watch_all(&WatchOptions {
            heartbeat: 250 * MS,
            ..WatchOptions::default()
        })
        .unwrap();
    marker(&w);
    let mut want = Vec::new();
    let put_range = |range: std::ops::Range<u32>, want: &mut Vec<_>| {
        for i in range {
            let key = format!("k{}", i % 10);
            let r = bucket::put(&kv, &key, &i.to_string());
            want.push(v(&key, &i.to_string(), r, Operation::Put));
        }
    };
    let mut got = Vec::new();
    put_range(0..100, &mut want);
    for _ in 0..50 {
        got.push(view(&next(&w)));
    }
    // The consumer deleted on the server: the watcher makes a new one.
    let current = || consumer_info(w.subscription().unwrap(), None).map(|c| c.name);
    let first = current().unwrap();
    js.delete_consumer("KV_restart", &first).unwrap();
    put_range(100..200, &mut want);
    for _ in 50..200 {
        got.push(view(&next(&w)));
    }
    assert!(wait_until(LONG, || current().is_ok_and(|n| n != first)));
    // The server restarts; the stream is on disk, the consumer was not.
    let reconnects = conn.stats().reconnects;
    server.restart();
    assert!(wait_until(Duration::from_secs(60), || conn
        .stats()
        .reconnects
        > reconnects));
    // JetStream may need a moment after the restart to take puts.
    let mut probe = 0;
    assert!(wait_until(Duration::from_secs(30), || {
        probe = kv.put("probe", b"p").unwrap_or(0);
        probe > 0
    }));
    want.push(v("probe", "p", probe, Operation::Put));
    put_range(200..300, &mut want);
    for _ in 200..want.len() {
        got.push(view(&next(&w)));
    }
    assert_eq!(got, want, "each once, in order");
    nothing_more(&w);
}

#[test]
fn keys_lists_the_keys_with_values() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "keys", 5, false);
    assert_eq!(
        kv.keys(&WatchOptions::default()).unwrap(),
        Vec::<String>::new()
    );
    bucket::put(&kv, "a", "1");
    bucket::put(&kv, "b.x", "2");
    bucket::put(&kv, "b.y", "3");
    bucket::put(&kv, "a", "4");
    bucket::put(&kv, "c", "5");
    bucket::delete(&kv, "c");
    bucket::put(&kv, "d", "6");
    bucket::purge(&kv, "d");
    let mut keys = kv.keys(&WatchOptions::default()).unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b.x", "b.y"]);
    let mut keys = kv
        .keys_with_filters(&["b.*", "c", "zz"], &WatchOptions::default())
        .unwrap();
    keys.sort();
    assert_eq!(keys, ["b.x", "b.y"]);
    let none: [&str; 0] = [];
    assert_eq!(
        kv.keys_with_filters(&none, &WatchOptions::default())
            .unwrap_err()
            .kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn history_gives_every_revision_or_not_found() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "history", 5, false);
    let none = kv.history("k", &WatchOptions::default()).map(|_| ());
    assert_eq!(none.unwrap_err().kind, ErrorKind::NotFound, "empty bucket");
    let mut revs: Vec<u64> = (1..=6)
        .map(|i| bucket::put(&kv, "k", &i.to_string()))
        .collect();
    bucket::put(&kv, "other", "x");
    revs.push(bucket::delete(&kv, "k"));
    let h = kv.history("k", &WatchOptions::default()).unwrap();
    let views: Vec<_> = h.iter().map(view).collect();
    let mut want: Vec<_> = (3..=6)
        .map(|i| v("k", &i.to_string(), revs[i - 1], Operation::Put))
        .collect();
    want.push(v("k", "", revs[6], Operation::Delete));
    assert_eq!(views, want, "the last five");
    let h = kv
        .history(
            "k",
            &WatchOptions {
                ignore_deletes: true,
                ..WatchOptions::default()
            },
        )
        .unwrap();
    assert_eq!(h.len(), 4);
    let missing = kv.history("missing", &WatchOptions::default()).map(|_| ());
    assert_eq!(missing.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(
        kv.history("", &WatchOptions::default())
            .map(|_| ())
            .unwrap_err()
            .kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn purge_deletes_removes_old_markers_and_keeps_recent_ones() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "pd", 5, false);
    kv.purge_deletes(&KvPurgeOptions::default())
        .expect("nothing to purge in an empty bucket");
    for k in ["a", "b", "c"] {
        bucket::put(&kv, k, "1");
        bucket::put(&kv, k, "2");
    }
    bucket::delete(&kv, "a");
    bucket::purge(&kv, "b");
    let msgs = |kv: &KvStore| {
        js.stream_info(kv.stream_name(), &Default::default())
            .unwrap()
            .state
            .msgs
    };
    // The purge left b's marker alone; a has 2 values and a marker.
    assert_eq!(msgs(&kv), 3 + 1 + 2);
    // By default markers younger than 30 minutes stay, without what came
    // before them.
    kv.purge_deletes(&KvPurgeOptions::default()).unwrap();
    assert_eq!(msgs(&kv), 1 + 1 + 2);
    let h = kv.history("a", &WatchOptions::default()).unwrap();
    assert_eq!(
        h.iter().map(KvEntry::operation).collect::<Vec<_>>(),
        [Operation::Delete]
    );
    // Negative: all of them go.
    kv.purge_deletes(&KvPurgeOptions {
        delete_markers_older_than: -1,
        ..KvPurgeOptions::default()
    })
    .unwrap();
    assert_eq!(msgs(&kv), 2);
    for k in ["a", "b"] {
        let h = kv.history(k, &WatchOptions::default()).map(|_| ());
        assert_eq!(h.unwrap_err().kind, ErrorKind::NotFound, "{k}");
    }
    assert_eq!(kv.keys(&WatchOptions::default()).unwrap(), ["c"]);
    // A marker older than the limit goes too.
    bucket::delete(&kv, "c");
    std::thread::sleep(Duration::from_millis(50));
    kv.purge_deletes(&KvPurgeOptions {
        delete_markers_older_than: 10 * MS,
        ..KvPurgeOptions::default()
    })
    .unwrap();
    assert_eq!(msgs(&kv), 0);
}

#[test]
fn a_callback_that_stops_its_watcher_hears_nothing_more() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "cbstop", 1, false);
    for i in 0..5 {
        bucket::put(&kv, &format!("k{i}"), "v");
    }
    let calls = Arc::new(Mutex::new(0));
    let c2 = calls.clone();
    let opts = WatchOptions {
        callback: Some(Arc::new(move |w: &Watcher, _e| {
            *c2.lock().unwrap() += 1;
            w.stop().unwrap();
        })),
        ..WatchOptions::default()
    };
    let w = kv.watch_all(&opts).unwrap();
    assert!(wait_until(LONG, || *calls.lock().unwrap() == 1));
    bucket::put(&kv, "k0", "again");
    std::thread::sleep(SHORT);
    assert_eq!(*calls.lock().unwrap(), 1);
    drop(w);
}

#[test]
fn dropping_the_last_handle_stops_the_watcher() {
    let (_s, _c, js) = start();
    let kv = bucket::create(&js, "dropped", 1, false);
    let w = kv.watch_all(&WatchOptions::default()).unwrap();
    let name = consumer_info(w.subscription().unwrap(), None).unwrap().name;
    let w2 = w.clone();
    drop(w);
    assert!(
        js.consumer_info("KV_dropped", &name).is_ok(),
        "a clone is left"
    );
    drop(w2);
    assert_eq!(
        js.consumer_info("KV_dropped", &name).unwrap_err().kind,
        ErrorKind::NotFound
    );
}
