//! JetStream push subscriptions against a real `nats-server -js`: binding
//! and lookup, durables and ephemerals, queue groups, acks after the
//! callback or by the user, config overrides, heartbeats and flow control
//! handled below the user, sequence mismatches, missed heartbeats, which
//! consumers unsubscribe and drain delete, and the ordered consumer
//! (resets on gaps, deletion, a frozen or restarted server).
mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use nats_rs::client::{Connection, Error, ErrorKind, Message, MsgHandler, Options, Subscription};
use nats_rs::jetstream::consume::ack::{acknowledge, AckKind, AckMode};
use nats_rs::jetstream::consume::metadata::parse_metadata;
use nats_rs::jetstream::consume::push::{consumer_info, sequence_mismatch, subscribe};
use nats_rs::jetstream::consume::{unsubscribe, wait_drain, SubOptions};
use nats_rs::jetstream::*;
use support::{wait_until, NatsServer};

const MS: i64 = 1_000_000;
const LONG: Duration = Duration::from_secs(20);

/// The async errors a connection reported, with when they came.
#[derive(Default)]
struct Errors {
    seen: Mutex<Vec<(ErrorKind, Instant)>>,
    tx: Mutex<Option<mpsc::Sender<(ErrorKind, Instant)>>>,
}

impl Errors {
    fn count(&self, kind: ErrorKind) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.0 == kind)
            .count()
    }

    fn wait(&self, kind: ErrorKind, n: usize) -> bool {
        wait_until(LONG, || self.count(kind) >= n)
    }
}

fn connect(server: &NatsServer, errors: &Arc<Errors>) -> (Connection, JetStream) {
    let mut opts = Options {
        url: Some(server.url()),
        reconnect_wait: Duration::from_millis(50),
        max_reconnect: None,
        ..Options::default()
    };
    let errs = errors.clone();
    opts.callbacks.error_cb = Some(Arc::new(
        move |_c: &Connection, _s: Option<&Subscription>, e: &Error| {
            let now = Instant::now();
            errs.seen.lock().unwrap().push((e.kind, now));
            if let Some(tx) = errs.tx.lock().unwrap().as_ref() {
                let _ = tx.send((e.kind, now));
            }
        },
    ));
    let conn = Connection::connect(opts).expect("connect");
    let js = JetStream::new(conn.clone(), JsOptions::default()).unwrap();
    (conn, js)
}

fn add_stream(js: &JetStream, name: &str, subject: &str, memory: bool) {
    let mut cfg = StreamConfig::new(name, &[subject]);
    if memory {
        cfg.storage = StorageType::Memory;
    }
    js.add_stream(&cfg).expect("add stream");
}

fn publish_range(js: &JetStream, subject: &str, range: std::ops::RangeInclusive<u64>) {
    for i in range {
        js.publish(subject, i.to_string().as_bytes(), &PubOptions::default())
            .expect("publish");
    }
}

fn stream_seq(msg: &Message) -> u64 {
    parse_metadata(msg.reply().expect("reply"))
        .expect("metadata")
        .sequence
        .stream
}

fn exists(js: &JetStream, stream: &str, name: &str) -> bool {
    match js.consumer_info(stream, name) {
        Ok(_) => true,
        Err(e) if e.kind == ErrorKind::NotFound => false,
        Err(e) => panic!("consumer info: {e:?}"),
    }
}

fn ack_pending(conn: &Connection, js: &JetStream, stream: &str, name: &str) -> i64 {
    conn.flush_timeout(Duration::from_secs(5)).unwrap();
    js.consumer_info(stream, name).unwrap().num_ack_pending
}

/// A handler that sends each message's stream sequence and payload.
fn collect() -> (MsgHandler, mpsc::Receiver<(u64, Vec<u8>)>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let h: MsgHandler = Arc::new(move |_c, _s, m: Option<Message>| {
        if let Some(m) = m {
            let _ = tx.lock().unwrap().send((stream_seq(&m), m.data().to_vec()));
        }
    });
    (h, rx)
}

