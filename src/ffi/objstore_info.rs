//! `objStoreInfo` and `objStoreMeta` across the boundary: an info handed to
//! C is one tree (strings, the natsHeader of its headers, metadata, link)
//! freed by objStoreInfo_Destroy; a meta the user filled in is read into
//! an `ObjectMeta`, its pointers borrowed only for the call.
use std::ptr;

use crate::ffi::boundary::guard_value;
use crate::ffi::c_tree::{free_tree, into_c_tree, read_str, read_str_or_empty, TreeStore};
use crate::ffi::header::natsHeader;
use crate::ffi::js_metadata::{metadata_to_c, read_metadata};
use crate::ffi::js_stream::zero_init;
use crate::ffi::js_types::{
    natsMetadata, objStoreInfo, objStoreLink, objStoreMeta, objStoreMetaOptions,
};
use crate::ffi::natsStatus;
use crate::jetstream::objstore::{ObjectInfo, ObjectLink, ObjectMeta, ObjectMetaOptions};
use crate::jetstream::{JsError, JsResult};
use crate::proto::headers::Headers;

/// The C tree of `info`, freed with objStoreInfo_Destroy. Absent strings
/// are NULL, as nats.c leaves fields missing from the JSON; so are empty
/// headers and a missing link.
pub(crate) fn info_to_c(info: &ObjectInfo) -> *mut objStoreInfo {
    let mut st = TreeStore::default();
    let meta = meta_to_c(&mut st, &info.meta);
    let root = objStoreInfo {
        Meta: meta,
        Bucket: st.str_or_null(&info.bucket),
        NUID: st.str_or_null(&info.nuid),
        Size: info.size,
        ModTime: info.mtime,
        Chunks: info.chunks,
        Digest: st.str_or_null(&info.digest),
        Deleted: info.deleted,
    };
    into_c_tree(root, st)
}

fn meta_to_c(st: &mut TreeStore, m: &ObjectMeta) -> objStoreMeta {
    let headers = if m.headers.is_empty() {
        ptr::null_mut()
    } else {
        let mut h = Headers::new();
        for (k, values) in &m.headers {
            for v in values {
                h.add(k, v);
            }
        }
        st.boxed(natsHeader::from_headers(h))
    };
    let metadata: natsMetadata = metadata_to_c(st, &m.metadata);
    let link = match &m.options.link {
        None => ptr::null_mut(),
        Some(l) => {
            let link = objStoreLink {
                Bucket: st.str_or_null(&l.bucket),
                Name: st.str_or_null(&l.name),
            };
            st.boxed(link)
        }
    };
    objStoreMeta {
        Name: st.str(&m.name),
        Description: st.str_or_null(&m.description),
        Headers: headers,
        Metadata: metadata,
        Opts: objStoreMetaOptions {
            Link: link,
            ChunkSize: m.options.max_chunk_size,
        },
    }
}

fn utf8(b: &[u8], what: &str) -> JsResult<String> {
    String::from_utf8(b.to_vec())
        .map_err(|_| JsError::invalid_arg(format!("{what} is not valid UTF-8")))
}

/// What a user's `objStoreMeta` says (the name is not checked here: each
/// call has its own rule). Headers are read from the natsHeader in order.
///
/// # Safety
/// `m`'s strings are NULL or NUL-terminated, `Headers` NULL or a live
/// header map, `Metadata` as `read_metadata` wants, `Opts.Link` NULL or a
/// readable link; all valid for the call.
pub(crate) unsafe fn meta_from_c(m: &objStoreMeta) -> JsResult<ObjectMeta> {
    // SAFETY: per the contract.
    let name = unsafe { read_str_or_empty(m.Name, "Name") }?;
    // SAFETY: per the contract.
    let description = unsafe { read_str_or_empty(m.Description, "Description") }?;
    let mut headers = Vec::new();
    // SAFETY: NULL or a live natsHeader per the contract.
    if let Some(h) = unsafe { m.Headers.as_ref() } {
        for (k, values) in h.headers().iter() {
            let vals = values
                .iter()
                .map(|v| utf8(v, "a header value"))
                .collect::<JsResult<Vec<_>>>()?;
            headers.push((utf8(k, "a header name")?, vals));
        }
    }
    // SAFETY: per the contract.
    let metadata = unsafe { read_metadata(&m.Metadata) }?;
    // SAFETY: NULL or readable per the contract.
    let link = match unsafe { m.Opts.Link.as_ref() } {
        None => None,
        Some(l) => Some(ObjectLink {
            // SAFETY: NULL or NUL-terminated per the contract.
            bucket: unsafe { read_str_or_empty(l.Bucket, "Link.Bucket") }?,
            // SAFETY: as above.
            name: unsafe { read_str(l.Name, "Link.Name") }?.unwrap_or_default(),
        }),
    };
    Ok(ObjectMeta {
        name,
        description,
        headers,
        metadata,
        options: ObjectMetaOptions {
            link,
            max_chunk_size: m.Opts.ChunkSize,
        },
    })
}

