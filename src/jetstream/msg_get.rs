//! Reading stored messages back and removing them: `STREAM.MSG.GET` (a
//! JSON answer with base64 headers and payload), `DIRECT.GET` (the message
//! itself, with `Nats-*` headers saying where it was stored), and
//! `STREAM.MSG.DELETE` with or without overwriting the data.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::client::{ErrorKind, Message};
use crate::proto::headers::DESCRIPTION_HDR;

use super::api;
use super::context::JetStream;
use super::error::{codes, JsError, JsResult};
use super::json::{is_false, is_zero_u64};
use super::stream::{Success, STREAM_OR_CONSUMER};
use super::time::{parse_rfc3339, rfc3339};

/// Headers a direct get answer carries about the stored message.
pub const STREAM_HDR: &str = "Nats-Stream";
pub const SUBJECT_HDR: &str = "Nats-Subject";
pub const SEQUENCE_HDR: &str = "Nats-Sequence";
pub const TIME_STAMP_HDR: &str = "Nats-Time-Stamp";

/// nats.c's `jsDirectGetMsgOptions`: which message a direct get reads.
/// `last_by_subject` wins; otherwise `sequence`, and with
/// `next_by_subject` the first message on that subject from `sequence` on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectGetOptions {
    pub sequence: u64,
    pub next_by_subject: String,
    pub last_by_subject: String,
}

#[derive(Serialize)]
struct GetRequest<'a> {
    #[serde(skip_serializing_if = "is_zero_u64")]
    seq: u64,
    #[serde(skip_serializing_if = "str::is_empty")]
    last_by_subj: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    next_by_subj: &'a str,
}

#[derive(Serialize)]
struct DeleteRequest {
    seq: u64,
    #[serde(skip_serializing_if = "is_false")]
    no_erase: bool,
}

/// The `message` object of a `STREAM.MSG.GET` answer.
#[derive(Deserialize)]
struct StoredWire {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    hdrs: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default, with = "rfc3339")]
    time: i64,
}

#[derive(Deserialize)]
struct GetAnswer {
    #[serde(default)]
    message: Option<StoredWire>,
}

fn encode<T: Serialize>(v: &T) -> JsResult<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the request: {e}")))
}

fn require_stream(stream: &str) -> JsResult<()> {
    if stream.is_empty() {
        return Err(JsError::invalid_arg("stream name is required"));
    }
    Ok(())
}

fn unbase64(field: &str, text: Option<&str>) -> JsResult<Vec<u8>> {
    match text {
        None | Some("") => Ok(Vec::new()),
        Some(t) => STANDARD.decode(t).map_err(|e| {
            JsError::new(
                ErrorKind::Err,
                format!("invalid JetStream API answer: {field} is not base64: {e}"),
            )
        }),
    }
}

/// A `STREAM.MSG.GET` answer as the message it describes.
pub fn decode_get_answer(answer: &[u8]) -> JsResult<Message> {
    let a: GetAnswer =
        api::decode(answer).map_err(|e| e.not_found_if(&[codes::NO_MESSAGE_FOUND]))?;
    let stored = a
        .message
        .ok_or_else(|| JsError::new(ErrorKind::NotFound, "message content not found"))?;
    let subject = stored
        .subject
        .filter(|s| !s.is_empty())
        .ok_or_else(|| JsError::new(ErrorKind::Err, "stored message without a subject"))?;
    let hdrs = unbase64("hdrs", stored.hdrs.as_deref())?;
    let data = unbase64("data", stored.data.as_deref())?;
    let hdrs = (!hdrs.is_empty()).then_some(hdrs.as_slice());
    let mut msg = Message::try_from_wire(subject.as_bytes(), None, hdrs, &data, 0, 0)?;
    msg.set_stored(stored.seq, stored.time);
    Ok(msg)
}

fn header_text(msg: &mut Message, key: &str) -> JsResult<Option<String>> {
    let h = msg.headers().map_err(JsError::from)?;
    Ok(h.and_then(|h| h.get(key))
        .map(|v| String::from_utf8_lossy(v).into_owned()))
}

