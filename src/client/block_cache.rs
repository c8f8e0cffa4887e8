//! Recycles small message blocks between threads.
//!
//! The reader allocates every received message and another thread (a
//! dispatcher, or whoever calls `natsMsg_Destroy`) frees it. glibc handles
//! that pattern poorly: each free lands in the reader's arena, and each
//! allocation then takes the slow path, together about a quarter of a
//! subscriber's CPU. Here a thread frees into a small per-thread magazine of
//! blocks of one size; a full magazine goes to a shared depot, from which an
//! allocating thread takes a whole magazine at a time. Moving blocks between
//! threads costs one lock per `MAGAZINE` messages on each side.
//!
//! Memory is bounded: a thread holds at most one magazine per size class,
//! the depot at most `DEPOT_MAX` per class, and anything beyond goes back to
//! the allocator. `release_depot` (from `nats_Close`) empties the depot; a
//! thread's magazines go to the depot (or are freed) when it exits.
use std::alloc::{self, Layout};
use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::Mutex;

/// Blocks are cached by size: `STEP * k - 8` bytes, the sizes glibc's
/// 16-byte chunks (with their 8-byte header) hold without waste, up to
/// `MAX_SIZE`.
const STEP: usize = 16;
const MAX_SIZE: usize = 512 - 8;
const CLASSES: usize = (MAX_SIZE + 8) / STEP;
/// Blocks a magazine holds.
const MAGAZINE: usize = 64;
/// Full magazines the depot keeps per class.
const DEPOT_MAX: usize = 32;
/// The alignment every cached block was allocated with.
const ALIGN: usize = 8;

/// Blocks of one size, owned by whoever holds the list.
struct Blocks(Vec<NonNull<u8>>);

// SAFETY: the pointers are blocks nobody else references; the list owns
// them and may move to another thread with them.
unsafe impl Send for Blocks {}

impl Blocks {
    /// Frees every block, which were all allocated with `layout`.
    fn free_all(self, layout: Layout) {
        for p in self.0 {
            // SAFETY: owned blocks allocated with this layout.
            unsafe { alloc::dealloc(p.as_ptr(), layout) }
        }
    }
}

/// Full magazines per class. A leaf lock: held only to push or pop one
/// list, never while freeing or taking another lock.
static DEPOT: Mutex<Vec<Vec<Blocks>>> = Mutex::new(Vec::new());

/// One magazine per size class, for the current thread.
struct Magazines([Vec<NonNull<u8>>; CLASSES]);

impl Drop for Magazines {
    fn drop(&mut self) {
        for (class, m) in self.0.iter_mut().enumerate() {
            if !m.is_empty() {
                to_depot(class, Blocks(std::mem::take(m)));
            }
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Magazines> = const {
        RefCell::new(Magazines([const { Vec::new() }; CLASSES]))
    };
}

/// `size` rounded up to a class size (sizes above `MAX_SIZE` stay as they
/// are). Block layouts use it, so all blocks of a class are alike.
pub(crate) fn class_size(size: usize) -> usize {
    if size <= MAX_SIZE {
        (size + 8).next_multiple_of(STEP) - 8
    } else {
        size
    }
}

fn class_layout(class: usize) -> Layout {
    // Sizes are multiples of ALIGN, far below isize::MAX.
    Layout::from_size_align((class + 1) * STEP - 8, ALIGN).unwrap_or_else(|_| unreachable!())
}

/// The size class of `layout`, if blocks like it are cached.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size();
    (size <= MAX_SIZE && class_size(size) == size && layout.align() == ALIGN)
        .then(|| (size + 8) / STEP - 1)
}

fn lock_depot() -> std::sync::MutexGuard<'static, Vec<Vec<Blocks>>> {
    let mut d = DEPOT.lock().unwrap_or_else(|p| p.into_inner());
    if d.is_empty() {
        d.resize_with(CLASSES, Vec::new);
    }
    d
}

fn to_depot(class: usize, blocks: Blocks) {
    let mut d = lock_depot();
    if d[class].len() < DEPOT_MAX {
        d[class].push(blocks);
    } else {
        drop(d);
        blocks.free_all(class_layout(class));
    }
}

/// Off in sanitizer builds (`--cfg nats_rs_no_recycle`, set by `make
/// sanitize`): a block that goes back to the allocator lets AddressSanitizer
/// see a message used after `natsMsg_Destroy`.
pub(crate) const RECYCLING: bool = !cfg!(nats_rs_no_recycle);

