//! Watchers (nats.c's `objStoreWatcher`): an ordered push consumer on
//! every object's info subject. It delivers the current info of each
//! object, then `None` once (the initial infos are all there), then every
//! change: puts, meta updates, deletes. objStore_List is a watcher read
//! up to its `None`.
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::client::{ErrorKind, Subscription};
use crate::jetstream::consume::metadata::parse_ack_subject;
use crate::jetstream::consume::{self, push, SubOptions};
use crate::jetstream::consumer_config::DeliverPolicy;
use crate::jetstream::{JsError, JsResult};

use super::manage::parse_info;
use super::{ObjStore, ObjectInfo};

/// `objStoreWatchOptions`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjWatchOptions {
    /// Deleted objects are not reported.
    pub ignore_deletes: bool,
    /// Only changes after the watcher started (no initial infos, no
    /// `None`).
    pub updates_only: bool,
}

#[derive(Debug, Default)]
struct State {
    stopped: bool,
    init_done: bool,
    /// `None` is due before anything else.
    ret_marker: bool,
}

/// A watcher on a store's objects.
pub struct ObjWatcher {
    sub: OnceLock<Subscription>,
    state: Mutex<State>,
    ignore_deletes: bool,
}

fn illegal_state(text: &str) -> JsError {
    JsError::new(ErrorKind::IllegalState, text)
}

impl ObjWatcher {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next info, or `None` once when the initial infos are all
    /// there; waits up to `timeout` (which must not be zero). `Timeout`
    /// when nothing came; `IllegalState` once stopped (also for a call
    /// waiting then).
    pub fn next(&self, timeout: Duration) -> JsResult<Option<ObjectInfo>> {
        if timeout.is_zero() {
            return Err(JsError::invalid_arg("the timeout must be positive"));
        }
        let start = Instant::now();
        let mut st = self.lock();
        loop {
            if st.stopped {
                return Err(illegal_state("watcher stopped"));
            }
            if st.ret_marker {
                st.ret_marker = false;
                return Ok(None);
            }
            let Some(sub) = self.sub.get() else {
                return Err(illegal_state("watcher not started"));
            };
            let wait = timeout.saturating_sub(start.elapsed());
            if wait.is_zero() {
                return Err(JsError::new(ErrorKind::Timeout, "timeout"));
            }
            drop(st);
            let got = sub.next_msg(wait);
            st = self.lock();
            if st.stopped {
                return Err(illegal_state("watcher stopped"));
            }
            let msg = got?;
            let meta = msg
                .reply()
                .and_then(|r| parse_ack_subject(r).ok())
                .ok_or_else(|| JsError::new(ErrorKind::Err, "an info without its metadata"))?;
            let mut info = parse_info(msg.data())?;
            info.mtime = meta.timestamp;
            if !st.init_done && meta.num_pending == 0 {
                st.init_done = true;
                st.ret_marker = true;
            }
            if !(self.ignore_deletes && info.deleted) {
                return Ok(Some(info));
            }
            // An ignored delete: wait on for the rest of the time.
        }
    }

    /// Stops the watcher (again: `Ok`); `next` fails from now on.
    pub fn stop(&self) -> JsResult<()> {
        let mut st = self.lock();
        if st.stopped {
            return Ok(());
        }
        st.stopped = true;
        drop(st);
        match self.sub.get() {
            Some(sub) => consume::unsubscribe(sub),
            None => Ok(()),
        }
    }
}

impl Drop for ObjWatcher {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl ObjStore {
    /// Watches every object of the store.
    pub fn watch(&self, opts: ObjWatchOptions) -> JsResult<ObjWatcher> {
        let policy = if opts.updates_only {
            DeliverPolicy::New
        } else {
            DeliverPolicy::All
        };
        let mut so = SubOptions {
            ordered: true,
            stream: self.stream.clone(),
            ..SubOptions::default()
        };
        so.config.deliver_policy = policy;
        so.deliver_policy = Some(policy);
        let w = ObjWatcher {
            sub: OnceLock::new(),
            state: Mutex::new(State::default()),
            ignore_deletes: opts.ignore_deletes,
        };
        let (sub, info) =
            push::subscribe_with_info(&self.js, &[self.all_meta_subjects()], None, &so)?;
        let r = sub.set_pending_limits(None, None);
        let _ = w.sub.set(sub);
        r?;
        let pending = info.map_or(0, |i| i.num_pending + i.delivered.consumer);
        let mut st = w.lock();
        if opts.updates_only {
            st.init_done = true;
        } else if pending == 0 {
            st.init_done = true;
            st.ret_marker = true;
        }
        drop(st);
        Ok(w)
    }

    /// The infos of the store's objects (deleted ones too with
    /// `show_deleted`); `NotFound` when there are none. Gives up with
    /// `Timeout` after the context's wait.
    pub fn list(&self, show_deleted: bool) -> JsResult<Vec<ObjectInfo>> {
        let w = self.watch(ObjWatchOptions {
            ignore_deletes: !show_deleted,
            updates_only: false,
        })?;
        let deadline = Instant::now() + self.js.options().wait;
        let mut list = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(JsError::new(ErrorKind::Timeout, "timeout listing objects"));
            }
            match w.next(left)? {
                Some(info) => list.push(info),
                None => break,
            }
        }
        if list.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no objects found"));
        }
        Ok(list)
    }
}
