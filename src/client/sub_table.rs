//! A connection's subscriptions: the routing map the reader looks sids up
//! in, the set of every subscription not yet closed, and the generation
//! that tells the reader its cached lookup is still good.
//!
//! Locks: `open` → `routed` (both leaves below the connection's `state`;
//! see the lock order in `client/mod.rs`). Neither is held while a
//! subscription is closed or user code runs.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{Mutex, MutexGuard, RwLock};

use super::subscription::Subscription;

/// Hashing for the sid → subscription map, looked up for every message.
/// Sids are small sequential numbers chosen by us, so a multiplicative
/// hash spreads them well and costs a fraction of SipHash.
#[derive(Default, Clone, Copy)]
pub(crate) struct SidHasher(u64);

impl std::hash::Hasher for SidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) type SidHash = std::hash::BuildHasherDefault<SidHasher>;

type SidMap = HashMap<u64, Subscription, SidHash>;

#[derive(Default)]
pub(crate) struct SubTable {
    /// The sids the reader routes.
    routed: RwLock<SidMap>,
    /// Every subscription not yet closed, routed or not (one that reached
    /// its auto-unsubscribe count or is draining has left `routed` but
    /// still holds messages): a connection's close closes all of these.
    open: Mutex<SidMap>,
    /// Changes after every removal from `routed` (see `generation`).
    generation: AtomicU64,
}

/// The open set, locked, for adding a subscription under a check the
/// closing connection also makes under this lock.
pub(crate) struct OpenGuard<'a> {
    table: &'a SubTable,
    open: MutexGuard<'a, SidMap>,
}

impl OpenGuard<'_> {
    /// Adds `sub` to the open set and to routing.
    pub(crate) fn insert(&mut self, sub: &Subscription) {
        self.open.insert(sub.sid(), sub.clone());
        self.table
            .routed
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sub.sid(), sub.clone());
    }

    /// `sub` moved from `old_sid` to its current sid: the old one stops
    /// routing (the generation changes) and the new one starts.
    pub(crate) fn rekey(&mut self, old_sid: u64, sub: &Subscription) {
        self.open.remove(&old_sid);
        self.table
            .routed
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&old_sid);
        self.table.generation.fetch_add(1, Release);
        self.insert(sub);
    }
}

impl SubTable {
    pub(crate) fn lock_open(&self) -> OpenGuard<'_> {
        OpenGuard {
            table: self,
            open: self.open.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    pub(crate) fn lookup(&self, sid: u64) -> Option<Subscription> {
        self.routed
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&sid)
            .cloned()
    }

    /// The routed subscriptions (to re-send after a reconnect, to drain).
    pub(crate) fn snapshot(&self) -> Vec<Subscription> {
        self.routed
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Removes a sid from routing, without telling the server.
    pub(crate) fn forget(&self, sid: u64) {
        self.routed
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&sid);
        self.generation.fetch_add(1, Release);
    }

    /// The subscription is closed: it leaves routing and the open set.
    pub(crate) fn release(&self, sid: u64) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&sid);
        self.forget(sid);
    }

    /// Empties the table, returning every open subscription (also those
    /// no longer routed), for the connection's close to close.
    pub(crate) fn take_all(&self) -> Vec<Subscription> {
        let mut open = std::mem::take(&mut *self.open.lock().unwrap_or_else(|p| p.into_inner()));
        for (sid, s) in self
            .routed
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            open.entry(sid).or_insert(s);
        }
        self.generation.fetch_add(1, Release);
        open.into_values().collect()
    }

    /// A number that changes after any sid is removed from routing, so the
    /// reader may keep using a subscription it looked up while it stays the
    /// same (sids are never reused).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Acquire)
    }
}
