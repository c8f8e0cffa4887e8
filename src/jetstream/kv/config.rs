//! A bucket's configuration (nats.c's `kvConfig`) and the stream that
//! holds the bucket, made the way nats.c's `js_CreateKeyValue` makes it.
use super::super::error::{JsError, JsResult};
use super::super::stream_config::{
    DiscardPolicy, RePublish, StorageType, StreamConfig, StreamSource,
};
use super::names::{valid_bucket_name, ERR_HISTORY_TOO_LARGE, ERR_INVALID_BUCKET_NAME};
use super::{MAX_HISTORY, STREAM_PREFIX};

/// `kvConfig`. Zero means "the default" for the numbers, as in C.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvConfig {
    pub bucket: String,
    pub description: String,
    /// The largest value, bytes (0: no limit).
    pub max_value_size: i32,
    /// Revisions kept per key (0: 1; at most [`MAX_HISTORY`]).
    pub history: u8,
    /// How long a revision is kept, nanoseconds (0: forever).
    pub ttl: i64,
    /// The bucket's size limit, bytes (0: none).
    pub max_bytes: i64,
    pub storage: StorageType,
    /// 0: 1.
    pub replicas: i64,
    pub republish: Option<RePublish>,
    /// Mirror this bucket (its name with or without `KV_`); wins over
    /// `sources`.
    pub mirror: Option<StreamSource>,
    /// Take in the keys of these buckets.
    pub sources: Vec<StreamSource>,
    /// Nanoseconds: allows per-key TTLs and has the server leave markers
    /// this long when a key goes by TTL or purge (server 2.11+).
    pub limit_marker_ttl: i64,
}

/// The stream name of a bucket named in a mirror or source, which may be
/// given with or without its `KV_`.
fn with_stream_prefix(mut s: StreamSource) -> StreamSource {
    if !s.name.is_empty() && !s.name.starts_with(STREAM_PREFIX) {
        s.name = format!("{STREAM_PREFIX}{}", s.name);
    }
    s
}

impl KvConfig {
    /// The stream config of the bucket. `discard_new`: the server is
    /// 2.7.2 or newer, which nats.c asks to discard new messages when
    /// full (older ones did not handle it with per-subject limits).
    pub fn stream_config(&self, discard_new: bool) -> JsResult<StreamConfig> {
        if !valid_bucket_name(&self.bucket) {
            return Err(JsError::invalid_arg(ERR_INVALID_BUCKET_NAME));
        }
        if self.history > MAX_HISTORY {
            return Err(JsError::invalid_arg(format!(
                "{ERR_HISTORY_TOO_LARGE} {MAX_HISTORY}"
            )));
        }
        let mut sc = StreamConfig {
            name: format!("{STREAM_PREFIX}{}", self.bucket),
            description: self.description.clone(),
            max_msgs_per_subject: i64::from(self.history.max(1)),
            max_bytes: if self.max_bytes == 0 {
                -1
            } else {
                self.max_bytes
            },
            max_age: self.ttl,
            max_msg_size: if self.max_value_size == 0 {
                -1
            } else {
                self.max_value_size
            },
            storage: self.storage,
            replicas: if self.replicas > 0 { self.replicas } else { 1 },
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            republish: self.republish.clone(),
            ..StreamConfig::default()
        };
        if self.limit_marker_ttl > 0 {
            sc.allow_msg_ttl = true;
            sc.subject_delete_marker_ttl = self.limit_marker_ttl;
        }
        if let Some(m) = &self.mirror {
            sc.mirror = Some(with_stream_prefix(m.clone()));
            sc.mirror_direct = true;
        } else if !self.sources.is_empty() {
            sc.sources = self
                .sources
                .iter()
                .cloned()
                .map(with_stream_prefix)
                .collect();
        } else {
            sc.subjects = vec![format!("$KV.{}.>", self.bucket)];
        }
        if discard_new {
            sc.discard = DiscardPolicy::New;
        }
        Ok(sc)
    }
}

