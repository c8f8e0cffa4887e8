//! Key-value bucket exports: kvConfig_Init, js_CreateKeyValue,
//! js_KeyValue, js_DeleteKeyValue, the kvStore operations on keys (put,
//! create, update, get, delete, purge), kvStore_Status with the kvStatus
//! accessors, and the list destroyers. Bodies translate; `jetstream::kv`
//! does the work.
use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use crate::ffi::boundary::{clear_error, guard, guard_value, Out};
use crate::ffi::c_tree::{read_array, read_str_or_empty};
use crate::ffi::connection::{c_string_bytes, payload};
use crate::ffi::handles::{borrow, release, to_c, try_borrow, Castable};
use crate::ffi::js_handles::js_ctx;
use crate::ffi::js_stream::zero_init;
use crate::ffi::js_stream_config::{enum_field, read_source, storage_from_c};
use crate::ffi::js_types::{jsCtx, kvConfig, kvEntryList, kvKeysList, kvPurgeOptions, kvStatus};
use crate::ffi::kv_entry::kvEntry_Destroy;
use crate::ffi::kv_handles::{kvEntry, kvStore, kv_arc, kv_ref};
use crate::ffi::lent::Lent;
use crate::ffi::natsStatus;
use crate::jetstream::kv::{KvConfig, KvEntry, KvPurgeOptions, KvStatus, KvStore};
use crate::jetstream::{JsError, JsResult, RePublish};

/// The bucket names kvStore_Bucket lends, one per open store.
static BUCKET_NAMES: Lent<KvStore> = Lent::new();

/// Runs a kv export's body. nats.c reports "not found" (no bucket, no
/// key, a deleted key) by the status alone: the last error is cleared.
fn kv_guard(func: &'static str, f: impl FnOnce() -> JsResult<()>) -> natsStatus {
    let s = guard(func, || f().map_err(|e| e.at(func).into_client()));
    if s == natsStatus::NATS_NOT_FOUND {
        clear_error();
    }
    s
}

/// Milliseconds from C; only positive values count (nats.c's rule for
/// these TTLs and timeouts).
fn positive_millis(ms: i64) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms.unsigned_abs()))
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn key_arg(p: *const c_char) -> JsResult<String> {
    // SAFETY: per the contract; NULL reads as the empty (invalid) key.
    Ok(unsafe { read_str_or_empty(p, "the key") }?)
}

/// Copies what the user filled in (nothing of it is kept or changed).
///
/// # Safety
/// `c` is a readable `kvConfig` whose pointers are NULL or valid, its
/// strings NUL-terminated and `Sources` holding `SourcesLen` pointers.
unsafe fn read_kv_config(c: &kvConfig) -> JsResult<KvConfig> {
    // SAFETY: every pointer per the contract.
    unsafe {
        let republish = match c.RePublish.as_ref() {
            Some(r) => Some(RePublish {
                source: read_str_or_empty(r.Source, "RePublish.Source")?,
                destination: read_str_or_empty(r.Destination, "RePublish.Destination")?,
                headers_only: r.HeadersOnly,
            }),
            None => None,
        };
        let mirror = match c.Mirror.as_ref() {
            Some(m) => Some(read_source(m, "Mirror")?),
            None => None,
        };
        // nats.c skips NULL entries of the sources.
        let mut sources = Vec::new();
        for &s in read_array(c.Sources.cast_const(), c.SourcesLen, "Sources")? {
            if let Some(s) = s.as_ref() {
                sources.push(read_source(s, "Sources")?);
            }
        }
        Ok(KvConfig {
            bucket: read_str_or_empty(c.Bucket, "Bucket")?,
            description: read_str_or_empty(c.Description, "Description")?,
            max_value_size: c.MaxValueSize,
            history: c.History,
            ttl: c.TTL,
            max_bytes: c.MaxBytes,
            storage: storage_from_c(enum_field(&c.StorageType, "storage type")?),
            replicas: i64::from(c.Replicas),
            republish,
            mirror,
            sources,
            limit_marker_ttl: c.LimitMarkerTTL,
        })
    }
}

