//! The structs of JetStream consumption: subscribe options, a fetch
//! request, a message's metadata and a sequence mismatch.
use std::ffi::{c_char, c_int};

use super::{jsConsumerConfig, jsSequencePair};

/// How js_Subscribe and friends find or create their consumer. Set up with
/// jsSubOptions_Init (which marks the config's policies unset); the
/// struct never owns what its pointers point to.
#[repr(C)]
pub struct jsSubOptions {
    /// Bind to this stream (NULL: the stream is looked up by the subject).
    pub Stream: *const c_char,
    /// Bind to this existing consumer of `Stream`, without creating one.
    pub Consumer: *const c_char,
    /// Queue group: the members share the consumer's messages (push only).
    pub Queue: *const c_char,
    /// The application acknowledges; otherwise an asynchronous push
    /// subscription acknowledges each message once its callback returns.
    pub ManualAck: bool,
    /// The consumer to create, or what an existing one must match.
    pub Config: jsConsumerConfig,
    /// An ordered consumer: every message once and in order, with the
    /// library recreating the consumer whenever one is missed.
    pub Ordered: bool,
}

/// One fetch of a pull subscription (natsSubscription_FetchRequest). Set
/// up with jsFetchRequest_Init; durations are in nanoseconds.
#[repr(C)]
pub struct jsFetchRequest {
    /// How long the request lasts, nanoseconds (required unless NoWait).
    pub Expires: i64,
    /// At most this many messages (required).
    pub Batch: c_int,
    /// At most this many bytes (0: no limit).
    pub MaxBytes: i64,
    /// Return what the server has now instead of waiting.
    pub NoWait: bool,
    /// Ask the server for heartbeats this often while the request waits.
    pub Heartbeat: i64,
    /// Only receive while the consumer has at least this many pending
    /// messages (priority groups, server 2.11+).
    pub MinPending: i64,
    /// Only receive while the consumer has at least this many messages
    /// waiting for an acknowledgement (server 2.11+).
    pub MinAckPending: i64,
    /// The pinned client id, with the "pinned_client" priority policy.
    pub ID: *const c_char,
    /// The priority group the request belongs to.
    pub Group: *const c_char,
    /// With the "prioritized" policy (server 2.12+): lower is served first,
    /// 0 to 9.
    pub Priority: u8,
}

/// What a JetStream message's reply subject says about it
/// (natsMsg_GetMetaData); freed with jsMsgMetaData_Destroy, strings
/// included.
#[repr(C)]
pub struct jsMsgMetaData {
    /// The message's consumer and stream sequences.
    pub Sequence: jsSequencePair,
    /// How many times it was delivered (1 the first time).
    pub NumDelivered: u64,
    /// How many messages of the consumer are left after this one.
    pub NumPending: u64,
    /// When it was stored, UTC nanoseconds since the epoch.
    pub Timestamp: i64,
    /// The stream's name.
    pub Stream: *mut c_char,
    /// The consumer's name.
    pub Consumer: *mut c_char,
    /// The JetStream domain (NULL when none).
    pub Domain: *mut c_char,
}

/// A gap a push subscription's heartbeat revealed
/// (natsSubscription_GetSequenceMismatch).
#[repr(C)]
pub struct jsConsumerSequenceMismatch {
    /// The stream sequence to resume from.
    pub Stream: u64,
    /// The consumer sequence the library received last.
    pub ConsumerClient: u64,
    /// The consumer sequence the server sent last.
    pub ConsumerServer: u64,
}
