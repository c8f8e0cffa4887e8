//! `natsConnection_*`: connecting, publishing, subscribing, requests and
//! connection introspection.
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Arc;

use super::boundary::{
    copy_to_buffer, guard, guard_status, guard_value, invalid_arg, malloc_array, malloc_cstring,
    null_arg, opt_str, Out,
};
use super::handles::{
    borrow, borrow_mut, lend, millis, natsConnection, natsSubscription, release, to_c, try_borrow,
    Borrowed,
};
use super::lent::Lent;
use super::library::natsStatistics;
use super::msg::natsMsg;
use super::options::{natsOptions, Closure};
use super::status::{natsConnStatus, natsStatus};
use crate::client::{
    Connection, Error, ErrorKind, MsgHandler, Options, Result, Status, Subscription,
};

/// The callback of an asynchronous subscription, called once per message.
///
/// `msg` belongs to the callback, which frees it with natsMsg_Destroy (now
/// or later, from any thread). `nc` and `sub` are lent for the call: do not
/// destroy them here unless the program is done with them (destroying or
/// closing from a callback is safe). It runs on the subscription's own
/// dispatcher thread, or on a thread of the shared delivery pool
/// (natsOptions_UseGlobalMessageDelivery); the calls of one subscription never
/// overlap and come in the order the messages arrived. With an idle timeout
/// (natsConnection_SubscribeTimeout) `msg` is NULL when that much time passed
/// without a message.
pub type natsMsgHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        sub: *mut natsSubscription,
        msg: *mut natsMsg,
        closure: *mut c_void,
    ),
>;

/// A subject argument: NULL or empty is an invalid subject, as in nats.c.
///
/// # Safety
/// `p` is NULL or a C string.
unsafe fn subject<'a>(p: *const c_char) -> Result<&'a str> {
    // SAFETY: `p` is NULL or a C string valid for `\'a` (our contract).
    match unsafe { opt_str(p) } {
        Ok(Some(s)) if !s.is_empty() => Ok(s),
        _ => Err(Error::new(
            ErrorKind::InvalidSubject,
            "subject is NULL, empty or not UTF-8",
        )),
    }
}

/// A subject to publish on, as bytes: NULL or empty is an invalid subject,
/// as in nats.c; anything else goes as given (UTF-8 or not, so that the
/// reply subject of a received message reaches exactly that subject).
///
/// # Safety
/// `p` is NULL or a C string.
unsafe fn pub_subject<'a>(p: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: `p` is NULL or a C string valid for `\'a` (our contract).
    match unsafe { c_string_bytes(p) } {
        [] => Err(Error::new(
            ErrorKind::InvalidSubject,
            "subject is NULL or empty",
        )),
        s => Ok(s),
    }
}

/// A reply subject argument, which must be present and non-empty; its
/// bytes go as given, like `pub_subject`'s.
///
/// # Safety
/// `p` is NULL or a C string.
unsafe fn reply_arg<'a>(p: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: `p` is NULL or a C string valid for `\'a` (our contract).
    match unsafe { c_string_bytes(p) } {
        [] => Err(invalid_arg("reply is NULL or empty")),
        r => Ok(r),
    }
}

/// A payload argument: `len` bytes at `data` (which may be NULL when empty).
///
/// # Safety
/// `data` is NULL or valid for reads of `len` bytes.
pub(crate) unsafe fn payload<'a>(data: *const c_void, len: c_int) -> Result<&'a [u8]> {
    if len < 0 || (data.is_null() && len > 0) {
        return Err(invalid_arg("invalid data or data length"));
    }
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL and `len` readable bytes per the contract.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len as usize) })
}

/// # Safety
/// `p` is NULL or a C string.
pub(crate) unsafe fn c_string_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: a NUL-terminated string per the contract.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// Connects; a connection still trying in the background (retry on failed
/// connect with a connected callback) is handed out with
/// `NATS_NOT_YET_CONNECTED`, as nats.c does.
fn connect_with(mut nc: Out<'_, *mut natsConnection>, opts: Options) -> Result<natsStatus> {
    let (c, up) = Connection::connect_status(opts)?;
    nc.set(to_c(c));
    Ok(if up {
        natsStatus::NATS_OK
    } else {
        natsStatus::NATS_NOT_YET_CONNECTED
    })
}

