//! JetStream push subscriptions: js_Subscribe, js_SubscribeMulti,
//! js_SubscribeSync, js_SubscribeSyncMulti, and what a JetStream
//! subscription tells about its consumer: natsSubscription_GetConsumerInfo
//! and natsSubscription_GetSequenceMismatch. The work is in
//! `jetstream::consume::push`.
use std::ffi::{c_char, c_int, c_void};

use super::boundary::{guard, Out};
use super::c_tree::{into_c_tree, read_str_or_empty, TreeStore};
use super::connection::{msg_handler, natsMsgHandler};
use super::handles::{borrow, natsSubscription, to_c};
use super::js_boundary::js_guard;
use super::js_consumer_config::consumer_info_to_c;
use super::js_context::{call_options, js_ctx, JsCtx};
use super::js_sub_options::sub_options_from_c;
use super::js_types::{
    jsConsumerInfo, jsConsumerSequenceMismatch, jsCtx, jsErrCode, jsOptions, jsSubOptions,
};
use super::status::natsStatus;
use crate::client::MsgHandler;
use crate::jetstream::consume::{push, JsSub};
use crate::jetstream::{JsError, JsResult};

/// The subjects of a Multi call (`subjects` holds `n` strings).
///
/// # Safety
/// `subjects` is NULL or points to `n` pointers, each NULL or a C string.
unsafe fn read_subjects(subjects: *const *const c_char, n: c_int) -> JsResult<Vec<String>> {
    let n = usize::try_from(n).unwrap_or(0);
    if n == 0 {
        return Ok(Vec::new());
    }
    if subjects.is_null() {
        return Err(JsError::invalid_arg("the subjects are NULL"));
    }
    (0..n)
        // SAFETY: `n` readable entries per the contract.
        .map(|i| unsafe { read_str_or_empty(*subjects.add(i), "subject") }.map_err(JsError::from))
        .collect()
}

/// The body of the four subscribe calls.
///
/// # Safety
/// The arguments as the API describes them.
unsafe fn subscribe(
    out: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: Vec<String>,
    handler: Option<MsgHandler>,
    opts: *mut jsOptions,
    sub_opts: *mut jsSubOptions,
) -> JsResult<()> {
    // SAFETY: NULL or writable per the API.
    let mut out = unsafe { Out::new(out, "subscription output") }?;
    // SAFETY: NULL or live handles and readable structs per the API.
    let (call, o) = unsafe {
        (
            call_options(js_ctx(js)?, opts)?,
            sub_options_from_c(sub_opts)?,
        )
    };
    let sub = push::subscribe(&call.js, &subjects, handler, &o)?;
    out.set(to_c(sub));
    Ok(())
}

/// The one subject of js_Subscribe and js_SubscribeSync (NULL or empty:
/// none, for binding to a consumer).
///
/// # Safety
/// `subject` is NULL or a C string.
unsafe fn one_subject(subject: *const c_char) -> JsResult<Vec<String>> {
    // SAFETY: per the contract.
    let s = unsafe { read_str_or_empty(subject, "subject") }?;
    Ok(if s.is_empty() { Vec::new() } else { vec![s] })
}

fn need_handler(cb: natsMsgHandler, closure: *mut c_void) -> JsResult<MsgHandler> {
    if cb.is_none() {
        return Err(JsError::invalid_arg("the message callback is NULL"));
    }
    Ok(msg_handler(cb, closure)?)
}

/// Subscribes to a stream's messages through a push consumer, `cb` getting
/// each one with `cbClosure` (see natsMsgHandler; each message belongs to
/// the callback). `subOpts` (may be NULL) binds to a stream and consumer,
/// names a durable or a queue group, or asks for an ordered consumer;
/// without them the stream is found by `subject` and an ephemeral consumer
/// is created. Unless `subOpts.ManualAck` (or the consumer takes no acks)
/// each message is acknowledged when the callback returns, if the
/// callback did not. Heartbeats and flow control never reach `cb`; missed
/// heartbeats and sequence mismatches go to the connection's error
/// handler. A consumer this call created is deleted by
/// natsSubscription_Unsubscribe or natsSubscription_Drain, not by
/// natsSubscription_Destroy, which frees the subscription.
///
/// Status: NATS_INVALID_ARG for NULL `sub`, `js` or `cb`, no subject when
/// not binding, or options nats.c refuses; NATS_NOT_FOUND when a bound
/// consumer does not exist; NATS_ERR (with the server's code in `errCode`,
/// which may be NULL) when the server refuses the consumer.
#[no_mangle]
pub unsafe extern "C" fn js_Subscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_Subscribe", errCode, || {
            let h = need_handler(cb, cbClosure)?;
            subscribe(sub, js, one_subject(subject)?, Some(h), opts, subOpts)
        })
    }
}

