//! The consumer management exports: jsConsumerConfig_Init, js_AddConsumer,
//! js_UpdateConsumer, js_GetConsumerInfo, js_DeleteConsumer, the listings
//! js_Consumers and js_ConsumerNames, js_PauseConsumer, js_ResetConsumer,
//! js_UnpinConsumer, and the `*_Destroy`s of what they return.
//!
//! Every answer handed to C is a tree made by `c_tree` and freed by one
//! `*_Destroy`. The infos inside a jsConsumerInfoList and the consumer of a
//! jsConsumerResetResponse are trees of their own, as in nats.c, whose
//! list destroy calls jsConsumerInfo_Destroy on each entry.
use std::ffi::c_char;
use std::ptr;

use crate::client::{Error, ErrorKind};
use crate::ffi::boundary::{clear_error, guard};
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str_or_empty, TreeStore};
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_consumer_config::{
    consumer_config_from_c, consumer_info_to_c, store_chosen_policies,
};
use crate::ffi::js_context::{c_int_len, call_options, js_ctx, CallOptions};
use crate::ffi::js_types::{
    jsAckPolicy, jsConsumerConfig, jsConsumerInfo, jsConsumerInfoList, jsConsumerNamesList,
    jsConsumerPauseResponse, jsConsumerResetResponse, jsCtx, jsDeliverPolicy, jsErrCode, jsOptions,
    jsReplayPolicy, write_c_enum_raw,
};
use crate::ffi::natsStatus;
use crate::jetstream::{ConsumerInfo, JsError};

/// Like `js_guard`; a NATS_NOT_FOUND outcome (missing stream or consumer,
/// empty listing) leaves no last error behind, as nats.c clears it: it is
/// an answer, not a failure to explain.
///
/// # Safety
/// As for `js_guard`.
unsafe fn consumer_guard(
    func: &'static str,
    err_code: *mut jsErrCode,
    f: impl FnOnce() -> Result<(), JsError>,
) -> natsStatus {
    // SAFETY: per the contract.
    let status = unsafe { js_guard(func, err_code, f) };
    if status == natsStatus::NATS_NOT_FOUND {
        clear_error();
    }
    status
}

/// The context's options for this call and the stream name.
///
/// # Safety
/// `js` is NULL or a live context, `opts` NULL or a readable `jsOptions`,
/// `stream` NULL or NUL-terminated.
unsafe fn call_on(
    js: *mut jsCtx,
    opts: *mut jsOptions,
    stream: *const c_char,
) -> Result<(CallOptions, String), JsError> {
    // SAFETY: per the contract.
    unsafe {
        let call = call_options(js_ctx(js)?, opts)?;
        Ok((call, read_str_or_empty(stream, "stream")?))
    }
}

/// One consumer info as a tree of its own.
fn info_tree(ci: &ConsumerInfo) -> *mut jsConsumerInfo {
    let mut st = TreeStore::default();
    let root = consumer_info_to_c(ci, &mut st);
    into_c_tree(root, st)
}

/// The body of js_AddConsumer and js_UpdateConsumer.
///
/// # Safety
/// The arguments as the API describes them.
unsafe fn create(
    func: &'static str,
    update: bool,
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
) -> Result<(), JsError> {
    // SAFETY: per the contract.
    unsafe {
        let (call, stream) = call_on(js, opts, stream)?;
        let user = cfg
            .as_ref()
            .ok_or_else(|| JsError::invalid_arg("consumer configuration required"))?;
        let cfg_read = consumer_config_from_c(user)?;
        store_chosen_policies(cfg, &cfg_read);
        let cfg = cfg_read;
        let info = if update {
            call.js.update_consumer(&stream, &cfg)
        } else {
            call.js.add_consumer(&stream, &cfg)
        }
        .map_err(|e| e.at(func))?;
        if !ci.is_null() {
            ci.write(info_tree(&info));
        }
        Ok(())
    }
}

