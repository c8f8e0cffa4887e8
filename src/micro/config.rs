//! What a service, an endpoint and a group are made of, and the rules
//! ADR-32 sets for their names, versions and subjects.
use std::any::Any;
use std::sync::Arc;

use super::endpoint::Endpoint;
use super::error::{ServiceError, ServiceResult};
use super::request::Request;
use super::service::Service;
use crate::client::ErrorKind;

/// Serves one request: `Err` is sent back as a service error.
pub type RequestHandler = Arc<dyn Fn(&mut Request) -> ServiceResult<()> + Send + Sync>;
/// Hears of an asynchronous error on one of the service's subscriptions,
/// with the endpoint it belongs to.
pub type ErrorHandler = Arc<dyn Fn(&Service, Option<&Endpoint>, ErrorKind) + Send + Sync>;
/// Runs once, when the service has stopped.
pub type DoneHandler = Arc<dyn Fn(&Service) + Send + Sync>;
/// Whatever the user keeps with a service or an endpoint.
pub type UserState = Arc<dyn Any + Send + Sync>;

/// The queue group a service, group or endpoint asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum QueuePolicy {
    /// Whatever the level above says (at the top: "q").
    #[default]
    Inherit,
    /// No queue group: every instance gets every request.
    None,
    Named(String),
}

impl QueuePolicy {
    /// The policy of a config's `QueueGroup` / `NoQueueGroup` pair.
    pub fn from_parts(queue_group: Option<&str>, no_queue_group: bool) -> QueuePolicy {
        match (no_queue_group, queue_group) {
            (true, _) => QueuePolicy::None,
            (false, Some(q)) if !q.is_empty() => QueuePolicy::Named(q.to_string()),
            _ => QueuePolicy::Inherit,
        }
    }
}

/// The queue group nats.c and ADR-32 use when nobody names one.
pub const DEFAULT_QUEUE_GROUP: &str = "q";

#[derive(Clone, Default)]
pub struct EndpointConfig {
    pub name: String,
    /// Empty: the name is the subject.
    pub subject: String,
    pub queue: QueuePolicy,
    pub metadata: Vec<(String, String)>,
    pub handler: Option<RequestHandler>,
    pub state: Option<UserState>,
}

#[derive(Clone, Default)]
pub struct GroupConfig {
    pub prefix: String,
    pub queue: QueuePolicy,
}

#[derive(Clone, Default)]
pub struct ServiceConfig {
    pub name: String,
    pub version: String,
    pub description: String,
    pub queue: QueuePolicy,
    pub metadata: Vec<(String, String)>,
    /// Added with the service, as if by `add_endpoint`.
    pub endpoint: Option<EndpointConfig>,
    /// Answers `$SRV.STATS` instead of the built-in handler.
    pub stats_handler: Option<RequestHandler>,
    pub error_handler: Option<ErrorHandler>,
    pub done_handler: Option<DoneHandler>,
    pub state: Option<UserState>,
}

/// ADR-32's names: letters, digits, `-` and `_`, at least one.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A semantic version (semver.org 2.0): `MAJOR.MINOR.PATCH`, numbers
/// without leading zeros, then optionally `-pre.release` and `+build`.
pub fn is_valid_version(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return false;
    }
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id)))
    });
    let build_ok = build.is_none_or(|b| b.split('.').all(ident));
    pre_ok && build_ok
}

/// An endpoint subject: tokens without whitespace, `>` only as the last
/// token.
pub fn is_valid_endpoint_subject(subject: &str) -> bool {
    if subject.is_empty() {
        return false;
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    tokens.iter().enumerate().all(|(i, t)| {
        !t.is_empty()
            && !t.bytes().any(|b| b.is_ascii_whitespace())
            && (!t.contains('>') || (*t == ">" && i == tokens.len() - 1))
    })
}

impl ServiceConfig {
    /// The checks `micro_AddService` makes before anything is created.
    pub fn validate(&self) -> ServiceResult<()> {
        if !is_valid_name(&self.name) {
            return Err(ServiceError::invalid_arg(format!(
                "invalid service name '{}': use letters, digits, '-' and '_'",
                self.name
            )));
        }
        if !is_valid_version(&self.version) {
            return Err(ServiceError::invalid_arg(format!(
                "invalid service version '{}': not a semantic version (e.g. 1.0.0)",
                self.version
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in [
            "0.0.1",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
        ] {
            assert!(is_valid_version(ok), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.0",
            "v1.0.0",
            "01.0.0",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-01",
            "1.0.0-a..b",
            "1.0.0.0",
            " 1.0.0",
            "1.0.x",
        ] {
            assert!(!is_valid_version(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_subjects() {
        assert!(is_valid_name("my-svc_1"));
        assert!(!is_valid_name("my svc") && !is_valid_name("") && !is_valid_name("a.b"));
        assert!(is_valid_endpoint_subject("a.*.c") && is_valid_endpoint_subject("a.>"));
        assert!(!is_valid_endpoint_subject("a.>.c") && !is_valid_endpoint_subject("a b"));
        assert!(!is_valid_endpoint_subject("a..b") && !is_valid_endpoint_subject(""));
    }

    #[test]
    fn queue_policy_of_config_fields() {
        assert_eq!(QueuePolicy::from_parts(Some("x"), true), QueuePolicy::None);
        assert_eq!(
            QueuePolicy::from_parts(Some(""), false),
            QueuePolicy::Inherit
        );
        assert_eq!(
            QueuePolicy::from_parts(Some("x"), false),
            QueuePolicy::Named("x".into())
        );
    }
}
