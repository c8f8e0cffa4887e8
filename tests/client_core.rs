//! The Rust client against a real nats-server: what a user of the
//! connection and subscription API would check.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver};
use nats_rs::client::{
    Callbacks, Connection, ErrorKind, Message, MsgHandler, Options, Part, Status,
};
use support::NatsServer;

const WAIT: Duration = Duration::from_secs(5);

fn connect(server: &NatsServer) -> Connection {
    connect_with(server, Options::default())
}

fn connect_with(server: &NatsServer, mut opts: Options) -> Connection {
    opts.url = Some(server.url());
    Connection::connect(opts).expect("connect")
}

/// An async subscription forwarding its messages to a channel.
fn channel_sub(
    nc: &Connection,
    subject: &str,
    queue: Option<&str>,
) -> (nats_rs::client::Subscription, Receiver<Message>) {
    let (tx, rx) = unbounded();
    let handler: MsgHandler = Arc::new(move |_, _, m| {
        if let Some(m) = m {
            let _ = tx.send(m);
        }
    });
    let sub = nc
        .subscribe(subject, queue, None, handler)
        .expect("subscribe");
    (sub, rx)
}

#[test]
fn exact_bytes_arrive_once() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("bytes", None).unwrap();
    let binary: Vec<u8> = vec![0, 1, 2, 0, b'\r', b'\n', 255, 0];
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    nc.publish("bytes", &binary).unwrap();
    nc.publish("bytes", b"").unwrap();
    nc.publish("bytes", &big).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), &binary[..]);
    let empty = sub.next_msg(WAIT).unwrap();
    assert!(empty.data().is_empty());
    assert_eq!(empty.zero_terminated(Part::Data), Some(&b"\0"[..]));
    let m = sub.next_msg(WAIT).unwrap();
    assert_eq!(m.data().len(), big.len());
    assert!(m.data() == &big[..]);
    assert_eq!(
        sub.next_msg(Duration::from_millis(100)).unwrap_err().kind,
        ErrorKind::Timeout
    );
    nc.close();
}

#[test]
fn queue_group_spreads_and_delivers_each_once() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let counts: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let mut subs = Vec::new();
    for c in &counts {
        let c = c.clone();
        let h: MsgHandler = Arc::new(move |_, _, _| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        subs.push(nc.subscribe("work", Some("workers"), None, h).unwrap());
    }
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..300 {
        nc.publish("work", format!("job {i}").as_bytes()).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while counts
        .iter()
        .map(|c| c.load(Ordering::SeqCst))
        .sum::<usize>()
        < 300
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let got: Vec<usize> = counts.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert_eq!(got.iter().sum::<usize>(), 300, "{got:?}");
    assert!(
        got.iter().filter(|&&n| n > 0).count() >= 2,
        "load not spread: {got:?}"
    );
}

#[test]
fn request_reply_new_and_old_style() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let responder = nc.clone();
    let h: MsgHandler = Arc::new(move |_, _, m| {
        let m = m.unwrap();
        let mut answer = b"re: ".to_vec();
        answer.extend_from_slice(m.data());
        responder
            .publish_raw(m.reply().unwrap(), None, None, &answer)
            .unwrap();
    });
    let _svc = nc.subscribe("svc", None, None, h).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..20 {
        let r = nc
            .request("svc", None, format!("q{i}").as_bytes(), WAIT)
            .unwrap();
        assert_eq!(r.data(), format!("re: q{i}").as_bytes());
    }
    let old = connect_with(
        &server,
        Options {
            old_request_style: true,
            ..Options::default()
        },
    );
    let r = old.request("svc", None, b"old", WAIT).unwrap();
    assert_eq!(r.data(), b"re: old");
}

#[test]
fn no_responders_and_timeouts() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let start = std::time::Instant::now();
    let e = nc
        .request("nobody.home", None, b"?", Duration::from_secs(10))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoResponders);
    assert!(start.elapsed() < Duration::from_secs(5));

    let quiet = connect_with(
        &server,
        Options {
            no_responders_disabled: true,
            ..Options::default()
        },
    );
    let e = quiet
        .request("nobody.home", None, b"?", Duration::from_millis(200))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);

    // A subscriber that never answers: the request times out.
    let _silent = nc.subscribe_sync("silent", None).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    let e = nc
        .request("silent", None, b"?", Duration::from_millis(200))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
}

