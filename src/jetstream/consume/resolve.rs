//! Finding or creating the consumer behind a new JetStream subscription
//! (the first half of nats.c's `_subscribeMulti`): the options' checks,
//! the stream looked up by subject, an existing consumer bound or looked
//! up and checked against the user's config, or the config of the one to
//! create; then the subscription is made and, if needed, the consumer
//! created (retrying as a lookup when another subscriber created it first).
use crate::client::{ErrorKind, Subscription};

use super::super::consumer_config::{AckPolicy, ConsumerConfig, DeliverPolicy};
use super::super::consumer_info::ConsumerInfo;
use super::super::context::JetStream;
use super::super::error::{codes, ErrorCode, JsError, JsResult};
use super::super::names::check_consumer_name;
use super::options::SubOptions;
use super::JsSub;

/// What an existing consumer's name collision looks like on create.
const CONSUMER_NAME_EXISTS: ErrorCode = 10013;
const CONSUMER_EXISTING_ACTIVE: ErrorCode = 10105;

/// nats.c's heartbeat for ordered consumers that ask for none: 5 s.
pub const ORDERED_HEARTBEAT_NS: i64 = 5_000_000_000;

/// What a new JetStream subscription is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The filter subjects (may be empty when binding to a consumer).
    pub subjects: &'a [String],
    /// `js_PullSubscribe`'s durable argument (wins over the config's).
    pub pull_durable: Option<&'a str>,
    pub opts: &'a SubOptions,
    pub pull: bool,
}

/// How the subscription is to be made.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub stream: String,
    /// The consumer's name when known before the subscription exists.
    pub consumer: Option<String>,
    /// Push: the subject to subscribe on.
    pub deliver: Option<String>,
    /// The consumer to create once the subscription exists.
    pub create: Option<ConsumerConfig>,
    /// The consumer's idle heartbeat, nanoseconds (0: none).
    pub heartbeat: i64,
    pub max_ack_pending: i64,
    /// What an ordered consumer recreates itself with (no deliver subject).
    pub ordered_config: Option<ConsumerConfig>,
    /// The consumer wants no acks.
    pub ack_none: bool,
    /// The consumer's info: the existing one's, or the created one's.
    pub info: Option<ConsumerInfo>,
}

fn err(text: impl Into<String>) -> JsError {
    JsError::new(ErrorKind::Err, text)
}

/// nats.c's checks on the options alone, with the deliver policy adjusted
/// to the optional start (the config is the caller's copy).
fn check_options(req: &Request<'_>, cfg: &mut ConsumerConfig) -> JsResult<Option<String>> {
    let o = req.opts;
    if cfg.inactive_threshold < 0 {
        return Err(JsError::invalid_arg(format!(
            "invalid InactiveThreshold value ({}), needs to be greater or equal to 0",
            cfg.inactive_threshold
        )));
    }
    if cfg.opt_start_seq > 0 {
        cfg.deliver_policy = DeliverPolicy::ByStartSequence;
    }
    if cfg.opt_start_time > 0 {
        cfg.deliver_policy = DeliverPolicy::ByStartTime;
    }
    let bound = !o.stream.is_empty() && !o.consumer.is_empty();
    if req.subjects.first().is_none_or(|s| s.is_empty()) && !bound {
        return Err(JsError::invalid_arg("a subject is required"));
    }
    let mut durable = match req.pull_durable {
        Some(d) => d.to_string(),
        None => cfg.durable.clone(),
    };
    let queue = !o.queue.is_empty();
    if o.ordered {
        let why = if req.pull {
            Some("can not use pull mode for an ordered consumer")
        } else if !durable.is_empty() {
            Some("durable can not be set for an ordered consumer")
        } else if o.ack_policy.is_some() {
            Some("ack policy can not be set for an ordered consume")
        } else if cfg.max_deliver > 0 && cfg.max_deliver != 1 {
            Some("max deliver can not be set for an ordered consumer")
        } else if !cfg.deliver_subject.is_empty() {
            Some("deliver subject can not be set for an ordered consumer")
        } else if queue {
            Some("queue can not be set for an ordered consumer")
        } else if !o.consumer.is_empty() {
            Some("can not bind existing consumer for an ordered consumer")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(JsError::invalid_arg(why));
        }
    } else if queue {
        if cfg.heartbeat > 0 {
            return Err(JsError::invalid_arg(NO_HB_FOR_QUEUE));
        }
        if cfg.flow_control {
            return Err(JsError::invalid_arg(NO_FC_FOR_QUEUE));
        }
        if durable.is_empty() {
            durable = o.queue.clone();
        }
    }
    if !durable.is_empty() {
        check_consumer_name(&durable, true)?;
    }
    Ok((!durable.is_empty()).then_some(durable))
}

