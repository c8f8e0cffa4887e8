//! Authentication against real nats-servers: token handlers, nkeys and
//! decentralized (operator mode) JWT users, accepted with the right
//! credentials and refused with wrong ones.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nats_rs::auth::creds::CredsSource;
use nats_rs::auth::nkeys::{self, KeyPair, KeyType};
use nats_rs::client::{Connection, Error, ErrorKind, Options, Status};
use support::jwt::{server_config, unix_now, Operator};
use support::{unique_temp_dir, wait_until, NatsServer};

const WAIT: Duration = Duration::from_secs(5);

fn opts(server: &NatsServer) -> Options {
    Options {
        url: Some(server.url()),
        reconnect_wait: Duration::from_millis(50),
        ..Options::default()
    }
}

fn connect_err(o: Options) -> Error {
    match Connection::connect(o) {
        Ok(_) => panic!("connect should have been refused"),
        Err(e) => e,
    }
}

fn round_trip(nc: &Connection) {
    let sub = nc.subscribe_sync("auth.echo", None).unwrap();
    nc.publish("auth.echo", b"ok").unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"ok");
}

#[test]
fn token_handler_runs_at_every_connect() {
    let mut server = NatsServer::with_config("authorization { token: \"s3cret\" }");
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut o = opts(&server);
    o.set_token_handler(Some(Arc::new(move || {
        c.fetch_add(1, Ordering::SeqCst);
        Some("s3cret".to_string())
    })))
    .unwrap();
    let nc = Connection::connect(o).expect("token from handler");
    round_trip(&nc);
    server.restart();
    assert!(wait_until(WAIT, || calls.load(Ordering::SeqCst) >= 2
        && nc.status() == Status::Connected));
    round_trip(&nc);

    let mut o = opts(&server);
    o.set_token_handler(Some(Arc::new(|| Some("wrong".to_string()))))
        .unwrap();
    assert_eq!(connect_err(o).kind, ErrorKind::AuthFailed);
}

#[test]
fn token_and_token_handler_exclude_each_other() {
    let mut o = Options::default();
    o.set_token(Some("t".into())).unwrap();
    let e = o.set_token_handler(Some(Arc::new(|| None))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::IllegalState);
}

#[test]
fn refused_on_reconnect_reports_and_gives_up() {
    let mut server = NatsServer::with_config("authorization { token: \"good\" }");
    let tokens = Arc::new(Mutex::new(vec!["bad", "bad", "bad", "good"]));
    let t = tokens.clone();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let e = errors.clone();
    let closed = Arc::new(AtomicUsize::new(0));
    let cl = closed.clone();
    let mut o = opts(&server);
    o.set_token_handler(Some(Arc::new(move || {
        t.lock().unwrap().pop().map(str::to_string)
    })))
    .unwrap();
    o.callbacks.error_cb = Some(Arc::new(move |_, _, err| {
        e.lock().unwrap().push(err.clone())
    }));
    o.callbacks.closed_cb = Some(Arc::new(move |_| {
        cl.fetch_add(1, Ordering::SeqCst);
    }));
    let nc = Connection::connect(o).expect("first token is good");
    server.restart();
    // Refused twice by the same server: the client stops trying.
    assert!(wait_until(WAIT, || closed.load(Ordering::SeqCst) == 1));
    assert_eq!(nc.last_error().map(|e| e.kind), Some(ErrorKind::AuthFailed));
    let errs = errors.lock().unwrap();
    assert!(errs.iter().any(|e| e.kind == ErrorKind::AuthFailed
        && e.text
            .to_ascii_lowercase()
            .contains("authorization violation")));
}

/// A server with one nkey user.
fn nkey_server(user: &KeyPair) -> NatsServer {
    NatsServer::with_config(&format!(
        "authorization {{ users: [ {{ nkey: \"{}\" }} ] }}",
        user.public_key()
    ))
}

