//! Incremental, zero-copy parser for server-to-client protocol operations.
//!
//! The caller owns the byte buffer and re-presents the unconsumed tail after
//! every `Incomplete`. The parser only remembers positions relative to the
//! start of the slice it was given, so the bytes may move between calls.

use std::fmt;

/// Typical server limit for a control line (nats.c uses the same figure).
pub const DEFAULT_MAX_CONTROL_LINE: usize = 4096;

/// INFO lines carry cluster URL lists and can legitimately exceed the normal
/// control-line limit; nats.c does not cap them, so we only guard against a
/// runaway peer.
const MAX_INFO_LINE: usize = 1 << 20;

/// MSG takes at most 4 arguments and HMSG at most 5.
const MAX_ARGS: usize = 5;

/// The largest message body accepted whatever the server announced: nats.c
/// keeps sizes in an `int` and refuses anything above it, and no server
/// allows payloads anywhere near it (nats-server caps `max_payload` at 64 MiB).
/// (Crate-private: cbindgen would put a public constant in the C header.)
pub(crate) const MAX_MSG_SIZE: usize = i32::MAX as usize;

/// Slack allowed above the server's `max_payload` for a delivered message.
/// The server checks `max_payload` on what clients publish, headers
/// included, but what it delivers can be larger: JetStream adds its own
/// headers (stream, sequence, source and republish headers), and a message
/// routed from a cluster peer or leaf node configured with a larger limit is
/// not checked again. So allow the same again, and at least 1 MiB: a wrong
/// guess here closes a healthy connection, while bodies are in any case
/// only allocated as their bytes arrive.
fn payload_headroom(max_payload: usize) -> usize {
    max_payload.max(1 << 20)
}

/// One operation sent by the server. All slices borrow from the input buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp<'a> {
    /// The JSON text after `INFO `, trimmed.
    Info(&'a [u8]),
    /// MSG or HMSG. `headers` is `Some` only for HMSG.
    Msg {
        subject: &'a [u8],
        sid: u64,
        reply: Option<&'a [u8]>,
        headers: Option<&'a [u8]>,
        payload: &'a [u8],
    },
    Ping,
    Pong,
    Ok,
    /// The text of `-ERR '...'` with surrounding quotes removed.
    Err(&'a [u8]),
}

/// Outcome of one `Parser::parse` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A complete operation and the number of bytes it used from the start.
    Op(ServerOp<'a>, usize),
    /// More input is needed; the value is the smallest total length (always
    /// greater than the current length) the buffer must reach to progress.
    Incomplete(usize),
}

/// A protocol violation; the connection cannot be trusted afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nats protocol error: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

/// Half-open byte range inside the caller's buffer.
type Span = (usize, usize);

/// A MSG/HMSG whose control line has been parsed but whose body has not fully
/// arrived yet. Kept so large payloads don't cause the line to be re-parsed.
#[derive(Debug, Clone)]
struct PendingMsg {
    subject: Span,
    sid: u64,
    reply: Option<Span>,
    hdr_len: Option<usize>,
    total_len: usize,
    /// Offset of the first body byte (just past the control line's LF).
    body_start: usize,
    /// body_start + total_len + CRLF: the full length of this op.
    need: usize,
}

/// A MSG/HMSG whose control line is parsed but whose body is still to
/// arrive (see [`Parser::take_partial_msg`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialMsg<'a> {
    pub subject: &'a [u8],
    pub sid: u64,
    pub reply: Option<&'a [u8]>,
    /// Header bytes at the start of the body (HMSG only).
    pub hdr_len: Option<usize>,
    /// Headers plus payload.
    pub total_len: usize,
    /// Where the body starts in the buffer.
    pub body_start: usize,
}

/// Incremental parser state; see the module docs for the calling contract.
#[derive(Debug, Clone)]
pub struct Parser {
    max_control_line: usize,
    /// Largest MSG/HMSG body (headers plus payload) accepted.
    max_msg_size: usize,
    /// Bytes at the front of the buffer already known to contain no LF.
    scanned: usize,
    pending: Option<PendingMsg>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new(DEFAULT_MAX_CONTROL_LINE)
    }
}

