//! Push subscriptions (nats.c's `js_Subscribe*`): the server sends the
//! consumer's messages to a deliver subject. The reader hands each one to
//! [`PushState`] first, which
//! - swallows idle heartbeats, answering a stalled consumer's flow control
//!   and comparing the heartbeat's last consumer sequence with the last one
//!   queued (a mismatch goes to the error handler once for an async
//!   subscription, to the next `next_msg` for a sync one);
//! - swallows flow control requests, answered once the message before them
//!   was delivered;
//! - records each message's sequences once it is queued (a message dropped
//!   over the pending limits is not counted, so the next heartbeat shows
//!   the gap);
//! - notes activity, which a timer checks: two heartbeat intervals without
//!   any is reported as `MissedHeartbeat` (and resets an ordered consumer).
//!
//! An async subscription without `manual_ack` acks each message after its
//! callback returns, unless the callback did.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::client::conn::{Delivery, SubSpec};
use crate::client::timer::{self, TimerHandle};
use crate::client::{Connection, Error, ErrorKind, Message, MsgHandler, Result, Subscription};
use crate::jetstream::consumer_info::ConsumerInfo;
use crate::jetstream::context::JetStream;
use crate::jetstream::error::{JsError, JsResult};

use super::ack::AutoAck;
use super::metadata::parse_ack_subject;
use super::options::{SequenceMismatch, SubOptions};
use super::ordered::Ordered;
use super::resolve::{self, Plan, Request};
use super::{texts, JsSub, Mode};

const LAST_CONSUMER_HDR: &str = "Nats-Last-Consumer";
const CONSUMER_STALLED_HDR: &str = "Nats-Consumer-Stalled";

/// Heartbeats missed for this many intervals count as missed.
const MISSED_INTERVALS: u32 = 2;
/// The activity check runs this many times per heartbeat interval, so a
/// loss is reported at most a quarter interval late.
const CHECKS_PER_INTERVAL: u32 = 4;

/// Nanoseconds since the first call: a cheap clock for activity stamps.
fn now_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// What the reader knows of the stream so far (reader thread, and the
/// threads that reset an ordered consumer).
#[derive(Debug, Default)]
pub(crate) struct Track {
    /// Data messages queued (nats.c's `fciseq`): a flow control reply
    /// waits until this many were delivered.
    pub queued: u64,
    /// (stream, consumer) sequences of the last queued message.
    pub last: Option<(u64, u64)>,
    /// The sequences of the message being queued, kept until `on_queued`.
    pub pending: Option<(u64, u64)>,
    /// The last mismatch check: (stream, client consumer, server consumer).
    pub mismatch: (u64, u64, u64),
    /// A mismatch was reported and is not resolved yet (nats.c's `ssmn`).
    pub suppressed: bool,
    /// Ordered: the consumer sequence expected next (1 after a reset).
    pub next_dseq: u64,
    /// Ordered: the stream sequence of the last message queued.
    pub last_sseq: u64,
}

/// The push-mode state of a JetStream subscription (boxed: a JetStream
/// subscription's mode stays small).
pub struct PushState(Box<PushInner>);

impl std::ops::Deref for PushState {
    type Target = PushInner;
    fn deref(&self) -> &PushInner {
        &self.0
    }
}

/// Lock order: `track` → (the connection's locks, through a rewire or a
/// publish); `fc` and `timer` are leaves.
pub struct PushInner {
    /// The consumer's idle heartbeat (zero: none).
    heartbeat: Duration,
    /// Callbacks, not `next_msg`: a mismatch goes to the error handler.
    is_async: bool,
    pub(crate) ordered: Option<Ordered>,
    pub(crate) track: Mutex<Track>,
    /// A sync subscription's `next_msg` reports a mismatch once.
    mismatch_pending: AtomicBool,
    /// Flow control reply and the delivered count it waits for.
    fc: Mutex<Option<(String, u64)>>,
    /// `fc`'s count, 0 when none: the per-delivery check stays lock-free.
    fc_at: AtomicU64,
    /// When anything last arrived ([`now_ns`]).
    last_active: AtomicU64,
    timer: Mutex<Option<TimerHandle>>,
}

