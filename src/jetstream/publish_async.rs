//! Asynchronous publish (`js_PublishMsgAsync` and friends): messages go
//! out with a reply subject under one wildcard inbox per context, and are
//! kept until their ack arrives there. Acks are handled on that inbox
//! subscription's dispatcher thread, never under a lock: the ack handler
//! gets the message, the ack or the error; without one, the error handler
//! gets the failures.
//!
//! `max_pending` bounds the messages awaiting their ack: a publish past it
//! waits up to `stall_wait` for acks, then fails with `Timeout`. A
//! publish's `max_wait` gives its ack a deadline; a timer thread, started
//! on the first such publish, queues a local "timed out" message to the
//! inbox subscription so the handlers run on the same thread, in order.
//!
//! Locks: `Publisher::state` is taken before any lock of `client/` (the
//! inbox is subscribed under it) and is never held while user code runs or
//! while publishing; `Timer::inner` is a leaf (its thread starts after
//! it is released).
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::client::{threads, Connection, ErrorKind, Message, Subscription};
use crate::proto::nuid;

use super::context::JetStream;
use super::error::{JsError, JsResult};
use super::pub_ack::{async_outcome, status_text, PubAck, PubAckErr};
use super::pub_options::{apply_to_msg, PubOptions};

/// nats.c's default for `jsOptionsPublishAsync.StallWait`.
pub const DEFAULT_STALL_WAIT: Duration = Duration::from_millis(200);

/// Called for every asynchronously published message with its outcome; it
/// owns the message. When set, the error handler is not used.
pub type AckHandler = Arc<dyn Fn(&JetStream, Message, Result<&PubAck, &PubAckErr>) + Send + Sync>;

/// Called for asynchronously published messages that failed. It may take
/// `msg` (e.g. to publish it again); what it leaves there is dropped.
pub type ErrHandler = Arc<dyn Fn(&JetStream, &mut PubAckErr) + Send + Sync>;

/// nats.c's `jsOptionsPublishAsync`.
#[derive(Clone, Default)]
pub struct PublishAsyncOptions {
    /// Most messages awaiting their ack at once; 0 or less: no limit.
    pub max_pending: i64,
    pub ack_handler: Option<AckHandler>,
    pub err_handler: Option<ErrHandler>,
    /// How long a publish waits at `max_pending` (`None`: 200 ms).
    pub stall_wait: Option<Duration>,
    /// Accepted for nats.c's struct; replies always come through the
    /// context's own inbox subscription.
    pub mux_replies: bool,
}

impl std::fmt::Debug for PublishAsyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishAsyncOptions")
            .field("max_pending", &self.max_pending)
            .field("ack_handler", &self.ack_handler.is_some())
            .field("err_handler", &self.err_handler.is_some())
            .field("stall_wait", &self.stall_wait)
            .field("mux_replies", &self.mux_replies)
            .finish()
    }
}

/// Handlers compare by identity.
impl PartialEq for PublishAsyncOptions {
    fn eq(&self, o: &Self) -> bool {
        fn same<T: ?Sized>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        self.max_pending == o.max_pending
            && same(&self.ack_handler, &o.ack_handler)
            && same(&self.err_handler, &o.err_handler)
            && self.stall_wait == o.stall_wait
            && self.mux_replies == o.mux_replies
    }
}

impl Eq for PublishAsyncOptions {}

/// A message an asynchronous publish did not take, with the reason; the
/// caller keeps the message (nats.c leaves `*msg` set).
#[derive(Debug)]
pub struct Unpublished {
    pub error: JsError,
    pub msg: Message,
}

/// The asynchronous publishing state of a context (shared by its clones).
#[derive(Default)]
pub struct Publisher {
    state: Mutex<State>,
    /// Signalled whenever `count` drops or the publisher closes.
    cv: Condvar,
    timer: Arc<Timer>,
}

#[derive(Default)]
struct State {
    /// `<inbox prefix>.<nuid>.`, set with `sub`.
    prefix: String,
    sub: Option<Subscription>,
    slots: HashMap<u64, Slot>,
    next_id: u64,
    /// Publishes not yet settled, counting those being published and
    /// those whose handler runs (nats.c's count).
    count: u64,
    closed: bool,
}

enum Slot {
    /// Being published: the caller still holds the message.
    Sending,
    Waiting(Message),
    /// The reply overtook the end of the publish call; the caller hands it
    /// back to the subscription once it has stored the message.
    Answered(Message),
}

