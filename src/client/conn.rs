//! A connection to a NATS server: handshake, publishing, subscribing,
//! flushing, closing and the state the other threads share.
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};

use super::dispatch::{self, Dispatcher, Work};
use super::error::{Error, ErrorKind, Result};
use super::events;
use super::handshake::{self, Established};
use super::message::Message;
use super::options::Options;
use super::reader;
use super::request::ReplyMux;
use super::stats::{Counters, Statistics};
use super::subscription::{MsgHandler, SubKind, Subscription};
use super::threads;
use super::url::ServerUrl;
use crate::proto::{encode, subject, ServerInfo};

/// Past this many buffered bytes a publisher writes to the socket itself
/// instead of waiting for the flusher (back-pressure).
const SELF_FLUSH_THRESHOLD: usize = 4 * 1024 * 1024;
/// How long `close` may spend writing what is still buffered.
const CLOSE_FLUSH_DEADLINE: Duration = Duration::from_secs(2);
/// How long the closed callback waits for subscriptions' last callbacks.
const CLOSE_DRAIN_WAIT: Duration = Duration::from_secs(30);

/// Connection status, with nats.c's numbering (`natsConnStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Disconnected = 0,
    Connecting = 1,
    Connected = 2,
    Closed = 3,
    Reconnecting = 4,
    DrainingSubs = 5,
    DrainingPubs = 6,
}

impl Status {
    fn from_u8(v: u8) -> Status {
        match v {
            1 => Status::Connecting,
            2 => Status::Connected,
            3 => Status::Closed,
            4 => Status::Reconnecting,
            5 => Status::DrainingSubs,
            6 => Status::DrainingPubs,
            _ => Status::Disconnected,
        }
    }
}

/// A handle on a connection; clones share it.
#[derive(Clone)]
pub struct Connection(pub(crate) Arc<ConnInner>);

/// Shared state of one connection.
///
/// Lock order: `state` → `replies` → `subs` → `sock_w` → `out`. `out` is
/// held only to append or swap bytes; `sock_w` only across socket writes.
/// No lock is held while user code runs.
pub struct ConnInner {
    pub(crate) opts: Options,
    status: AtomicU8,
    pub(crate) state: Mutex<ConnState>,
    pub(crate) subs: RwLock<HashMap<u64, Subscription>>,
    pub(crate) replies: Mutex<ReplyMux>,
    sock_w: Mutex<Option<TcpStream>>,
    out: Mutex<OutBuf>,
    out_cv: Condvar,
    next_sid: AtomicU64,
    max_payload: AtomicI64,
    headers_ok: AtomicBool,
    pub(crate) counters: Counters,
    /// The connection name followed by a NUL, for C callers.
    name_nul: Option<Box<[u8]>>,
}

pub(crate) struct ConnState {
    pub(crate) info: ServerInfo,
    pub(crate) url: ServerUrl,
    /// Servers known to the client; the flag marks ones the cluster announced.
    pub(crate) pool: Vec<(ServerUrl, bool)>,
    pub(crate) last_error: Option<Error>,
    /// One entry per PING in flight, in order; `Some` for a flush waiting on it.
    pongs: VecDeque<Option<Sender<Result<()>>>>,
    pings_out: i32,
    local_addr: Option<SocketAddr>,
}

struct OutBuf {
    buf: Vec<u8>,
    spare: Vec<u8>,
    flusher_waiting: bool,
    stop: bool,
}

