//! What the server reports about a stream (nats.c's `jsStreamInfo` and the
//! structs it holds), from `STREAM.INFO`, `STREAM.CREATE`/`UPDATE` and
//! `STREAM.LIST`. Unknown fields are ignored; times are UTC nanoseconds.
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

use super::json;
use super::stream_config::{ExternalStream, StreamConfig, SubjectTransformConfig};
use super::time::rfc3339;

/// `jsLostStreamData`: messages the server could not recover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    #[serde(deserialize_with = "json::nullable")]
    pub msgs: Vec<u64>,
    pub bytes: u64,
}

/// `jsStreamStateSubject`: a subject and how many messages it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStateSubject {
    pub subject: String,
    pub msgs: u64,
}

/// `jsStreamState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamState {
    #[serde(rename = "messages")]
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    #[serde(rename = "first_ts", with = "rfc3339")]
    pub first_time: i64,
    pub last_seq: u64,
    #[serde(rename = "last_ts", with = "rfc3339")]
    pub last_time: i64,
    pub num_subjects: i64,
    /// Per-subject counts, when asked for with a subjects filter, in the
    /// order the server listed them (nats.c: NULL when there are none).
    #[serde(deserialize_with = "subject_counts")]
    pub subjects: Vec<StreamStateSubject>,
    pub num_deleted: u64,
    /// Deleted sequences, when asked for with deleted details.
    #[serde(deserialize_with = "json::nullable")]
    pub deleted: Vec<u64>,
    pub lost: Option<LostStreamData>,
    #[serde(rename = "consumer_count")]
    pub consumers: i64,
}

/// The `subjects` object (`{"subject": count, ...}`) as a list in wire order.
fn subject_counts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<StreamStateSubject>, D::Error> {
    struct Counts;
    impl<'de> Visitor<'de> for Counts {
        type Value = Vec<StreamStateSubject>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of subject counts, or null")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
            while let Some((subject, msgs)) = m.next_entry::<String, u64>()? {
                out.push(StreamStateSubject { subject, msgs });
            }
            Ok(out)
        }
    }
    d.deserialize_any(Counts)
}

/// `jsPeerInfo`: one replica of a clustered asset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    pub name: String,
    pub current: bool,
    pub offline: bool,
    /// Nanoseconds since the peer was last seen.
    pub active: i64,
    pub lag: u64,
}

/// `jsClusterInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    pub name: String,
    pub leader: String,
    /// The other peers (the leader is not among them).
    #[serde(deserialize_with = "json::nullable")]
    pub replicas: Vec<PeerInfo>,
    pub raft_group: String,
    #[serde(with = "rfc3339")]
    pub leader_since: i64,
    #[serde(rename = "system_account")]
    pub system_acc: bool,
    #[serde(rename = "traffic_account")]
    pub traffic_acc: String,
}

/// `jsStreamSourceInfo`: how a mirror or source is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    pub name: String,
    pub external: Option<ExternalStream>,
    pub lag: u64,
    /// Nanoseconds since the last contact (-1: never).
    pub active: i64,
    pub filter_subject: String,
    #[serde(deserialize_with = "json::nullable")]
    pub subject_transforms: Vec<SubjectTransformConfig>,
}

/// `jsStreamAlternate`: a mirror of this stream that can serve reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    pub name: String,
    pub domain: String,
    pub cluster: String,
}

/// `jsStreamInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    pub config: StreamConfig,
    #[serde(with = "rfc3339")]
    pub created: i64,
    pub state: StreamState,
    pub cluster: Option<ClusterInfo>,
    pub mirror: Option<StreamSourceInfo>,
    #[serde(deserialize_with = "json::nullable")]
    pub sources: Vec<StreamSourceInfo>,
    #[serde(deserialize_with = "json::nullable")]
    pub alternates: Vec<StreamAlternate>,
    /// When the server produced this answer (`ts`; not in nats.c 3.14's
    /// struct, 0 from servers that do not send it).
    #[serde(rename = "ts", with = "rfc3339")]
    pub timestamp: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_answer_decodes() {
        let text = r#"{
          "type": "io.nats.jetstream.api.v1.stream_info_response",
          "total": 0, "offset": 0, "limit": 0,
          "config": {"name": "S", "subjects": ["a.>"], "retention": "interest",
                     "max_consumers": -1, "max_msgs": -1, "max_bytes": -1,
                     "max_age": 0, "max_msgs_per_subject": -1, "max_msg_size": -1,
                     "discard": "old", "storage": "memory", "num_replicas": 3,
                     "duplicate_window": 120000000000, "compression": "none",
                     "allow_direct": true, "mirror_direct": false,
                     "sealed": false, "deny_delete": false, "deny_purge": false,
                     "allow_rollup_hdrs": false, "consumer_limits": {},
                     "metadata": {"_nats.ver": "2.12.0", "b": "x", "a": "y"}},
          "created": "2025-01-02T03:04:05.000000006Z",
          "ts": "2025-01-02T03:04:06Z",
          "state": {"messages": 3, "bytes": 99, "first_seq": 1,
                    "first_ts": "2025-01-02T03:04:05.5Z", "last_seq": 4,
                    "last_ts": "0001-01-01T00:00:00Z", "num_subjects": 2,
                    "subjects": {"a.z": 2, "a.b": 1}, "num_deleted": 1,
                    "deleted": [2], "lost": {"msgs": null, "bytes": 0},
                    "consumer_count": 1},
          "cluster": {"name": "C", "leader": "n1", "leader_since": "2025-01-02T03:04:05Z",
                      "replicas": [{"name": "n2", "current": true, "active": 1500, "lag": 0},
                                   {"name": "n3", "current": false, "offline": true, "active": 0}],
                      "raft_group": "S-R3M-xyz", "system_account": false},
          "sources": null,
          "alternates": [{"name": "S", "cluster": "C"}],
          "some_future_field": {"nested": [1, 2]}
        }"#;
        let si: StreamInfo = serde_json::from_str(text).unwrap();
        assert_eq!(si.config.name, "S");
        assert_eq!(si.config.replicas, 3);
        assert_eq!(si.config.duplicates, 120_000_000_000);
        let keys: Vec<&str> = si.config.metadata.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["_nats.ver", "b", "a"]);
        assert_eq!(si.created % 1_000_000_000, 6);
        assert_eq!(si.timestamp - si.created, 999_999_994);
        assert_eq!(si.state.first_time - si.created, 499_999_994);
        assert_eq!(si.state.last_time, 0);
        assert_eq!(
            si.state.subjects,
            [
                StreamStateSubject {
                    subject: "a.z".into(),
                    msgs: 2
                },
                StreamStateSubject {
                    subject: "a.b".into(),
                    msgs: 1
                }
            ]
        );
        assert_eq!(si.state.deleted, [2]);
        assert_eq!(si.state.lost, Some(LostStreamData::default()));
        let c = si.cluster.unwrap();
        assert_eq!(c.leader, "n1");
        assert_eq!(c.replicas.len(), 2);
        assert!(c.replicas[1].offline);
        assert!(si.sources.is_empty());
        assert_eq!(si.alternates[0].cluster, "C");
    }

    #[test]
    fn bad_values_are_errors() {
        for bad in [
            r#"{"created": "yesterday"}"#,
            r#"{"created": 5}"#,
            r#"{"state": {"messages": -1}}"#,
            r#"{"state": {"subjects": {"a": "many"}}}"#,
            r#"{"config": {"storage": "tape"}}"#,
            r#"{"cluster": "n1"}"#,
        ] {
            assert!(serde_json::from_str::<StreamInfo>(bad).is_err(), "{bad}");
        }
    }
}
