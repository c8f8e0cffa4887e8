//! Opening a socket to one server and the INFO / CONNECT / PING / PONG
//! exchange, all under the connect timeout.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};
use socket2::{SockRef, TcpKeepalive};

use super::error::{Error, ErrorKind, Result, Traced};
use super::options::{IpOrder, Options};
use super::quiet_socket::QuietSocket;
use super::transport::Transport;
use super::url::ServerUrl;
use crate::auth::base64url;
use crate::proto::{encode, server_error, ConnectInfo, Parsed, Parser, ServerInfo, ServerOp};

/// A connection past the handshake, with the bytes read beyond the PONG.
pub(crate) struct Established {
    pub transport: Transport,
    pub info: ServerInfo,
    pub leftover: Vec<u8>,
}

pub(crate) const CLIENT_LANG: &str = "C";
pub(crate) const CLIENT_VERSION: &str = "3.14.0-nats_rs";

/// The stream during the handshake: TLS may start before or after INFO.
enum HandshakeIo {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, QuietSocket>>),
}

impl HandshakeIo {
    fn socket(&self) -> &TcpStream {
        match self {
            HandshakeIo::Plain(s) => s,
            HandshakeIo::Tls(t) => &t.sock.0,
        }
    }

    fn into_transport(self) -> Transport {
        match self {
            HandshakeIo::Plain(s) => Transport::Plain(s),
            HandshakeIo::Tls(t) => {
                let (conn, sock) = t.into_parts();
                Transport::Tls(Box::new(conn), sock.0)
            }
        }
    }

    /// Runs the TLS handshake over the plain socket, before `deadline`.
    fn upgrade(self, url: &ServerUrl, opts: &Options, deadline: Instant) -> Result<HandshakeIo> {
        let HandshakeIo::Plain(sock) = self else {
            return Ok(self);
        };
        let config = opts.tls.client_config()?;
        let name = opts.tls.server_name(&url.host)?;
        let mut conn = ClientConnection::new(config, name)
            .map_err(|e| Error::new(ErrorKind::SslError, format!("TLS setup failed: {e}")))?;
        set_timeouts(&sock, deadline);
        let mut sock = QuietSocket(sock);
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut sock) {
                return Err(tls_error(&e));
            }
        }
        Ok(HandshakeIo::Tls(Box::new(StreamOwned::new(conn, sock))))
    }
}

impl Read for HandshakeIo {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            HandshakeIo::Plain(s) => s.read(buf),
            HandshakeIo::Tls(t) => t.read(buf),
        }
    }
}

impl Write for HandshakeIo {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            HandshakeIo::Plain(s) => s.write(buf),
            HandshakeIo::Tls(t) => t.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            HandshakeIo::Plain(s) => s.flush(),
            HandshakeIo::Tls(t) => t.flush(),
        }
    }
}

fn set_timeouts(sock: &TcpStream, deadline: Instant) {
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    let _ = sock.set_read_timeout(Some(left));
    let _ = sock.set_write_timeout(Some(left));
}

/// A failed TLS handshake: a timeout stays a timeout, the rest is an SSL error
/// naming rustls' reason (unknown issuer, name mismatch, alert from the server...).
fn tls_error(e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            timeout_err("in the TLS handshake")
        }
        _ => Error::new(ErrorKind::SslError, format!("SSL handshake error: {e}")),
    }
}

fn timeout_err(what: &str) -> Error {
    Error::new(ErrorKind::Timeout, format!("timeout while {what}"))
}

/// Orders (or filters) resolved addresses as the options say.
fn order_addrs(addrs: Vec<SocketAddr>, order: IpOrder) -> Vec<SocketAddr> {
    let (v4, v6): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs.iter().partition(|a| a.is_ipv4());
    match order {
        IpOrder::V4Only => v4,
        IpOrder::V6Only => v6,
        IpOrder::V4First => v4.into_iter().chain(v6).collect(),
        IpOrder::V6First => v6.into_iter().chain(v4).collect(),
        IpOrder::Any => addrs,
    }
}

fn tune(s: &TcpStream) {
    let _ = s.set_nodelay(true);
    let _ =
        SockRef::from(s).set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::from_secs(60)));
}

