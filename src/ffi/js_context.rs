//! The JetStream context exports: natsConnection_JetStream, jsCtx_Destroy,
//! jsOptions_Init, and the per-call `jsOptions` every JetStream call takes,
//! plus js_GetAccountInfo.
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Connection;
use crate::ffi::boundary::{guard, null_arg, Out};
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str_or_empty, TreeStore};
use crate::ffi::handles::{borrow, natsConnection, release, to_c};
use crate::ffi::js_boundary::js_guard;
pub(crate) use crate::ffi::js_handles::js_ctx;
use crate::ffi::js_publish_async::{read_publish_async, CtxCell};
use crate::ffi::js_types::{
    jsAPIStats, jsAccountInfo, jsAccountLimits, jsCtx, jsErrCode, jsOptions, jsTier,
};
use crate::ffi::status::natsStatus;
use crate::jetstream::account::{AccountInfo, AccountLimits};
use crate::jetstream::{JetStream, JsError, JsOptions};

/// The defaults of js_PurgeStream a context keeps (`jsOptions.Stream.Purge`).
#[derive(Debug, Clone, Default)]
pub(crate) struct PurgeDefaults {
    pub(crate) subject: String,
    pub(crate) sequence: u64,
    pub(crate) keep: u64,
}

/// The defaults of js_GetStreamInfo a context keeps (`jsOptions.Stream.Info`).
#[derive(Debug, Clone, Default)]
pub(crate) struct InfoDefaults {
    pub(crate) deleted_details: bool,
    pub(crate) subjects_filter: String,
}

/// What a `jsCtx *` points to: the Rust context and the defaults of the
/// calls that read them from `jsOptions`.
pub(crate) struct JsCtx {
    pub(crate) js: JetStream,
    pub(crate) purge: PurgeDefaults,
    pub(crate) info: InfoDefaults,
}

/// Milliseconds from a `jsOptions` field; negative is refused.
fn millis(ms: i64, what: &str) -> Result<Duration, JsError> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| JsError::invalid_arg(format!("option '{what}' ({ms}) cannot be negative")))
}

/// Reads the strings and defaults of a context's `jsOptions` (NULL: none).
/// Its async publish handlers report the context `cell` will hold.
///
/// # Safety
/// `o` is NULL or a readable `jsOptions` whose strings are NUL-terminated.
unsafe fn read_ctx_options(
    o: *const jsOptions,
    cell: &CtxCell,
) -> Result<(JsOptions, PurgeDefaults, InfoDefaults), JsError> {
    let mut opts = JsOptions::default();
    // SAFETY: NULL or readable per the contract.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok((opts, PurgeDefaults::default(), InfoDefaults::default()));
    };
    let wait = millis(o.Wait, "Wait")?;
    if !wait.is_zero() {
        opts.wait = wait;
    }
    opts.publish_async = read_publish_async(&o.PublishAsync, cell)?;
    // SAFETY: the strings are NULL or NUL-terminated per the contract.
    unsafe {
        opts.prefix = read_str_or_empty(o.Prefix, "Prefix")?;
        opts.domain = read_str_or_empty(o.Domain, "Domain")?;
    }
    // SAFETY: as above.
    let (purge, info) = unsafe { read_stream_options(o) }?;
    Ok((opts, purge, info))
}

/// The `Stream.Purge` and `Stream.Info` groups of a `jsOptions`.
///
/// # Safety
/// As for [`read_ctx_options`], with `o` not NULL.
unsafe fn read_stream_options(o: &jsOptions) -> Result<(PurgeDefaults, InfoDefaults), JsError> {
    let p = &o.Stream.Purge;
    let i = &o.Stream.Info;
    // SAFETY: NULL or NUL-terminated per the contract.
    let (subject, filter) = unsafe {
        (
            read_str_or_empty(p.Subject, "Stream.Purge.Subject")?,
            read_str_or_empty(i.SubjectsFilter, "Stream.Info.SubjectsFilter")?,
        )
    };
    Ok((
        PurgeDefaults {
            subject,
            sequence: p.Sequence,
            keep: p.Keep,
        },
        InfoDefaults {
            deleted_details: i.DeletedDetails,
            subjects_filter: filter,
        },
    ))
}

