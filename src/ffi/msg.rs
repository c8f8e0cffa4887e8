//! `natsMsg_*`, `natsMsgHeader_*` and `natsMsgList_Destroy`.
//!
//! A `natsMsg*` is the client's [`Message`] block itself (one allocation
//! per message). Subject, reply and payload are lent straight from it (they
//! are stored with trailing NULs), so they stay valid until
//! `natsMsg_Destroy`; the C strings lent for headers are attached to the
//! message and dropped whenever the headers change.
#![allow(non_camel_case_types, non_snake_case)]

use std::ffi::{c_char, c_int, CStr};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use crate::client::{Error, ErrorKind, Message};
use crate::ffi::boundary::{
    guard, guard_status, guard_value, invalid_arg, malloc_array, not_null, write_out,
};
use crate::ffi::header::{lookup_key, opt_bytes, store_key, HeaderCStrings};
use crate::ffi::status::natsStatus;
use crate::proto::headers::Headers;

/// A message, received or built with natsMsg_Create (opaque). Whoever holds a
/// `natsMsg *` frees it once with natsMsg_Destroy; a message is not
/// thread-safe, so one thread at a time may use it.
pub struct natsMsg {
    _block: [u8; 0],
}

/// A message borrowed from its C handle for the length of a call.
pub(crate) struct MsgRef<'a> {
    // Never dropped: the handle still owns the block.
    msg: ManuallyDrop<Message>,
    _handle: PhantomData<&'a natsMsg>,
}

impl Deref for MsgRef<'_> {
    type Target = Message;
    fn deref(&self) -> &Message {
        &self.msg
    }
}

/// A message borrowed from its C handle for changes. Header changes go
/// through [`MsgMut::headers_mut`], which drops the C strings lent out
/// before, as nats.c also invalidates them.
pub(crate) struct MsgMut<'a> {
    msg: ManuallyDrop<Message>,
    _handle: PhantomData<&'a mut natsMsg>,
}

impl Deref for MsgMut<'_> {
    type Target = Message;
    fn deref(&self) -> &Message {
        &self.msg
    }
}

impl DerefMut for MsgMut<'_> {
    fn deref_mut(&mut self) -> &mut Message {
        &mut self.msg
    }
}

impl MsgMut<'_> {
    /// The headers, parsed on first access (`None` when there are none),
    /// together with the cache of their C strings.
    fn headers_and_cache(&mut self) -> Result<(Option<&Headers>, &mut HeaderCStrings), Error> {
        self.msg.headers_and_attachment::<HeaderCStrings>()
    }

    /// The headers for changing them (created when absent).
    pub(crate) fn headers_mut(&mut self) -> Result<&mut Headers, Error> {
        self.msg.drop_attachment();
        self.msg.headers_mut()
    }
}

/// Hands a message to C; the user releases it with `natsMsg_Destroy`.
pub(crate) fn into_raw(msg: Message) -> *mut natsMsg {
    msg.into_raw().as_ptr().cast()
}

/// Borrows the message behind a C handle (`None` for NULL).
///
/// # Safety
/// `p` is NULL or a live handle from [`into_raw`]/`natsMsg_Create` that is
/// not changed by anyone else during `'a`.
pub(crate) unsafe fn as_message<'a>(p: *const natsMsg) -> Option<MsgRef<'a>> {
    let p = NonNull::new(p.cast_mut())?;
    Some(MsgRef {
        // SAFETY: per the contract the handle is a live block from
        // `Message::into_raw`; ManuallyDrop keeps this borrow from freeing it.
        msg: ManuallyDrop::new(unsafe { Message::from_raw(p.cast()) }),
        _handle: PhantomData,
    })
}

/// Borrows a C handle for changes (`None` for NULL).
///
/// # Safety
/// `p` is NULL or a live handle from [`into_raw`]/`natsMsg_Create` not
/// otherwise borrowed during `'a` (nats.c: a message is not thread-safe).
pub(crate) unsafe fn as_msg_mut<'a>(p: *mut natsMsg) -> Option<MsgMut<'a>> {
    let p = NonNull::new(p)?;
    Some(MsgMut {
        // SAFETY: as in `as_message`; nobody else uses the block meanwhile.
        msg: ManuallyDrop::new(unsafe { Message::from_raw(p.cast()) }),
        _handle: PhantomData,
    })
}

