//! `jsStreamConfig` and the structs it holds, both ways: a config the user
//! filled in becomes a `jetstream::StreamConfig` for the call, and a config
//! the server reported is written into an info tree (owned by its
//! `TreeStore`). Enum fields the user wrote are read with `read_c_enum`:
//! any `int` may be stored there.
use crate::ffi::c_tree::{read_array, read_str_array, read_str_or_empty, TreeStore};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_metadata::{metadata_to_c, read_metadata};
use crate::ffi::js_types::{
    jsDiscardPolicy, jsExternalStream, jsPersistModeType, jsPlacement, jsRePublish,
    jsRetentionPolicy, jsStorageCompression, jsStorageType, jsStreamConfig, jsStreamConsumerLimits,
    jsStreamSource, jsSubjectTransformConfig, read_c_enum, CEnum,
};
use crate::jetstream::{
    DiscardPolicy, ExternalStream, JsError, JsResult, PersistMode, Placement, RePublish,
    RetentionPolicy, StorageCompression, StorageType, StreamConfig, StreamConsumerLimits,
    StreamSource, SubjectTransformConfig,
};

/// An enum field the user wrote; a value nats.c does not list is
/// `InvalidArg` naming the field.
///
/// # Safety
/// `p` points to a readable, aligned enum field.
pub(crate) unsafe fn enum_field<T: CEnum>(p: *const T, what: &str) -> JsResult<T> {
    // SAFETY: per the contract; read_c_enum never makes an invalid `T`.
    unsafe { read_c_enum(p) }.ok_or_else(|| JsError::invalid_arg(format!("invalid {what}")))
}

fn retention_from_c(v: jsRetentionPolicy) -> RetentionPolicy {
    match v {
        jsRetentionPolicy::js_LimitsPolicy => RetentionPolicy::Limits,
        jsRetentionPolicy::js_InterestPolicy => RetentionPolicy::Interest,
        jsRetentionPolicy::js_WorkQueuePolicy => RetentionPolicy::WorkQueue,
    }
}

fn retention_to_c(v: RetentionPolicy) -> jsRetentionPolicy {
    match v {
        RetentionPolicy::Limits => jsRetentionPolicy::js_LimitsPolicy,
        RetentionPolicy::Interest => jsRetentionPolicy::js_InterestPolicy,
        RetentionPolicy::WorkQueue => jsRetentionPolicy::js_WorkQueuePolicy,
    }
}

fn discard_from_c(v: jsDiscardPolicy) -> DiscardPolicy {
    match v {
        jsDiscardPolicy::js_DiscardOld => DiscardPolicy::Old,
        jsDiscardPolicy::js_DiscardNew => DiscardPolicy::New,
    }
}

fn discard_to_c(v: DiscardPolicy) -> jsDiscardPolicy {
    match v {
        DiscardPolicy::Old => jsDiscardPolicy::js_DiscardOld,
        DiscardPolicy::New => jsDiscardPolicy::js_DiscardNew,
    }
}

pub(crate) fn storage_from_c(v: jsStorageType) -> StorageType {
    match v {
        jsStorageType::js_FileStorage => StorageType::File,
        jsStorageType::js_MemoryStorage => StorageType::Memory,
    }
}

pub(crate) fn storage_to_c(v: StorageType) -> jsStorageType {
    match v {
        StorageType::File => jsStorageType::js_FileStorage,
        StorageType::Memory => jsStorageType::js_MemoryStorage,
    }
}

fn compression_from_c(v: jsStorageCompression) -> StorageCompression {
    match v {
        jsStorageCompression::js_StorageCompressionNone => StorageCompression::None,
        jsStorageCompression::js_StorageCompressionS2 => StorageCompression::S2,
    }
}

fn compression_to_c(v: StorageCompression) -> jsStorageCompression {
    match v {
        StorageCompression::None => jsStorageCompression::js_StorageCompressionNone,
        StorageCompression::S2 => jsStorageCompression::js_StorageCompressionS2,
    }
}

fn persist_from_c(v: jsPersistModeType) -> PersistMode {
    match v {
        jsPersistModeType::js_PersistDefault => PersistMode::Default,
        jsPersistModeType::js_PersistAsync => PersistMode::Async,
    }
}

