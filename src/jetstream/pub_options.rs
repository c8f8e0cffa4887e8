//! What a JetStream publish expects of the stream (nats.c's `jsPubOptions`
//! with its `jsScheduleOptions`), and the headers that carry it. Empty
//! strings, zeros and `None` mean "not set", as NULL and 0 do in nats.c.
use std::time::Duration;

use crate::client::ErrorKind;
use crate::proto::Headers;

use super::error::{JsError, JsResult};

pub const MSG_ID: &str = "Nats-Msg-Id";
pub const MSG_TTL: &str = "Nats-TTL";
pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
pub const EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";
pub const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
pub const EXPECTED_LAST_SUBJECT_SEQ_SUBJECT: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
pub const SCHEDULE: &str = "Nats-Schedule";
pub const SCHEDULE_TARGET: &str = "Nats-Schedule-Target";
pub const SCHEDULE_SOURCE: &str = "Nats-Schedule-Source";
pub const SCHEDULE_TTL: &str = "Nats-Schedule-TTL";
pub const SCHEDULE_TIME_ZONE: &str = "Nats-Schedule-Time-Zone";
pub const SCHEDULE_ROLLUP: &str = "Nats-Schedule-Rollup";
pub const SCHEDULER: &str = "Nats-Scheduler";
pub const SCHEDULE_NEXT: &str = "Nats-Schedule-Next";

/// A message schedule (server 2.14+), nats.c's `jsScheduleOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleOptions {
    /// `@every 1m`, `@daily`, or a cron expression.
    pub schedule: String,
    /// The subject the scheduled message is delivered to.
    pub target: String,
    /// Publish the last message of this subject instead of the schedule's own.
    pub source: String,
    /// TTL set on each message the schedule produces.
    pub ttl: Option<Duration>,
    /// Time zone of a cron schedule (UTC when empty).
    pub time_zone: String,
    /// Each produced message rolls up its subject.
    pub rollup: bool,
    /// Cancels the schedule on this subject; excludes every other field.
    pub cancel_scheduled_subject: String,
}

impl ScheduleOptions {
    fn is_schedule_set(&self) -> bool {
        !self.schedule.is_empty()
            || !self.target.is_empty()
            || !self.source.is_empty()
            || self.ttl.is_some()
            || !self.time_zone.is_empty()
            || self.rollup
    }
}

/// Options of one publish, nats.c's `jsPubOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubOptions {
    /// How long to wait for the ack. `None`: the context's `wait` for a
    /// synchronous publish; no deadline at all for an asynchronous one.
    pub max_wait: Option<Duration>,
    /// De-duplication id (`Nats-Msg-Id`).
    pub msg_id: String,
    /// The stream that must store the message.
    pub expect_stream: String,
    /// The id the stream's last message must have.
    pub expect_last_msg_id: String,
    /// The sequence the stream's last message must have (0: not checked).
    pub expect_last_seq: u64,
    /// The sequence the last message on the subject must have (0: not checked).
    pub expect_last_subject_seq: u64,
    /// The subject (may be a wildcard) `expect_last_subject_seq` applies to,
    /// instead of the message's own.
    pub expect_last_subject_seq_subject: String,
    /// The subject must hold no message yet; wins over `expect_last_subject_seq`.
    pub expect_no_message: bool,
    /// Time to live of the message (server 2.11+, stream with `allow_msg_ttl`).
    pub msg_ttl: Option<Duration>,
    pub schedule: ScheduleOptions,
}

/// A duration given in milliseconds, as nats.c's options are: 0 is "not
/// set", a negative value is refused naming the option.
pub fn millis_option(name: &str, ms: i64) -> JsResult<Option<Duration>> {
    match ms {
        0 => Ok(None),
        ms if ms < 0 => Err(JsError::invalid_arg(format!(
            "option '{name}' ({ms}) cannot be negative"
        ))),
        ms => Ok(Some(Duration::from_millis(ms as u64))),
    }
}

