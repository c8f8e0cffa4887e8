//! `natsConnection_*`: connecting, publishing, subscribing, requests and
//! connection introspection.
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Arc;

use super::boundary::{
    copy_to_buffer, guard, guard_status, guard_value, invalid_arg, malloc_array, malloc_cstring,
    opt_str, write_out,
};
use super::handles::{
    conn, conn_into_raw, conn_ptr, conn_release, millis, natsConnection, natsSubscription, put,
    sub_into_raw, sub_ptr,
};
use super::library::natsStatistics;
use super::msg::{self, natsMsg};
use super::options::{natsOptions, Closure};
use super::status::{natsConnStatus, natsStatus};
use crate::client::{
    Connection, Error, ErrorKind, MsgHandler, Options, Result, Status, Subscription,
};

/// Called with each message of an asynchronous subscription; the message
/// belongs to the callee, who frees it with `natsMsg_Destroy`.
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
    // SAFETY: per the contract.
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
    // SAFETY: per the contract.
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
    // SAFETY: per the contract.
    match unsafe { c_string_bytes(p) } {
        [] => Err(invalid_arg("reply is NULL or empty")),
        r => Ok(r),
    }
}

/// A payload argument: `len` bytes at `data` (which may be NULL when empty).
///
/// # Safety
/// `data` is NULL or valid for reads of `len` bytes.
unsafe fn payload<'a>(data: *const c_void, len: c_int) -> Result<&'a [u8]> {
    if len < 0 || (data.is_null() && len > 0) {
        return Err(invalid_arg("invalid data or data length"));
    }
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL and `len` readable bytes per the contract.
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) })
}

/// # Safety
/// `p` is NULL or a C string.
unsafe fn c_string_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: a NUL-terminated string per the contract.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// Connects; a connection still trying in the background (retry on failed
/// connect with a connected callback) is handed out with
/// `NATS_NOT_YET_CONNECTED`, as nats.c does.
fn connect_with(nc: *mut *mut natsConnection, opts: Options) -> Result<natsStatus> {
    if nc.is_null() {
        return Err(invalid_arg("connection output is NULL"));
    }
    let (c, up) = Connection::connect_status(opts)?;
    // SAFETY: checked non-NULL above; the caller provides a writable slot.
    unsafe { *nc = conn_into_raw(c) };
    Ok(if up {
        natsStatus::NATS_OK
    } else {
        natsStatus::NATS_NOT_YET_CONNECTED
    })
}

/// Connects with the given options (NULL: defaults) and returns the connection in `nc`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Connect(
    nc: *mut *mut natsConnection,
    options: *mut natsOptions,
) -> natsStatus {
    guard_status("natsConnection_Connect", || {
        // SAFETY: NULL or live options per the API.
        let opts = match unsafe { options.as_ref() } {
            Some(o) => o.opts.clone(),
            None => Options::default(),
        };
        connect_with(nc, opts)
    })
}

/// Connects to the given URL or comma separated URLs (NULL: the default URL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ConnectTo(
    nc: *mut *mut natsConnection,
    urls: *const c_char,
) -> natsStatus {
    guard_status("natsConnection_ConnectTo", || {
        // SAFETY: NULL or a C string.
        let url = unsafe { opt_str(urls) }?.map(str::to_string);
        connect_with(
            nc,
            Options {
                url,
                ..Options::default()
            },
        )
    })
}

/// Publishes `dataLen` bytes of `data` on `subj`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Publish(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_Publish", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe { conn(nc)?.publish_bytes(pub_subject(subj)?, None, None, payload(data, dataLen)?) }
    })
}

/// Publishes a NUL-terminated string (without its NUL) on `subj`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishString(
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
) -> natsStatus {
    guard("natsConnection_PublishString", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe { conn(nc)?.publish_bytes(pub_subject(subj)?, None, None, c_string_bytes(str)) }
    })
}

