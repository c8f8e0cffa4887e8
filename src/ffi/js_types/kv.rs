//! nats.c 3.14's key-value structs, field for field.
use std::ffi::{c_char, c_int, c_void};

use super::{jsRePublish, jsStorageType, jsStreamSource};
use crate::ffi::kv_handles::kvEntry;
use crate::ffi::natsStatus;

/// Opaque C handle of a bucket's status (kvStore_Status), freed with
/// kvStatus_Destroy.
pub struct kvStatus {
    _private: [u8; 0],
}

/// Opaque C handle of a watcher (kvStore_Watch...), freed with
/// kvWatcher_Destroy.
pub struct kvWatcher {
    _private: [u8; 0],
}

/// What a revision of a key is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum kvOperation {
    kvOp_Unknown = 0,
    /// A value was put.
    kvOp_Put,
    /// The key was deleted (a delete marker).
    kvOp_Delete,
    /// The key was purged (a purge marker; earlier revisions are gone).
    kvOp_Purge,
}
super::c_enum!(kvOperation {
    kvOp_Unknown,
    kvOp_Put,
    kvOp_Delete,
    kvOp_Purge
});

/// A bucket's configuration (js_CreateKeyValue); set up with kvConfig_Init.
/// The struct never owns what its pointers point to.
#[repr(C)]
pub struct kvConfig {
    /// The bucket's name (required).
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    /// The largest value accepted, in bytes (-1 or 0: no limit).
    pub MaxValueSize: i32,
    /// How many revisions of each key are kept (1 to 64).
    pub History: u8,
    /// How long a revision is kept, nanoseconds (0: forever).
    pub TTL: i64,
    /// The bucket's size limit in bytes (-1 or 0: none).
    pub MaxBytes: i64,
    pub StorageType: jsStorageType,
    pub Replicas: c_int,
    /// Republish every put to another subject (NULL: no).
    pub RePublish: *mut jsRePublish,
    /// Mirror another bucket (NULL: no).
    pub Mirror: *mut jsStreamSource,
    /// Take the keys of these buckets too.
    pub Sources: *mut *mut jsStreamSource,
    pub SourcesLen: c_int,
    /// Nanoseconds: enables per-key TTLs and keeps delete and purge
    /// markers this long (server 2.11+).
    pub LimitMarkerTTL: i64,
}

/// Told each entry a watcher with a callback receives (`e` is the
/// callback's, freed with kvEntry_Destroy; NULL marks the end of the
/// initial values), or a failure in `s`.
pub type kvWatchCb = Option<
    unsafe extern "C" fn(w: *mut kvWatcher, e: *mut kvEntry, s: natsStatus, closure: *mut c_void),
>;

/// How a watcher (and Keys, History) reads the bucket; set up with
/// kvWatchOptions_Init.
#[repr(C)]
pub struct kvWatchOptions {
    /// Deletes and purges are not reported.
    pub IgnoreDeletes: bool,
    /// Every kept revision, not only the last one of each key.
    pub IncludeHistory: bool,
    /// Entries without their values.
    pub MetaOnly: bool,
    /// How long Keys and History wait, milliseconds.
    pub Timeout: i64,
    /// Only changes made after the watcher started.
    pub UpdatesOnly: bool,
    /// The consumer's idle heartbeat, nanoseconds (0: 5 seconds).
    pub Heartbeat: i64,
    /// Start at this revision.
    pub ResumeFromRevision: u64,
    /// Deliver entries to this callback instead of kvWatcher_Next.
    pub Callback: kvWatchCb,
    pub Closure: *mut c_void,
}

/// Options of kvStore_Purge and kvStore_PurgeDeletes; set up with
/// kvPurgeOptions_Init.
#[repr(C)]
pub struct kvPurgeOptions {
    /// How long operations wait, milliseconds.
    pub Timeout: i64,
    /// PurgeDeletes removes markers older than this, nanoseconds (0: 30
    /// minutes; negative: all).
    pub DeleteMarkersOlderThan: i64,
    /// The purge marker's own TTL, milliseconds (buckets with
    /// LimitMarkerTTL, server 2.11+).
    pub TTL: i64,
}

/// Entries handed to the caller (kvStore_History), freed with
/// kvEntryList_Destroy.
#[repr(C)]
pub struct kvEntryList {
    pub Entries: *mut *mut kvEntry,
    pub Count: c_int,
}

/// Keys handed to the caller (kvStore_Keys), freed with
/// kvKeysList_Destroy.
#[repr(C)]
pub struct kvKeysList {
    pub Keys: *mut *mut c_char,
    pub Count: c_int,
}