/// A `DIRECT.GET` answer as the stored message: its subject is the one it
/// was stored under (`Nats-Subject`), its headers are the answer's, byte
/// for byte. A status answer (no payload, `Status` header) is `NotFound`
/// for 404 and an error otherwise.
pub fn decode_direct_answer(mut resp: Message) -> JsResult<Message> {
    let Some(wire_hdrs) = resp.encoded_headers().map(|h| h.into_owned()) else {
        return Err(JsError::new(
            ErrorKind::Err,
            "direct get message response should have headers",
        ));
    };
    if resp.data().is_empty() {
        if let Some(status) = resp.status() {
            if status == 404 {
                return Err(JsError::new(ErrorKind::NotFound, "message not found"));
            }
            let desc = header_text(&mut resp, DESCRIPTION_HDR)?.unwrap_or_default();
            return Err(JsError::new(
                ErrorKind::Err,
                format!("error getting message: {status} {desc}"),
            ));
        }
    }
    let missing = |what: &str, v: &Option<String>| {
        JsError::new(
            ErrorKind::Err,
            format!("missing or invalid {what} '{}'", v.as_deref().unwrap_or("")),
        )
    };
    let stream = header_text(&mut resp, STREAM_HDR)?;
    if stream.as_deref().unwrap_or("").is_empty() {
        return Err(missing("stream name", &stream));
    }
    let seq_text = header_text(&mut resp, SEQUENCE_HDR)?;
    let seq: u64 = seq_text
        .as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| missing("sequence", &seq_text))?;
    let time_text = header_text(&mut resp, TIME_STAMP_HDR)?;
    let time = time_text
        .as_deref()
        .and_then(|t| parse_rfc3339(t).ok())
        .filter(|&t| t != 0)
        .ok_or_else(|| missing("timestamp", &time_text))?;
    let subject = header_text(&mut resp, SUBJECT_HDR)?.unwrap_or_default();
    if subject.is_empty() {
        return Err(missing("subject", &Some(subject)));
    }
    let mut msg = Message::try_from_wire(
        subject.as_bytes(),
        None,
        Some(&wire_hdrs),
        resp.data(),
        0,
        0,
    )?;
    msg.set_stored(seq, time);
    Ok(msg)
}

impl JetStream {
    fn get_msg_with(&self, stream: &str, req: &GetRequest<'_>) -> JsResult<Message> {
        require_stream(stream)?;
        let answer = self.api_request_raw(&format!("STREAM.MSG.GET.{stream}"), &encode(req)?)?;
        decode_get_answer(&answer)
    }

    /// The message stored at `seq` (`js_GetMsg`), through the stream
    /// leader. No such message is `NotFound`.
    pub fn get_msg(&self, stream: &str, seq: u64) -> JsResult<Message> {
        if seq < 1 {
            return Err(JsError::invalid_arg("the sequence must be at least 1"));
        }
        self.get_msg_with(
            stream,
            &GetRequest {
                seq,
                last_by_subj: "",
                next_by_subj: "",
            },
        )
    }

    /// The last message stored on `subject` (`js_GetLastMsg`).
    pub fn get_last_msg(&self, stream: &str, subject: &str) -> JsResult<Message> {
        if subject.is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        self.get_msg_with(
            stream,
            &GetRequest {
                seq: 0,
                last_by_subj: subject,
                next_by_subj: "",
            },
        )
    }

    /// A message read by any replica of a stream with `allow_direct`
    /// (`js_DirectGetMsg`).
    pub fn direct_get_msg(&self, stream: &str, opts: &DirectGetOptions) -> JsResult<Message> {
        require_stream(stream)?;
        let wait = self.options().wait;
        let resp = if !opts.last_by_subject.is_empty() {
            let suffix = format!("DIRECT.GET.{stream}.{}", opts.last_by_subject);
            self.api_request_within(&suffix, b"", wait)?
        } else {
            let body = encode(&GetRequest {
                seq: opts.sequence,
                last_by_subj: "",
                next_by_subj: &opts.next_by_subject,
            })?;
            self.api_request_within(&format!("DIRECT.GET.{stream}"), &body, wait)?
        };
        decode_direct_answer(resp)
    }

    /// Removes the message at `seq` (`js_DeleteMsg`): only marked deleted.
    pub fn delete_msg(&self, stream: &str, seq: u64) -> JsResult<()> {
        self.remove_msg(stream, seq, true)
    }

    /// Removes the message at `seq` and overwrites its data on disk
    /// (`js_EraseMsg`).
    pub fn erase_msg(&self, stream: &str, seq: u64) -> JsResult<()> {
        self.remove_msg(stream, seq, false)
    }

