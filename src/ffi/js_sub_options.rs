//! The options of JetStream subscriptions and fetches: jsSubOptions_Init,
//! jsFetchRequest_Init, and their reading into `jetstream::consume` values.
use std::ptr;

use crate::client::{Error, ErrorKind};
use crate::ffi::boundary::guard;
use crate::ffi::c_tree::read_str_or_empty;
use crate::ffi::js_consumer::init_consumer_config;
use crate::ffi::js_consumer_config::{consumer_config_from_c, policies_set};
use crate::ffi::js_types::{jsFetchRequest, jsSubOptions};
use crate::ffi::natsStatus;
use crate::jetstream::consume::{FetchRequest, SubOptions};
use crate::jetstream::JsResult;

/// Sets up subscribe options: everything zero or NULL, and the config's
/// deliver, ack and replay policies unset (-1), so that binding to an
/// existing consumer compares only what the program sets.
/// NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsSubOptions_Init(opts: *mut jsSubOptions) -> natsStatus {
    guard("jsSubOptions_Init", || {
        if opts.is_null() {
            return Err(Error::new(ErrorKind::InvalidArg, "the options are NULL"));
        }
        // SAFETY: non-NULL and writable per the API; all-zero is valid for
        // every field, then the config's policies are marked unset.
        unsafe {
            ptr::write_bytes(opts, 0, 1);
            init_consumer_config(ptr::addr_of_mut!((*opts).Config));
        }
        Ok(())
    })
}

/// Sets up a fetch request: every field zero or NULL. Set `Batch` and
/// `Expires` (or `NoWait`) after this. NATS_INVALID_ARG when `request` is
/// NULL.
#[no_mangle]
pub unsafe extern "C" fn jsFetchRequest_Init(request: *mut jsFetchRequest) -> natsStatus {
    guard("jsFetchRequest_Init", || {
        if request.is_null() {
            return Err(Error::new(ErrorKind::InvalidArg, "the request is NULL"));
        }
        // SAFETY: non-NULL and writable per the API; all-zero is valid.
        unsafe { ptr::write_bytes(request, 0, 1) };
        Ok(())
    })
}

/// Reads a program's subscribe options (NULL: the defaults, as after
/// jsSubOptions_Init). Nothing of `o` is kept.
///
/// # Safety
/// `o` is NULL or a readable `jsSubOptions` whose strings are NULL or
/// NUL-terminated and whose arrays hold their counts' entries.
pub(crate) unsafe fn sub_options_from_c(o: *const jsSubOptions) -> JsResult<SubOptions> {
    // SAFETY: NULL or readable per the contract.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok(SubOptions::default());
    };
    // SAFETY: per the contract, for every field read.
    unsafe {
        let (deliver_policy, ack_policy, replay_policy) = policies_set(&o.Config)?;
        Ok(SubOptions {
            stream: read_str_or_empty(o.Stream, "Stream")?,
            consumer: read_str_or_empty(o.Consumer, "Consumer")?,
            queue: read_str_or_empty(o.Queue, "Queue")?,
            manual_ack: o.ManualAck,
            config: consumer_config_from_c(&o.Config)?,
            deliver_policy,
            ack_policy,
            replay_policy,
            ordered: o.Ordered,
        })
    }
}

/// Reads a program's fetch request. Nothing of `r` is kept.
///
/// # Safety
/// `r` is a readable `jsFetchRequest` whose strings are NULL or
/// NUL-terminated.
pub(crate) unsafe fn fetch_request_from_c(r: &jsFetchRequest) -> JsResult<FetchRequest> {
    // SAFETY: per the contract.
    unsafe {
        Ok(FetchRequest {
            expires: r.Expires,
            batch: i64::from(r.Batch),
            max_bytes: r.MaxBytes,
            no_wait: r.NoWait,
            heartbeat: r.Heartbeat,
            min_pending: r.MinPending,
            min_ack_pending: r.MinAckPending,
            id: read_str_or_empty(r.ID, "ID")?,
            group: read_str_or_empty(r.Group, "Group")?,
            priority: r.Priority,
        })
    }
}
