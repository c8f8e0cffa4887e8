//! Pull consumers against real nats-servers: js_PullSubscribe with fetch
//! and every fetch request option, the status messages a consumer answers
//! with (interpreted, never delivered, an older fetch's ignored), priority
//! groups, js_PullSubscribeAsync with every option and its completion
//! status, and recovery: a server restart under a consuming client, and
//! the stream leader of a 3-node cluster killed while one thread publishes
//! and another fetches.
mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nats_rs::client::{Connection, ErrorKind, Message, MsgHandler, Options, Subscription};
use nats_rs::jetstream::consume::ack::{acknowledge, AckKind, AckMode};
use nats_rs::jetstream::consume::pull::{fetch, fetch_request, pull_subscribe, PIN_ID_HDR};
use nats_rs::jetstream::consume::pull_async::{
    pull_subscribe_async, CompleteHandler, PullAsyncOptions,
};
use nats_rs::jetstream::consume::{texts, FetchRequest, SubOptions};
use nats_rs::jetstream::*;
use support::{wait_until, Cluster, NatsServer};

const MS: i64 = 1_000_000;
const LONG: Duration = Duration::from_secs(30);

fn connect_opts(opts: Options) -> JetStream {
    let conn = Connection::connect(opts).expect("connect");
    JetStream::new(conn, JsOptions::default()).unwrap()
}

fn js(server: &NatsServer) -> JetStream {
    connect_opts(Options {
        url: Some(server.url()),
        ..Options::default()
    })
}

fn stream(js: &JetStream, name: &str, subjects: &[&str], storage: StorageType, replicas: i64) {
    let mut cfg = StreamConfig::new(name, subjects);
    cfg.storage = storage;
    cfg.replicas = replicas;
    js.add_stream(&cfg).expect("add stream");
}

fn store(js: &JetStream, subject: &str, data: &[u8]) {
    js.publish(subject, data, &PubOptions::default())
        .expect("publish");
}

fn store_n(js: &JetStream, subject: &str, from: usize, n: usize) {
    for i in from..from + n {
        store(js, subject, i.to_string().as_bytes());
    }
}

fn ack(m: &Message) {
    acknowledge(
        m,
        AckKind::Ack,
        AckMode {
            sync: true,
            wait: None,
        },
    )
    .expect("ack");
}

fn data(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| String::from_utf8_lossy(m.data()).into_owned())
        .collect()
}

fn req(batch: i64, expires_ms: i64) -> FetchRequest {
    FetchRequest {
        batch,
        expires: expires_ms * MS,
        ..FetchRequest::default()
    }
}

fn kind<T: std::fmt::Debug>(r: JsResult<T>) -> ErrorKind {
    r.expect_err("an error").kind
}

#[test]
fn durable_ephemeral_and_bound_pull_subscriptions() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    store_n(&js, "s.a", 0, 3);
    let none = SubOptions::default();

    // A durable: the consumer is created under that name, as a pull one.
    let d = pull_subscribe(&js, "s.a", Some("dur"), &none).unwrap();
    let ci = js.consumer_info("S", "dur").unwrap();
    assert!(ci.config.deliver_subject.is_empty());
    assert_eq!(data(&fetch(&d, 3, 5000).unwrap()), ["0", "1", "2"]);

    // Ephemeral: its own consumer, from the start of the stream.
    let e = pull_subscribe(&js, "s.a", None, &none).unwrap();
    assert_eq!(data(&fetch(&e, 1, 5000).unwrap()), ["0"]);
    assert_eq!(js.consumer_names("S").unwrap().len(), 2);

    // Bound to an existing consumer by stream and name (no subject needed).
    let cfg = ConsumerConfig {
        durable: "made".into(),
        ack_policy: AckPolicy::Explicit,
        ..ConsumerConfig::default()
    };
    js.add_consumer("S", &cfg).unwrap();
    let bind = SubOptions {
        stream: "S".into(),
        consumer: "made".into(),
        ..SubOptions::default()
    };
    let b = pull_subscribe(&js, "", None, &bind).unwrap();
    assert_eq!(data(&fetch(&b, 2, 5000).unwrap()), ["0", "1"]);
    // Unsubscribing a bound subscription leaves the consumer alone; the
    // library's own consumer goes with its subscription.
    nats_rs::jetstream::consume::unsubscribe(&b).unwrap();
    assert!(js.consumer_info("S", "made").is_ok());
    nats_rs::jetstream::consume::unsubscribe(&d).unwrap();
    assert_eq!(
        js.consumer_info("S", "dur").unwrap_err().kind,
        ErrorKind::NotFound
    );

    // Refused: a missing bound consumer, a push consumer, ordered pull.
    let missing = SubOptions {
        stream: "S".into(),
        consumer: "nope".into(),
        ..SubOptions::default()
    };
    assert_eq!(
        kind(pull_subscribe(&js, "s.a", None, &missing)),
        ErrorKind::NotFound
    );
    let push = ConsumerConfig {
        durable: "push".into(),
        deliver_subject: "push.here".into(),
        ..ConsumerConfig::default()
    };
    js.add_consumer("S", &push).unwrap();
    let e = pull_subscribe(&js, "s.a", Some("push"), &none).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Err);
    assert!(
        e.text
            .contains("cannot pull subscribe to push based consumer"),
        "{}",
        e.text
    );
    let ordered = SubOptions {
        ordered: true,
        ..SubOptions::default()
    };
    assert_eq!(
        kind(pull_subscribe(&js, "s.a", None, &ordered)),
        ErrorKind::InvalidArg
    );
    assert_eq!(
        kind(pull_subscribe(&js, "", None, &none)),
        ErrorKind::InvalidArg
    );
}

