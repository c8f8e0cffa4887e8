//! A consumer's configuration and what the server reports about it.
use std::ffi::{c_char, c_int};

use super::{c_enum, jsClusterInfo, natsMetadata};

/// Where in the stream a new consumer starts.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsDeliverPolicy {
    /// From the first message.
    js_DeliverAll = 0,
    /// From the last message.
    js_DeliverLast,
    /// From the next message stored after the consumer is created.
    js_DeliverNew,
    /// From the sequence in `OptStartSeq`.
    js_DeliverByStartSequence,
    /// From the time in `OptStartTime`.
    js_DeliverByStartTime,
    /// From the last message of each subject.
    js_DeliverLastPerSubject,
}
c_enum!(jsDeliverPolicy {
    js_DeliverAll,
    js_DeliverLast,
    js_DeliverNew,
    js_DeliverByStartSequence,
    js_DeliverByStartTime,
    js_DeliverLastPerSubject,
});

/// How the messages of a consumer are acknowledged.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsAckPolicy {
    /// Each message is acknowledged on its own.
    js_AckExplicit = 0,
    /// Messages need no acknowledgement.
    js_AckNone,
    /// Acknowledging a message acknowledges those before it too.
    js_AckAll,
}
c_enum!(jsAckPolicy {
    js_AckExplicit,
    js_AckNone,
    js_AckAll
});

/// The pace at which a consumer delivers stored messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum jsReplayPolicy {
    /// As fast as the client takes them.
    js_ReplayInstant = 0,
    /// With the time gaps they were stored with.
    js_ReplayOriginal,
}
c_enum!(jsReplayPolicy {
    js_ReplayInstant,
    js_ReplayOriginal
});

/// A consumer's configuration, given to js_AddConsumer and
/// js_UpdateConsumer and found in a jsConsumerInfo. Set it up with
/// jsConsumerConfig_Init; durations are in nanoseconds, times in UTC
/// nanoseconds since the epoch. In a config the caller owns every pointer;
/// in an info the library does.
#[repr(C)]
pub struct jsConsumerConfig {
    /// The consumer's name (NULL: the server picks one, or `Durable` is used).
    pub Name: *const c_char,
    /// The name of a durable consumer (older form of `Name`).
    pub Durable: *const c_char,
    /// Free text describing the consumer.
    pub Description: *const c_char,
    /// Where it starts.
    pub DeliverPolicy: jsDeliverPolicy,
    /// The start sequence, with js_DeliverByStartSequence.
    pub OptStartSeq: u64,
    /// The start time, with js_DeliverByStartTime.
    pub OptStartTime: i64,
    /// How messages are acknowledged.
    pub AckPolicy: jsAckPolicy,
    /// How long the server waits for an acknowledgement before redelivering.
    pub AckWait: i64,
    /// How many times a message is delivered at most (-1: no limit).
    pub MaxDeliver: i64,
    /// The successive redelivery delays.
    pub BackOff: *mut i64,
    /// The number of entries in `BackOff`.
    pub BackOffLen: c_int,
    /// Deliver only the messages whose subject matches this filter.
    pub FilterSubject: *const c_char,
    /// The pace of delivery.
    pub ReplayPolicy: jsReplayPolicy,
    /// The most bits per second delivered (0: no limit).
    pub RateLimit: u64,
    /// The share of acknowledgements sampled for monitoring, such as "50%".
    pub SampleFrequency: *const c_char,
    /// The most pull requests waiting at once.
    pub MaxWaiting: i64,
    /// The most messages delivered and not yet acknowledged.
    pub MaxAckPending: i64,
    /// Push consumers: the server paces delivery by flow control messages.
    pub FlowControl: bool,
    /// The interval of idle heartbeats (0: none).
    pub Heartbeat: i64,
    /// Deliver the headers only, without the payload.
    pub HeadersOnly: bool,
    /// Pull consumers: the largest batch one request may ask for.
    pub MaxRequestBatch: i64,
    /// Pull consumers: the longest expiry one request may ask for.
    pub MaxRequestExpires: i64,
    /// Pull consumers: the largest byte count one request may ask for.
    pub MaxRequestMaxBytes: i64,
    /// Push consumers: the subject messages are delivered to.
    pub DeliverSubject: *const c_char,
    /// Push consumers: the queue group that shares the deliveries.
    pub DeliverGroup: *const c_char,
    /// How long the consumer lives without activity.
    pub InactiveThreshold: i64,
    /// How many copies of its state the cluster keeps (0: as the stream).
    pub Replicas: i64,
    /// Keep its state in memory, whatever the stream's storage.
    pub MemoryStorage: bool,
    /// Several subject filters (instead of `FilterSubject`).
    pub FilterSubjects: *mut *const c_char,
    /// The number of entries in `FilterSubjects`.
    pub FilterSubjectsLen: c_int,
    /// The user's key/value metadata.
    pub Metadata: natsMetadata,
    /// Deliver nothing until this time (0: not paused).
    pub PauseUntil: i64,
    /// The priority policy: "pinned_client" or "overflow" (NULL: none).
    pub PriorityPolicy: *const c_char,
    /// With "pinned_client": how long a pinned client keeps its pin without
    /// pulling.
    pub PinnedTTL: i64,
    /// The priority groups pull requests may name.
    pub PriorityGroups: *mut *const c_char,
    /// The number of entries in `PriorityGroups`.
    pub PriorityGroupsLen: c_int,
}

