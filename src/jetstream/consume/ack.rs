//! Acknowledging a delivered JetStream message (`natsMsg_Ack`, `_AckSync`,
//! `_Nak`, `_NakWithDelay`, `_InProgress`, `_Term`): a short body published
//! to the message's `$JS.ACK` reply subject, or requested when the caller
//! wants the server's confirmation.
use std::any::Any;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{Connection, ErrorKind, Message};

use super::super::error::{codes, JsError, JsResult};
use super::{texts, MsgBinding};

/// Which acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    Ack,
    /// Redeliver, after `delay` if one is given.
    Nak(Option<Duration>),
    /// Still working on it: the ack wait starts over. Not final.
    InProgress,
    /// Never redeliver.
    Term,
}

impl AckKind {
    fn body(self) -> String {
        match self {
            AckKind::Ack => "+ACK".into(),
            AckKind::Nak(Some(d)) if !d.is_zero() => {
                format!("-NAK {{\"delay\":{}}}", d.as_nanos().min(i64::MAX as u128))
            }
            AckKind::Nak(_) => "-NAK".into(),
            AckKind::InProgress => "+WPI".into(),
            AckKind::Term => "+TERM".into(),
        }
    }
}

/// How to send an acknowledgement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckMode {
    /// Wait for the server to confirm.
    pub sync: bool,
    /// How long to wait (`None`: the subscription's context's wait). A
    /// wait makes any acknowledgement synchronous, as in nats.c.
    pub wait: Option<Duration>,
}

/// Sends `kind` for `msg`. A message already acknowledged (finally) is
/// left alone and `Ok` is returned, as nats.c does.
pub fn acknowledge(msg: &Message, kind: AckKind, mode: AckMode) -> JsResult<()> {
    let Some(binding) = MsgBinding::of(msg) else {
        return Err(JsError::new(ErrorKind::IllegalState, texts::MSG_NOT_BOUND));
    };
    if binding.acked.load(Acquire) {
        return Ok(());
    }
    let reply = match msg.reply() {
        Some(r) if !r.is_empty() => r,
        _ => return Err(JsError::new(ErrorKind::IllegalState, texts::MSG_NOT_JS)),
    };
    let conn = binding.sub.connection();
    let body = kind.body();
    let wait = mode.wait.filter(|w| !w.is_zero());
    if mode.sync || wait.is_some() {
        let wait = wait.unwrap_or(binding.sub.js.options().wait);
        conn.request(reply, None, body.as_bytes(), wait)
            .map_err(|e| match e.kind {
                // Nobody answers on the ack subject: the consumer is gone.
                ErrorKind::NoResponders => JsError::api(
                    ErrorKind::NoResponders,
                    codes::JETSTREAM_NOT_ENABLED,
                    "no responders for the acknowledgement",
                ),
                _ => JsError::from(e),
            })?;
    } else {
        conn.publish(reply, body.as_bytes())?;
    }
    if kind != AckKind::InProgress {
        binding.acked.store(true, Release);
    }
    Ok(())
}

/// An automatic ack after a callback (nats.c's `_autoAckCB`): taken before
/// the message is handed over, as the callback may free it.
pub struct AutoAck {
    binding: Arc<dyn Any + Send + Sync>,
    reply: String,
}

impl AutoAck {
    /// The ack `msg` will need (`None`: not a JetStream message).
    pub fn of(msg: &Message) -> Option<AutoAck> {
        let binding = msg.binding()?.clone();
        binding.downcast_ref::<MsgBinding>()?;
        let reply = msg.reply()?.to_string();
        Some(AutoAck { binding, reply })
    }

    /// Acks, unless the callback gave its own final answer (an ack, a nak,
    /// a term), which an automatic ack must not undo.
    pub fn finish(self, conn: &Connection) {
        if let Some(b) = self.binding.downcast_ref::<MsgBinding>() {
            if !b.acked.swap(true, AcqRel) {
                let _ = conn.publish(&self.reply, b"+ACK");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_protocol_tokens() {
        assert_eq!(AckKind::Ack.body(), "+ACK");
        assert_eq!(AckKind::Nak(None).body(), "-NAK");
        assert_eq!(AckKind::Nak(Some(Duration::ZERO)).body(), "-NAK");
        assert_eq!(
            AckKind::Nak(Some(Duration::from_millis(250))).body(),
            "-NAK {\"delay\":250000000}"
        );
        assert_eq!(AckKind::InProgress.body(), "+WPI");
        assert_eq!(AckKind::Term.body(), "+TERM");
    }

    #[test]
    fn a_message_no_subscription_delivered_is_not_bound() {
        let m = Message::new("s", Some("$JS.ACK.S.C.1.1.1.1.0"), b"x");
        let e = acknowledge(&m, AckKind::Ack, AckMode::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::IllegalState);
        assert_eq!(e.text, texts::MSG_NOT_BOUND);
    }
}
