//! `natsSubscription_*`: reading, limiting, inspecting and ending
//! subscriptions.
use std::ffi::{c_char, c_int, c_void};

use super::boundary::{guard, guard_status, guard_value, Out};
use super::handles::{
    borrow, lend, millis, natsConnection, natsSubscription, release, to_c, try_borrow,
};
use super::lent::Lent;
use super::msg::natsMsg;
use super::options::Closure;
use super::status::natsStatus;
use crate::client::{Connection, ErrorKind};

/// Called once when an asynchronous subscription is finished with, after its
/// last message callback has returned, on the thread that ran its message
/// callbacks. No callback of the subscription runs afterwards, so this is the
/// place to free the closures given to it.
pub type natsOnCompleteCB = Option<unsafe extern "C" fn(closure: *mut c_void)>;

/// The subjects `natsSubscription_GetSubject` lends, kept until the
/// subscription's handle is destroyed.
pub(crate) static SUB_SUBJECTS: Lent<crate::client::subscription::SubInner> = Lent::new();

fn clamp(v: i64) -> c_int {
    v.clamp(c_int::MIN as i64, c_int::MAX as i64) as c_int
}

/// Takes the next message of a synchronous subscription, waiting up to
/// `timeout` milliseconds for one (0 or less: only what is already there).
///
/// On NATS_OK the message is stored in `*nextMsg` and belongs to the caller,
/// who frees it with natsMsg_Destroy; it stays valid after the subscription
/// and the connection are gone. On any other status `*nextMsg` is not written.
/// Several threads may wait on one subscription; each message goes to one of
/// them.
///
/// Status: NATS_TIMEOUT when no message came in time, NATS_SLOW_CONSUMER once
/// after messages were dropped for the pending limits (the next call goes on
/// with the messages kept), NATS_NO_RESPONDERS when the message is the
/// server's "no responders" answer to a request, NATS_MAX_DELIVERED_MSGS when
/// the natsSubscription_AutoUnsubscribe limit has been delivered,
/// NATS_INVALID_SUBSCRIPTION once unsubscribed, NATS_CONNECTION_CLOSED once
/// the connection closed, NATS_ILLEGAL_STATE for an asynchronous
/// subscription.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NextMsg(
    nextMsg: *mut *mut natsMsg,
    s: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    guard("natsSubscription_NextMsg", || {
        // SAFETY: NULL or writable per the API.
        let mut nextMsg = unsafe { Out::new(nextMsg, "message output") }?;
        // SAFETY: handle per the API.
        let m = unsafe { borrow(s) }?.next_msg(millis(timeout))?;
        nextMsg.set(to_c(m));
        Ok(())
    })
}

/// Tells the server to stop sending messages and ends the subscription: no
/// message callback starts afterwards (one already running finishes), and an
/// asynchronous subscription's completion callback runs. The handle stays valid and must still be freed
/// with natsSubscription_Destroy. NATS_INVALID_SUBSCRIPTION when already
/// ended, NATS_CONNECTION_CLOSED when the connection is closed (the
/// subscription ends all the same).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Unsubscribe(s: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_Unsubscribe", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        // A JetStream subscription also deletes the consumer made for it.
        crate::jetstream::consume::unsubscribe(&s).map_err(|e| e.into_client())
    })
}

/// Drains the subscription (giving up after 30 seconds): the server stops
/// sending it messages, those already received are still delivered, then it
/// ends. Returns at once; natsSubscription_WaitForDrainCompletion waits for
/// the end and natsSubscription_DrainCompletionStatus tells how it went. The
/// handle must still be freed with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Drain(s: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_Drain", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        Connection::of(&s).drain_subscription(&s, Some(crate::client::DEFAULT_DRAIN_TIMEOUT))
    })
}

/// Like natsSubscription_Drain with a limit of `timeout` ms (0 or less: no
/// limit); messages still queued at the limit are dropped and the drain
/// completes with NATS_TIMEOUT.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainTimeout(
    s: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    guard("natsSubscription_DrainTimeout", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        Connection::of(&s).drain_subscription(&s, (timeout > 0).then(|| millis(timeout)))
    })
}

/// Blocks until the subscription's drain is complete, or `timeout` ms pass
/// (0 or less: no limit), giving NATS_TIMEOUT. NATS_ILLEGAL_STATE if no drain
/// was started.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_WaitForDrainCompletion(
    s: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    guard_status("natsSubscription_WaitForDrainCompletion", || {
        // SAFETY: handle per the API.
        let sub = unsafe { borrow(s) }?;
        let waited =
            crate::jetstream::consume::wait_drain(&sub, (timeout > 0).then(|| millis(timeout)));
        match waited.map_err(|e| e.into_client()) {
            Err(e) if e.kind == ErrorKind::Timeout => Ok(natsStatus::NATS_TIMEOUT),
            r => r.map(|()| natsStatus::NATS_OK),
        }
    })
}

