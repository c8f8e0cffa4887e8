//! `jsConsumerConfig` both ways: the config a user filled in, read into an
//! owned `ConsumerConfig` at the call, and a `ConsumerConfig` written into
//! an info tree (`jsConsumerInfo.Config`). Also the consumer info tree and
//! the cluster part it shares with streams.
use std::ffi::c_int;
use std::ptr;

use crate::ffi::c_tree::{read_array, read_str_array, read_str_or_empty, TreeStore};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_metadata::{metadata_to_c, read_metadata};
use crate::ffi::js_stream_info::cluster_to_c;
use crate::ffi::js_types::{
    jsAckPolicy, jsConsumerConfig, jsConsumerInfo, jsDeliverPolicy, jsPriorityGroupState,
    jsReplayPolicy, jsSequenceInfo, read_c_enum, CEnum,
};
use crate::jetstream::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, JsError, ReplayPolicy, SequenceInfo,
};

/// The int C stored in an enum field (any value).
///
/// # Safety
/// `p` points to a readable, aligned enum field of a user's struct.
unsafe fn raw_int<T: CEnum>(p: *const T) -> c_int {
    // SAFETY: readable per the contract; every `CEnum` is an `int` in C, and
    // the value is read as that int, no `T` is made from it.
    unsafe { p.cast::<c_int>().read() }
}

/// A policy field: negative is nats.c's "unset" (`jsConsumerConfig_Init`
/// stores -1) and reads as `None`; any other value must be a listed one.
///
/// # Safety
/// `p` points to a readable, aligned enum field of a user's struct.
unsafe fn read_policy<T: CEnum>(p: *const T, what: &str) -> Result<Option<T>, JsError> {
    // SAFETY: per the contract.
    let raw = unsafe { raw_int(p) };
    if raw < 0 {
        return Ok(None);
    }
    // SAFETY: as above.
    match unsafe { read_c_enum(p) } {
        Some(v) => Ok(Some(v)),
        None => Err(JsError::invalid_arg(format!("invalid {what} policy {raw}"))),
    }
}

fn deliver_from_c(p: jsDeliverPolicy) -> DeliverPolicy {
    match p {
        jsDeliverPolicy::js_DeliverAll => DeliverPolicy::All,
        jsDeliverPolicy::js_DeliverLast => DeliverPolicy::Last,
        jsDeliverPolicy::js_DeliverNew => DeliverPolicy::New,
        jsDeliverPolicy::js_DeliverByStartSequence => DeliverPolicy::ByStartSequence,
        jsDeliverPolicy::js_DeliverByStartTime => DeliverPolicy::ByStartTime,
        jsDeliverPolicy::js_DeliverLastPerSubject => DeliverPolicy::LastPerSubject,
    }
}

fn deliver_to_c(p: DeliverPolicy) -> jsDeliverPolicy {
    match p {
        DeliverPolicy::All => jsDeliverPolicy::js_DeliverAll,
        DeliverPolicy::Last => jsDeliverPolicy::js_DeliverLast,
        DeliverPolicy::New => jsDeliverPolicy::js_DeliverNew,
        DeliverPolicy::ByStartSequence => jsDeliverPolicy::js_DeliverByStartSequence,
        DeliverPolicy::ByStartTime => jsDeliverPolicy::js_DeliverByStartTime,
        DeliverPolicy::LastPerSubject => jsDeliverPolicy::js_DeliverLastPerSubject,
    }
}

fn ack_from_c(p: jsAckPolicy) -> AckPolicy {
    match p {
        jsAckPolicy::js_AckExplicit => AckPolicy::Explicit,
        jsAckPolicy::js_AckNone => AckPolicy::None,
        jsAckPolicy::js_AckAll => AckPolicy::All,
    }
}

fn ack_to_c(p: AckPolicy) -> jsAckPolicy {
    match p {
        AckPolicy::Explicit => jsAckPolicy::js_AckExplicit,
        AckPolicy::None => jsAckPolicy::js_AckNone,
        AckPolicy::All => jsAckPolicy::js_AckAll,
    }
}

fn replay_from_c(p: jsReplayPolicy) -> ReplayPolicy {
    match p {
        jsReplayPolicy::js_ReplayInstant => ReplayPolicy::Instant,
        jsReplayPolicy::js_ReplayOriginal => ReplayPolicy::Original,
    }
}

fn replay_to_c(p: ReplayPolicy) -> jsReplayPolicy {
    match p {
        ReplayPolicy::Instant => jsReplayPolicy::js_ReplayInstant,
        ReplayPolicy::Original => jsReplayPolicy::js_ReplayOriginal,
    }
}

