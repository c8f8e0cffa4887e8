//! TLS against real nats-servers configured with certificates made for the
//! test run: trust, hostnames, client certificates, TLS-first, ciphers and
//! reconnects.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use support::certs::TestPki;
use support::{wait_until, NatsServer};

const WAIT: Duration = Duration::from_secs(5);

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A server presenting the PKI's server certificate.
fn tls_server(pki: &TestPki, verify_clients: bool) -> NatsServer {
    NatsServer::with_config(&pki.server_tls_block(verify_clients, false))
}

/// Options for `url`, with the system's trust.
fn at(url: String) -> Options {
    Options {
        url: Some(url),
        timeout: Duration::from_secs(3),
        ..Options::default()
    }
}

/// Options trusting the test CA, for `url`.
fn trusting(pki: &TestPki, url: String) -> Options {
    let mut o = at(url);
    o.tls.add_ca_file(path(&pki.ca_pem)).expect("load CA");
    o
}

/// Publishes a small and a large message and checks both come back intact.
fn round_trip(nc: &Connection) {
    let sub = nc.subscribe_sync("tls.echo", None).unwrap();
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i % 253) as u8).collect();
    nc.publish("tls.echo", b"hello").unwrap();
    nc.publish("tls.echo", &big).unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"hello");
    assert!(sub.next_msg(WAIT).unwrap().data() == &big[..]);
}

fn connect_err(o: Options) -> ErrorKind {
    match Connection::connect(o) {
        Ok(_) => panic!("connect should have failed"),
        Err(e) => e.kind,
    }
}

#[test]
fn server_requiring_tls_is_upgraded_and_messages_flow() {
    let pki = TestPki::new();
    let server = tls_server(&pki, false);
    // A nats:// URL: the server's INFO says TLS is required.
    let nc = Connection::connect(trusting(&pki, server.url())).expect("connect");
    round_trip(&nc);
    // Many small messages in order, crossing TLS record boundaries.
    let sub = nc.subscribe_sync("tls.many", None).unwrap();
    for i in 0..5000u32 {
        nc.publish("tls.many", &i.to_be_bytes()).unwrap();
    }
    nc.flush_timeout(WAIT).unwrap();
    for i in 0..5000u32 {
        assert_eq!(sub.next_msg(WAIT).unwrap().data(), &i.to_be_bytes());
    }
    nc.close();
}

#[test]
fn tls_url_and_secure_option_ask_for_tls() {
    let pki = TestPki::new();
    let server = tls_server(&pki, false);
    let url = format!("tls://localhost:{}", server.port());
    round_trip(&Connection::connect(trusting(&pki, url)).expect("tls:// URL"));
    let mut o = trusting(&pki, server.url());
    o.secure = true;
    round_trip(&Connection::connect(o).expect("secure option"));
}

#[test]
fn secure_client_and_plain_server_is_secure_connection_wanted() {
    let server = NatsServer::start();
    let mut o = at(server.url());
    o.secure = true;
    assert_eq!(connect_err(o), ErrorKind::SecureConnectionWanted);
}

#[test]
fn untrusted_certificates_are_refused() {
    let pki = TestPki::new();
    let server = tls_server(&pki, false);
    // Another CA.
    let mut o = at(server.url());
    o.tls.add_ca_file(path(&pki.other_ca_pem)).unwrap();
    assert_eq!(connect_err(o), ErrorKind::SslError);
    // The system roots don't know the test CA.
    let o = at(server.url());
    assert_eq!(connect_err(o), ErrorKind::SslError);
}

#[test]
fn trust_from_a_directory_or_memory() {
    let pki = TestPki::new();
    let server = tls_server(&pki, false);
    let mut o = at(server.url());
    o.tls
        .add_ca_dir(path(pki.ca_pem.parent().unwrap()))
        .expect("CA dir");
    round_trip(&Connection::connect(o).expect("CA from dir"));
    let mut o = at(server.url());
    let pem = std::fs::read_to_string(&pki.ca_pem).unwrap();
    o.tls.add_ca_pem(&pem).expect("CA in memory");
    round_trip(&Connection::connect(o).expect("CA from memory"));
}

#[test]
fn hostname_mismatch_is_refused_unless_expected_or_skipped() {
    let pki = TestPki::new();
    let server = NatsServer::with_config(&pki.wrong_host_tls_block(false, false));
    assert_eq!(
        connect_err(trusting(&pki, server.url())),
        ErrorKind::SslError
    );
    let mut o = trusting(&pki, server.url());
    o.tls
        .set_expected_hostname(Some("wronghost.example".to_string()));
    round_trip(&Connection::connect(o).expect("expected hostname"));
    let mut o = at(server.url());
    o.tls.set_skip_verify(true);
    round_trip(&Connection::connect(o).expect("skip verification"));
}

