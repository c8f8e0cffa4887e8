//! A connection to a NATS server: handshake, publishing, subscribing,
//! flushing, closing and the state the other threads share.
use std::collections::VecDeque;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};

use super::delivery_pool;
use super::dispatch::{self, Dispatcher, Work};
use super::error::{Error, ErrorKind, Result};
use super::events;
use super::handshake::{self, Established};
use super::message::Message;
use super::options::{ConnCallback, Options};
use super::pool::ServerPool;
use super::reader;
use super::reply_mux::ReplyMux;
use super::stats::{Counters, Statistics};
use super::sub_table::SubTable;
use super::subscription::{Extension, Home, SubKind, Subscription};
use super::threads::{self, ThreadKind};
use super::url::ServerUrl;
use super::writer::{Direct, FlusherStep, OutBuf, Writer, SELF_FLUSH_THRESHOLD};
use crate::proto::{encode, subject, ServerInfo};

/// Payloads at least this big are written from the caller's buffer
/// instead of being copied into the write buffer first.
const DIRECT_PAYLOAD: usize = 64 * 1024;
/// How long `close` may spend writing what is still buffered.
const CLOSE_FLUSH_DEADLINE: Duration = Duration::from_secs(2);
/// How long the closed callback waits for subscriptions' last callbacks.
const CLOSE_DRAIN_WAIT: Duration = Duration::from_secs(30);
/// `max_payload` before any server has sent INFO (retrying a failed first
/// connect in the background): publishes are buffered unchecked then, as
/// in nats.c, and the getter reports 0.
const MAX_PAYLOAD_UNKNOWN: i64 = i64::MIN;

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

/// A message callback; `None` tells a subscribe-with-timeout that no message
/// arrived in time.
pub type MsgHandler = Arc<dyn Fn(&Connection, &Subscription, Option<Message>) + Send + Sync>;

/// How a subscription's messages reach the user.
pub(crate) enum Delivery {
    /// Polled with `next_msg`.
    Sync,
    /// Handed to `handler` on a dispatcher thread; with `idle`, it also
    /// gets `None` after that long without a message.
    Async {
        handler: MsgHandler,
        idle: Option<Duration>,
    },
    /// Handed to `handler` on a thread of the shared delivery pool whatever
    /// the options say: for the library's own rarely used subscriptions
    /// (a service's monitoring subjects), which need no thread each.
    Pooled { handler: MsgHandler },
}

/// Everything `Connection::subscribe_ext` needs to make a subscription.
pub(crate) struct SubSpec<'a> {
    pub subject: &'a str,
    pub queue: Option<&'a str>,
    pub delivery: Delivery,
    pub extension: Option<Arc<dyn Extension>>,
}

/// The subscriptions' way back to their connection.
impl Home for Connection {
    fn forget(&self, sid: u64) {
        self.forget_sub(sid);
    }
    fn release(&self, sid: u64) {
        self.release_sub(sid);
    }
    fn panicked(&self, e: Error) {
        self.thread_panicked(e, None);
    }
}

/// What the reader thread sees of its connection.
impl reader::Host for Connection {
    fn reader_turn(&self) -> &Mutex<()> {
        &self.0.reader_turn
    }
    fn subs(&self) -> &SubTable {
        &self.0.subs
    }
    fn counters(&self) -> &Counters {
        &self.0.counters
    }
    fn io_buf_size(&self) -> usize {
        self.0.opts.io_buf_size
    }
    fn message_padding(&self) -> usize {
        self.0.opts.message_padding
    }
    fn max_payload(&self) -> i64 {
        Connection::max_payload(self)
    }
    fn is_closed(&self) -> bool {
        Connection::is_closed(self)
    }
    fn on_ping(&self) {
        Connection::on_ping(self);
    }
    fn on_pong(&self, epoch: u64) {
        Connection::on_pong(self, epoch);
    }
    fn on_info(&self, info: ServerInfo, epoch: u64) {
        Connection::on_info(self, info, epoch);
    }
    fn on_server_error(&self, text: &str, epoch: u64) {
        Connection::on_server_error(self, text, epoch);
    }
    fn route_reply(&self, msg: Message) {
        Connection::route_reply(self, msg);
    }
    fn report_async_error(&self, sub: Option<&Subscription>, e: Error) {
        Connection::report_async_error(self, sub, e);
    }
    fn connection_lost(&self, epoch: u64, e: Error) {
        Connection::connection_lost(self, epoch, e);
    }
}

/// Shared state of one connection, in parts that each own their lock:
/// `state`, `replies`, `subs` (the subscription table) and `writer`. The
/// lock order between them is written once, in `client/mod.rs`.
/// `reader_turn` is held by the reader thread for its whole life. No lock
/// is held while user code runs. `status` changes only under `state`, so
/// a holder of `state` sees a stable status.
pub struct ConnInner {
    pub(crate) opts: Options,
    status: AtomicU8,
    pub(crate) state: Mutex<ConnState>,
    /// Wakes the reconnect thread's waits early (on close).
    pub(crate) state_cv: Condvar,
    /// Added to only while the connection is not closed, checked under
    /// the table's open-set lock.
    subs: SubTable,
    /// Held by the running reader thread for its whole life, so a reader
    /// started after a reconnect waits until the previous one has handed
    /// over its last messages: each subscription's received and pending
    /// counts have a single writer, and old messages come before new ones.
    pub(crate) reader_turn: Mutex<()>,
    pub(crate) replies: ReplyMux,
    writer: Writer,
    next_sid: AtomicU64,
    max_payload: AtomicI64,
    headers_ok: AtomicBool,
    /// Set once a server used TLS: later servers must use it too, so a
    /// reconnect can't be downgraded to plain text.
    pub(crate) tls_used: AtomicBool,
    pub(crate) counters: Counters,
}