/// Zeroes a bucket configuration: every limit unset (no size limits, one
/// revision per key, file storage, one replica). Set `Bucket` and the rest
/// afterwards; the config never owns what its pointers point to.
/// NATS_INVALID_ARG when `cfg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn kvConfig_Init(cfg: *mut kvConfig) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("kvConfig_Init", cfg) }
}

/// Zeroes purge options (no timeout, 30 minutes for PurgeDeletes' marker
/// age, no marker TTL). NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn kvPurgeOptions_Init(opts: *mut kvPurgeOptions) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("kvPurgeOptions_Init", opts) }
}

/// Hands a store to C.
fn store_to_c(new_kv: &mut Out<'_, *mut kvStore>, kv: KvStore) {
    new_kv.set(to_c::<kvStore>(Arc::new(kv)));
}

/// Creates the bucket `cfg` describes (its stream `KV_<Bucket>`), or binds
/// to it when it exists with the same configuration. `cfg` is only read.
/// On NATS_OK `*new_kv` is the caller's, freed with kvStore_Destroy (which
/// leaves the bucket on the server). NATS_INVALID_ARG for NULL arguments, a
/// bucket name outside `A-Za-z0-9_-` or a History over 64; NATS_ERR with
/// the server's text when it refuses the configuration.
#[no_mangle]
pub unsafe extern "C" fn js_CreateKeyValue(
    new_kv: *mut *mut kvStore,
    js: *mut jsCtx,
    cfg: *mut kvConfig,
) -> natsStatus {
    kv_guard("js_CreateKeyValue", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_kv, "the store out-parameter")?;
            let ctx = js_ctx(js)?;
            let cfg = cfg
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("the bucket configuration is NULL"))?;
            let cfg = read_kv_config(cfg)?;
            store_to_c(&mut out, ctx.js.create_key_value(&cfg)?);
            Ok(())
        }
    })
}

/// Binds to the existing bucket `bucket`. On NATS_OK `*new_kv` is the
/// caller's, freed with kvStore_Destroy. NATS_NOT_FOUND (and no last
/// error) when there is no such bucket; NATS_INVALID_ARG for NULL
/// arguments, an invalid name, or a stream that is not a bucket.
#[no_mangle]
pub unsafe extern "C" fn js_KeyValue(
    new_kv: *mut *mut kvStore,
    js: *mut jsCtx,
    bucket: *const c_char,
) -> natsStatus {
    kv_guard("js_KeyValue", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_kv, "the store out-parameter")?;
            let ctx = js_ctx(js)?;
            let bucket = read_str_or_empty(bucket, "the bucket")?;
            store_to_c(&mut out, ctx.js.key_value(&bucket)?);
            Ok(())
        }
    })
}

/// Deletes the bucket `bucket` on the server, with all its keys. Open
/// kvStore handles stay to be destroyed. NATS_NOT_FOUND (and no last
/// error) when there is no such bucket; NATS_INVALID_ARG for a NULL
/// context or an invalid name.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteKeyValue(js: *mut jsCtx, bucket: *const c_char) -> natsStatus {
    kv_guard("js_DeleteKeyValue", || {
        // SAFETY: arguments per the API.
        unsafe {
            let ctx = js_ctx(js)?;
            let bucket = read_str_or_empty(bucket, "the bucket")?;
            ctx.js.delete_key_value(&bucket)
        }
    })
}

/// Frees a store handle (NULL does nothing); the bucket stays on the
/// server. Entries, statuses and watchers made from it stay valid until
/// they are destroyed themselves.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Destroy(kv: *mut kvStore) {
    guard_value("kvStore_Destroy", (), || {
        BUCKET_NAMES.forget(kv.cast_const().cast::<KvStore>());
        // SAFETY: NULL or a live handle, given up here.
        drop(unsafe { release::<kvStore>(kv) });
    })
}

/// The bucket's name, owned by the store and valid until kvStore_Destroy;
/// NULL for a NULL store.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Bucket(kv: *const kvStore) -> *const c_char {
    guard_value("kvStore_Bucket", ptr::null(), || {
        // SAFETY: NULL or a live handle per the API.
        match unsafe { try_borrow::<kvStore>(kv) } {
            Some(kv) => BUCKET_NAMES.get(&kv, Some(kv.bucket())),
            None => ptr::null(),
        }
    })
}