#[test]
fn nkey_user_from_seed_file_or_signing_callback() {
    let user = KeyPair::random(KeyType::User).unwrap();
    let server = nkey_server(&user);
    let dir = unique_temp_dir("nkey");
    let seed_file = dir.join("user.nk");
    std::fs::write(&seed_file, format!("{}\n", user.seed())).unwrap();

    let mut o = opts(&server);
    o.set_nkey_from_seed(Some(user.public_key()), seed_file.to_str())
        .unwrap();
    round_trip(&Connection::connect(o).expect("nkey from seed file"));

    let seed = user.seed();
    let mut o = opts(&server);
    o.set_nkey(
        Some(user.public_key()),
        Some(Arc::new(move |nonce: &[u8]| {
            Ok(nkeys::sign_with_seed(&seed, nonce)?.to_vec())
        })),
    )
    .unwrap();
    round_trip(&Connection::connect(o).expect("nkey with callback"));

    // The right public key, signed by another seed.
    let other = KeyPair::random(KeyType::User).unwrap();
    let other_seed = other.seed();
    let mut o = opts(&server);
    o.set_nkey(
        Some(user.public_key()),
        Some(Arc::new(move |nonce: &[u8]| {
            Ok(nkeys::sign_with_seed(&other_seed, nonce)?.to_vec())
        })),
    )
    .unwrap();
    assert_eq!(connect_err(o).kind, ErrorKind::AuthFailed);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn jwt_user_from_creds_file_memory_split_files_and_callbacks() {
    let op = Operator::new("TestOp");
    let acc = op.account("TestAcc");
    let user = acc.user("alice");
    let server = NatsServer::with_config(&server_config(&op, &[&acc]));
    let dir = unique_temp_dir("creds");
    let creds = dir.join("alice.creds");
    std::fs::write(&creds, user.creds()).unwrap();

    let mut o = opts(&server);
    o.set_user_credentials(Some(CredsSource::Files {
        user_or_chained: creds.clone(),
        seed_file: None,
    }));
    let nc = Connection::connect(o).expect("chained .creds file");
    round_trip(&nc);
    // natsConnection_Sign signs with the same seed.
    let sig = nc.sign(b"payload").unwrap();
    assert!(nkeys::verify(&user.key.public_key(), b"payload", &sig).unwrap());

    let mut o = opts(&server);
    o.set_user_credentials(Some(CredsSource::Memory(user.creds().into())));
    round_trip(&Connection::connect(o).expect("creds in memory"));

    let jwt_file = dir.join("alice.jwt");
    let seed_file = dir.join("alice.nk");
    std::fs::write(&jwt_file, &user.jwt).unwrap();
    std::fs::write(&seed_file, user.key.seed()).unwrap();
    let mut o = opts(&server);
    o.set_user_credentials(Some(CredsSource::Files {
        user_or_chained: jwt_file,
        seed_file: Some(seed_file),
    }));
    round_trip(&Connection::connect(o).expect("JWT and seed files"));

    let (jwt, seed) = (user.jwt.clone(), user.key.seed());
    let mut o = opts(&server);
    o.set_user_credentials_callbacks(
        Some(Arc::new(move || Ok(jwt.clone()))),
        Some(Arc::new(move |nonce: &[u8]| {
            Ok(nkeys::sign_with_seed(&seed, nonce)?.to_vec())
        })),
    )
    .unwrap();
    round_trip(&Connection::connect(o).expect("JWT callbacks"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn jwt_users_refused() {
    let op = Operator::new("TestOp");
    let acc = op.account("TestAcc");
    let stranger = Operator::new("Other").account("OtherAcc").user("mallory");
    let expired = acc.user_with("late", Some(unix_now() - 60));
    let revoked_user = acc.user("gone");
    let acc = acc.with_revoked_user(&revoked_user);
    let server = NatsServer::with_config(&server_config(&op, &[&acc]));
    for (who, user) in [
        ("another operator's user", &stranger),
        ("expired user", &expired),
        ("revoked user", &revoked_user),
    ] {
        let mut o = opts(&server);
        o.set_user_credentials(Some(CredsSource::Memory(user.creds().into())));
        let e = connect_err(o);
        assert_eq!(e.kind, ErrorKind::AuthFailed, "{who}: {e}");
    }
    // A missing creds file is reported at connect, naming the file.
    let mut o = opts(&server);
    o.set_user_credentials(Some(CredsSource::Files {
        user_or_chained: "/nonexistent/user.creds".into(),
        seed_file: None,
    }));
    let e = connect_err(o);
    assert!(e.text.contains("/nonexistent/user.creds"), "{e}");
}

#[test]
fn user_expiring_while_connected_is_told_and_closed() {
    let op = Operator::new("TestOp");
    let acc = op.account("TestAcc");
    let server = NatsServer::with_config(&server_config(&op, &[&acc]));
    // Made once the server runs, so its few seconds are not spent starting it.
    let user = acc.user_with("brief", Some(unix_now() + 3));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let e = errors.clone();
    let mut o = opts(&server);
    o.set_user_credentials(Some(CredsSource::Memory(user.creds().into())));
    o.callbacks.error_cb = Some(Arc::new(move |_, _, err| {
        e.lock().unwrap().push(err.clone())
    }));
    let nc = Connection::connect(o).expect("not expired yet");
    round_trip(&nc);
    assert!(wait_until(Duration::from_secs(15), || nc.status() == Status::Closed));
    let errs = errors.lock().unwrap();
    assert!(
        errs.iter()
            .any(|e| e.kind == ErrorKind::AuthFailed
                && e.text.to_ascii_lowercase().contains("expired")),
        "{errs:?}"
    );
}
