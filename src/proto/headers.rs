//! The `NATS/1.0` message header block.
//!
//! Keys are case-sensitive and keep their first-insertion order, matching
//! what nats.c exposes. An inline status line (`NATS/1.0 503 No Responders`)
//! is surfaced as the `Status` and `Description` keys, as nats.c does.
//!
//! Keys and values are bytes, kept exactly as received: a peer may send any
//! byte but CR and LF in a value (NUL and non-UTF-8 included), and whatever
//! arrived is what re-encoding writes back. Only a NUL byte in a key is
//! refused (nats.c cannot parse such a block either). Lookups cost O(1)
//! once a map has more than a few keys, so parsing, listing and editing a
//! block of any size is linear in its size.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::parser::ParseError;

pub const STATUS_HDR: &str = "Status";
pub const DESCRIPTION_HDR: &str = "Description";

const PREFIX: &[u8] = b"NATS/1.0";
const CRLF: &[u8] = b"\r\n";
const SEP: &[u8] = b": ";
/// Status codes are always three digits; anything after is the description.
const STATUS_LEN: usize = 3;
const NO_RESPONDERS: u16 = 503;
/// Up to this many keys a scan beats hashing (and saves building a map for
/// the handful of keys a message typically carries).
const INDEX_MIN: usize = 8;

/// One key and its values, in the order they were added.
#[derive(Clone)]
struct Entry {
    // Shared with the index, so a key is stored once.
    key: Arc<[u8]>,
    values: Vec<Vec<u8>>,
}