/// A cached block for `layout`, if there is one. Its bytes are whatever
/// they were (some possibly never written): the caller writes before it
/// reads, as with a fresh allocation.
pub(crate) fn take(layout: Layout) -> Option<NonNull<u8>> {
    let class = class_of(layout)?;
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            let m = &mut l.0[class];
            if m.is_empty() {
                let full = lock_depot()[class].pop()?;
                // The empty list's buffer goes; the full one replaces it.
                *m = full.0;
            }
            m.pop()
        })
        .ok()
        .flatten()
}

/// Keeps a freed block for reuse; `false` means the caller must free it.
///
/// # Safety
/// `p` was allocated with `layout` (by the global allocator or `take`)
/// and nothing references it any more.
pub(crate) unsafe fn give(p: NonNull<u8>, layout: Layout) -> bool {
    if !RECYCLING {
        return false;
    }
    let Some(class) = class_of(layout) else {
        return false;
    };
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            let m = &mut l.0[class];
            if m.capacity() == 0 {
                m.reserve_exact(MAGAZINE);
            }
            m.push(p);
            if m.len() >= MAGAZINE {
                let full = std::mem::replace(m, Vec::with_capacity(MAGAZINE));
                drop(l);
                to_depot(class, Blocks(full));
            }
        })
        .is_ok()
}

/// Frees the blocks in the depot (`nats_Close`).
pub fn release_depot() {
    let all = std::mem::take(&mut *lock_depot());
    for (class, lists) in all.into_iter().enumerate() {
        for blocks in lists {
            blocks.free_all(class_layout(class));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(layout: Layout) -> NonNull<u8> {
        // SAFETY: a non-zero size.
        let p = unsafe { alloc::alloc_zeroed(layout) };
        NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout))
    }

    #[test]
    fn blocks_freed_on_one_thread_are_reused_on_another() {
        // A class no other test uses, so the depot is this test's alone.
        let layout = Layout::from_size_align(MAX_SIZE, ALIGN).unwrap();
        let freed: Vec<usize> = std::thread::spawn(move || {
            let mut addrs = Vec::new();
            for _ in 0..MAGAZINE {
                let p = fresh(layout);
                addrs.push(p.as_ptr() as usize);
                // SAFETY: just allocated with this layout.
                assert!(unsafe { give(p, layout) });
            }
            addrs
        })
        .join()
        .unwrap();
        // A full magazine went to the depot; this thread gets it whole.
        let mut got = Vec::new();
        for _ in 0..MAGAZINE {
            let p = take(layout).expect("a cached block");
            got.push(p.as_ptr() as usize);
        }
        got.sort_unstable();
        let mut freed = freed;
        freed.sort_unstable();
        assert_eq!(got, freed);
        assert!(take(layout).is_none(), "nothing more cached");
        for p in got {
            // SAFETY: blocks taken above, allocated with this layout.
            unsafe { alloc::dealloc(p as *mut u8, layout) };
        }
    }

    #[test]
    fn class_sizes_fill_glibc_chunks() {
        assert_eq!(class_size(85), 88);
        assert_eq!(class_size(88), 88);
        assert_eq!(class_size(89), 104);
        assert_eq!(class_size(1), 8);
        assert_eq!(class_size(MAX_SIZE), MAX_SIZE);
        assert_eq!(class_size(MAX_SIZE + 1), MAX_SIZE + 1);
        let l = |size| Layout::from_size_align(size, ALIGN).unwrap();
        assert_eq!(class_of(l(8)), Some(0));
        assert_eq!(class_of(l(88)), Some(5));
        assert_eq!(class_of(l(MAX_SIZE)), Some(CLASSES - 1));
    }

    #[test]
    fn unusual_layouts_are_not_cached() {
        let big = Layout::from_size_align(MAX_SIZE + STEP, ALIGN).unwrap();
        let odd = Layout::from_size_align(32, ALIGN).unwrap();
        let wide = Layout::from_size_align(56, 64).unwrap();
        for layout in [big, odd, wide] {
            assert!(take(layout).is_none());
            let p = fresh(layout);
            // SAFETY: just allocated with this layout; freed below if refused.
            assert!(!unsafe { give(p, layout) });
            // SAFETY: as above.
            unsafe { alloc::dealloc(p.as_ptr(), layout) };
        }
    }
}
