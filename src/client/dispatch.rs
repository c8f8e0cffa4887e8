//! Delivery of messages to asynchronous subscriptions. A subscription is
//! bound to exactly one dispatcher thread (its own, or one of the shared
//! pool's), which is what keeps its callbacks from ever running concurrently.
//!
//! A dispatcher knows what it serves only as a `Target` (a subscription),
//! so this file imports nothing of the subscriptions; the shared pool,
//! which holds dispatchers of subscriptions, is in `delivery_pool.rs`.
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender};

use super::error::{Error, Result};
use super::message::Message;
use super::threads::{self, ThreadKind};

thread_local! {
    /// On a dispatcher thread: whether the callback now running may write
    /// its first publish itself. `None` elsewhere.
    static DIRECT_WRITE: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Marks this thread as a dispatcher; its callbacks' publishes batch as
/// usual until `allow_direct_write` says otherwise.
fn become_dispatcher() {
    DIRECT_WRITE.with(|d| d.set(Some(false)));
}

/// Called before each callback: `idle` when no other message is waiting for
/// this dispatcher, which is when a reply's latency matters and there is
/// nothing to batch it with.
fn allow_direct_write(idle: bool) {
    DIRECT_WRITE.with(|d| d.set(Some(idle)));
}

/// Whether a publish may be written at once by the calling thread: the
/// first one made by a callback of an idle dispatcher. Later ones in the
/// same callback wake the flusher as usual, so a callback that publishes
/// many messages still has them coalesced, and one that publishes and then
/// blocks never holds a message back.
pub(crate) fn take_direct_write() -> bool {
    DIRECT_WRITE.with(|d| match d.get() {
        Some(true) => {
            d.set(Some(false));
            true
        }
        _ => false,
    })
}

/// What a dispatcher delivers to (a subscription).
pub(crate) trait Target: Clone + Send + 'static {
    /// Hands one message to the callback.
    fn deliver(&self, msg: Message);
    /// The idle timeout passed without a message.
    fn deliver_idle_timeout(&self);
    /// Runs once, after the last callback.
    fn complete(&self);
    /// A callback or the completion panicked.
    fn panicked(&self, e: Error);
    /// The same target (batches group messages by it).
    fn same(&self, other: &Self) -> bool;
}

pub(crate) enum Work<T> {
    /// Messages of one subscription, in order.
    Msgs(T, Vec<Message>),
    /// The subscription is closed: nothing of it is delivered after this.
    Done(T),
    /// Introduces a dedicated thread's subscription before its first
    /// message, so idle timeouts can fire from the start.
    Bind(T),
}

pub(crate) struct Dispatcher<T> {
    tx: Sender<Work<T>>,
}

impl<T: Target> Dispatcher<T> {
    pub(crate) fn send(&self, w: Work<T>) {
        // The thread holds the receiver until every sender is gone.
        let _ = self.tx.send(w);
    }

    /// A thread serving one subscription; it exits after that subscription's
    /// `Done`. With `idle`, the callback gets `None` after that long without
    /// a message (nats.c's subscribe-with-timeout).
    pub(crate) fn dedicated(name: String, idle: Option<Duration>) -> Result<Arc<Dispatcher<T>>> {
        let (tx, rx) = unbounded();
        threads::spawn(name, move || {
            run_dedicated(rx, idle, ThreadKind::Dispatcher)
        })?;
        Ok(Arc::new(Dispatcher { tx }))
    }

    pub(crate) fn pooled(name: String) -> Result<Arc<Dispatcher<T>>> {
        let (tx, rx) = unbounded::<Work<T>>();
        threads::spawn(name, move || {
            become_dispatcher();
            for w in rx.iter() {
                handle(w, &rx, ThreadKind::PoolWorker);
            }
        })?;
        Ok(Arc::new(Dispatcher { tx }))
    }
}