const NO_HB_FOR_QUEUE: &str =
    "a queue subscription cannot be created for a consumer with heartbeat";
const NO_FC_FOR_QUEUE: &str =
    "a queue subscription cannot be created for a consumer with flow control";

/// The stream whose subjects cover `subject`.
fn stream_for(js: &JetStream, subject: &str) -> JsResult<String> {
    match js.stream_names(subject) {
        Ok(names) => names
            .into_iter()
            .next()
            .ok_or_else(|| err("no stream matches subject")),
        Err(e) if e.kind == ErrorKind::NotFound => Err(err("no stream matches subject")),
        Err(e) => Err(e),
    }
}

/// A field the user set differs from the consumer's (nats.c's
/// `_checkConfig`): only set fields are compared.
fn check_config(server: &ConsumerConfig, user: &ConsumerConfig, o: &SubOptions) -> JsResult<()> {
    fn differ(user: &str, server: &str) -> bool {
        !user.is_empty() && user != server
    }
    let bad = |what: &str, want: String, have: String| {
        Err(err(format!(
            "configuration requests {what} to be {want}, but consumer's value is {have}"
        )))
    };
    let q = |s: &str| format!("'{s}'");
    if differ(&user.durable, &server.durable) {
        return bad("durable", q(&user.durable), q(&server.durable));
    }
    if differ(&user.description, &server.description) {
        return bad("description", q(&user.description), q(&server.description));
    }
    if let Some(p) = o.deliver_policy {
        // The adjusted policy of an optional start counts as set too.
        let want = if user.opt_start_seq > 0 || user.opt_start_time > 0 {
            user.deliver_policy
        } else {
            p
        };
        if want != server.deliver_policy {
            return bad(
                "deliver policy",
                (want as i32).to_string(),
                (server.deliver_policy as i32).to_string(),
            );
        }
    }
    macro_rules! positive {
        ($field:ident, $what:expr) => {
            if user.$field > 0 && user.$field != server.$field {
                return bad($what, user.$field.to_string(), server.$field.to_string());
            }
        };
    }
    positive!(opt_start_seq, "optional start sequence");
    positive!(opt_start_time, "optional start time");
    if let Some(p) = o.ack_policy {
        if p != server.ack_policy {
            return bad(
                "ack policy",
                (p as i32).to_string(),
                (server.ack_policy as i32).to_string(),
            );
        }
    }
    positive!(ack_wait, "ack wait");
    positive!(max_deliver, "max deliver");
    if !user.back_off.is_empty() && user.back_off.len() != server.back_off.len() {
        return bad(
            "backoff list length",
            user.back_off.len().to_string(),
            server.back_off.len().to_string(),
        );
    }
    if let Some(p) = o.replay_policy {
        if p != server.replay_policy {
            return bad(
                "replay policy",
                (p as i32).to_string(),
                (server.replay_policy as i32).to_string(),
            );
        }
    }
    positive!(rate_limit, "rate limit");
    if differ(&user.sample_frequency, &server.sample_frequency) {
        return bad(
            "sample frequency",
            q(&user.sample_frequency),
            q(&server.sample_frequency),
        );
    }
    positive!(max_waiting, "max waiting");
    positive!(max_ack_pending, "max ack pending");
    // Flow control the user did not ask for is handled anyway.
    if user.flow_control && !server.flow_control {
        return bad("flow control", "'true'".into(), "'false'".into());
    }
    positive!(heartbeat, "heartbeat");
    if user.headers_only != server.headers_only {
        return bad(
            "headers only",
            (user.headers_only as i32).to_string(),
            (server.headers_only as i32).to_string(),
        );
    }
    positive!(max_request_batch, "max request batch");
    positive!(max_request_expires, "max request expires");
    positive!(inactive_threshold, "inactive threshold");
    positive!(replicas, "replicas");
    if user.memory_storage != server.memory_storage {
        return bad(
            "memory storage",
            (user.memory_storage as i32).to_string(),
            (server.memory_storage as i32).to_string(),
        );
    }
    Ok(())
}