/// Fills `cc` with the defaults of a consumer config: all zero, with the
/// three policies set to -1, "not chosen", which js_AddConsumer reads as
/// js_DeliverAll, js_AckExplicit and js_ReplayInstant. Status:
/// NATS_INVALID_ARG when `cc` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerConfig_Init(cc: *mut jsConsumerConfig) -> natsStatus {
    guard("jsConsumerConfig_Init", || {
        if cc.is_null() {
            return Err(Error::new(ErrorKind::InvalidArg, "the config is NULL"));
        }
        // SAFETY: non-NULL and writable per the API.
        unsafe { init_consumer_config(cc) };
        Ok(())
    })
}

/// Zeroes a consumer config and marks its policies unset (-1).
///
/// # Safety
/// `cc` is non-NULL and writable.
pub(crate) unsafe fn init_consumer_config(cc: *mut jsConsumerConfig) {
    // SAFETY: per the contract. Zero is valid for every field (NULL
    // pointers, zero numbers, the first enum values); the policies then
    // get -1 as plain ints, no Rust enum value is made.
    unsafe {
        ptr::write_bytes(cc, 0, 1);
        write_c_enum_raw::<jsDeliverPolicy>(&mut (*cc).DeliverPolicy, -1);
        write_c_enum_raw::<jsAckPolicy>(&mut (*cc).AckPolicy, -1);
        write_c_enum_raw::<jsReplayPolicy>(&mut (*cc).ReplayPolicy, -1);
    }
}

/// Creates a consumer on `stream` from `cfg` (required; read during the
/// call, nothing of it is kept; policies left at -1 are set to the defaults
/// used, as nats.c does), or changes it when one of that name exists
/// with a compatible config. A config with `Name` uses the server's
/// `CONSUMER.CREATE.<stream>.<name>` API (the filter subject appended when
/// `FilterSubject` is the only filter). On NATS_OK, if `ci` is not NULL,
/// `*ci` is the new consumer's info, which the caller frees with
/// jsConsumerInfo_Destroy.
///
/// Status: NATS_INVALID_ARG for a NULL `js` or `cfg`, a missing or invalid
/// stream, consumer or durable name, a policy value that is neither -1 nor
/// listed, a negative count or a NULL array with a positive count, or
/// `FilterSubjects` on a server that ignores them; NATS_NOT_FOUND (code
/// JSConsumerNotFoundErr) when the server says the consumer does not exist;
/// NATS_ERR with the server's text and code for other API errors (a missing
/// stream is JSStreamNotFoundErr). `errCode` (may be NULL) gets the code.
#[no_mangle]
pub unsafe extern "C" fn js_AddConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_AddConsumer", errCode, || {
            create("js_AddConsumer", false, ci, js, stream, cfg, opts)
        })
    }
}

/// Changes the durable consumer `cfg.Durable` of `stream`; otherwise as
/// js_AddConsumer (`*ci`, if `ci` is not NULL, is freed by the caller with
/// jsConsumerInfo_Destroy). NATS_INVALID_ARG "durable name is required"
/// when `Durable` is not set; the server refuses changes to fields that
/// cannot change (NATS_ERR with its code).
#[no_mangle]
pub unsafe extern "C" fn js_UpdateConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_UpdateConsumer", errCode, || {
            create("js_UpdateConsumer", true, ci, js, stream, cfg, opts)
        })
    }
}

/// Asks the server for the config and state of `consumer` on `stream`. On
/// NATS_OK `*ci` is a new jsConsumerInfo the caller frees with
/// jsConsumerInfo_Destroy. NATS_INVALID_ARG for NULL `ci` or `js` or a
/// bad name; NATS_NOT_FOUND with JSConsumerNotFoundErr in `errCode` (may be
/// NULL) for a missing consumer (no last error is left); NATS_ERR with the
/// server's code for other API errors, such as a missing stream.
#[no_mangle]
pub unsafe extern "C" fn js_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_GetConsumerInfo", errCode, || {
            if ci.is_null() {
                return Err(JsError::invalid_arg(
                    "the consumer info out-parameter is NULL",
                ));
            }
            let (call, stream) = call_on(js, opts, stream)?;
            let consumer = read_str_or_empty(consumer, "consumer")?;
            let info = call
                .js
                .consumer_info(&stream, &consumer)
                .map_err(|e| e.at("js_GetConsumerInfo"))?;
            ci.write(info_tree(&info));
            Ok(())
        })
    }
}

