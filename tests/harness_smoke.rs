//! Checks the test harness itself (tests/support): a server starts, greets,
//! takes extra configuration, and leaves nothing behind when dropped.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{NatsServer, ServerBuilder};

/// Connects with plain TCP and returns the server's INFO line.
fn info_line(server: &NatsServer) -> String {
    let s = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line).expect("read INFO");
    line
}

#[test]
fn plain_server_starts_and_greets() {
    let server = NatsServer::start();
    assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));
    let info = info_line(&server);
    assert!(info.starts_with("INFO {"), "unexpected greeting: {info}");
    assert!(
        info.contains("\"headers\":true"),
        "server without headers: {info}"
    );
}

#[test]
fn extra_config_is_applied() {
    let server = NatsServer::with_config("max_payload: 1024");
    let info = info_line(&server);
    assert!(
        info.contains("\"max_payload\":1024"),
        "max_payload not applied: {info}"
    );
}

#[test]
fn ping_pong_round_trip() {
    let server = ServerBuilder::new().start();
    let mut s = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    s.write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n")
        .unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "PONG\r\n");
}

#[test]
fn drop_stops_server_and_removes_its_directory() {
    let server = NatsServer::start();
    let dir = server.dir().to_path_buf();
    let port = server.port();
    assert!(dir.join("server.conf").exists());
    drop(server);
    assert!(!dir.exists(), "temp dir left behind: {}", dir.display());
    assert!(
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
            .is_err(),
        "server still accepting on port {port}"
    );
}