/// Checks an existing consumer against the request (nats.c's
/// `_processConsInfo`); returns its deliver subject (push).
fn check_existing(
    info: &ConsumerInfo,
    user: &ConsumerConfig,
    req: &Request<'_>,
) -> JsResult<Option<String>> {
    let c = &info.config;
    let mut filters: Vec<&str> = if c.filter_subjects.is_empty() {
        vec![c.filter_subject.as_str()]
    } else {
        c.filter_subjects.iter().map(String::as_str).collect()
    };
    if filters.len() == 1 && filters[0].is_empty() {
        filters.clear();
    }
    let mut subjects: Vec<&str> = req.subjects.iter().map(String::as_str).collect();
    if subjects.len() == 1 && subjects[0].is_empty() {
        subjects.clear();
    }
    if !subjects.is_empty() && !filters.is_empty() {
        // A set lookup keeps this linear in the number of subjects.
        let known: std::collections::HashSet<&str> = filters.iter().copied().collect();
        if !subjects.iter().all(|s| known.contains(s)) {
            return Err(if subjects.len() == 1 && filters.len() == 1 {
                err(format!(
                    "subject '{}' does not match consumer filter subject '{}'.",
                    subjects[0], filters[0]
                ))
            } else {
                err(format!(
                    "{} subjects do not match any consumer filter subjects.",
                    subjects.len()
                ))
            });
        }
    }
    let queue = (!req.opts.queue.is_empty()).then_some(req.opts.queue.as_str());
    if queue.is_some() {
        if c.heartbeat > 0 {
            return Err(err(NO_HB_FOR_QUEUE));
        }
        if c.flow_control {
            return Err(err(NO_FC_FOR_QUEUE));
        }
    }
    let push_consumer = !c.deliver_subject.is_empty();
    if req.pull && push_consumer {
        return Err(err("cannot pull subscribe to push based consumer"));
    }
    if !req.pull && !push_consumer {
        return Err(err(
            "must use pull subscribe to bind to pull based consumer",
        ));
    }
    if req.pull {
        check_config(c, user, req.opts)?;
        return Ok(None);
    }
    match (c.deliver_group.as_str(), queue) {
        ("", Some(_)) => {
            return Err(err(
                "cannot create a queue subscription for a consumer without a deliver group",
            ))
        }
        ("", None) if info.push_bound => {
            return Err(err("consumer is already bound to a subscription"))
        }
        ("", None) => {}
        (dg, None) => {
            return Err(err(format!(
                "cannot create a subscription for a consumer with a deliver group {dg}"
            )))
        }
        (dg, Some(q)) if q != dg => {
            return Err(err(format!(
            "cannot create a queue subscription '{q}' for a consumer with a deliver group '{dg}'"
        )))
        }
        _ => {}
    }
    check_config(c, user, req.opts)?;
    Ok(Some(c.deliver_subject.clone()))
}

/// The plan for an existing consumer.
fn plan_existing(
    stream: &str,
    info: ConsumerInfo,
    user: &ConsumerConfig,
    req: &Request<'_>,
) -> JsResult<Plan> {
    let deliver = check_existing(&info, user, req)?;
    Ok(Plan {
        stream: stream.to_string(),
        consumer: Some(info.name.clone()),
        deliver,
        create: None,
        heartbeat: info.config.heartbeat,
        max_ack_pending: info.config.max_ack_pending,
        ordered_config: None,
        ack_none: info.config.ack_policy == AckPolicy::None,
        info: Some(info),
    })
}

