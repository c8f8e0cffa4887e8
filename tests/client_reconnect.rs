//! Reconnect, clusters, lame duck and drain against real servers that are
//! killed, frozen and restarted. Every wait is for an event, with a generous
//! limit that only guards against hangs.
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use nats_rs::client::{Callbacks, Connection, ErrorKind, Options, Status};
use support::{wait_until, Cluster, NatsServer};

const WAIT: Duration = Duration::from_secs(15);

/// Connection events as they reach the user's callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Disconnected,
    Reconnected,
    Closed,
    Discovered,
    LameDuck,
}

/// Options for `urls` whose callbacks report on the returned channel;
/// reconnect attempts are quick so tests are short.
fn watched(urls: &str) -> (Options, Receiver<Event>) {
    let (tx, rx) = unbounded();
    let cb = |tx: &Sender<Event>, ev| -> Option<nats_rs::client::options::ConnCallback> {
        let tx = tx.clone();
        Some(Arc::new(move |_: &Connection| {
            let _ = tx.send(ev);
        }))
    };
    let opts = Options {
        url: Some(urls.to_string()),
        no_randomize: true,
        reconnect_wait: Duration::from_millis(100),
        reconnect_jitter: Duration::ZERO,
        max_reconnect: None,
        callbacks: Callbacks {
            disconnected_cb: cb(&tx, Event::Disconnected),
            reconnected_cb: cb(&tx, Event::Reconnected),
            closed_cb: cb(&tx, Event::Closed),
            discovered_servers_cb: cb(&tx, Event::Discovered),
            lame_duck_cb: cb(&tx, Event::LameDuck),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    (opts, rx)
}

fn expect(events: &Receiver<Event>, want: Event) {
    match events.recv_timeout(WAIT) {
        Ok(got) => assert_eq!(got, want),
        Err(_) => panic!("no {want:?} event"),
    }
}

/// Waits for `want`, skipping events listed in `skip`.
fn expect_skipping(events: &Receiver<Event>, want: Event, skip: &[Event]) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(got) if got == want => return,
            Ok(got) if skip.contains(&got) => continue,
            Ok(got) => panic!("expected {want:?}, got {got:?}"),
            Err(_) => panic!("no {want:?} event"),
        }
    }
}

/// A user's close of a live connection reports a disconnection, then the close.
fn close_and_expect(nc: &Connection, events: &Receiver<Event>) {
    nc.close();
    expect(events, Event::Disconnected);
    expect(events, Event::Closed);
}

fn no_more(events: &Receiver<Event>) {
    if let Ok(ev) = events.recv_timeout(Duration::from_millis(200)) {
        panic!("unexpected extra event {ev:?}");
    }
}

fn seq_of(m: &nats_rs::client::Message) -> u64 {
    std::str::from_utf8(m.data()).unwrap().parse().unwrap()
}

