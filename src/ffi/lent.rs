//! NUL-terminated copies of the names C borrows from a shared handle
//! (`natsConnection_GetName`, `natsSubscription_GetSubject`), kept here so
//! that the client's types hold no strings for C.
//!
//! nats.c's strings live as long as their object, so each copy is made
//! once per object and kept. An entry holds a `Weak` of the object: that
//! pins the object's address (an `Arc`'s memory is freed only with its last
//! `Weak`), so no newer object can be mistaken for a dead one at the same
//! address; entries of dead objects go when the handle is destroyed, or
//! at the next insertion.
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// By the object's address: the object (not kept alive) and its copy.
type Copies<T> = HashMap<usize, (Weak<T>, CString)>;

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
    /// [`Lent::forget`] for it; NULL when there is no text. `text` must
    /// not change over the owner's life.
    pub(crate) fn get(&self, owner: &Arc<T>, text: Option<&str>) -> *const c_char {
        let Some(text) = text else {
            return std::ptr::null();
        };
        let key = Arc::as_ptr(owner) as usize;
        let mut map = self.map();
        if let Some((_, c)) = map.get(&key) {
            return c.as_ptr();
        }
        map.retain(|_, (w, _)| w.strong_count() > 0);
        // A name with a NUL byte reads in C up to it, as it would in nats.c.
        let c = CString::new(text.split('\0').next().unwrap_or_default()).unwrap_or_default();
        let p = c.as_ptr();
        map.insert(key, (Arc::downgrade(owner), c));
        p
    }

    /// Drops the copy lent for the object at `owner` (its handle is gone).
    pub(crate) fn forget(&self, owner: *const T) {
        if self.map.get().is_some() {
            self.map().remove(&(owner as usize));
        }
    }
}
