//! Asynchronous JetStream publish against a real `nats-server -js`:
//! back-pressure at `max_pending`, every ack handled once, the pending
//! list when acks do not come, and the error handler (which may publish
//! the message again).
mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::publish_async::{AckHandler, ErrHandler};
use nats_rs::jetstream::{JetStream, JsOptions, PubOptions, PublishAsyncOptions};
use serde_json::Value;
use support::NatsServer;

const GUARD: Option<Duration> = Some(Duration::from_secs(60));

fn connect(server: &NatsServer) -> Connection {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    Connection::connect(opts).expect("connect")
}

fn context(conn: Connection, pa: PublishAsyncOptions) -> JetStream {
    let opts = JsOptions {
        publish_async: pa,
        ..JsOptions::default()
    };
    JetStream::new(conn, opts).unwrap()
}

fn add_stream(js: &JetStream, config: Value) {
    let name = config["name"].as_str().unwrap().to_string();
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

/// A subject someone listens on without ever answering: acks never come.
fn silent(conn: &Connection, subject: &str) -> nats_rs::client::Subscription {
    let sub = conn.subscribe_sync(subject, None).unwrap();
    conn.flush_timeout(Duration::from_secs(5)).unwrap();
    sub
}

#[test]
fn a_hundred_thousand_acks_each_once_under_max_pending() {
    const N: u64 = 100_000;
    const MAX: i64 = 1_000;
    let server = NatsServer::builder().jetstream().start();
    let seen: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let failures = Arc::new(AtomicU64::new(0));
    let (s, f) = (seen.clone(), failures.clone());
    let test_thread = thread::current().id();
    let on_ack: AckHandler = Arc::new(move |_, msg, outcome| {
        assert_ne!(thread::current().id(), test_thread);
        drop(msg);
        match outcome {
            Ok(ack) => *s.lock().unwrap().entry(ack.sequence).or_default() += 1,
            Err(_) => {
                f.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let js = context(
        connect(&server),
        PublishAsyncOptions {
            max_pending: MAX,
            ack_handler: Some(on_ack),
            // Only a guard: the pace is the server's.
            stall_wait: Some(Duration::from_secs(30)),
            ..PublishAsyncOptions::default()
        },
    );
    add_stream(
        &js,
        serde_json::json!({"name": "BULK", "subjects": ["bulk"], "storage": "memory"}),
    );
    let mut most = 0;
    for i in 0..N {
        js.publish_async("bulk", i.to_string().as_bytes(), &PubOptions::default())
            .expect("publish_async");
        most = most.max(js.publish_async_pending());
    }
    js.publish_async_complete(GUARD).expect("all acked");
    assert!(most <= MAX as u64, "{most} pending at once");
    assert_eq!(failures.load(Ordering::Relaxed), 0);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len() as u64, N);
    assert!((1..=N).all(|seq| seen.get(&seq) == Some(&1)));
    assert_eq!(stored(&js, "BULK"), N);
    assert_eq!(js.publish_async_pending(), 0);
}

#[test]
fn complete_times_out_and_the_pending_list_hands_messages_back() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let _sub = silent(&conn, "void");
    let js = context(conn, PublishAsyncOptions::default());
    for i in 0..10 {
        js.publish_async("void", format!("m{i}").as_bytes(), &PubOptions::default())
            .unwrap();
    }
    let e = js
        .publish_async_complete(Some(Duration::from_millis(300)))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    let list = js.publish_async_pending_list().expect("pending list");
    let data: Vec<&[u8]> = list.iter().map(|m| m.data()).collect();
    let want: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(
        data,
        want.iter().map(|s| s.as_bytes()).collect::<Vec<_>>(),
        "oldest first"
    );
    // They are no longer tracked.
    assert_eq!(js.publish_async_pending(), 0);
    js.publish_async_complete(Some(Duration::from_millis(100)))
        .expect("nothing pending");
    let e = js.publish_async_pending_list().unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[test]
fn a_paused_server_stalls_publishers_at_max_pending() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let js = context(
        conn,
        PublishAsyncOptions {
            max_pending: 5,
            stall_wait: Some(Duration::from_millis(100)),
            ..PublishAsyncOptions::default()
        },
    );
    add_stream(&js, serde_json::json!({"name": "P", "subjects": ["p"]}));
    server.pause();
    for _ in 0..5 {
        js.publish_async("p", b"x", &PubOptions::default()).unwrap();
    }
    let u = js
        .publish_msg_async(
            nats_rs::client::Message::new("p", None, b"sixth"),
            &PubOptions::default(),
        )
        .unwrap_err();
    assert_eq!(u.error.kind, ErrorKind::Timeout);
    assert_eq!(
        u.error.text,
        "stalled with too many outstanding async published messages"
    );
    assert_eq!(u.msg.data(), b"sixth", "the caller keeps the message");
    server.resume();
    js.publish_async_complete(GUARD)
        .expect("acked after resume");
    assert_eq!(stored(&js, "P"), 5);
}

/// What the error handler saw: status, code, text, the message's data.
type Failure = (ErrorKind, u16, String, Vec<u8>);

#[derive(Default)]
struct Failures {
    got: Mutex<Vec<Failure>>,
}

#[test]
fn the_error_handler_gets_each_failure_with_its_code() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let _sub = silent(&conn, "void");
    let failures: Arc<Failures> = Arc::default();
    let f = failures.clone();
    let on_err: ErrHandler = Arc::new(move |_, pae| {
        let data = pae
            .msg
            .as_ref()
            .map(|m| m.data().to_vec())
            .unwrap_or_default();
        f.got
            .lock()
            .unwrap()
            .push((pae.err, pae.err_code, pae.err_text.clone(), data));
    });
    let js = context(
        conn,
        PublishAsyncOptions {
            err_handler: Some(on_err),
            ..PublishAsyncOptions::default()
        },
    );
    add_stream(&js, serde_json::json!({"name": "E", "subjects": ["e"]}));
    js.publish_async("e", b"fine", &PubOptions::default())
        .unwrap();
    let wrong_seq = PubOptions {
        expect_last_seq: 42,
        ..PubOptions::default()
    };
    js.publish_async("e", b"refused", &wrong_seq).unwrap();
    js.publish_async("no.stream", b"unheard", &PubOptions::default())
        .unwrap();
    let quick = PubOptions {
        max_wait: Some(Duration::from_millis(100)),
        ..PubOptions::default()
    };
    js.publish_async("void", b"late", &quick).unwrap();
    js.publish_async_complete(GUARD).unwrap();

    let mut got = failures.got.lock().unwrap().clone();
    got.sort_by(|a, b| a.3.cmp(&b.3));
    assert_eq!(got.len(), 3, "{got:?}");
    let (kind, code, text, _) = &got[0];
    assert_eq!((*kind, *code), (ErrorKind::Timeout, 0));
    assert_eq!(text, "Timeout");
    assert_eq!(got[0].3, b"late");
    let (kind, code, text, data) = &got[1];
    assert_eq!((*kind, *code), (ErrorKind::Err, codes::WRONG_LAST_SEQUENCE));
    assert!(text.contains("wrong last sequence"), "{text}");
    assert_eq!(data, b"refused");
    let (kind, _, _, data) = &got[2];
    assert_eq!(*kind, ErrorKind::NoResponders);
    assert_eq!(data, b"unheard");
    assert_eq!(stored(&js, "E"), 1);
}

#[test]
fn the_error_handler_may_publish_the_message_again() {
    let server = NatsServer::builder().jetstream().start();
    let retried = Arc::new(AtomicU64::new(0));
    let r = retried.clone();
    let on_err: ErrHandler = Arc::new(move |js, pae| {
        let Some(mut msg) = pae.msg.take() else {
            return;
        };
        // Without the failed expectation this time.
        msg.headers_mut()
            .unwrap()
            .delete("Nats-Expected-Last-Sequence");
        if js.publish_msg_async(msg, &PubOptions::default()).is_ok() {
            r.fetch_add(1, Ordering::Relaxed);
        }
    });
    let js = context(
        connect(&server),
        PublishAsyncOptions {
            err_handler: Some(on_err),
            max_pending: 2,
            ..PublishAsyncOptions::default()
        },
    );
    add_stream(&js, serde_json::json!({"name": "R", "subjects": ["r"]}));
    let wrong_seq = PubOptions {
        expect_last_seq: 9,
        ..PubOptions::default()
    };
    js.publish_async("r", b"again", &wrong_seq).unwrap();
    js.publish_async_complete(GUARD).unwrap();
    assert_eq!(retried.load(Ordering::Relaxed), 1);
    assert_eq!(stored(&js, "R"), 1);
}

#[test]
fn the_ack_handler_gets_failures_too_and_owns_the_message() {
    let server = NatsServer::builder().jetstream().start();
    type Outcome = (Vec<u8>, Result<u64, (ErrorKind, u16)>);
    let got: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let g = got.clone();
    let on_ack: AckHandler = Arc::new(move |_, msg, outcome| {
        let o = match outcome {
            Ok(a) => Ok(a.sequence),
            Err(e) => Err((e.err, e.err_code)),
        };
        g.lock().unwrap().push((msg.data().to_vec(), o));
    });
    // An error handler is ignored when there is an ack handler.
    let never: ErrHandler = Arc::new(|_, _| panic!("error handler called"));
    let js = context(
        connect(&server),
        PublishAsyncOptions {
            ack_handler: Some(on_ack),
            err_handler: Some(never),
            ..PublishAsyncOptions::default()
        },
    );
    add_stream(&js, serde_json::json!({"name": "A", "subjects": ["a"]}));
    js.publish_async("a", b"ok", &PubOptions::default())
        .unwrap();
    let wrong = PubOptions {
        expect_stream: "B".into(),
        ..PubOptions::default()
    };
    js.publish_async("a", b"bad", &wrong).unwrap();
    js.publish_async_complete(GUARD).unwrap();
    let mut got = got.lock().unwrap().clone();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (b"bad".to_vec(), Err((ErrorKind::Err, 10060))),
            (b"ok".to_vec(), Ok(1)),
        ]
    );
}