/// Deletes `consumer` from `stream`. NATS_NOT_FOUND when the stream
/// (JSStreamNotFoundErr) or the consumer (JSConsumerNotFoundErr) does not
/// exist, the code stored in `errCode` (may be NULL); NATS_INVALID_ARG for
/// a NULL `js` or a bad name; NATS_ERR for other API errors.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_DeleteConsumer", errCode, || {
            let (call, stream) = call_on(js, opts, stream)?;
            let consumer = read_str_or_empty(consumer, "consumer")?;
            call.js
                .delete_consumer(&stream, &consumer)
                .map_err(|e| e.at("js_DeleteConsumer"))
        })
    }
}

/// Frees a consumer info and everything it points to (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfo_Destroy(ci: *mut jsConsumerInfo) {
    // SAFETY: NULL or a tree made by `info_tree`, given up here.
    unsafe { free_tree(ci) }
}

/// The infos of every consumer of `stream`, over as many pages as the
/// server needs. On NATS_OK `*list` holds at least one info; the caller
/// frees the list and every info in it with jsConsumerInfoList_Destroy.
/// NATS_NOT_FOUND when the stream has no consumers (code 0) or does not
/// exist (JSStreamNotFoundErr in `errCode`, may be NULL); NATS_INVALID_ARG
/// for NULL `list` or `js` or a bad stream name.
#[no_mangle]
pub unsafe extern "C" fn js_Consumers(
    list: *mut *mut jsConsumerInfoList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_Consumers", errCode, || {
            if list.is_null() {
                return Err(JsError::invalid_arg("the list out-parameter is NULL"));
            }
            let (call, stream) = call_on(js, opts, stream)?;
            let infos = call
                .js
                .consumers(&stream)
                .map_err(|e| e.at("js_Consumers"))?;
            let items: Vec<*mut jsConsumerInfo> = infos.iter().map(info_tree).collect();
            let count = c_int_len(items.len());
            let mut st = TreeStore::default();
            let root = jsConsumerInfoList {
                List: st.array(items),
                Count: count,
            };
            list.write(into_c_tree(root, st));
            Ok(())
        })
    }
}

/// Frees a list from js_Consumers with each info in it (NULL does
/// nothing; NULL entries are skipped, so an info taken out of the list and
/// replaced by NULL stays the caller's, for jsConsumerInfo_Destroy).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfoList_Destroy(list: *mut jsConsumerInfoList) {
    if list.is_null() {
        return;
    }
    // SAFETY: a live list from js_Consumers: `List` holds `Count` entries,
    // each NULL or an info tree, all given up here with the list.
    unsafe {
        let l = &*list;
        if !l.List.is_null() {
            for i in 0..usize::try_from(l.Count).unwrap_or(0) {
                free_tree(*l.List.add(i));
            }
        }
        free_tree(list);
    }
}

/// The names of every consumer of `stream`, over as many pages as needed.
/// On NATS_OK `*list` holds at least one name; the caller frees the list
/// and its strings with jsConsumerNamesList_Destroy. Statuses as
/// js_Consumers.
#[no_mangle]
pub unsafe extern "C" fn js_ConsumerNames(
    list: *mut *mut jsConsumerNamesList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_ConsumerNames", errCode, || {
            if list.is_null() {
                return Err(JsError::invalid_arg("the list out-parameter is NULL"));
            }
            let (call, stream) = call_on(js, opts, stream)?;
            let names = call
                .js
                .consumer_names(&stream)
                .map_err(|e| e.at("js_ConsumerNames"))?;
            let mut st = TreeStore::default();
            let root = jsConsumerNamesList {
                List: st.str_array(&names).cast::<*mut c_char>(),
                Count: c_int_len(names.len()),
            };
            list.write(into_c_tree(root, st));
            Ok(())
        })
    }
}

/// Frees a list from js_ConsumerNames and its strings (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerNamesList_Destroy(list: *mut jsConsumerNamesList) {
    // SAFETY: NULL or a tree from js_ConsumerNames, given up here.
    unsafe { free_tree(list) }
}

