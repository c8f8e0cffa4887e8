//! A stream's configuration (`jsStreamConfig`) and everything it holds.
use std::ffi::{c_char, c_int};

use super::{c_enum, natsMetadata};

/// When a stream may drop messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsRetentionPolicy {
    /// Messages stay until a limit (count, bytes, age) removes them.
    js_LimitsPolicy = 0,
    /// Messages stay while some consumer has yet to acknowledge them.
    js_InterestPolicy,
    /// Each message goes to one consumer and leaves once acknowledged.
    js_WorkQueuePolicy,
}
c_enum!(jsRetentionPolicy {
    js_LimitsPolicy,
    js_InterestPolicy,
    js_WorkQueuePolicy
});

/// What a full stream does with a new message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsDiscardPolicy {
    /// Make room by removing the oldest messages.
    js_DiscardOld = 0,
    /// Refuse the new message.
    js_DiscardNew,
}
c_enum!(jsDiscardPolicy {
    js_DiscardOld,
    js_DiscardNew
});

/// Where a stream keeps its messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsStorageType {
    /// On disk.
    js_FileStorage = 0,
    /// In memory only.
    js_MemoryStorage,
}
c_enum!(jsStorageType {
    js_FileStorage,
    js_MemoryStorage
});

/// How a stream compresses what it stores.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsStorageCompression {
    /// Stored as is.
    js_StorageCompressionNone = 0,
    /// Compressed with S2.
    js_StorageCompressionS2,
}
c_enum!(jsStorageCompression {
    js_StorageCompressionNone,
    js_StorageCompressionS2
});

/// When the server acknowledges a write to a file-backed stream.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsPersistModeType {
    /// The server's default: each write is flushed and stored before it is
    /// acknowledged.
    js_PersistDefault = 0,
    /// Writes are flushed in the background; the acknowledgement may come
    /// before the message is stored.
    js_PersistAsync,
}
c_enum!(jsPersistModeType {
    js_PersistDefault,
    js_PersistAsync
});

/// Which servers may hold a stream's replicas. Set it up with
/// jsPlacement_Init; the strings belong to the caller.
#[repr(C)]
pub struct jsPlacement {
    /// The cluster to place the stream in (NULL: any).
    pub Cluster: *const c_char,
    /// Tags the chosen servers must all have.
    pub Tags: *mut *const c_char,
    /// The number of entries in `Tags`.
    pub TagsLen: c_int,
}

/// Where to reach a stream of another account or domain. Set it up with
/// jsExternalStream_Init.
#[repr(C)]
pub struct jsExternalStream {
    /// The subject prefix of that JetStream API.
    pub APIPrefix: *const c_char,
    /// The subject prefix its messages are delivered with.
    pub DeliverPrefix: *const c_char,
}

/// A stream another stream copies from (a mirror or one of its sources).
/// Set it up with jsStreamSource_Init.
#[repr(C)]
pub struct jsStreamSource {
    /// The name of the stream to copy from.
    pub Name: *const c_char,
    /// Start copying at this sequence (0: from the start).
    pub OptStartSeq: u64,
    /// Start copying at this time, UTC nanoseconds since the epoch (0: unset).
    pub OptStartTime: i64,
    /// Copy only the messages whose subject matches this filter.
    pub FilterSubject: *const c_char,
    /// Set when the stream lives in another account or domain.
    pub External: *mut jsExternalStream,
    /// The JetStream domain of that stream; stands for `External` with the
    /// API prefix of that domain.
    pub Domain: *const c_char,
}

/// Republishes each stored message (or its headers) to another subject.
/// Set it up with jsRePublish_Init.
#[repr(C)]
pub struct jsRePublish {
    /// The subjects to republish (a filter over the stream's subjects).
    pub Source: *const c_char,
    /// The subject (transform) to republish to.
    pub Destination: *const c_char,
    /// Republish the headers only, without the payload.
    pub HeadersOnly: bool,
}

/// Rewrites subjects: a message whose subject matches `Source` gets the
/// subject `Destination` makes of it.
#[repr(C)]
pub struct jsSubjectTransformConfig {
    /// The subjects to rewrite.
    pub Source: *const c_char,
    /// What they become.
    pub Destination: *const c_char,
}

