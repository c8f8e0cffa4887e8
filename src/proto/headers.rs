//! The `NATS/1.0` message header block.
//!
//! Keys are case-sensitive and keep their first-insertion order, matching
//! what nats.c exposes. An inline status line (`NATS/1.0 503 No Responders`)
//! is surfaced as the `Status` and `Description` keys, as nats.c does.

use super::parser::ParseError;

pub const STATUS_HDR: &str = "Status";
pub const DESCRIPTION_HDR: &str = "Description";

const PREFIX: &[u8] = b"NATS/1.0";
const CRLF: &[u8] = b"\r\n";
const SEP: &[u8] = b": ";
/// Status codes are always three digits; anything after is the description.
const STATUS_LEN: usize = 3;
const NO_RESPONDERS: u16 = 503;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    // A Vec keeps insertion order and is faster than a map for the handful
    // of keys a message typically carries.
    entries: Vec<(String, Vec<String>)>,
}

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    /// Parses a header block as received in HMSG.
    pub fn parse(block: &[u8]) -> Result<Headers, ParseError> {
        let rest = block
            .strip_prefix(PREFIX)
            .ok_or_else(|| ParseError("header block does not start with NATS/1.0".into()))?;
        let (status_line, mut rest) = split_line(rest);
        // Reject e.g. "NATS/1.01": the version must end at whitespace.
        if status_line
            .first()
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            return Err(ParseError("unsupported header version".into()));
        }

        let mut h = Headers::new();
        let status = status_line.trim_ascii();
        if !status.is_empty() {
            let cut = status.len().min(STATUS_LEN);
            h.set(STATUS_HDR, &lossy(&status[..cut]));
            let desc = status[cut..].trim_ascii();
            if !desc.is_empty() {
                h.set(DESCRIPTION_HDR, &lossy(desc));
            }
        }

        while !rest.is_empty() {
            let (line, next) = split_line(rest);
            rest = next;
            if line.is_empty() {
                // The blank line ends the block.
                break;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                // Obsolete line folding: continues the previous value.
                let last = h
                    .entries
                    .last_mut()
                    .and_then(|(_, vals)| vals.last_mut())
                    .ok_or_else(|| ParseError("header continuation without a key".into()))?;
                last.push(' ');
                last.push_str(&lossy(line.trim_ascii()));
                continue;
            }
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| ParseError(format!("header line without ':': {}", lossy(line))))?;
            if colon == 0 {
                return Err(ParseError("header line with an empty key".into()));
            }
            h.add(
                &lossy(&line[..colon]),
                &lossy(line[colon + 1..].trim_ascii()),
            );
        }
        Ok(h)
    }

    /// Appends `NATS/1.0\r\n`, one `key: value\r\n` per value, then `\r\n`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(PREFIX);
        out.extend_from_slice(CRLF);
        for (k, vals) in &self.entries {
            for v in vals {
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(SEP);
                // A CR or LF inside a value would start a new header line on
                // the wire; they go out as spaces (same length).
                out.extend(
                    v.bytes()
                        .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
                );
                out.extend_from_slice(CRLF);
            }
        }
        out.extend_from_slice(CRLF);
    }

    /// Exact number of bytes `encode` appends.
    pub fn encoded_len(&self) -> usize {
        let body: usize = self
            .entries
            .iter()
            .map(|(k, vals)| {
                vals.iter()
                    .map(|v| k.len() + SEP.len() + v.len() + CRLF.len())
                    .sum::<usize>()
            })
            .sum();
        PREFIX.len() + CRLF.len() + body + CRLF.len()
    }

    /// Replaces every value of `key` with `value`.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.find_mut(key) {
            Some(vals) => {
                vals.clear();
                vals.push(value.to_owned());
            }
            None => self.entries.push((key.to_owned(), vec![value.to_owned()])),
        }
    }

    /// Adds `value` after any existing values of `key`.
    pub fn add(&mut self, key: &str, value: &str) {
        match self.find_mut(key) {
            Some(vals) => vals.push(value.to_owned()),
            None => self.entries.push((key.to_owned(), vec![value.to_owned()])),
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values(key)?.first().map(String::as_str)
    }

    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes `key` and all its values; true if it was present.
    pub fn delete(&mut self, key: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| k != key);
        self.entries.len() != before
    }

    /// The numeric value of the `Status` key, if any.
    pub fn status(&self) -> Option<u16> {
        self.get(STATUS_HDR)?.trim().parse().ok()
    }

    pub fn is_no_responders(&self) -> bool {
        self.status() == Some(NO_RESPONDERS)
    }

    fn find_mut(&mut self, key: &str) -> Option<&mut Vec<String>> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// A key that can be written on the wire: printable ASCII without ':' or spaces.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// Splits off one line, accepting CRLF or a bare LF; a last line without a
/// terminator is returned whole.
fn split_line(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'\n', s) {
        Some(i) => {
            let line = &s[..i];
            (line.strip_suffix(b"\r").unwrap_or(line), &s[i + 1..])
        }
        None => (s.strip_suffix(b"\r").unwrap_or(s), &[]),
    }
}

