//! What is read through a watcher and then let go: the keys of a bucket
//! (`kvStore_Keys`, `_KeysWithFilters`), a key's history
//! (`kvStore_History`), and the removal of delete markers
//! (`kvStore_PurgeDeletes`). Each gathers entries until the end of the
//! initial values, as nats.c does.
use std::time::{Duration, Instant};

use crate::client::ErrorKind;
use crate::jetstream::error::{JsError, JsResult};
use crate::jetstream::stream::PurgeOptions;

use super::watch::{WatchOptions, Watcher};
use super::{KvEntry, KvPurgeOptions, KvStore, Operation};

/// How long PurgeDeletes keeps recent markers when told nothing: 30
/// minutes, in nanoseconds.
pub const DEFAULT_MARKERS_OLDER_THAN: i64 = 30 * 60 * 1_000_000_000;

/// The entries up to the end of the initial values, within `timeout`
/// in all (nats.c's `KV_GATHER_LIST`).
fn gather(w: &Watcher, timeout: Option<Duration>) -> JsResult<Vec<KvEntry>> {
    let start = Instant::now();
    let mut out = Vec::new();
    loop {
        let left = timeout.map(|t| t.saturating_sub(start.elapsed()));
        match w.next_within(left)? {
            None => return Ok(out),
            Some(e) => out.push(e),
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            return Err(JsError::new(ErrorKind::Timeout, "timeout"));
        }
    }
}

/// Gathers through `w` and stops it, whatever happened.
fn gather_and_stop(w: Watcher, timeout: Option<Duration>) -> JsResult<Vec<KvEntry>> {
    let got = gather(&w, timeout);
    let _ = w.stop();
    got
}

impl KvStore {
    /// The keys that have a value (deleted and purged keys are not there).
    /// An empty bucket has none: `Ok` with an empty list.
    pub fn keys(&self, opts: &WatchOptions) -> JsResult<Vec<String>> {
        self.keys_matching(&[">"], opts)
    }

    /// The keys matching any of `filters` (wildcards allowed) that have a
    /// value.
    pub fn keys_with_filters<S: AsRef<str>>(
        &self,
        filters: &[S],
        opts: &WatchOptions,
    ) -> JsResult<Vec<String>> {
        if filters.is_empty() {
            return Err(JsError::invalid_arg("no filters"));
        }
        self.keys_matching(filters, opts)
    }

    fn keys_matching<S: AsRef<str>>(
        &self,
        filters: &[S],
        opts: &WatchOptions,
    ) -> JsResult<Vec<String>> {
        let mut o = opts.clone();
        o.ignore_deletes = true;
        o.meta_only = true;
        o.callback = None;
        let w = self.watch_multi(filters, &o)?;
        let entries = gather_and_stop(w, o.timeout)?;
        Ok(entries.iter().map(|e| e.key().to_string()).collect())
    }

    /// Every revision kept of `key` (wildcards allowed), oldest first.
    /// `NotFound` when there is none (a missing key, an empty bucket, a
    /// key whose markers were purged), as nats.c.
    pub fn history(&self, key: &str, opts: &WatchOptions) -> JsResult<Vec<KvEntry>> {
        let mut o = opts.clone();
        o.include_history = true;
        o.callback = None;
        let w = self.watch(key, &o)?;
        let entries = gather_and_stop(w, o.timeout)?;
        if entries.is_empty() {
            return Err(JsError::new(
                ErrorKind::NotFound,
                format!("no history for key '{key}'"),
            ));
        }
        Ok(entries)
    }

    /// Removes the keys whose last revision is a delete or purge marker:
    /// their older revisions go, and the marker too unless it is younger
    /// than `delete_markers_older_than` (0: 30 minutes; negative: every
    /// marker goes); `timeout` bounds the gathering of the markers. Nothing is purged when the
    /// markers could not be gathered (in `timeout`); the first failed purge
    /// is returned (the markers after it stay).
    pub fn purge_deletes(&self, opts: &KvPurgeOptions) -> JsResult<()> {
        let wo = WatchOptions {
            timeout: opts.timeout,
            ..WatchOptions::default()
        };
        let w = self.watch_all(&wo)?;
        let markers: Vec<KvEntry> = gather_and_stop(w, opts.timeout)?
            .into_iter()
            .filter(|e| matches!(e.operation(), Operation::Delete | Operation::Purge))
            .collect();
        let older_than = match opts.delete_markers_older_than {
            0 => DEFAULT_MARKERS_OLDER_THAN,
            n => n,
        };
        // Markers created at or after `limit` are kept (none when negative).
        let limit = (older_than > 0).then(|| now_ns().saturating_sub(older_than));
        for m in markers {
            let keep = limit.is_some_and(|l| m.created() >= l);
            let po = PurgeOptions {
                subject: format!("{}{}", self.pre, m.key()),
                keep: u64::from(keep),
                ..PurgeOptions::default()
            };
            self.js
                .purge_stream(&self.stream, &po)
                .map_err(|e| e.at("kvStore_PurgeDeletes"))?;
        }
        Ok(())
    }
}

/// UTC nanoseconds now.
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
