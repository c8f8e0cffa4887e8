//! `micro_AddService` and the `microService_*` / `microGroup_*` calls: the
//! C configs read into `micro::` values, the handles, and the info and
//! stats trees.
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use crate::client::ErrorKind;
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str, read_str_or_empty, TreeStore};
use crate::ffi::handles::natsConnection;
use crate::ffi::handles::{borrow, lend, release, to_c, try_borrow, Castable, Shared};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_metadata::{metadata_to_c, read_metadata};
use crate::ffi::micro_error::{error_to_c, invalid_arg, result_to_c};
use crate::ffi::micro_request::request_handler;
use crate::ffi::micro_types::*;
use crate::ffi::natsStatus;
use crate::ffi::options::Closure;
use crate::micro::service::ServiceInner;
use crate::micro::{
    EndpointConfig, Group, GroupConfig, QueuePolicy, Service, ServiceConfig, ServiceError,
    ServiceResult, UserState,
};

// SAFETY: the pointer is `Arc::into_raw` of the service's state, taken back
// with `Arc::from_raw`; the Arc keeps the state at one address.
unsafe impl Castable for microService {
    type Rust = Service;
    const WHAT: &'static str = "service";

    fn into_ptr(s: Service) -> *mut microService {
        Arc::into_raw(s.0).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut microService) -> Service {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of a
        // `ServiceInner`, and this reference is taken back once.
        Service(unsafe { Arc::from_raw(p.cast_const().cast::<ServiceInner>()) })
    }
}

impl Shared for microService {
    fn as_ptr(s: &Service) -> *mut microService {
        Arc::as_ptr(&s.0).cast_mut().cast()
    }
}

/// The user's `State` pointer, kept with a service or an endpoint.
pub(crate) struct CState(pub(crate) Closure);

pub(crate) fn c_state(p: *mut c_void) -> Option<UserState> {
    (!p.is_null()).then(|| Arc::new(CState(Closure(p))) as UserState)
}

pub(crate) fn state_ptr(s: Option<&UserState>) -> *mut c_void {
    s.and_then(|s| s.downcast_ref::<CState>())
        .map_or(ptr::null_mut(), |c| c.0 .0)
}

/// Runs the body of a `microError*` export: `Err` becomes a C error, a
/// panic an error with NATS_ERR (never unwinding into C).
pub(crate) fn micro_guard(f: impl FnOnce() -> ServiceResult<()>) -> *mut microError {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => result_to_c(r),
        Err(_) => {
            error_to_c(ServiceError::from_status(ErrorKind::Err).wrap("internal error (panic)"))
        }
    }
}