/// Publishes a message built with `natsMsg_Create`, headers included.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishMsg(
    nc: *mut natsConnection,
    m: *mut natsMsg,
) -> natsStatus {
    guard("natsConnection_PublishMsg", || {
        // SAFETY: live handles per the API.
        let c = unsafe { conn(nc) }?;
        // SAFETY: as above.
        let m = unsafe { msg::message_arg(m) }?;
        c.publish_msg(&m)
    })
}

/// Publishes with a reply subject, for a responder to answer to.
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
            conn(nc)?.publish_bytes(
                pub_subject(subj)?,
                Some(reply),
                None,
                payload(data, dataLen)?,
            )
        }
    })
}

/// Like `natsConnection_Publish`, but the data (and anything published
/// before it) is written to the socket before this returns: lower latency,
/// no batching.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Send(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    guard("natsConnection_Send", || {
        // SAFETY: handle and arguments as documented by the API.
        unsafe { conn(nc)?.send_bytes(pub_subject(subj)?, None, None, payload(data, dataLen)?) }
    })
}

/// Like `natsConnection_PublishMsg` (headers included), written to the
/// socket before this returns.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendMsg(
    nc: *mut natsConnection,
    msg: *mut natsMsg,
) -> natsStatus {
    guard("natsConnection_SendMsg", || {
        // SAFETY: live handles per the API.
        let c = unsafe { conn(nc) }?;
        // SAFETY: as above.
        let m = unsafe { msg::message_arg(msg) }?;
        c.send_msg(&m)
    })
}

/// Like `natsConnection_PublishRequest`, written to the socket before this returns.
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
            conn(nc)?.send_bytes(
                pub_subject(subj)?,
                Some(reply),
                None,
                payload(data, dataLen)?,
            )
        }
    })
}

/// Like `natsConnection_PublishRequest` with a NUL-terminated string payload.
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
            conn(nc)?.publish_bytes(pub_subject(subj)?, Some(reply), None, c_string_bytes(str))
        }
    })
}

fn give_reply(replyMsg: *mut *mut natsMsg, r: Result<crate::client::Message>) -> Result<()> {
    let m = r?;
    // SAFETY: checked by the callers before the request was sent.
    unsafe { *replyMsg = msg::into_raw(m) };
    Ok(())
}

/// Sends a request and waits up to `timeout` ms for the reply, returned in `replyMsg`.
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
        if replyMsg.is_null() {
            return Err(invalid_arg("reply output is NULL"));
        }
        // SAFETY: handle and arguments as documented by the API.
        let r = unsafe {
            conn(nc)?.request(
                subject(subj)?,
                None,
                payload(data, dataLen)?,
                millis(timeout),
            )
        };
        give_reply(replyMsg, r)
    })
}

/// Like `natsConnection_Request` with a NUL-terminated string payload.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestString(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestString", || {
        if replyMsg.is_null() {
            return Err(invalid_arg("reply output is NULL"));
        }
        // SAFETY: handle and arguments as documented by the API.
        let r = unsafe {
            conn(nc)?.request(subject(subj)?, None, c_string_bytes(str), millis(timeout))
        };
        give_reply(replyMsg, r)
    })
}

/// Sends a message built with `natsMsg_Create` (headers included) as a request.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestMsg(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    requestMsg: *mut natsMsg,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestMsg", || {
        if replyMsg.is_null() {
            return Err(invalid_arg("reply output is NULL"));
        }
        // SAFETY: live handles per the API.
        let c = unsafe { conn(nc) }?;
        // SAFETY: as above.
        let m = unsafe { msg::message_arg(requestMsg) }?;
        let hdr = m.encoded_headers();
        let r = c.request(m.subject(), hdr.as_deref(), m.data(), millis(timeout));
        give_reply(replyMsg, r)
    })
}

