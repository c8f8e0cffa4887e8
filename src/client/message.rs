//! A NATS message: subject, optional reply, optional headers and payload.
//!
//! All the bytes live in one heap block, laid out as
//!
//! ```text
//! subject \0 [reply \0] [header block] payload \0
//! ```
//!
//! so that a received message costs one allocation and the C shell can lend
//! the subject, the reply and the payload out as NUL-terminated strings
//! without copying. Headers stay in their wire form until someone asks for
//! them; they are parsed once, on first access, and re-encoded only if they
//! were changed.
use std::borrow::Cow;
use std::fmt;

use crate::client::error::{Error, ErrorKind, Result};
use crate::proto::headers::Headers;

/// The status line every header block starts with.
const HEADER_LINE_PREFIX: &[u8] = b"NATS/1.0";

/// A received or user-built message.
pub struct Message {
    /// `subject \0 [reply \0] [headers] payload \0`.
    buf: Box<[u8]>,
    subject_len: usize,
    /// Length of the reply subject, if there is one; it starts right after
    /// the subject's NUL.
    reply_len: Option<usize>,
    /// Where the wire header block starts in `buf`, and its length (0 when
    /// the message carried none). The payload follows it.
    hdr_start: usize,
    hdr_len: usize,
    /// Bytes after the payload: its NUL plus any padding the user asked
    /// for (`natsOptions_SetMessageBufferPadding`), all zero.
    tail: usize,
    sid: u64,
    /// The parsed headers, once someone asked for them (or set them).
    parsed: Option<Headers>,
    /// True once the headers were changed (or set) through this value, so
    /// the wire bytes no longer describe them.
    modified: bool,
}

impl Message {
    /// A message built by the user, without headers.
    pub fn new(subject: &str, reply: Option<&str>, data: &[u8]) -> Message {
        Message::assemble(
            subject.as_bytes(),
            reply.map(str::as_bytes),
            &[],
            data,
            0,
            0,
        )
    }

    /// A message as it arrived from the server (`MSG`/`HMSG`), copied into
    /// one allocation. The header block is kept as is and parsed only when
    /// first asked for. Subjects that are not valid UTF-8 (the server does
    /// not send such) are stored with replacement characters.
    pub fn from_wire(
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        payload: &[u8],
        sid: u64,
        padding: usize,
    ) -> Message {
        // Subjects are ASCII in practice; checking that is cheaper than
        // the general UTF-8 validation.
        if subject.is_ascii() && reply.is_none_or(<[u8]>::is_ascii) {
            return Message::assemble(
                subject,
                reply,
                headers.unwrap_or(&[]),
                payload,
                sid,
                padding,
            );
        }
        let subject = String::from_utf8_lossy(subject);
        let reply = reply.map(String::from_utf8_lossy);
        Message::assemble(
            subject.as_bytes(),
            reply.as_deref().map(str::as_bytes),
            headers.unwrap_or(&[]),
            payload,
            sid,
            padding,
        )
    }

    /// A received message whose header block and payload (`body_len` bytes,
    /// `hdr_len` of them headers) are still to come: the reader fills them
    /// in through `body_mut`, straight from the socket, so a large payload
    /// is not copied once more from the read buffer.
    pub(crate) fn with_body_space(
        subject: &[u8],
        reply: Option<&[u8]>,
        hdr_len: usize,
        body_len: usize,
        sid: u64,
        padding: usize,
    ) -> Message {
        let subject = String::from_utf8_lossy(subject);
        let reply = reply.map(String::from_utf8_lossy);
        let reply = reply.as_deref().map(str::as_bytes);
        let reply_size = reply.map_or(0, |r| r.len() + 1);
        let hdr_start = subject.len() + 1 + reply_size;
        // Zeroed in one go (fresh pages for large sizes); the body is
        // overwritten and the NUL and padding stay zero.
        let mut buf = vec![0u8; hdr_start + body_len + 1 + padding];
        buf[..subject.len()].copy_from_slice(subject.as_bytes());
        if let Some(r) = reply {
            buf[subject.len() + 1..subject.len() + 1 + r.len()].copy_from_slice(r);
        }
        Message {
            buf: buf.into_boxed_slice(),
            subject_len: subject.len(),
            reply_len: reply.map(<[u8]>::len),
            hdr_start,
            hdr_len,
            tail: 1 + padding,
            sid,
            parsed: None,
            modified: false,
        }
    }

