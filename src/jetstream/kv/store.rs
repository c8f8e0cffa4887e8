//! Opening, creating and deleting buckets, and the operations on keys:
//! put, create, update (compare-and-set on the revision, optionally with
//! a per-key TTL), get, delete and purge markers. Behaviour is nats.c's
//! `kv.c`; ADR-8 where nats.c says nothing.
use std::time::Duration;

use crate::client::{ErrorKind, Message};

use super::super::context::{JetStream, DEFAULT_API_PREFIX};
use super::super::error::{JsError, JsResult};
use super::super::msg_get::DirectGetOptions;
use super::super::pub_options::PubOptions;
use super::super::stream::StreamInfoOptions;
use super::super::stream_info::StreamInfo;
use super::config::{version_at_least, KvConfig};
use super::entry::{KvEntry, Operation, OPERATION_HEADER};
use super::names::{
    valid_bucket_name, valid_key, ERR_BAD_BUCKET, ERR_INVALID_BUCKET_NAME, ERR_INVALID_KEY,
    ERR_INVALID_REVISION,
};
use super::{KvStore, STREAM_PREFIX};

/// The header that has a purge marker replace the key's earlier revisions.
pub const ROLLUP_HEADER: &str = "Nats-Rollup";

/// Options of a purge (nats.c's `kvPurgeOptions`, in Rust units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvPurgeOptions {
    /// How long to wait for the server (`None`: the context's wait).
    pub timeout: Option<Duration>,
    /// For purging delete markers: only those older than this, nanoseconds
    /// (0: 30 minutes; negative: all).
    pub delete_markers_older_than: i64,
    /// The purge marker's own time to live (buckets with a limit marker
    /// TTL, server 2.11+).
    pub ttl: Option<Duration>,
}

fn invalid_key() -> JsError {
    JsError::invalid_arg(ERR_INVALID_KEY)
}

impl KvStore {
    /// The store of `bucket` as seen through `js`, before its stream is
    /// known.
    fn bind(js: &JetStream, bucket: &str) -> JsResult<KvStore> {
        if !valid_bucket_name(bucket) {
            return Err(JsError::invalid_arg(ERR_INVALID_BUCKET_NAME));
        }
        Ok(KvStore {
            js: js.clone(),
            bucket: bucket.to_string(),
            stream: format!("{STREAM_PREFIX}{bucket}"),
            pre: format!("$KV.{bucket}."),
            put_pre: None,
            use_js_prefix: js.prefix() != DEFAULT_API_PREFIX,
            use_direct: false,
        })
    }

    /// Takes in what the stream says: direct gets when it allows them,
    /// and for a mirror, puts go to the origin bucket (through the
    /// origin's API prefix when it is in another account or domain).
    fn adopt(&mut self, si: &StreamInfo) {
        self.use_direct = si.config.allow_direct;
        let Some(m) = &si.config.mirror else {
            return;
        };
        let origin = m.name.strip_prefix(STREAM_PREFIX).unwrap_or(&m.name);
        let api = m.external.as_ref().map_or("", |e| e.api_prefix.as_str());
        if api.is_empty() {
            self.put_pre = Some(format!("$KV.{origin}."));
        } else {
            self.use_js_prefix = false;
            self.pre = format!("$KV.{origin}.");
            self.put_pre = Some(format!("{api}.$KV.{origin}."));
        }
    }

    /// Whether reads go through direct gets.
    pub fn uses_direct_get(&self) -> bool {
        self.use_direct
    }

    /// The subject a put (or a marker) for `key` is published to.
    pub fn put_subject(&self, key: &str) -> String {
        let pre = self.put_pre.as_deref().unwrap_or(&self.pre);
        if self.use_js_prefix {
            format!("{}.{pre}{key}", self.js.prefix())
        } else {
            format!("{pre}{key}")
        }
    }

    /// The entry of `key` at `revision` (0: its latest), markers included.
    /// No such revision of this key is `NotFound`.
    pub fn entry(&self, key: &str, revision: u64) -> JsResult<KvEntry> {
        if !valid_key(key) {
            return Err(invalid_key());
        }
        let subject = self.key_subject(key);
        let msg = if self.use_direct {
            let mut o = DirectGetOptions::default();
            if revision == 0 {
                o.last_by_subject = subject.clone();
            } else {
                o.sequence = revision;
            }
            self.js.direct_get_msg(&self.stream, &o)?
        } else if revision == 0 {
            self.js.get_last_msg(&self.stream, &subject)?
        } else {
            self.js.get_msg(&self.stream, revision)?
        };
        if revision != 0 && msg.subject() != subject {
            return Err(JsError::new(
                ErrorKind::NotFound,
                format!("revision {revision} is not one of key '{key}'"),
            ));
        }
        KvEntry::from_stored(&self.bucket, &self.pre, msg)
    }

    fn live(entry: KvEntry) -> JsResult<KvEntry> {
        match entry.operation() {
            Operation::Delete | Operation::Purge => Err(JsError::new(
                ErrorKind::NotFound,
                format!("key '{}' was deleted", entry.key()),
            )),
            _ => Ok(entry),
        }
    }