#[test]
fn simple_fetch_next_msg_and_concurrency() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    let sub = pull_subscribe(&js, "s.a", Some("d"), &SubOptions::default()).unwrap();

    let e = sub.next_msg(Duration::from_millis(10)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidSubscription);
    assert_eq!(e.text, texts::NOT_FOR_PULL);

    // Bad arguments, as nats.c checks them.
    assert_eq!(kind(fetch(&sub, 0, 1000)), ErrorKind::InvalidArg);
    assert_eq!(kind(fetch(&sub, 1, 0)), ErrorKind::InvalidTimeout);
    let plain = js.connection().subscribe_sync("s.a", None).unwrap();
    let e = fetch(&plain, 1, 100).unwrap_err();
    assert_eq!(
        (e.kind, e.text.as_str()),
        (
            ErrorKind::InvalidSubscription,
            texts::NOT_A_PULL_SUBSCRIPTION
        )
    );

    // Nothing there: a timeout after the wait, nothing returned.
    let t = Instant::now();
    assert_eq!(kind(fetch(&sub, 5, 300)), ErrorKind::Timeout);
    assert!(t.elapsed() >= Duration::from_millis(250));

    // Three there, ten asked: the three, without waiting for the timeout.
    store_n(&js, "s.a", 0, 3);
    let t = Instant::now();
    let got = fetch(&sub, 10, 20_000).unwrap();
    assert_eq!(data(&got), ["0", "1", "2"]);
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    got.iter().for_each(ack);

    // A second fetch while one waits is refused; the first still gets the
    // message published meanwhile.
    let s2 = sub.clone();
    let waiting = thread::spawn(move || loop {
        match fetch(&s2, 1, 10_000) {
            Err(e) if e.kind == ErrorKind::Err => continue,
            other => return other,
        }
    });
    let mut refused = None;
    assert!(wait_until(LONG, || {
        match fetch(&sub, 1, 20) {
            Err(e) if e.kind == ErrorKind::Err => {
                refused = Some(e.text);
                true
            }
            _ => false,
        }
    }));
    assert_eq!(refused.as_deref(), Some(texts::CONCURRENT_FETCH));
    store(&js, "s.a", b"late");
    assert_eq!(data(&waiting.join().unwrap().unwrap()), ["late"]);
}

#[test]
fn fetch_request_options() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    let so = SubOptions::default();
    let sub = pull_subscribe(&js, "s.a", Some("d"), &so).unwrap();
    for i in 0..6 {
        store(&js, "s.a", format!("{i:0>100}").as_bytes());
    }

    // MaxBytes: 250 bytes hold two of these at most; the server ends the
    // request there (409) and the fetch returns what came.
    let mut r = req(10, 10_000);
    r.max_bytes = 250;
    let got = fetch_request(&sub, &r).unwrap();
    assert!((1..=2).contains(&got.len()), "{}", got.len());
    got.iter().for_each(ack);
    let mut left = 6 - got.len();

    // MaxBytes below one message: nothing fits, the server's limit error.
    r.max_bytes = 50;
    let e = fetch_request(&sub, &r).unwrap_err();
    assert_eq!(e.kind, ErrorKind::LimitReached, "{}", e.text);

    // NoWait: what is there now, though the batch asks for more.
    let mut r = req(20, 10_000);
    r.no_wait = true;
    let t = Instant::now();
    let got = fetch_request(&sub, &r).unwrap();
    assert_eq!(got.len(), left);
    assert!(t.elapsed() < Duration::from_secs(8));
    got.iter().for_each(ack);
    left = 0;
    assert_eq!(left, 0);
    // NoWait without an expiry: the server answers at once (404).
    r.expires = 0;
    assert_eq!(kind(fetch_request(&sub, &r)), ErrorKind::NotFound);

    // A waiting request lasts until its expiry even with a partial batch.
    store(&js, "s.a", b"one");
    let t = Instant::now();
    let got = fetch_request(&sub, &req(10, 600)).unwrap();
    assert_eq!(data(&got), ["one"]);
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    got.iter().for_each(ack);

    // Heartbeats while the server is alive keep the fetch going.
    let mut r = req(1, 700);
    r.heartbeat = 100 * MS;
    assert_eq!(kind(fetch_request(&sub, &r)), ErrorKind::Timeout);
    // A heartbeat longer than the server allows for the expiry: its 400.
    r.heartbeat = 10_000 * MS;
    let e = fetch_request(&sub, &r).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArg);
    assert!(e.text.contains("too large"), "{}", e.text);
    // A frozen server sends none: missed heartbeats end the fetch early.
    r.heartbeat = 100 * MS;
    r.expires = 20_000 * MS;
    server.pause();
    let t = Instant::now();
    let res = fetch_request(&sub, &r);
    server.resume();
    assert_eq!(kind(res), ErrorKind::MissedHeartbeat);
    assert!(t.elapsed() < Duration::from_secs(10));
}

