//! Putting an object (nats.c's `objStore_Put` and `objStorePut_*`), as
//! ADR-20 has it rather than as nats.c does it: the bytes of all the
//! `add` calls are cut into chunks of exactly the chunk size (the last one
//! shorter), and the meta's headers are stored in the info.
//!
//! Chunks go out with asynchronous publishes on a context of the put's
//! own, whose `max_pending` keeps about [`PENDING_WINDOW`] bytes awaiting
//! their acks, so a put of any size streams in bounded memory. The info
//! is published only once every chunk is acknowledged: an object never
//! has an info naming chunks the stream does not hold. A put that fails
//! or is dropped before `complete` purges its chunks; a completed put
//! over an existing object purges the old object's chunks.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::{ErrorKind, Message};
use crate::jetstream::context::{JetStream, JsOptions};
use crate::jetstream::error::{JsError, JsResult};
use crate::jetstream::kv::store::ROLLUP_HEADER;
use crate::jetstream::pub_options::PubOptions;
use crate::jetstream::publish_async::{ErrHandler, PublishAsyncOptions};
use crate::jetstream::stream::PurgeOptions;
use crate::proto::nuid;

use super::digest::Digest;
use super::manage::ERR_BAD_OBJECT_META as ERR_BAD_META;
use super::{ObjStore, ObjectInfo, ObjectMeta, DEFAULT_CHUNK_SIZE};

/// About how many chunk bytes may await their acks at once.
pub const PENDING_WINDOW: usize = 8 * 1024 * 1024;

/// nats.c's error texts.
pub const ERR_LINK_NOT_ALLOWED: &str = "link cannot be set when putting the object in bucket";
const ERR_PUT_DONE: &str = "the put is already complete";

/// The least time left for a purge after a failure, as nats.c allows.
const MIN_PURGE_WAIT: Duration = Duration::from_secs(1);

/// A put in progress: `add` bytes, then `complete`.
pub struct ObjectPut {
    store: ObjStore,
    /// The put's own context: its asynchronous publishes, its failures.
    pub_js: JetStream,
    info: ObjectInfo,
    chunk_size: usize,
    chunk_subject: String,
    meta_subject: String,
    /// The chunks of the object this one replaces.
    old_chunks: Option<String>,
    digest: Digest,
    /// The start of the next chunk.
    buf: Vec<u8>,
    /// The first failure, from a call or from an ack.
    error: Arc<Mutex<Option<JsError>>>,
    /// Chunks may be on the stream that no info names (nats.c's `pcof`).
    partial: bool,
    completed: bool,
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl ObjStore {
    /// Starts putting the object `meta` describes (a name is required, a
    /// link is not allowed). An existing object of that name is replaced
    /// when the put completes.
    pub fn put(&self, meta: &ObjectMeta) -> JsResult<ObjectPut> {
        if meta.name.is_empty() {
            return Err(JsError::invalid_arg(ERR_BAD_META));
        }
        if meta.options.link.is_some() {
            return Err(JsError::invalid_arg(ERR_LINK_NOT_ALLOWED));
        }
        let mut meta = meta.clone();
        if meta.options.max_chunk_size == 0 {
            meta.options.max_chunk_size = DEFAULT_CHUNK_SIZE;
        }
        let chunk_size = usize::try_from(meta.options.max_chunk_size)
            .map_err(|_| JsError::invalid_arg("chunk size too large"))?;
        // A new nuid each time: a put over a name never mixes chunks.
        let nuid = nuid::next_global();
        let old_chunks = match self.info(&meta.name, true) {
            Ok(old) if !old.deleted && !old.nuid.is_empty() => Some(self.chunk_subject(&old.nuid)),
            Ok(_) => None,
            Err(e) if e.kind == ErrorKind::NotFound => None,
            Err(e) => return Err(e.at("objStore_Put")),
        };
        let error = Arc::new(Mutex::new(None));
        let pub_js = self.put_context(chunk_size, &error)?;
        Ok(ObjectPut {
            chunk_subject: self.chunk_subject(&nuid),
            meta_subject: self.meta_subject(&meta.name),
            info: ObjectInfo {
                meta,
                bucket: self.name.clone(),
                nuid,
                ..ObjectInfo::default()
            },
            store: self.clone(),
            pub_js,
            chunk_size,
            old_chunks,
            digest: Digest::default(),
            buf: Vec::new(),
            error,
            partial: false,
            completed: false,
        })
    }

    /// Puts `data` as object `name` in one go (`objStore_PutBytes`),
    /// within the context's wait.
    pub fn put_bytes(&self, name: &str, data: &[u8]) -> JsResult<ObjectInfo> {
        let meta = ObjectMeta {
            name: name.to_string(),
            ..ObjectMeta::default()
        };
        let mut put = self.put(&meta)?;
        put.add(data)?;
        put.complete(self.js.options().wait)
    }

    /// Puts the content of file `path` as the object of that name
    /// (`objStore_PutFile`), read a chunk at a time.
    pub fn put_file(&self, path: &str) -> JsResult<ObjectInfo> {
        if path.is_empty() {
            return Err(JsError::invalid_arg("the file name is required"));
        }
        let mut f = std::fs::File::open(path).map_err(|e| {
            JsError::new(ErrorKind::Err, format!("error opening file '{path}': {e}"))
        })?;
        let meta = ObjectMeta {
            name: path.to_string(),
            ..ObjectMeta::default()
        };
        let mut put = self.put(&meta)?;
        let mut buf = vec![0u8; DEFAULT_CHUNK_SIZE as usize];
        loop {
            let n = match std::io::Read::read(&mut f, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(JsError::new(
                        ErrorKind::Err,
                        format!("error reading file '{path}': {e}"),
                    ))
                }
            };
            put.add(&buf[..n])?;
        }
        put.complete(self.js.options().wait)
    }