/// Pauses `consumer` of `stream` until `pauseUntil` (UTC nanoseconds since
/// the epoch); 0 resumes it at once. On NATS_OK `*new_cpr` (required) is
/// the server's answer, freed by the caller with
/// jsConsumerPauseResponse_Destroy. NATS_INVALID_ARG for NULL `new_cpr` or
/// `js`, a bad name, or a time past the year 2262; NATS_NOT_FOUND with
/// JSConsumerNotFoundErr for a missing consumer; NATS_ERR with the server's
/// code otherwise.
#[no_mangle]
pub unsafe extern "C" fn js_PauseConsumer(
    new_cpr: *mut *mut jsConsumerPauseResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    pauseUntil: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_PauseConsumer", errCode, || {
            if new_cpr.is_null() {
                return Err(JsError::invalid_arg("the response out-parameter is NULL"));
            }
            let (call, stream) = call_on(js, opts, stream)?;
            let consumer = read_str_or_empty(consumer, "consumer")?;
            let until = i64::try_from(pauseUntil).map_err(|_| {
                JsError::invalid_arg(format!("pause time {pauseUntil} is out of range"))
            })?;
            let r = call
                .js
                .pause_consumer(&stream, &consumer, until)
                .map_err(|e| e.at("js_PauseConsumer"))?;
            let root = jsConsumerPauseResponse {
                Paused: r.paused,
                PauseUntil: r.pause_until,
                PauseRemaining: r.pause_remaining,
            };
            new_cpr.write(into_c_tree(root, TreeStore::default()));
            Ok(())
        })
    }
}

/// Frees an answer of js_PauseConsumer (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerPauseResponse_Destroy(cpr: *mut jsConsumerPauseResponse) {
    // SAFETY: NULL or a tree from js_PauseConsumer, given up here.
    unsafe { free_tree(cpr) }
}

/// Moves `consumer` of `stream` back so that delivery starts again at
/// stream sequence `seq`, or at its ack floor when `seq` is 0, without
/// recreating it (server 2.14+). On NATS_OK, if `new_crr` is not NULL,
/// `*new_crr` holds the consumer's new info and the sequence; the caller
/// frees both with jsConsumerResetResponse_Destroy. Statuses as
/// js_GetConsumerInfo.
#[no_mangle]
pub unsafe extern "C" fn js_ResetConsumer(
    new_crr: *mut *mut jsConsumerResetResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_ResetConsumer", errCode, || {
            let (call, stream) = call_on(js, opts, stream)?;
            let consumer = read_str_or_empty(consumer, "consumer")?;
            let r = call
                .js
                .reset_consumer(&stream, &consumer, seq)
                .map_err(|e| e.at("js_ResetConsumer"))?;
            if !new_crr.is_null() {
                let root = jsConsumerResetResponse {
                    Consumer: info_tree(&r.consumer),
                    ResetSeq: r.reset_seq,
                };
                new_crr.write(into_c_tree(root, TreeStore::default()));
            }
            Ok(())
        })
    }
}

/// Frees an answer of js_ResetConsumer with the consumer info in it (NULL
/// does nothing; a NULL `Consumer` is skipped).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerResetResponse_Destroy(crr: *mut jsConsumerResetResponse) {
    if crr.is_null() {
        return;
    }
    // SAFETY: a live answer from js_ResetConsumer, whose `Consumer` is NULL
    // or an info tree, both given up here.
    unsafe {
        free_tree((*crr).Consumer);
        free_tree(crr);
    }
}

/// Asks the server to release the client pinned to priority `group` of
/// `consumer` (a consumer with the "pinned_client" priority policy), so
/// that the next pull request picks a new one. NATS_INVALID_ARG for a NULL
/// `js`, a bad stream or consumer name, or a group that is empty, longer
/// than 16 characters or not made of `A-Za-z0-9-_/=`; NATS_NOT_FOUND when
/// the stream or consumer does not exist; NATS_ERR with the server's code
/// otherwise (an unknown group, for instance).
#[no_mangle]
pub unsafe extern "C" fn js_UnpinConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    group: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        consumer_guard("js_UnpinConsumer", errCode, || {
            let (call, stream) = call_on(js, opts, stream)?;
            let consumer = read_str_or_empty(consumer, "consumer")?;
            let group = read_str_or_empty(group, "group")?;
            call.js
                .unpin_consumer(&stream, &consumer, &group)
                .map_err(|e| e.at("js_UnpinConsumer"))
        })
    }
}