fn c_err(e: crate::client::Error) -> ServiceError {
    ServiceError::from(e)
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn text(p: *const c_char, what: &str) -> ServiceResult<String> {
    // SAFETY: per the contract.
    unsafe { read_str_or_empty(p, what) }.map_err(c_err)
}

/// A queue policy from a config's two fields; a non-NULL empty name is
/// invalid, as in nats.c.
///
/// # Safety
/// `q` is NULL or a NUL-terminated string.
unsafe fn queue_policy(q: *const c_char, none: bool, what: &str) -> ServiceResult<QueuePolicy> {
    // SAFETY: per the contract.
    let q = unsafe { read_str(q, what) }.map_err(c_err)?;
    if !none && q.as_deref() == Some("") {
        return Err(ServiceError::invalid_arg(format!("{what} is empty")));
    }
    Ok(QueuePolicy::from_parts(q.as_deref(), none))
}

/// # Safety
/// `c` holds valid strings and metadata per its documentation.
unsafe fn endpoint_config(c: &microEndpointConfig) -> ServiceResult<EndpointConfig> {
    // SAFETY: this read and the next three: the strings and metadata of a
    // config the caller vouches for.
    let name = unsafe { text(c.Name, "endpoint Name") }?;
    // SAFETY: as above.
    let subject = unsafe { text(c.Subject, "endpoint Subject") }?;
    // SAFETY: as above.
    let queue = unsafe { queue_policy(c.QueueGroup, c.NoQueueGroup, "endpoint QueueGroup") }?;
    // SAFETY: as above.
    let metadata = unsafe { read_metadata(&c.Metadata) };
    Ok(EndpointConfig {
        name,
        subject,
        queue,
        metadata: metadata.map_err(|e| ServiceError::from(e.into_client()))?,
        handler: c.Handler.map(request_handler),
        state: c_state(c.State),
    })
}

/// # Safety
/// `c` holds valid strings, metadata and endpoint per its documentation.
unsafe fn service_config(c: &microServiceConfig) -> ServiceResult<ServiceConfig> {
    // SAFETY: NULL or a live config, per the contract.
    let endpoint = match unsafe { c.Endpoint.as_ref() } {
        // SAFETY: per the contract.
        Some(e) => Some(unsafe { endpoint_config(e) }?),
        None => None,
    };
    let err_handler = c.ErrHandler.map(|f| {
        Arc::new(
            move |s: &Service, ep: Option<&crate::micro::Endpoint>, k: ErrorKind| {
                let ep = ep.map_or(ptr::null_mut(), |e| {
                    (e as *const crate::micro::Endpoint)
                        .cast_mut()
                        .cast::<microEndpoint>()
                });
                // SAFETY: the user's callback with handles lent for the call.
                unsafe { f(lend(s), ep, natsStatus::from(k)) }
            },
        ) as crate::micro::ErrorHandler
    });
    let done_handler = c.DoneHandler.map(|f| {
        Arc::new(move |s: &Service| {
            // SAFETY: the user's callback with the service lent for the call.
            unsafe { f(lend(s)) }
        }) as crate::micro::DoneHandler
    });
    // SAFETY: this read and the next four: the strings and metadata of a
    // config the caller vouches for.
    let name = unsafe { text(c.Name, "service Name") }?;
    // SAFETY: as above.
    let version = unsafe { text(c.Version, "service Version") }?;
    // SAFETY: as above.
    let description = unsafe { text(c.Description, "service Description") }?;
    // SAFETY: as above.
    let queue = unsafe { queue_policy(c.QueueGroup, c.NoQueueGroup, "service QueueGroup") }?;
    // SAFETY: as above.
    let metadata = unsafe { read_metadata(&c.Metadata) };
    Ok(ServiceConfig {
        name,
        version,
        description,
        queue,
        metadata: metadata.map_err(|e| ServiceError::from(e.into_client()))?,
        endpoint,
        stats_handler: c.StatsHandler.map(request_handler),
        error_handler: err_handler,
        done_handler,
        state: c_state(c.State),
    })
}

/// Creates a service on `nc` from a copy of `config` and starts it: its
/// `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` subjects and the config's
/// endpoint are subscribed before it returns. The service is stored in
/// `*new_microservice`; free it with microService_Destroy (which stops it
/// first). Errors: NULL arguments give micro_ErrorInvalidArg; a name with
/// characters other than letters, digits, '-' and '_', a version that is
/// not a semantic version (ADR-32), an empty QueueGroup, or a closed or
/// draining connection give an error with NATS_INVALID_ARG (or
/// NATS_CONNECTION_CLOSED). Free a returned error with microError_Destroy.
#[no_mangle]
pub unsafe extern "C" fn micro_AddService(
    new_microservice: *mut *mut microService,
    nc: *mut natsConnection,
    config: *mut microServiceConfig,
) -> *mut microError {
    if new_microservice.is_null() || nc.is_null() || config.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live connection handle, per the API.
        let conn = unsafe { borrow(nc) }.map_err(c_err)?;
        // SAFETY: a live config, per the API.
        let cfg = unsafe { service_config(&*config) }?;
        let service = Service::add(&conn, cfg)?;
        // SAFETY: checked non-NULL above; writable per the API.
        unsafe { new_microservice.write(to_c(service)) };
        Ok(())
    })
}

/// # Safety
/// `m` is NULL or a live service handle.
unsafe fn service<'a>(
    m: *mut microService,
) -> ServiceResult<crate::ffi::handles::Borrowed<'a, Service>> {
    // SAFETY: per the contract.
    unsafe { borrow(m) }.map_err(c_err)
}

/// # Safety
/// `g` is NULL or a group handle of a live service.
unsafe fn group<'a>(g: *mut microGroup) -> ServiceResult<&'a Group> {
    // SAFETY: a group handle is `Arc::as_ptr` of a group its service keeps.
    unsafe { g.cast_const().cast::<Group>().as_ref() }
        .ok_or_else(|| ServiceError::invalid_arg("group is NULL"))
}

fn group_ptr(g: &Arc<Group>) -> *mut microGroup {
    Arc::as_ptr(g).cast_mut().cast()
}

/// Adds an endpoint from a copy of `config` and subscribes it. An endpoint
/// already on the same subject takes the new handler, name and metadata
/// (its counters restart); changing its queue group is an error. A NULL
/// `config` does nothing. Errors: an invalid name or subject, a NULL
/// handler, a stopped service.
#[no_mangle]
pub unsafe extern "C" fn microService_AddEndpoint(
    m: *mut microService,
    config: *mut microEndpointConfig,
) -> *mut microError {
    if m.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: NULL or a live config, per the API.
        let Some(cfg) = (unsafe { config.as_ref() }) else {
            return Ok(());
        };
        // SAFETY: per the API.
        let cfg = unsafe { endpoint_config(cfg) }?;
        // SAFETY: a live service, per the API.
        unsafe { service(m) }?.add_endpoint(None, cfg)
    })
}

