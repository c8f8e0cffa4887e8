//! What the server reports about a consumer (nats.c's `jsConsumerInfo`
//! and its parts), and the answers of pause and reset.
use serde::Deserialize;

use super::consumer_config::ConsumerConfig;
use super::json;
use super::stream_info::ClusterInfo;
use super::time::rfc3339;

/// `jsSequenceInfo`: a consumer and stream sequence, and when it moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    #[serde(rename = "consumer_seq")]
    pub consumer: u64,
    #[serde(rename = "stream_seq")]
    pub stream: u64,
    /// UTC nanoseconds; 0 when never.
    #[serde(rename = "last_active", with = "rfc3339")]
    pub last: i64,
}

/// `jsPriorityGroupState`: a priority group and who is pinned to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    pub group: String,
    pub pinned_client_id: String,
    /// UTC nanoseconds (as nats.c decodes it).
    #[serde(rename = "pinned_ts", with = "rfc3339")]
    pub pinned_ts: i64,
}

/// `jsConsumerInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    #[serde(rename = "stream_name")]
    pub stream: String,
    pub name: String,
    #[serde(with = "rfc3339")]
    pub created: i64,
    pub config: ConsumerConfig,
    pub delivered: SequenceInfo,
    pub ack_floor: SequenceInfo,
    pub num_ack_pending: i64,
    pub num_redelivered: i64,
    pub num_waiting: i64,
    pub num_pending: u64,
    pub cluster: Option<ClusterInfo>,
    pub push_bound: bool,
    pub paused: bool,
    /// Nanoseconds.
    pub pause_remaining: i64,
    #[serde(deserialize_with = "json::nullable")]
    pub priority_groups: Vec<PriorityGroupState>,
    /// When the server produced this answer (`ts`; not in nats.c 3.14's
    /// struct).
    #[serde(rename = "ts", with = "rfc3339")]
    pub timestamp: i64,
}

/// `jsConsumerPauseResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseResponse {
    pub paused: bool,
    /// UTC nanoseconds.
    #[serde(with = "rfc3339")]
    pub pause_until: i64,
    /// Nanoseconds.
    pub pause_remaining: i64,
}

/// `jsConsumerResetResponse`: the consumer after the reset, and the stream
/// sequence it was reset to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConsumerResetResponse {
    #[serde(flatten)]
    pub consumer: ConsumerInfo,
    #[serde(default)]
    pub reset_seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::consumer_config::{AckPolicy, DeliverPolicy};

    #[test]
    fn a_server_answer_decodes() {
        let text = r#"{"type":"io.nats.jetstream.api.v1.consumer_info_response",
          "stream_name":"S","name":"C","created":"2025-01-02T03:04:05.1Z",
          "config":{"durable_name":"C","deliver_policy":"by_start_sequence","opt_start_seq":4,
                    "ack_policy":"all","ack_wait":30000000000,"max_deliver":-1,
                    "filter_subjects":["a","b"],"replay_policy":"instant",
                    "backoff":null,"metadata":{"x":"1"},
                    "priority_policy":"pinned_client","priority_groups":["g"],
                    "priority_timeout":120000000000},
          "delivered":{"consumer_seq":3,"stream_seq":7,"last_active":"2025-01-02T03:04:06Z"},
          "ack_floor":{"consumer_seq":2,"stream_seq":6},
          "num_ack_pending":1,"num_redelivered":0,"num_waiting":2,"num_pending":10,
          "push_bound":false,"paused":true,"pause_remaining":5000,
          "priority_groups":[{"group":"g","pinned_client_id":"abc","pinned_ts":"2025-01-02T03:04:07Z"}],
          "ts":"2025-01-02T03:04:08Z","new_thing":[]}"#;
        let ci: ConsumerInfo = serde_json::from_str(text).unwrap();
        assert_eq!((ci.stream.as_str(), ci.name.as_str()), ("S", "C"));
        assert_eq!(ci.config.deliver_policy, DeliverPolicy::ByStartSequence);
        assert_eq!(ci.config.ack_policy, AckPolicy::All);
        assert_eq!(ci.config.max_deliver, -1);
        assert_eq!(ci.config.filter_subjects, ["a", "b"]);
        assert_eq!(ci.delivered.stream, 7);
        assert_eq!(ci.delivered.last - ci.created, 900_000_000);
        assert_eq!(ci.ack_floor.last, 0);
        assert!(ci.paused);
        assert_eq!(ci.priority_groups[0].pinned_client_id, "abc");
        let r: ConsumerResetResponse =
            serde_json::from_str(&text.replace("\"ts\"", "\"reset_seq\":6,\"ts\"")).unwrap();
        assert_eq!(r.reset_seq, 6);
        assert_eq!(r.consumer, ci);
    }

    #[test]
    fn bad_values_are_errors() {
        for bad in [
            r#"{"config":{"ack_policy":"sometimes"}}"#,
            r#"{"delivered":{"last_active":"soon"}}"#,
            r#"{"num_pending":-3}"#,
            r#"{"config":{"backoff":["1s"]}}"#,
        ] {
            assert!(serde_json::from_str::<ConsumerInfo>(bad).is_err(), "{bad}");
        }
    }
}