/// Shared by the puts: `*rev` (when `rev` is not NULL) is 0 until the put
/// succeeds, then its revision.
///
/// # Safety
/// The arguments are those of the exports.
unsafe fn put_with(
    func: &'static str,
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    op: impl FnOnce(&KvStore, &str) -> JsResult<u64>,
) -> natsStatus {
    kv_guard(func, || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut rev = Out::optional(rev);
            rev.set(0);
            let kv = kv_ref(kv)?;
            let key = key_arg(key)?;
            rev.set(op(kv, &key)?);
            Ok(())
        }
    })
}

/// Stores `len` bytes at `data` (copied) as the key's new value. `rev` (may
/// be NULL) gets the new revision. NATS_INVALID_ARG for a NULL store, an
/// invalid key (empty, a wildcard, an empty token as in `a..b`) or bad
/// data; NATS_ERR with the server's text when it refuses the value.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Put(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_Put", rev, kv, key, |kv, key| {
            kv.put(key, payload(data, len)?)
        })
    }
}

/// kvStore_Put of the string `data` without its NUL (NULL: empty).
#[no_mangle]
pub unsafe extern "C" fn kvStore_PutString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_PutString", rev, kv, key, |kv, key| {
            kv.put(key, c_string_bytes(data))
        })
    }
}

/// Stores the value only if the key has none: never written, or deleted
/// or purged (the create then goes over the marker). `rev` (may be NULL)
/// gets the new revision. A key with a value is NATS_ERR with the server's
/// text ("wrong last sequence: N", its code JSStreamWrongLastSequenceErr).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Create(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_Create", rev, kv, key, |kv, key| {
            kv.create(key, payload(data, len)?, None)
        })
    }
}

/// kvStore_Create of the string `data` without its NUL (NULL: empty).
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_CreateString", rev, kv, key, |kv, key| {
            kv.create(key, c_string_bytes(data), None)
        })
    }
}

/// kvStore_Create whose value the server removes after `ttl` milliseconds
/// (`ttl <= 0`: never). The bucket needs a LimitMarkerTTL (server 2.11+),
/// otherwise the server refuses the TTL (NATS_ERR), as it does one under a
/// second.
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    ttl: i64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_CreateWithTTL", rev, kv, key, |kv, key| {
            kv.create(key, payload(data, len)?, positive_millis(ttl))
        })
    }
}

/// kvStore_CreateWithTTL of the string `data` without its NUL.
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateStringWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    ttl: i64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_CreateStringWithTTL", rev, kv, key, |kv, key| {
            kv.create(key, c_string_bytes(data), positive_millis(ttl))
        })
    }
}

/// Stores the value only if the key's latest revision is `last` (0: only
/// if the key was never written). `rev` (may be NULL) gets the new
/// revision. Any other latest revision is NATS_ERR with the server's text
/// ("wrong last sequence: N", its code JSStreamWrongLastSequenceErr).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Update(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    last: u64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_Update", rev, kv, key, |kv, key| {
            kv.update(key, payload(data, len)?, last, None)
        })
    }
}

/// kvStore_Update of the string `data` without its NUL (NULL: empty).
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    last: u64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_UpdateString", rev, kv, key, |kv, key| {
            kv.update(key, c_string_bytes(data), last, None)
        })
    }
}

/// kvStore_Update whose value the server removes after `ttl` milliseconds
/// (`ttl <= 0`: never); the TTL needs a bucket with a LimitMarkerTTL.
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    last: u64,
    ttl: i64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_UpdateWithTTL", rev, kv, key, |kv, key| {
            kv.update(key, payload(data, len)?, last, positive_millis(ttl))
        })
    }
}

/// kvStore_UpdateWithTTL of the string `data` without its NUL.
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateStringWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    last: u64,
    ttl: i64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        put_with("kvStore_UpdateStringWithTTL", rev, kv, key, |kv, key| {
            kv.update(key, c_string_bytes(data), last, positive_millis(ttl))
        })
    }
}