/// Connects with `options` (NULL: the defaults of natsOptions_Create) and
/// stores the new connection in `*nc`.
///
/// The options are copied: they may be changed or destroyed afterwards
/// without effect on this connection. The connection belongs to the caller,
/// who closes and frees it with natsConnection_Destroy. `*nc` is written on
/// NATS_OK, and also on NATS_NOT_YET_CONNECTED: with
/// natsOptions_SetRetryOnFailedConnect and a connected callback, the first
/// connect failed and goes on in the background; the connected callback
/// tells when it succeeds, and the connection must be destroyed like any
/// other.
///
/// Status: NATS_NO_SERVER when no server could be reached; when a server was
/// reached but the handshake failed, the status of that failure (for instance
/// NATS_CONNECTION_AUTH_FAILED for rejected credentials, NATS_SSL_ERROR or
/// NATS_SECURE_CONNECTION_WANTED for TLS problems); NATS_INVALID_ARG when `nc`
/// is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Connect(
    nc: *mut *mut natsConnection,
    options: *mut natsOptions,
) -> natsStatus {
    guard_status("natsConnection_Connect", || {
        // SAFETY: `nc` is NULL or writable, `options` NULL or live, per the API.
        let (nc, options) = unsafe { (Out::new(nc, "connection output")?, try_borrow(options)) };
        let opts = match options {
            Some(o) => o.opts.clone(),
            None => Options::default(),
        };
        connect_with(nc, opts)
    })
}

/// Connects with default options to `urls`, one URL or several separated by
/// commas (NULL: NATS_DEFAULT_URL), and stores the connection in `*nc`.
///
/// The connection belongs to the caller: free it with natsConnection_Destroy.
/// Status as for natsConnection_Connect.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ConnectTo(
    nc: *mut *mut natsConnection,
    urls: *const c_char,
) -> natsStatus {
    guard_status("natsConnection_ConnectTo", || {
        // SAFETY: `nc` is NULL or writable and `urls` NULL or a C string, per
        // the API.
        let (nc, url) = unsafe { (Out::new(nc, "connection output")?, opt_str(urls)?) };
        connect_with(
            nc,
            Options {
                url: url.map(str::to_string),
                ..Options::default()
            },
        )
    })
}

/// Publishes `dataLen` bytes of `data` on `subj`.
///
/// The bytes are copied into the connection's output buffer before this
/// returns, so `data` may be reused at once; they reach the socket shortly
/// after (natsConnection_Flush waits until the server has them). While the
/// connection is reconnecting, publishes are kept and sent once it is back.
///
/// Status: NATS_INVALID_SUBJECT when `subj` is NULL, empty or malformed,
/// NATS_INVALID_ARG when `dataLen` is negative or `data` is NULL with a
/// positive `dataLen`, NATS_MAX_PAYLOAD when the message is larger than the
/// server accepts, NATS_DRAINING while the connection drains its publishes,
/// NATS_INSUFFICIENT_BUFFER while disconnected when the reconnect buffer
/// (natsOptions_SetReconnectBufSize) is full, NATS_CONNECTION_CLOSED once
/// closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Publish(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_Publish", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe {
            borrow(nc)?.publish_bytes(pub_subject(subj)?, None, None, payload(data, dataLen)?)
        }
    })
}

/// Publishes the NUL-terminated `str` (without its NUL; NULL sends an empty
/// payload) on `subj`. The text is copied before this returns.
///
/// Status: as for natsConnection_Publish.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishString(
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
) -> natsStatus {
    guard("natsConnection_PublishString", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe { borrow(nc)?.publish_bytes(pub_subject(subj)?, None, None, c_string_bytes(str)) }
    })
}

/// Publishes `m` (built with natsMsg_Create), with its reply subject and
/// headers.
///
/// The message stays the caller's: it is copied, not consumed, and is freed
/// with natsMsg_Destroy as usual. Status: as for natsConnection_Publish, and
/// NATS_NO_SERVER_SUPPORT when the message has headers and the server does not
/// accept them.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishMsg(
    nc: *mut natsConnection,
    m: *mut natsMsg,
) -> natsStatus {
    guard("natsConnection_PublishMsg", || {
        // SAFETY: live handles per the API.
        let c = unsafe { borrow(nc) }?;
        // SAFETY: as above.
        let m = unsafe { borrow(m) }?;
        c.publish_msg(&m)
    })
}

/// Publishes `dataLen` bytes of `data` on `subj` with `reply` as the reply
/// subject, for a responder to answer to; it does not wait for an answer
/// (natsConnection_Request does).
///
/// Status: as for natsConnection_Publish, and NATS_INVALID_ARG when `reply` is
/// NULL, empty or malformed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_PublishRequest", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe {
            let reply = reply_arg(reply)?;
            borrow(nc)?.publish_bytes(
                pub_subject(subj)?,
                Some(reply),
                None,
                payload(data, dataLen)?,
            )
        }
    })
}

