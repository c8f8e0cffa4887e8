//! `js_PullSubscribeAsync`: a pull subscription that fetches by itself and
//! hands each message to a callback. After each delivered message it
//! decides whether to ask for more (by default: `FetchSize` messages once
//! fewer than `KeepAhead` are outstanding; or the user's `NextHandler`);
//! it ends on its limits, its timeout, missed heartbeats or a terminal
//! status, delivering what arrived first, and tells the complete handler
//! why, once, after the last message.
//!
//! Lock order: `state` is a leaf; `timers` is taken without it.
use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::client::subscription::SubInner;
use crate::client::timer::{self, TimerHandle};
use crate::client::{Connection, ErrorKind, Message, MsgHandler, Subscription};

use super::super::context::JetStream;
use super::super::error::{JsError, JsResult};
use super::ack::AutoAck;
use super::options::{FetchRequest, SubOptions};
use super::pull::{self, fetch_size, Fetched, PullState, PIN_ID_HDR};
use super::JsSub;

/// nats.c's default `FetchSize`: messages per request.
pub const DEFAULT_FETCH_SIZE: i64 = 128;

/// Decides the next request: `Some((messages, max_bytes))` to send one.
pub type NextHandler = Arc<dyn Fn(&Subscription) -> Option<(i64, i64)> + Send + Sync>;

/// Told once why the subscription stopped; `None` means it was closed by
/// the user (nats.c's `NATS_OK`).
pub type CompleteHandler = Arc<dyn Fn(&Connection, &Subscription, Option<&JsError>) + Send + Sync>;

/// nats.c's `jsOptionsPullSubscribeAsync`.
#[derive(Clone, Default)]
pub struct PullAsyncOptions {
    /// End after this long (zero: never).
    pub timeout: Duration,
    /// End after this many messages (0: no limit).
    pub max_messages: i64,
    /// End after this many bytes (0: no limit).
    pub max_bytes: i64,
    /// Take what the server has and end, rather than wait for more.
    pub no_wait: bool,
    /// Ask for heartbeats this often; two missed end the subscription.
    pub heartbeat: Duration,
    /// The priority group (server 2.11+).
    pub group: String,
    pub min_pending: i64,
    pub min_ack_pending: i64,
    /// Messages per request (0: [`DEFAULT_FETCH_SIZE`]).
    pub fetch_size: i64,
    /// Ask for the next batch this many messages before the current one is
    /// fulfilled.
    pub keep_ahead: i64,
    /// Decides every request instead of the library.
    pub next: Option<NextHandler>,
    pub complete: Option<CompleteHandler>,
}

/// The events a timer queues behind the messages already received.
#[derive(Debug, Clone, Copy)]
enum FetchEvent {
    Expired,
    MissedHeartbeat,
    /// The connection is back: ask again for what is still outstanding.
    Reconnected,
}

#[derive(Default)]
struct Counts {
    requested: i64,
    delivered: i64,
    delivered_bytes: i64,
    /// The pinned id the consumer gave us last (sent with each request).
    pin_id: String,
    /// Why the subscription ends (`None`: not, or closed by the user).
    status: Option<JsError>,
}

/// The fetching side of a js_PullSubscribeAsync subscription.
pub struct AsyncFetch {
    opts: PullAsyncOptions,
    /// Acknowledge each message once its callback returns.
    auto_ack: bool,
    start: Instant,
    /// Bytes of user messages received (the reader counts them).
    received_bytes: AtomicI64,
    state: Mutex<Counts>,
    timers: Mutex<Vec<TimerHandle>>,
    completed: AtomicBool,
}

impl AsyncFetch {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// On the reader thread: counts the user's bytes for `MaxBytes`.
    pub(super) fn on_routed(&self, msg: &Message) {
        if !msg.data().is_empty() || msg.status().is_none() {
            self.received_bytes
                .fetch_add(i64::try_from(msg.wire_len()).unwrap_or(0), Relaxed);
        }
    }

