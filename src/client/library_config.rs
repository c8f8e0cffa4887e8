//! Library-wide defaults set once by `nats_OpenWithConfig`: what new
//! options start with, and a hook run at the start of every library thread.
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Runs at the start of each thread the library creates (e.g. to pin it).
pub type ThreadStartedFn = Arc<dyn Fn() + Send + Sync>;

/// Defaults applied to options created after `nats_OpenWithConfig`.
#[derive(Clone, Default)]
pub struct LibraryConfig {
    /// The write deadline new options start with (`None`: no deadline).
    pub default_write_deadline: Option<Duration>,
    /// New options deliver through the shared pool by default.
    pub default_to_thread_pool: bool,
}

static CONFIG: RwLock<Option<LibraryConfig>> = RwLock::new(None);
static THREAD_STARTED: RwLock<Option<ThreadStartedFn>> = RwLock::new(None);

pub fn set(config: LibraryConfig, thread_started: Option<ThreadStartedFn>) {
    *CONFIG.write().unwrap_or_else(|p| p.into_inner()) = Some(config);
    *THREAD_STARTED.write().unwrap_or_else(|p| p.into_inner()) = thread_started;
}

/// The configured defaults. Without `nats_OpenWithConfig`, nats.c's, which
/// its environment variables `NATS_DEFAULT_LIB_WRITE_DEADLINE` (ms) and
/// `NATS_DEFAULT_TO_LIB_MSG_DELIVERY` (set: on) may change.
pub fn get() -> LibraryConfig {
    CONFIG
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(from_env)
}

fn from_env() -> LibraryConfig {
    let deadline = std::env::var("NATS_DEFAULT_LIB_WRITE_DEADLINE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    LibraryConfig {
        default_write_deadline: deadline,
        default_to_thread_pool: std::env::var_os("NATS_DEFAULT_TO_LIB_MSG_DELIVERY").is_some(),
    }
}

/// Called by every library thread as it starts.
pub(crate) fn thread_started() {
    let hook = THREAD_STARTED
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(f) = hook {
        f();
    }
}
