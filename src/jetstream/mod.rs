//! JetStream on top of `client/`: the `$JS.API` JSON requests, their
//! errors, and the typed values they carry. Nothing here knows a C type;
//! `ffi/` translates nats.c's structs to and from these values.
//!
//! Layers (arrows point down): `context` (a connection plus the API prefix
//! and timeout) → `api` (one request/answer round trip, the error object)
//! and `paging` (listings over several pages) → `error` (the JetStream
//! error: a client kind plus the server's `err_code`). The operations live
//! with their area (`stream`, `consumer`, `msg_get`, `account`), the values
//! in their own files (`stream_config`, `stream_info`, `consumer_config`,
//! `consumer_info`), JSON helpers in `json` and `time`.
pub mod account;
pub mod api;
pub mod batch;
pub mod consume;
pub mod consumer;
pub mod consumer_config;
pub mod consumer_info;
pub mod context;
pub mod error;
pub mod json;
pub mod kv;
pub mod msg_get;
pub mod names;
pub mod objstore;
pub mod paging;
pub mod pub_ack;
pub mod pub_options;
pub mod publish;
pub mod publish_async;
pub mod stream;
pub mod stream_config;
pub mod stream_info;
pub mod time;

pub use batch::AtomicBatch;
pub use consumer_config::{
    priority_policy, AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy,
};
pub use consumer_info::{
    ConsumerInfo, ConsumerPauseResponse, ConsumerResetResponse, PriorityGroupState, SequenceInfo,
};
pub use context::{JetStream, JsOptions};
pub use error::{ErrorCode, JsError, JsResult};
pub use msg_get::DirectGetOptions;
pub use pub_ack::{PubAck, PubAckErr};
pub use pub_options::{PubOptions, ScheduleOptions};
pub use publish_async::{PublishAsyncOptions, Unpublished};
pub use stream::{PurgeOptions, StreamInfoOptions};
pub use stream_config::{
    DiscardPolicy, ExternalStream, PersistMode, Placement, RePublish, RetentionPolicy,
    StorageCompression, StorageType, StreamConfig, StreamConsumerLimits, StreamSource,
    SubjectTransformConfig,
};
pub use stream_info::{
    ClusterInfo, LostStreamData, PeerInfo, StreamAlternate, StreamInfo, StreamSourceInfo,
    StreamState, StreamStateSubject,
};