    fn remove_msg(&self, stream: &str, seq: u64, no_erase: bool) -> JsResult<()> {
        require_stream(stream)?;
        let body = encode(&DeleteRequest { seq, no_erase })?;
        let answer = self.api_request_raw(&format!("STREAM.MSG.DELETE.{stream}"), &body)?;
        let ok: Success = api::decode(&answer).map_err(|e| e.not_found_if(STREAM_OR_CONSUMER))?;
        if !ok.success {
            return Err(JsError::new(
                ErrorKind::Err,
                format!("failed to delete message {seq}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_answer_becomes_a_message() {
        let hdrs = STANDARD.encode(b"NATS/1.0\r\nA:  b \r\n\r\n");
        let data = STANDARD.encode(b"payload\0bytes");
        let text = format!(
            r#"{{"type":"x","message":{{"subject":"s.1","seq":7,"hdrs":"{hdrs}","data":"{data}","time":"1970-01-01T00:00:02.5Z"}}}}"#
        );
        let mut m = decode_get_answer(text.as_bytes()).unwrap();
        assert_eq!(m.subject(), "s.1");
        assert_eq!(m.data(), b"payload\0bytes");
        assert_eq!((m.sequence(), m.time()), (7, 2_500_000_000));
        assert_eq!(
            m.encoded_headers().unwrap().as_ref(),
            b"NATS/1.0\r\nA:  b \r\n\r\n"
        );
        assert_eq!(m.headers().unwrap().unwrap().get("A"), Some(&b"b"[..]));
    }

    #[test]
    fn get_answers_without_a_message() {
        let e = decode_get_answer(
            br#"{"error":{"code":404,"err_code":10037,"description":"no message found"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, codes::NO_MESSAGE_FOUND)
        );
        let e = decode_get_answer(br#"{"type":"x"}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = decode_get_answer(br#"{"message":{"seq":1}}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Err);
        for bad in [
            &br#"{"message":{"subject":"a","data":"***"}}"#[..],
            br#"{"message":{"subject":"a","hdrs":"QQ="}}"#,
            br#"{"message":{"subject":"a","time":"later"}}"#,
            br#"{"message":{"subject":"a","seq":"one"}}"#,
            br#"{"message":"#,
        ] {
            let e = decode_get_answer(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Err, "{}", String::from_utf8_lossy(bad));
            assert!(
                e.text.starts_with("invalid JetStream API answer"),
                "{}",
                e.text
            );
        }
    }

    fn reply(hdrs: &str, data: &[u8]) -> Message {
        let h = (!hdrs.is_empty()).then_some(hdrs.as_bytes());
        Message::from_wire(b"_INBOX.x", None, h, data, 1, 0)
    }

    #[test]
    fn a_direct_answer_becomes_the_stored_message() {
        let block = "NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a.b\r\nNats-Sequence: 12\r\nNats-Time-Stamp: 1970-01-01T00:00:01Z\r\nX: y\r\n\r\n";
        let m = decode_direct_answer(reply(block, b"hi")).unwrap();
        assert_eq!(m.subject(), "a.b");
        assert_eq!((m.sequence(), m.time()), (12, 1_000_000_000));
        assert_eq!(m.data(), b"hi");
        assert_eq!(m.encoded_headers().unwrap().as_ref(), block.as_bytes());
    }

    #[test]
    fn direct_status_and_malformed_answers() {
        let e =
            decode_direct_answer(reply("NATS/1.0 404 Message Not Found\r\n\r\n", b"")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = decode_direct_answer(reply("NATS/1.0 408 Bad Request\r\n\r\n", b"")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Err);
        assert!(e.text.contains("Bad Request"), "{}", e.text);
        let e = decode_direct_answer(reply("", b"x")).unwrap_err();
        assert_eq!(e.text, "direct get message response should have headers");
        for block in [
            "NATS/1.0\r\nNats-Subject: a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: 1970-01-01T00:00:01Z\r\n\r\n",
            "NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a\r\nNats-Sequence: x\r\nNats-Time-Stamp: 1970-01-01T00:00:01Z\r\n\r\n",
            "NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: 0001-01-01T00:00:00Z\r\n\r\n",
            "NATS/1.0\r\nNats-Stream: S\r\nNats-Sequence: 1\r\nNats-Time-Stamp: 1970-01-01T00:00:01Z\r\n\r\n",
            "NATS/1.1 junk",
        ] {
            let e = decode_direct_answer(reply(block, b"x")).unwrap_err();
            assert_ne!(e.kind, ErrorKind::NotFound, "{block}");
        }
    }
}