fn subjects(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_sync_subscription_finds_its_stream_and_owns_its_ephemeral() {
    let server = NatsServer::builder().jetstream().start();
    let (_conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "S", "s.>", true);
    publish_range(&js, "s.a", 1..=5);
    js.publish("s.b", b"other", &PubOptions::default()).unwrap();

    let sub = subscribe(&js, &subjects(&["s.a"]), None, &SubOptions::default()).unwrap();
    for i in 1..=5u64 {
        let m = sub.next_msg(Duration::from_secs(5)).unwrap();
        assert_eq!(m.data(), i.to_string().as_bytes());
        assert_eq!(m.subject(), "s.a");
        assert!(m.reply().unwrap().starts_with("$JS.ACK.S."));
        acknowledge(&m, AckKind::Ack, AckMode::default()).unwrap();
    }
    let e = sub.next_msg(Duration::from_millis(200)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "only the filtered subject");

    let ci = consumer_info(&sub, None).unwrap();
    assert_eq!(ci.stream, "S");
    assert!(ci.config.durable.is_empty(), "ephemeral");
    assert_eq!(ci.config.filter_subject, "s.a");
    assert_eq!(ci.config.ack_policy, AckPolicy::Explicit);
    assert_eq!(ci.config.deliver_subject, &*sub.subject());
    assert_eq!(ci.delivered.consumer, 5);
    assert_eq!(sequence_mismatch(&sub).unwrap(), None);

    unsubscribe(&sub).unwrap();
    assert!(
        !exists(&js, "S", &ci.name),
        "unsubscribe deletes the ephemeral"
    );
}

#[test]
fn multi_subject_subscriptions_filter_on_every_subject() {
    let server = NatsServer::builder().jetstream().start();
    let (_conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "M", "m.>", true);
    for s in ["m.a", "m.b", "m.c", "m.a"] {
        js.publish(s, s.as_bytes(), &PubOptions::default()).unwrap();
    }
    let two = subjects(&["m.a", "m.b"]);
    let sync = subscribe(&js, &two, None, &SubOptions::default()).unwrap();
    let got: Vec<String> = (0..3)
        .map(|_| {
            sync.next_msg(Duration::from_secs(5))
                .unwrap()
                .subject()
                .to_string()
        })
        .collect();
    assert_eq!(got, ["m.a", "m.b", "m.a"]);
    let ci = consumer_info(&sync, None).unwrap();
    assert_eq!(ci.config.filter_subjects, two);

    let (h, rx) = collect();
    let opts = SubOptions {
        stream: "M".into(),
        ..SubOptions::default()
    };
    let sub = subscribe(&js, &subjects(&["m.b", "m.c"]), Some(h), &opts).unwrap();
    let seqs: Vec<u64> = (0..2).map(|_| rx.recv_timeout(LONG).unwrap().0).collect();
    assert_eq!(seqs, [2, 3]);
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    unsubscribe(&sub).unwrap();
    unsubscribe(&sync).unwrap();
}

/// Binds to a durable made with add_consumer, takes `n` messages in a
/// callback that runs `cb` on each, drains (every callback has returned),
/// and returns the consumer's pending acks then.
fn bound_run(
    conn: &Connection,
    js: &JetStream,
    name: &str,
    manual: bool,
    ack_policy: AckPolicy,
    cb: impl Fn(&Message) + Send + Sync + 'static,
) -> i64 {
    let cfg = ConsumerConfig {
        durable: name.into(),
        deliver_subject: format!("deliver.{name}"),
        ack_policy,
        ack_wait: 60_000 * MS,
        ..ConsumerConfig::default()
    };
    js.add_consumer("A", &cfg).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let h: MsgHandler = Arc::new(move |_c, _s, m: Option<Message>| {
        if let Some(m) = m {
            cb(&m);
            c.fetch_add(1, SeqCst);
        }
    });
    let opts = SubOptions {
        stream: "A".into(),
        consumer: name.into(),
        manual_ack: manual,
        ..SubOptions::default()
    };
    let sub = subscribe(js, &[], Some(h), &opts).unwrap();
    assert!(wait_until(LONG, || count.load(SeqCst) == 6));
    conn.drain_subscription(&sub, None).unwrap();
    wait_drain(&sub, Some(LONG)).unwrap();
    assert!(
        exists(js, "A", name),
        "drain keeps a consumer the user made"
    );
    let pending = ack_pending(conn, js, "A", name);
    js.delete_consumer("A", name).unwrap();
    pending
}

#[test]
fn async_subscriptions_ack_after_the_callback_unless_told_not_to() {
    let server = NatsServer::builder().jetstream().start();
    let (conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "A", "a.>", true);
    publish_range(&js, "a.x", 1..=6);
    // Every ack the server gets, seen by a plain subscriber.
    let acks = conn.subscribe_sync("$JS.ACK.A.>", None).unwrap();
    let count_acks = |name: &str| {
        let mut n = 0;
        while let Ok(m) = acks.next_msg(Duration::from_millis(200)) {
            assert!(m.subject().contains(name), "{}", m.subject());
            assert_eq!(m.data(), b"+ACK");
            n += 1;
        }
        n
    };

    assert_eq!(
        bound_run(&conn, &js, "AUTO", false, AckPolicy::Explicit, |_| {}),
        0
    );
    assert_eq!(count_acks("AUTO"), 6);

    let manual = |m: &Message| {
        if stream_seq(m).is_multiple_of(2) {
            acknowledge(m, AckKind::Ack, AckMode::default()).unwrap();
        }
    };
    assert_eq!(
        bound_run(&conn, &js, "MANUAL", true, AckPolicy::Explicit, manual),
        3
    );
    assert_eq!(count_acks("MANUAL"), 3);

    // A callback's own ack is not repeated after it.
    let own = |m: &Message| acknowledge(m, AckKind::Ack, AckMode::default()).unwrap();
    assert_eq!(
        bound_run(&conn, &js, "OWN", false, AckPolicy::Explicit, own),
        0
    );
    assert_eq!(count_acks("OWN"), 6, "one ack per message");

    // Nor is a final nak: the message comes back instead.
    let term = |m: &Message| acknowledge(m, AckKind::Term, AckMode::default()).unwrap();
    bound_run(&conn, &js, "TERM", false, AckPolicy::Explicit, term);
    let mut terms = 0;
    while let Ok(m) = acks.next_msg(Duration::from_millis(200)) {
        assert_eq!(m.data(), b"+TERM");
        terms += 1;
    }
    assert_eq!(terms, 6);

    // A consumer that takes no acks gets none.
    bound_run(&conn, &js, "NONE", false, AckPolicy::None, |_| {});
    assert_eq!(count_acks("NONE"), 0);
}

#[test]
fn queue_members_share_one_durable_and_its_messages() {
    let server = NatsServer::builder().jetstream().start();
    let (conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "Q", "q.>", true);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let member = |id: usize| -> MsgHandler {
        let seen = seen.clone();
        Arc::new(move |_c, _s, m: Option<Message>| {
            if let Some(m) = m {
                seen.lock().unwrap().push((id, stream_seq(&m)));
            }
        })
    };
    let opts = SubOptions {
        queue: "workers".into(),
        ..SubOptions::default()
    };
    let a = subscribe(&js, &subjects(&["q.>"]), Some(member(0)), &opts).unwrap();
    let b = subscribe(&js, &subjects(&["q.>"]), Some(member(1)), &opts).unwrap();
    let ci = consumer_info(&b, None).unwrap();
    assert_eq!(ci.name, "workers");
    assert_eq!(ci.config.deliver_group, "workers");

    publish_range(&js, "q.x", 1..=200);
    assert!(wait_until(LONG, || seen.lock().unwrap().len() >= 200));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 200);
    let seqs: HashSet<u64> = seen.iter().map(|s| s.1).collect();
    assert_eq!(seqs.len(), 200, "each message once");
    assert!(seen.iter().any(|s| s.0 == 0) && seen.iter().any(|s| s.0 == 1));
    assert_eq!(ack_pending(&conn, &js, "Q", "workers"), 0);

    // Queue subscriptions take no heartbeats or flow control.
    let mut bad = opts.clone();
    bad.config.heartbeat = 1000 * MS;
    let e = subscribe(&js, &subjects(&["q.>"]), None, &bad).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArg);

    unsubscribe(&b).unwrap();
    assert!(
        exists(&js, "Q", "workers"),
        "the member that attached keeps it"
    );
    unsubscribe(&a).unwrap();
    assert!(
        !exists(&js, "Q", "workers"),
        "the member that created it deletes it"
    );
}

