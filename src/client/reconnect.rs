//! The reconnect thread: started when a connection is lost (or could not
//! be made, with retry-on-failed-connect), it walks the server pool until a
//! server takes us back, or the pool runs out and the connection closes.
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::conn::{Connection, Status};
use super::error::{Error, ErrorKind};
use super::handshake;
use super::pool::random_u64;
use super::url::ServerUrl;

/// Between two servers of the same round nats.c pauses this long.
const BETWEEN_SERVERS: Duration = Duration::from_millis(1);

impl Connection {
    pub(crate) fn reconnect_loop(&self) {
        let opts = self.options();
        let mut tried = 0usize;
        let mut rounds = 0i32;
        // As in nats.c, the connection reports no error while it reconnects;
        // the reason for giving up is recorded at the end.
        let mut failure: Option<Error> = None;
        {
            let mut st = self.lock_state();
            // A close that came first (a panicking event thread's, say)
            // keeps the error it recorded.
            if !st.initial && !self.is_closed() {
                st.last_error = None;
            }
        }
        loop {
            let (url, pool_len) = {
                let mut st = self.lock_state();
                if self.is_closed() {
                    return;
                }
                let cur = st.url.clone();
                let Some(next) = st.pool.next_after(&cur, opts.max_reconnect) else {
                    break;
                };
                st.url = next.url.clone();
                (next.url, st.pool.len())
            };
            // A round ends with the server we just lost (it went to the
            // back of the pool): wait before trying it again.
            tried += 1;
            let wait = if tried >= pool_len {
                tried = 0;
                rounds += 1;
                self.round_delay(rounds)
            } else {
                BETWEEN_SERVERS
            };
            if !self.pause(wait) {
                return;
            }
            if let Some(e) = self.lock_state().pool.find_mut(&url) {
                e.reconnects += 1;
            }
            match handshake::establish(&url, opts, self.0.tls_used.load(Relaxed)) {
                Ok(est) => {
                    let initial = self.lock_state().initial;
                    match self.attach(url, est) {
                        Ok(()) => {
                            self.reconnected(initial);
                            return;
                        }
                        // A server that failed right after the handshake:
                        // try the next one.
                        Err(_) if self.is_closed() => return,
                        Err(_) => {}
                    }
                }
                Err(e) => {
                    if e.kind == ErrorKind::AuthFailed && self.refused_twice(&url) {
                        self.report_async_error(None, e.clone());
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
        // Out of servers (or refused): give up.
        let failure =
            failure.unwrap_or_else(|| Error::new(ErrorKind::NoServer, "no server available"));
        self.set_last_error(&failure);
        self.close_after_reconnect_failed();
    }

    /// How long to wait after trying every server once.
    fn round_delay(&self, round: i32) -> Duration {
        let opts = self.options();
        if let Some(f) = opts.callbacks.custom_reconnect_delay.clone() {
            return f(self, round);
        }
        let jitter = if opts.secure || self.0.tls_used.load(Relaxed) {
            opts.reconnect_jitter_tls
        } else {
            opts.reconnect_jitter
        };
        let jitter = jitter.as_millis() as u64;
        let extra = if jitter > 0 { random_u64() % jitter } else { 0 };
        opts.reconnect_wait + Duration::from_millis(extra)
    }

    /// Waits `d` unless the connection closes first; `false` when closed.
    fn pause(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut st = self.lock_state();
        loop {
            if self.is_closed() {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            st = self
                .0
                .state_cv
                .wait_timeout(st, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Records an authentication refusal by `url`; `true` when it is the
    /// second in a row there and the user did not ask to keep trying.
    fn refused_twice(&self, url: &ServerUrl) -> bool {
        let mut st = self.lock_state();
        let Some(e) = st.pool.find_mut(url) else {
            return false;
        };
        let again = e.auth_failed;
        e.auth_failed = true;
        again && !self.options().ignore_auth_error_abort
    }

    fn reconnected(&self, initial: bool) {
        {
            let mut st = self.lock_state();
            st.initial = false;
            if !self.is_closed() {
                st.last_error = None;
            }
        }
        let opts = self.options();
        let cb = if initial {
            opts.callbacks.connected_cb.as_ref()
        } else {
            self.0.counters.reconnects.fetch_add(1, Relaxed);
            opts.callbacks.reconnected_cb.as_ref()
        };
        if !initial {
            // JetStream consumers pick up again (an ordered one starts over).
            for sub in self.subs_snapshot() {
                if let Some(ext) = sub.extension() {
                    ext.on_reconnected(&sub);
                }
            }
        }
        self.post_event(cb);
    }

    fn close_after_reconnect_failed(&self) {
        if self.status() == Status::Reconnecting {
            self.close_impl(false);
        }
    }
}