/// The plan for a consumer to create.
fn plan_new(
    js: &JetStream,
    stream: &str,
    durable: Option<String>,
    mut cfg: ConsumerConfig,
    req: &Request<'_>,
) -> Plan {
    let o = req.opts;
    let mut deliver = None;
    if !req.pull {
        let inbox = js.connection().new_inbox();
        cfg.deliver_subject = inbox.clone();
        deliver = Some(inbox);
    }
    // Filter always; the server drops a filter equal to the stream's.
    match req.subjects {
        [] => {}
        [one] => cfg.filter_subject = one.clone(),
        many => cfg.filter_subjects = many.to_vec(),
    }
    let mut ordered_config = None;
    if o.ordered {
        cfg.flow_control = true;
        cfg.ack_policy = AckPolicy::None;
        cfg.max_deliver = 1;
        // Unused, but set to something known as nats.c does: 24 h.
        cfg.ack_wait = 24 * 3600 * 1_000_000_000;
        if cfg.heartbeat <= 0 {
            cfg.heartbeat = ORDERED_HEARTBEAT_NS;
        }
        cfg.memory_storage = true;
        cfg.replicas = 1;
        let mut oc = cfg.clone();
        oc.deliver_subject.clear();
        ordered_config = Some(oc);
    } else {
        cfg.durable = durable.clone().unwrap_or_default();
        cfg.deliver_group = o.queue.clone();
    }
    Plan {
        stream: stream.to_string(),
        consumer: durable,
        deliver,
        heartbeat: cfg.heartbeat,
        max_ack_pending: 0,
        ordered_config,
        ack_none: o.ordered || cfg.ack_policy == AckPolicy::None,
        info: None,
        create: Some(cfg),
    }
}

/// Makes a JetStream subscription: resolves the consumer, calls `make`
/// with the plan (it creates the subscription, with its [`JsSub`]), then
/// creates the consumer if the plan says so. Returns the subscription and
/// the final plan (with the consumer's info).
pub fn subscribe(
    js: &JetStream,
    req: Request<'_>,
    mut make: impl FnMut(&Plan) -> JsResult<Subscription>,
) -> JsResult<(Subscription, Plan)> {
    let mut user = req.opts.config.clone();
    let durable = check_options(&req, &mut user)?;
    let o = req.opts;
    let bound = !o.stream.is_empty() && !o.consumer.is_empty();
    let consumer = if o.consumer.is_empty() {
        durable.clone()
    } else {
        Some(o.consumer.clone())
    };
    let stream = if o.stream.is_empty() {
        stream_for(js, &req.subjects[0])?
    } else {
        o.stream.clone()
    };
    let mut plan = match &consumer {
        Some(name) => match js.consumer_info(&stream, name) {
            Ok(info) => plan_existing(&stream, info, &user, &req)?,
            Err(e) if e.kind == ErrorKind::NotFound && !bound => {
                plan_new(js, &stream, durable.clone(), user.clone(), &req)
            }
            Err(e) => {
                // A pull subscription bound to its consumer may go on
                // without the lookup when JetStream did not answer.
                let lookup_failed =
                    e.kind == ErrorKind::Timeout || e.code == codes::JETSTREAM_NOT_ENABLED;
                if !(req.pull && bound && lookup_failed) {
                    return Err(e);
                }
                Plan {
                    stream: stream.clone(),
                    consumer: Some(name.clone()),
                    ack_none: o.ack_policy == Some(AckPolicy::None),
                    ..Plan::default()
                }
            }
        },
        None => plan_new(js, &stream, None, user.clone(), &req),
    };
    loop {
        let sub = make(&plan)?;
        let Some(cfg) = plan.create.clone() else {
            if let (Some(j), Some(name)) = (JsSub::of(&sub), &plan.consumer) {
                j.set_consumer(name);
            }
            finish(&sub, &plan);
            return Ok((sub, plan));
        };
        match js.add_consumer(&stream, &cfg) {
            Ok(info) => {
                if let Some(j) = JsSub::of(&sub) {
                    // An ordered consumer may have been reset already.
                    if j.consumer().is_none() {
                        j.set_consumer(&info.name);
                    }
                    j.set_delete_consumer(true);
                }
                plan.max_ack_pending = info.config.max_ack_pending;
                plan.consumer = Some(info.name.clone());
                plan.info = Some(info);
                finish(&sub, &plan);
                return Ok((sub, plan));
            }
            Err(e) if [CONSUMER_EXISTING_ACTIVE, CONSUMER_NAME_EXISTS].contains(&e.code) => {
                // Another subscriber created it first: attach to theirs.
                let _ = super::unsubscribe(&sub);
                let Some(name) = &consumer else {
                    return Err(e);
                };
                let info = js.consumer_info(&stream, name)?;
                plan = plan_existing(&stream, info, &user, &req)?;
            }
            Err(e) => {
                let _ = super::unsubscribe(&sub);
                return Err(e);
            }
        }
    }
}