#[test]
fn what_unsubscribe_drain_and_dropping_do_to_consumers() {
    let server = NatsServer::builder().jetstream().start();
    let (conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "D", "d.>", true);
    publish_range(&js, "d.x", 1..=3);
    let durable = |name: &str| {
        let mut o = SubOptions::default();
        o.config.durable = name.into();
        o
    };

    let sub = subscribe(&js, &subjects(&["d.x"]), None, &durable("D1")).unwrap();
    unsubscribe(&sub).unwrap();
    assert!(
        !exists(&js, "D", "D1"),
        "a durable the call created goes (as nats.c)"
    );

    let sub = subscribe(&js, &subjects(&["d.x"]), None, &durable("D2")).unwrap();
    conn.drain_subscription(&sub, None).unwrap();
    for _ in 0..3 {
        let m = sub.next_msg(Duration::from_secs(5)).unwrap();
        acknowledge(&m, AckKind::Ack, AckMode::default()).unwrap();
    }
    wait_drain(&sub, Some(LONG)).unwrap();
    assert!(!exists(&js, "D", "D2"), "drain deletes it too");

    let sub = subscribe(&js, &subjects(&["d.x"]), None, &durable("D3")).unwrap();
    conn.unsubscribe(&sub).unwrap();
    drop(sub);
    assert!(
        exists(&js, "D", "D3"),
        "closing without the JetStream unsubscribe keeps it"
    );

    // Deleted behind the subscription's back: unsubscribe says so.
    let sub = subscribe(&js, &subjects(&["d.x"]), None, &durable("D4")).unwrap();
    js.delete_consumer("D", "D4").unwrap();
    let e = unsubscribe(&sub).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.text.contains("not found"), "{}", e.text);
}

