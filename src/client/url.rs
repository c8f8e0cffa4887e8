//! Server URLs as nats.c accepts them: `nats://user:pass@host:port`,
//! `nats://token@host`, bare `host:port`, IPv6 in brackets, default port 4222.
//!
//! Parsing is total: servers announce URLs too (`connect_urls`), so any
//! text gives a URL or an error, never a panic.
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
        let decode = |part: &str| {
            percent_decode(part).ok_or_else(|| {
                Error::new(
                    ErrorKind::AddressMissing,
                    format!("credentials in URL '{text}' are not UTF-8 once decoded"),
                )
            })
        };
        let (mut user, mut password, mut token) = (None, None, None);
        if let Some(info) = userinfo.filter(|s| !s.is_empty()) {
            match info.split_once(':') {
                Some((u, p)) => {
                    user = Some(decode(u)?);
                    password = Some(decode(p)?);
                }
                None => token = Some(decode(info)?),
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
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        if host.contains(['[', ']']) {
            return Err(bad());
        }
        let host = host.to_string();
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p).ok_or_else(bad)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host, port));
    }
    // A bracket outside the `[...]` form is a typo, not a host name.
    if hp.contains(['[', ']']) {
        return Err(bad());
    }
    match hp.rsplit_once(':') {
        Some((host, _)) if host.contains(':') => Ok((hp.to_string(), DEFAULT_PORT)),
        Some((host, port)) => Ok((host.to_string(), parse_port(port).ok_or_else(bad)?)),
        None => Ok((hp.to_string(), DEFAULT_PORT)),
    }
}

/// Digits only (no sign), within `u16`; empty means the default port.
fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() {
        return Some(DEFAULT_PORT);
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes, working on bytes (the text around an escape may
/// be any UTF-8); a `%` not followed by two hex digits stays as it is.
/// `None` when the decoded bytes are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = b.get(i + 1).copied().and_then(hex_digit);
            let lo = b.get(i + 2).copied().and_then(hex_digit);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
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

    #[test]
    fn odd_encodings_are_handled_without_panics() {
        // An escape cut by a multi-byte character, lone and trailing `%`.
        for text in [
            "nats://%\u{20ac}@127.0.0.1:1",
            "nats://a%\u{20ac}b:%\u{20ac}@127.0.0.1:1",
            "nats://%@127.0.0.1:1",
            "nats://%4@127.0.0.1:1",
            "nats://x%@127.0.0.1:1",
            "nats://%zz@127.0.0.1:1",
        ] {
            let Ok(u) = ServerUrl::parse(text) else {
                panic!("{text} should parse")
            };
            assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 1), "{text}");
        }
        let u = ServerUrl::parse("nats://%\u{20ac}@h:1").unwrap();
        assert_eq!(u.token.as_deref(), Some("%\u{20ac}"));
        let u = ServerUrl::parse("nats://x%@h").unwrap();
        assert_eq!(u.token.as_deref(), Some("x%"));
        let u = ServerUrl::parse("nats://%e2%82%ac:p%3a%3A@h").unwrap();
        assert_eq!(u.user.as_deref(), Some("\u{20ac}"));
        assert_eq!(u.password.as_deref(), Some("p::"));
        // Bytes that are not UTF-8 once decoded: refused, not repaired.
        assert_eq!(
            ServerUrl::parse("nats://%ff%fe@h").unwrap_err().kind,
            ErrorKind::AddressMissing
        );
        assert!(ServerUrl::parse("nats://u:%c3@h").is_err());
        // Ports: digits within u16 only.
        for bad in [
            "h:65536",
            "h:99999999999999999999999",
            "h:+80",
            "h:-1",
            "h: 80",
            "h:8\u{20ac}",
            "[::1]:70000",
            "[::1]x",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ServerUrl::parse("h:65535").unwrap().port, 65535);
        assert_eq!(ServerUrl::parse("h:").unwrap().port, DEFAULT_PORT);
        // Unbalanced brackets.
        for bad in [
            "[::1",
            "::1]",
            "[::1]]:4222",
            "[[::1]:1",
            "nats://[",
            "]",
            "h]:1",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(ServerUrl::parse("[]:1").is_err());
    }

    #[test]
    fn any_text_parses_or_fails_without_panicking() {
        // Every string of up to 4 pieces from an alphabet of the characters
        // URL parsing cuts at, next to multi-byte ones.
        let alphabet = [
            "%", "\u{20ac}", "\u{e9}", "@", ":", "[", "]", "/", "a", "1", "f", " ", "://", ",",
        ];
        let mut idx = [0usize; 4];
        loop {
            for n in 0..=idx.len() {
                let text: String = idx[..n].iter().map(|&i| alphabet[i]).collect();
                let _ = ServerUrl::parse(&text);
                let _ = ServerUrl::parse_list(&text);
                let _ = ServerUrl::parse(&format!("nats://{text}@h:1"));
            }
            let mut k = 0;
            loop {
                if k == idx.len() {
                    return;
                }
                idx[k] += 1;
                if idx[k] < alphabet.len() {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
        }
    }
}
