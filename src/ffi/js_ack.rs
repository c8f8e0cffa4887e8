//! Acknowledging JetStream messages and reading their metadata:
//! natsMsg_Ack, natsMsg_AckSync, natsMsg_Nak, natsMsg_NakWithDelay,
//! natsMsg_InProgress, natsMsg_Term, natsMsg_GetMetaData and
//! jsMsgMetaData_Destroy.
use std::time::Duration;

use crate::ffi::boundary::null_arg;
use crate::ffi::c_tree::{free_tree, into_c_tree, TreeStore};
use crate::ffi::handles::borrow;
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_types::{jsErrCode, jsMsgMetaData, jsOptions, jsSequencePair};
use crate::ffi::msg::natsMsg;
use crate::ffi::natsStatus;
use crate::jetstream::consume::ack::{acknowledge, AckKind, AckMode};
use crate::jetstream::consume::metadata::message_metadata;
use crate::jetstream::JsResult;

/// The wait a call's `jsOptions` asks for (NULL or non-positive: none).
///
/// # Safety
/// `opts` is NULL or a readable `jsOptions`.
unsafe fn wait_of(opts: *const jsOptions) -> Option<Duration> {
    // SAFETY: per the contract.
    let o = unsafe { opts.as_ref() }?;
    (o.Wait > 0).then(|| Duration::from_millis(o.Wait.unsigned_abs()))
}

/// # Safety
/// `msg` is NULL or a live message handle; `opts` NULL or readable.
unsafe fn ack(msg: *mut natsMsg, opts: *mut jsOptions, kind: AckKind, sync: bool) -> JsResult<()> {
    // SAFETY: per the contract.
    let m = unsafe { borrow(msg) }?;
    // SAFETY: per the contract.
    let wait = unsafe { wait_of(opts) };
    acknowledge(&m, kind, AckMode { sync, wait })
}

/// Acknowledges a message a JetStream subscription delivered, without
/// waiting for the server (with `opts->Wait` set, it waits that long for
/// the confirmation, as natsMsg_AckSync). A message already acknowledged
/// is left alone (NATS_OK). NATS_ILLEGAL_STATE for a message no JetStream
/// subscription delivered. `opts` may be NULL; the message stays the
/// caller's.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Ack(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_Ack", std::ptr::null_mut(), || {
            ack(msg, opts, AckKind::Ack, false)
        })
    }
}

/// Acknowledges a message and waits for the server to confirm it (up to
/// `opts->Wait`, or the context's wait). NATS_TIMEOUT when no confirmation
/// came; NATS_NO_RESPONDERS (with `errCode` JSNotEnabledErr) when nobody
/// serves the acknowledgement, e.g. its consumer was deleted.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_AckSync(
    msg: *mut natsMsg,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: handles per the API; `errCode` is NULL or writable.
    unsafe {
        js_guard("natsMsg_AckSync", errCode, || {
            ack(msg, opts, AckKind::Ack, true)
        })
    }
}

/// Tells the server the message was not processed: it is redelivered
/// (after the consumer's backoff, if any).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Nak(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_Nak", std::ptr::null_mut(), || {
            ack(msg, opts, AckKind::Nak(None), false)
        })
    }
}

/// Like natsMsg_Nak, with the redelivery `delay` milliseconds from now (0
/// or less: at once).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_NakWithDelay(
    msg: *mut natsMsg,
    delay: i64,
    opts: *mut jsOptions,
) -> natsStatus {
    let delay = (delay > 0).then(|| Duration::from_millis(delay.unsigned_abs()));
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_NakWithDelay", std::ptr::null_mut(), || {
            ack(msg, opts, AckKind::Nak(delay), false)
        })
    }
}

/// Tells the server the message is still being worked on: its ack wait
/// starts over. May be sent any number of times before the final ack.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_InProgress(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_InProgress", std::ptr::null_mut(), || {
            ack(msg, opts, AckKind::InProgress, false)
        })
    }
}

/// Tells the server never to redeliver the message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Term(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_Term", std::ptr::null_mut(), || {
            ack(msg, opts, AckKind::Term, false)
        })
    }
}

/// Reads what a JetStream message's reply subject tells (stream, consumer,
/// sequences, delivery count, pending count, time, domain). On NATS_OK
/// `*new_meta` is the caller's, freed with jsMsgMetaData_Destroy.
/// NATS_ILLEGAL_STATE for a message no subscription delivered or without
/// a reply subject; NATS_ERR for a reply that is not JetStream's.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetMetaData(
    new_meta: *mut *mut jsMsgMetaData,
    msg: *mut natsMsg,
) -> natsStatus {
    // SAFETY: handles per the API.
    unsafe {
        js_guard("natsMsg_GetMetaData", std::ptr::null_mut(), || {
            if new_meta.is_null() {
                return Err(null_arg("the metadata out-parameter").into());
            }
            let m = message_metadata(&*borrow(msg)?)?;
            let mut st = TreeStore::default();
            let c = jsMsgMetaData {
                Sequence: jsSequencePair {
                    Consumer: m.sequence.consumer,
                    Stream: m.sequence.stream,
                },
                NumDelivered: m.num_delivered,
                NumPending: m.num_pending,
                Timestamp: m.timestamp,
                Stream: st.str(&m.stream).cast_mut(),
                Consumer: st.str(&m.consumer).cast_mut(),
                Domain: st.str_or_null(&m.domain).cast_mut(),
            };
            new_meta.write(into_c_tree(c, st));
            Ok(())
        })
    }
}

/// Frees metadata from natsMsg_GetMetaData, strings included. NULL is
/// ignored.
#[no_mangle]
pub unsafe extern "C" fn jsMsgMetaData_Destroy(meta: *mut jsMsgMetaData) {
    // SAFETY: NULL or a tree from natsMsg_GetMetaData, per the API.
    unsafe { free_tree(meta) }
}