#[test]
fn restart_while_publishing_delivers_what_was_buffered_in_order_once() {
    let mut server = NatsServer::start();
    let (opts, events) = watched(&server.url());
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("seq", None).unwrap();
    sub.set_pending_limits(None, None).unwrap();

    // The publisher numbers its messages and notes which ones it made while
    // the connection was down (they must wait for the next server).
    let stop = Arc::new(AtomicBool::new(false));
    let while_down = Arc::new(Mutex::new(Vec::new()));
    let publisher = {
        let (nc, stop, while_down) = (nc.clone(), stop.clone(), while_down.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(SeqCst) {
                n += 1;
                let down = nc.status() == Status::Reconnecting;
                nc.publish("seq", n.to_string().as_bytes()).unwrap();
                if down && nc.status() == Status::Reconnecting {
                    while_down.lock().unwrap().push(n);
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            n
        })
    };
    assert!(wait_until(WAIT, || sub.queued_msgs().unwrap() > 20));
    server.stop();
    expect(&events, Event::Disconnected);
    assert!(wait_until(WAIT, || while_down.lock().unwrap().len() >= 50));
    server.restart();
    expect(&events, Event::Reconnected);
    std::thread::sleep(Duration::from_millis(50));
    stop.store(true, SeqCst);
    let last = publisher.join().unwrap();
    nc.flush_timeout(WAIT).unwrap();

    let mut got = Vec::new();
    while let Ok(m) = sub.next_msg(Duration::from_millis(500)) {
        got.push(seq_of(&m));
        if got.last() == Some(&last) {
            break;
        }
    }
    assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order or twice");
    let down = while_down.lock().unwrap().clone();
    assert!(down.len() >= 50);
    for n in &down {
        assert!(
            got.binary_search(n).is_ok(),
            "message {n} published while down was lost"
        );
    }
    assert_eq!(got.last(), Some(&last), "the last message did not arrive");
    assert_eq!(nc.stats().reconnects, 1);
    close_and_expect(&nc, &events);
    no_more(&events);
}

#[test]
fn cluster_failover_resumes_on_a_peer_and_subscriptions_receive_again() {
    let mut cluster = Cluster::start(3);
    let first = cluster.urls()[0].clone();
    let (opts, events) = watched(&first);
    let nc = Connection::connect(opts).unwrap();
    assert!(
        wait_until(WAIT, || nc.servers(true).len() == 2),
        "peers not discovered: {:?}",
        nc.servers(false)
    );
    assert_eq!(nc.servers(false).len(), 3);

    let received = Arc::new(AtomicUsize::new(0));
    let r = received.clone();
    let _sub = nc
        .subscribe(
            "load",
            None,
            None,
            Arc::new(move |_, _, _| {
                r.fetch_add(1, SeqCst);
            }),
        )
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (nc, stop) = (nc.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(SeqCst) {
                let _ = nc.publish("load", b"tick");
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    assert!(wait_until(WAIT, || received.load(SeqCst) > 50));

    let killed_at = Instant::now();
    cluster.node(0).stop();
    // A peer that joined the cluster late is announced by a later INFO.
    expect_skipping(&events, Event::Disconnected, &[Event::Discovered]);
    expect_skipping(&events, Event::Reconnected, &[Event::Discovered]);
    let took = killed_at.elapsed();
    eprintln!("cluster failover: reconnected to a peer {took:?} after the kill");

    let url = nc.connected_url().unwrap();
    assert_ne!(url, first, "still on the killed node");
    let before = received.load(SeqCst);
    assert!(
        wait_until(WAIT, || received.load(SeqCst) > before + 50),
        "no messages after failover"
    );
    stop.store(true, SeqCst);
    publisher.join().unwrap();
    nc.close();
    expect_skipping(&events, Event::Disconnected, &[Event::Discovered]);
    expect_skipping(&events, Event::Closed, &[Event::Discovered]);
}

#[test]
fn frozen_server_is_left_for_the_next_through_unanswered_pings() {
    let a = NatsServer::start();
    let b = NatsServer::start();
    let (mut opts, events) = watched(&format!("{},{}", a.url(), b.url()));
    opts.ping_interval = Duration::from_millis(100);
    opts.max_pings_out = 2;
    let nc = Connection::connect(opts).unwrap();
    assert_eq!(nc.connected_url().unwrap(), a.url());
    let sub = nc.subscribe_sync("after", None).unwrap();
    a.pause();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Reconnected);
    a.resume();
    assert_eq!(nc.connected_url().unwrap(), b.url());
    // As in nats.c, a successful reconnect clears the error.
    assert!(nc.last_error().is_none());
    // The subscription moved along.
    nc.publish("after", b"hi").unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"hi");
    close_and_expect(&nc, &events);
}

#[test]
fn lame_duck_runs_the_callback_and_the_client_moves_to_a_peer() {
    let cluster = Cluster::builder(2).fast_lame_duck().start();
    let first = cluster.urls()[0].clone();
    let (opts, events) = watched(&first);
    let nc = Connection::connect(opts).unwrap();
    assert!(wait_until(WAIT, || nc.servers(true).len() == 1));
    cluster.nodes()[0].lame_duck();
    expect_skipping(&events, Event::LameDuck, &[Event::Discovered]);
    expect_skipping(&events, Event::Disconnected, &[Event::Discovered]);
    expect_skipping(&events, Event::Reconnected, &[Event::Discovered]);
    assert_eq!(nc.connected_url().unwrap(), cluster.urls()[1]);
    nc.flush_timeout(WAIT).unwrap();
    nc.close();
}

#[test]
fn max_reconnect_exhausted_closes_the_connection() {
    let mut server = NatsServer::start();
    let (mut opts, events) = watched(&server.url());
    opts.max_reconnect = Some(2);
    opts.reconnect_wait = Duration::from_millis(50);
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("x", None).unwrap();
    server.stop();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Closed);
    no_more(&events);
    assert!(nc.is_closed());
    assert_eq!(
        nc.publish("x", b"late").unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        sub.next_msg(Duration::from_millis(10)).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
}

#[test]
fn retry_on_failed_connect_connects_once_a_server_starts() {
    let port = support::free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let (mut opts, events) = watched(&url);
    opts.retry_on_failed_connect = true;
    opts.callbacks.connected_cb = opts.callbacks.reconnected_cb.take();
    let (nc, up) = Connection::connect_status(opts).unwrap();
    assert!(!up);
    assert_eq!(nc.status(), Status::Reconnecting);
    // Subscriptions and publishes made before the first connect are kept.
    let sub = nc.subscribe_sync("early", None).unwrap();
    nc.publish("early", b"queued").unwrap();
    let _server = NatsServer::builder().port(port).start();
    // The connected callback (it reports as `Reconnected` here) announces
    // the first connection.
    expect(&events, Event::Reconnected);
    assert_eq!(nc.status(), Status::Connected);
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"queued");
    close_and_expect(&nc, &events);
    no_more(&events);
}

