//! Key-value watchers and what is read through them: kvWatchOptions_Init,
//! kvStore_Watch, _WatchMulti, _WatchAll, kvWatcher_Next, _Stop, _Destroy,
//! kvStore_Keys, _KeysWithFilters, _History and _PurgeDeletes. The work is
//! in `jetstream::kv::watch` and `jetstream::kv::keys`.
use std::ffi::{c_char, c_int};
use std::sync::Arc;

use super::boundary::{malloc_array, malloc_cstring, Out};
use super::c_tree::{read_str, read_str_array};
use super::handles::{borrow, lend, release, to_c, Castable, Shared};
use super::js_boundary::js_guard;
use super::js_types::{
    kvEntryList, kvKeysList, kvPurgeOptions, kvWatchCb, kvWatchOptions, kvWatcher,
};
use super::kv_handles::{kvEntry, kvStore, kv_ref};
use super::options::Closure;
use super::status::natsStatus;
use crate::client::ErrorKind;
use crate::jetstream::kv::{KvEntry, KvPurgeOptions, WatchCallback, WatchOptions, Watcher};
use crate::jetstream::{JsError, JsResult};

// SAFETY: the pointer is `Arc::into_raw` of the watcher's state (through
// `Watcher::into_raw`), taken back with `Watcher::from_raw`; the Arc keeps
// it at one address.
unsafe impl Castable for kvWatcher {
    type Rust = Watcher;
    const WHAT: &'static str = "watcher";

    fn into_ptr(w: Watcher) -> *mut kvWatcher {
        w.into_raw().cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut kvWatcher) -> Watcher {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Watcher::from_raw(p.cast_const().cast()) }
    }
}

impl Shared for kvWatcher {
    fn as_ptr(w: &Watcher) -> *mut kvWatcher {
        w.as_ptr().cast_mut().cast()
    }
}

/// The user's callback as the watcher calls it: the entry becomes the
/// callback's, the watcher is lent for the call.
fn c_callback(
    cb: unsafe extern "C" fn(*mut kvWatcher, *mut kvEntry, natsStatus, *mut std::ffi::c_void),
    closure: Closure,
) -> WatchCallback {
    Arc::new(move |w: &Watcher, ev| {
        let cl = closure;
        let (e, s) = match ev {
            Ok(Some(e)) => (to_c::<kvEntry>(Box::new(e)), natsStatus::NATS_OK),
            Ok(None) => (std::ptr::null_mut(), natsStatus::NATS_OK),
            Err(e) => (std::ptr::null_mut(), natsStatus::from(e.kind)),
        };
        // SAFETY: the user's callback with the watcher (kept alive for the
        // call), an entry it now owns (or NULL) and its closure.
        unsafe { cb(lend::<kvWatcher>(w), e, s, cl.0) }
    })
}

/// Reads the user's options (NULL: the defaults).
///
/// # Safety
/// `p` is NULL or a readable `kvWatchOptions`.
unsafe fn watch_options(p: *const kvWatchOptions) -> WatchOptions {
    // SAFETY: per the contract.
    let Some(o) = (unsafe { p.as_ref() }) else {
        return WatchOptions::default();
    };
    let cb: kvWatchCb = o.Callback;
    WatchOptions {
        ignore_deletes: o.IgnoreDeletes,
        include_history: o.IncludeHistory,
        meta_only: o.MetaOnly,
        timeout: (o.Timeout > 0).then(|| super::handles::millis(o.Timeout)),
        updates_only: o.UpdatesOnly,
        heartbeat: o.Heartbeat,
        resume_from_revision: o.ResumeFromRevision,
        callback: cb.map(|f| c_callback(f, Closure(o.Closure))),
    }
}

/// Sets every option to its default (all zero: the last value of each key,
/// deletes included, no callback).
///
/// Status: NATS_INVALID_ARG for a NULL `opts`.
#[no_mangle]
pub unsafe extern "C" fn kvWatchOptions_Init(opts: *mut kvWatchOptions) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe {
        js_guard("kvWatchOptions_Init", std::ptr::null_mut(), || {
            let mut out = Out::new(opts, "watch options")?;
            out.set(kvWatchOptions {
                IgnoreDeletes: false,
                IncludeHistory: false,
                MetaOnly: false,
                Timeout: 0,
                UpdatesOnly: false,
                Heartbeat: 0,
                ResumeFromRevision: 0,
                Callback: None,
                Closure: std::ptr::null_mut(),
            });
            Ok(())
        })
    }
}

/// # Safety
/// The arguments as the API describes them.
unsafe fn watch(
    out: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: Vec<String>,
    opts: *const kvWatchOptions,
) -> JsResult<()> {
    // SAFETY: NULL or writable per the API.
    let mut out = unsafe { Out::new(out, "watcher output") }?;
    out.set(std::ptr::null_mut());
    // SAFETY: NULL or a live store, and readable options, per the API.
    let (kv, o) = unsafe { (kv_ref(kv)?, watch_options(opts)) };
    out.set(to_c(kv.watch_multi(&keys, &o)?));
    Ok(())
}

