//! Object store watchers: objStore_Watch, objStoreWatcher_Next, _Stop and
//! _Destroy. The work is in `jetstream::objstore::watch`.
use std::sync::Arc;
use std::time::Duration;

use crate::ffi::boundary::Out;
use crate::ffi::handles::{borrow, release, to_c, Castable};
use crate::ffi::js_types::{objStore, objStoreInfo, objStoreWatchOptions, objStoreWatcher};
use crate::ffi::natsStatus;
use crate::ffi::objstore::obs_guard;
use crate::ffi::objstore_handles::obj_ref;
use crate::ffi::objstore_info::info_to_c;
use crate::jetstream::objstore::{ObjWatchOptions, ObjWatcher};
use crate::jetstream::JsError;

// SAFETY: the pointer is `Arc::into_raw` of the watcher, taken back with
// `Arc::from_raw`; the Arc keeps it at one address.
unsafe impl Castable for objStoreWatcher {
    type Rust = Arc<ObjWatcher>;
    const WHAT: &'static str = "object store watcher";

    fn into_ptr(w: Arc<ObjWatcher>) -> *mut objStoreWatcher {
        Arc::into_raw(w).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut objStoreWatcher) -> Arc<ObjWatcher> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Arc::from_raw(p.cast_const().cast::<ObjWatcher>()) }
    }
}

/// Watches every object of the store: first the current info of each
/// (unless `opts` asks for UpdatesOnly), then a NULL info once, then each
/// put, meta update and delete (deletes not with IgnoreDeletes). `opts`
/// may be NULL. On NATS_OK `*new_watcher` is the caller's, freed with
/// objStoreWatcher_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStore_Watch(
    new_watcher: *mut *mut objStoreWatcher,
    obs: *mut objStore,
    opts: *mut objStoreWatchOptions,
) -> natsStatus {
    obs_guard("objStore_Watch", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_watcher, "the watcher out-parameter")?;
            let os = obj_ref(obs)?;
            let o = opts
                .as_ref()
                .map_or(ObjWatchOptions::default(), |o| ObjWatchOptions {
                    ignore_deletes: o.IgnoreDeletes,
                    updates_only: o.UpdatesOnly,
                });
            out.set(to_c::<objStoreWatcher>(Arc::new(os.watch(o)?)));
            Ok(())
        }
    })
}

/// Waits up to `timeout` milliseconds (must be positive) for the next
/// info, stored in `*new_info` and the caller's to free with
/// objStoreInfo_Destroy; a NULL info once, when the current infos have
/// all come. NATS_TIMEOUT when nothing came; NATS_ILLEGAL_STATE once the
/// watcher is stopped (also for a call waiting then).
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Next(
    new_info: *mut *mut objStoreInfo,
    w: *mut objStoreWatcher,
    timeout: i64,
) -> natsStatus {
    obs_guard("objStoreWatcher_Next", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_info, "the info out-parameter")?;
            out.set(std::ptr::null_mut());
            if timeout <= 0 {
                return Err(JsError::invalid_arg("the timeout must be positive"));
            }
            // A reference of our own: a Destroy from another thread while
            // this waits must not free the watcher under it.
            let w = Arc::clone(&*borrow(w)?);
            if let Some(info) = w.next(Duration::from_millis(timeout.unsigned_abs()))? {
                out.set(info_to_c(&info));
            }
            Ok(())
        }
    })
}

/// Stops the watcher: Next calls, waiting now or later, fail with
/// NATS_ILLEGAL_STATE. Stopping again is NATS_OK.
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Stop(w: *mut objStoreWatcher) -> natsStatus {
    obs_guard("objStoreWatcher_Stop", || {
        // SAFETY: NULL or a live watcher per the API.
        unsafe { borrow(w) }?.stop()
    })
}

/// Stops and frees the watcher (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Destroy(w: *mut objStoreWatcher) {
    crate::ffi::boundary::guard_value("objStoreWatcher_Destroy", (), || {
        // SAFETY: NULL or a live watcher, given up here.
        if let Some(w) = unsafe { release::<objStoreWatcher>(w) } {
            let _ = w.stop();
        }
    })
}