fn persist_to_c(v: PersistMode) -> jsPersistModeType {
    match v {
        PersistMode::Default => jsPersistModeType::js_PersistDefault,
        PersistMode::Async => jsPersistModeType::js_PersistAsync,
    }
}

/// Sets the fields jsStreamConfig_Init gives a non-zero value (the rest is
/// zero already): the library's defaults, which are nats.c's.
pub(crate) fn set_config_defaults(c: &mut jsStreamConfig) {
    let d = StreamConfig::default();
    c.Retention = retention_to_c(d.retention);
    c.MaxConsumers = d.max_consumers;
    c.MaxMsgs = d.max_msgs;
    c.MaxBytes = d.max_bytes;
    c.MaxAge = d.max_age;
    c.MaxMsgsPerSubject = d.max_msgs_per_subject;
    c.MaxMsgSize = d.max_msg_size;
    c.Discard = discard_to_c(d.discard);
    c.Storage = storage_to_c(d.storage);
    c.Replicas = d.replicas;
    c.Compression = compression_to_c(d.compression);
    c.PersistMode = persist_to_c(d.persist_mode);
}

// ---- C to Rust: a config the user filled in -------------------------------

/// # Safety
/// The strings of `p` are NULL or NUL-terminated; `Tags` holds `TagsLen`
/// entries.
pub(crate) unsafe fn read_placement(p: &jsPlacement) -> JsResult<Placement> {
    // SAFETY: per the contract.
    unsafe {
        Ok(Placement {
            cluster: read_str_or_empty(p.Cluster, "Placement.Cluster")?,
            tags: read_str_array(p.Tags, p.TagsLen, "Placement.Tags")?,
        })
    }
}

/// # Safety
/// The strings of `e` are NULL or NUL-terminated.
unsafe fn read_external(e: &jsExternalStream, what: &str) -> JsResult<ExternalStream> {
    // SAFETY: per the contract.
    unsafe {
        Ok(ExternalStream {
            api_prefix: read_str_or_empty(e.APIPrefix, what)?,
            deliver_prefix: read_str_or_empty(e.DeliverPrefix, what)?,
        })
    }
}

/// # Safety
/// The strings of `s` are NULL or NUL-terminated; `External` is NULL or
/// readable.
pub(crate) unsafe fn read_source(s: &jsStreamSource, what: &str) -> JsResult<StreamSource> {
    // SAFETY: per the contract.
    unsafe {
        Ok(StreamSource {
            name: read_str_or_empty(s.Name, what)?,
            opt_start_seq: s.OptStartSeq,
            opt_start_time: s.OptStartTime,
            filter_subject: read_str_or_empty(s.FilterSubject, what)?,
            external: match s.External.as_ref() {
                Some(e) => Some(read_external(e, what)?),
                None => None,
            },
            domain: read_str_or_empty(s.Domain, what)?,
        })
    }
}

/// # Safety
/// `Sources` holds `SourcesLen` pointers, each NULL or a readable source.
unsafe fn read_sources(c: &jsStreamConfig) -> JsResult<Vec<StreamSource>> {
    // SAFETY: per the contract.
    let ptrs = unsafe { read_array(c.Sources.cast_const(), c.SourcesLen, "Sources") }?;
    ptrs.iter()
        .map(|&p| {
            // SAFETY: each entry is NULL or readable per the contract.
            match unsafe { p.as_ref() } {
                // SAFETY: a non-NULL entry is a readable source per the contract.
                Some(s) => unsafe { read_source(s, "Sources") },
                None => Err(JsError::invalid_arg("Sources holds a NULL entry")),
            }
        })
        .collect()
}

/// # Safety
/// The strings of `t` are NULL or NUL-terminated.
unsafe fn read_transform(t: &jsSubjectTransformConfig) -> JsResult<SubjectTransformConfig> {
    // SAFETY: per the contract.
    unsafe {
        Ok(SubjectTransformConfig {
            source: read_str_or_empty(t.Source, "SubjectTransform.Source")?,
            destination: read_str_or_empty(t.Destination, "SubjectTransform.Destination")?,
        })
    }
}

