//! Connection options with nats.c's defaults.
use std::sync::Arc;
use std::time::Duration;

pub use super::callbacks::{Callbacks, ConnCallback, ErrCallback, ReconnectDelayFn};
use super::error::{Error, ErrorKind, Result};
use super::url::ServerUrl;
use crate::auth::creds::UserCreds;
use crate::tls::TlsSettings;

/// `natsTokenHandler`: a fresh token for each connect.
pub type TokenFn = Arc<dyn Fn() -> Option<String> + Send + Sync>;
/// `natsUserJWTHandler`: the user JWT to present at each connect.
pub type UserJwtFn = Arc<dyn Fn() -> Result<String> + Send + Sync>;
/// `natsSignatureHandler`: signs the server's nonce (raw signature bytes).
pub type SignFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync>;
/// `natsProxyConnHandler`: opens a connection (through a proxy) to host and port.
pub type ProxyConnFn = Arc<dyn Fn(&str, u16) -> Result<std::net::TcpStream> + Send + Sync>;
pub const DEFAULT_URL: &str = "nats://localhost:4222";
pub const DEFAULT_INBOX_PREFIX: &str = "_INBOX";
/// nats.c's reconnect buffer: 8 MiB.
pub const DEFAULT_RECONNECT_BUF_SIZE: usize = 8 * 1024 * 1024;
/// nats.c's timeout for connecting to one server.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Which resolved addresses a connect tries, in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpOrder {
    /// All of them, in the resolver's order.
    #[default]
    Any,
    /// IPv4 only.
    V4Only,
    /// IPv6 only.
    V6Only,
    /// IPv4 first, then IPv6.
    V4First,
    /// IPv6 first, then IPv4.
    V6First,
}

/// nats.c always has an error handler: without the user's, asynchronous
/// errors are printed to stderr, with nats.c's status value.
pub fn default_error_handler() -> ErrCallback {
    Arc::new(|conn, sub, err| {
        let status = err.kind.status_value();
        let cid = conn.server_info().client_id;
        match sub {
            Some(s) => eprintln!(
                "Error {status} - {} on connection [{cid}] on \"{}\"",
                err.text,
                &*s.subject()
            ),
            None => eprintln!("Error {status} - {} on connection [{cid}]", err.text),
        }
    })
}

/// Everything a connection is configured with. Cloned when a connection is
/// created, so later changes to the user's options don't affect it.
#[derive(Clone)]
pub struct Options {
    /// `natsOptions_SetURL`: one URL or a comma separated list, parsed at connect.
    pub url: Option<String>,
    /// `natsOptions_SetServers`, tried after `url`.
    pub servers: Vec<String>,
    pub name: Option<String>,
    pub verbose: bool,
    pub pedantic: bool,
    pub timeout: Duration,
    pub ping_interval: Duration,
    /// PINGs that may go unanswered before the connection counts as stale.
    pub max_pings_out: usize,
    pub io_buf_size: usize,
    pub no_echo: bool,
    /// The pending limits new subscriptions start with (both positive).
    pub max_pending_msgs: usize,
    pub max_pending_bytes: usize,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// Called at every connect for the token (exclusive with `token`).
    pub token_handler: Option<TokenFn>,
    /// The nkey public key presented in CONNECT (exclusive with a user JWT).
    pub nkey: Option<String>,
    pub user_jwt: Option<UserJwtFn>,
    /// Signs the server nonce for nkey or JWT authentication.
    pub signer: Option<SignFn>,
    /// The credentials behind `user_jwt` / `signer` when the library reads
    /// them (files or memory), so `natsConnection_Sign` can use them too.
    pub user_creds: Option<Arc<UserCreds>>,
    /// TLS for every server (`natsOptions_SetSecure`, or implied by the
    /// other TLS options that nats.c documents as doing so).
    pub secure: bool,
    /// Start TLS before the server's INFO (server `handshake_first`).
    pub tls_handshake_first: bool,
    pub tls: TlsSettings,
    /// `natsOptions_IPResolutionOrder`.
    pub ip_order: IpOrder,
    /// Replaces the TCP connect (the handshake still runs over its socket).
    pub proxy_conn: Option<ProxyConnFn>,
    pub global_delivery: bool,
    pub old_request_style: bool,
    pub send_asap: bool,
    pub flusher_wait: Duration,
    pub inbox_prefix: String,
    pub no_responders_disabled: bool,
    pub message_padding: usize,
    pub write_deadline: Option<Duration>,
    pub fail_requests_on_disconnect: bool,
    pub allow_reconnect: bool,
    /// Reconnect attempts per server before giving up on it; `None`: never give up.
    pub max_reconnect: Option<usize>,
    /// Pause before trying a server that was already tried in this outage.
    pub reconnect_wait: Duration,
    /// Upper bound of the random extra delay added to `reconnect_wait` (plain TCP).
    pub reconnect_jitter: Duration,
    /// Same as `reconnect_jitter`, for TLS connections.
    pub reconnect_jitter_tls: Duration,
    /// Bytes of publishes held while reconnecting; 0: publishes fail while disconnected.
    pub reconnect_buf_size: usize,
    /// Keep retrying when the first connect fails, using the reconnect settings.
    pub retry_on_failed_connect: bool,
    /// Try servers in the given order instead of shuffling them.
    pub no_randomize: bool,
    /// Don't add servers announced by the cluster to the server list.
    pub ignore_discovered_servers: bool,
    /// Reconnect (instead of closing) after a generic `-ERR` from the server.
    pub reconnect_on_protocol_error: bool,
    /// Keep reconnecting after the same authentication error twice in a row.
    pub ignore_auth_error_abort: bool,
    /// The user code the connection calls back.
    pub callbacks: Callbacks,
}

