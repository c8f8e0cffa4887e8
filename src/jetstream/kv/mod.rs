//! The key-value store (ADR-8) on a JetStream stream: bucket `B` is the
//! stream `KV_B` over `$KV.B.>`, a key `k` the subject `$KV.B.k`, its
//! revisions the stream's sequences, and deletes and purges are markers
//! (`KV-Operation: DEL`/`PURGE` headers) that the newest-per-subject rule
//! keeps as the key's last value.
//!
//! Files: `entry` (an entry and its operation), `store` (the bucket and
//! the operations on keys), `names` (bucket and key rules), `config` (a
//! bucket's config and its stream), `status`, `watch` (watchers on an
//! ordered consumer) and `keys` (keys and history, read through watchers).
pub mod config;
pub mod entry;
pub mod keys;
pub mod names;
pub mod status;
pub mod store;
pub mod watch;

pub use config::KvConfig;
pub use entry::{KvEntry, Operation};
pub use status::KvStatus;
pub use store::KvPurgeOptions;
pub use watch::{WatchCallback, WatchEvent, WatchOptions, Watcher};

use super::context::JetStream;

/// The stream of bucket `b`: `KV_<b>`.
pub const STREAM_PREFIX: &str = "KV_";

/// nats.c's (and ADR-8's) limit on a bucket's history.
pub const MAX_HISTORY: u8 = 64;

/// An open bucket (nats.c's `kvStore`). Cheap to share behind an `Arc`;
/// it holds its context (and through it the connection).
#[derive(Clone)]
pub struct KvStore {
    pub(crate) js: JetStream,
    pub(crate) bucket: String,
    /// `KV_<bucket>`.
    pub(crate) stream: String,
    /// The prefix of the keys' subjects as stored and watched:
    /// `$KV.<bucket>.`.
    pub(crate) pre: String,
    /// Where puts go when it differs from `pre` (a mirror's origin, maybe
    /// behind another account's API prefix); `None`: `pre`.
    pub(crate) put_pre: Option<String>,
    /// The context has a non-default API prefix: puts go to
    /// `<prefix>.$KV.<bucket>.<key>` (an imported account's bucket).
    pub(crate) use_js_prefix: bool,
    /// The stream allows direct gets: reads use them.
    pub(crate) use_direct: bool,
}

impl KvStore {
    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The JetStream context the bucket was opened with.
    pub fn context(&self) -> &JetStream {
        &self.js
    }

    /// The stream behind the bucket.
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// The subject a key is stored (and watched) under.
    pub fn key_subject(&self, key: &str) -> String {
        format!("{}{}", self.pre, key)
    }
}