#[test]
fn auto_unsubscribe_delivers_exactly_n() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let (sub, rx) = channel_sub(&nc, "limited", None);
    nc.auto_unsubscribe(&sub, 5).unwrap();
    let sync = nc.subscribe_sync("limited", None).unwrap();
    nc.auto_unsubscribe(&sync, 3).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..10 {
        nc.publish("limited", format!("{i}").as_bytes()).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..5 {
        assert_eq!(
            rx.recv_timeout(WAIT).unwrap().data(),
            format!("{i}").as_bytes()
        );
    }
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    for _ in 0..3 {
        sync.next_msg(WAIT).unwrap();
    }
    assert_eq!(
        sync.next_msg(WAIT).unwrap_err().kind,
        ErrorKind::MaxDeliveredMsgs
    );
    assert!(!sub.is_valid());
}

#[test]
fn headers_round_trip() {
    let server = NatsServer::start();
    let nc = connect(&server);
    assert!(nc.has_headers());
    let sub = nc.subscribe_sync("hdr", None).unwrap();
    let mut m = Message::new("hdr", None, b"body");
    m.headers_mut().unwrap().set("Trace-Id", "abc");
    m.headers_mut().unwrap().add("Tag", "one");
    m.headers_mut().unwrap().add("Tag", "two");
    nc.publish_msg(&m).unwrap();
    let mut got = sub.next_msg(WAIT).unwrap();
    assert_eq!(got.data(), b"body");
    let h = got.headers().unwrap().expect("headers");
    assert_eq!(h.get("Trace-Id"), Some(&b"abc"[..]));
    assert_eq!(h.values("Tag").unwrap(), [b"one", b"two"]);
}

#[test]
fn header_bytes_are_forwarded_as_they_arrived() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("hdr.bytes", None).unwrap();
    // Odd spacing, a NUL, bytes that are not UTF-8: all kept.
    let block: &[u8] = b"NATS/1.0\r\nBin:  a\0b\xff\xfe \r\nK\xe9y: \x80\r\n\r\n";
    let sent = Message::from_wire(b"hdr.bytes", None, Some(block), b"x", 0, 0);
    nc.publish_msg(&sent).unwrap();
    let mut got = sub.next_msg(WAIT).unwrap();
    let h = got.headers().unwrap().expect("headers");
    assert_eq!(h.get("Bin"), Some(&b"a\0b\xff\xfe"[..]));
    assert_eq!(h.get(b"K\xe9y"), Some(&b"\x80"[..]));
    // Read, then published again: the same block goes out.
    nc.publish_msg(&got).unwrap();
    let mut again = sub.next_msg(WAIT).unwrap();
    assert_eq!(again.encoded_headers().as_deref(), Some(block));
    // Changed, then published: re-encoded with every byte of the values.
    again.headers_mut().unwrap().add("Hop", "1");
    nc.publish_msg(&again).unwrap();
    let last = sub.next_msg(WAIT).unwrap();
    assert_eq!(
        last.encoded_headers().as_deref(),
        Some(&b"NATS/1.0\r\nBin: a\0b\xff\xfe\r\nK\xe9y: \x80\r\nHop: 1\r\n\r\n"[..])
    );
}

#[test]
fn large_and_small_messages_with_headers_keep_order_and_bytes() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("mix", None).unwrap();
    // Around the sizes where the client writes and reads payloads directly.
    let sizes = [
        10,
        64 * 1024 - 1,
        64 * 1024,
        64 * 1024 + 1,
        1000 * 1024,
        0,
        200_000,
    ];
    for (i, n) in sizes.iter().enumerate() {
        let body: Vec<u8> = (0..*n).map(|b| (b * 7 + i) as u8).collect();
        let mut m = Message::new("mix", Some("reply.to"), &body);
        if i % 2 == 0 {
            m.headers_mut().unwrap().set("Seq", i.to_string());
        }
        nc.publish_msg(&m).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    for (i, n) in sizes.iter().enumerate() {
        let mut got = sub.next_msg(WAIT).unwrap();
        let body: Vec<u8> = (0..*n).map(|b| (b * 7 + i) as u8).collect();
        assert!(got.data() == &body[..], "message {i} of {n} bytes");
        assert_eq!(got.reply(), Some("reply.to"));
        let seq = got
            .headers()
            .unwrap()
            .and_then(|h| h.get("Seq").map(<[u8]>::to_vec));
        assert_eq!(seq, (i % 2 == 0).then(|| i.to_string().into_bytes()));
    }
}

