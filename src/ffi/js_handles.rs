//! The JetStream handles (`jsCtx*`, `jsAtomicBatchCtx*`) on the shell's one
//! `Castable` trait (`handles.rs`), and their borrows for a call.
//!
//! A `jsCtx*` is the address of an `Arc<JsCtx>`: the user owns one
//! reference (released by jsCtx_Destroy) and a running ack handler holds
//! another, so the context a handler is given stays valid while it runs
//! even if another thread destroys it (nats.c allows that). A
//! `jsAtomicBatchCtx*` is a `Box<AtomicBatch>` the user owns alone.
use std::sync::Arc;

use crate::ffi::boundary::null_arg;
use crate::ffi::handles::{borrow, Castable, Exclusive, Shared};
use crate::ffi::js_context::JsCtx;
use crate::ffi::js_types::{jsAtomicBatchCtx, jsCtx};
use crate::jetstream::batch::AtomicBatch;
use crate::jetstream::JsError;

// SAFETY: the pointer is `Arc::into_raw` of the context, taken back with
// `Arc::from_raw`; the Arc keeps the context at one address.
unsafe impl Castable for jsCtx {
    type Rust = Arc<JsCtx>;
    const WHAT: &'static str = "JetStream context";

    fn into_ptr(ctx: Arc<JsCtx>) -> *mut jsCtx {
        Arc::into_raw(ctx).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut jsCtx) -> Arc<JsCtx> {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of a
        // `JsCtx`, and this reference is taken back once.
        unsafe { Arc::from_raw(p.cast_const().cast::<JsCtx>()) }
    }
}

impl Shared for jsCtx {
    fn as_ptr(ctx: &Arc<JsCtx>) -> *mut jsCtx {
        Arc::as_ptr(ctx).cast_mut().cast()
    }
}

// SAFETY: `Box::into_raw` and `Box::from_raw` of the same type; a box does
// not move its contents.
unsafe impl Castable for jsAtomicBatchCtx {
    type Rust = Box<AtomicBatch>;
    const WHAT: &'static str = "batch context";

    fn into_ptr(b: Box<AtomicBatch>) -> *mut jsAtomicBatchCtx {
        Box::into_raw(b).cast()
    }

    unsafe fn from_ptr(p: *mut jsAtomicBatchCtx) -> Box<AtomicBatch> {
        // SAFETY: `p` came from `into_ptr` and is taken back once.
        unsafe { Box::from_raw(p.cast::<AtomicBatch>()) }
    }
}

impl Exclusive for jsAtomicBatchCtx {}

/// Borrows the context behind a handle for one call. Contexts are used
/// from many threads at once, so this is a shared reference.
///
/// # Safety
/// `p` is NULL or a live handle from natsConnection_JetStream.
pub(crate) unsafe fn js_ctx<'a>(p: *mut jsCtx) -> Result<&'a JsCtx, JsError> {
    // SAFETY: a live handle is the data pointer of an `Arc<JsCtx>` whose
    // user reference outlives the call.
    unsafe { p.cast_const().cast::<JsCtx>().as_ref() }.ok_or_else(|| null_arg(jsCtx::WHAT).into())
}

/// A reference of its own to the context behind a handle, for a call that
/// may outlive a jsCtx_Destroy from another thread (a wait).
///
/// # Safety
/// As for [`js_ctx`].
pub(crate) unsafe fn js_ctx_arc(p: *mut jsCtx) -> Result<Arc<JsCtx>, JsError> {
    // SAFETY: per the contract; the clone is a reference of our own.
    Ok(Arc::clone(&*unsafe { borrow(p) }?))
}

/// Borrows the batch behind a handle for one call.
///
/// # Safety
/// `p` is NULL or a live handle from js_BatchPublishStart.
pub(crate) unsafe fn batch<'a>(p: *mut jsAtomicBatchCtx) -> Result<&'a AtomicBatch, JsError> {
    // SAFETY: a live handle is a `Box<AtomicBatch>` the user still owns.
    unsafe { p.cast_const().cast::<AtomicBatch>().as_ref() }
        .ok_or_else(|| null_arg(jsAtomicBatchCtx::WHAT).into())
}
