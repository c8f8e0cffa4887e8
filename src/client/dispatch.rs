//! Delivery of messages to asynchronous subscriptions. A subscription is
//! bound to exactly one dispatcher thread (its own, or one of the shared
//! pool's), which is what keeps its callbacks from ever running concurrently.
use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender};

use super::conn::Connection;
use super::error::Result;
use super::message::Message;
use super::subscription::Subscription;
use super::threads;

thread_local! {
    /// On a dispatcher thread: connections that callbacks published on
    /// while their flusher slept. `None` elsewhere.
    static DEFERRED: RefCell<Option<Vec<Connection>>> = const { RefCell::new(None) };
}

/// Whether this thread is a dispatcher (so publishes may defer their flush).
pub(crate) fn in_callback() -> bool {
    DEFERRED.with(|d| d.borrow().is_some())
}

/// Called by a publish made in a message callback. At the end of the
/// callback, if no more messages are waiting, the dispatcher writes what is
/// buffered itself: a reply usually goes out before the (also woken)
/// flusher gets to run, saving the thread switch on the latency path.
pub(crate) fn defer_flush(conn: &Connection) {
    DEFERRED.with(|d| {
        if let Some(list) = d.borrow_mut().as_mut() {
            if !list.iter().any(|c| Arc::ptr_eq(&c.0, &conn.0)) {
                list.push(conn.clone());
            }
        }
    })
}

/// After a callback: when idle, write what its publishes left buffered.
fn finish_deferred(idle: bool) {
    let conns = DEFERRED.with(|d| d.borrow_mut().as_mut().map(std::mem::take));
    if !idle {
        return;
    }
    for c in conns.into_iter().flatten() {
        c.write_pending();
    }
}

pub(crate) enum Work {
    /// Messages of one subscription, in order.
    Msgs(Subscription, Vec<Message>),
    /// The subscription is closed: nothing of it is delivered after this.
    Done(Subscription),
    /// Introduces a dedicated thread's subscription before its first
    /// message, so idle timeouts can fire from the start.
    Bind(Subscription),
}

pub(crate) struct Dispatcher {
    tx: Sender<Work>,
}

impl Dispatcher {
    pub(crate) fn send(&self, w: Work) {
        // The thread holds the receiver until every sender is gone.
        let _ = self.tx.send(w);
    }

    /// A thread serving one subscription; it exits after that subscription's
    /// `Done`. With `idle`, the callback gets `None` after that long without
    /// a message (nats.c's subscribe-with-timeout).
    pub(crate) fn dedicated(name: String, idle: Option<Duration>) -> Result<Arc<Dispatcher>> {
        let (tx, rx) = unbounded();
        threads::spawn(name, move || run_dedicated(rx, idle))?;
        Ok(Arc::new(Dispatcher { tx }))
    }

    fn pooled(name: String) -> Result<Arc<Dispatcher>> {
        let (tx, rx) = unbounded::<Work>();
        threads::spawn(name, move || {
            DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
            for w in rx.iter() {
                handle(w);
                finish_deferred(rx.is_empty());
            }
        })?;
        Ok(Arc::new(Dispatcher { tx }))
    }
}

fn run_dedicated(rx: Receiver<Work>, idle: Option<Duration>) {
    DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
    let mut current: Option<Subscription> = None;
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
                        sub.deliver_idle_timeout();
                        finish_deferred(rx.is_empty());
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            },
        };
        match w {
            Work::Msgs(sub, msgs) => {
                sub.deliver_all(msgs);
                finish_deferred(rx.is_empty());
            }
            Work::Done(sub) => {
                sub.complete();
                finish_deferred(true);
                return;
            }
            Work::Bind(sub) => current = Some(sub),
        }
    }
}

fn handle(w: Work) {
    match w {
        Work::Msgs(sub, msgs) => sub.deliver_all(msgs),
        Work::Done(sub) => sub.complete(),
        Work::Bind(_) => {}
    }
}

/// Messages the reader has routed but not yet handed to dispatchers. The
/// reader hands them over in one go per subscription before it blocks on
/// the socket and before any other protocol op, so a read full of messages
/// costs one channel send (and at most one wake-up) per subscription, and
/// nothing that follows in the stream (a PONG ending a drain) overtakes them.
#[derive(Default)]
pub(crate) struct DeliveryBatch {
    groups: Vec<(Subscription, Arc<Dispatcher>, Vec<Message>)>,
    count: usize,
}

/// Past this many messages the batch is handed over at once, so the
/// dispatcher starts working while the reader parses on.
const BATCH_MAX: usize = 512;

impl DeliveryBatch {
    pub(crate) fn push(&mut self, sub: &Subscription, d: &Arc<Dispatcher>, msg: Message) {
        let pos = self
            .groups
            .iter()
            .rposition(|g| Arc::ptr_eq(&g.0 .0, &sub.0));
        match pos {
            Some(i) => self.groups[i].2.push(msg),
            None => {
                let mut v = Vec::with_capacity(64);
                v.push(msg);
                self.groups.push((sub.clone(), d.clone(), v));
            }
        }
        self.count += 1;
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

/// The shared delivery pool (`natsOptions_UseGlobalMessageDelivery`).
struct Pool {
    max: usize,
    next: usize,
    workers: Vec<Arc<Dispatcher>>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    max: 1,
    next: 0,
    workers: Vec::new(),
});

/// Raises the pool's size (`nats_SetMessageDeliveryPoolSize`); it never shrinks.
pub fn set_pool_size(max: usize) {
    let mut p = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if max > p.max {
        p.max = max;
    }
}

/// Picks a pool worker for a new subscription: new threads up to the
/// maximum, then round robin.
pub(crate) fn pool_worker() -> Result<Arc<Dispatcher>> {
    let mut p = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if p.workers.len() < p.max {
        let d = Dispatcher::pooled(format!("nats-pool-{}", p.workers.len()))?;
        p.workers.push(d.clone());
        return Ok(d);
    }
    let i = p.next % p.workers.len();
    p.next = p.next.wrapping_add(1);
    Ok(p.workers[i].clone())
}

/// Releases the pool (`nats_Close`): workers exit once the subscriptions
/// still bound to them are gone.
pub fn shutdown_pool() {
    let mut p = POOL.lock().unwrap_or_else(|e| e.into_inner());
    p.workers.clear();
    p.next = 0;
}
