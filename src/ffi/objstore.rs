//! Object store exports but puts, gets and watchers: the option inits,
//! js_CreateObjectStore, js_ObjectStore, js_UpdateObjectStore,
//! js_DeleteObjectStore, js_ObjectStoreNames, js_ObjectStoreStatuses, the
//! objStore calls on an object's info (GetInfo, UpdateMeta, Delete,
//! AddLink, AddBucketLink, List) and on the store (Seal, Status, Destroy),
//! and the list and status destroyers. `jetstream::objstore` does the work.
use std::ffi::{c_char, c_int};
use std::ptr;
use std::sync::Arc;

use crate::ffi::boundary::{clear_error, guard, guard_value, Out};
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str_or_empty, TreeStore};
use crate::ffi::handles::{release, to_c};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_handles::js_ctx;
use crate::ffi::js_metadata::{metadata_to_c, read_metadata};
use crate::ffi::js_stream::zero_init;
use crate::ffi::js_stream_config::{enum_field, read_placement, storage_from_c, storage_to_c};
use crate::ffi::js_stream_info::{free_stream_info, stream_info_to_c};
use crate::ffi::js_types::{
    jsCtx, objStore, objStoreConfig, objStoreInfo, objStoreInfoList, objStoreMeta,
    objStoreNamesList, objStoreOptions, objStoreStatus, objStoreStatusesList, objStoreWatchOptions,
};
use crate::ffi::natsStatus;
use crate::ffi::objstore_handles::obj_ref;
use crate::ffi::objstore_info::{info_to_c, meta_from_c};
use crate::jetstream::objstore::{ObjStore, ObjStoreConfig, ObjStoreStatus, ObjectInfo};
use crate::jetstream::{JsError, JsResult};

/// Runs an object store export's body. "Not found" (no store, no object)
/// is told by the status alone, as in nats.c: the last error is cleared.
pub(crate) fn obs_guard(func: &'static str, f: impl FnOnce() -> JsResult<()>) -> natsStatus {
    let s = guard(func, || f().map_err(|e| e.at(func).into_client()));
    if s == natsStatus::NATS_NOT_FOUND {
        clear_error();
    }
    s
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn name_arg(p: *const c_char, what: &str) -> JsResult<String> {
    // SAFETY: per the contract; NULL reads as empty, which calls refuse.
    Ok(unsafe { read_str_or_empty(p, what) }?)
}

/// `opts->ShowDeleted` (NULL: false).
///
/// # Safety
/// `p` is NULL or a readable `objStoreOptions`.
pub(crate) unsafe fn show_deleted(p: *const objStoreOptions) -> bool {
    // SAFETY: per the contract.
    unsafe { p.as_ref() }.is_some_and(|o| o.ShowDeleted)
}

/// Copies what the user filled in (nothing of it is kept).
///
/// # Safety
/// `c`'s pointers are NULL or valid, its strings NUL-terminated.
unsafe fn read_config(c: &objStoreConfig) -> JsResult<ObjStoreConfig> {
    // SAFETY: every pointer per the contract.
    unsafe {
        let placement = match c.Placement.as_ref() {
            Some(p) => Some(read_placement(p)?),
            None => None,
        };
        Ok(ObjStoreConfig {
            bucket: read_str_or_empty(c.Bucket, "Bucket")?,
            description: read_str_or_empty(c.Description, "Description")?,
            // C's TTL is in milliseconds.
            ttl: c.TTL.saturating_mul(1_000_000),
            max_bytes: c.MaxBytes,
            storage: storage_from_c(enum_field(&c.Storage, "storage type")?),
            replicas: i64::from(c.Replicas),
            placement,
            compression: c.Compression,
            metadata: read_metadata(&c.Metadata)?,
        })
    }
}

/// Zeroes a store configuration (no TTL or size limit, file storage, one
/// replica, no compression). NATS_INVALID_ARG when `cfg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn objStoreConfig_Init(cfg: *mut objStoreConfig) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("objStoreConfig_Init", cfg) }
}

/// Zeroes the options of GetInfo, Get and List (deleted objects are not
/// shown). NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn objStoreOptions_Init(opts: *mut objStoreOptions) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("objStoreOptions_Init", opts) }
}

/// Zeroes watch options (deletes reported, current infos first).
/// NATS_INVALID_ARG when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn objStoreWatchOptions_Init(opts: *mut objStoreWatchOptions) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("objStoreWatchOptions_Init", opts) }
}

