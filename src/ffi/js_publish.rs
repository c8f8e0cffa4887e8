//! Synchronous JetStream publishing: jsPubOptions_Init, js_Publish,
//! js_PublishMsg, jsPubAck_Destroy; also the translations of `jsPubOptions`
//! and `jsPubAck` the async and batch exports share.
use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use crate::client::{Error, ErrorKind, Message};
use crate::ffi::boundary::guard;
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str_or_empty, TreeStore};
use crate::ffi::connection::{c_string_bytes, payload};
use crate::ffi::handles::borrow_mut;
use crate::ffi::js_boundary::js_guard;
use crate::ffi::js_handles::js_ctx;
use crate::ffi::js_types::{jsCtx, jsErrCode, jsPubAck, jsPubOptions};
use crate::ffi::msg::{forget_header_strings, natsMsg};
use crate::ffi::natsStatus;
use crate::jetstream::pub_options::millis_option;
use crate::jetstream::{JsError, JsResult, PubAck, PubOptions, ScheduleOptions};

/// How a call reads `jsPubOptions.MaxWait`: nats.c refuses a negative
/// value where it waits for an answer, and ignores one on an async publish.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxWait {
    Refuse,
    Ignore,
}

/// Reads the options of one publish (NULL: none).
///
/// # Safety
/// `o` is NULL or a readable `jsPubOptions` whose strings are NULL or
/// NUL-terminated.
pub(crate) unsafe fn read_pub_options(
    o: *const jsPubOptions,
    max_wait: MaxWait,
) -> JsResult<PubOptions> {
    // SAFETY: NULL or readable per the contract.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok(PubOptions::default());
    };
    let s = &o.Schedule;
    let text = |p: *const c_char, what: &str| -> JsResult<String> {
        // SAFETY: NULL or NUL-terminated per the contract.
        Ok(unsafe { read_str_or_empty(p, what) }?)
    };
    Ok(PubOptions {
        max_wait: match max_wait {
            MaxWait::Refuse => millis_option("MaxWait", o.MaxWait)?,
            MaxWait::Ignore => millis_option("MaxWait", o.MaxWait.max(0))?,
        },
        msg_id: text(o.MsgId, "MsgId")?,
        expect_stream: text(o.ExpectStream, "ExpectStream")?,
        expect_last_msg_id: text(o.ExpectLastMsgId, "ExpectLastMsgId")?,
        expect_last_seq: o.ExpectLastSeq,
        expect_last_subject_seq: o.ExpectLastSubjectSeq,
        expect_last_subject_seq_subject: text(
            o.ExpectLastSubjectSeqSubject,
            "ExpectLastSubjectSeqSubject",
        )?,
        expect_no_message: o.ExpectNoMessage,
        msg_ttl: millis_option("MsgTTL", o.MsgTTL)?,
        schedule: ScheduleOptions {
            schedule: text(s.Schedule, "Schedule.Schedule")?,
            target: text(s.Target, "Schedule.Target")?,
            source: text(s.Source, "Schedule.Source")?,
            ttl: millis_option("Schedule.TTL", s.TTL)?,
            time_zone: text(s.TimeZone, "Schedule.TimeZone")?,
            rollup: s.Rollup,
            cancel_scheduled_subject: text(
                s.CancelScheduledSubject,
                "Schedule.CancelScheduledSubject",
            )?,
        },
    })
}

/// An ack as a C tree freed by jsPubAck_Destroy (absent strings NULL, as
/// nats.c leaves them).
pub(crate) fn pub_ack_to_c(a: &PubAck) -> *mut jsPubAck {
    let mut st = TreeStore::default();
    let root = jsPubAck {
        Stream: st.str_or_null(&a.stream).cast_mut(),
        Sequence: a.sequence,
        Domain: st.str_or_null(&a.domain).cast_mut(),
        Duplicate: a.duplicate,
        Batch: st.str_or_null(&a.batch).cast_mut(),
        Count: a.count,
        Value: st.str_or_null(&a.value).cast_mut(),
    };
    into_c_tree(root, st)
}

