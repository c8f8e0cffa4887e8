//! The key-value handles on the shell's `Castable` trait: a `kvStore*` is
//! the address of an `Arc<KvStore>` (entries and watchers may hold their
//! own references), a `kvEntry*` a `Box<KvEntry>` its user owns alone.
//! kvWatcher and kvStatus handles live with their exports.
use std::sync::Arc;

use crate::ffi::boundary::null_arg;
use crate::ffi::handles::{borrow, Castable, Exclusive};
use crate::jetstream::kv::{KvEntry, KvStore};
use crate::jetstream::JsError;

/// Opaque C handle of an open bucket (js_CreateKeyValue, js_KeyValue).
pub struct kvStore {
    _private: [u8; 0],
}

/// Opaque C handle of one revision of a key (kvStore_Get, a watcher's
/// kvWatcher_Next, ...), freed with kvEntry_Destroy.
pub struct kvEntry {
    _private: [u8; 0],
}

// SAFETY: the pointer is `Arc::into_raw` of the store, taken back with
// `Arc::from_raw`; the Arc keeps the store at one address.
unsafe impl Castable for kvStore {
    type Rust = Arc<KvStore>;
    const WHAT: &'static str = "key-value store";

    fn into_ptr(kv: Arc<KvStore>) -> *mut kvStore {
        Arc::into_raw(kv).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut kvStore) -> Arc<KvStore> {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of a
        // `KvStore`, and this reference is taken back once.
        unsafe { Arc::from_raw(p.cast_const().cast::<KvStore>()) }
    }
}

// SAFETY: `Box::into_raw` and `Box::from_raw` of the same type; a box does
// not move its contents.
unsafe impl Castable for kvEntry {
    type Rust = Box<KvEntry>;
    const WHAT: &'static str = "key-value entry";

    fn into_ptr(e: Box<KvEntry>) -> *mut kvEntry {
        Box::into_raw(e).cast()
    }

    unsafe fn from_ptr(p: *mut kvEntry) -> Box<KvEntry> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Box::from_raw(p.cast::<KvEntry>()) }
    }
}

impl Exclusive for kvEntry {}

/// Borrows the store behind a handle for one call (shared: stores are
/// used from many threads at once).
///
/// # Safety
/// `p` is NULL or a live handle from js_CreateKeyValue or js_KeyValue.
pub(crate) unsafe fn kv_ref<'a>(p: *const kvStore) -> Result<&'a KvStore, JsError> {
    // SAFETY: a live handle is the data pointer of an `Arc<KvStore>` whose
    // user reference outlives the call.
    unsafe { p.cast::<KvStore>().as_ref() }.ok_or_else(|| null_arg(kvStore::WHAT).into())
}

/// A reference of its own to the store behind a handle (for what outlives
/// the call: an entry, a watcher).
///
/// # Safety
/// As for [`kv_ref`].
pub(crate) unsafe fn kv_arc(p: *const kvStore) -> Result<Arc<KvStore>, JsError> {
    // SAFETY: per the contract; the clone is a reference of our own.
    Ok(Arc::clone(&*unsafe { borrow(p.cast_mut()) }?))
}