/// One call's options over the context's: nats.c's rule is that a domain
/// or prefix replaces the context's, a positive `Wait` its timeout, a
/// purge group with any field set the context's purge defaults, and the
/// stream info group of a given `jsOptions` always replaces the context's
/// (unset fields included).
pub(crate) struct CallOptions {
    pub(crate) js: JetStream,
    pub(crate) purge: PurgeDefaults,
    pub(crate) info: InfoDefaults,
}

/// # Safety
/// `o` is NULL or a readable `jsOptions` whose strings are NUL-terminated.
pub(crate) unsafe fn call_options(
    ctx: &JsCtx,
    o: *const jsOptions,
) -> Result<CallOptions, JsError> {
    // SAFETY: NULL or readable per the contract.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok(CallOptions {
            js: ctx.js.clone(),
            purge: ctx.purge.clone(),
            info: ctx.info.clone(),
        });
    };
    // SAFETY: as above.
    let (prefix, domain) = unsafe {
        (
            read_str_or_empty(o.Prefix, "Prefix")?,
            read_str_or_empty(o.Domain, "Domain")?,
        )
    };
    let wait = (o.Wait > 0).then(|| Duration::from_millis(o.Wait.unsigned_abs()));
    // SAFETY: as above.
    let (purge, info) = unsafe { read_stream_options(o) }?;
    let purge_set = !purge.subject.is_empty() || purge.sequence > 0 || purge.keep > 0;
    Ok(CallOptions {
        js: ctx.js.with_call(&prefix, &domain, wait),
        purge: if purge_set { purge } else { ctx.purge.clone() },
        info,
    })
}

/// Zeroes `opts`, which then means "the defaults" wherever a `jsOptions`
/// is taken (a 5 s wait, the `$JS.API` prefix, no limits on async
/// publishing). Fields are set after this call.
#[no_mangle]
pub unsafe extern "C" fn jsOptions_Init(opts: *mut jsOptions) -> natsStatus {
    guard("jsOptions_Init", || {
        if opts.is_null() {
            return Err(null_arg("options"));
        }
        // SAFETY: non-NULL and writable per the API; all-zero is a valid
        // `jsOptions` (NULL pointers, `None` callbacks, zero numbers).
        unsafe { ptr::write_bytes(opts, 0, 1) };
        Ok(())
    })
}

/// Makes a JetStream context that sends its API calls through `nc`, with
/// `opts` (NULL: the defaults; strings are copied, the async publish
/// handlers and their closures kept). The caller frees the context with
/// jsCtx_Destroy, before or after the connection: the context holds a
/// reference of its own, so once natsConnection_Destroy has closed the
/// connection, the context's calls fail with NATS_CONNECTION_CLOSED.
///
/// Status: NATS_INVALID_ARG when `js` or `nc` is NULL or `opts.Wait` or
/// `opts.PublishAsync.StallWait` is negative.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_JetStream(
    js: *mut *mut jsCtx,
    nc: *mut natsConnection,
    opts: *mut jsOptions,
) -> natsStatus {
    // SAFETY: NULL is passed for the error code: this call has none.
    unsafe {
        js_guard("natsConnection_JetStream", ptr::null_mut(), || {
            let mut out = Out::new(js, "context output")?;
            let c = borrow(nc)?;
            let cell = CtxCell::default();
            let (o, purge, info) = read_ctx_options(opts, &cell)?;
            let ctx = Arc::new(JsCtx {
                js: JetStream::new(Connection::clone(&c), o)?,
                purge,
                info,
            });
            // The handlers learn their context only now that it exists;
            // none can run before the first async publish.
            let _ = cell.set(Arc::downgrade(&ctx));
            out.set(to_c(ctx));
            Ok(())
        })
    }
}