/// Publishes a status message, as a consumer would send it, to `subject`.
fn fake_status(conn: &Connection, subject: &str, line: &str) {
    let hdr = format!("NATS/1.0 {line}\r\n\r\n");
    conn.publish_raw(subject, None, Some(hdr.as_bytes()), b"")
        .unwrap();
    conn.flush_timeout(Duration::from_secs(5)).unwrap();
}

#[test]
fn statuses_are_read_not_delivered_and_old_ones_ignored() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    let sub = pull_subscribe(&js, "s.a", Some("d"), &SubOptions::default()).unwrap();
    let prefix = sub.subject().trim_end_matches('*').to_string();
    let other = js.connection().clone();
    let waiting = |n: i64| {
        wait_until(LONG, || {
            js.consumer_info("S", "d")
                .is_ok_and(|ci| ci.num_waiting == n)
        })
    };

    // Fetch 1 times out. Each later fetch waits 20 s, during which an
    // older fetch's 408 and a heartbeat are ignored and its own status
    // ends it (fetch ids count up from 1, one per fetch).
    assert_eq!(kind(fetch_request(&sub, &req(1, 200))), ErrorKind::Timeout);
    assert!(waiting(0));
    let mut id = 2;
    for (line, want, text) in [
        (
            "409 Exceeded MaxWaiting",
            ErrorKind::LimitReached,
            "Exceeded MaxWaiting",
        ),
        ("400 Bad Request", ErrorKind::InvalidArg, "Bad Request"),
        ("503", ErrorKind::NoResponders, ""),
        ("423 Nats-Pin-Id mismatch", ErrorKind::PinIdMismatch, ""),
        ("404 No Messages", ErrorKind::NotFound, ""),
        ("408 Request Timeout", ErrorKind::Timeout, ""),
        ("499 Something Else", ErrorKind::Err, "Something Else"),
    ] {
        let s2 = sub.clone();
        let t = thread::spawn(move || {
            let started = Instant::now();
            (fetch_request(&s2, &req(1, 20_000)), started.elapsed())
        });
        assert!(waiting(1), "the fetch's request reached the consumer");
        fake_status(
            &other,
            &format!("{prefix}{}", id - 1),
            "408 Request Timeout",
        );
        fake_status(&other, &format!("{prefix}{id}"), "100 Idle Heartbeat");
        fake_status(&other, &format!("{prefix}{id}"), line);
        let (res, took) = t.join().unwrap();
        let e = res.unwrap_err();
        assert_eq!(e.kind, want, "{line}: {}", e.text);
        assert!(e.text.contains(text), "{line}: {}", e.text);
        assert!(took < Duration::from_secs(15), "ended by the status");
        // The server still holds that request: a message fulfils it, and
        // the next fetch takes it from the queue without a request.
        store(&js, "s.a", b"filler");
        assert!(waiting(0));
        assert!(wait_until(LONG, || sub
            .pending()
            .is_ok_and(|(n, _)| n == 1)));
        let got = fetch(&sub, 1, 5000).unwrap();
        assert_eq!(data(&got), ["filler"]);
        got.iter().for_each(ack);
        id += 2;
    }

    // A message with headers but no status is the user's, even empty.
    let s2 = sub.clone();
    let t = thread::spawn(move || fetch_request(&s2, &req(1, 20_000)));
    assert!(waiting(1));
    let head = "NATS/1.0\r\nk: v\r\n\r\n";
    other
        .publish_raw(&format!("{prefix}99"), None, Some(head.as_bytes()), b"")
        .unwrap();
    let got = t.join().unwrap().unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].data().is_empty());
    assert!(got[0].has_headers());

    // A stale 404 queued before a fetch is dropped, not returned.
    fake_status(&other, &format!("{prefix}1"), "404 No Messages");
    wait_until(LONG, || sub.pending().is_ok_and(|(n, _)| n >= 1));
    store(&js, "s.a", b"real");
    assert_eq!(data(&fetch(&sub, 1, 5000).unwrap()), ["real"]);
}