    /// The header block and payload, for `with_body_space`'s caller.
    pub(crate) fn body_mut(&mut self) -> &mut [u8] {
        let end = self.buf.len() - self.tail;
        &mut self.buf[self.hdr_start..end]
    }

    /// Lays out the single block; `subject` and `reply` are valid UTF-8.
    fn assemble(
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: &[u8],
        payload: &[u8],
        sid: u64,
        padding: usize,
    ) -> Message {
        let reply_size = reply.map_or(0, |r| r.len() + 1);
        let total = subject.len() + 1 + reply_size + headers.len() + payload.len() + 1 + padding;
        let mut buf = Vec::with_capacity(total);
        buf.extend_from_slice(subject);
        buf.push(0);
        if let Some(r) = reply {
            buf.extend_from_slice(r);
            buf.push(0);
        }
        let hdr_start = buf.len();
        buf.extend_from_slice(headers);
        buf.extend_from_slice(payload);
        buf.resize(buf.len() + 1 + padding, 0);
        Message {
            buf: buf.into_boxed_slice(),
            subject_len: subject.len(),
            reply_len: reply.map(<[u8]>::len),
            hdr_start,
            hdr_len: headers.len(),
            tail: 1 + padding,
            sid,
            parsed: None,
            modified: false,
        }
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        // Stored from a `&str` or a lossy conversion, so always valid.
        std::str::from_utf8(&self.buf[..self.subject_len]).unwrap_or_default()
    }

    /// The subject followed by its NUL byte.
    pub fn subject_with_nul(&self) -> &[u8] {
        &self.buf[..=self.subject_len]
    }

    fn reply_range(&self) -> Option<std::ops::Range<usize>> {
        let start = self.subject_len + 1;
        self.reply_len.map(|len| start..start + len)
    }

    /// The reply subject, if any.
    pub fn reply(&self) -> Option<&str> {
        self.reply_range()
            .map(|r| std::str::from_utf8(&self.buf[r]).unwrap_or_default())
    }

    /// The reply subject followed by its NUL byte, if any.
    pub fn reply_with_nul(&self) -> Option<&[u8]> {
        self.reply_range().map(|r| &self.buf[r.start..=r.end])
    }

    fn data_start(&self) -> usize {
        self.hdr_start + self.hdr_len
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        &self.buf[self.data_start()..self.buf.len() - self.tail]
    }

    /// The payload followed by a NUL byte (not part of the payload).
    pub fn data_with_nul(&self) -> &[u8] {
        &self.buf[self.data_start()..=self.buf.len() - self.tail]
    }

    /// The id of the subscription that received the message (0 for a
    /// message built by the user).
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// The header block exactly as received (empty when none).
    fn wire_headers(&self) -> &[u8] {
        &self.buf[self.hdr_start..self.data_start()]
    }

    /// Parses the wire header block into `parsed` if not done yet.
    fn lift_headers(&mut self) -> Result<()> {
        if self.parsed.is_none() && self.hdr_len > 0 {
            let headers = Headers::parse(self.wire_headers()).map_err(|e| {
                Error::new(
                    ErrorKind::ProtocolError,
                    format!("invalid message headers: {e}"),
                )
            })?;
            self.parsed = Some(headers);
        }
        Ok(())
    }

    /// The headers, parsed on first access; `None` when the message has
    /// none. A malformed header block is a `ProtocolError` (and is not
    /// remembered, so the message stays usable for its payload).
    pub fn headers(&mut self) -> Result<Option<&Headers>> {
        self.lift_headers()?;
        Ok(self.parsed.as_ref())
    }

    /// The headers for changing them, created empty when absent. The message
    /// counts as modified from here on: publishing re-encodes them.
    pub fn headers_mut(&mut self) -> Result<&mut Headers> {
        self.lift_headers()?;
        self.modified = true;
        Ok(self.parsed.get_or_insert_with(Headers::new))
    }

    /// Replaces the headers.
    pub fn set_headers(&mut self, headers: Headers) {
        self.parsed = Some(headers);
        self.modified = true;
    }

    /// Whether publishing this message would send headers (`HPUB`).
    pub fn has_headers(&self) -> bool {
        match &self.parsed {
            Some(h) if self.modified => !h.is_empty(),
            None if self.modified => false,
            _ => self.hdr_len > 0,
        }
    }

