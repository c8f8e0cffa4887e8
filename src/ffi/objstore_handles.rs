//! The object store handle on the shell's `Castable` trait: an
//! `objStore*` is the address of an `Arc<ObjStore>` (puts, gets and
//! watchers may hold their own references). The put, get and watcher
//! handles live with their exports.
use std::sync::Arc;

use crate::ffi::boundary::null_arg;
use crate::ffi::handles::Castable;
use crate::ffi::js_types::objStore;
use crate::jetstream::objstore::ObjStore;
use crate::jetstream::JsError;

// SAFETY: the pointer is `Arc::into_raw` of the store, taken back with
// `Arc::from_raw`; the Arc keeps the store at one address.
unsafe impl Castable for objStore {
    type Rust = Arc<ObjStore>;
    const WHAT: &'static str = "object store";

    fn into_ptr(s: Arc<ObjStore>) -> *mut objStore {
        Arc::into_raw(s).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut objStore) -> Arc<ObjStore> {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of an
        // `ObjStore`, and this reference is taken back once.
        unsafe { Arc::from_raw(p.cast_const().cast::<ObjStore>()) }
    }
}

/// Borrows the store behind a handle for one call.
///
/// # Safety
/// `p` is NULL or a live handle from js_CreateObjectStore or js_ObjectStore.
pub(crate) unsafe fn obj_ref<'a>(p: *const objStore) -> Result<&'a ObjStore, JsError> {
    // SAFETY: a live handle is the data pointer of an `Arc<ObjStore>` whose
    // user reference outlives the call.
    unsafe { p.cast::<ObjStore>().as_ref() }.ok_or_else(|| null_arg(objStore::WHAT).into())
}