/// Watches the keys matching `keys` (wildcards allowed): the last value of
/// each, then a NULL entry saying the initial values are all there, then
/// every change (see kvWatchOptions for other choices). Entries come from
/// kvWatcher_Next, or go to `opts.Callback` on a library thread.
/// `*new_watcher` is the caller's, freed with kvWatcher_Destroy.
///
/// Status: NATS_INVALID_ARG for NULL arguments or an empty `keys`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Watch(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: *const c_char,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_Watch", std::ptr::null_mut(), || {
            let k = read_str(keys, "keys")?.ok_or_else(|| JsError::invalid_arg("keys is NULL"))?;
            watch(new_watcher, kv, vec![k], opts)
        })
    }
}

/// kvStore_Watch on the keys matching any of `numKeys` patterns.
///
/// Status: NATS_INVALID_ARG for NULL arguments, `numKeys` not positive, or
/// a NULL or empty pattern.
#[no_mangle]
pub unsafe extern "C" fn kvStore_WatchMulti(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: *const *const c_char,
    numKeys: c_int,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_WatchMulti", std::ptr::null_mut(), || {
            if numKeys <= 0 {
                return Err(JsError::invalid_arg("numKeys must be positive"));
            }
            let k = read_str_array(keys, numKeys, "keys")?;
            watch(new_watcher, kv, k, opts)
        })
    }
}

/// kvStore_Watch on every key of the bucket.
#[no_mangle]
pub unsafe extern "C" fn kvStore_WatchAll(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_WatchAll", std::ptr::null_mut(), || {
            watch(new_watcher, kv, vec![">".to_string()], opts)
        })
    }
}

/// Waits up to `timeout` milliseconds for the watcher's next entry, stored
/// in `*new_entry` (the caller's, freed with kvEntry_Destroy); a NULL entry
/// with NATS_OK marks the end of the initial values.
///
/// Status: NATS_TIMEOUT when nothing came; NATS_ILLEGAL_STATE once the
/// watcher is stopped (also for a call waiting then) or when it has a
/// callback; NATS_INVALID_ARG for NULL arguments or a `timeout` not
/// positive.
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Next(
    new_entry: *mut *mut kvEntry,
    w: *mut kvWatcher,
    timeout: i64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvWatcher_Next", std::ptr::null_mut(), || {
            let mut out = Out::new(new_entry, "entry output")?;
            out.set(std::ptr::null_mut());
            let w = borrow(w)?;
            if timeout <= 0 {
                return Err(JsError::invalid_arg("the timeout must be positive"));
            }
            if let Some(e) = w.next(super::handles::millis(timeout))? {
                out.set(to_c(Box::new(e)));
            }
            Ok(())
        })
    }
}

/// Stops the watcher (a stopped one: NATS_OK) and deletes its consumer;
/// calls of kvWatcher_Next, waiting or later, then fail with
/// NATS_ILLEGAL_STATE, and a callback is not called again.
///
/// Status: NATS_INVALID_ARG for a NULL `w`.
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Stop(w: *mut kvWatcher) -> natsStatus {
    // SAFETY: NULL or a live handle per the API.
    unsafe { js_guard("kvWatcher_Stop", std::ptr::null_mut(), || borrow(w)?.stop()) }
}

/// Stops the watcher (as kvWatcher_Stop) and frees it; NULL is ignored. A
/// callback running now may still finish.
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Destroy(w: *mut kvWatcher) {
    // SAFETY: NULL or a live handle the caller gives up, per the API.
    if let Some(w) = unsafe { release(w) } {
        let _ = w.stop();
    }
}

/// Fills `list` (the caller's struct) with malloc'ed copies of `keys`.
fn give_keys(list: &mut kvKeysList, keys: &[String]) -> JsResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let ptrs: Vec<*mut c_char> = keys.iter().map(|k| malloc_cstring(k)).collect();
    let array = malloc_array(&ptrs);
    if array.is_null() || ptrs.iter().any(|p| p.is_null()) {
        for p in ptrs {
            // SAFETY: each is NULL or a fresh malloc'ed block of ours.
            unsafe { libc::free(p.cast()) };
        }
        // SAFETY: NULL or a fresh malloc'ed block of ours.
        unsafe { libc::free(array.cast()) };
        return Err(JsError::new(ErrorKind::NoMemory, "no memory for the keys"));
    }
    list.Keys = array;
    list.Count = c_int::try_from(keys.len()).unwrap_or(c_int::MAX);
    Ok(())
}

