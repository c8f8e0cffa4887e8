//! The shared delivery pool (`natsOptions_UseGlobalMessageDelivery`,
//! `nats_SetMessageDeliveryPoolSize`): dispatcher threads that serve the
//! subscriptions of every connection.
use std::sync::{Arc, Mutex};

use super::dispatch::Dispatcher;
use super::error::Result;
use super::subscription::Subscription;

struct Pool {
    max: usize,
    next: usize,
    workers: Vec<Arc<Dispatcher<Subscription>>>,
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
pub(crate) fn pool_worker() -> Result<Arc<Dispatcher<Subscription>>> {
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