/// Reads the config a user passed to js_AddConsumer or js_UpdateConsumer
/// (strings and arrays are copied; nothing of `c` is kept).
///
/// # Safety
/// `c` is a readable `jsConsumerConfig` whose strings are NULL or
/// NUL-terminated and whose arrays hold their counts' entries.
pub(crate) unsafe fn consumer_config_from_c(
    c: &jsConsumerConfig,
) -> Result<ConsumerConfig, JsError> {
    // SAFETY: per the contract, for every field read below.
    unsafe {
        Ok(ConsumerConfig {
            name: read_str_or_empty(c.Name, "Name")?,
            durable: read_str_or_empty(c.Durable, "Durable")?,
            description: read_str_or_empty(c.Description, "Description")?,
            deliver_policy: read_policy(&c.DeliverPolicy, "deliver")?
                .map(deliver_from_c)
                .unwrap_or_default(),
            opt_start_seq: c.OptStartSeq,
            opt_start_time: c.OptStartTime,
            ack_policy: read_policy(&c.AckPolicy, "ack")?
                .map(ack_from_c)
                .unwrap_or_default(),
            ack_wait: c.AckWait,
            max_deliver: c.MaxDeliver,
            back_off: read_array(c.BackOff, c.BackOffLen, "BackOff")?.to_vec(),
            filter_subject: read_str_or_empty(c.FilterSubject, "FilterSubject")?,
            replay_policy: read_policy(&c.ReplayPolicy, "replay")?
                .map(replay_from_c)
                .unwrap_or_default(),
            rate_limit: c.RateLimit,
            sample_frequency: read_str_or_empty(c.SampleFrequency, "SampleFrequency")?,
            max_waiting: c.MaxWaiting,
            max_ack_pending: c.MaxAckPending,
            flow_control: c.FlowControl,
            heartbeat: c.Heartbeat,
            headers_only: c.HeadersOnly,
            max_request_batch: c.MaxRequestBatch,
            max_request_expires: c.MaxRequestExpires,
            max_request_max_bytes: c.MaxRequestMaxBytes,
            deliver_subject: read_str_or_empty(c.DeliverSubject, "DeliverSubject")?,
            deliver_group: read_str_or_empty(c.DeliverGroup, "DeliverGroup")?,
            inactive_threshold: c.InactiveThreshold,
            replicas: c.Replicas,
            memory_storage: c.MemoryStorage,
            filter_subjects: read_str_array(
                c.FilterSubjects,
                c.FilterSubjectsLen,
                "FilterSubjects",
            )?,
            metadata: read_metadata(&c.Metadata)?,
            pause_until: c.PauseUntil,
            priority_policy: read_str_or_empty(c.PriorityPolicy, "PriorityPolicy")?,
            pinned_ttl: c.PinnedTTL,
            priority_groups: read_str_array(
                c.PriorityGroups,
                c.PriorityGroupsLen,
                "PriorityGroups",
            )?,
        })
    }
}

/// The deliver, ack and replay policies a config sets (`None`: unset).
pub(crate) type PoliciesSet = (
    Option<DeliverPolicy>,
    Option<AckPolicy>,
    Option<ReplayPolicy>,
);

/// The policies of `c` the user set (nats.c's -1 means not set).
///
/// # Safety
/// `c` is a readable `jsConsumerConfig`.
pub(crate) unsafe fn policies_set(c: &jsConsumerConfig) -> Result<PoliciesSet, JsError> {
    // SAFETY: per the contract.
    unsafe {
        Ok((
            read_policy(&c.DeliverPolicy, "deliver")?.map(deliver_from_c),
            read_policy(&c.AckPolicy, "ack")?.map(ack_from_c),
            read_policy(&c.ReplayPolicy, "replay")?.map(replay_from_c),
        ))
    }
}

/// Stores the policies chosen for unset (negative) ones back into the
/// caller's config, as nats.c's js_AddConsumer does: a program may read
/// them there after the call.
///
/// # Safety
/// `c` points to a readable and writable `jsConsumerConfig`.
pub(crate) unsafe fn store_chosen_policies(c: *mut jsConsumerConfig, cfg: &ConsumerConfig) {
    // SAFETY: per the contract; valid enum values are written in place
    // (`write` neither reads nor drops what the fields held).
    unsafe {
        if raw_int(ptr::addr_of!((*c).DeliverPolicy)) < 0 {
            ptr::addr_of_mut!((*c).DeliverPolicy).write(deliver_to_c(cfg.deliver_policy));
        }
        if raw_int(ptr::addr_of!((*c).AckPolicy)) < 0 {
            ptr::addr_of_mut!((*c).AckPolicy).write(ack_to_c(cfg.ack_policy));
        }
        if raw_int(ptr::addr_of!((*c).ReplayPolicy)) < 0 {
            ptr::addr_of_mut!((*c).ReplayPolicy).write(replay_to_c(cfg.replay_policy));
        }
    }
}

