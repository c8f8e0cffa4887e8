//! Getting an object (nats.c's `objStore_Get` and `objStoreGet_*`): the
//! info by direct get of the name's last info message, links to objects
//! followed, then the chunks through an ordered consumer on the object's
//! chunk subject. Flow control is answered as the reader takes chunks, so
//! the server never runs far ahead of it.
//!
//! The bytes are checked as they come: no chunk may go past the size the
//! info gives, the last one must come when the stream says nothing more
//! is pending, and the SHA-256 of them all must be the info's digest. A
//! failed check is an error, and the chunk that revealed it is not handed
//! out.
use std::time::{Duration, Instant};

use crate::client::{ErrorKind, Message, Subscription};
use crate::jetstream::consume::{self, metadata::parse_metadata, options::SubOptions, push};
use crate::jetstream::error::{JsError, JsResult};

use super::digest::Digest;
use super::manage::ERR_BAD_OBJECT_META as ERR_BAD_META;
use super::{ObjStore, ObjectInfo};

/// nats.c's error texts.
pub const ERR_CANT_GET_BUCKET: &str = "invalid get operation, object is a link to a bucket";
pub const ERR_DIGEST_MISMATCH: &str = "received a corrupt object, digests do not match";
pub const ERR_READ_COMPLETE: &str = "no more data to read from the object";

/// Links followed at most, in case stored infos link in a circle.
const MAX_LINK_DEPTH: usize = 8;

impl ObjStore {
    /// Opens object `name` for reading, following links to objects (in
    /// this bucket or another). A deleted object is `NotFound` unless
    /// `show_deleted`. The store's wait bounds the lookups.
    pub fn get(&self, name: &str, show_deleted: bool) -> JsResult<ObjectGet> {
        let start = Instant::now();
        let wait = self.js.options().wait;
        let mut store = self.clone();
        let mut name = name.to_string();
        for _ in 0..MAX_LINK_DEPTH {
            let info = store
                .info(&name, show_deleted)
                .map_err(|e| e.at("objStore_Get"))?;
            let Some(link) = info.meta.options.link.clone() else {
                return ObjectGet::open(&store, info, wait.saturating_sub(start.elapsed()));
            };
            if link.name.is_empty() {
                return Err(JsError::new(ErrorKind::IllegalState, ERR_CANT_GET_BUCKET));
            }
            if link.bucket.is_empty() {
                return Err(JsError::new(ErrorKind::IllegalState, ERR_BAD_META));
            }
            if link.bucket != store.name {
                store = ObjStore::new(store.js.clone(), &link.bucket);
            }
            name = link.name;
        }
        Err(JsError::new(
            ErrorKind::IllegalState,
            "too many links to follow",
        ))
    }
}

impl ObjStore {
    /// Object `name`'s bytes in one buffer (`objStore_GetBytes`), all
    /// within the context's wait.
    pub fn get_bytes(&self, name: &str, show_deleted: bool) -> JsResult<Vec<u8>> {
        let start = Instant::now();
        let mut get = self.get(name, show_deleted)?;
        get.read_all(self.js.options().wait.saturating_sub(start.elapsed()))
    }

    /// Writes object `name` into file `path`, created or truncated
    /// (`objStore_GetFile`); on any failure the file is removed, so a
    /// corrupt object never stays on disk. All within the context's wait.
    pub fn get_file(&self, name: &str, path: &str, show_deleted: bool) -> JsResult<()> {
        if path.is_empty() {
            return Err(JsError::invalid_arg("the file name is required"));
        }
        let start = Instant::now();
        let file_err = |what: &str, e: std::io::Error| {
            JsError::new(ErrorKind::Err, format!("error {what} file '{path}': {e}"))
        };
        let mut f = std::fs::File::create(path).map_err(|e| file_err("opening", e))?;
        let r = self.get(name, show_deleted).and_then(|mut get| {
            let left = self.js.options().wait.saturating_sub(start.elapsed());
            get.read_all_with(left, |b| {
                std::io::Write::write_all(&mut f, b).map_err(|e| file_err("writing into", e))
            })
        });
        drop(f);
        if r.is_err() {
            let _ = std::fs::remove_file(path);
        }
        r
    }
}

/// An object being read: its info, then its bytes chunk by chunk.
pub struct ObjectGet {
    info: ObjectInfo,
    /// None for an empty object.
    sub: Option<Subscription>,
    remaining: u64,
    digest: Digest,
    done: bool,
}