impl Parser {
    pub fn new(max_control_line: usize) -> Self {
        Parser {
            max_control_line,
            max_msg_size: MAX_MSG_SIZE,
            scanned: 0,
            pending: None,
        }
    }

    /// Bounds MSG/HMSG sizes by the server's announced `max_payload` (plus
    /// the headroom of [`payload_headroom`]); a larger claim is a
    /// `ParseError` before anything is allocated for it. Zero or below (not
    /// announced) leaves only [`MAX_MSG_SIZE`].
    pub fn set_max_payload(&mut self, max_payload: i64) {
        self.max_msg_size = match usize::try_from(max_payload) {
            Ok(m) if m > 0 => m.saturating_add(payload_headroom(m)).min(MAX_MSG_SIZE),
            _ => MAX_MSG_SIZE,
        };
    }

    /// The largest MSG/HMSG body currently accepted.
    pub fn max_msg_size(&self) -> usize {
        self.max_msg_size
    }

    /// Forgets any partially parsed op, e.g. after a reconnect.
    pub fn reset(&mut self) {
        self.scanned = 0;
        self.pending = None;
    }

    /// After an `Incomplete` for a message body, hands that message over to
    /// the caller (who receives the rest of the body, and the CRLF after it,
    /// itself) and forgets it. `buf` is the same slice as in that call.
    pub fn take_partial_msg<'a>(&mut self, buf: &'a [u8]) -> Option<PartialMsg<'a>> {
        let p = self.pending.take()?;
        self.scanned = 0;
        if p.body_start > buf.len() || p.subject.1 > buf.len() {
            return None;
        }
        Some(PartialMsg {
            subject: &buf[p.subject.0..p.subject.1],
            sid: p.sid,
            reply: p.reply.map(|(s, e)| &buf[s..e]),
            hdr_len: p.hdr_len,
            total_len: p.total_len,
            body_start: p.body_start,
        })
    }

    /// Parses the op at the start of `buf`.
    pub fn parse<'a>(&mut self, buf: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let res = self.parse_inner(buf);
        if res.is_err() {
            // Don't let stale state leak into whatever the caller does next.
            self.reset();
        }
        res
    }

    fn parse_inner<'a>(&mut self, buf: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if let Some(p) = self.pending.take() {
            // Cheap sanity check that the caller re-presented the same op;
            // otherwise fall through and parse from scratch.
            if p.body_start <= buf.len() && buf[p.body_start - 1] == b'\n' {
                return self.finish_msg(buf, p);
            }
            self.scanned = 0;
        }

        let from = if self.scanned <= buf.len() {
            self.scanned
        } else {
            0
        };
        let limit = self.line_limit(buf);
        let lf = match memchr::memchr(b'\n', &buf[from..]) {
            Some(i) => from + i,
            None => {
                // One extra byte may be the CR of a line that is exactly at the limit.
                if buf.len() > limit + 1 {
                    return Err(line_too_long(limit));
                }
                self.scanned = buf.len();
                return Ok(Parsed::Incomplete(buf.len() + 1));
            }
        };
        self.scanned = 0;

        let line_end = if lf > 0 && buf[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        };
        if line_end > limit {
            return Err(line_too_long(limit));
        }
        let line = &buf[..line_end];
        let consumed = lf + 1;

        let op_end = line.iter().position(|&b| is_space(b)).unwrap_or(line.len());
        let op = &line[..op_end];
        let rest = &line[op_end..];

        if op.eq_ignore_ascii_case(b"MSG") {
            self.control_msg(buf, line, op_end, consumed, false)
        } else if op.eq_ignore_ascii_case(b"HMSG") {
            self.control_msg(buf, line, op_end, consumed, true)
        } else if op.eq_ignore_ascii_case(b"PING") {
            no_args(rest, "PING")?;
            Ok(Parsed::Op(ServerOp::Ping, consumed))
        } else if op.eq_ignore_ascii_case(b"PONG") {
            no_args(rest, "PONG")?;
            Ok(Parsed::Op(ServerOp::Pong, consumed))
        } else if op.eq_ignore_ascii_case(b"+OK") {
            no_args(rest, "+OK")?;
            Ok(Parsed::Op(ServerOp::Ok, consumed))
        } else if op.eq_ignore_ascii_case(b"-ERR") {
            Ok(Parsed::Op(
                ServerOp::Err(strip_quotes(trim(rest))),
                consumed,
            ))
        } else if op.eq_ignore_ascii_case(b"INFO") {
            let json = trim(rest);
            if json.is_empty() {
                return Err(ParseError("INFO without a body".into()));
            }
            Ok(Parsed::Op(ServerOp::Info(json), consumed))
        } else {
            Err(ParseError(format!(
                "unknown protocol operation: {}",
                snippet(line)
            )))
        }
    }

    /// INFO gets a larger budget; see `MAX_INFO_LINE`.
    fn line_limit(&self, buf: &[u8]) -> usize {
        if buf.len() >= 4 && buf[..4].eq_ignore_ascii_case(b"INFO") {
            self.max_control_line.max(MAX_INFO_LINE)
        } else {
            self.max_control_line
        }
    }

    /// Parses the MSG/HMSG argument list, then tries to complete the body.
    fn control_msg<'a>(
        &mut self,
        buf: &'a [u8],
        line: &[u8],
        args_from: usize,
        body_start: usize,
        with_headers: bool,
    ) -> Result<Parsed<'a>, ParseError> {
        let name = if with_headers { "HMSG" } else { "MSG" };
        let mut args = [(0usize, 0usize); MAX_ARGS];
        let n = split_args(line, args_from, &mut args)
            .ok_or_else(|| ParseError(format!("too many arguments for {name}")))?;
        let arg = |i: usize| &line[args[i].0..args[i].1];

        // Layout: subject sid [reply] [hdr_len] total_len
        let base = if with_headers { 4 } else { 3 };
        let reply = match n {
            _ if n == base => None,
            _ if n == base + 1 => Some(args[2]),
            _ => {
                return Err(ParseError(format!(
                    "wrong number of arguments for {name}: {}",
                    snippet(line)
                )))
            }
        };
        let sid = parse_u64(arg(1)).ok_or_else(|| bad_number(name, "sid", line))?;
        let total_len = parse_size(arg(n - 1)).ok_or_else(|| bad_number(name, "size", line))?;
        if total_len > self.max_msg_size {
            return Err(ParseError(format!(
                "{name} size {total_len} exceeds the limit of {} bytes",
                self.max_msg_size
            )));
        }
        let hdr_len = if with_headers {
            let h = parse_size(arg(n - 2)).ok_or_else(|| bad_number(name, "header size", line))?;
            if h > total_len {
                return Err(ParseError(format!(
                    "HMSG header size exceeds total size: {}",
                    snippet(line)
                )));
            }
            Some(h)
        } else {
            None
        };
        let need = body_start
            .checked_add(total_len)
            .and_then(|v| v.checked_add(2))
            .ok_or_else(|| ParseError(format!("{name} size too large")))?;

        let pending = PendingMsg {
            subject: args[0],
            sid,
            reply,
            hdr_len,
            total_len,
            body_start,
            need,
        };
        self.finish_msg(buf, pending)
    }

    /// Emits the message if its body and trailing CRLF are present.
    fn finish_msg<'a>(&mut self, buf: &'a [u8], p: PendingMsg) -> Result<Parsed<'a>, ParseError> {
        if buf.len() < p.need {
            let need = p.need;
            self.pending = Some(p);
            return Ok(Parsed::Incomplete(need));
        }
        let body_end = p.body_start + p.total_len;
        if &buf[body_end..p.need] != b"\r\n" {
            return Err(ParseError("missing CRLF after message payload".into()));
        }
        let body = &buf[p.body_start..body_end];
        let (headers, payload) = match p.hdr_len {
            Some(h) => (Some(&body[..h]), &body[h..]),
            None => (None, body),
        };
        let op = ServerOp::Msg {
            subject: &buf[p.subject.0..p.subject.1],
            sid: p.sid,
            reply: p.reply.map(|(s, e)| &buf[s..e]),
            headers,
            payload,
        };
        Ok(Parsed::Op(op, p.need))
    }
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

