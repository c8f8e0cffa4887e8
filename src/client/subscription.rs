//! Subscriptions: their queue, pending limits, counters and life cycle.
//!
//! The reader thread calls `enqueue`, which says what became of the
//! message, and acts on it; a sync subscription is drained by `next_msg`,
//! an async one by its dispatcher calling `deliver`. A subscription is
//! closed once (`close`), after which its dispatcher runs `complete`
//! exactly once, after the last callback has returned.
//!
//! A subscription does not know the connection's type: it reaches what
//! made it through `Home` (to leave the subscription table when it ends),
//! and the operations that send protocol (unsubscribe, drain) are the
//! connection's, taking a subscription.
use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender};

use super::dispatch::{DeliveryBatch, Dispatcher, Target, Work};
use super::error::{Error, ErrorKind, Result};
use super::flow_counts::FlowCounts;
use super::message::Message;
use crate::proto::encode;

/// What an asynchronous subscription does with a message (the connection
/// binds the user's callback to itself); `None` tells a
/// subscribe-with-timeout that no message arrived in time.
pub(crate) type Deliver = Arc<dyn Fn(&Subscription, Option<Message>) + Send + Sync>;

/// What a subscription needs of the connection that made it. `Any` lets
/// the connection recognise itself (`Connection::of`).
pub(crate) trait Home: Any + Send + Sync {
    /// The server sends no more on `sid`: stop routing it.
    fn forget(&self, sid: u64);
    /// The subscription is closed: it leaves routing and the open set.
    fn release(&self, sid: u64);
    /// A callback or completion of this subscription panicked.
    fn panicked(&self, e: Error);
}

/// What a layer above the core (JetStream) adds to a subscription: it sees
/// each message before it is queued and hears of deliveries and the end.
/// Set when the subscription is made, before its SUB goes out.
pub(crate) trait Extension: Any + Send + Sync {
    /// On the reader thread, before `msg` is queued: `None` swallows it
    /// (a heartbeat, flow control). Never blocks.
    fn on_routed(&self, sub: &Subscription, msg: Message) -> Option<Message>;
    /// On the reader thread, right after a message `on_routed` let through
    /// was queued (`true`) or dropped over the pending limits (`false`).
    fn on_queued(&self, _sub: &Subscription, _queued: bool) {}
    /// A message was handed to the user; `delivered` counts them all.
    fn on_delivered(&self, _sub: &Subscription, _delivered: u64) {}
    /// Before `next_msg` takes a message: an error is returned instead.
    fn check_next_msg(&self, _sub: &Subscription) -> Result<()> {
        Ok(())
    }
    /// The connection reconnected (the SUB went to the new server); on the
    /// reconnecting thread, so it may publish but should not wait long.
    fn on_reconnected(&self, _sub: &Subscription) {}
    /// Once, when the subscription is done (closed, or drained: then
    /// `drained`), before its completion callback runs.
    fn on_closed(&self, _sub: &Subscription, _drained: bool) {}
    /// An asynchronous error (a slow consumer) was reported for the
    /// subscription; on the event thread, after the user's error handler.
    fn on_async_error(&self, _sub: &Subscription, _e: &Error) {}
    fn as_any(&self) -> &dyn Any;
}

/// What became of a message handed to `enqueue`; the reader acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enqueued {
    Queued,
    /// Queued, and the last before the auto-unsubscribe limit: the server
    /// stops sending too, so the reader stops routing the sid.
    LimitReached,
    /// Closed, or past the limit: ignored.
    Ignored,
    /// Dropped over the pending limits; `first` starts a slow-consumer
    /// episode, which is reported once.
    Dropped {
        first: bool,
    },
}

