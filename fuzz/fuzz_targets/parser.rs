//! The protocol parser, fed the same stream in one piece and cut into chunks.
//!
//! Input layout (so the fuzzer controls the cuts):
//! - byte 0: bits 0-2 the number of cut points (0-7), bit 3 whether message
//!   bodies are taken over with `take_partial_msg` as the reader does for
//!   large ones, bits 4-5 the control line limit, bits 6-7 the server's
//!   `max_payload` (none, 16, 1024, 1 MiB) that bounds a message's size;
//! - then two bytes (little endian) per cut point, taken modulo the stream
//!   length;
//! - the rest is the stream the server sent.
//!
//! Checked: no panic; every op consumes at least one byte and no more than
//! it was given; an `Incomplete` hint is beyond the bytes given, and no op
//! comes before that many bytes are there; the chunked run yields exactly
//! the ops (and the error, if any) of the one-shot run; every message can be
//! turned into a `Message` that gives back its payload, and every INFO
//! decoded with the URLs it announces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::client::url::ServerUrl;
use nats_rs::client::{Message, Part};
use nats_rs::proto::{ParseError, Parsed, Parser, ServerInfo, ServerOp};

const LIMITS: [usize; 4] = [4096, 64, 16, 1024];
const MAX_PAYLOADS: [i64; 4] = [0, 16, 1024, 1 << 20];

fn parser(limit: usize, max_payload: i64) -> Parser {
    let mut p = Parser::new(limit);
    p.set_max_payload(max_payload);
    p
}

/// An op copied out of the buffer, so runs over different buffers compare.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
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

impl From<&ServerOp<'_>> for Op {
    fn from(op: &ServerOp<'_>) -> Op {
        match op {
            ServerOp::Info(j) => Op::Info(j.to_vec()),
            ServerOp::Msg {
                subject,
                sid,
                reply,
                headers,
                payload,
            } => Op::Msg {
                subject: subject.to_vec(),
                sid: *sid,
                reply: reply.map(<[u8]>::to_vec),
                headers: headers.map(<[u8]>::to_vec),
                payload: payload.to_vec(),
            },
            ServerOp::Ping => Op::Ping,
            ServerOp::Pong => Op::Pong,
            ServerOp::Ok => Op::Ok,
            ServerOp::Err(e) => Op::Err(e.to_vec()),
        }
    }
}

/// How a run ended after its ops.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Waiting for more bytes.
    Incomplete,
    Error(String),
}

/// One call's result, with the contract checks every caller may rely on.
fn checked<'a>(p: &mut Parser, buf: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
    let r = p.parse(buf);
    match &r {
        Ok(Parsed::Op(_, n)) => {
            assert!(*n > 0, "an op consumed nothing");
            assert!(*n <= buf.len(), "consumed {n} of {} bytes", buf.len());
        }
        Ok(Parsed::Incomplete(need)) => {
            assert!(
                *need > buf.len(),
                "Incomplete({need}) with {} bytes given",
                buf.len()
            );
        }
        Err(_) => {}
    }
    r
}

fn one_shot(stream: &[u8], limit: usize, max_payload: i64) -> (Vec<Op>, End) {
    let mut p = parser(limit, max_payload);
    let mut ops = Vec::new();
    let mut pos = 0;
    loop {
        match checked(&mut p, &stream[pos..]) {
            Ok(Parsed::Op(op, n)) => {
                ops.push(Op::from(&op));
                pos += n;
            }
            Ok(Parsed::Incomplete(_)) => return (ops, End::Incomplete),
            Err(e) => return (ops, End::Error(e.0)),
        }
    }
}

/// A message whose body the caller collects itself (the reader's direct
/// path for large bodies).
struct Direct {
    subject: Vec<u8>,
    sid: u64,
    reply: Option<Vec<u8>>,
    hdr_len: Option<usize>,
    total_len: usize,
    /// The body and the CRLF after it, as far as they arrived.
    body: Vec<u8>,
}

struct Chunked {
    p: Parser,
    buf: Vec<u8>,
    ops: Vec<Op>,
    direct: Option<Direct>,
    take_partials: bool,
    /// The last `Incomplete` hint: no op may come from fewer bytes.
    need: usize,
}