/// # Safety
/// The arguments as the API describes them.
unsafe fn keys(
    list: *mut kvKeysList,
    kv: *mut kvStore,
    filters: Option<Vec<String>>,
    opts: *const kvWatchOptions,
) -> JsResult<()> {
    // SAFETY: NULL or writable per the API.
    let list = unsafe { list.as_mut() }.ok_or_else(|| JsError::invalid_arg("list is NULL"))?;
    list.Keys = std::ptr::null_mut();
    list.Count = 0;
    // SAFETY: NULL or a live store, and readable options, per the API.
    let (kv, o) = unsafe { (kv_ref(kv)?, watch_options(opts)) };
    let found = match filters {
        None => kv.keys(&o)?,
        Some(f) => kv.keys_with_filters(&f, &o)?,
    };
    give_keys(list, &found)
}

/// Fills `list` with the keys that have a value (none for an empty bucket:
/// NATS_OK and a Count of 0). `opts.Timeout` (milliseconds) bounds the
/// gathering. The keys are the caller's, freed with kvKeysList_Destroy.
///
/// Status: NATS_TIMEOUT (and no keys) when the time ran out;
/// NATS_INVALID_ARG for NULL `list` or `kv`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Keys(
    list: *mut kvKeysList,
    kv: *mut kvStore,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_Keys", std::ptr::null_mut(), || {
            keys(list, kv, None, opts)
        })
    }
}

/// kvStore_Keys for the keys matching any of `numFilters` patterns
/// (wildcards allowed).
///
/// Status: as kvStore_Keys; NATS_INVALID_ARG also for NULL `filters` or a
/// `numFilters` not positive.
#[no_mangle]
pub unsafe extern "C" fn kvStore_KeysWithFilters(
    list: *mut kvKeysList,
    kv: *mut kvStore,
    filters: *const *const c_char,
    numFilters: c_int,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_KeysWithFilters", std::ptr::null_mut(), || {
            if filters.is_null() || numFilters <= 0 {
                return Err(JsError::invalid_arg("no filters"));
            }
            let f = read_str_array(filters, numFilters, "filters")?;
            keys(list, kv, Some(f), opts)
        })
    }
}

/// Fills `list` with every revision kept of `key`, oldest first (see
/// kvWatchOptions: IgnoreDeletes, MetaOnly, Timeout in milliseconds). The
/// entries are the caller's, freed with kvEntryList_Destroy.
///
/// Status: NATS_NOT_FOUND when there is none (a missing key, an empty
/// bucket); NATS_TIMEOUT (and no entries) when the time ran out;
/// NATS_INVALID_ARG for NULL arguments or an empty `key`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_History(
    list: *mut kvEntryList,
    kv: *mut kvStore,
    key: *const c_char,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_History", std::ptr::null_mut(), || {
            let list = list
                .as_mut()
                .ok_or_else(|| JsError::invalid_arg("list is NULL"))?;
            list.Entries = std::ptr::null_mut();
            list.Count = 0;
            let (kv, o) = (kv_ref(kv)?, watch_options(opts));
            let k = read_str(key, "key")?.unwrap_or_default();
            give_entries(list, kv.history(&k, &o)?)
        })
    }
}

fn give_entries(list: &mut kvEntryList, entries: Vec<KvEntry>) -> JsResult<()> {
    let ptrs: Vec<*mut kvEntry> = entries.into_iter().map(|e| to_c(Box::new(e))).collect();
    let array = malloc_array(&ptrs);
    if array.is_null() {
        for p in ptrs {
            // SAFETY: each came from `to_c` just above and is ours.
            drop(unsafe { release(p) });
        }
        return Err(JsError::new(
            ErrorKind::NoMemory,
            "no memory for the entries",
        ));
    }
    list.Entries = array;
    list.Count = c_int::try_from(ptrs.len()).unwrap_or(c_int::MAX);
    Ok(())
}

/// Removes the keys whose last revision is a delete or purge marker: their
/// older revisions go, and the marker too unless it is younger than
/// `opts.DeleteMarkersOlderThan` nanoseconds (0: 30 minutes; negative:
/// every marker goes). `opts.Timeout` (milliseconds) bounds the gathering
/// of the markers; `opts` may be NULL.
///
/// Status: NATS_TIMEOUT (and nothing purged) when the markers could not
/// all be gathered in time; NATS_INVALID_ARG for a NULL `kv`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_PurgeDeletes(
    kv: *mut kvStore,
    opts: *const kvPurgeOptions,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("kvStore_PurgeDeletes", std::ptr::null_mut(), || {
            let kv = kv_ref(kv)?;
            let o = opts
                .as_ref()
                .map_or_else(KvPurgeOptions::default, |o| KvPurgeOptions {
                    timeout: (o.Timeout > 0).then(|| super::handles::millis(o.Timeout)),
                    delete_markers_older_than: o.DeleteMarkersOlderThan,
                    ttl: None,
                });
            kv.purge_deletes(&o)
        })
    }
}