fn open_socket(url: &ServerUrl, opts: &Options, deadline: Instant) -> Result<TcpStream> {
    if let Some(proxy) = &opts.proxy_conn {
        let s = proxy(&url.host, url.port)?;
        // The reader and writers block on the socket, whatever mode the
        // user's handler left it in (nats.c resets it too).
        s.set_nonblocking(false).map_err(|e| Error::io(&e))?;
        tune(&s);
        return Ok(s);
    }
    let addrs = url.host_port().to_socket_addrs().map_err(|e| {
        Error::new(
            ErrorKind::NoServer,
            format!("cannot resolve {}: {e}", url.host),
        )
    })?;
    let mut last = Error::new(ErrorKind::NoServer, format!("no address for {}", url.host));
    for addr in order_addrs(addrs.collect(), opts.ip_order) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::new(
                ErrorKind::NoServer,
                format!("timeout connecting to {}", url.display()),
            ));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                tune(&s);
                return Ok(s);
            }
            Err(e) => last = Error::new(ErrorKind::NoServer, format!("{}: {e}", url.display())),
        }
    }
    Err(last)
}

/// Reads ops until `want` says stop, honouring the deadline.
struct HandshakeReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    parser: Parser,
}

enum Step {
    Info(Box<ServerInfo>),
    Pong,
}

impl HandshakeReader {
    fn next(&mut self, stream: &mut HandshakeIo, deadline: Instant) -> Result<Step> {
        loop {
            match self.parser.parse(&self.buf[self.start..self.end]) {
                Ok(Parsed::Op(op, n)) => {
                    self.start += n;
                    match op {
                        ServerOp::Info(json) => {
                            return ServerInfo::parse(json)
                                .map(|i| Step::Info(Box::new(i)))
                                .map_err(|e| Error::new(ErrorKind::ProtocolError, e.0));
                        }
                        ServerOp::Pong => return Ok(Step::Pong),
                        ServerOp::Ok => continue,
                        ServerOp::Ping => {
                            let _ = stream.write_all(encode::PONG);
                            continue;
                        }
                        ServerOp::Err(text) => {
                            return Err(server_error(&String::from_utf8_lossy(text)))
                        }
                        ServerOp::Msg { .. } => return Err(unexpected_msg()),
                    }
                }
                Ok(Parsed::Incomplete(_)) => {
                    // A message cannot come before our PONG (nats.c refuses
                    // it too): fail as soon as its control line is in, and
                    // never make room for the size it claims.
                    if self
                        .parser
                        .take_partial_msg(&self.buf[self.start..self.end])
                        .is_some()
                    {
                        return Err(unexpected_msg());
                    }
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                    // Only a control line is awaited here, and the parser
                    // bounds its length, so this grows with bytes that came.
                    if self.end == self.buf.len() {
                        let doubled = self.buf.len().saturating_mul(2);
                        super::transport::grow(&mut self.buf, doubled)?;
                    }
                }
                Err(e) => return Err(Error::new(ErrorKind::ProtocolError, e.0)),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timeout_err("waiting for the server"));
            }
            let _ = stream.socket().set_read_timeout(Some(left));
            match stream.read(&mut self.buf[self.end..]) {
                // nats.c: NATS_CONNECTION_CLOSED, before INFO or after it.
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::ConnectionClosed,
                        "connection closed by the server during connect",
                    ))
                }
                Ok(n) => self.end += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timeout_err("waiting for the server"))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A TLS alert after the handshake, e.g. the server wanted a client certificate.
                Err(e) if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
                    return Err(tls_error(&e))
                }
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }
}

fn unexpected_msg() -> Error {
    Error::new(ErrorKind::ProtocolError, "unexpected MSG during connect")
}

/// Maps a `-ERR` received while connecting, as nats.c does: an auth
/// refusal is `AuthFailed`, anything else `Err`.
fn server_error(text: &str) -> Error {
    if server_error::classify(text).is_auth() {
        Error::new(ErrorKind::AuthFailed, text)
    } else {
        Error::new(ErrorKind::Err, text)
    }
}

