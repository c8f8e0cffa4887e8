//! `microRequest_*`: what an endpoint's handler reads from and answers to
//! the request it was lent, and the translation of a C handler into a
//! `micro::RequestHandler`.
use std::ffi::{c_char, c_int, c_void};
use std::ptr;
use std::sync::Arc;

use crate::ffi::handles::natsConnection;
use crate::ffi::handles::{lend, release, to_c};
use crate::ffi::micro_error::take_error;
use crate::ffi::micro_service::{micro_guard, state_ptr};
use crate::ffi::micro_types::*;
use crate::ffi::msg::{
    natsMsg, natsMsgHeader_Add, natsMsgHeader_Delete, natsMsgHeader_Get, natsMsgHeader_Keys,
    natsMsgHeader_Set, natsMsgHeader_Values, natsMsg_GetData, natsMsg_GetDataLength,
    natsMsg_GetReply, natsMsg_GetSubject,
};
use crate::ffi::natsStatus;
use crate::micro::{Request, RequestHandler, ServiceError, ServiceResult};

/// A C request handler as the services layer calls it: the request is
/// lent as a `microRequest` with its message as a `natsMsg`, freed after
/// the call; an error the handler returns is taken (and freed).
pub(crate) fn request_handler(
    f: unsafe extern "C" fn(*mut microRequest) -> *mut microError,
) -> RequestHandler {
    Arc::new(move |req: &mut Request| -> ServiceResult<()> {
        let msg = req.take_message().map_or(ptr::null_mut(), to_c::<natsMsg>);
        let mut creq = microRequest {
            req: req as *mut Request,
            msg,
        };
        // SAFETY: the user's handler, given a request that stays valid for
        // the call.
        let err = unsafe { f(&mut creq) };
        // SAFETY: the message handed out above, taken back once; nats.c
        // frees it after the handler too.
        drop(unsafe { release(msg) });
        // SAFETY: NULL or an error the handler gives to the library.
        match unsafe { take_error(err) } {
            None => Ok(()),
            Some(e) => Err(e),
        }
    })
}

/// # Safety
/// `req` is NULL or the request lent to the running handler.
unsafe fn request<'a>(req: *mut microRequest) -> Option<&'a mut microRequest> {
    // SAFETY: per the contract.
    unsafe { req.as_mut() }.filter(|r| !r.req.is_null())
}

/// # Safety
/// As for [`request`].
unsafe fn inner<'a>(req: *mut microRequest) -> ServiceResult<&'a mut Request> {
    // SAFETY: `r.req` points to the request the handler call lends.
    unsafe { request(req) }
        .and_then(|r| unsafe { r.req.as_mut() })
        .ok_or_else(|| ServiceError::invalid_arg("request is NULL"))
}

/// # Safety
/// As for [`request`].
unsafe fn msg_of(req: *mut microRequest) -> *mut natsMsg {
    // SAFETY: per the contract.
    unsafe { request(req) }.map_or(ptr::null_mut(), |r| r.msg)
}

/// A header call's status as an error (NULL for NATS_OK).
fn status_error(s: natsStatus) -> *mut microError {
    crate::ffi::micro_error::micro_ErrorFromStatus(s)
}

/// # Safety
/// `data` is NULL or holds `len` bytes.
unsafe fn bytes<'a>(data: *const c_char, len: usize) -> ServiceResult<&'a [u8]> {
    if data.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(ServiceError::invalid_arg("data is NULL with a length"));
    }
    // SAFETY: `len` readable bytes per the contract.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) })
}

/// Answers the request with `len` bytes of `data` on the same connection.
#[no_mangle]
pub unsafe extern "C" fn microRequest_Respond(
    req: *mut microRequest,
    data: *const c_char,
    len: usize,
) -> *mut microError {
    micro_guard(|| {
        // SAFETY: per the API (the handler's request and its data).
        let (r, d) = unsafe { (inner(req)?, bytes(data, len)?) };
        r.respond(d)
    })
}

/// Answers with the service error `err` alone (headers
/// `Nats-Service-Error` and `Nats-Service-Error-Code`, no data) and counts
/// it as the endpoint's last error. `err` is freed; NULL sends nothing.
/// A handler need not call it: returning the error does the same.
#[no_mangle]
pub unsafe extern "C" fn microRequest_RespondError(
    req: *mut microRequest,
    err: *mut microError,
) -> *mut microError {
    // SAFETY: per the API.
    unsafe { microRequest_RespondCustom(req, err, ptr::null(), 0) }
}