/// Like natsConnection_Publish, but the data (and anything published before
/// it) is written to the socket before this returns: lower latency, no
/// batching. Status: as for natsConnection_Publish.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Send(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_Send", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe { borrow(nc)?.send_bytes(pub_subject(subj)?, None, None, payload(data, dataLen)?) }
    })
}

/// Like natsConnection_PublishMsg (headers included; the message stays the
/// caller's), written to the socket before this returns.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendMsg(
    nc: *mut natsConnection,
    msg: *mut natsMsg,
) -> natsStatus {
    guard("natsConnection_SendMsg", || {
        // SAFETY: live handles per the API.
        let c = unsafe { borrow(nc) }?;
        // SAFETY: as above.
        let m = unsafe { borrow(msg) }?;
        c.send_msg(&m)
    })
}

/// Like natsConnection_PublishRequest, written to the socket before this
/// returns.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_SendRequest", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe {
            let reply = reply_arg(reply)?;
            borrow(nc)?.send_bytes(
                pub_subject(subj)?,
                Some(reply),
                None,
                payload(data, dataLen)?,
            )
        }
    })
}

/// Like natsConnection_PublishRequest with the NUL-terminated `str` (without
/// its NUL) as the payload.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequestString(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    str: *const c_char,
) -> natsStatus {
    guard("natsConnection_PublishRequestString", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe {
            let reply = reply_arg(reply)?;
            borrow(nc)?.publish_bytes(pub_subject(subj)?, Some(reply), None, c_string_bytes(str))
        }
    })
}

fn give_reply(
    mut replyMsg: Out<'_, *mut natsMsg>,
    r: Result<crate::client::Message>,
) -> Result<()> {
    replyMsg.set(to_c(r?));
    Ok(())
}

/// The reply out-parameter of the request calls, checked before sending.
///
/// # Safety
/// `p` is NULL or writable, per the API.
unsafe fn reply_out<'a>(p: *mut *mut natsMsg) -> Result<Out<'a, *mut natsMsg>> {
    // SAFETY: `p` is NULL or writable (our contract), all `Out::new` needs.
    unsafe { Out::new(p, "reply output") }
}

/// Sends `dataLen` bytes of `data` on `subj` as a request and waits up to
/// `timeout` milliseconds for the first reply.
///
/// On NATS_OK the reply is stored in `*replyMsg` and belongs to the caller,
/// who frees it with natsMsg_Destroy; it does not depend on the connection
/// and may outlive it. On any other status `*replyMsg` is not written. The
/// calling thread blocks; calling from a message callback is allowed (replies
/// do not go through the subscription's dispatcher).
///
/// Status: NATS_TIMEOUT when no reply came in time, NATS_NO_RESPONDERS when
/// the server said that nobody is subscribed to `subj` (unless
/// natsOptions_DisableNoResponders), NATS_INVALID_TIMEOUT when `timeout` is 0
/// or less, NATS_CONNECTION_CLOSED when the connection is closed before or
/// while waiting, NATS_CONNECTION_DISCONNECTED when it is lost while waiting
/// and natsOptions_SetFailRequestsOnDisconnect is on, NATS_INVALID_SUBJECT /
/// NATS_INVALID_ARG for bad arguments, and the publish errors of
/// natsConnection_Publish.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Request(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_Request", || {
        // SAFETY: NULL or writable per the API.
        let replyMsg = unsafe { reply_out(replyMsg) }?;
        // SAFETY: handle and arguments as documented by the API.
        let r = unsafe {
            borrow(nc)?.request(
                subject(subj)?,
                None,
                payload(data, dataLen)?,
                millis(timeout),
            )
        };
        give_reply(replyMsg, r)
    })
}

/// Like natsConnection_Request with the NUL-terminated `str` (without its NUL)
/// as the payload. The reply, on NATS_OK, is the caller's: free it with
/// natsMsg_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestString(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestString", || {
        // SAFETY: NULL or writable per the API.
        let replyMsg = unsafe { reply_out(replyMsg) }?;
        // SAFETY: handle and arguments as documented by the API.
        let r = unsafe {
            borrow(nc)?.request(subject(subj)?, None, c_string_bytes(str), millis(timeout))
        };
        give_reply(replyMsg, r)
    })
}

