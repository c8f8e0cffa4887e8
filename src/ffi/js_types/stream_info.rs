//! What the server reports about a stream: `jsStreamInfo` and its parts,
//! and the lists of js_Streams and js_StreamNames. All of it is allocated
//! by the library and freed with the matching `*_Destroy`.
use std::ffi::{c_char, c_int};

use super::{jsExternalStream, jsStreamConfig, jsSubjectTransformConfig};

/// Messages a stream lost (damaged storage, for instance).
#[repr(C)]
pub struct jsLostStreamData {
    /// The sequences of the lost messages.
    pub Msgs: *mut u64,
    /// The number of entries in `Msgs`.
    pub MsgsLen: c_int,
    /// How many bytes were lost.
    pub Bytes: u64,
}

/// One subject of a stream and how many messages it holds.
#[repr(C)]
pub struct jsStreamStateSubject {
    /// The subject.
    pub Subject: *const c_char,
    /// Its number of messages.
    pub Msgs: u64,
}

/// The subjects of a stream with their message counts, present when the
/// info was asked with a subjects filter.
#[repr(C)]
pub struct jsStreamStateSubjects {
    /// The subjects.
    pub List: *mut jsStreamStateSubject,
    /// The number of entries in `List`.
    pub Count: c_int,
}

/// What a stream holds right now. Times are UTC nanoseconds since the epoch.
#[repr(C)]
pub struct jsStreamState {
    /// The number of messages.
    pub Msgs: u64,
    /// The number of bytes.
    pub Bytes: u64,
    /// The sequence of the first message.
    pub FirstSeq: u64,
    /// When the first message was stored.
    pub FirstTime: i64,
    /// The sequence of the last message.
    pub LastSeq: u64,
    /// When the last message was stored.
    pub LastTime: i64,
    /// The number of distinct subjects.
    pub NumSubjects: i64,
    /// Per subject counts, when asked for (NULL otherwise).
    pub Subjects: *mut jsStreamStateSubjects,
    /// The number of deleted messages between the first and the last.
    pub NumDeleted: u64,
    /// Their sequences, when asked for with `DeletedDetails`.
    pub Deleted: *mut u64,
    /// The number of entries in `Deleted`.
    pub DeletedLen: c_int,
    /// Lost messages, if any (NULL otherwise).
    pub Lost: *mut jsLostStreamData,
    /// The number of consumers.
    pub Consumers: i64,
}

/// One replica of a clustered stream or consumer.
#[repr(C)]
pub struct jsPeerInfo {
    /// The server's name.
    pub Name: *mut c_char,
    /// Whether it is up to date with the leader.
    pub Current: bool,
    /// Whether it is unreachable.
    pub Offline: bool,
    /// Nanoseconds since it was last heard from.
    pub Active: i64,
    /// How many operations it is behind.
    pub Lag: u64,
}

/// Where a stream or consumer runs in a cluster.
#[repr(C)]
pub struct jsClusterInfo {
    /// The cluster's name.
    pub Name: *mut c_char,
    /// The server leading the group.
    pub Leader: *mut c_char,
    /// The other replicas.
    pub Replicas: *mut *mut jsPeerInfo,
    /// The number of entries in `Replicas`.
    pub ReplicasLen: c_int,
    /// The name of the RAFT group.
    pub RaftGroup: *mut c_char,
    /// When the leader took over, UTC nanoseconds since the epoch.
    pub LeaderSince: i64,
    /// Whether the system account is used.
    pub SystemAcc: bool,
    /// The account that carries the replication traffic.
    pub TrafficAcc: *mut c_char,
}

/// How a mirror or source is keeping up with the stream it copies.
#[repr(C)]
pub struct jsStreamSourceInfo {
    /// The name of the stream copied.
    pub Name: *mut c_char,
    /// Where it lives, when in another account or domain.
    pub External: *mut jsExternalStream,
    /// How many messages behind it is.
    pub Lag: u64,
    /// Nanoseconds since it was last heard from.
    pub Active: i64,
    /// The filter on the copied subjects.
    pub FilterSubject: *const c_char,
    /// The transforms applied to the copied subjects.
    pub SubjectTransforms: *mut jsSubjectTransformConfig,
    /// The number of entries in `SubjectTransforms`.
    pub SubjectTransformsLen: c_int,
}

/// Another copy of a stream (a mirror) that may answer reads for it.
#[repr(C)]
pub struct jsStreamAlternate {
    /// The copy's stream name.
    pub Name: *const c_char,
    /// Its JetStream domain.
    pub Domain: *const c_char,
    /// Its cluster.
    pub Cluster: *const c_char,
}

/// A stream's configuration and state, from js_AddStream, js_UpdateStream
/// or js_GetStreamInfo; freed with jsStreamInfo_Destroy.
#[repr(C)]
pub struct jsStreamInfo {
    /// The configuration, as the server holds it.
    pub Config: *mut jsStreamConfig,
    /// When the stream was created, UTC nanoseconds since the epoch.
    pub Created: i64,
    /// What it holds.
    pub State: jsStreamState,
    /// Where it runs in the cluster (NULL when not clustered).
    pub Cluster: *mut jsClusterInfo,
    /// How its mirror is doing (NULL when not a mirror).
    pub Mirror: *mut jsStreamSourceInfo,
    /// How its sources are doing.
    pub Sources: *mut *mut jsStreamSourceInfo,
    /// The number of entries in `Sources`.
    pub SourcesLen: c_int,
    /// The copies that may answer reads for it.
    pub Alternates: *mut *mut jsStreamAlternate,
    /// The number of entries in `Alternates`.
    pub AlternatesLen: c_int,
}

/// The streams of js_Streams; freed with jsStreamInfoList_Destroy.
#[repr(C)]
pub struct jsStreamInfoList {
    /// The streams' infos.
    pub List: *mut *mut jsStreamInfo,
    /// The number of entries in `List`.
    pub Count: c_int,
}

/// The stream names of js_StreamNames; freed with jsStreamNamesList_Destroy.
#[repr(C)]
pub struct jsStreamNamesList {
    /// The names.
    pub List: *mut *mut c_char,
    /// The number of entries in `List`.
    pub Count: c_int,
}