#[test]
fn priority_groups_pinning_overflow_and_priority() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    store_n(&js, "s.a", 0, 10);
    let bind = |c: &str| SubOptions {
        stream: "S".into(),
        consumer: c.into(),
        ..SubOptions::default()
    };
    let group = |batch: i64, g: &str| FetchRequest {
        group: g.into(),
        ..req(batch, 2000)
    };

    // pinned_client: the first fetch of the group is pinned, its messages
    // carry the pin id; fetches must send it back.
    js.add_consumer(
        "S",
        &ConsumerConfig {
            durable: "P".into(),
            ack_policy: AckPolicy::Explicit,
            priority_policy: priority_policy::PINNED_CLIENT.into(),
            priority_groups: vec!["A".into()],
            pinned_ttl: 10_000 * MS,
            ..ConsumerConfig::default()
        },
    )
    .unwrap();
    let p = pull_subscribe(&js, "", None, &bind("P")).unwrap();
    let mut got = fetch_request(&p, &group(1, "A")).unwrap();
    let pin = got[0]
        .headers()
        .unwrap()
        .and_then(|h| h.get(PIN_ID_HDR))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .expect("a pin id");
    let mut with_pin = group(2, "A");
    with_pin.id = pin.clone();
    assert_eq!(data(&fetch_request(&p, &with_pin).unwrap()), ["1", "2"]);
    with_pin.id = "not-the-pin".into();
    assert_eq!(kind(fetch_request(&p, &with_pin)), ErrorKind::PinIdMismatch);
    // Without a group the consumer refuses the request.
    assert_eq!(
        kind(fetch_request(&p, &req(1, 2000))),
        ErrorKind::InvalidArg
    );
    got.clear();

    // overflow: min_pending and min_ack_pending hold messages back.
    js.add_consumer(
        "S",
        &ConsumerConfig {
            durable: "O".into(),
            ack_policy: AckPolicy::Explicit,
            priority_policy: priority_policy::OVERFLOW.into(),
            priority_groups: vec!["A".into()],
            ..ConsumerConfig::default()
        },
    )
    .unwrap();
    let o = pull_subscribe(&js, "", None, &bind("O")).unwrap();
    let mut r = group(1, "A");
    r.expires = 400 * MS;
    r.min_pending = 50;
    assert_eq!(kind(fetch_request(&o, &r)), ErrorKind::Timeout);
    r.min_pending = 5;
    let first = fetch_request(&o, &r).unwrap();
    assert_eq!(data(&first), ["0"]);
    r.min_pending = 0;
    r.min_ack_pending = 3; // one unacked so far
    assert_eq!(kind(fetch_request(&o, &r)), ErrorKind::Timeout);
    r.min_ack_pending = 1;
    assert_eq!(data(&fetch_request(&o, &r).unwrap()), ["1"]);

    // prioritized (server 2.12+): a priority is accepted and served.
    js.add_consumer(
        "S",
        &ConsumerConfig {
            durable: "R".into(),
            ack_policy: AckPolicy::Explicit,
            priority_policy: priority_policy::PRIORITIZED.into(),
            priority_groups: vec!["A".into()],
            ..ConsumerConfig::default()
        },
    )
    .unwrap();
    let pr = pull_subscribe(&js, "", None, &bind("R")).unwrap();
    let mut r = group(3, "A");
    r.priority = 1;
    assert_eq!(data(&fetch_request(&pr, &r).unwrap()), ["0", "1", "2"]);
}

/// What an async pull subscription handed over.
#[derive(Default)]
struct Seen {
    st: Mutex<SeenState>,
    cv: Condvar,
}

#[derive(Default)]
struct SeenState {
    msgs: Vec<String>,
    ends: Vec<Option<(ErrorKind, String)>>,
    late: usize,
}

impl Seen {
    fn handler(self: &Arc<Self>) -> MsgHandler {
        let me = self.clone();
        Arc::new(
            move |_: &Connection, _: &Subscription, m: Option<Message>| {
                let Some(m) = m else { return };
                let mut st = me.st.lock().unwrap();
                if !st.ends.is_empty() {
                    st.late += 1;
                }
                st.msgs.push(String::from_utf8_lossy(m.data()).into_owned());
                me.cv.notify_all();
            },
        )
    }

    fn complete(self: &Arc<Self>) -> CompleteHandler {
        let me = self.clone();
        Arc::new(
            move |_: &Connection, _: &Subscription, e: Option<&JsError>| {
                let mut st = me.st.lock().unwrap();
                st.ends.push(e.map(|e| (e.kind, e.text.clone())));
                me.cv.notify_all();
            },
        )
    }

    fn opts(self: &Arc<Self>) -> PullAsyncOptions {
        PullAsyncOptions {
            complete: Some(self.complete()),
            ..PullAsyncOptions::default()
        }
    }

    /// Waits for the end; checks it came once, after the last message.
    fn end(&self, sub: &Subscription) -> (Option<ErrorKind>, Vec<String>) {
        let st = self.st.lock().unwrap();
        let (st, _) = self
            .cv
            .wait_timeout_while(st, Duration::from_secs(60), |s| s.ends.is_empty())
            .unwrap();
        assert_eq!(st.ends.len(), 1, "the complete handler ran once");
        assert_eq!(st.late, 0, "no message after the end");
        let kind = st.ends[0].as_ref().map(|e| e.0);
        let msgs = st.msgs.clone();
        drop(st);
        assert!(
            wait_until(LONG, || !sub.is_valid()),
            "the subscription ended"
        );
        // Still once, later.
        assert_eq!(self.st.lock().unwrap().ends.len(), 1);
        (kind, msgs)
    }