/// Like natsConnection_Request with `requestMsg` (built with natsMsg_Create,
/// headers included) as the request. `requestMsg` stays the caller's; the
/// reply, on NATS_OK, is the caller's too: free both with natsMsg_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestMsg(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    requestMsg: *mut natsMsg,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestMsg", || {
        // SAFETY: NULL or writable per the API.
        let replyMsg = unsafe { reply_out(replyMsg) }?;
        // SAFETY: live handles per the API.
        let c = unsafe { borrow(nc) }?;
        // SAFETY: as above.
        let m = unsafe { borrow(requestMsg) }?;
        let hdr = m.encoded_headers();
        let r = c.request(m.subject(), hdr.as_deref(), m.data(), millis(timeout));
        give_reply(replyMsg, r)
    })
}

pub(crate) fn msg_handler(cb: natsMsgHandler, closure: *mut c_void) -> Result<MsgHandler> {
    let f = cb.ok_or_else(|| null_arg("message callback"))?;
    let closure = Closure(closure);
    Ok(Arc::new(
        move |c: &Connection, s: &Subscription, m: Option<crate::client::Message>| {
            let cl = closure;
            let m = m.map_or(std::ptr::null_mut(), to_c);
            // SAFETY: the user's callback, given handles the library keeps
            // alive for the call, a message it now owns (or NULL on an idle
            // timeout) and their closure.
            unsafe { f(lend(c), lend(s), m, cl.0) }
        },
    ))
}

/// Shared body of the subscribe calls.
///
/// # Safety
/// Arguments as documented for `natsConnection_QueueSubscribeTimeout`.
unsafe fn subscribe_impl(
    out: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subj: *const c_char,
    queue: Option<*const c_char>,
    timeout: Option<i64>,
    cb: Option<(natsMsgHandler, *mut c_void)>,
) -> Result<()> {
    // SAFETY: `out` is NULL or writable (our contract).
    let mut out = unsafe { Out::new(out, "subscription output") }?;
    // SAFETY: `nc` is NULL or a live connection handle (our contract).
    let c = unsafe { borrow(nc) }?;
    // SAFETY: `subj` is NULL or a C string valid for the call (our contract).
    let subj = unsafe { subject(subj) }?;
    let queue = match queue {
        None => None,
        // SAFETY: `q` is NULL or a C string valid for the call (our contract).
        Some(q) => Some(
            unsafe { opt_str(q) }?
                .filter(|q| !q.is_empty())
                .ok_or_else(|| invalid_arg("queue name is NULL or empty"))?,
        ),
    };
    if matches!(timeout, Some(t) if t <= 0) {
        return Err(Error::new(
            ErrorKind::InvalidTimeout,
            "timeout must be positive",
        ));
    }
    let sub = match cb {
        None => c.subscribe_sync(subj, queue)?,
        Some((f, closure)) => {
            c.subscribe(subj, queue, timeout.map(millis), msg_handler(f, closure)?)?
        }
    };
    out.set(to_c(sub));
    Ok(())
}

/// Subscribes to `subject` (wildcards allowed) and calls `cb` with each
/// message, passing `cbClosure` through.
///
/// The subscription is stored in `*sub` and belongs to the caller, who frees
/// it with natsSubscription_Destroy (which also unsubscribes when still
/// active). Each message belongs to the callback (see natsMsgHandler for the
/// thread it runs on). `cbClosure` must stay valid until the subscription is
/// finished with: natsSubscription_SetOnCompleteCB tells when.
///
/// Status: NATS_INVALID_SUBJECT when `subject` is NULL, empty or malformed,
/// NATS_INVALID_ARG when `sub`, `nc` or `cb` is NULL, NATS_DRAINING while the
/// connection drains, NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Subscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_Subscribe", || unsafe {
        subscribe_impl(sub, nc, subject, None, None, Some((cb, cbClosure)))
    })
}

/// Like natsConnection_Subscribe; in addition `cb` is called with a NULL
/// message each time `timeout` milliseconds pass without a message.
/// NATS_INVALID_TIMEOUT when `timeout` is 0 or less. Free the subscription
/// with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_SubscribeTimeout", || unsafe {
        subscribe_impl(sub, nc, subject, None, Some(timeout), Some((cb, cbClosure)))
    })
}

/// Subscribes to `subject` without a callback: the messages wait in the
/// subscription until read with natsSubscription_NextMsg.
///
/// The subscription is stored in `*sub` and belongs to the caller: free it
/// with natsSubscription_Destroy. Status as for natsConnection_Subscribe.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_SubscribeSync", || unsafe {
        subscribe_impl(sub, nc, subject, None, None, None)
    })
}