#[derive(Clone, Default)]
pub struct Headers {
    /// Entries in first-insertion order; `None` marks a deleted one, so a
    /// delete need not shift the rest (they are compacted once they make
    /// up half of the slots).
    slots: Vec<Option<Entry>>,
    /// Number of `Some` slots.
    live: usize,
    /// Key → slot, once there are more than `INDEX_MIN` slots.
    index: Option<HashMap<Arc<[u8]>, usize>>,
}

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    /// Parses a header block as received in HMSG.
    ///
    /// Values are trimmed of surrounding ASCII whitespace (as nats.c does)
    /// and otherwise kept byte for byte.
    pub fn parse(block: &[u8]) -> Result<Headers, ParseError> {
        let rest = block
            .strip_prefix(PREFIX)
            .ok_or_else(|| ParseError("header block does not start with NATS/1.0".into()))?;
        if memchr::memchr(b'\n', rest).is_none() {
            return Err(ParseError(
                "header block ends inside its status line".into(),
            ));
        }
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
            h.set(STATUS_HDR, &status[..cut]);
            let desc = status[cut..].trim_ascii();
            if !desc.is_empty() {
                h.set(DESCRIPTION_HDR, desc);
            }
        }

        // The slot of the previous line's key, which a folded line continues.
        let mut last: Option<usize> = None;
        while !rest.is_empty() {
            let (line, next) = split_line(rest);
            if next.is_empty() && !rest.ends_with(b"\n") && !line.is_empty() {
                // Cut short, as nats.c also refuses: the value may be incomplete.
                return Err(ParseError(format!(
                    "header line without its line end: {}",
                    lossy(line)
                )));
            }
            rest = next;
            if line.is_empty() {
                // The blank line ends the block.
                break;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                // Obsolete line folding: continues the previous line's value.
                let value = last
                    .and_then(|i| h.slots.get_mut(i))
                    .and_then(Option::as_mut)
                    .and_then(|e| e.values.last_mut())
                    .ok_or_else(|| ParseError("header continuation without a key".into()))?;
                value.push(b' ');
                value.extend_from_slice(line.trim_ascii());
                continue;
            }
            let colon = memchr::memchr(b':', line)
                .ok_or_else(|| ParseError(format!("header line without ':': {}", lossy(line))))?;
            let key = &line[..colon];
            if key.is_empty() {
                return Err(ParseError("header line with an empty key".into()));
            }
            if key.contains(&0) {
                // C could not name such a key; nats.c refuses the block too.
                return Err(ParseError(format!(
                    "header key with a NUL byte: {}",
                    lossy(key)
                )));
            }
            let slot = h.slot_or_insert(key);
            if let Some(e) = h.slots[slot].as_mut() {
                e.values.push(line[colon + 1..].trim_ascii().to_vec());
            }
            last = Some(slot);
        }
        Ok(h)
    }

    /// Appends `NATS/1.0\r\n`, one `key: value\r\n` per value, then `\r\n`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(PREFIX);
        out.extend_from_slice(CRLF);
        for (k, vals) in self.iter() {
            for v in vals {
                out.extend_from_slice(k);
                out.extend_from_slice(SEP);
                // A CR or LF inside a value would start a new header line on
                // the wire; they go out as spaces (same length).
                out.extend(
                    v.iter()
                        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
                );
                out.extend_from_slice(CRLF);
            }
        }
        out.extend_from_slice(CRLF);
    }

    /// Exact number of bytes `encode` appends.
    pub fn encoded_len(&self) -> usize {
        let body: usize = self
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
    pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let slot = self.slot_or_insert(key.as_ref());
        if let Some(e) = self.slots[slot].as_mut() {
            e.values.clear();
            e.values.push(value.as_ref().to_vec());
        }
    }

    /// Adds `value` after any existing values of `key`.
    pub fn add(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let slot = self.slot_or_insert(key.as_ref());
        if let Some(e) = self.slots[slot].as_mut() {
            e.values.push(value.as_ref().to_vec());
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&[u8]> {
        self.values(key)?.first().map(Vec::as_slice)
    }

    /// Every value of `key`, in the order they were added (never empty).
    pub fn values(&self, key: impl AsRef<[u8]>) -> Option<&[Vec<u8>]> {
        let slot = self.slot(key.as_ref())?;
        self.slots[slot].as_ref().map(|e| e.values.as_slice())
    }

    /// The keys in first-insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.iter().map(|(k, _)| k)
    }

    /// Each key with its values, in first-insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[Vec<u8>])> {
        self.slots
            .iter()
            .flatten()
            .map(|e| (&*e.key, e.values.as_slice()))
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Removes `key` and all its values; true if it was present.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> bool {
        let Some(slot) = self.slot(key.as_ref()) else {
            return false;
        };
        if let Some(e) = self.slots[slot].take() {
            if let Some(index) = self.index.as_mut() {
                index.remove(&*e.key);
            }
        }
        self.live -= 1;
        if self.slots.len() - self.live > self.live {
            self.compact();
        }
        true
    }

    /// The numeric value of the `Status` key, if any.
    pub fn status(&self) -> Option<u16> {
        std::str::from_utf8(self.get(STATUS_HDR)?)
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub fn is_no_responders(&self) -> bool {
        self.status() == Some(NO_RESPONDERS)
    }

    /// The slot holding `key`: a position in [`Headers::slots`], valid until
    /// the map next changes.
    pub fn slot(&self, key: &[u8]) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self
                .slots
                .iter()
                .position(|e| e.as_ref().is_some_and(|e| &*e.key == key)),
        }
    }

    /// The key and values in `slot` (see [`Headers::slot`]); `None` for a
    /// deleted or unknown slot.
    pub fn at_slot(&self, slot: usize) -> Option<(&[u8], &[Vec<u8>])> {
        let e = self.slots.get(slot)?.as_ref()?;
        Some((&e.key, &e.values))
    }

    /// The slots of the keys, in the keys' order (see [`Headers::slot`]).
    pub fn key_slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|_| i))
    }

    /// The slot of `key`, appending an entry without values when absent.
    fn slot_or_insert(&mut self, key: &[u8]) -> usize {
        if let Some(slot) = self.slot(key) {
            return slot;
        }
        let key: Arc<[u8]> = Arc::from(key);
        let slot = self.slots.len();
        if let Some(index) = self.index.as_mut() {
            index.insert(key.clone(), slot);
        }
        self.slots.push(Some(Entry {
            key,
            values: Vec::new(),
        }));
        self.live += 1;
        if self.index.is_none() && self.slots.len() > INDEX_MIN {
            self.reindex();
        }
        slot
    }

    /// Drops the deleted slots, keeping the order of the others.
    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        if self.index.is_some() {
            self.reindex();
        }
    }

    fn reindex(&mut self) {
        let index = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (e.key.clone(), i)))
            .collect();
        self.index = Some(index);
    }
}

