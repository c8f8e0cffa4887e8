//! A scripted fake NATS server that misbehaves on purpose.
//!
//! [`Hostile`] listens on a free loopback port, plays the handshake (an INFO
//! it is given, then waits for the client's `CONNECT` and `PING` and answers
//! `PONG`, or deviates as told), then runs a script of [`Step`]s: send bytes,
//! pause, wait for a client line, stop reading, close, reset, accept the next
//! connection, flood. Everything the client writes is recorded, and the sids
//! of its `SUB` lines are remembered so that a script can address them
//! (`{sid}` in sent bytes is replaced by the last sid seen).
//!
//! A test that needs decisions a script cannot express (answer each line,
//! act on the n-th reconnection) uses [`HostileBuilder::serve`] instead: every
//! accepted connection is greeted with the INFO and handed to a closure as a
//! [`Peer`], on a thread of its own; the connection closes when it returns.
//!
//! Nothing here can hang a test: every wait has a deadline (a [`Peer`]'s
//! waits end when the client closes or the server is dropped), every socket
//! operation a short timeout, and dropping the server stops its threads.
//! [`isolated`] runs a test body in a child process, so that an abort in the
//! library (a huge allocation) fails that one test, not the whole binary.
//!
//! Only the standard library is used here.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one step (a wait, a write) may take before the script gives up.
pub const STEP_DEADLINE: Duration = Duration::from_secs(10);
/// `max_payload` of the default INFO, nats-server's default.
pub const MAX_PAYLOAD: usize = 1_048_576;

/// Socket timeouts: short, so that the threads notice the stop flag.
const READ_POLL: Duration = Duration::from_millis(20);
const WRITE_POLL: Duration = Duration::from_millis(50);

/// One thing the server does after the handshake.
#[derive(Debug, Clone)]
pub enum Step {
    /// Writes these bytes (`{sid}` replaced by the last sid seen).
    Send(Vec<u8>),
    /// Waits, then writes.
    SendAfter(Duration, Vec<u8>),
    /// Writes one byte at a time with this pause between bytes.
    Trickle(Vec<u8>, Duration),
    /// Waits until the client has written a control line starting with this
    /// prefix, after the last line a wait matched on this connection.
    WaitLine(String),
    /// Waits until the client has written at least this many bytes on this
    /// connection (for input that is not lines, such as a TLS hello).
    WaitBytes(usize),
    /// Sleeps.
    Pause(Duration),
    /// Stops reading the connection (the client's writes then back up);
    /// PINGs are no longer answered either.
    StopReading,
    /// Closes the connection normally (FIN).
    Close,
    /// Closes the connection with SO_LINGER 0, which sends a TCP reset.
    Reset,
    /// Accepts the next connection and plays the default handshake on it
    /// (the client reconnecting).
    Accept,
    /// Writes this many copies of these bytes (`{sid}` replaced).
    Flood(Vec<u8>, usize),
}

/// How the handshake goes; [`Greeting::default`] is a well-behaved server.
#[derive(Debug, Clone)]
pub struct Greeting {
    /// The whole first line(s) sent on accept; `None`: send nothing and do
    /// not wait for the client either.
    pub info: Option<Vec<u8>>,
    /// Sent once the client's `PING` arrived; `None`: stay silent.
    pub reply: Option<Vec<u8>>,
    /// Sends the INFO one byte at a time with this pause between bytes.
    pub trickle: Option<Duration>,
    /// Waits for the client's `PING` after the INFO; `false`: the script
    /// starts right after the INFO.
    pub wait_ping: bool,
}

impl Default for Greeting {
    fn default() -> Self {
        Greeting {
            info: Some(Vec::new()), // filled in with the default INFO at start
            reply: Some(b"PONG\r\n".to_vec()),
            trickle: None,
            wait_ping: true,
        }
    }
}

/// The INFO line a sane server sends, with `extra` (JSON members, e.g.
/// `"connect_urls":["a:1"]`, or empty) added.
pub fn default_info(port: u16, extra: &str) -> Vec<u8> {
    info_with(port, MAX_PAYLOAD as i64, extra)
}