/// Like natsConnection_Subscribe, as a member of the queue group `queueGroup`:
/// the server gives each message to one member of the group only.
/// NATS_INVALID_ARG when `queueGroup` is NULL or empty. Free the subscription
/// with natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_QueueSubscribe", || unsafe {
        subscribe_impl(
            sub,
            nc,
            subject,
            Some(queueGroup),
            None,
            Some((cb, cbClosure)),
        )
    })
}

/// Like natsConnection_QueueSubscribe, with the idle timeout of
/// natsConnection_SubscribeTimeout. Free the subscription with
/// natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_QueueSubscribeTimeout", || unsafe {
        subscribe_impl(
            sub,
            nc,
            subject,
            Some(queueGroup),
            Some(timeout),
            Some((cb, cbClosure)),
        )
    })
}

/// Like natsConnection_SubscribeSync, as a member of the queue group
/// `queueGroup` (NULL or empty: NATS_INVALID_ARG). Free the subscription with
/// natsSubscription_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
) -> natsStatus {
    // SAFETY: arguments forwarded as documented.
    guard("natsConnection_QueueSubscribeSync", || unsafe {
        subscribe_impl(sub, nc, subject, Some(queueGroup), None, None)
    })
}

/// Drops the current server connection and reconnects (to the next server of
/// the pool when there are several), as after a network failure. Returns at
/// once; the disconnected and reconnected callbacks then run on the event
/// thread. NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Reconnect(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Reconnect", || unsafe {
        borrow(nc)?.force_reconnect()
    })
}

/// Drains the connection, giving up after 30 seconds: subscriptions stop
/// receiving new messages and deliver what they already hold, pending
/// publishes are flushed, then the connection closes. Returns at once; the
/// closed callback (on the event thread) tells when it is done, and the
/// handle must still be freed with natsConnection_Destroy.
///
/// Status: NATS_DRAINING for new subscriptions made during the drain (and
/// publishes once the drain flushes them), NATS_ILLEGAL_STATE while
/// reconnecting, NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Drain(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Drain", || unsafe {
        borrow(nc)?.drain(Some(crate::client::DEFAULT_DRAIN_TIMEOUT))
    })
}

/// Like natsConnection_Drain with a limit of `timeout` milliseconds (0 or less:
/// no limit). Subscriptions not drained in time report NATS_TIMEOUT through
/// natsSubscription_DrainCompletionStatus and the error handler.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_DrainTimeout(
    nc: *mut natsConnection,
    timeout: i64,
) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_DrainTimeout", || unsafe {
        borrow(nc)?.drain((timeout > 0).then(|| millis(timeout)))
    })
}

/// Waits up to 10 seconds until the server has processed everything sent so
/// far (a PING / PONG round trip). NATS_TIMEOUT when the answer does not come
/// in time, NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Flush(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Flush", || unsafe {
        borrow(nc)?.flush_timeout(millis(10_000))
    })
}

/// Like natsConnection_Flush, waiting up to `timeout` milliseconds;
/// NATS_INVALID_TIMEOUT when `timeout` is 0 or less.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_FlushTimeout(
    nc: *mut natsConnection,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_FlushTimeout", || {
        // SAFETY: handle per the API.
        let c = unsafe { borrow(nc) }?;
        if timeout <= 0 {
            return Err(Error::new(
                ErrorKind::InvalidTimeout,
                "timeout must be positive",
            ));
        }
        c.flush_timeout(millis(timeout))
    })
}

/// The number of bytes published and not yet written to the socket, or -1 when
/// `nc` is NULL or closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Buffered(nc: *mut natsConnection) -> c_int {
    guard_value("natsConnection_Buffered", -1, || {
        // SAFETY: handle per the API.
        unsafe { borrow(nc) }
            .ok()
            .and_then(|c| c.buffered().ok())
            .map_or(-1, |n| n.min(c_int::MAX as usize) as c_int)
    })
}

/// Closes the connection: what is buffered is written, waiting requests and
/// flushes fail with NATS_CONNECTION_CLOSED, subscriptions end. The
/// disconnected and then the closed callback run afterwards on the event
/// thread; the closed callback comes after the last message callback of every
/// subscription has returned. Safe to call more than once, from any thread,
/// callbacks included. The handle stays valid (and must still be freed with
/// natsConnection_Destroy).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Close(nc: *mut natsConnection) {
    guard_value("natsConnection_Close", (), || {
        // SAFETY: handle per the API.
        if let Ok(c) = unsafe { borrow(nc) } {
            c.close();
        }
    })
}

