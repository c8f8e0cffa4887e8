//! Request/reply. New style: through the connection's `ReplyMux`, one
//! wildcard inbox subscription, each request waiting on its own token.
//! Old style: a fresh inbox subscription per request.
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;

use super::conn::Connection;
use super::error::{Error, ErrorKind, Result, Traced};
use super::message::Message;
use super::reply_mux::Waiting;
use super::subscription::{SubKind, Subscription};
use crate::proto::nuid;

impl Connection {
    /// Sends a request and waits for the first reply.
    pub fn request(
        &self,
        subj: &str,
        headers: Option<&[u8]>,
        data: &[u8],
        timeout: Duration,
    ) -> Result<Message> {
        if timeout.is_zero() {
            return Err(Error::new(
                ErrorKind::InvalidTimeout,
                "timeout must be positive",
            ));
        }
        if self.options().old_request_style {
            return self.request_old_style(subj, headers, data, timeout);
        }
        let waiting = self.0.replies.wait(|| {
            let p = format!("{}.{}.", self.options().inbox_prefix, nuid::next_global());
            let sub = Subscription::new(
                self.new_sid(),
                &format!("{p}*"),
                None,
                self.home(),
                SubKind::Replies,
                (None, None),
            );
            self.register(&sub)?;
            Ok(p)
        })?;
        let Waiting { reply, token, rx } = waiting;
        // The caller waits for the reply anyway: write now rather than
        // waking the flusher for it.
        if let Err(e) = self.send_raw(subj, Some(&reply), headers, data) {
            self.0.replies.cancel(&token);
            return Err(e);
        }
        let got = rx.recv_timeout(timeout);
        match got {
            Ok(msg) => reply_result(msg).at("Connection::request"),
            Err(RecvTimeoutError::Timeout) => {
                self.0.replies.cancel(&token);
                Err(Error::new(ErrorKind::Timeout, "request timed out").at("Connection::request"))
            }
            Err(RecvTimeoutError::Disconnected) if self.is_closed() => {
                Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"))
            }
            Err(RecvTimeoutError::Disconnected) => Err(Error::new(
                ErrorKind::ConnectionDisconnected,
                "connection lost while waiting for the reply",
            )),
        }
    }

    fn request_old_style(
        &self,
        subj: &str,
        headers: Option<&[u8]>,
        data: &[u8],
        timeout: Duration,
    ) -> Result<Message> {
        let inbox = nuid::new_inbox(&self.options().inbox_prefix);
        let sub = self.subscribe_sync(&inbox, None)?;
        let result = self
            .auto_unsubscribe(&sub, 1)
            .and_then(|_| self.send_raw(subj, Some(&inbox), headers, data))
            .and_then(|_| sub.next_msg(timeout));
        if sub.is_valid() {
            let _ = self.unsubscribe(&sub);
        }
        reply_result(result.at("Connection::request_old_style")?)
            .at("Connection::request_old_style")
    }

    /// Called by the reader for a message on the reply subscription.
    pub(crate) fn route_reply(&self, msg: Message) {
        self.0.replies.route(msg);
    }

    /// Fails every waiting request (fail-requests-on-disconnect); the
    /// reply subscription stays for later requests.
    pub(crate) fn replies_failed(&self) {
        self.0.replies.fail_all();
    }

    /// Wakes every waiting request when the connection closes.
    pub(crate) fn replies_closed(&self) {
        self.0.replies.close();
    }
}

fn reply_result(msg: Message) -> Result<Message> {
    if msg.is_no_responders() {
        Err(Error::new(
            ErrorKind::NoResponders,
            "no responders available for request",
        )
        .at("request::reply_result"))
    } else {
        Ok(msg)
    }
}