impl Publisher {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a slot for one publish, waiting at `max_pending`. Returns the
    /// slot's id and the reply subject to publish with.
    fn register(self: &Arc<Self>, js: &JetStream) -> JsResult<(u64, String)> {
        let mut st = self.lock();
        if st.closed {
            return Err(closed());
        }
        if st.sub.is_none() {
            self.subscribe(&mut st, js)?;
        }
        st.count += 1;
        let o = &js.options().publish_async;
        let max = u64::try_from(o.max_pending).unwrap_or(0);
        if max > 0 && st.count > max {
            let until = Instant::now() + o.stall_wait.unwrap_or(DEFAULT_STALL_WAIT);
            while st.count > max && !st.closed {
                let now = Instant::now();
                if now >= until {
                    break;
                }
                st = self
                    .cv
                    .wait_timeout(st, until - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            if st.closed {
                return Err(closed());
            }
            if st.count > max {
                st.count -= 1;
                return Err(JsError::new(
                    ErrorKind::Timeout,
                    "stalled with too many outstanding async published messages",
                ));
            }
        }
        let id = st.next_id;
        st.next_id += 1;
        st.slots.insert(id, Slot::Sending);
        Ok((id, format!("{}{}", st.prefix, token(id))))
    }

    /// Subscribes the context's reply inbox; its callback holds the
    /// publisher weakly, so dropping the last context ends it.
    fn subscribe(self: &Arc<Self>, st: &mut State, js: &JetStream) -> JsResult<()> {
        let conn = js.connection();
        let prefix = format!("{}.{}.", conn.options().inbox_prefix, nuid::next_global());
        let weak = Arc::downgrade(self);
        let template = js.without_publisher();
        let handler = Arc::new(
            move |_: &Connection, _: &Subscription, m: Option<Message>| {
                if let (Some(m), Some(p)) = (m, weak.upgrade()) {
                    p.on_reply(&template, m);
                }
            },
        );
        let sub = conn.subscribe(&format!("{prefix}*"), None, None, handler)?;
        // Acks must never be dropped as a slow consumer.
        sub.set_pending_limits(None, None)?;
        st.prefix = prefix;
        st.sub = Some(sub);
        Ok(())
    }

    /// Finishes a publish: stores the message for its ack, or gives it
    /// back when it could not be sent.
    fn settle(
        self: &Arc<Self>,
        id: u64,
        msg: Message,
        sent: crate::client::Result<()>,
        max_wait: Option<Duration>,
    ) -> Result<(), Unpublished> {
        let mut st = self.lock();
        let slot = st.slots.remove(&id);
        match (slot, sent) {
            (Some(Slot::Sending), Ok(())) => {
                st.slots.insert(id, Slot::Waiting(msg));
                drop(st);
                if let Some(d) = max_wait {
                    self.timer.add(self, Instant::now() + d, id);
                }
                Ok(())
            }
            (Some(Slot::Sending), Err(e)) => {
                st.count = st.count.saturating_sub(1);
                drop(st);
                self.cv.notify_all();
                Err(Unpublished {
                    error: e.into(),
                    msg,
                })
            }
            // The ack came first (even if the publish reported an error,
            // the server has the message, as nats.c reasons): it goes
            // back to the subscription now that the message is here.
            (Some(Slot::Answered(reply)), _) => {
                st.slots.insert(id, Slot::Waiting(msg));
                let sub = st.sub.clone();
                drop(st);
                if let Some(sub) = sub {
                    sub.inject(reply);
                }
                Ok(())
            }
            // Closed meanwhile, or handed out by the pending list.
            (other, _) => {
                if let Some(s) = other {
                    st.slots.insert(id, s);
                }
                drop(st);
                drop(msg);
                Ok(())
            }
        }
    }

    /// A reply (or local timeout) on the inbox, on its dispatcher thread.
    fn on_reply(self: &Arc<Self>, template: &JetStream, reply: Message) {
        // Messages made by the library carry no subscription id.
        let timed_out = reply.sid() == 0 && reply.data().is_empty();
        let msg = {
            let mut st = self.lock();
            let Some(id) = reply
                .subject()
                .strip_prefix(st.prefix.as_str())
                .and_then(parse_token)
            else {
                return;
            };
            match st.slots.remove(&id) {
                Some(Slot::Waiting(m)) => m,
                Some(Slot::Sending) if !timed_out => {
                    st.slots.insert(id, Slot::Answered(reply));
                    return;
                }
                Some(other) => {
                    st.slots.insert(id, other);
                    return;
                }
                None => return,
            }
        };
        // Counted down even if a handler panics, so waiters never hang.
        let _settled = Settled(self);
        let js = template.with_publisher(self.clone());
        let outcome = async_outcome(&reply, timed_out);
        let o = &js.options().publish_async;
        if let Some(h) = &o.ack_handler {
            match &outcome {
                Ok(ack) => h(&js, msg, Ok(ack)),
                Err(e) => h(&js, msg, Err(&PubAckErr::from_error(None, e.clone()))),
            }
        } else if let (Some(h), Err(e)) = (&o.err_handler, outcome) {
            let mut pae = PubAckErr::from_error(Some(msg), e);
            h(&js, &mut pae);
        }
    }

    fn complete(&self, timeout: Option<Duration>) -> JsResult<()> {
        let until = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        while st.count > 0 {
            match until {
                None => st = self.cv.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(until) => {
                    let now = Instant::now();
                    if now >= until {
                        return Err(JsError::new(
                            ErrorKind::Timeout,
                            status_text(ErrorKind::Timeout),
                        ));
                    }
                    st = self
                        .cv
                        .wait_timeout(st, until - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        Ok(())
    }

    fn take_pending(&self) -> Vec<Message> {
        let mut st = self.lock();
        let mut ids: Vec<u64> = st
            .slots
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Waiting(_)))
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(Slot::Waiting(m)) = st.slots.remove(&id) {
                out.push(m);
            }
        }
        st.count = st.count.saturating_sub(out.len() as u64);
        drop(st);
        self.cv.notify_all();
        out
    }

    fn close(&self) {
        let (sub, slots) = {
            let mut st = self.lock();
            if st.closed {
                return;
            }
            st.closed = true;
            st.count = 0;
            (st.sub.take(), std::mem::take(&mut st.slots))
        };
        self.cv.notify_all();
        self.timer.stop();
        if let Some(sub) = sub {
            if sub.is_valid() {
                let _ = Connection::of(&sub).unsubscribe(&sub);
            }
        }
        // The messages still waiting go without callbacks, as in nats.c.
        drop(slots);
    }

    fn pending_count(&self) -> u64 {
        self.lock().count
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.close();
    }
}

/// Counts a handled reply down when dropped.
struct Settled<'a>(&'a Publisher);

impl Drop for Settled<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.count = st.count.saturating_sub(1);
        drop(st);
        self.0.cv.notify_all();
    }
}