/// Closes the connection if needed and releases the caller's handle; `nc` must
/// not be used afterwards. NULL is ignored. Subscriptions made on it remain
/// the caller's to free with natsSubscription_Destroy. Callbacks still queued
/// for the connection keep what they need alive, so this is safe from any
/// thread, callbacks included.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Destroy(nc: *mut natsConnection) {
    guard_value("natsConnection_Destroy", (), || {
        // SAFETY: NULL or the user's reference, released once here.
        if let Some(c) = unsafe { release(nc) } {
            CONN_NAMES.forget(std::sync::Arc::as_ptr(c.as_arc()));
            c.close();
        }
    })
}

/// Whether the connection is closed (true for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsClosed(nc: *mut natsConnection) -> bool {
    guard_value("natsConnection_IsClosed", true, || {
        // SAFETY: handle per the API.
        unsafe { borrow(nc) }.map_or(true, |c| c.is_closed())
    })
}

/// Whether the connection is trying to reconnect.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsReconnecting(nc: *mut natsConnection) -> bool {
    guard_value("natsConnection_IsReconnecting", false, || {
        // SAFETY: handle per the API.
        unsafe { borrow(nc) }.is_ok_and(|c| c.status() == Status::Reconnecting)
    })
}

/// Whether the connection is draining.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsDraining(nc: *mut natsConnection) -> bool {
    guard_value("natsConnection_IsDraining", false, || {
        // SAFETY: handle per the API.
        unsafe { borrow(nc) }
            .is_ok_and(|c| matches!(c.status(), Status::DrainingSubs | Status::DrainingPubs))
    })
}

/// The connection's status (NATS_CONN_STATUS_CLOSED for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Status(nc: *mut natsConnection) -> natsConnStatus {
    guard_value(
        "natsConnection_Status",
        natsConnStatus::NATS_CONN_STATUS_CLOSED,
        || {
            // SAFETY: handle per the API.
            unsafe { borrow(nc) }.map_or(natsConnStatus::NATS_CONN_STATUS_CLOSED, |c| {
                natsConnStatus::from(c.status())
            })
        },
    )
}

/// Copies the URL of the server currently connected to, NUL-terminated, into
/// `buffer` of `bufferSize` bytes (an empty string when not connected).
/// NATS_INSUFFICIENT_BUFFER when it does not fit (the buffer then holds an
/// empty string).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedUrl(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    guard("natsConnection_GetConnectedUrl", || {
        // SAFETY: handle and buffer per the API.
        unsafe {
            let c = borrow(nc)?;
            copy_to_buffer(&c.connected_url().unwrap_or_default(), buffer, bufferSize)
        }
    })
}

/// Copies the ID of the server currently connected to, NUL-terminated, into
/// `buffer` of `bufferSize` bytes (an empty string when not connected).
/// NATS_INSUFFICIENT_BUFFER when it does not fit (the buffer then holds an
/// empty string).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedServerId(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    guard("natsConnection_GetConnectedServerId", || {
        // SAFETY: handle and buffer per the API.
        unsafe {
            let c = borrow(nc)?;
            copy_to_buffer(
                &c.connected_server_id().unwrap_or_default(),
                buffer,
                bufferSize,
            )
        }
    })
}

/// Stores `list` as a `malloc`ed array of `malloc`ed strings.
fn give_strings(
    list: Vec<String>,
    mut servers: Out<'_, *mut *mut c_char>,
    mut count: Out<'_, c_int>,
) -> Result<()> {
    let ptrs: Vec<*mut c_char> = list.iter().map(|s| malloc_cstring(s)).collect();
    let arr = if ptrs.is_empty() {
        std::ptr::null_mut()
    } else {
        malloc_array(&ptrs)
    };
    servers.set(arr);
    count.set(ptrs.len() as c_int);
    Ok(())
}

/// Stores every server URL the connection knows (given and discovered) in
/// `*servers` and their number in `*count`. The array and each string are
/// `malloc`ed and the caller's: free each string, then the array, with
/// free(). With no server the array is NULL and the count 0.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetServers", || {
        // SAFETY: handle and out-parameters per the API.
        let (servers, count) =
            unsafe { (Out::new(servers, "servers")?, Out::new(count, "count")?) };
        // SAFETY: as above.
        give_strings(unsafe { borrow(nc) }?.servers(false), servers, count)
    })
}

/// Like natsConnection_GetServers, for the server URLs learned from the
/// cluster only; free each string and the array with free().
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetDiscoveredServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetDiscoveredServers", || {
        // SAFETY: handle and out-parameters per the API.
        let (servers, count) =
            unsafe { (Out::new(servers, "servers")?, Out::new(count, "count")?) };
        // SAFETY: as above.
        give_strings(unsafe { borrow(nc) }?.servers(true), servers, count)
    })
}