/// Copies a config the user filled in (nothing of it is kept).
///
/// # Safety
/// `c` is a readable `jsStreamConfig` whose pointers are NULL or valid, its
/// strings NUL-terminated and its counts those of its arrays.
pub(crate) unsafe fn read_stream_config(c: &jsStreamConfig) -> JsResult<StreamConfig> {
    // SAFETY: every pointer and count per the contract; enum fields are
    // read as ints through enum_field.
    unsafe {
        Ok(StreamConfig {
            name: read_str_or_empty(c.Name, "Name")?,
            description: read_str_or_empty(c.Description, "Description")?,
            subjects: read_str_array(c.Subjects, c.SubjectsLen, "Subjects")?,
            retention: retention_from_c(enum_field(&c.Retention, "retention policy")?),
            max_consumers: c.MaxConsumers,
            max_msgs: c.MaxMsgs,
            max_bytes: c.MaxBytes,
            max_age: c.MaxAge,
            max_msgs_per_subject: c.MaxMsgsPerSubject,
            max_msg_size: c.MaxMsgSize,
            discard: discard_from_c(enum_field(&c.Discard, "discard policy")?),
            storage: storage_from_c(enum_field(&c.Storage, "storage type")?),
            replicas: c.Replicas,
            no_ack: c.NoAck,
            template: read_str_or_empty(c.Template, "Template")?,
            duplicates: c.Duplicates,
            placement: match c.Placement.as_ref() {
                Some(p) => Some(read_placement(p)?),
                None => None,
            },
            mirror: match c.Mirror.as_ref() {
                Some(m) => Some(read_source(m, "Mirror")?),
                None => None,
            },
            sources: read_sources(c)?,
            sealed: c.Sealed,
            deny_delete: c.DenyDelete,
            deny_purge: c.DenyPurge,
            allow_rollup: c.AllowRollup,
            republish: match c.RePublish.as_ref() {
                Some(r) => Some(RePublish {
                    source: read_str_or_empty(r.Source, "RePublish.Source")?,
                    destination: read_str_or_empty(r.Destination, "RePublish.Destination")?,
                    headers_only: r.HeadersOnly,
                }),
                None => None,
            },
            allow_direct: c.AllowDirect,
            mirror_direct: c.MirrorDirect,
            discard_new_per_subject: c.DiscardNewPerSubject,
            metadata: read_metadata(&c.Metadata)?,
            compression: compression_from_c(enum_field(&c.Compression, "storage compression")?),
            first_seq: c.FirstSeq,
            subject_transform: read_transform(&c.SubjectTransform)?,
            consumer_limits: StreamConsumerLimits {
                inactive_threshold: c.ConsumerLimits.InactiveThreshold,
                max_ack_pending: c.ConsumerLimits.MaxAckPending,
            },
            allow_msg_ttl: c.AllowMsgTTL,
            subject_delete_marker_ttl: c.SubjectDeleteMarkerTTL,
            persist_mode: persist_from_c(enum_field(&c.PersistMode, "persist mode")?),
            allow_atomic: c.AllowAtomic,
            allow_msg_counter: c.AllowMsgCounter,
            allow_msg_schedules: c.AllowMsgSchedules,
            allow_batched: c.AllowBatched,
        })
    }
}

// ---- Rust to C: a config inside an info tree ------------------------------

/// An external stream in the tree (absent strings NULL, as nats.c).
pub(crate) fn external_to_c(st: &mut TreeStore, e: &ExternalStream) -> *mut jsExternalStream {
    let v = jsExternalStream {
        APIPrefix: st.str_or_null(&e.api_prefix),
        DeliverPrefix: st.str_or_null(&e.deliver_prefix),
    };
    st.boxed(v)
}

fn source_to_c(st: &mut TreeStore, s: &StreamSource) -> jsStreamSource {
    jsStreamSource {
        Name: st.str_or_null(&s.name),
        OptStartSeq: s.opt_start_seq,
        OptStartTime: s.opt_start_time,
        FilterSubject: st.str_or_null(&s.filter_subject),
        External: s
            .external
            .as_ref()
            .map_or(std::ptr::null_mut(), |e| external_to_c(st, e)),
        Domain: st.str_or_null(&s.domain),
    }
}

pub(crate) fn transform_to_c(
    st: &mut TreeStore,
    t: &SubjectTransformConfig,
) -> jsSubjectTransformConfig {
    jsSubjectTransformConfig {
        Source: st.str_or_null(&t.source),
        Destination: st.str_or_null(&t.destination),
    }
}