fn msg_handler(cb: natsMsgHandler, closure: *mut c_void) -> Result<MsgHandler> {
    let f = cb.ok_or_else(|| invalid_arg("message callback is NULL"))?;
    let closure = Closure(closure);
    Ok(Arc::new(
        move |c: &Connection, s: &Subscription, m: Option<crate::client::Message>| {
            let cl = closure;
            let m = m.map_or(std::ptr::null_mut(), msg::into_raw);
            // SAFETY: the user's callback, given live handles, a message it now
            // owns (or NULL on an idle timeout) and their closure.
            unsafe { f(conn_ptr(c), sub_ptr(s), m, cl.0) }
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
    if out.is_null() {
        return Err(invalid_arg("subscription output is NULL"));
    }
    // SAFETY: per the contract.
    let c = unsafe { conn(nc) }?;
    // SAFETY: per the contract.
    let subj = unsafe { subject(subj) }?;
    let queue = match queue {
        None => None,
        // SAFETY: per the contract.
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
    // SAFETY: checked non-NULL above.
    unsafe { *out = sub_into_raw(sub) };
    Ok(())
}

/// Creates an asynchronous subscription: `cb` runs for each message, on one thread at a time.
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

/// Like `natsConnection_Subscribe`; `cb` also gets a NULL message after `timeout` ms without one.
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

/// Creates a synchronous subscription, read with `natsSubscription_NextMsg`.
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

/// Creates an asynchronous queue subscription: each message goes to one member of `queueGroup`.
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

/// Like `natsConnection_QueueSubscribe`, with the idle timeout of `natsConnection_SubscribeTimeout`.
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

/// Creates a synchronous queue subscription.
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

/// Drops the current server connection and reconnects (to the next server
/// of the pool when there are several), as after a network failure: the
/// disconnected and reconnected callbacks run. NATS_CONNECTION_CLOSED once closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Reconnect(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Reconnect", || unsafe {
        conn(nc)?.force_reconnect()
    })
}

/// Drains the connection, giving up after 30 seconds: subscriptions stop
/// receiving new messages and deliver what they already hold, pending
/// publishes are flushed, then the connection closes (the closed callback
/// tells when). Returns at once; new subscriptions fail with NATS_DRAINING.
/// NATS_ILLEGAL_STATE while reconnecting.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Drain(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Drain", || unsafe {
        conn(nc)?.drain(Some(crate::client::DEFAULT_DRAIN_TIMEOUT))
    })
}

/// Like natsConnection_Drain with a limit of `timeout` ms (0 or less: no
/// limit). Subscriptions not drained in time report NATS_TIMEOUT through
/// natsSubscription_DrainCompletionStatus and the error handler.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_DrainTimeout(
    nc: *mut natsConnection,
    timeout: i64,
) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_DrainTimeout", || unsafe {
        conn(nc)?.drain((timeout > 0).then(|| millis(timeout)))
    })
}

/// Waits up to 10 seconds until the server has processed everything sent so far.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Flush(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: handle per the API.
    guard("natsConnection_Flush", || unsafe {
        conn(nc)?.flush_timeout(millis(10_000))
    })
}

/// Waits up to `timeout` ms until the server has processed everything sent so far.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_FlushTimeout(
    nc: *mut natsConnection,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_FlushTimeout", || {
        // SAFETY: handle per the API.
        let c = unsafe { conn(nc) }?;
        if timeout <= 0 {
            return Err(Error::new(
                ErrorKind::InvalidTimeout,
                "timeout must be positive",
            ));
        }
        c.flush_timeout(millis(timeout))
    })
}

/// Bytes buffered and not yet sent, or -1 if the connection is NULL or closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Buffered(nc: *mut natsConnection) -> c_int {
    guard_value("natsConnection_Buffered", -1, || {
        // SAFETY: handle per the API.
        unsafe { conn(nc) }
            .ok()
            .and_then(|c| c.buffered().ok())
            .map_or(-1, |n| n.min(c_int::MAX as usize) as c_int)
    })
}

/// Closes the connection, first sending what is buffered; the handle stays valid until `natsConnection_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Close(nc: *mut natsConnection) {
    guard_value("natsConnection_Close", (), || {
        // SAFETY: handle per the API.
        if let Ok(c) = unsafe { conn(nc) } {
            c.close();
        }
    })
}