/// Hands the outcome of a publish to the `pubAck` out-parameter: the
/// ack, or NULL when the server answered with an empty message; nothing
/// when the caller passed NULL (it does not want the ack).
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn put_ack(out: *mut *mut jsPubAck, ack: Option<PubAck>) {
    if !out.is_null() {
        let p = ack.as_ref().map_or(ptr::null_mut(), pub_ack_to_c);
        // SAFETY: non-NULL and writable per the contract.
        unsafe { out.write(p) };
    }
}

/// Zeroes `opts`, which then sets no expectation and waits the context's
/// `Wait` for the ack. NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsPubOptions_Init(opts: *mut jsPubOptions) -> natsStatus {
    guard("jsPubOptions_Init", || {
        if opts.is_null() {
            return Err(Error::new(ErrorKind::InvalidArg, "the options are NULL"));
        }
        // SAFETY: non-NULL and writable per the API; all-zero is a valid
        // `jsPubOptions` (NULL strings, zero numbers, false flags).
        unsafe { ptr::write_bytes(opts, 0, 1) };
        Ok(())
    })
}

/// Publishes `dataLen` bytes of `data` to `subj` (captured by a stream) and
/// waits for the stream's ack, up to `opts->MaxWait` ms or the context's
/// `Wait`. The data is copied; `opts` (may be NULL) is only read during
/// the call. On NATS_OK `*pubAck` (when `pubAck` is not NULL) is a new
/// jsPubAck the caller frees with jsPubAck_Destroy. `errCode` (may be
/// NULL) gets the server's error code.
///
/// Status: NATS_INVALID_ARG for a NULL `js`, a NULL or empty `subj`, bad
/// data arguments, or a negative `MaxWait`, `MsgTTL` or `Schedule.TTL`;
/// NATS_ERR when the stream refused the message (an `Expect*` failed:
/// the code says which, e.g. JSStreamWrongLastSequenceErr);
/// NATS_NO_RESPONDERS (code JSNotEnabledErr) when no stream captures the
/// subject; NATS_TIMEOUT when no ack came in time.
#[no_mangle]
pub unsafe extern "C" fn js_Publish(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_Publish", errCode, || {
            let ctx = js_ctx(js)?;
            let subject = c_string_bytes(subj);
            if subject.is_empty() {
                return Err(JsError::invalid_arg("the subject is NULL or empty"));
            }
            let mut msg = Message::try_new(subject, None, payload(data, dataLen)?)?;
            let o = read_pub_options(opts, MaxWait::Refuse)?;
            let ack = ctx
                .js
                .publish_msg(&mut msg, &o)
                .map_err(|e| e.at("js_Publish"))?;
            put_ack(pubAck, ack);
            Ok(())
        })
    }
}

/// Like js_Publish for a message the caller built (its headers are sent;
/// its reply subject is not used, the ack comes to an inbox). The message
/// stays the caller's, who destroys it; the headers `opts` asks for are
/// set on it, as nats.c does.
///
/// Status: as js_Publish; NATS_INVALID_ARG also for a NULL `msg`.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsg(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe {
        js_guard("js_PublishMsg", errCode, || {
            let ctx = js_ctx(js)?;
            let mut m = borrow_mut(msg)?;
            let o = read_pub_options(opts, MaxWait::Refuse)?;
            if o.sets_headers() {
                // The header strings lent to C before are stale now.
                forget_header_strings(msg, &m);
            }
            let ack = ctx
                .js
                .publish_msg(&mut m, &o)
                .map_err(|e| e.at("js_PublishMsg"))?;
            put_ack(pubAck, ack);
            Ok(())
        })
    }
}

/// Frees an ack from js_Publish, js_PublishMsg or the batch calls (NULL
/// does nothing).
#[no_mangle]
pub unsafe extern "C" fn jsPubAck_Destroy(pa: *mut jsPubAck) {
    // SAFETY: NULL or a tree from `pub_ack_to_c`, given up here.
    unsafe { free_tree(pa) }
}
