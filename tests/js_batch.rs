//! Atomic batch publish against a real `nats-server -js` (2.12+): a
//! committed batch is stored whole, an aborted one not at all.
mod support;

use nats_rs::client::{Connection, ErrorKind, Message, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::{JetStream, JsOptions, PubOptions};
use serde_json::Value;
use support::NatsServer;

fn context(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

fn add_stream(js: &JetStream, name: &str, atomic: bool) {
    let config = serde_json::json!({"name": name, "subjects": [format!("{name}.>")],
                                    "allow_atomic": atomic});
    let answer = js
        .api_request_raw(
            &format!("STREAM.CREATE.{name}"),
            config.to_string().as_bytes(),
        )
        .expect("stream create");
    let v: Value = serde_json::from_slice(&answer).unwrap();
    assert!(v.get("error").is_none(), "stream create: {v}");
}

fn stored(js: &JetStream, name: &str) -> u64 {
    let answer = js
        .api_request_raw(&format!("STREAM.INFO.{name}"), b"")
        .unwrap();
    let v: Value = serde_json::from_slice(&answer).unwrap();
    v["state"]["messages"].as_u64().unwrap()
}

fn msg(subject: &str, data: &str) -> Message {
    Message::new(subject, None, data.as_bytes())
}

#[test]
fn a_committed_batch_is_stored_whole() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, "B", true);
    let batch = js.atomic_batch();
    let none = PubOptions::default();
    for i in 0..20 {
        let ack = batch
            .add(&mut msg("B.x", &i.to_string()), &none)
            .expect("add");
        assert_eq!(ack, None, "staged messages get an empty answer");
        // Staged, not stored.
        assert_eq!(stored(&js, "B"), 0);
    }
    let ack = batch
        .commit(&mut msg("B.x", "end"), &none)
        .expect("commit")
        .expect("the commit's ack");
    assert_eq!(ack.count, 21);
    assert_eq!(ack.batch, batch.id());
    assert_eq!((ack.stream.as_str(), ack.sequence), ("B", 21));
    assert_eq!(batch.count(), 21);
    assert_eq!(stored(&js, "B"), 21);

    // Two batches interleaved keep apart.
    let (one, two) = (js.atomic_batch(), js.atomic_batch());
    assert_ne!(one.id(), two.id());
    for i in 0..5 {
        one.add(&mut msg("B.one", &i.to_string()), &none).unwrap();
        two.add(&mut msg("B.two", &i.to_string()), &none).unwrap();
    }
    let a1 = one
        .commit(&mut msg("B.one", "end"), &none)
        .unwrap()
        .unwrap();
    let a2 = two
        .commit(&mut msg("B.two", "end"), &none)
        .unwrap()
        .unwrap();
    assert_eq!((a1.count, a2.count), (6, 6));
    assert_eq!(stored(&js, "B"), 33);
}

#[test]
fn an_abandoned_batch_stores_nothing() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, "D", true);
    let batch = js.atomic_batch();
    for i in 0..5 {
        batch
            .add(&mut msg("D.x", &i.to_string()), &PubOptions::default())
            .unwrap();
    }
    drop(batch);
    // A later, committed batch is stored alone.
    let other = js.atomic_batch();
    let ack = other
        .commit(&mut msg("D.x", "only"), &PubOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!((ack.count, ack.sequence), (1, 1));
    assert_eq!(stored(&js, "D"), 1);
}

#[test]
fn a_refused_commit_aborts_the_batch() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, "F", true);
    let batch = js.atomic_batch();
    for i in 0..5 {
        batch
            .add(&mut msg("F.x", &i.to_string()), &PubOptions::default())
            .unwrap();
    }
    let wrong = PubOptions {
        expect_last_seq: 99,
        ..PubOptions::default()
    };
    let e = batch.commit(&mut msg("F.x", "end"), &wrong).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err, "{e}");
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE, "{e}");
    assert_eq!(stored(&js, "F"), 0);
}

#[test]
fn a_gap_in_the_sequence_aborts_the_batch() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, "G", true);
    // What a lost message looks like to the server: 1, then 3 commits.
    let by_hand = |seq: &str, commit: bool| {
        let mut m = msg("G.x", seq);
        let h = m.headers_mut().unwrap();
        h.set("Nats-Batch-Id", "gap-batch");
        h.set("Nats-Batch-Sequence", seq);
        if commit {
            h.set("Nats-Batch-Commit", "1");
        }
        js.publish_msg(&mut m, &PubOptions::default())
    };
    assert_eq!(by_hand("1", false).unwrap(), None);
    let e = by_hand("3", true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err, "{e}");
    // The server's JSAtomicPublishIncompleteBatchErr.
    assert_eq!(e.code, 10176, "{e}");
    assert_eq!(stored(&js, "G"), 0);
}

#[test]
fn a_stream_without_allow_atomic_refuses_batches() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, "N", false);
    let batch = js.atomic_batch();
    let e = batch
        .add(&mut msg("N.x", "1"), &PubOptions::default())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err, "{e}");
    // The server's JSAtomicPublishDisabledErr.
    assert_eq!(e.code, 10174, "{e}");
    assert_eq!(stored(&js, "N"), 0);
}