/// Closes the connection if needed and releases the handle; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Destroy(nc: *mut natsConnection) {
    if nc.is_null() {
        return;
    }
    guard_value("natsConnection_Destroy", (), || {
        // SAFETY: the user's reference, released once here.
        let c = unsafe { conn_release(nc) };
        c.close();
    })
}

/// Whether the connection is closed (true for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsClosed(nc: *mut natsConnection) -> bool {
    // SAFETY: handle per the API.
    guard_value("natsConnection_IsClosed", true, || {
        unsafe { conn(nc) }.map_or(true, |c| c.is_closed())
    })
}

/// Whether the connection is trying to reconnect.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsReconnecting(nc: *mut natsConnection) -> bool {
    // SAFETY: handle per the API.
    guard_value("natsConnection_IsReconnecting", false, || {
        unsafe { conn(nc) }.is_ok_and(|c| c.status() == Status::Reconnecting)
    })
}

/// Whether the connection is draining.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsDraining(nc: *mut natsConnection) -> bool {
    guard_value("natsConnection_IsDraining", false, || {
        // SAFETY: handle per the API.
        unsafe { conn(nc) }
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
            unsafe { conn(nc) }.map_or(natsConnStatus::NATS_CONN_STATUS_CLOSED, |c| {
                natsConnStatus::from(c.status())
            })
        },
    )
}

/// Copies the URL of the server we are connected to into `buffer` (empty when not connected).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedUrl(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    guard("natsConnection_GetConnectedUrl", || {
        // SAFETY: handle and buffer per the API.
        unsafe {
            let c = conn(nc)?;
            copy_to_buffer(&c.connected_url().unwrap_or_default(), buffer, bufferSize)
        }
    })
}

/// Copies the ID of the server we are connected to into `buffer` (empty when not connected).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedServerId(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    guard("natsConnection_GetConnectedServerId", || {
        // SAFETY: handle and buffer per the API.
        unsafe {
            let c = conn(nc)?;
            copy_to_buffer(
                &c.connected_server_id().unwrap_or_default(),
                buffer,
                bufferSize,
            )
        }
    })
}

/// # Safety
/// Out-parameters NULL or writable.
unsafe fn give_strings(
    list: Vec<String>,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> Result<()> {
    if servers.is_null() || count.is_null() {
        return Err(invalid_arg("output argument is NULL"));
    }
    let ptrs: Vec<*mut c_char> = list.iter().map(|s| malloc_cstring(s)).collect();
    let arr = if ptrs.is_empty() {
        std::ptr::null_mut()
    } else {
        malloc_array(&ptrs)
    };
    // SAFETY: checked non-NULL above.
    unsafe {
        *servers = arr;
        *count = ptrs.len() as c_int;
    }
    Ok(())
}

/// Returns every known server URL; free each string and the array with free().
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetServers", || {
        // SAFETY: handle and out-parameters per the API.
        unsafe { give_strings(conn(nc)?.servers(false), servers, count) }
    })
}

/// Returns the server URLs learned from the cluster; free each string and the array with free().
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetDiscoveredServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetDiscoveredServers", || {
        // SAFETY: handle and out-parameters per the API.
        unsafe { give_strings(conn(nc)?.servers(true), servers, count) }
    })
}

thread_local! {
    /// Backs the text `natsConnection_GetLastError` hands out: valid until
    /// this thread asks again.
    static CONN_ERROR_TEXT: RefCell<CString> = RefCell::new(CString::default());
}

/// Returns the connection's last error status, with its text in `lastError`.
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
            let Ok(c) = (unsafe { conn(nc) }) else {
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
            unsafe { write_out(lastError, ptr) };
            status
        },
    )
}

/// Copies the connection's last error text into `buf` and returns its status.
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
            let Ok(c) = (unsafe { conn(nc) }) else {
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
    // SAFETY: handle per the API.
    guard_value("natsConnection_GetMaxPayload", 0, || {
        unsafe { conn(nc) }.map_or(0, |c| c.max_payload())
    })
}