/// A config the server reported, as the `jsStreamConfig` of an info tree:
/// every string, array and nested struct lives in `st`.
pub(crate) fn stream_config_to_c(st: &mut TreeStore, c: &StreamConfig) -> jsStreamConfig {
    let placement = c.placement.as_ref().map_or(std::ptr::null_mut(), |p| {
        let v = jsPlacement {
            Cluster: st.str_or_null(&p.cluster),
            Tags: st.str_array(&p.tags),
            TagsLen: c_int_len(p.tags.len()),
        };
        st.boxed(v)
    });
    let mirror = c.mirror.as_ref().map_or(std::ptr::null_mut(), |m| {
        let v = source_to_c(st, m);
        st.boxed(v)
    });
    let sources: Vec<jsStreamSource> = c.sources.iter().map(|s| source_to_c(st, s)).collect();
    let republish = c.republish.as_ref().map_or(std::ptr::null_mut(), |r| {
        let v = jsRePublish {
            Source: st.str_or_null(&r.source),
            Destination: st.str_or_null(&r.destination),
            HeadersOnly: r.headers_only,
        };
        st.boxed(v)
    });
    jsStreamConfig {
        Name: st.str_or_null(&c.name),
        Description: st.str_or_null(&c.description),
        Subjects: st.str_array(&c.subjects),
        SubjectsLen: c_int_len(c.subjects.len()),
        Retention: retention_to_c(c.retention),
        MaxConsumers: c.max_consumers,
        MaxMsgs: c.max_msgs,
        MaxBytes: c.max_bytes,
        MaxAge: c.max_age,
        MaxMsgsPerSubject: c.max_msgs_per_subject,
        MaxMsgSize: c.max_msg_size,
        Discard: discard_to_c(c.discard),
        Storage: storage_to_c(c.storage),
        Replicas: c.replicas,
        NoAck: c.no_ack,
        Template: st.str_or_null(&c.template),
        Duplicates: c.duplicates,
        Placement: placement,
        Mirror: mirror,
        SourcesLen: c_int_len(sources.len()),
        Sources: st.ptr_array(sources),
        Sealed: c.sealed,
        DenyDelete: c.deny_delete,
        DenyPurge: c.deny_purge,
        AllowRollup: c.allow_rollup,
        RePublish: republish,
        AllowDirect: c.allow_direct,
        MirrorDirect: c.mirror_direct,
        DiscardNewPerSubject: c.discard_new_per_subject,
        Metadata: metadata_to_c(st, &c.metadata),
        Compression: compression_to_c(c.compression),
        FirstSeq: c.first_seq,
        SubjectTransform: transform_to_c(st, &c.subject_transform),
        ConsumerLimits: jsStreamConsumerLimits {
            InactiveThreshold: c.consumer_limits.inactive_threshold,
            MaxAckPending: c.consumer_limits.max_ack_pending,
        },
        AllowMsgTTL: c.allow_msg_ttl,
        SubjectDeleteMarkerTTL: c.subject_delete_marker_ttl,
        PersistMode: persist_to_c(c.persist_mode),
        AllowAtomic: c.allow_atomic,
        AllowMsgCounter: c.allow_msg_counter,
        AllowMsgSchedules: c.allow_msg_schedules,
        AllowBatched: c.allow_batched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ErrorKind;
    use crate::ffi::c_tree::{free_tree, into_c_tree};
    use crate::ffi::js_types::write_c_enum_raw;
    use std::ffi::{c_char, c_int, CString};
    use std::ptr;

    fn zeroed() -> jsStreamConfig {
        // SAFETY: all-zero is a valid jsStreamConfig (NULL pointers, the
        // first value of each enum).
        unsafe { std::mem::zeroed() }
    }

    /// A config with every field set, round-tripped through an info tree
    /// and read back as the user's config would be.
    #[test]
    fn a_config_survives_the_tree_and_back() {
        let cfg = StreamConfig {
            description: "d".into(),
            retention: RetentionPolicy::Interest,
            max_consumers: 3,
            max_msgs: 4,
            max_bytes: 5,
            max_age: 6,
            max_msgs_per_subject: 7,
            max_msg_size: 8,
            discard: DiscardPolicy::New,
            storage: StorageType::Memory,
            replicas: 3,
            no_ack: true,
            template: "t".into(),
            duplicates: 9,
            placement: Some(Placement {
                cluster: "c".into(),
                tags: vec!["x".into(), "y".into()],
            }),
            mirror: Some(StreamSource {
                name: "M".into(),
                opt_start_seq: 2,
                opt_start_time: 1_000,
                filter_subject: "m.>".into(),
                external: Some(ExternalStream {
                    api_prefix: "$JS.x.API".into(),
                    deliver_prefix: "dp".into(),
                }),
                domain: String::new(),
            }),
            sources: vec![StreamSource {
                name: "O".into(),
                domain: "leaf".into(),
                ..StreamSource::default()
            }],
            sealed: true,
            deny_delete: true,
            deny_purge: true,
            allow_rollup: true,
            republish: Some(RePublish {
                source: "a.>".into(),
                destination: "r.>".into(),
                headers_only: true,
            }),
            allow_direct: true,
            mirror_direct: true,
            discard_new_per_subject: true,
            metadata: vec![("k1".into(), "v1".into()), ("k2".into(), "v2".into())],
            compression: StorageCompression::S2,
            first_seq: 10,
            subject_transform: SubjectTransformConfig {
                source: "a.>".into(),
                destination: "b.>".into(),
            },
            consumer_limits: StreamConsumerLimits {
                inactive_threshold: 11,
                max_ack_pending: 12,
            },
            allow_msg_ttl: true,
            subject_delete_marker_ttl: 13,
            persist_mode: PersistMode::Async,
            allow_atomic: true,
            allow_msg_counter: true,
            allow_msg_schedules: true,
            allow_batched: true,
            ..StreamConfig::new("S", &["a.>", "b"])
        };
        let mut st = TreeStore::default();
        let c = stream_config_to_c(&mut st, &cfg);
        let p = into_c_tree(c, st);
        // SAFETY: `p` is a live tree built above, freed once at the end.
        unsafe {
            assert_eq!((*p).Metadata.Count, 2);
            assert_eq!(read_stream_config(&*p).unwrap(), cfg);
            free_tree(p);
        }
    }

    #[test]
    fn init_values_are_the_defaults() {
        let mut c = zeroed();
        set_config_defaults(&mut c);
        // SAFETY: `c` holds no pointers.
        let back = unsafe { read_stream_config(&c) }.unwrap();
        assert_eq!(back, StreamConfig::default());
        assert_eq!((c.MaxMsgs, c.MaxMsgSize, c.Replicas), (-1, -1, 1));
    }

    #[test]
    fn bad_user_values_are_invalid_args() {
        let mut c = zeroed();
        // SAFETY: the field is an int-sized enum slot of `c`.
        unsafe { write_c_enum_raw(&mut c.Storage, 9) };
        // SAFETY: `c` is a live config; its pointers are NULL or point to live test data.
        let e = unsafe { read_stream_config(&c) }.unwrap_err();
        assert_eq!(
            (e.kind, e.text.as_str()),
            (ErrorKind::InvalidArg, "invalid storage type")
        );

        let mut c = zeroed();
        c.SubjectsLen = -1;
        // SAFETY: `c` is a live config; its pointers are NULL or point to live test data.
        let e = unsafe { read_stream_config(&c) }.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);

        let mut c = zeroed();
        let mut none: [*mut jsStreamSource; 1] = [ptr::null_mut()];
        c.Sources = none.as_mut_ptr();
        c.SourcesLen = 1;
        // SAFETY: `c` is a live config; its pointers are NULL or point to live test data.
        let e = unsafe { read_stream_config(&c) }.unwrap_err();
        assert_eq!(e.text, "Sources holds a NULL entry");

        let key = CString::new("k").unwrap();
        let mut one: [*const c_char; 1] = [key.as_ptr()];
        let mut c = zeroed();
        c.Metadata.List = one.as_mut_ptr();
        c.Metadata.Count = c_int::MAX;
        // SAFETY: `c` is a live config; its pointers are NULL or point to live test data.
        let e = unsafe { read_stream_config(&c) }.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
    }
}