fn strip_quotes(s: &[u8]) -> &[u8] {
    match s {
        [b'\'', inner @ .., b'\''] => inner,
        _ => s,
    }
}

fn no_args(rest: &[u8], name: &str) -> Result<(), ParseError> {
    if trim(rest).is_empty() {
        Ok(())
    } else {
        Err(ParseError(format!("unexpected arguments after {name}")))
    }
}

/// Splits on runs of spaces/tabs, storing spans relative to `line`.
/// Returns `None` if there are more than `out.len()` fields.
fn split_args(line: &[u8], mut i: usize, out: &mut [Span; MAX_ARGS]) -> Option<usize> {
    let mut n = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return Some(n);
        }
        let start = i;
        while i < line.len() && !is_space(line[i]) {
            i += 1;
        }
        *out.get_mut(n)? = (start, i);
        n += 1;
    }
}

fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn parse_size(s: &[u8]) -> Option<usize> {
    parse_u64(s).and_then(|v| usize::try_from(v).ok())
}

fn bad_number(op: &str, what: &str, line: &[u8]) -> ParseError {
    ParseError(format!("invalid {what} in {op}: {}", snippet(line)))
}

fn line_too_long(limit: usize) -> ParseError {
    ParseError(format!("control line exceeds {limit} bytes"))
}

