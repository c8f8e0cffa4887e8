//! Synchronous publish (`js_Publish`, `js_PublishMsg`): the message goes
//! out as a request with the options' headers, and the stream's answer is
//! the ack or the refusal with its error code.
//!
//! nats.c 3.14 does not retry: "no responders" (no stream captures the
//! subject, or JetStream is not there) is `NoResponders` with the code
//! `JSNotEnabledErr`, as for any API call.
use crate::client::{ErrorKind, Message};

use super::context::JetStream;
use super::error::{codes, JsError, JsResult};
use super::pub_ack::{decode_ack, PubAck};
use super::pub_options::{apply_to_msg, PubOptions};

impl JetStream {
    /// Publishes `data` to `subject` and waits for the stream's ack.
    /// `None` when the server answered with an empty message (it does so
    /// for the messages of an atomic batch that do not commit it).
    pub fn publish(
        &self,
        subject: &str,
        data: &[u8],
        opts: &PubOptions,
    ) -> JsResult<Option<PubAck>> {
        let mut msg = Message::try_new(subject.as_bytes(), None, data)?;
        self.publish_msg(&mut msg, opts)
    }

    /// Publishes a message built by the user (its own headers kept) and
    /// waits for the ack. The options' headers are set on `msg`, as nats.c
    /// does. Its reply subject is not used: the ack comes to an inbox.
    pub fn publish_msg(&self, msg: &mut Message, opts: &PubOptions) -> JsResult<Option<PubAck>> {
        if msg.subject_bytes().is_empty() {
            return Err(JsError::invalid_arg("the message has no subject"));
        }
        apply_to_msg(opts, msg)?;
        let wait = opts.max_wait.unwrap_or(self.options().wait);
        let headers = msg.encoded_headers();
        let answer = self
            .connection()
            .request(msg.subject(), headers.as_deref(), msg.data(), wait);
        match answer {
            Ok(reply) => decode_ack(reply.data()),
            Err(e) if e.kind == ErrorKind::NoResponders => {
                Err(JsError::api(e.kind, codes::JETSTREAM_NOT_ENABLED, e.text))
            }
            Err(e) => Err(e.into()),
        }
    }
}