/// Frees a JetStream context (NULL does nothing). Asynchronous publishing
/// ends: its reply subscription goes, and the messages still awaiting
/// their ack are freed without any handler being called. A handler
/// running meanwhile on another thread finishes with its context intact
/// (the context is freed after it returns), and a waiting
/// js_PublishAsyncComplete returns. Batches started from the context stay
/// usable until their own jsAtomicBatchCtx_Destroy. The connection stays
/// open; it is closed only by its own natsConnection_Destroy.
#[no_mangle]
pub unsafe extern "C" fn jsCtx_Destroy(js: *mut jsCtx) {
    // SAFETY: NULL or a live handle whose user reference is given up here.
    if let Some(ctx) = unsafe { release(js) } {
        ctx.js.close();
    }
}

/// Asks the server for the account's JetStream usage and limits. On
/// NATS_OK `*ai` is a new jsAccountInfo the caller frees with
/// jsAccountInfo_Destroy. `opts` (may be NULL) overrides the context's
/// prefix, domain and wait for this call; `errCode` (may be NULL) gets the
/// server's error code. NATS_NO_RESPONDERS (code JSNotEnabledErr) when
/// nobody serves the JetStream API.
#[no_mangle]
pub unsafe extern "C" fn js_GetAccountInfo(
    ai: *mut *mut jsAccountInfo,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_GetAccountInfo", errCode, || {
            if ai.is_null() {
                return Err(JsError::invalid_arg(
                    "the account info out-parameter is NULL",
                ));
            }
            let call = call_options(js_ctx(js)?, opts)?;
            let info = call
                .js
                .account_info()
                .map_err(|e| e.at("js_GetAccountInfo"))?;
            ai.write(account_info_to_c(&info));
            Ok(())
        })
    }
}

/// Frees what js_GetAccountInfo returned (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsAccountInfo_Destroy(ai: *mut jsAccountInfo) {
    // SAFETY: NULL or a tree from js_GetAccountInfo, given up here.
    unsafe { free_tree(ai) }
}

fn limits_to_c(l: &AccountLimits) -> jsAccountLimits {
    jsAccountLimits {
        MaxMemory: l.max_memory,
        MaxStore: l.max_storage,
        MaxStreams: l.max_streams,
        MaxConsumers: l.max_consumers,
        MaxAckPending: l.max_ack_pending,
        MemoryMaxStreamBytes: l.memory_max_stream_bytes,
        StoreMaxStreamBytes: l.storage_max_stream_bytes,
        MaxBytesRequired: l.max_bytes_required,
    }
}

fn account_info_to_c(info: &AccountInfo) -> *mut jsAccountInfo {
    let mut st = TreeStore::default();
    let tiers: Vec<jsTier> = info
        .tiers
        .iter()
        .map(|(name, t)| jsTier {
            Name: st.str(name),
            Memory: t.memory,
            Store: t.storage,
            Streams: t.streams,
            Consumers: t.consumers,
            Limits: limits_to_c(&t.limits),
        })
        .collect();
    let tiers_len = tiers.len();
    let root = jsAccountInfo {
        Memory: info.memory,
        Store: info.storage,
        Streams: info.streams,
        Consumers: info.consumers,
        Domain: st.str_or_null(&info.domain).cast_mut(),
        API: jsAPIStats {
            Total: info.api.total,
            Errors: info.api.errors,
        },
        Limits: limits_to_c(&info.limits),
        Tiers: st.ptr_array(tiers),
        TiersLen: c_int_len(tiers_len),
    };
    into_c_tree(root, st)
}

/// A list length for a C `int` count (lists this long cannot come from a
/// server's answer, which is bounded by the max payload).
pub(crate) fn c_int_len(n: usize) -> std::ffi::c_int {
    std::ffi::c_int::try_from(n).unwrap_or(std::ffi::c_int::MAX)
}
