//! Synchronous JetStream publish against a real `nats-server -js`: every
//! expectation header reaches the server and its refusals come back with
//! their error codes. Streams are made with raw API calls (stream
//! management is tested elsewhere).
mod support;

use std::time::{Duration, Instant};

use nats_rs::client::{Connection, ErrorKind, Message, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::{JetStream, JsOptions, PubOptions, ScheduleOptions};
use serde_json::Value;
use support::NatsServer;

fn connect(server: &NatsServer) -> Connection {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    Connection::connect(opts).expect("connect")
}

fn context(server: &NatsServer) -> JetStream {
    JetStream::new(connect(server), JsOptions::default()).unwrap()
}

/// Creates a stream from its JSON config; panics on an API error.
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

fn stream_info(js: &JetStream, name: &str) -> Value {
    let answer = js
        .api_request_raw(&format!("STREAM.INFO.{name}"), b"")
        .expect("stream info");
    serde_json::from_slice(&answer).unwrap()
}

fn stored(js: &JetStream, name: &str) -> u64 {
    stream_info(js, name)["state"]["messages"].as_u64().unwrap()
}

fn wait_until(guard: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + guard;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

#[test]
fn acks_name_the_stream_and_sequence_and_dedup_by_msg_id() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(
        &js,
        serde_json::json!({"name": "ORDERS", "subjects": ["orders.>"]}),
    );

    let ack = js
        .publish("orders.new", b"one", &PubOptions::default())
        .expect("publish")
        .expect("an ack");
    assert_eq!(
        (ack.stream.as_str(), ack.sequence, ack.duplicate),
        ("ORDERS", 1, false)
    );

    let with_id = PubOptions {
        msg_id: "order-7".into(),
        ..PubOptions::default()
    };
    let first = js
        .publish("orders.new", b"seven", &with_id)
        .unwrap()
        .unwrap();
    assert_eq!((first.sequence, first.duplicate), (2, false));
    let again = js
        .publish("orders.new", b"seven", &with_id)
        .unwrap()
        .unwrap();
    assert!(again.duplicate, "{again:?}");
    assert_eq!(again.sequence, 2);
    assert_eq!(stored(&js, "ORDERS"), 2);
}

#[test]
fn expectations_refused_carry_their_codes() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, serde_json::json!({"name": "S", "subjects": ["s.>"]}));
    let with_id = PubOptions {
        msg_id: "a".into(),
        ..PubOptions::default()
    };
    js.publish("s.x", b"1", &with_id).unwrap();

    // Last sequence.
    let wrong_seq = PubOptions {
        expect_last_seq: 5,
        ..PubOptions::default()
    };
    let e = js.publish("s.x", b"2", &wrong_seq).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Err, codes::WRONG_LAST_SEQUENCE),
        "{e}"
    );
    assert!(!e.text.is_empty());
    let right_seq = PubOptions {
        expect_last_seq: 1,
        ..PubOptions::default()
    };
    assert_eq!(
        js.publish("s.x", b"2", &right_seq)
            .unwrap()
            .unwrap()
            .sequence,
        2
    );

    // Last message id: the last message (seq 2) has none.
    let wrong_id = PubOptions {
        expect_last_msg_id: "a".into(),
        msg_id: "c".into(),
        ..PubOptions::default()
    };
    let e = js.publish("s.x", b"3", &wrong_id).unwrap_err();
    assert_eq!(e.code, codes::STREAM_WRONG_LAST_MSG_ID, "{e}");
    js.publish("s.x", b"3", &with_id_of("b")).unwrap();
    let right_id = PubOptions {
        expect_last_msg_id: "b".into(),
        ..PubOptions::default()
    };
    assert_eq!(
        js.publish("s.x", b"4", &right_id)
            .unwrap()
            .unwrap()
            .sequence,
        4
    );

    // Stream name.
    let other_stream = PubOptions {
        expect_stream: "OTHER".into(),
        ..PubOptions::default()
    };
    let e = js.publish("s.x", b"5", &other_stream).unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Err, 10060), "{e}");
    let this_stream = PubOptions {
        expect_stream: "S".into(),
        ..PubOptions::default()
    };
    js.publish("s.x", b"5", &this_stream).unwrap();

    // Per subject: s.y has nothing yet, then has seq 6.
    let none_yet = PubOptions {
        expect_no_message: true,
        ..PubOptions::default()
    };
    assert_eq!(
        js.publish("s.y", b"6", &none_yet)
            .unwrap()
            .unwrap()
            .sequence,
        6
    );
    let e = js.publish("s.y", b"7", &none_yet).unwrap_err();
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE, "{e}");
    let subject_seq = |seq, subject: &str| PubOptions {
        expect_last_subject_seq: seq,
        expect_last_subject_seq_subject: subject.into(),
        ..PubOptions::default()
    };
    let e = js.publish("s.y", b"7", &subject_seq(5, "")).unwrap_err();
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE, "{e}");
    js.publish("s.y", b"7", &subject_seq(6, "")).unwrap();
    // Against a wildcard instead of the message's own subject: s.* last is 7.
    let e = js.publish("s.z", b"8", &subject_seq(6, "s.*")).unwrap_err();
    assert_eq!(e.code, codes::WRONG_LAST_SEQUENCE, "{e}");
    js.publish("s.z", b"8", &subject_seq(7, "s.*")).unwrap();
    assert_eq!(stored(&js, "S"), 8);
}

