//! The loop behind the listing calls: the server answers at most one page
//! (`limit` items from `offset`, of `total`), so requests are repeated
//! with a growing offset until every item is in, all within one `Wait`.
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::ErrorKind;

use super::api;
use super::context::JetStream;
use super::error::{ErrorCode, JsError, JsResult};

/// The paging fields every listing answer carries.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Page {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// One decoded page: its position and the items it brought.
pub trait PageOf<T>: DeserializeOwned {
    fn page(&self) -> &Page;
    fn take(self) -> Vec<T>;
}

impl JetStream {
    /// Requests pages of `suffix` until `total` items were offered, the body
    /// for each made by `body(offset)`. API errors with a code in
    /// `not_found` become `NotFound`.
    pub(crate) fn paged<T, P: PageOf<T>>(
        &self,
        suffix: &str,
        body: impl Fn(i64) -> JsResult<Vec<u8>>,
        not_found: &[ErrorCode],
    ) -> JsResult<Vec<T>> {
        let deadline = Instant::now() + self.options().wait;
        let mut offset = 0;
        let mut items = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(JsError::new(ErrorKind::Timeout, "listing timed out"));
            }
            let answer = self.api_request_within(suffix, &body(offset)?, left)?;
            let page: P = api::decode(answer.data()).map_err(|e| e.not_found_if(not_found))?;
            let (limit, total) = (page.page().limit, page.page().total);
            let got = page.take();
            let brought = got.len();
            items.extend(got);
            offset += limit;
            // A page without items cannot advance: stop rather than spin.
            if offset >= total || brought == 0 || limit <= 0 {
                return Ok(items);
            }
        }
    }
}

/// Keeps the first position of each key, the last value for it (nats.c
/// collects listings in a map by name).
pub(crate) fn dedup_by<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut at = std::collections::HashMap::new();
    for item in items {
        match at.get(key(&item)) {
            Some(&i) => out[i] = item,
            None => {
                at.insert(key(&item).to_string(), out.len());
                out.push(item);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_keep_order_and_drop_repeats() {
        let v = dedup_by(vec!["b", "a", "b", "c"], |s| s);
        assert_eq!(v, ["b", "a", "c"]);
    }
}
