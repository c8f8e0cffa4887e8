//! Atomic batch publishing (server 2.12+): js_BatchPublishStart,
//! js_BatchPublishAdd, js_BatchPublishCommit, jsAtomicBatchCtx_Destroy.
//! Each message is a synchronous request; the stream stores none of the
//! batch until the commit, and none at all if the batch is abandoned.
use crate::ffi::handles::borrow_mut;
use crate::ffi::handles::{release, to_c};
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_handles::{batch, js_ctx};
use crate::ffi::js_publish::{put_ack, read_pub_options, MaxWait};
use crate::ffi::js_types::{jsAtomicBatchCtx, jsCtx, jsErrCode, jsPubAck, jsPubOptions};
use crate::ffi::msg::{forget_header_strings, natsMsg};
use crate::ffi::natsStatus;
use crate::jetstream::{AtomicBatch, JsError};

/// Sends one message of a batch; `commit` marks it as the last.
///
/// # Safety
/// Arguments as the batch exports take them.
unsafe fn send(
    b: &AtomicBatch,
    pub_ack: *mut *mut jsPubAck,
    msg: *mut natsMsg,
    opts: *const jsPubOptions,
    commit: bool,
) -> Result<(), JsError> {
    // SAFETY: NULL or a live message the caller lends for the call.
    let mut m = unsafe { borrow_mut(msg) }?;
    // SAFETY: NULL or readable per the API.
    let o = unsafe { read_pub_options(opts, MaxWait::Refuse) }?;
    // The batch headers change the message: C strings lent before are stale.
    forget_header_strings(msg, &m);
    let ack = if commit {
        b.commit(&mut m, &o)
    } else {
        b.add(&mut m, &o)
    }?;
    // SAFETY: NULL or writable per the API.
    unsafe { put_ack(pub_ack, ack) };
    Ok(())
}

/// Starts an atomic batch on `js` and sends `msg` as its first message
/// (the stream needs `AllowAtomicPublish`). `*ctx` is set even when
/// sending fails: the caller always frees it with
/// jsAtomicBatchCtx_Destroy. The message stays the caller's; the batch
/// headers (and those `opts` asks for) are set on it. The stream answers
/// a message that does not commit with an empty ack: `*pubAck` (when
/// `pubAck` is not NULL) is then NULL. `errCode` (may be NULL) gets the
/// server's error code. Status: NATS_INVALID_ARG for a NULL `ctx`, `js`
/// or `msg`, otherwise as js_PublishMsg.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishStart(
    ctx: *mut *mut jsAtomicBatchCtx,
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_BatchPublishStart", errCode, || {
            let c = js_ctx(js)?;
            if ctx.is_null() || msg.is_null() {
                return Err(JsError::invalid_arg(
                    "the batch out-parameter or the message is NULL",
                ));
            }
            let handle = to_c(Box::new(c.js.atomic_batch()));
            ctx.write(handle);
            send(batch(handle)?, pubAck, msg, opts, false).map_err(|e| e.at("js_BatchPublishStart"))
        })
    }
}

/// Sends the next message of the batch and waits for the stream's answer
/// (an empty ack: `*pubAck` is NULL). Calls on one batch are serialised.
/// Ownership, headers and statuses as js_BatchPublishStart; a message the
/// stream refuses makes it abandon the whole batch.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishAdd(
    pubAck: *mut *mut jsPubAck,
    ctx: *mut jsAtomicBatchCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_BatchPublishAdd", errCode, || {
            send(batch(ctx)?, pubAck, msg, opts, false).map_err(|e| e.at("js_BatchPublishAdd"))
        })
    }
}

/// Sends the last message of the batch, which makes the stream store the
/// whole batch. On NATS_OK `*pubAck` (when `pubAck` is not NULL) is the
/// ack, whose `Batch` and `Count` name the batch and its size, freed with
/// jsPubAck_Destroy. The batch context is still freed with
/// jsAtomicBatchCtx_Destroy. Ownership and statuses as js_BatchPublishAdd.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishCommit(
    pubAck: *mut *mut jsPubAck,
    ctx: *mut jsAtomicBatchCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_BatchPublishCommit", errCode, || {
            send(batch(ctx)?, pubAck, msg, opts, true).map_err(|e| e.at("js_BatchPublishCommit"))
        })
    }
}

/// Frees a batch context (NULL does nothing). A batch not committed is
/// abandoned: the stream discards what it staged (after its own timeout).
#[no_mangle]
pub unsafe extern "C" fn jsAtomicBatchCtx_Destroy(ctx: *mut jsAtomicBatchCtx) {
    // SAFETY: NULL or a live handle the user gives up here.
    drop(unsafe { release(ctx) });
}
