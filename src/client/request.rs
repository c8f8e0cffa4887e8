//! Request/reply. New style: one wildcard inbox subscription per
//! connection, each request waiting on its own token. Old style: a fresh
//! inbox subscription per request.
use std::collections::HashMap;
use std::time::Duration;

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};

use super::conn::Connection;
use super::error::{Error, ErrorKind, Result};
use super::message::Message;
use super::subscription::{SubKind, Subscription};
use crate::proto::nuid;

/// Requests waiting for their reply, keyed by the last token of the reply subject.
#[derive(Default)]
pub(crate) struct ReplyMux {
    /// `<inbox prefix>.<nuid>.`, set when the wildcard subscription exists.
    prefix: Option<String>,
    waiters: HashMap<String, Sender<Message>>,
    next_token: u64,
}

fn token_string(mut n: u64) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::with_capacity(11);
    loop {
        s.push(DIGITS[(n % 62) as usize]);
        n /= 62;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

impl Connection {
    fn lock_replies(&self) -> std::sync::MutexGuard<'_, ReplyMux> {
        self.0.replies.lock().unwrap_or_else(|p| p.into_inner())
    }

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
        let (reply, token, rx) = {
            let mut mux = self.lock_replies();
            let prefix = match &mux.prefix {
                Some(p) => p.clone(),
                None => {
                    let p = format!("{}.{}.", self.options().inbox_prefix, nuid::next_global());
                    let sub = Subscription::new(
                        self.new_sid(),
                        &format!("{p}*"),
                        None,
                        self.home(),
                        SubKind::Replies,
                        (-1, -1),
                    );
                    self.register(&sub)?;
                    mux.prefix = Some(p.clone());
                    p
                }
            };
            mux.next_token += 1;
            let token = token_string(mux.next_token);
            let (tx, rx) = bounded(1);
            mux.waiters.insert(token.clone(), tx);
            (format!("{prefix}{token}"), token, rx)
        };
        // The caller waits for the reply anyway: write now rather than
        // waking the flusher for it.
        if let Err(e) = self.send_raw(subj, Some(&reply), headers, data) {
            self.lock_replies().waiters.remove(&token);
            return Err(e);
        }
        let got = rx.recv_timeout(timeout);
        match got {
            Ok(msg) => reply_result(msg),
            Err(RecvTimeoutError::Timeout) => {
                self.lock_replies().waiters.remove(&token);
                Err(Error::new(ErrorKind::Timeout, "request timed out"))
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
        reply_result(result?)
    }

    /// Called by the reader for a message on the reply subscription.
    pub(crate) fn route_reply(&self, msg: Message) {
        let waiter = {
            let mut mux = self.lock_replies();
            let Some(prefix) = mux.prefix.as_deref() else {
                return;
            };
            let Some(token) = msg.subject().strip_prefix(prefix) else {
                return;
            };
            let token = token.to_string();
            mux.waiters.remove(&token)
        };
        if let Some(tx) = waiter {
            let _ = tx.try_send(msg);
        }
    }

    /// Fails every waiting request (fail-requests-on-disconnect); the
    /// reply subscription stays for later requests.
    pub(crate) fn replies_failed(&self) {
        self.lock_replies().waiters.clear();
    }

    /// Wakes every waiting request when the connection closes.
    pub(crate) fn replies_closed(&self) {
        let mut mux = self.lock_replies();
        mux.waiters.clear();
        mux.prefix = None;
    }
}

fn reply_result(msg: Message) -> Result<Message> {
    if msg.is_no_responders() {
        Err(Error::new(
            ErrorKind::NoResponders,
            "no responders available for request",
        ))
    } else {
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_distinct_base62() {
        assert_eq!(super::token_string(0), "0");
        assert_eq!(super::token_string(61), "z");
        assert_eq!(super::token_string(62), "10");
    }
}
