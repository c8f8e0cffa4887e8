//! `natsMsg_*`, `natsMsgHeader_*` and `natsMsgList_Destroy`.
//!
//! A `natsMsg*` is the client's [`Message`] block itself (one allocation
//! per message). Subject, reply and payload are lent straight from it (the
//! block stores them zero-terminated), so they stay valid until
//! `natsMsg_Destroy`. The C strings lent for headers are kept here, by
//! handle, and dropped whenever the headers change or the message goes.
#![allow(non_camel_case_types, non_snake_case)]

use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr};
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::client::{Error, ErrorKind, Message, Part};
use crate::ffi::boundary::{guard, guard_status, guard_value, invalid_arg, malloc_array, Out};
use crate::ffi::handles::{borrow_mut, release, to_c, try_borrow, Castable, Exclusive};
use crate::ffi::header::{lookup_key, opt_bytes, store_key, HeaderCStrings};
use crate::ffi::status::natsStatus;
use crate::proto::headers::Headers;

/// A message, received or built with natsMsg_Create (opaque). Whoever holds a
/// `natsMsg *` frees it once with natsMsg_Destroy; a message is not
/// thread-safe, so one thread at a time may use it.
pub struct natsMsg {
    _block: [u8; 0],
}

// SAFETY: the pointer is the message's block (`Message::into_raw`), taken
// back with `Message::from_raw`; a block never moves.
unsafe impl Castable for natsMsg {
    type Rust = Message;
    const WHAT: &'static str = "message";

    fn into_ptr(m: Message) -> *mut natsMsg {
        m.into_raw().as_ptr().cast()
    }

    unsafe fn from_ptr(p: *mut natsMsg) -> Message {
        // SAFETY: `into_ptr` never gives NULL.
        let p = unsafe { std::ptr::NonNull::new_unchecked(p) };
        // SAFETY: `p` came from `Message::into_raw` (in `into_ptr`) and is
        // taken back once, per the trait's contract.
        unsafe { Message::from_raw(p.cast()) }
    }

    fn on_release(p: *mut natsMsg, m: &Message) {
        forget_header_strings(p, m);
    }
}

impl Exclusive for natsMsg {}

/// The C strings lent for messages' headers, by handle. Only a message
/// whose headers were decoded can have an entry (lending a string decodes
/// them first, and they stay decoded), so a message without headers never
/// takes this lock.
static HEADER_STRINGS: OnceLock<Mutex<HashMap<usize, HeaderCStrings>>> = OnceLock::new();

fn header_strings() -> MutexGuard<'static, HashMap<usize, HeaderCStrings>> {
    let m = HEADER_STRINGS.get_or_init(Mutex::default);
    // The map stays consistent if a holder panicked: keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops the header strings lent for the message at `p`.
pub(crate) fn forget_header_strings(p: *mut natsMsg, m: &Message) {
    if m.headers_decoded() {
        header_strings().remove(&(p as usize));
    }
}

/// The headers of the message at `p` (`None` when it has none), with the
/// cache of the C strings lent for them.
fn with_header_strings<R>(
    p: *mut natsMsg,
    m: &mut Message,
    f: impl FnOnce(Option<&Headers>, &mut HeaderCStrings) -> R,
) -> Result<R, Error> {
    // No headers: nothing to lend, and no entry (see `HEADER_STRINGS`).
    let Some(headers) = m.headers()? else {
        return Ok(f(None, &mut HeaderCStrings::default()));
    };
    let mut map = header_strings();
    let cache = map.entry(p as usize).or_default();
    Ok(f(Some(headers), cache))
}

/// The headers of the message at `p` for changing them (created when
/// absent); the C strings lent before are dropped, as nats.c also
/// invalidates them.
fn headers_mut(p: *mut natsMsg, m: &mut Message) -> Result<&mut Headers, Error> {
    forget_header_strings(p, m);
    m.headers_mut()
}

/// A list of messages filled by the library. The list's messages belong to
/// the caller: take one out by setting its entry to NULL (it is then freed
/// with natsMsg_Destroy), and release the rest with natsMsgList_Destroy.
#[repr(C)]
pub struct natsMsgList {
    /// The messages (entries may be NULL).
    pub Msgs: *mut *mut natsMsg,
    /// The number of entries in `Msgs`.
    pub Count: c_int,
}

