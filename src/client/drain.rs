//! Draining a connection: every subscription stops taking new messages,
//! delivers what it holds, then the publishes are flushed and the
//! connection closes.
use std::time::{Duration, Instant};

use super::conn::{Connection, Status};
use super::error::{Error, ErrorKind, Result};
use super::subscription::{SubKind, Subscription};
use super::threads::{self, ThreadKind};

/// `natsConnection_Drain`'s timeout.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a drain waits for the server to confirm the UNSUB when the
/// user gave no timeout.
pub(crate) const DRAIN_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

impl Connection {
    /// Marks `sub`'s drain started and queues the UNSUB; `false` if a drain
    /// had already started.
    fn start_drain(&self, sub: &Subscription) -> Result<bool> {
        if self.is_closed() {
            return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"));
        }
        sub.check_open()?;
        if !sub.mark_drain_started() {
            return Ok(false);
        }
        self.send_unsub(sub.sid(), None)?;
        Ok(true)
    }

    /// Drains `subs` at once, with one flush on one thread (a service
    /// stopping). Subscriptions already closed or draining are skipped.
    pub fn drain_subscriptions(&self, subs: &[Subscription]) -> Result<()> {
        let mut started = Vec::with_capacity(subs.len());
        for sub in subs {
            match self.start_drain(sub) {
                Ok(true) => started.push(sub.clone()),
                Ok(false) => {}
                Err(e) if e.kind == ErrorKind::InvalidSubscription => {}
                Err(e) => return Err(e),
            }
        }
        if started.is_empty() {
            return Ok(());
        }
        let conn = self.clone();
        let p = self.clone();
        let body = move || {
            threads::injection_point(ThreadKind::Drain);
            let flushed = conn.flush_timeout(DRAIN_FLUSH_TIMEOUT);
            for sub in &started {
                sub.finish_drain(flushed.clone());
            }
        };
        threads::spawn_guarded("nats-drain".to_string(), body, move |e| {
            p.thread_panicked(e, None)
        })?;
        Ok(())
    }

    /// `natsSubscription_Drain[Timeout]`: with a timeout, a drain not done
    /// by then is cut short and reports `Timeout`.
    pub fn drain_subscription(&self, sub: &Subscription, timeout: Option<Duration>) -> Result<()> {
        if !self.start_drain(sub)? {
            return Ok(());
        }
        let sub = sub.clone();
        let conn = self.clone();
        let p = self.clone();
        let name = format!("nats-drain-{}", sub.sid());
        let body = move || {
            threads::injection_point(ThreadKind::Drain);
            let flush_for = timeout.unwrap_or(DRAIN_FLUSH_TIMEOUT);
            let flushed = conn.flush_timeout(flush_for);
            sub.finish_drain(flushed);
            if let Some(t) = timeout {
                if sub.wait_drain(Some(t)).is_err() {
                    sub.cut_drain_short();
                }
            }
        };
        threads::spawn_guarded(name, body, move |e| p.thread_panicked(e, None))?;
        Ok(())
    }

    /// Starts draining; returns at once. `None` waits as long as it takes.
    pub fn drain(&self, timeout: Option<Duration>) -> Result<()> {
        {
            let _st = self.lock_state();
            match self.status() {
                Status::Closed => {
                    return Err(Error::new(ErrorKind::ConnectionClosed, "connection closed"))
                }
                Status::DrainingSubs | Status::DrainingPubs => return Ok(()),
                Status::Connected => self.set_status(Status::DrainingSubs),
                _ => {
                    return Err(Error::new(
                        ErrorKind::IllegalState,
                        "cannot drain while the connection is reconnecting",
                    ))
                }
            }
        }
        let (replies, subs): (Vec<Subscription>, Vec<Subscription>) = self
            .subs_snapshot()
            .into_iter()
            .partition(|s| matches!(s.0.kind, SubKind::Replies));
        for s in &subs {
            // A subscription already closing needs no drain.
            let _ = self.start_drain(s);
        }
        let conn = self.clone();
        let p = self.clone();
        threads::spawn_guarded(
            "nats-drain".into(),
            move || {
                threads::injection_point(ThreadKind::Drain);
                conn.drain_run(subs, replies, timeout)
            },
            move |e| p.thread_panicked(e, None),
        )?;
        Ok(())
    }

    fn drain_run(
        &self,
        subs: Vec<Subscription>,
        replies: Vec<Subscription>,
        timeout: Option<Duration>,
    ) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let left = || match deadline {
            None => DRAIN_FLUSH_TIMEOUT,
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        };
        let flushed = self.flush_timeout(left());
        if let Err(e) = &flushed {
            self.drain_error(e.kind, "unable to flush the subscriptions' UNSUB");
        }
        for s in &subs {
            s.finish_drain(flushed.clone());
        }
        let mut timed_out = false;
        for s in &subs {
            let wait = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if s.wait_drain(wait).is_err() && s.is_valid() {
                s.cut_drain_short();
                timed_out = true;
            }
        }
        if timed_out {
            self.drain_error(
                ErrorKind::Timeout,
                "timeout waiting for subscriptions to drain",
            );
        }
        // Requests in flight had their chance while the others drained.
        for r in &replies {
            let _ = self.send_unsub(r.sid(), None);
            r.close(false);
        }
        {
            let _st = self.lock_state();
            if self.is_closed() {
                return;
            }
            self.set_status(Status::DrainingPubs);
        }
        if !timed_out {
            if let Err(e) = self.flush_timeout(left()) {
                self.drain_error(e.kind, "unable to flush the publishes");
            }
        }
        self.close();
    }

    fn drain_error(&self, kind: ErrorKind, text: &str) {
        if !self.is_closed() {
            self.report_async_error(None, Error::new(kind, text));
        }
    }
}