/// A pending limit as the enqueue path compares it: negative is unlimited.
fn limit_to_i64(limit: Option<usize>) -> i64 {
    limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// A handle on a subscription; clones share it.
#[derive(Clone)]
pub struct Subscription(pub(crate) Arc<SubInner>);

pub(crate) enum SubKind {
    /// Polled with `next_msg`; `None` in the queue wakes a waiter on close.
    Sync {
        tx: Sender<Option<Message>>,
        rx: Receiver<Option<Message>>,
    },
    Async {
        handler: Deliver,
        dispatcher: Arc<Dispatcher<Subscription>>,
    },
    /// The connection's request/reply multiplexer: the reader routes its
    /// messages to waiting requests directly.
    Replies,
}

/// Lock order: `life` and `subject` are leaf locks; no other lock is taken
/// while one is held.
///
/// `repr(C)` keeps `flow`, which the reader and the consumer write once per
/// message, last: the fields before it are read by both once per message,
/// and must not share a cache line with it (`FlowCounts` starts with a gap).
#[repr(C)]
pub struct SubInner {
    /// Changes only when the subscription is rewired to a new subject.
    sid: AtomicU64,
    subject: Mutex<Arc<str>>,
    queue: Option<String>,
    /// Strong, as a C subscription keeps its connection alive; the cycle
    /// through the connection's table ends when the subscription is released.
    home: Arc<dyn Home>,
    pub(crate) kind: SubKind,
    ext: Option<Arc<dyn Extension>>,
    life: Mutex<Life>,
    life_cv: Condvar,
    closed: AtomicBool,
    conn_closed: AtomicBool,
    slow: AtomicBool,
    /// Set by `next_msg` readers to report a slow consumer once (nats.c).
    slow_pending_report: AtomicBool,
    dropped: AtomicU64,
    /// 0 means no auto-unsubscribe limit.
    max: AtomicU64,
    /// Non-positive means unlimited.
    limit_msgs: AtomicI64,
    limit_bytes: AtomicI64,
    /// Received, delivered and pending counts.
    flow: FlowCounts,
}

struct Life {
    on_complete: Option<Box<dyn FnOnce() + Send>>,
    completed: bool,
    drain: DrainState,
}

/// Where a drain stands: started (UNSUB queued), flushed (the server
/// confirmed it, nothing new arrives), done (the queue is empty).
#[derive(Default)]
struct DrainState {
    started: bool,
    flushed: bool,
    done: bool,
    /// Why the drain did not end cleanly, if it did not.
    status: Option<ErrorKind>,
}

impl Subscription {
    pub(crate) fn new(
        sid: u64,
        subject: &str,
        queue: Option<&str>,
        home: Arc<dyn Home>,
        kind: SubKind,
        limits: (Option<usize>, Option<usize>),
    ) -> Subscription {
        Self::with_extension(sid, subject, queue, home, kind, limits, None)
    }

    pub(crate) fn with_extension(
        sid: u64,
        subject: &str,
        queue: Option<&str>,
        home: Arc<dyn Home>,
        kind: SubKind,
        limits: (Option<usize>, Option<usize>),
        ext: Option<Arc<dyn Extension>>,
    ) -> Subscription {
        Subscription(Arc::new(SubInner {
            sid: AtomicU64::new(sid),
            subject: Mutex::new(subject.into()),
            queue: queue.map(str::to_string),
            home,
            kind,
            ext,
            life: Mutex::new(Life {
                on_complete: None,
                completed: false,
                drain: DrainState::default(),
            }),
            life_cv: Condvar::new(),
            closed: AtomicBool::new(false),
            conn_closed: AtomicBool::new(false),
            slow: AtomicBool::new(false),
            slow_pending_report: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            max: AtomicU64::new(0),
            flow: FlowCounts::default(),
            limit_msgs: AtomicI64::new(limit_to_i64(limits.0)),
            limit_bytes: AtomicI64::new(limit_to_i64(limits.1)),
        }))
    }

    pub(crate) fn sync_queue() -> SubKind {
        let (tx, rx) = unbounded();
        SubKind::Sync { tx, rx }
    }

    pub fn sid(&self) -> u64 {
        self.0.sid.load(Acquire)
    }

    pub fn subject(&self) -> Arc<str> {
        self.0
            .subject
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Moves the subscription to `subject` under `sid`; returns the old
    /// sid. Only `Connection::rewire` calls this, under the open set's lock.
    pub(crate) fn set_wire(&self, sid: u64, subject: &str) -> u64 {
        *self.0.subject.lock().unwrap_or_else(|p| p.into_inner()) = subject.into();
        self.0.sid.swap(sid, AcqRel)
    }

    /// What a layer above added to this subscription.
    pub(crate) fn extension(&self) -> Option<&Arc<dyn Extension>> {
        self.0.ext.as_ref()
    }

    pub fn queue(&self) -> Option<&str> {
        self.0.queue.as_deref()
    }

    pub(crate) fn home(&self) -> &Arc<dyn Home> {
        &self.0.home
    }

    pub fn is_valid(&self) -> bool {
        !self.0.closed.load(Acquire)
    }

    pub fn is_async(&self) -> bool {
        matches!(self.0.kind, SubKind::Async { .. })
    }

    /// Why `next_msg` on a closed subscription fails (nats.c's order:
    /// closed connection, then the auto-unsubscribe limit, then closed).
    fn next_msg_closed_error(&self) -> Error {
        if self.0.conn_closed.load(Acquire) {
            return Error::new(ErrorKind::ConnectionClosed, "connection closed");
        }
        let max = self.0.max.load(Acquire);
        if max > 0 && self.0.flow.delivered() >= max {
            Error::new(ErrorKind::MaxDeliveredMsgs, "maximum messages delivered")
        } else {
            Error::new(ErrorKind::InvalidSubscription, "subscription closed")
        }
    }

    /// Accessors of a closed subscription fail with `InvalidSubscription`.
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.0.closed.load(Acquire) {
            return Err(Error::new(
                ErrorKind::InvalidSubscription,
                "subscription closed",
            ));
        }
        Ok(())
    }

    // ---- reader side ------------------------------------------------------

    /// Called by the reader for every message on this subscription. Applies
    /// auto-unsubscribe and pending limits; never blocks.
    #[must_use]
    pub(crate) fn enqueue(
        &self,
        msg: Message,
        batch: &mut DeliveryBatch<Subscription>,
    ) -> Enqueued {
        let s = &*self.0;
        if s.closed.load(Acquire) {
            return Enqueued::Ignored;
        }
        let n = s.flow.count_received();
        let max = s.max.load(Acquire);
        if max > 0 && n > max {
            return Enqueued::Ignored;
        }
        let len = msg.wire_len() as i64;
        let (lm, lb) = (s.limit_msgs.load(Relaxed), s.limit_bytes.load(Relaxed));
        if !s.flow.try_add(len, lm, lb) {
            s.dropped.fetch_add(1, Relaxed);
            let first = !s.slow.swap(true, AcqRel);
            if first {
                s.slow_pending_report.store(true, Release);
            }
            return Enqueued::Dropped { first };
        }
        // Stores only on change: a needless write costs a cache-line
        // transfer when another thread reads the flag.
        if s.slow.load(Relaxed) {
            s.slow.store(false, Release);
        }
        match &s.kind {
            SubKind::Sync { tx, .. } => {
                let _ = tx.send(Some(msg));
            }
            SubKind::Async { dispatcher, .. } => batch.push(self, dispatcher, msg),
            SubKind::Replies => {}
        }
        if max > 0 && n == max {
            Enqueued::LimitReached
        } else {
            Enqueued::Queued
        }
    }

    /// Queues a message the library made itself (a JetStream publish's
    /// local timeout) behind those already routed, so the callback gets it
    /// in turn, on its usual thread. False when the subscription is closed
    /// or not asynchronous.
    pub(crate) fn inject(&self, msg: Message) -> bool {
        if !self.is_async() {
            return false;
        }
        let mut batch = DeliveryBatch::default();
        let queued = matches!(
            self.enqueue(msg, &mut batch),
            Enqueued::Queued | Enqueued::LimitReached
        );
        batch.flush();
        queued
    }

    fn dequeued(&self, msg: &Message) {
        self.0.flow.take(msg.wire_len() as i64);
    }

    // ---- async delivery (dispatcher thread) -------------------------------

    /// Hands one message of this (asynchronous) subscription to its
    /// callback. The message leaves the pending counts only now, so
    /// `natsSubscription_GetPending` keeps counting what the callback has
    /// not yet been given.
    pub(crate) fn deliver(&self, msg: Message) {
        self.dequeued(&msg);
        self.deliver_dequeued(msg);
    }

    fn deliver_dequeued(&self, msg: Message) {
        let s = &*self.0;
        if s.closed.load(Acquire) {
            return;
        }
        let n = s.flow.count_delivered();
        // SeqCst: see `auto_unsubscribe`.
        let max = s.max.load(SeqCst);
        if max > 0 && n > max {
            return;
        }
        if let SubKind::Async { handler, .. } = &s.kind {
            handler(self, Some(msg));
        }
        if let Some(ext) = &s.ext {
            ext.on_delivered(self, n);
        }
        if max > 0 && n == max {
            self.close(false);
        }
    }

    pub(crate) fn deliver_idle_timeout(&self) {
        if self.0.closed.load(Acquire) {
            return;
        }
        if let SubKind::Async { handler, .. } = &self.0.kind {
            handler(self, None);
        }
    }

    /// Runs once, after the last callback: the completion callback and the
    /// wake-up of anyone waiting for the subscription to finish.
    pub(crate) fn complete(&self) {
        self.0.closed.store(true, Release);
        // A drained subscription ends here, not in `close`.
        self.0.home.release(self.sid());
        let (drained, cb) = {
            let mut l = self.lock_life();
            if l.completed {
                if l.drain.started {
                    l.drain.done = true;
                }
                drop(l);
                self.0.life_cv.notify_all();
                return;
            }
            l.completed = true;
            (l.drain.started, l.on_complete.take())
        };
        // Before the drain counts as done: a JetStream subscription deletes
        // its consumer here, and whoever waits for the drain expects it gone.
        if let Some(ext) = &self.0.ext {
            ext.on_closed(self, drained);
        }
        if drained {
            self.lock_life().drain.done = true;
        }
        if let Some(cb) = cb {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(cb));
        }
        self.0.life_cv.notify_all();
    }

    /// Waits until `complete` has run (async subscriptions only).
    pub(crate) fn wait_complete(&self, timeout: Duration) -> bool {
        if !self.is_async() {
            return true;
        }
        let l = self.0.life.lock().unwrap_or_else(|p| p.into_inner());
        let (l, _) = self
            .0
            .life_cv
            .wait_timeout_while(l, timeout, |l| !l.completed)
            .unwrap_or_else(|p| p.into_inner());
        l.completed
    }

    // ---- life cycle -------------------------------------------------------

    /// Marks the subscription closed (once) and tells its consumer.
    /// `by_conn` says the connection closed, which changes the status later
    /// calls return.
    pub(crate) fn close(&self, by_conn: bool) {
        if by_conn {
            self.0.conn_closed.store(true, Release);
        }
        if self.0.closed.swap(true, AcqRel) {
            return;
        }
        {
            let mut l = self.lock_life();
            if l.drain.started && !l.drain.done && l.drain.status.is_none() {
                l.drain.status = Some(if by_conn {
                    ErrorKind::ConnectionClosed
                } else {
                    ErrorKind::InvalidSubscription
                });
            }
        }
        self.0.home.release(self.sid());
        match &self.0.kind {
            SubKind::Sync { tx, .. } => {
                let _ = tx.send(None);
                self.complete();
            }
            SubKind::Async { dispatcher, .. } => dispatcher.send(Work::Done(self.clone())),
            SubKind::Replies => self.complete(),
        }
    }

    /// Sets the auto-unsubscribe limit. SeqCst, with the consumer's
    /// SeqCst count and load of `max`: of this store-then-load and the
    /// consumer's, at least one sees the other's store, so whoever sees
    /// "max delivered" closes. (With Release/Acquire both could read the
    /// old value and nobody would.)
    pub(crate) fn set_max(&self, max: u64) {
        self.0.max.store(max, SeqCst);
    }

    /// After the UNSUB with a limit went out: stops routing, or closes, a
    /// subscription already past it. Best effort: the reader may miss the
    /// new limit too, and then keeps routing a sid the server no longer
    /// sends on; the close below or the consumer's removes it.
    pub(crate) fn apply_max(&self, max: u64) {
        if self.0.flow.received() >= max {
            self.0.home.forget(self.sid());
        }
        if self.0.flow.delivered() >= max {
            self.close(false);
        }
    }

    /// `natsSubscription_NextMsg`: a non-positive timeout polls.
    pub fn next_msg(&self, timeout: Duration) -> Result<Message> {
        self.next_msg_impl(timeout, true)
    }

    /// `next_msg` without the extension's say (a fetch reading its own
    /// pull subscription).
    pub(crate) fn next_msg_internal(&self, timeout: Duration) -> Result<Message> {
        self.next_msg_impl(timeout, false)
    }

    fn next_msg_impl(&self, timeout: Duration, checked: bool) -> Result<Message> {
        let s = &*self.0;
        let rx = match &s.kind {
            SubKind::Sync { rx, .. } => rx,
            _ => {
                self.check_open()?;
                return Err(Error::new(
                    ErrorKind::IllegalState,
                    "NextMsg called on an asynchronous subscription",
                ));
            }
        };
        if s.closed.load(Acquire) {
            return Err(self.next_msg_closed_error());
        }
        if s.slow_pending_report.swap(false, AcqRel) {
            return Err(Error::new(
                ErrorKind::SlowConsumer,
                "slow consumer, messages dropped",
            ));
        }
        if let (true, Some(ext)) = (checked, &s.ext) {
            ext.check_next_msg(self)?;
        }
        let got = if timeout.is_zero() {
            rx.try_recv().map_err(|_| RecvTimeoutError::Timeout)
        } else {
            rx.recv_timeout(timeout)
        };
        match got {
            Ok(Some(msg)) => {
                self.dequeued(&msg);
                if s.closed.load(Acquire) {
                    return Err(self.next_msg_closed_error());
                }
                self.complete_sync_drain_if_empty();
                let n = s.flow.count_delivered();
                if let Some(ext) = &s.ext {
                    ext.on_delivered(self, n);
                }
                // SeqCst: see `auto_unsubscribe`.
                let max = s.max.load(SeqCst);
                if max > 0 && n >= max {
                    self.close(false);
                }
                // A reply telling that nobody listens is a status, not data.
                if msg.is_no_responders() {
                    return Err(Error::new(
                        ErrorKind::NoResponders,
                        "no responders available for request",
                    ));
                }
                Ok(msg)
            }
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                self.complete_sync_drain_if_empty();
                Err(self.next_msg_closed_error())
            }
            Err(RecvTimeoutError::Timeout) => {
                Err(Error::new(ErrorKind::Timeout, "timeout").at("Subscription::next_msg"))
            }
        }
    }

    fn lock_life(&self) -> std::sync::MutexGuard<'_, Life> {
        self.0.life.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- reconnect and drain ------------------------------------------------

    /// SUB for a new server, with UNSUB for what is left of an
    /// auto-unsubscribe limit. Closed and draining subscriptions are not
    /// carried over.
    pub(crate) fn encode_resubscribe(&self, out: &mut Vec<u8>) {
        let s = &*self.0;
        if s.closed.load(Acquire) || self.lock_life().drain.started {
            return;
        }
        let sid = self.sid();
        encode::encode_sub(out, &self.subject(), self.queue(), sid);
        let max = s.max.load(Acquire);
        if max > 0 {
            let got = s.flow.received();
            encode::encode_unsub(out, sid, Some(max.saturating_sub(got).max(1)));
        }
    }

    /// Marks the drain started; `false` if a drain had already started.
    pub(crate) fn mark_drain_started(&self) -> bool {
        let mut l = self.lock_life();
        !std::mem::replace(&mut l.drain.started, true)
    }

    /// The server has processed the UNSUB (or `flushed` says why not):
    /// stop routing, deliver what is queued, then complete.
    pub(crate) fn finish_drain(&self, flushed: Result<()>) {
        {
            let mut l = self.lock_life();
            if let Err(e) = flushed {
                l.drain.status.get_or_insert(e.kind);
            }
            l.drain.flushed = true;
        }
        self.0.home.forget(self.sid());
        match &self.0.kind {
            SubKind::Sync { tx, .. } => {
                let _ = tx.send(None);
                self.complete_sync_drain_if_empty();
            }
            // Queued behind every message already received.
            SubKind::Async { dispatcher, .. } => dispatcher.send(Work::Done(self.clone())),
            SubKind::Replies => self.complete(),
        }
    }

    fn complete_sync_drain_if_empty(&self) {
        let flushed = self.lock_life().drain.flushed;
        if flushed && self.0.flow.pending().0 <= 0 {
            self.complete();
        }
    }

    /// Ends a drain that ran out of time: what is still queued is dropped.
    pub(crate) fn cut_drain_short(&self) {
        self.lock_life()
            .drain
            .status
            .get_or_insert(ErrorKind::Timeout);
        self.close(false);
    }

    /// Waits for the drain to be done; `IllegalState` if none started.
    pub fn wait_drain(&self, timeout: Option<Duration>) -> Result<()> {
        let l = self.lock_life();
        if !l.drain.started {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "subscription is not draining",
            ));
        }
        let unfinished = |l: &mut Life| !l.drain.done;
        let l = match timeout {
            None => self
                .0
                .life_cv
                .wait_while(l, unfinished)
                .unwrap_or_else(|p| p.into_inner()),
            Some(t) => {
                self.0
                    .life_cv
                    .wait_timeout_while(l, t, unfinished)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        if l.drain.done {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Timeout, "drain not complete"))
        }
    }

    /// A drain has started (it may be done too): no more is asked of the
    /// server (an async pull subscription stops fetching).
    pub fn is_draining(&self) -> bool {
        self.lock_life().drain.started
    }

    /// How a finished drain ended (`None`: cleanly); `IllegalState` while
    /// it is not done.
    pub fn drain_status(&self) -> Result<Option<ErrorKind>> {
        let l = self.lock_life();
        if !l.drain.done {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "subscription drain not complete",
            ));
        }
        Ok(l.drain.status)
    }

    /// `Ok` means `cb` runs when the subscription completes (unless
    /// replaced before); a subscription already closed is refused.
    pub fn set_on_complete(&self, cb: Option<Box<dyn FnOnce() + Send>>) -> Result<()> {
        self.check_open()?;
        if !self.is_async() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "completion callbacks are for asynchronous subscriptions",
            ));
        }
        let mut l = self.lock_life();
        // Checked again under `life`: `complete` marks the subscription
        // closed before it takes this lock to collect the callback, so
        // seeing it open here means that collection comes after us.
        if l.completed || self.0.closed.load(Acquire) {
            return Err(Error::new(
                ErrorKind::InvalidSubscription,
                "subscription closed",
            ));
        }
        l.on_complete = cb;
        Ok(())
    }

    // ---- limits and counters ----------------------------------------------

    /// How many messages and bytes may wait for delivery (`None`:
    /// unlimited); a zero limit is invalid.
    pub fn set_pending_limits(&self, msgs: Option<usize>, bytes: Option<usize>) -> Result<()> {
        self.check_open()?;
        if msgs == Some(0) || bytes == Some(0) {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "pending limits cannot be zero",
            ));
        }
        self.0.limit_msgs.store(limit_to_i64(msgs), Relaxed);
        self.0.limit_bytes.store(limit_to_i64(bytes), Relaxed);
        Ok(())
    }

    /// The pending limits (`None`: unlimited).
    pub fn pending_limits(&self) -> Result<(Option<usize>, Option<usize>)> {
        self.check_open()?;
        let get = |a: &AtomicI64| usize::try_from(a.load(Relaxed)).ok();
        Ok((get(&self.0.limit_msgs), get(&self.0.limit_bytes)))
    }

    pub fn pending(&self) -> Result<(i64, i64)> {
        self.check_open()?;
        Ok(self.0.flow.pending())
    }

    pub fn queued_msgs(&self) -> Result<u64> {
        Ok(self.pending()?.0.max(0) as u64)
    }

    pub fn delivered(&self) -> Result<i64> {
        self.check_open()?;
        Ok(self.0.flow.delivered() as i64)
    }

    pub fn dropped(&self) -> Result<i64> {
        self.check_open()?;
        Ok(self.0.dropped.load(Relaxed) as i64)
    }

    pub fn max_pending(&self) -> Result<(i64, i64)> {
        self.check_open()?;
        Ok(self.0.flow.max())
    }

    pub fn clear_max_pending(&self) -> Result<()> {
        self.check_open()?;
        self.0.flow.clear_max();
        Ok(())
    }

    /// The shared state behind this handle (clones share it).
    pub(crate) fn as_arc(&self) -> &Arc<SubInner> {
        &self.0
    }

    /// Gives this handle up as its shared state.
    pub(crate) fn into_arc(self) -> Arc<SubInner> {
        self.0
    }

    /// The handle of the shared state from [`Subscription::into_arc`].
    pub(crate) fn from_arc(inner: Arc<SubInner>) -> Subscription {
        Subscription(inner)
    }
}