/// How a completed drain ended: NATS_OK, NATS_TIMEOUT, NATS_CONNECTION_CLOSED
/// (closed first), NATS_INVALID_SUBSCRIPTION (unsubscribed first) or the error
/// of the flush that confirms it. NATS_ILLEGAL_STATE while not complete.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainCompletionStatus(
    s: *mut natsSubscription,
) -> natsStatus {
    guard_status("natsSubscription_DrainCompletionStatus", || {
        // SAFETY: handle per the API.
        let sub = unsafe { borrow(s) }?;
        Ok(match sub.drain_status() {
            Ok(None) => natsStatus::NATS_OK,
            Ok(Some(kind)) => natsStatus::from(kind),
            Err(e) => natsStatus::from(e.kind),
        })
    })
}

/// Ends the subscription by itself once `max` messages have been received in
/// total (those already received count); 0 or less unsubscribes now.
/// NATS_INVALID_SUBSCRIPTION once ended, NATS_CONNECTION_CLOSED once the
/// connection closed.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_AutoUnsubscribe(
    s: *mut natsSubscription,
    max: c_int,
) -> natsStatus {
    guard("natsSubscription_AutoUnsubscribe", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        // Non-positive: unsubscribe now, as 0 does.
        Connection::of(&s).auto_unsubscribe(&s, u64::try_from(max).unwrap_or(0))
    })
}

/// Stores in `*queuedMsgs` the number of messages received and not yet
/// delivered. NATS_INVALID_SUBSCRIPTION once the subscription has ended.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_QueuedMsgs(
    s: *mut natsSubscription,
    queuedMsgs: *mut u64,
) -> natsStatus {
    guard("natsSubscription_QueuedMsgs", || {
        // SAFETY: NULL or writable per the API.
        let mut out = unsafe { Out::new(queuedMsgs, "queuedMsgs") }?;
        // SAFETY: handle per the API.
        out.set(unsafe { borrow(s) }?.queued_msgs()?);
        Ok(())
    })
}

/// The subscription's ID (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetID(s: *mut natsSubscription) -> i64 {
    guard_value("natsSubscription_GetID", 0, || {
        // SAFETY: handle per the API.
        unsafe { borrow(s) }.map_or(0, |s| s.sid() as i64)
    })
}

/// The subject subscribed to (NULL for NULL or an ended subscription). The
/// string belongs to the subscription and stays valid until
/// natsSubscription_Destroy; do not free it.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSubject(s: *mut natsSubscription) -> *const c_char {
    guard_value("natsSubscription_GetSubject", std::ptr::null(), || {
        // SAFETY: handle per the API.
        match unsafe { try_borrow(s) } {
            Some(s) if s.is_valid() => SUB_SUBJECTS.get(s.as_arc(), Some(&s.subject())),
            _ => std::ptr::null(),
        }
    })
}

/// Sets how many messages and bytes may wait for delivery (0 is
/// NATS_INVALID_ARG, negative means unlimited). Messages beyond the limits are
/// dropped and counted, and the error handler is told NATS_SLOW_CONSUMER
/// (once, until the subscription catches up). NATS_INVALID_SUBSCRIPTION once
/// the subscription has ended.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetPendingLimits(
    s: *mut natsSubscription,
    msgLimit: c_int,
    bytesLimit: c_int,
) -> natsStatus {
    guard("natsSubscription_SetPendingLimits", || {
        // Negative: unlimited; 0 stays 0, which the setter refuses.
        let limit = |n: c_int| usize::try_from(n).ok();
        // SAFETY: handle per the API.
        unsafe { borrow(s) }?.set_pending_limits(limit(msgLimit), limit(bytesLimit))
    })
}

/// Returns the pending limits; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPendingLimits(
    s: *mut natsSubscription,
    msgLimit: *mut c_int,
    bytesLimit: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetPendingLimits", || {
        // SAFETY: handle per the API.
        let (m, b) = unsafe { borrow(s) }?.pending_limits()?;
        // nats.c's encoding: -1 is unlimited.
        let limit = |l: Option<usize>| l.map_or(-1, |n| c_int::try_from(n).unwrap_or(c_int::MAX));
        // SAFETY: NULL or writable per the API.
        unsafe { Out::optional(msgLimit) }.set(limit(m));
        // SAFETY: as above.
        unsafe { Out::optional(bytesLimit) }.set(limit(b));
        Ok(())
    })
}

/// Returns how many messages and bytes wait for delivery; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPending(
    s: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetPending", || {
        // SAFETY: handle per the API.
        let (m, b) = unsafe { borrow(s) }?.pending()?;
        // SAFETY: NULL or writable per the API.
        unsafe { Out::optional(msgs) }.set(clamp(m));
        // SAFETY: as above.
        unsafe { Out::optional(bytes) }.set(clamp(b));
        Ok(())
    })
}

/// The number of messages handed to the application.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDelivered(
    s: *mut natsSubscription,
    msgs: *mut i64,
) -> natsStatus {
    guard("natsSubscription_GetDelivered", || {
        // SAFETY: NULL or writable per the API.
        let mut out = unsafe { Out::new(msgs, "msgs") }?;
        // SAFETY: handle per the API.
        out.set(unsafe { borrow(s) }?.delivered()?);
        Ok(())
    })
}

