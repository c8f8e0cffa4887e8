//! Consuming a stream: push and pull subscriptions, the ordered consumer,
//! acknowledgements and message metadata (nats.c's `js_Subscribe*`,
//! `js_PullSubscribe*`, `natsSubscription_Fetch*`, `natsMsg_Ack*`).
//!
//! A JetStream subscription is a core [`Subscription`] with a [`JsSub`] as
//! its extension: the reader shows it every message first (push mode
//! swallows heartbeats and flow control there), and every message it lets
//! through is bound to it, so that acks find their connection and the ack
//! state lives with the message.
//!
//! Files: `options` (the values), `metadata` (`$JS.ACK` subjects),
//! `resolve` (finding or creating the consumer), `ack`, and one file per
//! mode: `push` (with `ordered`), `pull` (with `pull_async`).
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::client::subscription::Extension;
use crate::client::{Connection, Error, ErrorKind, Message, Result, Subscription};

use super::context::JetStream;
use super::error::{JsError, JsResult};

pub mod ack;
pub mod metadata;
pub mod options;
pub mod ordered;
pub mod pull;
pub mod pull_async;
pub mod push;
pub mod resolve;

pub use options::{FetchRequest, MsgMetadata, SequenceMismatch, SequencePair, SubOptions};

/// Texts nats.c uses for these failures (programs may compare them).
pub mod texts {
    pub const NOT_A_JS_SUBSCRIPTION: &str = "not a JetStream subscription";
    pub const NOT_A_PULL_SUBSCRIPTION: &str = "not a JetStream pull subscription";
    pub const NOT_FOR_PULL: &str = "not applicable to JetStream pull subscriptions";
    pub const MSG_NOT_BOUND: &str = "message not bound to a subscription";
    pub const MSG_NOT_JS: &str = "not a JetStream message";
    pub const SEQUENCE_MISMATCH: &str = "consumer sequence mismatch";
    pub const CONCURRENT_FETCH: &str = "concurrent fetch request not allowed";
}

/// The mode-specific state of a JetStream subscription.
pub enum Mode {
    Push(push::PushState),
    Pull(pull::PullState),
}

/// The JetStream side of a subscription (nats.c's `jsSub`).
///
/// Lock order: `consumer` is a leaf; the mode's locks come before it.
pub struct JsSub {
    me: Weak<JsSub>,
    /// The context the subscription was made with (its prefix and wait).
    pub js: JetStream,
    pub stream: String,
    /// The consumer's name, once known (an ordered consumer's changes).
    consumer: Mutex<Option<String>>,
    /// The library created the consumer: unsubscribe and drain delete it
    /// (nats.c's `dc`).
    delete_consumer: AtomicBool,
    /// The consumer does not want acks (ack policy none, or ordered).
    pub ack_none: bool,
    pub mode: Mode,
}

/// What a delivered JetStream message is bound to.
pub struct MsgBinding {
    pub sub: Arc<JsSub>,
    /// Set by a final ack (not by "in progress"); a second ack is then a
    /// no-op, as in nats.c.
    pub acked: AtomicBool,
}

impl MsgBinding {
    /// The binding of `msg`, if a JetStream subscription delivered it.
    pub fn of(msg: &Message) -> Option<&MsgBinding> {
        msg.binding()?.downcast_ref::<MsgBinding>()
    }
}

impl JsSub {
    pub fn new(js: JetStream, stream: String, ack_none: bool, mode: Mode) -> Arc<JsSub> {
        Arc::new_cyclic(|me| JsSub {
            me: me.clone(),
            js,
            stream,
            consumer: Mutex::new(None),
            delete_consumer: AtomicBool::new(false),
            ack_none,
            mode,
        })
    }

    /// The JetStream state of `sub`; `None` for a core subscription.
    pub fn of(sub: &Subscription) -> Option<Arc<JsSub>> {
        sub.extension()?
            .as_any()
            .downcast_ref::<JsSub>()?
            .me
            .upgrade()
    }

    /// `of`, or nats.c's error for a subscription that is not JetStream's.
    pub fn require(sub: &Subscription) -> JsResult<Arc<JsSub>> {
        JsSub::of(sub).ok_or_else(|| {
            JsError::new(ErrorKind::InvalidSubscription, texts::NOT_A_JS_SUBSCRIPTION)
        })
    }

