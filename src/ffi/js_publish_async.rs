//! Asynchronous JetStream publishing: the `jsOptions.PublishAsync` handlers
//! as Rust closures, and js_PublishAsync, js_PublishMsgAsync,
//! js_PublishAsyncComplete, js_PublishAsyncGetPendingList.
//!
//! Handlers run on the context's reply subscription thread, one at a time,
//! in the order the acks arrive, with no lock of the library held; they may
//! publish (js_PublishMsgAsync) and even destroy the context.
use std::ffi::{c_char, c_int, c_void, CString};
use std::mem::MaybeUninit;
use std::ptr::{self, addr_of, addr_of_mut};
use std::sync::{Arc, OnceLock, Weak};

use crate::client::{ErrorKind, Message};
use crate::ffi::boundary::guard_status;
use crate::ffi::c_tree::free_tree;
use crate::ffi::connection::{c_string_bytes, payload};
use crate::ffi::handles::lend;
use crate::ffi::handles::{release, to_c};
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_context::JsCtx;
use crate::ffi::js_handles::{js_ctx, js_ctx_arc};
use crate::ffi::js_publish::{pub_ack_to_c, read_pub_options, MaxWait};
use crate::ffi::js_types::{
    jsCtx, jsOptionsPublishAsync, jsPubAck, jsPubAckErr, jsPubOptions, write_c_enum_raw,
};
use crate::ffi::msg::{natsMsg, natsMsgList, new_msg_list};
use crate::ffi::natsStatus;
use crate::jetstream::pub_options::millis_option;
use crate::jetstream::publish_async::{AckHandler, ErrHandler};
use crate::jetstream::{JetStream, JsError, PubAck, PubAckErr, PublishAsyncOptions};

/// Where a context's handlers find the context they report: filled in once
/// the context is in its `Arc`, after the options that hold the handlers
/// were read. Weak, so the handlers do not keep their own context alive.
pub(crate) type CtxCell = Arc<OnceLock<Weak<JsCtx>>>;

/// The user's closure pointer, handed back to the user's handler as is.
/// Sound to send: the library never dereferences it, and nats.c's
/// contract already has these handlers called from a library thread, so
/// whatever it points to is the user's to make safe for that.
#[derive(Clone, Copy)]
struct Closure(*mut c_void);
// SAFETY: see above; the pointer is only passed back to C.
unsafe impl Send for Closure {}
// SAFETY: as above; it is only copied, never dereferenced here.
unsafe impl Sync for Closure {}

/// Reads `jsOptions.PublishAsync`. As in nats.c an ack handler replaces
/// the error handler.
///
/// # Safety
/// `o` was filled in by C (any callback pointer must be callable as its
/// type says, with its closure, from a library thread).
pub(crate) unsafe fn read_publish_async(
    o: &jsOptionsPublishAsync,
    cell: &CtxCell,
) -> Result<PublishAsyncOptions, JsError> {
    let mut p = PublishAsyncOptions {
        max_pending: o.MaxPending,
        stall_wait: millis_option("PublishAsyncStallWait", o.StallWait)?,
        mux_replies: o.MuxReplies,
        ..PublishAsyncOptions::default()
    };
    if let Some(f) = o.AckHandler {
        p.ack_handler = Some(ack_handler(f, Closure(o.AckHandlerClosure), cell.clone()));
    } else if let Some(f) = o.ErrHandler {
        p.err_handler = Some(err_handler(f, Closure(o.ErrHandlerClosure), cell.clone()));
    }
    Ok(p)
}

/// The function pointers of `jsPubAckHandler` and `jsPubAckErrHandler`.
type AckFn =
    unsafe extern "C" fn(*mut jsCtx, *mut natsMsg, *mut jsPubAck, *mut jsPubAckErr, *mut c_void);
type ErrFn = unsafe extern "C" fn(*mut jsCtx, *mut jsPubAckErr, *mut c_void);

/// The C view of a failure, lent for a handler call. Built field by field
/// so that a server code nats.c's enum does not list is stored as the int
/// it is, without ever making a Rust `jsErrCode` of it.
struct CPubAckErr {
    slot: MaybeUninit<jsPubAckErr>,
    _text: CString,
}