/// # Safety
/// `config` is NULL or a live group config.
unsafe fn group_config(config: *mut microGroupConfig) -> ServiceResult<GroupConfig> {
    // SAFETY: per the contract.
    let c =
        unsafe { config.as_ref() }.ok_or_else(|| ServiceError::invalid_arg("config is NULL"))?;
    // SAFETY: per the contract.
    let prefix = unsafe { text(c.Prefix, "group Prefix") }?;
    if prefix.is_empty() {
        return Err(ServiceError::invalid_arg("group Prefix is NULL or empty"));
    }
    Ok(GroupConfig {
        prefix,
        // SAFETY: per the contract.
        queue: unsafe { queue_policy(c.QueueGroup, c.NoQueueGroup, "group QueueGroup") }?,
    })
}

/// Adds a group of endpoints under the subject prefix `config->Prefix`,
/// stored in `*new_group`. The group belongs to the service and goes with
/// it: do not free it.
#[no_mangle]
pub unsafe extern "C" fn microService_AddGroup(
    new_group: *mut *mut microGroup,
    m: *mut microService,
    config: *mut microGroupConfig,
) -> *mut microError {
    if new_group.is_null() || m.is_null() || config.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: per the API.
        let cfg = unsafe { group_config(config) }?;
        // SAFETY: a live service, per the API.
        let g = unsafe { service(m) }?.add_group(None, cfg)?;
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { new_group.write(group_ptr(&g)) };
        Ok(())
    })
}

/// Adds a group under `parent`: its prefix is "<parent prefix>.<Prefix>",
/// and without a queue group setting of its own it uses the parent's.
/// Stored in `*new_group`; it belongs to the service.
#[no_mangle]
pub unsafe extern "C" fn microGroup_AddGroup(
    new_group: *mut *mut microGroup,
    parent: *mut microGroup,
    config: *mut microGroupConfig,
) -> *mut microError {
    if new_group.is_null() || parent.is_null() || config.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: per the API.
        let cfg = unsafe { group_config(config) }?;
        // SAFETY: a group of a live service, per the API.
        let g = unsafe { group(parent) }?.add_group(cfg)?;
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { new_group.write(group_ptr(&g)) };
        Ok(())
    })
}

/// Adds an endpoint to group `g`: its subject is "<prefix>.<Subject or
/// Name>". As microService_AddEndpoint otherwise.
#[no_mangle]
pub unsafe extern "C" fn microGroup_AddEndpoint(
    g: *mut microGroup,
    config: *mut microEndpointConfig,
) -> *mut microError {
    if g.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: NULL or a live config, per the API.
        let Some(cfg) = (unsafe { config.as_ref() }) else {
            return Ok(());
        };
        // SAFETY: per the API.
        let cfg = unsafe { endpoint_config(cfg) }?;
        // SAFETY: a group of a live service, per the API.
        unsafe { group(g) }?.add_endpoint(cfg)
    })
}

/// Stops the service: it stops answering, its subscriptions drain (the
/// requests already received are still served), then the done handler
/// runs, once. Called from a thread that is not one of the service's
/// handlers, it returns once that is over (no handler of the service runs
/// any more); from a handler it does not wait. Stopping a stopped service
/// does nothing.
#[no_mangle]
pub unsafe extern "C" fn microService_Stop(m: *mut microService) -> *mut microError {
    if m.is_null() {
        return invalid_arg();
    }
    // SAFETY: a live service, per the API.
    micro_guard(|| unsafe { service(m) }?.stop())
}

/// Stops the service (as microService_Stop) and releases the caller's
/// handle: do not use `m` afterwards. Memory still in use by running
/// handlers is freed when they return. An error from stopping is returned,
/// and the handle is released anyway.
#[no_mangle]
pub unsafe extern "C" fn microService_Destroy(m: *mut microService) -> *mut microError {
    if m.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live handle the caller gives up, per the API.
        let s =
            unsafe { release(m) }.ok_or_else(|| ServiceError::invalid_arg("service is NULL"))?;
        s.stop()
    })
}

/// `true` once the service is stopped (by microService_Stop, by the
/// connection closing, or by an asynchronous error); `true` for NULL.
#[no_mangle]
pub unsafe extern "C" fn microService_IsStopped(m: *mut microService) -> bool {
    // SAFETY: NULL or a live service, per the API.
    match unsafe { try_borrow(m) } {
        None => true,
        Some(s) => s.is_stopped(),
    }
}

/// Waits until the service is stopped and (outside its handlers) its done
/// handler has returned. Only a NULL `m` is an error.
#[no_mangle]
pub unsafe extern "C" fn microService_Run(m: *mut microService) -> *mut microError {
    if m.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live service, per the API.
        unsafe { service(m) }?.run();
        Ok(())
    })
}

