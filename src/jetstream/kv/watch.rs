//! Watchers (nats.c's `kvWatcher`): an ordered push consumer on the
//! bucket's stream, filtered on the watched keys, that delivers the last
//! revision of each key (or all of them, or only what comes next), then a
//! marker saying the initial values are all there, then every change.
//!
//! The ordered consumer starts over by itself after a gap, a deletion or a
//! reconnect, from the revision after the last one delivered, so a
//! watcher neither loses nor repeats an update.
//!
//! The marker follows nats.c's count: the consumer's pending messages when
//! it was created (none: the marker comes first), else the `delta` (what
//! is left) of the first entry gives how many to wait for, and an entry
//! with nothing left after it ends the initial values early.
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::client::{Connection, ErrorKind, Message, MsgHandler, Subscription};
use crate::jetstream::consume::{self, push, SubOptions};
use crate::jetstream::consumer_config::DeliverPolicy;
use crate::jetstream::error::{JsError, JsResult};

use super::{KvEntry, KvStore, Operation};

/// nats.c's text for `kvWatcher_Next` on a watcher with a callback.
pub const NO_NEXT_IF_CALLBACK: &str = "cannot invoke kvWatcher_Next if a callback has been set";

/// What a watcher's callback is told: an entry (the callback's own), the
/// end of the initial values (`Ok(None)`), or an entry that could not be
/// read.
pub type WatchEvent = JsResult<Option<KvEntry>>;

/// A watcher's callback; it runs on a library thread, one call at a time.
pub type WatchCallback = Arc<dyn Fn(&Watcher, WatchEvent) + Send + Sync>;

/// How a watcher (and Keys, History, PurgeDeletes) reads the bucket
/// (nats.c's `kvWatchOptions`).
#[derive(Clone, Default)]
pub struct WatchOptions {
    /// Deletes and purges are not reported (they still count toward the
    /// initial values).
    pub ignore_deletes: bool,
    /// Every revision kept, not only the last one of each key.
    pub include_history: bool,
    /// Entries without their values (a headers-only consumer).
    pub meta_only: bool,
    /// How long Keys and History gather entries (`None`: no limit).
    pub timeout: Option<Duration>,
    /// Only what changes after the watcher starts (no initial values, no
    /// marker).
    pub updates_only: bool,
    /// The consumer's idle heartbeat, nanoseconds (0: the ordered
    /// consumer's default, 5 seconds).
    pub heartbeat: i64,
    /// Start at this revision (beats `include_history` and `updates_only`).
    pub resume_from_revision: u64,
    /// Entries go to this callback instead of [`Watcher::next`].
    pub callback: Option<WatchCallback>,
}

/// Where a watcher is in nats.c's count of the initial values.
#[derive(Debug, Default)]
struct State {
    stopped: bool,
    /// Set up: the consumer exists and its pending count was read (a
    /// callback waits for this before it sees anything).
    ready: bool,
    init_done: bool,
    /// The marker is due before anything else.
    ret_marker: bool,
    received: u64,
    init_pending: u64,
}

impl State {
    /// Counts one delivered revision with `delta` after it; true when it
    /// was the last of the initial values.
    fn count(&mut self, delta: u64) -> bool {
        if self.init_done {
            return false;
        }
        self.received += 1;
        if self.init_pending == 0 {
            self.init_pending = delta;
        }
        if self.received > self.init_pending || delta == 0 {
            self.init_done = true;
            return true;
        }
        false
    }
}

/// The marker queued behind what a callback watcher already received when
/// there are no initial values.
struct Marker;

/// Lock order: `state` before the subscription's locks (the marker is
/// queued under it); no lock is held while the user's callback runs or
/// while waiting for a message.
struct WatchInner {
    kv: KvStore,
    sub: OnceLock<Subscription>,
    state: Mutex<State>,
    ready: Condvar,
    ignore_deletes: bool,
    callback: Option<WatchCallback>,
}

/// A watcher on keys of a bucket. Clones share it; it stops when the last
/// one goes.
#[derive(Clone)]
pub struct Watcher(Arc<WatchInner>);