    fn count(&self) -> usize {
        self.st.lock().unwrap().msgs.len()
    }
}

fn nums(from: usize, n: usize) -> Vec<String> {
    (from..from + n).map(|i| i.to_string()).collect()
}

#[test]
fn async_limits_and_their_completion_status() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    store_n(&js, "s.a", 0, 20);
    let none = SubOptions::default();

    // MaxMessages, 3 a request: exactly 5, NATS_MAX_DELIVERED_MSGS.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        max_messages: 5,
        fetch_size: 3,
        ..seen.opts()
    };
    let sub = pull_subscribe_async(&js, "s.a", None, seen.handler(), &o, &none).unwrap();
    assert_eq!(
        seen.end(&sub),
        (Some(ErrorKind::MaxDeliveredMsgs), nums(0, 5))
    );

    // Timeout: everything stored, then NATS_TIMEOUT.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        timeout: Duration::from_millis(500),
        ..seen.opts()
    };
    let sub = pull_subscribe_async(&js, "s.a", None, seen.handler(), &o, &none).unwrap();
    assert_eq!(seen.end(&sub), (Some(ErrorKind::Timeout), nums(0, 20)));

    // NoWait: the 20, 7 a request, then the server has none: NotFound.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        no_wait: true,
        fetch_size: 7,
        ..seen.opts()
    };
    let sub = pull_subscribe_async(&js, "s.a", None, seen.handler(), &o, &none).unwrap();
    assert_eq!(seen.end(&sub), (Some(ErrorKind::NotFound), nums(0, 20)));

    // MaxBytes: the server stops at the bytes asked for (409).
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        max_bytes: 150,
        ..seen.opts()
    };
    let sub = pull_subscribe_async(&js, "s.a", None, seen.handler(), &o, &none).unwrap();
    let (k, msgs) = seen.end(&sub);
    assert_eq!(k, Some(ErrorKind::LimitReached));
    assert!(!msgs.is_empty() && msgs.len() < 20, "{}", msgs.len());

    // NextHandler: it asks for 2, three times; 6 come, then the timeout.
    let seen = Arc::new(Seen::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let o = PullAsyncOptions {
        timeout: Duration::from_millis(800),
        next: Some(Arc::new(move |_: &Subscription| {
            (c2.fetch_add(1, SeqCst) < 3).then_some((2, 0))
        })),
        ..seen.opts()
    };
    let sub = pull_subscribe_async(&js, "s.a", None, seen.handler(), &o, &none).unwrap();
    assert_eq!(seen.end(&sub), (Some(ErrorKind::Timeout), nums(0, 6)));
    assert!(calls.load(SeqCst) > 3, "asked after each message");

    // A user's unsubscribe ends it with no error (nats.c's NATS_OK).
    let seen = Arc::new(Seen::default());
    let sub =
        pull_subscribe_async(&js, "s.none", None, seen.handler(), &seen.opts(), &none).unwrap();
    // An async pull subscription takes no fetch and no next_msg.
    assert_eq!(kind(fetch(&sub, 1, 100)), ErrorKind::Err);
    assert_eq!(
        sub.next_msg(Duration::from_millis(1)).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    nats_rs::jetstream::consume::unsubscribe(&sub).unwrap();
    assert_eq!(seen.end(&sub), (None, vec![]));

    // The connection closing ends it with NATS_CONNECTION_CLOSED.
    let js2 = self::js(&server);
    let seen = Arc::new(Seen::default());
    let sub =
        pull_subscribe_async(&js2, "s.none", None, seen.handler(), &seen.opts(), &none).unwrap();
    js2.connection().close();
    assert_eq!(seen.end(&sub).0, Some(ErrorKind::ConnectionClosed));

    // The consumer deleted under it: the next request finds nobody there,
    // NATS_NO_RESPONDERS.
    let cfg = ConsumerConfig {
        durable: "gone".into(),
        ack_policy: AckPolicy::Explicit,
        ..ConsumerConfig::default()
    };
    js.add_consumer("S", &cfg).unwrap();
    let seen = Arc::new(Seen::default());
    let (js3, inner) = (js.clone(), seen.handler());
    let deleting: MsgHandler = Arc::new(
        move |c: &Connection, s: &Subscription, m: Option<Message>| {
            let _ = js3.delete_consumer("S", "gone");
            inner(c, s, m);
        },
    );
    let o = PullAsyncOptions {
        fetch_size: 1,
        ..seen.opts()
    };
    let bound = SubOptions {
        stream: "S".into(),
        consumer: "gone".into(),
        ..SubOptions::default()
    };
    let sub = pull_subscribe_async(&js, "", None, deleting, &o, &bound).unwrap();
    assert_eq!(seen.end(&sub), (Some(ErrorKind::NoResponders), nums(0, 1)));

    // Option checks.
    let ka = PullAsyncOptions {
        keep_ahead: 5,
        max_bytes: 10,
        ..PullAsyncOptions::default()
    };
    let seen = Arc::new(Seen::default());
    let e = pull_subscribe_async(&js, "s.a", None, seen.handler(), &ka, &none).unwrap_err();
    assert_eq!(e.text, "Can not use MaxBytes and KeepAhead together");
}

#[test]
fn async_keep_ahead_auto_ack_and_heartbeats() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    const N: usize = 10_000;
    for i in 0..N {
        js.connection()
            .publish("s.big", i.to_string().as_bytes())
            .unwrap();
    }
    assert!(wait_until(LONG, || js
        .stream_info("S", &StreamInfoOptions::default())
        .is_ok_and(|si| si.state.msgs == N as u64)));

    // KeepAhead with the default auto-ack: every message once, and the
    // consumer has nothing left unacknowledged.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        max_messages: N as i64,
        fetch_size: 100,
        keep_ahead: 50,
        ..seen.opts()
    };
    let sub = pull_subscribe_async(
        &js,
        "s.big",
        Some("big"),
        seen.handler(),
        &o,
        &SubOptions::default(),
    )
    .unwrap();
    let (k, msgs) = seen.end(&sub);
    assert_eq!(k, Some(ErrorKind::MaxDeliveredMsgs));
    assert_eq!(msgs, nums(0, N), "every message once, in order");

    // Heartbeats: alive while the server is, missed once it is frozen.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        heartbeat: Duration::from_millis(100),
        timeout: Duration::from_secs(60),
        ..seen.opts()
    };
    let sub = pull_subscribe_async(
        &js,
        "s.quiet",
        None,
        seen.handler(),
        &o,
        &SubOptions::default(),
    )
    .unwrap();
    // Several heartbeat intervals pass without an end.
    thread::sleep(Duration::from_millis(500));
    assert!(seen.st.lock().unwrap().ends.is_empty());
    server.pause();
    let st = seen.st.lock().unwrap();
    let (st, _) = seen
        .cv
        .wait_timeout_while(st, Duration::from_secs(20), |s| s.ends.is_empty())
        .unwrap();
    let end = st.ends.first().cloned();
    drop(st);
    server.resume();
    assert_eq!(end.flatten().map(|e| e.0), Some(ErrorKind::MissedHeartbeat));
    assert!(wait_until(LONG, || !sub.is_valid()));
}

