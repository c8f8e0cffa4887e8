//! The `$JS.ACK` reply subject of a delivered JetStream message, in its
//! two forms:
//!
//! - v1: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<time>.<pending>`
//! - v2: `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<time>.<pending>[.<more>...]`
//!
//! where a domain of `_` means none. Tokens after the pending count are
//! ignored, as later servers may add some.
use crate::client::{ErrorKind, Message};
use crate::jetstream::error::{JsError, JsResult};

use super::options::{MsgMetadata, SequencePair};
use super::{texts, MsgBinding};

pub const ACK_PREFIX: &str = "$JS.ACK.";

/// Why a reply subject is not JetStream metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMetadata;

/// The numbers of a reply subject, without copying its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckTokens<'a> {
    pub domain: &'a str,
    pub stream: &'a str,
    pub consumer: &'a str,
    pub num_delivered: u64,
    pub stream_seq: u64,
    pub consumer_seq: u64,
    pub timestamp: i64,
    pub num_pending: u64,
}

fn number(t: &str) -> Result<u64, BadMetadata> {
    // Digits only: no sign, no spaces (what the server writes).
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadMetadata);
    }
    t.parse().map_err(|_| BadMetadata)
}

/// Splits a reply subject (with its `$JS.ACK.` prefix).
pub fn parse_ack_subject(reply: &str) -> Result<AckTokens<'_>, BadMetadata> {
    let rest = reply.strip_prefix(ACK_PREFIX).ok_or(BadMetadata)?;
    // At most 10 pieces: anything after the ninth token stays in the tenth.
    let mut tokens = [""; 10];
    let mut n = 0;
    for t in rest.splitn(10, '.') {
        tokens[n] = t;
        n += 1;
    }
    let t: &[&str] = match n {
        7 => &tokens[..7],
        9 | 10 => &tokens[2..9],
        _ => return Err(BadMetadata),
    };
    let domain = if n == 7 || tokens[0] == "_" {
        ""
    } else {
        tokens[0]
    };
    if t[0].is_empty() || t[1].is_empty() {
        return Err(BadMetadata);
    }
    Ok(AckTokens {
        domain,
        stream: t[0],
        consumer: t[1],
        num_delivered: number(t[2])?,
        stream_seq: number(t[3])?,
        consumer_seq: number(t[4])?,
        timestamp: i64::try_from(number(t[5])?).map_err(|_| BadMetadata)?,
        num_pending: number(t[6])?,
    })
}

/// The metadata of a message whose reply subject is `reply`.
pub fn parse_metadata(reply: &str) -> Result<MsgMetadata, BadMetadata> {
    let t = parse_ack_subject(reply)?;
    Ok(MsgMetadata {
        sequence: SequencePair {
            consumer: t.consumer_seq,
            stream: t.stream_seq,
        },
        num_delivered: t.num_delivered,
        num_pending: t.num_pending,
        timestamp: t.timestamp,
        stream: t.stream.to_string(),
        consumer: t.consumer.to_string(),
        domain: t.domain.to_string(),
    })
}

/// `natsMsg_GetMetaData`: the metadata of a message a subscription
/// delivered (a JetStream one, or a core one on a consumer's deliver
/// subject); a message the program made itself is not bound.
pub fn message_metadata(msg: &Message) -> JsResult<MsgMetadata> {
    if MsgBinding::of(msg).is_none() && msg.sid() == 0 {
        return Err(JsError::new(ErrorKind::IllegalState, texts::MSG_NOT_BOUND));
    }
    let reply = match msg.reply() {
        Some(r) if !r.is_empty() => r,
        _ => return Err(JsError::new(ErrorKind::IllegalState, texts::MSG_NOT_JS)),
    };
    parse_metadata(reply)
        .map_err(|_| JsError::new(ErrorKind::Err, format!("invalid meta data '{reply}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_form_has_no_domain() {
        let m = parse_metadata("$JS.ACK.ORDERS.dur.2.17.5.1700000000000000000.3").unwrap();
        assert_eq!((m.stream.as_str(), m.consumer.as_str()), ("ORDERS", "dur"));
        assert_eq!(m.num_delivered, 2);
        assert_eq!(
            m.sequence,
            SequencePair {
                stream: 17,
                consumer: 5
            }
        );
        assert_eq!(m.timestamp, 1_700_000_000_000_000_000);
        assert_eq!(m.num_pending, 3);
        assert_eq!(m.domain, "");
    }

    #[test]
    fn the_new_form_has_a_domain_an_account_hash_and_maybe_more() {
        let m = parse_metadata("$JS.ACK.hub.ACCHASH.S.C.1.2.3.4.5.rand").unwrap();
        assert_eq!(m.domain, "hub");
        assert_eq!((m.stream.as_str(), m.consumer.as_str()), ("S", "C"));
        assert_eq!(
            m.sequence,
            SequencePair {
                stream: 2,
                consumer: 3
            }
        );
        assert_eq!((m.timestamp, m.num_pending), (4, 5));
        let m = parse_metadata("$JS.ACK._.H.S.C.1.2.3.4.5").unwrap();
        assert_eq!(m.domain, "");
        let m = parse_metadata("$JS.ACK._.H.S.C.1.2.3.4.5.x.y.z").unwrap();
        assert_eq!(m.num_pending, 5);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "_INBOX.x",
            "$JS.ACK.S.C.1.2.3.4",
            "$JS.ACK.D.H.S.C.1.2.3.4",
            "$JS.ACK.S.C.1.2.x.4.5",
            "$JS.ACK.S.C.-1.2.3.4.5",
            "$JS.ACK.S.C.1.2.3.99999999999999999999.5",
            "$JS.ACK..C.1.2.3.4.5",
        ] {
            assert_eq!(parse_metadata(bad), Err(BadMetadata), "{bad}");
        }
    }
}