    /// nats.c's `_autoNextFetchRequest`.
    fn auto_next(&self) -> Option<(i64, i64)> {
        let o = &self.opts;
        let st = self.lock();
        if st.requested - st.delivered > o.keep_ahead {
            return None;
        }
        let mut unrequested = i64::MAX;
        if o.max_messages > 0 {
            unrequested = o.max_messages - st.requested;
            if unrequested <= 0 {
                return None;
            }
        }
        let mut bytes = 0;
        if o.max_bytes > 0 {
            bytes = o.max_bytes - self.received_bytes.load(Relaxed);
            if bytes <= 0 {
                return None;
            }
        }
        let want = unrequested.min(o.fetch_size);
        (want > 0).then_some((want, bytes))
    }

    /// Sends the next request if the flow control wants one.
    fn maybe_fetch_more(&self, js: &JsSub, pull: &PullState, sub: &Subscription) -> JsResult<()> {
        let next = match &self.opts.next {
            Some(h) => h(sub),
            None => self.auto_next(),
        };
        let Some((batch, max_bytes)) = next else {
            return Ok(());
        };
        if batch <= 0 {
            return Ok(());
        }
        let o = &self.opts;
        let mut req = FetchRequest {
            batch,
            max_bytes,
            no_wait: o.no_wait,
            heartbeat: nanos(o.heartbeat),
            group: o.group.clone(),
            min_pending: o.min_pending,
            min_ack_pending: o.min_ack_pending,
            id: self.lock().pin_id.clone(),
            ..FetchRequest::default()
        };
        if !o.timeout.is_zero() {
            let left = o.timeout.saturating_sub(self.start.elapsed());
            if left.is_zero() {
                // The expiry is about to end the subscription.
                return Ok(());
            }
            req.expires = nanos(left);
        }
        let (_, reply) = pull.next_fetch();
        pull::send_request(js, &reply, &req)?;
        self.lock().requested += batch;
        Ok(())
    }

    /// Ends the subscription with `status` (what arrived after it is
    /// dropped, as nats.c's unsubscribe does).
    fn end(&self, sub: &Subscription, status: JsError) {
        self.lock().status = Some(status);
        let _ = super::unsubscribe(sub);
    }

    /// One queued message, on the subscription's delivery thread (nats.c's
    /// dispatcher logic for fetches).
    fn deliver(
        &self,
        js: &JsSub,
        pull: &PullState,
        conn: &Connection,
        sub: &Subscription,
        msg: Message,
        user: &MsgHandler,
    ) {
        if let Some(ev) = msg.binding().and_then(|b| b.downcast_ref::<FetchEvent>()) {
            let e = match ev {
                FetchEvent::Reconnected => {
                    // A restarted server forgot the waiting requests: count
                    // them as never sent and ask again.
                    {
                        let mut st = self.lock();
                        st.requested = st.delivered;
                    }
                    if sub.is_valid() && !sub.is_draining() {
                        if let Err(e) = self.maybe_fetch_more(js, pull, sub) {
                            self.end(sub, e);
                        }
                    }
                    return;
                }
                FetchEvent::Expired => JsError::new(ErrorKind::Timeout, "fetch expired"),
                FetchEvent::MissedHeartbeat => {
                    JsError::new(ErrorKind::MissedHeartbeat, "missed server heartbeats")
                }
            };
            self.end(sub, e);
            return;
        }
        let (mut status, mut msg) = match pull.classify(msg, pull.current_fetch(), true) {
            Fetched::User(m) => (None, Some(m)),
            Fetched::Ignored => (None, None),
            Fetched::End(e) => (Some(e), None),
        };
        let mut last = false;
        let mut over = false;
        {
            let mut st = self.lock();
            if status
                .as_ref()
                .is_some_and(|e| e.kind == ErrorKind::PinIdMismatch)
            {
                st.pin_id.clear();
            }
            if let Some(m) = msg.as_mut() {
                if let Some(pin) = pin_id(m) {
                    st.pin_id = pin;
                }
                let o = &self.opts;
                let over_bytes = o.max_bytes > 0 && st.delivered_bytes > o.max_bytes;
                let mut over_fetch = over_bytes;
                last = over_bytes;
                if o.max_messages > 0 {
                    over_fetch |= st.delivered >= o.max_messages;
                    last |= st.delivered == o.max_messages - 1;
                }
                if status.is_none() {
                    if last || over_fetch {
                        status = Some(JsError::new(
                            ErrorKind::MaxDeliveredMsgs,
                            "maximum messages delivered",
                        ));
                    } else if over_bytes {
                        status = Some(JsError::new(ErrorKind::LimitReached, "byte limit reached"));
                    }
                }
                over = over_fetch;
                if !over {
                    st.delivered += 1;
                    st.delivered_bytes = st.delivered_bytes.saturating_add(fetch_size(m));
                }
                if last {
                    st.status = status.clone();
                }
            }
        }
        let Some(m) = msg else {
            if let Some(e) = status {
                self.end(sub, e);
            }
            // Otherwise a heartbeat (the reader saw it arrive), or a status
            // of an older request.
            return;
        };
        if let (Some(e), false) = (status, last) {
            self.end(sub, e);
            return;
        }
        if !over {
            self.hand_over(js, conn, sub, m, user);
        }
        if last {
            let _ = super::unsubscribe(sub);
            return;
        }
        if sub.is_valid() && !sub.is_draining() {
            if let Err(e) = self.maybe_fetch_more(js, pull, sub) {
                // Deliver what already came, then end with the error.
                self.lock().status = Some(e);
                let _ = Connection::of(sub)
                    .drain_subscription(sub, Some(crate::client::DEFAULT_DRAIN_TIMEOUT));
            }
        }
    }