    /// A context on the store's connection whose asynchronous publishes
    /// stall at the pending window and record failures in `error`.
    fn put_context(
        &self,
        chunk_size: usize,
        error: &Arc<Mutex<Option<JsError>>>,
    ) -> JsResult<JetStream> {
        let slot = Arc::clone(error);
        let on_error: ErrHandler = Arc::new(move |_, pae| {
            let text = if pae.err_text.is_empty() {
                "a chunk was not stored".to_string()
            } else {
                format!("{} ({})", pae.err_text, pae.err_code)
            };
            record(&slot, JsError::api(pae.err, pae.err_code, text));
        });
        let wait = self.js.options().wait;
        let opts = JsOptions {
            prefix: self.js.prefix().to_string(),
            domain: String::new(),
            wait,
            publish_async: PublishAsyncOptions {
                max_pending: i64::try_from((PENDING_WINDOW / chunk_size.max(1)).max(2))
                    .unwrap_or(2),
                err_handler: Some(on_error),
                // A slow server is no failure as long as it acks within
                // the context's wait.
                stall_wait: Some(wait),
                ..PublishAsyncOptions::default()
            },
        };
        JetStream::new(self.js.connection().clone(), opts)
    }
}

fn record(slot: &Mutex<Option<JsError>>, e: JsError) {
    let mut g = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if g.is_none() {
        *g = Some(e);
    }
}

impl ObjectPut {
    /// The info as it will be written (size and chunks so far).
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// The store context's wait: what a complete without a timeout gets.
    pub fn default_timeout(&self) -> Duration {
        self.store.js.options().wait
    }

    fn failure(&self) -> Option<JsError> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn fail(&self, e: JsError) -> JsError {
        record(&self.error, e.clone());
        e
    }

    fn check(&self) -> JsResult<()> {
        if self.completed {
            return Err(JsError::new(ErrorKind::IllegalState, ERR_PUT_DONE));
        }
        self.failure().map_or(Ok(()), Err)
    }

