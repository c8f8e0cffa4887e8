//! The reader thread: blocking reads into one growing buffer, parsed in
//! place; messages are copied once, into their `Message`, and routed. Large
//! bodies skip the buffer and are read straight into their `Message`.
//!
//! Sizes on the wire are claims, not facts: the parser refuses a claim above
//! the server's `max_payload` (with headroom), the read buffer grows only
//! with bytes that arrived, a message for no subscription is skipped as it
//! arrives without being allocated, and a body's block is allocated up
//! front only up to `PREALLOC_MAX`. Growing a peer-sized buffer is fallible
//! (`NoMemory`).
use std::io::Read;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;

use super::dispatch::DeliveryBatch;
use super::error::{Error, ErrorKind};
use super::message::Message;
use super::stats::Counters;
use super::sub_table::SubTable;
use super::subscription::{Enqueued, SubKind, Subscription};
use super::transport::{grow, ReadHalf};
use crate::proto::parser::PartialMsg;
use crate::proto::{Parsed, Parser, ServerInfo, ServerOp};

/// Bodies at least this big are received straight into their `Message`
/// instead of through the read buffer.
const DIRECT_BODY: usize = 64 * 1024;

/// A large body's block is allocated for its claimed size at once (and
/// filled straight from the socket) up to this size; a larger body (only
/// possible when the server allows payloads above it) grows as its bytes
/// arrive and is copied into its block at the end.
const PREALLOC_MAX: usize = 8 * 1024 * 1024;

/// What the reader needs of its connection, and nothing more: the parts
/// it reads on every message (the subscription table, the counters) by
/// reference, and the events it raises. Generic, not `dyn`: the calls on
/// the message path are inlined.
pub(crate) trait Host {
    /// Held by the running reader for its whole life (see `run`).
    fn reader_turn(&self) -> &Mutex<()>;
    fn subs(&self) -> &SubTable;
    fn counters(&self) -> &Counters;
    fn io_buf_size(&self) -> usize;
    fn message_padding(&self) -> usize;
    /// The server's limit; the parser refuses larger messages.
    fn max_payload(&self) -> i64;
    fn is_closed(&self) -> bool;
    fn on_ping(&self);
    fn on_pong(&self, epoch: u64);
    fn on_info(&self, info: ServerInfo, epoch: u64);
    fn on_server_error(&self, text: &str, epoch: u64);
    /// A message on the request multiplexer's subscription.
    fn route_reply(&self, msg: Message);
    fn report_async_error(&self, sub: Option<&Subscription>, e: Error);
    /// The socket of `epoch` failed or the server closed it.
    fn connection_lost(&self, epoch: u64, e: Error);
}

pub(crate) fn run<H: Host>(conn: H, stream: ReadHalf, leftover: Vec<u8>, epoch: u64) {
    // The previous reader (before a reconnect) finishes first; its socket is
    // shut down, so that is quick.
    let _turn = conn.reader_turn().lock().unwrap_or_else(|p| p.into_inner());
    let mut r = Routing::default();
    read_loop(&conn, stream, leftover, epoch, &mut r);
    // What arrived before the connection went away is still delivered.
    r.hand_over(&conn);
}

/// What the reader keeps from one message to the next.
#[derive(Default)]
struct Routing {
    batch: DeliveryBatch<Subscription>,
    recent: RecentSub,
    counts: InCounts,
}

impl Routing {
    /// Counts, then hands the batch to the dispatchers.
    fn hand_over<H: Host>(&mut self, conn: &H) {
        self.counts.settle(conn);
        self.batch.flush();
    }
}

/// Received messages and bytes not yet added to the connection's
/// statistics. They are added before anyone can see the messages (before
/// the batch is handed over, before a sync subscription or a request gets
/// one), so a user never sees a message the statistics miss, and an
/// asynchronous subscription's stream costs two atomic additions per read
/// instead of per message.
#[derive(Default)]
struct InCounts {
    msgs: u64,
    bytes: u64,
}

