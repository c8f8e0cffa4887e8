//! Checks the test harness itself (tests/support): a server starts, greets,
//! takes extra configuration, restarts on its port, enters lame duck mode,
//! forms a cluster, and leaves nothing behind when dropped.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{connect_urls, read_info, wait_until, Cluster, NatsServer, ServerBuilder};

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

#[test]
fn restart_on_same_port_twice() {
    let mut server = NatsServer::builder().config("max_payload: 2048").start();
    let port = server.port();
    let first_pid = server.pid().expect("pid");
    for _ in 0..2 {
        // A client connected across the restart, so the old port has
        // connections to tear down (TIME_WAIT) when the server is killed.
        let _old = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        server.restart();
        assert_eq!(server.port(), port);
        assert_ne!(server.pid(), Some(first_pid));
        let info = info_line(&server);
        assert!(
            info.contains("\"max_payload\":2048"),
            "config lost on restart: {info}"
        );
    }
}

#[test]
fn restart_after_stop() {
    let mut server = NatsServer::start();
    server.stop();
    assert!(server.pid().is_none());
    assert!(
        read_info(server.port()).is_err(),
        "stopped server still greets"
    );
    server.restart();
    assert!(read_info(server.port()).is_ok());
}

#[test]
fn three_node_cluster_advertises_all_client_urls() {
    let mut cluster = Cluster::start(3);
    let urls = cluster.urls();
    assert_eq!(urls.len(), 3);
    let info = info_line(cluster.node(0));
    let mut have = connect_urls(&info);
    have.sort();
    let mut want: Vec<String> = urls
        .iter()
        .map(|u| u.trim_start_matches("nats://").to_string())
        .collect();
    want.sort();
    assert_eq!(have, want, "connect_urls of node 0: {info}");
}

#[test]
fn cluster_node_restart_rejoins() {
    let mut cluster = Cluster::start(3);
    cluster.node(1).restart();
    cluster.wait_routes();
}

#[test]
fn lame_duck_single_server() {
    let mut server = ServerBuilder::new().fast_lame_duck().start();
    // A client keeps the server busy until the grace period is over.
    let s = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    (&s).write_all(b"CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
        .unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "PONG\r\n");

    let t0 = Instant::now();
    server.lame_duck();
    assert!(
        wait_until(Duration::from_secs(5), || server
            .log()
            .contains("Entering lame duck mode")),
        "no lame duck in the log:\n{}",
        server.log()
    );
    // The connected client is told (an INFO with "ldm":true; other INFO
    // updates may come first).
    let mut seen = Vec::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("no lame duck INFO before the connection ended: {seen:?}");
        }
        if line.starts_with("INFO ") && line.contains("\"ldm\":true") {
            break;
        }
        seen.push(line.clone());
    }
    assert!(
        server.wait_exit(Duration::from_secs(5)),
        "server did not exit after lame duck:\n{}",
        server.log()
    );
    eprintln!("lame duck: server gone after {:?}", t0.elapsed());
}