impl Connection {
    /// Connects to the first server of `opts` that accepts us.
    pub fn connect(opts: Options) -> Result<Connection> {
        let servers = opts.server_list()?;
        let mut last = Error::new(ErrorKind::NoServer, "no server available for connection");
        for (i, url) in servers.iter().enumerate() {
            match handshake::establish(url, &opts) {
                Ok(est) => {
                    let url = servers[i].clone();
                    return Connection::start(opts, servers, url, est);
                }
                Err(e) => {
                    // A server that rejects our credentials won't accept them
                    // on the next try either; report that rather than NoServer.
                    let fatal = e.kind == ErrorKind::AuthFailed;
                    last = if matches!(e.kind, ErrorKind::IoError | ErrorKind::Timeout) {
                        Error::new(ErrorKind::NoServer, e.text)
                    } else {
                        e
                    };
                    if fatal {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    fn start(
        opts: Options,
        servers: Vec<ServerUrl>,
        url: ServerUrl,
        est: Established,
    ) -> Result<Connection> {
        let Established {
            stream,
            info,
            leftover,
        } = est;
        let local_addr = stream.local_addr().ok();
        let reader_stream = stream.try_clone().map_err(|e| Error::io(&e))?;
        let pool = servers.into_iter().map(|u| (u, false)).collect();
        let conn = Connection(Arc::new(ConnInner {
            status: AtomicU8::new(Status::Connected as u8),
            max_payload: AtomicI64::new(info.max_payload),
            headers_ok: AtomicBool::new(info.headers),
            state: Mutex::new(ConnState {
                info,
                url,
                pool,
                last_error: None,
                pongs: VecDeque::new(),
                pings_out: 0,
                local_addr,
            }),
            subs: RwLock::new(HashMap::new()),
            replies: Mutex::new(ReplyMux::default()),
            sock_w: Mutex::new(Some(stream)),
            out: Mutex::new(OutBuf {
                buf: Vec::with_capacity(opts.io_buf_size),
                spare: Vec::with_capacity(opts.io_buf_size),
                flusher_waiting: false,
                stop: false,
            }),
            out_cv: Condvar::new(),
            next_sid: AtomicU64::new(1),
            counters: Counters::default(),
            name_nul: opts.name.as_ref().map(|n| with_nul(n)),
            opts,
        }));
        conn.apply_info_urls();
        let c = conn.clone();
        threads::spawn("nats-reader".into(), move || {
            reader::run(c, reader_stream, leftover)
        })?;
        let c = conn.clone();
        if let Err(e) = threads::spawn("nats-flusher".into(), move || c.flusher_loop()) {
            conn.close();
            return Err(e);
        }
        Ok(conn)
    }

    pub fn options(&self) -> &Options {
        &self.0.opts
    }

    pub(crate) fn lock_state(&self) -> MutexGuard<'_, ConnState> {
        self.0.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_out(&self) -> MutexGuard<'_, OutBuf> {
        self.0.out.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self) -> Status {
        Status::from_u8(self.0.status.load(Acquire))
    }

    pub fn is_closed(&self) -> bool {
        self.status() == Status::Closed
    }

    fn check_usable(&self) -> Result<()> {
        match self.status() {
            Status::Closed => Err(Error::new(ErrorKind::ConnectionClosed, "connection closed")),
            _ => Ok(()),
        }
    }

    // ---- publishing -------------------------------------------------------

    /// Publishes one message. `headers` is an encoded NATS/1.0 block.
    pub fn publish_raw(
        &self,
        subj: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Result<()> {
        if !subject::is_valid_publish_subject(subj) {
            return Err(Error::new(
                ErrorKind::InvalidSubject,
                format!("invalid subject '{subj}'"),
            ));
        }
        if let Some(r) = reply {
            if !subject::is_valid_publish_subject(r) {
                return Err(Error::new(
                    ErrorKind::InvalidArg,
                    format!("invalid reply subject '{r}'"),
                ));
            }
        }
        self.check_usable()?;
        let hlen = headers.map_or(0, <[u8]>::len);
        if hlen > 0 && !self.0.headers_ok.load(Relaxed) {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server does not support headers",
            ));
        }
        let size = (hlen + data.len()) as i64;
        let max = self.0.max_payload.load(Relaxed);
        if max > 0 && size > max {
            return Err(Error::new(
                ErrorKind::MaxPayload,
                format!("message of {size} bytes exceeds the server's maximum payload of {max}"),
            ));
        }
        let (wake, big) = {
            let mut o = self.lock_out();
            if o.stop {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            match headers {
                Some(h) if hlen > 0 => encode::encode_hpub(&mut o.buf, subj, reply, h, data),
                _ => encode::encode_pub(&mut o.buf, subj, reply, data),
            }
            let wake = std::mem::take(&mut o.flusher_waiting);
            (wake, o.buf.len() >= SELF_FLUSH_THRESHOLD)
        };
        self.0.counters.out_msgs.fetch_add(1, Relaxed);
        self.0.counters.out_bytes.fetch_add(size as u64, Relaxed);
        if big || self.0.opts.send_asap {
            self.write_pending();
        } else if wake {
            self.0.out_cv.notify_one();
        }
        Ok(())
    }

    pub fn publish(&self, subj: &str, data: &[u8]) -> Result<()> {
        self.publish_raw(subj, None, None, data)
    }

    /// Publishes a message built by the user, with its headers if any.
    pub fn publish_msg(&self, msg: &Message) -> Result<()> {
        let hdr = msg.encoded_headers();
        self.publish_raw(msg.subject(), msg.reply(), hdr.as_deref(), msg.data())
    }

    /// Appends protocol bytes (SUB, UNSUB, PONG...) and wakes the flusher.
    pub(crate) fn send_proto(&self, f: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let wake = {
            let mut o = self.lock_out();
            if o.stop {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            f(&mut o.buf);
            std::mem::take(&mut o.flusher_waiting)
        };
        if wake {
            self.0.out_cv.notify_one();
        }
        Ok(())
    }

    /// Writes everything buffered, in order, from the calling thread.
    fn write_pending(&self) {
        let result = {
            let mut w = self.0.sock_w.lock().unwrap_or_else(|p| p.into_inner());
            let Some(stream) = w.as_mut() else { return };
            let mut data = {
                let mut o = self.lock_out();
                if o.buf.is_empty() {
                    return;
                }
                let spare = std::mem::take(&mut o.spare);
                std::mem::replace(&mut o.buf, spare)
            };
            let r = stream.write_all(&data);
            data.clear();
            // Keep the allocation for the next swap unless a huge burst grew it.
            if data.capacity() <= 2 * SELF_FLUSH_THRESHOLD {
                self.lock_out().spare = data;
            }
            r
        };
        if let Err(e) = result {
            self.connection_lost(Error::new(ErrorKind::IoError, format!("write failed: {e}")));
        }
    }

    /// The flusher thread: writes whatever accumulates and sends PINGs on
    /// the ping interval, closing the connection when too many go unanswered.
    fn flusher_loop(&self) {
        let interval = self.0.opts.ping_interval;
        let batch_wait = self.0.opts.flusher_wait;
        let mut next_ping = (!interval.is_zero()).then(|| Instant::now() + interval);
        let mut last_flush: Option<Instant> = None;
        loop {
            if let Some(at) = next_ping {
                let now = Instant::now();
                if now >= at {
                    next_ping = Some(now + interval);
                    if !self.ping_tick() {
                        return;
                    }
                }
            }
            let mut o = self.lock_out();
            if o.stop {
                return;
            }
            if o.buf.is_empty() {
                o.flusher_waiting = true;
                let mut o = match next_ping {
                    None => self.0.out_cv.wait(o).unwrap_or_else(|p| p.into_inner()),
                    Some(at) => {
                        let left = at.saturating_duration_since(Instant::now());
                        self.0
                            .out_cv
                            .wait_timeout(o, left)
                            .unwrap_or_else(|p| p.into_inner())
                            .0
                    }
                };
                o.flusher_waiting = false;
                continue;
            }
            // A lone write (a request, a reply) goes out at once. Only when
            // writes are frequent and still arriving after the wake-up does
            // the flusher wait briefly to send them together (nats.c's
            // flusher wait).
            let busy = last_flush.is_some_and(|t| t.elapsed() < batch_wait);
            if busy {
                let len = o.buf.len();
                drop(o);
                std::thread::yield_now();
                let o = self.lock_out();
                if o.buf.len() > len && !o.stop {
                    drop(self.0.out_cv.wait_timeout(o, batch_wait));
                }
            } else {
                drop(o);
            }
            self.write_pending();
            last_flush = Some(Instant::now());
        }
    }

    /// One ping-interval tick; `false` when the connection went stale.
    fn ping_tick(&self) -> bool {
        let stale = {
            let mut st = self.lock_state();
            st.pings_out += 1;
            if st.pings_out > self.0.opts.max_pings_out {
                true
            } else {
                st.pongs.push_back(None);
                false
            }
        };
        if stale {
            self.connection_lost(Error::new(ErrorKind::StaleConnection, "stale connection"));
            return false;
        }
        let _ = self.send_proto(|b| b.extend_from_slice(encode::PING));
        true
    }

    // ---- flush --------------------------------------------------------------

    /// Sends a PING and waits for its PONG: everything published before has
    /// then been processed by the server.
    pub fn flush_timeout(&self, timeout: Duration) -> Result<()> {
        self.check_usable()?;
        if timeout.is_zero() {
            return Err(Error::new(
                ErrorKind::InvalidTimeout,
                "timeout must be positive",
            ));
        }
        let (tx, rx) = bounded(1);
        self.lock_state().pongs.push_back(Some(tx));
        self.send_proto(|b| b.extend_from_slice(encode::PING))?;
        self.write_pending();
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(Error::new(ErrorKind::Timeout, "flush timeout")),
            Err(RecvTimeoutError::Disconnected) => {
                Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"))
            }
        }
    }

    /// Round trip time of one PING/PONG.
    pub fn rtt(&self) -> Result<Duration> {
        let start = Instant::now();
        self.flush_timeout(self.0.opts.timeout.max(Duration::from_millis(1)))?;
        Ok(start.elapsed())
    }

    /// Bytes buffered and not yet written.
    pub fn buffered(&self) -> Result<usize> {
        self.check_usable()?;
        Ok(self.lock_out().buf.len())
    }

    // ---- reader callbacks -------------------------------------------------

    pub(crate) fn on_pong(&self) {
        let waiter = {
            let mut st = self.lock_state();
            st.pings_out = 0;
            st.pongs.pop_front()
        };
        if let Some(Some(tx)) = waiter {
            let _ = tx.send(Ok(()));
        }
    }

    pub(crate) fn on_ping(&self) {
        let _ = self.send_proto(|b| b.extend_from_slice(encode::PONG));
    }

    pub(crate) fn on_info(&self, info: ServerInfo) {
        self.0.max_payload.store(info.max_payload, Relaxed);
        self.0.headers_ok.store(info.headers, Relaxed);
        {
            let mut st = self.lock_state();
            // An async INFO may omit fields the first one carried.
            let keep_id = st.info.server_id.clone();
            st.info = info;
            if st.info.server_id.is_empty() {
                st.info.server_id = keep_id;
            }
        }
        self.apply_info_urls();
    }

    /// Adds the servers a cluster announces to the pool.
    fn apply_info_urls(&self) {
        let mut st = self.lock_state();
        let urls = st.info.connect_urls.clone();
        for u in urls {
            let Ok(mut url) = ServerUrl::parse(&u) else {
                continue;
            };
            if st
                .pool
                .iter()
                .any(|(p, _)| p.host == url.host && p.port == url.port)
            {
                continue;
            }
            url.scheme = st.url.scheme.clone();
            st.pool.push((url, true));
        }
    }

    /// `-ERR` from the server.
    pub(crate) fn on_server_error(&self, text: &str) {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("permissions violation") {
            self.report_async_error(None, Error::new(ErrorKind::NotPermitted, text));
        } else if lower.contains("stale connection") {
            self.connection_lost(Error::new(ErrorKind::StaleConnection, text));
        } else if lower.contains("authorization violation")
            || lower.contains("authentication")
            || lower.contains("user authentication")
        {
            let e = Error::new(ErrorKind::AuthFailed, text);
            self.report_async_error(None, e.clone());
            self.connection_lost(e);
        } else {
            self.connection_lost(Error::new(ErrorKind::Err, text));
        }
    }

    // ---- subscriptions ----------------------------------------------------

    pub(crate) fn new_sid(&self) -> u64 {
        self.0.next_sid.fetch_add(1, Relaxed)
    }

    fn default_limits(&self) -> (i64, i64) {
        (
            self.0.opts.max_pending_msgs as i64,
            self.0.opts.max_pending_bytes,
        )
    }

    /// Creates and registers a subscription and sends SUB.
    fn subscribe_with(
        &self,
        subj: &str,
        queue: Option<&str>,
        kind: SubKind,
    ) -> Result<Subscription> {
        let sub = Subscription::new(
            self.new_sid(),
            subj,
            queue,
            self.clone(),
            kind,
            self.default_limits(),
        );
        self.register(&sub)?;
        Ok(sub)
    }

    pub(crate) fn register(&self, sub: &Subscription) -> Result<()> {
        self.check_usable()?;
        self.0
            .subs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sub.sid(), sub.clone());
        if let Err(e) =
            self.send_proto(|b| encode::encode_sub(b, sub.subject(), sub.queue(), sub.sid()))
        {
            self.forget_sub(sub.sid());
            return Err(e);
        }
        Ok(())
    }

    fn validate(subj: &str, queue: Option<&str>) -> Result<()> {
        if !subject::is_valid_subject(subj) {
            return Err(Error::new(
                ErrorKind::InvalidSubject,
                format!("invalid subject '{subj}'"),
            ));
        }
        if let Some(q) = queue {
            if !subject::is_valid_queue_name(q) {
                return Err(Error::new(
                    ErrorKind::InvalidQueueName,
                    format!("invalid queue name '{q}'"),
                ));
            }
        }
        Ok(())
    }

    pub fn subscribe_sync(&self, subj: &str, queue: Option<&str>) -> Result<Subscription> {
        Self::validate(subj, queue)?;
        self.check_usable()?;
        self.subscribe_with(subj, queue, Subscription::sync_queue())
    }

    /// An asynchronous subscription; with `idle`, the handler also gets
    /// `None` whenever that long passes without a message.
    pub fn subscribe(
        &self,
        subj: &str,
        queue: Option<&str>,
        idle: Option<Duration>,
        handler: MsgHandler,
    ) -> Result<Subscription> {
        Self::validate(subj, queue)?;
        self.check_usable()?;
        let sid = self.new_sid();
        // Idle timers need a thread of their own; others may share the pool.
        let dispatcher: Arc<Dispatcher> = if self.0.opts.global_delivery && idle.is_none() {
            dispatch::pool_worker()?
        } else {
            Dispatcher::dedicated(format!("nats-sub-{sid}"), idle)?
        };
        let kind = SubKind::Async {
            handler,
            dispatcher: dispatcher.clone(),
        };
        let sub = Subscription::new(sid, subj, queue, self.clone(), kind, self.default_limits());
        if idle.is_some() {
            dispatcher.send(Work::Bind(sub.clone()));
        }
        if let Err(e) = self.register(&sub) {
            // Let a dedicated thread end.
            dispatcher.send(Work::Done(sub));
            return Err(e);
        }
        Ok(sub)
    }

    pub(crate) fn lookup_sub(&self, sid: u64) -> Option<Subscription> {
        self.0
            .subs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&sid)
            .cloned()
    }

    /// Removes a sid from routing, without telling the server.
    pub(crate) fn forget_sub(&self, sid: u64) {
        self.0
            .subs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&sid);
    }

    pub(crate) fn send_unsub(&self, sid: u64, max: Option<u64>) -> Result<()> {
        self.check_usable()?;
        self.send_proto(|b| encode::encode_unsub(b, sid, max))
    }

    // ---- errors and events --------------------------------------------------

    pub(crate) fn set_last_error(&self, e: &Error) {
        self.lock_state().last_error = Some(e.clone());
    }

    pub fn last_error(&self) -> Option<Error> {
        self.lock_state().last_error.clone()
    }

    /// Records an asynchronous error and hands it to the error handler on
    /// the event thread.
    pub(crate) fn report_async_error(&self, sub: Option<&Subscription>, e: Error) {
        self.set_last_error(&e);
        if let Some(cb) = self.0.opts.error_cb.clone() {
            let conn = self.clone();
            let sub = sub.cloned();
            events::post(move || cb(&conn, sub.as_ref(), &e));
        }
    }

    /// The socket failed or the server went away. Until reconnect exists,
    /// this closes the connection, reporting why.
    pub(crate) fn connection_lost(&self, e: Error) {
        if self.is_closed() {
            return;
        }
        self.set_last_error(&e);
        self.close_impl(false);
    }

    // ---- close --------------------------------------------------------------

    /// Closes the connection: writes what is buffered, fails pending flushes
    /// and requests, closes subscriptions, then runs the disconnected and
    /// closed callbacks (the closed one last, once every subscription's last
    /// callback has returned).
    pub fn close(&self) {
        self.close_impl(true);
    }

    fn close_impl(&self, flush: bool) {
        let (was_connected, pongs) = {
            let mut st = self.lock_state();
            let prev = Status::from_u8(self.0.status.swap(Status::Closed as u8, AcqRel));
            if prev == Status::Closed {
                return;
            }
            (prev == Status::Connected, std::mem::take(&mut st.pongs))
        };
        if flush {
            if let Some(s) = self
                .0
                .sock_w
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
            {
                let _ = s.set_write_timeout(Some(CLOSE_FLUSH_DEADLINE));
            }
            self.write_pending();
        }
        {
            let mut o = self.lock_out();
            o.stop = true;
            o.buf = Vec::new();
            o.spare = Vec::new();
        }
        self.0.out_cv.notify_all();
        if let Some(s) = self
            .0
            .sock_w
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = s.shutdown(Shutdown::Both);
        }
        for tx in pongs.into_iter().flatten() {
            let _ = tx.send(Err(Error::new(
                ErrorKind::ConnectionClosed,
                "connection closed",
            )));
        }
        let subs: Vec<Subscription> = self
            .0
            .subs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .map(|(_, s)| s)
            .collect();
        for s in &subs {
            s.close(true);
        }
        self.replies_closed();
        let opts = &self.0.opts;
        if was_connected {
            if let Some(cb) = opts.disconnected_cb.clone() {
                let conn = self.clone();
                events::post(move || cb(&conn));
            }
        }
        let conn = self.clone();
        let closed_cb = opts.closed_cb.clone();
        events::post(move || {
            for s in &subs {
                s.wait_complete(CLOSE_DRAIN_WAIT);
            }
            drop(subs);
            if let Some(cb) = closed_cb {
                cb(&conn);
            }
        });
    }