/// Lets the subscription hold at least the consumer's max ack pending
/// (and 1 MiB per message of it), as nats.c does.
fn finish(sub: &Subscription, plan: &Plan) {
    let Ok(map) = usize::try_from(plan.max_ack_pending) else {
        return;
    };
    if map == 0 {
        return;
    }
    let Ok((msgs, bytes)) = sub.pending_limits() else {
        return;
    };
    if msgs.is_some_and(|m| map > m) {
        let want_bytes = map.saturating_mul(1024 * 1024);
        let bytes = bytes.map(|b| b.max(want_bytes));
        let _ = sub.set_pending_limits(Some(map), bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(subjects: &'a [String], opts: &'a SubOptions, pull: bool) -> Request<'a> {
        Request {
            subjects,
            pull_durable: None,
            opts,
            pull,
        }
    }

    #[test]
    fn ordered_consumers_refuse_what_they_cannot_be() {
        let subjects = vec!["a".to_string()];
        let mut o = SubOptions {
            ordered: true,
            ..SubOptions::default()
        };
        o.config.durable = "d".into();
        let mut cfg = o.config.clone();
        let e = check_options(&req(&subjects, &o, false), &mut cfg).unwrap_err();
        assert_eq!(e.text, "durable can not be set for an ordered consumer");
        o.config.durable.clear();
        let mut cfg = o.config.clone();
        let e = check_options(&req(&subjects, &o, true), &mut cfg).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        o.ack_policy = Some(AckPolicy::None);
        let mut cfg = o.config.clone();
        assert!(check_options(&req(&subjects, &o, false), &mut cfg).is_err());
    }

    #[test]
    fn a_queue_is_the_durable_name_unless_one_is_given() {
        let subjects = vec!["a".to_string()];
        let o = SubOptions {
            queue: "workers".into(),
            ..SubOptions::default()
        };
        let mut cfg = o.config.clone();
        let d = check_options(&req(&subjects, &o, false), &mut cfg).unwrap();
        assert_eq!(d.as_deref(), Some("workers"));
    }

    #[test]
    fn only_the_fields_the_user_set_are_compared() {
        let server = ConsumerConfig {
            durable: "d".into(),
            ack_wait: 30_000_000_000,
            deliver_policy: DeliverPolicy::New,
            ..ConsumerConfig::default()
        };
        let o = SubOptions::default();
        assert!(check_config(&server, &ConsumerConfig::default(), &o).is_ok());
        let user = ConsumerConfig {
            ack_wait: 1,
            ..ConsumerConfig::default()
        };
        let e = check_config(&server, &user, &o).unwrap_err();
        assert!(e.text.contains("ack wait"), "{}", e.text);
        let o = SubOptions {
            deliver_policy: Some(DeliverPolicy::All),
            ..SubOptions::default()
        };
        let e = check_config(&server, &ConsumerConfig::default(), &o).unwrap_err();
        assert!(e.text.contains("deliver policy"), "{}", e.text);
    }
}
