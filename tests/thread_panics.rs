//! A panic in any library thread becomes a reported connection loss or
//! close, never a silent dead thread: each kind of thread is made to panic
//! through the library's test-only hook (`threads::inject_panic`), and the
//! connection must say so (error handler and last error: `ErrorKind::Err`
//! naming the thread), run its callbacks, fail its waiters, and let
//! `threads::wait_all` (what `nats_CloseAndWait` waits on) finish.
//!
//! The hook is global, so these tests run one at a time (`SERIAL`) in a
//! test binary of their own.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nats_rs::client::threads::{self, ThreadKind};
use nats_rs::client::{events, shutdown_pool, Connection, ErrorKind, MsgHandler, Options, Status};
use support::{wait_until, NatsServer};

const WAIT: Duration = Duration::from_secs(10);

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time; on the way out the hook is disarmed and every
/// library thread must end.
struct Serial(#[allow(dead_code)] MutexGuard<'static, ()>);

fn serial() -> Serial {
    Serial(SERIAL.lock().unwrap_or_else(|p| p.into_inner()))
}

impl Drop for Serial {
    fn drop(&mut self) {
        threads::inject_panic(None);
        if !std::thread::panicking() {
            events::shutdown();
            shutdown_pool();
            assert!(
                threads::wait_all(Some(WAIT)),
                "library threads still running after every connection closed"
            );
        }
    }
}

/// What a user's callbacks saw.
#[derive(Default)]
struct Seen {
    errors: Mutex<Vec<(ErrorKind, String)>>,
    disconnected: AtomicUsize,
    reconnected: AtomicUsize,
    closed: AtomicUsize,
}

impl Seen {
    /// Waits for the error handler to report a panic of `thread`.
    fn panic_reported(&self, thread: &str) -> bool {
        wait_until(WAIT, || {
            self.errors.lock().unwrap().iter().any(|(k, t)| {
                *k == ErrorKind::Err && t.contains(thread) && t.contains("injected panic")
            })
        })
    }

    fn closed(&self) -> bool {
        wait_until(WAIT, || self.closed.load(SeqCst) == 1)
    }
}

fn options(server: &NatsServer, seen: &Arc<Seen>) -> Options {
    let mut o = Options {
        url: Some(server.url()),
        reconnect_wait: Duration::from_millis(20),
        ..Options::default()
    };
    let s = seen.clone();
    o.callbacks.error_cb = Some(Arc::new(move |_, _, e| {
        s.errors.lock().unwrap().push((e.kind, e.text.clone()));
    }));
    let s = seen.clone();
    o.callbacks.disconnected_cb = Some(Arc::new(move |_| {
        s.disconnected.fetch_add(1, SeqCst);
    }));
    let s = seen.clone();
    o.callbacks.reconnected_cb = Some(Arc::new(move |_| {
        s.reconnected.fetch_add(1, SeqCst);
    }));
    let s = seen.clone();
    o.callbacks.closed_cb = Some(Arc::new(move |_| {
        s.closed.fetch_add(1, SeqCst);
    }));
    o
}

fn connect(server: &NatsServer, seen: &Arc<Seen>, f: impl FnOnce(&mut Options)) -> Connection {
    let mut o = options(server, seen);
    f(&mut o);
    Connection::connect(o).expect("connect")
}

/// The connection closed because of the panic in `thread`, and says so.
fn assert_closed_by_panic(nc: &Connection, seen: &Seen, thread: &str) {
    assert!(
        seen.panic_reported(thread),
        "error handler: {:?}",
        seen.errors
    );
    assert!(seen.closed(), "closed callback");
    assert_eq!(nc.status(), Status::Closed);
    let e = nc.last_error().expect("last error");
    assert_eq!(e.kind, ErrorKind::Err);
    assert!(e.text.contains(thread), "last error: {}", e.text);
    assert_eq!(
        nc.flush_timeout(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
}

#[test]
fn a_reader_panic_is_a_lost_connection_and_the_client_reconnects() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    let sub = nc.subscribe_sync("after.reader.panic", None).unwrap();
    threads::inject_panic(Some(ThreadKind::Reader));
    // The reader dies handling this flush's PONG: the flush is failed, not
    // left to time out.
    assert_eq!(
        nc.flush_timeout(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionDisconnected
    );
    assert!(seen.panic_reported("nats-reader"), "{:?}", seen.errors);
    assert!(wait_until(WAIT, || seen.reconnected.load(SeqCst) == 1));
    assert_eq!(seen.disconnected.load(SeqCst), 1);
    // A new reader serves the connection.
    nc.publish("after.reader.panic", b"x").unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"x");
    nc.close();
    assert!(seen.closed());
}

#[test]
fn a_reader_panic_without_reconnect_closes_the_connection() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |o| o.allow_reconnect = false);
    threads::inject_panic(Some(ThreadKind::Reader));
    assert_eq!(
        nc.flush_timeout(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_closed_by_panic(&nc, &seen, "nats-reader");
    assert_eq!(seen.disconnected.load(SeqCst), 1);
}

#[test]
fn a_flusher_panic_closes_the_connection() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    threads::inject_panic(Some(ThreadKind::Flusher));
    // Wakes the flusher.
    nc.publish("wake.flusher", b"x").unwrap();
    assert_closed_by_panic(&nc, &seen, "nats-flusher");
}

#[test]
fn a_reconnect_thread_panic_closes_the_connection() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    threads::inject_panic(Some(ThreadKind::Reconnect));
    nc.force_reconnect().unwrap();
    assert_closed_by_panic(&nc, &seen, "nats-reconnect");
    assert_eq!(seen.disconnected.load(SeqCst), 1);
    assert_eq!(seen.reconnected.load(SeqCst), 0);
}