pub(crate) struct ConnState {
    pub(crate) info: ServerInfo,
    /// The server in use, or the one last tried while reconnecting.
    pub(crate) url: ServerUrl,
    pub(crate) pool: ServerPool,
    pub(crate) last_error: Option<Error>,
    /// One entry per PING in flight, in order; `Some` for a flush waiting on it.
    pub(crate) pongs: VecDeque<Option<Sender<Result<()>>>>,
    pub(crate) pings_out: usize,
    pub(crate) local_addr: Option<SocketAddr>,
    /// Counts sockets: events from an older socket's reader or writer are
    /// stale and ignored.
    pub(crate) epoch: u64,
    /// A clone of the current socket, to shut it down without waiting for
    /// a writer blocked on it.
    pub(crate) sock: Option<TcpStream>,
    /// Set until the first connection succeeds (retry on failed connect).
    pub(crate) initial: bool,
}

impl Connection {
    /// Connects to the first server of the pool that accepts us. With
    /// `retry_on_failed_connect` and a connected callback, a connection
    /// that could not connect yet is returned anyway and keeps trying in
    /// the background (see `connect_status`).
    pub fn connect(opts: Options) -> Result<Connection> {
        Self::connect_status(opts).map(|(c, _)| c)
    }

    /// Like `connect`; the flag says whether the connection is up now
    /// (`false`: still trying in the background).
    pub fn connect_status(opts: Options) -> Result<(Connection, bool)> {
        let pool = ServerPool::new(opts.server_list()?, opts.no_randomize);
        let background = opts.retry_on_failed_connect && opts.callbacks.connected_cb.is_some();
        // Without a connected callback, retrying happens here, in rounds.
        let rounds = if opts.retry_on_failed_connect && !background {
            opts.max_reconnect
        } else {
            Some(0)
        };
        let mut last = Error::new(ErrorKind::NoServer, "no server available for connection");
        let mut round = 0;
        loop {
            for i in 0..pool.len() {
                let Some(entry) = pool.get(i) else { break };
                let url = entry.url.clone();
                match handshake::establish(&url, &opts, false) {
                    Ok(est) => {
                        let conn = Connection::build(opts, pool, url.clone(), Status::Connected);
                        conn.attach(url, est)?;
                        conn.spawn_flusher()?;
                        return Ok((conn, true));
                    }
                    Err(e) => {
                        // A server that rejects our credentials won't accept
                        // them on the next try either; report that.
                        if e.kind == ErrorKind::AuthFailed && !background {
                            return Err(e.at("Connection::connect"));
                        }
                        // As in nats.c, the last server's failure is the
                        // answer: NoServer when it could not be reached,
                        // otherwise what went wrong in its handshake.
                        last = e;
                    }
                }
            }
            round += 1;
            if rounds.is_some_and(|max| round > max) {
                break;
            }
            std::thread::sleep(opts.reconnect_wait);
        }
        if !background {
            return Err(last.at("Connection::connect"));
        }
        let url = pool
            .get(0)
            .map(|e| e.url.clone())
            .ok_or_else(|| Error::new(ErrorKind::NoServer, "no server"))?;
        let conn = Connection::build(opts, pool, url, Status::Reconnecting);
        {
            let mut st = conn.lock_state();
            st.last_error = Some(last);
            st.initial = true;
        }
        conn.lock_out().paused = true;
        conn.spawn_flusher()?;
        conn.spawn_reconnect()?;
        Ok((conn, false))
    }

    /// The shared state of a connection, not yet attached to a socket.
    fn build(opts: Options, pool: ServerPool, url: ServerUrl, status: Status) -> Connection {
        Connection(Arc::new(ConnInner {
            status: AtomicU8::new(status as u8),
            max_payload: AtomicI64::new(MAX_PAYLOAD_UNKNOWN),
            tls_used: AtomicBool::new(false),
            headers_ok: AtomicBool::new(false),
            state: Mutex::new(ConnState {
                info: ServerInfo::default(),
                url,
                pool,
                last_error: None,
                pongs: VecDeque::new(),
                pings_out: 0,
                local_addr: None,
                epoch: 0,
                sock: None,
                initial: false,
            }),
            state_cv: Condvar::new(),
            subs: SubTable::default(),
            reader_turn: Mutex::new(()),
            replies: ReplyMux::default(),
            writer: Writer::new(opts.io_buf_size),
            next_sid: AtomicU64::new(1),
            counters: Counters::default(),
            opts,
        }))
    }

    fn spawn_flusher(&self) -> Result<()> {
        let c = self.clone();
        let p = self.clone();
        if let Err(e) = threads::spawn_guarded(
            "nats-flusher".into(),
            move || c.flusher_loop(),
            move |e| p.thread_panicked(e, None),
        ) {
            self.close();
            return Err(e);
        }
        Ok(())
    }

