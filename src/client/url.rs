//! Server URLs as nats.c accepts them: `nats://user:pass@host:port`,
//! `nats://token@host`, bare `host:port`, IPv6 in brackets, default port 4222.
use super::error::{Error, ErrorKind, Result};

pub const DEFAULT_PORT: u16 = 4222;

/// One parsed server address with the credentials it carries, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

impl ServerUrl {
    pub fn parse(text: &str) -> Result<ServerUrl> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::new(ErrorKind::AddressMissing, "empty URL"));
        }
        let (scheme, rest) = match text.find("://") {
            Some(i) => (text[..i].to_ascii_lowercase(), &text[i + 3..]),
            None => ("nats".to_string(), text),
        };
        // Anything after the authority (a path) is ignored, as nats.c does.
        let authority = rest.split('/').next().unwrap_or("");
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(Error::new(
                ErrorKind::AddressMissing,
                format!("no host in URL '{text}'"),
            ));
        }
        let (mut user, mut password, mut token) = (None, None, None);
        if let Some(info) = userinfo.filter(|s| !s.is_empty()) {
            match info.find(':') {
                Some(i) => {
                    user = Some(percent_decode(&info[..i]));
                    password = Some(percent_decode(&info[i + 1..]));
                }
                None => token = Some(percent_decode(info)),
            }
        }
        Ok(ServerUrl {
            scheme,
            host,
            port,
            user,
            password,
            token,
        })
    }

    /// Parses a comma separated list, skipping empty entries.
    pub fn parse_list(text: &str) -> Result<Vec<ServerUrl>> {
        let urls = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(ServerUrl::parse)
            .collect::<Result<Vec<_>>>()?;
        if urls.is_empty() {
            return Err(Error::new(ErrorKind::AddressMissing, "no server URL"));
        }
        Ok(urls)
    }

    /// `host:port`, bracketing IPv6 literals, for socket address resolution.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL without credentials, as reported by `GetConnectedUrl`/`GetServers`.
    pub fn display(&self) -> String {
        format!("{}://{}", self.scheme, self.host_port())
    }

    pub fn has_credentials(&self) -> bool {
        self.user.is_some() || self.token.is_some()
    }

    pub fn wants_tls(&self) -> bool {
        self.scheme == "tls"
    }
}

fn split_host_port(hp: &str) -> Result<(String, u16)> {
    let bad = || Error::new(ErrorKind::AddressMissing, format!("invalid address '{hp}'"));
    if let Some(rest) = hp.strip_prefix('[') {
        let end = rest.find(']').ok_or_else(bad)?;
        let host = rest[..end].to_string();
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p).ok_or_else(bad)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host, port));
    }
    match hp.rfind(':') {
        Some(i) if hp[..i].contains(':') => Ok((hp.to_string(), DEFAULT_PORT)),
        Some(i) => Ok((
            hp[..i].to_string(),
            parse_port(&hp[i + 1..]).ok_or_else(bad)?,
        )),
        None => Ok((hp.to_string(), DEFAULT_PORT)),
    }
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() {
        return Some(DEFAULT_PORT);
    }
    p.parse().ok()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url_with_user_and_password() {
        let u = ServerUrl::parse("nats://derek:s3cr%40t@example.com:4333").unwrap();
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, 4333);
        assert_eq!(u.user.as_deref(), Some("derek"));
        assert_eq!(u.password.as_deref(), Some("s3cr@t"));
        assert_eq!(u.token, None);
        assert_eq!(u.display(), "nats://example.com:4333");
    }

    #[test]
    fn token_and_default_port() {
        let u = ServerUrl::parse("nats://mytoken@localhost").unwrap();
        assert_eq!(u.token.as_deref(), Some("mytoken"));
        assert_eq!(u.port, DEFAULT_PORT);
        assert!(u.user.is_none());
    }

    #[test]
    fn bare_host_and_ipv6() {
        let u = ServerUrl::parse("127.0.0.1:5000").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port),
            ("nats", "127.0.0.1", 5000)
        );
        let u = ServerUrl::parse("nats://[::1]:4223").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 4223));
        assert_eq!(u.host_port(), "[::1]:4223");
        let u = ServerUrl::parse("tls://[::1]").unwrap();
        assert_eq!(u.port, DEFAULT_PORT);
        assert!(u.wants_tls());
    }

    #[test]
    fn comma_separated_list() {
        let l = ServerUrl::parse_list("nats://a:1, nats://b:2 ,c").unwrap();
        let hosts: Vec<_> = l.iter().map(|u| (u.host.as_str(), u.port)).collect();
        assert_eq!(hosts, [("a", 1), ("b", 2), ("c", DEFAULT_PORT)]);
    }

    #[test]
    fn bad_urls_rejected() {
        assert_eq!(
            ServerUrl::parse("").unwrap_err().kind,
            ErrorKind::AddressMissing
        );
        assert_eq!(
            ServerUrl::parse("nats://:4222").unwrap_err().kind,
            ErrorKind::AddressMissing
        );
        assert!(ServerUrl::parse("nats://host:notaport").is_err());
        assert!(ServerUrl::parse("nats://host:70000").is_err());
        assert!(ServerUrl::parse_list(" , ").is_err());
    }
}