impl InCounts {
    fn add(&mut self, bytes: usize) {
        self.msgs += 1;
        self.bytes += bytes as u64;
    }

    fn settle<H: Host>(&mut self, conn: &H) {
        if self.msgs > 0 {
            let c = conn.counters();
            c.in_msgs.fetch_add(std::mem::take(&mut self.msgs), Relaxed);
            c.in_bytes
                .fetch_add(std::mem::take(&mut self.bytes), Relaxed);
        }
    }
}

/// The subscription the reader routed to last, with its sid and the
/// connection's `subs_generation` at the time. Consecutive messages mostly
/// share a sid, and the generation changes whenever a sid is removed, so a
/// hit skips the map's lock and a reference count.
#[derive(Default)]
struct RecentSub(Option<(u64, u64, Subscription)>);

impl RecentSub {
    fn get<H: Host>(&mut self, conn: &H, sid: u64) -> Option<&Subscription> {
        // Read before the lookup: a removal after it then shows as a change.
        let generation = conn.subs().generation();
        let hit = matches!(&self.0, Some((g, s, _)) if *g == generation && *s == sid);
        if !hit {
            self.0 = conn.subs().lookup(sid).map(|sub| (generation, sid, sub));
        }
        self.0.as_ref().map(|(_, _, sub)| sub)
    }
}

fn read_loop<H: Host>(
    conn: &H,
    mut stream: ReadHalf,
    leftover: Vec<u8>,
    epoch: u64,
    r: &mut Routing,
) {
    let size = conn.io_buf_size().max(32 * 1024);
    let mut buf = leftover;
    let mut end = buf.len();
    if let Err(e) = grow(&mut buf, size) {
        return fail(conn, epoch, e);
    }
    let mut start = 0;
    // Body bytes of a message nobody receives, still to skip.
    let mut discard = 0usize;
    // Bytes of a CRLF still to skip after a body received directly.
    let mut skip_crlf = 0usize;
    let mut parser = Parser::new(crate::proto::parser::DEFAULT_MAX_CONTROL_LINE);
    parser.set_max_payload(conn.max_payload());
    loop {
        loop {
            if discard > 0 {
                let n = discard.min(end - start);
                start += n;
                discard -= n;
                if discard > 0 {
                    start = 0;
                    end = 0;
                    break;
                }
            }
            while skip_crlf > 0 && start < end {
                if buf[start] != b"\r\n"[2 - skip_crlf] {
                    let e = Error::new(
                        ErrorKind::ProtocolError,
                        "missing CRLF after message payload",
                    );
                    return fail(conn, epoch, e);
                }
                start += 1;
                skip_crlf -= 1;
            }
            if skip_crlf > 0 {
                start = 0;
                end = 0;
                break;
            }
            match parser.parse(&buf[start..end]) {
                Ok(Parsed::Op(op, n)) => {
                    let info = matches!(op, ServerOp::Info(_));
                    if let Err(e) = handle(conn, op, epoch, r) {
                        return fail(conn, epoch, e);
                    }
                    start += n;
                    if info {
                        // The limit follows the server's latest word.
                        parser.set_max_payload(conn.max_payload());
                    }
                }
                Ok(Parsed::Incomplete(need)) => {
                    if need - (end - start) >= DIRECT_BODY {
                        if let Some(pm) = parser.take_partial_msg(&buf[start..end]) {
                            let total = pm.total_len;
                            let have = (end - start - pm.body_start).min(total);
                            // The subscription first: a message nobody
                            // receives is not allocated, only skipped.
                            let Some(sub) = r.recent.get(conn, pm.sid) else {
                                r.counts.add(total);
                                start += pm.body_start + have;
                                discard = total - have;
                                skip_crlf = 2;
                                continue;
                            };
                            match receive_body(conn, &mut stream, pm, &buf[start..end]) {
                                Ok((msg, used)) => {
                                    start += used;
                                    skip_crlf = 2;
                                    r.counts.add(total);
                                    route_to(conn, sub, msg, &mut r.batch, &mut r.counts);
                                    continue;
                                }
                                Err(e) => return fail(conn, epoch, e),
                            }
                        }
                    }
                    if start > 0 {
                        buf.copy_within(start..end, 0);
                        end -= start;
                        start = 0;
                    }
                    // Bounded by what arrived: a body still to come that
                    // is larger than DIRECT_BODY went the way above.
                    if let Err(e) = grow(&mut buf, need) {
                        return fail(conn, epoch, e);
                    }
                    break;
                }
                Err(e) => {
                    return fail(conn, epoch, Error::new(ErrorKind::ProtocolError, e.0));
                }
            }
        }
        if end == buf.len() {
            let doubled = buf.len().saturating_mul(2);
            if let Err(e) = grow(&mut buf, doubled) {
                return fail(conn, epoch, e);
            }
        }
        // Hand over what this read brought before waiting for the next.
        r.hand_over(conn);
        match stream.read(&mut buf[end..]) {
            Ok(0) => {
                conn.connection_lost(
                    epoch,
                    Error::new(
                        ErrorKind::ConnectionClosed,
                        "connection closed by the server",
                    ),
                );
                return;
            }
            Ok(n) => end += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                conn.connection_lost(
                    epoch,
                    Error::new(ErrorKind::IoError, format!("read failed: {e}")),
                );
                return;
            }
        }
        if conn.is_closed() {
            return;
        }
    }
}

