//! Reading messages back from a stream against a real `nats-server -js`:
//! STREAM.MSG.GET and DIRECT.GET by sequence, last and next by subject,
//! headers byte for byte, and deleting or erasing messages.
mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nats_rs::client::{Connection, ErrorKind, Message, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::*;
use support::NatsServer;

fn js(server: &NatsServer) -> JetStream {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

/// A header block with repeated keys, odd spacing and a value the parser
/// would trim: what is stored must come back as it went.
const HEADERS: &[u8] =
    b"NATS/1.0\r\nX-One: 1\r\nX-Many: a\r\nX-Many: b\r\nx-case:  spaced  \r\n\r\n";

fn store(js: &JetStream, subject: &str, headers: Option<&[u8]>, data: &[u8]) -> u64 {
    let ack = js
        .connection()
        .request(subject, headers, data, Duration::from_secs(5))
        .expect("publish ack");
    let v: serde_json::Value = serde_json::from_slice(ack.data()).unwrap();
    v["seq"].as_u64().expect("a sequence in the ack")
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// S holds: 1 a.1 "one" (headers), 2 a.2 "two", 3 a.1 "three", 4 b "" .
fn setup(server: &NatsServer) -> (JetStream, i64) {
    let js = js(server);
    let cfg = StreamConfig {
        allow_direct: true,
        ..StreamConfig::new("S", &["a.*", "b"])
    };
    js.add_stream(&cfg).unwrap();
    let before = now_nanos();
    assert_eq!(store(&js, "a.1", Some(HEADERS), b"one"), 1);
    assert_eq!(store(&js, "a.2", None, b"two"), 2);
    assert_eq!(store(&js, "a.1", None, b"three"), 3);
    assert_eq!(store(&js, "b", None, b""), 4);
    (js, before)
}

/// The user's headers of a stored message, with the `Nats-*` ones a direct
/// get adds taken out.
fn user_headers(msg: &mut Message) -> Vec<(String, Vec<Vec<u8>>)> {
    let h = msg.headers().unwrap().expect("headers");
    h.iter()
        .filter(|(k, _)| !k.starts_with(b"Nats-"))
        .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.to_vec()))
        .collect()
}

#[test]
fn get_by_sequence_and_last_by_subject() {
    let server = NatsServer::builder().jetstream().start();
    let (js, before) = setup(&server);

    let m = js.get_msg("S", 1).expect("get 1");
    assert_eq!(
        (m.subject(), m.data(), m.sequence()),
        ("a.1", &b"one"[..], 1)
    );
    assert!(
        m.time() >= before && m.time() <= now_nanos(),
        "{}",
        m.time()
    );
    // The header block exactly as published.
    assert_eq!(m.encoded_headers().unwrap().as_ref(), HEADERS);

    let m = js.get_msg("S", 2).unwrap();
    assert_eq!((m.subject(), m.data()), ("a.2", &b"two"[..]));
    assert!(m.encoded_headers().is_none());

    let m = js.get_last_msg("S", "a.1").unwrap();
    assert_eq!((m.data(), m.sequence()), (&b"three"[..], 3));
    let m = js.get_last_msg("S", "b").unwrap();
    assert_eq!((m.data(), m.sequence()), (&b""[..], 4));

    let e = js.get_msg("S", 99).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::NO_MESSAGE_FOUND)
    );
    let e = js.get_last_msg("S", "a.9").unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::NO_MESSAGE_FOUND)
    );
    // A missing stream is an error with its code (nats.c: NATS_ERR here).
    let e = js.get_msg("NOPE", 1).unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Err, codes::STREAM_NOT_FOUND));
    assert_eq!(js.get_msg("S", 0).unwrap_err().kind, ErrorKind::InvalidArg);
    assert_eq!(js.get_msg("", 1).unwrap_err().kind, ErrorKind::InvalidArg);
    assert_eq!(
        js.get_last_msg("S", "").unwrap_err().kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn direct_get_by_sequence_last_and_next_by_subject() {
    let server = NatsServer::builder().jetstream().start();
    let (js, before) = setup(&server);
    let by_seq = |seq| DirectGetOptions {
        sequence: seq,
        ..DirectGetOptions::default()
    };

    let mut m = js.direct_get_msg("S", &by_seq(1)).expect("direct get 1");
    assert_eq!(
        (m.subject(), m.data(), m.sequence()),
        ("a.1", &b"one"[..], 1)
    );
    assert!(m.time() >= before && m.time() <= now_nanos());
    // The user's headers come back value for value, in order, next to the
    // server's Nats-* ones; their wire text is kept as it arrived.
    assert_eq!(
        user_headers(&mut m),
        [
            ("X-One".to_string(), vec![b"1".to_vec()]),
            ("X-Many".to_string(), vec![b"a".to_vec(), b"b".to_vec()]),
            ("x-case".to_string(), vec![b"spaced".to_vec()]),
        ]
    );
    let wire = m.encoded_headers().unwrap().into_owned();
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.contains("x-case:  spaced  \r\n"), "{wire}");
    assert!(wire.contains("Nats-Stream: S\r\n"), "{wire}");

    let last = DirectGetOptions {
        last_by_subject: "a.1".into(),
        ..DirectGetOptions::default()
    };
    let m = js.direct_get_msg("S", &last).unwrap();
    assert_eq!(
        (m.subject(), m.data(), m.sequence()),
        ("a.1", &b"three"[..], 3)
    );

    let next = |seq, subject: &str| DirectGetOptions {
        sequence: seq,
        next_by_subject: subject.into(),
        ..DirectGetOptions::default()
    };
    let m = js.direct_get_msg("S", &next(2, "a.1")).unwrap();
    assert_eq!(m.sequence(), 3);
    let m = js.direct_get_msg("S", &next(1, "a.*")).unwrap();
    assert_eq!((m.subject(), m.sequence()), ("a.1", 1));
    let m = js.direct_get_msg("S", &next(2, "b")).unwrap();
    assert_eq!((m.subject(), m.data(), m.sequence()), ("b", &b""[..], 4));

    for missing in [by_seq(99), next(4, "a.1")] {
        let e = js.direct_get_msg("S", &missing).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{missing:?}: {e}");
    }
    let e = js
        .direct_get_msg(
            "S",
            &DirectGetOptions {
                last_by_subject: "a.9".into(),
                ..DirectGetOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        js.direct_get_msg("", &by_seq(1)).unwrap_err().kind,
        ErrorKind::InvalidArg
    );
}

#[test]
fn direct_get_needs_allow_direct() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    js.add_stream(&StreamConfig::new("ND", &["nd"])).unwrap();
    store(&js, "nd", None, b"x");
    // Nobody serves DIRECT.GET.ND: no responders, as nats.c reports it.
    let e = js
        .direct_get_msg(
            "ND",
            &DirectGetOptions {
                sequence: 1,
                ..DirectGetOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoResponders, "{e}");
    // The leader still answers STREAM.MSG.GET.
    assert_eq!(js.get_msg("ND", 1).unwrap().data(), b"x");
}

#[test]
fn delete_and_erase() {
    let server = NatsServer::builder().jetstream().start();
    let (js, _) = setup(&server);
    js.delete_msg("S", 2).expect("delete 2");
    js.erase_msg("S", 3).expect("erase 3");
    for seq in [2, 3] {
        let e = js.get_msg("S", seq).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
    let info = js
        .stream_info(
            "S",
            &StreamInfoOptions {
                deleted_details: true,
                ..StreamInfoOptions::default()
            },
        )
        .unwrap();
    assert_eq!(
        (info.state.msgs, info.state.deleted.clone()),
        (2, vec![2, 3])
    );
    // The last a.1 is sequence 1 again.
    assert_eq!(js.get_last_msg("S", "a.1").unwrap().sequence(), 1);

    // Deleting what is gone is the server's error.
    let e = js.delete_msg("S", 2).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert_ne!(e.code, 0);
    let e = js.erase_msg("NOPE", 1).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, codes::STREAM_NOT_FOUND)
    );
    assert_eq!(
        js.delete_msg("", 1).unwrap_err().kind,
        ErrorKind::InvalidArg
    );
}
