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
    pub max_pings_out: i32,
    pub io_buf_size: usize,
    pub no_echo: bool,
    pub max_pending_msgs: i32,
    /// -1 means unlimited (nats.c's default for connections' subscriptions).
    pub max_pending_bytes: i64,
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
    /// `natsOptions_IPResolutionOrder`: 0 (resolver order), 4, 6, 46 or 64.
    pub ip_order: i32,
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
    /// Reconnect rounds over the server list before giving up; negative: never give up.
    pub max_reconnect: i32,
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

impl Default for Options {
    fn default() -> Self {
        Options {
            url: None,
            servers: Vec::new(),
            name: None,
            verbose: false,
            pedantic: false,
            timeout: Duration::from_secs(2),
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
            ip_order: 0,
            proxy_conn: None,
            global_delivery: false,
            old_request_style: false,
            send_asap: false,
            flusher_wait: Duration::from_micros(1000),
            inbox_prefix: DEFAULT_INBOX_PREFIX.to_string(),
            no_responders_disabled: false,
            message_padding: 0,
            write_deadline: None,
            fail_requests_on_disconnect: false,
            allow_reconnect: true,
            max_reconnect: 60,
            reconnect_wait: Duration::from_secs(2),
            reconnect_jitter: Duration::from_millis(100),
            reconnect_jitter_tls: Duration::from_secs(1),
            reconnect_buf_size: DEFAULT_RECONNECT_BUF_SIZE,
            retry_on_failed_connect: false,
            no_randomize: false,
            ignore_discovered_servers: false,
            reconnect_on_protocol_error: false,
            ignore_auth_error_abort: false,
            callbacks: Callbacks::default(),
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

    /// `natsOptions_IPResolutionOrder`.
    pub fn set_ip_order(&mut self, order: i32) -> Result<()> {
        if !matches!(order, 0 | 4 | 6 | 46 | 64) {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                format!("invalid IP resolution order {order} (0, 4, 6, 46 or 64)"),
            ));
        }
        self.ip_order = order;
        Ok(())
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
