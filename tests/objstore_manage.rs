//! The object store's management against a real `nats-server -js`: the
//! store's stream is ADR-20's, stores are created, opened, updated,
//! listed and deleted; an object's info is read (names with spaces and
//! unicode), its meta updated and renamed, the object deleted, linked to;
//! a sealed store refuses changes; watchers see puts, meta updates and
//! deletes in order, and List reports what a watcher starts with.
//!
//! Objects are written here as ADR-20 lays them out (a chunk, then the
//! info with a rollup), so these tests do not depend on the put code.
mod support;

use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Message, Options};
use nats_rs::jetstream::objstore::{
    ObjStore, ObjStoreConfig, ObjWatchOptions, ObjectInfo, ObjectMeta,
};
use nats_rs::jetstream::*;
use support::NatsServer;

const WAIT: Duration = Duration::from_secs(10);

fn js(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

fn store(js: &JetStream, bucket: &str) -> ObjStore {
    js.create_object_store(&ObjStoreConfig {
        bucket: bucket.into(),
        storage: StorageType::Memory,
        ..ObjStoreConfig::default()
    })
    .expect("create store")
}

/// Writes object `name` holding `data` as ADR-20 says a put does: one
/// chunk under a fresh nuid, then the info, rolling up the last one.
fn put(os: &ObjStore, name: &str, data: &[u8]) -> JsResult<ObjectInfo> {
    let js = os.context();
    let nuid = format!("N{}", name.len() * 7919 + data.len() + rand_suffix());
    js.publish(&os.chunk_subject(&nuid), data, &PubOptions::default())?;
    let info = ObjectInfo {
        meta: ObjectMeta {
            name: name.into(),
            ..ObjectMeta::default()
        },
        bucket: os.name().into(),
        nuid,
        size: data.len() as u64,
        chunks: 1,
        digest: "SHA-256=not-checked-here".into(),
        ..ObjectInfo::default()
    };
    let body = serde_json::to_vec(&info).unwrap();
    let mut msg = Message::try_new(os.meta_subject(name).as_bytes(), None, &body).unwrap();
    msg.headers_mut().unwrap().set("Nats-Rollup", "sub");
    js.publish_msg(&mut msg, &PubOptions::default())?;
    Ok(info)
}

fn rand_suffix() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Messages the store's stream holds on `subject`.
fn msgs_on(js: &JetStream, os: &ObjStore, subject: &str) -> u64 {
    let si = js
        .stream_info(
            os.stream_name(),
            &StreamInfoOptions {
                subjects_filter: subject.into(),
                ..StreamInfoOptions::default()
            },
        )
        .unwrap();
    si.state.subjects.iter().map(|s| s.msgs).sum()
}

#[test]
fn stores_are_created_opened_updated_listed_and_deleted() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let cfg = ObjStoreConfig {
        bucket: "files".into(),
        description: "some files".into(),
        ttl: 3_600 * 1_000_000_000,
        max_bytes: 1 << 24,
        storage: StorageType::Memory,
        compression: true,
        metadata: vec![("team".into(), "a".into())],
        ..ObjStoreConfig::default()
    };
    let os = js.create_object_store(&cfg).unwrap();
    assert_eq!(os.stream_name(), "OBJ_files");
    let c = js
        .stream_info("OBJ_files", &StreamInfoOptions::default())
        .unwrap()
        .config;
    assert_eq!(c.subjects, ["$O.files.C.>", "$O.files.M.>"]);
    assert_eq!(c.description, "some files");
    assert_eq!((c.max_age, c.max_bytes), (3_600 * 1_000_000_000, 1 << 24));
    assert_eq!(c.discard, DiscardPolicy::New);
    assert!(c.allow_rollup && c.allow_direct);
    assert_eq!(c.compression, StorageCompression::S2);
    assert!(c.metadata.contains(&("team".into(), "a".into())));

    // The same configuration again opens it; another one is refused.
    js.create_object_store(&cfg).expect("same config");
    let other = ObjStoreConfig {
        description: "else".into(),
        ..cfg.clone()
    };
    let e = js.create_object_store(&other).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Err);
    assert!(e.text.contains("bucket name already in use"), "{}", e.text);
    js.update_object_store(&other).expect("update");
    let st = js.object_store("files").unwrap().status().unwrap();
    assert_eq!(st.description(), "else");
    assert!(st.is_compressed() && !st.sealed());

    let missing = ObjStoreConfig {
        bucket: "nope".into(),
        ..ObjStoreConfig::default()
    };
    assert_eq!(
        js.update_object_store(&missing).err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        js.object_store("nope").err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        js.object_store("bad.name").err().unwrap().kind,
        ErrorKind::InvalidArg
    );

    // Names and statuses: object stores only, not other streams.
    store(&js, "second");
    js.add_stream(&StreamConfig {
        name: "plain".into(),
        subjects: vec!["plain.>".into()],
        storage: StorageType::Memory,
        ..StreamConfig::default()
    })
    .unwrap();
    let mut names = js.object_store_names().unwrap();
    names.sort();
    assert_eq!(names, ["files", "second"]);
    let mut sts: Vec<_> = js
        .object_store_statuses()
        .unwrap()
        .into_iter()
        .map(|s| s.bucket)
        .collect();
    sts.sort();
    assert_eq!(sts, ["files", "second"]);

    js.delete_object_store("files").unwrap();
    js.delete_object_store("second").unwrap();
    assert_eq!(
        js.delete_object_store("files").err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        js.object_store_names().err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        js.object_store_statuses().err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(os.status().err().unwrap().kind, ErrorKind::NotFound);
}