/// The names `natsConnection_GetName` lends, kept until the connection's
/// handle is destroyed.
pub(crate) static CONN_NAMES: Lent<crate::client::conn::ConnInner> = Lent::new();

thread_local! {
    /// Backs the text `natsConnection_GetLastError` hands out: valid until
    /// this thread asks again.
    static CONN_ERROR_TEXT: RefCell<CString> = RefCell::new(CString::default());
}

/// Returns the status of the connection's last error (NATS_OK when none) and,
/// when `lastError` is not NULL, stores its text there. The text belongs to
/// the library and stays valid until the calling thread calls this function
/// again; do not free it. NATS_INVALID_ARG when `nc` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLastError(
    nc: *mut natsConnection,
    lastError: *mut *const c_char,
) -> natsStatus {
    guard_value(
        "natsConnection_GetLastError",
        natsStatus::NATS_INVALID_ARG,
        || {
            // SAFETY: handle per the API.
            let Ok(c) = (unsafe { borrow(nc) }) else {
                return natsStatus::NATS_INVALID_ARG;
            };
            let (status, text) = match c.last_error() {
                None => (natsStatus::NATS_OK, String::new()),
                Some(e) => (natsStatus::from(e.kind), e.text),
            };
            let ptr = CONN_ERROR_TEXT.with(|t| {
                *t.borrow_mut() = CString::new(text.replace('\0', " ")).unwrap_or_default();
                t.borrow().as_ptr()
            });
            // SAFETY: NULL or writable per the API.
            unsafe { Out::optional(lastError) }.set(ptr);
            status
        },
    )
}

/// Copies the text of the connection's last error into `buf` of `n` bytes
/// (cut short, still NUL-terminated, when it does not fit) and returns its
/// status (NATS_OK when none; NATS_INVALID_ARG when `nc` is NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ReadLastError(
    nc: *mut natsConnection,
    buf: *mut c_char,
    n: usize,
) -> natsStatus {
    guard_value(
        "natsConnection_ReadLastError",
        natsStatus::NATS_INVALID_ARG,
        || {
            // SAFETY: handle per the API.
            let Ok(c) = (unsafe { borrow(nc) }) else {
                return natsStatus::NATS_INVALID_ARG;
            };
            let e = c.last_error();
            let text = e.as_ref().map_or("", |e| e.text.as_str());
            // SAFETY: buffer per the API; a short buffer gets a truncated text.
            unsafe { copy_truncated(text, buf, n) };
            e.map_or(natsStatus::NATS_OK, |e| natsStatus::from(e.kind))
        },
    )
}

/// The server's maximum payload size in bytes (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetMaxPayload(nc: *mut natsConnection) -> i64 {
    guard_value("natsConnection_GetMaxPayload", 0, || {
        // SAFETY: handle per the API.
        unsafe { borrow(nc) }.map_or(0, |c| c.max_payload())
    })
}

/// Copies the connection's traffic counters into `stats`, an object made with
/// natsStatistics_Create and still owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetStats(
    nc: *mut natsConnection,
    stats: *mut natsStatistics,
) -> natsStatus {
    guard("natsConnection_GetStats", || {
        // SAFETY: handle per the API.
        let c = unsafe { borrow(nc) }?;
        // SAFETY: NULL or a live statistics object the caller is not using
        // meanwhile.
        unsafe { borrow_mut(stats) }?.set(c.stats());
        Ok(())
    })
}

/// # Safety
/// `nc` is NULL or a live connection handle.
unsafe fn open_conn<'a>(nc: *mut natsConnection) -> Result<Borrowed<'a, Connection>> {
    // SAFETY: `nc` is NULL or a live handle (our contract), all `borrow` needs.
    let c = unsafe { borrow(nc) }?;
    if c.is_closed() {
        return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
    }
    Ok(c)
}

/// Stores the client ID the server assigned to this connection in `*cid`.
/// NATS_NO_SERVER_SUPPORT when the server sent none, NATS_CONNECTION_CLOSED
/// once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientID(
    nc: *mut natsConnection,
    cid: *mut u64,
) -> natsStatus {
    guard("natsConnection_GetClientID", || {
        // SAFETY: NULL or writable per the API.
        let mut cid = unsafe { Out::new(cid, "cid") }?;
        // SAFETY: handle per the API.
        let id = unsafe { open_conn(nc) }?.server_info().client_id;
        if id == 0 {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server did not send a client ID",
            ));
        }
        cid.set(id);
        Ok(())
    })
}

