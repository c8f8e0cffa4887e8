//! A stream's configuration (nats.c's `jsStreamConfig` and what it holds),
//! as sent to `STREAM.CREATE`/`STREAM.UPDATE` and read back in stream info.
//!
//! One Rust type per nats.c struct, field for field: a C pointer that may be
//! NULL is an `Option`, a C array is a `Vec`, a C `const char*` is a
//! `String` (empty for NULL). Durations are `i64` nanoseconds and times
//! `i64` UTC nanoseconds, as in C. What is left out of a request when zero
//! follows nats.c's marshalling, so a config means the same from both.
use serde::{Deserialize, Serialize};

use super::json::{self, is_false, is_zero_i64, is_zero_u64, not_positive};
use super::time::rfc3339;

/// `jsRetentionPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionPolicy {
    #[default]
    #[serde(rename = "limits")]
    Limits = 0,
    #[serde(rename = "interest")]
    Interest = 1,
    #[serde(rename = "workqueue")]
    WorkQueue = 2,
}

/// `jsDiscardPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscardPolicy {
    #[default]
    #[serde(rename = "old")]
    Old = 0,
    #[serde(rename = "new")]
    New = 1,
}

/// `jsStorageType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageType {
    #[default]
    #[serde(rename = "file")]
    File = 0,
    #[serde(rename = "memory")]
    Memory = 1,
}

/// `jsStorageCompression`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageCompression {
    #[default]
    #[serde(rename = "none")]
    None = 0,
    #[serde(rename = "s2")]
    S2 = 1,
}

/// `jsPersistModeType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersistMode {
    /// Stored before the ack.
    #[default]
    #[serde(rename = "default")]
    Default = 0,
    /// Flushed asynchronously; the ack may come first.
    #[serde(rename = "async")]
    Async = 1,
}

impl PersistMode {
    fn is_default(&self) -> bool {
        *self == PersistMode::Default
    }
}

/// `jsPlacement`: where the stream's replicas go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    pub cluster: String,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub tags: Vec<String>,
}

/// `jsExternalStream`: a stream in another account or domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    #[serde(rename = "api")]
    pub api_prefix: String,
    #[serde(rename = "deliver", skip_serializing_if = "String::is_empty")]
    pub deliver_prefix: String,
}

/// `jsStreamSource`: the origin of a mirror or of a source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    pub name: String,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// UTC nanoseconds; 0 is unset.
    #[serde(with = "rfc3339", skip_serializing_if = "not_positive")]
    pub opt_start_time: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// A JetStream domain: sent as `external` with the domain's API prefix
    /// (setting both is an error). Never on the wire itself.
    #[serde(skip)]
    pub domain: String,
}

/// `jsRePublish`: republishing of stored messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    #[serde(rename = "src", skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(rename = "dest")]
    pub destination: String,
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

/// `jsSubjectTransformConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransformConfig {
    #[serde(rename = "src")]
    pub source: String,
    #[serde(rename = "dest")]
    pub destination: String,
}

impl SubjectTransformConfig {
    pub fn is_empty(&self) -> bool {
        self.source.is_empty() && self.destination.is_empty()
    }
}

/// `jsStreamConsumerLimits`: defaults and caps for the stream's consumers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerLimits {
    /// Nanoseconds.
    pub inactive_threshold: i64,
    pub max_ack_pending: i32,
}

impl StreamConsumerLimits {
    pub fn is_empty(&self) -> bool {
        self.inactive_threshold == 0 && self.max_ack_pending == 0
    }
}

fn republish_unset(rp: &Option<RePublish>) -> bool {
    rp.as_ref().is_none_or(|r| r.destination.is_empty())
}