#[test]
fn the_config_given_reaches_the_consumer_and_binding_checks_it() {
    let server = NatsServer::builder().jetstream().start();
    let (_conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "C", "c.>", true);
    publish_range(&js, "c.x", 1..=10);
    let mut opts = SubOptions::default();
    opts.config.durable = "CFG".into();
    opts.config.description = "push".into();
    opts.config.opt_start_seq = 7;
    opts.config.ack_wait = 12_000 * MS;
    opts.config.max_ack_pending = 77;
    opts.config.max_deliver = 3;
    opts.config.heartbeat = 500 * MS;
    opts.config.flow_control = true;
    opts.config.deliver_subject = "my.deliver".into();
    let sub = subscribe(&js, &subjects(&["c.x"]), None, &opts).unwrap();
    // As in nats.c, a consumer the call creates delivers to a new inbox.
    assert!(sub.subject().starts_with("_INBOX."), "{}", sub.subject());
    let first = sub.next_msg(Duration::from_secs(5)).unwrap();
    assert_eq!(first.data(), b"7", "from the optional start sequence");
    let c = consumer_info(&sub, None).unwrap().config;
    assert_eq!(c.deliver_policy, DeliverPolicy::ByStartSequence);
    assert_eq!(
        (
            c.description.as_str(),
            c.ack_wait,
            c.max_ack_pending,
            c.max_deliver
        ),
        ("push", 12_000 * MS, 77, 3)
    );
    assert_eq!((c.heartbeat, c.flow_control), (500 * MS, true));
    // The subscription holds at least max ack pending messages.
    assert!(sub.pending_limits().unwrap().0.is_some_and(|m| m >= 77));

    // Binding: a consumer bound to a subscription takes no other; what
    // the user set is checked against the consumer.
    let mut other = SubOptions {
        stream: "C".into(),
        consumer: "CFG".into(),
        ..SubOptions::default()
    };
    let e = subscribe(&js, &[], None, &other).unwrap_err();
    assert!(e.text.contains("already bound"), "{}", e.text);
    unsubscribe(&sub).unwrap();
    let cfg = ConsumerConfig {
        durable: "FREE".into(),
        deliver_subject: "free.deliver".into(),
        ..ConsumerConfig::default()
    };
    js.add_consumer("C", &cfg).unwrap();
    other.consumer = "FREE".into();
    other.config.ack_wait = 5_000 * MS;
    let e = subscribe(&js, &[], None, &other).unwrap_err();
    assert!(e.text.contains("ack wait to be 5000000000"), "{}", e.text);

    // Without a stream for the subject, or with a missing consumer.
    let e = subscribe(&js, &subjects(&["nowhere"]), None, &SubOptions::default()).unwrap_err();
    assert!(e.text.contains("no stream matches subject"), "{}", e.text);
    let missing = SubOptions {
        stream: "C".into(),
        consumer: "NOPE".into(),
        ..SubOptions::default()
    };
    let e = subscribe(&js, &[], None, &missing).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // A plain subscription is not a JetStream one.
    let core = js.connection().subscribe_sync("core", None).unwrap();
    assert_eq!(
        sequence_mismatch(&core).unwrap_err().kind,
        ErrorKind::InvalidSubscription
    );
    assert_eq!(
        consumer_info(&core, None).unwrap_err().kind,
        ErrorKind::InvalidSubscription
    );
}

