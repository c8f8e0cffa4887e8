//! `natsOptions_*`: building the options a connection is created with.
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use super::boundary::Out;
use super::boundary::{guard, invalid_arg, opt_str, req_str};
use super::handles::{
    boxed_handle, boxed_mut, lend, natsConnection, natsSubscription, release, to_c,
};
use super::status::natsStatus;
use crate::client::{Options, Result};

/// Connection options (opaque): made with natsOptions_Create, freed with
/// natsOptions_Destroy. A connection copies them when it is created. One
/// `natsOptions` must not be changed by two threads at once.
pub struct natsOptions {
    pub(crate) opts: Options,
}

boxed_handle!(natsOptions, "options");

/// Told about errors that no call returns: a slow consumer (`subscription`
/// says which), a protocol or permission error from the server, a drain that
/// timed out. `err` is the status; natsConnection_GetLastError gives the text.
/// Runs on the library's event thread, one callback at a time across all
/// connections, in the order the errors happened; `nc` and `subscription` are
/// lent for the call.
pub type natsErrHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        subscription: *mut natsSubscription,
        err: natsStatus,
        closure: *mut c_void,
    ),
>;

/// A connection event: closed, disconnected, reconnected, connected (after a
/// retried first connect), discovered servers, lame duck mode. Runs on the
/// library's event thread, one callback at a time across all connections and
/// in the order of the events, never while the library holds a lock; `nc` is
/// lent for the call. Closing or destroying the connection from it is safe.
pub type natsConnectionHandler =
    Option<unsafe extern "C" fn(nc: *mut natsConnection, closure: *mut c_void)>;

/// Returns how long, in milliseconds, to wait before the next reconnect round;
/// `attempts` counts the rounds, starting at 1. A negative result counts as 0.
/// Runs on the library's reconnect thread of `nc`.
pub type natsCustomReconnectDelayHandler = Option<
    unsafe extern "C" fn(nc: *mut natsConnection, attempts: c_int, closure: *mut c_void) -> i64,
>;

/// The user's closure pointer, carried to library threads.
#[derive(Clone, Copy)]
pub(crate) struct Closure(pub(crate) *mut c_void);

// SAFETY: nats.c's contract is that closures given with a callback are used
// from library threads; the user keeps what they point to valid and
// thread-safe for as long as the callback is registered.
unsafe impl Send for Closure {}
// SAFETY: as above; we only pass the pointer back to the user's callback.
unsafe impl Sync for Closure {}

/// Runs `f` on the options behind `opts`.
///
/// # Safety
/// `opts` is NULL or a live `natsOptions`.
pub(crate) unsafe fn with_opts(
    func: &'static str,
    opts: *mut natsOptions,
    f: impl FnOnce(&mut Options) -> Result<()>,
) -> natsStatus {
    guard(func, || {
        // SAFETY: per the contract; NULL is rejected.
        let o = unsafe { boxed_mut(opts) }?;
        f(&mut o.opts)
    })
}

/// A count of milliseconds from C as a duration; a negative one is none.
fn millis(ms: i64, what: &str) -> Result<Duration> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| invalid_arg(&format!("{what} cannot be negative")))
}

/// A size from C; a negative one is not a size.
fn size(n: c_int, what: &str) -> Result<usize> {
    usize::try_from(n).map_err(|_| invalid_arg(&format!("{what} cannot be negative")))
}

/// Creates options with nats.c's defaults in `*newOpts`. They belong to the
/// caller: free them with natsOptions_Destroy (connections made from them
/// keep their own copy).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Create(newOpts: *mut *mut natsOptions) -> natsStatus {
    guard("natsOptions_Create", || {
        // SAFETY: NULL or writable per the API.
        let mut newOpts = unsafe { Out::new(newOpts, "newOpts") }?;
        newOpts.set(to_c(Box::new(natsOptions {
            opts: Options::default(),
        })));
        Ok(())
    })
}

/// Frees options; NULL is ignored. Connections made from them are not
/// affected: each keeps its own copy.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Destroy(opts: *mut natsOptions) {
    // SAFETY: NULL or live options created by natsOptions_Create, destroyed
    // once, per the API.
    drop(unsafe { release(opts) });
}