/// The connection cannot go on: reconnect or close as for a lost
/// connection, which records the error as the connection's last. When what
/// the server sent cannot be handled (a protocol error, or no memory for
/// it), the error handler hears of it first; a socket that merely ended
/// (closed, reset) is only a disconnection.
fn fail<H: Host>(conn: &H, epoch: u64, e: Error) {
    if matches!(e.kind, ErrorKind::ProtocolError | ErrorKind::NoMemory) && !conn.is_closed() {
        conn.report_async_error(None, e.clone());
    }
    conn.connection_lost(epoch, e);
}

/// Acts on one op; an error (no memory for a message) ends the connection.
fn handle<H: Host>(conn: &H, op: ServerOp<'_>, epoch: u64, r: &mut Routing) -> Result<(), Error> {
    if !matches!(op, ServerOp::Msg { .. }) {
        // Messages before a PONG (a drain's or a flush's) go first.
        r.hand_over(conn);
    }
    match op {
        ServerOp::Msg {
            subject,
            sid,
            reply,
            headers,
            payload,
        } => {
            r.counts.add(payload.len() + headers.map_or(0, <[u8]>::len));
            let Some(sub) = r.recent.get(conn, sid) else {
                return Ok(());
            };
            let msg = Message::try_from_wire(
                subject,
                reply,
                headers,
                payload,
                sid,
                conn.message_padding(),
            )?;
            route_to(conn, sub, msg, &mut r.batch, &mut r.counts);
        }
        ServerOp::Ping => conn.on_ping(),
        ServerOp::Pong => conn.on_pong(epoch),
        ServerOp::Info(json) => {
            if let Ok(info) = ServerInfo::parse(json) {
                conn.on_info(info, epoch);
            }
        }
        ServerOp::Err(text) => conn.on_server_error(&String::from_utf8_lossy(text), epoch),
        ServerOp::Ok => {}
    }
    Ok(())
}