fn header_text(v: Option<&[u8]>) -> Option<&str> {
    v.and_then(|v| std::str::from_utf8(v).ok()).map(str::trim)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PushState {
    fn new(heartbeat_ns: i64, is_async: bool, ordered: Option<Ordered>) -> PushState {
        PushState(Box::new(PushInner {
            heartbeat: Duration::from_nanos(u64::try_from(heartbeat_ns).unwrap_or(0)),
            is_async,
            ordered,
            track: Mutex::new(Track {
                next_dseq: 1,
                ..Track::default()
            }),
            mismatch_pending: AtomicBool::new(false),
            fc: Mutex::new(None),
            fc_at: AtomicU64::new(0),
            last_active: AtomicU64::new(now_ns()),
            timer: Mutex::new(None),
        }))
    }

    /// On the reader thread: control messages stop here.
    pub fn on_routed(&self, js: &JsSub, sub: &Subscription, mut msg: Message) -> Option<Message> {
        // A straggler of an ordered consumer's previous inbox.
        if self.ordered.is_some() && msg.sid() != sub.sid() {
            return None;
        }
        self.last_active.store(now_ns(), Relaxed);
        if msg.data().is_empty() && msg.status() == Some(100) {
            self.on_control(js, sub, &mut msg);
            return None;
        }
        let seqs = msg
            .reply()
            .and_then(|r| parse_ack_subject(r).ok())
            .map(|t| (t.stream_seq, t.consumer_seq));
        let mut t = lock(&self.track);
        if let (Some(o), Some((_, dseq))) = (&self.ordered, seqs) {
            // A gap: start over.
            if dseq != t.next_dseq {
                o.reset(js, sub, self, t);
                return None;
            }
        }
        t.pending = seqs;
        Some(msg)
    }

    /// On the reader thread: what `on_routed` let through was queued or
    /// dropped. Only queued messages count (as nats.c).
    pub fn on_queued(&self, _js: &JsSub, _sub: &Subscription, queued: bool) {
        let mut t = lock(&self.track);
        let pending = t.pending.take();
        if !queued {
            return;
        }
        // Only JetStream's own messages count, as in nats.c.
        if let Some((sseq, dseq)) = pending {
            t.queued += 1;
            t.last = Some((sseq, dseq));
            if self.ordered.is_some() {
                t.next_dseq = dseq + 1;
                t.last_sseq = sseq;
            }
        }
    }

    /// A heartbeat or a flow control request.
    fn on_control(&self, js: &JsSub, sub: &Subscription, msg: &mut Message) {
        let conn = js.connection();
        let reply = msg.reply().filter(|r| !r.is_empty()).map(str::to_string);
        let Ok(Some(h)) = msg.headers() else {
            return;
        };
        let desc = h
            .get(crate::proto::headers::DESCRIPTION_HDR)
            .unwrap_or_default();
        if desc.starts_with(b"Flow") {
            if let Some(reply) = reply {
                self.on_flow_control(sub, conn, reply);
            }
            return;
        }
        if !desc.starts_with(b"Idle") {
            return;
        }
        // A stalled consumer names the flow control reply it waits for.
        if let Some(fc) = header_text(h.get(CONSUMER_STALLED_HDR)).filter(|s| !s.is_empty()) {
            let _ = conn.publish(fc, b"");
        }
        if reply.is_some() {
            return;
        }
        let last = header_text(h.get(LAST_CONSUMER_HDR)).map(|v| v.parse::<u64>());
        self.on_heartbeat(js, sub, last);
    }

    fn on_flow_control(&self, sub: &Subscription, conn: &Connection, reply: String) {
        let queued = lock(&self.track).queued;
        let delivered = sub.delivered().map_or(0, |d| d.max(0) as u64);
        if delivered >= queued {
            let _ = conn.publish(&reply, b"");
            return;
        }
        // Answered once the message before it was handed over.
        *lock(&self.fc) = Some((reply, queued));
        self.fc_at.store(queued, Release);
        // It may have been handed over meanwhile.
        if let Ok(d) = sub.delivered() {
            self.on_delivered_count(conn, d.max(0) as u64);
        }
    }

    /// nats.c's `jsSub_processSequenceMismatch`.
    fn on_heartbeat(
        &self,
        js: &JsSub,
        sub: &Subscription,
        last: Option<std::result::Result<u64, std::num::ParseIntError>>,
    ) {
        let mut t = lock(&self.track);
        let Some((sseq, dseq)) = t.last else {
            return;
        };
        let ldseq = match last {
            Some(Ok(v)) => v,
            Some(Err(_)) => return,
            None => t.mismatch.2,
        };
        t.mismatch = (sseq, dseq, ldseq);
        if ldseq == dseq {
            t.suppressed = false;
            self.mismatch_pending.store(false, Release);
            return;
        }
        if let Some(o) = &self.ordered {
            o.reset(js, sub, self, t);
            return;
        }
        if t.suppressed {
            return;
        }
        t.suppressed = true;
        drop(t);
        if self.is_async {
            js.connection().report_async_error(
                Some(sub),
                Error::new(ErrorKind::Mismatch, texts::SEQUENCE_MISMATCH),
            );
        } else {
            self.mismatch_pending.store(true, Release);
        }
    }

    pub fn on_delivered(&self, js: &JsSub, _sub: &Subscription, delivered: u64) {
        self.on_delivered_count(js.connection(), delivered);
    }

    fn on_delivered_count(&self, conn: &Connection, delivered: u64) {
        let at = self.fc_at.load(Acquire);
        if at == 0 || delivered < at {
            return;
        }
        let reply = {
            let mut fc = lock(&self.fc);
            match fc.take() {
                Some((reply, at)) if delivered >= at => {
                    self.fc_at.store(0, Release);
                    Some(reply)
                }
                other => {
                    *fc = other;
                    None
                }
            }
        };
        if let Some(reply) = reply {
            let _ = conn.publish(&reply, b"");
        }
    }

    pub fn check_next_msg(&self, _js: &JsSub, _sub: &Subscription) -> Result<()> {
        if self.mismatch_pending.swap(false, AcqRel) {
            return Err(Error::new(ErrorKind::Mismatch, texts::SEQUENCE_MISMATCH));
        }
        Ok(())
    }

    pub fn on_reconnected(&self, js: &JsSub, sub: &Subscription) {
        if let Some(o) = &self.ordered {
            // The old consumer may be gone with the server: start over.
            o.reset(js, sub, self, lock(&self.track));
        }
    }

    pub fn on_closed(&self, _js: &JsSub, _sub: &Subscription) {
        if let Some(t) = lock(&self.timer).take() {
            t.cancel();
        }
    }

    /// The last mismatch seen, if it is not resolved.
    pub fn mismatch(&self) -> Option<SequenceMismatch> {
        let (stream, client, server) = lock(&self.track).mismatch;
        (client != server).then_some(SequenceMismatch {
            stream,
            consumer_client: client,
            consumer_server: server,
        })
    }

    /// Forgets the flow control reply waiting for an old consumer's
    /// message (an ordered consumer's reset).
    pub(crate) fn clear_flow_control(&self) {
        *lock(&self.fc) = None;
        self.fc_at.store(0, Release);
    }

    /// Starts the missed heartbeat check for `sub`.
    fn start_timer(&self, sub: &Subscription) -> Result<()> {
        if self.heartbeat.is_zero() {
            return Ok(());
        }
        let every = (self.heartbeat / CHECKS_PER_INTERVAL).max(Duration::from_millis(1));
        let weak = Arc::downgrade(sub.as_arc());
        let handle = timer::schedule(every, Some(every), move || {
            let Some(inner) = weak.upgrade() else {
                return false;
            };
            let sub = Subscription::from_arc(inner);
            if !sub.is_valid() {
                return false;
            }
            if let Some(js) = JsSub::of(&sub) {
                if let Some(p) = js.push() {
                    p.check_activity(&js, &sub);
                }
            }
            true
        })?;
        *lock(&self.timer) = Some(handle);
        Ok(())
    }

    /// On the timer thread: two intervals without a message or heartbeat.
    fn check_activity(&self, js: &JsSub, sub: &Subscription) {
        let now = now_ns();
        let last = self.last_active.load(Relaxed);
        let limit =
            u64::try_from((self.heartbeat * MISSED_INTERVALS).as_nanos()).unwrap_or(u64::MAX);
        if now.saturating_sub(last) < limit {
            return;
        }
        // Report again after as long once more.
        self.last_active.store(now, Relaxed);
        if let Some(o) = &self.ordered {
            o.reset(js, sub, self, lock(&self.track));
        }
        js.connection().report_async_error(
            Some(sub),
            Error::new(ErrorKind::MissedHeartbeat, "missed heartbeats"),
        );
    }
}

/// Acks each message after `user` returns, unless it was acked.
fn auto_ack(user: MsgHandler) -> MsgHandler {
    Arc::new(
        move |c: &Connection, s: &Subscription, m: Option<Message>| {
            let ack = m.as_ref().and_then(AutoAck::of);
            user(c, s, m);
            if let Some(ack) = ack {
                ack.finish(c);
            }
        },
    )
}

/// `js_Subscribe` (with a handler) and `js_SubscribeSync` (without), for
/// one or more filter subjects (none when binding to a consumer).
pub fn subscribe(
    js: &JetStream,
    subjects: &[String],
    handler: Option<MsgHandler>,
    opts: &SubOptions,
) -> JsResult<Subscription> {
    subscribe_with_info(js, subjects, handler, opts).map(|(sub, _)| sub)
}

/// [`subscribe`], also giving the consumer's info as the server answered
/// it (when known): a key-value watcher counts its initial values from it.
pub fn subscribe_with_info(
    js: &JetStream,
    subjects: &[String],
    handler: Option<MsgHandler>,
    opts: &SubOptions,
) -> JsResult<(Subscription, Option<ConsumerInfo>)> {
    let req = Request {
        subjects,
        pull_durable: None,
        opts,
        pull: false,
    };
    let conn = js.connection().clone();
    let (sub, plan) = resolve::subscribe(js, req, |plan: &Plan| {
        let deliver = plan
            .deliver
            .as_deref()
            .ok_or_else(|| JsError::new(ErrorKind::Err, "no deliver subject"))?;
        let ordered = plan.ordered_config.clone().map(Ordered::new);
        let state = PushState::new(plan.heartbeat, handler.is_some(), ordered);
        let jsub = JsSub::new(
            js.clone(),
            plan.stream.clone(),
            plan.ack_none,
            Mode::Push(state),
        );
        let delivery = match &handler {
            None => Delivery::Sync,
            Some(h) if !opts.manual_ack && !plan.ack_none => Delivery::Async {
                handler: auto_ack(h.clone()),
                idle: None,
            },
            Some(h) => Delivery::Async {
                handler: h.clone(),
                idle: None,
            },
        };
        let sub = conn.subscribe_ext(SubSpec {
            subject: deliver,
            queue: (!opts.queue.is_empty()).then_some(opts.queue.as_str()),
            delivery,
            extension: Some(jsub.clone()),
        })?;
        if let Some(p) = jsub.push() {
            if let Err(e) = p.start_timer(&sub) {
                let _ = conn.unsubscribe(&sub);
                return Err(e.into());
            }
        }
        Ok(sub)
    })?;
    Ok((sub, plan.info))
}

/// `natsSubscription_GetConsumerInfo`: the consumer's info, asked with
/// `js` (the subscription's context when `None`).
pub fn consumer_info(sub: &Subscription, js: Option<&JetStream>) -> JsResult<ConsumerInfo> {
    let jsub = JsSub::require(sub)?;
    let name = jsub.consumer().ok_or_else(|| {
        JsError::new(
            ErrorKind::InvalidSubscription,
            "the subscription's consumer is not known",
        )
    })?;
    js.unwrap_or(&jsub.js).consumer_info(&jsub.stream, &name)
}

/// `natsSubscription_GetSequenceMismatch`: `None` while the heartbeats
/// agree with what was received.
pub fn sequence_mismatch(sub: &Subscription) -> JsResult<Option<SequenceMismatch>> {
    let jsub = JsSub::require(sub)?;
    Ok(jsub.push().and_then(PushState::mismatch))
}