/// Sets the server URL, or a comma separated list of URLs; NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetURL(
    opts: *mut natsOptions,
    url: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetURL", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        o.set_url(unsafe { opt_str(url) }?);
        Ok(())
    })
}

/// Sets the list of servers to try (after the URL, if any); NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetServers(
    opts: *mut natsOptions,
    servers: *mut *const c_char,
    serversCount: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetServers", opts, |o| {
        if (servers.is_null() && serversCount != 0) || (!servers.is_null() && serversCount <= 0) {
            return Err(invalid_arg("servers and serversCount do not agree"));
        }
        let mut list = Vec::with_capacity(serversCount.max(0) as usize);
        for i in 0..serversCount.max(0) as usize {
            // SAFETY: `servers` holds `serversCount` C strings per the API.
            let s = unsafe { req_str(*servers.add(i), "server URL") }?;
            list.push(s);
        }
        o.set_servers(list);
        Ok(())
    })
}

/// Sets the name the connection reports to the server; NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetName(
    opts: *mut natsOptions,
    name: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetName", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        o.name = unsafe { opt_str(name) }?.map(str::to_string);
        Ok(())
    })
}

/// Sets the user and password sent when the URL carries none.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserInfo(
    opts: *mut natsOptions,
    user: *const c_char,
    password: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetUserInfo", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        o.user = unsafe { opt_str(user) }?.map(str::to_string);
        // SAFETY: as above.
        o.password = unsafe { opt_str(password) }?.map(str::to_string);
        Ok(())
    })
}

/// Sets the token sent when the URL carries none; NULL clears it. Fails with
/// `NATS_ILLEGAL_STATE` while a token handler is set.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetToken(
    opts: *mut natsOptions,
    token: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetToken", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        o.set_token(unsafe { opt_str(token) }?.map(str::to_string))
    })
}

/// Asks the server to acknowledge every protocol message with +OK.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetVerbose(
    opts: *mut natsOptions,
    verbose: bool,
) -> natsStatus {
    with_opts("natsOptions_SetVerbose", opts, |o| {
        o.verbose = verbose;
        Ok(())
    })
}

/// Asks the server for stricter protocol checks.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPedantic(
    opts: *mut natsOptions,
    pedantic: bool,
) -> natsStatus {
    with_opts("natsOptions_SetPedantic", opts, |o| {
        o.pedantic = pedantic;
        Ok(())
    })
}

/// Sets the timeout, in milliseconds, for connecting to one server (0 keeps the 2 second default).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTimeout(
    opts: *mut natsOptions,
    timeout: i64,
) -> natsStatus {
    with_opts("natsOptions_SetTimeout", opts, |o| {
        o.set_timeout(millis(timeout, "timeout")?);
        Ok(())
    })
}

/// Sets how often, in milliseconds, the client PINGs the server (0 disables).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPingInterval(
    opts: *mut natsOptions,
    interval: i64,
) -> natsStatus {
    with_opts("natsOptions_SetPingInterval", opts, |o| {
        o.ping_interval = Duration::from_millis(interval.max(0) as u64);
        Ok(())
    })
}

/// Sets how many PINGs may go unanswered before the connection is stale.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPingsOut(
    opts: *mut natsOptions,
    maxPingsOut: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetMaxPingsOut", opts, |o| {
        // nats.c stores any count; a negative one acts as 0 there too (the
        // first unanswered PING makes the connection stale).
        o.max_pings_out = usize::try_from(maxPingsOut).unwrap_or(0);
        Ok(())
    })
}

/// Sets the size of the read and write buffers, in bytes.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIOBufSize(
    opts: *mut natsOptions,
    ioBufSize: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetIOBufSize", opts, |o| {
        o.set_io_buf_size(size(ioBufSize, "buffer size")?);
        Ok(())
    })
}

/// When true, the server does not send back this connection's own messages.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoEcho(opts: *mut natsOptions, noEcho: bool) -> natsStatus {
    with_opts("natsOptions_SetNoEcho", opts, |o| {
        o.no_echo = noEcho;
        Ok(())
    })
}

/// Sets the default pending message limit of new subscriptions (must be > 0).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingMsgs(
    opts: *mut natsOptions,
    maxPending: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetMaxPendingMsgs", opts, |o| {
        // Negative counts as 0, which the setter refuses.
        o.set_max_pending_msgs(usize::try_from(maxPending).unwrap_or(0))
    })
}