#[test]
fn async_priority_groups_pin_and_overflow() {
    let server = NatsServer::builder().jetstream().start();
    let js = js(&server);
    stream(&js, "S", &["s.>"], StorageType::Memory, 1);
    let bind = |c: &str| SubOptions {
        stream: "S".into(),
        consumer: c.into(),
        ..SubOptions::default()
    };

    // pinned_client: the first subscription is pinned and keeps sending
    // its pin id, so it gets all 50 over ten requests; the other none.
    js.add_consumer(
        "S",
        &ConsumerConfig {
            durable: "P".into(),
            ack_policy: AckPolicy::Explicit,
            priority_policy: priority_policy::PINNED_CLIENT.into(),
            priority_groups: vec!["A".into()],
            pinned_ttl: 10_000 * MS,
            ..ConsumerConfig::default()
        },
    )
    .unwrap();
    store_n(&js, "s.p", 0, 50);
    let pinned = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        group: "A".into(),
        fetch_size: 5,
        max_messages: 50,
        ..pinned.opts()
    };
    let p = pull_subscribe_async(&js, "", None, pinned.handler(), &o, &bind("P")).unwrap();
    assert!(wait_until(LONG, || pinned.count() > 0));
    let other = Arc::new(Seen::default());
    let o2 = PullAsyncOptions {
        group: "A".into(),
        fetch_size: 5,
        ..other.opts()
    };
    let q = pull_subscribe_async(&js, "", None, other.handler(), &o2, &bind("P")).unwrap();
    assert_eq!(
        pinned.end(&p),
        (Some(ErrorKind::MaxDeliveredMsgs), nums(0, 50))
    );
    assert_eq!(other.count(), 0, "the unpinned one got nothing");
    nats_rs::jetstream::consume::unsubscribe(&q).unwrap();
    assert_eq!(other.end(&q).0, None);

    // A group is required by such a consumer: the server's 400 ends it.
    let err = Arc::new(Seen::default());
    let s = pull_subscribe_async(&js, "", None, err.handler(), &err.opts(), &bind("P")).unwrap();
    assert_eq!(err.end(&s).0, Some(ErrorKind::InvalidArg));

    // overflow with MinPending 110: nothing while 100 are pending; after
    // 100 more, messages until fewer than 110 are left (91 asked for).
    js.add_consumer(
        "S",
        &ConsumerConfig {
            durable: "O".into(),
            ack_policy: AckPolicy::Explicit,
            filter_subject: "s.o".into(),
            priority_policy: priority_policy::OVERFLOW.into(),
            priority_groups: vec!["A".into()],
            ..ConsumerConfig::default()
        },
    )
    .unwrap();
    store_n(&js, "s.o", 0, 100);
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        group: "A".into(),
        min_pending: 110,
        max_messages: 91,
        ..seen.opts()
    };
    let s = pull_subscribe_async(&js, "", None, seen.handler(), &o, &bind("O")).unwrap();
    assert!(wait_until(LONG, || js
        .consumer_info("S", "O")
        .is_ok_and(|ci| ci.num_waiting == 1)));
    assert_eq!(seen.count(), 0);
    store_n(&js, "s.o", 100, 100);
    assert_eq!(
        seen.end(&s),
        (Some(ErrorKind::MaxDeliveredMsgs), nums(0, 91))
    );

    // MinAckPending 5: nothing until another subscription leaves 10
    // unacknowledged (ManualAck), then the rest.
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        group: "A".into(),
        min_ack_pending: 5,
        max_messages: 99,
        ..seen.opts()
    };
    let s = pull_subscribe_async(&js, "", None, seen.handler(), &o, &bind("O")).unwrap();
    assert!(wait_until(LONG, || js
        .consumer_info("S", "O")
        .is_ok_and(|ci| ci.num_waiting == 1)));
    assert_eq!(seen.count(), 0);
    let holder = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        group: "A".into(),
        max_messages: 10,
        ..holder.opts()
    };
    let manual = SubOptions {
        manual_ack: true,
        ..bind("O")
    };
    let h = pull_subscribe_async(&js, "", None, holder.handler(), &o, &manual).unwrap();
    let (hk, held) = holder.end(&h);
    let (k, rest) = seen.end(&s);
    assert_eq!(
        (hk, k),
        (
            Some(ErrorKind::MaxDeliveredMsgs),
            Some(ErrorKind::MaxDeliveredMsgs)
        )
    );
    assert_eq!((held.len(), rest.len()), (10, 99));
    // Once 5 were unacknowledged the two shared them: the rest, each once.
    let mut all: Vec<usize> = held
        .iter()
        .chain(&rest)
        .map(|v| v.parse().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (91..200).collect::<Vec<_>>());
}

