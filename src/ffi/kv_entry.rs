//! The kvEntry accessors and kvEntry_Destroy. An entry's key, value and
//! value string are lent from the message inside it (which keeps a zero
//! byte after each part); its bucket name is copied for C on first ask
//! and freed with the entry.
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::{Mutex, OnceLock};

use crate::client::Part;
use crate::ffi::boundary::guard_value;
use crate::ffi::handles::{release, try_borrow};
use crate::ffi::js_types::kvOperation;
use crate::ffi::kv_handles::kvEntry;
use crate::jetstream::kv::{KvEntry, Operation};

/// The bucket names lent by kvEntry_Bucket, by entry address, until the
/// entry is destroyed.
static BUCKETS: OnceLock<Mutex<HashMap<usize, CString>>> = OnceLock::new();

fn buckets() -> std::sync::MutexGuard<'static, HashMap<usize, CString>> {
    let m = BUCKETS.get_or_init(Mutex::default);
    // A panic under this lock leaves the map consistent: keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads one entry field; `default` for a NULL entry.
fn with_entry<T: Copy>(
    func: &'static str,
    e: *const kvEntry,
    default: T,
    f: impl FnOnce(&KvEntry) -> T,
) -> T {
    guard_value(func, default, || {
        // SAFETY: NULL or a live entry per the API.
        match unsafe { try_borrow::<kvEntry>(e) } {
            Some(entry) => f(&entry),
            None => default,
        }
    })
}

/// The name of the bucket the entry came from, valid until
/// kvEntry_Destroy; NULL for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Bucket(e: *const kvEntry) -> *const c_char {
    with_entry("kvEntry_Bucket", e, ptr::null(), |entry| {
        let mut map = buckets();
        map.entry(e as usize)
            .or_insert_with(|| CString::new(entry.bucket()).unwrap_or_default())
            .as_ptr()
    })
}

/// The entry's key (NUL-terminated), valid until kvEntry_Destroy; NULL for
/// a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Key(e: *const kvEntry) -> *const c_char {
    with_entry("kvEntry_Key", e, ptr::null(), |entry| {
        // The key ends the subject, which the message keeps zero-terminated.
        let key_len = entry.key().len() + 1;
        match entry.message().zero_terminated(Part::Subject) {
            Some(s) if s.len() >= key_len => s[s.len() - key_len..].as_ptr().cast(),
            _ => ptr::null(),
        }
    })
}

/// The value's bytes (followed by a zero byte that is not part of them),
/// valid until kvEntry_Destroy; NULL for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Value(e: *const kvEntry) -> *const c_void {
    with_entry("kvEntry_Value", e, ptr::null(), |entry| {
        entry
            .value_zero_terminated()
            .map_or(ptr::null(), |v| v.as_ptr().cast())
    })
}

/// The value's length in bytes; -1 for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_ValueLen(e: *const kvEntry) -> c_int {
    with_entry("kvEntry_ValueLen", e, -1, |entry| {
        c_int::try_from(entry.value().len()).unwrap_or(c_int::MAX)
    })
}

/// The value as a NUL-terminated string (what C sees stops at its first
/// zero byte), valid until kvEntry_Destroy; NULL for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_ValueString(e: *const kvEntry) -> *const c_char {
    with_entry("kvEntry_ValueString", e, ptr::null(), |entry| {
        entry
            .value_zero_terminated()
            .map_or(ptr::null(), |v| v.as_ptr().cast())
    })
}

/// The entry's revision (its stream sequence); 0 for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Revision(e: *const kvEntry) -> u64 {
    with_entry("kvEntry_Revision", e, 0, KvEntry::revision)
}

/// When the revision was stored, UTC nanoseconds; 0 for a NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Created(e: *const kvEntry) -> i64 {
    with_entry("kvEntry_Created", e, 0, KvEntry::created)
}

/// How many newer revisions of the watched keys there were when a watcher
/// delivered the entry (0 for an entry from a get, or a NULL entry).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Delta(e: *const kvEntry) -> u64 {
    with_entry("kvEntry_Delta", e, 0, KvEntry::delta)
}

/// What the revision is: a put, a delete or a purge; kvOp_Unknown for a
/// NULL entry.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Operation(e: *const kvEntry) -> kvOperation {
    with_entry(
        "kvEntry_Operation",
        e,
        kvOperation::kvOp_Unknown,
        |entry| match entry.operation() {
            Operation::Unknown => kvOperation::kvOp_Unknown,
            Operation::Put => kvOperation::kvOp_Put,
            Operation::Delete => kvOperation::kvOp_Delete,
            Operation::Purge => kvOperation::kvOp_Purge,
        },
    )
}

/// Frees an entry (from kvStore_Get, kvStore_GetRevision, a watcher, or
/// handed to a watcher's callback) and what its accessors lent; NULL does
/// nothing.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Destroy(e: *mut kvEntry) {
    guard_value("kvEntry_Destroy", (), || {
        if e.is_null() {
            return;
        }
        if BUCKETS.get().is_some() {
            buckets().remove(&(e as usize));
        }
        // SAFETY: a live entry, given up here.
        drop(unsafe { release::<kvEntry>(e) });
    })
}