fn run_dedicated<T: Target>(rx: Receiver<Work<T>>, idle: Option<Duration>, kind: ThreadKind) {
    become_dispatcher();
    let mut current: Option<T> = None;
    loop {
        let w = match idle {
            None => match rx.recv() {
                Ok(w) => w,
                Err(_) => return,
            },
            Some(t) => match rx.recv_timeout(t) {
                Ok(w) => w,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(sub) = &current {
                        allow_direct_write(rx.is_empty());
                        guarded(sub, kind, || sub.deliver_idle_timeout());
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            },
        };
        match w {
            Work::Done(sub) => {
                handle(Work::Done(sub), &rx, kind);
                return;
            }
            Work::Bind(sub) => current = Some(sub),
            w => handle(w, &rx, kind),
        }
    }
}

/// Runs one piece of a subscription's work. A panic (a Rust callback's,
/// or the test hook's) closes that subscription's connection with the
/// panic as its error, and the thread carries on: it still owes this
/// subscription its completion, and a pool worker serves other
/// connections too.
fn guarded<T: Target>(sub: &T, kind: ThreadKind, f: impl FnOnce()) {
    let r = threads::catch(|| {
        threads::injection_point(kind);
        f()
    });
    if let Err(e) = r {
        allow_direct_write(false);
        let _ = threads::catch(|| sub.panicked(e));
    }
}

fn handle<T: Target>(w: Work<T>, rx: &Receiver<Work<T>>, kind: ThreadKind) {
    match w {
        Work::Msgs(sub, msgs) => {
            let last = msgs.len().saturating_sub(1);
            guarded(&sub, kind, || {
                for (i, msg) in msgs.into_iter().enumerate() {
                    allow_direct_write(i == last && rx.is_empty());
                    sub.deliver(msg);
                }
            });
            allow_direct_write(false);
        }
        Work::Done(sub) => {
            allow_direct_write(false);
            // The injection point is left out here: completion must run.
            if let Err(e) = threads::catch(|| sub.complete()) {
                let _ = threads::catch(|| sub.panicked(e));
            }
        }
        Work::Bind(_) => {}
    }
}

/// Messages the reader has routed but not yet handed to dispatchers. The
/// reader hands them over in one go per subscription before it blocks on
/// the socket and before any other protocol op, so a read full of messages
/// costs one channel send (and at most one wake-up) per subscription, and
/// nothing that follows in the stream (a PONG ending a drain) overtakes them.
pub(crate) struct DeliveryBatch<T> {
    groups: Vec<(T, Arc<Dispatcher<T>>, Vec<Message>)>,
    count: usize,
}

impl<T> Default for DeliveryBatch<T> {
    fn default() -> Self {
        DeliveryBatch {
            groups: Vec::new(),
            count: 0,
        }
    }
}

/// Past this many messages the batch is handed over at once, so the
/// dispatcher starts working while the reader parses on.
const BATCH_MAX: usize = 512;

/// A subscription's share of a batch is handed over at this many messages,
/// so its list (allocated once, never grown) stays under glibc's 1 KiB
/// "large request" size: each of those first sweeps the fast bins, which in
/// the reader's arena are full of messages freed by other threads.
const GROUP_MAX: usize = 120;

impl<T: Target> DeliveryBatch<T> {
    pub(crate) fn push(&mut self, sub: &T, d: &Arc<Dispatcher<T>>, msg: Message) {
        let pos = self.groups.iter().rposition(|g| g.0.same(sub));
        self.count += 1;
        match pos {
            Some(i) => {
                self.groups[i].2.push(msg);
                if self.groups[i].2.len() == GROUP_MAX {
                    let (sub, d, msgs) = self.groups.swap_remove(i);
                    self.count -= msgs.len();
                    d.send(Work::Msgs(sub, msgs));
                }
            }
            None => {
                let mut v = Vec::with_capacity(GROUP_MAX);
                v.push(msg);
                self.groups.push((sub.clone(), d.clone(), v));
            }
        }
        if self.count >= BATCH_MAX || self.groups.len() > 32 {
            self.flush();
        }
    }

    pub(crate) fn flush(&mut self) {
        for (sub, d, msgs) in self.groups.drain(..) {
            d.send(Work::Msgs(sub, msgs));
        }
        self.count = 0;
    }
}