/// `jsStreamConfig`. [`Default`] is what `jsStreamConfig_Init` sets: no
/// limits (-1), one replica, file storage, limits retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub subjects: Vec<String>,
    pub retention: RetentionPolicy,
    pub max_consumers: i64,
    pub max_msgs: i64,
    pub max_bytes: i64,
    /// Nanoseconds; 0 is no limit.
    pub max_age: i64,
    pub max_msgs_per_subject: i64,
    pub max_msg_size: i32,
    pub discard: DiscardPolicy,
    pub storage: StorageType,
    #[serde(rename = "num_replicas")]
    pub replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub no_ack: bool,
    #[serde(rename = "template_owner", skip_serializing_if = "String::is_empty")]
    pub template: String,
    /// The duplicate window, nanoseconds.
    #[serde(rename = "duplicate_window", skip_serializing_if = "is_zero_i64")]
    pub duplicates: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub sources: Vec<StreamSource>,
    #[serde(skip_serializing_if = "is_false")]
    pub sealed: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub deny_delete: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub deny_purge: bool,
    #[serde(rename = "allow_rollup_hdrs", skip_serializing_if = "is_false")]
    pub allow_rollup: bool,
    #[serde(skip_serializing_if = "republish_unset")]
    pub republish: Option<RePublish>,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub mirror_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    #[serde(with = "json::metadata", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<(String, String)>,
    pub compression: StorageCompression,
    pub first_seq: u64,
    #[serde(skip_serializing_if = "SubjectTransformConfig::is_empty")]
    pub subject_transform: SubjectTransformConfig,
    #[serde(skip_serializing_if = "StreamConsumerLimits::is_empty")]
    pub consumer_limits: StreamConsumerLimits,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_ttl: bool,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "not_positive")]
    pub subject_delete_marker_ttl: i64,
    #[serde(skip_serializing_if = "PersistMode::is_default")]
    pub persist_mode: PersistMode,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_batched: bool,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            name: String::new(),
            description: String::new(),
            subjects: Vec::new(),
            retention: RetentionPolicy::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_age: 0,
            max_msgs_per_subject: 0,
            max_msg_size: -1,
            discard: DiscardPolicy::Old,
            storage: StorageType::File,
            replicas: 1,
            no_ack: false,
            template: String::new(),
            duplicates: 0,
            placement: None,
            mirror: None,
            sources: Vec::new(),
            sealed: false,
            deny_delete: false,
            deny_purge: false,
            allow_rollup: false,
            republish: None,
            allow_direct: false,
            mirror_direct: false,
            discard_new_per_subject: false,
            metadata: Vec::new(),
            compression: StorageCompression::None,
            first_seq: 0,
            subject_transform: SubjectTransformConfig::default(),
            consumer_limits: StreamConsumerLimits::default(),
            allow_msg_ttl: false,
            subject_delete_marker_ttl: 0,
            persist_mode: PersistMode::Default,
            allow_atomic: false,
            allow_msg_counter: false,
            allow_msg_schedules: false,
            allow_batched: false,
        }
    }
}

impl StreamConfig {
    /// The defaults with a name and subjects.
    pub fn new(name: &str, subjects: &[&str]) -> StreamConfig {
        StreamConfig {
            name: name.to_string(),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            ..StreamConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn wire(cfg: &StreamConfig) -> Value {
        serde_json::to_value(cfg).unwrap()
    }

    #[test]
    fn defaults_send_what_nats_c_sends() {
        let v = wire(&StreamConfig::new("S", &[]));
        assert_eq!(
            v,
            json!({
                "name": "S", "retention": "limits", "max_consumers": -1,
                "max_msgs": -1, "max_bytes": -1, "max_age": 0,
                "max_msg_size": -1, "max_msgs_per_subject": 0,
                "discard": "old", "storage": "file", "num_replicas": 1,
                "compression": "none", "first_seq": 0
            })
        );
    }

    #[test]
    fn optional_parts_appear_when_set() {
        let cfg = StreamConfig {
            duplicates: 5,
            republish: Some(RePublish {
                destination: "d.>".into(),
                ..RePublish::default()
            }),
            mirror: Some(StreamSource {
                name: "M".into(),
                domain: "hub".into(),
                ..StreamSource::default()
            }),
            subject_transform: SubjectTransformConfig {
                source: "a".into(),
                destination: String::new(),
            },
            consumer_limits: StreamConsumerLimits {
                inactive_threshold: 0,
                max_ack_pending: 7,
            },
            persist_mode: PersistMode::Async,
            subject_delete_marker_ttl: -1,
            metadata: vec![("k".into(), "v".into())],
            ..StreamConfig::new("S", &["a"])
        };
        let v = wire(&cfg);
        assert_eq!(v["duplicate_window"], 5);
        assert_eq!(v["republish"], json!({"dest": "d.>"}));
        // The domain is never on the wire by itself.
        assert_eq!(v["mirror"], json!({"name": "M"}));
        assert_eq!(v["subject_transform"], json!({"src": "a", "dest": ""}));
        assert_eq!(
            v["consumer_limits"],
            json!({"inactive_threshold": 0, "max_ack_pending": 7})
        );
        assert_eq!(v["persist_mode"], "async");
        assert_eq!(v["metadata"], json!({"k": "v"}));
        assert!(v.get("subject_delete_marker_ttl").is_none());
        // An empty republish destination means none.
        let cfg = StreamConfig {
            republish: Some(RePublish::default()),
            ..StreamConfig::new("S", &[])
        };
        assert!(wire(&cfg).get("republish").is_none());
    }

    #[test]
    fn unknown_enum_values_are_errors() {
        let e = serde_json::from_str::<StreamConfig>(r#"{"retention":"forever"}"#);
        assert!(e.is_err());
        let c: StreamConfig =
            serde_json::from_str(r#"{"name":"S","retention":"workqueue","future":1}"#).unwrap();
        assert_eq!(c.retention, RetentionPolicy::WorkQueue);
    }
}