/// Defaults and ceilings for the consumers created on a stream.
#[repr(C)]
pub struct jsStreamConsumerLimits {
    /// How long, in nanoseconds, an idle consumer lives.
    pub InactiveThreshold: i64,
    /// The largest number of unacknowledged messages a consumer may have.
    pub MaxAckPending: c_int,
}

/// A stream's configuration, given to js_AddStream and js_UpdateStream and
/// found in a jsStreamInfo. Set it up with jsStreamConfig_Init, which gives
/// every field the server's default; durations are in nanoseconds, limits
/// are -1 for "no limit". In a config the caller owns every pointer; in an
/// info the library does.
#[repr(C)]
pub struct jsStreamConfig {
    /// The stream's name (required).
    pub Name: *const c_char,
    /// Free text describing the stream.
    pub Description: *const c_char,
    /// The subjects the stream stores.
    pub Subjects: *mut *const c_char,
    /// The number of entries in `Subjects`.
    pub SubjectsLen: c_int,
    /// When messages may be removed.
    pub Retention: jsRetentionPolicy,
    /// The most consumers the stream may have.
    pub MaxConsumers: i64,
    /// The most messages the stream keeps.
    pub MaxMsgs: i64,
    /// The most bytes the stream keeps.
    pub MaxBytes: i64,
    /// The longest a message is kept, in nanoseconds (0: forever).
    pub MaxAge: i64,
    /// The most messages kept per subject.
    pub MaxMsgsPerSubject: i64,
    /// The largest message accepted, in bytes.
    pub MaxMsgSize: i32,
    /// What a full stream does with new messages.
    pub Discard: jsDiscardPolicy,
    /// Disk or memory.
    pub Storage: jsStorageType,
    /// How many copies of each message the cluster keeps.
    pub Replicas: i64,
    /// Publishes to the stream's subjects get no acknowledgement.
    pub NoAck: bool,
    /// The template that made this stream, if any (servers dropped templates).
    pub Template: *const c_char,
    /// The window, in nanoseconds, in which repeated message IDs are dropped.
    pub Duplicates: i64,
    /// Which servers hold the stream (NULL: anywhere).
    pub Placement: *mut jsPlacement,
    /// The stream this one mirrors (NULL: not a mirror).
    pub Mirror: *mut jsStreamSource,
    /// The streams this one collects from.
    pub Sources: *mut *mut jsStreamSource,
    /// The number of entries in `Sources`.
    pub SourcesLen: c_int,
    /// No message may be added or removed any more (set by an update only).
    pub Sealed: bool,
    /// Messages may not be deleted one by one.
    pub DenyDelete: bool,
    /// The stream may not be purged.
    pub DenyPurge: bool,
    /// A message with a `Nats-Rollup` header may replace the messages before it.
    pub AllowRollup: bool,
    /// Republishes stored messages elsewhere (NULL: no).
    pub RePublish: *mut jsRePublish,
    /// Messages may be read with direct get (js_DirectGetMsg).
    pub AllowDirect: bool,
    /// A mirror answers direct gets for the stream it mirrors.
    pub MirrorDirect: bool,
    /// With js_DiscardNew, the limit per subject also refuses new messages.
    pub DiscardNewPerSubject: bool,
    /// The user's key/value metadata.
    pub Metadata: natsMetadata,
    /// How stored messages are compressed.
    pub Compression: jsStorageCompression,
    /// The sequence the stream starts at.
    pub FirstSeq: u64,
    /// Rewrites the subjects of incoming messages.
    pub SubjectTransform: jsSubjectTransformConfig,
    /// Limits applied to the stream's consumers.
    pub ConsumerLimits: jsStreamConsumerLimits,
    /// Messages may carry their own time to live (the `Nats-TTL` header).
    pub AllowMsgTTL: bool,
    /// How long, in nanoseconds, the markers left when a subject's last
    /// message is removed by a limit live (0: no markers).
    pub SubjectDeleteMarkerTTL: i64,
    /// When writes are acknowledged.
    pub PersistMode: jsPersistModeType,
    /// Atomic batch publishing is allowed.
    pub AllowAtomic: bool,
    /// The stream keeps counters (messages add to a subject's value).
    pub AllowMsgCounter: bool,
    /// Messages may schedule other messages.
    pub AllowMsgSchedules: bool,
    /// Non-atomic batch publishing is allowed.
    pub AllowBatched: bool,
}
