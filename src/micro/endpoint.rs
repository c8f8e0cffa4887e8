//! One endpoint of a service: its subject, queue group, subscription and
//! statistics, and the serving of one request.
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::config::{QueuePolicy, RequestHandler, UserState, DEFAULT_QUEUE_GROUP};
use super::error::ServiceError;
use super::request::Request;
use super::service::Service;
use crate::client::{Message, Subscription};

/// What an endpoint was configured with; replaced whole when an endpoint
/// is added again on the same subject.
pub(crate) struct EndpointSpec {
    pub name: String,
    pub metadata: Vec<(String, String)>,
    pub handler: RequestHandler,
    pub state: Option<UserState>,
}

#[derive(Default, Clone)]
struct Counters {
    requests: u64,
    errors: u64,
    processing_ns: u128,
    last_error: String,
}

/// Lock order: `live` and `sub` are leaves; neither is held while the
/// other is taken, nor while user code runs.
pub struct Endpoint {
    pub subject: String,
    /// The queue group the subscription uses (`None`: every instance gets
    /// every request).
    pub queue: Option<String>,
    /// `$SRV.*` subjects: not listed in INFO or STATS.
    pub monitoring: bool,
    live: Mutex<(Arc<EndpointSpec>, Counters)>,
    pub(crate) sub: Mutex<Option<Subscription>>,
}

/// An endpoint as `$SRV.INFO` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInfo {
    pub name: String,
    pub subject: String,
    pub queue_group: Option<String>,
    pub metadata: Vec<(String, String)>,
}

/// An endpoint's counters as `$SRV.STATS` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    pub name: String,
    pub subject: String,
    pub queue_group: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub num_requests: u64,
    pub num_errors: u64,
    /// Total time spent in the handler, in nanoseconds.
    pub processing_time: u128,
    /// `processing_time / num_requests` (0 without requests).
    pub average_processing_time: u128,
    pub last_error: String,
}

/// The queue group of an endpoint: the first level (endpoint, group,
/// service) that says something decides; nobody: "q".
pub(crate) fn resolve_queue(levels: &[&QueuePolicy]) -> Option<String> {
    for level in levels {
        match level {
            QueuePolicy::Inherit => continue,
            QueuePolicy::None => return None,
            QueuePolicy::Named(q) => return Some(q.clone()),
        }
    }
    Some(DEFAULT_QUEUE_GROUP.to_string())
}

impl Endpoint {
    pub(crate) fn new(
        subject: String,
        queue: Option<String>,
        monitoring: bool,
        spec: EndpointSpec,
    ) -> Endpoint {
        Endpoint {
            subject,
            queue,
            monitoring,
            live: Mutex::new((Arc::new(spec), Counters::default())),
            sub: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (Arc<EndpointSpec>, Counters)> {
        // Counters stay meaningful if a holder panicked.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn spec(&self) -> Arc<EndpointSpec> {
        self.lock().0.clone()
    }

    /// A re-add on the same subject: new handler, name and metadata, fresh
    /// counters, the same subscription.
    pub(crate) fn replace(&self, spec: EndpointSpec) {
        *self.lock() = (Arc::new(spec), Counters::default());
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn name(&self) -> String {
        self.spec().name.clone()
    }

    /// Counts an error outside a request's outcome: an async error, or one
    /// a handler sent itself with `respond_error`.
    pub(crate) fn record_error(&self, err: &ServiceError) {
        let mut l = self.lock();
        l.1.errors += 1;
        l.1.last_error = err.to_string();
    }

    fn record_request(&self, elapsed_ns: u128, err: Option<&ServiceError>) {
        let mut l = self.lock();
        l.1.requests += 1;
        l.1.processing_ns = l.1.processing_ns.saturating_add(elapsed_ns);
        if let Some(e) = err {
            l.1.errors += 1;
            l.1.last_error = e.to_string();
        }
    }

    pub(crate) fn info(&self) -> EndpointInfo {
        let spec = self.spec();
        EndpointInfo {
            name: spec.name.clone(),
            subject: self.subject.clone(),
            queue_group: self.queue.clone(),
            metadata: spec.metadata.clone(),
        }
    }

    pub(crate) fn stats(&self) -> EndpointStats {
        let (spec, c) = {
            let l = self.lock();
            (l.0.clone(), l.1.clone())
        };
        EndpointStats {
            name: spec.name.clone(),
            subject: self.subject.clone(),
            queue_group: self.queue.clone(),
            metadata: spec.metadata.clone(),
            num_requests: c.requests,
            num_errors: c.errors,
            processing_time: c.processing_ns,
            average_processing_time: c
                .processing_ns
                .checked_div(u128::from(c.requests))
                .unwrap_or(0),
            last_error: c.last_error,
        }
    }

    /// Serves one request on the subscription's delivery thread: the
    /// handler runs, an error it returns is sent back as a service error,
    /// and the time and outcome are counted.
    pub(crate) fn serve(self: &Arc<Self>, service: &Service, msg: Message) {
        let spec = self.spec();
        let mut req = Request::new(service.clone(), self.clone(), spec.clone(), msg);
        let start = Instant::now();
        let outcome = super::service::in_handler(|| (spec.handler)(&mut req));
        let failed = match outcome {
            Ok(()) => None,
            Err(e) => match req.respond_error_unrecorded(&e, &[]) {
                Ok(()) => Some(e),
                Err(send) => Some(send.wrap(e.to_string())),
            },
        };
        let elapsed = start.elapsed().as_nanos();
        // An error the handler answered with itself was counted when sent.
        self.record_request(elapsed, failed.as_ref());
    }

    pub(crate) fn subscription(&self) -> Option<Subscription> {
        self.sub.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_subscription(&self, sub: Option<Subscription>) {
        *self.sub.lock().unwrap_or_else(|e| e.into_inner()) = sub;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_resolution_order() {
        let named = |q: &str| QueuePolicy::Named(q.into());
        let i = QueuePolicy::Inherit;
        assert_eq!(resolve_queue(&[&i, &i, &i]).as_deref(), Some("q"));
        assert_eq!(
            resolve_queue(&[&i, &named("g"), &named("s")]).as_deref(),
            Some("g")
        );
        assert_eq!(resolve_queue(&[&QueuePolicy::None, &named("g")]), None);
        assert_eq!(
            resolve_queue(&[&named("e"), &QueuePolicy::None]).as_deref(),
            Some("e")
        );
    }
}
