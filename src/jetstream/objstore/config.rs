//! A store's configuration (nats.c's `objStoreConfig`) and the stream
//! that holds the store, made as nats.c's js_CreateObjectStore makes it;
//! opening, updating and deleting stores, and listing them.
use crate::client::ErrorKind;
use crate::jetstream::kv::names::valid_bucket_name;
use crate::jetstream::stream::StreamInfoOptions;
use crate::jetstream::stream_config::{
    DiscardPolicy, Placement, StorageCompression, StorageType, StreamConfig,
};
use crate::jetstream::{JetStream, JsError, JsResult};

use super::status::ObjStoreStatus;
use super::{ObjStore, STREAM_PREFIX};

/// nats.c's error texts (object.h).
pub const ERR_INVALID_STORE_NAME: &str = "invalid object-store name";
pub const ERR_BUCKET_EXISTS: &str = "bucket name already in use";
pub const ERR_BUCKET_NOT_FOUND: &str = "bucket not found";

/// The server's "stream name already in use with a different configuration".
const STREAM_NAME_EXIST: u16 = 10058;

/// Streams of object stores have a subject matching this.
const ALL_CHUNKS: &str = "$O.*.C.>";

/// `objStoreConfig`. Zero means "the default", as in C.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjStoreConfig {
    pub bucket: String,
    pub description: String,
    /// How long objects are kept, nanoseconds (0: forever).
    pub ttl: i64,
    /// The store's size limit, bytes (0: none).
    pub max_bytes: i64,
    pub storage: StorageType,
    /// 0: 1.
    pub replicas: i64,
    pub placement: Option<Placement>,
    /// S2-compress the stream.
    pub compression: bool,
    pub metadata: Vec<(String, String)>,
}

fn check_bucket(bucket: &str) -> JsResult<()> {
    if valid_bucket_name(bucket) {
        Ok(())
    } else {
        Err(JsError::invalid_arg(ERR_INVALID_STORE_NAME))
    }
}

impl ObjStoreConfig {
    /// The store's stream (ADR-20): chunks and infos under `$O.<bucket>.`,
    /// discard new, rollups (an object's info replaces the last one) and
    /// direct gets allowed.
    pub fn stream_config(&self) -> JsResult<StreamConfig> {
        check_bucket(&self.bucket)?;
        Ok(StreamConfig {
            name: format!("{STREAM_PREFIX}{}", self.bucket),
            description: self.description.clone(),
            subjects: vec![
                format!("$O.{}.C.>", self.bucket),
                format!("$O.{}.M.>", self.bucket),
            ],
            max_age: self.ttl,
            max_bytes: if self.max_bytes == 0 {
                -1
            } else {
                self.max_bytes
            },
            storage: self.storage,
            replicas: if self.replicas > 0 { self.replicas } else { 1 },
            placement: self.placement.clone(),
            discard: DiscardPolicy::New,
            allow_rollup: true,
            allow_direct: true,
            compression: if self.compression {
                StorageCompression::S2
            } else {
                StorageCompression::None
            },
            metadata: self.metadata.clone(),
            ..StreamConfig::default()
        })
    }
}

impl JetStream {
    /// Creates the store `cfg` describes (the server accepts the same
    /// configuration again). A store of that name with another
    /// configuration is `Err` "bucket name already in use".
    pub fn create_object_store(&self, cfg: &ObjStoreConfig) -> JsResult<ObjStore> {
        let sc = cfg.stream_config()?;
        match self.add_stream(&sc) {
            Err(e) if e.code == STREAM_NAME_EXIST => Err(JsError::new(
                ErrorKind::Err,
                format!("{ERR_BUCKET_EXISTS}: {}", cfg.bucket),
            )),
            r => r.map(|_| ObjStore::new(self.clone(), &cfg.bucket)),
        }
    }

    /// Changes the configuration of an existing store; `NotFound` when
    /// there is none.
    pub fn update_object_store(&self, cfg: &ObjStoreConfig) -> JsResult<ObjStore> {
        let sc = cfg.stream_config()?;
        match self.update_stream(&sc) {
            Err(e) if e.kind == ErrorKind::NotFound => Err(JsError::new(
                ErrorKind::NotFound,
                format!("{ERR_BUCKET_NOT_FOUND}: {}", cfg.bucket),
            )),
            r => r.map(|_| ObjStore::new(self.clone(), &cfg.bucket)),
        }
    }

    /// Opens an existing store; `NotFound` when there is none.
    pub fn object_store(&self, bucket: &str) -> JsResult<ObjStore> {
        check_bucket(bucket)?;
        let os = ObjStore::new(self.clone(), bucket);
        self.stream_info(&os.stream, &StreamInfoOptions::default())?;
        Ok(os)
    }

    /// Deletes a store and every object in it; `NotFound` when there is
    /// none.
    pub fn delete_object_store(&self, bucket: &str) -> JsResult<()> {
        check_bucket(bucket)?;
        self.delete_stream(&format!("{STREAM_PREFIX}{bucket}"))
    }

    /// The names of the object stores; `NotFound` when there are none.
    pub fn object_store_names(&self) -> JsResult<Vec<String>> {
        let names: Vec<String> = self
            .stream_names(ALL_CHUNKS)?
            .into_iter()
            .filter_map(|n| n.strip_prefix(STREAM_PREFIX).map(str::to_string))
            .collect();
        if names.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no object store found"));
        }
        Ok(names)
    }

    /// The statuses of the object stores; `NotFound` when there are none.
    pub fn object_store_statuses(&self) -> JsResult<Vec<ObjStoreStatus>> {
        let list: Vec<ObjStoreStatus> = self
            .streams(ALL_CHUNKS)?
            .into_iter()
            .filter_map(ObjStoreStatus::from_stream)
            .collect();
        if list.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no object store found"));
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_the_one_nats_c_makes() {
        let cfg = ObjStoreConfig {
            bucket: "B".into(),
            compression: true,
            ..ObjStoreConfig::default()
        };
        let sc = cfg.stream_config().unwrap();
        assert_eq!(sc.name, "OBJ_B");
        assert_eq!(sc.subjects, ["$O.B.C.>", "$O.B.M.>"]);
        assert_eq!((sc.max_bytes, sc.replicas), (-1, 1));
        assert_eq!(sc.discard, DiscardPolicy::New);
        assert!(sc.allow_rollup && sc.allow_direct);
        assert_eq!(sc.compression, StorageCompression::S2);
        let bad = ObjStoreConfig {
            bucket: "a.b".into(),
            ..ObjStoreConfig::default()
        };
        assert_eq!(bad.stream_config().unwrap_err().kind, ErrorKind::InvalidArg);
    }
}