/// Hands a received message to its subscription (or the request waiting
/// for it).
fn route_to<H: Host>(
    conn: &H,
    sub: &Subscription,
    msg: Message,
    batch: &mut DeliveryBatch<Subscription>,
    counts: &mut InCounts,
) {
    // A JetStream subscription swallows its heartbeats and flow control.
    let ext = sub.extension();
    let msg = match ext {
        Some(ext) => match ext.on_routed(sub, msg) {
            Some(m) => m,
            None => return,
        },
        None => msg,
    };
    let outcome = match sub.0.kind {
        // Batched: counted when the batch is handed over.
        SubKind::Async { .. } => sub.enqueue(msg, batch),
        SubKind::Sync { .. } => {
            counts.settle(conn);
            sub.enqueue(msg, batch)
        }
        SubKind::Replies => {
            counts.settle(conn);
            conn.route_reply(msg);
            return;
        }
    };
    if let Some(ext) = ext {
        ext.on_queued(
            sub,
            matches!(outcome, Enqueued::Queued | Enqueued::LimitReached),
        );
    }
    match outcome {
        Enqueued::Queued | Enqueued::Ignored | Enqueued::Dropped { first: false } => {}
        // The server stops sending too (UNSUB with max); forget the sid.
        Enqueued::LimitReached => conn.subs().forget(sub.sid()),
        Enqueued::Dropped { first: true } => conn.report_async_error(
            Some(sub),
            Error::new(ErrorKind::SlowConsumer, "slow consumer, messages dropped"),
        ),
    }
}

/// Receives the body of a large message into its `Message`: first what
/// `buffered` (the unparsed bytes, starting with the control line) holds,
/// then straight from the socket. Returns the message and how many bytes
/// of `buffered` it used; the CRLF after the body is left for the caller to
/// skip. A body above `PREALLOC_MAX` is collected as it arrives, its buffer
/// at most doubling each time it fills, so memory follows the bytes sent,
/// not the size claimed.
fn receive_body<H: Host>(
    conn: &H,
    stream: &mut ReadHalf,
    pm: PartialMsg<'_>,
    buffered: &[u8],
) -> Result<(Message, usize), Error> {
    let total = pm.total_len;
    let have = (buffered.len() - pm.body_start).min(total);
    let arrived = &buffered[pm.body_start..pm.body_start + have];
    let padding = conn.message_padding();
    let hdr_len = pm.hdr_len.unwrap_or(0);
    if total <= PREALLOC_MAX {
        let mut msg =
            Message::with_body_space(pm.subject, pm.reply, hdr_len, total, pm.sid, padding)?;
        let body = msg.body_mut();
        body[..have].copy_from_slice(arrived);
        read_exact(stream, &mut body[have..])?;
        return Ok((msg, pm.body_start + have));
    }
    let mut body = Vec::new();
    let no_memory = |_| {
        Error::new(
            ErrorKind::NoMemory,
            format!("cannot allocate a message of {total} bytes"),
        )
    };
    body.try_reserve_exact(PREALLOC_MAX.max(have))
        .map_err(no_memory)?;
    body.extend_from_slice(arrived);
    while body.len() < total {
        let filled = body.len();
        let more = filled.max(PREALLOC_MAX).min(total - filled);
        body.try_reserve_exact(more).map_err(no_memory)?;
        body.resize(filled + more, 0);
        read_exact(stream, &mut body[filled..])?;
    }
    let (headers, payload) = body.split_at(hdr_len.min(total));
    let msg = Message::try_from_wire(
        pm.subject,
        pm.reply,
        pm.hdr_len.map(|_| headers),
        payload,
        pm.sid,
        padding,
    )?;
    Ok((msg, pm.body_start + have))
}

/// Fills `out` from the socket.
fn read_exact(stream: &mut ReadHalf, out: &mut [u8]) -> Result<(), Error> {
    let mut filled = 0;
    while filled < out.len() {
        match stream.read(&mut out[filled..]) {
            Ok(0) => {
                return Err(Error::new(
                    ErrorKind::ConnectionClosed,
                    "connection closed by the server",
                ))
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::new(ErrorKind::IoError, format!("read failed: {e}"))),
        }
    }
    Ok(())
}