/// nats.c's defaults (what `natsOptions_Create` gives a C program too),
/// with the library-wide ones of `nats_OpenWithConfig` or its environment
/// variables, and the stderr error handler.
impl Default for Options {
    fn default() -> Self {
        let lib = super::library_config::get();
        Options {
            url: None,
            servers: Vec::new(),
            name: None,
            verbose: false,
            pedantic: false,
            timeout: DEFAULT_TIMEOUT,
            ping_interval: Duration::from_secs(120),
            max_pings_out: 2,
            io_buf_size: 32 * 1024,
            no_echo: false,
            max_pending_msgs: 65536,
            max_pending_bytes: 64 * 1024 * 1024,
            user: None,
            password: None,
            token: None,
            token_handler: None,
            nkey: None,
            user_jwt: None,
            signer: None,
            user_creds: None,
            secure: false,
            tls_handshake_first: false,
            tls: TlsSettings::default(),
            ip_order: IpOrder::Any,
            proxy_conn: None,
            global_delivery: lib.default_to_thread_pool,
            old_request_style: false,
            send_asap: false,
            flusher_wait: Duration::from_micros(1000),
            inbox_prefix: DEFAULT_INBOX_PREFIX.to_string(),
            no_responders_disabled: false,
            message_padding: 0,
            write_deadline: lib.default_write_deadline,
            fail_requests_on_disconnect: false,
            allow_reconnect: true,
            max_reconnect: Some(60),
            reconnect_wait: Duration::from_secs(2),
            reconnect_jitter: Duration::from_millis(100),
            reconnect_jitter_tls: Duration::from_secs(1),
            reconnect_buf_size: DEFAULT_RECONNECT_BUF_SIZE,
            retry_on_failed_connect: false,
            no_randomize: false,
            ignore_discovered_servers: false,
            reconnect_on_protocol_error: false,
            ignore_auth_error_abort: false,
            callbacks: Callbacks {
                error_cb: Some(default_error_handler()),
                ..Callbacks::default()
            },
        }
    }
}

impl Options {
    /// `natsOptions_SetCustomInboxPrefix`: a valid subject without wildcards.
    pub fn set_inbox_prefix(&mut self, prefix: Option<&str>) -> Result<()> {
        match prefix {
            None | Some("") => self.inbox_prefix = DEFAULT_INBOX_PREFIX.to_string(),
            Some(p) => {
                let p = p.trim_end_matches('.');
                if !crate::proto::subject::is_valid_subject(p) || p.contains(['*', '>']) {
                    return Err(Error::new(
                        ErrorKind::InvalidArg,
                        format!("invalid inbox prefix '{p}'"),
                    ));
                }
                self.inbox_prefix = p.to_string();
            }
        }
        Ok(())
    }