/// Sets the default pending byte limit of new subscriptions (must be > 0).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingBytes(
    opts: *mut natsOptions,
    maxPending: i64,
) -> natsStatus {
    with_opts("natsOptions_SetMaxPendingBytes", opts, |o| {
        // Negative counts as 0, which the setter refuses.
        o.set_max_pending_bytes(usize::try_from(maxPending).unwrap_or(0))
    })
}

/// Sets the handler of asynchronous errors (see natsErrHandler: it runs on the
/// library's event thread); NULL restores the default, which prints to
/// stderr. `closure` must stay valid until the connection's closed callback.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetErrorHandler(
    opts: *mut natsOptions,
    errHandler: natsErrHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetErrorHandler", opts, |o| {
        let closure = Closure(closure);
        o.set_error_handler(errHandler.map(|f| -> crate::client::options::ErrCallback {
            Arc::new(move |conn, sub, err| {
                let c = closure;
                let s = sub.map_or(std::ptr::null_mut(), lend);
                // SAFETY: the user's callback, given live handles and their closure.
                unsafe { f(lend(conn), s, natsStatus::from(err.kind), c.0) }
            })
        }));
        Ok(())
    })
}

fn conn_callback(
    cb: natsConnectionHandler,
    closure: *mut c_void,
) -> Option<crate::client::options::ConnCallback> {
    let closure = Closure(closure);
    cb.map(|f| -> crate::client::options::ConnCallback {
        Arc::new(move |conn| {
            let c = closure;
            // SAFETY: the user's callback, given a live handle and their closure.
            unsafe { f(lend(conn), c.0) }
        })
    })
}

/// Sets the callback run once when the connection is closed, on the library's
/// event thread. No other callback of the connection runs after it, so it is
/// the place to free the closures given to the connection. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetClosedCB(
    opts: *mut natsOptions,
    closedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetClosedCB", opts, |o| {
        o.callbacks.closed_cb = conn_callback(closedCb, closure);
        Ok(())
    })
}

/// Sets the callback run, on the library's event thread, each time the
/// connection to the server is lost (and once more at close when it was
/// connected). NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDisconnectedCB(
    opts: *mut natsOptions,
    disconnectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetDisconnectedCB", opts, |o| {
        o.callbacks.disconnected_cb = conn_callback(disconnectedCb, closure);
        Ok(())
    })
}

/// Sets the callback run, on the library's event thread, each time the
/// connection has been re-established. NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectedCB(
    opts: *mut natsOptions,
    reconnectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectedCB", opts, |o| {
        o.callbacks.reconnected_cb = conn_callback(reconnectedCb, closure);
        Ok(())
    })
}

/// When true, the message callbacks of the asynchronous subscriptions of
/// connections made with these options run on the threads of the shared
/// delivery pool (see nats_SetMessageDeliveryPoolSize) instead of one thread
/// per subscription. The callbacks of one subscription still never overlap.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseGlobalMessageDelivery(
    opts: *mut natsOptions,
    global: bool,
) -> natsStatus {
    with_opts("natsOptions_UseGlobalMessageDelivery", opts, |o| {
        o.global_delivery = global;
        Ok(())
    })
}

/// Uses a new inbox subscription per request instead of the shared one.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseOldRequestStyle(
    opts: *mut natsOptions,
    useOldStyle: bool,
) -> natsStatus {
    with_opts("natsOptions_UseOldRequestStyle", opts, |o| {
        o.old_request_style = useOldStyle;
        Ok(())
    })
}

/// Writes every publish to the socket at once instead of letting the flusher batch them.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSendAsap(
    opts: *mut natsOptions,
    sendAsap: bool,
) -> natsStatus {
    with_opts("natsOptions_SetSendAsap", opts, |o| {
        o.send_asap = sendAsap;
        Ok(())
    })
}

/// Sets how long, in microseconds, the flusher may wait to batch a busy stream of writes.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetFlusherWaitMicros(
    opts: *mut natsOptions,
    flusherWaitUs: i64,
) -> natsStatus {
    with_opts("natsOptions_SetFlusherWaitMicros", opts, |o| {
        o.flusher_wait = u64::try_from(flusherWaitUs)
            .map(Duration::from_micros)
            .map_err(|_| invalid_arg("flusher wait cannot be negative"))?;
        Ok(())
    })
}

