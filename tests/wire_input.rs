//! What a server sends is checked, not trusted: claimed sizes, bytes of
//! messages nobody subscribed to, messages during the handshake, memory
//! running out, and subjects that are not UTF-8.
//!
//! A fake server (`support::hostile`) plays the handshake and then sends
//! what a test tells it. This binary counts allocations (its own global allocator), so
//! a test can check that a claimed size was not allocated; the tests that
//! look at the counts hold `SERIAL`, since the counts are process-wide.
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use nats_rs::client::{Callbacks, Connection, ErrorKind, Options};
use support::hostile::{Hostile, Peer};

const WAIT: Duration = Duration::from_secs(20);

// ---- counting allocator ---------------------------------------------------

/// The largest single allocation (or reallocation) since the last reset.
static LARGEST: AtomicUsize = AtomicUsize::new(0);
/// Allocations with a size in `REFUSE_FROM..REFUSE_TO` fail (none when equal).
static REFUSE_FROM: AtomicUsize = AtomicUsize::new(0);
static REFUSE_TO: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl Counting {
    fn admit(size: usize) -> bool {
        LARGEST.fetch_max(size, SeqCst);
        !(REFUSE_FROM.load(SeqCst)..REFUSE_TO.load(SeqCst)).contains(&size)
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged, or
// refused with a null pointer, which the GlobalAlloc contract allows.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !Counting::admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !Counting::admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !Counting::admit(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const MIB: usize = 1 << 20;

// ---- the fake server ----------------------------------------------------

/// A hostile server announcing `max_payload` whose every connection runs
/// `script` (see `support::hostile::Peer`) right after the INFO.
fn fake_server(max_payload: i64, script: impl Fn(&mut Peer) + Send + Sync + 'static) -> Hostile {
    Hostile::builder().max_payload(max_payload).serve(script)
}

/// What the connection's callbacks reported.
struct Watch {
    events: Receiver<String>,
}

impl Watch {
    /// The next event, or "timeout".
    fn next(&self) -> String {
        self.events
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| "timeout".into())
    }
}

fn watched(url: &str, reconnect: bool) -> (Options, Watch) {
    let (tx, rx): (Sender<String>, Receiver<String>) = unbounded();
    let (t1, t2, t3, t4) = (tx.clone(), tx.clone(), tx.clone(), tx);
    let opts = Options {
        url: Some(url.to_string()),
        allow_reconnect: reconnect,
        reconnect_wait: Duration::from_millis(10),
        callbacks: Callbacks {
            error_cb: Some(Arc::new(move |_, _, e| {
                let _ = t1.send(format!("error {:?}", e.kind));
            })),
            disconnected_cb: Some(Arc::new(move |_| {
                let _ = t2.send("disconnected".into());
            })),
            reconnected_cb: Some(Arc::new(move |_| {
                let _ = t3.send("reconnected".into());
            })),
            closed_cb: Some(Arc::new(move |_| {
                let _ = t4.send("closed".into());
            })),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    (opts, Watch { events: rx })
}

// ---- claimed sizes ----------------------------------------------------------

#[test]
fn a_size_above_max_payload_is_a_protocol_error_without_allocating_it() {
    let _s = serial();
    for claim in [
        "3000000",
        "1000000000000",
        "9223372036854775000",
        "18446744073709551000",
    ] {
        let msg = format!("MSG a SID {claim}\r\n");
        let server = fake_server(1 << 20, move |p| {
            p.handshake();
            let sid = p.sub_sid().unwrap_or_default();
            p.send(msg.replace("SID", &sid).as_bytes());
            p.drain();
        });
        let (opts, watch) = watched(&server.url(), false);
        LARGEST.store(0, SeqCst);
        let nc = Connection::connect(opts).unwrap();
        let _sub = nc.subscribe_sync("a", None).unwrap();
        assert_eq!(watch.next(), "error ProtocolError", "claim {claim}");
        assert_eq!(watch.next(), "disconnected", "claim {claim}");
        assert_eq!(watch.next(), "closed", "claim {claim}");
        assert!(nc.is_closed());
        assert_eq!(
            nc.last_error().map(|e| e.kind),
            Some(ErrorKind::ProtocolError)
        );
        let largest = LARGEST.load(SeqCst);
        assert!(
            largest < 8 * MIB,
            "claim {claim}: allocated {largest} bytes"
        );
    }
}

#[test]
fn a_protocol_error_reconnects_when_allowed() {
    let _s = serial();
    let server = fake_server(1 << 20, |p| {
        p.handshake();
        let sid = p.sub_sid().unwrap_or_default();
        if p.index() == 0 {
            p.send(format!("MSG a {sid} 5000000\r\n").as_bytes());
        } else {
            // The subscription comes back on the new connection.
            p.send(format!("MSG a {sid} 2\r\nok\r\n").as_bytes());
        }
        p.drain();
    });
    let (opts, watch) = watched(&server.url(), true);
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("a", None).unwrap();
    assert_eq!(watch.next(), "error ProtocolError");
    assert_eq!(watch.next(), "disconnected");
    assert_eq!(watch.next(), "reconnected");
    let m = sub.next_msg(WAIT).unwrap();
    assert_eq!(m.data(), b"ok");
    assert!(!nc.is_closed());
    nc.close();
}

// ---- bodies follow the bytes that arrive ------------------------------------

fn body(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn bodies_are_allocated_as_they_arrive_and_unknown_sids_not_at_all() {
    let _s = serial();
    let (go_tx, go_rx) = unbounded::<()>();
    let go_rx = Arc::new(Mutex::new(go_rx));
    // The server allows payloads up to nats.c's absolute limit, so only
    // the way bodies are received bounds what a claim can cost.
    let server = fake_server(i64::from(i32::MAX), move |p| {
        p.handshake();
        let sid = p.sub_sid().unwrap_or_default();
        // A large message for a sid nobody has, then small and large ones
        // for ours: only ours arrive, intact.
        let skipped = body(300 * 1024, 1);
        p.send(format!("MSG a 999 {}\r\n", skipped.len()).as_bytes());
        p.send(&skipped);
        p.send(b"\r\n");
        p.send(format!("MSG a {sid} 5\r\nfirst\r\n").as_bytes());
        for (len, seed) in [(MIB, 2u8), (20 * MIB, 3)] {
            p.send(format!("MSG a {sid} {len}\r\n").as_bytes());
            p.send(&body(len, seed));
            p.send(b"\r\n");
        }
        let _ = go_rx.lock().unwrap().recv_timeout(WAIT);
        // A huge claim whose bytes never come.
        p.send(format!("MSG a {sid} 2000000000\r\n").as_bytes());
        p.send_junk(4 * MIB);
        // Closing now: the client sees the server go away mid-message.
    });
    let (opts, watch) = watched(&server.url(), false);
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("a", None).unwrap();
    let m = sub.next_msg(WAIT).unwrap();
    assert_eq!(m.data(), b"first", "the unknown sid's bytes were skipped");
    for (len, seed) in [(MIB, 2u8), (20 * MIB, 3)] {
        let m = sub.next_msg(WAIT).unwrap();
        assert_eq!(m.data().len(), len);
        assert!(m.data() == body(len, seed).as_slice(), "body of {len}");
    }
    LARGEST.store(0, SeqCst);
    go_tx.send(()).unwrap();
    assert_eq!(watch.next(), "disconnected");
    assert_eq!(watch.next(), "closed");
    let largest = LARGEST.load(SeqCst);
    assert!(
        largest <= 9 * MIB,
        "2 GB claimed, 4 MiB sent: allocated {largest} bytes at once"
    );
    assert_eq!(
        nc.last_error().map(|e| e.kind),
        Some(ErrorKind::ConnectionClosed)
    );
    assert!(sub.next_msg(Duration::from_millis(100)).is_err());
}

#[test]
fn a_message_for_no_subscription_is_skipped_without_allocating_it() {
    let _s = serial();
    let (go_tx, go_rx) = unbounded::<()>();
    let go_rx = Arc::new(Mutex::new(go_rx));
    let server = fake_server(i64::from(i32::MAX), move |p| {
        p.handshake();
        let sid = p.sub_sid().unwrap_or_default();
        p.send(format!("MSG a {sid} 2\r\nhi\r\n").as_bytes());
        let _ = go_rx.lock().unwrap().recv_timeout(WAIT);
        p.send(b"MSG a 999 2000000000\r\n");
        p.send_junk(16 * MIB);
    });
    let (opts, watch) = watched(&server.url(), false);
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("a", None).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"hi");
    LARGEST.store(0, SeqCst);
    go_tx.send(()).unwrap();
    assert_eq!(watch.next(), "disconnected");
    assert_eq!(watch.next(), "closed");
    let largest = LARGEST.load(SeqCst);
    assert!(
        largest < MIB,
        "allocated {largest} bytes for nobody's message"
    );
    assert!(sub.next_msg(Duration::from_millis(100)).is_err());
}

#[test]
fn running_out_of_memory_for_a_body_is_no_memory_not_an_abort() {
    let _s = serial();
    let len = 5 * MIB + 12_345;
    // Made before allocations of its size fail.
    let data = Arc::new(body(len, 9));
    let server = fake_server(16 << 20, move |p| {
        p.handshake();
        let sid = p.sub_sid().unwrap_or_default();
        p.send(format!("MSG a {sid} {len}\r\n").as_bytes());
        p.send(&data);
        p.drain();
    });
    let (opts, watch) = watched(&server.url(), false);
    let nc = Connection::connect(opts).unwrap();
    let _sub = nc.subscribe_sync("a", None).unwrap();
    // The message's block is a little larger than its body; nothing else
    // here allocates a size in this band.
    REFUSE_FROM.store(len, SeqCst);
    REFUSE_TO.store(len + 64 * 1024, SeqCst);
    let first = watch.next();
    REFUSE_FROM.store(0, SeqCst);
    REFUSE_TO.store(0, SeqCst);
    assert_eq!(first, "error NoMemory");
    assert_eq!(watch.next(), "disconnected");
    assert_eq!(watch.next(), "closed");
    assert_eq!(nc.last_error().map(|e| e.kind), Some(ErrorKind::NoMemory));
}

// ---- the handshake ------------------------------------------------------------

#[test]
fn a_message_before_the_handshake_pong_fails_the_connect_at_once() {
    let _s = serial();
    for early in [
        &b"MSG a 1 1000000000\r\n"[..],
        b"MSG a 1 100\r\nabc",
        b"HMSG a 1 12 2000000000\r\n",
        b"MSG a 1 2\r\nhi\r\n",
    ] {
        let server = fake_server(1 << 20, move |p| {
            p.wait_line("PING");
            p.send(early);
            p.drain();
        });
        let (mut opts, _watch) = watched(&server.url(), false);
        opts.timeout = WAIT;
        LARGEST.store(0, SeqCst);
        let t0 = Instant::now();
        let r = Connection::connect(opts);
        let what = String::from_utf8_lossy(early);
        assert_eq!(
            r.map(|_| ()).map_err(|e| e.kind),
            Err(ErrorKind::ProtocolError),
            "{what}"
        );
        assert!(t0.elapsed() < WAIT / 2, "{what}: waited for the timeout");
        let largest = LARGEST.load(SeqCst);
        assert!(largest < 8 * MIB, "{what}: allocated {largest} bytes");
    }
}

// ---- announced URLs ----------------------------------------------------------

#[test]
fn announced_urls_with_odd_encodings_neither_panic_nor_break_the_connection() {
    const ODD: &str =
        r#""connect_urls":["%\u20ac@127.0.0.1:1","%@h:1","[::1","h:99999","%ff%fe@h:2"]"#;
    let server = Hostile::builder()
        .max_payload(1 << 20)
        .info_extra(ODD)
        .serve(|p| {
            // PINGs are answered from here on.
            p.handshake();
            // The same list again after the connect, as a cluster update.
            p.send(p.info());
            p.drain();
        });
    let (opts, _watch) = watched(&server.url(), false);
    let nc = Connection::connect(opts).unwrap();
    // The reader is alive: it handled the INFO and answers flushes.
    for _ in 0..3 {
        nc.flush_timeout(WAIT).unwrap();
    }
    assert!(!nc.is_closed());
    nc.close();
}

// ---- subjects are bytes ---------------------------------------------------

#[test]
fn a_reply_subject_that_is_not_utf8_is_answered_on_its_exact_bytes() {
    let server = support::NatsServer::start();
    let opts = || Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let srv = Connection::connect(opts()).unwrap();
    let cli = Connection::connect(opts()).unwrap();
    let requests = srv.subscribe_sync("svc.>", None).unwrap();
    let answers = cli.subscribe_sync("_R.>", None).unwrap();
    srv.flush_timeout(WAIT).unwrap();
    cli.flush_timeout(WAIT).unwrap();

    let (subject, reply) = (&b"svc.\xff.in"[..], &b"_R.\xff\xfe.x"[..]);
    cli.publish_bytes(subject, Some(reply), None, b"q").unwrap();
    let req = requests.next_msg(WAIT).unwrap();
    assert_eq!(req.subject_bytes(), subject);
    assert_eq!(req.reply_bytes(), Some(reply));
    // The text view has no text for these bytes, and does not make one up:
    // answering to it fails instead of reaching another subject.
    assert_eq!(req.subject(), "");
    assert_eq!(req.reply(), Some(""));
    let r = srv.publish_raw(req.reply().unwrap_or_default(), None, None, b"no");
    assert_eq!(r.map_err(|e| e.kind), Err(ErrorKind::InvalidSubject));
    // Whitespace is still refused, bytes or not.
    let r = srv.publish_bytes(b"_R.\xff x", None, None, b"no");
    assert_eq!(r.map_err(|e| e.kind), Err(ErrorKind::InvalidSubject));

    srv.publish_bytes(req.reply_bytes().unwrap(), None, None, b"a1")
        .unwrap();
    srv.send_bytes(req.reply_bytes().unwrap(), None, None, b"a2")
        .unwrap();
    srv.flush_timeout(WAIT).unwrap();
    for want in [&b"a1"[..], b"a2"] {
        let m = answers.next_msg(WAIT).unwrap();
        assert_eq!(m.subject_bytes(), reply);
        assert_eq!(m.data(), want);
    }
    assert!(answers.next_msg(Duration::from_millis(200)).is_err());
}
