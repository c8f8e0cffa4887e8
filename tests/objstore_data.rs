//! Putting and getting objects against a real `nats-server -js`, as
//! ADR-20 lays them out: chunks of exactly the chunk size whatever the
//! sizes of the adds, the info written last with size, chunk count and
//! SHA-256 digest, headers kept, old chunks purged when a name is put
//! again, an abandoned or refused put leaving nothing behind, corrupt or
//! truncated objects reported as errors, deleted objects not found, links
//! followed.
mod support;

use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::objstore::{ObjStore, ObjectMeta, ObjectMetaOptions};
use nats_rs::jetstream::*;
use ring::digest::{digest, SHA256};
use support::NatsServer;

const LONG: Duration = Duration::from_secs(20);

fn js(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

/// The bucket's stream as ADR-20 describes it, made with the plain
/// stream API.
fn bucket_with(js: &JetStream, name: &str, max_bytes: i64) -> ObjStore {
    js.add_stream(&StreamConfig {
        name: format!("OBJ_{name}"),
        subjects: vec![format!("$O.{name}.C.>"), format!("$O.{name}.M.>")],
        storage: StorageType::Memory,
        discard: DiscardPolicy::New,
        allow_rollup: true,
        allow_direct: true,
        max_bytes,
        ..StreamConfig::default()
    })
    .expect("create the bucket's stream");
    js.object_store(name).expect("open the bucket")
}

fn bucket(js: &JetStream, name: &str) -> ObjStore {
    bucket_with(js, name, -1)
}

fn meta(name: &str, chunk: u32) -> ObjectMeta {
    ObjectMeta {
        name: name.into(),
        options: ObjectMetaOptions {
            max_chunk_size: chunk,
            ..ObjectMetaOptions::default()
        },
        ..ObjectMeta::default()
    }
}

/// Bytes that differ from chunk to chunk, so a reordering shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn digest_of(data: &[u8]) -> String {
    use base64::Engine;
    let h = digest(&SHA256, data);
    format!(
        "SHA-256={}",
        base64::engine::general_purpose::URL_SAFE.encode(h.as_ref())
    )
}

fn stream_msgs(js: &JetStream, obs: &ObjStore) -> u64 {
    js.stream_info(obs.stream_name(), &StreamInfoOptions::default())
        .unwrap()
        .state
        .msgs
}

/// The sizes of the chunk messages of object `nuid`, in stream order.
fn chunk_sizes(js: &JetStream, obs: &ObjStore, nuid: &str) -> Vec<usize> {
    let subject = obs.chunk_subject(nuid);
    let last = js
        .stream_info(obs.stream_name(), &StreamInfoOptions::default())
        .unwrap()
        .state
        .last_seq;
    (1..=last)
        .filter_map(|seq| js.get_msg(obs.stream_name(), seq).ok())
        .filter(|m| m.subject() == subject)
        .map(|m| m.data().len())
        .collect()
}

#[test]
fn an_empty_object_has_no_chunks_and_reads_as_empty() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "empty");
    let mut put = obs.put(&meta("nothing", 0)).unwrap();
    put.add(b"").unwrap();
    let info = put.complete(LONG).unwrap();
    assert_eq!((info.size, info.chunks), (0, 0));
    assert_eq!(info.digest, digest_of(b""));
    assert_eq!(info.meta.options.max_chunk_size, 128 * 1024);
    assert_eq!(info.bucket, "empty");
    assert!(info.mtime > 0);
    // Only the info message is stored.
    assert_eq!(stream_msgs(&js, &obs), 1);

    let mut get = obs.get("nothing", false).unwrap();
    assert_eq!(get.info().size, 0);
    let (data, done) = get.read(LONG).unwrap();
    assert!(data.is_none() && done);
    let again = get.read(LONG).unwrap_err();
    assert_eq!(again.kind, ErrorKind::IllegalState);
    assert_eq!(obs.get_bytes("nothing", false).unwrap(), b"");
}

#[test]
fn exactly_one_chunk_is_one_message() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "one");
    let data = pattern(1024);
    let mut put = obs.put(&meta("one", 1024)).unwrap();
    put.add(&data).unwrap();
    let info = put.complete(LONG).unwrap();
    assert_eq!((info.size, info.chunks), (1024, 1));
    assert_eq!(info.digest, digest_of(&data));
    assert_eq!(chunk_sizes(&js, &obs, &info.nuid), [1024]);

    let mut get = obs.get("one", false).unwrap();
    let (chunk, done) = get.read(LONG).unwrap();
    assert_eq!(chunk.unwrap().data(), &data[..]);
    assert!(done && get.is_done());
}

