//! A JetStream context: a connection, the API prefix its requests go to,
//! and the defaults every call uses (nats.c's `jsCtx` with its `jsOptions`).
use std::sync::Arc;
use std::time::Duration;

use crate::client::Connection;

use super::error::{JsError, JsResult};
use super::publish_async::{PublishAsyncOptions, Publisher};

/// The prefix of the JetStream API when neither a prefix nor a domain is set.
pub const DEFAULT_API_PREFIX: &str = "$JS.API";

/// nats.c's default for `jsOptions.Wait`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// How a context reaches the JetStream API and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsOptions {
    /// API subject prefix (e.g. an import of another account's API); a
    /// trailing `.` is ignored. Empty means the default.
    pub prefix: String,
    /// JetStream domain: the API is `$JS.<domain>.API`. A domain wins over
    /// a prefix, as in nats.c.
    pub domain: String,
    /// How long each API request waits for its answer.
    pub wait: Duration,
    /// Asynchronous publishing: back-pressure and the ack callbacks.
    pub publish_async: PublishAsyncOptions,
}

impl Default for JsOptions {
    fn default() -> JsOptions {
        JsOptions {
            prefix: String::new(),
            domain: String::new(),
            wait: DEFAULT_WAIT,
            publish_async: PublishAsyncOptions::default(),
        }
    }
}

impl JsOptions {
    /// The API prefix these options select, without a trailing dot.
    pub fn api_prefix(&self) -> String {
        let domain = self.domain.trim_end_matches('.');
        if !domain.is_empty() {
            return format!("$JS.{domain}.API");
        }
        let prefix = self.prefix.trim_end_matches('.');
        if !prefix.is_empty() {
            return prefix.to_string();
        }
        DEFAULT_API_PREFIX.to_string()
    }
}

/// A JetStream context. Cheap to clone; it holds a reference to its
/// connection, which stays usable on its own.
#[derive(Clone)]
pub struct JetStream {
    conn: Connection,
    opts: JsOptions,
    prefix: String,
    /// Shared by the clones: they are one context for async publishing.
    publisher: Arc<Publisher>,
}

impl JetStream {
    pub fn new(conn: Connection, opts: JsOptions) -> JsResult<JetStream> {
        if opts.wait.is_zero() {
            return Err(JsError::invalid_arg("the wait time must be positive"));
        }
        let prefix = opts.api_prefix();
        let publisher = Arc::default();
        Ok(JetStream {
            conn,
            opts,
            prefix,
            publisher,
        })
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn options(&self) -> &JsOptions {
        &self.opts
    }

    /// The API prefix, without a trailing dot.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// This context with one call's overrides (nats.c's per-call
    /// `jsOptions`): a domain or prefix replaces the context's, a wait
    /// replaces its timeout.
    pub fn with_call(&self, prefix: &str, domain: &str, wait: Option<Duration>) -> JetStream {
        let mut js = self.clone();
        if !domain.is_empty() || !prefix.is_empty() {
            js.prefix = JsOptions {
                prefix: prefix.to_string(),
                domain: domain.to_string(),
                ..JsOptions::default()
            }
            .api_prefix();
        }
        if let Some(w) = wait.filter(|w| !w.is_zero()) {
            js.opts.wait = w;
        }
        js
    }

    pub(super) fn publisher(&self) -> &Arc<Publisher> {
        &self.publisher
    }

    /// This context with a publisher of its own (never used), for
    /// callbacks to keep without keeping the real one alive.
    pub(super) fn without_publisher(&self) -> JetStream {
        self.with_publisher(Arc::default())
    }

    pub(super) fn with_publisher(&self, publisher: Arc<Publisher>) -> JetStream {
        JetStream {
            conn: self.conn.clone(),
            opts: self.opts.clone(),
            prefix: self.prefix.clone(),
            publisher,
        }
    }

    /// The full API subject for `suffix` (e.g. `STREAM.INFO.ORDERS`).
    pub fn api_subject(&self, suffix: &str) -> String {
        format!("{}.{}", self.prefix, suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_domain_and_default() {
        let mut o = JsOptions::default();
        assert_eq!(o.api_prefix(), "$JS.API");
        o.domain = "hub".into();
        assert_eq!(o.api_prefix(), "$JS.hub.API");
        o.prefix = "imported.js.".into();
        // nats.c: a domain wins over a prefix.
        assert_eq!(o.api_prefix(), "$JS.hub.API");
        o.domain.clear();
        assert_eq!(o.api_prefix(), "imported.js");
    }
}
