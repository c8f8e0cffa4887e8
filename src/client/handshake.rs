//! Opening a socket to one server and the INFO / CONNECT / PING / PONG
//! exchange, all under the connect timeout.
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use socket2::{SockRef, TcpKeepalive};

use super::error::{Error, ErrorKind, Result};
use super::options::Options;
use super::url::ServerUrl;
use crate::proto::{encode, ConnectInfo, Parsed, Parser, ServerInfo, ServerOp};

/// A socket past the handshake, with the bytes read beyond the PONG.
pub(crate) struct Established {
    pub stream: TcpStream,
    pub info: ServerInfo,
    pub leftover: Vec<u8>,
}

pub(crate) const CLIENT_LANG: &str = "C";
pub(crate) const CLIENT_VERSION: &str = "3.14.0-nats_rs";

fn timeout_err(what: &str) -> Error {
    Error::new(ErrorKind::Timeout, format!("timeout while {what}"))
}

fn open_socket(url: &ServerUrl, deadline: Instant) -> Result<TcpStream> {
    let addrs = url.host_port().to_socket_addrs().map_err(|e| {
        Error::new(
            ErrorKind::NoServer,
            format!("cannot resolve {}: {e}", url.host),
        )
    })?;
    let mut last = Error::new(ErrorKind::NoServer, format!("no address for {}", url.host));
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout_err("connecting"));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                let _ = SockRef::from(&s)
                    .set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::from_secs(60)));
                return Ok(s);
            }
            Err(e) => last = Error::new(ErrorKind::NoServer, format!("{}: {e}", url.display())),
        }
    }
    Err(last)
}

/// Reads ops until `want` says stop, honouring the deadline.
struct HandshakeReader<'a> {
    stream: &'a mut TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    parser: Parser,
}

enum Step {
    Info(Box<ServerInfo>),
    Pong,
}

impl HandshakeReader<'_> {
    fn next(&mut self, deadline: Instant) -> Result<Step> {
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
                            let _ = self.stream.write_all(encode::PONG);
                            continue;
                        }
                        ServerOp::Err(text) => {
                            return Err(server_error(&String::from_utf8_lossy(text)))
                        }
                        ServerOp::Msg { .. } => {
                            return Err(Error::new(
                                ErrorKind::ProtocolError,
                                "unexpected MSG during connect",
                            ))
                        }
                    }
                }
                Ok(Parsed::Incomplete(need)) => {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                    if need > self.buf.len() {
                        self.buf.resize(need, 0);
                    } else if self.end == self.buf.len() {
                        self.buf.resize(self.buf.len() * 2, 0);
                    }
                }
                Err(e) => return Err(Error::new(ErrorKind::ProtocolError, e.0)),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timeout_err("waiting for the server"));
            }
            let _ = self.stream.set_read_timeout(Some(left));
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::IoError,
                        "connection closed by the server",
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
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }
}

/// Maps a `-ERR` received while connecting.
fn server_error(text: &str) -> Error {
    let lower = text.to_ascii_lowercase();
    if lower.contains("authorization") || lower.contains("authentication") {
        Error::new(ErrorKind::AuthFailed, text)
    } else {
        Error::new(ErrorKind::Err, text)
    }
}

fn connect_info(url: &ServerUrl, opts: &Options, info: &ServerInfo) -> ConnectInfo {
    // Credentials in the URL win over those in the options, as in nats.c.
    let (user, pass, token) = if url.has_credentials() {
        (url.user.clone(), url.password.clone(), url.token.clone())
    } else {
        (opts.user.clone(), opts.password.clone(), opts.token.clone())
    };
    ConnectInfo {
        verbose: opts.verbose,
        pedantic: opts.pedantic,
        tls_required: false,
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
        ..ConnectInfo::default()
    }
}

/// Connects to `url` and completes the handshake.
pub(crate) fn establish(url: &ServerUrl, opts: &Options) -> Result<Established> {
    let deadline = Instant::now() + opts.timeout.max(Duration::from_millis(1));
    let mut stream = open_socket(url, deadline)?;
    let mut rd = HandshakeReader {
        stream: &mut stream,
        buf: vec![0; 16 * 1024],
        start: 0,
        end: 0,
        parser: Parser::new(crate::proto::parser::DEFAULT_MAX_CONTROL_LINE),
    };
    let info = match rd.next(deadline)? {
        Step::Info(i) => *i,
        Step::Pong => {
            return Err(Error::new(
                ErrorKind::ProtocolError,
                "expected INFO from the server",
            ))
        }
    };
    if info.tls_required {
        return Err(Error::new(
            ErrorKind::SecureConnectionRequired,
            "the server requires a TLS connection",
        ));
    }
    if url.wants_tls() {
        return Err(Error::new(
            ErrorKind::SecureConnectionWanted,
            "TLS was asked for but is not available on this connection",
        ));
    }
    let mut out = Vec::with_capacity(512);
    encode::encode_connect(&mut out, &connect_info(url, opts, &info));
    out.extend_from_slice(encode::PING);
    let _ = rd.stream.set_write_timeout(Some(
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1)),
    ));
    rd.stream.write_all(&out).map_err(|e| Error::io(&e))?;
    let mut info = info;
    loop {
        match rd.next(deadline)? {
            Step::Pong => break,
            Step::Info(i) => info = *i,
        }
    }
    let leftover = rd.buf[rd.start..rd.end].to_vec();
    stream.set_read_timeout(None).map_err(|e| Error::io(&e))?;
    stream
        .set_write_timeout(opts.write_deadline)
        .map_err(|e| Error::io(&e))?;
    Ok(Established {
        stream,
        info,
        leftover,
    })
}
