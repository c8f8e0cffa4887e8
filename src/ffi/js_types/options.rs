//! `jsOptions`: the options of a JetStream context and of its calls, with
//! the nested option groups nats.c declares as named structs.
use std::ffi::{c_char, c_int, c_void};

use super::{jsPubAckErrHandler, jsPubAckHandler};
use crate::ffi::handles::{natsConnection, natsSubscription};
use crate::ffi::status::natsStatus;

/// Told, once, that an asynchronous pull subscription stopped fetching and
/// why (`NATS_TIMEOUT`, `NATS_MAX_DELIVERED_MSGS`, ...). `nc` and `sub` are
/// lent for the call.
pub type jsFetchCompleteHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        sub: *mut natsSubscription,
        s: natsStatus,
        closure: *mut c_void,
    ),
>;

/// Asked before each message of an asynchronous pull subscription is
/// delivered whether to send the next fetch request, and how big: return
/// true and set `*messages` and `*maxBytes` to fetch more.
pub type jsFetchNextHandler = Option<
    unsafe extern "C" fn(
        messages: *mut c_int,
        maxBytes: *mut i64,
        sub: *mut natsSubscription,
        closure: *mut c_void,
    ) -> bool,
>;

/// Options of js_PullSubscribeAsync (`jsOptions.PullSubscribeAsync`).
#[repr(C)]
pub struct jsOptionsPullSubscribeAsync {
    /// Stop after this many milliseconds (0: no limit).
    pub Timeout: i64,
    /// Stop after this many messages (0: no limit).
    pub MaxMessages: c_int,
    /// Stop after this many bytes (0: no limit).
    pub MaxBytes: i64,
    /// Take what the server has now and stop (after the first message
    /// when `Timeout` is set) instead of waiting for more.
    pub NoWait: bool,
    /// Told why fetching stopped (NULL: not told).
    pub CompleteHandler: jsFetchCompleteHandler,
    /// Passed to `CompleteHandler`.
    pub CompleteHandlerClosure: *mut c_void,
    /// Ask the server for heartbeats at this interval, in milliseconds.
    pub Heartbeat: i64,
    /// The priority group the requests belong to (server 2.11+).
    pub Group: *const c_char,
    /// Only receive while the consumer has at least this many pending messages.
    pub MinPending: i64,
    /// Only receive while the consumer has at least this many unacknowledged
    /// messages.
    pub MinAckPending: i64,
    /// Messages asked for by each fetch request.
    pub FetchSize: c_int,
    /// Send the next request this many messages before the current one is
    /// fulfilled.
    pub KeepAhead: c_int,
    /// Decides the fetch requests instead of the library (NULL: the library).
    pub NextHandler: jsFetchNextHandler,
    /// Passed to `NextHandler`.
    pub NextHandlerClosure: *mut c_void,
}

/// Options of asynchronous publishing (`jsOptions.PublishAsync`).
#[repr(C)]
pub struct jsOptionsPublishAsync {
    /// The most publishes awaiting their acknowledgement at once (0: no
    /// limit); a publish beyond it waits up to `StallWait`.
    pub MaxPending: i64,
    /// Told about every publish (when set, `ErrHandler` is not used).
    pub AckHandler: jsPubAckHandler,
    /// Passed to `AckHandler`.
    pub AckHandlerClosure: *mut c_void,
    /// Told about the publishes that fail.
    pub ErrHandler: jsPubAckErrHandler,
    /// Passed to `ErrHandler`.
    pub ErrHandlerClosure: *mut c_void,
    /// How long, in milliseconds, a publish waits for room under
    /// `MaxPending` (0: 200 ms).
    pub StallWait: i64,
    /// nats.c: receive the acknowledgements on the connection's shared
    /// reply subscription. Accepted; here they always come to the context's
    /// own reply subscription.
    pub MuxReplies: bool,
}

/// Options of js_PurgeStream (`jsOptions.Stream.Purge`). `Sequence` and
/// `Keep` exclude each other.
#[repr(C)]
pub struct jsOptionsStreamPurge {
    /// Purge only the messages of this subject (wildcards allowed).
    pub Subject: *const c_char,
    /// Purge the messages before this sequence.
    pub Sequence: u64,
    /// Keep this many of the newest messages.
    pub Keep: u64,
}

/// Options of js_GetStreamInfo (`jsOptions.Stream.Info`).
#[repr(C)]
pub struct jsOptionsStreamInfo {
    /// Also list the sequences of deleted messages.
    pub DeletedDetails: bool,
    /// Also list the subjects matching this filter, with their counts.
    pub SubjectsFilter: *const c_char,
}

/// Options of the stream calls (`jsOptions.Stream`).
#[repr(C)]
pub struct jsOptionsStream {
    /// For js_PurgeStream.
    pub Purge: jsOptionsStreamPurge,
    /// For js_GetStreamInfo.
    pub Info: jsOptionsStreamInfo,
}

/// Options of a JetStream context (natsConnection_JetStream) or of one
/// call, which then override the context's. Set it up with jsOptions_Init;
/// strings belong to the caller.
#[repr(C)]
pub struct jsOptions {
    /// The API subject prefix (NULL: "$JS.API").
    pub Prefix: *const c_char,
    /// The JetStream domain, which makes the prefix "$JS.<domain>.API".
    pub Domain: *const c_char,
    /// How long API requests wait for their answer, in milliseconds (0: 5000).
    pub Wait: i64,
    /// Asynchronous publishing.
    pub PublishAsync: jsOptionsPublishAsync,
    /// Asynchronous pull subscriptions.
    pub PullSubscribeAsync: jsOptionsPullSubscribeAsync,
    /// Stream calls.
    pub Stream: jsOptionsStream,
}