/// Shared by the gets: `*new_entry` is NULL unless one is found.
///
/// # Safety
/// The arguments are those of the exports.
unsafe fn get_with(
    func: &'static str,
    new_entry: *mut *mut kvEntry,
    kv: *mut kvStore,
    key: *const c_char,
    op: impl FnOnce(&KvStore, &str) -> JsResult<KvEntry>,
) -> natsStatus {
    kv_guard(func, || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_entry, "the entry out-parameter")?;
            out.set(ptr::null_mut());
            let kv = kv_ref(kv)?;
            let key = key_arg(key)?;
            out.set(to_c::<kvEntry>(Box::new(op(kv, &key)?)));
            Ok(())
        }
    })
}

/// The key's latest value. On NATS_OK `*new_entry` is the caller's, freed
/// with kvEntry_Destroy. NATS_NOT_FOUND (and no last error) when the key
/// has no value: never written, deleted or purged. NATS_INVALID_ARG for
/// NULL arguments or an invalid key. Uses direct gets when the bucket's
/// stream allows them.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Get(
    new_entry: *mut *mut kvEntry,
    kv: *mut kvStore,
    key: *const c_char,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { get_with("kvStore_Get", new_entry, kv, key, |kv, key| kv.get(key)) }
}

/// The key's value at `revision` (> 0, else NATS_INVALID_ARG). On NATS_OK
/// `*new_entry` is the caller's, freed with kvEntry_Destroy.
/// NATS_NOT_FOUND (and no last error) when that revision is not the key's
/// or is a delete or purge marker.
#[no_mangle]
pub unsafe extern "C" fn kvStore_GetRevision(
    new_entry: *mut *mut kvEntry,
    kv: *mut kvStore,
    key: *const c_char,
    revision: u64,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        get_with("kvStore_GetRevision", new_entry, kv, key, |kv, key| {
            kv.get_revision(key, revision)
        })
    }
}

/// Deletes the key: a delete marker becomes its latest revision, earlier
/// revisions stay (as History allows). NATS_INVALID_ARG for a NULL store
/// or an invalid key.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Delete(kv: *mut kvStore, key: *const c_char) -> natsStatus {
    kv_guard("kvStore_Delete", || {
        // SAFETY: arguments per the API.
        unsafe { kv_ref(kv)?.delete(&key_arg(key)?) }
    })
}

/// Purges the key: a purge marker replaces all its revisions. `opts` (may
/// be NULL; only read): a positive `Timeout` (ms) bounds the wait for the
/// server, a positive `TTL` (ms) has the server remove the marker itself
/// after that long (buckets with a LimitMarkerTTL, server 2.11+).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Purge(
    kv: *mut kvStore,
    key: *const c_char,
    opts: *const kvPurgeOptions,
) -> natsStatus {
    kv_guard("kvStore_Purge", || {
        // SAFETY: arguments per the API.
        unsafe {
            let kv = kv_ref(kv)?;
            let key = key_arg(key)?;
            let o = opts
                .as_ref()
                .map_or_else(KvPurgeOptions::default, |o| KvPurgeOptions {
                    timeout: positive_millis(o.Timeout),
                    delete_markers_older_than: o.DeleteMarkersOlderThan,
                    ttl: positive_millis(o.TTL),
                });
            kv.purge(&key, &o)
        }
    })
}

/// What a `kvStatus *` points to: the status and its bucket name for C.
pub(crate) struct StatusHandle {
    status: KvStatus,
    bucket: CString,
}

// SAFETY: `Box::into_raw` and `Box::from_raw` of the same type; a box
// does not move its contents.
unsafe impl Castable for kvStatus {
    type Rust = Box<StatusHandle>;
    const WHAT: &'static str = "key-value status";

    fn into_ptr(s: Box<StatusHandle>) -> *mut kvStatus {
        Box::into_raw(s).cast()
    }

    unsafe fn from_ptr(p: *mut kvStatus) -> Box<StatusHandle> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Box::from_raw(p.cast::<StatusHandle>()) }
    }
}