/// Header bytes from a peer need not be UTF-8; keep the message rather than fail.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(h: &Headers) -> Vec<u8> {
        let mut v = Vec::new();
        h.encode(&mut v);
        assert_eq!(v.len(), h.encoded_len());
        v
    }

    #[test]
    fn empty_block() {
        let h = Headers::new();
        assert!(h.is_empty());
        assert_eq!(encoded(&h), b"NATS/1.0\r\n\r\n");
        assert_eq!(Headers::parse(b"NATS/1.0\r\n\r\n").unwrap(), h);
        assert_eq!(h.status(), None);
        assert!(!h.is_no_responders());
    }

    #[test]
    fn round_trip_preserves_order_and_values() {
        let mut h = Headers::new();
        h.set("Zeta", "1");
        h.add("alpha", "a1");
        h.add("alpha", "a2");
        h.set("Nats-Msg-Id", "abc");
        let bytes = encoded(&h);
        assert_eq!(
            bytes,
            b"NATS/1.0\r\nZeta: 1\r\nalpha: a1\r\nalpha: a2\r\nNats-Msg-Id: abc\r\n\r\n"
        );
        let back = Headers::parse(&bytes).unwrap();
        assert_eq!(back, h);
        assert_eq!(
            back.keys().collect::<Vec<_>>(),
            ["Zeta", "alpha", "Nats-Msg-Id"]
        );
        assert_eq!(back.len(), 3);
    }

    #[test]
    fn set_add_get_values_delete() {
        let mut h = Headers::new();
        h.add("k", "1");
        h.add("k", "2");
        assert_eq!(h.get("k"), Some("1"));
        assert_eq!(h.values("k").unwrap(), ["1", "2"]);
        h.set("k", "3");
        assert_eq!(h.values("k").unwrap(), ["3"]);
        // Keys are case-sensitive.
        assert_eq!(h.get("K"), None);
        h.set("K", "x");
        assert_eq!(h.len(), 2);
        assert!(h.delete("k"));
        assert!(!h.delete("k"));
        assert_eq!(h.get("k"), None);
        assert_eq!(h.keys().collect::<Vec<_>>(), ["K"]);
    }

    #[test]
    fn status_lines() {
        let h = Headers::parse(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(h.get(STATUS_HDR), Some("503"));
        assert_eq!(h.get(DESCRIPTION_HDR), None);
        assert_eq!(h.status(), Some(503));
        assert!(h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0 503 No Responders\r\n\r\n").unwrap();
        assert_eq!(h.get(STATUS_HDR), Some("503"));
        assert_eq!(h.get(DESCRIPTION_HDR), Some("No Responders"));
        assert!(h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\n\r\n")
            .unwrap();
        assert_eq!(h.status(), Some(408));
        assert_eq!(h.get(DESCRIPTION_HDR), Some("Request Timeout"));
        assert_eq!(h.get("Nats-Pending-Messages"), Some("5"));
        assert!(!h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0   409   Consumer Deleted  \r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(409));
        assert_eq!(h.get(DESCRIPTION_HDR), Some("Consumer Deleted"));

        let h = Headers::parse(b"NATS/1.0 409\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(409));
        assert_eq!(h.len(), 1);

        // Status with no separating space before the description, as nats.c splits it.
        let h = Headers::parse(b"NATS/1.0 100Idle\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(100));
        assert_eq!(h.get(DESCRIPTION_HDR), Some("Idle"));
    }

    #[test]
    fn values_trimmed_and_tolerant_endings() {
        let h = Headers::parse(b"NATS/1.0\r\nA:   x y  \r\nB:\tz\t\r\n").unwrap();
        assert_eq!(h.get("A"), Some("x y"));
        assert_eq!(h.get("B"), Some("z"));
        // No trailing blank line, no final CRLF, bare LF.
        let h = Headers::parse(b"NATS/1.0\nA: 1\nB: 2").unwrap();
        assert_eq!(h.get("A"), Some("1"));
        assert_eq!(h.get("B"), Some("2"));
        let h = Headers::parse(b"NATS/1.0").unwrap();
        assert!(h.is_empty());
        // Empty value.
        let h = Headers::parse(b"NATS/1.0\r\nE:\r\n\r\n").unwrap();
        assert_eq!(h.get("E"), Some(""));
        // Value containing a colon.
        let h = Headers::parse(b"NATS/1.0\r\nUrl: http://x:1\r\n\r\n").unwrap();
        assert_eq!(h.get("Url"), Some("http://x:1"));
    }

    #[test]
    fn folded_lines_join_previous_value() {
        let h = Headers::parse(b"NATS/1.0\r\nA: one\r\n  two\r\n\tthree\r\n\r\n").unwrap();
        assert_eq!(h.get("A"), Some("one two three"));
    }

    #[test]
    fn malformed() {
        for bad in [
            &b""[..],
            b"HTTP/1.1\r\n\r\n",
            b"NATS/1.01\r\n\r\n",
            b"NATS/1.0\r\nno colon here\r\n\r\n",
            b"NATS/1.0\r\n: empty key\r\n\r\n",
            b"NATS/1.0\r\n continuation\r\n\r\n",
        ] {
            assert!(
                Headers::parse(bad).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn key_validation() {
        assert!(is_valid_key("Nats-Msg-Id"));
        assert!(is_valid_key("a"));
        for bad in ["", "a b", "a:b", "a\tb", "a\r", "é", "\x7f"] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn line_breaks_in_values_cannot_inject_headers() {
        let mut h = Headers::new();
        h.set("A", "x\r\nEvil: yes");
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out.len(), h.encoded_len());
        let back = Headers::parse(&out).unwrap();
        assert_eq!(back.get("Evil"), None);
        assert_eq!(back.get("A"), Some("x  Evil: yes"));
    }
}
