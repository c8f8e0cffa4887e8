//! Atomic batch publish (server 2.12+, ADR-50; nats.c's
//! `jsAtomicBatchCtx`): messages sent with one batch id and consecutive
//! sequence numbers are staged by the stream, and stored together when
//! the message marked as the commit arrives; a gap, a refused message or
//! a batch never committed (the server abandons it) stores none of them.
//! The stream needs `allow_atomic`.
use std::sync::{Mutex, MutexGuard};

use crate::client::{ErrorKind, Message};
use crate::proto::nuid;

use super::context::JetStream;
use super::error::{JsError, JsResult};
use super::pub_ack::PubAck;
use super::pub_options::PubOptions;

pub const BATCH_ID: &str = "Nats-Batch-Id";
pub const BATCH_SEQUENCE: &str = "Nats-Batch-Sequence";
pub const BATCH_COMMIT: &str = "Nats-Batch-Commit";

/// One atomic batch. Each message is a request the stream answers (with
/// an empty message until the commit, which gets the ack with the
/// batch's size). Dropping it without a commit abandons the batch.
pub struct AtomicBatch {
    js: JetStream,
    id: String,
    /// Messages sent so far. Held across each request so the sequence
    /// numbers reach the server in order, as nats.c does; a leaf lock
    /// that nothing waits for while holding another.
    count: Mutex<u64>,
}

impl JetStream {
    /// A new batch with a fresh id; nothing is sent yet. nats.c's
    /// `js_BatchPublishStart` is this followed by [`AtomicBatch::add`].
    pub fn atomic_batch(&self) -> AtomicBatch {
        AtomicBatch {
            js: self.clone(),
            id: nuid::next_global(),
            count: Mutex::new(0),
        }
    }
}

impl AtomicBatch {
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The batch id every message carries.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many messages were sent in this batch.
    pub fn count(&self) -> u64 {
        *self.lock()
    }

    /// Sends the next message of the batch and waits for the stream's
    /// answer: `None` for a staged message, the ack for the commit. The
    /// batch headers (and the options') are set on `msg`.
    pub fn add(&self, msg: &mut Message, opts: &PubOptions) -> JsResult<Option<PubAck>> {
        self.send(msg, opts, false)
    }

    /// Sends the last message, which commits the batch; the ack's `batch`
    /// and `count` name the batch and how many messages it stored.
    pub fn commit(&self, msg: &mut Message, opts: &PubOptions) -> JsResult<Option<PubAck>> {
        self.send(msg, opts, true)
    }

    fn send(&self, msg: &mut Message, opts: &PubOptions, commit: bool) -> JsResult<Option<PubAck>> {
        let mut count = self.lock();
        {
            let h = msg
                .headers_mut()
                .map_err(|e| JsError::new(ErrorKind::ProtocolError, e.text))?;
            if commit {
                h.set(BATCH_COMMIT, "1");
            }
            h.set(BATCH_ID, &self.id);
            h.set(BATCH_SEQUENCE, (*count + 1).to_string());
        }
        *count += 1;
        self.js.publish_msg(msg, opts)
    }
}