impl ObjectGet {
    fn open(store: &ObjStore, info: ObjectInfo, wait: Duration) -> JsResult<ObjectGet> {
        if info.nuid.is_empty() {
            return Err(JsError::new(ErrorKind::IllegalState, ERR_BAD_META));
        }
        let mut get = ObjectGet {
            remaining: info.size,
            sub: None,
            digest: Digest::default(),
            done: false,
            info,
        };
        if get.remaining == 0 {
            return Ok(get);
        }
        if wait.is_zero() {
            return Err(JsError::new(ErrorKind::Timeout, "timeout"));
        }
        let so = SubOptions {
            ordered: true,
            stream: store.stream.clone(),
            ..SubOptions::default()
        };
        let js = store.js.with_call("", "", Some(wait));
        let subject = store.chunk_subject(&get.info.nuid);
        let sub = push::subscribe(&js, &[subject], None, &so)?;
        // Flow control, not a pending limit, paces the server: a limit
        // would drop chunks and make the ordered consumer start over.
        let limits = sub.set_pending_limits(None, None);
        get.sub = Some(sub);
        limits?;
        Ok(get)
    }

    /// The object's info (for a link, the linked object's).
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// Whether all the bytes were read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next chunk, waiting up to `timeout` for it, and whether it is
    /// the last. An empty object gives `None` and done at once. After
    /// the last chunk: `IllegalState`.
    pub fn read(&mut self, timeout: Duration) -> JsResult<(Option<Message>, bool)> {
        if self.done {
            return Err(JsError::new(ErrorKind::IllegalState, ERR_READ_COMPLETE));
        }
        if self.remaining == 0 {
            self.finish()?;
            return Ok((None, true));
        }
        let Some(sub) = &self.sub else {
            return Err(JsError::new(ErrorKind::IllegalState, "no subscription"));
        };
        let msg = sub.next_msg(timeout)?;
        let len = msg.data().len() as u64;
        if len > self.remaining {
            return Err(self.corrupt(format!(
                "expected remaining {} bytes, got {len}",
                self.remaining
            )));
        }
        self.digest.update(msg.data());
        self.remaining -= len;
        if self.remaining == 0 {
            self.finish()?;
        } else if msg
            .reply()
            .and_then(|r| parse_metadata(r).ok())
            .is_some_and(|m| m.num_pending == 0)
        {
            return Err(self.corrupt(format!(
                "the stream holds {} bytes fewer than the object's size",
                self.remaining
            )));
        }
        Ok((Some(msg), self.done))
    }

    /// The remaining bytes, each chunk handed to `sink` in order, all
    /// within `timeout`. The last chunk is handed over only once the
    /// digest is verified.
    pub fn read_all_with(
        &mut self,
        timeout: Duration,
        mut sink: impl FnMut(&[u8]) -> JsResult<()>,
    ) -> JsResult<()> {
        let start = Instant::now();
        if self.done {
            return Err(JsError::new(ErrorKind::IllegalState, ERR_READ_COMPLETE));
        }
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(JsError::new(ErrorKind::Timeout, "timeout"));
            }
            let (msg, done) = self.read(left)?;
            if let Some(m) = msg {
                sink(m.data())?;
            }
            if done {
                return Ok(());
            }
        }
    }

    /// The remaining bytes in one buffer, grown as they arrive.
    pub fn read_all(&mut self, timeout: Duration) -> JsResult<Vec<u8>> {
        let mut out = Vec::new();
        self.read_all_with(timeout, |b| {
            out.try_reserve(b.len())
                .map_err(|_| JsError::new(ErrorKind::NoMemory, "no memory for the object"))?;
            out.extend_from_slice(b);
            Ok(())
        })?;
        Ok(out)
    }

    fn finish(&mut self) -> JsResult<()> {
        // Done either way: a bad object is not read again.
        self.done = true;
        self.stop();
        // A deleted object keeps no digest (nats.c and nats.go clear it).
        let no_digest = self.info.size == 0 && self.info.digest.is_empty();
        if no_digest || self.digest.matches(&self.info.digest) {
            Ok(())
        } else {
            Err(JsError::new(ErrorKind::Err, ERR_DIGEST_MISMATCH))
        }
    }

    fn corrupt(&mut self, text: String) -> JsError {
        self.done = true;
        self.stop();
        JsError::new(ErrorKind::IllegalState, text)
    }

    fn stop(&mut self) {
        if let Some(sub) = self.sub.take() {
            let _ = consume::unsubscribe(&sub);
        }
    }
}

impl Drop for ObjectGet {
    fn drop(&mut self) {
        self.stop();
    }
}