/// A short, printable excerpt of an offending line for error messages.
fn snippet(line: &[u8]) -> String {
    const MAX: usize = 64;
    let cut = &line[..line.len().min(MAX)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if line.len() > MAX {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_msg_is_handed_over_once() {
        let mut p = Parser::default();
        let buf = b"HMSG a.b 7 r.1 3 10\r\nhdrpa";
        assert_eq!(
            p.parse(buf).unwrap(),
            Parsed::Incomplete(buf.len() - 5 + 10 + 2)
        );
        let pm = p.take_partial_msg(buf).unwrap();
        assert_eq!(pm.subject, b"a.b");
        assert_eq!(pm.sid, 7);
        assert_eq!(pm.reply, Some(&b"r.1"[..]));
        assert_eq!(pm.hdr_len, Some(3));
        assert_eq!(pm.total_len, 10);
        assert_eq!(&buf[pm.body_start..], b"hdrpa");
        assert!(p.take_partial_msg(buf).is_none());
        // The parser starts afresh with what follows.
        assert!(matches!(
            p.parse(b"PING\r\n").unwrap(),
            Parsed::Op(ServerOp::Ping, 6)
        ));
    }

    /// Owned copy of an op so results from different buffers can be compared.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Owned {
        Info(Vec<u8>),
        Msg {
            subject: Vec<u8>,
            sid: u64,
            reply: Option<Vec<u8>>,
            headers: Option<Vec<u8>>,
            payload: Vec<u8>,
        },
        Ping,
        Pong,
        Ok,
        Err(Vec<u8>),
    }

    fn own(op: &ServerOp<'_>) -> Owned {
        match *op {
            ServerOp::Info(j) => Owned::Info(j.to_vec()),
            ServerOp::Msg {
                subject,
                sid,
                reply,
                headers,
                payload,
            } => Owned::Msg {
                subject: subject.to_vec(),
                sid,
                reply: reply.map(<[u8]>::to_vec),
                headers: headers.map(<[u8]>::to_vec),
                payload: payload.to_vec(),
            },
            ServerOp::Ping => Owned::Ping,
            ServerOp::Pong => Owned::Pong,
            ServerOp::Ok => Owned::Ok,
            ServerOp::Err(e) => Owned::Err(e.to_vec()),
        }
    }

    fn one(input: &[u8]) -> Result<Parsed<'_>, ParseError> {
        Parser::default().parse(input)
    }

    fn op_of(input: &[u8]) -> (Owned, usize) {
        match one(input) {
            Ok(Parsed::Op(op, n)) => (own(&op), n),
            other => panic!(
                "expected op for {:?}, got {other:?}",
                String::from_utf8_lossy(input)
            ),
        }
    }

    fn msg(
        subject: &str,
        sid: u64,
        reply: Option<&str>,
        hdr: Option<&[u8]>,
        payload: &[u8],
    ) -> Owned {
        Owned::Msg {
            subject: subject.as_bytes().to_vec(),
            sid,
            reply: reply.map(|r| r.as_bytes().to_vec()),
            headers: hdr.map(<[u8]>::to_vec),
            payload: payload.to_vec(),
        }
    }

    /// A caller that mimics the documented contract: it appends chunks,
    /// parses as far as possible and, on Incomplete, moves the unconsumed
    /// bytes into a brand-new allocation so their address changes.
    struct Feeder {
        parser: Parser,
        buf: Vec<u8>,
        ops: Vec<Owned>,
    }

    impl Feeder {
        fn new() -> Self {
            Feeder {
                parser: Parser::default(),
                buf: Vec::new(),
                ops: Vec::new(),
            }
        }

        fn feed(&mut self, chunk: &[u8]) -> Result<(), ParseError> {
            self.buf.extend_from_slice(chunk);
            let mut start = 0;
            loop {
                match self.parser.parse(&self.buf[start..])? {
                    Parsed::Op(op, n) => {
                        assert!(n > 0 && n <= self.buf.len() - start);
                        self.ops.push(own(&op));
                        start += n;
                    }
                    Parsed::Incomplete(need) => {
                        assert!(need > self.buf.len() - start);
                        let mut fresh = Vec::with_capacity(need + 7);
                        fresh.extend_from_slice(&self.buf[start..]);
                        self.buf = fresh;
                        return Ok(());
                    }
                }
            }
        }
    }

    fn sample_stream() -> (Vec<u8>, Vec<Owned>) {
        let hdr = b"NATS/1.0\r\nA: b\r\n\r\n";
        let bin = b"\0\r\n\x00\xff\r\nMSG x 1 2\r\n";
        let mut s = Vec::new();
        let mut want = Vec::new();
        s.extend_from_slice(b"INFO {\"server_id\":\"x\",\"headers\":true}\r\n");
        want.push(Owned::Info(
            b"{\"server_id\":\"x\",\"headers\":true}".to_vec(),
        ));
        s.extend_from_slice(b"+OK\r\n");
        want.push(Owned::Ok);
        s.extend_from_slice(b"PING\r\n");
        want.push(Owned::Ping);
        s.extend_from_slice(b"pong\r\n");
        want.push(Owned::Pong);
        s.extend_from_slice(b"MSG foo.bar 7 5\r\nhello\r\n");
        want.push(msg("foo.bar", 7, None, None, b"hello"));
        s.extend_from_slice(b"MSG foo 8 _INBOX.abc 3\r\nhey\r\n");
        want.push(msg("foo", 8, Some("_INBOX.abc"), None, b"hey"));
        s.extend_from_slice(b"msg\tempty  9 0\r\n\r\n");
        want.push(msg("empty", 9, None, None, b""));
        s.extend_from_slice(b"MSG bin 10 ");
        s.extend_from_slice(bin.len().to_string().as_bytes());
        s.extend_from_slice(b"\r\n");
        s.extend_from_slice(bin);
        s.extend_from_slice(b"\r\n");
        want.push(msg("bin", 10, None, None, bin));
        s.extend_from_slice(format!("HMSG h 11 {} {}\r\n", hdr.len(), hdr.len() + 2).as_bytes());
        s.extend_from_slice(hdr);
        s.extend_from_slice(b"ok\r\n");
        want.push(msg("h", 11, None, Some(hdr), b"ok"));
        s.extend_from_slice(format!("HMSG h 12 r.1 {} {}\r\n", hdr.len(), hdr.len()).as_bytes());
        s.extend_from_slice(hdr);
        s.extend_from_slice(b"\r\n");
        want.push(msg("h", 12, Some("r.1"), Some(hdr), b""));
        s.extend_from_slice(b"-ERR 'Stale Connection'\r\n");
        want.push(Owned::Err(b"Stale Connection".to_vec()));
        s.extend_from_slice(b"PING\r\n");
        want.push(Owned::Ping);
        (s, want)
    }

    #[test]
    fn each_op_type() {
        assert_eq!(op_of(b"PING\r\n"), (Owned::Ping, 6));
        assert_eq!(op_of(b"Ping\r\nxx"), (Owned::Ping, 6));
        assert_eq!(op_of(b"PONG\r\n"), (Owned::Pong, 6));
        assert_eq!(op_of(b"+ok\r\n"), (Owned::Ok, 5));
        assert_eq!(op_of(b"PING\n"), (Owned::Ping, 5));
        assert_eq!(
            op_of(b"INFO  {\"a\":1} \r\n"),
            (Owned::Info(b"{\"a\":1}".to_vec()), 16)
        );
        assert_eq!(
            op_of(b"-ERR 'Authorization Violation'\r\n"),
            (Owned::Err(b"Authorization Violation".to_vec()), 32)
        );
        assert_eq!(
            op_of(b"-ERR unquoted\r\n").0,
            Owned::Err(b"unquoted".to_vec())
        );
        assert_eq!(
            op_of(b"MSG a 1 2\r\nhi\r\n"),
            (msg("a", 1, None, None, b"hi"), 15)
        );
        assert_eq!(
            op_of(b"MSG a 18446744073709551615 r 2\r\nhi\r\n").0,
            msg("a", u64::MAX, Some("r"), None, b"hi")
        );
        assert_eq!(
            op_of(b"hmsg a 1 r 4 6\r\nHDRSPL\r\n").0,
            msg("a", 1, Some("r"), Some(b"HDRS"), b"PL")
        );
        assert_eq!(
            op_of(b"HMSG \t a \t 1   4   4 \r\nHDRS\r\n").0,
            msg("a", 1, None, Some(b"HDRS"), b"")
        );
    }

    #[test]
    fn whole_stream_at_once() {
        let (s, want) = sample_stream();
        let mut f = Feeder::new();
        f.feed(&s).unwrap();
        assert_eq!(f.ops, want);
        assert!(f.buf.is_empty());
    }

    #[test]
    fn split_at_every_boundary() {
        let (s, want) = sample_stream();
        for i in 0..=s.len() {
            let mut f = Feeder::new();
            f.feed(&s[..i]).unwrap();
            f.feed(&s[i..]).unwrap();
            assert_eq!(f.ops, want, "split at {i}");
            assert!(f.buf.is_empty());
        }
    }

    #[test]
    fn split_at_every_pair_of_boundaries() {
        let (s, want) = sample_stream();
        for i in 0..=s.len() {
            for j in i..=s.len() {
                let mut f = Feeder::new();
                f.feed(&s[..i]).unwrap();
                f.feed(&s[i..j]).unwrap();
                f.feed(&s[j..]).unwrap();
                assert_eq!(f.ops, want, "split at {i},{j}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let (s, want) = sample_stream();
        let mut f = Feeder::new();
        for b in &s {
            f.feed(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(f.ops, want);
        assert!(f.buf.is_empty());
    }

    #[test]
    fn fresh_parser_on_each_call_agrees() {
        // State is an optimisation only: a stateless re-parse must agree.
        let (s, want) = sample_stream();
        let mut got = Vec::new();
        let mut start = 0;
        for end in 0..=s.len() {
            while let Ok(Parsed::Op(op, n)) = Parser::default().parse(&s[start..end]) {
                got.push(own(&op));
                start += n;
            }
        }
        assert_eq!(got, want);
    }

    #[test]
    fn incomplete_hints() {
        let mut p = Parser::default();
        assert_eq!(p.parse(b"").unwrap(), Parsed::Incomplete(1));
        assert_eq!(p.parse(b"PI").unwrap(), Parsed::Incomplete(3));
        assert_eq!(p.parse(b"PING\r").unwrap(), Parsed::Incomplete(6));
        // Control line done: the hint is the exact size of the whole op.
        let mut p = Parser::default();
        assert_eq!(
            p.parse(b"MSG a 1 100\r\n").unwrap(),
            Parsed::Incomplete(13 + 100 + 2)
        );
        // Payload present but trailing CRLF not yet.
        let mut p = Parser::default();
        assert_eq!(p.parse(b"MSG a 1 2\r\nhi").unwrap(), Parsed::Incomplete(15));
        assert_eq!(
            p.parse(b"MSG a 1 2\r\nhi\r").unwrap(),
            Parsed::Incomplete(15)
        );
    }

    #[test]
    fn one_mib_payload_sized_by_hint() {
        let payload: Vec<u8> = (0..(1usize << 20)).map(|i| (i * 31 % 251) as u8).collect();
        let mut s = format!("MSG big.data 42 reply.to {}\r\n", payload.len()).into_bytes();
        let ctrl = s.len();
        s.extend_from_slice(&payload);
        s.extend_from_slice(b"\r\nPING\r\n");

        // A caller that only grows its buffer to exactly what the hint asks for.
        let mut p = Parser::default();
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        let mut src = &s[..];
        let mut ops = Vec::new();
        let mut hints = Vec::new();
        loop {
            match p.parse(&buf).unwrap() {
                Parsed::Op(op, n) => {
                    ops.push(own(&op));
                    buf.drain(..n);
                }
                Parsed::Incomplete(need) => {
                    if src.is_empty() {
                        break;
                    }
                    hints.push(need);
                    buf.reserve(need.saturating_sub(buf.len()));
                    // Read up to the capacity, like a socket read into spare room.
                    let room = (buf.capacity() - buf.len()).clamp(1, src.len());
                    buf.extend_from_slice(&src[..room]);
                    src = &src[room..];
                }
            }
        }
        assert!(hints.contains(&(ctrl + payload.len() + 2)));
        assert_eq!(ops.len(), 2);
        assert_eq!(
            ops[0],
            msg("big.data", 42, Some("reply.to"), None, &payload)
        );
        assert_eq!(ops[1], Owned::Ping);
        // Once the hint was known, one read sufficed to fetch the body.
        assert!(hints.len() < 10, "too many reads: {}", hints.len());
    }

    #[test]
    fn malformed_rejected() {
        let bad: &[&[u8]] = &[
            b"FOO\r\n",
            b"\r\n",
            b"PINGX\r\n",
            b"PING extra\r\n",
            b"+OK x\r\n",
            b"INFO\r\n",
            b"MSG\r\n",
            b"MSG a\r\n",
            b"MSG a 1\r\n",
            b"MSG a 1 r x 2\r\n",
            b"MSG a 1 r x y 2\r\n",
            b"MSG a x 2\r\n",
            b"MSG a 1 -2\r\n",
            b"MSG a 1 2x\r\n",
            b"MSG a 1 18446744073709551616\r\n",
            b"MSG a 1 18446744073709551615\r\n",
            b"HMSG a 1 2\r\n",
            b"HMSG a 1 r 2 3 4\r\n",
            b"HMSG a 1 5 4\r\n",
            b"HMSG a 1 x 4\r\n",
            b"MSG a 1 2\r\nhiXX",
            b"MSG a 1 2\r\nhi\n\r",
            b"HMSG a 1 2 2\r\nhi\rX",
        ];
        for b in bad {
            assert!(one(b).is_err(), "accepted {:?}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn control_line_too_long() {
        let mut p = Parser::new(16);
        assert!(p.parse(b"MSG aaaaaaaaaaaa").is_ok()); // 16 bytes: still pending
        assert!(p.parse(b"MSG aaaaaaaaaaaa\r").is_ok()); // might be CR of a 16-byte line
        assert!(p.parse(b"MSG aaaaaaaaaaaaa\r").is_err());
        let mut p = Parser::new(16);
        assert!(p.parse(b"MSG aaaaaaaaa 1 0\r\n\r\n").is_err());
        let mut p = Parser::new(16);
        assert!(p.parse(b"MSG aaaaaaaa 1 0\r\n\r\n").is_ok());
        // Byte-by-byte growth detects the overflow too.
        let mut p = Parser::new(16);
        let line = [b'x'; 40];
        let res: Vec<_> = (1..=line.len())
            .map(|n| p.parse(&line[..n]).is_ok())
            .collect();
        assert!(res[..17].iter().all(|&ok| ok));
        assert!(!res[17]);
        // INFO is allowed to be longer than a normal control line.
        let mut info = b"INFO {\"x\":\"".to_vec();
        info.extend(std::iter::repeat_n(b'a', 10_000));
        info.extend_from_slice(b"\"}\r\n");
        assert!(matches!(
            Parser::default().parse(&info),
            Ok(Parsed::Op(ServerOp::Info(_), _))
        ));
    }

    #[test]
    fn error_resets_state() {
        let mut p = Parser::default();
        assert!(p.parse(b"MSG a 1 2\r\nhiXX").is_err());
        assert_eq!(op_of(b"PING\r\n").0, Owned::Ping);
        assert!(matches!(
            p.parse(b"PING\r\n"),
            Ok(Parsed::Op(ServerOp::Ping, 6))
        ));
    }

    #[test]
    fn different_op_after_incomplete_is_reparsed() {
        // Contract misuse (e.g. reconnect without reset) must not yield garbage.
        let mut p = Parser::default();
        assert!(matches!(
            p.parse(b"MSG a 1 50\r\n"),
            Ok(Parsed::Incomplete(64))
        ));
        assert!(matches!(
            p.parse(b"PONG\r\n"),
            Ok(Parsed::Op(ServerOp::Pong, 6))
        ));
    }

    #[test]
    fn claimed_size_above_the_limit_is_refused_at_once() {
        let mut p = Parser::default();
        p.set_max_payload(1 << 20);
        // max_payload plus the same again is accepted (JetStream headers,
        // peers with larger limits); the body is merely awaited.
        let at = format!("MSG a 1 {}\r\n", 2 << 20);
        assert_eq!(
            p.parse(at.as_bytes()),
            Ok(Parsed::Incomplete(at.len() + (2 << 20) + 2))
        );
        let mut p = Parser::default();
        p.set_max_payload(1 << 20);
        for line in [
            format!("MSG a 1 {}\r\n", (2 << 20) + 1),
            format!("HMSG a 1 r 10 {}\r\n", (2 << 20) + 1),
            "MSG a 1 1000000000000\r\n".to_string(),
            "MSG a 1 9223372036854775807\r\n".to_string(),
            "HMSG a 1 9223372036854775000 9223372036854775807\r\n".to_string(),
            "MSG a 1 18446744073709551614\r\n".to_string(),
        ] {
            let e = p.parse(line.as_bytes());
            assert!(
                matches!(&e, Err(ParseError(t)) if t.contains("exceeds the limit")),
                "{line:?}: {e:?}"
            );
            // Nothing is pending afterwards.
            assert!(p.take_partial_msg(line.as_bytes()).is_none());
        }
        // Small limits still get the 1 MiB of slack.
        p.set_max_payload(10);
        assert_eq!(p.max_msg_size(), 10 + (1 << 20));
        // Without an announced limit only the absolute one applies.
        let mut p = Parser::default();
        assert_eq!(p.max_msg_size(), MAX_MSG_SIZE);
        for unknown in [0, -1, i64::MIN] {
            p.set_max_payload(unknown);
            assert_eq!(p.max_msg_size(), MAX_MSG_SIZE);
        }
        p.set_max_payload(i64::MAX);
        assert_eq!(p.max_msg_size(), MAX_MSG_SIZE);
        let huge = format!("MSG a 1 {}\r\n", MAX_MSG_SIZE + 1);
        assert!(p.parse(huge.as_bytes()).is_err());
    }

    #[test]
    fn error_display() {
        let e = ParseError("boom".into());
        assert_eq!(e.to_string(), "nats protocol error: boom");
    }
}
