//! A store's status (nats.c's `objStoreStatus`), read from its stream's
//! info.
use crate::jetstream::stream::StreamInfoOptions;
use crate::jetstream::stream_config::StorageCompression;
use crate::jetstream::stream_info::StreamInfo;
use crate::jetstream::JsResult;

use super::{ObjStore, STREAM_PREFIX};

/// What objStore_Status reports.
#[derive(Debug, Clone)]
pub struct ObjStoreStatus {
    pub bucket: String,
    pub info: StreamInfo,
}

impl ObjStoreStatus {
    /// The status of a store's stream; `None` for a stream that is not
    /// named as a store's.
    pub fn from_stream(info: StreamInfo) -> Option<ObjStoreStatus> {
        let bucket = info.config.name.strip_prefix(STREAM_PREFIX)?.to_string();
        Some(ObjStoreStatus { bucket, info })
    }

    pub fn description(&self) -> &str {
        &self.info.config.description
    }

    /// How long objects are kept, nanoseconds (0: forever).
    pub fn ttl(&self) -> i64 {
        self.info.config.max_age
    }

    pub fn replicas(&self) -> i64 {
        self.info.config.replicas
    }

    /// The store refuses changes.
    pub fn sealed(&self) -> bool {
        self.info.config.sealed
    }

    /// Bytes stored.
    pub fn size(&self) -> u64 {
        self.info.state.bytes
    }

    pub fn is_compressed(&self) -> bool {
        self.info.config.compression != StorageCompression::None
    }
}

impl ObjStore {
    /// The store's status now; `NotFound` when the store is gone.
    pub fn status(&self) -> JsResult<ObjStoreStatus> {
        let info = self
            .js
            .stream_info(&self.stream, &StreamInfoOptions::default())?;
        Ok(ObjStoreStatus {
            bucket: self.name.clone(),
            info,
        })
    }

    /// Seals the store: the server refuses any change from now on.
    pub fn seal(&self) -> JsResult<()> {
        let mut info = self
            .js
            .stream_info(&self.stream, &StreamInfoOptions::default())?;
        info.config.sealed = true;
        self.js.update_stream(&info.config).map(drop)
    }
}
