//! A subscription's message counters: received and delivered, and what is
//! pending (messages and bytes the reader has queued and the consumer, a
//! dispatcher or `NextMsg` callers, has not yet taken).
//!
//! Both sides touch these once per message, so each side's counters sit on
//! a cache line of their own that only that side writes. Pending is kept as
//! two monotonic totals, `added - taken`. The reader checks its limits against the
//! last `taken` it looked at, which can only overstate what is pending, and
//! looks again only when that stale figure says a limit or a new maximum is
//! reached. With limits off the line the consumer writes is never read by
//! the reader at all.
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicI64, AtomicU64};

/// Written by the reader only (`clear_max` aside), and by one reader at a
/// time (`ConnInner::reader_turn`), so its counters need no atomic
/// read-modify-write: a locked instruction here would also wait for the
/// message the reader has just written to leave its store buffer.
#[derive(Default)]
struct Added {
    /// Messages accepted by the reader, dropped ones included (for
    /// auto-unsubscribe).
    received: AtomicU64,
    msgs: AtomicI64,
    bytes: AtomicI64,
    /// The consumer's totals as last read by the reader.
    seen_taken_msgs: AtomicI64,
    seen_taken_bytes: AtomicI64,
    max_msgs: AtomicI64,
    max_bytes: AtomicI64,
}

/// Written by the consumer only.
#[derive(Default)]
struct Taken {
    /// Messages handed to the callback or to `NextMsg` callers.
    delivered: AtomicU64,
    msgs: AtomicI64,
    bytes: AtomicI64,
}

/// Each side is kept a cache line away from anything else by gaps rather
/// than by alignment (a 64-byte aligned subscription costs glibc's
/// `memalign`, which wasted about 200 bytes per subscription): the leading
/// gap from the fields before it in the owner, the middle one between the
/// sides. The consumer's side is last, so the owner must put this last.
#[derive(Default)]
#[repr(C)]
pub(crate) struct FlowCounts {
    _lead: [u64; 8],
    added: Added,
    _gap: [u64; 8],
    taken: Taken,
}

/// Non-positive limits mean unlimited.
fn over(count: i64, limit: i64) -> bool {
    limit > 0 && count > limit
}

impl FlowCounts {
    /// Reader: one more message arrived; returns how many so far.
    pub(crate) fn count_received(&self) -> u64 {
        let n = self.added.received.load(Relaxed) + 1;
        self.added.received.store(n, Release);
        n
    }

    pub(crate) fn received(&self) -> u64 {
        self.added.received.load(Acquire)
    }

    /// Consumer: one more message delivered; returns how many so far.
    /// SeqCst (the same locked add as AcqRel on x86): auto-unsubscribe
    /// relies on it against its own SeqCst store of the limit.
    pub(crate) fn count_delivered(&self) -> u64 {
        self.taken.delivered.fetch_add(1, SeqCst) + 1
    }

    pub(crate) fn delivered(&self) -> u64 {
        self.taken.delivered.load(SeqCst)
    }

    /// Reader: counts a message of `bytes` as pending unless that would
    /// pass a limit; `false` means it must be dropped.
    pub(crate) fn try_add(&self, bytes: i64, limit_msgs: i64, limit_bytes: i64) -> bool {
        let a = &self.added;
        let msgs = a.msgs.load(Relaxed) + 1;
        let total = a.bytes.load(Relaxed) + bytes;
        let mut pm = msgs - a.seen_taken_msgs.load(Relaxed);
        let mut pb = total - a.seen_taken_bytes.load(Relaxed);
        let high = pm > a.max_msgs.load(Relaxed) || pb > a.max_bytes.load(Relaxed);
        if high || over(pm, limit_msgs) || over(pb, limit_bytes) {
            // The stale figures overstate; look at what was really taken.
            let tm = self.taken.msgs.load(Acquire);
            let tb = self.taken.bytes.load(Acquire);
            a.seen_taken_msgs.store(tm, Relaxed);
            a.seen_taken_bytes.store(tb, Relaxed);
            pm = msgs - tm;
            pb = total - tb;
            if over(pm, limit_msgs) || over(pb, limit_bytes) {
                return false;
            }
            a.max_msgs.fetch_max(pm, Relaxed);
            a.max_bytes.fetch_max(pb, Relaxed);
        }
        // Release: a consumer that reads these totals sees the message's
        // queueing as done (it got the message through a channel anyway).
        a.msgs.store(msgs, Release);
        a.bytes.store(total, Release);
        true
    }

    /// Consumer: a message of `bytes` left the queue.
    pub(crate) fn take(&self, bytes: i64) {
        self.taken.msgs.fetch_add(1, Release);
        self.taken.bytes.fetch_add(bytes, Release);
    }

    /// Messages and bytes pending now, never negative: `taken` is read
    /// first, and every message it counts was added before it was taken.
    pub(crate) fn pending(&self) -> (i64, i64) {
        let tm = self.taken.msgs.load(Acquire);
        let tb = self.taken.bytes.load(Acquire);
        (
            self.added.msgs.load(Acquire) - tm,
            self.added.bytes.load(Acquire) - tb,
        )
    }

    /// The highest pending counts seen since creation or `clear_max`.
    pub(crate) fn max(&self) -> (i64, i64) {
        (
            self.added.max_msgs.load(Relaxed),
            self.added.max_bytes.load(Relaxed),
        )
    }

    pub(crate) fn clear_max(&self) {
        self.added.max_msgs.store(0, Relaxed);
        self.added.max_bytes.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_what_was_added_and_not_taken() {
        let p = FlowCounts::default();
        assert!(p.try_add(10, -1, -1));
        assert!(p.try_add(20, -1, -1));
        assert_eq!(p.pending(), (2, 30));
        p.take(10);
        assert_eq!(p.pending(), (1, 20));
        assert_eq!(p.max(), (2, 30));
    }

    #[test]
    fn the_two_sides_share_no_cache_line() {
        let p = FlowCounts::default();
        let start = &p as *const FlowCounts as usize;
        let added_start = &p.added as *const Added as usize;
        let added_end = added_start + size_of::<Added>();
        let taken_start = &p.taken as *const Taken as usize;
        assert!(added_start >= start + 64);
        assert!(taken_start >= added_end + 64);
        assert_eq!(
            taken_start + size_of::<Taken>(),
            start + size_of::<FlowCounts>()
        );
        assert_eq!(p.count_received(), 1);
        assert_eq!(p.count_delivered(), 1);
        assert_eq!((p.received(), p.delivered()), (1, 1));
    }

    #[test]
    fn limits_count_what_was_taken_since_the_reader_last_looked() {
        let p = FlowCounts::default();
        assert!(p.try_add(1, 2, -1));
        assert!(p.try_add(1, 2, -1));
        assert!(
            !p.try_add(1, 2, -1),
            "a third message passes the limit of 2"
        );
        p.take(1);
        assert!(p.try_add(1, 2, -1), "room again once one was taken");
        assert!(!p.try_add(100, -1, 50), "the byte limit too");
        assert_eq!(p.pending(), (2, 2));
    }

    #[test]
    fn the_maximum_is_exact_although_the_reader_looks_rarely() {
        let p = FlowCounts::default();
        for _ in 0..5 {
            assert!(p.try_add(1, -1, -1));
        }
        for _ in 0..5 {
            p.take(1);
        }
        for _ in 0..3 {
            assert!(p.try_add(1, -1, -1));
        }
        assert_eq!(p.max(), (5, 5));
        p.clear_max();
        assert!(p.try_add(1, -1, -1));
        assert_eq!(p.max(), (4, 4));
    }
}
