//! Faults the core client must report cleanly (before reconnect exists):
//! a hung server, a killed server, rejected credentials.
mod support;

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::unbounded;
use nats_rs::client::{Callbacks, Connection, ErrorKind, Options};
use support::NatsServer;

const WAIT: Duration = Duration::from_secs(10);

/// Options whose closed and disconnected callbacks report on channels.
fn watched(url: String) -> (Options, crossbeam_channel::Receiver<&'static str>) {
    let (tx, rx) = unbounded();
    let tx2 = tx.clone();
    let opts = Options {
        url: Some(url),
        callbacks: Callbacks {
            closed_cb: Some(Arc::new(move |_| {
                let _ = tx.send("closed");
            })),
            disconnected_cb: Some(Arc::new(move |_| {
                let _ = tx2.send("disconnected");
            })),
            ..Callbacks::default()
        },
        ..Options::default()
    };
    (opts, rx)
}

#[test]
fn hung_server_is_detected_by_unanswered_pings() {
    let server = NatsServer::start();
    let (mut opts, events) = watched(server.url());
    opts.allow_reconnect = false;
    opts.ping_interval = Duration::from_millis(100);
    opts.max_pings_out = 2;
    let nc = Connection::connect(opts).unwrap();
    server.pause();
    assert_eq!(events.recv_timeout(WAIT).unwrap(), "disconnected");
    assert_eq!(events.recv_timeout(WAIT).unwrap(), "closed");
    server.resume();
    assert!(nc.is_closed());
    assert_eq!(nc.last_error().unwrap().kind, ErrorKind::StaleConnection);
    assert!(
        events.recv_timeout(Duration::from_millis(200)).is_err(),
        "callbacks ran more than once"
    );
}

#[test]
fn killed_server_closes_the_connection_once_without_reconnect() {
    let mut server = NatsServer::start();
    let (mut opts, events) = watched(server.url());
    opts.allow_reconnect = false;
    let nc = Connection::connect(opts).unwrap();
    let sub = nc.subscribe_sync("x", None).unwrap();
    server.stop();
    assert_eq!(events.recv_timeout(WAIT).unwrap(), "disconnected");
    assert_eq!(events.recv_timeout(WAIT).unwrap(), "closed");
    assert_eq!(
        nc.publish("x", b"late").unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert_eq!(
        sub.next_msg(WAIT).unwrap_err().kind,
        ErrorKind::ConnectionClosed
    );
    assert!(events.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn credentials_from_url_or_options() {
    let server = NatsServer::with_config("authorization { user: derek, password: s3cret }");
    let plain = format!("nats://127.0.0.1:{}", server.port());

    let e = Connection::connect(Options {
        url: Some(plain.clone()),
        ..Options::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AuthFailed, "{e}");

    let in_url = format!("nats://derek:s3cret@127.0.0.1:{}", server.port());
    Connection::connect(Options {
        url: Some(in_url),
        ..Options::default()
    })
    .unwrap()
    .close();

    let opts = Options {
        url: Some(plain),
        user: Some("derek".into()),
        password: Some("s3cret".into()),
        ..Options::default()
    };
    Connection::connect(opts).unwrap().close();
}

#[test]
fn token_authentication() {
    let server = NatsServer::with_config("authorization { token: t0k3n }");
    let url = format!("nats://t0k3n@127.0.0.1:{}", server.port());
    Connection::connect(Options {
        url: Some(url),
        ..Options::default()
    })
    .unwrap()
    .close();
    let opts = Options {
        url: Some(server.url()),
        token: Some("wrong".into()),
        ..Options::default()
    };
    assert_eq!(
        Connection::connect(opts).unwrap_err().kind,
        ErrorKind::AuthFailed
    );
}

#[test]
fn nothing_listening_is_no_server() {
    let port = support::free_port();
    let opts = Options {
        url: Some(format!("nats://127.0.0.1:{port}")),
        timeout: Duration::from_millis(500),
        ..Options::default()
    };
    assert_eq!(
        Connection::connect(opts).unwrap_err().kind,
        ErrorKind::NoServer
    );
}