#[test]
fn retry_on_failed_connect_without_callback_gives_up_after_max_reconnect() {
    let url = format!("nats://127.0.0.1:{}", support::free_port());
    let opts = Options {
        url: Some(url),
        retry_on_failed_connect: true,
        max_reconnect: Some(2),
        reconnect_wait: Duration::from_millis(20),
        ..Options::default()
    };
    assert_eq!(
        Connection::connect(opts).unwrap_err().kind,
        ErrorKind::NoServer
    );
}

#[test]
fn a_full_reconnect_buffer_refuses_publishes_and_keeps_the_rest() {
    let mut server = NatsServer::start();
    let (mut opts, events) = watched(&server.url());
    opts.reconnect_buf_size = 1000;
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("b", None).unwrap();
    server.stop();
    expect(&events, Event::Disconnected);
    let mut accepted = 0;
    let refused = loop {
        match nc.publish("b", &[b'x'; 90]) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 100, "the buffer never filled");
    };
    assert_eq!(refused.kind, ErrorKind::InsufficientBuffer);
    assert!(accepted > 0);
    server.restart();
    expect(&events, Event::Reconnected);
    for _ in 0..accepted {
        assert_eq!(sub.next_msg(WAIT).unwrap().data(), &[b'x'; 90]);
    }
    assert_eq!(
        sub.next_msg(Duration::from_millis(200)).unwrap_err().kind,
        ErrorKind::Timeout
    );
    nc.close();
}

