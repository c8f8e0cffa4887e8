//! The one place where the JetStream handles (`jsCtx*`,
//! `jsAtomicBatchCtx*`) turn back into Rust objects.
//!
//! A `jsCtx*` is the address of an `Arc<JsCtx>`: the user owns one
//! reference (released by jsCtx_Destroy) and a running ack handler holds
//! another, so the context a handler is given stays valid while it runs
//! even if another thread destroys it (nats.c allows that). A
//! `jsAtomicBatchCtx*` is a `Box<AtomicBatch>` the user owns alone.
use std::sync::Arc;

use crate::ffi::js_context::JsCtx;
use crate::ffi::js_types::{jsAtomicBatchCtx, jsCtx};
use crate::jetstream::batch::AtomicBatch;
use crate::jetstream::JsError;

/// Hands a new context to C.
pub(crate) fn ctx_into_raw(ctx: Arc<JsCtx>) -> *mut jsCtx {
    Arc::into_raw(ctx).cast_mut().cast::<jsCtx>()
}

/// The handle of a context C already holds (for its callbacks).
pub(crate) fn ctx_ptr(ctx: &Arc<JsCtx>) -> *mut jsCtx {
    Arc::as_ptr(ctx).cast_mut().cast::<jsCtx>()
}

/// Borrows the context behind a handle for one call.
///
/// # Safety
/// `p` is NULL or a live handle from natsConnection_JetStream.
pub(crate) unsafe fn js_ctx<'a>(p: *mut jsCtx) -> Result<&'a JsCtx, JsError> {
    if p.is_null() {
        return Err(JsError::invalid_arg("the JetStream context is NULL"));
    }
    // SAFETY: a live handle is the data pointer of an `Arc<JsCtx>` whose
    // user reference outlives the call.
    Ok(unsafe { &*p.cast_const().cast::<JsCtx>() })
}

/// A reference of its own to the context behind a handle, for a call that
/// may outlive a jsCtx_Destroy from another thread (a wait).
///
/// # Safety
/// As for [`js_ctx`].
pub(crate) unsafe fn js_ctx_arc(p: *mut jsCtx) -> Result<Arc<JsCtx>, JsError> {
    if p.is_null() {
        return Err(JsError::invalid_arg("the JetStream context is NULL"));
    }
    let p = p.cast_const().cast::<JsCtx>();
    // SAFETY: `p` came from `Arc::into_raw` and its user reference is
    // alive, so adding one and taking that one back is balanced.
    unsafe {
        Arc::increment_strong_count(p);
        Ok(Arc::from_raw(p))
    }
}

/// Takes back the user's reference to a context.
///
/// # Safety
/// `p` is a live, non-NULL handle, released only once.
pub(crate) unsafe fn ctx_release(p: *mut jsCtx) -> Arc<JsCtx> {
    // SAFETY: guaranteed by the caller.
    unsafe { Arc::from_raw(p.cast_const().cast::<JsCtx>()) }
}

/// Hands a new batch to C.
pub(crate) fn batch_into_raw(b: AtomicBatch) -> *mut jsAtomicBatchCtx {
    Box::into_raw(Box::new(b)).cast::<jsAtomicBatchCtx>()
}

/// Borrows the batch behind a handle for one call.
///
/// # Safety
/// `p` is NULL or a live handle from js_BatchPublishStart.
pub(crate) unsafe fn batch<'a>(p: *mut jsAtomicBatchCtx) -> Result<&'a AtomicBatch, JsError> {
    if p.is_null() {
        return Err(JsError::invalid_arg("the batch context is NULL"));
    }
    // SAFETY: a live handle is a `Box<AtomicBatch>` the user still owns.
    Ok(unsafe { &*p.cast_const().cast::<AtomicBatch>() })
}

/// Takes back a batch.
///
/// # Safety
/// `p` is a live, non-NULL handle, released only once.
pub(crate) unsafe fn batch_release(p: *mut jsAtomicBatchCtx) -> Box<AtomicBatch> {
    // SAFETY: guaranteed by the caller.
    unsafe { Box::from_raw(p.cast::<AtomicBatch>()) }
}