    /// The user's callback, then the automatic ack (unless the user acked).
    fn hand_over(
        &self,
        js: &JsSub,
        conn: &Connection,
        sub: &Subscription,
        m: Message,
        user: &MsgHandler,
    ) {
        let ack = if self.auto_ack { AutoAck::of(&m) } else { None };
        user(conn, sub, Some(m));
        if let Some(ack) = ack {
            ack.finish(js.connection());
        }
    }

    /// On the reconnecting thread: the new request is made on the delivery
    /// thread, in turn with the messages received before.
    pub(super) fn on_reconnected(&self, sub: &Subscription) {
        if !self.completed.load(Acquire) {
            inject(&Arc::downgrade(sub.as_arc()), FetchEvent::Reconnected);
        }
    }

    /// Once, when the subscription ends: stops the timers and calls the
    /// complete handler.
    pub(super) fn on_closed(&self, _js: &JsSub, sub: &Subscription) {
        for t in self
            .timers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            t.cancel();
        }
        if self.completed.swap(true, AcqRel) {
            return;
        }
        let Some(cb) = &self.opts.complete else {
            return;
        };
        let conn = Connection::of(sub);
        let mut status = self.lock().status.clone();
        if status.is_none() && conn.is_closed() {
            status = Some(JsError::new(
                ErrorKind::ConnectionClosed,
                "connection closed",
            ));
        }
        cb(&conn, sub, status.as_ref());
    }

    fn start_timers(self: &Arc<Self>, sub: &Subscription) -> JsResult<()> {
        let mut timers = Vec::new();
        if !self.opts.timeout.is_zero() {
            let weak = Arc::downgrade(sub.as_arc());
            timers.push(timer::schedule(self.opts.timeout, None, move || {
                inject(&weak, FetchEvent::Expired);
                false
            })?);
        }
        if !self.opts.heartbeat.is_zero() {
            let weak = Arc::downgrade(sub.as_arc());
            let every = self.opts.heartbeat.saturating_mul(2);
            timers.push(timer::schedule(every, Some(every), move || {
                heartbeat_check(&weak)
            })?);
        }
        *self.timers.lock().unwrap_or_else(|p| p.into_inner()) = timers;
        Ok(())
    }
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// A message's `Nats-Pin-Id`, if it has one.
fn pin_id(m: &mut Message) -> Option<String> {
    if !m.has_headers() {
        return None;
    }
    let h = m.headers().ok()??;
    let v = h.get(PIN_ID_HDR)?;
    (!v.is_empty()).then(|| String::from_utf8_lossy(v).into_owned())
}

