//! Object store put exports: objStore_Put with objStorePut_Add,
//! objStorePut_Complete and objStorePut_Destroy, and the one-call
//! objStore_PutBytes, objStore_PutString and objStore_PutFile. Bodies
//! translate; `jetstream::objstore::put` does the work.
use std::ffi::{c_char, c_int, c_void};

use crate::ffi::boundary::{invalid_arg, null_arg, Out};
use crate::ffi::c_tree::read_str_or_empty;
use crate::ffi::connection::payload;
use crate::ffi::handles::{release, to_c, Castable, Exclusive};
use crate::ffi::js_types::{objStore, objStoreInfo, objStoreMeta, objStorePut};
use crate::ffi::natsStatus;
use crate::ffi::objstore::obs_guard;
use crate::ffi::objstore_handles::obj_ref;
use crate::ffi::objstore_info::{info_to_c, meta_from_c};
use crate::jetstream::objstore::{ObjectInfo, ObjectPut};
use crate::jetstream::JsResult;

// SAFETY: the pointer is `Box::into_raw` of the put, taken back with
// `Box::from_raw`; the box keeps it at one address.
unsafe impl Castable for objStorePut {
    type Rust = Box<ObjectPut>;
    const WHAT: &'static str = "object store put";

    fn into_ptr(p: Box<ObjectPut>) -> *mut objStorePut {
        Box::into_raw(p).cast()
    }

    unsafe fn from_ptr(p: *mut objStorePut) -> Box<ObjectPut> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Box::from_raw(p.cast::<ObjectPut>()) }
    }
}

impl Exclusive for objStorePut {}

/// The put behind a handle, for one call.
///
/// # Safety
/// `p` is NULL or a live handle from objStore_Put, used by one thread.
unsafe fn put_mut<'a>(p: *mut objStorePut) -> JsResult<&'a mut ObjectPut> {
    // SAFETY: per the contract, `p` is `Box::into_raw` of an `ObjectPut`.
    Ok(unsafe { p.cast::<ObjectPut>().as_mut() }.ok_or_else(|| null_arg(objStorePut::WHAT))?)
}

/// nats.c's rule for the bytes of an add: none with a length, or a
/// length with none, or a negative length, is NATS_INVALID_ARG.
///
/// # Safety
/// `data` is NULL or readable for `len` bytes.
unsafe fn add_data<'a>(data: *const c_void, len: c_int) -> JsResult<&'a [u8]> {
    if !data.is_null() && len == 0 {
        return Err(invalid_arg("data given with a zero length").into());
    }
    // SAFETY: per the contract.
    Ok(unsafe { payload(data, len) }?)
}

/// The timeout of objStorePut_Complete: 0 is the context's wait.
fn complete_timeout(put: &ObjectPut, ms: i64) -> JsResult<std::time::Duration> {
    match ms {
        0 => Ok(put.default_timeout()),
        ms if ms < 0 => Err(invalid_arg("negative timeout").into()),
        ms => Ok(std::time::Duration::from_millis(ms.unsigned_abs())),
    }
}

/// Hands `info` to C when it was asked for (freed with
/// objStoreInfo_Destroy).
///
/// # Safety
/// `new_info` is NULL or writable.
unsafe fn give_info(new_info: *mut *mut objStoreInfo, info: &ObjectInfo) {
    if !new_info.is_null() {
        // SAFETY: non-NULL and writable per the contract.
        unsafe { Out::optional(new_info) }.set(info_to_c(info));
    }
}

/// Starts putting the object `meta` names (a name is required, a link is
/// refused). Chunks are ADR-20's: every one but the last holds exactly
/// `meta->Opts.ChunkSize` bytes (default 128 KiB), whatever the sizes
/// of the adds; the meta's headers are stored with the object. Nothing
/// of `meta` is kept. Free `*new_put` with objStorePut_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStore_Put(
    new_put: *mut *mut objStorePut,
    obs: *mut objStore,
    meta: *mut objStoreMeta,
) -> natsStatus {
    obs_guard("objStore_Put", || {
        // SAFETY: NULL or writable per nats.c's contract.
        let mut out = unsafe { Out::new(new_put, "new_put") }?;
        // SAFETY: NULL or a live handle.
        let obs = unsafe { obj_ref(obs) }?;
        // SAFETY: NULL or a meta the caller filled in.
        let meta = unsafe { meta.as_ref() }.ok_or_else(|| null_arg("meta"))?;
        // SAFETY: its pointers are valid for the call per the contract.
        let meta = unsafe { meta_from_c(meta) }?;
        out.set(to_c::<objStorePut>(Box::new(obs.put(&meta)?)));
        Ok(())
    })
}