/// Creates a message for publishing. `subj` must be non-empty, `reply` NULL
/// or non-empty (both are kept byte for byte, UTF-8 or not); `data` may be
/// NULL when `dataLen` is 0. Subject, reply and payload are copied.
///
/// The message is stored in `*newMsg` and belongs to the caller: free it with
/// natsMsg_Destroy. Publishing it (natsConnection_PublishMsg,
/// natsConnection_RequestMsg) does not consume it. NATS_INVALID_ARG for a
/// NULL or empty `subj`, an empty `reply`, a negative `dataLen`, NULL `data`
/// with a positive `dataLen`, or a NULL `newMsg`.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Create(
    newMsg: *mut *mut natsMsg,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_char,
    dataLen: c_int,
) -> natsStatus {
    guard("natsMsg_Create", || {
        // SAFETY: NULL or writable per the API.
        let mut newMsg = unsafe { Out::new(newMsg, "newMsg") }?;
        // Subjects are bytes, kept as given (publishing checks them).
        // SAFETY: `subj` and `reply` are NULL or C strings, per the API,
        // valid for this call.
        let (subj, reply) = unsafe {
            (
                (!subj.is_null()).then(|| CStr::from_ptr(subj).to_bytes()),
                (!reply.is_null()).then(|| CStr::from_ptr(reply).to_bytes()),
            )
        };
        let subj = subj
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_arg("subject cannot be NULL nor empty"))?;
        if reply == Some(&[][..]) {
            return Err(invalid_arg("reply cannot be empty"));
        }
        let len =
            usize::try_from(dataLen).map_err(|_| invalid_arg("data length cannot be negative"))?;
        let payload: &[u8] = if len == 0 {
            &[]
        } else if data.is_null() {
            return Err(invalid_arg("data cannot be NULL when its length is not 0"));
        } else {
            // SAFETY: the user passes `dataLen` readable bytes at `data`
            // (non-NULL, length > 0), valid for this call.
            unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
        };
        newMsg.set(to_c(Message::try_new(subj, reply, payload)?));
        Ok(())
    })
}

/// The subject, exactly the bytes received, NUL-terminated (NULL for a NULL
/// message). It belongs to the message and stays valid until natsMsg_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSubject(msg: *const natsMsg) -> *const c_char {
    guard_value("natsMsg_GetSubject", std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }
            .and_then(|m| m.zero_terminated(Part::Subject).map(|s| s.as_ptr().cast()))
            .unwrap_or(std::ptr::null())
    })
}

/// The reply subject, exactly the bytes received, NUL-terminated, or NULL when
/// there is none. It belongs to the message and stays valid until
/// natsMsg_Destroy. Publishing to it reaches that exact subject.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetReply(msg: *const natsMsg) -> *const c_char {
    guard_value("natsMsg_GetReply", std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }
            .and_then(|m| m.zero_terminated(Part::Reply).map(|r| r.as_ptr().cast()))
            .unwrap_or(std::ptr::null())
    })
}

/// The payload, followed by a NUL byte that is not part of it (NULL for a
/// NULL message), without a copy. It belongs to the message and stays valid
/// until natsMsg_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetData(msg: *const natsMsg) -> *const c_char {
    guard_value("natsMsg_GetData", std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }
            .and_then(|m| m.zero_terminated(Part::Data).map(|d| d.as_ptr().cast()))
            .unwrap_or(std::ptr::null())
    })
}

/// Returns the payload's length in bytes (0 for a NULL message).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetDataLength(msg: *const natsMsg) -> c_int {
    guard_value("natsMsg_GetDataLength", 0, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }
            .map_or(0, |m| c_int::try_from(m.data().len()).unwrap_or(c_int::MAX))
    })
}

/// Tells whether this is the server's "no responders" answer to a request
/// (empty payload, status 503).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_IsNoResponders(msg: *mut natsMsg) -> bool {
    guard_value("natsMsg_IsNoResponders", false, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }.is_some_and(|m| m.is_no_responders())
    })
}

