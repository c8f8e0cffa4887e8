//! Client-to-server protocol encoders. They only append to the caller's
//! buffer, so the publish path allocates nothing beyond growing that Vec.
//! Publish subjects are bytes: a reply subject received as any bytes is
//! answered to as exactly those bytes.

use super::info::ConnectInfo;

pub const PING: &[u8] = b"PING\r\n";
pub const PONG: &[u8] = b"PONG\r\n";
const CRLF: &[u8] = b"\r\n";

/// `PUB <subject> [reply] <#bytes>\r\n<payload>\r\n`
pub fn encode_pub(out: &mut Vec<u8>, subject: &[u8], reply: Option<&[u8]>, payload: &[u8]) {
    out.reserve(pub_len(subject, reply, payload.len()));
    push_pub_line(out, subject, reply, payload.len());
    out.extend_from_slice(payload);
    out.extend_from_slice(CRLF);
}

fn push_pub_line(out: &mut Vec<u8>, subject: &[u8], reply: Option<&[u8]>, len: usize) {
    out.extend_from_slice(b"PUB ");
    push_subject_reply(out, subject, reply);
    push_usize(out, len);
    out.extend_from_slice(CRLF);
}

fn push_hpub_line(
    out: &mut Vec<u8>,
    subject: &[u8],
    reply: Option<&[u8]>,
    hdr_len: usize,
    total: usize,
) {
    out.extend_from_slice(b"HPUB ");
    push_subject_reply(out, subject, reply);
    push_usize(out, hdr_len);
    out.push(b' ');
    push_usize(out, total);
    out.extend_from_slice(CRLF);
}

/// What `encode_pub` / `encode_hpub` write before the payload: the control
/// line and the header block. The caller then sends the payload and CRLF
/// itself (large payloads are written from the user's buffer, not copied).
pub fn encode_pub_head(
    out: &mut Vec<u8>,
    subject: &[u8],
    reply: Option<&[u8]>,
    headers: Option<&[u8]>,
    payload_len: usize,
) {
    match headers {
        Some(h) if !h.is_empty() => {
            push_hpub_line(out, subject, reply, h.len(), h.len() + payload_len);
            out.extend_from_slice(h);
        }
        _ => push_pub_line(out, subject, reply, payload_len),
    }
}

/// `HPUB <subject> [reply] <#hdr bytes> <#total bytes>\r\n<headers><payload>\r\n`.
/// `headers` must already be a complete NATS/1.0 block.
pub fn encode_hpub(
    out: &mut Vec<u8>,
    subject: &[u8],
    reply: Option<&[u8]>,
    headers: &[u8],
    payload: &[u8],
) {
    out.reserve(hpub_len(subject, reply, headers.len(), payload.len()));
    let total = headers.len() + payload.len();
    push_hpub_line(out, subject, reply, headers.len(), total);
    out.extend_from_slice(headers);
    out.extend_from_slice(payload);
    out.extend_from_slice(CRLF);
}

/// `SUB <subject> [queue] <sid>\r\n`
pub fn encode_sub(out: &mut Vec<u8>, subject: &str, queue: Option<&str>, sid: u64) {
    out.extend_from_slice(b"SUB ");
    push_subject_reply(out, subject.as_bytes(), queue.map(str::as_bytes));
    push_u64(out, sid);
    out.extend_from_slice(CRLF);
}

/// `UNSUB <sid> [max]\r\n`
pub fn encode_unsub(out: &mut Vec<u8>, sid: u64, max: Option<u64>) {
    out.extend_from_slice(b"UNSUB ");
    push_u64(out, sid);
    if let Some(m) = max {
        out.push(b' ');
        push_u64(out, m);
    }
    out.extend_from_slice(CRLF);
}

/// `CONNECT {json}\r\n`
pub fn encode_connect(out: &mut Vec<u8>, info: &ConnectInfo) {
    out.extend_from_slice(b"CONNECT ");
    // ConnectInfo holds only strings, bools and integers, and writing into a
    // Vec cannot fail, so serde_json has no error to report here.
    serde_json::to_writer(&mut *out, info).expect("ConnectInfo serialization is infallible");
    out.extend_from_slice(CRLF);
}

/// Exact number of bytes `encode_pub` appends.
pub fn pub_len(subject: &[u8], reply: Option<&[u8]>, payload_len: usize) -> usize {
    b"PUB ".len()
        + subject_reply_len(subject, reply)
        + usize_len(payload_len)
        + CRLF.len()
        + payload_len
        + CRLF.len()
}

/// Exact number of bytes `encode_hpub` appends.
pub fn hpub_len(
    subject: &[u8],
    reply: Option<&[u8]>,
    headers_len: usize,
    payload_len: usize,
) -> usize {
    let total = headers_len + payload_len;
    b"HPUB ".len()
        + subject_reply_len(subject, reply)
        + usize_len(headers_len)
        + 1
        + usize_len(total)
        + CRLF.len()
        + total
        + CRLF.len()
}

/// Writes "subject " or "subject extra " (the trailing space precedes the next number).
fn push_subject_reply(out: &mut Vec<u8>, subject: &[u8], extra: Option<&[u8]>) {
    out.extend_from_slice(subject);
    out.push(b' ');
    if let Some(e) = extra {
        out.extend_from_slice(e);
        out.push(b' ');
    }
}