impl Chunked {
    /// Adds one chunk and parses what it completes; `Err` ends the run.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        let mut input = chunk.to_vec();
        loop {
            if let Some(d) = &mut self.direct {
                let want = d.total_len + 2 - d.body.len();
                let n = want.min(input.len());
                d.body.extend_from_slice(&input[..n]);
                input.drain(..n);
                if d.body.len() < d.total_len + 2 {
                    return Ok(());
                }
                let d = self.direct.take().expect("checked above");
                self.finish_direct(d)?;
            }
            self.buf.append(&mut input);
            match self.parse_buffered()? {
                // Whatever of a taken-over body is here already goes the
                // same way as the bytes still to come.
                Some(rest) => input = rest,
                None => return Ok(()),
            }
        }
    }

    /// Parses the buffer until it runs out; when a message body is taken
    /// over, returns the bytes after its control line.
    fn parse_buffered(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            match checked(&mut self.p, &self.buf) {
                Ok(Parsed::Op(op, n)) => {
                    assert!(
                        self.buf.len() >= self.need,
                        "an op from {} bytes after Incomplete({})",
                        self.buf.len(),
                        self.need
                    );
                    self.ops.push(Op::from(&op));
                    self.buf.drain(..n);
                    self.need = 0;
                }
                Ok(Parsed::Incomplete(need)) => {
                    self.need = need;
                    if !self.take_partials {
                        return Ok(None);
                    }
                    let Some(pm) = self.p.take_partial_msg(&self.buf) else {
                        return Ok(None);
                    };
                    assert_eq!(
                        need,
                        pm.body_start + pm.total_len + 2,
                        "hint of a pending message"
                    );
                    self.direct = Some(Direct {
                        subject: pm.subject.to_vec(),
                        sid: pm.sid,
                        reply: pm.reply.map(<[u8]>::to_vec),
                        hdr_len: pm.hdr_len,
                        total_len: pm.total_len,
                        body: Vec::new(),
                    });
                    let rest = self.buf.split_off(pm.body_start);
                    self.buf.clear();
                    self.need = 0;
                    return Ok(Some(rest));
                }
                Err(e) => return Err(e.0),
            }
        }
    }

    fn finish_direct(&mut self, d: Direct) -> Result<(), String> {
        let (body, crlf) = d.body.split_at(d.total_len);
        if crlf != b"\r\n" {
            return Err("missing CRLF after message payload".into());
        }
        let (headers, payload) = match d.hdr_len {
            Some(h) => (Some(body[..h].to_vec()), body[h..].to_vec()),
            None => (None, body.to_vec()),
        };
        self.ops.push(Op::Msg {
            subject: d.subject,
            sid: d.sid,
            reply: d.reply,
            headers,
            payload,
        });
        Ok(())
    }
}

/// Does with an op what the reader does: an INFO is decoded and its URLs
/// parsed; a message is built as delivered and read back.
fn deliver(op: &Op) {
    if let Op::Info(json) = op {
        if let Ok(info) = ServerInfo::parse(json) {
            for u in &info.connect_urls {
                let _ = ServerUrl::parse(u);
            }
        }
        return;
    }
    let Op::Msg {
        subject,
        sid,
        reply,
        headers,
        payload,
    } = op
    else {
        return;
    };
    let mut m = Message::from_wire(
        subject,
        reply.as_deref(),
        headers.as_deref(),
        payload,
        *sid,
        0,
    );
    assert_eq!(m.data(), &payload[..]);
    assert_eq!(
        m.zero_terminated(Part::Data).and_then(|d| d.last().copied()),
        Some(0)
    );
    assert_eq!(m.sid(), *sid);
    assert_eq!(m.subject_bytes(), &subject[..]);
    assert_eq!(m.reply_bytes(), reply.as_deref());
    let _ = m.headers();
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let cuts_n = usize::from(flags & 7);
    let take_partials = flags & 8 != 0;
    let limit = LIMITS[usize::from(flags >> 4) & 3];
    let max_payload = MAX_PAYLOADS[usize::from(flags >> 6)];
    if rest.len() < cuts_n * 2 {
        return;
    }
    let (cut_bytes, stream) = rest.split_at(cuts_n * 2);
    let mut cuts: Vec<usize> = cut_bytes
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();

    let (want_ops, want_end) = one_shot(stream, limit, max_payload);

    let mut c = Chunked {
        p: parser(limit, max_payload),
        buf: Vec::new(),
        ops: Vec::new(),
        direct: None,
        take_partials,
        need: 0,
    };
    let mut from = 0;
    let mut end = End::Incomplete;
    for to in cuts.into_iter().chain(std::iter::once(stream.len())) {
        if let Err(e) = c.feed(&stream[from..to]) {
            end = End::Error(e);
            break;
        }
        from = to;
    }
    assert_eq!(c.ops, want_ops, "chunked ops differ from one-shot ops");
    assert_eq!(end, want_end, "chunked run ended differently");

    for op in &want_ops {
        deliver(op);
    }
});
