//! Pull subscriptions: js_PullSubscribe, natsSubscription_Fetch,
//! natsSubscription_FetchRequest and js_PullSubscribeAsync, translated to
//! `jetstream::consume::pull` and `pull_async`.
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use crate::client::{Connection, Subscription};
use crate::ffi::boundary::{fail, null_arg, opt_str, Out};
use crate::ffi::c_tree::read_str_or_empty;
use crate::ffi::connection::{msg_handler, natsMsgHandler};
use crate::ffi::handles::{borrow, lend, natsSubscription, to_c};
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_context::call_options;
use crate::ffi::js_handles::js_ctx;
use crate::ffi::js_sub_options::{fetch_request_from_c, sub_options_from_c};
use crate::ffi::js_types::{
    jsCtx, jsErrCode, jsFetchCompleteHandler, jsFetchNextHandler, jsFetchRequest, jsOptions,
    jsOptionsPullSubscribeAsync, jsSubOptions,
};
use crate::ffi::msg::{natsMsgList, new_msg_list};
use crate::ffi::options::Closure;
use crate::ffi::status::natsStatus;
use crate::jetstream::consume::pull::{self, pull_subscribe};
use crate::jetstream::consume::pull_async::{
    pull_subscribe_async, CompleteHandler, NextHandler, PullAsyncOptions,
};
use crate::jetstream::JsError;

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The common start of the subscribe calls: the context (with the call's
/// options), the subject and durable, the subscribe options.
///
/// # Safety
/// As for js_PullSubscribe.
unsafe fn subscribe_args(
    out: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    jsOpts: *mut jsOptions,
    opts: *mut jsSubOptions,
) -> Result<
    (
        crate::jetstream::JetStream,
        String,
        String,
        crate::jetstream::consume::SubOptions,
    ),
    JsError,
> {
    if out.is_null() {
        return Err(null_arg("subscription output").into());
    }
    // SAFETY: per the contract, for every pointer read.
    unsafe {
        let call = call_options(js_ctx(js)?, jsOpts)?;
        let subject = read_str_or_empty(subject, "subject")?;
        let durable = read_str_or_empty(durable, "durable")?;
        let so = sub_options_from_c(opts)?;
        Ok((call.js, subject, durable, so))
    }
}

/// Creates a pull subscription on `subject`, read with
/// natsSubscription_Fetch or natsSubscription_FetchRequest (NextMsg is
/// refused). `durable` (may be NULL; else the config's Durable) names a
/// durable consumer, created if missing; without one the consumer is
/// ephemeral. `opts->Stream`/`Consumer` bind to an existing one. The
/// subscription is stored in `*sub` and belongs to the caller: free it
/// with natsSubscription_Destroy (Unsubscribe first also deletes a
/// consumer this call created). `jsOpts` (may be NULL) overrides the
/// context's for the lookups; `errCode` (may be NULL) gets the server's
/// error code.
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    jsOpts: *mut jsOptions,
    opts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_PullSubscribe", errCode, || {
            let (js, subject, durable, so) =
                subscribe_args(sub, js, subject, durable, jsOpts, opts)?;
            let s = pull_subscribe(&js, &subject, Some(&durable), &so)?;
            Out::new(sub, "subscription output")?.set(to_c(s));
            Ok(())
        })
    }
}

/// Shared body of the fetch calls: the list is cleared first, filled on
/// success (the caller frees it with natsMsgList_Destroy).
///
/// # Safety
/// `list` NULL or writable, `sub` NULL or a live handle.
unsafe fn fetch_into(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    f: impl FnOnce(&Subscription) -> Result<Vec<crate::client::Message>, JsError>,
) -> Result<(), JsError> {
    if list.is_null() {
        return Err(null_arg("message list").into());
    }
    // SAFETY: non-NULL and writable per the contract.
    unsafe {
        list.write(natsMsgList {
            Msgs: std::ptr::null_mut(),
            Count: 0,
        })
    };
    // SAFETY: per the contract.
    let s = unsafe { borrow(sub) }?;
    let msgs = f(&s)?;
    let l = new_msg_list(msgs)?;
    // SAFETY: as above.
    unsafe { list.write(l) };
    Ok(())
}

/// Fetches up to `batch` messages within `timeout` milliseconds from a
/// pull subscription: messages already received first, then a request
/// that returns what the server has, then (if it had none) one that
/// waits. NATS_OK with 1 to `batch` messages in `list` (the caller frees
/// it with natsMsgList_Destroy), NATS_TIMEOUT with none; NATS_INVALID_ARG
/// for a NULL argument or a batch below 1, NATS_INVALID_TIMEOUT for a
/// timeout below 1, NATS_INVALID_SUBSCRIPTION for a subscription that is
/// not a pull one, NATS_ERR when another fetch is under way.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Fetch(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    batch: c_int,
    timeout: i64,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("natsSubscription_Fetch", errCode, || {
            fetch_into(list, sub, |s| pull::fetch(s, i64::from(batch), timeout))
        })
    }
}