/// Queues `ev` behind what the subscription already received.
fn inject(weak: &Weak<SubInner>, ev: FetchEvent) {
    let Some(inner) = weak.upgrade() else {
        return;
    };
    let sub = Subscription::from_arc(inner);
    let mut m = Message::new("_FETCH.EVENT", None, b"");
    let ev: Arc<dyn Any + Send + Sync> = Arc::new(ev);
    m.set_binding(ev);
    sub.inject(m);
}

/// Every two heartbeat intervals: nothing arrived and nothing is waiting
/// to be delivered means the server is gone (nats.c's `_hbTimerFired`).
fn heartbeat_check(weak: &Weak<SubInner>) -> bool {
    let Some(inner) = weak.upgrade() else {
        return false;
    };
    let sub = Subscription::from_arc(inner);
    let Some(js) = JsSub::of(&sub) else {
        return false;
    };
    let Some(pull) = js.pull() else {
        return false;
    };
    if pull.take_active() {
        return true;
    }
    if sub.pending().map_or(true, |(n, _)| n == 0) {
        inject(weak, FetchEvent::MissedHeartbeat);
        return false;
    }
    true
}

/// nats.c's checks of the options before anything is created.
fn check_options(o: &PullAsyncOptions, sub_opts: &SubOptions) -> JsResult<()> {
    if o.keep_ahead > 0 {
        if o.max_bytes > 0 {
            return Err(JsError::invalid_arg(
                "Can not use MaxBytes and KeepAhead together",
            ));
        }
        if o.no_wait {
            return Err(JsError::invalid_arg(
                "Can not use NoWait with KeepAhead together",
            ));
        }
        let groups = &sub_opts.config.priority_groups;
        if !groups.is_empty() {
            if o.group.is_empty() {
                return Err(JsError::invalid_arg(
                    "Group is required for a priority group consumer",
                ));
            }
            if !groups.contains(&o.group) {
                return Err(JsError::invalid_arg(
                    "Group is not part of the priority group consumer",
                ));
            }
        } else if !o.group.is_empty() {
            return Err(JsError::invalid_arg(
                "Group is not supported for a non-priority group consumer",
            ));
        }
    }
    Ok(())
}