/// A consumer sequence paired with the stream sequence it stands for.
#[repr(C)]
pub struct jsSequencePair {
    /// The consumer's sequence.
    pub Consumer: u64,
    /// The stream's sequence.
    pub Stream: u64,
}

/// A position of a consumer (the last delivered or the acknowledgement floor).
#[repr(C)]
pub struct jsSequenceInfo {
    /// The consumer's sequence.
    pub Consumer: u64,
    /// The stream's sequence.
    pub Stream: u64,
    /// When that position was reached, UTC nanoseconds since the epoch.
    pub Last: i64,
}

/// The state of one priority group of a consumer.
#[repr(C)]
pub struct jsPriorityGroupState {
    /// The group's name.
    pub Group: *mut c_char,
    /// The client currently pinned, with "pinned_client".
    pub PinnedClientID: *mut c_char,
    /// When that client was pinned, UTC nanoseconds since the epoch.
    pub PinnedTS: i64,
}

/// A consumer's configuration and state, from js_AddConsumer,
/// js_UpdateConsumer or js_GetConsumerInfo; freed with
/// jsConsumerInfo_Destroy.
#[repr(C)]
pub struct jsConsumerInfo {
    /// The stream it reads.
    pub Stream: *mut c_char,
    /// Its name.
    pub Name: *mut c_char,
    /// When it was created, UTC nanoseconds since the epoch.
    pub Created: i64,
    /// Its configuration, as the server holds it.
    pub Config: *mut jsConsumerConfig,
    /// The last message delivered.
    pub Delivered: jsSequenceInfo,
    /// Below this everything is acknowledged.
    pub AckFloor: jsSequenceInfo,
    /// Messages delivered and not yet acknowledged.
    pub NumAckPending: i64,
    /// Messages delivered more than once.
    pub NumRedelivered: i64,
    /// Pull requests waiting.
    pub NumWaiting: i64,
    /// Messages in the stream not yet delivered.
    pub NumPending: u64,
    /// Where it runs in the cluster (NULL when not clustered).
    pub Cluster: *mut jsClusterInfo,
    /// Push consumers: whether a subscription is receiving.
    pub PushBound: bool,
    /// Whether it is paused.
    pub Paused: bool,
    /// How long it stays paused, in nanoseconds.
    pub PauseRemaining: i64,
    /// The state of its priority groups.
    pub PriorityGroups: *mut jsPriorityGroupState,
    /// The number of entries in `PriorityGroups`.
    pub PriorityGroupsLen: c_int,
}

/// The consumers of js_Consumers; freed with jsConsumerInfoList_Destroy.
#[repr(C)]
pub struct jsConsumerInfoList {
    /// The consumers' infos.
    pub List: *mut *mut jsConsumerInfo,
    /// The number of entries in `List`.
    pub Count: c_int,
}

/// The consumer names of js_ConsumerNames; freed with
/// jsConsumerNamesList_Destroy.
#[repr(C)]
pub struct jsConsumerNamesList {
    /// The names.
    pub List: *mut *mut c_char,
    /// The number of entries in `List`.
    pub Count: c_int,
}

/// The answer of js_PauseConsumer; freed with jsConsumerPauseResponse_Destroy.
#[repr(C)]
pub struct jsConsumerPauseResponse {
    /// Whether the consumer is now paused.
    pub Paused: bool,
    /// Until when, UTC nanoseconds since the epoch.
    pub PauseUntil: i64,
    /// How long that is from now, in nanoseconds.
    pub PauseRemaining: i64,
}

/// The answer of js_ResetConsumer; freed with jsConsumerResetResponse_Destroy.
#[repr(C)]
pub struct jsConsumerResetResponse {
    /// The consumer after the reset.
    pub Consumer: *mut jsConsumerInfo,
    /// The stream sequence it was reset to.
    pub ResetSeq: u64,
}
