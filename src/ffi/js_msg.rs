//! Reading stored messages back and removing them: js_GetMsg,
//! js_GetLastMsg, js_DirectGetMsg (with jsDirectGetMsgOptions_Init),
//! js_DeleteMsg, js_EraseMsg, and the stream sequence and time a message
//! got this way carries (natsMsg_GetSequence, natsMsg_GetTime).
use std::ffi::c_char;

use crate::client::Message;
use crate::ffi::boundary::guard_value;
use crate::ffi::c_tree::read_str_or_empty;
use crate::ffi::handles::{to_c, try_borrow};
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_stream::{call, stream_name_arg};
use crate::ffi::js_types::{jsCtx, jsDirectGetMsgOptions, jsErrCode, jsOptions};
use crate::ffi::msg::natsMsg;
use crate::ffi::natsStatus;
use crate::jetstream::{DirectGetOptions, JsError, JsResult};

fn check_out(out: *mut *mut natsMsg) -> JsResult<()> {
    if out.is_null() {
        return Err(JsError::invalid_arg("the message out-parameter is NULL"));
    }
    Ok(())
}

/// Hands a stored message to the caller.
///
/// # Safety
/// `out` is non-NULL and writable.
unsafe fn give(out: *mut *mut natsMsg, msg: Message) {
    // SAFETY: per the contract.
    unsafe { out.write(to_c(msg)) }
}

/// # Safety
/// The strings of `o` are NULL or NUL-terminated.
unsafe fn read_direct_options(o: &jsDirectGetMsgOptions) -> JsResult<DirectGetOptions> {
    // SAFETY: per the contract.
    unsafe {
        Ok(DirectGetOptions {
            sequence: o.Sequence,
            next_by_subject: read_str_or_empty(o.NextBySubject, "NextBySubject")?,
            last_by_subject: read_str_or_empty(o.LastBySubject, "LastBySubject")?,
        })
    }
}

/// Reads the message stored at sequence `seq` of `stream` (through the
/// stream's leader). On NATS_OK `*msg` is a new message, with the subject,
/// headers and payload it was stored with, that the caller frees with
/// natsMsg_Destroy; natsMsg_GetSequence and natsMsg_GetTime tell where
/// and when it was stored. NATS_NOT_FOUND (code JSNoMessageFoundErr) when
/// there is no such message; NATS_INVALID_ARG for `seq` 0, a NULL `msg`
/// or context, or no stream name. `opts` and `errCode` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn js_GetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_GetMsg", errCode, || {
            check_out(msg)?;
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            let m = call.js.get_msg(&name, seq).map_err(|e| e.at("js_GetMsg"))?;
            give(msg, m);
            Ok(())
        })
    }
}

/// Reads the last message `stream` stored on `subject`. Ownership and
/// statuses as for js_GetMsg (the caller frees `*msg` with
/// natsMsg_Destroy); NATS_INVALID_ARG for a NULL or empty subject.
#[no_mangle]
pub unsafe extern "C" fn js_GetLastMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    subject: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_GetLastMsg", errCode, || {
            check_out(msg)?;
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            let subject = read_str_or_empty(subject, "the subject")?;
            let m = call
                .js
                .get_last_msg(&name, &subject)
                .map_err(|e| e.at("js_GetLastMsg"))?;
            give(msg, m);
            Ok(())
        })
    }
}

/// Zeroes direct get options; then set `Sequence`, `NextBySubject` or
/// `LastBySubject`. NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsDirectGetMsgOptions_Init(
    opts: *mut jsDirectGetMsgOptions,
) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { crate::ffi::js_stream::zero_init("jsDirectGetMsgOptions_Init", opts) }
}

/// Reads a message from any replica of a stream created with
/// `AllowDirect`: the last one on `dgOpts->LastBySubject` when set,
/// otherwise the one at `dgOpts->Sequence`, or with
/// `dgOpts->NextBySubject` the first one on that subject from `Sequence`
/// on. On NATS_OK `*msg` is the stored message (its subject, headers and
/// payload as stored, plus the server's `Nats-*` headers), freed by the
/// caller with natsMsg_Destroy. NATS_NOT_FOUND when there is no such
/// message; NATS_INVALID_ARG for NULL `msg`, context or `dgOpts`, or no
/// stream name.
#[no_mangle]
pub unsafe extern "C" fn js_DirectGetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    dgOpts: *mut jsDirectGetMsgOptions,
) -> natsStatus {
    // SAFETY: arguments per the API; this call has no error code.
    unsafe {
        js_guard("js_DirectGetMsg", std::ptr::null_mut(), || {
            check_out(msg)?;
            let call = call(js, opts)?;
            let dg = dgOpts
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("the direct get options are NULL"))?;
            let dg = read_direct_options(dg)?;
            let name = stream_name_arg(stream)?;
            let m = call
                .js
                .direct_get_msg(&name, &dg)
                .map_err(|e| e.at("js_DirectGetMsg"))?;
            give(msg, m);
            Ok(())
        })
    }
}

/// Shared by js_DeleteMsg and js_EraseMsg.
///
/// # Safety
/// The arguments are those of the exports.
unsafe fn remove(
    func: &'static str,
    erase: bool,
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard(func, err_code, || {
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            if erase {
                call.js.erase_msg(&name, seq)
            } else {
                call.js.delete_msg(&name, seq)
            }
            .map_err(|e| e.at(func))
        })
    }
}

/// Removes the message at `seq` from `stream` (it is marked deleted; its
/// bytes are not overwritten). NATS_NOT_FOUND (code JSStreamNotFoundErr)
/// for a missing stream; NATS_ERR with the server's text when the message
/// does not exist. `opts` and `errCode` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { remove("js_DeleteMsg", false, js, stream, seq, opts, errCode) }
}

/// Like js_DeleteMsg, and the server overwrites the message's bytes in
/// its storage.
#[no_mangle]
pub unsafe extern "C" fn js_EraseMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { remove("js_EraseMsg", true, js, stream, seq, opts, errCode) }
}

/// The stream sequence of a message read with js_GetMsg, js_GetLastMsg or
/// js_DirectGetMsg; 0 for NULL and for any other message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSequence(msg: *mut natsMsg) -> u64 {
    guard_value("natsMsg_GetSequence", 0, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }.map_or(0, |m| m.sequence())
    })
}

/// When a message read with js_GetMsg, js_GetLastMsg or js_DirectGetMsg
/// was stored, in UTC nanoseconds since the epoch; 0 for NULL and for any
/// other message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetTime(msg: *mut natsMsg) -> i64 {
    guard_value("natsMsg_GetTime", 0, || {
        // SAFETY: `msg` is NULL or a live message.
        unsafe { try_borrow(msg) }.map_or(0, |m| m.time())
    })
}