/// Publishes 0..n with message ids (retrying each until acked) and
/// returns how long the longest gap between two acks was.
fn publish_all(js: &JetStream, subject: &str, n: usize, acked: &AtomicUsize) -> Duration {
    let mut longest = Duration::ZERO;
    let mut last = Instant::now();
    for i in 0..n {
        let opts = PubOptions {
            msg_id: format!("m-{i}"),
            max_wait: Some(Duration::from_secs(2)),
            ..PubOptions::default()
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while js
            .publish(subject, i.to_string().as_bytes(), &opts)
            .is_err()
        {
            assert!(Instant::now() < deadline, "publish {i} never acked");
            thread::sleep(Duration::from_millis(50));
        }
        longest = longest.max(last.elapsed());
        last = Instant::now();
        acked.store(i + 1, SeqCst);
    }
    longest
}

/// What a fetch-and-ack loop saw: the values, and the longest fetch.
struct Consumed {
    seen: BTreeSet<usize>,
    longest_fetch: Duration,
    longest_gap: Duration,
}

/// Fetches (1 s expiry) and acks until `n` distinct values were seen.
fn consume_all(sub: &Subscription, n: usize, seen_count: &AtomicUsize) -> Consumed {
    let mut seen = BTreeSet::new();
    let mut longest_fetch = Duration::ZERO;
    let mut longest_gap = Duration::ZERO;
    let mut last_msg = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(180);
    while seen.len() < n {
        assert!(Instant::now() < deadline, "only {} of {n} seen", seen.len());
        let t = Instant::now();
        let res = fetch(sub, 25, 1000);
        longest_fetch = longest_fetch.max(t.elapsed());
        match res {
            Ok(msgs) => {
                longest_gap = longest_gap.max(last_msg.elapsed());
                last_msg = Instant::now();
                for m in &msgs {
                    if let Some(v) = std::str::from_utf8(m.data())
                        .ok()
                        .and_then(|s| s.parse().ok())
                    {
                        seen.insert(v);
                    }
                    // An ack lost in the outage only means a redelivery.
                    let _ = acknowledge(m, AckKind::Ack, AckMode::default());
                }
                seen_count.store(seen.len(), SeqCst);
            }
            Err(e) => assert!(
                matches!(
                    e.kind,
                    ErrorKind::Timeout
                        | ErrorKind::ConnectionClosed
                        | ErrorKind::NoResponders
                        | ErrorKind::NotFound
                        | ErrorKind::Err
                        | ErrorKind::LimitReached
                ),
                "{e:?}"
            ),
        }
    }
    Consumed {
        seen,
        longest_fetch,
        longest_gap,
    }
}

fn reconnecting(urls: Vec<String>) -> JetStream {
    connect_opts(Options {
        servers: urls,
        reconnect_wait: Duration::from_millis(100),
        max_reconnect: None,
        ..Options::default()
    })
}

#[test]
fn a_pull_consumer_keeps_consuming_across_a_server_restart() {
    let mut server = NatsServer::builder().jetstream().start();
    let js = reconnecting(vec![server.url()]);
    stream(&js, "R", &["r.>"], StorageType::File, 1);
    let sub = pull_subscribe(&js, "r.a", Some("work"), &SubOptions::default()).unwrap();
    const N: usize = 300;
    let acked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicUsize::new(0));

    let (js2, a2) = (js.clone(), acked.clone());
    let publisher = thread::spawn(move || publish_all(&js2, "r.a", N, &a2));
    let (s2, seen2) = (sub.clone(), seen.clone());
    let consumer = thread::spawn(move || consume_all(&s2, N, &seen2));

    // Restart once the consumer is well under way (its fetches keep going).
    assert!(wait_until(LONG, || seen.load(SeqCst) >= N / 3));
    let t = Instant::now();
    server.restart();
    let restarted = t.elapsed();
    let publish_stall = publisher.join().unwrap();
    let c = consumer.join().unwrap();

    assert_eq!(
        c.seen,
        (0..N).collect::<BTreeSet<_>>(),
        "every message, no gap"
    );
    // A fetch under way in the outage ended by its expiry at the latest.
    assert!(
        c.longest_fetch < Duration::from_millis(2500),
        "a fetch took {:?}",
        c.longest_fetch
    );
    let si = js.stream_info("R", &StreamInfoOptions::default()).unwrap();
    assert_eq!(si.state.msgs, N as u64, "each publish stored once");
    eprintln!(
        "server restart took {restarted:?}; publishing stalled at most {publish_stall:?}, \
         longest wait for a message {:?}",
        c.longest_gap
    );
}