/// Sets the prefix of inboxes used for requests (default "_INBOX"); NULL or "" restores it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomInboxPrefix(
    opts: *mut natsOptions,
    inboxPrefix: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetCustomInboxPrefix", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let p = unsafe { opt_str(inboxPrefix) }?;
        o.set_inbox_prefix(p)
    })
}

/// When disabled, a request to a subject without subscribers times out instead of failing with NATS_NO_RESPONDERS.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_DisableNoResponders(
    opts: *mut natsOptions,
    disabled: bool,
) -> natsStatus {
    with_opts("natsOptions_DisableNoResponders", opts, |o| {
        o.no_responders_disabled = disabled;
        Ok(())
    })
}

/// Reserves this many zeroed bytes after each received payload.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMessageBufferPadding(
    opts: *mut natsOptions,
    paddingSize: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetMessageBufferPadding", opts, |o| {
        o.message_padding = size(paddingSize, "padding")?;
        Ok(())
    })
}

/// Sets how long, in milliseconds, a socket write may block before the connection is considered broken (0: no limit).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetWriteDeadline(
    opts: *mut natsOptions,
    deadline: i64,
) -> natsStatus {
    with_opts("natsOptions_SetWriteDeadline", opts, |o| {
        o.set_write_deadline(millis(deadline, "write deadline")?);
        Ok(())
    })
}

/// When true, pending requests fail at once when the connection is lost instead of waiting for their timeout.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetFailRequestsOnDisconnect(
    opts: *mut natsOptions,
    failRequests: bool,
) -> natsStatus {
    with_opts("natsOptions_SetFailRequestsOnDisconnect", opts, |o| {
        o.fail_requests_on_disconnect = failRequests;
        Ok(())
    })
}

/// Turns reconnecting on or off after a lost connection (default: on).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetAllowReconnect(
    opts: *mut natsOptions,
    allow: bool,
) -> natsStatus {
    with_opts("natsOptions_SetAllowReconnect", opts, |o| {
        o.allow_reconnect = allow;
        Ok(())
    })
}

/// Sets how many times each server may be tried during one outage before the
/// connection is closed (default 60); a negative value keeps trying forever.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxReconnect(
    opts: *mut natsOptions,
    maxReconnect: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetMaxReconnect", opts, |o| {
        o.max_reconnect = usize::try_from(maxReconnect).ok();
        Ok(())
    })
}

/// Sets, in milliseconds, the pause before a server is tried again during a
/// reconnect (default 2000); servers not yet tried are attempted at once.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectWait(
    opts: *mut natsOptions,
    reconnectWait: i64,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectWait", opts, |o| {
        o.reconnect_wait = millis(reconnectWait, "reconnect wait")?;
        Ok(())
    })
}

/// Sets, in milliseconds, the largest random delay added to the reconnect
/// wait, so that many clients do not all come back at once (defaults: 100
/// without TLS, 1000 with TLS).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectJitter(
    opts: *mut natsOptions,
    jitter: i64,
    jitterTLS: i64,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectJitter", opts, |o| {
        let (plain, tls) = (
            millis(jitter, "reconnect jitter")?,
            millis(jitterTLS, "reconnect jitter")?,
        );
        o.reconnect_jitter = plain;
        o.reconnect_jitter_tls = tls;
        Ok(())
    })
}

/// Sets a function that decides how long to wait after each failed pass over
/// the server list, replacing the reconnect wait and jitter; NULL removes it.
/// It runs on the connection's reconnect thread.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomReconnectDelay(
    opts: *mut natsOptions,
    cb: natsCustomReconnectDelayHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetCustomReconnectDelay", opts, |o| {
        let closure = Closure(closure);
        o.callbacks.custom_reconnect_delay =
            cb.map(|f| -> crate::client::options::ReconnectDelayFn {
                Arc::new(move |conn, attempts| {
                    let c = closure;
                    // SAFETY: the user's callback, given a live handle and their closure.
                    let ms = unsafe { f(lend(conn), attempts, c.0) };
                    Duration::from_millis(ms.max(0) as u64)
                })
            });
        Ok(())
    })
}