/// Like [`as_message`], with NULL as an `InvalidArg` error.
///
/// # Safety
/// As for [`as_message`].
pub(crate) unsafe fn message_arg<'a>(p: *const natsMsg) -> Result<MsgRef<'a>, Error> {
    // SAFETY: forwarded from our caller.
    unsafe { as_message(p) }.ok_or_else(|| invalid_arg("message cannot be NULL"))
}

/// Takes a C handle back, freeing the handle and returning the message
/// (`None` for NULL).
///
/// # Safety
/// `p` is NULL or a live handle from [`into_raw`]/`natsMsg_Create`; it must
/// not be used afterwards.
pub(crate) unsafe fn take_message(p: *mut natsMsg) -> Option<Message> {
    // SAFETY: a non-NULL `p` came from `into_raw` and is released once.
    NonNull::new(p).map(|p| unsafe { Message::from_raw(p.cast()) })
}

/// Builds a `natsMsgList` whose `malloc`ed array holds new handles for
/// `msgs`; the user releases it with `natsMsgList_Destroy`.
#[allow(dead_code)] // a helper for other exports; not every one is used yet
pub(crate) fn new_msg_list(msgs: Vec<Message>) -> Result<natsMsgList, Error> {
    if msgs.is_empty() {
        return Ok(natsMsgList {
            Msgs: std::ptr::null_mut(),
            Count: 0,
        });
    }
    let count = c_int::try_from(msgs.len())
        .map_err(|_| Error::new(ErrorKind::LimitReached, "too many messages for a list"))?;
    let handles: Vec<*mut natsMsg> = msgs.into_iter().map(into_raw).collect();
    let array = malloc_array(&handles);
    if array.is_null() {
        for h in handles {
            // SAFETY: each handle was just made by into_raw and never shared.
            drop(unsafe { take_message(h) });
        }
        return Err(Error::kind(ErrorKind::NoMemory));
    }
    Ok(natsMsgList {
        Msgs: array,
        Count: count,
    })
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

unsafe fn msg_arg<'a>(p: *mut natsMsg) -> Result<MsgMut<'a>, Error> {
    // SAFETY: forwarded from our caller.
    unsafe { as_msg_mut(p) }.ok_or_else(|| invalid_arg("message cannot be NULL"))
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
        not_null(newMsg, "newMsg")?;
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
        let handle = into_raw(Message::try_new(subj, reply, payload)?);
        // SAFETY: `newMsg` was checked non-NULL and is writable per the API.
        unsafe { write_out(newMsg, handle) };
        Ok(())
    })
}

/// The subject, exactly the bytes received, NUL-terminated (NULL for a NULL
/// message). It belongs to the message and stays valid until natsMsg_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSubject(msg: *const natsMsg) -> *const c_char {
    guard_value("natsMsg_GetSubject", std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { as_message(msg) }
            .map_or(std::ptr::null(), |m| m.subject_with_nul().as_ptr().cast())
    })
}

/// The reply subject, exactly the bytes received, NUL-terminated, or NULL when
/// there is none. It belongs to the message and stays valid until
/// natsMsg_Destroy. Publishing to it reaches that exact subject.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetReply(msg: *const natsMsg) -> *const c_char {
    guard_value("natsMsg_GetReply", std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { as_message(msg) }
            .and_then(|m| m.reply_with_nul().map(|r| r.as_ptr().cast()))
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
        unsafe { as_message(msg) }.map_or(std::ptr::null(), |m| m.data_with_nul().as_ptr().cast())
    })
}

/// Returns the payload's length in bytes (0 for a NULL message).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetDataLength(msg: *const natsMsg) -> c_int {
    guard_value("natsMsg_GetDataLength", 0, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { as_message(msg) }
            .map_or(0, |m| c_int::try_from(m.data().len()).unwrap_or(c_int::MAX))
    })
}

