//! Connection traffic counters.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of a connection's counters, as `natsStatistics` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub reconnects: u64,
}

/// Live counters, updated without locks by the reader and the reconnect
/// thread (the out counts live with the output buffer, under its lock).
#[derive(Debug, Default)]
pub struct Counters {
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub reconnects: AtomicU64,
}

impl Counters {
    /// The in counts and reconnects; the out counts are left at 0.
    pub fn snapshot(&self) -> Statistics {
        Statistics {
            in_msgs: self.in_msgs.load(Relaxed),
            in_bytes: self.in_bytes.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            ..Statistics::default()
        }
    }
}