/// A config as an info tree holds it; absent strings and lists are NULL.
pub(crate) fn consumer_config_to_c(c: &ConsumerConfig, st: &mut TreeStore) -> jsConsumerConfig {
    jsConsumerConfig {
        Name: st.str_or_null(&c.name),
        Durable: st.str_or_null(&c.durable),
        Description: st.str_or_null(&c.description),
        DeliverPolicy: deliver_to_c(c.deliver_policy),
        OptStartSeq: c.opt_start_seq,
        OptStartTime: c.opt_start_time,
        AckPolicy: ack_to_c(c.ack_policy),
        AckWait: c.ack_wait,
        MaxDeliver: c.max_deliver,
        BackOff: st.array(c.back_off.clone()),
        BackOffLen: c_int_len(c.back_off.len()),
        FilterSubject: st.str_or_null(&c.filter_subject),
        ReplayPolicy: replay_to_c(c.replay_policy),
        RateLimit: c.rate_limit,
        SampleFrequency: st.str_or_null(&c.sample_frequency),
        MaxWaiting: c.max_waiting,
        MaxAckPending: c.max_ack_pending,
        FlowControl: c.flow_control,
        Heartbeat: c.heartbeat,
        HeadersOnly: c.headers_only,
        MaxRequestBatch: c.max_request_batch,
        MaxRequestExpires: c.max_request_expires,
        MaxRequestMaxBytes: c.max_request_max_bytes,
        DeliverSubject: st.str_or_null(&c.deliver_subject),
        DeliverGroup: st.str_or_null(&c.deliver_group),
        InactiveThreshold: c.inactive_threshold,
        Replicas: c.replicas,
        MemoryStorage: c.memory_storage,
        FilterSubjects: st.str_array(&c.filter_subjects),
        FilterSubjectsLen: c_int_len(c.filter_subjects.len()),
        Metadata: metadata_to_c(st, &c.metadata),
        PauseUntil: c.pause_until,
        PriorityPolicy: st.str_or_null(&c.priority_policy),
        PinnedTTL: c.pinned_ttl,
        PriorityGroups: st.str_array(&c.priority_groups),
        PriorityGroupsLen: c_int_len(c.priority_groups.len()),
    }
}

fn sequence_to_c(s: &SequenceInfo) -> jsSequenceInfo {
    jsSequenceInfo {
        Consumer: s.consumer,
        Stream: s.stream,
        Last: s.last,
    }
}