/// # Safety
/// The arguments of js_CreateObjectStore.
unsafe fn add_or_update(
    func: &'static str,
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    cfg: *mut objStoreConfig,
    update: bool,
) -> natsStatus {
    obs_guard(func, || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_obs, "the store out-parameter")?;
            let ctx = js_ctx(js)?;
            let cfg = cfg
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("the store configuration is NULL"))?;
            let cfg = read_config(cfg)?;
            let os = if update {
                ctx.js.update_object_store(&cfg)?
            } else {
                ctx.js.create_object_store(&cfg)?
            };
            out.set(to_c::<objStore>(Arc::new(os)));
            Ok(())
        }
    })
}

/// Creates the store `cfg` describes (its stream `OBJ_<Bucket>`); the same
/// configuration again just opens it. `cfg` is only read. On NATS_OK
/// `*new_obs` is the caller's, freed with objStore_Destroy (the store
/// stays on the server). NATS_INVALID_ARG for NULL arguments or a bucket
/// name outside `A-Za-z0-9_-`; NATS_ERR when a store of that name has
/// another configuration.
#[no_mangle]
pub unsafe extern "C" fn js_CreateObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    cfg: *mut objStoreConfig,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { add_or_update("js_CreateObjectStore", new_obs, js, cfg, false) }
}

/// Changes an existing store's configuration. On NATS_OK `*new_obs` is the
/// caller's, freed with objStore_Destroy. NATS_NOT_FOUND when there is no
/// such store.
#[no_mangle]
pub unsafe extern "C" fn js_UpdateObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    cfg: *mut objStoreConfig,
) -> natsStatus {
    // SAFETY: arguments per the API.
    unsafe { add_or_update("js_UpdateObjectStore", new_obs, js, cfg, true) }
}

/// Opens the existing store `bucket`. On NATS_OK `*new_obs` is the
/// caller's, freed with objStore_Destroy. NATS_NOT_FOUND (no last error)
/// when there is none; NATS_INVALID_ARG for NULL arguments or an invalid
/// name.
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    bucket: *const c_char,
) -> natsStatus {
    obs_guard("js_ObjectStore", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_obs, "the store out-parameter")?;
            let ctx = js_ctx(js)?;
            let bucket = name_arg(bucket, "the bucket")?;
            out.set(to_c::<objStore>(Arc::new(ctx.js.object_store(&bucket)?)));
            Ok(())
        }
    })
}

/// Deletes the store `bucket` and every object in it. Open handles stay
/// to be destroyed. NATS_NOT_FOUND (no last error) when there is none.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteObjectStore(js: *mut jsCtx, bucket: *const c_char) -> natsStatus {
    obs_guard("js_DeleteObjectStore", || {
        // SAFETY: arguments per the API.
        unsafe {
            let ctx = js_ctx(js)?;
            ctx.js.delete_object_store(&name_arg(bucket, "the bucket")?)
        }
    })
}

/// Frees a store handle (NULL does nothing); the store stays on the
/// server. Puts, gets and watchers made from it keep working until they
/// are destroyed themselves.
#[no_mangle]
pub unsafe extern "C" fn objStore_Destroy(obs: *mut objStore) {
    guard_value("objStore_Destroy", (), || {
        // SAFETY: NULL or a live handle, given up here.
        drop(unsafe { release::<objStore>(obs) });
    })
}

/// Stores the names of the object stores in `*list`, the caller's to free
/// with objStoreNamesList_Destroy. NATS_NOT_FOUND (no last error) when
/// there is none.
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStoreNames(
    list: *mut *mut objStoreNamesList,
    js: *mut jsCtx,
) -> natsStatus {
    obs_guard("js_ObjectStoreNames", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(list, "the list out-parameter")?;
            let names = js_ctx(js)?.js.object_store_names()?;
            let mut st = TreeStore::default();
            let root = objStoreNamesList {
                Count: c_int_len(names.len()),
                List: st.str_array(&names).cast::<*mut c_char>(),
            };
            out.set(into_c_tree(root, st));
            Ok(())
        }
    })
}

/// Frees a list from js_ObjectStoreNames, names included (NULL does
/// nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreNamesList_Destroy(list: *mut objStoreNamesList) {
    guard_value("objStoreNamesList_Destroy", (), || {
        // SAFETY: NULL or a list tree from js_ObjectStoreNames.
        unsafe { free_tree(list) }
    })
}

/// A status tree; its stream info is a tree of its own, freed with it.
fn status_to_c(s: &ObjStoreStatus) -> *mut objStoreStatus {
    let mut st = TreeStore::default();
    let root = objStoreStatus {
        Bucket: st.str(&s.bucket),
        Description: st.str_or_null(s.description()),
        // C's TTL is in milliseconds.
        TTL: s.ttl() / 1_000_000,
        Storage: storage_to_c(s.info.config.storage),
        Replicas: c_int::try_from(s.replicas()).unwrap_or(c_int::MAX),
        Sealed: s.sealed(),
        Size: s.size(),
        BackingStore: st.str("JetStream"),
        Metadata: metadata_to_c(&mut st, &s.info.config.metadata),
        StreamInfo: stream_info_to_c(&s.info),
        IsCompressed: s.is_compressed(),
    };
    into_c_tree(root, st)
}