/// Copies the connection's traffic counters into `stats`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetStats(
    nc: *mut natsConnection,
    stats: *mut natsStatistics,
) -> natsStatus {
    guard("natsConnection_GetStats", || {
        // SAFETY: handle per the API.
        let c = unsafe { conn(nc) }?;
        // SAFETY: NULL or a live statistics object.
        let s = unsafe { stats.as_mut() }.ok_or_else(|| invalid_arg("statistics is NULL"))?;
        s.set(c.stats());
        Ok(())
    })
}

fn open_conn(nc: *mut natsConnection) -> Result<super::handles::Borrowed<Connection>> {
    // SAFETY: handle per the API of every caller.
    let c = unsafe { conn(nc) }?;
    if c.is_closed() {
        return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
    }
    Ok(c)
}

/// The client ID the server assigned to this connection.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientID(
    nc: *mut natsConnection,
    cid: *mut u64,
) -> natsStatus {
    guard("natsConnection_GetClientID", || {
        if cid.is_null() {
            return Err(invalid_arg("cid is NULL"));
        }
        let id = open_conn(nc)?.server_info().client_id;
        if id == 0 {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server did not send a client ID",
            ));
        }
        // SAFETY: checked non-NULL.
        unsafe { put(cid, id) }
    })
}

/// This client's IP address as seen by the server; free it with free().
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientIP(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
) -> natsStatus {
    guard("natsConnection_GetClientIP", || {
        if ip.is_null() {
            return Err(invalid_arg("ip is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe { *ip = std::ptr::null_mut() };
        let text = open_conn(nc)?.server_info().client_ip;
        if text.is_empty() {
            return Err(Error::new(
                ErrorKind::NoServerSupport,
                "server did not send the client IP",
            ));
        }
        // SAFETY: checked non-NULL.
        unsafe { put(ip, malloc_cstring(&text)) }
    })
}

/// Measures a PING/PONG round trip, in nanoseconds.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetRTT(
    nc: *mut natsConnection,
    rtt: *mut i64,
) -> natsStatus {
    guard("natsConnection_GetRTT", || {
        if rtt.is_null() {
            return Err(invalid_arg("rtt is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe { *rtt = 0 };
        let d = open_conn(nc)?.rtt()?;
        // SAFETY: checked non-NULL.
        unsafe { put(rtt, d.as_nanos().min(i64::MAX as u128) as i64) }
    })
}

/// NATS_OK if the server supports headers, NATS_NO_SERVER_SUPPORT otherwise.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_HasHeaderSupport(nc: *mut natsConnection) -> natsStatus {
    guard("natsConnection_HasHeaderSupport", || {
        // SAFETY: handle per the API.
        if unsafe { conn(nc) }?.has_headers() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::NoServerSupport,
                "server does not support headers",
            ))
        }
    })
}

/// The local IP address (free it with free()) and port of the connection's socket.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLocalIPAndPort(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
    port: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetLocalIPAndPort", || {
        if ip.is_null() || port.is_null() {
            return Err(invalid_arg("output argument is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe {
            *ip = std::ptr::null_mut();
            *port = 0;
        }
        let c = open_conn(nc)?;
        let addr = c
            .local_addr()
            .ok_or_else(|| Error::new(ErrorKind::ConnectionDisconnected, "not connected"))?;
        // SAFETY: checked non-NULL.
        unsafe {
            *ip = malloc_cstring(&addr.ip().to_string());
            *port = addr.port() as c_int;
        }
        Ok(())
    })
}

/// The name given with `natsOptions_SetName`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetName(nc: *mut natsConnection) -> *const c_char {
    guard_value("natsConnection_GetName", std::ptr::null(), || {
        // SAFETY: handle per the API; the name lives as long as the connection.
        unsafe { conn(nc) }
            .ok()
            .and_then(|c| c.name_with_nul().map(|n| n.as_ptr() as *const c_char))
            .unwrap_or(std::ptr::null())
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