fn connect_info(
    url: &ServerUrl,
    opts: &Options,
    info: &ServerInfo,
    tls: bool,
) -> Result<ConnectInfo> {
    // Credentials in the URL win over those in the options, as in nats.c.
    let (user, pass, mut token) = if url.has_credentials() {
        (url.user.clone(), url.password.clone(), url.token.clone())
    } else {
        (opts.user.clone(), opts.password.clone(), opts.token.clone())
    };
    let creds = opts.credentials_for(info.nonce.as_bytes())?;
    if let Some(handler) = &opts.token_handler {
        if token.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "Token and token handler options cannot be both set",
            ));
        }
        token = handler();
    }
    Ok(ConnectInfo {
        verbose: opts.verbose,
        pedantic: opts.pedantic,
        tls_required: tls,
        name: opts.name.clone(),
        lang: CLIENT_LANG.to_string(),
        version: CLIENT_VERSION.to_string(),
        protocol: 1,
        echo: !opts.no_echo,
        headers: true,
        no_responders: !opts.no_responders_disabled && info.headers,
        user,
        pass,
        auth_token: token,
        jwt: creds.jwt,
        nkey: creds.nkey,
        sig: creds.sig.map(|s| base64url::encode(&s)),
    })
}

/// Connects to `url` and completes the handshake: TLS first when asked,
/// INFO, TLS when either side wants it, then CONNECT and PING / PONG.
/// `secure` forces TLS (the option, or a connection that used TLS before).
pub(crate) fn establish(url: &ServerUrl, opts: &Options, secure: bool) -> Result<Established> {
    let deadline = Instant::now() + opts.timeout.max(Duration::from_millis(1));
    // A server that cannot be reached (refused, unresolvable, TCP connect
    // timeout, a failing proxy handler) is NATS_NO_SERVER in nats.c; once
    // the socket is open, each failure keeps its own status.
    let sock = open_socket(url, opts, deadline).map_err(|e| {
        Error::new(ErrorKind::NoServer, e.text.clone()).at("handshake::open_socket")
    })?;
    let mut io = HandshakeIo::Plain(sock);
    let secure = secure || opts.secure || opts.tls_handshake_first || url.wants_tls();
    if opts.tls_handshake_first {
        io = io.upgrade(url, opts, deadline).at("handshake::tls_first")?;
    }
    let mut rd = HandshakeReader {
        buf: vec![0; 16 * 1024],
        start: 0,
        end: 0,
        parser: Parser::new(crate::proto::parser::DEFAULT_MAX_CONTROL_LINE),
    };
    let info = match rd.next(&mut io, deadline).at("handshake::read_info")? {
        Step::Info(i) => *i,
        Step::Pong => {
            return Err(Error::new(
                ErrorKind::ProtocolError,
                "expected INFO from the server",
            ))
        }
    };
    if secure && !opts.tls_handshake_first && !info.tls_required && !info.tls_available {
        return Err(Error::new(
            ErrorKind::SecureConnectionWanted,
            "a secure connection was asked for but the server does not offer TLS",
        ));
    }
    if secure || info.tls_required {
        io = io
            .upgrade(url, opts, deadline)
            .at("handshake::upgrade_tls")?;
    }
    let is_tls = matches!(io, HandshakeIo::Tls(_));
    let mut out = Vec::with_capacity(512);
    encode::encode_connect(&mut out, &connect_info(url, opts, &info, is_tls)?);
    out.extend_from_slice(encode::PING);
    set_timeouts(io.socket(), deadline);
    io.write_all(&out)
        .and_then(|_| io.flush())
        .map_err(|e| Error::io(&e))?;
    let mut info = info;
    loop {
        match rd.next(&mut io, deadline).at("handshake::wait_pong")? {
            Step::Pong => break,
            Step::Info(i) => info = *i,
        }
    }
    let leftover = rd.buf[rd.start..rd.end].to_vec();
    let sock = io.socket();
    sock.set_read_timeout(None).map_err(|e| Error::io(&e))?;
    sock.set_write_timeout(opts.write_deadline)
        .map_err(|e| Error::io(&e))?;
    Ok(Established {
        transport: io.into_transport(),
        info,
        leftover,
    })
}