impl WatchInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An entry of `msg`, `None` when it is a delete the watcher ignores,
    /// and the delta to count it with (`None`: unreadable, not counted).
    fn decode(&self, msg: Message) -> (JsResult<Option<KvEntry>>, Option<u64>) {
        match KvEntry::from_delivered(&self.kv.bucket, &self.kv.pre, msg) {
            Ok(e) => {
                let delta = e.delta();
                let ignored = self.ignore_deletes
                    && matches!(e.operation(), Operation::Delete | Operation::Purge);
                (Ok((!ignored).then_some(e)), Some(delta))
            }
            Err(e) => (Err(e), None),
        }
    }

    /// A callback watcher's delivery (a library thread).
    fn on_message(self: &Arc<Self>, msg: Message) {
        let Some(cb) = self.callback.clone() else {
            return;
        };
        let w = Watcher(self.clone());
        let mut st = self.lock();
        while !st.ready {
            st = self.ready.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.stopped {
            return;
        }
        // The marker comes before whatever came after the initial values.
        if st.ret_marker {
            st.ret_marker = false;
            drop(st);
            cb(&w, Ok(None));
            st = self.lock();
            if st.stopped {
                return;
            }
        }
        if msg.binding().is_some_and(|b| b.is::<Marker>()) {
            return;
        }
        let (event, delta) = self.decode(msg);
        let done = delta.is_some_and(|d| st.count(d));
        drop(st);
        if !matches!(event, Ok(None)) {
            cb(&w, event);
        }
        if done && !self.lock().stopped {
            cb(&w, Ok(None));
        }
    }

    /// Stops once: later `next` calls fail, callbacks are not called, and
    /// the consumer is deleted.
    fn stop(&self) -> JsResult<()> {
        let mut st = self.lock();
        if st.stopped {
            return Ok(());
        }
        st.stopped = true;
        // A callback still waiting for the setup must not wait forever.
        st.ready = true;
        drop(st);
        self.ready.notify_all();
        match self.sub.get() {
            Some(sub) => consume::unsubscribe(sub),
            None => Ok(()),
        }
    }
}

impl Drop for WatchInner {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn illegal_state(text: &str) -> JsError {
    JsError::new(ErrorKind::IllegalState, text)
}

impl Watcher {
    /// The next entry, or `None` once when the initial values are all
    /// there; waits up to `timeout` (which must not be zero).
    /// `IllegalState` after [`Watcher::stop`] (also for a call waiting
    /// then) and for a watcher with a callback.
    pub fn next(&self, timeout: Duration) -> JsResult<Option<KvEntry>> {
        if timeout.is_zero() {
            return Err(JsError::invalid_arg("the timeout must be positive"));
        }
        self.next_within(Some(timeout))
    }

    /// `next` with no time limit for `None`.
    pub(crate) fn next_within(&self, timeout: Option<Duration>) -> JsResult<Option<KvEntry>> {
        let inner = &*self.0;
        let start = Instant::now();
        let mut st = inner.lock();
        loop {
            if st.stopped {
                return Err(illegal_state("watcher stopped"));
            }
            if inner.callback.is_some() {
                return Err(illegal_state(NO_NEXT_IF_CALLBACK));
            }
            if st.ret_marker {
                st.ret_marker = false;
                return Ok(None);
            }
            let Some(sub) = inner.sub.get() else {
                return Err(illegal_state("watcher not started"));
            };
            let wait = match timeout {
                Some(t) => t.saturating_sub(start.elapsed()),
                None => Duration::MAX,
            };
            if wait.is_zero() {
                return Err(JsError::new(ErrorKind::Timeout, "timeout"));
            }
            drop(st);
            let got = sub.next_msg(wait);
            st = inner.lock();
            if st.stopped {
                return Err(illegal_state("watcher stopped"));
            }
            let (entry, delta) = inner.decode(got?);
            if delta.is_some_and(|d| st.count(d)) {
                st.ret_marker = true;
            }
            if let Some(e) = entry? {
                return Ok(Some(e));
            }
            // An ignored delete: wait on for the rest of the time.
        }
    }

    /// Stops the watcher (again: `Ok`). Calls of `next` waiting now and
    /// later fail with `IllegalState`; a callback is not called again once
    /// a running call returns.
    pub fn stop(&self) -> JsResult<()> {
        self.0.stop()
    }

    /// The subscription underneath (its consumer, for tests and tools).
    pub fn subscription(&self) -> Option<&Subscription> {
        self.0.sub.get()
    }

    /// The bucket watched.
    pub fn store(&self) -> &KvStore {
        &self.0.kv
    }

    /// The address C sees for this watcher (what `into_raw` gives).
    pub(crate) fn as_ptr(&self) -> *const () {
        Arc::as_ptr(&self.0).cast()
    }

    pub(crate) fn into_raw(self) -> *const () {
        Arc::into_raw(self.0).cast()
    }

    /// # Safety
    /// `p` came from [`Watcher::into_raw`] and is taken back once.
    pub(crate) unsafe fn from_raw(p: *const ()) -> Watcher {
        // SAFETY: per the contract, `p` is `Arc::into_raw` of a
        // `WatchInner`.
        Watcher(unsafe { Arc::from_raw(p.cast::<WatchInner>()) })
    }
}

impl KvStore {
    /// Watches the keys matching `key` (wildcards allowed).
    pub fn watch(&self, key: &str, opts: &WatchOptions) -> JsResult<Watcher> {
        self.watch_multi(&[key], opts)
    }

    /// Watches every key of the bucket.
    pub fn watch_all(&self, opts: &WatchOptions) -> JsResult<Watcher> {
        self.watch(">", opts)
    }