/// Sets how many bytes of publishes are kept while reconnecting (default 8 MB).
/// They are sent in order once the connection is back; a publish that does not
/// fit fails with NATS_INSUFFICIENT_BUFFER. 0 restores the default.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectBufSize(
    opts: *mut natsOptions,
    reconnectBufSize: c_int,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectBufSize", opts, |o| {
        o.set_reconnect_buf_size(size(reconnectBufSize, "reconnect buffer size")?);
        Ok(())
    })
}

/// When true, a first connect that fails is retried with the reconnect
/// settings (even if reconnecting is disabled). With a `connectedCb`,
/// natsConnection_Connect returns NATS_NOT_YET_CONNECTED with the connection
/// and keeps trying in the background, calling `connectedCb` on the library's
/// event thread once connected (or the closed callback if it gives up).
/// Without one, it retries before returning, up to MaxReconnect rounds with
/// ReconnectWait between them. When false (the default) `connectedCb` is
/// ignored and cleared.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetRetryOnFailedConnect(
    opts: *mut natsOptions,
    retry: bool,
    connectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetRetryOnFailedConnect", opts, |o| {
        o.set_retry_on_failed_connect(retry, conn_callback(connectedCb, closure));
        Ok(())
    })
}

/// When true, servers are tried in the order given instead of a shuffled one (default: false).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoRandomize(
    opts: *mut natsOptions,
    noRandomize: bool,
) -> natsStatus {
    with_opts("natsOptions_SetNoRandomize", opts, |o| {
        o.no_randomize = noRandomize;
        Ok(())
    })
}

/// When true, server URLs announced by the cluster are not added to the list
/// used for reconnecting (default: false).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreDiscoveredServers(
    opts: *mut natsOptions,
    ignore: bool,
) -> natsStatus {
    with_opts("natsOptions_SetIgnoreDiscoveredServers", opts, |o| {
        o.ignore_discovered_servers = ignore;
        Ok(())
    })
}

/// Sets the callback run, from the library's event thread, when the server
/// announces servers that were not known before; NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDiscoveredServersCB(
    opts: *mut natsOptions,
    discoveredServersCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetDiscoveredServersCB", opts, |o| {
        o.callbacks.discovered_servers_cb = conn_callback(discoveredServersCb, closure);
        Ok(())
    })
}

/// Sets the callback run, from the library's event thread, when the server
/// says it is about to shut down (lame duck mode); NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetLameDuckModeCB(
    opts: *mut natsOptions,
    lameDuckCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetLameDuckModeCB", opts, |o| {
        o.callbacks.lame_duck_cb = conn_callback(lameDuckCb, closure);
        Ok(())
    })
}

/// When true, a generic -ERR from the server starts a reconnect instead of
/// closing the connection (default: false). Authorization and permission
/// errors still close it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectOnProtocolError(
    opts: *mut natsOptions,
    reconnect: bool,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectOnProtocolError", opts, |o| {
        o.reconnect_on_protocol_error = reconnect;
        Ok(())
    })
}