#[test]
fn a_publish_in_a_callback_leaves_while_the_callback_still_runs() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let out = Arc::new(nc.subscribe_sync("cb.out", None).unwrap());
    let (tx, rx) = unbounded();
    let o = out.clone();
    let h: MsgHandler = Arc::new(move |c, _, _| {
        // The first publish of an idle callback is written at once, the
        // others are the flusher's: all must leave while the callback waits.
        for text in ["one", "two", "three"] {
            c.publish("cb.out", text.as_bytes()).unwrap();
        }
        let got: Vec<_> = (0..3)
            .map(|_| {
                o.next_msg(Duration::from_secs(2))
                    .map(|m| m.data().to_vec())
            })
            .collect();
        let _ = tx.send(got);
    });
    let _sub = nc.subscribe("cb.in", None, None, h).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    nc.publish("cb.in", b"go").unwrap();
    let got = rx.recv_timeout(WAIT).expect("callback ran");
    let got: Vec<_> = got.into_iter().map(|m| m.unwrap()).collect();
    assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
}

#[test]
fn slow_consumer_drops_and_reports() {
    let server = NatsServer::start();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let e2 = errors.clone();
    let opts = Options {
        callbacks: Callbacks {
            error_cb: Some(Arc::new(move |_, sub, e| {
                e2.lock()
                    .unwrap()
                    .push((e.kind, sub.map(|s| s.subject().to_string())));
            })),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    let nc = connect_with(&server, opts);
    let (release_tx, release_rx) = unbounded::<()>();
    let delivered = Arc::new(AtomicUsize::new(0));
    let d2 = delivered.clone();
    let h: MsgHandler = Arc::new(move |_, _, _| {
        let _ = release_rx.recv_timeout(WAIT);
        d2.fetch_add(1, Ordering::SeqCst);
    });
    let sub = nc.subscribe("slow", None, None, h).unwrap();
    sub.set_pending_limits(Some(10), Some(1024 * 1024)).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    for _ in 0..100 {
        nc.publish("slow", b"x").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    let dropped = sub.dropped().unwrap();
    assert!(dropped > 0);
    for _ in 0..100 {
        let _ = release_tx.send(());
    }
    let deadline = std::time::Instant::now() + WAIT;
    while delivered.load(Ordering::SeqCst) as i64 + dropped < 100
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        delivered.load(Ordering::SeqCst) as i64 + sub.dropped().unwrap(),
        100
    );
    let deadline = std::time::Instant::now() + WAIT;
    while errors.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let errs = errors.lock().unwrap();
    assert_eq!(errs[0], (ErrorKind::SlowConsumer, Some("slow".to_string())));
}

#[test]
fn closed_connection_refuses_work_and_calls_back_once() {
    let server = NatsServer::start();
    let closed = Arc::new(AtomicUsize::new(0));
    let c2 = closed.clone();
    let (tx, rx) = unbounded();
    let opts = Options {
        callbacks: Callbacks {
            closed_cb: Some(Arc::new(move |_| {
                c2.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(());
            })),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    let nc = connect_with(&server, opts);
    let sync = nc.subscribe_sync("x", None).unwrap();
    assert_eq!(nc.status(), Status::Connected);
    nc.close();
    nc.close();
    assert!(nc.is_closed());
    assert_eq!(
        nc.publish("x", b"1").unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        nc.subscribe_sync("x", None).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        nc.flush_timeout(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        nc.request("x", None, b"", WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        sync.next_msg(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    rx.recv_timeout(WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[test]
fn callbacks_of_one_subscription_never_overlap() {
    let server = NatsServer::start();
    let nc = connect_with(
        &server,
        Options {
            global_delivery: true,
            ..Options::default()
        },
    );
    let inside = Arc::new(AtomicUsize::new(0));
    let worst = Arc::new(AtomicUsize::new(0));
    let order = Arc::new(Mutex::new(Vec::new()));
    let (i2, w2, o2) = (inside.clone(), worst.clone(), order.clone());
    let h: MsgHandler = Arc::new(move |_, _, m| {
        let now = i2.fetch_add(1, Ordering::SeqCst) + 1;
        w2.fetch_max(now, Ordering::SeqCst);
        o2.lock().unwrap().push(m.unwrap().data().to_vec());
        std::thread::sleep(Duration::from_micros(200));
        i2.fetch_sub(1, Ordering::SeqCst);
    });
    let _sub = nc.subscribe("serial", None, None, h).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..200u32 {
        nc.publish("serial", &i.to_be_bytes()).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while order.lock().unwrap().len() < 200 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(worst.load(Ordering::SeqCst), 1);
    let got: Vec<u32> = order
        .lock()
        .unwrap()
        .iter()
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(got, (0..200).collect::<Vec<_>>());
}

#[test]
fn invalid_subjects_and_max_payload() {
    let server = NatsServer::with_config("max_payload: 1024");
    let nc = connect(&server);
    assert_eq!(
        nc.subscribe_sync("foo..bar", None).unwrap_err().kind,
        ErrorKind::InvalidSubject
    );
    assert_eq!(
        nc.subscribe_sync("foo bar", None).unwrap_err().kind,
        ErrorKind::InvalidSubject
    );
    assert_eq!(
        nc.subscribe_sync("foo", Some("q q")).unwrap_err().kind,
        ErrorKind::InvalidQueueName
    );
    assert_eq!(
        nc.publish("", b"x").unwrap_err().kind,
        ErrorKind::InvalidSubject
    );
    assert_eq!(nc.max_payload(), 1024);
    assert_eq!(
        nc.publish("big", &[0u8; 2048]).unwrap_err().kind,
        ErrorKind::MaxPayload
    );
    nc.publish("big", &[0u8; 1024]).unwrap();
    nc.flush_timeout(WAIT).unwrap();
}

#[test]
fn statistics_already_count_a_message_its_receiver_holds() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let other = connect(&server);
    let sub = nc.subscribe_sync("seen.sync", None).unwrap();
    let (tx, rx) = unbounded();
    let counter = nc.clone();
    let h: MsgHandler = Arc::new(move |_, _, _| {
        let _ = tx.send(counter.stats().in_msgs);
    });
    let _async_sub = nc.subscribe("seen.async", None, None, h).unwrap();
    let _replier = other
        .subscribe(
            "seen.req",
            None,
            None,
            Arc::new(|c, _, m| {
                if let Some(r) = m.as_ref().and_then(Message::reply) {
                    c.publish(r, b"pong").unwrap();
                }
            }),
        )
        .unwrap();
    nc.flush_timeout(WAIT).unwrap();
    other.flush_timeout(WAIT).unwrap();

    // No flush between the arrival and the look at the statistics.
    for i in 1..=20u64 {
        other.publish("seen.sync", b"abc").unwrap();
        sub.next_msg(WAIT).unwrap();
        assert!(nc.stats().in_msgs >= i, "sync message {i} counted");
    }
    for i in 21..=40u64 {
        other.publish("seen.async", b"abc").unwrap();
        let seen = rx.recv_timeout(WAIT).expect("callback ran");
        assert!(seen >= i, "async message {i} counted before its callback");
    }
    for i in 41..=60u64 {
        nc.request("seen.req", None, b"ping", WAIT).unwrap();
        assert!(nc.stats().in_msgs >= i, "reply {i} counted");
    }
    let s = nc.stats();
    assert_eq!((s.in_msgs, s.in_bytes), (60, 40 * 3 + 20 * 4));
}

#[test]
fn statistics_count_traffic() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("stats", None).unwrap();
    for _ in 0..10 {
        nc.publish("stats", b"12345").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    for _ in 0..10 {
        sub.next_msg(WAIT).unwrap();
    }
    let s = nc.stats();
    assert_eq!((s.out_msgs, s.out_bytes), (10, 50));
    assert_eq!((s.in_msgs, s.in_bytes), (10, 50));
    assert!(nc.rtt().unwrap() > Duration::ZERO);
}

/// A flush registered while `close` runs must be failed by the close, not
/// left to wait out its timeout: several threads flush in a loop while the
/// connection closes, round after round.
#[test]
fn a_flush_racing_with_close_fails_at_once() {
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;
    let server = NatsServer::start();
    let until = Instant::now() + Duration::from_secs(4);
    let mut rounds = 0;
    while Instant::now() < until {
        rounds += 1;
        let nc = connect(&server);
        let done = Arc::new(AtomicUsize::new(0));
        let go = Arc::new(AtomicBool::new(false));
        let flushers: Vec<_> = (0..4)
            .map(|_| {
                let (nc, done, go) = (nc.clone(), done.clone(), go.clone());
                std::thread::spawn(move || {
                    go.store(true, Ordering::SeqCst);
                    loop {
                        // Longer than the whole test: a flush the close
                        // forgot shows as a timeout.
                        match nc.flush_timeout(Duration::from_secs(10)) {
                            Ok(()) => done.fetch_add(1, Ordering::SeqCst),
                            Err(e) => return e.kind,
                        };
                    }
                })
            })
            .collect();
        assert!(support::wait_until(WAIT, || go.load(Ordering::SeqCst)
            && done.load(Ordering::SeqCst) > 4));
        nc.close();
        for f in flushers {
            let kind = f.join().expect("flusher thread");
            assert_eq!(
                kind,
                ErrorKind::ConnectionClosed,
                "round {rounds}: a flush racing with close ended with {kind:?}"
            );
        }
    }
}

/// `set_on_complete` returning `Ok` means the callback runs: a thread keeps
/// setting a callback while the subscription completes; the last one
/// accepted must run.
#[test]
fn an_accepted_on_complete_callback_always_runs() {
    use std::sync::atomic::AtomicU64;
    use std::time::Instant;
    let server = NatsServer::start();
    // Pooled delivery: no thread to start per round, so more rounds.
    let nc = connect_with(
        &server,
        Options {
            global_delivery: true,
            ..Options::default()
        },
    );
    let until = Instant::now() + Duration::from_secs(5);
    let mut rounds = 0;
    while Instant::now() < until {
        rounds += 1;
        let handler: MsgHandler = Arc::new(|_, _, _| {});
        let sub = nc
            .subscribe("oncomplete.race", None, None, handler)
            .unwrap();
        let ran = Arc::new(AtomicU64::new(0));
        let setter = {
            let (sub, ran) = (sub.clone(), ran.clone());
            std::thread::spawn(move || {
                let mut last = 0;
                for id in 1u64.. {
                    let ran = ran.clone();
                    let cb: Box<dyn FnOnce() + Send> =
                        Box::new(move || ran.store(id, Ordering::SeqCst));
                    match sub.set_on_complete(Some(cb)) {
                        Ok(()) => last = id,
                        Err(e) => {
                            assert_eq!(e.kind, ErrorKind::InvalidSubscription);
                            break;
                        }
                    }
                }
                last
            })
        };
        nc.unsubscribe(&sub).unwrap();
        let last = setter.join().expect("setter thread");
        if last > 0 {
            assert!(
                support::wait_until(WAIT, || ran.load(Ordering::SeqCst) == last),
                "round {rounds}: callback {last} was accepted but {} ran",
                ran.load(Ordering::SeqCst)
            );
        }
    }
    nc.close();
}

/// A synchronous subscription drained with messages left unread has left
/// the routing table but is still open; closing the connection must close
/// it and end its drain (which would otherwise wait out its 30 seconds).
/// (Whether the drain has left the routing table by the close is up to its
/// thread; the test above reaches the same state deterministically.)
#[test]
fn drained_sync_subscription_with_unread_messages_closes_with_its_connection() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("drained.unread", None).unwrap();
    for _ in 0..3 {
        nc.publish("drained.unread", b"unread").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    nc.drain_subscription(&sub, Some(Duration::from_secs(30)))
        .unwrap();
    // The drain's own flush confirms the UNSUB before this one returns.
    nc.flush_timeout(WAIT).unwrap();
    assert!(sub.is_valid(), "still open: three messages are unread");
    nc.close();
    assert!(!sub.is_valid(), "closed with its connection");
    sub.wait_drain(Some(WAIT))
        .expect("the drain ends with the connection");
    assert_eq!(
        sub.drain_status().unwrap(),
        Some(ErrorKind::ConnectionClosed)
    );
    // Unsubscribing a subscription of a closed connection says so.
    assert_eq!(
        nc.unsubscribe(&sub).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
}

/// An auto-unsubscribe limit reached with a message dropped on the way:
/// the server sends no more and we stop routing, but the limit can no
/// longer be delivered, so the subscription stays open. Closing the
/// connection must still close it.
#[test]
fn unreachable_auto_unsubscribe_limit_closes_with_its_connection() {
    let server = NatsServer::start();
    let nc = connect(&server);
    let sub = nc.subscribe_sync("unreachable.max", None).unwrap();
    sub.set_pending_limits(Some(1), None).unwrap();
    nc.auto_unsubscribe(&sub, 3).unwrap();
    nc.publish("unreachable.max", b"1").unwrap();
    nc.publish("unreachable.max", b"dropped").unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.dropped().unwrap(), 1);
    // NextMsg reports the drop once, as nats.c does.
    assert_eq!(
        sub.next_msg(WAIT).unwrap_err().kind,
        ErrorKind::SlowConsumer
    );
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"1");
    // The third received: the limit, as far as the server is concerned.
    nc.publish("unreachable.max", b"3").unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"3");
    assert!(sub.is_valid(), "two of three delivered: still open");
    nc.close();
    assert!(!sub.is_valid(), "closed with its connection");
    assert_eq!(
        sub.next_msg(Duration::from_millis(10)).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
}