/// Stores this client's IP address as the server sees it in `*ip`, a
/// `malloc`ed string the caller frees with free() (`*ip` is NULL on failure).
/// NATS_NO_SERVER_SUPPORT when the server did not send it,
/// NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientIP(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
) -> natsStatus {
    guard("natsConnection_GetClientIP", || {
        // SAFETY: NULL or writable per the API.
        let mut ip = unsafe { Out::new(ip, "ip") }?;
        ip.set(std::ptr::null_mut());
        // SAFETY: handle per the API.
        let text = unsafe { open_conn(nc) }?.server_info().client_ip;
        if text.is_empty() {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server did not send the client IP",
            ));
        }
        ip.set(malloc_cstring(&text));
        Ok(())
    })
}

/// Measures a PING / PONG round trip to the server and stores it, in
/// nanoseconds, in `*rtt` (0 on failure). Blocks for the round trip;
/// NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetRTT(
    nc: *mut natsConnection,
    rtt: *mut i64,
) -> natsStatus {
    guard("natsConnection_GetRTT", || {
        // SAFETY: NULL or writable per the API.
        let mut rtt = unsafe { Out::new(rtt, "rtt") }?;
        rtt.set(0);
        // SAFETY: handle per the API.
        let d = unsafe { open_conn(nc) }?.rtt()?;
        rtt.set(d.as_nanos().min(i64::MAX as u128) as i64);
        Ok(())
    })
}

/// NATS_OK if the server supports headers, NATS_NO_SERVER_SUPPORT otherwise.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_HasHeaderSupport(nc: *mut natsConnection) -> natsStatus {
    guard("natsConnection_HasHeaderSupport", || {
        // SAFETY: handle per the API.
        if unsafe { borrow(nc) }?.has_headers() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::NoServerSupport,
                "server does not support headers",
            ))
        }
    })
}

/// Stores the local IP address of the connection's socket in `*ip`, a
/// `malloc`ed string the caller frees with free(), and its port in `*port`
/// (NULL and 0 on failure). NATS_CONNECTION_DISCONNECTED while not connected,
/// NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLocalIPAndPort(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
    port: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetLocalIPAndPort", || {
        // SAFETY: NULL or writable per the API.
        let (mut ip, mut port) = unsafe { (Out::new(ip, "ip")?, Out::new(port, "port")?) };
        ip.set(std::ptr::null_mut());
        port.set(0);
        // SAFETY: handle per the API.
        let c = unsafe { open_conn(nc) }?;
        let addr = c
            .local_addr()
            .ok_or_else(|| Error::new(ErrorKind::ConnectionDisconnected, "not connected"))?;
        ip.set(malloc_cstring(&addr.ip().to_string()));
        port.set(c_int::from(addr.port()));
        Ok(())
    })
}

/// The name given with natsOptions_SetName, or NULL. The string belongs to the
/// connection and stays valid until natsConnection_Destroy; do not free it.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetName(nc: *mut natsConnection) -> *const c_char {
    guard_value("natsConnection_GetName", std::ptr::null(), || {
        // SAFETY: handle per the API.
        unsafe { try_borrow(nc) }.map_or(std::ptr::null(), |c| CONN_NAMES.get(c.as_arc(), c.name()))
    })
}

impl From<Status> for natsConnStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Disconnected => natsConnStatus::NATS_CONN_STATUS_DISCONNECTED,
            Status::Connecting => natsConnStatus::NATS_CONN_STATUS_CONNECTING,
            Status::Connected => natsConnStatus::NATS_CONN_STATUS_CONNECTED,
            Status::Closed => natsConnStatus::NATS_CONN_STATUS_CLOSED,
            Status::Reconnecting => natsConnStatus::NATS_CONN_STATUS_RECONNECTING,
            Status::DrainingSubs => natsConnStatus::NATS_CONN_STATUS_DRAINING_SUBS,
            Status::DrainingPubs => natsConnStatus::NATS_CONN_STATUS_DRAINING_PUBS,
        }
    }
}

/// Copies as much of `text` as fits, always NUL-terminating a non-empty buffer.
///
/// # Safety
/// `buf` is NULL or valid for writes of `n` bytes.
unsafe fn copy_truncated(text: &str, buf: *mut c_char, n: usize) {
    if buf.is_null() || n == 0 {
        return;
    }
    let len = text.len().min(n - 1);
    // SAFETY: `len + 1 <= n` bytes are written into the caller's buffer.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), buf, len);
        buf.add(len).write(0);
    }
}