#[test]
fn odd_adds_fill_chunks_to_the_chunk_size() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "odd");
    let data = pattern(12_345);
    let mut put = obs.put(&meta("odd", 1000)).unwrap();
    let mut at = 0;
    for size in [1, 7, 999, 1000, 1001, 3333, 2, 0, 5000].iter().cycle() {
        let end = (at + size).min(data.len());
        put.add(&data[at..end]).unwrap();
        at = end;
        if at == data.len() {
            break;
        }
    }
    let info = put.complete(LONG).unwrap();
    // ADR-20: ceil(size / chunk size) chunks, all full but the last.
    assert_eq!((info.size, info.chunks), (12_345, 13));
    let mut want = vec![1000; 12];
    want.push(345);
    assert_eq!(chunk_sizes(&js, &obs, &info.nuid), want);
    assert_eq!(info.digest, digest_of(&data));

    let mut get = obs.get("odd", false).unwrap();
    let mut got = Vec::new();
    loop {
        let (chunk, done) = get.read(LONG).unwrap();
        got.extend_from_slice(chunk.unwrap().data());
        if done {
            break;
        }
    }
    assert_eq!(got, data);
    assert_eq!(obs.get_bytes("odd", false).unwrap(), data);
}

#[test]
fn headers_description_and_metadata_are_stored() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "hdrs");
    let mut m = meta("with headers", 0);
    m.description = "described".into();
    m.headers = vec![("X-Kind".into(), vec!["a".into(), "b".into()])];
    m.metadata = vec![("owner".into(), "me".into())];
    let mut put = obs.put(&m).unwrap();
    put.add(b"hello").unwrap();
    put.complete(LONG).unwrap();

    let get = obs.get("with headers", false).unwrap();
    let stored = &get.info().meta;
    assert_eq!(stored.description, "described");
    assert_eq!(stored.headers, m.headers);
    assert_eq!(stored.metadata, m.metadata);
    // On the wire, as other clients read them.
    let raw = js
        .get_last_msg(obs.stream_name(), &obs.meta_subject("with headers"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(raw.data()).unwrap();
    assert_eq!(json["headers"]["X-Kind"], serde_json::json!(["a", "b"]));
    assert_eq!(json["chunks"], 1);
}

#[test]
fn putting_a_name_again_replaces_it_and_purges_the_old_chunks() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "again");
    let mut put = obs.put(&meta("x", 100)).unwrap();
    put.add(&pattern(350)).unwrap();
    let first = put.complete(LONG).unwrap();
    assert_eq!(stream_msgs(&js, &obs), 5);

    let second_data = b"the second version".to_vec();
    let mut put = obs.put(&meta("x", 100)).unwrap();
    put.add(&second_data).unwrap();
    let second = put.complete(LONG).unwrap();
    assert_ne!(first.nuid, second.nuid);
    // One chunk and one info: the old chunks and info are gone.
    assert_eq!(stream_msgs(&js, &obs), 2);
    assert!(chunk_sizes(&js, &obs, &first.nuid).is_empty());
    assert_eq!(obs.get_bytes("x", false).unwrap(), second_data);
}

#[test]
fn a_put_given_up_leaves_no_chunks() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "abort");
    let mut put = obs.put(&meta("half", 100)).unwrap();
    put.add(&pattern(1000)).unwrap();
    assert_eq!(put.info().chunks, 10);
    drop(put);
    assert_eq!(stream_msgs(&js, &obs), 0);
    let e = obs.get("half", false).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[test]
fn a_put_the_stream_refuses_fails_and_leaves_nothing() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    // Room for a few chunks only; discard new refuses the rest.
    let obs = bucket_with(&js, "small", 4096);
    let mut put = obs.put(&meta("big", 1000)).unwrap();
    let added = put.add(&pattern(20_000));
    let e = match added {
        Err(e) => e,
        Ok(()) => put.complete(LONG).unwrap_err(),
    };
    eprintln!("refused: {e:?}");
    assert_eq!(e.kind, ErrorKind::Err);
    drop(put);
    assert_eq!(stream_msgs(&js, &obs), 0);
    assert_eq!(
        obs.get("big", false).err().unwrap().kind,
        ErrorKind::NotFound
    );
}