impl CPubAckErr {
    fn new(msg: *mut natsMsg, e: &PubAckErr) -> Box<CPubAckErr> {
        let text = CString::new(e.err_text.replace('\0', " ")).unwrap_or_default();
        let mut b = Box::new(CPubAckErr {
            slot: MaybeUninit::uninit(),
            _text: text,
        });
        let text_ptr: *const c_char = b._text.as_ptr();
        let p = b.slot.as_mut_ptr();
        // SAFETY: `p` is the box's own, aligned, writable slot; each field
        // is written through a raw pointer, none is read.
        unsafe {
            addr_of_mut!((*p).Msg).write(msg);
            addr_of_mut!((*p).Err).write(natsStatus::from(e.err));
            write_c_enum_raw(addr_of_mut!((*p).ErrCode), c_int::from(e.err_code));
            addr_of_mut!((*p).ErrText).write(text_ptr);
        }
        b
    }

    fn as_ptr(&mut self) -> *mut jsPubAckErr {
        self.slot.as_mut_ptr()
    }

    /// What the handler left in `Msg`.
    fn msg(&self) -> *mut natsMsg {
        // SAFETY: `Msg` was written in `new`; C may have replaced it with
        // another pointer, which is read as a plain value.
        unsafe { addr_of!((*self.slot.as_ptr()).Msg).read() }
    }
}

/// The context a handler reports, held for the call; `None` once
/// jsCtx_Destroy has let it go.
fn context(cell: &CtxCell) -> Option<Arc<JsCtx>> {
    cell.get().and_then(Weak::upgrade)
}

fn ack_handler(f: AckFn, closure: Closure, cell: CtxCell) -> AckHandler {
    Arc::new(
        move |_js: &JetStream, msg: Message, outcome: Result<&PubAck, &PubAckErr>| {
            // Without a context (destroyed meanwhile) the message is dropped,
            // as nats.c drops those it still held.
            let Some(ctx) = context(&cell) else { return };
            let closure = closure;
            let m = to_c(msg);
            match outcome {
                Ok(ack) => {
                    let pa = pub_ack_to_c(ack);
                    // SAFETY: the user's handler, called as its type says; the
                    // message is its to keep, `pa` is lent for the call.
                    unsafe { f(lend::<jsCtx>(&ctx), m, pa, ptr::null_mut(), closure.0) };
                    // SAFETY: the tree made above, no longer lent.
                    unsafe { free_tree(pa) };
                }
                Err(e) => {
                    // nats.c leaves `Msg` NULL here: the message is `msg`.
                    let mut pae = CPubAckErr::new(ptr::null_mut(), e);
                    // SAFETY: as above, with `pae` lent for the call.
                    unsafe {
                        f(
                            lend::<jsCtx>(&ctx),
                            m,
                            ptr::null_mut(),
                            pae.as_ptr(),
                            closure.0,
                        )
                    };
                }
            }
        },
    )
}

fn err_handler(f: ErrFn, closure: Closure, cell: CtxCell) -> ErrHandler {
    Arc::new(move |_js: &JetStream, e: &mut PubAckErr| {
        let Some(ctx) = context(&cell) else { return };
        let closure = closure;
        let m = e.msg.take().map_or(ptr::null_mut(), to_c);
        let mut pae = CPubAckErr::new(m, e);
        // SAFETY: the user's handler, called as its type says; `pae` and
        // the message in it are lent for the call.
        unsafe { f(lend::<jsCtx>(&ctx), pae.as_ptr(), closure.0) };
        // nats.c's rule: the library frees the message unless the handler
        // changed `Msg` (a resend through js_PublishMsgAsync took it and
        // set it to NULL).
        if !m.is_null() && pae.msg() == m {
            // SAFETY: the handle made above, still ours.
            e.msg = unsafe { release(m) };
        }
    })
}

/// Publishes `dataLen` bytes of `data` to `subj` without waiting for the
/// ack (the data is copied). The ack is handled later, on a library
/// thread, by the context's `PublishAsync.AckHandler` or, for a failure,
/// its `ErrHandler`. `opts` (may be NULL) is read during the call; its
/// `MaxWait` (ms, 0 or negative: none) gives the ack a deadline, after
/// which the handlers see NATS_TIMEOUT.
///
/// Status: NATS_INVALID_ARG for a NULL `js`, a NULL or empty `subj`, bad
/// data arguments, or a negative `MsgTTL` or `Schedule.TTL`; NATS_TIMEOUT
/// when `MaxPending` acks were still awaited after `StallWait`.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsync(
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
) -> natsStatus {
    // SAFETY: arguments per the API; this call has no error code.
    unsafe {
        js_guard("js_PublishAsync", ptr::null_mut(), || {
            let ctx = js_ctx(js)?;
            let subject = c_string_bytes(subj);
            if subject.is_empty() {
                return Err(JsError::invalid_arg("the subject is NULL or empty"));
            }
            let msg = Message::try_new(subject, None, payload(data, dataLen)?)?;
            let o = read_pub_options(opts, MaxWait::Ignore)?;
            ctx.js
                .publish_msg_async(msg, &o)
                .map_err(|u| u.error.at("js_PublishAsync"))
        })
    }
}