    /// Watches the keys matching any of `keys` (none may be empty).
    pub fn watch_multi<S: AsRef<str>>(&self, keys: &[S], opts: &WatchOptions) -> JsResult<Watcher> {
        if keys.is_empty() {
            return Err(JsError::invalid_arg("no keys to watch"));
        }
        if keys.iter().any(|k| k.as_ref().is_empty()) {
            return Err(JsError::invalid_arg("a key to watch is empty"));
        }
        let subjects: Vec<String> = keys.iter().map(|k| self.key_subject(k.as_ref())).collect();
        let (so, updates_only) = sub_options(&self.stream, opts);
        let inner = Arc::new(WatchInner {
            kv: self.clone(),
            sub: OnceLock::new(),
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            ignore_deletes: opts.ignore_deletes,
            callback: opts.callback.clone(),
        });
        let handler = opts
            .callback
            .as_ref()
            .map(|_| handler(Arc::downgrade(&inner)));
        let started =
            push::subscribe_with_info(&self.js, &subjects, handler, &so).and_then(|(sub, info)| {
                let r = sub.set_pending_limits(None, None);
                let _ = inner.sub.set(sub);
                r?;
                Ok(info.map_or(0, |i| i.num_pending + i.delivered.consumer))
            });
        let pending = match started {
            Ok(p) => p,
            Err(e) => {
                let _ = inner.stop();
                return Err(e.at("kvStore_WatchMulti"));
            }
        };
        let mut st = inner.lock();
        if updates_only {
            st.init_done = true;
        } else if pending == 0 {
            st.init_done = true;
            st.ret_marker = true;
            // A callback hears of it on its own thread, in turn.
            if let (Some(_), Some(sub)) = (&inner.callback, inner.sub.get()) {
                let mut m = Message::new("_KV.WATCH.MARKER", None, b"");
                m.set_binding(Arc::new(Marker));
                let _ = sub.inject(m);
            }
        }
        st.ready = true;
        drop(st);
        inner.ready.notify_all();
        Ok(Watcher(inner))
    }
}

/// The ordered consumer nats.c asks for, and whether it is updates only.
fn sub_options(stream: &str, opts: &WatchOptions) -> (SubOptions, bool) {
    let mut so = SubOptions {
        ordered: true,
        stream: stream.to_string(),
        ..SubOptions::default()
    };
    let c = &mut so.config;
    let mut policy = if opts.include_history {
        DeliverPolicy::All
    } else {
        DeliverPolicy::LastPerSubject
    };
    c.headers_only = opts.meta_only;
    let mut updates_only = false;
    if opts.updates_only {
        policy = DeliverPolicy::New;
        updates_only = true;
    }
    if opts.heartbeat > 0 {
        c.heartbeat = opts.heartbeat;
    }
    if opts.resume_from_revision > 0 {
        policy = DeliverPolicy::ByStartSequence;
        c.opt_start_seq = opts.resume_from_revision;
        updates_only = false;
    }
    c.deliver_policy = policy;
    so.deliver_policy = Some(policy);
    (so, updates_only)
}

fn handler(weak: Weak<WatchInner>) -> MsgHandler {
    Arc::new(
        move |_c: &Connection, _s: &Subscription, m: Option<Message>| {
            if let (Some(inner), Some(m)) = (weak.upgrade(), m) {
                inner.on_message(m);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_count_follows_the_first_delta() {
        // Three values: deltas 2, 1, 0.
        let mut s = State::default();
        assert!(!s.count(2));
        assert!(!s.count(1));
        assert!(s.count(0));
        assert!(!s.count(0), "counted once");
        // A put while the initial values flow: the first delta set the
        // count, which ends them (as nats.c), whatever is left.
        let mut s = State::default();
        assert!(!s.count(2));
        assert!(!s.count(2));
        assert!(s.count(1));
    }

    #[test]
    fn options_pick_the_deliver_policy_as_nats_c() {
        let o = |f: fn(&mut WatchOptions)| {
            let mut w = WatchOptions::default();
            f(&mut w);
            let (so, u) = sub_options("KV_b", &w);
            (so.config.deliver_policy, u)
        };
        assert_eq!(o(|_| {}), (DeliverPolicy::LastPerSubject, false));
        assert_eq!(o(|w| w.include_history = true), (DeliverPolicy::All, false));
        assert_eq!(
            o(|w| {
                w.include_history = true;
                w.updates_only = true
            }),
            (DeliverPolicy::New, true)
        );
        assert_eq!(
            o(|w| {
                w.updates_only = true;
                w.resume_from_revision = 7
            }),
            (DeliverPolicy::ByStartSequence, false)
        );
        let mut w = WatchOptions {
            meta_only: true,
            heartbeat: 1_000,
            ..WatchOptions::default()
        };
        w.resume_from_revision = 3;
        let (so, _) = sub_options("KV_b", &w);
        assert!(so.ordered && so.config.headers_only);
        assert_eq!(so.stream, "KV_b");
        assert_eq!((so.config.heartbeat, so.config.opt_start_seq), (1_000, 3));
    }
}
