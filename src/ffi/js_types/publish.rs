//! Publishing and direct reads: options, acknowledgements and their
//! callbacks.
use std::ffi::{c_char, c_void};

use super::{jsCtx, jsErrCode};
use crate::ffi::msg::natsMsg;
use crate::ffi::status::natsStatus;

/// Asks the stream to publish the message on a schedule (server 2.14+).
/// Strings belong to the caller.
#[repr(C)]
pub struct jsScheduleOptions {
    /// When: an interval ("@every 1m"), a named period ("@daily") or a
    /// cron expression.
    pub Schedule: *const c_char,
    /// The subject the scheduled message is published to.
    pub Target: *const c_char,
    /// Publish the last message of this subject instead of the schedule's
    /// own content, when there is one (no wildcards).
    pub Source: *const c_char,
    /// A time to live, in milliseconds, for the messages published.
    pub TTL: i64,
    /// The time zone of a cron schedule (NULL: UTC).
    pub TimeZone: *const c_char,
    /// Published messages roll up their subject.
    pub Rollup: bool,
    /// The subject of a scheduled message to cancel.
    pub CancelScheduledSubject: *const c_char,
}

/// Options of one publish call, set up with jsPubOptions_Init. The
/// `Expect*` fields make the stream refuse the message unless they hold.
/// Strings belong to the caller and are only used during the call.
#[repr(C)]
pub struct jsPubOptions {
    /// How long to wait for the acknowledgement, in milliseconds (0: the
    /// context's `Wait`).
    pub MaxWait: i64,
    /// The message's ID, for duplicate detection.
    pub MsgId: *const c_char,
    /// The stream that must store the message.
    pub ExpectStream: *const c_char,
    /// The ID the stream's last message must have.
    pub ExpectLastMsgId: *const c_char,
    /// The sequence the stream's last message must have.
    pub ExpectLastSeq: u64,
    /// The sequence the last message of this subject must have.
    pub ExpectLastSubjectSeq: u64,
    /// The subject `ExpectLastSubjectSeq` applies to (NULL: the message's).
    pub ExpectLastSubjectSeqSubject: *const c_char,
    /// The subject must have no message yet.
    pub ExpectNoMessage: bool,
    /// The message's time to live, in milliseconds (server 2.11+).
    pub MsgTTL: i64,
    /// Publish on a schedule (server 2.14+).
    pub Schedule: jsScheduleOptions,
}

/// The stream's acknowledgement of a published message; from js_Publish,
/// freed with jsPubAck_Destroy.
#[repr(C)]
pub struct jsPubAck {
    /// The stream that stored the message.
    pub Stream: *mut c_char,
    /// The message's sequence in it.
    pub Sequence: u64,
    /// The stream's JetStream domain, if any.
    pub Domain: *mut c_char,
    /// The message was a duplicate and was not stored again.
    pub Duplicate: bool,
    /// The ID of the batch the message committed, for a batch commit.
    pub Batch: *mut c_char,
    /// The number of messages that batch committed.
    pub Count: u64,
    /// A counter stream's value after the message.
    pub Value: *mut c_char,
}

/// A failed asynchronous publish, given to the jsPubAckErrHandler (or the
/// jsPubAckHandler) and lent for the call.
#[repr(C)]
pub struct jsPubAckErr {
    /// The message that failed (for the jsPubAckErrHandler; NULL for the
    /// jsPubAckHandler, whose `msg` argument is the message). The library
    /// frees it after the handler unless the handler changed this field:
    /// resending it with `js_PublishMsgAsync(js, &pae->Msg, NULL)` takes it
    /// and sets the field to NULL; a handler that sets it to NULL itself
    /// keeps the message and destroys it later.
    pub Msg: *mut natsMsg,
    /// Why it failed.
    pub Err: natsStatus,
    /// The server's JetStream error code, when it refused the message.
    pub ErrCode: jsErrCode,
    /// The error's text.
    pub ErrText: *const c_char,
}

/// Told about each asynchronous publish that failed: the server refused
/// it (NATS_ERR with `ErrCode`), no stream took it (NATS_NO_RESPONDERS), or
/// no ack came within its `MaxWait` (NATS_TIMEOUT). Called on a library
/// thread, one call at a time, with no library lock held; `pae` is lent
/// for the call (see `jsPubAckErr.Msg` for the message).
pub type jsPubAckErrHandler =
    Option<unsafe extern "C" fn(js: *mut jsCtx, pae: *mut jsPubAckErr, closure: *mut c_void)>;

/// Told about every asynchronous publish: `pa` on success, `pae` on
/// failure (the other is NULL). The callback owns `msg`: it frees it with
/// natsMsg_Destroy, or resends it with `js_PublishMsgAsync(js, &msg, NULL)`
/// (which takes it and sets `msg` to NULL, so a natsMsg_Destroy after it
/// does nothing). `pa` and `pae` are lent for the call. Called on a library
/// thread, one call at a time, with no library lock held.
pub type jsPubAckHandler = Option<
    unsafe extern "C" fn(
        js: *mut jsCtx,
        msg: *mut natsMsg,
        pa: *mut jsPubAck,
        pae: *mut jsPubAckErr,
        closure: *mut c_void,
    ),
>;

/// Which message js_DirectGetMsg reads; set up with
/// jsDirectGetMsgOptions_Init.
#[repr(C)]
pub struct jsDirectGetMsgOptions {
    /// The message at this sequence (or, with `NextBySubject`, the first
    /// from here).
    pub Sequence: u64,
    /// The next message with this subject.
    pub NextBySubject: *const c_char,
    /// The last message with this subject.
    pub LastBySubject: *const c_char,
}
