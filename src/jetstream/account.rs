//! Account information (`$JS.API.INFO`): usage, limits and per-tier usage.
use std::collections::BTreeMap;

use serde::Deserialize;

use super::context::JetStream;
use super::error::JsResult;

/// Count of API calls served for the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    pub total: u64,
    pub errors: u64,
}

/// JetStream limits of an account or tier; -1 means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    pub max_memory: i64,
    pub max_storage: i64,
    pub max_streams: i64,
    pub max_consumers: i64,
    pub max_ack_pending: i64,
    pub memory_max_stream_bytes: i64,
    pub storage_max_stream_bytes: i64,
    pub max_bytes_required: bool,
}

/// Usage of one replication tier (e.g. `R1`, `R3`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Tier {
    pub memory: u64,
    pub storage: u64,
    pub streams: i64,
    pub consumers: i64,
    pub limits: AccountLimits,
}

/// What the account uses and may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    pub memory: u64,
    pub storage: u64,
    pub streams: i64,
    pub consumers: i64,
    pub domain: String,
    pub api: ApiStats,
    pub limits: AccountLimits,
    /// By tier name, in name order so C sees a stable order.
    pub tiers: BTreeMap<String, Tier>,
}

impl JetStream {
    /// The account's JetStream usage and limits.
    pub fn account_info(&self) -> JsResult<AccountInfo> {
        self.api_request::<(), _>("INFO", None)
    }
}