fn closed() -> JsError {
    JsError::new(ErrorKind::IllegalState, "the JetStream context is closed")
}

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The last token of a reply subject: the publish's id in base 62.
fn token(mut n: u64) -> String {
    let mut s = Vec::with_capacity(11);
    loop {
        s.push(DIGITS[(n % 62) as usize]);
        n /= 62;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn parse_token(t: &str) -> Option<u64> {
    if t.is_empty() || t.len() > 11 {
        return None;
    }
    t.bytes().try_fold(0u64, |n, b| {
        let d = DIGITS.iter().position(|&c| c == b)? as u64;
        n.checked_mul(62)?.checked_add(d)
    })
}

/// Deadlines of acks, earliest first; one thread sleeps until the next.
#[derive(Default)]
struct Timer {
    inner: Mutex<TimerState>,
    cv: Condvar,
}

#[derive(Default)]
struct TimerState {
    deadlines: BinaryHeap<std::cmp::Reverse<(Instant, u64)>>,
    started: bool,
    stop: bool,
}

impl Timer {
    fn lock(&self) -> MutexGuard<'_, TimerState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(self: &Arc<Self>, p: &Arc<Publisher>, when: Instant, id: u64) {
        let mut t = self.lock();
        if t.stop {
            return;
        }
        t.deadlines.push(std::cmp::Reverse((when, id)));
        let start = !std::mem::replace(&mut t.started, true);
        drop(t);
        if start {
            let (timer, publisher) = (self.clone(), Arc::downgrade(p));
            let spawned = threads::spawn("nats-js-pubtimer".into(), move || timer.run(&publisher));
            // Without the thread, acks simply have no deadline; the next
            // publish with one tries again.
            if spawned.is_err() {
                self.lock().started = false;
            }
        }
        self.cv.notify_one();
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.cv.notify_one();
    }

    fn run(&self, publisher: &Weak<Publisher>) {
        let mut t = self.lock();
        loop {
            if t.stop {
                return;
            }
            let now = Instant::now();
            let mut due = Vec::new();
            while let Some(std::cmp::Reverse((when, id))) = t.deadlines.peek().copied() {
                if when > now {
                    break;
                }
                t.deadlines.pop();
                due.push(id);
            }
            if !due.is_empty() {
                drop(t);
                match publisher.upgrade() {
                    Some(p) => p.time_out(&due),
                    None => return,
                }
                t = self.lock();
                continue;
            }
            t = match t.deadlines.peek() {
                Some(std::cmp::Reverse((when, _))) => {
                    let wait = when.saturating_duration_since(now);
                    self.cv
                        .wait_timeout(t, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.cv.wait(t).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

impl Publisher {
    /// Queues a local timeout for each of `ids` still awaiting its ack.
    fn time_out(&self, ids: &[u64]) {
        let (sub, subjects) = {
            let st = self.lock();
            let subjects: Vec<String> = ids
                .iter()
                .filter(|id| matches!(st.slots.get(id), Some(Slot::Waiting(_))))
                .map(|id| format!("{}{}", st.prefix, token(*id)))
                .collect();
            (st.sub.clone(), subjects)
        };
        if let Some(sub) = sub {
            for s in subjects {
                if let Ok(m) = Message::try_new(s.as_bytes(), None, b"") {
                    sub.inject(m);
                }
            }
        }
    }
}

impl JetStream {
    /// Publishes `data` to `subject` without waiting for the ack.
    pub fn publish_async(&self, subject: &str, data: &[u8], opts: &PubOptions) -> JsResult<()> {
        let msg = Message::try_new(subject.as_bytes(), None, data)?;
        self.publish_msg_async(msg, opts).map_err(|u| u.error)
    }

    /// Publishes `msg` without waiting for its ack; the library keeps it
    /// until the ack (or the failure) is handled. On error the message
    /// comes back with the reason.
    pub fn publish_msg_async(
        &self,
        mut msg: Message,
        opts: &PubOptions,
    ) -> Result<(), Unpublished> {
        if msg.subject_bytes().is_empty() {
            let error = JsError::invalid_arg("the message has no subject");
            return Err(Unpublished { error, msg });
        }
        if let Err(error) = apply_to_msg(opts, &mut msg) {
            return Err(Unpublished { error, msg });
        }
        let p = self.publisher();
        let (id, reply) = match p.register(self) {
            Ok(r) => r,
            Err(error) => return Err(Unpublished { error, msg }),
        };
        let sent = {
            let headers = msg.encoded_headers();
            self.connection().publish_bytes(
                msg.subject_bytes(),
                Some(reply.as_bytes()),
                headers.as_deref(),
                msg.data(),
            )
        };
        p.settle(id, msg, sent, opts.max_wait)
    }

    /// Waits until every asynchronous publish is settled (`None`: no
    /// limit). `Timeout` when some are still awaiting their ack. Acks
    /// cannot come once the connection is closed, so a wait without a
    /// limit then ends only with `close` (as in nats.c).
    pub fn publish_async_complete(&self, timeout: Option<Duration>) -> JsResult<()> {
        self.publisher().complete(timeout)
    }

    /// Hands back the messages still awaiting their ack, oldest first;
    /// they are no longer tracked (their acks, if any come, are ignored).
    /// `NotFound` when there are none.
    pub fn publish_async_pending_list(&self) -> JsResult<Vec<Message>> {
        let list = self.publisher().take_pending();
        if list.is_empty() {
            return Err(JsError::new(
                ErrorKind::NotFound,
                status_text(ErrorKind::NotFound),
            ));
        }
        Ok(list)
    }

    /// How many asynchronous publishes are not settled yet.
    pub fn publish_async_pending(&self) -> u64 {
        self.publisher().pending_count()
    }

    /// Ends asynchronous publishing for this context and all its clones
    /// (what `jsCtx_Destroy` does): the reply inbox is unsubscribed and
    /// messages still awaiting their ack are dropped without callbacks.
    /// Dropping the last clone does the same.
    pub fn close(&self) {
        self.publisher().close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for n in [0, 1, 61, 62, 12345, u64::MAX] {
            assert_eq!(parse_token(&token(n)), Some(n));
        }
        assert_eq!(parse_token(""), None);
        assert_eq!(parse_token("a.b"), None);
        assert_eq!(parse_token("zzzzzzzzzzzz"), None);
    }
}