    /// `natsOptions_SetURL`: one URL or a comma separated list; surrounding
    /// blanks are dropped, and `None` or a blank text clears it.
    pub fn set_url(&mut self, url: Option<&str>) {
        self.url = url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string);
    }

    /// `natsOptions_SetServers`: the servers to try after the URL, each
    /// without surrounding blanks.
    pub fn set_servers<S: AsRef<str>>(&mut self, servers: impl IntoIterator<Item = S>) {
        self.servers = servers
            .into_iter()
            .map(|s| s.as_ref().trim().to_string())
            .collect();
    }

    /// `natsOptions_SetTimeout`: zero keeps the 2 second default.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = if timeout.is_zero() {
            DEFAULT_TIMEOUT
        } else {
            timeout
        };
    }

    /// `natsOptions_SetIOBufSize`: zero leaves the size as it is.
    pub fn set_io_buf_size(&mut self, size: usize) {
        if size > 0 {
            self.io_buf_size = size;
        }
    }

    /// `natsOptions_SetMaxPendingMsgs`: the default message limit of new
    /// subscriptions, which must be positive.
    pub fn set_max_pending_msgs(&mut self, limit: usize) -> Result<()> {
        if limit == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "max pending messages must be positive",
            ));
        }
        self.max_pending_msgs = limit;
        Ok(())
    }

    /// `natsOptions_SetMaxPendingBytes`: the default byte limit of new
    /// subscriptions, which must be positive.
    pub fn set_max_pending_bytes(&mut self, limit: usize) -> Result<()> {
        if limit == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "max pending bytes must be positive",
            ));
        }
        self.max_pending_bytes = limit;
        Ok(())
    }

    /// `natsOptions_SetErrorHandler`: `None` restores the default handler,
    /// which prints to stderr.
    pub fn set_error_handler(&mut self, handler: Option<ErrCallback>) {
        self.callbacks.error_cb = Some(handler.unwrap_or_else(default_error_handler));
    }

    /// `natsOptions_SetWriteDeadline`: zero means no deadline.
    pub fn set_write_deadline(&mut self, deadline: Duration) {
        self.write_deadline = (!deadline.is_zero()).then_some(deadline);
    }

    /// `natsOptions_SetReconnectBufSize`: zero restores the 8 MiB default.
    pub fn set_reconnect_buf_size(&mut self, size: usize) {
        self.reconnect_buf_size = match size {
            0 => DEFAULT_RECONNECT_BUF_SIZE,
            n => n,
        };
    }

    /// `natsOptions_SetRetryOnFailedConnect`: the connected callback only
    /// means something when retrying, so turning retries off clears it.
    pub fn set_retry_on_failed_connect(&mut self, retry: bool, connected: Option<ConnCallback>) {
        self.retry_on_failed_connect = retry;
        self.callbacks.connected_cb = if retry { connected } else { None };
    }

    /// `natsOptions_SetSecure`: `false` also forgets the TLS settings made so
    /// far, including a TLS-first handshake.
    pub fn set_secure(&mut self, secure: bool) {
        if !secure {
            self.tls = TlsSettings::default();
            self.tls_handshake_first = false;
        }
        self.secure = secure;
    }

    /// `natsOptions_TLSHandshakeFirst`: TLS before the server's INFO, which
    /// implies TLS.
    pub fn set_tls_handshake_first(&mut self) {
        self.secure = true;
        self.tls_handshake_first = true;
    }

    /// The servers to try, in order: the URL(s), then the server list, or
    /// the default URL when neither is set.
    pub fn server_list(&self) -> Result<Vec<ServerUrl>> {
        let mut list = Vec::new();
        if let Some(u) = self.url.as_deref() {
            list.extend(ServerUrl::parse_list(u)?);
        }
        for s in &self.servers {
            list.push(ServerUrl::parse(s)?);
        }
        if list.is_empty() {
            list = ServerUrl::parse_list(DEFAULT_URL)?;
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_trimmed_and_blank_clears_it() {
        let mut o = Options::default();
        o.set_url(Some("  nats://a:4222 "));
        assert_eq!(o.url.as_deref(), Some("nats://a:4222"));
        o.set_url(Some("   "));
        assert_eq!(o.url, None);
        o.set_url(Some("nats://b"));
        o.set_url(None);
        assert_eq!(o.url, None);
        o.set_servers([" nats://a ", "nats://b"]);
        assert_eq!(o.servers, ["nats://a", "nats://b"]);
    }

    #[test]
    fn zero_sizes_and_durations_mean_the_default_or_none() {
        let mut o = Options::default();
        o.set_timeout(Duration::from_millis(5));
        assert_eq!(o.timeout, Duration::from_millis(5));
        o.set_timeout(Duration::ZERO);
        assert_eq!(o.timeout, Duration::from_secs(2));
        o.set_io_buf_size(100);
        o.set_io_buf_size(0);
        assert_eq!(o.io_buf_size, 100, "zero leaves the size as it is");
        o.set_reconnect_buf_size(10);
        assert_eq!(o.reconnect_buf_size, 10);
        o.set_reconnect_buf_size(0);
        assert_eq!(o.reconnect_buf_size, DEFAULT_RECONNECT_BUF_SIZE);
        o.set_write_deadline(Duration::from_millis(7));
        assert_eq!(o.write_deadline, Some(Duration::from_millis(7)));
        o.set_write_deadline(Duration::ZERO);
        assert_eq!(o.write_deadline, None);
    }

    #[test]
    fn pending_limits_must_be_positive() {
        let mut o = Options::default();
        let e = o.set_max_pending_msgs(0).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        let e = o.set_max_pending_bytes(0).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        assert_eq!(o.max_pending_msgs, 65536, "refused values change nothing");
        assert_eq!(o.max_pending_bytes, 64 * 1024 * 1024);
        o.set_max_pending_msgs(1).unwrap();
        o.set_max_pending_bytes(1).unwrap();
        assert_eq!((o.max_pending_msgs, o.max_pending_bytes), (1, 1));
    }

    #[test]
    fn no_error_handler_means_the_stderr_one() {
        let mut o = Options::default();
        o.callbacks.error_cb = None;
        o.set_error_handler(None);
        assert!(o.callbacks.error_cb.is_some());
    }

    #[test]
    fn connected_callback_only_with_retries() {
        let cb: ConnCallback = Arc::new(|_| {});
        let mut o = Options::default();
        o.set_retry_on_failed_connect(true, Some(cb.clone()));
        assert!(o.retry_on_failed_connect && o.callbacks.connected_cb.is_some());
        o.set_retry_on_failed_connect(false, Some(cb));
        assert!(!o.retry_on_failed_connect && o.callbacks.connected_cb.is_none());
    }

    #[test]
    fn tls_first_implies_tls_and_insecure_forgets_it() {
        let mut o = Options::default();
        o.set_tls_handshake_first();
        o.tls.set_skip_verify(true);
        assert!(o.secure && o.tls_handshake_first);
        o.set_secure(false);
        assert!(!o.secure && !o.tls_handshake_first);
        assert!(!o.tls.skip_verify(), "TLS settings are forgotten");
    }

    #[test]
    fn a_seed_file_needs_a_user_file() {
        let mut o = Options::default();
        let e = o
            .set_user_credentials_from_files(None, Some("seed.nk"))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        let e = o
            .set_user_credentials_from_files(Some(""), Some("seed.nk"))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArg);
        assert!(o.user_creds.is_none());
        o.set_user_credentials_from_files(Some("user.creds"), Some(""))
            .unwrap();
        assert!(o.user_creds.is_some() && o.user_jwt.is_some() && o.signer.is_some());
        o.set_user_credentials_from_files(Some(""), None).unwrap();
        assert!(o.user_creds.is_none() && o.user_jwt.is_none());
    }
}
