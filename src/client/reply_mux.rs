//! The request/reply multiplexer: one wildcard inbox subscription per
//! connection, each request waiting on its own token under it.
//!
//! Lock: `inner`, below the connection's `state` and above its
//! subscription table (the inbox subscription is registered under it; see
//! `client/mod.rs`).
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crossbeam_channel::{bounded, Receiver, Sender};

use super::error::Result;
use super::message::Message;

#[derive(Default)]
pub(crate) struct ReplyMux {
    inner: Mutex<Mux>,
}

/// Requests waiting for their reply, keyed by the last token of the reply subject.
#[derive(Default)]
struct Mux {
    /// `<inbox prefix>.<nuid>.`, set when the wildcard subscription exists.
    prefix: Option<String>,
    waiters: HashMap<String, Sender<Message>>,
    next_token: u64,
}

/// A request's place in the multiplexer.
pub(crate) struct Waiting {
    /// The reply subject to send the request with.
    pub(crate) reply: String,
    pub(crate) token: String,
    pub(crate) rx: Receiver<Message>,
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

impl ReplyMux {
    fn lock(&self) -> MutexGuard<'_, Mux> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new request. Without a wildcard subscription yet,
    /// `subscribe` makes one for the prefix it returns (called under the
    /// lock, so concurrent first requests make one only).
    pub(crate) fn wait(&self, subscribe: impl FnOnce() -> Result<String>) -> Result<Waiting> {
        let mut mux = self.lock();
        let prefix = match &mux.prefix {
            Some(p) => p.clone(),
            None => {
                let p = subscribe()?;
                mux.prefix = Some(p.clone());
                p
            }
        };
        mux.next_token += 1;
        let token = token_string(mux.next_token);
        let (tx, rx) = bounded(1);
        mux.waiters.insert(token.clone(), tx);
        Ok(Waiting {
            reply: format!("{prefix}{token}"),
            token,
            rx,
        })
    }

    /// The request gave up (timed out, or could not be sent).
    pub(crate) fn cancel(&self, token: &str) {
        self.lock().waiters.remove(token);
    }

    /// A message on the wildcard subscription: to its waiting request.
    pub(crate) fn route(&self, msg: Message) {
        let waiter = {
            let mut mux = self.lock();
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

    /// Fails every waiting request; the subscription stays.
    pub(crate) fn fail_all(&self) {
        self.lock().waiters.clear();
    }

    /// Fails every waiting request and forgets the subscription.
    pub(crate) fn close(&self) {
        let mut mux = self.lock();
        mux.waiters.clear();
        mux.prefix = None;
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