    /// Starts the thread that walks the server pool until one takes us.
    fn spawn_reconnect(&self) -> Result<()> {
        let c = self.clone();
        let p = self.clone();
        threads::spawn_guarded(
            "nats-reconnect".into(),
            move || {
                threads::injection_point(ThreadKind::Reconnect);
                c.reconnect_loop()
            },
            move |e| p.thread_panicked(e, None),
        )
        .map(drop)
    }

    /// A library thread of this connection panicked (`e` says which, and
    /// why): the user hears of it through the error handler and the last
    /// error, and the connection does not stay up without the thread. A
    /// dead reader (`reader_epoch`) is a lost connection (reconnect, or
    /// close when that is not allowed); any other thread closes it, as
    /// it has no replacement.
    pub(crate) fn thread_panicked(&self, e: Error, reader_epoch: Option<u64>) {
        {
            let mut st = self.lock_state();
            st.last_error = Some(e.clone());
            // Posted under `state`, so a close cannot queue its closed
            // callback first: no callback runs after that one.
            if !self.is_closed() {
                if let Some(cb) = self.0.opts.callbacks.error_cb.clone() {
                    let conn = self.clone();
                    let e = e.clone();
                    events::post(move || cb(&conn, None, &e));
                }
            }
        }
        match reader_epoch {
            Some(epoch) => self.connection_lost(epoch, e),
            None => self.close_impl(false),
        }
    }