/// Like natsSubscription_Fetch with every option of `request` (see
/// jsFetchRequest): it waits for its expiry unless the server ends it
/// earlier (NoWait, MaxBytes, ...). NATS_MISSED_HEARTBEAT when heartbeats
/// were asked for and stopped; NATS_LIMIT_REACHED or the server's error
/// (with its text) when it refused the request and nothing was fetched.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_FetchRequest(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    request: *mut jsFetchRequest,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard(
            "natsSubscription_FetchRequest",
            std::ptr::null_mut(),
            || {
                if request.is_null() {
                    if !list.is_null() {
                        list.write(natsMsgList {
                            Msgs: std::ptr::null_mut(),
                            Count: 0,
                        });
                    }
                    return Err(null_arg("fetch request").into());
                }
                let req = fetch_request_from_c(&*request)?;
                fetch_into(list, sub, |s| pull::fetch_request(s, &req))
            },
        )
    }
}

/// The complete handler of the C options, told the status with the
/// thread's last error set to its text (nats.c's handlers read it).
fn complete_handler(f: jsFetchCompleteHandler, closure: *mut c_void) -> Option<CompleteHandler> {
    let f = f?;
    let closure = Closure(closure);
    Some(Arc::new(
        move |c: &Connection, s: &Subscription, e: Option<&JsError>| {
            let cl = &closure;
            let status = match e {
                None => {
                    crate::ffi::boundary::clear_error();
                    natsStatus::NATS_OK
                }
                Some(e) => fail("js_PullSubscribeAsync", e.clone().into_client()),
            };
            // SAFETY: the user's handler with handles kept alive for the
            // call and their closure.
            unsafe { f(lend(c), lend(s), status, cl.0) }
        },
    ))
}

fn next_handler(f: jsFetchNextHandler, closure: *mut c_void) -> Option<NextHandler> {
    let f = f?;
    let closure = Closure(closure);
    Some(Arc::new(move |s: &Subscription| {
        let cl = &closure;
        let mut messages: c_int = 0;
        let mut max_bytes: i64 = 0;
        // SAFETY: the user's handler, given two writable locals, the
        // subscription for the call and their closure.
        let more = unsafe { f(&mut messages, &mut max_bytes, lend(s), cl.0) };
        more.then_some((i64::from(messages), max_bytes))
    }))
}

/// # Safety
/// `o`'s strings NULL or NUL-terminated.
unsafe fn async_options(o: &jsOptionsPullSubscribeAsync) -> Result<PullAsyncOptions, JsError> {
    Ok(PullAsyncOptions {
        timeout: millis(o.Timeout),
        max_messages: i64::from(o.MaxMessages),
        max_bytes: o.MaxBytes,
        no_wait: o.NoWait,
        heartbeat: millis(o.Heartbeat),
        // SAFETY: per the contract.
        group: unsafe { opt_str(o.Group) }?.unwrap_or_default().to_string(),
        min_pending: o.MinPending,
        min_ack_pending: o.MinAckPending,
        fetch_size: i64::from(o.FetchSize),
        keep_ahead: i64::from(o.KeepAhead),
        next: next_handler(o.NextHandler, o.NextHandlerClosure),
        complete: complete_handler(o.CompleteHandler, o.CompleteHandlerClosure),
    })
}

/// Creates a pull subscription that fetches by itself and calls `msgCB`
/// with each message (each belongs to the callback), as set by
/// `jsOpts->PullSubscribeAsync`: limits (Timeout, MaxMessages, MaxBytes,
/// NoWait), request sizing (FetchSize, default 128; KeepAhead; or a
/// NextHandler deciding each request), Heartbeat, priority groups, and a
/// CompleteHandler told once, after the last message, why it ended.
/// Unless `opts->ManualAck`, each message is acknowledged when `msgCB`
/// returns. The subscription is stored in `*newsub` and belongs to the
/// caller (natsSubscription_Destroy); closures must outlive it.
/// NATS_INVALID_ARG for NULL arguments or options that exclude each other
/// (KeepAhead with MaxBytes or NoWait, a Group the consumer does not have).
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribeAsync(
    newsub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    msgCB: natsMsgHandler,
    msgCBClosure: *mut c_void,
    jsOpts: *mut jsOptions,
    opts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_PullSubscribeAsync", errCode, || {
            if newsub.is_null() || msgCB.is_none() {
                return Err(JsError::invalid_arg(
                    "subscription output and callback required",
                ));
            }
            let o = match jsOpts.as_ref() {
                Some(o) => async_options(&o.PullSubscribeAsync)?,
                None => PullAsyncOptions::default(),
            };
            let (js, subject, durable, so) =
                subscribe_args(newsub, js, subject, durable, jsOpts, opts)?;
            let handler = msg_handler(msgCB, msgCBClosure).map_err(JsError::from)?;
            let s = pull_subscribe_async(&js, &subject, Some(&durable), handler, &o, &so)?;
            Out::new(newsub, "subscription output")?.set(to_c(s));
            Ok(())
        })
    }
}