/// The service's connection (lent: do not destroy it); NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microService_GetConnection(m: *mut microService) -> *mut natsConnection {
    // SAFETY: NULL or a live service, per the API.
    unsafe { try_borrow(m) }.map_or(ptr::null_mut(), |s| lend(s.connection()))
}

/// The `State` pointer of the service's config; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microService_GetState(m: *mut microService) -> *mut c_void {
    // SAFETY: NULL or a live service, per the API.
    unsafe { try_borrow(m) }.map_or(ptr::null_mut(), |s| state_ptr(s.state()))
}

const INFO_TYPE: &str = crate::micro::monitoring::INFO_RESPONSE_TYPE;
const STATS_TYPE: &str = crate::micro::monitoring::STATS_RESPONSE_TYPE;

/// The service's description (what `$SRV.INFO` answers), stored in
/// `*new_info`; free it with microServiceInfo_Destroy.
#[no_mangle]
pub unsafe extern "C" fn microService_GetInfo(
    new_info: *mut *mut microServiceInfo,
    m: *mut microService,
) -> *mut microError {
    if new_info.is_null() || m.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live service, per the API.
        let info = unsafe { service(m) }?.info();
        let mut st = TreeStore::default();
        let eps: Vec<microEndpointInfo> = info
            .endpoints
            .iter()
            .map(|e| microEndpointInfo {
                Name: st.str(&e.name),
                Subject: st.str(&e.subject),
                QueueGroup: e.queue_group.as_deref().map_or(ptr::null(), |q| st.str(q)),
                Metadata: metadata_to_c(&mut st, &e.metadata),
            })
            .collect();
        let root = microServiceInfo {
            Type: st.str(INFO_TYPE),
            Name: st.str(&info.name),
            Version: st.str(&info.version),
            Description: st.str_or_null(&info.description),
            Id: st.str(&info.id),
            Metadata: metadata_to_c(&mut st, &info.metadata),
            EndpointsLen: c_int_len(eps.len()),
            Endpoints: st.array(eps),
        };
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { new_info.write(into_c_tree(root, st)) };
        Ok(())
    })
}

/// Frees what microService_GetInfo gave; NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn microServiceInfo_Destroy(info: *mut microServiceInfo) {
    // SAFETY: NULL or a tree from microService_GetInfo, per the API.
    unsafe { free_tree(info) }
}

/// `s` in a fixed C buffer, cut to fit with its NUL.
fn fixed_text<const N: usize>(s: &str) -> [c_char; N] {
    let mut buf = [0 as c_char; N];
    let bytes = s.as_bytes();
    let n = bytes.len().min(N - 1);
    for (d, b) in buf.iter_mut().zip(&bytes[..n]) {
        *d = *b as c_char;
    }
    buf
}

fn saturating_i64(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

/// The service's counters (what `$SRV.STATS` answers), stored in
/// `*new_stats`; free it with microServiceStats_Destroy.
#[no_mangle]
pub unsafe extern "C" fn microService_GetStats(
    new_stats: *mut *mut microServiceStats,
    m: *mut microService,
) -> *mut microError {
    if new_stats.is_null() || m.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live service, per the API.
        let stats = unsafe { service(m) }?.stats();
        let mut st = TreeStore::default();
        let eps: Vec<microEndpointStats> = stats
            .endpoints
            .iter()
            .map(|e| microEndpointStats {
                Name: st.str(&e.name),
                Subject: st.str(&e.subject),
                QueueGroup: e.queue_group.as_deref().map_or(ptr::null(), |q| st.str(q)),
                NumRequests: saturating_i64(e.num_requests),
                NumErrors: saturating_i64(e.num_errors),
                ProcessingTimeSeconds: saturating_i64(e.processing_time / 1_000_000_000),
                ProcessingTimeNanoseconds: saturating_i64(e.processing_time % 1_000_000_000),
                AverageProcessingTimeNanoseconds: saturating_i64(e.average_processing_time),
                LastErrorString: fixed_text(&e.last_error),
            })
            .collect();
        let root = microServiceStats {
            Type: st.str(STATS_TYPE),
            Name: st.str(&stats.name),
            Version: st.str(&stats.version),
            Id: st.str(&stats.id),
            Started: stats.started,
            EndpointsLen: c_int_len(eps.len()),
            Endpoints: st.array(eps),
        };
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { new_stats.write(into_c_tree(root, st)) };
        Ok(())
    })
}

/// Frees what microService_GetStats gave; NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn microServiceStats_Destroy(stats: *mut microServiceStats) {
    // SAFETY: NULL or a tree from microService_GetStats, per the API.
    unsafe { free_tree(stats) }
}
