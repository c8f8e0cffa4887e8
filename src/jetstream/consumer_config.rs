//! A consumer's configuration (nats.c's `jsConsumerConfig`), as sent to
//! `CONSUMER.CREATE` and read back in consumer info. Zero values are left
//! out of a request as nats.c leaves them out; the three policies are
//! always sent. Durations are `i64` nanoseconds, times UTC nanoseconds.
use serde::{Deserialize, Serialize};

use super::json::{self, is_false, is_zero_u64, not_positive};
use super::time::rfc3339;

/// `jsDeliverPolicy`: where a consumer starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliverPolicy {
    #[default]
    #[serde(rename = "all")]
    All = 0,
    #[serde(rename = "last")]
    Last = 1,
    #[serde(rename = "new")]
    New = 2,
    #[serde(rename = "by_start_sequence")]
    ByStartSequence = 3,
    #[serde(rename = "by_start_time")]
    ByStartTime = 4,
    #[serde(rename = "last_per_subject")]
    LastPerSubject = 5,
}

/// `jsAckPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckPolicy {
    #[default]
    #[serde(rename = "explicit")]
    Explicit = 0,
    #[serde(rename = "none")]
    None = 1,
    #[serde(rename = "all")]
    All = 2,
}

/// `jsReplayPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplayPolicy {
    #[default]
    #[serde(rename = "instant")]
    Instant = 0,
    #[serde(rename = "original")]
    Original = 1,
}

/// Values of [`ConsumerConfig::priority_policy`] (a string in nats.c too).
pub mod priority_policy {
    pub const PINNED_CLIENT: &str = "pinned_client";
    pub const OVERFLOW: &str = "overflow";
    pub const PRIORITIZED: &str = "prioritized";
}

/// `jsConsumerConfig`, field for field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(rename = "durable_name", skip_serializing_if = "String::is_empty")]
    pub durable: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub deliver_policy: DeliverPolicy,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// UTC nanoseconds; 0 is unset.
    #[serde(with = "rfc3339", skip_serializing_if = "not_positive")]
    pub opt_start_time: i64,
    pub ack_policy: AckPolicy,
    #[serde(skip_serializing_if = "not_positive")]
    pub ack_wait: i64,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_deliver: i64,
    /// Redelivery delays, nanoseconds.
    #[serde(
        rename = "backoff",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub back_off: Vec<i64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    pub replay_policy: ReplayPolicy,
    /// Bits per second.
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_zero_u64")]
    pub rate_limit: u64,
    #[serde(rename = "sample_freq", skip_serializing_if = "String::is_empty")]
    pub sample_frequency: String,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_waiting: i64,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub flow_control: bool,
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "not_positive")]
    pub heartbeat: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
    #[serde(rename = "max_batch", skip_serializing_if = "not_positive")]
    pub max_request_batch: i64,
    /// Nanoseconds.
    #[serde(rename = "max_expires", skip_serializing_if = "not_positive")]
    pub max_request_expires: i64,
    #[serde(rename = "max_bytes", skip_serializing_if = "not_positive")]
    pub max_request_max_bytes: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deliver_group: String,
    #[serde(skip_serializing_if = "not_positive")]
    pub inactive_threshold: i64,
    #[serde(rename = "num_replicas", skip_serializing_if = "not_positive")]
    pub replicas: i64,
    #[serde(rename = "mem_storage", skip_serializing_if = "is_false")]
    pub memory_storage: bool,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub filter_subjects: Vec<String>,
    #[serde(with = "json::metadata", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<(String, String)>,
    /// UTC nanoseconds; 0 is not paused.
    #[serde(with = "rfc3339", skip_serializing_if = "not_positive")]
    pub pause_until: i64,
    /// One of [`priority_policy`]; empty is none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority_policy: String,
    /// How long a pinned client keeps its pin, nanoseconds.
    #[serde(rename = "priority_timeout", skip_serializing_if = "not_positive")]
    pub pinned_ttl: i64,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable"
    )]
    pub priority_groups: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_sends_only_the_policies() {
        let v = serde_json::to_value(ConsumerConfig::default()).unwrap();
        assert_eq!(
            v,
            json!({"deliver_policy": "all", "ack_policy": "explicit", "replay_policy": "instant"})
        );
    }

    #[test]
    fn set_fields_use_the_wire_names() {
        let c = ConsumerConfig {
            durable: "D".into(),
            back_off: vec![1, 2],
            heartbeat: 5,
            pinned_ttl: 9,
            pause_until: 1_000_000_000,
            rate_limit: 8,
            max_request_max_bytes: 100,
            memory_storage: true,
            ..ConsumerConfig::default()
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["durable_name"], "D");
        assert_eq!(v["backoff"], json!([1, 2]));
        assert_eq!(v["idle_heartbeat"], 5);
        assert_eq!(v["priority_timeout"], 9);
        assert_eq!(v["pause_until"], "1970-01-01T00:00:01Z");
        assert_eq!(v["rate_limit_bps"], 8);
        assert_eq!(v["max_bytes"], 100);
        assert_eq!(v["mem_storage"], true);
        let back: ConsumerConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
