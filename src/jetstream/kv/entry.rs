//! A key's value at one revision (nats.c's `kvEntry`), made from a stored
//! or watched message of the bucket's stream.
use crate::client::{Message, Part};

use super::super::consume::metadata::parse_ack_subject;
use super::super::error::{JsError, JsResult};

/// What a revision of a key is (`kvOperation`; the numbers are nats.c's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Operation {
    #[default]
    Unknown = 0,
    Put = 1,
    Delete = 2,
    Purge = 3,
}

/// The header that marks deletes and purges.
pub const OPERATION_HEADER: &str = "KV-Operation";
/// The server's marker header for a key removed by its TTL or a purge
/// (server 2.11+ with `LimitMarkerTTL`).
pub const MARKER_REASON_HEADER: &str = "Nats-Marker-Reason";

impl Operation {
    /// The operation a bucket's message stands for (a put unless a header
    /// says otherwise, as nats.c reads them).
    pub fn of(msg: &mut Message) -> Operation {
        let Ok(Some(h)) = msg.headers() else {
            return Operation::Put;
        };
        if let Some(v) = h.get(OPERATION_HEADER) {
            return match v {
                b"DEL" => Operation::Delete,
                b"PURGE" => Operation::Purge,
                _ => Operation::Put,
            };
        }
        match h.get(MARKER_REASON_HEADER) {
            Some(b"MaxAge" | b"Purge") => Operation::Purge,
            Some(b"Remove") => Operation::Delete,
            _ => Operation::Put,
        }
    }
}

/// One revision of a key.
pub struct KvEntry {
    bucket: String,
    /// Where the key starts in the message's subject.
    key_at: usize,
    msg: Message,
    delta: u64,
    op: Operation,
}

impl KvEntry {
    /// An entry from a message read back from the stream (a get: its
    /// sequence and time are set), whose subject starts with `pre`.
    pub fn from_stored(bucket: &str, pre: &str, mut msg: Message) -> JsResult<KvEntry> {
        if msg.subject().len() <= pre.len() || !msg.subject().starts_with(pre) {
            return Err(JsError::new(
                crate::client::ErrorKind::Err,
                format!("invalid entry subject '{}'", msg.subject()),
            ));
        }
        let op = Operation::of(&mut msg);
        Ok(KvEntry {
            bucket: bucket.to_string(),
            key_at: pre.len(),
            msg,
            delta: 0,
            op,
        })
    }

    /// An entry from a message a watcher's consumer delivered: the
    /// revision, time and delta (what is left after it) come from its
    /// `$JS.ACK` reply.
    pub fn from_delivered(bucket: &str, pre: &str, mut msg: Message) -> JsResult<KvEntry> {
        let meta = msg.reply().and_then(|r| parse_ack_subject(r).ok());
        let Some(t) = meta else {
            return Err(JsError::new(
                crate::client::ErrorKind::Err,
                format!(
                    "unable to get metadata from '{}'",
                    msg.reply().unwrap_or("")
                ),
            ));
        };
        let (seq, time, delta) = (t.stream_seq, t.timestamp, t.num_pending);
        msg.set_stored(seq, time);
        let mut e = KvEntry::from_stored(bucket, pre, msg)?;
        e.delta = delta;
        Ok(e)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn key(&self) -> &str {
        &self.msg.subject()[self.key_at..]
    }

    pub fn value(&self) -> &[u8] {
        self.msg.data()
    }

    /// The value followed by a zero byte (what `kvEntry_ValueString` lends).
    pub fn value_zero_terminated(&self) -> Option<&[u8]> {
        self.msg.zero_terminated(Part::Data)
    }

    /// The stream sequence of this revision.
    pub fn revision(&self) -> u64 {
        self.msg.sequence()
    }

    /// When it was stored, UTC nanoseconds.
    pub fn created(&self) -> i64 {
        self.msg.time()
    }

    /// How many revisions of the watched keys came after this one when it
    /// was delivered (0 for a get).
    pub fn delta(&self) -> u64 {
        self.delta
    }

    pub fn operation(&self) -> Operation {
        self.op
    }

    /// The message behind the entry (its headers, say).
    pub fn message(&self) -> &Message {
        &self.msg
    }
}