    /// The latest value of `key`; `NotFound` when there is none or its
    /// last revision is a delete or purge marker.
    pub fn get(&self, key: &str) -> JsResult<KvEntry> {
        Self::live(self.entry(key, 0)?)
    }

    /// `key` at `revision` (which must be positive); `NotFound` when that
    /// revision is not the key's or is a marker.
    pub fn get_revision(&self, key: &str, revision: u64) -> JsResult<KvEntry> {
        if revision == 0 {
            return Err(JsError::invalid_arg(ERR_INVALID_REVISION));
        }
        Self::live(self.entry(key, revision)?)
    }

    fn publish_put(&self, key: &str, value: &[u8], opts: &PubOptions) -> JsResult<u64> {
        if !valid_key(key) {
            return Err(invalid_key());
        }
        let ack = self.js.publish(&self.put_subject(key), value, opts)?;
        ack.map(|a| a.sequence)
            .ok_or_else(|| JsError::new(ErrorKind::Err, "the put was not acknowledged"))
    }

    /// Stores `value` as the key's new revision; answers the revision.
    pub fn put(&self, key: &str, value: &[u8]) -> JsResult<u64> {
        self.publish_put(key, value, &PubOptions::default())
    }

    /// Stores `value` only if the key's latest revision is `last` (0: the
    /// key has no revision at all), with a per-key TTL when given. A
    /// mismatch is the server's refusal (`Err` with code 10071).
    pub fn update(
        &self,
        key: &str,
        value: &[u8],
        last: u64,
        ttl: Option<Duration>,
    ) -> JsResult<u64> {
        let opts = PubOptions {
            expect_no_message: last == 0,
            expect_last_subject_seq: last,
            msg_ttl: ttl,
            ..PubOptions::default()
        };
        self.publish_put(key, value, &opts)
    }

    /// Stores `value` only if the key has no value: never written, or its
    /// latest revision is a delete or purge marker (then the update is
    /// made over that marker). Otherwise the first refusal is returned.
    pub fn create(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> JsResult<u64> {
        let refused = match self.update(key, value, 0, ttl) {
            Ok(rev) => return Ok(rev),
            Err(e) => e,
        };
        match self.entry(key, 0) {
            Ok(e) if matches!(e.operation(), Operation::Delete | Operation::Purge) => {
                self.update(key, value, e.revision(), ttl)
            }
            _ => Err(refused),
        }
    }

    fn publish_marker(&self, key: &str, purge: bool, opts: &PubOptions) -> JsResult<()> {
        if !valid_key(key) {
            return Err(invalid_key());
        }
        let mut msg = Message::try_new(self.put_subject(key).as_bytes(), None, b"")?;
        let h = msg.headers_mut()?;
        if purge {
            h.set(OPERATION_HEADER, "PURGE");
            h.set(ROLLUP_HEADER, "sub");
        } else {
            h.set(OPERATION_HEADER, "DEL");
        }
        self.js.publish_msg(&mut msg, opts).map(drop)
    }

    /// Deletes `key`: a delete marker becomes its latest revision, the
    /// earlier ones stay (as history allows).
    pub fn delete(&self, key: &str) -> JsResult<()> {
        self.publish_marker(key, false, &PubOptions::default())
    }

    /// Purges `key`: a purge marker replaces all its revisions. The
    /// options' timeout and TTL apply to the marker's publish.
    pub fn purge(&self, key: &str, opts: &KvPurgeOptions) -> JsResult<()> {
        let po = PubOptions {
            max_wait: opts.timeout,
            msg_ttl: opts.ttl,
            ..PubOptions::default()
        };
        self.publish_marker(key, true, &po)
    }
}

impl JetStream {
    /// Creates the bucket `cfg` describes (or opens it if it exists with
    /// the same configuration; the server refuses a different one).
    pub fn create_key_value(&self, cfg: &KvConfig) -> JsResult<KvStore> {
        let mut kv = KvStore::bind(self, &cfg.bucket)?;
        let version = self.connection().server_info().version;
        let sc = cfg.stream_config(version_at_least(&version, (2, 7, 2)))?;
        let si = self.add_stream(&sc)?;
        kv.adopt(&si);
        Ok(kv)
    }

    /// Opens an existing bucket. `NotFound` when there is none; a stream
    /// that keeps no revision per subject is not a bucket (`InvalidArg`).
    pub fn key_value(&self, bucket: &str) -> JsResult<KvStore> {
        let mut kv = KvStore::bind(self, bucket)?;
        let si = self.stream_info(&kv.stream, &StreamInfoOptions::default())?;
        if si.config.max_msgs_per_subject < 1 {
            return Err(JsError::invalid_arg(ERR_BAD_BUCKET));
        }
        kv.adopt(&si);
        Ok(kv)
    }

    /// Deletes a bucket and everything in it.
    pub fn delete_key_value(&self, bucket: &str) -> JsResult<()> {
        if !valid_bucket_name(bucket) {
            return Err(JsError::invalid_arg(ERR_BAD_BUCKET));
        }
        self.delete_stream(&format!("{STREAM_PREFIX}{bucket}"))
    }
}
