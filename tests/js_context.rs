//! The JetStream context against a real `nats-server -js`: the API prefix
//! and domain reach the server, and account information comes back.
mod support;

use nats_rs::client::{Connection, ErrorKind, Options};
use nats_rs::jetstream::error::codes;
use nats_rs::jetstream::{JetStream, JsOptions};
use support::NatsServer;

fn connect(server: &NatsServer) -> Connection {
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    Connection::connect(opts).expect("connect")
}

#[test]
fn account_info_of_a_fresh_account() {
    let server = NatsServer::builder().jetstream().start();
    let js = JetStream::new(connect(&server), JsOptions::default()).unwrap();
    let info = js.account_info().expect("account info");
    assert_eq!(info.streams, 0);
    assert_eq!(info.consumers, 0);
    // A server without account limits reports them as unlimited.
    assert_eq!(info.limits.max_streams, -1);
}

#[test]
fn a_server_without_jetstream_is_not_enabled() {
    let server = NatsServer::start();
    let js = JetStream::new(connect(&server), JsOptions::default()).unwrap();
    let e = js.account_info().unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoResponders);
    assert_eq!(e.code, codes::JETSTREAM_NOT_ENABLED);
}

#[test]
fn a_domain_selects_that_domains_api() {
    let server = NatsServer::builder()
        .config("jetstream { domain: hub }")
        .start();
    let conn = connect(&server);
    let hub = JsOptions {
        domain: "hub".into(),
        ..JsOptions::default()
    };
    let info = JetStream::new(conn.clone(), hub).unwrap().account_info();
    assert_eq!(info.expect("account info in domain hub").domain, "hub");
    let elsewhere = JsOptions {
        domain: "elsewhere".into(),
        ..JsOptions::default()
    };
    let e = JetStream::new(conn, elsewhere)
        .unwrap()
        .account_info()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoResponders);
}

#[test]
fn per_call_options_select_another_domain() {
    let server = NatsServer::builder()
        .config("jetstream { domain: hub }")
        .start();
    let elsewhere = JsOptions {
        domain: "elsewhere".into(),
        ..JsOptions::default()
    };
    let js = JetStream::new(connect(&server), elsewhere).unwrap();
    assert_eq!(js.account_info().unwrap_err().kind, ErrorKind::NoResponders);
    let hub = js.with_call("", "hub", None);
    assert_eq!(hub.prefix(), "$JS.hub.API");
    assert_eq!(hub.account_info().unwrap().domain, "hub");
    // The original context is unchanged.
    assert_eq!(js.prefix(), "$JS.elsewhere.API");
}