/// The number of messages dropped because the pending limits were reached.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDropped(
    s: *mut natsSubscription,
    msgs: *mut i64,
) -> natsStatus {
    guard("natsSubscription_GetDropped", || {
        // SAFETY: NULL or writable per the API.
        let mut out = unsafe { Out::new(msgs, "msgs") }?;
        // SAFETY: handle per the API.
        out.set(unsafe { borrow(s) }?.dropped()?);
        Ok(())
    })
}

/// The highest number of pending messages and bytes seen; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetMaxPending(
    s: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetMaxPending", || {
        // SAFETY: handle per the API.
        let (m, b) = unsafe { borrow(s) }?.max_pending()?;
        // SAFETY: NULL or writable per the API.
        unsafe { Out::optional(msgs) }.set(clamp(m));
        // SAFETY: as above.
        unsafe { Out::optional(bytes) }.set(clamp(b));
        Ok(())
    })
}

/// Resets the high-water marks reported by `natsSubscription_GetMaxPending`.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_ClearMaxPending(s: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_ClearMaxPending", || {
        // SAFETY: handle per the API.
        unsafe { borrow(s) }?.clear_max_pending()
    })
}

/// All the subscription's counters at once; any output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetStats(
    s: *mut natsSubscription,
    pendingMsgs: *mut c_int,
    pendingBytes: *mut c_int,
    maxPendingMsgs: *mut c_int,
    maxPendingBytes: *mut c_int,
    deliveredMsgs: *mut i64,
    droppedMsgs: *mut i64,
) -> natsStatus {
    guard("natsSubscription_GetStats", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        let (pm, pb) = s.pending()?;
        let (mm, mb) = s.max_pending()?;
        let (d, x) = (s.delivered()?, s.dropped()?);
        // SAFETY: NULL or writable per the API.
        unsafe { Out::optional(pendingMsgs) }.set(clamp(pm));
        // SAFETY: as above.
        unsafe { Out::optional(pendingBytes) }.set(clamp(pb));
        // SAFETY: as above.
        unsafe { Out::optional(maxPendingMsgs) }.set(clamp(mm));
        // SAFETY: as above.
        unsafe { Out::optional(maxPendingBytes) }.set(clamp(mb));
        // SAFETY: as above.
        unsafe { Out::optional(deliveredMsgs) }.set(d);
        // SAFETY: as above.
        unsafe { Out::optional(droppedMsgs) }.set(x);
        Ok(())
    })
}

/// Whether the subscription is still active.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_IsValid(s: *mut natsSubscription) -> bool {
    guard_value("natsSubscription_IsValid", false, || {
        // SAFETY: handle per the API.
        unsafe { borrow(s) }.is_ok_and(|s| s.is_valid())
    })
}

/// Sets `cb` (NULL removes it) to run once, with `closure`, after the last
/// message callback of this asynchronous subscription has returned, however
/// the subscription ends (unsubscribe, drain, auto-unsubscribe limit, closed
/// connection); see natsOnCompleteCB. NATS_ILLEGAL_STATE for a synchronous
/// subscription, NATS_INVALID_SUBSCRIPTION once it has ended.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetOnCompleteCB(
    s: *mut natsSubscription,
    cb: natsOnCompleteCB,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsSubscription_SetOnCompleteCB", || {
        // SAFETY: handle per the API.
        let s = unsafe { borrow(s) }?;
        let closure = Closure(closure);
        let cb = cb.map(|f| -> Box<dyn FnOnce() + Send> {
            Box::new(move || {
                let c = closure;
                // SAFETY: the user's callback with their closure.
                unsafe { f(c.0) }
            })
        });
        s.set_on_complete(cb)
    })
}

/// Accepted for compatibility: this library never delays the delivery of messages.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NoDeliveryDelay(s: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_NoDeliveryDelay", || {
        // SAFETY: handle per the API.
        unsafe { borrow(s) }.map(|_| ())
    })
}

/// The connection the subscription was made on (NULL for NULL). The handle is
/// lent: it is the one the caller got from natsConnection_Connect, not a new
/// reference, so do not destroy it on this account.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConnection(
    s: *mut natsSubscription,
) -> *mut natsConnection {
    // SAFETY: handle per the API.
    guard_value(
        "natsSubscription_GetConnection",
        std::ptr::null_mut(),
        || unsafe { borrow(s) }.map_or(std::ptr::null_mut(), |s| lend(&Connection::of(&s))),
    )
}

/// Unsubscribes when still active and releases the caller's handle; `s` must
/// not be used afterwards. NULL is ignored. Safe while a message callback of
/// the subscription runs, and from inside one: that callback finishes, no
/// other starts.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Destroy(s: *mut natsSubscription) {
    guard_value("natsSubscription_Destroy", (), || {
        // SAFETY: NULL or the user's reference, released once here.
        let Some(s) = (unsafe { release(s) }) else {
            return;
        };
        SUB_SUBJECTS.forget(std::sync::Arc::as_ptr(s.as_arc()));
        if s.is_valid() {
            let _ = Connection::of(&s).unsubscribe(&s);
        }
    })
}