#[test]
fn a_corrupted_chunk_fails_the_digest_check() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "bad");
    let data = pattern(500);
    let mut put = obs.put(&meta("obj", 100)).unwrap();
    put.add(&data).unwrap();
    let info = put.complete(LONG).unwrap();
    // Chunks are stream sequences 1 to 5; overwrite the third: remove it
    // and store other bytes of the same length on the chunk subject.
    js.delete_msg(obs.stream_name(), 3).unwrap();
    let forged = vec![0xAAu8; 100];
    js.publish(
        &obs.chunk_subject(&info.nuid),
        &forged,
        &PubOptions::default(),
    )
    .unwrap();

    let e = obs.get_bytes("obj", false).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert!(e.text.contains("digests do not match"), "{}", e.text);

    // Read chunk by chunk, the last read is the error, not data.
    let mut get = obs.get("obj", false).unwrap();
    let mut reads = 0;
    let last = loop {
        match get.read(LONG) {
            Ok((_, false)) => reads += 1,
            Ok((_, true)) => panic!("a corrupt object read to its end"),
            Err(e) => break e,
        }
    };
    assert_eq!(reads, 4);
    assert!(last.text.contains("digests do not match"));
    assert_eq!(get.read(LONG).unwrap_err().kind, ErrorKind::IllegalState);
}

#[test]
fn a_missing_chunk_is_an_error_not_a_hang() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "short");
    let mut put = obs.put(&meta("obj", 100)).unwrap();
    put.add(&pattern(500)).unwrap();
    put.complete(LONG).unwrap();
    js.delete_msg(obs.stream_name(), 5).unwrap();
    let e = obs.get_bytes("obj", false).unwrap_err();
    assert_eq!(e.kind, ErrorKind::IllegalState);
    assert!(e.text.contains("fewer"), "{}", e.text);
}

#[test]
fn a_deleted_object_is_not_found() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "del");
    obs.put_bytes("gone", b"soon gone").unwrap();
    obs.delete("gone").unwrap();
    let e = obs.get("gone", false).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        obs.get_bytes("gone", false).unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        obs.get("never", false).err().unwrap().kind,
        ErrorKind::NotFound
    );
    // Shown deleted, it has no data.
    let get = obs.get("gone", true).unwrap();
    assert!(get.info().deleted);
    assert_eq!(obs.get_bytes("gone", true).unwrap(), b"");
}

#[test]
fn links_to_objects_are_followed_not_links_to_buckets() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let here = bucket(&js, "here");
    let there = bucket(&js, "there");
    let target = there.put_bytes("target", b"linked bytes").unwrap();
    here.put_bytes("local", b"local bytes").unwrap();
    let local = here.get("local", false).unwrap().info().clone();

    here.add_link("to-local", &local).unwrap();
    here.add_link("to-there", &target).unwrap();
    assert_eq!(here.get_bytes("to-local", false).unwrap(), b"local bytes");
    let get = here.get("to-there", false).unwrap();
    assert_eq!(get.info().meta.name, "target");
    assert_eq!(get.info().bucket, "there");
    assert_eq!(here.get_bytes("to-there", false).unwrap(), b"linked bytes");

    here.add_bucket_link("to-bucket", &there).unwrap();
    let e = here.get("to-bucket", false).err().unwrap();
    assert_eq!(e.kind, ErrorKind::IllegalState);
}

#[test]
fn names_and_links_must_be_valid() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "args");
    assert_eq!(
        obs.put(&meta("", 0)).err().unwrap().kind,
        ErrorKind::InvalidArg
    );
    let mut linked = meta("l", 0);
    linked.options.link = Some(Default::default());
    assert_eq!(obs.put(&linked).err().unwrap().kind, ErrorKind::InvalidArg);
    assert_eq!(
        obs.get("", false).err().unwrap().kind,
        ErrorKind::InvalidArg
    );
    // A finished put takes no more.
    let mut put = obs.put(&meta("done", 0)).unwrap();
    put.complete(LONG).unwrap();
    assert_eq!(put.add(b"x").unwrap_err().kind, ErrorKind::IllegalState);
    assert_eq!(
        put.complete(LONG).unwrap_err().kind,
        ErrorKind::IllegalState
    );
}

#[test]
fn files_round_trip_and_a_failed_get_leaves_no_file() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "files");
    let dir = std::env::temp_dir().join(format!("objstore-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("in.bin");
    let data = pattern(300_000);
    std::fs::write(&src, &data).unwrap();
    let name = src.to_str().unwrap();
    let info = obs.put_file(name).unwrap();
    assert_eq!(info.meta.name, name);
    assert_eq!((info.size, info.chunks), (300_000, 3));
    let out = dir.join("out.bin");
    obs.get_file(name, out.to_str().unwrap(), false).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), data);

    let missing = dir.join("missing.bin");
    let e = obs
        .get_file("no such object", missing.to_str().unwrap(), false)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(!missing.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sealed_store_refuses_puts() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    let obs = bucket(&js, "sealed");
    obs.put_bytes("before", b"kept").unwrap();
    obs.seal().unwrap();
    let e = obs.put_bytes("after", &pattern(300_000)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err, "{e:?}");
    assert_eq!(
        obs.get("after", false).err().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(obs.get_bytes("before", false).unwrap(), b"kept");
    assert_eq!(stream_msgs(&js, &obs), 2);
}