fn with_id_of(id: &str) -> PubOptions {
    PubOptions {
        msg_id: id.into(),
        ..PubOptions::default()
    }
}

#[test]
fn a_user_message_keeps_its_headers_and_gets_the_options() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(&js, serde_json::json!({"name": "H", "subjects": ["h"]}));
    let mut msg = Message::new("h", None, b"data");
    msg.headers_mut().unwrap().set("Custom", "yes");
    js.publish_msg(&mut msg, &with_id_of("x1")).unwrap();
    // As in nats.c, the options' headers are now on the message.
    let h = msg.headers().unwrap().unwrap();
    assert_eq!(h.get("Nats-Msg-Id"), Some(&b"x1"[..]));

    let got = js
        .api_request_raw("STREAM.MSG.GET.H", br#"{"seq":1}"#)
        .unwrap();
    let v: Value = serde_json::from_slice(&got).unwrap();
    let hdrs = v["message"]["hdrs"].as_str().expect("stored headers");
    let raw = base64_decode(hdrs);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Custom: yes"), "{text}");
    assert!(text.contains("Nats-Msg-Id: x1"), "{text}");
}

/// Standard base64, enough for the stored header block.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            n |= u32::from(*d) << (18 - 6 * i);
        }
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn a_message_with_a_ttl_expires() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(
        &js,
        serde_json::json!({"name": "T", "subjects": ["t"], "allow_msg_ttl": true}),
    );
    let short = PubOptions {
        msg_ttl: Some(Duration::from_secs(1)),
        ..PubOptions::default()
    };
    js.publish("t", b"brief", &short).unwrap();
    js.publish("t", b"stays", &PubOptions::default()).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || stored(&js, "T") == 1),
        "the message with a TTL was not removed: {}",
        stream_info(&js, "T")
    );
    assert_eq!(
        stream_info(&js, "T")["state"]["first_seq"].as_u64(),
        Some(2)
    );
}

#[test]
fn a_schedule_delivers_to_its_target() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    add_stream(
        &js,
        serde_json::json!({"name": "SCH", "subjects": ["sched.>", "target.>"],
                           "allow_msg_schedules": true}),
    );
    let every = PubOptions {
        schedule: ScheduleOptions {
            schedule: "@every 1s".into(),
            target: "target.a".into(),
            ..ScheduleOptions::default()
        },
        ..PubOptions::default()
    };
    js.publish("sched.a", b"tick", &every).unwrap();
    let target_count = |js: &JetStream| {
        let answer = js
            .api_request_raw("STREAM.INFO.SCH", br#"{"subjects_filter":"target.a"}"#)
            .unwrap();
        let v: Value = serde_json::from_slice(&answer).unwrap();
        v["state"]["subjects"]["target.a"].as_u64().unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(30), || target_count(&js) >= 1),
        "no scheduled message reached its target"
    );
}

#[test]
fn nothing_captures_the_subject() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    let e = js
        .publish("nobody.here", b"x", &PubOptions::default())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoResponders, "{e}");
    assert_eq!(e.code, codes::JETSTREAM_NOT_ENABLED);
}

#[test]
fn max_wait_bounds_the_wait_for_the_ack() {
    let server = NatsServer::builder().jetstream().start();
    let conn = connect(&server);
    // Someone listens but never answers, so no 503 comes back either.
    let _silent = conn.subscribe_sync("silent", None).unwrap();
    conn.flush_timeout(Duration::from_secs(5)).unwrap();
    let js = JetStream::new(conn, JsOptions::default()).unwrap();
    let quick = PubOptions {
        max_wait: Some(Duration::from_millis(200)),
        ..PubOptions::default()
    };
    let e = js.publish("silent", b"x", &quick).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
}

#[test]
fn invalid_arguments() {
    let server = NatsServer::builder().jetstream().start();
    let js = context(&server);
    let e = js.publish("", b"x", &PubOptions::default()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArg);
    let bad_schedule = PubOptions {
        schedule: ScheduleOptions {
            schedule: "@every 1s".into(),
            cancel_scheduled_subject: "sched.a".into(),
            ..ScheduleOptions::default()
        },
        ..PubOptions::default()
    };
    let e = js.publish("a", b"x", &bad_schedule).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArg);
}
