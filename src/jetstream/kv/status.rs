//! A bucket's status (nats.c's `kvStatus`): its stream's info when asked.
use super::super::error::JsResult;
use super::super::stream::StreamInfoOptions;
use super::super::stream_info::StreamInfo;
use super::KvStore;

/// What `kvStore_Status` reports, read from the stream's info.
#[derive(Debug, Clone)]
pub struct KvStatus {
    bucket: String,
    info: StreamInfo,
}

impl KvStatus {
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// How many revisions (values and markers) the bucket holds.
    pub fn values(&self) -> u64 {
        self.info.state.msgs
    }

    /// Revisions kept per key.
    pub fn history(&self) -> i64 {
        self.info.config.max_msgs_per_subject
    }

    /// How long revisions are kept, nanoseconds (0: forever).
    pub fn ttl(&self) -> i64 {
        self.info.config.max_age
    }

    pub fn replicas(&self) -> i64 {
        self.info.config.replicas
    }

    /// The bytes the bucket's stream holds.
    pub fn bytes(&self) -> u64 {
        self.info.state.bytes
    }

    /// The stream info behind the status.
    pub fn stream_info(&self) -> &StreamInfo {
        &self.info
    }
}

impl KvStore {
    /// The bucket's status now.
    pub fn status(&self) -> JsResult<KvStatus> {
        let info = self
            .js
            .stream_info(&self.stream, &StreamInfoOptions::default())?;
        Ok(KvStatus {
            bucket: self.bucket.clone(),
            info,
        })
    }
}