/// Frees a message: subject, reply, payload and header strings obtained from
/// it become invalid. NULL is ignored. Every message the library hands out
/// (a message callback's, natsSubscription_NextMsg's, a request's reply) is
/// freed this way, once, by whoever holds it.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Destroy(msg: *mut natsMsg) {
    guard_value("natsMsg_Destroy", (), || {
        // SAFETY: `msg` is NULL or a live message destroyed once, per the API.
        drop(unsafe { release(msg) });
    })
}

/// Replaces all values of `key` with `value` (NULL counts as empty). Header
/// strings obtained from the message before become invalid.
/// NATS_INVALID_ARG when `msg` or `key` is NULL, or `key` is empty or cannot
/// go on the wire (anything but printable ASCII without spaces and ':').
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Set(
    msg: *mut natsMsg,
    key: *const c_char,
    value: *const c_char,
) -> natsStatus {
    guard("natsMsgHeader_Set", || {
        // SAFETY: `msg` is NULL or a live message; `key` and `value` are NULL
        // or C strings, per the API.
        let (mut m, key, value) = unsafe { (borrow_mut(msg)?, store_key(key)?, opt_bytes(value)) };
        headers_mut(msg, &mut m)?.set(key, value.unwrap_or_default());
        Ok(())
    })
}

/// Appends `value` (NULL counts as empty) to the values of `key`. Header
/// strings obtained from the message before become invalid.
/// NATS_INVALID_ARG when `msg` or `key` is NULL, or `key` is empty or cannot
/// go on the wire (anything but printable ASCII without spaces and ':').
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Add(
    msg: *mut natsMsg,
    key: *const c_char,
    value: *const c_char,
) -> natsStatus {
    guard("natsMsgHeader_Add", || {
        // SAFETY: as in natsMsgHeader_Set.
        let (mut m, key, value) = unsafe { (borrow_mut(msg)?, store_key(key)?, opt_bytes(value)) };
        headers_mut(msg, &mut m)?.add(key, value.unwrap_or_default());
        Ok(())
    })
}

/// Stores the first value of `key` in `*value`; `NATS_NOT_FOUND` when absent.
/// The string belongs to the message and stays valid until its headers change
/// or natsMsg_Destroy; do not free it.
///
/// Header keys and values are bytes and need not be UTF-8. A received value
/// containing a NUL byte reads here as its bytes before the NUL (a C string
/// ends there); the message keeps every byte, and publishing it again sends
/// the header block as it arrived.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Get(
    msg: *mut natsMsg,
    key: *const c_char,
    value: *mut *const c_char,
) -> natsStatus {
    guard_status("natsMsgHeader_Get", || {
        // SAFETY: as in natsMsgHeader_Set.
        let (mut m, key) = unsafe { (borrow_mut(msg)?, lookup_key(key)?) };
        // SAFETY: NULL or writable per the API.
        let mut value = unsafe { Out::new(value, "value") }?;
        value.set(std::ptr::null());
        let found = with_header_strings(msg, &mut m, |h, cache| cache.first_value(h, key))?;
        let Some(found) = found else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        value.set(found);
        Ok(natsStatus::NATS_OK)
    })
}

/// Stores a `malloc`ed array of the values of `key` in `*values` and its
/// length in `*count`; `NATS_NOT_FOUND` when absent. The array is the
/// caller's (free it with free()); the strings in it belong to the message,
/// valid as for natsMsgHeader_Get, and must not be freed. Values with a NUL
/// byte read as with natsMsgHeader_Get.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Values(
    msg: *mut natsMsg,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard_status("natsMsgHeader_Values", || {
        // SAFETY: as in natsMsgHeader_Set.
        let (mut m, key) = unsafe { (borrow_mut(msg)?, lookup_key(key)?) };
        // SAFETY: NULL or writable per the API.
        let (mut values, mut count) =
            unsafe { (Out::new(values, "values")?, Out::new(count, "count")?) };
        values.set(std::ptr::null_mut());
        count.set(0);
        let found = with_header_strings(msg, &mut m, |h, cache| cache.values_array(h, key))??;
        let Some((array, n)) = found else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        values.set(array);
        count.set(n);
        Ok(natsStatus::NATS_OK)
    })
}