#[test]
fn auto_unsubscribe_carries_the_remaining_count_across_a_reconnect() {
    let mut server = NatsServer::start();
    let (opts, events) = watched(&server.url());
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("au", None).unwrap();
    nc.auto_unsubscribe(&sub, 5).unwrap();
    for _ in 0..3 {
        nc.publish("au", b"m").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    server.restart();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Reconnected);
    for _ in 0..10 {
        nc.publish("au", b"m").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    for _ in 0..5 {
        sub.next_msg(WAIT).unwrap();
    }
    assert_eq!(
        sub.next_msg(Duration::from_millis(100)).unwrap_err().kind,
        ErrorKind::MaxDeliveredMsgs
    );
    nc.close();
}

#[test]
fn forced_reconnect_comes_back_and_close_during_reconnect_is_prompt() {
    let server = NatsServer::start();
    let (mut opts, events) = watched(&server.url());
    opts.reconnect_wait = Duration::from_millis(10);
    let nc = Connection::connect(opts).unwrap();
    nc.force_reconnect().unwrap();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Reconnected);
    nc.flush_timeout(WAIT).unwrap();

    // Now a long wait between attempts: close must not wait for it.
    drop(server);
    expect(&events, Event::Disconnected);
    let started = Instant::now();
    let other = nc.clone();
    std::thread::spawn(move || other.close()).join().unwrap();
    expect(&events, Event::Closed);
    assert!(started.elapsed() < WAIT);
    no_more(&events);
    assert_eq!(
        nc.force_reconnect().unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
}

#[test]
fn close_from_the_disconnected_callback_ends_the_reconnect() {
    let mut server = NatsServer::start();
    let (tx, events) = unbounded();
    let tx2 = tx.clone();
    let opts = Options {
        url: Some(server.url()),
        reconnect_wait: Duration::from_millis(10),
        callbacks: Callbacks {
            disconnected_cb: Some(Arc::new(move |c: &Connection| {
                c.close();
                let _ = tx.send(Event::Disconnected);
            })),
            closed_cb: Some(Arc::new(move |_| {
                let _ = tx2.send(Event::Closed);
            })),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    let nc = Connection::connect(opts).unwrap();
    server.stop();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Closed);
    no_more(&events);
    assert!(nc.is_closed());
}

// ---- drain -------------------------------------------------------------------

#[test]
fn connection_drain_delivers_every_queued_message_before_closing() {
    let server = NatsServer::start();
    let (opts, events) = watched(&server.url());
    let nc = Connection::connect(opts).unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let delivered = Arc::new(AtomicUsize::new(0));
    let (s, d) = (started.clone(), delivered.clone());
    let sub = nc
        .subscribe(
            "work",
            None,
            None,
            Arc::new(move |_, _, _| {
                s.fetch_add(1, SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                d.fetch_add(1, SeqCst);
            }),
        )
        .unwrap();
    nc.flush_timeout(WAIT).unwrap(); // the server knows the subscription
    let producer = Connection::connect(Options {
        url: Some(server.url()),
        ..Options::default()
    })
    .unwrap();
    for i in 0..200 {
        producer.publish("work", format!("{i}").as_bytes()).unwrap();
    }
    producer.flush_timeout(WAIT).unwrap();
    // Everything has reached the client: queued, or handed to the callback.
    assert!(wait_until(WAIT, || sub.queued_msgs().unwrap_or(0)
        + started.load(SeqCst) as u64
        == 200));
    assert!(
        delivered.load(SeqCst) < 200,
        "drain started too late to matter"
    );

    nc.drain(Some(WAIT)).unwrap();
    assert_eq!(
        nc.subscribe_sync("new", None).unwrap_err().kind,
        ErrorKind::Draining
    );
    expect(&events, Event::Disconnected);
    expect(&events, Event::Closed);
    assert_eq!(delivered.load(SeqCst), 200);
    assert_eq!(sub.drain_status().unwrap(), None);
    assert!(nc.is_closed());
    producer.close();
}

#[test]
fn subscription_drain_hands_out_queued_messages_then_completes() {
    let server = NatsServer::start();
    let nc = Connection::connect(Options {
        url: Some(server.url()),
        ..Options::default()
    })
    .unwrap();
    let sub = nc.subscribe_sync("q", None).unwrap();
    assert_eq!(
        sub.wait_drain(None).unwrap_err().kind,
        ErrorKind::IllegalState
    );
    for i in 0..50 {
        nc.publish("q", format!("{i}").as_bytes()).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    assert!(wait_until(WAIT, || sub.queued_msgs().unwrap() == 50));
    nc.drain_subscription(&sub, None).unwrap();
    assert_eq!(
        sub.drain_status().unwrap_err().kind,
        ErrorKind::IllegalState
    );
    // Published after the drain started: the server no longer sends these.
    nc.publish("q", b"late").unwrap();
    for i in 0..50u64 {
        assert_eq!(seq_of(&sub.next_msg(WAIT).unwrap()), i);
    }
    sub.wait_drain(Some(WAIT)).unwrap();
    assert_eq!(sub.drain_status().unwrap(), None);
    assert!(sub.next_msg(Duration::from_millis(100)).is_err());
    // The connection itself stays up.
    nc.flush_timeout(WAIT).unwrap();
    nc.close();
}

#[test]
fn subscription_drain_timeout_reports_timeout() {
    let server = NatsServer::start();
    let nc = Connection::connect(Options {
        url: Some(server.url()),
        ..Options::default()
    })
    .unwrap();
    let sub = nc
        .subscribe(
            "slow",
            None,
            None,
            Arc::new(|_, _, _| std::thread::sleep(Duration::from_millis(50))),
        )
        .unwrap();
    for _ in 0..100 {
        nc.publish("slow", b"x").unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    nc.drain_subscription(&sub, Some(Duration::from_millis(200)))
        .unwrap();
    sub.wait_drain(Some(WAIT)).unwrap();
    assert_eq!(sub.drain_status().unwrap(), Some(ErrorKind::Timeout));
    assert!(!sub.is_valid());
    nc.close();
}

// ---- closing and unsubscribing from awkward places -----------------------------

#[test]
fn unsubscribing_while_the_callback_runs_and_closing_from_a_callback_are_safe() {
    let server = NatsServer::start();
    let (opts, events) = watched(&server.url());
    let nc = Connection::connect(opts).unwrap();

    // A subscription removed by another thread while its callback runs.
    let (in_cb_tx, in_cb) = unbounded();
    let (release_tx, release) = unbounded::<()>();
    let sub = nc
        .subscribe(
            "busy",
            None,
            None,
            Arc::new(move |_, s, _| {
                let _ = in_cb_tx.send(());
                let _ = release.recv_timeout(WAIT);
                // The handle stays usable even though it was unsubscribed.
                let _ = s.delivered();
            }),
        )
        .unwrap();
    let (done_tx, done) = unbounded();
    sub.set_on_complete(Some(Box::new(move || {
        let _ = done_tx.send(());
    })))
    .unwrap();
    nc.publish("busy", b"1").unwrap();
    nc.publish("busy", b"2").unwrap();
    in_cb.recv_timeout(WAIT).expect("callback running");
    nc.unsubscribe(&sub).unwrap();
    drop(sub);
    release_tx.send(()).unwrap();
    done.recv_timeout(WAIT).expect("completion callback");
    assert!(done.recv_timeout(Duration::from_millis(100)).is_err());
    assert!(
        in_cb.try_recv().is_err(),
        "a message was delivered after unsubscribe"
    );

    // A message callback that closes its own connection.
    let _closer = nc
        .subscribe("close", None, None, Arc::new(|c, _, _| c.close()))
        .unwrap();
    nc.publish("close", b"bye").unwrap();
    expect(&events, Event::Disconnected);
    expect(&events, Event::Closed);
    no_more(&events);
    assert!(nc.is_closed());
}