/// # Safety
/// `p` is NULL or a tree from [`status_to_c`], not yet freed.
unsafe fn free_status(p: *mut objStoreStatus) {
    // SAFETY: NULL or a live status per the contract.
    if let Some(s) = unsafe { p.as_ref() } {
        // SAFETY: its stream info is a tree of its own.
        unsafe { free_stream_info(s.StreamInfo) };
    }
    // SAFETY: per the contract.
    unsafe { free_tree(p) }
}

/// Stores the statuses of the object stores in `*list`, the caller's to
/// free with objStoreStatusesList_Destroy. NATS_NOT_FOUND (no last error)
/// when there is none.
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStoreStatuses(
    list: *mut *mut objStoreStatusesList,
    js: *mut jsCtx,
) -> natsStatus {
    obs_guard("js_ObjectStoreStatuses", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(list, "the list out-parameter")?;
            let statuses = js_ctx(js)?.js.object_store_statuses()?;
            let mut st = TreeStore::default();
            let items: Vec<*mut objStoreStatus> = statuses.iter().map(status_to_c).collect();
            let root = objStoreStatusesList {
                Count: c_int_len(items.len()),
                List: st.array(items),
            };
            out.set(into_c_tree(root, st));
            Ok(())
        }
    })
}

/// Frees a status (its strings and stream info with it); NULL does
/// nothing.
#[no_mangle]
pub unsafe extern "C" fn objStoreStatus_Destroy(status: *mut objStoreStatus) {
    guard_value("objStoreStatus_Destroy", (), || {
        // SAFETY: NULL or a status from the library, given up here.
        unsafe { free_status(status) }
    })
}

/// Frees a list from js_ObjectStoreStatuses and every status in it (NULL
/// does nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreStatusesList_Destroy(list: *mut objStoreStatusesList) {
    guard_value("objStoreStatusesList_Destroy", (), || {
        // SAFETY: NULL or a list tree whose entries are status trees.
        unsafe {
            if let Some(l) = list.as_ref() {
                for i in 0..usize::try_from(l.Count).unwrap_or(0) {
                    free_status(*l.List.add(i));
                }
            }
            free_tree(list)
        }
    })
}

/// Stores the store's status in `*new_sts`, the caller's to free with
/// objStoreStatus_Destroy. NATS_NOT_FOUND (no last error) when the store
/// is gone.
#[no_mangle]
pub unsafe extern "C" fn objStore_Status(
    new_sts: *mut *mut objStoreStatus,
    obs: *mut objStore,
) -> natsStatus {
    obs_guard("objStore_Status", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_sts, "the status out-parameter")?;
            out.set(status_to_c(&obj_ref(obs)?.status()?));
            Ok(())
        }
    })
}

/// Seals the store: from now on the server refuses every change (puts,
/// deletes, meta updates). NATS_NOT_FOUND when the store is gone.
#[no_mangle]
pub unsafe extern "C" fn objStore_Seal(obs: *mut objStore) -> natsStatus {
    obs_guard("objStore_Seal", || {
        // SAFETY: NULL or a live handle per the API.
        unsafe { obj_ref(obs) }?.seal()
    })
}

/// Stores the info of object `name` in `*new_info`, the caller's to free
/// with objStoreInfo_Destroy. NATS_NOT_FOUND (no last error) when there is
/// no such object, or it was deleted and `opts` (may be NULL) does not ask
/// for ShowDeleted.
#[no_mangle]
pub unsafe extern "C" fn objStore_GetInfo(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_GetInfo", || {
        // SAFETY: arguments per the API.
        unsafe {
            let os = obj_ref(obs)?;
            let mut out = Out::new(new_info, "the info out-parameter")?;
            let info = os.info(&name_arg(name, "the name")?, show_deleted(opts))?;
            out.set(info_to_c(&info));
            Ok(())
        }
    })
}