    /// Puts a freshly established socket to use: re-sends the subscriptions
    /// and what was buffered while disconnected (in that order, before any
    /// newer write), then starts its reader.
    pub(crate) fn attach(&self, url: ServerUrl, est: Established) -> Result<()> {
        let Established {
            transport,
            info,
            leftover,
        } = est;
        if transport.is_tls() {
            self.0.tls_used.store(true, Relaxed);
        }
        let (reader_stream, stream, ctl_stream) = transport.split().map_err(|e| Error::io(&e))?;
        let mut head = Vec::new();
        for sub in self.subs_snapshot() {
            sub.encode_resubscribe(&mut head);
        }
        let epoch = {
            let mut st = self.lock_state();
            if self.is_closed() {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            st.epoch += 1;
            st.epoch
        };
        self.0
            .writer
            .attach(stream, epoch, head)
            .map_err(|e| Error::io(&e))?;
        self.0.max_payload.store(info.max_payload, Relaxed);
        self.0.headers_ok.store(info.headers, Relaxed);
        {
            let mut st = self.lock_state();
            st.local_addr = ctl_stream.local_addr().ok();
            st.sock = Some(ctl_stream);
            st.info = info;
            st.url = url;
            st.pings_out = 0;
            if self.is_closed() {
                // Closed while we were handshaking: don't come back to life.
                if let Some(s) = st.sock.take() {
                    let _ = s.shutdown(Shutdown::Both);
                }
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            let cur = st.url.clone();
            if let Some(e) = st.pool.find_mut(&cur) {
                e.reconnects = 0;
                e.auth_failed = false;
            }
            self.0.status.store(Status::Connected as u8, Release);
        }
        self.0.writer.wake_all();
        let c = self.clone();
        let p = self.clone();
        threads::spawn_guarded(
            "nats-reader".into(),
            move || {
                threads::injection_point(ThreadKind::Reader);
                reader::run(c, reader_stream, leftover, epoch)
            },
            move |e| p.thread_panicked(e, Some(epoch)),
        )?;
        self.apply_info_urls(epoch > 1);
        Ok(())
    }

    pub(crate) fn subs_snapshot(&self) -> Vec<Subscription> {
        self.0.subs.snapshot()
    }

    pub fn options(&self) -> &Options {
        &self.0.opts
    }

    /// `natsConnection_Sign`: signs `msg` with the seed of the user
    /// credentials the connection was configured with.
    pub fn sign(&self, msg: &[u8]) -> Result<[u8; 64]> {
        match &self.0.opts.user_creds {
            Some(c) => Ok(c.sign(msg)?),
            None => Err(Error::new(
                ErrorKind::Err,
                "unable to sign since no user credentials have been set",
            )),
        }
    }

    pub(crate) fn lock_state(&self) -> MutexGuard<'_, ConnState> {
        self.0.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_out(&self) -> MutexGuard<'_, OutBuf> {
        self.0.writer.lock_out()
    }

    pub fn status(&self) -> Status {
        Status::from_u8(self.0.status.load(Acquire))
    }

    /// Changes the status; callers hold `state`.
    pub(crate) fn set_status(&self, s: Status) {
        self.0.status.store(s as u8, Release);
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
        self.publish_bytes(subj.as_bytes(), reply.map(str::as_bytes), headers, data)
    }

    /// `publish_raw` with subjects as bytes, sent exactly as given (they
    /// need not be UTF-8; only empty subjects and whitespace are refused).
    /// This is how to answer to a received message's
    /// [`Message::reply_bytes`].
    pub fn publish_bytes(
        &self,
        subj: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Result<()> {
        self.publish_with(subj, reply, headers, data, self.0.opts.send_asap)
    }

    /// `natsConnection_Send*`: like `publish_raw`, but writes to the socket
    /// before returning (with whatever was buffered before, in order).
    pub fn send_raw(
        &self,
        subj: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Result<()> {
        self.send_bytes(subj.as_bytes(), reply.map(str::as_bytes), headers, data)
    }

    /// `send_raw` with subjects as bytes (see `publish_bytes`).
    pub fn send_bytes(
        &self,
        subj: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Result<()> {
        self.publish_with(subj, reply, headers, data, true)
    }

    fn publish_with(
        &self,
        subj: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        data: &[u8],
        write_now: bool,
    ) -> Result<()> {
        if !subject::is_valid_publish_subject(subj) {
            return Err(Error::new(
                ErrorKind::InvalidSubject,
                format!("invalid subject '{}'", String::from_utf8_lossy(subj)),
            ));
        }
        if let Some(r) = reply {
            if !subject::is_valid_publish_subject(r) {
                return Err(Error::new(
                    ErrorKind::InvalidArg,
                    format!("invalid reply subject '{}'", String::from_utf8_lossy(r)),
                ));
            }
        }
        self.check_usable()?;
        if self.status() == Status::DrainingPubs {
            return Err(Error::new(ErrorKind::Draining, "connection is draining"));
        }
        let hlen = headers.map_or(0, <[u8]>::len);
        if hlen > 0 && !self.0.headers_ok.load(Relaxed) {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server does not support headers",
            ));
        }
        let size = (hlen + data.len()) as i64;
        let max = self.0.max_payload.load(Relaxed);
        // A server announcing 0 or less accepts nothing (nats.c compares
        // with whatever it announced), not "no limit".
        if max != MAX_PAYLOAD_UNKNOWN && size > max {
            return Err(Error::new(
                ErrorKind::MaxPayload,
                format!("message of {size} bytes exceeds the server's maximum payload of {max}"),
            ));
        }
        if data.len() >= DIRECT_PAYLOAD {
            if let Some(r) = self.publish_direct(subj, reply, headers, data) {
                return r;
            }
        }
        // A reply from a callback with nothing else to do goes out at once,
        // saving the flusher's wake-up on the latency path.
        let write_now = write_now || dispatch::take_direct_write();
        let (wake, big) = {
            let mut o = self.lock_out();
            if o.stop {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            let before = o.buf.len();
            match headers {
                Some(h) if hlen > 0 => encode::encode_hpub(&mut o.buf, subj, reply, h, data),
                _ => encode::encode_pub(&mut o.buf, subj, reply, data),
            }
            if o.paused && o.buf.len() > self.0.opts.reconnect_buf_size {
                // Disconnected, and the message does not fit in what is
                // kept for the reconnect.
                o.buf.truncate(before);
                return Err(Error::new(
                    ErrorKind::InsufficientBuffer,
                    "the reconnect buffer is full",
                ));
            }
            o.count_sent(size);
            if o.paused {
                (false, false)
            } else {
                let big = o.buf.len() >= SELF_FLUSH_THRESHOLD;
                // The flag is taken only by whoever wakes the flusher, so a
                // sleeping flusher is never left believing it was woken.
                let wake = !big && !write_now && std::mem::take(&mut o.flusher_waiting);
                (wake, big)
            }
        };
        if big || write_now {
            self.write_pending();
        } else if wake {
            self.0.writer.wake();
        }
        Ok(())
    }

    pub fn publish(&self, subj: &str, data: &[u8]) -> Result<()> {
        self.publish_raw(subj, None, None, data)
    }

    /// Publishes a message built by the user, with its headers if any.
    pub fn publish_msg(&self, msg: &Message) -> Result<()> {
        self.publish_msg_with(msg, self.0.opts.send_asap)
    }

    /// `natsConnection_SendMsg`: `publish_msg`, written before returning.
    pub fn send_msg(&self, msg: &Message) -> Result<()> {
        self.publish_msg_with(msg, true)
    }

    fn publish_msg_with(&self, msg: &Message, write_now: bool) -> Result<()> {
        let hdr = msg.encoded_headers();
        let (subj, reply) = (msg.subject_bytes(), msg.reply_bytes());
        self.publish_with(subj, reply, hdr.as_deref(), msg.data(), write_now)
    }

    /// Appends protocol bytes (SUB, UNSUB, PONG...) and wakes the flusher.
    pub(crate) fn send_proto(&self, f: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        self.0.writer.send_proto(f)
    }

    /// Queues a PING whose PONG is awaited by `waiter` (`None` for the
    /// ping timer). Kept while disconnected: the PONG then comes from the
    /// next server.
    fn send_ping(&self, waiter: Option<Sender<Result<()>>>) -> Result<()> {
        let wake = {
            let mut st = self.lock_state();
            // `close_impl` marks the connection closed and takes the
            // waiters under `state`, well before it sets `stop`: checking
            // the status here means a waiter is either taken (and failed)
            // by the close or never registered.
            if self.is_closed() {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            let mut o = self.lock_out();
            if o.stop {
                return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
            }
            st.pongs.push_back(waiter);
            o.buf.extend_from_slice(encode::PING);
            o.pings += 1;
            !o.paused && std::mem::take(&mut o.flusher_waiting)
        };
        if wake {
            self.0.writer.wake();
        }
        Ok(())
    }

    /// Sends a large message straight from `data` (see
    /// `Writer::publish_direct`). `None` when disconnected: the caller
    /// buffers the message for the reconnect.
    fn publish_direct(
        &self,
        subj: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Option<Result<()>> {
        match self.0.writer.publish_direct(subj, reply, headers, data) {
            Direct::Paused => None,
            Direct::Closed => Some(Err(Error::new(
                ErrorKind::ConnectionClosed,
                "connection closed",
            ))),
            // As with buffered bytes, a failed write loses the message (part
            // of it may have reached the server); the reconnect starts afresh.
            Direct::Written(r) => {
                if let Err((e, epoch)) = r {
                    self.write_failed(epoch, e);
                }
                Some(Ok(()))
            }
        }
    }

    /// Writes everything buffered, in order, from the calling thread.
    pub(crate) fn write_pending(&self) {
        if let Err((e, epoch)) = self.0.writer.write_pending() {
            self.write_failed(epoch, e);
        }
    }

    fn write_failed(&self, epoch: u64, e: std::io::Error) {
        self.connection_lost(
            epoch,
            Error::new(ErrorKind::IoError, format!("write failed: {e}")),
        );
    }

    /// The flusher thread: writes whatever accumulates and sends PINGs on
    /// the ping interval, closing the connection when too many go unanswered.
    fn flusher_loop(&self) {
        let interval = self.0.opts.ping_interval;
        let batch_wait = self.0.opts.flusher_wait;
        let mut next_ping = (!interval.is_zero()).then(|| Instant::now() + interval);
        let mut last_flush: Option<Instant> = None;
        loop {
            threads::injection_point(ThreadKind::Flusher);
            if let Some(at) = next_ping {
                let now = Instant::now();
                if now >= at {
                    next_ping = Some(now + interval);
                    if !self.ping_tick() {
                        return;
                    }
                }
            }
            let busy = last_flush.is_some_and(|t| t.elapsed() < batch_wait);
            match self.0.writer.next_batch(next_ping, busy, batch_wait) {
                FlusherStep::Stop => return,
                FlusherStep::Idle => continue,
                FlusherStep::Write => {}
            }
            self.write_pending();
            last_flush = Some(Instant::now());
        }
    }

    /// One ping-interval tick; `false` when the connection went stale.
    fn ping_tick(&self) -> bool {
        let stale = {
            let mut st = self.lock_state();
            match self.status() {
                Status::Closed => return false,
                Status::Reconnecting | Status::Connecting | Status::Disconnected => return true,
                _ => {}
            }
            st.pings_out += 1;
            (st.pings_out > self.0.opts.max_pings_out).then_some(st.epoch)
        };
        if let Some(epoch) = stale {
            self.connection_lost(
                epoch,
                Error::new(ErrorKind::StaleConnection, "stale connection"),
            );
            return !self.is_closed();
        }
        let _ = self.send_ping(None);
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
        self.send_ping(Some(tx))?;
        self.write_pending();
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => {
                Err(Error::new(ErrorKind::Timeout, "flush timeout").at("Connection::flush"))
            }
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

    pub(crate) fn on_pong(&self, epoch: u64) {
        threads::injection_point(ThreadKind::Reader);
        let waiter = {
            let mut st = self.lock_state();
            if st.epoch != epoch || self.status() == Status::Reconnecting {
                return;
            }
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

    pub(crate) fn on_info(&self, info: ServerInfo, epoch: u64) {
        let lame_duck = info.ldm;
        {
            let mut st = self.lock_state();
            if st.epoch != epoch {
                return;
            }
            self.0.max_payload.store(info.max_payload, Relaxed);
            self.0.headers_ok.store(info.headers, Relaxed);
            // An async INFO may omit fields the first one carried.
            let keep_id = st.info.server_id.clone();
            st.info = info;
            if st.info.server_id.is_empty() {
                st.info.server_id = keep_id;
            }
        }
        self.apply_info_urls(true);
        if lame_duck {
            self.on_lame_duck(epoch);
        }
    }

    /// The server is shutting down gradually: tell the user and, when a
    /// peer is known, move to it now rather than when the server leaves.
    fn on_lame_duck(&self, epoch: u64) {
        self.post_event(self.0.opts.callbacks.lame_duck_cb.as_ref());
        let move_now = {
            let st = self.lock_state();
            self.0.opts.allow_reconnect && st.pool.has_other_than(&st.url)
        };
        if move_now {
            self.connection_lost(
                epoch,
                Error::new(
                    ErrorKind::ConnectionDisconnected,
                    "server entered lame duck mode",
                ),
            );
        }
    }

    /// Adds the servers a cluster announces to the pool; `notify` runs the
    /// discovered-servers callback when one is new (not at first connect).
    fn apply_info_urls(&self, notify: bool) {
        if self.0.opts.ignore_discovered_servers {
            return;
        }
        let added = {
            let mut st = self.lock_state();
            if st.info.connect_urls.is_empty() {
                return;
            }
            let urls = st.info.connect_urls.clone();
            let cur = st.url.clone();
            st.pool.merge_announced(&urls, &cur)
        };
        if added && notify {
            self.post_event(self.0.opts.callbacks.discovered_servers_cb.as_ref());
        }
    }

    /// `-ERR` from the server, handled as nats.c handles each kind.
    pub(crate) fn on_server_error(&self, text: &str, epoch: u64) {
        use crate::proto::server_error::{self, ServerErrorKind};
        match server_error::classify(text) {
            ServerErrorKind::StaleConnection => {
                self.connection_lost(epoch, Error::new(ErrorKind::StaleConnection, text))
            }
            ServerErrorKind::PermissionsViolation => {
                self.report_async_error(None, Error::new(ErrorKind::NotPermitted, text))
            }
            ServerErrorKind::AuthorizationViolation | ServerErrorKind::AuthExpired => {
                self.on_auth_error(text, epoch)
            }
            ServerErrorKind::Other if self.0.opts.reconnect_on_protocol_error => {
                self.connection_lost(epoch, Error::new(ErrorKind::Err, text))
            }
            ServerErrorKind::Other => {
                self.set_last_error(&Error::new(ErrorKind::Err, text));
                self.close_impl(false);
            }
        }
    }

    /// An auth refusal on an established connection. The server normally
    /// closes the socket next, and the reconnect gives up if the same server
    /// refuses us again. A server that keeps the socket open and refuses a
    /// second time gets the connection closed (nats.c does the same), unless
    /// `IgnoreAuthErrorAbort` is set.
    fn on_auth_error(&self, text: &str, epoch: u64) {
        let e = Error::new(ErrorKind::AuthFailed, text);
        self.report_async_error(None, e);
        let close = {
            let mut st = self.lock_state();
            if st.epoch != epoch {
                return;
            }
            let cur = st.url.clone();
            match st.pool.find_mut(&cur) {
                Some(entry) => {
                    let again = entry.auth_failed;
                    entry.auth_failed = true;
                    again && !self.0.opts.ignore_auth_error_abort
                }
                None => false,
            }
        };
        if close {
            self.close_impl(false);
        }
    }

    // ---- subscriptions ----------------------------------------------------

    pub(crate) fn new_sid(&self) -> u64 {
        self.0.next_sid.fetch_add(1, Relaxed)
    }

    fn default_limits(&self) -> (Option<usize>, Option<usize>) {
        (
            Some(self.0.opts.max_pending_msgs),
            Some(self.0.opts.max_pending_bytes),
        )
    }

    pub(crate) fn register(&self, sub: &Subscription) -> Result<()> {
        self.check_usable()?;
        if matches!(self.status(), Status::DrainingSubs | Status::DrainingPubs) {
            return Err(Error::new(ErrorKind::Draining, "connection is draining"));
        }
        {
            // Checked under the open set's lock, and `close_impl` empties
            // the set after marking the connection closed: a subscription
            // is either closed by the close or refused here, never left open.
            let mut open = self.0.subs.lock_open();
            self.check_usable()?;
            open.insert(sub);
        }
        if let Err(e) =
            self.send_proto(|b| encode::encode_sub(b, &sub.subject(), sub.queue(), sub.sid()))
        {
            self.release_sub(sub.sid());
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
        self.subscribe_ext(SubSpec {
            subject: subj,
            queue,
            delivery: Delivery::Sync,
            extension: None,
        })
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
        self.subscribe_ext(SubSpec {
            subject: subj,
            queue,
            delivery: Delivery::Async { handler, idle },
            extension: None,
        })
    }

    /// A subscription with every knob, for the layers above the core.
    pub(crate) fn subscribe_ext(&self, spec: SubSpec<'_>) -> Result<Subscription> {
        Self::validate(spec.subject, spec.queue)?;
        self.check_usable()?;
        let sid = self.new_sid();
        let (kind, dispatcher, idle) = match spec.delivery {
            Delivery::Sync => (Subscription::sync_queue(), None, false),
            Delivery::Async { handler, idle } => {
                let (kind, d) = self.async_kind(sid, handler, idle, false)?;
                (kind, Some(d), idle.is_some())
            }
            Delivery::Pooled { handler } => {
                let (kind, d) = self.async_kind(sid, handler, None, true)?;
                (kind, Some(d), false)
            }
        };
        let sub = Subscription::with_extension(
            sid,
            spec.subject,
            spec.queue,
            self.home(),
            kind,
            self.default_limits(),
            spec.extension,
        );
        if let (true, Some(d)) = (idle, &dispatcher) {
            d.send(Work::Bind(sub.clone()));
        }
        if let Err(e) = self.register(&sub) {
            // Let a dedicated thread end.
            if let Some(d) = dispatcher {
                d.send(Work::Done(sub));
            }
            return Err(e);
        }
        Ok(sub)
    }

    /// The kind and dispatcher of an asynchronous subscription: the shared
    /// pool when `pooled` or the options say so (never with an idle timer,
    /// which needs a thread of its own), else a dedicated thread.
    fn async_kind(
        &self,
        sid: u64,
        handler: MsgHandler,
        idle: Option<Duration>,
        pooled: bool,
    ) -> Result<(SubKind, Arc<Dispatcher<Subscription>>)> {
        let dispatcher: Arc<Dispatcher<Subscription>> =
            if (pooled || self.0.opts.global_delivery) && idle.is_none() {
                delivery_pool::pool_worker()?
            } else {
                Dispatcher::dedicated(format!("nats-sub-{sid}"), idle)?
            };
        let conn = self.clone();
        let kind = SubKind::Async {
            handler: Arc::new(move |sub, msg| handler(&conn, sub, msg)),
            dispatcher: dispatcher.clone(),
        };
        Ok((kind, dispatcher))
    }

    /// Moves `sub` to `subject` under a new sid (UNSUB the old one, SUB the
    /// new): whatever still arrives on the old sid is dropped. An ordered
    /// JetStream consumer starts over this way on a fresh inbox.
    pub(crate) fn rewire(&self, sub: &Subscription, subject: &str) -> Result<()> {
        if !subject::is_valid_subject(subject) {
            return Err(Error::new(
                ErrorKind::InvalidSubject,
                format!("invalid subject '{subject}'"),
            ));
        }
        self.check_usable()?;
        sub.check_open()?;
        let new_sid = self.new_sid();
        let old_sid = {
            let mut open = self.0.subs.lock_open();
            let old = sub.set_wire(new_sid, subject);
            open.rekey(old, sub);
            old
        };
        self.send_proto(|b| {
            encode::encode_unsub(b, old_sid, None);
            encode::encode_sub(b, subject, sub.queue(), new_sid);
        })
    }

    /// A fresh inbox subject under the connection's inbox prefix.
    pub fn new_inbox(&self) -> String {
        crate::proto::nuid::new_inbox(&self.0.opts.inbox_prefix)
    }

    /// What a new subscription keeps of its connection.
    pub(crate) fn home(&self) -> Arc<dyn Home> {
        Arc::new(self.clone())
    }

    /// The connection `sub` was created on.
    pub fn of(sub: &Subscription) -> Connection {
        let home: Arc<dyn std::any::Any + Send + Sync> = sub.home().clone();
        match home.downcast::<Connection>() {
            Ok(c) => (*c).clone(),
            // Every subscription is made by `subscribe_with`, `subscribe`
            // or the reply multiplexer, all of which give a `Connection`.
            Err(_) => unreachable!("a subscription's home is its connection"),
        }
    }

    /// `natsSubscription_Unsubscribe`. On a closed connection this still
    /// closes the subscription (its callbacks stop, its completion runs)
    /// and reports `ConnectionClosed`.
    pub fn unsubscribe(&self, sub: &Subscription) -> Result<()> {
        if self.is_closed() {
            sub.close(true);
            return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
        }
        sub.check_open()?;
        let sent = self.send_unsub(sub.sid(), None);
        // A close that started meanwhile refuses the UNSUB; the
        // subscription ends all the same.
        sub.close(sent.is_err() && self.is_closed());
        sent
    }

    /// `natsSubscription_AutoUnsubscribe`: ends `sub` once `max` messages
    /// were received in all; 0 unsubscribes now.
    pub fn auto_unsubscribe(&self, sub: &Subscription, max: u64) -> Result<()> {
        if self.is_closed() {
            return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
        }
        sub.check_open()?;
        if max == 0 {
            return self.unsubscribe(sub);
        }
        sub.set_max(max);
        self.send_unsub(sub.sid(), Some(max))?;
        sub.apply_max(max);
        Ok(())
    }

    /// Removes a sid from routing, without telling the server.
    pub(crate) fn forget_sub(&self, sid: u64) {
        self.0.subs.forget(sid);
    }

    /// The subscription is closed: it leaves routing and the open set.
    pub(crate) fn release_sub(&self, sid: u64) {
        self.0.subs.release(sid);
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

    /// Queues a connection callback on the event thread, behind the ones
    /// already posted.
    pub(crate) fn post_event(&self, cb: Option<&ConnCallback>) {
        if let Some(cb) = cb.cloned() {
            let conn = self.clone();
            events::post_guarded(move || cb(&conn), Some(self.on_event_panic()));
        }
    }

    /// What a panic in one of this connection's events does: the event
    /// thread carries on (it serves every connection); this connection
    /// reports the panic and closes.
    fn on_event_panic(&self) -> events::OnPanic {
        let conn = self.clone();
        Box::new(move |e| conn.thread_panicked(e, None))
    }

    /// Records an asynchronous error and hands it to the error handler on
    /// the event thread.
    /// A subscription's extension hears of it on the event thread too,
    /// after the user's handler.
    pub(crate) fn report_async_error(&self, sub: Option<&Subscription>, e: Error) {
        self.set_last_error(&e);
        if let Some(cb) = self.0.opts.callbacks.error_cb.clone() {
            let conn = self.clone();
            let sub = sub.cloned();
            let on_panic = self.on_event_panic();
            let e = e.clone();
            events::post_guarded(move || cb(&conn, sub.as_ref(), &e), Some(on_panic));
        }
        if let Some(sub) = sub.filter(|s| s.extension().is_some()) {
            let sub = sub.clone();
            let on_panic = self.on_event_panic();
            events::post_guarded(
                move || {
                    if let Some(ext) = sub.extension() {
                        ext.on_async_error(&sub, &e);
                    }
                },
                Some(on_panic),
            );
        }
    }

    /// The socket of `epoch` failed or the server went away: start
    /// reconnecting, or close when reconnecting is not allowed. Events from
    /// an older socket, or arriving while already reconnecting, are ignored.
    pub(crate) fn connection_lost(&self, epoch: u64, e: Error) {
        let (pongs, sock) = {
            let mut st = self.lock_state();
            if st.epoch != epoch {
                return;
            }
            match self.status() {
                Status::Closed | Status::Reconnecting => return,
                Status::Connected if self.0.opts.allow_reconnect => {}
                _ => {
                    st.last_error = Some(e);
                    drop(st);
                    self.close_impl(false);
                    return;
                }
            }
            st.last_error = Some(e);
            // Unwritten bytes stay for the next server; the PONGs for the
            // PINGs among them will come from there. Paused before the
            // status changes, so a publisher that sees `Reconnecting` knows
            // its message waits for the next server.
            let pings = {
                let mut o = self.lock_out();
                o.paused = true;
                o.pings
            };
            self.0.status.store(Status::Reconnecting as u8, Release);
            let old = std::mem::take(&mut st.pongs);
            st.pongs.extend(std::iter::repeat_with(|| None).take(pings));
            st.pings_out = 0;
            (old, st.sock.take())
        };
        if let Some(s) = sock {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.0.writer.detach(false);
        for tx in pongs.into_iter().flatten() {
            let _ = tx.send(Err(Error::new(
                ErrorKind::ConnectionDisconnected,
                "connection lost before the flush completed",
            )));
        }
        if self.0.opts.fail_requests_on_disconnect {
            self.replies_failed();
        }
        self.post_event(self.0.opts.callbacks.disconnected_cb.as_ref());
        if self.spawn_reconnect().is_err() {
            self.close_impl(false);
        }
    }

    /// `natsConnection_Reconnect`: drops the current socket so the client
    /// reconnects (to the next server of the pool).
    pub fn force_reconnect(&self) -> Result<()> {
        let st = self.lock_state();
        if self.is_closed() {
            return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
        }
        if let Some(s) = st.sock.as_ref() {
            let _ = s.shutdown(Shutdown::Both);
        }
        Ok(())
    }

    // ---- close --------------------------------------------------------------

    /// Closes the connection: writes what is buffered, fails pending flushes
    /// and requests, closes subscriptions, then runs the disconnected and
    /// closed callbacks (the closed one last, once every subscription's last
    /// callback has returned).
    pub fn close(&self) {
        self.close_impl(true);
    }

    pub(crate) fn close_impl(&self, flush: bool) {
        let (was_connected, pongs, sock) = {
            let mut st = self.lock_state();
            let prev = Status::from_u8(self.0.status.swap(Status::Closed as u8, AcqRel));
            if prev == Status::Closed {
                return;
            }
            let connected = !matches!(prev, Status::Reconnecting | Status::Connecting);
            (connected, std::mem::take(&mut st.pongs), st.sock.take())
        };
        // Wake a reconnect thread that waits between attempts.
        self.0.state_cv.notify_all();
        if flush {
            if let Err((e, epoch)) = self.0.writer.final_flush(CLOSE_FLUSH_DEADLINE) {
                self.write_failed(epoch, e);
            }
        }
        if let Some(s) = sock {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.0.writer.stop();
        self.0.writer.detach(true);
        for tx in pongs.into_iter().flatten() {
            let _ = tx.send(Err(Error::new(
                ErrorKind::ConnectionClosed,
                "connection closed",
            )));
        }
        // Every open subscription, also those no longer routed.
        let subs = self.0.subs.take_all();
        for s in &subs {
            s.close(true);
        }
        self.replies_closed();
        let opts = &self.0.opts;
        if was_connected {
            self.post_event(opts.callbacks.disconnected_cb.as_ref());
        }
        let conn = self.clone();
        let closed_cb = opts.callbacks.closed_cb.clone();
        let on_panic = self.on_event_panic();
        events::post_guarded(
            move || {
                for s in &subs {
                    s.wait_complete(CLOSE_DRAIN_WAIT);
                }
                drop(subs);
                if let Some(cb) = closed_cb {
                    cb(&conn);
                }
            },
            Some(on_panic),
        );
    }

    // ---- introspection --------------------------------------------------------

    pub fn stats(&self) -> Statistics {
        let (out_msgs, out_bytes) = {
            let o = self.lock_out();
            (o.sent_msgs, o.sent_bytes)
        };
        Statistics {
            out_msgs,
            out_bytes,
            ..self.0.counters.snapshot()
        }
    }

    pub fn max_payload(&self) -> i64 {
        match self.0.max_payload.load(Relaxed) {
            MAX_PAYLOAD_UNKNOWN => 0,
            m => m,
        }
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
        self.lock_state().pool.urls(discovered_only)
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.lock_state().local_addr
    }

    pub fn name(&self) -> Option<&str> {
        self.0.opts.name.as_deref()
    }

    /// The shared state behind this handle (clones share it).
    pub(crate) fn as_arc(&self) -> &Arc<ConnInner> {
        &self.0
    }

    /// Gives this handle up as its shared state.
    pub(crate) fn into_arc(self) -> Arc<ConnInner> {
        self.0
    }

    /// The handle of the shared state from [`Connection::into_arc`].
    pub(crate) fn from_arc(inner: Arc<ConnInner>) -> Connection {
        Connection(inner)
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("status", &self.status())
            .finish()
    }
}