#[test]
fn an_attached_subscription_knows_its_consumer() {
    // nats.c leaves an attached subscription without a consumer name (its
    // GetConsumerInfo fails); ours answers.
    let server = NatsServer::builder().jetstream().start();
    let (_conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "B", "b.>", true);
    let cfg = ConsumerConfig {
        durable: "BOUND".into(),
        deliver_subject: "bd.x".into(),
        ..ConsumerConfig::default()
    };
    js.add_consumer("B", &cfg).unwrap();
    let opts = SubOptions {
        stream: "B".into(),
        consumer: "BOUND".into(),
        ..SubOptions::default()
    };
    let sub = subscribe(&js, &[], None, &opts).unwrap();
    assert_eq!(consumer_info(&sub, None).unwrap().name, "BOUND");
    unsubscribe(&sub).unwrap();
    assert!(exists(&js, "B", "BOUND"));
}

#[test]
fn heartbeats_and_flow_control_are_answered_and_never_delivered() {
    let server = NatsServer::builder().jetstream().start();
    let errors = Arc::new(Errors::default());
    let (conn, js) = connect(&server, &errors);
    add_stream(&js, "F", "f.>", true);
    let data = vec![b'x'; 64 * 1024];
    for _ in 0..64 {
        js.publish("f.big", &data, &PubOptions::default()).unwrap();
    }
    let fc_replies = conn.subscribe_sync("$JS.FC.F.>", None).unwrap();
    for is_async in [false, true] {
        let mut opts = SubOptions::default();
        opts.config.heartbeat = 250 * MS;
        opts.config.flow_control = true;
        let (h, rx) = collect();
        let sub = subscribe(&js, &subjects(&["f.big"]), is_async.then_some(h), &opts).unwrap();
        for i in 1..=64u64 {
            let (seq, body) = if is_async {
                rx.recv_timeout(LONG).unwrap()
            } else {
                let m = sub.next_msg(LONG).unwrap();
                (stream_seq(&m), m.data().to_vec())
            };
            assert_eq!((seq, body.len()), (i, data.len()), "stored messages only");
        }
        let m = fc_replies.next_msg(LONG).expect("a flow control reply");
        assert!(m.data().is_empty());
        while fc_replies.next_msg(Duration::ZERO).is_ok() {}
        // Four heartbeat intervals: none delivered, none missed.
        if is_async {
            assert!(rx.recv_timeout(Duration::from_secs(1)).is_err());
        } else {
            let e = sub.next_msg(Duration::from_secs(1)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Timeout);
        }
        assert_eq!(errors.count(ErrorKind::MissedHeartbeat), 0);
        unsubscribe(&sub).unwrap();
    }
}