#[test]
fn infos_are_read_updated_renamed_and_deleted() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let os = store(&js, "meta");
    let spaced = "a file with spaces.txt";
    let unicode = "dössier/日本語 ✓";
    put(&os, spaced, b"hello").unwrap();
    put(&os, unicode, b"world!").unwrap();

    let info = os.info(unicode, false).unwrap();
    assert_eq!(info.meta.name, unicode);
    assert_eq!(
        (info.bucket.as_str(), info.size, info.chunks),
        ("meta", 6, 1)
    );
    assert!(info.mtime > 0, "the time is the message's");
    assert_eq!(
        os.info("missing", false).unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(os.info("", false).unwrap_err().kind, ErrorKind::InvalidArg);

    // Meta update in place.
    let meta = ObjectMeta {
        name: spaced.into(),
        description: "greeting".into(),
        headers: vec![("X-Kind".into(), vec!["text".into(), "short".into()])],
        metadata: vec![("lang".into(), "en".into())],
        ..ObjectMeta::default()
    };
    os.update_meta(spaced, &meta).unwrap();
    let got = os.info(spaced, false).unwrap();
    assert_eq!(got.meta.description, "greeting");
    assert_eq!(got.meta.headers, meta.headers);
    assert_eq!(got.meta.metadata, meta.metadata);
    assert_eq!(
        (got.size, got.nuid.as_str()),
        (5, info_nuid(&os, spaced).as_str())
    );

    // Renaming onto an existing object is refused; onto a new name moves it.
    let onto = ObjectMeta {
        name: unicode.into(),
        ..meta.clone()
    };
    assert_eq!(
        os.update_meta(spaced, &onto).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    let renamed = ObjectMeta {
        name: "renamed ü".into(),
        ..meta.clone()
    };
    os.update_meta(spaced, &renamed).unwrap();
    assert_eq!(os.info(spaced, true).unwrap_err().kind, ErrorKind::NotFound);
    let moved = os.info("renamed ü", false).unwrap();
    assert_eq!(
        (moved.size, moved.meta.description.as_str()),
        (5, "greeting")
    );
    assert_eq!(msgs_on(&js, &os, &os.meta_subject(spaced)), 0);

    // Delete: the info becomes a marker, the chunks go.
    let nuid = info.nuid.clone();
    assert_eq!(msgs_on(&js, &os, &os.chunk_subject(&nuid)), 1);
    os.delete(unicode).unwrap();
    assert_eq!(
        os.info(unicode, false).unwrap_err().kind,
        ErrorKind::NotFound
    );
    let del = os.info(unicode, true).unwrap();
    assert!(del.deleted);
    assert_eq!((del.size, del.chunks, del.digest.as_str()), (0, 0, ""));
    assert_eq!(msgs_on(&js, &os, &os.chunk_subject(&nuid)), 0);
    assert_eq!(os.delete(unicode).unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(
        os.update_meta(unicode, &meta).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    // A deleted object's name is free for a rename.
    let back = ObjectMeta {
        name: unicode.into(),
        ..meta.clone()
    };
    os.update_meta("renamed ü", &back).unwrap();
    assert_eq!(os.info(unicode, false).unwrap().size, 5);
}

fn info_nuid(os: &ObjStore, name: &str) -> String {
    os.info(name, true).unwrap().nuid
}

#[test]
fn links_go_to_objects_and_buckets_but_not_to_links_or_deleted_objects() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let os = store(&js, "links");
    let other = store(&js, "other");
    put(&other, "target obj", b"data").unwrap();
    put(&os, "plain", b"x").unwrap();
    let target = other.info("target obj", false).unwrap();

    let link = os.add_link("to target", &target).unwrap();
    let l = link.meta.options.link.clone().unwrap();
    assert_eq!(
        (l.bucket.as_str(), l.name.as_str()),
        ("other", "target obj")
    );
    let read = os.info("to target", false).unwrap();
    assert!(read.is_link());
    assert_eq!(read.meta.options.link, Some(l));
    assert_eq!(read.bucket, "links");

    // Not to a link, not to a deleted object, not over an object.
    assert_eq!(
        os.add_link("x", &read).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    let mut deleted = target.clone();
    deleted.deleted = true;
    assert_eq!(
        os.add_link("x", &deleted).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    assert_eq!(
        os.add_link("plain", &target).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    // A link may replace a link.
    os.add_bucket_link("to target", &other).unwrap();
    let bl = os.info("to target", false).unwrap();
    let l = bl.meta.options.link.unwrap();
    assert_eq!((l.bucket.as_str(), l.name.as_str()), ("other", ""));
    assert_eq!(
        os.add_bucket_link("plain", &other).unwrap_err().kind,
        ErrorKind::IllegalState
    );
}

#[test]
fn a_sealed_store_refuses_changes() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let os = store(&js, "sealed");
    put(&os, "kept", b"data").unwrap();
    os.seal().unwrap();
    assert!(os.status().unwrap().sealed());
    assert!(put(&os, "new", b"more").is_err(), "a put is refused");
    let meta = ObjectMeta {
        name: "kept".into(),
        description: "changed".into(),
        ..ObjectMeta::default()
    };
    assert!(os.update_meta("kept", &meta).is_err());
    assert!(os.delete("kept").is_err());
    let info = os.info("kept", false).unwrap();
    assert!(info.meta.description.is_empty() && !info.deleted);
    assert_eq!(os.info("new", false).unwrap_err().kind, ErrorKind::NotFound);
}

/// The names a watcher reports until its `None`.
fn initial(w: &nats_rs::jetstream::objstore::ObjWatcher) -> Vec<String> {
    let mut names = Vec::new();
    while let Some(i) = w.next(WAIT).unwrap() {
        names.push(i.meta.name);
    }
    names
}

#[test]
fn watchers_see_puts_meta_updates_and_deletes_in_order() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let os = store(&js, "watched");

    // An empty store: the marker comes first.
    let w = os.watch(ObjWatchOptions::default()).unwrap();
    assert_eq!(w.next(WAIT).unwrap(), None);
    put(&os, "one 1", b"a").unwrap();
    let meta = ObjectMeta {
        name: "one 1".into(),
        description: "first".into(),
        ..ObjectMeta::default()
    };
    os.update_meta("one 1", &meta).unwrap();
    os.delete("one 1").unwrap();
    let i = w.next(WAIT).unwrap().unwrap();
    assert_eq!((i.meta.name.as_str(), i.size), ("one 1", 1));
    let i = w.next(WAIT).unwrap().unwrap();
    assert_eq!(i.meta.description, "first");
    let i = w.next(WAIT).unwrap().unwrap();
    assert!(i.deleted && i.meta.name == "one 1");
    assert_eq!(
        w.next(Duration::from_millis(200)).unwrap_err().kind,
        ErrorKind::Timeout
    );
    w.stop().unwrap();
    assert_eq!(w.next(WAIT).unwrap_err().kind, ErrorKind::IllegalState);

    // With objects: their current infos (the last of each), then None.
    put(&os, "two", b"bb").unwrap();
    put(&os, "three ✓", b"ccc").unwrap();
    let w = os.watch(ObjWatchOptions::default()).unwrap();
    assert_eq!(initial(&w), ["one 1", "two", "three ✓"]);
    let w = os
        .watch(ObjWatchOptions {
            ignore_deletes: true,
            ..ObjWatchOptions::default()
        })
        .unwrap();
    assert_eq!(initial(&w), ["two", "three ✓"]);
    os.delete("two").unwrap();
    put(&os, "four", b"d").unwrap();
    assert_eq!(w.next(WAIT).unwrap().unwrap().meta.name, "four");

    // Updates only: nothing of before, no marker.
    let w = os
        .watch(ObjWatchOptions {
            updates_only: true,
            ..ObjWatchOptions::default()
        })
        .unwrap();
    put(&os, "five", b"e").unwrap();
    assert_eq!(w.next(WAIT).unwrap().unwrap().meta.name, "five");

    // A stop from another thread ends a waiting next (if the stop comes
    // before the wait starts, next fails at once the same way; a next the
    // stop missed would wait its 30 s and time out, failing the test).
    let w = std::sync::Arc::new(w);
    let waiting = {
        let w = w.clone();
        std::thread::spawn(move || w.next(Duration::from_secs(30)))
    };
    w.stop().unwrap();
    let r = waiting.join().unwrap();
    assert_eq!(r.unwrap_err().kind, ErrorKind::IllegalState);
}

#[test]
fn list_reports_the_objects_deleted_ones_when_asked() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let os = store(&js, "listed");
    assert_eq!(os.list(false).unwrap_err().kind, ErrorKind::NotFound);
    put(&os, "a", b"1").unwrap();
    put(&os, "b c", b"22").unwrap();
    put(&os, "ü", b"333").unwrap();
    os.delete("a").unwrap();
    let names = |l: Vec<ObjectInfo>| l.into_iter().map(|i| i.meta.name).collect::<Vec<_>>();
    assert_eq!(names(os.list(false).unwrap()), ["b c", "ü"]);
    // In stream order: the delete marker of "a" is the newest info.
    assert_eq!(names(os.list(true).unwrap()), ["b c", "ü", "a"]);
    let sizes: Vec<u64> = os.list(false).unwrap().iter().map(|i| i.size).collect();
    assert_eq!(sizes, [2, 3]);
    os.delete("b c").unwrap();
    os.delete("ü").unwrap();
    assert_eq!(os.list(false).unwrap_err().kind, ErrorKind::NotFound);
}