/// An async subscription whose completion is counted.
fn counted_sub(nc: &Connection, subject: &str, done: &Arc<AtomicUsize>) {
    let handler: MsgHandler = Arc::new(|_, _, _| {});
    let sub = nc.subscribe(subject, None, None, handler).unwrap();
    let d = done.clone();
    sub.set_on_complete(Some(Box::new(move || {
        d.fetch_add(1, SeqCst);
    })))
    .unwrap();
}

#[test]
fn a_dispatcher_panic_closes_the_connection_and_completes_the_subscription() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    let done = Arc::new(AtomicUsize::new(0));
    counted_sub(&nc, "dispatch.panic", &done);
    nc.flush_timeout(WAIT).unwrap();
    threads::inject_panic(Some(ThreadKind::Dispatcher));
    nc.publish("dispatch.panic", b"x").unwrap();
    assert_closed_by_panic(&nc, &seen, "nats-sub-");
    assert_eq!(
        done.load(SeqCst),
        1,
        "completion ran before the closed callback"
    );
}

#[test]
fn a_pool_worker_panic_closes_its_connection_and_the_pool_serves_the_others() {
    let _s = serial();
    let server = NatsServer::start();
    let (seen_a, seen_b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let a = connect(&server, &seen_a, |o| o.global_delivery = true);
    let b = connect(&server, &seen_b, |o| o.global_delivery = true);
    let done = Arc::new(AtomicUsize::new(0));
    counted_sub(&a, "pool.panic", &done);
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    let handler: MsgHandler = Arc::new(move |_, _, _| {
        g.fetch_add(1, SeqCst);
    });
    let _b_sub = b.subscribe("pool.other", None, None, handler).unwrap();
    a.flush_timeout(WAIT).unwrap();
    b.flush_timeout(WAIT).unwrap();
    threads::inject_panic(Some(ThreadKind::PoolWorker));
    a.publish("pool.panic", b"x").unwrap();
    assert_closed_by_panic(&a, &seen_a, "nats-pool-");
    assert_eq!(done.load(SeqCst), 1);
    b.publish("pool.other", b"y").unwrap();
    assert!(
        wait_until(WAIT, || got.load(SeqCst) == 1),
        "pool still delivers"
    );
    assert_eq!(b.status(), Status::Connected);
    b.close();
    assert!(seen_b.closed());
}

#[test]
fn an_event_thread_panic_closes_that_connection_and_events_go_on() {
    let _s = serial();
    let server = NatsServer::start();
    let (seen_a, seen_b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let a = connect(&server, &seen_a, |_| {});
    let b = connect(&server, &seen_b, |_| {});
    threads::inject_panic(Some(ThreadKind::Events));
    // The disconnected callback's event is the next one.
    a.force_reconnect().unwrap();
    assert_closed_by_panic(&a, &seen_a, "nats-events");
    // The event thread still runs the other connection's callbacks.
    b.force_reconnect().unwrap();
    assert!(wait_until(WAIT, || seen_b.reconnected.load(SeqCst) == 1));
    assert_eq!(seen_b.disconnected.load(SeqCst), 1);
    b.close();
    assert!(seen_b.closed());
}

#[test]
fn a_connection_drain_thread_panic_closes_the_connection() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    let _sub = nc.subscribe_sync("drain.panic", None).unwrap();
    threads::inject_panic(Some(ThreadKind::Drain));
    nc.drain(None).unwrap();
    assert_closed_by_panic(&nc, &seen, "nats-drain");
}

#[test]
fn a_subscription_drain_thread_panic_closes_the_connection() {
    let _s = serial();
    let server = NatsServer::start();
    let seen = Arc::new(Seen::default());
    let nc = connect(&server, &seen, |_| {});
    let sub = nc.subscribe_sync("sub.drain.panic", None).unwrap();
    threads::inject_panic(Some(ThreadKind::Drain));
    nc.drain_subscription(&sub, None).unwrap();
    assert_closed_by_panic(&nc, &seen, &format!("nats-drain-{}", sub.sid()));
    assert!(!sub.is_valid());
    sub.wait_drain(Some(WAIT)).unwrap();
}