/// The root of a consumer info tree; its parts go into `st`.
pub(crate) fn consumer_info_to_c(ci: &ConsumerInfo, st: &mut TreeStore) -> jsConsumerInfo {
    let config = consumer_config_to_c(&ci.config, st);
    let groups: Vec<jsPriorityGroupState> = ci
        .priority_groups
        .iter()
        .map(|g| jsPriorityGroupState {
            Group: st.str_or_null(&g.group).cast_mut(),
            PinnedClientID: st.str_or_null(&g.pinned_client_id).cast_mut(),
            PinnedTS: g.pinned_ts,
        })
        .collect();
    let groups_len = c_int_len(groups.len());
    jsConsumerInfo {
        Stream: st.str_or_null(&ci.stream).cast_mut(),
        Name: st.str_or_null(&ci.name).cast_mut(),
        Created: ci.created,
        Config: st.boxed(config),
        Delivered: sequence_to_c(&ci.delivered),
        AckFloor: sequence_to_c(&ci.ack_floor),
        NumAckPending: ci.num_ack_pending,
        NumRedelivered: ci.num_redelivered,
        NumWaiting: ci.num_waiting,
        NumPending: ci.num_pending,
        Cluster: ci
            .cluster
            .as_ref()
            .map_or(std::ptr::null_mut(), |c| cluster_to_c(st, c)),
        PushBound: ci.push_bound,
        Paused: ci.paused,
        PauseRemaining: ci.pause_remaining,
        PriorityGroups: st.array(groups),
        PriorityGroupsLen: groups_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::c_tree::{free_tree, into_c_tree};
    use crate::ffi::js_types::write_c_enum_raw;
    use crate::jetstream::{ClusterInfo, PeerInfo, PriorityGroupState};
    use std::ffi::{c_char, CStr};

    fn s(p: *const c_char) -> String {
        assert!(!p.is_null());
        // SAFETY: non-NULL strings of a live tree are NUL-terminated.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    fn sample() -> ConsumerConfig {
        ConsumerConfig {
            name: "C".into(),
            durable: "C".into(),
            deliver_policy: DeliverPolicy::LastPerSubject,
            ack_policy: AckPolicy::All,
            replay_policy: ReplayPolicy::Original,
            back_off: vec![1, 2, 3],
            filter_subjects: vec!["a".into(), "b.>".into()],
            metadata: vec![("k1".into(), "v1".into()), ("k2".into(), "".into())],
            priority_policy: "pinned_client".into(),
            priority_groups: vec!["g".into()],
            pause_until: 42,
            ..ConsumerConfig::default()
        }
    }

    #[test]
    fn a_config_goes_to_c_and_back_unchanged() {
        let cfg = sample();
        let mut st = TreeStore::default();
        let c = consumer_config_to_c(&cfg, &mut st);
        assert!(c.Description.is_null(), "empty strings are NULL");
        assert_eq!(c.Metadata.Count, 2);
        assert_eq!(s(c.Name), "C");
        // SAFETY: `c` points into `st`, alive here.
        let back = unsafe { consumer_config_from_c(&c) }.unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn policies_unset_default_and_bad_values_are_refused() {
        let mut st = TreeStore::default();
        let mut c = consumer_config_to_c(&sample(), &mut st);
        // SAFETY: the fields are live ints of `c`; no invalid enum value
        // is made from them (the raw writes go through write_c_enum_raw).
        unsafe {
            write_c_enum_raw(&mut c.DeliverPolicy, -1);
            write_c_enum_raw(&mut c.AckPolicy, -1);
            write_c_enum_raw(&mut c.ReplayPolicy, -1);
            let back = consumer_config_from_c(&c).unwrap();
            assert_eq!(back.deliver_policy, DeliverPolicy::All);
            assert_eq!(back.ack_policy, AckPolicy::Explicit);
            assert_eq!(back.replay_policy, ReplayPolicy::Instant);
            write_c_enum_raw(&mut c.AckPolicy, 3);
            let e = consumer_config_from_c(&c).unwrap_err();
            assert_eq!(e.text, "invalid ack policy 3");
            write_c_enum_raw(&mut c.AckPolicy, 0);
            write_c_enum_raw(&mut c.DeliverPolicy, 6);
            let e = consumer_config_from_c(&c).unwrap_err();
            assert_eq!(e.text, "invalid deliver policy 6");
        }
    }

    #[test]
    fn bad_counts_are_refused() {
        let mut st = TreeStore::default();
        let mut c = consumer_config_to_c(&ConsumerConfig::default(), &mut st);
        c.Metadata.Count = 1;
        // SAFETY: the arrays are NULL, with the counts checked before use.
        unsafe {
            assert!(consumer_config_from_c(&c).is_err());
            c.Metadata.Count = c_int::MAX;
            assert!(consumer_config_from_c(&c).is_err());
            c.Metadata.Count = 0;
            c.BackOffLen = -1;
            assert!(consumer_config_from_c(&c).is_err());
            c.BackOffLen = 0;
            c.FilterSubjectsLen = 2;
            assert!(consumer_config_from_c(&c).is_err());
        }
    }

    #[test]
    fn an_info_tree_holds_its_cluster_and_groups() {
        let ci = ConsumerInfo {
            stream: "S".into(),
            name: "C".into(),
            config: sample(),
            cluster: Some(ClusterInfo {
                name: "cl".into(),
                leader: "n1".into(),
                replicas: vec![PeerInfo {
                    name: "n2".into(),
                    current: true,
                    lag: 3,
                    ..PeerInfo::default()
                }],
                ..ClusterInfo::default()
            }),
            priority_groups: vec![PriorityGroupState {
                group: "g".into(),
                pinned_client_id: "id".into(),
                pinned_ts: 7,
            }],
            ..ConsumerInfo::default()
        };
        let mut st = TreeStore::default();
        let root = consumer_info_to_c(&ci, &mut st);
        let p = into_c_tree(root, st);
        // SAFETY: `p` is a live tree until freed at the end.
        unsafe {
            let i = &*p;
            assert_eq!(s(i.Stream), "S");
            assert_eq!(s((*i.Config).Durable), "C");
            let cl = &*i.Cluster;
            assert_eq!(s(cl.Leader), "n1");
            assert_eq!(cl.ReplicasLen, 1);
            assert_eq!((**cl.Replicas).Lag, 3);
            assert!(cl.TrafficAcc.is_null());
            assert_eq!(i.PriorityGroupsLen, 1);
            assert_eq!(s((*i.PriorityGroups).PinnedClientID), "id");
            free_tree(p);
        }
        let empty = ConsumerInfo::default();
        let mut st = TreeStore::default();
        let root = consumer_info_to_c(&empty, &mut st);
        assert!(root.Cluster.is_null() && root.PriorityGroups.is_null());
        assert!(root.Stream.is_null());
    }
}
