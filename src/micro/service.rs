//! A service: its endpoints and groups, its life from `add` to the done
//! handler, and what INFO and STATS report about it.
use std::any::Any;
use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::config::{
    is_valid_endpoint_subject, is_valid_name, DoneHandler, EndpointConfig, ErrorHandler,
    GroupConfig, QueuePolicy, RequestHandler, ServiceConfig, UserState,
};
use super::endpoint::{resolve_queue, Endpoint, EndpointInfo, EndpointSpec, EndpointStats};
use super::error::{ServiceError, ServiceResult};
use super::monitoring;
use crate::client::conn::{Delivery, SubSpec};
use crate::client::subscription::Extension;
use crate::client::{Connection, Error, ErrorKind, Message, Status, Subscription};
use crate::proto::nuid;

/// How long `stop` (and `run`) wait for the drain and the done handler
/// before giving up waiting (they still happen): a bound, so that a stop
/// from an unexpected thread cannot hang the caller.
const STOP_WAIT: Duration = Duration::from_secs(60);

thread_local! {
    /// Set while this thread runs one of a service's handlers (request,
    /// error, done): a stop from there must not wait for its own return.
    static IN_SERVICE_CALLBACK: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` marked as a service callback on this thread.
pub(crate) fn in_handler<R>(f: impl FnOnce() -> R) -> R {
    struct Mark;
    impl Drop for Mark {
        fn drop(&mut self) {
            IN_SERVICE_CALLBACK.with(|c| c.set(c.get().saturating_sub(1)));
        }
    }
    IN_SERVICE_CALLBACK.with(|c| c.set(c.get() + 1));
    let _mark = Mark;
    f()
}

fn in_service_callback() -> bool {
    IN_SERVICE_CALLBACK.with(|c| c.get() > 0)
}

/// A running (or stopped) service; clones share it.
#[derive(Clone)]
pub struct Service(pub(crate) Arc<ServiceInner>);

/// What does not change after `add`.
struct Identity {
    name: String,
    version: String,
    description: String,
    queue: QueuePolicy,
    metadata: Vec<(String, String)>,
    stats_handler: Option<RequestHandler>,
    error_handler: Option<ErrorHandler>,
    done_handler: Option<DoneHandler>,
    state: Option<UserState>,
}

#[derive(Default)]
struct Live {
    stopped: bool,
    /// In the order they were added (the monitoring ones first).
    endpoints: Vec<Arc<Endpoint>>,
    groups: Vec<Arc<Group>>,
    /// Subscriptions made and not yet complete.
    running: usize,
    /// The done handler was claimed by someone (it runs once).
    done_claimed: bool,
    /// ... and has returned.
    done: bool,
}

/// Lock order: `live`, then an endpoint's locks. Neither is held while
/// user code runs or while waiting for the network.
pub struct ServiceInner {
    conn: Connection,
    id: String,
    me: Identity,
    /// When the service was added, in UTC nanoseconds.
    started: i64,
    live: Mutex<Live>,
    /// Signalled when `stopped` or `done` change.
    changed: Condvar,
}

/// A subject prefix (and queue group) shared by endpoints; owned by its
/// service.
pub struct Group {
    service: Weak<ServiceInner>,
    prefix: String,
    queue: QueuePolicy,
}

/// The service as `$SRV.INFO` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub id: String,
    pub metadata: Vec<(String, String)>,
    pub endpoints: Vec<EndpointInfo>,
}

/// The service as `$SRV.STATS` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStats {
    pub name: String,
    pub version: String,
    pub id: String,
    pub metadata: Vec<(String, String)>,
    /// UTC nanoseconds.
    pub started: i64,
    pub endpoints: Vec<EndpointStats>,
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Passes messages through untouched; reports async errors (a slow
/// consumer) to the service, which then stops, as nats.go's and nats.c's do.
struct EndpointHook {
    service: Weak<ServiceInner>,
    endpoint: Weak<Endpoint>,
}

impl Extension for EndpointHook {
    fn on_routed(&self, _sub: &Subscription, msg: Message) -> Option<Message> {
        Some(msg)
    }

    fn on_async_error(&self, _sub: &Subscription, e: &Error) {
        let (Some(inner), Some(ep)) = (self.service.upgrade(), self.endpoint.upgrade()) else {
            return;
        };
        let service = Service(inner);
        let err =
            ServiceError::from(e.clone()).wrap(format!("NATS error on endpoint '{}'", ep.subject));
        ep.record_error(&err);
        in_handler(|| {
            if let Some(h) = &service.0.me.error_handler {
                h(&service, Some(&ep), e.kind);
            }
            // Marked as a callback: this does not wait for the drain.
            let _ = service.stop();
        });
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Service {
    /// Creates the service on `conn` and starts it: the monitoring
    /// subjects and the config's endpoint are subscribed before it returns.
    pub fn add(conn: &Connection, cfg: ServiceConfig) -> ServiceResult<Service> {
        let name = cfg.name.clone();
        let fail = |e: ServiceError| e.wrap(format!("failed to add microservice '{name}'"));
        cfg.validate().map_err(fail)?;
        if conn.is_closed() || matches!(conn.status(), Status::DrainingSubs | Status::DrainingPubs)
        {
            return Err(fail(
                ServiceError::from_status(ErrorKind::ConnectionClosed).wrap(format!(
                    "can't add service '{name}' to a closed or draining connection"
                )),
            ));
        }
        let ServiceConfig {
            name: _,
            version,
            description,
            queue,
            metadata,
            endpoint,
            stats_handler,
            error_handler,
            done_handler,
            state,
        } = cfg;
        let service = Service(Arc::new(ServiceInner {
            conn: conn.clone(),
            id: nuid::next_global(),
            me: Identity {
                name: name.clone(),
                version,
                description,
                queue,
                metadata,
                stats_handler,
                error_handler,
                done_handler,
                state,
            },
            started: now_nanos(),
            live: Mutex::new(Live::default()),
            changed: Condvar::new(),
        }));
        let started = monitoring::add_handlers(&service).and_then(|()| match endpoint {
            Some(ep) => service.add_endpoint(None, ep),
            None => Ok(()),
        });
        if let Err(e) = started {
            let _ = service.stop();
            return Err(fail(e));
        }
        Ok(service)
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // The lists stay consistent if a holder panicked.
        self.0.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn name(&self) -> &str {
        &self.0.me.name
    }

    pub fn version(&self) -> &str {
        &self.0.me.version
    }

    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn metadata(&self) -> &[(String, String)] {
        &self.0.me.metadata
    }

    pub fn connection(&self) -> &Connection {
        &self.0.conn
    }

    pub fn state(&self) -> Option<&UserState> {
        self.0.me.state.as_ref()
    }

    pub(crate) fn stats_handler(&self) -> Option<&RequestHandler> {
        self.0.me.stats_handler.as_ref()
    }

    /// Adds an endpoint (under `group`'s prefix when given) and subscribes
    /// it. On a subject that already has an endpoint, that endpoint takes
    /// the new handler, name and metadata, and its counters restart.
    pub fn add_endpoint(&self, group: Option<&Group>, cfg: EndpointConfig) -> ServiceResult<()> {
        self.add_endpoint_as(group, cfg, false)
    }

    pub(crate) fn add_endpoint_as(
        &self,
        group: Option<&Group>,
        cfg: EndpointConfig,
        monitoring: bool,
    ) -> ServiceResult<()> {
        let ep_name = cfg.name.clone();
        let svc_name = self.name().to_string();
        let fail = |e: ServiceError| {
            e.wrap(format!(
                "can't add an endpoint '{ep_name}' to service '{svc_name}'"
            ))
        };
        if !monitoring && !is_valid_name(&cfg.name) {
            return Err(fail(ServiceError::invalid_arg(format!(
                "invalid endpoint name '{}'",
                cfg.name
            ))));
        }
        let handler = cfg.handler.clone().ok_or_else(|| {
            fail(ServiceError::invalid_arg(format!(
                "NULL endpoint request handler for '{}'",
                cfg.name
            )))
        })?;
        let local = if cfg.subject.is_empty() {
            &cfg.name
        } else {
            &cfg.subject
        };
        let subject = match group {
            Some(g) => format!("{}.{local}", g.prefix),
            None => local.clone(),
        };
        if !is_valid_endpoint_subject(&subject) {
            return Err(fail(ServiceError::invalid_arg(format!(
                "invalid subject '{subject}' for endpoint '{}'",
                cfg.name
            ))));
        }
        let inherit = QueuePolicy::Inherit;
        let group_queue = group.map_or(&inherit, |g| &g.queue);
        let queue = if monitoring {
            None
        } else {
            resolve_queue(&[&cfg.queue, group_queue, &self.0.me.queue])
        };
        let spec = EndpointSpec {
            name: cfg.name,
            metadata: cfg.metadata,
            handler,
            state: cfg.state,
        };

        let mut live = self.lock();
        if live.stopped {
            return Err(fail(ServiceError::new(
                0,
                format!("the service '{}' is stopped", self.name()),
            )));
        }
        if let Some(ep) = live.endpoints.iter().find(|e| e.subject == subject) {
            if ep.queue != queue {
                return Err(fail(ServiceError::new(
                    0,
                    format!("can't change the queue group of endpoint on '{subject}'"),
                )));
            }
            ep.replace(spec);
            return Ok(());
        }
        let ep = Arc::new(Endpoint::new(subject, queue, monitoring, spec));
        let sub = self
            .subscribe(&ep)
            .map_err(|e| fail(ServiceError::from(e)))?;
        ep.set_subscription(Some(sub.clone()));
        live.endpoints.push(ep.clone());
        live.running += 1;
        drop(live);
        let inner = self.0.clone();
        let done_ep = ep.clone();
        let on_done = Box::new(move || Service(inner).subscription_done(&done_ep));
        if sub.set_on_complete(Some(on_done)).is_err() {
            // Already complete (the connection closed under us): account
            // for it as the completion would have.
            self.subscription_done(&ep);
        }
        Ok(())
    }

    fn subscribe(&self, ep: &Arc<Endpoint>) -> crate::client::Result<Subscription> {
        // The subscription holds the service until it completes (drained,
        // unsubscribed or closed with the connection): then the endpoint
        // lets go of it, and the cycle ends.
        let inner = self.0.clone();
        let endpoint = ep.clone();
        let handler: crate::client::MsgHandler = Arc::new(move |_c, _s, m| {
            if let Some(m) = m {
                endpoint.serve(&Service(inner.clone()), m);
            }
        });
        let delivery = if ep.monitoring {
            Delivery::Pooled { handler }
        } else {
            Delivery::Async {
                handler,
                idle: None,
            }
        };
        let hook = EndpointHook {
            service: Arc::downgrade(&self.0),
            endpoint: Arc::downgrade(ep),
        };
        self.0.conn.subscribe_ext(SubSpec {
            subject: &ep.subject,
            queue: ep.queue.as_deref(),
            delivery,
            extension: Some(Arc::new(hook)),
        })
    }

    /// An endpoint's subscription is complete: the endpoint goes; after
    /// the last one the service is stopped and its done handler runs, once.
    fn subscription_done(&self, ep: &Arc<Endpoint>) {
        let sub = ep.subscription();
        ep.set_subscription(None);
        let run_done = {
            let mut l = self.lock();
            let before = l.endpoints.len();
            l.endpoints.retain(|e| !Arc::ptr_eq(e, ep));
            if l.endpoints.len() < before {
                l.running = l.running.saturating_sub(1);
            }
            let last = l.running == 0 && !l.done_claimed;
            if last {
                l.stopped = true;
                l.done_claimed = true;
            }
            last
        };
        drop(sub);
        self.0.changed.notify_all();
        if run_done {
            self.run_done_handler();
        }
    }

    fn run_done_handler(&self) {
        if let Some(h) = self.0.me.done_handler.clone() {
            in_handler(|| h(self));
        }
        self.lock().done = true;
        self.0.changed.notify_all();
    }

    /// Stops answering: every subscription drains (what was received is
    /// still served), then the done handler runs once. From a thread that
    /// is not one of the service's callbacks, returns once that is over.
    pub fn stop(&self) -> ServiceResult<()> {
        let (subs, claim_done) = {
            let mut l = self.lock();
            let first = !l.stopped;
            l.stopped = true;
            let subs: Vec<Subscription> = if first {
                l.endpoints
                    .iter()
                    .filter_map(|e| e.subscription())
                    .collect()
            } else {
                Vec::new()
            };
            // No subscription left to complete: the done handler is ours.
            let claim = l.running == 0 && !l.done_claimed;
            if claim {
                l.done_claimed = true;
            }
            (subs, claim)
        };
        self.0.changed.notify_all();
        if claim_done {
            self.run_done_handler();
        }
        if !subs.is_empty() {
            match self.0.conn.drain_subscriptions(&subs) {
                Ok(()) => {}
                // Closing or draining: the subscriptions complete anyway.
                Err(e) if matches!(e.kind, ErrorKind::ConnectionClosed | ErrorKind::Draining) => {}
                Err(e) => {
                    return Err(ServiceError::from(e)
                        .wrap(format!("failed to stop service '{}'", self.name())))
                }
            }
        }
        if !in_service_callback() {
            self.wait(|l| l.done);
        }
        Ok(())
    }

    fn wait(&self, until: impl Fn(&Live) -> bool) {
        let l = self.lock();
        let _ = self
            .0
            .changed
            .wait_timeout_while(l, STOP_WAIT, |l| !until(l))
            .unwrap_or_else(|e| e.into_inner());
    }

    pub fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    /// Waits until the service is stopped (by `stop`, the connection
    /// closing, or an async error) and, outside the service's callbacks,
    /// until its done handler has returned.
    pub fn run(&self) {
        let l = self.lock();
        let l = self
            .0
            .changed
            .wait_while(l, |l| !l.stopped)
            .unwrap_or_else(|e| e.into_inner());
        drop(l);
        if !in_service_callback() {
            self.wait(|l| l.done);
        }
    }

    /// A subject prefix for endpoints, under `parent`'s when given. A group
    /// without a queue policy of its own takes its parent's.
    pub fn add_group(&self, parent: Option<&Group>, cfg: GroupConfig) -> ServiceResult<Arc<Group>> {
        if cfg.prefix.is_empty() {
            return Err(ServiceError::invalid_arg("group prefix is empty"));
        }
        let (prefix, queue) = match parent {
            Some(p) => (
                format!("{}.{}", p.prefix, cfg.prefix),
                match cfg.queue {
                    QueuePolicy::Inherit => p.queue.clone(),
                    q => q,
                },
            ),
            None => (cfg.prefix, cfg.queue),
        };
        let g = Arc::new(Group {
            service: Arc::downgrade(&self.0),
            prefix,
            queue,
        });
        self.lock().groups.push(g.clone());
        Ok(g)
    }

    pub fn info(&self) -> ServiceInfo {
        let eps: Vec<Arc<Endpoint>> = self.user_endpoints();
        ServiceInfo {
            name: self.name().to_string(),
            version: self.version().to_string(),
            description: self.0.me.description.clone(),
            id: self.id().to_string(),
            metadata: self.metadata().to_vec(),
            endpoints: eps.iter().map(|e| e.info()).collect(),
        }
    }

    pub fn stats(&self) -> ServiceStats {
        let eps: Vec<Arc<Endpoint>> = self.user_endpoints();
        ServiceStats {
            name: self.name().to_string(),
            version: self.version().to_string(),
            id: self.id().to_string(),
            metadata: self.metadata().to_vec(),
            started: self.0.started,
            endpoints: eps.iter().map(|e| e.stats()).collect(),
        }
    }

    pub fn description(&self) -> &str {
        &self.0.me.description
    }

    fn user_endpoints(&self) -> Vec<Arc<Endpoint>> {
        self.lock()
            .endpoints
            .iter()
            .filter(|e| !e.monitoring)
            .cloned()
            .collect()
    }
}

impl Group {
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn service(&self) -> ServiceResult<Service> {
        self.service
            .upgrade()
            .map(Service)
            .ok_or_else(|| ServiceError::invalid_arg("the group's service is gone"))
    }

    pub fn add_endpoint(&self, cfg: EndpointConfig) -> ServiceResult<()> {
        self.service()?.add_endpoint(Some(self), cfg)
    }

    pub fn add_group(&self, cfg: GroupConfig) -> ServiceResult<Arc<Group>> {
        self.service()?.add_group(Some(self), cfg)
    }
}