/// `js_PullSubscribeAsync`: subscribes, then sends the first request;
/// `handler` gets every message on the subscription's delivery thread.
pub fn pull_subscribe_async(
    js: &JetStream,
    subject: &str,
    durable: Option<&str>,
    handler: MsgHandler,
    opts: &PullAsyncOptions,
    sub_opts: &SubOptions,
) -> JsResult<Subscription> {
    check_options(opts, sub_opts)?;
    let mut o = opts.clone();
    if o.fetch_size == 0 {
        o.fetch_size = DEFAULT_FETCH_SIZE;
    }
    let user = handler;
    let wrapper: MsgHandler = Arc::new(
        move |conn: &Connection, sub: &Subscription, msg: Option<Message>| {
            let Some(msg) = msg else {
                return;
            };
            let Some(js) = JsSub::of(sub) else {
                return;
            };
            let Some(pull) = js.pull() else {
                return;
            };
            if let Some(f) = pull.fetcher.get() {
                f.deliver(&js, pull, conn, sub, msg, &user);
            }
        },
    );
    let sub = pull::subscribe(js, subject, durable, sub_opts, Some(wrapper))?;
    let Some(state) = JsSub::of(&sub) else {
        return Err(JsError::new(ErrorKind::Err, "not a JetStream subscription"));
    };
    let Some(pull) = state.pull() else {
        return Err(JsError::new(ErrorKind::Err, "not a pull subscription"));
    };
    let fetch = Arc::new(AsyncFetch {
        opts: o,
        auto_ack: !sub_opts.manual_ack && !state.ack_none,
        start: Instant::now(),
        received_bytes: AtomicI64::new(0),
        state: Mutex::new(Counts::default()),
        timers: Mutex::new(Vec::new()),
        completed: AtomicBool::new(false),
    });
    pull.mark_async();
    let _ = pull.fetcher.set(fetch.clone());
    let started = fetch
        .start_timers(&sub)
        .and_then(|()| fetch.maybe_fetch_more(&state, pull, &sub));
    if let Err(e) = started {
        // Not started: no complete handler for a subscription never handed out.
        fetch.completed.store(true, Release);
        let _ = super::unsubscribe(&sub);
        return Err(e);
    }
    Ok(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(o: PullAsyncOptions) -> AsyncFetch {
        AsyncFetch {
            opts: o,
            auto_ack: false,
            start: Instant::now(),
            received_bytes: AtomicI64::new(0),
            state: Mutex::new(Counts::default()),
            timers: Mutex::new(Vec::new()),
            completed: AtomicBool::new(false),
        }
    }

    #[test]
    fn auto_next_keeps_ahead_and_stops_at_the_limits() {
        let f = fetch(PullAsyncOptions {
            fetch_size: 10,
            keep_ahead: 3,
            max_messages: 25,
            ..PullAsyncOptions::default()
        });
        assert_eq!(f.auto_next(), Some((10, 0)));
        f.lock().requested = 10;
        f.lock().delivered = 6; // 4 outstanding > 3
        assert_eq!(f.auto_next(), None);
        f.lock().delivered = 7; // 3 outstanding: ask ahead
        assert_eq!(f.auto_next(), Some((10, 0)));
        f.lock().requested = 20;
        f.lock().delivered = 17;
        assert_eq!(f.auto_next(), Some((5, 0)), "only what MaxMessages leaves");
        f.lock().requested = 25;
        f.lock().delivered = 25;
        assert_eq!(f.auto_next(), None);
    }

    #[test]
    fn auto_next_asks_for_the_bytes_left() {
        let f = fetch(PullAsyncOptions {
            fetch_size: 10,
            max_bytes: 1000,
            ..PullAsyncOptions::default()
        });
        f.received_bytes.store(400, Relaxed);
        assert_eq!(f.auto_next(), Some((10, 600)));
        f.received_bytes.store(1000, Relaxed);
        assert_eq!(f.auto_next(), None);
    }

    #[test]
    fn keep_ahead_excludes_max_bytes_no_wait_and_stray_groups() {
        let sub_opts = SubOptions::default();
        let ka = PullAsyncOptions {
            keep_ahead: 1,
            ..PullAsyncOptions::default()
        };
        assert!(check_options(&ka, &sub_opts).is_ok());
        let e = check_options(
            &PullAsyncOptions {
                max_bytes: 1,
                ..ka.clone()
            },
            &sub_opts,
        )
        .unwrap_err();
        assert_eq!(e.text, "Can not use MaxBytes and KeepAhead together");
        let e = check_options(
            &PullAsyncOptions {
                no_wait: true,
                ..ka.clone()
            },
            &sub_opts,
        )
        .unwrap_err();
        assert_eq!(e.text, "Can not use NoWait with KeepAhead together");
        let g = PullAsyncOptions {
            group: "A".into(),
            ..ka.clone()
        };
        let e = check_options(&g, &sub_opts).unwrap_err();
        assert_eq!(
            e.text,
            "Group is not supported for a non-priority group consumer"
        );
        let mut pg = SubOptions::default();
        pg.config.priority_groups = vec!["B".into()];
        let e = check_options(&g, &pg).unwrap_err();
        assert_eq!(e.text, "Group is not part of the priority group consumer");
        let e = check_options(&ka, &pg).unwrap_err();
        assert_eq!(e.text, "Group is required for a priority group consumer");
        pg.config.priority_groups.push("A".into());
        assert!(check_options(&g, &pg).is_ok());
    }
}