#[test]
fn a_pull_consumer_survives_losing_its_stream_leader() {
    let mut cluster = Cluster::builder(3).jetstream().start();
    let js = reconnecting(cluster.urls());
    // The meta leader is elected shortly after start.
    let mut cfg = StreamConfig::new("C", &["c.>"]);
    cfg.replicas = 3;
    assert!(
        wait_until(LONG, || js.add_stream(&cfg).is_ok()),
        "R3 stream"
    );
    let sub = pull_subscribe(&js, "c.a", Some("work"), &SubOptions::default()).unwrap();
    const N: usize = 600;
    let acked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicUsize::new(0));

    let (js2, a2) = (js.clone(), acked.clone());
    let publisher = thread::spawn(move || publish_all(&js2, "c.a", N, &a2));
    let (s2, seen2) = (sub.clone(), seen.clone());
    let consumer = thread::spawn(move || consume_all(&s2, N, &seen2));

    assert!(wait_until(LONG, || seen.load(SeqCst) >= N / 3));
    let leader = js
        .stream_info("C", &StreamInfoOptions::default())
        .unwrap()
        .cluster
        .expect("cluster info")
        .leader;
    // The nodes are named n0, n1, n2 after their index.
    let idx: usize = leader.trim_start_matches('n').parse().expect("node index");
    let seen_at_kill = seen.load(SeqCst);
    let killed = Instant::now();
    cluster.node(idx).stop();
    // Consuming recovered: a message not seen before came.
    assert!(wait_until(Duration::from_secs(120), || {
        seen.load(SeqCst) > seen_at_kill || seen.load(SeqCst) == N
    }));
    let consume_recovered = killed.elapsed();
    // The longest time between two acked publishes: the publishing outage.
    let publish_stall = publisher.join().unwrap();
    let c = consumer.join().unwrap();

    assert_eq!(
        c.seen,
        (0..N).collect::<BTreeSet<_>>(),
        "every message, no gap"
    );
    let si = js.stream_info("C", &StreamInfoOptions::default()).unwrap();
    assert_eq!(si.state.msgs, N as u64, "each acknowledged publish once");
    assert!(
        c.longest_fetch < Duration::from_millis(2500),
        "{:?}",
        c.longest_fetch
    );
    eprintln!(
        "stream leader {leader} killed: publishing stalled at most {publish_stall:?}, \
         consuming recovered after {consume_recovered:?} (longest wait for a message {:?})",
        c.longest_gap
    );
}

#[test]
fn an_async_pull_subscription_asks_again_after_a_server_restart() {
    let mut server = NatsServer::builder().jetstream().start();
    let js = reconnecting(vec![server.url()]);
    stream(&js, "R", &["r.>"], StorageType::File, 1);
    let seen = Arc::new(Seen::default());
    let o = PullAsyncOptions {
        fetch_size: 10,
        ..seen.opts()
    };
    let sub = pull_subscribe_async(
        &js,
        "r.a",
        Some("w"),
        seen.handler(),
        &o,
        &SubOptions::default(),
    )
    .unwrap();
    let distinct = || {
        seen.st
            .lock()
            .unwrap()
            .msgs
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    store_n(&js, "r.a", 0, 5);
    assert!(wait_until(LONG, || seen.count() == 5));
    // The restarted server has the stream and the consumer (file storage)
    // but not the waiting request: without a new one nothing would come.
    server.restart();
    let other = reconnecting(vec![server.url()]);
    store_n(&other, "r.a", 5, 5);
    // (Acks the server had not stored before it died bring redeliveries.)
    let all: BTreeSet<String> = nums(0, 10).into_iter().collect();
    assert!(wait_until(LONG, || distinct() == all), "{:?}", distinct());
    nats_rs::jetstream::consume::unsubscribe(&sub).unwrap();
    assert_eq!(seen.end(&sub).0, None);
}