/// [`default_info`] announcing this `max_payload` (any value, 0 and
/// negative ones included).
pub fn info_with(port: u16, max_payload: i64, extra: &str) -> Vec<u8> {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        "INFO {{\"server_id\":\"NHOSTILE\",\"server_name\":\"hostile\",\
         \"version\":\"2.10.0\",\"proto\":1,\"go\":\"go1.22\",\
         \"host\":\"127.0.0.1\",\"port\":{port},\"headers\":true,\
         \"max_payload\":{max_payload}{sep}{extra}}}\r\n"
    )
    .into_bytes()
}

/// What [`HostileBuilder::serve`] runs for each accepted connection.
type Handler = Arc<dyn Fn(&mut Peer) + Send + Sync>;

/// Describes a hostile server before it starts.
#[derive(Debug, Clone, Default)]
pub struct HostileBuilder {
    greeting: Greeting,
    info_extra: String,
    script: Vec<Step>,
    no_auto_pong: bool,
    max_payload: Option<i64>,
}

impl HostileBuilder {
    /// Adds JSON members to the default INFO (ignored with [`Self::info`]).
    pub fn info_extra(mut self, extra: &str) -> Self {
        self.info_extra = extra.to_string();
        self
    }

    /// Sends these bytes instead of the default INFO (they should end with
    /// CRLF to be a line).
    pub fn info(mut self, raw: &[u8]) -> Self {
        self.greeting.info = Some(raw.to_vec());
        self
    }

    /// Sends no INFO at all: the client hears nothing.
    pub fn no_info(mut self) -> Self {
        self.greeting.info = None;
        self
    }

    /// Answers the handshake's PING with these bytes instead of `PONG`.
    pub fn reply(mut self, raw: &[u8]) -> Self {
        self.greeting.reply = Some(raw.to_vec());
        self
    }

    /// Does not answer the handshake's PING.
    pub fn no_reply(mut self) -> Self {
        self.greeting.reply = None;
        self
    }

    /// Announces this `max_payload` in the default INFO (ignored with
    /// [`Self::info`]).
    pub fn max_payload(mut self, max: i64) -> Self {
        self.max_payload = Some(max);
        self
    }

    /// Sends the INFO and plays no more of the handshake: the script starts
    /// right after it (for a client that fails before its `CONNECT`).
    pub fn info_only(mut self) -> Self {
        self.greeting.wait_ping = false;
        self
    }

    /// Sends the INFO one byte at a time.
    pub fn trickle_info(mut self, pause: Duration) -> Self {
        self.greeting.trickle = Some(pause);
        self
    }

    /// Leaves the client's PINGs after the handshake unanswered.
    pub fn no_auto_pong(mut self) -> Self {
        self.no_auto_pong = true;
        self
    }

    /// Appends one step to the script.
    pub fn step(mut self, s: Step) -> Self {
        self.script.push(s);
        self
    }

    /// Appends steps to the script.
    pub fn steps(mut self, s: impl IntoIterator<Item = Step>) -> Self {
        self.script.extend(s);
        self
    }

    pub fn start(self) -> Hostile {
        self.launch(None)
    }

    /// Starts a server that, instead of the script, greets every connection
    /// it accepts with the INFO and then hands it to `handler` on a thread
    /// of its own; the connection closes when `handler` returns. The
    /// handshake is `handler`'s to play ([`Peer::handshake`]).
    pub fn serve(self, handler: impl Fn(&mut Peer) + Send + Sync + 'static) -> Hostile {
        self.launch(Some(Arc::new(handler)))
    }

