//! Pull subscriptions (nats.c's `js_PullSubscribe`, `natsSubscription_Fetch`
//! and `natsSubscription_FetchRequest`): the subscription listens on
//! `<inbox>.*`; each fetch asks the consumer for messages with a request
//! whose reply subject is `<inbox>.<fetch id>`, then reads its own queue,
//! sorting the consumer's answers into messages and statuses (100
//! heartbeat, 404 no messages, 408 request expired, 409 a limit, ...).
//! A status whose reply subject names an older fetch is left unread.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::client::conn::{Delivery, SubSpec};
use crate::client::{Connection, ErrorKind, Message, MsgHandler, Result, Subscription};

use super::super::context::JetStream;
use super::super::error::{JsError, JsResult};
use super::options::{FetchRequest, SubOptions};
use super::pull_async::AsyncFetch;
use super::resolve::{self, Request};
use super::{texts, JsSub, Mode};

/// The pinned client id a `pinned_client` consumer puts on its messages.
pub const PIN_ID_HDR: &str = "Nats-Pin-Id";
/// nats.c's text when a status message carries no description.
const STATUS_ERROR_TEXT: &str = "error checking pull subscribe message";

/// The pull-mode state of a JetStream subscription (nats.c keeps it in
/// `jsSub`: `inFetch`, `fetchID`, `active`, and `fetch` for the async kind).
pub struct PullState {
    /// The subscription's subject without its final `*`: a fetch's reply
    /// subject is this and the fetch id.
    prefix: String,
    /// A fetch is under way (always, for js_PullSubscribeAsync).
    in_fetch: AtomicBool,
    /// The latest fetch request's id.
    fetch_id: AtomicU64,
    /// Something arrived since the heartbeat check last looked.
    active: AtomicBool,
    /// js_PullSubscribeAsync's fetching, set once the subscription exists.
    pub(super) fetcher: OnceLock<std::sync::Arc<AsyncFetch>>,
}

/// What a message read from a pull subscription is.
pub(super) enum Fetched {
    /// The user's.
    User(Message),
    /// A heartbeat, or a status of an older fetch: dropped.
    Ignored,
    /// The status that ends the fetch.
    End(JsError),
}

impl PullState {
    pub(super) fn new(inbox_wildcard: &str) -> PullState {
        PullState {
            prefix: inbox_wildcard.trim_end_matches('*').to_string(),
            in_fetch: AtomicBool::new(false),
            fetch_id: AtomicU64::new(0),
            active: AtomicBool::new(false),
            fetcher: OnceLock::new(),
        }
    }

    /// On the reader thread: everything is queued for the fetch (or the
    /// async delivery) to sort out; its arrival shows the server alive.
    pub fn on_routed(&self, _js: &JsSub, _sub: &Subscription, msg: Message) -> Option<Message> {
        self.active.store(true, Release);
        if let Some(f) = self.fetcher.get() {
            f.on_routed(&msg);
        }
        Some(msg)
    }

    pub fn on_delivered(&self, _js: &JsSub, _sub: &Subscription, _delivered: u64) {}

    pub fn check_next_msg(&self, _js: &JsSub, _sub: &Subscription) -> Result<()> {
        Err(crate::client::Error::new(
            ErrorKind::InvalidSubscription,
            texts::NOT_FOR_PULL,
        ))
    }

    /// After a reconnect the server may have lost the waiting requests (a
    /// restart): an async subscription asks again.
    pub fn on_reconnected(&self, _js: &JsSub, sub: &Subscription) {
        if let Some(f) = self.fetcher.get() {
            f.on_reconnected(sub);
        }
    }

    /// Once, when the subscription ends: an async one stops its timers and
    /// tells the user why it ended.
    pub fn on_closed(&self, js: &JsSub, sub: &Subscription) {
        if let Some(f) = self.fetcher.get() {
            f.on_closed(js, sub);
        }
    }

    /// An async subscription fetches all its life: a Fetch on it is
    /// refused as concurrent, as in nats.c.
    pub(super) fn mark_async(&self) {
        self.in_fetch.store(true, Release);
    }

