//! The services layer (`nats_rs::micro`) from Rust against a real
//! nats-server: endpoints answer with the handler's bytes, a handler's
//! error comes back through the service client with its code, groups and
//! queue groups spread requests over two instances, `$SRV.STATS` counts
//! requests, errors and processing time, stop drains what was received
//! and runs the done handler once, and a slow consumer stops the service
//! through its error handler.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::micro::*;
use support::{wait_until, NatsServer};

const LONG: Duration = Duration::from_secs(10);

fn connect(server: &NatsServer) -> Connection {
    Connection::connect(Options {
        url: Some(server.url()),
        ..Options::default()
    })
    .expect("connect")
}

fn echo() -> RequestHandler {
    Arc::new(|req: &mut Request| {
        let data = req.message().map(|m| m.data().to_vec()).unwrap_or_default();
        req.respond(&data)
    })
}

fn endpoint(name: &str, handler: RequestHandler) -> EndpointConfig {
    EndpointConfig {
        name: name.into(),
        handler: Some(handler),
        ..EndpointConfig::default()
    }
}

fn config(name: &str) -> ServiceConfig {
    ServiceConfig {
        name: name.into(),
        version: "1.2.3".into(),
        ..ServiceConfig::default()
    }
}

#[test]
fn endpoint_answers_and_errors_reach_the_client() {
    let server = NatsServer::start();
    let conn = connect(&server);
    let fail: RequestHandler = Arc::new(|_req: &mut Request| Err(ServiceError::new(418, "teapot")));
    let svc = Service::add(
        &conn,
        ServiceConfig {
            endpoint: Some(endpoint("echo", echo())),
            ..config("rusty")
        },
    )
    .expect("add");
    svc.add_endpoint(None, endpoint("fail", fail))
        .expect("add fail");
    let client = ServiceClient::new(&conn);
    let reply = client.request("echo", b"\x00bytes\xff").expect("echo");
    assert_eq!(reply.data(), b"\x00bytes\xff");
    let err = client.request("fail", b"").expect_err("service error");
    assert_eq!((err.code, err.message.as_str()), (418, "teapot"));
    let stats = svc.stats();
    let fail_stats = stats.endpoints.iter().find(|e| e.name == "fail").unwrap();
    assert_eq!((fail_stats.num_requests, fail_stats.num_errors), (1, 1));
    assert_eq!(fail_stats.last_error, "code 418: teapot");
    let gone = client.request("nobody", b"").expect_err("no responders");
    assert_eq!(gone.effective_status(), Some(ErrorKind::NoResponders));
}

#[test]
fn bad_names_and_versions_are_refused() {
    let server = NatsServer::start();
    let conn = connect(&server);
    for (name, version) in [
        ("bad name", "1.0.0"),
        ("ok", "1.0"),
        ("ok", "v1.0.0"),
        ("", "1.0.0"),
    ] {
        let cfg = ServiceConfig {
            name: name.into(),
            version: version.into(),
            ..ServiceConfig::default()
        };
        let err = Service::add(&conn, cfg).err().expect("refused");
        assert_eq!(
            err.effective_status(),
            Some(ErrorKind::InvalidArg),
            "{name} {version}"
        );
    }
}

#[test]
fn groups_and_queue_groups_spread_requests_over_instances() {
    let server = NatsServer::start();
    let (c1, c2) = (connect(&server), connect(&server));
    let counts = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let mut services = Vec::new();
    for (conn, count) in [(&c1, &counts[0]), (&c2, &counts[1])] {
        let svc = Service::add(conn, config("spread")).expect("add");
        let g = svc
            .add_group(
                None,
                GroupConfig {
                    prefix: "math".into(),
                    ..GroupConfig::default()
                },
            )
            .expect("group");
        let sub = g
            .add_group(GroupConfig {
                prefix: "v2".into(),
                ..GroupConfig::default()
            })
            .expect("subgroup");
        let count = count.clone();
        let h: RequestHandler = Arc::new(move |req: &mut Request| {
            count.fetch_add(1, Ordering::SeqCst);
            req.respond(b"ok")
        });
        sub.add_endpoint(endpoint("add", h)).expect("endpoint");
        assert_eq!(svc.info().endpoints[0].subject, "math.v2.add");
        assert_eq!(svc.info().endpoints[0].queue_group.as_deref(), Some("q"));
        services.push(svc);
    }
    for c in [&c1, &c2] {
        c.flush_timeout(LONG).unwrap();
    }
    let client = ServiceClient::new(&connect(&server));
    for _ in 0..100 {
        client.request("math.v2.add", b"").expect("request");
    }
    let (a, b) = (
        counts[0].load(Ordering::SeqCst),
        counts[1].load(Ordering::SeqCst),
    );
    assert_eq!(a + b, 100, "each request served once");
    assert!(a > 0 && b > 0, "both instances served: {a} / {b}");
}

