//! Stream management exports: the config inits, js_AddStream,
//! js_UpdateStream, js_DeleteStream, js_PurgeStream, js_GetStreamInfo,
//! js_Streams, js_StreamNames and the `*_Destroy`s of what they return.
//! Bodies only translate; `jetstream::stream` does the work.
use std::ffi::c_char;
use std::ptr;

use crate::client::{Error, ErrorKind};
use crate::ffi::boundary::{clear_error, guard};
use crate::ffi::c_tree::read_str_or_empty;
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_context::{call_options, js_ctx, CallOptions};
use crate::ffi::js_stream_config::{read_stream_config, set_config_defaults};
use crate::ffi::js_stream_info::{
    free_stream_info, free_stream_info_list, names_list_to_c, stream_info_list_to_c,
    stream_info_to_c,
};
use crate::ffi::js_types::{
    jsCtx, jsErrCode, jsExternalStream, jsOptions, jsPlacement, jsRePublish, jsStreamConfig,
    jsStreamInfo, jsStreamInfoList, jsStreamNamesList, jsStreamSource,
};
use crate::ffi::natsStatus;
use crate::jetstream::{JsError, JsResult, PurgeOptions, StreamInfoOptions};

/// nats.c reports a missing stream (and an empty listing) by the status
/// and error code alone: the thread's last error is cleared.
fn quiet_not_found(s: natsStatus) -> natsStatus {
    if s == natsStatus::NATS_NOT_FOUND {
        clear_error();
    }
    s
}

/// Zeroes `*p` (all-zero is valid for these structs: NULL pointers, zero
/// numbers, the first value of each enum).
///
/// # Safety
/// `p` is NULL or writable.
pub(crate) unsafe fn zero_init<T>(func: &'static str, p: *mut T) -> natsStatus {
    guard(func, || {
        if p.is_null() {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "the struct to initialize is NULL",
            ));
        }
        // SAFETY: non-NULL and writable per the contract; zero is valid.
        unsafe { ptr::write_bytes(p, 0, 1) };
        Ok(())
    })
}

/// The stream name argument of a call (NULL reads as empty, which the
/// calls refuse with nats.c's text).
///
/// # Safety
/// `p` is NULL or NUL-terminated.
pub(crate) unsafe fn stream_name_arg(p: *const c_char) -> JsResult<String> {
    // SAFETY: per the contract.
    Ok(unsafe { read_str_or_empty(p, "the stream name") }?)
}

/// The context and this call's options.
///
/// # Safety
/// `js` is NULL or a live context; `opts` NULL or a readable `jsOptions`.
pub(crate) unsafe fn call(js: *mut jsCtx, opts: *mut jsOptions) -> JsResult<CallOptions> {
    // SAFETY: per the contract.
    unsafe { call_options(js_ctx(js)?, opts) }
}

/// Sets up a stream configuration: zero for every field but those nats.c
/// gives a default (no limits, i.e. -1, for consumers, messages, bytes and
/// message size; one replica; file storage; limits retention; discard old;
/// no compression). Set `Name` and the rest afterwards; the config never
/// owns what its pointers point to. NATS_INVALID_ARG when `cfg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsStreamConfig_Init(cfg: *mut jsStreamConfig) -> natsStatus {
    guard("jsStreamConfig_Init", || {
        if cfg.is_null() {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "the stream config is NULL",
            ));
        }
        // SAFETY: non-NULL and writable per the API; all-zero is a valid
        // jsStreamConfig, then the defaults are set on it.
        unsafe {
            ptr::write_bytes(cfg, 0, 1);
            set_config_defaults(&mut *cfg);
        }
        Ok(())
    })
}

/// Zeroes a placement (no cluster, no tags). NATS_INVALID_ARG for NULL.
#[no_mangle]
pub unsafe extern "C" fn jsPlacement_Init(placement: *mut jsPlacement) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("jsPlacement_Init", placement) }
}

/// Zeroes a stream source (set `Name`, then any start point, filter,
/// external or domain). NATS_INVALID_ARG for NULL.
#[no_mangle]
pub unsafe extern "C" fn jsStreamSource_Init(source: *mut jsStreamSource) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("jsStreamSource_Init", source) }
}