fn subject_reply_len(subject: &[u8], extra: Option<&[u8]>) -> usize {
    subject.len() + 1 + extra.map_or(0, |e| e.len() + 1)
}

fn push_usize(out: &mut Vec<u8>, v: usize) {
    push_u64(out, v as u64);
}

/// Decimal formatting without `format!`, via a stack buffer filled from the right.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20]; // u64::MAX has 20 digits
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn usize_len(v: usize) -> usize {
    u64_len(v as u64)
}

fn u64_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_plus_payload_is_the_whole_op() {
        for hdr in [None, Some(&b"NATS/1.0\r\nA: b\r\n\r\n"[..])] {
            let mut whole = Vec::new();
            match hdr {
                Some(h) => encode_hpub(&mut whole, b"s.x", Some(b"r"), h, b"data"),
                None => encode_pub(&mut whole, b"s.x", Some(b"r"), b"data"),
            }
            let mut head = Vec::new();
            encode_pub_head(&mut head, b"s.x", Some(b"r"), hdr, 4);
            head.extend_from_slice(b"data\r\n");
            assert_eq!(head, whole);
        }
    }

    fn enc(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut v);
        v
    }

    #[test]
    fn pub_bytes() {
        assert_eq!(
            enc(|o| encode_pub(o, b"foo.bar", None, b"hello")),
            b"PUB foo.bar 5\r\nhello\r\n"
        );
        assert_eq!(
            enc(|o| encode_pub(o, b"foo", Some(b"_INBOX.x"), b"")),
            b"PUB foo _INBOX.x 0\r\n\r\n"
        );
        let big = vec![7u8; 12345];
        let out = enc(|o| encode_pub(o, b"s", None, &big));
        assert!(out.starts_with(b"PUB s 12345\r\n"));
        assert!(out.ends_with(b"\x07\r\n"));
    }

    #[test]
    fn pub_appends() {
        let mut v = b"PING\r\n".to_vec();
        encode_pub(&mut v, b"a", None, b"x");
        assert_eq!(v, b"PING\r\nPUB a 1\r\nx\r\n");
    }

    #[test]
    fn hpub_bytes() {
        let h = b"NATS/1.0\r\nA: b\r\n\r\n";
        assert_eq!(
            enc(|o| encode_hpub(o, b"foo", None, h, b"hi")),
            b"HPUB foo 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n"
        );
        assert_eq!(
            enc(|o| encode_hpub(o, b"foo", Some(b"r"), h, b"")),
            b"HPUB foo r 18 18\r\nNATS/1.0\r\nA: b\r\n\r\n\r\n"
        );
    }

    #[test]
    fn sub_unsub_bytes() {
        assert_eq!(enc(|o| encode_sub(o, "foo.*", None, 1)), b"SUB foo.* 1\r\n");
        assert_eq!(
            enc(|o| encode_sub(o, "foo.>", Some("q"), 42)),
            b"SUB foo.> q 42\r\n"
        );
        assert_eq!(enc(|o| encode_unsub(o, 7, None)), b"UNSUB 7\r\n");
        assert_eq!(enc(|o| encode_unsub(o, 7, Some(0))), b"UNSUB 7 0\r\n");
        assert_eq!(
            enc(|o| encode_unsub(o, u64::MAX, Some(10))),
            b"UNSUB 18446744073709551615 10\r\n"
        );
    }

    #[test]
    fn lengths_are_exact() {
        for &n in &[0usize, 1, 9, 10, 99, 100, 999, 1000, 65535, 1 << 20] {
            let payload = vec![0u8; n];
            for reply in [None, Some(&b"r.x"[..])] {
                let out = enc(|o| encode_pub(o, b"sub.j", reply, &payload));
                assert_eq!(out.len(), pub_len(b"sub.j", reply, n));
                let out = enc(|o| encode_hpub(o, b"sub.j", reply, b"NATS/1.0\r\n\r\n", &payload));
                assert_eq!(out.len(), hpub_len(b"sub.j", reply, 12, n));
            }
        }
    }

    #[test]
    fn integer_formatting() {
        for v in [0u64, 1, 9, 10, 11, 100, 12345, u64::MAX - 1, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
            assert_eq!(u64_len(v), out.len());
        }
    }

    #[test]
    fn connect_bytes() {
        let info = ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: false,
            name: None,
            lang: "rust".into(),
            version: "0.1.0".into(),
            protocol: 1,
            echo: true,
            headers: true,
            no_responders: true,
            user: Some("u".into()),
            pass: Some("p\"w".into()),
            ..Default::default()
        };
        let out = enc(|o| encode_connect(o, &info));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,\
             \"lang\":\"rust\",\"version\":\"0.1.0\",\"protocol\":1,\"echo\":true,\
             \"headers\":true,\"no_responders\":true,\"user\":\"u\",\"pass\":\"p\\\"w\"}\r\n"
        );
    }

    #[test]
    fn ping_pong() {
        assert_eq!(PING, b"PING\r\n");
        assert_eq!(PONG, b"PONG\r\n");
    }
}