impl PubOptions {
    /// Sets the headers these options ask for on `h` (others are kept).
    pub fn apply(&self, h: &mut Headers) -> JsResult<()> {
        let s = &self.schedule;
        if !s.cancel_scheduled_subject.is_empty() && s.is_schedule_set() {
            return Err(JsError::invalid_arg(format!(
                "option 'Schedule.CancelScheduledSubject' ({}) cannot be used with other schedule options",
                s.cancel_scheduled_subject
            )));
        }
        set_text(h, MSG_ID, &self.msg_id);
        set_text(h, EXPECTED_LAST_MSG_ID, &self.expect_last_msg_id);
        set_text(h, EXPECTED_STREAM, &self.expect_stream);
        if self.expect_last_seq > 0 {
            h.set(EXPECTED_LAST_SEQ, self.expect_last_seq.to_string());
        }
        if self.expect_no_message {
            h.set(EXPECTED_LAST_SUBJECT_SEQ, "0");
        } else if self.expect_last_subject_seq > 0 {
            h.set(
                EXPECTED_LAST_SUBJECT_SEQ,
                self.expect_last_subject_seq.to_string(),
            );
            set_text(
                h,
                EXPECTED_LAST_SUBJECT_SEQ_SUBJECT,
                &self.expect_last_subject_seq_subject,
            );
        }
        if let Some(ttl) = self.msg_ttl {
            h.set(MSG_TTL, go_duration(ttl));
        }
        set_text(h, SCHEDULE, &s.schedule);
        set_text(h, SCHEDULE_TARGET, &s.target);
        set_text(h, SCHEDULE_SOURCE, &s.source);
        if let Some(ttl) = s.ttl {
            h.set(SCHEDULE_TTL, go_duration(ttl));
        }
        set_text(h, SCHEDULE_TIME_ZONE, &s.time_zone);
        if s.rollup {
            h.set(SCHEDULE_ROLLUP, "sub");
        }
        if !s.cancel_scheduled_subject.is_empty() {
            h.set(SCHEDULER, &s.cancel_scheduled_subject);
            h.set(SCHEDULE_NEXT, "purge");
        }
        Ok(())
    }

    /// Whether any header would be set (so a message without headers can
    /// skip parsing them).
    pub fn sets_headers(&self) -> bool {
        let s = &self.schedule;
        !self.msg_id.is_empty()
            || !self.expect_last_msg_id.is_empty()
            || !self.expect_stream.is_empty()
            || self.expect_last_seq > 0
            || self.expect_no_message
            || self.expect_last_subject_seq > 0
            || self.msg_ttl.is_some()
            || s.is_schedule_set()
            || !s.cancel_scheduled_subject.is_empty()
    }
}

fn set_text(h: &mut Headers, key: &str, value: &str) {
    if !value.is_empty() {
        h.set(key, value);
    }
}

/// Sets the options' headers on a message.
pub(crate) fn apply_to_msg(opts: &PubOptions, msg: &mut crate::client::Message) -> JsResult<()> {
    if !opts.sets_headers() {
        return Ok(());
    }
    let h = msg
        .headers_mut()
        .map_err(|e| JsError::new(ErrorKind::ProtocolError, e.text))?;
    opts.apply(h)
}

/// A duration the way Go prints it (`1.5s`, `250ms`, `1h2m3s`), which is
/// what the server parses in `Nats-TTL`.
pub fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000_000_000 {
        let (unit, scale) = match nanos {
            n if n < 1_000 => ("ns", 1),
            n if n < 1_000_000 => ("\u{b5}s", 1_000),
            _ => ("ms", 1_000_000),
        };
        return format!("{}{unit}", decimal(nanos, scale));
    }
    let secs = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let s_text = decimal(s * 1_000_000_000 + frac, 1_000_000_000);
    if h > 0 {
        format!("{h}h{m}m{s_text}s")
    } else if secs >= 60 {
        format!("{m}m{s_text}s")
    } else {
        format!("{s_text}s")
    }
}