/// Whether a server's version text (`2.10.4`, `2.11.0-RC.1`) is at least
/// `want`; an unreadable version is taken as old.
pub fn version_at_least(version: &str, want: (u32, u32, u32)) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u32>().ok());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Some(a)), Some(Some(b)), Some(Some(c))) => (a, b, c) >= want,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_bucket_is_adr8s_stream() {
        let cfg = KvConfig {
            bucket: "b".into(),
            ..KvConfig::default()
        };
        let sc = cfg.stream_config(true).unwrap();
        assert_eq!(sc.name, "KV_b");
        assert_eq!(sc.subjects, ["$KV.b.>"]);
        assert_eq!(sc.max_msgs_per_subject, 1);
        assert_eq!((sc.max_bytes, sc.max_msg_size, sc.max_age), (-1, -1, 0));
        assert_eq!(sc.replicas, 1);
        assert!(sc.allow_rollup && sc.deny_delete && sc.allow_direct);
        assert!(!sc.allow_msg_ttl && !sc.mirror_direct);
        assert_eq!(sc.discard, DiscardPolicy::New);
        assert_eq!(
            cfg.stream_config(false).unwrap().discard,
            DiscardPolicy::Old
        );
    }

    #[test]
    fn limits_markers_mirrors_and_sources() {
        let cfg = KvConfig {
            bucket: "b".into(),
            history: 5,
            max_bytes: 10,
            max_value_size: 3,
            ttl: 7,
            replicas: 3,
            limit_marker_ttl: 9,
            mirror: Some(StreamSource {
                name: "origin".into(),
                ..StreamSource::default()
            }),
            sources: vec![StreamSource::default()],
            ..KvConfig::default()
        };
        let sc = cfg.stream_config(true).unwrap();
        assert_eq!(sc.max_msgs_per_subject, 5);
        assert_eq!((sc.max_bytes, sc.max_msg_size, sc.max_age), (10, 3, 7));
        assert_eq!(sc.replicas, 3);
        assert!(sc.allow_msg_ttl);
        assert_eq!(sc.subject_delete_marker_ttl, 9);
        assert_eq!(sc.mirror.unwrap().name, "KV_origin");
        assert!(sc.mirror_direct);
        assert!(sc.subjects.is_empty() && sc.sources.is_empty());

        let cfg = KvConfig {
            bucket: "b".into(),
            sources: vec![
                StreamSource {
                    name: "KV_x".into(),
                    ..StreamSource::default()
                },
                StreamSource {
                    name: "y".into(),
                    ..StreamSource::default()
                },
            ],
            ..KvConfig::default()
        };
        let sc = cfg.stream_config(true).unwrap();
        let names: Vec<_> = sc.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["KV_x", "KV_y"]);
        assert!(sc.subjects.is_empty());
    }

    #[test]
    fn bad_configs() {
        let mut cfg = KvConfig {
            bucket: "a.b".into(),
            ..KvConfig::default()
        };
        let e = cfg.stream_config(true).unwrap_err();
        assert_eq!(e, JsError::invalid_arg("invalid bucket name"));
        cfg.bucket = "ok".into();
        cfg.history = 65;
        let e = cfg.stream_config(true).unwrap_err();
        assert_eq!(e, JsError::invalid_arg("history limited to a max of 64"));
        cfg.history = 64;
        assert!(cfg.stream_config(true).is_ok());
    }

    #[test]
    fn versions() {
        assert!(version_at_least("2.7.2", (2, 7, 2)));
        assert!(version_at_least("2.10.0", (2, 7, 2)));
        assert!(version_at_least("2.11.0-RC.1", (2, 11, 0)));
        assert!(!version_at_least("2.7.1", (2, 7, 2)));
        assert!(!version_at_least("", (2, 7, 2)));
        assert!(!version_at_least("junk", (0, 0, 0)));
    }
}