/// When true, reconnecting goes on even after a server rejects the
/// credentials twice in a row with the same error; by default that closes
/// the connection.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreAuthErrorAbort(
    opts: *mut natsOptions,
    ignore: bool,
) -> natsStatus {
    with_opts("natsOptions_SetIgnoreAuthErrorAbort", opts, |o| {
        o.ignore_auth_error_abort = ignore;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::null_mut;

    unsafe extern "C" fn noop_conn_cb(_nc: *mut natsConnection, _closure: *mut c_void) {}

    unsafe extern "C" fn delay_cb(
        _nc: *mut natsConnection,
        _attempts: c_int,
        _closure: *mut c_void,
    ) -> i64 {
        5
    }

    fn create() -> *mut natsOptions {
        let mut o: *mut natsOptions = null_mut();
        // SAFETY: a valid out-parameter.
        assert_eq!(unsafe { natsOptions_Create(&mut o) }, natsStatus::NATS_OK);
        assert!(!o.is_null());
        o
    }

    /// # Safety
    /// `o` is a live options object from `create`.
    unsafe fn get<'a>(o: *mut natsOptions) -> &'a Options {
        // SAFETY: `o` is a live box from `natsOptions_Create` (our contract).
        unsafe { &(*o).opts }
    }

    /// What `natsOptions_Create` gives a C program is `Options::default()`,
    /// field by field. The destructuring names every field, so a new one
    /// does not compile until it is compared here too. Callbacks and TLS
    /// settings cannot be compared by value: their presence and their
    /// observable settings are.
    #[test]
    fn c_defaults_are_the_client_defaults() {
        let o = create();
        // SAFETY: `o` is live until destroyed below.
        let c = unsafe { get(o) };
        let d = Options::default();
        let Options {
            url,
            servers,
            name,
            verbose,
            pedantic,
            timeout,
            ping_interval,
            max_pings_out,
            io_buf_size,
            no_echo,
            max_pending_msgs,
            max_pending_bytes,
            user,
            password,
            token,
            token_handler,
            nkey,
            user_jwt,
            signer,
            user_creds,
            secure,
            tls_handshake_first,
            tls,
            ip_order,
            proxy_conn,
            global_delivery,
            old_request_style,
            send_asap,
            flusher_wait,
            inbox_prefix,
            no_responders_disabled,
            message_padding,
            write_deadline,
            fail_requests_on_disconnect,
            allow_reconnect,
            max_reconnect,
            reconnect_wait,
            reconnect_jitter,
            reconnect_jitter_tls,
            reconnect_buf_size,
            retry_on_failed_connect,
            no_randomize,
            ignore_discovered_servers,
            reconnect_on_protocol_error,
            ignore_auth_error_abort,
            callbacks,
        } = c;
        let crate::client::Callbacks {
            connected_cb,
            discovered_servers_cb,
            lame_duck_cb,
            error_cb,
            closed_cb,
            disconnected_cb,
            reconnected_cb,
            custom_reconnect_delay,
        } = callbacks;
        let dc = &d.callbacks;
        assert_eq!(*url, d.url);
        assert_eq!(*servers, d.servers);
        assert_eq!(*name, d.name);
        assert_eq!(*verbose, d.verbose);
        assert_eq!(*pedantic, d.pedantic);
        assert_eq!(*timeout, d.timeout);
        assert_eq!(*ping_interval, d.ping_interval);
        assert_eq!(*max_pings_out, d.max_pings_out);
        assert_eq!(*io_buf_size, d.io_buf_size);
        assert_eq!(*no_echo, d.no_echo);
        assert_eq!(*max_pending_msgs, d.max_pending_msgs);
        assert_eq!(*max_pending_bytes, d.max_pending_bytes);
        assert_eq!(*user, d.user);
        assert_eq!(*password, d.password);
        assert_eq!(*token, d.token);
        assert_eq!(token_handler.is_some(), d.token_handler.is_some());
        assert_eq!(*nkey, d.nkey);
        assert_eq!(user_jwt.is_some(), d.user_jwt.is_some());
        assert_eq!(signer.is_some(), d.signer.is_some());
        assert_eq!(user_creds.is_some(), d.user_creds.is_some());
        assert_eq!(*secure, d.secure);
        assert_eq!(*tls_handshake_first, d.tls_handshake_first);
        assert_eq!(tls.expected_hostname(), d.tls.expected_hostname());
        assert_eq!(tls.skip_verify(), d.tls.skip_verify());
        assert_eq!(tls.has_verify_callback(), d.tls.has_verify_callback());
        assert_eq!(tls.concurrent_handshakes(), d.tls.concurrent_handshakes());
        assert_eq!(*ip_order, d.ip_order);
        assert_eq!(proxy_conn.is_some(), d.proxy_conn.is_some());
        assert_eq!(*global_delivery, d.global_delivery);
        assert_eq!(*old_request_style, d.old_request_style);
        assert_eq!(*send_asap, d.send_asap);
        assert_eq!(*flusher_wait, d.flusher_wait);
        assert_eq!(*inbox_prefix, d.inbox_prefix);
        assert_eq!(*no_responders_disabled, d.no_responders_disabled);
        assert_eq!(*message_padding, d.message_padding);
        assert_eq!(*write_deadline, d.write_deadline);
        assert_eq!(*fail_requests_on_disconnect, d.fail_requests_on_disconnect);
        assert_eq!(*allow_reconnect, d.allow_reconnect);
        assert_eq!(*max_reconnect, d.max_reconnect);
        assert_eq!(*reconnect_wait, d.reconnect_wait);
        assert_eq!(*reconnect_jitter, d.reconnect_jitter);
        assert_eq!(*reconnect_jitter_tls, d.reconnect_jitter_tls);
        assert_eq!(
            custom_reconnect_delay.is_some(),
            dc.custom_reconnect_delay.is_some()
        );
        assert_eq!(*reconnect_buf_size, d.reconnect_buf_size);
        assert_eq!(*retry_on_failed_connect, d.retry_on_failed_connect);
        assert_eq!(connected_cb.is_some(), dc.connected_cb.is_some());
        assert_eq!(*no_randomize, d.no_randomize);
        assert_eq!(*ignore_discovered_servers, d.ignore_discovered_servers);
        assert_eq!(
            discovered_servers_cb.is_some(),
            dc.discovered_servers_cb.is_some()
        );
        assert_eq!(lame_duck_cb.is_some(), dc.lame_duck_cb.is_some());
        assert_eq!(*reconnect_on_protocol_error, d.reconnect_on_protocol_error);
        assert_eq!(*ignore_auth_error_abort, d.ignore_auth_error_abort);
        assert_eq!(error_cb.is_some(), dc.error_cb.is_some());
        assert!(dc.error_cb.is_some(), "nats.c always has an error handler");
        assert_eq!(closed_cb.is_some(), dc.closed_cb.is_some());
        assert_eq!(disconnected_cb.is_some(), dc.disconnected_cb.is_some());
        assert_eq!(reconnected_cb.is_some(), dc.reconnected_cb.is_some());
        // SAFETY: `o` came from `create` and is not used after this.
        unsafe { natsOptions_Destroy(o) };
    }

    #[test]
    fn reconnect_defaults() {
        let o = create();
        // SAFETY: `o` is live until destroyed below.
        unsafe {
            let opts = get(o);
            assert!(opts.allow_reconnect);
            assert_eq!(opts.max_reconnect, Some(60));
            assert_eq!(opts.reconnect_wait, Duration::from_secs(2));
            assert_eq!(opts.reconnect_jitter, Duration::from_millis(100));
            assert_eq!(opts.reconnect_jitter_tls, Duration::from_secs(1));
            assert!(opts.callbacks.custom_reconnect_delay.is_none());
            assert_eq!(opts.reconnect_buf_size, 8 * 1024 * 1024);
            assert!(!opts.retry_on_failed_connect);
            assert!(opts.callbacks.connected_cb.is_none());
            assert!(!opts.no_randomize);
            assert!(!opts.ignore_discovered_servers);
            assert!(opts.callbacks.discovered_servers_cb.is_none());
            assert!(opts.callbacks.lame_duck_cb.is_none());
            assert!(!opts.reconnect_on_protocol_error);
            assert!(!opts.ignore_auth_error_abort);
            natsOptions_Destroy(o);
        }
    }

    #[test]
    fn reconnect_setters() {
        let o = create();
        // SAFETY: `o` is live until destroyed below; NULL callbacks are allowed.
        unsafe {
            use natsStatus::NATS_OK;
            assert_eq!(natsOptions_SetAllowReconnect(o, false), NATS_OK);
            assert_eq!(natsOptions_SetMaxReconnect(o, -1), NATS_OK);
            assert_eq!(natsOptions_SetReconnectWait(o, 0), NATS_OK);
            assert_eq!(natsOptions_SetReconnectJitter(o, 5, 50), NATS_OK);
            assert_eq!(natsOptions_SetReconnectBufSize(o, 0), NATS_OK);
            assert_eq!(natsOptions_SetNoRandomize(o, true), NATS_OK);
            assert_eq!(natsOptions_SetIgnoreDiscoveredServers(o, true), NATS_OK);
            assert_eq!(natsOptions_SetReconnectOnProtocolError(o, true), NATS_OK);
            assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(o, true), NATS_OK);
            let s = natsOptions_SetDiscoveredServersCB(o, Some(noop_conn_cb), null_mut());
            assert_eq!(s, NATS_OK);
            let s = natsOptions_SetLameDuckModeCB(o, Some(noop_conn_cb), null_mut());
            assert_eq!(s, NATS_OK);
            let s = natsOptions_SetCustomReconnectDelay(o, Some(delay_cb), null_mut());
            assert_eq!(s, NATS_OK);
            let opts = get(o);
            assert!(!opts.allow_reconnect);
            assert_eq!(opts.max_reconnect, None);
            assert_eq!(opts.reconnect_wait, Duration::ZERO);
            assert_eq!(opts.reconnect_jitter, Duration::from_millis(5));
            assert_eq!(opts.reconnect_jitter_tls, Duration::from_millis(50));
            assert_eq!(
                opts.reconnect_buf_size,
                8 * 1024 * 1024,
                "0 means the default"
            );
            assert!(opts.no_randomize);
            assert!(opts.ignore_discovered_servers);
            assert!(opts.reconnect_on_protocol_error);
            assert!(opts.ignore_auth_error_abort);
            assert!(opts.callbacks.discovered_servers_cb.is_some());
            assert!(opts.callbacks.lame_duck_cb.is_some());
            assert!(opts.callbacks.custom_reconnect_delay.is_some());
            let s = natsOptions_SetCustomReconnectDelay(o, None, null_mut());
            assert_eq!(s, NATS_OK);
            assert!(get(o).callbacks.custom_reconnect_delay.is_none());
            natsOptions_Destroy(o);
        }
    }

    #[test]
    fn reconnect_invalid_args() {
        let o = create();
        // SAFETY: `o` is live until destroyed below; NULL options are rejected.
        unsafe {
            use natsStatus::{NATS_INVALID_ARG as INVALID, NATS_OK};
            assert_eq!(natsOptions_SetReconnectWait(o, -1), INVALID);
            assert_eq!(natsOptions_SetReconnectJitter(o, -1, 0), INVALID);
            assert_eq!(natsOptions_SetReconnectJitter(o, 0, -1), INVALID);
            assert_eq!(natsOptions_SetReconnectBufSize(o, -1), INVALID);
            // Rejected values leave the defaults in place.
            assert_eq!(get(o).reconnect_wait, Duration::from_secs(2));
            assert_eq!(get(o).reconnect_jitter, Duration::from_millis(100));
            assert_eq!(get(o).reconnect_buf_size, 8 * 1024 * 1024);
            assert_eq!(natsOptions_SetMaxReconnect(o, i32::MIN), NATS_OK);

            let n = null_mut();
            assert_eq!(natsOptions_SetAllowReconnect(n, true), INVALID);
            assert_eq!(natsOptions_SetMaxReconnect(n, 1), INVALID);
            assert_eq!(natsOptions_SetReconnectWait(n, 1), INVALID);
            assert_eq!(natsOptions_SetReconnectJitter(n, 1, 1), INVALID);
            assert_eq!(
                natsOptions_SetCustomReconnectDelay(n, None, n.cast()),
                INVALID
            );
            assert_eq!(natsOptions_SetReconnectBufSize(n, 1), INVALID);
            assert_eq!(
                natsOptions_SetRetryOnFailedConnect(n, true, None, n.cast()),
                INVALID
            );
            assert_eq!(natsOptions_SetNoRandomize(n, true), INVALID);
            assert_eq!(natsOptions_SetIgnoreDiscoveredServers(n, true), INVALID);
            assert_eq!(
                natsOptions_SetDiscoveredServersCB(n, None, n.cast()),
                INVALID
            );
            assert_eq!(natsOptions_SetLameDuckModeCB(n, None, n.cast()), INVALID);
            assert_eq!(natsOptions_SetReconnectOnProtocolError(n, true), INVALID);
            assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(n, true), INVALID);
            natsOptions_Destroy(o);
        }
    }

    #[test]
    fn retry_on_failed_connect_false_clears_connected_cb() {
        let o = create();
        // SAFETY: `o` is live until destroyed below.
        unsafe {
            let s = natsOptions_SetRetryOnFailedConnect(o, true, Some(noop_conn_cb), null_mut());
            assert_eq!(s, natsStatus::NATS_OK);
            assert!(get(o).retry_on_failed_connect);
            assert!(get(o).callbacks.connected_cb.is_some());
            let s = natsOptions_SetRetryOnFailedConnect(o, false, Some(noop_conn_cb), null_mut());
            assert_eq!(s, natsStatus::NATS_OK);
            assert!(!get(o).retry_on_failed_connect);
            assert!(get(o).callbacks.connected_cb.is_none());
            natsOptions_Destroy(o);
        }
    }
}