    pub fn connection(&self) -> &Connection {
        self.js.connection()
    }

    pub fn consumer(&self) -> Option<String> {
        self.consumer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_consumer(&self, name: &str) {
        *self.consumer.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.to_string());
    }

    /// Marks the consumer as the library's (deleted with the subscription).
    pub fn set_delete_consumer(&self, yes: bool) {
        self.delete_consumer.store(yes, Release);
    }

    pub fn is_pull(&self) -> bool {
        matches!(self.mode, Mode::Pull(_))
    }

    pub fn push(&self) -> Option<&push::PushState> {
        match &self.mode {
            Mode::Push(p) => Some(p),
            Mode::Pull(_) => None,
        }
    }

    pub fn pull(&self) -> Option<&pull::PullState> {
        match &self.mode {
            Mode::Pull(p) => Some(p),
            Mode::Push(_) => None,
        }
    }

    /// Deletes the consumer if the library created it and nobody did yet.
    pub fn delete_consumer_if_created(&self) -> JsResult<()> {
        if !self.delete_consumer.swap(false, AcqRel) {
            return Ok(());
        }
        let Some(name) = self.consumer() else {
            return Ok(());
        };
        self.js
            .delete_consumer(&self.stream, &name)
            .map_err(|mut e| {
                if e.kind == ErrorKind::NotFound {
                    e.text = format!("failed to delete consumer '{name}': not found");
                }
                e
            })
            .map_err(|e| e.at("JsSub::delete_consumer_if_created"))
    }
}

impl Extension for JsSub {
    fn on_routed(&self, sub: &Subscription, msg: Message) -> Option<Message> {
        let mut msg = match &self.mode {
            Mode::Push(p) => p.on_routed(self, sub, msg)?,
            Mode::Pull(p) => p.on_routed(self, sub, msg)?,
        };
        if let Some(me) = self.me.upgrade() {
            msg.set_binding(Arc::new(MsgBinding {
                sub: me,
                acked: AtomicBool::new(false),
            }));
        }
        Some(msg)
    }

    fn on_queued(&self, sub: &Subscription, queued: bool) {
        if let Mode::Push(p) = &self.mode {
            p.on_queued(self, sub, queued);
        }
    }

    fn on_delivered(&self, sub: &Subscription, delivered: u64) {
        match &self.mode {
            Mode::Push(p) => p.on_delivered(self, sub, delivered),
            Mode::Pull(p) => p.on_delivered(self, sub, delivered),
        }
    }

    fn check_next_msg(&self, sub: &Subscription) -> Result<()> {
        match &self.mode {
            Mode::Push(p) => p.check_next_msg(self, sub),
            Mode::Pull(_) => Err(Error::new(
                ErrorKind::InvalidSubscription,
                texts::NOT_FOR_PULL,
            )),
        }
    }

    fn on_reconnected(&self, sub: &Subscription) {
        match &self.mode {
            Mode::Push(p) => p.on_reconnected(self, sub),
            Mode::Pull(p) => p.on_reconnected(self, sub),
        }
    }

    fn on_closed(&self, sub: &Subscription, drained: bool) {
        match &self.mode {
            Mode::Push(p) => p.on_closed(self, sub),
            Mode::Pull(p) => p.on_closed(self, sub),
        }
        // A drain deletes the library's consumer once it is done (as
        // nats.c); a failure goes to the error handler.
        if drained {
            if let Err(e) = self.delete_consumer_if_created() {
                self.connection()
                    .report_async_error(Some(sub), e.into_client());
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `natsSubscription_Unsubscribe` of any subscription: a JetStream one
/// also deletes the consumer the library created for it.
pub fn unsubscribe(sub: &Subscription) -> JsResult<()> {
    let conn = Connection::of(sub);
    conn.unsubscribe(sub)?;
    match JsSub::of(sub) {
        Some(js) => js.delete_consumer_if_created(),
        None => Ok(()),
    }
}

/// `natsSubscription_WaitForDrainCompletion`: a JetStream subscription's
/// consumer is gone too when it returns `Ok`.
pub fn wait_drain(sub: &Subscription, timeout: Option<Duration>) -> JsResult<()> {
    sub.wait_drain(timeout)?;
    match JsSub::of(sub) {
        Some(js) => js.delete_consumer_if_created(),
        None => Ok(()),
    }
}
