//! nats.c 3.14's object store structs, field for field.
use std::ffi::{c_char, c_int};

use super::{jsPlacement, jsStorageType, jsStreamInfo, natsMetadata};
use crate::ffi::header::natsHeader;

/// Opaque C handle of an open object store (js_CreateObjectStore,
/// js_ObjectStore), freed with objStore_Destroy.
pub struct objStore {
    _private: [u8; 0],
}

/// Opaque C handle of a put in progress (objStore_Put), ended with
/// objStorePut_Complete and freed with objStorePut_Destroy.
pub struct objStorePut {
    _private: [u8; 0],
}

/// Opaque C handle of a get in progress (objStore_Get), freed with
/// objStoreGet_Destroy.
pub struct objStoreGet {
    _private: [u8; 0],
}

/// Opaque C handle of a watcher (objStore_Watch), freed with
/// objStoreWatcher_Destroy.
pub struct objStoreWatcher {
    _private: [u8; 0],
}

/// An object store's configuration; set up with objStoreConfig_Init. The
/// struct never owns what its pointers point to.
#[repr(C)]
pub struct objStoreConfig {
    /// The store's name (required).
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    /// How long objects are kept, milliseconds (0: forever).
    pub TTL: i64,
    /// The store's size limit in bytes (0 or -1: none).
    pub MaxBytes: i64,
    pub Storage: jsStorageType,
    pub Replicas: c_int,
    pub Placement: *mut jsPlacement,
    /// Compress the stream (S2).
    pub Compression: bool,
    pub Metadata: natsMetadata,
}

/// Names of object stores (js_ObjectStoreNames), freed with
/// objStoreNamesList_Destroy.
#[repr(C)]
pub struct objStoreNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// A store's status (objStore_Status, js_ObjectStoreStatuses), freed with
/// objStoreStatus_Destroy (strings and stream info included).
#[repr(C)]
pub struct objStoreStatus {
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    /// How long objects are kept, milliseconds (0: forever).
    pub TTL: i64,
    pub Storage: jsStorageType,
    pub Replicas: c_int,
    /// The store refuses changes.
    pub Sealed: bool,
    /// Bytes stored.
    pub Size: u64,
    /// "JetStream".
    pub BackingStore: *const c_char,
    pub Metadata: natsMetadata,
    /// The stream's info.
    pub StreamInfo: *mut jsStreamInfo,
    pub IsCompressed: bool,
}

/// Statuses of object stores (js_ObjectStoreStatuses), freed with
/// objStoreStatusesList_Destroy.
#[repr(C)]
pub struct objStoreStatusesList {
    pub List: *mut *mut objStoreStatus,
    pub Count: c_int,
}

/// A link to an object (`Name` set) or to a whole store.
#[repr(C)]
pub struct objStoreLink {
    pub Bucket: *const c_char,
    pub Name: *const c_char,
}

#[repr(C)]
pub struct objStoreMetaOptions {
    /// What the object links to (NULL: it is an object of its own).
    pub Link: *mut objStoreLink,
    /// The chunk size, bytes (0: 128 KiB).
    pub ChunkSize: u32,
}

/// What a program says about an object (objStore_Put, UpdateMeta); set up
/// with objStoreMeta_Init. Never owns what its pointers point to.
#[repr(C)]
pub struct objStoreMeta {
    /// The object's name (required).
    pub Name: *const c_char,
    pub Description: *const c_char,
    /// Headers stored with the object (NULL: none).
    pub Headers: *mut natsHeader,
    pub Metadata: natsMetadata,
    pub Opts: objStoreMetaOptions,
}

/// An object's info (objStore_GetInfo, objStoreGet_Info, ...), freed with
/// objStoreInfo_Destroy unless a call says the info is lent.
#[repr(C)]
pub struct objStoreInfo {
    pub Meta: objStoreMeta,
    pub Bucket: *const c_char,
    /// The object's unique id (its chunks' subject).
    pub NUID: *const c_char,
    pub Size: u64,
    /// Last modified, UTC nanoseconds.
    pub ModTime: i64,
    pub Chunks: u32,
    /// `SHA-256=<base64url>`.
    pub Digest: *const c_char,
    pub Deleted: bool,
}

/// Infos of a store's objects (objStore_List), freed with
/// objStoreInfoList_Destroy.
#[repr(C)]
pub struct objStoreInfoList {
    pub List: *mut *mut objStoreInfo,
    pub Count: c_int,
}

/// Options of objStore_GetInfo, objStore_Get...; set up with
/// objStoreOptions_Init.
#[repr(C)]
pub struct objStoreOptions {
    /// Report a deleted object's info instead of NATS_NOT_FOUND.
    pub ShowDeleted: bool,
}

/// Options of objStore_Watch; set up with objStoreWatchOptions_Init.
#[repr(C)]
pub struct objStoreWatchOptions {
    /// Deleted objects are not reported.
    pub IgnoreDeletes: bool,
    /// Only changes after the watcher started.
    pub UpdatesOnly: bool,
}
