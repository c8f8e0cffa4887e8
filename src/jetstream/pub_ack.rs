//! The answer to a JetStream publish: the stream's ack (nats.c's
//! `jsPubAck`), or why the message was not stored (`jsPubAckErr`).
use serde::Deserialize;

use crate::client::error::error_statuses;
use crate::client::{ErrorKind, Message};

use super::api;
use super::error::{ErrorCode, JsError, JsResult};

/// Where a published message was stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PubAck {
    pub stream: String,
    #[serde(rename = "seq")]
    pub sequence: u64,
    pub domain: String,
    /// The stream already had a message with this `Nats-Msg-Id`.
    pub duplicate: bool,
    /// The atomic batch this ack commits, and its size.
    pub batch: String,
    pub count: u64,
    /// The counter value (streams with `allow_msg_counter`).
    #[serde(rename = "val")]
    pub value: String,
}

/// A publish that failed, handed to the asynchronous error handler.
pub struct PubAckErr {
    /// The message; the handler may take it (to publish it again, say).
    /// What is left here when the handler returns is dropped.
    pub msg: Option<Message>,
    pub err: ErrorKind,
    /// The server's error code when it refused the message, else 0.
    pub err_code: ErrorCode,
    pub err_text: String,
}

impl PubAckErr {
    pub(crate) fn from_error(msg: Option<Message>, e: JsError) -> PubAckErr {
        PubAckErr {
            msg,
            err: e.kind,
            err_code: e.code,
            err_text: e.text,
        }
    }

    /// The error, without the message.
    pub fn error(&self) -> JsError {
        JsError::api(self.err, self.err_code, self.err_text.clone())
    }
}

impl std::fmt::Debug for PubAckErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubAckErr")
            .field("msg", &self.msg.as_ref().map(Message::subject))
            .field("err", &self.err)
            .field("err_code", &self.err_code)
            .field("err_text", &self.err_text)
            .finish()
    }
}

macro_rules! define_status_text {
    ($(($kind:ident, $c_name:ident, $value:literal, $text:literal),)*) => {
        /// nats.c's `natsStatus_GetText` for a kind: what `jsPubAckErr.ErrText`
        /// holds when the failure is not the server's.
        pub fn status_text(kind: ErrorKind) -> &'static str {
            match kind {
                $(ErrorKind::$kind => $text,)*
            }
        }
    };
}
error_statuses!(define_status_text);

/// Decodes an ack. An empty answer (the server's reply to a message of an
/// atomic batch that does not commit it) is `None`.
pub fn decode_ack(data: &[u8]) -> JsResult<Option<PubAck>> {
    if data.is_empty() {
        return Ok(None);
    }
    api::decode(data).map(Some)
}

/// The outcome of an asynchronous publish from its reply: the server's
/// ack or error, "no responders" (no stream captures the subject), or the
/// library's own timeout. Failures that are not the server's carry the
/// status text as nats.c does.
pub(crate) fn async_outcome(reply: &Message, timed_out: bool) -> Result<PubAck, JsError> {
    let local = |kind| JsError::new(kind, status_text(kind));
    if timed_out {
        return Err(local(ErrorKind::Timeout));
    }
    if reply.is_no_responders() {
        return Err(local(ErrorKind::NoResponders));
    }
    match decode_ack(reply.data()) {
        Ok(ack) => Ok(ack.unwrap_or_default()),
        Err(e) if e.code != 0 => Err(e),
        Err(e) => Err(JsError::new(ErrorKind::Err, e.text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_decode_with_every_field() {
        let a = decode_ack(
            br#"{"stream":"S","seq":7,"domain":"hub","duplicate":true,"batch":"b1","count":3,"val":"10","new":1}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(a.stream, "S");
        assert_eq!(a.sequence, 7);
        assert_eq!(a.domain, "hub");
        assert!(a.duplicate);
        assert_eq!(a.batch, "b1");
        assert_eq!(a.count, 3);
        assert_eq!(a.value, "10");
        assert_eq!(decode_ack(b"").unwrap(), None);
    }

    #[test]
    fn refusals_keep_the_servers_code() {
        let e = decode_ack(
            br#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 1"}}"#,
        )
        .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Err, 10071));
        assert_eq!(e.text, "wrong last sequence: 1");
    }

    #[test]
    fn async_outcomes() {
        let m = Message::new("x", None, b"");
        let e = async_outcome(&m, true).unwrap_err();
        assert_eq!((e.kind, e.text.as_str()), (ErrorKind::Timeout, "Timeout"));
        let m = Message::new("x", None, b"{\"stream\":\"S\",\"seq\":2}");
        assert_eq!(async_outcome(&m, false).unwrap().sequence, 2);
        let m = Message::new("x", None, b"{not json");
        assert_eq!(async_outcome(&m, false).unwrap_err().kind, ErrorKind::Err);
    }
}