    // ---- introspection --------------------------------------------------------

    pub fn stats(&self) -> Statistics {
        self.0.counters.snapshot()
    }

    pub fn max_payload(&self) -> i64 {
        self.0.max_payload.load(Relaxed)
    }

    pub fn has_headers(&self) -> bool {
        self.0.headers_ok.load(Relaxed)
    }

    pub fn connected_url(&self) -> Option<String> {
        (self.status() == Status::Connected).then(|| self.lock_state().url.display())
    }

    pub fn connected_server_id(&self) -> Option<String> {
        (self.status() == Status::Connected).then(|| self.lock_state().info.server_id.clone())
    }

    pub fn server_info(&self) -> ServerInfo {
        self.lock_state().info.clone()
    }

    /// All known servers, or only those announced by the cluster.
    pub fn servers(&self, discovered_only: bool) -> Vec<String> {
        self.lock_state()
            .pool
            .iter()
            .filter(|(_, implicit)| !discovered_only || *implicit)
            .map(|(u, _)| u.display())
            .collect()
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.lock_state().local_addr
    }

    pub fn name(&self) -> Option<&str> {
        self.0.opts.name.as_deref()
    }

    /// The name's bytes followed by a NUL.
    pub fn name_with_nul(&self) -> Option<&[u8]> {
        self.0.name_nul.as_deref()
    }

    /// The stable address C uses as this connection's handle.
    pub fn as_ptr(&self) -> *const ConnInner {
        Arc::as_ptr(&self.0)
    }

    pub fn into_raw(self) -> *const ConnInner {
        Arc::into_raw(self.0)
    }

    /// # Safety
    /// `p` must come from `into_raw` and not have been released.
    pub unsafe fn from_raw(p: *const ConnInner) -> Connection {
        // SAFETY: guaranteed by the caller.
        Connection(unsafe { Arc::from_raw(p) })
    }
}

/// `s` followed by a NUL byte (strings C borrows from us).
pub(crate) fn with_nul(s: &str) -> Box<[u8]> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    v.into_boxed_slice()
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("status", &self.status())
            .finish()
    }
}