/// `v / scale` with its fraction, trailing zeros dropped.
fn decimal(v: u128, scale: u128) -> String {
    let (int, frac) = (v / scale, v % scale);
    if frac == 0 {
        return int.to_string();
    }
    let width = scale.ilog10() as usize;
    let digits = format!("{frac:0width$}");
    format!("{int}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_prints_them() {
        let ms = Duration::from_millis;
        assert_eq!(go_duration(ms(1500)), "1.5s");
        assert_eq!(go_duration(ms(250)), "250ms");
        assert_eq!(go_duration(ms(1000)), "1s");
        assert_eq!(go_duration(ms(60_000)), "1m0s");
        assert_eq!(go_duration(ms(3_723_004)), "1h2m3.004s");
        assert_eq!(go_duration(Duration::from_nanos(1500)), "1.5\u{b5}s");
        assert_eq!(go_duration(Duration::from_nanos(7)), "7ns");
    }

    #[test]
    fn every_expectation_has_its_header() {
        let o = PubOptions {
            msg_id: "id1".into(),
            expect_stream: "S".into(),
            expect_last_msg_id: "id0".into(),
            expect_last_seq: 4,
            expect_last_subject_seq: 3,
            expect_last_subject_seq_subject: "a.*".into(),
            msg_ttl: Some(Duration::from_secs(2)),
            ..PubOptions::default()
        };
        let mut h = Headers::new();
        o.apply(&mut h).unwrap();
        let get = |k: &str| h.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
        assert_eq!(get(MSG_ID).as_deref(), Some("id1"));
        assert_eq!(get(EXPECTED_STREAM).as_deref(), Some("S"));
        assert_eq!(get(EXPECTED_LAST_MSG_ID).as_deref(), Some("id0"));
        assert_eq!(get(EXPECTED_LAST_SEQ).as_deref(), Some("4"));
        assert_eq!(get(EXPECTED_LAST_SUBJECT_SEQ).as_deref(), Some("3"));
        assert_eq!(
            get(EXPECTED_LAST_SUBJECT_SEQ_SUBJECT).as_deref(),
            Some("a.*")
        );
        assert_eq!(get(MSG_TTL).as_deref(), Some("2s"));
        assert_eq!(h.len(), 7);
    }

    #[test]
    fn no_message_wins_and_drops_the_subject_variant() {
        let o = PubOptions {
            expect_no_message: true,
            expect_last_subject_seq: 3,
            expect_last_subject_seq_subject: "a.*".into(),
            ..PubOptions::default()
        };
        let mut h = Headers::new();
        o.apply(&mut h).unwrap();
        assert_eq!(h.get(EXPECTED_LAST_SUBJECT_SEQ), Some(&b"0"[..]));
        assert_eq!(h.get(EXPECTED_LAST_SUBJECT_SEQ_SUBJECT), None);
        assert!(o.sets_headers());
        assert!(!PubOptions::default().sets_headers());
    }

    #[test]
    fn schedules_and_their_cancel() {
        let mut o = PubOptions {
            schedule: ScheduleOptions {
                schedule: "@every 1m".into(),
                target: "t".into(),
                ttl: Some(Duration::from_millis(500)),
                rollup: true,
                ..ScheduleOptions::default()
            },
            ..PubOptions::default()
        };
        let mut h = Headers::new();
        o.apply(&mut h).unwrap();
        assert_eq!(h.get(SCHEDULE), Some(&b"@every 1m"[..]));
        assert_eq!(h.get(SCHEDULE_TARGET), Some(&b"t"[..]));
        assert_eq!(h.get(SCHEDULE_TTL), Some(&b"500ms"[..]));
        assert_eq!(h.get(SCHEDULE_ROLLUP), Some(&b"sub"[..]));

        o.schedule.cancel_scheduled_subject = "sched.x".into();
        let e = o.apply(&mut Headers::new()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        o.schedule = ScheduleOptions {
            cancel_scheduled_subject: "sched.x".into(),
            ..ScheduleOptions::default()
        };
        let mut h = Headers::new();
        o.apply(&mut h).unwrap();
        assert_eq!(h.get(SCHEDULER), Some(&b"sched.x"[..]));
        assert_eq!(h.get(SCHEDULE_NEXT), Some(&b"purge"[..]));
    }

    #[test]
    fn milliseconds_from_c() {
        assert_eq!(millis_option("MaxWait", 0).unwrap(), None);
        assert_eq!(
            millis_option("MaxWait", 1500).unwrap(),
            Some(Duration::from_millis(1500))
        );
        let e = millis_option("MsgTTL", -1).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        assert!(e.text.contains("'MsgTTL' (-1)"), "{}", e.text);
    }
}