/// Equal when they hold the same keys with the same values in the same order.
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.live == other.live && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, vals)| {
                let vals: Vec<_> = vals.iter().map(|v| lossy(v)).collect();
                (lossy(k), vals)
            }))
            .finish()
    }
}

/// A key that can be written on the wire: printable ASCII without ':' or spaces.
pub fn is_valid_key(key: &[u8]) -> bool {
    !key.is_empty() && key.iter().all(|&b| b.is_ascii_graphic() && b != b':')
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

/// For error texts and debug output only: the data itself stays bytes.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value as text, for readable assertions.
    fn text(v: Option<&[u8]>) -> Option<&str> {
        v.map(|v| std::str::from_utf8(v).expect("UTF-8 in this test"))
    }

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
            [&b"Zeta"[..], b"alpha", b"Nats-Msg-Id"]
        );
        assert_eq!(back.len(), 3);
    }

    #[test]
    fn set_add_get_values_delete() {
        let mut h = Headers::new();
        h.add("k", "1");
        h.add("k", "2");
        assert_eq!(text(h.get("k")), Some("1"));
        assert_eq!(h.values("k").unwrap(), [b"1", b"2"]);
        h.set("k", "3");
        assert_eq!(h.values("k").unwrap(), [b"3"]);
        // Keys are case-sensitive.
        assert_eq!(text(h.get("K")), None);
        h.set("K", "x");
        assert_eq!(h.len(), 2);
        assert!(h.delete("k"));
        assert!(!h.delete("k"));
        assert_eq!(text(h.get("k")), None);
        assert_eq!(h.keys().collect::<Vec<_>>(), [b"K"]);
    }

    #[test]
    fn status_lines() {
        let h = Headers::parse(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(text(h.get(STATUS_HDR)), Some("503"));
        assert_eq!(text(h.get(DESCRIPTION_HDR)), None);
        assert_eq!(h.status(), Some(503));
        assert!(h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0 503 No Responders\r\n\r\n").unwrap();
        assert_eq!(text(h.get(STATUS_HDR)), Some("503"));
        assert_eq!(text(h.get(DESCRIPTION_HDR)), Some("No Responders"));
        assert!(h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\n\r\n")
            .unwrap();
        assert_eq!(h.status(), Some(408));
        assert_eq!(text(h.get(DESCRIPTION_HDR)), Some("Request Timeout"));
        assert_eq!(text(h.get("Nats-Pending-Messages")), Some("5"));
        assert!(!h.is_no_responders());

        let h = Headers::parse(b"NATS/1.0   409   Consumer Deleted  \r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(409));
        assert_eq!(text(h.get(DESCRIPTION_HDR)), Some("Consumer Deleted"));

        let h = Headers::parse(b"NATS/1.0 409\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(409));
        assert_eq!(h.len(), 1);

        // Status with no separating space before the description, as nats.c splits it.
        let h = Headers::parse(b"NATS/1.0 100Idle\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(100));
        assert_eq!(text(h.get(DESCRIPTION_HDR)), Some("Idle"));
    }

    #[test]
    fn values_trimmed_and_tolerant_endings() {
        let h = Headers::parse(b"NATS/1.0\r\nA:   x y  \r\nB:\tz\t\r\n").unwrap();
        assert_eq!(text(h.get("A")), Some("x y"));
        assert_eq!(text(h.get("B")), Some("z"));
        // No trailing blank line, bare LF (nats.c takes both).
        let h = Headers::parse(b"NATS/1.0\nA: 1\nB: 2\n").unwrap();
        assert_eq!(text(h.get("A")), Some("1"));
        assert_eq!(text(h.get("B")), Some("2"));
        let h = Headers::parse(b"NATS/1.0\r\n").unwrap();
        assert!(h.is_empty());
        // A line cut short is refused, as nats.c does: its value may be partial.
        assert!(Headers::parse(b"NATS/1.0\nA: 1\nB: 2").is_err());
        assert!(Headers::parse(b"NATS/1.0").is_err());
        assert!(Headers::parse(b"NATS/1.0 503").is_err());
        // Empty value.
        let h = Headers::parse(b"NATS/1.0\r\nE:\r\n\r\n").unwrap();
        assert_eq!(text(h.get("E")), Some(""));
        // Value containing a colon.
        let h = Headers::parse(b"NATS/1.0\r\nUrl: http://x:1\r\n\r\n").unwrap();
        assert_eq!(text(h.get("Url")), Some("http://x:1"));
    }

    #[test]
    fn folded_lines_join_previous_value() {
        let h = Headers::parse(b"NATS/1.0\r\nA: one\r\n  two\r\n\tthree\r\n\r\n").unwrap();
        assert_eq!(text(h.get("A")), Some("one two three"));
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
        assert!(is_valid_key(b"Nats-Msg-Id"));
        assert!(is_valid_key(b"a"));
        for bad in ["", "a b", "a:b", "a\tb", "a\r", "é", "\x7f", "a\0"] {
            assert!(!is_valid_key(bad.as_bytes()), "{bad:?}");
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
        assert_eq!(text(back.get("Evil")), None);
        assert_eq!(text(back.get("A")), Some("x  Evil: yes"));
    }

    #[test]
    fn folded_line_continues_the_previous_line_not_the_last_key() {
        let h = Headers::parse(b"NATS/1.0\r\nA: 1\r\nB: 2\r\nA: 3\r\n more\r\n\r\n").unwrap();
        assert_eq!(h.values("A").unwrap(), [&b"1"[..], b"3 more"]);
        assert_eq!(text(h.get("B")), Some("2"));
    }

    #[test]
    fn values_are_kept_byte_for_byte() {
        let block = b"NATS/1.0\r\nBin: a\0b\xff\xfe c\r\nK\xe9y: \x80\r\nEnd: \0\r\n\r\n";
        let h = Headers::parse(block).unwrap();
        assert_eq!(h.get("Bin"), Some(&b"a\0b\xff\xfe c"[..]));
        assert_eq!(h.get(b"K\xe9y"), Some(&b"\x80"[..]));
        assert_eq!(h.get("End"), Some(&b"\0"[..]));
        // Re-encoding writes back what arrived.
        assert_eq!(encoded(&h), block);
        let mut h = h;
        h.add("New", b"\x00\xc3");
        let back = Headers::parse(&encoded(&h)).unwrap();
        assert_eq!(back.get("Bin"), Some(&b"a\0b\xff\xfe c"[..]));
        assert_eq!(back.get("New"), Some(&b"\x00\xc3"[..]));
        // A key C could not name is refused, as nats.c does.
        assert!(Headers::parse(b"NATS/1.0\r\nA\0B: x\r\n\r\n").is_err());
    }

    #[test]
    fn deletes_keep_the_order_of_the_rest() {
        let mut h = Headers::new();
        for i in 0..40 {
            h.add(format!("k{i}"), i.to_string());
        }
        for i in (0..40).filter(|i| i % 3 != 0) {
            assert!(h.delete(format!("k{i}")));
            assert!(!h.delete(format!("k{i}")));
        }
        let want: Vec<String> = (0..40)
            .filter(|i| i % 3 == 0)
            .map(|i| format!("k{i}"))
            .collect();
        assert_eq!(h.len(), want.len());
        assert_eq!(
            h.keys().collect::<Vec<_>>(),
            want.iter().map(|k| k.as_bytes()).collect::<Vec<_>>()
        );
        assert_eq!(text(h.get("k39")), Some("39"));
        assert_eq!(h.get("k38"), None);
        h.add("k38", "again");
        assert_eq!(h.keys().last(), Some(&b"k38"[..]));
        // Equality ignores how the map got there.
        let mut fresh = Headers::new();
        for k in &want {
            fresh.add(k, h.get(k).unwrap());
        }
        fresh.add("k38", "again");
        assert_eq!(fresh, h);
        for k in h.keys().map(<[u8]>::to_vec).collect::<Vec<_>>() {
            assert!(h.delete(k));
        }
        assert!(h.is_empty());
        assert_eq!(h, Headers::new());
        assert_eq!(encoded(&h), b"NATS/1.0\r\n\r\n");
    }

    /// 200,000 header lines: the old map scanned its keys for every line
    /// added (about a minute in a debug build); this takes about a second.
    /// The work runs on a thread so that a regression fails, not hangs.
    #[test]
    fn two_hundred_thousand_lines_parse_and_list_in_linear_time() {
        const DISTINCT: usize = 120_000;
        const REPEATS: usize = 80_000;
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let work = std::thread::spawn(move || {
            let _done = done_tx;
            let mut block = b"NATS/1.0\r\n".to_vec();
            for i in 0..DISTINCT {
                block.extend_from_slice(format!("Key-{i}: value {i}\r\n").as_bytes());
                if i % 3 == 0 && i / 3 < REPEATS {
                    block.extend_from_slice(format!("Multi: {}\r\n", i / 3).as_bytes());
                }
            }
            for j in DISTINCT / 3..REPEATS {
                block.extend_from_slice(format!("Multi: {j}\r\n").as_bytes());
            }
            block.extend_from_slice(b"\r\n");
            let mut h = Headers::parse(&block).expect("parse");
            assert_eq!(h.len(), DISTINCT + 1);
            let mut seen = 0;
            for (n, (k, vals)) in h.iter().enumerate() {
                // "Multi" comes right after Key-0.
                if n == 1 {
                    assert_eq!(k, b"Multi");
                    assert_eq!(vals.len(), REPEATS);
                    for (j, v) in vals.iter().enumerate() {
                        assert_eq!(v, j.to_string().as_bytes());
                    }
                    continue;
                }
                let i = if n == 0 { 0 } else { n - 1 };
                assert_eq!(k, format!("Key-{i}").as_bytes());
                assert_eq!(vals, [format!("value {i}").into_bytes()]);
                // Lookups by key agree with the listing.
                assert_eq!(h.get(k), Some(vals[0].as_slice()));
                seen += 1;
            }
            assert_eq!(seen, DISTINCT);
            assert_eq!(h.values("Multi").map(<[_]>::len), Some(REPEATS));
            // Editing every key stays linear too.
            for i in 0..DISTINCT {
                h.add(format!("Key-{i}"), "more");
            }
            for i in (0..DISTINCT).step_by(2) {
                assert!(h.delete(format!("Key-{i}")));
            }
            assert_eq!(h.len(), DISTINCT / 2 + 1);
            assert_eq!(h.values("Key-1").unwrap(), [&b"value 1"[..], b"more"]);
            let mut out = Vec::new();
            h.encode(&mut out);
            assert_eq!(Headers::parse(&out).expect("re-parse"), h);
        });
        // Waits for the thread's end (its sender drops then), not for time.
        assert!(
            !matches!(
                done_rx.recv_timeout(std::time::Duration::from_secs(30)),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
            ),
            "200,000 header lines took more than 30 s"
        );
        if let Err(e) = work.join() {
            std::panic::resume_unwind(e);
        }
    }
}