/// Answers with `data` and, when `err` is not NULL, the service error in
/// the headers (counted as the endpoint's last error; `err` is freed).
#[no_mangle]
pub unsafe extern "C" fn microRequest_RespondCustom(
    req: *mut microRequest,
    err: *mut microError,
    data: *const c_char,
    len: usize,
) -> *mut microError {
    micro_guard(|| {
        // SAFETY: NULL or an error the caller gives to the library.
        let service_error = unsafe { take_error(err) };
        // SAFETY: per the API.
        let (r, d) = unsafe { (inner(req)?, bytes(data, len)?) };
        match service_error {
            None => r.respond(d),
            Some(e) => r.respond_error(&e, d),
        }
    })
}

/// Adds `value` to header `key` of the request's message (natsMsgHeader_Add).
#[no_mangle]
pub unsafe extern "C" fn microRequest_AddHeader(
    req: *mut microRequest,
    key: *const c_char,
    value: *const c_char,
) -> *mut microError {
    // SAFETY: per the API; the message is the request's.
    status_error(unsafe { natsMsgHeader_Add(msg_of(req), key, value) })
}

/// Sets header `key` of the request's message (natsMsgHeader_Set).
#[no_mangle]
pub unsafe extern "C" fn microRequest_SetHeader(
    req: *mut microRequest,
    key: *const c_char,
    value: *const c_char,
) -> *mut microError {
    // SAFETY: per the API.
    status_error(unsafe { natsMsgHeader_Set(msg_of(req), key, value) })
}

/// Deletes header `key` of the request's message (natsMsgHeader_Delete).
#[no_mangle]
pub unsafe extern "C" fn microRequest_DeleteHeader(
    req: *mut microRequest,
    key: *const c_char,
) -> *mut microError {
    // SAFETY: per the API.
    status_error(unsafe { natsMsgHeader_Delete(msg_of(req), key) })
}

/// The header keys of the request's message (natsMsgHeader_Keys): the
/// strings belong to the message; the array is `malloc`ed: release it
/// with free().
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderKeys(
    req: *mut microRequest,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> *mut microError {
    // SAFETY: per the API.
    status_error(unsafe { natsMsgHeader_Keys(msg_of(req), keys, count) })
}

/// The first value of header `key` (natsMsgHeader_Get); it belongs to the
/// message.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderValue(
    req: *mut microRequest,
    key: *const c_char,
    value: *mut *const c_char,
) -> *mut microError {
    // SAFETY: per the API.
    status_error(unsafe { natsMsgHeader_Get(msg_of(req), key, value) })
}

/// All values of header `key` (natsMsgHeader_Values): the strings belong
/// to the message; the array is `malloc`ed: release it with free().
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderValues(
    req: *mut microRequest,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> *mut microError {
    // SAFETY: per the API.
    status_error(unsafe { natsMsgHeader_Values(msg_of(req), key, values, count) })
}

/// The service's connection (lent); NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetConnection(req: *mut microRequest) -> *mut natsConnection {
    // SAFETY: per the API.
    unsafe { inner(req) }.map_or(ptr::null_mut(), |r| lend(r.connection()))
}

/// The request's data (not NUL-terminated for binary data: use
/// microRequest_GetDataLength); it belongs to the request.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetData(req: *mut microRequest) -> *const c_char {
    // SAFETY: per the API.
    unsafe { natsMsg_GetData(msg_of(req)) }
}

/// The number of data bytes of the request.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetDataLength(req: *mut microRequest) -> c_int {
    // SAFETY: per the API.
    unsafe { natsMsg_GetDataLength(msg_of(req)) }
}

/// The `State` pointer of the endpoint's config.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetEndpointState(req: *mut microRequest) -> *mut c_void {
    // SAFETY: per the API.
    unsafe { inner(req) }.map_or(ptr::null_mut(), |r| state_ptr(r.endpoint_state()))
}

/// The `State` pointer of the service's config.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetServiceState(req: *mut microRequest) -> *mut c_void {
    // SAFETY: per the API.
    unsafe { inner(req) }.map_or(ptr::null_mut(), |r| state_ptr(r.service().state()))
}

/// The request's message (lent: the library frees it after the handler).
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetMsg(req: *mut microRequest) -> *mut natsMsg {
    // SAFETY: per the API.
    unsafe { msg_of(req) }
}

/// The request's reply subject (NULL if none); it belongs to the message.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetReply(req: *mut microRequest) -> *const c_char {
    // SAFETY: per the API.
    unsafe { natsMsg_GetReply(msg_of(req)) }
}

/// The request's subject; it belongs to the message.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetSubject(req: *mut microRequest) -> *const c_char {
    // SAFETY: per the API.
    unsafe { natsMsg_GetSubject(msg_of(req)) }
}

/// The service serving the request (lent).
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetService(req: *mut microRequest) -> *mut microService {
    // SAFETY: per the API.
    unsafe { inner(req) }.map_or(ptr::null_mut(), |r| lend(r.service()))
}