/// The bucket's status now (its stream's info). On NATS_OK `*new_status`
/// is the caller's, freed with kvStatus_Destroy. NATS_INVALID_ARG for NULL
/// arguments; NATS_NOT_FOUND (and no last error) when the bucket is gone.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Status(
    new_status: *mut *mut kvStatus,
    kv: *mut kvStore,
) -> natsStatus {
    kv_guard("kvStore_Status", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_status, "the status out-parameter")?;
            let status = kv_arc(kv)?.status()?;
            let bucket = CString::new(status.bucket()).unwrap_or_default();
            out.set(to_c::<kvStatus>(Box::new(StatusHandle { status, bucket })));
            Ok(())
        }
    })
}

/// Reads a status field; `default` for a NULL status.
fn with_status<T: Copy>(
    func: &'static str,
    sts: *const kvStatus,
    default: T,
    f: impl FnOnce(&StatusHandle) -> T,
) -> T {
    guard_value(func, default, || {
        // SAFETY: NULL or a live status per the API.
        match unsafe { borrow::<kvStatus>(sts) } {
            Ok(s) => f(&s),
            Err(_) => default,
        }
    })
}

/// The bucket's name, owned by the status (valid until kvStatus_Destroy);
/// NULL for a NULL status.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Bucket(sts: *const kvStatus) -> *const c_char {
    with_status("kvStatus_Bucket", sts, ptr::null(), |s| s.bucket.as_ptr())
}

/// How many revisions (values and markers) the bucket holds; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Values(sts: *const kvStatus) -> u64 {
    with_status("kvStatus_Values", sts, 0, |s| s.status.values())
}

/// Revisions kept per key; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_History(sts: *const kvStatus) -> i64 {
    with_status("kvStatus_History", sts, 0, |s| s.status.history())
}

/// How long revisions are kept, nanoseconds (0: forever); 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_TTL(sts: *const kvStatus) -> i64 {
    with_status("kvStatus_TTL", sts, 0, |s| s.status.ttl())
}

/// The bucket's replicas; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Replicas(sts: *const kvStatus) -> i64 {
    with_status("kvStatus_Replicas", sts, 0, |s| s.status.replicas())
}

/// The bytes the bucket's stream holds; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Bytes(sts: *const kvStatus) -> u64 {
    with_status("kvStatus_Bytes", sts, 0, |s| s.status.bytes())
}

/// Frees a status from kvStore_Status (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Destroy(sts: *mut kvStatus) {
    guard_value("kvStatus_Destroy", (), || {
        // SAFETY: NULL or a live status, given up here.
        drop(unsafe { release::<kvStatus>(sts) });
    })
}

/// Frees the entries of a list from kvStore_History (each with
/// kvEntry_Destroy) and its malloc'ed array; the list itself is the
/// caller's and is left empty. NULL, or a list without entries, does
/// nothing.
#[no_mangle]
pub unsafe extern "C" fn kvEntryList_Destroy(list: *mut kvEntryList) {
    guard_value("kvEntryList_Destroy", (), || {
        // SAFETY: NULL or a list the library filled, per the API.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return;
        };
        if list.Entries.is_null() {
            return;
        }
        for i in 0..usize::try_from(list.Count).unwrap_or(0) {
            // SAFETY: the library filled `Count` entries, each the list's.
            unsafe { kvEntry_Destroy(*list.Entries.add(i)) };
        }
        // SAFETY: the array was malloc'ed by the library and is given up.
        unsafe { libc::free(list.Entries.cast()) };
        list.Entries = ptr::null_mut();
        list.Count = 0;
    })
}

/// Frees the keys of a list from kvStore_Keys (each a malloc'ed string)
/// and its malloc'ed array; the list itself is the caller's and is left
/// empty. NULL, or a list without keys, does nothing.
#[no_mangle]
pub unsafe extern "C" fn kvKeysList_Destroy(list: *mut kvKeysList) {
    guard_value("kvKeysList_Destroy", (), || {
        // SAFETY: NULL or a list the library filled, per the API.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return;
        };
        if list.Keys.is_null() {
            return;
        }
        for i in 0..usize::try_from(list.Count).unwrap_or(0) {
            // SAFETY: the library filled `Count` malloc'ed keys.
            unsafe { libc::free((*list.Keys.add(i)).cast()) };
        }
        // SAFETY: the array was malloc'ed by the library and is given up.
        unsafe { libc::free(list.Keys.cast()) };
        list.Keys = ptr::null_mut();
        list.Count = 0;
    })
}
