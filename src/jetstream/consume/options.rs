//! The values of consumption calls: subscribe options (nats.c's
//! `jsSubOptions`), a fetch request (`jsFetchRequest`), a message's
//! metadata (`jsMsgMetaData`) and a sequence mismatch
//! (`jsConsumerSequenceMismatch`).
use crate::jetstream::consumer_config::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};

/// How a JetStream subscription finds or makes its consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubOptions {
    /// Bind to this stream (empty: look it up by the subject).
    pub stream: String,
    /// Bind to this existing consumer of `stream`.
    pub consumer: String,
    /// Queue group (the consumer's deliver group); push only.
    pub queue: String,
    /// The user acknowledges; otherwise an async push subscription acks
    /// each message after its callback returns.
    pub manual_ack: bool,
    /// The consumer to create, or what an existing one must match.
    pub config: ConsumerConfig,
    /// The policies the user set (nats.c's `-1` is "not set"): only those
    /// are compared with an existing consumer's.
    pub deliver_policy: Option<DeliverPolicy>,
    pub ack_policy: Option<AckPolicy>,
    pub replay_policy: Option<ReplayPolicy>,
    /// An ordered consumer: flow-controlled, in-memory, no acks, and reset
    /// by the library whenever a message is missed.
    pub ordered: bool,
}

/// One fetch of a pull subscription; durations in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// How long the request lasts (required unless `no_wait`).
    pub expires: i64,
    /// At most this many messages (required, positive).
    pub batch: i64,
    /// At most this many bytes (0: no limit).
    pub max_bytes: i64,
    /// Return what is there now rather than wait.
    pub no_wait: bool,
    /// Ask the server for heartbeats this often while the request waits.
    pub heartbeat: i64,
    /// Priority groups (server 2.11+).
    pub min_pending: i64,
    pub min_ack_pending: i64,
    /// The pinned client id (`pinned_client` policy).
    pub id: String,
    pub group: String,
    /// Server 2.12+ `prioritized` policy: lower is served first (0-9).
    pub priority: u8,
}

/// Both sequences of a delivered message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequencePair {
    pub consumer: u64,
    pub stream: u64,
}

/// What a JetStream message's reply subject says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgMetadata {
    pub sequence: SequencePair,
    pub num_delivered: u64,
    pub num_pending: u64,
    /// When the message was stored, UTC nanoseconds.
    pub timestamp: i64,
    pub stream: String,
    pub consumer: String,
    /// Empty when the server names no domain.
    pub domain: String,
}

/// A gap between what a push consumer's heartbeat says was sent and what
/// the subscription received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequenceMismatch {
    /// The stream sequence to resume from.
    pub stream: u64,
    /// The consumer sequence the library received last.
    pub consumer_client: u64,
    /// The consumer sequence the server sent last.
    pub consumer_server: u64,
}