#[test]
fn stats_count_processing_time() {
    let server = NatsServer::start();
    let conn = connect(&server);
    let slow: RequestHandler = Arc::new(|req: &mut Request| {
        std::thread::sleep(Duration::from_millis(20));
        req.respond(b"")
    });
    let svc = Service::add(
        &conn,
        ServiceConfig {
            endpoint: Some(endpoint("slow", slow)),
            ..config("timed")
        },
    )
    .expect("add");
    let client = ServiceClient::new(&conn);
    for _ in 0..3 {
        client.request("slow", b"").expect("request");
    }
    let s = &svc.stats().endpoints[0];
    assert_eq!(s.num_requests, 3);
    assert!(s.processing_time >= 60_000_000, "{}", s.processing_time);
    assert!(
        s.average_processing_time >= 20_000_000,
        "{}",
        s.average_processing_time
    );
}

#[test]
fn stop_answers_what_was_received_then_runs_done_once() {
    let server = NatsServer::start();
    let conn = connect(&server);
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let started = Arc::new(AtomicUsize::new(0));
    let (g, s) = (gate.clone(), started.clone());
    let blocking: RequestHandler = Arc::new(move |req: &mut Request| {
        s.fetch_add(1, Ordering::SeqCst);
        let (m, cv) = &*g;
        let open = m.lock().unwrap();
        drop(cv.wait_while(open, |o| !*o).unwrap());
        req.respond(b"done")
    });
    let dones = Arc::new(AtomicUsize::new(0));
    let d = dones.clone();
    let svc = Service::add(
        &conn,
        ServiceConfig {
            endpoint: Some(endpoint("block", blocking)),
            done_handler: Some(Arc::new(move |_s: &Service| {
                d.fetch_add(1, Ordering::SeqCst);
            })),
            ..config("stopper")
        },
    )
    .expect("add");
    // The SUB has reached the server before another connection publishes.
    conn.flush_timeout(LONG).unwrap();
    let requester = connect(&server);
    let inbox = requester.new_inbox();
    let replies = requester.subscribe_sync(&inbox, None).expect("inbox");
    for _ in 0..3 {
        requester
            .publish_msg(&nats_rs::client::Message::new("block", Some(&inbox), b""))
            .unwrap();
    }
    // The server has routed all three (the requester's PONG) and written
    // them to the service's connection before its PONG: all are received.
    requester.flush_timeout(LONG).unwrap();
    conn.flush_timeout(LONG).unwrap();
    assert!(wait_until(LONG, || started.load(Ordering::SeqCst) == 1));
    let stopper = {
        let svc = svc.clone();
        std::thread::spawn(move || svc.stop())
    };
    assert!(wait_until(LONG, || svc.is_stopped()));
    {
        let (m, cv) = &*gate;
        *m.lock().unwrap() = true;
        cv.notify_all();
    }
    stopper.join().unwrap().expect("stop");
    assert_eq!(
        dones.load(Ordering::SeqCst),
        1,
        "done handler ran before stop returned"
    );
    for _ in 0..3 {
        assert_eq!(replies.next_msg(LONG).expect("answered").data(), b"done");
    }
    svc.stop().expect("second stop");
    assert_eq!(dones.load(Ordering::SeqCst), 1, "once");
    let err = ServiceClient::new(&requester)
        .request("block", b"")
        .expect_err("stopped");
    assert_eq!(err.effective_status(), Some(ErrorKind::NoResponders));
}

#[test]
fn closing_the_connection_stops_the_service() {
    let server = NatsServer::start();
    let conn = connect(&server);
    let svc = Service::add(
        &conn,
        ServiceConfig {
            endpoint: Some(endpoint("e", echo())),
            ..config("closer")
        },
    )
    .expect("add");
    conn.close();
    svc.run();
    assert!(svc.is_stopped());
    assert!(svc.info().endpoints.is_empty());
}