/// Zeroes an external stream description. NATS_INVALID_ARG for NULL.
#[no_mangle]
pub unsafe extern "C" fn jsExternalStream_Init(external: *mut jsExternalStream) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("jsExternalStream_Init", external) }
}

/// Zeroes a republish setting (set `Destination`, which is required, and
/// optionally `Source` and `HeadersOnly`). NATS_INVALID_ARG for NULL.
#[no_mangle]
pub unsafe extern "C" fn jsRePublish_Init(rp: *mut jsRePublish) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("jsRePublish_Init", rp) }
}

/// Shared by js_AddStream and js_UpdateStream.
///
/// # Safety
/// The arguments are those of the exports.
unsafe fn add_or_update(
    func: &'static str,
    update: bool,
    new_si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard(func, err_code, || {
            let call = call(js, opts)?;
            let cfg = cfg
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("stream configuration required"))?;
            let cfg = read_stream_config(cfg)?;
            let info = if update {
                call.js.update_stream(&cfg)
            } else {
                call.js.add_stream(&cfg)
            }
            .map_err(|e| e.at(func))?;
            if !new_si.is_null() {
                new_si.write(stream_info_to_c(&info));
            }
            Ok(())
        })
    }
}

/// Creates a stream from `cfg` (copied; the caller keeps owning it). On
/// NATS_OK, when `new_si` is not NULL, `*new_si` is the new stream's info,
/// which the caller frees with jsStreamInfo_Destroy; with `new_si` NULL no
/// info is returned. `opts` (may be NULL) overrides the context's prefix,
/// domain and wait; `errCode` (may be NULL) gets the server's error code.
/// NATS_INVALID_ARG for a NULL context or config, a missing or invalid
/// stream name, an enum field holding no valid value, or a negative count;
/// NATS_ERR with the server's text when it refuses the config.
#[no_mangle]
pub unsafe extern "C" fn js_AddStream(
    new_si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { add_or_update("js_AddStream", false, new_si, js, cfg, opts, errCode) }
}

/// Changes an existing stream's configuration to `cfg` (copied). Returns
/// like js_AddStream: `*new_si` (when `new_si` is not NULL) is the updated
/// info, freed with jsStreamInfo_Destroy. NATS_NOT_FOUND with code
/// JSStreamNotFoundErr when the stream does not exist.
#[no_mangle]
pub unsafe extern "C" fn js_UpdateStream(
    new_si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { add_or_update("js_UpdateStream", true, new_si, js, cfg, opts, errCode) }
}

/// Deletes the stream `stream` with all its messages and consumers.
/// NATS_NOT_FOUND with code JSStreamNotFoundErr (and no last error) when
/// it does not exist; NATS_INVALID_ARG for a NULL context or a missing or
/// invalid name. `opts` and `errCode` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    let s = unsafe {
        js_guard("js_DeleteStream", errCode, || {
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            call.js
                .delete_stream(&name)
                .map_err(|e| e.at("js_DeleteStream"))
        })
    };
    quiet_not_found(s)
}

/// Removes messages from `stream`: all of them, or those chosen by
/// `opts->Stream.Purge` (or, when that group is all unset or `opts` is
/// NULL, the context's): `Subject` limits the purge to a subject filter,
/// `Sequence` removes those below it, `Keep` keeps that many of the newest
/// (`Sequence` and `Keep` together are NATS_INVALID_ARG). NATS_NOT_FOUND
/// with code JSStreamNotFoundErr (and no last error) for a missing stream.
#[no_mangle]
pub unsafe extern "C" fn js_PurgeStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    let s = unsafe {
        js_guard("js_PurgeStream", errCode, || {
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            let purge = PurgeOptions {
                subject: call.purge.subject.clone(),
                sequence: call.purge.sequence,
                keep: call.purge.keep,
            };
            call.js
                .purge_stream(&name, &purge)
                .map(drop)
                .map_err(|e| e.at("js_PurgeStream"))
        })
    };
    quiet_not_found(s)
}