    /// The header block to publish: the received bytes when the headers were
    /// not changed, a fresh encoding when they were, `None` when there are
    /// no headers (so the message goes out as a plain `PUB`).
    pub fn encoded_headers(&self) -> Option<Cow<'_, [u8]>> {
        if self.modified {
            let h = self.parsed.as_ref().filter(|h| !h.is_empty())?;
            let mut out = Vec::with_capacity(h.encoded_len());
            h.encode(&mut out);
            Some(Cow::Owned(out))
        } else if self.hdr_len > 0 {
            Some(Cow::Borrowed(self.wire_headers()))
        } else {
            None
        }
    }

    /// The header status code (e.g. 503), without a full parse when the
    /// headers are still in wire form.
    pub fn status(&self) -> Option<u16> {
        if let Some(h) = &self.parsed {
            return h.status();
        }
        let rest = self.wire_headers().strip_prefix(HEADER_LINE_PREFIX)?;
        let start = rest.iter().position(|&b| b != b' ' && b != b'\t')?;
        let code = rest.get(start..start + 3)?;
        if !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(code).ok()?.parse().ok()
    }

    /// Whether this is the server's "no responders" reply to a request: an
    /// empty payload with status 503.
    pub fn is_no_responders(&self) -> bool {
        self.data().is_empty() && self.status() == Some(503)
    }

    /// The bytes the message occupied on the wire: header block plus payload
    /// as received or created (later header changes are not counted). Used
    /// for pending-bytes accounting.
    pub fn wire_len(&self) -> usize {
        self.hdr_len + (self.buf.len() - self.tail - self.data_start())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("subject", &self.subject())
            .field("reply", &self.reply())
            .field("sid", &self.sid)
            .field("header_bytes", &self.hdr_len)
            .field("data_len", &self.data().len())
            .field("headers_modified", &self.modified)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_space_filled_in_equals_a_wire_message() {
        for (hdr, reply) in [
            (&b""[..], None),
            (&b"NATS/1.0\r\nA: b\r\n\r\n"[..], Some(&b"r.1"[..])),
        ] {
            let payload = b"payload bytes";
            let whole = Message::from_wire(
                b"s.x",
                reply,
                (!hdr.is_empty()).then_some(hdr),
                payload,
                7,
                3,
            );
            let mut m =
                Message::with_body_space(b"s.x", reply, hdr.len(), hdr.len() + payload.len(), 7, 3);
            let body = m.body_mut();
            body[..hdr.len()].copy_from_slice(hdr);
            body[hdr.len()..].copy_from_slice(payload);
            assert_eq!(m.data(), whole.data());
            assert_eq!(m.data_with_nul(), whole.data_with_nul());
            assert_eq!(m.reply(), whole.reply());
            assert_eq!(m.subject(), whole.subject());
            assert_eq!(m.wire_len(), whole.wire_len());
        }
    }

    #[test]
    fn layout_of_a_user_message() {
        let m = Message::new("foo.bar", Some("_INBOX.1"), b"hello");
        assert_eq!(m.subject(), "foo.bar");
        assert_eq!(m.subject_with_nul(), b"foo.bar\0");
        assert_eq!(m.reply(), Some("_INBOX.1"));
        assert_eq!(m.reply_with_nul(), Some(&b"_INBOX.1\0"[..]));
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.data_with_nul(), b"hello\0");
        assert_eq!(m.sid(), 0);
        assert!(!m.has_headers());
        assert!(m.encoded_headers().is_none());
        assert_eq!(m.wire_len(), 5);
        assert!(!m.is_no_responders());
    }

    #[test]
    fn no_reply_and_empty_payload() {
        let m = Message::new("a", None, b"");
        assert_eq!(m.reply(), None);
        assert_eq!(m.reply_with_nul(), None);
        assert_eq!(m.data(), b"");
        assert_eq!(m.data_with_nul(), b"\0");
        assert_eq!(m.wire_len(), 0);
    }

    #[test]
    fn wire_message_keeps_headers_unparsed_until_asked() {
        let hdr = b"NATS/1.0\r\nA: 1\r\nB: 2\r\n\r\n";
        let mut m = Message::from_wire(b"s", Some(b"r"), Some(hdr), b"data", 7, 0);
        assert_eq!(m.sid(), 7);
        assert!(m.parsed.is_none());
        assert!(m.has_headers());
        assert_eq!(m.wire_len(), hdr.len() + 4);
        assert_eq!(m.data_with_nul(), b"data\0");
        // Unchanged headers are published as received.
        assert!(matches!(m.encoded_headers(), Some(Cow::Borrowed(b)) if b == hdr));

        let h = m
            .headers()
            .ok()
            .flatten()
            .map(|h| h.get("A").map(str::to_owned));
        assert_eq!(h, Some(Some("1".to_owned())));
        assert!(m.parsed.is_some());
        assert!(matches!(m.encoded_headers(), Some(Cow::Borrowed(_))));

        let Ok(h) = m.headers_mut() else {
            panic!("headers should parse")
        };
        h.set("C", "3");
        let Some(Cow::Owned(encoded)) = m.encoded_headers() else {
            panic!("modified headers are re-encoded")
        };
        let Ok(reparsed) = Headers::parse(&encoded) else {
            panic!("re-encoded headers parse")
        };
        assert_eq!(reparsed.get("A"), Some("1"));
        assert_eq!(reparsed.get("C"), Some("3"));
        // The payload is untouched by header edits.
        assert_eq!(m.data(), b"data");
    }

    #[test]
    fn headers_created_on_demand_and_emptied() {
        let mut m = Message::new("s", None, b"x");
        assert!(matches!(m.headers(), Ok(None)));
        match m.headers_mut() {
            Ok(h) => h.add("K", "v"),
            Err(e) => panic!("{e}"),
        }
        assert!(m.has_headers());
        assert!(m.encoded_headers().is_some());
        if let Ok(h) = m.headers_mut() {
            h.delete("K");
        }
        assert!(!m.has_headers());
        assert!(m.encoded_headers().is_none());

        let mut h = Headers::new();
        h.set("X", "y");
        m.set_headers(h);
        assert!(m.has_headers());
    }

    #[test]
    fn malformed_headers_are_an_error_not_a_panic() {
        let mut m = Message::from_wire(b"s", None, Some(b"garbage"), b"", 1, 0);
        let err = m.headers().map(|_| ()).map_err(|e| e.kind);
        assert_eq!(err, Err(ErrorKind::ProtocolError));
        assert!(!m.is_no_responders());
        assert_eq!(m.data(), b"");
    }

    #[test]
    fn no_responders_detection() {
        let hdr = b"NATS/1.0 503\r\n\r\n";
        let m = Message::from_wire(b"_INBOX.x", None, Some(hdr), b"", 1, 0);
        assert_eq!(m.status(), Some(503));
        assert!(m.is_no_responders());

        let mut m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0 503 No Responders\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert!(m.is_no_responders());
        // Same answer after a full parse.
        assert!(m.headers().is_ok());
        assert!(m.is_no_responders());

        let m = Message::from_wire(b"_INBOX.x", None, Some(hdr), b"payload", 1, 0);
        assert!(!m.is_no_responders());
        let m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0 404 No Messages\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert_eq!(m.status(), Some(404));
        assert!(!m.is_no_responders());
        let m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0\r\nA: b\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert_eq!(m.status(), None);
    }

    #[test]
    fn invalid_utf8_subject_does_not_panic() {
        let m = Message::from_wire(b"a\xffb", Some(b"\xfe"), None, b"p", 1, 0);
        assert!(m.subject().starts_with('a'));
        assert!(m.subject().ends_with('b'));
        assert!(m.reply().is_some());
        assert_eq!(m.subject_with_nul().last(), Some(&0));
        assert_eq!(m.data(), b"p");
    }

    #[test]
    fn padding_follows_the_payload_as_zeros() {
        let m = Message::from_wire(b"s", None, None, b"abc", 1, 8);
        assert_eq!(m.data(), b"abc");
        assert_eq!(m.data_with_nul(), b"abc\0");
        assert_eq!(m.wire_len(), 3);
        let end = m.data_with_nul().as_ptr_range().end;
        // SAFETY: the padding bytes are part of the same allocation.
        let pad = unsafe { std::slice::from_raw_parts(end, 8) };
        assert_eq!(pad, &[0u8; 8]);
    }
}
