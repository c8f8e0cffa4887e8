//! Object store get exports: objStore_Get with objStoreGet_Info,
//! objStoreGet_Read, objStoreGet_ReadAll and objStoreGet_Destroy, and the
//! one-call objStore_GetBytes, objStore_GetString and objStore_GetFile.
//! Bodies translate; `jetstream::objstore::get` does the work. Data
//! handed out is in `malloc` blocks the user frees with `free()`.
use std::ffi::{c_char, c_int, c_void};
use std::ptr;
use std::time::Duration;

use crate::client::ErrorKind;
use crate::ffi::boundary::{guard_value, invalid_arg, null_arg, Out};
use crate::ffi::c_tree::{free_tree, read_str_or_empty};
use crate::ffi::handles::{release, to_c, Castable, Exclusive};
use crate::ffi::js_types::{objStore, objStoreGet, objStoreInfo, objStoreOptions};
use crate::ffi::natsStatus;
use crate::ffi::objstore::obs_guard;
use crate::ffi::objstore_handles::obj_ref;
use crate::ffi::objstore_info::info_to_c;
use crate::jetstream::objstore::{ObjStore, ObjectGet};
use crate::jetstream::{JsError, JsResult};

/// A get and the C tree of its info, lent by objStoreGet_Info.
pub(crate) struct GetHandle {
    get: ObjectGet,
    info: *mut objStoreInfo,
}

impl Drop for GetHandle {
    fn drop(&mut self) {
        // SAFETY: the tree came from `info_to_c` and only this handle
        // frees it.
        unsafe { free_tree(self.info) }
    }
}

// SAFETY: the pointer is `Box::into_raw` of the handle, taken back with
// `Box::from_raw`; the box keeps it at one address.
unsafe impl Castable for objStoreGet {
    type Rust = Box<GetHandle>;
    const WHAT: &'static str = "object store get";

    fn into_ptr(g: Box<GetHandle>) -> *mut objStoreGet {
        Box::into_raw(g).cast()
    }

    unsafe fn from_ptr(p: *mut objStoreGet) -> Box<GetHandle> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Box::from_raw(p.cast::<GetHandle>()) }
    }
}

impl Exclusive for objStoreGet {}

/// # Safety
/// `p` is NULL or a live handle from objStore_Get, used by one thread.
unsafe fn get_mut<'a>(p: *mut objStoreGet) -> JsResult<&'a mut GetHandle> {
    // SAFETY: per the contract, `p` is `Box::into_raw` of a `GetHandle`.
    Ok(unsafe { p.cast::<GetHandle>().as_mut() }.ok_or_else(|| null_arg(objStoreGet::WHAT))?)
}

/// # Safety
/// `opts` is NULL or readable.
unsafe fn show_deleted(opts: *const objStoreOptions) -> bool {
    // SAFETY: per the contract.
    unsafe { opts.as_ref() }.is_some_and(|o| o.ShowDeleted)
}

/// A positive timeout in milliseconds, as the read calls require.
fn read_timeout(ms: i64) -> JsResult<Duration> {
    if ms <= 0 {
        return Err(invalid_arg("the timeout must be positive").into());
    }
    Ok(Duration::from_millis(ms.unsigned_abs()))
}

fn no_memory() -> JsError {
    JsError::new(ErrorKind::NoMemory, "no memory for the object's data")
}

/// A `malloc` block that grows as bytes arrive (never sized by what a
/// peer claims); freed unless taken.
struct CBuf {
    p: *mut u8,
    len: usize,
    cap: usize,
}