/// Like js_Subscribe, with `numSubjects` filter subjects (each may hold
/// wildcards); the consumer filters on all of them. Free the subscription
/// with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *mut *const c_char,
    numSubjects: c_int,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_SubscribeMulti", errCode, || {
            let h = need_handler(cb, cbClosure)?;
            let subjects = read_subjects(subjects, numSubjects)?;
            subscribe(sub, js, subjects, Some(h), opts, subOpts)
        })
    }
}

/// Like js_Subscribe, without a callback: the messages are read with
/// natsSubscription_NextMsg (and acknowledged by the program unless the
/// consumer takes no acks). A sequence mismatch is returned once by the
/// next natsSubscription_NextMsg as NATS_MISMATCH. Free the subscription
/// with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSync(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_SubscribeSync", errCode, || {
            subscribe(sub, js, one_subject(subject)?, None, opts, subOpts)
        })
    }
}

/// Like js_SubscribeSync, with `numSubjects` filter subjects. Free the
/// subscription with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSyncMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *mut *const c_char,
    numSubjects: c_int,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_SubscribeSyncMulti", errCode, || {
            let subjects = read_subjects(subjects, numSubjects)?;
            subscribe(sub, js, subjects, None, opts, subOpts)
        })
    }
}

/// Asks the server for the info of the subscription's consumer (with
/// `opts`' prefix, domain and wait when not NULL) and stores it in `*ci`;
/// free it with jsConsumerInfo_Destroy. NATS_INVALID_ARG for NULL `ci` or
/// `sub`; NATS_INVALID_SUBSCRIPTION for a subscription that is not a
/// JetStream one or whose consumer is not known yet; NATS_NOT_FOUND (code
/// in `errCode`, may be NULL) once the consumer is gone.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    sub: *mut natsSubscription,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("natsSubscription_GetConsumerInfo", errCode, || {
            let mut ci = Out::new(ci, "consumer info output")?;
            let s = borrow(sub)?;
            let js = match opts.is_null() {
                true => None,
                false => {
                    let jsub = JsSub::require(&s)?;
                    let ctx = JsCtx {
                        js: jsub.js.clone(),
                        purge: Default::default(),
                        info: Default::default(),
                    };
                    Some(call_options(&ctx, opts)?.js)
                }
            };
            let info = push::consumer_info(&s, js.as_ref())?;
            let mut st = TreeStore::default();
            let root = consumer_info_to_c(&info, &mut st);
            ci.set(into_c_tree(root, st));
            Ok(())
        })
    }
}

/// Copies the consumer sequence mismatch the last heartbeat revealed into
/// `*csm`. NATS_NOT_FOUND when there is none (no last error is left);
/// NATS_INVALID_ARG for NULL `csm` or `sub`; NATS_INVALID_SUBSCRIPTION for
/// a subscription that is not a JetStream one.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSequenceMismatch(
    csm: *mut jsConsumerSequenceMismatch,
    sub: *mut natsSubscription,
) -> natsStatus {
    let mut found = true;
    let status = guard("natsSubscription_GetSequenceMismatch", || {
        // SAFETY: NULL or writable / a live handle per the API.
        let (mut out, s) = unsafe { (Out::new(csm, "mismatch output")?, borrow(sub)?) };
        match push::sequence_mismatch(&s).map_err(JsError::into_client)? {
            Some(m) => out.set(jsConsumerSequenceMismatch {
                Stream: m.stream,
                ConsumerClient: m.consumer_client,
                ConsumerServer: m.consumer_server,
            }),
            None => found = false,
        }
        Ok(())
    });
    if status == natsStatus::NATS_OK && !found {
        return natsStatus::NATS_NOT_FOUND;
    }
    status
}