#[test]
fn closing_the_context_drops_what_is_pending() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let _sub = silent(&conn, "void");
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let on_ack: AckHandler = Arc::new(move |_, _, _| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    let js = context(
        conn.clone(),
        PublishAsyncOptions {
            ack_handler: Some(on_ack),
            ..PublishAsyncOptions::default()
        },
    );
    let clone = js.clone();
    js.publish_async("void", b"x", &PubOptions::default())
        .unwrap();
    assert_eq!(clone.publish_async_pending(), 1, "clones share the state");
    // A waiter without a limit is released by the close.
    let waiter = thread::spawn(move || clone.publish_async_complete(None));
    js.close();
    assert!(waiter.join().unwrap().is_ok());
    assert_eq!(js.publish_async_pending(), 0);
    assert_eq!(
        js.publish_async_pending_list().unwrap_err().kind,
        ErrorKind::NotFound
    );
    let e = js
        .publish_async("void", b"y", &PubOptions::default())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::IllegalState);
    assert_eq!(calls.load(Ordering::Relaxed), 0, "no callbacks after close");
}

#[test]
fn a_closed_connection_gives_the_message_back() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let js = context(conn.clone(), PublishAsyncOptions::default());
    conn.close();
    let u = js
        .publish_msg_async(
            nats_rs::client::Message::new("x", None, b"kept"),
            &PubOptions::default(),
        )
        .unwrap_err();
    assert_eq!(u.error.kind, ErrorKind::ConnectionClosed);
    assert_eq!(u.msg.data(), b"kept");
    assert_eq!(js.publish_async_pending(), 0);
}

#[test]
fn a_connection_closed_with_acks_pending_leaves_them_pending() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    let js = context(conn.clone(), PublishAsyncOptions::default());
    add_stream(&js, serde_json::json!({"name": "C", "subjects": ["c"]}));
    server.pause();
    for i in 0..3 {
        js.publish_async("c", format!("{i}").as_bytes(), &PubOptions::default())
            .unwrap();
    }
    conn.close();
    server.resume();
    // No ack can come any more: the wait times out and the messages can
    // be taken back (to publish them on another connection, say).
    let e = js
        .publish_async_complete(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    let list = js.publish_async_pending_list().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[2].data(), b"2");
}
