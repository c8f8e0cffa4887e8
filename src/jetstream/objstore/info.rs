//! An object's info and meta (nats.c's `objStoreInfo`, `objStoreMeta`,
//! `objStoreMetaOptions`, `objStoreLink`) as ADR-20's JSON has them.
use serde::{Deserialize, Serialize};

use crate::jetstream::time::rfc3339;

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// A link: to an object of a bucket, or (no name) to a whole bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLink {
    pub bucket: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMetaOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<ObjectLink>,
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub max_chunk_size: u32,
}

/// What the user says about an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Header name to its values, in order (ADR-20: a JSON object of arrays).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::jetstream::json::metadata"
    )]
    pub headers: Vec<(String, Vec<String>)>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::jetstream::json::metadata"
    )]
    pub metadata: Vec<(String, String)>,
    #[serde(default)]
    pub options: ObjectMetaOptions,
}

/// An object's info message: its meta and what the store knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    #[serde(flatten)]
    pub meta: ObjectMeta,
    pub bucket: String,
    pub nuid: String,
    #[serde(default)]
    pub size: u64,
    /// UTC nanoseconds (RFC 3339 on the wire).
    #[serde(default, with = "rfc3339")]
    pub mtime: i64,
    #[serde(default)]
    pub chunks: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ObjectInfo {
    /// A link to another object or bucket has no data of its own.
    pub fn is_link(&self) -> bool {
        self.meta.options.link.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_round_trips_as_adr_20_writes_it() {
        let text = r#"{"name":"a b ü","description":"d","headers":{"X":["1","2"]},"metadata":{"k":"v"},"options":{"max_chunk_size":1024},"bucket":"B","nuid":"N","size":5,"mtime":"2024-01-02T03:04:05.000000006Z","chunks":1,"digest":"SHA-256=abc"}"#;
        let info: ObjectInfo = serde_json::from_str(text).unwrap();
        assert_eq!(info.meta.name, "a b ü");
        assert_eq!(
            info.meta.headers,
            vec![("X".into(), vec!["1".into(), "2".into()])]
        );
        assert_eq!(info.meta.metadata, vec![("k".into(), "v".into())]);
        assert_eq!(info.meta.options.max_chunk_size, 1024);
        assert_eq!((info.size, info.chunks), (5, 1));
        assert!(!info.deleted && !info.is_link());
        let back: ObjectInfo =
            serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
        assert_eq!(back, info);
    }
}