/// Publishes `*msg` without waiting for its ack. On NATS_OK the library
/// owns the message and sets `*msg` to NULL (a later natsMsg_Destroy(*msg)
/// does nothing); it gives the message to the AckHandler, or frees it
/// after the ack. On failure `*msg` is left as it was and stays the
/// caller's (with the headers of `opts` set on it). Options, handlers and
/// statuses as js_PublishAsync; NATS_INVALID_ARG also for a NULL `msg` or
/// `*msg`.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsgAsync(
    js: *mut jsCtx,
    msg: *mut *mut natsMsg,
    opts: *mut jsPubOptions,
) -> natsStatus {
    // SAFETY: arguments per the API; this call has no error code.
    unsafe {
        js_guard("js_PublishMsgAsync", ptr::null_mut(), || {
            let ctx = js_ctx(js)?;
            if msg.is_null() || (*msg).is_null() {
                return Err(JsError::invalid_arg("the message is NULL"));
            }
            let o = read_pub_options(opts, MaxWait::Ignore)?;
            // Cleared first: should anything below panic, the user is not
            // left with a handle to a message that is gone.
            let Some(m) = release(msg.replace(ptr::null_mut())) else {
                return Err(JsError::invalid_arg("the message is NULL"));
            };
            // (Releasing the handle dropped the header strings lent to C.)
            ctx.js.publish_msg_async(m, &o).map_err(|u| {
                // The same block: the caller's pointer is valid again.
                msg.write(to_c(u.msg));
                u.error.at("js_PublishMsgAsync")
            })
        })
    }
}

/// Waits until every asynchronous publish of the context has its outcome
/// handled, at most `opts->MaxWait` ms (NULL or 0: no limit). NATS_TIMEOUT
/// when some acks are still awaited (js_PublishAsyncGetPendingList hands
/// their messages back); NATS_INVALID_ARG for a NULL `js` or a negative
/// `MaxWait`. Only `MaxWait` of `opts` is read. Destroying the context
/// from another thread meanwhile ends the wait.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncComplete(
    js: *mut jsCtx,
    opts: *mut jsPubOptions,
) -> natsStatus {
    // SAFETY: arguments per the API; this call has no error code.
    unsafe {
        js_guard("js_PublishAsyncComplete", ptr::null_mut(), || {
            let ctx = js_ctx_arc(js)?;
            let timeout = match opts.as_ref() {
                Some(o) => millis_option("MaxWait", o.MaxWait)?,
                None => None,
            };
            ctx.js
                .publish_async_complete(timeout)
                .map_err(|e| e.at("js_PublishAsyncComplete"))
        })
    }
}

/// Hands back the messages whose ack is still awaited, oldest first; the
/// library forgets them (an ack arriving later is ignored, no handler
/// runs). On NATS_OK `pending->Msgs` is a new array of `pending->Count`
/// messages that belong to the caller: free them and the array with
/// natsMsgList_Destroy (after taking out any to keep, by setting their
/// entry to NULL). NATS_NOT_FOUND, with `*pending` untouched and no error
/// recorded, when there are none; NATS_INVALID_ARG for a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncGetPendingList(
    pending: *mut natsMsgList,
    js: *mut jsCtx,
) -> natsStatus {
    guard_status("js_PublishAsyncGetPendingList", || {
        if pending.is_null() {
            return Err(crate::ffi::boundary::invalid_arg("the list is NULL"));
        }
        // SAFETY: NULL or a live handle per the API.
        let ctx = unsafe { js_ctx(js) }.map_err(JsError::into_client)?;
        let msgs = match ctx.js.publish_async_pending_list() {
            Ok(m) => m,
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(natsStatus::NATS_NOT_FOUND),
            Err(e) => return Err(e.into_client()),
        };
        let list = new_msg_list(msgs)?;
        // SAFETY: checked non-NULL and writable per the API.
        unsafe { pending.write(list) };
        Ok(natsStatus::NATS_OK)
    })
}
