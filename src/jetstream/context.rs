//! A JetStream context: a connection, the API prefix its requests go to,
//! and the defaults every call uses (nats.c's `jsCtx` with its `jsOptions`).
use std::time::Duration;

use crate::client::Connection;

use super::error::{JsError, JsResult};

/// The prefix of the JetStream API when neither a prefix nor a domain is set.
pub const DEFAULT_API_PREFIX: &str = "$JS.API";

/// nats.c's default for `jsOptions.Wait`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// How a context reaches the JetStream API and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsOptions {
    /// API subject prefix (e.g. an import of another account's API); a
    /// trailing `.` is ignored. Empty means the default, or the domain's.
    pub prefix: String,
    /// JetStream domain: the API is `$JS.<domain>.API`. A prefix wins.
    pub domain: String,
    /// How long each API request waits for its answer.
    pub wait: Duration,
}

impl Default for JsOptions {
    fn default() -> JsOptions {
        JsOptions {
            prefix: String::new(),
            domain: String::new(),
            wait: DEFAULT_WAIT,
        }
    }
}

impl JsOptions {
    /// The API prefix these options select, without a trailing dot.
    pub fn api_prefix(&self) -> String {
        let prefix = self.prefix.trim_end_matches('.');
        if !prefix.is_empty() {
            return prefix.to_string();
        }
        let domain = self.domain.trim_end_matches('.');
        if !domain.is_empty() {
            return format!("$JS.{domain}.API");
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
}

impl JetStream {
    pub fn new(conn: Connection, opts: JsOptions) -> JsResult<JetStream> {
        if opts.wait.is_zero() {
            return Err(JsError::invalid_arg("the wait time must be positive"));
        }
        let prefix = opts.api_prefix();
        Ok(JetStream { conn, opts, prefix })
    }

    /// The same connection with other options: what a call taking its own
    /// `jsOptions` (nats.c's per-call prefix, domain and wait) runs on.
    pub fn with_options(&self, opts: JsOptions) -> JsResult<JetStream> {
        JetStream::new(self.conn.clone(), opts)
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
        assert_eq!(o.api_prefix(), "imported.js");
    }
}