impl CBuf {
    fn new() -> CBuf {
        CBuf {
            p: ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    fn reserve(&mut self, more: usize) -> JsResult<()> {
        let need = self.len.checked_add(more).ok_or_else(no_memory)?;
        if need <= self.cap {
            return Ok(());
        }
        let cap = need.max(self.cap.saturating_mul(2)).max(64);
        // SAFETY: `p` is NULL or a block from this allocator; on failure
        // the old block stays ours.
        let p = unsafe { libc::realloc(self.p.cast(), cap) }.cast::<u8>();
        if p.is_null() {
            return Err(no_memory());
        }
        self.p = p;
        self.cap = cap;
        Ok(())
    }

    fn push(&mut self, b: &[u8]) -> JsResult<()> {
        self.reserve(b.len())?;
        if !b.is_empty() {
            // SAFETY: `reserve` made room for `b.len()` bytes past `len`;
            // the block does not overlap `b`.
            unsafe { ptr::copy_nonoverlapping(b.as_ptr(), self.p.add(self.len), b.len()) };
            self.len += b.len();
        }
        Ok(())
    }

    /// The block and its length, now the caller's.
    fn take(mut self) -> (*mut u8, usize) {
        let r = (self.p, self.len);
        self.p = ptr::null_mut();
        r
    }
}

impl Drop for CBuf {
    fn drop(&mut self) {
        // SAFETY: NULL or a block from `realloc` not handed out.
        unsafe { libc::free(self.p.cast()) }
    }
}

fn c_len(len: usize) -> JsResult<c_int> {
    c_int::try_from(len)
        .map_err(|_| JsError::new(ErrorKind::Err, "the object is too large for an int length"))
}

/// Reads what is left of `get` within `timeout` into a fresh block (with
/// a NUL after the bytes for a string). An empty object: NULL, except
/// for a string, which is "".
fn read_rest(get: &mut ObjectGet, timeout: Duration, string: bool) -> JsResult<(*mut u8, c_int)> {
    let mut buf = CBuf::new();
    get.read_all_with(timeout, |b| {
        c_len(buf.len + b.len())?;
        buf.push(b)
    })?;
    if string {
        buf.push(&[0])?;
        buf.len -= 1;
    }
    let (p, len) = buf.take();
    Ok((p, c_len(len)?))
}

/// Opens object `name` for reading (links to objects followed). A
/// missing object, or a deleted one unless `opts->ShowDeleted`, is
/// NATS_NOT_FOUND. `opts` may be NULL. Free `*new_get` with
/// objStoreGet_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStore_Get(
    new_get: *mut *mut objStoreGet,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_Get", || {
        // SAFETY: NULL or writable.
        let mut out = unsafe { Out::new(new_get, "new_get") }?;
        // SAFETY: NULL or a live handle.
        let obs = unsafe { obj_ref(obs) }?;
        // SAFETY: NULL or NUL-terminated.
        let name = unsafe { read_str_or_empty(name, "name") }?;
        // SAFETY: NULL or readable.
        let get = obs.get(&name, unsafe { show_deleted(opts) })?;
        let info = info_to_c(get.info());
        out.set(to_c::<objStoreGet>(Box::new(GetHandle { get, info })));
        Ok(())
    })
}

/// Lends the object's info (for a link, the linked object's). It
/// belongs to the get: never free it, it goes with objStoreGet_Destroy.
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Info(
    new_info: *mut *const objStoreInfo,
    get: *mut objStoreGet,
) -> natsStatus {
    obs_guard("objStoreGet_Info", || {
        // SAFETY: NULL or writable.
        let mut out = unsafe { Out::new(new_info, "new_info") }?;
        // SAFETY: NULL or a live handle.
        let g = unsafe { get_mut(get) }?;
        out.set(g.info.cast_const());
        Ok(())
    })
}

/// The next chunk of the object, waiting up to `timeout` ms (positive)
/// for it: `*new_data` is a `malloc` block of `*dataLen` bytes the caller
/// releases with free() (NULL for an empty object), `*done` tells it was the last. The
/// size and digest are checked with the last chunk: a mismatch is an
/// error and that chunk is not handed out. After the last:
/// NATS_ILLEGAL_STATE.
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Read(
    done: *mut bool,
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    get: *mut objStoreGet,
    timeout: i64,
) -> natsStatus {
    obs_guard("objStoreGet_Read", || {
        // SAFETY: NULL or writable, each.
        let (mut d, mut data, mut len) = unsafe {
            (
                Out::new(done, "done")?,
                Out::new(new_data, "new_data")?,
                Out::new(dataLen, "dataLen")?,
            )
        };
        // SAFETY: NULL or a live handle used by this thread.
        let g = unsafe { get_mut(get) }?;
        let timeout = read_timeout(timeout)?;
        d.set(false);
        data.set(ptr::null_mut());
        len.set(0);
        let (chunk, last) = g.get.read(timeout)?;
        if let Some(m) = chunk {
            let mut buf = CBuf::new();
            buf.push(m.data())?;
            let n = c_len(buf.len)?;
            data.set(buf.take().0.cast());
            len.set(n);
        }
        d.set(last);
        Ok(())
    })
}

