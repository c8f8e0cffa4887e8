//! What js_GetAccountInfo reports: the account's JetStream usage and limits.
use std::ffi::{c_char, c_int};

/// How many JetStream API calls the account made, and how many failed.
#[repr(C)]
pub struct jsAPIStats {
    /// Calls made.
    pub Total: u64,
    /// Calls that failed.
    pub Errors: u64,
}

/// The JetStream limits of an account or of one of its tiers (-1: no limit).
#[repr(C)]
pub struct jsAccountLimits {
    /// The most memory storage, in bytes.
    pub MaxMemory: i64,
    /// The most file storage, in bytes.
    pub MaxStore: i64,
    /// The most streams.
    pub MaxStreams: i64,
    /// The most consumers.
    pub MaxConsumers: i64,
    /// The most unacknowledged messages per consumer.
    pub MaxAckPending: i64,
    /// The largest `MaxBytes` of a memory stream.
    pub MemoryMaxStreamBytes: i64,
    /// The largest `MaxBytes` of a file stream.
    pub StoreMaxStreamBytes: i64,
    /// Streams must set `MaxBytes`.
    pub MaxBytesRequired: bool,
}

/// Usage and limits of one tier of an account (such as "R1", "R3").
#[repr(C)]
pub struct jsTier {
    /// The tier's name.
    pub Name: *const c_char,
    /// Memory storage used, in bytes.
    pub Memory: u64,
    /// File storage used, in bytes.
    pub Store: u64,
    /// The number of streams.
    pub Streams: i64,
    /// The number of consumers.
    pub Consumers: i64,
    /// The tier's limits.
    pub Limits: jsAccountLimits,
}

/// The account's JetStream usage and limits, from js_GetAccountInfo; freed
/// with jsAccountInfo_Destroy.
#[repr(C)]
pub struct jsAccountInfo {
    /// Memory storage used, in bytes.
    pub Memory: u64,
    /// File storage used, in bytes.
    pub Store: u64,
    /// The number of streams.
    pub Streams: i64,
    /// The number of consumers.
    pub Consumers: i64,
    /// The JetStream domain, if any.
    pub Domain: *mut c_char,
    /// API call counts.
    pub API: jsAPIStats,
    /// The account's limits.
    pub Limits: jsAccountLimits,
    /// Per tier usage and limits.
    pub Tiers: *mut *mut jsTier,
    /// The number of entries in `Tiers`.
    pub TiersLen: c_int,
}