/// Tells whether this is the server's "no responders" answer to a request
/// (empty payload, status 503).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_IsNoResponders(msg: *mut natsMsg) -> bool {
    guard_value("natsMsg_IsNoResponders", false, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { as_message(msg) }.is_some_and(|m| m.is_no_responders())
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
        drop(unsafe { take_message(msg) });
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
        let (mut m, key, value) = unsafe { (msg_arg(msg)?, store_key(key)?, opt_bytes(value)) };
        m.headers_mut()?.set(key, value.unwrap_or_default());
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
        let (mut m, key, value) = unsafe { (msg_arg(msg)?, store_key(key)?, opt_bytes(value)) };
        m.headers_mut()?.add(key, value.unwrap_or_default());
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
        let (mut m, key) = unsafe { (msg_arg(msg)?, lookup_key(key)?) };
        not_null(value, "value")?;
        // SAFETY: `value` was checked non-NULL and is writable per the API.
        unsafe { write_out(value, std::ptr::null()) };
        let (headers, cache) = m.headers_and_cache()?;
        let Some(found) = cache.first_value(headers, key) else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        // SAFETY: as above.
        unsafe { write_out(value, found) };
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
        let (mut m, key) = unsafe { (msg_arg(msg)?, lookup_key(key)?) };
        not_null(values, "values")?;
        not_null(count, "count")?;
        // SAFETY: both out-pointers were checked non-NULL.
        unsafe {
            write_out(values, std::ptr::null_mut());
            write_out(count, 0);
        }
        let (headers, cache) = m.headers_and_cache()?;
        let Some((array, n)) = cache.values_array(headers, key)? else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        // SAFETY: as above.
        unsafe {
            write_out(values, array);
            write_out(count, n);
        }
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
        let mut m = unsafe { msg_arg(msg) }?;
        not_null(keys, "keys")?;
        not_null(count, "count")?;
        // SAFETY: both out-pointers were checked non-NULL.
        unsafe {
            write_out(keys, std::ptr::null_mut());
            write_out(count, 0);
        }
        let (headers, cache) = m.headers_and_cache()?;
        let Some((array, n)) = cache.keys_array(headers)? else {
            return Ok(natsStatus::NATS_NOT_FOUND);
        };
        // SAFETY: as above.
        unsafe {
            write_out(keys, array);
            write_out(count, n);
        }
        Ok(natsStatus::NATS_OK)
    })
}

/// Removes `key` and all its values; `NATS_NOT_FOUND` when absent. Header
/// strings obtained from the message before become invalid.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Delete(msg: *mut natsMsg, key: *const c_char) -> natsStatus {
    guard_status("natsMsgHeader_Delete", || {
        // SAFETY: as in natsMsgHeader_Set.
        let (mut m, key) = unsafe { (msg_arg(msg)?, lookup_key(key)?) };
        let present = m.headers()?.is_some_and(|h| h.values(key).is_some());
        if !present {
            return Ok(natsStatus::NATS_NOT_FOUND);
        }
        m.headers_mut()?.delete(key);
        Ok(natsStatus::NATS_OK)
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
            unsafe { drop(take_message(*list.Msgs.add(i))) };
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
            let encoded = as_message(m).and_then(|m| m.encoded_headers().map(|c| c.into_owned()));
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
    fn received_headers_and_no_responders() {
        let hdr = b"NATS/1.0 503\r\n\r\n";
        let m = into_raw(Message::from_wire(b"_INBOX.a", None, Some(hdr), b"", 1, 0));
        // SAFETY: `m` is a live handle from into_raw.
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

        let m = into_raw(Message::from_wire(
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
        let list = new_msg_list(vec![
            Message::new("a", None, b"1"),
            Message::new("b", None, b"2"),
            Message::new("c", None, b"3"),
        ]);
        let Ok(mut list) = list else { panic!("list") };
        assert_eq!(list.Count, 3);
        // SAFETY: the list was just built; entry 1 is taken out by the "user".
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
        let Ok(empty) = new_msg_list(Vec::new()) else {
            panic!("empty list")
        };
        assert!(empty.Msgs.is_null());
    }
}
