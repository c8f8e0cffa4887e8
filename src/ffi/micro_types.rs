//! The C types of nats.c 3.14's services API (`micro*`), field for field:
//! the configs the user fills, the info and stats trees handed out, the
//! callbacks and the opaque handles.
use std::ffi::{c_char, c_int, c_void};

use crate::ffi::js_types::natsMetadata;
use crate::ffi::natsStatus;

/// A service (opaque): made by micro_AddService, freed by
/// microService_Destroy.
pub struct microService {
    _private: [u8; 0],
}

/// A group of endpoints under a subject prefix (opaque); belongs to its
/// service and goes with it.
pub struct microGroup {
    _private: [u8; 0],
}

/// An endpoint (opaque), as the error handler names it.
pub struct microEndpoint {
    _private: [u8; 0],
}

/// Reserved for client settings; pass NULL.
pub struct microClientConfig {
    _private: [u8; 0],
}

/// An error of the services API (opaque). Errors are `malloc`ed and freed
/// with microError_Destroy, or given back to the library (returned from a
/// handler, passed to microRequest_RespondError/RespondCustom, wrapped by
/// microError_Wrapf), which frees them. micro_ErrorOutOfMemory and
/// micro_ErrorInvalidArg are static: destroying them does nothing.
pub struct microError {
    _private: [u8; 0],
}

/// Serves one request on the endpoint's delivery thread. `req` is lent for
/// the call (with the message in it, freed after the call). Return NULL,
/// or an error, which is sent back to the requestor as a service error
/// (the `Nats-Service-Error` and `Nats-Service-Error-Code` headers) and
/// freed by the library.
pub type microRequestHandler =
    Option<unsafe extern "C" fn(req: *mut microRequest) -> *mut microError>;

/// Hears of an asynchronous error (a slow consumer) on one of the service's
/// subscriptions, on the library's event thread; `ep` names the endpoint
/// (lent for the call). The service then stops.
pub type microErrorHandler =
    Option<unsafe extern "C" fn(m: *mut microService, ep: *mut microEndpoint, s: natsStatus)>;

/// Runs once when the service has stopped (all its subscriptions are
/// done), on the thread that finished last: a delivery thread, or the one
/// calling microService_Stop/Destroy.
pub type microDoneHandler = Option<unsafe extern "C" fn(m: *mut microService)>;

/// An endpoint's configuration; copied by the call that takes it.
#[repr(C)]
pub struct microEndpointConfig {
    /// The endpoint's name: letters, digits, '-' and '_'.
    pub Name: *const c_char,
    /// The subject it listens on (wildcards allowed); NULL or empty: the
    /// name. Prefixed with the group's prefix in a group.
    pub Subject: *const c_char,
    /// A queue group for this endpoint (NULL: the group's or service's).
    pub QueueGroup: *const c_char,
    /// No queue group: every instance of the service gets every request.
    pub NoQueueGroup: bool,
    /// Key/value pairs listed in INFO and STATS.
    pub Metadata: natsMetadata,
    /// Serves the requests (required).
    pub Handler: microRequestHandler,
    /// The user's pointer, given back by microRequest_GetEndpointState.
    pub State: *mut c_void,
}

/// An endpoint as microService_GetInfo and `$SRV.INFO` describe it.
#[repr(C)]
pub struct microEndpointInfo {
    pub Name: *const c_char,
    pub Subject: *const c_char,
    /// NULL without a queue group.
    pub QueueGroup: *const c_char,
    pub Metadata: natsMetadata,
}

/// An endpoint's counters (microService_GetStats, `$SRV.STATS`).
#[repr(C)]
pub struct microEndpointStats {
    pub Name: *const c_char,
    pub Subject: *const c_char,
    /// NULL without a queue group.
    pub QueueGroup: *const c_char,
    /// Requests served.
    pub NumRequests: i64,
    /// Errors: service errors sent back and asynchronous errors.
    pub NumErrors: i64,
    /// Total time spent in the handler: whole seconds ...
    pub ProcessingTimeSeconds: i64,
    /// ... and the nanoseconds beyond them.
    pub ProcessingTimeNanoseconds: i64,
    /// The mean time per request, in nanoseconds.
    pub AverageProcessingTimeNanoseconds: i64,
    /// The text of the last error (empty: none).
    pub LastErrorString: [c_char; 2048],
}

/// A group's configuration; copied by the call that takes it.
#[repr(C)]
pub struct microGroupConfig {
    /// The subject prefix (required); in a group, after the parent's.
    pub Prefix: *const c_char,
    /// The queue group of the group's endpoints (NULL: the parent's).
    pub QueueGroup: *const c_char,
    /// No queue group for the group's endpoints.
    pub NoQueueGroup: bool,
}

/// A service's configuration; copied by micro_AddService.
#[repr(C)]
pub struct microServiceConfig {
    /// The service's name: letters, digits, '-' and '_' (required).
    pub Name: *const c_char,
    /// A semantic version, e.g. "1.0.0" (required).
    pub Version: *const c_char,
    pub Description: *const c_char,
    /// The endpoints' queue group (NULL: "q"; empty is invalid).
    pub QueueGroup: *const c_char,
    /// No queue group for the endpoints.
    pub NoQueueGroup: bool,
    /// Key/value pairs listed by PING, INFO and STATS.
    pub Metadata: natsMetadata,
    /// An endpoint added with the service (NULL: none).
    pub Endpoint: *mut microEndpointConfig,
    /// Answers `$SRV.STATS` instead of the built-in handler.
    pub StatsHandler: microRequestHandler,
    pub ErrHandler: microErrorHandler,
    pub DoneHandler: microDoneHandler,
    /// The user's pointer, given back by microService_GetState and
    /// microRequest_GetServiceState.
    pub State: *mut c_void,
}

/// A service's description (microService_GetInfo); free with
/// microServiceInfo_Destroy.
#[repr(C)]
pub struct microServiceInfo {
    /// "io.nats.micro.v1.info_response".
    pub Type: *const c_char,
    pub Name: *const c_char,
    pub Version: *const c_char,
    pub Description: *const c_char,
    /// This instance's id.
    pub Id: *const c_char,
    pub Metadata: natsMetadata,
    pub Endpoints: *mut microEndpointInfo,
    pub EndpointsLen: c_int,
}

/// A service's counters (microService_GetStats); free with
/// microServiceStats_Destroy.
#[repr(C)]
pub struct microServiceStats {
    /// "io.nats.micro.v1.stats_response".
    pub Type: *const c_char,
    pub Name: *const c_char,
    pub Version: *const c_char,
    pub Id: *const c_char,
    /// When the service started, in UTC nanoseconds.
    pub Started: i64,
    pub Endpoints: *mut microEndpointStats,
    pub EndpointsLen: c_int,
}

/// A request being served (opaque), lent to the endpoint's handler for the
/// length of the call.
pub struct microRequest {
    pub(crate) req: *mut crate::micro::Request,
    /// The request's message, lent as a `natsMsg` for the call.
    pub(crate) msg: *mut crate::ffi::msg::natsMsg,
}