    fn launch(self, handler: Option<Handler>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let port = listener.local_addr().expect("local_addr").port();
        let info = info_with(
            port,
            self.max_payload.unwrap_or(MAX_PAYLOAD as i64),
            &self.info_extra,
        );
        let mut first = self.greeting.clone();
        if first.info.as_ref().is_some_and(Vec::is_empty) {
            first.info = Some(info.clone());
        }
        let later = Greeting {
            info: Some(info),
            ..Greeting::default()
        };
        let shared = Arc::new(Shared::default());
        let sh = shared.clone();
        let plan = Plan {
            first,
            later,
            script: self.script,
            auto_pong: !self.no_auto_pong,
        };
        let body = move || match handler {
            Some(h) => serve(&listener, &plan, &h, &sh),
            None => run(listener, plan, &sh),
        };
        let thread = std::thread::Builder::new()
            .name("hostile-server".into())
            .spawn(body)
            .expect("spawn hostile server thread");
        Hostile {
            port,
            shared,
            thread: Some(thread),
        }
    }
}

/// What a test can observe of the server, shared with its threads.
#[derive(Default)]
struct Shared {
    log: Mutex<Log>,
    cv: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Waits until `cond` holds on the log or `timeout` passes (or the
    /// server stops); returns what `cond` returned last.
    /// A `timeout` too large for an `Instant` (`Duration::MAX`) waits until
    /// the server stops.
    fn wait<T>(&self, timeout: Duration, mut cond: impl FnMut(&mut Log) -> Option<T>) -> Option<T> {
        let deadline = Instant::now().checked_add(timeout);
        let mut log = self.lock();
        loop {
            if let Some(v) = cond(&mut log) {
                return Some(v);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) || self.stopped() {
                return None;
            }
            // Bounded, so that a stop is noticed without a notification.
            let left = deadline.map_or(READ_POLL, |d| (d - now).min(READ_POLL));
            log = self
                .cv
                .wait_timeout(log, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// What happened on the server, for assertions.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// One entry per accepted connection, in order.
    pub conns: Vec<ConnLog>,
    /// Sids of every `SUB` the client sent, in order, over all connections.
    pub sids: Vec<String>,
    /// Steps that could not be completed (missed deadline, broken socket).
    pub failures: Vec<String>,
    /// The script ran to its end (or stopped at a failure); never set by a
    /// server started with [`HostileBuilder::serve`].
    pub done: bool,
}

/// What the client wrote on one connection.
#[derive(Debug, Default, Clone)]
pub struct ConnLog {
    /// Every byte, as received.
    pub raw: Vec<u8>,
    /// The control lines (payloads of PUB/HPUB skipped), without CRLF.
    pub lines: Vec<String>,
    /// Lines up to here were matched by a `WaitLine` (or the handshake).
    matched: usize,
    /// Unparsed tail of `raw`, and payload bytes still to skip.
    pending: Vec<u8>,
    skip: usize,
    /// The client closed its side.
    pub eof: bool,
}

impl ConnLog {
    /// Adds received bytes; returns how many new `PING` lines they held.
    fn feed(&mut self, bytes: &[u8], sids: &mut Vec<String>) -> usize {
        self.raw.extend_from_slice(bytes);
        self.pending.extend_from_slice(bytes);
        let mut pings = 0;
        let mut at = 0;
        loop {
            if self.skip > 0 {
                let n = self.skip.min(self.pending.len() - at);
                at += n;
                self.skip -= n;
                if self.skip > 0 {
                    break;
                }
            }
            let Some(lf) = self.pending[at..].iter().position(|&b| b == b'\n') else {
                break;
            };
            let raw_line = &self.pending[at..at + lf];
            let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
            let line = String::from_utf8_lossy(raw_line).into_owned();
            at += lf + 1;
            let mut words = line.split_ascii_whitespace();
            let op = words.next().unwrap_or("").to_ascii_uppercase();
            let last = line.split_ascii_whitespace().last().unwrap_or("");
            match op.as_str() {
                // The size is the last argument; the body and its CRLF follow.
                "PUB" | "HPUB" => self.skip = last.parse::<usize>().unwrap_or(0) + 2,
                "SUB" => sids.push(last.to_string()),
                "PING" => pings += 1,
                _ => {}
            }
            self.lines.push(line);
        }
        self.pending.drain(..at);
        pings
    }

    /// Finds the next unmatched line starting with `prefix` and marks it
    /// (and those before it) matched.
    fn take_line(&mut self, prefix: &str) -> Option<String> {
        let i = self.lines[self.matched..]
            .iter()
            .position(|l| l.starts_with(prefix))?;
        self.matched += i + 1;
        Some(self.lines[self.matched - 1].clone())
    }

    /// How many control lines are exactly `line`.
    pub fn count(&self, line: &str) -> usize {
        self.lines.iter().filter(|l| l.as_str() == line).count()
    }
}

/// A running hostile server; dropping it stops it.
pub struct Hostile {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    pub fn builder() -> HostileBuilder {
        HostileBuilder::default()
    }

    /// A server with the default handshake and this script.
    pub fn start(script: impl IntoIterator<Item = Step>) -> Hostile {
        HostileBuilder::default().steps(script).start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nats://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A copy of everything recorded so far.
    pub fn log(&self) -> Log {
        self.shared.lock().clone()
    }

    /// The sid of the last `SUB` the client sent, if any.
    pub fn sid(&self) -> Option<String> {
        self.shared.lock().sids.last().cloned()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().conns.len()
    }

    /// Waits until `cond` holds on the log; false after `timeout`.
    pub fn wait_for(&self, timeout: Duration, mut cond: impl FnMut(&Log) -> bool) -> bool {
        self.shared
            .wait(timeout, |log| cond(log).then_some(()))
            .is_some()
    }

    /// Waits until the script ran to its end; false after `timeout`.
    pub fn wait_done(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |l| l.done)
    }

    /// Steps that failed (empty when the script went as written).
    pub fn failures(&self) -> Vec<String> {
        self.shared.lock().failures.clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The handshakes and the script, as the server thread runs them.
struct Plan {
    first: Greeting,
    later: Greeting,
    script: Vec<Step>,
    auto_pong: bool,
}

/// One accepted connection: a writer shared with the reader thread (which
/// answers PINGs) and the reader thread recording what the client writes.
struct Live {
    index: usize,
    writer: Arc<Mutex<TcpStream>>,
    reader_stop: Arc<AtomicBool>,
    /// Whether the reader thread answers PINGs now.
    pong_on: Arc<AtomicBool>,
    /// Whether it should once the handshake is done.
    auto_pong: bool,
    reader: Option<JoinHandle<()>>,
}

impl Live {
    /// Stops the reader thread and waits for it (it polls every 20 ms).
    fn stop_reading(&mut self) {
        self.reader_stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }

    fn shutdown(&mut self) {
        let _ = lock(&self.writer).shutdown(Shutdown::Both);
        self.stop_reading();
    }

    fn reset(mut self) {
        self.stop_reading();
        set_linger_zero(&lock(&self.writer));
        // The last handle goes here, so the close sends the reset.
    }
}

fn lock(w: &Mutex<TcpStream>) -> MutexGuard<'_, TcpStream> {
    w.lock().unwrap_or_else(|p| p.into_inner())
}

/// The server thread: the first handshake, the script, then it keeps the
/// connection open (still recording) until the server is dropped.
fn run(listener: TcpListener, plan: Plan, sh: &Arc<Shared>) {
    let mut live = match accept(&listener, sh, plan.auto_pong) {
        Ok(l) => Some(l),
        Err(e) => {
            fail(sh, e);
            None
        }
    };
    let mut ok = live.is_some();
    if let Some(l) = live.as_ref() {
        if let Err(e) = handshake(l, &plan.first, sh) {
            fail(sh, e);
        }
    }
    for step in &plan.script {
        if !ok || sh.stopped() {
            break;
        }
        if let Err(e) = do_step(step, &mut live, &listener, &plan, sh) {
            fail(sh, format!("{step:?}: {e}"));
            ok = false;
        }
    }
    sh.lock().done = true;
    sh.cv.notify_all();
    while !sh.stopped() {
        std::thread::sleep(READ_POLL);
    }
    if let Some(mut l) = live {
        l.shutdown();
    }
}

fn fail(sh: &Shared, e: String) {
    sh.lock().failures.push(e);
    sh.cv.notify_all();
}

fn do_step(
    step: &Step,
    live: &mut Option<Live>,
    listener: &TcpListener,
    plan: &Plan,
    sh: &Arc<Shared>,
) -> Result<(), String> {
    let deadline = Instant::now() + STEP_DEADLINE;
    if let Step::Accept = step {
        if let Some(mut old) = live.take() {
            old.shutdown();
        }
        let l = accept(listener, sh, plan.auto_pong)?;
        handshake(&l, &plan.later, sh)?;
        *live = Some(l);
        return Ok(());
    }
    if let Step::Pause(d) = step {
        sleep_unless_stopped(*d, sh);
        return Ok(());
    }
    let l = live.as_mut().ok_or("no connection")?;
    match step {
        Step::Send(b) => write_all(&lock(&l.writer), &subst(b, sh), sh, deadline),
        Step::SendAfter(d, b) => {
            sleep_unless_stopped(*d, sh);
            write_all(&lock(&l.writer), &subst(b, sh), sh, deadline)
        }
        Step::Trickle(b, pause) => trickle(&lock(&l.writer), &subst(b, sh), *pause, sh),
        Step::WaitLine(prefix) => wait_line(l.index, prefix, sh),
        Step::WaitBytes(n) => sh
            .wait(STEP_DEADLINE, |log| {
                (log.conns[l.index].raw.len() >= *n).then_some(())
            })
            .ok_or_else(|| format!("the client sent fewer than {n} bytes")),
        Step::StopReading => {
            l.stop_reading();
            Ok(())
        }
        Step::Close => {
            if let Some(mut l) = live.take() {
                l.shutdown();
            }
            Ok(())
        }
        Step::Reset => {
            if let Some(l) = live.take() {
                l.reset();
            }
            Ok(())
        }
        Step::Flood(b, count) => {
            let one = subst(b, sh);
            // Copies go out in chunks of about 64 KiB: few writes, bounded memory.
            let per_chunk = (64 * 1024 / one.len().max(1)).clamp(1, (*count).max(1));
            let chunk = one.repeat(per_chunk);
            let mut left = *count;
            while left > 0 {
                let n = left.min(per_chunk);
                // Locked per chunk: PONGs may go out between whole copies.
                write_all(&lock(&l.writer), &chunk[..n * one.len()], sh, deadline)?;
                left -= n;
            }
            Ok(())
        }
        Step::Accept | Step::Pause(_) => Ok(()),
    }
}

/// Accepts the next connection (polling the non-blocking listener until the
/// deadline) and starts its reader thread.
fn accept(listener: &TcpListener, sh: &Arc<Shared>, auto_pong: bool) -> Result<Live, String> {
    let stream = next_client(listener, sh, Instant::now() + STEP_DEADLINE)?;
    open(stream, sh, auto_pong)
}

/// Polls the non-blocking listener until a client connects, the deadline
/// passes or the server stops.
fn next_client(
    listener: &TcpListener,
    sh: &Shared,
    deadline: Instant,
) -> Result<TcpStream, String> {
    loop {
        match listener.accept() {
            Ok((s, _)) => return Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline || sh.stopped() {
                    return Err("no client connected in time".into());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("accept: {e}")),
        }
    }
}

/// Records a new connection and starts its reader thread.
fn open(stream: TcpStream, sh: &Arc<Shared>, auto_pong: bool) -> Result<Live, String> {
    stream
        .set_nonblocking(false)
        .map_err(|e| format!("blocking socket: {e}"))?;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(READ_POLL));
    let _ = stream.set_write_timeout(Some(WRITE_POLL));
    let read_half = stream
        .try_clone()
        .map_err(|e| format!("clone socket: {e}"))?;
    let writer = Arc::new(Mutex::new(stream));
    let index = {
        let mut log = sh.lock();
        log.conns.push(ConnLog::default());
        log.conns.len() - 1
    };
    let reader_stop = Arc::new(AtomicBool::new(false));
    // Off until the handshake is done: its PING is answered by the greeting.
    let pong_on = Arc::new(AtomicBool::new(false));
    let (w, stop, pong, sh2) = (
        writer.clone(),
        reader_stop.clone(),
        pong_on.clone(),
        sh.clone(),
    );
    let reader = std::thread::Builder::new()
        .name("hostile-reader".into())
        .spawn(move || read_loop(read_half, index, &w, &stop, &pong, &sh2))
        .map_err(|e| format!("spawn reader: {e}"))?;
    Ok(Live {
        index,
        writer,
        reader_stop,
        pong_on,
        auto_pong,
        reader: Some(reader),
    })
}

/// Records what the client writes on connection `index`, answering its
/// PINGs once `pong_on` is set, until stopped or the client closes.
fn read_loop(
    mut s: TcpStream,
    index: usize,
    writer: &Mutex<TcpStream>,
    stop: &AtomicBool,
    pong_on: &AtomicBool,
    sh: &Shared,
) {
    let mut buf = vec![0u8; 64 * 1024];
    // PINGs seen but not answered yet: the answer waits while a step holds
    // the writer (mid-message), and the reading goes on meanwhile.
    let mut owed = 0usize;
    while !stop.load(Ordering::SeqCst) && !sh.stopped() {
        if owed > 0 && pong_on.load(Ordering::SeqCst) {
            if let Ok(w) = writer.try_lock() {
                let pongs = b"PONG\r\n".repeat(owed);
                let _ = write_all(&w, &pongs, sh, Instant::now() + STEP_DEADLINE);
                owed = 0;
            }
        }
        match s.read(&mut buf) {
            Ok(0) => {
                sh.lock().conns[index].eof = true;
                sh.cv.notify_all();
                return;
            }
            Ok(n) => {
                let pings = {
                    let mut log = sh.lock();
                    let Log { conns, sids, .. } = &mut *log;
                    conns[index].feed(&buf[..n], sids)
                };
                sh.cv.notify_all();
                if pong_on.load(Ordering::SeqCst) {
                    owed += pings;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => {
                sh.lock().conns[index].eof = true;
                sh.cv.notify_all();
                return;
            }
        }
    }
}

/// Sends the INFO, waits for the client's PING, sends the reply; then
/// answers later PINGs if the plan says so.
fn handshake(l: &Live, g: &Greeting, sh: &Shared) -> Result<(), String> {
    let Some(info) = &g.info else {
        return Ok(());
    };
    let deadline = Instant::now() + STEP_DEADLINE;
    match g.trickle {
        Some(p) => trickle(&lock(&l.writer), info, p, sh)?,
        None => write_all(&lock(&l.writer), info, sh, deadline)?,
    }
    if !g.wait_ping {
        return Ok(());
    }
    wait_line(l.index, "PING", sh)?;
    if let Some(reply) = &g.reply {
        write_all(&lock(&l.writer), reply, sh, deadline)?;
        l.pong_on.store(l.auto_pong, Ordering::SeqCst);
    }
    Ok(())
}

/// The accept loop of [`HostileBuilder::serve`]: every connection is greeted
/// with the INFO and handed to the handler on a thread of its own, until the
/// server stops; then it waits for the handlers.
fn serve(listener: &TcpListener, plan: &Plan, handler: &Handler, sh: &Arc<Shared>) {
    // The handler plays the rest of the handshake.
    let greeting = Greeting {
        wait_ping: false,
        ..plan.first.clone()
    };
    let mut handlers = Vec::new();
    while !sh.stopped() {
        let Ok(stream) = next_client(listener, sh, Instant::now() + STEP_DEADLINE) else {
            // Nobody yet (or a failed accept): keep listening, without spinning.
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let mut live = match open(stream, sh, plan.auto_pong) {
            Ok(l) => l,
            Err(e) => {
                fail(sh, e);
                continue;
            }
        };
        let (g, h, sh2) = (greeting.clone(), handler.clone(), sh.clone());
        let spawned = std::thread::Builder::new()
            .name("hostile-peer".into())
            .spawn(move || {
                if let Err(e) = handshake(&live, &g, &sh2) {
                    fail(&sh2, format!("connection {}: INFO: {e}", live.index));
                    live.shutdown();
                    return;
                }
                let mut peer = Peer {
                    live,
                    sh: sh2,
                    info: g.info.unwrap_or_default(),
                };
                h(&mut peer);
            });
        match spawned {
            Ok(t) => handlers.push(t),
            Err(e) => fail(sh, format!("spawn handler: {e}")),
        }
    }
    for t in handlers {
        let _ = t.join();
    }
}

/// One connection of a server started with [`HostileBuilder::serve`], as its
/// handler sees it. Its waits end when the client closes the connection or
/// the server is dropped; dropping it closes the connection (FIN).
pub struct Peer {
    live: Live,
    sh: Arc<Shared>,
    info: Vec<u8>,
}

impl Peer {
    /// Which connection this is, counting accepted connections from 0 (its
    /// entry in [`Log::conns`]).
    pub fn index(&self) -> usize {
        self.live.index
    }

    /// The INFO this connection was greeted with (empty without one).
    pub fn info(&self) -> &[u8] {
        &self.info
    }

    /// Waits for the next control line starting with `prefix` that no wait
    /// took yet; `None` once the client closed (or the server stopped).
    pub fn wait_line(&mut self, prefix: &str) -> Option<String> {
        let index = self.index();
        self.sh
            .wait(Duration::MAX, |log| {
                let conn = &mut log.conns[index];
                match conn.take_line(prefix) {
                    Some(line) => Some(Some(line)),
                    None => conn.eof.then_some(None),
                }
            })
            .flatten()
    }

    /// The client's next control line, whatever it is.
    pub fn next_line(&mut self) -> Option<String> {
        self.wait_line("")
    }

    /// Waits for the client's `PING` and answers `PONG`, the end of the
    /// handshake; from then on PINGs are answered unless the server was
    /// built with [`HostileBuilder::no_auto_pong`]. False if the client
    /// went away first.
    pub fn handshake(&mut self) -> bool {
        if self.wait_line("PING").is_none() || !self.send(b"PONG\r\n") {
            return false;
        }
        let l = &self.live;
        l.pong_on.store(l.auto_pong, Ordering::SeqCst);
        true
    }

    /// Waits for the client's next `SUB` and returns its sid.
    pub fn sub_sid(&mut self) -> Option<String> {
        let line = self.wait_line("SUB ")?;
        line.split_ascii_whitespace().last().map(str::to_string)
    }

    /// Writes these bytes as they are; a failure (the client gone, or not
    /// reading until the step deadline) is recorded and returns false.
    pub fn send(&self, bytes: &[u8]) -> bool {
        let l = &self.live;
        let deadline = Instant::now() + STEP_DEADLINE;
        match write_all(&lock(&l.writer), bytes, &self.sh, deadline) {
            Ok(()) => true,
            Err(e) => {
                fail(&self.sh, format!("connection {}: {e}", l.index));
                false
            }
        }
    }

    /// Writes `len` filler bytes from a static buffer: nothing is allocated
    /// for them (a test counting the process's allocations counts ours).
    pub fn send_junk(&self, mut len: usize) -> bool {
        static JUNK: [u8; 64 * 1024] = [7; 64 * 1024];
        while len > 0 {
            let n = len.min(JUNK.len());
            if !self.send(&JUNK[..n]) {
                return false;
            }
            len -= n;
        }
        true
    }

    /// Waits until the client closes the connection (or the server stops),
    /// so that the client, not the server, ends it.
    pub fn drain(&self) {
        let index = self.index();
        self.sh
            .wait(Duration::MAX, |log| log.conns[index].eof.then_some(()));
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.live.shutdown();
    }
}

fn wait_line(index: usize, prefix: &str, sh: &Shared) -> Result<(), String> {
    sh.wait(STEP_DEADLINE, |log| log.conns[index].take_line(prefix))
        .map(|_| ())
        .ok_or_else(|| format!("the client sent no line starting with {prefix:?}"))
}

/// Replaces `{sid}` with the last sid the client subscribed with.
fn subst(b: &[u8], sh: &Shared) -> Vec<u8> {
    const MARK: &[u8] = b"{sid}";
    let Some(sid) = sh.lock().sids.last().cloned() else {
        return b.to_vec();
    };
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(MARK) {
            out.extend_from_slice(sid.as_bytes());
            i += MARK.len();
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn sleep_unless_stopped(d: Duration, sh: &Shared) {
    let until = Instant::now() + d;
    while !sh.stopped() {
        let now = Instant::now();
        if now >= until {
            return;
        }
        std::thread::sleep((until - now).min(READ_POLL));
    }
}

/// Writes everything before the deadline, retrying the short socket
/// timeouts (a client that does not read makes them expire).
fn write_all(
    mut s: &TcpStream,
    mut data: &[u8],
    sh: &Shared,
    deadline: Instant,
) -> Result<(), String> {
    while !data.is_empty() {
        if sh.stopped() {
            return Err("server stopped".into());
        }
        if Instant::now() >= deadline {
            return Err(format!("write: {} bytes left at the deadline", data.len()));
        }
        match s.write(data) {
            Ok(0) => return Err("write: connection closed".into()),
            Ok(n) => data = &data[n..],
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(format!("write: {e}")),
        }
    }
    Ok(())
}

fn trickle(s: &TcpStream, data: &[u8], pause: Duration, sh: &Shared) -> Result<(), String> {
    for (i, b) in data.iter().enumerate() {
        if i > 0 {
            sleep_unless_stopped(pause, sh);
        }
        write_all(
            s,
            std::slice::from_ref(b),
            sh,
            Instant::now() + STEP_DEADLINE,
        )?;
    }
    Ok(())
}

/// SO_LINGER with a zero timeout: closing the socket then sends a reset
/// instead of a FIN. The standard library has no stable setter for it.
#[cfg(target_os = "linux")]
fn set_linger_zero(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    use std::os::raw::{c_int, c_void};
    #[repr(C)]
    struct Linger {
        l_onoff: c_int,
        l_linger: c_int,
    }
    extern "C" {
        fn setsockopt(fd: c_int, level: c_int, name: c_int, val: *const c_void, len: u32) -> c_int;
    }
    const SOL_SOCKET: c_int = 1;
    const SO_LINGER: c_int = 13;
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `fd` is an open socket owned by `s` for the whole call, and
    // the option value points to a live `struct linger` of the given size.
    unsafe {
        setsockopt(
            s.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            (&l as *const Linger).cast(),
            std::mem::size_of::<Linger>() as u32,
        );
    }
}

/// Elsewhere a reset degrades to a normal close.
#[cfg(not(target_os = "linux"))]
fn set_linger_zero(_s: &TcpStream) {}

/// The environment variable that marks the child run of [`isolated`].
const CHILD_VAR: &str = "NATS_RS_HOSTILE_CHILD";

/// Runs `body` in a child process: this test binary again, filtered to the
/// test `name` (the test function's name, for a test at the top of its
/// file). An abort or a hang in the library then fails only this test; a
/// hang is killed after `limit`.
pub fn isolated(name: &str, limit: Duration, body: impl FnOnce()) {
    if std::env::var(CHILD_VAR).as_deref() == Ok(name) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    // Ignored tests run in the child only when the parent was asked to run them.
    cmd.args([
        name,
        "--exact",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_VAR, name);
    let dir = super::unique_temp_dir("hostile");
    let r = super::run_guarded(cmd, &dir, limit);
    let _ = std::fs::remove_dir_all(&dir);
    let output = format!("--- stdout\n{}--- stderr\n{}", r.stdout, r.stderr);
    assert!(
        !r.timed_out(),
        "{name} hung: killed after {limit:?}\n{output}"
    );
    if !r.success() {
        use std::os::unix::process::ExitStatusExt;
        let how = match r.status.and_then(|s| s.signal()) {
            Some(sig) => format!("killed by signal {sig}"),
            None => format!("{:?}", r.status),
        };
        panic!("{name} failed in its child process ({how})\n{output}");
    }
    // A name that matches no test would pass without running anything.
    assert!(
        r.stdout.contains("1 passed"),
        "{name}: the child process ran no test of that name\n{output}"
    );
}
