//! The object store (ADR-20) on a JetStream stream: bucket `B` is the
//! stream `OBJ_B` over `$O.B.C.>` (chunks) and `$O.B.M.>` (one info
//! message per object, the subject ending in the base64url of its name,
//! rolled up so the last one wins). An object is its info plus chunks
//! published under `$O.B.C.<nuid>`; the info, written last, carries the
//! size, chunk count and `SHA-256=` digest.
//!
//! Files: `info` (the info and meta values, as JSON), then the store's
//! management and the put and get streams in their own files.
pub mod config;
pub mod digest;
pub mod get;
pub mod info;
pub mod manage;
pub mod put;
pub mod status;
pub mod watch;

pub use config::ObjStoreConfig;
pub use get::ObjectGet;
pub use info::{ObjectInfo, ObjectLink, ObjectMeta, ObjectMetaOptions};
pub use put::ObjectPut;
pub use status::ObjStoreStatus;
pub use watch::{ObjWatchOptions, ObjWatcher};

use base64::Engine;

use super::context::JetStream;

/// The stream of bucket `b`: `OBJ_<b>`.
pub const STREAM_PREFIX: &str = "OBJ_";

/// nats.c's (and ADR-20's) default chunk size: 128 KiB.
pub const DEFAULT_CHUNK_SIZE: u32 = 128 * 1024;

/// An open object store (nats.c's `objStore`).
#[derive(Clone)]
pub struct ObjStore {
    pub(crate) js: JetStream,
    pub(crate) name: String,
    /// `OBJ_<name>`.
    pub(crate) stream: String,
}

impl ObjStore {
    /// A handle on bucket `name` through `js` (no request is made).
    pub(crate) fn new(js: JetStream, name: &str) -> ObjStore {
        ObjStore {
            js,
            name: name.to_string(),
            stream: format!("{STREAM_PREFIX}{name}"),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn context(&self) -> &JetStream {
        &self.js
    }

    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// Where the chunks of the object with `nuid` are published.
    pub fn chunk_subject(&self, nuid: &str) -> String {
        format!("$O.{}.C.{}", self.name, nuid)
    }

    /// Where the info of object `name` is published (its name base64url
    /// encoded, with padding, as ADR-20 and nats.c write it).
    pub fn meta_subject(&self, name: &str) -> String {
        format!("$O.{}.M.{}", self.name, encode_name(name))
    }

    /// The subject filter of every object's info.
    pub fn all_meta_subjects(&self) -> String {
        format!("$O.{}.M.>", self.name)
    }
}

/// An object's name as the last token of its info subject.
pub fn encode_name(name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(name.as_bytes())
}