/// What the dispatchers deliver to.
impl Target for Subscription {
    fn deliver(&self, msg: Message) {
        Subscription::deliver(self, msg);
    }
    fn deliver_idle_timeout(&self) {
        Subscription::deliver_idle_timeout(self);
    }
    fn complete(&self) {
        Subscription::complete(self);
    }
    fn panicked(&self, e: Error) {
        self.0.home.panicked(e);
    }
    fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("sid", &self.sid())
            .field("subject", &self.subject())
            .field("queue", &self.queue())
            .field("valid", &self.is_valid())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what the subscription asks of its connection.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<&'static str>>);

    impl Home for Recorder {
        fn forget(&self, _: u64) {
            self.0.lock().unwrap().push("forget");
        }
        fn release(&self, _: u64) {
            self.0.lock().unwrap().push("release");
        }
        fn panicked(&self, _: Error) {
            self.0.lock().unwrap().push("panicked");
        }
    }

    fn sync_sub(home: &Arc<Recorder>, limits: (Option<usize>, Option<usize>)) -> Subscription {
        let home: Arc<dyn Home> = home.clone();
        Subscription::new(1, "s", None, home, Subscription::sync_queue(), limits)
    }

    fn msg() -> Message {
        Message::new("s", None, b"x")
    }

    #[test]
    fn enqueue_says_when_the_auto_unsubscribe_limit_is_reached() {
        let home = Arc::new(Recorder::default());
        let sub = sync_sub(&home, (None, None));
        sub.set_max(2);
        let mut batch = DeliveryBatch::default();
        assert_eq!(sub.enqueue(msg(), &mut batch), Enqueued::Queued);
        assert_eq!(sub.enqueue(msg(), &mut batch), Enqueued::LimitReached);
        assert_eq!(sub.enqueue(msg(), &mut batch), Enqueued::Ignored);
        // Routing is the reader's business: enqueue asked nothing of home.
        assert!(home.0.lock().unwrap().is_empty());
        assert!(sub.next_msg(Duration::ZERO).is_ok());
        assert!(sub.next_msg(Duration::ZERO).is_ok());
        // The second delivery closes the subscription, which leaves its table.
        assert!(home.0.lock().unwrap().iter().all(|&a| a == "release"));
        assert!(!sub.is_valid());
    }

    #[test]
    fn enqueue_reports_one_slow_consumer_episode_once() {
        let home = Arc::new(Recorder::default());
        let sub = sync_sub(&home, (Some(1), None));
        let mut batch = DeliveryBatch::default();
        assert_eq!(sub.enqueue(msg(), &mut batch), Enqueued::Queued);
        assert_eq!(
            sub.enqueue(msg(), &mut batch),
            Enqueued::Dropped { first: true }
        );
        assert_eq!(
            sub.enqueue(msg(), &mut batch),
            Enqueued::Dropped { first: false }
        );
        assert_eq!(sub.dropped().unwrap(), 2);
        // Room again ends the episode; the next overflow starts another.
        assert_eq!(
            sub.next_msg(Duration::ZERO).unwrap_err().kind,
            ErrorKind::SlowConsumer
        );
        assert!(sub.next_msg(Duration::ZERO).is_ok());
        assert_eq!(sub.enqueue(msg(), &mut batch), Enqueued::Queued);
        assert_eq!(
            sub.enqueue(msg(), &mut batch),
            Enqueued::Dropped { first: true }
        );
    }
}