#[test]
fn verification_callback_decides() {
    let pki = TestPki::new();
    let good = tls_server(&pki, false);
    let bad = NatsServer::with_config(&pki.wrong_host_tls_block(false, false));
    // What the library told the callback: did its own verification pass?
    let seen = Arc::new(Mutex::new(Vec::new()));
    let verdicts = |accept: bool| {
        let seen = seen.clone();
        let cb: nats_rs::tls::VerifyCallback = Arc::new(move |preverify_ok| {
            seen.lock().unwrap().push(preverify_ok);
            accept
        });
        cb
    };
    // A failing verification accepted by the callback.
    let mut o = trusting(&pki, bad.url());
    o.tls.set_verify_callback(Some(verdicts(true)));
    round_trip(&Connection::connect(o).expect("callback accepts"));
    // A passing verification refused by it.
    let mut o = trusting(&pki, good.url());
    o.tls.set_verify_callback(Some(verdicts(false)));
    assert_eq!(connect_err(o), ErrorKind::SslError);
    assert_eq!(*seen.lock().unwrap(), [false, true]);
}

#[test]
fn server_verifying_clients_needs_a_client_certificate() {
    let pki = TestPki::new();
    let server = tls_server(&pki, true);
    // No client certificate.
    let err = connect_err(trusting(&pki, server.url()));
    assert!(
        matches!(err, ErrorKind::SslError | ErrorKind::IoError),
        "{err:?}"
    );
    // From files.
    let mut o = trusting(&pki, server.url());
    o.tls
        .set_client_chain_files(path(&pki.client_cert), path(&pki.client_key))
        .unwrap();
    round_trip(&Connection::connect(o).expect("client cert files"));
    // From memory.
    let mut o = trusting(&pki, server.url());
    let cert = std::fs::read_to_string(&pki.client_cert).unwrap();
    let key = std::fs::read_to_string(&pki.client_key).unwrap();
    o.tls.set_client_chain_pem(&cert, &key).unwrap();
    round_trip(&Connection::connect(o).expect("client cert in memory"));
    // Read at handshake time.
    let mut o = trusting(&pki, server.url());
    o.tls
        .set_client_chain_dynamic(path(&pki.client_cert), path(&pki.client_key))
        .unwrap();
    round_trip(&Connection::connect(o).expect("client cert loaded at connect"));
}

#[test]
fn tls_handshake_first() {
    let pki = TestPki::new();
    let server = NatsServer::with_config(&pki.server_tls_block(false, true));
    let mut o = trusting(&pki, server.url());
    o.tls_handshake_first = true;
    round_trip(&Connection::connect(o).expect("TLS first"));
    // A client waiting for INFO in clear text gets nothing: it fails, without hanging.
    let mut o = trusting(&pki, server.url());
    o.timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    let err = Connection::connect(o).map(|_| ()).unwrap_err();
    // The connect timeout ends the wait, well before the server's own
    // 2 s TLS handshake timeout would.
    assert!(started.elapsed() < Duration::from_millis(1500), "{err}");
}

#[test]
fn cipher_choices() {
    let pki = TestPki::new();
    let server = tls_server(&pki, false);
    let mut o = trusting(&pki, server.url());
    o.tls
        .set_cipher_suites("TLS_CHACHA20_POLY1305_SHA256")
        .expect("TLS 1.3 suite");
    round_trip(&Connection::connect(o).expect("one TLS 1.3 suite"));
    let mut o = Options::default();
    // The status a program sees: TLS errors become the client's SslError.
    let status = |e: nats_rs::tls::TlsError| nats_rs::client::Error::from(e).kind;
    assert_eq!(
        status(o.tls.set_ciphers("RC4-MD5").unwrap_err()),
        ErrorKind::SslError
    );
    assert_eq!(
        status(o.tls.set_cipher_suites("NOT_A_SUITE").unwrap_err()),
        ErrorKind::SslError
    );
}

#[test]
fn reconnect_repeats_the_handshake() {
    let pki = TestPki::new();
    let mut server = tls_server(&pki, false);
    let reconnected = Arc::new(AtomicUsize::new(0));
    let mut o = trusting(&pki, server.url());
    o.reconnect_wait = Duration::from_millis(50);
    o.reconnect_jitter_tls = Duration::from_millis(10);
    let r = reconnected.clone();
    o.callbacks.reconnected_cb = Some(Arc::new(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    let nc = Connection::connect(o).expect("connect");
    round_trip(&nc);
    server.restart();
    assert!(wait_until(WAIT, || reconnected.load(Ordering::SeqCst) == 1));
    round_trip(&nc);
    nc.close();
}

#[test]
fn discovered_servers_keep_tls() {
    let pki = TestPki::new();
    let mut cluster = support::Cluster::builder(2)
        .config(&pki.server_tls_block(false, false))
        .start();
    let reconnected = Arc::new(AtomicUsize::new(0));
    // Only the first node is configured; the second one is announced.
    let mut o = trusting(&pki, cluster.nodes()[0].url());
    o.reconnect_wait = Duration::from_millis(50);
    let r = reconnected.clone();
    o.callbacks.reconnected_cb = Some(Arc::new(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    let nc = Connection::connect(o).expect("connect");
    round_trip(&nc);
    cluster.node(0).stop();
    assert!(wait_until(WAIT, || reconnected.load(Ordering::SeqCst) == 1));
    let second = format!(":{}", cluster.nodes()[1].port());
    assert!(nc.connected_url().unwrap_or_default().ends_with(&second));
    round_trip(&nc);
    nc.close();
}