#[test]
fn a_sequence_mismatch_is_reported_once() {
    let server = NatsServer::builder().jetstream().start();
    let errors = Arc::new(Errors::default());
    let (_conn, js) = connect(&server, &errors);
    add_stream(&js, "SM", "sm.>", true);

    // Sync: a pending limit of one message drops four of five.
    let mut opts = SubOptions::default();
    opts.config.heartbeat = 100 * MS;
    opts.config.ack_wait = 60_000 * MS;
    let sub = subscribe(&js, &subjects(&["sm.sync"]), None, &opts).unwrap();
    sub.set_pending_limits(Some(1), Some(1 << 20)).unwrap();
    publish_range(&js, "sm.sync", 1..=5);
    assert!(wait_until(LONG, || sequence_mismatch(&sub)
        .unwrap()
        .is_some()));
    let m = sequence_mismatch(&sub).unwrap().unwrap();
    assert_eq!((m.stream, m.consumer_client, m.consumer_server), (1, 1, 5));
    assert_eq!(
        sub.next_msg(LONG).unwrap_err().kind,
        ErrorKind::SlowConsumer
    );
    let e = sub.next_msg(LONG).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Mismatch);
    assert_eq!(e.text, "consumer sequence mismatch");
    assert_eq!(
        sub.next_msg(LONG).unwrap().data(),
        b"1",
        "then the queued one"
    );
    assert_eq!(
        sub.next_msg(Duration::from_millis(300)).unwrap_err().kind,
        ErrorKind::Timeout
    );
    assert_eq!(
        errors.count(ErrorKind::Mismatch),
        0,
        "not an async error for sync"
    );
    unsubscribe(&sub).unwrap();

    // Async: the error handler hears of it once while it lasts.
    let release = Arc::new(AtomicBool::new(false));
    let got = Arc::new(AtomicUsize::new(0));
    let (r, g) = (release.clone(), got.clone());
    let h: MsgHandler = Arc::new(move |_c, _s, m: Option<Message>| {
        if g.fetch_add(1, SeqCst) == 0 {
            while !r.load(SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        drop(m);
    });
    opts.config.ack_policy = AckPolicy::None;
    let sub = subscribe(&js, &subjects(&["sm.async"]), Some(h), &opts).unwrap();
    sub.set_pending_limits(Some(1), Some(1 << 20)).unwrap();
    publish_range(&js, "sm.async", 1..=1);
    assert!(wait_until(LONG, || got.load(SeqCst) == 1));
    publish_range(&js, "sm.async", 2..=5);
    assert!(errors.wait(ErrorKind::Mismatch, 1));
    let m = sequence_mismatch(&sub).unwrap().unwrap();
    assert_eq!((m.stream, m.consumer_client, m.consumer_server), (7, 2, 5));
    // Five more heartbeats: still reported once.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(errors.count(ErrorKind::Mismatch), 1);
    release.store(true, SeqCst);
    unsubscribe(&sub).unwrap();
}

#[test]
fn missed_heartbeats_reach_the_error_handler_within_three_intervals() {
    let server = NatsServer::builder().jetstream().start();
    let errors = Arc::new(Errors::default());
    let (tx, rx) = mpsc::channel();
    *errors.tx.lock().unwrap() = Some(tx);
    let (_conn, js) = connect(&server, &errors);
    add_stream(&js, "HB", "hb.>", true);
    publish_range(&js, "hb.x", 1..=1);
    let interval = Duration::from_secs(1);
    let mut opts = SubOptions::default();
    opts.config.heartbeat = interval.as_nanos() as i64;
    let (h, msgs) = collect();
    let sub = subscribe(&js, &subjects(&["hb.x"]), Some(h), &opts).unwrap();
    assert_eq!(msgs.recv_timeout(LONG).unwrap().0, 1);
    // Three quiet intervals: the heartbeats keep it alive.
    assert!(rx.recv_timeout(3 * interval).is_err(), "nothing missed yet");

    server.pause();
    let frozen = Instant::now();
    let (kind, at) = loop {
        let e = rx.recv_timeout(LONG).expect("missed heartbeats reported");
        if e.0 == ErrorKind::MissedHeartbeat {
            break e;
        }
    };
    server.resume();
    assert_eq!(kind, ErrorKind::MissedHeartbeat);
    let late = at.duration_since(frozen);
    assert!(late <= 3 * interval, "reported {late:?} after the freeze");

    // Back to normal once the server runs again.
    publish_range(&js, "hb.x", 2..=2);
    assert_eq!(msgs.recv_timeout(LONG).unwrap().0, 2);
    unsubscribe(&sub).unwrap();
}

/// An ordered consumer's view: the payloads count up from 1 (each once,
/// in order) and the stream sequences only rise.
struct Ordered {
    next: AtomicU64,
    last_seq: AtomicU64,
    bad: Mutex<Vec<u64>>,
}

impl Ordered {
    fn handler(self: &Arc<Self>) -> MsgHandler {
        let me = self.clone();
        Arc::new(move |_c, _s, m: Option<Message>| {
            if let Some(m) = m {
                me.check(&m);
            }
        })
    }

    fn new() -> Ordered {
        Ordered {
            next: AtomicU64::new(1),
            last_seq: AtomicU64::new(0),
            bad: Mutex::default(),
        }
    }

    fn check(&self, m: &Message) {
        let seq = stream_seq(m);
        let want = self.next.load(SeqCst);
        let n: u64 = std::str::from_utf8(m.data())
            .unwrap()
            .trim_end()
            .parse()
            .unwrap();
        if n != want || seq <= self.last_seq.load(SeqCst) {
            self.bad.lock().unwrap().push(n);
        }
        self.last_seq.store(seq, SeqCst);
        self.next.store(n + 1, SeqCst);
    }

    fn received(&self) -> u64 {
        self.next.load(SeqCst) - 1
    }
}

fn ordered_opts(heartbeat_ms: i64) -> SubOptions {
    let mut o = SubOptions {
        ordered: true,
        ..SubOptions::default()
    };
    o.config.heartbeat = heartbeat_ms * MS;
    o
}

#[test]
fn an_ordered_consumer_starts_over_after_a_gap() {
    // Messages dropped over the pending limits: the next one shows the
    // gap and the consumer starts over where the queue ends (nats.c
    // would lose them).
    let server = NatsServer::builder().jetstream().start();
    let (_conn, js) = connect(&server, &Arc::default());
    add_stream(&js, "G", "g.>", true);
    let sub = subscribe(&js, &subjects(&["g.x"]), None, &ordered_opts(200)).unwrap();
    sub.set_pending_limits(Some(10), Some(1 << 20)).unwrap();
    let name = consumer_info(&sub, None).unwrap().name;
    publish_range(&js, "g.x", 1..=200);
    let seen = Ordered::new();
    while seen.received() < 200 {
        match sub.next_msg(LONG) {
            Ok(m) => seen.check(&m),
            Err(e) if e.kind == ErrorKind::SlowConsumer => {}
            Err(e) => panic!("next_msg: {e:?}"),
        }
    }
    assert!(
        seen.bad.lock().unwrap().is_empty(),
        "{:?}",
        seen.bad.lock().unwrap()
    );
    assert_eq!(
        sub.next_msg(Duration::from_millis(500)).unwrap_err().kind,
        ErrorKind::Timeout
    );
    let now = consumer_info(&sub, None).unwrap();
    assert_ne!(now.name, name, "a new consumer");
    assert!(!exists(&js, "G", &name), "the old one is gone");
    assert_eq!(now.config.ack_policy, AckPolicy::None);
    assert!(now.config.memory_storage && now.config.flow_control);
    unsubscribe(&sub).unwrap();
    assert!(!exists(&js, "G", &now.name));
}

#[test]
fn an_ordered_consumer_survives_deletions_and_a_restart_exactly_once_in_order() {
    let mut server = NatsServer::builder().jetstream().start();
    let errors = Arc::new(Errors::default());
    let (conn, js) = connect(&server, &errors);
    add_stream(&js, "O", "o.>", false); // file storage: survives the restart
    const TOTAL: u64 = 10_000;
    let seen = Arc::new(Ordered::new());
    // The server paces delivery (1 MB/s after a first burst, about a
    // thousand of these messages a second), so that each deletion and the
    // restart land while messages flow.
    let mut opts = ordered_opts(250);
    opts.config.rate_limit = 8_000_000;
    let sub = subscribe(&js, &subjects(&["o.x"]), Some(seen.handler()), &opts).unwrap();
    let current = || consumer_info(&sub, None).ok().map(|c| c.name);
    let first = current().unwrap();

    let publish = |js: &JetStream, range: std::ops::RangeInclusive<u64>| {
        for i in range {
            let body = format!("{i:<1000}");
            js.publish_async("o.x", body.as_bytes(), &PubOptions::default())
                .unwrap();
        }
        js.publish_async_complete(Some(LONG)).unwrap();
    };
    let wait_received = |n: u64| {
        assert!(
            wait_until(Duration::from_secs(60), || seen.received() >= n),
            "received {} of {n}",
            seen.received()
        )
    };
    let wait_other_consumer = |old: &str| -> String {
        let mut name = String::new();
        assert!(wait_until(Duration::from_secs(60), || {
            name = current().unwrap_or_default();
            !name.is_empty() && name != old
        }));
        name
    };
    let still_flowing = |what: &str| {
        let n = seen.received();
        assert!(
            n < 7_500,
            "{what}: everything published was already received ({n})"
        );
    };

    publish(&js, 1..=7_500);
    // Deleted twice while messages flow.
    wait_received(1_000);
    js.delete_consumer("O", &first).unwrap();
    still_flowing("first deletion");
    let second = wait_other_consumer(&first);
    wait_received(3_000);
    js.delete_consumer("O", &second).unwrap();
    still_flowing("second deletion");
    let third = wait_other_consumer(&second);

    // The server restarts (the stream is on disk, the consumer was not).
    wait_received(5_000);
    let reconnects = conn.stats().reconnects;
    server.restart();
    still_flowing("restart");
    assert!(wait_until(Duration::from_secs(60), || conn
        .stats()
        .reconnects
        > reconnects));
    let _fourth = wait_other_consumer(&third);
    // JetStream may need a moment after the restart to take publishes.
    assert!(wait_until(Duration::from_secs(30), || js
        .publish("o.probe", b"", &PubOptions::default())
        .is_ok()));
    publish(&js, 7_501..=TOTAL);
    wait_received(TOTAL);
    conn.flush_timeout(LONG).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(seen.received(), TOTAL, "nothing after the last");
    assert!(
        seen.bad.lock().unwrap().is_empty(),
        "{:?}",
        seen.bad.lock().unwrap()
    );
    assert!(
        errors.count(ErrorKind::MissedHeartbeat) >= 2,
        "the deletions were noticed"
    );
    unsubscribe(&sub).unwrap();
}