/// Stores a `malloc`ed array of all header keys in `*keys` and its length in
/// `*count`; `NATS_NOT_FOUND` when the message has no headers. The array is
/// the caller's (free it with free()); the strings in it belong to the
/// message, valid as for natsMsgHeader_Get, and must not be freed.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Keys(
    msg: *mut natsMsg,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard_status("natsMsgHeader_Keys", || {
        // SAFETY: `msg` is NULL or a live message.
        let mut m = unsafe { borrow_mut(msg) }?;
        // SAFETY: NULL or writable per the API.
        let (mut keys, mut count) = unsafe { (Out::new(keys, "keys")?, Out::new(count, "count")?) };
        keys.set(std::ptr::null_mut());
        count.set(0);
        let found = with_header_strings(msg, &mut m, |h, cache| cache.keys_array(h))??;
        let Some((array, n)) = found else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        keys.set(array);
        count.set(n);
        Ok(natsStatus::NATS_OK)
    })
}

/// Removes `key` and all its values; `NATS_NOT_FOUND` when absent. Header
/// strings obtained from the message before become invalid.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Delete(msg: *mut natsMsg, key: *const c_char) -> natsStatus {
    guard_status("natsMsgHeader_Delete", || {
        // SAFETY: as in natsMsgHeader_Set.
        let (mut m, key) = unsafe { (borrow_mut(msg)?, lookup_key(key)?) };
        let present = m.headers()?.is_some_and(|h| h.values(key).is_some());
        if !present {
            return Ok(natsStatus::NATS_NOT_FOUND);
        }
        headers_mut(msg, &mut m)?.delete(key);
        Ok(natsStatus::NATS_OK)
    })
}

/// Builds a `natsMsgList` whose `malloc`ed array holds new handles for
/// `msgs`; the user releases it with `natsMsgList_Destroy`.
pub(crate) fn new_msg_list(msgs: Vec<Message>) -> Result<natsMsgList, Error> {
    if msgs.is_empty() {
        return Ok(natsMsgList {
            Msgs: std::ptr::null_mut(),
            Count: 0,
        });
    }
    let count = c_int::try_from(msgs.len())
        .map_err(|_| Error::new(ErrorKind::LimitReached, "too many messages for a list"))?;
    let handles: Vec<*mut natsMsg> = msgs.into_iter().map(to_c).collect();
    let array = malloc_array(&handles);
    if array.is_null() {
        for h in handles {
            // SAFETY: each handle was just made by `to_c` and never shared.
            drop(unsafe { release(h) });
        }
        return Err(Error::kind(ErrorKind::NoMemory));
    }
    Ok(natsMsgList {
        Msgs: array,
        Count: count,
    })
}

