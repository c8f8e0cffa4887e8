//! Delivery of messages to asynchronous subscriptions. A subscription is
//! bound to exactly one dispatcher thread (its own, or one of the shared
//! pool's), which is what keeps its callbacks from ever running concurrently.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender};

use super::error::Result;
use super::message::Message;
use super::subscription::Subscription;
use super::threads;

pub(crate) enum Work {
    Msg(Subscription, Message),
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
            for w in rx.iter() {
                handle(w);
            }
        })?;
        Ok(Arc::new(Dispatcher { tx }))
    }
}

fn run_dedicated(rx: Receiver<Work>, idle: Option<Duration>) {
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
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            },
        };
        match w {
            Work::Msg(sub, msg) => {
                sub.deliver(msg);
            }
            Work::Done(sub) => {
                sub.complete();
                return;
            }
            Work::Bind(sub) => current = Some(sub),
        }
    }
}

fn handle(w: Work) {
    match w {
        Work::Msg(sub, msg) => sub.deliver(msg),
        Work::Done(sub) => sub.complete(),
        Work::Bind(_) => {}
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
