//! An object's info and what changes it without touching its data: read
//! it (the last message on its meta subject), update its meta (rename
//! included), delete it, link to it or to a bucket; and sealing a store.
use crate::client::{ErrorKind, Message};
use crate::jetstream::msg_get::DirectGetOptions;
use crate::jetstream::pub_options::PubOptions;
use crate::jetstream::stream::PurgeOptions;
use crate::jetstream::{JsError, JsResult};

use super::{ObjStore, ObjectInfo, ObjectLink, ObjectMeta};

/// nats.c's error texts (object.h).
pub const ERR_BAD_OBJECT_META: &str = "object-store meta information invalid";
pub const ERR_NAME_IS_REQUIRED: &str = "name is required";
pub const ERR_UPDATE_META_DELETED: &str = "cannot update meta for a deleted or not found object";
pub const ERR_OBJECT_ALREADY_EXISTS: &str = "an object already exists with that name";
pub const ERR_NO_LINK_TO_DELETED: &str = "not allowed to link to a deleted object";
pub const ERR_NO_LINK_TO_LINK: &str = "not allowed to link to another link";

/// The header that has the server keep only the newest message of a
/// subject (an object's info).
const ROLLUP_HEADER: &str = "Nats-Rollup";

/// An info message's payload, read as ADR-20 writes it.
pub(crate) fn parse_info(data: &[u8]) -> JsResult<ObjectInfo> {
    serde_json::from_slice(data)
        .map_err(|e| JsError::new(ErrorKind::Err, format!("{ERR_BAD_OBJECT_META}: {e}")))
}

/// Now, UTC nanoseconds (0 if the clock is before 1970).
fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn illegal(text: &str) -> JsError {
    JsError::new(ErrorKind::IllegalState, text)
}

impl ObjStore {
    /// The info of object `name`, its time the info message's. `NotFound`
    /// when there is none, or (unless `show_deleted`) it was deleted.
    pub(crate) fn info(&self, name: &str, show_deleted: bool) -> JsResult<ObjectInfo> {
        if name.is_empty() {
            return Err(JsError::invalid_arg(ERR_NAME_IS_REQUIRED));
        }
        let opts = DirectGetOptions {
            last_by_subject: self.meta_subject(name),
            ..DirectGetOptions::default()
        };
        let msg = self.js.direct_get_msg(&self.stream, &opts)?;
        let mut info = parse_info(msg.data())?;
        info.mtime = msg.time();
        if info.deleted && !show_deleted {
            return Err(JsError::new(
                ErrorKind::NotFound,
                format!("object '{name}' was deleted"),
            ));
        }
        Ok(info)
    }

    /// Publishes `info` as the only message of its name's meta subject
    /// (no time is stored: the message has one). Returns the info with
    /// the time set to now, as nats.c hands it back.
    pub(crate) fn publish_meta(&self, mut info: ObjectInfo) -> JsResult<ObjectInfo> {
        info.mtime = 0;
        let body = serde_json::to_vec(&info)
            .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the info: {e}")))?;
        let subject = self.meta_subject(&info.meta.name);
        let mut msg = Message::try_new(subject.as_bytes(), None, &body)?;
        msg.headers_mut()?.set(ROLLUP_HEADER, "sub");
        self.js.publish_msg(&mut msg, &PubOptions::default())?;
        info.mtime = now_nanos();
        Ok(info)
    }

    /// Replaces the meta of object `name` (which must exist, not deleted)
    /// with `meta`: its name, description, headers and metadata (chunk size
    /// and link stay). A new name must not be an existing object's; the
    /// info then moves to the new name.
    pub fn update_meta(&self, name: &str, meta: &ObjectMeta) -> JsResult<()> {
        if meta.name.is_empty() {
            return Err(JsError::invalid_arg(ERR_NAME_IS_REQUIRED));
        }
        let mut info = match self.info(name, false) {
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(illegal(ERR_UPDATE_META_DELETED))
            }
            r => r?,
        };
        let renamed = name != meta.name;
        if renamed {
            match self.info(&meta.name, true) {
                Ok(existing) if !existing.deleted => {
                    return Err(illegal(ERR_OBJECT_ALREADY_EXISTS))
                }
                Err(e) if e.kind != ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        info.meta.name = meta.name.clone();
        info.meta.description = meta.description.clone();
        info.meta.headers = meta.headers.clone();
        info.meta.metadata = meta.metadata.clone();
        self.publish_meta(info)?;
        if renamed {
            self.purge_subject(self.meta_subject(name))?;
        }
        Ok(())
    }

    fn purge_subject(&self, subject: String) -> JsResult<()> {
        let opts = PurgeOptions {
            subject,
            ..PurgeOptions::default()
        };
        self.js.purge_stream(&self.stream, &opts).map(drop)
    }

    /// Deletes object `name`: its info becomes a deleted marker (no size,
    /// chunks or digest), then its chunks are purged. `NotFound` when
    /// there is no such object (or it is deleted already).
    pub fn delete(&self, name: &str) -> JsResult<()> {
        let mut info = self.info(name, false)?;
        if info.nuid.is_empty() {
            return Err(illegal(ERR_BAD_OBJECT_META));
        }
        info.deleted = true;
        info.size = 0;
        info.chunks = 0;
        info.digest.clear();
        let nuid = info.nuid.clone();
        self.publish_meta(info)?;
        self.purge_subject(self.chunk_subject(&nuid))
    }

    /// Makes `name` a link to `target` (an object's info) in this store.
    /// A deleted object or a link cannot be linked to.
    pub fn add_link(&self, name: &str, target: &ObjectInfo) -> JsResult<ObjectInfo> {
        if target.meta.name.is_empty() {
            return Err(JsError::invalid_arg(ERR_NAME_IS_REQUIRED));
        }
        if target.deleted {
            return Err(illegal(ERR_NO_LINK_TO_DELETED));
        }
        if target.is_link() {
            return Err(illegal(ERR_NO_LINK_TO_LINK));
        }
        self.put_link(
            name,
            ObjectLink {
                bucket: target.bucket.clone(),
                name: target.meta.name.clone(),
            },
        )
    }

    /// Makes `name` a link to the whole store `bucket`.
    pub fn add_bucket_link(&self, name: &str, bucket: &ObjStore) -> JsResult<ObjectInfo> {
        self.put_link(
            name,
            ObjectLink {
                bucket: bucket.name.clone(),
                name: String::new(),
            },
        )
    }

    /// A link may replace a link, never an object (deleted or not, as in
    /// nats.c).
    fn put_link(&self, name: &str, link: ObjectLink) -> JsResult<ObjectInfo> {
        match self.info(name, true) {
            Ok(existing) if !existing.is_link() => return Err(illegal(ERR_OBJECT_ALREADY_EXISTS)),
            Err(e) if e.kind != ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut info = ObjectInfo {
            bucket: self.name.clone(),
            nuid: crate::proto::nuid::next_global(),
            ..ObjectInfo::default()
        };
        info.meta.name = name.to_string();
        info.meta.options.link = Some(link);
        self.publish_meta(info)
    }
}