/// The rest of the object in one `malloc` block the caller releases with free() (NULL
/// for an empty one), all within `timeout` ms (positive). Verified as
/// objStoreGet_Read; after the end: NATS_ILLEGAL_STATE.
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_ReadAll(
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    get: *mut objStoreGet,
    timeout: i64,
) -> natsStatus {
    obs_guard("objStoreGet_ReadAll", || {
        // SAFETY: NULL or writable, each.
        let (mut data, mut len) = unsafe {
            (
                Out::new(new_data, "new_data")?,
                Out::new(dataLen, "dataLen")?,
            )
        };
        // SAFETY: NULL or a live handle used by this thread.
        let g = unsafe { get_mut(get) }?;
        let timeout = read_timeout(timeout)?;
        data.set(ptr::null_mut());
        len.set(0);
        let (p, n) = read_rest(&mut g.get, timeout, false)?;
        data.set(p.cast());
        len.set(n);
        Ok(())
    })
}

/// Frees a get (and the info it lent). NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Destroy(get: *mut objStoreGet) {
    guard_value("objStoreGet_Destroy", (), || {
        // SAFETY: NULL or a live handle, not used again.
        drop(unsafe { release::<objStoreGet>(get) });
    })
}

/// # Safety
/// As for objStore_GetBytes.
unsafe fn get_all(
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
    string: bool,
) -> JsResult<(*mut u8, c_int)> {
    // SAFETY: NULL or a live handle.
    let obs: &ObjStore = unsafe { obj_ref(obs) }?;
    // SAFETY: NULL or NUL-terminated.
    let name = unsafe { read_str_or_empty(name, "name") }?;
    let start = std::time::Instant::now();
    // SAFETY: NULL or readable.
    let mut get = obs.get(&name, unsafe { show_deleted(opts) })?;
    let left = obs.context().options().wait.saturating_sub(start.elapsed());
    read_rest(&mut get, left.max(Duration::from_millis(1)), string)
}

/// Object `name`'s bytes in one `malloc` block the caller releases with free() (NULL
/// for an empty object), verified; within the context's wait. Not found
/// (or deleted, unless `opts->ShowDeleted`): NATS_NOT_FOUND.
#[no_mangle]
pub unsafe extern "C" fn objStore_GetBytes(
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_GetBytes", || {
        // SAFETY: NULL or writable, each.
        let (mut data, mut len) = unsafe {
            (
                Out::new(new_data, "new_data")?,
                Out::new(dataLen, "dataLen")?,
            )
        };
        data.set(ptr::null_mut());
        len.set(0);
        // SAFETY: per this function's contract.
        let (p, n) = unsafe { get_all(obs, name, opts, false) }?;
        data.set(p.cast());
        len.set(n);
        Ok(())
    })
}

/// Object `name` as a NUL-terminated string in a `malloc` block the
/// caller releases with free() (one byte more than the object's size; ""
/// for an empty object). As objStore_GetBytes otherwise.
#[no_mangle]
pub unsafe extern "C" fn objStore_GetString(
    new_str: *mut *mut c_char,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_GetString", || {
        // SAFETY: NULL or writable.
        let mut out = unsafe { Out::new(new_str, "new_str") }?;
        out.set(ptr::null_mut());
        // SAFETY: per this function's contract.
        let (p, _) = unsafe { get_all(obs, name, opts, true) }?;
        out.set(p.cast());
        Ok(())
    })
}

/// Writes object `name` into file `fileName` (created or truncated),
/// verified; on any failure the file is removed. As objStore_GetBytes
/// otherwise.
#[no_mangle]
pub unsafe extern "C" fn objStore_GetFile(
    obs: *mut objStore,
    name: *const c_char,
    fileName: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_GetFile", || {
        // SAFETY: NULL or a live handle.
        let obs = unsafe { obj_ref(obs) }?;
        // SAFETY: NULL or NUL-terminated, each.
        let (name, path) = unsafe {
            (
                read_str_or_empty(name, "name")?,
                read_str_or_empty(fileName, "fileName")?,
            )
        };
        // SAFETY: NULL or readable.
        obs.get_file(&name, &path, unsafe { show_deleted(opts) })
    })
}