/// Adds `dataLen` bytes to the object (they are copied or sent before the
/// call returns). After a failure every add fails; objStorePut_Complete
/// or objStorePut_Destroy then purges what was sent.
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Add(
    put: *mut objStorePut,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    obs_guard("objStorePut_Add", || {
        // SAFETY: NULL or a live handle used by this thread.
        let put = unsafe { put_mut(put) }?;
        // SAFETY: readable for `dataLen` bytes per the contract.
        put.add(unsafe { add_data(data, dataLen) }?)
    })
}

/// Sends the last chunk, waits for all to be stored and writes the info;
/// on failure purges the chunks sent. `timeout` in milliseconds (0: the
/// context's wait). `*new_info` (NULL if not wanted) is the caller's, to
/// free with objStoreInfo_Destroy. The put still needs objStorePut_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Complete(
    new_info: *mut *mut objStoreInfo,
    put: *mut objStorePut,
    timeout: i64,
) -> natsStatus {
    obs_guard("objStorePut_Complete", || {
        // SAFETY: NULL or a live handle used by this thread.
        let put = unsafe { put_mut(put) }?;
        let info = put.complete(complete_timeout(put, timeout)?)?;
        // SAFETY: NULL or writable per nats.c's contract.
        unsafe { give_info(new_info, &info) };
        Ok(())
    })
}

/// Frees a put. One not completed is given up: its chunks are purged
/// from the stream. NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Destroy(put: *mut objStorePut) {
    crate::ffi::boundary::guard_value("objStorePut_Destroy", (), || {
        // SAFETY: NULL or a live handle, not used again.
        drop(unsafe { release::<objStorePut>(put) });
    })
}

/// # Safety
/// As for objStore_PutBytes.
unsafe fn put_bytes<'a>(
    func: &'static str,
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    data: impl FnOnce() -> JsResult<&'a [u8]>,
) -> natsStatus {
    obs_guard(func, || {
        // SAFETY: NULL or a live handle.
        let obs = unsafe { obj_ref(obs) }?;
        // SAFETY: NULL or NUL-terminated (NULL is the missing name).
        let name = unsafe { read_str_or_empty(name, "name") }?;
        let info = obs.put_bytes(&name, data()?)?;
        // SAFETY: NULL or writable per nats.c's contract.
        unsafe { give_info(new_info, &info) };
        Ok(())
    })
}

/// Puts `dataLen` bytes as object `name` in one call. `*new_info` (NULL
/// if not wanted) is freed with objStoreInfo_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStore_PutBytes(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: `data` readable for `dataLen` bytes for the call; the
    // slice does not outlive it.
    let bytes = move || unsafe { add_data(data, dataLen) };
    // SAFETY: per this function's contract.
    unsafe { put_bytes("objStore_PutBytes", new_info, obs, name, bytes) }
}

/// Puts the string `data` (without its NUL; NULL or "" is an empty
/// object) as object `name`. `*new_info` as for objStore_PutBytes.
#[no_mangle]
pub unsafe extern "C" fn objStore_PutString(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: NULL or NUL-terminated for the call.
    let bytes = move || Ok(unsafe { crate::ffi::connection::c_string_bytes(data) });
    // SAFETY: per this function's contract.
    unsafe { put_bytes("objStore_PutString", new_info, obs, name, bytes) }
}

/// Puts the content of file `fileName` as the object of that name, read
/// a chunk at a time. `*new_info` as for objStore_PutBytes.
#[no_mangle]
pub unsafe extern "C" fn objStore_PutFile(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    fileName: *const c_char,
) -> natsStatus {
    obs_guard("objStore_PutFile", || {
        // SAFETY: NULL or a live handle.
        let obs = unsafe { obj_ref(obs) }?;
        // SAFETY: NULL or NUL-terminated.
        let path = unsafe { read_str_or_empty(fileName, "fileName") }?;
        let info = obs.put_file(&path)?;
        // SAFETY: NULL or writable per nats.c's contract.
        unsafe { give_info(new_info, &info) };
        Ok(())
    })
}