    /// Adds bytes to the object. After a failure every call fails with
    /// it; `complete` (or dropping the put) then purges what was sent.
    pub fn add(&mut self, mut data: &[u8]) -> JsResult<()> {
        self.check()?;
        while !data.is_empty() {
            if self.buf.is_empty() && data.len() >= self.chunk_size {
                let (chunk, rest) = data.split_at(self.chunk_size);
                self.send(chunk)?;
                data = rest;
                continue;
            }
            if self.buf.capacity() == 0 {
                self.buf.reserve_exact(self.chunk_size);
            }
            let take = (self.chunk_size - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == self.chunk_size {
                self.send_buffered()?;
            }
        }
        Ok(())
    }

    fn send_buffered(&mut self) -> JsResult<()> {
        let buf = std::mem::take(&mut self.buf);
        let r = self.send(&buf);
        self.buf = buf;
        self.buf.clear();
        r
    }

    fn send(&mut self, chunk: &[u8]) -> JsResult<()> {
        self.partial = true;
        self.digest.update(chunk);
        self.pub_js
            .publish_async(&self.chunk_subject, chunk, &PubOptions::default())
            .map_err(|e| self.fail(e.at("objStorePut_Add")))?;
        self.info.size += chunk.len() as u64;
        self.info.chunks += 1;
        self.failure().map_or(Ok(()), Err)
    }

    /// Sends what is left, waits for every chunk's ack, then writes the
    /// info (rolling up the name's earlier infos) and purges the chunks of
    /// the object replaced. On failure the chunks sent are purged and the
    /// error returned. `timeout` bounds the whole call.
    pub fn complete(&mut self, timeout: Duration) -> JsResult<ObjectInfo> {
        if self.completed {
            return Err(JsError::new(ErrorKind::IllegalState, ERR_PUT_DONE));
        }
        let start = Instant::now();
        let r = self.finish(start, timeout);
        match r {
            Ok(()) => {
                self.completed = true;
                self.partial = false;
                if let Some(old) = self.old_chunks.take() {
                    let left = timeout.saturating_sub(start.elapsed()).max(MIN_PURGE_WAIT);
                    // The new object is whole; stale chunks only cost room.
                    let _ = self.purge(&old, left);
                }
                Ok(self.info.clone())
            }
            Err(e) => {
                let left = timeout.saturating_sub(start.elapsed()).max(MIN_PURGE_WAIT);
                self.abort(left);
                Err(e.at("objStorePut_Complete"))
            }
        }
    }

    fn finish(&mut self, start: Instant, timeout: Duration) -> JsResult<()> {
        self.failure().map_or(Ok(()), Err)?;
        if !self.buf.is_empty() {
            self.send_buffered()?;
        }
        self.pub_js.publish_async_complete(Some(timeout))?;
        self.failure().map_or(Ok(()), Err)?;
        self.info.digest = self.digest.value();
        // The stored info has no time: readers take the message's.
        self.info.mtime = 0;
        let json = serde_json::to_vec(&self.info)
            .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the info: {e}")))?;
        let mut msg = Message::try_new(self.meta_subject.as_bytes(), None, &json)?;
        msg.headers_mut()?.set(ROLLUP_HEADER, "sub");
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(JsError::new(ErrorKind::Timeout, "timeout"));
        }
        let po = PubOptions {
            max_wait: Some(left),
            ..PubOptions::default()
        };
        self.store.js.publish_msg(&mut msg, &po)?;
        self.info.mtime = now_nanos();
        Ok(())
    }

    fn purge(&self, chunks: &str, wait: Duration) -> JsResult<u64> {
        let js = self.store.js.with_call("", "", Some(wait));
        let opts = PurgeOptions {
            subject: chunks.to_string(),
            ..PurgeOptions::default()
        };
        js.purge_stream(&self.store.stream, &opts)
    }

    /// Gives up the put: waits (up to `wait`) for the chunks in flight so
    /// that none lands after the purge, then purges them.
    fn abort(&mut self, wait: Duration) {
        if !self.partial {
            return;
        }
        let start = Instant::now();
        let _ = self.pub_js.publish_async_complete(Some(wait));
        let left = wait.saturating_sub(start.elapsed()).max(MIN_PURGE_WAIT);
        let _ = self.purge(&self.chunk_subject, left);
        self.partial = false;
    }
}

impl Drop for ObjectPut {
    /// An unfinished put leaves no chunks behind (nats.c's
    /// `objStorePut_Destroy`).
    fn drop(&mut self) {
        let wait = self.store.js.options().wait;
        self.abort(wait);
        self.pub_js.close();
    }
}
