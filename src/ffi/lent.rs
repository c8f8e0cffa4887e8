//! NUL-terminated copies of the names C borrows from a shared handle
//! (`natsConnection_GetName`, `natsSubscription_GetSubject`), kept here so
//! that the client's types hold no strings for C.
//!
//! nats.c's strings live as long as their object, so each copy is made
//! once per object and kept. An entry holds a `Weak` of the object: that
//! pins the object's address (an `Arc`'s memory is freed only with its last
//! `Weak`), so no newer object can be mistaken for a dead one at the same
//! address; entries of dead objects go when the handle is destroyed, or in
//! a sweep when the table has doubled since the last one.
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// By the object's address: the object (not kept alive), its copy, and
/// the copies of what its text was before (a subscription an ordered
/// consumer moved to a new subject): pointers C got earlier stay valid.
struct Copies<T> {
    map: HashMap<usize, (Weak<T>, CString, Vec<CString>)>,
    /// The size at which the next insertion sweeps out dead entries.
    sweep_at: usize,
}

impl<T> Default for Copies<T> {
    fn default() -> Self {
        Copies {
            map: HashMap::new(),
            sweep_at: 64,
        }
    }
}

/// The names lent for objects of type `T`, by address.
pub(crate) struct Lent<T> {
    map: OnceLock<Mutex<Copies<T>>>,
}

impl<T> Lent<T> {
    pub(crate) const fn new() -> Lent<T> {
        Lent {
            map: OnceLock::new(),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Copies<T>> {
        let m = self.map.get_or_init(Mutex::default);
        // A panic under this lock leaves the map consistent: keep using it.
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The C copy of `text` (made now if not yet) for `owner`, valid until
    /// [`Lent::forget`] for it; NULL when there is no text. When `text`
    /// changed, the new copy is lent and the old one kept until then.
    pub(crate) fn get(&self, owner: &Arc<T>, text: Option<&str>) -> *const c_char {
        let Some(text) = text else {
            return std::ptr::null();
        };
        let key = Arc::as_ptr(owner) as usize;
        // A name with a NUL byte reads in C up to it, as it would in nats.c.
        let visible = text.split('\0').next().unwrap_or_default();
        let mut copies = self.map();
        if let Some((_, c, old)) = copies.map.get_mut(&key) {
            if c.as_bytes() != visible.as_bytes() {
                let fresh = CString::new(visible).unwrap_or_default();
                old.push(std::mem::replace(c, fresh));
            }
            return c.as_ptr();
        }
        if copies.map.len() >= copies.sweep_at {
            copies.map.retain(|_, (w, _, _)| w.strong_count() > 0);
            copies.sweep_at = (copies.map.len() * 2).max(64);
        }
        let c = CString::new(visible).unwrap_or_default();
        let p = c.as_ptr();
        copies
            .map
            .insert(key, (Arc::downgrade(owner), c, Vec::new()));
        p
    }

    /// Drops the copy lent for the object at `owner` (its handle is gone).
    pub(crate) fn forget(&self, owner: *const T) {
        if self.map.get().is_some() {
            self.map().map.remove(&(owner as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn one_copy_per_live_object_until_forgotten() {
        let lent: Lent<u32> = Lent::new();
        let (a, b) = (Arc::new(1), Arc::new(2));
        assert!(lent.get(&a, None).is_null());
        let pa = lent.get(&a, Some("alpha"));
        assert_eq!(
            lent.get(&a, Some("alpha")),
            pa,
            "made once, then lent again"
        );
        // SAFETY: `pa` is a copy the table keeps until `forget`.
        assert_eq!(unsafe { CStr::from_ptr(pa) }, c"alpha");
        let pb = lent.get(&b, Some("be\0ta"));
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(pb) }, c"be");
        lent.forget(Arc::as_ptr(&a));
        assert_eq!(lent.map().map.len(), 1);
        // Dead objects are swept once the table has grown enough.
        drop(b);
        let many: Vec<Arc<u32>> = (0..64).map(Arc::new).collect();
        for m in &many {
            lent.get(m, Some("x"));
        }
        assert_eq!(lent.map().map.len(), 64, "the dead entry went in the sweep");
    }

    #[test]
    fn a_changed_text_gets_a_new_copy_and_the_old_one_stays_valid() {
        let lent: Lent<u32> = Lent::new();
        let a = Arc::new(1);
        let old = lent.get(&a, Some("_INBOX.one"));
        let new = lent.get(&a, Some("_INBOX.two"));
        assert_ne!(old, new);
        // SAFETY: both are copies the table keeps until `forget`.
        unsafe {
            assert_eq!(CStr::from_ptr(old), c"_INBOX.one");
            assert_eq!(CStr::from_ptr(new), c"_INBOX.two");
        }
        assert_eq!(lent.get(&a, Some("_INBOX.two")), new);
    }
}