/// Frees the messages still in the list (entries set to NULL are skipped) and
/// the array, and resets the list to empty; the `natsMsgList` itself, usually
/// on the caller's stack, is not freed. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsMsgList_Destroy(list: *mut natsMsgList) {
    guard_value("natsMsgList_Destroy", (), || {
        // SAFETY: `list` is NULL or points to a list the user owns.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return;
        };
        if list.Msgs.is_null() {
            return;
        }
        let count = usize::try_from(list.Count).unwrap_or(0);
        for i in 0..count {
            // SAFETY: `Msgs` holds `Count` entries, each NULL or a live
            // message owned by the list.
            unsafe { drop(release(*list.Msgs.add(i))) };
        }
        // SAFETY: the array was allocated with malloc by the library.
        unsafe { libc::free(list.Msgs.cast()) };
        list.Msgs = std::ptr::null_mut();
        list.Count = 0;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::clear_error;
    use crate::ffi::library::nats_GetLastError;
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    unsafe fn cstr<'a>(p: *const c_char) -> &'a str {
        assert!(!p.is_null());
        // SAFETY: test pointers are valid C strings owned by a live message.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("<bad>")
    }

    #[test]
    fn create_and_read() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut m: *mut natsMsg = null_mut();
            let s = natsMsg_Create(
                &mut m,
                c"foo".as_ptr(),
                c"bar".as_ptr(),
                c"hello".as_ptr(),
                5,
            );
            assert_eq!(s, natsStatus::NATS_OK);
            assert_eq!(cstr(natsMsg_GetSubject(m)), "foo");
            assert_eq!(cstr(natsMsg_GetReply(m)), "bar");
            assert_eq!(cstr(natsMsg_GetData(m)), "hello");
            assert_eq!(natsMsg_GetDataLength(m), 5);
            assert!(!natsMsg_IsNoResponders(m));
            natsMsg_Destroy(m);

            let s = natsMsg_Create(&mut m, c"foo".as_ptr(), null(), null(), 0);
            assert_eq!(s, natsStatus::NATS_OK);
            assert!(natsMsg_GetReply(m).is_null());
            assert_eq!(cstr(natsMsg_GetData(m)), "");
            assert_eq!(natsMsg_GetDataLength(m), 0);
            natsMsg_Destroy(m);

            assert!(natsMsg_GetSubject(null()).is_null());
            assert!(natsMsg_GetData(null()).is_null());
            assert_eq!(natsMsg_GetDataLength(null()), 0);
            assert!(!natsMsg_IsNoResponders(null_mut()));
            natsMsg_Destroy(null_mut());
        }
    }

    #[test]
    fn create_rejects_bad_arguments() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut m: *mut natsMsg = null_mut();
            let bad = [
                natsMsg_Create(&mut m, null(), null(), null(), 0),
                natsMsg_Create(&mut m, c"".as_ptr(), null(), null(), 0),
                natsMsg_Create(&mut m, c"s".as_ptr(), c"".as_ptr(), null(), 0),
                natsMsg_Create(&mut m, c"s".as_ptr(), null(), c"x".as_ptr(), -1),
                natsMsg_Create(&mut m, c"s".as_ptr(), null(), null(), 3),
                natsMsg_Create(null_mut(), c"s".as_ptr(), null(), null(), 0),
            ];
            for s in bad {
                assert_eq!(s, natsStatus::NATS_INVALID_ARG);
            }
            assert!(m.is_null());
        }
    }

    #[test]
    fn headers_round_trip() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut m: *mut natsMsg = null_mut();
            assert_eq!(
                natsMsg_Create(&mut m, c"s".as_ptr(), null(), null(), 0),
                natsStatus::NATS_OK
            );

            let mut v: *const c_char = c"junk".as_ptr();
            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_NOT_FOUND
            );
            assert!(v.is_null());
            let mut keys: *mut *const c_char = null_mut();
            let mut count: c_int = -1;
            assert_eq!(
                natsMsgHeader_Keys(m, &mut keys, &mut count),
                natsStatus::NATS_NOT_FOUND
            );
            assert_eq!(count, 0);
            assert_eq!(
                natsMsgHeader_Delete(m, c"k".as_ptr()),
                natsStatus::NATS_NOT_FOUND
            );

            assert_eq!(
                natsMsgHeader_Set(m, c"k".as_ptr(), c"v1".as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsMsgHeader_Add(m, c"k".as_ptr(), c"v2".as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsMsgHeader_Set(m, c"n".as_ptr(), null()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsMsgHeader_Set(m, c"".as_ptr(), c"x".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Set(m, null(), c"x".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Set(m, c"a:b".as_ptr(), c"x".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Set(null_mut(), c"k".as_ptr(), c"x".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );

            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(cstr(v), "v1");
            let first = v;
            // A repeated Get hands out the same string.
            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(v, first);
            assert_eq!(
                natsMsgHeader_Get(m, c"n".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(cstr(v), "");
            assert_eq!(
                natsMsgHeader_Get(m, c"K".as_ptr(), &mut v),
                natsStatus::NATS_NOT_FOUND
            );

            let mut vals: *mut *const c_char = null_mut();
            assert_eq!(
                natsMsgHeader_Values(m, c"k".as_ptr(), &mut vals, &mut count),
                natsStatus::NATS_OK
            );
            assert_eq!(count, 2);
            assert_eq!(cstr(*vals), "v1");
            assert_eq!(cstr(*vals.add(1)), "v2");
            libc::free(vals.cast());
            assert_eq!(
                natsMsgHeader_Values(m, c"zz".as_ptr(), &mut vals, &mut count),
                natsStatus::NATS_NOT_FOUND
            );
            assert!(vals.is_null());

            assert_eq!(
                natsMsgHeader_Keys(m, &mut keys, &mut count),
                natsStatus::NATS_OK
            );
            assert_eq!(count, 2);
            assert_eq!(cstr(*keys), "k");
            assert_eq!(cstr(*keys.add(1)), "n");
            libc::free(keys.cast());

            // Headers are published with the message.
            let encoded = try_borrow(m).and_then(|m| m.encoded_headers().map(|c| c.into_owned()));
            let Some(encoded) = encoded else {
                panic!("headers expected")
            };
            assert!(encoded.starts_with(b"NATS/1.0\r\n"));

            assert_eq!(natsMsgHeader_Delete(m, c"k".as_ptr()), natsStatus::NATS_OK);
            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_NOT_FOUND
            );
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn header_strings_go_with_their_message() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut m: *mut natsMsg = null_mut();
            assert_eq!(
                natsMsg_Create(&mut m, c"s".as_ptr(), null(), null(), 0),
                natsStatus::NATS_OK
            );
            let key = m as usize;
            let mut v: *const c_char = null();
            // No headers: nothing lent, no entry.
            natsMsgHeader_Get(m, c"k".as_ptr(), &mut v);
            assert!(!header_strings().contains_key(&key));
            natsMsgHeader_Set(m, c"k".as_ptr(), c"v".as_ptr());
            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert!(header_strings().contains_key(&key));
            natsMsgHeader_Add(m, c"k".as_ptr(), c"w".as_ptr());
            assert!(!header_strings().contains_key(&key), "a change drops them");
            assert_eq!(
                natsMsgHeader_Get(m, c"k".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            natsMsg_Destroy(m);
            assert!(!header_strings().contains_key(&key), "so does Destroy");
        }
    }

    #[test]
    fn received_headers_and_no_responders() {
        let hdr = b"NATS/1.0 503\r\n\r\n";
        let m: *mut natsMsg = to_c(Message::from_wire(b"_INBOX.a", None, Some(hdr), b"", 1, 0));
        // SAFETY: `m` is a live handle from to_c.
        unsafe {
            assert!(natsMsg_IsNoResponders(m));
            let mut v: *const c_char = null();
            assert_eq!(
                natsMsgHeader_Get(m, c"Status".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(cstr(v), "503");
            natsMsg_Destroy(m);
        }

        let m: *mut natsMsg = to_c(Message::from_wire(
            b"s",
            None,
            Some(b"bogus\r\n\r\n"),
            b"x",
            1,
            0,
        ));
        // SAFETY: as above.
        unsafe {
            clear_error();
            let mut v: *const c_char = null();
            assert_eq!(
                natsMsgHeader_Get(m, c"a".as_ptr(), &mut v),
                natsStatus::NATS_PROTOCOL_ERROR
            );
            let mut st = natsStatus::NATS_OK;
            let text = nats_GetLastError(&mut st);
            assert_eq!(st, natsStatus::NATS_PROTOCOL_ERROR);
            assert!(!text.is_null());
            assert_eq!(cstr(natsMsg_GetData(m)), "x");
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn msg_list() {
        let handles: Vec<*mut natsMsg> = ["a", "b", "c"]
            .iter()
            .map(|s| to_c(Message::new(s, None, b"1")))
            .collect();
        let mut list = natsMsgList {
            Msgs: crate::ffi::boundary::malloc_array(&handles),
            Count: 3,
        };
        assert!(!list.Msgs.is_null());
        // SAFETY: the list holds three live handles; entry 1 is taken out by
        // the "user".
        unsafe {
            let kept = *list.Msgs.add(1);
            *list.Msgs.add(1) = null_mut();
            natsMsgList_Destroy(&mut list);
            assert!(list.Msgs.is_null());
            assert_eq!(list.Count, 0);
            assert_eq!(cstr(natsMsg_GetSubject(kept)), "b");
            natsMsg_Destroy(kept);
            natsMsgList_Destroy(&mut list);
            natsMsgList_Destroy(null_mut());
        }
    }
}