    /// Starts a new fetch request: its id and reply subject.
    pub(super) fn next_fetch(&self) -> (u64, String) {
        let id = self.fetch_id.fetch_add(1, AcqRel) + 1;
        (id, format!("{}{}", self.prefix, id))
    }

    pub(super) fn current_fetch(&self) -> u64 {
        self.fetch_id.load(Acquire)
    }

    /// Clears the activity flag; true if something had arrived.
    pub(super) fn take_active(&self) -> bool {
        self.active.swap(false, AcqRel)
    }

    /// The fetch id in a status's subject, if it is one of ours.
    fn fetch_id_of(&self, subject: &[u8]) -> Option<u64> {
        let digits = subject.strip_prefix(self.prefix.as_bytes())?;
        if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// Sorts `msg` (nats.c's `js_checkFetchedMsg`). With `check_status`
    /// false only user messages are told apart; otherwise a status of
    /// fetch `fetch_id` says how the fetch ends.
    pub(super) fn classify(&self, mut msg: Message, fetch_id: u64, check_status: bool) -> Fetched {
        if !msg.data().is_empty() || !msg.has_headers() {
            return Fetched::User(msg);
        }
        let Some(code) = msg.status() else {
            // Headers without a status: a user's message with no payload.
            return Fetched::User(msg);
        };
        if !check_status || code == 100 {
            return Fetched::Ignored;
        }
        if self.fetch_id_of(msg.subject_bytes()) != Some(fetch_id) {
            return Fetched::Ignored;
        }
        let desc = description(&mut msg);
        let text = || {
            desc.clone()
                .unwrap_or_else(|| STATUS_ERROR_TEXT.to_string())
        };
        Fetched::End(match code {
            404 => JsError::new(ErrorKind::NotFound, "no messages"),
            408 => JsError::new(ErrorKind::Timeout, "request expired"),
            409 => JsError::new(ErrorKind::LimitReached, text()),
            503 => JsError::new(
                ErrorKind::NoResponders,
                "no responders available for request",
            ),
            423 => JsError::new(ErrorKind::PinIdMismatch, "pin id mismatch"),
            400 => JsError::new(ErrorKind::InvalidArg, text()),
            _ => JsError::new(ErrorKind::Err, text()),
        })
    }
}

/// The status line's text after the code (`Exceeded MaxWaiting`).
fn description(msg: &mut Message) -> Option<String> {
    let h = msg.headers().ok()??;
    let d = h.get(crate::proto::headers::DESCRIPTION_HDR)?;
    let d = String::from_utf8_lossy(d).trim().to_string();
    (!d.is_empty()).then_some(d)
}

/// What a message counts for a fetch's byte limit (nats.c's `wsz`).
pub(super) fn fetch_size(msg: &Message) -> i64 {
    let n = msg.subject_bytes().len() + msg.reply_bytes().map_or(0, <[u8]>::len) + msg.wire_len();
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The JSON of a pull request (nats.c's `_publishPullRequest`): the expiry
/// a little shorter than the caller's wait, so the server's 408 comes
/// before the caller gives up.
pub(super) fn request_body(req: &FetchRequest) -> String {
    let expires = if req.expires >= 20_000_000 {
        req.expires - 10_000_000
    } else {
        req.expires
    };
    let mut b = format!("{{\"batch\":{}", req.batch);
    let num = |b: &mut String, key: &str, v: i64| {
        if v > 0 {
            b.push_str(&format!(",\"{key}\":{v}"));
        }
    };
    num(&mut b, "max_bytes", req.max_bytes);
    num(&mut b, "expires", expires);
    num(&mut b, "idle_heartbeat", req.heartbeat);
    if req.no_wait {
        b.push_str(",\"no_wait\":true");
    }
    let text = |b: &mut String, key: &str, v: &str| {
        if !v.is_empty() {
            let quoted = serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
            b.push_str(&format!(",\"{key}\":{quoted}"));
        }
    };
    text(&mut b, "group", &req.group);
    num(&mut b, "min_pending", req.min_pending);
    num(&mut b, "min_ack_pending", req.min_ack_pending);
    text(&mut b, "id", &req.id);
    if req.priority != 0 {
        b.push_str(&format!(",\"priority\":{}", req.priority));
    }
    b.push('}');
    b
}

/// Sends one pull request for the subscription's consumer.
pub(super) fn send_request(js: &JsSub, reply: &str, req: &FetchRequest) -> JsResult<()> {
    let consumer = js.consumer().unwrap_or_default();
    let subject = js
        .js
        .api_subject(&format!("CONSUMER.MSG.NEXT.{}.{}", js.stream, consumer));
    let body = request_body(req);
    js.connection()
        .publish_raw(&subject, Some(reply), None, body.as_bytes())
        .map_err(JsError::from)
}

/// Makes a pull subscription (sync when `handler` is `None`): the consumer
/// resolved or created as for any JetStream subscription, then a
/// subscription on a fresh `<inbox>.*`.
pub(super) fn subscribe(
    js: &JetStream,
    subject: &str,
    durable: Option<&str>,
    opts: &SubOptions,
    handler: Option<MsgHandler>,
) -> JsResult<Subscription> {
    let subjects = if subject.is_empty() {
        Vec::new()
    } else {
        vec![subject.to_string()]
    };
    let req = Request {
        subjects: &subjects,
        pull_durable: durable.filter(|d| !d.is_empty()),
        opts,
        pull: true,
    };
    let conn: Connection = js.connection().clone();
    let (sub, _plan) = resolve::subscribe(js, req, |plan| {
        let inbox = format!("{}.*", conn.new_inbox());
        let state = JsSub::new(
            js.clone(),
            plan.stream.clone(),
            plan.ack_none,
            Mode::Pull(PullState::new(&inbox)),
        );
        let delivery = match &handler {
            None => Delivery::Sync,
            Some(h) => Delivery::Async {
                handler: h.clone(),
                idle: None,
            },
        };
        conn.subscribe_ext(SubSpec {
            subject: &inbox,
            queue: None,
            delivery,
            extension: Some(state),
        })
        .map_err(JsError::from)
    })?;
    Ok(sub)
}

/// `js_PullSubscribe`: a pull subscription read with [`fetch`] and
/// [`fetch_request`]. `durable` (or the config's) names a durable
/// consumer; without one the consumer is ephemeral.
pub fn pull_subscribe(
    js: &JetStream,
    subject: &str,
    durable: Option<&str>,
    opts: &SubOptions,
) -> JsResult<Subscription> {
    subscribe(js, subject, durable, opts, None)
}

/// Clears `in_fetch` however the fetch ends.
struct InFetch<'a>(&'a AtomicBool);

impl Drop for InFetch<'_> {
    fn drop(&mut self) {
        self.0.store(false, Release);
    }
}

/// `natsSubscription_Fetch`: up to `batch` messages within `timeout_ms`.
/// Messages already received come first; then a request that does not
/// wait, and, when the server has nothing, one that does.
pub fn fetch(sub: &Subscription, batch: i64, timeout_ms: i64) -> JsResult<Vec<Message>> {
    let req = FetchRequest {
        batch,
        expires: timeout_ms.saturating_mul(1_000_000),
        ..FetchRequest::default()
    };
    fetch_impl(sub, req, true)
}

/// `natsSubscription_FetchRequest`: one fetch with every option.
pub fn fetch_request(sub: &Subscription, req: &FetchRequest) -> JsResult<Vec<Message>> {
    fetch_impl(sub, req.clone(), false)
}

fn fetch_impl(sub: &Subscription, mut req: FetchRequest, simple: bool) -> JsResult<Vec<Message>> {
    if req.batch <= 0 || req.max_bytes < 0 {
        return Err(JsError::invalid_arg("invalid fetch request"));
    }
    if !req.no_wait && req.expires <= 0 {
        return Err(JsError::new(
            ErrorKind::InvalidTimeout,
            "a fetch request needs an expiry unless NoWait is set",
        ));
    }
    let js = JsSub::of(sub).filter(|j| j.is_pull()).ok_or_else(|| {
        JsError::new(
            ErrorKind::InvalidSubscription,
            texts::NOT_A_PULL_SUBSCRIPTION,
        )
    })?;
    let Some(pull) = js.pull() else {
        return Err(JsError::new(
            ErrorKind::InvalidSubscription,
            texts::NOT_A_PULL_SUBSCRIPTION,
        ));
    };
    if pull.in_fetch.swap(true, AcqRel) {
        return Err(JsError::new(ErrorKind::Err, texts::CONCURRENT_FETCH));
    }
    let _in_fetch = InFetch(&pull.in_fetch);
    let (id, reply) = pull.next_fetch();
    let batch = usize::try_from(req.batch).unwrap_or(usize::MAX);
    let start = Instant::now();
    // Without an expiry (NoWait only), the server answers at once; the
    // context's wait only guards against an answer that never comes.
    let with_expiry = req.expires > 0;
    let deadline = start
        + if with_expiry {
            Duration::from_nanos(req.expires.unsigned_abs())
        } else {
            js.js.options().wait
        };
    let under_bytes = |size: i64| req.max_bytes == 0 || size < req.max_bytes;
    let mut msgs: Vec<Message> = Vec::new();
    let mut size = 0i64;
    let mut status: JsResult<()> = Ok(());

    // First what is already queued (from an earlier fetch's request).
    while msgs.len() < batch && under_bytes(size) {
        match sub.next_msg_internal(Duration::ZERO) {
            Ok(m) => {
                if let Fetched::User(m) = pull.classify(m, id, false) {
                    size = size.saturating_add(fetch_size(&m));
                    msgs.push(m);
                }
            }
            Err(e) if e.kind == ErrorKind::Timeout => break,
            Err(e) => {
                status = Err(e.into());
                break;
            }
        }
    }
    // The simple fetch asks first without waiting, so that a partial batch
    // comes back at once.
    let mut no_wait = if simple {
        batch - msgs.len().min(batch) > 1
    } else {
        req.no_wait
    };
    let hb_every =
        (req.heartbeat > 0).then(|| Duration::from_nanos(req.heartbeat.unsigned_abs() * 2));
    let mut hb_check = hb_every.map(|d| Instant::now() + d);
    pull.take_active();
    let mut send = true;
    while status.is_ok() && msgs.len() < batch && under_bytes(size) {
        let now = Instant::now();
        if now >= deadline {
            status = Err(JsError::new(ErrorKind::Timeout, "timeout"));
            break;
        }
        let remaining = deadline - now;
        if send {
            send = false;
            req.batch = i64::try_from(batch - msgs.len()).unwrap_or(i64::MAX);
            req.expires = if with_expiry {
                i64::try_from(remaining.as_nanos()).unwrap_or(i64::MAX)
            } else {
                0
            };
            req.no_wait = no_wait;
            if let Err(e) = send_request(&js, &reply, &req) {
                status = Err(e);
                break;
            }
        }
        let wait = hb_check.map_or(remaining, |t| {
            remaining.min(t.saturating_duration_since(now))
        });
        match sub.next_msg_internal(wait) {
            Ok(m) => match pull.classify(m, id, true) {
                Fetched::User(m) => {
                    size = size.saturating_add(fetch_size(&m));
                    msgs.push(m);
                }
                Fetched::Ignored => {}
                Fetched::End(e) => {
                    if simple && no_wait && e.kind == ErrorKind::NotFound && msgs.is_empty() {
                        // Nothing there yet: ask again, waiting this time.
                        no_wait = false;
                        send = true;
                    } else {
                        status = Err(e);
                    }
                }
            },
            Err(e) if e.kind == ErrorKind::Timeout => {
                let (Some(t), Some(every)) = (hb_check, hb_every) else {
                    continue;
                };
                if Instant::now() < t {
                    continue;
                }
                // Nothing in two heartbeat intervals, and nothing queued.
                if !pull.take_active() && sub.pending().map_or(true, |(n, _)| n == 0) {
                    status = Err(JsError::new(
                        ErrorKind::MissedHeartbeat,
                        "missed server heartbeats",
                    ));
                } else {
                    hb_check = Some(t + every);
                }
            }
            Err(e) => status = Err(e.into()),
        }
    }
    match status {
        // Whatever ended the fetch, collected messages are a success.
        _ if !msgs.is_empty() => Ok(msgs),
        Ok(()) => Ok(msgs),
        Err(e) => Err(e.at("natsSubscription_Fetch")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_requests_are_nats_c_json() {
        let req = FetchRequest {
            batch: 10,
            expires: 5_000_000_000,
            max_bytes: 100,
            no_wait: true,
            heartbeat: 1_000_000_000,
            group: "g\"1".into(),
            min_pending: 3,
            min_ack_pending: 4,
            id: "pin".into(),
            priority: 2,
        };
        assert_eq!(
            request_body(&req),
            "{\"batch\":10,\"max_bytes\":100,\"expires\":4990000000,\
             \"idle_heartbeat\":1000000000,\"no_wait\":true,\"group\":\"g\\\"1\",\
             \"min_pending\":3,\"min_ack_pending\":4,\"id\":\"pin\",\"priority\":2}"
        );
        // A short expiry is kept as is; zero is left out.
        let req = FetchRequest {
            batch: 1,
            expires: 15_000_000,
            ..FetchRequest::default()
        };
        assert_eq!(request_body(&req), "{\"batch\":1,\"expires\":15000000}");
        let req = FetchRequest {
            batch: 1,
            ..FetchRequest::default()
        };
        assert_eq!(request_body(&req), "{\"batch\":1}");
    }

    fn status_msg(subject: &str, line: &str) -> Message {
        let hdr = format!("NATS/1.0 {line}\r\n\r\n");
        Message::from_wire(subject.as_bytes(), None, Some(hdr.as_bytes()), b"", 1, 0)
    }

    #[test]
    fn statuses_of_the_current_fetch_end_it_others_are_ignored() {
        let p = PullState::new("_INBOX.abc.*");
        let end = |m: Message, id: u64| match p.classify(m, id, true) {
            Fetched::End(e) => Some((e.kind, e.text)),
            Fetched::Ignored => None,
            Fetched::User(_) => panic!("a status is not the user's"),
        };
        assert_eq!(
            end(status_msg("_INBOX.abc.2", "404 No Messages"), 2)
                .unwrap()
                .0,
            ErrorKind::NotFound
        );
        assert_eq!(
            end(status_msg("_INBOX.abc.2", "408 Request Timeout"), 2)
                .unwrap()
                .0,
            ErrorKind::Timeout
        );
        let (k, t) = end(status_msg("_INBOX.abc.2", "409 Exceeded MaxWaiting"), 2).unwrap();
        assert_eq!(
            (k, t.as_str()),
            (ErrorKind::LimitReached, "Exceeded MaxWaiting")
        );
        let (k, t) = end(status_msg("_INBOX.abc.2", "400 Bad Request"), 2).unwrap();
        assert_eq!((k, t.as_str()), (ErrorKind::InvalidArg, "Bad Request"));
        assert_eq!(
            end(status_msg("_INBOX.abc.2", "423 Nats-Pin-Id mismatch"), 2)
                .unwrap()
                .0,
            ErrorKind::PinIdMismatch
        );
        assert_eq!(
            end(status_msg("_INBOX.abc.2", "503"), 2).unwrap().0,
            ErrorKind::NoResponders
        );
        // An older fetch's, a heartbeat, another subject: ignored.
        assert!(end(status_msg("_INBOX.abc.1", "408 Request Timeout"), 2).is_none());
        assert!(end(status_msg("_INBOX.abc.2", "100 Idle Heartbeat"), 2).is_none());
        assert!(end(status_msg("_INBOX.abc.x2", "404 No Messages"), 2).is_none());
        // Not checking statuses: a status is never the user's.
        assert!(matches!(
            p.classify(status_msg("_INBOX.abc.2", "404 No Messages"), 2, false),
            Fetched::Ignored
        ));
        // Headers without a status, or data: the user's.
        let m = Message::from_wire(
            b"_INBOX.abc.2",
            None,
            Some(b"NATS/1.0\r\nk: v\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert!(matches!(p.classify(m, 2, true), Fetched::User(_)));
        let m = Message::new("_INBOX.abc.2", None, b"x");
        assert!(matches!(p.classify(m, 2, true), Fetched::User(_)));
    }
}