/// Replaces the name, description, headers and metadata of object `name`
/// with those of `meta` (only read). A new name renames the object; it
/// must not be an existing object's (NATS_ILLEGAL_STATE). Updating a
/// deleted or missing object is NATS_ILLEGAL_STATE.
#[no_mangle]
pub unsafe extern "C" fn objStore_UpdateMeta(
    obs: *mut objStore,
    name: *const c_char,
    meta: *mut objStoreMeta,
) -> natsStatus {
    obs_guard("objStore_UpdateMeta", || {
        // SAFETY: arguments per the API.
        unsafe {
            let os = obj_ref(obs)?;
            let meta = meta
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("the meta is NULL"))?;
            let meta = meta_from_c(meta)?;
            os.update_meta(&name_arg(name, "the name")?, &meta)
        }
    })
}

/// Deletes object `name`: its data is purged, its info stays as a deleted
/// marker. NATS_NOT_FOUND (no last error) when there is no such object.
#[no_mangle]
pub unsafe extern "C" fn objStore_Delete(obs: *mut objStore, name: *const c_char) -> natsStatus {
    obs_guard("objStore_Delete", || {
        // SAFETY: arguments per the API.
        unsafe { obj_ref(obs)?.delete(&name_arg(name, "the name")?) }
    })
}

/// Hands a link's info to C if asked for.
fn link_out(out: &mut Out<'_, *mut objStoreInfo>, info: JsResult<ObjectInfo>) -> JsResult<()> {
    out.set(info_to_c(&info?));
    Ok(())
}

/// Makes `name` a link to the object `obj` describes (an info from this
/// or another store, only read). `new_info` (may be NULL) gets the link's
/// info, the caller's to free with objStoreInfo_Destroy.
/// NATS_ILLEGAL_STATE when `obj` is deleted or a link, or `name` is an
/// object (a link of that name is replaced).
#[no_mangle]
pub unsafe extern "C" fn objStore_AddLink(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    obj: *mut objStoreInfo,
) -> natsStatus {
    obs_guard("objStore_AddLink", || {
        // SAFETY: arguments per the API.
        unsafe {
            let os = obj_ref(obs)?;
            let obj = obj
                .as_ref()
                .ok_or_else(|| JsError::invalid_arg("the object's info is NULL"))?;
            let target = ObjectInfo {
                meta: meta_from_c(&obj.Meta)?,
                bucket: name_arg(obj.Bucket, "the object's bucket")?,
                deleted: obj.Deleted,
                ..ObjectInfo::default()
            };
            let mut out = Out::optional(new_info);
            out.set(ptr::null_mut());
            link_out(&mut out, os.add_link(&name_arg(name, "the name")?, &target))
        }
    })
}

/// Makes `name` a link to the whole store `bucket`. `new_info` (may be
/// NULL) gets the link's info, the caller's to free with
/// objStoreInfo_Destroy. NATS_ILLEGAL_STATE when `name` is an object.
#[no_mangle]
pub unsafe extern "C" fn objStore_AddBucketLink(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    bucket: *mut objStore,
) -> natsStatus {
    obs_guard("objStore_AddBucketLink", || {
        // SAFETY: arguments per the API.
        unsafe {
            let os = obj_ref(obs)?;
            let target: &ObjStore = obj_ref(bucket)?;
            let mut out = Out::optional(new_info);
            out.set(ptr::null_mut());
            link_out(
                &mut out,
                os.add_bucket_link(&name_arg(name, "the name")?, target),
            )
        }
    })
}

/// Stores the infos of the store's objects in `*new_list`, the caller's to
/// free with objStoreInfoList_Destroy; deleted objects only when `opts`
/// (may be NULL) asks for ShowDeleted. NATS_NOT_FOUND (no last error) when
/// there is none.
#[no_mangle]
pub unsafe extern "C" fn objStore_List(
    new_list: *mut *mut objStoreInfoList,
    obs: *mut objStore,
    opts: *mut objStoreOptions,
) -> natsStatus {
    obs_guard("objStore_List", || {
        // SAFETY: arguments per the API.
        unsafe {
            let mut out = Out::new(new_list, "the list out-parameter")?;
            let infos = obj_ref(obs)?.list(show_deleted(opts))?;
            let mut st = TreeStore::default();
            let items: Vec<*mut objStoreInfo> = infos.iter().map(info_to_c).collect();
            let root = objStoreInfoList {
                Count: c_int_len(items.len()),
                List: st.array(items),
            };
            out.set(into_c_tree(root, st));
            Ok(())
        }
    })
}

/// Frees a list from objStore_List and every info in it (NULL does
/// nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreInfoList_Destroy(list: *mut objStoreInfoList) {
    guard_value("objStoreInfoList_Destroy", (), || {
        // SAFETY: NULL or a list tree whose entries are info trees.
        unsafe {
            if let Some(l) = list.as_ref() {
                for i in 0..usize::try_from(l.Count).unwrap_or(0) {
                    free_tree(*l.List.add(i));
                }
            }
            free_tree(list)
        }
    })
}