/// Asks for a stream's configuration and state. With
/// `opts->Stream.Info.DeletedDetails` the state lists the deleted
/// sequences; with `opts->Stream.Info.SubjectsFilter` it counts the
/// messages of each matching subject (every page of them). With `opts`
/// NULL the context's `Stream.Info` options apply. On NATS_OK `*new_si` is
/// an info the caller frees with jsStreamInfo_Destroy. NATS_NOT_FOUND with
/// code JSStreamNotFoundErr (and no last error) for a missing stream;
/// NATS_INVALID_ARG for NULL `new_si` or context or a bad name.
#[no_mangle]
pub unsafe extern "C" fn js_GetStreamInfo(
    new_si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    let s = unsafe {
        js_guard("js_GetStreamInfo", errCode, || {
            if new_si.is_null() {
                return Err(JsError::invalid_arg(
                    "the stream info out-parameter is NULL",
                ));
            }
            let call = call(js, opts)?;
            let name = stream_name_arg(stream)?;
            let o = StreamInfoOptions {
                deleted_details: call.info.deleted_details,
                subjects_filter: call.info.subjects_filter.clone(),
            };
            let info = call
                .js
                .stream_info(&name, &o)
                .map_err(|e| e.at("js_GetStreamInfo"))?;
            new_si.write(stream_info_to_c(&info));
            Ok(())
        })
    };
    quiet_not_found(s)
}

/// Frees a stream info from js_AddStream, js_UpdateStream or
/// js_GetStreamInfo, with everything it points to (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfo_Destroy(si: *mut jsStreamInfo) {
    // SAFETY: NULL or an info the library handed out, given up here.
    unsafe { free_stream_info(si) }
}

/// Lists the infos of every stream, or with `opts->Stream.Info.SubjectsFilter`
/// of those storing a matching subject (all pages). On NATS_OK `*new_list`
/// belongs to the caller, who frees it with jsStreamInfoList_Destroy (an
/// entry set to NULL first stays the caller's, freed with
/// jsStreamInfo_Destroy). NATS_NOT_FOUND (and no last error) when no
/// stream matches.
#[no_mangle]
pub unsafe extern "C" fn js_Streams(
    new_list: *mut *mut jsStreamInfoList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    let s = unsafe {
        js_guard("js_Streams", errCode, || {
            if new_list.is_null() {
                return Err(JsError::invalid_arg("the list out-parameter is NULL"));
            }
            let call = call(js, opts)?;
            let list = call
                .js
                .streams(&call.info.subjects_filter)
                .map_err(|e| e.at("js_Streams"))?;
            new_list.write(stream_info_list_to_c(&list));
            Ok(())
        })
    };
    quiet_not_found(s)
}

/// Frees a list from js_Streams and the infos still in it (NULL does
/// nothing).
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfoList_Destroy(list: *mut jsStreamInfoList) {
    // SAFETY: NULL or a list the library handed out, given up here.
    unsafe { free_stream_info_list(list) }
}

/// Lists the names of every stream, or with
/// `opts->Stream.Info.SubjectsFilter` of those storing a matching subject.
/// On NATS_OK `*new_list` belongs to the caller, who frees it (names
/// included) with jsStreamNamesList_Destroy. NATS_NOT_FOUND (and no last
/// error) when no stream matches.
#[no_mangle]
pub unsafe extern "C" fn js_StreamNames(
    new_list: *mut *mut jsStreamNamesList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    let s = unsafe {
        js_guard("js_StreamNames", errCode, || {
            if new_list.is_null() {
                return Err(JsError::invalid_arg("the list out-parameter is NULL"));
            }
            let call = call(js, opts)?;
            let names = call
                .js
                .stream_names(&call.info.subjects_filter)
                .map_err(|e| e.at("js_StreamNames"))?;
            new_list.write(names_list_to_c(&names));
            Ok(())
        })
    };
    quiet_not_found(s)
}

/// Frees a list from js_StreamNames, names included (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsStreamNamesList_Destroy(list: *mut jsStreamNamesList) {
    // SAFETY: NULL or a list the library handed out, given up here.
    unsafe { crate::ffi::c_tree::free_tree(list) }
}