/// Frees an info from the library (every string, its headers, metadata and
/// link with it). NULL does nothing. Never pass an info a call lent (as
/// objStoreGet_Info does).
#[no_mangle]
pub unsafe extern "C" fn objStoreInfo_Destroy(info: *mut objStoreInfo) {
    guard_value("objStoreInfo_Destroy", (), || {
        // SAFETY: NULL or an info tree from `info_to_c`, given up here.
        unsafe { free_tree(info) }
    })
}

/// Zeroes a meta before the caller fills it in (no name, description,
/// headers, metadata or link; the default chunk size). The meta never
/// owns what its pointers point to. NATS_INVALID_ARG when `meta` is NULL.
#[no_mangle]
pub unsafe extern "C" fn objStoreMeta_Init(meta: *mut objStoreMeta) -> natsStatus {
    // SAFETY: NULL or writable per the API.
    unsafe { zero_init("objStoreMeta_Init", meta) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{c_char, CStr};

    fn s(p: *const c_char) -> Option<String> {
        // SAFETY: NULL or a string of a live tree.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string())
    }

    #[test]
    fn an_info_tree_reads_back_as_the_meta_it_came_from() {
        let info = ObjectInfo {
            meta: ObjectMeta {
                name: "a b ü".into(),
                description: "d".into(),
                headers: vec![("X".into(), vec!["1".into(), "2".into()])],
                metadata: vec![("k".into(), "v".into())],
                options: ObjectMetaOptions {
                    link: Some(ObjectLink {
                        bucket: "B2".into(),
                        name: String::new(),
                    }),
                    max_chunk_size: 64,
                },
            },
            bucket: "B".into(),
            nuid: "N".into(),
            size: 5,
            mtime: 7,
            chunks: 1,
            digest: String::new(),
            deleted: true,
        };
        let p = info_to_c(&info);
        // SAFETY: `p` is a live tree until destroyed below.
        unsafe {
            let c = &*p;
            assert_eq!(s(c.Meta.Name).as_deref(), Some("a b ü"));
            assert_eq!(s(c.Bucket).as_deref(), Some("B"));
            assert_eq!(s(c.Digest), None);
            assert_eq!((c.Size, c.ModTime, c.Chunks, c.Deleted), (5, 7, 1, true));
            let link = &*c.Meta.Opts.Link;
            assert_eq!(s(link.Bucket).as_deref(), Some("B2"));
            assert_eq!(s(link.Name), None);
            let back = meta_from_c(&c.Meta).unwrap();
            assert_eq!(back, info.meta);
            objStoreInfo_Destroy(p);
            objStoreInfo_Destroy(ptr::null_mut());
        }
    }

    #[test]
    fn a_zeroed_meta_reads_as_empty() {
        // SAFETY: all-zero is a valid objStoreMeta (NULL pointers, 0).
        let mut m: objStoreMeta = unsafe { std::mem::zeroed() };
        // SAFETY: `m` is writable.
        assert_eq!(unsafe { objStoreMeta_Init(&mut m) }, natsStatus::NATS_OK);
        // SAFETY: NULL pointers only.
        assert_eq!(unsafe { meta_from_c(&m) }.unwrap(), ObjectMeta::default());
        // SAFETY: NULL is refused, nothing written.
        let s = unsafe { objStoreMeta_Init(ptr::null_mut()) };
        assert_eq!(s, natsStatus::NATS_INVALID_ARG);
    }
}
